/* osp-mesh-smooth.c — Taubin λ|μ smoothing
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each round moves every vertex towards the mean of its neighbours by λ, then away by μ
 * (μ < −λ), which damps the staircase of voxel surfaces without shrinking the bone (Taubin,
 * "A signal processing approach to fair surface design", 1995).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "osp-segment-private.h"

/* Vertex → neighbours (through triangle edges; an edge shared by two triangles counts twice,
 * which leaves a closed mesh's uniform weights unchanged). */
static void
build_neighbours (const OspMesh *mesh,
                  guint32      **out_offsets,
                  guint32      **out_neighbours)
{
  guint32 nv = osp_mesh_get_n_vertices (mesh), nt = osp_mesh_get_n_triangles (mesh);
  const guint32 *tri = osp_mesh_get_indices (mesh);
  guint32 *offsets = g_new0 (guint32, (gsize) nv + 1);
  guint32 *neighbours = g_new (guint32, (gsize) nt * 6 + 1);
  g_autofree guint32 *fill = NULL;

  for (gsize t = 0; t < (gsize) nt; t++)
    for (guint c = 0; c < 3; c++)
      offsets[tri[3 * t + c] + 1] += 2;
  for (guint32 v = 0; v < nv; v++)
    offsets[v + 1] += offsets[v];
  fill = g_memdup2 (offsets, ((gsize) nv + 1) * sizeof (guint32));
  for (gsize t = 0; t < (gsize) nt; t++)
    for (guint c = 0; c < 3; c++)
      {
        guint32 v = tri[3 * t + c];

        neighbours[fill[v]++] = tri[3 * t + (c + 1) % 3];
        neighbours[fill[v]++] = tri[3 * t + (c + 2) % 3];
      }
  *out_offsets = offsets;
  *out_neighbours = neighbours;
}

typedef struct
{
  const float   *in;
  float         *out;
  guint32        first, last;  /* vertex range [first, last) */
  const guint32 *offsets;
  const guint32 *neighbours;
  float          factor;
} Step;

static gpointer
laplacian_range (gpointer data)
{
  const Step *step = data;
  const float *in = step->in;
  float *out = step->out;
  const guint32 *offsets = step->offsets, *neighbours = step->neighbours;
  float factor = step->factor;

  for (guint32 v = step->first; v < step->last; v++)
    {
      guint32 n = offsets[v + 1] - offsets[v];
      float sum[3] = { 0, 0, 0 };

      if (n == 0)
        {
          memcpy (out + 3 * (gsize) v, in + 3 * (gsize) v, 3 * sizeof (float));
          continue;
        }
      for (guint32 e = offsets[v]; e < offsets[v + 1]; e++)
        for (guint c = 0; c < 3; c++)
          sum[c] += in[3 * (gsize) neighbours[e] + c];
      for (guint c = 0; c < 3; c++)
        {
          float p = in[3 * (gsize) v + c];

          out[3 * (gsize) v + c] = p + factor * (sum[c] / (float) n - p);
        }
    }
  return NULL;
}

/* One round over all vertices, split among the cores (each vertex depends only on the
 * input, so the result is the same for any split). */
static void
laplacian_step (const float   *in,
                float         *out,
                guint32        nv,
                const guint32 *offsets,
                const guint32 *neighbours,
                float          factor)
{
  guint n_threads = nv < 65536 ? 1 : MIN (g_get_num_processors (), 8);
  Step steps[8];
  GThread *threads[8];

  for (guint t = 0; t < n_threads; t++)
    {
      steps[t] = (Step) { in, out, (guint32) ((guint64) nv * t / n_threads),
                          (guint32) ((guint64) nv * (t + 1) / n_threads), offsets, neighbours,
                          factor };
      threads[t] = t == 0 ? NULL : g_thread_new ("osp-smooth", laplacian_range, &steps[t]);
    }
  laplacian_range (&steps[0]);
  for (guint t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
}

OspMesh *
osp_mesh_smooth_taubin_full (const OspMesh          *mesh,
                             guint                   iterations,
                             double                  lambda,
                             double                  mu,
                             const OspProgressRange *progress,
                             GCancellable           *cancellable,
                             GError                **error)
{
  guint32 nv, nt;
  g_autofree guint32 *offsets = NULL;
  g_autofree guint32 *neighbours = NULL;
  g_autofree float *scratch = NULL;
  float *positions;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  nv = osp_mesh_get_n_vertices (mesh);
  nt = osp_mesh_get_n_triangles (mesh);
  positions = g_memdup2 (osp_mesh_get_positions (mesh), (gsize) nv * 3 * sizeof (float));
  if (iterations > 0 && nv > 0)
    {
      build_neighbours (mesh, &offsets, &neighbours);
      scratch = g_new (float, (gsize) nv * 3);
    }

  for (guint it = 0; it < iterations && nv > 0; it++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_free (positions);
          return NULL;
        }
      laplacian_step (positions, scratch, nv, offsets, neighbours, (float) lambda);
      laplacian_step (scratch, positions, nv, offsets, neighbours, (float) mu);
      osp_progress_report (progress, (double) (it + 1) / iterations);
    }
  osp_progress_report (progress, 1.0);

  return osp_mesh_new_take (positions, nv,
                            g_memdup2 (osp_mesh_get_indices (mesh),
                                       (gsize) nt * 3 * sizeof (guint32)), nt);
}

OspMesh *
osp_mesh_smooth_taubin (const OspMesh *mesh,
                        guint          iterations,
                        double         lambda,
                        double         mu)
{
  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (lambda > 0 && mu < -lambda, NULL);

  return osp_mesh_smooth_taubin_full (mesh, iterations, lambda, mu, NULL, NULL, NULL);
}
