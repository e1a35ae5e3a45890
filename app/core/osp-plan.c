/* osp-plan.c — the plan document and its history
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-plan-private.h"

typedef struct
{
  char    *name;
  OspPlane plane;
} NamedPlane;

typedef struct
{
  char  *name;
  float  position[3];
} Landmark;

/* One undo step: the command, how many operations it recorded and the bytes of the meshes it
 * holds counted without sharing (an upper bound of what it adds to the history). */
typedef struct
{
  OspCommand *command;
  guint       n_records;
  guint64     mesh_bytes;
} Step;

struct _OspPlan
{
  GObject    parent_instance;

  GPtrArray *models;      /* OspModel */
  GArray    *planes;      /* NamedPlane */
  GArray    *landmarks;   /* Landmark */
  /* Name → index + 1 of the first plane / landmark of that name, so that a long replay or a big
   * file stays linear; NULL when stale (rebuilt on the next look-up). */
  GHashTable *plane_names;
  GHashTable *landmark_names;
  GPtrArray *operations;  /* JsonObject */

  GQueue     undo;        /* Step*, head = newest */
  GQueue     redo;        /* Step*, head = next to redo */
  gboolean   merge_open;
  guint64    budget;
  guint64    history_bound;  /* the sum of the steps' mesh_bytes: ≥ the history's bytes */

  /* The saved state: the command on top of the undo stack then (NULL: the bottom). */
  OspCommand *clean_top;
  gboolean    clean_valid;

  char      *path;
  char      *undo_label;
  char      *redo_label;
};

static void osp_plan_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OspPlan, osp_plan, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      osp_plan_list_model_init))

enum
{
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_UNDO_LABEL,
  PROP_REDO_LABEL,
  PROP_MODIFIED,
  PROP_PATH,
  PROP_N_ITEMS,
  N_PROPS
};

enum
{
  SIGNAL_PLANES_CHANGED,
  SIGNAL_LANDMARKS_CHANGED,
  SIGNAL_OPERATIONS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
step_free (Step *step)
{
  osp_command_unref (step->command);
  g_free (step);
}

static void
named_plane_clear (NamedPlane *plane)
{
  g_free (plane->name);
}

static void
landmark_clear (Landmark *landmark)
{
  g_free (landmark->name);
}

/* -- GListModel ------------------------------------------------------------------------------- */

static GType
osp_plan_get_item_type (GListModel *list)
{
  return OSP_TYPE_MODEL;
}

static guint
osp_plan_get_n_items (GListModel *list)
{
  return OSP_PLAN (list)->models->len;
}

static gpointer
osp_plan_get_item (GListModel *list,
                   guint       position)
{
  OspPlan *self = OSP_PLAN (list);

  if (position >= self->models->len)
    return NULL;
  return g_object_ref (self->models->pdata[position]);
}

static void
osp_plan_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = osp_plan_get_item_type;
  iface->get_n_items = osp_plan_get_n_items;
  iface->get_item = osp_plan_get_item;
}

/* -- GObject ---------------------------------------------------------------------------------- */

static void
osp_plan_finalize (GObject *object)
{
  OspPlan *self = OSP_PLAN (object);

  g_queue_clear_full (&self->undo, (GDestroyNotify) step_free);
  g_queue_clear_full (&self->redo, (GDestroyNotify) step_free);
  g_ptr_array_unref (self->models);
  g_clear_pointer (&self->plane_names, g_hash_table_unref);
  g_clear_pointer (&self->landmark_names, g_hash_table_unref);
  g_array_unref (self->planes);
  g_array_unref (self->landmarks);
  g_ptr_array_unref (self->operations);
  g_free (self->path);
  g_free (self->undo_label);
  g_free (self->redo_label);
  G_OBJECT_CLASS (osp_plan_parent_class)->finalize (object);
}

static void
osp_plan_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  OspPlan *self = OSP_PLAN (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, osp_plan_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, osp_plan_can_redo (self));
      break;
    case PROP_UNDO_LABEL:
      g_value_set_string (value, osp_plan_get_undo_label (self));
      break;
    case PROP_REDO_LABEL:
      g_value_set_string (value, osp_plan_get_redo_label (self));
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, osp_plan_get_modified (self));
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->models->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_plan_class_init (OspPlanClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = osp_plan_finalize;
  object_class->get_property = osp_plan_get_property;

  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNDO_LABEL] =
    g_param_spec_string ("undo-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REDO_LABEL] =
    g_param_spec_string ("redo-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* As GListStore has: handy for bindings ("no models yet"). */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PLANES_CHANGED] =
    g_signal_new ("planes-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_LANDMARKS_CHANGED] =
    g_signal_new ("landmarks-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_OPERATIONS_CHANGED] =
    g_signal_new ("operations-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  osp_plan_ct_class_init (object_class);
}

static void
osp_plan_init (OspPlan *self)
{
  guint64 available = osp_memory_available ();

  self->models = g_ptr_array_new_with_free_func (g_object_unref);
  self->planes = g_array_new (FALSE, FALSE, sizeof (NamedPlane));
  g_array_set_clear_func (self->planes, (GDestroyNotify) named_plane_clear);
  self->landmarks = g_array_new (FALSE, FALSE, sizeof (Landmark));
  g_array_set_clear_func (self->landmarks, (GDestroyNotify) landmark_clear);
  self->operations = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_queue_init (&self->undo);
  g_queue_init (&self->redo);
  self->budget = MAX ((guint64) 256 << 20, available / 4);
  self->clean_valid = TRUE;
}

OspPlan *
osp_plan_new (void)
{
  return g_object_new (OSP_TYPE_PLAN, NULL);
}

/* -- Contents --------------------------------------------------------------------------------- */

guint
osp_plan_get_n_models (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->models->len;
}

OspModel *
osp_plan_get_model (OspPlan *self,
                    guint    index)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < self->models->len, NULL);

  return self->models->pdata[index];
}

OspModel *
osp_plan_find_model (OspPlan    *self,
                     const char *name)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->models->len; i++)
    if (strcmp (osp_model_get_name (self->models->pdata[i]), name) == 0)
      return self->models->pdata[i];
  return NULL;
}

int
osp_plan_get_model_index (OspPlan  *self,
                          OspModel *model)
{
  guint index;

  g_return_val_if_fail (OSP_IS_PLAN (self), -1);

  if (model == NULL || !g_ptr_array_find (self->models, model, &index))
    return -1;
  return (int) index;
}

char *
osp_plan_make_unique_name (OspPlan    *self,
                           const char *base)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (base != NULL, NULL);

  if (osp_plan_find_model (self, base) == NULL)
    return g_strdup (base);
  for (guint k = 2; ; k++)
    {
      g_autofree char *name = g_strdup_printf ("%s %u", base, k);

      if (osp_plan_find_model (self, name) == NULL)
        return g_steal_pointer (&name);
    }
}

guint
osp_plan_get_n_planes (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->planes->len;
}

const char *
osp_plan_get_plane_name (OspPlan *self,
                         guint    index)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < self->planes->len, NULL);

  return g_array_index (self->planes, NamedPlane, index).name;
}

void
osp_plan_get_plane (OspPlan  *self,
                    guint     index,
                    OspPlane *out_plane)
{
  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (index < self->planes->len);
  g_return_if_fail (out_plane != NULL);

  *out_plane = g_array_index (self->planes, NamedPlane, index).plane;
}

/* -- Name look-ups over arrays whose elements start with their name (NamedPlane, Landmark) -- */

static const char *
element_name (GArray *array,
              guint   i)
{
  return *(char **) (gpointer) (array->data + (gsize) i * g_array_get_element_size (array));
}

static int
name_index_find (GHashTable **index,
                 GArray      *array,
                 const char  *name)
{
  if (*index == NULL)
    {
      *index = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < array->len; i++)
        if (!g_hash_table_contains (*index, element_name (array, i)))
          g_hash_table_insert (*index, (gpointer) element_name (array, i),
                               GUINT_TO_POINTER (i + 1));
    }
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (*index, name)) - 1;
}

/* After element i was inserted: appends stay cheap, anything else makes the index stale. */
static void
name_index_inserted (GHashTable **index,
                     GArray      *array,
                     guint        i)
{
  if (*index == NULL)
    return;
  if (i + 1 == array->len)
    {
      if (!g_hash_table_contains (*index, element_name (array, i)))
        g_hash_table_insert (*index, (gpointer) element_name (array, i), GUINT_TO_POINTER (i + 1));
    }
  else
    g_clear_pointer (index, g_hash_table_unref);
}

/* Before element i is removed (its name is about to be freed). */
static void
name_index_removing (GHashTable **index,
                     GArray      *array,
                     guint        i)
{
  if (*index == NULL)
    return;
  if (i + 1 == array->len)
    {
      if (GPOINTER_TO_UINT (g_hash_table_lookup (*index, element_name (array, i))) == i + 1)
        g_hash_table_remove (*index, element_name (array, i));
    }
  else
    g_clear_pointer (index, g_hash_table_unref);
}

int
osp_plan_find_plane (OspPlan    *self,
                     const char *name)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  return name_index_find (&self->plane_names, self->planes, name);
}

guint
osp_plan_get_n_landmarks (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->landmarks->len;
}

const char *
osp_plan_get_landmark_name (OspPlan *self,
                            guint    index)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < self->landmarks->len, NULL);

  return g_array_index (self->landmarks, Landmark, index).name;
}

void
osp_plan_get_landmark (OspPlan *self,
                       guint    index,
                       float   *out_position)
{
  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (index < self->landmarks->len);
  g_return_if_fail (out_position != NULL);

  memcpy (out_position, g_array_index (self->landmarks, Landmark, index).position,
          3 * sizeof (float));
}

int
osp_plan_find_landmark (OspPlan    *self,
                        const char *name)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  return name_index_find (&self->landmark_names, self->landmarks, name);
}

guint
osp_plan_get_n_operations (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->operations->len;
}

JsonObject *
osp_plan_get_operation (OspPlan *self,
                        guint    index)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < self->operations->len, NULL);

  return self->operations->pdata[index];
}

/* -- Raw changes ------------------------------------------------------------------------------ */

void
osp_plan_insert_model_raw (OspPlan  *self,
                           guint     index,
                           OspModel *model)
{
  g_return_if_fail (index <= self->models->len);

  g_ptr_array_insert (self->models, (int) index, g_object_ref (model));
  g_list_model_items_changed (G_LIST_MODEL (self), index, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

void
osp_plan_remove_model_raw (OspPlan *self,
                           guint    index)
{
  g_return_if_fail (index < self->models->len);

  g_ptr_array_remove_index (self->models, index);
  g_list_model_items_changed (G_LIST_MODEL (self), index, 1, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

void
osp_plan_insert_plane_raw (OspPlan        *self,
                           guint           index,
                           const char     *name,
                           const OspPlane *plane)
{
  NamedPlane named = { g_strdup (name), *plane };

  g_return_if_fail (index <= self->planes->len);

  g_array_insert_val (self->planes, index, named);
  name_index_inserted (&self->plane_names, self->planes, index);
  g_signal_emit (self, signals[SIGNAL_PLANES_CHANGED], 0);
}

void
osp_plan_remove_plane_raw (OspPlan *self,
                           guint    index)
{
  g_return_if_fail (index < self->planes->len);

  name_index_removing (&self->plane_names, self->planes, index);
  g_array_remove_index (self->planes, index);
  g_signal_emit (self, signals[SIGNAL_PLANES_CHANGED], 0);
}

void
osp_plan_set_plane_raw (OspPlan        *self,
                        guint           index,
                        const OspPlane *plane)
{
  g_return_if_fail (index < self->planes->len);

  g_array_index (self->planes, NamedPlane, index).plane = *plane;
  g_signal_emit (self, signals[SIGNAL_PLANES_CHANGED], 0);
}

void
osp_plan_insert_landmark_raw (OspPlan     *self,
                              guint        index,
                              const char  *name,
                              const float *position)
{
  Landmark landmark = { g_strdup (name), { position[0], position[1], position[2] } };

  g_return_if_fail (index <= self->landmarks->len);

  g_array_insert_val (self->landmarks, index, landmark);
  name_index_inserted (&self->landmark_names, self->landmarks, index);
  g_signal_emit (self, signals[SIGNAL_LANDMARKS_CHANGED], 0);
}

void
osp_plan_remove_landmark_raw (OspPlan *self,
                              guint    index)
{
  g_return_if_fail (index < self->landmarks->len);

  name_index_removing (&self->landmark_names, self->landmarks, index);
  g_array_remove_index (self->landmarks, index);
  g_signal_emit (self, signals[SIGNAL_LANDMARKS_CHANGED], 0);
}

void
osp_plan_set_landmark_raw (OspPlan     *self,
                           guint        index,
                           const float *position)
{
  g_return_if_fail (index < self->landmarks->len);

  memcpy (g_array_index (self->landmarks, Landmark, index).position, position,
          3 * sizeof (float));
  g_signal_emit (self, signals[SIGNAL_LANDMARKS_CHANGED], 0);
}

void
osp_plan_append_operation_raw (OspPlan    *self,
                               JsonObject *operation)
{
  g_ptr_array_add (self->operations, json_object_ref (operation));
  g_signal_emit (self, signals[SIGNAL_OPERATIONS_CHANGED], 0);
}

static void
notify_history (OspPlan *self)
{
  GObject *object = G_OBJECT (self);

  g_clear_pointer (&self->undo_label, g_free);
  g_clear_pointer (&self->redo_label, g_free);
  g_object_freeze_notify (object);
  g_object_notify_by_pspec (object, properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (object, properties[PROP_CAN_REDO]);
  g_object_notify_by_pspec (object, properties[PROP_UNDO_LABEL]);
  g_object_notify_by_pspec (object, properties[PROP_REDO_LABEL]);
  g_object_notify_by_pspec (object, properties[PROP_MODIFIED]);
  g_object_thaw_notify (object);
}

OspCommand *
osp_plan_get_top_command (OspPlan *self)
{
  Step *top = g_queue_peek_head (&self->undo);

  return top != NULL ? top->command : NULL;
}

static gboolean
history_holds (OspPlan    *self,
               OspCommand *command)
{
  for (guint q = 0; q < 2; q++)
    for (GList *l = (q == 0 ? self->undo.head : self->redo.head); l != NULL; l = l->next)
      if (((Step *) l->data)->command == command)
        return TRUE;
  return FALSE;
}

void
osp_plan_set_saved (OspPlan    *self,
                    const char *path)
{
  osp_plan_set_saved_at (self, path, osp_plan_get_top_command (self));
}

void
osp_plan_set_saved_at (OspPlan    *self,
                       const char *path,
                       OspCommand *top)
{
  /* The saved state may have left the history meanwhile (dropped, or undone and replaced). */
  self->clean_top = top;
  self->clean_valid = top == NULL || history_holds (self, top);
  if (path != NULL && g_strcmp0 (path, self->path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

gboolean
osp_plan_get_modified (OspPlan *self)
{
  Step *top;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);

  top = g_queue_peek_head (&self->undo);
  return !self->clean_valid || (top != NULL ? top->command : NULL) != self->clean_top;
}

const char *
osp_plan_get_path (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);

  return self->path;
}

/* -- History ---------------------------------------------------------------------------------- */

static void
pop_records (OspPlan *self,
             guint    n)
{
  g_assert (n <= self->operations->len);

  if (n == 0)
    return;
  g_ptr_array_remove_range (self->operations, self->operations->len - n, n);
  g_signal_emit (self, signals[SIGNAL_OPERATIONS_CHANGED], 0);
}

static guint
push_records (OspPlan    *self,
              OspCommand *command)
{
  guint before = self->operations->len;

  osp_command_record (command, self->operations);
  if (self->operations->len != before)
    g_signal_emit (self, signals[SIGNAL_OPERATIONS_CHANGED], 0);
  return self->operations->len - before;
}

/* The meshes the command holds, counted as if none were shared. */
static guint64
command_mesh_bytes (OspCommand *command)
{
  g_autoptr(GPtrArray) meshes = g_ptr_array_new ();
  guint64 bytes = 0;

  osp_command_collect_meshes (command, meshes);
  for (guint i = 0; i < meshes->len; i++)
    bytes += (guint64) osp_mesh_get_n_vertices (meshes->pdata[i]) * 3 * sizeof (float) +
             (guint64) osp_mesh_get_n_triangles (meshes->pdata[i]) * 3 * sizeof (guint32);
  return bytes;
}

/* After the command was applied or reverted (what it holds may change). */
static void
refresh_mesh_bytes (OspPlan *self,
                    Step    *step)
{
  self->history_bound -= step->mesh_bytes;
  step->mesh_bytes = command_mesh_bytes (step->command);
  self->history_bound += step->mesh_bytes;
}

static void
clear_redo (OspPlan *self)
{
  /* The saved state can no longer be reached when it lies in the redo stack. */
  for (GList *l = self->redo.head; l != NULL; l = l->next)
    {
      if (((Step *) l->data)->command == self->clean_top)
        self->clean_valid = FALSE;
      self->history_bound -= ((Step *) l->data)->mesh_bytes;
    }
  g_queue_clear_full (&self->redo, (GDestroyNotify) step_free);
}

guint64
osp_plan_get_history_bytes (OspPlan *self)
{
  g_autoptr(GHashTable) live = NULL;
  g_autoptr(GHashTable) counted = NULL;
  g_autoptr(GPtrArray) meshes = NULL;
  guint64 bytes = 0;

  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  live = g_hash_table_new (NULL, NULL);
  counted = g_hash_table_new (NULL, NULL);
  meshes = g_ptr_array_new ();
  for (guint i = 0; i < self->models->len; i++)
    g_hash_table_add (live, osp_model_get_mesh (self->models->pdata[i]));
  for (guint q = 0; q < 2; q++)
    for (GList *l = (q == 0 ? self->undo.head : self->redo.head); l != NULL; l = l->next)
      osp_command_collect_meshes (((Step *) l->data)->command, meshes);
  for (guint i = 0; i < meshes->len; i++)
    {
      OspMesh *mesh = meshes->pdata[i];

      if (g_hash_table_contains (live, mesh) || !g_hash_table_add (counted, mesh))
        continue;
      bytes += (guint64) osp_mesh_get_n_vertices (mesh) * 3 * sizeof (float) +
               (guint64) osp_mesh_get_n_triangles (mesh) * 3 * sizeof (guint32);
    }
  return bytes;
}

/* Drops the oldest steps (then the farthest redo steps) while the history is over budget. */
static void
enforce_budget (OspPlan *self)
{
  /* Counting the history walks every step: skip it while even the bound fits (steps without
   * meshes — landmarks, planes, transforms — keep a long replay linear). */
  if (self->history_bound <= self->budget)
    return;
  while (self->undo.length + self->redo.length > 0 &&
         osp_plan_get_history_bytes (self) > self->budget)
    {
      Step *step;

      if (self->undo.length > 0)
        {
          step = g_queue_pop_tail (&self->undo);
          /* The state before the dropped step is gone; the state after it is the bottom. */
          if (self->clean_top == NULL)
            self->clean_valid = FALSE;
          else if (self->clean_top == step->command)
            self->clean_top = NULL;
        }
      else
        {
          step = g_queue_pop_tail (&self->redo);
          if (self->clean_top == step->command)
            self->clean_valid = FALSE;
        }
      self->history_bound -= step->mesh_bytes;
      step_free (step);
    }
}

gboolean
osp_plan_execute (OspPlan     *self,
                  OspCommand  *command,
                  GError     **error)
{
  Step *top;
  Step *step;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (command != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!osp_command_apply (command, self, error))
    return FALSE;
  clear_redo (self);

  top = g_queue_peek_head (&self->undo);
  if (self->merge_open && top != NULL && osp_command_try_merge (top->command, command))
    {
      if (top->command == self->clean_top)
        self->clean_valid = FALSE;
      pop_records (self, top->n_records);
      top->n_records = push_records (self, top->command);
      refresh_mesh_bytes (self, top);
    }
  else
    {
      step = g_new0 (Step, 1);
      step->command = osp_command_ref (command);
      step->n_records = push_records (self, command);
      step->mesh_bytes = command_mesh_bytes (command);
      self->history_bound += step->mesh_bytes;
      g_queue_push_head (&self->undo, step);
    }
  self->merge_open = TRUE;
  enforce_budget (self);
  notify_history (self);
  return TRUE;
}

gboolean
osp_plan_undo (OspPlan *self)
{
  Step *step;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);

  step = g_queue_pop_head (&self->undo);
  if (step == NULL)
    return FALSE;
  osp_command_revert (step->command, self);
  pop_records (self, step->n_records);
  refresh_mesh_bytes (self, step);
  g_queue_push_head (&self->redo, step);
  self->merge_open = FALSE;
  notify_history (self);
  return TRUE;
}

gboolean
osp_plan_redo (OspPlan *self)
{
  g_autoptr(GError) error = NULL;
  Step *step;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);

  step = g_queue_pop_head (&self->redo);
  if (step == NULL)
    return FALSE;
  /* The plan is as the command left it when undone, so applying again cannot fail. */
  if (!osp_command_apply (step->command, self, &error))
    {
      g_critical ("Redo of “%s” failed: %s", osp_command_get_label (step->command),
                  error->message);
      self->history_bound -= step->mesh_bytes;
      step_free (step);
      clear_redo (self);
      notify_history (self);
      return FALSE;
    }
  step->n_records = push_records (self, step->command);
  refresh_mesh_bytes (self, step);
  g_queue_push_head (&self->undo, step);
  self->merge_open = FALSE;
  notify_history (self);
  return TRUE;
}

gboolean
osp_plan_can_undo (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);

  return self->undo.length > 0;
}

gboolean
osp_plan_can_redo (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);

  return self->redo.length > 0;
}

const char *
osp_plan_get_undo_label (OspPlan *self)
{
  Step *step;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);

  step = g_queue_peek_head (&self->undo);
  if (step == NULL)
    return _("Undo");
  if (self->undo_label == NULL)
    /* TRANSLATORS: a menu item, "Undo Cut Ilium" */
    self->undo_label = g_strdup_printf (_("Undo %s"), osp_command_get_label (step->command));
  return self->undo_label;
}

const char *
osp_plan_get_redo_label (OspPlan *self)
{
  Step *step;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);

  step = g_queue_peek_head (&self->redo);
  if (step == NULL)
    return _("Redo");
  if (self->redo_label == NULL)
    /* TRANSLATORS: a menu item, "Redo Cut Ilium" */
    self->redo_label = g_strdup_printf (_("Redo %s"), osp_command_get_label (step->command));
  return self->redo_label;
}

guint
osp_plan_get_n_undo (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->undo.length;
}

guint
osp_plan_get_n_redo (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->redo.length;
}

void
osp_plan_seal_undo (OspPlan *self)
{
  g_return_if_fail (OSP_IS_PLAN (self));

  self->merge_open = FALSE;
}

void
osp_plan_clear_history (OspPlan *self)
{
  g_return_if_fail (OSP_IS_PLAN (self));

  if (osp_plan_get_modified (self))
    self->clean_valid = FALSE;
  else
    self->clean_top = NULL;
  g_queue_clear_full (&self->undo, (GDestroyNotify) step_free);
  g_queue_clear_full (&self->redo, (GDestroyNotify) step_free);
  self->history_bound = 0;
  self->merge_open = FALSE;
  notify_history (self);
}

void
osp_plan_set_history_budget (OspPlan *self,
                             guint64  bytes)
{
  g_return_if_fail (OSP_IS_PLAN (self));

  self->budget = bytes;
  enforce_budget (self);
  notify_history (self);
}

guint64
osp_plan_get_history_budget (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return self->budget;
}

/* -- Dump ------------------------------------------------------------------------------------- */

static guint64
fnv1a (guint64      hash,
       const void  *data,
       gsize        len)
{
  const guint8 *p = data;

  for (gsize i = 0; i < len; i++)
    hash = (hash ^ p[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  return hash;
}

char *
osp_plan_dump (OspPlan *self)
{
  GString *out;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < self->models->len; i++)
    {
      OspModel *model = self->models->pdata[i];
      OspMesh *mesh = osp_model_get_mesh (model);
      guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);
      float m[16];

      hash = fnv1a (hash, osp_mesh_get_positions (mesh),
                    (gsize) osp_mesh_get_n_vertices (mesh) * 3 * sizeof (float));
      hash = fnv1a (hash, osp_mesh_get_indices (mesh),
                    (gsize) osp_mesh_get_n_triangles (mesh) * 3 * sizeof (guint32));
      osp_model_get_transform (model, m);
      g_string_append_printf (out, "model %u \"%s\" role=%s color=#%06x opacity=%.17g "
                              "visible=%d mesh=%u/%u/%016" G_GINT64_MODIFIER "x transform=",
                              i, osp_model_get_name (model),
                              osp_plan_role_to_string (osp_model_get_role (model)),
                              osp_model_get_color (model), osp_model_get_opacity (model),
                              osp_model_get_visible (model), osp_mesh_get_n_vertices (mesh),
                              osp_mesh_get_n_triangles (mesh), hash);
      for (guint k = 0; k < 16; k++)
        g_string_append_printf (out, "%s%a", k ? "," : "", (double) m[k]);
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; i < self->planes->len; i++)
    {
      NamedPlane *p = &g_array_index (self->planes, NamedPlane, i);

      g_string_append_printf (out, "plane %u \"%s\" %a %a %a %a\n", i, p->name,
                              (double) p->plane.normal[0], (double) p->plane.normal[1],
                              (double) p->plane.normal[2], (double) p->plane.d);
    }
  for (guint i = 0; i < self->landmarks->len; i++)
    {
      Landmark *l = &g_array_index (self->landmarks, Landmark, i);

      g_string_append_printf (out, "landmark %u \"%s\" %a %a %a\n", i, l->name,
                              (double) l->position[0], (double) l->position[1],
                              (double) l->position[2]);
    }
  for (guint i = 0; i < self->operations->len; i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, self->operations->pdata[i]);
      text = json_to_string (node, FALSE);
      g_string_append_printf (out, "operation %u %s\n", i, text);
    }
  osp_plan_ct_dump (self, out);
  return g_string_free (out, FALSE);
}

/* -- Helpers ---------------------------------------------------------------------------------- */

char *
osp_plan_color_to_string (guint32 rgb)
{
  return g_strdup_printf ("#%06x", rgb & 0xffffffu);
}

gboolean
osp_plan_color_from_string (const char *text,
                            guint32    *out_rgb)
{
  guint32 value = 0;

  if (text == NULL || text[0] != '#' || strlen (text) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0)
        return FALSE;
      value = value << 4 | (guint32) digit;
    }
  *out_rgb = value;
  return TRUE;
}

const char *
osp_plan_role_to_string (OspModelRole role)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OSP_TYPE_MODEL_ROLE);
  GEnumValue *value = g_enum_get_value (klass, role);

  return value != NULL ? value->value_nick : "bone";
}

gboolean
osp_plan_role_from_string (const char   *text,
                           OspModelRole *out_role)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OSP_TYPE_MODEL_ROLE);
  GEnumValue *value;

  if (text == NULL)
    return FALSE;
  value = g_enum_get_value_by_nick (klass, text);
  if (value == NULL)
    return FALSE;
  *out_role = value->value;
  return TRUE;
}
