/* test-gui-plan.c — the plan in the window: undo, save and open, cutting, mirroring
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real OspWindow under Xvfb: edits made through the window (its actions, the model
 * row, the cut and mirror panels) go through the plan's commands and undo exactly; a plan
 * saved from the window opens again with the same models; a cut applied through the cut panel
 * gives closed pieces whose volumes add up; the symmetry estimate of the demo is close to the
 * phantom's true plane; a broken .osteoplan shows an error and leaves the window usable.
 *
 * With OSP_GUIPLAN_SHOTS=DIR set, screenshots of the screen are written there (`import`).
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "osp-cut-panel.h"
#include "osp-mirror-panel.h"
#include "osp-mesh-io.h"
#include "osp-model-row.h"
#include "osp-phantom.h"
#include "osp-plan.h"
#include "osp-symmetry.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-viewport.h"
#include "osp-window.h"

#define SHOTS "OSP_GUIPLAN_SHOTS"

static gboolean
jobs_done (gpointer data)
{
  return osp_window_get_n_jobs (data) == 0;
}

static gboolean
cut_idle (gpointer data)
{
  return !osp_cut_panel_get_busy (data);
}

static gboolean
mirror_idle (gpointer data)
{
  return !osp_mirror_panel_get_busy (data);
}

static OspWindow *
new_window (void)
{
  if (g_getenv (SHOTS) != NULL)
    return osp_test_new_window (1400, 900);
  return osp_test_new_window (900, 600);
}

static OspModel *
add_box (OspWindow  *window,
         const char *name,
         float       size)
{
  g_autoptr(OspMesh) mesh = osp_test_make_box (size, size, size);
  g_autoptr(OspModel) model = osp_model_new (name, mesh, OSP_MODEL_ROLE_BONE);

  osp_window_add_model (window, model);
  return model;
}

static void find_primary_menu (GtkWidget  *widget,
                               GtkWidget **out_button);

/* -- Tests -------------------------------------------------------------------------------- */

/* Every edit is a command: undo and redo through the window's actions restore the plan. */
static void
test_undo_redo (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  g_autofree char *empty = osp_plan_dump (plan);
  g_autofree char *one = NULL;
  g_autofree char *renamed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspCommand) rename = NULL;
  OspModel *box;
  GtkWidget *row, *scale;
  guint n_undo;

  g_assert_false (osp_plan_can_undo (plan));
  box = add_box (window, "Ilium", 20);
  /* Added through a command: the window selects it and can undo it. */
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);
  g_assert_true (osp_plan_can_undo (plan));
  one = osp_plan_dump (plan);
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "•"));

  rename = osp_command_new_rename_model (box, "Left ilium");
  g_assert_true (osp_plan_execute (plan, rename, &error));
  g_assert_no_error (error);
  renamed = osp_plan_dump (plan);
  /* The menu and the Undo button name the operation. */
  g_assert_true (g_str_has_prefix (osp_plan_get_undo_label (plan), "Undo "));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  {
    g_autofree char *dump = osp_plan_dump (plan);

    g_assert_cmpstr (dump, ==, one);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  {
    g_autofree char *dump = osp_plan_dump (plan);

    g_assert_cmpstr (dump, ==, empty);
    g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 0);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  {
    g_autofree char *dump = osp_plan_dump (plan);

    g_assert_cmpstr (dump, ==, renamed);
  }

  /* A drag of the opacity slider in the model's row is one undo step. */
  osp_test_spin (200);
  row = osp_test_find_descendant (GTK_WIDGET (window), OSP_TYPE_MODEL_ROW);
  g_assert_nonnull (row);
  scale = osp_test_find_descendant (row, GTK_TYPE_SCALE);
  g_assert_nonnull (scale);
  n_undo = osp_plan_get_n_undo (plan);
  for (int i = 1; i <= 5; i++)
    gtk_range_set_value (GTK_RANGE (scale), 1.0 - 0.1 * i);
  g_assert_cmpfloat_with_epsilon (osp_model_get_opacity (box), 0.5, 1e-6);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, n_undo + 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpfloat_with_epsilon (osp_model_get_opacity (box), 1.0, 1e-6);
  /* The row follows the model. */
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (scale)), 1.0, 1e-6);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, n_undo);

  /* Removing from the list is undoable too. */
  g_signal_emit_by_name (row, "remove", box);
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* Save from the window, open again through the window: the same models. */
static void
test_save_open (void)
{
  OspWindow *window = new_window ();
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "window.osteoplan", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *title = NULL;
  g_autoptr(OspMesh) tetra = osp_test_make_tetrahedron ();
  g_autoptr(OspModel) screw = osp_model_new ("Screw", tetra, OSP_MODEL_ROLE_IMPLANT);
  OspPlan *plan;

  add_box (window, "Sacrum", 30);
  osp_window_add_model (window, screw);
  plan = osp_window_get_plan (window);
  osp_window_save_to_path (window, path);
  osp_test_wait_for (jobs_done, window, "the save");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_false (osp_plan_get_modified (plan));
  /* The title names the file, without the modified marker now. */
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "window.osteoplan"));
  g_assert_null (strstr (gtk_window_get_title (GTK_WINDOW (window)), "•"));
  before = osp_plan_dump (plan);
  osp_test_destroy_window (GTK_WINDOW (window));

  window = new_window ();
  osp_window_open_files (window, &file, 1);
  osp_test_wait_for (jobs_done, window, "the plan to open");
  g_assert_null (osp_window_get_last_error (window));
  plan = osp_window_get_plan (window);
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 2);
  g_assert_nonnull (osp_plan_find_model (plan, "Sacrum"));
  g_assert_nonnull (osp_plan_find_model (plan, "Screw"));
  g_assert_cmpuint (osp_model_get_n_triangles (osp_plan_find_model (plan, "Sacrum")), ==, 12);
  after = osp_plan_dump (plan);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpstr (osp_plan_get_path (plan), ==, path);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* A cut applied through the panel: closed pieces whose volumes add up; one undo step. */
static void
test_cut (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspCutPanel *panel = osp_window_get_cut_panel (window);
  OspModel *box = add_box (window, "Ilium", 40);
  OspViewport *viewport = osp_window_get_viewport (window);
  OspPlane planes[2] = { { { 0, 0, 1 }, 10 }, { { 1, 0, 0 }, 25 } };
  g_autofree char *before = osp_plan_dump (plan);
  double volume = 0;
  guint n_pieces = 0;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cut", NULL));
  g_assert_true (osp_cut_panel_get_active (panel));
  /* The plane and its gizmo are in the view, not in the plan. */
  g_assert_cmpuint (osp_viewport_get_n_overlays (osp_window_get_viewport (window)), >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);

  /* The gizmo: dragging its arrow upwards (seen from the front, +z is up) raises the axial
   * plane through the middle (z = 20). */
  osp_test_wait_frame (viewport);
  if (osp_viewport_get_gl_error (viewport) == NULL)
    {
      /* On the arrow, above the rings (the square is 1.1 × the box's diagonal, 76 mm; the
       * rings' radii are a fifth of that, the arrow a third). */
      const float tip[3] = { 20.0f, 20.0f, 42.0f };
      gboolean handled = FALSE;
      vec3 pixel;
      OspPlane moved;

      osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
      osp_viewport_fit_all (viewport);
      osp_test_wait_frame (viewport);
      g_assert_true (osp_camera_project (osp_viewport_get_camera (viewport), tip, pixel));
      g_signal_emit_by_name (viewport, "tool-drag-begin", (double) pixel[0], (double) pixel[1],
                             &handled);
      g_assert_true (handled);
      g_signal_emit_by_name (viewport, "tool-drag-update", (double) pixel[0],
                             (double) pixel[1] - 40.0);
      g_signal_emit_by_name (viewport, "tool-drag-end");
      g_assert_cmpuint (osp_cut_panel_get_planes (panel, &moved, 1), ==, 1);
      g_assert_cmpfloat_with_epsilon (moved.normal[2], 1.0, 1e-5);
      g_assert_cmpfloat (moved.d, >, 21.0);
      /* Away from the handles, a drag still turns the camera. */
      handled = FALSE;
      g_signal_emit_by_name (viewport, "tool-drag-begin", 5.0, 5.0, &handled);
      g_assert_false (handled);
    }

  /* A wedge: z ≤ 10 and x ≤ 25 is resected (a 25 × 40 × 10 block). */
  osp_cut_panel_set_planes (panel, planes, 2);
  osp_cut_panel_set_margin (panel, 0.0);
  osp_test_wait_for (cut_idle, panel, "the cut preview");
  g_assert_cmpuint (osp_cut_panel_get_n_preview_pieces (panel, TRUE), ==, 1);
  g_assert_cmpuint (osp_cut_panel_get_n_preview_pieces (panel, FALSE), ==, 1);
  osp_test_screenshot (SHOTS, "guiplan-cut-preview-box.png");

  osp_cut_panel_apply (panel);
  osp_test_wait_for (cut_idle, panel, "the cut");
  g_assert_null (osp_cut_panel_get_last_error (panel));
  g_assert_false (osp_cut_panel_get_active (panel));
  g_assert_cmpuint (osp_viewport_get_n_overlays (osp_window_get_viewport (window)), ==, 0);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Cut Ilium");

  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      OspModel *model = osp_plan_get_model (plan, i);
      OspMeshReport report;

      if (model == box || !osp_model_get_visible (model))
        continue;
      osp_mesh_report (osp_model_get_mesh (model), &report);
      g_assert_true (report.closed);
      volume += report.volume;
      n_pieces++;
    }
  g_assert_cmpuint (n_pieces, ==, 2);
  g_assert_cmpfloat_with_epsilon (volume, 40.0 * 40 * 40, 1e-3);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  {
    g_autofree char *dump = osp_plan_dump (plan);

    g_assert_cmpstr (dump, ==, before);
  }

  /* Cancel leaves the plan alone and the model visible. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cut", NULL));
  osp_test_wait_for (cut_idle, panel, "the preview");
  osp_cut_panel_stop (panel);
  {
    g_autofree char *dump = osp_plan_dump (plan);

    g_assert_cmpstr (dump, ==, before);
  }
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* The demo: the symmetry estimate is close to the phantom's true plane; mirror, register and
 * the deviation map work. */
static void
test_mirror_demo (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspMirrorPanel *panel = osp_window_get_mirror_panel (window);
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspPhantomTruth truth;
  g_autoptr(OspVolume) coarse = NULL;
  g_autoptr(GError) error = NULL;
  OspPlane plane;
  OspResidual residual, deviation;
  OspBox box;
  float centre[3];
  double angle, distance;
  OspModel *template_model;

  /* The truth does not depend on the voxel size: a coarse phantom gives it quickly. */
  options.voxel_mm = 4.0;
  coarse = osp_phantom_generate (&options, &truth, NULL, &error);
  g_assert_no_error (error);

  osp_window_open_demo (window);
  osp_test_wait_for (jobs_done, window, "the demo case");
  /* The pelvis and its tumour. */
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mirror", NULL));
  g_assert_true (osp_mirror_panel_get_active (panel));

  /* Stopped at once: the status says so, not "Estimating…". */
  osp_mirror_panel_estimate (panel);
  g_assert_nonnull (strstr (osp_mirror_panel_get_status (panel), "Estimating"));
  g_signal_emit_by_name (osp_test_find_button (GTK_WIDGET (panel), "_Cancel"), "clicked");
  osp_test_wait_for (mirror_idle, panel, "the stopped symmetry estimate");
  g_assert_null (strstr (osp_mirror_panel_get_status (panel), "Estimating"));
  g_assert_nonnull (strstr (osp_mirror_panel_get_status (panel), "Stopped"));

  osp_mirror_panel_estimate (panel);
  osp_test_wait_for (mirror_idle, panel, "the symmetry estimate");
  g_assert_null (osp_mirror_panel_get_last_error (panel));
  /* The status never stays on "Estimating…" once the estimate has ended. */
  g_assert_null (strstr (osp_mirror_panel_get_status (panel), "Estimating"));
  g_assert_nonnull (strstr (osp_mirror_panel_get_status (panel), "Plane estimated"));
  g_assert_true (osp_mirror_panel_get_plane (panel, &plane, &residual));
  osp_mesh_get_bounds (osp_model_get_mesh (osp_plan_get_model (plan, 0)), &box);
  for (int a = 0; a < 3; a++)
    centre[a] = (box.min[a] + box.max[a]) / 2;
  osp_plane_compare (&plane, &truth.midsagittal, centre, &angle, &distance);
  g_test_message ("estimate vs truth: %.2f° %.2f mm, residual RMS %.2f mm", angle, distance,
                  residual.rms_mm);
  g_assert_cmpfloat (angle, <, 1.0);
  g_assert_cmpfloat (distance, <, 1.5);

  osp_mirror_panel_mirror (panel);
  template_model = osp_mirror_panel_get_template (panel);
  g_assert_nonnull (template_model);
  g_assert_cmpint (osp_model_get_role (template_model), ==, OSP_MODEL_ROLE_TEMPLATE);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 3);

  osp_mirror_panel_register (panel);
  osp_test_wait_for (mirror_idle, panel, "the registration");
  g_assert_null (osp_mirror_panel_get_last_error (panel));
  g_assert_true (osp_mirror_panel_get_deviation (panel, &deviation));
  /* A symmetric phantom: the registered mirror lies on the bone within a voxel or so. */
  g_assert_cmpfloat (deviation.p95_mm, <, 3.0);
  g_assert_nonnull (strstr (osp_plan_get_undo_label (plan), "Register"));
  {
    /* The main menu names the operation to undo. */
    GtkWidget *button = NULL;

    find_primary_menu (GTK_WIDGET (window), &button);
    if (button != NULL && g_getenv (SHOTS) != NULL)
      {
        gtk_menu_button_popup (GTK_MENU_BUTTON (button));
        osp_test_screenshot (SHOTS, "guiplan-undo-menu.png");
        gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
      }
  }
  osp_test_screenshot (SHOTS, "guiplan-mirror-deviation.png");

  /* Undo the registration, the mirror, then the plane kept in the plan. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  g_assert_cmpint (osp_plan_find_plane (plan, "Midsagittal"), >=, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpint (osp_plan_find_plane (plan, "Midsagittal"), <, 0);
  osp_mirror_panel_stop (panel);
  g_assert_false (osp_mirror_panel_get_active (panel));
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* The demo cut in the window, for a look (screenshots only). */
static void
test_cut_demo (void)
{
  OspWindow *window = new_window ();
  OspCutPanel *panel = osp_window_get_cut_panel (window);
  OspPlan *plan = osp_window_get_plan (window);
  OspBox box;
  OspPlane plane;

  if (g_getenv (SHOTS) == NULL)
    {
      g_test_skip ("screenshots only (OSP_GUIPLAN_SHOTS)");
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  osp_window_open_demo (window);
  osp_test_wait_for (jobs_done, window, "the demo case");
  osp_mesh_get_bounds (osp_model_get_mesh (osp_plan_get_model (plan, 0)), &box);
  /* The plane of symmetry of the intact pelvis, kept in the plan for after the cut. */
  {
    OspMirrorPanel *mirror = osp_window_get_mirror_panel (window);

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mirror", NULL));
    osp_mirror_panel_estimate (mirror);
    osp_test_wait_for (mirror_idle, mirror, "the estimate");
    g_assert_cmpint (osp_plan_find_plane (plan, "Midsagittal"), >=, 0);
    osp_mirror_panel_stop (mirror);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cut", NULL));
  /* The left iliac wing: x ≥ 60 % of the width, tilted. */
  plane.normal[0] = -0.94f;
  plane.normal[1] = 0.0f;
  plane.normal[2] = -0.34f;
  plane.d = -0.94f * (box.min[0] + 0.62f * (box.max[0] - box.min[0])) -
            0.34f * (box.min[2] + 0.5f * (box.max[2] - box.min[2]));
  osp_cut_panel_set_planes (panel, &plane, 1);
  osp_test_wait_for (cut_idle, panel, "the preview");
  osp_test_screenshot (SHOTS, "guiplan-cut-preview.png");

  /* Resect, hide the resected pieces, mirror what remains and fit it: the deviation map
   * shows where the template fills the defect. */
  osp_cut_panel_apply (panel);
  osp_test_wait_for (cut_idle, panel, "the cut");
  {
    OspMirrorPanel *mirror = osp_window_get_mirror_panel (window);
    g_autofree char *remaining_name = g_strdup_printf ("%s remaining 1", "Demo pelvis");
    OspModel *remaining = osp_plan_find_model (plan, remaining_name);

    g_assert_nonnull (remaining);
    for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
      {
        OspModel *model = osp_plan_get_model (plan, i);

        if (strstr (osp_model_get_name (model), "resected") != NULL)
          {
            g_autoptr(OspCommand) hide = osp_command_new_set_visible (model, FALSE);

            g_assert_true (osp_plan_execute (plan, hide, NULL));
          }
      }
    gtk_single_selection_set_selected (osp_window_get_selection (window),
                                       osp_plan_get_model_index (plan, remaining));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mirror", NULL));
    /* The plane from before the cut is there. */
    g_assert_true (osp_mirror_panel_get_plane (mirror, NULL, NULL));
    osp_mirror_panel_mirror (mirror);
    osp_mirror_panel_register (mirror);
    osp_test_wait_for (mirror_idle, mirror, "the registration");
    osp_viewport_set_view (osp_window_get_viewport (window), OSP_VIEW_ANTERIOR);
    osp_test_screenshot (SHOTS, "guiplan-mirror-defect.png");
  }
  osp_test_destroy_window (GTK_WINDOW (window));
}

static OspModel *
add_file (OspWindow  *window,
          const char *name,
          const char *relative)
{
  g_autofree char *path = osp_test_shared_data (relative);
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    return NULL;
  mesh = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  model = osp_model_new (name, mesh, OSP_MODEL_ROLE_BONE);
  osp_window_add_model (window, model);
  return model;
}

/* The surgeon's case of issue 13: left and right hemipelvis and the sacrum, the left
 * acetabulum cut away, the right mirrored and registered: only the remaining left bone is
 * used (not the sacrum), and the fit is trusted.  Then the right and the sacrum alone: no
 * intact bone overlaps the template, and the panel says so and offers the choice. */
static void
test_mirror_resection (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspMirrorPanel *panel = osp_window_get_mirror_panel (window);
  const OspPlane midsagittal = { { 0.990139f, 0.116204f, 0.078237f }, 32.3247f };
  const OspPlane slab[2] = { { { 0, 0, -1 }, -315 }, { { 0, 0, 1 }, 375 } };
  g_autoptr(OspCommand) add_plane = NULL;
  g_autoptr(GError) error = NULL;
  OspModel *left, *right, *sacrum, *template_model;
  OspResidual deviation;
  mat4 transform;

  left = add_file (window, "Left", "mesh/pelvis_atlas_11_left_surface.stl");
  right = add_file (window, "Right", "mesh/pelvis_atlas_11_right_surface.stl");
  sacrum = add_file (window, "Sacrum", "mesh/pelvis_atlas_11_sacrum_surface.stl");
  if (left == NULL || right == NULL || sacrum == NULL)
    {
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  add_plane = osp_command_new_add_plane ("Midsagittal", &midsagittal);
  g_assert_true (osp_plan_execute (plan, add_plane, &error));
  g_assert_no_error (error);
  g_assert_true (osp_plan_cut_model (plan, left, slab, 2, 0, NULL, NULL, &error));
  g_assert_no_error (error);

  gtk_single_selection_set_selected (osp_window_get_selection (window),
                                     osp_plan_get_model_index (plan, right));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mirror", NULL));
  g_assert_true (osp_mirror_panel_get_plane (panel, NULL, NULL));
  osp_mirror_panel_mirror (panel);
  template_model = osp_mirror_panel_get_template (panel);
  g_assert_nonnull (template_model);
  osp_mirror_panel_register (panel);
  osp_test_wait_for (mirror_idle, panel, "the registration");
  g_assert_null (osp_mirror_panel_get_last_error (panel));
  g_assert_null (osp_mirror_panel_get_doubt (panel));
  g_assert_true (osp_mirror_panel_get_deviation (panel, &deviation));
  g_assert_nonnull (strstr (osp_plan_get_undo_label (plan), "Register"));
  /* A few degrees and millimetres from the plane mirror, not 90° onto the sacrum. */
  osp_model_get_transform (template_model, (float *) transform);
  g_assert_cmpfloat (transform[0][0] + transform[1][1] + transform[2][2], >,
                     1 + 2 * cos (10 * G_PI / 180));
  osp_test_screenshot (SHOTS, "guiplan-mirror-resection.png");
  osp_mirror_panel_stop (panel);

  /* Without the left: the template overlaps no intact bone. */
  {
    g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
      {
        OspModel *model = osp_plan_get_model (plan, i);

        if (model != right && model != sacrum)
          g_ptr_array_add (pieces, g_object_ref (model));
      }
    for (guint i = 0; i < pieces->len; i++)
      {
        g_autoptr(OspCommand) hide = osp_command_new_set_visible (g_ptr_array_index (pieces, i),
                                                                  FALSE);

        g_assert_true (osp_plan_execute (plan, hide, NULL));
      }
  }
  gtk_single_selection_set_selected (osp_window_get_selection (window),
                                     osp_plan_get_model_index (plan, right));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.mirror", NULL));
  osp_mirror_panel_mirror (panel);
  template_model = osp_mirror_panel_get_template (panel);
  osp_model_get_transform (template_model, (float *) transform);
  osp_mirror_panel_register (panel);
  osp_test_wait_for (mirror_idle, panel, "the registration");
  g_assert_nonnull (osp_mirror_panel_get_doubt (panel));
  g_test_message ("%s", osp_mirror_panel_get_doubt (panel));
  g_assert_false (osp_mirror_panel_get_deviation (panel, NULL));
  osp_test_screenshot (SHOTS, "guiplan-mirror-doubt.png");
  /* Nothing to keep but the plane mirror: the template stays where it was. */
  osp_mirror_panel_keep (panel, TRUE);
  g_assert_nonnull (osp_mirror_panel_get_doubt (panel));
  osp_mirror_panel_keep (panel, FALSE);
  g_assert_null (osp_mirror_panel_get_doubt (panel));
  g_assert_true (osp_mirror_panel_get_deviation (panel, NULL));
  {
    mat4 after;

    osp_model_get_transform (template_model, (float *) after);
    g_assert_cmpmem (after, sizeof after, transform, sizeof transform);
  }
  osp_mirror_panel_stop (panel);
  osp_test_destroy_window (GTK_WINDOW (window));
}

static void
find_primary_menu (GtkWidget  *widget,
                   GtkWidget **out_button)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_MENU_BUTTON (child) && gtk_menu_button_get_primary (GTK_MENU_BUTTON (child)))
        *out_button = child;
      find_primary_menu (child, out_button);
    }
}

static void
find_recover_button (GtkWidget  *widget,
                     GtkWidget **out_button)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && g_object_get_data (G_OBJECT (child), "path") != NULL &&
          g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), "_Recover") == 0)
        *out_button = child;
      find_recover_button (child, out_button);
    }
}

/* A crashed session's autosave is offered at start and opens as an unsaved plan. */
static void
test_recover (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspMesh) mesh = osp_test_make_box (10, 20, 30);
  g_autoptr(OspModel) model = osp_model_new ("Crashed", mesh, OSP_MODEL_ROLE_BONE);
  g_autoptr(OspCommand) add = osp_command_new_add_model (model, -1, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) left = NULL;
  OspAutosave *autosave = osp_autosave_new (&error);
  GtkWidget *button = NULL;
  OspWindow *window;

  g_assert_no_error (error);
  /* The windows of the tests before went without Save or Discard: their autosaves stayed for
   * recovery.  Only this one is wanted here. */
  left = osp_autosave_list_recoverable ();
  for (guint i = 0; i < left->len; i++)
    osp_autosave_remove (g_ptr_array_index (left, i));
  g_clear_pointer (&left, g_ptr_array_unref);
  g_assert_true (osp_plan_execute (plan, add, &error));
  g_assert_true (osp_autosave_save (autosave, plan, &error));
  g_assert_no_error (error);
  /* As if the session crashed: the file stays, the lock goes. */
  osp_autosave_free (autosave);

  window = new_window ();
  find_recover_button (GTK_WIDGET (window), &button);
  g_assert_nonnull (button);
  osp_test_screenshot (SHOTS, "guiplan-recover.png");
  g_signal_emit_by_name (button, "clicked");
  osp_test_wait_for (jobs_done, window, "the recovery");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_nonnull (osp_plan_find_model (osp_window_get_plan (window), "Crashed"));
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "Recovered"));
  left = osp_autosave_list_recoverable ();
  g_assert_cmpuint (left->len, ==, 0);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* A broken .osteoplan: an error that names it, and the window keeps working. */
static void
test_broken_plan (void)
{
  OspWindow *window = new_window ();
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "broken.osteoplan", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "PK\003\004 this is not a zip", -1, &error));
  g_assert_no_error (error);
  osp_window_open_files (window, &file, 1);
  osp_test_wait_for (jobs_done, window, "the broken plan");
  g_assert_nonnull (osp_window_get_last_error (window));
  g_assert_nonnull (strstr (osp_window_get_last_error (window), "broken.osteoplan"));
  g_assert_nonnull (osp_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (window)));
  osp_test_destroy_toplevels (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 0);

  add_box (window, "Box", 10);
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 0);
  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui-plan/undo-redo", test_undo_redo);
  g_test_add_func ("/gui-plan/save-open", test_save_open);
  g_test_add_func ("/gui-plan/cut", test_cut);
  g_test_add_func ("/gui-plan/broken-plan", test_broken_plan);
  g_test_add_func ("/gui-plan/recover", test_recover);
  g_test_add_func ("/gui-plan/mirror-demo", test_mirror_demo);
  g_test_add_func ("/gui-plan/cut-demo", test_cut_demo);
  g_test_add_func ("/gui-plan/mirror-resection", test_mirror_resection);
  return g_test_run ();
}
