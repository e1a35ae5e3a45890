/* osp-ct-dialog.h — from a CT to a bone model: series, threshold, smoothing, extraction
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shown once a CT is loaded: the series to use (when the folder holds several), a histogram
 * of the HU values with the bone threshold as a draggable marker, smoothing and the target
 * triangle count.  "Extract Bone" runs the segmentation in a background job with a progress
 * bar and Cancel; the dialog emits "model-ready" with the mesh and a name, then closes.
 */
#pragma once

#include <adwaita.h>

#include "osp-volume.h"

G_BEGIN_DECLS

#define OSP_TYPE_CT_DIALOG (osp_ct_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OspCtDialog, osp_ct_dialog, OSP, CT_DIALOG, AdwWindow)

/* path: the file or folder the CT came from; series: OspDicomSeriesInfo* of the folder (NULL
 * for a single file), with series_index the one loaded (-1 = the default, the first);
 * histogram: the volume's counts as an OSP_JOB_LOAD_VOLUME job computes them (osp-jobs.h), or
 * NULL to compute them here. */
OspCtDialog *osp_ct_dialog_new           (GtkWindow     *parent,
                                          const char    *path,
                                          OspVolume     *volume,
                                          GPtrArray     *series,
                                          int            series_index,
                                          const guint64 *histogram);
/* The threshold in HU (the histogram's marker). */
double       osp_ct_dialog_get_threshold (OspCtDialog *self);
void         osp_ct_dialog_set_threshold (OspCtDialog *self,
                                          double       threshold_hu);
/* The threshold's adjustment ("value-changed" while the surgeon moves it) and the volume
 * shown (it changes when another series is picked). */
GtkAdjustment *osp_ct_dialog_get_threshold_adjustment (OspCtDialog *self);
OspVolume    *osp_ct_dialog_get_volume   (OspCtDialog *self);
/* Starts the extraction as the "Extract Bone" button does. */
void         osp_ct_dialog_extract       (OspCtDialog *self);

G_END_DECLS
