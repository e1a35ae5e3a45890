/* osp-boolean.h — mesh Booleans (union, difference, intersection) and making a mesh solid
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operands must be clean solids: closed (every edge used by exactly two triangles),
 * manifold, without zero-area triangles and without self-intersections.  The result is computed
 * with exact arithmetic (CGAL's corefinement: coplanar and coincident faces, shared edges and
 * vertices, touching and nested solids are handled exactly) and is always a clean solid with
 * outward normals, or the call fails with a message that says why ("the second mesh is open:
 * 12 boundary edges").  A mesh that is not clean (a CT surface that crosses itself, an open
 * scan) can be made into one with osp_mesh_make_solid() first.
 *
 * Everything here may take seconds on large meshes: call it off the main thread; progress and
 * cancellation as in osp-progress.h.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_BOOLEAN_UNION,
  OSP_BOOLEAN_DIFFERENCE,      /* a − b */
  OSP_BOOLEAN_INTERSECTION,
} OspBooleanOp;

/* "union", "difference", "intersection"; FALSE for any other name. */
gboolean     osp_boolean_op_from_string (const char   *name,
                                         OspBooleanOp *out_op);
const char  *osp_boolean_op_to_string   (OspBooleanOp  op);

/* Checks that `mesh` can be an operand.  `role` names it in the message, translated by the
 * caller ("the first mesh", "the bone").  An inside-out but otherwise clean mesh passes: the
 * Boolean turns it outward. */
gboolean     osp_boolean_check_operand  (const OspMesh *mesh,
                                         const char    *role,
                                         GCancellable  *cancellable,
                                         GError       **error);

/* The Boolean `a op b`.  Both operands are checked first (osp_boolean_check_operand()).
 * The result may have no triangles (disjoint intersection, a − b with b enclosing a).
 * Errors: OSP_ERROR_CORRUPT for an operand that is not a clean solid, OSP_ERROR_FAILED when
 * the result cannot be a manifold solid (solids touching only along an edge or at a point),
 * G_IO_ERROR_CANCELLED. */
OspMesh     *osp_mesh_boolean           (const OspMesh          *a,
                                         const OspMesh          *b,
                                         OspBooleanOp            op,
                                         const OspProgressRange *progress,
                                         GCancellable           *cancellable,
                                         GError                **error);

/* Makes a clean solid of any triangle mesh (open, self-crossing, non-manifold) by CGAL's
 * alpha wrapping: the result encloses the input at a distance of at most `tolerance` mm and
 * keeps features down to about 2 × tolerance.  Precondition: tolerance > 0.  *out_note
 * (may be NULL) receives a translated sentence saying what was changed. */
OspMesh     *osp_mesh_make_solid        (const OspMesh          *mesh,
                                         double                  tolerance,
                                         char                  **out_note,
                                         const OspProgressRange *progress,
                                         GCancellable           *cancellable,
                                         GError                **error);

G_END_DECLS
