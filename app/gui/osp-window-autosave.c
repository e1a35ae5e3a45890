/* osp-window-autosave.c — the window's autosave and the recovery of crashed sessions
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-window-private.h"

static void
autosave_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OspWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->autosave_running = FALSE;
  if (!osp_autosave_save_finish (OSP_PLAN (source), result, &error))
    g_message ("autosave: %s", error->message);
  if (self->autosave_again && !self->disposed)
    {
      self->autosave_again = FALSE;
      osp_window_autosave_now (self);
    }
}

void
osp_window_autosave_now (OspWindow *self)
{
  if (self->autosave == NULL || !osp_window_has_unsaved_work (self))
    return;
  /* The running save may have started before the last edit. */
  if (self->autosave_running)
    {
      self->autosave_again = TRUE;
      return;
    }
  self->autosave_running = TRUE;
  /* The window (and so the autosave) lives until the save completes. */
  osp_autosave_save_async (self->autosave, self->plan, NULL, autosave_done,
                           g_object_ref (self));
}

void
osp_window_keep_autosave (OspWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->autosave == NULL)
    return;
  self->keep_autosave = TRUE;
  /* A running save finishes on its own (it holds the window); else the last state is written
   * now, while the plan is still there. */
  if (!self->autosave_running && !osp_autosave_save (self->autosave, self->plan, &error))
    g_message ("autosave: %s", error->message);
}

static gboolean
autosave_tick (gpointer data)
{
  OspWindow *self = data;

  if (!self->autosave_running)
    osp_window_autosave_now (self);
  return G_SOURCE_CONTINUE;
}

/* (Re)starts the timer at the preferences' interval (0: autosave off). */
void
osp_window_start_autosave (OspWindow *self)
{
  g_autoptr(GError) error = NULL;
  guint minutes = g_settings_get_uint (self->settings, "autosave-interval");

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (minutes == 0)
    return;
  if (self->autosave == NULL)
    self->autosave = osp_autosave_new (&error);
  if (self->autosave == NULL)
    {
      g_message ("autosave: %s", error->message);
      return;
    }
  self->autosave_source = g_timeout_add_seconds (minutes * 60, autosave_tick, self);
}

static void
on_recover_clicked (GtkButton *button,
                    OspWindow *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), "path");

  g_object_set_data (G_OBJECT (self), "opening-autosave", GINT_TO_POINTER (1));
  osp_window_open_plan_now (self, (gpointer) path);
  g_object_set_data (G_OBJECT (self), "opening-autosave", NULL);
}

static void
on_recover_discard_clicked (GtkButton *button,
                            OspWindow *self)
{
  osp_autosave_remove (g_object_get_data (G_OBJECT (button), "path"));
  osp_window_update_recover (self);
}

/* The autosaves of sessions that ended without closing (a crash) are offered on the start
 * page. */
void
osp_window_update_recover (OspWindow *self)
{
  g_autoptr(GPtrArray) paths = osp_autosave_list_recoverable ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recover_list))) != NULL)
    gtk_list_box_remove (self->recover_list, child);
  for (guint i = 0; paths != NULL && i < MIN (paths->len, N_RECENT); i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);
      g_autoptr(GDateTime) time = info != NULL ? g_file_info_get_modification_date_time (info)
                                               : NULL;
      g_autofree char *when = time != NULL ? g_date_time_format (time, "%c") : NULL;
      g_autofree char *title = g_markup_escape_text (when != NULL ? when : path, -1);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *recover = gtk_button_new_with_mnemonic (_("_Recover"));
      GtkWidget *discard = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Unsaved plan of a session that "
                                                           "ended unexpectedly"));
      gtk_widget_set_valign (recover, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (discard, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (recover, "suggested-action");
      gtk_widget_add_css_class (discard, "flat");
      gtk_widget_set_tooltip_text (recover, _("Open this plan as it was last autosaved"));
      gtk_widget_set_tooltip_text (discard, _("Delete this autosave"));
      g_object_set_data_full (G_OBJECT (recover), "path", g_strdup (path), g_free);
      g_object_set_data_full (G_OBJECT (discard), "path", g_strdup (path), g_free);
      g_signal_connect (recover, "clicked", G_CALLBACK (on_recover_clicked), self);
      g_signal_connect (discard, "clicked", G_CALLBACK (on_recover_discard_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), recover);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), discard);
      gtk_list_box_append (self->recover_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recover_group), paths != NULL && paths->len > 0);
}
