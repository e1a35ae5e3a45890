/* osp-view-grid.h — the 3D view and the three slice views, in a switchable layout
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layouts ("layout" property, the GSettings key view-layout): "one" (the 3D view alone),
 * "four" (axial and 3D above, coronal and sagittal below) and "stacked" (the 3D view beside
 * the three slices stacked).  Without a CT only the 3D view is shown.  A double-click in a
 * slice view shows it alone until the next double-click.  Views that are not shown stay
 * realized, so switching never uploads the CT again.
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-slice-group.h"
#include "osp-slice-view.h"

G_BEGIN_DECLS

#define OSP_TYPE_VIEW_GRID (osp_view_grid_get_type ())
G_DECLARE_FINAL_TYPE (OspViewGrid, osp_view_grid, OSP, VIEW_GRID, GtkWidget)

/* main_view: the 3D view (its parent must be unset). */
GtkWidget    *osp_view_grid_new         (GtkWidget     *main_view,
                                         OspSliceGroup *group);
void          osp_view_grid_set_layout  (OspViewGrid   *self,
                                         const char    *layout);
const char   *osp_view_grid_get_layout  (OspViewGrid   *self);
OspSliceView *osp_view_grid_get_slice_view (OspViewGrid *self,
                                            OspSliceAxis axis);
/* Whether the slice views show now (a CT, and a layout that has them). */
gboolean      osp_view_grid_get_slices_shown (OspViewGrid *self);

G_END_DECLS
