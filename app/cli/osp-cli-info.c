/* osp-cli-info.c — osteoplan-cli info FILE… [--json]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-error.h"
#include "osp-mesh-io.h"

static void
add_box (JsonBuilder  *builder,
         const OspBox *box)
{
  const float *ends[2] = { box->min, box->max };
  const char *names[2] = { "min", "max" };

  json_builder_set_member_name (builder, "bounds");
  json_builder_begin_object (builder);
  for (guint e = 0; e < 2; e++)
    {
      json_builder_set_member_name (builder, names[e]);
      json_builder_begin_array (builder);
      for (guint c = 0; c < 3; c++)
        json_builder_add_double_value (builder, osp_box_is_empty (box) ? 0.0 : ends[e][c]);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
}

static void
add_json (JsonBuilder         *builder,
          const char          *path,
          const OspMeshLoadInfo *info,
          const OspMeshReport *report)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, osp_mesh_format_get_name (info->format));
  json_builder_set_member_name (builder, "triangles");
  json_builder_add_int_value (builder, report->n_triangles);
  json_builder_set_member_name (builder, "vertices");
  json_builder_add_int_value (builder, report->n_vertices);
  add_box (builder, &report->bounds);
  json_builder_set_member_name (builder, "area_mm2");
  json_builder_add_double_value (builder, report->area);
  json_builder_set_member_name (builder, "volume_mm3");
  json_builder_add_double_value (builder, report->volume);
  json_builder_set_member_name (builder, "components");
  json_builder_add_int_value (builder, report->topology.n_components);
  json_builder_set_member_name (builder, "edges");
  json_builder_add_int_value (builder, (gint64) report->topology.n_edges);
  json_builder_set_member_name (builder, "boundary_edges");
  json_builder_add_int_value (builder, (gint64) report->topology.n_boundary_edges);
  json_builder_set_member_name (builder, "nonmanifold_edges");
  json_builder_add_int_value (builder, (gint64) report->topology.n_nonmanifold_edges);
  json_builder_set_member_name (builder, "misoriented_edges");
  json_builder_add_int_value (builder, (gint64) report->topology.n_misoriented_edges);
  json_builder_set_member_name (builder, "degenerate_triangles");
  json_builder_add_int_value (builder, report->n_degenerate);
  json_builder_set_member_name (builder, "euler_characteristic");
  json_builder_add_int_value (builder, report->topology.euler_characteristic);
  json_builder_set_member_name (builder, "verdict");
  json_builder_add_string_value (builder, osp_mesh_report_verdict (report));
  json_builder_set_member_name (builder, "warnings");
  json_builder_begin_array (builder);
  for (guint i = 0; info->warnings != NULL && i < info->warnings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (info->warnings, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

/* Labels padded to one column, counting characters rather than bytes (mm², ×…). */
static void
print_label (const char *label)
{
  glong width = g_utf8_strlen (label, -1);

  printf ("  %s%*s ", label, (int) MAX (22 - width, 0), "");
}

static void
print_text (const char            *path,
            const OspMeshLoadInfo *info,
            const OspMeshReport   *report)
{
  const OspBox *b = &report->bounds;

  printf ("%s\n", path);
  print_label (_("format:"));
  printf ("%s\n", osp_mesh_format_get_name (info->format));
  print_label (_("triangles:"));
  printf ("%u\n", report->n_triangles);
  print_label (_("vertices:"));
  printf ("%u\n", report->n_vertices);
  print_label (_("bounding box (mm):"));
  if (osp_box_is_empty (b))
    printf ("%s\n", _("empty"));
  else
    printf ("[%.3f, %.3f, %.3f] – [%.3f, %.3f, %.3f]  (%.3f × %.3f × %.3f)\n", b->min[0],
            b->min[1], b->min[2], b->max[0], b->max[1], b->max[2], b->max[0] - b->min[0],
            b->max[1] - b->min[1], b->max[2] - b->min[2]);
  print_label (_("area (mm²):"));
  printf ("%.4f\n", report->area);
  print_label (_("volume (mm³):"));
  printf ("%.4f\n", report->volume);
  print_label (_("components:"));
  printf ("%u\n", report->topology.n_components);
  print_label (_("boundary edges:"));
  printf ("%" G_GUINT64_FORMAT "\n", report->topology.n_boundary_edges);
  print_label (_("non-manifold edges:"));
  printf ("%" G_GUINT64_FORMAT "\n", report->topology.n_nonmanifold_edges);
  print_label (_("misoriented edges:"));
  printf ("%" G_GUINT64_FORMAT "\n", report->topology.n_misoriented_edges);
  print_label (_("degenerate triangles:"));
  printf ("%u\n", report->n_degenerate);
  print_label (_("Euler characteristic:"));
  printf ("%" G_GINT64_FORMAT "\n", report->topology.euler_characteristic);
  for (guint i = 0; info->warnings != NULL && i < info->warnings->len; i++)
    {
      print_label (_("warning:"));
      printf ("%s\n", (const char *) g_ptr_array_index (info->warnings, i));
    }
  print_label (_("verdict:"));
  printf ("%s\n", osp_mesh_report_verdict (report));
}

int
osp_cli_info (int    argc,
              char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("info", _("FILE…"), _("Describe mesh files: format, counts, bounding box, "
                                              "area, volume, components and edge topology."),
                         entries);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return osp_cli_failf (_("info: no file given"));

  json_builder_begin_array (builder);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OspMesh) mesh = NULL;
      OspMeshLoadInfo info = { 0 };
      OspMeshReport report;

      /* Refused before the work starts when the file says it cannot fit (binary STL). */
      if (!osp_mesh_check_memory (argv[i], TRUE, &error))
        {
          status = osp_cli_fail (error);
          continue;
        }
      mesh = osp_mesh_load (argv[i], &info, NULL, &error);
      if (mesh == NULL)
        {
          status = osp_cli_fail (error);
          osp_mesh_load_info_clear (&info);
          continue;
        }
      {
        g_autofree char *name = osp_error_display_name (argv[i]);

        if (!osp_mesh_report_checked (mesh, &report, name, &error))
          {
            status = osp_cli_fail (error);
            osp_mesh_load_info_clear (&info);
            continue;
          }
      }
      if (json)
        add_json (builder, argv[i], &info, &report);
      else
        {
          if (i > 1)
            printf ("\n");
          print_text (argv[i], &info, &report);
        }
      osp_mesh_load_info_clear (&info);
    }
  json_builder_end_array (builder);

  if (json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);

      osp_cli_print_json (root);
    }
  return status;
}
