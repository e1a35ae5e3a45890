/* osp-cli-plan.c — osteoplan-cli plan run PLAN.json | plan info FILE.osteoplan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `plan run` replays a plan's operations headless through osp_plan_run_operation(), the code
 * the GUI's commands use, so a case made in the window can be rebuilt, re-exported or checked
 * in a script.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-error.h"
#include "osp-margin.h"
#include "osp-input.h"
#include "osp-json.h"
#include "osp-plan.h"

/* A plan of OSP_PLAN_MAX_OPERATIONS operations is a few tens of megabytes. */
#define PLAN_RUN_MAX_BYTES ((gsize) 256 << 20)

/* The operations of PLAN: a JSON array of operations, a JSON object with an "operations"
 * array (a plan.json), or a .osteoplan file (its recorded operations). */
static JsonArray *
read_operations (const char  *path,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *name = osp_error_display_name (path);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *ops;
  gsize len;

  if (!osp_input_get_contents (path, PLAN_RUN_MAX_BYTES, &contents, &len, error))
    return NULL;
  if (len >= 4 && memcmp (contents, "PK\003\004", 4) == 0)
    {
      g_autoptr(OspPlan) plan = osp_plan_open_from_data ((const guint8 *) contents, len, name,
                                                         NULL, error);
      JsonArray *array;

      if (plan == NULL)
        return NULL;
      array = json_array_new ();
      for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
        json_array_add_object_element (array, json_object_ref (osp_plan_get_operation (plan, i)));
      return array;
    }
  if (!osp_json_parse (parser, contents, len, name, error))
    return NULL;
  root = json_parser_get_root (parser);
  ops = root;
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    ops = json_object_get_member (json_node_get_object (root), "operations");
  if (ops == NULL || !JSON_NODE_HOLDS_ARRAY (ops))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: a plan is a list of operations, or an object with “operations”"), name);
      return NULL;
    }
  if (json_array_get_length (json_node_get_array (ops)) > OSP_PLAN_MAX_OPERATIONS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: %u operations, more than the %u any plan records: the file is "
                     "damaged or not a plan"), name, json_array_get_length (json_node_get_array (ops)),
                   OSP_PLAN_MAX_OPERATIONS);
      return NULL;
    }
  return json_array_ref (json_node_get_array (ops));
}

/* The margin of every tumour model against the planes of every cut of the plan (each plane
 * moved outwards by the cut's margin, as the cut was made). */
static void
print_margins (OspPlan *plan,
               double   target)
{
  g_autoptr(GArray) cuts = osp_margin_list_applied_cuts (plan);
  gboolean header = FALSE;

  for (guint t = 0; t < osp_plan_get_n_models (plan); t++)
    {
      OspModel *tumour = osp_plan_get_model (plan, t);
      g_autoptr(OspMesh) world = NULL;
      CGLM_ALIGN_MAT mat4 m;

      if (osp_model_get_role (tumour) != OSP_MODEL_ROLE_TUMOUR)
        continue;
      osp_model_get_transform (tumour, (float *) m);
      world = osp_mesh_transform (osp_model_get_mesh (tumour), m);
      for (guint c = 0; c < cuts->len; c++)
        {
          const OspAppliedCut *cut = &g_array_index (cuts, OspAppliedCut, c);
          OspMarginResult result;
          guint n = cut->n_planes;

          if (!osp_margin_compute (world, cut->planes, n, &result))
            continue;
          if (!header)
            {
              printf ("\n%s\n", _("Margins:"));
              header = TRUE;
            }
          for (guint p = 0; p < n; p++)
            printf (_("  %s, %s, plane %u: %+.2f mm\n"), osp_model_get_name (tumour),
                    cut->name != NULL ? cut->name : "cut", p + 1,
                    result.planes[p].margin_mm);
          if (result.inside && result.min_margin_mm >= target)
            printf (_("  %s: minimum margin %+.2f mm, wholly inside the resected region\n"),
                    osp_model_get_name (tumour), result.min_margin_mm);
          else if (result.inside)
            {
              g_autofree char *w =
                g_strdup_printf (_("%s: the margin of plane %d is %.2f mm, below the %.1f mm "
                                   "wanted"), osp_model_get_name (tumour), result.min_plane + 1,
                                 result.min_margin_mm, target);

              osp_cli_warn (w);
            }
          else
            {
              g_autofree char *w =
                g_strdup_printf (_("%s: plane %d cuts into the tumour or leaves it outside the "
                                   "resected region (margin %.2f mm)"),
                                 osp_model_get_name (tumour), result.min_plane + 1,
                                 result.min_margin_mm);

              osp_cli_warn (w);
            }
          osp_margin_result_clear (&result);
        }
    }
}

static int
plan_run (int    argc,
          char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *export_dir = NULL;
  gboolean quiet = FALSE, anonymise = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Save the resulting plan (.osteoplan)"), N_("FILE") },
    { "anonymise", 0, 0, G_OPTION_ARG_NONE, &anonymise,
      N_("Save an anonymised copy: without the patient's name, ID, birth date and the other "
         "details of the CTs"), NULL },
    { "export-dir", 0, 0, G_OPTION_ARG_FILENAME, &export_dir,
      N_("Folder for relative export paths (default: the plan’s folder)"), N_("DIR") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print nothing but errors"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("plan run", _("PLAN"),
                         _("Replay a plan’s operations without a display: PLAN is a JSON list "
                           "of operations, a plan.json, or a .osteoplan file.  Relative paths "
                           "to load are relative to PLAN’s folder."), entries);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(JsonArray) ops = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_dir = NULL;
  int status = 0;
  double start = osp_cli_now ();

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("plan run: give one plan"));

  ops = read_operations (argv[1], &error);
  if (ops == NULL)
    return osp_cli_fail (error);
  base_dir = g_path_get_dirname (argv[1]);
  if (export_dir == NULL)
    export_dir = g_strdup (base_dir);
  else if (g_mkdir_with_parents (export_dir, 0755) != 0)
    return osp_cli_failf (_("plan run: cannot create %s"), export_dir);

  for (guint i = 0; i < json_array_get_length (ops); i++)
    {
      JsonNode *node = json_array_get_element (ops, i);
      JsonObject *op;
      const char *kind = "?";
      double t0 = osp_cli_now ();

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return osp_cli_failf (_("plan run: operation %u is not an object"), i + 1);
      op = json_node_get_object (node);
      if (json_object_has_member (op, "op") &&
          JSON_NODE_HOLDS_VALUE (json_object_get_member (op, "op")) &&
          json_node_get_value_type (json_object_get_member (op, "op")) == G_TYPE_STRING)
        kind = json_object_get_string_member (op, "op");
      if (!osp_plan_run_operation (plan, op, base_dir, export_dir, NULL, &error))
        {
          g_prefix_error (&error, _("operation %u (%s): "), i + 1, kind);
          return osp_cli_fail (error);
        }
      if (!quiet)
        printf ("%3u/%u  %-16s %8.3f s  %u models\n", i + 1, json_array_get_length (ops), kind,
                osp_cli_now () - t0, osp_plan_get_n_models (plan));
    }

  if (!quiet)
    {
      printf ("\n%s\n", _("Models:"));
      for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
        {
          OspModel *model = osp_plan_get_model (plan, i);
          OspMeshReport report;

          g_autoptr(GError) report_error = NULL;

          /* A report too large for memory must not abort before the plan is saved. */
          if (!osp_mesh_report_checked (osp_model_get_mesh (model), &report,
                                        osp_model_get_name (model), &report_error))
            {
              osp_cli_warn (report_error->message);
              continue;
            }
          printf ("  %-32s %-9s %9u triangles  %12.1f mm³  %s%s\n", osp_model_get_name (model),
                  osp_model_role_get_label (osp_model_get_role (model)), report.n_triangles,
                  report.volume, osp_mesh_report_verdict (&report),
                  osp_model_get_visible (model) ? "" : _("  (hidden)"));
        }
      print_margins (plan, OSP_MARGIN_DEFAULT_TARGET_MM);
    }
  if (output != NULL)
    {
      if (!osp_plan_save_full (plan, output,
                               anonymise ? OSP_PLAN_SAVE_ANONYMISE : OSP_PLAN_SAVE_DEFAULT, NULL,
                               NULL, &error))
        return osp_cli_fail (error);
      if (!quiet)
        printf ("\n%s %s\n", _("Saved"), output);
    }
  if (!quiet)
    printf (_("%u operations in %.3f s\n"), json_array_get_length (ops), osp_cli_now () - start);
  return 0;
}

static int
plan_info (int    argc,
           char **argv)
{
  gboolean dump = FALSE;
  GOptionEntry entries[] = {
    { "dump", 0, 0, G_OPTION_ARG_NONE, &dump,
      N_("Print the canonical dump (two plans are the same when their dumps are)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("plan info", _("FILE…"),
                         _("Describe .osteoplan files: models, planes, landmarks, operations."),
                         entries);
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return osp_cli_failf (_("plan info: no file given"));

  for (int f = 1; f < argc; f++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OspPlan) plan = osp_plan_open (argv[f], NULL, NULL, &error);

      if (plan == NULL)
        {
          status = osp_cli_fail (error);
          continue;
        }
      if (dump)
        {
          g_autofree char *text = osp_plan_dump (plan);

          fputs (text, stdout);
          continue;
        }
      printf ("%s%s\n", f > 1 ? "\n" : "", argv[f]);
      printf ("  %s %u\n", _("models:"), osp_plan_get_n_models (plan));
      for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
        {
          OspModel *model = osp_plan_get_model (plan, i);

          printf ("    %-32s %-9s %9u triangles  #%06x  opacity %.2f%s\n",
                  osp_model_get_name (model),
                  osp_model_role_get_label (osp_model_get_role (model)),
                  osp_model_get_n_triangles (model), osp_model_get_color (model),
                  osp_model_get_opacity (model),
                  osp_model_get_visible (model) ? "" : _("  (hidden)"));
        }
      /* CTs and masks; never the patient (this output ends up in logs). */
      printf ("  %s %u\n", _("CTs:"), osp_plan_get_n_volumes (plan));
      for (guint i = 0; i < osp_plan_get_n_volumes (plan); i++)
        {
          OspVolume *volume = osp_plan_get_volume (plan, i);
          guint32 dims[3];
          double spacing[3];

          osp_volume_get_dims (volume, dims);
          osp_volume_get_spacing (volume, spacing);
          printf ("    %u × %u × %u voxels of %.3g × %.3g × %.3g mm  %s\n", dims[0], dims[1],
                  dims[2], spacing[0], spacing[1], spacing[2],
                  osp_volume_get_description (volume) != NULL ?
                  osp_volume_get_description (volume) : "");
        }
      printf ("  %s %u\n", _("masks:"), osp_plan_get_n_masks (plan));
      for (guint i = 0; i < osp_plan_get_n_masks (plan); i++)
        {
          OspMask *mask = osp_plan_get_mask (plan, i);
          guint64 n = osp_mask_count (mask, 0);

          printf ("    %-32s CT %d  %9" G_GUINT64_FORMAT " voxels  %12.1f mm³  #%06x\n",
                  osp_plan_get_mask_name (plan, i),
                  osp_plan_get_volume_index (plan, osp_plan_get_mask_volume (plan, i)) + 1, n,
                  n * osp_grid_voxel_volume (osp_mask_get_grid (mask)),
                  osp_plan_get_mask_color (plan, i));
        }
      printf ("  %s %u\n", _("planes:"), osp_plan_get_n_planes (plan));
      for (guint i = 0; i < osp_plan_get_n_planes (plan); i++)
        {
          OspPlane p;

          osp_plan_get_plane (plan, i, &p);
          printf ("    %-32s n = (%.4f, %.4f, %.4f)  d = %.3f mm\n",
                  osp_plan_get_plane_name (plan, i), p.normal[0], p.normal[1], p.normal[2], p.d);
        }
      printf ("  %s %u\n", _("landmarks:"), osp_plan_get_n_landmarks (plan));
      for (guint i = 0; i < osp_plan_get_n_landmarks (plan); i++)
        {
          float x[3];

          osp_plan_get_landmark (plan, i, x);
          printf ("    %-32s (%.3f, %.3f, %.3f) mm\n", osp_plan_get_landmark_name (plan, i),
                  x[0], x[1], x[2]);
        }
      printf ("  %s %u\n", _("operations:"), osp_plan_get_n_operations (plan));
      for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
          g_autofree char *text = NULL;

          json_node_set_object (node, osp_plan_get_operation (plan, i));
          text = json_to_string (node, FALSE);
          printf ("    %3u  %s\n", i + 1, text);
        }
    }
  return status;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n  osteoplan-cli plan run PLAN [-o OUT.osteoplan] [--export-dir DIR]\n"
           "  osteoplan-cli plan info FILE.osteoplan…\n", _("Usage:"));
}

int
osp_cli_plan (int    argc,
              char **argv)
{
  if (argc < 2)
    {
      print_usage (stderr);
      return 1;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "run") == 0)
    return plan_run (argc - 1, argv + 1);
  if (strcmp (argv[1], "info") == 0)
    return plan_info (argc - 1, argv + 1);
  fprintf (stderr, _("osteoplan-cli: unknown plan command “%s”\n\n"), argv[1]);
  print_usage (stderr);
  return 1;
}
