/* test-print-check.c — the print-readiness check finds each planted defect
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-print-check.h"
#include "osp-test-common.h"

/* -- Defects ----------------------------------------------------------------------------- */

static OspMesh *make_box20 (void) { return osp_test_make_box (20, 20, 20); }
static OspMesh *make_torus (void) { return osp_test_make_torus (30, 8, 64, 32); }
static OspMesh *make_sphere (void) { return osp_test_make_sphere (12.5f, 48, 24); }

/* A box without its last triangle. */
static OspMesh *
make_hole (void)
{
  g_autoptr(OspMesh) box = make_box20 ();
  gboolean keep[12];

  for (guint i = 0; i < 12; i++)
    keep[i] = i != 11;
  return osp_mesh_extract_triangles (box, keep);
}

/* A box with one triangle's winding reversed. */
static OspMesh *
make_flipped_face (void)
{
  g_autoptr(OspMesh) box = make_box20 ();
  g_autofree guint32 *idx = g_memdup2 (osp_mesh_get_indices (box), 36 * sizeof (guint32));
  guint32 tmp = idx[1];

  idx[1] = idx[2];
  idx[2] = tmp;
  return osp_mesh_new (osp_mesh_get_positions (box), 8, idx, 12);
}

static OspMesh *
make_inside_out (void)
{
  g_autoptr(OspMesh) box = make_box20 ();

  return osp_mesh_flip (box);
}

/* Two boxes overlapping by half. */
static OspMesh *
make_overlapping_boxes (void)
{
  g_autoptr(OspMesh) a = make_box20 ();
  g_autoptr(OspMesh) b = osp_test_translate (a, 10, 10, 10);

  return osp_test_merge2 (a, b);
}

/* Two separate boxes: fine. */
static OspMesh *
make_separate_boxes (void)
{
  g_autoptr(OspMesh) a = make_box20 ();
  g_autoptr(OspMesh) b = osp_test_translate (a, 30, 0, 0);

  return osp_test_merge2 (a, b);
}

/* A 0.5 mm plate. */
static OspMesh *
make_thin_plate (void)
{
  return osp_test_make_box (20, 20, 0.5f);
}

/* A hollow cube with 0.5 mm walls: an outer box and an inverted inner one. */
static OspMesh *
make_hollow (void)
{
  g_autoptr(OspMesh) outer = osp_test_make_box (20, 20, 20);
  g_autoptr(OspMesh) inner0 = osp_test_make_box (19, 19, 19);
  g_autoptr(OspMesh) inner1 = osp_test_translate (inner0, 0.5f, 0.5f, 0.5f);
  g_autoptr(OspMesh) inner = osp_mesh_flip (inner1);

  return osp_test_merge2 (outer, inner);
}

static OspMesh *
make_too_big (void)
{
  return osp_test_make_box (300, 10, 10);
}

/* 180 mm long: fits a Form 3B (145 × 145 × 185) only standing up. */
static OspMesh *
make_needs_rotation (void)
{
  return osp_test_make_box (180, 10, 10);
}

/* 182 × 100 × 10 mm turned 45° about z: its axis-aligned box (199 × 199 × 10) fits no
 * Form 3B order, its principal box does. */
static OspMesh *
make_slanted (void)
{
  g_autoptr(OspMesh) plate = osp_test_make_box (182, 100, 10);
  mat4 m = GLM_MAT4_IDENTITY_INIT;

  glm_rotate_z (m, (float) (G_PI / 4), m);
  return osp_mesh_transform (plate, m);
}

/* A box plus a separate triangle with collinear corners. */
static OspMesh *
make_degenerate (void)
{
  g_autoptr(OspMesh) box = make_box20 ();
  const float p[9] = { 50, 0, 0, 51, 0, 0, 52, 0, 0 };
  const guint32 t[3] = { 0, 1, 2 };
  g_autoptr(OspMesh) sliver = osp_mesh_new (p, 3, t, 1);

  return osp_test_merge2 (box, sliver);
}

typedef struct
{
  const char      *name;
  OspMesh       *(*make) (void);
  const char      *printer;           /* NULL: no build volume */
  OspPrintVerdict  verdict;
  const char      *problem;           /* a word of the expected problem, or NULL for none */
  gint64           self_intersections; /* −1: > 0 expected */
  double           min_wall;          /* expected thinnest wall, 0: not measured */
} CheckCase;

static const CheckCase check_cases[] = {
  { "box", make_box20, "prusa-mk4", OSP_PRINT_READY, NULL, 0, 20.0 },
  { "torus", make_torus, "bambu-x1c", OSP_PRINT_READY, NULL, 0, 0 },
  { "sphere", make_sphere, NULL, OSP_PRINT_READY, NULL, 0, 0 },
  { "hole", make_hole, NULL, OSP_PRINT_NOT_READY, "Not closed", 0, 0 },
  { "flipped-face", make_flipped_face, NULL, OSP_PRINT_NOT_READY, "orientation", 0, 0 },
  { "inside-out", make_inside_out, NULL, OSP_PRINT_NOT_READY, "Inside out", 0, 0 },
  { "overlapping-boxes", make_overlapping_boxes, NULL, OSP_PRINT_NOT_READY, "Self-intersecting",
    -1, 0 },
  { "separate-boxes", make_separate_boxes, NULL, OSP_PRINT_READY, NULL, 0, 20.0 },
  { "thin-plate", make_thin_plate, NULL, OSP_PRINT_NOT_READY, "too thin", 0, 0.5 },
  { "hollow-thin", make_hollow, NULL, OSP_PRINT_NOT_READY, "too thin", 0, 0.5 },
  { "too-big", make_too_big, "formlabs-form3b", OSP_PRINT_NOT_READY, "Too big", 0, 10.0 },
  { "needs-rotation", make_needs_rotation, "formlabs-form3b", OSP_PRINT_READY, NULL, 0, 10.0 },
  { "slanted", make_slanted, "formlabs-form3b", OSP_PRINT_READY, NULL, 0, 10.0 },
  { "degenerate", make_degenerate, NULL, OSP_PRINT_NOT_READY, "degenerate", 0, 0 },
};

static gboolean
has_problem (const OspPrintReport *report,
             const char           *word)
{
  for (guint i = 0; i < report->problems->len; i++)
    if (strstr (g_ptr_array_index (report->problems, i), word) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_check (gconstpointer data)
{
  const CheckCase *tc = data;
  g_autoptr(OspMesh) mesh = tc->make ();
  g_autoptr(OspPrintReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  OspPrintCheckOptions options;

  osp_print_check_options_init (&options);
  if (tc->printer != NULL)
    memcpy (options.build_volume, osp_printer_lookup (tc->printer)->size,
            sizeof options.build_volume);
  report = osp_print_check (mesh, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  text = osp_print_report_to_text (report, tc->name);
  if (g_test_verbose ())
    g_test_message ("%s", text);

  g_assert_cmpint (report->verdict, ==, tc->verdict);
  if (tc->problem != NULL)
    g_assert_true (has_problem (report, tc->problem));
  else
    g_assert_cmpuint (report->problems->len, ==, 0);
  g_assert_true (report->self_intersections_checked);
  if (tc->self_intersections < 0)
    g_assert_cmpuint (report->n_self_intersections, >, 0);
  else
    g_assert_cmpuint (report->n_self_intersections, ==, (guint64) tc->self_intersections);
  if (tc->min_wall > 0)
    g_assert_cmpfloat_with_epsilon (report->min_wall, tc->min_wall, 1e-3);
  if (tc->printer != NULL)
    {
      g_assert_true (report->build_volume_checked);
      g_assert_cmpint (report->fits, ==, tc->verdict == OSP_PRINT_READY);
      g_assert_cmpint (report->fits_rotated, ==, strcmp (tc->name, "slanted") == 0);
      if (report->fits_rotated)
        {
          g_assert_cmpfloat_with_epsilon (report->fit_size[0] + report->fit_size[1] +
                                          report->fit_size[2], 292.0, 1e-2);
        }
    }
}

/* The walls of the torus's tube and of the sphere are measured, not only checked. */
static void
test_wall_values (void)
{
  g_autoptr(OspMesh) torus = make_torus ();
  g_autoptr(OspMesh) sphere = make_sphere ();
  g_autoptr(OspPrintReport) rt = NULL, rs = NULL;
  OspPrintCheckOptions options;

  osp_print_check_options_init (&options);
  options.min_wall = 20;
  rt = osp_print_check (torus, &options, NULL, NULL, NULL);
  /* Tube diameter 16 (the polygon is slightly inside the circle). */
  g_assert_cmpfloat (rt->min_wall, >, 15.5);
  g_assert_cmpfloat (rt->min_wall, <=, 16.01);
  g_assert_cmpint (rt->verdict, ==, OSP_PRINT_NOT_READY);
  options.min_wall = 1.5;
  rs = osp_print_check (sphere, &options, NULL, NULL, NULL);
  g_assert_cmpfloat (rs->min_wall, >, 24.5);
  g_assert_cmpfloat (rs->min_wall, <=, 25.01);
}

/* Self-intersections: none for closed solids, welded or not; the pairs of two crossing
 * triangles are found exactly. */
static void
test_self_intersections (void)
{
  g_autoptr(OspMesh) torus = osp_test_make_torus (10, 3, 48, 24);
  const float *p = osp_mesh_get_positions (torus);
  const guint32 *t = osp_mesh_get_indices (torus);
  guint32 nt = osp_mesh_get_n_triangles (torus);
  g_autofree float *soup = g_new (float, 9 * (gsize) nt);
  g_autofree guint32 *seq = g_new (guint32, 3 * (gsize) nt);
  g_autoptr(OspMesh) unwelded = NULL;
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint64 n = 99;
  /* Two triangles crossing like a plus sign, and a third far away. */
  const float cross_p[] = { -1, 0, -1, 1, 0, -1, 0, 0, 1,
                            0, -1, 0, 0, 1, 0, 0, 0, 2,
                            10, 10, 10, 11, 10, 10, 10, 11, 10 };
  const guint32 cross_t[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr(OspMesh) cross = osp_mesh_new (cross_p, 9, cross_t, 3);

  for (gsize i = 0; i < 3 * (gsize) nt; i++)
    {
      memcpy (soup + 3 * i, p + 3 * (gsize) t[i], 3 * sizeof (float));
      seq[i] = (guint32) i;
    }
  unwelded = osp_mesh_new (soup, 3 * nt, seq, nt);

  g_assert_true (osp_mesh_find_self_intersections (torus, 0, NULL, &n, NULL, NULL, NULL));
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (osp_mesh_find_self_intersections (unwelded, 0, NULL, &n, NULL, NULL, NULL));
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (osp_mesh_find_self_intersections (cross, 0, pairs, &n, NULL, NULL, NULL));
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (pairs->len, ==, 2);
  g_assert_cmpuint (g_array_index (pairs, guint32, 0), ==, 0);
  g_assert_cmpuint (g_array_index (pairs, guint32, 1), ==, 1);
}

/* Tiny triangles along a line and one huge diagonal sliver: the grid coarsens instead of
 * asking for gigabytes. */
static void
test_huge_triangle (void)
{
  const guint n = 3000;
  float *p = g_new (float, 9 * (n + 1));
  guint32 *t = g_new (guint32, 3 * (n + 1));
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;
  guint64 pairs = 99;

  for (guint i = 0; i < n; i++)
    {
      float x = (float) i * 0.1f;
      float tri[9] = { x, 0, 0, x + 0.05f, 0, 0, x, 0.05f, 0 };

      memcpy (p + 9 * i, tri, sizeof tri);
    }
  {
    float sliver[9] = { 0, 0, 1, 300, 300, 300, 300, 300.001f, 300 };

    memcpy (p + 9 * n, sliver, sizeof sliver);
  }
  for (guint i = 0; i < 3 * (n + 1); i++)
    t[i] = i;
  mesh = osp_mesh_new_take (p, 3 * (n + 1), t, n + 1);
  g_assert_true (osp_mesh_find_self_intersections (mesh, 0, NULL, &pairs, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pairs, ==, 0);
}

static void
test_printers (void)
{
  guint n = 0;
  const OspPrinter *all = osp_printers_get (&n);
  const OspPrinter *mk4 = osp_printer_lookup ("Prusa MK4");

  g_assert_cmpuint (n, >=, 5);
  g_assert_nonnull (mk4);
  g_assert_cmpfloat (mk4->size[0], ==, 250);
  g_assert_cmpfloat (mk4->size[1], ==, 210);
  g_assert_cmpfloat (mk4->size[2], ==, 220);
  g_assert_true (osp_printer_lookup ("BAMBU-X1C") == osp_printer_lookup ("bambu-x1c"));
  g_assert_null (osp_printer_lookup ("no such printer"));
  for (guint i = 0; i < n; i++)
    g_assert_true (osp_printer_lookup (all[i].id) == &all[i]);
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OspPrintReport **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = osp_print_check_finish (result, &error);
  g_assert_no_error (error);
}

/* The dialog's way: in a worker thread, the answer in the main loop. */
static void
test_async (void)
{
  g_autoptr(OspMesh) mesh = make_thin_plate ();
  g_autoptr(OspPrintReport) report = NULL;
  OspPrintCheckOptions options;

  osp_print_check_options_init (&options);
  osp_print_check_async (mesh, &options, NULL, NULL, async_done, &report);
  while (report == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (report->verdict, ==, OSP_PRINT_NOT_READY);
  g_assert_cmpfloat_with_epsilon (report->min_wall, 0.5, 1e-4);
}

static void
cancel_soon (double   fraction,
             gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_cancel (void)
{
  g_autoptr(OspMesh) mesh = osp_test_make_sphere (10, 128, 64);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OspProgressRange progress = { cancel_soon, cancellable, 0, 1 };
  g_autoptr(GError) error = NULL;
  OspPrintCheckOptions options;
  OspPrintReport *report;

  osp_print_check_options_init (&options);
  report = osp_print_check (mesh, &options, &progress, cancellable, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- degenerate input: the check and the repair stay near-linear ---- */

/* A flat polygon of n corners (radius 50) triangulated as a fan from corner 0, as the OBJ
 * reader splits a huge face: n − 2 long thin triangles meeting at one vertex. */
static OspMesh *
make_polygon_fan (guint32 n)
{
  float *p = g_new (float, 3 * (gsize) n);
  guint32 *t = g_new (guint32, 3 * (gsize) (n - 2));

  for (guint32 i = 0; i < n; i++)
    {
      double a = 2 * G_PI * i / n;

      p[3 * i] = (float) (50 * cos (a));
      p[3 * i + 1] = (float) (50 * sin (a));
      p[3 * i + 2] = 0;
    }
  for (guint32 i = 0; i + 2 < n; i++)
    {
      t[3 * i] = 0;
      t[3 * i + 1] = i + 1;
      t[3 * i + 2] = i + 2;
    }
  return osp_mesh_new_take (p, n, t, n - 2);
}

/* A closed 20 mm box plus `extra` triangles on their own vertices: copies of one triangle
 * inside the box (copies TRUE), or zero-area ones (three points on a line) inside it. */
static OspMesh *
make_box_with (guint32  extra,
               gboolean copies)
{
  g_autoptr(OspMesh) box = osp_test_make_box (20, 20, 20);
  guint32 nv = osp_mesh_get_n_vertices (box), nt = osp_mesh_get_n_triangles (box);
  float *p = g_new (float, 3 * ((gsize) nv + 3 * (gsize) extra));
  guint32 *t = g_new (guint32, 3 * ((gsize) nt + extra));

  memcpy (p, osp_mesh_get_positions (box), 3 * sizeof (float) * nv);
  memcpy (t, osp_mesh_get_indices (box), 3 * sizeof (guint32) * nt);
  for (guint32 e = 0; e < extra; e++)
    for (guint32 k = 0; k < 3; k++)
      {
        float *q = p + 3 * ((gsize) nv + 3 * (gsize) e + k);

        q[0] = copies ? (k == 1 ? 8.0f : 5.0f) : 5.0f + k;
        q[1] = copies ? (k == 2 ? 8.0f : 5.0f) : 5.0f + k;
        q[2] = copies ? 10.0f : 5.0f + k + (float) e / 2048.0f;  /* exact: on one line */
        t[3 * ((gsize) nt + e) + k] = nv + 3 * e + k;
      }
  return osp_mesh_new_take (p, nv + 3 * extra, t, nt + extra);
}

static gboolean
report_says (const OspPrintReport *report,
             const char           *part)
{
  for (guint i = 0; i < report->problems->len; i++)
    if (strstr (g_ptr_array_index (report->problems, i), part) != NULL)
      return TRUE;
  for (guint i = 0; i < report->notes->len; i++)
    if (strstr (g_ptr_array_index (report->notes, i), part) != NULL)
      return TRUE;
  return FALSE;
}

/* A 100 000-corner polygon's fan: all its triangles meet in one grid cell.  The check does not
 * test them pair by pair, says so, and claims no "No self-intersections"; the fan is flat and
 * open. */
static void
test_degenerate_fan (void)
{
  g_autoptr(OspMesh) mesh = make_polygon_fan (100000);
  g_autoptr(OspPrintReport) report = NULL;
  g_autoptr(GError) error = NULL;
  OspPrintCheckOptions options;
  guint64 pairs = 1, unchecked = 0;

  osp_print_check_options_init (&options);
  report = osp_print_check (mesh, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->mesh.n_triangles, ==, 99998);
  g_assert_cmpuint (report->mesh.topology.n_boundary_edges, ==, 100000);
  g_assert_cmpint (report->verdict, ==, OSP_PRINT_NOT_READY);
  g_assert_true (report->self_intersections_checked);
  g_assert_cmpuint (report->n_self_intersections, ==, 0);
  g_assert_cmpuint (report->n_unchecked_spots, ==, 1);
  g_assert_true (report_says (report, "Self-intersections were not fully checked: 1 spot holds "
                                      "more than 2048 triangles"));
  g_assert_false (report_says (report, "No self-intersections."));

  g_assert_true (osp_mesh_find_self_intersections (mesh, 0, NULL, &pairs, &unchecked, NULL,
                                                   &error));
  g_assert_cmpuint (pairs, ==, 0);
  g_assert_cmpuint (unchecked, ==, 1);
}

/* 15 000 zero-area triangles are left out of the pair tests (they cross nothing): the box's
 * check is complete and finds no self-intersection; they are reported as degenerate. */
static void
test_degenerate_zero_area (void)
{
  g_autoptr(OspMesh) mesh = make_box_with (15000, FALSE);
  g_autoptr(OspPrintReport) report = NULL;
  g_autoptr(GError) error = NULL;
  OspPrintCheckOptions options;

  osp_print_check_options_init (&options);
  options.min_wall = 0;
  report = osp_print_check (mesh, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report->mesh.n_degenerate, ==, 15000);
  g_assert_cmpuint (report->n_self_intersections, ==, 0);
  g_assert_cmpuint (report->n_unchecked_spots, ==, 0);
  g_assert_true (report_says (report, "No self-intersections."));
  g_assert_true (report_says (report, "15000 degenerate triangles (no area)."));
}

/* 15 000 copies of one triangle: every pair of copies is an intersection (the same triangle
 * twice), counted without testing each: exactly 15000 × 14999 / 2, and none with the box. */
static void
test_degenerate_copies (void)
{
  g_autoptr(OspMesh) mesh = make_box_with (15000, TRUE);
  g_autoptr(OspPrintReport) report = NULL;
  g_autoptr(GError) error = NULL;
  OspPrintCheckOptions options;
  guint64 pairs = 0, unchecked = 1;

  g_assert_true (osp_mesh_find_self_intersections (mesh, 0, NULL, &pairs, &unchecked, NULL,
                                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pairs, ==, (guint64) 15000 * 14999 / 2);
  g_assert_cmpuint (unchecked, ==, 0);

  osp_print_check_options_init (&options);
  options.min_wall = 0;
  report = osp_print_check (mesh, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (report->verdict, ==, OSP_PRINT_NOT_READY);
  g_assert_cmpuint (report->n_self_intersections, ==, 100000);  /* the report's cap */
  g_assert_true (report_says (report, "Self-intersecting: at least 100000 pairs"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (check_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/print-check/%s", check_cases[i].name);

      g_test_add_data_func (path, &check_cases[i], test_check);
    }
  g_test_add_func ("/print-check/wall-values", test_wall_values);
  g_test_add_func ("/print-check/self-intersections", test_self_intersections);
  g_test_add_func ("/print-check/huge-triangle", test_huge_triangle);
  g_test_add_func ("/print-check/printers", test_printers);
  g_test_add_func ("/print-check/cancel", test_cancel);
  g_test_add_func ("/print-check/async", test_async);
  g_test_add_func ("/print-check/degenerate/fan", test_degenerate_fan);
  g_test_add_func ("/print-check/degenerate/zero-area", test_degenerate_zero_area);
  g_test_add_func ("/print-check/degenerate/copies", test_degenerate_copies);
  return g_test_run ();
}
