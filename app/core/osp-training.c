/* osp-training.c — training mode: steps, checks, instructor notes, the case
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-guide.h"
#include "osp-json.h"
#include "osp-implant.h"
#include "osp-margin.h"
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
/* The most a margin target can sensibly be, and guides in a key. */
#define MAX_MARGIN_MM 200.0
#define MAX_KEY_GUIDES 16

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

/* A guide: its slot planes (the point at the guide) and the slot it cuts. */
typedef struct
{
  guint    n_planes;
  KeyPlane planes[OSP_GUIDE_MAX_PLANES];
  double   blade;
  double   clearance;
} KeyGuide;

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
  gboolean has_margin;      /* the cut step checks the margin to the tumour */
  GArray  *cut_margins;     /* double, one per cut plane: the instructor's margin (or none) */
  GArray  *guides;          /* KeyGuide */
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
       "the case is already open: the CT of a pelvis with a tumour above the right acetabulum, "
       "the bone as the Pelvis model and the tumour in red. Find both in the list.") },
  { "look", N_("Look"),
    N_("Orbit with the left mouse button, pan with the middle button and zoom with the wheel, "
       "or pick a standard view (anterior, left, superior…). Find the defect and judge how far "
       "it reaches into the acetabulum.") },
  { "cut", N_("Cut"),
    N_("Open the Cut tool and place one or more planes around the tumour with the gizmo or by "
       "picking three points, each leaving at least the target margin to the tumour (the tool "
       "shows every plane's margin). Check the preview and apply the cut: the bone splits into "
       "closed pieces you can keep, hide or remove.") },
  { "mirror", N_("Mirror"),
    N_("Open the Mirror tool and estimate the midsagittal plane. Then mirror the healthy side "
       "onto the defect side and register it to the remaining bone: the result is the "
       "template of the missing part.") },
  { "implant", N_("Implant"),
    N_("Add an implant from the library or import one, and place it against the bone with the "
       "gizmo or by snapping to the surface. Check the fit colour map for penetration.") },
  { "guide", N_("Guide"),
    N_("Open the Guide tool, choose the bone and tick the planned cut planes, and make the "
       "osteotomy guide that carries the saw along them. Read its checks: it must seat on the "
       "bone and its slots must lie on the planes.") },
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
    case OSP_TRAINING_STEP_GUIDE:
      return plan_has_role (plan, OSP_MODEL_ROLE_GUIDE);
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
  g_array_unref (key->cut_margins);
  g_array_unref (key->guides);
  g_free (key);
}

static Key *
key_new (void)
{
  Key *key = g_new0 (Key, 1);

  osp_training_tolerances_init (&key->tolerances);
  key->cut_planes = g_array_new (FALSE, FALSE, sizeof (KeyPlane));
  key->screws = g_array_new (FALSE, FALSE, sizeof (KeyScrew));
  key->cut_margins = g_array_new (FALSE, FALSE, sizeof (double));
  key->guides = g_array_new (FALSE, FALSE, sizeof (KeyGuide));
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
  t->margin_mm = OSP_MARGIN_DEFAULT_TARGET_MM;
  t->guide_offset_mm = 0.1;
  t->guide_angle_deg = 0.1;
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

      if (role == OSP_MODEL_ROLE_IMPLANT || role == OSP_MODEL_ROLE_TEMPLATE ||
          role == OSP_MODEL_ROLE_TUMOUR || role == OSP_MODEL_ROLE_GUIDE)
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
          OspPlane p;

          /* [nx, ny, nz, d] or the name of one of the plan's planes. */
          if (!osp_plan_parse_plane_node (plan, json_array_get_element (json_node_get_array (list),
                                                                        j),
                                          "cut", &p, NULL))
            continue;
          memcpy (v, p.normal, sizeof p.normal);
          v[3] = p.d;
          if (unit_plane (v, &plane))
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


/* The smallest signed margin of each plane to the plan's tumour models, as the Cut tool
 * computes it (osp-margin.h: positive when the tumour lies wholly on the resected side);
 * FALSE when the plan has no tumour model with a vertex. */
static gboolean
plan_margins (OspPlan      *plan,
              const GArray *planes,
              double       *out)
{
  g_autofree float *flat = g_new (float, 4 * MAX (planes->len, 1));
  gboolean any = FALSE;

  for (guint i = 0; i < planes->len; i++)
    {
      memcpy (flat + 4 * i, g_array_index (planes, KeyPlane, i).plane, 4 * sizeof (float));
      out[i] = G_MAXDOUBLE;
    }
  for (guint m = 0; m < osp_plan_get_n_models (plan); m++)
    {
      OspModel *model = osp_plan_get_model (plan, m);
      OspMarginResult result = { 0 };
      float matrix[16];

      if (osp_model_get_role (model) != OSP_MODEL_ROLE_TUMOUR ||
          osp_mesh_get_n_vertices (osp_model_get_mesh (model)) == 0)
        continue;
      any = TRUE;
      if (planes->len == 0)
        continue;
      osp_model_get_transform (model, matrix);
      if (!osp_margin_compute_transformed (osp_model_get_mesh (model), matrix,
                                           (const float (*)[4]) flat, planes->len, &result))
        continue;
      for (guint i = 0; i < planes->len; i++)
        out[i] = MIN (out[i], result.planes[i].margin_mm);
      osp_margin_result_clear (&result);
    }
  return any;
}

/* The middle of a model's bounds in the world. */
static void
model_center (OspModel *model,
              float    *out)
{
  OspBox box;
  float m[16], c[3];

  osp_mesh_get_bounds (osp_model_get_mesh (model), &box);
  osp_model_get_transform (model, m);
  for (int k = 0; k < 3; k++)
    c[k] = (box.min[k] + box.max[k]) / 2;
  for (int k = 0; k < 3; k++)
    out[k] = m[k] * c[0] + m[4 + k] * c[1] + m[8 + k] * c[2] + m[12 + k];
}

/* A guide of the plan: its slots and where they are, the model and its operation. */
typedef struct
{
  KeyGuide    guide;
  OspModel   *model;
  JsonObject *op;
} PlanGuide;

static double
op_number (JsonObject *op,
           const char *name,
           double      fallback)
{
  JsonNode *node = json_object_get_member (op, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
       json_node_get_value_type (node) == G_TYPE_INT64))
    return json_node_get_double (node);
  return fallback;
}

/* The plane n·x = d (v: n, d) as the model's transform moves it: the normal by the
 * cofactor matrix of the linear part (the inverse transpose times the determinant), a point
 * of the plane by the whole transform. */
static void
move_plane (OspModel *model,
            float    *v)
{
  float m[16];
  double n[3], p[3], q[3], len2;
  static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

  osp_model_get_transform (model, m);
  if (memcmp (m, identity, sizeof m) == 0)
    return;
  len2 = dot3f (v, v);
  for (int k = 0; k < 3; k++)
    p[k] = v[k] * v[3] / len2;
  /* Column-major: A[r][c] = m[4c + r]; det·A⁻ᵀ has the columns c1×c2, c2×c0, c0×c1. */
  {
    const float *c0 = m, *c1 = m + 4, *c2 = m + 8;
    double r0[3] = { c1[1] * c2[2] - c1[2] * c2[1], c1[2] * c2[0] - c1[0] * c2[2],
                     c1[0] * c2[1] - c1[1] * c2[0] };
    double r1[3] = { c2[1] * c0[2] - c2[2] * c0[1], c2[2] * c0[0] - c2[0] * c0[2],
                     c2[0] * c0[1] - c2[1] * c0[0] };
    double r2[3] = { c0[1] * c1[2] - c0[2] * c1[1], c0[2] * c1[0] - c0[0] * c1[2],
                     c0[0] * c1[1] - c0[1] * c1[0] };

    for (int k = 0; k < 3; k++)
      n[k] = r0[k] * v[0] + r1[k] * v[1] + r2[k] * v[2];
  }
  for (int k = 0; k < 3; k++)
    q[k] = m[k] * p[0] + m[4 + k] * p[1] + m[8 + k] * p[2] + m[12 + k];
  for (int k = 0; k < 3; k++)
    v[k] = (float) n[k];
  v[3] = (float) (n[0] * q[0] + n[1] * q[1] + n[2] * q[2]);
}

/* Every guide the plan made ({"op": "guide"} whose guide model is still there), its slot
 * planes as the plan resolves them (names of the plan's planes or numbers). */
static GArray *
plan_guides (OspPlan *plan)
{
  GArray *guides = g_array_new (FALSE, TRUE, sizeof (PlanGuide));
  OspGuideParams defaults;

  osp_guide_params_init (&defaults);
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      JsonObject *op = osp_plan_get_operation (plan, i);
      const char *kind = json_object_get_string_member_with_default (op, "op", "");
      JsonNode *name = json_object_get_member (op, "name");
      JsonNode *list = json_object_get_member (op, "planes");
      PlanGuide g = { { 0 } };
      float center[3];
      gboolean ok = TRUE;
      guint n;

      if (g_strcmp0 (kind, "guide") != 0 || name == NULL || !JSON_NODE_HOLDS_VALUE (name) ||
          json_node_get_value_type (name) != G_TYPE_STRING || list == NULL ||
          !JSON_NODE_HOLDS_ARRAY (list))
        continue;
      g.model = osp_plan_find_model (plan, json_node_get_string (name));
      n = json_array_get_length (json_node_get_array (list));
      if (g.model == NULL || osp_model_get_role (g.model) != OSP_MODEL_ROLE_GUIDE || n < 1 ||
          n > OSP_GUIDE_MAX_PLANES)
        continue;
      g.op = op;
      model_center (g.model, center);
      for (guint j = 0; j < n && ok; j++)
        {
          OspPlane plane;
          float v[4];

          ok = osp_plan_parse_plane_node (plan, json_array_get_element (json_node_get_array (list),
                                                                        j),
                                          "guide", &plane, NULL);
          if (!ok)
            break;
          memcpy (v, plane.normal, sizeof plane.normal);
          v[3] = plane.d;
          /* A guide moved after it was made carries its slots along. */
          move_plane (g.model, v);
          ok = unit_plane (v, &g.guide.planes[j]);
          if (ok)
            plane_point (&g.guide.planes[j], center);
        }
      if (!ok)
        continue;
      g.guide.n_planes = n;
      g.guide.blade = op_number (op, "blade", defaults.blade);
      g.guide.clearance = op_number (op, "clearance", defaults.clearance);
      g_array_append_val (guides, g);
    }
  return guides;
}

/* The guide's own seating check (osp-guide.h), again on the plan as it is now: sampled
 * points of the guide inside its bone, and points that would catch on the bone when the
 * guide is lifted off along its insertion direction.  Cached on the guide model: it costs a
 * tree of the bone. */
#define SEATING_KEY "osp-training-seating"

typedef struct
{
  const OspMesh *mesh;
  float          transform[16];
  guint64        bones;
  float          direction[3];
  guint          n_overlap;
  guint          n_undercut;
} Seating;

typedef enum
{
  SEATING_OK,
  SEATING_NO_BONE,
  SEATING_NO_DIRECTION,
} SeatingStatus;

static guint64
hash_bytes (guint64     h,
            const void *data,
            gsize       n)
{
  const guint8 *b = data;

  for (gsize i = 0; i < n; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static gboolean
read_direction (JsonObject *op,
                const char *name,
                float      *out)
{
  JsonNode *node = json_object_get_member (op, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
         osp_json_get_floats (node, out, 3, "guide", name, NULL) && dot3f (out, out) > 1e-12;
}

static SeatingStatus
guide_seating (OspPlan         *plan,
               const PlanGuide *g,
               Seating         *out)
{
  g_autoptr(GPtrArray) bones = g_ptr_array_new ();
  const char *bone_name = json_object_get_string_member_with_default (g->op, "model", "");
  OspModel *named = osp_plan_find_model (plan, bone_name);
  OspMesh *mesh = osp_model_get_mesh (g->model);
  Seating key = { 0 }, *cached;
  g_autoptr(GPtrArray) trees = NULL;
  const float *pos = osp_mesh_get_positions (mesh);
  guint32 nv = osp_mesh_get_n_vertices (mesh), stride = MAX (nv / 40000, 1);
  double len;

  /* The bone it was made for; once that is cut, the bone and its pieces now in the plan. */
  if (named != NULL && (osp_model_get_role (named) == OSP_MODEL_ROLE_BONE ||
                        osp_model_get_role (named) == OSP_MODEL_ROLE_PIECE))
    g_ptr_array_add (bones, named);
  else
    for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
      {
        OspModel *model = osp_plan_get_model (plan, i);

        if (osp_model_get_role (model) == OSP_MODEL_ROLE_BONE ||
            osp_model_get_role (model) == OSP_MODEL_ROLE_PIECE)
          g_ptr_array_add (bones, model);
      }
  if (bones->len == 0)
    return SEATING_NO_BONE;
  if (!read_direction (g->op, "direction", key.direction) &&
      !read_direction (g->op, "direction_used", key.direction))
    return SEATING_NO_DIRECTION;
  len = sqrt (dot3f (key.direction, key.direction));
  for (int k = 0; k < 3; k++)
    key.direction[k] = (float) (key.direction[k] / len);

  key.mesh = mesh;
  osp_model_get_transform (g->model, key.transform);
  key.bones = 14695981039346656037ull;
  for (guint b = 0; b < bones->len; b++)
    {
      OspMesh *bone_mesh = osp_model_get_mesh (g_ptr_array_index (bones, b));
      guint32 nt = osp_mesh_get_n_triangles (bone_mesh);
      float m[16];

      osp_model_get_transform (g_ptr_array_index (bones, b), m);
      key.bones = hash_bytes (key.bones, &bone_mesh, sizeof bone_mesh);
      key.bones = hash_bytes (key.bones, &nt, sizeof nt);
      key.bones = hash_bytes (key.bones, m, sizeof m);
    }
  cached = g_object_get_data (G_OBJECT (g->model), SEATING_KEY);
  if (cached != NULL && cached->mesh == key.mesh && cached->bones == key.bones &&
      memcmp (cached->transform, key.transform, sizeof key.transform) == 0 &&
      memcmp (cached->direction, key.direction, sizeof key.direction) == 0)
    {
      *out = *cached;
      return SEATING_OK;
    }

  trees = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_bvh_unref);
  for (guint b = 0; b < bones->len; b++)
    {
      OspModel *bone = g_ptr_array_index (bones, b);
      g_autoptr(OspMesh) world = NULL;
      float m[16];
      mat4 cm;

      osp_model_get_transform (bone, m);
      memcpy (cm, m, sizeof cm);
      world = osp_mesh_transform (osp_model_get_mesh (bone), cm);
      g_ptr_array_add (trees, osp_bvh_new (world));
    }
  for (guint32 v = 0; v < nv; v += stride)
    {
      const float *l = pos + 3 * v, *m = key.transform;
      float p[3], from[3];
      gboolean inside = FALSE, caught = FALSE;

      for (int k = 0; k < 3; k++)
        {
          p[k] = m[k] * l[0] + m[4 + k] * l[1] + m[8 + k] * l[2] + m[12 + k];
          from[k] = p[k] + 0.001f * key.direction[k];
        }
      for (guint b = 0; b < trees->len; b++)
        {
          inside = inside || osp_bvh_is_inside (g_ptr_array_index (trees, b), p);
          caught = caught || osp_bvh_ray_occluded (g_ptr_array_index (trees, b), from,
                                                   key.direction, 0.0f, INFINITY);
        }
      key.n_overlap += inside;
      key.n_undercut += caught;
    }
  g_object_set_data_full (G_OBJECT (g->model), SEATING_KEY, g_memdup2 (&key, sizeof key),
                          g_free);
  *out = key;
  return SEATING_OK;
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
  /* With a tumour, the cut step checks the margin, and shows the instructor's beside. */
  g_array_set_size (key->cut_margins, key->cut_planes->len);
  key->has_margin = plan_margins (plan, key->cut_planes, (double *) key->cut_margins->data);
  if (!key->has_margin)
    g_array_set_size (key->cut_margins, 0);
  {
    g_autoptr(GArray) guides = plan_guides (plan);

    for (guint i = 0; i < guides->len; i++)
      g_array_append_val (key->guides, g_array_index (guides, PlanGuide, i).guide);
  }
  n = (key->cut_planes->len > 0 || key->has_margin) + key->has_midsagittal +
      (key->screws->len > 0 || key->has_cup) + (key->guides->len > 0);
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
  dest->key->has_margin = source->key->has_margin;
  g_array_append_vals (dest->key->cut_margins, source->key->cut_margins->data,
                       source->key->cut_margins->len);
  g_array_append_vals (dest->key->guides, source->key->guides->data, source->key->guides->len);
}

void
osp_training_set_margin_check (OspPlan  *plan,
                               gboolean  check)
{
  Notes *notes;

  g_return_if_fail (OSP_IS_PLAN (plan));

  notes = get_notes (plan, TRUE);
  if (notes->key == NULL)
    notes->key = key_new ();
  notes->key->has_margin = check;
}

gboolean
osp_training_get_margin_check (OspPlan *plan)
{
  Notes *notes;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);

  notes = get_notes (plan, FALSE);
  return notes != NULL && notes->key != NULL && notes->key->has_margin;
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
      return key->cut_planes->len > 0 || key->has_margin;
    case OSP_TRAINING_STEP_MIRROR:
      return key->has_midsagittal;
    case OSP_TRAINING_STEP_IMPLANT:
      return key->screws->len > 0 || key->has_cup;
    case OSP_TRAINING_STEP_GUIDE:
      return key->guides->len > 0;
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
  /* atan2 of the cross and dot products: exact to a few 1e-6° near 0°, where acos of
   * single-precision normals is off by hundredths of a degree (guide slots are checked to
   * 0.1°). */
  double c = dot3f (a, b);
  double x[3] = { (double) a[1] * b[2] - (double) a[2] * b[1],
                  (double) a[2] * b[0] - (double) a[0] * b[2],
                  (double) a[0] * b[1] - (double) a[1] * b[0] };

  if (unsigned_axis)
    c = fabs (c);
  return atan2 (sqrt (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]), c) * 180 / G_PI;
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

/* Each of the trainee's cut planes against the margin target, and against the margin of the
 * instructor's plane it matched (match[j]: index in the key, or -1). */
static gboolean
compare_margins (Key          *key,
                 OspPlan      *plan,
                 const GArray *mine,
                 const int    *match,
                 GString      *text)
{
  double target = key->tolerances.margin_mm;
  g_autofree double *margins = g_new (double, mine->len + 1);
  gboolean pass = TRUE;

  if (!plan_margins (plan, mine, margins))
    {
      add_line (text, _("The plan has no tumour model: the margin of the cut cannot be "
                        "checked."));
      return FALSE;
    }
  for (guint j = 0; j < mine->len; j++)
    {
      double m = margins[j], theirs = NAN;
      g_autofree char *line = NULL;
      /* As shown, to a tenth of a millimetre: 9.96 mm reads and counts as 10.0 mm. */
      gboolean ok = m >= target - 0.05;

      if (match[j] >= 0 && (guint) match[j] < key->cut_margins->len)
        theirs = g_array_index (key->cut_margins, double, match[j]);
      if (m < 0)
        line = isfinite (theirs) ?
               g_strdup_printf (_("Your cut plane %u passes through the tumour or leaves it on "
                                  "the side that stays (margin %.1f mm; the instructor's plane "
                                  "%.1f mm): not accepted."), j + 1, m, theirs) :
               g_strdup_printf (_("Your cut plane %u passes through the tumour or leaves it on "
                                  "the side that stays (margin %.1f mm): not accepted."),
                                j + 1, m);
      else if (isfinite (theirs))
        line = g_strdup_printf (ok ? _("Your cut plane %u leaves a margin of %.1f mm to the "
                                       "tumour, at least the %.1f mm target (the instructor's "
                                       "plane %.1f mm, a difference of %+.1f mm).")
                                   : _("Your cut plane %u leaves a margin of %.1f mm to the "
                                       "tumour, less than the %.1f mm target (the instructor's "
                                       "plane %.1f mm, a difference of %+.1f mm): not "
                                       "accepted."),
                                j + 1, m, target, theirs, m - theirs);
      else
        line = g_strdup_printf (ok ? _("Your cut plane %u leaves a margin of %.1f mm to the "
                                       "tumour, at least the %.1f mm target.")
                                   : _("Your cut plane %u leaves a margin of %.1f mm to the "
                                       "tumour, less than the %.1f mm target: not accepted."),
                                j + 1, m, target);
      add_line (text, line);
      pass &= ok;
    }
  return pass;
}

static gboolean
compare_guides (Key     *key,
                OspPlan *plan,
                GString *text)
{
  const OspTrainingTolerances *t = &key->tolerances;
  g_autoptr(GArray) mine = plan_guides (plan);
  gboolean pass = TRUE;
  guint slot = 0;

  if (mine->len == 0)
    {
      add_line (text, _("No guide yet: make one in the Guide tool for the planned cut."));
      return FALSE;
    }
  for (guint i = 0; i < key->guides->len; i++)
    {
      const KeyGuide *k = &g_array_index (key->guides, KeyGuide, i);

      for (guint s = 0; s < k->n_planes; s++)
        {
          double best_score = INFINITY, best_angle = 0, best_offset = 0;
          const KeyGuide *best = NULL;
          g_autofree char *line = NULL;
          gboolean ok;

          slot++;
          for (guint g = 0; g < mine->len; g++)
            {
              const KeyGuide *m = &g_array_index (mine, PlanGuide, g).guide;

              for (guint q = 0; q < m->n_planes; q++)
                {
                  double a, o, score;

                  compare_planes (&k->planes[s], &m->planes[q], &a, &o);
                  score = a / t->guide_angle_deg + o / t->guide_offset_mm;
                  if (score < best_score)
                    {
                      best_score = score;
                      best_angle = a;
                      best_offset = o;
                      best = m;
                    }
                }
            }
          ok = best_angle <= t->guide_angle_deg && best_offset <= t->guide_offset_mm;
          line = g_strdup_printf (ok ? _("Guide slot %u: %.2f° and %.2f mm from the "
                                         "instructor's (within %.2f° and %.2f mm).")
                                     : _("Guide slot %u: %.2f° and %.2f mm from the "
                                         "instructor's, more than %.2f° or %.2f mm: not "
                                         "accepted."),
                                  slot, best_angle, best_offset, t->guide_angle_deg,
                                  t->guide_offset_mm);
          add_line (text, line);
          pass &= ok;
          if (best != NULL && (fabs (best->blade - k->blade) > 0.005 ||
                               fabs (best->clearance - k->clearance) > 0.005))
            {
              g_autofree char *width =
                g_strdup_printf (_("Guide slot %u is %.2f mm wide for a %.2f mm blade; the "
                                   "instructor's is %.2f mm wide for a %.2f mm blade: not "
                                   "accepted."), slot, best->blade + 2 * best->clearance,
                                 best->blade, k->blade + 2 * k->clearance, k->blade);

              add_line (text, width);
              pass = FALSE;
            }
        }
    }
  for (guint g = 0; g < mine->len; g++)
    {
      const PlanGuide *m = &g_array_index (mine, PlanGuide, g);
      const char *name = osp_model_get_name (m->model);
      g_autofree char *line = NULL;
      Seating seat;

      switch (guide_seating (plan, m, &seat))
        {
        case SEATING_NO_BONE:
          line = g_strdup_printf (_("There is no bone under guide “%s” in the plan: its seating "
                                    "cannot be checked."), name);
          pass = FALSE;
          break;
        case SEATING_NO_DIRECTION:
          line = g_strdup_printf (_("Guide “%s” does not record its insertion direction: make "
                                    "it again to check its seating."), name);
          pass = FALSE;
          break;
        case SEATING_OK:
        default:
          if (seat.n_overlap == 0 && seat.n_undercut == 0)
            line = g_strdup_printf (_("Guide “%s” seats on the bone: no sampled point lies in "
                                      "the bone or catches on it when the guide is lifted "
                                      "off."), name);
          else
            {
              line = g_strdup_printf (_("Guide “%s” does not seat on the bone (sampled points "
                                        "in the bone: %u; catching when lifted off: %u): not "
                                        "accepted."), name, seat.n_overlap, seat.n_undercut);
              pass = FALSE;
            }
          break;
        }
      add_line (text, line);
    }
  return pass;
}

static gboolean
compare_cut (Key     *key,
             OspPlan *plan,
             GString *text)
{
  const OspTrainingTolerances *t = &key->tolerances;
  g_autoptr(GArray) mine = plan_cut_planes (plan);
  g_autofree gboolean *used = g_new0 (gboolean, mine->len + 1);
  g_autofree int *match = g_new (int, mine->len + 1);
  gboolean pass = TRUE;

  if (mine->len == 0)
    {
      add_line (text, _("No cut yet."));
      return FALSE;
    }
  for (guint j = 0; j < mine->len; j++)
    match[j] = -1;
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
      if (match[best] < 0)
        match[best] = (int) i;
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
  /* (A key of the margin alone takes any planes that keep it.) */
  for (guint j = 0; j < mine->len && key->cut_planes->len > 0; j++)
    if (!used[j])
      {
        g_autofree char *line =
          g_strdup_printf (_("Your cut plane %u is not in the instructor's plan."), j + 1);

        add_line (text, line);
        pass = FALSE;
      }
  if (key->has_margin)
    pass &= compare_margins (key, plan, mine, match, text);
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
    case OSP_TRAINING_STEP_GUIDE:
      return compare_guides (key, plan, text);
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
  json_object_set_double_member (t, "margin_mm", key->tolerances.margin_mm);
  json_object_set_double_member (t, "guide_offset_mm", key->tolerances.guide_offset_mm);
  json_object_set_double_member (t, "guide_angle_deg", key->tolerances.guide_angle_deg);
  json_object_set_object_member (o, "tolerances", t);
  if (key->has_margin)
    json_object_set_boolean_member (o, "margin", TRUE);
  if (key->cut_margins->len > 0)
    {
      JsonArray *margins = json_array_new ();

      for (guint i = 0; i < key->cut_margins->len; i++)
        json_array_add_double_element (margins, g_array_index (key->cut_margins, double, i));
      json_object_set_array_member (o, "cut_margins_mm", margins);
    }
  if (key->guides->len > 0)
    {
      JsonArray *guides = json_array_new ();

      for (guint i = 0; i < key->guides->len; i++)
        {
          const KeyGuide *g = &g_array_index (key->guides, KeyGuide, i);
          JsonObject *go = json_object_new ();
          JsonArray *planes = json_array_new ();

          for (guint s = 0; s < g->n_planes; s++)
            {
              const KeyPlane *p = &g->planes[s];
              float v[7] = { p->plane[0], p->plane[1], p->plane[2], p->plane[3], p->point[0],
                             p->point[1], p->point[2] };

              json_array_add_array_element (planes, floats_to_array (v, 7));
            }
          json_object_set_array_member (go, "planes", planes);
          json_object_set_double_member (go, "blade", g->blade);
          json_object_set_double_member (go, "clearance", g->clearance);
          json_array_add_object_element (guides, go);
        }
      json_object_set_array_member (o, "guides", guides);
    }
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
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” must hold %u numbers"),
                   where, name, n);
      return FALSE;
    }
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
          !read_tolerance (t, "cup_angle_deg", &tol->cup_angle_deg, where, error) ||
          !read_tolerance (t, "guide_offset_mm", &tol->guide_offset_mm, where, error) ||
          !read_tolerance (t, "guide_angle_deg", &tol->guide_angle_deg, where, error))
        goto fail;
      /* A margin of 0 asks for the tumour to be wholly on the resected side. */
      if (!osp_json_get_member (t, "margin_mm", G_TYPE_DOUBLE, FALSE, &node, where, error))
        goto fail;
      if (node != NULL)
        {
          tol->margin_mm = json_node_get_double (node);
          if (!(tol->margin_mm >= 0 && tol->margin_mm <= MAX_MARGIN_MM))
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: the margin target “margin_mm” must be between 0 and %.0f mm"),
                           where, MAX_MARGIN_MM);
              goto fail;
            }
        }
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
  if (!osp_json_get_member (o, "margin", G_TYPE_BOOLEAN, FALSE, &node, where, error))
    goto fail;
  key->has_margin = node != NULL && json_node_get_boolean (node);
  if (!osp_json_get_member (o, "cut_margins_mm", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    goto fail;
  if (node != NULL)
    {
      JsonArray *list = json_node_get_array (node);
      guint n = json_array_get_length (list);

      if (n != key->cut_planes->len)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: “cut_margins_mm” has %u values for %u cut planes"), where, n,
                       key->cut_planes->len);
          goto fail;
        }
      for (guint i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (list, i);
          double m;

          if (!JSON_NODE_HOLDS_VALUE (e) || (json_node_get_value_type (e) != G_TYPE_DOUBLE &&
                                             json_node_get_value_type (e) != G_TYPE_INT64) ||
              !isfinite (m = json_node_get_double (e)) || fabs (m) > 1e5)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: “cut_margins_mm” holds something that is not a margin in "
                             "millimetres"), where);
              goto fail;
            }
          g_array_append_val (key->cut_margins, m);
        }
    }
  if (!osp_json_get_member (o, "guides", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    goto fail;
  if (node != NULL)
    {
      JsonArray *list = json_node_get_array (node);

      if (json_array_get_length (list) > MAX_KEY_GUIDES)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the key has %u guides, more than %u"), where,
                       json_array_get_length (list), (guint) MAX_KEY_GUIDES);
          goto fail;
        }
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *e = json_array_get_element (list, i), *member;
          KeyGuide g = { 0 };
          OspGuideParams defaults;
          JsonArray *planes;

          osp_guide_params_init (&defaults);
          if (!JSON_NODE_HOLDS_OBJECT (e))
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: guide %u of the key is not an object"), where, i + 1);
              goto fail;
            }
          if (!osp_json_get_member (json_node_get_object (e), "planes", JSON_TYPE_ARRAY, TRUE,
                                    &member, where, error))
            goto fail;
          planes = json_node_get_array (member);
          g.n_planes = json_array_get_length (planes);
          if (g.n_planes < 1 || g.n_planes > OSP_GUIDE_MAX_PLANES)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: guide %u of the key has %u slot planes; a guide has 1 to %u"),
                           where, i + 1, g.n_planes, (guint) OSP_GUIDE_MAX_PLANES);
              goto fail;
            }
          for (guint s = 0; s < g.n_planes; s++)
            {
              float v[7];

              if (!read_vector (json_array_get_element (planes, s), v, 7, where, "planes",
                                error))
                goto fail;
              if (!unit_plane (v, &g.planes[s]))
                {
                  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                               _("%s: a plane has no normal"), where);
                  goto fail;
                }
              memcpy (g.planes[s].point, v + 4, sizeof g.planes[s].point);
            }
          g.blade = defaults.blade;
          g.clearance = defaults.clearance;
          for (int part = 0; part < 2; part++)
            {
              const char *name = part == 0 ? "blade" : "clearance";
              double lo = part == 0 ? 0.3 : 0, hi = part == 0 ? 3 : 1;
              double *value = part == 0 ? &g.blade : &g.clearance;

              if (!osp_json_get_member (json_node_get_object (e), name, G_TYPE_DOUBLE, FALSE,
                                        &member, where, error))
                goto fail;
              if (member == NULL)
                continue;
              *value = json_node_get_double (member);
              if (!(*value >= lo && *value <= hi))
                {
                  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                               _("%s: the “%s” of guide %u of the key must be between %g and "
                                 "%g mm"), where, name, i + 1, lo, hi);
                  goto fail;
                }
            }
          g_array_append_val (key->guides, g);
        }
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

  /* A resection: the periacetabular lesion, as in the demo case (osp-phantom.h). */
  options.tumour = TRUE;
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
  if (!osp_plan_add_volume (plan, volume, error))
    return NULL;
  model = osp_model_new (_("Pelvis"), mesh, OSP_MODEL_ROLE_BONE);
  command = osp_command_new_add_model (model, -1, NULL);
  if (!osp_plan_execute (plan, command, error))
    return NULL;
  /* The tumour, as a mask on the CT and its model, for the margin of the cut. */
  if (!osp_phantom_add_tumour_to_plan (plan, 0, cancellable, error))
    return NULL;
  osp_progress_report (progress, 1.0);
  /* The trainee starts from a clean case: nothing to undo, nothing to save yet. */
  osp_plan_clear_history (plan);
  osp_plan_set_saved (plan, NULL);
  osp_training_mark_course (plan);
  osp_training_set_margin_check (plan, TRUE);
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
