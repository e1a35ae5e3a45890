/* test-boolean.c — mesh Booleans: exact volumes, degenerate configurations, refusals
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Boxes with coordinates that are exact in float have exact volumes, so the results are
 * compared to 1e-9 relative.  Every result must be a clean solid: closed, outward, and
 * accepted as an operand again (no self-intersection, no degenerate face).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-boolean.h"
#include "osp-error.h"
#include "osp-test-common.h"

static OspMesh *
box_at (float x0, float y0, float z0, float x1, float y1, float z1)
{
  g_autoptr(OspMesh) box = osp_test_make_box (x1 - x0, y1 - y0, z1 - z0);
  OspBox b;

  /* osp_test_make_box is centred on the origin. */
  osp_mesh_get_bounds (box, &b);
  return osp_test_translate (box, x0 - b.min[0], y0 - b.min[1], z0 - b.min[2]);
}

static void
assert_clean_solid (const OspMesh *mesh)
{
  g_autoptr(GError) error = NULL;
  OspMeshReport report;

  osp_mesh_report (mesh, &report);
  g_assert_true (report.closed);
  g_assert_cmpuint (report.n_degenerate, ==, 0);
  g_assert_cmpfloat (report.volume, >, 0);
  g_assert_true (osp_boolean_check_operand (mesh, "result", NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  const char   *name;
  float         a[6];
  float         b[6];
  OspBooleanOp  op;
  double        volume;        /* expected; < 0: the operation must be refused */
  guint         n_components;  /* expected pieces of the result (0: empty) */
} BoxCase;

static const BoxCase box_cases[] = {
  /* Overlapping by half along x. */
  { "overlap-union", { 0, 0, 0, 2, 2, 2 }, { 1, 0.5f, 0.5f, 3, 1.5f, 1.5f },
    OSP_BOOLEAN_UNION, 8 + 2 * 1 * 1 - 1 * 1 * 1, 1 },
  { "overlap-difference", { 0, 0, 0, 2, 2, 2 }, { 1, 0.5f, 0.5f, 3, 1.5f, 1.5f },
    OSP_BOOLEAN_DIFFERENCE, 8 - 1, 1 },
  { "overlap-intersection", { 0, 0, 0, 2, 2, 2 }, { 1, 0.5f, 0.5f, 3, 1.5f, 1.5f },
    OSP_BOOLEAN_INTERSECTION, 1, 1 },
  /* Sharing a whole face (coplanar, coincident). */
  { "face-union", { 0, 0, 0, 1, 1, 1 }, { 1, 0, 0, 2, 1, 1 }, OSP_BOOLEAN_UNION, 2, 1 },
  { "face-difference", { 0, 0, 0, 1, 1, 1 }, { 1, 0, 0, 2, 1, 1 }, OSP_BOOLEAN_DIFFERENCE,
    1, 1 },
  /* Sharing part of a face, offset in y and z (coplanar faces whose edges cross). */
  { "partial-face-union", { 0, 0, 0, 1, 1, 1 }, { 1, 0.25f, 0.5f, 2, 1.25f, 1.5f },
    OSP_BOOLEAN_UNION, 2, 1 },
  /* Coplanar faces on the same side: B flush with A's top and side. */
  { "flush-difference", { 0, 0, 0, 2, 2, 2 }, { 1, 1, 1, 2, 2, 2 }, OSP_BOOLEAN_DIFFERENCE,
    7, 1 },
  { "flush-intersection", { 0, 0, 0, 2, 2, 2 }, { 1, 1, 1, 2, 2, 2 },
    OSP_BOOLEAN_INTERSECTION, 1, 1 },
  /* Identical solids. */
  { "same-union", { 0, 0, 0, 1, 1, 1 }, { 0, 0, 0, 1, 1, 1 }, OSP_BOOLEAN_UNION, 1, 1 },
  { "same-intersection", { 0, 0, 0, 1, 1, 1 }, { 0, 0, 0, 1, 1, 1 },
    OSP_BOOLEAN_INTERSECTION, 1, 1 },
  { "same-difference", { 0, 0, 0, 1, 1, 1 }, { 0, 0, 0, 1, 1, 1 }, OSP_BOOLEAN_DIFFERENCE,
    0, 0 },
  /* Nested: a cavity (two shells), and the inner solid. */
  { "nested-difference", { 0, 0, 0, 4, 4, 4 }, { 1, 1, 1, 2, 2, 2 }, OSP_BOOLEAN_DIFFERENCE,
    64 - 1, 2 },
  { "nested-intersection", { 0, 0, 0, 4, 4, 4 }, { 1, 1, 1, 2, 2, 2 },
    OSP_BOOLEAN_INTERSECTION, 1, 1 },
  { "nested-union", { 0, 0, 0, 4, 4, 4 }, { 1, 1, 1, 2, 2, 2 }, OSP_BOOLEAN_UNION, 64, 1 },
  /* Disjoint. */
  { "disjoint-union", { 0, 0, 0, 1, 1, 1 }, { 3, 0, 0, 4, 1, 1 }, OSP_BOOLEAN_UNION, 2, 2 },
  { "disjoint-intersection", { 0, 0, 0, 1, 1, 1 }, { 3, 0, 0, 4, 1, 1 },
    OSP_BOOLEAN_INTERSECTION, 0, 0 },
  /* Touching along an edge only: the union would be non-manifold. */
  { "edge-union", { 0, 0, 0, 1, 1, 1 }, { 1, 1, 0, 2, 2, 1 }, OSP_BOOLEAN_UNION, -1, 0 },
};

static void
test_box_case (gconstpointer data)
{
  const BoxCase *c = data;
  g_autoptr(OspMesh) a = box_at (c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
  g_autoptr(OspMesh) b = box_at (c->b[0], c->b[1], c->b[2], c->b[3], c->b[4], c->b[5]);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) result = osp_mesh_boolean (a, b, c->op, NULL, NULL, &error);

  if (c->volume < 0)
    {
      g_assert_null (result);
      g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "edge"));
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (result);
  if (c->n_components == 0)
    {
      g_assert_cmpuint (osp_mesh_get_n_triangles (result), ==, 0);
      return;
    }
  assert_clean_solid (result);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (result), c->volume, 1e-9 * c->volume);
  {
    OspMeshTopology topology;

    osp_mesh_get_topology (result, &topology);
    g_assert_cmpuint (topology.n_components, ==, c->n_components);
  }
}

/* Inclusion–exclusion on solids in general position: |A ∪ B| + |A ∩ B| = |A| + |B| and
 * |A − B| = |A| − |A ∩ B|, to float rounding of the constructed points. */
static void
test_general_position (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 48, 24);
  g_autoptr(OspMesh) torus = osp_test_make_torus (9, 3, 64, 24);
  g_autoptr(OspMesh) b = NULL;
  g_autoptr(GError) error = NULL;
  mat4 m;
  double va, vb, vu, vi, vd;

  glm_mat4_identity (m);
  glm_translate (m, (vec3) { 2.5f, -1.25f, 3.0f });
  glm_rotate (m, 0.7f, (vec3) { 1, 2, 3 });
  b = osp_mesh_transform (torus, m);

  {
    g_autoptr(OspMesh) u = osp_mesh_boolean (sphere, b, OSP_BOOLEAN_UNION, NULL, NULL, &error);
    g_autoptr(OspMesh) i = NULL, d = NULL;

    g_assert_no_error (error);
    i = osp_mesh_boolean (sphere, b, OSP_BOOLEAN_INTERSECTION, NULL, NULL, &error);
    g_assert_no_error (error);
    d = osp_mesh_boolean (sphere, b, OSP_BOOLEAN_DIFFERENCE, NULL, NULL, &error);
    g_assert_no_error (error);
    assert_clean_solid (u);
    assert_clean_solid (i);
    assert_clean_solid (d);
    va = osp_mesh_get_volume (sphere);
    vb = osp_mesh_get_volume (b);
    vu = osp_mesh_get_volume (u);
    vi = osp_mesh_get_volume (i);
    vd = osp_mesh_get_volume (d);
  }
  g_assert_cmpfloat (vi, >, 0.05 * vb);
  g_assert_cmpfloat (vi, <, 0.95 * vb);
  g_assert_cmpfloat_with_epsilon (vu + vi, va + vb, 1e-5 * (va + vb));
  g_assert_cmpfloat_with_epsilon (vd, va - vi, 1e-5 * va);
}

static void
test_refusals (void)
{
  g_autoptr(OspMesh) box = box_at (0, 0, 0, 1, 1, 1);
  g_autoptr(OspMesh) open = NULL, crossing = NULL, result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gboolean *keep = NULL;

  /* Open: drop one triangle of the box (3 boundary edges). */
  keep = g_new (gboolean, osp_mesh_get_n_triangles (box));
  for (guint t = 0; t < osp_mesh_get_n_triangles (box); t++)
    keep[t] = t != 0;
  open = osp_mesh_extract_triangles (box, keep);
  result = osp_mesh_boolean (box, open, OSP_BOOLEAN_UNION, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "the second mesh is open: 3 boundary edges"));
  g_clear_error (&error);

  /* Two overlapping boxes in one mesh: closed, but crossing itself. */
  {
    g_autoptr(OspMesh) other = box_at (0.5f, 0.5f, 0.5f, 1.5f, 1.5f, 1.5f);

    crossing = osp_test_merge2 (box, other);
  }
  result = osp_mesh_boolean (crossing, box, OSP_BOOLEAN_DIFFERENCE, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "the first mesh crosses itself"));
  g_clear_error (&error);

  /* Made solid, it becomes a valid operand that encloses both boxes within the tolerance. */
  {
    g_autofree char *note = NULL;
    g_autoptr(OspMesh) solid = osp_mesh_make_solid (crossing, 0.05, &note, NULL, NULL, &error);
    OspBox bounds;

    g_assert_no_error (error);
    assert_clean_solid (solid);
    g_assert_nonnull (strstr (note, "0.05 mm"));
    osp_mesh_get_bounds (solid, &bounds);
    for (int k = 0; k < 3; k++)
      {
        g_assert_cmpfloat (bounds.min[k], <=, 0.0f);
        g_assert_cmpfloat (bounds.min[k], >=, -0.06f);
        g_assert_cmpfloat (bounds.max[k], >=, 1.5f);
        g_assert_cmpfloat (bounds.max[k], <=, 1.56f);
      }
    /* The union of the two boxes is 1 + 1 − 0.125 with an area of 12 − 6 × 0.25; the wrap
     * adds at most a 0.05 mm layer over that area. */
    g_assert_cmpfloat (osp_mesh_get_volume (solid), >, 1.875);
    g_assert_cmpfloat (osp_mesh_get_volume (solid), <, 1.875 + 10.5 * 0.05 * 1.1);
  }
}

static void
test_cancel (void)
{
  g_autoptr(OspMesh) a = osp_test_make_sphere (10, 64, 32);
  g_autoptr(OspMesh) b = osp_test_translate (a, 3, 2, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) result = NULL;

  g_cancellable_cancel (cancellable);
  result = osp_mesh_boolean (a, b, OSP_BOOLEAN_UNION, NULL, cancellable, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_op_names (void)
{
  OspBooleanOp op;

  g_assert_true (osp_boolean_op_from_string ("difference", &op));
  g_assert_cmpint (op, ==, OSP_BOOLEAN_DIFFERENCE);
  g_assert_true (osp_boolean_op_from_string ("Union", &op));
  g_assert_cmpint (op, ==, OSP_BOOLEAN_UNION);
  g_assert_false (osp_boolean_op_from_string ("xor", &op));
  g_assert_cmpstr (osp_boolean_op_to_string (OSP_BOOLEAN_INTERSECTION), ==, "intersection");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (box_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/boolean/box/%s", box_cases[i].name);

      g_test_add_data_func (path, &box_cases[i], test_box_case);
    }
  g_test_add_func ("/boolean/general-position", test_general_position);
  g_test_add_func ("/boolean/refusals", test_refusals);
  g_test_add_func ("/boolean/cancel", test_cancel);
  g_test_add_func ("/boolean/op-names", test_op_names);
  return g_test_run ();
}
