/* osp-mesh.h — indexed triangle meshes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An OspMesh is an indexed triangle mesh: float xyz positions in millimetres and uint32 vertex
 * indices, three per triangle, counter-clockwise seen from outside (outward normals).
 *
 * A mesh is immutable once made: every operation returns a new mesh, so a mesh can be shared
 * between threads, the plan's undo stack and the renderer without copies or locks.  It is
 * reference counted; use g_autoptr(OspMesh).
 *
 * Preconditions (caller bugs, checked with g_return_val_if_fail) are written beside each
 * function.  Nothing here fails at run time except where a GError is taken.
 */
#pragma once

#include <glib.h>
#include <cglm/cglm.h>

G_BEGIN_DECLS

typedef struct _OspMesh OspMesh;

/* An axis-aligned box.  An empty box has min > max (see osp_box_is_empty()). */
typedef struct
{
  float min[3];
  float max[3];
} OspBox;

/* The plane n·x = d, n of unit length. */
typedef struct
{
  float normal[3];
  float d;
} OspPlane;

/* The most triangles / vertices a mesh may hold (indices are uint32, and 3 × count must fit). */
#define OSP_MESH_MAX_ELEMENTS ((guint32) (G_MAXUINT32 / 3u))

/* -- Construction ------------------------------------------------------------------------- */

/* Copies the arrays.  positions: 3 × n_vertices floats; indices: 3 × n_triangles values, each
 * < n_vertices.  Preconditions: counts ≤ OSP_MESH_MAX_ELEMENTS, arrays non-NULL when the
 * count is non-zero, every index < n_vertices. */
OspMesh       *osp_mesh_new                   (const float   *positions,
                                               guint32        n_vertices,
                                               const guint32 *indices,
                                               guint32        n_triangles);
/* Takes ownership of g_malloc()ed arrays (freed with g_free). Same preconditions. */
OspMesh       *osp_mesh_new_take              (float         *positions,
                                               guint32        n_vertices,
                                               guint32       *indices,
                                               guint32        n_triangles);
OspMesh       *osp_mesh_ref                   (OspMesh       *mesh);
void           osp_mesh_unref                 (OspMesh       *mesh);

/* -- Access ------------------------------------------------------------------------------- */

guint32        osp_mesh_get_n_vertices        (const OspMesh *mesh);
guint32        osp_mesh_get_n_triangles       (const OspMesh *mesh);
/* 3 × n_vertices floats, owned by the mesh. */
const float   *osp_mesh_get_positions         (const OspMesh *mesh);
/* 3 × n_triangles indices, owned by the mesh. */
const guint32 *osp_mesh_get_indices           (const OspMesh *mesh);
/* TRUE when both meshes have the same vertices and triangles, bit for bit, in the same order. */
gboolean       osp_mesh_equal                 (const OspMesh *a,
                                               const OspMesh *b);

/* -- Measures ----------------------------------------------------------------------------- */

gboolean       osp_box_is_empty               (const OspBox  *box);
/* The bounding box of the vertices that triangles use.  Empty for a mesh without triangles. */
void           osp_mesh_get_bounds            (const OspMesh *mesh,
                                               OspBox        *out_box);
/* Surface area in mm², summed in double precision. */
double         osp_mesh_get_area              (const OspMesh *mesh);
/* Signed volume in mm³ by the divergence theorem: positive for a closed mesh with outward
 * normals, negative when it is inside out; meaningless for an open mesh. */
double         osp_mesh_get_volume            (const OspMesh *mesh);
/* Unit face normals, 3 × n_triangles floats (zero for a degenerate face). Free with g_free. */
float         *osp_mesh_compute_face_normals  (const OspMesh *mesh);
/* Area-weighted unit vertex normals, 3 × n_vertices floats. Free with g_free. */
float         *osp_mesh_compute_vertex_normals (const OspMesh *mesh);

/* -- Clean-up ----------------------------------------------------------------------------- */

/* Welds a triangle soup (9 floats per triangle: three xyz corners) into an indexed mesh.
 * Corners whose positions are exactly equal become one vertex (-0 equals +0; NaN never
 * equals anything, so a NaN corner stays its own vertex).  Vertices are numbered in the order
 * of their first appearance, so the result is deterministic.  Degenerate triangles are kept
 * (see osp_mesh_remove_degenerate()).  Precondition: n_triangles ≤ OSP_MESH_MAX_ELEMENTS. */
OspMesh       *osp_mesh_weld_soup             (const float   *soup,
                                               gsize          n_triangles);

/* A triangle is degenerate when two of its corners are the same vertex, or share a position,
 * or its area is zero (collinear corners).  Returns a new mesh without them (unused vertices
 * dropped) and their count in *out_n_removed (which may be NULL). */
OspMesh       *osp_mesh_remove_degenerate     (const OspMesh *mesh,
                                               guint32       *out_n_removed);
/* The number of degenerate triangles (as defined above). */
guint32        osp_mesh_count_degenerate      (const OspMesh *mesh);
/* Drops vertices no triangle uses, keeping the order of the rest. */
OspMesh       *osp_mesh_compact               (const OspMesh *mesh);

/* -- Topology ----------------------------------------------------------------------------- */

typedef struct
{
  guint64 n_edges;              /* distinct undirected edges */
  guint64 n_boundary_edges;     /* used by one triangle */
  guint64 n_nonmanifold_edges;  /* used by three or more triangles */
  guint64 n_misoriented_edges;  /* used by two triangles in the same direction */
  guint32 n_components;         /* connected through shared edges */
  gint64  euler_characteristic; /* V − E + F over the vertices that triangles use */
} OspMeshTopology;

/* Computed once per mesh and kept (thread-safe: meshes are immutable), so a second call, from
 * any thread, costs nothing. */
void           osp_mesh_get_topology          (const OspMesh   *mesh,
                                               OspMeshTopology *out_topology);
/* The topology when osp_mesh_get_topology() or osp_mesh_report() has found it already: TRUE
 * and *out_topology filled, else FALSE at once (nothing is computed). */
gboolean       osp_mesh_peek_topology         (const OspMesh   *mesh,
                                               OspMeshTopology *out_topology);

/* Labels each triangle with its connected component (triangles sharing an edge are
 * connected; a mere shared vertex does not connect).  out_labels: n_triangles values.
 * Components are numbered 0… in order of their first triangle.  Returns the component count. */
guint32        osp_mesh_label_components      (const OspMesh *mesh,
                                               guint32       *out_labels);
/* A new mesh made of the triangles whose label equals `label` (unused vertices dropped). */
OspMesh       *osp_mesh_extract_label         (const OspMesh *mesh,
                                               const guint32 *labels,
                                               guint32        label);
/* A new mesh made of the triangles for which keep[t] is TRUE (unused vertices dropped). */
OspMesh       *osp_mesh_extract_triangles     (const OspMesh  *mesh,
                                               const gboolean *keep);
/* Concatenates meshes (no welding). */
OspMesh       *osp_mesh_merge                 (OspMesh *const *meshes,
                                               guint           n_meshes);

/* -- Transforms --------------------------------------------------------------------------- */

/* Applies an affine transform (column-major, as cglm).  When the transform mirrors
 * (determinant < 0) the winding is flipped so normals stay outward. */
OspMesh       *osp_mesh_transform             (const OspMesh *mesh,
                                               mat4           matrix);
/* Mirrors across a plane (the normal need not be of unit length, but must not be zero);
 * the winding is flipped so normals stay outward and the volume stays positive. */
OspMesh       *osp_mesh_mirror                (const OspMesh  *mesh,
                                               const OspPlane *plane);
/* Reverses every triangle's winding. */
OspMesh       *osp_mesh_flip                  (const OspMesh *mesh);
/* The reflection matrix of a plane (unit or non-unit normal, not zero). */
void           osp_plane_reflection_matrix    (const OspPlane *plane,
                                               mat4            out_matrix);

/* -- Report ------------------------------------------------------------------------------- */

typedef struct
{
  guint32         n_vertices;
  guint32         n_triangles;
  OspBox          bounds;
  double          area;          /* mm² */
  double          volume;        /* mm³, signed */
  guint32         n_degenerate;
  OspMeshTopology topology;
  gboolean        closed;        /* no boundary, no non-manifold, no misoriented edge */
} OspMeshReport;

void           osp_mesh_report                (const OspMesh *mesh,
                                               OspMeshReport *out_report);
/* What osp_mesh_report() (and osp_mesh_get_topology()) allocate at their peak for a mesh of
 * these counts: the sorted half-edges twice (48 bytes a triangle each), the component labels. */
guint64        osp_mesh_report_bytes          (guint32        n_vertices,
                                               guint32        n_triangles);
/* osp_mesh_report() after checking that its memory is available: FALSE with
 * OSP_ERROR_TOO_LARGE ("NAME: the topology report needs …") instead of an abort. */
gboolean       osp_mesh_report_checked        (const OspMesh *mesh,
                                               OspMeshReport *out_report,
                                               const char    *display_name,
                                               GError       **error);
/* "closed" or "open". */
const char    *osp_mesh_report_verdict        (const OspMeshReport *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspMesh, osp_mesh_unref)

G_END_DECLS
