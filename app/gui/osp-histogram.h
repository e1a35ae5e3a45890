/* osp-histogram.h — a histogram of CT values with a draggable threshold marker
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Counts are drawn on a log scale (a CT is mostly air and soft tissue; bone is a thin tail),
 * values at or above the threshold in the bone colour.  Dragging or clicking moves the
 * "threshold" property; arrow keys move it by 10 HU.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OSP_TYPE_HISTOGRAM (osp_histogram_get_type ())
G_DECLARE_FINAL_TYPE (OspHistogram, osp_histogram, OSP, HISTOGRAM, GtkWidget)

GtkWidget *osp_histogram_new           (void);
/* Copies the counts: bin b covers [min_hu + b × bin_width, min_hu + (b + 1) × bin_width). */
void       osp_histogram_set_counts    (OspHistogram  *self,
                                        const guint64 *counts,
                                        guint          n_bins,
                                        int            min_hu,
                                        int            bin_width);
double     osp_histogram_get_threshold (OspHistogram  *self);
void       osp_histogram_set_threshold (OspHistogram  *self,
                                        double         threshold_hu);

G_END_DECLS
