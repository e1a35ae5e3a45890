/* osp-transform-gizmo.c — arrows and rings in the 3D view to move and turn a model
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-gui-private.h"
#include "osp-transform-gizmo.h"

enum
{
  KIND_ARROW,
  KIND_RING,
};

struct _OspTransformGizmo
{
  OspViewport *viewport;
  float        size;
  mat4         matrix;
  vec3         pivot;       /* in the model's own frame: where the handles sit */
  gboolean     local;
  gboolean     visible;

  guint        arrows[3];   /* overlays */
  guint        rings[3];

  gboolean     dragging;
  int          drag_kind, drag_axis;
  mat4         drag_matrix; /* the matrix when the drag began */
  double       drag_x, drag_y;
};

static const float axis_rgb[3][3] = {
  { 0.9f, 0.25f, 0.2f }, { 0.25f, 0.75f, 0.3f }, { 0.2f, 0.45f, 1.0f },
};

/* The handles' frame: the matrix's origin, and its axes (local) or the world's. */
static void
get_frame (OspTransformGizmo *self,
           mat4               out_frame)
{
  glm_mat4_identity (out_frame);
  for (int c = 0; c < 3 && self->local; c++)
    {
      vec3 axis;

      glm_vec3_copy (self->matrix[c], axis);
      glm_vec3_normalize (axis);
      glm_vec3_copy (axis, out_frame[c]);
    }
  glm_mat4_mulv3 (self->matrix, self->pivot, 1.0f, out_frame[3]);
}

static void
rebuild (OspTransformGizmo *self)
{
  mat4 frame;
  float shaft = MAX (0.3f, self->size * 0.02f);

  get_frame (self, frame);
  for (int a = 0; a < 3; a++)
    {
      GArray *positions = g_array_new (FALSE, FALSE, sizeof (float));
      GArray *indices = g_array_new (FALSE, FALSE, sizeof (guint32));
      float lo[3] = { -shaft, -shaft, -shaft }, hi[3] = { shaft, shaft, shaft };
      float head_lo[3] = { -3 * shaft, -3 * shaft, -3 * shaft };
      float head_hi[3] = { 3 * shaft, 3 * shaft, 3 * shaft };
      g_autoptr(OspMesh) arrow = NULL;
      g_autoptr(OspMesh) ring = NULL;

      /* The arrow starts outside the rings: seen edge on, a ring covers the axes within its
       * radius, and a grab there must turn, not move. */
      lo[a] = self->size * 0.65f;
      hi[a] = self->size;
      head_lo[a] = self->size;
      head_hi[a] = self->size + 6 * shaft;
      osp_gizmo_add_box (positions, indices, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
      osp_gizmo_add_box (positions, indices, head_lo[0], head_lo[1], head_lo[2],
                         head_hi[0], head_hi[1], head_hi[2]);
      arrow = osp_gizmo_finish_mesh (positions, indices, frame);

      positions = g_array_new (FALSE, FALSE, sizeof (float));
      indices = g_array_new (FALSE, FALSE, sizeof (guint32));
      osp_gizmo_add_ring (positions, indices, self->size * (0.45f + 0.05f * a), shaft, a);
      ring = osp_gizmo_finish_mesh (positions, indices, frame);

      if (self->arrows[a] == 0)
        {
          self->arrows[a] = osp_viewport_add_overlay (self->viewport, arrow, axis_rgb[a], 1.0f);
          self->rings[a] = osp_viewport_add_overlay (self->viewport, ring, axis_rgb[a], 1.0f);
          osp_viewport_set_overlay_pickable (self->viewport, self->arrows[a], TRUE);
          osp_viewport_set_overlay_pickable (self->viewport, self->rings[a], TRUE);
        }
      osp_viewport_update_overlay (self->viewport, self->arrows[a], arrow, self->visible);
      osp_viewport_update_overlay (self->viewport, self->rings[a], ring, self->visible);
    }
}

OspTransformGizmo *
osp_transform_gizmo_new (OspViewport *viewport,
                         float        size)
{
  OspTransformGizmo *self;

  g_return_val_if_fail (OSP_IS_VIEWPORT (viewport), NULL);
  g_return_val_if_fail (size > 0, NULL);

  self = g_new0 (OspTransformGizmo, 1);
  self->viewport = g_object_ref (viewport);
  self->size = size;
  self->visible = TRUE;
  glm_mat4_identity (self->matrix);
  rebuild (self);
  return self;
}

void
osp_transform_gizmo_free (OspTransformGizmo *self)
{
  if (self == NULL)
    return;
  for (int a = 0; a < 3; a++)
    {
      osp_viewport_remove_overlay (self->viewport, self->arrows[a]);
      osp_viewport_remove_overlay (self->viewport, self->rings[a]);
    }
  g_object_unref (self->viewport);
  g_free (self);
}

void
osp_transform_gizmo_set_matrix (OspTransformGizmo *self,
                                const float       *matrix)
{
  g_return_if_fail (self != NULL && matrix != NULL);

  memcpy (self->matrix, matrix, sizeof self->matrix);
  rebuild (self);
}

void
osp_transform_gizmo_set_pivot (OspTransformGizmo *self,
                               const float       *pivot)
{
  g_return_if_fail (self != NULL && pivot != NULL);

  glm_vec3_copy ((float *) pivot, self->pivot);
  rebuild (self);
}

void
osp_transform_gizmo_get_matrix (OspTransformGizmo *self,
                                float             *out_matrix)
{
  g_return_if_fail (self != NULL && out_matrix != NULL);
  memcpy (out_matrix, self->matrix, sizeof self->matrix);
}

void
osp_transform_gizmo_set_size (OspTransformGizmo *self,
                              float              size)
{
  g_return_if_fail (self != NULL && size > 0);
  self->size = size;
  rebuild (self);
}

float
osp_transform_gizmo_get_size (OspTransformGizmo *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

void
osp_transform_gizmo_set_local (OspTransformGizmo *self,
                               gboolean           local)
{
  g_return_if_fail (self != NULL);
  self->local = local;
  rebuild (self);
}

void
osp_transform_gizmo_set_visible (OspTransformGizmo *self,
                                 gboolean           visible)
{
  g_return_if_fail (self != NULL);
  if (self->visible == visible)
    return;
  self->visible = visible;
  rebuild (self);
}

gboolean
osp_transform_gizmo_drag_begin (OspTransformGizmo *self,
                                double             x,
                                double             y)
{
  guint handle;

  g_return_val_if_fail (self != NULL, FALSE);

  self->dragging = FALSE;
  if (!self->visible || !osp_viewport_pick_overlay (self->viewport, x, y, &handle, NULL))
    return FALSE;
  for (int a = 0; a < 3; a++)
    {
      if (handle == self->arrows[a] || handle == self->rings[a])
        {
          self->dragging = TRUE;
          self->drag_kind = handle == self->arrows[a] ? KIND_ARROW : KIND_RING;
          self->drag_axis = a;
        }
    }
  if (!self->dragging)
    return FALSE;
  glm_mat4_copy (self->matrix, self->drag_matrix);
  self->drag_x = x;
  self->drag_y = y;
  return TRUE;
}

/* The matrix moved by `distance` along, or turned by `angle` about, the frame's axis. */
static void
move_from (OspTransformGizmo *self,
           mat4               start,
           int                axis_index,
           float              distance,
           float              angle)
{
  mat4 frame, motion, to_origin, back;
  vec3 axis, origin;

  glm_mat4_copy (start, self->matrix);
  get_frame (self, frame);
  glm_vec3_copy (frame[axis_index], axis);
  glm_vec3_copy (frame[3], origin);
  if (distance != 0)
    {
      vec3 step;

      glm_vec3_scale (axis, distance, step);
      glm_translate_make (motion, step);
    }
  else
    {
      vec3 negative;

      /* About the axis through the model's origin. */
      glm_vec3_negate_to (origin, negative);
      glm_translate_make (to_origin, negative);
      glm_translate_make (back, origin);
      glm_rotate_make (motion, angle, axis);
      glm_mat4_mul (motion, to_origin, motion);
      glm_mat4_mul (back, motion, motion);
    }
  glm_mat4_mul (motion, start, self->matrix);
  rebuild (self);
}

gboolean
osp_transform_gizmo_drag_update (OspTransformGizmo *self,
                                 double             x,
                                 double             y)
{
  const OspCamera *camera;
  mat4 frame;
  vec3 origin, tip, p0, p1, axis;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->dragging)
    return FALSE;
  camera = osp_viewport_get_camera (self->viewport);
  glm_mat4_copy (self->drag_matrix, self->matrix);
  get_frame (self, frame);
  glm_vec3_copy (frame[3], origin);
  glm_vec3_copy (frame[self->drag_axis], axis);
  if (!osp_camera_project (camera, origin, p0))
    return FALSE;

  if (self->drag_kind == KIND_ARROW)
    {
      /* Along the axis: the pointer's motion projected on the arrow's image. */
      vec2 screen;
      float pixels, mm;

      for (int a = 0; a < 3; a++)
        tip[a] = origin[a] + self->size * axis[a];
      if (!osp_camera_project (camera, tip, p1))
        return FALSE;
      screen[0] = p1[0] - p0[0];
      screen[1] = p1[1] - p0[1];
      pixels = sqrtf (screen[0] * screen[0] + screen[1] * screen[1]);
      if (pixels < 3.0f)
        return FALSE;   /* the arrow points at the eye: no sensible direction */
      mm = ((x - self->drag_x) * screen[0] + (y - self->drag_y) * screen[1]) / pixels
           * self->size / pixels;
      move_from (self, self->drag_matrix, self->drag_axis, mm, 0);
    }
  else
    {
      /* About the axis, by the angle the pointer swept around the origin as seen. */
      vec3 view;
      double a0 = atan2 (self->drag_y - p0[1], self->drag_x - p0[0]);
      double a1 = atan2 (y - p0[1], x - p0[0]);
      float angle = (float) (a1 - a0);

      osp_camera_get_direction (camera, view);
      /* Screen angles grow clockwise (y down): turn the same way as the pointer as seen. */
      if (glm_vec3_dot (axis, view) < 0)
        angle = -angle;
      move_from (self, self->drag_matrix, self->drag_axis, 0, angle);
    }
  return TRUE;
}

gboolean
osp_transform_gizmo_drag_end (OspTransformGizmo *self)
{
  gboolean was;

  g_return_val_if_fail (self != NULL, FALSE);
  was = self->dragging;
  self->dragging = FALSE;
  return was;
}

gboolean
osp_transform_gizmo_get_dragging (OspTransformGizmo *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->dragging;
}

void
osp_transform_gizmo_translate (OspTransformGizmo *self,
                               int                axis,
                               float              distance)
{
  mat4 start;

  g_return_if_fail (self != NULL && axis >= 0 && axis < 3);
  glm_mat4_copy (self->matrix, start);
  move_from (self, start, axis, distance, 0);
}

void
osp_transform_gizmo_rotate (OspTransformGizmo *self,
                            int                axis,
                            float              angle)
{
  mat4 start;

  g_return_if_fail (self != NULL && axis >= 0 && axis < 3);
  glm_mat4_copy (self->matrix, start);
  move_from (self, start, axis, 0, angle);
}
