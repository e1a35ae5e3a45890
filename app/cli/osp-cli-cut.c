/* osp-cli-cut.c — osteoplan-cli cut IN --plane nx,ny,nz,d [--plane …] [--margin MM] -o OUTDIR
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-cut.h"
#include "osp-error.h"
#include "osp-mesh-io.h"

static gboolean
write_pieces (GPtrArray  *pieces,
              const char *outdir,
              const char *side,
              GError    **error)
{
  for (guint i = 0; i < pieces->len; i++)
    {
      const OspMesh *piece = g_ptr_array_index (pieces, i);
      g_autofree char *name = g_strdup_printf ("%s-%u.stl", side, i + 1);
      g_autofree char *path = g_build_filename (outdir, name, NULL);
      OspMeshReport report;

      if (!osp_mesh_save (piece, path, OSP_MESH_FORMAT_STL_BINARY, error))
        return FALSE;
      osp_mesh_report (piece, &report);
      printf ("  %-14s %9u triangles  %12.1f mm³  %s\n", name, report.n_triangles,
              report.volume, osp_mesh_report_verdict (&report));
    }
  return TRUE;
}

int
osp_cli_cut (int    argc,
             char **argv)
{
  g_auto(GStrv) plane_texts = NULL;
  g_autofree char *outdir = NULL;
  double margin = 0;
  GOptionEntry entries[] = {
    { "plane", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &plane_texts,
      N_("A plane n·x = d; the resected side is below it (against n). Repeat for a wedge "
         "or a box"), N_("NX,NY,NZ,D") },
    { "margin", 'm', 0, G_OPTION_ARG_DOUBLE, &margin,
      N_("Safety margin: move every plane outwards by MM (default 0)"), N_("MM") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
      N_("Folder for the pieces (inside-N.stl, outside-N.stl), created if needed"),
      N_("OUTDIR") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("cut", _("IN --plane NX,NY,NZ,D [--plane …] -o OUTDIR"),
                         _("Cut a mesh with one or more planes.  The resected region is where "
                           "every plane has n·x ≤ d (+ margin); its pieces are written as "
                           "inside-N.stl and the rest of the bone as outside-N.stl, each piece "
                           "capped and closed (open input is cut without caps)."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspCliProgress) bar = NULL;
  g_auto(OspCutResult) result = { 0 };
  OspPlane planes[OSP_CUT_MAX_PLANES];
  OspProgressRange progress = { osp_cli_progress_update, NULL, 0, 1 };
  guint n_planes;
  double t0, t_cut;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("cut: give one input mesh (see --help)"));
  if (plane_texts == NULL || plane_texts[0] == NULL)
    return osp_cli_failf (_("cut: give at least one --plane NX,NY,NZ,D"));
  if (outdir == NULL)
    return osp_cli_failf (_("cut: give an output folder with -o OUTDIR"));
  if (!isfinite (margin) || margin < 0)
    return osp_cli_failf (_("cut: the margin must be a number ≥ 0"));
  n_planes = g_strv_length (plane_texts);
  if (n_planes > OSP_CUT_MAX_PLANES)
    return osp_cli_failf (_("cut: at most %d planes"), OSP_CUT_MAX_PLANES);
  for (guint j = 0; j < n_planes; j++)
    if (!osp_plane_parse (plane_texts[j], &planes[j], &error))
      return osp_cli_fail (error);

  mesh = osp_mesh_load (argv[1], NULL, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  if (g_mkdir_with_parents (outdir, 0755) != 0)
    {
      int saved = errno;

      return osp_cli_failf ("%s: %s", outdir, g_strerror (saved));
    }

  bar = osp_cli_progress_new (_("Cutting"));
  progress.user_data = bar;
  t0 = osp_cli_now ();
  if (!osp_mesh_cut (mesh, planes, n_planes, margin, &result, &progress, NULL, &error))
    return osp_cli_fail (error);
  t_cut = osp_cli_now () - t0;
  g_clear_pointer (&bar, osp_cli_progress_free);

  /* One count per message, so each can take its plural. */
  printf (g_dngettext (GETTEXT_PACKAGE, "%s: %u triangle, %.1f mm³\n",
                       "%s: %u triangles, %.1f mm³\n", osp_mesh_get_n_triangles (mesh)),
          argv[1], osp_mesh_get_n_triangles (mesh), osp_mesh_get_volume (mesh));
  printf (g_dngettext (GETTEXT_PACKAGE, "  cut by %u plane, margin %.2f mm, in %.3f s\n",
                       "  cut by %u planes, margin %.2f mm, in %.3f s\n", n_planes),
          n_planes, margin, t_cut);
  if (result.missed)
    printf (_("  the planes miss the mesh: it lies whole on one side\n"));
  if (!result.input_closed)
    printf (_("  the input is open: pieces that hold its holes stay open\n"));
  printf (_("  caps: %u loops (%u holes), %u triangles\n"), result.n_cap_loops,
          result.n_cap_holes, result.n_cap_triangles);
  if (!result.capped)
    printf (_("  some cut edges form no closed loop (a plane crosses a hole): left uncapped\n"));
  if (result.exact)
    printf (_("  rounding left crossing faces along the cut: the pieces were computed again "
              "with exact arithmetic\n"));
  if (!result.clean)
    printf (_("warning: along the cut the pieces have faces that cross each other or have no "
              "area (the input crosses itself or is open there); repair the input or check the "
              "pieces before printing\n"));
  printf (g_dngettext (GETTEXT_PACKAGE, "  inside (resected): %u piece, %.1f mm³\n",
                       "  inside (resected): %u pieces, %.1f mm³\n", result.inside->len),
          result.inside->len, result.inside_volume);
  if (!write_pieces (result.inside, outdir, "inside", &error))
    return osp_cli_fail (error);
  printf (g_dngettext (GETTEXT_PACKAGE, "  outside (remaining): %u piece, %.1f mm³\n",
                       "  outside (remaining): %u pieces, %.1f mm³\n", result.outside->len),
          result.outside->len, result.outside_volume);
  if (!write_pieces (result.outside, outdir, "outside", &error))
    return osp_cli_fail (error);
  return 0;
}
