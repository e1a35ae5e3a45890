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

gboolean
osp_margin_compute_transformed (const OspMesh   *tumour,
                                const float     *matrix,
                                const float      planes[][4],
                                guint            n_planes,
                                OspMarginResult *out)
{
  g_autofree float (*moved)[4] = NULL;
  gboolean ok;

  g_return_val_if_fail (tumour != NULL && out != NULL, FALSE);
  g_return_val_if_fail (n_planes == 0 || planes != NULL, FALSE);

  if (matrix == NULL)
    return osp_margin_compute (tumour, planes, n_planes, out);
  /* n·(M x) ≤ d is (Mᵀ n)·x ≤ d − n·t for the linear part M and translation t: move the
   * planes into the mesh's frame, then the closest points back. */
  moved = g_malloc (sizeof (float[4]) * MAX (n_planes, 1));
  for (guint p = 0; p < n_planes; p++)
    {
      const float *n = planes[p];

      for (guint c = 0; c < 3; c++)
        moved[p][c] = matrix[4 * c] * n[0] + matrix[4 * c + 1] * n[1] + matrix[4 * c + 2] * n[2];
      moved[p][3] = n[3] - (n[0] * matrix[12] + n[1] * matrix[13] + n[2] * matrix[14]);
    }
  ok = osp_margin_compute (tumour, (const float (*)[4]) moved, n_planes, out);
  if (!ok)
    return FALSE;
  /* The margins were measured against the moved normals' lengths: measure again in the
   * world with the true normals (a scale changes distances), at the same extreme vertices. */
  out->min_margin_mm = G_MAXDOUBLE;
  out->min_plane = -1;
  out->inside = n_planes > 0;
  for (guint p = 0; p < n_planes; p++)
    {
      const float *n = planes[p], *x = out->planes[p].closest;
      double len = sqrt ((double) n[0] * n[0] + (double) n[1] * n[1] + (double) n[2] * n[2]);
      float w[3];

      for (guint r = 0; r < 3; r++)
        w[r] = matrix[r] * x[0] + matrix[4 + r] * x[1] + matrix[8 + r] * x[2] + matrix[12 + r];
      memcpy (out->planes[p].closest, w, sizeof w);
      out->planes[p].margin_mm = (n[3] - (n[0] * w[0] + n[1] * w[1] + n[2] * w[2])) / len;
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

GArray *
osp_margin_list_applied_cuts (OspPlan *plan)
{
  GArray *cuts;

  g_return_val_if_fail (OSP_IS_PLAN (plan), NULL);

  cuts = g_array_new (FALSE, TRUE, sizeof (OspAppliedCut));
  for (guint o = 0; o < osp_plan_get_n_operations (plan); o++)
    {
      JsonObject *op = osp_plan_get_operation (plan, o);
      OspAppliedCut cut = { NULL, NULL, 0, { { 0 } } };
      JsonNode *node;
      JsonArray *array;
      double margin = 0;
      gboolean ok = TRUE;

      if (g_strcmp0 (json_object_get_string_member_with_default (op, "op", ""), "cut") != 0)
        continue;
      node = json_object_get_member (op, "planes");
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        continue;
      array = json_node_get_array (node);
      if (json_array_get_length (array) < 1 ||
          json_array_get_length (array) > OSP_CUT_MAX_PLANES)
        continue;
      node = json_object_get_member (op, "margin");
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
        margin = json_node_get_double (node);
      if (!isfinite (margin) || margin < 0)
        continue;
      cut.n_planes = json_array_get_length (array);
      for (guint p = 0; p < cut.n_planes && ok; p++)
        {
          JsonNode *element = json_array_get_element (array, p);
          JsonArray *values;
          double v[4], len;

          if (!JSON_NODE_HOLDS_ARRAY (element) ||
              json_array_get_length (json_node_get_array (element)) != 4)
            {
              ok = FALSE;
              break;
            }
          values = json_node_get_array (element);
          for (guint c = 0; c < 4; c++)
            {
              JsonNode *value = json_array_get_element (values, c);

              v[c] = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_double (value) : NAN;
            }
          len = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
          ok = len > 0 && isfinite (len) && isfinite (v[3]);
          for (guint c = 0; ok && c < 3; c++)
            cut.planes[p][c] = (float) (v[c] / len);
          /* As osp_mesh_cut() moves the plane: outwards by the margin. */
          cut.planes[p][3] = (float) (v[3] / len + margin);
        }
      if (!ok)
        continue;
      cut.name = json_object_get_string_member_with_default (op, "name", NULL);
      cut.model = json_object_get_string_member_with_default (op, "model", NULL);
      g_array_append_val (cuts, cut);
    }
  return cuts;
}
