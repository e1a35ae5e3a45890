/* osp-boolean-cgal.cpp — CGAL's corefinement and alpha wrapping behind a C API
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Boolean runs on CGAL's exact-constructions kernel (intersection points are exact, so
 * coplanar faces, shared edges and touching solids are decided right); the result is then
 * rounded to float, the only point where precision is lost, and checked again after rounding.
 * Nothing here throws past the C API, prints, or keeps state between calls.
 */
#include "config.h"

#include <glib/gi18n.h>

#include <CGAL/Exact_predicates_exact_constructions_kernel.h>
#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Surface_mesh.h>
#include <CGAL/Polygon_mesh_processing/corefinement.h>
#include <CGAL/Polygon_mesh_processing/self_intersections.h>
#include <CGAL/Polygon_mesh_processing/orientation.h>
#include <CGAL/Polygon_mesh_processing/shape_predicates.h>
#include <CGAL/Polygon_mesh_processing/repair_degeneracies.h>
#include <CGAL/Polygon_mesh_processing/bbox.h>
#include <CGAL/Polygon_mesh_processing/repair_self_intersections.h>

#include <set>
#include <CGAL/alpha_wrap_3.h>

#include <exception>
#include <new>
#include <vector>

#include "osp-boolean-cgal-private.h"

namespace PMP = CGAL::Polygon_mesh_processing;

typedef CGAL::Exact_predicates_exact_constructions_kernel   Epeck;
typedef CGAL::Exact_predicates_inexact_constructions_kernel Epick;
typedef CGAL::Surface_mesh<Epeck::Point_3>                  ExactMesh;
typedef CGAL::Surface_mesh<Epick::Point_3>                  FloatMesh;

namespace {

struct Cancelled : std::exception
{
};

void
check_cancel (const OspCgalMonitor *monitor)
{
  if (monitor != NULL && g_cancellable_is_cancelled (monitor->cancellable))
    throw Cancelled ();
}

void
report (const OspCgalMonitor *monitor,
        double                fraction)
{
  if (monitor != NULL && monitor->progress != NULL)
    monitor->progress (CLAMP (fraction, 0.0, 1.0), monitor->user_data);
}

/* Builds a Surface_mesh from an indexed mesh.  Faces that cannot be added without breaking
 * two-manifoldness (or that repeat a vertex) are counted, not added. */
template <typename Mesh>
guint64
build_mesh (const OspCgalMeshView *view,
            Mesh                  &mesh)
{
  typedef typename Mesh::Point Point;
  typedef typename Mesh::Vertex_index Vertex;
  guint64 n_rejected = 0;

  mesh.reserve (view->n_vertices, view->n_triangles * 3 / 2, view->n_triangles);
  std::vector<Vertex> vertices;
  vertices.reserve (view->n_vertices);
  for (guint32 v = 0; v < view->n_vertices; v++)
    {
      const float *p = view->positions + 3 * (gsize) v;
      vertices.push_back (mesh.add_vertex (Point (p[0], p[1], p[2])));
    }
  for (guint32 t = 0; t < view->n_triangles; t++)
    {
      const guint32 *tri = view->indices + 3 * (gsize) t;
      if (tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2])
        {
          n_rejected++;
          continue;
        }
      if (mesh.add_face (vertices[tri[0]], vertices[tri[1]], vertices[tri[2]]) ==
          Mesh::null_face ())
        n_rejected++;
    }
  /* Vertices no face uses would be isolated points of the solid: drop them. */
  for (Vertex v : vertices)
    if (mesh.is_isolated (v))
      mesh.remove_vertex (v);
  mesh.collect_garbage ();
  return n_rejected;
}

guint64
count_border_edges (const FloatMesh &mesh)
{
  guint64 n = 0;
  for (auto h : mesh.halfedges ())
    if (mesh.is_border (h))
      n++;
  return n;
}

void
diagnose (const OspCgalMeshView *view,
          const OspCgalMonitor  *monitor,
          OspCgalDiagnosis      *out)
{
  FloatMesh mesh;

  *out = OspCgalDiagnosis ();
  out->n_nonmanifold = build_mesh (view, mesh);
  check_cancel (monitor);
  out->n_boundary_edges = count_border_edges (mesh);
  for (auto f : mesh.faces ())
    if (PMP::is_degenerate_triangle_face (f, mesh))
      out->n_degenerate++;
  check_cancel (monitor);
  if (out->n_degenerate == 0)
    out->self_intersects = PMP::does_self_intersect<CGAL::Parallel_if_available_tag> (mesh);
  else
    out->self_intersects = TRUE;  /* CGAL counts a degenerate face as crossing itself */
  check_cancel (monitor);
  if (out->n_nonmanifold == 0 && out->n_boundary_edges == 0 && !out->self_intersects)
    out->inward = !PMP::is_outward_oriented (mesh);
}

/* Polls cancellation and reports progress from inside the corefinement. */
struct Visitor : public PMP::Corefinement::Default_visitor<ExactMesh>
{
  const OspCgalMonitor *monitor;
  double                base;
  std::size_t           total = 1;
  std::size_t           done = 0;

  explicit Visitor (const OspCgalMonitor *m) : monitor (m), base (0.0) {}

  void progress_filtering_intersections (double d) const
  {
    check_cancel (monitor);
    report (monitor, 0.2 + 0.3 * d);
  }
  void start_triangulating_faces (std::size_t n)
  {
    total = MAX (n, (std::size_t) 1);
    done = 0;
  }
  void triangulating_faces_step ()
  {
    if ((++done & 255) == 0)
      {
        check_cancel (monitor);
        report (monitor, 0.5 + 0.3 * (double) done / (double) total);
      }
  }
  void edge_face_intersections_step () const
  {
    check_cancel (monitor);
  }
  void intersection_of_coplanar_faces_step () const
  {
    check_cancel (monitor);
  }
};

/* Whether a coordinate is exactly a float: true for every input vertex (they came from floats),
 * false for nearly every point corefinement constructed.  The interval of a lazy exact number
 * is a single value only when that value is exact. */
inline bool
exactly_float (const Epeck::FT &x)
{
  std::pair<double, double> i = CGAL::to_interval (x);
  return i.first == i.second && (double) (float) i.first == i.first;
}

inline bool
exactly_float (double)
{
  return true;
}

/* Copies a mesh (exact or not) to float arrays, rounding each coordinate once.  `moved`
 * (may be NULL) receives, per output vertex, whether rounding changed it. */
template <typename Mesh>
void
export_mesh (const Mesh        &mesh,
             float            **out_positions,
             guint32           *out_n_vertices,
             guint32          **out_indices,
             guint32           *out_n_triangles,
             std::vector<bool> *moved)
{
  std::vector<guint32> index (mesh.number_of_vertices () + mesh.number_of_removed_vertices (), 0);
  float *positions = g_new (float, 3 * (gsize) mesh.number_of_vertices ());
  guint32 *indices = g_new (guint32, 3 * (gsize) mesh.number_of_faces ());
  guint32 n = 0, t = 0;

  if (moved != NULL)
    moved->assign (mesh.number_of_vertices (), false);
  for (auto v : mesh.vertices ())
    {
      const auto &p = mesh.point (v);
      positions[3 * n + 0] = (float) CGAL::to_double (p.x ());
      positions[3 * n + 1] = (float) CGAL::to_double (p.y ());
      positions[3 * n + 2] = (float) CGAL::to_double (p.z ());
      if (moved != NULL)
        (*moved)[n] = !(exactly_float (p.x ()) && exactly_float (p.y ()) && exactly_float (p.z ()));
      index[(std::size_t) v] = n++;
    }
  for (auto f : mesh.faces ())
    {
      guint k = 0;
      for (auto v : CGAL::vertices_around_face (mesh.halfedge (f), mesh))
        if (k < 3)
          indices[3 * t + k++] = index[(std::size_t) v];
      t++;
    }
  *out_positions = positions;
  *out_n_vertices = n;
  *out_indices = indices;
  *out_n_triangles = t;
}

/* After rounding, a sliver may have collapsed onto a line, two vertices onto one point, or a
 * face moved through a neighbour.  Only faces with a rounded (moved) vertex can have changed,
 * and two unchanged faces cannot cross (corefinement split every crossing), so only faces whose
 * box meets the moved faces' box are tested.  Degenerate faces are removed by edge collapses
 * (CGAL's remove_degenerate_faces); then the result must be a clean solid again, or the
 * operation is refused. */
gboolean
settle_rounded (float                   **positions,
                guint32                  *n_vertices,
                guint32                 **indices,
                guint32                  *n_triangles,
                const std::vector<bool>  &moved,
                char                    **out_reason)
{
  OspCgalMeshView view = { *positions, *n_vertices, *indices, *n_triangles };
  FloatMesh mesh;
  guint64 n_rejected = build_mesh (&view, mesh);
  std::vector<FloatMesh::Face_index> near;
  CGAL::Bbox_3 box;
  bool any_moved = false, degenerate = false;

  for (auto f : mesh.faces ())
    {
      bool face_moved = false;
      for (auto v : CGAL::vertices_around_face (mesh.halfedge (f), mesh))
        face_moved = face_moved || moved[(std::size_t) v];
      if (!face_moved)
        continue;
      any_moved = true;
      box += PMP::face_bbox (f, mesh);
      degenerate = degenerate || PMP::is_degenerate_triangle_face (f, mesh);
    }
  if (n_rejected == 0 && !any_moved)
    return TRUE;
  if (n_rejected == 0)
    {
      bool repaired = false;

      for (auto f : mesh.faces ())
        if (CGAL::do_overlap (PMP::face_bbox (f, mesh), box))
          near.push_back (f);
      if (!degenerate && !PMP::does_self_intersect (near, mesh))
        return TRUE;

      /* Rounding turned slivers next to the intersection curve into needles, caps or crossing
       * faces.  Collapse edges shorter than a micrometre and flip caps there (CGAL's
       * remove_almost_degenerate_faces), then remove what still crosses by local remeshing
       * (remove_self_intersections); the surface moves by about a micrometre at most. */
      PMP::remove_degenerate_faces (mesh);
      near.clear ();
      for (auto f : mesh.faces ())
        if (CGAL::do_overlap (PMP::face_bbox (f, mesh), box))
          near.push_back (f);
      PMP::experimental::remove_almost_degenerate_faces (near, mesh, -0.9998, 1000.0, 1e-3);
      mesh.collect_garbage ();
      near.clear ();
      for (auto f : mesh.faces ())
        if (CGAL::do_overlap (PMP::face_bbox (f, mesh), box))
          near.push_back (f);
      repaired = !PMP::does_self_intersect (near, mesh);
      if (!repaired)
        {
          std::vector<std::pair<FloatMesh::Face_index, FloatMesh::Face_index>> pairs;
          std::set<FloatMesh::Face_index> bad;

          PMP::self_intersections (near, mesh, std::back_inserter (pairs));
          for (const auto &pr : pairs)
            {
              bad.insert (pr.first);
              bad.insert (pr.second);
            }
          PMP::experimental::remove_self_intersections (bad, mesh,
                                                        CGAL::parameters::preserve_genus (false));
          mesh.collect_garbage ();
          near.clear ();
          for (auto f : mesh.faces ())
            if (CGAL::do_overlap (PMP::face_bbox (f, mesh), box))
              near.push_back (f);
          repaired = !PMP::does_self_intersect (near, mesh);
        }
      if (repaired && CGAL::is_closed (mesh))
        {
          bool clean = true;
          for (auto f : near)
            clean = clean && !PMP::is_degenerate_triangle_face (f, mesh);
          if (clean)
            {
              g_free (*positions);
              g_free (*indices);
              export_mesh (mesh, positions, n_vertices, indices, n_triangles, NULL);
              return TRUE;
            }
        }
    }
  *out_reason = g_strdup (_("the result has features finer than single precision can hold "
                            "(rounded to float it would cross itself); move one operand by a "
                            "hundredth of a millimetre and try again"));
  return FALSE;
}

template <typename V>
bool
corefine (ExactMesh &a,
          ExactMesh &b,
          OspCgalOp  op,
          ExactMesh &out,
          V         &visitor)
{
  switch (op)
    {
    case OSP_CGAL_UNION:
      return PMP::corefine_and_compute_union (a, b, out, CGAL::parameters::visitor (visitor));
    case OSP_CGAL_DIFFERENCE:
      return PMP::corefine_and_compute_difference (a, b, out,
                                                   CGAL::parameters::visitor (visitor));
    case OSP_CGAL_INTERSECTION:
    default:
      return PMP::corefine_and_compute_intersection (a, b, out,
                                                     CGAL::parameters::visitor (visitor));
    }
}

} /* namespace */

extern "C" gboolean
osp_cgal_corefine_only (const OspCgalMeshView *a,
                        const OspCgalMeshView *b,
                        OspCgalOp              op,
                        float                **out_positions,
                        guint32               *out_n_vertices,
                        guint32              **out_indices,
                        guint32               *out_n_triangles,
                        char                 **out_reason)
{
  *out_reason = NULL;
  try
    {
      ExactMesh ma, mb, out;
      PMP::Corefinement::Default_visitor<ExactMesh> visitor;

      build_mesh (a, ma);
      build_mesh (b, mb);
      if (!corefine (ma, mb, op, out, visitor))
        {
          *out_reason = g_strdup ("corefinement failed");
          return FALSE;
        }
      export_mesh (out, out_positions, out_n_vertices, out_indices, out_n_triangles, NULL);
      return TRUE;
    }
  catch (const std::exception &e)
    {
      *out_reason = g_strdup (e.what ());
      return FALSE;
    }
}

extern "C" gboolean
osp_cgal_diagnose (const OspCgalMeshView *mesh,
                   const OspCgalMonitor  *monitor,
                   OspCgalDiagnosis      *out_diagnosis)
{
  try
    {
      diagnose (mesh, monitor, out_diagnosis);
      return TRUE;
    }
  catch (const Cancelled &)
    {
      return FALSE;
    }
  catch (const std::exception &)
    {
      /* CGAL failed on its own preconditions: call the mesh what the checks can no longer
       * vouch for. */
      out_diagnosis->self_intersects = TRUE;
      return TRUE;
    }
}

extern "C" gboolean
osp_cgal_boolean (const OspCgalMeshView *a,
                  const OspCgalMeshView *b,
                  OspCgalOp              op,
                  const OspCgalMonitor  *monitor,
                  float                **out_positions,
                  guint32               *out_n_vertices,
                  guint32              **out_indices,
                  guint32               *out_n_triangles,
                  gboolean              *out_cancelled,
                  char                 **out_reason)
{
  *out_cancelled = FALSE;
  *out_reason = NULL;
  try
    {
      ExactMesh ma, mb, out;
      build_mesh (a, ma);
      report (monitor, 0.05);
      check_cancel (monitor);
      build_mesh (b, mb);
      report (monitor, 0.1);
      check_cancel (monitor);

      Visitor visitor (monitor);
      if (!corefine (ma, mb, op, out, visitor))
        {
          /* Corefinement refuses when the result would be non-manifold: two solids touching
           * along an edge or at a point only. */
          *out_reason = g_strdup (_("the result would not be a manifold solid (the meshes "
                                    "touch along an edge or at a single point)"));
          return FALSE;
        }
      report (monitor, 0.85);
      check_cancel (monitor);
      std::vector<bool> moved;
      export_mesh (out, out_positions, out_n_vertices, out_indices, out_n_triangles, &moved);
      report (monitor, 0.9);
      if (!settle_rounded (out_positions, out_n_vertices, out_indices, out_n_triangles, moved,
                           out_reason))
        {
          g_clear_pointer (out_positions, g_free);
          g_clear_pointer (out_indices, g_free);
          return FALSE;
        }
      report (monitor, 1.0);
      return TRUE;
    }
  catch (const Cancelled &)
    {
      *out_cancelled = TRUE;
      return FALSE;
    }
  catch (const std::bad_alloc &)
    {
      *out_reason = g_strdup (_("there is not enough memory for this operation"));
      return FALSE;
    }
  catch (const std::exception &e)
    {
      *out_reason = g_strdup_printf (_("the Boolean kernel failed (%s)"), e.what ());
      return FALSE;
    }
}

extern "C" gboolean
osp_cgal_alpha_wrap (const OspCgalMeshView *mesh,
                     double                 alpha,
                     double                 offset,
                     const OspCgalMonitor  *monitor,
                     float                **out_positions,
                     guint32               *out_n_vertices,
                     guint32              **out_indices,
                     guint32               *out_n_triangles,
                     gboolean              *out_cancelled,
                     char                 **out_reason)
{
  *out_cancelled = FALSE;
  *out_reason = NULL;
  try
    {
      std::vector<Epick::Point_3> points;
      std::vector<std::array<std::size_t, 3>> faces;
      points.reserve (mesh->n_vertices);
      faces.reserve (mesh->n_triangles);
      for (guint32 v = 0; v < mesh->n_vertices; v++)
        points.emplace_back (mesh->positions[3 * (gsize) v], mesh->positions[3 * (gsize) v + 1],
                             mesh->positions[3 * (gsize) v + 2]);
      for (guint32 t = 0; t < mesh->n_triangles; t++)
        faces.push_back ({ mesh->indices[3 * (gsize) t], mesh->indices[3 * (gsize) t + 1],
                           mesh->indices[3 * (gsize) t + 2] });
      check_cancel (monitor);
      report (monitor, 0.1);
      FloatMesh wrap;
      CGAL::alpha_wrap_3 (points, faces, alpha, offset, wrap);
      check_cancel (monitor);
      report (monitor, 0.9);

      export_mesh (wrap, out_positions, out_n_vertices, out_indices, out_n_triangles, NULL);
      report (monitor, 1.0);
      return TRUE;
    }
  catch (const Cancelled &)
    {
      *out_cancelled = TRUE;
      return FALSE;
    }
  catch (const std::bad_alloc &)
    {
      *out_reason = g_strdup (_("there is not enough memory for this operation"));
      return FALSE;
    }
  catch (const std::exception &e)
    {
      *out_reason = g_strdup_printf (_("the wrapping failed (%s)"), e.what ());
      return FALSE;
    }
}
