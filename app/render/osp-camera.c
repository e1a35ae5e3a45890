/* osp-camera.c — the viewing camera
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-camera.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#define MIN_DISTANCE 1e-3f
#define MAX_DISTANCE 1e7f
/* Room around the box when fitting. */
#define FIT_MARGIN   1.06

static const struct
{
  const char *name;
  const char *label;
  /* Camera axes in patient LPS: screen right, screen up, towards the eye. */
  float       right[3], up[3], back[3];
} views[OSP_N_VIEWS] = {
  [OSP_VIEW_ANTERIOR]  = { "anterior", N_("Anterior"),
                           { 1, 0, 0 }, { 0, 0, 1 }, { 0, -1, 0 } },
  [OSP_VIEW_POSTERIOR] = { "posterior", N_("Posterior"),
                           { -1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } },
  [OSP_VIEW_LEFT]      = { "left", N_("Left"),
                           { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } },
  [OSP_VIEW_RIGHT]     = { "right", N_("Right"),
                           { 0, -1, 0 }, { 0, 0, 1 }, { -1, 0, 0 } },
  [OSP_VIEW_SUPERIOR]  = { "superior", N_("Superior"),
                           { -1, 0, 0 }, { 0, -1, 0 }, { 0, 0, 1 } },
  [OSP_VIEW_INFERIOR]  = { "inferior", N_("Inferior"),
                           { 1, 0, 0 }, { 0, -1, 0 }, { 0, 0, -1 } },
};

const char *
osp_view_get_name (OspView view)
{
  g_return_val_if_fail ((guint) view < OSP_N_VIEWS, NULL);

  return views[view].name;
}

const char *
osp_view_get_label (OspView view)
{
  g_return_val_if_fail ((guint) view < OSP_N_VIEWS, NULL);

  return _(views[view].label);
}

gboolean
osp_view_from_name (const char *name,
                    OspView    *out_view)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out_view != NULL, FALSE);

  for (guint i = 0; i < OSP_N_VIEWS; i++)
    if (g_ascii_strcasecmp (name, views[i].name) == 0)
      {
        *out_view = (OspView) i;
        return TRUE;
      }
  return FALSE;
}

void
osp_view_get_orientation (OspView view,
                          versor  out_orientation)
{
  mat3 m;

  g_return_if_fail ((guint) view < OSP_N_VIEWS);

  /* Columns: where the camera's x, y and z axes point in the world. */
  for (int k = 0; k < 3; k++)
    {
      m[0][k] = views[view].right[k];
      m[1][k] = views[view].up[k];
      m[2][k] = views[view].back[k];
    }
  glm_mat3_quat (m, out_orientation);
  glm_quat_normalize (out_orientation);
}

void
osp_camera_init (OspCamera *camera)
{
  g_return_if_fail (camera != NULL);

  memset (camera, 0, sizeof *camera);
  osp_view_get_orientation (OSP_VIEW_ANTERIOR, camera->orientation);
  glm_vec3_zero (camera->target);
  camera->distance = 500.0f;
  camera->fov_y = glm_rad (30.0f);
  camera->projection = OSP_PROJECTION_PERSPECTIVE;
  camera->width = 640;
  camera->height = 480;
  for (int k = 0; k < 3; k++)
    {
      camera->scene.min[k] = INFINITY;
      camera->scene.max[k] = -INFINITY;
    }
}

void
osp_camera_set_viewport (OspCamera *camera,
                         int        width,
                         int        height)
{
  g_return_if_fail (camera != NULL);

  camera->width = MAX (width, 1);
  camera->height = MAX (height, 1);
}

void
osp_camera_set_projection (OspCamera     *camera,
                           OspProjection  projection)
{
  g_return_if_fail (camera != NULL);

  camera->projection = projection;
}

void
osp_camera_set_scene_bounds (OspCamera    *camera,
                             const OspBox *scene)
{
  g_return_if_fail (camera != NULL);
  g_return_if_fail (scene != NULL);

  camera->scene = *scene;
}

void
osp_camera_set_view (OspCamera *camera,
                     OspView    view)
{
  g_return_if_fail (camera != NULL);
  g_return_if_fail ((guint) view < OSP_N_VIEWS);

  osp_view_get_orientation (view, camera->orientation);
}

/* The camera's axes in the world. */
static void
camera_axes (const OspCamera *camera, vec3 right, vec3 up, vec3 back)
{
  versor q;

  glm_quat_copy ((float *) camera->orientation, q);
  if (right != NULL)
    glm_quat_rotatev (q, (vec3) { 1, 0, 0 }, right);
  if (up != NULL)
    glm_quat_rotatev (q, (vec3) { 0, 1, 0 }, up);
  if (back != NULL)
    glm_quat_rotatev (q, (vec3) { 0, 0, 1 }, back);
}

static double
aspect_of (const OspCamera *camera)
{
  return (double) MAX (camera->width, 1) / MAX (camera->height, 1);
}

/* Half the visible height at the target's depth. */
static double
half_height (const OspCamera *camera)
{
  return camera->distance * tan (camera->fov_y * 0.5);
}

void
osp_camera_fit_box (OspCamera    *camera,
                    const OspBox *box)
{
  double tan_y, tan_x, r = 0.0, need = 0.0;
  vec3 right, up, back;

  g_return_if_fail (camera != NULL);
  g_return_if_fail (box != NULL);

  if (osp_box_is_empty (box))
    return;
  for (int k = 0; k < 3; k++)
    {
      double e = (double) box->max[k] - box->min[k];

      camera->target[k] = 0.5f * (box->min[k] + box->max[k]);
      r += e * e;
    }
  r = MAX (0.5 * sqrt (r), 1e-3);
  tan_y = tan (camera->fov_y * 0.5);
  tan_x = tan_y * aspect_of (camera);
  camera_axes (camera, right, up, back);

  /* The tightest distance that keeps every corner inside the picture from this side.  A
   * corner at (x, y, z) around the target (z towards the eye) needs, in perspective,
   * |x| ≤ (D − z) tan_x and |y| ≤ (D − z) tan_y; orthographically, where the visible half
   * height is D tan_y, |x| ≤ D tan_x and |y| ≤ D tan_y. */
  for (int c = 0; c < 8; c++)
    {
      vec3 p;
      double x, y, z;

      for (int k = 0; k < 3; k++)
        p[k] = ((c >> k) & 1 ? box->max[k] : box->min[k]) - camera->target[k];
      x = fabs (glm_vec3_dot (p, right)) * FIT_MARGIN;
      y = fabs (glm_vec3_dot (p, up)) * FIT_MARGIN;
      z = glm_vec3_dot (p, back);
      if (camera->projection == OSP_PROJECTION_PERSPECTIVE)
        need = MAX (need, MAX (z + x / tan_x, z + y / tan_y));
      else
        need = MAX (need, MAX (x / tan_x, y / tan_y));
      /* The eye stays outside the box. */
      need = MAX (need, z + 0.05 * r);
    }
  camera->distance = CLAMP ((float) need, MIN_DISTANCE, MAX_DISTANCE);
  if (osp_box_is_empty (&camera->scene))
    camera->scene = *box;
}

void
osp_camera_centre_on (OspCamera   *camera,
                      const float  point[3])
{
  g_return_if_fail (camera != NULL);
  g_return_if_fail (point != NULL);

  glm_vec3_copy ((float *) point, camera->target);
}

/* Maps a pixel onto Bell's virtual trackball: a sphere in the middle glued to a hyperbolic
 * sheet, so drags outside the ball still turn smoothly.  Camera coordinates. */
static void
trackball_point (const OspCamera *camera, double x, double y, vec3 out)
{
  double radius = 0.5 * MIN (camera->width, camera->height);
  double px = (x - 0.5 * camera->width) / radius;
  double py = (0.5 * camera->height - y) / radius;
  double d2 = px * px + py * py;

  out[0] = (float) px;
  out[1] = (float) py;
  out[2] = (float) (d2 <= 0.5 ? sqrt (1.0 - d2) : 0.5 / sqrt (d2));
}

void
osp_camera_orbit (OspCamera *camera,
                  double     x0,
                  double     y0,
                  double     x1,
                  double     y1)
{
  vec3 a, b, axis;
  versor q, qinv, result;
  float angle;

  g_return_if_fail (camera != NULL);

  trackball_point (camera, x0, y0, a);
  trackball_point (camera, x1, y1, b);
  glm_vec3_normalize (a);
  glm_vec3_normalize (b);
  glm_vec3_cross (a, b, axis);
  if (glm_vec3_norm (axis) < 1e-9f)
    return;
  glm_vec3_normalize (axis);
  angle = acosf (CLAMP (glm_vec3_dot (a, b), -1.0f, 1.0f));
  /* The scene turns by q in camera space, so the camera turns by its inverse. */
  glm_quatv (q, angle, axis);
  glm_quat_inv (q, qinv);
  glm_quat_mul (camera->orientation, qinv, result);
  glm_quat_normalize_to (result, camera->orientation);
}

void
osp_camera_rotate (OspCamera    *camera,
                   const versor  rotation)
{
  versor r, result;

  g_return_if_fail (camera != NULL);
  g_return_if_fail (rotation != NULL);

  glm_quat_copy ((float *) rotation, r);
  glm_quat_mul (r, camera->orientation, result);
  glm_quat_normalize_to (result, camera->orientation);
}

void
osp_camera_pan (OspCamera *camera,
                double     dx,
                double     dy)
{
  vec3 right, up;
  double mm;

  g_return_if_fail (camera != NULL);

  camera_axes (camera, right, up, NULL);
  mm = osp_camera_get_mm_per_pixel (camera);
  /* The scene follows the cursor, so the camera moves the other way (screen y is down). */
  glm_vec3_muladds (right, (float) (-dx * mm), camera->target);
  glm_vec3_muladds (up, (float) (dy * mm), camera->target);
}

void
osp_camera_zoom (OspCamera *camera,
                 double     factor,
                 double     x,
                 double     y)
{
  vec3 right, up, p, offset;
  double hh, hw, nx, ny, new_distance, f;

  g_return_if_fail (camera != NULL);
  g_return_if_fail (factor > 0.0);

  new_distance = CLAMP (camera->distance / factor, MIN_DISTANCE, MAX_DISTANCE);
  f = camera->distance / new_distance;

  /* The point under the cursor at the target's depth, the same in both projections. */
  camera_axes (camera, right, up, NULL);
  hh = half_height (camera);
  hw = hh * aspect_of (camera);
  nx = 2.0 * x / camera->width - 1.0;
  ny = 1.0 - 2.0 * y / camera->height;
  glm_vec3_copy (camera->target, p);
  glm_vec3_muladds (right, (float) (nx * hw), p);
  glm_vec3_muladds (up, (float) (ny * hh), p);

  /* Scaling the eye and the target towards p by 1/f keeps p's direction from the eye (and,
   * orthographically, its place in the shrunken view). */
  glm_vec3_sub (camera->target, p, offset);
  glm_vec3_scale (offset, (float) (1.0 / f), offset);
  glm_vec3_add (p, offset, camera->target);
  camera->distance = (float) new_distance;
}

void
osp_camera_get_eye (const OspCamera *camera,
                    vec3             out_eye)
{
  vec3 back;

  g_return_if_fail (camera != NULL);

  camera_axes (camera, NULL, NULL, back);
  glm_vec3_copy ((float *) camera->target, out_eye);
  glm_vec3_muladds (back, camera->distance, out_eye);
}

void
osp_camera_get_direction (const OspCamera *camera,
                          vec3             out_direction)
{
  vec3 back;

  g_return_if_fail (camera != NULL);

  camera_axes (camera, NULL, NULL, back);
  glm_vec3_negate_to (back, out_direction);
}

void
osp_camera_get_clip_range (const OspCamera *camera,
                           float           *out_near,
                           float           *out_far)
{
  vec3 eye, dir, centre;
  double r = 0.0, z, near, far;

  g_return_if_fail (camera != NULL);
  g_return_if_fail (out_near != NULL && out_far != NULL);

  osp_camera_get_eye (camera, eye);
  osp_camera_get_direction (camera, dir);
  if (osp_box_is_empty (&camera->scene))
    {
      glm_vec3_copy ((float *) camera->target, centre);
      r = camera->distance;
    }
  else
    {
      for (int k = 0; k < 3; k++)
        {
          double e = (double) camera->scene.max[k] - camera->scene.min[k];

          centre[k] = 0.5f * (camera->scene.min[k] + camera->scene.max[k]);
          r += e * e;
        }
      r = 0.5 * sqrt (r);
    }
  /* The target stays inside the range too, so an empty corner of space still shows. */
  {
    vec3 d;
    double zt;

    glm_vec3_sub (centre, eye, d);
    z = glm_vec3_dot (d, dir);
    zt = camera->distance;
    near = MIN (z - r, zt - 0.01 * zt);
    far = MAX (z + r, zt + 0.01 * zt);
  }
  /* A margin so surfaces tangent to the sphere are not clipped by rounding. */
  near -= 0.01 * (far - near) + 1e-3;
  far += 0.01 * (far - near) + 1e-3;
  if (camera->projection == OSP_PROJECTION_PERSPECTIVE)
    {
      /* Depth precision: the near plane never closer than 1/10000 of the far one. */
      near = MAX (near, far * 1e-4);
      near = MAX (near, 1e-4);
      far = MAX (far, near * 2);
    }
  *out_near = (float) near;
  *out_far = (float) far;
}

void
osp_camera_get_view_matrix (const OspCamera *camera,
                            mat4             out_matrix)
{
  vec3 eye, right, up, back;

  g_return_if_fail (camera != NULL);

  camera_axes (camera, right, up, back);
  osp_camera_get_eye (camera, eye);
  glm_mat4_identity (out_matrix);
  for (int k = 0; k < 3; k++)
    {
      /* Rows of the rotation are the camera's axes (column-major storage). */
      out_matrix[k][0] = right[k];
      out_matrix[k][1] = up[k];
      out_matrix[k][2] = back[k];
    }
  out_matrix[3][0] = -glm_vec3_dot (right, eye);
  out_matrix[3][1] = -glm_vec3_dot (up, eye);
  out_matrix[3][2] = -glm_vec3_dot (back, eye);
}

void
osp_camera_get_projection_matrix (const OspCamera *camera,
                                  mat4             out_matrix)
{
  float near, far;
  double aspect;

  g_return_if_fail (camera != NULL);

  osp_camera_get_clip_range (camera, &near, &far);
  aspect = aspect_of (camera);
  if (camera->projection == OSP_PROJECTION_PERSPECTIVE)
    glm_perspective (camera->fov_y, (float) aspect, near, far, out_matrix);
  else
    {
      float hh = (float) half_height (camera), hw = (float) (hh * aspect);

      glm_ortho (-hw, hw, -hh, hh, near, far, out_matrix);
    }
}

void
osp_camera_get_view_projection (const OspCamera *camera,
                                mat4             out_matrix)
{
  mat4 view, proj;

  g_return_if_fail (camera != NULL);

  osp_camera_get_view_matrix (camera, view);
  osp_camera_get_projection_matrix (camera, proj);
  glm_mat4_mul (proj, view, out_matrix);
}

void
osp_camera_get_ray (const OspCamera *camera,
                    double           x,
                    double           y,
                    vec3             out_origin,
                    vec3             out_direction)
{
  vec3 right, up, back, eye;
  double hh, hw, nx, ny;

  g_return_if_fail (camera != NULL);

  camera_axes (camera, right, up, back);
  osp_camera_get_eye (camera, eye);
  hh = half_height (camera);
  hw = hh * aspect_of (camera);
  nx = 2.0 * x / camera->width - 1.0;
  ny = 1.0 - 2.0 * y / camera->height;

  if (camera->projection == OSP_PROJECTION_PERSPECTIVE)
    {
      /* Through the point of the target's plane under the pixel. */
      glm_vec3_copy (eye, out_origin);
      glm_vec3_scale (back, -camera->distance, out_direction);
      glm_vec3_muladds (right, (float) (nx * hw), out_direction);
      glm_vec3_muladds (up, (float) (ny * hh), out_direction);
      glm_vec3_normalize (out_direction);
    }
  else
    {
      float near, far;

      osp_camera_get_clip_range (camera, &near, &far);
      glm_vec3_copy (eye, out_origin);
      glm_vec3_muladds (right, (float) (nx * hw), out_origin);
      glm_vec3_muladds (up, (float) (ny * hh), out_origin);
      glm_vec3_negate_to (back, out_direction);
      glm_vec3_muladds (out_direction, near, out_origin);
    }
}

gboolean
osp_camera_project (const OspCamera *camera,
                    const float      point[3],
                    vec3             out_pixel)
{
  mat4 vp;
  vec4 p, clip;

  g_return_val_if_fail (camera != NULL, FALSE);
  g_return_val_if_fail (point != NULL, FALSE);

  osp_camera_get_view_projection (camera, vp);
  p[0] = point[0];
  p[1] = point[1];
  p[2] = point[2];
  p[3] = 1.0f;
  glm_mat4_mulv (vp, p, clip);
  if (clip[3] <= 0.0f)
    return FALSE;
  out_pixel[0] = (clip[0] / clip[3] + 1.0f) * 0.5f * camera->width;
  out_pixel[1] = (1.0f - clip[1] / clip[3]) * 0.5f * camera->height;
  out_pixel[2] = clip[2] / clip[3];
  return TRUE;
}

double
osp_camera_get_mm_per_pixel (const OspCamera *camera)
{
  g_return_val_if_fail (camera != NULL, 0.0);

  return 2.0 * half_height (camera) / MAX (camera->height, 1);
}
