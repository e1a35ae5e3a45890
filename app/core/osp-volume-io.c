/* osp-volume-io.c — which reader a CT path needs
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Detection is by content, not by name: a folder is a DICOM series folder; a file is NIfTI when
 * its header size says so (also through gzip), DICOM when it carries the DICM mark or starts
 * like a DICOM data set.  ANALYZE/NIfTI .img files are found through their .hdr.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "osp-error.h"
#include "osp-input.h"
#include "osp-volume-io-private.h"

static gboolean
has_suffix_ci (const char *path,
               const char *suffix)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, suffix);
}

OspVolume *
osp_volume_load (const char                 *path,
                 const OspVolumeLoadOptions *options,
                 const OspProgressRange     *progress,
                 GCancellable               *cancellable,
                 GError                    **error)
{
  static const OspVolumeLoadOptions defaults = OSP_VOLUME_LOAD_OPTIONS_INIT;
  g_autofree char *name = NULL;
  guint8 head[132];
  gsize len;
  FILE *file;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &defaults;
  name = osp_error_display_name (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return osp_dicom_load (path, options, progress, cancellable, error);

  file = osp_input_fopen (path, error);
  if (file == NULL)
    return NULL;
  len = fread (head, 1, sizeof head, file);
  fclose (file);

  /* The voxel half of an ANALYZE/NIfTI pair has no header of its own; but some old systems
   * name their DICOM files .IMG, and raw voxels never carry the DICM mark at byte 128. */
  if ((has_suffix_ci (path, ".img") || has_suffix_ci (path, ".img.gz")) &&
      !(len >= 132 && memcmp (head + 128, "DICM", 4) == 0))
    return osp_nifti_load (path, progress, cancellable, error);
  if (osp_dicom_sniff (head, len))
    return osp_dicom_load (path, options, progress, cancellable, error);
  if (osp_nifti_sniff (head, len))
    return osp_nifti_load (path, progress, cancellable, error);

  if (len == 0)
    g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT, _("%s: the file is empty"), name);
  else
    g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT,
                 _("%s: neither a NIfTI file nor DICOM"), name);
  return NULL;
}
