/* osp-cut.h — cutting a mesh with planes (osteotomy and resection)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The resected region K is the intersection of the half-spaces n_i·x ≤ d_i + margin: one plane
 * keeps the side below it (against its normal), two planes make a wedge or a slab, six a box.
 * A closed mesh is split into the part inside K and the part outside it, each closed: the
 * faces where K's planes cross the bone are capped (every cross-section loop, with loops
 * inside loops — cortex around a cavity, the obturator foramen — as holes).  The pieces share
 * their cut vertices with the caps, so each is watertight, consistently oriented and outward,
 * and their volumes add up to the original's (relative error well under 1e-6).
 *
 * Vertices are classified once per plane with one sign rule (on the plane, within rounding,
 * counts as outside), and a vertex on the plane is itself the cut point of its edges, so no
 * sliver or T-junction appears where a plane passes through vertices exactly.
 *
 * Open (non-closed) input: a section is capped only along the loops that close (where the
 * plane misses the mesh's holes); where a plane crosses a hole, the chain of cut edges there
 * stays open and uncapped, and OspCutResult.capped says so.  A piece is closed when the input
 * was closed, or when it holds none of the input's holes.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

/* The most planes one cut takes. */
#define OSP_CUT_MAX_PLANES 16

typedef struct
{
  GPtrArray *inside;     /* OspMesh*: the pieces inside K (the resected part), one per
                          * connected piece, largest volume first */
  GPtrArray *outside;    /* OspMesh*: the pieces outside K (the remaining bone), likewise */
  gboolean   capped;     /* FALSE when some cut edges formed no closed loop (open input,
                          * a plane through a hole): those were left uncapped */
  gboolean   input_closed; /* the input was closed and consistently oriented */
  gboolean   missed;     /* TRUE when no plane crosses the mesh: it lies whole on one side */
  guint      n_cap_loops;     /* cross-section loops over all planes (outer and holes) */
  guint      n_cap_holes;     /* of which holes (loops inside loops) */
  guint32    n_cap_triangles; /* triangles added to cap the inside (the outside has as many) */
  double     inside_volume;   /* mm³, sum over the inside pieces (signed volumes about one
                               * point, so they add up to the input's even when it is open) */
  double     outside_volume;  /* mm³, sum over the outside pieces */
  gboolean   clean;           /* no faces of zero area and no crossing faces along the cut
                               * (checked with exact predicates on the faces the cut made and
                               * those around them, for cuts by two planes or more; a cut by
                               * one plane is not checked and says TRUE); FALSE: say so (the
                               * input crosses itself there, or is open, and the exact
                               * recomputation was refused) */
  gboolean   exact;           /* rounding had left crossing faces, so the pieces were computed
                               * again with exact arithmetic (CGAL's corefinement of the mesh
                               * with the region K); the cap counts above are the first try's */
} OspCutResult;

/* Fills `out_result` (its arrays are created here; release with osp_cut_result_clear()).
 *
 * planes: n_planes planes n·x = d; the normals need not be of unit length (they are
 * normalised here) but must not be zero.  margin_mm ≥ 0 moves every plane outwards (K grows).
 * A cut that misses the mesh leaves it whole: `missed` is set and its connected pieces are all
 * in `outside` (or all in `inside` when the mesh lies inside K), unchanged.  Faces lying in a
 * plane go to the outside; where they bound the inside, the inside gets a cap there instead,
 * and a flat leftover of no volume is dropped.  A piece is connected through shared
 * vertices; an inward-facing surface (a cavity) belongs to the piece around it.
 *
 * Long work (millions of triangles) reports progress and checks `cancellable`; returns FALSE
 * with G_IO_ERROR_CANCELLED when cancelled, or OSP_ERROR_TOO_LARGE when memory is short.
 *
 * Preconditions: mesh and out_result non-NULL, 1 ≤ n_planes ≤ OSP_CUT_MAX_PLANES, planes
 * non-NULL with finite values and non-zero normals, margin_mm finite and ≥ 0. */
gboolean osp_mesh_cut          (const OspMesh          *mesh,
                                const OspPlane         *planes,
                                guint                   n_planes,
                                double                  margin_mm,
                                OspCutResult           *out_result,
                                const OspProgressRange *progress,
                                GCancellable           *cancellable,
                                GError                **error);

/* Frees the arrays of a result and zeroes it (safe on a zeroed or cleared result). */
void     osp_cut_result_clear  (OspCutResult           *result);

/* A plane through three points, normal (b − a) × (c − a) normalised (counter-clockwise points
 * seen from the side the normal points to).  Returns FALSE when the points are collinear
 * (or coincide), leaving out_plane untouched.  Preconditions: all pointers non-NULL. */
gboolean osp_plane_from_points (const float             a[3],
                                const float             b[3],
                                const float             c[3],
                                OspPlane               *out_plane);

/* Parses "nx,ny,nz,d" (C locale numbers; the normal is normalised, d scaled with it).
 * FALSE with OSP_ERROR_FAILED naming the text when it is not four finite numbers or the
 * normal is zero.  Preconditions: text and out_plane non-NULL. */
gboolean osp_plane_parse       (const char             *text,
                                OspPlane               *out_plane,
                                GError                **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OspCutResult, osp_cut_result_clear)

G_END_DECLS
