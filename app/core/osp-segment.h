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

/* The isosurface of `volume` at `iso` HU (voxels ≥ iso are inside), in LPS millimetres:
 * marching cubes (the same triangles as vtkFlyingEdges3D: inside corners of an ambiguous face
 * stay apart), one shared vertex per cut edge, outward-facing triangles, a closed 2-manifold
 * that closes where the object touches the volume's border (outside counts as air).  A
 * vertex never sits exactly on a voxel centre (it is kept 1/256 of the edge away), so no two
 * vertices coincide.  n_threads 0 = all cores; the result is identical for any thread
 * count.  Memory: the mesh and 40 bytes per row of voxels, nothing per voxel.  Returns NULL
 * only on cancellation (G_IO_ERROR_CANCELLED) or when memory is short or the surface would
 * exceed OSP_MESH_MAX_ELEMENTS (OSP_ERROR_TOO_LARGE).  Precondition: iso is finite. */
OspMesh *osp_isosurface_extract (const OspVolume        *volume,
                                 double                  iso,
                                 guint                   n_threads,
                                 const OspProgressRange *progress,
                                 GCancellable           *cancellable,
                                 GError                **error);

/* Keeps the `keep` largest connected pieces by triangle count (0 = all pieces), dropping any
 * piece smaller than min_fraction × the largest (0 = keep small pieces).  Pieces are joined
 * through shared vertices (the same as through edges on an extracted surface, which is a
 * 2-manifold).  Equal sizes rank in the order of their first triangle.  Precondition:
 * min_fraction in [0, 1]. */
OspMesh *osp_mesh_keep_largest  (const OspMesh *mesh,
                                 guint          keep,
                                 double         min_fraction);

/* Taubin λ|μ smoothing (uniform weights; shrinks the volume by well under 1 %) for
 * `iterations` rounds, on all cores; the result does not depend on their number.  Same
 * triangles, moved vertices.  Preconditions: lambda > 0, mu < −lambda (typically 0.5 and
 * −0.53). */
OspMesh *osp_mesh_smooth_taubin (const OspMesh *mesh,
                                 guint          iterations,
                                 double         lambda,
                                 double         mu);

/* Decimates to at most target_triangles through meshoptimizer (meshopt_simplify, borders
 * locked), unused vertices dropped.  A closed mesh stays closed: meshoptimizer does not keep
 * the surface a manifold, so zero-volume fins are dropped, pinches (two sheets collapsed onto
 * one edge or vertex) are cut apart into sheets that touch, and where that is not enough the
 * triangles around the spot are locked and the pass is done again.  A thin bridge can be
 * collapsed, which splits a piece.  If the surface cannot be kept closed, returns a new
 * reference to `mesh`; so it does when `mesh` is small enough already.  From 200 000
 * triangles on, the two halves of the mesh (across its longest side) are decimated on two
 * threads, their common border kept, and a pass done again redoes only the half it concerns.
 * Precondition: target_triangles > 0. */
OspMesh *osp_mesh_decimate      (const OspMesh *mesh,
                                 guint32        target_triangles);
/* The same with an error bound: collapses stop before the surface moves by more than about
 * max_error_mm (meshoptimizer's quadric measure; 0 = no bound), or at target_triangles (0 = no
 * count), whichever comes first.  *out_error_mm (may be NULL) gets the error reached.
 * Preconditions: max_error_mm ≥ 0 and finite; target_triangles > 0 or max_error_mm > 0. */
OspMesh *osp_mesh_decimate_full (const OspMesh *mesh,
                                 guint32        target_triangles,
                                 double         max_error_mm,
                                 double        *out_error_mm);

typedef struct
{
  double  threshold_hu;    /* default OSP_DEFAULT_BONE_THRESHOLD_HU */
  guint   smooth_iterations;
  guint32 target_triangles; /* 0 = no decimation */
  guint   keep_pieces;      /* 0 = every piece ≥ min_piece_fraction of the largest */
  double  min_piece_fraction; /* default 0.01 */
  guint   n_threads;        /* 0 = all cores */
  double  max_error_mm;     /* decimation error bound (0 = none; see osp_mesh_decimate_full) */
} OspSegmentOptions;

#define OSP_SEGMENT_OPTIONS_INIT { OSP_DEFAULT_BONE_THRESHOLD_HU, 0, 0, 0, 0.01, 0, 0.0 }

/* Times of each stage, seconds, for reports. */
typedef struct
{
  double   extract_s, pieces_s, smooth_s, decimate_s;
  guint32  n_raw_triangles;
  double   decimate_error_mm;  /* the error decimation reached (0 without decimation) */
} OspSegmentStats;

/* The whole pipeline: osp_isosurface_extract(), osp_mesh_keep_largest(),
 * osp_mesh_smooth_taubin() (λ 0.5, μ −0.53) and osp_mesh_decimate_full(), with progress 0–1 and
 * cancellation (G_IO_ERROR_CANCELLED).  options and out_stats may be NULL.  The result may be
 * empty when no voxel reaches the threshold. */
OspMesh *osp_segment_volume     (const OspVolume         *volume,
                                 const OspSegmentOptions *options,
                                 const OspProgressRange  *progress,
                                 GCancellable            *cancellable,
                                 OspSegmentStats         *out_stats,
                                 GError                 **error);

G_END_DECLS
