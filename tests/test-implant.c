/* test-implant.c — parametric implants, placing, screw trajectories, plan integration
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-implant.h"
#include "osp-mesh-io.h"
#include "osp-plan.h"
#include "osp-print-check.h"
#include "osp-test-common.h"

/* n-gon factor: a regular n-gon inscribed in a circle has n/(2π) sin(2π/n) of its area. */
static double
ngon (guint n)
{
  return n / (2 * G_PI) * sin (2 * G_PI / n);
}

static void
assert_closed (const OspMesh *mesh,
               gint64         euler)
{
  OspMeshReport r;

  osp_mesh_report (mesh, &r);
  g_assert_true (r.closed);
  g_assert_cmpuint (r.topology.n_components, ==, 1);
  g_assert_cmpint (r.topology.euler_characteristic, ==, euler);
  g_assert_cmpuint (r.n_degenerate, ==, 0);
  g_assert_cmpfloat (r.volume, >, 0);
}

typedef struct
{
  const char *name;
  void      (*setup) (OspImplantParams *p);
  double    (*volume) (const OspImplantParams *p);  /* analytic */
  gint64      euler;
} ImplantCase;

/* A screw without thread: head cylinder + shaft cylinder + cone tip. */
static void
setup_smooth_screw (OspImplantParams *p)
{
  osp_implant_params_init (p, OSP_IMPLANT_SCREW);
  p->diameter = 6.5;
  p->length = 80;
  p->head_diameter = 10;
  p->head_height = 4;
  p->thread_pitch = 0;
}

static double
volume_smooth_screw (const OspImplantParams *p)
{
  double R = p->diameter / 2, tip = MIN (p->diameter, p->length / 4);

  return G_PI * (p->head_diameter / 2) * (p->head_diameter / 2) * p->head_height +
         G_PI * R * R * (p->length - tip) + G_PI * R * R * tip / 3;
}

static void
setup_threaded_screw (OspImplantParams *p)
{
  osp_implant_params_init (p, OSP_IMPLANT_SCREW);
  p->diameter = 3.5;
  p->length = 40;
  p->head_diameter = 6;
  p->head_height = 2.5;
  p->thread_pitch = 1.25;
  p->core_diameter = 2.4;
  p->cancellous = FALSE;
}

/* Head + core cylinder + ring ridges (each a triangle profile revolved: Pappus) + tip. */
static double
volume_threaded_screw (const OspImplantParams *p)
{
  double R = p->diameter / 2, rc = p->core_diameter / 2;
  double tip = MIN (p->diameter, p->length / 4), shaft = p->length - tip;
  guint k = (guint) floor (shaft / p->thread_pitch + 1e-9);
  double ridge_area = 0.5 * p->thread_pitch * (R - rc);
  double ridge_centroid = rc + (R - rc) / 3;

  return G_PI * (p->head_diameter / 2) * (p->head_diameter / 2) * p->head_height +
         G_PI * rc * rc * shaft + k * 2 * G_PI * ridge_centroid * ridge_area +
         G_PI * rc * rc * tip / 3;
}

static void
setup_cup (OspImplantParams *p)
{
  osp_implant_params_init (p, OSP_IMPLANT_CUP);
  p->diameter = 54;
  p->wall = 4;
}

static double
volume_cup (const OspImplantParams *p)
{
  double R = p->diameter / 2, Ri = R - p->wall;

  return 2.0 / 3 * G_PI * (R * R * R - Ri * Ri * Ri);
}

static void
setup_flanged_cup (OspImplantParams *p)
{
  setup_cup (p);
  p->flange_diameter = 70;
  p->flange_thickness = 3;
}

static double
volume_flanged_cup (const OspImplantParams *p)
{
  double Rf = p->flange_diameter / 2, Ri = p->diameter / 2 - p->wall;

  return volume_cup (p) + G_PI * (Rf * Rf - Ri * Ri) * p->flange_thickness;
}

static void
setup_plate (OspImplantParams *p)
{
  osp_implant_params_init (p, OSP_IMPLANT_PLATE);
  p->width = 12;
  p->thickness = 3;
  p->n_holes = 5;
  p->hole_diameter = 5;
  p->spacing = 16;
}

static double
volume_plate (const OspImplantParams *p)
{
  double r = p->width / 2, hr = p->hole_diameter / 2;

  return p->thickness * (p->n_holes * p->spacing * p->width + G_PI * r * r -
                         p->n_holes * G_PI * hr * hr);
}

static void
setup_plain_plate (OspImplantParams *p)
{
  setup_plate (p);
  p->n_holes = 0;
  p->length = 50;
}

static double
volume_plain_plate (const OspImplantParams *p)
{
  double r = p->width / 2;

  return p->thickness * (p->length * p->width + G_PI * r * r);
}

/* A plate bent round a cylinder of radius 60 (bone side on it): the volume of a bent slab is
 * the straight one × (1 + t / 2R) (the outer side stretches). */
static void
setup_bent_plate (OspImplantParams *p)
{
  guint n = 40;

  setup_plate (p);
  p->n_points = n;
  p->points = g_new (float, 3 * n);
  p->normals = g_new (float, 3 * n);
  for (guint i = 0; i < n; i++)
    {
      double a = -0.2 + 93.0 / 60 * i / (n - 1);   /* a 93 mm arc: 5 holes at 16 mm */

      p->points[3 * i] = (float) (60 * sin (a));
      p->points[3 * i + 1] = 0;
      p->points[3 * i + 2] = (float) (60 * cos (a));
      p->normals[3 * i] = (float) sin (a);
      p->normals[3 * i + 1] = 0;
      p->normals[3 * i + 2] = (float) cos (a);
    }
}

/* The plate spans its path (the chords: a little under 93 mm), holes at the spacing. */
static double
volume_bent_plate (const OspImplantParams *p)
{
  guint holes;
  double length = osp_implant_plate_length (p, &holes), r = p->width / 2;
  double hr = p->hole_diameter / 2;

  g_assert_cmpuint (holes, ==, 5);
  g_assert_cmpfloat_with_epsilon (length, 93.0, 0.01);
  return p->thickness * ((length - 2 * r) * p->width + G_PI * r * r - holes * G_PI * hr * hr) *
         (1 + p->thickness / (2 * 60));
}

static const ImplantCase implant_cases[] = {
  { "screw-smooth", setup_smooth_screw, volume_smooth_screw, 2 },
  { "screw-threaded", setup_threaded_screw, volume_threaded_screw, 2 },
  { "cup", setup_cup, volume_cup, 2 },
  { "cup-flange", setup_flanged_cup, volume_flanged_cup, 2 },
  { "plate-5-holes", setup_plate, volume_plate, 2 - 2 * 5 },
  { "plate-no-holes", setup_plain_plate, volume_plain_plate, 2 },
  { "plate-bent", setup_bent_plate, volume_bent_plate, 2 - 2 * 5 },
};

static void
test_parametric (gconstpointer data)
{
  const ImplantCase *tc = data;
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;
  double expected;

  tc->setup (&p);
  mesh = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mesh);
  assert_closed (mesh, tc->euler);
  expected = tc->volume (&p);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (mesh), expected, expected * 0.01);
}

/* The revolved mesh is exact up to the n-gon factor. */
static void
test_revolve_exact (void)
{
  const double profile[] = { 0, 0, 5, 0, 5, 10, 3, 12, 0, 12 };
  g_autoptr(OspMesh) mesh = osp_mesh_revolve (profile, 5, 48);
  double v = osp_profile_revolved_volume (profile, 5);

  assert_closed (mesh, 2);
  g_assert_cmpfloat_with_epsilon (v, G_PI * 25 * 10 + G_PI / 3 * 2 * (25 + 15 + 9), 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (mesh), v * ngon (48), v * 1e-5);
}

static void
test_params_invalid (void)
{
  OspImplantParams p;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;

  osp_implant_params_init (&p, OSP_IMPLANT_SCREW);
  p.head_diameter = 4;    /* narrower than the thread */
  mesh = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  g_assert_null (mesh);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_clear_error (&error);

  osp_implant_params_init (&p, OSP_IMPLANT_PLATE);
  p.hole_diameter = 20;
  g_assert_false (osp_implant_params_validate (&p, &error));
  g_clear_error (&error);

  osp_implant_params_init (&p, OSP_IMPLANT_CUP);
  p.wall = 30;
  g_assert_false (osp_implant_params_validate (&p, &error));
}

static void
test_params_json (void)
{
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(OspImplantParams) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) bad = json_object_new ();

  setup_bent_plate (&p);
  o = osp_implant_params_to_json (&p);
  back = osp_implant_params_from_json (o, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->kind, ==, OSP_IMPLANT_PLATE);
  g_assert_cmpuint (back->n_holes, ==, 5);
  g_assert_cmpuint (back->n_points, ==, 40);
  g_assert_cmpfloat (back->points[3 * 39 + 2], ==, p.points[3 * 39 + 2]);
  g_assert_cmpfloat (back->normals[3 * 7], ==, p.normals[3 * 7]);

  json_object_set_string_member (bad, "kind", "rocket");
  g_assert_null (osp_implant_params_from_json (bad, "test", &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
}

/* Block from a 20 mm cube template clipped to its lower half: without offset, exactly the
 * half; with a 2 mm offset, Steiner's formula for the grown box (within 2 %: voxels). */
static void
test_block (void)
{
  g_autoptr(OspMesh) cube = osp_test_make_box (20, 20, 20);
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(OspMesh) half = NULL;
  g_autoptr(OspMesh) grown = NULL;
  g_autoptr(GError) error = NULL;
  OspBox box;
  double a = 20, b = 20, c, r = 2, steiner;

  osp_mesh_get_bounds (cube, &box);
  osp_implant_params_init (&p, OSP_IMPLANT_BLOCK);
  p.n_planes = 1;
  p.planes[0] = (OspPlane) { { 0, 0, 1 }, (box.min[2] + box.max[2]) / 2 };
  half = osp_implant_generate (&p, cube, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_closed (half, 2);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (half), 4000, 1e-2);

  p.offset = r;
  p.voxel = 0.5;
  grown = osp_implant_generate (&p, cube, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_closed (grown, 2);
  c = 10;
  steiner = a * b * c + 2 * (a * b + b * c + c * a) * r + G_PI * (a + b + c) * r * r +
            4.0 / 3 * G_PI * r * r * r;
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (grown), steiner, steiner * 0.02);

  /* A 1.5 mm shell of the grown block: genus 0 twice (outer and inner surface). */
  p.thickness = 1.5;
  g_clear_pointer (&grown, osp_mesh_unref);
  grown = osp_implant_generate (&p, cube, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    OspMeshReport rep;

    osp_mesh_report (grown, &rep);
    g_assert_true (rep.closed);
    g_assert_cmpuint (rep.topology.n_components, ==, 2);
    g_assert_cmpfloat (rep.volume, >, 0);
    g_assert_cmpfloat (rep.volume, <, steiner * 0.5);
  }
}

static void
test_custom (void)
{
  g_autoptr(OspMesh) cube = osp_test_make_box (10, 10, 10);
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "custom.stl", NULL);
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (osp_mesh_save (cube, path, OSP_MESH_FORMAT_UNKNOWN, &error));
  osp_implant_params_init (&p, OSP_IMPLANT_CUSTOM);
  p.path = g_strdup (path);
  mesh = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (mesh), 1000, 1e-3);
}

/* -- Placing -------------------------------------------------------------------------------- */

static void
apply (const float *m,
       const float  p[3],
       float        out[3])
{
  for (int k = 0; k < 3; k++)
    out[k] = m[k] * p[0] + m[4 + k] * p[1] + m[8 + k] * p[2] + m[12 + k];
}

static void
test_frame (void)
{
  const float point[3] = { 10, -5, 3 }, normal[3] = { 0, 3, 4 };
  const float origin[3] = { 0, 0, 0 }, up[3] = { 0, 0, 1 }, x[3] = { 1, 0, 0 };
  float m[16], o[3], z[3], xr[3], xr90[3], m90[16];

  osp_frame_from_point_normal (point, normal, 0, m);
  apply (m, origin, o);
  apply (m, up, z);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (o[k], point[k], 1e-5);
  g_assert_cmpfloat_with_epsilon (z[1] - point[1], 0.6, 1e-6);
  g_assert_cmpfloat_with_epsilon (z[2] - point[2], 0.8, 1e-6);
  /* A roll of 90° turns the local x onto the old local y. */
  osp_frame_from_point_normal (point, normal, 90, m90);
  apply (m, x, xr);
  apply (m90, x, xr90);
  g_assert_cmpfloat_with_epsilon ((xr[0] - point[0]) * (xr90[0] - point[0]) +
                                  (xr[1] - point[1]) * (xr90[1] - point[1]) +
                                  (xr[2] - point[2]) * (xr90[2] - point[2]), 0, 1e-6);
}

static void
test_euler (void)
{
  const float cases[][3] = { { 10, 20, 30 }, { -45, 80, 170 }, { 0, 0, 0 }, { 90, -30, -90 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const float pos[3] = { 1, 2, 3 };
      float m[16], p[3], a[3], m2[16];

      osp_matrix_from_euler (pos, cases[i], m);
      osp_matrix_to_euler (m, p, a);
      for (int k = 0; k < 3; k++)
        {
          g_assert_cmpfloat_with_epsilon (a[k], cases[i][k], 1e-3);
          g_assert_cmpfloat (p[k], ==, pos[k]);
        }
      osp_matrix_from_euler (p, a, m2);
      for (int k = 0; k < 16; k++)
        g_assert_cmpfloat_with_epsilon (m[k], m2[k], 1e-5);
    }
  /* Rz(90°) maps x onto y. */
  {
    const float pos[3] = { 0, 0, 0 }, ang[3] = { 0, 0, 90 }, x[3] = { 1, 0, 0 };
    float m[16], y[3];

    osp_matrix_from_euler (pos, ang, m);
    apply (m, x, y);
    g_assert_cmpfloat_with_epsilon (y[1], 1, 1e-6);
  }
}

/* -- Screws --------------------------------------------------------------------------------- */

/* Bone: a 40 mm box centred at the origin (−20 … 20). */
static void
test_screw_box (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (40, 40, 40);
  g_autoptr(OspBvh) bvh = NULL;
  OspScrewTrajectory tr;
  g_autoptr(GError) error = NULL;
  OspBox b;
  float c[3], entry[3], target[3];

  osp_mesh_get_bounds (box, &b);
  for (int k = 0; k < 3; k++)
    c[k] = (b.min[k] + b.max[k]) / 2;
  bvh = osp_bvh_new (box);

  /* Entry on the top face, target in the middle: the exit is the bottom face, 40 mm. */
  entry[0] = c[0] + 3; entry[1] = c[1] - 2; entry[2] = b.max[2];
  target[0] = c[0] + 3; target[1] = c[1] - 2; target[2] = c[2];
  g_assert_true (osp_screw_trajectory (bvh, entry, target, NULL, 5, &tr, &error));
  g_assert_cmpuint (tr.warnings, ==, OSP_SCREW_OK);
  g_assert_cmpfloat_with_epsilon (tr.exit_distance, 40, 1e-3);
  g_assert_cmpfloat_with_epsilon (tr.exit[2], b.min[2], 1e-3);
  g_assert_cmpfloat_with_epsilon (tr.exit[0], entry[0], 1e-3);
  g_assert_cmpfloat (tr.proposed_length, ==, 40);
  g_assert_cmpfloat_with_epsilon (tr.direction[2], -1, 1e-6);

  /* Oblique: 3-4-5 through the box from the top face to a side face. */
  entry[0] = c[0] - 15; entry[1] = c[1]; entry[2] = b.max[2];
  target[0] = entry[0] + 6; target[1] = c[1]; target[2] = entry[2] - 8;
  g_assert_true (osp_screw_trajectory (bvh, entry, target, NULL, 3, &tr, &error));
  /* Direction (0.6, 0, −0.8): the bottom at t = 50 (x = 15), before the side (t = 58.3). */
  g_assert_cmpuint (tr.warnings, ==, OSP_SCREW_OK);
  g_assert_cmpfloat_with_epsilon (tr.exit_distance, 50, 1e-3);
  g_assert_cmpfloat_with_epsilon (tr.exit[0], c[0] + 15, 1e-3);
  g_assert_cmpfloat (tr.proposed_length, ==, 48);

  /* Target beyond a gap: two boxes with a 10 mm gap; the axis leaves the first. */
  {
    g_autoptr(OspMesh) b2 = osp_test_make_box (40, 40, 40);
    float shift[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -50, 1 };
    mat4 m;
    g_autoptr(OspMesh) moved = NULL;
    g_autoptr(OspMesh) both = NULL;
    g_autoptr(OspBvh) bvh2 = NULL;
    OspMesh *parts[2];

    memcpy (m, shift, sizeof m);
    moved = osp_mesh_transform (b2, m);
    parts[0] = box;
    parts[1] = moved;
    both = osp_mesh_merge (parts, 2);
    bvh2 = osp_bvh_new (both);
    entry[0] = c[0]; entry[1] = c[1]; entry[2] = b.max[2];
    target[0] = c[0]; target[1] = c[1]; target[2] = b.min[2] - 30;
    g_assert_true (osp_screw_trajectory (bvh2, entry, target, NULL, 5, &tr, &error));
    g_assert_true (tr.warnings & OSP_SCREW_LEAVES_BONE);
    g_assert_cmpfloat_with_epsilon (tr.first_leave_distance, 40, 1e-3);
    g_assert_cmpfloat_with_epsilon (tr.exit_distance, 90, 1e-3);
  }

  /* The acetabulum as a sphere on the way. */
  {
    OspAcetabulum ac = { NULL, { c[0], c[1], c[2] - 5 }, 8 };

    entry[0] = c[0]; entry[1] = c[1]; entry[2] = b.max[2];
    target[0] = c[0]; target[1] = c[1]; target[2] = b.min[2] + 1;
    g_assert_true (osp_screw_trajectory (bvh, entry, target, &ac, 5, &tr, &error));
    g_assert_true (tr.warnings & OSP_SCREW_ENTERS_ACETABULUM);
    /* The sphere's top is 3 mm above the centre: 17 mm below the entry. */
    g_assert_cmpfloat_with_epsilon (tr.acetabulum_distance, 17, 1e-3);
  }

  /* Entry and target equal: an error, not a crash. */
  g_assert_false (osp_screw_trajectory (bvh, entry, entry, NULL, 5, &tr, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
}

/* The screw mesh placed by the trajectory's matrix runs from the entry towards the target. */
static void
test_screw_placed (void)
{
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(OspMesh) screw = NULL;
  g_autoptr(OspMesh) placed = NULL;
  g_autoptr(OspMesh) box = osp_test_make_box (40, 40, 40);
  g_autoptr(OspBvh) bvh = osp_bvh_new (box);
  OspScrewTrajectory tr;
  OspBox bb, sb;
  float entry[3], target[3];
  mat4 m;

  osp_mesh_get_bounds (box, &bb);
  entry[0] = (bb.min[0] + bb.max[0]) / 2; entry[1] = (bb.min[1] + bb.max[1]) / 2;
  entry[2] = bb.max[2];
  memcpy (target, entry, sizeof target);
  target[2] = bb.min[2];
  g_assert_true (osp_screw_trajectory (bvh, entry, target, NULL, 5, &tr, NULL));
  osp_implant_params_init (&p, OSP_IMPLANT_SCREW);
  p.length = tr.proposed_length;
  screw = osp_implant_generate (&p, NULL, NULL, NULL, NULL);
  memcpy (m, tr.matrix, sizeof m);
  placed = osp_mesh_transform (screw, m);
  osp_mesh_get_bounds (placed, &sb);
  g_assert_cmpfloat_with_epsilon (sb.min[2], bb.min[2], 1e-3);
  g_assert_cmpfloat_with_epsilon (sb.max[2], bb.max[2] + p.head_height, 1e-3);
}

/* -- Plan ----------------------------------------------------------------------------------- */

static void
test_plan (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) opened = NULL;
  g_auto(OspImplantParams) p = { 0 };
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMesh) mesh2 = NULL;
  g_autoptr(OspCommand) add = NULL;
  g_autoptr(OspCommand) change = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "implant.osteoplan", NULL);
  const OspImplantParams *got;
  OspModel *model;
  const float matrix[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 6, 7, 1 };

  osp_implant_params_init (&p, OSP_IMPLANT_SCREW);
  mesh = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  add = osp_implant_command_new_add ("Screw 1", &p, mesh, matrix);
  g_assert_true (osp_plan_execute (plan, add, &error));
  g_assert_no_error (error);
  model = osp_plan_find_model (plan, "Screw 1");
  g_assert_nonnull (model);
  g_assert_cmpint (osp_model_get_role (model), ==, OSP_MODEL_ROLE_IMPLANT);
  got = osp_implant_get_params (model);
  g_assert_nonnull (got);
  g_assert_cmpfloat (got->length, ==, 80);

  /* Change the length: one undo step swaps mesh and parameters back. */
  p.length = 60;
  mesh2 = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  change = osp_implant_command_new_set_params (model, &p, mesh2);
  g_assert_true (osp_plan_execute (plan, change, &error));
  g_assert_cmpfloat (osp_implant_get_params (model)->length, ==, 60);
  g_assert_true (osp_model_get_mesh (model) == mesh2);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpfloat (osp_implant_get_params (model)->length, ==, 80);
  g_assert_true (osp_model_get_mesh (model) == mesh);
  g_assert_true (osp_plan_redo (plan));
  g_assert_cmpfloat (osp_implant_get_params (model)->length, ==, 60);

  /* Save → open keeps the parameters. */
  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);
  opened = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  model = osp_plan_find_model (opened, "Screw 1");
  g_assert_nonnull (model);
  got = osp_implant_get_params (model);
  g_assert_nonnull (got);
  g_assert_cmpint (got->kind, ==, OSP_IMPLANT_SCREW);
  g_assert_cmpfloat (got->length, ==, 60);
  g_assert_cmpfloat (got->diameter, ==, 6.5);

  /* Undo all: the model goes away. */
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_plan_undo (plan));
  g_assert_null (osp_plan_find_model (plan, "Screw 1"));
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Operations replay: an implant, its new parameters, a block from a template model, a
 * measurement; then the recorded operations replayed into a second plan give the same. */
static void
test_replay (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) again = osp_plan_new ();
  g_autoptr(OspMesh) cube = osp_test_make_box (20, 20, 20);
  g_autoptr(OspModel) template = osp_model_new ("Template", cube, OSP_MODEL_ROLE_TEMPLATE);
  g_autoptr(OspCommand) add = osp_command_new_add_model (template, -1, NULL);
  g_autoptr(OspModel) template2 = osp_model_new ("Template", cube, OSP_MODEL_ROLE_TEMPLATE);
  g_autoptr(OspCommand) add2 = osp_command_new_add_model (template2, -1, NULL);
  g_autoptr(GError) error = NULL;
  const char *ops[] = {
    "{\"op\": \"implant\", \"model\": \"Screw\", \"implant\": {\"kind\": \"screw\", "
    "\"diameter\": 6.5, \"length\": 80}, \"transform\": [1,0,0,0, 0,1,0,0, 0,0,1,0, "
    "10,0,0,1]}",
    "{\"op\": \"implant\", \"model\": \"Screw\", \"implant\": {\"kind\": \"screw\", "
    "\"diameter\": 6.5, \"length\": 50}}",
    "{\"op\": \"implant\", \"model\": \"Block\", \"implant\": {\"kind\": \"block\", "
    "\"template\": \"Template\", \"planes\": [[0, 0, 1, 10]]}}",
    "{\"op\": \"add-measurement\", \"name\": \"Block volume\", \"kind\": \"volume\", "
    "\"refs\": [\"Block\"]}",
  };
  OspModel *screw, *block;
  float m[16];
  guint first_op;

  g_assert_true (osp_plan_execute (plan, add, NULL));
  first_op = osp_plan_get_n_operations (plan);
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr(JsonObject) op = parse_object (ops[i]);

      g_assert_true (osp_plan_run_operation (plan, op, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  screw = osp_plan_find_model (plan, "Screw");
  block = osp_plan_find_model (plan, "Block");
  g_assert_nonnull (screw);
  g_assert_nonnull (block);
  g_assert_cmpfloat (osp_implant_get_params (screw)->length, ==, 50);
  osp_model_get_transform (screw, m);
  g_assert_cmpfloat (m[12], ==, 10);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (osp_model_get_mesh (block)), 4000, 1e-2);

  /* Replay what the plan recorded. */
  g_assert_true (osp_plan_execute (again, add2, NULL));
  for (guint i = first_op; i < osp_plan_get_n_operations (plan); i++)
    {
      g_assert_true (osp_plan_run_operation (again, osp_plan_get_operation (plan, i), NULL, NULL,
                                             NULL, &error));
      g_assert_no_error (error);
    }
  screw = osp_plan_find_model (again, "Screw");
  g_assert_nonnull (screw);
  g_assert_cmpfloat (osp_implant_get_params (screw)->length, ==, 50);
  osp_model_get_transform (screw, m);
  g_assert_cmpfloat (m[12], ==, 10);
  g_assert_true (osp_mesh_equal (osp_model_get_mesh (screw),
                                 osp_model_get_mesh (osp_plan_find_model (plan, "Screw"))));

  /* Bad operations fail with a message. */
  {
    g_autoptr(JsonObject) op = parse_object ("{\"op\": \"implant\", \"model\": \"X\", "
                                             "\"implant\": {\"kind\": \"cup\", "
                                             "\"diameter\": -3}}");

    g_assert_false (osp_plan_run_operation (plan, op, NULL, NULL, NULL, &error));
    g_assert_nonnull (error);
    g_assert_null (osp_plan_find_model (plan, "X"));
  }
}

/* A plate contoured along a path picked on a real hemipelvis (the lateral ilium, clicked in a
 * lateral view): it spans the whole path, lies on the bone (penetration ≤ 0.2 mm, touching),
 * and passes the print check (closed, no self-intersections, no thin walls). */
static void
test_plate_on_bone (void)
{
  g_autofree char *path = osp_test_shared_data ("mesh/pelvis_atlas_11_left_surface.stl");
  g_autoptr(OspMesh) bone = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) plate = NULL;
  g_autoptr(OspPrintReport) report = NULL;
  g_auto(OspImplantParams) p = { 0 };
  OspPrintCheckOptions options;
  float picked[5][3], *points = NULL, *normals = NULL;
  guint n = 0, holes;
  double surface_path = 0, length, deepest = 0, nearest_end[2] = { INFINITY, INFINITY };
  const float *pos;
  guint32 nv;

  if (path == NULL)
    return;
  bone = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  bvh = osp_bvh_new (bone);
  /* Clicks in a lateral view: rays from the patient's left (+x) across the iliac wing. */
  for (guint i = 0; i < 5; i++)
    {
      float origin[3] = { 400, 145 + 20 * i, 425 - 5.0f * i }, dir[3] = { -1, 0, 0 };
      OspRayHit hit;

      g_assert_true (osp_bvh_ray_cast (bvh, origin, dir, 0, INFINITY, &hit));
      for (int k = 0; k < 3; k++)
        picked[i][k] = origin[k] + hit.t * dir[k];
      g_test_message ("picked (%.1f, %.1f, %.1f)", picked[i][0], picked[i][1], picked[i][2]);
    }
  g_assert_true (osp_plate_contour_path (bvh, &picked[0][0], 5, 12, &points, &normals, &n,
                                         &error));
  g_assert_no_error (error);
  for (guint i = 1; i < n; i++)
    {
      double d2 = 0;

      for (int k = 0; k < 3; k++)
        d2 += pow (points[3 * i + k] - points[3 * (i - 1) + k], 2);
      surface_path += sqrt (d2);
    }

  setup_plate (&p);
  p.n_points = n;
  p.points = points;
  p.normals = normals;
  length = osp_implant_plate_length (&p, &holes);
  g_test_message ("path on the bone %.1f mm (%u stations): plate %.1f mm, %u holes",
                  surface_path, n, length, holes);
  g_assert_cmpfloat (surface_path, >, 95);
  g_assert_cmpfloat_with_epsilon (length, surface_path, 1e-6);
  g_assert_cmpuint (holes, ==, (guint) floor ((surface_path - 12) / 16));
  plate = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* On the bone: no vertex deeper than 0.2 mm, the underside touching (within 0.3 mm). */
  pos = osp_mesh_get_positions (plate);
  nv = osp_mesh_get_n_vertices (plate);
  {
    double closest = INFINITY;

    for (guint32 v = 0; v < nv; v++)
      {
        float sd = osp_bvh_signed_distance (bvh, pos + 3 * v, NULL);

        deepest = MAX (deepest, -sd);
        closest = MIN (closest, fabs (sd));
        for (guint e = 0; e < 2; e++)
          {
            const float *end = e == 0 ? picked[0] : picked[4];
            double d2 = 0;

            for (int k = 0; k < 3; k++)
              d2 += pow (pos[3 * v + k] - end[k], 2);
            nearest_end[e] = MIN (nearest_end[e], sqrt (d2));
          }
      }
    g_test_message ("penetration %.3f mm, closest %.3f mm, ends %.2f / %.2f mm", deepest,
                    closest, nearest_end[0], nearest_end[1]);
    g_assert_cmpfloat (deepest, <=, 0.2);
    g_assert_cmpfloat (closest, <, 0.3);
    /* It reaches both ends of the path. */
    g_assert_cmpfloat (nearest_end[0], <, 2.0);
    g_assert_cmpfloat (nearest_end[1], <, 2.0);
  }

  osp_print_check_options_init (&options);
  report = osp_print_check (plate, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("print check: %s, %" G_GUINT64_FORMAT " self-intersections, wall %.2f mm",
                  osp_print_verdict_to_string (report->verdict), report->n_self_intersections,
                  report->min_wall);
  g_assert_true (report->mesh.closed);
  g_assert_cmpuint (report->n_self_intersections, ==, 0);
  g_assert_cmpfloat (report->min_wall, >=, 1.5);
  g_assert_cmpint (report->verdict, ==, OSP_PRINT_READY);
}

/* The screw's body, not just its axis: in a 40 mm block of bone, a 6.5 mm screw 1.5 mm from a
 * face has its axis in bone but its thread out by 1.26 mm; one beside the block is outside. */
typedef struct
{
  float    entry[3];
  gboolean leaves;
  gboolean outside;
  double   first_out;
  double   depth;
} BodyCase;

static void
test_screw_body (void)
{
  static const BodyCase cases[] = {
    { { 20, 20, 0 }, FALSE, FALSE, -1, 0 },
    { { 1.5f, 20, 0 }, TRUE, FALSE, 2, 6.5 / 2 * 0.85 - 1.5 },
    { { -20, 20, 0 }, TRUE, TRUE, 2, 0 },
  };
  static const double lengths[][4] = {
    /* exit, clearance, step → length */
    { 40, 2, 5, 35 }, { 37, 2, 5, 35 }, { 41.9, 2, 5, 35 }, { 42, 2, 5, 40 }, { 40, 0, 5, 40 },
    { 40, 2, 0, 38 }, { 1.5, 2, 5, 0 },
  };
  g_autoptr(OspMesh) box = osp_test_make_box (40, 40, 40);
  g_autoptr(OspBvh) bvh = osp_bvh_new (box);
  const float up[3] = { 0, 0, 1 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      float m[16];
      OspScrewBody body;

      osp_frame_from_point_normal (cases[i].entry, up, 0, m);
      osp_screw_check_body (bvh, m, 6.5, 35, &body);
      g_test_message ("case %u: leaves %d outside %d inside %.2f first %.1f depth %.2f", i,
                      body.leaves_bone, body.outside, body.inside_fraction, body.first_out,
                      body.depth_out);
      g_assert_cmpint (body.leaves_bone, ==, cases[i].leaves);
      g_assert_cmpint (body.outside, ==, cases[i].outside);
      g_assert_cmpfloat_with_epsilon (body.first_out, cases[i].first_out, 1e-6);
      if (i == 1)
        {
          g_assert_cmpfloat_with_epsilon (body.depth_out, cases[i].depth, 0.01);
          /* 3 of 13 samples per millimetre are out: those at 150°, 180° and 210°, where
           * 1.5 + 2.76 cos θ < −0.3. */
          g_assert_cmpfloat_with_epsilon (body.inside_fraction, 10.0 / 13, 1e-6);
        }
      if (i == 0)
        g_assert_cmpfloat (body.inside_fraction, ==, 1.0);
    }
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    g_assert_cmpfloat_with_epsilon (osp_screw_proposed_length (lengths[i][0], lengths[i][1],
                                                               lengths[i][2]),
                                    lengths[i][3], 1e-9);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (implant_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/implant/parametric/%s", implant_cases[i].name);

      g_test_add_data_func (path, &implant_cases[i], test_parametric);
    }
  g_test_add_func ("/implant/revolve-exact", test_revolve_exact);
  g_test_add_func ("/implant/params-invalid", test_params_invalid);
  g_test_add_func ("/implant/params-json", test_params_json);
  g_test_add_func ("/implant/block", test_block);
  g_test_add_func ("/implant/custom", test_custom);
  g_test_add_func ("/implant/frame", test_frame);
  g_test_add_func ("/implant/euler", test_euler);
  g_test_add_func ("/implant/screw-box", test_screw_box);
  g_test_add_func ("/implant/screw-placed", test_screw_placed);
  g_test_add_func ("/implant/plan", test_plan);
  g_test_add_func ("/implant/replay", test_replay);
  g_test_add_func ("/implant/plate-on-bone", test_plate_on_bone);
  g_test_add_func ("/implant/screw-body", test_screw_body);
  return g_test_run ();
}
