/* osp-mesh-decimate.c — decimation through meshoptimizer
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <meshoptimizer.h>
#include <string.h>

#include "osp-mesh-private.h"
#include "osp-segment.h"

static gboolean
is_closed (const OspMesh *mesh)
{
  OspMeshTopology topology;

  osp_mesh_get_topology (mesh, &topology);
  return topology.n_boundary_edges == 0 && topology.n_nonmanifold_edges == 0 &&
         topology.n_misoriented_edges == 0;
}

typedef struct
{
  guint32 v[3];     /* corners, sorted */
  guint32 triangle;
  gboolean even;    /* the sort was an even permutation of the winding */
} TriangleKey;

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  const TriangleKey *ka = a, *kb = b;

  for (guint c = 0; c < 3; c++)
    if (ka->v[c] != kb->v[c])
      return ka->v[c] < kb->v[c] ? -1 : 1;
  return ka->triangle < kb->triangle ? -1 : ka->triangle > kb->triangle;
}

/* Edge collapses across a thin part can leave two copies of a triangle facing each other, a
 * fin of zero volume whose edges belong to four triangles.  Dropping both copies mends the
 * surface.  Returns the new triangle count. */
static gsize
remove_fins (guint32 *indices,
             gsize    n_triangles)
{
  g_autofree TriangleKey *keys = g_new (TriangleKey, n_triangles + 1);
  g_autofree gboolean *drop = g_new0 (gboolean, n_triangles + 1);
  gsize kept = 0;

  for (gsize t = 0; t < n_triangles; t++)
    {
      TriangleKey *k = &keys[t];
      gboolean even = TRUE;

      memcpy (k->v, indices + 3 * t, sizeof k->v);
      k->triangle = (guint32) t;
      for (guint pass = 0; pass < 2; pass++)
        for (guint c = 0; c + 1 < 3 - pass; c++)
          if (k->v[c] > k->v[c + 1])
            {
              guint32 swap = k->v[c];

              k->v[c] = k->v[c + 1];
              k->v[c + 1] = swap;
              even = !even;
            }
      k->even = even;
    }
  qsort (keys, n_triangles, sizeof (TriangleKey), compare_keys);
  for (gsize t = 0; t + 1 < n_triangles; t++)
    if (memcmp (keys[t].v, keys[t + 1].v, sizeof keys[t].v) == 0 &&
        keys[t].even != keys[t + 1].even)
      {
        drop[keys[t].triangle] = drop[keys[t + 1].triangle] = TRUE;
        t++;
      }
  for (gsize t = 0; t < n_triangles; t++)
    if (!drop[t])
      {
        memmove (indices + 3 * kept, indices + 3 * t, 3 * sizeof (guint32));
        kept++;
      }
  if (kept < n_triangles)
    g_debug ("%s: dropped %" G_GSIZE_FORMAT " fins", G_STRFUNC, (n_triangles - kept) / 2);
  return kept;
}

/* One meshoptimizer pass in which the triangles touching a locked vertex stay as they are:
 * they get private copies of their corners, nudged by a micrometre so that meshoptimizer
 * sees an island of open borders, which meshopt_SimplifyLockBorder keeps (and the vertices
 * around it).  The copies are mapped back, so the indices written to `out` (3 × n_triangles)
 * refer to the input's vertices.  Returns the index count. */
static gsize
simplify_locked (const guint32  *tri,
                 gsize           nt,
                 const float    *positions,
                 guint32         nv,
                 const gboolean *locked,
                 guint32         target,
                 float           relative_error,
                 guint32        *out,
                 float          *out_error)
{
  g_autofree guint32 *indices = NULL;
  g_autofree float *all = NULL;
  g_autofree guint32 *origin = NULL;
  gsize n_copies = 0, n_indices;

  for (gsize t = 0; t < nt; t++)
    if (locked[tri[3 * t]] || locked[tri[3 * t + 1]] || locked[tri[3 * t + 2]])
      n_copies += 3;
  if (n_copies == 0)
    return meshopt_simplify (out, tri, (gsize) nt * 3, positions, nv, 3 * sizeof (float),
                             (gsize) target * 3, relative_error, meshopt_SimplifyLockBorder,
                             out_error);

  indices = g_memdup2 (tri, (gsize) nt * 3 * sizeof (guint32));
  all = g_new (float, ((gsize) nv + n_copies) * 3);
  memcpy (all, positions, (gsize) nv * 3 * sizeof (float));
  origin = g_new (guint32, n_copies);
  n_copies = 0;
  for (gsize t = 0; t < nt; t++)
    if (locked[tri[3 * t]] || locked[tri[3 * t + 1]] || locked[tri[3 * t + 2]])
      for (guint c = 0; c < 3; c++)
        {
          float *copy = all + 3 * ((gsize) nv + n_copies);

          for (guint a = 0; a < 3; a++)
            copy[a] = positions[3 * (gsize) tri[3 * t + c] + a] + 1e-3f;
          origin[n_copies] = tri[3 * t + c];
          indices[3 * t + c] = nv + (guint32) n_copies++;
        }
  n_indices = meshopt_simplify (out, indices, (gsize) nt * 3, all, nv + n_copies,
                                3 * sizeof (float), (gsize) target * 3, relative_error,
                                meshopt_SimplifyLockBorder, out_error);
  for (gsize i = 0; i < n_indices; i++)
    if (out[i] >= nv)
      out[i] = origin[out[i] - nv];
  return n_indices;
}

typedef struct
{
  guint64 key;      /* smaller vertex << 32 | larger vertex */
  guint32 corner;   /* 3 × triangle + c: the edge from corner c to corner c + 1 */
  gboolean forward; /* it runs from the smaller vertex to the larger */
  double  angle;    /* around the edge, for edges of more than two triangles */
} EdgeUse;

static int
compare_edge_uses (gconstpointer a,
                   gconstpointer b)
{
  const EdgeUse *ea = a, *eb = b;

  if (ea->key != eb->key)
    return ea->key < eb->key ? -1 : 1;
  return ea->corner < eb->corner ? -1 : ea->corner > eb->corner;
}

static int
compare_angles (gconstpointer a,
                gconstpointer b)
{
  const EdgeUse *ea = a, *eb = b;

  if (ea->angle != eb->angle)
    return ea->angle < eb->angle ? -1 : 1;
  return ea->corner < eb->corner ? -1 : ea->corner > eb->corner;
}

/* The edge uses of the corners, ordered by (key, corner) as qsort with compare_edge_uses would
 * order them, in O(n): counted into groups by the smaller vertex (corners in order, so each
 * group is in corner order), then each group, a handful on a surface, sorted by the larger
 * vertex with a stable insertion sort (qsort for a large fan). */
static void
fill_sorted_edge_uses (const guint32 *indices,
                       gsize          n_corners,
                       guint32        n_vertices,
                       EdgeUse       *uses)
{
  g_autofree gsize *start = g_new0 (gsize, (gsize) n_vertices + 2);

  for (gsize c = 0; c < n_corners; c++)
    {
      guint32 a = indices[c], b = indices[c / 3 * 3 + (c % 3 + 1) % 3];

      start[MIN (a, b) + 2]++;
    }
  for (gsize v = 2; v < (gsize) n_vertices + 2; v++)
    start[v] += start[v - 1];
  for (gsize c = 0; c < n_corners; c++)
    {
      guint32 a = indices[c], b = indices[c / 3 * 3 + (c % 3 + 1) % 3];

      uses[start[MIN (a, b) + 1]++] =
        (EdgeUse) { (guint64) MIN (a, b) << 32 | MAX (a, b), (guint32) c, a < b, 0 };
    }
  for (guint32 v = 0; v < n_vertices; v++)
    {
      EdgeUse *group = uses + start[v];
      gsize size = start[v + 1] - start[v];

      if (size > 32)
        {
          qsort (group, size, sizeof (EdgeUse), compare_edge_uses);
          continue;
        }
      for (gsize i = 1; i < size; i++)
        {
          EdgeUse u = group[i];
          gsize j = i;

          for (; j > 0 && group[j - 1].key > u.key; j--)
            group[j] = group[j - 1];
          group[j] = u;
        }
    }
}

/* Two triangles glued along an edge (u runs a → b, w runs b → a): their corners at a are
 * the same surface point, and so are those at b. */
static void
glue (guint32       *parent,
      const EdgeUse *u,
      const EdgeUse *w)
{
  guint32 tu = u->corner / 3 * 3, tw = w->corner / 3 * 3;

  osp_union_find_join (parent, u->corner, tw + (w->corner % 3 + 1) % 3);
  osp_union_find_join (parent, tu + (u->corner % 3 + 1) % 3, w->corner);
}

/* The angle of each use's triangle around the edge (lo, hi). */
static void
measure_angles (const float   *positions,
                const guint32 *indices,
                EdgeUse       *run,
                gsize          n)
{
  guint32 lo = (guint32) (run[0].key >> 32), hi = (guint32) run[0].key;
  const float *pa = positions + 3 * (gsize) lo, *pb = positions + 3 * (gsize) hi;
  double e[3] = { pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2] }, n1[3], n2[3], len;

  /* n1 ⟂ e from the axis least aligned with e, n2 = e × n1. */
  if (fabs (e[0]) <= fabs (e[1]) && fabs (e[0]) <= fabs (e[2]))
    n1[0] = 0, n1[1] = -e[2], n1[2] = e[1];
  else if (fabs (e[1]) <= fabs (e[2]))
    n1[0] = -e[2], n1[1] = 0, n1[2] = e[0];
  else
    n1[0] = -e[1], n1[1] = e[0], n1[2] = 0;
  n2[0] = e[1] * n1[2] - e[2] * n1[1];
  n2[1] = e[2] * n1[0] - e[0] * n1[2];
  n2[2] = e[0] * n1[1] - e[1] * n1[0];
  len = sqrt (n2[0] * n2[0] + n2[1] * n2[1] + n2[2] * n2[2]);
  for (gsize i = 0; i < n; i++)
    {
      guint32 t = run[i].corner / 3 * 3;
      const float *pc = positions + 3 * (gsize) indices[t + (run[i].corner % 3 + 2) % 3];
      double w[3] = { pc[0] - pa[0], pc[1] - pa[1], pc[2] - pa[2] };

      run[i].angle = atan2 ((w[0] * n2[0] + w[1] * n2[1] + w[2] * n2[2]) / MAX (len, 1e-300),
                            w[0] * n1[0] + w[1] * n1[1] + w[2] * n1[2]);
    }
}

/* Edge collapses can pinch a closed surface so that two sheets share an edge (four
 * triangles) or a vertex.  This cuts them apart: around an edge of 2k triangles, each
 * triangle is glued to its neighbour in angular order (alternating directions), and every
 * vertex whose triangles then form several separate fans gets a copy per extra fan.  The
 * surface stays closed and oriented; the pinch becomes two sheets that touch.  Returns the
 * new positions (g_free) with the copies appended, their count in *out_n_vertices and, in
 * *out_source (g_free), the input vertex each output vertex comes from.  Around an edge of
 * four or more triangles there are two ways to pair them without crossings; the edges in
 * `other_way` (keys as in EdgeUse) take the second. */
static float *
cut_pinches (const float *positions,
             guint32      n_vertices,
             guint32     *indices,
             gsize        n_triangles,
             GHashTable  *other_way,
             guint32     *out_n_vertices,
             guint32    **out_source)
{
  gsize n_corners = n_triangles * 3, i = 0, n_new = 0;
  g_autofree EdgeUse *uses = g_new (EdgeUse, n_corners + 1);
  g_autofree guint32 *parent = g_new (guint32, n_corners + 1);
  g_autofree guint32 *assigned = g_new (guint32, n_corners + 1);
  g_autofree gboolean *claimed = g_new0 (gboolean, (gsize) n_vertices + 1);
  guint32 *source;
  float *out;

  for (gsize c = 0; c < n_corners; c++)
    {
      parent[c] = (guint32) c;
      assigned[c] = G_MAXUINT32;
    }
  fill_sorted_edge_uses (indices, n_corners, n_vertices, uses);

  while (i < n_corners)
    {
      gsize j = i, n_forward = 0;

      while (j < n_corners && uses[j].key == uses[i].key)
        n_forward += uses[j++].forward;
      if (j - i == 2 && n_forward == 1)
        glue (parent, &uses[i], &uses[i + 1]);
      else if (j - i >= 4 && n_forward * 2 == j - i)
        {
          EdgeUse *run = uses + i;
          gsize n = j - i;

          g_autofree gsize *stack = g_new (gsize, n);
          gsize depth = 0, start = 0;
          gssize sum = 0, lowest = 0;
          gboolean opens = !g_hash_table_contains (other_way, &run->key);

          measure_angles (positions, indices, run, n);
          qsort (run, n, sizeof (EdgeUse), compare_angles);
          /* Around the edge, match forward and backward uses like brackets (forward opens,
           * or backward the other way), starting after the lowest prefix sum so that every
           * bracket closes: the pairs do not cross, so the sheets they make do not pass
           * through each other.  Alternating uses pair with a neighbour. */
          for (gsize k = 0; k < n; k++)
            {
              sum += run[k].forward == opens ? 1 : -1;
              if (sum < lowest)
                {
                  lowest = sum;
                  start = k + 1;
                }
            }
          for (gsize k = 0; k < n; k++)
            {
              EdgeUse *u = &run[(start + k) % n];

              if (u->forward == opens)
                stack[depth++] = (start + k) % n;
              else if (depth > 0)
                glue (parent, &run[stack[--depth]], u);
            }
        }
      /* Anything else (a border, a misoriented pair) is left for the caller's check. */
      i = j;
    }

  /* One vertex per fan; the first fan of a vertex keeps its number. */
  out = g_new (float, ((gsize) n_vertices + n_corners) * 3 + 1);
  memcpy (out, positions, (gsize) n_vertices * 3 * sizeof (float));
  source = g_new (guint32, (gsize) n_vertices + n_corners + 1);
  for (guint32 v = 0; v < n_vertices; v++)
    source[v] = v;
  for (gsize c = 0; c < n_corners; c++)
    {
      guint32 root = osp_union_find_root (parent, (guint32) c), v = indices[c];

      if (assigned[root] == G_MAXUINT32)
        {
          if (!claimed[v])
            {
              claimed[v] = TRUE;
              assigned[root] = v;
            }
          else
            {
              assigned[root] = n_vertices + (guint32) n_new;
              memcpy (out + 3 * assigned[root], positions + 3 * (gsize) v, 3 * sizeof (float));
              source[assigned[root]] = v;
              n_new++;
            }
        }
      indices[c] = assigned[root];
    }
  if (n_new > 0)
    g_debug ("%s: %" G_GSIZE_FORMAT " vertices split", G_STRFUNC, n_new);
  *out_n_vertices = n_vertices + (guint32) n_new;
  *out_source = source;
  return out;
}

/* The edges of `mesh` not shared by exactly two triangles in opposite directions, as keys
 * (like EdgeUse's) of their source vertices.  Free with g_array_unref. */
static GArray *
find_bad_edges (const OspMesh *mesh,
                const guint32 *source)
{
  gsize n_corners = (gsize) osp_mesh_get_n_triangles (mesh) * 3, i = 0;
  const guint32 *indices = osp_mesh_get_indices (mesh);
  g_autofree EdgeUse *uses = g_new (EdgeUse, n_corners + 1);
  GArray *bad = g_array_new (FALSE, FALSE, sizeof (guint64));

  fill_sorted_edge_uses (indices, n_corners, osp_mesh_get_n_vertices (mesh), uses);
  while (i < n_corners)
    {
      gsize j = i;

      while (j < n_corners && uses[j].key == uses[i].key)
        j++;
      if (j - i != 2 || uses[i].forward == uses[i + 1].forward)
        {
          guint32 a = source[uses[i].key >> 32], b = source[(guint32) uses[i].key];
          guint64 key = (guint64) MIN (a, b) << 32 | MAX (a, b);

          g_array_append_val (bad, key);
        }
      i = j;
    }
  return bad;
}

/* Drops fins, cuts pinches (trying the other pairing where the first leaves an edge bad) and
 * returns the mesh; `indices` (3 × n_triangles, the input's vertices) is left as it was. */
static OspMesh *
mend (const OspMesh *mesh,
      const guint32 *indices,
      gsize          n_triangles,
      GArray       **out_bad_edges)
{
  g_autoptr(GHashTable) other_way = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                           g_free, NULL);
  g_autofree guint32 *work = g_new (guint32, n_triangles * 3 + 1);
  OspMesh *result = NULL;

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autofree float *positions = NULL;
      g_autofree guint32 *source = NULL;
      GArray *bad;
      guint32 n_vertices;
      guint n_changed = 0;

      g_clear_pointer (&result, osp_mesh_unref);
      memcpy (work, indices, n_triangles * 3 * sizeof (guint32));
      positions = cut_pinches (osp_mesh_get_positions (mesh), osp_mesh_get_n_vertices (mesh),
                               work, n_triangles, other_way, &n_vertices, &source);
      result = osp_mesh_new (positions, n_vertices, work, (guint32) n_triangles);
      bad = find_bad_edges (result, source);
      for (guint e = 0; e < bad->len; e++)
        if (!g_hash_table_contains (other_way, &g_array_index (bad, guint64, e)))
          {
            g_hash_table_add (other_way, g_memdup2 (&g_array_index (bad, guint64, e),
                                                    sizeof (guint64)));
            n_changed++;
          }
      if (bad->len == 0 || n_changed == 0 || attempt == 2)
        {
          *out_bad_edges = bad;
          return result;
        }
      g_array_unref (bad);
    }
  g_assert_not_reached ();
}

/* A share of the input's triangles that one thread simplifies: the whole mesh, or one of two
 * halves.  Where the halves meet, each has an open border, which meshopt_SimplifyLockBorder
 * keeps: both results still meet there, vertex for vertex, and together make the surface. */
typedef struct
{
  const guint32  *indices;        /* 3 × n_triangles, the input's vertices */
  gsize           n_triangles;
  const float    *positions;      /* all the input's vertices */
  guint32         n_vertices;
  const gboolean *locked;
  guint32         target;
  float           relative_error;
  guint32        *out;            /* 3 × n_triangles */
  gsize           n_out;          /* triangles in out */
  float           error;
  gboolean        dirty;          /* to be simplified (again) */
} Part;

static gpointer
simplify_part (gpointer data)
{
  Part *part = data;

  part->n_out = simplify_locked (part->indices, part->n_triangles, part->positions,
                                 part->n_vertices, part->locked, part->target,
                                 part->relative_error, part->out, &part->error) / 3;
  part->dirty = FALSE;
  return NULL;
}

/* Simplifies the dirty parts, the second on a thread of its own. */
static void
simplify_parts (Part  *parts,
                guint  n_parts)
{
  GThread *thread = NULL;

  if (n_parts == 2 && parts[1].dirty)
    thread = g_thread_try_new ("osp-decimate", simplify_part, &parts[1], NULL);
  if (parts[0].dirty)
    simplify_part (&parts[0]);
  if (thread != NULL)
    g_thread_join (thread);
  else if (n_parts == 2 && parts[1].dirty)
    simplify_part (&parts[1]);
}

/* Below this many triangles one thread decimates the whole mesh. */
#define SPLIT_MIN_TRIANGLES 200000
#define SPLIT_BINS          1024

/* Writes the triangles into `sorted` (3 × n_triangles): first those with two or three corners
 * below a plane across the longest side of the bounding box that leaves about half the
 * vertices on each side, then the others, each in their order.  (By corners rather than by
 * centroid, no lone triangle of one half sits inside the other: the neighbour across an edge
 * with both ends below is below too.)  Returns the count of the first half and marks in
 * vertex_half (n_vertices) the halves each vertex is used in (bit 0, bit 1). */
static gsize
split_in_halves (const OspMesh *mesh,
                 guint32       *sorted,
                 guint8        *vertex_half)
{
  guint32 nt = osp_mesh_get_n_triangles (mesh), nv = osp_mesh_get_n_vertices (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  const float *pos = osp_mesh_get_positions (mesh);
  g_autofree guint8 *below = g_new (guint8, (gsize) nv + 1);
  gsize hist[SPLIT_BINS] = { 0 }, sum = 0, n_low = 0, lo_i = 0, hi_i;
  guint axis = 0, bin = 0;
  float split, extent;
  OspBox box;

  osp_mesh_get_bounds (mesh, &box);
  for (guint c = 1; c < 3; c++)
    if (box.max[c] - box.min[c] > box.max[axis] - box.min[axis])
      axis = c;
  extent = MAX (box.max[axis] - box.min[axis], G_MINFLOAT);
  for (gsize v = 0; v < nv; v++)
    {
      double f = (pos[3 * v + axis] - box.min[axis]) / extent * SPLIT_BINS;

      hist[(guint) CLAMP (f, 0.0, SPLIT_BINS - 1.0)]++;
    }
  for (; bin + 1 < SPLIT_BINS && sum + hist[bin] < nv / 2; bin++)
    sum += hist[bin];
  split = box.min[axis] + extent * (float) (bin + 1) / SPLIT_BINS;
  for (gsize v = 0; v < nv; v++)
    below[v] = pos[3 * v + axis] < split;
  for (gsize t = 0; t < nt; t++)
    n_low += below[idx[3 * t]] + below[idx[3 * t + 1]] + below[idx[3 * t + 2]] >= 2;
  hi_i = n_low;
  for (gsize t = 0; t < nt; t++)
    {
      const guint32 *tri = idx + 3 * t;
      guint half = below[tri[0]] + below[tri[1]] + below[tri[2]] >= 2 ? 0 : 1;
      gsize at = half == 0 ? lo_i++ : hi_i++;

      for (guint k = 0; k < 3; k++)
        {
          sorted[3 * at + k] = tri[k];
          vertex_half[tri[k]] |= 1u << half;
        }
    }
  return n_low;
}

OspMesh *
osp_mesh_decimate_full (const OspMesh *mesh,
                        guint32        target_triangles,
                        double         max_error_mm,
                        double        *out_error_mm)
{
  guint32 nt, nv;
  gboolean closed;
  g_autofree guint32 *simplified = NULL;
  g_autofree gboolean *locked = NULL;
  g_autofree guint32 *split = NULL;
  g_autofree guint8 *vertex_half = NULL;
  guint32 *out_buffers[2] = { NULL, NULL };
  Part parts[2];
  guint n_parts = 1;
  float scale, relative_error = 1.0f, error = 0.0f;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (max_error_mm >= 0 && isfinite (max_error_mm), NULL);
  g_return_val_if_fail (target_triangles > 0 || max_error_mm > 0, NULL);

  if (out_error_mm != NULL)
    *out_error_mm = 0;
  nt = osp_mesh_get_n_triangles (mesh);
  nv = osp_mesh_get_n_vertices (mesh);
  if (target_triangles >= nt || nt == 0)
    return osp_mesh_ref ((OspMesh *) mesh);

  /* meshoptimizer measures the error relative to the mesh's extent; without a bound
   * (1: the whole extent) it stops at the count. */
  scale = meshopt_simplifyScale (osp_mesh_get_positions (mesh), nv, 3 * sizeof (float));
  if (max_error_mm > 0 && scale > 0)
    relative_error = (float) MIN (max_error_mm / scale, 1.0);

  closed = is_closed (mesh);
  simplified = g_new (guint32, (gsize) nt * 3 + 1);
  locked = g_new0 (gboolean, (gsize) nv + 1);
  /* A large mesh in two halves on two threads: a pass costs half as long, and a pass done
   * again for a few bad edges redoes only the half they are in. */
  for (guint p = 0; p < 2; p++)
    parts[p] = (Part) { osp_mesh_get_indices (mesh), nt, osp_mesh_get_positions (mesh), nv,
                        locked, target_triangles, relative_error, NULL, 0, 0, TRUE };
  if (nt >= SPLIT_MIN_TRIANGLES && target_triangles > 0)
    {
      gsize n_low;

      split = g_new (guint32, (gsize) nt * 3);
      vertex_half = g_malloc0 ((gsize) nv + 1);
      n_low = split_in_halves (mesh, split, vertex_half);
      if (n_low > 0 && n_low < nt)
        {
          n_parts = 2;
          parts[0].indices = split;
          parts[0].n_triangles = n_low;
          parts[1].indices = split + 3 * n_low;
          parts[1].n_triangles = nt - n_low;
          for (guint p = 0; p < 2; p++)
            parts[p].target = (guint32) ((guint64) target_triangles * parts[p].n_triangles / nt);
        }
    }
  for (guint p = 0; p < n_parts; p++)
    parts[p].out = out_buffers[p] = g_new (guint32, parts[p].n_triangles * 3 + 1);

  /* meshoptimizer does not check that a collapse keeps the surface a manifold.  Fins are
   * dropped and pinches cut apart; what is still wrong after that gets its triangles locked
   * in the input, and the pass is done again (rarely more than once or twice). */
  for (guint round = 0; round < 6; round++)
    {
      g_autoptr(OspMesh) collapsed = NULL;
      g_autoptr(GArray) bad = NULL;
      gsize n_triangles = 0;
      guint n_new = 0;

      simplify_parts (parts, n_parts);
      error = 0;
      for (guint p = 0; p < n_parts; p++)
        {
          memcpy (simplified + 3 * n_triangles, parts[p].out,
                  parts[p].n_out * 3 * sizeof (guint32));
          n_triangles += parts[p].n_out;
          error = MAX (error, parts[p].error);
        }
      n_triangles = remove_fins (simplified, n_triangles);
      collapsed = mend (mesh, simplified, n_triangles, &bad);
      if (!closed || bad->len == 0)
        {
          if (out_error_mm != NULL)
            *out_error_mm = (double) error * scale;
          for (guint p = 0; p < n_parts; p++)
            g_free (out_buffers[p]);
          return osp_mesh_compact (collapsed);
        }
      for (guint e = 0; e < bad->len; e++)
        {
          guint64 key = g_array_index (bad, guint64, e);
          guint32 a = (guint32) (key >> 32), b = (guint32) key;

          n_new += !locked[a] + !locked[b];
          locked[a] = locked[b] = TRUE;
          for (guint p = 0; p < n_parts; p++)
            if (n_parts == 1 || ((vertex_half[a] | vertex_half[b]) & (1u << p)))
              parts[p].dirty = TRUE;
        }
      g_debug ("%s: decimating %u → %u triangles: round %u left %u bad edges; locking them",
               G_STRFUNC, nt, target_triangles, round + 1, bad->len);
      if (n_new == 0)
        break;
    }
  for (guint p = 0; p < n_parts; p++)
    g_free (out_buffers[p]);
  g_debug ("%s: could not keep the surface closed; left as it was", G_STRFUNC);
  return osp_mesh_ref ((OspMesh *) mesh);
}

OspMesh *
osp_mesh_decimate (const OspMesh *mesh,
                   guint32        target_triangles)
{
  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (target_triangles > 0, NULL);

  return osp_mesh_decimate_full (mesh, target_triangles, 0, NULL);
}
