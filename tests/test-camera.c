/* test-camera.c — camera maths: anatomical views, orbit, pan, zoom, fit, rays
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No OpenGL: the camera is pure maths.
 */
#include "config.h"

#include <math.h>

#include "osp-camera.h"

/* Where the patient's axes land on the screen in each view: the world axis (±1 = ±x, ±2 =
 * ±y, ±3 = ±z, LPS) that points to screen right, screen up and towards the viewer. */
typedef struct
{
  OspView     view;
  const char *name;
  int         right, up, towards;
} ViewCase;

static const ViewCase view_cases[] = {
  /* In front of the patient: the patient's left (+x) on the right, head (+z) up. */
  { OSP_VIEW_ANTERIOR, "anterior", +1, +3, -2 },
  { OSP_VIEW_POSTERIOR, "posterior", -1, +3, +2 },
  /* At the patient's left: the face (−y, anterior) on the screen's left. */
  { OSP_VIEW_LEFT, "left", +2, +3, +1 },
  { OSP_VIEW_RIGHT, "right", -2, +3, -1 },
  /* From above and below, anterior up; from below the patient's left is on the right. */
  { OSP_VIEW_SUPERIOR, "superior", -1, -2, +3 },
  { OSP_VIEW_INFERIOR, "inferior", +1, -2, -3 },
};

static void
axis_vector (int axis, float *out)
{
  out[0] = out[1] = out[2] = 0;
  out[ABS (axis) - 1] = axis > 0 ? 1.0f : -1.0f;
}

static void
make_camera (OspCamera *camera, OspProjection projection)
{
  const OspBox box = { { -100, -80, -60 }, { 100, 80, 60 } };

  osp_camera_init (camera);
  osp_camera_set_viewport (camera, 800, 500);
  osp_camera_set_projection (camera, projection);
  osp_camera_set_scene_bounds (camera, &box);
  osp_camera_fit_box (camera, &box);
}

static void
test_views (gconstpointer data)
{
  const ViewCase *tc = data;
  OspView parsed;

  g_assert_cmpstr (osp_view_get_name (tc->view), ==, tc->name);
  g_assert_true (osp_view_from_name (tc->name, &parsed));
  g_assert_cmpint (parsed, ==, tc->view);

  for (int proj = 0; proj < 2; proj++)
    {
      OspCamera camera;
      vec3 centre, px, eye;
      float r[3], u[3], t[3], p[3];
      mat4 view;
      vec4 e;

      make_camera (&camera, proj);
      osp_camera_set_view (&camera, tc->view);
      g_assert_true (osp_camera_project (&camera, camera.target, centre));
      g_assert_cmpfloat_with_epsilon (centre[0], 400, 1e-3);
      g_assert_cmpfloat_with_epsilon (centre[1], 250, 1e-3);

      axis_vector (tc->right, r);
      axis_vector (tc->up, u);
      axis_vector (tc->towards, t);
      /* 50 mm to the screen's right: x grows, y stays. */
      for (int k = 0; k < 3; k++)
        p[k] = camera.target[k] + 50 * r[k];
      g_assert_true (osp_camera_project (&camera, p, px));
      g_assert_cmpfloat (px[0], >, centre[0] + 10);
      g_assert_cmpfloat_with_epsilon (px[1], centre[1], 1e-3);
      /* 50 mm up: pixel y shrinks (y runs down). */
      for (int k = 0; k < 3; k++)
        p[k] = camera.target[k] + 50 * u[k];
      g_assert_true (osp_camera_project (&camera, p, px));
      g_assert_cmpfloat (px[1], <, centre[1] - 10);
      g_assert_cmpfloat_with_epsilon (px[0], centre[0], 1e-3);
      /* Towards the viewer: nearer in depth. */
      for (int k = 0; k < 3; k++)
        p[k] = camera.target[k] + 50 * t[k];
      g_assert_true (osp_camera_project (&camera, p, px));
      g_assert_cmpfloat (px[2], <, centre[2]);

      /* The eye sits on the viewer's side; the view matrix maps it to the origin. */
      osp_camera_get_eye (&camera, eye);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat_with_epsilon (eye[k], camera.target[k] + camera.distance * t[k],
                                        1e-3);
      osp_camera_get_view_matrix (&camera, view);
      glm_mat4_mulv (view, (vec4) { eye[0], eye[1], eye[2], 1 }, e);
      g_assert_cmpfloat_with_epsilon (glm_vec3_norm (e), 0, 1e-3);
    }
}

/* The six views are six different, right-handed orientations. */
static void
test_views_distinct (void)
{
  for (int a = 0; a < OSP_N_VIEWS; a++)
    {
      versor qa;

      osp_view_get_orientation (a, qa);
      g_assert_cmpfloat_with_epsilon (glm_quat_norm (qa), 1.0, 1e-6);
      for (int b = a + 1; b < OSP_N_VIEWS; b++)
        {
          versor qb;

          osp_view_get_orientation (b, qb);
          g_assert_cmpfloat (fabsf (glm_quat_dot (qa, qb)), <, 0.99f);
        }
    }
}

static void
test_orbit_keeps_distance (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  OspCamera camera;

  make_camera (&camera, OSP_PROJECTION_PERSPECTIVE);
  for (int i = 0; i < 500; i++)
    {
      vec3 eye, target;
      double x0 = g_rand_double_range (rand, -100, 900), y0 = g_rand_double_range (rand, -50, 550);
      double x1 = g_rand_double_range (rand, -100, 900), y1 = g_rand_double_range (rand, -50, 550);

      glm_vec3_copy (camera.target, target);
      osp_camera_orbit (&camera, x0, y0, x1, y1);
      osp_camera_get_eye (&camera, eye);
      g_assert_cmpfloat_with_epsilon (glm_vec3_distance (eye, camera.target), camera.distance,
                                      camera.distance * 1e-5);
      g_assert_cmpfloat (glm_vec3_distance (target, camera.target), ==, 0);
      g_assert_cmpfloat_with_epsilon (glm_quat_norm (camera.orientation), 1.0, 1e-5);
    }
}

/* Dragging right turns the front of the scene right; a drag and its reverse cancel. */
static void
test_orbit_direction (void)
{
  OspCamera camera, start;
  vec3 towards, front, before, after;

  make_camera (&camera, OSP_PROJECTION_PERSPECTIVE);
  start = camera;
  osp_camera_get_eye (&camera, towards);
  glm_vec3_sub (towards, camera.target, towards);
  glm_vec3_normalize (towards);
  glm_vec3_copy (camera.target, front);
  glm_vec3_muladds (towards, 50, front);
  g_assert_true (osp_camera_project (&camera, front, before));
  osp_camera_orbit (&camera, 400, 250, 460, 250);
  g_assert_true (osp_camera_project (&camera, front, after));
  g_assert_cmpfloat (after[0], >, before[0] + 5);
  g_assert_cmpfloat_with_epsilon (after[1], before[1], 1e-2);

  osp_camera_orbit (&camera, 460, 250, 400, 250);
  g_assert_cmpfloat_with_epsilon (fabsf (glm_quat_dot (camera.orientation, start.orientation)),
                                  1.0, 1e-6);
  /* No gimbal lock: straight over the pole and on. */
  for (int i = 0; i < 40; i++)
    osp_camera_orbit (&camera, 400, 200, 400, 300);
  g_assert_cmpfloat_with_epsilon (glm_quat_norm (camera.orientation), 1.0, 1e-5);
}

static void
test_zoom_keeps_cursor_point (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);

  for (int proj = 0; proj < 2; proj++)
    {
      OspCamera camera;

      for (int i = 0; i < 200; i++)
        {
          double x = g_rand_double_range (rand, 0, 800), y = g_rand_double_range (rand, 0, 500);
          double factor = g_rand_double_range (rand, 0.5, 2.0);
          double distance;
          vec3 origin, dir, back, p, px;
          float t;

          /* A fresh camera each time, so float error does not pile up over zooms. */
          make_camera (&camera, proj);
          osp_camera_orbit (&camera, 300, 200, 420 + i, 260);
          distance = camera.distance;

          /* The point under the cursor on the plane through the target. */
          osp_camera_get_ray (&camera, x, y, origin, dir);
          osp_camera_get_direction (&camera, back);
          t = glm_vec3_dot (back, (vec3) { camera.target[0] - origin[0],
                                           camera.target[1] - origin[1],
                                           camera.target[2] - origin[2] }) /
              glm_vec3_dot (back, dir);
          glm_vec3_copy (origin, p);
          glm_vec3_muladds (dir, t, p);

          osp_camera_zoom (&camera, factor, x, y);
          g_assert_cmpfloat_with_epsilon (camera.distance, distance / factor, distance * 1e-5);
          g_assert_true (osp_camera_project (&camera, p, px));
          g_assert_cmpfloat_with_epsilon (px[0], x, 0.05);
          g_assert_cmpfloat_with_epsilon (px[1], y, 0.05);
        }
    }
}

static void
test_pan_follows_cursor (void)
{
  for (int proj = 0; proj < 2; proj++)
    {
      OspCamera camera;
      vec3 p, before, after;

      make_camera (&camera, proj);
      osp_camera_set_view (&camera, OSP_VIEW_LEFT);
      glm_vec3_copy (camera.target, p);
      g_assert_true (osp_camera_project (&camera, p, before));
      osp_camera_pan (&camera, 37, -21);
      g_assert_true (osp_camera_project (&camera, p, after));
      g_assert_cmpfloat_with_epsilon (after[0] - before[0], 37, 1e-2);
      g_assert_cmpfloat_with_epsilon (after[1] - before[1], -21, 1e-2);
    }
}

typedef struct
{
  OspBox box;
  int    width, height;
} FitCase;

static const FitCase fit_cases[] = {
  { { { -100, -80, -60 }, { 100, 80, 60 } }, 800, 500 },
  { { { 0, 0, 0 }, { 10, 300, 10 } }, 300, 900 },      /* tall window, long box */
  { { { 500, 500, 500 }, { 501, 501, 501 } }, 1280, 800 },
  { { { -1, -1, -1 }, { 1, 1, 1 } }, 100, 100 },
  { { { 3, 4, 5 }, { 3, 4, 5 } }, 640, 480 },           /* a single point */
};

static void
test_fit_contains_box (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fit_cases); i++)
    for (int proj = 0; proj < 2; proj++)
      for (int v = 0; v < OSP_N_VIEWS; v++)
        {
          const FitCase *tc = &fit_cases[i];
          OspCamera camera;

          osp_camera_init (&camera);
          osp_camera_set_viewport (&camera, tc->width, tc->height);
          osp_camera_set_projection (&camera, proj);
          osp_camera_set_view (&camera, v);
          osp_camera_orbit (&camera, 10, 20, 30 + 7 * v, 25);  /* an oblique angle */
          osp_camera_fit_box (&camera, &tc->box);
          for (int c = 0; c < 8; c++)
            {
              float p[3];
              vec3 px;

              for (int k = 0; k < 3; k++)
                p[k] = (c >> k) & 1 ? tc->box.max[k] : tc->box.min[k];
              g_assert_true (osp_camera_project (&camera, p, px));
              g_assert_cmpfloat (px[0], >=, 0);
              g_assert_cmpfloat (px[0], <=, tc->width);
              g_assert_cmpfloat (px[1], >=, 0);
              g_assert_cmpfloat (px[1], <=, tc->height);
              g_assert_cmpfloat (px[2], >, -1);
              g_assert_cmpfloat (px[2], <, 1);
            }
        }
}

/* A point along a pixel's ray projects back onto that pixel. */
static void
test_ray_matches_projection (void)
{
  for (int proj = 0; proj < 2; proj++)
    {
      OspCamera camera;
      static const double pixels[][2] = { { 0, 0 }, { 800, 500 }, { 123.5, 321.25 },
                                          { 400, 250 } };

      make_camera (&camera, proj);
      osp_camera_orbit (&camera, 100, 100, 300, 150);
      for (guint i = 0; i < G_N_ELEMENTS (pixels); i++)
        {
          vec3 origin, dir, p, px;

          osp_camera_get_ray (&camera, pixels[i][0], pixels[i][1], origin, dir);
          g_assert_cmpfloat_with_epsilon (glm_vec3_norm (dir), 1.0, 1e-5);
          glm_vec3_copy (origin, p);
          glm_vec3_muladds (dir, camera.distance * 0.9f, p);
          g_assert_true (osp_camera_project (&camera, p, px));
          g_assert_cmpfloat_with_epsilon (px[0], pixels[i][0], 0.02);
          g_assert_cmpfloat_with_epsilon (px[1], pixels[i][1], 0.02);
        }
    }
}

static void
test_projection_keeps_size (void)
{
  OspCamera persp, ortho;
  const float p[3] = { 50, 0, 30 };
  vec3 a, b;

  make_camera (&persp, OSP_PROJECTION_PERSPECTIVE);
  ortho = persp;
  osp_camera_set_projection (&ortho, OSP_PROJECTION_ORTHOGRAPHIC);
  g_assert_cmpfloat (osp_camera_get_mm_per_pixel (&persp), ==,
                     osp_camera_get_mm_per_pixel (&ortho));
  /* At the target's depth both projections agree. */
  g_assert_true (osp_camera_project (&persp, p, a));
  g_assert_true (osp_camera_project (&ortho, p, b));
  g_assert_cmpfloat_with_epsilon (a[0], b[0], 1e-2);
  g_assert_cmpfloat_with_epsilon (a[1], b[1], 1e-2);
  /* Orthographic: 1 pixel = mm_per_pixel everywhere. */
  {
    const float q[3] = { 10, 0, 0 }, r[3] = { 10, -150, 0 };
    vec3 pq, pr;
    double mm = osp_camera_get_mm_per_pixel (&ortho);

    g_assert_true (osp_camera_project (&ortho, q, pq));
    g_assert_true (osp_camera_project (&ortho, r, pr));
    g_assert_cmpfloat_with_epsilon (pq[0] - 400, 10 / mm, 1e-2);
    g_assert_cmpfloat_with_epsilon (pr[0] - 400, 10 / mm, 1e-2);
  }
}

static void
test_centre_on (void)
{
  OspCamera camera;
  const float p[3] = { 12, -34, 56 };
  vec3 px;
  float distance;

  make_camera (&camera, OSP_PROJECTION_PERSPECTIVE);
  distance = camera.distance;
  osp_camera_centre_on (&camera, p);
  g_assert_true (osp_camera_project (&camera, p, px));
  g_assert_cmpfloat_with_epsilon (px[0], 400, 1e-3);
  g_assert_cmpfloat_with_epsilon (px[1], 250, 1e-3);
  g_assert_cmpfloat (camera.distance, ==, distance);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (view_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/camera/view/%s", view_cases[i].name);

      g_test_add_data_func (path, &view_cases[i], test_views);
    }
  g_test_add_func ("/camera/views-distinct", test_views_distinct);
  g_test_add_func ("/camera/orbit/keeps-distance", test_orbit_keeps_distance);
  g_test_add_func ("/camera/orbit/direction", test_orbit_direction);
  g_test_add_func ("/camera/zoom/keeps-cursor-point", test_zoom_keeps_cursor_point);
  g_test_add_func ("/camera/pan", test_pan_follows_cursor);
  g_test_add_func ("/camera/fit", test_fit_contains_box);
  g_test_add_func ("/camera/ray", test_ray_matches_projection);
  g_test_add_func ("/camera/projection-keeps-size", test_projection_keeps_size);
  g_test_add_func ("/camera/centre-on", test_centre_on);

  return g_test_run ();
}
