/* test-gui-slices.c — the slice views beside the 3D view, under Xvfb
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The demo case (a CT) shows four views; each slice view draws; the crosshair links them (a
 * click on the 3D surface, a point in one slice, a scroll step); the layout switches through
 * the window's action and the views keep their GL areas.  Skips when there is no display.
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>

#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-window.h"

#define TIMEOUT_S 40

static gboolean
jobs_done (gpointer data)
{
  return osp_window_get_n_jobs (data) == 0;
}

static gboolean
slices_drawn (gpointer data)
{
  OspViewGrid *grid = data;

  for (int a = 0; a < OSP_SLICE_N_AXES; a++)
    if (osp_slice_view_get_n_frames (osp_view_grid_get_slice_view (grid, a)) == 0)
      return FALSE;
  return TRUE;
}

static void
assert_views_follow (OspViewGrid *grid, const double lps[3])
{
  for (int a = 0; a < OSP_SLICE_N_AXES; a++)
    {
      OspSliceCamera camera;
      int n = osp_slice_axis_normal_index (a);

      osp_slice_view_get_camera (osp_view_grid_get_slice_view (grid, a), &camera);
      g_assert_cmpint (camera.axis, ==, a);
      /* Each view shows the slice through the crosshair. */
      g_assert_cmpfloat_with_epsilon (camera.center[n], lps[n], 1e-6);
    }
}

static void
test_four_up (void)
{
  OspWindow *window = osp_test_new_window (1024, 700);
  OspViewGrid *grid = osp_window_get_view_grid (window);
  OspSliceGroup *group = osp_window_get_slice_group (window);
  OspSliceView *axial = osp_view_grid_get_slice_view (grid, OSP_SLICE_AXIAL);
  OspSliceView *coronal = osp_view_grid_get_slice_view (grid, OSP_SLICE_CORONAL);
  GtkWidget *viewport = GTK_WIDGET (osp_window_get_viewport (window));
  double lps[3], before[3], spacing[3], window_w, level;
  gboolean handled = FALSE;
  int width, height;

  /* Without a CT the 3D view is alone. */
  g_assert_false (osp_view_grid_get_slices_shown (grid));
  osp_window_open_demo (window);
  osp_test_wait_for (jobs_done, window, "the demo case");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_nonnull (osp_slice_group_get_volume (group));
  /* The demo's CT stays with the case, shown in the slices. */
  g_assert_cmpuint (osp_plan_get_n_volumes (osp_window_get_plan (window)), ==, 1);
  g_assert_true (osp_plan_get_volume (osp_window_get_plan (window), 0)
                 == osp_slice_group_get_volume (group));
  g_assert_cmpstr (osp_view_grid_get_layout (grid), ==, "four");
  g_assert_true (osp_view_grid_get_slices_shown (grid));
  osp_test_wait_for (slices_drawn, grid, "the three slice views drawn");

  /* Four-up: axial top left, 3D top right, each about half the grid. */
  osp_test_spin (100);
  width = gtk_widget_get_width (GTK_WIDGET (grid));
  height = gtk_widget_get_height (GTK_WIDGET (grid));
  g_assert_cmpint (abs (gtk_widget_get_width (GTK_WIDGET (axial)) - width / 2), <=, 2);
  g_assert_cmpint (abs (gtk_widget_get_height (GTK_WIDGET (axial)) - height / 2), <=, 2);
  g_assert_cmpint (abs (gtk_widget_get_width (viewport) - width / 2), <=, 2);
  {
    graphene_point_t p = GRAPHENE_POINT_INIT (0, 0), q;

    g_assert_true (gtk_widget_compute_point (viewport, GTK_WIDGET (grid), &p, &q));
    g_assert_cmpfloat (q.x, >, width / 3);
    g_assert_cmpfloat (q.y, <, 1.0);
    g_assert_true (gtk_widget_compute_point (GTK_WIDGET (coronal), GTK_WIDGET (grid), &p, &q));
    g_assert_cmpfloat (q.x, <, 1.0);
    g_assert_cmpfloat (q.y, >, height / 3);
  }

  /* A point in the axial view: every view moves to it. */
  osp_slice_view_point_to_lps (axial, gtk_widget_get_width (GTK_WIDGET (axial)) * 0.3,
                               gtk_widget_get_height (GTK_WIDGET (axial)) * 0.6, lps);
  osp_slice_group_set_crosshair (group, lps);
  assert_views_follow (grid, lps);
  /* Left of the middle of an axial view is the patient's right (−x); below it posterior. */
  osp_slice_group_get_crosshair (group, before);
  {
    double centre[3];

    osp_slice_view_point_to_lps (axial, gtk_widget_get_width (GTK_WIDGET (axial)) * 0.5,
                                 gtk_widget_get_height (GTK_WIDGET (axial)) * 0.5, centre);
    g_assert_cmpfloat (lps[0], <, centre[0]);
    g_assert_cmpfloat (lps[1], >, centre[1]);
  }

  /* A scroll step in the axial view moves the crosshair one voxel superior. */
  osp_volume_get_spacing (osp_slice_group_get_volume (group), spacing);
  osp_slice_view_step (axial, 2);
  osp_slice_group_get_crosshair (group, lps);
  g_assert_cmpfloat_with_epsilon (lps[2] - before[2],
                                  2 * MIN (spacing[0], MIN (spacing[1], spacing[2])), 1e-6);
  assert_views_follow (grid, lps);

  /* A click on the bone in 3D moves the crosshair onto the surface. */
  {
    float hit[3];
    double x = gtk_widget_get_width (viewport) * 0.5, y = gtk_widget_get_height (viewport) * 0.5;
    gboolean found = FALSE;

    for (int k = 0; k < 20 && !found; k++, y += 5)
      found = osp_viewport_pick (OSP_VIEWPORT (viewport), x, y, NULL, hit);
    g_assert_true (found);
    y -= 5;
    g_signal_emit_by_name (viewport, "tool-click", x, y, &handled);
    osp_slice_group_get_crosshair (group, lps);
    for (int c = 0; c < 3; c++)
      g_assert_cmpfloat_with_epsilon (lps[c], hit[c], 1e-3);
    assert_views_follow (grid, lps);
  }

  /* Window presets through the window's action. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "slice-window",
                                  g_variant_new_string ("soft"));
  osp_slice_group_get_window (group, &window_w, &level);
  g_assert_cmpfloat (window_w, ==, 400.0);
  g_assert_cmpfloat (level, ==, 40.0);

  /* Layouts: stacked (slices a third of the width), one (the 3D view alone), four again. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "view-layout",
                                  g_variant_new_string ("stacked"));
  g_assert_cmpstr (osp_view_grid_get_layout (grid), ==, "stacked");
  osp_test_spin (100);
  g_assert_cmpint (abs (gtk_widget_get_width (GTK_WIDGET (axial)) - width / 3), <=, 2);
  g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (coronal)));
  g_action_group_activate_action (G_ACTION_GROUP (window), "view-layout",
                                  g_variant_new_string ("one"));
  osp_test_spin (100);
  g_assert_false (osp_view_grid_get_slices_shown (grid));
  g_assert_false (gtk_widget_get_child_visible (GTK_WIDGET (axial)));
  g_assert_cmpint (gtk_widget_get_width (viewport), ==, width);
  /* Hidden views stay realized: switching back uploads nothing again. */
  g_assert_true (gtk_widget_get_realized (GTK_WIDGET (axial)));
  g_action_group_activate_action (G_ACTION_GROUP (window), "view-layout",
                                  g_variant_new_string ("four"));
  osp_test_spin (100);
  g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (axial)));

  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  /* The layout is a GSettings key: keep the test's changes in memory (no dconf here). */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_set_wait_timeout (TIMEOUT_S);
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui/slices/four-up", test_four_up);
  return g_test_run ();
}
