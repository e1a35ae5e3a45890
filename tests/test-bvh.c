/* test-bvh.c — the BVH against brute force: ray hits, closest points, inside/outside
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Links only the core library.
 */
#include "config.h"

#include <gio/gio.h>
#include <math.h>

#include "osp-bvh.h"
#include "osp-test-common.h"

/* -- Brute force references ---------------------------------------------------------------- */

/* The same Möller–Trumbore arithmetic as the BVH, so hits agree bit for bit. */
static gboolean
ref_ray_triangle (const float *o, const float *d, const float *a, const float *b,
                  const float *c, float t_max, float *out_t)
{
  float e1[3], e2[3], p[3], s[3], q[3], det, inv, u, v, t;

  for (int k = 0; k < 3; k++)
    {
      e1[k] = b[k] - a[k];
      e2[k] = c[k] - a[k];
      s[k] = o[k] - a[k];
    }
  p[0] = d[1] * e2[2] - d[2] * e2[1];
  p[1] = d[2] * e2[0] - d[0] * e2[2];
  p[2] = d[0] * e2[1] - d[1] * e2[0];
  det = e1[0] * p[0] + e1[1] * p[1] + e1[2] * p[2];
  if (det == 0.0f || !isfinite (det))
    return FALSE;
  inv = 1.0f / det;
  u = (s[0] * p[0] + s[1] * p[1] + s[2] * p[2]) * inv;
  if (u < 0.0f || u > 1.0f)
    return FALSE;
  q[0] = s[1] * e1[2] - s[2] * e1[1];
  q[1] = s[2] * e1[0] - s[0] * e1[2];
  q[2] = s[0] * e1[1] - s[1] * e1[0];
  v = (d[0] * q[0] + d[1] * q[1] + d[2] * q[2]) * inv;
  if (v < 0.0f || u + v > 1.0f)
    return FALSE;
  t = (e2[0] * q[0] + e2[1] * q[1] + e2[2] * q[2]) * inv;
  if (!(t >= 0.0f && t <= t_max))
    return FALSE;
  *out_t = t;
  return TRUE;
}

static gboolean
ref_ray_cast (const OspMesh *mesh, const float *o, const float *d, float *out_t,
              guint32 *out_tri)
{
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  gboolean found = FALSE;
  float best = INFINITY;

  for (guint32 t = 0; t < osp_mesh_get_n_triangles (mesh); t++)
    {
      float th;

      if (ref_ray_triangle (o, d, p + 3 * idx[3 * t], p + 3 * idx[3 * t + 1],
                            p + 3 * idx[3 * t + 2], best, &th) &&
          (th < best || !found))
        {
          best = th;
          *out_tri = t;
          found = TRUE;
        }
    }
  *out_t = best;
  return found;
}

/* Closest point on a triangle in double precision, by a different route than the BVH's:
 * the plane projection when it falls inside, else the nearest of the three edges. */
static double
ref_seg_dist2 (const double *p, const double *a, const double *b)
{
  double ab[3], ap[3], len2 = 0, t = 0, d2 = 0;

  for (int k = 0; k < 3; k++)
    {
      ab[k] = b[k] - a[k];
      ap[k] = p[k] - a[k];
      len2 += ab[k] * ab[k];
      t += ap[k] * ab[k];
    }
  t = len2 > 0 ? CLAMP (t / len2, 0.0, 1.0) : 0.0;
  for (int k = 0; k < 3; k++)
    {
      double e = a[k] + t * ab[k] - p[k];
      d2 += e * e;
    }
  return d2;
}

static double
ref_tri_dist (const float *pf, const float *af, const float *bf, const float *cf)
{
  double p[3], a[3], b[3], c[3], e1[3], e2[3], n[3], nn, w[3], s, t, q[3], d2;

  for (int k = 0; k < 3; k++)
    {
      p[k] = pf[k], a[k] = af[k], b[k] = bf[k], c[k] = cf[k];
      e1[k] = b[k] - a[k];
      e2[k] = c[k] - a[k];
      w[k] = p[k] - a[k];
    }
  n[0] = e1[1] * e2[2] - e1[2] * e2[1];
  n[1] = e1[2] * e2[0] - e1[0] * e2[2];
  n[2] = e1[0] * e2[1] - e1[1] * e2[0];
  nn = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
  if (nn > 0)
    {
      /* Barycentrics of the projection by the triple products. */
      double cw2[3], e1w[3];

      cw2[0] = w[1] * e2[2] - w[2] * e2[1];
      cw2[1] = w[2] * e2[0] - w[0] * e2[2];
      cw2[2] = w[0] * e2[1] - w[1] * e2[0];
      e1w[0] = e1[1] * w[2] - e1[2] * w[1];
      e1w[1] = e1[2] * w[0] - e1[0] * w[2];
      e1w[2] = e1[0] * w[1] - e1[1] * w[0];
      s = (cw2[0] * n[0] + cw2[1] * n[1] + cw2[2] * n[2]) / nn;
      t = (e1w[0] * n[0] + e1w[1] * n[1] + e1w[2] * n[2]) / nn;
      if (s >= 0 && t >= 0 && s + t <= 1)
        {
          d2 = 0;
          for (int k = 0; k < 3; k++)
            {
              q[k] = a[k] + s * e1[k] + t * e2[k] - p[k];
              d2 += q[k] * q[k];
            }
          return sqrt (d2);
        }
    }
  d2 = MIN (ref_seg_dist2 (p, a, b), MIN (ref_seg_dist2 (p, b, c), ref_seg_dist2 (p, c, a)));
  return sqrt (d2);
}

static double
ref_closest (const OspMesh *mesh, const float *q)
{
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  double best = INFINITY;

  for (guint32 t = 0; t < osp_mesh_get_n_triangles (mesh); t++)
    best = MIN (best, ref_tri_dist (q, p + 3 * idx[3 * t], p + 3 * idx[3 * t + 1],
                                    p + 3 * idx[3 * t + 2]));
  return best;
}

/* -- Meshes -------------------------------------------------------------------------------- */

static OspMesh *make_sphere (void) { return osp_test_make_sphere (10, 48, 24); }
static OspMesh *make_torus (void) { return osp_test_make_torus (20, 6, 64, 24); }
/* Big enough (81 920 triangles) for the build to run its subtrees in parallel. */
static OspMesh *make_big_torus (void) { return osp_test_make_torus (20, 6, 256, 160); }

/* Random triangles in a 50 mm cube, some tiny, some long, some degenerate. */
static OspMesh *
make_soup (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint n = 1500;
  float *soup = g_new (float, 9 * n);
  OspMesh *mesh;

  for (guint t = 0; t < n; t++)
    {
      float c[3], size = (t % 5 == 0) ? 30.0f : (t % 3 == 0 ? 0.2f : 4.0f);

      for (int k = 0; k < 3; k++)
        c[k] = (float) g_rand_double_range (rand, -25, 25);
      for (int v = 0; v < 3; v++)
        for (int k = 0; k < 3; k++)
          soup[9 * t + 3 * v + k] = c[k] + (float) g_rand_double_range (rand, -size, size);
      if (t % 97 == 0)
        memcpy (soup + 9 * t + 6, soup + 9 * t + 3, 3 * sizeof (float));  /* degenerate */
    }
  mesh = osp_mesh_weld_soup (soup, n);
  g_free (soup);
  return mesh;
}

typedef struct
{
  const char *name;
  OspMesh  *(*make) (void);
  float       extent;  /* queries come from a cube of this half size */
  guint       n_rays;  /* closest-point queries: two thirds of this */
} MeshCase;

static const MeshCase mesh_cases[] = {
  { "sphere", make_sphere, 15, 600 },
  { "torus", make_torus, 30, 600 },
  { "big-torus", make_big_torus, 30, 120 },  /* brute force is slow here */
  { "soup", make_soup, 35, 600 },
};

static void
random_unit (GRand *rand, float *out)
{
  double len;

  do
    {
      for (int k = 0; k < 3; k++)
        out[k] = (float) g_rand_double_range (rand, -1, 1);
      len = sqrt (out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
    }
  while (len < 0.1 || len > 1.0);
  for (int k = 0; k < 3; k++)
    out[k] /= (float) len;
}

static void
test_ray_brute_force (gconstpointer data)
{
  const MeshCase *tc = data;
  g_autoptr(OspMesh) mesh = tc->make ();
  g_autoptr(OspBvh) bvh = osp_bvh_new (mesh);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint n_hits = 0, n_rays = tc->n_rays;

  g_assert_cmpuint (osp_bvh_get_n_nodes (bvh), <=, 2 * osp_mesh_get_n_triangles (mesh));
  for (guint i = 0; i < n_rays; i++)
    {
      float o[3], d[3], target[3], t_ref = 0;
      guint32 tri_ref = 0;
      OspRayHit hit;
      gboolean ref, got;

      for (int k = 0; k < 3; k++)
        {
          o[k] = (float) g_rand_double_range (rand, -tc->extent, tc->extent);
          target[k] = (float) g_rand_double_range (rand, -tc->extent / 3, tc->extent / 3);
        }
      if (i % 2 == 0)
        for (int k = 0; k < 3; k++)
          d[k] = target[k] - o[k];  /* aimed at the middle: mostly hits */
      else
        random_unit (rand, d);
      if (i % 50 == 0)
        d[0] = d[1] = 0, d[2] = 1;  /* axis-parallel: infinite inverse components */

      ref = ref_ray_cast (mesh, o, d, &t_ref, &tri_ref);
      got = osp_bvh_ray_cast (bvh, o, d, 0.0f, INFINITY, &hit);
      g_assert_cmpint (got, ==, ref);
      g_assert_cmpint (osp_bvh_ray_occluded (bvh, o, d, 0.0f, INFINITY), ==, ref);
      if (!ref)
        continue;
      n_hits++;
      g_assert_cmpfloat (hit.t, ==, t_ref);
      /* Ties on a shared edge go to the lower index, as in the brute force. */
      g_assert_cmpuint (hit.triangle, ==, tri_ref);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat_with_epsilon (hit.point[k], o[k] + t_ref * d[k], 1e-4);
      g_assert_cmpfloat (hit.u, >=, 0.0f);
      g_assert_cmpfloat (hit.v, >=, 0.0f);
      g_assert_cmpfloat (hit.u + hit.v, <=, 1.0f);

      /* A range that stops short of the hit finds nothing. */
      if (t_ref > 0.0f)
        g_assert_false (osp_bvh_ray_cast (bvh, o, d, 0.0f, nextafterf (t_ref, 0.0f), &hit));
    }
  g_test_message ("%s: %u of %u rays hit", tc->name, n_hits, n_rays);
  g_assert_cmpuint (n_hits, >, n_rays / 4);
}

static void
test_closest_brute_force (gconstpointer data)
{
  const MeshCase *tc = data;
  g_autoptr(OspMesh) mesh = tc->make ();
  g_autoptr(OspBvh) bvh = osp_bvh_new (mesh);
  g_autoptr(GRand) rand = g_rand_new_with_seed (43);

  for (guint i = 0; i < tc->n_rays * 2 / 3; i++)
    {
      float q[3];
      OspClosestPoint cp;
      double ref;

      for (int k = 0; k < 3; k++)
        q[k] = (float) g_rand_double_range (rand, -tc->extent, tc->extent);
      ref = ref_closest (mesh, q);
      g_assert_true (osp_bvh_closest_point (bvh, q, INFINITY, &cp));
      g_assert_cmpfloat_with_epsilon (cp.distance, ref, 1e-4 + 1e-5 * ref);
      /* The point lies on its triangle, at the reported distance. */
      g_assert_cmpfloat_with_epsilon (ref_tri_dist (cp.point,
                                      osp_mesh_get_positions (mesh) +
                                      3 * osp_mesh_get_indices (mesh)[3 * cp.triangle],
                                      osp_mesh_get_positions (mesh) +
                                      3 * osp_mesh_get_indices (mesh)[3 * cp.triangle + 1],
                                      osp_mesh_get_positions (mesh) +
                                      3 * osp_mesh_get_indices (mesh)[3 * cp.triangle + 2]),
                                      0.0, 1e-4);
      g_assert_cmpfloat_with_epsilon (sqrt ((q[0] - cp.point[0]) * (q[0] - cp.point[0]) +
                                            (q[1] - cp.point[1]) * (q[1] - cp.point[1]) +
                                            (q[2] - cp.point[2]) * (q[2] - cp.point[2])),
                                      cp.distance, 1e-4);
      /* A limit below the distance finds nothing; above it, the same point. */
      if (ref > 1e-3)
        g_assert_false (osp_bvh_closest_point (bvh, q, (float) ref * 0.99f, &cp));
      g_assert_true (osp_bvh_closest_point (bvh, q, (float) ref * 1.01f + 1e-3f, &cp));
    }
}

/* -- Inside / outside ---------------------------------------------------------------------- */

static void
test_inside_box (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(OspBvh) bvh = osp_bvh_new (box);
  g_autoptr(GRand) rand = g_rand_new_with_seed (44);
  const float size[3] = { 10, 20, 30 };
  /* Near corners and edges the closest feature is a vertex or an edge: the hard cases. */
  static const float cases[][4] = {
    { 5, 10, 15, 1 },
    { -0.01f, -0.01f, -0.01f, 0 },
    { 0.01f, 0.01f, 0.01f, 1 },
    { 10.5f, 20.5f, 30.5f, 0 },
    { 9.99f, 19.99f, 29.99f, 1 },
    { 10.001f, 10, 30.001f, 0 },
    { 9.999f, 10, 29.999f, 1 },
    { -1, 10, 15, 0 },
    { 5, 10, 31, 0 },
    { 0, 10, 15, 1 },  /* on the surface counts as inside */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpint (osp_bvh_is_inside (bvh, cases[i]), ==, (gboolean) cases[i][3]);
      g_assert_cmpint (osp_bvh_signed_distance (bvh, cases[i], NULL) <= 0, ==,
                       (gboolean) cases[i][3]);
    }
  for (guint i = 0; i < 2000; i++)
    {
      float p[3];
      gboolean inside = TRUE;
      double sd;

      for (int k = 0; k < 3; k++)
        {
          p[k] = (float) g_rand_double_range (rand, -5, size[k] + 5);
          inside = inside && p[k] > 0 && p[k] < size[k];
        }
      g_assert_cmpint (osp_bvh_is_inside (bvh, p), ==, inside);
      sd = osp_bvh_signed_distance (bvh, p, NULL);
      if (inside)
        {
          double d = MIN (MIN (MIN (p[0], size[0] - p[0]), MIN (p[1], size[1] - p[1])),
                          MIN (p[2], size[2] - p[2]));
          g_assert_cmpfloat_with_epsilon (sd, -d, 1e-4);
        }
      else
        g_assert_cmpfloat (sd, >, 0);
    }
}

static void
test_inside_torus (void)
{
  g_autoptr(OspMesh) torus = osp_test_make_torus (20, 6, 96, 48);
  g_autoptr(OspBvh) bvh = osp_bvh_new (torus);
  g_autoptr(GRand) rand = g_rand_new_with_seed (45);
  guint n_inside = 0, n_checked = 0;

  for (guint i = 0; i < 3000; i++)
    {
      float p[3];
      double rho, f;

      for (int k = 0; k < 3; k++)
        p[k] = (float) g_rand_double_range (rand, -28, 28);
      p[2] *= 0.3f;
      rho = sqrt (p[0] * p[0] + p[1] * p[1]);
      f = sqrt ((rho - 20) * (rho - 20) + p[2] * p[2]) - 6;
      /* The polygonal torus lies within 0.1 mm of the smooth one. */
      if (fabs (f) < 0.1)
        continue;
      n_checked++;
      n_inside += f < 0;
      g_assert_cmpint (osp_bvh_is_inside (bvh, p), ==, f < 0);
    }
  g_assert_cmpuint (n_inside, >, n_checked / 10);
}

/* Points right beside each vertex of a closed mesh, pushed out or in along the vertex
 * normal: the closest feature is a vertex, where a face normal alone can be wrong. */
static void
test_inside_near_vertices (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 24, 12);
  g_autoptr(OspBvh) bvh = osp_bvh_new (sphere);
  g_autofree float *normals = osp_mesh_compute_vertex_normals (sphere);
  const float *p = osp_mesh_get_positions (sphere);

  for (guint32 v = 0; v < osp_mesh_get_n_vertices (sphere); v++)
    for (int s = -1; s <= 1; s += 2)
      {
        float q[3];

        for (int k = 0; k < 3; k++)
          q[k] = p[3 * v + k] + s * 1e-3f * normals[3 * v + k];
        g_assert_cmpint (osp_bvh_is_inside (bvh, q), ==, s < 0);
      }
}

/* -- Edge cases ---------------------------------------------------------------------------- */

static void
test_empty_and_degenerate (void)
{
  g_autoptr(OspMesh) empty = osp_mesh_new (NULL, 0, NULL, 0);
  g_autoptr(OspBvh) bvh = osp_bvh_new (empty);
  const float o[3] = { 0, 0, -5 }, d[3] = { 0, 0, 1 };
  OspRayHit hit;
  OspClosestPoint cp;
  OspBox box;

  g_assert_false (osp_bvh_ray_cast (bvh, o, d, 0, INFINITY, &hit));
  g_assert_false (osp_bvh_closest_point (bvh, o, INFINITY, &cp));
  g_assert_false (osp_bvh_is_inside (bvh, o));
  osp_bvh_get_bounds (bvh, &box);
  g_assert_true (osp_box_is_empty (&box));

  /* 1000 copies of one triangle: every centroid coincides, the tree must still split. */
  {
    const float tri[9] = { -1, -1, 0, 1, -1, 0, 0, 1, 0 };
    g_autofree float *pos = g_new (float, 9 * 1000);
    g_autofree guint32 *idx = g_new (guint32, 3 * 1000);
    g_autoptr(OspMesh) stack = NULL;
    g_autoptr(OspBvh) sbvh = NULL;

    for (guint i = 0; i < 1000; i++)
      {
        memcpy (pos + 9 * i, tri, sizeof tri);
        for (int k = 0; k < 3; k++)
          idx[3 * i + k] = 3 * i + k;
      }
    stack = osp_mesh_new (pos, 3000, idx, 1000);
    sbvh = osp_bvh_new (stack);
    g_assert_cmpuint (osp_bvh_get_n_nodes (sbvh), >, 100);
    g_assert_true (osp_bvh_ray_cast (sbvh, o, d, 0, INFINITY, &hit));
    g_assert_cmpfloat (hit.t, ==, 5.0f);
    g_assert_cmpuint (hit.triangle, ==, 0);  /* ties go to the lowest index */
    g_assert_true (hit.front_face == FALSE);  /* the normal is +z, the ray runs along it */
  }

  /* A mesh of only degenerate triangles is never hit. */
  {
    const float pos[9] = { 0, 0, 0, 1, 0, 0, 2, 0, 0 };
    const guint32 idx[3] = { 0, 1, 2 };
    g_autoptr(OspMesh) line = osp_mesh_new (pos, 3, idx, 1);
    g_autoptr(OspBvh) lbvh = osp_bvh_new (line);
    const float o2[3] = { 1, 0, -1 };

    g_assert_false (osp_bvh_ray_cast (lbvh, o2, d, 0, INFINITY, &hit));
    g_assert_true (osp_bvh_closest_point (lbvh, o2, INFINITY, &cp));
    g_assert_cmpfloat_with_epsilon (cp.distance, 1.0, 1e-6);
  }
}

/* Corrupt vertices (NaN, infinite) never crash a build or a query, and never hit. */
static void
test_non_finite (void)
{
  const float pos[] = {
    -1, -1, 0, 1, -1, 0, 0, 1, 0,              /* a good triangle at z = 0 */
    NAN, 0, 0, 1, NAN, 0, 0, 0, NAN,           /* all NaN */
    INFINITY, 0, 1, 0, -INFINITY, 1, 0, 0, 1,  /* infinite */
    0, 0, 2, NAN, 0, 2, 0, 1, 2,               /* one NaN corner */
  };
  guint32 idx[12];
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  const float o[3] = { 0, 0, -5 }, d[3] = { 0, 0, 1 }, q[3] = { 0, 0, -1 };
  OspRayHit hit;
  OspClosestPoint cp;

  for (guint i = 0; i < 12; i++)
    idx[i] = i;
  mesh = osp_mesh_new (pos, 12, idx, 4);
  bvh = osp_bvh_new (mesh);
  g_assert_true (osp_bvh_ray_cast (bvh, o, d, 0, INFINITY, &hit));
  g_assert_cmpuint (hit.triangle, ==, 0);
  g_assert_cmpfloat (hit.t, ==, 5.0f);
  g_assert_true (osp_bvh_closest_point (bvh, q, INFINITY, &cp));
  g_assert_cmpuint (cp.triangle, ==, 0);
  g_assert_cmpfloat_with_epsilon (cp.distance, 1.0, 1e-6);
  (void) osp_bvh_is_inside (bvh, q);
}

static void
test_front_face (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (2, 2, 2);
  g_autoptr(OspBvh) bvh = osp_bvh_new (box);
  const float outside[3] = { 1, 1, -3 }, inside[3] = { 1, 1, 1 }, d[3] = { 0, 0, 1 };
  OspRayHit hit;

  g_assert_true (osp_bvh_ray_cast (bvh, outside, d, 0, INFINITY, &hit));
  g_assert_cmpfloat (hit.t, ==, 3.0f);
  g_assert_true (hit.front_face);
  g_assert_true (osp_bvh_ray_cast (bvh, inside, d, 0, INFINITY, &hit));
  g_assert_cmpfloat (hit.t, ==, 1.0f);
  g_assert_false (hit.front_face);
  /* t_min skips the first wall. */
  g_assert_true (osp_bvh_ray_cast (bvh, outside, d, 3.5f, INFINITY, &hit));
  g_assert_cmpfloat (hit.t, ==, 5.0f);
}

static void
test_cancel (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 64, 32);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  OspBvh *bvh;

  g_cancellable_cancel (cancellable);
  bvh = osp_bvh_new_full (sphere, NULL, cancellable, &error);
  g_assert_null (bvh);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* -- Threads ------------------------------------------------------------------------------- */

typedef struct
{
  OspBvh *bvh;
  guint   seed;
  double  sum;
} ThreadJob;

static gpointer
thread_queries (gpointer data)
{
  ThreadJob *job = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (job->seed);

  job->sum = 0;
  for (guint i = 0; i < 2000; i++)
    {
      float q[3], d[3];
      OspClosestPoint cp;
      OspRayHit hit;

      for (int k = 0; k < 3; k++)
        q[k] = (float) g_rand_double_range (rand, -30, 30);
      random_unit (rand, d);
      if (osp_bvh_closest_point (job->bvh, q, INFINITY, &cp))
        job->sum += cp.distance;
      if (osp_bvh_ray_cast (job->bvh, q, d, 0, INFINITY, &hit))
        job->sum += hit.t;
      job->sum += osp_bvh_is_inside (job->bvh, q);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(OspMesh) torus = make_torus ();
  g_autoptr(OspBvh) bvh = osp_bvh_new (torus);
  ThreadJob serial[4], parallel[4];
  GThread *threads[4];

  for (guint i = 0; i < 4; i++)
    {
      serial[i] = (ThreadJob) { bvh, i + 1, 0 };
      thread_queries (&serial[i]);
      parallel[i] = (ThreadJob) { bvh, i + 1, 0 };
    }
  for (guint i = 0; i < 4; i++)
    threads[i] = g_thread_new ("bvh", thread_queries, &parallel[i]);
  for (guint i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpfloat (parallel[i].sum, ==, serial[i].sum);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mesh_cases); i++)
    {
      g_autofree char *ray = g_strdup_printf ("/bvh/ray/%s", mesh_cases[i].name);
      g_autofree char *closest = g_strdup_printf ("/bvh/closest/%s", mesh_cases[i].name);

      g_test_add_data_func (ray, &mesh_cases[i], test_ray_brute_force);
      g_test_add_data_func (closest, &mesh_cases[i], test_closest_brute_force);
    }
  g_test_add_func ("/bvh/inside/box", test_inside_box);
  g_test_add_func ("/bvh/inside/torus", test_inside_torus);
  g_test_add_func ("/bvh/inside/near-vertices", test_inside_near_vertices);
  g_test_add_func ("/bvh/empty-and-degenerate", test_empty_and_degenerate);
  g_test_add_func ("/bvh/front-face", test_front_face);
  g_test_add_func ("/bvh/non-finite", test_non_finite);
  g_test_add_func ("/bvh/cancel", test_cancel);
  g_test_add_func ("/bvh/threads", test_threads);

  return g_test_run ();
}
