/* osp-command.c — undoable operations on a plan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-plan-private.h"

typedef enum
{
  KIND_ADD_MODEL,
  KIND_DELETE_MODEL,
  KIND_SET,
  KIND_ADD_PLANE,
  KIND_MOVE_PLANE,
  KIND_DELETE_PLANE,
  KIND_ADD_LANDMARK,
  KIND_MOVE_LANDMARK,
  KIND_DELETE_LANDMARK,
  KIND_REPLACE_BY_PIECES,
  KIND_ADD_TEMPLATE,
  KIND_GROUP,
  KIND_CUSTOM,
} Kind;

typedef enum
{
  FIELD_NAME,
  FIELD_COLOR,
  FIELD_OPACITY,
  FIELD_VISIBLE,
  FIELD_ROLE,
  FIELD_TRANSFORM,
  FIELD_MESH,
} Field;

/* One value of a model property. */
typedef struct
{
  char    *name;
  guint32  color;
  double   opacity;
  gboolean visible;
  guint    role;
  float    transform[16];
  OspMesh *mesh;
} Value;

struct _OspCommand
{
  gatomicrefcount ref_count;
  Kind            kind;
  char           *label;
  gboolean        mergeable;
  gboolean        applied_once;
  JsonObject     *operation;    /* recorded as given, or NULL: made from the fields below */

  /* Models. */
  OspModel       *model;
  int             position;     /* requested (add), then where it is or was */
  char           *source_path;
  char           *target_name;  /* the model's name when first applied (for the record) */
  Field           field;
  Value           old_value;
  Value           new_value;

  /* Planes and landmarks: values[4] = plane (n, d) or position (x, y, z). */
  char           *name;
  float           values[4];
  float           old_values[4];
  guint           index;

  /* Pieces of a cut, a template. */
  GPtrArray      *inside;       /* OspMesh */
  GPtrArray      *outside;      /* OspMesh */
  GPtrArray      *new_models;   /* OspModel, made when first applied */
  char           *result_name;

  /* Groups. */
  GPtrArray      *children;     /* OspCommand */

  /* Custom commands (osp_command_new_custom()). */
  const OspCommandCustom *custom;
  gpointer        custom_data;
  GDestroyNotify  custom_destroy;
};

static OspCommand *
command_new (Kind        kind,
             const char *label)
{
  OspCommand *self = g_new0 (OspCommand, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->label = g_strdup (label);
  self->position = -1;
  return self;
}

static void
value_clear (Value *value)
{
  g_clear_pointer (&value->name, g_free);
  g_clear_pointer (&value->mesh, osp_mesh_unref);
}

OspCommand *
osp_command_ref (OspCommand *command)
{
  g_return_val_if_fail (command != NULL, NULL);

  g_atomic_ref_count_inc (&command->ref_count);
  return command;
}

void
osp_command_unref (OspCommand *command)
{
  if (command == NULL || !g_atomic_ref_count_dec (&command->ref_count))
    return;
  g_free (command->label);
  g_clear_pointer (&command->operation, json_object_unref);
  g_clear_object (&command->model);
  g_free (command->source_path);
  g_free (command->target_name);
  value_clear (&command->old_value);
  value_clear (&command->new_value);
  g_free (command->name);
  g_clear_pointer (&command->inside, g_ptr_array_unref);
  g_clear_pointer (&command->outside, g_ptr_array_unref);
  g_clear_pointer (&command->new_models, g_ptr_array_unref);
  g_free (command->result_name);
  g_clear_pointer (&command->children, g_ptr_array_unref);
  if (command->custom_destroy != NULL)
    command->custom_destroy (command->custom_data);
  g_free (command);
}

const char *
osp_command_get_label (OspCommand *command)
{
  g_return_val_if_fail (command != NULL, NULL);

  return command->label;
}

void
osp_command_set_label (OspCommand *command,
                       const char *label)
{
  g_return_if_fail (command != NULL);
  g_return_if_fail (label != NULL);

  g_free (command->label);
  command->label = g_strdup (label);
}

void
osp_command_set_operation (OspCommand *command,
                           JsonObject *operation)
{
  g_return_if_fail (command != NULL);
  g_return_if_fail (operation != NULL);

  json_object_ref (operation);
  g_clear_pointer (&command->operation, json_object_unref);
  command->operation = operation;
}

void
osp_command_set_mergeable (OspCommand *command,
                           gboolean    mergeable)
{
  g_return_if_fail (command != NULL);

  command->mergeable = mergeable;
}

/* -- Constructors ----------------------------------------------------------------------------- */

OspCommand *
osp_command_new_add_model (OspModel   *model,
                           int         position,
                           const char *source_path)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);

  self = command_new (KIND_ADD_MODEL, _("Add Model"));
  self->model = g_object_ref (model);
  self->position = position;
  self->source_path = g_strdup (source_path);
  return self;
}

OspCommand *
osp_command_new_delete_model (OspModel *model)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);

  self = command_new (KIND_DELETE_MODEL, _("Delete Model"));
  self->model = g_object_ref (model);
  return self;
}

static OspCommand *
set_new (OspModel   *model,
         Field       field,
         const char *label)
{
  OspCommand *self = command_new (KIND_SET, label);

  self->model = g_object_ref (model);
  self->field = field;
  return self;
}

OspCommand *
osp_command_new_rename_model (OspModel   *model,
                              const char *name)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  self = set_new (model, FIELD_NAME, _("Rename Model"));
  self->new_value.name = g_strdup (name);
  return self;
}

OspCommand *
osp_command_new_set_color (OspModel *model,
                           guint32   rgb)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);

  self = set_new (model, FIELD_COLOR, _("Set Colour"));
  self->new_value.color = rgb & 0xffffffu;
  return self;
}

OspCommand *
osp_command_new_set_opacity (OspModel *model,
                             double    opacity)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);

  self = set_new (model, FIELD_OPACITY, _("Set Opacity"));
  self->new_value.opacity = isnan (opacity) ? 1.0 : CLAMP (opacity, 0.0, 1.0);
  return self;
}

OspCommand *
osp_command_new_set_visible (OspModel *model,
                             gboolean  visible)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);

  self = set_new (model, FIELD_VISIBLE, visible ? _("Show Model") : _("Hide Model"));
  self->new_value.visible = !!visible;
  return self;
}

OspCommand *
osp_command_new_set_role (OspModel     *model,
                          OspModelRole  role)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);
  g_return_val_if_fail (role <= OSP_MODEL_ROLE_LAST, NULL);

  self = set_new (model, FIELD_ROLE, _("Set Role"));
  self->new_value.role = role;
  return self;
}

static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

OspCommand *
osp_command_new_set_transform (OspModel    *model,
                               const float *matrix)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);

  self = set_new (model, FIELD_TRANSFORM, _("Move Model"));
  memcpy (self->new_value.transform, matrix != NULL ? matrix : identity, sizeof identity);
  return self;
}

OspCommand *
osp_command_new_set_mesh (OspModel   *model,
                          OspMesh    *mesh,
                          JsonObject *operation)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);
  g_return_val_if_fail (mesh != NULL, NULL);

  self = set_new (model, FIELD_MESH, _("Change Mesh"));
  self->new_value.mesh = osp_mesh_ref (mesh);
  if (operation != NULL)
    self->operation = json_object_ref (operation);
  return self;
}

gboolean
osp_plan_normalize_plane (const OspPlane *plane,
                     OspPlane       *out_plane)
{
  double len = sqrt ((double) plane->normal[0] * plane->normal[0] +
                     (double) plane->normal[1] * plane->normal[1] +
                     (double) plane->normal[2] * plane->normal[2]);

  if (!isfinite (len) || len == 0.0 || !isfinite (plane->d))
    return FALSE;
  for (guint i = 0; i < 3; i++)
    out_plane->normal[i] = (float) (plane->normal[i] / len);
  out_plane->d = (float) (plane->d / len);
  return TRUE;
}

static OspCommand *
plane_new (Kind            kind,
           const char     *label,
           const char     *name,
           const OspPlane *plane)
{
  OspCommand *self = command_new (kind, label);
  OspPlane unit;

  self->name = g_strdup (name);
  if (plane != NULL)
    {
      if (!osp_plan_normalize_plane (plane, &unit))
        unit = (OspPlane) { { 0, 0, 1 }, 0 };
      memcpy (self->values, unit.normal, sizeof unit.normal);
      self->values[3] = unit.d;
    }
  return self;
}

OspCommand *
osp_command_new_add_plane (const char     *name,
                           const OspPlane *plane)
{
  OspPlane unit;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);
  g_return_val_if_fail (plane != NULL && osp_plan_normalize_plane (plane, &unit), NULL);

  return plane_new (KIND_ADD_PLANE, _("Add Plane"), name, plane);
}

OspCommand *
osp_command_new_move_plane (const char     *name,
                            const OspPlane *plane)
{
  OspPlane unit;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);
  g_return_val_if_fail (plane != NULL && osp_plan_normalize_plane (plane, &unit), NULL);

  return plane_new (KIND_MOVE_PLANE, _("Move Plane"), name, plane);
}

OspCommand *
osp_command_new_delete_plane (const char *name)
{
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  return plane_new (KIND_DELETE_PLANE, _("Delete Plane"), name, NULL);
}

static OspCommand *
landmark_new (Kind         kind,
              const char  *label,
              const char  *name,
              const float *position)
{
  OspCommand *self = command_new (kind, label);

  self->name = g_strdup (name);
  if (position != NULL)
    memcpy (self->values, position, 3 * sizeof (float));
  return self;
}

OspCommand *
osp_command_new_add_landmark (const char  *name,
                              const float *position)
{
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);
  g_return_val_if_fail (position != NULL, NULL);

  return landmark_new (KIND_ADD_LANDMARK, _("Add Landmark"), name, position);
}

OspCommand *
osp_command_new_move_landmark (const char  *name,
                               const float *position)
{
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);
  g_return_val_if_fail (position != NULL, NULL);

  return landmark_new (KIND_MOVE_LANDMARK, _("Move Landmark"), name, position);
}

OspCommand *
osp_command_new_delete_landmark (const char *name)
{
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  return landmark_new (KIND_DELETE_LANDMARK, _("Delete Landmark"), name, NULL);
}

static GPtrArray *
mesh_array (OspMesh *const *meshes,
            guint           n)
{
  GPtrArray *array = g_ptr_array_new_full (n, (GDestroyNotify) osp_mesh_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (array, osp_mesh_ref (meshes[i]));
  return array;
}

OspCommand *
osp_command_new_replace_by_pieces (OspModel       *model,
                                   OspMesh *const *inside,
                                   guint           n_inside,
                                   OspMesh *const *outside,
                                   guint           n_outside,
                                   JsonObject     *operation,
                                   const char     *label)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);
  g_return_val_if_fail (inside != NULL || n_inside == 0, NULL);
  g_return_val_if_fail (outside != NULL || n_outside == 0, NULL);

  self = command_new (KIND_REPLACE_BY_PIECES, label != NULL ? label : _("Cut"));
  self->model = g_object_ref (model);
  self->inside = mesh_array (inside, n_inside);
  self->outside = mesh_array (outside, n_outside);
  if (operation != NULL)
    self->operation = json_object_ref (operation);
  return self;
}

OspCommand *
osp_command_new_add_template (OspModel   *source,
                              OspMesh    *mesh,
                              const char *name,
                              JsonObject *operation,
                              const char *label)
{
  OspCommand *self;

  g_return_val_if_fail (OSP_IS_MODEL (source), NULL);
  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  self = command_new (KIND_ADD_TEMPLATE, label != NULL ? label : _("Mirror"));
  self->model = g_object_ref (source);
  self->inside = mesh_array (&mesh, 1);
  self->result_name = g_strdup (name);
  if (operation != NULL)
    self->operation = json_object_ref (operation);
  return self;
}

OspCommand *
osp_command_new_group (const char        *label,
                       OspCommand *const *commands,
                       guint              n_commands)
{
  OspCommand *self;

  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (commands != NULL && n_commands >= 1, NULL);
  for (guint i = 0; i < n_commands; i++)
    g_return_val_if_fail (commands[i] != NULL && !commands[i]->applied_once, NULL);

  self = command_new (KIND_GROUP, label);
  self->children = g_ptr_array_new_full (n_commands, (GDestroyNotify) osp_command_unref);
  for (guint i = 0; i < n_commands; i++)
    g_ptr_array_add (self->children, osp_command_ref (commands[i]));
  return self;
}

/* -- Applying and reverting ------------------------------------------------------------------ */

static gboolean
model_not_in_plan (OspCommand  *self,
                   OspPlan     *plan,
                   int         *out_index,
                   GError     **error)
{
  int index = osp_plan_get_model_index (plan, self->model);

  if (index < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: the model “%s” is not in the plan"),
                   self->label, osp_model_get_name (self->model));
      return TRUE;
    }
  *out_index = index;
  return FALSE;
}

static void
value_get (OspModel *model,
           Field     field,
           Value    *out)
{
  value_clear (out);
  switch (field)
    {
    case FIELD_NAME:
      out->name = g_strdup (osp_model_get_name (model));
      break;
    case FIELD_COLOR:
      out->color = osp_model_get_color (model);
      break;
    case FIELD_OPACITY:
      out->opacity = osp_model_get_opacity (model);
      break;
    case FIELD_VISIBLE:
      out->visible = osp_model_get_visible (model);
      break;
    case FIELD_ROLE:
      out->role = osp_model_get_role (model);
      break;
    case FIELD_TRANSFORM:
      osp_model_get_transform (model, out->transform);
      break;
    case FIELD_MESH:
      out->mesh = osp_mesh_ref (osp_model_get_mesh (model));
      break;
    }
}

static void
value_set (OspModel    *model,
           Field        field,
           const Value *value)
{
  switch (field)
    {
    case FIELD_NAME:
      osp_model_set_name (model, value->name);
      break;
    case FIELD_COLOR:
      osp_model_set_color (model, value->color);
      break;
    case FIELD_OPACITY:
      osp_model_set_opacity (model, value->opacity);
      break;
    case FIELD_VISIBLE:
      osp_model_set_visible (model, value->visible);
      break;
    case FIELD_ROLE:
      osp_model_set_role (model, value->role);
      break;
    case FIELD_TRANSFORM:
      osp_model_set_transform (model, value->transform);
      break;
    case FIELD_MESH:
      osp_model_set_mesh (model, value->mesh);
      break;
    }
}

static gboolean
name_taken (OspPlan     *plan,
            const char  *name,
            OspModel    *except,
            GError     **error)
{
  OspModel *other = osp_plan_find_model (plan, name);

  if (other != NULL && other != except)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("A model named “%s” already exists"), name);
      return TRUE;
    }
  return FALSE;
}

/* Makes the models of a cut or a mirror, once, with names unique in the plan. */
static void
make_new_models (OspCommand *self,
                 OspPlan    *plan)
{
  const char *base = osp_model_get_name (self->model);
  float transform[16];
  guint index = 0;

  if (self->new_models != NULL)
    return;
  self->new_models = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->kind == KIND_ADD_TEMPLATE)
    {
      g_autofree char *name = osp_plan_make_unique_name (plan, self->result_name);

      g_ptr_array_add (self->new_models,
                       osp_model_new (name, self->inside->pdata[0], OSP_MODEL_ROLE_TEMPLATE));
      return;
    }

  osp_model_get_transform (self->model, transform);
  for (guint side = 0; side < 2; side++)
    {
      GPtrArray *meshes = side == 0 ? self->inside : self->outside;

      for (guint i = 0; i < meshes->len; i++)
        {
          g_autofree char *wanted = NULL;
          g_autofree char *name = NULL;
          OspModel *piece;

          /* TRANSLATORS: a piece of a cut model: "Pelvis resected 1" / "Pelvis remaining 2" */
          wanted = g_strdup_printf (side == 0 ? _("%s resected %u") : _("%s remaining %u"),
                                    base, i + 1);
          name = osp_plan_make_unique_name (plan, wanted);
          /* Names must stay unique among the pieces themselves, which are not in the plan yet. */
          for (guint k = 2; ; k++)
            {
              gboolean clash = FALSE;

              for (guint j = 0; j < self->new_models->len && !clash; j++)
                clash = g_strcmp0 (osp_model_get_name (self->new_models->pdata[j]), name) == 0;
              if (!clash)
                break;
              g_free (name);
              name = g_strdup_printf ("%s (%u)", wanted, k);
            }
          piece = osp_model_new (name, meshes->pdata[i], OSP_MODEL_ROLE_PIECE);
          osp_model_set_transform (piece, transform);
          osp_model_set_opacity (piece, osp_model_get_opacity (self->model));
          osp_model_set_color (piece, side == 0 ?
                               osp_model_role_default_color (OSP_MODEL_ROLE_PIECE, index++) :
                               osp_model_get_color (self->model));
          g_ptr_array_add (self->new_models, piece);
        }
    }
}

gboolean
osp_command_apply (OspCommand  *self,
                   OspPlan     *plan,
                   GError     **error)
{
  int index = -1;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);

  switch (self->kind)
    {
    case KIND_ADD_MODEL:
      if (osp_plan_get_model_index (plan, self->model) >= 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The model “%s” is already in the plan"),
                       osp_model_get_name (self->model));
          return FALSE;
        }
      if (name_taken (plan, osp_model_get_name (self->model), NULL, error))
        return FALSE;
      if (self->position < 0 || (guint) self->position > osp_plan_get_n_models (plan))
        self->position = (int) osp_plan_get_n_models (plan);
      osp_plan_insert_model_raw (plan, (guint) self->position, self->model);
      break;

    case KIND_DELETE_MODEL:
      if (model_not_in_plan (self, plan, &index, error))
        return FALSE;
      self->position = index;
      if (self->target_name == NULL)
        self->target_name = g_strdup (osp_model_get_name (self->model));
      osp_plan_remove_model_raw (plan, (guint) index);
      break;

    case KIND_SET:
      if (model_not_in_plan (self, plan, &index, error))
        return FALSE;
      if (self->field == FIELD_NAME &&
          name_taken (plan, self->new_value.name, self->model, error))
        return FALSE;
      if (!self->applied_once)
        {
          value_get (self->model, self->field, &self->old_value);
          self->target_name = g_strdup (osp_model_get_name (self->model));
        }
      value_set (self->model, self->field, &self->new_value);
      break;

    case KIND_ADD_PLANE:
    case KIND_ADD_LANDMARK:
      {
        gboolean plane = self->kind == KIND_ADD_PLANE;

        if ((plane ? osp_plan_find_plane (plan, self->name) :
                     osp_plan_find_landmark (plan, self->name)) >= 0)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                         plane ? _("A plane named “%s” already exists") :
                                 _("A landmark named “%s” already exists"), self->name);
            return FALSE;
          }
        if (plane)
          {
            OspPlane p = { { self->values[0], self->values[1], self->values[2] },
                           self->values[3] };

            self->index = osp_plan_get_n_planes (plan);
            osp_plan_insert_plane_raw (plan, self->index, self->name, &p);
          }
        else
          {
            self->index = osp_plan_get_n_landmarks (plan);
            osp_plan_insert_landmark_raw (plan, self->index, self->name, self->values);
          }
      }
      break;

    case KIND_MOVE_PLANE:
    case KIND_DELETE_PLANE:
    case KIND_MOVE_LANDMARK:
    case KIND_DELETE_LANDMARK:
      {
        gboolean plane = self->kind == KIND_MOVE_PLANE || self->kind == KIND_DELETE_PLANE;

        index = plane ? osp_plan_find_plane (plan, self->name) :
                        osp_plan_find_landmark (plan, self->name);
        if (index < 0)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                         plane ? _("There is no plane named “%s”") :
                                 _("There is no landmark named “%s”"), self->name);
            return FALSE;
          }
        self->index = (guint) index;
        if (plane)
          {
            OspPlane old;

            osp_plan_get_plane (plan, self->index, &old);
            memcpy (self->old_values, old.normal, sizeof old.normal);
            self->old_values[3] = old.d;
          }
        else
          osp_plan_get_landmark (plan, self->index, self->old_values);

        if (self->kind == KIND_MOVE_PLANE)
          {
            OspPlane p = { { self->values[0], self->values[1], self->values[2] },
                           self->values[3] };

            osp_plan_set_plane_raw (plan, self->index, &p);
          }
        else if (self->kind == KIND_MOVE_LANDMARK)
          osp_plan_set_landmark_raw (plan, self->index, self->values);
        else if (plane)
          osp_plan_remove_plane_raw (plan, self->index);
        else
          osp_plan_remove_landmark_raw (plan, self->index);
      }
      break;

    case KIND_REPLACE_BY_PIECES:
      if (model_not_in_plan (self, plan, &index, error))
        return FALSE;
      make_new_models (self, plan);
      self->position = index;
      if (self->target_name == NULL)
        self->target_name = g_strdup (osp_model_get_name (self->model));
      osp_plan_remove_model_raw (plan, (guint) index);
      for (guint i = 0; i < self->new_models->len; i++)
        osp_plan_insert_model_raw (plan, (guint) index + i, self->new_models->pdata[i]);
      break;

    case KIND_ADD_TEMPLATE:
      if (model_not_in_plan (self, plan, &index, error))
        return FALSE;
      make_new_models (self, plan);
      if (name_taken (plan, osp_model_get_name (self->new_models->pdata[0]), NULL, error))
        return FALSE;
      self->position = index + 1;
      osp_plan_insert_model_raw (plan, (guint) self->position, self->new_models->pdata[0]);
      break;

    case KIND_GROUP:
      for (guint i = 0; i < self->children->len; i++)
        if (!osp_command_apply (self->children->pdata[i], plan, error))
          {
            while (i-- > 0)
              osp_command_revert (self->children->pdata[i], plan);
            return FALSE;
          }
      break;

    case KIND_CUSTOM:
      if (!self->custom->apply (self->custom_data, plan, error))
        return FALSE;
      break;
    }

  self->applied_once = TRUE;
  return TRUE;
}

void
osp_command_revert (OspCommand *self,
                    OspPlan    *plan)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (OSP_IS_PLAN (plan));

  switch (self->kind)
    {
    case KIND_ADD_MODEL:
      osp_plan_remove_model_raw (plan, (guint) self->position);
      break;
    case KIND_DELETE_MODEL:
      osp_plan_insert_model_raw (plan, (guint) self->position, self->model);
      break;
    case KIND_SET:
      value_set (self->model, self->field, &self->old_value);
      break;
    case KIND_ADD_PLANE:
      osp_plan_remove_plane_raw (plan, self->index);
      break;
    case KIND_ADD_LANDMARK:
      osp_plan_remove_landmark_raw (plan, self->index);
      break;
    case KIND_MOVE_PLANE:
      {
        OspPlane p = { { self->old_values[0], self->old_values[1], self->old_values[2] },
                       self->old_values[3] };

        osp_plan_set_plane_raw (plan, self->index, &p);
      }
      break;
    case KIND_DELETE_PLANE:
      {
        OspPlane p = { { self->old_values[0], self->old_values[1], self->old_values[2] },
                       self->old_values[3] };

        osp_plan_insert_plane_raw (plan, self->index, self->name, &p);
      }
      break;
    case KIND_MOVE_LANDMARK:
      osp_plan_set_landmark_raw (plan, self->index, self->old_values);
      break;
    case KIND_DELETE_LANDMARK:
      osp_plan_insert_landmark_raw (plan, self->index, self->name, self->old_values);
      break;
    case KIND_REPLACE_BY_PIECES:
      for (guint i = self->new_models->len; i-- > 0; )
        osp_plan_remove_model_raw (plan, (guint) self->position + i);
      osp_plan_insert_model_raw (plan, (guint) self->position, self->model);
      break;
    case KIND_ADD_TEMPLATE:
      osp_plan_remove_model_raw (plan, (guint) self->position);
      break;
    case KIND_GROUP:
      for (guint i = self->children->len; i-- > 0; )
        osp_command_revert (self->children->pdata[i], plan);
      break;
    case KIND_CUSTOM:
      self->custom->revert (self->custom_data, plan);
      break;
    }
}

gboolean
osp_command_try_merge (OspCommand *top,
                       OspCommand *next)
{
  g_return_val_if_fail (top != NULL && next != NULL, FALSE);

  if (!next->mergeable || !top->mergeable || top->kind != next->kind)
    return FALSE;
  switch (next->kind)
    {
    case KIND_SET:
      if (top->model != next->model || top->field != next->field ||
          next->field == FIELD_NAME || next->field == FIELD_MESH)
        return FALSE;
      /* The first step keeps its old value; the new value is the latest. */
      value_clear (&top->new_value);
      top->new_value = next->new_value;
      memset (&next->new_value, 0, sizeof next->new_value);
      return TRUE;
    case KIND_MOVE_PLANE:
    case KIND_MOVE_LANDMARK:
      if (g_strcmp0 (top->name, next->name) != 0)
        return FALSE;
      memcpy (top->values, next->values, sizeof top->values);
      return TRUE;
    case KIND_CUSTOM:
      return top->custom == next->custom && top->custom->merge != NULL &&
             top->custom->merge (top->custom_data, next->custom_data);
    default:
      return FALSE;
    }
}

/* -- Records ---------------------------------------------------------------------------------- */

static JsonArray *
float_array (const float *values,
             guint        n)
{
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

static JsonObject *
op_new (const char *op)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "op", op);
  return object;
}

static void
set_color_member (JsonObject *object,
                  guint32     rgb)
{
  g_autofree char *text = osp_plan_color_to_string (rgb);

  json_object_set_string_member (object, "color", text);
}

static void
add_look (JsonObject *object,
          OspModel   *model)
{
  float transform[16];

  json_object_set_string_member (object, "role",
                                 osp_plan_role_to_string (osp_model_get_role (model)));
  set_color_member (object, osp_model_get_color (model));
  if (osp_model_get_opacity (model) != 1.0)
    json_object_set_double_member (object, "opacity", osp_model_get_opacity (model));
  if (!osp_model_get_visible (model))
    json_object_set_boolean_member (object, "visible", FALSE);
  osp_model_get_transform (model, transform);
  if (memcmp (transform, identity, sizeof identity) != 0)
    json_object_set_array_member (object, "transform", float_array (transform, 16));
}

void
osp_command_record (OspCommand *self,
                    GPtrArray  *out)
{
  JsonObject *op = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  if (self->operation != NULL)
    {
      g_ptr_array_add (out, json_object_ref (self->operation));
      return;
    }

  switch (self->kind)
    {
    case KIND_ADD_MODEL:
      op = op_new (self->source_path != NULL ? "load" : "add");
      if (self->source_path != NULL)
        json_object_set_string_member (op, "path", self->source_path);
      json_object_set_string_member (op, "name", osp_model_get_name (self->model));
      add_look (op, self->model);
      break;
    case KIND_DELETE_MODEL:
      op = op_new ("delete");
      json_object_set_string_member (op, "model", self->target_name);
      break;
    case KIND_SET:
      op = op_new (self->field == FIELD_MESH ? "set-mesh" : "set");
      json_object_set_string_member (op, "model", self->target_name);
      switch (self->field)
        {
        case FIELD_NAME:
          json_object_set_string_member (op, "name", self->new_value.name);
          break;
        case FIELD_COLOR:
          set_color_member (op, self->new_value.color);
          break;
        case FIELD_OPACITY:
          json_object_set_double_member (op, "opacity", self->new_value.opacity);
          break;
        case FIELD_VISIBLE:
          json_object_set_boolean_member (op, "visible", self->new_value.visible);
          break;
        case FIELD_ROLE:
          json_object_set_string_member (op, "role",
                                         osp_plan_role_to_string (self->new_value.role));
          break;
        case FIELD_TRANSFORM:
          json_object_set_array_member (op, "transform",
                                        float_array (self->new_value.transform, 16));
          break;
        case FIELD_MESH:
          json_object_set_int_member (op, "n_triangles",
                                      osp_mesh_get_n_triangles (self->new_value.mesh));
          break;
        }
      break;
    case KIND_ADD_PLANE:
    case KIND_MOVE_PLANE:
      op = op_new (self->kind == KIND_ADD_PLANE ? "add-plane" : "move-plane");
      json_object_set_string_member (op, "name", self->name);
      json_object_set_array_member (op, "plane", float_array (self->values, 4));
      break;
    case KIND_ADD_LANDMARK:
    case KIND_MOVE_LANDMARK:
      op = op_new (self->kind == KIND_ADD_LANDMARK ? "add-landmark" : "move-landmark");
      json_object_set_string_member (op, "name", self->name);
      json_object_set_array_member (op, "position", float_array (self->values, 3));
      break;
    case KIND_DELETE_PLANE:
    case KIND_DELETE_LANDMARK:
      op = op_new (self->kind == KIND_DELETE_PLANE ? "delete-plane" : "delete-landmark");
      json_object_set_string_member (op, "name", self->name);
      break;
    case KIND_REPLACE_BY_PIECES:
      op = op_new ("replace-by-pieces");
      json_object_set_string_member (op, "model", self->target_name);
      break;
    case KIND_ADD_TEMPLATE:
      op = op_new ("add-template");
      json_object_set_string_member (op, "model", osp_model_get_name (self->model));
      break;
    case KIND_GROUP:
      for (guint i = 0; i < self->children->len; i++)
        osp_command_record (self->children->pdata[i], out);
      return;
    case KIND_CUSTOM:
      op = self->custom->record != NULL ? self->custom->record (self->custom_data) : NULL;
      if (op == NULL)
        return;
      break;
    }
  g_ptr_array_add (out, op);
}

void
osp_command_collect_meshes (OspCommand *self,
                            GPtrArray  *out)
{
  g_return_if_fail (self != NULL);

  if (self->model != NULL)
    g_ptr_array_add (out, osp_model_get_mesh (self->model));
  if (self->old_value.mesh != NULL)
    g_ptr_array_add (out, self->old_value.mesh);
  if (self->new_value.mesh != NULL)
    g_ptr_array_add (out, self->new_value.mesh);
  for (guint side = 0; side < 2; side++)
    {
      GPtrArray *meshes = side == 0 ? self->inside : self->outside;

      for (guint i = 0; meshes != NULL && i < meshes->len; i++)
        g_ptr_array_add (out, meshes->pdata[i]);
    }
  for (guint i = 0; self->children != NULL && i < self->children->len; i++)
    osp_command_collect_meshes (self->children->pdata[i], out);
  if (self->kind == KIND_CUSTOM && self->custom->collect_meshes != NULL)
    self->custom->collect_meshes (self->custom_data, out);
}

OspCommand *
osp_command_new_custom (const char             *label,
                        const OspCommandCustom *custom,
                        gpointer                data,
                        GDestroyNotify          destroy)
{
  OspCommand *self;

  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (custom != NULL && custom->apply != NULL && custom->revert != NULL, NULL);

  self = command_new (KIND_CUSTOM, label);
  self->custom = custom;
  self->custom_data = data;
  self->custom_destroy = destroy;
  return self;
}
