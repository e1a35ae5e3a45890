/* osp-dicom-decode.c — DICOM pixel data decoded in a helper process
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parent and its helper share one Unix stream socket (the helper's stdin and stdout).  A
 * request is a 32-bit size and a GVariant (REQUEST_TYPE: the path and the header fields the
 * conversion reads); the answer is a Reply and then either the values (status 0: exactly
 * rows × columns × n_frames int16 values) or a reason (status 1: UTF-8, at most
 * MAX_REASON bytes).  Both ends run on the same machine: native byte order.
 */
#include "config.h"

#include "osp-dicom-decode-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "osp-memory.h"

#define HELPER_NAME "osteoplan-dicom-decode"
/* path, transfer syntax, rows, columns, frames, slope, intercept, per-frame slopes and
 * intercepts (empty: none), has padding, padding value, has padding limit, padding limit */
#define REQUEST_TYPE "(ssuuuddadadbibi)"
#define MAX_REQUEST (64u << 20)
#define MAX_REASON 4096u
/* How long one file may take to decode (seconds); OSP_DICOM_DECODE_TIMEOUT overrides it
 * (tests). */
#define DEFAULT_TIMEOUT_S 120

typedef struct
{
  guint32 status;  /* 0: values follow, 1: a reason follows */
  guint32 reserved;
  guint64 length;  /* bytes that follow */
} Reply;

struct _OspDicomDecoder
{
  GSubprocess *process;
  int          fd;
  gboolean     alive;
};

/* ---- both sides ---- */

/* Reads exactly n bytes: 1 when read, 0 at the end of the input before the first byte, -1 on
 * an error or an end inside the block. */
static int
read_block (int     fd,
            void   *data,
            gsize   n)
{
  guint8 *p = data;
  gsize done = 0;

  while (done < n)
    {
      gssize r = read (fd, p + done, n - done);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return r == 0 && done == 0 ? 0 : -1;
      done += (gsize) r;
    }
  return 1;
}

static gboolean
write_block (int         fd,
             const void *data,
             gsize       n)
{
  const guint8 *p = data;

  while (n > 0)
    {
      /* send () on the parent's socket: a helper gone must not raise SIGPIPE there. */
      gssize w = send (fd, p, n, MSG_NOSIGNAL);

      if (w < 0 && errno == ENOTSOCK)
        w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      p += w;
      n -= (gsize) w;
    }
  return TRUE;
}

/* ---- the helper's side ---- */

static gboolean
reply (int         fd,
       guint32     status,
       const void *data,
       guint64     length)
{
  Reply r = { status, 0, length };

  return write_block (fd, &r, sizeof r) && write_block (fd, data, length);
}

/* Test hooks (the decode tests): the helper aborts or hangs on a file whose path contains
 * the value of OSP_DICOM_DECODE_TEST_ABORT or OSP_DICOM_DECODE_TEST_HANG. */
static void
test_hooks (const char *path)
{
  const char *abort_on = g_getenv ("OSP_DICOM_DECODE_TEST_ABORT");
  const char *hang_on = g_getenv ("OSP_DICOM_DECODE_TEST_HANG");

  if (abort_on != NULL && *abort_on != '\0' && strstr (path, abort_on) != NULL)
    abort ();
  while (hang_on != NULL && *hang_on != '\0' && strstr (path, hang_on) != NULL)
    g_usleep (G_USEC_PER_SEC);
}

static double *
frame_values (GVariant *array,
              guint32   n_frames)
{
  gsize n = 0;
  const double *v = g_variant_get_fixed_array (array, &n, sizeof (double));

  return n > 0 && n == n_frames ? g_memdup2 (v, n * sizeof (double)) : NULL;
}

int
osp_dicom_decoder_serve (int in_fd,
                         int out_fd)
{
  osp_dicom_gdcm_init ();
  for (;;)
    {
      guint32 size;
      guint8 *data;
      g_autoptr(GVariant) request = NULL;
      g_autoptr(GVariant) slopes = NULL;
      g_autoptr(GVariant) intercepts = NULL;
      g_autofree char *path = NULL;
      g_autofree gint16 *values = NULL;
      OspDicomHeader h;
      char *reason = NULL;
      guint64 bytes;
      int r = read_block (in_fd, &size, sizeof size);
      gboolean ok;

      if (r == 0)
        return 0;  /* the parent is done */
      if (r < 0 || size > MAX_REQUEST)
        return 1;
      data = g_malloc (MAX (size, 1));
      if (read_block (in_fd, data, size) != 1)
        {
          g_free (data);
          return 1;
        }
      request = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE (REQUEST_TYPE), data,
                                                             size, FALSE, g_free, data));
      memset (&h, 0, sizeof h);
      g_variant_get (request, "(ss" "uuudd@ad@adbibi)", &path, &h.transfer_syntax, &h.rows,
                     &h.columns, &h.n_frames, &h.slope, &h.intercept, &slopes, &intercepts,
                     &h.has_padding, &h.padding_value, &h.has_padding_limit, &h.padding_limit);
      h.is_image = TRUE;
      h.samples_per_pixel = 1;
      h.frame_slopes = frame_values (slopes, h.n_frames);
      h.frame_intercepts = frame_values (intercepts, h.n_frames);

      test_hooks (path);
      if (!osp_size_mul ((guint64) h.rows * h.columns, h.n_frames, &bytes) ||
          !osp_size_mul (bytes, sizeof (gint16), &bytes) || bytes > G_MAXSIZE ||
          (values = g_try_malloc (MAX (bytes, 1))) == NULL)
        {
          reason = g_strdup (_("out of memory"));
          ok = FALSE;
        }
      else
        ok = osp_dicom_gdcm_read_pixels (path, &h, values, &reason);
      if (ok)
        ok = reply (out_fd, 0, values, bytes);
      else
        {
          gsize length = strlen (reason);

          if (length > MAX_REASON)
            length = MAX_REASON;
          ok = reply (out_fd, 1, reason, length);
        }
      g_free (reason);
      g_free (h.transfer_syntax);
      g_free (h.frame_slopes);
      g_free (h.frame_intercepts);
      if (!ok)
        return 1;
    }
}

/* ---- the parent's side ---- */

/* The helper: OSP_DICOM_DECODER when set (tests), the one in the build tree when this
 * program runs from there, else the installed one. */
static char *
find_helper (void)
{
  const char *env = g_getenv ("OSP_DICOM_DECODER");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL && g_str_has_prefix (exe, OSP_BUILD_ROOT G_DIR_SEPARATOR_S))
    {
      char *built = g_build_filename (OSP_BUILD_ROOT, "app", "core", HELPER_NAME, NULL);

      if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
        return built;
      g_free (built);
    }
  return g_build_filename (OSP_LIBEXECDIR, HELPER_NAME, NULL);
}

OspDicomDecoder *
osp_dicom_decoder_new (guint64   memory_limit,
                       GError  **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *helper = find_helper ();
  g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, memory_limit);
  const char *argv[] = { helper, "--memory-limit", limit, NULL };
  g_autoptr(GError) local_error = NULL;
  OspDicomDecoder *decoder;
  GSubprocess *process;
  int sv[2];

  if (!g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The DICOM decoder %s is missing: reinstall Osteoplan"), helper);
      return NULL;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("The DICOM decoder cannot be started: %s"), g_strerror (saved));
      return NULL;
    }
  /* Slices of half a megabyte: large buffers save most of the wake-ups. */
  for (int k = 0; k < 2; k++)
    {
      int buffer = 4 << 20;

      setsockopt (sv[k], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
      setsockopt (sv[k], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_take_stdin_fd (launcher, sv[1]);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (sv[1]));
  process = g_subprocess_launcher_spawnv (launcher, argv, &local_error);
  g_clear_object (&launcher);  /* closes the helper's end here */
  if (process == NULL)
    {
      close (sv[0]);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The DICOM decoder cannot be started: %s"), local_error->message);
      return NULL;
    }
  decoder = g_new0 (OspDicomDecoder, 1);
  decoder->process = process;
  decoder->fd = sv[0];
  decoder->alive = TRUE;
  return decoder;
}

gboolean
osp_dicom_decoder_alive (OspDicomDecoder *decoder)
{
  g_return_val_if_fail (decoder != NULL, FALSE);

  return decoder->alive;
}

static void
kill_helper (OspDicomDecoder *decoder)
{
  if (!decoder->alive)
    return;
  decoder->alive = FALSE;
  g_subprocess_force_exit (decoder->process);
  g_subprocess_wait (decoder->process, NULL, NULL);
}

typedef enum
{
  WAIT_READY,
  WAIT_TIMEOUT,
  WAIT_CANCELLED,
} WaitResult;

/* Waits until the helper has written something (or closed its end). */
static WaitResult
wait_readable (int           fd,
               gint64        deadline,
               GCancellable *cancellable)
{
  GPollFD cancel_fd = { -1, 0, 0 };
  gboolean can_cancel = cancellable != NULL && g_cancellable_make_pollfd (cancellable,
                                                                          &cancel_fd);
  WaitResult result = WAIT_TIMEOUT;

  for (;;)
    {
      struct pollfd fds[2] = { { fd, POLLIN, 0 }, { cancel_fd.fd, POLLIN, 0 } };
      gint64 left = deadline - g_get_monotonic_time ();
      int n;

      if (g_cancellable_is_cancelled (cancellable))
        {
          result = WAIT_CANCELLED;
          break;
        }
      if (left <= 0)
        break;
      n = poll (fds, can_cancel ? 2 : 1, (int) MIN (left / 1000 + 1, 1000));
      if (n < 0 && errno != EINTR)
        {
          result = WAIT_READY;  /* the read reports it */
          break;
        }
      if (n > 0 && fds[0].revents != 0)
        {
          result = WAIT_READY;
          break;
        }
    }
  if (can_cancel)
    g_cancellable_release_fd (cancellable);
  return result;
}

/* Reads n bytes as they come, waiting at most until `deadline`: FALSE when the helper ended,
 * erred, took too long or the work was cancelled (*out_wait says which of the last two). */
static gboolean
receive (OspDicomDecoder *decoder,
         void            *data,
         gsize            n,
         gint64           deadline,
         GCancellable    *cancellable,
         WaitResult      *out_wait)
{
  guint8 *p = data;

  *out_wait = WAIT_READY;
  while (n > 0)
    {
      gssize r;

      *out_wait = wait_readable (decoder->fd, deadline, cancellable);
      if (*out_wait != WAIT_READY)
        return FALSE;
      r = recv (decoder->fd, p, n, 0);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      p += r;
      n -= (gsize) r;
    }
  return TRUE;
}

static guint
timeout_seconds (void)
{
  const char *env = g_getenv ("OSP_DICOM_DECODE_TIMEOUT");
  guint64 v;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 24 * 3600, &v, NULL))
    return (guint) v;
  return DEFAULT_TIMEOUT_S;
}

/* After a failed exchange: why, in the user's words; the helper is killed. */
static gboolean
helper_failed (OspDicomDecoder  *decoder,
               WaitResult        wait,
               guint             timeout,
               char            **out_reason)
{
  kill_helper (decoder);
  if (wait == WAIT_CANCELLED)
    *out_reason = g_strdup (_("cancelled"));
  else if (wait == WAIT_TIMEOUT)
    *out_reason = g_strdup_printf (ngettext ("the image data could not be decoded (the decoder "
                                             "took more than %u second)",
                                             "the image data could not be decoded (the decoder "
                                             "took more than %u seconds)", timeout), timeout);
  else
    *out_reason = g_strdup (_("the image data could not be decoded (the decoder crashed)"));
  return FALSE;
}

gboolean
osp_dicom_decoder_decode (OspDicomDecoder       *decoder,
                          const char            *path,
                          const OspDicomHeader  *header,
                          gint16                *out_values,
                          GCancellable          *cancellable,
                          char                 **out_reason)
{
  g_autoptr(GVariant) request = NULL;
  guint64 expected;
  guint32 size;
  guint timeout = timeout_seconds ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;
  WaitResult wait = WAIT_READY;
  const double none = 0;
  Reply r;

  g_return_val_if_fail (decoder != NULL, FALSE);
  g_return_val_if_fail (path != NULL && header != NULL && out_values != NULL, FALSE);
  g_return_val_if_fail (out_reason != NULL && *out_reason == NULL, FALSE);

  if (header->problem != NULL)
    {
      *out_reason = g_strdup (header->problem);
      return FALSE;
    }
  if (!decoder->alive)
    return helper_failed (decoder, WAIT_READY, timeout, out_reason);
  expected = (guint64) header->rows * header->columns * header->n_frames * sizeof (gint16);
  request = g_variant_ref_sink (g_variant_new (
    "(ssuuudd@ad@adbibi)", path, header->transfer_syntax != NULL ? header->transfer_syntax : "",
    header->rows, header->columns, header->n_frames, header->slope, header->intercept,
    g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE,
                               header->frame_slopes != NULL ? header->frame_slopes : &none,
                               header->frame_slopes != NULL ? header->n_frames : 0,
                               sizeof (double)),
    g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE,
                               header->frame_intercepts != NULL ? header->frame_intercepts : &none,
                               header->frame_intercepts != NULL ? header->n_frames : 0,
                               sizeof (double)),
    header->has_padding, header->padding_value, header->has_padding_limit,
    header->padding_limit));
  size = (guint32) g_variant_get_size (request);
  if (g_variant_get_size (request) > MAX_REQUEST)
    {
      *out_reason = g_strdup (_("the header is too large"));
      return FALSE;
    }
  if (!write_block (decoder->fd, &size, sizeof size) ||
      !write_block (decoder->fd, g_variant_get_data (request), size) ||
      !receive (decoder, &r, sizeof r, deadline, cancellable, &wait))
    return helper_failed (decoder, wait, timeout, out_reason);

  if (r.status == 0 && r.length == expected)
    {
      if (!receive (decoder, out_values, expected, deadline, cancellable, &wait))
        return helper_failed (decoder, wait, timeout, out_reason);
      return TRUE;
    }
  if (r.status == 1 && r.length <= MAX_REASON)
    {
      g_autofree char *text = g_malloc0 (r.length + 1);

      if (!receive (decoder, text, r.length, deadline, cancellable, &wait))
        return helper_failed (decoder, wait, timeout, out_reason);
      *out_reason = g_utf8_make_valid (text, -1);
      return FALSE;
    }
  /* An answer that does not fit the question: the helper is not to be trusted further. */
  return helper_failed (decoder, WAIT_READY, timeout, out_reason);
}

void
osp_dicom_decoder_free (OspDicomDecoder *decoder)
{
  if (decoder == NULL)
    return;
  if (decoder->alive)
    {
      guint8 byte;
      WaitResult wait;

      /* The helper exits when its input ends; give it a moment, then make sure. */
      shutdown (decoder->fd, SHUT_WR);
      (void) receive (decoder, &byte, 1, g_get_monotonic_time () + 5 * G_USEC_PER_SEC, NULL,
                      &wait);
      kill_helper (decoder);
    }
  close (decoder->fd);
  g_clear_object (&decoder->process);
  g_free (decoder);
}
