/* test-isosurface.c — CT to bone surface: extraction, pieces, smoothing, decimation
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <math.h>

#include "osp-segment.h"
#include "osp-test-common.h"
#include "osp-volume-io.h"

static OspVolume *
make_volume (guint32       nx,
             guint32       ny,
             guint32       nz,
             const double  spacing[3],
             const double  origin[3],
             const double *direction)
{
  const guint32 dims[3] = { nx, ny, nz };
  GError *error = NULL;
  OspVolume *volume = osp_volume_new (dims, spacing, origin, direction, "test", &error);

  g_assert_no_error (error);
  return volume;
}

static void
assert_closed (const OspMesh *mesh,
               guint32        components)
{
  OspMeshReport report;

  osp_mesh_report (mesh, &report);
  g_assert_cmpuint (report.topology.n_boundary_edges, ==, 0);
  g_assert_cmpuint (report.topology.n_nonmanifold_edges, ==, 0);
  g_assert_cmpuint (report.topology.n_misoriented_edges, ==, 0);
  g_assert_true (report.closed);
  if (components != 0)
    g_assert_cmpuint (report.topology.n_components, ==, components);
  g_assert_cmpfloat (report.volume, >, 0);
}

static OspMesh *
extract (const OspVolume *volume,
         double           iso,
         guint            n_threads)
{
  GError *error = NULL;
  OspMesh *mesh = osp_isosurface_extract (volume, iso, n_threads, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mesh);
  return mesh;
}

/* Every one of the 256 corner configurations of a single cube, padded with air: a closed
 * surface with outward normals, and no more pieces than inside corners. */
static void
test_all_cases (void)
{
  static const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };

  for (guint code = 1; code < 256; code++)
    {
      g_autoptr(OspVolume) volume = make_volume (2, 2, 2, spacing, origin, NULL);
      gint16 *data = osp_volume_get_data_mutable (volume);
      g_autoptr(OspMesh) mesh = NULL;

      for (guint c = 0; c < 8; c++)
        data[c] = (code >> c) & 1 ? 1000 : -500;
      mesh = extract (volume, 250, 1);
      assert_closed (mesh, 0);
    }

  /* One voxel of bone, and a 1-voxel-thick rod: an octahedron and a closed prism. */
  {
    g_autoptr(OspVolume) voxel = make_volume (1, 1, 1, spacing, origin, NULL);
    g_autoptr(OspVolume) rod = make_volume (1, 7, 1, spacing, origin, NULL);
    g_autoptr(OspMesh) octahedron = NULL;
    g_autoptr(OspMesh) prism = NULL;

    osp_volume_get_data_mutable (voxel)[0] = 1000;
    for (guint j = 0; j < 7; j++)
      osp_volume_get_data_mutable (rod)[j] = 1000;
    octahedron = extract (voxel, 250, 2);
    prism = extract (rod, 250, 2);
    assert_closed (octahedron, 1);
    assert_closed (prism, 1);
    g_assert_cmpuint (osp_mesh_get_n_triangles (octahedron), ==, 8);
  }
}

/* Random noise has every ambiguous face and cube there is: the surface must still close. */
static void
test_noise_closed (void)
{
  static const double spacing[3] = { 0.8, 1.1, 1.3 }, origin[3] = { -5, 3, 7 };
  g_autoptr(OspVolume) volume = make_volume (23, 19, 17, spacing, origin, NULL);
  gint16 *data = osp_volume_get_data_mutable (volume);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshReport report;

  for (guint64 v = 0; v < osp_volume_get_n_voxels (volume); v++)
    data[v] = (gint16) g_rand_int_range (rand, -200, 700);
  mesh = extract (volume, 250, 2);
  assert_closed (mesh, 0);
  osp_mesh_report (mesh, &report);
  g_assert_cmpuint (report.n_triangles, >, 10000);
  g_assert_cmpuint (report.n_degenerate, ==, 0);
}

typedef struct
{
  const char *name;
  double      spacing[3];
  double      direction[9];
  double      radius;
} SphereCase;

static const SphereCase sphere_cases[] = {
  { "iso-1mm", { 1, 1, 1 }, { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 20 },
  { "anisotropic", { 0.7, 0.9, 1.6 }, { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 20 },
  /* Rotated 30° about z and 20° about x, right-handed. */
  { "oblique", { 0.8, 0.8, 1.25 },
    { 0.8660254, 0.5, 0, -0.4698463, 0.8137977, 0.3420201, 0.1710101, -0.2961981, 0.9396926 },
    15 },
  /* Left-handed (the k axis points down): the winding must flip. */
  { "left-handed", { 1, 1, 1.5 }, { 1, 0, 0, 0, 1, 0, 0, 0, -1 }, 12 },
};

/* A voxelised sphere whose HU falls linearly with the distance from the centre (200 HU/mm,
 * 250 HU on the sphere): every vertex must lie within half a voxel of the radius. */
static void
test_sphere (gconstpointer data)
{
  const SphereCase *tc = data;
  const double centre[3] = { 3.5, -7.25, 11.0 };
  double origin[3];
  guint32 n[3];
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  gint16 *voxels;
  const float *p;
  double max_error = 0, min_spacing = MIN (MIN (tc->spacing[0], tc->spacing[1]),
                                           tc->spacing[2]);

  /* The grid is centred on the sphere in index space with a margin of 5 voxels. */
  for (guint a = 0; a < 3; a++)
    n[a] = (guint32) ceil (2 * tc->radius / tc->spacing[a]) + 10;
  for (guint c = 0; c < 3; c++)
    {
      origin[c] = centre[c];
      for (guint a = 0; a < 3; a++)
        origin[c] -= 0.5 * (n[a] - 1) * tc->spacing[a] * tc->direction[3 * a + c];
    }
  volume = make_volume (n[0], n[1], n[2], tc->spacing, origin, tc->direction);
  voxels = osp_volume_get_data_mutable (volume);
  for (guint32 k = 0; k < n[2]; k++)
    for (guint32 j = 0; j < n[1]; j++)
      for (guint32 i = 0; i < n[0]; i++)
        {
          const double ijk[3] = { i, j, k };
          double lps[3], d;

          osp_volume_index_to_lps (volume, ijk, lps);
          d = sqrt ((lps[0] - centre[0]) * (lps[0] - centre[0]) +
                    (lps[1] - centre[1]) * (lps[1] - centre[1]) +
                    (lps[2] - centre[2]) * (lps[2] - centre[2]));
          voxels[i + n[0] * ((gsize) j + n[1] * (gsize) k)] =
            (gint16) lround (CLAMP (250 + 200 * (tc->radius - d), -1000, 3000));
        }

  mesh = extract (volume, 250, 2);
  assert_closed (mesh, 1);
  p = osp_mesh_get_positions (mesh);
  for (guint32 v = 0; v < osp_mesh_get_n_vertices (mesh); v++)
    {
      double d = sqrt ((p[3 * v] - centre[0]) * (p[3 * v] - centre[0]) +
                       (p[3 * v + 1] - centre[1]) * (p[3 * v + 1] - centre[1]) +
                       (p[3 * v + 2] - centre[2]) * (p[3 * v + 2] - centre[2]));

      max_error = MAX (max_error, fabs (d - tc->radius));
    }
  g_test_message ("%s: %u triangles, largest radius error %.4f mm", tc->name,
                  osp_mesh_get_n_triangles (mesh), max_error);
  g_assert_cmpfloat (max_error, <, 0.5 * min_spacing);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (mesh),
                                  4.0 / 3.0 * G_PI * pow (tc->radius, 3),
                                  0.01 * 4.0 / 3.0 * G_PI * pow (tc->radius, 3));
}

/* Bone that fills the volume closes against the border: a box 0.375 voxel beyond the border
 * voxels' centres (1000 HU inside, padding at -1000, iso 250), its edges and corners cut. */
static void
test_border_closed (void)
{
  static const double spacing[3] = { 1, 2, 0.5 }, origin[3] = { 10, 20, 30 };
  g_autoptr(OspVolume) volume = make_volume (10, 12, 14, spacing, origin, NULL);
  gint16 *data = osp_volume_get_data_mutable (volume);
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshReport report;
  const double size[3] = { 9.75 * 1, 11.75 * 2, 13.75 * 0.5 };

  for (guint64 v = 0; v < osp_volume_get_n_voxels (volume); v++)
    data[v] = 1000;
  mesh = extract (volume, 250, 2);
  assert_closed (mesh, 1);
  osp_mesh_report (mesh, &report);
  g_assert_cmpint (report.topology.euler_characteristic, ==, 2);
  for (guint a = 0; a < 3; a++)
    {
      g_assert_cmpfloat_with_epsilon (report.bounds.min[a], origin[a] - 0.375 * spacing[a], 1e-4);
      g_assert_cmpfloat_with_epsilon (report.bounds.max[a] - report.bounds.min[a], size[a], 1e-4);
    }
  g_assert_cmpfloat (report.volume, <, size[0] * size[1] * size[2]);
  g_assert_cmpfloat (report.volume, >, 0.95 * size[0] * size[1] * size[2]);
}

/* Blobs of noise-free and noisy bone: the same mesh, bit for bit, on 1, 2 and 3 threads. */
static OspVolume *
make_blobs (guint32 n,
            guint32 seed)
{
  static const double spacing[3] = { 0.9, 0.9, 1.2 }, origin[3] = { -40, -50, 100 };
  OspVolume *volume = make_volume (n, n + 3, n - 5, spacing, origin, NULL);
  gint16 *data = osp_volume_get_data_mutable (volume);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  double centres[6][4];

  for (guint b = 0; b < G_N_ELEMENTS (centres); b++)
    {
      centres[b][0] = g_rand_double_range (rand, 0.2, 0.8) * n;
      centres[b][1] = g_rand_double_range (rand, 0.2, 0.8) * n;
      centres[b][2] = g_rand_double_range (rand, 0.2, 0.8) * (n - 5);
      centres[b][3] = g_rand_double_range (rand, 0.05, 0.2) * n;
    }
  for (guint32 k = 0; k < n - 5; k++)
    for (guint32 j = 0; j < n + 3; j++)
      for (guint32 i = 0; i < n; i++)
        {
          double v = -100 + g_rand_double_range (rand, -80, 80);

          for (guint b = 0; b < G_N_ELEMENTS (centres); b++)
            {
              double d = sqrt ((i - centres[b][0]) * (i - centres[b][0]) +
                               (j - centres[b][1]) * (j - centres[b][1]) +
                               (k - centres[b][2]) * (k - centres[b][2]));
              v = MAX (v, 250 + 150 * (centres[b][3] - d) + g_rand_double_range (rand, -60, 60));
            }
          data[i + n * ((gsize) j + (n + 3) * (gsize) k)] = (gint16) CLAMP (v, -1000, 2000);
        }
  return volume;
}

static void
test_deterministic (void)
{
  g_autoptr(OspVolume) volume = make_blobs (48, 7);
  g_autoptr(OspMesh) one = extract (volume, 250, 1);
  g_autoptr(OspMesh) two = extract (volume, 250, 2);
  g_autoptr(OspMesh) three = extract (volume, 250, 3);

  assert_closed (one, 0);
  g_assert_true (osp_mesh_equal (one, two));
  g_assert_true (osp_mesh_equal (one, three));
}

static void
record_progress (double   fraction,
                 gpointer user_data)
{
  GArray *values = user_data;

  g_array_append_val (values, fraction);
}

static void
test_progress_cancel (void)
{
  g_autoptr(OspVolume) volume = make_blobs (32, 3);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  const OspProgressRange range = { record_progress, values, 0.0, 1.0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMesh) none = NULL;
  GError *error = NULL;

  mesh = osp_isosurface_extract (volume, 250, 2, &range, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (values->len, >, 10);
  for (guint v = 1; v < values->len; v++)
    g_assert_cmpfloat (g_array_index (values, double, v), >=,
                       g_array_index (values, double, v - 1));
  g_assert_cmpfloat (g_array_index (values, double, values->len - 1), ==, 1.0);

  g_cancellable_cancel (cancellable);
  none = osp_isosurface_extract (volume, 250, 2, NULL, cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* A sphere of radius r (mm) at c in a 1 mm grid of n³ voxels, as a linear HU ramp. */
static void
add_sphere (OspVolume    *volume,
            const double  c[3],
            double        r)
{
  guint32 dims[3];
  gint16 *data = osp_volume_get_data_mutable (volume);

  osp_volume_get_dims (volume, dims);
  for (guint32 k = 0; k < dims[2]; k++)
    for (guint32 j = 0; j < dims[1]; j++)
      for (guint32 i = 0; i < dims[0]; i++)
        {
          double d = sqrt ((i - c[0]) * (i - c[0]) + (j - c[1]) * (j - c[1]) +
                           (k - c[2]) * (k - c[2]));
          gint16 *v = &data[i + dims[0] * ((gsize) j + dims[1] * (gsize) k)];

          *v = MAX (*v, (gint16) lround (CLAMP (250 + 200 * (r - d), -1000, 3000)));
        }
}

static OspMesh *
make_sphere_mesh (double r)
{
  static const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
  guint32 n = (guint32) ceil (2 * r) + 6;
  g_autoptr(OspVolume) volume = make_volume (n, n, n, spacing, origin, NULL);
  const double c[3] = { 0.5 * n - 0.3, 0.5 * n + 0.1, 0.5 * n - 0.45 };

  add_sphere (volume, c, r);
  return extract (volume, 250, 2);
}

/* Three balls and a one-voxel speck: pieces by size, the speck below 1 % of the largest. */
static void
test_keep_largest (void)
{
  static const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
  static const double centres[3][3] = { { 15, 15, 15 }, { 40, 15, 15 }, { 15, 40, 20 } };
  static const double radii[3] = { 6, 11, 8 };
  g_autoptr(OspVolume) volume = make_volume (60, 60, 40, spacing, origin, NULL);
  g_autoptr(OspMesh) all = NULL;
  g_autoptr(OspMesh) big = NULL;
  g_autoptr(OspMesh) two = NULL;
  g_autoptr(OspMesh) every = NULL;
  OspMeshReport report;

  for (guint b = 0; b < 3; b++)
    add_sphere (volume, centres[b], radii[b]);
  osp_volume_get_data_mutable (volume)[50 + 60 * (50 + 60 * 30)] = 1000;
  all = extract (volume, 250, 1);
  osp_mesh_report (all, &report);
  g_assert_cmpuint (report.topology.n_components, ==, 4);

  big = osp_mesh_keep_largest (all, 0, 0.01);
  assert_closed (big, 3);
  two = osp_mesh_keep_largest (all, 2, 0.01);
  assert_closed (two, 2);
  /* The two largest balls, radii 11 and 8. */
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (two),
                                  4.0 / 3.0 * G_PI * (11 * 11 * 11 + 8 * 8 * 8), 100);
  every = osp_mesh_keep_largest (all, 0, 0);
  g_assert_true (osp_mesh_equal (every, all));
}

static double
radius_spread (const OspMesh *mesh)
{
  const float *p = osp_mesh_get_positions (mesh);
  guint32 n = osp_mesh_get_n_vertices (mesh);
  double c[3] = { 0, 0, 0 }, sum = 0, sum2 = 0;

  for (guint32 v = 0; v < n; v++)
    for (guint a = 0; a < 3; a++)
      c[a] += p[3 * v + a] / n;
  for (guint32 v = 0; v < n; v++)
    {
      double d = sqrt ((p[3 * v] - c[0]) * (p[3 * v] - c[0]) +
                       (p[3 * v + 1] - c[1]) * (p[3 * v + 1] - c[1]) +
                       (p[3 * v + 2] - c[2]) * (p[3 * v + 2] - c[2]));

      sum += d;
      sum2 += d * d;
    }
  return sqrt (sum2 / n - (sum / n) * (sum / n));
}

/* A voxelised sphere with hard edges (1000 HU inside, -1000 outside): a staircase. */
static OspMesh *
make_binary_sphere_mesh (double r)
{
  static const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
  guint32 n = (guint32) ceil (2 * r) + 6;
  g_autoptr(OspVolume) volume = make_volume (n, n, n, spacing, origin, NULL);
  gint16 *data = osp_volume_get_data_mutable (volume);

  for (guint32 k = 0; k < n; k++)
    for (guint32 j = 0; j < n; j++)
      for (guint32 i = 0; i < n; i++)
        {
          double x = i - 0.5 * n + 0.3, y = j - 0.5 * n - 0.1, z = k - 0.5 * n + 0.45;

          data[i + n * ((gsize) j + n * (gsize) k)] = x * x + y * y + z * z <= r * r ? 1000 : -1000;
        }
  return extract (volume, 250, 2);
}

static void
test_taubin (void)
{
  g_autoptr(OspMesh) mesh = make_binary_sphere_mesh (20);
  g_autoptr(OspMesh) smooth = osp_mesh_smooth_taubin (mesh, 20, 0.5, -0.53);
  double before = osp_mesh_get_volume (mesh), after = osp_mesh_get_volume (smooth);

  g_test_message ("Taubin ×20: volume %.1f → %.1f mm³, radius spread %.4f → %.4f mm", before,
                  after, radius_spread (mesh), radius_spread (smooth));
  assert_closed (smooth, 1);
  g_assert_cmpuint (osp_mesh_get_n_triangles (smooth), ==, osp_mesh_get_n_triangles (mesh));
  g_assert_cmpfloat_with_epsilon (after, before, 0.01 * before);
  g_assert_cmpfloat (radius_spread (smooth), <, radius_spread (mesh));
}

/* Large enough to be decimated in two halves on two threads: the halves still meet vertex
 * for vertex, so the result is closed, of the asked size and volume. */
static void
test_decimate_halves (void)
{
  g_autoptr(OspMesh) mesh = make_sphere_mesh (80);
  g_autoptr(OspMesh) decimated = NULL;
  double before = osp_mesh_get_volume (mesh), after, error_mm = -1;

  g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), >=, 200000);
  decimated = osp_mesh_decimate_full (mesh, 20000, 0, &error_mm);
  after = osp_mesh_get_volume (decimated);
  g_test_message ("decimation in halves: %u → %u triangles, volume %.1f → %.1f mm³, "
                  "error %.3f mm", osp_mesh_get_n_triangles (mesh),
                  osp_mesh_get_n_triangles (decimated), before, after, error_mm);
  assert_closed (decimated, 1);
  g_assert_cmpuint (osp_mesh_get_n_triangles (decimated), <=, 20000);
  g_assert_cmpuint (osp_mesh_get_n_triangles (decimated), >=, 18000);
  g_assert_cmpuint (osp_mesh_get_n_vertices (decimated), ==,
                    osp_mesh_get_n_triangles (decimated) / 2 + 2);
  g_assert_cmpfloat_with_epsilon (after, before, 0.005 * before);
  g_assert_cmpfloat (error_mm, >=, 0);
  g_assert_cmpfloat (error_mm, <, 0.5);
}

static void
test_decimate (void)
{
  g_autoptr(OspMesh) mesh = make_sphere_mesh (20);
  g_autoptr(OspMesh) decimated = osp_mesh_decimate (mesh, 2000);
  g_autoptr(OspMesh) same = osp_mesh_decimate (mesh, 10 * osp_mesh_get_n_triangles (mesh));
  double before = osp_mesh_get_volume (mesh), after = osp_mesh_get_volume (decimated);

  g_test_message ("decimation: %u → %u triangles, volume %.1f → %.1f mm³",
                  osp_mesh_get_n_triangles (mesh), osp_mesh_get_n_triangles (decimated),
                  before, after);
  assert_closed (decimated, 1);
  g_assert_cmpuint (osp_mesh_get_n_triangles (decimated), <=, 2000);
  g_assert_cmpuint (osp_mesh_get_n_triangles (decimated), >=, 1800);
  g_assert_cmpuint (osp_mesh_get_n_vertices (decimated), ==,
                    osp_mesh_get_n_triangles (decimated) / 2 + 2);
  g_assert_cmpfloat_with_epsilon (after, before, 0.02 * before);
  g_assert_true (osp_mesh_equal (same, mesh));

  /* An error bound instead of a count: finer bounds keep more triangles. */
  {
    double error_fine = -1, error_coarse = -1;
    g_autoptr(OspMesh) fine = osp_mesh_decimate_full (mesh, 0, 0.02, &error_fine);
    g_autoptr(OspMesh) coarse = osp_mesh_decimate_full (mesh, 0, 0.2, &error_coarse);

    g_test_message ("error-bound decimation: %u (≤ 0.02 mm: %.4f) and %u (≤ 0.2 mm: %.4f) "
                    "triangles", osp_mesh_get_n_triangles (fine), error_fine,
                    osp_mesh_get_n_triangles (coarse), error_coarse);
    assert_closed (fine, 1);
    assert_closed (coarse, 1);
    g_assert_cmpfloat (error_fine, <=, 0.02);
    g_assert_cmpfloat (error_coarse, <=, 0.2);
    g_assert_cmpuint (osp_mesh_get_n_triangles (coarse), <, osp_mesh_get_n_triangles (fine));
    g_assert_cmpuint (osp_mesh_get_n_triangles (fine), <, osp_mesh_get_n_triangles (mesh));
  }

  /* Noise, cut to a twentieth: thin parts collapse and pinch, the surface stays closed. */
  {
    static const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
    g_autoptr(OspVolume) volume = make_volume (40, 40, 40, spacing, origin, NULL);
    gint16 *data = osp_volume_get_data_mutable (volume);
    g_autoptr(GRand) rand = g_rand_new_with_seed (5);
    g_autoptr(OspMesh) raw = NULL;
    g_autoptr(OspMesh) noisy = NULL;

    for (guint64 v = 0; v < osp_volume_get_n_voxels (volume); v++)
      data[v] = (gint16) g_rand_int_range (rand, -200, 500);
    raw = extract (volume, 250, 2);
    noisy = osp_mesh_keep_largest (raw, 1, 0);
    guint32 target = osp_mesh_get_n_triangles (noisy) / 20;
    g_autoptr(OspMesh) small = osp_mesh_decimate (noisy, target);

    g_test_message ("noisy decimation: %u → %u triangles", osp_mesh_get_n_triangles (noisy),
                    osp_mesh_get_n_triangles (small));
    assert_closed (small, 0);
    g_assert_cmpuint (osp_mesh_get_n_triangles (small), <=, target);
  }
}

static void
cancel_halfway (double   fraction,
                gpointer user_data)
{
  if (fraction > 0.3)
    g_cancellable_cancel (user_data);
}

/* The whole pipeline: pieces, smoothing and decimation, then cancelled halfway. */
static void
test_segment (void)
{
  g_autoptr(OspVolume) volume = make_blobs (40, 11);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  const OspProgressRange range = { record_progress, values, 0.0, 1.0 };
  OspSegmentOptions options = OSP_SEGMENT_OPTIONS_INIT;
  OspSegmentStats stats;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMesh) none = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OspProgressRange cancel_range = { cancel_halfway, cancellable, 0.0, 1.0 };
  GError *error = NULL;

  options.smooth_iterations = 5;
  options.target_triangles = 3000;
  options.n_threads = 2;
  mesh = osp_segment_volume (volume, &options, &range, NULL, &stats, &error);
  g_assert_no_error (error);
  assert_closed (mesh, 0);
  g_assert_cmpuint (stats.n_raw_triangles, >, 3000);
  g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), <=, 3000);
  for (guint v = 1; v < values->len; v++)
    g_assert_cmpfloat (g_array_index (values, double, v), >=,
                       g_array_index (values, double, v - 1));
  g_assert_cmpfloat (g_array_index (values, double, values->len - 1), ==, 1.0);

  none = osp_segment_volume (volume, &options, &cancel_range, cancellable, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* A real CT (abdomen and pelvis, 3 mm, int32 on disk) from the shared data: the bone surface
 * is closed, the same on 1 and 2 threads, and the pipeline keeps the pelvis and femurs. */
static void
test_shared_ct (void)
{
  g_autofree char *path = osp_test_shared_data ("nifti/totalseg_example_ct_abdomen_pelvis.nii.gz");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) one = NULL;
  g_autoptr(OspMesh) two = NULL;
  g_autoptr(OspMesh) bone = NULL;
  OspSegmentOptions options = OSP_SEGMENT_OPTIONS_INIT;
  OspMeshReport report;
  GError *error = NULL;

  if (path == NULL)
    return;
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  one = extract (volume, 250, 1);
  two = extract (volume, 250, 2);
  g_assert_true (osp_mesh_equal (one, two));
  assert_closed (one, 0);

  options.smooth_iterations = 3;
  options.target_triangles = 40000;
  bone = osp_segment_volume (volume, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_mesh_report (bone, &report);
  g_test_message ("%s: %u raw triangles, %u kept in %u pieces, %.0f cm³", path,
                  osp_mesh_get_n_triangles (one), report.n_triangles,
                  report.topology.n_components, report.volume / 1000);
  g_assert_true (report.closed);
  g_assert_cmpuint (report.n_triangles, <=, 40000);
  /* Pelvis, femurs and spine: several hundred cm³ of bone. */
  g_assert_cmpfloat (report.volume, >, 200e3);
  g_assert_cmpfloat (report.volume, <, 2000e3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/isosurface/all-cases", test_all_cases);
  g_test_add_func ("/isosurface/noise-closed", test_noise_closed);
  for (guint i = 0; i < G_N_ELEMENTS (sphere_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/isosurface/sphere/%s", sphere_cases[i].name);

      g_test_add_data_func (path, &sphere_cases[i], test_sphere);
    }
  g_test_add_func ("/isosurface/border-closed", test_border_closed);
  g_test_add_func ("/isosurface/deterministic", test_deterministic);
  g_test_add_func ("/isosurface/progress-cancel", test_progress_cancel);
  g_test_add_func ("/segment/keep-largest", test_keep_largest);
  g_test_add_func ("/segment/taubin", test_taubin);
  g_test_add_func ("/segment/decimate", test_decimate);
  g_test_add_func ("/segment/decimate-halves", test_decimate_halves);
  g_test_add_func ("/segment/pipeline", test_segment);
  g_test_add_func ("/segment/shared-ct", test_shared_ct);

  return g_test_run ();
}
