/* osp-cli-bench.c — osteoplan-cli bench NAME [OPTION…]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A table of benchmarks, each in its own file osp-cli-bench-NAME.c (see osp-cli-private.h for
 * how to add one).  A benchmark prints its figures and asserts nothing about time.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"

static const OspCliCommand benchmarks[] = {
  { "stl", N_("[--triangles N…]"),
    N_("Binary STL: raw read vs load + weld vs write, peak memory, vtkSTLReader"),
    osp_cli_bench_stl },
  { "render", N_("[--triangles N…] [--frames N]"),
    N_("Offscreen frames per second for 100 k, 1 M and 4 M triangles, GPU bytes per triangle"),
    osp_cli_bench_render },
  { "dicom", N_("[FOLDER] [--repeat R]"),
    N_("Load the 140-slice skull phantom DICOM series: seconds and MB/s"),
    osp_cli_bench_dicom },
  { "cut", N_("[--triangles N] [--input FILE]"),
    N_("Cut and cap 1 M triangles (goal 100 ms) vs vtkClipClosedSurface"),
    osp_cli_bench_cut },
  { "symmetry", N_("[--triangles N] [--input FILE]"),
    N_("Midsagittal plane of a 500 k-triangle phantom pelvis (goal 1 s)"),
    osp_cli_bench_symmetry },
  { "iso", N_("[--dims NXxNYxNZ]"),
    N_("Bone surface extraction: 1 vs all threads, peak memory, vtkFlyingEdges3D, "
       "vtkMarchingCubes"),
    osp_cli_bench_iso },
  { "plan", N_("[--triangles N] [--repeat R]"),
    N_("Undo and redo of a cut of a 1 M-triangle mesh; plan save and open"),
    osp_cli_bench_plan },
  { "export", N_("[--triangles N]"), N_("3MF and STL export of a large mesh, vs vtkSTLWriter"),
    osp_cli_bench_export },
  { "check", N_("[--triangles N]"), N_("The full print-readiness check of a large mesh"),
    osp_cli_bench_check },
  { "fit", N_("[--bone-triangles N] [--implant-triangles N] [--bone FILE]"),
    N_("Signed-distance map of a 200 k-triangle implant against a 1 M-triangle bone "
       "(goal 1 s)"),
    osp_cli_bench_fit },
  { "boolean", N_("[--bone FILE] [--bone-triangles N]"),
    N_("Subtract a 50 k-triangle guide from a 500 k-triangle bone (goal 2 s) vs CGAL alone"),
    osp_cli_bench_boolean },
  { "info", N_("[--triangles N] [--input FILE] [--repeat R]"),
    N_("The mesh report behind “info” on 4.7 M triangles: time, peak bytes per triangle, "
       "vs admesh -c"),
    osp_cli_bench_info },
  { "decimate", N_("[--triangles N] [--input FILE] [--repeat R]"),
    N_("Decimate a 1.18 M-triangle bone surface to 500 000, kept closed, vs meshoptimizer "
       "alone"),
    osp_cli_bench_decimate },
  { "slice", N_("[--dims NXxNYxNZ] [--size N]"),
    N_("Scroll through the slices of a 512 × 512 × 400 CT offscreen: frames per second "
       "(goal 30 on llvmpipe)"),
    osp_cli_bench_slice },
  { "nifti", N_("[FILE] [--repeat R]"),
    N_("Load a NIfTI CT beside reading the file into memory (goal 1.2 ×) and nibabel"),
    osp_cli_bench_nifti },
  { "save", N_("[CT] [--dims NXxNYxNZ]"),
    N_("Save a plan with a 512 × 512 × 400 CT twice: the second save copies the compressed "
       "voxels"),
    osp_cli_bench_save },
  /* Add a line here for each osp-cli-bench-NAME.c. */
};

static void
print_benchmarks (FILE *out)
{
  fprintf (out, "%s\n  osteoplan-cli bench NAME [OPTION…]\n\n%s\n", _("Usage:"),
           _("Benchmarks:"));
  for (guint i = 0; i < G_N_ELEMENTS (benchmarks); i++)
    fprintf (out, "  %-8s %s\n", benchmarks[i].name, _(benchmarks[i].summary));
  fprintf (out, "\n%s\n", _("Run “osteoplan-cli bench NAME --help” for a benchmark’s options."));
}

int
osp_cli_bench (int    argc,
               char **argv)
{
  if (argc < 2)
    {
      print_benchmarks (stderr);
      return 1;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_benchmarks (stdout);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (benchmarks); i++)
    if (strcmp (argv[1], benchmarks[i].name) == 0)
      return benchmarks[i].func (argc - 1, argv + 1);

  fprintf (stderr, _("osteoplan-cli: unknown benchmark “%s”\n\n"), argv[1]);
  print_benchmarks (stderr);
  return 1;
}
