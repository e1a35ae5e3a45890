/* osp-slice-view.c — an axial, coronal or sagittal CT slice view
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GL resources follow the GtkGLArea's lifetime as in gtk4-demo's gtkgears.c: the renderer is
 * made in "realize" and freed in "unrealize" with the context current.  The CT texture is the
 * group's, shared by the views' contexts (GTK's contexts share objects); the last view
 * unrealized releases it.
 */
#include "config.h"

#include "osp-slice-view.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-gui-private.h"
#include "osp-model.h"

typedef struct
{
  OspModel *model;
  guint     id;        /* in the renderer, 0 while none */
} Entry;

typedef enum
{
  DRAG_NONE,
  DRAG_CROSSHAIR,
  DRAG_PAN,
  DRAG_WINDOW,
  DRAG_TOOL,
} DragMode;

struct _OspSliceView
{
  GtkWidget         parent_instance;

  GtkWidget        *box;
  GtkWidget        *overlay;
  GtkGLArea        *gl_area;
  GtkLabel         *title_label;
  GtkLabel         *info_label;
  GtkWidget        *empty_label;
  GtkWidget        *measure_area;  /* landmarks and measurements near the slice */
  GPtrArray        *drawn_labels;  /* the labels drawn last (char *) ... */
  GArray           *drawn_points;  /* ... and where (double x, y, widget pixels) */
  GtkScale         *slider;
  gboolean          updating_slider;

  OspSliceGroup    *group;
  OspSliceAxis      axis;
  OspSliceRenderer *renderer;
  gboolean          counted;     /* counted in the group's GL users */
  char             *gl_error;
  OspSliceCamera    camera;      /* in-plane centre and zoom (device pixels) */
  gboolean          fitted;
  GListModel       *models;
  GPtrArray        *entries;     /* Entry*, parallel to models */

  DragMode          drag_mode;
  double            drag_x, drag_y;
  double            pointer_x, pointer_y;
  gboolean          pointer_inside;
  gboolean          tool_active;
  char             *info;
  guint             n_frames;
};

G_DEFINE_FINAL_TYPE (OspSliceView, osp_slice_view, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_TOGGLE_ZOOM,
  SIGNAL_TOOL_PRESS,
  SIGNAL_TOOL_MOTION,
  SIGNAL_TOOL_RELEASE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
axis_title (OspSliceAxis axis)
{
  switch (axis)
    {
    case OSP_SLICE_CORONAL:
      return _("Coronal");
    case OSP_SLICE_SAGITTAL:
      return _("Sagittal");
    case OSP_SLICE_AXIAL:
    default:
      return _("Axial");
    }
}

static int
scale_factor (OspSliceView *self)
{
  return MAX (1, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
}

static void
device_size (OspSliceView *self, int *out_width, int *out_height)
{
  int s = scale_factor (self);

  *out_width = MAX (1, gtk_widget_get_width (GTK_WIDGET (self->gl_area)) * s);
  *out_height = MAX (1, gtk_widget_get_height (GTK_WIDGET (self->gl_area)) * s);
}

/* The camera of the next picture: the in-plane centre and zoom of this view, the slice
 * position and window of the group. */
static void
current_camera (OspSliceView *self, OspSliceCamera *out)
{
  double crosshair[3];
  int n = osp_slice_axis_normal_index (self->axis);

  *out = self->camera;
  out->axis = self->axis;
  osp_slice_group_get_crosshair (self->group, crosshair);
  out->center[n] = crosshair[n];
  osp_slice_group_get_window (self->group, &out->window, &out->level);
}

static void
ensure_fitted (OspSliceView *self)
{
  OspVolume *volume = osp_slice_group_get_volume (self->group);
  int width, height;

  if (self->fitted || volume == NULL || !gtk_widget_get_realized (GTK_WIDGET (self->gl_area)))
    return;
  device_size (self, &width, &height);
  self->camera.axis = self->axis;
  osp_slice_camera_fit (&self->camera, volume, width, height, FALSE);
  self->fitted = TRUE;
}

/* -- Labels and slider --------------------------------------------------------------------- */

static void
update_labels (OspSliceView *self)
{
  OspVolume *volume = osp_slice_group_get_volume (self->group);
  double crosshair[3], lo = 0.0, hi = 1.0, spacing[3];
  int n = osp_slice_axis_normal_index (self->axis);
  g_autofree char *title = NULL;

  osp_slice_group_get_crosshair (self->group, crosshair);
  gtk_widget_set_visible (self->empty_label, volume == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->slider), volume != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->info_label), volume != NULL);
  if (volume == NULL)
    {
      gtk_label_set_text (self->title_label, axis_title (self->axis));
      return;
    }
  /* TRANSLATORS: a slice view's title: the plane and the slice position in mm. */
  switch (self->axis)
    {
    case OSP_SLICE_CORONAL:
      title = g_strdup_printf (_("Coronal %.1f mm"), crosshair[n]);
      break;
    case OSP_SLICE_SAGITTAL:
      title = g_strdup_printf (_("Sagittal %.1f mm"), crosshair[n]);
      break;
    case OSP_SLICE_AXIAL:
    default:
      title = g_strdup_printf (_("Axial %.1f mm"), crosshair[n]);
      break;
    }
  gtk_label_set_text (self->title_label, title);

  osp_volume_get_lps_range (volume, n, &lo, &hi);
  osp_volume_get_spacing (volume, spacing);
  self->updating_slider = TRUE;
  gtk_range_set_range (GTK_RANGE (self->slider), lo, MAX (hi, lo + 1e-3));
  gtk_range_set_increments (GTK_RANGE (self->slider),
                            MIN (spacing[0], MIN (spacing[1], spacing[2])),
                            10 * MIN (spacing[0], MIN (spacing[1], spacing[2])));
  /* Superior, posterior and left at the top of the vertical slider. */
  gtk_range_set_value (GTK_RANGE (self->slider), crosshair[n]);
  self->updating_slider = FALSE;
}

static void
update_info (OspSliceView *self)
{
  OspVolume *volume = osp_slice_group_get_volume (self->group);
  double lps[3], hu;

  g_clear_pointer (&self->info, g_free);
  if (volume == NULL || !self->pointer_inside)
    {
      gtk_label_set_text (self->info_label, "");
      return;
    }
  osp_slice_view_point_to_lps (self, self->pointer_x, self->pointer_y, lps);
  if (osp_volume_sample_lps (volume, lps, &hu))
    /* TRANSLATORS: the CT value and the patient position (LPS) under the mouse. */
    self->info = g_strdup_printf (_("%.0f HU at (%.1f, %.1f, %.1f) mm LPS"), hu, lps[0], lps[1],
                                  lps[2]);
  else
    self->info = g_strdup_printf (_("(%.1f, %.1f, %.1f) mm LPS, outside the CT"), lps[0],
                                  lps[1], lps[2]);
  gtk_label_set_text (self->info_label, self->info);
}

static void
on_slider_changed (GtkRange     *range,
                   OspSliceView *self)
{
  double crosshair[3];
  int n = osp_slice_axis_normal_index (self->axis);

  if (self->updating_slider)
    return;
  osp_slice_group_get_crosshair (self->group, crosshair);
  crosshair[n] = gtk_range_get_value (range);
  osp_slice_group_set_crosshair (self->group, crosshair);
}

/* -- Models ---------------------------------------------------------------------------------- */

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_object_unref (entry->model);
  g_free (entry);
}

static void
on_model_notify (OspSliceView *self)
{
  gtk_gl_area_queue_render (self->gl_area);
}

static void
on_items_changed (GListModel   *list,
                  guint         position,
                  guint         removed,
                  guint         added,
                  OspSliceView *self)
{
  for (guint i = 0; i < removed; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, position);

      if (self->renderer != NULL && entry->id != 0)
        osp_slice_renderer_remove_model (self->renderer, entry->id);
      g_signal_handlers_disconnect_by_data (entry->model, self);
      g_ptr_array_remove_index (self->entries, position);
    }
  for (guint i = 0; i < added; i++)
    {
      Entry *entry = g_new0 (Entry, 1);

      entry->model = g_list_model_get_item (list, position + i);
      g_signal_connect_swapped (entry->model, "notify", G_CALLBACK (on_model_notify), self);
      g_ptr_array_insert (self->entries, position + i, entry);
    }
  gtk_gl_area_queue_render (self->gl_area);
}

static void
disconnect_models (OspSliceView *self)
{
  if (self->models == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->models, on_items_changed, self);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      g_signal_handlers_disconnect_by_data (entry->model, self);
      if (self->renderer != NULL && entry->id != 0)
        osp_slice_renderer_remove_model (self->renderer, entry->id);
    }
  g_ptr_array_set_size (self->entries, 0);
  g_clear_object (&self->models);
}

static void
on_models_changed (OspSliceView *self)
{
  GListModel *models = osp_slice_group_get_models (self->group);

  disconnect_models (self);
  if (models == NULL)
    return;
  self->models = g_object_ref (models);
  g_signal_connect (models, "items-changed", G_CALLBACK (on_items_changed), self);
  on_items_changed (models, 0, 0, g_list_model_get_n_items (models), self);
}

/* Models into the renderer: only what changed is recomputed (the renderer keeps each model's
 * contour for the slice position). */
static void
sync_models (OspSliceView *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      OspMesh *mesh = osp_model_get_mesh (entry->model);
      float rgb[3], transform[16];

      if (mesh == NULL)
        continue;
      if (entry->id == 0)
        entry->id = osp_slice_renderer_add_model (self->renderer, mesh);
      else
        osp_slice_renderer_set_model_mesh (self->renderer, entry->id, mesh);
      osp_model_get_color_rgb (entry->model, rgb);
      osp_model_get_transform (entry->model, transform);
      osp_slice_renderer_set_model_color (self->renderer, entry->id, rgb);
      osp_slice_renderer_set_model_transform (self->renderer, entry->id, transform);
      osp_slice_renderer_set_model_visible (self->renderer, entry->id,
                                            osp_model_get_visible (entry->model)
                                            && osp_model_get_opacity (entry->model) > 0.0);
    }
}

/* -- GL ------------------------------------------------------------------------------------ */

static void
on_gl_realize (GtkGLArea    *area,
               OspSliceView *self)
{
  g_autoptr(GError) error = NULL;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL)
    {
      g_free (self->gl_error);
      self->gl_error = g_strdup (gtk_gl_area_get_error (area)->message);
      return;
    }
  self->renderer = osp_slice_renderer_new (osp_slice_group_get_textures (self->group), &error);
  if (self->renderer == NULL)
    {
      g_free (self->gl_error);
      self->gl_error = g_strdup (error->message);
      gtk_gl_area_set_error (area, error);
      return;
    }
  osp_slice_group_count_gl_user (self->group, +1);
  self->counted = TRUE;
  for (guint i = 0; i < self->entries->len; i++)
    ((Entry *) g_ptr_array_index (self->entries, i))->id = 0;
  self->fitted = FALSE;
}

static void
on_gl_unrealize (GtkGLArea    *area,
                 OspSliceView *self)
{
  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) == NULL)
    {
      if (self->counted && osp_slice_group_count_gl_user (self->group, -1) == 0)
        osp_slice_textures_release_gl (osp_slice_group_get_textures (self->group));
      g_clear_pointer (&self->renderer, osp_slice_renderer_free);
    }
  self->counted = FALSE;
  for (guint i = 0; i < self->entries->len; i++)
    ((Entry *) g_ptr_array_index (self->entries, i))->id = 0;
}

static gboolean
on_gl_render (GtkGLArea    *area,
              GdkGLContext *context,
              OspSliceView *self)
{
  g_autoptr(GError) error = NULL;
  OspSliceCamera camera;
  const OspPlane *planes;
  const double *marks;
  const float *rgb;
  const guint8 *mask;
  guint n, width, height;
  guint32 mask_dims[3];
  float mask_matrix[16];
  double threshold = 0.0, crosshair[3];
  gboolean outline;
  int w, h;

  if (self->renderer == NULL)
    return FALSE;
  ensure_fitted (self);
  device_size (self, &w, &h);
  width = (guint) w, height = (guint) h;
  current_camera (self, &camera);
  osp_slice_renderer_set_volume (self->renderer, osp_slice_group_get_volume (self->group));
  /* (Not in one call: the order arguments are evaluated in is unspecified.) */
  outline = osp_slice_group_get_outline (self->group, &threshold);
  osp_slice_renderer_set_outline (self->renderer, outline, threshold, NULL);
  planes = osp_slice_group_get_planes (self->group, &rgb, &n);
  osp_slice_renderer_set_planes (self->renderer, planes, rgb, n);
  marks = osp_slice_group_get_marks (self->group, &rgb, &n);
  osp_slice_renderer_set_marks (self->renderer, marks, rgb, n);
  osp_slice_group_get_crosshair (self->group, crosshair);
  osp_slice_renderer_set_crosshair (self->renderer, crosshair);
  osp_slice_renderer_set_overlay_scale (self->renderer, (float) scale_factor (self));
  mask = osp_slice_group_get_mask (self->group, mask_dims, mask_matrix);
  {
    static const float red[4] = { 0.95f, 0.15f, 0.12f, 0.4f };

    osp_slice_renderer_set_mask (self->renderer, mask, mask_dims, mask_matrix, red);
  }
  sync_models (self);
  if (!osp_slice_renderer_draw (self->renderer, &camera, (int) width, (int) height, &error))
    {
      if (g_strcmp0 (self->gl_error, error->message) != 0)
        {
          g_free (self->gl_error);
          self->gl_error = g_strdup (error->message);
          gtk_label_set_text (GTK_LABEL (self->empty_label), error->message);
          gtk_widget_set_visible (self->empty_label, TRUE);
        }
    }
  self->n_frames++;
  gtk_widget_queue_draw (self->measure_area);
  return TRUE;
}

/* -- Measurements ------------------------------------------------------------------------ */

/* Landmarks and measurements are drawn on a slice where they lie within this distance of it
 * (mm): a slab about as thick as a few CT slices. */
#define NEAR_SLICE_MM 2.0

static void
lps_to_widget (OspSliceView         *self,
               const OspSliceCamera *camera,
               const float          *point,
               double               *x,
               double               *y)
{
  const double lps[3] = { point[0], point[1], point[2] };
  int width, height, s = scale_factor (self);

  device_size (self, &width, &height);
  osp_slice_camera_lps_to_pixel (camera, width, height, lps, x, y);
  *x /= s;
  *y /= s;
}

static void
draw_measurements (GtkDrawingArea *area,
                   cairo_t        *cr,
                   int             width,
                   int             height,
                   gpointer        data)
{
  OspSliceView *self = data;
  g_autoptr(GArray) placed = g_array_new (FALSE, FALSE, sizeof (GdkRectangle));
  const float *segments, *markers, *label_points;
  const char *const *labels;
  guint n_segments, n_markers, n_labels;
  OspSliceCamera camera;
  int n = osp_slice_axis_normal_index (self->axis);
  double slice;

  g_ptr_array_set_size (self->drawn_labels, 0);
  g_array_set_size (self->drawn_points, 0);
  if (osp_slice_group_get_volume (self->group) == NULL)
    return;
  osp_slice_group_get_measurements (self->group, &segments, &n_segments, &markers, &n_markers,
                                    &label_points, &labels, &n_labels);
  if (n_segments + n_markers + n_labels == 0)
    return;
  ensure_fitted (self);
  current_camera (self, &camera);
  slice = camera.center[n];

  /* The part of each line within the slab, projected on the slice. */
  cairo_set_line_width (cr, 2.0);
  cairo_set_source_rgb (cr, 1.0, 0.85, 0.1);
  for (guint i = 0; i < n_segments; i++)
    {
      const float *a = segments + 6 * i, *b = a + 3;
      double da = a[n] - slice, db = b[n] - slice, t0 = 0.0, t1 = 1.0, x0, y0, x1, y1;
      float pa[3], pb[3];

      if (fabs (db - da) < 1e-9)
        {
          if (fabs (da) > NEAR_SLICE_MM)
            continue;
        }
      else
        {
          double ta = (-NEAR_SLICE_MM - da) / (db - da), tb = (NEAR_SLICE_MM - da) / (db - da);

          t0 = MAX (0.0, MIN (ta, tb));
          t1 = MIN (1.0, MAX (ta, tb));
          if (t0 >= t1)
            continue;
        }
      for (guint k = 0; k < 3; k++)
        {
          pa[k] = (float) (a[k] + t0 * (b[k] - a[k]));
          pb[k] = (float) (a[k] + t1 * (b[k] - a[k]));
        }
      lps_to_widget (self, &camera, pa, &x0, &y0);
      lps_to_widget (self, &camera, pb, &x1, &y1);
      cairo_move_to (cr, x0, y0);
      cairo_line_to (cr, x1, y1);
      cairo_stroke (cr);
    }
  /* Landmarks as red rings. */
  cairo_set_source_rgb (cr, 0.95, 0.2, 0.25);
  for (guint i = 0; i < n_markers; i++)
    {
      double x, y;

      if (fabs (markers[3 * i + n] - slice) > NEAR_SLICE_MM)
        continue;
      lps_to_widget (self, &camera, markers + 3 * i, &x, &y);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, 5.0, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  /* Names and values beside their points, as in the 3D view. */
  for (guint i = 0; i < n_labels; i++)
    {
      double x, y;

      if (fabs (label_points[3 * i + n] - slice) > NEAR_SLICE_MM)
        continue;
      lps_to_widget (self, &camera, label_points + 3 * i, &x, &y);
      x += 8.0;
      y -= 8.0;
      if (x > width || y < 0)
        continue;
      g_ptr_array_add (self->drawn_labels, g_strdup (labels[i]));
      g_array_append_val (self->drawn_points, x);
      g_array_append_val (self->drawn_points, y);
      osp_label_draw (GTK_WIDGET (area), cr, placed, x, y, labels[i]);
    }
}

guint
osp_slice_view_get_n_drawn_labels (OspSliceView *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_VIEW (self), 0);
  return self->drawn_labels->len;
}

const char *
osp_slice_view_get_drawn_label (OspSliceView *self,
                                guint         index,
                                double       *out_x,
                                double       *out_y)
{
  g_return_val_if_fail (OSP_IS_SLICE_VIEW (self), NULL);

  if (index >= self->drawn_labels->len)
    return NULL;
  if (out_x != NULL)
    *out_x = g_array_index (self->drawn_points, double, 2 * index);
  if (out_y != NULL)
    *out_y = g_array_index (self->drawn_points, double, 2 * index + 1);
  return g_ptr_array_index (self->drawn_labels, index);
}

/* -- Group ----------------------------------------------------------------------------------- */

static void
on_group_changed (OspSliceView *self)
{
  update_labels (self);
  if (self->pointer_inside)
    update_info (self);
  gtk_gl_area_queue_render (self->gl_area);
}

static void
on_volume_changed (OspSliceView *self)
{
  self->fitted = FALSE;
  g_clear_pointer (&self->gl_error, g_free);
  gtk_label_set_text (GTK_LABEL (self->empty_label), _("No CT in this case"));
}

static void
on_mask_changed (OspSliceGroup *group,
                 gpointer       min,
                 gpointer       max,
                 OspSliceView  *self)
{
  if (self->renderer != NULL)
    osp_slice_renderer_update_mask (self->renderer, min, max);
}

/* -- Public ---------------------------------------------------------------------------------- */

OspSliceAxis
osp_slice_view_get_axis (OspSliceView *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_VIEW (self), OSP_SLICE_AXIAL);
  return self->axis;
}

void
osp_slice_view_get_camera (OspSliceView   *self,
                           OspSliceCamera *out_camera)
{
  g_return_if_fail (OSP_IS_SLICE_VIEW (self) && out_camera != NULL);
  ensure_fitted (self);
  current_camera (self, out_camera);
}

void
osp_slice_view_point_to_lps (OspSliceView *self,
                             double        x,
                             double        y,
                             double        out_lps[3])
{
  OspSliceCamera camera;
  int width, height, s;

  g_return_if_fail (OSP_IS_SLICE_VIEW (self));

  ensure_fitted (self);
  current_camera (self, &camera);
  device_size (self, &width, &height);
  s = scale_factor (self);
  osp_slice_camera_pixel_to_lps (&camera, width, height, x * s, y * s, out_lps);
}

const char *
osp_slice_view_get_info (OspSliceView *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_VIEW (self), NULL);
  return self->info;
}

void
osp_slice_view_step (OspSliceView *self,
                     int           steps)
{
  OspVolume *volume;
  double crosshair[3], spacing[3], lo, hi;
  int n = osp_slice_axis_normal_index (self->axis);

  g_return_if_fail (OSP_IS_SLICE_VIEW (self));

  volume = osp_slice_group_get_volume (self->group);
  if (volume == NULL)
    return;
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_lps_range (volume, n, &lo, &hi);
  osp_slice_group_get_crosshair (self->group, crosshair);
  crosshair[n] = CLAMP (crosshair[n] + steps * MIN (spacing[0], MIN (spacing[1], spacing[2])),
                        lo, hi);
  osp_slice_group_set_crosshair (self->group, crosshair);
}

void
osp_slice_view_set_tool_active (OspSliceView *self,
                                gboolean      active)
{
  g_return_if_fail (OSP_IS_SLICE_VIEW (self));
  self->tool_active = active;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->gl_area), active ? "crosshair" : NULL);
}

guint
osp_slice_view_get_n_frames (OspSliceView *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_VIEW (self), 0);
  return self->n_frames;
}

/* -- Input --------------------------------------------------------------------------------- */

static void
move_crosshair_to (OspSliceView *self, double x, double y)
{
  double lps[3];

  osp_slice_view_point_to_lps (self, x, y, lps);
  osp_slice_group_set_crosshair (self->group, lps);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           OspSliceView             *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  update_info (self);
}

static void
on_leave (GtkEventControllerMotion *controller,
          OspSliceView             *self)
{
  self->pointer_inside = FALSE;
  update_info (self);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               OspSliceView   *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType state = gtk_event_controller_get_current_event_state (
                            GTK_EVENT_CONTROLLER (gesture));

  gtk_widget_grab_focus (GTK_WIDGET (self->gl_area));
  self->drag_x = x;
  self->drag_y = y;
  if (osp_slice_group_get_volume (self->group) == NULL)
    self->drag_mode = DRAG_NONE;
  else if (button == GDK_BUTTON_MIDDLE
           || (button == GDK_BUTTON_PRIMARY && (state & GDK_SHIFT_MASK)))
    self->drag_mode = DRAG_PAN;
  else if (button == GDK_BUTTON_SECONDARY)
    self->drag_mode = DRAG_WINDOW;
  else if (button == GDK_BUTTON_PRIMARY && self->tool_active)
    {
      double lps[3];

      self->drag_mode = DRAG_TOOL;
      osp_slice_view_point_to_lps (self, x, y, lps);
      g_signal_emit (self, signals[SIGNAL_TOOL_PRESS], 0, lps);
    }
  else if (button == GDK_BUTTON_PRIMARY)
    {
      self->drag_mode = DRAG_CROSSHAIR;
      move_crosshair_to (self, x, y);
    }
  else
    self->drag_mode = DRAG_NONE;
  if (self->drag_mode != DRAG_NONE)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                OspSliceView   *self)
{
  double start_x, start_y, x, y, mx, my;

  gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);
  x = start_x + dx, y = start_y + dy;
  mx = x - self->drag_x, my = y - self->drag_y;
  self->drag_x = x, self->drag_y = y;
  switch (self->drag_mode)
    {
    case DRAG_CROSSHAIR:
      move_crosshair_to (self, x, y);
      break;
    case DRAG_PAN:
      {
        double right[3], up[3], normal[3], mm = self->camera.mm_per_pixel * scale_factor (self);

        osp_slice_axis_frame (self->axis, right, up, normal);
        for (int c = 0; c < 3; c++)
          self->camera.center[c] -= mx * mm * right[c] - my * mm * up[c];
        gtk_gl_area_queue_render (self->gl_area);
      }
      break;
    case DRAG_WINDOW:
      {
        double window, level;

        /* 4 HU a pixel: a drag across a view spans the useful range. */
        osp_slice_group_get_window (self->group, &window, &level);
        osp_slice_group_set_window (self->group, window + 4.0 * mx, level - 4.0 * my);
      }
      break;
    case DRAG_TOOL:
      {
        double lps[3];

        osp_slice_view_point_to_lps (self, x, y, lps);
        g_signal_emit (self, signals[SIGNAL_TOOL_MOTION], 0, lps);
      }
      break;
    case DRAG_NONE:
    default:
      break;
    }
  self->pointer_x = x, self->pointer_y = y;
  update_info (self);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             OspSliceView   *self)
{
  if (self->drag_mode == DRAG_TOOL)
    {
      double start_x, start_y, lps[3];

      gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);
      osp_slice_view_point_to_lps (self, start_x + dx, start_y + dy, lps);
      g_signal_emit (self, signals[SIGNAL_TOOL_RELEASE], 0, lps);
    }
  self->drag_mode = DRAG_NONE;
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            OspSliceView    *self)
{
  if (n_press == 2 && !self->tool_active)
    g_signal_emit (self, signals[SIGNAL_TOGGLE_ZOOM], 0);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           OspSliceView             *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (
                            GTK_EVENT_CONTROLLER (controller));

  if (osp_slice_group_get_volume (self->group) == NULL)
    return FALSE;
  if (state & GDK_CONTROL_MASK)
    {
      double before[3], after[3], factor = pow (1.15, dy);

      /* Zoom about the point under the pointer. */
      ensure_fitted (self);
      osp_slice_view_point_to_lps (self, self->pointer_x, self->pointer_y, before);
      self->camera.mm_per_pixel = CLAMP (self->camera.mm_per_pixel * factor, 0.01, 50.0);
      osp_slice_view_point_to_lps (self, self->pointer_x, self->pointer_y, after);
      for (int c = 0; c < 3; c++)
        self->camera.center[c] += before[c] - after[c];
      gtk_gl_area_queue_render (self->gl_area);
      update_info (self);
    }
  else
    osp_slice_view_step (self, dy < 0 ? 1 : dy > 0 ? -1 : 0);
  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                OspSliceView          *self)
{
  int step = (state & GDK_SHIFT_MASK) ? 10 : 1;

  switch (keyval)
    {
    case GDK_KEY_Page_Up:
    case GDK_KEY_Up:
      osp_slice_view_step (self, step);
      return TRUE;
    case GDK_KEY_Page_Down:
    case GDK_KEY_Down:
      osp_slice_view_step (self, -step);
      return TRUE;
    default:
      return FALSE;
    }
}

/* -- Object ---------------------------------------------------------------------------------- */

static void
osp_slice_view_dispose (GObject *object)
{
  OspSliceView *self = OSP_SLICE_VIEW (object);

  if (self->group != NULL)
    {
      disconnect_models (self);
      g_signal_handlers_disconnect_by_data (self->group, self);
    }
  g_clear_pointer (&self->box, gtk_widget_unparent);
  self->overlay = NULL;
  g_clear_object (&self->group);
  G_OBJECT_CLASS (osp_slice_view_parent_class)->dispose (object);
}

static void
osp_slice_view_finalize (GObject *object)
{
  OspSliceView *self = OSP_SLICE_VIEW (object);

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->drawn_labels);
  g_array_unref (self->drawn_points);
  g_free (self->gl_error);
  g_free (self->info);
  G_OBJECT_CLASS (osp_slice_view_parent_class)->finalize (object);
}

static void
osp_slice_view_class_init (OspSliceViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_slice_view_dispose;
  object_class->finalize = osp_slice_view_finalize;

  signals[SIGNAL_TOGGLE_ZOOM] = g_signal_new ("toggle-zoom", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  signals[SIGNAL_TOOL_PRESS] = g_signal_new ("tool-press", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_TOOL_MOTION] = g_signal_new ("tool-motion", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_TOOL_RELEASE] = g_signal_new ("tool-release", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "ospsliceview");
}

static void
osp_slice_view_init (OspSliceView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;
  GtkWidget *box;

  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->camera.mm_per_pixel = 1.0;

  /* The picture with its labels on top, and the slider beside it (never over the letters). */
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  self->overlay = gtk_overlay_new ();
  gtk_box_append (GTK_BOX (self->box), self->overlay);
  self->gl_area = GTK_GL_AREA (gtk_gl_area_new ());
  gtk_gl_area_set_required_version (self->gl_area, 3, 3);
  gtk_gl_area_set_has_depth_buffer (self->gl_area, FALSE);
  gtk_widget_set_focusable (GTK_WIDGET (self->gl_area), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->gl_area), TRUE);
  gtk_widget_set_hexpand (self->overlay, TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->gl_area), TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->gl_area));
  self->drawn_labels = g_ptr_array_new_with_free_func (g_free);
  self->drawn_points = g_array_new (FALSE, FALSE, sizeof (double));
  self->measure_area = gtk_drawing_area_new ();
  gtk_widget_set_can_target (self->measure_area, FALSE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->measure_area), draw_measurements, self,
                                  NULL);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->measure_area);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (box, GTK_ALIGN_START);
  gtk_widget_set_valign (box, GTK_ALIGN_START);
  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_can_target (box, FALSE);
  gtk_widget_add_css_class (box, "osd");
  gtk_widget_add_css_class (box, "slice-view-label");
  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "caption-heading");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->title_label));
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), box);

  self->info_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->info_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->info_label), "numeric");
  gtk_widget_add_css_class (GTK_WIDGET (self->info_label), "osd");
  gtk_widget_add_css_class (GTK_WIDGET (self->info_label), "slice-view-label");
  gtk_widget_set_halign (GTK_WIDGET (self->info_label), GTK_ALIGN_START);
  gtk_widget_set_valign (GTK_WIDGET (self->info_label), GTK_ALIGN_END);
  gtk_widget_set_margin_start (GTK_WIDGET (self->info_label), 8);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->info_label), 4);
  gtk_widget_set_can_target (GTK_WIDGET (self->info_label), FALSE);
  gtk_label_set_ellipsize (self->info_label, PANGO_ELLIPSIZE_END);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->info_label));

  self->empty_label = gtk_label_new (_("No CT in this case"));
  gtk_label_set_wrap (GTK_LABEL (self->empty_label), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->empty_label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (self->empty_label, "osd");
  gtk_widget_add_css_class (self->empty_label, "slice-view-label");
  gtk_widget_set_halign (self->empty_label, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->empty_label, GTK_ALIGN_CENTER);
  gtk_widget_set_can_target (self->empty_label, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->empty_label);

  self->slider = GTK_SCALE (gtk_scale_new (GTK_ORIENTATION_VERTICAL, NULL));
  gtk_range_set_inverted (GTK_RANGE (self->slider), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->slider), GTK_ALIGN_FILL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->slider), _("Slice position"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->slider),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Slice position"), -1);
  g_signal_connect (self->slider, "value-changed", G_CALLBACK (on_slider_changed), self);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->slider));

  g_signal_connect (self->gl_area, "realize", G_CALLBACK (on_gl_realize), self);
  g_signal_connect (self->gl_area, "unrealize", G_CALLBACK (on_gl_unrealize), self);
  g_signal_connect (self->gl_area, "render", G_CALLBACK (on_gl_render), self);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), 0);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), controller);
}

GtkWidget *
osp_slice_view_new (OspSliceGroup *group,
                    OspSliceAxis   axis)
{
  OspSliceView *self;

  g_return_val_if_fail (OSP_IS_SLICE_GROUP (group), NULL);

  self = g_object_new (OSP_TYPE_SLICE_VIEW, NULL);
  self->group = g_object_ref (group);
  self->axis = axis;
  self->camera.axis = axis;
  g_signal_connect_swapped (group, "changed", G_CALLBACK (on_group_changed), self);
  g_signal_connect_swapped (group, "volume-changed", G_CALLBACK (on_volume_changed), self);
  g_signal_connect_swapped (group, "models-changed", G_CALLBACK (on_models_changed), self);
  g_signal_connect (group, "mask-changed", G_CALLBACK (on_mask_changed), self);
  on_models_changed (self);
  update_labels (self);
  return GTK_WIDGET (self);
}
