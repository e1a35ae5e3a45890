/* test-cup.c — acetabular cups: sphere fit, sizes, Murray angles in the APP, cover, medial wall
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-implant.h"
#include "osp-phantom.h"
#include "osp-segment.h"
#include "osp-test-common.h"

#define DEG (G_PI / 180.0)

static double
dot (const double *a,
     const double *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Points on a spherical cap (half-angle cap_deg about `pole`), with a deterministic ±noise. */
static float *
cap_points (const double center[3],
            double       radius,
            double       cap_deg,
            guint        n,
            double       noise)
{
  float *points = g_new (float, 3 * n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);

  for (guint i = 0; i < n; i++)
    {
      double z = 1 - (1 - cos (cap_deg * DEG)) * (i + 0.5) / n, rho = sqrt (1 - z * z);
      double phi = i * G_PI * (3 - sqrt (5.0));
      double d[3] = { rho * cos (phi), z, rho * sin (phi) };   /* pole along +y */
      double r = radius + noise * g_rand_double_range (rand, -1, 1);

      for (int k = 0; k < 3; k++)
        points[3 * i + k] = (float) (center[k] + r * d[k]);
    }
  return points;
}

static void
test_sphere_fit (void)
{
  static const double center[3] = { 12.5, -40.0, 31.0 };
  g_autofree float *exact = cap_points (center, 26.0, 70, 40, 0);
  g_autofree float *noisy = cap_points (center, 26.0, 70, 200, 0.5);
  float flat[3 * 6] = { 0, 0, 0, 10, 0, 0, 0, 10, 0, 10, 10, 0, 5, 5, 0, 3, 7, 0 };
  double c[3], r, rms;
  g_autoptr(GError) error = NULL;

  g_assert_true (osp_sphere_fit (exact, 40, c, &r, &rms, &error));
  g_assert_no_error (error);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (c[k], center[k], 1e-3);
  g_assert_cmpfloat_with_epsilon (r, 26.0, 1e-3);
  g_assert_cmpfloat (rms, <, 1e-4);

  /* ±0.5 mm uniform noise: RMS ≈ 0.5/√3 = 0.29 mm; the centre within a few tenths. */
  g_assert_true (osp_sphere_fit (noisy, 200, c, &r, &rms, &error));
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (c[k], center[k], 0.3);
  g_assert_cmpfloat_with_epsilon (r, 26.0, 0.3);
  g_assert_cmpfloat_with_epsilon (rms, 0.5 / sqrt (3.0), 0.05);

  /* Too few and coplanar points fail with a message. */
  g_assert_false (osp_sphere_fit (exact, 3, c, &r, &rms, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (osp_sphere_fit (flat, 6, c, &r, &rms, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
}

static void
test_cup_sizes (void)
{
  static const double table[][2] = {
    { 51.2, 52 }, { 50.9, 50 }, { 53.0, 54 }, { 48.0, 48 }, { 20.0, 38 }, { 95.0, 80 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpfloat (osp_cup_size_for_diameter (table[i][0]), ==, table[i][1]);
}

/* The patient frame, by hand: left hip 40°/20° → (sin40·cos20, −sin20, −cos40·cos20) in LPS
 * (lateral +x, anterior −y, inferior −z); the right hip mirrors x. */
static void
test_angles_patient (void)
{
  OspPelvicFrame frame;
  double axis[3], ri, ra;

  osp_pelvic_frame_init_patient (&frame, NULL);
  g_assert_false (frame.from_app);
  osp_cup_axis_from_angles (&frame, TRUE, 40, 20, axis);
  g_assert_cmpfloat_with_epsilon (axis[0], 0.604023, 1e-6);
  g_assert_cmpfloat_with_epsilon (axis[1], -0.342020, 1e-6);
  g_assert_cmpfloat_with_epsilon (axis[2], -0.719846, 1e-6);
  osp_cup_axis_from_angles (&frame, FALSE, 40, 20, axis);
  g_assert_cmpfloat_with_epsilon (axis[0], -0.604023, 1e-6);
  g_assert_cmpfloat_with_epsilon (axis[1], -0.342020, 1e-6);
  g_assert_cmpfloat_with_epsilon (axis[2], -0.719846, 1e-6);
  osp_cup_angles_from_axis (&frame, FALSE, axis, &ri, &ra);
  g_assert_cmpfloat_with_epsilon (ri, 40, 1e-9);
  g_assert_cmpfloat_with_epsilon (ra, 20, 1e-9);
}

/* A rotation about a unit axis (Rodrigues), row-major. */
static void
rotation (const double axis[3],
          double       angle_deg,
          double       r[3][3])
{
  double c = cos (angle_deg * DEG), s = sin (angle_deg * DEG), t = 1 - c;
  double x = axis[0], y = axis[1], z = axis[2];
  double m[3][3] = {
    { t * x * x + c, t * x * y - s * z, t * x * z + s * y },
    { t * x * y + s * z, t * y * y + c, t * y * z - s * x },
    { t * x * z - s * y, t * y * z + s * x, t * z * z + c },
  };

  memcpy (r, m, sizeof m);
}

static void
apply (double       r[3][3],
       const double v[3],
       const double shift[3],
       double       out[3])
{
  for (int i = 0; i < 3; i++)
    out[i] = r[i][0] * v[0] + r[i][1] * v[1] + r[i][2] * v[2] + (shift ? shift[i] : 0);
}

/* A pelvis tilted 15° (pelvic tilt about the left–right axis), turned 8° about S–I and 4°
 * about A–P, moved: the angles are checked against an independent construction from the
 * landmarks alone (the APP's normal by a cross product, the longitudinal axis by the
 * projection), and recovered. */
static void
test_angles_tilted_app (void)
{
  static const double x_axis[3] = { 1, 0, 0 }, z_axis[3] = { 0, 0, 1 }, y_axis[3] = { 0, 1, 0 };
  /* An upright pelvis (APP vertical, LPS): ASIS ±115 mm, tubercles ±20 mm 90 mm below. */
  static const double canon[4][3] = {
    { 115, -60, 40 }, { -115, -60, 40 }, { 20, -60, -50 }, { -20, -60, -50 },
  };
  static const double shift[3] = { 13, -250, 710 };
  double r1[3][3], r2[3][3], r3[3][3], r[3][3], tmp[3][3];
  float lm[4][3];
  double world[4][3], n_app[3], longi[3], e1[3], e2[3];
  OspPelvicFrame frame;
  g_autoptr(GError) error = NULL;

  rotation (x_axis, 15, r1);
  rotation (z_axis, 8, r2);
  rotation (y_axis, 4, r3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      tmp[i][j] = r2[i][0] * r1[0][j] + r2[i][1] * r1[1][j] + r2[i][2] * r1[2][j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[i][j] = r3[i][0] * tmp[0][j] + r3[i][1] * tmp[1][j] + r3[i][2] * tmp[2][j];
  for (int i = 0; i < 4; i++)
    {
      apply (r, canon[i], shift, world[i]);
      for (int k = 0; k < 3; k++)
        {
          lm[i][k] = (float) world[i][k];
          world[i][k] = lm[i][k];   /* the landmarks as the plan holds them */
        }
    }
  g_assert_true (osp_pelvic_frame_from_app (lm[0], lm[1], lm[2], lm[3], &frame, &error));
  g_assert_no_error (error);
  g_assert_true (frame.from_app);

  /* Independently: the APP normal (pointing anterior) and its in-plane vertical. */
  for (int k = 0; k < 3; k++)
    {
      e1[k] = world[0][k] - world[1][k];
      e2[k] = (world[0][k] + world[1][k]) / 2 - (world[2][k] + world[3][k]) / 2;
    }
  n_app[0] = e1[1] * e2[2] - e1[2] * e2[1];
  n_app[1] = e1[2] * e2[0] - e1[0] * e2[2];
  n_app[2] = e1[0] * e2[1] - e1[1] * e2[0];
  {
    double len = sqrt (dot (n_app, n_app)), down[3] = { 0, 0, -1 }, rdown[3];

    for (int k = 0; k < 3; k++)
      n_app[k] /= len;
    /* The upright pelvis's anterior is −y: rotated, it must agree with the APP normal. */
    apply (r, (double[3]) { 0, -1, 0 }, NULL, rdown);
    g_assert_cmpfloat_with_epsilon (dot (rdown, n_app), 1.0, 1e-6);
    apply (r, down, NULL, longi);   /* the longitudinal axis, downwards */
  }
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (frame.anterior[k], n_app[k], 1e-6);

  for (int side = 0; side < 2; side++)
    for (double ri = 25; ri <= 60; ri += 7)
      for (double ra = -10; ra <= 35; ra += 9)
        {
          double axis[3], proj[3], lateral[3], got_ri, got_ra, an;

          osp_cup_axis_from_angles (&frame, side == 0, ri, ra, axis);
          g_assert_cmpfloat_with_epsilon (dot (axis, axis), 1.0, 1e-9);
          /* Anteversion: the angle out of the APP, forwards. */
          an = dot (axis, n_app);
          g_assert_cmpfloat_with_epsilon (asin (an) / DEG, ra, 1e-4);
          /* Inclination: in the APP, between the longitudinal axis and the projection. */
          for (int k = 0; k < 3; k++)
            proj[k] = axis[k] - an * n_app[k];
          apply (r, (double[3]) { side == 0 ? 1 : -1, 0, 0 }, NULL, lateral);
          g_assert_cmpfloat_with_epsilon (atan2 (dot (proj, lateral), dot (proj, longi)) / DEG,
                                          ri, 1e-4);
          osp_cup_angles_from_axis (&frame, side == 0, axis, &got_ri, &got_ra);
          g_assert_cmpfloat_with_epsilon (got_ri, ri, 1e-9);
          g_assert_cmpfloat_with_epsilon (got_ra, ra, 1e-9);
          /* The placed cup opens along that axis. */
          {
            float m[16];
            double c[3] = { 1, 2, 3 };

            osp_cup_matrix (&frame, side == 0, ri, ra, c, m);
            for (int k = 0; k < 3; k++)
              {
                g_assert_cmpfloat_with_epsilon (m[8 + k], axis[k], 1e-6);
                g_assert_cmpfloat_with_epsilon (m[12 + k], c[k], 1e-6);
              }
          }
        }

  /* The plan's landmarks give the same frame; without them, the patient axes. */
  {
    g_autoptr(OspPlan) plan = osp_plan_new ();
    static const char *names[4] = { OSP_LANDMARK_ASIS_LEFT, OSP_LANDMARK_ASIS_RIGHT,
                                    OSP_LANDMARK_PUBIS_LEFT, OSP_LANDMARK_PUBIS_RIGHT };
    OspPelvicFrame from_plan;
    double mid[3] = { 5, 6, 7 };

    g_assert_false (osp_pelvic_frame_from_plan (plan, mid, &from_plan));
    g_assert_false (from_plan.from_app);
    g_assert_cmpfloat (from_plan.origin[1], ==, 6);
    for (int i = 0; i < 4; i++)
      {
        osp_test_execute_ok (plan, osp_command_new_add_landmark (names[i], lm[i]));
      }
    g_assert_true (osp_pelvic_frame_from_plan (plan, NULL, &from_plan));
    for (int k = 0; k < 3; k++)
      {
        g_assert_cmpfloat_with_epsilon (from_plan.left[k], frame.left[k], 1e-9);
        g_assert_cmpfloat_with_epsilon (from_plan.superior[k], frame.superior[k], 1e-9);
      }
  }
}

/* A bony socket: a ball of radius 35 hollowed by a 26 mm hemispherical socket opening to +x
 * (a box cut), cup 52 mm seated: fully covered, 9 mm of wall; pushed 12 mm medially: the
 * dome is 3 mm through. */
static void
test_coverage_synthetic (void)
{
  g_autoptr(OspMesh) ball = osp_test_make_sphere (35, 96, 48);
  g_autoptr(OspBvh) bvh = NULL;
  OspPelvicFrame frame;
  OspCupCoverage cover;
  double centre[3] = { 0, 0, 0 }, axis[3] = { 1, 0, 0 };
  float m[16], p[3] = { 0, 0, 0 }, n[3] = { 1, 0, 0 };

  (void) frame;
  (void) axis;
  bvh = osp_bvh_new (ball);
  /* A solid ball: the cup inside it is wholly covered, wall 35 − 26 = 9 mm (facets: −0.1). */
  osp_frame_from_point_normal (p, n, 0, m);
  osp_cup_coverage (bvh, m, 52, &cover);
  g_assert_cmpuint (cover.n_samples, >, 500);
  g_assert_cmpfloat (cover.cover, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (cover.medial_wall_mm, 9.0, 0.3);
  g_assert_false (cover.medial_breach);
  /* 12 mm towards the dome (−x): the dome pokes 3 mm out of the ball. */
  m[12] = -12;
  osp_cup_coverage (bvh, m, 52, &cover);
  g_assert_true (cover.medial_breach);
  g_assert_cmpfloat_with_epsilon (cover.medial_wall_mm, -3.0, 0.3);
  /* Outside the ball altogether: nothing covers it. */
  m[12] = 200;
  osp_cup_coverage (bvh, m, 52, &cover);
  g_assert_cmpfloat (cover.cover, ==, 0.0);
  g_assert_true (cover.medial_breach);
  (void) centre;
}

/* The phantom's left acetabulum (socket radius 25.5 mm at a known centre): points picked on
 * its surface give the sphere within a millimetre, a 50 or 52 mm cup, well covered with a
 * medial wall; the same cup 15 mm deeper breaks through. */
static void
test_phantom_acetabulum (void)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspSegmentOptions seg = OSP_SEGMENT_OPTIONS_INIT;
  OspPhantomTruth truth;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) picked = g_array_new (FALSE, FALSE, sizeof (float));
  const float *pos;
  double c[3], r, rms, size, axis[3], hip_open[3], wall;
  OspPelvicFrame frame;
  OspCupCoverage cover;
  float m[16];
  guint32 nv;

  options.voxel_mm = 1.5;
  volume = osp_phantom_generate (&options, &truth, NULL, &error);
  g_assert_no_error (error);
  mesh = osp_segment_volume (volume, &seg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  bvh = osp_bvh_new (mesh);

  /* "Picked" points: surface vertices on the socket's sphere, in the half facing away from
   * its opening (the fossa and the walls up to the rim), every 7th. */
  {
    /* The opening: the phantom's (1, −.3, −.65) in its own frame, ≈ in LPS (3°/2° turns). */
    double open[3] = { 0.8137, -0.2441, -0.5276 };

    double len = sqrt (dot (open, open));

    for (int k = 0; k < 3; k++)
      hip_open[k] = open[k] / len;
  }
  pos = osp_mesh_get_positions (mesh);
  nv = osp_mesh_get_n_vertices (mesh);
  for (guint32 v = 0; v < nv; v += 7)
    {
      double d[3], len;

      for (int k = 0; k < 3; k++)
        d[k] = pos[3 * v + k] - truth.hip_center[0][k];
      len = sqrt (dot (d, d));
      if (fabs (len - truth.socket_radius) < 1.0 && dot (d, hip_open) < 0.5 * len)
        g_array_append_vals (picked, pos + 3 * v, 3);
    }
  g_test_message ("%u points on the socket", picked->len / 3);
  g_assert_cmpuint (picked->len / 3, >, 50);
  g_assert_true (osp_sphere_fit ((const float *) picked->data, picked->len / 3, c, &r, &rms,
                                 &error));
  g_assert_no_error (error);
  g_test_message ("sphere (%.2f, %.2f, %.2f) r %.2f rms %.2f; truth (%.2f, %.2f, %.2f) r %.1f",
                  c[0], c[1], c[2], r, rms, truth.hip_center[0][0], truth.hip_center[0][1],
                  truth.hip_center[0][2], truth.socket_radius);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (c[k], truth.hip_center[0][k], 1.0);
  g_assert_cmpfloat_with_epsilon (r, truth.socket_radius, 1.0);
  g_assert_cmpfloat (rms, <, 0.6);
  size = osp_cup_size_for_diameter (2 * r);
  g_assert_true (size == 50 || size == 52);

  /* Seated at the fitted centre, opening along the socket: covered, a medial wall. */
  osp_pelvic_frame_init_patient (&frame, NULL);
  {
    float pf[3] = { (float) c[0], (float) c[1], (float) c[2] };
    float nf[3] = { (float) hip_open[0], (float) hip_open[1], (float) hip_open[2] };
    double ri, ra;

    osp_cup_angles_from_axis (&frame, TRUE, hip_open, &ri, &ra);
    osp_cup_axis_from_angles (&frame, TRUE, ri, ra, axis);
    for (int k = 0; k < 3; k++)
      g_assert_cmpfloat_with_epsilon (axis[k], hip_open[k], 1e-9);
    osp_frame_from_point_normal (pf, nf, 0, m);
  }
  osp_cup_coverage (bvh, m, size, &cover);
  g_test_message ("cover %.3f, medial wall %.2f mm", cover.cover, cover.medial_wall_mm);
  g_assert_cmpfloat (cover.cover, >, 0.9);
  g_assert_false (cover.medial_breach);
  /* The phantom's wall: the 35 mm ball less the cup's radius (more where other bone joins). */
  g_assert_cmpfloat (cover.medial_wall_mm, >, 35 - size / 2 - 1.0);
  /* 15 mm deeper, along the dome: through the wall, by 15 mm less what there was. */
  wall = cover.medial_wall_mm;
  for (int k = 0; k < 3; k++)
    m[12 + k] -= (float) (15 * hip_open[k]);
  osp_cup_coverage (bvh, m, size, &cover);
  g_test_message ("deeper: cover %.3f, medial wall %.2f mm", cover.cover, cover.medial_wall_mm);
  g_assert_true (cover.medial_breach);
  g_assert_cmpfloat_with_epsilon (cover.medial_wall_mm, wall - 15, 0.5);
  g_assert_cmpfloat (cover.cover, <, 0.8);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cup/sphere-fit", test_sphere_fit);
  g_test_add_func ("/cup/sizes", test_cup_sizes);
  g_test_add_func ("/cup/angles-patient", test_angles_patient);
  g_test_add_func ("/cup/angles-tilted-app", test_angles_tilted_app);
  g_test_add_func ("/cup/coverage-synthetic", test_coverage_synthetic);
  g_test_add_func ("/cup/phantom-acetabulum", test_phantom_acetabulum);
  return g_test_run ();
}
