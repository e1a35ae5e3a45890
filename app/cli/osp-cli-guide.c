/* osp-cli-guide.c — osteoplan-cli guide
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-cut.h"
#include "osp-guide.h"
#include "osp-mesh-io.h"

static gboolean
parse_vector (const char *text,
              float       out[3])
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  char *end;

  if (g_strv_length (parts) != 3)
    return FALSE;
  for (int k = 0; k < 3; k++)
    {
      double v = g_ascii_strtod (parts[k], &end);

      if (end == parts[k] || *end != '\0' || !isfinite (v))
        return FALSE;
      out[k] = (float) v;
    }
  return fabsf (out[0]) + fabsf (out[1]) + fabsf (out[2]) > 0;
}

static JsonNode *
report_to_json (const OspGuideReport *r,
                const char           *out)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "output");
  json_builder_add_string_value (b, out);
  json_builder_set_member_name (b, "direction");
  json_builder_begin_array (b);
  for (int k = 0; k < 3; k++)
    json_builder_add_double_value (b, r->direction[k]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "direction_automatic");
  json_builder_add_boolean_value (b, r->direction_automatic);
  json_builder_set_member_name (b, "volume_mm3");
  json_builder_add_double_value (b, r->volume);
  json_builder_set_member_name (b, "patch_area_mm2");
  json_builder_add_double_value (b, r->patch_area);
  json_builder_set_member_name (b, "slot_width_mm");
  json_builder_add_double_value (b, r->slot_width);
  json_builder_set_member_name (b, "slots");
  json_builder_begin_array (b);
  for (guint s = 0; s < r->n_planes; s++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "section_length_mm");
      json_builder_add_double_value (b, r->section_length[s]);
      json_builder_set_member_name (b, "offset_error_mm");
      json_builder_add_double_value (b, isfinite (r->slot_offset_error[s])
                                        ? r->slot_offset_error[s] : -1);
      json_builder_set_member_name (b, "angle_error_deg");
      json_builder_add_double_value (b, isfinite (r->slot_angle_error[s])
                                        ? r->slot_angle_error[s] : -1);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "pins");
  json_builder_begin_array (b);
  for (guint q = 0; q < r->n_pins; q++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "entry");
      json_builder_begin_array (b);
      for (int k = 0; k < 3; k++)
        json_builder_add_double_value (b, r->pin_entry[q][k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "bone_depth_mm");
      json_builder_add_double_value (b, r->pin_bone_depth[q]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "min_bone_distance_mm");
  json_builder_add_double_value (b, r->min_bone_distance);
  json_builder_set_member_name (b, "n_overlap");
  json_builder_add_int_value (b, r->n_overlap);
  json_builder_set_member_name (b, "n_undercut");
  json_builder_add_int_value (b, r->n_undercut);
  json_builder_set_member_name (b, "n_in_saw_path");
  json_builder_add_int_value (b, r->n_in_saw_path);
  json_builder_set_member_name (b, "closed");
  json_builder_add_boolean_value (b, r->closed);
  json_builder_set_member_name (b, "pieces");
  json_builder_add_int_value (b, r->n_components);
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->notes->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->notes, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->warnings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (r->warnings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
osp_cli_guide (int    argc,
               char **argv)
{
  OspGuideParams params;
  g_auto(GStrv) plane_texts = NULL;
  g_autofree char *out = NULL, *direction_text = NULL, *label = NULL, *printer = NULL;
  gboolean json = FALSE;
  int n_pins = 2;

  osp_guide_params_init (&params);
  {
    GOptionEntry entries[] = {
      { "plane", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &plane_texts,
        N_("A planned cut n·x = d (repeatable, up to 4); the slot is centred on it"),
        N_("NX,NY,NZ,D") },
      { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
        N_("The guide (.stl, .3mf, .obj, .ply)"), N_("OUT") },
      { "direction", 0, 0, G_OPTION_ARG_STRING, &direction_text,
        N_("Insertion direction, from the bone towards the surgeon (default: the one that "
           "reaches the most bone)"), N_("X,Y,Z") },
      { "width", 0, 0, G_OPTION_ARG_DOUBLE, &params.patch_width,
        N_("Contact on each side of a plane, mm (default 12)"), N_("MM") },
      { "gap", 0, 0, G_OPTION_ARG_DOUBLE, &params.fit_gap,
        N_("Fit gap between bone and guide, mm (default 0.15)"), N_("MM") },
      { "thickness", 0, 0, G_OPTION_ARG_DOUBLE, &params.thickness,
        N_("Shell thickness, mm (default 4)"), N_("MM") },
      { "blade", 0, 0, G_OPTION_ARG_DOUBLE, &params.blade,
        N_("Saw blade thickness, mm (default 1.27)"), N_("MM") },
      { "printer", 0, 0, G_OPTION_ARG_STRING, &printer,
        N_("resin (slot clearance 0.25 mm a side, the default) or fdm (0.4 mm)"),
        N_("KIND") },
      { "clearance", 0, 0, G_OPTION_ARG_DOUBLE, &params.clearance,
        N_("Slot clearance on each side of the blade, mm (overrides --printer)"), N_("MM") },
      { "slot-height", 0, 0, G_OPTION_ARG_DOUBLE, &params.slot_height,
        N_("Slot walls' height above the bone, mm (default 10)"), N_("MM") },
      { "slot-wall", 0, 0, G_OPTION_ARG_DOUBLE, &params.slot_wall,
        N_("Material on each side of a slot, mm (default 3)"), N_("MM") },
      { "overrun", 0, 0, G_OPTION_ARG_DOUBLE, &params.slot_overrun,
        N_("How far a slot runs past the bone's section at each end, mm (default 7)"),
        N_("MM") },
      { "pins", 0, 0, G_OPTION_ARG_INT, &n_pins, N_("Fixation pin sleeves, 0–4 (default 2)"),
        N_("N") },
      { "pin-diameter", 0, 0, G_OPTION_ARG_DOUBLE, &params.pin_diameter,
        N_("K-wire diameter, mm (default 2.0)"), N_("MM") },
      { "label", 0, 0, G_OPTION_ARG_STRING, &label,
        N_("Raised text on the guide (case ID, side, plane)"), N_("TEXT") },
      { "voxel", 0, 0, G_OPTION_ARG_DOUBLE, &params.voxel,
        N_("Grid step of the shell, mm (default 0.25)"), N_("MM") },
      { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the report as JSON"), NULL },
      { NULL }
    };
    g_autoptr(GOptionContext) context =
      osp_cli_context_new ("guide", _("BONE --plane NX,NY,NZ,D [--plane …] -o GUIDE"),
                           _("Make a patient-specific osteotomy guide: a shell that seats on the "
                             "bone in one position, a saw slot along each plane, fixation pin "
                             "sleeves and a raised label; checked before it is written."),
                           entries);
    g_autoptr(GError) error = NULL;
    g_autoptr(OspMesh) bone = NULL, guide = NULL;
    g_autoptr(OspCliProgress) progress = NULL;
    g_auto(OspGuideReport) report = { 0 };
    OspPlane planes[OSP_GUIDE_MAX_PLANES];
    guint n_planes = 0;
    OspProgressRange range;
    gboolean clearance_given = FALSE;
    int status = 0;

    for (int i = 0; i < argc; i++)
      clearance_given = clearance_given || g_str_has_prefix (argv[i], "--clearance");
    if (!osp_cli_parse (context, &argc, &argv, &status))
      return status;
    if (argc != 2)
      return osp_cli_failf (_("guide: give one bone mesh (see --help)"));
    if (out == NULL)
      return osp_cli_failf (_("guide: give the output file with -o OUT"));
    for (guint i = 0; plane_texts != NULL && plane_texts[i] != NULL; i++)
      {
        if (n_planes == OSP_GUIDE_MAX_PLANES)
          return osp_cli_failf (_("guide: at most %u planes"), (guint) OSP_GUIDE_MAX_PLANES);
        if (!osp_plane_parse (plane_texts[i], &planes[n_planes++], &error))
          return osp_cli_fail (error);
      }
    if (n_planes == 0)
      return osp_cli_failf (_("guide: give at least one --plane NX,NY,NZ,D"));
    if (direction_text != NULL && !parse_vector (direction_text, params.direction))
      return osp_cli_failf (_("guide: --direction takes three numbers X,Y,Z, not all zero"));
    if (printer != NULL && !clearance_given)
      {
        if (g_ascii_strcasecmp (printer, "fdm") == 0)
          params.clearance = 0.4;
        else if (g_ascii_strcasecmp (printer, "resin") == 0)
          params.clearance = 0.25;
        else
          return osp_cli_failf (_("guide: --printer is resin or fdm"));
      }
    if (n_pins < 0 || n_pins > OSP_GUIDE_MAX_PINS)
      return osp_cli_failf (_("guide: --pins takes 0 to %u"), (guint) OSP_GUIDE_MAX_PINS);
    params.n_pins = (guint) n_pins;
    params.label = label;

    bone = osp_mesh_load (argv[1], NULL, NULL, &error);
    if (bone == NULL)
      return osp_cli_fail (error);
    progress = osp_cli_progress_new (_("Making the guide"));
    range = (OspProgressRange) { osp_cli_progress_update, progress, 0, 1 };
    guide = osp_guide_make (bone, planes, n_planes, &params, &report, &range, NULL, &error);
    g_clear_pointer (&progress, osp_cli_progress_free);
    if (guide == NULL)
      return osp_cli_fail (error);
    if (!osp_mesh_save (guide, out, OSP_MESH_FORMAT_UNKNOWN, &error))
      return osp_cli_fail (error);

    if (json)
      {
        g_autoptr(JsonNode) node = report_to_json (&report, out);

        osp_cli_print_json (node);
      }
    else
      {
        printf (report.direction_automatic
                ? _("%s: guide of %.0f mm³ seated on %.0f mm² of bone, inserted along "
                    "(%.3f, %.3f, %.3f), the direction that reaches the most bone\n")
                : _("%s: guide of %.0f mm³ seated on %.0f mm² of bone, inserted along "
                    "(%.3f, %.3f, %.3f) as asked\n"),
                out, report.volume, report.patch_area,
                report.direction[0], report.direction[1], report.direction[2]);
        for (guint s = 0; s < report.n_planes; s++)
          printf (_("slot %u: %.2f mm wide over a %.1f mm section; mid-plane %.4f mm and "
                    "%.4f° from the plan\n"), s + 1, report.slot_width, report.section_length[s],
                  report.slot_offset_error[s], report.slot_angle_error[s]);
        for (guint q = 0; q < report.n_pins; q++)
          printf (_("pin %u: enters at (%.1f, %.1f, %.1f), %.1f mm of bone along it\n"), q + 1,
                  report.pin_entry[q][0], report.pin_entry[q][1], report.pin_entry[q][2],
                  report.pin_bone_depth[q]);
        printf (g_dngettext (GETTEXT_PACKAGE,
                             "checks: nearest bone %.3f mm, %u points in the bone, %u undercut, "
                             "%u in a saw path, closed, %u piece\n",
                             "checks: nearest bone %.3f mm, %u points in the bone, %u undercut, "
                             "%u in a saw path, closed, %u pieces\n", report.n_components),
                report.min_bone_distance, report.n_overlap, report.n_undercut,
                report.n_in_saw_path, report.n_components);
        for (guint i = 0; i < report.notes->len; i++)
          printf (_("note: %s\n"), (char *) g_ptr_array_index (report.notes, i));
      }
    for (guint i = 0; i < report.warnings->len; i++)
      osp_cli_warn (g_ptr_array_index (report.warnings, i));
    return 0;
  }
}
