/* osp-atomic-file.h — writing a file so that it is whole or untouched
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Data goes to a temporary file in the same folder; commit flushes it, fsyncs it, renames it
 * over the target and fsyncs the folder.  Until the rename the old file is untouched, and the
 * rename is atomic, so a crash, a kill or a full disk never leaves a half-written file behind.
 * Freeing a file that was not committed removes the temporary file.
 *
 *   g_autoptr(OspAtomicFile) file = osp_atomic_file_new (path, error);
 *   if (file == NULL || !osp_atomic_file_write (file, data, len, error))
 *     return FALSE;
 *   return osp_atomic_file_commit (file, error);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _OspAtomicFile OspAtomicFile;

OspAtomicFile *osp_atomic_file_new      (const char     *path,
                                         GError        **error);
/* Buffered; errors (a full disk) are reported here or by commit. */
gboolean       osp_atomic_file_write    (OspAtomicFile  *file,
                                         const void     *data,
                                         gsize           len,
                                         GError        **error);
gboolean       osp_atomic_file_printf   (OspAtomicFile  *file,
                                         GError        **error,
                                         const char     *format,
                                         ...) G_GNUC_PRINTF (3, 4);
/* The temporary file's path (for libraries that write a path themselves). */
const char    *osp_atomic_file_get_temp_path (OspAtomicFile *file);
/* Flushes, fsyncs, renames over the target.  After this (success or not) only
 * osp_atomic_file_free() may be called. */
gboolean       osp_atomic_file_commit   (OspAtomicFile  *file,
                                         GError        **error);
/* Frees; removes the temporary file unless committed. */
void           osp_atomic_file_free     (OspAtomicFile  *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspAtomicFile, osp_atomic_file_free)

/* Writes a whole buffer atomically. */
gboolean       osp_atomic_write_contents (const char    *path,
                                          const void    *data,
                                          gsize          len,
                                          GError       **error);

G_END_DECLS
