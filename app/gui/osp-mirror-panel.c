/* osp-mirror-panel.c — the Mirror tool: the midsagittal plane, the template, its fit
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "osp-cut.h"
#include "osp-error.h"
#include "osp-gui-private.h"
#include "osp-mirror-panel.h"
#include "osp-plane-gizmo.h"

/* The colour map spans ±this many mm (beyond: the end colours). */
#define DEVIATION_RANGE_MM 5.0
/* The plan keeps the plane under this name (not translated: files are shared), so it can be
 * estimated on the intact pelvis before the cut and used after it. */
#define PLANE_NAME "Midsagittal"
/* ICP trusts only points farther than this from a cut plane. */
#define EXCLUDE_DISTANCE_MM 10.0

typedef enum
{
  WORK_NONE,
  WORK_ESTIMATE,
  WORK_REGISTER,
} Work;

struct _OspMirrorPanel
{
  GtkBox          parent_instance;

  GtkLabel       *title_label;
  GtkButton      *estimate_button;
  GtkWidget      *progress_box;
  GtkProgressBar *progress_bar;
  GtkButton      *stop_button;
  GtkLabel       *plane_label;
  GtkButton      *mirror_button;
  GtkButton      *register_button;
  GtkLabel       *fit_label;
  GtkDrawingArea *legend;
  GtkButton      *close_button;
  GtkWidget      *doubt_bar;
  GtkLabel       *doubt_label;
  GtkButton      *keep_plane_button;
  GtkButton      *keep_registered_button;

  OspPlan        *plan;
  OspViewport    *viewport;
  OspModel       *model;
  OspModel       *template_model;
  OspBox          bounds;
  gulong          handlers[3];

  gboolean        has_plane;
  OspPlane        plane;
  OspResidual     residual;
  OspSymmetryResult symmetry;    /* the untrimmed figure and a rival plane */
  OspPlaneGizmo  *gizmo;

  Work            work;
  GCancellable   *cancellable;
  gint            progress;      /* 0–10000, written by the worker */
  guint           progress_source;

  gboolean        has_deviation;
  OspResidual     deviation;
  char           *last_error;
  /* A doubtful registration waiting for the surgeon's choice (pending_fit.doubt != 0). */
  gboolean        has_pending;
  OspTemplateFit  pending_fit;
  float           pending_matrix[16];
  float          *pending_distances[2];   /* plane mirror, registered */
  OspResidual     pending_deviation[2];
  GPtrArray      *hidden;        /* OspModel* hidden in the view under the colour map */
  gboolean        disposed;
};

G_DEFINE_FINAL_TYPE (OspMirrorPanel, osp_mirror_panel, GTK_TYPE_BOX)

enum
{
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* -- Helpers ------------------------------------------------------------------------------ */

static void
set_error (OspMirrorPanel *self,
           const char     *text)
{
  g_free (self->last_error);
  self->last_error = g_strdup (text);
  gtk_label_set_text (self->fit_label, text);
  gtk_widget_add_css_class (GTK_WIDGET (self->fit_label), "error");
}

/* The model's mesh in world coordinates (a new reference). */
static OspMesh *
world_mesh (OspModel *model)
{
  mat4 matrix;   /* aligned: cglm's SSE code loads whole columns */
  const float *m = (const float *) matrix;
  gboolean identity = TRUE;

  osp_model_get_transform (model, (float *) matrix);
  for (int i = 0; i < 16; i++)
    identity = identity && m[i] == ((i % 5 == 0) ? 1.0f : 0.0f);
  if (identity)
    return osp_mesh_ref (osp_model_get_mesh (model));
  return osp_mesh_transform (osp_model_get_mesh (model), matrix);
}

/* The bone as the view shows it: every visible bone and piece of the plan, merged (the
 * pelvis may be in several models — hemipelves, sacrum, the pieces left by a cut), without
 * `except`.  Falls back to `model` when there is none.  A new reference. */
static OspMesh *
visible_bone (OspPlan  *plan,
              OspModel *model,
              OspModel *except)
{
  g_autoptr(GPtrArray) meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);

  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      OspModel *other = osp_plan_get_model (plan, i);
      OspModelRole role = osp_model_get_role (other);

      if (other != except && osp_model_get_visible (other) &&
          (role == OSP_MODEL_ROLE_BONE || role == OSP_MODEL_ROLE_PIECE))
        g_ptr_array_add (meshes, world_mesh (other));
    }
  if (meshes->len == 0)
    return world_mesh (model);
  if (meshes->len == 1)
    return osp_mesh_ref (g_ptr_array_index (meshes, 0));
  return osp_mesh_merge ((OspMesh *const *) meshes->pdata, meshes->len);
}

static void
progress_func (double   fraction,
               gpointer user_data)
{
  OspMirrorPanel *self = user_data;

  g_atomic_int_set (&self->progress, (gint) (CLAMP (fraction, 0.0, 1.0) * 10000));
}

static gboolean
update_progress (gpointer data)
{
  OspMirrorPanel *self = data;

  gtk_progress_bar_set_fraction (self->progress_bar, g_atomic_int_get (&self->progress) / 1e4);
  return G_SOURCE_CONTINUE;
}

static void
update_sensitivity (OspMirrorPanel *self)
{
  gboolean idle = self->work == WORK_NONE && self->model != NULL;

  gtk_widget_set_visible (self->progress_box, self->work != WORK_NONE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->estimate_button), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mirror_button), idle && self->has_plane);
  gtk_widget_set_sensitive (GTK_WIDGET (self->register_button),
                            idle && self->template_model != NULL &&
                            osp_plan_get_model_index (self->plan, self->template_model) >= 0);
}

static void
begin_work (OspMirrorPanel *self,
            Work            work)
{
  self->work = work;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_atomic_int_set (&self->progress, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  if (self->progress_source == 0)
    self->progress_source = g_timeout_add (100, update_progress, self);
  gtk_widget_remove_css_class (GTK_WIDGET (self->fit_label), "error");
  update_sensitivity (self);
}

static void
end_work (OspMirrorPanel *self)
{
  self->work = WORK_NONE;
  g_clear_handle_id (&self->progress_source, g_source_remove);
  if (!self->disposed)
    update_sensitivity (self);
}

static void
show_plane (OspMirrorPanel *self,
            gboolean        adjusted)
{
  g_autofree char *text = NULL;

  if (!self->has_plane)
    {
      gtk_label_set_text (self->plane_label, "");
      return;
    }
  if (adjusted)
    text = g_strdup_printf (_("Plane: normal (%.3f, %.3f, %.3f), offset %.1f mm (kept in the "
                              "plan)"),
                            self->plane.normal[0], self->plane.normal[1],
                            self->plane.normal[2], self->plane.d);
  else
    {
      g_autofree char *fit = g_strdup_printf (_("Plane: normal (%.3f, %.3f, %.3f), offset %.1f "
                                                "mm\nResidual over the best 80 %% of the "
                                                "point pairs: RMS %.2f mm · 95th percentile "
                                                "%.2f mm (all pairs: RMS %.2f mm)"),
                                              self->plane.normal[0], self->plane.normal[1],
                                              self->plane.normal[2], self->plane.d,
                                              self->residual.rms_mm, self->residual.p95_mm,
                                              self->symmetry.untrimmed_rms_mm);

      if (self->symmetry.ambiguous)
        text = g_strdup_printf (_("%s\nWarning: another plane, %.0f° away, fits nearly as well "
                                  "(RMS %.2f mm). Check the plane against the anatomy."), fit,
                                self->symmetry.rival_angle_deg, self->symmetry.rival_rms_mm);
      else
        text = g_steal_pointer (&fit);
    }
  gtk_label_set_text (self->plane_label, text);
}

/* Keeps the plane in the plan (undoable); `mergeable` for the steps of a gizmo drag. */
static void
store_plane (OspMirrorPanel *self,
             gboolean        mergeable)
{
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  if (osp_plan_find_plane (self->plan, PLANE_NAME) >= 0)
    command = osp_command_new_move_plane (PLANE_NAME, &self->plane);
  else
    command = osp_command_new_add_plane (PLANE_NAME, &self->plane);
  osp_command_set_mergeable (command, mergeable);
  if (!osp_plan_execute (self->plan, command, &error))
    set_error (self, error->message);
}

static void
show_gizmo (OspMirrorPanel *self)
{
  if (self->gizmo == NULL)
    self->gizmo = osp_plane_gizmo_new (self->viewport, &self->bounds, &self->plane);
  else
    osp_plane_gizmo_set_plane (self->gizmo, &self->plane);
  osp_plane_gizmo_set_active (self->gizmo, TRUE);
}

/* -- Estimate ----------------------------------------------------------------------------- */

typedef struct
{
  OspMesh     *mesh;
  OspMesh     *fixed;
  GPtrArray   *bones;        /* OspMesh*: the candidates for the intact bone */
  OspTemplateFit fit;
  float       *plane_distances;
  OspResidual  plane_deviation;
  OspPlane     plane;
  OspResidual  residual;
  OspSymmetryResult symmetry;
  GArray      *exclude;      /* OspPlane */
  mat4         matrix;
  float       *distances;
  OspResidual  deviation;
} WorkData;

static void
work_data_free (gpointer data)
{
  WorkData *work = data;

  g_clear_pointer (&work->mesh, osp_mesh_unref);
  g_clear_pointer (&work->fixed, osp_mesh_unref);
  g_clear_pointer (&work->exclude, g_array_unref);
  g_clear_pointer (&work->bones, g_ptr_array_unref);
  g_free (work->distances);
  g_free (work->plane_distances);
  g_free (work);
}

static void
estimate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  WorkData *work = task_data;
  OspMirrorPanel *self = source_object;
  OspProgressRange progress = { progress_func, self, 0.0, 1.0 };
  GError *error = NULL;

  if (osp_symmetry_estimate_full (work->mesh, NULL, &work->symmetry, &progress, cancellable,
                                  &error))
    {
      work->plane = work->symmetry.plane;
      work->residual = work->symmetry.residual;
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_error (task, error);
}

static void
estimate_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  OspMirrorPanel *self = OSP_MIRROR_PANEL (source);
  WorkData *work = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  end_work (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!self->disposed && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error->message);
      else if (!self->disposed)
        gtk_label_set_text (self->fit_label, _("Stopped: no plane was estimated."));
      return;
    }
  if (self->model == NULL || self->disposed)
    return;
  /* The status never stays on "Estimating…" once the work has ended. */
  gtk_label_set_text (self->fit_label, _("Plane estimated. Adjust it with its gizmo if needed, "
                                         "then make the template."));
  self->plane = work->plane;
  self->residual = work->residual;
  self->symmetry = work->symmetry;
  self->has_plane = TRUE;
  show_gizmo (self);
  store_plane (self, FALSE);
  show_plane (self, FALSE);
  update_sensitivity (self);
}

void
osp_mirror_panel_estimate (OspMirrorPanel *self)
{
  g_autoptr(GTask) task = NULL;
  WorkData *work;

  g_return_if_fail (OSP_IS_MIRROR_PANEL (self));

  if (self->model == NULL || self->work != WORK_NONE)
    return;
  begin_work (self, WORK_ESTIMATE);
  gtk_label_set_text (self->fit_label, _("Estimating the plane of symmetry…"));
  work = g_new0 (WorkData, 1);
  /* The plane of the whole visible pelvis, not of the one piece to mirror. */
  work->mesh = visible_bone (self->plan, self->model, NULL);
  task = g_task_new (self, self->cancellable, estimate_done, NULL);
  g_task_set_source_tag (task, osp_mirror_panel_estimate);
  g_task_set_task_data (task, work, work_data_free);
  g_task_run_in_thread (task, estimate_thread);
}

const char *
osp_mirror_panel_get_status (OspMirrorPanel *self)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), NULL);
  return gtk_label_get_text (self->fit_label);
}

/* -- Mirror ------------------------------------------------------------------------------- */

void
osp_mirror_panel_mirror (OspMirrorPanel *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (OSP_IS_MIRROR_PANEL (self));

  if (self->model == NULL || !self->has_plane || self->work != WORK_NONE)
    return;
  base = g_strdup_printf (_("%s mirrored"), osp_model_get_name (self->model));
  name = osp_plan_make_unique_name (self->plan, base);
  label = g_strdup_printf (_("Mirror %s"), osp_model_get_name (self->model));
  if (!osp_plan_mirror_model (self->plan, self->model, &self->plane, name, label, NULL, &error))
    {
      set_error (self, error->message);
      return;
    }
  g_set_object (&self->template_model, osp_plan_find_model (self->plan, name));
  gtk_widget_remove_css_class (GTK_WIDGET (self->fit_label), "error");
  gtk_label_set_text (self->fit_label, _("Template made. Register it to the remaining bone "
                                         "to fit it where the bone is intact."));
  update_sensitivity (self);
}

/* -- Register and deviation --------------------------------------------------------------- */

static void
register_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  WorkData *work = task_data;
  OspMirrorPanel *self = source_object;
  OspProgressRange all = { progress_func, self, 0.0, 1.0 };
  OspProgressRange progress = osp_progress_sub (&all, 0.0, 0.6);
  OspTemplateOptions options = OSP_TEMPLATE_OPTIONS_INIT;
  g_autoptr(OspMesh) moved = NULL;
  g_autoptr(GPtrArray) used_meshes = g_ptr_array_new ();
  g_autofree gboolean *used = g_new0 (gboolean, MAX (work->bones->len, 1));
  GError *error = NULL;

  /* Only the bone the plan knows is intact: away from every cut plane, and only the bones
   * the plane mirror overlaps (not the sacrum beside it). */
  options.cut_planes = (const OspPlane *) work->exclude->data;
  options.n_cut_planes = work->exclude->len;
  options.exclude_distance_mm = EXCLUDE_DISTANCE_MM;
  if (!osp_template_register (work->mesh, (const OspMesh *const *) work->bones->pdata,
                              work->bones->len, &options,
                              work->matrix, &work->fit, used, &progress, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < work->bones->len; i++)
    if (used[i])
      g_ptr_array_add (used_meshes, g_ptr_array_index (work->bones, i));
  if (used_meshes->len == 0)
    for (guint i = 0; i < work->bones->len; i++)
      g_ptr_array_add (used_meshes, g_ptr_array_index (work->bones, i));
  if (used_meshes->len == 0)
    {
      g_task_return_new_error (task, OSP_ERROR, OSP_ERROR_FAILED,
                               _("There is no remaining bone to register the template to"));
      return;
    }
  work->fixed = osp_mesh_merge ((OspMesh *const *) used_meshes->pdata, used_meshes->len);
  moved = osp_mesh_transform (work->mesh, work->matrix);
  work->distances = g_new (float, osp_mesh_get_n_vertices (moved));
  progress = osp_progress_sub (&all, 0.6, 0.2);
  if (!osp_mesh_deviation (moved, work->fixed, work->distances, &work->deviation, &progress,
                           cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The plane mirror's map too: the surgeon may keep it. */
  work->plane_distances = g_new (float, osp_mesh_get_n_vertices (work->mesh));
  progress = osp_progress_sub (&all, 0.8, 0.2);
  if (!osp_mesh_deviation (work->mesh, work->fixed, work->plane_distances,
                           &work->plane_deviation, &progress, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
color_map (float   distance,
           guint8 *out_rgb)
{
  /* Cool to warm through light grey: blue inside the bone, red outside. */
  static const float cold[3] = { 0.23f, 0.30f, 0.75f };
  static const float mid[3] = { 0.87f, 0.87f, 0.87f };
  static const float warm[3] = { 0.71f, 0.02f, 0.15f };
  float t = CLAMP (distance / DEVIATION_RANGE_MM, -1.0f, 1.0f);
  const float *end = t < 0 ? cold : warm;

  t = fabsf (t);
  for (int a = 0; a < 3; a++)
    out_rgb[a] = (guint8) (255.0f * (mid[a] + (end[a] - mid[a]) * t) + 0.5f);
}

static void
clear_pending (OspMirrorPanel *self)
{
  self->has_pending = FALSE;
  for (int k = 0; k < 2; k++)
    g_clear_pointer (&self->pending_distances[k], g_free);
  gtk_widget_set_visible (self->doubt_bar, FALSE);
}

/* Shows the fit: the template at the registered pose (`registered`, moved by an undoable
 * command) or left at the plane mirror, its colour map and the figures. */
static void
apply_fit (OspMirrorPanel *self,
           gboolean        registered)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree guint8 *colors = NULL;
  const OspTemplateFit *fit = &self->pending_fit;
  const float *distances = self->pending_distances[registered ? 1 : 0];
  const OspResidual *deviation = &self->pending_deviation[registered ? 1 : 0];
  guint32 n;

  if (self->template_model == NULL ||
      osp_plan_get_model_index (self->plan, self->template_model) < 0)
    return;
  if (registered)
    {
      g_autoptr(OspCommand) command = NULL;
      g_autoptr(JsonObject) operation = NULL;
      g_autofree char *label = NULL;
      OspTemplateOptions options = OSP_TEMPLATE_OPTIONS_INIT;
      mat4 current, combined, matrix;

      /* The matrix maps the template as it was placed: compose with its transform. */
      memcpy (matrix, self->pending_matrix, sizeof matrix);
      osp_model_get_transform (self->template_model, (float *) current);
      glm_mat4_mul (matrix, current, combined);
      command = osp_command_new_set_transform (self->template_model, (const float *) combined);
      label = g_strdup_printf (_("Register %s"), osp_model_get_name (self->template_model));
      osp_command_set_label (command, label);
      /* Recorded as the registration step, so `plan run` replays it. */
      options.exclude_distance_mm = EXCLUDE_DISTANCE_MM;
      operation = osp_plan_register_operation_new (self->template_model, &options);
      osp_command_set_operation (command, operation);
      if (!osp_plan_execute (self->plan, command, &error))
        {
          set_error (self, error->message);
          return;
        }
    }
  n = osp_mesh_get_n_vertices (osp_model_get_mesh (self->template_model));
  colors = g_new (guint8, (gsize) n * 3);
  for (guint32 i = 0; i < n; i++)
    color_map (distances[i], colors + (gsize) i * 3);
  osp_viewport_set_model_vertex_colors (self->viewport, self->template_model, colors);
  /* Template and bone coincide where the fit is good: the bone would cover the map. */
  for (guint i = 0; i < osp_plan_get_n_models (self->plan); i++)
    {
      OspModel *other = osp_plan_get_model (self->plan, i);
      OspModelRole role = osp_model_get_role (other);

      if (other != self->template_model &&
          (role == OSP_MODEL_ROLE_BONE || role == OSP_MODEL_ROLE_PIECE))
        {
          osp_viewport_set_model_hidden (self->viewport, other, TRUE);
          g_ptr_array_add (self->hidden, g_object_ref (other));
        }
    }
  self->deviation = *deviation;
  self->has_deviation = TRUE;
  if (registered)
    text = g_strdup_printf (_("Registered to the intact bone (away from the cuts): %.0f %% "
                              "matches within 3 mm, RMS %.2f mm · 95th percentile %.2f mm over "
                              "it.\nMoved %.1f° and %.1f mm from the plane mirror (plane mirror: "
                              "%.0f %%, RMS %.2f mm).\nEvery template vertex to the bone, the "
                              "resected part included: mean %.2f mm · 95th percentile %.2f mm.\n"
                              "The bone is hidden while the map is shown."),
                            100 * fit->overlap, fit->rms_mm, fit->p95_mm, fit->rotation_deg,
                            fit->translation_mm, 100 * fit->plane_overlap, fit->plane_rms_mm,
                            deviation->mean_mm, deviation->p95_mm);
  else
    text = g_strdup_printf (_("Plane mirror kept: %.0f %% of the intact bone matches within "
                              "3 mm, RMS %.2f mm · 95th percentile %.2f mm over it.\nEvery "
                              "template vertex to the bone, the resected part included: mean "
                              "%.2f mm · 95th percentile %.2f mm.\nThe bone is hidden while the "
                              "map is shown."),
                            100 * fit->plane_overlap, fit->plane_rms_mm, fit->plane_p95_mm,
                            deviation->mean_mm, deviation->p95_mm);
  gtk_label_set_text (self->fit_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->legend), TRUE);
}

static void
on_keep_clicked (GtkButton      *button,
                 OspMirrorPanel *self)
{
  osp_mirror_panel_keep (self, button == self->keep_registered_button);
}

static void
register_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  OspMirrorPanel *self = OSP_MIRROR_PANEL (source);
  WorkData *work = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *doubt = NULL;

  end_work (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!self->disposed && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error->message);
      else if (!self->disposed)
        gtk_label_set_text (self->fit_label, _("Stopped: the template was not registered."));
      return;
    }
  if (self->disposed || self->template_model == NULL ||
      osp_plan_get_model_index (self->plan, self->template_model) < 0)
    return;
  clear_pending (self);
  self->pending_fit = work->fit;
  memcpy (self->pending_matrix, work->matrix, sizeof self->pending_matrix);
  self->pending_distances[0] = g_steal_pointer (&work->plane_distances);
  self->pending_distances[1] = g_steal_pointer (&work->distances);
  self->pending_deviation[0] = work->plane_deviation;
  self->pending_deviation[1] = work->deviation;
  doubt = osp_template_fit_describe_doubt (&work->fit);
  if (doubt == NULL)
    {
      apply_fit (self, TRUE);
      clear_pending (self);
      return;
    }
  /* Doubtful: the surgeon chooses; meanwhile the template stays at the plane mirror. */
  self->has_pending = TRUE;
  {
    g_autofree char *text = g_strdup_printf (_("The registration is doubtful. %s"), doubt);

    gtk_label_set_text (self->doubt_label, text);
  }
  gtk_widget_set_sensitive (GTK_WIDGET (self->keep_registered_button),
                            work->fit.n_starts > work->fit.n_rejected &&
                            !(work->fit.doubt & OSP_TEMPLATE_DOUBT_NO_BONE));
  gtk_widget_set_visible (self->doubt_bar, TRUE);
  gtk_label_set_text (self->fit_label, "");
}

void
osp_mirror_panel_register (OspMirrorPanel *self)
{
  g_autoptr(GTask) task = NULL;
  WorkData *work;

  g_return_if_fail (OSP_IS_MIRROR_PANEL (self));

  if (self->template_model == NULL || self->work != WORK_NONE ||
      osp_plan_get_model_index (self->plan, self->template_model) < 0)
    return;
  begin_work (self, WORK_REGISTER);
  gtk_label_set_text (self->fit_label, _("Registering the template to the bone…"));
  work = g_new0 (WorkData, 1);
  work->mesh = world_mesh (self->template_model);
  work->exclude = osp_plan_get_cut_planes (self->plan);
  /* The template lands on the other side: the candidates are the visible bones and pieces
   * but the mirrored one and the resected pieces; the core keeps those the plane mirror
   * overlaps. */
  work->bones = osp_plan_get_intact_bones (self->plan, self->template_model);
  clear_pending (self);
  task = g_task_new (self, self->cancellable, register_done, NULL);
  g_task_set_source_tag (task, osp_mirror_panel_register);
  g_task_set_task_data (task, work, work_data_free);
  g_task_run_in_thread (task, register_thread);
}

/* -- Legend ------------------------------------------------------------------------------- */

static void
draw_legend (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  GtkWidget *widget = GTK_WIDGET (area);
  cairo_pattern_t *gradient = cairo_pattern_create_linear (0, 0, width, 0);
  const double bar = 14;
  GdkRGBA fg;

  for (int i = 0; i <= 10; i++)
    {
      guint8 rgb[3];

      color_map ((float) ((i - 5) / 5.0 * DEVIATION_RANGE_MM), rgb);
      cairo_pattern_add_color_stop_rgb (gradient, i / 10.0, rgb[0] / 255.0, rgb[1] / 255.0,
                                        rgb[2] / 255.0);
    }
  cairo_rectangle (cr, 0, 0, width, bar);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  gdk_cairo_set_source_rgba (cr, &fg);
  for (int i = 0; i < 3; i++)
    {
      /* −5, 0, +5 mm under the left end, the middle and the right end. */
      g_autofree char *text = i == 0 ? g_strdup_printf ("−%.0f", DEVIATION_RANGE_MM)
                              : i == 1 ? g_strdup ("0")
                              : g_strdup_printf (_("+%.0f mm"), DEVIATION_RANGE_MM);
      PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
      int text_width, text_height;
      double x;

      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      x = i == 0 ? 0 : i == 1 ? (width - text_width) / 2.0 : width - text_width;
      cairo_move_to (cr, x, bar + 4);
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
    }
}

/* -- Gizmo -------------------------------------------------------------------------------- */

static gboolean
on_tool_drag_begin (OspViewport    *viewport,
                    double          x,
                    double          y,
                    OspMirrorPanel *self)
{
  return self->gizmo != NULL && osp_plane_gizmo_drag_begin (self->gizmo, x, y);
}

static void
on_tool_drag_update (OspViewport    *viewport,
                     double          x,
                     double          y,
                     OspMirrorPanel *self)
{
  if (self->gizmo != NULL && osp_plane_gizmo_drag_update (self->gizmo, x, y))
    {
      osp_plane_gizmo_get_plane (self->gizmo, &self->plane);
      show_plane (self, TRUE);
    }
}

static void
on_tool_drag_end (OspViewport    *viewport,
                  OspMirrorPanel *self)
{
  if (self->gizmo != NULL)
    {
      osp_plane_gizmo_drag_end (self->gizmo);
      if (self->has_plane)
        {
          /* The whole drag is one undo step. */
          store_plane (self, TRUE);
          osp_plan_seal_undo (self->plan);
        }
    }
}

/* -- Start and stop ----------------------------------------------------------------------- */

void
osp_mirror_panel_start (OspMirrorPanel *self,
                        OspPlan        *plan,
                        OspViewport    *viewport,
                        OspModel       *model)
{
  g_autofree char *title = NULL;
  g_autoptr(OspMesh) mesh = NULL;

  g_return_if_fail (OSP_IS_MIRROR_PANEL (self));
  g_return_if_fail (OSP_IS_PLAN (plan));
  g_return_if_fail (OSP_IS_VIEWPORT (viewport));
  g_return_if_fail (OSP_IS_MODEL (model));

  osp_mirror_panel_stop (self);
  mesh = world_mesh (model);
  osp_mesh_get_bounds (mesh, &self->bounds);
  if (osp_box_is_empty (&self->bounds))
    return;
  self->plan = g_object_ref (plan);
  self->viewport = g_object_ref (viewport);
  self->model = g_object_ref (model);
  self->handlers[0] = g_signal_connect (viewport, "tool-drag-begin",
                                        G_CALLBACK (on_tool_drag_begin), self);
  self->handlers[1] = g_signal_connect (viewport, "tool-drag-update",
                                        G_CALLBACK (on_tool_drag_update), self);
  self->handlers[2] = g_signal_connect (viewport, "tool-drag-end",
                                        G_CALLBACK (on_tool_drag_end), self);
  title = g_strdup_printf (_("Mirror “%s”"), osp_model_get_name (model));
  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->plane_label, "");
  gtk_label_set_text (self->fit_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->legend), FALSE);
  g_clear_pointer (&self->last_error, g_free);
  /* A plane estimated earlier (before the cut, on the intact pelvis) is used again. */
  if (osp_plan_find_plane (plan, PLANE_NAME) >= 0)
    {
      osp_plan_get_plane (plan, osp_plan_find_plane (plan, PLANE_NAME), &self->plane);
      self->has_plane = TRUE;
      show_gizmo (self);
      show_plane (self, TRUE);
    }
  update_sensitivity (self);
}

gboolean
osp_mirror_panel_get_active (OspMirrorPanel *self)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), FALSE);
  return self->model != NULL;
}

static gboolean
teardown (OspMirrorPanel *self)
{
  if (self->model == NULL)
    return FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->gizmo, osp_plane_gizmo_free);
  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->viewport);
  /* The colour map belongs to this tool. */
  if (self->template_model != NULL)
    osp_viewport_set_model_vertex_colors (self->viewport, self->template_model, NULL);
  for (guint i = 0; i < self->hidden->len; i++)
    osp_viewport_set_model_hidden (self->viewport, g_ptr_array_index (self->hidden, i), FALSE);
  g_ptr_array_set_size (self->hidden, 0);
  clear_pending (self);
  g_clear_object (&self->template_model);
  g_clear_object (&self->model);
  g_clear_object (&self->viewport);
  g_clear_object (&self->plan);
  self->has_plane = FALSE;
  self->has_deviation = FALSE;
  return TRUE;
}

void
osp_mirror_panel_stop (OspMirrorPanel *self)
{
  g_return_if_fail (OSP_IS_MIRROR_PANEL (self));

  if (teardown (self))
    g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
}

gboolean
osp_mirror_panel_get_busy (OspMirrorPanel *self)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), FALSE);
  return self->work != WORK_NONE;
}

gboolean
osp_mirror_panel_get_plane (OspMirrorPanel *self,
                            OspPlane       *out_plane,
                            OspResidual    *out_residual)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), FALSE);

  if (!self->has_plane)
    return FALSE;
  if (out_plane != NULL)
    *out_plane = self->plane;
  if (out_residual != NULL)
    *out_residual = self->residual;
  return TRUE;
}

OspModel *
osp_mirror_panel_get_template (OspMirrorPanel *self)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), NULL);
  return self->template_model;
}

gboolean
osp_mirror_panel_get_deviation (OspMirrorPanel *self,
                                OspResidual    *out_stats)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), FALSE);

  if (!self->has_deviation)
    return FALSE;
  if (out_stats != NULL)
    *out_stats = self->deviation;
  return TRUE;
}

const char *
osp_mirror_panel_get_last_error (OspMirrorPanel *self)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), NULL);
  return self->last_error;
}

const char *
osp_mirror_panel_get_doubt (OspMirrorPanel *self)
{
  g_return_val_if_fail (OSP_IS_MIRROR_PANEL (self), NULL);

  return self->has_pending ? gtk_label_get_text (self->doubt_label) : NULL;
}

void
osp_mirror_panel_keep (OspMirrorPanel *self,
                       gboolean        registered)
{
  g_return_if_fail (OSP_IS_MIRROR_PANEL (self));

  if (!self->has_pending)
    return;
  if (registered && !gtk_widget_get_sensitive (GTK_WIDGET (self->keep_registered_button)))
    return;
  apply_fit (self, registered);
  clear_pending (self);
}

static void
on_stop_clicked (GtkButton      *button,
                 OspMirrorPanel *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_mirror_panel_dispose (GObject *object)
{
  OspMirrorPanel *self = OSP_MIRROR_PANEL (object);

  teardown (self);
  self->disposed = TRUE;
  g_clear_handle_id (&self->progress_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_MIRROR_PANEL);
  G_OBJECT_CLASS (osp_mirror_panel_parent_class)->dispose (object);
}

static void
osp_mirror_panel_finalize (GObject *object)
{
  OspMirrorPanel *self = OSP_MIRROR_PANEL (object);

  g_clear_object (&self->cancellable);
  for (int k = 0; k < 2; k++)
    g_free (self->pending_distances[k]);
  g_free (self->last_error);
  g_ptr_array_unref (self->hidden);
  G_OBJECT_CLASS (osp_mirror_panel_parent_class)->finalize (object);
}

static void
osp_mirror_panel_class_init (OspMirrorPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_mirror_panel_dispose;
  object_class->finalize = osp_mirror_panel_finalize;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-mirror-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, estimate_button);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, stop_button);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, plane_label);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, mirror_button);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, register_button);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, fit_label);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, legend);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, close_button);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, doubt_bar);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, doubt_label);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, keep_plane_button);
  gtk_widget_class_bind_template_child (widget_class, OspMirrorPanel, keep_registered_button);
}

static void
osp_mirror_panel_init (OspMirrorPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->hidden = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_drawing_area_set_draw_func (self->legend, draw_legend, NULL, NULL);
  g_signal_connect_swapped (self->estimate_button, "clicked",
                            G_CALLBACK (osp_mirror_panel_estimate), self);
  g_signal_connect_swapped (self->mirror_button, "clicked",
                            G_CALLBACK (osp_mirror_panel_mirror), self);
  g_signal_connect_swapped (self->register_button, "clicked",
                            G_CALLBACK (osp_mirror_panel_register), self);
  g_signal_connect_swapped (self->close_button, "clicked",
                            G_CALLBACK (osp_mirror_panel_stop), self);
  g_signal_connect (self->stop_button, "clicked", G_CALLBACK (on_stop_clicked), self);
  g_signal_connect (self->keep_plane_button, "clicked", G_CALLBACK (on_keep_clicked), self);
  g_signal_connect (self->keep_registered_button, "clicked", G_CALLBACK (on_keep_clicked),
                    self);
}

GtkWidget *
osp_mirror_panel_new (void)
{
  return g_object_new (OSP_TYPE_MIRROR_PANEL, NULL);
}
