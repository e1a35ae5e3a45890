/* osp-input.h — opening the files a user hands us: regular files only, never blocking
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A FIFO, a device or a socket named pelvis.stl or scan.dcm would block a reader forever (an
 * open or a read that never returns, which no Cancel can stop).  Every reader opens its input
 * through these: non-blocking, then refused unless it is a regular file, with a message in the
 * user's terms.  Errors use G_FILE_ERROR codes and start with the file's display name.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Checks, without opening it, that `path` names a regular file (links followed): for code that
 * hands a path to a library which opens it itself. */
gboolean     osp_input_check          (const char  *path,
                                       GError     **error);
/* Opens `path` for reading (O_NONBLOCK while opening, O_CLOEXEC) and refuses anything but a
 * regular file.  Returns the descriptor (blocking again), or -1 with the error set. */
int          osp_input_open           (const char  *path,
                                       GError     **error);
/* The same as a stdio stream ("rb"); NULL with the error set. */
FILE        *osp_input_fopen          (const char  *path,
                                       GError     **error);
/* The whole file, read (not mapped) and NUL-terminated; refused above max_len bytes (with
 * OSP_ERROR_TOO_LARGE).  Free *out_contents with g_free. */
gboolean     osp_input_get_contents   (const char  *path,
                                       gsize        max_len,
                                       char       **out_contents,
                                       gsize       *out_len,
                                       GError     **error);
/* The file mapped read-only (g_mapped_file_new_from_fd); NULL with the error set. */
GMappedFile *osp_input_map            (const char  *path,
                                       GError     **error);

G_END_DECLS
