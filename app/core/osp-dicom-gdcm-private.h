/* osp-dicom-gdcm-private.h — GDCM behind a small C API
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * osp-dicom-gdcm.cpp is the only C++ in the project; nothing else sees GDCM.  These functions
 * read one file each, never throw, never print, and may run on several threads at once (each
 * call has its own reader).  Failures return FALSE with a short translated reason (without the
 * file name; the caller adds it) in *out_reason, to free with g_free.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the series logic needs from one file's header (everything before the pixel data). */
typedef struct
{
  char     *series_uid;          /* SeriesInstanceUID; NULL when absent */
  char     *series_description;  /* SeriesDescription, "" when absent */
  /* Who and when (osp-patient.h), "" when absent; personal data: never log them. */
  char     *patient_name;        /* PatientName (0010,0010) */
  char     *patient_id;          /* PatientID (0010,0020) */
  char     *birth_date;          /* PatientBirthDate (0010,0030) */
  char     *sex;                 /* PatientSex (0010,0040) */
  char     *study_date;          /* StudyDate (0008,0020) */
  char     *study_description;   /* StudyDescription (0008,1030) */
  char     *modality;            /* "CT", "MR", … "" when absent */
  char     *sop_class_uid;
  char     *transfer_syntax;
  gboolean  is_image;            /* has Rows and Columns (DICOMDIR, DIRFILE, SR have not) */
  guint32   rows;
  guint32   columns;
  guint32   n_frames;            /* NumberOfFrames, 1 when absent */
  guint     samples_per_pixel;
  gboolean  has_orientation;
  double    orientation[6];      /* ImageOrientationPatient: row direction, column direction */
  gboolean  has_spacing;
  double    pixel_spacing[2];    /* DICOM order: between rows, between columns (mm) */
  double    slice_thickness;     /* 0 when absent */
  /* ImagePositionPatient of each frame (per-frame functional groups for enhanced
   * multi-frame files), n_positions × 3 values; n_positions is 0 when the file has none. */
  double   *positions;
  guint     n_positions;
  double    slope;               /* RescaleSlope (1 when absent) */
  double    intercept;           /* RescaleIntercept (0 when absent) */
  /* Enhanced multi-frame files may rescale each frame differently (per-frame Pixel Value
   * Transformation): n_frames values each, or NULL when every frame uses slope/intercept. */
  double   *frame_slopes;
  double   *frame_intercepts;
  gboolean  monochrome1;         /* PhotometricInterpretation MONOCHROME1 (display only) */
  double    slice_spacing;       /* SpacingBetweenSlices, 0 when absent */
  gboolean  has_padding;
  gint32    padding_value;       /* PixelPaddingValue, as a stored value */
  gboolean  has_padding_limit;
  gint32    padding_limit;       /* PixelPaddingRangeLimit */
  gint32    instance_number;
  gint32    series_number;       /* SeriesNumber, groups files when the UID is missing */
  double    gantry_tilt;         /* GantryDetectorTilt, degrees (informative) */
  /* The image pixel module as the file gives it (-1 where absent), checked before any decoder
   * sees the pixels: GDCM asserts on values it does not expect. */
  gint32    bits_allocated;
  gint32    bits_stored;
  gint32    pixel_representation;
  char     *photometric;         /* PhotometricInterpretation, "" when absent */
  gboolean  encapsulated;        /* the transfer syntax compresses the pixel data */
  /* Why the pixels cannot be read, seen from the header alone (the file is shorter than the
   * image it promises), or NULL.  Such a file still belongs to its series. */
  char     *problem;
} OspDicomHeader;

/* Silences GDCM (warnings and errors would go to stderr) and loads its dictionaries.  Call
 * once on one thread before reading on several. */
void     osp_dicom_gdcm_init         (void);

/* Reads the header of one file (up to its pixel data).  FALSE when the file is no readable
 * DICOM.  As for the pixels, the file's structure must have been checked first. */
gboolean osp_dicom_gdcm_read_header  (const char           *path,
                                      OspDicomHeader       *out_header,
                                      char                **out_reason);
void     osp_dicom_header_clear      (OspDicomHeader       *header);

/* Decodes every frame of one file into Hounsfield units: stored values masked to BitsStored,
 * PixelPaddingValue (and its range) → −1000 HU, then RescaleSlope/Intercept from `header` (per
 * frame where it has them),
 * rounded and clamped into int16.  out_values holds rows × columns × n_frames values; the
 * image must have the size the header promised.  GDCM allocates by the element lengths it
 * reads: only files whose structure osp-dicom.c has checked (read_checked_header) may come
 * here. */
gboolean osp_dicom_gdcm_read_pixels  (const char           *path,
                                      const OspDicomHeader *header,
                                      gint16               *out_values,
                                      char                **out_reason);

/* How GDCM reads the data set under the transfer syntax `uid` (`length` bytes, the raw value
 * of (0002,0010)): FALSE when GDCM does not know the syntax (and then refuses the file). */
gboolean osp_dicom_gdcm_syntax       (const char           *uid,
                                      gsize                 length,
                                      gboolean             *out_explicit_vr,
                                      gboolean             *out_big_endian,
                                      gboolean             *out_deflated);

/* Whether an explicit VR `vr` (two bytes, one GDCM knows) suits the tag as GDCM's dictionary
 * defines it (private and unknown tags suit any).  GDCM asserts (aborts) when it reads an
 * attribute whose VR contradicts its dictionary. */
gboolean osp_dicom_gdcm_vr_fits      (guint16               group,
                                      guint16               element,
                                      const guint8         *vr);

G_END_DECLS
