/* test-gui-training.c — the training panel walks the first steps of the case, under Xvfb
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small window holds the real viewport and the training panel on a plan: "Reset Case"
 * builds the phantom with a tumour, "Next" stays insensitive until each step's check passes
 * (open, look — the camera turned —, cut: a plane through the tumour is refused, one with a
 * 12 mm margin accepted, the margins shown in the panel), and an instructor's note typed in
 * the panel lands in the plan and survives save → open.  The guide step of a course shows
 * the trainee's slot against the instructor's and whether the guide seats.  With
 * OSP_TEST_SCREENSHOTS=DIR it also saves screenshots of the screen (ImageMagick's import) as
 * DIR/training-*.png.  Skips when there is no display.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-training-panel.h"
#include "osp-viewport.h"

/* Generous for these waits, even under AddressSanitizer on two shared cores. */
#define TIMEOUT_S 60

#define SHOTS "OSP_TEST_SCREENSHOTS"

typedef struct
{
  GtkWindow          *window;
  OspTrainingPanel   *panel;
  OspViewport        *viewport;
  GtkSingleSelection *selection;
  GtkWidget          *next;
  GtkWidget          *reset;
} Fixture;

/* The first visible label under `widget` whose text contains `text`, depth first. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;

      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child) &&
          strstr (gtk_label_get_label (GTK_LABEL (child)), text) != NULL)
        return GTK_LABEL (child);
      found = find_label (child, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The window shows the case the panel built, as the main window does. */
static void
on_case_ready (OspTrainingPanel *panel,
               OspPlan          *plan,
               Fixture          *fixture)
{
  g_autoptr(GtkSingleSelection) selection =
    gtk_single_selection_new (g_object_ref (G_LIST_MODEL (plan)));

  g_set_object (&fixture->selection, selection);
  osp_viewport_set_selection (fixture->viewport, selection);
  osp_viewport_fit_all (fixture->viewport);
}

static gboolean
case_built (gpointer data)
{
  Fixture *fixture = data;

  return !osp_training_panel_get_busy (fixture->panel) &&
         osp_training_panel_get_plan (fixture->panel) != NULL;
}

static gboolean
next_sensitive (gpointer data)
{
  return gtk_widget_get_sensitive (data);
}

static void
fixture_setup (Fixture *fixture)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *viewport = osp_viewport_new ();
  GtkWidget *panel = osp_training_panel_new ();

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (fixture->window, "Osteoplan — Training");
  gtk_window_set_default_size (fixture->window, 1200, 800);
  gtk_widget_set_hexpand (viewport, TRUE);
  gtk_box_append (GTK_BOX (box), viewport);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), panel);
  gtk_window_set_child (fixture->window, box);
  fixture->panel = OSP_TRAINING_PANEL (panel);
  fixture->viewport = OSP_VIEWPORT (viewport);
  osp_training_panel_set_viewport (fixture->panel, fixture->viewport);
  /* Coarse voxels: the same anatomy in a fraction of the time. */
  osp_training_panel_set_case_voxel_mm (fixture->panel, 2.0);
  g_signal_connect (panel, "case-ready", G_CALLBACK (on_case_ready), fixture);
  fixture->next = osp_test_find_button (panel, _("_Next"));
  fixture->reset = osp_test_find_button (panel, _("_Reset Case"));
  g_assert_nonnull (fixture->next);
  g_assert_nonnull (fixture->reset);
  gtk_window_present (fixture->window);
}

static void
fixture_teardown (Fixture *fixture)
{
  osp_test_destroy_window (fixture->window);
  g_clear_object (&fixture->selection);
}

static void
test_walk (void)
{
  Fixture fixture = { 0 };
  OspTraining *training;
  OspPlan *plan;
  OspModel *pelvis;
  g_autoptr(GError) error = NULL;
  OspPlane plane = { { 0, 0, 1 }, 0 };
  OspBox box;

  fixture_setup (&fixture);
  training = osp_training_panel_get_training (fixture.panel);
  g_assert_null (osp_training_panel_get_plan (fixture.panel));
  g_assert_false (gtk_widget_get_sensitive (fixture.next));
  osp_test_screenshot (SHOTS, "training-0-start.png");

  /* Reset Case: the phantom with a defect, built in a thread. */
  g_signal_emit_by_name (fixture.reset, "clicked");
  g_assert_true (osp_training_panel_get_busy (fixture.panel));
  osp_test_wait_for (case_built, &fixture, "the training case");
  plan = osp_training_panel_get_plan (fixture.panel);
  /* The pelvis and its tumour. */
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  g_assert_nonnull (osp_plan_find_model (plan, "Tumour"));
  g_assert_true (fixture.selection != NULL);

  /* 1. Open: done at once. */
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_OPEN);
  osp_test_wait_for (next_sensitive, fixture.next, "Next after the case opened");
  osp_test_screenshot (SHOTS, "training-1-open.png");
  g_signal_emit_by_name (fixture.next, "clicked");
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_LOOK);
  g_assert_false (gtk_widget_get_sensitive (fixture.next));

  /* 2. Look: the panel sees the camera turn to a standard view. */
  osp_test_spin (600);
  g_assert_false (gtk_widget_get_sensitive (fixture.next));
  osp_viewport_set_view (fixture.viewport, OSP_VIEW_LEFT);
  osp_test_wait_for (next_sensitive, fixture.next, "Next after the camera turned");
  g_signal_emit_by_name (fixture.next, "clicked");
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_CUT);
  g_assert_false (gtk_widget_get_sensitive (fixture.next));
  osp_viewport_set_view (fixture.viewport, OSP_VIEW_ANTERIOR);
  osp_test_screenshot (SHOTS, "training-2-cut-todo.png");

  /* 3. Cut, as the cut panel applies it.  A sagittal plane through the middle of the tumour
   * (on the patient's right, −x) is refused, the margin shown; one 12 mm medial to the
   * tumour (the tumour on its resected side, x ≤ d) is accepted. */
  pelvis = osp_plan_get_model (plan, 0);
  osp_mesh_get_bounds (osp_model_get_mesh (osp_plan_find_model (plan, "Tumour")), &box);
  plane.normal[0] = 1;
  plane.normal[2] = 0;
  plane.d = (box.min[0] + box.max[0]) / 2;
  g_assert_true (osp_plan_cut_model (plan, pelvis, &plane, 1, 0, "Cut Pelvis", NULL, &error));
  g_assert_no_error (error);
  osp_test_spin (100);
  g_assert_false (gtk_widget_get_sensitive (fixture.next));
  g_assert_nonnull (find_label (GTK_WIDGET (fixture.panel),
                                "Your cut plane 1 passes through the tumour"));
  osp_test_screenshot (SHOTS, "training-3-cut-refused.png");
  g_assert_true (osp_plan_undo (plan));
  plane.d = box.max[0] + 12;
  g_assert_true (osp_plan_cut_model (plan, pelvis, &plane, 1, 0, "Cut Pelvis", NULL, &error));
  g_assert_no_error (error);
  osp_test_wait_for (next_sensitive, fixture.next, "Next after the cut");
  g_assert_nonnull (find_label (GTK_WIDGET (fixture.panel),
                                "Your cut plane 1 leaves a margin of 12.0 mm to the tumour, at "
                                "least the 10.0 mm target."));
  /* Undo takes it back. */
  g_assert_true (osp_plan_undo (plan));
  g_assert_false (gtk_widget_get_sensitive (fixture.next));
  g_assert_true (osp_plan_redo (plan));
  g_assert_true (gtk_widget_get_sensitive (fixture.next));
  osp_test_screenshot (SHOTS, "training-3-cut-done.png");
  g_signal_emit_by_name (fixture.next, "clicked");
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_MIRROR);
  g_assert_false (gtk_widget_get_sensitive (fixture.next));

  /* An instructor's note typed in the panel goes into the plan and its file. */
  {
    GtkWidget *edit = osp_test_find_button (GTK_WIDGET (fixture.panel), _("_Edit Notes"));
    GtkTextView *view = GTK_TEXT_VIEW (osp_test_find_descendant (GTK_WIDGET (fixture.panel),
                                                                 GTK_TYPE_TEXT_VIEW));
    g_autofree char *path = g_build_filename (osp_test_tmpdir (), "course.osteoplan", NULL);
    const char *note = "Estimate the plane on the intact pelvis first. 先估计正中矢状面。";
    g_autoptr(OspPlan) opened = NULL;

    g_assert_nonnull (edit);
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (edit), TRUE);
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), note, -1);
    g_assert_cmpstr (osp_training_get_note (plan, OSP_TRAINING_STEP_MIRROR), ==, note);
    osp_test_screenshot (SHOTS, "training-4-notes.png");
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (edit), FALSE);

    g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
    g_assert_no_error (error);
    opened = osp_plan_open (path, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (osp_training_get_note (opened, OSP_TRAINING_STEP_MIRROR), ==, note);

    /* A trainee opening the course starts at the first step and sees the note there. */
    osp_training_panel_set_plan (fixture.panel, opened);
    on_case_ready (fixture.panel, opened, &fixture);
    g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_OPEN);
    g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_CUT));
    g_unlink (path);
  }

  /* The guide step of a course: a guide on a 60 × 40 × 30 mm bone along x = 5 is the key;
   * the panel shows the slot against it and the seating; moved 0.2 mm, it is refused. */
  {
    g_autoptr(OspPlan) course = osp_plan_new ();
    g_autoptr(OspMesh) cube = osp_test_make_box (60, 40, 30);
    g_autoptr(OspMesh) bone_mesh = osp_test_translate (cube, -30, -20, -15);
    g_autoptr(OspModel) bone = osp_model_new ("Pelvis", bone_mesh, OSP_MODEL_ROLE_BONE);
    g_autoptr(JsonParser) parser = json_parser_new ();
    GtkListBox *steps = GTK_LIST_BOX (osp_test_find_descendant (GTK_WIDGET (fixture.panel),
                                                                GTK_TYPE_LIST_BOX));
    float m[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0.2f, 0, 0, 1 };

    osp_test_execute_ok (course, osp_command_new_add_model (bone, -1, NULL));
    g_assert_true (json_parser_load_from_data (parser,
                                               "{\"op\": \"guide\", \"name\": \"Guide 1\", "
                                               "\"model\": \"Pelvis\", \"planes\": "
                                               "[[1, 0, 0, 5]], \"voxel\": 0.5, \"pins\": 0}",
                                               -1, &error));
    g_assert_true (osp_plan_run_operation (course,
                                           json_node_get_object (json_parser_get_root (parser)),
                                           NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (osp_training_set_key_from_plan (course, NULL), ==, 1);
    osp_training_panel_set_plan (fixture.panel, course);
    on_case_ready (fixture.panel, course, &fixture);
    gtk_list_box_select_row (steps, gtk_list_box_get_row_at_index (steps,
                                                                   OSP_TRAINING_STEP_GUIDE));
    osp_test_spin (100);
    g_assert_nonnull (find_label (GTK_WIDGET (fixture.panel), "6. Guide"));
    g_assert_nonnull (find_label (GTK_WIDGET (fixture.panel),
                                  "Guide slot 1: 0.00° and 0.00 mm from the instructor's "
                                  "(within 0.10° and 0.10 mm)."));
    g_assert_nonnull (find_label (GTK_WIDGET (fixture.panel), "Guide “Guide 1” seats on the "
                                                               "bone"));
    osp_test_execute_ok (course, osp_command_new_set_transform (
                                   osp_plan_find_model (course, "Guide 1"), m));
    osp_test_spin (100);
    g_assert_nonnull (find_label (GTK_WIDGET (fixture.panel),
                                  "Guide slot 1: 0.00° and 0.20 mm from the instructor's, more "
                                  "than 0.10° or 0.10 mm: not accepted."));
    osp_test_screenshot (SHOTS, "training-5-guide.png");
    osp_training_panel_set_plan (fixture.panel, NULL);
  }
  fixture_teardown (&fixture);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_set_wait_timeout (TIMEOUT_S);
  osp_test_bind_locale ();
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui-training/walk", test_walk);
  return g_test_run ();
}
