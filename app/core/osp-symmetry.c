/* osp-symmetry.c — trimmed ICP, the plane of symmetry, deviation maps
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ICP works on a deterministic subsample of the moving mesh's vertices.  Each iteration
 * finds the closest points on the fixed mesh through its BVH (bounded by last iteration's
 * match, which moves little, so the searches stay short), drops untrusted pairs and the
 * worst trim_fraction, and solves the best rigid motion: in closed form for the first steps
 * (Horn's unit quaternion: the largest eigenvector of a symmetric 4 × 4 matrix), then
 * point-to-plane (a linearised 6 × 6 least-squares step), which converges much faster once
 * close.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-symmetry.h"

/* A rigid or reflecting affine map x ↦ r x + t, in double. */
typedef struct
{
  double r[3][3];
  double t[3];
} Affine;

static const Affine affine_identity = { { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }, { 0, 0, 0 } };

static inline void
affine_apply (const Affine *a,
              const double  x[3],
              double        out[3])
{
  for (int i = 0; i < 3; i++)
    out[i] = a->r[i][0] * x[0] + a->r[i][1] * x[1] + a->r[i][2] * x[2] + a->t[i];
}

/* out = a ∘ b (b first). */
static void
affine_compose (const Affine *a,
                const Affine *b,
                Affine       *out)
{
  Affine c;

  for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
        c.r[i][j] = a->r[i][0] * b->r[0][j] + a->r[i][1] * b->r[1][j] + a->r[i][2] * b->r[2][j];
      c.t[i] = a->r[i][0] * b->t[0] + a->r[i][1] * b->t[1] + a->r[i][2] * b->t[2] + a->t[i];
    }
  *out = c;
}

static void
affine_from_mat4 (mat4    m,
                  Affine *out)
{
  for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
        out->r[i][j] = m[j][i];
      out->t[i] = m[3][i];
    }
}

static void
affine_to_mat4 (const Affine *a,
                mat4          out)
{
  glm_mat4_identity (out);
  for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
        out[j][i] = (float) a->r[i][j];
      out[3][i] = (float) a->t[i];
    }
}

static void
affine_reflection (const double n[3],
                   double       d,
                   Affine      *out)
{
  for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 3; j++)
        out->r[i][j] = (i == j ? 1.0 : 0.0) - 2 * n[i] * n[j];
      out->t[i] = 2 * d * n[i];
    }
}

/* Eigen-decomposition of a symmetric n × n matrix (n ≤ 4) by Jacobi rotations.  a (row-major)
 * is destroyed; eigenvector k is column k of vecs.  Sorted by increasing eigenvalue. */
static void
jacobi_eigen (double *a,
              int     n,
              double *vals,
              double *vecs)
{
  for (int i = 0; i < n * n; i++)
    vecs[i] = (i % (n + 1)) == 0 ? 1.0 : 0.0;

  for (int sweep = 0; sweep < 60; sweep++)
    {
      double off = 0, diag = 0;

      for (int p = 0; p < n; p++)
        {
          diag += a[p * n + p] * a[p * n + p];
          for (int q = p + 1; q < n; q++)
            off += a[p * n + q] * a[p * n + q];
        }
      if (off <= 1e-30 * diag || off == 0)
        break;
      for (int p = 0; p < n; p++)
        for (int q = p + 1; q < n; q++)
          {
            double apq = a[p * n + q], theta, t, c, s;

            if (apq == 0)
              continue;
            theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
            t = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1));
            c = 1 / sqrt (t * t + 1);
            s = t * c;
            for (int k = 0; k < n; k++)
              {
                double akp = a[k * n + p], akq = a[k * n + q];

                a[k * n + p] = c * akp - s * akq;
                a[k * n + q] = s * akp + c * akq;
              }
            for (int k = 0; k < n; k++)
              {
                double apk = a[p * n + k], aqk = a[q * n + k];

                a[p * n + k] = c * apk - s * aqk;
                a[q * n + k] = s * apk + c * aqk;
              }
            for (int k = 0; k < n; k++)
              {
                double vkp = vecs[k * n + p], vkq = vecs[k * n + q];

                vecs[k * n + p] = c * vkp - s * vkq;
                vecs[k * n + q] = s * vkp + c * vkq;
              }
          }
    }

  for (int i = 0; i < n; i++)
    vals[i] = a[i * n + i];
  /* Selection sort, moving the columns along. */
  for (int i = 0; i < n; i++)
    {
      int m = i;

      for (int j = i + 1; j < n; j++)
        if (vals[j] < vals[m])
          m = j;
      if (m != i)
        {
          double tv = vals[i];

          vals[i] = vals[m];
          vals[m] = tv;
          for (int k = 0; k < n; k++)
            {
              double tc = vecs[k * n + i];

              vecs[k * n + i] = vecs[k * n + m];
              vecs[k * n + m] = tc;
            }
        }
    }
}

/* The rigid motion that best maps p[i] onto q[i] (least squares), Horn 1987. */
static void
horn_fit (const double *p,
          const double *q,
          guint32       n,
          Affine       *out)
{
  double pc[3] = { 0 }, qc[3] = { 0 }, s[3][3] = { { 0 } }, nm[16], vals[4], vecs[16];
  double w, x, y, z;

  for (guint32 i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      {
        pc[k] += p[3 * i + k];
        qc[k] += q[3 * i + k];
      }
  for (int k = 0; k < 3; k++)
    {
      pc[k] /= n;
      qc[k] /= n;
    }
  for (guint32 i = 0; i < n; i++)
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        s[a][b] += (p[3 * i + a] - pc[a]) * (q[3 * i + b] - qc[b]);

  nm[0] = s[0][0] + s[1][1] + s[2][2];
  nm[1] = s[1][2] - s[2][1];
  nm[2] = s[2][0] - s[0][2];
  nm[3] = s[0][1] - s[1][0];
  nm[5] = s[0][0] - s[1][1] - s[2][2];
  nm[6] = s[0][1] + s[1][0];
  nm[7] = s[2][0] + s[0][2];
  nm[10] = -s[0][0] + s[1][1] - s[2][2];
  nm[11] = s[1][2] + s[2][1];
  nm[15] = -s[0][0] - s[1][1] + s[2][2];
  nm[4] = nm[1];
  nm[8] = nm[2];
  nm[9] = nm[6];
  nm[12] = nm[3];
  nm[13] = nm[7];
  nm[14] = nm[11];
  jacobi_eigen (nm, 4, vals, vecs);
  w = vecs[0 * 4 + 3];
  x = vecs[1 * 4 + 3];
  y = vecs[2 * 4 + 3];
  z = vecs[3 * 4 + 3];

  out->r[0][0] = 1 - 2 * (y * y + z * z);
  out->r[0][1] = 2 * (x * y - w * z);
  out->r[0][2] = 2 * (x * z + w * y);
  out->r[1][0] = 2 * (x * y + w * z);
  out->r[1][1] = 1 - 2 * (x * x + z * z);
  out->r[1][2] = 2 * (y * z - w * x);
  out->r[2][0] = 2 * (x * z - w * y);
  out->r[2][1] = 2 * (y * z + w * x);
  out->r[2][2] = 1 - 2 * (x * x + y * y);
  for (int i = 0; i < 3; i++)
    out->t[i] = qc[i] - (out->r[i][0] * pc[0] + out->r[i][1] * pc[1] + out->r[i][2] * pc[2]);
}

/* Solves the symmetric positive 6 × 6 system a x = b by Gaussian elimination with partial
 * pivoting; FALSE when singular. */
static gboolean
solve6 (double a[6][6],
        double b[6],
        double x[6])
{
  for (int c = 0; c < 6; c++)
    {
      int piv = c;

      for (int r = c + 1; r < 6; r++)
        if (fabs (a[r][c]) > fabs (a[piv][c]))
          piv = r;
      if (!(fabs (a[piv][c]) > 0))
        return FALSE;
      if (piv != c)
        {
          for (int k = 0; k < 6; k++)
            {
              double t = a[c][k];

              a[c][k] = a[piv][k];
              a[piv][k] = t;
            }
          {
            double t = b[c];

            b[c] = b[piv];
            b[piv] = t;
          }
        }
      for (int r = c + 1; r < 6; r++)
        {
          double f = a[r][c] / a[c][c];

          for (int k = c; k < 6; k++)
            a[r][k] -= f * a[c][k];
          b[r] -= f * b[c];
        }
    }
  for (int r = 5; r >= 0; r--)
    {
      double v = b[r];

      for (int k = r + 1; k < 6; k++)
        v -= a[r][k] * x[k];
      x[r] = v / a[r][r];
    }
  return TRUE;
}

/* The small rigid motion that best moves p[i] onto the tangent planes (q[i], n[i]), linearised
 * about the points' centroid (point-to-plane ICP: converges in a few steps where
 * point-to-point creeps along the surface).  FALSE when the planes do not fix the motion. */
static gboolean
plane_fit (const double *p,
           const double *q,
           const double *nrm,
           guint32       n,
           Affine       *out)
{
  double c[3] = { 0 }, a[6][6] = { { 0 } }, b[6] = { 0 }, x[6], trace = 0, theta, axis[3];

  for (guint32 i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      c[k] += p[3 * i + k] / n;
  for (guint32 i = 0; i < n; i++)
    {
      const double *pi = p + 3 * i, *qi = q + 3 * i, *ni = nrm + 3 * i;
      double r[3] = { pi[0] - c[0], pi[1] - c[1], pi[2] - c[2] }, row[6], rhs;

      row[0] = r[1] * ni[2] - r[2] * ni[1];
      row[1] = r[2] * ni[0] - r[0] * ni[2];
      row[2] = r[0] * ni[1] - r[1] * ni[0];
      row[3] = ni[0];
      row[4] = ni[1];
      row[5] = ni[2];
      rhs = (qi[0] - pi[0]) * ni[0] + (qi[1] - pi[1]) * ni[1] + (qi[2] - pi[2]) * ni[2];
      for (int j = 0; j < 6; j++)
        {
          b[j] += row[j] * rhs;
          for (int k = 0; k < 6; k++)
            a[j][k] += row[j] * row[k];
        }
    }
  for (int j = 0; j < 6; j++)
    trace += a[j][j];
  /* A touch of damping keeps directions the surface does not fix (a sphere's spin) still. */
  for (int j = 0; j < 6; j++)
    a[j][j] += 1e-9 * trace;
  if (!solve6 (a, b, x))
    return FALSE;

  /* Rotation by the vector x[0..2] (Rodrigues), about c, then the translation. */
  theta = sqrt (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  if (theta > 0)
    {
      double ct = cos (theta), st = sin (theta), vt = 1 - ct;

      for (int k = 0; k < 3; k++)
        axis[k] = x[k] / theta;
      out->r[0][0] = ct + axis[0] * axis[0] * vt;
      out->r[0][1] = axis[0] * axis[1] * vt - axis[2] * st;
      out->r[0][2] = axis[0] * axis[2] * vt + axis[1] * st;
      out->r[1][0] = axis[1] * axis[0] * vt + axis[2] * st;
      out->r[1][1] = ct + axis[1] * axis[1] * vt;
      out->r[1][2] = axis[1] * axis[2] * vt - axis[0] * st;
      out->r[2][0] = axis[2] * axis[0] * vt - axis[1] * st;
      out->r[2][1] = axis[2] * axis[1] * vt + axis[0] * st;
      out->r[2][2] = ct + axis[2] * axis[2] * vt;
    }
  else
    *out = affine_identity;
  for (int i = 0; i < 3; i++)
    out->t[i] = c[i] + x[3 + i] -
                (out->r[i][0] * c[0] + out->r[i][1] * c[1] + out->r[i][2] * c[2]);
  return TRUE;
}

/* The k-th smallest of v[0..n) (0-based); reorders v. */
static double
select_kth (double  *v,
            guint32  n,
            guint32  k)
{
  gint64 lo = 0, hi = (gint64) n - 1;

  while (lo < hi)
    {
      double pivot = v[lo + (hi - lo) / 2];
      gint64 i = lo, j = hi;

      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              double t = v[i];

              v[i] = v[j];
              v[j] = t;
              i++;
              j--;
            }
        }
      if ((gint64) k <= j)
        hi = j;
      else if ((gint64) k >= i)
        lo = i;
      else
        break;
    }
  return v[k];
}

/* Deterministic subsample: the used vertices, every k-th, at most max_points. */
static double *
sample_vertices (const OspMesh *mesh,
                 guint32        max_points,
                 guint32       *out_n)
{
  guint32 n_v = osp_mesh_get_n_vertices (mesh);
  guint32 n_t = osp_mesh_get_n_triangles (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  const float *p = osp_mesh_get_positions (mesh);
  g_autofree gboolean *used = g_new0 (gboolean, MAX (n_v, 1));
  guint32 n_used = 0, n = 0;
  double step, next = 0;
  double *out;

  for (gsize i = 0; i < (gsize) n_t * 3; i++)
    if (!used[t[i]])
      {
        used[t[i]] = TRUE;
        n_used++;
      }
  if (max_points == 0 || max_points > n_used)
    max_points = n_used;
  out = g_new (double, 3 * (gsize) MAX (max_points, 1));
  step = max_points > 0 ? (double) n_used / max_points : 1;
  for (guint32 v = 0, k = 0; v < n_v && n < max_points; v++)
    {
      if (!used[v])
        continue;
      if (k >= next)
        {
          for (int c = 0; c < 3; c++)
            out[3 * n + c] = p[3 * (gsize) v + c];
          n++;
          next += step;
        }
      k++;
    }
  *out_n = n;
  return out;
}

#define ICP_POINT_ITERATIONS 4

/* -- ICP on points ----------------------------------------------------------------------- */

typedef struct
{
  const OspBvh   *bvh;
  const OspMesh  *fixed;
  const gboolean *trusted;
  const OspPlane *exclude;
  guint           n_exclude;
  double          exclude_distance;
  double          trim;
  guint           max_iterations;
  double          tolerance;
} IcpSetup;

typedef struct
{
  const IcpSetup *setup;
  const double   *points;
  const Affine   *a;
  double         *moved;   /* 3 per point */
  double         *closest; /* 3 per point */
  double         *normal;  /* 3 per point: the unit normal of the closest point's face */
  double         *dist;    /* < 0: no valid pair */
  guint32         start, end;
} IcpChunk;

static gboolean
pair_trusted (const IcpSetup        *s,
              const OspClosestPoint *c)
{
  if (s->trusted != NULL)
    {
      const guint32 *t = osp_mesh_get_indices (s->fixed) + 3 * (gsize) c->triangle;

      if (!s->trusted[t[0]] || !s->trusted[t[1]] || !s->trusted[t[2]])
        return FALSE;
    }
  for (guint k = 0; k < s->n_exclude; k++)
    {
      const OspPlane *pl = &s->exclude[k];
      double len = sqrt ((double) pl->normal[0] * pl->normal[0] +
                         (double) pl->normal[1] * pl->normal[1] +
                         (double) pl->normal[2] * pl->normal[2]);
      double dist = (pl->normal[0] * (double) c->point[0] + pl->normal[1] * (double) c->point[1] +
                     pl->normal[2] * (double) c->point[2] - pl->d) / len;

      if (fabs (dist) < s->exclude_distance)
        return FALSE;
    }
  return TRUE;
}

static void
face_normal (const OspMesh *mesh,
             guint32        triangle,
             double         out[3])
{
  const float *x = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh) + 3 * (gsize) triangle;
  const float *a = x + 3 * (gsize) t[0], *b = x + 3 * (gsize) t[1], *c = x + 3 * (gsize) t[2];
  double e1[3], e2[3], len;

  for (int k = 0; k < 3; k++)
    {
      e1[k] = (double) b[k] - a[k];
      e2[k] = (double) c[k] - a[k];
    }
  out[0] = e1[1] * e2[2] - e1[2] * e2[1];
  out[1] = e1[2] * e2[0] - e1[0] * e2[2];
  out[2] = e1[0] * e2[1] - e1[1] * e2[0];
  len = sqrt (out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
  for (int k = 0; k < 3; k++)
    out[k] = len > 0 ? out[k] / len : 0;
}

static gpointer
icp_chunk_run (gpointer data)
{
  IcpChunk *ch = data;

  for (guint32 i = ch->start; i < ch->end; i++)
    {
      double *y = ch->moved + 3 * i, *cp = ch->closest + 3 * i;
      float q[3];
      float bound = INFINITY;
      OspClosestPoint c;
      gboolean found;

      affine_apply (ch->a, ch->points + 3 * i, y);
      for (int k = 0; k < 3; k++)
        q[k] = (float) y[k];
      /* Last iteration's match bounds this one's distance: short searches. */
      if (ch->dist[i] >= 0)
        bound = (float) (sqrt ((y[0] - cp[0]) * (y[0] - cp[0]) + (y[1] - cp[1]) * (y[1] - cp[1]) +
                               (y[2] - cp[2]) * (y[2] - cp[2])) * 1.001 + 1e-3);
      found = osp_bvh_closest_point (ch->setup->bvh, q, bound, &c);
      if (!found && isfinite (bound))
        found = osp_bvh_closest_point (ch->setup->bvh, q, INFINITY, &c);
      if (!found)
        {
          ch->dist[i] = -1;
          continue;
        }
      for (int k = 0; k < 3; k++)
        cp[k] = c.point[k];
      face_normal (ch->setup->fixed, c.triangle, ch->normal + 3 * i);
      ch->dist[i] = pair_trusted (ch->setup, &c) ? c.distance : -2;
    }
  return NULL;
}

static void
icp_match (const IcpSetup *s,
           const double   *points,
           guint32         n,
           const Affine   *a,
           double         *moved,
           double         *closest,
           double         *normal,
           double         *dist)
{
  guint n_threads = CLAMP (g_get_num_processors (), 1, 8);
  IcpChunk chunks[8];
  GThread *threads[8] = { NULL };

  if (n < 4096)
    n_threads = 1;
  for (guint k = 0; k < n_threads; k++)
    {
      chunks[k] = (IcpChunk) { s, points, a, moved, closest, normal, dist,
                               (guint32) ((guint64) n * k / n_threads),
                               (guint32) ((guint64) n * (k + 1) / n_threads) };
      if (k > 0)
        threads[k] = g_thread_new ("osp-icp", icp_chunk_run, &chunks[k]);
    }
  icp_chunk_run (&chunks[0]);
  for (guint k = 1; k < n_threads; k++)
    g_thread_join (threads[k]);
}

/* Keeps the best (1 − trim) of the valid pairs; fills the residual of those pairs.  Returns
 * the number kept and compacts their indices into `kept`. */
static guint32
icp_trim (const IcpSetup *s,
          const double   *dist,
          guint32         n,
          guint32        *kept,
          OspResidual    *res)
{
  g_autofree double *d = g_new (double, MAX (n, 1));
  guint32 n_valid = 0, n_keep, n_kept = 0;
  double threshold, sum2 = 0, sum = 0;

  for (guint32 i = 0; i < n; i++)
    if (dist[i] >= 0)
      d[n_valid++] = dist[i];
  if (n_valid < 3)
    return 0;
  n_keep = (guint32) ceil ((1 - s->trim) * n_valid);
  n_keep = CLAMP (n_keep, 3, n_valid);
  threshold = select_kth (d, n_valid, n_keep - 1);
  for (guint32 i = 0; i < n && n_kept < n_keep; i++)
    if (dist[i] >= 0 && dist[i] <= threshold)
      {
        kept[n_kept++] = i;
        sum2 += dist[i] * dist[i];
        sum += dist[i];
      }
  res->rms_mm = sqrt (sum2 / n_kept);
  res->mean_mm = sum / n_kept;
  res->n_pairs = n_kept;
  /* The 95th percentile of the kept distances (d[0..n_keep) are the smallest). */
  res->p95_mm = select_kth (d, n_keep, (guint32) floor (0.95 * (n_keep - 1)));
  return n_kept;
}

static gboolean
icp_points (const IcpSetup *s,
            const double   *points,
            guint32         n,
            Affine         *a,
            OspResidual    *out_res,
            const OspProgressRange *progress,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autofree double *moved = g_new (double, 3 * (gsize) MAX (n, 1));
  g_autofree double *closest = g_new (double, 3 * (gsize) MAX (n, 1));
  g_autofree double *normal = g_new (double, 3 * (gsize) MAX (n, 1));
  g_autofree double *dist = g_new (double, MAX (n, 1));
  g_autofree guint32 *kept = g_new (guint32, MAX (n, 1));
  g_autofree double *p = g_new (double, 3 * (gsize) MAX (n, 1));
  g_autofree double *q = g_new (double, 3 * (gsize) MAX (n, 1));
  g_autofree double *nq = g_new (double, 3 * (gsize) MAX (n, 1));
  OspResidual res = { 0 };
  double prev_rms = INFINITY;
  guint it;

  for (guint32 i = 0; i < n; i++)
    dist[i] = -1;

  for (it = 0; it < s->max_iterations; it++)
    {
      guint32 n_kept;
      Affine step;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      osp_progress_report (progress, (double) it / s->max_iterations);
      icp_match (s, points, n, a, moved, closest, normal, dist);
      n_kept = icp_trim (s, dist, n, kept, &res);
      if (n_kept < 3)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("Registration failed: too few trusted point pairs"));
          return FALSE;
        }
      if (fabs (prev_rms - res.rms_mm) < s->tolerance)
        break;
      prev_rms = res.rms_mm;
      for (guint32 k = 0; k < n_kept; k++)
        {
          memcpy (p + 3 * k, moved + 3 * (gsize) kept[k], 3 * sizeof (double));
          memcpy (q + 3 * k, closest + 3 * (gsize) kept[k], 3 * sizeof (double));
          memcpy (nq + 3 * k, normal + 3 * (gsize) kept[k], 3 * sizeof (double));
        }
      /* Point-to-point (Horn) first, robust far from the goal; then point-to-plane. */
      if (it < ICP_POINT_ITERATIONS || !plane_fit (p, q, nq, n_kept, &step))
        horn_fit (p, q, n_kept, &step);
      affine_compose (&step, a, a);
    }
  res.n_iterations = MIN (it + 1, s->max_iterations);
  if (it == s->max_iterations)
    {
      /* The residual of the final transform. */
      icp_match (s, points, n, a, moved, closest, normal, dist);
      if (icp_trim (s, dist, n, kept, &res) < 3)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("Registration failed: too few trusted point pairs"));
          return FALSE;
        }
      res.n_iterations = s->max_iterations;
    }
  osp_progress_report (progress, 1.0);
  if (out_res != NULL)
    *out_res = res;
  return TRUE;
}

gboolean
osp_icp_register (const OspMesh          *moving,
                  const OspMesh          *fixed,
                  const OspIcpOptions    *options,
                  mat4                    initial,
                  mat4                    out_matrix,
                  OspResidual            *out_residual,
                  const OspProgressRange *progress,
                  GCancellable           *cancellable,
                  GError                **error)
{
  const OspIcpOptions defaults = OSP_ICP_OPTIONS_INIT;
  g_autoptr(OspBvh) bvh = NULL;
  g_autofree double *points = NULL;
  guint32 n = 0;
  IcpSetup s;
  Affine a = affine_identity;
  OspProgressRange sub;

  g_return_val_if_fail (moving != NULL, FALSE);
  g_return_val_if_fail (fixed != NULL, FALSE);
  g_return_val_if_fail (out_matrix != NULL, FALSE);
  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->trim_fraction >= 0 && options->trim_fraction < 1, FALSE);

  if (osp_mesh_get_n_triangles (moving) == 0 || osp_mesh_get_n_triangles (fixed) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Registration failed: a mesh has no triangles"));
      return FALSE;
    }

  sub = osp_progress_sub (progress, 0, 0.2);
  bvh = osp_bvh_new_full ((OspMesh *) fixed, &sub, cancellable, error);
  if (bvh == NULL)
    return FALSE;
  points = sample_vertices (moving, options->max_points, &n);

  s = (IcpSetup) { bvh, fixed, options->fixed_trusted, options->exclude_planes,
                   options->n_exclude_planes, options->exclude_distance_mm,
                   options->trim_fraction, MAX (options->max_iterations, 1),
                   options->tolerance_mm };
  if (initial != NULL)
    affine_from_mat4 (initial, &a);
  sub = osp_progress_sub (progress, 0.2, 0.8);
  if (!icp_points (&s, points, n, &a, out_residual, &sub, cancellable, error))
    return FALSE;
  affine_to_mat4 (&a, out_matrix);
  return TRUE;
}

/* -- The plane of symmetry ---------------------------------------------------------------- */

static void
orient_plane (const double n_in[3],
              double       d_in,
              OspPlane    *out)
{
  int big = 0;
  double sgn;

  for (int k = 1; k < 3; k++)
    if (fabs (n_in[k]) > fabs (n_in[big]))
      big = k;
  sgn = n_in[big] < 0 ? -1.0 : 1.0;
  for (int k = 0; k < 3; k++)
    out->normal[k] = (float) (sgn * n_in[k]);
  out->d = (float) (sgn * d_in);
}

/* The plane of the reflection closest to the isometry a, through the midpoint of c and its
 * image.  FALSE when a does not reverse orientation. */
static gboolean
plane_of_reflection (const Affine *a,
                     const double  c[3],
                     double        n[3],
                     double       *d)
{
  double sym[9], vals[3], vecs[9], det, image[3];

  det = a->r[0][0] * (a->r[1][1] * a->r[2][2] - a->r[1][2] * a->r[2][1]) -
        a->r[0][1] * (a->r[1][0] * a->r[2][2] - a->r[1][2] * a->r[2][0]) +
        a->r[0][2] * (a->r[1][0] * a->r[2][1] - a->r[1][1] * a->r[2][0]);
  if (!(det < 0))
    return FALSE;
  /* A reflection's linear part is I − 2nnᵀ: n is the eigenvector of the symmetric part
   * with the smallest eigenvalue (−1). */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      sym[3 * i + j] = (a->r[i][j] + a->r[j][i]) / 2;
  jacobi_eigen (sym, 3, vals, vecs);
  for (int k = 0; k < 3; k++)
    n[k] = vecs[3 * k + 0];
  affine_apply (a, c, image);
  *d = 0;
  for (int k = 0; k < 3; k++)
    *d += n[k] * (c[k] + image[k]) / 2;
  return TRUE;
}

gboolean
osp_plane_from_reflection (mat4      matrix,
                           OspPlane *out_plane)
{
  Affine a;
  double n[3], d;
  const double origin[3] = { 0, 0, 0 };

  g_return_val_if_fail (out_plane != NULL, FALSE);

  affine_from_mat4 (matrix, &a);
  if (!plane_of_reflection (&a, origin, n, &d))
    return FALSE;
  orient_plane (n, d, out_plane);
  return TRUE;
}

void
osp_plane_compare (const OspPlane *a,
                   const OspPlane *b,
                   const float     point[3],
                   double         *out_angle_deg,
                   double         *out_distance_mm)
{
  double na[3], nb[3], la = 0, lb = 0, dot = 0, da, db, p[3], s;

  g_return_if_fail (a != NULL && b != NULL && point != NULL);

  for (int k = 0; k < 3; k++)
    {
      na[k] = a->normal[k];
      nb[k] = b->normal[k];
      la += na[k] * na[k];
      lb += nb[k] * nb[k];
    }
  la = sqrt (la);
  lb = sqrt (lb);
  da = a->d / la;
  db = b->d / lb;
  for (int k = 0; k < 3; k++)
    {
      na[k] /= la;
      nb[k] /= lb;
      dot += na[k] * nb[k];
    }
  if (out_angle_deg != NULL)
    *out_angle_deg = acos (CLAMP (fabs (dot), 0.0, 1.0)) * 180 / G_PI;
  s = na[0] * point[0] + na[1] * point[1] + na[2] * point[2] - da;
  for (int k = 0; k < 3; k++)
    p[k] = point[k] - s * na[k];
  if (out_distance_mm != NULL)
    *out_distance_mm = fabs (nb[0] * p[0] + nb[1] * p[1] + nb[2] * p[2] - db);
}

/* Area-weighted centroid and principal axes (columns of axes, by increasing variance). */
static gboolean
surface_principal_axes (const OspMesh *mesh,
                        double         centroid[3],
                        double         axes[9],
                        double         variances[3])
{
  const float *x = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  guint32 n_t = osp_mesh_get_n_triangles (mesh);
  double area = 0, c[3] = { 0 }, m[9] = { 0 };

  for (guint32 k = 0; k < n_t; k++)
    {
      const float *a = x + 3 * (gsize) t[3 * k], *b = x + 3 * (gsize) t[3 * k + 1];
      const float *cc = x + 3 * (gsize) t[3 * k + 2];
      double e1[3], e2[3], cr[3], w, g[3];

      for (int i = 0; i < 3; i++)
        {
          e1[i] = (double) b[i] - a[i];
          e2[i] = (double) cc[i] - a[i];
          g[i] = ((double) a[i] + b[i] + cc[i]) / 3;
        }
      cr[0] = e1[1] * e2[2] - e1[2] * e2[1];
      cr[1] = e1[2] * e2[0] - e1[0] * e2[2];
      cr[2] = e1[0] * e2[1] - e1[1] * e2[0];
      w = sqrt (cr[0] * cr[0] + cr[1] * cr[1] + cr[2] * cr[2]) / 2;
      area += w;
      for (int i = 0; i < 3; i++)
        {
          c[i] += w * g[i];
          for (int j = 0; j < 3; j++)
            m[3 * i + j] += w * g[i] * g[j];
        }
    }
  if (!(area > 0))
    return FALSE;
  for (int i = 0; i < 3; i++)
    centroid[i] = c[i] / area;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      m[3 * i + j] = m[3 * i + j] / area - centroid[i] * centroid[j];
  jacobi_eigen (m, 3, variances, axes);
  return variances[1] > 1e-12 * variances[2];
}

static gboolean
landmark_plane (const OspSymmetryOptions *o,
                const double              axes[9],
                double                    n[3],
                double                   *d)
{
  double c[3] = { 0 };

  for (guint i = 0; i < o->n_landmarks; i++)
    for (int k = 0; k < 3; k++)
      c[k] += o->landmarks[3 * i + k] / (double) o->n_landmarks;

  if (o->n_landmarks >= 3)
    {
      double m[9] = { 0 }, vals[3], vecs[9];

      for (guint i = 0; i < o->n_landmarks; i++)
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++)
            m[3 * a + b] += (o->landmarks[3 * i + a] - c[a]) * (o->landmarks[3 * i + b] - c[b]);
      jacobi_eigen (m, 3, vals, vecs);
      if (!(vals[1] > 1e-9 * (vals[2] + 1e-30)))
        return FALSE;
      for (int k = 0; k < 3; k++)
        n[k] = vecs[3 * k];
    }
  else
    {
      /* The plane through both points whose normal is the principal axis most nearly
       * perpendicular to the line between them, made exactly perpendicular. */
      double l[3], len = 0, best = INFINITY, dot;
      int pick = 0;

      for (int k = 0; k < 3; k++)
        {
          l[k] = o->landmarks[3 + k] - o->landmarks[k];
          len += l[k] * l[k];
        }
      len = sqrt (len);
      if (!(len > 0))
        return FALSE;
      for (int k = 0; k < 3; k++)
        l[k] /= len;
      for (int a = 0; a < 3; a++)
        {
          double dd = fabs (axes[a] * l[0] + axes[3 + a] * l[1] + axes[6 + a] * l[2]);

          if (dd < best)
            {
              best = dd;
              pick = a;
            }
        }
      dot = axes[pick] * l[0] + axes[3 + pick] * l[1] + axes[6 + pick] * l[2];
      len = 0;
      for (int k = 0; k < 3; k++)
        {
          n[k] = axes[3 * k + pick] - dot * l[k];
          len += n[k] * n[k];
        }
      len = sqrt (len);
      for (int k = 0; k < 3; k++)
        n[k] /= len;
    }
  *d = n[0] * c[0] + n[1] * c[1] + n[2] * c[2];
  return TRUE;
}

/* Two unit vectors completing the unit n to a right-handed frame. */
static void
plane_basis_of (const double n[3],
                double       u[3],
                double       v[3])
{
  double a[3] = { 0, 0, 0 }, len;
  int k = 0;

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
  v[0] = n[1] * u[2] - n[2] * u[1];
  v[1] = n[2] * u[0] - n[0] * u[2];
  v[2] = n[0] * u[1] - n[1] * u[0];
}

/* v turned by `deg` degrees about the unit axis u (Rodrigues). */
static void
rotate_about (const double v[3],
              const double u[3],
              double       deg,
              double       out[3])
{
  double a = deg * G_PI / 180, c = cos (a), sn = sin (a), dot = 0, cr[3];

  for (int k = 0; k < 3; k++)
    dot += u[k] * v[k];
  cr[0] = u[1] * v[2] - u[2] * v[1];
  cr[1] = u[2] * v[0] - u[0] * v[2];
  cr[2] = u[0] * v[1] - u[1] * v[0];
  for (int k = 0; k < 3; k++)
    out[k] = v[k] * c + cr[k] * sn + u[k] * dot * (1 - c);
}

/* A plane candidate: its normal through the centroid, then the ICP transform found. */
typedef struct
{
  double      n[3], d;
  Affine      t;
  OspResidual res;
  double      pn[3], pd;  /* the refined plane */
  gboolean    ok;
} Candidate;

#define SYMMETRY_MAX_CANDIDATES 24
#define SYMMETRY_COARSE_POINTS 1500
#define SYMMETRY_MID_POINTS 5000
#define SYMMETRY_N_REFINED 3

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->ok != y->ok)
    return x->ok ? -1 : 1;
  return (x->res.rms_mm > y->res.rms_mm) - (x->res.rms_mm < y->res.rms_mm);
}

/* Runs ICP of the reflection of `points` across the candidate, from c->t. */
static gboolean
candidate_fit (const IcpSetup *s,
               Candidate      *c,
               const double   *points,
               guint32         n,
               double         *mirrored,
               const double    centroid[3],
               const OspProgressRange *progress,
               GCancellable   *cancellable,
               GError        **error)
{
  Affine m, total;
  g_autoptr(GError) local = NULL;

  affine_reflection (c->n, c->d, &m);
  for (guint32 i = 0; i < n; i++)
    affine_apply (&m, points + 3 * (gsize) i, mirrored + 3 * (gsize) i);
  if (!icp_points (s, mirrored, n, &c->t, &c->res, progress, cancellable, &local))
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      c->ok = FALSE;
      return TRUE;
    }
  affine_compose (&c->t, &m, &total);
  c->ok = plane_of_reflection (&total, centroid, c->pn, &c->pd);
  return TRUE;
}

gboolean
osp_symmetry_estimate_full (const OspMesh            *mesh,
                            const OspSymmetryOptions *options,
                            OspSymmetryResult        *out_result,
                            const OspProgressRange   *progress,
                            GCancellable             *cancellable,
                            GError                  **error)
{
  const OspSymmetryOptions defaults = OSP_SYMMETRY_OPTIONS_INIT;
  double centroid[3], axes[9], variances[3], size;
  Candidate cand[SYMMETRY_MAX_CANDIDATES];
  guint n_cand = 0, n_refine, n_plain = 0, n_tried = 0;
  double best_coarse = INFINITY;
  g_autoptr(OspBvh) bvh = NULL;
  g_autofree double *coarse = NULL, *mid = NULL, *fine = NULL, *mirrored = NULL;
  guint32 n_coarse = 0, n_mid = 0, n_fine = 0;
  OspSymmetryResult result = { 0 };
  IcpSetup s;
  OspProgressRange sub;
  Candidate *best;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);
  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->n_landmarks == 0 || options->landmarks != NULL, FALSE);
  g_return_val_if_fail (options->trim_fraction >= 0 && options->trim_fraction < 1, FALSE);

  if (osp_mesh_get_n_triangles (mesh) == 0 ||
      !surface_principal_axes (mesh, centroid, axes, variances))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("No plane of symmetry: the mesh has no surface or no extent"));
      return FALSE;
    }
  size = sqrt (variances[2]);

  memset (cand, 0, sizeof cand);
  if (options->has_initial_plane)
    {
      const float *pn = options->initial_plane.normal;
      double len = sqrt ((double) pn[0] * pn[0] + (double) pn[1] * pn[1] +
                         (double) pn[2] * pn[2]);

      g_return_val_if_fail (len > 0, FALSE);
      for (int k = 0; k < 3; k++)
        cand[0].n[k] = pn[k] / len;
      cand[0].d = options->initial_plane.d / len;
      n_cand = 1;
    }
  else if (options->n_landmarks >= 2)
    {
      if (!landmark_plane (options, axes, cand[0].n, &cand[0].d))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("No plane of symmetry: the landmarks do not define a plane"));
          return FALSE;
        }
      n_cand = 1;
    }
  else
    {
      /* Frames: the principal axes, and the patient's axes around the left–right prior. */
      double frames[2][3][3];
      guint n_frames = 1;

      for (guint a = 0; a < 3; a++)
        for (int k = 0; k < 3; k++)
          frames[0][a][k] = axes[3 * k + a];
      if (options->use_lr_prior)
        {
          double lr[3] = { options->lr_axis[0], options->lr_axis[1], options->lr_axis[2] };
          double len = sqrt (lr[0] * lr[0] + lr[1] * lr[1] + lr[2] * lr[2]), u[3], v[3];

          if (len > 0)
            {
              for (int k = 0; k < 3; k++)
                lr[k] /= len;
              plane_basis_of (lr, u, v);
              memcpy (frames[1][0], lr, sizeof lr);
              memcpy (frames[1][1], u, sizeof u);
              memcpy (frames[1][2], v, sizeof v);
              n_frames = 2;
            }
        }
      /* The plain planes first (the prior's sagittal plane, then the principal planes),
       * then the turned ones, tried only when no plain one fits well. */
      for (int turn = 0; turn < 5; turn++)
        for (guint f = n_frames; f-- > 0;)
          for (guint a = 0; a < (f == 1 ? 1u : 3u); a++)
            {
              Candidate *c = &cand[n_cand++];

              if (turn == 0)
                memcpy (c->n, frames[f][a], sizeof c->n);
              else
                rotate_about (frames[f][a], turn <= 2 ? frames[f][(a + 1) % 3] :
                              frames[f][(a + 2) % 3], turn % 2 ? 25.0 : -25.0, c->n);
              c->d = c->n[0] * centroid[0] + c->n[1] * centroid[1] + c->n[2] * centroid[2];
              if (turn == 0)
                n_plain++;
            }
    }

  sub = osp_progress_sub (progress, 0, 0.1);
  bvh = osp_bvh_new_full ((OspMesh *) mesh, &sub, cancellable, error);
  if (bvh == NULL)
    return FALSE;

  fine = sample_vertices (mesh, options->max_points, &n_fine);
  mid = sample_vertices (mesh, MIN (options->max_points == 0 ? G_MAXUINT32 :
                                    options->max_points, SYMMETRY_MID_POINTS), &n_mid);
  coarse = sample_vertices (mesh, MIN (options->max_points == 0 ? G_MAXUINT32 :
                                       options->max_points, SYMMETRY_COARSE_POINTS), &n_coarse);
  mirrored = g_new (double, 3 * (gsize) MAX (n_fine, 1));

  /* Every candidate: a short ICP on the coarse sample. */
  s = (IcpSetup) { bvh, mesh, NULL, NULL, 0, 0, options->trim_fraction, 10, 1e-3 };
  for (guint c = 0; c < n_cand; c++)
    {
      /* A plain plane that mirrors the surface within 2 % of its size needs no turned rival
       * (they would find it again, slowly). */
      if (c == n_plain && n_plain > 0 && best_coarse < 0.02 * size)
        break;
      cand[c].t = affine_identity;
      sub = osp_progress_sub (progress, 0.1 + 0.4 * c / n_cand, 0.4 / n_cand);
      if (!candidate_fit (&s, &cand[c], coarse, n_coarse, mirrored, centroid, &sub, cancellable,
                          error))
        return FALSE;
      if (cand[c].ok)
        best_coarse = MIN (best_coarse, cand[c].res.rms_mm);
      n_tried++;
    }
  n_cand = n_tried;
  result.n_candidates = n_cand;
  qsort (cand, n_cand, sizeof (Candidate), compare_candidates);
  if (!cand[0].ok)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("No plane of symmetry: the registration did not converge"));
      return FALSE;
    }

  /* The best few distinct planes again, on more points, from where they got to. */
  n_refine = 0;
  for (guint c = 0; c < n_cand && n_refine < SYMMETRY_N_REFINED; c++)
    {
      /* Only planes that could still be rivals (see below) are worth more points. */
      gboolean distinct = cand[c].ok && cand[c].res.rms_mm <= 1.5 * cand[0].res.rms_mm + 0.05;

      for (guint e = 0; e < n_refine && distinct; e++)
        {
          double dot = fabs (cand[c].pn[0] * cand[e].pn[0] + cand[c].pn[1] * cand[e].pn[1] +
                             cand[c].pn[2] * cand[e].pn[2]);
          double off = fabs (cand[e].pn[0] * centroid[0] + cand[e].pn[1] * centroid[1] +
                             cand[e].pn[2] * centroid[2] - cand[e].pd) +
                       fabs (cand[c].pn[0] * centroid[0] + cand[c].pn[1] * centroid[1] +
                             cand[c].pn[2] * centroid[2] - cand[c].pd);

          distinct = dot < cos (10 * G_PI / 180) || off > 0.05 * size;
        }
      if (distinct)
        cand[n_refine++] = cand[c];
    }
  s.max_iterations = 20;
  for (guint c = 0; c < n_refine; c++)
    {
      sub = osp_progress_sub (progress, 0.5 + 0.2 * c / n_refine, 0.2 / n_refine);
      if (!candidate_fit (&s, &cand[c], mid, n_mid, mirrored, centroid, &sub, cancellable,
                          error))
        return FALSE;
    }
  qsort (cand, n_refine, sizeof (Candidate), compare_candidates);
  best = &cand[0];
  if (!best->ok)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("No plane of symmetry: the registration did not converge"));
      return FALSE;
    }

  /* The best on the fine sample. */
  s.max_iterations = MAX (options->max_iterations, 1);
  s.tolerance = 1e-4;
  sub = osp_progress_sub (progress, 0.7, 0.3);
  if (!candidate_fit (&s, best, fine, n_fine, mirrored, centroid, &sub, cancellable, error))
    return FALSE;
  if (!best->ok)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("No plane of symmetry: the registration did not converge"));
      return FALSE;
    }
  orient_plane (best->pn, best->pd, &result.plane);
  result.residual = best->res;

  /* The untrimmed figure: every pair of the final fit. */
  {
    g_autofree double *moved = g_new (double, 3 * (gsize) MAX (n_fine, 1));
    g_autofree double *closest = g_new (double, 3 * (gsize) MAX (n_fine, 1));
    g_autofree double *normal = g_new (double, 3 * (gsize) MAX (n_fine, 1));
    g_autofree double *dist = g_new (double, MAX (n_fine, 1));
    IcpSetup all = s;
    guint32 n_valid = 0;
    double sum2 = 0;

    for (guint32 i = 0; i < n_fine; i++)
      dist[i] = -1;
    icp_match (&all, mirrored, n_fine, &best->t, moved, closest, normal, dist);
    for (guint32 i = 0; i < n_fine; i++)
      if (dist[i] >= 0)
        {
          sum2 += dist[i] * dist[i];
          dist[n_valid++] = dist[i];
        }
    if (n_valid > 0)
      {
        result.untrimmed_rms_mm = sqrt (sum2 / n_valid);
        result.untrimmed_p95_mm = select_kth (dist, n_valid,
                                              (guint32) floor (0.95 * (n_valid - 1)));
      }
  }

  /* A rival: another distinct plane whose (mid-sample) fit is nearly as good. */
  for (guint c = 1; c < n_refine; c++)
    if (cand[c].ok && cand[c].res.rms_mm <= 1.25 * cand[0].res.rms_mm + 0.05)
      {
        OspPlane rival;
        float point[3] = { centroid[0], centroid[1], centroid[2] };
        double angle, offset;

        /* Refined, two starts may have reached the same plane: that is no rival. */
        orient_plane (cand[c].pn, cand[c].pd, &rival);
        osp_plane_compare (&result.plane, &rival, point, &angle, &offset);
        if (angle <= 10 && offset <= 0.05 * size)
          continue;
        result.ambiguous = TRUE;
        result.rival = rival;
        result.rival_rms_mm = cand[c].res.rms_mm;
        result.rival_angle_deg = angle;
        break;
      }
  *out_result = result;
  osp_progress_report (progress, 1.0);
  return TRUE;
}

gboolean
osp_symmetry_estimate (const OspMesh            *mesh,
                       const OspSymmetryOptions *options,
                       OspPlane                 *out_plane,
                       OspResidual              *out_residual,
                       const OspProgressRange   *progress,
                       GCancellable             *cancellable,
                       GError                  **error)
{
  OspSymmetryResult result;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (out_plane != NULL, FALSE);

  if (!osp_symmetry_estimate_full (mesh, options, &result, progress, cancellable, error))
    return FALSE;
  *out_plane = result.plane;
  if (out_residual != NULL)
    *out_residual = result.residual;
  return TRUE;
}

/* -- The mirrored template registered to the remaining bone -------------------------------- */

/* Trusted points of a bone: a deterministic sample of its vertices, without those nearer
 * than `exclude` to a cut plane (appended to `out`, 3 doubles each). */
static void
sample_trusted (const OspMesh  *mesh,
                guint32         max_points,
                const OspPlane *planes,
                guint           n_planes,
                double          exclude,
                GArray         *out)
{
  guint32 n = 0;
  g_autofree double *p = sample_vertices (mesh, max_points, &n);

  for (guint32 i = 0; i < n; i++)
    {
      const double *x = p + 3 * (gsize) i;
      gboolean keep = TRUE;

      for (guint k = 0; k < n_planes && keep; k++)
        {
          const float *pn = planes[k].normal;
          double len = sqrt ((double) pn[0] * pn[0] + (double) pn[1] * pn[1] +
                             (double) pn[2] * pn[2]);

          if (len > 0 &&
              fabs ((pn[0] * x[0] + pn[1] * x[1] + pn[2] * x[2] - planes[k].d) / len) < exclude)
            keep = FALSE;
        }
      if (keep)
        g_array_append_vals (out, x, 3);
    }
}

/* The matched fraction, RMS and p95 of the points moved by `a` against the template. */
static void
template_measure (const OspBvh *bvh,
                  const double *points,
                  guint32       n,
                  const Affine *a,
                  double        match,
                  double       *out_overlap,
                  double       *out_rms,
                  double       *out_p95,
                  guint32      *out_matched)
{
  g_autofree double *d = g_new (double, MAX (n, 1));
  guint32 m = 0;
  double sum2 = 0;

  for (guint32 i = 0; i < n; i++)
    {
      double y[3];
      float q[3];
      OspClosestPoint c;

      affine_apply (a, points + 3 * (gsize) i, y);
      for (int k = 0; k < 3; k++)
        q[k] = (float) y[k];
      if (osp_bvh_closest_point (bvh, q, (float) match, &c) && c.distance <= match)
        {
          d[m++] = c.distance;
          sum2 += (double) c.distance * c.distance;
        }
    }
  *out_overlap = n > 0 ? (double) m / n : 0;
  *out_rms = m > 0 ? sqrt (sum2 / m) : 0;
  *out_p95 = m > 0 ? select_kth (d, m, (guint32) floor (0.95 * (m - 1))) : 0;
  *out_matched = m;
}

static void
affine_invert (const Affine *a,
               Affine       *out)
{
  Affine b;

  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      b.r[i][j] = a->r[j][i];
  for (int i = 0; i < 3; i++)
    b.t[i] = -(b.r[i][0] * a->t[0] + b.r[i][1] * a->t[1] + b.r[i][2] * a->t[2]);
  *out = b;
}

/* How far the template moves under the inverse of the bone→template map `a`: the rotation
 * angle and the displacement of the template's centroid tc. */
static void
template_motion (const Affine *a,
                 const double  tc[3],
                 double       *out_deg,
                 double       *out_mm)
{
  Affine inv;
  double y[3], tr = a->r[0][0] + a->r[1][1] + a->r[2][2];

  affine_invert (a, &inv);
  affine_apply (&inv, tc, y);
  *out_deg = acos (CLAMP ((tr - 1) / 2, -1.0, 1.0)) * 180 / G_PI;
  *out_mm = sqrt ((y[0] - tc[0]) * (y[0] - tc[0]) + (y[1] - tc[1]) * (y[1] - tc[1]) +
                  (y[2] - tc[2]) * (y[2] - tc[2]));
}

/* A turn by `deg` about axis k through c, or a shift by `mm` along axis k. */
static void
start_pose (guint         index,
            const double  c[3],
            double        deg,
            double        mm,
            Affine       *out)
{
  guint k, axis;
  double sgn, ang, cs, sn;

  *out = affine_identity;
  if (index == 0)
    return;
  k = index - 1;
  sgn = (k % 2) ? -1.0 : 1.0;
  axis = (k / 2) % 3;
  if (k < 6)
    {
      int i1 = (axis + 1) % 3, i2 = (axis + 2) % 3;

      ang = sgn * deg * G_PI / 180;
      cs = cos (ang);
      sn = sin (ang);
      out->r[i1][i1] = cs;
      out->r[i1][i2] = -sn;
      out->r[i2][i1] = sn;
      out->r[i2][i2] = cs;
      for (int i = 0; i < 3; i++)
        out->t[i] = c[i] - (out->r[i][0] * c[0] + out->r[i][1] * c[1] + out->r[i][2] * c[2]);
    }
  else
    out->t[axis] = sgn * mm;
}

#define TEMPLATE_STARTS 13
#define TEMPLATE_COARSE_POINTS 3000

gboolean
osp_template_register (const OspMesh            *template_mesh,
                       const OspMesh *const     *bones,
                       guint                     n_bones,
                       const OspTemplateOptions *options,
                       mat4                      out_matrix,
                       OspTemplateFit           *out_fit,
                       gboolean                 *out_bones_used,
                       const OspProgressRange   *progress,
                       GCancellable             *cancellable,
                       GError                  **error)
{
  const OspTemplateOptions defaults = OSP_TEMPLATE_OPTIONS_INIT;
  g_autoptr(OspBvh) bvh = NULL;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree double *coarse = NULL;
  g_autofree gboolean *used = g_new0 (gboolean, MAX (n_bones, 1));
  double tc[3], axes[9], variances[3], bc[3] = { 0 };
  guint32 n_points, n_coarse, total_triangles = 0;
  Affine best = affine_identity;
  double best_rms = INFINITY;
  OspTemplateFit fit = { 0 };
  OspProgressRange sub;
  IcpSetup s;

  g_return_val_if_fail (template_mesh != NULL, FALSE);
  g_return_val_if_fail (bones != NULL || n_bones == 0, FALSE);
  g_return_val_if_fail (out_matrix != NULL && out_fit != NULL, FALSE);
  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->n_cut_planes == 0 || options->cut_planes != NULL, FALSE);
  g_return_val_if_fail (options->trim_fraction >= 0 && options->trim_fraction < 1, FALSE);

  glm_mat4_identity (out_matrix);
  if (osp_mesh_get_n_triangles (template_mesh) == 0 ||
      !surface_principal_axes (template_mesh, tc, axes, variances))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Registration failed: the template has no surface"));
      return FALSE;
    }
  sub = osp_progress_sub (progress, 0, 0.1);
  bvh = osp_bvh_new_full ((OspMesh *) template_mesh, &sub, cancellable, error);
  if (bvh == NULL)
    return FALSE;

  /* The bones the template stands for: most of their trusted surface lies near it. */
  for (guint b = 0; b < n_bones; b++)
    {
      g_autoptr(GArray) probe = g_array_new (FALSE, FALSE, sizeof (double));
      double overlap, rms, p95;
      guint32 matched;

      if (osp_mesh_get_n_triangles (bones[b]) == 0)
        continue;
      if (!options->select_bones)
        {
          used[b] = TRUE;
          continue;
        }
      sample_trusted (bones[b], 2000, options->cut_planes, options->n_cut_planes,
                      options->exclude_distance_mm, probe);
      if (probe->len < 3 * 10)
        continue;
      template_measure (bvh, (const double *) probe->data, probe->len / 3, &affine_identity,
                        3 * options->match_distance_mm, &overlap, &rms, &p95, &matched);
      used[b] = overlap >= 0.5;
    }
  for (guint b = 0; b < n_bones; b++)
    if (used[b])
      {
        fit.n_bones_used++;
        total_triangles += osp_mesh_get_n_triangles (bones[b]);
      }
  for (guint b = 0; b < n_bones; b++)
    if (used[b])
      {
        guint32 share = (guint32) MAX (1000.0, (double) (options->max_points == 0 ? G_MAXUINT32 :
                                                            options->max_points) *
                                       osp_mesh_get_n_triangles (bones[b]) / total_triangles);

        sample_trusted (bones[b], options->max_points == 0 ? 0 : share, options->cut_planes,
                        options->n_cut_planes, options->exclude_distance_mm, points);
      }
  n_points = points->len / 3;
  if (out_bones_used != NULL)
    memcpy (out_bones_used, used, n_bones * sizeof (gboolean));
  fit.n_trusted = n_points;
  if (n_points < 100)
    {
      fit.doubt = OSP_TEMPLATE_DOUBT_NO_BONE;
      *out_fit = fit;
      osp_progress_report (progress, 1.0);
      return TRUE;
    }
  for (guint32 i = 0; i < n_points; i++)
    for (int k = 0; k < 3; k++)
      bc[k] += g_array_index (points, double, 3 * i + k) / n_points;

  /* A coarse, evenly spread subsample for the starts. */
  n_coarse = MIN (n_points, TEMPLATE_COARSE_POINTS);
  coarse = g_new (double, 3 * (gsize) n_coarse);
  for (guint32 i = 0; i < n_coarse; i++)
    memcpy (coarse + 3 * (gsize) i,
            (const double *) points->data + 3 * (gsize) ((guint64) i * n_points / n_coarse),
            3 * sizeof (double));

  s = (IcpSetup) { bvh, template_mesh, NULL, NULL, 0, 0, options->trim_fraction, 30, 1e-3 };
  for (guint k = 0; k < TEMPLATE_STARTS; k++)
    {
      Affine a;
      OspResidual res;
      double deg, mm;
      g_autoptr(GError) local = NULL;

      start_pose (k, bc, 4.0, 4.0, &a);
      sub = osp_progress_sub (progress, 0.1 + 0.6 * k / TEMPLATE_STARTS, 0.6 / TEMPLATE_STARTS);
      if (!icp_points (&s, coarse, n_coarse, &a, &res, &sub, cancellable, &local))
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          continue;
        }
      fit.n_starts++;
      template_motion (&a, tc, &deg, &mm);
      if (deg > options->max_rotation_deg || mm > options->max_translation_mm)
        {
          fit.n_rejected++;
          continue;
        }
      if (res.rms_mm < best_rms)
        {
          best_rms = res.rms_mm;
          best = a;
        }
    }

  /* Refine the best on all the points, within the limits still. */
  if (isfinite (best_rms))
    {
      Affine a = best;
      OspResidual res;
      double deg, mm;
      g_autoptr(GError) local = NULL;

      s.max_iterations = 60;
      s.tolerance = 1e-4;
      sub = osp_progress_sub (progress, 0.7, 0.2);
      if (icp_points (&s, (const double *) points->data, n_points, &a, &res, &sub, cancellable,
                      &local))
        {
          template_motion (&a, tc, &deg, &mm);
          if (deg <= options->max_rotation_deg && mm <= options->max_translation_mm)
            best = a;
        }
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  else
    fit.doubt |= OSP_TEMPLATE_DOUBT_LARGE_MOVE;   /* every start went beyond the limits */

  template_measure (bvh, (const double *) points->data, n_points, &affine_identity,
                    options->match_distance_mm, &fit.plane_overlap, &fit.plane_rms_mm,
                    &fit.plane_p95_mm, &fit.n_matched);
  template_measure (bvh, (const double *) points->data, n_points, &best,
                    options->match_distance_mm, &fit.overlap, &fit.rms_mm, &fit.p95_mm,
                    &fit.n_matched);
  template_motion (&best, tc, &fit.rotation_deg, &fit.translation_mm);

  if (fit.overlap < options->min_overlap)
    fit.doubt |= OSP_TEMPLATE_DOUBT_LOW_OVERLAP;
  if (fit.rotation_deg > options->max_rotation_deg / 2 ||
      fit.translation_mm > options->max_translation_mm / 2)
    fit.doubt |= OSP_TEMPLATE_DOUBT_LARGE_MOVE;
  if (fit.overlap < fit.plane_overlap - 0.02 ||
      (fit.overlap <= fit.plane_overlap + 0.02 && fit.rms_mm > 1.1 * fit.plane_rms_mm + 0.05))
    fit.doubt |= OSP_TEMPLATE_DOUBT_WORSE;

  {
    Affine inv;

    affine_invert (&best, &inv);
    affine_to_mat4 (&inv, out_matrix);
  }
  *out_fit = fit;
  osp_progress_report (progress, 1.0);
  return TRUE;
}

char *
osp_template_fit_describe_doubt (const OspTemplateFit *fit)
{
  GString *text;

  g_return_val_if_fail (fit != NULL, NULL);

  if (fit->doubt == OSP_TEMPLATE_DOUBT_NONE)
    return NULL;
  text = g_string_new (NULL);
  if (fit->doubt & OSP_TEMPLATE_DOUBT_NO_BONE)
    g_string_append (text, _("No intact bone overlaps the template, so it stays where the "
                             "plane mirror put it."));
  if (fit->doubt & OSP_TEMPLATE_DOUBT_LOW_OVERLAP)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append_printf (text, _("Only %.0f %% of the intact bone matches the template."),
                              100 * fit->overlap);
    }
  if (fit->doubt & OSP_TEMPLATE_DOUBT_LARGE_MOVE)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      if (fit->n_starts > 0 && fit->n_rejected == fit->n_starts)
        g_string_append (text, _("Every registration moved the template too far from the plane "
                                 "mirror, so it stays where the plane mirror put it."));
      else
        g_string_append_printf (text, _("The registration turned the template by %.1f° and "
                                        "moved it by %.1f mm from the plane mirror."),
                                fit->rotation_deg, fit->translation_mm);
    }
  if (fit->doubt & OSP_TEMPLATE_DOUBT_WORSE)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append_printf (text, _("It fits the intact bone worse than the plane mirror "
                                      "(RMS %.2f mm over %.0f %% against %.2f mm over %.0f %%)."),
                              fit->rms_mm, 100 * fit->overlap, fit->plane_rms_mm,
                              100 * fit->plane_overlap);
    }
  return g_string_free (text, FALSE);
}

/* -- Deviation maps ----------------------------------------------------------------------- */

typedef struct
{
  const OspBvh  *bvh;
  const OspMesh *a;
  const gboolean *used;
  gboolean       is_signed;
  float         *out;
  guint32        start, end;
} DevChunk;

static gpointer
deviation_chunk_run (gpointer data)
{
  DevChunk *ch = data;
  const float *p = osp_mesh_get_positions (ch->a);

  for (guint32 v = ch->start; v < ch->end; v++)
    {
      OspClosestPoint c;

      if (!ch->used[v])
        ch->out[v] = 0;
      else if (ch->is_signed)
        ch->out[v] = osp_bvh_signed_distance (ch->bvh, p + 3 * (gsize) v, NULL);
      else if (osp_bvh_closest_point (ch->bvh, p + 3 * (gsize) v, INFINITY, &c))
        ch->out[v] = c.distance;
      else
        ch->out[v] = 0;
    }
  return NULL;
}

gboolean
osp_mesh_deviation (const OspMesh          *a,
                    const OspMesh          *b,
                    float                  *out_distances,
                    OspResidual            *out_stats,
                    const OspProgressRange *progress,
                    GCancellable           *cancellable,
                    GError                **error)
{
  g_autoptr(OspBvh) bvh = NULL;
  OspMeshTopology topo;
  guint32 n_v, n_used = 0;
  g_autofree gboolean *used = NULL;
  guint n_threads = CLAMP (g_get_num_processors (), 1, 8);
  DevChunk chunks[8];
  GThread *threads[8] = { NULL };
  OspProgressRange sub;
  const guint32 *t;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  g_return_val_if_fail (out_distances != NULL, FALSE);

  if (osp_mesh_get_n_triangles (b) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("No deviation map: the reference mesh has no triangles"));
      return FALSE;
    }
  sub = osp_progress_sub (progress, 0, 0.3);
  bvh = osp_bvh_new_full ((OspMesh *) b, &sub, cancellable, error);
  if (bvh == NULL)
    return FALSE;
  osp_mesh_get_topology (b, &topo);

  n_v = osp_mesh_get_n_vertices (a);
  used = g_new0 (gboolean, MAX (n_v, 1));
  t = osp_mesh_get_indices (a);
  for (gsize i = 0; i < (gsize) osp_mesh_get_n_triangles (a) * 3; i++)
    used[t[i]] = TRUE;

  if (n_v < 4096)
    n_threads = 1;
  for (guint k = 0; k < n_threads; k++)
    {
      chunks[k] = (DevChunk) { bvh, a, used,
                               topo.n_boundary_edges == 0 && topo.n_nonmanifold_edges == 0 &&
                               topo.n_misoriented_edges == 0,
                               out_distances,
                               (guint32) ((guint64) n_v * k / n_threads),
                               (guint32) ((guint64) n_v * (k + 1) / n_threads) };
      if (k > 0)
        threads[k] = g_thread_new ("osp-deviation", deviation_chunk_run, &chunks[k]);
    }
  deviation_chunk_run (&chunks[0]);
  for (guint k = 1; k < n_threads; k++)
    g_thread_join (threads[k]);
  osp_progress_report (progress, 0.9);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (out_stats != NULL)
    {
      g_autofree double *d = g_new (double, MAX (n_v, 1));
      double sum = 0, sum2 = 0;

      for (guint32 v = 0; v < n_v; v++)
        if (used[v])
          {
            double x = fabs (out_distances[v]);

            d[n_used++] = x;
            sum += x;
            sum2 += x * x;
          }
      memset (out_stats, 0, sizeof *out_stats);
      if (n_used > 0)
        {
          out_stats->rms_mm = sqrt (sum2 / n_used);
          out_stats->mean_mm = sum / n_used;
          out_stats->p95_mm = select_kth (d, n_used, (guint32) floor (0.95 * (n_used - 1)));
          out_stats->n_pairs = n_used;
        }
    }
  osp_progress_report (progress, 1.0);
  return TRUE;
}
