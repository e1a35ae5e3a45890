/* osp-volume.c
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-patient.h"
#include "osp-volume.h"

struct _OspVolume
{
  gatomicrefcount ref_count;
  guint32         dims[3];
  double          spacing[3];
  double          origin[3];
  double          direction[9];
  gint16         *data;
  char           *description;
  GPtrArray      *notes;
  OspPatient     *patient;
  guint64         content_id;  /* see osp_volume_get_content_id() */
};

/* Content ids: never 0, never reused in a process. */
static guint64
next_content_id (void)
{
  static gint64 counter;
  static GMutex lock;
  guint64 id;

  g_mutex_lock (&lock);
  id = (guint64) ++counter;
  g_mutex_unlock (&lock);
  return id;
}

static OspVolume *
volume_new (const guint32  dims[3],
            const double   spacing[3],
            const double   origin[3],
            const double  *direction,
            const char    *display_name,
            gboolean       fill,
            GError       **error)
{
  static const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  OspVolume *volume;
  guint64 n_voxels, bytes;

  g_return_val_if_fail (dims != NULL, NULL);
  g_return_val_if_fail (spacing != NULL, NULL);
  g_return_val_if_fail (origin != NULL, NULL);

  for (guint a = 0; a < 3; a++)
    {
      if (dims[a] == 0 || !isfinite (spacing[a]) || spacing[a] <= 0 || !isfinite (origin[a]))
        {
          if (display_name != NULL)
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                         _("%s: the volume has an empty dimension or an invalid spacing"),
                         display_name);
          else
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                         _("The volume has an empty dimension or an invalid spacing"));
          return NULL;
        }
    }

  n_voxels = (guint64) dims[0] * dims[1];
  if (!g_uint64_checked_mul (&n_voxels, n_voxels, dims[2]) ||
      !g_uint64_checked_mul (&bytes, n_voxels, sizeof (gint16)) ||
      bytes > G_MAXSIZE / 2)
    bytes = G_MAXUINT64;
  if (!osp_memory_check (bytes, display_name, _("the volume"), error))
    return NULL;

  volume = g_new0 (OspVolume, 1);
  g_atomic_ref_count_init (&volume->ref_count);
  memcpy (volume->dims, dims, sizeof volume->dims);
  memcpy (volume->spacing, spacing, sizeof volume->spacing);
  memcpy (volume->origin, origin, sizeof volume->origin);
  memcpy (volume->direction, direction != NULL ? direction : identity, sizeof volume->direction);
  volume->data = g_try_malloc (bytes);
  if (volume->data == NULL)
    {
      g_free (volume);
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: could not allocate %" PRIu64 " MiB for the volume"),
                   display_name != NULL ? display_name : "", bytes >> 20);
      return NULL;
    }
  if (fill)
    for (guint64 v = 0; v < n_voxels; v++)
      volume->data[v] = OSP_HU_AIR;
  volume->notes = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (volume->notes, NULL);
  volume->content_id = next_content_id ();
  return volume;
}

OspVolume *
osp_volume_new (const guint32  dims[3],
                const double   spacing[3],
                const double   origin[3],
                const double  *direction,
                const char    *display_name,
                GError       **error)
{
  return volume_new (dims, spacing, origin, direction, display_name, TRUE, error);
}

OspVolume *
osp_volume_new_unfilled (const guint32  dims[3],
                         const double   spacing[3],
                         const double   origin[3],
                         const double  *direction,
                         const char    *display_name,
                         GError       **error)
{
  return volume_new (dims, spacing, origin, direction, display_name, FALSE, error);
}

OspVolume *
osp_volume_ref (OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, NULL);

  g_atomic_ref_count_inc (&volume->ref_count);
  return volume;
}

void
osp_volume_unref (OspVolume *volume)
{
  g_return_if_fail (volume != NULL);

  if (!g_atomic_ref_count_dec (&volume->ref_count))
    return;
  g_free (volume->data);
  g_free (volume->description);
  g_ptr_array_unref (volume->notes);
  g_clear_pointer (&volume->patient, osp_patient_free);
  g_free (volume);
}

void
osp_volume_get_dims (const OspVolume *volume,
                     guint32          out_dims[3])
{
  g_return_if_fail (volume != NULL);

  memcpy (out_dims, volume->dims, sizeof volume->dims);
}

guint64
osp_volume_get_n_voxels (const OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, 0);

  return (guint64) volume->dims[0] * volume->dims[1] * volume->dims[2];
}

void
osp_volume_get_spacing (const OspVolume *volume,
                        double           out_spacing[3])
{
  g_return_if_fail (volume != NULL);

  memcpy (out_spacing, volume->spacing, sizeof volume->spacing);
}

void
osp_volume_get_origin (const OspVolume *volume,
                       double           out_origin[3])
{
  g_return_if_fail (volume != NULL);

  memcpy (out_origin, volume->origin, sizeof volume->origin);
}

void
osp_volume_get_direction (const OspVolume *volume,
                          double           out_direction[9])
{
  g_return_if_fail (volume != NULL);

  memcpy (out_direction, volume->direction, sizeof volume->direction);
}

const gint16 *
osp_volume_get_data (const OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, NULL);

  return volume->data;
}

gint16 *
osp_volume_get_data_mutable (OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, NULL);

  /* The voxels may change: what was remembered about them no longer holds. */
  volume->content_id = next_content_id ();
  return volume->data;
}

guint64
osp_volume_get_content_id (const OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, 0);

  return volume->content_id;
}

void
osp_volume_index_to_lps (const OspVolume *volume,
                         const double     ijk[3],
                         double           out_lps[3])
{
  g_return_if_fail (volume != NULL);

  for (guint c = 0; c < 3; c++)
    {
      double p = volume->origin[c];

      for (guint a = 0; a < 3; a++)
        p += ijk[a] * volume->spacing[a] * volume->direction[3 * a + c];
      out_lps[c] = p;
    }
}

void
osp_volume_get_index_to_lps (const OspVolume *volume,
                             mat4             out_matrix)
{
  g_return_if_fail (volume != NULL);

  glm_mat4_identity (out_matrix);
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 3; c++)
      out_matrix[a][c] = (float) (volume->spacing[a] * volume->direction[3 * a + c]);
  for (guint c = 0; c < 3; c++)
    out_matrix[3][c] = (float) volume->origin[c];
}

char *
osp_volume_get_orientation_name (const OspVolume *volume)
{
  static const char letters[3][2] = { { 'R', 'L' }, { 'A', 'P' }, { 'I', 'S' } };
  static const char *const planes[3] = { N_("sagittal"), N_("coronal"), N_("axial") };
  const double *d;
  double normal[3], len;
  char code[4] = { 0 };
  guint plane = 0;

  g_return_val_if_fail (volume != NULL, NULL);

  d = volume->direction;
  for (guint a = 0; a < 3; a++)
    {
      guint best = 0;

      for (guint c = 1; c < 3; c++)
        if (fabs (d[3 * a + c]) > fabs (d[3 * a + best]))
          best = c;
      code[a] = letters[best][d[3 * a + best] > 0];
    }
  /* The slice plane is named by its normal, not by axis k (which may be sheared). */
  normal[0] = d[1] * d[5] - d[2] * d[4];
  normal[1] = d[2] * d[3] - d[0] * d[5];
  normal[2] = d[0] * d[4] - d[1] * d[3];
  len = sqrt (normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
  for (guint c = 1; c < 3; c++)
    if (fabs (normal[c]) > fabs (normal[plane]))
      plane = c;
  if (len > 0 && fabs (normal[plane]) / len < cos (G_PI / 180))
    return g_strdup_printf (_("oblique %s %s"), _(planes[plane]), code);
  return g_strdup_printf ("%s %s", _(planes[plane]), code);
}

void
osp_volume_get_range (const OspVolume *volume,
                      gint16          *out_min,
                      gint16          *out_max)
{
  guint64 n;
  gint16 lo = G_MAXINT16, hi = G_MININT16;

  g_return_if_fail (volume != NULL);

  n = osp_volume_get_n_voxels (volume);
  for (guint64 v = 0; v < n; v++)
    {
      gint16 x = volume->data[v];

      lo = MIN (lo, x);
      hi = MAX (hi, x);
    }
  if (out_min != NULL)
    *out_min = lo;
  if (out_max != NULL)
    *out_max = hi;
}

void
osp_volume_histogram (const OspVolume *volume,
                      int              min_hu,
                      int              bin_width,
                      guint            n_bins,
                      guint64         *out_counts)
{
  guint64 n;

  g_return_if_fail (volume != NULL);
  g_return_if_fail (bin_width > 0);
  g_return_if_fail (n_bins > 0);
  g_return_if_fail (out_counts != NULL);

  memset (out_counts, 0, n_bins * sizeof *out_counts);
  n = osp_volume_get_n_voxels (volume);
  for (guint64 v = 0; v < n; v++)
    {
      int b = ((int) volume->data[v] - min_hu);

      b = b < 0 ? 0 : b / bin_width;
      out_counts[MIN ((guint) b, n_bins - 1)]++;
    }
}

const char *
osp_volume_get_description (const OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, NULL);

  return volume->description;
}

void
osp_volume_set_description (OspVolume  *volume,
                            const char *description)
{
  g_return_if_fail (volume != NULL);

  g_free (volume->description);
  volume->description = g_strdup (description);
}

void
osp_volume_add_note (OspVolume  *volume,
                     const char *note)
{
  g_return_if_fail (volume != NULL);
  g_return_if_fail (note != NULL);

  /* The array stays NULL-terminated. */
  g_ptr_array_insert (volume->notes, (int) volume->notes->len - 1, g_strdup (note));
}

const char *const *
osp_volume_get_notes (const OspVolume *volume,
                      guint           *out_n_notes)
{
  g_return_val_if_fail (volume != NULL, NULL);

  if (out_n_notes != NULL)
    *out_n_notes = volume->notes->len - 1;
  return (const char *const *) volume->notes->pdata;
}

const OspPatient *
osp_volume_get_patient (const OspVolume *volume)
{
  g_return_val_if_fail (volume != NULL, NULL);

  return volume->patient;
}

void
osp_volume_set_patient (OspVolume        *volume,
                        const OspPatient *patient)
{
  g_return_if_fail (volume != NULL);

  g_clear_pointer (&volume->patient, osp_patient_free);
  if (patient != NULL)
    volume->patient = osp_patient_copy (patient);
}
