/* osp-error.c
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <zip.h>

#include "osp-error.h"

G_DEFINE_QUARK (osp-error-quark, osp_error)

const char *
osp_error_zip_reason (int zip_error_code)
{
  switch (zip_error_code)
    {
    case ZIP_ER_EXISTS:
      return _("two of its entries have the same name");
    case ZIP_ER_INCONS:
      return _("its table of contents does not match its contents");
    case ZIP_ER_NOZIP:
      return _("it is not a zip archive");
    case ZIP_ER_CRC:
      return _("an entry is damaged (checksum mismatch)");
    case ZIP_ER_ZLIB:
      return _("compressed data in it is damaged");
    case ZIP_ER_EOF:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
      return _("it is cut short");
    case ZIP_ER_COMPNOTSUPP:
      return _("an entry uses a compression method that is not supported");
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD:
      return _("it is encrypted");
    case ZIP_ER_MEMORY:
      return _("there is not enough memory to read it");
    default:
      return NULL;
    }
}

char *
osp_error_display_name (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  base = g_path_get_basename (path);
  return g_filename_display_name (base);
}
