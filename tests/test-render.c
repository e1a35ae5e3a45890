/* test-render.c — offscreen rendering: golden pictures, visibility, opacity, section, picking
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renders with EGL without a display (llvmpipe here).  When no EGL context can be made the
 * tests skip with the reason.  Golden pictures live in tests/golden/; run with
 * OSP_UPDATE_GOLDEN=1 to rewrite them after an intended change (and look at them).
 */
#include "config.h"

#include <epoxy/gl.h>
#include <glib/gstdio.h>
#include <math.h>

#include "osp-offscreen.h"
#include "osp-phantom.h"
#include "osp-renderer.h"
#include "osp-segment.h"
#include "osp-test-common.h"

#define WIDTH  320
#define HEIGHT 200

/* A pixel differs when a channel differs by more than this; a picture matches when at most
 * MAX_DIFFERING of its pixels differ (drivers round edges and MSAA samples differently). */
#define PIXEL_THRESHOLD 40
#define MAX_DIFFERING   0.005

static OspOffscreen *offscreen;
static char         *offscreen_error;
static OspMesh      *phantom;

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

/* -- Scenes -------------------------------------------------------------------------------- */

static OspMesh *
phantom_mesh (void)
{
  if (phantom == NULL)
    {
      g_autoptr(GError) error = NULL;
      OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
      OspSegmentOptions segment = OSP_SEGMENT_OPTIONS_INIT;
      g_autoptr(OspVolume) volume = osp_phantom_generate (&options, NULL, NULL, &error);

      g_assert_no_error (error);
      phantom = osp_segment_volume (volume, &segment, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  return phantom;
}

static const float red[3] = { 0.9f, 0.1f, 0.1f };
static const float blue[3] = { 0.1f, 0.3f, 0.95f };

/* A ring round the z axis at the origin, a red sphere (r 20) at the patient's left
 * (x = +90) and a blue 30 × 20 × 40 box in front (−y) and above (+z). */
typedef struct
{
  OspRenderer     *renderer;
  OspMesh         *ring, *sphere, *box;
  OspRenderModelId ring_id, sphere_id, box_id;
} Scene;

static void
scene_init (Scene *scene, OspRenderer *renderer)
{
  mat4 m;

  scene->renderer = renderer;
  scene->ring = osp_test_make_torus (60, 15, 96, 32);
  scene->sphere = osp_test_make_sphere (20, 48, 24);
  scene->box = osp_test_make_box (30, 20, 40);
  scene->ring_id = osp_renderer_add_model (renderer, scene->ring);
  scene->sphere_id = osp_renderer_add_model (renderer, scene->sphere);
  scene->box_id = osp_renderer_add_model (renderer, scene->box);
  glm_translate_make (m, (vec3) { 90, 0, 0 });
  osp_renderer_set_model_transform (renderer, scene->sphere_id, (float *) m);
  glm_translate_make (m, (vec3) { -15, -90, 50 });
  osp_renderer_set_model_transform (renderer, scene->box_id, (float *) m);
  osp_renderer_set_model_color (renderer, scene->sphere_id, red);
  osp_renderer_set_model_color (renderer, scene->box_id, blue);
}

static void
scene_clear (Scene *scene)
{
  osp_renderer_clear (scene->renderer);
  g_clear_pointer (&scene->ring, osp_mesh_unref);
  g_clear_pointer (&scene->sphere, osp_mesh_unref);
  g_clear_pointer (&scene->box, osp_mesh_unref);
}

static void
fitted_camera (OspRenderer *renderer, OspView view, OspProjection projection,
               OspCamera *out_camera)
{
  OspBox bounds;

  osp_camera_init (out_camera);
  osp_camera_set_viewport (out_camera, WIDTH, HEIGHT);
  osp_camera_set_projection (out_camera, projection);
  osp_camera_set_view (out_camera, view);
  osp_renderer_get_bounds (renderer, &bounds);
  osp_camera_fit_box (out_camera, &bounds);
}

static guint8 *
render (OspRenderer *renderer, const OspCamera *camera)
{
  g_autoptr(GError) error = NULL;
  guint8 *rgba = g_malloc ((gsize) WIDTH * HEIGHT * 4);

  g_assert_true (osp_renderer_draw_to_rgba (renderer, camera, WIDTH, HEIGHT, rgba, &error));
  g_assert_no_error (error);
  return rgba;
}

/* Pixels whose colour is clearly of the hue given (reddish: r ≫ g, b; bluish: b ≫ r, g). */
typedef enum { HUE_RED, HUE_BLUE } Hue;

static guint
count_hue (const guint8 *rgba, Hue hue, double *out_cx, double *out_cy)
{
  guint n = 0;
  double sx = 0, sy = 0;

  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      {
        const guint8 *p = rgba + 4 * ((gsize) y * WIDTH + x);
        gboolean match = hue == HUE_RED ? p[0] > 60 && p[0] > 2 * p[1] && p[0] > 2 * p[2]
                                        : p[2] > 60 && p[2] > 2 * p[0] && p[2] > p[1] + 30;

        if (match)
          {
            n++;
            sx += x;
            sy += y;
          }
      }
  if (out_cx != NULL)
    *out_cx = n > 0 ? sx / n : -1;
  if (out_cy != NULL)
    *out_cy = n > 0 ? sy / n : -1;
  return n;
}

/* -- Golden pictures ----------------------------------------------------------------------- */

static char *
failure_dir (void)
{
  char *dir = g_test_build_filename (G_TEST_BUILT, "render-failures", NULL);

  g_mkdir_with_parents (dir, 0755);
  return dir;
}

static void
compare_golden (const guint8 *actual, const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *golden_path = g_test_build_filename (G_TEST_DIST, "golden", file, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *golden = NULL;
  g_autofree guint8 *diff = NULL;
  int w = 0, h = 0;
  guint n_diff = 0, max_diff = 0;

  if (g_getenv ("OSP_UPDATE_GOLDEN") != NULL)
    {
      g_assert_true (osp_png_save (golden_path, actual, WIDTH, HEIGHT, &error));
      g_assert_no_error (error);
      g_test_message ("wrote %s", golden_path);
      return;
    }
  golden = osp_png_load (golden_path, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, WIDTH);
  g_assert_cmpint (h, ==, HEIGHT);

  diff = g_malloc ((gsize) WIDTH * HEIGHT * 4);
  for (gsize i = 0; i < (gsize) WIDTH * HEIGHT; i++)
    {
      guint d = 0;

      for (int k = 0; k < 3; k++)
        d = MAX (d, (guint) ABS ((int) actual[4 * i + k] - (int) golden[4 * i + k]));
      max_diff = MAX (max_diff, d);
      if (d > PIXEL_THRESHOLD)
        n_diff++;
      /* Differing pixels red, others the golden picture faded. */
      diff[4 * i + 0] = d > PIXEL_THRESHOLD ? 255 : golden[4 * i + 0] / 4;
      diff[4 * i + 1] = d > PIXEL_THRESHOLD ? 0 : golden[4 * i + 1] / 4;
      diff[4 * i + 2] = d > PIXEL_THRESHOLD ? 0 : golden[4 * i + 2] / 4;
      diff[4 * i + 3] = 255;
    }
  g_test_message ("%s: %u pixels differ by more than %d (largest difference %u)", name, n_diff,
                  PIXEL_THRESHOLD, max_diff);
  if (n_diff > MAX_DIFFERING * WIDTH * HEIGHT)
    {
      g_autofree char *dir = failure_dir ();
      g_autofree char *actual_file = g_strdup_printf ("%s-actual.png", name);
      g_autofree char *diff_file = g_strdup_printf ("%s-diff.png", name);
      g_autofree char *actual_path = g_build_filename (dir, actual_file, NULL);
      g_autofree char *diff_path = g_build_filename (dir, diff_file, NULL);

      g_assert_true (osp_png_save (actual_path, actual, WIDTH, HEIGHT, NULL));
      g_assert_true (osp_png_save (diff_path, diff, WIDTH, HEIGHT, NULL));
      g_test_fail_printf ("%s differs from %s in %u pixels (of %d allowed); the picture is %s, "
                          "the difference %s", name, golden_path, n_diff,
                          (int) (MAX_DIFFERING * WIDTH * HEIGHT), actual_path, diff_path);
    }
}

static void
test_golden_view (gconstpointer data)
{
  OspView view = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  g_autofree guint8 *rgba = NULL;
  g_autofree char *name = NULL;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_add_model (renderer, phantom_mesh ());
  /* Orthographic, as surgeons measure. */
  fitted_camera (renderer, view, OSP_PROJECTION_ORTHOGRAPHIC, &camera);
  rgba = render (renderer, &camera);
  name = g_strdup_printf ("phantom-%s", osp_view_get_name (view));
  compare_golden (rgba, name);
  osp_renderer_free (renderer);
}

/* One picture with every feature on: wireframe, transparency, section with caps, perspective. */
static void
test_golden_features (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  Scene scene;
  g_autofree guint8 *rgba = NULL;
  /* Through the sphere's centre and the ring's tube, facing the patient's left. */
  const OspPlane plane = { { 1, 0, 0 }, 60 };

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  scene_init (&scene, renderer);
  fitted_camera (renderer, OSP_VIEW_ANTERIOR, OSP_PROJECTION_PERSPECTIVE, &camera);
  osp_camera_orbit (&camera, 160, 100, 70, 60);
  osp_renderer_set_section (renderer, &plane);
  osp_renderer_set_model_opacity (renderer, scene.box_id, 0.5f);
  osp_renderer_set_wireframe (renderer, TRUE);
  rgba = render (renderer, &camera);
  compare_golden (rgba, "features");
  scene_clear (&scene);
  osp_renderer_free (renderer);
}

/* -- Behaviour ----------------------------------------------------------------------------- */

/* Where things land, without golden pictures: the patient's left on the right from the
 * front, the anterior box on the left from the left, and so on. */
static void
test_orientation (void)
{
  static const struct
  {
    OspView view;
    int     sphere_side;  /* −1 left half, +1 right half, 0 middle */
    int     box_side;
  } cases[] = {
    { OSP_VIEW_ANTERIOR, +1, 0 },
    { OSP_VIEW_POSTERIOR, -1, 0 },
    { OSP_VIEW_LEFT, 0, -1 },
    { OSP_VIEW_RIGHT, 0, +1 },
    { OSP_VIEW_SUPERIOR, -1, 0 },
    { OSP_VIEW_INFERIOR, +1, 0 },
  };
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  Scene scene;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_set_show_overlays (renderer, FALSE);
  scene_init (&scene, renderer);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      OspCamera camera;
      g_autofree guint8 *rgba = NULL;
      double sx, sy, bx, by, x0;

      fitted_camera (renderer, cases[i].view, OSP_PROJECTION_ORTHOGRAPHIC, &camera);
      rgba = render (renderer, &camera);
      /* The ring's centre (the origin) is the reference. */
      {
        vec3 origin_px;

        g_assert_true (osp_camera_project (&camera, (float[3]) { 0, 0, 0 }, origin_px));
        x0 = origin_px[0];
      }
      g_assert_cmpuint (count_hue (rgba, HUE_RED, &sx, &sy), >, 20);
      g_assert_cmpuint (count_hue (rgba, HUE_BLUE, &bx, &by), >, 20);
      if (cases[i].sphere_side != 0)
        g_assert_cmpfloat ((sx - x0) * cases[i].sphere_side, >, 20);
      else
        g_assert_cmpfloat (fabs (sx - x0), <, 3);
      if (cases[i].box_side != 0)
        g_assert_cmpfloat ((bx - x0) * cases[i].box_side, >, 20);
      else
        g_assert_cmpfloat (fabs (bx - x0), <, 3);
      /* The box is superior: above the ring in the four side views. */
      if (cases[i].view <= OSP_VIEW_RIGHT)
        g_assert_cmpfloat (by, <, HEIGHT / 2.0);
    }
  scene_clear (&scene);
  osp_renderer_free (renderer);
}

static void
test_visibility_and_opacity (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  Scene scene;
  g_autofree guint8 *shown = NULL, *hidden = NULL, *faded = NULL;
  guint n_shown, n_hidden, n_faded, n_changed = 0;
  double cx, cy;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_set_show_overlays (renderer, FALSE);  /* the marker has a red axis */
  scene_init (&scene, renderer);
  fitted_camera (renderer, OSP_VIEW_ANTERIOR, OSP_PROJECTION_ORTHOGRAPHIC, &camera);
  shown = render (renderer, &camera);
  n_shown = count_hue (shown, HUE_RED, &cx, &cy);

  osp_renderer_set_model_visible (renderer, scene.sphere_id, FALSE);
  hidden = render (renderer, &camera);
  n_hidden = count_hue (hidden, HUE_RED, NULL, NULL);
  /* The sphere is 40 mm across: about π r² pixels at this scale. */
  {
    double r_px = 20.0 / osp_camera_get_mm_per_pixel (&camera);

    g_assert_cmpfloat (n_shown, >, 0.8 * G_PI * r_px * r_px);
    g_assert_cmpfloat (n_shown, <, 1.2 * G_PI * r_px * r_px);
  }
  g_assert_cmpuint (n_hidden, ==, 0);
  /* Only the sphere's pixels changed. */
  for (gsize i = 0; i < (gsize) WIDTH * HEIGHT; i++)
    if (memcmp (shown + 4 * i, hidden + 4 * i, 3) != 0)
      n_changed++;
  g_assert_cmpuint (n_changed, >=, n_shown);
  g_assert_cmpfloat (n_changed, <, 1.3 * n_shown);

  /* Half opaque: the sphere's centre lies between its colour and the background, clearly
   * apart from both (its back half shows through its front). */
  osp_renderer_set_model_visible (renderer, scene.sphere_id, TRUE);
  osp_renderer_set_model_opacity (renderer, scene.sphere_id, 0.5f);
  faded = render (renderer, &camera);
  n_faded = count_hue (faded, HUE_RED, NULL, NULL);
  g_assert_cmpuint (n_faded, >, 0);
  {
    gsize i = 4 * ((gsize) lround (cy) * WIDTH + (gsize) lround (cx));
    int lo = MIN (shown[i], hidden[i]), hi = MAX (shown[i], hidden[i]);

    g_assert_cmpint (hi - lo, >, 100);
    g_assert_cmpint (faded[i], >, lo + (hi - lo) / 5);
    g_assert_cmpint (faded[i], <, hi - (hi - lo) / 5);
  }
  osp_renderer_set_model_opacity (renderer, scene.sphere_id, 0.0f);
  g_free (faded);
  faded = render (renderer, &camera);
  g_assert_cmpmem (faded, (gsize) WIDTH * HEIGHT * 4, hidden, (gsize) WIDTH * HEIGHT * 4);
  scene_clear (&scene);
  osp_renderer_free (renderer);
}

static void
test_section_and_cap (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  Scene scene;
  g_autofree guint8 *rgba = NULL, *removed = NULL;
  /* Cuts the front half of the sphere away (y < 0 removed: the normal points to −y). */
  const OspPlane front = { { 0, -1, 0 }, 0 };
  /* Removes everything at x > 40: the whole sphere. */
  const OspPlane left = { { 1, 0, 0 }, 40 };
  OspPickResult pick;
  vec3 centre_px;
  gsize i;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_set_show_overlays (renderer, FALSE);
  scene_init (&scene, renderer);
  fitted_camera (renderer, OSP_VIEW_ANTERIOR, OSP_PROJECTION_ORTHOGRAPHIC, &camera);

  osp_renderer_set_section (renderer, &left);
  removed = render (renderer, &camera);
  g_assert_cmpuint (count_hue (removed, HUE_RED, NULL, NULL), ==, 0);

  /* From the front, the sphere's cut face is a filled disc in the darker cap colour. */
  osp_renderer_set_section (renderer, &front);
  rgba = render (renderer, &camera);
  g_assert_true (osp_camera_project (&camera, (float[3]) { 90, 0, 0 }, centre_px));
  i = 4 * ((gsize) centre_px[1] * WIDTH + (gsize) centre_px[0]);
  g_assert_cmpint (rgba[i], >, 100);
  g_assert_cmpint (rgba[i], >, 3 * rgba[i + 1]);
  /* The box (in front) is gone entirely. */
  g_assert_cmpuint (count_hue (rgba, HUE_BLUE, NULL, NULL), ==, 0);

  /* Picking meets the cut face on the plane. */
  g_assert_true (osp_renderer_pick (renderer, &camera, centre_px[0], centre_px[1], &pick));
  g_assert_cmpuint (pick.model, ==, scene.sphere_id);
  g_assert_cmpuint (pick.triangle, ==, G_MAXUINT32);
  g_assert_cmpfloat_with_epsilon (pick.position[1], 0.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (pick.position[0], 90.0, 1.0);

  scene_clear (&scene);
  osp_renderer_free (renderer);
}

/* A mirroring transform (as the mirror tool makes) keeps the outside outside: the sphere
 * mirrored to the right looks as it did on the left. */
static void
test_mirrored_model (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  Scene scene;
  g_autofree guint8 *before = NULL, *after = NULL;
  vec3 left_px, right_px;
  mat4 m;
  gsize a, b;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_set_show_overlays (renderer, FALSE);
  scene_init (&scene, renderer);
  /* A fixed frame wide enough for both positions. */
  osp_camera_init (&camera);
  osp_camera_set_viewport (&camera, WIDTH, HEIGHT);
  osp_camera_set_projection (&camera, OSP_PROJECTION_ORTHOGRAPHIC);
  osp_camera_fit_box (&camera, &(OspBox) { { -120, -100, -30 }, { 120, 100, 100 } });
  before = render (renderer, &camera);
  glm_mat4_identity (m);
  glm_scale (m, (vec3) { -1, 1, 1 });
  glm_translate (m, (vec3) { 90, 0, 0 });
  osp_renderer_set_model_transform (renderer, scene.sphere_id, (float *) m);
  after = render (renderer, &camera);
  g_assert_true (osp_camera_project (&camera, (float[3]) { 90, -5, 5 }, left_px));
  g_assert_true (osp_camera_project (&camera, (float[3]) { -90, -5, 5 }, right_px));
  a = 4 * ((gsize) left_px[1] * WIDTH + (gsize) left_px[0]);
  b = 4 * ((gsize) right_px[1] * WIDTH + (gsize) right_px[0]);
  g_assert_cmpint (before[a], >, 120);
  for (int k = 0; k < 3; k++)
    g_assert_cmpint (ABS ((int) before[a + k] - (int) after[b + k]), <=, 12);
  scene_clear (&scene);
  osp_renderer_free (renderer);
}

static void
test_pick (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  Scene scene;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  scene_init (&scene, renderer);
  /* A tree built elsewhere is taken for its own mesh only. */
  {
    g_autoptr(OspBvh) bvh = osp_bvh_new (scene.box);
    g_autoptr(OspBvh) wrong = osp_bvh_new (scene.ring);

    osp_renderer_set_model_bvh (renderer, scene.box_id, bvh);
    osp_renderer_set_model_bvh (renderer, scene.sphere_id, wrong);
  }
  for (int proj = 0; proj < 2; proj++)
    {
      OspCamera camera;
      OspPickResult pick;
      vec3 px;
      /* The middle of the box's front face (y = −90) and the sphere's front pole. */
      const float box_front[3] = { 0, -90, 70 }, sphere_front[3] = { 90, -20, 0 };

      fitted_camera (renderer, OSP_VIEW_ANTERIOR, proj, &camera);
      g_assert_true (osp_camera_project (&camera, box_front, px));
      g_assert_true (osp_renderer_pick (renderer, &camera, px[0], px[1], &pick));
      g_assert_cmpuint (pick.model, ==, scene.box_id);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat_with_epsilon (pick.position[k], box_front[k], 1e-2);

      g_assert_true (osp_camera_project (&camera, sphere_front, px));
      g_assert_true (osp_renderer_pick (renderer, &camera, px[0], px[1], &pick));
      g_assert_cmpuint (pick.model, ==, scene.sphere_id);
      /* The polygonal sphere's pole is within 0.1 mm of the round one. */
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat_with_epsilon (pick.position[k], sphere_front[k], 0.1);

      /* A hidden model lets the ray through; the sky hits nothing. */
      osp_renderer_set_model_visible (renderer, scene.sphere_id, FALSE);
      g_assert_false (osp_renderer_pick (renderer, &camera, px[0], px[1], &pick));
      osp_renderer_set_model_visible (renderer, scene.sphere_id, TRUE);
      g_assert_false (osp_renderer_pick (renderer, &camera, 1, 1, &pick));
    }
  scene_clear (&scene);
  osp_renderer_free (renderer);
}

static void
test_uploads (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  OspRenderStats stats;
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 64, 32);
  g_autoptr(OspMesh) other = osp_test_make_sphere (10, 32, 16);
  OspRenderModelId id;
  g_autofree guint8 *a = NULL, *b = NULL;
  double per_triangle;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  id = osp_renderer_add_model (renderer, sphere);
  fitted_camera (renderer, OSP_VIEW_ANTERIOR, OSP_PROJECTION_PERSPECTIVE, &camera);
  a = render (renderer, &camera);
  g_free (render (renderer, &camera));
  osp_renderer_set_model_mesh (renderer, id, sphere);
  osp_renderer_set_model_color (renderer, id, red);
  b = render (renderer, &camera);
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.n_uploads, ==, 1);
  g_assert_cmpuint (stats.n_triangles, ==, osp_mesh_get_n_triangles (sphere));
  per_triangle = (double) stats.gpu_bytes / stats.n_triangles;
  g_test_message ("GPU memory: %.2f bytes per triangle", per_triangle);
  g_assert_cmpfloat (per_triangle, <=, 24.0);
  g_assert_true (memcmp (a, b, (gsize) WIDTH * HEIGHT * 4) != 0);

  osp_renderer_set_model_mesh (renderer, id, other);
  g_free (render (renderer, &camera));
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.n_uploads, ==, 2);
  g_assert_cmpuint (stats.n_triangles, ==, osp_mesh_get_n_triangles (other));

  osp_renderer_remove_model (renderer, id);
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.gpu_bytes, ==, 0);
  g_assert_cmpuint (osp_renderer_get_n_models (renderer), ==, 0);
  /* An empty scene draws the background and overlays. */
  g_free (render (renderer, &camera));
  osp_renderer_free (renderer);
}

/* A big mesh seen small is drawn at its coarse level, which looks nearly the same; the full
 * level comes back with the section plane, and when levels are off. */
static void
test_level_of_detail (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (40, 512, 256);
  OspRenderer *renderer;
  OspCamera camera;
  OspRenderStats stats;
  OspRenderModelId id;
  g_autofree guint8 *coarse = NULL, *full = NULL;
  const OspPlane plane = { { 0, 1, 0 }, 100 };  /* cuts nothing away */
  guint n_diff = 0;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  id = osp_renderer_add_model (renderer, sphere);
  osp_renderer_set_model_color (renderer, id, red);
  fitted_camera (renderer, OSP_VIEW_ANTERIOR, OSP_PROJECTION_PERSPECTIVE, &camera);

  osp_renderer_set_lod (renderer, TRUE);
  g_assert_true (osp_renderer_get_lod (renderer));
  coarse = render (renderer, &camera);
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.n_lod_models, ==, 1);
  g_assert_cmpuint (stats.n_drawn_triangles, <, osp_mesh_get_n_triangles (sphere) / 2);
  g_test_message ("GPU memory with the coarse level: %.2f bytes per triangle",
                  (double) stats.gpu_bytes / stats.n_triangles);
  g_assert_cmpfloat ((double) stats.gpu_bytes / stats.n_triangles, <=, 24.0);

  osp_renderer_set_section (renderer, &plane);
  g_free (render (renderer, &camera));
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.n_lod_models, ==, 0);
  osp_renderer_set_section (renderer, NULL);

  /* While the view moves the coarse level is drawn without multisampling: the same view, but
   * the edges lose their blended pixels; the section plane still wins. */
  {
    g_autofree guint8 *moving = NULL;
    guint n_edge = 0;

    osp_renderer_set_moving (renderer, TRUE);
    g_assert_true (osp_renderer_get_moving (renderer));
    moving = render (renderer, &camera);
    osp_renderer_get_stats (renderer, &stats);
    g_assert_cmpuint (stats.n_lod_models, ==, 1);
    for (gsize i = 0; i < (gsize) WIDTH * HEIGHT * 4; i++)
      n_edge += moving[i] != coarse[i];
    g_assert_cmpuint (n_edge, >, 0);
    osp_renderer_set_section (renderer, &plane);
    g_free (render (renderer, &camera));
    osp_renderer_get_stats (renderer, &stats);
    g_assert_cmpuint (stats.n_lod_models, ==, 0);
    osp_renderer_set_section (renderer, NULL);
    osp_renderer_set_moving (renderer, FALSE);
    g_assert_false (osp_renderer_get_moving (renderer));
  }

  osp_renderer_set_lod (renderer, FALSE);
  full = render (renderer, &camera);
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.n_lod_models, ==, 0);
  g_assert_cmpuint (stats.n_drawn_triangles, ==, osp_mesh_get_n_triangles (sphere));
  g_assert_cmpuint (stats.n_uploads, ==, 1);
  for (gsize i = 0; i < (gsize) WIDTH * HEIGHT; i++)
    for (int k = 0; k < 3; k++)
      if (ABS ((int) coarse[4 * i + k] - (int) full[4 * i + k]) > 40)
        {
          n_diff++;
          break;
        }
  g_test_message ("coarse and full levels differ in %u pixels", n_diff);
  g_assert_cmpuint (n_diff, <, WIDTH * HEIGHT / 100);
  osp_renderer_free (renderer);
}

/* Per-vertex colours: a sphere red on the patient's right (x < 0) and blue on the left shows
 * red on the screen's left and blue on its right from the front; clearing brings the model
 * colour back; the colour buffer costs nothing when unused. */
static void
test_vertex_colors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (40, 64, 32);
  guint32 nv = osp_mesh_get_n_vertices (sphere);
  g_autofree guint8 *rgb = g_new (guint8, 3 * (gsize) nv);
  const float *p = osp_mesh_get_positions (sphere);
  static const float grey[3] = { 0.6f, 0.6f, 0.6f };
  OspRenderer *renderer;
  OspCamera camera;
  OspRenderStats plain, colored;
  OspRenderModelId id;
  g_autofree guint8 *painted = NULL, *cleared = NULL;
  double rx, ry, bx, by;

  if (!have_gl ())
    return;
  for (guint32 v = 0; v < nv; v++)
    {
      gboolean right = p[3 * v] < 0;

      rgb[3 * v] = right ? 230 : 20;
      rgb[3 * v + 1] = right ? 20 : 60;
      rgb[3 * v + 2] = right ? 20 : 240;
    }
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_set_show_overlays (renderer, FALSE);
  id = osp_renderer_add_model (renderer, sphere);
  osp_renderer_set_model_color (renderer, id, grey);
  fitted_camera (renderer, OSP_VIEW_ANTERIOR, OSP_PROJECTION_ORTHOGRAPHIC, &camera);
  g_free (render (renderer, &camera));
  osp_renderer_get_stats (renderer, &plain);

  osp_renderer_set_model_vertex_colors (renderer, id, rgb, nv);
  painted = render (renderer, &camera);
  osp_renderer_get_stats (renderer, &colored);
  g_assert_cmpuint (colored.gpu_bytes, ==, plain.gpu_bytes + 4 * (guint64) nv);
  g_assert_cmpuint (colored.n_uploads, ==, 1);  /* the mesh itself stays */
  g_assert_cmpuint (count_hue (painted, HUE_RED, &rx, &ry), >, 2000);
  g_assert_cmpuint (count_hue (painted, HUE_BLUE, &bx, &by), >, 2000);
  g_assert_cmpfloat (rx, <, WIDTH / 2.0 - 10);
  g_assert_cmpfloat (bx, >, WIDTH / 2.0 + 10);

  osp_renderer_set_model_vertex_colors (renderer, id, NULL, 0);
  cleared = render (renderer, &camera);
  g_assert_cmpuint (count_hue (cleared, HUE_RED, NULL, NULL), ==, 0);
  g_assert_cmpuint (count_hue (cleared, HUE_BLUE, NULL, NULL), ==, 0);
  osp_renderer_get_stats (renderer, &colored);
  g_assert_cmpuint (colored.gpu_bytes, ==, plain.gpu_bytes);
  osp_renderer_free (renderer);
}

static gpointer
prepare_thread (gpointer data)
{
  return osp_render_mesh_prepare (data, NULL, NULL);
}

/* Preparing in another thread gives the same picture, with the upload still counted once. */
static void
test_prepared_upload (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (40, 512, 256);  /* has a coarse level */
  g_autoptr(OspRenderMesh) prepared = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  OspRenderStats stats;
  OspRenderModelId id;
  g_autofree guint8 *a = NULL, *b = NULL;

  if (!have_gl ())
    return;
  prepared = g_thread_join (g_thread_new ("prepare", prepare_thread, sphere));
  g_assert_nonnull (prepared);
  g_assert_true (osp_render_mesh_get_mesh (prepared) == sphere);

  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  id = osp_renderer_add_model (renderer, sphere);
  fitted_camera (renderer, OSP_VIEW_LEFT, OSP_PROJECTION_PERSPECTIVE, &camera);
  osp_renderer_set_model_prepared (renderer, id, prepared);
  a = render (renderer, &camera);
  osp_renderer_get_stats (renderer, &stats);
  g_assert_cmpuint (stats.n_uploads, ==, 1);
  osp_renderer_free (renderer);

  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  osp_renderer_add_model (renderer, sphere);
  b = render (renderer, &camera);
  g_assert_cmpmem (a, (gsize) WIDTH * HEIGHT * 4, b, (gsize) WIDTH * HEIGHT * 4);
  osp_renderer_free (renderer);

  /* Cancelled before it starts: nothing. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    g_assert_null (osp_render_mesh_prepare (sphere, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* A GtkGLArea's framebuffer may have another format than ours (16-bit float here): the
 * multisampled picture must still arrive, the same as in our own. */
static void
test_foreign_target (void)
{
  g_autoptr(GError) error = NULL;
  OspRenderer *renderer;
  OspCamera camera;
  Scene scene;
  g_autofree guint8 *ours = NULL;
  g_autofree guint8 *theirs = g_malloc ((gsize) WIDTH * HEIGHT * 4);
  GLuint fbo, color;
  guint n_off = 0;

  if (!have_gl ())
    return;
  renderer = osp_renderer_new (&error);
  g_assert_no_error (error);
  scene_init (&scene, renderer);
  fitted_camera (renderer, OSP_VIEW_SUPERIOR, OSP_PROJECTION_PERSPECTIVE, &camera);
  ours = render (renderer, &camera);

  glGenFramebuffers (1, &fbo);
  glGenRenderbuffers (1, &color);
  glBindRenderbuffer (GL_RENDERBUFFER, color);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA16F, WIDTH, HEIGHT);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color);
  g_assert_cmpint (glCheckFramebufferStatus (GL_FRAMEBUFFER), ==, GL_FRAMEBUFFER_COMPLETE);
  g_assert_true (osp_renderer_draw (renderer, &camera, WIDTH, HEIGHT, &error));
  g_assert_no_error (error);
  /* The caller's binding is restored. */
  {
    GLint bound = 0;

    glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &bound);
    g_assert_cmpint (bound, ==, (GLint) fbo);
  }
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, WIDTH, HEIGHT, GL_RGBA, GL_UNSIGNED_BYTE, theirs);
  g_assert_cmpint (glGetError (), ==, GL_NO_ERROR);
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      for (int k = 0; k < 3; k++)
        if (ABS ((int) ours[4 * ((gsize) y * WIDTH + x) + k] -
                 (int) theirs[4 * ((gsize) (HEIGHT - 1 - y) * WIDTH + x) + k]) > 2)
          n_off++;
  g_assert_cmpuint (n_off, ==, 0);
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers (1, &fbo);
  glDeleteRenderbuffers (1, &color);
  scene_clear (&scene);
  osp_renderer_free (renderer);
}

static void
test_png (void)
{
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "t.png", NULL);
  g_autofree char *bad = g_build_filename (osp_test_tmpdir (), "bad.png", NULL);
  g_autoptr(GError) error = NULL;
  guint8 pixels[3 * 2 * 4];
  g_autofree guint8 *back = NULL;
  int w, h;

  for (guint i = 0; i < sizeof pixels; i++)
    pixels[i] = (guint8) (i * 37);
  g_assert_true (osp_png_save (path, pixels, 3, 2, &error));
  g_assert_no_error (error);
  back = osp_png_load (path, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, 3);
  g_assert_cmpint (h, ==, 2);
  g_assert_cmpmem (back, sizeof pixels, pixels, sizeof pixels);

  g_assert_true (g_file_set_contents (bad, "\x89PNG\r\n\x1a\nnot really", -1, NULL));
  g_assert_null (osp_png_load (bad, &w, &h, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "bad.png"));
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

  for (int v = 0; v < OSP_N_VIEWS; v++)
    {
      g_autofree char *path = g_strdup_printf ("/render/golden/phantom-%s",
                                               osp_view_get_name (v));

      g_test_add_data_func (path, GINT_TO_POINTER (v), test_golden_view);
    }
  g_test_add_func ("/render/golden/features", test_golden_features);
  g_test_add_func ("/render/orientation", test_orientation);
  g_test_add_func ("/render/visibility-and-opacity", test_visibility_and_opacity);
  g_test_add_func ("/render/section", test_section_and_cap);
  g_test_add_func ("/render/pick", test_pick);
  g_test_add_func ("/render/mirrored-model", test_mirrored_model);
  g_test_add_func ("/render/uploads", test_uploads);
  g_test_add_func ("/render/foreign-target", test_foreign_target);
  g_test_add_func ("/render/level-of-detail", test_level_of_detail);
  g_test_add_func ("/render/vertex-colors", test_vertex_colors);
  g_test_add_func ("/render/prepared-upload", test_prepared_upload);
  g_test_add_func ("/render/png", test_png);

  status = g_test_run ();
  g_clear_pointer (&phantom, osp_mesh_unref);
  osp_offscreen_free (offscreen);
  g_free (offscreen_error);
  return status;
}
