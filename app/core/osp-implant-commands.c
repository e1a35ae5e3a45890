/* osp-implant-commands.c — undoable implant commands: add an implant, change its parameters
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "osp-error.h"
#include "osp-implant.h"
#include "osp-json.h"
#include "osp-plan-private.h"

/* Swaps the parameters attached to a model (the mesh is swapped by a set-mesh command in the
 * same group). */
typedef struct
{
  OspModel         *model;
  OspImplantParams *old_params;   /* NULL: the model had none */
  OspImplantParams *new_params;
  gboolean          captured;
  gboolean          record;       /* record an "implant" operation */
} SetParams;

static void
set_params_free (gpointer data)
{
  SetParams *sp = data;

  g_clear_object (&sp->model);
  osp_implant_params_free (sp->old_params);
  osp_implant_params_free (sp->new_params);
  g_free (sp);
}

static gboolean
set_params_apply (gpointer   data,
                  OspPlan   *plan,
                  GError   **error)
{
  SetParams *sp = data;

  if (osp_plan_get_model_index (plan, sp->model) < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The plan has no model “%s”"),
                   osp_model_get_name (sp->model));
      return FALSE;
    }
  if (!sp->captured)
    {
      const OspImplantParams *old = osp_implant_get_params (sp->model);

      sp->old_params = old != NULL ? osp_implant_params_copy (old) : NULL;
      sp->captured = TRUE;
    }
  osp_implant_set_params (sp->model, sp->new_params);
  return TRUE;
}

static void
set_params_revert (gpointer  data,
                   OspPlan  *plan)
{
  SetParams *sp = data;

  osp_implant_set_params (sp->model, sp->old_params);
}

static JsonObject *
implant_operation (OspModel               *model,
                   const OspImplantParams *params)
{
  JsonObject *op = json_object_new ();

  json_object_set_string_member (op, "op", "implant");
  json_object_set_string_member (op, "model", osp_model_get_name (model));
  json_object_set_object_member (op, "implant", osp_implant_params_to_json (params));
  return op;
}

static JsonObject *
set_params_record (gpointer data)
{
  SetParams *sp = data;

  return sp->record ? implant_operation (sp->model, sp->new_params) : NULL;
}

static const OspCommandCustom set_params_custom = {
  set_params_apply,
  set_params_revert,
  set_params_record,
  NULL,
};

static OspCommand *
set_params_new (OspModel               *model,
                const OspImplantParams *params,
                gboolean                record)
{
  SetParams *sp = g_new0 (SetParams, 1);

  sp->model = g_object_ref (model);
  sp->new_params = osp_implant_params_copy (params);
  sp->record = record;
  return osp_command_new_custom (_("Implant Parameters"), &set_params_custom, sp,
                                 set_params_free);
}

/* Adds an implant model with its parameters: one command, recorded as one replayable
 * "implant" operation (with the placement). */
typedef struct
{
  OspModel         *model;
  OspImplantParams *params;
  guint             index;
} AddImplant;

static void
add_implant_free (gpointer data)
{
  AddImplant *ai = data;

  g_clear_object (&ai->model);
  osp_implant_params_free (ai->params);
  g_free (ai);
}

static gboolean
add_implant_apply (gpointer   data,
                   OspPlan   *plan,
                   GError   **error)
{
  AddImplant *ai = data;

  if (osp_plan_get_model_index (plan, ai->model) >= 0 ||
      osp_plan_find_model (plan, osp_model_get_name (ai->model)) != NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("A model named “%s” exists already"),
                   osp_model_get_name (ai->model));
      return FALSE;
    }
  ai->index = osp_plan_get_n_models (plan);
  osp_implant_set_params (ai->model, ai->params);
  osp_plan_insert_model_raw (plan, ai->index, ai->model);
  return TRUE;
}

static void
add_implant_revert (gpointer  data,
                    OspPlan  *plan)
{
  AddImplant *ai = data;

  osp_plan_remove_model_raw (plan, ai->index);
}

static JsonObject *
add_implant_record (gpointer data)
{
  AddImplant *ai = data;
  JsonObject *op = implant_operation (ai->model, ai->params);
  static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
  float m[16];

  osp_model_get_transform (ai->model, m);
  if (memcmp (m, identity, sizeof m) != 0)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < 16; i++)
        json_array_add_double_element (array, m[i]);
      json_object_set_array_member (op, "transform", array);
    }
  return op;
}

static void
add_implant_collect (gpointer   data,
                     GPtrArray *out)
{
  AddImplant *ai = data;

  g_ptr_array_add (out, osp_model_get_mesh (ai->model));
}

static const OspCommandCustom add_implant_custom = {
  add_implant_apply,
  add_implant_revert,
  add_implant_record,
  add_implant_collect,
};

OspCommand *
osp_implant_command_new_add (const char             *name,
                             const OspImplantParams *params,
                             OspMesh                *mesh,
                             const float            *matrix)
{
  AddImplant *ai;
  g_autofree char *label = NULL;

  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (mesh != NULL, NULL);

  ai = g_new0 (AddImplant, 1);
  ai->model = osp_model_new (name, mesh, OSP_MODEL_ROLE_IMPLANT);
  if (matrix != NULL)
    osp_model_set_transform (ai->model, matrix);
  ai->params = osp_implant_params_copy (params);
  label = g_strdup_printf (_("Add Implant %s"), name);
  return osp_command_new_custom (label, &add_implant_custom, ai, add_implant_free);
}

OspCommand *
osp_implant_command_new_set_params (OspModel               *model,
                                    const OspImplantParams *params,
                                    OspMesh                *mesh)
{
  g_autoptr(JsonObject) op = NULL;
  g_autofree char *label = NULL;
  OspCommand *children[2];
  OspCommand *group;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (mesh != NULL, NULL);

  op = implant_operation (model, params);
  children[0] = osp_command_new_set_mesh (model, mesh, op);
  children[1] = set_params_new (model, params, FALSE);
  label = g_strdup_printf (_("Change Implant %s"), osp_model_get_name (model));
  group = osp_command_new_group (label, children, 2);
  osp_command_unref (children[0]);
  osp_command_unref (children[1]);
  return group;
}

/* -- Replay ---------------------------------------------------------------------------------- */

gboolean
osp_implant_run_operation (OspPlan      *plan,
                           JsonObject   *operation,
                           const char   *base_dir,
                           GCancellable *cancellable,
                           GError      **error)
{
  g_autoptr(OspImplantParams) params = NULL;
  g_autoptr(OspMesh) template_mesh = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspCommand) command = NULL;
  const char *name;
  JsonNode *node;
  OspModel *model;
  float matrix[16];
  gboolean has_matrix = FALSE;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (operation != NULL, FALSE);

  if (!osp_json_get_member (operation, "model", G_TYPE_STRING, TRUE, &node, "implant", error))
    return FALSE;
  name = json_node_get_string (node);
  if (name[0] == '\0')
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED, _("implant: the name is empty"));
      return FALSE;
    }
  if (!osp_json_get_member (operation, "implant", JSON_TYPE_OBJECT, TRUE, &node, "implant",
                            error))
    return FALSE;
  params = osp_implant_params_from_json (json_node_get_object (node), "implant", error);
  if (params == NULL)
    return FALSE;
  if (!osp_json_get_member (operation, "transform", JSON_TYPE_ARRAY, FALSE, &node, "implant",
                            error))
    return FALSE;
  if (node != NULL)
    {
      if (!osp_json_get_transform (node, matrix, "implant", "transform", error))
        return FALSE;
      has_matrix = TRUE;
    }

  if (params->kind == OSP_IMPLANT_BLOCK)
    {
      OspModel *source = params->template_name != NULL ?
        osp_plan_find_model (plan, params->template_name) : NULL;
      float m[16];
      mat4 cm;

      if (source == NULL)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("implant: a block needs the template model “%s”"),
                       params->template_name != NULL ? params->template_name : "");
          return FALSE;
        }
      /* Planes are in world coordinates: the template too. */
      osp_model_get_transform (source, m);
      memcpy (cm, m, sizeof cm);
      template_mesh = osp_mesh_transform (osp_model_get_mesh (source), cm);
    }
  if (params->kind == OSP_IMPLANT_CUSTOM && base_dir != NULL && params->path != NULL &&
      !g_path_is_absolute (params->path))
    {
      char *path = g_build_filename (base_dir, params->path, NULL);

      g_free (params->path);
      params->path = path;
    }

  mesh = osp_implant_generate (params, template_mesh, NULL, cancellable, error);
  if (mesh == NULL)
    {
      g_prefix_error (error, "implant “%s”: ", name);
      return FALSE;
    }
  model = osp_plan_find_model (plan, name);
  if (model != NULL)
    {
      if (osp_implant_get_params (model) == NULL)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("implant: the model “%s” exists and is no implant"), name);
          return FALSE;
        }
      command = osp_implant_command_new_set_params (model, params, mesh);
      if (has_matrix)
        {
          OspCommand *children[2] = { command,
                                      osp_command_new_set_transform (model, matrix) };
          OspCommand *group = osp_command_new_group (osp_command_get_label (command),
                                                     children, 2);

          osp_command_unref (children[0]);
          osp_command_unref (children[1]);
          command = group;
        }
    }
  else
    command = osp_implant_command_new_add (name, params, mesh, has_matrix ? matrix : NULL);
  return osp_plan_execute (plan, command, error);
}
