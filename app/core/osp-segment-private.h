/* osp-segment-private.h — the stages of osp_segment_volume() with progress and cancellation
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "osp-segment.h"

G_BEGIN_DECLS

/* osp_mesh_smooth_taubin() that reports progress and stops (returning NULL with
 * G_IO_ERROR_CANCELLED) when cancelled. */
OspMesh *osp_mesh_smooth_taubin_full (const OspMesh          *mesh,
                                      guint                   iterations,
                                      double                  lambda,
                                      double                  mu,
                                      const OspProgressRange *progress,
                                      GCancellable           *cancellable,
                                      GError                **error);

G_END_DECLS
