/* osp-plane-gizmo.h — a cut plane in the 3D view, with handles to move and turn it
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plane is drawn as a translucent square (a thin slab, an overlay of the viewport, not a
 * model of the plan) around the point of the plane nearest the middle of the bone.  When
 * active it shows an arrow along the normal (drag it to move the plane along its normal) and
 * two rings around the plane's own axes (drag one to turn the plane about that axis, through
 * its centre).
 */
#pragma once

#include "osp-viewport.h"

G_BEGIN_DECLS

typedef struct _OspPlaneGizmo OspPlaneGizmo;

/* A gizmo in `viewport` sized for `bounds` (the model to cut, world mm).
 * Preconditions: viewport and plane non-NULL, bounds not empty. */
OspPlaneGizmo *osp_plane_gizmo_new         (OspViewport     *viewport,
                                            const OspBox    *bounds,
                                            const OspPlane  *plane);
/* Removes the overlays.  NULL is ignored. */
void           osp_plane_gizmo_free        (OspPlaneGizmo   *gizmo);

void           osp_plane_gizmo_set_plane   (OspPlaneGizmo   *gizmo,
                                            const OspPlane  *plane);
void           osp_plane_gizmo_get_plane   (OspPlaneGizmo   *gizmo,
                                            OspPlane        *out_plane);
/* Handles are shown only on the active plane. */
void           osp_plane_gizmo_set_active  (OspPlaneGizmo   *gizmo,
                                            gboolean         active);
/* The square in red (a margin to the tumour below the target) or in its own amber. */
void           osp_plane_gizmo_set_warning (OspPlaneGizmo   *gizmo,
                                            gboolean         warning);
/* Hides everything (while the plan is not being cut). */
void           osp_plane_gizmo_set_visible (OspPlaneGizmo   *gizmo,
                                            gboolean         visible);

/* A left drag at widget pixel (x, y): TRUE when it starts on a handle of this gizmo. */
gboolean       osp_plane_gizmo_drag_begin  (OspPlaneGizmo   *gizmo,
                                            double           x,
                                            double           y);
/* TRUE when the plane moved. */
gboolean       osp_plane_gizmo_drag_update (OspPlaneGizmo   *gizmo,
                                            double           x,
                                            double           y);
void           osp_plane_gizmo_drag_end    (OspPlaneGizmo   *gizmo);

G_END_DECLS
