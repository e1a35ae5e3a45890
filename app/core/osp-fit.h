/* osp-fit.h — how an implant fits the bone: signed distances, penetration, contact, collisions
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Distances are signed: negative where an implant vertex lies inside the bone (penetration),
 * positive outside.  They come from the bone's BVH (osp-bvh.h): the closest surface point and
 * the angle-weighted pseudo-normal inside test, so the bone must be closed and outward.
 */
#pragma once

#include <gio/gio.h>

#include "osp-bvh.h"
#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

/* The contact band of the issue: implant surface within 0.5 mm of the bone. */
#define OSP_FIT_CONTACT_MM 0.5

/* The signed distance of every vertex of `implant`, moved by `matrix` (column-major; NULL:
 * identity — the implant's and the bone's world transforms combined by the caller), to the
 * bone of `bone_bvh`.  n_threads 0: two.  Returns n_vertices floats (free with g_free), or
 * NULL when cancelled (G_IO_ERROR_CANCELLED) or memory is short.  Preconditions: implant and
 * bone_bvh non-NULL. */
float   *osp_fit_distance_map (const OspMesh          *implant,
                               const float            *matrix,
                               const OspBvh           *bone_bvh,
                               guint                   n_threads,
                               const OspProgressRange *progress,
                               GCancellable           *cancellable,
                               GError                **error);

typedef struct
{
  guint32 n_vertices;
  double  min_mm;            /* signed */
  double  max_mm;
  double  mean_mm;
  double  penetration_mm;    /* the deepest vertex inside the bone, ≥ 0 (0: none inside) */
  guint32 n_inside;          /* vertices inside the bone */
  double  area_mm2;          /* the implant's surface area */
  double  contact_area_mm2;  /* implant area with |distance| ≤ contact_mm */
  double  inside_area_mm2;   /* implant area with distance < −contact_mm (deep in the bone) */
} OspFitStats;

/* Statistics of a distance map.  Areas interpolate the distance linearly over each triangle
 * and take the exact part of the triangle within the band, so they converge with refinement
 * instead of jumping by whole triangles.  `implant` must be the mesh the map was made for
 * (any rigid placement: areas do not change).  Preconditions: non-NULL, contact_mm ≥ 0. */
void     osp_fit_stats        (const OspMesh          *implant,
                               const float            *distances,
                               double                  contact_mm,
                               OspFitStats            *out_stats);

/* The contact and inside areas integrated over the implant's surface, for coarse implants
 * whose large faces the distance does not vary linearly over: every triangle (moved by
 * `matrix`, NULL: identity) is divided into small triangles of edges at most max_edge_mm (0:
 * 0.25 mm; coarser when the implant is large, so at most about four million are evaluated),
 * the signed distance is taken at their corners (osp_bvh_signed_distance()'s inside test,
 * the winding number when the BVH is set to it) and each small triangle's exact part within
 * the band is summed.  Fills area_mm2, contact_area_mm2 and inside_area_mm2 of out_stats
 * (the other members untouched).  Returns FALSE with G_IO_ERROR_CANCELLED when cancelled.
 * Preconditions: implant, bone_bvh, out_stats non-NULL, contact_mm ≥ 0, max_edge_mm ≥ 0. */
gboolean osp_fit_surface_areas (const OspMesh         *implant,
                                const float           *matrix,
                                const OspBvh          *bone_bvh,
                                double                 contact_mm,
                                double                 max_edge_mm,
                                OspFitStats           *out_stats,
                                GCancellable          *cancellable,
                                GError               **error);

/* A colour for a distance in a legend of ±range_mm: deep red (penetration, ≤ −range) through
 * orange, green at contact (0), to blue (≥ +range, far away).  out_rgb: 3 floats 0–1. */
void     osp_fit_color        (float                   distance_mm,
                               float                   range_mm,
                               float                  *out_rgb);
/* n_ticks legend values from −range to +range (out_values: n_ticks floats), n_ticks ≥ 2. */
void     osp_fit_legend       (float                   range_mm,
                               guint                   n_ticks,
                               float                  *out_values);

typedef struct
{
  gboolean collides;
  guint32  n_crossing_edges;   /* edges of either mesh that cross the other's surface */
  guint32  n_a_inside_b;       /* vertices of a inside b */
  guint32  n_b_inside_a;
  float    point[3];           /* one point of contact (when collides) */
} OspCollision;

/* Whether two closed meshes (world coordinates) overlap: a surface crossing (an edge of one
 * through a triangle of the other: every pair of intersecting triangles has one) or a vertex
 * of one inside the other.  Touching within 0.01 mm (flush contact) is no collision.  The BVHs may be NULL (built here).  Preconditions: a and b non-NULL; a BVH,
 * when given, is of that mesh. */
void     osp_fit_collide      (const OspMesh          *a,
                               const OspBvh           *a_bvh,
                               const OspMesh          *b,
                               const OspBvh           *b_bvh,
                               OspCollision           *out_collision);

G_END_DECLS
