/* osp-repair.c — merge, clean, orient, fill, and drop crumbs
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-reader-private.h"
#include "osp-print-check.h"
#include "osp-repair.h"

void
osp_repair_options_init (OspRepairOptions *options)
{
  g_return_if_fail (options != NULL);

  options->merge_tolerance = 1e-4;
  options->max_hole_edges = 200;
  options->min_piece_area = 0.001;
}

void
osp_repair_report_clear (OspRepairReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->steps, g_ptr_array_unref);
  memset (report, 0, sizeof *report);
}

/* The working mesh: arrays that the steps rewrite. */
typedef struct
{
  GArray *pos;  /* float × 3 */
  GArray *idx;  /* guint32 × 3 */
} Work;

#define NV(w) ((w)->pos->len / 3)
#define NT(w) ((w)->idx->len / 3)
#define POS(w) ((float *) (w)->pos->data)
#define IDX(w) ((guint32 *) (w)->idx->data)

/* -- 1. Merging close vertices ----------------------------------------------------------- */

static inline guint64
mix64 (guint64 x)
{
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

static inline guint64
cell_key (gint64 x, gint64 y, gint64 z)
{
  return mix64 ((guint64) x * 0x9E3779B97F4A7C15ull ^ mix64 ((guint64) y + 0x632BE59BD9B4E019ull) ^
                mix64 ((guint64) z * 0x85EBCA77C2B2AE63ull + 17));
}

typedef struct
{
  guint64  key;
  guint32  head;  /* first vertex of the chain, G_MAXUINT32: empty slot */
} Slot;

static guint32 *
slot_find (Slot *slots, guint64 mask, guint64 key, gboolean insert)
{
  for (guint64 i = key & mask;; i = (i + 1) & mask)
    {
      if (slots[i].head == G_MAXUINT32)
        {
          if (!insert)
            return NULL;
          slots[i].key = key;
          return &slots[i].head;
        }
      if (slots[i].key == key)
        return &slots[i].head;
    }
}

static inline float
canonical (float v)
{
  return v == 0.0f ? 0.0f : v; /* −0 equals +0 */
}

/* The grid cell of coordinate v for cells of size tol.  Far coordinates (3e38 / 1e-6 is
 * beyond any integer) are clamped: clamping keeps neighbours in the same or adjacent cells, and
 * the cell ± 1 of the search stays far from overflow. */
#define CELL_LIMIT 4.0e18

static inline gint64
cell_coordinate (float  v,
                 double tol)
{
  double c = floor ((double) v / tol);

  return (gint64) CLAMP (c, -CELL_LIMIT, CELL_LIMIT);
}

/* Maps every vertex to the first earlier vertex within tol (or to itself).  Returns the
 * number of vertices merged away. */
static gboolean
merge_vertices (Work          *w,
                double         tol,
                guint32       *remap,
                guint32       *out_n_merged,
                GError       **error)
{
  guint32 nv = NV (w);
  const float *p = POS (w);
  guint64 cap = 16, bytes;
  g_autofree Slot *slots = NULL;
  g_autofree guint32 *next = NULL;
  guint32 merged = 0;
  double tol2 = tol * tol;

  while (cap < 2 * (guint64) nv)
    cap <<= 1;
  if (!osp_size_mul (cap, sizeof (Slot), &bytes) ||
      !osp_memory_check (bytes + 4 * (guint64) nv, NULL, _("merging vertices"), error))
    return FALSE;
  slots = g_new (Slot, cap);
  for (guint64 i = 0; i < cap; i++)
    slots[i].head = G_MAXUINT32;
  next = g_new (guint32, MAX (nv, 1));

  for (guint32 v = 0; v < nv; v++)
    {
      const float *q = p + 3 * (gsize) v;
      gint64 c[3];
      guint32 found = G_MAXUINT32;
      guint32 *head;

      remap[v] = v;
      if (!isfinite (q[0]) || !isfinite (q[1]) || !isfinite (q[2]))
        continue;
      if (tol > 0)
        {
          for (int k = 0; k < 3; k++)
            c[k] = cell_coordinate (q[k], tol);
          for (int dz = -1; dz <= 1 && found == G_MAXUINT32; dz++)
            for (int dy = -1; dy <= 1 && found == G_MAXUINT32; dy++)
              for (int dx = -1; dx <= 1 && found == G_MAXUINT32; dx++)
                {
                  guint32 *h = slot_find (slots, cap - 1, cell_key (c[0] + dx, c[1] + dy,
                                                                    c[2] + dz), FALSE);

                  for (guint32 u = h != NULL ? *h : G_MAXUINT32; u != G_MAXUINT32; u = next[u])
                    {
                      const float *r = p + 3 * (gsize) u;
                      double d0 = q[0] - r[0], d1 = q[1] - r[1], d2 = q[2] - r[2];

                      if (d0 * d0 + d1 * d1 + d2 * d2 <= tol2)
                        {
                          found = u;
                          break;
                        }
                    }
                }
          head = slot_find (slots, cap - 1, cell_key (c[0], c[1], c[2]), TRUE);
        }
      else
        {
          float f[3] = { canonical (q[0]), canonical (q[1]), canonical (q[2]) };
          guint32 bits[3];
          guint32 *h;

          memcpy (bits, f, sizeof bits);
          h = slot_find (slots, cap - 1, cell_key (bits[0], bits[1], bits[2]), TRUE);
          for (guint32 u = *h; u != G_MAXUINT32; u = next[u])
            if (memcmp (p + 3 * (gsize) u, f, sizeof f) == 0 ||
                (canonical (p[3 * (gsize) u]) == f[0] && canonical (p[3 * (gsize) u + 1]) == f[1]
                 && canonical (p[3 * (gsize) u + 2]) == f[2]))
              {
                found = u;
                break;
              }
          head = h;
        }
      if (found != G_MAXUINT32)
        {
          remap[v] = found;
          merged++;
          continue;
        }
      next[v] = *head;
      *head = v;
    }
  for (guint32 t = 0; t < w->idx->len; t++)
    IDX (w)[t] = remap[IDX (w)[t]];
  *out_n_merged = merged;
  return TRUE;
}

/* -- 2. Degenerate and duplicate triangles ----------------------------------------------- */

/* (b − a) × (c − a) of triangle t (corners a, b, c), in double. */
static void
tri_cross (const float   *p,
           const guint32 *t,
           double         n[3])
{
  const float *a = p + 3 * (gsize) t[0], *b = p + 3 * (gsize) t[1], *c = p + 3 * (gsize) t[2];
  double e1[3] = { (double) b[0] - a[0], (double) b[1] - a[1], (double) b[2] - a[2] };
  double e2[3] = { (double) c[0] - a[0], (double) c[1] - a[1], (double) c[2] - a[2] };

  n[0] = e1[1] * e2[2] - e1[2] * e2[1];
  n[1] = e1[2] * e2[0] - e1[0] * e2[2];
  n[2] = e1[0] * e2[1] - e1[1] * e2[0];
}

static gboolean
zero_area (const float *p, const guint32 *t)
{
  double n[3];

  tri_cross (p, t, n);
  return n[0] == 0 && n[1] == 0 && n[2] == 0;
}

typedef struct
{
  guint32 v[3];   /* sorted corners */
  guint32 t;
} TriKey;

static int
trikey_cmp (const void *pa, const void *pb)
{
  const TriKey *a = pa, *b = pb;

  for (int i = 0; i < 3; i++)
    if (a->v[i] != b->v[i])
      return a->v[i] < b->v[i] ? -1 : 1;
  return a->t < b->t ? -1 : a->t > b->t;
}

static inline void
sort3 (guint32 *v)
{
  guint32 lo = MIN (v[0], MIN (v[1], v[2])), hi = MAX (v[0], MAX (v[1], v[2]));

  v[1] = v[0] + v[1] + v[2] - lo - hi;
  v[0] = lo;
  v[2] = hi;
}

static void
keep_triangles (Work *w, const gboolean *keep)
{
  guint32 *idx = IDX (w), n = 0, nt = NT (w);

  for (guint32 t = 0; t < nt; t++)
    if (keep[t])
      {
        memmove (idx + 3 * (gsize) n, idx + 3 * (gsize) t, 3 * sizeof (guint32));
        n++;
      }
  g_array_set_size (w->idx, 3 * (gsize) n);
}

static void
remove_bad_triangles (Work *w, guint32 *out_degenerate, guint32 *out_duplicates)
{
  guint32 nt = NT (w);
  const guint32 *idx = IDX (w);
  g_autofree gboolean *keep = g_new (gboolean, MAX (nt, 1));
  g_autofree TriKey *keys = g_new (TriKey, MAX (nt, 1));
  guint32 n_keys = 0;

  *out_degenerate = *out_duplicates = 0;
  for (guint32 t = 0; t < nt; t++)
    {
      const guint32 *c = idx + 3 * (gsize) t;

      keep[t] = !(c[0] == c[1] || c[1] == c[2] || c[0] == c[2] || zero_area (POS (w), c));
      if (!keep[t])
        {
          (*out_degenerate)++;
          continue;
        }
      keys[n_keys].t = t;
      memcpy (keys[n_keys].v, c, sizeof keys[n_keys].v);
      sort3 (keys[n_keys].v);
      n_keys++;
    }
  qsort (keys, n_keys, sizeof *keys, trikey_cmp);
  for (guint32 i = 1; i < n_keys; i++)
    if (memcmp (keys[i].v, keys[i - 1].v, sizeof keys[i].v) == 0)
      {
        keep[keys[i].t] = FALSE;
        (*out_duplicates)++;
      }
  keep_triangles (w, keep);
}

/* -- Half-edges by undirected edge ------------------------------------------------------- */

/* The half-edges sorted by their undirected edge, so that the partners of a half-edge are its
 * neighbours in the order: finding them costs the same at a vertex where 100 000 triangles
 * meet (a polygon triangulated into a fan) as anywhere else. */
typedef struct
{
  guint32 *order;  /* half-edge ids 3t + k, sorted by undirected edge */
  guint32 *rank;   /* the position of each half-edge in order */
  guint32 *run;    /* per position: where its edge's run starts */
  guint32 *count;  /* per run start: how many half-edges the edge has */
} Adjacency;

typedef struct
{
  guint64 key;
  guint32 he;
} EdgeKey;

static int
compare_edge_keys (const void *a,
                   const void *b)
{
  const EdgeKey *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->he < y->he ? -1 : x->he > y->he;
}

static inline guint32
he_to (const guint32 *idx, guint32 he)
{
  return idx[he - he % 3 + (he % 3 + 1) % 3];
}

static void
adjacency_build (const Work *w, Adjacency *adj)
{
  guint32 nt = NT (w);
  gsize n = 3 * (gsize) nt;
  const guint32 *idx = IDX (w);
  g_autofree EdgeKey *keys = g_new (EdgeKey, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      guint32 a = idx[i], b = he_to (idx, (guint32) i);

      keys[i].key = (guint64) MIN (a, b) << 32 | MAX (a, b);
      keys[i].he = (guint32) i;
    }
  qsort (keys, n, sizeof *keys, compare_edge_keys);
  adj->order = g_new (guint32, MAX (n, 1));
  adj->rank = g_new (guint32, MAX (n, 1));
  adj->run = g_new (guint32, MAX (n, 1));
  adj->count = g_new0 (guint32, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      adj->order[i] = keys[i].he;
      adj->rank[keys[i].he] = (guint32) i;
      adj->run[i] = i > 0 && keys[i].key == keys[i - 1].key ? adj->run[i - 1] : (guint32) i;
      adj->count[adj->run[i]]++;
    }
}

static void
adjacency_clear (Adjacency *adj)
{
  g_clear_pointer (&adj->order, g_free);
  g_clear_pointer (&adj->rank, g_free);
  g_clear_pointer (&adj->run, g_free);
  g_clear_pointer (&adj->count, g_free);
}

/* The half-edges on the undirected edge of `he` other than he itself: up to 4 are stored in
 * out (and whether each runs the same way).  Returns how many there are in all. */
static guint
edge_partners (const Adjacency *adj, const guint32 *idx, guint32 he, guint32 *out,
               gboolean *out_same)
{
  guint32 first = adj->run[adj->rank[he]];
  guint32 total = adj->count[first];
  guint n = 0;

  for (guint32 i = first; i < first + total && n < 4; i++)
    {
      guint32 o = adj->order[i];

      if (o == he)
        continue;
      out[n] = o;
      out_same[n] = idx[o] == idx[he];
      n++;
    }
  return total - 1;
}

static inline void
flip_triangle (guint32 *idx, guint32 t)
{
  guint32 tmp = idx[3 * (gsize) t + 1];

  idx[3 * (gsize) t + 1] = idx[3 * (gsize) t + 2];
  idx[3 * (gsize) t + 2] = tmp;
}

/* -- 4. Consistent orientation ----------------------------------------------------------- */

static guint32
orient_consistently (Work *w)
{
  guint32 nt = NT (w);
  guint32 *idx = IDX (w);
  Adjacency adj;
  g_autofree guint8 *state = g_new0 (guint8, MAX (nt, 1)); /* 0 new, 1 keep, 2 flip */
  g_autofree guint32 *queue = g_new (guint32, MAX (nt, 1));
  g_autofree guint32 *members = g_new (guint32, MAX (nt, 1));
  guint32 n_flipped = 0;

  adjacency_build (w, &adj);
  for (guint32 seed = 0; seed < nt; seed++)
    {
      guint32 head = 0, tail = 0, n_members = 0, n_flip = 0;

      if (state[seed] != 0)
        continue;
      state[seed] = 1;
      queue[tail++] = seed;
      while (head < tail)
        {
          guint32 t = queue[head++];

          members[n_members++] = t;
          for (guint k = 0; k < 3; k++)
            {
              guint32 partners[4];
              gboolean same[4];
              guint n = edge_partners (&adj, idx, 3 * t + k, partners, same);
              guint32 u;

              if (n != 1)
                continue; /* a boundary or a non-manifold edge: no propagation */
              u = partners[0] / 3;
              if (state[u] != 0)
                continue;
              /* Neighbours agree when they run the shared edge in opposite directions. */
              state[u] = (same[0] ? (state[t] == 1 ? 2 : 1) : state[t]);
              queue[tail++] = u;
            }
        }
      for (guint32 i = 0; i < n_members; i++)
        n_flip += state[members[i]] == 2;
      /* Flip the smaller side. */
      for (guint32 i = 0; i < n_members; i++)
        {
          gboolean flip = (state[members[i]] == 2) == (n_flip * 2 <= n_members);

          if (flip)
            {
              flip_triangle (idx, members[i]);
              n_flipped++;
            }
          state[members[i]] = 3;
        }
    }
  adjacency_clear (&adj);
  return n_flipped;
}

/* -- 5. Holes ---------------------------------------------------------------------------- */

static void
fill_holes (Work *w, guint max_edges, OspRepairReport *report)
{
  guint32 nt = NT (w);
  const guint32 *idx = IDX (w);
  Adjacency adj;
  g_autoptr(GArray) fill_from = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) fill_to = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) by_start = g_hash_table_new (NULL, NULL); /* vertex → first edge + 1 */
  g_autofree guint32 *chain = NULL;
  g_autofree gboolean *used = NULL;
  g_autoptr(GArray) loop = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) added = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 n_fill;

  adjacency_build (w, &adj);
  for (guint32 he = 0; he < 3 * nt; he++)
    {
      guint32 partners[4];
      gboolean same[4];

      if (edge_partners (&adj, idx, he, partners, same) == 0)
        {
          /* The missing neighbour would run this edge backwards. */
          guint32 from = he_to (idx, he), to = idx[he];

          g_array_append_val (fill_from, from);
          g_array_append_val (fill_to, to);
        }
    }
  adjacency_clear (&adj);
  n_fill = fill_from->len;
  if (n_fill == 0)
    return;
  chain = g_new (guint32, n_fill);
  used = g_new0 (gboolean, n_fill);
  for (guint32 e = 0; e < n_fill; e++)
    {
      guint32 from = g_array_index (fill_from, guint32, e);
      gpointer first = g_hash_table_lookup (by_start, GUINT_TO_POINTER (from));

      chain[e] = first != NULL ? GPOINTER_TO_UINT (first) - 1 : G_MAXUINT32;
      g_hash_table_insert (by_start, GUINT_TO_POINTER (from), GUINT_TO_POINTER (e + 1));
    }

  for (guint32 e0 = 0; e0 < n_fill; e0++)
    {
      guint32 start, cur;
      gboolean closed = FALSE;

      if (used[e0])
        continue;
      used[e0] = TRUE;
      g_array_set_size (loop, 0);
      start = g_array_index (fill_from, guint32, e0);
      g_array_append_val (loop, start);
      cur = g_array_index (fill_to, guint32, e0);
      while (loop->len <= n_fill)
        {
          gpointer first;
          guint32 e;

          if (cur == start)
            {
              closed = TRUE;
              break;
            }
          g_array_append_val (loop, cur);
          first = g_hash_table_lookup (by_start, GUINT_TO_POINTER (cur));
          for (e = first != NULL ? GPOINTER_TO_UINT (first) - 1 : G_MAXUINT32;
               e != G_MAXUINT32 && used[e]; e = chain[e])
            ;
          if (e == G_MAXUINT32)
            break;
          used[e] = TRUE;
          cur = g_array_index (fill_to, guint32, e);
        }
      if (!closed || loop->len < 3 || loop->len > max_edges)
        {
          report->n_holes_left++;
          continue;
        }
      g_array_set_size (added, 0);
      osp_polygon_triangulate (POS (w), (const guint32 *) loop->data, loop->len, added);
      if (added->len == 0)
        {
          report->n_holes_left++;
          continue;
        }
      g_array_append_vals (w->idx, added->data, added->len);
      idx = IDX (w); /* the array may have moved */
      report->n_holes_filled++;
      report->n_fill_triangles += added->len / 3;
      report->largest_hole_filled = MAX (report->largest_hole_filled, loop->len);
    }
}

/* -- 3 and 6. Pieces --------------------------------------------------------------------- */

static OspMesh *
work_to_mesh (const Work *w)
{
  return osp_mesh_new (POS (w), NV (w), IDX (w), NT (w));
}

static double
tri_area (const float *p, const guint32 *t)
{
  double n[3];

  tri_cross (p, t, n);
  return 0.5 * sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
}

static void
drop_small_pieces (Work *w, double min_fraction, OspRepairReport *report)
{
  g_autoptr(OspMesh) mesh = work_to_mesh (w);
  guint32 nt = NT (w);
  g_autofree guint32 *labels = g_new (guint32, MAX (nt, 1));
  guint32 n = osp_mesh_label_components (mesh, labels);
  g_autofree double *area = NULL;
  g_autofree gboolean *keep = NULL;
  double total = 0;

  if (n < 2 || min_fraction <= 0)
    return;
  area = g_new0 (double, n);
  for (guint32 t = 0; t < nt; t++)
    {
      double a = tri_area (POS (w), IDX (w) + 3 * (gsize) t);

      area[labels[t]] += a;
      total += a;
    }
  keep = g_new (gboolean, nt);
  for (guint32 t = 0; t < nt; t++)
    {
      keep[t] = area[labels[t]] >= min_fraction * total;
      report->n_piece_triangles_removed += !keep[t];
    }
  for (guint32 i = 0; i < n; i++)
    report->n_pieces_removed += area[i] < min_fraction * total;
  keep_triangles (w, keep);
}

/* Ray parity along +x from p against the triangles of other pieces. */
static guint32
crossings (const Work *w, const guint32 *labels, guint32 skip_label, const float *p)
{
  guint32 nt = NT (w), n = 0;
  const float *pos = POS (w);
  const guint32 *idx = IDX (w);

  for (guint32 t = 0; t < nt; t++)
    {
      const float *a, *b, *c;
      double u0, v0, u1, v1, u2, v2, d, l0, l1, l2, x;

      if (labels[t] == skip_label)
        continue;
      a = pos + 3 * (gsize) idx[3 * (gsize) t];
      b = pos + 3 * (gsize) idx[3 * (gsize) t + 1];
      c = pos + 3 * (gsize) idx[3 * (gsize) t + 2];
      /* Project on the yz plane around p; a slight skew avoids edges and corners. */
      u0 = a[1] - p[1] - 1.234567e-7; v0 = a[2] - p[2] - 2.345678e-7;
      u1 = b[1] - p[1] - 1.234567e-7; v1 = b[2] - p[2] - 2.345678e-7;
      u2 = c[1] - p[1] - 1.234567e-7; v2 = c[2] - p[2] - 2.345678e-7;
      l0 = u1 * v2 - u2 * v1;
      l1 = u2 * v0 - u0 * v2;
      l2 = u0 * v1 - u1 * v0;
      if (!((l0 > 0 && l1 > 0 && l2 > 0) || (l0 < 0 && l1 < 0 && l2 < 0)))
        continue;
      d = l0 + l1 + l2;
      x = (l0 * a[0] + l1 * b[0] + l2 * c[0]) / d;
      n += x > p[0];
    }
  return n;
}

static void
turn_pieces_outward (Work *w, OspRepairReport *report)
{
  g_autoptr(OspMesh) mesh = work_to_mesh (w);
  guint32 nt = NT (w);
  g_autofree guint32 *labels = g_new (guint32, MAX (nt, 1));
  guint32 n = osp_mesh_label_components (mesh, labels);
  g_autofree double *volume = g_new0 (double, MAX (n, 1));
  g_autofree guint32 *first = g_new (guint32, MAX (n, 1));
  g_autofree gboolean *turn = g_new0 (gboolean, MAX (n, 1));
  const float *pos = POS (w);
  guint32 *idx = IDX (w);

  for (guint32 i = 0; i < n; i++)
    first[i] = G_MAXUINT32;
  for (guint32 t = 0; t < nt; t++)
    {
      const float *a = pos + 3 * (gsize) idx[3 * (gsize) t];
      const float *b = pos + 3 * (gsize) idx[3 * (gsize) t + 1];
      const float *c = pos + 3 * (gsize) idx[3 * (gsize) t + 2];

      volume[labels[t]] += (a[0] * ((double) b[1] * c[2] - (double) b[2] * c[1]) -
                            a[1] * ((double) b[0] * c[2] - (double) b[2] * c[0]) +
                            a[2] * ((double) b[0] * c[1] - (double) b[1] * c[0])) / 6;
      if (first[labels[t]] == G_MAXUINT32)
        first[labels[t]] = t;
    }
  for (guint32 i = 0; i < n; i++)
    {
      if (!(volume[i] < 0))
        continue; /* outward, or not a number (NaN coordinates): leave it */
      /* A piece inside another (a cavity) is meant to face inward; only look when there are
       * few pieces, since the test is brute force. */
      if (n > 1 && n <= 64 &&
          crossings (w, labels, i, pos + 3 * (gsize) idx[3 * (gsize) first[i]]) % 2 == 1)
        continue;
      turn[i] = TRUE;
      report->n_pieces_turned++;
    }
  for (guint32 t = 0; t < nt; t++)
    if (turn[labels[t]])
      flip_triangle (idx, t);
}

/* -- The whole repair -------------------------------------------------------------------- */

static void
add_step (OspRepairReport *report,
          char            *sentence)
{
  g_ptr_array_add (report->steps, sentence);
}

OspMesh *
osp_mesh_repair (const OspMesh           *mesh,
                 const OspRepairOptions  *options,
                 OspRepairReport         *out_report,
                 const OspProgressRange  *progress,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  OspRepairReport local = { 0 };
  OspRepairReport *report = out_report != NULL ? out_report : &local;
  Work w;
  g_autofree guint32 *remap = NULL;
  g_autoptr(OspMesh) result = NULL;
  guint64 bytes;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  memset (report, 0, sizeof *report);
  report->steps = g_ptr_array_new_with_free_func (g_free);
  /* The working copy and its adjacency need about six times the mesh. */
  if (!osp_size_mul ((guint64) osp_mesh_get_n_triangles (mesh) + osp_mesh_get_n_vertices (mesh),
                     6 * 12, &bytes) ||
      !osp_memory_check (bytes, NULL, _("the repair"), error))
    goto fail;

  w.pos = g_array_sized_new (FALSE, FALSE, sizeof (float), 3 * osp_mesh_get_n_vertices (mesh));
  w.idx = g_array_sized_new (FALSE, FALSE, sizeof (guint32),
                             3 * osp_mesh_get_n_triangles (mesh));
  g_array_append_vals (w.pos, osp_mesh_get_positions (mesh), 3 * osp_mesh_get_n_vertices (mesh));
  g_array_append_vals (w.idx, osp_mesh_get_indices (mesh), 3 * osp_mesh_get_n_triangles (mesh));

  remap = g_new (guint32, MAX (NV (&w), 1));
  if (!merge_vertices (&w, MAX (options->merge_tolerance, 0), remap, &report->n_merged_vertices,
                       error))
    goto fail_work;
  osp_progress_report (progress, 0.2);
  remove_bad_triangles (&w, &report->n_degenerate_removed, &report->n_duplicates_removed);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail_work;
  osp_progress_report (progress, 0.35);
  drop_small_pieces (&w, options->min_piece_area, report);
  report->n_flipped = orient_consistently (&w);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail_work;
  osp_progress_report (progress, 0.6);
  if (options->max_hole_edges > 0)
    fill_holes (&w, options->max_hole_edges, report);
  else
    {
      /* Count the holes left all the same. */
      fill_holes (&w, 0, report);
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail_work;
  osp_progress_report (progress, 0.8);
  turn_pieces_outward (&w, report);

  {
    g_autoptr(OspMesh) full = work_to_mesh (&w);

    result = osp_mesh_compact (full);
  }
  g_array_unref (w.pos);
  g_array_unref (w.idx);

  if (report->n_merged_vertices > 0)
    add_step (report, g_strdup_printf (ngettext ("merged %u vertex into a neighbour closer than "
                                                 "%g mm", "merged %u vertices into neighbours "
                                                 "closer than %g mm", report->n_merged_vertices),
                                       report->n_merged_vertices, options->merge_tolerance));
  if (report->n_degenerate_removed > 0)
    add_step (report, g_strdup_printf (ngettext ("removed %u degenerate triangle",
                                                 "removed %u degenerate triangles",
                                                 report->n_degenerate_removed),
                                       report->n_degenerate_removed));
  if (report->n_duplicates_removed > 0)
    add_step (report, g_strdup_printf (ngettext ("removed %u duplicate triangle",
                                                 "removed %u duplicate triangles",
                                                 report->n_duplicates_removed),
                                       report->n_duplicates_removed));
  if (report->n_pieces_removed > 0)
    add_step (report, g_strdup_printf (ngettext ("removed %u tiny loose piece (%u triangles)",
                                                 "removed %u tiny loose pieces (%u triangles)",
                                                 report->n_pieces_removed),
                                       report->n_pieces_removed,
                                       report->n_piece_triangles_removed));
  if (report->n_flipped > 0)
    add_step (report, g_strdup_printf (ngettext ("flipped %u triangle to agree with its "
                                                 "neighbours", "flipped %u triangles to agree "
                                                 "with their neighbours", report->n_flipped),
                                       report->n_flipped));
  if (report->n_holes_filled > 0)
    add_step (report, g_strdup_printf (ngettext ("filled %u hole, largest %u edges",
                                                 "filled %u holes, largest %u edges",
                                                 report->n_holes_filled),
                                       report->n_holes_filled, report->largest_hole_filled));
  if (report->n_holes_left > 0)
    add_step (report, g_strdup_printf (ngettext ("left %u hole larger than %u edges (or not a "
                                                 "simple loop)", "left %u holes larger than %u "
                                                 "edges (or not simple loops)",
                                                 report->n_holes_left),
                                       report->n_holes_left, options->max_hole_edges));
  if (report->n_pieces_turned > 0)
    add_step (report, g_strdup_printf (ngettext ("turned %u inside-out piece outward",
                                                 "turned %u inside-out pieces outward",
                                                 report->n_pieces_turned),
                                       report->n_pieces_turned));
  {
    /* What the print check also finds, said here too: crossing triangles are no repair's
     * business, but "nothing to repair" beside a check that fails would mislead. */
    guint64 n_crossing = 0;

    if (osp_mesh_find_self_intersections (result, 1000, NULL, &n_crossing, NULL, cancellable,
                                          NULL) &&
        n_crossing > 0)
      add_step (report, g_strdup_printf (ngettext ("left %u pair of crossing triangles "
                                                   "(self-intersection): repair does not "
                                                   "separate them; remesh or rebuild the model",
                                                   "left %u pairs of crossing triangles "
                                                   "(self-intersections): repair does not "
                                                   "separate them; remesh or rebuild the model",
                                                   (gulong) n_crossing),
                                         (guint) n_crossing));
  }
  if (report->steps->len == 0)
    add_step (report, g_strdup (_("nothing to repair")));
  osp_progress_report (progress, 1.0);
  osp_repair_report_clear (&local);
  return g_steal_pointer (&result);

fail_work:
  g_array_unref (w.pos);
  g_array_unref (w.idx);
fail:
  osp_repair_report_clear (report);
  return NULL;
}
