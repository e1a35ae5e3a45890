/* osp-training.c — training mode: steps, checks, instructor notes, the case
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-json.h"
#include "osp-implant.h"
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
  float plane[4];   /* n (unit), d: n·x = d */
  float point[3];   /* where the offset is measured (on the plane, at the bone) */
} KeyPlane;

typedef struct
{
  float entry[3];
  float direction[3];
} KeyScrew;

/* The instructor's plan the trainee's work is checked against. */
typedef struct
{
  OspTrainingTolerances tolerances;
  GArray  *cut_planes;      /* KeyPlane */
  gboolean has_midsagittal;
  KeyPlane midsagittal;
  GArray  *screws;          /* KeyScrew */
  gboolean has_cup;
  float    cup_center[3];
  float    cup_axis[3];
} Key;

typedef struct
{
  char *notes[OSP_TRAINING_N_STEPS];
  Key  *key;
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

static gboolean key_check (OspPlan         *plan,
                           OspTrainingStep  step,
                           GString         *text);
static JsonObject *key_to_json (const Key *key);
static Key *key_from_json (JsonObject  *o,
                           const char  *where,
                           GError     **error);

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

  /* With the instructor's plan, a step is done when the work matches it, not when any work
   * is there. */
  if (osp_training_has_key (plan, step))
    {
      g_autoptr(GString) ignored = g_string_new (NULL);

      return key_check (plan, step, ignored);
    }
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
key_free (Key *key)
{
  if (key == NULL)
    return;
  g_array_unref (key->cut_planes);
  g_array_unref (key->screws);
  g_free (key);
}

static Key *
key_new (void)
{
  Key *key = g_new0 (Key, 1);

  osp_training_tolerances_init (&key->tolerances);
  key->cut_planes = g_array_new (FALSE, FALSE, sizeof (KeyPlane));
  key->screws = g_array_new (FALSE, FALSE, sizeof (KeyScrew));
  return key;
}

static void
notes_free (Notes *notes)
{
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    g_free (notes->notes[i]);
  key_free (notes->key);
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
  if (notes->key != NULL)
    json_object_set_object_member (object, "key", key_to_json (notes->key));
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
  Key *key = NULL;

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

  if (!osp_json_get_member (object, "key", JSON_TYPE_OBJECT, FALSE, &node, where, error))
    goto out;
  if (node != NULL)
    {
      key = key_from_json (json_node_get_object (node), where, error);
      if (key == NULL)
        goto out;
    }
  osp_training_mark_course (plan);
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    osp_training_set_note (plan, i, texts[i]);
  if (key != NULL)
    {
      Notes *notes = get_notes (plan, TRUE);

      key_free (notes->key);
      notes->key = g_steal_pointer (&key);
    }
  ok = TRUE;

out:
  for (guint i = 0; i < OSP_TRAINING_N_STEPS; i++)
    g_free (texts[i]);
  key_free (key);
  return ok;
}

/* -- The instructor's key ------------------------------------------------------------------- */

void
osp_training_tolerances_init (OspTrainingTolerances *t)
{
  g_return_if_fail (t != NULL);

  t->plane_angle_deg = 10;
  t->plane_offset_mm = 5;
  t->template_angle_deg = 5;
  t->template_offset_mm = 3;
  t->screw_entry_mm = 5;
  t->screw_angle_deg = 10;
  t->cup_center_mm = 5;
  t->cup_angle_deg = 5;
}

static double
dot3f (const float *a,
       const float *b)
{
  return (double) a[0] * b[0] + (double) a[1] * b[1] + (double) a[2] * b[2];
}

/* The middle of the bones (world), where a plane's offset is measured. */
static void
bones_center (OspPlan *plan,
              float   *out)
{
  double lo[3] = { INFINITY, INFINITY, INFINITY }, hi[3] = { -INFINITY, -INFINITY, -INFINITY };

  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      OspModel *model = osp_plan_get_model (plan, i);
      OspModelRole role = osp_model_get_role (model);
      OspBox box;
      float m[16];

      if (role == OSP_MODEL_ROLE_IMPLANT || role == OSP_MODEL_ROLE_TEMPLATE)
        continue;
      osp_mesh_get_bounds (osp_model_get_mesh (model), &box);
      osp_model_get_transform (model, m);
      for (int c = 0; c < 8; c++)
        {
          float local[3] = { c & 1 ? box.max[0] : box.min[0], c & 2 ? box.max[1] : box.min[1],
                             c & 4 ? box.max[2] : box.min[2] };

          for (int k = 0; k < 3; k++)
            {
              double w = m[k] * local[0] + m[4 + k] * local[1] + m[8 + k] * local[2] +
                         m[12 + k];

              lo[k] = MIN (lo[k], w);
              hi[k] = MAX (hi[k], w);
            }
        }
    }
  for (int k = 0; k < 3; k++)
    out[k] = isfinite (lo[k]) ? (float) ((lo[k] + hi[k]) / 2) : 0.0f;
}

static gboolean
unit_plane (const float *v,
            KeyPlane    *out)
{
  double len = sqrt (dot3f (v, v));

  if (!(len > 1e-9) || !isfinite (len) || !isfinite (v[3]))
    return FALSE;
  for (int k = 0; k < 3; k++)
    out->plane[k] = (float) (v[k] / len);
  out->plane[3] = (float) (v[3] / len);
  return TRUE;
}

/* The plane with its measuring point: the bones' middle projected onto it. */
static void
plane_point (KeyPlane    *plane,
             const float *center)
{
  double dist = dot3f (plane->plane, center) - plane->plane[3];

  for (int k = 0; k < 3; k++)
    plane->point[k] = (float) (center[k] - dist * plane->plane[k]);
}

/* The trainee's (or instructor's) cut planes: every plane of every "cut" operation. */
static GArray *
plan_cut_planes (OspPlan *plan)
{
  GArray *planes = g_array_new (FALSE, FALSE, sizeof (KeyPlane));

  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      JsonObject *op = osp_plan_get_operation (plan, i);
      JsonNode *kind = json_object_get_member (op, "op");
      JsonNode *list = json_object_get_member (op, "planes");

      if (kind == NULL || !JSON_NODE_HOLDS_VALUE (kind) ||
          json_node_get_value_type (kind) != G_TYPE_STRING ||
          g_strcmp0 (json_node_get_string (kind), "cut") != 0 ||
          list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        continue;
      for (guint j = 0; j < json_array_get_length (json_node_get_array (list)); j++)
        {
          float v[4];
          KeyPlane plane = { { 0 } };

          if (osp_json_get_floats (json_array_get_element (json_node_get_array (list), j), v, 4,
                                   "cut", "planes", NULL) &&
              unit_plane (v, &plane))
            g_array_append_val (planes, plane);
        }
    }
  return planes;
}

static gboolean
plan_midsagittal (OspPlan  *plan,
                  KeyPlane *out)
{
  for (guint i = 0; i < osp_plan_get_n_planes (plan); i++)
    {
      g_autofree char *name = g_utf8_casefold (osp_plan_get_plane_name (plan, i), -1);

      if (strstr (name, "midsagittal") != NULL || strstr (name, "symmetry") != NULL)
        {
          OspPlane p;
          float v[4];

          osp_plan_get_plane (plan, i, &p);
          v[0] = p.normal[0];
          v[1] = p.normal[1];
          v[2] = p.normal[2];
          v[3] = p.d;
          return unit_plane (v, out);
        }
    }
  return FALSE;
}

/* Screws and the first cup among the implant models: entry (or centre) and axis, world. */
static void
plan_implants (OspPlan  *plan,
               GArray   *screws,
               gboolean *out_has_cup,
               float    *cup_center,
               float    *cup_axis)
{
  *out_has_cup = FALSE;
  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      OspModel *model = osp_plan_get_model (plan, i);
      const OspImplantParams *params = osp_implant_get_params (model);
      float m[16];
      double len;

      if (params == NULL)
        continue;
      osp_model_get_transform (model, m);
      len = sqrt (dot3f (m + 8, m + 8));
      if (!(len > 0))
        continue;
      if (params->kind == OSP_IMPLANT_SCREW)
        {
          KeyScrew screw;

          for (int k = 0; k < 3; k++)
            {
              screw.entry[k] = m[12 + k];
              screw.direction[k] = (float) (m[8 + k] / len);
            }
          g_array_append_val (screws, screw);
        }
      else if (params->kind == OSP_IMPLANT_CUP && !*out_has_cup)
        {
          *out_has_cup = TRUE;
          for (int k = 0; k < 3; k++)
            {
              cup_center[k] = m[12 + k];
              cup_axis[k] = (float) (m[8 + k] / len);
            }
        }
    }
}

guint
osp_training_set_key_from_plan (OspPlan                     *plan,
                                const OspTrainingTolerances *tolerances)
{
  Notes *notes;
  Key *key;
  g_autoptr(GArray) cuts = NULL;
  float center[3];
  guint n = 0;

  g_return_val_if_fail (OSP_IS_PLAN (plan), 0);

  notes = get_notes (plan, TRUE);
  key_free (notes->key);
  key = notes->key = key_new ();
  if (tolerances != NULL)
    key->tolerances = *tolerances;
  bones_center (plan, center);
  cuts = plan_cut_planes (plan);
  for (guint i = 0; i < cuts->len; i++)
    {
      KeyPlane *plane = &g_array_index (cuts, KeyPlane, i);

      plane_point (plane, center);
      g_array_append_val (key->cut_planes, *plane);
    }
  key->has_midsagittal = plan_midsagittal (plan, &key->midsagittal);
  if (key->has_midsagittal)
    plane_point (&key->midsagittal, center);
  plan_implants (plan, key->screws, &key->has_cup, key->cup_center, key->cup_axis);
  n = (key->cut_planes->len > 0) + key->has_midsagittal +
      (key->screws->len > 0 || key->has_cup);
  return n;
}

void
osp_training_copy_key (OspPlan *to,
                       OspPlan *from)
{
  Notes *source, *dest;

  g_return_if_fail (OSP_IS_PLAN (to) && OSP_IS_PLAN (from));

  source = get_notes (from, FALSE);
  if (source == NULL || source->key == NULL)
    return;
  dest = get_notes (to, TRUE);
  key_free (dest->key);
  dest->key = key_new ();
  dest->key->tolerances = source->key->tolerances;
  g_array_append_vals (dest->key->cut_planes, source->key->cut_planes->data,
                       source->key->cut_planes->len);
  g_array_append_vals (dest->key->screws, source->key->screws->data, source->key->screws->len);
  dest->key->has_midsagittal = source->key->has_midsagittal;
  dest->key->midsagittal = source->key->midsagittal;
  dest->key->has_cup = source->key->has_cup;
  memcpy (dest->key->cup_center, source->key->cup_center, sizeof dest->key->cup_center);
  memcpy (dest->key->cup_axis, source->key->cup_axis, sizeof dest->key->cup_axis);
}

static Key *
get_key (OspPlan *plan)
{
  Notes *notes = get_notes (plan, FALSE);

  return notes != NULL ? notes->key : NULL;
}

gboolean
osp_training_has_key (OspPlan         *plan,
                      OspTrainingStep  step)
{
  Key *key;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);

  key = get_key (plan);
  if (key == NULL)
    return FALSE;
  switch (step)
    {
    case OSP_TRAINING_STEP_CUT:
      return key->cut_planes->len > 0;
    case OSP_TRAINING_STEP_MIRROR:
      return key->has_midsagittal;
    case OSP_TRAINING_STEP_IMPLANT:
      return key->screws->len > 0 || key->has_cup;
    default:
      return FALSE;
    }
}

gboolean
osp_training_get_tolerances (OspPlan               *plan,
                             OspTrainingTolerances *out)
{
  Key *key;

  g_return_val_if_fail (OSP_IS_PLAN (plan) && out != NULL, FALSE);

  key = get_key (plan);
  if (key == NULL)
    {
      osp_training_tolerances_init (out);
      return FALSE;
    }
  *out = key->tolerances;
  return TRUE;
}

void
osp_training_set_tolerances (OspPlan                     *plan,
                             const OspTrainingTolerances *tolerances)
{
  Key *key;

  g_return_if_fail (OSP_IS_PLAN (plan) && tolerances != NULL);

  key = get_key (plan);
  if (key != NULL)
    key->tolerances = *tolerances;
}

static double
angle_deg (const float *a,
           const float *b,
           gboolean     unsigned_axis)
{
  double c = dot3f (a, b) / sqrt (dot3f (a, a) * dot3f (b, b));

  if (unsigned_axis)
    c = fabs (c);
  return acos (CLAMP (c, -1.0, 1.0)) * 180 / G_PI;
}

/* The trainee's plane against the key's: angle between them, offset at the key's point. */
static void
compare_planes (const KeyPlane *key,
                const KeyPlane *mine,
                double         *out_angle,
                double         *out_offset)
{
  *out_angle = angle_deg (key->plane, mine->plane, TRUE);
  *out_offset = fabs (dot3f (mine->plane, key->point) - mine->plane[3]);
}

static double
distance3f (const float *a,
            const float *b)
{
  double d2 = 0;

  for (int k = 0; k < 3; k++)
    d2 += pow ((double) a[k] - b[k], 2);
  return sqrt (d2);
}

static void
add_line (GString    *text,
          const char *line)
{
  if (text->len > 0)
    g_string_append_c (text, '\n');
  g_string_append (text, line);
}

static gboolean
compare_cut (Key     *key,
             OspPlan *plan,
             GString *text)
{
  const OspTrainingTolerances *t = &key->tolerances;
  g_autoptr(GArray) mine = plan_cut_planes (plan);
  g_autofree gboolean *used = g_new0 (gboolean, mine->len + 1);
  gboolean pass = TRUE;

  if (mine->len == 0)
    {
      add_line (text, _("No cut yet."));
      return FALSE;
    }
  for (guint i = 0; i < key->cut_planes->len; i++)
    {
      const KeyPlane *k = &g_array_index (key->cut_planes, KeyPlane, i);
      double best_score = INFINITY, best_angle = 0, best_offset = 0;
      guint best = 0;
      g_autofree char *line = NULL;
      gboolean ok;

      for (guint j = 0; j < mine->len; j++)
        {
          double a, o, score;

          compare_planes (k, &g_array_index (mine, KeyPlane, j), &a, &o);
          score = a / t->plane_angle_deg + o / t->plane_offset_mm;
          if (score < best_score)
            {
              best_score = score;
              best = j;
              best_angle = a;
              best_offset = o;
            }
        }
      used[best] = TRUE;
      ok = best_angle <= t->plane_angle_deg && best_offset <= t->plane_offset_mm;
      pass &= ok;
      line = g_strdup_printf (ok ? _("Cut plane %u: %.1f° and %.1f mm from the instructor's "
                                     "(within %.0f° and %.1f mm).")
                                 : _("Cut plane %u: %.1f° and %.1f mm from the instructor's, "
                                     "more than %.0f° or %.1f mm: not accepted."),
                              i + 1, best_angle, best_offset, t->plane_angle_deg,
                              t->plane_offset_mm);
      add_line (text, line);
    }
  for (guint j = 0; j < mine->len; j++)
    if (!used[j])
      {
        g_autofree char *line =
          g_strdup_printf (_("Your cut plane %u is not in the instructor's plan."), j + 1);

        add_line (text, line);
        pass = FALSE;
      }
  return pass;
}

static gboolean
compare_mirror (Key     *key,
                OspPlan *plan,
                GString *text)
{
  const OspTrainingTolerances *t = &key->tolerances;
  KeyPlane mine;
  double a, o;
  gboolean ok;
  g_autofree char *line = NULL;

  if (!plan_midsagittal (plan, &mine))
    {
      add_line (text, _("No midsagittal plane yet: estimate it in the Mirror tool."));
      return FALSE;
    }
  compare_planes (&key->midsagittal, &mine, &a, &o);
  ok = a <= t->template_angle_deg && o <= t->template_offset_mm;
  line = g_strdup_printf (ok ? _("Midsagittal plane: %.1f° and %.1f mm from the instructor's "
                                 "(within %.0f° and %.1f mm).")
                             : _("Midsagittal plane: %.1f° and %.1f mm from the instructor's, "
                                 "more than %.0f° or %.1f mm: the template would be misplaced."),
                          a, o, t->template_angle_deg, t->template_offset_mm);
  add_line (text, line);
  return ok;
}

static gboolean
compare_implants (Key     *key,
                  OspPlan *plan,
                  GString *text)
{
  const OspTrainingTolerances *t = &key->tolerances;
  g_autoptr(GArray) screws = g_array_new (FALSE, FALSE, sizeof (KeyScrew));
  gboolean has_cup, pass = TRUE;
  float cup_center[3], cup_axis[3];

  plan_implants (plan, screws, &has_cup, cup_center, cup_axis);
  for (guint i = 0; i < key->screws->len; i++)
    {
      const KeyScrew *k = &g_array_index (key->screws, KeyScrew, i);
      double best_score = INFINITY, best_d = 0, best_a = 0;
      g_autofree char *line = NULL;
      gboolean ok;

      for (guint j = 0; j < screws->len; j++)
        {
          const KeyScrew *m = &g_array_index (screws, KeyScrew, j);
          double d = distance3f (k->entry, m->entry), a = angle_deg (k->direction, m->direction,
                                                                     FALSE);
          double score = d / t->screw_entry_mm + a / t->screw_angle_deg;

          if (score < best_score)
            {
              best_score = score;
              best_d = d;
              best_a = a;
            }
        }
      if (!isfinite (best_score))
        {
          line = g_strdup_printf (_("Screw %u of the instructor's plan is missing."), i + 1);
          ok = FALSE;
        }
      else
        {
          ok = best_d <= t->screw_entry_mm && best_a <= t->screw_angle_deg;
          line = g_strdup_printf (ok ? _("Screw %u: entry %.1f mm and direction %.1f° from the "
                                         "instructor's (within %.1f mm and %.0f°).")
                                     : _("Screw %u: entry %.1f mm and direction %.1f° from the "
                                         "instructor's, more than %.1f mm or %.0f°: not "
                                         "accepted."),
                                  i + 1, best_d, best_a, t->screw_entry_mm, t->screw_angle_deg);
        }
      pass &= ok;
      add_line (text, line);
    }
  if (key->has_cup)
    {
      g_autofree char *line = NULL;

      if (!has_cup)
        {
          line = g_strdup (_("The instructor's plan has an acetabular cup: place one."));
          pass = FALSE;
        }
      else
        {
          double d = distance3f (key->cup_center, cup_center);
          double a = angle_deg (key->cup_axis, cup_axis, FALSE);
          OspPelvicFrame frame;
          double center[3] = { cup_center[0], cup_center[1], cup_center[2] };
          double mine_axis[3] = { cup_axis[0], cup_axis[1], cup_axis[2] };
          double key_axis[3] = { key->cup_axis[0], key->cup_axis[1], key->cup_axis[2] };
          double ri, ra, kri, kra;
          float mid[3];
          double midline[3];
          gboolean left, ok = d <= t->cup_center_mm && a <= t->cup_angle_deg;

          bones_center (plan, mid);
          for (int k = 0; k < 3; k++)
            midline[k] = mid[k];
          osp_pelvic_frame_from_plan (plan, midline, &frame);
          left = osp_pelvic_frame_is_left (&frame, center);
          osp_cup_angles_from_axis (&frame, left, mine_axis, &ri, &ra);
          osp_cup_angles_from_axis (&frame, left, key_axis, &kri, &kra);
          line = g_strdup_printf (ok ? _("Cup: centre %.1f mm and axis %.1f° from the "
                                         "instructor's (within %.1f mm and %.0f°); inclination "
                                         "%.1f° (instructor %.1f°), anteversion %.1f° "
                                         "(instructor %.1f°).")
                                     : _("Cup: centre %.1f mm and axis %.1f° from the "
                                         "instructor's, more than %.1f mm or %.0f°: not "
                                         "accepted; inclination %.1f° (instructor %.1f°), "
                                         "anteversion %.1f° (instructor %.1f°)."),
                                  d, a, t->cup_center_mm, t->cup_angle_deg, ri, kri, ra, kra);
          pass &= ok;
        }
      add_line (text, line);
    }
  return pass;
}

/* The step checked against the key; text gets the differences. */
static gboolean
key_check (OspPlan         *plan,
           OspTrainingStep  step,
           GString         *text)
{
  Key *key = get_key (plan);

  switch (step)
    {
    case OSP_TRAINING_STEP_CUT:
      return compare_cut (key, plan, text);
    case OSP_TRAINING_STEP_MIRROR:
      return compare_mirror (key, plan, text);
    case OSP_TRAINING_STEP_IMPLANT:
      return compare_implants (key, plan, text);
    default:
      return TRUE;
    }
}

gboolean
osp_training_compare (OspPlan          *plan,
                      OspTrainingStep   step,
                      char            **out_text)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean pass;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (step < OSP_TRAINING_N_STEPS, FALSE);

  if (!osp_training_has_key (plan, step))
    {
      if (out_text != NULL)
        *out_text = NULL;
      return osp_training_check_plan (plan, step);
    }
  pass = key_check (plan, step, text);
  if (out_text != NULL)
    *out_text = g_string_free (g_steal_pointer (&text), FALSE);
  return pass;
}

/* -- The key in the course file ------------------------------------------------------------- */

static JsonArray *
floats_to_array (const float *v,
                 guint        n)
{
  JsonArray *a = json_array_new ();

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (a, v[i]);
  return a;
}

static JsonObject *
key_to_json (const Key *key)
{
  JsonObject *o = json_object_new ();
  JsonObject *t = json_object_new ();
  JsonArray *cuts = json_array_new (), *screws = json_array_new ();

  json_object_set_double_member (t, "plane_angle_deg", key->tolerances.plane_angle_deg);
  json_object_set_double_member (t, "plane_offset_mm", key->tolerances.plane_offset_mm);
  json_object_set_double_member (t, "template_angle_deg", key->tolerances.template_angle_deg);
  json_object_set_double_member (t, "template_offset_mm", key->tolerances.template_offset_mm);
  json_object_set_double_member (t, "screw_entry_mm", key->tolerances.screw_entry_mm);
  json_object_set_double_member (t, "screw_angle_deg", key->tolerances.screw_angle_deg);
  json_object_set_double_member (t, "cup_center_mm", key->tolerances.cup_center_mm);
  json_object_set_double_member (t, "cup_angle_deg", key->tolerances.cup_angle_deg);
  json_object_set_object_member (o, "tolerances", t);
  for (guint i = 0; i < key->cut_planes->len; i++)
    {
      const KeyPlane *p = &g_array_index (key->cut_planes, KeyPlane, i);
      float v[7] = { p->plane[0], p->plane[1], p->plane[2], p->plane[3], p->point[0],
                     p->point[1], p->point[2] };

      json_array_add_array_element (cuts, floats_to_array (v, 7));
    }
  json_object_set_array_member (o, "cut_planes", cuts);
  if (key->has_midsagittal)
    {
      const KeyPlane *p = &key->midsagittal;
      float v[7] = { p->plane[0], p->plane[1], p->plane[2], p->plane[3], p->point[0],
                     p->point[1], p->point[2] };

      json_object_set_array_member (o, "midsagittal", floats_to_array (v, 7));
    }
  for (guint i = 0; i < key->screws->len; i++)
    {
      const KeyScrew *s = &g_array_index (key->screws, KeyScrew, i);
      float v[6] = { s->entry[0], s->entry[1], s->entry[2], s->direction[0], s->direction[1],
                     s->direction[2] };

      json_array_add_array_element (screws, floats_to_array (v, 6));
    }
  json_object_set_array_member (o, "screws", screws);
  if (key->has_cup)
    {
      float v[6] = { key->cup_center[0], key->cup_center[1], key->cup_center[2],
                     key->cup_axis[0], key->cup_axis[1], key->cup_axis[2] };

      json_object_set_array_member (o, "cup", floats_to_array (v, 6));
    }
  return o;
}

static gboolean
read_tolerance (JsonObject  *t,
                const char  *name,
                double      *inout,
                const char  *where,
                GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (t, name, G_TYPE_DOUBLE, FALSE, &node, where, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  *inout = json_node_get_double (node);
  if (!(*inout > 0 && *inout <= 1000))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the tolerance “%s” must be above 0 and at most 1000"), where, name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_vector (JsonNode    *node,
             float       *out,
             guint        n,
             const char  *where,
             const char  *name,
             GError     **error)
{
  if (!osp_json_get_floats (node, out, n, where, name, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!isfinite (out[i]))
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” is not a finite number"),
                     where, name);
        return FALSE;
      }
  return TRUE;
}

static Key *
key_from_json (JsonObject  *o,
               const char  *where,
               GError     **error)
{
  Key *key = key_new ();
  JsonNode *node;

  if (!osp_json_get_member (o, "tolerances", JSON_TYPE_OBJECT, FALSE, &node, where, error))
    goto fail;
  if (node != NULL)
    {
      JsonObject *t = json_node_get_object (node);
      OspTrainingTolerances *tol = &key->tolerances;

      if (!read_tolerance (t, "plane_angle_deg", &tol->plane_angle_deg, where, error) ||
          !read_tolerance (t, "plane_offset_mm", &tol->plane_offset_mm, where, error) ||
          !read_tolerance (t, "template_angle_deg", &tol->template_angle_deg, where, error) ||
          !read_tolerance (t, "template_offset_mm", &tol->template_offset_mm, where, error) ||
          !read_tolerance (t, "screw_entry_mm", &tol->screw_entry_mm, where, error) ||
          !read_tolerance (t, "screw_angle_deg", &tol->screw_angle_deg, where, error) ||
          !read_tolerance (t, "cup_center_mm", &tol->cup_center_mm, where, error) ||
          !read_tolerance (t, "cup_angle_deg", &tol->cup_angle_deg, where, error))
        goto fail;
    }
  for (int part = 0; part < 2; part++)
    {
      const char *name = part == 0 ? "cut_planes" : "screws";
      guint width = part == 0 ? 7 : 6;
      JsonArray *list;

      if (!osp_json_get_member (o, name, JSON_TYPE_ARRAY, FALSE, &node, where, error))
        goto fail;
      if (node == NULL)
        continue;
      list = json_node_get_array (node);
      if (json_array_get_length (list) > 64)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” has a bad length"),
                       where, name);
          goto fail;
        }
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          float v[7];

          if (!read_vector (json_array_get_element (list, i), v, width, where, name, error))
            goto fail;
          if (part == 0)
            {
              KeyPlane p = { { 0 } };

              if (!unit_plane (v, &p))
                {
                  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                               _("%s: a plane has no normal"), where);
                  goto fail;
                }
              memcpy (p.point, v + 4, sizeof p.point);
              g_array_append_val (key->cut_planes, p);
            }
          else
            {
              KeyScrew s;

              memcpy (s.entry, v, sizeof s.entry);
              memcpy (s.direction, v + 3, sizeof s.direction);
              if (!(dot3f (s.direction, s.direction) > 1e-12))
                {
                  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                               _("%s: a screw has no direction"), where);
                  goto fail;
                }
              g_array_append_val (key->screws, s);
            }
        }
    }
  if (!osp_json_get_member (o, "midsagittal", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    goto fail;
  if (node != NULL)
    {
      float v[7];

      if (!read_vector (node, v, 7, where, "midsagittal", error))
        goto fail;
      if (!unit_plane (v, &key->midsagittal))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: a plane has no normal"),
                       where);
          goto fail;
        }
      memcpy (key->midsagittal.point, v + 4, sizeof key->midsagittal.point);
      key->has_midsagittal = TRUE;
    }
  if (!osp_json_get_member (o, "cup", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    goto fail;
  if (node != NULL)
    {
      float v[6];

      if (!read_vector (node, v, 6, where, "cup", error))
        goto fail;
      memcpy (key->cup_center, v, sizeof key->cup_center);
      memcpy (key->cup_axis, v + 3, sizeof key->cup_axis);
      if (!(dot3f (key->cup_axis, key->cup_axis) > 1e-12))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: the cup has no axis"), where);
          goto fail;
        }
      key->has_cup = TRUE;
    }
  return key;

fail:
  key_free (key);
  return NULL;
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
