/* osp-slice-view.h — an axial, coronal or sagittal CT slice view
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkGLArea drawn by the slice renderer (osp-slice-renderer.h) from the state of an
 * OspSliceGroup shared with the other views: the slice through the group's crosshair, in the
 * radiological convention, with the group's window/level, bone outline, model contours,
 * planes, marks and mask.
 *
 * Mouse: a click or a left drag moves the crosshair (every view follows), the wheel or Page
 * Up/Down (Shift: ten at a time) or the slider scroll through the slices, Ctrl+wheel zooms
 * towards the cursor, a middle or Shift+left drag pans, a right drag sets window (left–right)
 * and level (up–down), a double-click asks for the view alone ("toggle-zoom").  The HU value
 * and LPS position under the pointer are shown.
 *
 * A tool (the tumour brush) may take the left button: "tool-press", "tool-motion" and
 * "tool-release" give LPS points while set_tool_active (TRUE).
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-slice-group.h"

G_BEGIN_DECLS

#define OSP_TYPE_SLICE_VIEW (osp_slice_view_get_type ())
G_DECLARE_FINAL_TYPE (OspSliceView, osp_slice_view, OSP, SLICE_VIEW, GtkWidget)

GtkWidget    *osp_slice_view_new            (OspSliceGroup *group,
                                             OspSliceAxis   axis);
OspSliceAxis  osp_slice_view_get_axis       (OspSliceView  *self);
/* The camera of the picture (centre, zoom, window); in device pixels of the GL area. */
void          osp_slice_view_get_camera     (OspSliceView  *self,
                                             OspSliceCamera *out_camera);
/* Widget point (x, y) → LPS on the slice. */
void          osp_slice_view_point_to_lps   (OspSliceView  *self,
                                             double         x,
                                             double         y,
                                             double         out_lps[3]);
/* The text under the pointer (HU and position), for tests. */
const char   *osp_slice_view_get_info       (OspSliceView  *self);
/* Moves one slice step (a voxel) forwards (> 0) or backwards. */
void          osp_slice_view_step           (OspSliceView  *self,
                                             int            steps);
void          osp_slice_view_set_tool_active (OspSliceView *self,
                                              gboolean      active);
/* The landmark and measurement labels drawn last (those near the slice), and where: the
 * bottom-left corner of the text, widget pixels (tests). */
guint         osp_slice_view_get_n_drawn_labels (OspSliceView *self);
const char   *osp_slice_view_get_drawn_label (OspSliceView  *self,
                                              guint          index,
                                              double        *out_x,
                                              double        *out_y);
/* Frames drawn since creation (tests). */
guint         osp_slice_view_get_n_frames   (OspSliceView  *self);

G_END_DECLS
