/* osp-application.c — the Osteoplan application
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "osp-application.h"
#include "osp-gui-private.h"
#include "osp-preferences-window.h"
#include "osp-settings.h"
#include "osp-window.h"

struct _OspApplication
{
  AdwApplication parent_instance;

  gint64         start_us;
  gboolean       demo;
  gboolean       quit_after_first_frame;
  gboolean       quitting;        /* Quit is closing the windows one by one */

  GSettings     *settings;
};

G_DEFINE_FINAL_TYPE (OspApplication, osp_application, ADW_TYPE_APPLICATION)

/* -- Preferences -------------------------------------------------------------------------- */

/* Versions before GSettings kept four preferences in a key file, written at exit.  Its values
 * move to GSettings once (where the administrator has not locked them), then it goes. */
static void
migrate_key_file (OspApplication *self)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "osteoplan",
                                            "settings.ini", NULL);
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  double threshold;
  gint64 smooth;
  guint64 triangles;

  if (!g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, NULL))
    return;
  if (g_key_file_has_key (keys, "view", "orthographic", NULL) &&
      g_settings_is_writable (self->settings, "orthographic"))
    g_settings_set_boolean (self->settings, "orthographic",
                            g_key_file_get_boolean (keys, "view", "orthographic", NULL));
  threshold = g_key_file_get_double (keys, "ct", "bone-threshold", &error);
  if (error == NULL && isfinite (threshold) && threshold >= -1000.0 && threshold <= 3000.0 &&
      g_settings_is_writable (self->settings, "bone-threshold"))
    g_settings_set_double (self->settings, "bone-threshold", threshold);
  g_clear_error (&error);
  smooth = g_key_file_get_int64 (keys, "ct", "smooth-iterations", &error);
  if (error == NULL && smooth >= 0 && smooth <= 100 &&
      g_settings_is_writable (self->settings, "smooth-iterations"))
    g_settings_set_uint (self->settings, "smooth-iterations", (guint) smooth);
  g_clear_error (&error);
  triangles = g_key_file_get_uint64 (keys, "ct", "target-triangles", &error);
  if (error == NULL && triangles <= 20000000 &&
      g_settings_is_writable (self->settings, "target-triangles"))
    g_settings_set_uint (self->settings, "target-triangles", (guint) triangles);
  g_clear_error (&error);
  if (g_unlink (path) != 0)
    g_message ("%s: %s", path, g_strerror (errno));
}

GSettings *
osp_application_get_settings (OspApplication *self)
{
  g_return_val_if_fail (OSP_IS_APPLICATION (self), NULL);
  return self->settings;
}

/* -- First frame -------------------------------------------------------------------------- */

/* Seconds since this process started, from /proc (10 ms resolution), or -1. */
static double
seconds_since_process_start (void)
{
  g_autofree char *stat = NULL;
  g_autofree char *uptime = NULL;
  const char *fields;
  unsigned long long start_ticks = 0;
  double up = 0.0;
  long hz = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      !g_file_get_contents ("/proc/uptime", &uptime, NULL, NULL) || hz <= 0)
    return -1.0;
  /* Field 22 (starttime) counts from after the command name, which may hold spaces. */
  fields = strrchr (stat, ')');
  if (fields == NULL ||
      sscanf (fields + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                          "%*d %*d %*d %llu", &start_ticks) != 1 ||
      sscanf (uptime, "%lf", &up) != 1)
    return -1.0;
  return up - (double) start_ticks / hz;
}

/* User and system time of every thread so far, in seconds. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return -1.0;
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void
on_after_paint (GdkFrameClock  *clock,
                OspApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  guint64 n_triangles = 0;

  g_signal_handlers_disconnect_by_func (clock, on_after_paint, self);
  if (OSP_IS_WINDOW (window))
    n_triangles =
      osp_viewport_get_n_drawn_triangles (osp_window_get_viewport (OSP_WINDOW (window)));
  /* For tests/bench/first-frame.py, beside the probe's line (a benchmark: not translated). */
  g_print ("first-frame: wall %.3f s, cpu %.3f s, %" G_GUINT64_FORMAT " triangles "
           "(%.3f s after main())\n", seconds_since_process_start (), cpu_seconds (),
           n_triangles, (g_get_monotonic_time () - self->start_us) / 1e6);
  g_application_quit (G_APPLICATION (self));
}

static void
on_frame_drawn (OspViewport    *viewport,
                OspApplication *self)
{
  /* Only a frame that shows a model counts, not the empty view before it; it counts once GTK
   * has put it on the screen. */
  if (osp_viewport_get_n_drawn_triangles (viewport) == 0)
    return;
  g_signal_handlers_disconnect_by_func (viewport, on_frame_drawn, self);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (viewport)), "after-paint",
                    G_CALLBACK (on_after_paint), self);
}

/* -- Windows ------------------------------------------------------------------------------ */

static OspWindow *
new_window (OspApplication *self)
{
  OspWindow *window = osp_window_new (GTK_APPLICATION (self));

  osp_viewport_set_orthographic (osp_window_get_viewport (window),
                                 g_settings_get_boolean (self->settings, "orthographic"));
  if (self->quit_after_first_frame)
    g_signal_connect (osp_window_get_viewport (window), "frame-drawn",
                      G_CALLBACK (on_frame_drawn), self);
  return window;
}

static OspWindow *
get_window (OspApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (OSP_IS_WINDOW (window))
    return OSP_WINDOW (window);
  return new_window (self);
}

static void
osp_application_activate (GApplication *application)
{
  OspApplication *self = OSP_APPLICATION (application);
  OspWindow *window = get_window (self);

  g_debug ("window made %.3f s after main()", (g_get_monotonic_time () - self->start_us) / 1e6);
  /* The demo's CT is generated while the window maps. */
  if (self->demo)
    {
      self->demo = FALSE;
      osp_window_open_demo (window);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
osp_application_open (GApplication  *application,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  OspApplication *self = OSP_APPLICATION (application);
  OspWindow *window = get_window (self);

  osp_window_open_files (window, files, n_files);
  if (self->demo)
    {
      self->demo = FALSE;
      osp_window_open_demo (window);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static int
osp_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  OspApplication *self = OSP_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("osteoplan %s\n", PACKAGE_VERSION);
      return 0;
    }
  self->demo = g_variant_dict_contains (options, "demo");
  self->quit_after_first_frame = g_variant_dict_contains (options, "quit-after-first-frame");
  return -1;
}

/* -- Actions ------------------------------------------------------------------------------ */

/* Quit closes the main windows one at a time, each through its close request: a window with
 * unsaved work asks "Save Changes?" and the next one is closed only once it has gone.  Cancel
 * stops the quit there, and the plan, its window and its autosave stay. */
static void
quit_next (OspApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (OSP_IS_WINDOW (l->data))
      {
        self->quitting = TRUE;
        /* Closes at once without unsaved work: window-removed calls quit_next again. */
        gtk_window_close (l->data);
        return;
      }
  /* Every case is closed: the other windows (preferences, help) go too. */
  self->quitting = FALSE;
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);
}

static void
on_close_cancelled (OspWindow      *window,
                    OspApplication *self)
{
  self->quitting = FALSE;
}

static void
on_window_added (GtkApplication *application,
                 GtkWindow      *window,
                 gpointer        data)
{
  if (OSP_IS_WINDOW (window))
    g_signal_connect_object (window, "close-cancelled", G_CALLBACK (on_close_cancelled),
                             application, 0);
}

static void
on_window_removed (GtkApplication *application,
                   GtkWindow      *window,
                   gpointer        data)
{
  OspApplication *self = OSP_APPLICATION (application);

  if (self->quitting)
    quit_next (self);
}

static void
action_quit (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  /* Closing the windows (rather than g_application_quit) lets them ask about unsaved work and
   * cancel their jobs. */
  quit_next (OSP_APPLICATION (user_data));
}

static void
action_new_window (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (new_window (OSP_APPLICATION (user_data))));
}

static void
action_preferences (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  OspApplication *self = user_data;
  GtkWidget *window = osp_preferences_window_new (self->settings);

  gtk_window_set_transient_for (GTK_WINDOW (window),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (window));
}

static void
action_about (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  OspApplication *self = user_data;
  static const char *developers[] = { "The Osteoplan developers", NULL };
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about,
                "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                "application-name", _("Osteoplan"),
                "application-icon", APPLICATION_ID,
                "version", PACKAGE_VERSION,
                "developer-name", _("The Osteoplan developers"),
                "developers", developers,
                "comments", _("Plan pelvic reconstruction surgery with 3D printing: open the "
                              "patient’s CT, cut the bone, mirror the healthy side, place "
                              "implants and export models for the printer.\n\n"
                              "Osteoplan is a planning aid. It is not a certified medical "
                              "device; every plan must be checked by the surgeon."),
                "license-type", GTK_LICENSE_GPL_3_0,
                "copyright", "© 2026 The Osteoplan developers",
                "website", "https://github.com/osteoplan/osteoplan",
                "issue-url", "https://github.com/osteoplan/osteoplan/issues",
                NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_application_startup (GApplication *application)
{
  OspApplication *self = OSP_APPLICATION (application);
  static const GActionEntry entries[] = {
    { .name = "quit", .activate = action_quit },
    { .name = "new-window", .activate = action_new_window },
    { .name = "preferences", .activate = action_preferences },
    { .name = "about", .activate = action_about },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *new_window_accels[] = { "<Control>n", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (osp_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-window",
                                         new_window_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.help", help_accels);
  self->settings = osp_settings_new ();
  migrate_key_file (self);
  g_signal_connect (self, "window-added", G_CALLBACK (on_window_added), NULL);
  g_signal_connect (self, "window-removed", G_CALLBACK (on_window_removed), NULL);
}

static void
osp_application_dispose (GObject *object)
{
  OspApplication *self = OSP_APPLICATION (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (osp_application_parent_class)->dispose (object);
}

static void
osp_application_class_init (OspApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = osp_application_dispose;
  app_class->startup = osp_application_startup;
  app_class->activate = osp_application_activate;
  app_class->open = osp_application_open;
  app_class->handle_local_options = osp_application_handle_local_options;
}

static void
osp_application_init (OspApplication *self)
{
  static const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the demo case (a synthetic pelvis CT)"), NULL },
    { "quit-after-first-frame", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Print the time from start to the first frame of a case, then quit (benchmark)"),
      NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self),
                                                      _("[FILE… | CT FOLDER…]"));
}

OspApplication *
osp_application_new (gint64 start_us)
{
  OspApplication *self;

  /* NON_UNIQUE: every launch is its own process with its own case, and no D-Bus session
   * is needed on a hospital workstation. */
  self = g_object_new (OSP_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", OSP_RESOURCE_PATH,
                       NULL);
  self->start_us = start_us;
  return self;
}
