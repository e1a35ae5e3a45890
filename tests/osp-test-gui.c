/* osp-test-gui.c — what the GUI tests share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "osp-test-common.h"
#include "osp-test-gui.h"

#define TIMEOUT_S 90

void
osp_test_wait_for (OspTestCondition  condition,
                   gpointer          data,
                   const char       *what)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

void
osp_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

void
osp_test_screenshot (const char *env_var,
                     const char *name)
{
  const char *dir = g_getenv (env_var);
  g_autofree char *path = NULL;
  g_autofree char *command = NULL;

  if (dir == NULL)
    return;
  osp_test_spin (1500);
  path = g_build_filename (dir, name, NULL);
  command = g_strdup_printf ("import -window root %s", path);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
}

void
osp_test_isolate_xdg (void)
{
  static const char *const xdg[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                                      "XDG_STATE_HOME" };

  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (osp_test_tmpdir (), xdg[i], NULL);

      g_setenv (xdg[i], dir, TRUE);
    }
}

gboolean
osp_test_init_display (void)
{
  if (!gtk_init_check ())
    {
      g_test_message ("no display: run under xvfb-run");
      return FALSE;
    }
  adw_init ();
  return TRUE;
}

void
osp_test_destroy_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

GtkWidget *
osp_test_find_descendant (GtkWidget *widget,
                          GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      found = osp_test_find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWindow *
osp_test_find_toplevel (GType      type,
                        GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) &&
          gtk_window_get_transient_for (toplevel) == parent)
        return toplevel;  /* GTK keeps it */
    }
  return NULL;
}
