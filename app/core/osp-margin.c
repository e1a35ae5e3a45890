/* osp-margin.c — resection margins
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-margin.h"

void
osp_margin_result_clear (OspMarginResult *result)
{
  if (result == NULL)
    return;
  g_free (result->planes);
  memset (result, 0, sizeof *result);
  result->min_margin_mm = G_MAXDOUBLE;
  result->min_plane = -1;
}

gboolean
osp_margin_compute_points (const float      *positions,
                           guint32           n_points,
                           const float       planes[][4],
                           guint             n_planes,
                           OspMarginResult  *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (n_planes == 0 || planes != NULL, FALSE);
  g_return_val_if_fail (n_points == 0 || positions != NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->min_margin_mm = G_MAXDOUBLE;
  out->min_plane = -1;
  if (n_points == 0)
    return FALSE;
  out->n_planes = n_planes;
  out->planes = g_new0 (OspPlaneMargin, MAX (n_planes, 1));
  out->inside = n_planes > 0;
  for (guint p = 0; p < n_planes; p++)
    {
      double n[3] = { planes[p][0], planes[p][1], planes[p][2] };
      double len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      double best = -G_MAXDOUBLE, d;
      guint32 arg = 0;

      g_return_val_if_fail (len > 0 && isfinite (len), FALSE);
      for (guint a = 0; a < 3; a++)
        n[a] /= len;
      d = planes[p][3] / len;
      for (guint32 v = 0; v < n_points; v++)
        {
          const float *x = positions + 3 * (gsize) v;
          double s = n[0] * x[0] + n[1] * x[1] + n[2] * x[2];

          if (s > best)
            {
              best = s;
              arg = v;
            }
        }
      out->planes[p].margin_mm = d - best;
      memcpy (out->planes[p].closest, positions + 3 * (gsize) arg, 3 * sizeof (float));
      if (out->planes[p].margin_mm < out->min_margin_mm)
        {
          out->min_margin_mm = out->planes[p].margin_mm;
          out->min_plane = (int) p;
        }
      if (!(out->planes[p].margin_mm > 0))
        out->inside = FALSE;
    }
  return TRUE;
}

gboolean
osp_margin_compute (const OspMesh    *tumour,
                    const float       planes[][4],
                    guint             n_planes,
                    OspMarginResult  *out)
{
  g_autofree guint8 *used = NULL;
  g_autofree float *points = NULL;
  const guint32 *tri;
  const float *pos;
  guint32 nv, nt, n = 0;

  g_return_val_if_fail (tumour != NULL && out != NULL, FALSE);

  /* Only the vertices triangles use (as osp_mesh_get_bounds()). */
  nv = osp_mesh_get_n_vertices (tumour);
  nt = osp_mesh_get_n_triangles (tumour);
  pos = osp_mesh_get_positions (tumour);
  tri = osp_mesh_get_indices (tumour);
  used = g_malloc0 (MAX (nv, 1));
  for (guint64 i = 0; i < (guint64) nt * 3; i++)
    used[tri[i]] = 1;
  for (guint32 v = 0; v < nv; v++)
    n += used[v];
  if (n == nv)
    return osp_margin_compute_points (pos, nv, planes, n_planes, out);
  points = g_new (float, 3 * (gsize) MAX (n, 1));
  n = 0;
  for (guint32 v = 0; v < nv; v++)
    if (used[v])
      {
        memcpy (points + 3 * (gsize) n, pos + 3 * (gsize) v, 3 * sizeof (float));
        n++;
      }
  return osp_margin_compute_points (points, n, planes, n_planes, out);
}
