/* osp-plan-register.c — the mirrored template registered to the bone the plan knows is intact
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plan knows its cuts: their planes (the caps and the bone around them are not trusted)
 * and their resected pieces (inside every plane of a cut: not bone to fit to).  The remaining
 * bones and pieces are the candidates; osp_template_register() keeps those the plane mirror
 * overlaps (the hemipelvis it stands for, not the sacrum beside it).  The step is recorded as
 * {"op": "register", "model": TEMPLATE, …} and replays the same way.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-cut.h"
#include "osp-error.h"
#include "osp-json.h"
#include "osp-plan-private.h"
#include "osp-symmetry.h"

/* The plane of symmetry the mirror tool keeps: no cut. */
#define MIDSAGITTAL "Midsagittal"

static OspMesh *
world_mesh (OspModel *model)
{
  mat4 matrix;
  const float *m = (const float *) matrix;
  gboolean identity = TRUE;

  osp_model_get_transform (model, (float *) matrix);
  for (int i = 0; i < 16; i++)
    identity = identity && m[i] == ((i % 5 == 0) ? 1.0f : 0.0f);
  if (identity)
    return osp_mesh_ref (osp_model_get_mesh (model));
  return osp_mesh_transform (osp_model_get_mesh (model), matrix);
}

/* The planes of one "cut" operation; FALSE when it is none. */
static gboolean
cut_operation_planes (JsonObject *operation,
                      OspPlane   *planes,
                      guint      *n_planes,
                      double     *margin)
{
  JsonArray *list;

  *n_planes = 0;
  if (g_strcmp0 (json_object_get_string_member_with_default (operation, "op", ""), "cut") != 0 ||
      !json_object_has_member (operation, "planes") ||
      JSON_NODE_TYPE (json_object_get_member (operation, "planes")) != JSON_NODE_ARRAY)
    return FALSE;
  *margin = json_object_get_double_member_with_default (operation, "margin", 0);
  list = json_object_get_array_member (operation, "planes");
  for (guint j = 0; j < json_array_get_length (list) && *n_planes < OSP_CUT_MAX_PLANES; j++)
    {
      JsonNode *node = json_array_get_element (list, j);
      JsonArray *numbers;
      OspPlane *p = &planes[*n_planes];

      if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
        continue;
      numbers = json_node_get_array (node);
      if (json_array_get_length (numbers) != 4)
        continue;
      for (int a = 0; a < 3; a++)
        p->normal[a] = json_array_get_double_element (numbers, a);
      p->d = json_array_get_double_element (numbers, 3);
      if (p->normal[0] != 0 || p->normal[1] != 0 || p->normal[2] != 0)
        (*n_planes)++;
    }
  return *n_planes > 0;
}

GArray *
osp_plan_get_cut_planes (OspPlan *plan)
{
  GArray *planes;

  g_return_val_if_fail (OSP_IS_PLAN (plan), NULL);

  planes = g_array_new (FALSE, FALSE, sizeof (OspPlane));
  for (guint i = 0; i < osp_plan_get_n_planes (plan); i++)
    {
      OspPlane plane;

      if (g_strcmp0 (osp_plan_get_plane_name (plan, i), MIDSAGITTAL) == 0)
        continue;
      osp_plan_get_plane (plan, i, &plane);
      g_array_append_val (planes, plane);
    }
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      OspPlane cut[OSP_CUT_MAX_PLANES];
      guint n;
      double margin;

      if (cut_operation_planes (osp_plan_get_operation (plan, i), cut, &n, &margin))
        g_array_append_vals (planes, cut, n);
    }
  return planes;
}

gboolean
osp_plan_mesh_is_resected (OspPlan       *plan,
                           const OspMesh *mesh)
{
  const float *p;
  guint32 n_v;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (mesh != NULL, FALSE);

  p = osp_mesh_get_positions (mesh);
  n_v = osp_mesh_get_n_vertices (mesh);
  if (n_v == 0)
    return FALSE;
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      OspPlane planes[OSP_CUT_MAX_PLANES];
      guint n_planes;
      double margin;
      guint32 n_inside = 0;

      if (!cut_operation_planes (osp_plan_get_operation (plan, i), planes, &n_planes, &margin))
        continue;
      for (guint32 v = 0; v < n_v; v++)
        {
          gboolean inside = TRUE;

          for (guint k = 0; k < n_planes && inside; k++)
            {
              const float *nn = planes[k].normal;
              double len = sqrt ((double) nn[0] * nn[0] + (double) nn[1] * nn[1] +
                                 (double) nn[2] * nn[2]);

              inside = (nn[0] * (double) p[3 * (gsize) v] + nn[1] * (double) p[3 * (gsize) v + 1] +
                        nn[2] * (double) p[3 * (gsize) v + 2] - planes[k].d) / len <=
                       margin + 0.5;
            }
          n_inside += inside;
        }
      if (n_inside >= 0.99 * n_v)
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
osp_plan_get_intact_bones (OspPlan  *plan,
                           OspModel *except)
{
  GPtrArray *meshes;

  g_return_val_if_fail (OSP_IS_PLAN (plan), NULL);

  meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      OspModel *other = osp_plan_get_model (plan, i);
      OspModelRole role = osp_model_get_role (other);
      g_autoptr(OspMesh) mesh = NULL;

      if (other == except || !osp_model_get_visible (other) ||
          (role != OSP_MODEL_ROLE_BONE && role != OSP_MODEL_ROLE_PIECE))
        continue;
      mesh = world_mesh (other);
      if (!osp_plan_mesh_is_resected (plan, mesh))
        g_ptr_array_add (meshes, g_steal_pointer (&mesh));
    }
  return meshes;
}

JsonObject *
osp_plan_register_operation_new (OspModel                 *template_model,
                                 const OspTemplateOptions *options)
{
  JsonObject *op;

  g_return_val_if_fail (OSP_IS_MODEL (template_model), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  op = json_object_new ();
  json_object_set_string_member (op, "op", "register");
  json_object_set_string_member (op, "model", osp_model_get_name (template_model));
  json_object_set_double_member (op, "max_rotation", options->max_rotation_deg);
  json_object_set_double_member (op, "max_translation", options->max_translation_mm);
  json_object_set_double_member (op, "exclude_distance", options->exclude_distance_mm);
  return op;
}

static gboolean
get_number (JsonObject  *op,
            const char  *key,
            double       lo,
            double       hi,
            double      *out,
            GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (op, key, G_TYPE_DOUBLE, FALSE, &node, "register", error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  *out = json_node_get_double (node);
  if (!(*out >= lo && *out <= hi))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("register: “%s” must be between %g and %g"), key, lo, hi);
      return FALSE;
    }
  return TRUE;
}

gboolean
osp_plan_run_register (OspPlan        *plan,
                       JsonObject     *operation,
                       OspTemplateFit *out_fit,
                       GCancellable   *cancellable,
                       GError        **error)
{
  OspTemplateOptions options = OSP_TEMPLATE_OPTIONS_INIT;
  g_autoptr(GArray) planes = NULL;
  g_autoptr(GPtrArray) bones = NULL;
  g_autoptr(OspMesh) placed = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(JsonObject) recorded = NULL;
  g_autofree char *label = NULL;
  OspTemplateFit fit;
  OspModel *model;
  JsonNode *node;
  mat4 matrix, current, combined;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (operation != NULL, FALSE);

  if (!osp_json_get_member (operation, "model", G_TYPE_STRING, TRUE, &node, "register", error))
    return FALSE;
  model = osp_plan_find_model (plan, json_node_get_string (node));
  if (model == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: there is no model named “%s”"),
                   "register", json_node_get_string (node));
      return FALSE;
    }
  if (!get_number (operation, "max_rotation", 0.1, 180, &options.max_rotation_deg, error) ||
      !get_number (operation, "max_translation", 0.1, 1000, &options.max_translation_mm,
                   error) ||
      !get_number (operation, "exclude_distance", 0, 1000, &options.exclude_distance_mm, error))
    return FALSE;

  planes = osp_plan_get_cut_planes (plan);
  bones = osp_plan_get_intact_bones (plan, model);
  options.cut_planes = (const OspPlane *) planes->data;
  options.n_cut_planes = planes->len;
  placed = world_mesh (model);
  if (!osp_template_register (placed, (const OspMesh *const *) bones->pdata, bones->len,
                              &options, matrix, &fit, NULL, NULL, cancellable, error))
    return FALSE;
  if (out_fit != NULL)
    *out_fit = fit;
  if (fit.doubt & OSP_TEMPLATE_DOUBT_NO_BONE)
    {
      g_autofree char *words = osp_template_fit_describe_doubt (&fit);

      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, "register: %s", words);
      return FALSE;
    }
  osp_model_get_transform (model, (float *) current);
  glm_mat4_mul (matrix, current, combined);
  command = osp_command_new_set_transform (model, (const float *) combined);
  label = g_strdup_printf (_("Register %s"), osp_model_get_name (model));
  osp_command_set_label (command, label);
  recorded = osp_plan_register_operation_new (model, &options);
  osp_command_set_operation (command, recorded);
  return osp_plan_execute (plan, command, error);
}
