/* osp-input.c — opening the files a user hands us: regular files only, never blocking
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osp-error.h"
#include "osp-input.h"

static gboolean
check_mode (const char  *path,
            mode_t       mode,
            GError     **error)
{
  g_autofree char *name = NULL;

  if (S_ISREG (mode))
    return TRUE;
  name = osp_error_display_name (path);
  if (S_ISDIR (mode))
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, _("%s is a folder, not a file"), name);
  else
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                 _("%s is not an ordinary file (it is a pipe, a device or a socket): Osteoplan "
                   "reads only ordinary files"), name);
  return FALSE;
}

static void
set_open_error (const char  *path,
                int          saved_errno,
                GError     **error)
{
  g_autofree char *name = osp_error_display_name (path);

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("%s: could not open: %s"), name, g_strerror (saved_errno));
}

gboolean
osp_input_check (const char  *path,
                 GError     **error)
{
  GStatBuf st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_stat (path, &st) != 0)
    {
      set_open_error (path, errno, error);
      return FALSE;
    }
  return check_mode (path, st.st_mode, error);
}

int
osp_input_open (const char  *path,
                GError     **error)
{
  struct stat st;
  int fd;
  int flags;

  g_return_val_if_fail (path != NULL, -1);

  /* Non-blocking: opening a FIFO for reading would otherwise wait for a writer. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      set_open_error (path, errno, error);
      return -1;
    }
  if (fstat (fd, &st) != 0)
    {
      set_open_error (path, errno, error);
      close (fd);
      return -1;
    }
  if (!check_mode (path, st.st_mode, error))
    {
      close (fd);
      return -1;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

FILE *
osp_input_fopen (const char  *path,
                 GError     **error)
{
  int fd = osp_input_open (path, error);
  FILE *file;

  if (fd < 0)
    return NULL;
  file = fdopen (fd, "rb");
  if (file == NULL)
    {
      set_open_error (path, errno, error);
      close (fd);
    }
  return file;
}

gboolean
osp_input_get_contents (const char  *path,
                        gsize        max_len,
                        char       **out_contents,
                        gsize       *out_len,
                        GError     **error)
{
  g_autofree char *contents = NULL;
  struct stat st;
  gsize len = 0;
  int fd;

  g_return_val_if_fail (out_contents != NULL, FALSE);

  *out_contents = NULL;
  if (out_len != NULL)
    *out_len = 0;
  fd = osp_input_open (path, error);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0 || (guint64) st.st_size > max_len)
    {
      g_autofree char *name = osp_error_display_name (path);

      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: the file is too large (more than %zu bytes)"), name,
                   max_len);
      close (fd);
      return FALSE;
    }
  contents = g_malloc ((gsize) st.st_size + 1);
  while (len < (gsize) st.st_size)
    {
      gssize n = read (fd, contents + len, (gsize) st.st_size - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_autofree char *name = osp_error_display_name (path);
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("%s: could not read: %s"), name, g_strerror (saved_errno));
          close (fd);
          return FALSE;
        }
      if (n == 0)
        break;  /* the file shrank while being read */
      len += (gsize) n;
    }
  close (fd);
  contents[len] = '\0';
  *out_contents = g_steal_pointer (&contents);
  if (out_len != NULL)
    *out_len = len;
  return TRUE;
}

GMappedFile *
osp_input_map (const char  *path,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GMappedFile *mapped;
  int fd = osp_input_open (path, error);

  if (fd < 0)
    return NULL;
  mapped = g_mapped_file_new_from_fd (fd, FALSE, &local_error);
  close (fd);
  if (mapped == NULL)
    {
      g_autofree char *name = osp_error_display_name (path);

      g_set_error (error, local_error->domain, local_error->code, _("%s: could not read: %s"),
                   name, local_error->message);
    }
  return mapped;
}
