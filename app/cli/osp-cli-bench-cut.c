/* osp-cli-bench-cut.c — osteoplan-cli bench cut and bench symmetry
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench cut: cut and cap a hollow torus (an outer torus around an inward-facing inner one,
 * so the section has loops inside loops) of about 1 M triangles through an oblique plane,
 * best of R runs, and in the same run VTK's vtkClipClosedSurface on the same mesh (written
 * as binary STL) and plane, timed inside python around the clip alone
 * (tests/bench/vtk_clip.py).  VTK builds one side; we build both.
 *
 * bench symmetry: the midsagittal plane of the phantom pelvis (osp_phantom_generate +
 * osp_segment_volume, decimated to about 500 k triangles), timed alone, with its error
 * against the phantom's true plane.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "osp-cli-private.h"
#include "osp-cut.h"
#include "osp-mesh-io.h"
#include "osp-phantom.h"
#include "osp-segment.h"
#include "osp-symmetry.h"

#define VTK_SCRIPT    "vtk_clip.py"

static double
load_average (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return -1;
  return g_ascii_strtod (text, NULL);
}

int
osp_cli_bench_cut (int    argc,
                   char **argv)
{
  g_autofree char *input = NULL;
  g_autofree char *plane_text = NULL;
  g_autofree char *script_arg = NULL;
  gboolean no_vtk = FALSE;
  int repeat = 5;
  int triangles = 1000000;
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      N_("Cut this mesh instead of the generated hollow torus"), N_("FILE") },
    { "triangles", 'n', 0, G_OPTION_ARG_INT, &triangles,
      N_("Triangles of the generated mesh (default 1000000)"), N_("N") },
    { "plane", 'p', 0, G_OPTION_ARG_STRING, &plane_text,
      N_("The plane (default: oblique through the middle)"), N_("NX,NY,NZ,D") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 5)"), N_("R") },
    { "no-vtk", 0, 0, G_OPTION_ARG_NONE, &no_vtk, N_("Do not time vtkClipClosedSurface"), NULL },
    { "vtk-script", 0, 0, G_OPTION_ARG_FILENAME, &script_arg,
      N_("The VTK timing script (default: tests/bench/vtk_clip.py of the source tree)"),
      N_("PATH") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench cut", _("[--triangles N] [--input FILE]"),
                         _("Time cutting and capping a mesh of about 1 M triangles (both sides, "
                           "closed pieces), and vtkClipClosedSurface on the same mesh and plane "
                           "where /usr/bin/python3 has VTK."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autofree char *tmpdir = NULL, *stl = NULL, *script = NULL;
  OspPlane plane = { { 0.9f, 0.3f, 0.3162278f }, 2.5f };
  double best = G_MAXDOUBLE, best_cpu = G_MAXDOUBLE, volume;
  guint n_in = 0, n_out = 0, n_loops = 0, n_holes = 0;
  guint32 cap_triangles = 0;
  double in_volume = 0, out_volume = 0;
  gboolean closed = TRUE;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  repeat = CLAMP (repeat, 1, 100);
  if (plane_text != NULL && !osp_plane_parse (plane_text, &plane, &error))
    return osp_cli_fail (error);
  if (plane_text == NULL)
    {
      double len = sqrt (0.9 * 0.9 + 0.3 * 0.3 + 0.3162278 * 0.3162278);

      for (int k = 0; k < 3; k++)
        plane.normal[k] = (float) (plane.normal[k] / len);
    }

  if (input != NULL)
    {
      mesh = osp_mesh_load (input, NULL, NULL, &error);
      if (mesh == NULL)
        return osp_cli_fail (error);
    }
  else
    {
      /* Outer torus 60/20 mm and inner 60/14 mm; 3 : 1 triangles, quads nu = 4 nv. */
      guint32 total = (guint32) CLAMP (triangles, 1000, 100000000);
      guint32 nv_o = MAX ((guint32) sqrt (total * 0.75 / 8.0), 3);
      guint32 nv_i = MAX ((guint32) sqrt (total * 0.25 / 8.0), 3);
      g_autoptr(OspMesh) outer = osp_cli_make_torus (60, 20, 4 * nv_o, nv_o, FALSE);
      g_autoptr(OspMesh) inner = osp_cli_make_torus (60, 14, 4 * nv_i, nv_i, TRUE);
      OspMesh *parts[2] = { outer, inner };

      mesh = osp_mesh_merge (parts, 2);
    }
  volume = osp_mesh_get_volume (mesh);

  for (int r = 0; r < repeat; r++)
    {
      g_auto(OspCutResult) result = { 0 };
      double t0 = osp_cli_now (), c0 = osp_cli_cpu_now ();

      if (!osp_mesh_cut (mesh, &plane, 1, 0, &result, NULL, NULL, &error))
        return osp_cli_fail (error);
      best = MIN (best, osp_cli_now () - t0);
      best_cpu = MIN (best_cpu, osp_cli_cpu_now () - c0);
      if (r == 0)
        {
          n_in = result.inside->len;
          n_out = result.outside->len;
          n_loops = result.n_cap_loops;
          n_holes = result.n_cap_holes;
          cap_triangles = result.n_cap_triangles;
          in_volume = result.inside_volume;
          out_volume = result.outside_volume;
          for (guint i = 0; i < n_in + n_out; i++)
            {
              OspMeshReport report;

              osp_mesh_report (g_ptr_array_index (i < n_in ? result.inside : result.outside,
                                                  i < n_in ? i : i - n_in), &report);
              closed = closed && report.closed;
            }
        }
    }

  printf ("bench cut: %d CPUs, best of %d runs, load average %.2f\n", g_get_num_processors (),
          repeat, load_average ());
  printf ("mesh: %s, %u triangles, %u vertices, %.1f mm³\n",
          input != NULL ? input : "hollow torus", osp_mesh_get_n_triangles (mesh),
          osp_mesh_get_n_vertices (mesh), volume);
  printf ("plane: %.5f,%.5f,%.5f,%.3f\n", plane.normal[0], plane.normal[1], plane.normal[2],
          plane.d);
  printf ("  %-34s %8.1f ms  (goal ≤ 100 ms; CPU %.1f ms over all threads)\n",
          _("osteoplan cut + cap, both sides"), best * 1000, best_cpu * 1000);
  printf ("    pieces: %u inside + %u outside, %s; cap: %u loops (%u holes), %u triangles\n",
          n_in, n_out, closed ? "all closed" : "NOT ALL CLOSED", n_loops, n_holes,
          cap_triangles);
  printf ("    volumes: %.3f + %.3f = %.3f mm³ (relative error %.2e)\n", in_volume, out_volume,
          in_volume + out_volume, fabs (in_volume + out_volume - volume) / fabs (volume));

  if (!no_vtk)
    {
      script = osp_cli_find_bench_script (script_arg, VTK_SCRIPT);
      if (script == NULL || !g_file_test (OSP_CLI_SYSTEM_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        no_vtk = TRUE;
    }
  if (no_vtk)
    {
      printf ("  %-34s %s\n", "vtkClipClosedSurface", _("not run"));
      return 0;
    }

  tmpdir = g_dir_make_tmp ("osteoplan-bench-cut-XXXXXX", &error);
  if (tmpdir == NULL)
    return osp_cli_fail (error);
  stl = g_build_filename (tmpdir, "mesh.stl", NULL);
  if (!osp_mesh_save (mesh, stl, OSP_MESH_FORMAT_STL_BINARY, &error))
    return osp_cli_fail (error);
  {
    char nums[4][G_ASCII_DTOSTR_BUF_SIZE];
    g_autofree char *repeat_text = g_strdup_printf ("%d", repeat);
    const char *child[] = { OSP_CLI_SYSTEM_PYTHON, script, stl, NULL, NULL, NULL, NULL, NULL, NULL };
    g_autofree char *out = NULL;

    for (int k = 0; k < 3; k++)
      child[3 + k] = g_ascii_dtostr (nums[k], sizeof nums[k], plane.normal[k]);
    child[6] = g_ascii_dtostr (nums[3], sizeof nums[3], plane.d);
    child[7] = repeat_text;
    if (osp_cli_run_child (child, &out))
      {
        double seconds = osp_cli_output_field (out, NULL, "seconds=");

        printf ("  %-34s %8.1f ms  (one side; %.0f cells)\n", "vtkClipClosedSurface",
                seconds * 1000, osp_cli_output_field (out, NULL, "cells="));
        printf ("  %-34s %8.1f ×\n", _("VTK time ÷ osteoplan time"), seconds / best);
      }
    else
      printf ("  %-34s %s\n", "vtkClipClosedSurface", _("failed (is VTK installed?)"));
  }
  g_unlink (stl);
  g_rmdir (tmpdir);
  return 0;
}

int
osp_cli_bench_symmetry (int    argc,
                        char **argv)
{
  g_autofree char *input = NULL;
  int triangles = 500000;
  int repeat = 3;
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      N_("Use this mesh instead of the phantom pelvis"), N_("FILE") },
    { "triangles", 'n', 0, G_OPTION_ARG_INT, &triangles,
      N_("Decimate the phantom to N triangles (default 500000)"), N_("N") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench symmetry", _("[--triangles N] [--input FILE]"),
                         _("Time the automatic midsagittal plane of a pelvis of about 500 k "
                           "triangles (the phantom, whose true plane is known)."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspPhantomTruth truth;
  OspPlane plane;
  OspResidual res;
  double best = G_MAXDOUBLE, best_cpu = G_MAXDOUBLE;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  repeat = CLAMP (repeat, 1, 100);

  if (input != NULL)
    {
      mesh = osp_mesh_load (input, NULL, NULL, &error);
      if (mesh == NULL)
        return osp_cli_fail (error);
    }
  else
    {
      OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
      OspSegmentOptions seg = OSP_SEGMENT_OPTIONS_INIT;
      g_autoptr(OspVolume) volume = NULL;

      volume = osp_phantom_generate (&options, &truth, NULL, &error);
      if (volume == NULL)
        return osp_cli_fail (error);
      seg.target_triangles = (guint32) CLAMP (triangles, 1000, 100000000);
      mesh = osp_segment_volume (volume, &seg, NULL, NULL, NULL, &error);
      if (mesh == NULL)
        return osp_cli_fail (error);
    }

  for (int r = 0; r < repeat; r++)
    {
      double t0 = osp_cli_now (), c0 = osp_cli_cpu_now ();

      if (!osp_symmetry_estimate (mesh, NULL, &plane, &res, NULL, NULL, &error))
        return osp_cli_fail (error);
      best = MIN (best, osp_cli_now () - t0);
      best_cpu = MIN (best_cpu, osp_cli_cpu_now () - c0);
    }

  printf ("bench symmetry: %d CPUs, best of %d runs, load average %.2f\n",
          g_get_num_processors (), repeat, load_average ());
  printf ("mesh: %s, %u triangles\n", input != NULL ? input : "phantom pelvis",
          osp_mesh_get_n_triangles (mesh));
  printf ("  %-30s %8.1f ms  (goal ≤ 1000 ms; CPU %.1f ms over all threads)\n",
          _("symmetry plane"), best * 1000, best_cpu * 1000);
  printf ("    plane %.6f,%.6f,%.6f,%.4f; residual RMS %.3f mm, p95 %.3f mm, %u iterations\n",
          plane.normal[0], plane.normal[1], plane.normal[2], plane.d, res.rms_mm, res.p95_mm,
          res.n_iterations);
  if (input == NULL)
    {
      OspBox box;
      float c[3];
      double angle, distance;

      osp_mesh_get_bounds (mesh, &box);
      for (int k = 0; k < 3; k++)
        c[k] = (box.min[k] + box.max[k]) / 2;
      osp_plane_compare (&truth.midsagittal, &plane, c, &angle, &distance);
      printf ("    error against the true plane: %.4f°, %.4f mm\n", angle, distance);
    }
  return 0;
}
