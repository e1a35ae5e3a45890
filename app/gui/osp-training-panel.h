/* osp-training-panel.h — the guided side panel of training mode
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the nine steps of the course with check marks, the current step's instructions and
 * the instructor's note, and a "Next" button that is sensitive only when the step's check
 * passes (osp-training.h).  "Reset Case" builds the case again (the phantom with a tumour) in
 * a thread and emits "case-ready" with the new plan; the panel then follows that plan, and the
 * window shows it.  For instructors: "Edit Notes" edits the note of the step shown, and "Save
 * Course As…" writes the plan with its notes as a .osteoplan file for trainees.
 */
#pragma once

#include <adwaita.h>

#include "osp-plan.h"
#include "osp-training.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_TRAINING_PANEL (osp_training_panel_get_type ())
G_DECLARE_FINAL_TYPE (OspTrainingPanel, osp_training_panel, OSP, TRAINING_PANEL, GtkBox)

GtkWidget   *osp_training_panel_new          (void);

/* The plan the trainee works on (NULL: none); the course starts over at the first step. */
void         osp_training_panel_set_plan     (OspTrainingPanel *self,
                                              OspPlan          *plan);
OspPlan     *osp_training_panel_get_plan     (OspTrainingPanel *self);
OspTraining *osp_training_panel_get_training (OspTrainingPanel *self);

/* Watches the viewport's camera for the "Look" step (NULL: report it yourself with
 * osp_training_panel_report()). */
void         osp_training_panel_set_viewport (OspTrainingPanel *self,
                                              OspViewport      *viewport);
/* Events only the window sees: a view chosen (LOOK), a file exported (EXPORT). */
void         osp_training_panel_report       (OspTrainingPanel *self,
                                              OspTrainingStep   step);

/* The voxel size of the case "Reset Case" builds (default 1 mm; tests use coarser). */
void         osp_training_panel_set_case_voxel_mm (OspTrainingPanel *self,
                                                   double            voxel_mm);
/* Builds the case again in a thread; "case-ready" follows (or an error in the panel). */
void         osp_training_panel_reset_case   (OspTrainingPanel *self);
/* TRUE while a reset runs (tests wait for FALSE). */
gboolean     osp_training_panel_get_busy     (OspTrainingPanel *self);

/* Signals: "case-ready" (OspPlan *plan) after a reset. */

G_END_DECLS
