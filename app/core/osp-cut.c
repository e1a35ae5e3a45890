/* osp-cut.c — cutting a mesh with planes, with capped sections
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The planes are applied one after the other to the whole triangle set.  Each triangle
 * carries flags: INSIDE (inside every plane so far), CAP (made by a cap) and FLAT (lies in a
 * cut plane).  A plane splits every triangle it crosses into an inside and an outside
 * polygon sharing one vertex per crossed edge (keyed by the edge's two vertex indices, so
 * both triangles of an edge get the same vertex); the cross-section of the part inside so
 * far is chained into loops and capped.  At the end the inside is every INSIDE triangle and
 * the outside every other surface triangle plus the inside's caps reversed, so both sides
 * share their cut vertices and stay watertight.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-boolean.h"
#include "osp-boolean-cgal-private.h"
#include "osp-cut.h"
#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-private.h"
#include "osp-triangulate.h"

enum
{
  TRI_INSIDE = 1 << 0,
  TRI_CAP    = 1 << 1,
  TRI_FLAT   = 1 << 2,
  TRI_NEW    = 1 << 3,  /* made by the cut: part of a split face, or a cap */
};

#define NONE G_MAXUINT32
#define CANCEL_STRIDE 65536
/* Planes closer than this many eps everywhere in the mesh's box are one plane. */
#define SAME_PLANE 64
#ifndef EPS_EXP
#define EPS_EXP -22
#endif

/* -- A small open-addressing map from 64-bit keys to vertex indices ------------------------ */

typedef struct
{
  guint64 *keys;   /* key + 1; 0 = empty */
  guint32 *values;
  gsize    mask;
  gsize    n;
} KeyMap;

static void
key_map_init (KeyMap *map,
              gsize   expected)
{
  gsize size = 64;

  while (size < expected * 2)
    size *= 2;
  map->keys = g_new0 (guint64, size);
  map->values = g_new (guint32, size);
  map->mask = size - 1;
  map->n = 0;
}

static void
key_map_clear (KeyMap *map)
{
  g_clear_pointer (&map->keys, g_free);
  g_clear_pointer (&map->values, g_free);
  map->n = 0;
}

static inline guint64
mix64 (guint64 key)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  key ^= key >> 33;
  return key;
}

static inline gsize
key_hash (guint64 key)
{
  return (gsize) mix64 (key);
}

static void key_map_grow (KeyMap *map);

/* Returns the slot of `key`; *out_found tells whether it was there. */
static gsize
key_map_slot (KeyMap   *map,
              guint64   key,
              gboolean *out_found)
{
  gsize slot;

  if ((map->n + 1) * 2 > map->mask + 1)
    key_map_grow (map);
  for (slot = key_hash (key) & map->mask; map->keys[slot] != 0; slot = (slot + 1) & map->mask)
    if (map->keys[slot] == key + 1)
      {
        *out_found = TRUE;
        return slot;
      }
  *out_found = FALSE;
  return slot;
}

static void
key_map_grow (KeyMap *map)
{
  guint64 *keys = map->keys;
  guint32 *values = map->values;
  gsize size = map->mask + 1;

  map->keys = g_new0 (guint64, size * 2);
  map->values = g_new (guint32, size * 2);
  map->mask = size * 2 - 1;
  for (gsize k = 0; k < size; k++)
    if (keys[k] != 0)
      {
        gsize slot = key_hash (keys[k] - 1) & map->mask;

        while (map->keys[slot] != 0)
          slot = (slot + 1) & map->mask;
        map->keys[slot] = keys[k];
        map->values[slot] = values[k];
      }
  g_free (keys);
  g_free (values);
}

static void
key_map_set (KeyMap  *map,
             gsize    slot,
             guint64  key,
             guint32  value)
{
  map->keys[slot] = key + 1;
  map->values[slot] = value;
  map->n++;
}

/* -- The work --------------------------------------------------------------------------- */

typedef struct
{
  GArray  *pos;      /* float × 3 */
  GArray  *tris;     /* guint32 × 3 */
  GArray  *flags;    /* guint8 */
  double  *s;        /* signed distances of the vertices present when the plane began */
  KeyMap   edges;    /* edge (lo << 32 | hi) → its cut vertex */
  GArray  *segments; /* guint32 pairs: cap edges enter → exit, for the inside so far */
  gboolean capped;
  double   ref[3];   /* volumes are summed about this point (the input's box centre) */
  double   eps;      /* on a plane within this distance (about four float roundings) */
  guint    n_loops, n_holes;
  guint32  n_cap_triangles;
  guint8  *near;     /* per vertex: within 2 eps of some plane (vertices before the last plane) */
  guint32  n_near;
  guint    n_planes; /* planes applied so far */
} CutWork;

static guint32
cut_point (CutWork *w,
           guint32  a,
           guint32  b)
{
  guint32 lo = MIN (a, b), hi = MAX (a, b);
  guint64 key = ((guint64) lo << 32) | hi;
  gboolean found;
  gsize slot = key_map_slot (&w->edges, key, &found);
  guint32 v;

  if (found)
    return w->edges.values[slot];

  /* One end is strictly inside (s < 0); an outside end on the plane is the cut point. */
  if (w->s[hi] == 0)
    v = hi;
  else if (w->s[lo] == 0)
    v = lo;
  else
    {
      const float *p = (const float *) w->pos->data;
      double t = w->s[lo] / (w->s[lo] - w->s[hi]);
      float x[3];

      for (int k = 0; k < 3; k++)
        x[k] = (float) ((double) p[3 * (gsize) lo + k] +
                        t * ((double) p[3 * (gsize) hi + k] - (double) p[3 * (gsize) lo + k]));
      v = w->pos->len / 3;
      g_array_append_vals (w->pos, x, 3);
    }
  key_map_set (&w->edges, slot, key, v);
  return v;
}

/* Removes cyclic repeats from a polygon of up to 4 indices; returns the new count. */
static guint
polygon_dedupe (guint32 *poly,
                guint    n)
{
  guint m = 0;

  for (guint k = 0; k < n; k++)
    if (m == 0 || poly[m - 1] != poly[k])
      poly[m++] = poly[k];
  while (m > 1 && poly[m - 1] == poly[0])
    m--;
  return m;
}

/* Writes a polygon's fan: the first triangle into slot t (when t != NONE), the rest
 * appended.  Returns FALSE when the polygon had no triangle (slot t left to the caller). */
/* Twice the area of triangle abc along the unit normal n (negative: folded over). */
static double
signed_area_along (const float  *p,
                   guint32       a,
                   guint32       b,
                   guint32       c,
                   const double  n[3])
{
  const float *x = p + 3 * (gsize) a, *y = p + 3 * (gsize) b, *z = p + 3 * (gsize) c;
  double e1[3], e2[3];

  for (int k = 0; k < 3; k++)
    {
      e1[k] = (double) y[k] - x[k];
      e2[k] = (double) z[k] - x[k];
    }
  return n[0] * (e1[1] * e2[2] - e1[2] * e2[1]) + n[1] * (e1[2] * e2[0] - e1[0] * e2[2]) +
         n[2] * (e1[0] * e2[1] - e1[1] * e2[0]);
}

static gboolean
emit_polygon (CutWork       *w,
              const guint32 *poly,
              guint          n,
              guint8         flags,
              guint32        t)
{
  guint32 rotated[4];

  /* A quad has two diagonals: take the one whose two triangles are the fatter, so a corner
   * nearly straight (a cut point next to a vertex) gets no sliver that rounding folds over. */
  if (n == 4)
    {
      const float *p = (const float *) w->pos->data;
      double nn[3] = { 0, 0, 0 }, len, split0, split1;

      for (guint k = 0; k < 4; k++)
        {
          const float *a = p + 3 * (gsize) poly[k], *b = p + 3 * (gsize) poly[(k + 1) % 4];

          nn[0] += ((double) a[1] - b[1]) * ((double) a[2] + b[2]);
          nn[1] += ((double) a[2] - b[2]) * ((double) a[0] + b[0]);
          nn[2] += ((double) a[0] - b[0]) * ((double) a[1] + b[1]);
        }
      len = sqrt (nn[0] * nn[0] + nn[1] * nn[1] + nn[2] * nn[2]);
      if (len > 0)
        {
          for (int k = 0; k < 3; k++)
            nn[k] /= len;
          split0 = MIN (signed_area_along (p, poly[0], poly[1], poly[2], nn),
                        signed_area_along (p, poly[0], poly[2], poly[3], nn));
          split1 = MIN (signed_area_along (p, poly[1], poly[2], poly[3], nn),
                        signed_area_along (p, poly[1], poly[3], poly[0], nn));
          if (split1 > split0)
            {
              for (guint k = 0; k < 4; k++)
                rotated[k] = poly[(k + 1) % 4];
              poly = rotated;
            }
        }
    }
  for (guint k = 1; k + 1 < n; k++)
    {
      guint32 tri[3] = { poly[0], poly[k], poly[k + 1] };

      if (t != NONE)
        {
          memcpy (&g_array_index (w->tris, guint32, 3 * (gsize) t), tri, sizeof tri);
          g_array_index (w->flags, guint8, t) = flags;
          t = NONE;
        }
      else
        {
          g_array_append_vals (w->tris, tri, 3);
          g_array_append_val (w->flags, flags);
        }
    }
  return n >= 3;
}

static void
plane_basis (const double n[3],
             double       u[3],
             double       v[3])
{
  double a[3] = { 0, 0, 0 };
  double len;
  int k = 0;

  /* The axis least aligned with n. */
  if (fabs (n[1]) < fabs (n[k]))
    k = 1;
  if (fabs (n[2]) < fabs (n[k]))
    k = 2;
  a[k] = 1;
  u[0] = n[1] * a[2] - n[2] * a[1];
  u[1] = n[2] * a[0] - n[0] * a[2];
  u[2] = n[0] * a[1] - n[1] * a[0];
  len = sqrt (u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  for (int i = 0; i < 3; i++)
    u[i] /= len;
  /* v = n × u, so u × v = n: counter-clockwise in (u, v) is seen from +n. */
  v[0] = n[1] * u[2] - n[2] * u[1];
  v[1] = n[2] * u[0] - n[0] * u[2];
  v[2] = n[0] * u[1] - n[1] * u[0];
}

typedef struct
{
  guint32 start, count; /* in the loop point arrays */
  double  area;         /* signed, in (u, v) */
  double  min[2], max[2];
  gint    parent;       /* for holes: the outer loop, −1 none */
} Loop;

static gboolean
loop_is_finite (const double *xy,
                const Loop   *loop)
{
  for (guint32 i = 0; i < loop->count; i++)
    if (!isfinite (xy[2 * (loop->start + i)]) || !isfinite (xy[2 * (loop->start + i) + 1]))
      return FALSE;
  return TRUE;
}

static gboolean
point_in_loop (const double *xy,
               const Loop   *loop,
               double        px,
               double        py)
{
  gboolean inside = FALSE;

  if (px < loop->min[0] || px > loop->max[0] || py < loop->min[1] || py > loop->max[1])
    return FALSE;
  for (guint32 i = 0, j = loop->count - 1; i < loop->count; j = i++)
    {
      const double *a = xy + 2 * (loop->start + i), *b = xy + 2 * (loop->start + j);

      if ((a[1] > py) != (b[1] > py) &&
          px < (b[0] - a[0]) * (py - a[1]) / (b[1] - a[1]) + a[0])
        inside = !inside;
    }
  return inside;
}

static void
append_cap_triangles (CutWork       *w,
                      GArray        *local,
                      const guint32 *vertex_of,
                      gboolean       flip)
{
  guint8 flags = TRI_INSIDE | TRI_CAP | TRI_FLAT | TRI_NEW;

  for (guint k = 0; k + 2 < local->len; k += 3)
    {
      const guint32 *l = &g_array_index (local, guint32, k);
      guint32 tri[3] = { vertex_of[l[0]], vertex_of[l[flip ? 2 : 1]], vertex_of[l[flip ? 1 : 2]] };

      /* A loop through one vertex twice gives the triangulator two points there; a triangle
       * on both is a fold of no area whose edges (a → b, b → a) pair with each other: left
       * out, every other edge keeps its twin. */
      if (tri[0] == tri[1] || tri[1] == tri[2] || tri[0] == tri[2])
        continue;

      g_array_append_vals (w->tris, tri, 3);
      g_array_append_val (w->flags, flags);
      w->n_cap_triangles++;
    }
}

/* Chains the segments into loops and caps the loops that close.  Returns FALSE when some
 * segments form no closed loop (the plane crosses a hole of an open mesh): those are left
 * uncapped. */
static gboolean
cap_section (CutWork      *w,
             const double  n[3],
             double        d)
{
  const guint32 *seg = (const guint32 *) w->segments->data;
  guint32 n_seg = w->segments->len / 2;
  KeyMap ids;
  g_autofree guint32 *vertex_of = NULL;  /* local id → vertex */
  g_autofree guint32 *out_start = NULL, *in_count = NULL, *out_next = NULL;
  g_autofree gboolean *used = NULL;
  g_autoptr(GArray) loop_pts = g_array_new (FALSE, FALSE, sizeof (guint32)); /* local ids */
  g_autoptr(GArray) loops = g_array_new (FALSE, FALSE, sizeof (Loop));
  g_autofree double *xy = NULL;
  guint32 n_ids = 0;
  double u[3], v[3], origin[3];
  const float *p;
  gboolean closed = TRUE;

  if (n_seg == 0)
    return TRUE;

  /* A segment a → b with its reverse b → a is a section of no width (two faces meeting
   * along an edge that lies in the plane, as where nearly parallel planes cross): the two
   * faces already share that edge, so both segments go, and no loop runs out and back along
   * it (which the triangulator would cover with a fold of no area). */
  {
    KeyMap pairs;
    guint32 kept = 0;
    guint32 *sg = (guint32 *) w->segments->data;
    g_autofree gboolean *gone = g_new0 (gboolean, n_seg);

    key_map_init (&pairs, n_seg);
    for (guint32 k = 0; k < n_seg; k++)
      {
        gboolean found;
        guint64 reverse = ((guint64) sg[2 * k + 1] << 32) | sg[2 * k];
        gsize slot = key_map_slot (&pairs, reverse, &found);

        if (found && pairs.values[slot] != NONE)
          {
            gone[pairs.values[slot]] = gone[k] = TRUE;
            pairs.values[slot] = NONE;
          }
        else
          {
            guint64 key = ((guint64) sg[2 * k] << 32) | sg[2 * k + 1];

            slot = key_map_slot (&pairs, key, &found);
            if (!found)
              key_map_set (&pairs, slot, key, k);
            else if (pairs.values[slot] == NONE)
              pairs.values[slot] = k;
          }
      }
    key_map_clear (&pairs);
    for (guint32 k = 0; k < n_seg; k++)
      if (!gone[k])
        {
          sg[2 * kept] = sg[2 * k];
          sg[2 * kept + 1] = sg[2 * k + 1];
          kept++;
        }
    g_array_set_size (w->segments, 2 * kept);
    seg = sg;
    n_seg = kept;
    if (n_seg == 0)
      return TRUE;
  }

  key_map_init (&ids, n_seg);
  vertex_of = g_new (guint32, n_seg * 2);
  for (guint32 k = 0; k < n_seg * 2; k++)
    {
      gboolean found;
      gsize slot = key_map_slot (&ids, seg[k], &found);

      if (!found)
        {
          key_map_set (&ids, slot, seg[k], n_ids);
          vertex_of[n_ids++] = seg[k];
        }
    }

  /* Out-edges in CSR form; a closed section has in-degree = out-degree everywhere, but the
   * walk below finds out anyway, loop by loop. */
  out_start = g_new0 (guint32, n_ids + 1);
  in_count = g_new0 (guint32, n_ids);
  out_next = g_new (guint32, n_seg);
  {
    g_autofree guint32 *from = g_new (guint32, n_seg), *to = g_new (guint32, n_seg);
    g_autofree guint32 *fill = NULL;

    for (guint32 k = 0; k < n_seg; k++)
      {
        gboolean found;

        from[k] = ids.values[key_map_slot (&ids, seg[2 * k], &found)];
        to[k] = ids.values[key_map_slot (&ids, seg[2 * k + 1], &found)];
        out_start[from[k] + 1]++;
        in_count[to[k]]++;
      }
    for (guint32 i = 0; i < n_ids; i++)
      out_start[i + 1] += out_start[i];
    fill = g_memdup2 (out_start, sizeof (guint32) * n_ids);
    for (guint32 k = 0; k < n_seg; k++)
      out_next[fill[from[k]]++] = to[k];
  }
  key_map_clear (&ids);

  /* Walk the loops. */
  used = g_new0 (gboolean, n_seg);
  for (guint32 start = 0; start < n_ids; start++)
    for (guint32 e0 = out_start[start]; e0 < out_start[start + 1]; e0++)
      {
        Loop loop = { loop_pts->len, 0, 0, { 0, 0 }, { 0, 0 }, -1 };
        guint32 at = start, e = e0;
        gboolean loop_closed = FALSE;

        if (used[e0])
          continue;
        for (;;)
          {
            guint32 next;

            used[e] = TRUE;
            g_array_append_val (loop_pts, at);
            next = out_next[e];
            if (next == start)
              {
                loop_closed = TRUE;
                break;
              }
            at = next;
            for (e = out_start[at]; e < out_start[at + 1] && used[e]; e++)
              ;
            if (e == out_start[at + 1])
              break; /* a dead end: an open chain along a hole of the mesh */
          }
        loop.count = loop_pts->len - loop.start;
        if (!loop_closed)
          closed = FALSE;
        if (!loop_closed || loop.count < 3)
          g_array_set_size (loop_pts, loop.start);
        else
          g_array_append_val (loops, loop);
      }

  /* Project on the plane, relative to a point on it (smaller numbers, better rounding). */
  plane_basis (n, u, v);
  for (int k = 0; k < 3; k++)
    origin[k] = n[k] * d;
  p = (const float *) w->pos->data;
  xy = g_new (double, 2 * (gsize) loop_pts->len);
  for (guint i = 0; i < loop_pts->len; i++)
    {
      const float *x = p + 3 * (gsize) vertex_of[g_array_index (loop_pts, guint32, i)];
      double r[3] = { x[0] - origin[0], x[1] - origin[1], x[2] - origin[2] };

      xy[2 * i] = r[0] * u[0] + r[1] * u[1] + r[2] * u[2];
      xy[2 * i + 1] = r[0] * v[0] + r[1] * v[1] + r[2] * v[2];
    }
  /* A loop through non-finite vertices (NaN in the input) cannot be triangulated: it is left
   * open, like a chain along a hole. */
  for (guint l = loops->len; l-- > 0;)
    if (!loop_is_finite (xy, &g_array_index (loops, Loop, l)))
      {
        g_array_remove_index (loops, l);
        closed = FALSE;
      }
  for (guint l = 0; l < loops->len; l++)
    {
      Loop *loop = &g_array_index (loops, Loop, l);
      double a = 0;

      loop->min[0] = loop->min[1] = INFINITY;
      loop->max[0] = loop->max[1] = -INFINITY;
      for (guint32 i = 0, j = loop->count - 1; i < loop->count; j = i++)
        {
          const double *pi = xy + 2 * (loop->start + i), *pj = xy + 2 * (loop->start + j);

          a += pj[0] * pi[1] - pi[0] * pj[1];
          for (int k = 0; k < 2; k++)
            {
              loop->min[k] = MIN (loop->min[k], pi[k]);
              loop->max[k] = MAX (loop->max[k], pi[k]);
            }
        }
      loop->area = a / 2;
    }

  /* Nesting: a clockwise loop is a hole of the smallest counter-clockwise loop around it. */
  for (guint l = 0; l < loops->len; l++)
    {
      Loop *hole = &g_array_index (loops, Loop, l);
      double best = INFINITY, q[2];

      if (hole->area >= 0)
        continue;
      /* The middle of an edge: loops touching at a vertex (a plane through a vertex where
       * two sections meet) would make the vertex itself ambiguous. */
      for (int k = 0; k < 2; k++)
        q[k] = (xy[2 * hole->start + k] + xy[2 * (hole->start + 1) + k]) / 2;
      w->n_holes++;
      for (guint o = 0; o < loops->len; o++)
        {
          const Loop *outer = &g_array_index (loops, Loop, o);

          if (outer->area > 0 && outer->area < best && point_in_loop (xy, outer, q[0], q[1]))
            {
              best = outer->area;
              hole->parent = (gint) o;
            }
        }
    }
  w->n_loops += loops->len;

  /* Triangulate each outer loop with its holes, keeping the loops' direction. */
  {
    g_autoptr(GArray) ring_xy = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) ring_ids = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_autoptr(GArray) local = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_autofree guint32 *ring_vertex = NULL;

    for (guint o = 0; o < loops->len; o++)
      {
        const Loop *outer = &g_array_index (loops, Loop, o);
        gboolean orphan = outer->area < 0 && outer->parent < 0;
        guint32 zero = 0;

        if (outer->area < 0 && !orphan)
          continue;
        g_array_set_size (ring_xy, 0);
        g_array_set_size (ring_ids, 0);
        g_array_set_size (starts, 0);
        g_array_set_size (local, 0);
        g_array_append_val (starts, zero);
        /* The outer ring first, then its holes. */
        for (guint m = 0; m <= loops->len; m++)
          {
            guint l = m == 0 ? o : m - 1;
            const Loop *ring = &g_array_index (loops, Loop, l);

            if (m > 0 && (l == o || orphan || ring->parent != (gint) o))
              continue;
            for (guint32 i = 0; i < ring->count; i++)
              {
                /* An orphan hole is triangulated reversed, then flipped back. */
                guint32 k = ring->start + (orphan ? ring->count - 1 - i : i);

                g_array_append_vals (ring_xy, xy + 2 * k, 2);
                g_array_append_val (ring_ids, g_array_index (loop_pts, guint32, k));
              }
            g_array_append_val (starts, ring_ids->len);
          }
        /* Points on the line where this plane meets an earlier one are collinear but for
         * rounding (of the cut points, and of vertices taken as on a plane within eps):
         * within twice eps of a line is on it, so no sliver along that line. */
        osp_triangulate_polygon_tolerant ((const double *) ring_xy->data, ring_ids->len,
                                          (const guint32 *) starts->data, starts->len - 1,
                                          2 * w->eps, local);
        g_free (ring_vertex);
        ring_vertex = g_new (guint32, ring_ids->len);
        for (guint i = 0; i < ring_ids->len; i++)
          ring_vertex[i] = vertex_of[g_array_index (ring_ids, guint32, i)];
        append_cap_triangles (w, local, ring_vertex, orphan);
      }
  }
  return closed;
}

/* Splits every triangle by the plane n·x = d (n unit). */
static gboolean
cut_by_plane (CutWork      *w,
              const double  n[3],
              double        d,
              double        eps,
              GCancellable *cancellable,
              GError      **error)
{
  guint32 n_v = w->pos->len / 3;
  guint32 n_t = w->tris->len / 3;
  const float *p = (const float *) w->pos->data;

  w->n_planes++;
  g_free (w->s);
  w->s = g_new (double, n_v);
  w->near = g_realloc (w->near, MAX (n_v, 1));
  memset (w->near + w->n_near, 0, n_v - w->n_near);
  w->n_near = n_v;
  for (gsize i = 0; i < n_v; i++)
    {
      double s = n[0] * p[3 * i] + n[1] * p[3 * i + 1] + n[2] * p[3 * i + 2] - d;

      /* One rule for every vertex: within rounding of the plane is on it (and outside). */
      w->s[i] = fabs (s) <= eps ? 0.0 : s;
      w->near[i] |= fabs (s) <= 2 * eps;
    }

  key_map_clear (&w->edges);
  key_map_init (&w->edges, 1024);
  g_array_set_size (w->segments, 0);

  for (guint32 t = 0; t < n_t; t++)
    {
      guint32 v[3], in_poly[4], out_poly[4];
      gboolean in[3];
      guint ni = 0, no = 0;
      guint32 enter = NONE, exit = NONE;
      guint8 flags;

      if ((t % CANCEL_STRIDE) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      memcpy (v, &g_array_index (w->tris, guint32, 3 * (gsize) t), sizeof v);
      flags = g_array_index (w->flags, guint8, t);
      for (int k = 0; k < 3; k++)
        in[k] = w->s[v[k]] < 0;

      if (in[0] == in[1] && in[1] == in[2])
        {
          if (!in[0])
            flags &= ~TRI_INSIDE;
          if (w->s[v[0]] == 0 && w->s[v[1]] == 0 && w->s[v[2]] == 0)
            flags |= TRI_FLAT;
          g_array_index (w->flags, guint8, t) = flags;
          continue;
        }

      for (int k = 0; k < 3; k++)
        {
          guint32 a = v[k], b = v[(k + 1) % 3];

          if (in[k])
            in_poly[ni++] = a;
          else
            out_poly[no++] = a;
          if (in[k] != in[(k + 1) % 3])
            {
              guint32 c = cut_point (w, a, b);

              in_poly[ni++] = c;
              out_poly[no++] = c;
              if (in[k])
                exit = c;
              else
                enter = c;
            }
        }
      ni = polygon_dedupe (in_poly, ni);
      no = polygon_dedupe (out_poly, no);

      if ((flags & TRI_INSIDE) && enter != exit)
        {
          guint32 s[2] = { enter, exit };

          g_array_append_vals (w->segments, s, 2);
        }

      flags |= TRI_NEW;
      if (!emit_polygon (w, in_poly, ni, flags, t))
        {
          if (!emit_polygon (w, out_poly, no, flags & ~TRI_INSIDE, t))
            {
              /* Nothing left of it (cannot happen for a split triangle); keep it outside. */
              g_array_index (w->flags, guint8, t) = flags & ~TRI_INSIDE;
            }
        }
      else
        emit_polygon (w, out_poly, no, flags & ~TRI_INSIDE, NONE);
    }

  if (!cap_section (w, n, d))
    w->capped = FALSE;
  if (w->pos->len / 3 > OSP_MESH_MAX_ELEMENTS || w->tris->len / 3 > OSP_MESH_MAX_ELEMENTS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("Cutting the mesh: the pieces would hold more than %u triangles"),
                   (guint) OSP_MESH_MAX_ELEMENTS);
      return FALSE;
    }
  return TRUE;
}

/* -- Pieces ----------------------------------------------------------------------------- */

typedef struct
{
  OspMesh *mesh;
  double   volume;
  OspBox   box;
  gint     container; /* for a cavity: the piece around it, −1 none */
} Piece;

static int
compare_piece_volume_desc (gconstpointer a,
                           gconstpointer b)
{
  double va = ((const Piece *) a)->volume, vb = ((const Piece *) b)->volume;

  return (va < vb) - (va > vb);
}

/* Twice the signed area of (u, v, p) projected on the yz plane. */
static inline double
edge_function_yz (const float *u,
                  const float *v,
                  const float *p)
{
  return ((double) v[1] - u[1]) * ((double) p[2] - u[2]) -
         ((double) v[2] - u[2]) * ((double) p[1] - u[1]);
}

/* Ray parity along +x: whether p is inside the closed mesh. */
static gboolean
point_in_mesh (const OspMesh *mesh,
               const float    p[3])
{
  const float *x = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  guint32 n_t = osp_mesh_get_n_triangles (mesh);
  guint crossings = 0;

  for (guint32 k = 0; k < n_t; k++)
    {
      const float *a = x + 3 * (gsize) t[3 * k], *b = x + 3 * (gsize) t[3 * k + 1];
      const float *c = x + 3 * (gsize) t[3 * k + 2];
      double ea, eb, ec, sum;

      if ((a[1] < p[1] && b[1] < p[1] && c[1] < p[1]) ||
          (a[1] > p[1] && b[1] > p[1] && c[1] > p[1]) ||
          (a[2] < p[2] && b[2] < p[2] && c[2] < p[2]) ||
          (a[2] > p[2] && b[2] > p[2] && c[2] > p[2]))
        continue;
      /* Edge functions in the yz plane: the weights of the opposite corners. */
      ea = edge_function_yz (b, c, p);
      eb = edge_function_yz (c, a, p);
      ec = edge_function_yz (a, b, p);
      if (!((ea > 0 && eb > 0 && ec > 0) || (ea < 0 && eb < 0 && ec < 0)))
        continue;
      sum = ea + eb + ec;
      if ((ea * a[0] + eb * b[0] + ec * c[0]) / sum > p[0])
        crossings++;
    }
  return (crossings & 1) != 0;
}

static gboolean
box_contains (const OspBox *outer,
              const OspBox *inner)
{
  for (int k = 0; k < 3; k++)
    if (inner->min[k] < outer->min[k] || inner->max[k] > outer->max[k])
      return FALSE;
  return TRUE;
}

/* A cavity (an inward-facing surface, negative volume) belongs to the piece around it: a
 * hollow bone is one piece with two surfaces.  Groups them and fills out_pieces, largest
 * volume first. */
static void
group_cavities (GArray    *pieces,
                double     zero_volume,
                GPtrArray *out_pieces)
{
  guint n = pieces->len;
  gboolean any_cavity = FALSE;

  for (guint i = 0; i < n; i++)
    any_cavity = any_cavity || g_array_index (pieces, Piece, i).volume < -zero_volume;
  for (guint i = 0; any_cavity && i < n; i++)
    osp_mesh_get_bounds (g_array_index (pieces, Piece, i).mesh,
                         &g_array_index (pieces, Piece, i).box);

  for (guint i = 0; i < n; i++)
    {
      Piece *cavity = &g_array_index (pieces, Piece, i);
      const float *p0 = osp_mesh_get_positions (cavity->mesh);
      double best = INFINITY;
      guint n_candidates = 0;
      gint only = -1;

      if (cavity->volume >= -zero_volume)
        continue;
      for (guint j = 0; j < n; j++)
        {
          const Piece *outer = &g_array_index (pieces, Piece, j);

          if (outer->volume > zero_volume && box_contains (&outer->box, &cavity->box))
            {
              n_candidates++;
              only = (gint) j;
            }
        }
      if (n_candidates == 1)
        {
          cavity->container = only;
          continue;
        }
      for (guint j = 0; j < n && n_candidates > 1; j++)
        {
          const Piece *outer = &g_array_index (pieces, Piece, j);

          if (outer->volume > zero_volume && outer->volume < best &&
              box_contains (&outer->box, &cavity->box) && point_in_mesh (outer->mesh, p0))
            {
              best = outer->volume;
              cavity->container = (gint) j;
            }
        }
    }

  for (guint j = 0; j < n; j++)
    {
      Piece *outer = &g_array_index (pieces, Piece, j);
      g_autoptr(GPtrArray) group = NULL;

      if (outer->container >= 0)
        continue;
      for (guint i = 0; i < n; i++)
        {
          Piece *cavity = &g_array_index (pieces, Piece, i);

          if (cavity->container != (gint) j)
            continue;
          if (group == NULL)
            {
              group = g_ptr_array_new ();
              g_ptr_array_add (group, outer->mesh);
            }
          g_ptr_array_add (group, cavity->mesh);
          outer->volume += cavity->volume;
        }
      if (group != NULL)
        {
          OspMesh *merged = osp_mesh_merge ((OspMesh *const *) group->pdata, group->len);

          for (guint i = 0; i < n; i++)
            {
              Piece *cavity = &g_array_index (pieces, Piece, i);

              if (cavity->container == (gint) j)
                g_clear_pointer (&cavity->mesh, osp_mesh_unref);
            }
          osp_mesh_unref (outer->mesh);
          outer->mesh = merged;
        }
    }

  g_array_sort (pieces, compare_piece_volume_desc);
  for (guint j = 0; j < n; j++)
    {
      Piece *piece = &g_array_index (pieces, Piece, j);

      if (piece->mesh != NULL)
        g_ptr_array_add (out_pieces, g_steal_pointer (&piece->mesh));
    }
}

/* Splits the chosen triangles (tri indices into w->tris; `flip` per triangle reverses it)
 * into connected pieces (through shared vertices), dropping flat pieces of no volume. */
static void
build_pieces (CutWork       *w,
              const guint32 *chosen,
              const guint8  *flip,
              guint32        n_chosen,
              double         zero_volume,
              GPtrArray     *out_pieces,
              double        *out_volume,
              guint8        *out_kept)
{
  guint32 n_v = w->pos->len / 3;
  const guint32 *tris = (const guint32 *) w->tris->data;
  const float *pos = (const float *) w->pos->data;
  g_autofree guint32 *parent = g_new (guint32, n_v);
  g_autofree guint32 *piece_of_root = g_new (guint32, n_v);
  g_autofree guint32 *local = g_new (guint32, n_v);
  g_autoptr(GArray) nv = g_array_new (FALSE, TRUE, sizeof (guint32));
  g_autoptr(GArray) nt = g_array_new (FALSE, TRUE, sizeof (guint32));
  g_autoptr(GArray) n_solid = g_array_new (FALSE, TRUE, sizeof (guint32));
  g_autofree guint32 *piece_of_tri = g_new (guint32, MAX (n_chosen, 1));
  g_autoptr(GPtrArray) pos_out = g_ptr_array_new ();
  g_autoptr(GPtrArray) idx_out = g_ptr_array_new ();
  g_autofree guint32 *fill_t = NULL;
  g_autoptr(GArray) pieces = g_array_new (FALSE, FALSE, sizeof (Piece));
  g_autoptr(GArray) volumes = g_array_new (FALSE, TRUE, sizeof (double));
  g_autofree guint8 *dropped = NULL;
  guint32 n_pieces = 0;

  *out_volume = 0;
  for (guint32 i = 0; i < n_v; i++)
    {
      parent[i] = i;
      piece_of_root[i] = NONE;
      local[i] = NONE;
    }
  for (guint32 k = 0; k < n_chosen; k++)
    {
      const guint32 *t = tris + 3 * (gsize) chosen[k];

      osp_union_find_join (parent, t[0], t[1]);
      osp_union_find_join (parent, t[0], t[2]);
    }

  for (guint32 k = 0; k < n_chosen; k++)
    {
      const guint32 *t = tris + 3 * (gsize) chosen[k];
      guint32 r = osp_union_find_root (parent, t[0]);
      guint32 piece = piece_of_root[r];
      guint8 flags = g_array_index (w->flags, guint8, chosen[k]);

      if (piece == NONE)
        {
          guint32 zero = 0;

          piece = piece_of_root[r] = n_pieces++;
          g_array_append_val (nv, zero);
          g_array_append_val (nt, zero);
          g_array_append_val (n_solid, zero);
        }
      piece_of_tri[k] = piece;
      g_array_index (nt, guint32, piece)++;
      if (!(flags & TRI_FLAT))
        g_array_index (n_solid, guint32, piece)++;
      for (int c = 0; c < 3; c++)
        if (local[t[c]] == NONE)
          local[t[c]] = g_array_index (nv, guint32, piece)++;
    }

  for (guint32 q = 0; q < n_pieces; q++)
    {
      g_ptr_array_add (pos_out, g_new (float, 3 * (gsize) g_array_index (nv, guint32, q)));
      g_ptr_array_add (idx_out, g_new (guint32, 3 * (gsize) g_array_index (nt, guint32, q)));
    }
  g_array_set_size (volumes, n_pieces);
  fill_t = g_new0 (guint32, MAX (n_pieces, 1));
  for (guint32 k = 0; k < n_chosen; k++)
    {
      const guint32 *t = tris + 3 * (gsize) chosen[k];
      guint32 q = piece_of_tri[k];
      float *pp = g_ptr_array_index (pos_out, q);
      guint32 *ii = (guint32 *) g_ptr_array_index (idx_out, q) + 3 * (gsize) fill_t[q]++;
      double x[3][3];

      for (int c = 0; c < 3; c++)
        {
          guint32 vtx = t[flip != NULL && flip[k] ? 2 - c : c];

          ii[c] = local[vtx];
          memcpy (pp + 3 * (gsize) local[vtx], pos + 3 * (gsize) vtx, 3 * sizeof (float));
          for (int i = 0; i < 3; i++)
            x[c][i] = (double) pos[3 * (gsize) vtx + i] - w->ref[i];
        }
      /* Signed volume about one point for every piece, so that the pieces' volumes add up
       * exactly even where the input is open. */
      g_array_index (volumes, double, q) +=
        (x[0][0] * (x[1][1] * x[2][2] - x[1][2] * x[2][1]) -
         x[0][1] * (x[1][0] * x[2][2] - x[1][2] * x[2][0]) +
         x[0][2] * (x[1][0] * x[2][1] - x[1][1] * x[2][0])) / 6;
    }

  for (guint32 q = 0; q < n_pieces; q++)
    {
      Piece piece = { NULL, 0, { { 0 } }, -1 };

      piece.mesh = osp_mesh_new_take (g_ptr_array_index (pos_out, q),
                                      g_array_index (nv, guint32, q),
                                      g_ptr_array_index (idx_out, q),
                                      g_array_index (nt, guint32, q));
      piece.volume = g_array_index (volumes, double, q);
      /* A piece made only of faces lying in the cut planes (the face a plane runs along)
       * has no volume: it is not a piece of bone. */
      if (g_array_index (n_solid, guint32, q) == 0 && fabs (piece.volume) <= zero_volume)
        {
          osp_mesh_unref (piece.mesh);
          if (dropped == NULL)
            dropped = g_new0 (guint8, n_pieces);
          dropped[q] = 1;
          continue;
        }
      *out_volume += piece.volume;
      g_array_append_val (pieces, piece);
    }
  group_cavities (pieces, zero_volume, out_pieces);
  /* Which of the chosen triangles are in a piece (for the check of the cut). */
  if (out_kept != NULL)
    for (guint32 k = 0; k < n_chosen; k++)
      out_kept[k] = dropped == NULL || !dropped[piece_of_tri[k]];
}


typedef struct
{
  CutWork       *w;
  const guint32 *chosen;
  const guint8  *flip;
  guint32        n_chosen;
  double         zero_volume;
  GPtrArray     *pieces;
  double         volume;
  gboolean       clean;
} PiecesJob;

static gboolean side_is_clean (CutWork *w, const guint32 *chosen, const guint8 *flip,
                               const guint8 *kept, guint32 n_chosen);

static gpointer
build_pieces_thread (gpointer data)
{
  PiecesJob *job = data;
  g_autofree guint8 *kept = g_new (guint8, MAX (job->n_chosen, 1));

  build_pieces (job->w, job->chosen, job->flip, job->n_chosen, job->zero_volume, job->pieces,
                &job->volume, kept);
  job->clean = side_is_clean (job->w, job->chosen, job->flip, kept, job->n_chosen);
  return NULL;
}

/* Whether the faces the cut made (parts of split faces, caps) and the faces around them
 * (sharing a vertex with them, or with a corner within 2 eps of a plane) are clean by CGAL's
 * exact predicates: no face of zero area, and no two that cross or touch other than along
 * what they share.  Faces of the input elsewhere are left as they came.  Only cuts by two
 * planes or more are checked: the crossings came from the lines and corners where planes
 * meet, and the check (a few hundred milliseconds on a 1 M-triangle bone, its long cap
 * triangles' boxes overlapping) would make the everyday one-plane cut several times
 * slower. */
static gboolean
side_is_clean (CutWork       *w,
               const guint32 *chosen,
               const guint8  *flip,
               const guint8  *kept,
               guint32        n_chosen)
{
  const guint32 *tris = (const guint32 *) w->tris->data;
  const guint8 *flags = (const guint8 *) w->flags->data;
  const float *pos = (const float *) w->pos->data;
  guint32 n_v = w->pos->len / 3;
  g_autofree guint8 *mark = g_new0 (guint8, MAX (n_v, 1));
  g_autoptr(GArray) sub_pos = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) sub_idx = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean any_new = FALSE;
  OspCgalMeshView view;
  OspCgalDiagnosis diag;
  KeyMap local;

  if (w->n_planes < 2)
    return TRUE;

  for (guint32 k = 0; k < n_chosen; k++)
    if ((flags[chosen[k]] & TRI_NEW) && kept[k])
      {
        const guint32 *t = tris + 3 * (gsize) chosen[k];

        mark[t[0]] = mark[t[1]] = mark[t[2]] = 1;
        any_new = TRUE;
      }
  if (!any_new)
    return TRUE;
  for (guint32 v = 0; v < w->n_near; v++)
    mark[v] |= w->near[v];

  key_map_init (&local, 4096);
  for (guint32 k = 0; k < n_chosen; k++)
    {
      const guint32 *t = tris + 3 * (gsize) chosen[k];

      if (!kept[k] ||
          (!(flags[chosen[k]] & TRI_NEW) && !mark[t[0]] && !mark[t[1]] && !mark[t[2]]))
        continue;
      for (int c = 0; c < 3; c++)
        {
          guint32 v = t[flip != NULL && flip[k] ? 2 - c : c];
          gboolean found;
          gsize slot = key_map_slot (&local, v, &found);
          guint32 id;

          if (found)
            id = local.values[slot];
          else
            {
              id = sub_pos->len / 3;
              key_map_set (&local, slot, v, id);
              g_array_append_vals (sub_pos, pos + 3 * (gsize) v, 3);
            }
          g_array_append_val (sub_idx, id);
        }
    }
  key_map_clear (&local);

  view.positions = (const float *) sub_pos->data;
  view.n_vertices = sub_pos->len / 3;
  view.indices = (const guint32 *) sub_idx->data;
  view.n_triangles = sub_idx->len / 3;
  osp_cgal_diagnose (&view, NULL, &diag);
  return !diag.self_intersects && diag.n_degenerate == 0;
}

/* The box around the mesh, a tenth of its diagonal and a millimetre larger on every side,
 * as a closed mesh with outward normals. */
static OspMesh *
box_around (const OspMesh *mesh)
{
  static const guint32 faces[36] = {
    0, 2, 1, 0, 3, 2,  4, 5, 6, 4, 6, 7,  0, 1, 5, 0, 5, 4,
    1, 2, 6, 1, 6, 5,  2, 3, 7, 2, 7, 6,  3, 0, 4, 3, 4, 7,
  };
  float p[24];
  OspBox box;
  double diag = 0, pad;

  osp_mesh_get_bounds (mesh, &box);
  for (int k = 0; k < 3; k++)
    diag += ((double) box.max[k] - box.min[k]) * ((double) box.max[k] - box.min[k]);
  pad = 1.0 + 0.1 * sqrt (diag);
  for (int c = 0; c < 8; c++)
    {
      gboolean high_x = c == 1 || c == 2 || c == 5 || c == 6;
      gboolean high_y = c == 2 || c == 3 || c == 6 || c == 7;

      p[3 * c] = (float) (high_x ? box.max[0] + pad : box.min[0] - pad);
      p[3 * c + 1] = (float) (high_y ? box.max[1] + pad : box.min[1] - pad);
      p[3 * c + 2] = (float) (c >= 4 ? box.max[2] + pad : box.min[2] - pad);
    }
  return osp_mesh_new (p, 8, faces, 12);
}

/* Splits a mesh made by a Boolean into pieces as the fast path does (about the same point, so
 * the volumes add up the same way). */
static void
pieces_of (const OspMesh *mesh,
           const double   ref[3],
           double         zero_volume,
           GPtrArray     *out_pieces,
           double        *out_volume)
{
  CutWork w = { 0 };
  guint32 n_t = osp_mesh_get_n_triangles (mesh);
  g_autofree guint32 *all = g_new (guint32, MAX (n_t, 1));

  w.pos = g_array_new (FALSE, FALSE, sizeof (float));
  g_array_append_vals (w.pos, osp_mesh_get_positions (mesh), 3 * osp_mesh_get_n_vertices (mesh));
  w.tris = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_vals (w.tris, osp_mesh_get_indices (mesh), 3 * n_t);
  w.flags = g_array_new (FALSE, TRUE, sizeof (guint8));
  g_array_set_size (w.flags, n_t);
  memcpy (w.ref, ref, sizeof w.ref);
  for (guint32 t = 0; t < n_t; t++)
    all[t] = t;
  build_pieces (&w, all, NULL, n_t, zero_volume, out_pieces, out_volume, NULL);
  g_array_unref (w.pos);
  g_array_unref (w.tris);
  g_array_unref (w.flags);
}

static gboolean cut_mesh (const OspMesh *mesh, const OspPlane *planes, guint n_planes,
                          double margin_mm, gboolean exact_fallback, OspCutResult *out_result,
                          const OspProgressRange *progress, GCancellable *cancellable,
                          GError **error);

/* The pieces again, exactly: the region K (the box around the mesh cut by the planes, which
 * is convex and small) intersected with and subtracted from the mesh by CGAL's corefinement
 * (exact arithmetic, rounded to floats without crossings).  Replaces the pieces in `result`
 * and returns TRUE; FALSE (result untouched) when the mesh is not a clean solid or the
 * Boolean fails; FALSE with the error when cancelled. */
static gboolean
cut_exactly (const OspMesh  *mesh,
             const OspPlane *planes,
             guint           n_planes,
             double          margin_mm,
             const double    ref[3],
             double          zero_volume,
             OspCutResult   *result,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(OspMesh) box = box_around (mesh);
  g_autoptr(OspMesh) inside = NULL, outside = NULL;
  g_auto(OspCutResult) region = { 0 };
  g_autoptr(GError) local_error = NULL;
  GPtrArray *in_pieces, *out_pieces;
  double in_volume = 0, out_volume = 0;

  if (!cut_mesh (box, planes, n_planes, margin_mm, FALSE, &region, NULL, cancellable, error))
    return FALSE;
  if (region.inside->len != 1 || region.outside->len == 0)
    return FALSE;
  inside = osp_mesh_boolean (mesh, g_ptr_array_index (region.inside, 0),
                             OSP_BOOLEAN_INTERSECTION, NULL, cancellable, &local_error);
  if (inside != NULL)
    outside = osp_mesh_boolean (mesh, g_ptr_array_index (region.inside, 0),
                                OSP_BOOLEAN_DIFFERENCE, NULL, cancellable, &local_error);
  if (outside == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return FALSE;
    }
  in_pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  out_pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  pieces_of (inside, ref, zero_volume, in_pieces, &in_volume);
  pieces_of (outside, ref, zero_volume, out_pieces, &out_volume);
  g_ptr_array_unref (result->inside);
  g_ptr_array_unref (result->outside);
  result->inside = in_pieces;
  result->outside = out_pieces;
  result->inside_volume = in_volume;
  result->outside_volume = out_volume;
  return TRUE;
}

/* Whether every directed edge a → b has its twin b → a (closed and consistently oriented),
 * in one pass without an edge table: the sum of h(a, b) − h(b, a) over all directed edges
 * vanishes when they pair up, and (but for a 2⁻⁶⁴ hash coincidence) not otherwise. */
static gboolean
mesh_is_closed (const OspMesh *mesh)
{
  const guint32 *t = osp_mesh_get_indices (mesh);
  guint32 n_v = osp_mesh_get_n_vertices (mesh);
  gsize n = (gsize) osp_mesh_get_n_triangles (mesh) * 3;
  g_autofree guint64 *h = g_new (guint64, 2 * (gsize) MAX (n_v, 1));
  guint64 sum = 0;

  /* h(a, b) = h1(a) · h2(b), wrapping: two random 64-bit numbers per vertex. */
  for (guint32 v = 0; v < n_v; v++)
    {
      h[2 * (gsize) v] = mix64 (v) | 1;
      h[2 * (gsize) v + 1] = mix64 (~(guint64) v) | 1;
    }
  for (gsize i = 0; i < n; i += 3)
    {
      guint32 a = t[i], b = t[i + 1], c = t[i + 2];

      sum += h[2 * (gsize) a] * h[2 * (gsize) b + 1] - h[2 * (gsize) b] * h[2 * (gsize) a + 1];
      sum += h[2 * (gsize) b] * h[2 * (gsize) c + 1] - h[2 * (gsize) c] * h[2 * (gsize) b + 1];
      sum += h[2 * (gsize) c] * h[2 * (gsize) a + 1] - h[2 * (gsize) a] * h[2 * (gsize) c + 1];
    }
  return n > 0 && sum == 0;
}

/* -- Public ------------------------------------------------------------------------------ */

void
osp_cut_result_clear (OspCutResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->inside, g_ptr_array_unref);
  g_clear_pointer (&result->outside, g_ptr_array_unref);
  memset (result, 0, sizeof *result);
}

gboolean
osp_mesh_cut (const OspMesh          *mesh,
              const OspPlane         *planes,
              guint                   n_planes,
              double                  margin_mm,
              OspCutResult           *out_result,
              const OspProgressRange *progress,
              GCancellable           *cancellable,
              GError                **error)
{
  return cut_mesh (mesh, planes, n_planes, margin_mm, TRUE, out_result, progress, cancellable,
                   error);
}

static gboolean
cut_mesh (const OspMesh          *mesh,
          const OspPlane         *planes,
          guint                   n_planes,
          double                  margin_mm,
          gboolean                exact_fallback,
          OspCutResult           *out_result,
          const OspProgressRange *progress,
          GCancellable           *cancellable,
          GError                **error)
{
  CutWork w = { 0 };
  OspBox box;
  double unit[OSP_CUT_MAX_PLANES][4];
  guint32 n_v, n_t;
  guint64 bytes;
  double scale = 1.0, eps, zero_volume;
  g_autofree guint32 *inside = NULL, *outside = NULL;
  g_autofree guint8 *outside_flip = NULL;
  guint32 n_inside = 0, n_outside = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);
  g_return_val_if_fail (planes != NULL, FALSE);
  g_return_val_if_fail (n_planes >= 1 && n_planes <= OSP_CUT_MAX_PLANES, FALSE);
  g_return_val_if_fail (isfinite (margin_mm) && margin_mm >= 0, FALSE);
  for (guint j = 0; j < n_planes; j++)
    {
      g_return_val_if_fail (isfinite (planes[j].normal[0]) && isfinite (planes[j].normal[1]) &&
                            isfinite (planes[j].normal[2]) && isfinite (planes[j].d), FALSE);
      g_return_val_if_fail (planes[j].normal[0] != 0 || planes[j].normal[1] != 0 ||
                            planes[j].normal[2] != 0, FALSE);
    }

  memset (out_result, 0, sizeof *out_result);
  out_result->inside = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  out_result->outside = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);

  n_v = osp_mesh_get_n_vertices (mesh);
  n_t = osp_mesh_get_n_triangles (mesh);

  /* Working copies (positions, triangles, flags, distances) and the pieces: about 3 × the
   * mesh, plus room for the split triangles. */
  bytes = (guint64) n_v * (12 + 8 + 16) * 2 + (guint64) n_t * (13 + 8) * 3;
  if (!osp_memory_check (bytes, NULL, _("Cutting the mesh"), error))
    {
      osp_cut_result_clear (out_result);
      return FALSE;
    }

  {
    const float *p = osp_mesh_get_positions (mesh);
    float *lo = box.min, *hi = box.max;

    memset (&box, 0, sizeof box);
    if (n_v > 0)
      for (int k = 0; k < 3; k++)
        lo[k] = hi[k] = p[k];
    for (gsize i = 0; i < (gsize) n_v; i++)
      for (int k = 0; k < 3; k++)
        {
          lo[k] = MIN (lo[k], p[3 * i + k]);
          hi[k] = MAX (hi[k], p[3 * i + k]);
        }
    for (int k = 0; k < 3; k++)
      {
        scale = MAX (scale, MAX (fabsf (lo[k]), fabsf (hi[k])));
        w.ref[k] = 0.5 * ((double) lo[k] + hi[k]);
      }
  }
  /* About four float roundings at the mesh's scale. */
  eps = scale * ldexp (1.0, EPS_EXP);
  zero_volume = pow (scale, 3) * 1e-12;
  w.eps = eps;

  w.pos = g_array_sized_new (FALSE, FALSE, sizeof (float), 3 * n_v + 1024);
  g_array_append_vals (w.pos, osp_mesh_get_positions (mesh), 3 * n_v);
  w.tris = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 3 * n_t + 1024);
  g_array_append_vals (w.tris, osp_mesh_get_indices (mesh), 3 * n_t);
  w.flags = g_array_sized_new (FALSE, FALSE, sizeof (guint8), n_t + 1024);
  g_array_set_size (w.flags, n_t);
  memset (w.flags->data, TRI_INSIDE, n_t);
  w.segments = g_array_new (FALSE, FALSE, sizeof (guint32));
  w.capped = TRUE;
  out_result->input_closed = mesh_is_closed (mesh);

  /* Unit normals; a plane that agrees with an earlier one (same side) within SAME_PLANE × eps
   * everywhere in the mesh's box is that plane: two planes tilted by a few microradians make
   * a wedge thinner than a float can resolve near the line where they cross, whose two caps
   * rounding would fold through each other.  Dropping the second moves the cut by at most
   * that distance (well under a micrometre for a bone). */
  for (guint j = 0; j < n_planes; j++)
    {
      const float *pn = planes[j].normal;
      double len = sqrt ((double) pn[0] * pn[0] + (double) pn[1] * pn[1] +
                         (double) pn[2] * pn[2]);

      for (int k = 0; k < 3; k++)
        unit[j][k] = pn[k] / len;
      unit[j][3] = planes[j].d / len + margin_mm;
    }
  for (guint j = 0; j < n_planes; j++)
    {
      gboolean same = FALSE;

      for (guint i = 0; i < j && !same; i++)
        {
          double worst = 0;

          for (int c = 0; c < 8; c++)
            {
              double x[3] = { c & 1 ? box.max[0] : box.min[0], c & 2 ? box.max[1] : box.min[1],
                              c & 4 ? box.max[2] : box.min[2] }, diff = unit[j][3] - unit[i][3];

              for (int k = 0; k < 3; k++)
                diff -= (unit[j][k] - unit[i][k]) * x[k];
              worst = MAX (worst, fabs (diff));
            }
          same = worst <= SAME_PLANE * eps;
        }
      osp_progress_report (progress, 0.8 * j / n_planes);
      if (!same && !cut_by_plane (&w, unit[j], unit[j][3], eps, cancellable, error))
        goto out;
    }
  osp_progress_report (progress, 0.8);

  /* Gather both sides. */
  {
    guint32 n_all = w.tris->len / 3;
    const guint8 *flags = (const guint8 *) w.flags->data;

    inside = g_new (guint32, MAX (n_all, 1));
    outside = g_new (guint32, MAX (n_all, 1));
    outside_flip = g_new (guint8, MAX (n_all, 1));
    for (guint32 t = 0; t < n_all; t++)
      {
        gboolean is_cap = (flags[t] & TRI_CAP) != 0;
        gboolean is_in = (flags[t] & TRI_INSIDE) != 0;

        if (is_in)
          inside[n_inside++] = t;
        if (!is_in && !is_cap)
          {
            outside_flip[n_outside] = FALSE;
            outside[n_outside++] = t;
          }
        else if (is_in && is_cap)
          {
            outside_flip[n_outside] = TRUE;
            outside[n_outside++] = t;
          }
      }
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  /* Both sides at once: they only read the work. */
  {
    PiecesJob jobs[2] = {
      { &w, inside, NULL, n_inside, zero_volume, out_result->inside, 0, FALSE },
      { &w, outside, outside_flip, n_outside, zero_volume, out_result->outside, 0, FALSE },
    };
    GThread *thread = NULL;

    if ((guint64) n_inside + n_outside > 200000)
      thread = g_thread_try_new ("osp-cut", build_pieces_thread, &jobs[1], NULL);
    build_pieces_thread (&jobs[0]);
    if (thread != NULL)
      g_thread_join (thread);
    else
      build_pieces_thread (&jobs[1]);
    out_result->inside_volume = jobs[0].volume;
    out_result->outside_volume = jobs[1].volume;
    out_result->clean = jobs[0].clean && jobs[1].clean;
  }

  /* Rounding left crossing or flat faces along the cut (planes meeting at a grazing angle
   * or a hair from a vertex): the pieces again, exactly, where the input allows. */
  if (!out_result->clean && exact_fallback && out_result->input_closed &&
      out_result->inside->len > 0 && out_result->outside->len > 0)
    {
      if (cut_exactly (mesh, planes, n_planes, margin_mm, w.ref, zero_volume, out_result,
                       cancellable, error))
        out_result->clean = out_result->exact = TRUE;
      else if (error != NULL && *error != NULL)
        goto out;
    }

  out_result->capped = w.capped;
  out_result->missed = out_result->inside->len == 0 || out_result->outside->len == 0;
  out_result->n_cap_loops = w.n_loops;
  out_result->n_cap_holes = w.n_holes;
  out_result->n_cap_triangles = w.n_cap_triangles;
  osp_progress_report (progress, 1.0);
  ok = TRUE;

out:
  g_array_unref (w.pos);
  g_array_unref (w.tris);
  g_array_unref (w.flags);
  g_array_unref (w.segments);
  g_free (w.s);
  g_free (w.near);
  key_map_clear (&w.edges);
  if (!ok)
    osp_cut_result_clear (out_result);
  return ok;
}

gboolean
osp_plane_from_points (const float  a[3],
                       const float  b[3],
                       const float  c[3],
                       OspPlane    *out_plane)
{
  double e1[3], e2[3], n[3], len;

  g_return_val_if_fail (a != NULL && b != NULL && c != NULL && out_plane != NULL, FALSE);

  for (int k = 0; k < 3; k++)
    {
      e1[k] = (double) b[k] - a[k];
      e2[k] = (double) c[k] - a[k];
    }
  n[0] = e1[1] * e2[2] - e1[2] * e2[1];
  n[1] = e1[2] * e2[0] - e1[0] * e2[2];
  n[2] = e1[0] * e2[1] - e1[1] * e2[0];
  len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (!(len > 0) || len <= 1e-12 * (e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2] +
                                    e2[0] * e2[0] + e2[1] * e2[1] + e2[2] * e2[2]))
    return FALSE;
  for (int k = 0; k < 3; k++)
    out_plane->normal[k] = (float) (n[k] / len);
  out_plane->d = (float) ((n[0] * a[0] + n[1] * a[1] + n[2] * a[2]) / len);
  return TRUE;
}

gboolean
osp_plane_parse (const char *text,
                 OspPlane   *out_plane,
                 GError    **error)
{
  g_auto(GStrv) parts = NULL;
  double v[4], len;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_plane != NULL, FALSE);

  parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 4)
    goto bad;
  for (int k = 0; k < 4; k++)
    {
      char *end = NULL;
      g_autofree char *s = g_strstrip (g_strdup (parts[k]));

      v[k] = g_ascii_strtod (s, &end);
      if (*s == '\0' || end == NULL || *end != '\0' || !isfinite (v[k]))
        goto bad;
    }
  len = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (!(len > 0))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Plane “%s”: the normal is zero"), text);
      return FALSE;
    }
  for (int k = 0; k < 3; k++)
    out_plane->normal[k] = (float) (v[k] / len);
  out_plane->d = (float) (v[3] / len);
  return TRUE;

bad:
  g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
               _("Plane “%s”: expected four numbers nx,ny,nz,d"), text);
  return FALSE;
}
