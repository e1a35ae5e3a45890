/* osp-mirror-panel.h — the Mirror tool: the midsagittal plane, the template, its fit
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For one bone model: "Estimate Midsagittal Plane" runs osp_symmetry_estimate() in a thread
 * (progress, Cancel) and shows the plane with a gizmo to adjust it and the residual; "Mirror"
 * adds the mirrored bone as a template model (undoable, osp_plan_mirror_model()); "Register to
 * Remaining Bone" fits the template to the bone by ICP away from the cut planes (a thread) and
 * applies the transform as an undoable command, then colours the template by its signed
 * distance to the bone (osp_mesh_deviation()) with a legend in mm.
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-plan.h"
#include "osp-symmetry.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_MIRROR_PANEL (osp_mirror_panel_get_type ())
G_DECLARE_FINAL_TYPE (OspMirrorPanel, osp_mirror_panel, OSP, MIRROR_PANEL, GtkBox)

GtkWidget  *osp_mirror_panel_new             (void);

/* Starts with `model` (the bone) of `plan`, shown in `viewport`.  Preconditions: all
 * non-NULL. */
void        osp_mirror_panel_start           (OspMirrorPanel *self,
                                              OspPlan        *plan,
                                              OspViewport    *viewport,
                                              OspModel       *model);
/* Closes the tool (the template, if made, stays in the plan).  Emits "finished". */
void        osp_mirror_panel_stop            (OspMirrorPanel *self);
gboolean    osp_mirror_panel_get_active      (OspMirrorPanel *self);

/* The steps, as the buttons run them.  Each long one runs in a thread: wait for
 * osp_mirror_panel_get_busy() to be FALSE. */
void        osp_mirror_panel_estimate        (OspMirrorPanel *self);
void        osp_mirror_panel_mirror          (OspMirrorPanel *self);
void        osp_mirror_panel_register        (OspMirrorPanel *self);
gboolean    osp_mirror_panel_get_busy        (OspMirrorPanel *self);
/* The status line under the plane (what is running, what was found, what to do next). */
const char *osp_mirror_panel_get_status      (OspMirrorPanel *self);

/* The plane (estimated or adjusted); FALSE before an estimate. */
gboolean    osp_mirror_panel_get_plane       (OspMirrorPanel *self,
                                              OspPlane       *out_plane,
                                              OspResidual    *out_residual);
/* The template made by Mirror, or NULL (owned by the plan). */
OspModel   *osp_mirror_panel_get_template    (OspMirrorPanel *self);
/* The last deviation map's statistics; FALSE before one. */
gboolean    osp_mirror_panel_get_deviation   (OspMirrorPanel *self,
                                              OspResidual    *out_stats);
const char *osp_mirror_panel_get_last_error  (OspMirrorPanel *self);
/* The warning of a doubtful registration waiting for a choice, or NULL. */
const char *osp_mirror_panel_get_doubt       (OspMirrorPanel *self);
/* The choice the warning bar offers: keep the registered pose or the plane mirror. */
void        osp_mirror_panel_keep            (OspMirrorPanel *self,
                                              gboolean        registered);

G_END_DECLS
