/* osp-viewport.h — the 3D view of the case
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkGLArea drawn by the render library (osp-renderer.h), showing the models of a
 * GtkSingleSelection of OspModel: it follows the list and each model's properties, and a click
 * on a model selects it (a selection made in the list highlights it here).
 *
 * Mouse: left drag orbits (trackball), middle or Shift+left drag pans, the wheel zooms towards
 * the cursor, a double-click centres on the point under the cursor, hovering shows the 3D
 * position in mm.  Keys are bound by the window (osp-window.c) to the functions below.
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-camera.h"
#include "osp-mesh.h"
#include "osp-model.h"
#include "osp-slice-group.h"
#include "osp-renderer.h"

G_BEGIN_DECLS

#define OSP_TYPE_VIEWPORT (osp_viewport_get_type ())
G_DECLARE_FINAL_TYPE (OspViewport, osp_viewport, OSP, VIEWPORT, GtkWidget)

GtkWidget       *osp_viewport_new              (void);

/* The models to show (a GListModel of OspModel) and the selection to follow and change.
 * NULL shows nothing. */
void             osp_viewport_set_selection    (OspViewport        *self,
                                                GtkSingleSelection *selection);

void             osp_viewport_set_view         (OspViewport        *self,
                                                OspView             view);
/* Frames every visible model. */
void             osp_viewport_fit_all          (OspViewport        *self);
void             osp_viewport_set_orthographic (OspViewport        *self,
                                                gboolean            orthographic);
gboolean         osp_viewport_get_orthographic (OspViewport        *self);
/* The triangles' edges drawn over the shading. */
void             osp_viewport_set_wireframe    (OspViewport        *self,
                                                gboolean            wireframe);
/* A section plane across the visible models, perpendicular to axis 0 (sagittal, x), 1 (coronal,
 * y) or 2 (axial, z), at `position` 0–1 of their extent; what lies beyond it is cut away and
 * the cut faces are filled. */
void             osp_viewport_set_section      (OspViewport        *self,
                                                gboolean            section,
                                                guint               axis,
                                                double              position);
const OspCamera *osp_viewport_get_camera       (OspViewport        *self);
/* Whether the toolbar shows the anatomical views and Fit All as one "Views" menu (the view is
 * too narrow for their buttons). */
gboolean         osp_viewport_get_toolbar_compact (OspViewport     *self);

/* The slice views' group: its CT (uploaded once for all the window's views), crosshair and
 * window/level give the slice planes drawn inside the scene while "show-slices" is on (the
 * action viewport.show-slices; disabled without a CT).  NULL for none. */
void             osp_viewport_set_slice_group  (OspViewport        *self,
                                                OspSliceGroup      *group);
void             osp_viewport_set_show_slices  (OspViewport        *self,
                                                gboolean            show);
gboolean         osp_viewport_get_show_slices  (OspViewport        *self);

/* The model under the pixel (x, y) of the widget (top-left origin) and the point hit, world
 * mm, as a click or the hover read-out finds them.  FALSE when nothing is there or the 3D view
 * is not running.  out_model (not a new reference) and out_position may be NULL. */
gboolean         osp_viewport_pick             (OspViewport        *self,
                                                double              x,
                                                double              y,
                                                OspModel          **out_model,
                                                float              *out_position);
/* What a click does: selects the model under (x, y) in the selection, or clears it. */
void             osp_viewport_select_at        (OspViewport        *self,
                                                double              x,
                                                double              y);

/* -- Tools (cutting, mirroring) -----------------------------------------------------------
 *
 * Overlays are models of the view that are not in the plan (a cut plane, the pieces of a cut
 * preview): world coordinates, never picked as models, kept across a re-realize.  The
 * "tool-click" (x, y) and "tool-drag-begin" (x, y) signals return TRUE to take a click or a
 * left drag; a taken drag then sends "tool-drag-update" (x, y) and "tool-drag-end". */

/* Returns the overlay's handle (never 0).  rgb: 3 floats 0–1. */
guint            osp_viewport_add_overlay      (OspViewport        *self,
                                                OspMesh            *mesh,
                                                const float        *rgb,
                                                float               opacity);
/* mesh NULL keeps the mesh. */
void             osp_viewport_update_overlay   (OspViewport        *self,
                                                guint               overlay,
                                                OspMesh            *mesh,
                                                gboolean            visible);
void             osp_viewport_remove_overlay   (OspViewport        *self,
                                                guint               overlay);
guint            osp_viewport_get_n_overlays   (OspViewport        *self);
/* Changes an overlay's colour (rgb 0–1) and opacity. */
void             osp_viewport_set_overlay_color (OspViewport       *self,
                                                 guint              overlay,
                                                 const float       *rgb,
                                                 float              opacity);
/* Handles (default: not) are what osp_viewport_pick_overlay() finds. */
void             osp_viewport_set_overlay_pickable (OspViewport    *self,
                                                    guint           overlay,
                                                    gboolean        pickable);
/* The handle overlay under (x, y), looking through the models and other overlays. */
gboolean         osp_viewport_pick_overlay     (OspViewport        *self,
                                                double              x,
                                                double              y,
                                                guint              *out_handle,
                                                float              *out_position);
/* Hides a model in the view only (the plan is not changed): a preview shows its pieces. */
void             osp_viewport_set_model_hidden (OspViewport        *self,
                                                OspModel           *model,
                                                gboolean            hidden);
/* Shows a model moved by `matrix` (16 floats, column-major) in the view only, as a drag
 * previews it before the plan is changed; NULL goes back to the model's own transform. */
void             osp_viewport_set_model_preview_transform (OspViewport *self,
                                                           OspModel    *model,
                                                           const float *matrix);
/* Per-vertex colours (3 bytes a vertex of the model's current mesh) for a colour map; NULL
 * goes back to the model's colour.  A new mesh drops them. */
void             osp_viewport_set_model_vertex_colors (OspViewport  *self,
                                                       OspModel     *model,
                                                       const guint8 *rgb);
void             osp_viewport_queue_draw       (OspViewport        *self);

/* Text labels (any script) anchored at world points (3 floats each), drawn beside their
 * anchors over the picture and following the camera; replaces the labels set before. */
void             osp_viewport_set_labels       (OspViewport        *self,
                                                const float        *points,
                                                const char *const  *texts,
                                                guint               n);
guint            osp_viewport_get_n_labels     (OspViewport        *self);
/* Label `index`'s text, and where the bottom-left corner of its text is drawn (widget pixels,
 * before it is moved below a label it would cover; -1 when its anchor is off the picture);
 * NULL past the end. */
const char      *osp_viewport_get_label        (OspViewport        *self,
                                                guint               index,
                                                double             *out_x,
                                                double             *out_y);

/* Frames drawn so far ("frame-drawn" is emitted after each). */
guint            osp_viewport_get_n_frames     (OspViewport        *self);
/* Model triangles drawn in the last frame (coarse levels counted as drawn): 0 while the frame
 * showed no model. */
guint64          osp_viewport_get_n_drawn_triangles (OspViewport   *self);
/* Whether work the first picture did not wait for (coarse levels, picking trees) is still
 * being made in a thread. */
gboolean         osp_viewport_get_details_pending (OspViewport     *self);
/* The vertices of a mesh made ready for drawing while it loaded (osp-renderer.h), for the
 * model of that mesh added next: its first frame then only copies them to the GPU.  An offer
 * lasts until the next model is added. */
void             osp_viewport_offer_prepared   (OspViewport        *self,
                                                OspRenderMesh      *prepared);
/* Why the 3D view cannot draw (no OpenGL 3.3…), or NULL when it can. */
const char      *osp_viewport_get_gl_error     (OspViewport        *self);

/* For tests: asks for the pixels of the next frame, read back from the GtkGLArea's
 * framebuffer, then returns them (RGBA, top row first) once drawn, or NULL before. */
void             osp_viewport_request_readback (OspViewport        *self);
GBytes          *osp_viewport_take_readback    (OspViewport        *self,
                                                int                *out_width,
                                                int                *out_height);

G_END_DECLS
