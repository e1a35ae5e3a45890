/* test-gui.c — the window and the 3D view, under Xvfb
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real OspWindow with a real GtkGLArea (Mesa llvmpipe): the demo case opens, hiding a
 * model removes it from the pixels read back from the GLArea, view keys turn the camera, a
 * broken file gives an error that names it and leaves the window working, and the CT dialog
 * builds a bone model.  Skips when there is no display.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>

#include "osp-application.h"
#include "osp-ct-dialog.h"
#include "osp-preferences-window.h"
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include "osp-settings.h"
#include "osp-mesh-io.h"
#include "osp-model-row.h"
#include "osp-model.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-viewport.h"
#include "osp-window.h"

/* Generous for these waits, even under AddressSanitizer on two shared cores. */
#define TIMEOUT_S 40

static gboolean
jobs_done (gpointer data)
{
  return osp_window_get_n_jobs (data) == 0;
}

/* The pixels of the next frame, read back from the GLArea's framebuffer. */
static GBytes *
read_frame (OspViewport *viewport,
            int         *width,
            int         *height)
{
  GBytes *pixels = osp_test_read_frame (viewport, width, height);

  g_assert_nonnull (pixels);
  g_assert_cmpint (*width, >, 0);
  g_assert_cmpint (*height, >, 0);
  g_assert_cmpuint (g_bytes_get_size (pixels), ==, (gsize) *width * *height * 4);
  return pixels;
}

/* Pixels of the upper three quarters of the picture that are clearly red (the test model's
 * colour under any shading); the orientation marker and scale bar sit in the bottom corners. */
static guint
count_red (GBytes *pixels,
           int     width,
           int     height)
{
  const guint8 *p = g_bytes_get_data (pixels, NULL);
  guint n = 0;

  for (int y = 0; y < height * 3 / 4; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *px = p + ((gsize) y * width + x) * 4;

        if (px[0] > 60 && px[0] > px[1] + 40 && px[0] > px[2] + 40)
          n++;
      }
  return n;
}

static OspWindow *
new_window (void)
{
  return osp_test_new_window (900, 600);
}

static OspModel *
add_box (OspWindow *window,
         guint32    color)
{
  g_autoptr(OspMesh) mesh = osp_test_make_box (100, 80, 60);
  g_autoptr(OspModel) model = osp_model_new ("Box", mesh, OSP_MODEL_ROLE_BONE);

  osp_model_set_color (model, color);
  osp_window_add_model (window, model);
  return model;
}

static gboolean
check_gl (OspViewport *viewport)
{
  if (osp_viewport_get_gl_error (viewport) != NULL)
    {
      g_autofree char *msg = g_strdup_printf ("no OpenGL 3.3 here: %s",
                                              osp_viewport_get_gl_error (viewport));
      g_test_skip (msg);
      return FALSE;
    }
  return TRUE;
}

/* -- Tests -------------------------------------------------------------------------------- */

static void
test_demo (void)
{
  OspWindow *window = new_window ();
  GListModel *models = osp_window_get_models (window);
  g_autoptr(OspModel) model = NULL;
  OspBox box;

  osp_window_open_demo (window);
  g_assert_cmpuint (osp_window_get_n_jobs (window), ==, 1);
  osp_test_wait_for (jobs_done, window, "the demo case");
  g_assert_null (osp_window_get_last_error (window));
  /* The pelvis and its periacetabular tumour. */
  g_assert_cmpuint (g_list_model_get_n_items (models), ==, 2);
  model = g_list_model_get_item (models, 0);
  g_assert_cmpstr (osp_model_get_name (model), ==, "Demo pelvis");
  g_assert_cmpuint (osp_model_get_n_triangles (model), >, 10000);
  /* A pelvis: some 20–40 cm wide. */
  osp_mesh_get_bounds (osp_model_get_mesh (model), &box);
  g_assert_cmpfloat (box.max[0] - box.min[0], >, 150.0);
  g_assert_cmpfloat (box.max[0] - box.min[0], <, 450.0);

  osp_test_wait_frame (osp_window_get_viewport (window));
  if (check_gl (osp_window_get_viewport (window)))
    {
      int width, height;
      g_autoptr(GBytes) pixels = read_frame (osp_window_get_viewport (window), &width, &height);

      /* The bone fills a good part of the view. */
      osp_model_set_color (model, 0xff0000);
      g_clear_pointer (&pixels, g_bytes_unref);
      pixels = read_frame (osp_window_get_viewport (window), &width, &height);
      g_assert_cmpuint (count_red (pixels, width, height), >, (guint) (width * height / 40));
    }
  osp_test_destroy_window (GTK_WINDOW (window));
}

static void
test_visibility (void)
{
  OspWindow *window = new_window ();
  OspViewport *viewport = osp_window_get_viewport (window);
  OspModel *model = add_box (window, 0xff0000);
  int width, height;
  g_autoptr(GBytes) shown = NULL;
  g_autoptr(GBytes) hidden = NULL;
  g_autoptr(GBytes) again = NULL;
  GtkWidget *eye;
  guint n_shown;

  osp_test_wait_frame (viewport);
  if (!check_gl (viewport))
    {
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  shown = read_frame (viewport, &width, &height);
  n_shown = count_red (shown, width, height);
  /* Fitted to the view, the box covers a good part of it. */
  g_assert_cmpuint (n_shown, >, (guint) (width * height / 10));

  /* The eye button of the model's row in the side panel hides it. */
  eye = osp_test_find_descendant (GTK_WIDGET (window), OSP_TYPE_MODEL_ROW);
  g_assert_nonnull (eye);
  eye = osp_test_find_descendant (eye, GTK_TYPE_TOGGLE_BUTTON);
  g_assert_nonnull (eye);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (eye)));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (eye), FALSE);
  g_assert_false (osp_model_get_visible (model));
  hidden = read_frame (viewport, &width, &height);
  g_assert_cmpuint (count_red (hidden, width, height), ==, 0);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (eye), TRUE);
  g_assert_true (osp_model_get_visible (model));
  again = read_frame (viewport, &width, &height);
  g_assert_cmpuint (count_red (again, width, height), ==, n_shown);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* The section plane cuts every model away beyond it; the wireframe draws the edges over. */
/* The widget under `widget` (popovers included) whose action is `action`, or NULL. */
static GtkWidget *
find_actionable (GtkWidget  *widget,
                 const char *action)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_ACTIONABLE (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action) == 0)
        return child;
      found = find_actionable (child, action);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_section_wireframe (void)
{
  OspWindow *window = new_window ();
  OspViewport *viewport = osp_window_get_viewport (window);
  int width, height;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GBytes) lines = NULL;
  g_autoptr(GBytes) again = NULL;
  guint n_whole, n_cut;

  add_box (window, 0xff0000);
  osp_test_wait_frame (viewport);
  if (!check_gl (viewport))
    {
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  /* The toolbar's buttons and the display popover's switches can be used: GTK 4.8 left them
   * insensitive (osp-viewport.c, refresh_actionables). */
  {
    static const char *const actions[] = { "viewport.orthographic", "viewport.wireframe",
                                            "viewport.section", "viewport.fit-all",
                                            "viewport.set-view" };
    gboolean before, after;

    for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
      {
        GtkWidget *widget = find_actionable (GTK_WIDGET (viewport), actions[i]);

        g_assert_nonnull (widget);
        g_assert_true (gtk_widget_is_sensitive (widget));
      }
    g_object_get (viewport, "wireframe", &before, NULL);
    g_assert_true (gtk_widget_activate (find_actionable (GTK_WIDGET (viewport),
                                                         "viewport.wireframe")));
    g_object_get (viewport, "wireframe", &after, NULL);
    g_assert_true (after != before);
    osp_viewport_set_wireframe (viewport, before);
  }
  osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
  whole = read_frame (viewport, &width, &height);
  n_whole = count_red (whole, width, height);
  g_assert_cmpuint (n_whole, >, (guint) (width * height / 10));

  /* Axial, half way up: the upper half of the box (seen from the front) is gone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewport), "viewport.section", NULL));
  g_object_set (viewport, "section-axis", 2u, "section-position", 0.5, NULL);
  cut = read_frame (viewport, &width, &height);
  n_cut = count_red (cut, width, height);
  g_assert_cmpuint (n_cut, >, n_whole * 35 / 100);
  g_assert_cmpuint (n_cut, <, n_whole * 65 / 100);
  osp_viewport_set_section (viewport, FALSE, 2, 0.5);

  /* Dark edges over the red faces. */
  osp_viewport_set_wireframe (viewport, TRUE);
  lines = read_frame (viewport, &width, &height);
  g_assert_false (g_bytes_equal (lines, whole));
  osp_viewport_set_wireframe (viewport, FALSE);
  again = read_frame (viewport, &width, &height);
  g_assert_cmpuint (count_red (again, width, height), ==, n_whole);
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* Activates the window's key binding for keyval + modifiers, as a key press would. */
static gboolean
press_key (GtkWidget       *widget,
           guint            keyval,
           GdkModifierType  modifiers)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == modifiers)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }
  return FALSE;
}

typedef struct
{
  guint           keyval;
  GdkModifierType modifiers;
  float           direction[3];  /* the camera's viewing direction, LPS */
} ViewKeyCase;

static const ViewKeyCase view_key_cases[] = {
  { GDK_KEY_1, 0, { 0, 1, 0 } },                   /* anterior: from the front, looking +y */
  { GDK_KEY_1, GDK_CONTROL_MASK, { 0, -1, 0 } },   /* posterior */
  { GDK_KEY_3, 0, { 1, 0, 0 } },                   /* right: from −x, looking +x */
  { GDK_KEY_3, GDK_CONTROL_MASK, { -1, 0, 0 } },   /* left */
  { GDK_KEY_7, 0, { 0, 0, -1 } },                  /* superior: from above, looking down */
  { GDK_KEY_7, GDK_CONTROL_MASK, { 0, 0, 1 } },    /* inferior */
  { GDK_KEY_KP_1, 0, { 0, 1, 0 } },
  { GDK_KEY_KP_7, GDK_CONTROL_MASK, { 0, 0, 1 } },
};

static void
test_view_keys (void)
{
  OspWindow *window = new_window ();
  OspViewport *viewport = osp_window_get_viewport (window);
  OspModel *model = add_box (window, 0xff0000);
  int width, height;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  const OspCamera *camera;

  (void) model;
  osp_test_wait_frame (viewport);
  for (guint i = 0; i < G_N_ELEMENTS (view_key_cases); i++)
    {
      const ViewKeyCase *tc = &view_key_cases[i];
      vec3 direction;

      g_assert_true (press_key (GTK_WIDGET (window), tc->keyval, tc->modifiers));
      osp_camera_get_direction (osp_viewport_get_camera (viewport), direction);
      for (int a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (direction[a], tc->direction[a], 1e-5);
    }

  /* F fits all; 5 toggles the projection. */
  g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_f, 0));
  camera = osp_viewport_get_camera (viewport);
  for (int c = 0; c < 8; c++)
    {
      /* Every corner of the 100 × 80 × 60 box is in the picture. */
      float corner[3] = { c & 1 ? 100 : 0, c & 2 ? 80 : 0, c & 4 ? 60 : 0 };
      vec3 pixel;

      g_assert_true (osp_camera_project (camera, corner, pixel));
      g_assert_cmpfloat (pixel[0], >=, 0);
      g_assert_cmpfloat (pixel[0], <=, camera->width);
      g_assert_cmpfloat (pixel[1], >=, 0);
      g_assert_cmpfloat (pixel[1], <=, camera->height);
    }
  g_assert_false (osp_viewport_get_orthographic (viewport));
  g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_5, 0));
  g_assert_true (osp_viewport_get_orthographic (viewport));

  /* A view change changes the picture (a box 100 × 80 × 60 looks different from the side). */
  if (check_gl (viewport))
    {
      g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_1, 0));
      before = read_frame (viewport, &width, &height);
      g_assert_true (press_key (GTK_WIDGET (window), GDK_KEY_3, 0));
      after = read_frame (viewport, &width, &height);
      g_assert_cmpuint (count_red (before, width, height), !=, count_red (after, width, height));
    }
  osp_test_destroy_window (GTK_WINDOW (window));
}

typedef struct
{
  const char   *name;
  const guint8 *bytes;
  gsize         len;
} BrokenCase;

/* A binary STL header that claims 4 000 000 000 triangles, with none behind it. */
static const guint8 huge_stl[84] = { [80] = 0x00, [81] = 0x28, [82] = 0x6b, [83] = 0xee };
static const guint8 junk[] = "this is not a mesh at all\n";
static const guint8 ascii_cut[] = "solid cut\n facet normal 0 0 1\n  outer loop\n   vertex 0 0";

static const BrokenCase broken_cases[] = {
  { "huge.stl", huge_stl, sizeof huge_stl },
  { "junk.obj", junk, sizeof junk - 1 },
  { "cut.stl", ascii_cut, sizeof ascii_cut - 1 },
  { "empty.ply", junk, 0 },
  { "broken.nii.gz", junk, sizeof junk - 1 },
};

static void
test_broken_file (gconstpointer data)
{
  const BrokenCase *tc = data;
  OspWindow *window = new_window ();
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), tc->name, NULL);
  g_autofree char *good = g_build_filename (osp_test_tmpdir (), "good.stl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) good_file = g_file_new_for_path (good);
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) tc->bytes, tc->len, &error));
  g_assert_no_error (error);

  osp_window_open_files (window, &file, 1);
  osp_test_wait_for (jobs_done, window, "the broken file");
  /* The error names the file and the window shows it in a dialog. */
  g_assert_nonnull (osp_window_get_last_error (window));
  g_assert_nonnull (strstr (osp_window_get_last_error (window), tc->name));
  g_assert_nonnull (osp_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, GTK_WINDOW (window)));
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 0);
  osp_test_destroy_toplevels (ADW_TYPE_MESSAGE_DIALOG);

  /* The window still works: a good file opens. */
  g_assert_true (osp_mesh_save (box, good, OSP_MESH_FORMAT_STL_BINARY, &error));
  g_assert_no_error (error);
  osp_window_open_files (window, &good_file, 1);
  osp_test_wait_for (jobs_done, window, "the good file");
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);
  osp_test_wait_frame (osp_window_get_viewport (window));
  osp_test_destroy_window (GTK_WINDOW (window));
}

static void
on_model_ready (OspCtDialog *dialog,
                OspMesh     *mesh,
                const char  *name,
                OspMesh    **out_mesh)
{
  *out_mesh = osp_mesh_ref (mesh);
}

static gboolean
mesh_arrived (gpointer data)
{
  return *(OspMesh **) data != NULL;
}

static void
test_ct_dialog (void)
{
  const guint32 dims[3] = { 40, 40, 40 };
  const double spacing[3] = { 1.0, 1.0, 1.0 };
  const double origin[3] = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = osp_volume_new (dims, spacing, origin, NULL, "ball.nii",
                                                &error);
  g_autoptr(OspMesh) mesh = NULL;
  OspWindow *window = new_window ();
  OspCtDialog *dialog;
  gint16 *voxels;
  OspMeshReport report;

  g_assert_no_error (error);
  /* A ball of bone, radius 12 voxels, in water. */
  voxels = osp_volume_get_data_mutable (volume);
  for (guint k = 0; k < dims[2]; k++)
    for (guint j = 0; j < dims[1]; j++)
      for (guint i = 0; i < dims[0]; i++)
        {
          double r = sqrt ((i - 20.0) * (i - 20.0) + (j - 20.0) * (j - 20.0) +
                           (k - 20.0) * (k - 20.0));

          voxels[i + dims[0] * (j + dims[1] * k)] = r < 12 ? 1200 : 0;
        }

  dialog = osp_ct_dialog_new (GTK_WINDOW (window), "ball.nii", volume, NULL, -1, NULL);
  g_signal_connect (dialog, "model-ready", G_CALLBACK (on_model_ready), &mesh);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_cmpfloat (osp_ct_dialog_get_threshold (dialog), ==, 250.0);
  osp_ct_dialog_set_threshold (dialog, 600.0);
  g_assert_cmpfloat (osp_ct_dialog_get_threshold (dialog), ==, 600.0);
  osp_ct_dialog_extract (dialog);
  osp_test_wait_for (mesh_arrived, &mesh, "the bone model");

  /* A closed ball of about 4/3 π 12³ ≈ 7238 mm³. */
  osp_mesh_report (mesh, &report);
  g_assert_true (report.closed);
  g_assert_cmpuint (report.topology.n_components, ==, 1);
  g_assert_cmpfloat_with_epsilon (report.volume, 4.0 / 3.0 * G_PI * 12 * 12 * 12, 800.0);
  osp_test_destroy_window (GTK_WINDOW (window));
}

static void
test_pick_select (void)
{
  OspWindow *window = new_window ();
  OspViewport *viewport = osp_window_get_viewport (window);
  GtkSingleSelection *selection = osp_window_get_selection (window);
  OspModel *box = add_box (window, 0xff0000);
  g_autoptr(OspMesh) small = osp_test_make_box (10, 10, 10);
  g_autoptr(OspModel) other = osp_model_new ("Screw", small, OSP_MODEL_ROLE_IMPLANT);
  const OspCamera *camera;
  OspModel *hit_model = NULL;
  float position[3];
  double cx, cy;

  /* A second model inside the box, hidden: hidden models are never picked. */
  osp_model_set_visible (other, FALSE);
  osp_window_add_model (window, other);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 1);
  osp_test_wait_frame (viewport);
  if (!check_gl (viewport))
    {
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }
  osp_viewport_set_view (viewport, OSP_VIEW_ANTERIOR);
  osp_viewport_fit_all (viewport);
  osp_test_wait_frame (viewport);
  camera = osp_viewport_get_camera (viewport);
  cx = camera->width / 2.0;
  cy = camera->height / 2.0;

  /* The centre of the view is on the box's front face, y = 0 (anterior looks along +y). */
  g_assert_true (osp_viewport_pick (viewport, cx, cy, &hit_model, position));
  g_assert_true (hit_model == box);
  g_assert_cmpfloat_with_epsilon (position[1], 0.0, 0.01);
  g_assert_cmpfloat_with_epsilon (position[0], 50.0, 2.0);
  g_assert_cmpfloat_with_epsilon (position[2], 30.0, 2.0);

  /* A click on it selects it in the list; a click on the background clears the selection. */
  osp_viewport_select_at (viewport, cx, cy);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, 0);
  osp_viewport_select_at (viewport, 2, 2);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==,
                    GTK_INVALID_LIST_POSITION);
  g_assert_false (osp_viewport_pick (viewport, 2, 2, NULL, NULL));
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* The row titled `title` under `widget`, depth first, or NULL. */
static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_PREFERENCES_ROW (child) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
        return child;
      found = find_row (child, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static const struct
{
  const char *key;
  const char *row;
  double      value;     /* set in the window, read in GSettings */
} preference_rows[] = {
  { "bone-threshold", "Bone Threshold", 420.0 },
  { "smooth-iterations", "Smoothing", 7.0 },
  { "target-triangles", "Target Triangle Count", 250000.0 },
  { "target-margin", "Target Resection Margin", 12.5 },
  { "screw-far-cortex-clearance", "Screw Stop Short of the Far Cortex", 3.5 },
  { "autosave-interval", "Autosave Interval", 7.0 },
};

static double
get_number (GSettings  *settings,
            const char *key)
{
  g_autoptr(GVariant) value = g_settings_get_value (settings, key);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (value);
  return g_variant_get_uint32 (value);
}

/* Every preference is a GSettings key the window edits both ways; the CT dialog starts from
 * them without asking the application. */
static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  GtkWidget *preferences = osp_preferences_window_new (settings);
  const guint32 dims[3] = { 4, 4, 4 };
  const double spacing[3] = { 1, 1, 1 };
  const double origin[3] = { 0, 0, 0 };
  g_autoptr(OspVolume) volume = osp_volume_new (dims, spacing, origin, NULL, NULL, NULL);
  OspCtDialog *dialog;
  GtkWidget *row;
  double x, y, z;

  gtk_window_present (GTK_WINDOW (preferences));
  for (guint i = 0; i < G_N_ELEMENTS (preference_rows); i++)
    {
      GtkSpinButton *spin;

      row = find_row (preferences, preference_rows[i].row);
      g_assert_nonnull (row);
      g_assert_true (gtk_widget_get_sensitive (row));
      spin = GTK_SPIN_BUTTON (osp_test_find_descendant (row, GTK_TYPE_SPIN_BUTTON));
      /* The window shows the key's value ... */
      g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin),
                                      get_number (settings, preference_rows[i].key), 1e-9);
      /* ... and writes what is typed at once. */
      gtk_spin_button_set_value (spin, preference_rows[i].value);
      g_assert_cmpfloat_with_epsilon (get_number (settings, preference_rows[i].key),
                                      preference_rows[i].value, 1e-9);
    }
  /* The defaults other parts of the program rely on. */
  g_settings_reset (settings, "target-margin");
  g_settings_reset (settings, "screw-far-cortex-clearance");
  g_assert_cmpfloat (g_settings_get_double (settings, "target-margin"), ==, 10.0);
  g_assert_cmpfloat (g_settings_get_double (settings, "screw-far-cortex-clearance"), ==, 2.0);

  /* A custom printer shows its build volume; the keys follow the spin buttons. */
  row = find_row (preferences, "Build Volume");
  g_assert_nonnull (row);
  g_assert_false (gtk_widget_get_visible (row));
  g_settings_set_string (settings, "printer", "custom");
  g_assert_true (gtk_widget_get_visible (row));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (osp_test_find_descendant (row,
                                                                        GTK_TYPE_SPIN_BUTTON)),
                             300.0);
  g_settings_get (settings, "printer-build-volume", "(ddd)", &x, &y, &z);
  g_assert_cmpfloat (x, ==, 300.0);
  g_assert_cmpfloat (y, ==, 210.0);
  g_assert_cmpfloat (z, ==, 220.0);
  g_settings_reset (settings, "printer");
  g_assert_false (gtk_widget_get_visible (row));

  /* The CT dialog starts from the preferences. */
  g_settings_set_double (settings, "bone-threshold", 400.0);
  g_settings_set_boolean (settings, "drop-small-pieces", FALSE);
  dialog = osp_ct_dialog_new (NULL, "scan.nii", volume, NULL, -1, NULL);
  g_assert_cmpfloat (osp_ct_dialog_get_threshold (dialog), ==, 400.0);
  row = find_row (GTK_WIDGET (dialog), "Remove Small Fragments");
  g_assert_nonnull (row);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (osp_test_find_descendant (row,
                                                                               GTK_TYPE_SWITCH))));
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (preferences));
  for (guint i = 0; i < G_N_ELEMENTS (preference_rows); i++)
    g_settings_reset (settings, preference_rows[i].key);
  g_settings_reset (settings, "bone-threshold");
  g_settings_reset (settings, "drop-small-pieces");
  g_settings_reset (settings, "printer-build-volume");
}

/* A key the administrator has locked (dconf locks; here the keyfile backend's, which reads
 * them the same way) greys its row out, and the value shown is the one set for everyone. */
static void
test_preferences_locked (void)
{
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "locked-settings", NULL);
  g_autofree char *keyfile = g_build_filename (dir, "user", NULL);
  g_autofree char *defaults = g_build_filename (dir, "defaults", NULL);
  g_autofree char *locks = g_build_filename (dir, "locks", NULL);
  g_autoptr(GSettingsBackend) probe = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *preferences;
  GtkWidget *row;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (defaults, "[io/github/osteoplan/Osteoplan]\n"
                                                "autosave-interval=uint32 2\n"
                                                "target-margin=15.0\n", -1, &error));
  g_assert_true (g_file_set_contents (locks, "/io/github/osteoplan/Osteoplan/autosave-interval\n"
                                             "/io/github/osteoplan/Osteoplan/target-margin\n",
                                      -1, &error));
  g_assert_no_error (error);
  /* The keyfile backend's type is private: made once through its public constructor. */
  probe = g_keyfile_settings_backend_new (keyfile, "/", NULL);
  backend = g_object_new (G_OBJECT_TYPE (probe), "filename", keyfile, "root-path", "/",
                          "defaults-dir", dir, NULL);
  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (),
                                            APPLICATION_ID, TRUE);
  g_assert_nonnull (schema);
  settings = g_settings_new_full (schema, backend, NULL);
  g_assert_false (g_settings_is_writable (settings, "autosave-interval"));
  g_assert_true (g_settings_is_writable (settings, "bone-threshold"));

  preferences = osp_preferences_window_new (settings);
  gtk_window_present (GTK_WINDOW (preferences));
  row = find_row (preferences, "Autosave Interval");
  g_assert_false (gtk_widget_get_sensitive (row));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (
                       osp_test_find_descendant (row, GTK_TYPE_SPIN_BUTTON))), ==, 2.0);
  row = find_row (preferences, "Target Resection Margin");
  g_assert_false (gtk_widget_get_sensitive (row));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (
                       osp_test_find_descendant (row, GTK_TYPE_SPIN_BUTTON))), ==, 15.0);
  g_assert_true (gtk_widget_get_sensitive (find_row (preferences, "Bone Threshold")));
  osp_test_screenshot ("OSP_TEST_SHOTS", "preferences-locked.png");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

/* The mnemonic letters of a menu's items, its sections' included (submenus are menus of their
 * own), into `seen`: a letter twice fails, naming both items. */
static void
check_menu_mnemonics (GMenuModel *menu,
                      GHashTable *seen)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autoptr(GMenuModel) submenu = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SUBMENU);
      const char *underscore;

      if (section != NULL)
        check_menu_mnemonics (section, seen);
      if (submenu != NULL)
        {
          g_autoptr(GHashTable) own = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                             g_free);

          check_menu_mnemonics (submenu, own);
        }
      if (!g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label) ||
          (underscore = strchr (label, '_')) == NULL || underscore[1] == '\0')
        continue;
      {
        gpointer key = GUINT_TO_POINTER (g_unichar_tolower (g_utf8_get_char (underscore + 1)));
        const char *other = g_hash_table_lookup (seen, key);

        if (other != NULL)
          {
            g_test_message ("the menu items “%s” and “%s” have the same mnemonic", other, label);
            g_test_fail ();
          }
        else
          g_hash_table_insert (seen, key, g_strdup (label));
      }
    }
}

/* The mnemonics of the labels under `widget` (buttons, rows, fields), into `seen`. */
static void
check_widget_mnemonics (GtkWidget  *widget,
                        GHashTable *seen)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_label_get_use_underline (GTK_LABEL (child)) &&
          strchr (gtk_label_get_label (GTK_LABEL (child)), '_') != NULL)
        {
          gpointer key = GUINT_TO_POINTER (gdk_keyval_to_lower (
                                             gtk_label_get_mnemonic_keyval (GTK_LABEL (child))));
          const char *label = gtk_label_get_label (GTK_LABEL (child));
          const char *other = g_hash_table_lookup (seen, key);

          if (other != NULL)
            {
              g_test_message ("“%s” and “%s” have the same mnemonic", other, label);
              g_test_fail ();
            }
          else
            g_hash_table_insert (seen, key, g_strdup (label));
        }
      check_widget_mnemonics (child, seen);
    }
}

/* Checks the menu of every menu button under `widget`. */
static void
check_menus (GtkWidget *widget,
             guint     *n_menus)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_MENU_BUTTON (child) &&
          gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (child)) != NULL)
        {
          g_autoptr(GHashTable) seen = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                                              NULL, g_free);

          check_menu_mnemonics (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (child)), seen);
          (*n_menus)++;
        }
      check_menus (child, n_menus);
    }
}

/* No two items of a menu, nor two controls of a side panel, share an Alt key. */
static void
test_mnemonics (void)
{
  OspWindow *window = new_window ();
  GtkWidget *panels[] = {
    GTK_WIDGET (osp_window_get_implant_panel (window)),
    GTK_WIDGET (osp_window_get_measure_panel (window)),
    GTK_WIDGET (osp_window_get_cut_panel (window)),
    GTK_WIDGET (osp_window_get_mirror_panel (window)),
  };

  guint n_menus = 0;

  check_menus (GTK_WIDGET (window), &n_menus);
  /* The Open menu and the main menu. */
  g_assert_cmpuint (n_menus, >=, 2);
  for (guint i = 0; i < G_N_ELEMENTS (panels); i++)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                          g_free);

      check_widget_mnemonics (panels[i], seen);
    }
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* The key file of versions before GSettings moves into GSettings once, then goes. */
static void
test_settings_migration (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "osteoplan", NULL);
  g_autofree char *path = g_build_filename (dir, "settings.ini", NULL);
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autoptr(OspApplication) app = osp_application_new (0);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "[view]\northographic=true\n"
                                            "[ct]\nbone-threshold=320\nsmooth-iterations=4\n"
                                            "target-triangles=90000\n", -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_settings_get_boolean (settings, "orthographic"));
  g_assert_cmpfloat (g_settings_get_double (settings, "bone-threshold"), ==, 320.0);
  g_assert_cmpuint (g_settings_get_uint (settings, "smooth-iterations"), ==, 4);
  g_assert_cmpuint (g_settings_get_uint (settings, "target-triangles"), ==, 90000);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_settings_reset (settings, "orthographic");
  g_settings_reset (settings, "bone-threshold");
  g_settings_reset (settings, "smooth-iterations");
  g_settings_reset (settings, "target-triangles");
}

static gboolean
has_current_folder (gpointer data)
{
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (data);

  return folder != NULL;
}

/* File choosers start in the folder of the file chosen last. */
static void
test_last_folder (void)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "last-folder", NULL);
  g_autofree char *path = g_build_filename (dir, "pelvis.stl", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) current = NULL;
  g_autofree char *uri = g_file_get_uri (folder);
  g_autofree char *stored = NULL;
  GtkFileChooserNative *chooser;

  /* In a process of its own, as the export dialog's chooser test: the file chooser takes the
   * process past about 2048 quarks, and GLib then abandons its first 16 KiB quark table by
   * design, which LSan reports (with the application test) and no suppression can match. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  osp_settings_remember_folder (file);
  stored = g_settings_get_string (settings, "last-folder");
  g_assert_cmpstr (stored, ==, uri);

  chooser = gtk_file_chooser_native_new ("", NULL, GTK_FILE_CHOOSER_ACTION_OPEN, NULL, NULL);
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (chooser));
  /* The chooser takes the folder in as it loads it. */
  osp_test_wait_for (has_current_folder, chooser, "the chooser's folder");
  current = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser));
  g_assert_nonnull (current);
  g_assert_true (g_file_equal (current, folder));
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_object_unref (chooser);
  g_settings_reset (settings, "last-folder");
}

/* A new window opens at the size the last one closed with (GSettings, written at close). */
static void
test_window_state (void)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  OspWindow *window = osp_window_new (NULL);
  int width = 0, height = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 650);
  gtk_window_present (GTK_WINDOW (window));
  osp_test_destroy_window (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 650);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  window = osp_window_new (NULL);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 650);
  /* Smaller than the schema allows: stored at the smallest, without a critical. */
  gtk_window_set_default_size (GTK_WINDOW (window), 200, 100);
  osp_test_destroy_window (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 360);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 294);
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
}

/* The application's menu actions open their windows (About, Preferences, a new window). */
static void
test_app_actions (void)
{
  g_autoptr(OspApplication) app = osp_application_new (0);
  g_autoptr(GError) error = NULL;
  static const struct { const char *action; const char *type; } cases[] = {
    { "about", "AdwAboutWindow" },
    { "preferences", "OspPreferencesWindow" },
    { "new-window", "OspWindow" },
  };

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GType type;

      g_action_group_activate_action (G_ACTION_GROUP (app), cases[i].action, NULL);
      /* Looked up once the action has made one: a type is registered on first use. */
      type = g_type_from_name (cases[i].type);
      g_assert_true (type != 0);
      g_assert_nonnull (osp_test_find_any_toplevel (type));
    }
  osp_test_destroy_toplevels (GTK_TYPE_WINDOW);
}

/* A folder of meshes (not a DICOM series) opens each mesh in it, in name order. */
static void
test_mesh_folder (void)
{
  OspWindow *window = new_window ();
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "meshes", NULL);
  g_autofree char *a = g_build_filename (dir, "b-sacrum.stl", NULL);
  g_autofree char *b = g_build_filename (dir, "a-ilium.ply", NULL);
  g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(OspMesh) tetra = osp_test_make_tetrahedron ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspModel) first = NULL;
  g_autoptr(OspModel) second = NULL;
  GListModel *models = osp_window_get_models (window);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (osp_mesh_save (box, a, OSP_MESH_FORMAT_STL_BINARY, &error));
  g_assert_true (osp_mesh_save (tetra, b, OSP_MESH_FORMAT_PLY, &error));
  g_assert_true (g_file_set_contents (notes, "not a mesh", -1, &error));
  g_assert_no_error (error);

  osp_window_open_files (window, &folder, 1);
  osp_test_wait_for (jobs_done, window, "the meshes of the folder");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_cmpuint (g_list_model_get_n_items (models), ==, 2);
  first = g_list_model_get_item (models, 0);
  second = g_list_model_get_item (models, 1);
  /* Loads finish in any order; both are there, named after their files. */
  g_assert_true ((g_str_equal (osp_model_get_name (first), "a-ilium") &&
                  g_str_equal (osp_model_get_name (second), "b-sacrum")) ||
                 (g_str_equal (osp_model_get_name (first), "b-sacrum") &&
                  g_str_equal (osp_model_get_name (second), "a-ilium")));
  osp_test_destroy_window (GTK_WINDOW (window));
}

/* Cancel stops the job without an error, and the window opens the next file normally. */
static void
test_cancel (void)
{
  OspWindow *window = new_window ();
  g_autofree char *good = g_build_filename (osp_test_tmpdir (), "after-cancel.stl", NULL);
  g_autoptr(GFile) good_file = g_file_new_for_path (good);
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(GError) error = NULL;

  osp_window_open_demo (window);
  g_assert_cmpuint (osp_window_get_n_jobs (window), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
  osp_test_wait_for (jobs_done, window, "the cancelled demo");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 0);

  g_assert_true (osp_mesh_save (box, good, OSP_MESH_FORMAT_STL_BINARY, &error));
  g_assert_no_error (error);
  osp_window_open_files (window, &good_file, 1);
  osp_test_wait_for (jobs_done, window, "the file after the cancel");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);
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

  g_test_add_func ("/gui/demo", test_demo);
  g_test_add_func ("/gui/visibility", test_visibility);
  g_test_add_func ("/gui/view-keys", test_view_keys);
  g_test_add_func ("/gui/section-wireframe", test_section_wireframe);
  for (guint i = 0; i < G_N_ELEMENTS (broken_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/gui/broken-file/%s", broken_cases[i].name);

      g_test_add_data_func (name, &broken_cases[i], test_broken_file);
    }
  g_test_add_func ("/gui/ct-dialog", test_ct_dialog);
  g_test_add_func ("/gui/pick-select", test_pick_select);
  g_test_add_func ("/gui/preferences", test_preferences);
  g_test_add_func ("/gui/preferences-locked", test_preferences_locked);
  g_test_add_func ("/gui/window-state", test_window_state);
  g_test_add_func ("/gui/last-folder", test_last_folder);
  g_test_add_func ("/gui/settings-migration", test_settings_migration);
  g_test_add_func ("/gui/mnemonics", test_mnemonics);
  g_test_add_func ("/gui/app-actions", test_app_actions);
  g_test_add_func ("/gui/mesh-folder", test_mesh_folder);
  g_test_add_func ("/gui/cancel", test_cancel);
  return g_test_run ();
}
