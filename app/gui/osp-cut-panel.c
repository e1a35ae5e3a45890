/* osp-cut-panel.c — the Cut tool: planes, a live preview, and the undoable cut
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "osp-cut-panel.h"
#include "osp-cut.h"
#include "osp-gui-private.h"
#include "osp-plane-gizmo.h"

/* The preview waits until the planes rest this long (a drag moves them at every frame). */
#define PREVIEW_DELAY_MS 150

static const float inside_rgb[3] = { 0.86f, 0.33f, 0.27f };   /* resected: red-ish */
static const float outside_rgb[3] = { 0.93f, 0.89f, 0.80f };  /* remaining: ivory */

struct _OspCutPanel
{
  GtkBox          parent_instance;

  GtkLabel       *title_label;
  GtkDropDown    *plane_dropdown;
  GtkButton      *add_plane_button;
  GtkButton      *remove_plane_button;
  GtkButton      *axial_button;
  GtkButton      *coronal_button;
  GtkButton      *sagittal_button;
  GtkAdjustment  *nx_adjustment;
  GtkAdjustment  *ny_adjustment;
  GtkAdjustment  *nz_adjustment;
  GtkAdjustment  *offset_adjustment;
  GtkAdjustment  *margin_adjustment;
  GtkButton      *flip_button;
  GtkToggleButton *pick_button;
  GtkCheckButton *preview_check;
  GtkLabel       *status_label;
  GtkLabel       *margin_label;   /* margins to the tumour (osp-window-slices.c) */
  GtkButton      *cancel_button;
  GtkButton      *apply_button;

  OspPlan        *plan;
  OspViewport    *viewport;
  OspModel       *model;
  OspBox          bounds;       /* the model's, world mm */
  GArray         *planes;       /* OspPlane, world */
  GPtrArray      *gizmos;       /* OspPlaneGizmo*, parallel to planes */
  guint           current;
  GtkStringList  *plane_names;
  gboolean        syncing;      /* the widgets follow the planes: not an edit */
  gulong          handlers[4];  /* on the viewport */

  float           picked[3][3];
  guint           n_picked;
  GArray         *pick_markers; /* overlay handles */

  guint           preview_source;
  GCancellable   *preview_cancellable;
  GArray         *preview_overlays;   /* overlay handles */
  guint           n_inside, n_outside;
  GCancellable   *apply_cancellable;
  char           *last_error;
};

G_DEFINE_FINAL_TYPE (OspCutPanel, osp_cut_panel, GTK_TYPE_BOX)

enum
{
  SIGNAL_FINISHED,
  SIGNAL_PLANES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* -- Preview ------------------------------------------------------------------------------ */

typedef struct
{
  OspMesh  *mesh;      /* world coordinates */
  OspPlane  planes[OSP_CUT_MAX_PLANES];
  guint     n_planes;
  double    margin;
} PreviewData;

static void
preview_data_free (gpointer data)
{
  PreviewData *preview = data;

  osp_mesh_unref (preview->mesh);
  g_free (preview);
}

static void
cut_result_free (gpointer data)
{
  osp_cut_result_clear (data);
  g_free (data);
}

static void
preview_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PreviewData *data = task_data;
  OspCutResult *result = g_new0 (OspCutResult, 1);
  GError *error = NULL;

  if (osp_mesh_cut (data->mesh, data->planes, data->n_planes, data->margin, result, NULL,
                    cancellable, &error))
    g_task_return_pointer (task, result, cut_result_free);
  else
    {
      cut_result_free (result);
      g_task_return_error (task, error);
    }
}

static void
clear_preview (OspCutPanel *self)
{
  for (guint i = 0; i < self->preview_overlays->len; i++)
    osp_viewport_remove_overlay (self->viewport, g_array_index (self->preview_overlays, guint, i));
  g_array_set_size (self->preview_overlays, 0);
  self->n_inside = self->n_outside = 0;
  if (self->model != NULL)
    osp_viewport_set_model_hidden (self->viewport, self->model, FALSE);
}

static void
set_status (OspCutPanel *self,
            const char  *text,
            gboolean     is_error)
{
  gtk_label_set_text (self->status_label, text);
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      g_free (self->last_error);
      self->last_error = g_strdup (text);
    }
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
preview_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(OspCutPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  OspCutResult *cut = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *inside_text = NULL;
  g_autofree char *outside_text = NULL;
  g_autofree char *text = NULL;

  if (g_task_get_cancellable (G_TASK (result)) == self->preview_cancellable)
    g_clear_object (&self->preview_cancellable);
  if (cut == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message, TRUE);
      return;
    }
  if (self->viewport == NULL)
    {
      cut_result_free (cut);
      return;
    }
  clear_preview (self);
  for (guint i = 0; i < cut->inside->len; i++)
    {
      guint handle = osp_viewport_add_overlay (self->viewport, g_ptr_array_index (cut->inside, i),
                                               inside_rgb, 1.0f);

      g_array_append_val (self->preview_overlays, handle);
    }
  for (guint i = 0; i < cut->outside->len; i++)
    {
      guint handle = osp_viewport_add_overlay (self->viewport,
                                               g_ptr_array_index (cut->outside, i),
                                               outside_rgb, 1.0f);

      g_array_append_val (self->preview_overlays, handle);
    }
  self->n_inside = cut->inside->len;
  self->n_outside = cut->outside->len;
  osp_viewport_set_model_hidden (self->viewport, self->model, TRUE);

  inside_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Resected: %u piece, %.1f cm³",
                                              "Resected: %u pieces, %.1f cm³", cut->inside->len),
                                 cut->inside->len, cut->inside_volume / 1000.0);
  outside_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Remaining: %u piece, %.1f cm³",
                                               "Remaining: %u pieces, %.1f cm³",
                                               cut->outside->len),
                                  cut->outside->len, cut->outside_volume / 1000.0);
  if (cut->missed)
    text = g_strdup (_("The planes miss the bone: nothing would be cut."));
  else if (!cut->capped)
    text = g_strdup_printf ("%s\n%s\n%s", inside_text, outside_text,
                            _("Some cut faces could not be closed (the model has holes)."));
  else if (!cut->clean)
    text = g_strdup_printf ("%s\n%s\n%s", inside_text, outside_text,
                            _("Along the cut some faces cross each other or have no area (the "
                              "bone crosses itself there): repair the bone or check the pieces "
                              "before printing."));
  else
    text = g_strdup_printf ("%s\n%s", inside_text, outside_text);
  set_status (self, text, FALSE);
  if (!cut->missed && !cut->clean)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "warning");
  cut_result_free (cut);
}

static gboolean
run_preview (gpointer data)
{
  OspCutPanel *self = data;
  g_autoptr(GTask) task = NULL;
  PreviewData *preview;
  mat4 matrix;   /* aligned: cglm's SSE code loads whole columns */
  const float *m = (const float *) matrix;
  gboolean identity = TRUE;

  self->preview_source = 0;
  if (self->model == NULL)
    return G_SOURCE_REMOVE;
  preview = g_new0 (PreviewData, 1);
  osp_model_get_transform (self->model, (float *) matrix);
  for (int i = 0; i < 16; i++)
    identity = identity && m[i] == ((i % 5 == 0) ? 1.0f : 0.0f);
  preview->mesh = identity ? osp_mesh_ref (osp_model_get_mesh (self->model))
                           : osp_mesh_transform (osp_model_get_mesh (self->model), matrix);
  preview->n_planes = self->planes->len;
  memcpy (preview->planes, self->planes->data, sizeof (OspPlane) * self->planes->len);
  preview->margin = gtk_adjustment_get_value (self->margin_adjustment);

  self->preview_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->preview_cancellable, preview_done, g_object_ref (self));
  g_task_set_source_tag (task, run_preview);
  g_task_set_task_data (task, preview, preview_data_free);
  g_task_run_in_thread (task, preview_thread);
  return G_SOURCE_REMOVE;
}

/* Every change cancels the running preview and starts a new one once the planes rest. */
static void
schedule_preview (OspCutPanel *self)
{
  g_signal_emit (self, signals[SIGNAL_PLANES_CHANGED], 0);
  if (self->preview_cancellable != NULL)
    {
      g_cancellable_cancel (self->preview_cancellable);
      g_clear_object (&self->preview_cancellable);
    }
  g_clear_handle_id (&self->preview_source, g_source_remove);
  if (self->model == NULL)
    return;
  if (!gtk_check_button_get_active (self->preview_check))
    {
      clear_preview (self);
      set_status (self, "", FALSE);
      return;
    }
  self->preview_source = g_timeout_add (PREVIEW_DELAY_MS, run_preview, self);
}

/* -- Planes ------------------------------------------------------------------------------- */

static void
sync_widgets (OspCutPanel *self)
{
  const OspPlane *plane = &g_array_index (self->planes, OspPlane, self->current);

  self->syncing = TRUE;
  gtk_adjustment_set_value (self->nx_adjustment, plane->normal[0]);
  gtk_adjustment_set_value (self->ny_adjustment, plane->normal[1]);
  gtk_adjustment_set_value (self->nz_adjustment, plane->normal[2]);
  gtk_adjustment_set_value (self->offset_adjustment, plane->d);
  if (gtk_drop_down_get_selected (self->plane_dropdown) != self->current)
    gtk_drop_down_set_selected (self->plane_dropdown, self->current);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_plane_button), self->planes->len > 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_plane_button),
                            self->planes->len < OSP_CUT_MAX_PLANES);
  self->syncing = FALSE;
  for (guint i = 0; i < self->gizmos->len; i++)
    osp_plane_gizmo_set_active (g_ptr_array_index (self->gizmos, i), i == self->current);
}

static void
normalize_plane (OspPlane *plane)
{
  float length = sqrtf (plane->normal[0] * plane->normal[0] +
                        plane->normal[1] * plane->normal[1] +
                        plane->normal[2] * plane->normal[2]);

  for (int a = 0; a < 3; a++)
    plane->normal[a] /= length;
  plane->d /= length;
}

/* Sets plane `index` (normal non-zero) and everything that shows it. */
static void
set_plane (OspCutPanel    *self,
           guint           index,
           const OspPlane *plane,
           gboolean        sync)
{
  OspPlane unit = *plane;

  normalize_plane (&unit);
  g_array_index (self->planes, OspPlane, index) = unit;
  osp_plane_gizmo_set_plane (g_ptr_array_index (self->gizmos, index), &unit);
  if (sync)
    sync_widgets (self);
  schedule_preview (self);
}

static void
get_centre (OspCutPanel *self,
            float       *out_centre)
{
  for (int a = 0; a < 3; a++)
    out_centre[a] = (self->bounds.min[a] + self->bounds.max[a]) / 2;
}

/* A plane of normal n through the middle of the model. */
static void
plane_through_centre (OspCutPanel *self,
                      float        nx,
                      float        ny,
                      float        nz,
                      OspPlane    *out_plane)
{
  float centre[3];

  get_centre (self, centre);
  out_plane->normal[0] = nx;
  out_plane->normal[1] = ny;
  out_plane->normal[2] = nz;
  out_plane->d = nx * centre[0] + ny * centre[1] + nz * centre[2];
}

static void
rename_planes (OspCutPanel *self)
{
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->plane_names));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->planes->len; i++)
    g_ptr_array_add (names, g_strdup_printf (_("Plane %u"), i + 1));
  g_ptr_array_add (names, NULL);
  self->syncing = TRUE;
  gtk_string_list_splice (self->plane_names, 0, n_old, (const char *const *) names->pdata);
  self->syncing = FALSE;
}

static void
add_plane (OspCutPanel    *self,
           const OspPlane *plane)
{
  OspPlane unit = *plane;

  normalize_plane (&unit);
  g_array_append_val (self->planes, unit);
  g_ptr_array_add (self->gizmos, osp_plane_gizmo_new (self->viewport, &self->bounds, &unit));
  self->current = self->planes->len - 1;
  rename_planes (self);
  sync_widgets (self);
  schedule_preview (self);
}

static void
clear_planes (OspCutPanel *self)
{
  g_ptr_array_set_size (self->gizmos, 0);
  g_array_set_size (self->planes, 0);
  self->current = 0;
}

static void
on_add_plane (GtkButton   *button,
              OspCutPanel *self)
{
  OspPlane plane = g_array_index (self->planes, OspPlane, self->current);

  if (self->planes->len >= OSP_CUT_MAX_PLANES)
    return;
  /* The opposite side, 20 mm further: with the current plane, a slab to resect. */
  for (int a = 0; a < 3; a++)
    plane.normal[a] = -plane.normal[a];
  plane.d = -plane.d + 20.0f;
  add_plane (self, &plane);
}

static void
on_remove_plane (GtkButton   *button,
                 OspCutPanel *self)
{
  if (self->planes->len <= 1)
    return;
  g_array_remove_index (self->planes, self->current);
  g_ptr_array_remove_index (self->gizmos, self->current);
  self->current = MIN (self->current, self->planes->len - 1);
  rename_planes (self);
  sync_widgets (self);
  schedule_preview (self);
}

static void
on_plane_selected (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   OspCutPanel *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->syncing || selected >= self->planes->len)
    return;
  self->current = selected;
  sync_widgets (self);
}

static void
on_numbers_changed (GtkAdjustment *adjustment,
                    OspCutPanel   *self)
{
  OspPlane plane;
  float length;

  if (self->syncing || self->planes->len == 0)
    return;
  plane.normal[0] = gtk_adjustment_get_value (self->nx_adjustment);
  plane.normal[1] = gtk_adjustment_get_value (self->ny_adjustment);
  plane.normal[2] = gtk_adjustment_get_value (self->nz_adjustment);
  plane.d = gtk_adjustment_get_value (self->offset_adjustment);
  length = sqrtf (plane.normal[0] * plane.normal[0] + plane.normal[1] * plane.normal[1] +
                  plane.normal[2] * plane.normal[2]);
  if (length < 1e-3f)
    return;   /* typing through a zero normal */
  /* The typed offset is for the unit normal: keep it as typed. */
  plane.d *= length;
  set_plane (self, self->current, &plane, FALSE);
}

static void
on_margin_changed (GtkAdjustment *adjustment,
                   OspCutPanel   *self)
{
  if (!self->syncing)
    schedule_preview (self);
  /* The margins to the tumour are those of the planes moved out by this margin. */
  if (self->model != NULL)
    g_signal_emit (self, signals[SIGNAL_PLANES_CHANGED], 0);
}

static void
on_preset (GtkButton   *button,
           OspCutPanel *self)
{
  OspPlane plane;

  if (button == self->axial_button)
    plane_through_centre (self, 0, 0, 1, &plane);
  else if (button == self->coronal_button)
    plane_through_centre (self, 0, 1, 0, &plane);
  else
    plane_through_centre (self, 1, 0, 0, &plane);
  set_plane (self, self->current, &plane, TRUE);
}

static void
on_flip (GtkButton   *button,
         OspCutPanel *self)
{
  OspPlane plane = g_array_index (self->planes, OspPlane, self->current);

  for (int a = 0; a < 3; a++)
    plane.normal[a] = -plane.normal[a];
  plane.d = -plane.d;
  set_plane (self, self->current, &plane, TRUE);
}

static void
on_preview_toggled (GtkCheckButton *check,
                    OspCutPanel    *self)
{
  schedule_preview (self);
}

/* -- Picking three points ----------------------------------------------------------------- */

static void
clear_pick_markers (OspCutPanel *self)
{
  for (guint i = 0; i < self->pick_markers->len; i++)
    osp_viewport_remove_overlay (self->viewport, g_array_index (self->pick_markers, guint, i));
  g_array_set_size (self->pick_markers, 0);
  self->n_picked = 0;
}

static void
on_pick_toggled (GtkToggleButton *button,
                 OspCutPanel     *self)
{
  clear_pick_markers (self);
  if (gtk_toggle_button_get_active (button))
    set_status (self, _("Click three points on the bone."), FALSE);
}

static OspMesh *
make_marker (const float *position,
             float        size)
{
  float positions[24];
  static const guint32 indices[] = {
    0, 2, 1, 1, 2, 3,  4, 5, 6, 5, 7, 6,  0, 1, 4, 1, 5, 4,
    2, 6, 3, 3, 6, 7,  0, 4, 2, 2, 4, 6,  1, 3, 5, 3, 7, 5,
  };

  for (int c = 0; c < 8; c++)
    for (int a = 0; a < 3; a++)
      positions[c * 3 + a] = position[a] + ((c >> a) & 1 ? size : -size);
  return osp_mesh_new (positions, 8, indices, 12);
}

static gboolean
on_tool_click (OspViewport *viewport,
               double       x,
               double       y,
               OspCutPanel *self)
{
  static const float marker_rgb[3] = { 0.2f, 0.45f, 1.0f };
  OspModel *model = NULL;
  float position[3];
  g_autoptr(OspMesh) marker = NULL;
  guint handle;

  if (!gtk_toggle_button_get_active (self->pick_button))
    return FALSE;
  if (!osp_viewport_pick (viewport, x, y, &model, position))
    return TRUE;
  memcpy (self->picked[self->n_picked++], position, sizeof position);
  marker = make_marker (position, MAX (0.5f, sqrtf (glm_vec3_distance2 (self->bounds.min,
                                                                        self->bounds.max))
                                             * 0.006f));
  handle = osp_viewport_add_overlay (viewport, marker, marker_rgb, 1.0f);
  g_array_append_val (self->pick_markers, handle);
  if (self->n_picked < 3)
    {
      g_autofree char *text = g_strdup_printf (_("Point %u of 3 picked."), self->n_picked);

      set_status (self, text, FALSE);
      return TRUE;
    }
  {
    OspPlane plane;

    if (osp_plane_from_points (self->picked[0], self->picked[1], self->picked[2], &plane))
      set_plane (self, self->current, &plane, TRUE);
    else
      set_status (self, _("The three points lie on a line: pick them again."), TRUE);
  }
  gtk_toggle_button_set_active (self->pick_button, FALSE);
  return TRUE;
}

/* -- Gizmo drags -------------------------------------------------------------------------- */

static gboolean
on_tool_drag_begin (OspViewport *viewport,
                    double       x,
                    double       y,
                    OspCutPanel *self)
{
  if (self->gizmos->len == 0 || gtk_toggle_button_get_active (self->pick_button))
    return FALSE;
  return osp_plane_gizmo_drag_begin (g_ptr_array_index (self->gizmos, self->current), x, y);
}

static void
on_tool_drag_update (OspViewport *viewport,
                     double       x,
                     double       y,
                     OspCutPanel *self)
{
  OspPlaneGizmo *gizmo;

  if (self->gizmos->len == 0)
    return;
  gizmo = g_ptr_array_index (self->gizmos, self->current);
  if (osp_plane_gizmo_drag_update (gizmo, x, y))
    {
      osp_plane_gizmo_get_plane (gizmo, &g_array_index (self->planes, OspPlane, self->current));
      sync_widgets (self);
      schedule_preview (self);
    }
}

static void
on_tool_drag_end (OspViewport *viewport,
                  OspCutPanel *self)
{
  if (self->gizmos->len > 0)
    osp_plane_gizmo_drag_end (g_ptr_array_index (self->gizmos, self->current));
}

/* -- Start, stop, apply ------------------------------------------------------------------- */

static void
world_bounds (OspModel *model,
              OspBox   *out_box)
{
  OspBox box;
  mat4 matrix;

  osp_mesh_get_bounds (osp_model_get_mesh (model), &box);
  osp_model_get_transform (model, (float *) matrix);
  for (int a = 0; a < 3; a++)
    {
      out_box->min[a] = INFINITY;
      out_box->max[a] = -INFINITY;
    }
  for (int c = 0; c < 8; c++)
    {
      vec4 corner = { c & 1 ? box.max[0] : box.min[0], c & 2 ? box.max[1] : box.min[1],
                      c & 4 ? box.max[2] : box.min[2], 1.0f };
      vec4 world;

      glm_mat4_mulv (matrix, corner, world);
      for (int a = 0; a < 3; a++)
        {
          out_box->min[a] = MIN (out_box->min[a], world[a]);
          out_box->max[a] = MAX (out_box->max[a], world[a]);
        }
    }
}

void
osp_cut_panel_start (OspCutPanel *self,
                     OspPlan     *plan,
                     OspViewport *viewport,
                     OspModel    *model)
{
  g_autofree char *title = NULL;
  OspPlane plane;

  g_return_if_fail (OSP_IS_CUT_PANEL (self));
  g_return_if_fail (OSP_IS_PLAN (plan));
  g_return_if_fail (OSP_IS_VIEWPORT (viewport));
  g_return_if_fail (OSP_IS_MODEL (model));

  osp_cut_panel_stop (self);
  world_bounds (model, &self->bounds);
  if (osp_box_is_empty (&self->bounds))
    return;
  self->plan = g_object_ref (plan);
  self->viewport = g_object_ref (viewport);
  self->model = g_object_ref (model);
  self->handlers[0] = g_signal_connect (viewport, "tool-click", G_CALLBACK (on_tool_click), self);
  self->handlers[1] = g_signal_connect (viewport, "tool-drag-begin",
                                        G_CALLBACK (on_tool_drag_begin), self);
  self->handlers[2] = g_signal_connect (viewport, "tool-drag-update",
                                        G_CALLBACK (on_tool_drag_update), self);
  self->handlers[3] = g_signal_connect (viewport, "tool-drag-end",
                                        G_CALLBACK (on_tool_drag_end), self);
  title = g_strdup_printf (_("Cut “%s”"), osp_model_get_name (model));
  gtk_label_set_text (self->title_label, title);
  set_status (self, "", FALSE);
  g_clear_pointer (&self->last_error, g_free);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), TRUE);
  plane_through_centre (self, 0, 0, 1, &plane);
  add_plane (self, &plane);
}

gboolean
osp_cut_panel_get_active (OspCutPanel *self)
{
  g_return_val_if_fail (OSP_IS_CUT_PANEL (self), FALSE);
  return self->model != NULL;
}

/* Removes everything from the view; returns whether the panel was active. */
static gboolean
teardown (OspCutPanel *self)
{
  if (self->model == NULL)
    return FALSE;
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  g_clear_handle_id (&self->preview_source, g_source_remove);
  clear_preview (self);
  clear_pick_markers (self);
  clear_planes (self);
  g_signal_emit (self, signals[SIGNAL_PLANES_CHANGED], 0);
  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->viewport);
  gtk_toggle_button_set_active (self->pick_button, FALSE);
  g_clear_object (&self->model);
  g_clear_object (&self->viewport);
  g_clear_object (&self->plan);
  return TRUE;
}

void
osp_cut_panel_set_margin_report (OspCutPanel *self,
                                 const char  *markup)
{
  g_return_if_fail (OSP_IS_CUT_PANEL (self));

  gtk_label_set_markup (self->margin_label, markup != NULL ? markup : "");
  gtk_widget_set_visible (GTK_WIDGET (self->margin_label), markup != NULL && markup[0] != '\0');
}

void
osp_cut_panel_stop (OspCutPanel *self)
{
  g_return_if_fail (OSP_IS_CUT_PANEL (self));

  if (self->apply_cancellable != NULL)
    g_cancellable_cancel (self->apply_cancellable);
  if (teardown (self))
    g_signal_emit (self, signals[SIGNAL_FINISHED], 0, FALSE);
}

void
osp_cut_panel_set_planes (OspCutPanel    *self,
                          const OspPlane *planes,
                          guint           n_planes)
{
  g_return_if_fail (OSP_IS_CUT_PANEL (self));
  g_return_if_fail (planes != NULL && n_planes >= 1 && n_planes <= OSP_CUT_MAX_PLANES);
  g_return_if_fail (self->model != NULL);

  clear_planes (self);
  for (guint i = 0; i < n_planes; i++)
    add_plane (self, &planes[i]);
}

guint
osp_cut_panel_get_planes (OspCutPanel *self,
                          OspPlane    *out_planes,
                          guint        max_planes)
{
  g_return_val_if_fail (OSP_IS_CUT_PANEL (self), 0);

  if (out_planes != NULL)
    memcpy (out_planes, self->planes->data, sizeof (OspPlane) * MIN (max_planes,
                                                                       self->planes->len));
  return self->planes->len;
}

void
osp_cut_panel_set_plane_warnings (OspCutPanel    *self,
                                  const gboolean *warnings,
                                  guint           n_planes)
{
  g_return_if_fail (OSP_IS_CUT_PANEL (self));
  g_return_if_fail (n_planes == 0 || warnings != NULL);

  for (guint i = 0; i < self->gizmos->len; i++)
    osp_plane_gizmo_set_warning (g_ptr_array_index (self->gizmos, i),
                                 i < n_planes && warnings[i]);
}

void
osp_cut_panel_set_margin (OspCutPanel *self,
                          double       margin_mm)
{
  g_return_if_fail (OSP_IS_CUT_PANEL (self));
  gtk_adjustment_set_value (self->margin_adjustment, margin_mm);
}

double
osp_cut_panel_get_margin (OspCutPanel *self)
{
  g_return_val_if_fail (OSP_IS_CUT_PANEL (self), 0.0);
  return gtk_adjustment_get_value (self->margin_adjustment);
}

static void
apply_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(OspCutPanel) self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->apply_cancellable);
  if (!osp_plan_cut_model_finish (OSP_PLAN (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message, TRUE);
      else
        set_status (self, _("Cancelled."), FALSE);   /* never left on "Cutting…" */
      gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), self->model != NULL);
      return;
    }
  if (teardown (self))
    g_signal_emit (self, signals[SIGNAL_FINISHED], 0, TRUE);
}

void
osp_cut_panel_apply (OspCutPanel *self)
{
  g_autofree char *label = NULL;

  g_return_if_fail (OSP_IS_CUT_PANEL (self));

  if (self->model == NULL || self->apply_cancellable != NULL)
    return;
  label = g_strdup_printf (_("Cut %s"), osp_model_get_name (self->model));
  self->apply_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), FALSE);
  set_status (self, _("Cutting…"), FALSE);
  osp_plan_cut_model_async (self->plan, self->model, (const OspPlane *) self->planes->data,
                            self->planes->len, gtk_adjustment_get_value (self->margin_adjustment),
                            label, self->apply_cancellable, apply_done, g_object_ref (self));
}

gboolean
osp_cut_panel_get_busy (OspCutPanel *self)
{
  g_return_val_if_fail (OSP_IS_CUT_PANEL (self), FALSE);
  return self->preview_source != 0 || self->preview_cancellable != NULL ||
         self->apply_cancellable != NULL;
}

guint
osp_cut_panel_get_n_preview_pieces (OspCutPanel *self,
                                    gboolean     inside)
{
  g_return_val_if_fail (OSP_IS_CUT_PANEL (self), 0);
  return inside ? self->n_inside : self->n_outside;
}

const char *
osp_cut_panel_get_last_error (OspCutPanel *self)
{
  g_return_val_if_fail (OSP_IS_CUT_PANEL (self), NULL);
  return self->last_error;
}

static void
on_apply_clicked (GtkButton   *button,
                  OspCutPanel *self)
{
  osp_cut_panel_apply (self);
}

static void
on_cancel_clicked (GtkButton   *button,
                   OspCutPanel *self)
{
  osp_cut_panel_stop (self);
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_cut_panel_dispose (GObject *object)
{
  OspCutPanel *self = OSP_CUT_PANEL (object);

  if (self->apply_cancellable != NULL)
    g_cancellable_cancel (self->apply_cancellable);
  if (self->planes != NULL)
    teardown (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_CUT_PANEL);
  G_OBJECT_CLASS (osp_cut_panel_parent_class)->dispose (object);
}

static void
osp_cut_panel_finalize (GObject *object)
{
  OspCutPanel *self = OSP_CUT_PANEL (object);

  g_ptr_array_unref (self->gizmos);
  g_array_unref (self->planes);
  g_array_unref (self->preview_overlays);
  g_array_unref (self->pick_markers);
  g_clear_object (&self->apply_cancellable);
  g_free (self->last_error);
  G_OBJECT_CLASS (osp_cut_panel_parent_class)->finalize (object);
}

static void
osp_cut_panel_class_init (OspCutPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_cut_panel_dispose;
  object_class->finalize = osp_cut_panel_finalize;

  /* "finished" (applied): the tool closed, after a cut (TRUE) or a Cancel (FALSE). */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_PLANES_CHANGED] = g_signal_new ("planes-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-cut-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, plane_dropdown);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, add_plane_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, remove_plane_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, axial_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, coronal_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, sagittal_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, nx_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, ny_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, nz_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, offset_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, margin_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, flip_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, pick_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, preview_check);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, OspCutPanel, apply_button);
}

static void
osp_cut_panel_init (OspCutPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  {
    GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self->status_label));

    self->margin_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->margin_label, 0.0f);
    gtk_label_set_wrap (self->margin_label, TRUE);
    gtk_widget_set_visible (GTK_WIDGET (self->margin_label), FALSE);
    if (GTK_IS_BOX (parent))
      gtk_box_insert_child_after (GTK_BOX (parent), GTK_WIDGET (self->margin_label),
                                  GTK_WIDGET (self->status_label));
    else
      gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->margin_label));
  }

  self->planes = g_array_new (FALSE, FALSE, sizeof (OspPlane));
  self->gizmos = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_plane_gizmo_free);
  self->preview_overlays = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pick_markers = g_array_new (FALSE, FALSE, sizeof (guint));
  self->plane_names = gtk_string_list_new (NULL);
  /* The drop-down takes the list's reference. */
  gtk_drop_down_set_model (self->plane_dropdown, G_LIST_MODEL (self->plane_names));
  g_object_unref (self->plane_names);

  g_signal_connect (self->plane_dropdown, "notify::selected", G_CALLBACK (on_plane_selected),
                    self);
  g_signal_connect (self->add_plane_button, "clicked", G_CALLBACK (on_add_plane), self);
  g_signal_connect (self->remove_plane_button, "clicked", G_CALLBACK (on_remove_plane), self);
  g_signal_connect (self->axial_button, "clicked", G_CALLBACK (on_preset), self);
  g_signal_connect (self->coronal_button, "clicked", G_CALLBACK (on_preset), self);
  g_signal_connect (self->sagittal_button, "clicked", G_CALLBACK (on_preset), self);
  g_signal_connect (self->nx_adjustment, "value-changed", G_CALLBACK (on_numbers_changed), self);
  g_signal_connect (self->ny_adjustment, "value-changed", G_CALLBACK (on_numbers_changed), self);
  g_signal_connect (self->nz_adjustment, "value-changed", G_CALLBACK (on_numbers_changed), self);
  g_signal_connect (self->offset_adjustment, "value-changed", G_CALLBACK (on_numbers_changed),
                    self);
  g_signal_connect (self->margin_adjustment, "value-changed", G_CALLBACK (on_margin_changed),
                    self);
  g_signal_connect (self->flip_button, "clicked", G_CALLBACK (on_flip), self);
  g_signal_connect (self->pick_button, "toggled", G_CALLBACK (on_pick_toggled), self);
  g_signal_connect (self->preview_check, "toggled", G_CALLBACK (on_preview_toggled), self);
  g_signal_connect (self->apply_button, "clicked", G_CALLBACK (on_apply_clicked), self);
  g_signal_connect (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
}

GtkWidget *
osp_cut_panel_new (void)
{
  return g_object_new (OSP_TYPE_CUT_PANEL, NULL);
}
