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

/* The half-edges (3 t + k: triangle t's edge from corner k to corner k + 1) grouped by the
 * smaller of their two vertices, a compressed adjacency built by counting in O(n): group v is
 * he[offsets[v]] … he[offsets[v + 1] − 1].  12 bytes per triangle plus 4 per vertex, where a
 * sort of 16-byte edge records needed 96 per triangle. */
typedef struct
{
  guint32 *offsets;
  guint32 *he;
} EdgeGroups;

static inline guint32
next_half_edge (guint32 he)
{
  return he % 3 == 2 ? he - 2 : he + 1;
}

static void
edge_groups_build (const OspMesh *mesh,
                   EdgeGroups    *groups)
{
  const guint32 *idx = mesh->indices;
  gsize n = (gsize) mesh->n_triangles * 3;
  guint32 *off;

  /* Counts at v + 2, so that after the prefix sum offsets[v + 1] is where group v starts and
   * filling through it leaves offsets[v + 1] where group v ends. */
  off = groups->offsets = g_new0 (guint32, (gsize) mesh->n_vertices + 2);
  groups->he = g_new (guint32, n + 1);
  for (gsize i = 0; i < n; i += 3)
    {
      guint32 a = idx[i], b = idx[i + 1], c = idx[i + 2];

      off[MIN (a, b) + 2]++;
      off[MIN (b, c) + 2]++;
      off[MIN (c, a) + 2]++;
    }
  for (gsize v = 2; v < (gsize) mesh->n_vertices + 2; v++)
    off[v] += off[v - 1];
  for (gsize i = 0; i < n; i += 3)
    {
      guint32 a = idx[i], b = idx[i + 1], c = idx[i + 2];

      groups->he[off[MIN (a, b) + 1]++] = (guint32) i;
      groups->he[off[MIN (b, c) + 1]++] = (guint32) i + 1;
      groups->he[off[MIN (c, a) + 1]++] = (guint32) i + 2;
    }
}

static void
edge_groups_clear (EdgeGroups *groups)
{
  g_clear_pointer (&groups->offsets, g_free);
  g_clear_pointer (&groups->he, g_free);
}

static int
compare_keys (const void *a,
              const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return (x > y) - (x < y);
}

static void
sort_keys (guint64 *keys,
           gsize    n)
{
  if (n > 24)
    {
      qsort (keys, n, sizeof *keys, compare_keys);
      return;
    }
  for (gsize i = 1; i < n; i++)
    {
      guint64 k = keys[i];
      gsize j = i;

      for (; j > 0 && keys[j - 1] > k; j--)
        keys[j] = keys[j - 1];
      keys[j] = k;
    }
}

/* Walks every undirected edge once: counts it in `topology` (when not NULL) and joins the
 * triangles that share it in `parent` (when not NULL).  An edge's half-edges are those of group
 * min(a, b) with the same larger vertex: each group is sorted by the key
 * (larger vertex, half-edge, forward bit), a handful of elements on a surface. */
/* Union–find for two threads joining at once: the smaller root still wins (so a set's root
 * is still its smallest element), a root is linked only by a compare-and-swap, and path
 * halving only ever points an element at another of its ancestors. */
static inline guint32
concurrent_root (guint32 *parent,
                 guint32  x)
{
  for (;;)
    {
      guint32 p = __atomic_load_n (&parent[x], __ATOMIC_RELAXED), gp;

      if (p == x)
        return x;
      gp = __atomic_load_n (&parent[p], __ATOMIC_RELAXED);
      if (gp != p)
        __atomic_store_n (&parent[x], gp, __ATOMIC_RELAXED);
      x = gp;
    }
}

static inline void
concurrent_join (guint32 *parent,
                 guint32  a,
                 guint32  b)
{
  for (;;)
    {
      guint32 expected;

      a = concurrent_root (parent, a);
      b = concurrent_root (parent, b);
      if (a == b)
        return;
      if (a < b)
        {
          guint32 swap = a;

          a = b;
          b = swap;
        }
      expected = a;
      if (__atomic_compare_exchange_n (&parent[a], &expected, b, FALSE, __ATOMIC_RELAXED,
                                       __ATOMIC_RELAXED))
        return;
    }
}

/* The groups of vertices first … last − 1; `concurrent` when another thread joins in the
 * same parent array at the same time. */
static void
edge_groups_walk_range (const OspMesh    *mesh,
                        const EdgeGroups *groups,
                        guint32           first,
                        guint32           last,
                        OspMeshTopology  *topology,
                        guint32          *parent,
                        gboolean          concurrent)
{
  const guint32 *idx = mesh->indices;
  g_autofree guint64 *keys = NULL;
  gsize keys_size = 0;

  for (guint32 v = first; v < last; v++)
    {
      gsize start = groups->offsets[v], size = groups->offsets[v + 1] - start;

      if (size == 0)
        continue;
      if (size > keys_size)
        {
          keys_size = MAX (size, 64);
          g_free (keys);
          keys = g_new (guint64, keys_size);
        }
      for (gsize j = 0; j < size; j++)
        {
          guint32 he = groups->he[start + j];
          guint32 a = idx[he], b = idx[next_half_edge (he)];
          guint32 other = MAX (a, b);

          /* other < 2^31 and he < 2^32: the key fits 64 bits. */
          keys[j] = ((guint64) other << 33) | ((guint64) he << 1) | (a < b);
        }
      sort_keys (keys, size);
      for (gsize i = 0; i < size;)
        {
          gsize j = i + 1;
          guint fwd = keys[i] & 1;

          while (j < size && (keys[j] >> 33) == (keys[i] >> 33))
            {
              fwd += keys[j] & 1;
              if (parent != NULL)
                {
                  guint32 ta = (guint32) ((keys[j] >> 1) & G_MAXUINT32) / 3;
                  guint32 tb = (guint32) ((keys[j - 1] >> 1) & G_MAXUINT32) / 3;

                  if (concurrent)
                    concurrent_join (parent, ta, tb);
                  else
                    osp_union_find_join (parent, ta, tb);
                }
              j++;
            }
          if (topology != NULL)
            {
              topology->n_edges++;
              if (j - i == 1)
                topology->n_boundary_edges++;
              else if (j - i > 2)
                topology->n_nonmanifold_edges++;
              else if (fwd != 1)
                topology->n_misoriented_edges++;
            }
          i = j;
        }
    }
}

static void
edge_groups_walk (const OspMesh    *mesh,
                  const EdgeGroups *groups,
                  OspMeshTopology  *topology,
                  guint32          *parent)
{
  edge_groups_walk_range (mesh, groups, 0, mesh->n_vertices, topology, parent, FALSE);
}

typedef struct
{
  const OspMesh    *mesh;
  const EdgeGroups *groups;
  guint32           first, last;
  OspMeshTopology   topology;
  guint32          *parent;
} WalkWork;

static gpointer
walk_second_half (gpointer data)
{
  WalkWork *work = data;

  edge_groups_walk_range (work->mesh, work->groups, work->first, work->last, &work->topology,
                          work->parent, TRUE);
  return NULL;
}

/* Below this many triangles the edges are walked on one thread. */
#define WALK_THREAD_MIN_TRIANGLES 200000

/* The walk on two threads, each over the groups of half the half-edges; the counts add up and
 * the components are the same sets. */
static void
edge_groups_walk_parallel (const OspMesh    *mesh,
                           const EdgeGroups *groups,
                           OspMeshTopology  *topology,
                           guint32          *parent)
{
  gsize n = (gsize) mesh->n_triangles * 3;
  guint32 lo = 0, hi = mesh->n_vertices, mid;
  WalkWork work;
  GThread *thread = NULL;

  if (mesh->n_triangles < WALK_THREAD_MIN_TRIANGLES)
    {
      edge_groups_walk (mesh, groups, topology, parent);
      return;
    }
  /* The first vertex whose group starts past half the half-edges. */
  while (lo < hi)
    {
      guint32 m = lo + (hi - lo) / 2;

      if (groups->offsets[m] < n / 2)
        lo = m + 1;
      else
        hi = m;
    }
  mid = lo;
  memset (&work, 0, sizeof work);
  work.mesh = mesh;
  work.groups = groups;
  work.first = mid;
  work.last = mesh->n_vertices;
  work.parent = parent;
  thread = g_thread_try_new ("osp-edges", walk_second_half, &work, NULL);
  edge_groups_walk_range (mesh, groups, 0, thread != NULL ? mid : mesh->n_vertices, topology,
                          parent, thread != NULL);
  if (thread == NULL)
    return;
  g_thread_join (thread);
  topology->n_edges += work.topology.n_edges;
  topology->n_boundary_edges += work.topology.n_boundary_edges;
  topology->n_nonmanifold_edges += work.topology.n_nonmanifold_edges;
  topology->n_misoriented_edges += work.topology.n_misoriented_edges;
}

/* Labels in the order of each component's first triangle.  The smaller root wins every union,
 * so a set's root is its smallest triangle, already labelled when a later one asks. */
static guint32
label_from_parents (const OspMesh *mesh,
                    guint32       *parent,
                    guint32       *out_labels)
{
  guint32 n_components = 0;

  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      guint32 r = osp_union_find_root (parent, t);

      if (out_labels != NULL)
        out_labels[t] = r == t ? n_components : out_labels[r];
      n_components += r == t;
    }
  return n_components;
}

static guint32 *
new_parents (guint32 n)
{
  guint32 *parent = g_new (guint32, (gsize) n + 1);

  for (guint32 t = 0; t < n; t++)
    parent[t] = t;
  return parent;
}

guint32
osp_mesh_label_components (const OspMesh *mesh,
                           guint32       *out_labels)
{
  EdgeGroups groups = { NULL, NULL };
  g_autofree guint32 *parent = NULL;
  guint32 n_components;

  g_return_val_if_fail (mesh != NULL, 0);
  g_return_val_if_fail (out_labels != NULL || mesh->n_triangles == 0, 0);

  edge_groups_build (mesh, &groups);
  parent = new_parents (mesh->n_triangles);
  edge_groups_walk (mesh, &groups, NULL, parent);
  edge_groups_clear (&groups);
  n_components = label_from_parents (mesh, parent, out_labels);
  return n_components;
}

/* The vertices triangles use. */
static guint32
count_used_vertices (const OspMesh *mesh)
{
  g_autofree guint8 *used = g_malloc0 ((gsize) mesh->n_vertices + 1);
  guint32 n_used = 0;

  for (gsize i = 0; i < (gsize) mesh->n_triangles * 3; i++)
    used[mesh->indices[i]] = 1;
  for (guint32 v = 0; v < mesh->n_vertices; v++)
    n_used += used[v];
  return n_used;
}

/* Everything but the Euler characteristic, which needs the used vertices. */
static void
get_edge_topology (const OspMesh   *mesh,
                   OspMeshTopology *out_topology)
{
  EdgeGroups groups = { NULL, NULL };
  g_autofree guint32 *parent = NULL;

  memset (out_topology, 0, sizeof *out_topology);
  edge_groups_build (mesh, &groups);
  parent = new_parents (mesh->n_triangles);
  edge_groups_walk_parallel (mesh, &groups, out_topology, parent);
  edge_groups_clear (&groups);
  out_topology->n_components = label_from_parents (mesh, parent, NULL);
}

G_LOCK_DEFINE_STATIC (topology_cache);

/* Keeps the first topology found for the mesh (two threads may find it at once; both found
 * the same). */
static void
store_topology (const OspMesh         *mesh,
                const OspMeshTopology *topology)
{
  OspMesh *cache = (OspMesh *) mesh;

  G_LOCK (topology_cache);
  if (!g_atomic_int_get (&cache->topology_known))
    {
      cache->topology = *topology;
      g_atomic_int_set (&cache->topology_known, TRUE);
    }
  G_UNLOCK (topology_cache);
}

gboolean
osp_mesh_peek_topology (const OspMesh   *mesh,
                        OspMeshTopology *out_topology)
{
  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (out_topology != NULL, FALSE);

  /* A full barrier: the fields written before the flag are seen after it. */
  if (!g_atomic_int_get (&mesh->topology_known))
    return FALSE;
  *out_topology = mesh->topology;
  return TRUE;
}

void
osp_mesh_get_topology (const OspMesh   *mesh,
                       OspMeshTopology *out_topology)
{
  g_return_if_fail (mesh != NULL);
  g_return_if_fail (out_topology != NULL);

  if (osp_mesh_peek_topology (mesh, out_topology))
    return;
  get_edge_topology (mesh, out_topology);
  out_topology->euler_characteristic = (gint64) count_used_vertices (mesh) -
                                       (gint64) out_topology->n_edges +
                                       (gint64) mesh->n_triangles;
  store_topology (mesh, out_topology);
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

/* The figures of the report that need positions (bounds, area, volume, degenerate triangles)
 * and the used vertices: one thread's share while the other walks the edges. */
typedef struct
{
  const OspMesh *mesh;
  OspMeshReport *report;
  guint32        n_used;
} GeometryWork;

static gpointer
report_geometry (gpointer data)
{
  GeometryWork *work = data;
  const OspMesh *mesh = work->mesh;
  OspMeshReport *report = work->report;
  g_autofree guint8 *used = g_malloc0 ((gsize) mesh->n_vertices + 1);
  double area = 0.0, volume = 0.0, ref[3] = { 0, 0, 0 };
  guint32 n_used = 0, n_degenerate = 0;
  OspBox *box = &report->bounds;

  /* What osp_mesh_get_bounds, _get_area, _get_volume and _count_degenerate compute, in one
   * pass over the vertices and one over the triangles, with the same arithmetic in the same
   * order (the same figures to the last bit). */
  for (guint c = 0; c < 3; c++)
    {
      box->min[c] = G_MAXFLOAT;
      box->max[c] = -G_MAXFLOAT;
    }
  for (gsize i = 0; i < (gsize) mesh->n_triangles * 3; i++)
    used[mesh->indices[i]] = 1;
  for (guint32 v = 0; v < mesh->n_vertices; v++)
    {
      const float *p = mesh->positions + 3 * (gsize) v;

      if (!used[v])
        continue;
      n_used++;
      for (guint c = 0; c < 3; c++)
        {
          if (p[c] < box->min[c])
            box->min[c] = p[c];
          if (p[c] > box->max[c])
            box->max[c] = p[c];
        }
    }
  for (guint c = 0; c < 3; c++)
    ref[c] = 0.5 * ((double) box->min[c] + (double) box->max[c]);
  for (guint32 t = 0; t < mesh->n_triangles; t++)
    {
      const guint32 *tri = mesh->indices + 3 * (gsize) t;
      double n[3], a[3], b[3], c[3];

      triangle_cross_d (mesh, t, n);
      area += sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      n_degenerate += tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2] ||
                      (n[0] == 0.0 && n[1] == 0.0 && n[2] == 0.0);
      corner_d (mesh, tri[0], a);
      corner_d (mesh, tri[1], b);
      corner_d (mesh, tri[2], c);
      for (guint k = 0; k < 3; k++)
        {
          a[k] -= ref[k];
          b[k] -= ref[k];
          c[k] -= ref[k];
        }
      volume += a[0] * (b[1] * c[2] - b[2] * c[1])
              - a[1] * (b[0] * c[2] - b[2] * c[0])
              + a[2] * (b[0] * c[1] - b[1] * c[0]);
    }
  report->area = 0.5 * area;
  report->volume = mesh->n_triangles > 0 ? volume / 6.0 : 0.0;
  report->n_degenerate = n_degenerate;
  work->n_used = n_used;
  return NULL;
}

/* Below this many triangles a second thread costs more than it saves. */
#define REPORT_THREAD_MIN_TRIANGLES 100000

void
osp_mesh_report (const OspMesh *mesh,
                 OspMeshReport *out_report)
{
  GeometryWork work;
  OspMeshTopology topology;
  GThread *thread = NULL;

  g_return_if_fail (mesh != NULL);
  g_return_if_fail (out_report != NULL);

  memset (out_report, 0, sizeof *out_report);
  out_report->n_vertices = mesh->n_vertices;
  out_report->n_triangles = mesh->n_triangles;
  work.mesh = mesh;
  work.report = out_report;
  work.n_used = 0;
  /* Both cores: the geometry on a thread of its own, the edges here.  The sums run in the same
   * order as alone, so the figures are the same to the last bit. */
  if (mesh->n_triangles >= REPORT_THREAD_MIN_TRIANGLES)
    thread = g_thread_try_new ("osp-report", report_geometry, &work, NULL);
  if (thread == NULL)
    report_geometry (&work);
  if (!osp_mesh_peek_topology (mesh, &topology))
    get_edge_topology (mesh, &topology);
  if (thread != NULL)
    g_thread_join (thread);
  topology.euler_characteristic = (gint64) work.n_used - (gint64) topology.n_edges +
                                  (gint64) mesh->n_triangles;
  store_topology (mesh, &topology);
  out_report->topology = topology;
  out_report->closed = mesh->n_triangles > 0 &&
                       out_report->topology.n_boundary_edges == 0 &&
                       out_report->topology.n_nonmanifold_edges == 0 &&
                       out_report->topology.n_misoriented_edges == 0;
}

guint64
osp_mesh_report_bytes (guint32 n_vertices,
                       guint32 n_triangles)
{
  /* edge_groups_build()'s half-edges (12 bytes a triangle) and offsets (4 a vertex), the
   * component labelling's parents and labels (8 a triangle) and a byte a vertex. */
  return (guint64) n_triangles * (3 * sizeof (guint32) + 2 * sizeof (guint32)) +
         (guint64) n_vertices * (sizeof (guint32) + 1) + 64;
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
