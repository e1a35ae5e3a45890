/* osp-cli-decimate.c — osteoplan-cli decimate IN --triangles N [--max-error MM] -o OUT
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GUI's "Decimate" action on a model, headless: meshoptimizer's edge collapses, with the
 * surface kept closed and manifold where it was (osp_mesh_decimate_full).  Prints the counts,
 * the surface error in mm and the verdict; a result that is not what was asked says so.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-mesh-io.h"
#include "osp-segment.h"

int
osp_cli_decimate (int    argc,
                  char **argv)
{
  gint64 triangles = 0;
  double max_error = 0;
  g_autofree char *out = NULL;
  GOptionEntry entries[] = {
    { "triangles", 'n', 0, G_OPTION_ARG_INT64, &triangles,
      N_("Decimate to at most N triangles"), N_("N") },
    { "max-error", 0, 0, G_OPTION_ARG_DOUBLE, &max_error,
      N_("Stop before the surface moves by more than MM (with or without --triangles)"),
      N_("MM") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("The decimated mesh (.stl, .obj, .ply, .3mf)"), N_("OUT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("decimate", _("IN --triangles N -o OUT"),
                         _("Reduce a mesh to at most N triangles by edge collapses "
                           "(meshoptimizer), keeping a closed surface closed and manifold.  "
                           "Prints the surface error in millimetres."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL, decimated = NULL;
  OspMeshReport before, after;
  double error_mm = 0, t0;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("decimate: give one input mesh (see --help)"));
  if (out == NULL)
    return osp_cli_failf (_("decimate: give the output file with -o OUT"));
  if (triangles < 0 || triangles > OSP_MESH_MAX_ELEMENTS || !(max_error >= 0) ||
      !isfinite (max_error) || (triangles == 0 && max_error == 0))
    return osp_cli_failf (_("decimate: give --triangles N (1 or more) or --max-error MM "
                            "(more than 0)"));

  mesh = osp_mesh_load (argv[1], NULL, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  osp_mesh_report (mesh, &before);
  t0 = osp_cli_now ();
  decimated = osp_mesh_decimate_full (mesh, (guint32) triangles, max_error, &error_mm);
  t0 = osp_cli_now () - t0;
  osp_mesh_report (decimated, &after);
  if (!osp_mesh_save (decimated, out, OSP_MESH_FORMAT_UNKNOWN, &error))
    return osp_cli_fail (error);

  printf (_("%s → %s: %u → %u triangles in %.3f s, surface error %.3f mm, %s\n"), argv[1], out,
          before.n_triangles, after.n_triangles, t0, error_mm, osp_mesh_report_verdict (&after));
  if (before.closed && after.n_triangles == before.n_triangles && triangles > 0 &&
      (guint64) triangles < before.n_triangles)
    printf (_("warning: the surface could not be decimated and kept closed; it was written "
              "unchanged\n"));
  else if (triangles > 0 && (guint64) after.n_triangles > (guint64) triangles)
    printf (_("warning: %u triangles are more than the %u asked for: meshoptimizer stopped "
              "where a further collapse would have moved the surface too far\n"),
            after.n_triangles, (guint) triangles);
  if (before.closed && !after.closed)
    printf (_("warning: the input was closed but the result is not\n"));
  return 0;
}
