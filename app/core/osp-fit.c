/* osp-fit.c — signed distance maps, penetration, contact area, collisions
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-fit.h"
#include "osp-memory.h"

/* Vertices per work unit: small enough to balance two threads and to check cancellation. */
#define CHUNK 4096

typedef struct
{
  const float  *positions;
  guint32       n_vertices;
  const float  *matrix;
  const OspBvh *bvh;
  float        *out;
  guint         next_chunk;     /* atomic */
  guint         done_chunks;    /* atomic */
  guint         n_chunks;
  GCancellable *cancellable;
  const OspProgressRange *progress;
  GMutex        progress_lock;
} MapJob;

/* The signed distance of q, given the distance of a previous point: |d(q)| ≤ |d(prev)| +
 * |q − prev|, a bound that prunes the closest-point search to a thin shell (neighbouring
 * vertices come in order, so the bound is tight).  Where the closest point lies inside a
 * triangle its face normal gives the sign; on an edge or a corner the BVH's pseudo-normal
 * test decides (osp_bvh_signed_distance()). */
static float
signed_distance (const OspBvh *bvh,
                 const float   q[3],
                 const float   prev[3],
                 float         prev_distance)
{
  const OspMesh *mesh = osp_bvh_get_mesh (bvh);
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  OspClosestPoint cp;
  float bound, d2 = 0, e1[3], e2[3], n[3], dot = 0;
  const float *a, *b, *c;

  /* A bone that crosses itself: the winding number decides (osp_bvh_signed_distance()). */
  if (prev_distance < 0 || !isfinite (prev_distance) || osp_bvh_get_winding_inside (bvh))
    return osp_bvh_signed_distance (bvh, q, NULL);
  for (int k = 0; k < 3; k++)
    d2 += (q[k] - prev[k]) * (q[k] - prev[k]);
  /* A little slack for float rounding: the bound only prunes, it never decides. */
  bound = (prev_distance + sqrtf (d2)) * 1.0001f + 1e-4f;
  if (!osp_bvh_closest_point (bvh, q, bound, &cp))
    return osp_bvh_signed_distance (bvh, q, NULL);
  if (cp.distance == 0.0f)
    return 0.0f;
  if (!(cp.u > 1e-4f && cp.v > 1e-4f && cp.u + cp.v < 1 - 1e-4f))
    return osp_bvh_signed_distance (bvh, q, NULL);
  a = pos + 3 * (gsize) idx[3 * (gsize) cp.triangle];
  b = pos + 3 * (gsize) idx[3 * (gsize) cp.triangle + 1];
  c = pos + 3 * (gsize) idx[3 * (gsize) cp.triangle + 2];
  for (int k = 0; k < 3; k++)
    {
      e1[k] = b[k] - a[k];
      e2[k] = c[k] - a[k];
    }
  n[0] = e1[1] * e2[2] - e1[2] * e2[1];
  n[1] = e1[2] * e2[0] - e1[0] * e2[2];
  n[2] = e1[0] * e2[1] - e1[1] * e2[0];
  for (int k = 0; k < 3; k++)
    dot += (q[k] - cp.point[k]) * n[k];
  return dot < 0 ? -cp.distance : cp.distance;
}

static gpointer
map_worker (gpointer data)
{
  MapJob *job = data;
  const float *m = job->matrix;

  for (;;)
    {
      guint chunk = (guint) g_atomic_int_add (&job->next_chunk, 1);
      guint32 start, end;

      if (chunk >= job->n_chunks || g_cancellable_is_cancelled (job->cancellable))
        break;
      start = chunk * CHUNK;
      end = MIN (job->n_vertices, start + CHUNK);
      float prev[3] = { 0, 0, 0 }, prev_distance = -1;

      for (guint32 v = start; v < end; v++)
        {
          const float *p = job->positions + 3 * (gsize) v;
          float q[3];

          if (m != NULL)
            for (int k = 0; k < 3; k++)
              q[k] = m[k] * p[0] + m[4 + k] * p[1] + m[8 + k] * p[2] + m[12 + k];
          else
            memcpy (q, p, sizeof q);
          job->out[v] = signed_distance (job->bvh, q, prev, prev_distance);
          memcpy (prev, q, sizeof prev);
          prev_distance = fabsf (job->out[v]);
        }
      if (job->progress != NULL && job->progress->func != NULL)
        {
          guint done = (guint) g_atomic_int_add (&job->done_chunks, 1) + 1;

          /* Serialised, so the fraction the callback sees never decreases. */
          g_mutex_lock (&job->progress_lock);
          osp_progress_report (job->progress, (double) done / job->n_chunks);
          g_mutex_unlock (&job->progress_lock);
        }
    }
  return NULL;
}

float *
osp_fit_distance_map (const OspMesh          *implant,
                      const float            *matrix,
                      const OspBvh           *bone_bvh,
                      guint                   n_threads,
                      const OspProgressRange *progress,
                      GCancellable           *cancellable,
                      GError                **error)
{
  guint32 n = 0;
  g_autofree float *out = NULL;
  MapJob job = { 0 };
  GThread *threads[16];

  g_return_val_if_fail (implant != NULL, NULL);
  g_return_val_if_fail (bone_bvh != NULL, NULL);

  n = osp_mesh_get_n_vertices (implant);
  if (!osp_memory_check ((guint64) n * sizeof (float), NULL, _("the distance map"), error))
    return NULL;
  out = g_new (float, MAX (n, 1));
  if (n_threads == 0)
    n_threads = 2;
  n_threads = MIN (n_threads, G_N_ELEMENTS (threads));

  job.positions = osp_mesh_get_positions (implant);
  job.n_vertices = n;
  job.matrix = matrix;
  job.bvh = bone_bvh;
  job.out = out;
  job.n_chunks = (n + CHUNK - 1) / CHUNK;
  job.cancellable = cancellable;
  job.progress = progress;
  g_mutex_init (&job.progress_lock);

  n_threads = MIN (n_threads, MAX (job.n_chunks, 1));
  for (guint i = 1; i < n_threads; i++)
    threads[i] = g_thread_new ("osp-fit", map_worker, &job);
  map_worker (&job);
  for (guint i = 1; i < n_threads; i++)
    g_thread_join (threads[i]);
  g_mutex_clear (&job.progress_lock);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  osp_progress_report (progress, 1.0);
  return g_steal_pointer (&out);
}

/* -- Statistics ----------------------------------------------------------------------------- */

/* A polygon of up to 5 corners with a linear value; clipping a triangle by two half-spaces
 * adds at most two. */
typedef struct
{
  double p[5][3];
  double d[5];
  int    n;
} Poly;

/* Keeps the part where sign × d ≤ sign × level. */
static void
clip (const Poly *in,
      double      level,
      double      sign,
      Poly       *out)
{
  out->n = 0;
  for (int i = 0; i < in->n; i++)
    {
      int j = (i + 1) % in->n;
      double a = sign * (in->d[i] - level), b = sign * (in->d[j] - level);

      if (a <= 0)
        {
          memcpy (out->p[out->n], in->p[i], sizeof in->p[i]);
          out->d[out->n++] = in->d[i];
        }
      if ((a < 0 && b > 0) || (a > 0 && b < 0))
        {
          double t = a / (a - b);

          for (int k = 0; k < 3; k++)
            out->p[out->n][k] = in->p[i][k] + t * (in->p[j][k] - in->p[i][k]);
          out->d[out->n++] = in->d[i] + t * (in->d[j] - in->d[i]);
        }
    }
}

static double
poly_area (const Poly *poly)
{
  double n[3] = { 0, 0, 0 };

  for (int i = 1; i + 1 < poly->n; i++)
    {
      double u[3], v[3];

      for (int k = 0; k < 3; k++)
        {
          u[k] = poly->p[i][k] - poly->p[0][k];
          v[k] = poly->p[i + 1][k] - poly->p[0][k];
        }
      n[0] += u[1] * v[2] - u[2] * v[1];
      n[1] += u[2] * v[0] - u[0] * v[2];
      n[2] += u[0] * v[1] - u[1] * v[0];
    }
  return 0.5 * sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
}

void
osp_fit_stats (const OspMesh *implant,
               const float   *distances,
               double         contact_mm,
               OspFitStats   *out)
{
  const float *pos;
  const guint32 *idx;
  guint32 nv, nt;
  double sum = 0;

  g_return_if_fail (implant != NULL && out != NULL);
  g_return_if_fail (distances != NULL || osp_mesh_get_n_vertices (implant) == 0);
  g_return_if_fail (contact_mm >= 0);

  memset (out, 0, sizeof *out);
  pos = osp_mesh_get_positions (implant);
  idx = osp_mesh_get_indices (implant);
  nv = osp_mesh_get_n_vertices (implant);
  nt = osp_mesh_get_n_triangles (implant);
  out->n_vertices = nv;
  out->min_mm = nv > 0 ? INFINITY : 0;
  out->max_mm = nv > 0 ? -INFINITY : 0;
  for (guint32 v = 0; v < nv; v++)
    {
      double d = distances[v];

      out->min_mm = MIN (out->min_mm, d);
      out->max_mm = MAX (out->max_mm, d);
      sum += d;
      if (d < 0)
        out->n_inside++;
    }
  out->mean_mm = nv > 0 ? sum / nv : 0;
  out->penetration_mm = out->min_mm < 0 ? -out->min_mm : 0;

  for (guint32 t = 0; t < nt; t++)
    {
      Poly tri = { .n = 3 }, a, b;

      for (int c = 0; c < 3; c++)
        {
          guint32 v = idx[3 * t + c];

          for (int k = 0; k < 3; k++)
            tri.p[c][k] = pos[3 * (gsize) v + k];
          tri.d[c] = distances[v];
        }
      out->area_mm2 += poly_area (&tri);
      clip (&tri, contact_mm, 1, &a);          /* d ≤ +contact */
      clip (&a, -contact_mm, -1, &b);          /* d ≥ −contact */
      if (b.n >= 3)
        out->contact_area_mm2 += poly_area (&b);
      clip (&tri, -contact_mm, 1, &a);         /* d ≤ −contact: deep inside */
      if (a.n >= 3)
        out->inside_area_mm2 += poly_area (&a);
    }
}

/* Adds the band areas of one small triangle with linear distances. */
static void
band_areas (const Poly *tri,
            double      contact_mm,
            double     *contact,
            double     *inside)
{
  Poly a, b;

  clip (tri, contact_mm, 1, &a);
  clip (&a, -contact_mm, -1, &b);
  if (b.n >= 3)
    *contact += poly_area (&b);
  clip (tri, -contact_mm, 1, &a);
  if (a.n >= 3)
    *inside += poly_area (&a);
}

/* The most sub-triangles one surface integral evaluates (the edge grows beyond it). */
#define MAX_SURFACE_SAMPLES 4000000.0

gboolean
osp_fit_surface_areas (const OspMesh *implant,
                       const float   *matrix,
                       const OspBvh  *bone_bvh,
                       double         contact_mm,
                       double         max_edge_mm,
                       OspFitStats   *out_stats,
                       GCancellable  *cancellable,
                       GError       **error)
{
  const float *pos;
  const guint32 *idx;
  guint32 nt;
  double area = 0, contact = 0, inside = 0, total_area = 0, budget_edge;
  g_autofree float *grid = NULL;
  g_autofree float *dist = NULL;
  gsize grid_size = 0;

  g_return_val_if_fail (implant != NULL && bone_bvh != NULL && out_stats != NULL, FALSE);
  g_return_val_if_fail (contact_mm >= 0 && max_edge_mm >= 0, FALSE);

  if (max_edge_mm == 0)
    max_edge_mm = 0.25;
  pos = osp_mesh_get_positions (implant);
  idx = osp_mesh_get_indices (implant);
  nt = osp_mesh_get_n_triangles (implant);
  /* Keep the work bounded: about MAX_SURFACE_SAMPLES small triangles of equal area. */
  total_area = osp_mesh_get_area (implant);
  budget_edge = sqrt (2 * total_area / MAX_SURFACE_SAMPLES);
  max_edge_mm = MAX (max_edge_mm, budget_edge);

  for (guint32 t = 0; t < nt; t++)
    {
      float corner[3][3];
      double longest = 0;
      guint k;
      gsize n_points;
      float prev[3] = { 0, 0, 0 }, prev_d = -1;

      if ((t % 256) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (int c = 0; c < 3; c++)
        {
          const float *p = pos + 3 * (gsize) idx[3 * (gsize) t + c];

          for (int r = 0; r < 3; r++)
            corner[c][r] = matrix == NULL ? p[r] :
                           matrix[r] * p[0] + matrix[4 + r] * p[1] + matrix[8 + r] * p[2] +
                           matrix[12 + r];
        }
      for (int c = 0; c < 3; c++)
        {
          const float *u = corner[c], *v = corner[(c + 1) % 3];
          double l = sqrt ((double) (u[0] - v[0]) * (u[0] - v[0]) +
                           (double) (u[1] - v[1]) * (u[1] - v[1]) +
                           (double) (u[2] - v[2]) * (u[2] - v[2]));

          longest = MAX (longest, l);
        }
      k = (guint) CLAMP (ceil (longest / max_edge_mm), 1.0, 4096.0);
      n_points = (gsize) (k + 1) * (k + 2) / 2;
      if (n_points > grid_size)
        {
          grid_size = n_points;
          g_free (grid);
          g_free (dist);
          grid = g_new (float, 3 * grid_size);
          dist = g_new (float, grid_size);
        }
      /* Point (i, j) at a + i/k (b − a) + j/k (c − a), row by row. */
      for (guint i = 0, n = 0; i <= k; i++)
        for (guint j = 0; i + j <= k; j++, n++)
          {
            float *q = grid + 3 * (gsize) n;

            for (int r = 0; r < 3; r++)
              q[r] = corner[0][r] + (float) i / k * (corner[1][r] - corner[0][r]) +
                     (float) j / k * (corner[2][r] - corner[0][r]);
            dist[n] = signed_distance (bone_bvh, q, prev, prev_d);
            memcpy (prev, q, sizeof prev);
            prev_d = fabsf (dist[n]);
          }
#define AT(i, j) ((gsize) (i) * (2 * k + 3 - (i)) / 2 + (j))
      for (guint i = 0; i < k; i++)
        for (guint j = 0; i + j < k; j++)
          {
            gsize ids[2][3] = { { AT (i, j), AT (i + 1, j), AT (i, j + 1) },
                                { AT (i + 1, j), AT (i + 1, j + 1), AT (i, j + 1) } };

            for (int h = 0; h < (i + j + 1 < k ? 2 : 1); h++)
              {
                Poly tri = { .n = 3 };

                for (int c = 0; c < 3; c++)
                  {
                    for (int r = 0; r < 3; r++)
                      tri.p[c][r] = grid[3 * ids[h][c] + r];
                    tri.d[c] = dist[ids[h][c]];
                  }
                area += poly_area (&tri);
                band_areas (&tri, contact_mm, &contact, &inside);
              }
          }
#undef AT
    }
  out_stats->area_mm2 = area;
  out_stats->contact_area_mm2 = contact;
  out_stats->inside_area_mm2 = inside;
  return TRUE;
}

/* -- Colour map ----------------------------------------------------------------------------- */

void
osp_fit_color (float  distance_mm,
               float  range_mm,
               float *out_rgb)
{
  /* Stops from −range to +range: red, orange, green, cyan, blue. */
  static const float stops[5][3] = {
    { 0.80f, 0.05f, 0.05f },
    { 1.00f, 0.60f, 0.00f },
    { 0.10f, 0.80f, 0.20f },
    { 0.10f, 0.70f, 0.90f },
    { 0.15f, 0.25f, 0.85f },
  };
  float x, f;
  int i;

  g_return_if_fail (out_rgb != NULL);

  if (!(range_mm > 0))
    range_mm = 1;
  x = isnan (distance_mm) ? 1.0f : CLAMP (distance_mm / range_mm, -1.0f, 1.0f);
  f = (x + 1) * 2;          /* 0 … 4 */
  i = MIN ((int) f, 3);
  f -= i;
  for (int k = 0; k < 3; k++)
    out_rgb[k] = stops[i][k] + f * (stops[i + 1][k] - stops[i][k]);
}

void
osp_fit_legend (float  range_mm,
                guint  n_ticks,
                float *out_values)
{
  g_return_if_fail (n_ticks >= 2 && out_values != NULL);

  for (guint i = 0; i < n_ticks; i++)
    out_values[i] = -range_mm + 2 * range_mm * i / (n_ticks - 1);
}

/* -- Collisions ----------------------------------------------------------------------------- */

/* Surfaces closer than this are touching (an implant seated on bone, a cup in its bed). */
#define TOUCH_MM 0.01f

/* Edges of `mesh` that cross the surface of `other`; counts them and remembers one point. */
static guint32
crossing_edges (const OspMesh *mesh,
                const OspBvh  *other,
                float         *out_point)
{
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh), count = 0;

  for (guint32 t = 0; t < nt; t++)
    for (int c = 0; c < 3; c++)
      {
        guint32 a = idx[3 * t + c], b = idx[3 * t + (c + 1) % 3];
        const float *pa = pos + 3 * (gsize) a, *pb = pos + 3 * (gsize) b;
        float dir[3] = { pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2] };
        OspRayHit hit;

        /* Each undirected edge once (a closed mesh has both directions). */
        if (a > b || (dir[0] == 0 && dir[1] == 0 && dir[2] == 0))
          continue;
        float len = sqrtf (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
        float margin = MIN (TOUCH_MM / len, 0.5f);

        /* Crossings at the edge's ends are touching, not colliding. */
        if (osp_bvh_ray_cast (other, pa, dir, margin, 1 - margin, &hit))
          {
            if (count == 0)
              memcpy (out_point, hit.point, 3 * sizeof (float));
            count++;
          }
      }
  return count;
}

static guint32
vertices_inside (const OspMesh *mesh,
                 const OspBvh  *other,
                 float         *out_point,
                 gboolean       have_point)
{
  const float *pos = osp_mesh_get_positions (mesh);
  guint32 nv = osp_mesh_get_n_vertices (mesh), count = 0;
  OspBox box;

  osp_bvh_get_bounds (other, &box);
  for (guint32 v = 0; v < nv; v++)
    {
      const float *p = pos + 3 * (gsize) v;

      if (p[0] < box.min[0] || p[1] < box.min[1] || p[2] < box.min[2] ||
          p[0] > box.max[0] || p[1] > box.max[1] || p[2] > box.max[2])
        continue;
      if (osp_bvh_signed_distance (other, p, NULL) < -TOUCH_MM)
        {
          if (count == 0 && !have_point)
            memcpy (out_point, p, 3 * sizeof (float));
          count++;
        }
    }
  return count;
}

void
osp_fit_collide (const OspMesh *a,
                 const OspBvh  *a_bvh,
                 const OspMesh *b,
                 const OspBvh  *b_bvh,
                 OspCollision  *out)
{
  g_autoptr(OspBvh) own_a = NULL;
  g_autoptr(OspBvh) own_b = NULL;
  OspBox ba, bb;

  g_return_if_fail (a != NULL && b != NULL && out != NULL);

  memset (out, 0, sizeof *out);
  osp_mesh_get_bounds (a, &ba);
  osp_mesh_get_bounds (b, &bb);
  if (osp_box_is_empty (&ba) || osp_box_is_empty (&bb))
    return;
  for (int k = 0; k < 3; k++)
    if (ba.max[k] < bb.min[k] || bb.max[k] < ba.min[k])
      return;                  /* the boxes are apart: nothing to test */

  if (a_bvh == NULL)
    a_bvh = own_a = osp_bvh_new ((OspMesh *) a);
  if (b_bvh == NULL)
    b_bvh = own_b = osp_bvh_new ((OspMesh *) b);

  out->n_crossing_edges = crossing_edges (a, b_bvh, out->point);
  {
    float scratch[3];

    out->n_crossing_edges += crossing_edges (b, a_bvh,
                                             out->n_crossing_edges > 0 ? scratch : out->point);
  }
  out->n_a_inside_b = vertices_inside (a, b_bvh, out->point, out->n_crossing_edges > 0);
  out->n_b_inside_a = vertices_inside (b, a_bvh, out->point,
                                       out->n_crossing_edges > 0 || out->n_a_inside_b > 0);
  out->collides = out->n_crossing_edges > 0 || out->n_a_inside_b > 0 || out->n_b_inside_a > 0;
}
