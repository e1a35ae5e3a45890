/* osp-overlay.c — 2D overlays: orientation marker, scale bar, stroke letters
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-overlay-private.h"

#include <math.h>
#include <string.h>

/* A tiny stroke font on a 4 × 6 grid (y up): polylines of "xy" digit pairs separated by
 * spaces.  Enough for the marker's letters and the scale bar's label. */
static const struct
{
  char        c;
  const char *strokes;
} glyphs[] = {
  { 'A', "002640 1333" },
  { 'I', "2026 1030 1636" },
  { 'L', "060040" },
  { 'P', "00063645443303" },
  { 'R', "00063645443303 2340" },
  { 'S', "453616050413334241301001" },
  { 'm', "0004 03142320 23344340" },
  { '.', "2021" },
  { '0', "0040460600" },
  { '1', "2026 1526 1030" },
  { '2', "064643030040" },
  { '3', "06464000 1343" },
  { '4', "060343 4640" },
  { '5', "460603434000" },
  { '6', "460600404303" },
  { '7', "064610" },
  { '8', "0040460600 0343" },
  { '9', "430306464000" },
};

#define GLYPH_ADVANCE 6.0f  /* grid units per letter, with the gap */
#define GLYPH_HEIGHT  6.0f

static void
push (GArray *vertices, float x, float y, const float rgba[4])
{
  OspOverlayVertex v = { x, y, { rgba[0], rgba[1], rgba[2], rgba[3] } };

  g_array_append_val (vertices, v);
}

/* A segment `w` pixels thick, its ends extended by w/2 so polylines join without gaps. */
static void
segment (GArray *vertices, float x0, float y0, float x1, float y1, float w, const float rgba[4])
{
  float dx = x1 - x0, dy = y1 - y0, len = sqrtf (dx * dx + dy * dy), nx, ny;

  if (len < 1e-6f)
    dx = 1.0f, dy = 0.0f, len = 1.0f;
  dx /= len, dy /= len;
  x0 -= dx * w * 0.5f, y0 -= dy * w * 0.5f;
  x1 += dx * w * 0.5f, y1 += dy * w * 0.5f;
  nx = -dy * w * 0.5f, ny = dx * w * 0.5f;
  push (vertices, x0 + nx, y0 + ny, rgba);
  push (vertices, x1 + nx, y1 + ny, rgba);
  push (vertices, x1 - nx, y1 - ny, rgba);
  push (vertices, x0 + nx, y0 + ny, rgba);
  push (vertices, x1 - nx, y1 - ny, rgba);
  push (vertices, x0 - nx, y0 - ny, rgba);
}

void
osp_overlay_line (GArray *vertices, float x0, float y0, float x1, float y1, float width,
                  const float rgba[4])
{
  segment (vertices, x0, y0, x1, y1, width, rgba);
}

static void
disc (GArray *vertices, float cx, float cy, float r, const float rgba[4])
{
  const int n = 32;

  for (int i = 0; i < n; i++)
    {
      float a0 = 2.0f * G_PI * i / n, a1 = 2.0f * G_PI * (i + 1) / n;

      push (vertices, cx, cy, rgba);
      push (vertices, cx + r * cosf (a0), cy + r * sinf (a0), rgba);
      push (vertices, cx + r * cosf (a1), cy + r * sinf (a1), rgba);
    }
}

static const char *
glyph_strokes (char c)
{
  for (guint i = 0; i < G_N_ELEMENTS (glyphs); i++)
    if (glyphs[i].c == c)
      return glyphs[i].strokes;
  return NULL;
}

float
osp_overlay_text_width (const char *text,
                        float       height)
{
  gsize n = strlen (text);

  if (n == 0)
    return 0.0f;
  /* The last letter has no gap after it. */
  return (n * GLYPH_ADVANCE - 2.0f) * height / GLYPH_HEIGHT;
}

void
osp_overlay_text (GArray      *vertices,
                  const char  *text,
                  float        cx,
                  float        cy,
                  float        height,
                  const float  rgba[4])
{
  float unit = height / GLYPH_HEIGHT;
  float x = cx - 0.5f * osp_overlay_text_width (text, height);
  float base = cy + 0.5f * height;  /* the baseline, pixels grow downwards */
  float w = MAX (1.2f, unit * 0.8f);

  for (const char *c = text; *c != '\0'; c++, x += GLYPH_ADVANCE * unit)
    {
      const char *s = glyph_strokes (*c);

      if (s == NULL)
        continue;
      while (*s != '\0')
        {
          const char *end = strchr (s, ' ');
          gsize len = end != NULL ? (gsize) (end - s) : strlen (s);

          for (gsize i = 0; i + 3 < len; i += 2)
            segment (vertices,
                     x + (s[i] - '0') * unit, base - (s[i + 1] - '0') * unit,
                     x + (s[i + 2] - '0') * unit, base - (s[i + 3] - '0') * unit, w, rgba);
          s += len;
          if (*s == ' ')
            s++;
        }
    }
}

typedef struct
{
  int   axis;
  float sign;
  float depth;  /* towards the viewer: drawn last */
} HalfAxis;

static int
compare_depth (gconstpointer a, gconstpointer b)
{
  const HalfAxis *x = a, *y = b;

  return (x->depth > y->depth) - (x->depth < y->depth);
}

void
osp_overlay_orientation_marker (GArray          *vertices,
                                const OspCamera *camera,
                                int              width,
                                int              height,
                                float            scale)
{
  static const char *labels[3][2] = { { "R", "L" }, { "A", "P" }, { "I", "S" } };
  static const float colors[3][4] = {
    { 0.93f, 0.33f, 0.30f, 1.0f },
    { 0.40f, 0.82f, 0.36f, 1.0f },
    { 0.36f, 0.56f, 0.98f, 1.0f },
  };
  static const float backdrop[4] = { 0.0f, 0.0f, 0.0f, 0.28f };
  static const float text_color[4] = { 0.95f, 0.95f, 0.95f, 1.0f };
  float length = 30.0f * scale, margin = 52.0f * scale;
  float cx = margin, cy = height - margin;
  versor q;
  vec3 right, up, back;
  HalfAxis halves[6];

  if (width < 4 * margin || height < 3 * margin)
    return;
  glm_quat_copy ((float *) camera->orientation, q);
  glm_quat_rotatev (q, (vec3) { 1, 0, 0 }, right);
  glm_quat_rotatev (q, (vec3) { 0, 1, 0 }, up);
  glm_quat_rotatev (q, (vec3) { 0, 0, 1 }, back);

  disc (vertices, cx, cy, length + 16.0f * scale, backdrop);
  for (int i = 0; i < 6; i++)
    {
      halves[i].axis = i / 2;
      halves[i].sign = (i % 2) ? 1.0f : -1.0f;
      halves[i].depth = halves[i].sign * back[halves[i].axis];
    }
  qsort (halves, 6, sizeof halves[0], compare_depth);
  for (int i = 0; i < 6; i++)
    {
      int k = halves[i].axis;
      float s = halves[i].sign;
      /* Where the world axis e_k lands on the screen (y down). */
      float dx = s * right[k], dy = -s * up[k];
      float color[4];

      memcpy (color, colors[k], sizeof color);
      if (s < 0)
        for (int c = 0; c < 3; c++)
          color[c] = 0.45f + 0.35f * color[c];
      segment (vertices, cx, cy, cx + length * dx, cy + length * dy,
               (s > 0 ? 3.0f : 2.0f) * scale, color);
      /* An axis pointing straight away is hidden behind the centre. */
      if (sqrtf (dx * dx + dy * dy) < 0.25f && halves[i].depth < 0)
        continue;
      osp_overlay_text (vertices, labels[k][s > 0], cx + (length + 9.0f * scale) * dx,
                        cy + (length + 9.0f * scale) * dy, 10.0f * scale, text_color);
    }
}

double
osp_overlay_scale_bar_length (double mm_per_pixel,
                              double max_pixels)
{
  double limit = mm_per_pixel * max_pixels, decade, best;

  if (!(limit > 0.0) || !isfinite (limit))
    return 0.0;
  decade = pow (10.0, floor (log10 (limit)));
  best = decade;
  if (2.0 * decade <= limit)
    best = 2.0 * decade;
  if (5.0 * decade <= limit)
    best = 5.0 * decade;
  return best;
}

void
osp_overlay_scale_bar (GArray          *vertices,
                       const OspCamera *camera,
                       int              width,
                       int              height,
                       float            scale)
{
  static const float color[4] = { 0.95f, 0.95f, 0.95f, 1.0f };
  static const float shadow[4] = { 0.0f, 0.0f, 0.0f, 0.45f };
  /* Framebuffer pixels may be smaller than the camera's (HiDPI). */
  double mm_per_px = osp_camera_get_mm_per_pixel (camera) * camera->height / MAX (height, 1);
  double mm = osp_overlay_scale_bar_length (mm_per_px, 170.0 * scale);
  float px, x1, x0, y, tick = 7.0f * scale, w = 2.5f * scale;
  char number[G_ASCII_DTOSTR_BUF_SIZE], label[G_ASCII_DTOSTR_BUF_SIZE + 8];

  if (mm <= 0.0 || width < 200 * scale || height < 80 * scale)
    return;
  px = (float) (mm / mm_per_px);
  x1 = width - 20.0f * scale;
  x0 = x1 - px;
  y = height - 22.0f * scale;
  g_ascii_formatd (number, sizeof number, "%g", mm);
  g_snprintf (label, sizeof label, "%s mm", number);

  for (int pass = 0; pass < 2; pass++)
    {
      const float *c = pass == 0 ? shadow : color;
      float o = pass == 0 ? 1.0f * scale : 0.0f;

      segment (vertices, x0 + o, y + o, x1 + o, y + o, w, c);
      segment (vertices, x0 + o, y - tick + o, x0 + o, y + o, w, c);
      segment (vertices, x1 + o, y - tick + o, x1 + o, y + o, w, c);
      osp_overlay_text (vertices, label, 0.5f * (x0 + x1) + o, y - 16.0f * scale + o,
                        10.0f * scale, c);
    }
}
