/* osp-memory.h — refusing work that would not fit in memory
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every allocation sized from a number in a file is first checked against the file's size
 * (by the reader) and then here, against the memory this machine can give, so a file that
 * promises too much is refused with a message instead of swapping or being killed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Memory available to this process in bytes: the smaller of MemAvailable (/proc/meminfo),
 * the cgroup limit and what RLIMIT_AS leaves beside the address space already in use (less a
 * reserve for thread stacks), or a large value where none can be read.  The environment
 * variable OSP_MEMORY_LIMIT_MB, when set, caps it (for tests). */
guint64  osp_memory_available (void);

/* Checks that `bytes` can be allocated (no more than 90 % of what is available).  On failure
 * sets OSP_ERROR_TOO_LARGE with a message "NAME: WHAT needs N MiB but only M MiB of memory is
 * available"; display_name may be NULL. */
gboolean osp_memory_check     (guint64      bytes,
                               const char  *display_name,
                               const char  *what,
                               GError     **error);

/* Multiplies and adds sizes, returning FALSE on overflow of guint64. */
gboolean osp_size_mul         (guint64  a,
                               guint64  b,
                               guint64 *out);
gboolean osp_size_add         (guint64  a,
                               guint64  b,
                               guint64 *out);

G_END_DECLS
