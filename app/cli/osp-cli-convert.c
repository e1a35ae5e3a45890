/* osp-cli-convert.c — osteoplan-cli convert IN OUT [--ascii]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-error.h"
#include "osp-mesh-io.h"

int
osp_cli_convert (int    argc,
                 char **argv)
{
  gboolean ascii = FALSE;
  GOptionEntry entries[] = {
    { "ascii", 0, 0, G_OPTION_ARG_NONE, &ascii, N_("Write ASCII (STL, PLY) instead of binary"),
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("convert", _("IN OUT"),
                         _("Convert a mesh file (STL, OBJ, PLY, 3MF; the input format is read "
                           "from its content) into the format OUT's extension names: .stl "
                           "(binary, or ASCII with --ascii), .obj, .ply (binary, or ASCII with "
                           "--ascii) or .3mf.  OUT is written atomically."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };
  OspMeshFormat format;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return osp_cli_failf (_("convert: give an input and an output file (see --help)"));

  format = osp_mesh_format_from_extension (argv[2]);
  switch (format)
    {
    case OSP_MESH_FORMAT_STL_BINARY:
      if (ascii)
        format = OSP_MESH_FORMAT_STL_ASCII;
      break;
    case OSP_MESH_FORMAT_PLY:
      if (ascii)
        format = OSP_MESH_FORMAT_PLY_ASCII;
      break;
    case OSP_MESH_FORMAT_OBJ:
    case OSP_MESH_FORMAT_3MF:
      break;
    case OSP_MESH_FORMAT_STL_ASCII:
    case OSP_MESH_FORMAT_PLY_ASCII:
    case OSP_MESH_FORMAT_UNKNOWN:
    default:
      {
        g_autofree char *name = osp_error_display_name (argv[2]);

        /* Refused before loading, so a long load is not wasted. */
        return osp_cli_failf (_("%s: unknown output type: name it .stl, .obj, .ply or .3mf"),
                              name);
      }
    }

  {
    g_autoptr(OspCliProgress) bar = osp_cli_progress_new (_("Reading"));
    OspProgressRange range = { osp_cli_progress_update, bar, 0.0, 1.0 };

    mesh = osp_mesh_load_full (argv[1], &info, &range, NULL, &error);
  }
  for (guint i = 0; info.warnings != NULL && i < info.warnings->len; i++)
    osp_cli_warn (g_ptr_array_index (info.warnings, i));
  osp_mesh_load_info_clear (&info);
  if (mesh == NULL)
    return osp_cli_fail (error);

  if (!osp_mesh_save (mesh, argv[2], format, &error))
    return osp_cli_fail (error);

  printf (_("%s → %s: %u triangles, %u vertices (%s)\n"), argv[1], argv[2],
          osp_mesh_get_n_triangles (mesh), osp_mesh_get_n_vertices (mesh),
          osp_mesh_format_get_name (format));
  return 0;
}
