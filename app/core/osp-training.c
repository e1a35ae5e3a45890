/* osp-training.c — training mode: steps, checks, instructor notes, the case
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "osp-error.h"
#include "osp-json.h"
#include "osp-measure.h"
#include "osp-phantom.h"
#include "osp-plan-private.h"
#include "osp-segment.h"
#include "osp-training.h"

/* The notes live on the plan like its measurements, so they follow it through save and open. */
#define NOTES_KEY "osp-training-notes"
#define TRAINING_FORMAT_VERSION 1
/* A note is prose for a trainee: anything longer is not ours. */
#define MAX_NOTE_BYTES (64 * 1024)

typedef struct
{
  char *notes[OSP_TRAINING_N_STEPS];
} Notes;

static const struct
{
  const char *key;
  const char *title;
  const char *instructions;
} steps[OSP_TRAINING_N_STEPS] = {
  { "open", N_("Open a Case"),
    N_("Open the patient's CT (a DICOM folder or a NIfTI file) or bone meshes. In this course "
       "the case is already open: a pelvis with a tumour-like defect of one ilium and "
       "acetabulum. Find the Pelvis model in the list.") },
  { "look", N_("Look"),
    N_("Orbit with the left mouse button, pan with the middle button and zoom with the wheel, "
       "or pick a standard view (anterior, left, superior…). Find the defect and judge how far "
       "it reaches into the acetabulum.") },
  { "cut", N_("Cut"),
    N_("Open the Cut tool, place one or more planes around the diseased bone with the gizmo or "
       "by picking three points, check the preview and apply the cut. The bone splits into "
       "closed pieces you can keep, hide or remove.") },
  { "mirror", N_("Mirror"),
    N_("Open the Mirror tool and estimate the midsagittal plane. Then mirror the healthy side "
       "onto the defect side and register it to the remaining bone: the result is the "
       "template of the missing part.") },
  { "implant", N_("Implant"),
    N_("Add an implant from the library or import one, and place it against the bone with the "
       "gizmo or by snapping to the surface. Check the fit colour map for penetration.") },
  { "measure", N_("Measure"),
    N_("Place landmarks on the bone and measure a distance, an angle or the volume of a piece, "
       "for example the size of the defect the implant has to fill.") },
  { "export", N_("Export"),
    N_("Export the implant and the template for printing (STL or 3MF, in millimetres) after "
       "the print-readiness check.") },
  { "save", N_("Save"),
    N_("Save the plan as a .osteoplan file: it keeps the models and every operation, so the "
       "instructor can review and replay your work.") },
};

const char *
osp_training_step_get_title (OspTrainingStep step)
{
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, NULL);
  return _(steps[step].title);
}

const char *
osp_training_step_get_instructions (OspTrainingStep step)
{
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, NULL);
  return _(steps[step].instructions);
}

const char *
osp_training_step_to_string (OspTrainingStep step)
{
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, NULL);
  return steps[step].key;
}

gboolean
osp_training_step_from_string (const char      *text,
                               OspTrainingStep *out_step)
{
  g_return_val_if_fail (out_step != NULL, FALSE);

  for (guint i = 0; text != NULL && i < OSP_TRAINING_N_STEPS; i++)
    if (strcmp (text, steps[i].key) == 0)
      {
        *out_step = i;
        return TRUE;
      }
  return FALSE;
}

/* -- Checks --------------------------------------------------------------------------------- */

static gboolean
plan_has_role (OspPlan      *plan,
               OspModelRole  role)
{
  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    if (osp_model_get_role (osp_plan_get_model (plan, i)) == role)
      return TRUE;
  return FALSE;
}

static gboolean
plan_has_operation (OspPlan    *plan,
                    const char *op)
{
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      JsonObject *operation = osp_plan_get_operation (plan, i);
      JsonNode *node = json_object_get_member (operation, "op");

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), op) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
plan_has_midsagittal_plane (OspPlan *plan)
{
  for (guint i = 0; i < osp_plan_get_n_planes (plan); i++)
    {
      g_autofree char *name = g_utf8_casefold (osp_plan_get_plane_name (plan, i), -1);

      if (strstr (name, "midsagittal") != NULL || strstr (name, "symmetry") != NULL)
        return TRUE;
    }
  return FALSE;
}

gboolean
osp_training_check_plan (OspPlan         *plan,
                         OspTrainingStep  step)
{
  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, FALSE);

  switch (step)
    {
    case OSP_TRAINING_STEP_OPEN:
      for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
        if (osp_mesh_get_n_triangles (osp_model_get_mesh (osp_plan_get_model (plan, i))) > 0)
          return TRUE;
      return FALSE;
    case OSP_TRAINING_STEP_LOOK:
      return FALSE;
    case OSP_TRAINING_STEP_CUT:
      return plan_has_operation (plan, "cut") || plan_has_role (plan, OSP_MODEL_ROLE_PIECE);
    case OSP_TRAINING_STEP_MIRROR:
      return plan_has_midsagittal_plane (plan) || plan_has_operation (plan, "mirror") ||
             plan_has_role (plan, OSP_MODEL_ROLE_TEMPLATE);
    case OSP_TRAINING_STEP_IMPLANT:
      return plan_has_role (plan, OSP_MODEL_ROLE_IMPLANT);
    case OSP_TRAINING_STEP_MEASURE:
      return osp_plan_get_n_landmarks (plan) > 0 || osp_measure_get_n (plan) > 0;
    case OSP_TRAINING_STEP_EXPORT:
      return plan_has_operation (plan, "export");
    case OSP_TRAINING_STEP_SAVE:
      /* Opening a course also gives a path and an unmodified plan: only work since counts. */
      return osp_plan_get_path (plan) != NULL && !osp_plan_get_modified (plan) &&
             osp_plan_get_n_undo (plan) > 0;
    case OSP_TRAINING_N_STEPS:
    default:
      g_return_val_if_reached (FALSE);
    }
}

/* -- Notes ---------------------------------------------------------------------------------- */

static void
notes_free (Notes *notes)
{
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    g_free (notes->notes[i]);
  g_free (notes);
}

static Notes *
get_notes (OspPlan  *plan,
           gboolean  create)
{
  Notes *notes = g_object_get_data (G_OBJECT (plan), NOTES_KEY);

  if (notes == NULL && create)
    {
      notes = g_new0 (Notes, 1);
      g_object_set_data_full (G_OBJECT (plan), NOTES_KEY, notes, (GDestroyNotify) notes_free);
    }
  return notes;
}

const char *
osp_training_get_note (OspPlan         *plan,
                       OspTrainingStep  step)
{
  Notes *notes;

  g_return_val_if_fail (OSP_IS_PLAN (plan), NULL);
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, NULL);

  notes = get_notes (plan, FALSE);
  return notes != NULL ? notes->notes[step] : NULL;
}

void
osp_training_set_note (OspPlan         *plan,
                       OspTrainingStep  step,
                       const char      *note)
{
  Notes *notes;

  g_return_if_fail (OSP_IS_PLAN (plan));
  g_return_if_fail (step < OSP_TRAINING_N_STEPS);
  g_return_if_fail (note == NULL || g_utf8_validate (note, -1, NULL));

  notes = get_notes (plan, TRUE);
  g_free (notes->notes[step]);
  notes->notes[step] = note != NULL && note[0] != '\0' ? g_strdup (note) : NULL;
}

gboolean
osp_training_is_course (OspPlan *plan)
{
  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  return get_notes (plan, FALSE) != NULL;
}

void
osp_training_mark_course (OspPlan *plan)
{
  g_return_if_fail (OSP_IS_PLAN (plan));
  get_notes (plan, TRUE);
}

JsonObject *
osp_training_to_json (OspPlan *plan)
{
  Notes *notes;
  JsonObject *object, *members;

  g_return_val_if_fail (OSP_IS_PLAN (plan), NULL);

  notes = get_notes (plan, FALSE);
  if (notes == NULL)
    return NULL;
  object = json_object_new ();
  members = json_object_new ();
  json_object_set_int_member (object, "version", TRAINING_FORMAT_VERSION);
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    if (notes->notes[i] != NULL)
      json_object_set_string_member (members, steps[i].key, notes->notes[i]);
  json_object_set_object_member (object, "notes", members);
  return object;
}

gboolean
osp_training_from_json (OspPlan     *plan,
                        JsonObject  *object,
                        const char  *where,
                        GError     **error)
{
  char *texts[OSP_TRAINING_N_STEPS] = { NULL };
  JsonNode *node;
  gboolean ok = FALSE;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (object != NULL && where != NULL, FALSE);

  /* A newer course version may add members: the notes are still read. */
  if (!osp_json_get_member (object, "notes", JSON_TYPE_OBJECT, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      JsonObject *members = json_node_get_object (node);

      for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
        {
          JsonNode *text;
          const char *value;

          if (!osp_json_get_member (members, steps[i].key, G_TYPE_STRING, FALSE, &text, where,
                                    error))
            goto out;
          if (text == NULL)
            continue;
          value = json_node_get_string (text);
          if (strlen (value) > MAX_NOTE_BYTES || !g_utf8_validate (value, -1, NULL))
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: the training note of step “%s” is too long or not text"),
                           where, steps[i].key);
              goto out;
            }
          texts[i] = g_strdup (value);
        }
    }

  osp_training_mark_course (plan);
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    osp_training_set_note (plan, i, texts[i]);
  ok = TRUE;

out:
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    g_free (texts[i]);
  return ok;
}

/* -- The case ------------------------------------------------------------------------------- */

OspPlan *
osp_training_new_case (double                  voxel_mm,
                       const OspProgressRange *progress,
                       GCancellable           *cancellable,
                       GError                **error)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspSegmentOptions segment = OSP_SEGMENT_OPTIONS_INIT;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(OspPlan) plan = NULL;
  OspProgressRange sub;

  g_return_val_if_fail (voxel_mm == 0.0 || (voxel_mm >= 0.25 && voxel_mm <= 4.0), NULL);

  options.defect = TRUE;
  options.voxel_mm = voxel_mm > 0.0 ? voxel_mm : 1.0;
  volume = osp_phantom_generate (&options, NULL, cancellable, error);
  if (volume == NULL)
    return NULL;
  osp_progress_report (progress, 0.4);

  /* A few smoothing passes: the staircase of the voxels distracts on a teaching case. */
  segment.smooth_iterations = 5;
  sub = osp_progress_sub (progress, 0.4, 0.6);
  mesh = osp_segment_volume (volume, &segment, &sub, cancellable, NULL, error);
  if (mesh == NULL)
    return NULL;

  plan = osp_plan_new ();
  model = osp_model_new (_("Pelvis"), mesh, OSP_MODEL_ROLE_BONE);
  command = osp_command_new_add_model (model, -1, NULL);
  if (!osp_plan_execute (plan, command, error))
    return NULL;
  /* The trainee starts from a clean case: nothing to undo, nothing to save yet. */
  osp_plan_clear_history (plan);
  osp_plan_set_saved (plan, NULL);
  osp_training_mark_course (plan);
  return g_steal_pointer (&plan);
}

static void
new_case_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  double voxel_mm = *(double *) task_data;
  GError *error = NULL;
  OspPlan *plan = osp_training_new_case (voxel_mm, NULL, cancellable, &error);

  if (plan == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, plan, g_object_unref);
}

void
osp_training_new_case_async (double               voxel_mm,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, osp_training_new_case_async);
  g_task_set_task_data (task, g_memdup2 (&voxel_mm, sizeof voxel_mm), g_free);
  g_task_run_in_thread (task, new_case_thread);
}

OspPlan *
osp_training_new_case_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* -- OspTraining ---------------------------------------------------------------------------- */

struct _OspTraining
{
  GObject          parent_instance;

  OspPlan         *plan;
  OspTrainingStep  current;
  gboolean         reported[OSP_TRAINING_N_STEPS];
};

G_DEFINE_FINAL_TYPE (OspTraining, osp_training, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PLAN,
  PROP_CURRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (OspTraining *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
disconnect_plan (OspTraining *self)
{
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  g_clear_object (&self->plan);
}

static void
osp_training_dispose (GObject *object)
{
  disconnect_plan (OSP_TRAINING (object));
  G_OBJECT_CLASS (osp_training_parent_class)->dispose (object);
}

static void
osp_training_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OspTraining *self = OSP_TRAINING (object);

  switch (prop_id)
    {
    case PROP_PLAN:
      g_value_set_object (value, self->plan);
      break;
    case PROP_CURRENT:
      g_value_set_uint (value, self->current);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_training_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  OspTraining *self = OSP_TRAINING (object);

  switch (prop_id)
    {
    case PROP_PLAN:
      osp_training_set_plan (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_training_class_init (OspTrainingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osp_training_dispose;
  object_class->get_property = osp_training_get_property;
  object_class->set_property = osp_training_set_property;

  properties[PROP_PLAN] =
    g_param_spec_object ("plan", NULL, NULL, OSP_TYPE_PLAN,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT] =
    g_param_spec_uint ("current", NULL, NULL, 0, OSP_TRAINING_N_STEPS, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
osp_training_init (OspTraining *self)
{
}

OspTraining *
osp_training_new (OspPlan *plan)
{
  g_return_val_if_fail (plan == NULL || OSP_IS_PLAN (plan), NULL);
  return g_object_new (OSP_TYPE_TRAINING, "plan", plan, NULL);
}

OspPlan *
osp_training_get_plan (OspTraining *self)
{
  g_return_val_if_fail (OSP_IS_TRAINING (self), NULL);
  return self->plan;
}

static void
on_plan_changed (OspTraining *self)
{
  emit_changed (self);
}

static void
on_items_changed (GListModel  *list,
                  guint        position,
                  guint        removed,
                  guint        added,
                  OspTraining *self)
{
  emit_changed (self);
}

void
osp_training_set_plan (OspTraining *self,
                       OspPlan     *plan)
{
  g_return_if_fail (OSP_IS_TRAINING (self));
  g_return_if_fail (plan == NULL || OSP_IS_PLAN (plan));

  if (plan != self->plan)
    {
      disconnect_plan (self);
      if (plan != NULL)
        {
          self->plan = g_object_ref (plan);
          g_signal_connect (plan, "items-changed", G_CALLBACK (on_items_changed), self);
          /* Roles change through commands, which record operations; saves flip "modified". */
          g_signal_connect_swapped (plan, "planes-changed", G_CALLBACK (on_plan_changed), self);
          g_signal_connect_swapped (plan, "landmarks-changed", G_CALLBACK (on_plan_changed),
                                    self);
          g_signal_connect_swapped (plan, "operations-changed", G_CALLBACK (on_plan_changed),
                                    self);
          g_signal_connect_swapped (plan, "notify::modified", G_CALLBACK (on_plan_changed), self);
          g_signal_connect_swapped (plan, "notify::path", G_CALLBACK (on_plan_changed), self);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAN]);
    }
  osp_training_restart (self);
}

void
osp_training_report (OspTraining     *self,
                     OspTrainingStep  step)
{
  g_return_if_fail (OSP_IS_TRAINING (self));
  g_return_if_fail (step < OSP_TRAINING_N_STEPS);

  if (!self->reported[step])
    {
      self->reported[step] = TRUE;
      emit_changed (self);
    }
}

gboolean
osp_training_is_done (OspTraining     *self,
                      OspTrainingStep  step)
{
  g_return_val_if_fail (OSP_IS_TRAINING (self), FALSE);
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, FALSE);

  if ((step == OSP_TRAINING_STEP_LOOK || step == OSP_TRAINING_STEP_EXPORT) &&
      self->reported[step])
    return TRUE;
  return self->plan != NULL && osp_training_check_plan (self->plan, step);
}

OspTrainingStep
osp_training_get_current (OspTraining *self)
{
  g_return_val_if_fail (OSP_IS_TRAINING (self), OSP_TRAINING_N_STEPS);
  return self->current;
}

gboolean
osp_training_next (OspTraining *self)
{
  g_return_val_if_fail (OSP_IS_TRAINING (self), FALSE);

  if (self->current >= OSP_TRAINING_N_STEPS || !osp_training_is_done (self, self->current))
    return FALSE;
  self->current++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
  emit_changed (self);
  return TRUE;
}

void
osp_training_restart (OspTraining *self)
{
  g_return_if_fail (OSP_IS_TRAINING (self));

  memset (self->reported, 0, sizeof self->reported);
  if (self->current != 0)
    {
      self->current = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT]);
    }
  emit_changed (self);
}
