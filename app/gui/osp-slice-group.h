/* osp-slice-group.h — what the slice views of a window share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CT shown, the linked crosshair (an LPS point: each slice view shows the slice through
 * it), window and level, the bone outline's threshold, the models whose contours are drawn,
 * planes and marked points, a tumour mask, and the GPU copy of the CT (uploaded once for the
 * three views).  Views redraw on "changed"; "volume-changed" tells them to fit the new CT;
 * "mask-changed" (min, max: guint32[3] pointers) names a box of the mask that changed.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-slice-renderer.h"
#include "osp-volume.h"

G_BEGIN_DECLS

#define OSP_TYPE_SLICE_GROUP (osp_slice_group_get_type ())
G_DECLARE_FINAL_TYPE (OspSliceGroup, osp_slice_group, OSP, SLICE_GROUP, GObject)

OspSliceGroup    *osp_slice_group_new           (void);

/* The CT (a reference is kept); NULL for none.  The crosshair moves to its middle. */
void              osp_slice_group_set_volume    (OspSliceGroup  *self,
                                                 OspVolume      *volume);
OspVolume        *osp_slice_group_get_volume    (OspSliceGroup  *self);

void              osp_slice_group_set_crosshair (OspSliceGroup  *self,
                                                 const double    lps[3]);
void              osp_slice_group_get_crosshair (OspSliceGroup  *self,
                                                 double          out_lps[3]);

void              osp_slice_group_set_window    (OspSliceGroup  *self,
                                                 double          window,
                                                 double          level);
void              osp_slice_group_get_window    (OspSliceGroup  *self,
                                                 double         *out_window,
                                                 double         *out_level);

/* The bone outline at threshold HU; shown while `show`. */
void              osp_slice_group_set_outline   (OspSliceGroup  *self,
                                                 gboolean        show,
                                                 double          threshold);
gboolean          osp_slice_group_get_outline   (OspSliceGroup  *self,
                                                 double         *out_threshold);

/* The models (a GListModel of OspModel) whose contours are drawn; NULL for none. */
void              osp_slice_group_set_models    (OspSliceGroup  *self,
                                                 GListModel     *models);
GListModel       *osp_slice_group_get_models    (OspSliceGroup  *self);

/* Planes drawn as lines and points drawn as rings (rgb: 3 floats each). */
void              osp_slice_group_set_planes    (OspSliceGroup  *self,
                                                 const OspPlane *planes,
                                                 const float    *rgb,
                                                 guint           n_planes);
const OspPlane   *osp_slice_group_get_planes    (OspSliceGroup  *self,
                                                 const float   **out_rgb,
                                                 guint          *out_n_planes);
void              osp_slice_group_set_marks     (OspSliceGroup  *self,
                                                 const double   *points,
                                                 const float    *rgb,
                                                 guint           n_points);
const double     *osp_slice_group_get_marks     (OspSliceGroup  *self,
                                                 const float   **out_rgb,
                                                 guint          *out_n_points);

/* Landmarks and measurements, drawn on each slice where they lie near it: segments (6 floats
 * each: distances, angle legs), markers (3 floats: landmarks) and labels (a text at a point:
 * names and values), LPS mm.  Replaces what was set before. */
void              osp_slice_group_set_measurements (OspSliceGroup     *self,
                                                    const float       *segments,
                                                    guint              n_segments,
                                                    const float       *markers,
                                                    guint              n_markers,
                                                    const float       *label_points,
                                                    const char *const *labels,
                                                    guint              n_labels);
void              osp_slice_group_get_measurements (OspSliceGroup      *self,
                                                    const float       **out_segments,
                                                    guint              *out_n_segments,
                                                    const float       **out_markers,
                                                    guint              *out_n_markers,
                                                    const float       **out_label_points,
                                                    const char *const **out_labels,
                                                    guint              *out_n_labels);

/* A binary mask (voxels non-zero inside) on a grid of `dims` placed by index_to_lps (16
 * floats, column-major), kept valid by the caller until replaced or cleared; NULL clears.
 * After painting, osp_slice_group_mask_changed names the changed box (inclusive). */
void              osp_slice_group_set_mask      (OspSliceGroup  *self,
                                                 const guint8   *voxels,
                                                 const guint32   dims[3],
                                                 const float    *index_to_lps);
void              osp_slice_group_mask_changed  (OspSliceGroup  *self,
                                                 const guint32   min[3],
                                                 const guint32   max[3]);
const guint8     *osp_slice_group_get_mask      (OspSliceGroup  *self,
                                                 guint32         out_dims[3],
                                                 float          *out_index_to_lps);

/* The GPU copy shared by the views' renderers.  Views count themselves in while their GL
 * area is realized (+1 / −1); the last one out releases the textures, its context current. */
OspSliceTextures *osp_slice_group_get_textures  (OspSliceGroup  *self);
guint             osp_slice_group_count_gl_user (OspSliceGroup  *self,
                                                 int             delta);

G_END_DECLS
