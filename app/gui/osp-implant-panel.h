/* osp-implant-panel.h — the Implants tool: library, parameters, placing, screws, fit
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A form for the parametric implants of osp-implant.h (screw, plate, cup, block from the
 * template, any STL/OBJ/PLY file), validated live; "Add" places a new implant model and
 * "Apply" regenerates the selected one (each one undo step).  Numeric position and angles,
 * snapping to the bone at a picked point (aligned to its normal), screws planned from an entry
 * and a target picked on the bone (proposed length, warnings), and the fit: a signed distance
 * map computed in a GTask, shown as vertex colours with a legend in mm, its statistics and
 * collisions with other implants.
 *
 * Every change goes through the plan's commands.  Put in an OspWindow, the panel follows the
 * window's plan, selection and viewport by itself; elsewhere (tests) call
 * osp_implant_panel_set_context().
 *
 * Actions (buttons, keyboard, tests): "implant.add", "implant.apply", "implant.move",
 * "implant.plan-screw", "implant.fit", "implant.cancel".
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-fit.h"
#include "osp-implant.h"
#include "osp-plan.h"
#include "osp-transform-gizmo.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_IMPLANT_PANEL (osp_implant_panel_get_type ())
G_DECLARE_FINAL_TYPE (OspImplantPanel, osp_implant_panel, OSP, IMPLANT_PANEL, GtkBox)

GtkWidget  *osp_implant_panel_new          (void);

/* The plan to edit, the selection over its models and the view (may be NULL: no picking, no
 * colour map).  plan NULL detaches. */
void        osp_implant_panel_set_context  (OspImplantPanel    *self,
                                            OspPlan            *plan,
                                            GtkSingleSelection *selection,
                                            OspViewport        *viewport);

/* The form: the kind, and a parameter by its field name ("diameter", "length", "head_diameter",
 * "head_height", "thread_pitch", "width", "thickness", "n_holes", "hole_diameter", "spacing",
 * "wall", "flange_diameter", "flange_thickness", "offset"), as the spin buttons hold them.
 * Set returns FALSE for an unknown name. */
void        osp_implant_panel_set_kind     (OspImplantPanel    *self,
                                            OspImplantKind      kind);
gboolean    osp_implant_panel_set_value    (OspImplantPanel    *self,
                                            const char         *field,
                                            double              value);
/* The file a custom implant is read from (the Choose File… button sets it). */
void        osp_implant_panel_set_custom_path (OspImplantPanel *self,
                                               const char      *path);
/* Entry and target of the screw planner, world mm (picking sets them). */
void        osp_implant_panel_set_screw_points (OspImplantPanel *self,
                                                const float     *entry,
                                                const float     *target);

/* TRUE while a block is generated or the fit computed (tests wait for FALSE). */
/* A contoured plate's path: points picked on the bone (world mm) and the bone's outward
 * normals there (NULL: +z), in order; a plate added with two or more follows them. */
void        osp_implant_panel_add_plate_path_point (OspImplantPanel *self,
                                                    const float     *point,
                                                    const float     *normal);
void        osp_implant_panel_clear_plate_path (OspImplantPanel   *self);
/* A point picked on the acetabulum (world mm): the sphere is refitted, the cup size proposed. */
void        osp_implant_panel_add_cup_point (OspImplantPanel    *self,
                                             const float        *point);
/* The cup text: sphere, angles and frame, cover and medial wall. */
const char *osp_implant_panel_get_cup_text (OspImplantPanel    *self);
/* The cup angles of the form (radiographic inclination and anteversion, degrees). */
void        osp_implant_panel_set_cup_angles (OspImplantPanel  *self,
                                              double            inclination,
                                              double            anteversion);
/* The move/turn gizmo on the selected implant while the panel is on screen, or NULL. */
OspTransformGizmo *osp_implant_panel_get_gizmo (OspImplantPanel *self);
gboolean    osp_implant_panel_get_busy     (OspImplantPanel    *self);
/* The texts shown: form validation / last error, the trajectory, the fit. */
const char *osp_implant_panel_get_status   (OspImplantPanel    *self);
const char *osp_implant_panel_get_trajectory_text (OspImplantPanel *self);
const char *osp_implant_panel_get_fit_text (OspImplantPanel    *self);
/* The statistics of the last fit; FALSE before any. */
gboolean    osp_implant_panel_get_fit_stats (OspImplantPanel   *self,
                                             OspFitStats       *out_stats);

G_END_DECLS
