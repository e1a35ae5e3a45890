/* osp-cut-panel.h — the Cut tool: planes, a live preview, and the undoable cut
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panel edits one or more planes for one model (each shown in the viewport with a gizmo,
 * osp-plane-gizmo.h), previews the cut in a thread (throttled, cancelled at every change: the
 * resected pieces red, the remaining bone ivory, the model itself hidden meanwhile) and applies
 * it through osp_plan_cut_model_async() as one undoable step "Cut NAME".  Planes are in world
 * coordinates; the resected region is where n·x ≤ d (+ margin) for every plane.
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-plan.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_CUT_PANEL (osp_cut_panel_get_type ())
G_DECLARE_FINAL_TYPE (OspCutPanel, osp_cut_panel, OSP, CUT_PANEL, GtkBox)

GtkWidget *osp_cut_panel_new            (void);

/* Starts cutting `model` of `plan`, shown in `viewport`: one axial plane through the middle
 * of the model.  Preconditions: all non-NULL, the plan holds the model. */
void       osp_cut_panel_start          (OspCutPanel    *self,
                                         OspPlan        *plan,
                                         OspViewport    *viewport,
                                         OspModel       *model);
/* Ends without cutting (Cancel): the planes and the preview go, the model shows again.
 * Emits "finished" (FALSE) when it was active. */
void       osp_cut_panel_stop           (OspCutPanel    *self);
/* A report of the margins to the tumour under the status (Pango markup; NULL hides it).
 * "planes-changed" tells when the planes moved (also while dragged) or went. */
void       osp_cut_panel_set_margin_report (OspCutPanel *self,
                                            const char  *markup);
gboolean   osp_cut_panel_get_active     (OspCutPanel    *self);

/* Replaces the planes (1 to OSP_CUT_MAX_PLANES, world coordinates, normals non-zero). */
void       osp_cut_panel_set_planes     (OspCutPanel    *self,
                                         const OspPlane *planes,
                                         guint           n_planes);
/* Copies up to max_planes planes to out_planes; returns how many there are. */
guint      osp_cut_panel_get_planes     (OspCutPanel    *self,
                                         OspPlane       *out_planes,
                                         guint           max_planes);
/* Draws the squares of the planes whose `warnings` entry is TRUE in red in 3D (their margin
 * to the tumour is below the target); planes past n_planes in their own colour. */
void       osp_cut_panel_set_plane_warnings (OspCutPanel *self,
                                             const gboolean *warnings,
                                             guint        n_planes);
void       osp_cut_panel_set_margin     (OspCutPanel    *self,
                                         double          margin_mm);
/* The safety margin: every plane is moved out by it when the cut is made (mm). */
double     osp_cut_panel_get_margin     (OspCutPanel    *self);

/* Applies the cut (in a thread); "finished" (TRUE) follows when done, or the panel shows the
 * error and stays open. */
void       osp_cut_panel_apply          (OspCutPanel    *self);
/* TRUE while a preview or the cut itself runs (tests wait for FALSE). */
gboolean   osp_cut_panel_get_busy       (OspCutPanel    *self);
/* Pieces of the last preview: inside (resected) or outside (remaining). */
guint      osp_cut_panel_get_n_preview_pieces (OspCutPanel *self,
                                               gboolean     inside);
/* The last error shown, or NULL. */
const char *osp_cut_panel_get_last_error (OspCutPanel   *self);

G_END_DECLS
