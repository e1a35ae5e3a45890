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
#include <string.h>

#include "osp-phantom.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-ct-dialog.h"
#include "osp-measure-panel.h"
#include "osp-window-private.h"
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

typedef gboolean (*Predicate) (GtkWidget *widget, gconstpointer data);

/* Depth first, the first widget under `root` (included) for which `test` holds. */
static GtkWidget *
find_widget (GtkWidget *root, Predicate test, gconstpointer data)
{
  if (test (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, test, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_tumour_expander (GtkWidget *widget, gconstpointer data)
{
  GtkWidget *label;

  if (!GTK_IS_EXPANDER (widget))
    return FALSE;
  label = gtk_expander_get_label_widget (GTK_EXPANDER (widget));
  return GTK_IS_LABEL (label) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)),
                                            "Tumour Tools") == 0;
}

static gboolean
is_toggle_labelled (GtkWidget *widget, gconstpointer data)
{
  return GTK_IS_TOGGLE_BUTTON (widget)
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
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

static gboolean
toolbar_compact (gpointer data)
{
  return osp_viewport_get_toolbar_compact (data);
}

static int
find_drawn_label (OspSliceView *view,
                  const char   *text,
                  double       *x,
                  double       *y)
{
  for (guint i = 0; i < osp_slice_view_get_n_drawn_labels (view); i++)
    if (g_strcmp0 (osp_slice_view_get_drawn_label (view, i, x, y), text) == 0)
      return (int) i;
  return -1;
}

/* Landmarks and a distance drawn on the slices where they lie near them: on the axial slice
 * through them, the name and the value beside their points; 10 mm away, nothing. */
static void
check_slice_measurements (OspWindow *window)
{
  OspViewGrid *grid = osp_window_get_view_grid (window);
  OspSliceGroup *group = osp_window_get_slice_group (window);
  OspSliceView *axial = osp_view_grid_get_slice_view (grid, OSP_SLICE_AXIAL);
  OspMeasurePanel *panel = osp_window_get_measure_panel (window);
  double crosshair[3], cross_x, cross_y, x, y;
  const float a[3] = { -40, 10, 0 }, b[3] = { 20, 10, 0 };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.measure", NULL));
  osp_slice_group_get_crosshair (group, crosshair);
  crosshair[2] = 0.0;
  osp_slice_group_set_crosshair (group, crosshair);
  osp_measure_panel_set_landmark (panel, "A", a);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add-landmark", NULL));
  osp_measure_panel_set_landmark (panel, "B", b);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add-landmark", NULL));
  osp_measure_panel_set_measurement (panel, "AB", OSP_MEASURE_DISTANCE, "A", "B", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add", NULL));
  osp_test_spin (300);
  g_assert_cmpuint (osp_slice_view_get_n_drawn_labels (axial), ==, 3);
  g_assert_cmpint (find_drawn_label (axial, "A", &x, &y), >=, 0);
  /* Beside A's point: 8 px right of it and 8 px above it. */
  {
    double lps[3];

    osp_slice_view_point_to_lps (axial, x - 8.0, y + 8.0, lps);
    g_assert_cmpfloat_with_epsilon (lps[0], a[0], 1.5);
    g_assert_cmpfloat_with_epsilon (lps[1], a[1], 1.5);
  }
  g_assert_cmpint (find_drawn_label (axial, "AB 60.0 mm", &x, &y), >=, 0);
  {
    double lps[3];

    osp_slice_view_point_to_lps (axial, x - 8.0, y + 8.0, lps);
    g_assert_cmpfloat_with_epsilon (lps[0], (a[0] + b[0]) / 2, 1.5);
  }
  osp_test_screenshot ("OSP_GUISLICES_SHOTS", "slices-measure.png");
  /* 10 mm above them: not drawn. */
  crosshair[2] = 10.0;
  osp_slice_group_set_crosshair (group, crosshair);
  osp_test_spin (300);
  g_assert_cmpuint (osp_slice_view_get_n_drawn_labels (axial), ==, 0);
  g_assert_cmpint (find_drawn_label (axial, "A", &cross_x, &cross_y), <, 0);
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

  /* Margins: a cut plane above the demo's tumour, 15 mm and then 4 mm clear of it: the line on
   * the slices turns from green to red at the 10 mm target, the closest point is marked. */
  {
    OspCutPanel *cut = osp_window_get_cut_panel (window);
    g_autoptr(OspModel) pelvis = g_list_model_get_item (osp_window_get_models (window), 0);
    OspPhantomLesion lesion;
    OspPlane plane = { { 0.0f, 0.0f, 1.0f }, 0.0f };
    float plane4[4] = { 0.0f, 0.0f, 1.0f, 0.0f };
    const float *rgb;
    const double *marks;
    guint n;

    osp_phantom_get_lesion (&lesion);
    osp_cut_panel_start (cut, osp_window_get_plan (window), OSP_VIEWPORT (viewport), pelvis);
    g_assert_true (osp_cut_panel_get_active (cut));
    plane.d = (float) (15.0 - osp_phantom_lesion_margin (&lesion, plane4));  /* top + 15 */
    osp_cut_panel_set_planes (cut, &plane, 1);
    g_assert_nonnull (osp_slice_group_get_planes (group, &rgb, &n));
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpfloat (rgb[1], >, rgb[0]);     /* green: above the target */
    marks = osp_slice_group_get_marks (group, &rgb, &n);
    g_assert_cmpuint (n, ==, 1);
    /* The closest point is the tumour's top, 15 mm below the plane (a voxel either way). */
    g_assert_cmpfloat (fabs (plane.d - marks[2] - 15.0), <, 1.5);
    plane.d -= 11.0f;
    osp_cut_panel_set_planes (cut, &plane, 1);
    osp_slice_group_get_planes (group, &rgb, &n);
    g_assert_cmpfloat (rgb[0], >, rgb[1]);     /* red: 4 mm, below the target */
    osp_cut_panel_stop (cut);
    osp_slice_group_get_planes (group, &rgb, &n);
    g_assert_cmpuint (n, ==, 0);
  }

  /* A brush stroke on the axial slice paints the tumour mask: one undo step. */
  {
    OspPlan *plan = osp_window_get_plan (window);
    int mask = osp_plan_find_mask (plan, "Tumour");
    guint64 before_count, after_count;
    double a[3], b[3];
    GtkWidget *paint = NULL;

    g_assert_cmpint (mask, >=, 0);
    before_count = osp_mask_count (osp_plan_get_mask (plan, (guint) mask), 1);
    osp_slice_group_get_crosshair (group, a);
    memcpy (b, a, sizeof b);
    b[0] += 20.0;
    /* The Paint toggle of the tumour tools (in a folded expander). */
    {
      GtkWidget *expander = find_widget (GTK_WIDGET (window), is_tumour_expander, NULL);

      g_assert_nonnull (expander);
      gtk_expander_set_expanded (GTK_EXPANDER (expander), TRUE);
      paint = find_widget (expander, is_toggle_labelled, "_Paint");
    }
    g_assert_nonnull (paint);
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (paint), TRUE);
    g_signal_emit_by_name (axial, "tool-press", a);
    g_signal_emit_by_name (axial, "tool-motion", b);
    g_signal_emit_by_name (axial, "tool-release", b);
    after_count = osp_mask_count (osp_plan_get_mask (plan, (guint) mask), 1);
    /* A 10 mm brush along 20 mm on one slice: some 10 × 30 mm² of voxels. */
    g_test_message ("painted %" G_GUINT64_FORMAT " voxels", after_count - before_count);
    g_assert_cmpuint (after_count, >, before_count + 100);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
    g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (plan, (guint) mask), 1), ==,
                      before_count);
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (paint), FALSE);
  }

  /* Window presets through the window's action. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "slice-window",
                                  g_variant_new_string ("soft"));
  osp_slice_group_get_window (group, &window_w, &level);
  g_assert_cmpfloat (window_w, ==, 400.0);
  g_assert_cmpfloat (level, ==, 40.0);

  /* Layouts: stacked (slices a third of the width), one (the 3D view alone), four again. */
  /* (The grid's own setter: the window's action also writes the GSettings key.) */
  osp_view_grid_set_layout (grid, "stacked");
  g_assert_cmpstr (osp_view_grid_get_layout (grid), ==, "stacked");
  osp_test_spin (100);
  g_assert_cmpint (abs (gtk_widget_get_width (GTK_WIDGET (axial)) - width / 3), <=, 2);
  g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (coronal)));
  osp_view_grid_set_layout (grid, "one");
  osp_test_spin (100);
  g_assert_false (osp_view_grid_get_slices_shown (grid));
  g_assert_false (gtk_widget_get_child_visible (GTK_WIDGET (axial)));
  g_assert_cmpint (gtk_widget_get_width (viewport), ==, width);
  /* Hidden views stay realized: switching back uploads nothing again. */
  g_assert_true (gtk_widget_get_realized (GTK_WIDGET (axial)));
  osp_view_grid_set_layout (grid, "four");
  osp_test_spin (100);
  g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (axial)));
  /* Four views at 1024 × 700: the 3D view's toolbar is its compact menu, inside the view. */
  osp_test_wait_for (toolbar_compact, viewport, "the compact toolbar");
  g_assert_cmpint (abs (gtk_widget_get_width (viewport) - width / 2), <=, 2);

  check_slice_measurements (window);
  osp_test_destroy_window (GTK_WINDOW (window));
}

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

/* A CT of another patient than the case's asks first; cancelling leaves the case alone. */
static void
test_other_patient (void)
{
  OspWindow *window = osp_test_new_window (1024, 700);
  OspPlan *plan = osp_window_get_plan (window);
  static const guint32 dims[3] = { 8, 8, 8 };
  static const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = osp_volume_new (dims, spacing, origin, NULL, "ct", &error);
  g_autoptr(OspPatient) ours = osp_patient_new ();
  g_autoptr(OspPatient) theirs = osp_patient_new ();
  GtkWidget *dialog;

  g_assert_no_error (error);
  ours->name = g_strdup ("DOE^JOHN");
  ours->id = g_strdup ("1234");
  theirs->name = g_strdup ("ROE^JANE");
  theirs->id = g_strdup ("9876");
  g_assert_true (osp_plan_set_patient (plan, ours, &error));
  osp_volume_set_patient (volume, theirs);

  osp_window_slices_open_ct (window, "/tmp/other.nii.gz", volume, NULL, -1, NULL);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  g_assert_null (find_toplevel (OSP_TYPE_CT_DIALOG));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  osp_test_spin (50);
  g_assert_null (find_toplevel (OSP_TYPE_CT_DIALOG));
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 0);

  /* The same patient: the CT dialog opens at once. */
  osp_volume_set_patient (volume, ours);
  osp_window_slices_open_ct (window, "/tmp/same.nii.gz", volume, NULL, -1, NULL);
  dialog = find_toplevel (OSP_TYPE_CT_DIALOG);
  g_assert_nonnull (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_set_wait_timeout (TIMEOUT_S);
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui/slices/four-up", test_four_up);
  g_test_add_func ("/gui/slices/other-patient", test_other_patient);
  return g_test_run ();
}
