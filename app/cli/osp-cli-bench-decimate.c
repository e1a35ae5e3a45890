/* osp-cli-bench-decimate.c — osteoplan-cli bench decimate: osp_mesh_decimate vs meshoptimizer
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GUI's defaults (smooth 10, 500 000 triangles) on a 1.18 M-triangle bone surface (the
 * phantom at 0.6 mm, or --input), against meshoptimizer's own simplifier alone on the same mesh
 * (meshopt_simplify with the same target and border lock: what Osteoplan adds is keeping the
 * surface closed and manifold).  Alternating runs, best of each.  Prints; asserts no time.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <meshoptimizer.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-mesh-io.h"
#include "osp-phantom.h"
#include "osp-segment.h"

int
osp_cli_bench_decimate (int    argc,
                        char **argv)
{
  gint64 target = 500000;
  int repeat = 3;
  g_autofree char *input = NULL;
  GOptionEntry entries[] = {
    { "triangles", 'n', 0, G_OPTION_ARG_INT64, &target,
      N_("Decimate to at most N triangles (default 500000)"), N_("N") },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      N_("A mesh to decimate instead of the phantom's bone surface"), N_("FILE") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench decimate", "",
                         _("Time the decimation that keeps a surface closed against "
                           "meshoptimizer’s simplifier alone on the same mesh."), entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autofree guint32 *out = NULL;
  double best_ours = INFINITY, best_meshopt = INFINITY, error_mm = 0;
  OspMeshReport report;
  gsize n_meshopt = 0;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (target < 1 || target > OSP_MESH_MAX_ELEMENTS || repeat < 1)
    return osp_cli_failf (_("bench decimate: --triangles must be at least 1, --repeat ≥ 1"));

  if (input != NULL)
    mesh = osp_mesh_load (input, NULL, NULL, &error);
  else
    {
      OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
      OspSegmentOptions segment = OSP_SEGMENT_OPTIONS_INIT;
      g_autoptr(OspVolume) volume = NULL;

      options.voxel_mm = 0.6;
      volume = osp_phantom_generate (&options, NULL, NULL, &error);
      segment.smooth_iterations = 10;
      if (volume != NULL)
        mesh = osp_segment_volume (volume, &segment, NULL, NULL, NULL, &error);
    }
  if (mesh == NULL)
    return osp_cli_fail (error);
  printf (_("mesh: %u triangles, %u vertices → at most %u triangles\n"),
          osp_mesh_get_n_triangles (mesh), osp_mesh_get_n_vertices (mesh), (guint) target);

  out = g_new (guint32, (gsize) osp_mesh_get_n_triangles (mesh) * 3 + 1);
  for (int r = 0; r < repeat; r++)
    {
      g_autoptr(OspMesh) decimated = NULL;
      float meshopt_error = 0;
      double t0 = osp_cli_now ();

      n_meshopt = meshopt_simplify (out, osp_mesh_get_indices (mesh),
                                    (gsize) osp_mesh_get_n_triangles (mesh) * 3,
                                    osp_mesh_get_positions (mesh), osp_mesh_get_n_vertices (mesh),
                                    3 * sizeof (float), (gsize) target * 3, 1.0f,
                                    meshopt_SimplifyLockBorder, &meshopt_error);
      best_meshopt = MIN (best_meshopt, osp_cli_now () - t0);

      t0 = osp_cli_now ();
      decimated = osp_mesh_decimate_full (mesh, (guint32) target, 0, &error_mm);
      best_ours = MIN (best_ours, osp_cli_now () - t0);
      osp_mesh_report (decimated, &report);
    }
  printf (_("meshopt_simplify alone: %.3f s, %u triangles (neither closed nor checked)\n"),
          best_meshopt, (guint) (n_meshopt / 3));
  printf (_("osp_mesh_decimate: %.3f s, %u triangles, %s, error %.3f mm  → %.2f× "
            "meshoptimizer’s time (goal ≤ 1.3)\n"),
          best_ours, report.n_triangles, osp_mesh_report_verdict (&report), error_mm,
          best_ours / best_meshopt);
  return 0;
}
