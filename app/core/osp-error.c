/* osp-error.c
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-error.h"

G_DEFINE_QUARK (osp-error-quark, osp_error)

char *
osp_error_display_name (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  base = g_path_get_basename (path);
  return g_filename_display_name (base);
}
