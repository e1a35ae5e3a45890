/* osp-mesh.c — indexed triangle meshes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-memory.h"
#include "osp-mesh-private.h"

OspMesh *
osp_mesh_new_take (float   *positions,
                   guint32  n_vertices,
                   guint32 *indices,
                   guint32  n_triangles)
{
  OspMesh *mesh;

  g_return_val_if_fail (n_vertices <= OSP_MESH_MAX_ELEMENTS, NULL);
  g_return_val_if_fail (n_triangles <= OSP_MESH_MAX_ELEMENTS, NULL);
  g_return_val_if_fail (positions != NULL || n_vertices == 0, NULL);
  g_return_val_if_fail (indices != NULL || n_triangles == 0, NULL);

#ifndef G_DISABLE_CHECKS
  for (gsize i = 0; i < (gsize) n_triangles * 3; i++)
    if G_UNLIKELY (indices[i] >= n_vertices)
      {
        g_critical ("%s: index %u at %" G_GSIZE_FORMAT " is not below the vertex count %u",
                    G_STRFUNC, indices[i], i, n_vertices);
        g_free (positions);
        g_free (indices);
        return NULL;
      }
#endif

  mesh = g_new0 (OspMesh, 1);
  g_atomic_ref_count_init (&mesh->ref_count);
  mesh->positions = positions;
  mesh->indices = indices;
  mesh->n_vertices = n_vertices;
  mesh->n_triangles = n_triangles;
  return mesh;
}

OspMesh *
osp_mesh_new (const float   *positions,
              guint32        n_vertices,
              const guint32 *indices,
              guint32        n_triangles)
{
  g_return_val_if_fail (n_vertices <= OSP_MESH_MAX_ELEMENTS, NULL);
  g_return_val_if_fail (n_triangles <= OSP_MESH_MAX_ELEMENTS, NULL);

  return osp_mesh_new_take (g_memdup2 (positions, (gsize) n_vertices * 3 * sizeof (float)),
                            n_vertices,
                            g_memdup2 (indices, (gsize) n_triangles * 3 * sizeof (guint32)),
                            n_triangles);
}

OspMesh *
osp_mesh_ref (OspMesh *mesh)
{
  g_return_val_if_fail (mesh != NULL, NULL);

  g_atomic_ref_count_inc (&mesh->ref_count);
  return mesh;
}

void
osp_mesh_unref (OspMesh *mesh)
{
  g_return_if_fail (mesh != NULL);

  if (!g_atomic_ref_count_dec (&mesh->ref_count))
    return;
  g_free (mesh->positions);
  g_free (mesh->indices);
  g_free (mesh);
}

guint32
osp_mesh_get_n_vertices (const OspMesh *mesh)
{
  g_return_val_if_fail (mesh != NULL, 0);

  return mesh->n_vertices;
}

guint32
osp_mesh_get_n_triangles (const OspMesh *mesh)
{
  g_return_val_if_fail (mesh != NULL, 0);

  return mesh->n_triangles;
}

const float *
osp_mesh_get_positions (const OspMesh *mesh)
{
  g_return_val_if_fail (mesh != NULL, NULL);

  return mesh->positions;
}

const guint32 *
osp_mesh_get_indices (const OspMesh *mesh)
{
  g_return_val_if_fail (mesh != NULL, NULL);

  return mesh->indices;
}

gboolean
osp_mesh_equal (const OspMesh *a,
                const OspMesh *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return a->n_vertices == b->n_vertices &&
         a->n_triangles == b->n_triangles &&
         (a->n_vertices == 0 ||
          memcmp (a->positions, b->positions, (gsize) a->n_vertices * 3 * sizeof (float)) == 0) &&
         (a->n_triangles == 0 ||
          memcmp (a->indices, b->indices, (gsize) a->n_triangles * 3 * sizeof (guint32)) == 0);
}

/* -- Measures ----------------------------------------------------------------------------- */

gboolean
osp_box_is_empty (const OspBox *box)
{
  g_return_val_if_fail (box != NULL, TRUE);

  return !(box->min[0] <= box->max[0] && box->min[1] <= box->max[1] && box->min[2] <= box->max[2]);
}

void
osp_mesh_get_bounds (const OspMesh *mesh,
                     OspBox        *out_box)
{
  g_autofree guint8 *used = NULL;

  g_return_if_fail (mesh != NULL);
  g_return_if_fail (out_box != NULL);

  for (guint c = 0; c < 3; c++)
    {
      out_box->min[c] = G_MAXFLOAT;
      out_box->max[c] = -G_MAXFLOAT;
    }

  /* Only vertices that triangles use count: a stray vertex is no part of the surface. */
  used = g_malloc0 (MAX (mesh->n_vertices, 1));
  for (gsize i = 0; i < (gsize) mesh->n_triangles * 3; i++)
    used[mesh->indices[i]] = 1;

  for (guint32 v = 0; v < mesh->n_vertices; v++)
    {
      const float *p = mesh->positions + 3 * (gsize) v;

      if (!used[v])
        continue;
      for (guint c = 0; c < 3; c++)
        {
          if (p[c] < out_box->min[c])
            out_box->min[c] = p[c];
          if (p[c] > out_box->max[c])
            out_box->max[c] = p[c];
        }
    }
}

static inline void
corner_d (const OspMesh *mesh,
          guint32        v,
          double         out[3])
{
  const float *p = mesh->positions + 3 * (gsize) v;

  out[0] = p[0];
  out[1] = p[1];
  out[2] = p[2];
}

/* Twice the triangle's area vector (a − o) × (b − o), in double precision. */
static inline void
triangle_cross_d (const OspMesh *mesh,
                  guint32        t,
                  double         out[3])
{
  const guint32 *tri = mesh->indices + 3 * (gsize) t;
  double p0[3], p1[3], p2[3], e1[3], e2[3];

  corner_d (mesh, tri[0], p0);
  corner_d (mesh, tri[1], p1);
  corner_d (mesh, tri[2], p2);
  for (guint c = 0; c < 3; c++)
    {
      e1[c] = p1[c] - p0[c];
      e2[c] = p2[c] - p0[c];
    }
  out[0] = e1[1] * e2[2] - e1[2] * e2[1];
  out[1] = e1[2] * e2[0] - e1[0] * e2[2];
  out[2] = e1[0] * e2[1] - e1[1] * e2[0];
}

double
osp_mesh_get_area (const OspMesh *mesh)
{
  double sum = 0.0;

  g_return_val_if_fail (mesh != NULL, 0.0);

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      double n[3];

      triangle_cross_d (mesh, t, n);
      sum += sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    }
  return 0.5 * sum;
}

double
osp_mesh_get_volume (const OspMesh *mesh)
{
  double sum = 0.0;
  double ref[3] = { 0, 0, 0 };
  OspBox box;

  g_return_val_if_fail (mesh != NULL, 0.0);

  if (mesh->n_triangles == 0)
    return 0.0;

  /* Tetrahedra from the box centre rather than the origin: far from the origin (CT
   * coordinates are often hundreds of mm away) the products lose digits otherwise. */
  osp_mesh_get_bounds (mesh, &box);
  for (guint c = 0; c < 3; c++)
    ref[c] = 0.5 * ((double) box.min[c] + (double) box.max[c]);

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      const guint32 *tri = mesh->indices + 3 * (gsize) t;
      double a[3], b[3], c[3];

      corner_d (mesh, tri[0], a);
      corner_d (mesh, tri[1], b);
      corner_d (mesh, tri[2], c);
      for (guint k = 0; k < 3; k++)
        {
          a[k] -= ref[k];
          b[k] -= ref[k];
          c[k] -= ref[k];
        }
      sum += a[0] * (b[1] * c[2] - b[2] * c[1])
           - a[1] * (b[0] * c[2] - b[2] * c[0])
           + a[2] * (b[0] * c[1] - b[1] * c[0]);
    }
  return sum / 6.0;
}

float *
osp_mesh_compute_face_normals (const OspMesh *mesh)
{
  float *normals;

  g_return_val_if_fail (mesh != NULL, NULL);

  normals = g_new0 (float, (gsize) mesh->n_triangles * 3 + 1);
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      double n[3], len;

      triangle_cross_d (mesh, t, n);
      len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      if (len > 0.0)
        for (guint c = 0; c < 3; c++)
          normals[3 * (gsize) t + c] = (float) (n[c] / len);
    }
  return normals;
}

float *
osp_mesh_compute_vertex_normals (const OspMesh *mesh)
{
  g_autofree double *acc = NULL;
  float *normals;

  g_return_val_if_fail (mesh != NULL, NULL);

  acc = g_new0 (double, (gsize) mesh->n_vertices * 3 + 1);
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      const guint32 *tri = mesh->indices + 3 * (gsize) t;
      double n[3];

      /* The unnormalised cross product is twice the area times the unit normal, so summing
       * it weights each face by its area. */
      triangle_cross_d (mesh, t, n);
      for (guint k = 0; k < 3; k++)
        for (guint c = 0; c < 3; c++)
          acc[3 * (gsize) tri[k] + c] += n[c];
    }

  normals = g_new0 (float, (gsize) mesh->n_vertices * 3 + 1);
  for (guint32 v = 0; v < mesh->n_vertices; v++)
    {
      const double *n = acc + 3 * (gsize) v;
      double len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);

      if (len > 0.0)
        for (guint c = 0; c < 3; c++)
          normals[3 * (gsize) v + c] = (float) (n[c] / len);
    }
  return normals;
}

/* -- Clean-up ----------------------------------------------------------------------------- */

gboolean
osp_mesh_triangle_is_degenerate (const OspMesh *mesh,
                                 guint32        t)
{
  const guint32 *tri = mesh->indices + 3 * (gsize) t;
  double n[3];

  if (tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2])
    return TRUE;
  /* Equal positions and collinear corners both give a zero cross product; the differences of
   * floats are exact in double, so this is an exact test for equal positions. */
  triangle_cross_d (mesh, t, n);
  return n[0] == 0.0 && n[1] == 0.0 && n[2] == 0.0;
}

guint32
osp_mesh_count_degenerate (const OspMesh *mesh)
{
  guint32 count = 0;

  g_return_val_if_fail (mesh != NULL, 0);

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    count += osp_mesh_triangle_is_degenerate (mesh, t);
  return count;
}

OspMesh *
osp_mesh_remove_degenerate (const OspMesh *mesh,
                            guint32       *out_n_removed)
{
  g_autofree gboolean *keep = NULL;
  guint32 removed = 0;

  g_return_val_if_fail (mesh != NULL, NULL);

  keep = g_new (gboolean, (gsize) mesh->n_triangles + 1);
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      keep[t] = !osp_mesh_triangle_is_degenerate (mesh, t);
      removed += !keep[t];
    }
  if (out_n_removed != NULL)
    *out_n_removed = removed;
  return osp_mesh_extract_triangles (mesh, keep);
}

OspMesh *
osp_mesh_extract_triangles (const OspMesh  *mesh,
                            const gboolean *keep)
{
  g_autofree guint32 *remap = NULL;
  float *positions;
  guint32 *indices;
  guint32 n_vertices = 0, n_triangles = 0;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (keep != NULL || mesh->n_triangles == 0, NULL);

  remap = g_new (guint32, (gsize) mesh->n_vertices + 1);
  memset (remap, 0xff, ((gsize) mesh->n_vertices + 1) * sizeof (guint32));
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    if (keep[t])
      n_triangles++;

  indices = g_new (guint32, (gsize) n_triangles * 3 + 1);
  n_triangles = 0;
  /* Kept vertices keep their original relative order, so extraction is deterministic and
   * commutes with welding. */
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    if (keep[t])
      for (guint k = 0; k < 3; k++)
        remap[mesh->indices[3 * (gsize) t + k]] = 0;
  for (guint32 v = 0; v < mesh->n_vertices; v++)
    if (remap[v] == 0)
      remap[v] = n_vertices++;

  positions = g_new (float, (gsize) n_vertices * 3 + 1);
  for (guint32 v = 0; v < mesh->n_vertices; v++)
    if (remap[v] != G_MAXUINT32)
      memcpy (positions + 3 * (gsize) remap[v], mesh->positions + 3 * (gsize) v, 3 * sizeof (float));

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    if (keep[t])
      {
        for (guint k = 0; k < 3; k++)
          indices[3 * (gsize) n_triangles + k] = remap[mesh->indices[3 * (gsize) t + k]];
        n_triangles++;
      }

  return osp_mesh_new_take (positions, n_vertices, indices, n_triangles);
}

OspMesh *
osp_mesh_compact (const OspMesh *mesh)
{
  g_autofree gboolean *keep = NULL;

  g_return_val_if_fail (mesh != NULL, NULL);

  keep = g_new (gboolean, (gsize) mesh->n_triangles + 1);
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    keep[t] = TRUE;
  return osp_mesh_extract_triangles (mesh, keep);
}

OspMesh *
osp_mesh_extract_label (const OspMesh *mesh,
                        const guint32 *labels,
                        guint32        label)
{
  g_autofree gboolean *keep = NULL;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (labels != NULL || mesh->n_triangles == 0, NULL);

  keep = g_new (gboolean, (gsize) mesh->n_triangles + 1);
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    keep[t] = labels[t] == label;
  return osp_mesh_extract_triangles (mesh, keep);
}

OspMesh *
osp_mesh_merge (OspMesh *const *meshes,
                guint           n_meshes)
{
  guint64 total_v = 0, total_t = 0;
  float *positions;
  guint32 *indices;
  guint32 vo = 0;
  gsize to = 0;

  g_return_val_if_fail (meshes != NULL || n_meshes == 0, NULL);

  for (guint m = 0; m < n_meshes; m++)
    {
      total_v += meshes[m]->n_vertices;
      total_t += meshes[m]->n_triangles;
    }
  g_return_val_if_fail (total_v <= OSP_MESH_MAX_ELEMENTS, NULL);
  g_return_val_if_fail (total_t <= OSP_MESH_MAX_ELEMENTS, NULL);

  positions = g_new (float, total_v * 3 + 1);
  indices = g_new (guint32, total_t * 3 + 1);
  for (guint m = 0; m < n_meshes; m++)
    {
      const OspMesh *mesh = meshes[m];

      memcpy (positions + 3 * (gsize) vo, mesh->positions,
              (gsize) mesh->n_vertices * 3 * sizeof (float));
      for (gsize i = 0; i < (gsize) mesh->n_triangles * 3; i++)
        indices[to + i] = mesh->indices[i] + vo;
      vo += mesh->n_vertices;
      to += (gsize) mesh->n_triangles * 3;
    }
  return osp_mesh_new_take (positions, (guint32) total_v, indices, (guint32) total_t);
}

/* -- Topology ----------------------------------------------------------------------------- */

/* A directed half-edge, keyed by its undirected vertex pair. */
typedef struct
{
  guint64 key;      /* (min << 32) | max */
  guint32 triangle;
  guint32 forward;  /* 1 when the triangle walks min → max */
} HalfEdge;

/* LSD radix sort on the key, 16 bits a pass, skipping passes whose digit never varies (the
 * high bits of both vertex numbers are often zero). */
static void
sort_half_edges (HalfEdge *edges,
                 gsize     n)
{
  g_autofree HalfEdge *tmp = NULL;
  g_autofree gsize *count = NULL;
  HalfEdge *src = edges, *dst;
  guint64 all_or = 0, all_and = G_MAXUINT64;

  if (n < 2)
    return;
  for (gsize i = 0; i < n; i++)
    {
      all_or |= edges[i].key;
      all_and &= edges[i].key;
    }

  tmp = g_new (HalfEdge, n);
  count = g_new (gsize, 1 << 16);
  dst = tmp;
  for (guint shift = 0; shift < 64; shift += 16)
    {
      gsize sum = 0;

      if ((((all_or ^ all_and) >> shift) & 0xffff) == 0)
        continue;
      memset (count, 0, sizeof (gsize) << 16);
      for (gsize i = 0; i < n; i++)
        count[(src[i].key >> shift) & 0xffff]++;
      for (guint d = 0; d < (1u << 16); d++)
        {
          gsize c = count[d];

          count[d] = sum;
          sum += c;
        }
      for (gsize i = 0; i < n; i++)
        dst[count[(src[i].key >> shift) & 0xffff]++] = src[i];
      {
        HalfEdge *swap = src;

        src = dst;
        dst = swap;
      }
    }
  if (src != edges)
    memcpy (edges, src, n * sizeof (HalfEdge));
}

static HalfEdge *
build_sorted_half_edges (const OspMesh *mesh,
                         gsize         *out_n)
{
  gsize n = (gsize) mesh->n_triangles * 3;
  HalfEdge *edges = g_new (HalfEdge, n + 1);

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    for (guint k = 0; k < 3; k++)
      {
        guint32 a = mesh->indices[3 * (gsize) t + k];
        guint32 b = mesh->indices[3 * (gsize) t + (k + 1) % 3];
        HalfEdge *e = &edges[3 * (gsize) t + k];

        e->key = a < b ? ((guint64) a << 32) | b : ((guint64) b << 32) | a;
        e->triangle = t;
        e->forward = a < b;
      }
  sort_half_edges (edges, n);
  *out_n = n;
  return edges;
}

static guint32
label_from_edges (const OspMesh  *mesh,
                  const HalfEdge *edges,
                  gsize           n_edges,
                  guint32        *out_labels)
{
  g_autofree guint32 *parent = g_new (guint32, (gsize) mesh->n_triangles + 1);
  g_autofree guint32 *root_label = g_new (guint32, (gsize) mesh->n_triangles + 1);
  guint32 n_components = 0;

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      parent[t] = t;
      root_label[t] = G_MAXUINT32;
    }
  for (gsize i = 1; i < n_edges; i++)
    if (edges[i].key == edges[i - 1].key)
      osp_union_find_join (parent, edges[i].triangle, edges[i - 1].triangle);

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      guint32 r = osp_union_find_root (parent, t);

      if (root_label[r] == G_MAXUINT32)
        root_label[r] = n_components++;
      out_labels[t] = root_label[r];
    }
  return n_components;
}

guint32
osp_mesh_label_components (const OspMesh *mesh,
                           guint32       *out_labels)
{
  g_autofree HalfEdge *edges = NULL;
  gsize n;

  g_return_val_if_fail (mesh != NULL, 0);
  g_return_val_if_fail (out_labels != NULL || mesh->n_triangles == 0, 0);

  edges = build_sorted_half_edges (mesh, &n);
  return label_from_edges (mesh, edges, n, out_labels);
}

void
osp_mesh_get_topology (const OspMesh   *mesh,
                       OspMeshTopology *out_topology)
{
  g_autofree HalfEdge *edges = NULL;
  g_autofree guint32 *labels = NULL;
  g_autofree guint8 *used = NULL;
  guint64 n_used = 0;
  gsize n;

  g_return_if_fail (mesh != NULL);
  g_return_if_fail (out_topology != NULL);

  memset (out_topology, 0, sizeof *out_topology);
  edges = build_sorted_half_edges (mesh, &n);

  for (gsize i = 0; i < n;)
    {
      gsize j = i + 1;
      guint fwd = edges[i].forward;

      while (j < n && edges[j].key == edges[i].key)
        fwd += edges[j++].forward;

      out_topology->n_edges++;
      if (j - i == 1)
        out_topology->n_boundary_edges++;
      else if (j - i > 2)
        out_topology->n_nonmanifold_edges++;
      else if (fwd != 1)
        out_topology->n_misoriented_edges++;
      i = j;
    }

  labels = g_new (guint32, (gsize) mesh->n_triangles + 1);
  out_topology->n_components = label_from_edges (mesh, edges, n, labels);

  used = g_malloc0 ((gsize) mesh->n_vertices + 1);
  for (gsize i = 0; i < (gsize) mesh->n_triangles * 3; i++)
    used[mesh->indices[i]] = 1;
  for (guint32 v = 0; v < mesh->n_vertices; v++)
    n_used += used[v];

  out_topology->euler_characteristic =
    (gint64) n_used - (gint64) out_topology->n_edges + (gint64) mesh->n_triangles;
}

/* -- Transforms --------------------------------------------------------------------------- */

static OspMesh *
transform_mesh (const OspMesh *mesh,
                mat4           m,
                gboolean       flip)
{
  float *positions = g_new (float, (gsize) mesh->n_vertices * 3 + 1);
  guint32 *indices = g_new (guint32, (gsize) mesh->n_triangles * 3 + 1);

  for (guint32 v = 0; v < mesh->n_vertices; v++)
    {
      const float *p = mesh->positions + 3 * (gsize) v;
      float *q = positions + 3 * (gsize) v;

      /* Double precision: a transform far from the origin must not round twice. */
      for (guint c = 0; c < 3; c++)
        q[c] = (float) ((double) m[0][c] * p[0] + (double) m[1][c] * p[1] +
                        (double) m[2][c] * p[2] + (double) m[3][c]);
    }

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      const guint32 *src = mesh->indices + 3 * (gsize) t;
      guint32 *dst = indices + 3 * (gsize) t;

      dst[0] = src[0];
      dst[1] = flip ? src[2] : src[1];
      dst[2] = flip ? src[1] : src[2];
    }
  return osp_mesh_new_take (positions, mesh->n_vertices, indices, mesh->n_triangles);
}

OspMesh *
osp_mesh_transform (const OspMesh *mesh,
                    mat4           matrix)
{
  mat3 linear;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (matrix != NULL, NULL);

  glm_mat4_pick3 (matrix, linear);
  return transform_mesh (mesh, matrix, glm_mat3_det (linear) < 0.0f);
}

void
osp_plane_reflection_matrix (const OspPlane *plane,
                             mat4            out_matrix)
{
  double n[3], len2 = 0.0;

  g_return_if_fail (plane != NULL);
  g_return_if_fail (out_matrix != NULL);

  for (guint c = 0; c < 3; c++)
    {
      n[c] = plane->normal[c];
      len2 += n[c] * n[c];
    }
  g_return_if_fail (len2 > 0.0);

  /* x' = x − 2 (n·x − d) n / |n|² */
  glm_mat4_identity (out_matrix);
  for (guint col = 0; col < 3; col++)
    for (guint row = 0; row < 3; row++)
      out_matrix[col][row] = (float) ((row == col ? 1.0 : 0.0) - 2.0 * n[row] * n[col] / len2);
  for (guint row = 0; row < 3; row++)
    out_matrix[3][row] = (float) (2.0 * plane->d * n[row] / len2);
}

OspMesh *
osp_mesh_mirror (const OspMesh  *mesh,
                 const OspPlane *plane)
{
  mat4 m;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (plane != NULL, NULL);
  g_return_val_if_fail (plane->normal[0] != 0.0f || plane->normal[1] != 0.0f ||
                        plane->normal[2] != 0.0f, NULL);

  osp_plane_reflection_matrix (plane, m);
  return transform_mesh (mesh, m, TRUE);
}

OspMesh *
osp_mesh_flip (const OspMesh *mesh)
{
  mat4 m;

  g_return_val_if_fail (mesh != NULL, NULL);

  glm_mat4_identity (m);
  return transform_mesh (mesh, m, TRUE);
}

/* -- Report ------------------------------------------------------------------------------- */

void
osp_mesh_report (const OspMesh *mesh,
                 OspMeshReport *out_report)
{
  g_return_if_fail (mesh != NULL);
  g_return_if_fail (out_report != NULL);

  memset (out_report, 0, sizeof *out_report);
  out_report->n_vertices = mesh->n_vertices;
  out_report->n_triangles = mesh->n_triangles;
  osp_mesh_get_bounds (mesh, &out_report->bounds);
  out_report->area = osp_mesh_get_area (mesh);
  out_report->volume = osp_mesh_get_volume (mesh);
  out_report->n_degenerate = osp_mesh_count_degenerate (mesh);
  osp_mesh_get_topology (mesh, &out_report->topology);
  out_report->closed = mesh->n_triangles > 0 &&
                       out_report->topology.n_boundary_edges == 0 &&
                       out_report->topology.n_nonmanifold_edges == 0 &&
                       out_report->topology.n_misoriented_edges == 0;
}

guint64
osp_mesh_report_bytes (guint32 n_vertices,
                       guint32 n_triangles)
{
  /* build_sorted_half_edges() and the radix sort's copy, then label_from_edges()'s parent and
   * root arrays with the labels, a byte a vertex and the sort's 2^16 counts. */
  return (guint64) n_triangles * (2 * 3 * sizeof (HalfEdge) + 3 * sizeof (guint32)) +
         n_vertices + (sizeof (gsize) << 16) + 64;
}

gboolean
osp_mesh_report_checked (const OspMesh *mesh,
                         OspMeshReport *out_report,
                         const char    *display_name,
                         GError       **error)
{
  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (out_report != NULL, FALSE);

  if (!osp_memory_check (osp_mesh_report_bytes (mesh->n_vertices, mesh->n_triangles),
                         display_name, _("the topology report"), error))
    return FALSE;
  osp_mesh_report (mesh, out_report);
  return TRUE;
}

const char *
osp_mesh_report_verdict (const OspMeshReport *report)
{
  g_return_val_if_fail (report != NULL, NULL);

  return report->closed ? "closed" : "open";
}
