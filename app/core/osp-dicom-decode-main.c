/* osp-dicom-decode-main.c — osteoplan-dicom-decode, the helper that decodes DICOM pixel data
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Started by the application (osp-dicom-decode.c), never by users: requests on stdin, answers
 * on stdout.  Each request caps its address space, so that a file whose decoder runs away
 * fails alone.
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "osp-dicom-decode-private.h"
#include "osp-locale.h"

int
main (int    argc,
      char **argv)
{
  int out_fd, null_fd;
  /* The shared memory for the values, when the parent gave one. */
  int shm_fd = fcntl (3, F_GETFD) != -1 ? 3 : -1;

  (void) argc;
  (void) argv;
  osp_locale_init ();
  /* Answers go to the parent on the original stdout; anything a library prints goes nowhere. */
  out_fd = dup (STDOUT_FILENO);
  null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (out_fd < 0 || null_fd < 0 || dup2 (null_fd, STDOUT_FILENO) < 0)
    return 1;
  close (null_fd);
  return osp_dicom_decoder_serve (STDIN_FILENO, out_fd, shm_fd);
}
