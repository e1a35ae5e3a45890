/* osp-gizmo.c — meshes and maths the viewport's handles share (cut planes, implant gizmo)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "osp-gui-private.h"

/* Segments of a ring (around, across). */
#define RING_SEGMENTS 48
#define RING_SIDES    6

void
osp_gizmo_add_box (GArray *positions,
                   GArray *indices,
                   float   x0, float y0, float z0,
                   float   x1, float y1, float z1)
{
  static const guint32 faces[] = {
    0, 2, 1, 1, 2, 3,  4, 5, 6, 5, 7, 6,  0, 1, 4, 1, 5, 4,
    2, 6, 3, 3, 6, 7,  0, 4, 2, 2, 4, 6,  1, 3, 5, 3, 7, 5,
  };
  guint32 base = positions->len / 3;

  for (int c = 0; c < 8; c++)
    {
      float p[3] = { c & 1 ? x1 : x0, c & 2 ? y1 : y0, c & 4 ? z1 : z0 };

      g_array_append_vals (positions, p, 3);
    }
  for (guint i = 0; i < G_N_ELEMENTS (faces); i++)
    {
      guint32 index = base + faces[i];

      g_array_append_val (indices, index);
    }
}

/* A torus around the z axis (axis 2) or, rotated, around x (0) or y (1). */
void
osp_gizmo_add_ring (GArray *positions,
                    GArray *indices,
                    float   radius,
                    float   thickness,
                    int     axis)
{
  guint32 base = positions->len / 3;

  for (int i = 0; i < RING_SEGMENTS; i++)
    {
      double a = 2 * G_PI * i / RING_SEGMENTS;

      for (int j = 0; j < RING_SIDES; j++)
        {
          double b = 2 * G_PI * j / RING_SIDES;
          double r = radius + thickness * cos (b);
          float local[3] = { r * cos (a), r * sin (a), thickness * sin (b) };
          float p[3];

          /* The ring around `axis`: its plane is spanned by the two other axes. */
          p[(axis + 1) % 3] = local[0];
          p[(axis + 2) % 3] = local[1];
          p[axis] = local[2];
          g_array_append_vals (positions, p, 3);
        }
    }
  for (int i = 0; i < RING_SEGMENTS; i++)
    for (int j = 0; j < RING_SIDES; j++)
      {
        guint32 a = base + i * RING_SIDES + j;
        guint32 b = base + ((i + 1) % RING_SEGMENTS) * RING_SIDES + j;
        guint32 c = base + ((i + 1) % RING_SEGMENTS) * RING_SIDES + (j + 1) % RING_SIDES;
        guint32 d = base + i * RING_SIDES + (j + 1) % RING_SIDES;
        guint32 quad[] = { a, b, c, a, c, d };

        g_array_append_vals (indices, quad, 6);
      }
}

OspMesh *
osp_gizmo_finish_mesh (GArray *positions,
                       GArray *indices,
                       mat4    frame)
{
  g_autoptr(OspMesh) local = osp_mesh_new ((const float *) positions->data, positions->len / 3,
                                           (const guint32 *) indices->data, indices->len / 3);

  g_array_unref (positions);
  g_array_unref (indices);
  return osp_mesh_transform (local, frame);
}

/* Turns v about the unit axis by angle (Rodrigues). */
void
osp_gizmo_rotate_about (const vec3 axis,
                        float      angle,
                        vec3       v)
{
  vec3 cross, out;
  float c = cosf (angle), s = sinf (angle), dot = glm_vec3_dot ((float *) axis, v);

  glm_vec3_cross ((float *) axis, v, cross);
  for (int a = 0; a < 3; a++)
    out[a] = v[a] * c + cross[a] * s + axis[a] * dot * (1 - c);
  glm_vec3_copy (out, v);
}

