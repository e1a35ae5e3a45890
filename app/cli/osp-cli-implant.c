/* osp-cli-implant.c — osteoplan-cli implant screw|plate|cup|block [OPTION…] -o OUT
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-cli-private.h"
#include "osp-cut.h"
#include "osp-error.h"
#include "osp-implant.h"
#include "osp-mesh-io.h"

/* "x,y,z;x,y,z;…" → 3 × n floats. */
static gboolean
parse_points (const char  *text,
              const char  *option,
              float      **out,
              guint       *out_n,
              GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ";", -1);
  guint n = g_strv_length (parts);

  *out = g_new (float, 3 * MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) xyz = g_strsplit (parts[i], ",", -1);
      char *end;

      if (g_strv_length (xyz) != 3)
        goto bad;
      for (int k = 0; k < 3; k++)
        {
          double v = g_ascii_strtod (g_strstrip (xyz[k]), &end);

          if (end == xyz[k] || *end != '\0' || !isfinite (v) || fabs (v) > 1e6)
            goto bad;
          (*out)[3 * i + k] = (float) v;
        }
    }
  *out_n = n;
  return TRUE;

bad:
  g_clear_pointer (out, g_free);
  g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
               _("implant: %s wants points “X,Y,Z;X,Y,Z;…”, not “%s”"), option, text);
  return FALSE;
}

static void
set_if (double *field,
        double  value)
{
  if (!isnan (value))
    *field = value;
}

int
osp_cli_implant (int    argc,
                 char **argv)
{
  double diameter = NAN, length = NAN, head = NAN, head_height = NAN, pitch = NAN;
  double core = NAN, width = NAN, thickness = NAN, hole_diameter = NAN, spacing = NAN;
  double wall = NAN, flange = NAN, flange_thickness = NAN, offset = NAN, voxel = NAN;
  int holes = -1;
  gboolean cortical = FALSE, json = FALSE;
  g_autofree char *points_text = NULL;
  g_autofree char *normals_text = NULL;
  g_autofree char *template_path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *bone_path = NULL;
  g_autofree char *entry_text = NULL;
  g_autofree char *target_text = NULL;
  g_autofree char *acetabulum_text = NULL;
  double step = 5;
  g_auto(GStrv) plane_texts = NULL;
  GOptionEntry entries[] = {
    { "diameter", 'd', 0, G_OPTION_ARG_DOUBLE, &diameter,
      N_("Screw thread or cup outer diameter (mm)"), N_("MM") },
    { "length", 'l', 0, G_OPTION_ARG_DOUBLE, &length,
      N_("Screw length under the head, or a plate without holes (mm)"), N_("MM") },
    { "head", 0, 0, G_OPTION_ARG_DOUBLE, &head, N_("Screw head diameter (mm)"), N_("MM") },
    { "head-height", 0, 0, G_OPTION_ARG_DOUBLE, &head_height,
      N_("Screw head height (mm; 0: headless)"), N_("MM") },
    { "pitch", 0, 0, G_OPTION_ARG_DOUBLE, &pitch,
      N_("Thread pitch (mm; 0: a smooth shaft)"), N_("MM") },
    { "core", 0, 0, G_OPTION_ARG_DOUBLE, &core, N_("Screw core diameter (mm)"), N_("MM") },
    { "cortical", 0, 0, G_OPTION_ARG_NONE, &cortical,
      N_("A cortical screw (fine thread) instead of a cancellous one"), NULL },
    { "bone", 0, 0, G_OPTION_ARG_FILENAME, &bone_path,
      N_("Screw: plan it through this bone from --entry to --target; the length (unless "
         "given) reaches the far cortex, and the screw is written in place. Plate with "
         "--points: lay it on this bone"), N_("FILE") },
    { "entry", 0, 0, G_OPTION_ARG_STRING, &entry_text, N_("Screw entry point on the bone"),
      N_("X,Y,Z") },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target_text, N_("Screw target point"),
      N_("X,Y,Z") },
    { "acetabulum", 0, 0, G_OPTION_ARG_STRING, &acetabulum_text,
      N_("A sphere the screw must not enter (the acetabulum)"), N_("X,Y,Z,R") },
    { "step", 0, 0, G_OPTION_ARG_DOUBLE, &step,
      N_("Round the proposed screw length down to this step (mm, default 5)"), N_("MM") },
    { "width", 'w', 0, G_OPTION_ARG_DOUBLE, &width, N_("Plate width (mm)"), N_("MM") },
    { "thickness", 't', 0, G_OPTION_ARG_DOUBLE, &thickness,
      N_("Plate thickness, or block wall thickness (mm; block 0: solid)"), N_("MM") },
    { "holes", 0, 0, G_OPTION_ARG_INT, &holes, N_("Plate screw holes"), N_("N") },
    { "hole-diameter", 0, 0, G_OPTION_ARG_DOUBLE, &hole_diameter,
      N_("Plate hole diameter (mm)"), N_("MM") },
    { "spacing", 0, 0, G_OPTION_ARG_DOUBLE, &spacing,
      N_("Plate hole spacing, centre to centre (mm)"), N_("MM") },
    { "points", 0, 0, G_OPTION_ARG_STRING, &points_text,
      N_("Bend the plate along this polyline on the bone"), N_("X,Y,Z;X,Y,Z;…") },
    { "normals", 0, 0, G_OPTION_ARG_STRING, &normals_text,
      N_("The bone's outward normal at each point (default +z)"), N_("X,Y,Z;…") },
    { "wall", 0, 0, G_OPTION_ARG_DOUBLE, &wall, N_("Cup wall thickness (mm)"), N_("MM") },
    { "flange", 0, 0, G_OPTION_ARG_DOUBLE, &flange,
      N_("Cup flange outer diameter (mm; 0: none)"), N_("MM") },
    { "flange-thickness", 0, 0, G_OPTION_ARG_DOUBLE, &flange_thickness,
      N_("Cup flange thickness (mm)"), N_("MM") },
    { "template", 0, 0, G_OPTION_ARG_FILENAME, &template_path,
      N_("Block: the template mesh of the missing part"), N_("FILE") },
    { "plane", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &plane_texts,
      N_("Block: a resection plane; the part below it (against n) is kept. Repeat"),
      N_("NX,NY,NZ,D") },
    { "offset", 0, 0, G_OPTION_ARG_DOUBLE, &offset,
      N_("Block: grow (> 0) or shrink (< 0) the surface (mm)"), N_("MM") },
    { "voxel", 0, 0, G_OPTION_ARG_DOUBLE, &voxel,
      N_("Block: grid step of the offset (mm, default 0.5)"), N_("MM") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result and parameters as JSON"),
      NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The mesh file to write (STL, OBJ or PLY by extension)"), N_("OUT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("implant", _("screw|plate|cup|block [OPTION…] -o OUT"),
                         _("Generate a parametric implant as a closed mesh: a screw (thread "
                           "drawn as rings), a plate with screw holes (straight or bent along "
                           "points on the bone), an acetabular cup with an optional flange, "
                           "or a block from a template clipped by resection planes with an "
                           "offset and a wall thickness."),
                         entries);
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(OspMesh) template_mesh = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;
  OspScrewTrajectory trajectory;
  gboolean planned = FALSE;
  g_autofree char *description = NULL;
  OspImplantKind kind;
  OspMeshReport report;
  int status = 0;
  double t0, seconds;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2 || !osp_implant_kind_from_string (argv[1], &kind) || kind == OSP_IMPLANT_CUSTOM)
    return osp_cli_failf (_("implant: give one kind: screw, plate, cup or block (see --help)"));
  if (output == NULL)
    return osp_cli_failf (_("implant: give the output file with -o OUT"));

  osp_implant_params_init (&p, kind);
  switch (kind)
    {
    case OSP_IMPLANT_SCREW:
      if (cortical)
        {
          p.cancellous = FALSE;
          p.diameter = 3.5;
          p.length = 40;
          p.head_diameter = 6;
          p.head_height = 2.5;
          p.thread_pitch = 1.25;
        }
      set_if (&p.diameter, diameter);
      set_if (&p.length, length);
      /* A head follows the diameter unless given. */
      if (!isnan (diameter) && isnan (head))
        p.head_diameter = MAX (p.head_diameter, 1.5 * p.diameter);
      set_if (&p.head_diameter, head);
      set_if (&p.head_height, head_height);
      set_if (&p.thread_pitch, pitch);
      set_if (&p.core_diameter, core);
      if (bone_path != NULL || entry_text != NULL || target_text != NULL)
        {
          g_autofree float *entry = NULL;
          g_autofree float *target = NULL;
          g_autoptr(OspMesh) bone = NULL;
          g_autoptr(OspBvh) bvh = NULL;
          OspAcetabulum acetabulum = { NULL, { 0, 0, 0 }, 0 };
          guint n = 0;

          if (bone_path == NULL || entry_text == NULL || target_text == NULL)
            return osp_cli_failf (_("implant: --bone, --entry and --target go together"));
          if (!(step >= 0 && step <= 100))
            return osp_cli_failf (_("implant: --step must be between 0 and 100 mm"));
          if (!parse_points (entry_text, "--entry", &entry, &n, &error))
            return osp_cli_fail (error);
          if (n != 1)
            return osp_cli_failf (_("implant: --entry and --target take one point each"));
          if (!parse_points (target_text, "--target", &target, &n, &error))
            return osp_cli_fail (error);
          if (n != 1)
            return osp_cli_failf (_("implant: --entry and --target take one point each"));
          if (acetabulum_text != NULL)
            {
              g_auto(GStrv) parts = g_strsplit (acetabulum_text, ",", -1);
              double v[4];

              if (g_strv_length (parts) != 4)
                return osp_cli_failf (_("implant: --acetabulum wants X,Y,Z,R"));
              for (int k = 0; k < 4; k++)
                {
                  char *end;

                  v[k] = g_ascii_strtod (parts[k], &end);
                  if (end == parts[k] || *end != '\0' || !isfinite (v[k]))
                    return osp_cli_failf (_("implant: --acetabulum wants X,Y,Z,R"));
                }
              if (!(v[3] > 0))
                return osp_cli_failf (_("implant: the acetabulum's radius must be above 0"));
              for (int k = 0; k < 3; k++)
                acetabulum.center[k] = (float) v[k];
              acetabulum.radius = (float) v[3];
            }
          bone = osp_mesh_load (bone_path, NULL, NULL, &error);
          if (bone == NULL)
            return osp_cli_fail (error);
          bvh = osp_bvh_new_full (bone, NULL, NULL, &error);
          if (bvh == NULL)
            return osp_cli_fail (error);
          if (!osp_screw_trajectory (bvh, entry, target,
                                     acetabulum_text != NULL ? &acetabulum : NULL, step,
                                     &trajectory, &error))
            return osp_cli_fail (error);
          if (isnan (length))
            {
              if (!(trajectory.proposed_length > 0))
                return osp_cli_failf (_("implant: no far cortex along the trajectory; give "
                                        "--length"));
              p.length = trajectory.proposed_length;
            }
          planned = TRUE;
        }
      break;
    case OSP_IMPLANT_PLATE:
      set_if (&p.width, width);
      set_if (&p.thickness, thickness);
      set_if (&p.hole_diameter, hole_diameter);
      set_if (&p.spacing, spacing);
      set_if (&p.length, length);
      if (holes >= 0)
        p.n_holes = (guint) holes;
      if (points_text != NULL &&
          !parse_points (points_text, "--points", &p.points, &p.n_points, &error))
        return osp_cli_fail (error);
      if (normals_text != NULL)
        {
          guint n = 0;

          if (p.points == NULL)
            return osp_cli_failf (_("implant: --normals needs --points"));
          if (!parse_points (normals_text, "--normals", &p.normals, &n, &error))
            return osp_cli_fail (error);
          if (n == 1 && p.n_points > 1)
            {
              /* One normal for every point. */
              p.normals = g_renew (float, p.normals, 3 * p.n_points);
              for (guint i = 1; i < p.n_points; i++)
                memcpy (p.normals + 3 * i, p.normals, 3 * sizeof (float));
            }
          else if (n != p.n_points)
            return osp_cli_failf (_("implant: give one normal, or one per point (%u)"),
                                  p.n_points);
        }
      if (bone_path != NULL && p.n_points >= 2)
        {
          /* Laid on the bone: along its surface, lifted off where it would enter it. */
          g_autoptr(OspMesh) plate_bone = osp_mesh_load (bone_path, NULL, NULL, &error);
          g_autoptr(OspBvh) plate_bvh = NULL;
          float *points = NULL, *normals = NULL;
          guint n = 0;

          if (plate_bone == NULL)
            return osp_cli_fail (error);
          plate_bvh = osp_bvh_new_full (plate_bone, NULL, NULL, &error);
          if (plate_bvh == NULL ||
              !osp_plate_contour_path (plate_bvh, p.points, p.n_points, p.width, &points,
                                       &normals, &n, &error))
            return osp_cli_fail (error);
          g_free (p.points);
          g_free (p.normals);
          p.points = points;
          p.normals = normals;
          p.n_points = n;
        }
      break;
    case OSP_IMPLANT_CUP:
      set_if (&p.diameter, diameter);
      set_if (&p.wall, wall);
      set_if (&p.flange_diameter, flange);
      set_if (&p.flange_thickness, flange_thickness);
      break;
    case OSP_IMPLANT_BLOCK:
      if (template_path == NULL)
        return osp_cli_failf (_("implant: a block needs --template FILE"));
      template_mesh = osp_mesh_load (template_path, NULL, NULL, &error);
      if (template_mesh == NULL)
        return osp_cli_fail (error);
      p.template_name = g_path_get_basename (template_path);
      for (guint i = 0; plane_texts != NULL && plane_texts[i] != NULL; i++)
        {
          if (i >= G_N_ELEMENTS (p.planes))
            return osp_cli_failf (_("implant: at most %u planes"),
                                  (guint) G_N_ELEMENTS (p.planes));
          if (!osp_plane_parse (plane_texts[i], &p.planes[i], &error))
            return osp_cli_fail (error);
          p.n_planes = i + 1;
        }
      set_if (&p.offset, offset);
      set_if (&p.thickness, thickness);
      set_if (&p.voxel, voxel);
      break;
    case OSP_IMPLANT_CUSTOM:
    default:
      g_assert_not_reached ();
    }

  t0 = osp_cli_now ();
  if (p.kind == OSP_IMPLANT_PLATE && p.n_points >= 2)
    {
      /* What the contoured plate is: its real length and holes, in its parameters too. */
      guint n_holes;

      p.length = osp_implant_plate_length (&p, &n_holes);
      if (p.n_holes > 0)
        p.n_holes = MAX (n_holes, 1);
    }
  mesh = osp_implant_generate (&p, template_mesh, NULL, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  seconds = osp_cli_now () - t0;
  if (planned)
    {
      mat4 m;
      OspMesh *placed;

      memcpy (m, trajectory.matrix, sizeof m);
      placed = osp_mesh_transform (mesh, m);
      osp_mesh_unref (mesh);
      mesh = placed;
    }
  if (!osp_mesh_save (mesh, output, OSP_MESH_FORMAT_UNKNOWN, &error))
    return osp_cli_fail (error);

  osp_mesh_report (mesh, &report);
  description = osp_implant_params_describe (&p);
  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (root, "file", output);
      json_object_set_string_member (root, "description", description);
      json_object_set_object_member (root, "implant", osp_implant_params_to_json (&p));
      json_object_set_int_member (root, "triangles", report.n_triangles);
      json_object_set_double_member (root, "volume_mm3", report.volume);
      json_object_set_double_member (root, "area_mm2", report.area);
      json_object_set_boolean_member (root, "closed", report.closed);
      json_object_set_int_member (root, "genus",
                                  (2 - report.topology.euler_characteristic) / 2);
      json_object_set_double_member (root, "seconds", seconds);
      if (p.kind == OSP_IMPLANT_PLATE)
        {
          guint n_holes;

          /* The plate as made: end to end (a contoured one spans its whole path). */
          json_object_set_double_member (root, "length_mm",
                                         osp_implant_plate_length (&p, &n_holes));
          json_object_set_int_member (root, "holes", n_holes);
        }
      if (planned)
        {
          JsonObject *t = json_object_new ();
          JsonArray *w = json_array_new ();

          json_object_set_double_member (t, "target_distance_mm", trajectory.target_distance);
          json_object_set_double_member (t, "exit_distance_mm", trajectory.exit_distance);
          json_object_set_double_member (t, "proposed_length_mm",
                                         trajectory.proposed_length);
          json_object_set_double_member (t, "first_leave_mm",
                                         trajectory.first_leave_distance);
          if (trajectory.warnings & OSP_SCREW_ENTRY_OUTSIDE)
            json_array_add_string_element (w, "entry-outside");
          if (trajectory.warnings & OSP_SCREW_LEAVES_BONE)
            json_array_add_string_element (w, "leaves-bone");
          if (trajectory.warnings & OSP_SCREW_ENTERS_ACETABULUM)
            json_array_add_string_element (w, "enters-acetabulum");
          if (trajectory.warnings & OSP_SCREW_NO_EXIT)
            json_array_add_string_element (w, "no-exit");
          json_object_set_array_member (t, "warnings", w);
          json_object_set_object_member (root, "trajectory", t);
        }
      json_node_set_object (node, root);
      osp_cli_print_json (node);
    }
  else
    {
      printf (_("%s: %s, %u triangles, %.1f mm³, %.1f mm², %s\n"), output, description,
              report.n_triangles, report.volume, report.area,
              osp_mesh_report_verdict (&report));
      if (planned)
        {
          printf (_("trajectory: target at %.1f mm, far cortex at %.1f mm (%.2f, %.2f, "
                    "%.2f), proposed length %.0f mm\n"), trajectory.target_distance,
                  trajectory.exit_distance, trajectory.exit[0], trajectory.exit[1],
                  trajectory.exit[2], trajectory.proposed_length);
          if (trajectory.warnings & OSP_SCREW_ENTRY_OUTSIDE)
            printf (_("warning: the entry point is not on the bone\n"));
          if (trajectory.warnings & OSP_SCREW_LEAVES_BONE)
            printf (_("warning: the screw leaves the bone at %.1f mm, before the target\n"),
                    trajectory.first_leave_distance);
          if (trajectory.warnings & OSP_SCREW_ENTERS_ACETABULUM)
            printf (_("warning: the screw enters the acetabulum at %.1f mm\n"),
                    trajectory.acetabulum_distance);
          if (trajectory.warnings & OSP_SCREW_NO_EXIT)
            printf (_("warning: the axis never leaves the bone\n"));
        }
    }
  return 0;
}
