#!/usr/bin/python3
# vtk_clip.py — times vtkClipClosedSurface on one STL file, for `osteoplan-cli bench cut`.
#
# Copyright 2026 The Osteoplan developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 vtk_clip.py FILE NX NY NZ D [REPEAT]
# Keeps the side n·x <= d (the plane's VTK normal is -n: VTK keeps the side its normal points
# to) with capped faces, and prints "seconds=S cells=C" (the best of REPEAT clips, the clip
# alone: reading the file is not timed) or exits 2 when VTK is missing.
import sys
import time

try:
    from vtkmodules.vtkCommonDataModel import vtkPlane, vtkPlaneCollection
    from vtkmodules.vtkFiltersGeneral import vtkClipClosedSurface
    from vtkmodules.vtkIOGeometry import vtkSTLReader
except ImportError:
    try:
        from vtk import vtkClipClosedSurface, vtkPlane, vtkPlaneCollection, vtkSTLReader
    except ImportError:
        print("vtk is not installed for this python", file=sys.stderr)
        sys.exit(2)


def main():
    if len(sys.argv) < 6:
        print("usage: vtk_clip.py FILE NX NY NZ D [REPEAT]", file=sys.stderr)
        return 1
    path = sys.argv[1]
    n = [float(v) for v in sys.argv[2:5]]
    d = float(sys.argv[5])
    repeat = int(sys.argv[6]) if len(sys.argv) > 6 else 1

    reader = vtkSTLReader()
    reader.SetFileName(path)
    reader.Update()
    surface = reader.GetOutput()

    plane = vtkPlane()
    plane.SetOrigin(n[0] * d, n[1] * d, n[2] * d)
    plane.SetNormal(-n[0], -n[1], -n[2])
    planes = vtkPlaneCollection()
    planes.AddItem(plane)

    best = None
    cells = 0
    for _ in range(max(repeat, 1)):
        clip = vtkClipClosedSurface()
        clip.SetInputData(surface)
        clip.SetClippingPlanes(planes)
        clip.SetGenerateFaces(1)
        start = time.perf_counter()
        clip.Update()
        elapsed = time.perf_counter() - start
        cells = clip.GetOutput().GetNumberOfCells()
        best = elapsed if best is None else min(best, elapsed)
        del clip
    print(f"seconds={best:.6f} cells={cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
