/* osp-markers.c — small meshes that mark points and lines in the 3D view (view overlays)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "osp-gui-private.h"
#include "osp-implant.h"

/* A ball of radius r at a point (a coarse revolved semicircle). */
OspMesh *
osp_marker_make_ball (const float *center,
                      double       r)
{
  double profile[2 * 9];
  g_autoptr(OspMesh) ball = NULL;
  mat4 m = GLM_MAT4_IDENTITY_INIT;

  for (guint i = 0; i < 9; i++)
    {
      double a = -G_PI / 2 + G_PI * i / 8;

      profile[2 * i] = i == 0 || i == 8 ? 0 : r * cos (a);
      profile[2 * i + 1] = r * sin (a);
    }
  ball = osp_mesh_revolve (profile, 9, 12);
  glm_translate (m, (float *) center);
  return osp_mesh_transform (ball, m);
}

/* A thin rod from a to b (NULL when they coincide). */
OspMesh *
osp_marker_make_rod (const float *a,
                     const float *b,
                     double       r)
{
  float d[3], frame[16];
  double len, profile[8];
  g_autoptr(OspMesh) rod = NULL;
  mat4 m;

  glm_vec3_sub ((float *) b, (float *) a, d);
  len = glm_vec3_norm (d);
  if (len < 1e-3)
    return NULL;
  profile[0] = 0;
  profile[1] = 0;
  profile[2] = r;
  profile[3] = 0;
  profile[4] = r;
  profile[5] = len;
  profile[6] = 0;
  profile[7] = len;
  rod = osp_mesh_revolve (profile, 4, 8);
  osp_frame_from_point_normal (a, d, 0.0, frame);
  memcpy (m, frame, sizeof m);
  return osp_mesh_transform (rod, m);
}
