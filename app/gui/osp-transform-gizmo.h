/* osp-transform-gizmo.h — arrows and rings in the 3D view to move and turn a model
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "osp-viewport.h"

G_BEGIN_DECLS

/* Three arrows move along, and three rings turn about, the x (red), y (green) and z (blue)
 * axes through the model's pivot (its origin unless set): the world's axes, or the model's own ("local").  The
 * gizmo only changes its matrix; its owner previews and applies it. */
typedef struct _OspTransformGizmo OspTransformGizmo;

/* size: the length of an arrow in mm (> 0). */
OspTransformGizmo *osp_transform_gizmo_new         (OspViewport       *viewport,
                                                    float              size);
void               osp_transform_gizmo_free        (OspTransformGizmo *gizmo);
/* matrix: 16 floats, column-major, rigid. */
void               osp_transform_gizmo_set_matrix  (OspTransformGizmo *gizmo,
                                                    const float       *matrix);
/* Where the handles sit and what the rings turn about, in the model's own frame (default:
 * its origin; a mesh made in world coordinates wants its centre). */
void               osp_transform_gizmo_set_pivot   (OspTransformGizmo *gizmo,
                                                    const float       *pivot);
void               osp_transform_gizmo_get_matrix  (OspTransformGizmo *gizmo,
                                                    float             *out_matrix);
void               osp_transform_gizmo_set_size    (OspTransformGizmo *gizmo,
                                                    float              size);
float              osp_transform_gizmo_get_size    (OspTransformGizmo *gizmo);
void               osp_transform_gizmo_set_local   (OspTransformGizmo *gizmo,
                                                    gboolean           local);
void               osp_transform_gizmo_set_visible (OspTransformGizmo *gizmo,
                                                    gboolean           visible);
/* A left drag from (x, y): TRUE when it starts on a handle (then updates follow). */
gboolean           osp_transform_gizmo_drag_begin  (OspTransformGizmo *gizmo,
                                                    double             x,
                                                    double             y);
/* TRUE when the matrix changed. */
gboolean           osp_transform_gizmo_drag_update (OspTransformGizmo *gizmo,
                                                    double             x,
                                                    double             y);
/* TRUE when a drag was under way. */
gboolean           osp_transform_gizmo_drag_end    (OspTransformGizmo *gizmo);
gboolean           osp_transform_gizmo_get_dragging (OspTransformGizmo *gizmo);

/* Moves by `distance` mm along axis 0–2 or turns by `angle` radians about it (as a drag of
 * that handle would); for tests and keyboard use. */
void               osp_transform_gizmo_translate   (OspTransformGizmo *gizmo,
                                                    int                axis,
                                                    float              distance);
void               osp_transform_gizmo_rotate      (OspTransformGizmo *gizmo,
                                                    int                axis,
                                                    float              angle);

G_END_DECLS
