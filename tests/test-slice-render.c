/* test-slice-render.c — CT slices: orientation convention, oblique grids, overlays
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A synthetic CT with a bright block at the patient's left, anterior and superior corner is
 * sliced through the block in each axis; the block must land on the side of the picture the
 * radiological convention puts it (left of the patient on the viewer's right in axial and
 * coronal; anterior up in axial, left in sagittal; superior up), at the pixel an independent
 * formula gives, also when the grid's direction matrix is oblique.  Offscreen through EGL;
 * the GL tests skip without a driver.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-offscreen.h"
#include "osp-slice-renderer.h"
#include "osp-test-common.h"

#define SIZE 200

static OspOffscreen *offscreen;
static char         *offscreen_error;

static gboolean
have_gl (void)
{
  if (offscreen == NULL)
    {
      g_test_skip_printf ("no OpenGL without a display: %s", offscreen_error);
      return FALSE;
    }
  return TRUE;
}

/* 40 × 50 × 30 voxels of 2 × 2.5 × 3 mm centred on the LPS origin, 0 HU, with a 2000 HU block
 * over the index box [lo, hi]; the direction matrix as given (NULL identity). */
static OspVolume *
make_volume (const double *direction, const guint32 lo[3], const guint32 hi[3])
{
  static const guint32 dims[3] = { 40, 50, 30 };
  static const double spacing[3] = { 2.0, 2.5, 3.0 };
  static const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  double origin[3] = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  OspVolume *volume;
  gint16 *data;

  if (direction == NULL)
    direction = identity;
  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 3; c++)
      origin[c] -= 0.5 * (dims[a] - 1) * spacing[a] * direction[3 * a + c];
  volume = osp_volume_new (dims, spacing, origin, direction, "test", &error);
  g_assert_no_error (error);
  data = osp_volume_get_data_mutable (volume);
  for (guint64 v = 0; v < osp_volume_get_n_voxels (volume); v++)
    data[v] = 0;
  for (guint32 k = lo[2]; k <= MIN (hi[2], dims[2] - 1); k++)
    for (guint32 j = lo[1]; j <= MIN (hi[1], dims[1] - 1); j++)
      for (guint32 i = lo[0]; i <= MIN (hi[0], dims[0] - 1); i++)
        data[i + dims[0] * (j + dims[1] * k)] = 2000;
  return volume;
}

/* The centroid of pixels brighter than 200 in the red and green channels and not yellow. */
static guint
bright_centroid (const guint8 *rgba, double *out_x, double *out_y)
{
  double sx = 0.0, sy = 0.0;
  guint n = 0;

  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++)
      {
        const guint8 *p = rgba + 4 * (y * SIZE + x);

        if (p[0] > 200 && p[1] > 200 && p[2] > 200)
          sx += x + 0.5, sy += y + 0.5, n++;
      }
  if (n > 0)
    *out_x = sx / n, *out_y = sy / n;
  return n;
}

typedef struct
{
  const char *name;
  double      direction[9];
} Orientation;

static const Orientation orientations[] = {
  { "identity", { 1, 0, 0, 0, 1, 0, 0, 0, 1 } },
  /* Rows along −x (a NIfTI's RAS grid), columns along −y. */
  { "ras", { -1, 0, 0, 0, -1, 0, 0, 0, 1 } },
  /* Tilted 20° about x (a gantry tilt) and turned 15° about z. */
  { "oblique", { 0.965926, 0.258819, 0.0,
                 -0.243210, 0.907673, 0.342020,
                 0.088521, -0.330366, 0.939693 } },
};

static void
test_slice_orientation (gconstpointer data)
{
  const Orientation *o = data;

  if (!have_gl ())
    return;

  for (int axis = 0; axis < OSP_SLICE_N_AXES; axis++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OspVolume) volume = NULL;
      g_autofree guint8 *rgba = g_malloc (SIZE * SIZE * 4);
      OspSliceRenderer *renderer;
      OspSliceCamera view = { axis, { 0, 0, 0 }, 1.0, 2000.0, 1000.0 };
      guint32 lo[3] = { 0 }, hi[3] = { 0 };
      double marker[3], ijk[3], x = 0, y = 0, ex, ey;
      int n = osp_slice_axis_normal_index (axis);
      guint count;

      /* Index box of the marker: the LPS point (+20, −25, +20) (patient left, anterior,
       * superior of the centre), found through the grid's own geometry. */
      {
        g_autoptr(OspVolume) probe = make_volume (o->direction, lo, hi);
        double target[3] = { 20.0, -25.0, 20.0 }, origin[3], spacing[3], dir[9];

        osp_volume_get_origin (probe, origin);
        osp_volume_get_spacing (probe, spacing);
        osp_volume_get_direction (probe, dir);
        for (int a = 0; a < 3; a++)
          {
            double t = 0.0;

            for (int c = 0; c < 3; c++)
              t += (target[c] - origin[c]) * dir[3 * a + c];
            ijk[a] = t / spacing[a];
          }
        for (int a = 0; a < 3; a++)
          {
            lo[a] = (guint32) MAX (0, (int) round (ijk[a]) - 2);
            hi[a] = (guint32) round (ijk[a]) + 2;
          }
      }
      volume = make_volume (o->direction, lo, hi);
      {
        double c[3] = { 0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1]), 0.5 * (lo[2] + hi[2]) };

        osp_volume_index_to_lps (volume, c, marker);
      }
      for (int a = 0; a < 3; a++)
        view.center[a] = 0.0;
      view.center[n] = marker[n];
      view.mm_per_pixel = 0.75;

      renderer = osp_slice_renderer_new (NULL, &error);
      g_assert_no_error (error);
      osp_slice_renderer_set_volume (renderer, volume);
      g_assert_true (osp_slice_renderer_draw_to_rgba (renderer, &view, SIZE, SIZE, rgba,
                                                      &error));
      g_assert_no_error (error);
      osp_slice_renderer_free (renderer);

      count = bright_centroid (rgba, &x, &y);
      g_assert_cmpuint (count, >, 50);
      /* Independently: axial x = L, y = −P… in pixels from the centre (0, 0, z). */
      switch (axis)
        {
        case OSP_SLICE_AXIAL:
          ex = marker[0], ey = marker[1];         /* L to the right, posterior down */
          g_assert_cmpfloat (x, >, SIZE / 2);     /* patient left on the viewer's right */
          g_assert_cmpfloat (y, <, SIZE / 2);     /* anterior up */
          break;
        case OSP_SLICE_CORONAL:
          ex = marker[0], ey = -marker[2];
          g_assert_cmpfloat (x, >, SIZE / 2);     /* left on the right */
          g_assert_cmpfloat (y, <, SIZE / 2);     /* superior up */
          break;
        case OSP_SLICE_SAGITTAL:
        default:
          ex = marker[1], ey = -marker[2];
          g_assert_cmpfloat (x, <, SIZE / 2);     /* anterior on the left */
          g_assert_cmpfloat (y, <, SIZE / 2);     /* superior up */
          break;
        }
      ex = SIZE / 2 + ex / view.mm_per_pixel;
      ey = SIZE / 2 + ey / view.mm_per_pixel;
      g_test_message ("%s %s: marker at (%.1f, %.1f), expected (%.1f, %.1f)", o->name,
                      osp_slice_axis_to_string (axis), x, y, ex, ey);
      g_assert_cmpfloat (fabs (x - ex), <, 2.5);
      g_assert_cmpfloat (fabs (y - ey), <, 2.5);
    }
}

/* The window maps level to mid grey; the bone outline, a mask and a mesh contour draw where
 * they should. */
static void
test_slice_overlays (void)
{
  static const guint32 lo[3] = { 10, 10, 5 }, hi[3] = { 29, 39, 24 };
  static const float red[4] = { 1.0f, 0.0f, 0.0f, 0.5f };
  static const float green[3] = { 0.0f, 1.0f, 0.0f };
  static const float blue[3] = { 0.0f, 0.0f, 1.0f };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) cube = NULL;
  g_autofree guint8 *rgba = g_malloc (SIZE * SIZE * 4);
  g_autofree guint8 *mask = NULL;
  OspSliceRenderer *renderer;
  OspSliceCamera view = { OSP_SLICE_AXIAL, { 0, 0, 0 }, 0.5, 8000.0, 0.0 };
  float positions[24];
  static const guint32 cube_indices[36] = {
    0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
    1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7,
  };
  guint32 dims[3];
  mat4 m;
  const guint8 *p;
  double px, py, lps[3];
  guint32 mlo[3] = { 0, 0, 0 }, mhi[3];

  if (!have_gl ())
    return;

  volume = make_volume (NULL, lo, hi);
  osp_volume_get_dims (volume, dims);
  /* A cube of ±10 mm round (0, 0, 0), drawn in blue. */
  for (int v = 0; v < 8; v++)
    {
      positions[3 * v] = (v == 1 || v == 2 || v == 5 || v == 6) ? 10.0f : -10.0f;
      positions[3 * v + 1] = (v == 2 || v == 3 || v == 6 || v == 7) ? 10.0f : -10.0f;
      positions[3 * v + 2] = v >= 4 ? 10.0f : -10.0f;
    }
  cube = osp_mesh_new (positions, 8, cube_indices, 12);

  renderer = osp_slice_renderer_new (NULL, &error);
  g_assert_no_error (error);
  osp_slice_renderer_set_volume (renderer, volume);

  /* The block (2000 HU) at window 8000, level 0: 191 grey; the background (0 HU) 127/128. */
  g_assert_true (osp_slice_renderer_draw_to_rgba (renderer, &view, SIZE, SIZE, rgba, &error));
  p = rgba + 4 * (100 * SIZE + 100);
  g_assert_cmpint (abs ((int) p[0] - 191), <=, 2);
  g_assert_cmpint (p[0], ==, p[2]);
  p = rgba + 4 * (2 * SIZE + 100);
  g_assert_cmpint (abs ((int) p[0] - 128), <=, 2);

  /* Outline at 1000 HU on the block's edges, half-way between voxels 9 and 10 and 29 and 30:
   * x = −39 + 2 · 9.5 = −20 mm and +20 mm. */
  osp_slice_renderer_set_outline (renderer, TRUE, 1000.0, green);
  g_assert_true (osp_slice_renderer_draw_to_rgba (renderer, &view, SIZE, SIZE, rgba, &error));
  {
    guint n_green = 0;

    for (int x = 0; x < SIZE; x++)
      {
        p = rgba + 4 * (100 * SIZE + x);
        if (p[1] > 200 && p[0] < 50)
          {
            n_green++;
            g_assert_cmpfloat (fabs (fabs ((x + 0.5 - SIZE / 2) * 0.5) - 20.0), <, 1.0);
          }
      }
    g_assert_cmpuint (n_green, >=, 2);
  }
  osp_slice_renderer_set_outline (renderer, FALSE, 0.0, NULL);

  /* The cube's contour: a square of ±10 mm = ±20 pixels. */
  osp_slice_renderer_add_model (renderer, cube);
  {
    guint id = 1;

    osp_slice_renderer_set_model_color (renderer, id, blue);
  }
  g_assert_true (osp_slice_renderer_draw_to_rgba (renderer, &view, SIZE, SIZE, rgba, &error));
  p = rgba + 4 * (100 * SIZE + 80);   /* x = −10 mm */
  g_assert_cmpint (p[2], >, 200);
  g_assert_cmpint (p[0], <, 50);
  p = rgba + 4 * (80 * SIZE + 100);   /* y = −10 mm (anterior, up) */
  g_assert_cmpint (p[2], >, 200);
  p = rgba + 4 * (100 * SIZE + 100);  /* inside: grey */
  g_assert_cmpint (p[2], ==, p[0]);
  osp_slice_renderer_clear_models (renderer);

  /* A mask on the CT's grid: one box, then a second one added by a partial update (the whole
   * slice in view at 1 mm a pixel). */
  view.mm_per_pixel = 1.0;
  mask = g_malloc0 (osp_volume_get_n_voxels (volume));
  for (guint32 k = 0; k < dims[2]; k++)
    for (guint32 j = 0; j < 5; j++)
      for (guint32 i = 0; i < 5; i++)
        mask[i + dims[0] * (j + dims[1] * k)] = 1;
  osp_volume_get_index_to_lps (volume, m);
  osp_slice_renderer_set_mask (renderer, mask, dims, (const float *) m, red);
  g_assert_true (osp_slice_renderer_draw_to_rgba (renderer, &view, SIZE, SIZE, rgba, &error));
  {
    double ijk[3] = { 2, 2, 15 };

    osp_volume_index_to_lps (volume, ijk, lps);
    osp_slice_camera_lps_to_pixel (&view, SIZE, SIZE, lps, &px, &py);
    p = rgba + 4 * ((int) py * SIZE + (int) px);
    g_assert_cmpint (p[0], >, p[1] + 40);
  }
  /* Paint voxels (35..39, 45..49) and re-upload only their box. */
  for (guint32 k = 0; k < dims[2]; k++)
    for (guint32 j = 45; j < 50; j++)
      for (guint32 i = 35; i < 40; i++)
        mask[i + dims[0] * (j + dims[1] * k)] = 1;
  mlo[0] = 35, mlo[1] = 45, mlo[2] = 0;
  mhi[0] = 39, mhi[1] = 49, mhi[2] = dims[2] - 1;
  osp_slice_renderer_update_mask (renderer, mlo, mhi);
  g_assert_true (osp_slice_renderer_draw_to_rgba (renderer, &view, SIZE, SIZE, rgba, &error));
  {
    double ijk[3] = { 37, 47, 15 };

    osp_volume_index_to_lps (volume, ijk, lps);
    osp_slice_camera_lps_to_pixel (&view, SIZE, SIZE, lps, &px, &py);
    g_assert_cmpfloat (px, >=, 0);
    g_assert_cmpfloat (py, <, SIZE);
    p = rgba + 4 * ((int) py * SIZE + (int) px);
    g_assert_cmpint (p[0], >, p[1] + 40);
  }
  osp_slice_renderer_free (renderer);
  g_assert_no_error (error);
}

/* Geometry without GL: pixel ↔ LPS, trilinear sampling, mesh–plane segments, letters. */
static void
test_slice_geometry (void)
{
  static const guint32 lo[3] = { 0, 0, 0 }, hi[3] = { 0, 0, 0 };
  g_autoptr(OspVolume) volume = make_volume (NULL, lo, hi);
  OspSliceCamera view = { OSP_SLICE_SAGITTAL, { 5.0, -3.0, 7.0 }, 0.5, 100.0, 0.0 };
  const char *l, *r, *t, *b;
  double lps[3], x, y, hu;

  osp_slice_camera_pixel_to_lps (&view, 200, 100, 150.0, 25.0, lps);
  g_assert_cmpfloat_with_epsilon (lps[0], 5.0, 1e-9);            /* on the slice */
  g_assert_cmpfloat_with_epsilon (lps[1], -3.0 + 25.0, 1e-9);    /* right = posterior */
  g_assert_cmpfloat_with_epsilon (lps[2], 7.0 + 12.5, 1e-9);     /* up = superior */
  osp_slice_camera_lps_to_pixel (&view, 200, 100, lps, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 150.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 25.0, 1e-9);

  osp_slice_axis_letters (OSP_SLICE_AXIAL, &l, &r, &t, &b);
  g_assert_cmpstr (l, ==, "R");
  g_assert_cmpstr (r, ==, "L");
  g_assert_cmpstr (t, ==, "A");
  g_assert_cmpstr (b, ==, "P");
  osp_slice_axis_letters (OSP_SLICE_SAGITTAL, &l, &r, &t, &b);
  g_assert_cmpstr (l, ==, "A");
  g_assert_cmpstr (t, ==, "S");

  /* Voxel (0, 0, 0) is 2000 HU, its neighbours 0: half-way along i gives 1000. */
  {
    double ijk[3] = { 0.5, 0.0, 0.0 };

    osp_volume_index_to_lps (volume, ijk, lps);
    g_assert_true (osp_volume_sample_lps (volume, lps, &hu));
    g_assert_cmpfloat_with_epsilon (hu, 1000.0, 0.5);
    lps[0] = -1000.0;
    g_assert_false (osp_volume_sample_lps (volume, lps, &hu));
  }

  /* A unit cube cut at z = 0.25: the 8 side triangles cross, 4 of length 1 in total 4. */
  {
    static const float pos[24] = { 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0,
                                   0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1 };
    static const guint32 idx[36] = {
      0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
      1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7,
    };
    g_autoptr(OspMesh) cube = osp_mesh_new (pos, 8, idx, 12);
    g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (float));
    double normal[3] = { 0, 0, 1 }, length = 0.0;
    float shift[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 10, 1 };

    g_assert_cmpuint (osp_mesh_plane_segments (cube, NULL, normal, 0.25, segments), ==, 8);
    for (guint s = 0; s < segments->len; s += 6)
      {
        const float *f = &g_array_index (segments, float, s);

        g_assert_cmpfloat_with_epsilon (f[2], 0.25, 1e-6);
        g_assert_cmpfloat_with_epsilon (f[5], 0.25, 1e-6);
        length += hypot (f[3] - f[0], f[4] - f[1]);
      }
    g_assert_cmpfloat_with_epsilon (length, 4.0, 1e-5);
    g_array_set_size (segments, 0);
    /* Moved 10 mm up, the plane misses it; at 10.5 it crosses again. */
    g_assert_cmpuint (osp_mesh_plane_segments (cube, shift, normal, 0.25, segments), ==, 0);
    g_assert_cmpuint (osp_mesh_plane_segments (cube, shift, normal, 10.5, segments), ==, 8);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  offscreen = osp_offscreen_new (&error);
  if (offscreen == NULL)
    offscreen_error = g_strdup (error->message);

  g_test_add_func ("/slice/geometry", test_slice_geometry);
  for (guint i = 0; i < G_N_ELEMENTS (orientations); i++)
    {
      g_autofree char *path = g_strdup_printf ("/slice/orientation/%s", orientations[i].name);

      g_test_add_data_func (path, &orientations[i], test_slice_orientation);
    }
  g_test_add_func ("/slice/overlays", test_slice_overlays);
  status = g_test_run ();
  osp_offscreen_free (offscreen);
  g_free (offscreen_error);
  return status;
}
