/* osp-cli-check.c — osteoplan-cli check FILE… and osteoplan-cli repair IN -o OUT
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-export.h"
#include "osp-print-check.h"
#include "osp-repair.h"

static gboolean
parse_build_volume (const char *text,
                    float      *out)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      char *end = NULL;
      double v = g_ascii_strtod (g_strstrip (parts[i]), &end);

      if (end == parts[i] || *end != '\0' || !(v > 0) || !isfinite (v))
        return FALSE;
      out[i] = (float) v;
    }
  return TRUE;
}

static void
add_report_json (JsonBuilder          *b,
                 const char           *file,
                 const char           *name,
                 const OspPrintReport *r,
                 double                min_wall_limit)
{
  const OspBox *box = &r->mesh.bounds;
  gboolean empty = osp_box_is_empty (box);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, file);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, osp_print_verdict_to_string (r->verdict));
  json_builder_set_member_name (b, "triangles");
  json_builder_add_int_value (b, r->mesh.n_triangles);
  json_builder_set_member_name (b, "size_mm");
  json_builder_begin_array (b);
  for (int c = 0; c < 3; c++)
    json_builder_add_double_value (b, empty ? 0.0 : box->max[c] - box->min[c]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "volume_mm3");
  json_builder_add_double_value (b, r->mesh.volume);
  json_builder_set_member_name (b, "closed");
  json_builder_add_boolean_value (b, r->mesh.closed);
  json_builder_set_member_name (b, "boundary_edges");
  json_builder_add_int_value (b, (gint64) r->mesh.topology.n_boundary_edges);
  json_builder_set_member_name (b, "nonmanifold_edges");
  json_builder_add_int_value (b, (gint64) r->mesh.topology.n_nonmanifold_edges);
  json_builder_set_member_name (b, "misoriented_edges");
  json_builder_add_int_value (b, (gint64) r->mesh.topology.n_misoriented_edges);
  json_builder_set_member_name (b, "outward");
  json_builder_add_boolean_value (b, r->mesh.volume > 0 && r->n_inverted_components == 0);
  json_builder_set_member_name (b, "degenerate_triangles");
  json_builder_add_int_value (b, r->mesh.n_degenerate);
  json_builder_set_member_name (b, "self_intersections");
  if (r->self_intersections_checked)
    json_builder_add_int_value (b, (gint64) r->n_self_intersections);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "min_wall_mm");
  if (isfinite (r->min_wall))
    json_builder_add_double_value (b, r->min_wall);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "min_wall_limit_mm");
  json_builder_add_double_value (b, min_wall_limit);
  json_builder_set_member_name (b, "thin_wall_fraction");
  json_builder_add_double_value (b, r->n_wall_samples > 0 ?
                                 (double) r->n_thin_samples / r->n_wall_samples : 0.0);
  json_builder_set_member_name (b, "fits_build_volume");
  if (r->build_volume_checked)
    json_builder_add_boolean_value (b, r->fits);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->problems->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->problems, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
list_printers (void)
{
  guint n;
  const OspPrinter *p = osp_printers_get (&n);

  for (guint i = 0; i < n; i++)
    printf ("%-24s %-40s %5.0f × %3.0f × %3.0f mm\n", p[i].id, p[i].name, p[i].size[0],
            p[i].size[1], p[i].size[2]);
}

int
osp_cli_check (int    argc,
               char **argv)
{
  gboolean json = FALSE, list = FALSE, no_intersections = FALSE;
  g_autofree char *printer = NULL, *build_volume = NULL;
  double min_wall = 1.5;
  GOptionEntry entries[] = {
    { "printer", 'p', 0, G_OPTION_ARG_STRING, &printer,
      N_("Check against this printer's build volume (see --list-printers)"), N_("NAME") },
    { "build-volume", 0, 0, G_OPTION_ARG_STRING, &build_volume,
      N_("Check against a custom build volume in mm"), N_("X,Y,Z") },
    { "min-wall", 0, 0, G_OPTION_ARG_DOUBLE, &min_wall,
      N_("Thinnest acceptable wall in mm (default 1.5; 0: do not measure)"), N_("MM") },
    { "no-self-intersections", 0, 0, G_OPTION_ARG_NONE, &no_intersections,
      N_("Skip the self-intersection test"), NULL },
    { "list-printers", 0, 0, G_OPTION_ARG_NONE, &list, N_("List the known printers"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("check", _("FILE…"),
                         _("Check that models are ready for 3D printing: closed, manifold, "
                           "outward, no degenerate faces, no self-intersections, walls thick "
                           "enough, fits the printer.  Exit status 0 when every model is "
                           "printable, 1 otherwise."), entries);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  OspPrintCheckOptions options;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (list)
    {
      list_printers ();
      return 0;
    }
  if (argc < 2)
    return osp_cli_failf (_("check: no file given"));
  osp_print_check_options_init (&options);
  if (!(min_wall >= 0) || !isfinite (min_wall))
    return osp_cli_failf (_("check: --min-wall must be a length in mm, not %g"), min_wall);
  options.min_wall = min_wall;
  options.self_intersections = !no_intersections;
  if (printer != NULL && build_volume != NULL)
    return osp_cli_failf (_("check: give --printer or --build-volume, not both"));
  if (printer != NULL)
    {
      const OspPrinter *p = osp_printer_lookup (printer);

      if (p == NULL)
        return osp_cli_failf (_("check: unknown printer “%s” (see --list-printers)"), printer);
      memcpy (options.build_volume, p->size, sizeof options.build_volume);
    }
  if (build_volume != NULL && !parse_build_volume (build_volume, options.build_volume))
    return osp_cli_failf (_("check: --build-volume wants three positive sizes X,Y,Z in mm, not "
                            "“%s”"), build_volume);

  json_builder_begin_array (builder);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) models = osp_cli_load_models (argv[i], NULL, &error);

      if (models == NULL)
        {
          status = osp_cli_fail (error);
          continue;
        }
      for (guint m = 0; m < models->len; m++)
        {
          OspCliModel *model = g_ptr_array_index (models, m);
          g_autoptr(OspCliProgress) progress = osp_cli_progress_new (model->name);
          OspProgressRange range = { osp_cli_progress_update, progress, 0, 1 };
          g_autoptr(OspPrintReport) report = NULL;

          report = osp_print_check (model->mesh, &options, &range, NULL, &error);
          if (report == NULL)
            {
              status = osp_cli_fail (error);
              g_clear_error (&error);
              continue;
            }
          if (report->verdict == OSP_PRINT_NOT_READY)
            status = 1;
          if (json)
            add_report_json (builder, argv[i], model->name, report, options.min_wall);
          else
            {
              g_autofree char *label = models->len > 1 ?
                g_strdup_printf ("%s [%s]", argv[i], model->name) : g_strdup (argv[i]);
              g_autofree char *text = osp_print_report_to_text (report, label);

              printf ("%s", text);
            }
        }
    }
  json_builder_end_array (builder);
  if (json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);

      osp_cli_print_json (root);
    }
  return status;
}

int
osp_cli_repair (int    argc,
                char **argv)
{
  g_autofree char *output = NULL;
  OspRepairOptions options;
  int max_hole = -1;
  double tolerance = -1, min_piece = -1;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The repaired mesh (STL, OBJ, PLY or 3MF, from the extension)"), N_("OUT") },
    { "tolerance", 0, 0, G_OPTION_ARG_DOUBLE, &tolerance,
      N_("Merge vertices closer than this, mm (default 0.0001)"), N_("MM") },
    { "max-hole", 0, 0, G_OPTION_ARG_INT, &max_hole,
      N_("Fill holes of up to this many edges (default 200; 0: none)"), N_("EDGES") },
    { "min-piece", 0, 0, G_OPTION_ARG_DOUBLE, &min_piece,
      N_("Drop loose pieces smaller than this fraction of the area (default 0.001)"),
      N_("FRACTION") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("repair", _("IN -o OUT"),
                         _("Repair a mesh for printing: merge close vertices, drop degenerate "
                           "and duplicate faces and tiny loose pieces, orient consistently and "
                           "outward, fill small holes.  Each step is reported."), entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GPtrArray) repaired = NULL;
  g_autofree OspExportItem *items = NULL;
  OspExportFormat format;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("repair: give one input file"));
  if (output == NULL)
    return osp_cli_failf (_("repair: no output file (-o OUT)"));
  osp_repair_options_init (&options);
  if (tolerance >= 0)
    options.merge_tolerance = tolerance;
  if (max_hole >= 0)
    options.max_hole_edges = (guint) max_hole;
  if (min_piece >= 0)
    options.min_piece_area = min_piece;
  if (!isfinite (options.merge_tolerance) || !isfinite (options.min_piece_area) ||
      options.min_piece_area > 1)
    return osp_cli_failf (_("repair: invalid option value"));

  models = osp_cli_load_models (argv[1], NULL, &error);
  if (models == NULL)
    return osp_cli_fail (error);
  if (!osp_export_format_from_path (output, &format))
    return osp_cli_failf (_("repair: “%s”: the extension must be .3mf, .stl, .obj or .ply"),
                          output);
  items = g_new0 (OspExportItem, models->len);
  repaired = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  for (guint m = 0; m < models->len; m++)
    {
      OspCliModel *model = g_ptr_array_index (models, m);
      g_autoptr(OspCliProgress) progress = osp_cli_progress_new (model->name);
      OspProgressRange range = { osp_cli_progress_update, progress, 0, 1 };
      OspRepairReport report;
      OspMesh *fixed = osp_mesh_repair (model->mesh, &options, &report, &range, NULL, &error);

      if (fixed == NULL)
        return osp_cli_fail (error);
      g_ptr_array_add (repaired, fixed);
      printf (_("%s: %u → %u triangles\n"), model->name, osp_mesh_get_n_triangles (model->mesh),
              osp_mesh_get_n_triangles (fixed));
      for (guint i = 0; i < report.steps->len; i++)
        printf ("  %s\n", (char *) g_ptr_array_index (report.steps, i));
      osp_repair_report_clear (&report);
      items[m].name = model->name;
      items[m].mesh = fixed;
      items[m].rgba = model->has_color ? model->rgba : 0xE3DAC9FFu;
    }
  /* One output file: the models of a 3MF stay objects, other formats get them merged. */
  if (!osp_export (items, models->len, output, format, format != OSP_EXPORT_3MF, NULL, NULL,
                   NULL, &error))
    return osp_cli_fail (error);
  return 0;
}
