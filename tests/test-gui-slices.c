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
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "osp-margin.h"
#include "osp-phantom.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-volume-io.h"
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

static GtkWidget *
find_label_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) widget = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (widget), "osp-label-chooser") == 0)
        return widget;
    }
  return NULL;
}

static gboolean
label_chooser_shown (gpointer data)
{
  return find_label_chooser () != NULL;
}

static gboolean
cut_applied (gpointer data)
{
  return !osp_cut_panel_get_active (data) && !osp_cut_panel_get_busy (data);
}

static gboolean
is_label_containing (GtkWidget *widget, gconstpointer data)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), data) != NULL;
}

static gboolean
is_visible_label_containing (GtkWidget *widget, gconstpointer data)
{
  return is_label_containing (widget, data) && gtk_widget_get_visible (widget);
}

static gboolean
is_toggle_labelled (GtkWidget *widget, gconstpointer data)
{
  return GTK_IS_TOGGLE_BUTTON (widget)
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

static gboolean
is_action_check (GtkWidget *widget, gconstpointer data)
{
  return GTK_IS_CHECK_BUTTON (widget)
         && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
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

    /* Applied, the cut keeps its margins: the plane 4 mm above the tumour stays red on the
     * slices with the closest point marked, and the side panel names the cut's plane; undone,
     * they go. */
    osp_cut_panel_start (cut, osp_window_get_plan (window), OSP_VIEWPORT (viewport), pelvis);
    osp_cut_panel_set_planes (cut, &plane, 1);
    osp_cut_panel_apply (cut);
    osp_test_wait_for (cut_applied, cut, "the cut");
    osp_test_spin (300);
    osp_test_screenshot ("OSP_GUISLICES_SHOTS", "applied-margins.png");
    {
      const OspPlane *shown = osp_slice_group_get_planes (group, &rgb, &n);
      OspPlan *plan = osp_window_get_plan (window);
      OspModel *tumour = NULL;
      g_autoptr(GArray) cuts = osp_margin_list_applied_cuts (plan);
      g_autofree char *cut_name = NULL;
      g_autofree char *line = NULL;
      OspMarginResult result;
      float m[16];
      GtkWidget *label;

      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpfloat_with_epsilon (shown[0].d, plane.d, 1e-4);
      g_assert_cmpfloat (rgb[0], >, rgb[1]);
      marks = osp_slice_group_get_marks (group, &rgb, &n);
      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpfloat (fabs (plane.d - marks[2] - 4.0), <, 1.5);
      /* The side panel's line, exactly (in the language of the run). */
      for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
        if (osp_model_get_role (osp_plan_get_model (plan, i)) == OSP_MODEL_ROLE_TUMOUR)
          tumour = osp_plan_get_model (plan, i);
      g_assert_nonnull (tumour);
      g_assert_cmpuint (cuts->len, ==, 1);
      osp_model_get_transform (tumour, m);
      g_assert_true (osp_margin_compute_transformed (osp_model_get_mesh (tumour), m,
                                                     g_array_index (cuts, OspAppliedCut,
                                                                    0).planes, 1, &result));
      g_assert_cmpfloat (fabs (result.planes[0].margin_mm - 4.0), <, 1.5);
      cut_name = g_strdup_printf (g_dgettext (GETTEXT_PACKAGE, "Cut %s"),
                                  osp_model_get_name (pelvis));
      g_assert_cmpstr (g_array_index (cuts, OspAppliedCut, 0).name, ==, cut_name);
      line = g_strdup_printf (g_dgettext (GETTEXT_PACKAGE,
                                          "%s, plane %u: margin %.1f mm, below the %.0f mm "
                                          "target"), cut_name, 1, result.planes[0].margin_mm,
                              10.0);
      osp_margin_result_clear (&result);
      label = find_widget (GTK_WIDGET (window), is_label_containing, line);
      g_assert_nonnull (label);
      g_assert_true (gtk_widget_get_visible (label));
      g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)),
                                       g_dgettext (GETTEXT_PACKAGE, "Resection margins")));
    }
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
    osp_slice_group_get_planes (group, &rgb, &n);
    g_assert_cmpuint (n, ==, 0);
    g_assert_null (find_widget (GTK_WIDGET (window), is_visible_label_containing,
                                g_dgettext (GETTEXT_PACKAGE, "Resection margins")));
  }

  /* Import from a label map: the labels present listed with their voxel counts and volumes
   * (not a number typed blind); the one picked becomes the tumour mask, one undo step. */
  {
    OspPlan *plan = osp_window_get_plan (window);
    OspVolume *ct = osp_slice_group_get_volume (group);
    g_autoptr(OspVolume) labels = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = osp_test_tmp_path ("gui-labels.nii.gz");
    g_autofree char *expected4 = NULL;
    g_autofree char *expected9 = NULL;
    g_autofree char *title4 = NULL;
    g_autofree char *title9 = NULL;
    guint32 dims[3];
    double sp[3], origin[3], direction[9], ml;
    guint n_masks = osp_plan_get_n_masks (plan);
    GtkWidget *chooser;
    GtkListBox *list;
    GtkListBoxRow *row;
    gint16 *d;

    osp_volume_get_dims (ct, dims);
    osp_volume_get_spacing (ct, sp);
    osp_volume_get_origin (ct, origin);
    osp_volume_get_direction (ct, direction);
    labels = osp_volume_new_unfilled (dims, sp, origin, direction, "labels", &error);
    g_assert_no_error (error);
    d = osp_volume_get_data_mutable (labels);
    memset (d, 0, osp_volume_get_n_voxels (labels) * sizeof (gint16));
    /* Label 4: a 5 × 4 × 3 box; label 9: a 2 × 2 × 2 box. */
    for (guint k = 0; k < 3; k++)
      for (guint j = 0; j < 4; j++)
        for (guint i = 0; i < 5; i++)
          d[(100 + i) + (gsize) dims[0] * ((100 + j) + (gsize) dims[1] * (90 + k))] = 4;
    for (guint k = 0; k < 2; k++)
      for (guint j = 0; j < 2; j++)
        for (guint i = 0; i < 2; i++)
          d[(150 + i) + (gsize) dims[0] * ((120 + j) + (gsize) dims[1] * (100 + k))] = 9;
    g_assert_true (osp_volume_save_nifti (labels, path, &error));
    g_assert_no_error (error);

    osp_window_slices_import_label_map (window, path);
    osp_test_wait_for (label_chooser_shown, NULL, "the label list");
    osp_test_screenshot ("OSP_GUISLICES_SHOTS", "label-chooser.png");
    chooser = find_label_chooser ();
    list = g_object_get_data (G_OBJECT (chooser), "osp-label-list");
    g_assert_nonnull (list);
    ml = sp[0] * sp[1] * sp[2] / 1000.0;
    expected4 = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s voxel, %.2f mL",
                                              "%s voxels, %.2f mL", 60), "60", 60 * ml);
    expected9 = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s voxel, %.2f mL",
                                              "%s voxels, %.2f mL", 8), "8", 8 * ml);
    title4 = g_strdup_printf (g_dgettext (GETTEXT_PACKAGE, "Label %d"), 4);
    title9 = g_strdup_printf (g_dgettext (GETTEXT_PACKAGE, "Label %d"), 9);
    row = gtk_list_box_get_row_at_index (list, 0);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, title4);
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, expected4);
    g_assert_true (gtk_list_box_get_selected_row (list) == row);
    row = gtk_list_box_get_row_at_index (list, 1);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, title9);
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, expected9);
    g_assert_null (gtk_list_box_get_row_at_index (list, 2));
    /* Label 9 picked (activated): imported, the chooser gone. */
    g_signal_emit_by_name (list, "row-activated", row);
    g_assert_false (label_chooser_shown (NULL));
    g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, n_masks + 1);
    g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (plan, n_masks), 1), ==, 8);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
    g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, n_masks);
    g_unlink (path);
  }

  /* A brush stroke on the axial slice paints the tumour mask: one undo step. */
  {
    OspPlan *plan = osp_window_get_plan (window);
    int mask = osp_plan_find_mask (plan, g_dgettext (GETTEXT_PACKAGE, "Tumour"));
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

/* The pixel of the 3D view's frame (RGBA, top row first) where `point` appears, or NULL
 * outside the picture. */
static const guint8 *
frame_pixel (GBytes *frame, int width, int height, OspViewport *viewport, const float point[3])
{
  const OspCamera *camera = osp_viewport_get_camera (viewport);
  vec3 px;
  int x, y;

  g_assert_true (osp_camera_project (camera, point, px));
  /* The camera counts widget pixels, the frame device pixels. */
  x = (int) floor (px[0] * width / camera->width);
  y = (int) floor (px[1] * height / camera->height);
  if (x < 0 || x >= width || y < 0 || y >= height)
    return NULL;
  return (const guint8 *) g_bytes_get_data (frame, NULL) + 4 * ((gsize) y * width + x);
}

static guint
count_red (GBytes *frame)
{
  const guint8 *p = g_bytes_get_data (frame, NULL);
  guint n = 0;

  for (gsize i = 0; i + 3 < g_bytes_get_size (frame); i += 4)
    n += p[i] > 110 && p[i] > 2 * p[i + 1] && p[i] > 2 * p[i + 2];
  return n;
}

/* The slice planes inside the 3D view (win.slices-in-3d, remembered in GSettings): off
 * without a CT; on, the axial plane shows the CT's air (black in the bone window) where the
 * background showed, and follows the crosshair.  A cut plane closer to the tumour than the
 * target margin turns red in 3D, its closest tumour point marked with a cube and a rod to the
 * plane, in green while the margin is enough. */
static void
test_slices_in_3d (void)
{
  OspWindow *window = osp_test_new_window (1024, 700);
  OspViewGrid *grid = osp_window_get_view_grid (window);
  OspSliceGroup *group = osp_window_get_slice_group (window);
  OspViewport *viewport = osp_window_get_viewport (window);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GArray) points = NULL;
  OspVolume *volume;
  double lo[3], hi[3], crosshair[3], w, l;
  const guint8 *p;
  int width, height;

  /* No CT: the action is off and disabled. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "slices-in-3d"));
  osp_window_open_demo (window);
  osp_test_wait_for (jobs_done, window, "the demo case");
  volume = osp_slice_group_get_volume (group);
  g_assert_nonnull (volume);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "slices-in-3d"));
  osp_view_grid_set_layout (grid, "one");
  osp_viewport_set_view (viewport, OSP_VIEW_SUPERIOR);
  osp_test_spin (100);

  /* Points of the axial plane (a 10 mm grid over the CT) where the 3D view shows its
   * background: nothing of the scene lies in front of them. */
  for (int a = 0; a < 3; a++)
    osp_volume_get_lps_range (volume, a, &lo[a], &hi[a]);
  osp_slice_group_get_crosshair (group, crosshair);
  osp_slice_group_get_window (group, &w, &l);
  frame = osp_test_read_frame (viewport, &width, &height);
  points = g_array_new (FALSE, FALSE, sizeof (float));
  for (double x = lo[0] + 5.0; x < hi[0] - 5.0; x += 10.0)
    for (double y = lo[1] + 5.0; y < hi[1] - 5.0; y += 10.0)
      {
        float point[3] = { (float) x, (float) y, (float) crosshair[2] };

        p = frame_pixel (frame, width, height, viewport, point);
        if (p != NULL && p[2] > p[0] + 10)
          g_array_append_vals (points, point, 3);
      }
  g_clear_pointer (&frame, g_bytes_unref);
  g_test_message ("%u points of the axial plane over the background", points->len / 3);
  g_assert_cmpuint (points->len / 3, >, 20);

  /* On: each shows the CT's grey there (trilinear, the slice views' window). */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "slices-in-3d",
                                      g_variant_new_boolean (TRUE));
  g_assert_true (osp_viewport_get_show_slices (viewport));
  g_assert_true (g_settings_get_boolean (settings, "slices-in-3d"));
  frame = osp_test_read_frame (viewport, &width, &height);
  for (guint i = 0; i < points->len / 3; i++)
    {
      const float *point = &g_array_index (points, float, 3 * i);
      /* The pixel's centre is up to a pixel from the point: the grey of somewhere within
       * 1.5 pixels (at the plane's depth, about) of it. */
      double r = 1.5 * osp_camera_get_mm_per_pixel (osp_viewport_get_camera (viewport));
      double hu_lo = G_MAXDOUBLE, hu_hi = -G_MAXDOUBLE;
      int g_lo, g_hi;

      for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++)
          {
            double lps[3] = { point[0] + dx * r, point[1] + dy * r, point[2] }, hu;

            if (osp_volume_sample_lps (volume, lps, &hu))
              hu_lo = MIN (hu_lo, hu), hu_hi = MAX (hu_hi, hu);
          }
      g_assert_cmpfloat (hu_lo, <=, hu_hi);
      g_lo = (int) floor (255.0 * CLAMP ((hu_lo - (l - 0.5 * w)) / w, 0.0, 1.0)) - 2;
      g_hi = (int) ceil (255.0 * CLAMP ((hu_hi - (l - 0.5 * w)) / w, 0.0, 1.0)) + 2;
      p = frame_pixel (frame, width, height, viewport, point);
      if (p[0] < g_lo || p[0] > g_hi || abs ((int) p[0] - (int) p[2]) > 2)
        g_error ("the axial plane at (%.0f, %.0f, %.0f) shows (%d, %d, %d), expected grey "
                 "%d–%d (%.0f to %.0f HU)", point[0], point[1], point[2], p[0], p[1], p[2],
                 g_lo, g_hi, hu_lo, hu_hi);
    }
  g_clear_pointer (&frame, g_bytes_unref);

  /* The 3D view's display popover has the same toggle. */
  {
    GtkWidget *check = find_widget (GTK_WIDGET (viewport), is_action_check, "win.slices-in-3d");

    g_assert_nonnull (check);
    g_assert_true (gtk_widget_get_sensitive (check));
    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
    gtk_widget_activate (check);
    g_assert_false (osp_viewport_get_show_slices (viewport));
    g_assert_false (g_settings_get_boolean (settings, "slices-in-3d"));
    g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
    gtk_widget_activate (check);
    g_assert_true (osp_viewport_get_show_slices (viewport));
    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  }

  /* The plane follows the crosshair: with the crosshair above the CT there is no axial plane
   * (the coronal and sagittal ones are edge on from above), and back in it the CT shows. */
  {
    double moved[3] = { crosshair[0], crosshair[1], hi[2] + 50.0 };
    guint n_background = 0;

    osp_slice_group_set_crosshair (group, moved);
    frame = osp_test_read_frame (viewport, &width, &height);
    for (guint i = 0; i < points->len / 3; i++)
      {
        p = frame_pixel (frame, width, height, viewport, &g_array_index (points, float, 3 * i));
        n_background += p[2] > p[0] + 10;
      }
    g_clear_pointer (&frame, g_bytes_unref);
    /* All but the few the edge-on planes' lines cross. */
    g_assert_cmpuint (n_background, >=, points->len / 3 - 4);
    osp_slice_group_set_crosshair (group, crosshair);
  }

  /* Off again: remembered off. */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "slices-in-3d",
                                      g_variant_new_boolean (FALSE));
  g_assert_false (osp_viewport_get_show_slices (viewport));
  g_assert_false (g_settings_get_boolean (settings, "slices-in-3d"));

  /* Margins in 3D: a plane 15 mm above the tumour (enough), then 4 mm (short). */
  {
    OspCutPanel *cut = osp_window_get_cut_panel (window);
    GListModel *models = osp_window_get_models (window);
    g_autoptr(OspModel) pelvis = g_list_model_get_item (models, 0);
    OspPhantomLesion lesion;
    OspPlane plane = { { 0.0f, 0.0f, 1.0f }, 0.0f };
    float plane4[4] = { 0.0f, 0.0f, 1.0f, 0.0f }, mark[3], rod[3];
    const double *marks;
    const float *rgb;
    guint n, red_enough = 0, red_short = 0;

    osp_phantom_get_lesion (&lesion);
    osp_cut_panel_start (cut, osp_window_get_plan (window), viewport, pelvis);
    plane.d = (float) (15.0 - osp_phantom_lesion_margin (&lesion, plane4));
    osp_cut_panel_set_planes (cut, &plane, 1);
    /* The models hidden in this view only: the marker shows whatever bone lies above it. */
    for (guint i = 0; i < g_list_model_get_n_items (models); i++)
      {
        g_autoptr(OspModel) model = g_list_model_get_item (models, i);

        osp_viewport_set_model_hidden (viewport, model, TRUE);
      }
    for (int round = 0; round < 2; round++)
      {
        gboolean is_short = round == 1;
        guint red;

        if (is_short)
          {
            plane.d -= 11.0f;   /* 4 mm */
            osp_cut_panel_set_planes (cut, &plane, 1);
          }
        marks = osp_slice_group_get_marks (group, &rgb, &n);
        g_assert_cmpuint (n, ==, 1);
        for (int c = 0; c < 3; c++)
          mark[c] = (float) marks[c];
        /* From above: the plane's square, translucent, red only when short. */
        osp_viewport_set_view (viewport, OSP_VIEW_SUPERIOR);
        frame = osp_test_read_frame (viewport, &width, &height);
        red = count_red (frame);
        g_clear_pointer (&frame, g_bytes_unref);
        if (is_short)
          red_short = red;
        else
          red_enough = red;
        /* From the front (the square edge on): the marker, and the rod from it up to the
         * plane, green when enough, red when short. */
        osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
        frame = osp_test_read_frame (viewport, &width, &height);
        memcpy (rod, mark, sizeof rod);
        rod[2] += is_short ? 3.3f : 9.0f;
        for (int k = 0; k < 2; k++)
          {
            p = frame_pixel (frame, width, height, viewport, k == 0 ? mark : rod);
            g_assert_nonnull (p);
            g_test_message ("%s: %s %d %d %d, %u red pixels from above",
                            is_short ? "4 mm" : "15 mm", k == 0 ? "marker" : "rod", p[0], p[1],
                            p[2], red);
            if (is_short)
              g_assert_cmpint (p[0], >, p[1] + 30);   /* red */
            else
              g_assert_cmpint (p[1], >, p[0] + 30);   /* green */
          }
        g_clear_pointer (&frame, g_bytes_unref);
      }
    /* The red square over much of the view from above. */
    g_assert_cmpuint (red_short, >, 4 * red_enough + (guint) (width * height / 10));
    osp_viewport_set_view (viewport, OSP_VIEW_SUPERIOR);
    osp_test_screenshot ("OSP_SCREENSHOTS", "slices-3d-margin.png");
    osp_cut_panel_stop (cut);
  }

  g_settings_reset (settings, "slices-in-3d");
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
  /* osp_patient_new() fills every field with "": replace, don't overwrite. */
  g_free (ours->name);
  ours->name = g_strdup ("DOE^JOHN");
  g_free (ours->id);
  ours->id = g_strdup ("1234");
  g_free (theirs->name);
  theirs->name = g_strdup ("ROE^JANE");
  g_free (theirs->id);
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

/* "Save Anonymised Copy": the copy has no patient, the plan keeps its own file and stays
 * modified; a plain save keeps the patient. */
static void
test_anonymised_copy (void)
{
  OspWindow *window = osp_test_new_window (1024, 700);
  OspPlan *plan = osp_window_get_plan (window);
  g_autoptr(OspPatient) patient = osp_patient_new ();
  g_autofree char *copy = g_build_filename (g_get_tmp_dir (), "osp-anonymised.osteoplan", NULL);
  g_autofree char *whole = g_build_filename (g_get_tmp_dir (), "osp-whole.osteoplan", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) reopened = NULL;
  const OspPatient *read;

  g_free (patient->name);
  patient->name = g_strdup ("DOE^JOHN");
  g_free (patient->id);
  patient->id = g_strdup ("1234");
  g_assert_true (osp_plan_set_patient (plan, patient, &error));
  g_assert_no_error (error);
  g_assert_true (osp_plan_get_modified (plan));

  osp_window_save_anonymised_copy (window, copy);
  osp_test_wait_for (jobs_done, window, "the anonymised copy");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_null (osp_plan_get_path (plan));
  reopened = osp_plan_open (copy, NULL, NULL, &error);
  g_assert_no_error (error);
  read = osp_plan_get_patient (reopened);
  g_assert_true (read == NULL || read->name == NULL || read->name[0] == '\0');
  g_assert_true (read == NULL || read->id == NULL || read->id[0] == '\0');
  g_clear_object (&reopened);

  osp_window_save_to_path (window, whole);
  osp_test_wait_for (jobs_done, window, "the plain save");
  g_assert_false (osp_plan_get_modified (plan));
  reopened = osp_plan_open (whole, NULL, NULL, &error);
  g_assert_no_error (error);
  read = osp_plan_get_patient (reopened);
  g_assert_nonnull (read);
  g_assert_cmpstr (read->name, ==, "DOE^JOHN");
  g_assert_cmpstr (read->id, ==, "1234");

  g_unlink (copy);
  g_unlink (whole);
  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_bind_locale ();
  osp_test_set_wait_timeout (TIMEOUT_S);
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui/slices/four-up", test_four_up);
  g_test_add_func ("/gui/slices/other-patient", test_other_patient);
  g_test_add_func ("/gui/slices/in-3d", test_slices_in_3d);
  g_test_add_func ("/gui/slices/anonymised-copy", test_anonymised_copy);
  return g_test_run ();
}
