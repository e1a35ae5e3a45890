/* osp-atomic-file.c
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osp-atomic-file.h"
#include "osp-error.h"

#define BUFFER_SIZE (1u << 20)

struct _OspAtomicFile
{
  char    *path;
  char    *temp_path;
  char    *display_name;
  int      fd;
  guint8  *buffer;
  gsize    buffered;
  gboolean done;
};

/* What failed: whole sentences for the translators, never pieces glued together. */
typedef enum
{
  FAILED_WRITE,
  FAILED_REPLACE,
} Failure;

static gboolean
set_errno_error (OspAtomicFile  *file,
                 int             saved_errno,
                 Failure         failure,
                 GError        **error)
{
  GFileError code = g_file_error_from_errno (saved_errno);

  if (failure == FAILED_REPLACE)
    g_set_error (error, G_FILE_ERROR, code,
                 /* TRANSLATORS: "pelvis.stl: could not replace the file: Permission denied" */
                 _("%s: could not replace the file: %s"), file->display_name,
                 g_strerror (saved_errno));
  else
    g_set_error (error, G_FILE_ERROR, code,
                 /* TRANSLATORS: "pelvis.stl: could not write: No space left on device" */
                 _("%s: could not write: %s"), file->display_name, g_strerror (saved_errno));
  return FALSE;
}

OspAtomicFile *
osp_atomic_file_new (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmpl = NULL;
  OspAtomicFile *file;
  struct stat st;
  mode_t mode;
  mode_t mask;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);

  fd = g_mkstemp_full (tmpl, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *name = osp_error_display_name (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("%s: could not create a file in its folder: %s"),
                   name, g_strerror (saved_errno));
      return NULL;
    }

  /* Keep the permissions of the file we replace; otherwise what open() would give. */
  if (stat (path, &st) == 0)
    mode = st.st_mode & 07777;
  else
    {
      mask = umask (0);
      umask (mask);
      mode = 0666 & ~mask;
    }
  if (fchmod (fd, mode) != 0)
    { /* Not fatal: the file stays private. */ }

  file = g_new0 (OspAtomicFile, 1);
  file->path = g_strdup (path);
  file->temp_path = g_steal_pointer (&tmpl);
  file->display_name = osp_error_display_name (path);
  file->fd = fd;
  file->buffer = g_malloc (BUFFER_SIZE);
  return file;
}

static gboolean
write_all (OspAtomicFile  *file,
           const guint8   *data,
           gsize           len,
           GError        **error)
{
  while (len > 0)
    {
      gssize n = write (file->fd, data, len);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return set_errno_error (file, errno, FAILED_WRITE, error);
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
flush_buffer (OspAtomicFile  *file,
              GError        **error)
{
  gsize len = file->buffered;

  file->buffered = 0;
  return write_all (file, file->buffer, len, error);
}

gboolean
osp_atomic_file_write (OspAtomicFile  *file,
                       const void     *data,
                       gsize           len,
                       GError        **error)
{
  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (!file->done, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (file->buffered + len <= BUFFER_SIZE)
    {
      memcpy (file->buffer + file->buffered, data, len);
      file->buffered += len;
      return TRUE;
    }
  if (!flush_buffer (file, error))
    return FALSE;
  if (len >= BUFFER_SIZE)
    return write_all (file, data, len, error);
  memcpy (file->buffer, data, len);
  file->buffered = len;
  return TRUE;
}

gboolean
osp_atomic_file_printf (OspAtomicFile  *file,
                        GError        **error,
                        const char     *format,
                        ...)
{
  g_autofree char *text = NULL;
  va_list args;
  int len;

  va_start (args, format);
  len = g_vasprintf (&text, format, args);
  va_end (args);
  return osp_atomic_file_write (file, text, (gsize) len, error);
}

const char *
osp_atomic_file_get_temp_path (OspAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);

  return file->temp_path;
}

gboolean
osp_atomic_file_commit (OspAtomicFile  *file,
                        GError        **error)
{
  g_autofree char *dir = NULL;
  int dir_fd;

  g_return_val_if_fail (file != NULL, FALSE);
  g_return_val_if_fail (!file->done, FALSE);

  file->done = TRUE;
  if (!flush_buffer (file, error))
    return FALSE;
  if (fsync (file->fd) != 0)
    return set_errno_error (file, errno, FAILED_WRITE, error);
  if (close (file->fd) != 0)
    {
      file->fd = -1;
      return set_errno_error (file, errno, FAILED_WRITE, error);
    }
  file->fd = -1;
  if (g_rename (file->temp_path, file->path) != 0)
    return set_errno_error (file, errno, FAILED_REPLACE, error);
  g_clear_pointer (&file->temp_path, g_free);

  /* Make the rename itself durable. */
  dir = g_path_get_dirname (file->path);
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  return TRUE;
}

void
osp_atomic_file_free (OspAtomicFile *file)
{
  if (file == NULL)
    return;
  if (file->fd >= 0)
    close (file->fd);
  if (file->temp_path != NULL)
    g_unlink (file->temp_path);
  g_free (file->path);
  g_free (file->temp_path);
  g_free (file->display_name);
  g_free (file->buffer);
  g_free (file);
}

gboolean
osp_atomic_write_contents (const char  *path,
                           const void  *data,
                           gsize        len,
                           GError     **error)
{
  g_autoptr(OspAtomicFile) file = osp_atomic_file_new (path, error);

  if (file == NULL)
    return FALSE;
  if (!osp_atomic_file_write (file, data, len, error))
    return FALSE;
  return osp_atomic_file_commit (file, error);
}
