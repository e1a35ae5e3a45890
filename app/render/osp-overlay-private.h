/* osp-overlay-private.h — 2D overlays: orientation marker, scale bar, stroke letters
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Builds triangles in framebuffer pixels (top-left origin) for the overlay shader, so
 * offscreen pictures carry the same marker and scale bar as the window.
 */
#pragma once

#include <glib.h>

#include "osp-camera.h"

G_BEGIN_DECLS

typedef struct
{
  float x, y;
  float rgba[4];
} OspOverlayVertex;

/* Appends a stroke-font text whose letters are `height` pixels tall, centred at (cx, cy).
 * Knows A I L P R S m . and the digits; anything else is a space. */
void   osp_overlay_text               (GArray          *vertices,
                                       const char      *text,
                                       float            cx,
                                       float            cy,
                                       float            height,
                                       const float      rgba[4]);
/* A line `width` pixels thick (its ends extended by width/2). */
void   osp_overlay_line               (GArray          *vertices,
                                       float            x0,
                                       float            y0,
                                       float            x1,
                                       float            y1,
                                       float            width,
                                       const float      rgba[4]);
/* The pixel width of a text at a letter height. */
float  osp_overlay_text_width         (const char      *text,
                                       float            height);
/* Patient axes with R/L, A/P, S/I labels, in the bottom-left corner. */
void   osp_overlay_orientation_marker (GArray          *vertices,
                                       const OspCamera *camera,
                                       int              width,
                                       int              height,
                                       float            scale);
/* A bar of a round length in mm at the target's depth, in the bottom-right corner. */
void   osp_overlay_scale_bar          (GArray          *vertices,
                                       const OspCamera *camera,
                                       int              width,
                                       int              height,
                                       float            scale);
/* The scale bar's length in mm for a picture of `mm_per_pixel` and a bar of at most
 * `max_pixels`: 1, 2 or 5 × 10^k. */
double osp_overlay_scale_bar_length   (double           mm_per_pixel,
                                       double           max_pixels);

G_END_DECLS
