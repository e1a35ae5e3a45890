/* osp-window.h — the main window: start page, model list, 3D view
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "osp-cut-panel.h"
#include "osp-implant-panel.h"
#include "osp-measure-panel.h"
#include "osp-mirror-panel.h"
#include "osp-model.h"
#include "osp-plan.h"
#include "osp-training-panel.h"
#include "osp-view-grid.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_WINDOW (osp_window_get_type ())
G_DECLARE_FINAL_TYPE (OspWindow, osp_window, OSP, WINDOW, AdwApplicationWindow)

OspWindow   *osp_window_new            (GtkApplication *application);

/* Opens meshes and CTs (files or DICOM folders), each in a background job.  A CT shows the
 * CT dialog once loaded; a failure shows which file and why. */
void         osp_window_open_files     (OspWindow      *self,
                                        GFile         **files,
                                        guint           n_files);
/* Builds the demo case (the phantom CT, segmented) in a background job. */
void         osp_window_open_demo      (OspWindow      *self);
/* Adds a model to the case and selects it. */
void         osp_window_add_model      (OspWindow      *self,
                                        OspModel       *model);

/* The plan shown (every edit of the window goes through its commands); it is replaced when
 * a plan is opened or the case closed. */
OspPlan     *osp_window_get_plan       (OspWindow      *self);
/* Saves the plan to `path` in the background, as Save As does after the file chooser (tests
 * wait for osp_window_get_n_jobs() to reach 0). */
void         osp_window_save_to_path   (OspWindow      *self,
                                        const char     *path);
/* Saves an anonymised copy (no patient name, ID, birth date or sex: osp_plan_save_full()) to
 * `path` in the background, as "Save Anonymised Copy…" does after its file chooser; the plan
 * keeps its own file and stays modified. */
void         osp_window_save_anonymised_copy (OspWindow *self,
                                              const char *path);
OspCutPanel *osp_window_get_cut_panel  (OspWindow      *self);
OspMirrorPanel *osp_window_get_mirror_panel (OspWindow *self);
OspImplantPanel *osp_window_get_implant_panel (OspWindow *self);
OspMeasurePanel *osp_window_get_measure_panel (OspWindow *self);
OspTrainingPanel *osp_window_get_training_panel (OspWindow *self);
/* The page of the side panel shown: "models", "implants", "measure" or "training". */
const char  *osp_window_get_sidebar_page (OspWindow    *self);

/* The models of the case (OspModel). */
GListModel  *osp_window_get_models     (OspWindow      *self);
/* The selection over the models, shared by the list and the viewport. */
GtkSingleSelection *osp_window_get_selection (OspWindow *self);
OspViewport *osp_window_get_viewport   (OspWindow      *self);
/* The 3D and slice views (osp-window-slices.c). */
OspViewGrid *osp_window_get_view_grid  (OspWindow      *self);
OspSliceGroup *osp_window_get_slice_group (OspWindow   *self);
/* Background jobs still running: loads, plans being opened or saved (tests wait for 0). */
guint        osp_window_get_n_jobs     (OspWindow      *self);
/* The last error shown to the user, or NULL. */
const char  *osp_window_get_last_error (OspWindow      *self);

G_END_DECLS
