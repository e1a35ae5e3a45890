/* fuzz-volume.c — libFuzzer target for the CT readers (NIfTI through nifticlib, DICOM through
 * the GDCM layer)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The readers take paths (nifticlib and GDCM read files themselves), so each input is written
 * to a file with the extension FUZZ_SUFFIX (".nii", ".nii.gz" or ".dcm") first.  DICOM pixels
 * are decoded in this process, not in the helper the application uses: the fuzzer is to find
 * what the checks before GDCM miss, and a helper per input would be slow.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "osp-volume-io.h"
#include "osp-volume-io-private.h"

#ifndef FUZZ_SUFFIX
#error "FUZZ_SUFFIX must be defined"
#endif

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *dir;
static char *path;

static void
cleanup (void)
{
  if (path != NULL)
    g_unlink (path);
  if (dir != NULL)
    g_rmdir (dir);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;

  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("osp-fuzz-XXXXXX", NULL);
      g_assert (dir != NULL);
      path = g_build_filename (dir, "input" FUZZ_SUFFIX, NULL);
      atexit (cleanup);
      osp_dicom_set_decode_in_process (TRUE);
    }
  if (!g_file_set_contents (path, (const char *) data, (gssize) size, NULL))
    return 0;

  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert ((volume != NULL) != (error != NULL));
  if (volume != NULL)
    {
      gint16 lo, hi;

      osp_volume_get_range (volume, &lo, &hi);
    }
  return 0;
}
