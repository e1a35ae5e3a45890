/* osp-boolean-cgal-private.h — CGAL's corefinement behind a small C API
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * osp-boolean-cgal.cpp is the only file that sees CGAL.  These functions never throw and never
 * print; they may run on any thread (each call builds its own meshes).  Failures return FALSE
 * with a short translated reason in *out_reason (without file names; the caller adds context),
 * to free with g_free.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One indexed triangle mesh, as OspMesh holds it. */
typedef struct
{
  const float   *positions;   /* 3 × n_vertices */
  guint32        n_vertices;
  const guint32 *indices;     /* 3 × n_triangles */
  guint32        n_triangles;
} OspCgalMeshView;

typedef enum
{
  OSP_CGAL_UNION,
  OSP_CGAL_DIFFERENCE,
  OSP_CGAL_INTERSECTION,
} OspCgalOp;

/* What is wrong with a mesh as an operand (all counts 0 and flags FALSE: a clean solid). */
typedef struct
{
  guint64  n_nonmanifold;      /* triangles that could not join the mesh without breaking
                                * two-manifoldness (shared edge used by 3+ faces, bad fans) */
  guint64  n_boundary_edges;   /* edges used by one triangle only */
  guint64  n_degenerate;       /* zero-area triangles */
  gboolean self_intersects;
  gboolean inward;             /* closed but oriented inside out */
} OspCgalDiagnosis;

/* Cancellation and progress from the caller: `cancellable` is polled (cancelling stops the work
 * with reason NULL and *out_cancelled TRUE); `progress` receives 0–1 from the working thread. */
typedef struct
{
  GCancellable  *cancellable;
  void         (*progress) (double fraction, gpointer user_data);
  gpointer       user_data;
} OspCgalMonitor;

/* Examines one mesh. Returns FALSE only on cancellation. */
gboolean osp_cgal_diagnose (const OspCgalMeshView *mesh,
                            const OspCgalMonitor  *monitor,
                            OspCgalDiagnosis      *out_diagnosis);

/* The Boolean of two clean solids (see osp_cgal_diagnose), computed exactly (exact
 * constructions), rounded to float.  The output arrays are g_malloc()ed. */
gboolean osp_cgal_boolean  (const OspCgalMeshView *a,
                            const OspCgalMeshView *b,
                            OspCgalOp              op,
                            const OspCgalMonitor  *monitor,
                            float                **out_positions,
                            guint32               *out_n_vertices,
                            guint32              **out_indices,
                            guint32               *out_n_triangles,
                            gboolean              *out_cancelled,
                            char                 **out_reason);

/* For benchmarks: CGAL's corefinement as its examples use it — no checks, no cancellation, the
 * exact result rounded to float without the after-rounding check. */
gboolean osp_cgal_corefine_only (const OspCgalMeshView *a,
                                 const OspCgalMeshView *b,
                                 OspCgalOp              op,
                                 float                **out_positions,
                                 guint32               *out_n_vertices,
                                 guint32              **out_indices,
                                 guint32               *out_n_triangles,
                                 char                 **out_reason);

/* CGAL's 3D alpha wrapping: a closed, manifold, self-intersection-free mesh that encloses the
 * input at distance ≤ `offset` (mm), with detail down to `alpha` (mm). */
gboolean osp_cgal_alpha_wrap (const OspCgalMeshView *mesh,
                              double                 alpha,
                              double                 offset,
                              const OspCgalMonitor  *monitor,
                              float                **out_positions,
                              guint32               *out_n_vertices,
                              guint32              **out_indices,
                              guint32               *out_n_triangles,
                              gboolean              *out_cancelled,
                              char                 **out_reason);

G_END_DECLS
