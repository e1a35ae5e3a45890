/* osp-segment.h — CT to bone model: isosurface, clean-up, smoothing, decimation
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"
#include "osp-volume.h"

G_BEGIN_DECLS

#define OSP_DEFAULT_BONE_THRESHOLD_HU 250

/* The isosurface of `volume` at `iso` HU (voxels ≥ iso are inside), in LPS millimetres, with
 * one shared vertex per cut edge, outward-facing triangles, and closed where the object
 * touches the volume's border (outside counts as air).  n_threads 0 = all cores; the result
 * is identical for any thread count.  Returns NULL only on cancellation or when memory
 * is short (with the error set). */
OspMesh *osp_isosurface_extract (const OspVolume        *volume,
                                 double                  iso,
                                 guint                   n_threads,
                                 const OspProgressRange *progress,
                                 GCancellable           *cancellable,
                                 GError                **error);

/* Keeps the `keep` largest connected pieces by triangle count (0 = all pieces), dropping any
 * piece smaller than min_fraction × the largest (0 = keep small pieces). */
OspMesh *osp_mesh_keep_largest  (const OspMesh *mesh,
                                 guint          keep,
                                 double         min_fraction);

/* Taubin λ|μ smoothing (volume-preserving, no shrinkage) for `iterations` rounds. */
OspMesh *osp_mesh_smooth_taubin (const OspMesh *mesh,
                                 guint          iterations,
                                 double         lambda,
                                 double         mu);

/* Decimates to at most target_triangles through meshoptimizer, keeping the mesh closed
 * (borders locked). */
OspMesh *osp_mesh_decimate      (const OspMesh *mesh,
                                 guint32        target_triangles);

typedef struct
{
  double  threshold_hu;    /* default OSP_DEFAULT_BONE_THRESHOLD_HU */
  guint   smooth_iterations;
  guint32 target_triangles; /* 0 = no decimation */
  guint   keep_pieces;      /* 0 = every piece ≥ min_piece_fraction of the largest */
  double  min_piece_fraction; /* default 0.01 */
  guint   n_threads;        /* 0 = all cores */
} OspSegmentOptions;

#define OSP_SEGMENT_OPTIONS_INIT { OSP_DEFAULT_BONE_THRESHOLD_HU, 0, 0, 0, 0.01, 0 }

/* Times of each stage, seconds, for reports. */
typedef struct
{
  double   extract_s, pieces_s, smooth_s, decimate_s;
  guint32  n_raw_triangles;
} OspSegmentStats;

/* The whole pipeline with progress 0–1 and cancellation. */
OspMesh *osp_segment_volume     (const OspVolume         *volume,
                                 const OspSegmentOptions *options,
                                 const OspProgressRange  *progress,
                                 GCancellable            *cancellable,
                                 OspSegmentStats         *out_stats,
                                 GError                 **error);

G_END_DECLS
