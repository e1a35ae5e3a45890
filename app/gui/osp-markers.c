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

void
osp_label_draw (GtkWidget  *widget,
                cairo_t    *cr,
                GArray     *placed,
                double      x,
                double      y,
                const char *text)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  PangoRectangle ink, logical;
  GdkRectangle box;
  gboolean moved = TRUE;

  pango_layout_get_pixel_extents (layout, &ink, &logical);
  y -= logical.height;
  /* A label that would cover one drawn before (a landmark's name beside a value) goes below. */
  box = (GdkRectangle) { (int) x - 3, (int) y - 1, logical.width + 6, logical.height + 2 };
  for (guint tries = 0; moved && tries < 8; tries++)
    {
      moved = FALSE;
      for (guint j = 0; j < placed->len; j++)
        {
          const GdkRectangle *other = &g_array_index (placed, GdkRectangle, j);

          if (gdk_rectangle_intersect (&box, other, NULL))
            {
              y += other->y + other->height - box.y;
              box.y = other->y + other->height;
              moved = TRUE;
            }
        }
    }
  g_array_append_val (placed, box);
  /* Dark plate, light text: readable on bone, on the background and on the lines. */
  cairo_set_source_rgba (cr, 0.08, 0.08, 0.1, 0.72);
  cairo_rectangle (cr, box.x, box.y, box.width, box.height);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1.0, 0.92, 0.55);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}
