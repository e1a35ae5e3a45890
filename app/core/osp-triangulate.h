/* osp-triangulate.h — triangulating polygons with holes in the plane
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ear clipping with hole bridging and z-order hashing (after Mapbox's earcut, ISC licence),
 * changed for caps that must stay watertight: every input point is used — a point that
 * earcut would drop (a duplicate or a collinear point) becomes a zero-area triangle instead,
 * so each ring edge is an edge of exactly one output triangle.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Triangulates the region bounded by `n_rings` rings of points (xy: 2 × n_points doubles).
 * Ring r is the points ring_starts[r] … ring_starts[r + 1] − 1 (ring_starts has n_rings + 1
 * values; ring_starts[0] = 0, ring_starts[n_rings] = n_points).  Ring 0 is the outer ring,
 * counter-clockwise; the others are holes inside it, clockwise.  The triangles keep the
 * rings' direction: each ring edge p → q appears as p → q in one triangle, and all
 * triangles are counter-clockwise.  Appends 3 point indices per triangle to `out_triangles`
 * (a GArray of guint32).  Preconditions: rings of ≥ 3 points, xy finite. */
void osp_triangulate_polygon (const double  *xy,
                              guint32        n_points,
                              const guint32 *ring_starts,
                              guint          n_rings,
                              GArray        *out_triangles);

/* The same, where points come from rounded coordinates: a point within `tolerance` (in the
 * units of xy, ≥ 0) of the line through two others counts as on it, so no sliver triangle is
 * clipped along a run of points that are collinear but for rounding, and no diagonal passes
 * that close to a point. */
void osp_triangulate_polygon_tolerant (const double  *xy,
                                       guint32        n_points,
                                       const guint32 *ring_starts,
                                       guint          n_rings,
                                       double         tolerance,
                                       GArray        *out_triangles);

G_END_DECLS
