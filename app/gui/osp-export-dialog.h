/* osp-export-dialog.h — check, repair and export models for the 3D printer
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A modal window over the main window: the models with a check box each (name, role, triangle
 * count, verdict), the file format (3MF by default; STL per model or merged; OBJ; PLY), the
 * printer (or a custom build volume) and the minimum wall thickness.  The print-readiness check
 * (osp-print-check.h) of the checked models runs in the background as soon as the dialog opens
 * and again when the printer or the limit changes; each model expands to its report.
 * "Repair…" runs osp_mesh_repair() in the background and shows what it did; the model keeps
 * its mesh until "Use Repaired" (through a plan command when the models are an OspPlan).
 * "Export…" asks for a file and writes it in the background, atomically.
 *
 * Signals: "exported" (const char *path) after each successful export, with the path chosen.
 */
#pragma once

#include <adwaita.h>

#include "osp-export.h"
#include "osp-print-check.h"

G_BEGIN_DECLS

#define OSP_TYPE_EXPORT_DIALOG (osp_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OspExportDialog, osp_export_dialog, OSP, EXPORT_DIALOG, AdwWindow)

/* models: a GListModel of OspModel (an OspPlan, the window's list), read once when the dialog
 * opens; every model starts checked.  case_name (may be NULL) names the suggested file.
 * Precondition: models non-NULL. */
OspExportDialog *osp_export_dialog_new          (GtkWindow        *parent,
                                                 GListModel       *models,
                                                 const char       *case_name);

guint            osp_export_dialog_get_n_models (OspExportDialog  *self);
/* TRUE while a check, a repair or an export runs (tests wait for FALSE). */
gboolean         osp_export_dialog_get_busy     (OspExportDialog  *self);
/* Whether model `index` is to be checked and exported.  Precondition: index < n_models. */
void             osp_export_dialog_set_model_checked (OspExportDialog *self,
                                                      guint            index,
                                                      gboolean         checked);
/* Model `index`'s verdict; FALSE when it has none yet (unchecked, checking, failed). */
gboolean         osp_export_dialog_get_verdict  (OspExportDialog  *self,
                                                 guint             index,
                                                 OspPrintVerdict  *out_verdict);
/* Starts the repair of model `index`, as its "Repair…" button does. */
void             osp_export_dialog_repair       (OspExportDialog  *self,
                                                 guint             index);
/* What the finished repair of model `index` did ("filled 1 hole, largest 4 edges"), or NULL
 * when none is waiting for "Use Repaired". */
const char      *osp_export_dialog_get_repair_summary (OspExportDialog *self,
                                                       guint            index);
/* Gives model `index` its repaired mesh, as "Use Repaired" does, and checks it again. */
void             osp_export_dialog_use_repaired (OspExportDialog  *self,
                                                 guint             index);
/* The format choice (merge: one file for all models; 3MF ignores it). */
void             osp_export_dialog_set_format   (OspExportDialog  *self,
                                                 OspExportFormat   format,
                                                 gboolean          merge);
/* Chooses a printer by id or name (osp_printer_lookup()); FALSE when unknown. */
gboolean         osp_export_dialog_set_printer  (OspExportDialog  *self,
                                                 const char       *id_or_name);
void             osp_export_dialog_set_min_wall (OspExportDialog  *self,
                                                 double            min_wall_mm);
/* Exports the checked models to `path` in the background, as "Export…" does once a file is
 * chosen (no confirmation asked). */
void             osp_export_dialog_export_to    (OspExportDialog  *self,
                                                 const char       *path);
/* Stops what runs, as the progress bar's Cancel does: the export or repair if one runs,
 * else the check (which then waits for a change of settings or of the checked models). */
void             osp_export_dialog_cancel       (OspExportDialog  *self);
/* The last toast's text ("Exported 3 models to pelvis.3mf") and the last error shown, or
 * NULL. */
const char      *osp_export_dialog_get_last_message (OspExportDialog *self);
const char      *osp_export_dialog_get_last_error   (OspExportDialog *self);

G_END_DECLS
