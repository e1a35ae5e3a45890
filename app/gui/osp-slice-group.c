/* osp-slice-group.c — what the slice views of a window share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-slice-group.h"

#include <string.h>

struct _OspSliceGroup
{
  GObject           parent_instance;

  OspVolume        *volume;
  double            crosshair[3];
  double            window, level;
  gboolean          outline;
  double            threshold;
  GListModel       *models;
  GArray           *planes;        /* OspPlane */
  GArray           *plane_rgb;     /* float */
  GArray           *marks;         /* double */
  GArray           *mark_rgb;      /* float */
  GArray           *measure_segments; /* float × 6: distances, angle legs */
  GArray           *measure_markers;  /* float × 3: landmarks */
  GArray           *label_points;     /* float × 3 */
  GPtrArray        *labels;           /* char *, parallel */
  const guint8     *mask;
  guint32           mask_dims[3];
  float             mask_index_to_lps[16];
  OspSliceTextures *textures;
  guint             n_gl_users;
};

G_DEFINE_FINAL_TYPE (OspSliceGroup, osp_slice_group, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_VOLUME_CHANGED,
  SIGNAL_MODELS_CHANGED,
  SIGNAL_MASK_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
changed (OspSliceGroup *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

OspSliceGroup *
osp_slice_group_new (void)
{
  return g_object_new (OSP_TYPE_SLICE_GROUP, NULL);
}

void
osp_slice_group_set_volume (OspSliceGroup *self,
                            OspVolume     *volume)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));

  if (volume == self->volume)
    return;
  if (volume != NULL)
    osp_volume_ref (volume);
  g_clear_pointer (&self->volume, osp_volume_unref);
  self->volume = volume;
  if (volume != NULL)
    for (int a = 0; a < 3; a++)
      {
        double lo, hi;

        osp_volume_get_lps_range (volume, a, &lo, &hi);
        self->crosshair[a] = 0.5 * (lo + hi);
      }
  g_signal_emit (self, signals[SIGNAL_VOLUME_CHANGED], 0);
  changed (self);
}

OspVolume *
osp_slice_group_get_volume (OspSliceGroup *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), NULL);
  return self->volume;
}

void
osp_slice_group_set_crosshair (OspSliceGroup *self,
                               const double   lps[3])
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self) && lps != NULL);

  if (memcmp (self->crosshair, lps, sizeof self->crosshair) == 0)
    return;
  memcpy (self->crosshair, lps, sizeof self->crosshair);
  changed (self);
}

void
osp_slice_group_get_crosshair (OspSliceGroup *self,
                               double         out_lps[3])
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));
  memcpy (out_lps, self->crosshair, sizeof self->crosshair);
}

void
osp_slice_group_set_window (OspSliceGroup *self,
                            double         window,
                            double         level)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));

  window = CLAMP (window, 1.0, 10000.0);
  level = CLAMP (level, -2000.0, 5000.0);
  if (window == self->window && level == self->level)
    return;
  self->window = window;
  self->level = level;
  changed (self);
}

void
osp_slice_group_get_window (OspSliceGroup *self,
                            double        *out_window,
                            double        *out_level)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));
  *out_window = self->window;
  *out_level = self->level;
}

void
osp_slice_group_set_outline (OspSliceGroup *self,
                             gboolean       show,
                             double         threshold)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));

  if (self->outline == show && self->threshold == threshold)
    return;
  self->outline = show;
  self->threshold = threshold;
  changed (self);
}

gboolean
osp_slice_group_get_outline (OspSliceGroup *self,
                             double        *out_threshold)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), FALSE);
  if (out_threshold != NULL)
    *out_threshold = self->threshold;
  return self->outline;
}

void
osp_slice_group_set_models (OspSliceGroup *self,
                            GListModel    *models)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));

  if (!g_set_object (&self->models, models))
    return;
  g_signal_emit (self, signals[SIGNAL_MODELS_CHANGED], 0);
  changed (self);
}

GListModel *
osp_slice_group_get_models (OspSliceGroup *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), NULL);
  return self->models;
}

void
osp_slice_group_set_planes (OspSliceGroup  *self,
                            const OspPlane *planes,
                            const float    *rgb,
                            guint           n_planes)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));
  g_return_if_fail (n_planes == 0 || (planes != NULL && rgb != NULL));

  g_array_set_size (self->planes, 0);
  g_array_set_size (self->plane_rgb, 0);
  g_array_append_vals (self->planes, planes, n_planes);
  g_array_append_vals (self->plane_rgb, rgb, 3 * n_planes);
  changed (self);
}

const OspPlane *
osp_slice_group_get_planes (OspSliceGroup  *self,
                            const float   **out_rgb,
                            guint          *out_n_planes)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), NULL);
  *out_rgb = (const float *) self->plane_rgb->data;
  *out_n_planes = self->planes->len;
  return (const OspPlane *) self->planes->data;
}

void
osp_slice_group_set_marks (OspSliceGroup *self,
                           const double  *points,
                           const float   *rgb,
                           guint          n_points)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));
  g_return_if_fail (n_points == 0 || (points != NULL && rgb != NULL));

  g_array_set_size (self->marks, 0);
  g_array_set_size (self->mark_rgb, 0);
  g_array_append_vals (self->marks, points, 3 * n_points);
  g_array_append_vals (self->mark_rgb, rgb, 3 * n_points);
  changed (self);
}

void
osp_slice_group_set_measurements (OspSliceGroup      *self,
                                  const float        *segments,
                                  guint               n_segments,
                                  const float        *markers,
                                  guint               n_markers,
                                  const float        *label_points,
                                  const char *const  *labels,
                                  guint               n_labels)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));
  g_return_if_fail (n_segments == 0 || segments != NULL);
  g_return_if_fail (n_markers == 0 || markers != NULL);
  g_return_if_fail (n_labels == 0 || (label_points != NULL && labels != NULL));

  g_array_set_size (self->measure_segments, 0);
  g_array_append_vals (self->measure_segments, segments, 6 * n_segments);
  g_array_set_size (self->measure_markers, 0);
  g_array_append_vals (self->measure_markers, markers, 3 * n_markers);
  g_array_set_size (self->label_points, 0);
  g_array_append_vals (self->label_points, label_points, 3 * n_labels);
  g_ptr_array_set_size (self->labels, 0);
  for (guint i = 0; i < n_labels; i++)
    g_ptr_array_add (self->labels, g_strdup (labels[i]));
  changed (self);
}

void
osp_slice_group_get_measurements (OspSliceGroup       *self,
                                  const float        **out_segments,
                                  guint               *out_n_segments,
                                  const float        **out_markers,
                                  guint               *out_n_markers,
                                  const float        **out_label_points,
                                  const char *const  **out_labels,
                                  guint               *out_n_labels)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));

  *out_segments = (const float *) (void *) self->measure_segments->data;
  *out_n_segments = self->measure_segments->len / 6;
  *out_markers = (const float *) (void *) self->measure_markers->data;
  *out_n_markers = self->measure_markers->len / 3;
  *out_label_points = (const float *) (void *) self->label_points->data;
  *out_labels = (const char *const *) self->labels->pdata;
  *out_n_labels = self->labels->len;
}

const double *
osp_slice_group_get_marks (OspSliceGroup  *self,
                           const float   **out_rgb,
                           guint          *out_n_points)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), NULL);
  *out_rgb = (const float *) self->mark_rgb->data;
  *out_n_points = self->marks->len / 3;
  return (const double *) self->marks->data;
}

void
osp_slice_group_set_mask (OspSliceGroup *self,
                          const guint8  *voxels,
                          const guint32  dims[3],
                          const float   *index_to_lps)
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self));

  self->mask = voxels;
  if (voxels != NULL)
    {
      g_return_if_fail (dims != NULL && index_to_lps != NULL);
      memcpy (self->mask_dims, dims, sizeof self->mask_dims);
      memcpy (self->mask_index_to_lps, index_to_lps, sizeof self->mask_index_to_lps);
    }
  changed (self);
}

void
osp_slice_group_mask_changed (OspSliceGroup *self,
                              const guint32  min[3],
                              const guint32  max[3])
{
  g_return_if_fail (OSP_IS_SLICE_GROUP (self) && min != NULL && max != NULL);

  g_signal_emit (self, signals[SIGNAL_MASK_CHANGED], 0, min, max);
  changed (self);
}

const guint8 *
osp_slice_group_get_mask (OspSliceGroup *self,
                          guint32        out_dims[3],
                          float         *out_index_to_lps)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), NULL);
  if (self->mask != NULL)
    {
      memcpy (out_dims, self->mask_dims, sizeof self->mask_dims);
      memcpy (out_index_to_lps, self->mask_index_to_lps, sizeof self->mask_index_to_lps);
    }
  return self->mask;
}

OspSliceTextures *
osp_slice_group_get_textures (OspSliceGroup *self)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), NULL);
  return self->textures;
}

guint
osp_slice_group_count_gl_user (OspSliceGroup *self,
                               int            delta)
{
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (self), 0);
  g_return_val_if_fail (delta >= 0 || self->n_gl_users > 0, 0);

  self->n_gl_users += delta;
  return self->n_gl_users;
}

static void
osp_slice_group_finalize (GObject *object)
{
  OspSliceGroup *self = OSP_SLICE_GROUP (object);

  g_clear_pointer (&self->volume, osp_volume_unref);
  g_clear_object (&self->models);
  g_array_unref (self->planes);
  g_array_unref (self->plane_rgb);
  g_array_unref (self->marks);
  g_array_unref (self->mark_rgb);
  g_array_unref (self->measure_segments);
  g_array_unref (self->measure_markers);
  g_array_unref (self->label_points);
  g_ptr_array_unref (self->labels);
  osp_slice_textures_unref (self->textures);
  G_OBJECT_CLASS (osp_slice_group_parent_class)->finalize (object);
}

static void
osp_slice_group_class_init (OspSliceGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = osp_slice_group_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  signals[SIGNAL_VOLUME_CHANGED] = g_signal_new ("volume-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);
  signals[SIGNAL_MODELS_CHANGED] = g_signal_new ("models-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);
  signals[SIGNAL_MASK_CHANGED] = g_signal_new ("mask-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
}

static void
osp_slice_group_init (OspSliceGroup *self)
{
  osp_window_preset (OSP_WINDOW_BONE, &self->window, &self->level);
  self->threshold = 250.0;
  self->planes = g_array_new (FALSE, FALSE, sizeof (OspPlane));
  self->plane_rgb = g_array_new (FALSE, FALSE, sizeof (float));
  self->marks = g_array_new (FALSE, FALSE, sizeof (double));
  self->mark_rgb = g_array_new (FALSE, FALSE, sizeof (float));
  self->measure_segments = g_array_new (FALSE, FALSE, sizeof (float));
  self->measure_markers = g_array_new (FALSE, FALSE, sizeof (float));
  self->label_points = g_array_new (FALSE, FALSE, sizeof (float));
  self->labels = g_ptr_array_new_with_free_func (g_free);
  /* The textures are GL names of the views' share group; the views' renderers hold
   * references and the last one freed deletes them. */
  self->textures = osp_slice_textures_new ();
}
