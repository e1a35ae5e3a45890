/* osp-plane-gizmo.c — a cut plane in the 3D view, with handles to move and turn it
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "osp-gui-private.h"
#include "osp-plane-gizmo.h"

/* The arrow's length, relative to the square: it must stick out of the bone. */
#define ARROW_LENGTH  0.35f

typedef enum
{
  HANDLE_NONE,
  HANDLE_ARROW,
  HANDLE_RING_U,
  HANDLE_RING_V,
} Handle;

struct _OspPlaneGizmo
{
  OspViewport *viewport;
  float        centre[3];   /* the middle of the bounds: the square is centred on its
                             * projection onto the plane */
  float        size;        /* side of the square, mm */
  OspPlane     plane;
  gboolean     active;
  gboolean     visible;
  gboolean     warning;     /* the square in red */

  guint        square, arrow, ring_u, ring_v;   /* overlays */

  Handle       dragging;
  OspPlane     drag_plane;  /* the plane when the drag began */
  double       drag_x, drag_y;
};

static const float square_rgb[3] = { 1.0f, 0.78f, 0.25f };        /* amber */
static const float square_warning_rgb[3] = { 0.93f, 0.16f, 0.12f }; /* red */
#define SQUARE_OPACITY         0.35f
#define SQUARE_WARNING_OPACITY 0.5f

/* -- Meshes (built in the plane's frame: the plane is z = 0, the normal +z) ------------------ */

/* The plane's frame: columns u, v, n and the centre of the square. */
static void
get_frame (OspPlaneGizmo *self,
           mat4           out_frame)
{
  vec3 n = { self->plane.normal[0], self->plane.normal[1], self->plane.normal[2] };
  vec3 u, v, helper = { 1.0f, 0.0f, 0.0f };
  float offset = glm_vec3_dot (n, self->centre) - self->plane.d;

  glm_vec3_normalize (n);
  if (fabsf (n[0]) > 0.8f)
    glm_vec3_copy ((vec3) { 0.0f, 1.0f, 0.0f }, helper);
  glm_vec3_cross (helper, n, u);
  glm_vec3_normalize (u);
  glm_vec3_cross (n, u, v);
  glm_mat4_identity (out_frame);
  for (int a = 0; a < 3; a++)
    {
      out_frame[0][a] = u[a];
      out_frame[1][a] = v[a];
      out_frame[2][a] = n[a];
      out_frame[3][a] = self->centre[a] - offset * n[a];
    }
}

static void
rebuild (OspPlaneGizmo *self)
{
  mat4 frame;
  float half = self->size / 2;
  float thin = MAX (0.2f, self->size * 0.001f);
  float arrow = self->size * ARROW_LENGTH;
  float shaft = MAX (0.5f, self->size * 0.006f);
  GArray *positions, *indices;
  g_autoptr(OspMesh) square = NULL;
  g_autoptr(OspMesh) arrow_mesh = NULL;
  g_autoptr(OspMesh) ring_u = NULL;
  g_autoptr(OspMesh) ring_v = NULL;

  get_frame (self, frame);

  positions = g_array_new (FALSE, FALSE, sizeof (float));
  indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  osp_gizmo_add_box (positions, indices, -half, -half, -thin, half, half, thin);
  square = osp_gizmo_finish_mesh (positions, indices, frame);

  positions = g_array_new (FALSE, FALSE, sizeof (float));
  indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  osp_gizmo_add_box (positions, indices, -shaft, -shaft, 0, shaft, shaft, arrow);
  osp_gizmo_add_box (positions, indices, -4 * shaft, -4 * shaft, arrow, 4 * shaft, 4 * shaft,
           arrow + 8 * shaft);
  arrow_mesh = osp_gizmo_finish_mesh (positions, indices, frame);

  /* The rings turn the plane about its in-plane axes u (x) and v (y). */
  positions = g_array_new (FALSE, FALSE, sizeof (float));
  indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  osp_gizmo_add_ring (positions, indices, self->size * 0.18f, shaft, 0);
  ring_u = osp_gizmo_finish_mesh (positions, indices, frame);

  positions = g_array_new (FALSE, FALSE, sizeof (float));
  indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  osp_gizmo_add_ring (positions, indices, self->size * 0.2f, shaft, 1);
  ring_v = osp_gizmo_finish_mesh (positions, indices, frame);

  if (self->square == 0)
    {
      static const float blue[3] = { 0.2f, 0.45f, 1.0f };
      static const float red[3] = { 0.9f, 0.25f, 0.2f };
      static const float green[3] = { 0.25f, 0.75f, 0.3f };

      self->square = osp_viewport_add_overlay (self->viewport, square,
                                               self->warning ? square_warning_rgb : square_rgb,
                                               self->warning ? SQUARE_WARNING_OPACITY
                                                             : SQUARE_OPACITY);
      self->arrow = osp_viewport_add_overlay (self->viewport, arrow_mesh, blue, 1.0f);
      self->ring_u = osp_viewport_add_overlay (self->viewport, ring_u, red, 1.0f);
      self->ring_v = osp_viewport_add_overlay (self->viewport, ring_v, green, 1.0f);
      osp_viewport_set_overlay_pickable (self->viewport, self->arrow, TRUE);
      osp_viewport_set_overlay_pickable (self->viewport, self->ring_u, TRUE);
      osp_viewport_set_overlay_pickable (self->viewport, self->ring_v, TRUE);
    }
  osp_viewport_update_overlay (self->viewport, self->square, square, self->visible);
  osp_viewport_update_overlay (self->viewport, self->arrow, arrow_mesh,
                               self->visible && self->active);
  osp_viewport_update_overlay (self->viewport, self->ring_u, ring_u,
                               self->visible && self->active);
  osp_viewport_update_overlay (self->viewport, self->ring_v, ring_v,
                               self->visible && self->active);
}

/* -- Public ------------------------------------------------------------------------------- */

OspPlaneGizmo *
osp_plane_gizmo_new (OspViewport    *viewport,
                     const OspBox   *bounds,
                     const OspPlane *plane)
{
  OspPlaneGizmo *self;

  g_return_val_if_fail (OSP_IS_VIEWPORT (viewport), NULL);
  g_return_val_if_fail (bounds != NULL && !osp_box_is_empty (bounds), NULL);
  g_return_val_if_fail (plane != NULL, NULL);

  self = g_new0 (OspPlaneGizmo, 1);
  self->viewport = g_object_ref (viewport);
  for (int a = 0; a < 3; a++)
    self->centre[a] = (bounds->min[a] + bounds->max[a]) / 2;
  self->size = 1.1f * sqrtf (glm_vec3_distance2 ((float *) bounds->min,
                                                 (float *) bounds->max));
  self->size = MAX (self->size, 1.0f);
  self->plane = *plane;
  self->visible = TRUE;
  rebuild (self);
  return self;
}

void
osp_plane_gizmo_free (OspPlaneGizmo *self)
{
  if (self == NULL)
    return;
  osp_viewport_remove_overlay (self->viewport, self->square);
  osp_viewport_remove_overlay (self->viewport, self->arrow);
  osp_viewport_remove_overlay (self->viewport, self->ring_u);
  osp_viewport_remove_overlay (self->viewport, self->ring_v);
  g_object_unref (self->viewport);
  g_free (self);
}

void
osp_plane_gizmo_set_plane (OspPlaneGizmo  *self,
                           const OspPlane *plane)
{
  g_return_if_fail (self != NULL && plane != NULL);

  self->plane = *plane;
  rebuild (self);
}

void
osp_plane_gizmo_get_plane (OspPlaneGizmo *self,
                           OspPlane      *out_plane)
{
  g_return_if_fail (self != NULL && out_plane != NULL);
  *out_plane = self->plane;
}

void
osp_plane_gizmo_set_active (OspPlaneGizmo *self,
                            gboolean       active)
{
  g_return_if_fail (self != NULL);
  self->active = active;
  rebuild (self);
}

void
osp_plane_gizmo_set_warning (OspPlaneGizmo *self,
                             gboolean       warning)
{
  g_return_if_fail (self != NULL);

  self->warning = !!warning;
  osp_viewport_set_overlay_color (self->viewport, self->square,
                                  self->warning ? square_warning_rgb : square_rgb,
                                  self->warning ? SQUARE_WARNING_OPACITY : SQUARE_OPACITY);
}

void
osp_plane_gizmo_set_visible (OspPlaneGizmo *self,
                             gboolean       visible)
{
  g_return_if_fail (self != NULL);
  self->visible = visible;
  rebuild (self);
}

gboolean
osp_plane_gizmo_drag_begin (OspPlaneGizmo *self,
                            double         x,
                            double         y)
{
  guint handle;

  g_return_val_if_fail (self != NULL, FALSE);

  self->dragging = HANDLE_NONE;
  if (!self->visible || !self->active ||
      !osp_viewport_pick_overlay (self->viewport, x, y, &handle, NULL))
    return FALSE;
  if (handle == self->arrow)
    self->dragging = HANDLE_ARROW;
  else if (handle == self->ring_u)
    self->dragging = HANDLE_RING_U;
  else if (handle == self->ring_v)
    self->dragging = HANDLE_RING_V;
  else
    return FALSE;
  self->drag_plane = self->plane;
  self->drag_x = x;
  self->drag_y = y;
  return TRUE;
}

gboolean
osp_plane_gizmo_drag_update (OspPlaneGizmo *self,
                             double         x,
                             double         y)
{
  const OspCamera *camera;
  mat4 frame;
  vec3 origin, tip, p0, p1;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->dragging == HANDLE_NONE)
    return FALSE;
  camera = osp_viewport_get_camera (self->viewport);
  self->plane = self->drag_plane;
  get_frame (self, frame);
  glm_vec3_copy (frame[3], origin);
  if (!osp_camera_project (camera, origin, p0))
    return FALSE;

  if (self->dragging == HANDLE_ARROW)
    {
      /* Along the normal: the pointer's motion projected on the arrow's image. */
      float length = self->size * ARROW_LENGTH;
      vec2 axis;
      float pixels, mm;

      for (int a = 0; a < 3; a++)
        tip[a] = origin[a] + length * frame[2][a];
      if (!osp_camera_project (camera, tip, p1))
        return FALSE;
      axis[0] = p1[0] - p0[0];
      axis[1] = p1[1] - p0[1];
      pixels = sqrtf (axis[0] * axis[0] + axis[1] * axis[1]);
      if (pixels < 3.0f)
        return FALSE;   /* the arrow points at the eye: no sensible direction */
      mm = ((x - self->drag_x) * axis[0] + (y - self->drag_y) * axis[1]) / pixels
           * length / pixels;
      self->plane.d = self->drag_plane.d + mm;
    }
  else
    {
      /* About the ring's axis, by the angle the pointer swept around the centre. */
      vec3 axis, normal = { self->drag_plane.normal[0], self->drag_plane.normal[1],
                            self->drag_plane.normal[2] };
      vec3 view;
      double a0 = atan2 (self->drag_y - p0[1], self->drag_x - p0[0]);
      double a1 = atan2 (y - p0[1], x - p0[0]);
      float angle = (float) (a1 - a0);

      glm_vec3_copy (self->dragging == HANDLE_RING_U ? frame[0] : frame[1], axis);
      osp_camera_get_direction (camera, view);
      /* Screen angles grow clockwise (y down): turn the same way as the pointer as seen. */
      if (glm_vec3_dot (axis, view) > 0)
        angle = -angle;
      osp_gizmo_rotate_about (axis, -angle, normal);
      glm_vec3_normalize (normal);
      memcpy (self->plane.normal, normal, sizeof self->plane.normal);
      self->plane.d = glm_vec3_dot (normal, origin);
    }
  rebuild (self);
  return TRUE;
}

void
osp_plane_gizmo_drag_end (OspPlaneGizmo *self)
{
  g_return_if_fail (self != NULL);
  self->dragging = HANDLE_NONE;
}
