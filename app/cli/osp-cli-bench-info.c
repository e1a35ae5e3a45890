/* osp-cli-bench-info.c — osteoplan-cli bench info: the mesh report behind `info`
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The report (counts, bounds, area, volume, degenerate triangles, edge topology, components) of
 * a 4.7 M-triangle torus: its time and its peak memory per triangle in this process, then the
 * whole `osteoplan-cli info FILE` against `admesh -c FILE` (which loads the STL and prints its
 * statistics), alternating runs, best of each.  Prints figures; asserts nothing about time.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-mesh-io.h"

/* Resets the process's peak resident size to the current one (Linux ≥ 4.0); FALSE where the
 * kernel does not let us. */
static gboolean
reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  gboolean ok;

  if (f == NULL)
    return FALSE;
  ok = fputs ("5", f) >= 0;
  return fclose (f) == 0 && ok;
}

/* Runs argv and waits: the wall time in seconds, or -1 when it failed. */
static double
time_child (const char *const *argv)
{
  g_autofree char *out = NULL;
  double t0 = osp_cli_now ();

  if (!osp_cli_run_child (argv, &out))
    return -1;
  return osp_cli_now () - t0;
}

int
osp_cli_bench_info (int    argc,
                    char **argv)
{
  gint64 n_triangles = 4700000;
  int repeat = 3;
  g_autofree char *input = NULL;
  GOptionEntry entries[] = {
    { "triangles", 'n', 0, G_OPTION_ARG_INT64, &n_triangles,
      N_("Triangles of the test torus (default 4700000)"), N_("N") },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      N_("A binary STL to use instead of the torus"), N_("FILE") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench info", "",
                         _("Time the mesh report behind “info” and its peak memory, and the "
                           "whole “info” command against “admesh -c” on the same STL file."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autofree char *dir = NULL, *path = NULL, *self = NULL, *admesh = NULL;
  double best_report = INFINITY, best_info = INFINITY, best_admesh = INFINITY;
  double peak_per_triangle = -1;
  OspMeshReport report;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (n_triangles < 2 || n_triangles > 100000000 || repeat < 1)
    return osp_cli_failf (_("bench info: --triangles must be 2…100000000, --repeat ≥ 1"));

  if (input != NULL)
    path = g_strdup (input);
  else
    {
      g_autoptr(OspMesh) torus =
        osp_cli_make_torus (60, 20, (guint32) MAX (3, n_triangles / 1000), 500, FALSE);

      dir = g_dir_make_tmp ("osp-bench-info-XXXXXX", &error);
      if (dir == NULL)
        return osp_cli_fail (error);
      path = g_build_filename (dir, "torus.stl", NULL);
      if (!osp_mesh_save (torus, path, OSP_MESH_FORMAT_STL_BINARY, &error))
        return osp_cli_fail (error);
    }
  mesh = osp_mesh_load (path, NULL, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  printf (_("mesh: %u triangles, %u vertices\n"), osp_mesh_get_n_triangles (mesh),
          osp_mesh_get_n_vertices (mesh));

  for (int r = 0; r < repeat; r++)
    {
      guint64 before = osp_cli_proc_status_bytes ("VmRSS:");
      gboolean reset = reset_peak_rss ();
      double t0 = osp_cli_now ();

      osp_mesh_report (mesh, &report);
      best_report = MIN (best_report, osp_cli_now () - t0);
      if (reset && r == 0)
        {
          guint64 peak = osp_cli_proc_status_bytes ("VmHWM:");

          peak_per_triangle = peak > before ?
            (double) (peak - before) / MAX (1, osp_mesh_get_n_triangles (mesh)) : 0;
        }
    }
  printf (_("report: %.3f s, %s, %llu edges, %u components\n"), best_report,
          osp_mesh_report_verdict (&report), (unsigned long long) report.topology.n_edges,
          report.topology.n_components);
  if (peak_per_triangle >= 0)
    printf (_("report peak memory: %.1f bytes per triangle (goal ≤ 50)\n"), peak_per_triangle);

  self = g_file_read_link ("/proc/self/exe", NULL);
  admesh = g_find_program_in_path ("admesh");
  for (int r = 0; r < repeat && self != NULL; r++)
    {
      const char *info_argv[] = { self, "info", path, NULL };
      const char *admesh_argv[] = { admesh, "-c", path, NULL };
      double t = time_child (info_argv);

      if (t < 0)
        return osp_cli_failf (_("bench info: “%s info %s” failed"), self, path);
      best_info = MIN (best_info, t);
      if (admesh != NULL && (t = time_child (admesh_argv)) >= 0)
        best_admesh = MIN (best_admesh, t);
    }
  printf (_("osteoplan-cli info: %.3f s\n"), best_info);
  if (isfinite (best_admesh))
    printf (_("admesh -c: %.3f s  → info takes %.2f× admesh’s time (goal ≤ 1.3)\n"),
            best_admesh, best_info / best_admesh);
  else
    printf (_("admesh -c: skipped (admesh is not installed)\n"));

  if (dir != NULL)
    {
      g_unlink (path);
      g_rmdir (dir);
    }
  return 0;
}
