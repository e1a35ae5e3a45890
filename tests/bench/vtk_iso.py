#!/usr/bin/python3
# vtk_iso.py — times vtkFlyingEdges3D and vtkMarchingCubes on a raw int16 volume, for
# `osteoplan-cli bench iso`.
#
# Copyright 2026 The Osteoplan developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 vtk_iso.py RAW NX NY NZ SX SY SZ ISO [REPEAT]
# RAW holds NX × NY × NZ little-endian int16 values, x fastest.  Prints one line per filter,
# "NAME seconds=S cpu=C points=P cells=N threads=T" (the best of REPEAT runs of wall time and
# of process CPU time; normals, gradients and scalars off, so both sides make only the
# surface), or exits 2 when VTK or numpy is missing.
import sys
import time

try:
    import numpy
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkCommonCore import vtkSMPTools
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D, vtkMarchingCubes
except ImportError as error:
    print(f"vtk or numpy is not installed for this python: {error}", file=sys.stderr)
    sys.exit(2)


def time_filter(make, image, iso, repeat):
    best = best_cpu = None
    points = cells = 0
    for _ in range(max(repeat, 1)):
        f = make()
        f.SetInputData(image)
        f.SetValue(0, iso)
        f.ComputeNormalsOff()
        f.ComputeGradientsOff()
        f.ComputeScalarsOff()
        start, start_cpu = time.perf_counter(), time.process_time()
        f.Update()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        output = f.GetOutput()
        points, cells = output.GetNumberOfPoints(), output.GetNumberOfCells()
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
        del f, output
    return best, best_cpu, points, cells


def main():
    if len(sys.argv) < 9:
        print("usage: vtk_iso.py RAW NX NY NZ SX SY SZ ISO [REPEAT]", file=sys.stderr)
        return 1
    path = sys.argv[1]
    nx, ny, nz = (int(v) for v in sys.argv[2:5])
    spacing = [float(v) for v in sys.argv[5:8]]
    iso = float(sys.argv[8])
    repeat = int(sys.argv[9]) if len(sys.argv) > 9 else 1

    voxels = numpy.fromfile(path, dtype="<i2", count=nx * ny * nz)
    if voxels.size != nx * ny * nz:
        print(f"{path}: holds {voxels.size} voxels, not {nx * ny * nz}", file=sys.stderr)
        return 1
    image = vtkImageData()
    image.SetDimensions(nx, ny, nz)
    image.SetSpacing(*spacing)
    image.GetPointData().SetScalars(numpy_support.numpy_to_vtk(voxels, deep=0))

    threads = vtkSMPTools.GetEstimatedNumberOfThreads()
    for name, make in (("vtkFlyingEdges3D", vtkFlyingEdges3D),
                       ("vtkMarchingCubes", vtkMarchingCubes)):
        seconds, cpu, points, cells = time_filter(make, image, iso, repeat)
        print(f"{name} seconds={seconds:.6f} cpu={cpu:.6f} points={points} cells={cells} "
              f"threads={threads}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
