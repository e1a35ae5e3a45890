/* osp-implant-panel.c — the Implants tool: library, parameters, placing, screws, fit
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-implant-panel.h"
#include "osp-gui-private.h"
#include "osp-settings.h"
#include "osp-transform-gizmo.h"

/* The colour map spans ±FIT_RANGE_MM: deep red at that penetration, blue that far away. */
#define FIT_RANGE_MM 2.0f
#define FIT_LEGEND_TICKS 5
/* Screw lengths are proposed in steps of this many mm (screws come in 5 mm steps). */
#define SCREW_LENGTH_STEP 5.0

#define KIND_BIT(k) (1u << (k))

typedef struct
{
  const char *field;
  const char *label;     /* translated at use */
  const char *tooltip;
  gsize       offset;
  gboolean    is_count;  /* a guint field, not a double */
  guint       kinds;     /* KIND_BIT of the kinds that have it */
  double      min, max, step;
  guint       digits;
} ParamSpec;

static const ParamSpec param_specs[] = {
  { "diameter", N_("Diameter (mm)"), N_("Thread diameter of a screw, outer diameter of a cup"),
    offsetof (OspImplantParams, diameter), FALSE,
    KIND_BIT (OSP_IMPLANT_SCREW) | KIND_BIT (OSP_IMPLANT_CUP), 0.5, 200.0, 0.5, 1 },
  { "length", N_("Length (mm)"), N_("Screw length under the head; plate length without holes"),
    offsetof (OspImplantParams, length), FALSE,
    KIND_BIT (OSP_IMPLANT_SCREW) | KIND_BIT (OSP_IMPLANT_PLATE), 1.0, 400.0, 1.0, 1 },
  { "head_diameter", N_("Head diameter (mm)"), N_("Diameter of the screw head"),
    offsetof (OspImplantParams, head_diameter), FALSE, KIND_BIT (OSP_IMPLANT_SCREW),
    0.5, 50.0, 0.5, 1 },
  { "head_height", N_("Head height (mm)"), N_("Height of the screw head"),
    offsetof (OspImplantParams, head_height), FALSE, KIND_BIT (OSP_IMPLANT_SCREW),
    0.1, 30.0, 0.5, 1 },
  { "thread_pitch", N_("Thread pitch (mm)"), N_("Distance between thread rings (0: smooth)"),
    offsetof (OspImplantParams, thread_pitch), FALSE, KIND_BIT (OSP_IMPLANT_SCREW),
    0.0, 20.0, 0.25, 2 },
  { "width", N_("Width (mm)"), N_("Width of the plate"),
    offsetof (OspImplantParams, width), FALSE, KIND_BIT (OSP_IMPLANT_PLATE),
    1.0, 100.0, 0.5, 1 },
  { "thickness", N_("Thickness (mm)"), N_("Plate thickness; wall of a block (0: solid)"),
    offsetof (OspImplantParams, thickness), FALSE,
    KIND_BIT (OSP_IMPLANT_PLATE) | KIND_BIT (OSP_IMPLANT_BLOCK), 0.0, 50.0, 0.5, 1 },
  { "n_holes", N_("Screw holes"), N_("Number of screw holes in the plate"),
    offsetof (OspImplantParams, n_holes), TRUE, KIND_BIT (OSP_IMPLANT_PLATE),
    0.0, 40.0, 1.0, 0 },
  { "hole_diameter", N_("Hole diameter (mm)"), N_("Diameter of the plate's screw holes"),
    offsetof (OspImplantParams, hole_diameter), FALSE, KIND_BIT (OSP_IMPLANT_PLATE),
    0.5, 30.0, 0.5, 1 },
  { "spacing", N_("Hole spacing (mm)"), N_("Distance between the centres of two holes"),
    offsetof (OspImplantParams, spacing), FALSE, KIND_BIT (OSP_IMPLANT_PLATE),
    1.0, 100.0, 0.5, 1 },
  { "wall", N_("Wall (mm)"), N_("Wall thickness of the cup"),
    offsetof (OspImplantParams, wall), FALSE, KIND_BIT (OSP_IMPLANT_CUP),
    0.5, 50.0, 0.5, 1 },
  { "flange_diameter", N_("Flange diameter (mm)"),
    N_("Outer diameter of the flange at the rim (0 or the cup's diameter: none)"),
    offsetof (OspImplantParams, flange_diameter), FALSE, KIND_BIT (OSP_IMPLANT_CUP),
    0.0, 300.0, 1.0, 1 },
  { "flange_thickness", N_("Flange thickness (mm)"), N_("Thickness of the flange"),
    offsetof (OspImplantParams, flange_thickness), FALSE, KIND_BIT (OSP_IMPLANT_CUP),
    0.0, 30.0, 0.5, 1 },
  { "offset", N_("Offset (mm)"), N_("Grows (> 0) or shrinks the template's surface"),
    offsetof (OspImplantParams, offset), FALSE, KIND_BIT (OSP_IMPLANT_BLOCK),
    -20.0, 20.0, 0.5, 1 },
};

#define N_PARAMS G_N_ELEMENTS (param_specs)

/* What a click in the view does while a pick button is down. */
typedef enum
{
  PICK_NONE,
  PICK_SNAP,
  PICK_ENTRY,
  PICK_TARGET,
  PICK_PATH,
  PICK_CUP,
} PickMode;

/* Cup angles a surgeon starts from (radiographic inclination / anteversion, degrees). */
#define CUP_DEFAULT_INCLINATION 40.0
#define CUP_DEFAULT_ANTEVERSION 20.0
/* A sphere fit worse than this (RMS, mm) is doubtful: the points are not on one socket. */
#define CUP_SPHERE_RMS_DOUBTFUL 1.5

struct _OspImplantPanel
{
  GtkBox              parent_instance;

  /* template */
  GtkDropDown        *kind_dropdown;
  GtkGrid            *params_grid;
  GtkBox             *custom_box;
  GtkLabel           *custom_label;
  GtkButton          *custom_button;
  GtkLabel           *status_label;
  GtkGrid            *placement_grid;
  GtkToggleButton    *snap_button;
  GtkGrid            *screw_grid;
  GtkToggleButton    *entry_button;
  GtkToggleButton    *target_button;
  GtkLabel           *trajectory_label;
  GtkProgressBar     *fit_progress;
  GtkDrawingArea     *legend_area;
  GtkLabel           *fit_label;

  GtkWidget          *param_labels[N_PARAMS];
  GtkSpinButton      *param_spins[N_PARAMS];
  GtkSpinButton      *position_spins[3];
  GtkSpinButton      *angle_spins[3];
  GtkSpinButton      *entry_spins[3];
  GtkSpinButton      *target_spins[3];
  GtkCheckButton     *local_check;
  GtkWidget          *path_box;
  GtkToggleButton    *path_button;
  GtkLabel           *path_label;
  GArray             *path_points;   /* floats, 3 a point, world: a contoured plate's path */
  GArray             *path_normals;  /* the bone's outward normal at each */

  /* cup */
  GtkWidget          *cup_box;
  GtkToggleButton    *cup_pick_button;
  GtkLabel           *cup_points_label;
  GtkSpinButton      *inclination_spin;
  GtkSpinButton      *anteversion_spin;
  GtkLabel           *cup_label;       /* sphere, frame, side, cover, medial wall */
  GtkLabel           *cup_live_label;  /* angles while dragging */
  GArray             *cup_points;      /* floats, world: picked on the acetabulum */
  gboolean            have_sphere;
  double              sphere_center[3];
  double              sphere_radius;
  double              sphere_rms;
  gboolean            loading_angles;
  guint               marker_overlay;  /* picked points (path, acetabulum) in the view */
  guint               line_overlay;    /* the path between them */

  OspPlan            *plan;
  GtkSingleSelection *selection;
  OspViewport        *viewport;
  gulong              selection_handler;
  gulong              operations_handler;
  gulong              click_handler;
  gulong              drag_handlers[3];
  OspTransformGizmo  *gizmo;        /* on the selected implant while the page is shown */
  OspModel           *gizmo_model;  /* the model it moves (the plan keeps it alive) */

  char               *custom_path;
  gboolean            loading_form; /* filling the form from a model: no live edits */
  OspModel           *bone;         /* the bone last picked on (a reference) */
  OspMesh            *bvh_mesh;     /* the mesh bvh was built for */
  OspBvh             *bvh;

  GCancellable       *cancellable;  /* of the job running, NULL when idle */
  gint               *job_permille; /* shared with the job's thread (atomic) */
  guint               progress_source;
  OspFitStats         fit_stats;
  gboolean            have_fit;
  char               *last_error;
  gboolean            disposed;     /* a job may finish after dispose */
};

G_DEFINE_FINAL_TYPE (OspImplantPanel, osp_implant_panel, GTK_TYPE_BOX)

static void update_sensitivity (OspImplantPanel *self);
static void update_cup_label   (OspImplantPanel *self);
static gboolean point_in_view  (OspImplantPanel *self,
                                float           *out);
static void cup_matrix_at      (OspImplantPanel *self,
                                const double    *center,
                                float           *out_matrix);
static void on_pick_toggled    (GtkToggleButton *button,
                                OspImplantPanel *self);

/* -- Helpers ------------------------------------------------------------------------------ */

static OspModel *
get_selected (OspImplantPanel *self)
{
  if (self->selection == NULL)
    return NULL;
  return gtk_single_selection_get_selected_item (self->selection);
}

static gboolean
plan_holds (OspImplantPanel *self,
            OspModel        *model)
{
  guint n;

  if (self->plan == NULL || model == NULL)
    return FALSE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) item = g_list_model_get_item (G_LIST_MODEL (self->plan), i);

      if (item == model)
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_implant (OspModel *model)
{
  return model != NULL && osp_model_get_role (model) == OSP_MODEL_ROLE_IMPLANT;
}

/* The bone screws and fit refer to: the one last picked on, else the first visible model that
 * is not an implant. */
static OspModel *
find_bone (OspImplantPanel *self)
{
  guint n;

  if (self->plan == NULL)
    return NULL;
  if (self->bone != NULL && plan_holds (self, self->bone))
    return self->bone;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) item = g_list_model_get_item (G_LIST_MODEL (self->plan), i);

      if (!is_implant (item) && osp_model_get_visible (item))
        return item;  /* the plan keeps it alive */
    }
  return NULL;
}

/* The BVH of a model's mesh (its own frame), built once per mesh. */
static OspBvh *
get_bvh (OspImplantPanel *self,
         OspModel        *model)
{
  OspMesh *mesh = osp_model_get_mesh (model);

  if (self->bvh == NULL || self->bvh_mesh != mesh)
    {
      g_clear_pointer (&self->bvh, osp_bvh_unref);
      g_clear_pointer (&self->bvh_mesh, osp_mesh_unref);
      self->bvh = osp_bvh_new (mesh);
      self->bvh_mesh = osp_mesh_ref (mesh);
    }
  return self->bvh;
}

static void
set_status (OspImplantPanel *self,
            const char      *text,
            gboolean         is_error)
{
  gtk_label_set_text (self->status_label, text);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  g_free (self->last_error);
  self->last_error = g_strdup (text);
}

static void
spins_get (GtkSpinButton **spins,
           float          *out)
{
  for (guint i = 0; i < 3; i++)
    out[i] = (float) gtk_spin_button_get_value (spins[i]);
}

static void
spins_set (GtkSpinButton **spins,
           const float    *values)
{
  for (guint i = 0; i < 3; i++)
    gtk_spin_button_set_value (spins[i], values[i]);
}

static OspImplantKind
get_kind (OspImplantPanel *self)
{
  guint selected = gtk_drop_down_get_selected (self->kind_dropdown);

  return selected <= OSP_IMPLANT_CUSTOM ? (OspImplantKind) selected : OSP_IMPLANT_SCREW;
}

/* The form as parameters (cleared by the caller). */
static void
form_to_params (OspImplantPanel  *self,
                OspImplantParams *params)
{
  OspImplantKind kind = get_kind (self);

  osp_implant_params_init (params, kind);
  for (guint i = 0; i < N_PARAMS; i++)
    {
      const ParamSpec *spec = &param_specs[i];
      double value = gtk_spin_button_get_value (self->param_spins[i]);

      if (!(spec->kinds & KIND_BIT (kind)))
        continue;
      if (spec->is_count)
        G_STRUCT_MEMBER (guint, params, spec->offset) = (guint) MAX (0.0, round (value));
      else
        G_STRUCT_MEMBER (double, params, spec->offset) = value;
    }
  if (kind == OSP_IMPLANT_CUSTOM)
    {
      g_free (params->path);
      params->path = g_strdup (self->custom_path);
    }
  if (kind == OSP_IMPLANT_PLATE && self->path_points->len >= 6)
    {
      params->n_points = self->path_points->len / 3;
      params->points = g_memdup2 (self->path_points->data, sizeof (float) * 3 * params->n_points);
      params->normals = g_memdup2 (self->path_normals->data,
                                   sizeof (float) * 3 * params->n_points);
    }
  if (kind == OSP_IMPLANT_BLOCK)
    {
      OspModel *bone = find_bone (self);

      g_free (params->template_name);
      params->template_name = bone != NULL ? g_strdup (osp_model_get_name (bone)) : NULL;
    }
}

static void
show_kind_rows (OspImplantPanel *self)
{
  OspImplantKind kind = get_kind (self);

  for (guint i = 0; i < N_PARAMS; i++)
    {
      gboolean visible = (param_specs[i].kinds & KIND_BIT (kind)) != 0;

      gtk_widget_set_visible (self->param_labels[i], visible);
      gtk_widget_set_visible (GTK_WIDGET (self->param_spins[i]), visible);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->custom_box), kind == OSP_IMPLANT_CUSTOM);
  if (self->path_box != NULL)
    gtk_widget_set_visible (self->path_box, kind == OSP_IMPLANT_PLATE);
  if (self->cup_box != NULL)
    gtk_widget_set_visible (self->cup_box, kind == OSP_IMPLANT_CUP);
}

/* Fills the form with parameters (a kind's defaults, or a selected implant's). */
static void
params_to_form (OspImplantPanel        *self,
                const OspImplantParams *params)
{
  self->loading_form = TRUE;
  gtk_drop_down_set_selected (self->kind_dropdown, params->kind);
  for (guint i = 0; i < N_PARAMS; i++)
    {
      const ParamSpec *spec = &param_specs[i];

      if (!(spec->kinds & KIND_BIT (params->kind)))
        continue;
      if (spec->is_count)
        gtk_spin_button_set_value (self->param_spins[i],
                                   G_STRUCT_MEMBER (guint, params, spec->offset));
      else
        gtk_spin_button_set_value (self->param_spins[i],
                                   G_STRUCT_MEMBER (double, params, spec->offset));
    }
  if (params->kind == OSP_IMPLANT_CUSTOM && params->path != NULL)
    osp_implant_panel_set_custom_path (self, params->path);
  show_kind_rows (self);
  self->loading_form = FALSE;
}

/* Live validation: the form's problem, or what it describes. */
static gboolean
validate_form (OspImplantPanel *self)
{
  g_auto(OspImplantParams) params = { 0 };
  g_autoptr(GError) error = NULL;

  form_to_params (self, &params);
  if (params.kind == OSP_IMPLANT_CUSTOM && params.path == NULL)
    {
      set_status (self, _("Choose a mesh file (STL, OBJ or PLY) for the custom implant."), TRUE);
      return FALSE;
    }
  if (params.kind == OSP_IMPLANT_BLOCK && params.template_name == NULL)
    {
      set_status (self, _("A block is made from the template: add or show a template model "
                          "first."), TRUE);
      return FALSE;
    }
  if (!osp_implant_params_validate (&params, &error))
    {
      set_status (self, error->message, TRUE);
      return FALSE;
    }
  {
    g_autofree char *text = osp_implant_params_describe (&params);

    set_status (self, text, FALSE);
  }
  return TRUE;
}

static char *
unique_name (OspImplantPanel *self,
             const char      *base)
{
  for (guint i = 1;; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s %u", base, i);
      gboolean taken = FALSE;
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));

      for (guint j = 0; j < n && !taken; j++)
        {
          g_autoptr(OspModel) item = g_list_model_get_item (G_LIST_MODEL (self->plan), j);

          taken = g_strcmp0 (osp_model_get_name (item), name) == 0;
        }
      if (!taken)
        return g_steal_pointer (&name);
    }
}

static const char *
kind_title (OspImplantKind kind)
{
  switch (kind)
    {
    case OSP_IMPLANT_SCREW: return _("Screw");
    case OSP_IMPLANT_PLATE: return _("Plate");
    case OSP_IMPLANT_CUP: return _("Cup");
    case OSP_IMPLANT_BLOCK: return _("Block");
    case OSP_IMPLANT_CUSTOM: return _("Implant");
    default: return _("Implant");
    }
}

static void
select_model_named (OspImplantPanel *self,
                    const char      *name)
{
  guint n;

  if (self->selection == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  for (guint i = n; i-- > 0;)
    {
      g_autoptr(OspModel) item = g_list_model_get_item (G_LIST_MODEL (self->plan), i);

      if (g_strcmp0 (osp_model_get_name (item), name) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}

/* Adds (model NULL) or regenerates (model) an implant from a mesh made for params. */
static void
commit_mesh (OspImplantPanel        *self,
             const OspImplantParams *params,
             OspMesh                *mesh,
             OspModel               *model,
             const float            *matrix)
{
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (model != NULL)
    command = osp_implant_command_new_set_params (model, params, mesh);
  else
    {
      name = unique_name (self, kind_title (params->kind));
      command = osp_implant_command_new_add (name, params, mesh, matrix);
    }
  if (!osp_plan_execute (self->plan, command, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  if (name != NULL)
    select_model_named (self, name);
  {
    g_autofree char *text = osp_implant_params_describe (params);
    g_autofree char *done = model != NULL
      ? g_strdup_printf (_("Updated “%s”: %s."), osp_model_get_name (model), text)
      : g_strdup_printf (_("Added “%s”: %s."), name, text);

    set_status (self, done, FALSE);
  }
}

/* -- Jobs (block generation, fit) --------------------------------------------------------- */

static void
job_progress (double   fraction,
              gpointer user_data)
{
  g_atomic_int_set ((gint *) user_data, (gint) (fraction * 1000.0));
}

static gboolean
on_progress_tick (gpointer data)
{
  OspImplantPanel *self = data;

  if (self->job_permille != NULL)
    gtk_progress_bar_set_fraction (self->fit_progress,
                                   g_atomic_int_get (self->job_permille) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
job_begin (OspImplantPanel *self)
{
  self->cancellable = g_cancellable_new ();
  self->job_permille = g_atomic_rc_box_new0 (gint);
  gtk_progress_bar_set_fraction (self->fit_progress, 0.0);
  gtk_widget_set_visible (GTK_WIDGET (self->fit_progress), TRUE);
  self->progress_source = g_timeout_add (100, on_progress_tick, self);
  update_sensitivity (self);
}

static void
job_end (OspImplantPanel *self)
{
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->job_permille, g_atomic_rc_box_release);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  if (self->disposed)
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->fit_progress), FALSE);
  update_sensitivity (self);
}

typedef struct
{
  OspImplantParams *params;
  OspMesh          *template_mesh;  /* world coordinates */
  OspModel         *model;          /* regenerate this one, or NULL: add */
  gint             *permille;
} BlockJob;

static void
block_job_free (gpointer data)
{
  BlockJob *job = data;

  osp_implant_params_free (job->params);
  g_clear_pointer (&job->template_mesh, osp_mesh_unref);
  g_clear_object (&job->model);
  g_atomic_rc_box_release (job->permille);
  g_free (job);
}

static void
block_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  BlockJob *job = task_data;
  OspProgressRange progress = { job_progress, job->permille, 0.0, 1.0 };
  GError *error = NULL;
  OspMesh *mesh = osp_implant_generate (job->params, job->template_mesh, &progress,
                                        cancellable, &error);

  if (mesh == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, mesh, (GDestroyNotify) osp_mesh_unref);
}

static void
block_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (source);
  BlockJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = g_task_propagate_pointer (G_TASK (result), &error);

  job_end (self);
  if (self->disposed)
    return;
  if (mesh == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message, TRUE);
      else
        set_status (self, _("Cancelled."), FALSE);
      return;
    }
  if (self->plan == NULL || (job->model != NULL && !plan_holds (self, job->model)))
    return;
  commit_mesh (self, job->params, mesh, job->model, NULL);
}

static void
start_block (OspImplantPanel        *self,
             const OspImplantParams *params,
             OspModel               *model)
{
  OspModel *bone = find_bone (self);
  BlockJob *job;
  mat4 matrix;
  g_autoptr(GTask) task = NULL;

  if (bone == NULL)
    return;
  job = g_new0 (BlockJob, 1);
  job->params = osp_implant_params_copy (params);
  osp_model_get_transform (bone, (float *) matrix);
  job->template_mesh = osp_mesh_transform (osp_model_get_mesh (bone), matrix);
  job->model = model != NULL ? g_object_ref (model) : NULL;
  job_begin (self);
  job->permille = g_atomic_rc_box_acquire (self->job_permille);
  set_status (self, _("Making the block from the template…"), FALSE);
  task = g_task_new (self, self->cancellable, block_done, NULL);
  g_task_set_task_data (task, job, block_job_free);
  g_task_run_in_thread (task, block_thread);
}

/* A contoured plate's picked path laid on the bone: resampled along the surface, lifted where
 * the plate's flat underside would enter it (osp_plate_contour_path()). */
static gboolean
contour_on_bone (OspImplantPanel  *self,
                 OspImplantParams *params)
{
  OspModel *bone = find_bone (self);
  mat4 matrix, inverse;
  g_autofree float *local = NULL;
  float *points = NULL, *normals = NULL;
  guint n = 0;
  g_autoptr(GError) error = NULL;

  if (params->kind != OSP_IMPLANT_PLATE || params->n_points < 2 || bone == NULL)
    return TRUE;
  osp_model_get_transform (bone, (float *) matrix);
  glm_mat4_inv (matrix, inverse);
  local = g_new (float, 3 * params->n_points);
  for (guint i = 0; i < params->n_points; i++)
    glm_mat4_mulv3 (inverse, params->points + 3 * i, 1.0f, local + 3 * i);
  if (!osp_plate_contour_path (get_bvh (self, bone), local, params->n_points, params->width,
                               &points, &normals, &n, &error))
    {
      set_status (self, error->message, TRUE);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      float p[3], v[3];

      glm_mat4_mulv3 (matrix, points + 3 * i, 1.0f, p);
      glm_mat4_mulv3 (matrix, normals + 3 * i, 0.0f, v);
      glm_vec3_normalize (v);
      memcpy (points + 3 * i, p, sizeof p);
      memcpy (normals + 3 * i, v, sizeof v);
    }
  g_free (params->points);
  g_free (params->normals);
  params->points = points;
  params->normals = normals;
  params->n_points = n;
  {
    guint n_holes;

    params->length = osp_implant_plate_length (params, &n_holes);
    if (params->n_holes > 0)
      params->n_holes = MAX (n_holes, 1);
  }
  return TRUE;
}

/* -- Actions: add, apply, move ------------------------------------------------------------ */

static void
action_add (GtkWidget  *widget,
            const char *name,
            GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);
  g_auto(OspImplantParams) params = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  float position[3], angles[3], matrix[16];

  if (self->plan == NULL || self->cancellable != NULL || !validate_form (self))
    return;
  form_to_params (self, &params);
  if (params.kind == OSP_IMPLANT_BLOCK)
    {
      start_block (self, &params, NULL);
      return;
    }
  if (!contour_on_bone (self, &params))
    return;
  mesh = osp_implant_generate (&params, NULL, NULL, NULL, &error);
  if (mesh == NULL)
    {
      set_status (self, error->message, TRUE);
      return;
    }
  spins_get (self->position_spins, position);
  spins_get (self->angle_spins, angles);
  if (params.kind == OSP_IMPLANT_CUP)
    {
      /* At the fitted sphere, else on the bone in view: never at the origin, far away. */
      double center[3];
      float p[3];

      if (self->have_sphere)
        memcpy (center, self->sphere_center, sizeof center);
      else if (point_in_view (self, p))
        for (int k = 0; k < 3; k++)
          center[k] = p[k];
      else
        for (int k = 0; k < 3; k++)
          center[k] = position[k];
      cup_matrix_at (self, center, matrix);
      commit_mesh (self, &params, mesh, NULL, matrix);
      update_cup_label (self);
      return;
    }
  if (position[0] == 0 && position[1] == 0 && position[2] == 0)
    point_in_view (self, position);   /* no position given: on the bone in view */
  osp_matrix_from_euler (position, angles, matrix);
  /* A plate contoured along a picked path is made in world coordinates, where the path is. */
  commit_mesh (self, &params, mesh, NULL, params.n_points >= 2 ? NULL : matrix);
}

static void
action_apply (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);
  OspModel *model = get_selected (self);
  const OspImplantParams *old;
  g_auto(OspImplantParams) params = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;

  if (self->plan == NULL || self->cancellable != NULL || model == NULL)
    return;
  old = osp_implant_get_params (model);
  if (old == NULL)
    {
      set_status (self, _("The selected model is not a parametric implant."), TRUE);
      return;
    }
  if (old->kind != get_kind (self))
    {
      set_status (self, _("The selected implant is of another kind: choose its kind to edit "
                          "it, or Add a new implant."), TRUE);
      return;
    }
  if (!validate_form (self))
    return;
  form_to_params (self, &params);
  if (params.kind == OSP_IMPLANT_BLOCK)
    {
      start_block (self, &params, model);
      return;
    }
  if (!contour_on_bone (self, &params))
    return;
  mesh = osp_implant_generate (&params, NULL, NULL, NULL, &error);
  if (mesh == NULL)
    {
      set_status (self, error->message, TRUE);
      return;
    }
  commit_mesh (self, &params, mesh, model, NULL);
}

static void
apply_transform (OspImplantPanel *self,
                 OspModel        *model,
                 const float     *matrix)
{
  g_autoptr(OspCommand) command = osp_command_new_set_transform (model, matrix);
  g_autoptr(GError) error = NULL;

  if (!osp_plan_execute (self->plan, command, &error))
    set_status (self, error->message, TRUE);
}

static void
action_move (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);
  OspModel *model = get_selected (self);
  float position[3], angles[3], matrix[16];

  if (self->plan == NULL || model == NULL)
    return;
  spins_get (self->position_spins, position);
  spins_get (self->angle_spins, angles);
  osp_matrix_from_euler (position, angles, matrix);
  apply_transform (self, model, matrix);
}

/* -- Screws -------------------------------------------------------------------------------- */

/* How far short of the far cortex a proposed screw stops (mm): the preference
 * "screw-far-cortex-clearance" where the schema has it, else 2 mm. */
static double
far_cortex_clearance (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema =
    source != NULL ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;

  if (schema != NULL && g_settings_schema_has_key (schema, "screw-far-cortex-clearance"))
    {
      g_autoptr(GSettings) settings = g_settings_new_full (schema, NULL, NULL);

      return g_settings_get_double (settings, "screw-far-cortex-clearance");
    }
  return 2.0;
}

static gboolean
is_screw (OspModel *model)
{
  const OspImplantParams *params = model != NULL ? osp_implant_get_params (model) : NULL;

  return params != NULL && params->kind == OSP_IMPLANT_SCREW;
}

/* The screw's body against the bone: a sentence when it breaks out (NULL when it is in). */
static char *
screw_breach_text (OspImplantPanel *self,
                   OspModel        *screw,
                   OspModel        *bone)
{
  const OspImplantParams *params = osp_implant_get_params (screw);
  mat4 screw_matrix, bone_matrix, inverse, local;
  OspScrewBody body;

  osp_model_get_transform (screw, (float *) screw_matrix);
  osp_model_get_transform (bone, (float *) bone_matrix);
  glm_mat4_inv (bone_matrix, inverse);
  glm_mat4_mul (inverse, screw_matrix, local);
  osp_screw_check_body (get_bvh (self, bone), (const float *) local, params->diameter,
                        params->length, &body);
  if (body.outside)
    return g_strdup_printf (_("Breach: the screw is outside the bone “%s”."),
                            osp_model_get_name (bone));
  if (body.leaves_bone)
    return g_strdup_printf (_("Breach: the screw's body leaves the bone %.0f mm below the head, "
                              "by up to %.1f mm."), body.first_out, body.depth_out);
  return NULL;
}

/* Every screw of the plan checked against the bone; the warnings go on the models (the list
 * shows them in red). */
static void
check_screws (OspImplantPanel *self)
{
  OspModel *bone = find_bone (self);
  guint n;

  if (self->plan == NULL)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) item = g_list_model_get_item (G_LIST_MODEL (self->plan), i);
      g_autofree char *text = NULL;

      if (!is_screw (item))
        continue;
      if (bone != NULL)
        text = screw_breach_text (self, item, bone);
      osp_model_set_warning (item, text);
    }
}

static void
action_plan_screw (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);
  OspModel *bone = find_bone (self);
  float entry[3], target[3], local_entry[3], local_target[3];
  mat4 bone_matrix, inverse, world, screw_matrix;
  OspScrewTrajectory trajectory;
  OspAcetabulum acetabulum = { NULL, { 0 }, 0.0f };
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(OspImplantParams) params = { 0 };
  g_autoptr(OspMesh) mesh = NULL;
  int landmark;

  if (self->plan == NULL || self->cancellable != NULL)
    return;
  if (bone == NULL)
    {
      set_status (self, _("There is no bone to place a screw in."), TRUE);
      return;
    }
  spins_get (self->entry_spins, entry);
  spins_get (self->target_spins, target);
  osp_model_get_transform (bone, (float *) bone_matrix);
  glm_mat4_inv (bone_matrix, inverse);
  glm_mat4_mulv3 (inverse, entry, 1.0f, local_entry);
  glm_mat4_mulv3 (inverse, target, 1.0f, local_target);
  /* A landmark named "Acetabulum", in English or in the user's language (its centre), with a
   * 25 mm radius marks what to avoid. */
  landmark = osp_plan_find_landmark (self->plan, "Acetabulum");
  if (landmark < 0)
    landmark = osp_plan_find_landmark (self->plan, C_("landmark name", "Acetabulum"));
  if (landmark >= 0)
    {
      float centre[3];

      osp_plan_get_landmark (self->plan, landmark, centre);
      glm_mat4_mulv3 (inverse, centre, 1.0f, acetabulum.center);
      acetabulum.radius = 25.0f;
    }
  if (!osp_screw_trajectory (get_bvh (self, bone), local_entry, local_target,
                             landmark >= 0 ? &acetabulum : NULL, SCREW_LENGTH_STEP,
                             &trajectory, &error))
    {
      gtk_label_set_text (self->trajectory_label, error->message);
      return;
    }
  /* Short of the far cortex by the clearance the preferences set. */
  trajectory.proposed_length = osp_screw_proposed_length (trajectory.exit_distance,
                                                          far_cortex_clearance (),
                                                          SCREW_LENGTH_STEP);
  g_string_append_printf (text, _("Bone “%s”: far cortex at %.1f mm, proposed length %.0f mm "
                                  "(%.1f mm short of it)."),
                          osp_model_get_name (bone), trajectory.exit_distance,
                          trajectory.proposed_length,
                          trajectory.exit_distance - trajectory.proposed_length);
  if (trajectory.warnings & OSP_SCREW_ENTRY_OUTSIDE)
    g_string_append_printf (text, "\n⚠ %s", _("The entry point is not on the bone."));
  /* Whole sentences with their numbers: translations may need another order. */
  if (trajectory.warnings & OSP_SCREW_LEAVES_BONE)
    {
      g_string_append (text, "\n⚠ ");
      g_string_append_printf (text, _("The screw leaves the bone %.1f mm from the entry, before "
                                      "the target."), trajectory.first_leave_distance);
    }
  if (trajectory.warnings & OSP_SCREW_ENTERS_ACETABULUM)
    {
      g_string_append (text, "\n⚠ ");
      g_string_append_printf (text, _("The screw enters the acetabulum %.1f mm from the entry."),
                              trajectory.acetabulum_distance);
    }
  if (trajectory.warnings & OSP_SCREW_NO_EXIT)
    g_string_append_printf (text, "\n⚠ %s", _("No far cortex along the axis."));
  gtk_label_set_text (self->trajectory_label, text->str);
  if (trajectory.warnings != OSP_SCREW_OK)
    gtk_widget_add_css_class (GTK_WIDGET (self->trajectory_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->trajectory_label), "error");
  if (trajectory.proposed_length <= 0.0)
    return;

  /* The screw of the form, at the proposed length, along the trajectory. */
  if (get_kind (self) != OSP_IMPLANT_SCREW)
    osp_implant_panel_set_kind (self, OSP_IMPLANT_SCREW);
  osp_implant_panel_set_value (self, "length", trajectory.proposed_length);
  if (!validate_form (self))
    return;
  form_to_params (self, &params);
  mesh = osp_implant_generate (&params, NULL, NULL, NULL, &error);
  if (mesh == NULL)
    {
      set_status (self, error->message, TRUE);
      return;
    }
  /* The trajectory's matrix is a plain float[16]: copy it where SSE loads are aligned. */
  memcpy (screw_matrix, trajectory.matrix, sizeof screw_matrix);
  glm_mat4_mul (bone_matrix, screw_matrix, world);
  commit_mesh (self, &params, mesh, NULL, (const float *) world);
  {
    /* The body, not just the axis: a breach is said here and on the model, in red. */
    OspModel *screw = get_selected (self);
    g_autofree char *breach = is_screw (screw) ? screw_breach_text (self, screw, bone) : NULL;

    if (breach != NULL)
      {
        g_string_append_printf (text, "\n⚠ %s", breach);
        gtk_label_set_text (self->trajectory_label, text->str);
        gtk_widget_add_css_class (GTK_WIDGET (self->trajectory_label), "error");
      }
  }
}

/* -- Picked points in the view -------------------------------------------------------------- */

/* A ball of radius r at a point (a coarse revolved semicircle). */
static OspMesh *
make_ball (const float *center,
           double       r)
{
  double profile[2 * 9];
  g_autoptr(OspMesh) ball = NULL;
  mat4 m = GLM_MAT4_IDENTITY_INIT;

  for (guint i = 0; i < 9; i++)
    {
      double a = -G_PI / 2 + G_PI * i / 8;

      profile[2 * i] = i == 0 || i == 8 ? 0 : r * cos (a);
      profile[2 * i + 1] = r * sin (a);
    }
  ball = osp_mesh_revolve (profile, 9, 12);
  glm_translate (m, (float *) center);
  return osp_mesh_transform (ball, m);
}

/* A thin rod from a to b (NULL when they coincide). */
static OspMesh *
make_rod (const float *a,
          const float *b,
          double       r)
{
  float d[3], frame[16];
  double len, profile[8];
  g_autoptr(OspMesh) rod = NULL;
  mat4 m;

  glm_vec3_sub ((float *) b, (float *) a, d);
  len = glm_vec3_norm (d);
  if (len < 1e-3)
    return NULL;
  profile[0] = 0;
  profile[1] = 0;
  profile[2] = r;
  profile[3] = 0;
  profile[4] = r;
  profile[5] = len;
  profile[6] = 0;
  profile[7] = len;
  rod = osp_mesh_revolve (profile, 4, 8);
  osp_frame_from_point_normal (a, d, 0.0, frame);
  memcpy (m, frame, sizeof m);
  return osp_mesh_transform (rod, m);
}

/* Shows the points being picked (a plate's path with the path between them, or the points on
 * the acetabulum), as they are picked. */
static void
update_pick_overlay (OspImplantPanel *self)
{
  static const float marker_rgb[3] = { 1.0f, 0.55f, 0.1f };
  static const float line_rgb[3] = { 0.2f, 0.8f, 1.0f };
  g_autoptr(GPtrArray) balls = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autoptr(GPtrArray) rods = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  GArray *points = get_kind (self) == OSP_IMPLANT_CUP ? self->cup_points : self->path_points;
  gboolean path = get_kind (self) == OSP_IMPLANT_PLATE;
  guint n = points->len / 3;

  if (self->viewport == NULL)
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) ||
      (get_kind (self) != OSP_IMPLANT_CUP && !path))
    n = 0;
  for (guint i = 0; i < n; i++)
    {
      const float *p = &g_array_index (points, float, 3 * i);

      g_ptr_array_add (balls, make_ball (p, 1.6));
      if (path && i > 0)
        {
          OspMesh *rod = make_rod (p - 3, p, 0.6);

          if (rod != NULL)
            g_ptr_array_add (rods, rod);
        }
    }
  if (balls->len > 0)
    {
      g_autoptr(OspMesh) mesh = osp_mesh_merge ((OspMesh *const *) balls->pdata, balls->len);

      if (self->marker_overlay == 0)
        self->marker_overlay = osp_viewport_add_overlay (self->viewport, mesh, marker_rgb, 1.0f);
      else
        osp_viewport_update_overlay (self->viewport, self->marker_overlay, mesh, TRUE);
    }
  else if (self->marker_overlay != 0)
    osp_viewport_update_overlay (self->viewport, self->marker_overlay, NULL, FALSE);
  if (rods->len > 0)
    {
      g_autoptr(OspMesh) mesh = osp_mesh_merge ((OspMesh *const *) rods->pdata, rods->len);

      if (self->line_overlay == 0)
        self->line_overlay = osp_viewport_add_overlay (self->viewport, mesh, line_rgb, 1.0f);
      else
        osp_viewport_update_overlay (self->viewport, self->line_overlay, mesh, TRUE);
    }
  else if (self->line_overlay != 0)
    osp_viewport_update_overlay (self->viewport, self->line_overlay, NULL, FALSE);
}

/* -- Cups --------------------------------------------------------------------------------- */

static gboolean
is_cup (OspModel *model)
{
  const OspImplantParams *params = model != NULL ? osp_implant_get_params (model) : NULL;

  return params != NULL && params->kind == OSP_IMPLANT_CUP;
}

/* Where the midline is when the plan has no APP: on the midsagittal plane if the plan has
 * one, else the middle of the bones' bounds. */
static void
fallback_midline (OspImplantPanel *self,
                  const double    *near,
                  double          *out)
{
  guint n = osp_plan_get_n_planes (self->plan);
  OspBox all = { { INFINITY, INFINITY, INFINITY }, { -INFINITY, -INFINITY, -INFINITY } };

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *folded = g_utf8_casefold (osp_plan_get_plane_name (self->plan, i), -1);
      OspPlane plane;
      double dist = 0;

      if (strstr (folded, "midsagittal") == NULL && strstr (folded, "symmetry") == NULL)
        continue;
      osp_plan_get_plane (self->plan, i, &plane);
      for (int k = 0; k < 3; k++)
        dist += plane.normal[k] * near[k];
      dist -= plane.d;
      for (int k = 0; k < 3; k++)
        out[k] = near[k] - dist * plane.normal[k];
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) item = g_list_model_get_item (G_LIST_MODEL (self->plan), i);
      OspBox box;
      mat4 m;
      g_autoptr(OspMesh) world = NULL;

      if (is_implant (item) || !osp_model_get_visible (item))
        continue;
      osp_model_get_transform (item, (float *) m);
      world = osp_mesh_transform (osp_model_get_mesh (item), m);
      osp_mesh_get_bounds (world, &box);
      for (int k = 0; k < 3; k++)
        {
          all.min[k] = MIN (all.min[k], box.min[k]);
          all.max[k] = MAX (all.max[k], box.max[k]);
        }
    }
  for (int k = 0; k < 3; k++)
    out[k] = isfinite (all.min[k]) ? (all.min[k] + all.max[k]) / 2 : 0.0;
}

/* The pelvic frame for a cup at `center` and the side it is on. */
static gboolean
cup_frame (OspImplantPanel *self,
           const double    *center,
           OspPelvicFrame  *frame,
           gboolean        *out_left)
{
  double midline[3];
  gboolean app;

  fallback_midline (self, center, midline);
  app = osp_pelvic_frame_from_plan (self->plan, midline, frame);
  *out_left = osp_pelvic_frame_is_left (frame, center);
  return app;
}

/* Angles, frame, side, cover and medial wall of a cup model, as text for the panel. */
static void
describe_cup (OspImplantPanel *self,
              OspModel        *model,
              GString         *text,
              gboolean        *out_doubtful)
{
  const OspImplantParams *params = osp_implant_get_params (model);
  OspModel *bone = find_bone (self);
  float matrix[16];
  double center[3], axis[3], ri, ra;
  OspPelvicFrame frame;
  gboolean left, app;

  osp_model_get_transform (model, matrix);
  for (int k = 0; k < 3; k++)
    {
      center[k] = matrix[12 + k];
      axis[k] = matrix[8 + k];
    }
  app = cup_frame (self, center, &frame, &left);
  osp_cup_angles_from_axis (&frame, left, axis, &ri, &ra);
  g_string_append_printf (text, left ? _("Left hip: inclination %.1f°, anteversion %.1f°.")
                                     : _("Right hip: inclination %.1f°, anteversion %.1f°."),
                          ri, ra);
  if (!app)
    g_string_append_printf (text, "\n%s",
                            _("Note: angles are relative to the patient axes (CT), not the "
                              "anterior pelvic plane: add the landmarks “ASIS L”, “ASIS R”, "
                              "“Pubic tubercle L” and “Pubic tubercle R” for the APP."));
  else
    g_string_append_printf (text, "\n%s", _("Angles relative to the anterior pelvic plane."));
  if (bone != NULL && params != NULL)
    {
      mat4 bone_matrix, inverse, cup, local;
      OspCupCoverage cover;

      osp_model_get_transform (bone, (float *) bone_matrix);
      memcpy (cup, matrix, sizeof cup);
      glm_mat4_inv (bone_matrix, inverse);
      glm_mat4_mul (inverse, cup, local);
      osp_cup_coverage (get_bvh (self, bone), (const float *) local, params->diameter, &cover);
      g_string_append_printf (text, "\n");
      g_string_append_printf (text, _("Bone cover of the cup: %.0f %%."), 100.0 * cover.cover);
      if (cover.medial_breach)
        {
          g_string_append_printf (text, "\n⚠ ");
          if (isfinite (cover.medial_wall_mm))
            g_string_append_printf (text, _("Medial wall breached: the cup's dome is %.1f mm "
                                            "through it."), -cover.medial_wall_mm);
          else
            g_string_append (text, _("Medial wall breached: no bone behind the cup's dome."));
          *out_doubtful = TRUE;
        }
      else
        {
          g_string_append_printf (text, "\n");
          g_string_append_printf (text, _("Medial wall behind the dome: %.1f mm."),
                                  cover.medial_wall_mm);
        }
      if (cover.cover < 0.7)
        {
          g_string_append (text, "\n⚠ ");
          g_string_append_printf (text, _("Less than %.0f %% of the cup is covered by bone."),
                                  70.0);
          *out_doubtful = TRUE;
        }
    }
}

static void
update_cup_label (OspImplantPanel *self)
{
  OspModel *model = get_selected (self);
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean doubtful = FALSE;

  if (self->cup_label == NULL || self->plan == NULL)
    return;
  if (self->have_sphere)
    {
      g_string_append_printf (text, _("Sphere Ø %.1f mm, RMS %.2f mm over %u points: a %.0f mm "
                                      "cup."), 2 * self->sphere_radius, self->sphere_rms,
                              self->cup_points->len / 3,
                              osp_cup_size_for_diameter (2 * self->sphere_radius));
      if (self->sphere_rms > CUP_SPHERE_RMS_DOUBTFUL)
        {
          g_string_append_printf (text, "\n⚠ %s", _("The points do not lie on one sphere: "
                                                     "check them."));
          doubtful = TRUE;
        }
    }
  if (is_cup (model))
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      describe_cup (self, model, text, &doubtful);
    }
  if (text->len == 0)
    g_string_assign (text, _("Pick 4 or more points on the acetabulum (rim and fossa), on the "
                             "bone or on the mirrored healthy side, then Place Cup."));
  gtk_label_set_text (self->cup_label, text->str);
  if (doubtful)
    gtk_widget_add_css_class (GTK_WIDGET (self->cup_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->cup_label), "error");
}

static void
refit_sphere (OspImplantPanel *self)
{
  guint n = self->cup_points->len / 3;
  g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u point",
                                                         "%u points", n), n);

  gtk_label_set_text (self->cup_points_label, count);
  self->have_sphere = n >= 4 &&
    osp_sphere_fit ((const float *) self->cup_points->data, n, self->sphere_center,
                    &self->sphere_radius, &self->sphere_rms, NULL);
  if (self->have_sphere)
    osp_implant_panel_set_value (self, "diameter",
                                 osp_cup_size_for_diameter (2 * self->sphere_radius));
  update_cup_label (self);
  update_pick_overlay (self);
}

static void
clear_cup_points (OspImplantPanel *self)
{
  g_array_set_size (self->cup_points, 0);
  refit_sphere (self);
}

/* A point of the bone in the middle of the view (or the middle of the bone): where a new
 * implant goes when nothing says where. */
static gboolean
point_in_view (OspImplantPanel *self,
               float           *out)
{
  OspModel *model = NULL, *bone;

  if (self->viewport != NULL &&
      osp_viewport_pick (self->viewport,
                         gtk_widget_get_width (GTK_WIDGET (self->viewport)) / 2.0,
                         gtk_widget_get_height (GTK_WIDGET (self->viewport)) / 2.0,
                         &model, out) &&
      model != NULL && !is_implant (model))
    return TRUE;
  bone = find_bone (self);
  if (bone != NULL)
    {
      mat4 m;
      g_autoptr(OspMesh) world = NULL;
      OspBox box;

      osp_model_get_transform (bone, (float *) m);
      world = osp_mesh_transform (osp_model_get_mesh (bone), m);
      osp_mesh_get_bounds (world, &box);
      for (int k = 0; k < 3; k++)
        out[k] = (box.min[k] + box.max[k]) / 2;
      return TRUE;
    }
  return FALSE;
}

/* The matrix for a cup at `center` with the form's angles. */
static void
cup_matrix_at (OspImplantPanel *self,
               const double    *center,
               float           *out_matrix)
{
  OspPelvicFrame frame;
  gboolean left;

  cup_frame (self, center, &frame, &left);
  osp_cup_matrix (&frame, left, gtk_spin_button_get_value (self->inclination_spin),
                  gtk_spin_button_get_value (self->anteversion_spin), center, out_matrix);
}

static void
action_place_cup (GtkWidget  *widget,
                  const char *name,
                  GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);
  OspModel *model = get_selected (self);
  float matrix[16];
  double center[3];

  if (self->plan == NULL || self->cancellable != NULL)
    return;
  if (self->have_sphere)
    memcpy (center, self->sphere_center, sizeof center);
  else if (is_cup (model))
    {
      float m[16];

      osp_model_get_transform (model, m);
      for (int k = 0; k < 3; k++)
        center[k] = m[12 + k];
    }
  else
    {
      float p[3];

      if (!point_in_view (self, p))
        {
          set_status (self, _("There is no bone to place a cup on."), TRUE);
          return;
        }
      for (int k = 0; k < 3; k++)
        center[k] = p[k];
    }
  cup_matrix_at (self, center, matrix);
  if (is_cup (model))
    apply_transform (self, model, matrix);
  else
    {
      g_auto(OspImplantParams) params = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(OspMesh) mesh = NULL;

      if (get_kind (self) != OSP_IMPLANT_CUP)
        osp_implant_panel_set_kind (self, OSP_IMPLANT_CUP);
      if (!validate_form (self))
        return;
      form_to_params (self, &params);
      mesh = osp_implant_generate (&params, NULL, NULL, NULL, &error);
      if (mesh == NULL)
        {
          set_status (self, error->message, TRUE);
          return;
        }
      commit_mesh (self, &params, mesh, NULL, matrix);
    }
  update_cup_label (self);
}

/* The angles typed: the selected cup turns about its centre. */
static void
on_cup_angles_changed (OspImplantPanel *self)
{
  OspModel *model = get_selected (self);
  float m[16], matrix[16];
  double center[3];

  if (self->loading_angles || self->plan == NULL || !is_cup (model))
    return;
  osp_model_get_transform (model, m);
  for (int k = 0; k < 3; k++)
    center[k] = m[12 + k];
  cup_matrix_at (self, center, matrix);
  apply_transform (self, model, matrix);
}

/* The selected cup's angles into the spin buttons (without turning it again). */
static void
cup_angles_to_form (OspImplantPanel *self,
                    const float     *matrix)
{
  OspPelvicFrame frame;
  double center[3] = { matrix[12], matrix[13], matrix[14] };
  double axis[3] = { matrix[8], matrix[9], matrix[10] }, ri, ra;
  gboolean left;

  cup_frame (self, center, &frame, &left);
  osp_cup_angles_from_axis (&frame, left, axis, &ri, &ra);
  self->loading_angles = TRUE;
  gtk_spin_button_set_value (self->inclination_spin, ri);
  gtk_spin_button_set_value (self->anteversion_spin, ra);
  self->loading_angles = FALSE;
}

/* While the gizmo turns a cup: its angles, live. */
static void
show_live_cup_angles (OspImplantPanel *self,
                      const float     *matrix)
{
  OspPelvicFrame frame;
  double center[3] = { matrix[12], matrix[13], matrix[14] };
  double axis[3] = { matrix[8], matrix[9], matrix[10] }, ri, ra;
  gboolean left;
  g_autofree char *text = NULL;

  cup_frame (self, center, &frame, &left);
  osp_cup_angles_from_axis (&frame, left, axis, &ri, &ra);
  text = g_strdup_printf (_("Inclination %.1f°, anteversion %.1f°"), ri, ra);
  gtk_label_set_text (self->cup_live_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->cup_live_label), TRUE);
}

/* -- Picking ------------------------------------------------------------------------------- */

static PickMode
get_pick_mode (OspImplantPanel *self)
{
  if (gtk_toggle_button_get_active (self->snap_button))
    return PICK_SNAP;
  if (gtk_toggle_button_get_active (self->entry_button))
    return PICK_ENTRY;
  if (gtk_toggle_button_get_active (self->target_button))
    return PICK_TARGET;
  if (self->path_button != NULL && gtk_toggle_button_get_active (self->path_button))
    return PICK_PATH;
  if (self->cup_pick_button != NULL && gtk_toggle_button_get_active (self->cup_pick_button))
    return PICK_CUP;
  return PICK_NONE;
}

/* The outward normal (world) of the bone's surface nearest a world point. */
static gboolean
surface_normal (OspImplantPanel *self,
                OspModel        *bone,
                const float     *point,
                float           *out_normal)
{
  mat4 matrix, inverse;
  float local[3], edge1[3], edge2[3], normal[3];
  OspClosestPoint closest;
  OspMesh *mesh = osp_model_get_mesh (bone);
  const float *positions = osp_mesh_get_positions (mesh);
  const guint32 *indices = osp_mesh_get_indices (mesh);
  const float *a, *b, *c;

  osp_model_get_transform (bone, (float *) matrix);
  glm_mat4_inv (matrix, inverse);
  glm_mat4_mulv3 (inverse, (float *) point, 1.0f, local);
  if (!osp_bvh_closest_point (get_bvh (self, bone), local, INFINITY, &closest))
    return FALSE;
  a = positions + 3 * indices[3 * closest.triangle];
  b = positions + 3 * indices[3 * closest.triangle + 1];
  c = positions + 3 * indices[3 * closest.triangle + 2];
  glm_vec3_sub ((float *) b, (float *) a, edge1);
  glm_vec3_sub ((float *) c, (float *) a, edge2);
  glm_vec3_cross (edge1, edge2, normal);
  glm_mat4_mulv3 (matrix, normal, 0.0f, out_normal);
  return glm_vec3_norm (out_normal) > 0.0f;
}

static gboolean
on_tool_click (OspViewport     *viewport,
               double           x,
               double           y,
               OspImplantPanel *self)
{
  PickMode mode = get_pick_mode (self);
  OspModel *model = NULL;
  float point[3];

  if (mode == PICK_NONE)
    return FALSE;
  if (!osp_viewport_pick (viewport, x, y, &model, point) || model == NULL || is_implant (model))
    {
      set_status (self, _("Click on the bone."), TRUE);
      return TRUE;
    }
  g_set_object (&self->bone, model);
  switch (mode)
    {
    case PICK_SNAP:
      {
        float normal[3], matrix[16], position[3], angles[3];
        OspModel *selected = get_selected (self);

        if (!surface_normal (self, model, point, normal))
          return TRUE;
        if (is_cup (selected) || (!is_implant (selected) && get_kind (self) == OSP_IMPLANT_CUP))
          {
            /* A cup keeps the angles of the form: the click gives its centre. */
            double center[3] = { point[0], point[1], point[2] };

            cup_matrix_at (self, center, matrix);
          }
        else
          osp_frame_from_point_normal (point, normal, 0.0, matrix);
        osp_matrix_to_euler (matrix, position, angles);
        spins_set (self->position_spins, position);
        spins_set (self->angle_spins, angles);
        if (is_implant (selected))
          apply_transform (self, selected, matrix);
        gtk_toggle_button_set_active (self->snap_button, FALSE);
      }
      break;
    case PICK_ENTRY:
      spins_set (self->entry_spins, point);
      gtk_toggle_button_set_active (self->target_button, TRUE);
      break;
    case PICK_TARGET:
      spins_set (self->target_spins, point);
      gtk_toggle_button_set_active (self->target_button, FALSE);
      break;
    case PICK_PATH:
      {
        float normal[3];

        /* Each click adds a point; the plate follows them in order. */
        if (!surface_normal (self, model, point, normal))
          return TRUE;
        glm_vec3_normalize (normal);
        osp_implant_panel_add_plate_path_point (self, point, normal);
      }
      break;
    case PICK_CUP:
      g_array_append_vals (self->cup_points, point, 3);
      refit_sphere (self);
      break;
    case PICK_NONE:
    default:
      break;
    }
  return TRUE;
}

/* -- Fit ----------------------------------------------------------------------------------- */

typedef struct
{
  OspMesh  *implant;
  OspMesh  *bone;
  OspBvh   *bvh;       /* cached, or built in the thread */
  OspModel *model;     /* the implant model coloured */
  mat4      matrix;    /* aligned: cglm's SSE code loads whole columns */
  gint     *permille;
  float    *distances;
} FitJob;

static void
fit_job_free (gpointer data)
{
  FitJob *job = data;

  osp_mesh_unref (job->implant);
  osp_mesh_unref (job->bone);
  g_clear_pointer (&job->bvh, osp_bvh_unref);
  g_object_unref (job->model);
  g_atomic_rc_box_release (job->permille);
  g_free (job->distances);
  g_free (job);
}

static void
fit_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  FitJob *job = task_data;
  OspProgressRange progress = { job_progress, job->permille, 0.0, 1.0 };
  GError *error = NULL;

  if (job->bvh == NULL)
    {
      OspProgressRange sub = osp_progress_sub (&progress, 0.0, 0.5);

      job->bvh = osp_bvh_new_full (job->bone, &sub, cancellable, &error);
      if (job->bvh == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      progress = osp_progress_sub (&progress, 0.5, 0.5);
    }
  job->distances = osp_fit_distance_map (job->implant, (const float *) job->matrix, job->bvh, 2,
                                         &progress, cancellable, &error);
  if (job->distances == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Implants (and femoral heads, by name) that the implant overlaps. */
static void
append_collisions (OspImplantPanel *self,
                   OspModel        *implant,
                   GString         *text)
{
  mat4 matrix;
  g_autoptr(OspMesh) a = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));

  osp_model_get_transform (implant, (float *) matrix);
  a = osp_mesh_transform (osp_model_get_mesh (implant), matrix);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) other = g_list_model_get_item (G_LIST_MODEL (self->plan), i);
      g_autofree char *folded = g_utf8_casefold (osp_model_get_name (other), -1);
      g_autoptr(OspMesh) b = NULL;
      OspCollision collision;

      if (other == implant || !osp_model_get_visible (other) ||
          (!is_implant (other) && strstr (folded, "femoral") == NULL &&
           strstr (folded, "femur") == NULL))
        continue;
      osp_model_get_transform (other, (float *) matrix);
      b = osp_mesh_transform (osp_model_get_mesh (other), matrix);
      osp_fit_collide (a, NULL, b, NULL, &collision);
      if (collision.collides)
        {
          g_string_append (text, "\n⚠ ");
          g_string_append_printf (text, _("Collides with “%s” at (%.1f, %.1f, %.1f)."),
                                  osp_model_get_name (other), collision.point[0],
                                  collision.point[1], collision.point[2]);
        }
    }
}

static void
fit_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (source);
  FitJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree guint8 *rgb = NULL;
  guint32 n_vertices;

  job_end (self);
  if (self->disposed)
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      gtk_label_set_text (self->fit_label,
                          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                          ? _("Cancelled.") : error->message);
      return;
    }
  if (self->bvh_mesh != job->bone)
    {
      g_clear_pointer (&self->bvh, osp_bvh_unref);
      g_clear_pointer (&self->bvh_mesh, osp_mesh_unref);
      self->bvh = osp_bvh_ref (job->bvh);
      self->bvh_mesh = osp_mesh_ref (job->bone);
    }
  if (self->plan == NULL || !plan_holds (self, job->model) ||
      osp_model_get_mesh (job->model) != job->implant)
    return;  /* changed meanwhile: the map is stale */

  osp_fit_stats (job->implant, job->distances, OSP_FIT_CONTACT_MM, &self->fit_stats);
  self->have_fit = TRUE;
  n_vertices = osp_mesh_get_n_vertices (job->implant);
  rgb = g_malloc (3 * (gsize) n_vertices);
  for (guint32 v = 0; v < n_vertices; v++)
    {
      float colour[3];

      osp_fit_color (job->distances[v], FIT_RANGE_MM, colour);
      for (guint k = 0; k < 3; k++)
        rgb[3 * v + k] = (guint8) CLAMP (colour[k] * 255.0f + 0.5f, 0.0f, 255.0f);
    }
  if (self->viewport != NULL)
    osp_viewport_set_model_vertex_colors (self->viewport, job->model, rgb);

  g_string_append_printf (text, _("Distance %.2f to %.2f mm (mean %.2f mm)."),
                          self->fit_stats.min_mm, self->fit_stats.max_mm,
                          self->fit_stats.mean_mm);
  g_string_append_printf (text, "\n%s %.2f mm", _("Penetration:"),
                          self->fit_stats.penetration_mm);
  g_string_append_printf (text, "\n%s %.1f mm² (%.0f %%)", _("Contact within 0.5 mm:"),
                          self->fit_stats.contact_area_mm2,
                          self->fit_stats.area_mm2 > 0.0
                          ? 100.0 * self->fit_stats.contact_area_mm2 / self->fit_stats.area_mm2
                          : 0.0);
  if (self->fit_stats.penetration_mm > OSP_FIT_CONTACT_MM)
    g_string_append_printf (text, "\n⚠ %s %.1f mm²", _("Inside the bone:"),
                            self->fit_stats.inside_area_mm2);
  append_collisions (self, job->model, text);
  gtk_label_set_text (self->fit_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->legend_area), TRUE);
}

static void
action_fit (GtkWidget  *widget,
            const char *name,
            GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);
  OspModel *implant = get_selected (self);
  OspModel *bone;
  FitJob *job;
  mat4 implant_matrix, bone_matrix, inverse;
  g_autoptr(GTask) task = NULL;

  if (self->plan == NULL || self->cancellable != NULL)
    return;
  if (!is_implant (implant))
    {
      gtk_label_set_text (self->fit_label, _("Select an implant to see its fit."));
      return;
    }
  bone = find_bone (self);
  if (bone == NULL)
    {
      gtk_label_set_text (self->fit_label, _("There is no bone to fit the implant to."));
      return;
    }
  job = g_new0 (FitJob, 1);
  job->implant = osp_mesh_ref (osp_model_get_mesh (implant));
  job->bone = osp_mesh_ref (osp_model_get_mesh (bone));
  job->model = g_object_ref (implant);
  if (self->bvh != NULL && self->bvh_mesh == job->bone)
    job->bvh = osp_bvh_ref (self->bvh);
  /* The implant in the bone's own frame. */
  osp_model_get_transform (implant, (float *) implant_matrix);
  osp_model_get_transform (bone, (float *) bone_matrix);
  glm_mat4_inv (bone_matrix, inverse);
  glm_mat4_mul (inverse, implant_matrix, job->matrix);
  job_begin (self);
  job->permille = g_atomic_rc_box_acquire (self->job_permille);
  {
    g_autofree char *text = g_strdup_printf (_("Measuring the fit of “%s” to “%s”…"),
                                             osp_model_get_name (implant),
                                             osp_model_get_name (bone));

    gtk_label_set_text (self->fit_label, text);
  }
  task = g_task_new (self, self->cancellable, fit_done, NULL);
  g_task_set_task_data (task, job, fit_job_free);
  g_task_run_in_thread (task, fit_thread);
}

static void
action_cancel (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
draw_legend (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  float ticks[FIT_LEGEND_TICKS];
  int bar_height = height / 3;
  /* What the colours mean, in words, under the numbers. */
  const char *words[3] = { _("into the bone"), _("touching"), _("gap") };
  GdkRGBA colour;

  for (int x = 0; x < width; x++)
    {
      float rgb[3];

      osp_fit_color (-FIT_RANGE_MM + 2.0f * FIT_RANGE_MM * x / MAX (1, width - 1), FIT_RANGE_MM,
                     rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, x, 0, 1, bar_height);
      cairo_fill (cr);
    }
  osp_fit_legend (FIT_RANGE_MM, FIT_LEGEND_TICKS, ticks);
  for (guint i = 0; i < FIT_LEGEND_TICKS; i++)
    {
      g_autofree char *label = g_strdup_printf (i + 1 == FIT_LEGEND_TICKS ? "%+.0f mm" : "%+.0f",
                                                ticks[i]);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), label);
      int text_width, text_height;
      double x = (double) i / (FIT_LEGEND_TICKS - 1) * width;

      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      x = CLAMP (x - text_width / 2.0, 0.0, (double) (width - text_width));
      /* gtk_widget_get_color () is GTK 4.10; the style context is what 4.8 has. */
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &colour);
      G_GNUC_END_IGNORE_DEPRECATIONS
      gdk_cairo_set_source_rgba (cr, &colour);
      cairo_move_to (cr, x, bar_height + 1);
      pango_cairo_show_layout (cr, layout);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (area),
                                                                      words[i]);
      int text_width, text_height;
      double x = i * width / 2.0;

      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      x = CLAMP (x - text_width / 2.0, 0.0, (double) (width - text_width));
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &colour);
      G_GNUC_END_IGNORE_DEPRECATIONS
      gdk_cairo_set_source_rgba (cr, &colour);
      cairo_move_to (cr, x, 2 * bar_height + 2);
      pango_cairo_show_layout (cr, layout);
    }
}

/* -- Following the plan and the selection -------------------------------------------------- */

static void
update_sensitivity (OspImplantPanel *self)
{
  OspModel *model = get_selected (self);
  gboolean busy = self->cancellable != NULL;
  gboolean ready = self->plan != NULL && !busy;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "implant.add", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "implant.apply",
                                 ready && model != NULL && osp_implant_get_params (model) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "implant.move", ready && model != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "implant.plan-screw", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "implant.fit", ready && is_implant (model));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "implant.cancel", busy);
}

/* -- The gizmo ------------------------------------------------------------------------------ */

/* The gizmo sits on the selected implant while this page is on screen. */
static void
update_gizmo (OspImplantPanel *self)
{
  OspModel *model = get_selected (self);
  gboolean show = self->viewport != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
                  is_implant (model);
  float matrix[16], centre[3], size;
  OspBox box;

  if (self->gizmo != NULL && osp_transform_gizmo_get_dragging (self->gizmo))
    return;
  if (!show)
    {
      g_clear_pointer (&self->gizmo, osp_transform_gizmo_free);
      self->gizmo_model = NULL;
      return;
    }
  /* Arrows a little longer than the implant, so they stick out of it. */
  osp_mesh_get_bounds (osp_model_get_mesh (model), &box);
  size = CLAMP (0.6f * sqrtf (glm_vec3_distance2 (box.min, box.max)), 10.0f, 150.0f);
  if (self->gizmo == NULL)
    self->gizmo = osp_transform_gizmo_new (self->viewport, size);
  else
    osp_transform_gizmo_set_size (self->gizmo, size);
  self->gizmo_model = model;
  osp_transform_gizmo_set_local (self->gizmo,
                                 gtk_check_button_get_active (self->local_check));
  /* The handles on the implant's middle: a contoured plate or a block is made in world
   * coordinates, far from its own origin. */
  for (int i = 0; i < 3; i++)
    centre[i] = (box.min[i] + box.max[i]) / 2;
  osp_transform_gizmo_set_pivot (self->gizmo, centre);
  osp_model_get_transform (model, matrix);
  osp_transform_gizmo_set_matrix (self->gizmo, matrix);
}

static gboolean
on_drag_begin (OspViewport     *viewport,
               double           x,
               double           y,
               OspImplantPanel *self)
{
  if (self->gizmo == NULL || self->cancellable != NULL)
    return FALSE;
  return osp_transform_gizmo_drag_begin (self->gizmo, x, y);
}

static void
on_drag_update (OspViewport     *viewport,
                double           x,
                double           y,
                OspImplantPanel *self)
{
  float matrix[16];

  if (self->gizmo == NULL || !osp_transform_gizmo_drag_update (self->gizmo, x, y))
    return;
  /* The view follows the drag; the plan changes once, when it ends. */
  osp_transform_gizmo_get_matrix (self->gizmo, matrix);
  osp_viewport_set_model_preview_transform (self->viewport, self->gizmo_model, matrix);
  if (is_cup (self->gizmo_model))
    show_live_cup_angles (self, matrix);
}

static void apply_transform (OspImplantPanel *self,
                             OspModel        *model,
                             const float     *matrix);

static void
on_drag_end (OspViewport     *viewport,
             OspImplantPanel *self)
{
  float matrix[16];

  if (self->gizmo == NULL || !osp_transform_gizmo_drag_end (self->gizmo))
    return;
  osp_transform_gizmo_get_matrix (self->gizmo, matrix);
  osp_viewport_set_model_preview_transform (self->viewport, self->gizmo_model, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->cup_live_label), FALSE);
  apply_transform (self, self->gizmo_model, matrix);
}

static void
on_selected_changed (OspImplantPanel *self)
{
  OspModel *model = get_selected (self);

  if (model != NULL)
    {
      const OspImplantParams *params = osp_implant_get_params (model);
      float matrix[16], position[3], angles[3];

      if (params != NULL)
        params_to_form (self, params);
      osp_model_get_transform (model, matrix);
      osp_matrix_to_euler (matrix, position, angles);
      spins_set (self->position_spins, position);
      spins_set (self->angle_spins, angles);
      if (is_cup (model))
        cup_angles_to_form (self, matrix);
    }
  update_sensitivity (self);
  update_gizmo (self);
  update_cup_label (self);
  check_screws (self);
  if (is_screw (model) && osp_model_get_warning (model) != NULL)
    {
      g_autofree char *text = g_strdup_printf ("⚠ %s", osp_model_get_warning (model));

      gtk_label_set_text (self->trajectory_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->trajectory_label), "error");
    }
}

void
osp_implant_panel_set_context (OspImplantPanel    *self,
                               OspPlan            *plan,
                               GtkSingleSelection *selection,
                               OspViewport        *viewport)
{
  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));
  g_return_if_fail (plan == NULL || OSP_IS_PLAN (plan));
  g_return_if_fail (selection == NULL || GTK_IS_SINGLE_SELECTION (selection));
  g_return_if_fail (viewport == NULL || OSP_IS_VIEWPORT (viewport));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->selection != NULL)
    g_clear_signal_handler (&self->selection_handler, self->selection);
  if (self->plan != NULL)
    g_clear_signal_handler (&self->operations_handler, self->plan);
  if (self->viewport != NULL)
    {
      g_clear_signal_handler (&self->click_handler, self->viewport);
      for (guint i = 0; i < G_N_ELEMENTS (self->drag_handlers); i++)
        g_clear_signal_handler (&self->drag_handlers[i], self->viewport);
    }
  /* The gizmo's handles and the picked points live in the old view. */
  g_clear_pointer (&self->gizmo, osp_transform_gizmo_free);
  if (self->viewport != NULL && self->marker_overlay != 0)
    osp_viewport_remove_overlay (self->viewport, self->marker_overlay);
  if (self->viewport != NULL && self->line_overlay != 0)
    osp_viewport_remove_overlay (self->viewport, self->line_overlay);
  self->marker_overlay = self->line_overlay = 0;
  self->gizmo_model = NULL;
  g_set_object (&self->plan, plan);
  g_set_object (&self->selection, (plan != NULL ? selection : NULL));
  g_set_object (&self->viewport, (plan != NULL ? viewport : NULL));
  g_clear_object (&self->bone);
  if (self->selection != NULL)
    self->selection_handler = g_signal_connect_swapped (self->selection,
                                                        "notify::selected-item",
                                                        G_CALLBACK (on_selected_changed), self);
  /* Undo and redo change parameters and placement: the form follows. */
  if (self->plan != NULL)
    self->operations_handler = g_signal_connect_swapped (self->plan, "operations-changed",
                                                         G_CALLBACK (on_selected_changed),
                                                         self);
  if (self->viewport != NULL)
    {
      self->click_handler = g_signal_connect (self->viewport, "tool-click",
                                              G_CALLBACK (on_tool_click), self);
      self->drag_handlers[0] = g_signal_connect (self->viewport, "tool-drag-begin",
                                                 G_CALLBACK (on_drag_begin), self);
      self->drag_handlers[1] = g_signal_connect (self->viewport, "tool-drag-update",
                                                 G_CALLBACK (on_drag_update), self);
      self->drag_handlers[2] = g_signal_connect (self->viewport, "tool-drag-end",
                                                 G_CALLBACK (on_drag_end), self);
    }
  on_selected_changed (self);
}



/* -- Form signals ---------------------------------------------------------------------------- */

static void
on_kind_changed (OspImplantPanel *self)
{
  g_auto(OspImplantParams) params = { 0 };

  if (self->loading_form)
    return;
  /* A new kind starts from its defaults. */
  osp_implant_params_init (&params, get_kind (self));
  params_to_form (self, &params);
  validate_form (self);
  update_pick_overlay (self);
  update_cup_label (self);
}

static void
on_param_changed (OspImplantPanel *self)
{
  if (!self->loading_form)
    validate_form (self);
}

static void
on_custom_chosen (GtkNativeDialog *dialog,
                  int              response,
                  OspImplantPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          osp_settings_remember_folder (file);
          osp_implant_panel_set_custom_path (self, path);
        }
    }
  g_object_unref (dialog);
}

static void
on_custom_clicked (OspImplantPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Choose an Implant Mesh"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), NULL);
  gtk_file_filter_set_name (filter, _("Meshes (STL, OBJ, PLY)"));
  gtk_file_filter_add_suffix (filter, "stl");
  gtk_file_filter_add_suffix (filter, "obj");
  gtk_file_filter_add_suffix (filter, "ply");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_custom_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* One pick mode at a time (not a radio group: a second click turns picking off). */
static void
on_pick_toggled (GtkToggleButton *button,
                 OspImplantPanel *self)
{
  GtkToggleButton *buttons[] = { self->snap_button, self->entry_button, self->target_button,
                                 self->path_button, self->cup_pick_button };

  if (!gtk_toggle_button_get_active (button))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    if (buttons[i] != button)
      gtk_toggle_button_set_active (buttons[i], FALSE);
  if (self->viewport == NULL)
    set_status (self, _("Picking needs the 3D view."), TRUE);
}

/* -- Building the form ------------------------------------------------------------------------ */

static GtkSpinButton *
make_spin (double      min,
           double      max,
           double      step,
           guint       digits,
           const char *tooltip)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (min, max, step));

  gtk_spin_button_set_digits (spin, digits);
  gtk_widget_set_hexpand (GTK_WIDGET (spin), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (spin), tooltip);
  return spin;
}

static GtkWidget *
make_label (const char *text,
            GtkWidget  *mnemonic_widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), mnemonic_widget);
  return label;
}

/* Three spin buttons X, Y, Z in one row of a grid. */
static void
add_xyz_row (GtkGrid        *grid,
             int             row,
             const char     *title,
             const char     *tooltip,
             double          limit,
             GtkSpinButton **out_spins)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);

  for (guint i = 0; i < 3; i++)
    {
      out_spins[i] = make_spin (-limit, limit, 1.0, 1, tooltip);
      gtk_editable_set_width_chars (GTK_EDITABLE (out_spins[i]), 5);
      /* A spin button starts at its minimum: the origin is the sensible start. */
      gtk_spin_button_set_value (out_spins[i], 0.0);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (out_spins[i]));
    }
  gtk_grid_attach (grid, make_label (title, GTK_WIDGET (out_spins[0])), 0, row, 1, 1);
  gtk_grid_attach (grid, box, 1, row, 1, 1);
}

static void
build_form (OspImplantPanel *self)
{
  for (guint i = 0; i < N_PARAMS; i++)
    {
      const ParamSpec *spec = &param_specs[i];

      self->param_spins[i] = make_spin (spec->min, spec->max, spec->step, spec->digits,
                                        _(spec->tooltip));
      self->param_labels[i] = make_label (_(spec->label), GTK_WIDGET (self->param_spins[i]));
      gtk_grid_attach (self->params_grid, self->param_labels[i], 0, (int) i, 1, 1);
      gtk_grid_attach (self->params_grid, GTK_WIDGET (self->param_spins[i]), 1, (int) i, 1, 1);
      g_signal_connect_swapped (self->param_spins[i], "value-changed",
                                G_CALLBACK (on_param_changed), self);
    }
  {
    GtkWidget *clear = gtk_button_new_with_mnemonic (_("_Clear Path"));

    self->path_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    self->path_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (
                                             _("Pick Pat_h on Bone")));
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->path_button),
                                 _("Click points along the bone in the 3D view: the plate is "
                                   "bent to follow them, lying on the surface"));
    gtk_widget_set_tooltip_text (clear, _("Forget the picked points: a straight plate"));
    self->path_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->path_label, 0.0f);
    gtk_widget_set_hexpand (GTK_WIDGET (self->path_label), TRUE);
    gtk_widget_add_css_class (GTK_WIDGET (self->path_label), "dim-label");
    gtk_box_append (GTK_BOX (self->path_box), GTK_WIDGET (self->path_button));
    gtk_box_append (GTK_BOX (self->path_box), GTK_WIDGET (self->path_label));
    gtk_box_append (GTK_BOX (self->path_box), clear);
    gtk_grid_attach (self->params_grid, self->path_box, 0, (int) N_PARAMS, 2, 1);
    g_signal_connect (self->path_button, "toggled", G_CALLBACK (on_pick_toggled), self);
    g_signal_connect_swapped (clear, "clicked", G_CALLBACK (osp_implant_panel_clear_plate_path),
                              self);
  }
  {
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *clear = gtk_button_new_with_mnemonic (_("Clear Poi_nts"));
    GtkWidget *place = gtk_button_new_with_mnemonic (_("_Place Cup"));
    GtkGrid *angles = GTK_GRID (gtk_grid_new ());

    self->cup_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    self->cup_pick_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (
                                                 _("Pick Ace_tabulum")));
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->cup_pick_button),
                                 _("Click points on the acetabular rim and fossa (or on the "
                                   "mirrored healthy acetabulum): a sphere fitted to them gives "
                                   "the cup's centre and size"));
    gtk_widget_set_tooltip_text (clear, _("Forget the points picked on the acetabulum"));
    gtk_actionable_set_action_name (GTK_ACTIONABLE (place), "implant.place-cup");
    gtk_widget_set_tooltip_text (place, _("Put the selected cup (or a new one) at the fitted "
                                          "sphere with these angles"));
    self->cup_points_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_widget_add_css_class (GTK_WIDGET (self->cup_points_label), "dim-label");
    gtk_label_set_width_chars (self->cup_points_label, 9);
    gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->cup_pick_button));
    gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->cup_points_label));
    gtk_box_append (GTK_BOX (row), clear);
    gtk_box_append (GTK_BOX (self->cup_box), row);

    gtk_grid_set_row_spacing (angles, 6);
    gtk_grid_set_column_spacing (angles, 12);
    self->inclination_spin = make_spin (0, 90, 1, 1, _("Radiographic inclination (Murray), "
                                                       "degrees"));
    self->anteversion_spin = make_spin (-45, 60, 1, 1, _("Radiographic anteversion (Murray), "
                                                         "degrees"));
    gtk_spin_button_set_value (self->inclination_spin, CUP_DEFAULT_INCLINATION);
    gtk_spin_button_set_value (self->anteversion_spin, CUP_DEFAULT_ANTEVERSION);
    gtk_grid_attach (angles, make_label (_("_Inclination (°)"),
                                         GTK_WIDGET (self->inclination_spin)), 0, 0, 1, 1);
    gtk_grid_attach (angles, GTK_WIDGET (self->inclination_spin), 1, 0, 1, 1);
    gtk_grid_attach (angles, make_label (_("Ante_version (°)"),
                                         GTK_WIDGET (self->anteversion_spin)), 0, 1, 1, 1);
    gtk_grid_attach (angles, GTK_WIDGET (self->anteversion_spin), 1, 1, 1, 1);
    gtk_box_append (GTK_BOX (self->cup_box), GTK_WIDGET (angles));
    gtk_box_append (GTK_BOX (self->cup_box), place);
    self->cup_live_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->cup_live_label, 0.0f);
    gtk_widget_add_css_class (GTK_WIDGET (self->cup_live_label), "accent");
    gtk_widget_set_visible (GTK_WIDGET (self->cup_live_label), FALSE);
    gtk_box_append (GTK_BOX (self->cup_box), GTK_WIDGET (self->cup_live_label));
    self->cup_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->cup_label, 0.0f);
    gtk_label_set_wrap (self->cup_label, TRUE);
    gtk_label_set_max_width_chars (self->cup_label, 40);
    gtk_box_append (GTK_BOX (self->cup_box), GTK_WIDGET (self->cup_label));
    gtk_grid_attach (self->params_grid, self->cup_box, 0, (int) N_PARAMS + 1, 2, 1);
    g_signal_connect (self->cup_pick_button, "toggled", G_CALLBACK (on_pick_toggled), self);
    g_signal_connect_swapped (clear, "clicked", G_CALLBACK (clear_cup_points), self);
    g_signal_connect_swapped (self->inclination_spin, "value-changed",
                              G_CALLBACK (on_cup_angles_changed), self);
    g_signal_connect_swapped (self->anteversion_spin, "value-changed",
                              G_CALLBACK (on_cup_angles_changed), self);
  }
  add_xyz_row (self->placement_grid, 0, _("Pos_ition (mm)"),
               _("Position of the implant's origin, X Y Z in mm (patient LPS)"), 10000.0,
               self->position_spins);
  add_xyz_row (self->placement_grid, 1, _("A_ngles (°)"),
               _("Rotation about X, then Y, then Z, in degrees"), 360.0, self->angle_spins);
  self->local_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("_Local axes")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->local_check),
                               _("Drag the arrows and rings in the 3D view along the implant's "
                                 "own axes instead of the patient's"));
  gtk_grid_attach (self->placement_grid, GTK_WIDGET (self->local_check), 1, 2, 1, 1);
  g_signal_connect_swapped (self->local_check, "toggled", G_CALLBACK (update_gizmo), self);
  add_xyz_row (self->screw_grid, 0, _("_Entry (mm)"),
               _("Where the screw enters the bone, X Y Z in mm"), 10000.0, self->entry_spins);
  add_xyz_row (self->screw_grid, 1, _("_Target (mm)"),
               _("Where the screw aims, X Y Z in mm"), 10000.0, self->target_spins);
}

/* -- Public ------------------------------------------------------------------------------------ */

GtkWidget *
osp_implant_panel_new (void)
{
  return g_object_new (OSP_TYPE_IMPLANT_PANEL, NULL);
}

void
osp_implant_panel_set_kind (OspImplantPanel *self,
                            OspImplantKind   kind)
{
  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));
  g_return_if_fail (kind <= OSP_IMPLANT_CUSTOM);

  gtk_drop_down_set_selected (self->kind_dropdown, kind);
}

gboolean
osp_implant_panel_set_value (OspImplantPanel *self,
                             const char      *field,
                             double           value)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), FALSE);
  g_return_val_if_fail (field != NULL, FALSE);

  for (guint i = 0; i < N_PARAMS; i++)
    if (g_str_equal (param_specs[i].field, field))
      {
        gtk_spin_button_set_value (self->param_spins[i], value);
        return TRUE;
      }
  return FALSE;
}

void
osp_implant_panel_set_custom_path (OspImplantPanel *self,
                                   const char      *path)
{
  g_autofree char *basename = NULL;

  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));

  g_free (self->custom_path);
  self->custom_path = g_strdup (path);
  basename = path != NULL ? g_path_get_basename (path) : NULL;
  gtk_label_set_text (self->custom_label, basename != NULL ? basename : _("No file chosen"));
  if (!self->loading_form)
    validate_form (self);
}

void
osp_implant_panel_set_screw_points (OspImplantPanel *self,
                                    const float     *entry,
                                    const float     *target)
{
  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));
  g_return_if_fail (entry != NULL && target != NULL);

  spins_set (self->entry_spins, entry);
  spins_set (self->target_spins, target);
}

static void
update_path_label (OspImplantPanel *self)
{
  guint n = self->path_points->len / 3;
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Straight"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u point", "%u points", n), n);
  gtk_label_set_text (self->path_label, text);
}

void
osp_implant_panel_add_plate_path_point (OspImplantPanel *self,
                                        const float     *point,
                                        const float     *normal)
{
  static const float up[3] = { 0.0f, 0.0f, 1.0f };

  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));
  g_return_if_fail (point != NULL);

  g_array_append_vals (self->path_points, point, 3);
  g_array_append_vals (self->path_normals, normal != NULL ? normal : up, 3);
  update_path_label (self);
  validate_form (self);
  update_pick_overlay (self);
}

void
osp_implant_panel_clear_plate_path (OspImplantPanel *self)
{
  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));

  g_array_set_size (self->path_points, 0);
  g_array_set_size (self->path_normals, 0);
  update_path_label (self);
  validate_form (self);
  update_pick_overlay (self);
}

void
osp_implant_panel_add_cup_point (OspImplantPanel *self,
                                 const float     *point)
{
  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));
  g_return_if_fail (point != NULL);

  g_array_append_vals (self->cup_points, point, 3);
  refit_sphere (self);
}

const char *
osp_implant_panel_get_cup_text (OspImplantPanel *self)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), NULL);
  return gtk_label_get_text (self->cup_label);
}

void
osp_implant_panel_set_cup_angles (OspImplantPanel *self,
                                  double           inclination,
                                  double           anteversion)
{
  g_return_if_fail (OSP_IS_IMPLANT_PANEL (self));

  gtk_spin_button_set_value (self->inclination_spin, inclination);
  gtk_spin_button_set_value (self->anteversion_spin, anteversion);
}

OspTransformGizmo *
osp_implant_panel_get_gizmo (OspImplantPanel *self)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), NULL);
  return self->gizmo;
}

gboolean
osp_implant_panel_get_busy (OspImplantPanel *self)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), FALSE);
  return self->cancellable != NULL;
}

const char *
osp_implant_panel_get_status (OspImplantPanel *self)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), NULL);
  return gtk_label_get_text (self->status_label);
}

const char *
osp_implant_panel_get_trajectory_text (OspImplantPanel *self)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), NULL);
  return gtk_label_get_text (self->trajectory_label);
}

const char *
osp_implant_panel_get_fit_text (OspImplantPanel *self)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), NULL);
  return gtk_label_get_text (self->fit_label);
}

gboolean
osp_implant_panel_get_fit_stats (OspImplantPanel *self,
                                 OspFitStats     *out_stats)
{
  g_return_val_if_fail (OSP_IS_IMPLANT_PANEL (self), FALSE);
  g_return_val_if_fail (out_stats != NULL, FALSE);

  if (self->have_fit)
    *out_stats = self->fit_stats;
  return self->have_fit;
}

/* -- GObject ------------------------------------------------------------------------------------ */

static void
osp_implant_panel_dispose (GObject *object)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (object);

  /* A job still running holds the panel (its GTask source) until it finishes. */
  osp_implant_panel_set_context (self, NULL, NULL, NULL);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  self->disposed = TRUE;
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_IMPLANT_PANEL);
  G_OBJECT_CLASS (osp_implant_panel_parent_class)->dispose (object);
}

static void
osp_implant_panel_finalize (GObject *object)
{
  OspImplantPanel *self = OSP_IMPLANT_PANEL (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->job_permille, g_atomic_rc_box_release);
  g_clear_pointer (&self->bvh, osp_bvh_unref);
  g_clear_pointer (&self->bvh_mesh, osp_mesh_unref);
  g_free (self->custom_path);
  g_free (self->last_error);
  g_array_unref (self->path_points);
  g_array_unref (self->path_normals);
  g_array_unref (self->cup_points);
  G_OBJECT_CLASS (osp_implant_panel_parent_class)->finalize (object);
}

static void
osp_implant_panel_class_init (OspImplantPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_implant_panel_dispose;
  object_class->finalize = osp_implant_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-implant-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, params_grid);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, custom_box);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, custom_label);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, custom_button);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, placement_grid);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, snap_button);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, screw_grid);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, entry_button);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, target_button);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, trajectory_label);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, fit_progress);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, legend_area);
  gtk_widget_class_bind_template_child (widget_class, OspImplantPanel, fit_label);

  gtk_widget_class_install_action (widget_class, "implant.add", NULL, action_add);
  gtk_widget_class_install_action (widget_class, "implant.apply", NULL, action_apply);
  gtk_widget_class_install_action (widget_class, "implant.move", NULL, action_move);
  gtk_widget_class_install_action (widget_class, "implant.plan-screw", NULL, action_plan_screw);
  gtk_widget_class_install_action (widget_class, "implant.fit", NULL, action_fit);
  gtk_widget_class_install_action (widget_class, "implant.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "implant.place-cup", NULL, action_place_cup);
}

static void
osp_implant_panel_init (OspImplantPanel *self)
{
  g_auto(OspImplantParams) params = { 0 };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->path_points = g_array_new (FALSE, FALSE, sizeof (float));
  self->path_normals = g_array_new (FALSE, FALSE, sizeof (float));
  self->cup_points = g_array_new (FALSE, FALSE, sizeof (float));
  build_form (self);
  update_path_label (self);
  gtk_drawing_area_set_draw_func (self->legend_area, draw_legend, self, NULL);
  gtk_drawing_area_set_content_height (self->legend_area, 60);
  g_signal_connect (self->snap_button, "toggled", G_CALLBACK (on_pick_toggled), self);
  g_signal_connect (self->entry_button, "toggled", G_CALLBACK (on_pick_toggled), self);
  g_signal_connect (self->target_button, "toggled", G_CALLBACK (on_pick_toggled), self);
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected",
                            G_CALLBACK (on_kind_changed), self);
  g_signal_connect_swapped (self->custom_button, "clicked", G_CALLBACK (on_custom_clicked), self);
  g_signal_connect (self, "map", G_CALLBACK (update_gizmo), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (update_gizmo), NULL);
  g_signal_connect (self, "map", G_CALLBACK (update_pick_overlay), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (update_pick_overlay), NULL);
  osp_implant_params_init (&params, OSP_IMPLANT_SCREW);
  params_to_form (self, &params);
  osp_implant_panel_set_custom_path (self, NULL);
  update_sensitivity (self);
}
