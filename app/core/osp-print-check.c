/* osp-print-check.c — the print-readiness check
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-print-check.h"

/* -- Printers ---------------------------------------------------------------------------- */

/* Build volumes as the makers publish them (mm, x × y × z). */
static const OspPrinter printers[] = {
  { "prusa-mk4", "Prusa MK4", { 250, 210, 220 } },
  { "prusa-xl", "Prusa XL", { 360, 360, 360 } },
  { "prusa-mini", "Prusa MINI+", { 180, 180, 180 } },
  { "bambu-x1c", "Bambu Lab X1 Carbon", { 256, 256, 256 } },
  { "bambu-a1-mini", "Bambu Lab A1 mini", { 180, 180, 180 } },
  { "ultimaker-s5", "Ultimaker S5", { 330, 240, 300 } },
  { "ultimaker-s3", "Ultimaker S3", { 230, 190, 200 } },
  { "formlabs-form3b", "Formlabs Form 3B", { 145, 145, 185 } },
  { "formlabs-form3bl", "Formlabs Form 3BL", { 335, 200, 300 } },
  { "formlabs-form4b", "Formlabs Form 4B", { 200, 125, 210 } },
  { "stratasys-j5-medijet", "Stratasys J5 Digital Anatomy / MediJet", { 140, 200, 190 } },
  { "uniontech-rsp-pro-450", "UnionTech RSPro 450 (SLA)", { 450, 450, 350 } },
  { "shining3d-accufab-l4k", "Shining 3D AccuFab-L4K (SLA)", { 141, 79, 120 } },
};

const OspPrinter *
osp_printers_get (guint *out_n)
{
  g_return_val_if_fail (out_n != NULL, NULL);

  *out_n = G_N_ELEMENTS (printers);
  return printers;
}

const OspPrinter *
osp_printer_lookup (const char *id_or_name)
{
  g_return_val_if_fail (id_or_name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (printers); i++)
    if (g_ascii_strcasecmp (printers[i].id, id_or_name) == 0 ||
        g_ascii_strcasecmp (printers[i].name, id_or_name) == 0)
      return &printers[i];
  return NULL;
}

void
osp_print_check_options_init (OspPrintCheckOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->min_wall = 1.5;
  options->self_intersections = TRUE;
  options->wall_samples = 20000;
}

/* -- Triangle–triangle tests ------------------------------------------------------------- */

typedef double Vec3[3];

static inline void
v_sub (const double *a, const double *b, double *out)
{
  out[0] = a[0] - b[0];
  out[1] = a[1] - b[1];
  out[2] = a[2] - b[2];
}

static inline void
v_cross (const double *a, const double *b, double *out)
{
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

static inline double
v_dot (const double *a, const double *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline double
v_len (const double *a)
{
  return sqrt (v_dot (a, a));
}

/* The unit normal n and offset d (n·x = d) of a triangle; FALSE when degenerate. */
static gboolean
tri_plane (const Vec3 *t, double *n, double *d)
{
  double e1[3], e2[3], l;

  v_sub (t[1], t[0], e1);
  v_sub (t[2], t[0], e2);
  v_cross (e1, e2, n);
  l = v_len (n);
  if (!(l > 0))
    return FALSE;
  n[0] /= l;
  n[1] /= l;
  n[2] /= l;
  *d = v_dot (n, t[0]);
  return TRUE;
}

/* Signed distances of t's corners to the plane, snapped to 0 within eps. */
static void
plane_distances (const double *n, double d, const Vec3 *t, double eps, double *out)
{
  for (int i = 0; i < 3; i++)
    {
      out[i] = v_dot (n, t[i]) - d;
      if (fabs (out[i]) < eps)
        out[i] = 0;
    }
}

/* The interval a triangle cuts on the planes' common line (Möller); FALSE when all
 * corners lie in the other plane. */
static gboolean
line_interval (const double *p, const double *dist, double *t0, double *t1)
{
  int k, i, j;
  double a, b;

  if (dist[0] * dist[1] > 0)
    k = 2;
  else if (dist[0] * dist[2] > 0)
    k = 1;
  else if (dist[1] * dist[2] > 0 || dist[0] != 0)
    k = 0;
  else if (dist[1] != 0)
    k = 1;
  else if (dist[2] != 0)
    k = 2;
  else
    return FALSE;
  i = (k + 1) % 3;
  j = (k + 2) % 3;
  a = p[i] + (p[k] - p[i]) * dist[i] / (dist[i] - dist[k]);
  b = p[j] + (p[k] - p[j]) * dist[j] / (dist[j] - dist[k]);
  *t0 = MIN (a, b);
  *t1 = MAX (a, b);
  return TRUE;
}

/* 2D orientation of c relative to a→b. */
static inline double
orient2 (const double *a, const double *b, const double *c)
{
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

static gboolean
segments_cross_2d (const double *a, const double *b, const double *c, const double *d,
                   double eps)
{
  double o1 = orient2 (a, b, c), o2 = orient2 (a, b, d);
  double o3 = orient2 (c, d, a), o4 = orient2 (c, d, b);

  return ((o1 > eps && o2 < -eps) || (o1 < -eps && o2 > eps)) &&
         ((o3 > eps && o4 < -eps) || (o3 < -eps && o4 > eps));
}

static gboolean
point_in_tri_2d (const double *p, const double (*t)[2], double eps)
{
  double a = orient2 (t[0], t[1], p), b = orient2 (t[1], t[2], p), c = orient2 (t[2], t[0], p);

  return (a > eps && b > eps && c > eps) || (a < -eps && b < -eps && c < -eps);
}

/* Coplanar triangles overlap when edges cross properly or one holds a corner of the other
 * strictly inside. */
static gboolean
coplanar_overlap (const double *n, const Vec3 *a, const Vec3 *b, double eps2d)
{
  int ax = fabs (n[0]) > fabs (n[1]) ? (fabs (n[0]) > fabs (n[2]) ? 0 : 2)
                                     : (fabs (n[1]) > fabs (n[2]) ? 1 : 2);
  int u = (ax + 1) % 3, v = (ax + 2) % 3;
  double pa[3][2], pb[3][2];

  for (int i = 0; i < 3; i++)
    {
      pa[i][0] = a[i][u];
      pa[i][1] = a[i][v];
      pb[i][0] = b[i][u];
      pb[i][1] = b[i][v];
    }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (segments_cross_2d (pa[i], pa[(i + 1) % 3], pb[j], pb[(j + 1) % 3], eps2d))
        return TRUE;
  for (int i = 0; i < 3; i++)
    if (point_in_tri_2d (pa[i], (const double (*)[2]) pb, eps2d) ||
        point_in_tri_2d (pb[i], (const double (*)[2]) pa, eps2d))
      return TRUE;
  /* Identical triangles: the centroid test catches them. */
  {
    double ca[2] = { (pa[0][0] + pa[1][0] + pa[2][0]) / 3, (pa[0][1] + pa[1][1] + pa[2][1]) / 3 };

    return point_in_tri_2d (ca, (const double (*)[2]) pb, eps2d);
  }
}

/* Whether segment pq crosses triangle t (not merely touching its plane at an end). */
static gboolean
segment_crosses_tri (const double *p, const double *q, const Vec3 *t, const double *n,
                     double d, double eps)
{
  double dp = v_dot (n, p) - d, dq = v_dot (n, q) - d;
  double x[3], s;
  double e[3], w[3], c[3];

  if (!((dp > eps && dq < -eps) || (dp < -eps && dq > eps)))
    return FALSE;
  s = dp / (dp - dq);
  for (int i = 0; i < 3; i++)
    x[i] = p[i] + (q[i] - p[i]) * s;
  for (int i = 0; i < 3; i++)
    {
      v_sub (t[(i + 1) % 3], t[i], e);
      v_sub (x, t[i], w);
      v_cross (e, w, c);
      if (v_dot (c, n) <= eps * v_len (e))
        return FALSE;
    }
  return TRUE;
}

static gboolean
same_point (const double *a, const double *b)
{
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

/* Whether triangles a and b (unit normals na, nb; zero when degenerate) intersect beyond
 * what they share (corners compared by position, so unwelded meshes work too).  scale: a
 * length of the order of the model, for tolerances. */
static gboolean
tri_tri_intersect (const Vec3 *a, const double *na, const Vec3 *b, const double *nb,
                   double scale)
{
  double da, db, dista[3], distb[3];
  double eps = 1e-9 * scale;
  int shared_a[3] = { -1, -1, -1 };
  int n_shared = 0;

  if ((na[0] == 0 && na[1] == 0 && na[2] == 0) || (nb[0] == 0 && nb[1] == 0 && nb[2] == 0))
    return FALSE;
  da = v_dot (na, a[0]);
  db = v_dot (nb, b[0]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (same_point (a[i], b[j]))
        {
          shared_a[i] = j;
          n_shared++;
          break;
        }

  if (n_shared >= 3)
    return TRUE; /* the same triangle twice */
  if (n_shared == 2)
    {
      /* Sharing an edge: only a fold onto the same plane overlaps. */
      int ia = shared_a[0] < 0 ? 0 : shared_a[1] < 0 ? 1 : 2;
      int e0 = (ia + 1) % 3, e1 = (ia + 2) % 3;
      int ib = 3 - shared_a[e0] - shared_a[e1];
      double apex_dist = v_dot (na, b[ib]) - da, edge[3], wa[3], wb[3], ca[3], cb[3];

      if (fabs (apex_dist) > eps)
        return FALSE;
      v_sub (a[e1], a[e0], edge);
      v_sub (a[ia], a[e0], wa);
      v_sub (b[ib], a[e0], wb);
      v_cross (edge, wa, ca);
      v_cross (edge, wb, cb);
      return v_dot (ca, na) * v_dot (cb, na) > 0;
    }
  if (n_shared == 1)
    {
      /* Sharing a corner: a crossing must pass through an edge opposite the corner. */
      int ia = shared_a[0] >= 0 ? 0 : shared_a[1] >= 0 ? 1 : 2;
      int ib = shared_a[ia];

      return segment_crosses_tri (a[(ia + 1) % 3], a[(ia + 2) % 3], b, nb, db, eps) ||
             segment_crosses_tri (b[(ib + 1) % 3], b[(ib + 2) % 3], a, na, da, eps);
    }

  plane_distances (nb, db, a, eps, dista);
  if ((dista[0] > 0 && dista[1] > 0 && dista[2] > 0) ||
      (dista[0] < 0 && dista[1] < 0 && dista[2] < 0))
    return FALSE;
  plane_distances (na, da, b, eps, distb);
  if ((distb[0] > 0 && distb[1] > 0 && distb[2] > 0) ||
      (distb[0] < 0 && distb[1] < 0 && distb[2] < 0))
    return FALSE;
  if (dista[0] == 0 && dista[1] == 0 && dista[2] == 0)
    return coplanar_overlap (na, a, b, eps * scale);

  {
    double dir[3], pa[3], pb[3], a0, a1, b0, b1;
    int ax;

    v_cross (na, nb, dir);
    ax = fabs (dir[0]) > fabs (dir[1]) ? (fabs (dir[0]) > fabs (dir[2]) ? 0 : 2)
                                       : (fabs (dir[1]) > fabs (dir[2]) ? 1 : 2);
    for (int i = 0; i < 3; i++)
      {
        pa[i] = a[i][ax];
        pb[i] = b[i][ax];
      }
    if (!line_interval (pa, dista, &a0, &a1) || !line_interval (pb, distb, &b0, &b1))
      return FALSE;
    /* A proper overlap, not a mere touch. */
    return MIN (a1, b1) - MAX (a0, b0) > eps;
  }
}

/* -- Self-intersections with a uniform grid ---------------------------------------------- */

static void
radix_sort_u64 (guint64 *keys,
                guint64 *tmp,
                gsize    n,
                guint    bits)
{
  gsize count[1 << 16];

  for (guint shift = 0; shift < bits; shift += 16)
    {
      guint64 *swap;

      memset (count, 0, sizeof count);
      for (gsize i = 0; i < n; i++)
        count[(keys[i] >> shift) & 0xFFFF]++;
      if (count[(keys[0] >> shift) & 0xFFFF] == n)
        continue; /* every key has the same digit */
      {
        gsize sum = 0;

        for (guint d = 0; d < (1u << 16); d++)
          {
            gsize c = count[d];

            count[d] = sum;
            sum += c;
          }
      }
      for (gsize i = 0; i < n; i++)
        tmp[count[(keys[i] >> shift) & 0xFFFF]++] = keys[i];
      swap = keys;
      memcpy (swap, tmp, n * sizeof *keys);
    }
}

static inline void
corners (const float *pos, const guint32 *idx, guint32 t, Vec3 *out)
{
  for (int c = 0; c < 3; c++)
    {
      const float *p = pos + 3 * (gsize) idx[3 * (gsize) t + c];

      out[c][0] = p[0];
      out[c][1] = p[1];
      out[c][2] = p[2];
    }
}

/* Grid cells are this many times a triangle's mean extent. */
#define CELL_FACTOR 2.0
/* A cell with more triangles than this is not tested pair by pair (that would be quadratic:
 * a 100 000-vertex polygon's fan puts every triangle in the cell of its centre); it is
 * counted as unchecked and the report says so. */
#define CELL_MAX_ENTRIES OSP_PRINT_CHECK_MAX_SPOT_TRIANGLES

/* The grid: triangles bucketed by the cells their boxes cover, sorted by cell. */
typedef struct
{
  const OspMesh *mesh;
  OspBox         bounds;
  double         h;           /* cell size */
  double         scale;       /* the largest extent of the bounds */
  guint64        dims[3];
  guint64       *keys;        /* cell << 32 | triangle, sorted */
  gsize          n_entries;
  float         *boxes;       /* 6 per triangle: min xyz, max xyz */
  double        *normals;     /* 3 per triangle, unit (zero when degenerate) */
  guint32       *cell_start;  /* dense index (dims product + 1), or NULL: binary search */
} Grid;

static void
grid_clear (Grid *g)
{
  g_clear_pointer (&g->keys, g_free);
  g_clear_pointer (&g->boxes, g_free);
  g_clear_pointer (&g->normals, g_free);
  g_clear_pointer (&g->cell_start, g_free);
}

/* Triangles without area (zero normal) intersect nothing and no ray hits them: they stay out
 * of the grid, however many there are. */
static inline gboolean
is_degenerate (const Grid *g, guint32 t)
{
  const double *n = g->normals + 3 * (gsize) t;

  return n[0] == 0 && n[1] == 0 && n[2] == 0;
}

static inline guint64
grid_coord (const Grid *g, int axis, double x)
{
  double c = (x - g->bounds.min[axis]) / g->h;

  if (!(c > 0))
    return 0;
  /* Compared as a double first: a far coordinate is beyond any integer. */
  if (c >= (double) (g->dims[axis] - 1))
    return g->dims[axis] - 1;
  return (guint64) c;
}

/* FALSE with the error when memory is short or on cancellation; an empty grid (no keys) when
 * the mesh has nothing to bucket. */
static gboolean
grid_build (const OspMesh  *mesh,
            Grid           *g,
            GCancellable   *cancellable,
            GError        **error)
{
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh);
  double mean_extent = 0;
  guint64 n_entries = 0, bytes, n_cells;
  g_autofree guint64 *tmp = NULL;
  gsize k = 0;

  memset (g, 0, sizeof *g);
  g->mesh = mesh;
  osp_mesh_get_bounds (mesh, &g->bounds);
  if (nt == 0 || osp_box_is_empty (&g->bounds))
    return TRUE;
  g->scale = MAX (g->bounds.max[0] - g->bounds.min[0],
                  MAX (g->bounds.max[1] - g->bounds.min[1], g->bounds.max[2] - g->bounds.min[2]));
  if (!isfinite (g->scale) || g->scale <= 0)
    return TRUE;

  if (!osp_size_mul (nt, 6 * sizeof (float) + 3 * sizeof (double), &bytes) ||
      !osp_memory_check (bytes, NULL, _("the print check"), error))
    return FALSE;
  g->boxes = g_new (float, 6 * (gsize) nt);
  g->normals = g_new (double, 3 * (gsize) nt);
  for (guint32 t = 0; t < nt; t++)
    {
      float *b = g->boxes + 6 * (gsize) t;
      double *n = g->normals + 3 * (gsize) t, d;
      Vec3 v[3];

      corners (pos, idx, t, v);
      if (!tri_plane ((const Vec3 *) v, n, &d))
        n[0] = n[1] = n[2] = 0;

      for (int c = 0; c < 3; c++)
        {
          float p0 = pos[3 * (gsize) idx[3 * (gsize) t] + c];
          float p1 = pos[3 * (gsize) idx[3 * (gsize) t + 1] + c];
          float p2 = pos[3 * (gsize) idx[3 * (gsize) t + 2] + c];

          b[c] = MIN (p0, MIN (p1, p2));
          b[3 + c] = MAX (p0, MAX (p1, p2));
        }
      mean_extent += MAX (b[3] - b[0], MAX (b[4] - b[1], b[5] - b[2]));
    }
  {
    guint32 n_sized = 0;

    mean_extent = 0;
    for (guint32 t = 0; t < nt; t++)
      {
        const float *b = g->boxes + 6 * (gsize) t;

        if (!is_degenerate (g, t))
          {
            mean_extent += MAX (b[3] - b[0], MAX (b[4] - b[1], b[5] - b[2]));
            n_sized++;
          }
      }
    if (n_sized == 0)
      return TRUE;  /* nothing with an area: nothing to intersect or hit */
    mean_extent /= n_sized;
  }
  /* At most 1000 cells per axis (cell ids fit 30 bits). */
  g->h = MAX (CELL_FACTOR * mean_extent, g->scale / 1000.0);
  /* A few huge triangles among small ones would cover too many cells: coarsen until the
   * entries stay within a multiple of the triangles. */
  for (;;)
    {
      for (int c = 0; c < 3; c++)
        g->dims[c] = (guint64) ((g->bounds.max[c] - g->bounds.min[c]) / g->h) + 1;
      n_entries = 0;
      for (guint32 t = 0; t < nt; t++)
        {
          const float *b = g->boxes + 6 * (gsize) t;
          guint64 cells = 1;

          if (is_degenerate (g, t))
            continue;
          for (int c = 0; c < 3; c++)
            cells *= grid_coord (g, c, b[3 + c]) - grid_coord (g, c, b[c]) + 1;
          n_entries += cells;
        }
      if (n_entries <= 32 * (guint64) nt + (1u << 20) || g->h >= g->scale)
        break;
      g->h *= 2;
    }
  n_cells = g->dims[0] * g->dims[1] * g->dims[2];
  if (!osp_size_mul (n_entries, 2 * sizeof (guint64), &bytes) ||
      !osp_memory_check (bytes, NULL, _("the print check"), error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  g->keys = g_new (guint64, MAX (n_entries, 1));
  tmp = g_new (guint64, MAX (n_entries, 1));
  for (guint32 t = 0; t < nt; t++)
    {
      const float *b = g->boxes + 6 * (gsize) t;
      guint64 lo[3], hi[3];

      if (is_degenerate (g, t))
        continue;
      for (int c = 0; c < 3; c++)
        {
          lo[c] = grid_coord (g, c, b[c]);
          hi[c] = grid_coord (g, c, b[3 + c]);
        }
      for (guint64 z = lo[2]; z <= hi[2]; z++)
        for (guint64 y = lo[1]; y <= hi[1]; y++)
          for (guint64 x = lo[0]; x <= hi[0]; x++)
            g->keys[k++] = (((z * g->dims[1] + y) * g->dims[0] + x) << 32) | t;
    }
  g->n_entries = n_entries;
  radix_sort_u64 (g->keys, tmp, n_entries, 32 + g_bit_storage (n_cells));

  /* A dense index of the cells when it is small next to the entries. */
  if (n_cells <= MAX (4 * (guint64) n_entries, 1u << 20))
    {
      gsize e = 0;

      g->cell_start = g_new (guint32, n_cells + 1);
      for (guint64 c = 0; c <= n_cells; c++)
        {
          while (e < n_entries && (g->keys[e] >> 32) < c)
            e++;
          g->cell_start[c] = (guint32) MIN (e, G_MAXUINT32);
        }
      if (n_entries >= G_MAXUINT32)
        g_clear_pointer (&g->cell_start, g_free);
    }
  return TRUE;
}

static void
grid_cell_range (const Grid *g, guint64 cell, gsize *out_start, gsize *out_end)
{
  gsize lo = 0, hi = g->n_entries;

  if (g->cell_start != NULL)
    {
      *out_start = g->cell_start[cell];
      *out_end = g->cell_start[cell + 1];
      return;
    }
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if ((g->keys[mid] >> 32) < cell)
        lo = mid + 1;
      else
        hi = mid;
    }
  *out_start = lo;
  while (lo < g->n_entries && (g->keys[lo] >> 32) == cell)
    lo++;
  *out_end = lo;
}

/* A triangle of a cell, standing for n copies of itself (copies: their ids, or NULL for one). */
typedef struct
{
  guint32        t;
  guint32        n;
  const guint32 *copies;
} Member;

typedef struct
{
  float   v[9];  /* the corners' positions, corners sorted (copies need not share vertices) */
  guint32 t;
} TriangleKey;

static int
compare_corners (const float *a,
                 const float *b)
{
  for (int k = 0; k < 3; k++)
    if (a[k] != b[k])
      return a[k] < b[k] ? -1 : 1;
  return 0;
}

static int
compare_triangle_keys (const void *a,
                       const void *b)
{
  const TriangleKey *x = a, *y = b;

  for (int c = 0; c < 3; c++)
    {
      int r = compare_corners (x->v + 3 * c, y->v + 3 * c);

      if (r != 0)
        return r;
    }
  return (x->t > y->t) - (x->t < y->t);
}

static gboolean
same_corners (const TriangleKey *x,
              const TriangleKey *y)
{
  for (int k = 0; k < 9; k++)
    if (x->v[k] != y->v[k])
      return FALSE;
  return TRUE;
}

/* In a cell too crowded to test: copies of one triangle (the same corners) intersect each
 * other (the same triangle twice): their pairs are counted into *n_pairs (and out_pairs) for
 * the groups whose box corner lies in this cell, without testing.  Then each group becomes
 * one member (out_members, out_copies: the triangle ids grouped, to free with g_free).  TRUE
 * when max_pairs is reached. */
static gboolean
crowded_cell_copies (const Grid *g,
                     gsize       start,
                     gsize       end,
                     guint64     cx,
                     guint64     cy,
                     guint64     cz,
                     guint64     max_pairs,
                     GArray     *out_pairs,
                     guint64    *n_pairs,
                     Member    **out_members,
                     gsize      *out_n_members,
                     guint32   **out_copies)
{
  const guint32 *idx = osp_mesh_get_indices (g->mesh);
  const float *pos = osp_mesh_get_positions (g->mesh);
  gsize n = end - start;
  g_autofree TriangleKey *keys = g_new (TriangleKey, n);
  guint32 *copies = g_new (guint32, n);
  Member *members = g_new (Member, n);
  gsize n_members = 0;

  *out_members = members;
  *out_copies = copies;
  *out_n_members = 0;

  for (gsize i = 0; i < n; i++)
    {
      guint32 t = (guint32) g->keys[start + i];
      float *v = keys[i].v, tmp[3];

      for (int c = 0; c < 3; c++)
        for (int k = 0; k < 3; k++)
          {
            float x = pos[3 * (gsize) idx[3 * (gsize) t + c] + k];

            v[3 * c + k] = x == 0.0f ? 0.0f : x;  /* −0 is 0 */
          }
      /* Three corners in order: a sorting network. */
      for (int pass = 0; pass < 3; pass++)
        {
          int a = pass == 1 ? 1 : 0, b = pass == 1 ? 2 : 1;

          if (compare_corners (v + 3 * a, v + 3 * b) > 0)
            {
              memcpy (tmp, v + 3 * a, sizeof tmp);
              memcpy (v + 3 * a, v + 3 * b, sizeof tmp);
              memcpy (v + 3 * b, tmp, sizeof tmp);
            }
        }
      keys[i].t = t;
    }
  qsort (keys, n, sizeof *keys, compare_triangle_keys);
  for (gsize i = 0; i < n; i++)
    copies[i] = keys[i].t;
  for (gsize i = 0; i < n;)
    {
      gsize j = i + 1;
      const float *b = g->boxes + 6 * (gsize) keys[i].t;

      while (j < n && same_corners (&keys[j], &keys[i]))
        j++;
      members[n_members++] = (Member) { keys[i].t, (guint32) (j - i), copies + i };
      *out_n_members = n_members;
      if (j - i > 1)
        {
          if (grid_coord (g, 0, b[0]) == cx && grid_coord (g, 1, b[1]) == cy &&
              grid_coord (g, 2, b[2]) == cz)
            for (gsize a = i; a < j; a++)
              for (gsize c = a + 1; c < j; c++)
                {
                  (*n_pairs)++;
                  if (out_pairs != NULL)
                    {
                      guint32 pair[2] = { MIN (keys[a].t, keys[c].t), MAX (keys[a].t, keys[c].t) };

                      g_array_append_vals (out_pairs, pair, 2);
                    }
                  if (max_pairs > 0 && *n_pairs >= max_pairs)
                    return TRUE;
                }
        }
      i = j;
    }
  return FALSE;
}

/* Tests the pairs of members of the cell (cx, cy, cz) whose boxes' overlap has its corner in
 * that cell (so that each pair is tested in one cell).  A member may stand for n copies of
 * one triangle: an intersection then counts once per pair of triangles.  TRUE when max_pairs
 * is reached. */
static gboolean
cell_pairs (const Grid   *g,
            const Member *members,
            gsize         n,
            guint64       cx,
            guint64       cy,
            guint64       cz,
            guint64       max_pairs,
            GArray       *out_pairs,
            guint64      *n_pairs)
{
  const float *pos = osp_mesh_get_positions (g->mesh);
  const guint32 *idx = osp_mesh_get_indices (g->mesh);

  for (gsize i = 0; i < n; i++)
    {
      guint32 ta = members[i].t;
      const float *ba = g->boxes + 6 * (gsize) ta;

      for (gsize j = i + 1; j < n; j++)
        {
          guint32 tb = members[j].t;
          const float *bb = g->boxes + 6 * (gsize) tb;
          Vec3 a[3], b[3];

          if (ba[0] > bb[3] || bb[0] > ba[3] || ba[1] > bb[4] || bb[1] > ba[4] ||
              ba[2] > bb[5] || bb[2] > ba[5])
            continue;
          /* Test each pair once: in the cell holding the corner of the boxes' overlap. */
          if (grid_coord (g, 0, MAX (ba[0], bb[0])) != cx ||
              grid_coord (g, 1, MAX (ba[1], bb[1])) != cy ||
              grid_coord (g, 2, MAX (ba[2], bb[2])) != cz)
            continue;
          corners (pos, idx, ta, a);
          corners (pos, idx, tb, b);
          if (!tri_tri_intersect ((const Vec3 *) a, g->normals + 3 * (gsize) ta,
                                  (const Vec3 *) b, g->normals + 3 * (gsize) tb, g->scale))
            continue;
          for (guint32 ka = 0; ka < members[i].n; ka++)
            for (guint32 kb = 0; kb < members[j].n; kb++)
              {
                guint32 ca = members[i].copies != NULL ? members[i].copies[ka] : ta;
                guint32 cb = members[j].copies != NULL ? members[j].copies[kb] : tb;

                (*n_pairs)++;
                if (out_pairs != NULL)
                  {
                    guint32 pair[2] = { MIN (ca, cb), MAX (ca, cb) };

                    g_array_append_vals (out_pairs, pair, 2);
                  }
                if (max_pairs > 0 && *n_pairs >= max_pairs)
                  return TRUE;
              }
        }
    }
  return FALSE;
}

/* Tests the pairs of the cells whose entries start in [begin, end). */
static gboolean
grid_pairs (const Grid     *g,
            gsize           begin,
            gsize           end_entry,
            guint64         max_pairs,
            GArray         *out_pairs,
            guint64        *out_n_pairs,
            guint64        *out_n_unchecked,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autofree Member *members = g_new (Member, CELL_MAX_ENTRIES);
  guint64 n_pairs = 0;

  *out_n_pairs = 0;
  *out_n_unchecked = 0;
  for (gsize start = begin; start < end_entry;)
    {
      guint64 cell = g->keys[start] >> 32;
      gsize end = start + 1;
      guint64 cx = cell % g->dims[0], cy = (cell / g->dims[0]) % g->dims[1];
      guint64 cz = cell / (g->dims[0] * g->dims[1]);

      while (end < g->n_entries && (g->keys[end] >> 32) == cell)
        end++;
      if ((start & 0x3FF) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (end - start > CELL_MAX_ENTRIES)
        {
          /* Copies of one triangle count without testing; what remains is tested when it
           * is few enough. */
          g_autofree Member *groups = NULL;
          g_autofree guint32 *copies = NULL;
          gsize n_members = 0;

          if (crowded_cell_copies (g, start, end, cx, cy, cz, max_pairs, out_pairs, &n_pairs,
                                   &groups, &n_members, &copies) ||
              (n_members <= CELL_MAX_ENTRIES &&
               cell_pairs (g, groups, n_members, cx, cy, cz, max_pairs, out_pairs, &n_pairs)))
            {
              *out_n_pairs = n_pairs;
              return TRUE;
            }
          if (n_members > CELL_MAX_ENTRIES)
            (*out_n_unchecked)++;
          start = end;
          continue;
        }
      {
        for (gsize i = start; i < end; i++)
          members[i - start] = (Member) { (guint32) g->keys[i], 1, NULL };
        if (cell_pairs (g, members, end - start, cx, cy, cz, max_pairs, out_pairs, &n_pairs))
          {
            *out_n_pairs = n_pairs;
            return TRUE;
          }
      }
      start = end;
    }
  *out_n_pairs = n_pairs;
  return TRUE;
}

/* The nearest triangle hit by origin + t dir with t > t_min (Möller–Trumbore in double),
 * walking the grid cell by cell (Amanatides–Woo).  *out_front: whether the ray meets the
 * triangle's outside. */
static gboolean
grid_ray (const Grid   *g,
          const double *origin,
          const double *dir,
          double        t_min,
          guint32       skip,
          double       *out_t,
          guint32      *out_tri,
          gboolean     *out_front)
{
  const float *pos = osp_mesh_get_positions (g->mesh);
  const guint32 *idx = osp_mesh_get_indices (g->mesh);
  gint64 cell[3], step[3];
  double t_max[3], t_delta[3], best = INFINITY;
  guint32 best_tri = G_MAXUINT32;
  gboolean best_front = FALSE;

  if (g->n_entries == 0)
    return FALSE;
  for (int c = 0; c < 3; c++)
    {
      double lo = g->bounds.min[c] + (double) grid_coord (g, c, origin[c]) * g->h;

      cell[c] = (gint64) grid_coord (g, c, origin[c]);
      if (dir[c] > 0)
        {
          step[c] = 1;
          t_max[c] = (lo + g->h - origin[c]) / dir[c];
          t_delta[c] = g->h / dir[c];
        }
      else if (dir[c] < 0)
        {
          step[c] = -1;
          t_max[c] = (lo - origin[c]) / dir[c];
          t_delta[c] = -g->h / dir[c];
        }
      else
        {
          step[c] = 0;
          t_max[c] = INFINITY;
          t_delta[c] = INFINITY;
        }
    }
  for (;;)
    {
      guint64 id = ((guint64) cell[2] * g->dims[1] + (guint64) cell[1]) * g->dims[0] +
                   (guint64) cell[0];
      gsize start, end;
      double t_exit = MIN (t_max[0], MIN (t_max[1], t_max[2]));
      int axis;

      grid_cell_range (g, id, &start, &end);
      for (gsize e = start; e < end; e++)
        {
          guint32 t = (guint32) g->keys[e];
          Vec3 v[3];
          double e1[3], e2[3], pv[3], tv[3], qv[3], det, inv, u, w, hit;

          if (t == skip)
            continue;
          corners (pos, idx, t, v);
          v_sub (v[1], v[0], e1);
          v_sub (v[2], v[0], e2);
          v_cross (dir, e2, pv);
          det = v_dot (e1, pv);
          if (det == 0)
            continue;
          inv = 1.0 / det;
          v_sub (origin, v[0], tv);
          u = v_dot (tv, pv) * inv;
          if (u < 0 || u > 1)
            continue;
          v_cross (tv, e1, qv);
          w = v_dot (dir, qv) * inv;
          if (w < 0 || u + w > 1)
            continue;
          hit = v_dot (e2, qv) * inv;
          if (hit > t_min && hit < best)
            {
              best = hit;
              best_tri = t;
              best_front = det > 0; /* the ray meets the counter-clockwise side */
            }
        }
      if (best <= t_exit)
        break;
      axis = t_max[0] < t_max[1] ? (t_max[0] < t_max[2] ? 0 : 2) : (t_max[1] < t_max[2] ? 1 : 2);
      cell[axis] += step[axis];
      if (cell[axis] < 0 || cell[axis] >= (gint64) g->dims[axis])
        break;
      t_max[axis] += t_delta[axis];
    }
  if (best_tri == G_MAXUINT32)
    return FALSE;
  *out_t = best;
  *out_tri = best_tri;
  *out_front = best_front;
  return TRUE;
}

gboolean
osp_mesh_find_self_intersections (const OspMesh  *mesh,
                                  guint64         max_pairs,
                                  GArray         *out_pairs,
                                  guint64        *out_n_pairs,
                                  guint64        *out_n_unchecked,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  Grid g;
  gboolean ok;
  guint64 n_unchecked = 0;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (out_n_pairs != NULL, FALSE);

  *out_n_pairs = 0;
  if (out_n_unchecked != NULL)
    *out_n_unchecked = 0;
  if (!grid_build (mesh, &g, cancellable, error))
    {
      grid_clear (&g);
      return FALSE;
    }
  ok = grid_pairs (&g, 0, g.n_entries, max_pairs, out_pairs, out_n_pairs, &n_unchecked,
                   cancellable, error);
  if (out_n_unchecked != NULL)
    *out_n_unchecked = n_unchecked;
  grid_clear (&g);
  return ok;
}

/* -- The check --------------------------------------------------------------------------- */

/* Whether piece `label` lies inside another piece (an inner cavity, which rightly faces
 * inward): ray parity along +x from one of its corners against the other pieces.  Brute force,
 * so only asked for a few pieces. */
static gboolean
is_cavity (const OspMesh  *mesh,
           const guint32  *labels,
           guint32         n_labels,
           guint32         label)
{
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh), n = 0;
  const float *p = NULL;

  if (n_labels > 64)
    return FALSE;
  for (guint32 t = 0; t < nt && p == NULL; t++)
    if (labels[t] == label)
      p = pos + 3 * (gsize) idx[3 * (gsize) t];
  if (p == NULL)
    return FALSE;
  for (guint32 t = 0; t < nt; t++)
    {
      const float *a, *b, *c;
      double u0, v0, u1, v1, u2, v2, l0, l1, l2;

      if (labels[t] == label)
        continue;
      a = pos + 3 * (gsize) idx[3 * (gsize) t];
      b = pos + 3 * (gsize) idx[3 * (gsize) t + 1];
      c = pos + 3 * (gsize) idx[3 * (gsize) t + 2];
      /* Project on the yz plane around p, skewed slightly off edges and corners. */
      u0 = a[1] - p[1] - 1.234567e-7;
      v0 = a[2] - p[2] - 2.345678e-7;
      u1 = b[1] - p[1] - 1.234567e-7;
      v1 = b[2] - p[2] - 2.345678e-7;
      u2 = c[1] - p[1] - 1.234567e-7;
      v2 = c[2] - p[2] - 2.345678e-7;
      l0 = u1 * v2 - u2 * v1;
      l1 = u2 * v0 - u0 * v2;
      l2 = u0 * v1 - u1 * v0;
      if ((l0 > 0 && l1 > 0 && l2 > 0) || (l0 < 0 && l1 < 0 && l2 < 0))
        n += (l0 * a[0] + l1 * b[0] + l2 * c[0]) / (l0 + l1 + l2) > p[0];
    }
  return n % 2 == 1;
}

#define MAX_REPORTED_INTERSECTIONS 100000

typedef struct
{
  const Grid   *grid;
  gsize         begin, end;
  GCancellable *cancellable;
  guint64       n_pairs;
  guint64       n_unchecked;
  gboolean      ok;
  GError       *error;
} IntersectJob;

static gpointer
intersect_thread (gpointer data)
{
  IntersectJob *job = data;

  job->ok = grid_pairs (job->grid, job->begin, job->end, MAX_REPORTED_INTERSECTIONS, NULL,
                        &job->n_pairs, &job->n_unchecked, job->cancellable, &job->error);
  return NULL;
}

/* The topology report and the pieces' volumes, beside the grid build. */
typedef struct
{
  OspMesh        *mesh;
  OspPrintReport *report;
} TopologyJob;

static gpointer
topology_thread (gpointer data)
{
  TopologyJob *job = data;
  OspPrintReport *report = job->report;
  OspMesh *mesh = job->mesh;
  g_autofree guint32 *labels = NULL;
  guint32 n;

  osp_mesh_report (mesh, &report->mesh);
  if (report->mesh.topology.n_components < 2 || !report->mesh.closed)
    return NULL;
  labels = g_new (guint32, MAX (report->mesh.n_triangles, 1));
  n = osp_mesh_label_components (mesh, labels);
  if (n > 1)
    {
      g_autofree double *volumes = g_new0 (double, n);
      const float *pos = osp_mesh_get_positions (mesh);
      const guint32 *idx = osp_mesh_get_indices (mesh);

      for (guint32 t = 0; t < report->mesh.n_triangles; t++)
        {
          const float *a = pos + 3 * (gsize) idx[3 * (gsize) t];
          const float *b = pos + 3 * (gsize) idx[3 * (gsize) t + 1];
          const float *c = pos + 3 * (gsize) idx[3 * (gsize) t + 2];

          volumes[labels[t]] += (a[0] * ((double) b[1] * c[2] - (double) b[2] * c[1]) -
                                 a[1] * ((double) b[0] * c[2] - (double) b[2] * c[0]) +
                                 a[2] * ((double) b[0] * c[1] - (double) b[1] * c[0])) / 6;
        }
      for (guint32 i = 0; i < n; i++)
        if (volumes[i] < 0 && !is_cavity (mesh, labels, n, i))
          report->n_inverted_components++;
    }
  return NULL;
}

/* Inward rays from surface points: the distance to the inside of the opposite wall. */
static gboolean
measure_walls (const Grid                 *grid,
               const OspPrintCheckOptions *options,
               OspPrintReport             *report,
               const OspProgressRange     *progress,
               GCancellable               *cancellable,
               GError                    **error)
{
  const OspMesh *mesh = grid->mesh;
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh);
  g_autofree double *cdf = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260101);
  guint n_samples = MAX (options->wall_samples, 1);
  double total = 0;
  gboolean all_centroids = nt <= n_samples;

  report->min_wall = INFINITY;
  if (!all_centroids)
    {
      cdf = g_new (double, nt);
      for (guint32 t = 0; t < nt; t++)
        {
          Vec3 v[3];
          double e1[3], e2[3], n[3];

          corners (pos, idx, t, v);
          v_sub (v[1], v[0], e1);
          v_sub (v[2], v[0], e2);
          v_cross (e1, e2, n);
          total += 0.5 * v_len (n);
          cdf[t] = total;
        }
      if (!(total > 0))
        return TRUE;
    }
  else
    n_samples = nt;

  for (guint s = 0; s < n_samples; s++)
    {
      guint32 t, hit_tri;
      double u, v, e1[3], e2[3], n[3], l, origin[3], dir[3], hit_t;
      gboolean front;
      Vec3 c[3];

      if ((s & 0xFFF) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          osp_progress_report (progress, (double) s / n_samples);
        }
      if (all_centroids)
        {
          t = s;
          u = v = 1.0 / 3.0;
        }
      else
        {
          double r = g_rand_double (rand) * total;
          guint32 lo = 0, hi = nt - 1;

          while (lo < hi)
            {
              guint32 mid = lo + (hi - lo) / 2;

              if (cdf[mid] < r)
                lo = mid + 1;
              else
                hi = mid;
            }
          t = lo;
          u = g_rand_double (rand);
          v = g_rand_double (rand);
          if (u + v > 1)
            {
              u = 1 - u;
              v = 1 - v;
            }
        }
      corners (pos, idx, t, c);
      v_sub (c[1], c[0], e1);
      v_sub (c[2], c[0], e2);
      v_cross (e1, e2, n);
      l = v_len (n);
      if (!(l > 0))
        continue;
      for (int i = 0; i < 3; i++)
        {
          origin[i] = c[0][i] + u * e1[i] + v * e2[i];
          dir[i] = -n[i] / l;
        }
      if (!grid_ray (grid, origin, dir, 1e-6 * grid->scale, t, &hit_t, &hit_tri, &front))
        continue;
      /* Only the inside of the opposite wall counts; a front face means an inner shell or
       * an intersection, which are reported elsewhere. */
      if (front)
        continue;
      report->n_wall_samples++;
      if (hit_t < options->min_wall)
        report->n_thin_samples++;
      if (hit_t < report->min_wall)
        {
          report->min_wall = (float) hit_t;
          for (int i = 0; i < 3; i++)
            report->min_wall_point[i] = (float) origin[i];
        }
    }
  return TRUE;
}

static void
add_problem (OspPrintReport *report,
             OspPrintVerdict level,
             char           *sentence)
{
  g_ptr_array_add (report->problems, sentence);
  report->verdict = MAX (report->verdict, level);
}

static gboolean
fit_permutation (const float *size,
                 const float *volume,
                 guint       *out_axes)
{
  static const guint perms[6][3] = {
    { 0, 1, 2 }, { 1, 0, 2 }, { 0, 2, 1 }, { 2, 0, 1 }, { 1, 2, 0 }, { 2, 1, 0 },
  };

  for (guint p = 0; p < 6; p++)
    if (size[perms[p][0]] <= volume[0] && size[perms[p][1]] <= volume[1] &&
        size[perms[p][2]] <= volume[2])
      {
        memcpy (out_axes, perms[p], sizeof perms[p]);
        return TRUE;
      }
  return FALSE;
}

/* Eigenvectors of a symmetric 3 × 3 matrix (Jacobi rotations), as the columns of v. */
static void
jacobi_eigenvectors (double a[3][3],
                     double v[3][3])
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      v[i][j] = i == j;
  for (int sweep = 0; sweep < 50; sweep++)
    {
      double off = fabs (a[0][1]) + fabs (a[0][2]) + fabs (a[1][2]);

      if (off < 1e-15 * (fabs (a[0][0]) + fabs (a[1][1]) + fabs (a[2][2])) || off == 0)
        return;
      for (int p = 0; p < 2; p++)
        for (int q = p + 1; q < 3; q++)
          {
            double theta, t, c, s;

            if (a[p][q] == 0)
              continue;
            theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
            t = (theta >= 0 ? 1 : -1) / (fabs (theta) + sqrt (theta * theta + 1));
            c = 1 / sqrt (t * t + 1);
            s = t * c;
            for (int k = 0; k < 3; k++)
              {
                double akp = a[k][p], akq = a[k][q];

                a[k][p] = c * akp - s * akq;
                a[k][q] = s * akp + c * akq;
              }
            for (int k = 0; k < 3; k++)
              {
                double apk = a[p][k], aqk = a[q][k];

                a[p][k] = c * apk - s * aqk;
                a[q][k] = s * apk + c * aqk;
              }
            for (int k = 0; k < 3; k++)
              {
                double vkp = v[k][p], vkq = v[k][q];

                v[k][p] = c * vkp - s * vkq;
                v[k][q] = s * vkp + c * vkq;
              }
          }
    }
}

/* The model's box in its principal axes (from the covariance of its vertices): often much
 * smaller than the axis-aligned box of a long, slanted bone. */
static void
principal_box_size (const OspMesh *mesh,
                    float         *out_size)
{
  const float *p = osp_mesh_get_positions (mesh);
  guint32 nv = osp_mesh_get_n_vertices (mesh);
  double mean[3] = { 0, 0, 0 }, cov[3][3] = { { 0 } }, axes[3][3];
  double lo[3] = { INFINITY, INFINITY, INFINITY }, hi[3] = { -INFINITY, -INFINITY, -INFINITY };

  for (guint32 i = 0; i < nv; i++)
    for (int c = 0; c < 3; c++)
      mean[c] += p[3 * (gsize) i + c];
  for (int c = 0; c < 3; c++)
    mean[c] /= MAX (nv, 1);
  for (guint32 i = 0; i < nv; i++)
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++)
        cov[r][c] += (p[3 * (gsize) i + r] - mean[r]) * (p[3 * (gsize) i + c] - mean[c]);
  jacobi_eigenvectors (cov, axes);
  for (guint32 i = 0; i < nv; i++)
    for (int k = 0; k < 3; k++)
      {
        double d = 0;

        for (int c = 0; c < 3; c++)
          d += (p[3 * (gsize) i + c] - mean[c]) * axes[c][k];
        lo[k] = MIN (lo[k], d);
        hi[k] = MAX (hi[k], d);
      }
  for (int k = 0; k < 3; k++)
    out_size[k] = nv > 0 ? (float) (hi[k] - lo[k]) : 0.0f;
}

static void
check_build_volume (const OspMesh  *mesh,
                    OspPrintReport *report,
                    const float    *volume)
{
  for (int c = 0; c < 3; c++)
    report->fit_size[c] = report->mesh.bounds.max[c] - report->mesh.bounds.min[c];
  report->build_volume_checked = TRUE;
  report->fits = fit_permutation (report->fit_size, volume, report->fit_axes);
  if (!report->fits)
    {
      float size[3];

      principal_box_size (mesh, size);
      if (fit_permutation (size, volume, report->fit_axes))
        {
          report->fits = report->fits_rotated = TRUE;
          memcpy (report->fit_size, size, sizeof size);
        }
    }
}

OspPrintReport *
osp_print_check (OspMesh                    *mesh,
                 const OspPrintCheckOptions *options,
                 const OspProgressRange     *progress,
                 GCancellable               *cancellable,
                 GError                    **error)
{
  g_autoptr(OspPrintReport) report = NULL;
  IntersectJob job = { 0 };
  TopologyJob topology_job;
  GThread *topology = NULL, *intersect = NULL;
  gboolean ok;
  const OspMeshTopology *topo;
  Grid grid;
  gsize split = 0;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  report = g_new0 (OspPrintReport, 1);
  report->problems = g_ptr_array_new_with_free_func (g_free);
  report->notes = g_ptr_array_new_with_free_func (g_free);
  report->min_wall = INFINITY;

  /* Two cores: the topology beside the grid, then self-intersections beside the walls. */
  topology_job.mesh = mesh;
  topology_job.report = report;
  topology = g_thread_new ("osp-check-topology", topology_thread, &topology_job);
  ok = grid_build (mesh, &grid, cancellable, error);
  osp_progress_report (progress, 0.3);
  if (ok && options->self_intersections && grid.n_entries > 0)
    {
      /* The other thread takes the first half of the cells; this one the rest after the
       * walls. */
      split = grid.n_entries / 2;
      while (split > 0 && split < grid.n_entries &&
             (grid.keys[split] >> 32) == (grid.keys[split - 1] >> 32))
        split++;
      job.grid = &grid;
      job.begin = 0;
      job.end = split;
      job.cancellable = cancellable;
      intersect = g_thread_new ("osp-check-intersect", intersect_thread, &job);
    }
  g_thread_join (topology);
  topo = &report->mesh.topology;
  if (ok && options->min_wall > 0 && report->mesh.closed && report->mesh.volume > 0)
    {
      OspProgressRange sub = osp_progress_sub (progress, 0.3, 0.6);

      ok = measure_walls (&grid, options, report, &sub, cancellable, error);
    }
  if (intersect != NULL)
    {
      guint64 n_rest = 0, n_rest_unchecked = 0;

      if (ok)
        ok = grid_pairs (&grid, split, grid.n_entries, MAX_REPORTED_INTERSECTIONS, NULL,
                         &n_rest, &n_rest_unchecked, cancellable, error);
      g_thread_join (intersect);
      report->self_intersections_checked = ok && job.ok;
      report->n_self_intersections = MIN (job.n_pairs + n_rest, MAX_REPORTED_INTERSECTIONS);
      report->n_unchecked_spots = job.n_unchecked + n_rest_unchecked;
      if (ok && !job.ok)
        {
          g_propagate_error (error, g_steal_pointer (&job.error));
          ok = FALSE;
        }
      g_clear_error (&job.error);
    }
  else if (ok && options->self_intersections)
    report->self_intersections_checked = TRUE; /* nothing to intersect */
  grid_clear (&grid);
  if (!ok)
    return NULL;

  /* The verdict, problem by problem. */
  if (report->mesh.n_triangles == 0)
    add_problem (report, OSP_PRINT_NOT_READY, g_strdup (_("The model has no triangles.")));
  if (topo->n_boundary_edges > 0)
    add_problem (report, OSP_PRINT_NOT_READY,
                 g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Not closed: %" PRIu64 " boundary edge (a hole).",
                                               "Not closed: %" PRIu64 " boundary edges (holes).",
                                               topo->n_boundary_edges),
                                  topo->n_boundary_edges));
  if (topo->n_nonmanifold_edges > 0)
    add_problem (report, OSP_PRINT_NOT_READY,
                 g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Not manifold: %" PRIu64 " edge is shared by "
                                               "more than two triangles.",
                                               "Not manifold: %" PRIu64 " edges are shared by "
                                               "more than two triangles.",
                                               topo->n_nonmanifold_edges),
                                  topo->n_nonmanifold_edges));
  if (topo->n_misoriented_edges > 0)
    add_problem (report, OSP_PRINT_NOT_READY,
                 g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Inconsistent orientation: %" PRIu64 " edge joins "
                                               "triangles facing opposite ways (flipped faces).",
                                               "Inconsistent orientation: %" PRIu64 " edges join "
                                               "triangles facing opposite ways (flipped faces).",
                                               topo->n_misoriented_edges),
                                  topo->n_misoriented_edges));
  if (report->mesh.closed && report->mesh.volume <= 0 && report->mesh.n_triangles > 0)
    add_problem (report, OSP_PRINT_NOT_READY,
                 g_strdup (_("Inside out: the normals point inwards (negative volume).")));
  else if (report->n_inverted_components > 0)
    add_problem (report, OSP_PRINT_WARNING,
                 g_strdup_printf (ngettext ("%u piece is inside out.",
                                            "%u pieces are inside out.",
                                            report->n_inverted_components),
                                  report->n_inverted_components));
  if (report->mesh.n_degenerate > 0)
    add_problem (report, OSP_PRINT_WARNING,
                 g_strdup_printf (ngettext ("%u degenerate triangle (no area).",
                                            "%u degenerate triangles (no area).",
                                            report->mesh.n_degenerate),
                                  report->mesh.n_degenerate));
  if (report->n_self_intersections > 0)
    add_problem (report, OSP_PRINT_NOT_READY,
                 report->n_self_intersections >= MAX_REPORTED_INTERSECTIONS
                 ? g_strdup_printf (_("Self-intersecting: at least %" PRIu64 " pairs of "
                                      "triangles cross each other."),
                                    report->n_self_intersections)
                 : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "Self-intersecting: %" PRIu64 " pair of "
                                                 "triangles cross each other.",
                                                 "Self-intersecting: %" PRIu64 " pairs of "
                                                 "triangles cross each other.",
                                                 report->n_self_intersections),
                                    report->n_self_intersections));
  if (report->n_unchecked_spots > 0 && report->n_self_intersections < MAX_REPORTED_INTERSECTIONS)
    add_problem (report, OSP_PRINT_WARNING,
                 g_strdup_printf (ngettext ("Self-intersections were not fully checked: %u spot "
                                            "holds more than %u triangles, too many to test "
                                            "pair by pair.",
                                            "Self-intersections were not fully checked: %u "
                                            "spots hold more than %u triangles each, too many "
                                            "to test pair by pair.",
                                            (gulong) MIN (report->n_unchecked_spots, 1000000)),
                                  (guint) MIN (report->n_unchecked_spots, G_MAXUINT),
                                  (guint) CELL_MAX_ENTRIES));
  if (report->n_thin_samples > 0)
    add_problem (report, OSP_PRINT_NOT_READY,
                 g_strdup_printf (_("Walls too thin: %.2f mm at (%.1f, %.1f, %.1f), below the "
                                    "%.2f mm limit (%.1f %% of the sampled surface)."),
                                  report->min_wall, report->min_wall_point[0],
                                  report->min_wall_point[1], report->min_wall_point[2],
                                  options->min_wall,
                                  100.0 * report->n_thin_samples / report->n_wall_samples));
  if (options->build_volume[0] > 0 && options->build_volume[1] > 0 &&
      options->build_volume[2] > 0 && !osp_box_is_empty (&report->mesh.bounds))
    {
      check_build_volume (mesh, report, options->build_volume);
      if (!report->fits)
        add_problem (report, OSP_PRINT_NOT_READY,
                     g_strdup_printf (_("Too big for the printer: %.1f × %.1f × %.1f mm does not "
                                        "fit %.0f × %.0f × %.0f mm in any axis order, "
                                        "nor turned onto its principal axes."),
                                      report->mesh.bounds.max[0] - report->mesh.bounds.min[0],
                                      report->mesh.bounds.max[1] - report->mesh.bounds.min[1],
                                      report->mesh.bounds.max[2] - report->mesh.bounds.min[2],
                                      options->build_volume[0], options->build_volume[1],
                                      options->build_volume[2]));
    }

  if (report->mesh.closed)
    g_ptr_array_add (report->notes, g_strdup (_("Closed and manifold, consistently oriented.")));
  if (report->self_intersections_checked && report->n_self_intersections == 0 &&
      report->n_unchecked_spots == 0)
    g_ptr_array_add (report->notes, g_strdup (_("No self-intersections.")));
  if (report->n_wall_samples > 0 && report->n_thin_samples == 0)
    g_ptr_array_add (report->notes,
                     g_strdup_printf (_("Thinnest wall %.2f mm (limit %.2f mm, %u samples)."),
                                      report->min_wall, options->min_wall,
                                      report->n_wall_samples));
  if (report->build_volume_checked && report->fits && !report->fits_rotated)
    g_ptr_array_add (report->notes,
                     g_strdup_printf (_("Fits the build volume %.0f × %.0f × %.0f mm."),
                                      options->build_volume[0], options->build_volume[1],
                                      options->build_volume[2]));
  else if (report->build_volume_checked && report->fits)
    g_ptr_array_add (report->notes,
                     g_strdup_printf (_("Fits the build volume %.0f × %.0f × %.0f mm only when "
                                        "turned onto its principal axes (%.1f × %.1f × %.1f mm)."),
                                      options->build_volume[0], options->build_volume[1],
                                      options->build_volume[2], report->fit_size[0],
                                      report->fit_size[1], report->fit_size[2]));
  osp_progress_report (progress, 1.0);
  return g_steal_pointer (&report);
}

void
osp_print_report_free (OspPrintReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->problems, g_ptr_array_unref);
  g_clear_pointer (&report->notes, g_ptr_array_unref);
  g_free (report);
}

const char *
osp_print_verdict_to_string (OspPrintVerdict verdict)
{
  switch (verdict)
    {
    case OSP_PRINT_READY:
      return "ready";
    case OSP_PRINT_WARNING:
      return "warning";
    case OSP_PRINT_NOT_READY:
    default:
      return "not ready";
    }
}

char *
osp_print_report_to_text (const OspPrintReport *report,
                          const char           *name)
{
  GString *s = g_string_new (NULL);
  const char *verdict;

  g_return_val_if_fail (report != NULL, NULL);

  switch (report->verdict)
    {
    case OSP_PRINT_READY:
      verdict = _("ready to print");
      break;
    case OSP_PRINT_WARNING:
      verdict = _("printable, with warnings");
      break;
    case OSP_PRINT_NOT_READY:
    default:
      verdict = _("NOT ready to print");
      break;
    }
  if (name != NULL)
    g_string_append_printf (s, "%s: %s\n", name, verdict);
  else
    g_string_append_printf (s, "%s\n", verdict);
  g_string_append_printf (s,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "  %u triangle, %.1f × %.1f × %.1f mm, volume %.1f mm³\n",
                                       "  %u triangles, %.1f × %.1f × %.1f mm, volume %.1f mm³\n",
                                       report->mesh.n_triangles),
                          report->mesh.n_triangles,
                          osp_box_is_empty (&report->mesh.bounds) ? 0.0 :
                          report->mesh.bounds.max[0] - report->mesh.bounds.min[0],
                          osp_box_is_empty (&report->mesh.bounds) ? 0.0 :
                          report->mesh.bounds.max[1] - report->mesh.bounds.min[1],
                          osp_box_is_empty (&report->mesh.bounds) ? 0.0 :
                          report->mesh.bounds.max[2] - report->mesh.bounds.min[2],
                          report->mesh.volume);
  for (guint i = 0; i < report->problems->len; i++)
    g_string_append_printf (s, "  ✗ %s\n", (char *) g_ptr_array_index (report->problems, i));
  for (guint i = 0; i < report->notes->len; i++)
    g_string_append_printf (s, "  ✓ %s\n", (char *) g_ptr_array_index (report->notes, i));
  return g_string_free (s, FALSE);
}

/* -- In a worker thread ------------------------------------------------------------------ */

typedef struct
{
  OspMesh              *mesh;
  OspPrintCheckOptions  options;
  OspProgressRange      progress;
  gboolean              has_progress;
} CheckJob;

static void
check_job_free (gpointer data)
{
  CheckJob *job = data;

  osp_mesh_unref (job->mesh);
  g_free (job);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckJob *job = task_data;
  GError *error = NULL;
  OspPrintReport *report = osp_print_check (job->mesh, &job->options,
                                            job->has_progress ? &job->progress : NULL,
                                            cancellable, &error);

  if (report != NULL)
    g_task_return_pointer (task, report, (GDestroyNotify) osp_print_report_free);
  else
    g_task_return_error (task, error);
}

void
osp_print_check_async (OspMesh                    *mesh,
                       const OspPrintCheckOptions *options,
                       const OspProgressRange     *progress,
                       GCancellable               *cancellable,
                       GAsyncReadyCallback         callback,
                       gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckJob *job;

  g_return_if_fail (mesh != NULL);
  g_return_if_fail (options != NULL);

  job = g_new0 (CheckJob, 1);
  job->mesh = osp_mesh_ref (mesh);
  job->options = *options;
  if (progress != NULL)
    {
      job->progress = *progress;
      job->has_progress = TRUE;
    }
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osp_print_check_async);
  g_task_set_task_data (task, job, check_job_free);
  g_task_run_in_thread (task, check_thread);
}

OspPrintReport *
osp_print_check_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
