/* osp-volume.h — CT volumes in Hounsfield units
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A regular grid of int16 voxels (Hounsfield units), stored x fastest, then y, then z:
 * voxel (i, j, k) is data[i + dims[0] * (j + dims[1] * k)].
 *
 * Every voxel has a position in patient coordinates (LPS, millimetres, as DICOM defines them):
 *
 *   p = origin + i·spacing[0]·axis_i + j·spacing[1]·axis_j + k·spacing[2]·axis_k
 *
 * where axis_a = (direction[3a], direction[3a+1], direction[3a+2]) are unit vectors (the
 * direction cosines; axis_i and axis_j are DICOM's ImageOrientationPatient row and column
 * directions).  Voxel values sample the voxel centres.
 *
 * Ref-counted; use g_autoptr(OspVolume).  The voxels may be written while the volume is being
 * made (by a loader or generator); once handed on, treat it as immutable.
 */
#pragma once

#include <glib.h>
#include <cglm/cglm.h>

G_BEGIN_DECLS

typedef struct _OspVolume OspVolume;

#define OSP_HU_AIR (-1000)

/* Allocates a volume of air (-1000 HU).  Fails with OSP_ERROR_TOO_LARGE when the voxels would
 * not fit in memory (osp_memory_check) or a dimension is zero.  direction may be NULL
 * (identity); spacing values must be > 0 and finite.  display_name names the source in
 * messages and may be NULL. */
OspVolume    *osp_volume_new               (const guint32  dims[3],
                                            const double   spacing[3],
                                            const double   origin[3],
                                            const double  *direction,
                                            const char    *display_name,
                                            GError       **error);
/* As osp_volume_new, but the voxels are left unset: for a reader that writes every one of
 * them before the volume is seen (it saves a pass over the whole volume). */
OspVolume    *osp_volume_new_unfilled      (const guint32  dims[3],
                                            const double   spacing[3],
                                            const double   origin[3],
                                            const double  *direction,
                                            const char    *display_name,
                                            GError       **error);
OspVolume    *osp_volume_ref               (OspVolume     *volume);
void          osp_volume_unref             (OspVolume     *volume);

void          osp_volume_get_dims          (const OspVolume *volume,
                                            guint32          out_dims[3]);
guint64       osp_volume_get_n_voxels      (const OspVolume *volume);
void          osp_volume_get_spacing       (const OspVolume *volume,
                                            double           out_spacing[3]);
void          osp_volume_get_origin        (const OspVolume *volume,
                                            double           out_origin[3]);
/* 9 values, axis_i then axis_j then axis_k. */
void          osp_volume_get_direction     (const OspVolume *volume,
                                            double           out_direction[9]);
const gint16 *osp_volume_get_data          (const OspVolume *volume);
gint16       *osp_volume_get_data_mutable  (OspVolume       *volume);
/* A number naming these voxels, unique in the process: osp_volume_get_data_mutable() gives
 * the volume a new one, so two equal ids mean the same, unchanged voxels (a save copies the
 * compressed voxels it wrote before instead of compressing them again). */
guint64       osp_volume_get_content_id    (const OspVolume *volume);

/* Continuous index → LPS millimetres. */
void          osp_volume_index_to_lps      (const OspVolume *volume,
                                            const double     ijk[3],
                                            double           out_lps[3]);
/* The same as a matrix (column-major, cglm) that maps (i, j, k, 1) to (x, y, z, 1). */
void          osp_volume_get_index_to_lps  (const OspVolume *volume,
                                            mat4             out_matrix);

/* A short name for the orientation: the plane of the slices (the i–j plane) and where each
 * index axis points, in DICOM's letters (L/R, P/A, S/I), e.g. "axial LPS" for a DICOM axial
 * series, "axial RAS" for a typical NIfTI, "oblique coronal LSP" when the slices are more
 * than 1° off the plane.  Free with g_free. */
char         *osp_volume_get_orientation_name (const OspVolume *volume);

/* Smallest and largest voxel value. */
void          osp_volume_get_range         (const OspVolume *volume,
                                            gint16          *out_min,
                                            gint16          *out_max);
/* Counts voxels per HU bin: bin b covers [min_hu + b·width, min_hu + (b+1)·width); values
 * outside go to the first or last bin.  out_counts: n_bins values. */
void          osp_volume_histogram         (const OspVolume *volume,
                                            int              min_hu,
                                            int              bin_width,
                                            guint            n_bins,
                                            guint64         *out_counts);

/* A free text (series description, source), may be NULL. */
const char   *osp_volume_get_description   (const OspVolume *volume);
void          osp_volume_set_description   (OspVolume       *volume,
                                            const char      *description);
/* Who the CT shows (osp-patient.h), or NULL when the source does not say.  Owned by the
 * volume; set copies (NULL clears).  Set it while making the volume only. */
typedef struct _OspPatient OspPatient;
const OspPatient *osp_volume_get_patient   (const OspVolume *volume);
void          osp_volume_set_patient       (OspVolume       *volume,
                                            const OspPatient *patient);
/* Things a loader did that the user should know (resampled a tilted series, skipped a corrupt
 * slice, loaded only the first of several volumes…), translated, in order. */
void          osp_volume_add_note          (OspVolume       *volume,
                                            const char      *note);
const char *const *osp_volume_get_notes    (const OspVolume *volume,
                                            guint           *out_n_notes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspVolume, osp_volume_unref)

G_END_DECLS
