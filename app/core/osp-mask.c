/* osp-mask.c — label masks on a CT's grid
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "osp-error.h"
#include "osp-mask.h"
#include "osp-memory.h"
#include "osp-plan-private.h"
#include "osp-segment.h"

struct _OspMask
{
  gatomicrefcount ref_count;
  OspGrid         grid;
  guint64         n_voxels;
  guint8         *data;
};

/* -- Grids ------------------------------------------------------------------------------------ */

void
osp_grid_from_volume (const OspVolume *volume,
                      OspGrid         *out_grid)
{
  g_return_if_fail (volume != NULL && out_grid != NULL);

  osp_volume_get_dims (volume, out_grid->dims);
  osp_volume_get_spacing (volume, out_grid->spacing);
  osp_volume_get_origin (volume, out_grid->origin);
  osp_volume_get_direction (volume, out_grid->direction);
}

void
osp_grid_index_to_lps (const OspGrid *grid,
                       const double   ijk[3],
                       double         out_lps[3])
{
  for (guint r = 0; r < 3; r++)
    out_lps[r] = grid->origin[r] +
                 ijk[0] * grid->spacing[0] * grid->direction[r] +
                 ijk[1] * grid->spacing[1] * grid->direction[3 + r] +
                 ijk[2] * grid->spacing[2] * grid->direction[6 + r];
}

/* The 3 × 3 matrix mapping an LPS offset to an index offset (row-major). */
static void
grid_inverse (const OspGrid *grid,
              double         inv[9])
{
  double m[9], det;

  /* m: column a is axis_a × spacing_a (row-major m[3r + a]). */
  for (guint a = 0; a < 3; a++)
    for (guint r = 0; r < 3; r++)
      m[3 * r + a] = grid->direction[3 * a + r] * grid->spacing[a];
  det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
        m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (det == 0.0 || !isfinite (det))
    det = 1.0;
  inv[0] = (m[4] * m[8] - m[5] * m[7]) / det;
  inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
  inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
  inv[3] = (m[5] * m[6] - m[3] * m[8]) / det;
  inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
  inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
  inv[6] = (m[3] * m[7] - m[4] * m[6]) / det;
  inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
  inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
}

void
osp_grid_lps_to_index (const OspGrid *grid,
                       const double   lps[3],
                       double         out_ijk[3])
{
  double inv[9], d[3];

  grid_inverse (grid, inv);
  for (guint r = 0; r < 3; r++)
    d[r] = lps[r] - grid->origin[r];
  for (guint a = 0; a < 3; a++)
    out_ijk[a] = inv[3 * a] * d[0] + inv[3 * a + 1] * d[1] + inv[3 * a + 2] * d[2];
}

guint64
osp_grid_get_n_voxels (const OspGrid *grid)
{
  return (guint64) grid->dims[0] * grid->dims[1] * grid->dims[2];
}

double
osp_grid_voxel_volume (const OspGrid *grid)
{
  const double *d = grid->direction;
  double det = d[0] * (d[4] * d[8] - d[5] * d[7]) - d[3] * (d[1] * d[8] - d[2] * d[7]) +
               d[6] * (d[1] * d[5] - d[2] * d[4]);

  return fabs (det) * grid->spacing[0] * grid->spacing[1] * grid->spacing[2];
}

gboolean
osp_grid_check_match (const OspGrid  *grid,
                      const OspGrid  *reference,
                      const char     *display_name,
                      GError        **error)
{
  double min_spacing = MIN (reference->spacing[0], MIN (reference->spacing[1],
                                                        reference->spacing[2]));
  const char *name = display_name != NULL ? display_name : "";

  if (memcmp (grid->dims, reference->dims, sizeof grid->dims) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: its grid (%u × %u × %u voxels) does not match the CT’s (%u × %u × "
                     "%u voxels)"), name, grid->dims[0], grid->dims[1], grid->dims[2],
                   reference->dims[0], reference->dims[1], reference->dims[2]);
      return FALSE;
    }
  for (guint a = 0; a < 3; a++)
    if (fabs (grid->spacing[a] - reference->spacing[a]) >
        MAX (1e-3, 1e-3 * reference->spacing[a]))
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: its voxel spacing (%.4g × %.4g × %.4g mm) does not match the CT’s "
                       "(%.4g × %.4g × %.4g mm)"), name,
                     grid->spacing[0], grid->spacing[1], grid->spacing[2],
                     reference->spacing[0], reference->spacing[1], reference->spacing[2]);
        return FALSE;
      }
  for (guint a = 0; a < 9; a++)
    if (fabs (grid->direction[a] - reference->direction[a]) > 1e-3)
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: its orientation does not match the CT’s (the voxel axes point in "
                       "other directions)"), name);
        return FALSE;
      }
  {
    double d = sqrt ((grid->origin[0] - reference->origin[0]) *
                     (grid->origin[0] - reference->origin[0]) +
                     (grid->origin[1] - reference->origin[1]) *
                     (grid->origin[1] - reference->origin[1]) +
                     (grid->origin[2] - reference->origin[2]) *
                     (grid->origin[2] - reference->origin[2]));

    if (d > 0.1 * min_spacing)
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: its position is %.1f mm away from the CT’s (the first voxels do "
                       "not coincide)"), name, d);
        return FALSE;
      }
  }
  return TRUE;
}

/* -- Boxes ------------------------------------------------------------------------------------ */

gboolean
osp_mask_box_is_empty (const OspMaskBox *box)
{
  return box->max[0] <= box->min[0] || box->max[1] <= box->min[1] ||
         box->max[2] <= box->min[2];
}

void
osp_mask_box_union (OspMaskBox       *box,
                    const OspMaskBox *other)
{
  if (osp_mask_box_is_empty (other))
    return;
  if (osp_mask_box_is_empty (box))
    {
      *box = *other;
      return;
    }
  for (guint a = 0; a < 3; a++)
    {
      box->min[a] = MIN (box->min[a], other->min[a]);
      box->max[a] = MAX (box->max[a], other->max[a]);
    }
}

guint64
osp_mask_box_get_n_voxels (const OspMaskBox *box)
{
  if (osp_mask_box_is_empty (box))
    return 0;
  return (guint64) (box->max[0] - box->min[0]) * (box->max[1] - box->min[1]) *
         (box->max[2] - box->min[2]);
}

/* The index box of the voxels whose centres may lie within radius of centre. */
void
osp_grid_sphere_box (const OspGrid *grid,
                     const double   centre[3],
                     double         radius,
                     OspMaskBox    *out)
{
  double inv[9], c[3];

  grid_inverse (grid, inv);
  osp_grid_lps_to_index (grid, centre, c);
  for (guint a = 0; a < 3; a++)
    {
      double e = radius * sqrt (inv[3 * a] * inv[3 * a] + inv[3 * a + 1] * inv[3 * a + 1] +
                                inv[3 * a + 2] * inv[3 * a + 2]);
      double lo = ceil (c[a] - e), hi = floor (c[a] + e) + 1;

      if (!isfinite (lo) || !isfinite (hi) || hi <= 0 || lo >= grid->dims[a] || hi <= lo)
        {
          memset (out, 0, sizeof *out);
          return;
        }
      out->min[a] = (guint32) MAX (lo, 0);
      out->max[a] = (guint32) MIN (hi, (double) grid->dims[a]);
    }
}

/* -- Masks ------------------------------------------------------------------------------------ */

OspMask *
osp_mask_new (const OspGrid  *grid,
              GError        **error)
{
  OspMask *mask;
  guint64 n;

  g_return_val_if_fail (grid != NULL, NULL);

  n = (guint64) grid->dims[0] * grid->dims[1];
  if (grid->dims[0] == 0 || grid->dims[1] == 0 || grid->dims[2] == 0 ||
      !g_uint64_checked_mul (&n, n, grid->dims[2]) || n > G_MAXSIZE / 2)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("A mask of %u × %u × %u voxels cannot be made"),
                   grid->dims[0], grid->dims[1], grid->dims[2]);
      return NULL;
    }
  if (!osp_memory_check (n, NULL, _("the mask"), error))
    return NULL;
  mask = g_new0 (OspMask, 1);
  g_atomic_ref_count_init (&mask->ref_count);
  mask->grid = *grid;
  mask->n_voxels = n;
  mask->data = g_try_malloc0 (n);
  if (mask->data == NULL)
    {
      g_free (mask);
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("Could not allocate %" PRIu64 " MiB for the mask"), n >> 20);
      return NULL;
    }
  return mask;
}

OspMask *
osp_mask_new_for_volume (const OspVolume  *volume,
                         GError          **error)
{
  OspGrid grid;

  g_return_val_if_fail (volume != NULL, NULL);

  osp_grid_from_volume (volume, &grid);
  return osp_mask_new (&grid, error);
}

OspMask *
osp_mask_copy (const OspMask  *mask,
               GError        **error)
{
  OspMask *copy;

  g_return_val_if_fail (mask != NULL, NULL);

  copy = osp_mask_new (&mask->grid, error);
  if (copy != NULL)
    memcpy (copy->data, mask->data, mask->n_voxels);
  return copy;
}

OspMask *
osp_mask_ref (OspMask *mask)
{
  g_return_val_if_fail (mask != NULL, NULL);

  g_atomic_ref_count_inc (&mask->ref_count);
  return mask;
}

void
osp_mask_unref (OspMask *mask)
{
  g_return_if_fail (mask != NULL);

  if (!g_atomic_ref_count_dec (&mask->ref_count))
    return;
  g_free (mask->data);
  g_free (mask);
}

const OspGrid *
osp_mask_get_grid (const OspMask *mask)
{
  g_return_val_if_fail (mask != NULL, NULL);

  return &mask->grid;
}

guint64
osp_mask_get_n_voxels (const OspMask *mask)
{
  g_return_val_if_fail (mask != NULL, 0);

  return mask->n_voxels;
}

const guint8 *
osp_mask_get_data (const OspMask *mask)
{
  g_return_val_if_fail (mask != NULL, NULL);

  return mask->data;
}

guint8 *
osp_mask_get_data_mutable (OspMask *mask)
{
  g_return_val_if_fail (mask != NULL, NULL);

  return mask->data;
}

guint64
osp_mask_count (const OspMask *mask,
                guint8         label)
{
  guint64 n = 0;

  g_return_val_if_fail (mask != NULL, 0);

  if (label == 0)
    for (guint64 v = 0; v < mask->n_voxels; v++)
      n += mask->data[v] != 0;
  else
    for (guint64 v = 0; v < mask->n_voxels; v++)
      n += mask->data[v] == label;
  return n;
}

gboolean
osp_mask_get_bounds (const OspMask *mask,
                     guint8         label,
                     OspMaskBox    *out_box)
{
  const guint32 *dims;
  guint32 lo[3] = { G_MAXUINT32, G_MAXUINT32, G_MAXUINT32 }, hi[3] = { 0, 0, 0 };
  gboolean any = FALSE;

  g_return_val_if_fail (mask != NULL && out_box != NULL, FALSE);

  dims = mask->grid.dims;
  for (guint32 k = 0; k < dims[2]; k++)
    for (guint32 j = 0; j < dims[1]; j++)
      {
        const guint8 *row = mask->data + (gsize) dims[0] * (j + (gsize) dims[1] * k);
        guint32 first = G_MAXUINT32, last = 0;

        for (guint32 i = 0; i < dims[0]; i++)
          if (label == 0 ? row[i] != 0 : row[i] == label)
            {
              if (first == G_MAXUINT32)
                first = i;
              last = i;
            }
        if (first == G_MAXUINT32)
          continue;
        any = TRUE;
        lo[0] = MIN (lo[0], first);
        hi[0] = MAX (hi[0], last + 1);
        lo[1] = MIN (lo[1], j);
        hi[1] = MAX (hi[1], j + 1);
        lo[2] = MIN (lo[2], k);
        hi[2] = MAX (hi[2], k + 1);
      }
  memset (out_box, 0, sizeof *out_box);
  if (!any)
    return FALSE;
  memcpy (out_box->min, lo, sizeof lo);
  memcpy (out_box->max, hi, sizeof hi);
  return TRUE;
}

guint8 *
osp_mask_read_box (const OspMask    *mask,
                   const OspMaskBox *box,
                   gsize            *out_len)
{
  const guint32 *dims;
  guint64 n;
  guint8 *out, *p;

  g_return_val_if_fail (mask != NULL && box != NULL, NULL);

  dims = mask->grid.dims;
  n = osp_mask_box_get_n_voxels (box);
  p = out = g_malloc (MAX (n, 1));
  for (guint32 k = box->min[2]; n > 0 && k < box->max[2]; k++)
    for (guint32 j = box->min[1]; j < box->max[1]; j++)
      {
        gsize w = box->max[0] - box->min[0];

        memcpy (p, mask->data + box->min[0] + (gsize) dims[0] * (j + (gsize) dims[1] * k), w);
        p += w;
      }
  if (out_len != NULL)
    *out_len = n;
  return out;
}

void
osp_mask_write_box (OspMask          *mask,
                    const OspMaskBox *box,
                    const guint8     *bytes)
{
  const guint32 *dims;

  g_return_if_fail (mask != NULL && box != NULL);

  if (osp_mask_box_is_empty (box))
    return;
  dims = mask->grid.dims;
  for (guint32 k = box->min[2]; k < box->max[2]; k++)
    for (guint32 j = box->min[1]; j < box->max[1]; j++)
      {
        gsize w = box->max[0] - box->min[0];

        memcpy (mask->data + box->min[0] + (gsize) dims[0] * (j + (gsize) dims[1] * k), bytes, w);
        bytes += w;
      }
}

/* -- Painting --------------------------------------------------------------------------------- */

void
osp_mask_paint_sphere (OspMask      *mask,
                       const double  centre_lps[3],
                       double        radius_mm,
                       guint8        value,
                       OspMaskBox   *out_box)
{
  OspMaskBox box;
  const OspGrid *g;
  double r2 = radius_mm * radius_mm;

  g_return_if_fail (mask != NULL && centre_lps != NULL);

  g = &mask->grid;
  memset (&box, 0, sizeof box);
  if (isfinite (radius_mm) && radius_mm >= 0)
    osp_grid_sphere_box (g, centre_lps, radius_mm, &box);
  for (guint32 k = box.min[2]; k < box.max[2]; k++)
    for (guint32 j = box.min[1]; j < box.max[1]; j++)
      for (guint32 i = box.min[0]; i < box.max[0]; i++)
        {
          double ijk[3] = { i, j, k }, p[3], d2;

          osp_grid_index_to_lps (g, ijk, p);
          d2 = (p[0] - centre_lps[0]) * (p[0] - centre_lps[0]) +
               (p[1] - centre_lps[1]) * (p[1] - centre_lps[1]) +
               (p[2] - centre_lps[2]) * (p[2] - centre_lps[2]);
          if (d2 <= r2)
            mask->data[i + (gsize) g->dims[0] * (j + (gsize) g->dims[1] * k)] = value;
        }
  if (out_box != NULL)
    *out_box = box;
}

/* The unit normal of the slices across index axis `axis` (the cross product of the other two
 * axes). */
static void
slice_normal (const OspGrid *g,
              guint          axis,
              double         n[3])
{
  const double *u = g->direction + 3 * ((axis + 1) % 3);
  const double *v = g->direction + 3 * ((axis + 2) % 3);
  double len;

  n[0] = u[1] * v[2] - u[2] * v[1];
  n[1] = u[2] * v[0] - u[0] * v[2];
  n[2] = u[0] * v[1] - u[1] * v[0];
  len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  if (len > 0)
    for (guint r = 0; r < 3; r++)
      n[r] /= len;
}

void
osp_mask_paint_disk (OspMask      *mask,
                     guint         axis,
                     guint32       slice,
                     const double  centre_lps[3],
                     double        radius_mm,
                     guint8        value,
                     OspMaskBox   *out_box)
{
  OspMaskBox box;
  const OspGrid *g;
  double c[3], idx[3], n[3], r2 = radius_mm * radius_mm;

  g_return_if_fail (mask != NULL && centre_lps != NULL);
  g_return_if_fail (axis < 3);

  g = &mask->grid;
  memset (&box, 0, sizeof box);
  if (slice < g->dims[axis] && isfinite (radius_mm) && radius_mm >= 0)
    {
      /* The centre moved onto the slice along the index axis. */
      osp_grid_lps_to_index (g, centre_lps, idx);
      idx[axis] = slice;
      osp_grid_index_to_lps (g, idx, c);
      osp_grid_sphere_box (g, c, radius_mm, &box);
      box.min[axis] = slice;
      box.max[axis] = slice + 1;
      if (osp_mask_box_is_empty (&box))
        memset (&box, 0, sizeof box);
    }
  slice_normal (g, axis, n);
  for (guint32 k = box.min[2]; k < box.max[2]; k++)
    for (guint32 j = box.min[1]; j < box.max[1]; j++)
      for (guint32 i = box.min[0]; i < box.max[0]; i++)
        {
          double ijk[3] = { i, j, k }, p[3], d[3], dn;

          osp_grid_index_to_lps (g, ijk, p);
          for (guint r = 0; r < 3; r++)
            d[r] = p[r] - c[r];
          dn = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
          if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] - dn * dn <= r2)
            mask->data[i + (gsize) g->dims[0] * (j + (gsize) g->dims[1] * k)] = value;
        }
  if (out_box != NULL)
    *out_box = box;
}

/* -- Region growing --------------------------------------------------------------------------- */

gboolean
osp_mask_grow_region (OspMask          *mask,
                      const OspVolume  *volume,
                      const double      seed_lps[3],
                      int               min_hu,
                      int               max_hu,
                      double            max_radius_mm,
                      guint8            value,
                      OspMaskBox       *out_box,
                      guint64          *out_n_added,
                      GError          **error)
{
  const OspGrid *g;
  OspGrid vg;
  OspMaskBox box;
  double seed_idx[3], r2 = max_radius_mm * max_radius_mm;
  guint32 s[3], w[3];
  const gint16 *hu;
  g_autofree guint8 *seen = NULL;
  g_autoptr(GArray) queue = NULL;
  guint64 n_added = 0, n_box;
  static const int steps[6][3] = { { 1, 0, 0 }, { -1, 0, 0 }, { 0, 1, 0 },
                                   { 0, -1, 0 }, { 0, 0, 1 }, { 0, 0, -1 } };

  g_return_val_if_fail (mask != NULL && volume != NULL && seed_lps != NULL, FALSE);

  if (out_box != NULL)
    memset (out_box, 0, sizeof *out_box);
  if (out_n_added != NULL)
    *out_n_added = 0;
  g = &mask->grid;
  osp_grid_from_volume (volume, &vg);
  if (!osp_grid_check_match (&vg, g, NULL, error))
    return FALSE;
  osp_grid_lps_to_index (g, seed_lps, seed_idx);
  for (guint a = 0; a < 3; a++)
    {
      double r = round (seed_idx[a]);

      if (!(r >= 0 && r < g->dims[a]))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The seed point lies outside the CT"));
          return FALSE;
        }
      s[a] = (guint32) r;
    }
  hu = osp_volume_get_data (volume);
  {
    int v = hu[s[0] + (gsize) g->dims[0] * (s[1] + (gsize) g->dims[1] * s[2])];

    if (v < min_hu || v > max_hu)
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("The seed point’s value (%d HU) is outside the range %d to %d HU"), v,
                     min_hu, max_hu);
        return FALSE;
      }
  }
  osp_grid_sphere_box (g, seed_lps, max_radius_mm, &box);
  /* The seed voxel itself may sit just outside the radius box (rounding). */
  for (guint a = 0; a < 3; a++)
    {
      box.min[a] = MIN (box.min[a], s[a]);
      box.max[a] = MAX (box.max[a], s[a] + 1);
      w[a] = box.max[a] - box.min[a];
    }
  n_box = osp_mask_box_get_n_voxels (&box);
  /* The visited flags, and a queue of up to every voxel of the box (3 × 4 bytes each). */
  if (!osp_memory_check (n_box * 13, NULL, _("growing the region"), error))
    return FALSE;
  seen = g_malloc0 (n_box);
  queue = g_array_new (FALSE, FALSE, sizeof (guint32) * 3);
  g_array_append_val (queue, s);
  seen[(s[0] - box.min[0]) + (gsize) w[0] * ((s[1] - box.min[1]) +
                                             (gsize) w[1] * (s[2] - box.min[2]))] = 1;
  for (guint64 head = 0; head < queue->len; head++)
    {
      guint32 *at = &g_array_index (queue, guint32, 3 * head);
      guint32 c[3] = { at[0], at[1], at[2] };
      gsize v = c[0] + (gsize) g->dims[0] * (c[1] + (gsize) g->dims[1] * c[2]);

      if (mask->data[v] != value)
        {
          mask->data[v] = value;
          n_added++;
        }
      for (guint n = 0; n < 6; n++)
        {
          gint64 q[3];
          gsize bi;
          double ijk[3], p[3], d2;
          int h;

          for (guint a = 0; a < 3; a++)
            q[a] = (gint64) c[a] + steps[n][a];
          if (q[0] < box.min[0] || q[0] >= box.max[0] || q[1] < box.min[1] ||
              q[1] >= box.max[1] || q[2] < box.min[2] || q[2] >= box.max[2])
            continue;
          bi = (q[0] - box.min[0]) + (gsize) w[0] * ((q[1] - box.min[1]) +
                                                     (gsize) w[1] * (q[2] - box.min[2]));
          if (seen[bi])
            continue;
          seen[bi] = 1;
          h = hu[q[0] + (gsize) g->dims[0] * (q[1] + (gsize) g->dims[1] * q[2])];
          if (h < min_hu || h > max_hu)
            continue;
          for (guint a = 0; a < 3; a++)
            ijk[a] = (double) q[a];
          osp_grid_index_to_lps (g, ijk, p);
          d2 = (p[0] - seed_lps[0]) * (p[0] - seed_lps[0]) +
               (p[1] - seed_lps[1]) * (p[1] - seed_lps[1]) +
               (p[2] - seed_lps[2]) * (p[2] - seed_lps[2]);
          if (d2 > r2)
            continue;
          {
            guint32 qq[3] = { (guint32) q[0], (guint32) q[1], (guint32) q[2] };

            g_array_append_val (queue, qq);
            at = NULL;
          }
        }
    }
  if (out_box != NULL)
    *out_box = box;
  if (out_n_added != NULL)
    *out_n_added = n_added;
  return TRUE;
}

/* -- Shape-based interpolation ---------------------------------------------------------------- */

/* Felzenszwalb–Huttenlocher 1-D squared distance transform of f (n samples, step h mm). */
static void
edt_1d (const float *f,
        guint32      n,
        double       h,
        float       *d,
        guint32     *v,
        double      *z)
{
  guint32 k = 0;

  v[0] = 0;
  z[0] = -HUGE_VAL;
  z[1] = HUGE_VAL;
  for (guint32 q = 1; q < n; q++)
    {
      double qh = q * h, s;

      for (;;)
        {
          double vh = v[k] * h;

          s = (((double) f[q] + qh * qh) - ((double) f[v[k]] + vh * vh)) / (2 * qh - 2 * vh);
          if (s <= z[k] && k > 0)
            k--;
          else
            break;
        }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = HUGE_VAL;
    }
  k = 0;
  for (guint32 q = 0; q < n; q++)
    {
      double diff;

      while (z[k + 1] < q * h)
        k++;
      diff = (double) q * h - (double) v[k] * h;
      d[q] = (float) MIN (diff * diff + f[v[k]], (double) G_MAXFLOAT / 4);
    }
}

/* Squared distances (mm²) from every pixel of a w × hgt image to the nearest pixel where
 * feature[] is set (G_MAXFLOAT / 4 where there is none). */
static void
edt_2d (const guint8 *feature,
        guint32       w,
        guint32       hgt,
        double        sx,
        double        sy,
        float        *out)
{
  guint32 n = MAX (w, hgt);
  g_autofree float *f = g_new (float, n);
  g_autofree float *d = g_new (float, n);
  g_autofree guint32 *v = g_new (guint32, n);
  g_autofree double *z = g_new (double, n + 1);
  const float inf = G_MAXFLOAT / 4;

  for (guint32 y = 0; y < hgt; y++)
    {
      for (guint32 x = 0; x < w; x++)
        f[x] = feature[x + (gsize) w * y] ? 0 : inf;
      edt_1d (f, w, sx, d, v, z);
      for (guint32 x = 0; x < w; x++)
        out[x + (gsize) w * y] = MIN (d[x], inf);
    }
  for (guint32 x = 0; x < w; x++)
    {
      for (guint32 y = 0; y < hgt; y++)
        f[y] = out[x + (gsize) w * y];
      edt_1d (f, hgt, sy, d, v, z);
      for (guint32 y = 0; y < hgt; y++)
        out[x + (gsize) w * y] = MIN (d[y], inf);
    }
}

/* The signed distance map (mm; negative inside) of `value` on layer `slice` along `axis`,
 * over the in-plane box lo/hi (u = the lower other axis, v = the higher). */
static float *
signed_distance_layer (const OspMask *mask,
                       guint          axis,
                       guint32        slice,
                       guint8         value,
                       const guint32  lo[2],
                       const guint32  hi[2])
{
  const OspGrid *g = &mask->grid;
  guint ua = axis == 0 ? 1 : 0, va = axis == 2 ? 1 : 2;
  guint32 w = hi[0] - lo[0], h = hi[1] - lo[1];
  g_autofree guint8 *in = g_malloc ((gsize) w * h);
  g_autofree guint8 *out_f = g_malloc ((gsize) w * h);
  g_autofree float *d_in = g_new (float, (gsize) w * h);
  float *d_out = g_new (float, (gsize) w * h);

  for (guint32 y = 0; y < h; y++)
    for (guint32 x = 0; x < w; x++)
      {
        guint32 idx[3];

        idx[axis] = slice;
        idx[ua] = lo[0] + x;
        idx[va] = lo[1] + y;
        in[x + (gsize) w * y] =
          mask->data[idx[0] + (gsize) g->dims[0] * (idx[1] + (gsize) g->dims[1] * idx[2])] ==
          value;
        out_f[x + (gsize) w * y] = !in[x + (gsize) w * y];
      }
  /* Distance to the shape (outside pixels) and to the background (inside pixels). */
  edt_2d (in, w, h, g->spacing[ua], g->spacing[va], d_out);
  edt_2d (out_f, w, h, g->spacing[ua], g->spacing[va], d_in);
  for (gsize p = 0; p < (gsize) w * h; p++)
    d_out[p] = in[p] ? -sqrtf (d_in[p]) : sqrtf (d_out[p]);
  return d_out;
}

gboolean
osp_mask_fill_between (OspMask     *mask,
                       guint        axis,
                       guint32      slice_a,
                       guint32      slice_b,
                       guint8       value,
                       OspMaskBox  *out_box,
                       GError     **error)
{
  const OspGrid *g;
  guint ua, va;
  guint32 lo[2] = { G_MAXUINT32, G_MAXUINT32 }, hi[2] = { 0, 0 };
  g_autofree float *da = NULL;
  g_autofree float *db = NULL;
  OspMaskBox box = OSP_MASK_BOX_EMPTY;
  guint32 w, h;

  g_return_val_if_fail (mask != NULL, FALSE);
  g_return_val_if_fail (axis < 3 && value != 0, FALSE);

  if (out_box != NULL)
    memset (out_box, 0, sizeof *out_box);
  g = &mask->grid;
  ua = axis == 0 ? 1 : 0;
  va = axis == 2 ? 1 : 2;
  if (slice_a > slice_b)
    {
      guint32 t = slice_a;

      slice_a = slice_b;
      slice_b = t;
    }
  if (slice_b >= g->dims[axis])
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Slice %u lies outside the CT (it has %u slices along that axis)"),
                   slice_b + 1, g->dims[axis]);
      return FALSE;
    }
  /* The in-plane box of both layers' shapes (the blend lies inside their union). */
  for (guint l = 0; l < 2; l++)
    {
      guint32 slice = l == 0 ? slice_a : slice_b;
      gboolean any = FALSE;

      for (guint32 y = 0; y < g->dims[va]; y++)
        for (guint32 x = 0; x < g->dims[ua]; x++)
          {
            guint32 idx[3];

            idx[axis] = slice;
            idx[ua] = x;
            idx[va] = y;
            if (mask->data[idx[0] + (gsize) g->dims[0] * (idx[1] + (gsize) g->dims[1] *
                                                           idx[2])] == value)
              {
                any = TRUE;
                lo[0] = MIN (lo[0], x);
                hi[0] = MAX (hi[0], x + 1);
                lo[1] = MIN (lo[1], y);
                hi[1] = MAX (hi[1], y + 1);
              }
          }
      if (!any)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("Slice %u holds no painted voxel: paint both slices first"),
                       slice + 1);
          return FALSE;
        }
    }
  if (slice_b - slice_a < 2)
    return TRUE;
  /* One pixel of background around the shapes, where the grid allows. */
  lo[0] = lo[0] > 0 ? lo[0] - 1 : 0;
  lo[1] = lo[1] > 0 ? lo[1] - 1 : 0;
  hi[0] = MIN (hi[0] + 1, g->dims[ua]);
  hi[1] = MIN (hi[1] + 1, g->dims[va]);
  w = hi[0] - lo[0];
  h = hi[1] - lo[1];
  if (!osp_memory_check ((guint64) w * h * 20, NULL, _("filling between slices"), error))
    return FALSE;
  da = signed_distance_layer (mask, axis, slice_a, value, lo, hi);
  db = signed_distance_layer (mask, axis, slice_b, value, lo, hi);
  for (guint32 s = slice_a + 1; s < slice_b; s++)
    {
      float t = (float) (s - slice_a) / (float) (slice_b - slice_a);

      for (guint32 y = 0; y < h; y++)
        for (guint32 x = 0; x < w; x++)
          {
            gsize p = x + (gsize) w * y;
            guint32 idx[3];
            gsize vi;

            if ((1 - t) * da[p] + t * db[p] >= 0)
              continue;
            idx[axis] = s;
            idx[ua] = lo[0] + x;
            idx[va] = lo[1] + y;
            vi = idx[0] + (gsize) g->dims[0] * (idx[1] + (gsize) g->dims[1] * idx[2]);
            if (mask->data[vi] == 0)
              mask->data[vi] = value;
          }
    }
  box.min[axis] = slice_a + 1;
  box.max[axis] = slice_b;
  box.min[ua] = lo[0];
  box.max[ua] = hi[0];
  box.min[va] = lo[1];
  box.max[va] = hi[1];
  if (out_box != NULL)
    *out_box = box;
  return TRUE;
}

/* -- Label maps ------------------------------------------------------------------------------- */

GArray *
osp_label_map_list_labels (const OspVolume  *labels,
                           const char       *display_name,
                           GError          **error)
{
  const char *name = display_name != NULL ? display_name : "";
  const gint16 *data;
  guint64 n;
  g_autofree guint64 *counts = NULL;
  GArray *out;
  gint16 min, max;

  g_return_val_if_fail (labels != NULL, NULL);

  osp_volume_get_range (labels, &min, &max);
  /* Loading clamps values to int16: a label map whose labels reach the limits (2^31
   * labels, float probabilities scaled up) is not one we can read faithfully. */
  if (max == G_MAXINT16 || min == G_MININT16)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("%s: its values reach beyond −32767 to 32766; a label map holds small "
                     "whole-number labels"), name);
      return NULL;
    }
  if (min < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("%s: it holds negative values (%d), so it is an image, not a label map"),
                   name, min);
      return NULL;
    }
  counts = g_new0 (guint64, (gsize) max + 1);
  data = osp_volume_get_data (labels);
  n = osp_volume_get_n_voxels (labels);
  for (guint64 v = 0; v < n; v++)
    counts[data[v]]++;
  out = g_array_new (FALSE, FALSE, sizeof (OspLabelCount));
  for (gint32 l = 1; l <= max; l++)
    if (counts[l] > 0)
      {
        OspLabelCount c = { l, counts[l] };

        g_array_append_val (out, c);
      }
  return out;
}

GArray *
osp_label_map_list_labels_capped (const OspVolume  *labels,
                                  guint             max_labels,
                                  guint            *out_n_present,
                                  const char       *display_name,
                                  GError          **error)
{
  GArray *list;

  g_return_val_if_fail (labels != NULL, NULL);
  g_return_val_if_fail (max_labels > 0, NULL);

  list = osp_label_map_list_labels (labels, display_name, error);
  if (list == NULL)
    return NULL;
  if (out_n_present != NULL)
    *out_n_present = list->len;
  if (list->len > max_labels)
    g_array_set_size (list, max_labels);
  return list;
}

OspMask *
osp_mask_from_label_map (const OspVolume  *labels,
                         int               label,
                         guint8            value,
                         const OspGrid    *reference,
                         const char       *display_name,
                         GError          **error)
{
  const char *name = display_name != NULL ? display_name : "";
  g_autoptr(OspMask) mask = NULL;
  g_autoptr(GArray) list = NULL;
  const gint16 *data;
  OspGrid grid;
  guint64 n, found = 0;

  g_return_val_if_fail (labels != NULL, NULL);
  g_return_val_if_fail (value != 0, NULL);

  if (label < 1 || label > G_MAXINT16 - 1)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: label %d is out of range (labels are 1 to 32766)"), name, label);
      return NULL;
    }
  list = osp_label_map_list_labels (labels, display_name, error);
  if (list == NULL)
    return NULL;
  osp_grid_from_volume (labels, &grid);
  if (reference != NULL && !osp_grid_check_match (&grid, reference, name, error))
    return NULL;
  mask = osp_mask_new (&grid, error);
  if (mask == NULL)
    return NULL;
  data = osp_volume_get_data (labels);
  n = mask->n_voxels;
  for (guint64 v = 0; v < n; v++)
    if (data[v] == label)
      {
        mask->data[v] = value;
        found++;
      }
  if (found == 0)
    {
      GString *present = g_string_new (NULL);

      for (guint i = 0; i < list->len && i < 20; i++)
        g_string_append_printf (present, "%s%d", i > 0 ? ", " : "",
                                g_array_index (list, OspLabelCount, i).label);
      if (list->len > 20)
        g_string_append (present, ", …");
      if (list->len == 0)
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: label %d is empty (the label map holds no label at all)"), name,
                     label);
      else
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: label %d is empty (the labels present are %s)"), name, label,
                     present->str);
      g_string_free (present, TRUE);
      return NULL;
    }
  return g_steal_pointer (&mask);
}

/* -- Voxelising meshes ------------------------------------------------------------------------ */

OspMask *
osp_mask_from_mesh (const OspMesh  *mesh,
                    const OspGrid  *grid,
                    guint8          value,
                    const char     *display_name,
                    GCancellable   *cancellable,
                    GError        **error)
{
  const char *name = display_name != NULL ? display_name : "";
  g_autoptr(OspMask) mask = NULL;
  g_autofree float *idx = NULL;
  g_autofree guint32 *row_count = NULL;
  g_autofree guint64 *row_start = NULL;
  g_autofree float *hits = NULL;
  const float *pos;
  const guint32 *tri;
  guint32 nv, nt;
  guint64 n_rows, total = 0, n_set = 0;
  OspMeshTopology topo;
  OspBox mb;
  double lo[3] = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE }, hi[3] = { -G_MAXDOUBLE,
                                                                       -G_MAXDOUBLE,
                                                                       -G_MAXDOUBLE };
  /* A ray through (j + ε1, k + ε2): never exactly through a vertex or an edge of the
   * integer lattice. */
  const double e1 = 1.2345e-4, e2 = 2.7183e-4;

  g_return_val_if_fail (mesh != NULL && grid != NULL && value != 0, NULL);

  nv = osp_mesh_get_n_vertices (mesh);
  nt = osp_mesh_get_n_triangles (mesh);
  if (nt == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE, _("%s: the mesh has no triangles"),
                   name);
      return NULL;
    }
  /* The mesh's box against the grid's box (both in LPS). */
  osp_mesh_get_bounds (mesh, &mb);
  for (guint c = 0; c < 8; c++)
    {
      double ijk[3] = { (c & 1) ? grid->dims[0] - 0.5 : -0.5, (c & 2) ? grid->dims[1] - 0.5 : -0.5,
                        (c & 4) ? grid->dims[2] - 0.5 : -0.5 }, p[3];

      osp_grid_index_to_lps (grid, ijk, p);
      for (guint a = 0; a < 3; a++)
        {
          lo[a] = MIN (lo[a], p[a]);
          hi[a] = MAX (hi[a], p[a]);
        }
    }
  for (guint a = 0; a < 3; a++)
    if (mb.max[a] < lo[a] || mb.min[a] > hi[a])
      {
        double gap = MAX (lo[a] - mb.max[a], mb.min[a] - hi[a]);

        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: the mesh lies outside the CT (%.0f mm beyond its edge): is it in "
                       "the CT’s patient coordinates?"), name, gap);
        return NULL;
      }
  osp_mesh_get_topology (mesh, &topo);
  if (topo.n_boundary_edges > 0 || topo.n_nonmanifold_edges > 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: the mesh is not closed (%" PRIu64 " open edges), so its "
                     "inside is undefined: repair it first"), name,
                   topo.n_boundary_edges + topo.n_nonmanifold_edges);
      return NULL;
    }
  mask = osp_mask_new (grid, error);
  if (mask == NULL)
    return NULL;

  /* Vertices in index space. */
  pos = osp_mesh_get_positions (mesh);
  tri = osp_mesh_get_indices (mesh);
  idx = g_new (float, (gsize) nv * 3);
  for (guint32 v = 0; v < nv; v++)
    {
      double p[3] = { pos[3 * v], pos[3 * v + 1], pos[3 * v + 2] }, q[3];

      osp_grid_lps_to_index (grid, p, q);
      for (guint a = 0; a < 3; a++)
        idx[3 * v + a] = (float) q[a];
    }

  /* Each triangle's crossings with the rays along i through (j, k); two passes (count, then
   * fill) so the crossings live in one array. */
  n_rows = (guint64) grid->dims[1] * grid->dims[2];
  row_count = g_new0 (guint32, n_rows);
  row_start = g_new0 (guint64, n_rows + 1);
  for (guint pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        {
          for (guint64 r = 0; r < n_rows; r++)
            row_start[r + 1] = row_start[r] + row_count[r];
          total = row_start[n_rows];
          if (!osp_memory_check (total * sizeof (float), name, _("the voxelised mesh"), error))
            return NULL;
          hits = g_new (float, MAX (total, 1));
          memset (row_count, 0, n_rows * sizeof (guint32));
        }
      for (guint32 t = 0; t < nt; t++)
        {
          const float *a = idx + 3 * tri[3 * t], *b = idx + 3 * tri[3 * t + 1],
                      *c = idx + 3 * tri[3 * t + 2];
          double jmin = MIN (a[1], MIN (b[1], c[1])), jmax = MAX (a[1], MAX (b[1], c[1]));
          double kmin = MIN (a[2], MIN (b[2], c[2])), kmax = MAX (a[2], MAX (b[2], c[2]));
          double det = (b[1] - a[1]) * (c[2] - a[2]) - (c[1] - a[1]) * (b[2] - a[2]);
          gint64 j0 = (gint64) MAX (ceil (jmin - e1), 0), j1 = (gint64) MIN (floor (jmax - e1),
                                                                             grid->dims[1] - 1.0);
          gint64 k0 = (gint64) MAX (ceil (kmin - e2), 0), k1 = (gint64) MIN (floor (kmax - e2),
                                                                             grid->dims[2] - 1.0);

          if (det == 0 || !isfinite (det))
            continue;
          if ((t & 0xffff) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
            return NULL;
          for (gint64 k = k0; k <= k1; k++)
            for (gint64 j = j0; j <= j1; j++)
              {
                double pj = j + e1, pk = k + e2;
                /* Barycentric coordinates of (pj, pk) in the projected triangle. */
                double l1 = ((pj - a[1]) * (c[2] - a[2]) - (c[1] - a[1]) * (pk - a[2])) / det;
                double l2 = ((b[1] - a[1]) * (pk - a[2]) - (pj - a[1]) * (b[2] - a[2])) / det;
                double l0 = 1 - l1 - l2;
                guint64 r;

                if (l0 < 0 || l1 < 0 || l2 < 0)
                  continue;
                r = (guint64) j + (guint64) grid->dims[1] * (guint64) k;
                if (pass == 1)
                  hits[row_start[r] + row_count[r]] = (float) (l0 * a[0] + l1 * b[0] +
                                                               l2 * c[0]);
                row_count[r]++;
              }
        }
    }

  /* Parity along each row: voxels between crossings 2m and 2m+1 are inside. */
  for (guint64 r = 0; r < n_rows; r++)
    {
      float *h = hits + row_start[r];
      guint32 n = row_count[r];
      guint8 *row = mask->data + (gsize) grid->dims[0] * r;

      if (n < 2)
        continue;
      /* Insertion sort: rows cross a closed surface a few times. */
      for (guint32 x = 1; x < n; x++)
        {
          float v = h[x];
          guint32 y = x;

          while (y > 0 && h[y - 1] > v)
            {
              h[y] = h[y - 1];
              y--;
            }
          h[y] = v;
        }
      for (guint32 m = 0; m + 1 < n; m += 2)
        {
          double from = ceil (h[m]), to = floor (h[m + 1]);

          if (to >= (double) grid->dims[0])
            to = grid->dims[0] - 1.0;
          for (double i = MAX (from, 0); i <= to; i++)
            {
              row[(gsize) i] = value;
              n_set++;
            }
        }
    }
  if (n_set == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: the mesh covers no voxel of the CT (it is smaller than a voxel or "
                     "lies outside)"), name);
      return NULL;
    }
  return g_steal_pointer (&mask);
}

/* -- Meshing ---------------------------------------------------------------------------------- */

OspMesh *
osp_mask_to_mesh (const OspMask  *mask,
                  guint8          label,
                  guint           smooth_iterations,
                  GCancellable   *cancellable,
                  GError        **error)
{
  OspMaskBox box;
  g_autoptr(OspVolume) crop = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  const OspGrid *g;
  guint32 dims[3];
  double origin[3], first[3];
  gint16 *out;

  g_return_val_if_fail (mask != NULL, NULL);

  g = &mask->grid;
  if (!osp_mask_get_bounds (mask, label, &box))
    return osp_mesh_new (NULL, 0, NULL, 0);
  /* One voxel of background around the label, beyond the grid's edge too: a label that
   * touches the edge of the map closes half a voxel out, like everywhere else. */
  {
    gint64 lo[3];

    for (guint a = 0; a < 3; a++)
      {
        lo[a] = (gint64) box.min[a] - 1;
        dims[a] = box.max[a] - box.min[a] + 2;
        first[a] = (double) lo[a];
      }
    osp_grid_index_to_lps (g, first, origin);
    crop = osp_volume_new (dims, g->spacing, origin, g->direction, NULL, error);
    if (crop == NULL)
      return NULL;
    out = osp_volume_get_data_mutable (crop);
    for (guint32 k = 0; k < dims[2]; k++)
      for (guint32 j = 0; j < dims[1]; j++)
        {
          gint16 *o = out + (gsize) dims[0] * (j + (gsize) dims[1] * k);
          gint64 gj = lo[1] + j, gk = lo[2] + k;

          for (guint32 i = 0; i < dims[0]; i++)
            {
              gint64 gi = lo[0] + i;
              guint8 v;

              o[i] = -100;
              if (gi < 0 || gj < 0 || gk < 0 || gi >= g->dims[0] || gj >= g->dims[1] ||
                  gk >= g->dims[2])
                continue;
              v = mask->data[gi + (gsize) g->dims[0] * (gj + (gsize) g->dims[1] * gk)];
              if (label == 0 ? v != 0 : v == label)
                o[i] = 100;
            }
        }
  }
  mesh = osp_isosurface_extract (crop, 0.0, 0, NULL, cancellable, error);
  if (mesh == NULL)
    return NULL;
  if (smooth_iterations > 0)
    {
      OspMesh *smooth = osp_mesh_smooth_taubin (mesh, smooth_iterations, 0.5, -0.53);

      osp_mesh_unref (mesh);
      mesh = smooth;
    }
  return g_steal_pointer (&mesh);
}

/* -- Bone separation -------------------------------------------------------------------------- */

OspMask *
osp_mask_separate (const OspVolume  *volume,
                   const OspMask    *seeds,
                   double            threshold_hu,
                   guint8            label_a,
                   guint8            label_b,
                   guint64          *out_n_a,
                   guint64          *out_n_b,
                   GCancellable     *cancellable,
                   GError          **error)
{
  g_autoptr(OspMask) out = NULL;
  g_autoptr(GArray) front = NULL;
  g_autoptr(GArray) next = NULL;
  const OspGrid *g;
  OspGrid vg;
  const gint16 *hu;
  guint64 n_a = 0, n_b = 0, n;
  gint64 sx, sy;

  g_return_val_if_fail (volume != NULL && seeds != NULL, NULL);
  g_return_val_if_fail (label_a != 0 && label_b != 0 && label_a != label_b, NULL);
  g_return_val_if_fail (label_a != OSP_MASK_BARRIER && label_b != OSP_MASK_BARRIER, NULL);

  g = &seeds->grid;
  osp_grid_from_volume (volume, &vg);
  if (!osp_grid_check_match (&vg, g, NULL, error))
    return NULL;
  out = osp_mask_new (g, error);
  if (out == NULL)
    return NULL;
  hu = osp_volume_get_data (volume);
  n = seeds->n_voxels;
  front = g_array_new (FALSE, FALSE, sizeof (guint64));
  next = g_array_new (FALSE, FALSE, sizeof (guint64));
  /* The seeds' bone voxels start the growth. */
  for (guint64 v = 0; v < n; v++)
    {
      guint8 s = seeds->data[v];

      if ((s == label_a || s == label_b) && hu[v] >= threshold_hu)
        {
          out->data[v] = s;
          if (s == label_a)
            n_a++;
          else
            n_b++;
          g_array_append_val (front, v);
        }
    }
  if (n_a == 0 || n_b == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Paint a seed on each bone (on voxels above %.0f HU): the seed labelled "
                     "%u touches no bone"), threshold_hu, n_a == 0 ? label_a : label_b);
      return NULL;
    }
  sx = g->dims[0];
  sy = (gint64) g->dims[0] * g->dims[1];
  /* Breadth-first from both seeds at once, 26-connected: every bone voxel goes to the seed
   * that reaches it in fewer steps (ties to the one dequeued first). */
  while (front->len > 0)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      g_array_set_size (next, 0);
      for (guint64 f = 0; f < front->len; f++)
        {
          guint64 v = g_array_index (front, guint64, f);
          guint8 lab = out->data[v];
          gint64 i = v % g->dims[0], j = (v / g->dims[0]) % g->dims[1], k = v / (guint64) sy;

          for (int dk = -1; dk <= 1; dk++)
            for (int dj = -1; dj <= 1; dj++)
              for (int di = -1; di <= 1; di++)
                {
                  gint64 ni = i + di, nj = j + dj, nk = k + dk;
                  guint64 w;

                  if ((di | dj | dk) == 0 || ni < 0 || nj < 0 || nk < 0 ||
                      ni >= g->dims[0] || nj >= g->dims[1] || nk >= g->dims[2])
                    continue;
                  w = (guint64) (ni + nj * sx + nk * sy);
                  if (out->data[w] != 0 || seeds->data[w] == OSP_MASK_BARRIER ||
                      hu[w] < threshold_hu)
                    continue;
                  out->data[w] = lab;
                  if (lab == label_a)
                    n_a++;
                  else
                    n_b++;
                  g_array_append_val (next, w);
                }
        }
      {
        GArray *t = front;

        front = next;
        next = t;
      }
    }
  if (out_n_a != NULL)
    *out_n_a = n_a;
  if (out_n_b != NULL)
    *out_n_b = n_b;
  return g_steal_pointer (&out);
}

/* -- Plan file encoding ----------------------------------------------------------------------- */

#define MASK_MAGIC "OSPMASK"
#define MASK_HEADER 24

static void
put_u32le (GByteArray *out,
           guint32     v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (out, b, 4);
}

static guint32
get_u32le (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) |
         ((guint32) p[3] << 24);
}

GBytes *
osp_mask_encode (const OspMask *mask)
{
  GByteArray *out = g_byte_array_new ();
  guint64 v = 0;
  guint32 crc;

  g_byte_array_append (out, (const guint8 *) MASK_MAGIC, 8);
  put_u32le (out, 1);
  for (guint a = 0; a < 3; a++)
    put_u32le (out, mask->grid.dims[a]);
  while (v < mask->n_voxels)
    {
      guint8 value = mask->data[v];
      guint64 run = 1;

      while (v + run < mask->n_voxels && mask->data[v + run] == value && run < G_MAXUINT32)
        run++;
      g_byte_array_append (out, &value, 1);
      put_u32le (out, (guint32) run);
      v += run;
    }
  crc = (guint32) crc32 (0, out->data, out->len);
  put_u32le (out, crc);
  return g_byte_array_free_to_bytes (out);
}

gboolean
osp_mask_decode (OspMask       *mask,
                 const guint8  *data,
                 gsize          len,
                 const char    *where,
                 GError       **error)
{
  guint64 v = 0;
  gsize p;

  if (len < MASK_HEADER + 4 || memcmp (data, MASK_MAGIC, 8) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: not an Osteoplan mask"), where);
      return FALSE;
    }
  if (get_u32le (data + 8) != 1)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NEWER_VERSION,
                   _("%s: a mask of a newer version (%u)"), where, get_u32le (data + 8));
      return FALSE;
    }
  for (guint a = 0; a < 3; a++)
    if (get_u32le (data + 12 + 4 * a) != mask->grid.dims[a])
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                     _("%s: the mask’s size does not match its CT’s"), where);
        return FALSE;
      }
  if ((len - MASK_HEADER - 4) % 5 != 0 ||
      get_u32le (data + len - 4) != (guint32) crc32 (0, data, (uInt) (len - 4)))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the mask is damaged (checksum mismatch)"), where);
      return FALSE;
    }
  for (p = MASK_HEADER; p + 4 < len; p += 5)
    {
      guint8 value = data[p];
      guint32 run = get_u32le (data + p + 1);

      if (run == 0 || run > mask->n_voxels - v)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the mask’s runs do not fill its grid"), where);
          return FALSE;
        }
      memset (mask->data + v, value, run);
      v += run;
    }
  if (v != mask->n_voxels)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the mask’s runs do not fill its grid"), where);
      return FALSE;
    }
  return TRUE;
}
