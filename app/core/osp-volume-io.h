/* osp-volume-io.h — reading CT volumes: NIfTI files and DICOM series
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every reader returns an OspVolume in Hounsfield units and LPS patient coordinates (see
 * osp-volume.h).  What a reader did that the user should know (resampled a tilted series,
 * skipped a slice, took the first of several volumes) is added as a note on the volume.
 * Readers never crash on bad input and fail with a GError naming the file and the problem.
 */
#pragma once

#include <gio/gio.h>

#include "osp-progress.h"
#include "osp-volume.h"

G_BEGIN_DECLS

/* One DICOM series found in a folder. */
typedef struct
{
  char    *series_uid;   /* "" when the files have none (anonymised) */
  char    *description;  /* SeriesDescription, may be empty */
  char    *modality;     /* "CT", "MR", … may be empty */
  guint    n_slices;     /* images (frames of multi-frame files count one each) */
  double   spacing[3];   /* mm along a row (i), down a column (j), and the median step
                          * between slice positions along the slice normal (0 for one slice) */
  guint32  rows, columns;
} OspDicomSeriesInfo;

void osp_dicom_series_info_free (OspDicomSeriesInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspDicomSeriesInfo, osp_dicom_series_info_free)

/* Scans a folder recursively for DICOM files (skipping DICOMDIR, DIRFILE and non-DICOM
 * files) and groups them into series (by SeriesInstanceUID, or by series number, description
 * and image size where the UID is missing).  Reads headers only.  Returns a GPtrArray of
 * OspDicomSeriesInfo*, sorted with the default series first (CT series before others, then by
 * slice count); an empty array when there is no image. */
GPtrArray *osp_dicom_scan_folder (const char        *folder,
                                  GCancellable      *cancellable,
                                  GError           **error);

/* Options for osp_volume_load(). */
typedef struct
{
  int series_index;    /* DICOM: index into osp_dicom_scan_folder()'s list; -1 = default */
} OspVolumeLoadOptions;

#define OSP_VOLUME_LOAD_OPTIONS_INIT { -1 }

/* Loads a CT: a DICOM folder, a single DICOM file's series (the files beside it), or a NIfTI
 * file (.nii, .nii.gz, .hdr/.img), detected from the content.  options may be NULL.
 *
 * DICOM slices are sorted by ImagePositionPatient along the slice normal and decoded on every
 * core, each rescaled by its own RescaleSlope/Intercept (per frame in enhanced files); the
 * volume's axes are the row and column directions and the normal (right-handed).  A gantry tilt
 * or uneven slice steps are resampled (trilinear) onto a regular grid with a note, missing
 * slices (a gap) are named; a few unreadable slices are skipped with a note; more fail naming
 * the file.  A slice without a position is left out with a note (when none has one, the slices
 * are stacked by InstanceNumber).  NIfTI voxel
 * (i, j, k) is volume voxel (i, j, k), placed by the sform (else qform, else pixdim) turned from
 * RAS into LPS, so a NIfTI volume may be left-handed (det of the direction matrix < 0).  Runs
 * on any thread; progress may be reported from worker threads, never decreasing. */
OspVolume *osp_volume_load       (const char                 *path,
                                  const OspVolumeLoadOptions *options,
                                  const OspProgressRange     *progress,
                                  GCancellable               *cancellable,
                                  GError                    **error);

/* Writes a NIfTI-1 file (.nii or .nii.gz by the name) atomically: int16 voxels, qform and
 * sform from the volume's geometry (converted to NIfTI's RAS), the description in descrip. */
gboolean   osp_volume_save_nifti (const OspVolume            *volume,
                                  const char                 *path,
                                  GError                    **error);

G_END_DECLS
