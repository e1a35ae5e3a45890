/* osp-locale.c — the user's language for every program of Osteoplan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "osp-locale.h"

void
osp_locale_init (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *dir = LOCALEDIR;

  setlocale (LC_ALL, "");
  /* Uninstalled: meson builds the catalogues under resources/po of the build tree. */
  if (exe != NULL && g_str_has_prefix (exe, OSP_BUILD_ROOT G_DIR_SEPARATOR_S))
    dir = OSP_BUILD_ROOT G_DIR_SEPARATOR_S "resources" G_DIR_SEPARATOR_S "po";
  bindtextdomain (GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
