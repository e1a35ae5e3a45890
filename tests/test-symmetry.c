/* test-symmetry.c — ICP, the plane of symmetry and deviation maps
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "osp-error.h"
#include "osp-mesh-io.h"
#include "osp-phantom.h"
#include "osp-segment.h"
#include "osp-symmetry.h"
#include "osp-test-common.h"

/* A lumpy, pelvis-sized solid, mirror-symmetric across x = 0 and nothing else: a sphere
 * whose radius depends on y, z and x² only. */
static OspMesh *
make_symmetric_blob (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (1, 96, 48);
  guint32 n_v = osp_mesh_get_n_vertices (sphere);
  const float *p = osp_mesh_get_positions (sphere);
  g_autofree float *q = g_new (float, 3 * (gsize) n_v);

  for (guint32 i = 0; i < n_v; i++)
    {
      double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
      double r = 1 + 0.25 * sin (2 * y + 0.5) + 0.2 * z * x * x + 0.15 * y * z + 0.1 * z;

      q[3 * i] = (float) (120 * r * x);
      q[3 * i + 1] = (float) (80 * r * y);
      q[3 * i + 2] = (float) (100 * r * z);
    }
  return osp_mesh_new (q, n_v, osp_mesh_get_indices (sphere), osp_mesh_get_n_triangles (sphere));
}

/* A rotation of `deg` degrees about `axis` and a translation, as a cglm matrix. */
static void
make_motion (float  deg,
             vec3   axis,
             vec3   shift,
             mat4   out)
{
  glm_mat4_identity (out);
  glm_translate (out, shift);
  glm_rotate (out, glm_rad (deg), axis);
}

static void
transform_plane (const OspPlane *plane,
                 mat4            m,
                 OspPlane       *out)
{
  vec3 n = { plane->normal[0], plane->normal[1], plane->normal[2] };
  vec3 p = { plane->normal[0] * plane->d, plane->normal[1] * plane->d,
             plane->normal[2] * plane->d };
  vec3 n2, p2;
  mat3 r;

  glm_mat4_pick3 (m, r);
  glm_mat3_mulv (r, n, n2);
  glm_mat4_mulv3 (m, p, 1.0f, p2);
  for (int k = 0; k < 3; k++)
    out->normal[k] = n2[k];
  out->d = glm_vec3_dot (n2, p2);
}

static void
centroid_of (const OspMesh *mesh,
             float          out[3])
{
  OspBox box;

  osp_mesh_get_bounds (mesh, &box);
  for (int k = 0; k < 3; k++)
    out[k] = (box.min[k] + box.max[k]) / 2;
}

static void
test_icp_recovers_motion (void)
{
  g_autoptr(OspMesh) fixed = make_symmetric_blob ();
  g_autoptr(OspMesh) moving = NULL;
  mat4 motion, inverse, found, check;
  OspResidual res;
  g_autoptr(GError) error = NULL;

  make_motion (6, (vec3) { 0.3f, 1, 0.2f }, (vec3) { 4, -3, 2 }, motion);
  moving = osp_mesh_transform (fixed, motion);
  glm_mat4_inv (motion, inverse);

  g_assert_true (osp_icp_register (moving, fixed, NULL, NULL, found, &res, NULL, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("ICP: rms %.4f mm, p95 %.4f mm, %u iterations", res.rms_mm, res.p95_mm,
                  res.n_iterations);
  g_assert_cmpfloat (res.rms_mm, <, 0.05);
  /* found ≈ inverse. */
  glm_mat4_mul (found, motion, check);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      g_assert_cmpfloat_with_epsilon (check[i][j], i == j ? 1.0f : 0.0f, i == 3 ? 0.05 : 1e-3);
}

/* Only trusted points count: with the far half of the fixed mesh corrupted (pushed out by
 * 5 mm) and untrusted, the motion is still found. */
static void
test_icp_trusted_region (void)
{
  g_autoptr(OspMesh) blob = make_symmetric_blob ();
  guint32 n_v = osp_mesh_get_n_vertices (blob);
  g_autofree float *q = g_memdup2 (osp_mesh_get_positions (blob), 12 * (gsize) n_v);
  g_autofree gboolean *trusted = g_new (gboolean, n_v);
  g_autoptr(OspMesh) fixed = NULL, moving = NULL;
  OspIcpOptions options = OSP_ICP_OPTIONS_INIT;
  const OspPlane cut = { { 1, 0, 0 }, 60 };
  mat4 motion, found, check;
  OspResidual res;
  g_autoptr(GError) error = NULL;

  for (guint32 i = 0; i < n_v; i++)
    {
      trusted[i] = q[3 * i] < 40;
      if (q[3 * i] > 60)
        q[3 * i] += 5;
    }
  fixed = osp_mesh_new (q, n_v, osp_mesh_get_indices (blob), osp_mesh_get_n_triangles (blob));
  make_motion (4, (vec3) { 0, 0, 1 }, (vec3) { 2, 1, 0 }, motion);
  moving = osp_mesh_transform (blob, motion);

  options.fixed_trusted = trusted;
  options.trim_fraction = 0.1;
  g_assert_true (osp_icp_register (moving, fixed, &options, NULL, found, &res, NULL, NULL,
                                   &error));
  g_assert_no_error (error);
  glm_mat4_mul (found, motion, check);
  g_assert_cmpfloat (res.rms_mm, <, 0.1);
  g_assert_cmpfloat_with_epsilon (check[3][0], 0, 0.1);

  /* The same with the automatic rule: points within 40 mm of the cut plane are dropped. */
  options.fixed_trusted = NULL;
  options.exclude_planes = &cut;
  options.n_exclude_planes = 1;
  options.exclude_distance_mm = 40;
  options.trim_fraction = 0.0;
  g_assert_true (osp_icp_register (moving, fixed, &options, NULL, found, &res, NULL, NULL,
                                   &error));
  g_assert_no_error (error);
  glm_mat4_mul (found, motion, check);
  g_test_message ("ICP excluding near the cut: rms %.4f mm", res.rms_mm);
  g_assert_cmpfloat (res.rms_mm, <, 1.0);
}

static void
test_plane_from_reflection (void)
{
  const OspPlane plane = { { 0.6f, 0, 0.8f }, 7 };
  OspPlane found;
  mat4 m;
  mat4 identity = GLM_MAT4_IDENTITY_INIT;
  double angle, distance;
  const float origin[3] = { 0, 0, 0 };

  osp_plane_reflection_matrix (&plane, m);
  g_assert_true (osp_plane_from_reflection (m, &found));
  osp_plane_compare (&plane, &found, origin, &angle, &distance);
  g_assert_cmpfloat (angle, <, 1e-3);
  g_assert_cmpfloat (distance, <, 1e-4);
  /* Largest component positive. */
  g_assert_cmpfloat (found.normal[2], >, 0);
  g_assert_false (osp_plane_from_reflection (identity, &found));
}

/* The symmetric blob moved by a known motion: the plane is the moved x = 0. */
static void
test_symmetry_synthetic (void)
{
  g_autoptr(OspMesh) blob = make_symmetric_blob ();
  g_autoptr(OspMesh) moved = NULL;
  const OspPlane yz = { { 1, 0, 0 }, 0 };
  OspPlane truth, found;
  OspResidual res;
  mat4 motion;
  double angle, distance;
  float c[3];
  g_autoptr(GError) error = NULL;

  make_motion (7, (vec3) { 0.2f, 0.5f, 1 }, (vec3) { 12, -20, 35 }, motion);
  moved = osp_mesh_transform (blob, motion);
  transform_plane (&yz, motion, &truth);
  g_assert_true (osp_symmetry_estimate (moved, NULL, &found, &res, NULL, NULL, &error));
  g_assert_no_error (error);
  centroid_of (moved, c);
  osp_plane_compare (&truth, &found, c, &angle, &distance);
  g_test_message ("synthetic: %.4f deg %.4f mm, rms %.4f mm", angle, distance, res.rms_mm);
  g_assert_cmpfloat (angle, <, 0.1);
  g_assert_cmpfloat (distance, <, 0.1);
  g_assert_cmpfloat (res.rms_mm, <, 0.2);

  /* From landmarks on the midline (three points of the plane, slightly off). */
  {
    OspSymmetryOptions options = OSP_SYMMETRY_OPTIONS_INIT;
    float marks[9];
    const float local[9] = { 0, 60, -20, 0, -50, 10, 3, 0, 80 };

    for (int i = 0; i < 3; i++)
      glm_mat4_mulv3 (motion, (float *) local + 3 * i, 1.0f, marks + 3 * i);
    options.landmarks = marks;
    options.n_landmarks = 3;
    g_assert_true (osp_symmetry_estimate (moved, &options, &found, &res, NULL, NULL, &error));
    g_assert_no_error (error);
    osp_plane_compare (&truth, &found, c, &angle, &distance);
    g_assert_cmpfloat (angle, <, 0.1);
    g_assert_cmpfloat (distance, <, 0.1);

    /* Two landmarks (symphysis and sacrum): the plane through them nearest a principal axis. */
    options.n_landmarks = 2;
    g_assert_true (osp_symmetry_estimate (moved, &options, &found, &res, NULL, NULL, &error));
    g_assert_no_error (error);
    osp_plane_compare (&truth, &found, c, &angle, &distance);
    g_assert_cmpfloat (angle, <, 0.1);
    g_assert_cmpfloat (distance, <, 0.1);

    /* From a given plane, 3° and 4 mm off. */
    options.n_landmarks = 0;
    options.has_initial_plane = TRUE;
    {
      mat4 off;
      OspPlane start;

      make_motion (3, (vec3) { 0, 1, 0 }, (vec3) { 4, 0, 0 }, off);
      glm_mat4_mul (motion, off, off);
      transform_plane (&yz, off, &start);
      options.initial_plane = start;
    }
    g_assert_true (osp_symmetry_estimate (moved, &options, &found, &res, NULL, NULL, &error));
    g_assert_no_error (error);
    osp_plane_compare (&truth, &found, c, &angle, &distance);
    g_assert_cmpfloat (angle, <, 0.1);
    g_assert_cmpfloat (distance, <, 0.1);
  }

  /* A mesh without extent has no plane. */
  {
    const float flat[9] = { 0, 0, 0, 1, 0, 0, 2, 0, 0 };
    const guint32 tri[3] = { 0, 1, 2 };
    g_autoptr(OspMesh) line = osp_mesh_new (flat, 3, tri, 1);

    g_assert_false (osp_symmetry_estimate (line, NULL, &found, &res, NULL, NULL, &error));
    g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  }
}

typedef struct
{
  const char *name;
  gboolean    defect;
} PhantomCase;

static const PhantomCase phantom_cases[] = {
  { "intact", FALSE },
  { "defect", TRUE },
};

static void
test_symmetry_phantom (gconstpointer data)
{
  const PhantomCase *tc = data;
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspSegmentOptions seg = OSP_SEGMENT_OPTIONS_INIT;
  OspPhantomTruth truth;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;
  OspPlane found;
  OspResidual res;
  double angle, distance;
  float c[3];

  options.defect = tc->defect;
  options.voxel_mm = 2.0;
  volume = osp_phantom_generate (&options, &truth, NULL, &error);
  g_assert_no_error (error);
  seg.target_triangles = 100000;
  mesh = osp_segment_volume (volume, &seg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (osp_symmetry_estimate (mesh, NULL, &found, &res, NULL, NULL, &error));
  g_assert_no_error (error);
  centroid_of (mesh, c);
  osp_plane_compare (&truth.midsagittal, &found, c, &angle, &distance);
  g_test_message ("phantom (%s, %u triangles): %.3f deg %.3f mm off the truth, rms %.3f mm, "
                  "p95 %.3f mm", tc->name, osp_mesh_get_n_triangles (mesh), angle, distance,
                  res.rms_mm, res.p95_mm);
  g_assert_cmpfloat (angle, <, 0.5);
  g_assert_cmpfloat (distance, <, 0.5);

  if (tc->defect)
    {
      /* The template: the mirrored pelvis registered to the original (trimmed ICP ignores
       * the defect); the deviation map finds the missing bone. */
      g_autoptr(OspMesh) mirrored = osp_mesh_mirror (mesh, &found);
      g_autoptr(OspMesh) registered = NULL;
      g_autofree float *dist = g_new (float, osp_mesh_get_n_vertices (mesh));
      OspResidual icp, dev;
      float worst = 0;
      mat4 m;

      g_assert_true (osp_icp_register (mirrored, mesh, NULL, NULL, m, &icp, NULL, NULL, &error));
      g_assert_no_error (error);
      registered = osp_mesh_transform (mirrored, m);
      g_assert_true (osp_mesh_deviation (registered, mesh, dist, &dev, NULL, NULL, &error));
      g_assert_no_error (error);
      for (guint32 v = 0; v < osp_mesh_get_n_vertices (registered); v++)
        worst = MAX (worst, fabsf (dist[v]));
      g_test_message ("template: ICP rms %.3f mm; deviation rms %.3f, p95 %.3f, max %.1f mm",
                      icp.rms_mm, dev.rms_mm, dev.p95_mm, worst);
      g_assert_cmpfloat (icp.rms_mm, <, 0.3);
      g_assert_cmpfloat (worst, >, 5.0);
    }
}

static OspMesh *
load_shared (const char *name)
{
  g_autofree char *path = osp_test_shared_data (name);
  g_autoptr(GError) error = NULL;
  OspMesh *mesh;

  if (path == NULL)
    return NULL;
  mesh = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  return mesh;
}

/* One patient's two hemipelves: the plane maps one onto the other within the published
 * left-right asymmetry of the pelvis (about 1–2 mm). */
static void
test_symmetry_hemipelves (void)
{
  g_autoptr(OspMesh) left = load_shared ("mesh/pelvis_atlas_11_left_surface.stl");
  g_autoptr(OspMesh) right = load_shared ("mesh/pelvis_atlas_11_right_surface.stl");
  g_autoptr(OspMesh) both = NULL, mirrored = NULL;
  g_autofree float *dist = NULL;
  g_autoptr(GError) error = NULL;
  OspMesh *parts[2];
  OspPlane plane;
  OspResidual res, dev;

  if (left == NULL || right == NULL)
    return;
  parts[0] = left;
  parts[1] = right;
  both = osp_mesh_merge (parts, 2);
  g_assert_true (osp_symmetry_estimate (both, NULL, &plane, &res, NULL, NULL, &error));
  g_assert_no_error (error);

  mirrored = osp_mesh_mirror (left, &plane);
  dist = g_new (float, osp_mesh_get_n_vertices (mirrored));
  g_assert_true (osp_mesh_deviation (mirrored, right, dist, &dev, NULL, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("hemipelves: plane %.4f %.4f %.4f %.2f; ICP rms %.3f p95 %.3f mm; "
                  "mirrored left to right rms %.3f p95 %.3f mm",
                  plane.normal[0], plane.normal[1], plane.normal[2], plane.d, res.rms_mm,
                  res.p95_mm, dev.rms_mm, dev.p95_mm);
  /* Patient x is left-right. */
  g_assert_cmpfloat (fabs (plane.normal[0]), >, 0.9);
  g_assert_cmpfloat (res.rms_mm, <, 2.5);
  g_assert_cmpfloat (dev.rms_mm, <, 3.0);
}

/* The two proximal femurs: mirror the left, register it to the right. */
static void
test_femurs (void)
{
  g_autoptr(OspMesh) left = load_shared ("mesh/libhip_m3_left_proximal_femur.stl");
  g_autoptr(OspMesh) right = load_shared ("mesh/libhip_m3_right_proximal_femur.stl");
  g_autoptr(OspMesh) mirrored = NULL, registered = NULL;
  g_autofree float *dist = NULL;
  g_autoptr(GError) error = NULL;
  const OspPlane sagittal = { { 1, 0, 0 }, 0 };
  OspBox lb, rb;
  OspIcpOptions options = OSP_ICP_OPTIONS_INIT;
  OspResidual res, dev;
  mat4 initial, found;

  if (left == NULL || right == NULL)
    return;
  mirrored = osp_mesh_mirror (left, &sagittal);
  /* Start with the boxes' centres together. */
  osp_mesh_get_bounds (mirrored, &lb);
  osp_mesh_get_bounds (right, &rb);
  glm_mat4_identity (initial);
  glm_translate (initial, (vec3) { (rb.min[0] + rb.max[0] - lb.min[0] - lb.max[0]) / 2,
                                   (rb.min[1] + rb.max[1] - lb.min[1] - lb.max[1]) / 2,
                                   (rb.min[2] + rb.max[2] - lb.min[2] - lb.max[2]) / 2 });
  options.max_points = 10000;
  g_assert_true (osp_icp_register (mirrored, right, &options, initial, found, &res, NULL, NULL,
                                   &error));
  g_assert_no_error (error);
  registered = osp_mesh_transform (mirrored, found);
  dist = g_new (float, osp_mesh_get_n_vertices (registered));
  g_assert_true (osp_mesh_deviation (registered, right, dist, &dev, NULL, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("femurs: ICP rms %.3f p95 %.3f mm (%u iterations); deviation rms %.3f "
                  "p95 %.3f mm", res.rms_mm, res.p95_mm, res.n_iterations, dev.rms_mm,
                  dev.p95_mm);
  g_assert_cmpfloat (res.rms_mm, <, 2.5);
  g_assert_cmpfloat (dev.rms_mm, <, 4.0);
}

static void
test_deviation (void)
{
  g_autoptr(OspMesh) big = osp_test_make_sphere (10, 64, 32);
  g_autoptr(OspMesh) small = osp_test_make_sphere (9, 64, 32);
  g_autofree float *dist = g_new (float, osp_mesh_get_n_vertices (small));
  g_autoptr(GError) error = NULL;
  OspResidual stats;

  g_assert_true (osp_mesh_deviation (small, big, dist, &stats, NULL, NULL, &error));
  g_assert_no_error (error);
  /* Inside: negative, about −1 mm (the polyhedron's faces lie a little inside its vertices). */
  for (guint32 v = 0; v < osp_mesh_get_n_vertices (small); v++)
    {
      g_assert_cmpfloat (dist[v], <, -0.9);
      g_assert_cmpfloat (dist[v], >, -1.01);
    }
  g_assert_cmpfloat_with_epsilon (stats.rms_mm, 1.0, 0.1);
}

/* An ellipsoid is mirror-symmetric across three planes: the answer is one of them, and the
 * estimate says another fits as well. */
static void
test_ambiguous (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (1, 64, 32);
  g_autoptr(OspMesh) ellipsoid = NULL;
  g_autoptr(GError) error = NULL;
  OspSymmetryResult result;
  mat4 m;

  glm_scale_make (m, (vec3) { 60, 40, 30 });
  ellipsoid = osp_mesh_transform (sphere, m);
  g_assert_true (osp_symmetry_estimate_full (ellipsoid, NULL, &result, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (result.ambiguous);
  g_assert_cmpfloat_with_epsilon (result.rival_angle_deg, 90, 1);
  g_assert_cmpfloat (result.rival_rms_mm, <, 0.5);
  /* One of the three planes through the centre. */
  g_assert_cmpfloat (fabs (result.plane.d), <, 0.1);
  g_assert_cmpfloat (MAX (fabs (result.plane.normal[0]), MAX (fabs (result.plane.normal[1]),
                                                             fabs (result.plane.normal[2]))),
                     >, 0.9999);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/symmetry/icp/motion", test_icp_recovers_motion);
  g_test_add_func ("/symmetry/icp/trusted", test_icp_trusted_region);
  g_test_add_func ("/symmetry/plane-from-reflection", test_plane_from_reflection);
  g_test_add_func ("/symmetry/synthetic", test_symmetry_synthetic);
  for (guint i = 0; i < G_N_ELEMENTS (phantom_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/symmetry/phantom/%s", phantom_cases[i].name);

      g_test_add_data_func (path, &phantom_cases[i], test_symmetry_phantom);
    }
  g_test_add_func ("/symmetry/data/hemipelves", test_symmetry_hemipelves);
  g_test_add_func ("/symmetry/data/femurs", test_femurs);
  g_test_add_func ("/symmetry/deviation", test_deviation);

  g_test_add_func ("/symmetry/ambiguous", test_ambiguous);
  return g_test_run ();
}
