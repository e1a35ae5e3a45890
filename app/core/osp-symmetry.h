/* osp-symmetry.h — the midsagittal plane, rigid registration (ICP) and deviation maps
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Mirroring the healthy side onto the defect: the plane of symmetry of a pelvis is estimated
 * (an initial plane from the principal axes of the surface or from landmarks on the midline,
 * refined by registering the mirrored mesh to the original with a trimmed ICP and taking the
 * plane of the composed reflection), a model is mirrored across it (osp_mesh_mirror()), the
 * template is registered to the remaining bone using only trusted (intact) regions, and the
 * deviation between template and bone is measured per vertex.
 *
 * Residuals are the distances of the final closest-point pairs in millimetres.  Points are
 * subsampled (deterministically) to keep the work bounded; closest points come from an
 * OspBvh.  All functions are deterministic for the same input.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

/* How well two surfaces fit, over the kept (untrimmed) closest-point pairs. */
typedef struct
{
  double  rms_mm;       /* root mean square distance */
  double  p95_mm;       /* 95th percentile distance */
  double  mean_mm;      /* mean distance */
  guint32 n_pairs;      /* pairs kept in the last iteration */
  guint   n_iterations; /* ICP iterations run */
} OspResidual;

/* -- Rigid registration ------------------------------------------------------------------- */

typedef struct
{
  double         trim_fraction;   /* reject this fraction of the worst pairs (default 0.2) */
  guint          max_iterations;  /* default 60 */
  guint32        max_points;      /* moving points sampled (default 20000; 0 = all) */
  double         tolerance_mm;    /* stop when the RMS changes less (default 1e-4) */
  /* Trusted regions of `fixed` (the remaining bone): a pair counts only when its closest
   * point on `fixed` is trusted.  fixed_trusted: NULL (all trusted) or one gboolean per
   * vertex of `fixed` (a closest point is trusted when its triangle's vertices all are). */
  const gboolean *fixed_trusted;
  /* Automatically: closest points nearer than exclude_distance_mm to any of these planes
   * (the cut planes) are not trusted.  n_exclude_planes 0 = none. */
  const OspPlane *exclude_planes;
  guint           n_exclude_planes;
  double          exclude_distance_mm; /* default 10 */
} OspIcpOptions;

#define OSP_ICP_OPTIONS_INIT { 0.2, 60, 20000, 1e-4, NULL, NULL, 0, 10.0 }

/* Finds the rigid transform (rotation + translation, no scaling, no reflection) that maps
 * `moving` onto `fixed`, starting from `initial` (NULL = identity), by trimmed ICP: closest
 * points through a BVH of `fixed`, the worst trim_fraction of pairs rejected; the first steps
 * point-to-point (Horn's unit quaternion, robust far from the goal), then point-to-plane
 * (converges in a few steps where point-to-point creeps along the surface).  out_matrix
 * (column-major, cglm) maps moving's coordinates to fixed's and includes `initial`.
 * out_residual may be NULL.
 * Returns FALSE with G_IO_ERROR_CANCELLED when cancelled, or OSP_ERROR_FAILED when too few
 * trusted pairs remain (fewer than 3 or the mesh is empty).
 * Preconditions: moving, fixed, out_matrix non-NULL; options NULL or with 0 ≤ trim_fraction
 * < 1, fixed_trusted (when given) of osp_mesh_get_n_vertices (fixed) values. */
gboolean osp_icp_register        (const OspMesh          *moving,
                                  const OspMesh          *fixed,
                                  const OspIcpOptions    *options,
                                  mat4                    initial,
                                  mat4                    out_matrix,
                                  OspResidual            *out_residual,
                                  const OspProgressRange *progress,
                                  GCancellable           *cancellable,
                                  GError                **error);

/* -- The mirrored template registered to the remaining bone -------------------------------- */

/* Why a registration is doubtful (flags; 0 = trustworthy). */
typedef enum
{
  OSP_TEMPLATE_DOUBT_NONE          = 0,
  OSP_TEMPLATE_DOUBT_NO_BONE       = 1 << 0, /* no intact bone overlaps the template */
  OSP_TEMPLATE_DOUBT_LOW_OVERLAP   = 1 << 1, /* little of the intact bone matches it */
  OSP_TEMPLATE_DOUBT_LARGE_MOVE    = 1 << 2, /* it moved far from the plane-mirror pose */
  OSP_TEMPLATE_DOUBT_WORSE         = 1 << 3, /* it fits worse than the plane mirror */
} OspTemplateDoubt;

typedef struct
{
  /* The cut planes: bone nearer than exclude_distance_mm to any of them (the caps and the
   * bone around the cut) is not trusted. */
  const OspPlane *cut_planes;
  guint           n_cut_planes;
  double          exclude_distance_mm;  /* default 10 */
  double          max_rotation_deg;     /* the most it may turn from the plane mirror, 15 */
  double          max_translation_mm;   /* the most it may move, 20 */
  double          match_distance_mm;    /* a bone point within this of the template matches, 3 */
  double          min_overlap;          /* below this matched fraction: doubtful, 0.7 */
  double          trim_fraction;        /* ICP trimming, default 0.2 */
  guint32         max_points;           /* bone points sampled, default 20000 */
  /* TRUE: use only the bones the template overlaps at the plane-mirror pose (the bone it
   * stands for, not the sacrum beside it); FALSE: all bones given. */
  gboolean        select_bones;
} OspTemplateOptions;

#define OSP_TEMPLATE_OPTIONS_INIT { NULL, 0, 10.0, 15.0, 20.0, 3.0, 0.7, 0.2, 20000, TRUE }

/* The honest figures of a template fit, over the trusted bone (away from the cuts). */
typedef struct
{
  double           overlap;          /* fraction of the trusted bone points matched */
  double           rms_mm;           /* RMS distance over the matched points */
  double           p95_mm;           /* 95th percentile over the matched points */
  guint32          n_matched;
  guint32          n_trusted;        /* trusted bone points sampled */
  double           rotation_deg;     /* from the plane-mirror pose */
  double           translation_mm;   /* of the template's centroid */
  /* The same figures for the plane mirror itself (no registration). */
  double           plane_overlap;
  double           plane_rms_mm;
  double           plane_p95_mm;
  guint            n_starts;         /* starts tried */
  guint            n_rejected;       /* starts that moved beyond the limits */
  guint            n_bones_used;
  OspTemplateDoubt doubt;
} OspTemplateFit;

/* Registers `template_mesh` (the healthy side mirrored across the plane of symmetry, in its
 * plane-mirror pose) to the intact part of `bones` (the remaining bone on the defect side).
 * The registration starts from the plane mirror and matches trusted bone points (away from
 * every cut plane) to the template — the bone left after a resection is a part of the
 * template, so the missing part pulls nothing.  Several starts (the plane mirror and small
 * turns and shifts of it) run a trimmed ICP each; starts that move farther than the limits
 * are rejected and the best trimmed fit is kept.  out_matrix maps the template from its
 * plane-mirror pose to the registered pose (identity when no start stays in the limits).
 * out_bones_used (may be NULL): n_bones booleans, the bones matched.
 * Returns FALSE with G_IO_ERROR_CANCELLED when cancelled or OSP_ERROR_FAILED for a template
 * without triangles; an unusable bone is not an error but a doubt (OSP_TEMPLATE_DOUBT_NO_BONE).
 * Preconditions: template_mesh, out_matrix, out_fit non-NULL; bones non-NULL when n_bones. */
gboolean osp_template_register   (const OspMesh            *template_mesh,
                                  const OspMesh *const     *bones,
                                  guint                     n_bones,
                                  const OspTemplateOptions *options,
                                  mat4                      out_matrix,
                                  OspTemplateFit           *out_fit,
                                  gboolean                 *out_bones_used,
                                  const OspProgressRange   *progress,
                                  GCancellable             *cancellable,
                                  GError                  **error);

/* The doubts of a fit in plain words (one sentence each, translated, joined by spaces), or
 * NULL when there are none.  Free with g_free(). */
char    *osp_template_fit_describe_doubt (const OspTemplateFit *fit);

/* -- The plane of symmetry ---------------------------------------------------------------- */

typedef struct
{
  /* Start from this plane instead of the principal axes (has_initial_plane TRUE). */
  gboolean       has_initial_plane;
  OspPlane       initial_plane;
  /* Or from landmarks on the midline (pubic symphysis, sacral promontory, coccyx…): ≥ 3
   * points give their least-squares plane; 2 points give the plane through them whose
   * normal is the principal axis most nearly perpendicular to the line between them.
   * n_landmarks 0 = none. 3 × n_landmarks floats. */
  const float   *landmarks;
  guint          n_landmarks;
  double         trim_fraction;  /* default 0.2 */
  guint          max_iterations; /* ICP iterations of the final refinement, default 60 */
  guint32        max_points;     /* points sampled, default 20000 */
  /* The patient's left–right axis in the mesh's coordinates (LPS: x), a prior for the
   * normal: with use_lr_prior, planes about it are candidates too.  Default TRUE, (1, 0, 0). */
  gboolean       use_lr_prior;
  float          lr_axis[3];
} OspSymmetryOptions;

#define OSP_SYMMETRY_OPTIONS_INIT { FALSE, { { 1.0f, 0.0f, 0.0f }, 0.0f }, NULL, 0, 0.2, 60, \
                                    20000, TRUE, { 1.0f, 0.0f, 0.0f } }

/* The full answer of a symmetry estimate. */
typedef struct
{
  OspPlane    plane;
  OspResidual residual;         /* over the best (1 − trim) of the pairs (trimmed) */
  double      untrimmed_rms_mm; /* over every pair */
  double      untrimmed_p95_mm;
  guint       n_candidates;     /* starting planes tried */
  /* Another plane (more than 10° or 5 % of the size away) that fits nearly as well (its
   * trimmed RMS within 25 % of the best's): the answer is ambiguous. */
  gboolean    ambiguous;
  OspPlane    rival;
  double      rival_rms_mm;
  double      rival_angle_deg;
} OspSymmetryResult;

/* As osp_symmetry_estimate(), with the untrimmed residual and the ambiguity. */
gboolean osp_symmetry_estimate_full (const OspMesh            *mesh,
                                     const OspSymmetryOptions *options,
                                     OspSymmetryResult        *out_result,
                                     const OspProgressRange   *progress,
                                     GCancellable             *cancellable,
                                     GError                  **error);

/* Estimates the plane of symmetry of `mesh` (several inputs — left and right hemipelvis —
 * are merged by the caller with osp_mesh_merge()).  Without an initial plane or landmarks,
 * planes through the centroid are tried: normal to each principal axis, each of those turned
 * by ±25° about the other two axes, and (use_lr_prior) normal to the patient's left–right
 * axis and turned about the other two patient axes; each is refined by a short trimmed ICP
 * of the mirrored sample, the best few again on more points, and the one with the lowest
 * trimmed residual kept.  The refined plane is that of T·M, where M is the reflection across the
 * initial plane and T the ICP transform that maps the mirrored mesh onto the original.
 * out_plane: unit normal whose component of largest magnitude is positive, so results
 * compare directly.
 * out_residual (may be NULL): the final closest-point distances of mirror to original.
 * Returns FALSE with G_IO_ERROR_CANCELLED when cancelled, or OSP_ERROR_FAILED for a mesh
 * without triangles or with a degenerate (flat or line-like) extent.
 * Preconditions: mesh and out_plane non-NULL; landmarks non-NULL when n_landmarks > 0. */
gboolean osp_symmetry_estimate   (const OspMesh            *mesh,
                                  const OspSymmetryOptions *options,
                                  OspPlane                 *out_plane,
                                  OspResidual              *out_residual,
                                  const OspProgressRange   *progress,
                                  GCancellable             *cancellable,
                                  GError                  **error);

/* The plane of a reflection (an isometry with determinant −1 whose fixed points form a
 * plane), e.g. T·M above.  When the matrix is only approximately a plane reflection, the
 * closest one is taken.  Returns FALSE when the matrix has no negative determinant.
 * Preconditions: out_plane non-NULL. */
gboolean osp_plane_from_reflection (mat4                  matrix,
                                    OspPlane             *out_plane);

/* How far apart two planes are: the angle between their normals in degrees (0–90, the
 * orientation of the normal ignored) and the distance in mm from `point` (e.g. the mesh's
 * centroid) projected on plane a to plane b.  Either output may be NULL. */
void     osp_plane_compare       (const OspPlane           *a,
                                  const OspPlane           *b,
                                  const float               point[3],
                                  double                   *out_angle_deg,
                                  double                   *out_distance_mm);

/* -- Deviation maps ----------------------------------------------------------------------- */

/* The distance of each vertex of `a` to the surface of `b`, mm, for a colour map:
 * signed (negative inside b, positive outside) when `b` is closed, else unsigned.
 * out_distances: osp_mesh_get_n_vertices (a) floats (vertices no triangle uses get 0).
 * out_stats (may be NULL): RMS, 95th percentile and mean of the absolute distances.
 * Returns FALSE with G_IO_ERROR_CANCELLED when cancelled, or OSP_ERROR_FAILED when `b` has no
 * triangles.  Preconditions: a, b, out_distances non-NULL. */
gboolean osp_mesh_deviation      (const OspMesh          *a,
                                  const OspMesh          *b,
                                  float                  *out_distances,
                                  OspResidual            *out_stats,
                                  const OspProgressRange *progress,
                                  GCancellable           *cancellable,
                                  GError                **error);

G_END_DECLS
