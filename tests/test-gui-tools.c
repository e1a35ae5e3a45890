/* test-gui-tools.c — the window's side panel: implants, measurements, training, the guide
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real OspWindow under Xvfb and works through its side panel as a surgeon would:
 * the Implant and Measure buttons open their pages; a screw added from the Implants page is a
 * closed implant model that undoes and redoes; a screw planned from an entry and a target
 * through a bone block gets the length to the far cortex; the fit of a screw inside the bone
 * reports penetration; landmarks and a distance added on the Measure page give the exact
 * value, undo, and export as CSV; Training Mode on the start page builds the training case and
 * shows its steps; F1's action opens the user guide.
 *
 * With OSP_GUITOOLS_SHOTS=DIR set, screenshots of the screen are written there (`import`).
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "osp-help-window.h"
#include "osp-implant-panel.h"
#include "osp-measure-panel.h"
#include "osp-plan.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-training-panel.h"
#include "osp-window.h"

#define SHOTS "OSP_GUITOOLS_SHOTS"

static OspWindow *
new_window (void)
{
  return osp_test_new_window (1400, 900);
}

/* A block of bone 60 × 40 × 30 mm with a corner at the origin. */
static OspModel *
add_bone (OspWindow *window)
{
  g_autoptr(OspMesh) mesh = osp_test_make_box (60, 40, 30);
  g_autoptr(OspModel) model = osp_model_new ("Ilium", mesh, OSP_MODEL_ROLE_BONE);

  osp_window_add_model (window, model);
  return model;
}

#ifdef GDK_WINDOWING_X11
static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  return path != NULL;
}

/* Runs xdotool with `args` (the X server's real input path: XTEST, GDK, the gestures). */
static void
xdotool (const char *args)
{
  g_autofree char *command = g_strdup_printf ("xdotool %s", args);
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  osp_test_spin (150);
}

/* Moves the X pointer onto the widget point (x, y) of the viewport. */
static void
pointer_to (OspViewport *viewport,
            double       x,
            double       y)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (viewport));
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t in = GRAPHENE_POINT_INIT ((float) x, (float) y), out;
  double sx, sy;
  g_autofree char *args = NULL;

  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (viewport), GTK_WIDGET (native), &in,
                                           &out));
  gtk_native_get_surface_transform (native, &sx, &sy);
  args = g_strdup_printf ("mousemove --window %lu %d %d",
                          (unsigned long) gdk_x11_surface_get_xid (surface),
                          (int) (out.x + sx), (int) (out.y + sy));
  xdotool (args);
}

#endif

static gboolean
implant_idle (gpointer data)
{
  return !osp_implant_panel_get_busy (data);
}

static gboolean
training_case_open (gpointer data)
{
  OspWindow *window = data;

  return !osp_training_panel_get_busy (osp_window_get_training_panel (window)) &&
         osp_plan_get_n_models (osp_window_get_plan (window)) > 0;
}

static OspModel *
last_model (OspWindow *window)
{
  OspPlan *plan = osp_window_get_plan (window);

  return osp_plan_get_model (plan, osp_plan_get_n_models (plan) - 1);
}

static void
assert_closed (OspModel *model)
{
  OspMeshReport report;

  osp_mesh_report (osp_model_get_mesh (model), &report);
  g_assert_true (report.closed);
  g_assert_cmpfloat (osp_mesh_get_volume (osp_model_get_mesh (model)), >, 0);
}

/* -- Implants ------------------------------------------------------------------------------- */

static void
test_implants (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspImplantPanel *panel = osp_window_get_implant_panel (window);
  OspFitStats stats;
  OspModel *screw;
  const float entry[3] = { 30, 20, 30 }, target[3] = { 30, 20, -10 };
  double volume;

  add_bone (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.implants", NULL));
  g_assert_cmpstr (osp_window_get_sidebar_page (window), ==, "implants");

  /* Add: a 6.5 × 40 mm screw at the origin, a closed implant model, one undo step. */
  osp_implant_panel_set_kind (panel, OSP_IMPLANT_SCREW);
  g_assert_true (osp_implant_panel_set_value (panel, "diameter", 6.5));
  g_assert_true (osp_implant_panel_set_value (panel, "length", 40));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "implant.add", NULL));
  osp_test_wait_for (implant_idle, panel, "the screw");
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  screw = last_model (window);
  g_assert_cmpint (osp_model_get_role (screw), ==, OSP_MODEL_ROLE_IMPLANT);
  assert_closed (screw);
  /* Between the core (3.25 mm radius) and the thread's crest, over 40 mm. */
  volume = osp_mesh_get_volume (osp_model_get_mesh (screw));
  g_assert_cmpfloat (volume, >, G_PI * 2.0 * 2.0 * 40);
  g_assert_cmpfloat (volume, <, G_PI * 5.0 * 5.0 * 44);
  osp_test_screenshot (SHOTS, "tools-1-implants.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  osp_plan_undo (plan);

  /* Plan a screw from the top of the block straight down: the far cortex is 30 mm deep. */
  osp_implant_panel_set_screw_points (panel, entry, target);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "implant.plan-screw", NULL));
  osp_test_wait_for (implant_idle, panel, "the planned screw");
  g_assert_nonnull (strstr (osp_implant_panel_get_trajectory_text (panel), "30.0 mm"));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  screw = last_model (window);
  g_assert_cmpint (osp_model_get_role (screw), ==, OSP_MODEL_ROLE_IMPLANT);

  /* Its fit: inside the bone, so the map reports penetration. */
  gtk_single_selection_set_selected (osp_window_get_selection (window), 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "implant.fit", NULL));
  osp_test_wait_for (implant_idle, panel, "the fit");
  g_assert_true (osp_implant_panel_get_fit_stats (panel, &stats));
  g_assert_cmpfloat (stats.min_mm, <, 0);
  g_assert_cmpfloat (stats.penetration_mm, >, 0);
  g_assert_cmpuint (stats.n_inside, >, 0);
  osp_test_screenshot (SHOTS, "tools-2-fit.png");

  /* The gizmo on the selected implant: a drag of its z arrow moves the screw along z in the
   * view, then in the plan as one undoable step. */
  {
    OspViewport *viewport = osp_window_get_viewport (window);
    OspTransformGizmo *gizmo = osp_implant_panel_get_gizmo (panel);
    const OspCamera *camera;
    float before[16], after[16], local[16], gizmo_matrix[16];
    float on_arrow[3], size;
    mat4 before_aligned;
    vec3 centre, origin;
    OspBox box;
    vec3 p0, p1;
    gboolean handled = FALSE;

    g_assert_nonnull (gizmo);
    osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
    osp_test_spin (300);
    camera = osp_viewport_get_camera (viewport);
    osp_model_get_transform (screw, before);
    memcpy (before_aligned, before, sizeof before_aligned);
    osp_transform_gizmo_get_matrix (gizmo, gizmo_matrix);
    g_assert_cmpmem (gizmo_matrix, sizeof gizmo_matrix, before, sizeof before);
    /* The handles sit on the screw's middle: a point on the z arrow, and the arrow's
     * direction on the screen. */
    osp_mesh_get_bounds (osp_model_get_mesh (screw), &box);
    for (int i = 0; i < 3; i++)
      centre[i] = (box.min[i] + box.max[i]) / 2;
    glm_mat4_mulv3 (before_aligned, centre, 1.0f, origin);
    memcpy (on_arrow, origin, sizeof on_arrow);
    on_arrow[2] += 0.85f * osp_transform_gizmo_get_size (gizmo);
    g_assert_true (osp_camera_project (camera, origin, p0));
    g_assert_true (osp_camera_project (camera, on_arrow, p1));
    g_signal_emit_by_name (viewport, "tool-drag-begin", (double) p1[0], (double) p1[1],
                           &handled);
    g_assert_true (handled);
    g_signal_emit_by_name (viewport, "tool-drag-update", (double) p1[0],
                           (double) (p1[1] + (p1[1] - p0[1])));
    g_signal_emit_by_name (viewport, "tool-drag-end");
    osp_model_get_transform (screw, after);
    /* Moved along +z only, by as much as the pointer moved along the arrow's image. */
    g_assert_cmpfloat (fabsf (after[12] - before[12]), <, 1e-3f);
    g_assert_cmpfloat (fabsf (after[13] - before[13]), <, 1e-3f);
    size = osp_transform_gizmo_get_size (gizmo);
    g_assert_cmpfloat (fabsf (after[14] - before[14] - 0.85f * size), <, 0.01f * size);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
    osp_model_get_transform (screw, local);
    g_assert_cmpmem (local, sizeof local, before, sizeof before);
#ifdef GDK_WINDOWING_X11
    /* The same drag by the X server's pointer, ending over the bone: the screw moves and stays
     * selected (the end of a gizmo drag is no click, wherever it ends). */
    if (have_xdotool () &&
        GDK_IS_X11_SURFACE (gtk_native_get_surface (GTK_NATIVE (window))))
      {
        GtkSingleSelection *selection = osp_window_get_selection (window);
        guint selected = gtk_single_selection_get_selected (selection);
        OspModel *under = NULL;
        double end_x = -1, end_y = -1;

        g_assert_true (g_list_model_get_item (G_LIST_MODEL (selection), selected) ==
                       (gpointer) screw);
        g_object_unref (screw);
        for (int dy = 40; dy <= 200 && end_x < 0; dy += 20)
          if (osp_viewport_pick (viewport, p0[0] + 30, p0[1] + dy, &under, NULL) &&
              under != screw)
            end_x = p0[0] + 30, end_y = p0[1] + dy;
        g_assert_cmpfloat (end_x, >=, 0);
        pointer_to (viewport, p1[0], p1[1]);
        xdotool ("mousedown 1");
        pointer_to (viewport, (p1[0] + end_x) / 2, (p1[1] + end_y) / 2);
        pointer_to (viewport, end_x, end_y);
        xdotool ("mouseup 1");
        osp_model_get_transform (screw, after);
        g_assert_cmpfloat (fabsf (after[14] - before[14]), >, 1.0f);
        g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, selected);
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
      }
#endif
  }
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* A plate contoured along points picked on the bone lies on them, in world coordinates. */
static void
test_contoured_plate (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspImplantPanel *panel = osp_window_get_implant_panel (window);
  /* Along the top of the block (z = 30), bending down its end face (x = 60). */
  const float points[][3] = { { 5, 20, 30 }, { 30, 20, 30 }, { 55, 20, 30 } };
  const float up[3] = { 0, 0, 1 };
  float matrix[16];
  OspModel *plate;
  OspBox box;

  add_bone (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.implants", NULL));
  osp_implant_panel_set_kind (panel, OSP_IMPLANT_PLATE);
  for (guint i = 0; i < G_N_ELEMENTS (points); i++)
    osp_implant_panel_add_plate_path_point (panel, points[i], up);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "implant.add", NULL));
  osp_test_wait_for (implant_idle, panel, "the plate");
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  plate = last_model (window);
  assert_closed (plate);
  /* The path laid on the bone every millimetre. */
  g_assert_cmpuint (osp_implant_get_params (plate)->n_points, ==, 51);
  /* Made where the path is: identity placement, bone side on the top face. */
  osp_model_get_transform (plate, matrix);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (matrix[i], ==, (i % 5 == 0) ? 1.0f : 0.0f);
  osp_mesh_get_bounds (osp_model_get_mesh (plate), &box);
  /* On the bone: touching it (0.05 mm clear), spanning the whole 50 mm path. */
  g_assert_cmpfloat (box.min[2], >=, 30.0f);
  g_assert_cmpfloat (box.min[2], <, 30.1f);
  g_assert_cmpfloat (box.max[2], >, 30.5f);
  g_assert_cmpfloat (fabsf (box.min[0] - 5.0f), <, 0.05f);
  g_assert_cmpfloat (fabsf (box.max[0] - 55.0f), <, 0.05f);
  g_assert_cmpfloat (osp_implant_get_params (plate)->length, ==, 50.0);
  g_assert_cmpfloat (fabsf ((box.min[1] + box.max[1]) / 2 - 20.0f), <, 0.01f);
  osp_test_screenshot (SHOTS, "tools-plate.png");

  /* Cleared, the next plate is straight again. */
  osp_implant_panel_clear_plate_path (panel);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "implant.add", NULL));
  osp_test_wait_for (implant_idle, panel, "the straight plate");
  g_assert_cmpuint (osp_implant_get_params (last_model (window))->n_points, ==, 0);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* The cup: points picked on a 51.2 mm socket beside the block give a sphere and a 52 mm cup,
 * placed at its centre at 40°/20° (the patient axes, said so); typed angles turn it; with the
 * four APP landmarks the angles are the APP's. */
static void
test_cup (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspImplantPanel *panel = osp_window_get_implant_panel (window);
  const double centre[3] = { 50, 20, 15 };
  float matrix[16];
  OspModel *cup;

  add_bone (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.implants", NULL));
  osp_implant_panel_set_kind (panel, OSP_IMPLANT_CUP);
  for (guint i = 0; i < 12; i++)
    {
      double z = -(i + 0.5) / 12.0, rho = sqrt (1 - z * z), phi = i * 2.39996;
      float p[3] = { (float) (centre[0] - 25.6 * z), (float) (centre[1] + 25.6 * rho * cos (phi)),
                     (float) (centre[2] + 25.6 * rho * sin (phi)) };

      osp_implant_panel_add_cup_point (panel, p);
    }
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel), "Ø 51.2 mm"));
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel), "a 52 mm cup"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "implant.place-cup", NULL));
  osp_test_wait_for (implant_idle, panel, "the cup");
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  cup = last_model (window);
  assert_closed (cup);
  g_assert_cmpfloat (osp_implant_get_params (cup)->diameter, ==, 52);
  osp_model_get_transform (cup, matrix);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (matrix[12 + k], centre[k], 0.01);
  /* Left of the bones' middle: the left hip, 40°/20° in LPS. */
  g_assert_cmpfloat_with_epsilon (matrix[8], 0.604023, 1e-5);
  g_assert_cmpfloat_with_epsilon (matrix[9], -0.342020, 1e-5);
  g_assert_cmpfloat_with_epsilon (matrix[10], -0.719846, 1e-5);
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel),
                            "Left hip: inclination 40.0°, anteversion 20.0°"));
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel), "patient axes"));
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel), "Bone cover of the cup"));

  /* Typed angles turn the selected cup about its centre (one undo step each). */
  osp_implant_panel_set_cup_angles (panel, 45, 15);
  osp_model_get_transform (cup, matrix);
  g_assert_cmpfloat_with_epsilon (matrix[8], sin (45 * G_PI / 180) * cos (15 * G_PI / 180), 1e-5);
  g_assert_cmpfloat_with_epsilon (matrix[9], -sin (15 * G_PI / 180), 1e-5);
  g_assert_cmpfloat_with_epsilon (matrix[12], centre[0], 0.01);

  /* The APP from the landmarks (here upright: the same axes) replaces the note. */
  {
    static const float lm[4][3] = { { 150, -40, 60 }, { -90, -40, 60 }, { 50, -40, -30 },
                                    { 10, -40, -30 } };
    static const char *names[4] = { "ASIS L", "ASIS R", "Pubic tubercle L", "Pubic tubercle R" };

    for (guint i = 0; i < 4; i++)
      osp_test_execute_ok (plan, osp_command_new_add_landmark (names[i], lm[i]));
  }
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel), "anterior pelvic plane"));
  g_assert_nonnull (strstr (osp_implant_panel_get_cup_text (panel),
                            "inclination 45.0°, anteversion 15.0°"));
  osp_test_screenshot (SHOTS, "tools-cup.png");
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* -- Measurements --------------------------------------------------------------------------- */

/* The label whose text is `text` in the 3D view, or -1. */
static int
find_label (OspViewport *viewport,
            const char  *text)
{
  for (guint i = 0; i < osp_viewport_get_n_labels (viewport); i++)
    if (g_strcmp0 (osp_viewport_get_label (viewport, i, NULL, NULL), text) == 0)
      return (int) i;
  return -1;
}

/* Where a world point is in the view (widget pixels). */
static void
project (OspViewport *viewport,
         const float *point,
         double      *x,
         double      *y)
{
  vec3 pixel;

  g_assert_true (osp_camera_project (osp_viewport_get_camera (viewport), point, pixel));
  *x = pixel[0];
  *y = pixel[1];
}

/* Values are drawn in 3D beside their lines: "AB 50.0 mm" at the middle of A–B, an angle's
 * "37.5°"-style value at its vertex, each landmark's name at its marker. */
static void
check_measure_labels (OspWindow *window)
{
  OspViewport *viewport = osp_window_get_viewport (window);
  OspPlan *plan = osp_window_get_plan (window);
  OspMeasurePanel *panel = osp_window_get_measure_panel (window);
  const float a[3] = { 0, 0, 0 }, b[3] = { 30, 40, 0 }, c[3] = { 30, 40, 50 };
  const float middle[3] = { 15, 20, 0 };
  double x, y, px, py;
  int index;

  osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
  osp_viewport_fit_all (viewport);
  osp_test_wait_frame (viewport);
  g_assert_cmpuint (osp_viewport_get_n_labels (viewport), ==, 3);
  index = find_label (viewport, "AB 50.0 mm");
  g_assert_cmpint (index, >=, 0);
  osp_viewport_get_label (viewport, (guint) index, &x, &y);
  project (viewport, middle, &px, &py);
  /* Beside the middle of the line: 8 px right of it and 8 px above it. */
  g_assert_cmpfloat_with_epsilon (x, px + 8.0, 0.5);
  g_assert_cmpfloat_with_epsilon (y, py - 8.0, 0.5);
  index = find_label (viewport, "A");
  g_assert_cmpint (index, >=, 0);
  osp_viewport_get_label (viewport, (guint) index, &x, &y);
  project (viewport, a, &px, &py);
  g_assert_cmpfloat_with_epsilon (x, px + 8.0, 0.5);

  /* An angle A–B–C of 90° at B, picked from the landmark list: its value at the vertex B. */
  osp_measure_panel_set_landmark (panel, "C", c);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add-landmark", NULL));
  osp_measure_panel_set_measurement (panel, "ABC", OSP_MEASURE_ANGLE, "", "", "");
  for (guint i = 0; i < 3; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.set-ref", "(us)", i,
                                               (const char *[]) { "A", "B", "C" }[i]));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add", NULL));
  g_assert_cmpuint (osp_measure_get_n (plan), ==, 2);
  osp_test_wait_frame (viewport);
  g_assert_cmpuint (osp_viewport_get_n_labels (viewport), ==, 5);
  index = find_label (viewport, "ABC 90.0°");
  g_assert_cmpint (index, >=, 0);
  osp_viewport_get_label (viewport, (guint) index, &x, &y);
  project (viewport, b, &px, &py);
  g_assert_cmpfloat_with_epsilon (x, px + 8.0, 0.5);
  g_assert_cmpfloat_with_epsilon (y, py - 8.0, 0.5);
  osp_test_screenshot (SHOTS, "tools-3-measure-labels.png");

  /* Undone, its label goes too. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (osp_viewport_get_n_labels (viewport), ==, 3);
  g_assert_cmpint (find_label (viewport, "ABC 90.0°"), <, 0);
}

static void
test_measure (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspMeasurePanel *panel = osp_window_get_measure_panel (window);
  const float a[3] = { 0, 0, 0 }, b[3] = { 30, 40, 0 };
  g_autofree char *csv_path = osp_test_tmp_path ("measurements.csv");
  g_autofree char *csv = NULL;
  g_autoptr(GError) error = NULL;

  add_bone (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.measure", NULL));
  g_assert_cmpstr (osp_window_get_sidebar_page (window), ==, "measure");

  osp_measure_panel_set_landmark (panel, "A", a);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add-landmark", NULL));
  osp_measure_panel_set_landmark (panel, "B", b);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add-landmark", NULL));
  g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, 2);

  /* The references chosen from the plan's landmarks, not typed. */
  osp_measure_panel_set_measurement (panel, "AB", OSP_MEASURE_DISTANCE, "", "", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.set-ref", "(us)", 0,
                                             "A"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.set-ref", "(us)", 1,
                                             "B"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add", NULL));
  g_assert_cmpuint (osp_measure_get_n (plan), ==, 1);
  /* Drawn in the 3D view: the landmarks' markers and the distance's line. */
  g_assert_cmpuint (osp_viewport_get_n_overlays (osp_window_get_viewport (window)), >=, 2);
  g_assert_nonnull (strstr (osp_measure_panel_get_value_text (panel, "AB"), "50.0"));
  check_measure_labels (window);

  /* The volume of the selected model: 60 × 40 × 30 mm³. */
  gtk_single_selection_set_selected (osp_window_get_selection (window), 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "measure.add-model", NULL));
  g_assert_cmpuint (osp_measure_get_n (plan), >=, 2);
  osp_test_screenshot (SHOTS, "tools-3-measure.png");

  g_assert_true (osp_measure_panel_export (panel, csv_path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (csv, "AB"));
  g_assert_nonnull (strstr (csv, "50"));
  g_assert_nonnull (strstr (csv, "72000"));

  /* Undo takes the measurements and landmarks back one by one. */
  while (osp_measure_get_n (plan) > 0)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  /* The list shows landmarks and measurements: the two landmarks are left. */
  g_assert_cmpuint (osp_measure_panel_get_n_rows (panel), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, 0);
  g_assert_cmpuint (osp_measure_panel_get_n_rows (panel), ==, 0);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* Picking on the surface adds a landmark; a second click on it picks it for the measurement
 * instead of adding a duplicate on top of it. */
static void
test_measure_pick (void)
{
  OspWindow *window = new_window ();
  OspPlan *plan = osp_window_get_plan (window);
  OspMeasurePanel *panel = osp_window_get_measure_panel (window);
  OspViewport *viewport = osp_window_get_viewport (window);
  GtkToggleButton *pick;
  const OspCamera *camera;
  gboolean handled = FALSE;
  float p[3];

  add_bone (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.measure", NULL));
  osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
  osp_viewport_fit_all (viewport);
  osp_test_wait_frame (viewport);
  osp_measure_panel_set_measurement (panel, "D", OSP_MEASURE_DISTANCE, NULL, NULL, NULL);
  pick = GTK_TOGGLE_BUTTON (osp_test_find_descendant (GTK_WIDGET (panel),
                                                      GTK_TYPE_TOGGLE_BUTTON));
  gtk_toggle_button_set_active (pick, TRUE);
  camera = osp_viewport_get_camera (viewport);

  /* The click the view passes on to the tool, at the middle of the block's front face. */
  g_signal_emit_by_name (viewport, "tool-click", camera->width / 2.0, camera->height / 2.0,
                         &handled);
  g_assert_true (handled);
  g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, 1);
  osp_plan_get_landmark (plan, 0, p);
  g_assert_cmpfloat_with_epsilon (p[1], 0.0, 0.01);   /* on the front face, y = 0 */
  g_assert_cmpfloat_with_epsilon (p[0], 30.0, 2.0);
  /* Again 2 px aside: the same landmark, picked, not a second one. */
  handled = FALSE;
  g_signal_emit_by_name (viewport, "tool-click", camera->width / 2.0 + 2,
                         camera->height / 2.0, &handled);
  g_assert_true (handled);
  g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, 1);
  g_assert_nonnull (strstr (osp_measure_panel_get_status (panel), "Picked"));
  /* 60 px aside: a new landmark. */
  g_signal_emit_by_name (viewport, "tool-click", camera->width / 2.0 + 60,
                         camera->height / 2.0, &handled);
  g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, 2);
  gtk_toggle_button_set_active (pick, FALSE);
  osp_test_destroy_window (GTK_WINDOW (window));
}

static gboolean
toolbar_settled (gpointer data)
{
  OspViewport *viewport = data;
  GtkWidget *toolbar = gtk_widget_get_first_child (gtk_widget_get_first_child (data));

  /* The toolbar: the overlay child styled "viewport-toolbar". */
  for (; toolbar != NULL; toolbar = gtk_widget_get_next_sibling (toolbar))
    if (gtk_widget_has_css_class (toolbar, "viewport-toolbar"))
      break;
  g_assert_nonnull (toolbar);
  return osp_viewport_get_n_frames (viewport) > 0 &&
         gtk_widget_get_width (toolbar) <= gtk_widget_get_width (data);
}

/* The 3D view's toolbar fits the view at any window size: narrow, the anatomical views and Fit
 * All become one menu, with every action still there. */
static void
test_toolbar_overflow (void)
{
  static const int sizes[][2] = { { 1400, 900 }, { 1024, 700 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      OspWindow *window = osp_test_new_window (sizes[s][0], sizes[s][1]);
      OspViewport *viewport = osp_window_get_viewport (window);
      GtkWidget *views_menu = NULL;
      GMenuModel *menu;
      guint n_views = 0, n_fit = 0;

      add_bone (window);
      osp_test_wait_for (toolbar_settled, viewport, "a toolbar that fits the 3D view");
      osp_test_spin (100);
      g_assert_true (toolbar_settled (viewport));
      /* 1400 px: the 3D view (about 900 px) has room for every button; 1024 px beside the side
       * panel (about 540 px): not. */
      /* (In English; a translation with shorter words may fit beside the panel.) */
      if (g_str_equal (g_dgettext (GETTEXT_PACKAGE, "Fit All"), "Fit All"))
        g_assert_cmpint (osp_viewport_get_toolbar_compact (viewport), ==, s == 1);
      for (GtkWidget *w = osp_test_find_descendant (GTK_WIDGET (viewport), GTK_TYPE_MENU_BUTTON);
           w != NULL; w = gtk_widget_get_next_sibling (w))
        if (GTK_IS_MENU_BUTTON (w) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (w)))
          views_menu = w;
      g_assert_nonnull (views_menu);
      g_assert_cmpint (gtk_widget_get_visible (views_menu), ==,
                       osp_viewport_get_toolbar_compact (viewport));
      /* Six views and Fit All, in two sections. */
      menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (views_menu));
      for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
        {
          GMenuModel *section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

          for (int j = 0; j < g_menu_model_get_n_items (section); j++)
            {
              g_autofree char *action = NULL;

              g_menu_model_get_item_attribute (section, j, G_MENU_ATTRIBUTE_ACTION, "s", &action);
              n_views += g_strcmp0 (action, "viewport.set-view") == 0;
              n_fit += g_strcmp0 (action, "viewport.fit-all") == 0;
            }
          g_object_unref (section);
        }
      g_assert_cmpuint (n_views, ==, 6);
      g_assert_cmpuint (n_fit, ==, 1);
      osp_test_screenshot (SHOTS, s == 0 ? "toolbar-1400.png" : "toolbar-1024.png");
      osp_test_destroy_window (GTK_WINDOW (window));
    }
}

#ifdef GDK_WINDOWING_X11
/* A Shift+drag pans, however short, and never changes the selection where it ends; a plain
 * click on the background still clears it (the same event path). */
static void
test_shift_pan_selection (void)
{
  OspWindow *window = new_window ();
  OspViewport *viewport = osp_window_get_viewport (window);
  GtkSingleSelection *selection = osp_window_get_selection (window);
  const OspCamera *camera;
  float target[3];
  double x = 20, y = 20;

  if (!have_xdotool () ||
      !GDK_IS_X11_SURFACE (gtk_native_get_surface (GTK_NATIVE (window))))
    {
      g_test_skip ("needs xdotool and an X11 display");
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  add_bone (window);
  osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
  osp_viewport_fit_all (viewport);
  osp_test_wait_frame (viewport);
  camera = osp_viewport_get_camera (viewport);
  g_assert_false (osp_viewport_pick (viewport, x, y, NULL, NULL));   /* the background */
  gtk_single_selection_set_selected (selection, 0);

  /* A Shift+press that moves 2 px (under the drag threshold) and one that pans 60 px. */
  for (guint i = 0; i < 2; i++)
    {
      memcpy (target, camera->target, sizeof target);
      pointer_to (viewport, x, y);
      xdotool ("keydown shift mousedown 1");
      pointer_to (viewport, x + (i == 0 ? 2 : 60), y + (i == 0 ? 0 : 30));
      xdotool ("mouseup 1 keyup shift");
      g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
      if (i == 1)
        g_assert_cmpfloat (fabsf (camera->target[0] - target[0]) +
                           fabsf (camera->target[2] - target[2]), >, 1.0f);
    }
  /* A plain click there clears the selection: the events did arrive. */
  pointer_to (viewport, x, y);
  xdotool ("click 1");
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==,
                    GTK_INVALID_LIST_POSITION);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* Moves the X pointer onto the middle of `widget`. */
static void
pointer_to_widget (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t in = GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0f,
                                             gtk_widget_get_height (widget) / 2.0f), out;
  double sx, sy;
  g_autofree char *args = NULL;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &in, &out));
  gtk_native_get_surface_transform (native, &sx, &sy);
  args = g_strdup_printf ("mousemove --window %lu %d %d",
                          (unsigned long) gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                          (int) (out.x + sx), (int) (out.y + sy));
  xdotool (args);
}

/* The wheel over the side panel never changes the spin button or the slider under the
 * pointer, even one made after the window (a model row's opacity); a focused spin button
 * still takes it. */
static void
test_wheel_over_panel (void)
{
  OspWindow *window = osp_test_new_window (1024, 700);
  OspMeasurePanel *panel = osp_window_get_measure_panel (window);
  OspModel *model;
  GtkWidget *spin, *scale;

  if (!have_xdotool () ||
      !GDK_IS_X11_SURFACE (gtk_native_get_surface (GTK_NATIVE (window))))
    {
      g_test_skip ("needs xdotool and an X11 display");
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  model = add_bone (window);
  osp_test_spin (300);
  /* A model row's opacity slider (the row is made by the list's factory, after the window). */
  scale = osp_test_find_descendant (osp_test_find_descendant (GTK_WIDGET (window),
                                                              GTK_TYPE_LIST_VIEW),
                                    GTK_TYPE_SCALE);
  g_assert_nonnull (scale);
  g_assert_true (gtk_widget_is_drawable (scale));
  g_assert_cmpfloat (osp_model_get_opacity (model), ==, 1.0);
  pointer_to_widget (scale);
  xdotool ("click 5 click 5 click 4 click 4 click 4");
  g_assert_cmpfloat (osp_model_get_opacity (model), ==, 1.0);

  /* The measure panel's position: the wheel leaves it at 0 ... */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.measure", NULL));
  osp_test_spin (300);
  spin = osp_test_find_descendant (GTK_WIDGET (panel), GTK_TYPE_SPIN_BUTTON);
  g_assert_nonnull (spin);
  pointer_to_widget (spin);
  xdotool ("click 4 click 4 click 4");
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), ==, 0.0);
  /* ... unless it is being edited. */
  gtk_widget_grab_focus (spin);
  osp_test_spin (100);
  xdotool ("click 4 click 4");
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), >, 0.0);
  osp_test_destroy_window (GTK_WINDOW (window));
}
#endif

/* A new bone far from the origin (a CT's coordinates) lands in view: the first model of a
 * case fits the camera, whichever way the empty view was turned. */
static void
test_first_model_in_view (void)
{
  OspWindow *window = new_window ();
  OspViewport *viewport = osp_window_get_viewport (window);
  g_autoptr(OspMesh) box = osp_test_make_box (60, 40, 30);
  mat4 far = GLM_MAT4_IDENTITY_INIT;
  g_autoptr(OspMesh) moved = NULL;
  g_autoptr(OspModel) model = NULL;
  const float corners[2][3] = { { 400, -300, 900 }, { 460, -260, 930 } };

  glm_translate (far, (vec3) { 400, -300, 900 });
  moved = osp_mesh_transform (box, far);
  model = osp_model_new ("Ilium", moved, OSP_MODEL_ROLE_BONE);
  /* The surgeon turns the empty view first. */
  osp_test_spin (200);
  osp_viewport_set_view (viewport, OSP_VIEW_LEFT);
  osp_window_add_model (window, model);
  osp_test_wait_frame (viewport);
  for (guint i = 0; i < 2; i++)
    {
      vec3 pixel;
      const OspCamera *camera = osp_viewport_get_camera (viewport);

      g_assert_true (osp_camera_project (camera, corners[i], pixel));
      g_assert_cmpfloat (pixel[0], >=, 0);
      g_assert_cmpfloat (pixel[0], <=, camera->width);
      g_assert_cmpfloat (pixel[1], >=, 0);
      g_assert_cmpfloat (pixel[1], <=, camera->height);
    }
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* -- Training and help ---------------------------------------------------------------------- */

static void
test_training (void)
{
  OspWindow *window = new_window ();
  OspTrainingPanel *panel = osp_window_get_training_panel (window);
  OspTraining *training = osp_training_panel_get_training (panel);

  /* Coarse voxels: the same anatomy in a fraction of the time. */
  osp_training_panel_set_case_voxel_mm (panel, 2.0);
  g_assert_cmpuint (osp_plan_get_n_models (osp_window_get_plan (window)), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.training", NULL));
  osp_test_wait_for (training_case_open, window, "the training case");
  g_assert_cmpstr (osp_window_get_sidebar_page (window), ==, "training");
  /* The panel follows the window's plan: the case is open, the first step done. */
  g_assert_true (osp_training_panel_get_plan (panel) == osp_window_get_plan (window));
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_OPEN));
  osp_test_screenshot (SHOTS, "tools-4-training.png");
  osp_test_destroy_window (GTK_WINDOW (window));
}

static void
test_help (void)
{
  OspWindow *window = new_window ();
  GtkWindow *help;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.help", NULL));
  osp_test_spin (200);
  help = osp_test_find_toplevel (OSP_TYPE_HELP_WINDOW, GTK_WINDOW (window));
  g_assert_nonnull (help);
  g_assert_cmpuint (osp_help_window_get_n_pages (OSP_HELP_WINDOW (help)), >, 0);
  osp_test_screenshot (SHOTS, "tools-5-help.png");
  osp_test_destroy_window (help);
  osp_test_destroy_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_bind_locale ();
  if (!osp_test_init_display ())
    return 77;

  g_test_add_func ("/gui-tools/implants", test_implants);
  g_test_add_func ("/gui-tools/contoured-plate", test_contoured_plate);
  g_test_add_func ("/gui-tools/cup", test_cup);
  g_test_add_func ("/gui-tools/measure", test_measure);
  g_test_add_func ("/gui-tools/measure-pick", test_measure_pick);
  g_test_add_func ("/gui-tools/toolbar-overflow", test_toolbar_overflow);
  g_test_add_func ("/gui-tools/first-model-in-view", test_first_model_in_view);
#ifdef GDK_WINDOWING_X11
  g_test_add_func ("/gui-tools/shift-pan-selection", test_shift_pan_selection);
  g_test_add_func ("/gui-tools/wheel-over-panel", test_wheel_over_panel);
#endif
  g_test_add_func ("/gui-tools/training", test_training);
  g_test_add_func ("/gui-tools/help", test_help);
  return g_test_run ();
}
