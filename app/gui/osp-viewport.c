/* osp-viewport.c — the 3D view of the case
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GL resources follow the GtkGLArea's lifetime as in gtk4-demo's gtkgears.c: the renderer is
 * made in "realize" and freed in "unrealize" with the context current.  The camera and the
 * list of models live in the widget and survive a re-realize.
 */
#include "config.h"

#include <adwaita.h>
#include <epoxy/gl.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-gui-private.h"
#include "osp-model.h"
#include "osp-renderer.h"
#include "osp-viewport.h"

/* One model of the list, mirrored in the renderer. */
typedef struct
{
  OspModel         *model;
  OspRenderModelId  id;      /* 0 while there is no renderer */
  gulong            notify_id;
  OspBvh           *bvh;     /* for picking, built in the background; NULL until then */
  gboolean          hidden;  /* hidden by a tool (a cut preview), whatever the model says */
  GBytes           *colors;  /* per-vertex colours (3 B each) for colors_mesh, or NULL */
  OspMesh          *colors_mesh;
  gboolean          has_preview;  /* a tool shows it moved (a drag of the implant gizmo) */
  float             preview[16];
  OspRenderMesh    *prepared;     /* vertices made while loading, until handed to a renderer */
} Entry;

/* A model of the view that is not in the plan: a cut plane, a preview piece. */
typedef struct
{
  guint             handle;
  OspMesh          *mesh;
  float             rgb[3];
  float             opacity;
  gboolean          visible;
  gboolean          pickable;  /* a handle: osp_viewport_pick_overlay() finds it */
  OspRenderModelId  id;      /* 0 while there is no renderer */
} Overlay;

typedef enum
{
  DRAG_NONE,
  DRAG_ORBIT,
  DRAG_PAN,
  DRAG_TOOL,   /* a tool (the cut plane's gizmo) took the drag */
} DragMode;

struct _OspViewport
{
  GtkWidget           parent_instance;

  GtkOverlay         *overlay;
  GtkGLArea          *gl_area;
  GtkWidget          *view_toolbar;
  GtkLabel           *status_label;
  AdwStatusPage      *message_page;

  OspRenderer        *renderer;
  char               *gl_error;
  OspCamera           camera;
  gboolean            fit_pending;
  gboolean            user_moved;  /* the camera moved since the last automatic fit */

  GtkSingleSelection *selection;
  GListModel         *models;
  GPtrArray          *entries;     /* Entry*, parallel to the list */
  GPtrArray          *overlays;    /* Overlay* */
  guint               next_overlay;

  DragMode            drag_mode;
  gboolean            press_dragged; /* the press moved (or a tool took it): no click */
  double              drag_x, drag_y;   /* last drag position */
  double              pointer_x, pointer_y;
  gboolean            pointer_inside;
  guint               hover_source;
  guint               wheel_source;      /* ends "moving" ~200 ms after the last wheel notch */

  GCancellable       *bvh_cancellable;  /* non-NULL while a BVH is being built */
  gboolean            bvh_failed;
  GCancellable       *details_cancellable;  /* non-NULL while a coarse level is being made */
  OspRenderMesh      *offered;     /* osp_viewport_offer_prepared(), for the next new model */
  guint64             n_drawn_triangles;  /* in the last frame */
  gboolean            model_shown;        /* a frame has shown a model (with this renderer) */

  guint               n_frames;
  gboolean            readback_wanted;
  GBytes             *readback;
  int                 readback_width, readback_height;

  GtkWidget          *label_area;  /* text labels at world points, over the GL area */
  GArray             *label_points; /* float × 3 */
  GPtrArray          *label_texts;

  GtkWidget          *views_box;    /* the view buttons and Fit All, or ... */
  GtkWidget          *views_separator;
  GtkWidget          *fit_button;
  GtkWidget          *views_menu;   /* ... one menu of them when the view is narrow */
  int                 full_toolbar_width; /* natural width with every button shown */
  int                 overlay_width;
  guint               toolbar_source;

  gboolean            wireframe;
  gboolean            section;
  OspSliceGroup      *slice_group;
  gulong              slice_handlers[2];
  gboolean            show_slices;
  gboolean            slices_counted;   /* counted in as a user of the group's textures */
  guint               section_axis;      /* 0 sagittal (x), 1 coronal (y), 2 axial (z) */
  double              section_position;  /* 0–1 across the visible models */
};

G_DEFINE_FINAL_TYPE (OspViewport, osp_viewport, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_ORTHOGRAPHIC,
  PROP_WIREFRAME,
  PROP_SECTION,
  PROP_SECTION_AXIS,
  PROP_SECTION_POSITION,
  PROP_SHOW_SLICES,
  N_PROPS
};

enum
{
  SIGNAL_FRAME_DRAWN,
  SIGNAL_TOOL_CLICK,
  SIGNAL_TOOL_DRAG_BEGIN,
  SIGNAL_TOOL_DRAG_UPDATE,
  SIGNAL_TOOL_DRAG_END,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void overlay_push (OspViewport *self,
                          Overlay     *overlay);
static void set_overlays_visible (OspViewport *self,
                                  gboolean     visible);
static void push_slices (OspViewport *self);

/* -- Models ------------------------------------------------------------------------------- */

static void
entry_push_to_renderer (OspViewport *self,
                        Entry       *entry)
{
  float rgb[3];
  float matrix[16];

  if (self->renderer == NULL)
    return;
  if (entry->id == 0)
    entry->id = osp_renderer_add_model (self->renderer, osp_model_get_mesh (entry->model));
  else
    osp_renderer_set_model_mesh (self->renderer, entry->id, osp_model_get_mesh (entry->model));
  if (entry->prepared != NULL)
    {
      /* Ignored unless it is still the model's mesh. */
      osp_renderer_set_model_prepared (self->renderer, entry->id, entry->prepared);
      g_clear_pointer (&entry->prepared, osp_render_mesh_unref);
    }
  osp_model_get_color_rgb (entry->model, rgb);
  osp_renderer_set_model_color (self->renderer, entry->id, rgb);
  osp_renderer_set_model_opacity (self->renderer, entry->id,
                                  (float) osp_model_get_opacity (entry->model));
  osp_renderer_set_model_visible (self->renderer, entry->id,
                                  osp_model_get_visible (entry->model) && !entry->hidden);
  /* A new mesh clears the colours in the renderer; they only apply to the mesh they were
   * computed for. */
  if (entry->colors != NULL && entry->colors_mesh == osp_model_get_mesh (entry->model))
    osp_renderer_set_model_vertex_colors (self->renderer, entry->id,
                                          g_bytes_get_data (entry->colors, NULL),
                                          osp_mesh_get_n_vertices (entry->colors_mesh));
  if (entry->has_preview)
    memcpy (matrix, entry->preview, sizeof matrix);
  else
    osp_model_get_transform (entry->model, matrix);
  osp_renderer_set_model_transform (self->renderer, entry->id, matrix);
  osp_renderer_set_model_highlight (self->renderer, entry->id,
                                    self->selection != NULL &&
                                    gtk_single_selection_get_selected_item (self->selection) ==
                                    (gpointer) entry->model);
  if (entry->bvh != NULL)
    osp_renderer_set_model_bvh (self->renderer, entry->id, entry->bvh);
}

/* -- Picking trees -------------------------------------------------------------------------- */

static void maybe_build_bvh (OspViewport *self);
static void schedule_hover  (OspViewport *self);

static void
bvh_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;
  OspBvh *bvh = osp_bvh_new_full (task_data, NULL, cancellable, &error);

  if (bvh != NULL)
    g_task_return_pointer (task, bvh, (GDestroyNotify) osp_bvh_unref);
  else
    g_task_return_error (task, error);
}

static void
bvh_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  OspViewport *self = OSP_VIEWPORT (source);
  g_autoptr(OspBvh) bvh = g_task_propagate_pointer (G_TASK (result), NULL);

  if (bvh == NULL && g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;   /* the viewport went away */
  g_clear_object (&self->bvh_cancellable);
  if (bvh == NULL)
    {
      /* Short of memory: stop trying; picking then builds the tree itself when asked. */
      self->bvh_failed = TRUE;
      return;
    }
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (osp_model_get_mesh (entry->model) != osp_bvh_get_mesh (bvh))
        continue;
      g_clear_pointer (&entry->bvh, osp_bvh_unref);
      entry->bvh = osp_bvh_ref (bvh);
      if (self->renderer != NULL && entry->id != 0)
        osp_renderer_set_model_bvh (self->renderer, entry->id, bvh);
    }
  maybe_build_bvh (self);
  if (self->bvh_cancellable == NULL && self->pointer_inside)
    schedule_hover (self);
}

/* Builds the picking tree of one model at a time in a thread, so the first hover or click on
 * a million-triangle model does not freeze the window for a second. */
static void
maybe_build_bvh (OspViewport *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->bvh_cancellable != NULL || self->bvh_failed)
    return;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      OspMesh *mesh = osp_model_get_mesh (entry->model);

      if (entry->bvh != NULL && osp_bvh_get_mesh (entry->bvh) == mesh)
        continue;
      self->bvh_cancellable = g_cancellable_new ();
      task = g_task_new (self, self->bvh_cancellable, bvh_done, NULL);
      g_task_set_source_tag (task, maybe_build_bvh);
      g_task_set_task_data (task, osp_mesh_ref (mesh), (GDestroyNotify) osp_mesh_unref);
      g_task_run_in_thread (task, bvh_thread);
      return;
    }
}

static void
cancel_bvh (OspViewport *self)
{
  if (self->bvh_cancellable != NULL)
    {
      g_cancellable_cancel (self->bvh_cancellable);
      g_clear_object (&self->bvh_cancellable);
    }
}

/* -- What comes after the first picture ------------------------------------------------------ */

static void maybe_make_details (OspViewport *self);

static void
details_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  OspRenderMesh *details = osp_render_mesh_prepare_details (task_data, cancellable, &error);

  if (details != NULL)
    g_task_return_pointer (task, details, (GDestroyNotify) osp_render_mesh_unref);
  else
    g_task_return_error (task, error);
}

static void
details_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OspViewport *self = OSP_VIEWPORT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspRenderMesh) details = g_task_propagate_pointer (G_TASK (result), &error);

  /* The viewport went away (the work may have finished before it saw the cancel). */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  g_clear_object (&self->details_cancellable);
  if (details == NULL)
    {
      /* Short of memory: every frame keeps drawing every triangle. */
      g_message ("3D view: %s", error->message);
      maybe_build_bvh (self);
      return;
    }
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (self->renderer != NULL && entry->id != 0 &&
          osp_model_get_mesh (entry->model) == osp_render_mesh_get_mesh (details))
        osp_renderer_set_model_prepared (self->renderer, entry->id, details);
    }
  maybe_make_details (self);
  gtk_gl_area_queue_render (self->gl_area);
}

/* Once the models are on the screen: the coarse levels (for moving views) of those drawn
 * without one, one at a time in a thread, then the picking trees; the topology of every model
 * (what the model list shows) in threads of their own. */
static void
maybe_make_details (OspViewport *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->details_cancellable != NULL)
    return;
  for (guint i = 0; i < self->entries->len; i++)
    osp_model_check_topology (((Entry *) g_ptr_array_index (self->entries, i))->model);
  for (guint i = 0; self->renderer != NULL && i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->id == 0 || !osp_renderer_model_needs_details (self->renderer, entry->id))
        continue;
      self->details_cancellable = g_cancellable_new ();
      task = g_task_new (self, self->details_cancellable, details_done, NULL);
      g_task_set_source_tag (task, maybe_make_details);
      g_task_set_task_data (task, osp_mesh_ref (osp_model_get_mesh (entry->model)),
                            (GDestroyNotify) osp_mesh_unref);
      g_task_run_in_thread (task, details_thread);
      return;
    }
  maybe_build_bvh (self);
}

static void
cancel_details (OspViewport *self)
{
  if (self->details_cancellable != NULL)
    {
      g_cancellable_cancel (self->details_cancellable);
      g_clear_object (&self->details_cancellable);
    }
}

void
osp_viewport_offer_prepared (OspViewport   *self,
                             OspRenderMesh *prepared)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));

  g_clear_pointer (&self->offered, osp_render_mesh_unref);
  if (prepared != NULL)
    self->offered = osp_render_mesh_ref (prepared);
}

static void
on_model_notify (OspModel    *model,
                 GParamSpec  *pspec,
                 OspViewport *self)
{
  /* Nothing the picture shows. */
  if (pspec == NULL || g_str_equal (pspec->name, "topology-known"))
    return;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->model == model)
        entry_push_to_renderer (self, entry);
    }
  gtk_gl_area_queue_render (self->gl_area);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_signal_handler (&entry->notify_id, entry->model);
  g_clear_pointer (&entry->bvh, osp_bvh_unref);
  g_clear_pointer (&entry->prepared, osp_render_mesh_unref);
  g_clear_pointer (&entry->colors, g_bytes_unref);
  g_clear_pointer (&entry->colors_mesh, osp_mesh_unref);
  g_object_unref (entry->model);
  g_free (entry);
}

static void push_display (OspViewport *self);

static void
on_items_changed (GListModel  *list,
                  guint        position,
                  guint        removed,
                  guint        added,
                  OspViewport *self)
{
  gboolean was_empty = self->entries->len == 0;

  for (guint i = 0; i < removed; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, position);

      if (self->renderer != NULL && entry->id != 0)
        osp_renderer_remove_model (self->renderer, entry->id);
      g_ptr_array_remove_index (self->entries, position);
    }
  for (guint i = 0; i < added; i++)
    {
      Entry *entry = g_new0 (Entry, 1);

      entry->model = g_list_model_get_item (list, position + i);
      entry->notify_id = g_signal_connect (entry->model, "notify",
                                           G_CALLBACK (on_model_notify), self);
      if (self->offered != NULL &&
          osp_render_mesh_get_mesh (self->offered) == osp_model_get_mesh (entry->model))
        entry->prepared = g_steal_pointer (&self->offered);
      g_ptr_array_insert (self->entries, position + i, entry);
      entry_push_to_renderer (self, entry);
    }
  /* An offer is for the model added right after it. */
  g_clear_pointer (&self->offered, osp_render_mesh_unref);
  /* Without a 3D view nothing is drawn first: the topology follows at once. */
  if (self->gl_error != NULL)
    maybe_make_details (self);
  /* New models are framed at once, until the surgeon moves the camera. */
  if (added > 0 && (was_empty || !self->user_moved))
    osp_viewport_fit_all (self);
  /* The section stays at the same fraction of what is shown. */
  push_display (self);
  gtk_gl_area_queue_render (self->gl_area);
}

static void
on_selection_changed (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      OspViewport        *self)
{
  if (self->renderer != NULL)
    {
      gpointer selected = gtk_single_selection_get_selected_item (selection);

      for (guint i = 0; i < self->entries->len; i++)
        {
          Entry *entry = g_ptr_array_index (self->entries, i);

          osp_renderer_set_model_highlight (self->renderer, entry->id,
                                            entry->model == selected);
        }
    }
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_selection (OspViewport        *self,
                            GtkSingleSelection *selection)
{
  guint n;

  g_return_if_fail (OSP_IS_VIEWPORT (self));
  g_return_if_fail (selection == NULL || GTK_IS_SINGLE_SELECTION (selection));

  if (self->selection == selection)
    return;
  if (self->selection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->selection, self);
      g_signal_handlers_disconnect_by_data (self->models, self);
      on_items_changed (self->models, 0, self->entries->len, 0, self);
      g_clear_object (&self->models);
      g_clear_object (&self->selection);
    }
  if (selection == NULL)
    return;
  self->selection = g_object_ref (selection);
  self->models = g_object_ref (gtk_single_selection_get_model (selection));
  g_signal_connect (self->models, "items-changed", G_CALLBACK (on_items_changed), self);
  g_signal_connect (self->selection, "notify::selected-item",
                    G_CALLBACK (on_selection_changed), self);
  n = g_list_model_get_n_items (self->models);
  if (n > 0)
    on_items_changed (self->models, 0, 0, n, self);
}

static void get_model_bounds (OspViewport *self,
                              OspBox      *out_box);

/* The world bounds of the visible models, from the meshes (no GL needed); without any, the
 * CT's while its slices are shown. */
static void
get_scene_bounds (OspViewport *self,
                  OspBox      *out_box)
{
  OspVolume *volume = self->slice_group != NULL && self->show_slices
                      ? osp_slice_group_get_volume (self->slice_group) : NULL;

  get_model_bounds (self, out_box);
  if (!osp_box_is_empty (out_box) || volume == NULL)
    return;
  for (int a = 0; a < 3; a++)
    {
      double lo, hi;

      osp_volume_get_lps_range (volume, a, &lo, &hi);
      out_box->min[a] = (float) lo;
      out_box->max[a] = (float) hi;
    }
}

static void
get_model_bounds (OspViewport *self,
                  OspBox      *out_box)
{
  out_box->min[0] = out_box->min[1] = out_box->min[2] = INFINITY;
  out_box->max[0] = out_box->max[1] = out_box->max[2] = -INFINITY;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);
      OspBox box;
      mat4 matrix;

      if (!osp_model_get_visible (entry->model) || osp_model_get_opacity (entry->model) <= 0)
        continue;
      osp_mesh_get_bounds (osp_model_get_mesh (entry->model), &box);
      if (osp_box_is_empty (&box))
        continue;
      osp_model_get_transform (entry->model, (float *) matrix);
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
}

/* -- Camera ------------------------------------------------------------------------------- */

static void
update_camera_size (OspViewport *self)
{
  int width = MAX (1, gtk_widget_get_width (GTK_WIDGET (self->gl_area)));
  int height = MAX (1, gtk_widget_get_height (GTK_WIDGET (self->gl_area)));

  osp_camera_set_viewport (&self->camera, width, height);
}

void
osp_viewport_fit_all (OspViewport *self)
{
  OspBox box;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  get_scene_bounds (self, &box);
  if (osp_box_is_empty (&box))
    return;
  update_camera_size (self);
  osp_camera_set_scene_bounds (&self->camera, &box);
  osp_camera_fit_box (&self->camera, &box);
  self->user_moved = FALSE;
  /* The size may still change before the first frame: fit again then. */
  self->fit_pending = !gtk_widget_get_realized (GTK_WIDGET (self->gl_area));
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_view (OspViewport *self,
                       OspView      view)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));
  g_return_if_fail ((int) view >= 0 && view < OSP_N_VIEWS);

  osp_camera_set_view (&self->camera, view);
  self->user_moved = TRUE;
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_orthographic (OspViewport *self,
                               gboolean     orthographic)
{
  OspProjection projection;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  projection = orthographic ? OSP_PROJECTION_ORTHOGRAPHIC : OSP_PROJECTION_PERSPECTIVE;
  if (self->camera.projection == projection)
    return;
  osp_camera_set_projection (&self->camera, projection);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORTHOGRAPHIC]);
  gtk_gl_area_queue_render (self->gl_area);
}

gboolean
osp_viewport_get_orthographic (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), FALSE);
  return self->camera.projection == OSP_PROJECTION_ORTHOGRAPHIC;
}

const OspCamera *
osp_viewport_get_camera (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), NULL);
  return &self->camera;
}

guint
osp_viewport_get_n_frames (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), 0);
  return self->n_frames;
}

guint64
osp_viewport_get_n_drawn_triangles (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), 0);
  return self->n_drawn_triangles;
}

gboolean
osp_viewport_get_details_pending (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), FALSE);
  return self->details_cancellable != NULL || self->bvh_cancellable != NULL;
}

const char *
osp_viewport_get_gl_error (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), NULL);
  return self->gl_error;
}

void
osp_viewport_request_readback (OspViewport *self)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));

  g_clear_pointer (&self->readback, g_bytes_unref);
  self->readback_wanted = TRUE;
  gtk_gl_area_queue_render (self->gl_area);
}

GBytes *
osp_viewport_take_readback (OspViewport *self,
                            int         *out_width,
                            int         *out_height)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), NULL);

  if (out_width != NULL)
    *out_width = self->readback_width;
  if (out_height != NULL)
    *out_height = self->readback_height;
  return g_steal_pointer (&self->readback);
}

/* -- GL ----------------------------------------------------------------------------------- */

static void
show_gl_error (OspViewport  *self,
               const GError *error)
{
  g_autofree char *text = NULL;

  g_free (self->gl_error);
  self->gl_error = g_strdup (error->message);
  g_message ("3D view: %s", error->message);
  text = g_strdup_printf (_("%s\n\nThe 3D view needs OpenGL 3.3 or newer. "
                            "The models are open and listed at the left."), error->message);

  adw_status_page_set_description (self->message_page, text);
  gtk_widget_set_visible (GTK_WIDGET (self->message_page), TRUE);
  gtk_widget_set_visible (self->view_toolbar, FALSE);
}

static void
on_gl_realize (GtkGLArea   *area,
               OspViewport *self)
{
  g_autoptr(GError) error = NULL;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL)
    {
      show_gl_error (self, gtk_gl_area_get_error (area));
      return;
    }
  self->renderer = osp_renderer_new (&error);
  if (self->renderer == NULL)
    {
      gtk_gl_area_set_error (area, error);
      show_gl_error (self, error);
      maybe_make_details (self);
      return;
    }
  /* The first picture of a model needs its vertices only; maybe_make_details() does the rest
   * once it is out. */
  osp_renderer_set_defer_details (self->renderer, TRUE);
  osp_renderer_set_overlay_scale (self->renderer, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  g_debug ("3D view: %s", osp_renderer_get_gl_description (self->renderer));
  for (guint i = 0; i < self->entries->len; i++)
    entry_push_to_renderer (self, g_ptr_array_index (self->entries, i));
  for (guint i = 0; i < self->overlays->len; i++)
    overlay_push (self, g_ptr_array_index (self->overlays, i));
  push_display (self);
  if (self->slice_group != NULL)
    {
      osp_renderer_set_slice_textures (self->renderer,
                                       osp_slice_group_get_textures (self->slice_group));
      osp_slice_group_count_gl_user (self->slice_group, +1);
      self->slices_counted = TRUE;
    }
  push_slices (self);
}

/* The wireframe and the section plane, into the renderer (after a realize too). */
static void
push_display (OspViewport *self)
{
  OspPlane plane = { { 0, 0, 0 }, 0 };
  OspBox box;

  if (self->renderer == NULL)
    return;
  osp_renderer_set_wireframe (self->renderer, self->wireframe);
  get_scene_bounds (self, &box);
  if (!self->section || osp_box_is_empty (&box))
    {
      osp_renderer_set_section (self->renderer, NULL);
      return;
    }
  /* What lies beyond the plane (to the left, the back or the head) is cut away. */
  plane.normal[self->section_axis] = 1.0f;
  plane.d = box.min[self->section_axis] +
            (float) self->section_position * (box.max[self->section_axis] -
                                              box.min[self->section_axis]);
  osp_renderer_set_section (self->renderer, &plane);
}

static void
display_changed (OspViewport *self,
                 int          prop)
{
  push_display (self);
  gtk_gl_area_queue_render (self->gl_area);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
osp_viewport_set_wireframe (OspViewport *self,
                            gboolean     wireframe)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));

  if (self->wireframe == !!wireframe)
    return;
  self->wireframe = !!wireframe;
  display_changed (self, PROP_WIREFRAME);
}

void
osp_viewport_set_section (OspViewport *self,
                          gboolean     section,
                          guint        axis,
                          double       position)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));
  g_return_if_fail (axis < 3);

  position = CLAMP (position, 0.0, 1.0);
  if (self->section != !!section)
    {
      self->section = !!section;
      display_changed (self, PROP_SECTION);
    }
  if (self->section_axis != axis)
    {
      self->section_axis = axis;
      display_changed (self, PROP_SECTION_AXIS);
    }
  if (self->section_position != position)
    {
      self->section_position = position;
      display_changed (self, PROP_SECTION_POSITION);
    }
}

static void
on_scale_factor_changed (OspViewport *self,
                         GParamSpec  *pspec,
                         gpointer     user_data)
{
  /* The window moved to a screen of another density: letters and scale bar follow. */
  if (self->renderer != NULL)
    osp_renderer_set_overlay_scale (self->renderer,
                                    gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  gtk_gl_area_queue_render (self->gl_area);
}

static void
on_gl_unrealize (GtkGLArea   *area,
                 OspViewport *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    ((Entry *) g_ptr_array_index (self->entries, i))->id = 0;
  for (guint i = 0; i < self->overlays->len; i++)
    ((Overlay *) g_ptr_array_index (self->overlays, i))->id = 0;
  if (self->renderer == NULL)
    return;
  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) == NULL)
    {
      /* The last view of the window out deletes the CT's textures. */
      if (self->slices_counted
          && osp_slice_group_count_gl_user (self->slice_group, -1) == 0)
        osp_slice_textures_release_gl (osp_slice_group_get_textures (self->slice_group));
      osp_renderer_free (self->renderer);
    }
  self->slices_counted = FALSE;
  self->renderer = NULL;
  self->model_shown = FALSE;
}

/* -- CT slices in the scene --------------------------------------------------------------- */

/* The group's CT, crosshair and window into the renderer. */
static void
push_slices (OspViewport *self)
{
  OspVolume *volume = self->slice_group != NULL
                      ? osp_slice_group_get_volume (self->slice_group) : NULL;
  double center[3] = { 0, 0, 0 }, window = 1.0, level = 0.0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewport.show-slices", volume != NULL);
  if (self->renderer == NULL)
    return;
  if (volume != NULL)
    {
      osp_slice_group_get_crosshair (self->slice_group, center);
      osp_slice_group_get_window (self->slice_group, &window, &level);
    }
  osp_renderer_set_slices (self->renderer, self->show_slices ? volume : NULL, center, window,
                           level, (1u << OSP_SLICE_N_AXES) - 1);
}

static gboolean on_wheel_rest (gpointer data);

static void
on_slice_group_changed (OspViewport *self)
{
  push_slices (self);
  if (!self->show_slices)
    return;
  /* Scrolling through the slices moves the planes here: frames as while the view moves
   * (coarse levels on a software rasteriser) until it rests, so the slice views keep up. */
  if (self->renderer != NULL)
    osp_renderer_set_moving (self->renderer, TRUE);
  g_clear_handle_id (&self->wheel_source, g_source_remove);
  self->wheel_source = g_timeout_add (200, on_wheel_rest, self);
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_slice_group (OspViewport   *self,
                              OspSliceGroup *group)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));
  g_return_if_fail (group == NULL || OSP_IS_SLICE_GROUP (group));

  if (group == self->slice_group)
    return;
  if (self->slice_group != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (self->slice_handlers); i++)
        g_clear_signal_handler (&self->slice_handlers[i], self->slice_group);
      if (self->renderer != NULL)
        {
          gtk_gl_area_make_current (self->gl_area);
          osp_renderer_set_slice_textures (self->renderer, NULL);
          if (self->slices_counted
              && osp_slice_group_count_gl_user (self->slice_group, -1) == 0)
            osp_slice_textures_release_gl (osp_slice_group_get_textures (self->slice_group));
        }
      self->slices_counted = FALSE;
      g_clear_object (&self->slice_group);
    }
  if (group != NULL)
    {
      self->slice_group = g_object_ref (group);
      self->slice_handlers[0] = g_signal_connect_swapped (group, "changed",
                                                          G_CALLBACK (on_slice_group_changed),
                                                          self);
      self->slice_handlers[1] = g_signal_connect_swapped (group, "volume-changed",
                                                          G_CALLBACK (on_slice_group_changed),
                                                          self);
      if (self->renderer != NULL)
        {
          osp_renderer_set_slice_textures (self->renderer,
                                           osp_slice_group_get_textures (group));
          osp_slice_group_count_gl_user (group, +1);
          self->slices_counted = TRUE;
        }
    }
  on_slice_group_changed (self);
}

void
osp_viewport_set_show_slices (OspViewport *self,
                              gboolean     show)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));

  if (self->show_slices == !!show)
    return;
  self->show_slices = !!show;
  push_slices (self);
  gtk_gl_area_queue_render (self->gl_area);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_SLICES]);
}

gboolean
osp_viewport_get_show_slices (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), FALSE);
  return self->show_slices;
}

static void
read_back (OspViewport *self,
           int          width,
           int          height)
{
  gsize stride = (gsize) width * 4;
  guint8 *pixels = g_malloc ((gsize) height * stride);
  guint8 *row = g_malloc (stride);

  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  /* GL's rows go bottom-up; tests and PNGs want the top row first. */
  for (int y = 0; y < height / 2; y++)
    {
      memcpy (row, pixels + y * stride, stride);
      memcpy (pixels + y * stride, pixels + (height - 1 - y) * stride, stride);
      memcpy (pixels + (height - 1 - y) * stride, row, stride);
    }
  g_free (row);
  g_clear_pointer (&self->readback, g_bytes_unref);
  self->readback = g_bytes_new_take (pixels, (gsize) height * stride);
  self->readback_width = width;
  self->readback_height = height;
  self->readback_wanted = FALSE;
}

static gboolean
on_gl_render (GtkGLArea    *area,
              GdkGLContext *context,
              OspViewport  *self)
{
  g_autoptr(GError) error = NULL;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (area));
  int width = MAX (1, gtk_widget_get_width (GTK_WIDGET (area)) * scale);
  int height = MAX (1, gtk_widget_get_height (GTK_WIDGET (area)) * scale);
  gboolean quick;

  if (self->renderer == NULL)
    {
      glClearColor (0.1f, 0.1f, 0.12f, 1.0f);
      glClear (GL_COLOR_BUFFER_BIT);
      return TRUE;
    }
  update_camera_size (self);
  if (self->fit_pending)
    osp_viewport_fit_all (self);
  self->fit_pending = FALSE;
  /* Until a model has been shown, frames are drawn as while moving (no multisampling): the
   * empty frames made while the case loads compile the shaders the first picture of the model
   * needs, and that picture comes sooner; the still frame with every sample follows at once. */
  quick = !self->model_shown && !osp_renderer_get_moving (self->renderer);
  if (quick)
    osp_renderer_set_moving (self->renderer, TRUE);
  if (!osp_renderer_draw (self->renderer, &self->camera, width, height, &error))
    g_warning ("3D view: %s", error->message);
  if (quick)
    osp_renderer_set_moving (self->renderer, FALSE);
  if (self->readback_wanted)
    read_back (self, width, height);
  if (self->n_frames == 0)
    g_debug ("3D view: first frame drawn");
  self->n_frames++;
  {
    OspRenderStats stats;

    osp_renderer_get_stats (self->renderer, &stats);
    self->n_drawn_triangles = stats.n_drawn_triangles;
  }
  if (quick && self->n_drawn_triangles > 0)
    {
      self->model_shown = TRUE;
      gtk_gl_area_queue_render (self->gl_area);
    }
  if (self->label_texts->len > 0)
    gtk_widget_queue_draw (self->label_area);
  g_signal_emit (self, signals[SIGNAL_FRAME_DRAWN], 0);
  /* Only after a frame is out: the first picture must not wait for coarse levels, topology
   * reports or picking trees. */
  maybe_make_details (self);
  return TRUE;
}

/* -- Labels ------------------------------------------------------------------------------- */

/* Where label i is drawn: the bottom-left corner of its text, beside its anchor. */
static gboolean
label_origin (OspViewport *self,
              guint        i,
              double      *x,
              double      *y)
{
  vec3 pixel;

  if (i >= self->label_texts->len ||
      !osp_camera_project (&self->camera, &g_array_index (self->label_points, float, 3 * i),
                           pixel) ||
      pixel[2] < -1.0f || pixel[2] > 1.0f)
    return FALSE;
  *x = pixel[0] + 8.0;
  *y = pixel[1] - 8.0;
  return *x < self->camera.width && *y > 0.0;
}

static void
draw_labels (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  OspViewport *self = data;
  g_autoptr(GArray) placed = g_array_new (FALSE, FALSE, sizeof (GdkRectangle));

  if (self->renderer == NULL)
    return;
  update_camera_size (self);
  for (guint i = 0; i < self->label_texts->len; i++)
    {
      double x, y;

      if (!label_origin (self, i, &x, &y))
        continue;
      osp_label_draw (GTK_WIDGET (area), cr, placed, x, y,
                      g_ptr_array_index (self->label_texts, i));
    }
}

void
osp_viewport_set_labels (OspViewport        *self,
                         const float        *points,
                         const char *const  *texts,
                         guint               n)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));
  g_return_if_fail (n == 0 || (points != NULL && texts != NULL));

  g_array_set_size (self->label_points, 0);
  g_array_append_vals (self->label_points, points, 3 * n);
  g_ptr_array_set_size (self->label_texts, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->label_texts, g_strdup (texts[i]));
  gtk_widget_queue_draw (self->label_area);
}

guint
osp_viewport_get_n_labels (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), 0);
  return self->label_texts->len;
}

const char *
osp_viewport_get_label (OspViewport *self,
                        guint        index,
                        double      *out_x,
                        double      *out_y)
{
  double x = -1, y = -1;

  g_return_val_if_fail (OSP_IS_VIEWPORT (self), NULL);

  if (index >= self->label_texts->len)
    return NULL;
  update_camera_size (self);
  if (!label_origin (self, index, &x, &y))
    x = y = -1;
  if (out_x != NULL)
    *out_x = x;
  if (out_y != NULL)
    *out_y = y;
  return g_ptr_array_index (self->label_texts, index);
}

/* -- The toolbar -------------------------------------------------------------------------- */

/* Room on either side of the toolbar (px). */
#define TOOLBAR_MARGIN 8

static gboolean
toolbar_is_compact (OspViewport *self)
{
  return gtk_widget_get_visible (self->views_menu);
}

static void
set_toolbar_compact (OspViewport *self,
                     gboolean     compact)
{
  gtk_widget_set_visible (self->views_box, !compact);
  gtk_widget_set_visible (self->views_separator, !compact);
  gtk_widget_set_visible (self->fit_button, !compact);
  gtk_widget_set_visible (self->views_menu, compact);
}

static gboolean
update_toolbar (gpointer data)
{
  OspViewport *self = data;

  self->toolbar_source = 0;
  set_toolbar_compact (self, self->overlay_width < self->full_toolbar_width + 2 * TOOLBAR_MARGIN);
  return G_SOURCE_REMOVE;
}

/* A view narrower than its toolbar (four views at 1024 × 700, a long translation) shows the
 * anatomical views and Fit All as one menu: every action stays reachable, nothing is clipped. */
static gboolean
on_get_child_position (GtkOverlay    *overlay,
                       GtkWidget     *widget,
                       GdkRectangle  *allocation,
                       OspViewport   *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (overlay));
  gboolean compact;

  if (widget != self->view_toolbar)
    return FALSE;
  if (!toolbar_is_compact (self))
    gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &self->full_toolbar_width,
                        NULL, NULL);
  self->overlay_width = width;
  compact = width < self->full_toolbar_width + 2 * TOOLBAR_MARGIN;
  /* Not while the overlay is being laid out: the next frame takes the change. */
  if (compact != toolbar_is_compact (self) && self->toolbar_source == 0)
    self->toolbar_source = g_idle_add (update_toolbar, self);
  return FALSE;
}

gboolean
osp_viewport_get_toolbar_compact (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), FALSE);
  return toolbar_is_compact (self);
}

static GMenuModel *
make_views_menu (void)
{
  static const struct
  {
    const char *view;
    const char *label;
  } views[] = {
    { "anterior", NC_("view", "Anterior") },
    { "posterior", NC_("view", "Posterior") },
    { "right", NC_("view", "Right") },
    { "left", NC_("view", "Left") },
    { "superior", NC_("view", "Superior") },
    { "inferior", NC_("view", "Inferior") },
  };
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (g_dpgettext2 (NULL, "view", views[i].label),
                                                   NULL);

      g_menu_item_set_action_and_target_value (item, "viewport.set-view",
                                               g_variant_new_string (views[i].view));
      g_menu_append_item (section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("Fit All"), "viewport.fit-all");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  return G_MENU_MODEL (menu);
}

/* -- Overlays ----------------------------------------------------------------------------- */

static void
overlay_push (OspViewport *self,
              Overlay     *overlay)
{
  if (self->renderer == NULL)
    return;
  if (overlay->id == 0)
    overlay->id = osp_renderer_add_model (self->renderer, overlay->mesh);
  else
    osp_renderer_set_model_mesh (self->renderer, overlay->id, overlay->mesh);
  osp_renderer_set_model_color (self->renderer, overlay->id, overlay->rgb);
  osp_renderer_set_model_opacity (self->renderer, overlay->id, overlay->opacity);
  osp_renderer_set_model_visible (self->renderer, overlay->id, overlay->visible);
}

static void
overlay_free (gpointer data)
{
  Overlay *overlay = data;

  osp_mesh_unref (overlay->mesh);
  g_free (overlay);
}

static Overlay *
find_overlay (OspViewport *self,
              guint        handle)
{
  for (guint i = 0; i < self->overlays->len; i++)
    {
      Overlay *overlay = g_ptr_array_index (self->overlays, i);

      if (overlay->handle == handle)
        return overlay;
    }
  return NULL;
}

/* Shows or hides every overlay in the renderer only (for picks), leaving their state. */
static void
set_overlays_visible (OspViewport *self,
                      gboolean     visible)
{
  for (guint i = 0; i < self->overlays->len; i++)
    {
      Overlay *overlay = g_ptr_array_index (self->overlays, i);

      if (overlay->id != 0)
        osp_renderer_set_model_visible (self->renderer, overlay->id,
                                        visible && overlay->visible);
    }
}

guint
osp_viewport_add_overlay (OspViewport *self,
                          OspMesh     *mesh,
                          const float *rgb,
                          float        opacity)
{
  Overlay *overlay;

  g_return_val_if_fail (OSP_IS_VIEWPORT (self), 0);
  g_return_val_if_fail (mesh != NULL, 0);
  g_return_val_if_fail (rgb != NULL, 0);

  overlay = g_new0 (Overlay, 1);
  overlay->handle = ++self->next_overlay;
  overlay->mesh = osp_mesh_ref (mesh);
  memcpy (overlay->rgb, rgb, sizeof overlay->rgb);
  overlay->opacity = CLAMP (opacity, 0.0f, 1.0f);
  overlay->visible = TRUE;
  g_ptr_array_add (self->overlays, overlay);
  overlay_push (self, overlay);
  gtk_gl_area_queue_render (self->gl_area);
  return overlay->handle;
}

void
osp_viewport_update_overlay (OspViewport *self,
                             guint        handle,
                             OspMesh     *mesh,
                             gboolean     visible)
{
  Overlay *overlay;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  overlay = find_overlay (self, handle);
  if (overlay == NULL)
    return;
  if (mesh != NULL && mesh != overlay->mesh)
    {
      osp_mesh_unref (overlay->mesh);
      overlay->mesh = osp_mesh_ref (mesh);
    }
  overlay->visible = visible;
  overlay_push (self, overlay);
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_remove_overlay (OspViewport *self,
                             guint        handle)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));

  for (guint i = 0; i < self->overlays->len; i++)
    {
      Overlay *overlay = g_ptr_array_index (self->overlays, i);

      if (overlay->handle != handle)
        continue;
      if (self->renderer != NULL && overlay->id != 0)
        osp_renderer_remove_model (self->renderer, overlay->id);
      g_ptr_array_remove_index (self->overlays, i);
      gtk_gl_area_queue_render (self->gl_area);
      return;
    }
}

void
osp_viewport_set_overlay_color (OspViewport *self,
                                guint        handle,
                                const float *rgb,
                                float        opacity)
{
  Overlay *overlay;

  g_return_if_fail (OSP_IS_VIEWPORT (self));
  g_return_if_fail (rgb != NULL);

  overlay = find_overlay (self, handle);
  if (overlay == NULL)
    return;
  opacity = CLAMP (opacity, 0.0f, 1.0f);
  if (memcmp (overlay->rgb, rgb, sizeof overlay->rgb) == 0 && overlay->opacity == opacity)
    return;
  memcpy (overlay->rgb, rgb, sizeof overlay->rgb);
  overlay->opacity = opacity;
  overlay_push (self, overlay);
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_overlay_pickable (OspViewport *self,
                                   guint        handle,
                                   gboolean     pickable)
{
  Overlay *overlay;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  overlay = find_overlay (self, handle);
  if (overlay != NULL)
    overlay->pickable = pickable;
}

guint
osp_viewport_get_n_overlays (OspViewport *self)
{
  g_return_val_if_fail (OSP_IS_VIEWPORT (self), 0);
  return self->overlays->len;
}

static Entry *
find_entry (OspViewport *self,
            OspModel    *model)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->model == model)
        return entry;
    }
  return NULL;
}

void
osp_viewport_set_model_hidden (OspViewport *self,
                               OspModel    *model,
                               gboolean     hidden)
{
  Entry *entry;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  entry = find_entry (self, model);
  if (entry == NULL || entry->hidden == hidden)
    return;
  entry->hidden = hidden;
  entry_push_to_renderer (self, entry);
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_model_preview_transform (OspViewport *self,
                                          OspModel    *model,
                                          const float *matrix)
{
  Entry *entry;
  float current[16];

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  entry = find_entry (self, model);
  if (entry == NULL)
    return;
  entry->has_preview = matrix != NULL;
  if (matrix != NULL)
    memcpy (entry->preview, matrix, sizeof entry->preview);
  /* Only the matrix changes: no upload, so a drag keeps the frame rate. */
  if (self->renderer != NULL && entry->id != 0)
    {
      if (matrix == NULL)
        osp_model_get_transform (entry->model, current);
      osp_renderer_set_model_transform (self->renderer, entry->id,
                                        matrix != NULL ? matrix : current);
    }
  gtk_gl_area_queue_render (self->gl_area);
}

void
osp_viewport_set_model_vertex_colors (OspViewport  *self,
                                      OspModel     *model,
                                      const guint8 *rgb)
{
  Entry *entry;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  entry = find_entry (self, model);
  if (entry == NULL)
    return;
  g_clear_pointer (&entry->colors, g_bytes_unref);
  g_clear_pointer (&entry->colors_mesh, osp_mesh_unref);
  if (rgb != NULL)
    {
      entry->colors_mesh = osp_mesh_ref (osp_model_get_mesh (model));
      entry->colors = g_bytes_new (rgb, (gsize) osp_mesh_get_n_vertices (entry->colors_mesh) * 3);
    }
  else if (self->renderer != NULL && entry->id != 0)
    osp_renderer_set_model_vertex_colors (self->renderer, entry->id, NULL, 0);
  entry_push_to_renderer (self, entry);
  gtk_gl_area_queue_render (self->gl_area);
}

gboolean
osp_viewport_pick_overlay (OspViewport *self,
                           double       x,
                           double       y,
                           guint       *out_handle,
                           float       *out_position)
{
  OspPickResult hit;
  gboolean found;

  g_return_val_if_fail (OSP_IS_VIEWPORT (self), FALSE);

  if (self->renderer == NULL)
    return FALSE;
  update_camera_size (self);
  /* Only the overlays: hide the models for the pick. */
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->id != 0)
        osp_renderer_set_model_visible (self->renderer, entry->id, FALSE);
    }
  /* …and the overlays that are not handles (a preview's pieces). */
  for (guint i = 0; i < self->overlays->len; i++)
    {
      Overlay *overlay = g_ptr_array_index (self->overlays, i);

      if (overlay->id != 0 && !overlay->pickable)
        osp_renderer_set_model_visible (self->renderer, overlay->id, FALSE);
    }
  found = osp_renderer_pick (self->renderer, &self->camera, x, y, &hit);
  set_overlays_visible (self, TRUE);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (entry->id != 0)
        osp_renderer_set_model_visible (self->renderer, entry->id,
                                        osp_model_get_visible (entry->model) && !entry->hidden);
    }
  if (!found)
    return FALSE;
  for (guint i = 0; i < self->overlays->len; i++)
    {
      Overlay *overlay = g_ptr_array_index (self->overlays, i);

      if (overlay->id == hit.model)
        {
          if (out_handle != NULL)
            *out_handle = overlay->handle;
          if (out_position != NULL)
            memcpy (out_position, hit.position, sizeof hit.position);
          return TRUE;
        }
    }
  return FALSE;
}

void
osp_viewport_queue_draw (OspViewport *self)
{
  g_return_if_fail (OSP_IS_VIEWPORT (self));
  gtk_gl_area_queue_render (self->gl_area);
}

/* -- Input -------------------------------------------------------------------------------- */

static gboolean
pick (OspViewport   *self,
      double         x,
      double         y,
      OspPickResult *out_result,
      guint         *out_position)
{
  gboolean found;

  if (self->renderer == NULL || self->entries->len == 0)
    return FALSE;
  update_camera_size (self);
  /* Overlays (a cut plane in front of the bone) are looked through. */
  set_overlays_visible (self, FALSE);
  found = osp_renderer_pick (self->renderer, &self->camera, x, y, out_result);
  set_overlays_visible (self, TRUE);
  if (!found)
    return FALSE;
  for (guint i = 0; i < self->entries->len; i++)
    if (((Entry *) g_ptr_array_index (self->entries, i))->id == out_result->model)
      {
        *out_position = i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
update_hover (gpointer data)
{
  OspViewport *self = data;
  OspPickResult hit;
  guint position;

  self->hover_source = 0;
  /* While a picking tree is still being built, hovering waits rather than build it again
   * on the main thread (a click does not wait). */
  if (self->pointer_inside && self->drag_mode == DRAG_NONE && self->bvh_cancellable == NULL &&
      pick (self, self->pointer_x, self->pointer_y, &hit, &position))
    {
      Entry *entry = g_ptr_array_index (self->entries, position);
      /* LPS: +x is the patient's left, +y posterior, +z superior. */
      g_autofree char *text =
        g_strdup_printf (_("%s  ·  x %.1f  y %.1f  z %.1f mm (LPS)"),
                         osp_model_get_name (entry->model),
                         hit.position[0], hit.position[1], hit.position[2]);

      gtk_label_set_text (self->status_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_hover (OspViewport *self)
{
  /* Picking waits until the pointer rests a moment, so fast moves cost nothing. */
  g_clear_handle_id (&self->hover_source, g_source_remove);
  self->hover_source = g_timeout_add (40, update_hover, self);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           OspViewport              *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  schedule_hover (self);
}

static void
on_leave (GtkEventControllerMotion *controller,
          OspViewport              *self)
{
  self->pointer_inside = FALSE;
  schedule_hover (self);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               OspViewport    *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  gboolean handled = FALSE;

  if (button == GDK_BUTTON_PRIMARY && !(state & GDK_SHIFT_MASK))
    g_signal_emit (self, signals[SIGNAL_TOOL_DRAG_BEGIN], 0, x, y, &handled);
  /* A tool's drag (a gizmo) and a Shift+press (a pan) are never a click, however short: they
   * neither select nor deselect where they end. */
  self->press_dragged = handled || (button == GDK_BUTTON_PRIMARY && (state & GDK_SHIFT_MASK));
  if (handled)
    self->drag_mode = DRAG_TOOL;
  else if (button == GDK_BUTTON_MIDDLE ||
           (button == GDK_BUTTON_PRIMARY && (state & GDK_SHIFT_MASK)))
    self->drag_mode = DRAG_PAN;
  else if (button == GDK_BUTTON_PRIMARY)
    self->drag_mode = DRAG_ORBIT;
  else
    {
      self->drag_mode = DRAG_NONE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->drag_x = x;
  self->drag_y = y;
  /* No multisampling and the coarse proxies while the scene moves (several times the frame
   * rate on llvmpipe); full quality again when it rests. */
  if (self->renderer != NULL)
    osp_renderer_set_moving (self->renderer, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                OspViewport    *self)
{
  double start_x, start_y, x, y;

  if (self->drag_mode == DRAG_NONE ||
      !gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y))
    return;
  x = start_x + offset_x;
  y = start_y + offset_y;
  /* Past a few pixels the press is a drag: its release selects nothing. */
  if (hypot (offset_x, offset_y) > 3.0)
    self->press_dragged = TRUE;
  update_camera_size (self);
  if (self->drag_mode == DRAG_TOOL)
    {
      g_signal_emit (self, signals[SIGNAL_TOOL_DRAG_UPDATE], 0, x, y);
      self->drag_x = x;
      self->drag_y = y;
      return;
    }
  if (self->drag_mode == DRAG_ORBIT)
    osp_camera_orbit (&self->camera, self->drag_x, self->drag_y, x, y);
  else
    osp_camera_pan (&self->camera, x - self->drag_x, y - self->drag_y);
  self->drag_x = x;
  self->drag_y = y;
  self->user_moved = TRUE;
  gtk_gl_area_queue_render (self->gl_area);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             OspViewport    *self)
{
  if (self->drag_mode == DRAG_TOOL)
    g_signal_emit (self, signals[SIGNAL_TOOL_DRAG_END], 0);
  self->drag_mode = DRAG_NONE;
  if (self->renderer != NULL && self->wheel_source == 0)
    osp_renderer_set_moving (self->renderer, FALSE);
  gtk_gl_area_queue_render (self->gl_area);
}

static gboolean
on_wheel_rest (gpointer data)
{
  OspViewport *self = data;

  self->wheel_source = 0;
  if (self->renderer != NULL && self->drag_mode == DRAG_NONE)
    osp_renderer_set_moving (self->renderer, FALSE);
  gtk_gl_area_queue_render (self->gl_area);
  return G_SOURCE_REMOVE;
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           OspViewport              *self)
{
  /* One wheel notch zooms by 12 %; touchpads send fractions of a notch. */
  double factor = pow (1.12, -CLAMP (dy, -10.0, 10.0));

  if (dy == 0.0)
    return FALSE;
  update_camera_size (self);
  osp_camera_zoom (&self->camera, factor, self->pointer_x, self->pointer_y);
  self->user_moved = TRUE;
  /* Zooming is moving until the wheel has rested for 200 ms. */
  if (self->renderer != NULL)
    osp_renderer_set_moving (self->renderer, TRUE);
  g_clear_handle_id (&self->wheel_source, g_source_remove);
  self->wheel_source = g_timeout_add (200, on_wheel_rest, self);
  gtk_gl_area_queue_render (self->gl_area);
  schedule_hover (self);
  return TRUE;
}

/* While the user has not moved the camera, the scene stays framed as the view changes size
 * (the window at its first size, the side panel opening, a smaller screen). */
static void
on_gl_resize (GtkGLArea   *area,
              int          width,
              int          height,
              OspViewport *self)
{
  if (!self->user_moved && self->drag_mode == DRAG_NONE)
    osp_viewport_fit_all (self);
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  OspViewport     *self)
{
  OspPickResult hit;
  guint position;
  gboolean found = pick (self, x, y, &hit, &position);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2 && found)
    {
      osp_camera_centre_on (&self->camera, hit.position);
      self->user_moved = TRUE;
      gtk_gl_area_queue_render (self->gl_area);
    }
}

gboolean
osp_viewport_pick (OspViewport  *self,
                   double        x,
                   double        y,
                   OspModel    **out_model,
                   float        *out_position)
{
  OspPickResult hit;
  guint position;

  g_return_val_if_fail (OSP_IS_VIEWPORT (self), FALSE);

  if (!pick (self, x, y, &hit, &position))
    return FALSE;
  if (out_model != NULL)
    *out_model = ((Entry *) g_ptr_array_index (self->entries, position))->model;
  if (out_position != NULL)
    memcpy (out_position, hit.position, sizeof hit.position);
  return TRUE;
}

void
osp_viewport_select_at (OspViewport *self,
                        double       x,
                        double       y)
{
  OspPickResult hit;
  guint position;

  g_return_if_fail (OSP_IS_VIEWPORT (self));

  if (self->selection == NULL)
    return;
  if (pick (self, x, y, &hit, &position))
    gtk_single_selection_set_selected (self->selection, position);
  else
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   OspViewport     *self)
{
  gboolean handled = FALSE;

  /* A click (not a drag) goes to the active tool (picking points), else selects the model
   * under the cursor, or clears the selection. */
  if (n_press != 1 || self->press_dragged)
    return;   /* the end of an orbit, a pan or a gizmo drag, wherever it ends, is no click */
  g_signal_emit (self, signals[SIGNAL_TOOL_CLICK], 0, x, y, &handled);
  if (!handled)
    osp_viewport_select_at (self, x, y);
}

/* -- Actions ------------------------------------------------------------------------------ */

static void
action_set_view (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  OspView view;

  if (osp_view_from_name (g_variant_get_string (parameter, NULL), &view))
    osp_viewport_set_view (OSP_VIEWPORT (widget), view);
}

static void
action_fit_all (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  osp_viewport_fit_all (OSP_VIEWPORT (widget));
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_viewport_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  OspViewport *self = OSP_VIEWPORT (object);

  switch (prop_id)
    {
    case PROP_ORTHOGRAPHIC:
      g_value_set_boolean (value, osp_viewport_get_orthographic (self));
      break;
    case PROP_WIREFRAME:
      g_value_set_boolean (value, self->wireframe);
      break;
    case PROP_SECTION:
      g_value_set_boolean (value, self->section);
      break;
    case PROP_SECTION_AXIS:
      g_value_set_uint (value, self->section_axis);
      break;
    case PROP_SECTION_POSITION:
      g_value_set_double (value, self->section_position);
      break;
    case PROP_SHOW_SLICES:
      g_value_set_boolean (value, self->show_slices);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_viewport_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  OspViewport *self = OSP_VIEWPORT (object);

  switch (prop_id)
    {
    case PROP_ORTHOGRAPHIC:
      osp_viewport_set_orthographic (self, g_value_get_boolean (value));
      break;
    case PROP_WIREFRAME:
      osp_viewport_set_wireframe (self, g_value_get_boolean (value));
      break;
    case PROP_SECTION:
      osp_viewport_set_section (self, g_value_get_boolean (value), self->section_axis,
                                self->section_position);
      break;
    case PROP_SECTION_AXIS:
      osp_viewport_set_section (self, self->section, g_value_get_uint (value),
                                self->section_position);
      break;
    case PROP_SECTION_POSITION:
      osp_viewport_set_section (self, self->section, self->section_axis,
                                g_value_get_double (value));
      break;
    case PROP_SHOW_SLICES:
      osp_viewport_set_show_slices (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_viewport_dispose (GObject *object)
{
  OspViewport *self = OSP_VIEWPORT (object);

  g_clear_handle_id (&self->hover_source, g_source_remove);
  g_clear_handle_id (&self->wheel_source, g_source_remove);
  g_clear_handle_id (&self->toolbar_source, g_source_remove);
  cancel_bvh (self);
  cancel_details (self);
  g_clear_pointer (&self->offered, osp_render_mesh_unref);
  osp_viewport_set_selection (self, NULL);
  osp_viewport_set_slice_group (self, NULL);
  g_ptr_array_set_size (self->overlays, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_VIEWPORT);
  G_OBJECT_CLASS (osp_viewport_parent_class)->dispose (object);
}

static void
osp_viewport_finalize (GObject *object)
{
  OspViewport *self = OSP_VIEWPORT (object);

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->overlays);
  g_array_unref (self->label_points);
  g_ptr_array_unref (self->label_texts);
  g_free (self->gl_error);
  g_clear_pointer (&self->readback, g_bytes_unref);
  G_OBJECT_CLASS (osp_viewport_parent_class)->finalize (object);
}

static void
osp_viewport_class_init (OspViewportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = osp_viewport_get_property;
  object_class->set_property = osp_viewport_set_property;
  object_class->dispose = osp_viewport_dispose;
  object_class->finalize = osp_viewport_finalize;

  properties[PROP_ORTHOGRAPHIC] =
    g_param_spec_boolean ("orthographic", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WIREFRAME] =
    g_param_spec_boolean ("wireframe", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECTION] =
    g_param_spec_boolean ("section", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECTION_AXIS] =
    g_param_spec_uint ("section-axis", NULL, NULL, 0, 2, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECTION_POSITION] =
    g_param_spec_double ("section-position", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_SLICES] =
    g_param_spec_boolean ("show-slices", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_FRAME_DRAWN] = g_signal_new ("frame-drawn", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  /* For tools (the cut panel picks points and drags its plane): a click or a left drag at
   * (x, y) widget pixels; a handler that returns TRUE takes it from the camera/selection. */
  signals[SIGNAL_TOOL_CLICK] = g_signal_new ("tool-click", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0,
                                             g_signal_accumulator_true_handled, NULL, NULL,
                                             G_TYPE_BOOLEAN, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_TOOL_DRAG_BEGIN] = g_signal_new ("tool-drag-begin", G_TYPE_FROM_CLASS (klass),
                                                  G_SIGNAL_RUN_LAST, 0,
                                                  g_signal_accumulator_true_handled, NULL,
                                                  NULL, G_TYPE_BOOLEAN, 2, G_TYPE_DOUBLE,
                                                  G_TYPE_DOUBLE);
  signals[SIGNAL_TOOL_DRAG_UPDATE] = g_signal_new ("tool-drag-update",
                                                   G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                   0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                   G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_TOOL_DRAG_END] = g_signal_new ("tool-drag-end", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);

  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-viewport.ui");
  gtk_widget_class_bind_template_child (widget_class, OspViewport, overlay);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, gl_area);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, view_toolbar);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, views_box);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, views_separator);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, fit_button);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, views_menu);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, status_label);
  gtk_widget_class_bind_template_child (widget_class, OspViewport, message_page);

  gtk_widget_class_install_action (widget_class, "viewport.set-view", "s", action_set_view);
  gtk_widget_class_install_action (widget_class, "viewport.fit-all", NULL, action_fit_all);
  gtk_widget_class_install_property_action (widget_class, "viewport.orthographic",
                                            "orthographic");
  gtk_widget_class_install_property_action (widget_class, "viewport.wireframe", "wireframe");
  gtk_widget_class_install_property_action (widget_class, "viewport.section", "section");
  gtk_widget_class_install_property_action (widget_class, "viewport.show-slices", "show-slices");

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "viewport");
}

/* GTK 4.8 leaves the buttons of the view's own toolbar and display popover insensitive (their
 * action helpers never see the view's class actions, though activating them by name works):
 * setting each action name again once the view is in a window makes them look it up anew. */
static void
refresh_actionables (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_ACTIONABLE (child))
        {
          g_autofree char *name = g_strdup (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)));

          if (name != NULL && g_str_has_prefix (name, "viewport."))
            {
              gtk_actionable_set_action_name (GTK_ACTIONABLE (child), NULL);
              gtk_actionable_set_action_name (GTK_ACTIONABLE (child), name);
            }
        }
      refresh_actionables (child);
    }
}

static void
on_root_changed (OspViewport *self)
{
  if (gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
    refresh_actionables (GTK_WIDGET (self));
}

static void
osp_viewport_init (OspViewport *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  /* Before the template: its widgets bind to the properties. */
  self->section_position = 0.5;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->overlays = g_ptr_array_new_with_free_func (overlay_free);
  osp_camera_init (&self->camera);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewport.show-slices", FALSE);

  /* Labels (measured values, landmark names) over the picture, under the toolbar; they never
   * take the pointer. */
  self->label_points = g_array_new (FALSE, FALSE, sizeof (float));
  self->label_texts = g_ptr_array_new_with_free_func (g_free);
  self->label_area = gtk_drawing_area_new ();
  gtk_widget_set_can_target (self->label_area, FALSE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->label_area), draw_labels, self, NULL);
  gtk_overlay_add_overlay (self->overlay, self->label_area);
  gtk_widget_insert_after (self->label_area, GTK_WIDGET (self->overlay),
                           GTK_WIDGET (self->gl_area));
  {
    g_autoptr(GMenuModel) menu = make_views_menu ();

    gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->views_menu), menu);
  }
  g_signal_connect (self->overlay, "get-child-position", G_CALLBACK (on_get_child_position),
                    self);

  g_signal_connect (self, "map", G_CALLBACK (on_root_changed), NULL);
  gtk_gl_area_set_required_version (self->gl_area, 3, 3);
  g_signal_connect (self->gl_area, "realize", G_CALLBACK (on_gl_realize), self);
  g_signal_connect (self->gl_area, "unrealize", G_CALLBACK (on_gl_unrealize), self);
  g_signal_connect (self->gl_area, "render", G_CALLBACK (on_gl_render), self);
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (on_scale_factor_changed), NULL);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), controller);

  g_signal_connect_after (self->gl_area, "resize", G_CALLBACK (on_gl_resize), self);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), 0);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_click_pressed), self);
  g_signal_connect (gesture, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self->gl_area), controller);
}

GtkWidget *
osp_viewport_new (void)
{
  return g_object_new (OSP_TYPE_VIEWPORT, NULL);
}
