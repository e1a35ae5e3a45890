/* main.c — osteoplan, the desktop application
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-application.h"
#include "osp-locale.h"

int
main (int    argc,
      char **argv)
{
  gint64 start_us = g_get_monotonic_time ();
  g_autoptr(OspApplication) app = NULL;

  osp_locale_init ();
  g_set_application_name (_("Osteoplan"));

  app = osp_application_new (start_us);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
