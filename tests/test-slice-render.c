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
#include "osp-renderer.h"
#include "osp-slice-renderer.h"
#include "osp-slice-renderer-private.h"
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

/* -- Slice planes inside the 3D scene ---------------------------------------------------- */

#define SIZE_3D 480

/* 40 × 50 × 30 voxels of 2 × 2.5 × 3 mm centred on the LPS origin, HU = 80 i + 60 j + 100 k:
 * linear, so trilinear sampling anywhere inside equals osp_volume_sample_lps exactly. */
static OspVolume *
make_gradient_volume (const double *direction)
{
  static const guint32 dims[3] = { 40, 50, 30 };
  static const double spacing[3] = { 2.0, 2.5, 3.0 };
  double origin[3] = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  OspVolume *volume;
  gint16 *data;

  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 3; c++)
      origin[c] -= 0.5 * (dims[a] - 1) * spacing[a] * direction[3 * a + c];
  volume = osp_volume_new (dims, spacing, origin, direction, "gradient", &error);
  g_assert_no_error (error);
  data = osp_volume_get_data_mutable (volume);
  for (guint32 k = 0; k < dims[2]; k++)
    for (guint32 j = 0; j < dims[1]; j++)
      for (guint32 i = 0; i < dims[0]; i++)
        data[i + dims[0] * (j + dims[1] * k)] = (gint16) (80 * i + 60 * j + 100 * k);
  return volume;
}

/* A cube of side 2·r round c. */
static OspMesh *
make_cube (const float c[3], float r)
{
  static const guint32 indices[36] = {
    0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
    1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7,
  };
  float positions[24];

  for (int v = 0; v < 8; v++)
    {
      positions[3 * v] = c[0] + ((v == 1 || v == 2 || v == 5 || v == 6) ? r : -r);
      positions[3 * v + 1] = c[1] + ((v == 2 || v == 3 || v == 6 || v == 7) ? r : -r);
      positions[3 * v + 2] = c[2] + (v >= 4 ? r : -r);
    }
  return osp_mesh_new (positions, 8, indices, 12);
}

static const guint8 *
pixel_at (const guint8 *rgba, const OspCamera *camera, const double lps[3])
{
  float p[3] = { (float) lps[0], (float) lps[1], (float) lps[2] };
  vec3 px;
  int x, y;

  g_assert_true (osp_camera_project (camera, p, px));
  x = (int) floor (px[0]), y = (int) floor (px[1]);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (x, <, SIZE_3D);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (y, <, SIZE_3D);
  return rgba + 4 * ((gsize) y * SIZE_3D + x);
}

/* Whether `lps` lies inside the volume at least `margin` mm from its outer faces. */
static gboolean
well_inside (OspVolume *volume, const double lps[3], double margin)
{
  for (int a = 0; a < 3; a++)
    for (int sign = -1; sign <= 1; sign += 2)
      {
        double q[3] = { lps[0], lps[1], lps[2] };

        q[a] += sign * margin;
        if (!osp_volume_sample_lps (volume, q, NULL))
          return FALSE;
      }
  return TRUE;
}

/* Each slice plane alone, seen face on (orthographic): every pixel over the volume shows the
 * grey the window gives the HU value there (the same voxels at the same place, whatever the
 * grid's orientation); the frame is in the plane's colour; an opaque model in front of the
 * plane hides it and one behind it is hidden; the plane shares the slice views' upload. */
static void
test_slices_in_3d (gconstpointer data)
{
  const Orientation *o = data;
  static const OspView views[OSP_SLICE_N_AXES] = {
    OSP_VIEW_SUPERIOR, OSP_VIEW_ANTERIOR, OSP_VIEW_LEFT,
  };
  /* Looking at the slice: the eye's side of each plane along its normal axis. */
  static const double towards_eye[OSP_SLICE_N_AXES] = { 1.0, -1.0, 1.0 };
  static const double center[3] = { 6.0, -4.0, 9.0 };
  const double window = 9000.0, level = 4500.0;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspSliceTextures) textures = NULL;
  g_autofree guint8 *rgba = g_malloc ((gsize) SIZE_3D * SIZE_3D * 4);
  g_autoptr(GError) error = NULL;
  OspSliceRenderer *slices;
  OspRenderer *renderer;

  if (!have_gl ())
    return;

  volume = make_gradient_volume (o->direction);
  textures = osp_slice_textures_new ();
  /* The slice views upload the CT… */
  slices = osp_slice_renderer_new (textures, &error);
  g_assert_no_error (error);
  osp_slice_renderer_set_volume (slices, volume);
  {
    OspSliceCamera view = { OSP_SLICE_AXIAL, { 0, 0, 0 }, 1.0, window, level };

    g_assert_true (osp_slice_renderer_draw_to_rgba (slices, &view, 64, 64, NULL, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (osp_slice_textures_get_n_uploads (textures), ==, 1);

  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_set_show_overlays (renderer, FALSE);
  osp_renderer_set_slice_textures (renderer, textures);

  for (int axis = 0; axis < OSP_SLICE_N_AXES; axis++)
    {
      int n = osp_slice_axis_normal_index (axis);
      double right[3], up[3], normal[3], lo[3], hi[3];
      OspCamera camera;
      OspBox box;
      guint n_checked = 0;
      int max_error = 0;
      float frame_rgb[3];

      osp_slice_axis_frame (axis, right, up, normal);
      /* Face on, the whole volume in the picture. */
      for (int a = 0; a < 3; a++)
        {
          osp_volume_get_lps_range (volume, a, &lo[a], &hi[a]);
          box.min[a] = (float) lo[a] - 5.0f;
          box.max[a] = (float) hi[a] + 5.0f;
        }
      osp_camera_init (&camera);
      osp_camera_set_viewport (&camera, SIZE_3D, SIZE_3D);
      osp_camera_set_projection (&camera, OSP_PROJECTION_ORTHOGRAPHIC);
      osp_camera_set_view (&camera, views[axis]);
      osp_camera_set_scene_bounds (&camera, &box);
      osp_camera_fit_box (&camera, &box);

      osp_renderer_set_slices (renderer, volume, center, window, level, 1u << axis);
      g_assert_true (osp_renderer_draw_to_rgba (renderer, &camera, SIZE_3D, SIZE_3D, rgba,
                                                &error));
      g_assert_no_error (error);

      /* A grid of points on the slice, 4 mm apart, inside the volume. */
      for (int u = -30; u <= 30; u++)
        for (int v = -30; v <= 30; v++)
          {
            double lps[3], hu;
            const guint8 *p;
            int expected;

            for (int c = 0; c < 3; c++)
              lps[c] = center[c] + 4.0 * (u * right[c] + v * up[c]);
            lps[n] = center[n];
            if (!well_inside (volume, lps, 3.0))
              continue;
            g_assert_true (osp_volume_sample_lps (volume, lps, &hu));
            expected = (int) lround (255.0 * CLAMP ((hu - (level - 0.5 * window)) / window,
                                                    0.0, 1.0));
            p = pixel_at (rgba, &camera, lps);
            max_error = MAX (max_error, abs ((int) p[0] - expected));
            if (abs ((int) p[0] - expected) > 1 || p[1] != p[0] || p[2] != p[0])
              g_error ("%s %s: (%.1f, %.1f, %.1f) shows (%d, %d, %d), expected grey %d "
                       "(%.0f HU)", o->name, osp_slice_axis_to_string (axis), lps[0], lps[1],
                       lps[2], p[0], p[1], p[2], expected, hu);
            n_checked++;
          }
      g_test_message ("%s %s: %u points on the plane match the voxels (largest difference "
                      "%d grey levels)", o->name, osp_slice_axis_to_string (axis), n_checked,
                      max_error);
      g_assert_cmpuint (n_checked, >, 40);

      /* The frame in the plane's colour where the rectangle ends along `right`: just inside
       * the box's edge (half a voxel beyond the outer voxel centre). */
      osp_renderer_get_slice_color (axis, frame_rgb);
      {
        double edge[3], ijk_lo = G_MAXDOUBLE, ijk_hi = -G_MAXDOUBLE;
        guint32 dims[3];
        gboolean found = FALSE;

        osp_volume_get_dims (volume, dims);
        for (int corner = 0; corner < 8; corner++)
          {
            double ijk[3], q[3], t = 0.0;

            for (int a = 0; a < 3; a++)
              ijk[a] = (corner & (1 << a)) ? dims[a] - 0.5 : -0.5;
            osp_volume_index_to_lps (volume, ijk, q);
            for (int c = 0; c < 3; c++)
              t += q[c] * right[c];
            ijk_lo = MIN (ijk_lo, t), ijk_hi = MAX (ijk_hi, t);
          }
        for (int c = 0; c < 3; c++)
          edge[c] = (c == n) ? center[c] : 0.5 * (lo[c] + hi[c]) * (1.0 - fabs (right[c]));
        for (int c = 0; c < 3; c++)
          edge[c] += ijk_hi * right[c];
        for (int step = 0; step < 6 && !found; step++)
          {
            double q[3];
            const guint8 *p;

            for (int c = 0; c < 3; c++)
              q[c] = edge[c] - 0.5 * step * osp_camera_get_mm_per_pixel (&camera) * right[c];
            p = pixel_at (rgba, &camera, q);
            found = abs ((int) p[0] - (int) lround (255 * frame_rgb[0])) < 40
                    && abs ((int) p[1] - (int) lround (255 * frame_rgb[1])) < 40
                    && abs ((int) p[2] - (int) lround (255 * frame_rgb[2])) < 40;
          }
        g_assert_true (found);
      }

      /* Depth: a blue cube 10 mm in front of the plane hides it; one 10 mm behind is hidden
       * by it (and shows without the plane). */
      {
        double front[3], back[3];
        float cf[3], cb[3];
        g_autoptr(OspMesh) cube_front = NULL;
        g_autoptr(OspMesh) cube_back = NULL;
        static const float blue[3] = { 0.1f, 0.2f, 1.0f };
        OspRenderModelId a, b;
        const guint8 *p;
        double hu;
        int expected;

        for (int c = 0; c < 3; c++)
          {
            front[c] = center[c] - 12.0 * right[c] + 10.0 * towards_eye[axis] * normal[c];
            back[c] = center[c] + 12.0 * right[c] - 10.0 * towards_eye[axis] * normal[c];
            cf[c] = (float) front[c], cb[c] = (float) back[c];
          }
        cube_front = make_cube (cf, 4.0f);
        cube_back = make_cube (cb, 4.0f);
        a = osp_renderer_add_model (renderer, cube_front);
        b = osp_renderer_add_model (renderer, cube_back);
        osp_renderer_set_model_color (renderer, a, blue);
        osp_renderer_set_model_color (renderer, b, blue);
        g_assert_true (osp_renderer_draw_to_rgba (renderer, &camera, SIZE_3D, SIZE_3D, rgba,
                                                  &error));
        p = pixel_at (rgba, &camera, front);
        g_assert_cmpint (p[2], >, p[0] + 60);   /* the cube in front */
        back[n] = center[n];
        g_assert_true (osp_volume_sample_lps (volume, back, &hu));
        expected = (int) lround (255.0 * CLAMP ((hu - (level - 0.5 * window)) / window, 0.0,
                                                1.0));
        p = pixel_at (rgba, &camera, back);
        g_assert_cmpint (abs ((int) p[0] - expected), <=, 3);   /* the plane over the cube */
        g_assert_cmpint (abs ((int) p[2] - expected), <=, 3);
        osp_renderer_set_slices (renderer, volume, center, window, level, 0);
        g_assert_true (osp_renderer_draw_to_rgba (renderer, &camera, SIZE_3D, SIZE_3D, rgba,
                                                  &error));
        p = pixel_at (rgba, &camera, back);
        g_assert_cmpint (p[2], >, p[0] + 60);   /* without the plane the cube shows */
        osp_renderer_remove_model (renderer, a);
        osp_renderer_remove_model (renderer, b);
      }
    }

  /* A plane through a point outside the volume is not drawn. */
  {
    double outside[3] = { center[0], center[1], 500.0 };
    OspCamera camera;
    OspBox box = { { -80, -80, -80 }, { 80, 80, 80 } };
    guint n_grey = 0;

    osp_camera_init (&camera);
    osp_camera_set_viewport (&camera, SIZE_3D, SIZE_3D);
    osp_camera_set_view (&camera, OSP_VIEW_SUPERIOR);
    osp_camera_fit_box (&camera, &box);
    osp_renderer_set_slices (renderer, volume, outside, window, level, 1u << OSP_SLICE_AXIAL);
    g_assert_true (osp_renderer_draw_to_rgba (renderer, &camera, SIZE_3D, SIZE_3D, rgba,
                                              &error));
    for (gsize i = 0; i < (gsize) SIZE_3D * SIZE_3D; i++)
      n_grey += rgba[4 * i] == rgba[4 * i + 2] && rgba[4 * i] > 40;
    g_assert_cmpuint (n_grey, ==, 0);
  }

  /* Every draw used the slice views' textures: still one upload. */
  g_assert_cmpuint (osp_slice_textures_get_n_uploads (textures), ==, 1);
  g_assert_no_error (error);
  osp_slice_textures_release_gl (textures);
  osp_renderer_free (renderer);
  osp_slice_renderer_free (slices);
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
  for (guint i = 0; i < G_N_ELEMENTS (orientations); i++)
    {
      g_autofree char *path = g_strdup_printf ("/slice/in-3d/%s", orientations[i].name);

      g_test_add_data_func (path, &orientations[i], test_slices_in_3d);
    }
  status = g_test_run ();
  osp_offscreen_free (offscreen);
  g_free (offscreen_error);
  return status;
}
