/* test-gui-first-frame.c — what a large model's first frame waits for, and what it does not
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Issue 16 §4: the window shows the empty 3D view as soon as a file starts loading (its OpenGL
 * context and shaders are made meanwhile); the first frame draws the model; the topology
 * report (closed or open) comes after that frame, off the main thread, and the model list says
 * "Checking…" until then, never a guess; then the report is the right one.  No timing is
 * asserted: only the order of events.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "osp-mesh-io.h"
#include "osp-model-row.h"
#include "osp-test-common.h"
#include "osp-test-gui.h"
#include "osp-viewport.h"
#include "osp-window.h"

#define TIMEOUT_S 120

typedef struct
{
  OspWindow *window;
  gboolean   drawn;                /* a frame showed the model */
  guint64    n_drawn;              /* its triangles drawn */
  gboolean   known_at_first_frame;
  char      *label_at_first_frame;
  gboolean   view_shown_while_loading;
} Order;

static gboolean
jobs_done (gpointer data)
{
  return osp_window_get_n_jobs (data) == 0;
}

/* The model row's topology line (the label with the "topology" style class). */
static GtkLabel *
find_topology_label (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;

      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "topology"))
        return GTK_LABEL (child);
      if ((found = find_topology_label (child)) != NULL)
        return found;
    }
  return NULL;
}

static const char *
topology_text (OspWindow *window)
{
  GtkWidget *row = osp_test_find_descendant (GTK_WIDGET (window), OSP_TYPE_MODEL_ROW);
  GtkLabel *label = row != NULL ? find_topology_label (row) : NULL;

  return label != NULL ? gtk_label_get_text (label) : NULL;
}

static void
on_frame_drawn (OspViewport *viewport,
                Order       *order)
{
  g_autoptr(OspModel) model = NULL;

  if (order->drawn || osp_viewport_get_n_drawn_triangles (viewport) == 0)
    return;
  order->drawn = TRUE;
  order->n_drawn = osp_viewport_get_n_drawn_triangles (viewport);
  model = g_list_model_get_item (osp_window_get_models (order->window), 0);
  order->known_at_first_frame = osp_model_get_topology (model, NULL);
  order->label_at_first_frame = g_strdup (topology_text (order->window));
}

static gboolean
model_drawn (gpointer data)
{
  return ((Order *) data)->drawn;
}

static gboolean
topology_known (gpointer data)
{
  g_autoptr(OspModel) model = g_list_model_get_item (data, 0);

  return osp_model_get_topology (model, NULL);
}

/* The 3D view is on the screen (realized, so its context and shaders are being made). */
static gboolean
view_realized (gpointer data)
{
  Order *order = data;

  order->view_shown_while_loading =
    gtk_widget_get_mapped (GTK_WIDGET (osp_window_get_viewport (order->window)));
  return order->view_shown_while_loading || order->drawn;
}

static void
test_order (void)
{
  Order order = { 0 };
  OspWindow *window = osp_test_new_window (900, 600);
  OspViewport *viewport = osp_window_get_viewport (window);
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "first-frame.stl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (60.0f, 420, 320);
  g_autofree gboolean *keep = g_new (gboolean, osp_mesh_get_n_triangles (sphere));
  g_autoptr(OspMesh) holed = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(GError) error = NULL;
  OspMeshTopology expected, found;
  guint32 n;

  /* A closed sphere of more than 250 000 triangles (a coarse level is due on llvmpipe) with
   * two triangles far apart taken out: two holes, six boundary edges. */
  n = osp_mesh_get_n_triangles (sphere);
  g_assert_cmpuint (n, >, 250000);
  for (guint32 t = 0; t < n; t++)
    keep[t] = t != n / 3 && t != 2 * (n / 3);
  holed = osp_mesh_extract_triangles (sphere, keep);
  osp_mesh_get_topology (holed, &expected);
  g_assert_cmpuint (expected.n_boundary_edges, ==, 6);
  g_assert_cmpuint (expected.n_nonmanifold_edges, ==, 0);
  g_assert_cmpuint (expected.n_components, ==, 1);
  g_assert_true (osp_mesh_save (holed, path, OSP_MESH_FORMAT_STL_BINARY, &error));
  g_assert_no_error (error);

  order.window = window;
  g_signal_connect (viewport, "frame-drawn", G_CALLBACK (on_frame_drawn), &order);
  osp_window_open_files (window, &file, 1);
  g_assert_cmpuint (osp_window_get_n_jobs (window), ==, 1);
  /* The empty 3D view shows while the file loads (not the start page until it is done). */
  osp_test_wait_for (view_realized, &order, "the 3D view");
  g_assert_true (order.view_shown_while_loading);

  osp_test_wait_for (jobs_done, window, "the file");
  g_assert_null (osp_window_get_last_error (window));
  g_assert_cmpuint (g_list_model_get_n_items (osp_window_get_models (window)), ==, 1);
  model = g_list_model_get_item (osp_window_get_models (window), 0);
  g_assert_cmpuint (osp_model_get_n_triangles (model), ==, n - 2);
  osp_test_wait_for (model_drawn, &order, "the model's first frame");
  if (osp_viewport_get_gl_error (viewport) != NULL)
    {
      g_test_skip ("no OpenGL 3.3 here");
      g_free (order.label_at_first_frame);
      osp_test_destroy_window (GTK_WINDOW (window));
      return;
    }

  /* The first frame drew every triangle, before the topology was known; the list said so. */
  g_assert_cmpuint (order.n_drawn, ==, n - 2);
  g_assert_false (order.known_at_first_frame);
  g_assert_cmpstr (order.label_at_first_frame, ==, "Checking…");

  /* Then the report arrives, the right one, and the list shows it. */
  osp_test_wait_for (topology_known, osp_window_get_models (window), "the topology");
  g_assert_true (osp_model_get_topology (model, &found));
  g_assert_cmpuint (found.n_boundary_edges, ==, expected.n_boundary_edges);
  g_assert_cmpuint (found.n_nonmanifold_edges, ==, expected.n_nonmanifold_edges);
  g_assert_cmpuint (found.n_misoriented_edges, ==, expected.n_misoriented_edges);
  g_assert_cmpuint (found.n_components, ==, expected.n_components);
  g_assert_cmpint (found.euler_characteristic, ==, expected.euler_characteristic);
  g_assert_cmpstr (topology_text (window), ==, "Open: 6 edges border holes");

  /* A new mesh (a tool's result) is "Checking…" again until its own report is in. */
  {
    g_autoptr(OspMesh) closed = osp_test_make_box (10, 20, 30);

    osp_model_set_mesh (model, closed);
    g_assert_cmpstr (topology_text (window), ==, "Checking…");
    osp_test_wait_for (topology_known, osp_window_get_models (window), "the new topology");
    g_assert_cmpstr (topology_text (window), ==, "Closed, 1 piece");
  }
  g_free (order.label_at_first_frame);
  g_signal_handlers_disconnect_by_data (viewport, &order);
  osp_test_destroy_window (GTK_WINDOW (window));
  /* The coarse level and the picking trees of the 3D view that went away finish in their
   * threads; LeakSanitizer's check at exit must not meet them half-way. */
  osp_test_spin (1500);
  g_unlink (path);
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

  g_test_add_func ("/gui/first-frame/order", test_order);
  return g_test_run ();
}
