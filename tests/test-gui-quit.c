/* test-gui-quit.c — Ctrl+Q never loses a plan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The shortcut is typed on the X server (xdotool, through XTEST), so it goes the way a
 * surgeon's key goes: X, GDK, the window's shortcut controllers, the application's
 * accelerator, app.quit.  Quit must close each window through its close request ("Save
 * Changes?"), stop at a Cancel, and keep the plan's autosave until it is saved or discarded.
 */
#include "config.h"

#include <adwaita.h>

#include "osp-application.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"

#define TIMEOUT_S 60

/* The autosaves of this session, alive or not (autosave-*.osteoplan in the state folder). */
static guint
count_autosaves (void)
{
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "osteoplan", NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "autosave-") && g_str_has_suffix (name, ".osteoplan"))
      n++;
  return n;
}

typedef struct
{
  guint n;
} Count;

static gboolean
has_autosaves (gpointer data)
{
  return count_autosaves () == ((Count *) data)->n;
}

static gboolean
is_active (gpointer data)
{
  return gtk_window_is_active (data);
}

static gboolean
has_question (gpointer data)
{
  return osp_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, data) != NULL;
}

static gboolean
has_any_question (gpointer data)
{
  return osp_test_find_any_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static gboolean
has_no_question (gpointer data)
{
  return osp_test_find_any_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL;
}

static gboolean
has_n_windows (gpointer data)
{
  Count *count = g_object_get_data (data, "count");

  return g_list_length (gtk_application_get_windows (data)) == count->n;
}

/* Types `keys` (xdotool's syntax, "ctrl+q") on the X server, into the focused window. */
static void
type_keys (GtkWindow  *window,
           const char *keys)
{
  const char *argv[] = { "xdotool", "key", "--clearmodifiers", keys, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  gtk_window_present (window);
  osp_test_wait_for (is_active, window, "the window to have the keyboard focus");
  osp_test_spin (100);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A window of `app` with one model: unsaved work. */
static OspWindow *
new_unsaved_window (OspApplication *app)
{
  OspWindow *window = osp_window_new (GTK_APPLICATION (app));
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(OspModel) model = osp_model_new ("Ilium", box, OSP_MODEL_ROLE_BONE);

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gtk_window_present (GTK_WINDOW (window));
  osp_window_add_model (window, model);
  g_assert_true (osp_plan_get_modified (osp_window_get_plan (window)));
  return window;
}

static OspApplication *
new_application (void)
{
  OspApplication *app = osp_application_new (g_get_monotonic_time ());
  g_autoptr(GError) error = NULL;

  /* Registering runs startup: the accelerators, Ctrl+Q among them. */
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return app;
}

static AdwMessageDialog *
wait_question (GtkWindow *window)
{
  AdwMessageDialog *dialog;

  osp_test_wait_for (has_question, window, "the Save Changes question");
  dialog = ADW_MESSAGE_DIALOG (osp_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, window));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save Changes?");
  return dialog;
}

/* Two windows with unsaved plans: Ctrl+Q asks in the first; Cancel keeps both windows, the
 * plan and its autosave, and asks nothing in the second.  Ctrl+Q again, Discard: that
 * window and its autosave go, and the quit goes on to the second window, which asks in turn. */
static void
test_quit_asks (void)
{
  g_autoptr(OspApplication) app = new_application ();
  OspWindow *first = new_unsaved_window (app);
  OspWindow *second = new_unsaved_window (app);
  Count windows = { 2 }, autosaves = { 0 };
  AdwMessageDialog *dialog;
  GtkWindow *asking;
  GtkWindow *other;

  g_object_set_data (G_OBJECT (app), "count", &windows);
  g_assert_cmpuint (count_autosaves (), ==, 0);

  type_keys (GTK_WINDOW (second), "ctrl+q");
  /* The application closes its windows in its own order: the question is in one of them. */
  osp_test_wait_for (has_any_question, NULL, "the Save Changes question");
  asking = osp_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (first)) != NULL
             ? GTK_WINDOW (first) : GTK_WINDOW (second);
  other = asking == GTK_WINDOW (first) ? GTK_WINDOW (second) : GTK_WINDOW (first);
  dialog = wait_question (asking);
  /* While it waits, the plan is in its autosave. */
  autosaves.n = 1;
  osp_test_wait_for (has_autosaves, &autosaves, "the autosave of the asking window");
  g_assert_false (has_question (other));

  /* Answered from the keyboard, as a surgeon would: Escape is Cancel, Alt+D Discard. */
  type_keys (GTK_WINDOW (dialog), "Escape");
  osp_test_wait_for (has_no_question, NULL, "the question to go");
  osp_test_spin (300);
  g_assert_false (has_question (other));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (OSP_WINDOW (asking))), ==,
                    1);
  g_assert_true (osp_plan_get_modified (osp_window_get_plan (OSP_WINDOW (asking))));
  g_assert_cmpuint (count_autosaves (), ==, 1);

  /* Again, and Discard: on purpose, so the autosave goes with the window. */
  type_keys (asking, "ctrl+q");
  dialog = wait_question (asking);
  type_keys (GTK_WINDOW (dialog), "alt+d");
  windows.n = 1;
  osp_test_wait_for (has_n_windows, app, "the discarded window to close");
  g_assert_true (gtk_application_get_windows (GTK_APPLICATION (app))->data == (gpointer) other);
  /* The quit goes on: the other window asks in turn, its plan autosaved meanwhile. */
  dialog = wait_question (other);
  osp_test_wait_for (has_autosaves, &autosaves, "the autosave of the second window");
  type_keys (GTK_WINDOW (dialog), "alt+d");
  windows.n = 0;
  osp_test_wait_for (has_n_windows, app, "the second window to close");
  autosaves.n = 0;
  osp_test_wait_for (has_autosaves, &autosaves, "the discarded autosaves to go");
  g_object_set_data (G_OBJECT (app), "count", NULL);
}

/* Ctrl+Q with nothing unsaved closes at once, without a question. */
static void
test_quit_clean (void)
{
  g_autoptr(OspApplication) app = new_application ();
  OspWindow *window = osp_window_new (GTK_APPLICATION (app));
  Count windows = { 0 };

  g_object_set_data (G_OBJECT (app), "count", &windows);
  gtk_window_present (GTK_WINDOW (window));
  type_keys (GTK_WINDOW (window), "ctrl+q");
  osp_test_wait_for (has_n_windows, app, "the window to close");
  g_assert_null (osp_test_find_any_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpuint (count_autosaves (), ==, 0);
  g_object_set_data (G_OBJECT (app), "count", NULL);
}

/* A window that goes without Save or Discard (the session ends, a caller destroys it) keeps
 * its plan in the autosave, offered for recovery at the next start. */
static void
test_destroy_keeps_autosave (void)
{
  g_autoptr(OspApplication) app = new_application ();
  OspWindow *window = new_unsaved_window (app);
  g_autoptr(GPtrArray) recoverable = NULL;
  g_autoptr(OspPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  osp_test_destroy_window (GTK_WINDOW (window));
  recoverable = osp_autosave_list_recoverable ();
  g_assert_nonnull (recoverable);
  g_assert_cmpuint (recoverable->len, ==, 1);
  plan = osp_plan_open (g_ptr_array_index (recoverable, 0), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), ==, 1);
  osp_autosave_remove (g_ptr_array_index (recoverable, 0));
  g_assert_cmpuint (count_autosaves (), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *xdotool = NULL;

  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_set_wait_timeout (TIMEOUT_S);
  if (!osp_test_init_display ())
    return 77;
  xdotool = g_find_program_in_path ("xdotool");
  if (xdotool == NULL)
    {
      /* .ci/deps installs it. */
      g_test_message ("xdotool is not installed: the shortcut cannot be typed");
      return 77;
    }

  g_test_add_func ("/gui-quit/asks", test_quit_asks);
  g_test_add_func ("/gui-quit/clean", test_quit_clean);
  g_test_add_func ("/gui-quit/destroy-keeps-autosave", test_destroy_keeps_autosave);
  return g_test_run ();
}
