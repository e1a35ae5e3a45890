/* osp-measure-panel.h — the Measure tool: landmarks, distances, angles, volumes, CSV
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Landmarks (named, picked on a surface or typed in), measurements of the plan (osp-measure.h:
 * point–point and point–plane distances, angles of three landmarks or two planes, volume and
 * area of a model) listed with their values, refreshed at every change of the plan; each can
 * be deleted (undoable); "Export CSV…" writes them all.
 *
 * Put in an OspWindow, the panel follows the window's plan, selection and viewport by itself;
 * elsewhere (tests) call osp_measure_panel_set_context().
 *
 * Actions: "measure.add-landmark", "measure.add", "measure.add-model", "measure.export",
 * "measure.delete" (string: the landmark's or measurement's name).
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-measure.h"
#include "osp-plan.h"
#include "osp-viewport.h"

G_BEGIN_DECLS

#define OSP_TYPE_MEASURE_PANEL (osp_measure_panel_get_type ())
G_DECLARE_FINAL_TYPE (OspMeasurePanel, osp_measure_panel, OSP, MEASURE_PANEL, GtkBox)

GtkWidget  *osp_measure_panel_new           (void);

/* The plan, the selection over its models (volume and area of the selected one) and the view
 * (picking; may be NULL).  plan NULL detaches. */
void        osp_measure_panel_set_context   (OspMeasurePanel    *self,
                                             OspPlan            *plan,
                                             GtkSingleSelection *selection,
                                             OspViewport        *viewport);

/* The form, as a user fills it: the landmark's name and position; the measurement's name,
 * kind and references (NULL leaves one as it is). */
void        osp_measure_panel_set_landmark  (OspMeasurePanel    *self,
                                             const char         *name,
                                             const float        *position);
void        osp_measure_panel_set_measurement (OspMeasurePanel  *self,
                                               const char       *name,
                                               OspMeasureKind    kind,
                                               const char       *ref0,
                                               const char       *ref1,
                                               const char       *ref2);

/* Rows listed (landmarks, then measurements), and the value text shown for a name ("12.50 mm"),
 * or NULL when not listed. */
guint       osp_measure_panel_get_n_rows    (OspMeasurePanel    *self);
const char *osp_measure_panel_get_value_text (OspMeasurePanel   *self,
                                              const char        *name);
/* What the export button does after its file chooser. */
gboolean    osp_measure_panel_export        (OspMeasurePanel    *self,
                                             const char         *path,
                                             GError            **error);
/* The last message shown (an error, or what was done). */
const char *osp_measure_panel_get_status    (OspMeasurePanel    *self);

G_END_DECLS
