/* test-gui-guide.c — the Guide tool of the window's side panel
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real OspWindow under Xvfb: a block of bone and one cut plane; the Guide button opens
 * the Guide page, which lists the plane; Make Guide adds one closed model of role guide standing
 * on the block's top face, reports its slot (on the planned plane) in words, and is one undo step; a plane that misses
 * the bone fails in words and adds nothing; a plan without planes says so.  The live preview
 * shows a draft in the 3D view as the form changes, never touches the plan, and gives way to
 * the guide Make Guide builds.
 *
 * With OSP_GUIGUIDE_SHOTS=DIR set, screenshots of the screen are written there (`import`).
 */
#include "config.h"

#include <adwaita.h>
#include <stdio.h>
#include <string.h>

#include "osp-guide-panel.h"
#include "osp-plan.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-window.h"

#define SHOTS "OSP_GUIGUIDE_SHOTS"

static gboolean
guide_idle (gpointer data)
{
  return !osp_guide_panel_get_busy (data);
}

static gboolean
preview_idle (gpointer data)
{
  return !osp_guide_panel_get_previewing (data);
}

static gboolean
has_preview (gpointer data)
{
  return osp_guide_panel_get_preview (data) != NULL && preview_idle (data);
}

static void
add_plane (OspPlan    *plan,
           const char *name,
           float       x)
{
  OspPlane plane = { { 1, 0, 0 }, x };
  g_autoptr(OspCommand) command = osp_command_new_add_plane (name, &plane);
  g_autoptr(GError) error = NULL;

  g_assert_true (osp_plan_execute (plan, command, &error));
  g_assert_no_error (error);
}

static guint
count_guides (OspPlan *plan)
{
  guint n = 0;

  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    n += osp_model_get_role (osp_plan_get_model (plan, i)) == OSP_MODEL_ROLE_GUIDE;
  return n;
}

static void
test_guide (void)
{
  OspWindow *window = osp_test_new_window (1280, 800);
  OspPlan *plan = osp_window_get_plan (window);
  g_autoptr(OspMesh) box = osp_test_make_box (60, 40, 30);   /* corner at the origin */
  g_autoptr(OspModel) bone = osp_model_new ("Ilium", box, OSP_MODEL_ROLE_BONE);
  OspGuidePanel *panel;
  OspModel *guide;
  OspMeshReport report;
  OspBox bounds;
  g_autofree char *undo_label = NULL;

  osp_window_add_model (window, bone);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.guide", NULL));
  g_assert_cmpstr (osp_window_get_sidebar_page (window), ==, "guide");
  panel = OSP_GUIDE_PANEL (osp_test_find_descendant (GTK_WIDGET (window),
                                                     OSP_TYPE_GUIDE_PANEL));
  g_assert_nonnull (panel);
  g_assert_true (osp_guide_panel_set_bone (panel, "Ilium"));

  /* No plane yet: nothing to guide. */
  g_assert_false (osp_guide_panel_set_plane_active (panel, "Iliac cut", TRUE));
  osp_guide_panel_make (panel);
  g_assert_false (osp_guide_panel_get_busy (panel));
  g_assert_nonnull (osp_guide_panel_get_last_error (panel));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);

  /* One plane across the block at x = 25, listed and ticked by itself. */
  add_plane (plan, "Iliac cut", 25);
  g_assert_true (osp_guide_panel_set_plane_active (panel, "Iliac cut", TRUE));
  g_assert_true (osp_guide_panel_set_value (panel, "voxel", 0.5));
  g_assert_true (osp_guide_panel_set_value (panel, "pins", 2));
  g_assert_false (osp_guide_panel_set_value (panel, "no such key", 1));
  osp_guide_panel_set_label (panel, "L1");
  osp_guide_panel_make (panel);
  g_assert_true (osp_guide_panel_get_busy (panel));
  osp_test_wait_for (guide_idle, panel, "the guide");
  g_assert_null (osp_guide_panel_get_last_error (panel));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  g_assert_cmpuint (count_guides (plan), ==, 1);
  guide = osp_guide_panel_get_guide (panel);
  g_assert_nonnull (guide);
  g_assert_cmpint (osp_model_get_role (guide), ==, OSP_MODEL_ROLE_GUIDE);
  osp_mesh_report (osp_model_get_mesh (guide), &report);
  g_assert_true (report.closed);
  g_assert_cmpfloat (osp_mesh_get_volume (osp_model_get_mesh (guide)), >, 100);
  /* It stands on the top face (z = 30): its slot walls reach 10 mm above it, and it runs past
   * the 40 mm section by the overrun (7 mm) at both ends. */
  osp_mesh_get_bounds (osp_model_get_mesh (guide), &bounds);
  g_assert_cmpfloat (bounds.max[2], >=, 30 + 10 - 0.1);
  g_assert_cmpfloat (bounds.min[1], <=, -7 + 0.1);
  g_assert_cmpfloat (bounds.max[1], >=, 40 + 7 - 0.1);
  g_test_message ("%s", osp_guide_panel_get_report_text (panel));
  /* The report in words: the slot's mid-plane is the planned plane. */
  g_assert_nonnull (strstr (osp_guide_panel_get_report_text (panel), "Slot 1: 1.77 mm wide"));
  {
    const char *lies = strstr (osp_guide_panel_get_report_text (panel), "mid-plane lies ");
    double mm = 1, degrees = 1;

    g_assert_nonnull (lies);
    g_assert_cmpint (sscanf (lies, "mid-plane lies %lf mm and %lf", &mm, &degrees), ==, 2);
    g_assert_cmpfloat (mm, <=, 0.005);
    g_assert_cmpfloat (degrees, <=, 0.005);
  }
  g_object_get (plan, "undo-label", &undo_label, NULL);
  g_assert_nonnull (strstr (undo_label, "Guide"));
  osp_test_screenshot (SHOTS, "guide-1-made.png");

  /* One undo step. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  g_assert_cmpuint (count_guides (plan), ==, 0);
  g_assert_null (osp_guide_panel_get_guide (panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_cmpuint (count_guides (plan), ==, 1);
  osp_plan_undo (plan);

  /* A plane that misses the bone: a message, nothing added. */
  add_plane (plan, "Far cut", 100);
  g_assert_true (osp_guide_panel_set_plane_active (panel, "Iliac cut", FALSE));
  g_assert_true (osp_guide_panel_set_plane_active (panel, "Far cut", TRUE));
  osp_guide_panel_make (panel);
  osp_test_wait_for (guide_idle, panel, "the failed guide");
  g_assert_nonnull (osp_guide_panel_get_last_error (panel));
  g_assert_null (osp_guide_panel_get_guide (panel));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  g_assert_cmpuint (count_guides (plan), ==, 0);
  osp_test_screenshot (SHOTS, "guide-2-error.png");
  osp_test_hold ();

  osp_test_destroy_window (GTK_WINDOW (window));
}

static void
test_preview (void)
{
  OspWindow *window = osp_test_new_window (1280, 800);
  OspPlan *plan = osp_window_get_plan (window);
  OspViewport *viewport = osp_window_get_viewport (window);
  g_autoptr(OspMesh) box = osp_test_make_box (60, 40, 30);
  g_autoptr(OspModel) bone = osp_model_new ("Ilium", box, OSP_MODEL_ROLE_BONE);
  OspGuidePanel *panel;
  OspMeshReport report;
  OspBox bounds;
  double volume;
  guint n_overlays;

  osp_window_add_model (window, bone);
  add_plane (plan, "Iliac cut", 25);
  n_overlays = osp_viewport_get_n_overlays (viewport);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.guide", NULL));
  panel = OSP_GUIDE_PANEL (osp_test_find_descendant (GTK_WIDGET (window),
                                                     OSP_TYPE_GUIDE_PANEL));
  g_assert_nonnull (panel);
  g_assert_true (osp_guide_panel_set_bone (panel, "Ilium"));
  /* No pins: their sleeves stand higher than the slot walls. */
  g_assert_true (osp_guide_panel_set_value (panel, "pins", 0));

  /* Shown, the page drafts the guide by itself: an overlay, the plan untouched. */
  osp_test_wait_for (has_preview, panel, "the first draft");
  g_assert_cmpuint (osp_viewport_get_n_overlays (viewport), ==, n_overlays + 1);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  osp_mesh_report (osp_guide_panel_get_preview (panel), &report);
  g_assert_true (report.closed);
  volume = osp_mesh_get_volume (osp_guide_panel_get_preview (panel));
  g_assert_cmpfloat (volume, >, 100);
  /* It carries the slot: it straddles the plane x = 25. */
  osp_mesh_get_bounds (osp_guide_panel_get_preview (panel), &bounds);
  g_assert_cmpfloat (bounds.min[0], <, 25);
  g_assert_cmpfloat (bounds.max[0], >, 25);

  /* Higher slot walls: a new draft follows. */
  g_assert_true (osp_guide_panel_set_value (panel, "slot_height", 15));
  g_assert_true (osp_guide_panel_get_previewing (panel));
  osp_test_wait_for (has_preview, panel, "the second draft");
  /* 5 mm more of slot walls. */
  g_assert_cmpfloat (osp_mesh_get_volume (osp_guide_panel_get_preview (panel)), >,
                     volume + 100);
  g_assert_cmpuint (osp_viewport_get_n_overlays (viewport), ==, n_overlays + 1);
  osp_test_screenshot (SHOTS, "guide-3-preview.png");

  /* No plane ticked: no draft. */
  g_assert_true (osp_guide_panel_set_plane_active (panel, "Iliac cut", FALSE));
  osp_test_wait_for (preview_idle, panel, "the draft to go");
  g_assert_null (osp_guide_panel_get_preview (panel));
  g_assert_cmpuint (osp_viewport_get_n_overlays (viewport), ==, n_overlays);

  /* Make Guide replaces the draft at once, and no new draft covers the guide. */
  g_assert_true (osp_guide_panel_set_plane_active (panel, "Iliac cut", TRUE));
  osp_test_wait_for (has_preview, panel, "the third draft");
  g_assert_true (osp_guide_panel_set_value (panel, "voxel", 0.5));
  osp_guide_panel_make (panel);
  g_assert_null (osp_guide_panel_get_preview (panel));
  g_assert_false (osp_guide_panel_get_previewing (panel));
  g_assert_cmpuint (osp_viewport_get_n_overlays (viewport), ==, n_overlays);
  osp_test_wait_for (guide_idle, panel, "the guide");
  g_assert_nonnull (osp_guide_panel_get_guide (panel));
  g_assert_cmpuint (count_guides (plan), ==, 1);
  osp_test_spin (600);
  g_assert_false (osp_guide_panel_get_previewing (panel));
  g_assert_null (osp_guide_panel_get_preview (panel));

  /* Preview off: a change drafts nothing. */
  osp_guide_panel_set_preview_enabled (panel, FALSE);
  g_assert_true (osp_guide_panel_set_value (panel, "slot_height", 12));
  g_assert_false (osp_guide_panel_get_previewing (panel));
  osp_test_spin (600);
  g_assert_null (osp_guide_panel_get_preview (panel));
  g_assert_cmpuint (osp_viewport_get_n_overlays (viewport), ==, n_overlays);
  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_bind_locale ();
  if (!osp_test_init_display ())
    return 77;
  g_test_add_func ("/gui/guide", test_guide);
  g_test_add_func ("/gui/guide-preview", test_preview);
  return g_test_run ();
}
