/* test-fit.c — signed distance maps against brute force, contact area, collisions, colours
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-fit.h"
#include "osp-implant.h"
#include "osp-mesh-io.h"
#include "osp-print-check.h"
#include "osp-repair.h"
#include "osp-test-common.h"

static OspMesh *
moved (const OspMesh *mesh,
       float          dx,
       float          dy,
       float          dz)
{
  mat4 m = { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { dx, dy, dz, 1 } };

  return osp_mesh_transform (mesh, m);
}

/* The closest point of triangle abc to p (Ericson, Real-Time Collision Detection 5.1.5). */
static double
point_triangle_distance (const double p[3],
                         const double a[3],
                         const double b[3],
                         const double c[3])
{
  double ab[3], ac[3], ap[3], bp[3], cp[3], q[3], d1, d2, d3, d4, d5, d6, va, vb, vc, v, w;

  for (int k = 0; k < 3; k++)
    {
      ab[k] = b[k] - a[k]; ac[k] = c[k] - a[k]; ap[k] = p[k] - a[k];
      bp[k] = p[k] - b[k]; cp[k] = p[k] - c[k];
    }
#define DOT(u, x) (u[0] * x[0] + u[1] * x[1] + u[2] * x[2])
  d1 = DOT (ab, ap); d2 = DOT (ac, ap);
  d3 = DOT (ab, bp); d4 = DOT (ac, bp);
  d5 = DOT (ab, cp); d6 = DOT (ac, cp);
#undef DOT
  if (d1 <= 0 && d2 <= 0)
    memcpy (q, a, sizeof q);
  else if (d3 >= 0 && d4 <= d3)
    memcpy (q, b, sizeof q);
  else if (d6 >= 0 && d5 <= d6)
    memcpy (q, c, sizeof q);
  else if ((vc = d1 * d4 - d3 * d2) <= 0 && d1 >= 0 && d3 <= 0)
    for (int k = 0; k < 3; k++)
      q[k] = a[k] + d1 / (d1 - d3) * ab[k];
  else if ((vb = d5 * d2 - d1 * d6) <= 0 && d2 >= 0 && d6 <= 0)
    for (int k = 0; k < 3; k++)
      q[k] = a[k] + d2 / (d2 - d6) * ac[k];
  else if ((va = d3 * d6 - d5 * d4) <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0)
    {
      w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
      for (int k = 0; k < 3; k++)
        q[k] = b[k] + w * (c[k] - b[k]);
    }
  else
    {
      double denom = 1 / (va + vb + vc);

      v = vb * denom;
      w = vc * denom;
      for (int k = 0; k < 3; k++)
        q[k] = a[k] + ab[k] * v + ac[k] * w;
    }
  return sqrt ((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
               (p[2] - q[2]) * (p[2] - q[2]));
}

/* Brute force over every bone triangle; the sign from a convex bone's face planes. */
static double
brute_signed_distance (const OspMesh *bone,
                       const float   *fp)
{
  const float *pos = osp_mesh_get_positions (bone);
  const guint32 *idx = osp_mesh_get_indices (bone);
  g_autofree float *normals = osp_mesh_compute_face_normals (bone);
  double best = INFINITY, p[3] = { fp[0], fp[1], fp[2] };
  gboolean inside = TRUE;

  for (guint32 t = 0; t < osp_mesh_get_n_triangles (bone); t++)
    {
      double v[3][3], side = 0;

      for (int c = 0; c < 3; c++)
        for (int k = 0; k < 3; k++)
          v[c][k] = pos[3 * idx[3 * t + c] + k];
      best = MIN (best, point_triangle_distance (p, v[0], v[1], v[2]));
      for (int k = 0; k < 3; k++)
        side += normals[3 * t + k] * (p[k] - v[0][k]);
      if (side > 0)
        inside = FALSE;
    }
  return inside ? -best : best;
}

typedef struct
{
  const char *name;
  float       offset[3];   /* where the implant sphere's centre goes */
} MapCase;

static const MapCase map_cases[] = {
  { "outside", { 35, 10, 10 } },
  { "straddling", { 20, 10, 10 } },
  { "inside", { 10, 10, 10 } },
  { "corner", { 20, 20, 20 } },
};

static void
test_map_brute (gconstpointer data)
{
  const MapCase *tc = data;
  /* A convex bone: an icosphere-like UV sphere (r 12) mixed with a box (20 mm). */
  g_autoptr(OspMesh) box = osp_test_make_box (20, 20, 20);
  g_autoptr(OspMesh) ball = osp_test_make_sphere (6, 24, 12);
  g_autoptr(OspMesh) implant = moved (ball, tc->offset[0], tc->offset[1], tc->offset[2]);
  g_autoptr(OspBvh) bvh = osp_bvh_new (box);
  g_autofree float *map = NULL;
  g_autoptr(GError) error = NULL;
  const float *pos = osp_mesh_get_positions (implant);

  map = osp_fit_distance_map (implant, NULL, bvh, 2, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint32 v = 0; v < osp_mesh_get_n_vertices (implant); v++)
    {
      double expected = brute_signed_distance (box, pos + 3 * v);

      g_assert_cmpfloat_with_epsilon (map[v], expected, 1e-4);
    }

  /* The same through a matrix instead of a moved mesh. */
  {
    const float m[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0,
                          tc->offset[0], tc->offset[1], tc->offset[2], 1 };
    g_autofree float *map2 = osp_fit_distance_map (ball, m, bvh, 1, NULL, NULL, &error);

    g_assert_no_error (error);
    for (guint32 v = 0; v < osp_mesh_get_n_vertices (implant); v++)
      g_assert_cmpfloat_with_epsilon (map2[v], map[v], 1e-4);
  }
}

/* A 10 × 10 × 2 plate on the 20 mm box's top face (z = 20), then sunk 1 mm. */
static void
test_contact (void)
{
  g_autoptr(OspMesh) bone = osp_test_make_box (20, 20, 20);
  g_autoptr(OspMesh) plate = osp_test_make_box (10, 10, 2);
  g_autoptr(OspMesh) on_top = moved (plate, 5, 5, 20);
  g_autoptr(OspMesh) sunk = moved (plate, 5, 5, 19);
  g_autoptr(OspBvh) bvh = osp_bvh_new (bone);
  g_autofree float *map = NULL;
  g_autofree float *map2 = NULL;
  OspFitStats s;

  map = osp_fit_distance_map (on_top, NULL, bvh, 0, NULL, NULL, NULL);
  osp_fit_stats (on_top, map, OSP_FIT_CONTACT_MM, &s);
  g_assert_cmpuint (s.n_vertices, ==, 8);
  g_assert_cmpfloat_with_epsilon (s.min_mm, 0, 1e-5);
  g_assert_cmpfloat_with_epsilon (s.max_mm, 2, 1e-5);
  g_assert_cmpfloat_with_epsilon (s.mean_mm, 1, 1e-5);
  g_assert_cmpfloat_with_epsilon (s.penetration_mm, 0, 1e-5);
  g_assert_cmpfloat_with_epsilon (s.area_mm2, 280, 1e-3);
  /* The bottom (100) and a 0.5 mm band of the four sides (4 × 10 × 0.5). */
  g_assert_cmpfloat_with_epsilon (s.contact_area_mm2, 120, 1e-3);
  g_assert_cmpfloat_with_epsilon (s.inside_area_mm2, 0, 1e-6);

  map2 = osp_fit_distance_map (sunk, NULL, bvh, 0, NULL, NULL, NULL);
  osp_fit_stats (sunk, map2, OSP_FIT_CONTACT_MM, &s);
  g_assert_cmpfloat_with_epsilon (s.min_mm, -1, 1e-5);
  g_assert_cmpfloat_with_epsilon (s.penetration_mm, 1, 1e-5);
  g_assert_cmpuint (s.n_inside, ==, 4);
  /* Sides: distance −1 … +1 over 2 mm; the band |d| ≤ 0.5 is 1 mm of each side (40); the
   * bottom lies deeper (100, inside) and the part of the sides below −0.5 (4 × 10 × 0.5). */
  g_assert_cmpfloat_with_epsilon (s.contact_area_mm2, 40, 1e-3);
  g_assert_cmpfloat_with_epsilon (s.inside_area_mm2, 120, 1e-3);
}

static void
test_collide (void)
{
  g_autoptr(OspMesh) a = osp_test_make_box (10, 10, 10);
  g_autoptr(OspMesh) overlapping = moved (a, 5, 5, 5);
  g_autoptr(OspMesh) apart = moved (a, 10.5f, 0, 0);
  g_autoptr(OspMesh) small = osp_test_make_box (2, 2, 2);
  g_autoptr(OspMesh) inner = moved (small, 4, 4, 4);
  OspCollision c;

  osp_fit_collide (a, NULL, overlapping, NULL, &c);
  g_assert_true (c.collides);
  g_assert_cmpuint (c.n_crossing_edges, >, 0);
  g_assert_cmpuint (c.n_a_inside_b, ==, 1);
  g_assert_cmpuint (c.n_b_inside_a, ==, 1);

  osp_fit_collide (a, NULL, apart, NULL, &c);
  g_assert_false (c.collides);

  /* Wholly inside: no surface crossing, every vertex of the small box inside. */
  osp_fit_collide (a, NULL, inner, NULL, &c);
  g_assert_true (c.collides);
  g_assert_cmpuint (c.n_crossing_edges, ==, 0);
  g_assert_cmpuint (c.n_b_inside_a, ==, 8);
  g_assert_cmpuint (c.n_a_inside_b, ==, 0);
}

static void
test_color (void)
{
  float rgb[3], ticks[5];

  osp_fit_color (-5, 2, rgb);
  g_assert_cmpfloat (rgb[0], >, 0.7f);
  g_assert_cmpfloat (rgb[1], <, 0.1f);
  osp_fit_color (0, 2, rgb);
  g_assert_cmpfloat (rgb[1], >, 0.7f);
  osp_fit_color (2, 2, rgb);
  g_assert_cmpfloat (rgb[2], >, 0.8f);
  g_assert_cmpfloat (rgb[0], <, 0.2f);
  osp_fit_color (NAN, 2, rgb);
  g_assert_cmpfloat (rgb[2], >, 0.8f);
  osp_fit_legend (2, 5, ticks);
  g_assert_cmpfloat (ticks[0], ==, -2);
  g_assert_cmpfloat (ticks[2], ==, 0);
  g_assert_cmpfloat (ticks[4], ==, 2);
}

static void
test_cancel (void)
{
  g_autoptr(OspMesh) bone = osp_test_make_box (20, 20, 20);
  g_autoptr(OspMesh) ball = osp_test_make_sphere (6, 24, 12);
  g_autoptr(OspBvh) bvh = osp_bvh_new (bone);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree float *map = NULL;

  g_cancellable_cancel (cancellable);
  map = osp_fit_distance_map (ball, NULL, bvh, 2, NULL, cancellable, &error);
  g_assert_null (map);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The solid angle of triangle abc seen from p (Van Oosterom & Strackee), for the winding
 * number: 4π inside a closed outward mesh, 0 outside. */
static double
solid_angle (const double p[3],
             const float *fa,
             const float *fb,
             const float *fc)
{
  double a[3], b[3], c[3], la, lb, lc, det, den;

  for (int k = 0; k < 3; k++)
    {
      a[k] = fa[k] - p[k];
      b[k] = fb[k] - p[k];
      c[k] = fc[k] - p[k];
    }
  la = sqrt (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  lb = sqrt (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
  lc = sqrt (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
  det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
        a[2] * (b[0] * c[1] - b[1] * c[0]);
  den = la * lb * lc + (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) * lc +
        (a[0] * c[0] + a[1] * c[1] + a[2] * c[2]) * lb +
        (b[0] * c[0] + b[1] * c[1] + b[2] * c[2]) * la;
  return 2 * atan2 (det, den);
}

/* A real femur (CT segmentation, watertight): a screw driven into the head along the neck;
 * the map at a sample of vertices against brute force — every triangle's distance, the sign
 * from the winding number, an independent computation. */
static void
test_map_femur (void)
{
  g_autofree char *path = osp_test_shared_data ("mesh/libhip_m3_left_proximal_femur.stl");
  g_autoptr(OspMesh) femur = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  g_autoptr(OspMesh) screw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *map = NULL;
  OspImplantParams p;
  OspBox box;
  float m[16], centre[3], axis[3] = { 1, 0.2f, 0.3f };
  const float *pos, *fp;
  const guint32 *idx;
  guint32 nv, n_checked = 0;
  OspFitStats stats;

  if (path == NULL)
    return;
  femur = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  bvh = osp_bvh_new (femur);
  osp_mesh_get_bounds (femur, &box);
  /* Through the middle of the upper third, where head and neck are. */
  for (int k = 0; k < 3; k++)
    centre[k] = (box.min[k] + box.max[k]) / 2;
  centre[2] = box.max[2] - (box.max[2] - box.min[2]) / 6;
  osp_implant_params_init (&p, OSP_IMPLANT_SCREW);
  p.length = 60;
  screw = osp_implant_generate (&p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_frame_from_point_normal (centre, axis, 0, m);
  for (int k = 0; k < 3; k++)
    m[12 + k] -= 30 * m[8 + k];  /* centre the screw's length on the point */
  map = osp_fit_distance_map (screw, m, bvh, 2, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_fit_stats (screw, map, OSP_FIT_CONTACT_MM, &stats);
  g_assert_cmpfloat (stats.min_mm, <, 0);  /* some of it in the bone */

  pos = osp_mesh_get_positions (femur);
  idx = osp_mesh_get_indices (femur);
  fp = osp_mesh_get_positions (screw);
  nv = osp_mesh_get_n_vertices (screw);
  for (guint32 v = 0; v < nv; v += 97)
    {
      double q[3], best = INFINITY, winding = 0;

      for (int k = 0; k < 3; k++)
        q[k] = m[k] * fp[3 * v] + m[4 + k] * fp[3 * v + 1] + m[8 + k] * fp[3 * v + 2] +
               m[12 + k];
      for (guint32 t = 0; t < osp_mesh_get_n_triangles (femur); t++)
        {
          const float *a = pos + 3 * idx[3 * t], *b = pos + 3 * idx[3 * t + 1];
          const float *c = pos + 3 * idx[3 * t + 2];
          double da[3] = { a[0], a[1], a[2] }, db[3] = { b[0], b[1], b[2] };
          double dc[3] = { c[0], c[1], c[2] };

          best = MIN (best, point_triangle_distance (q, da, db, dc));
          winding += solid_angle (q, a, b, c);
        }
      if (winding / (4 * G_PI) > 0.5)
        best = -best;
      g_assert_cmpfloat_with_epsilon (map[v], best, 1e-3);
      n_checked++;
    }
  g_assert_cmpuint (n_checked, >=, 20);
}

/* A box translated by (dx, dy, dz). */
static OspMesh *
make_box_at (float sx, float sy, float sz, float dx, float dy, float dz)
{
  g_autoptr(OspMesh) box = osp_test_make_box (sx, sy, sz);
  mat4 m;

  glm_translate_make (m, (vec3) { dx, dy, dz });
  return osp_mesh_transform (box, m);
}

/* A coarse box implant (12 triangles) across an edge of a box bone: the distance is far from
 * linear over its faces, and the surface integral gives the exact areas.  Inside (deeper than
 * 0.5 mm): the faces x = 10 and y = 10 where the other coordinate exceeds 0.5 (2 × 9.5 × 20)
 * and on the top and bottom the square min (x, y) > 0.5 (2 × 9.5²): 560.5 mm².  Contact
 * (|d| ≤ 0.5): 20 mm² on each of x = 10 and y = 10, and on top and bottom 10² − 9.5² inside,
 * 2 × 0.5 × 10 outside along the faces and a quarter disc of radius 0.5 at the edge. */
static void
test_surface_areas (void)
{
  g_autoptr(OspMesh) bone = make_box_at (100, 100, 100, 0, 0, 0);
  g_autoptr(OspMesh) implant = make_box_at (20, 20, 20, -10, -10, 40);
  g_autoptr(OspBvh) bvh = osp_bvh_new (bone);
  g_autofree float *map = NULL;
  g_autoptr(GError) error = NULL;
  OspFitStats vertex_stats, stats;
  const double inside = 2 * 9.5 * 20 + 2 * 9.5 * 9.5;
  const double contact = 2 * 20 + 2 * (100 - 9.5 * 9.5 + 2 * 0.5 * 10 + G_PI * 0.25 / 4);

  map = osp_fit_distance_map (implant, NULL, bvh, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_fit_stats (implant, map, OSP_FIT_CONTACT_MM, &vertex_stats);
  stats = vertex_stats;
  g_assert_true (osp_fit_surface_areas (implant, NULL, bvh, OSP_FIT_CONTACT_MM, 0, &stats, NULL,
                                        &error));
  g_assert_no_error (error);
  g_test_message ("inside %.3f mm² (vertex interpolation %.3f, exact %.3f), contact %.3f mm² "
                  "(vertex interpolation %.3f, exact %.3f)", stats.inside_area_mm2,
                  vertex_stats.inside_area_mm2, inside, stats.contact_area_mm2,
                  vertex_stats.contact_area_mm2, contact);
  g_assert_cmpfloat_with_epsilon (stats.area_mm2, 2400, 1e-6 * 2400);
  g_assert_cmpfloat_with_epsilon (stats.inside_area_mm2, inside, 0.005 * inside);
  g_assert_cmpfloat_with_epsilon (stats.contact_area_mm2, contact, 0.01 * contact);
  /* The untouched members stay those of the vertex map. */
  g_assert_cmpfloat (stats.penetration_mm, ==, vertex_stats.penetration_mm);
}

/* A bone that crosses itself: two overlapping closed boxes in one mesh (no union).  The
 * closest-feature test calls a point inside the first box, nearest to the second box's face
 * inside it, outside; the winding number gets it right. */
static void
test_self_crossing_bone (void)
{
  g_autoptr(OspMesh) a = make_box_at (40, 40, 40, 0, 0, 0);
  g_autoptr(OspMesh) b = make_box_at (40, 40, 40, 20, 0, 0);
  g_autoptr(OspMesh) bone = osp_mesh_merge ((OspMesh *const[]) { a, b }, 2);
  g_autoptr(OspBvh) bvh = osp_bvh_new (bone);
  g_autoptr(OspMesh) implant = make_box_at (4, 4, 4, 13, 18, 18);   /* x 13–17: in a only */
  g_autofree float *map = NULL;
  g_autoptr(GError) error = NULL;
  const struct
  {
    float  p[3];
    double winding;
    float  distance;   /* signed, mm: to the nearest surface, crossing parts included */
  } cases[] = {
    { { 15, 20, 20 }, 1, -5 },    /* in a, 5 mm from b's face x = 20 */
    { { 30, 20, 20 }, 2, -10 },   /* in the overlap */
    { { 22, 5, 30 }, 2, -2 },     /* in the overlap, near b's face */
    { { 50, 20, 20 }, 1, -10 },   /* in b only */
    { { 70, 20, 20 }, 0, 10 },    /* outside */
    { { 30, 20, 45 }, 0, 5 },     /* above the overlap */
  };

  g_assert_false (osp_bvh_get_winding_inside (bvh));
  /* The failure this guards against: the closest feature says outside. */
  g_assert_cmpfloat (osp_bvh_signed_distance (bvh, cases[0].p, NULL), >, 0);
  osp_bvh_set_winding_inside (bvh, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpfloat_with_epsilon (osp_bvh_winding_number (bvh, cases[i].p),
                                      cases[i].winding, 1e-3);
      g_assert_cmpfloat_with_epsilon (osp_bvh_signed_distance (bvh, cases[i].p, NULL),
                                      cases[i].distance, 1e-4);
      g_assert_true (osp_bvh_is_inside (bvh, cases[i].p) == (cases[i].winding > 0));
    }
  /* The implant in a: every vertex inside, 3 to 7 mm from the nearest face (b's x = 20). */
  map = osp_fit_distance_map (implant, NULL, bvh, 2, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint32 v = 0; v < osp_mesh_get_n_vertices (implant); v++)
    g_assert_cmpfloat (map[v], <, -2.9);
}

/* The winding number of a real (open) bone against its closest-feature test, far from the
 * surface where both are sure. */
static void
test_winding_sphere (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 48, 24);
  g_autoptr(OspBvh) bvh = osp_bvh_new (sphere);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  for (guint i = 0; i < 500; i++)
    {
      float p[3];
      double r, w;

      for (int k = 0; k < 3; k++)
        p[k] = (float) g_rand_double_range (rand, -15, 15);
      r = sqrt ((double) p[0] * p[0] + (double) p[1] * p[1] + (double) p[2] * p[2]);
      if (fabs (r - 10) < 0.3)
        continue;
      w = osp_bvh_winding_number (bvh, p);
      g_assert_cmpfloat_with_epsilon (w, r < 10 ? 1.0 : 0.0, 0.02);
    }
}

/* The ray winding number: exits minus entries along a ray to infinity. */
static int
ray_winding (const OspBvh *bvh,
             const float   p[3],
             const float   dir[3])
{
  float t = 0;
  int w = 0;
  OspRayHit hit;

  while (osp_bvh_ray_cast (bvh, p, dir, t, INFINITY, &hit))
    {
      w += hit.front_face ? -1 : 1;
      t = hit.t + 1e-4f;
    }
  return w;
}

/* The real left hemipelvis as `repair` closes it (131 crossing pairs of triangles): on a
 * grid of points away from the surface the winding number agrees with a vote of ray
 * windings in five directions — an independent inside test. */
static void
test_repaired_hemipelvis (void)
{
  g_autofree char *path = osp_test_shared_data ("mesh/pelvis_atlas_11_left_surface.stl");
  static const float dirs[5][3] = { { 0.31f, 0.52f, 0.79f }, { -0.83f, 0.21f, 0.51f },
                                    { 0.12f, -0.97f, 0.20f }, { 0.66f, 0.40f, -0.63f },
                                    { -0.45f, -0.61f, -0.65f } };
  g_autoptr(OspMesh) raw = NULL, bone = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  g_autoptr(GError) error = NULL;
  OspRepairOptions options;
  OspBox box;
  guint64 n_crossing = 0;
  guint n_points = 0, n_agree = 0, n_inside = 0, n_feature_wrong = 0;

  if (path == NULL)
    return;
  raw = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_repair_options_init (&options);
  bone = osp_mesh_repair (raw, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (osp_mesh_find_self_intersections (bone, 0, NULL, &n_crossing, NULL, NULL, &error));
  g_assert_cmpuint (n_crossing, >, 0);
  bvh = osp_bvh_new (bone);
  osp_mesh_get_bounds (bone, &box);
  for (int i = 0; i < 10; i++)
    for (int j = 0; j < 10; j++)
      for (int k = 0; k < 16; k++)
        {
          float p[3] = { box.min[0] + (i + 0.5f) / 10 * (box.max[0] - box.min[0]),
                         box.min[1] + (j + 0.5f) / 10 * (box.max[1] - box.min[1]),
                         box.min[2] + (k + 0.5f) / 16 * (box.max[2] - box.min[2]) };
          OspClosestPoint cp;
          int votes = 0;
          gboolean by_rays, by_winding, by_feature;

          g_assert_true (osp_bvh_closest_point (bvh, p, INFINITY, &cp));
          if (cp.distance < 0.5f)
            continue;
          n_points++;
          for (int d = 0; d < 5; d++)
            votes += ray_winding (bvh, p, dirs[d]) > 0;
          by_rays = votes >= 3;
          osp_bvh_set_winding_inside (bvh, FALSE);
          by_feature = osp_bvh_is_inside (bvh, p);
          osp_bvh_set_winding_inside (bvh, TRUE);
          by_winding = osp_bvh_is_inside (bvh, p);
          n_agree += by_rays == by_winding;
          n_inside += by_winding;
          n_feature_wrong += by_feature != by_rays;
        }
  g_test_message ("%" G_GUINT64_FORMAT " crossing pairs; %u points, %u inside; winding agrees "
                  "with the ray vote at %u; the closest-feature test disagrees at %u",
                  n_crossing, n_points, n_inside, n_agree, n_feature_wrong);
  g_assert_cmpuint (n_points, >, 1000);
  g_assert_cmpuint (n_inside, >, 20);
  g_assert_cmpuint (n_agree, ==, n_points);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (map_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fit/map-brute/%s", map_cases[i].name);

      g_test_add_data_func (path, &map_cases[i], test_map_brute);
    }
  g_test_add_func ("/fit/contact", test_contact);
  g_test_add_func ("/fit/map-femur", test_map_femur);
  g_test_add_func ("/fit/collide", test_collide);
  g_test_add_func ("/fit/color", test_color);
  g_test_add_func ("/fit/cancel", test_cancel);
  g_test_add_func ("/fit/surface-areas", test_surface_areas);
  g_test_add_func ("/fit/self-crossing-bone", test_self_crossing_bone);
  g_test_add_func ("/fit/winding-sphere", test_winding_sphere);
  g_test_add_func ("/fit/repaired-hemipelvis", test_repaired_hemipelvis);
  return g_test_run ();
}
