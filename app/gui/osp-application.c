/* osp-application.c — the Osteoplan application
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "osp-application.h"
#include "osp-gui-private.h"
#include "osp-preferences-window.h"
#include "osp-segment.h"
#include "osp-window.h"

struct _OspApplication
{
  AdwApplication parent_instance;

  gint64         start_us;
  gboolean       demo;
  gboolean       quit_after_first_frame;
  gboolean       quitting;        /* Quit is closing the windows one by one */

  /* Preferences. */
  gboolean       orthographic;
  double         bone_threshold;
  guint          smooth_iterations;
  guint          target_triangles;
};

G_DEFINE_FINAL_TYPE (OspApplication, osp_application, ADW_TYPE_APPLICATION)

enum
{
  PROP_0,
  PROP_ORTHOGRAPHIC,
  PROP_BONE_THRESHOLD,
  PROP_SMOOTH_ITERATIONS,
  PROP_TARGET_TRIANGLES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* -- Preferences -------------------------------------------------------------------------- */

static char *
settings_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "osteoplan", "settings.ini", NULL);
}

static void
load_settings (OspApplication *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *path = settings_path ();
  g_autoptr(GError) error = NULL;

  /* A missing or broken file just means the defaults. */
  if (!g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, NULL))
    return;
  self->orthographic = g_key_file_get_boolean (keys, "view", "orthographic", NULL);
  self->bone_threshold = g_key_file_get_double (keys, "ct", "bone-threshold", &error);
  if (error != NULL || !isfinite (self->bone_threshold))
    self->bone_threshold = OSP_DEFAULT_BONE_THRESHOLD_HU;
  g_clear_error (&error);
  self->bone_threshold = CLAMP (self->bone_threshold, -1000.0, 3000.0);
  self->smooth_iterations = MIN (g_key_file_get_integer (keys, "ct", "smooth-iterations",
                                                         &error), 100);
  if (error != NULL)
    self->smooth_iterations = 10;
  g_clear_error (&error);
  self->target_triangles = g_key_file_get_uint64 (keys, "ct", "target-triangles", &error);
  if (error != NULL || self->target_triangles > 20000000)
    self->target_triangles = 500000;
}

static void
save_settings (OspApplication *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *path = settings_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_key_file_set_boolean (keys, "view", "orthographic", self->orthographic);
  g_key_file_set_double (keys, "ct", "bone-threshold", self->bone_threshold);
  g_key_file_set_integer (keys, "ct", "smooth-iterations", (int) self->smooth_iterations);
  g_key_file_set_uint64 (keys, "ct", "target-triangles", self->target_triangles);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (keys, path, &error))
    g_warning ("%s: %s", path, error != NULL ? error->message : g_strerror (errno));
}

gboolean
osp_application_get_orthographic (OspApplication *self)
{
  g_return_val_if_fail (OSP_IS_APPLICATION (self), FALSE);
  return self->orthographic;
}

double
osp_application_get_bone_threshold (OspApplication *self)
{
  g_return_val_if_fail (OSP_IS_APPLICATION (self), OSP_DEFAULT_BONE_THRESHOLD_HU);
  return self->bone_threshold;
}

guint
osp_application_get_smooth_iterations (OspApplication *self)
{
  g_return_val_if_fail (OSP_IS_APPLICATION (self), 0);
  return self->smooth_iterations;
}

guint
osp_application_get_target_triangles (OspApplication *self)
{
  g_return_val_if_fail (OSP_IS_APPLICATION (self), 0);
  return self->target_triangles;
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

static void
on_frame_drawn (OspViewport    *viewport,
                OspApplication *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (viewport));

  /* Only a frame that shows the case counts, not the empty view before it. */
  if (!OSP_IS_WINDOW (root) ||
      g_list_model_get_n_items (osp_window_get_models (OSP_WINDOW (root))) == 0)
    return;
  g_print (_("First frame of the demo: %.3f s after the process started, %.3f s after main()\n"),
           seconds_since_process_start (), (g_get_monotonic_time () - self->start_us) / 1e6);
  g_signal_handlers_disconnect_by_func (viewport, on_frame_drawn, self);
  g_application_quit (G_APPLICATION (self));
}

/* -- Windows ------------------------------------------------------------------------------ */

static OspWindow *
new_window (OspApplication *self)
{
  OspWindow *window = osp_window_new (GTK_APPLICATION (self));

  osp_viewport_set_orthographic (osp_window_get_viewport (window), self->orthographic);
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
  GtkWidget *window = osp_preferences_window_new (G_OBJECT (self));

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
  load_settings (self);
  g_signal_connect (self, "window-added", G_CALLBACK (on_window_added), NULL);
  g_signal_connect (self, "window-removed", G_CALLBACK (on_window_removed), NULL);
}

static void
osp_application_shutdown (GApplication *application)
{
  save_settings (OSP_APPLICATION (application));
  G_APPLICATION_CLASS (osp_application_parent_class)->shutdown (application);
}

static void
osp_application_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  OspApplication *self = OSP_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_ORTHOGRAPHIC:
      g_value_set_boolean (value, self->orthographic);
      break;
    case PROP_BONE_THRESHOLD:
      g_value_set_double (value, self->bone_threshold);
      break;
    case PROP_SMOOTH_ITERATIONS:
      g_value_set_uint (value, self->smooth_iterations);
      break;
    case PROP_TARGET_TRIANGLES:
      g_value_set_uint (value, self->target_triangles);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_application_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  OspApplication *self = OSP_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_ORTHOGRAPHIC:
      self->orthographic = g_value_get_boolean (value);
      break;
    case PROP_BONE_THRESHOLD:
      self->bone_threshold = g_value_get_double (value);
      break;
    case PROP_SMOOTH_ITERATIONS:
      self->smooth_iterations = g_value_get_uint (value);
      break;
    case PROP_TARGET_TRIANGLES:
      self->target_triangles = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_application_class_init (OspApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = osp_application_get_property;
  object_class->set_property = osp_application_set_property;
  app_class->startup = osp_application_startup;
  app_class->shutdown = osp_application_shutdown;
  app_class->activate = osp_application_activate;
  app_class->open = osp_application_open;
  app_class->handle_local_options = osp_application_handle_local_options;

  properties[PROP_ORTHOGRAPHIC] = g_param_spec_boolean ("orthographic", NULL, NULL, FALSE, rw);
  properties[PROP_BONE_THRESHOLD] =
    g_param_spec_double ("bone-threshold", NULL, NULL, -1000.0, 3000.0,
                         OSP_DEFAULT_BONE_THRESHOLD_HU, rw);
  properties[PROP_SMOOTH_ITERATIONS] =
    g_param_spec_uint ("smooth-iterations", NULL, NULL, 0, 100, 10, rw);
  properties[PROP_TARGET_TRIANGLES] =
    g_param_spec_uint ("target-triangles", NULL, NULL, 0, 20000000, 500000, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
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

  self->bone_threshold = OSP_DEFAULT_BONE_THRESHOLD_HU;
  self->smooth_iterations = 10;
  self->target_triangles = 500000;
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
