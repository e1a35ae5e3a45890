/* osp-progress.h — progress reports from long work
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Long operations take an OspProgressFunc and a GCancellable.  The function receives the
 * fraction done (0–1, never decreasing) and may be called from any thread, so it must only
 * store the value or hand it to the main loop.  Cancellation is checked often and ends the
 * operation with G_IO_ERROR_CANCELLED.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*OspProgressFunc) (double   fraction,
                                 gpointer user_data);

/* Maps a sub-task's 0–1 onto [start, start + span] of the caller's progress. */
typedef struct
{
  OspProgressFunc func;
  gpointer        user_data;
  double          start;
  double          span;
} OspProgressRange;

static inline void
osp_progress_report (const OspProgressRange *range,
                     double                  fraction)
{
  if (range != NULL && range->func != NULL)
    range->func (range->start + range->span * CLAMP (fraction, 0.0, 1.0), range->user_data);
}

static inline OspProgressRange
osp_progress_sub (const OspProgressRange *range,
                  double                  start,
                  double                  span)
{
  OspProgressRange sub = { NULL, NULL, 0.0, 1.0 };

  if (range != NULL)
    {
      sub.func = range->func;
      sub.user_data = range->user_data;
      sub.start = range->start + range->span * start;
      sub.span = range->span * span;
    }
  return sub;
}

G_END_DECLS
