/* osp-guide-panel.h — the Guide tool: an osteotomy guide for the plan's cut planes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The side panel's Guide page: the bone model, the plan's cut planes to guide (ticked), the
 * parameters in mm (osp-guide.h) and a label.  "Make Guide" builds the guide with
 * osp_guide_make() in a thread (progress, Cancel) and then adds it to the plan on the main
 * thread as one undoable step that records the {"op": "guide"} operation (so a saved plan
 * replays it).  The report (direction, contact area, slots, pins, checks) is shown in words,
 * its warnings in a warning bar; a failure is shown in plain words and adds nothing.
 *
 * "Preview while editing" (on by default): while the page is shown, every change of the form
 * makes a draft on a grid no finer than 0.5 mm in a thread once the form has rested for
 * 0.4 s (a newer change cancels it), shown in the 3D view as a translucent overlay with its
 * report; the plan is not changed.  Make Guide replaces the draft.
 *
 * Put in an OspWindow, the panel follows the window's plan; elsewhere (tests) call
 * osp_guide_panel_set_context().
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-plan.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_GUIDE_PANEL (osp_guide_panel_get_type ())
G_DECLARE_FINAL_TYPE (OspGuidePanel, osp_guide_panel, OSP, GUIDE_PANEL, GtkBox)

GtkWidget  *osp_guide_panel_new             (void);

/* The plan (NULL detaches), the selection over its models (the bone offered first; may
 * be NULL) and the 3D view that shows the live preview (may be NULL: no preview). */
void        osp_guide_panel_set_context     (OspGuidePanel      *self,
                                             OspPlan            *plan,
                                             GtkSingleSelection *selection,
                                             OspViewport        *viewport);

/* The form, as a user fills it: the bone by name (FALSE when not offered), a plane ticked or
 * not (FALSE when not listed), a parameter by its operation key ("width", "gap", "thickness",
 * "blade", "clearance", "slot_height", "slot_wall", "overrun", "pins", "pin_diameter",
 * "voxel"; FALSE for another key), the label. */
gboolean    osp_guide_panel_set_bone        (OspGuidePanel      *self,
                                             const char         *name);
gboolean    osp_guide_panel_set_plane_active (OspGuidePanel     *self,
                                              const char        *name,
                                              gboolean           active);
gboolean    osp_guide_panel_set_value       (OspGuidePanel      *self,
                                             const char         *key,
                                             double              value);
void        osp_guide_panel_set_label       (OspGuidePanel      *self,
                                             const char         *label);
void        osp_guide_panel_set_preview_enabled (OspGuidePanel  *self,
                                                 gboolean        enabled);

/* What "Make Guide" does; the work runs in a thread: wait for osp_guide_panel_get_busy() to
 * be FALSE.  osp_guide_panel_cancel() is the Cancel button. */
void        osp_guide_panel_make            (OspGuidePanel      *self);
void        osp_guide_panel_cancel          (OspGuidePanel      *self);
gboolean    osp_guide_panel_get_busy        (OspGuidePanel      *self);

/* TRUE while a draft is due or being made (tests wait for FALSE); the draft shown, NULL when
 * none. */
gboolean    osp_guide_panel_get_previewing  (OspGuidePanel      *self);
OspMesh    *osp_guide_panel_get_preview     (OspGuidePanel      *self);

/* The last guide made (owned by the plan; NULL before one or after a failure), the last
 * error shown (NULL after a success), the report and the warnings shown. */
OspModel   *osp_guide_panel_get_guide       (OspGuidePanel      *self);
const char *osp_guide_panel_get_last_error  (OspGuidePanel      *self);
const char *osp_guide_panel_get_report_text (OspGuidePanel      *self);
const char *osp_guide_panel_get_warning_text (OspGuidePanel     *self);

G_END_DECLS
