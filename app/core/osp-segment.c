/* osp-segment.c — CT to bone model: the pipeline and the choice of pieces
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-segment-private.h"

typedef struct
{
  guint32 label;
  guint32 n_triangles;
} Piece;

static int
compare_pieces (gconstpointer a,
                gconstpointer b)
{
  const Piece *pa = a, *pb = b;

  /* Largest first; equal sizes in label order, so the choice is deterministic. */
  if (pa->n_triangles != pb->n_triangles)
    return pa->n_triangles > pb->n_triangles ? -1 : 1;
  return pa->label < pb->label ? -1 : pa->label > pb->label;
}

static guint32
find_root (guint32 *parent,
           guint32  v)
{
  while (parent[v] != v)
    {
      parent[v] = parent[parent[v]];  /* path halving */
      v = parent[v];
    }
  return v;
}

OspMesh *
osp_mesh_keep_largest (const OspMesh *mesh,
                       guint          keep,
                       double         min_fraction)
{
  guint32 nt, nv, n_pieces = 0;
  const guint32 *tri;
  g_autofree guint32 *parent = NULL;
  g_autofree guint32 *piece_of_root = NULL;
  g_autofree Piece *pieces = NULL;
  g_autofree gboolean *kept_piece = NULL;
  g_autofree gboolean *kept = NULL;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (min_fraction >= 0 && min_fraction <= 1, NULL);

  nt = osp_mesh_get_n_triangles (mesh);
  nv = osp_mesh_get_n_vertices (mesh);
  tri = osp_mesh_get_indices (mesh);

  /* Union–find over vertices: pieces joined through shared vertices.  On a surface from
   * osp_isosurface_extract(), a 2-manifold, that is the same as through shared edges, and far
   * cheaper than an edge map. */
  parent = g_new (guint32, (gsize) nv + 1);
  for (guint32 v = 0; v < nv; v++)
    parent[v] = v;
  for (gsize t = 0; t < nt; t++)
    for (guint c = 1; c < 3; c++)
      {
        guint32 a = find_root (parent, tri[3 * t]), b = find_root (parent, tri[3 * t + c]);

        /* The smaller index becomes the root, so the result does not depend on chance. */
        if (a < b)
          parent[b] = a;
        else if (b < a)
          parent[a] = b;
      }

  /* Pieces numbered in the order of their first triangle. */
  piece_of_root = g_new (guint32, (gsize) nv + 1);
  memset (piece_of_root, 0xff, ((gsize) nv + 1) * sizeof (guint32));
  pieces = g_new0 (Piece, (gsize) MIN (nt, nv) + 1);
  for (gsize t = 0; t < nt; t++)
    {
      guint32 root = find_root (parent, tri[3 * t]);

      if (piece_of_root[root] == G_MAXUINT32)
        {
          pieces[n_pieces].label = n_pieces;
          piece_of_root[root] = n_pieces++;
        }
      pieces[piece_of_root[root]].n_triangles++;
    }
  qsort (pieces, n_pieces, sizeof (Piece), compare_pieces);

  kept_piece = g_new0 (gboolean, (gsize) n_pieces + 1);
  for (guint32 p = 0; p < n_pieces; p++)
    if ((keep == 0 || p < keep) &&
        pieces[p].n_triangles >= min_fraction * pieces[0].n_triangles)
      kept_piece[pieces[p].label] = TRUE;

  kept = g_new (gboolean, (gsize) nt + 1);
  for (gsize t = 0; t < nt; t++)
    kept[t] = kept_piece[piece_of_root[find_root (parent, tri[3 * t])]];
  return osp_mesh_extract_triangles (mesh, kept);
}

OspMesh *
osp_segment_volume (const OspVolume         *volume,
                    const OspSegmentOptions *options,
                    const OspProgressRange  *progress,
                    GCancellable            *cancellable,
                    OspSegmentStats         *out_stats,
                    GError                 **error)
{
  static const OspSegmentOptions defaults = OSP_SEGMENT_OPTIONS_INIT;
  g_autoptr(OspMesh) raw = NULL;
  g_autoptr(OspMesh) pieces = NULL;
  g_autoptr(OspMesh) smooth = NULL;
  OspSegmentStats stats = { 0 };
  OspProgressRange sub;
  gint64 start;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->min_piece_fraction >= 0 && options->min_piece_fraction <= 1,
                        NULL);
  g_return_val_if_fail (options->max_error_mm >= 0 && isfinite (options->max_error_mm), NULL);

  start = g_get_monotonic_time ();
  sub = osp_progress_sub (progress, 0.0, 0.6);
  raw = osp_isosurface_extract (volume, options->threshold_hu, options->n_threads, &sub,
                                cancellable, error);
  if (raw == NULL)
    return NULL;
  stats.extract_s = (g_get_monotonic_time () - start) / 1e6;
  stats.n_raw_triangles = osp_mesh_get_n_triangles (raw);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  start = g_get_monotonic_time ();
  if (options->keep_pieces > 0 || options->min_piece_fraction > 0)
    pieces = osp_mesh_keep_largest (raw, options->keep_pieces, options->min_piece_fraction);
  else
    pieces = osp_mesh_ref (raw);
  g_clear_pointer (&raw, osp_mesh_unref);
  stats.pieces_s = (g_get_monotonic_time () - start) / 1e6;
  osp_progress_report (progress, 0.7);

  start = g_get_monotonic_time ();
  sub = osp_progress_sub (progress, 0.7, 0.2);
  smooth = osp_mesh_smooth_taubin_full (pieces, options->smooth_iterations, 0.5, -0.53, &sub,
                                        cancellable, error);
  if (smooth == NULL)
    return NULL;
  g_clear_pointer (&pieces, osp_mesh_unref);
  stats.smooth_s = (g_get_monotonic_time () - start) / 1e6;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  start = g_get_monotonic_time ();
  if (options->target_triangles > 0 || options->max_error_mm > 0)
    {
      OspMesh *decimated = osp_mesh_decimate_full (smooth, options->target_triangles,
                                                   options->max_error_mm,
                                                   &stats.decimate_error_mm);

      osp_mesh_unref (smooth);
      smooth = decimated;
      /* Collapsing a thin bridge can cut a sliver off: choose the pieces again. */
      if (options->keep_pieces > 0 || options->min_piece_fraction > 0)
        {
          OspMesh *kept = osp_mesh_keep_largest (smooth, options->keep_pieces,
                                                 options->min_piece_fraction);

          osp_mesh_unref (smooth);
          smooth = kept;
        }
    }
  stats.decimate_s = (g_get_monotonic_time () - start) / 1e6;
  osp_progress_report (progress, 1.0);

  if (out_stats != NULL)
    *out_stats = stats;
  return g_steal_pointer (&smooth);
}
