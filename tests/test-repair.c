/* test-repair.c — the repair fixes what it claims, and the result passes the check
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-print-check.h"
#include "osp-repair.h"
#include "osp-test-common.h"

/* A mesh without the triangles for which drop() says so. */
static OspMesh *
without (const OspMesh *mesh,
         gboolean     (*drop) (const float *centroid))
{
  guint32 nt = osp_mesh_get_n_triangles (mesh);
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  g_autofree gboolean *keep = g_new (gboolean, nt);

  for (guint32 i = 0; i < nt; i++)
    {
      float c[3];

      for (int k = 0; k < 3; k++)
        c[k] = (p[3 * t[3 * i] + k] + p[3 * t[3 * i + 1] + k] + p[3 * t[3 * i + 2] + k]) / 3;
      keep[i] = !drop (c);
    }
  return osp_mesh_extract_triangles (mesh, keep);
}

static gboolean drop_top_cap (const float *c) { return c[2] > 9.9f; }
static gboolean drop_band (const float *c) { return fabsf (c[2]) < 1.0f; }

static OspMesh *make_box (void) { return osp_test_make_box (20, 20, 20); }

static OspMesh *
make_hole (void)
{
  g_autoptr(OspMesh) box = make_box ();
  gboolean keep[12] = { TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE,
                        FALSE };

  return osp_mesh_extract_triangles (box, keep);
}

/* A sphere of radius 10 without its top cap: one hole of `slices` edges. */
static OspMesh *
make_open_sphere (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 24, 24);

  return without (sphere, drop_top_cap);
}

/* A sphere cut open around its equator: two holes of 48 edges each... beyond a 40-edge
 * limit, so they stay. */
static OspMesh *
make_banded_sphere (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 48, 24);

  return without (sphere, drop_band);
}

static OspMesh *
make_flipped (void)
{
  g_autoptr(OspMesh) box = make_box ();
  g_autofree guint32 *idx = g_memdup2 (osp_mesh_get_indices (box), 36 * sizeof (guint32));
  guint32 tmp;

  for (guint t = 0; t < 3; t++)
    {
      tmp = idx[3 * t + 1];
      idx[3 * t + 1] = idx[3 * t + 2];
      idx[3 * t + 2] = tmp;
    }
  return osp_mesh_new (osp_mesh_get_positions (box), 8, idx, 12);
}

static OspMesh *
make_inside_out (void)
{
  g_autoptr(OspMesh) box = make_box ();

  return osp_mesh_flip (box);
}

/* A triangle soup whose copies of each corner differ by up to 20 µm. */
static OspMesh *
make_noisy_soup (void)
{
  g_autoptr(OspMesh) torus = osp_test_make_torus (20, 5, 32, 16);
  const float *p = osp_mesh_get_positions (torus);
  const guint32 *t = osp_mesh_get_indices (torus);
  guint32 nt = osp_mesh_get_n_triangles (torus);
  float *soup = g_new (float, 9 * (gsize) nt);
  guint32 *seq = g_new (guint32, 3 * (gsize) nt);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (gsize i = 0; i < 3 * (gsize) nt; i++)
    {
      for (int k = 0; k < 3; k++)
        soup[3 * i + k] = p[3 * (gsize) t[i] + k] + (float) g_rand_double_range (rand, -1e-5, 1e-5);
      seq[i] = (guint32) i;
    }
  return osp_mesh_new_take (soup, 3 * nt, seq, nt);
}

/* A box with a duplicated triangle and a degenerate one on its own vertices. */
static OspMesh *
make_duplicates (void)
{
  g_autoptr(OspMesh) box = make_box ();
  const guint32 *bi = osp_mesh_get_indices (box);
  guint32 idx[14 * 3];

  memcpy (idx, bi, 36 * sizeof (guint32));
  memcpy (idx + 36, bi, 3 * sizeof (guint32)); /* the same as triangle 0 */
  idx[39] = 0;
  idx[40] = 0;
  idx[41] = 1;                                 /* repeats a corner */
  return osp_mesh_new (osp_mesh_get_positions (box), 8, idx, 14);
}

/* A box and a crumb far away. */
static OspMesh *
make_crumb (void)
{
  g_autoptr(OspMesh) box = make_box ();
  g_autoptr(OspMesh) tiny = osp_test_make_box (0.1f, 0.1f, 0.1f);
  g_autoptr(OspMesh) far = osp_test_translate (tiny, 100, 0, 0);

  return osp_test_merge2 (box, far);
}

/* A hollow box: its inner shell faces inward on purpose and must stay so. */
static OspMesh *
make_hollow (void)
{
  g_autoptr(OspMesh) outer = osp_test_make_box (20, 20, 20);
  g_autoptr(OspMesh) inner0 = osp_test_make_box (10, 10, 10);
  g_autoptr(OspMesh) inner1 = osp_test_translate (inner0, 5, 5, 5);
  g_autoptr(OspMesh) inner = osp_mesh_flip (inner1);

  return osp_test_merge2 (outer, inner);
}

typedef struct
{
  const char *name;
  OspMesh   *(*make) (void);
  guint       max_hole_edges;
  /* what the report must say */
  guint32     merged;        /* G_MAXUINT32: > 0 */
  guint32     degenerate;
  guint32     duplicates;
  guint32     pieces_removed;
  guint32     flipped;
  guint32     turned;
  guint32     holes_filled;
  guint32     largest_hole;
  guint32     holes_left;
  const char *step;          /* a part of the report's sentences */
  double      volume;        /* after; 0: not compared */
  double      tolerance;     /* relative */
  gboolean    ready;         /* passes the check afterwards */
} RepairCase;

static const RepairCase repair_cases[] = {
  { "clean-box", make_box, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, "nothing to repair", 8000, 1e-9,
    TRUE },
  { "hole", make_hole, 200, 0, 0, 0, 0, 0, 0, 1, 3, 0, "filled 1 hole, largest 3 edges", 8000,
    1e-9, TRUE },
  { "open-sphere", make_open_sphere, 200, 0, 0, 0, 0, 0, 0, 1, 24, 0,
    "filled 1 hole, largest 24 edges", 0, 0, TRUE },
  { "hole-too-large", make_banded_sphere, 40, 0, 0, 0, 0, 0, 0, 0, 0, 2, "left 2 holes", 0, 0,
    FALSE },
  { "flipped", make_flipped, 200, 0, 0, 0, 0, 3, 0, 0, 0, 0, "flipped 3 triangles", 8000, 1e-9,
    TRUE },
  { "inside-out", make_inside_out, 200, 0, 0, 0, 0, 0, 1, 0, 0, 0, "turned 1 inside-out piece",
    8000, 1e-9, TRUE },
  { "noisy-soup", make_noisy_soup, 200, G_MAXUINT32, 0, 0, 0, 0, 0, 0, 0, 0, "merged", 0, 0,
    TRUE },
  { "duplicates", make_duplicates, 200, 0, 1, 1, 0, 0, 0, 0, 0, 0,
    "removed 1 duplicate triangle", 8000, 1e-9, TRUE },
  { "crumb", make_crumb, 200, 0, 0, 0, 1, 0, 0, 0, 0, 0, "removed 1 tiny loose piece", 8000,
    1e-9, TRUE },
  { "hollow", make_hollow, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, "nothing to repair", 7000, 1e-9,
    TRUE },
};

static gboolean
has_step (const OspRepairReport *report,
          const char            *part)
{
  for (guint i = 0; i < report->steps->len; i++)
    if (strstr (g_ptr_array_index (report->steps, i), part) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_repair (gconstpointer data)
{
  const RepairCase *tc = data;
  g_autoptr(OspMesh) mesh = tc->make ();
  g_autoptr(OspMesh) before = osp_mesh_new (osp_mesh_get_positions (mesh),
                                            osp_mesh_get_n_vertices (mesh),
                                            osp_mesh_get_indices (mesh),
                                            osp_mesh_get_n_triangles (mesh));
  g_autoptr(OspMesh) repaired = NULL;
  g_autoptr(OspPrintReport) check = NULL;
  g_autoptr(GError) error = NULL;
  OspRepairOptions options;
  OspRepairReport report;
  OspPrintCheckOptions check_options;

  osp_repair_options_init (&options);
  options.max_hole_edges = tc->max_hole_edges;
  repaired = osp_mesh_repair (mesh, &options, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (repaired);
  for (guint i = 0; g_test_verbose () && i < report.steps->len; i++)
    g_test_message ("%s: %s", tc->name, (char *) g_ptr_array_index (report.steps, i));

  /* The original is kept. */
  g_assert_true (osp_mesh_equal (mesh, before));

  if (tc->merged == G_MAXUINT32)
    g_assert_cmpuint (report.n_merged_vertices, >, 0);
  else
    g_assert_cmpuint (report.n_merged_vertices, ==, tc->merged);
  g_assert_cmpuint (report.n_degenerate_removed, ==, tc->degenerate);
  g_assert_cmpuint (report.n_duplicates_removed, ==, tc->duplicates);
  g_assert_cmpuint (report.n_pieces_removed, ==, tc->pieces_removed);
  g_assert_cmpuint (report.n_flipped, ==, tc->flipped);
  g_assert_cmpuint (report.n_pieces_turned, ==, tc->turned);
  g_assert_cmpuint (report.n_holes_filled, ==, tc->holes_filled);
  g_assert_cmpuint (report.largest_hole_filled, ==, tc->largest_hole);
  g_assert_cmpuint (report.n_holes_left, ==, tc->holes_left);
  g_assert_true (has_step (&report, tc->step));
  if (tc->volume > 0)
    g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (repaired), tc->volume,
                                    tc->volume * tc->tolerance);

  /* What the repair claims, the check confirms. */
  osp_print_check_options_init (&check_options);
  check_options.min_wall = 0;
  check = osp_print_check (repaired, &check_options, NULL, NULL, &error);
  g_assert_no_error (error);
  if (tc->ready)
    {
      g_assert_cmpint (check->verdict, ==, OSP_PRINT_READY);
      g_assert_true (check->mesh.closed);
      g_assert_cmpfloat (check->mesh.volume, >, 0);
    }
  else
    g_assert_cmpint (check->verdict, ==, OSP_PRINT_NOT_READY);
  osp_repair_report_clear (&report);
}

/* Repairing twice changes nothing more. */
static void
test_idempotent (void)
{
  g_autoptr(OspMesh) mesh = make_open_sphere ();
  g_autoptr(OspMesh) once = NULL, twice = NULL;
  OspRepairOptions options;
  OspRepairReport report;

  osp_repair_options_init (&options);
  once = osp_mesh_repair (mesh, &options, NULL, NULL, NULL, NULL);
  twice = osp_mesh_repair (once, &options, &report, NULL, NULL, NULL);
  g_assert_true (osp_mesh_equal (once, twice));
  g_assert_true (has_step (&report, "nothing to repair"));
  osp_repair_report_clear (&report);
}

/* A triangle soup of a box whose corners lie near the largest float (3e38): the merge grid's
 * cells are far beyond any integer (UBSan: signed overflow, float-to-integer conversions). */
static void
test_far_coordinates (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (2, 2, 2);
  guint32 nt = osp_mesh_get_n_triangles (box);
  const float *p = osp_mesh_get_positions (box);
  const guint32 *t = osp_mesh_get_indices (box);
  float *soup = g_new (float, 9 * (gsize) nt);
  guint32 *seq = g_new (guint32, 3 * (gsize) nt);
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMesh) repaired = NULL;
  g_autoptr(OspPrintReport) check = NULL;
  g_autoptr(GError) error = NULL;
  OspRepairOptions options;
  OspRepairReport report;
  OspPrintCheckOptions check_options;

  for (guint32 i = 0; i < 3 * nt; i++)
    {
      seq[i] = i;
      for (int k = 0; k < 3; k++)
        soup[3 * i + k] = p[3 * (gsize) t[i] + k] * 1.5e38f;
    }
  mesh = osp_mesh_new_take (soup, 3 * nt, seq, nt);
  osp_repair_options_init (&options);
  repaired = osp_mesh_repair (mesh, &options, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (repaired);
  /* 36 corners of 12 triangles, 8 of them distinct. */
  g_assert_cmpuint (report.n_merged_vertices, ==, 3 * nt - 8);
  g_assert_cmpuint (osp_mesh_get_n_vertices (repaired), ==, 8);
  g_assert_cmpuint (osp_mesh_get_n_triangles (repaired), ==, nt);
  osp_repair_report_clear (&report);

  osp_print_check_options_init (&check_options);
  check = osp_print_check (repaired, &check_options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (check->mesh.closed);
}

/* A 100 000-corner polygon's fan (one vertex in every triangle): the repair keeps every
 * triangle, fills nothing (the rim is one 100 000-edge hole) and finishes (linear half-edge
 * lookups, not a scan of the centre's 100 000 half-edges per edge). */
static void
test_polygon_fan (void)
{
  const guint32 n = 100000;
  float *p = g_new (float, 3 * (gsize) n);
  guint32 *t = g_new (guint32, 3 * (gsize) (n - 2));
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMesh) repaired = NULL;
  g_autoptr(GError) error = NULL;
  OspRepairOptions options;
  OspRepairReport report;

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
  mesh = osp_mesh_new_take (p, n, t, n - 2);
  osp_repair_options_init (&options);
  repaired = osp_mesh_repair (mesh, &options, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The slivers at corner 0 itself have no area in floats. */
  g_assert_cmpuint (report.n_degenerate_removed, <, 10);
  g_assert_cmpuint (osp_mesh_get_n_triangles (repaired), ==, n - 2 - report.n_degenerate_removed);
  g_assert_cmpuint (report.n_flipped, ==, 0);
  g_assert_cmpuint (report.n_holes_filled, ==, 0);
  g_assert_cmpuint (report.n_holes_left, ==, 1);
  osp_repair_report_clear (&report);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (repair_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/repair/%s", repair_cases[i].name);

      g_test_add_data_func (path, &repair_cases[i], test_repair);
    }
  g_test_add_func ("/repair/idempotent", test_idempotent);
  g_test_add_func ("/repair/far-coordinates", test_far_coordinates);
  g_test_add_func ("/repair/polygon-fan", test_polygon_fan);
  return g_test_run ();
}
