#!/usr/bin/python3
# vtk_stl_write.py — times vtkSTLWriter (binary) on one mesh, for `osteoplan-cli bench export`.
#
# Copyright 2026 The Osteoplan developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 vtk_stl_write.py IN.stl OUT.stl [REPEAT]
# Reads IN.stl (not timed), then writes it as binary STL to OUT.stl and prints
# "seconds=S cells=C" (the best of REPEAT writes), or exits 2 when VTK is missing.
import sys
import time

try:
    from vtkmodules.vtkIOGeometry import vtkSTLReader, vtkSTLWriter
except ImportError:
    try:
        from vtk import vtkSTLReader, vtkSTLWriter
    except ImportError:
        print("vtk is not installed for this python", file=sys.stderr)
        sys.exit(2)


def main():
    if len(sys.argv) < 3:
        print("usage: vtk_stl_write.py IN.stl OUT.stl [REPEAT]", file=sys.stderr)
        return 1
    reader = vtkSTLReader()
    reader.SetFileName(sys.argv[1])
    reader.Update()
    mesh = reader.GetOutput()
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    best = None
    for _ in range(max(repeat, 1)):
        writer = vtkSTLWriter()
        writer.SetFileName(sys.argv[2])
        writer.SetFileTypeToBinary()
        writer.SetInputData(mesh)
        start = time.perf_counter()
        ok = writer.Write()
        elapsed = time.perf_counter() - start
        if ok != 1:
            print("vtkSTLWriter failed", file=sys.stderr)
            return 1
        best = elapsed if best is None else min(best, elapsed)
    print(f"seconds={best:.6f} cells={mesh.GetNumberOfCells()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
