/* osp-cli-bench-export.c — osteoplan-cli bench export and bench check
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `bench export` writes a finely subdivided torus (1 M triangles by default) as 3MF and as
 * binary STL and, where /usr/bin/python3 has VTK, times vtkSTLWriter on the same mesh
 * (tests/bench/vtk_stl_write.py).  `bench check` times the full print-readiness check
 * (topology, self-intersections, wall thickness) of the same torus.  Figures only; nothing
 * is asserted about time.
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "osp-3mf.h"
#include "osp-cli-private.h"
#include "osp-mesh-io.h"
#include "osp-print-check.h"
#include "osp-repair.h"

#define VTK_WRITE_SCRIPT "vtk_stl_write.py"

/* A torus (major radius 60 mm, minor 20 mm) of about n_triangles triangles. */
static OspMesh *
make_torus (guint64 n_triangles)
{
  guint32 nv = 500, nu = (guint32) MAX (3, n_triangles / (2 * nv));

  return osp_cli_make_torus (60, 20, nu, nv, FALSE);
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

int
osp_cli_bench_export (int    argc,
                      char **argv)
{
  gint64 n_triangles = 1000000;
  int repeat = 3;
  gboolean no_vtk = FALSE;
  g_autofree char *dir_arg = NULL;
  GOptionEntry entries[] = {
    { "triangles", 'n', 0, G_OPTION_ARG_INT64, &n_triangles,
      N_("Triangles of the test torus (default 1000000)"), N_("N") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_arg,
      N_("Folder for the files (default: a temporary one)"), N_("DIR") },
    { "no-vtk", 0, 0, G_OPTION_ARG_NONE, &no_vtk, N_("Skip the VTK comparison"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench export", "",
                         _("Time 3MF and binary STL export of a large torus, and VTK's "
                           "vtkSTLWriter on the same mesh."), entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autofree char *dir = NULL, *path_3mf = NULL, *path_stl = NULL, *path_vtk = NULL;
  double best_3mf = INFINITY, best_stl = INFINITY, cpu_3mf = INFINITY, cpu_stl = INFINITY;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (n_triangles < 2 || n_triangles > 100000000 || repeat < 1)
    return osp_cli_failf (_("bench export: --triangles must be 2…100000000, --repeat ≥ 1"));
  dir = dir_arg != NULL ? g_strdup (dir_arg) : g_dir_make_tmp ("osp-bench-export-XXXXXX", &error);
  if (dir == NULL)
    return osp_cli_fail (error);
  path_3mf = g_build_filename (dir, "torus.3mf", NULL);
  path_stl = g_build_filename (dir, "torus.stl", NULL);
  path_vtk = g_build_filename (dir, "torus-vtk.stl", NULL);

  mesh = make_torus ((guint64) n_triangles);
  printf (_("mesh: %u triangles, %u vertices\n"), osp_mesh_get_n_triangles (mesh),
          osp_mesh_get_n_vertices (mesh));
  for (int r = 0; r < repeat; r++)
    {
      double t0 = osp_cli_now (), c0 = osp_cli_cpu_now ();
      Osp3mfObject object;
      gboolean ok;

      osp_3mf_object_init (&object, "torus", mesh, 0xE3DAC9FFu, NULL);
      ok = osp_3mf_save (&object, 1, path_3mf, NULL, NULL, &error);
      osp_3mf_object_clear (&object);
      if (!ok)
        return osp_cli_fail (error);
      best_3mf = MIN (best_3mf, osp_cli_now () - t0);
      cpu_3mf = MIN (cpu_3mf, osp_cli_cpu_now () - c0);

      t0 = osp_cli_now ();
      c0 = osp_cli_cpu_now ();
      if (!osp_mesh_save (mesh, path_stl, OSP_MESH_FORMAT_STL_BINARY, &error))
        return osp_cli_fail (error);
      best_stl = MIN (best_stl, osp_cli_now () - t0);
      cpu_stl = MIN (cpu_stl, osp_cli_cpu_now () - c0);
    }
  printf (_("3MF export:  %.3f s (CPU %.3f s, 2 threads)  %.1f M triangles/s, %.1f MB\n"),
          best_3mf, cpu_3mf, osp_mesh_get_n_triangles (mesh) / best_3mf / 1e6,
          file_size (path_3mf) / 1e6);
  printf (_("STL export:  %.3f s (CPU %.3f s)  %.1f M triangles/s, %.1f MB\n"), best_stl,
          cpu_stl, osp_mesh_get_n_triangles (mesh) / best_stl / 1e6, file_size (path_stl) / 1e6);

  if (!no_vtk)
    {
      g_autofree char *script = osp_cli_find_bench_script (NULL, VTK_WRITE_SCRIPT);
      g_autofree char *out = NULL, *err = NULL;
      g_autofree char *repeat_text = g_strdup_printf ("%d", repeat);
      const char *child_argv[] = { OSP_CLI_SYSTEM_PYTHON, script, path_stl, path_vtk, repeat_text,
                                   NULL };
      int wait_status = 0;
      const char *seconds;

      if (script == NULL || !g_file_test (OSP_CLI_SYSTEM_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        printf (_("vtkSTLWriter: skipped (no %s or no %s)\n"), OSP_CLI_SYSTEM_PYTHON, VTK_WRITE_SCRIPT);
      else if (!g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                              &out, &err, &wait_status, &error) ||
               !g_spawn_check_wait_status (wait_status, NULL) ||
               (seconds = strstr (out, "seconds=")) == NULL)
        {
          printf (_("vtkSTLWriter: skipped (%s)\n"),
                  error != NULL ? error->message : (err != NULL ? g_strstrip (err) : "?"));
          g_clear_error (&error);
        }
      else
        {
          double vtk = g_ascii_strtod (seconds + 8, NULL);

          printf (_("vtkSTLWriter: %.3f s  → Osteoplan's STL writer is %.1f× as fast\n"), vtk,
                  vtk / best_stl);
        }
    }
  if (dir_arg == NULL)
    {
      g_unlink (path_3mf);
      g_unlink (path_stl);
      g_unlink (path_vtk);
      g_rmdir (dir);
    }
  return 0;
}

/* ---- degenerate input (--degenerate): fans, copies, triangles without area ---- */

/* A flat fan of n − 2 triangles from corner 0 of an n-gon of radius 50 mm (long thin slivers
 * when n is large), or, thin, from a point 100 mm away to n − 1 points 1 µm apart. */
static OspMesh *
make_fan (guint32  n,
          gboolean thin)
{
  float *p = g_new (float, 3 * (gsize) n);
  guint32 *t = g_new (guint32, 3 * (gsize) (n - 2));

  for (guint32 i = 0; i < n; i++)
    {
      double a = 2 * G_PI * i / n;

      p[3 * i] = thin ? (i == 0 ? 0.0f : 100.0f) : (float) (50 * cos (a));
      p[3 * i + 1] = thin ? (i == 0 ? 0.0f : (float) (i * 0.001)) : (float) (50 * sin (a));
      p[3 * i + 2] = thin && i > 0 ? 0.001f : 0.0f;
    }
  for (guint32 i = 0; i + 2 < n; i++)
    {
      t[3 * i] = 0;
      t[3 * i + 1] = i + 1;
      t[3 * i + 2] = i + 2;
    }
  return osp_mesh_new_take (p, n, t, n - 2);
}

/* A closed box of 12 triangles plus n copies of one triangle, or n triangles without area. */
static OspMesh *
make_box_plus (guint32  n,
               gboolean copies)
{
  static const float box[8 * 3] = { 0, 0, 0, 20, 0, 0, 20, 20, 0, 0, 20, 0,
                                     0, 0, 20, 20, 0, 20, 20, 20, 20, 0, 20, 20 };
  static const guint32 box_t[12 * 3] = { 0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
                                         2, 3, 7, 2, 7, 6, 1, 2, 6, 1, 6, 5, 3, 0, 4, 3, 4, 7 };
  float *p = g_new (float, 3 * (8 + 3 * (gsize) n));
  guint32 *t = g_new (guint32, 3 * (12 + (gsize) n));

  memcpy (p, box, sizeof box);
  memcpy (t, box_t, sizeof box_t);
  for (guint32 e = 0; e < n; e++)
    for (guint32 k = 0; k < 3; k++)
      {
        float *q = p + 3 * (8 + 3 * (gsize) e + k);

        q[0] = copies ? (k == 1 ? 8.0f : 5.0f) : 5.0f + k;
        q[1] = copies ? (k == 2 ? 8.0f : 5.0f) : 5.0f + k;
        q[2] = copies ? 10.0f : 5.0f + k + (float) e / 2048.0f;
        t[3 * (12 + (gsize) e) + k] = 8 + 3 * e + k;
      }
  return osp_mesh_new_take (p, 8 + 3 * n, t, 12 + n);
}

static int
bench_degenerate (void)
{
  const struct { const char *label; guint32 n; int kind; } cases[] = {
    { N_("polygon of 100 000 corners as a fan"), 100000, 0 },
    { N_("thin fan of 20 000 slivers"), 20001, 1 },
    { N_("box + 15 000 copies of a triangle"), 15000, 2 },
    { N_("box + 15 000 triangles without area"), 15000, 3 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(OspMesh) mesh = cases[c].kind < 2 ? make_fan (cases[c].n, cases[c].kind == 1)
                                                  : make_box_plus (cases[c].n, cases[c].kind == 2);
      g_autoptr(OspPrintReport) report = NULL;
      g_autoptr(OspMesh) repaired = NULL;
      g_autoptr(GError) error = NULL;
      OspPrintCheckOptions options;
      OspRepairOptions repair_options;
      OspRepairReport repair_report;
      double t0, t_check, t_repair;

      osp_print_check_options_init (&options);
      t0 = osp_cli_now ();
      report = osp_print_check (mesh, &options, NULL, NULL, &error);
      t_check = osp_cli_now () - t0;
      if (report == NULL)
        return osp_cli_fail (error);
      osp_repair_options_init (&repair_options);
      t0 = osp_cli_now ();
      repaired = osp_mesh_repair (mesh, &repair_options, &repair_report, NULL, NULL, &error);
      t_repair = osp_cli_now () - t0;
      if (repaired == NULL)
        return osp_cli_fail (error);
      /* TRANSLATORS: a degenerate test mesh, its triangles, the check's time, its verdict,
       * the self-intersecting pairs and the spots too crowded to test; the repair's time and
       * the triangles after it. */
      printf (_("%-38s triangles: %7u; check %.3f s (%s; intersecting pairs: %" PRIu64
                "; unchecked spots: %" PRIu64 "); repair %.3f s (triangles after: %u)\n"),
              _(cases[c].label), osp_mesh_get_n_triangles (mesh), t_check,
              osp_print_verdict_to_string (report->verdict), report->n_self_intersections,
              report->n_unchecked_spots, t_repair, osp_mesh_get_n_triangles (repaired));
      osp_repair_report_clear (&repair_report);
    }
  return 0;
}

int
osp_cli_bench_check (int    argc,
                     char **argv)
{
  gint64 n_triangles = 1000000;
  int repeat = 1;
  gboolean degenerate = FALSE;
  GOptionEntry entries[] = {
    { "triangles", 'n', 0, G_OPTION_ARG_INT64, &n_triangles,
      N_("Triangles of the test torus (default 1000000)"), N_("N") },
    { "degenerate", 0, 0, G_OPTION_ARG_NONE, &degenerate,
      N_("Instead: check and repair degenerate meshes (fans, copies, no area)"), NULL },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 1)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench check", "",
                         _("Time the full print-readiness check (topology, self-intersections, "
                           "wall thickness) of a large torus."), entries);
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;
  double best = INFINITY, best_cpu = INFINITY, t_report = INFINITY, t_self = INFINITY;
  OspPrintCheckOptions options;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (degenerate)
    return bench_degenerate ();
  if (n_triangles < 2 || n_triangles > 100000000 || repeat < 1)
    return osp_cli_failf (_("bench check: --triangles must be 2…100000000, --repeat ≥ 1"));
  mesh = make_torus ((guint64) n_triangles);
  printf (_("mesh: %u triangles\n"), osp_mesh_get_n_triangles (mesh));
  osp_print_check_options_init (&options);
  for (int r = 0; r < repeat; r++)
    {
      g_autoptr(OspPrintReport) report = NULL;
      double t0 = osp_cli_now (), c0 = osp_cli_cpu_now ();
      guint64 pairs = 0;
      OspMeshReport mr;

      report = osp_print_check (mesh, &options, NULL, NULL, &error);
      if (report == NULL)
        return osp_cli_fail (error);
      best = MIN (best, osp_cli_now () - t0);
      best_cpu = MIN (best_cpu, osp_cli_cpu_now () - c0);
      if (r == 0)
        printf (_("verdict: %s, %" PRIu64 " self-intersections, thinnest wall "
                  "%.2f mm (%u rays)\n"), osp_print_verdict_to_string (report->verdict),
                report->n_self_intersections, report->min_wall, report->n_wall_samples);

      /* The parts, one after the other (the check runs them on two threads). */
      t0 = osp_cli_now ();
      osp_mesh_report (mesh, &mr);
      t_report = MIN (t_report, osp_cli_now () - t0);
      t0 = osp_cli_now ();
      if (!osp_mesh_find_self_intersections (mesh, 0, NULL, &pairs, NULL, NULL, &error))
        return osp_cli_fail (error);
      t_self = MIN (t_self, osp_cli_now () - t0);
    }
  printf (_("full check:          %.3f s (CPU %.3f s, 2 threads)  %.2f M triangles/s\n"),
          best, best_cpu, osp_mesh_get_n_triangles (mesh) / best / 1e6);
  printf (_("  alone, one thread: topology report %.3f s, self-intersections %.3f s\n"), t_report,
          t_self);
  return 0;
}
