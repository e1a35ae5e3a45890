#!/usr/bin/python3
# vtk_stl_read.py — times vtkSTLReader on one STL file, for `osteoplan-cli bench stl`.
#
# Copyright 2026 The Osteoplan developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 vtk_stl_read.py FILE [REPEAT]
# Prints "seconds=S points=P cells=C" (the best of REPEAT reads; vtkSTLReader merges
# coincident points by default, as osp_mesh_load welds) or exits 2 when VTK is missing.
import sys
import time

try:
    from vtkmodules.vtkIOGeometry import vtkSTLReader
except ImportError:
    try:
        from vtk import vtkSTLReader
    except ImportError:
        print("vtk is not installed for this python", file=sys.stderr)
        sys.exit(2)


def main():
    if len(sys.argv) < 2:
        print(__doc__ or "usage: vtk_stl_read.py FILE [REPEAT]", file=sys.stderr)
        return 1
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    best = None
    points = cells = 0
    for _ in range(max(repeat, 1)):
        reader = vtkSTLReader()
        reader.SetFileName(path)
        start = time.perf_counter()
        reader.Update()
        elapsed = time.perf_counter() - start
        output = reader.GetOutput()
        points, cells = output.GetNumberOfPoints(), output.GetNumberOfCells()
        best = elapsed if best is None else min(best, elapsed)
        del reader, output
    print(f"seconds={best:.6f} points={points} cells={cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
