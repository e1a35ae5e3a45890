/* test-phantom.c — the synthetic pelvis CT and its ground truth
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "osp-phantom.h"
#include "osp-segment.h"
#include "osp-test-common.h"

static OspVolume *
generate (gboolean         defect,
          guint32          seed,
          double           voxel_mm,
          OspPhantomTruth *truth)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  GError *error = NULL;
  OspVolume *volume;
  gint64 start = g_get_monotonic_time ();

  options.defect = defect;
  options.seed = seed;
  options.voxel_mm = voxel_mm;
  volume = osp_phantom_generate (&options, truth, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (volume);
  g_test_message ("phantom (defect %d, %.2f mm voxels) generated in %.2f s", defect, voxel_mm,
                  (g_get_monotonic_time () - start) / 1e6);
  return volume;
}

/* The centroid of a closed mesh's solid (divergence theorem). */
static void
solid_centroid (const OspMesh *mesh,
                double         out[3])
{
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  double volume = 0;

  out[0] = out[1] = out[2] = 0;
  for (guint32 f = 0; f < osp_mesh_get_n_triangles (mesh); f++)
    {
      const float *a = p + 3 * t[3 * f], *b = p + 3 * t[3 * f + 1], *c = p + 3 * t[3 * f + 2];
      double v = (a[0] * ((double) b[1] * c[2] - (double) b[2] * c[1]) -
                  a[1] * ((double) b[0] * c[2] - (double) b[2] * c[0]) +
                  a[2] * ((double) b[0] * c[1] - (double) b[1] * c[0])) / 6.0;

      volume += v;
      for (guint k = 0; k < 3; k++)
        out[k] += v * ((double) a[k] + b[k] + c[k]) / 4.0;
    }
  for (guint k = 0; k < 3; k++)
    out[k] /= volume;
}

typedef struct
{
  const char *name;
  gboolean    defect;
  double      voxel_mm;
  guint32     pieces;   /* hemipelves, sacrum, fifth lumbar vertebra, femurs */
} PhantomCase;

static const PhantomCase phantom_cases[] = {
  { "normal", FALSE, 1.0, 6 },
  { "defect", TRUE, 1.0, 6 },
  { "coarse", FALSE, 2.0, 6 },
};

/* The bone surface at 250 HU is closed, holds the true bone volume within 2 %, and (without
 * the defect) its centroid lies on the true midsagittal plane. */
static void
test_phantom_surface (gconstpointer data)
{
  const PhantomCase *tc = data;
  OspPhantomTruth truth;
  g_autoptr(OspVolume) volume = generate (tc->defect, 1, tc->voxel_mm, &truth);
  OspSegmentOptions options = OSP_SEGMENT_OPTIONS_INIT;
  OspSegmentStats stats;
  OspMeshReport report;
  g_autoptr(OspMesh) mesh = NULL;
  GError *error = NULL;
  double centroid[3], offset;
  const float *n = truth.midsagittal.normal;

  g_assert_cmpfloat_with_epsilon (n[0] * n[0] + n[1] * n[1] + n[2] * n[2], 1.0, 1e-6);
  /* Rotated 3° about S–I and 2° about A–P. */
  g_assert_cmpfloat_with_epsilon (acos (n[0]) * 180 / G_PI, 3.6, 0.1);
  g_assert_cmpfloat (fabs (truth.midsagittal.d), >, 3.0);

  mesh = osp_segment_volume (volume, &options, NULL, NULL, &stats, &error);
  g_assert_no_error (error);
  osp_mesh_report (mesh, &report);
  solid_centroid (mesh, centroid);
  offset = n[0] * centroid[0] + n[1] * centroid[1] + n[2] * centroid[2] - truth.midsagittal.d;
  g_test_message ("%s: %u triangles in %.2f s, %u pieces, volume %.0f mm³ (truth %.0f, "
                  "%+.2f %%), centroid %+.2f mm from the plane", tc->name, report.n_triangles,
                  stats.extract_s, report.topology.n_components, report.volume,
                  truth.bone_volume_mm3,
                  100 * (report.volume / truth.bone_volume_mm3 - 1), offset);
  g_assert_true (report.closed);
  g_assert_cmpuint (report.topology.n_components, ==, tc->pieces);
  g_assert_cmpfloat_with_epsilon (report.volume, truth.bone_volume_mm3,
                                  0.02 * truth.bone_volume_mm3);
  if (tc->defect)
    g_assert_cmpfloat (offset, >, 1.0);  /* the defect is on the right: bone moves left */
  else
    g_assert_cmpfloat (fabs (offset), <, 0.2);
}

static void
test_phantom_deterministic (void)
{
  OspPhantomTruth truth1, truth2, truth3;
  g_autoptr(OspVolume) a = generate (FALSE, 7, 2.0, &truth1);
  g_autoptr(OspVolume) b = generate (FALSE, 7, 2.0, &truth2);
  g_autoptr(OspVolume) c = generate (FALSE, 8, 2.0, &truth3);
  gsize bytes = osp_volume_get_n_voxels (a) * sizeof (gint16);
  gint16 lo, hi;
  guint32 dims[3];

  osp_volume_get_dims (a, dims);
  g_assert_cmpuint (dims[0], ==, 150);
  g_assert_cmpuint (dims[1], ==, 112);
  g_assert_cmpuint (dims[2], ==, 100);
  g_assert_cmpmem (osp_volume_get_data (a), bytes, osp_volume_get_data (b), bytes);
  g_assert_true (memcmp (osp_volume_get_data (a), osp_volume_get_data (c), bytes) != 0);
  /* The noise changes with the seed, the anatomy does not. */
  g_assert_cmpfloat (truth1.bone_volume_mm3, ==, truth3.bone_volume_mm3);
  osp_volume_get_range (a, &lo, &hi);
  g_assert_cmpint (lo, >=, -1024);
  g_assert_cmpint (lo, <=, -985);
  g_assert_cmpint (hi, >=, 1185);
  g_assert_cmpint (hi, <=, 1215);
  /* The plane in the description (NIfTI's descrip holds 79 characters). */
  g_assert_nonnull (strstr (osp_volume_get_description (a), "plane n="));
  g_assert_nonnull (strstr (osp_volume_get_description (a), " d="));
  g_assert_cmpuint (strlen (osp_volume_get_description (a)), <=, 79);

  /* A grid of its own over the same field of view (as the benchmark asks for). */
  {
    OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
    g_autoptr(OspVolume) grid = NULL;
    double spacing[3];

    options.dims[0] = 100;
    options.dims[1] = 80;
    options.dims[2] = 64;
    grid = osp_phantom_generate (&options, NULL, NULL, NULL);
    osp_volume_get_dims (grid, dims);
    osp_volume_get_spacing (grid, spacing);
    g_assert_cmpuint (dims[0], ==, 100);
    g_assert_cmpuint (dims[1], ==, 80);
    g_assert_cmpuint (dims[2], ==, 64);
    g_assert_cmpfloat_with_epsilon (spacing[0], 3.0, 1e-12);
    g_assert_cmpfloat_with_epsilon (spacing[1], 2.8, 1e-12);
    g_assert_cmpfloat_with_epsilon (spacing[2], 3.125, 1e-12);
  }
}

/* Tissue classes: air, soft tissue, cancellous and cortical bone are all present. */
static void
test_phantom_histogram (void)
{
  g_autoptr(OspVolume) volume = generate (FALSE, 1, 2.0, NULL);
  guint64 total = osp_volume_get_n_voxels (volume);

  {
    guint64 air = 0, soft = 0, cancellous = 0, cortex = 0;
    const gint16 *v = osp_volume_get_data (volume);

    for (guint64 i = 0; i < total; i++)
      {
        air += v[i] < -900;
        soft += v[i] > 20 && v[i] < 60;
        cancellous += v[i] > 280 && v[i] < 320;
        cortex += v[i] > 1150;
      }
    g_test_message ("air %.1f %%, soft tissue %.1f %%, cancellous %.2f %%, cortex %.2f %%",
                    100.0 * air / total, 100.0 * soft / total, 100.0 * cancellous / total,
                    100.0 * cortex / total);
    g_assert_cmpuint (air, >, total / 10);
    g_assert_cmpuint (soft, >, total / 3);
    g_assert_cmpuint (cancellous, >, total / 200);
    g_assert_cmpuint (cortex, >, total / 200);
  }
}

static void
test_phantom_json (void)
{
  OspPhantomTruth truth = { { { 0.998f, 0.052f, -0.035f }, 5.5f }, 612345.5, 3, TRUE, 1.0 };
  g_autofree char *json = osp_phantom_truth_to_json (&truth);

  g_assert_nonnull (strstr (json, "\"bone_volume_mm3\": 612345.5,"));
  g_assert_nonnull (strstr (json, "\"seed\": 3,"));
  g_assert_nonnull (strstr (json, "\"defect\": true,"));
  g_assert_nonnull (strstr (json, "\"normal\": [0.998"));
  g_assert_nonnull (strstr (json, "\"d_mm\": 5.5"));
}

static void
test_phantom_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  g_autoptr(OspVolume) volume = NULL;

  g_cancellable_cancel (cancellable);
  volume = osp_phantom_generate (NULL, NULL, cancellable, &error);
  g_assert_null (volume);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (phantom_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/phantom/surface/%s", phantom_cases[i].name);

      g_test_add_data_func (path, &phantom_cases[i], test_phantom_surface);
    }
  g_test_add_func ("/phantom/deterministic", test_phantom_deterministic);
  g_test_add_func ("/phantom/histogram", test_phantom_histogram);
  g_test_add_func ("/phantom/json", test_phantom_json);
  g_test_add_func ("/phantom/cancel", test_phantom_cancel);

  return g_test_run ();
}
