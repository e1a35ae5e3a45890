/* osp-dicom-decode-main.c — osteoplan-dicom-decode, the helper that decodes DICOM pixel data
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Started by the application (osp-dicom-decode.c), never by users: requests on stdin, answers
 * on stdout.  `--memory-limit BYTES` caps its address space, so that a file whose decoder runs
 * away fails alone.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "osp-dicom-decode-private.h"
#include "osp-locale.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

int
main (int    argc,
      char **argv)
{
  guint64 limit = 0;
  int out_fd, null_fd;

  osp_locale_init ();
  for (int i = 1; i + 1 < argc; i++)
    if (g_strcmp0 (argv[i], "--memory-limit") == 0)
      g_ascii_string_to_unsigned (argv[i + 1], 10, 0, G_MAXUINT64, &limit, NULL);
#ifndef UNDER_ASAN
  /* (AddressSanitizer reserves terabytes of address space for its shadow.) */
  if (limit > 0)
    {
      struct rlimit rl = { limit, limit };

      setrlimit (RLIMIT_AS, &rl);
    }
#endif
  /* Answers go to the parent on the original stdout; anything a library prints goes nowhere. */
  out_fd = dup (STDOUT_FILENO);
  null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (out_fd < 0 || null_fd < 0 || dup2 (null_fd, STDOUT_FILENO) < 0)
    return 1;
  close (null_fd);
  return osp_dicom_decoder_serve (STDIN_FILENO, out_fd);
}
