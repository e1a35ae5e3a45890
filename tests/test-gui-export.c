/* test-gui-export.c — the export dialog under Xvfb: check, repair, export
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dialog lists the models, the check finds a planted defect (a box with one face missing)
 * "not ready", repairing it and using the repair makes it ready (also as an undoable plan
 * command), a printer too small makes a model not ready, and the export writes a 3MF that
 * osp_mesh_load() reads back with every triangle.  Skips when there is no display.
 *
 * OSP_TEST_HOLD_S=N keeps the dialog of /gui-export/window on screen N seconds (screenshots).
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "osp-check-report.h"
#include "osp-export-dialog.h"
#include "osp-mesh-io.h"
#include "osp-model.h"
#include "osp-plan.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-window.h"

/* Generous for these waits, even under AddressSanitizer on two shared cores. */
#define TIMEOUT_S 40

static gboolean
dialog_idle (gpointer data)
{
  return !osp_export_dialog_get_busy (data);
}

/* Runs the main loop until the dialog's checks, repairs and exports are done. */
static void
wait_idle (OspExportDialog *dialog)
{
  osp_test_wait_for (dialog_idle, dialog, "the export dialog");
  /* Let the rows and toasts update. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A 20 mm box with one face (two triangles) missing: a hole of four edges. */
static OspMesh *
make_open_box (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (20, 20, 20);
  guint32 n = osp_mesh_get_n_triangles (box);
  g_autofree gboolean *keep = g_new (gboolean, n);

  for (guint32 t = 0; t < n; t++)
    keep[t] = t < n - 2;
  return osp_mesh_extract_triangles (box, keep);
}

/* Two models: a closed 30 × 20 × 150 mm bar (bone) and the open box (implant, with a name that
 * is not valid markup), moved aside so the two do not overlap in the exported file. */
static void
add_models (GListStore *store)
{
  static const float moved[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 60, 0, 0, 1 };
  g_autoptr(OspMesh) bar = osp_test_make_box (30, 20, 150);
  g_autoptr(OspMesh) open_box = make_open_box ();
  g_autoptr(OspModel) bone = osp_model_new ("Left hemipelvis", bar, OSP_MODEL_ROLE_BONE);
  g_autoptr(OspModel) implant = osp_model_new ("Cup <L> & liner", open_box,
                                               OSP_MODEL_ROLE_IMPLANT);

  osp_model_set_transform (implant, moved);
  g_list_store_append (store, bone);
  g_list_store_append (store, implant);
}

static OspPrintVerdict
verdict_of (OspExportDialog *dialog,
            guint            index)
{
  OspPrintVerdict verdict = OSP_PRINT_READY;

  g_assert_true (osp_export_dialog_get_verdict (dialog, index, &verdict));
  return verdict;
}

static void
test_check (void)
{
  g_autoptr(GListStore) store = g_list_store_new (OSP_TYPE_MODEL);
  OspExportDialog *dialog;

  add_models (store);
  dialog = osp_export_dialog_new (NULL, G_LIST_MODEL (store), "pelvis");
  gtk_window_present (GTK_WINDOW (dialog));
  wait_idle (dialog);

  g_assert_cmpuint (osp_export_dialog_get_n_models (dialog), ==, 2);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_READY);
  g_assert_cmpint (verdict_of (dialog, 1), ==, OSP_PRINT_NOT_READY);

  /* Unchecked models are neither checked nor exported. */
  osp_export_dialog_set_model_checked (dialog, 1, FALSE);
  g_assert_false (osp_export_dialog_get_verdict (dialog, 1, NULL));
  osp_export_dialog_set_model_checked (dialog, 1, TRUE);
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 1), ==, OSP_PRINT_NOT_READY);

  /* 150 mm does not fit a 141 × 79 × 120 mm printer in any orientation. */
  g_assert_true (osp_export_dialog_set_printer (dialog, "shining3d-accufab-l4k"));
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_NOT_READY);
  g_assert_true (osp_export_dialog_set_printer (dialog, "prusa-xl"));
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_READY);

  /* A wall limit above the box's 20 mm thickness. */
  osp_export_dialog_set_min_wall (dialog, 21.0);
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_NOT_READY);
  g_assert_false (osp_export_dialog_set_printer (dialog, "no-such-printer"));

  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
on_exported (OspExportDialog *dialog,
             const char      *path,
             gpointer         user_data)
{
  char **exported = user_data;

  g_free (*exported);
  *exported = g_strdup (path);
}

static void
test_repair_export (void)
{
  g_autoptr(GListStore) store = g_list_store_new (OSP_TYPE_MODEL);
  g_autoptr(OspModel) implant = NULL;
  g_autoptr(OspMesh) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "pelvis.3mf", NULL);
  g_autofree char *exported = NULL;
  OspExportDialog *dialog;
  const char *summary;

  add_models (store);
  implant = g_list_model_get_item (G_LIST_MODEL (store), 1);
  dialog = osp_export_dialog_new (NULL, G_LIST_MODEL (store), "pelvis");
  gtk_window_present (GTK_WINDOW (dialog));
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 1), ==, OSP_PRINT_NOT_READY);

  /* The repair leaves the model alone until it is used. */
  osp_export_dialog_repair (dialog, 1);
  wait_idle (dialog);
  summary = osp_export_dialog_get_repair_summary (dialog, 1);
  g_assert_nonnull (summary);
  g_assert_nonnull (strstr (summary, "hole"));
  g_assert_cmpuint (osp_model_get_n_triangles (implant), ==, 10);
  g_assert_cmpint (verdict_of (dialog, 1), ==, OSP_PRINT_NOT_READY);

  osp_export_dialog_use_repaired (dialog, 1);
  wait_idle (dialog);
  g_assert_null (osp_export_dialog_get_repair_summary (dialog, 1));
  g_assert_cmpuint (osp_model_get_n_triangles (implant), ==, 12);
  g_assert_cmpint (verdict_of (dialog, 1), ==, OSP_PRINT_READY);

  g_signal_connect (dialog, "exported", G_CALLBACK (on_exported), &exported);
  osp_export_dialog_set_format (dialog, OSP_EXPORT_3MF, FALSE);
  osp_export_dialog_export_to (dialog, path);
  wait_idle (dialog);
  g_assert_cmpstr (exported, ==, path);
  g_assert_null (osp_export_dialog_get_last_error (dialog));
  g_assert_cmpstr (osp_export_dialog_get_last_message (dialog), ==,
                   "Exported 2 models to pelvis.3mf");
  loaded = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_mesh_get_n_triangles (loaded), ==, 12 + 12);

  /* One STL per model. */
  {
    g_autofree char *stl = g_build_filename (osp_test_tmpdir (), "case.stl", NULL);
    g_autofree char *first = g_build_filename (osp_test_tmpdir (), "case-Left-hemipelvis.stl",
                                               NULL);
    g_autoptr(OspMesh) bone = NULL;

    osp_export_dialog_set_format (dialog, OSP_EXPORT_STL, FALSE);
    osp_export_dialog_export_to (dialog, stl);
    wait_idle (dialog);
    g_assert_null (osp_export_dialog_get_last_error (dialog));
    g_assert_nonnull (strstr (osp_export_dialog_get_last_message (dialog), "2 files"));
    bone = osp_mesh_load (first, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (osp_mesh_get_n_triangles (bone), ==, 12);
  }

  /* A folder that does not exist: an error that names the file, and the dialog goes on. */
  {
    g_autofree char *bad = g_build_filename (osp_test_tmpdir (), "missing", "x.3mf", NULL);

    osp_export_dialog_set_format (dialog, OSP_EXPORT_3MF, FALSE);
    osp_export_dialog_export_to (dialog, bad);
    wait_idle (dialog);
    g_assert_nonnull (osp_export_dialog_get_last_error (dialog));
    g_assert_nonnull (strstr (osp_export_dialog_get_last_error (dialog), "x.3mf"));
    g_assert_false (osp_export_dialog_get_busy (dialog));
  }

  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* With a plan as the list, "Use Repaired" is one undoable step. */
static void
test_plan_undo (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspMesh) open_box = make_open_box ();
  g_autoptr(OspModel) model = osp_model_new ("Template", open_box, OSP_MODEL_ROLE_TEMPLATE);
  g_autoptr(OspCommand) add = osp_command_new_add_model (model, -1, NULL);
  g_autoptr(GError) error = NULL;
  OspExportDialog *dialog;
  guint n_undo;

  g_assert_true (osp_plan_execute (plan, add, &error));
  g_assert_no_error (error);
  n_undo = osp_plan_get_n_undo (plan);

  dialog = osp_export_dialog_new (NULL, G_LIST_MODEL (plan), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_NOT_READY);
  osp_export_dialog_repair (dialog, 0);
  wait_idle (dialog);
  osp_export_dialog_use_repaired (dialog, 0);
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_READY);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, n_undo + 1);
  g_assert_cmpuint (osp_model_get_n_triangles (model), ==, 12);

  g_assert_true (osp_plan_undo (plan));
  wait_idle (dialog);
  g_assert_cmpuint (osp_model_get_n_triangles (model), ==, 10);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_NOT_READY);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The weak pointer to a dialog is NULL: it is finalized. */
static gboolean
dialog_gone (gpointer data)
{
  return *(OspExportDialog **) data == NULL;
}

/* Cancel stops the check; closing the dialog while it checks drops the result safely. */
static void
test_cancel (void)
{
  g_autoptr(GListStore) store = g_list_store_new (OSP_TYPE_MODEL);
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (40, 256, 128);
  g_autoptr(OspModel) model = osp_model_new ("Femoral head", sphere, OSP_MODEL_ROLE_BONE);
  OspExportDialog *dialog;

  g_list_store_append (store, model);
  dialog = osp_export_dialog_new (NULL, G_LIST_MODEL (store), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (osp_export_dialog_get_busy (dialog));
  osp_export_dialog_cancel (dialog);
  wait_idle (dialog);
  g_assert_false (osp_export_dialog_get_verdict (dialog, 0, NULL));
  /* A change of settings checks again. */
  osp_export_dialog_set_min_wall (dialog, 1.0);
  wait_idle (dialog);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_READY);

  osp_export_dialog_set_min_wall (dialog, 2.0);
  osp_export_dialog_repair (dialog, 0);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  osp_test_wait_for (dialog_gone, &dialog, "the closed dialog's work");
}

/* Export… (Ctrl+E) asks to confirm when a model is not ready, then asks for the file. */
static void
test_export_action (void)
{
  g_autoptr(GListStore) store = g_list_store_new (OSP_TYPE_MODEL);
  OspExportDialog *dialog;

  /* In a process of its own: with the window test, the file chooser takes the process past
   * about 2048 quarks, and GLib then abandons its first 16 KiB quark table by design.  LSan
   * reports that block and no suppression can match it (its stack stops in g_malloc). */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  add_models (store);
  dialog = osp_export_dialog_new (NULL, G_LIST_MODEL (store), "pelvis");
  gtk_window_present (GTK_WINDOW (dialog));
  wait_idle (dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.export", NULL));
  g_assert_nonnull (osp_test_find_any_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_null (osp_test_find_any_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
  gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Only the ready model: straight to the file chooser. */
  g_list_store_remove (store, 1);
  dialog = osp_export_dialog_new (NULL, G_LIST_MODEL (store), "pelvis");
  gtk_window_present (GTK_WINDOW (dialog));
  wait_idle (dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.export", NULL));
  g_assert_nonnull (osp_test_find_any_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
  gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (osp_test_find_any_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
}

/* The report widget: seven lines, the failed ones marked. */
static void
test_report_widget (void)
{
  g_autoptr(OspMesh) open_box = make_open_box ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPrintReport) report = NULL;
  OspPrintCheckOptions options;
  GtkWidget *view = g_object_ref_sink (osp_check_report_new ());
  const char *text = NULL;

  osp_print_check_options_init (&options);
  report = osp_print_check (open_box, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_check_report_get_n_lines (OSP_CHECK_REPORT (view)), ==, 1);
  osp_check_report_set_report (OSP_CHECK_REPORT (view), report, options.min_wall);
  g_assert_cmpuint (osp_check_report_get_n_lines (OSP_CHECK_REPORT (view)), ==, 7);
  g_assert_cmpint (osp_check_report_get_line (OSP_CHECK_REPORT (view), 0, &text), ==,
                   OSP_CHECK_LINE_FAILED);
  g_assert_nonnull (strstr (text, "4 boundary edges"));
  /* An open box has no edge shared by three triangles, but it is not "every edge joins two
   * triangles": the manifold line says the surface is open. */
  g_assert_cmpint (osp_check_report_get_line (OSP_CHECK_REPORT (view), 1, &text), ==,
                   OSP_CHECK_LINE_PASSED);
  g_assert_nonnull (strstr (text, "open"));
  g_assert_null (strstr (text, "every edge joins"));
  g_assert_cmpint (osp_check_report_get_line (OSP_CHECK_REPORT (view), 6, &text), ==,
                   OSP_CHECK_LINE_UNCHECKED);
  /* A closed box: closed, and every edge joins exactly two triangles. */
  {
    g_autoptr(OspMesh) closed_box = osp_test_make_box (20, 20, 20);
    g_autoptr(OspPrintReport) closed_report = osp_print_check (closed_box, &options, NULL, NULL,
                                                               &error);

    g_assert_no_error (error);
    osp_check_report_set_report (OSP_CHECK_REPORT (view), closed_report, options.min_wall);
    g_assert_cmpint (osp_check_report_get_line (OSP_CHECK_REPORT (view), 0, &text), ==,
                     OSP_CHECK_LINE_PASSED);
    g_assert_cmpint (osp_check_report_get_line (OSP_CHECK_REPORT (view), 1, &text), ==,
                     OSP_CHECK_LINE_PASSED);
    g_assert_nonnull (strstr (text, "every edge joins exactly two triangles"));
  }
  osp_check_report_set_report (OSP_CHECK_REPORT (view), NULL, 1.5);
  g_assert_cmpuint (osp_check_report_get_n_lines (OSP_CHECK_REPORT (view)), ==, 1);
  g_object_unref (view);
}

/* The window's menu action (Ctrl+E) opens the dialog over the window's plan. */
static void
test_window (void)
{
  OspWindow *window = osp_test_new_window (1200, 800);
  g_autoptr(GListStore) store = g_list_store_new (OSP_TYPE_MODEL);
  OspExportDialog *dialog;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "pelvis.3mf", NULL);

  add_models (store);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(OspModel) model = g_list_model_get_item (G_LIST_MODEL (store), i);

      osp_window_add_model (window, model);
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export-for-printing",
                                             NULL));
  dialog = (OspExportDialog *) osp_test_find_any_toplevel (OSP_TYPE_EXPORT_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  wait_idle (dialog);
  g_assert_cmpuint (osp_export_dialog_get_n_models (dialog), ==, 2);
  g_assert_cmpint (verdict_of (dialog, 0), ==, OSP_PRINT_READY);
  g_assert_cmpint (verdict_of (dialog, 1), ==, OSP_PRINT_NOT_READY);
  if (g_getenv ("OSP_TEST_HOLD_S") != NULL)
    {
      /* The report, then the repair waiting for "Use Repaired". */
      osp_test_hold ();
      osp_export_dialog_repair (dialog, 1);
      wait_idle (dialog);
      osp_test_hold ();
      osp_export_dialog_use_repaired (dialog, 1);
      osp_export_dialog_export_to (dialog, path);
      wait_idle (dialog);
      osp_test_hold ();
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The file chooser saves its state in GSettings: keep that off the user's dconf (and dconf
   * warns, fatally in a test, without a session bus). */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* Autosaves and recent files go to the test's folder too. */
  osp_test_isolate_xdg ();
  osp_test_set_wait_timeout (TIMEOUT_S);
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui-export/report-widget", test_report_widget);
  g_test_add_func ("/gui-export/check", test_check);
  g_test_add_func ("/gui-export/repair-export", test_repair_export);
  g_test_add_func ("/gui-export/plan-undo", test_plan_undo);
  g_test_add_func ("/gui-export/cancel", test_cancel);
  g_test_add_func ("/gui-export/export-action", test_export_action);
  g_test_add_func ("/gui-export/window", test_window);
  return g_test_run ();
}
