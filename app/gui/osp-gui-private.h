/* osp-gui-private.h — what the GUI's modules share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* The base of the GResource bundle (resources/osteoplan.gresource.xml); GtkApplication also
 * finds gtk/help-overlay.ui, style.css and the icons under it. */
#define OSP_RESOURCE_PATH "/io/github/osteoplan/Osteoplan"

#include <cglm/cglm.h>
#include <gtk/gtk.h>

#include "osp-mesh.h"

/* Handles of the 3D view (osp-gizmo.c).  Meshes are built into GArrays of float positions
 * and guint32 indices, then moved by a frame. */
void     osp_gizmo_add_box      (GArray *positions,
                                 GArray *indices,
                                 float   x0, float y0, float z0,
                                 float   x1, float y1, float z1);
/* A torus of `radius` and tube `thickness` around axis 0, 1 or 2 through the origin. */
void     osp_gizmo_add_ring     (GArray *positions,
                                 GArray *indices,
                                 float   radius,
                                 float   thickness,
                                 int     axis);
/* The mesh of positions and indices (both freed) moved by `frame`. */
OspMesh *osp_gizmo_finish_mesh  (GArray *positions,
                                 GArray *indices,
                                 mat4    frame);
/* Turns v about the unit axis by angle (radians; Rodrigues). */
void     osp_gizmo_rotate_about (const vec3 axis,
                                 float      angle,
                                 vec3       v);

/* The mouse wheel over the spin buttons and sliders under `root`, made now or later, scrolls
 * their scrolled window instead of changing their value, unless they have the focus
 * (osp-scroll-guard.c). */
void     osp_scroll_guard_spin_buttons (GtkWidget *root);

/* A ball of radius r at a point, a rod of radius r from a to b (NULL when they coincide):
 * markers for picked points, landmarks and measurements (osp-markers.c). */
OspMesh *osp_marker_make_ball (const float *center,
                               double       r);
OspMesh *osp_marker_make_rod  (const float *a,
                               const float *b,
                               double       r);
/* Draws `text` on a dark plate with its bottom-left corner at (x, y), moved down below the
 * plates already in `placed` (GdkRectangle) that it would cover, and adds its plate there:
 * the labels of the 3D and slice views. */
void     osp_label_draw       (GtkWidget   *widget,
                               cairo_t     *cr,
                               GArray      *placed,
                               double       x,
                               double       y,
                               const char  *text);
