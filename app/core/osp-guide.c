/* osp-guide.c — patient-specific osteotomy guides
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * See osp-guide.h for the construction.  Coordinates: the guide frame has axes e1, e2 (across
 * the insertion direction) and u (the insertion direction, pointing away from the bone); a
 * "column" is the line through a grid point along u, and top[c] is the height (along u) of the
 * first bone surface a ray coming down the column meets.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-mesh-io.h"
#include "osp-guide.h"
#include "osp-print-check.h"
#include "osp-segment.h"
#include "osp-volume.h"

#define NO_BONE        (-INFINITY)
#define MAX_VOXELS     (48u * 1000u * 1000u)
#define FIELD_SCALE    1000.0   /* int16 field units per mm: 1 µm steps, ±32 mm range */
#define END_WALL       4.0      /* mm of material closing each end of a slot */
#define LABEL_HEIGHT   5.5      /* mm, capital letters */
#define LABEL_STROKE   1.9      /* mm: more than the print check's minimum wall */
#define LABEL_RAISE    0.8      /* mm above the shell */
#define MIN_FACING     0.26     /* cos 75°: steeper bone is not patch */
#define FACE_WINDOW    0.03     /* mm: corners this near a slot face count as on it */
#define MIN_WEDGE_ANGLE 10.0    /* degrees: see check_slots_apart() */
#define SLOT_MARGIN    0.003    /* mm each slot face stands off its plane ± half the width */
#define CHANNEL_SAGITTA 0.01    /* mm: a 0.25 mm chord of a 1.1 mm circle is 0.007 inside it */

void
osp_guide_params_init (OspGuideParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->patch_width = 12;
  params->fit_gap = 0.15;
  params->thickness = 4;
  params->blade = 1.27;
  params->clearance = 0.25;
  params->slot_wall = 3;
  params->slot_height = 10;
  params->slot_overrun = 7;
  params->n_pins = 2;
  params->pin_diameter = 2.0;
  params->sleeve_wall = 2.0;
  params->sleeve_height = 8;
  params->voxel = 0.25;
}

void
osp_guide_report_clear (OspGuideReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->notes, g_ptr_array_unref);
  g_clear_pointer (&report->warnings, g_ptr_array_unref);
  memset (report, 0, sizeof *report);
}

/* -- A stroke font ------------------------------------------------------------------------ */

/* Each glyph is polylines on a 4 × 6 grid (x right, y up), pen lifted at '|'. */
static const struct
{
  char        c;
  const char *strokes;
} glyphs[] = {
  { 'A', "0 0 0 4 2 6 4 4 4 0|0 3 4 3" },   { 'B', "0 0 0 6 3 6 4 5 3 3 0 3|3 3 4 2 4 1 3 0 0 0" },
  { 'C', "4 1 3 0 1 0 0 1 0 5 1 6 3 6 4 5" }, { 'D', "0 0 0 6 2 6 4 4 4 2 2 0 0 0" },
  { 'E', "4 0 0 0 0 6 4 6|0 3 3 3" },       { 'F', "0 0 0 6 4 6|0 3 3 3" },
  { 'G', "4 5 3 6 1 6 0 5 0 1 1 0 3 0 4 1 4 3 2 3" }, { 'H', "0 0 0 6|4 0 4 6|0 3 4 3" },
  { 'I', "1 0 3 0|2 0 2 6|1 6 3 6" },       { 'J', "0 1 1 0 2 0 3 1 3 6" },
  { 'K', "0 0 0 6|4 6 0 2|1 3 4 0" },       { 'L', "0 6 0 0 4 0" },
  { 'M', "0 0 0 6 2 3 4 6 4 0" },           { 'N', "0 0 0 6 4 0 4 6" },
  { 'O', "1 0 0 1 0 5 1 6 3 6 4 5 4 1 3 0 1 0" }, { 'P', "0 0 0 6 3 6 4 5 4 4 3 3 0 3" },
  { 'Q', "1 0 0 1 0 5 1 6 3 6 4 5 4 1 3 0 1 0|2 2 4 0" },
  { 'R', "0 0 0 6 3 6 4 5 4 4 3 3 0 3|2 3 4 0" },
  { 'S', "0 1 1 0 3 0 4 1 4 2 3 3 1 3 0 4 0 5 1 6 3 6 4 5" }, { 'T', "0 6 4 6|2 6 2 0" },
  { 'U', "0 6 0 1 1 0 3 0 4 1 4 6" },       { 'V', "0 6 2 0 4 6" },
  { 'W', "0 6 1 0 2 3 3 0 4 6" },           { 'X', "0 0 4 6|0 6 4 0" },
  { 'Y', "0 6 2 3 4 6|2 3 2 0" },           { 'Z', "0 6 4 6 0 0 4 0" },
  { '0', "1 0 0 1 0 5 1 6 3 6 4 5 4 1 3 0 1 0|0 1 4 5" }, { '1', "1 5 2 6 2 0|1 0 3 0" },
  { '2', "0 5 1 6 3 6 4 5 4 4 0 0 4 0" },   { '3', "0 5 1 6 3 6 4 5 4 4 3 3 1 3|3 3 4 2 4 1 3 0 1 0 0 1" },
  { '4', "3 0 3 6 0 2 4 2" },               { '5', "4 6 0 6 0 3 3 3 4 2 4 1 3 0 0 0" },
  { '6', "4 5 3 6 1 6 0 5 0 1 1 0 3 0 4 1 4 2 3 3 0 3" }, { '7', "0 6 4 6 1 0" },
  { '8', "1 3 0 4 0 5 1 6 3 6 4 5 4 4 3 3 1 3 0 2 0 1 1 0 3 0 4 1 4 2 3 3" },
  { '9', "0 1 1 0 3 0 4 1 4 5 3 6 1 6 0 5 0 4 1 3 4 3" },
  { '-', "1 3 3 3" }, { '.', "2 0 2 0.4" }, { '/', "0 0 4 6" }, { ' ', "" },
};

/* Appends the label's stroke segments (x0 y0 x1 y1, in mm, text starting at 0, baseline 0) and
 * returns the text's length in mm.  Unknown characters are skipped and counted. */
static double
label_segments (const char *text,
                GArray     *segments,
                guint      *out_n_unknown)
{
  double scale = LABEL_HEIGHT / 6.0, advance = 6.0 * scale, x = 0;

  *out_n_unknown = 0;
  for (const char *p = text; *p != '\0'; p++)
    {
      char c = g_ascii_toupper (*p);
      const char *strokes = NULL;

      for (guint g = 0; g < G_N_ELEMENTS (glyphs); g++)
        if (glyphs[g].c == c)
          strokes = glyphs[g].strokes;
      if (strokes == NULL)
        {
          (*out_n_unknown)++;
          continue;
        }
      {
        g_auto(GStrv) polylines = g_strsplit (strokes, "|", -1);

        for (guint l = 0; polylines[l] != NULL; l++)
          {
            g_auto(GStrv) nums = g_strsplit_set (g_strstrip (polylines[l]), " ", -1);
            guint n = g_strv_length (nums);

            for (guint k = 0; k + 3 < n; k += 2)
              {
                float s[4] = {
                  (float) (x + g_ascii_strtod (nums[k], NULL) * scale),
                  (float) (g_ascii_strtod (nums[k + 1], NULL) * scale),
                  (float) (x + g_ascii_strtod (nums[k + 2], NULL) * scale),
                  (float) (g_ascii_strtod (nums[k + 3], NULL) * scale),
                };
                g_array_append_vals (segments, s, 4);
              }
          }
      }
      x += advance;
    }
  return MAX (x - 2.0 * scale, 0.0);
}

static double
segment_distance_2d (double px, double py, const float *s)
{
  double dx = s[2] - s[0], dy = s[3] - s[1];
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - s[0]) * dx + (py - s[1]) * dy) / len2 : 0;

  t = CLAMP (t, 0.0, 1.0);
  return hypot (px - (s[0] + t * dx), py - (s[1] + t * dy));
}

/* -- 2D distance transform (Felzenszwalb & Huttenlocher) ---------------------------------- */

static void
edt_1d (const float *f, int n, float *d, int *v, float *z)
{
  int k = 0;

  v[0] = 0;
  z[0] = -INFINITY;
  z[1] = INFINITY;
  for (int q = 1; q < n; q++)
    {
      float s;

      for (;;)
        {
          s = ((f[q] + (float) q * q) - (f[v[k]] + (float) v[k] * v[k])) / (2.0f * q - 2.0f * v[k]);
          if (s <= z[k] && k > 0)
            k--;
          else
            break;
        }
      if (s <= z[k])
        {
          /* k == 0 and the new parabola wins everywhere. */
          v[0] = q;
          z[0] = -INFINITY;
          z[1] = INFINITY;
          continue;
        }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INFINITY;
    }
  k = 0;
  for (int q = 0; q < n; q++)
    {
      while (z[k + 1] < q)
        k++;
      d[q] = ((float) q - v[k]) * ((float) q - v[k]) + f[v[k]];
    }
}

/* Squared distance (in cells) from each cell to the nearest cell where mask == want. */
static void
edt_2d (const guint8 *mask, guint8 want, int nx, int ny, float *out)
{
  int n = MAX (nx, ny);
  g_autofree float *f = g_new (float, n);
  g_autofree float *d = g_new (float, n);
  g_autofree float *z = g_new (float, n + 1);
  g_autofree int *v = g_new (int, n);
  const float big = 1e20f;

  for (int j = 0; j < ny; j++)
    {
      for (int i = 0; i < nx; i++)
        f[i] = mask[i + nx * j] == want ? 0 : big;
      edt_1d (f, nx, d, v, z);
      memcpy (out + nx * j, d, sizeof (float) * nx);
    }
  for (int i = 0; i < nx; i++)
    {
      for (int j = 0; j < ny; j++)
        f[j] = out[i + nx * j];
      edt_1d (f, ny, d, v, z);
      for (int j = 0; j < ny; j++)
        out[i + nx * j] = d[j];
    }
}

/* In place: squared distance (in cells) from each voxel to the nearest voxel whose input value
 * is 0 (input: 0 or a large value), along x, then y, then z. */
static void
edt_3d (float *grid, int nx, int ny, int nz)
{
  int n = MAX (nx, MAX (ny, nz));
  g_autofree float *f = g_new (float, n);
  g_autofree float *d = g_new (float, n);
  g_autofree float *z = g_new (float, n + 1);
  g_autofree int *v = g_new (int, n);
  gsize sx = 1, sy = (gsize) nx, sz = (gsize) nx * ny;

  for (int k = 0; k < nz; k++)
    for (int j = 0; j < ny; j++)
      {
        float *row = grid + j * sy + k * sz;

        memcpy (f, row, sizeof (float) * nx);
        edt_1d (f, nx, d, v, z);
        memcpy (row, d, sizeof (float) * nx);
      }
  for (int k = 0; k < nz; k++)
    for (int i = 0; i < nx; i++)
      {
        for (int j = 0; j < ny; j++)
          f[j] = grid[i * sx + j * sy + k * sz];
        edt_1d (f, ny, d, v, z);
        for (int j = 0; j < ny; j++)
          grid[i * sx + j * sy + k * sz] = d[j];
      }
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        for (int k = 0; k < nz; k++)
          f[k] = grid[i * sx + j * sy + k * sz];
        edt_1d (f, nz, d, v, z);
        for (int k = 0; k < nz; k++)
          grid[i * sx + j * sy + k * sz] = d[k];
      }
}

/* -- The guide ---------------------------------------------------------------------------- */

typedef struct
{
  float  n[3];
  float  d;
  float  b[3];            /* along the slot, in the plane, across u */
  float  a[3];            /* in the plane, towards u */
  double b_min, b_max;    /* the bone's section along b */
  double top_lo, top_hi;  /* the bone's top under the slot walls (heights along u) */
  gboolean has_section;
} Slot;

typedef struct
{
  /* Inputs. */
  const OspMesh        *bone;
  OspBvh               *bvh;
  const OspGuideParams *p;
  Slot                  slots[OSP_GUIDE_MAX_PLANES];
  guint                 n_slots;
  double                half_slot;
  /* Frame. */
  float                 e1[3], e2[3], u[3];
  double                origin[3];
  double                vox;
  int                   nx, ny, nz;
  double                h0;       /* height of grid layer 0 along u */
  /* Columns. */
  float                *top;      /* the highest first bone surface around the column (its
                                   * 3 × 3 neighbourhood), NO_BONE when none */
  float                *top_exact; /* the first bone surface down the column itself */
  float                *facing;   /* u · bone normal there */
  guint8               *patch;    /* 1: the shell stands on this column */
  float                *patch_sd; /* signed 2D distance to the patch outline, mm */
  float                *label_d;  /* 2D distance to the label's strokes, mm (or NULL) */
  /* Pins. */
  guint                 n_pins;
  int                   pin_col[OSP_GUIDE_MAX_PINS];
  OspGuideReport       *report;
} Builder;

static void
note (GPtrArray *list, char *text)
{
  g_ptr_array_add (list, text);
}

static double
dot3 (const float *a, const float *b)
{
  return (double) a[0] * b[0] + (double) a[1] * b[1] + (double) a[2] * b[2];
}

static void
column_point (const Builder *B, int i, int j, double h, float out[3])
{
  for (int k = 0; k < 3; k++)
    out[k] = (float) (B->origin[k] + i * B->vox * B->e1[k] + j * B->vox * B->e2[k] + h * B->u[k]);
}

/* The sections of the bone by each plane: their extent along the slot direction. */
static gboolean
measure_sections (Builder *B, GError **error)
{
  const float *pos = osp_mesh_get_positions (B->bone);
  const guint32 *idx = osp_mesh_get_indices (B->bone);
  guint32 nt = osp_mesh_get_n_triangles (B->bone);

  for (guint s = 0; s < B->n_slots; s++)
    {
      Slot *S = &B->slots[s];
      double length = 0;

      S->b_min = INFINITY;
      S->b_max = -INFINITY;
      for (guint32 t = 0; t < nt; t++)
        {
          const float *v[3] = { pos + 3 * idx[3 * t], pos + 3 * idx[3 * t + 1],
                                pos + 3 * idx[3 * t + 2] };
          double sd[3];
          float pts[2][3];
          guint np = 0;

          for (int k = 0; k < 3; k++)
            sd[k] = dot3 (S->n, v[k]) - S->d;
          for (int k = 0; k < 3 && np < 2; k++)
            {
              int l = (k + 1) % 3;

              if ((sd[k] < 0) != (sd[l] < 0))
                {
                  double t0 = sd[k] / (sd[k] - sd[l]);

                  for (int c = 0; c < 3; c++)
                    pts[np][c] = (float) (v[k][c] + t0 * (v[l][c] - v[k][c]));
                  np++;
                }
            }
          if (np < 2)
            continue;
          S->has_section = TRUE;
          for (guint q = 0; q < 2; q++)
            {
              double bq = dot3 (S->b, pts[q]);

              S->b_min = MIN (S->b_min, bq);
              S->b_max = MAX (S->b_max, bq);
            }
          length += sqrt ((pts[0][0] - pts[1][0]) * (pts[0][0] - pts[1][0]) +
                          (pts[0][1] - pts[1][1]) * (pts[0][1] - pts[1][1]) +
                          (pts[0][2] - pts[1][2]) * (pts[0][2] - pts[1][2]));
        }
      if (!S->has_section)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("Cut plane %u (%.3f, %.3f, %.3f, %.2f) misses the bone: there is nothing "
                         "for its slot to guide"),
                       s + 1, S->n[0], S->n[1], S->n[2], S->d);
          return FALSE;
        }
      if (B->report != NULL)
        B->report->section_length[s] = S->b_max - S->b_min;
      (void) length;
    }
  return TRUE;
}

/* Sets each slot's in-plane axes for the insertion direction; FALSE when a plane faces it
 * (the saw would have to enter across the plane). */
static gboolean
slot_axes (Builder *B, GError **error)
{
  for (guint s = 0; s < B->n_slots; s++)
    {
      Slot *S = &B->slots[s];
      vec3 n = { S->n[0], S->n[1], S->n[2] }, u = { B->u[0], B->u[1], B->u[2] }, b, a;

      glm_vec3_cross (n, u, b);
      if (glm_vec3_norm (b) < 0.5f)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("Cut plane %u is nearly square to the insertion direction (%.0f°): a saw "
                         "cannot enter its slot from the guide's side. Choose another insertion "
                         "direction."),
                       s + 1, acos (CLAMP (fabs (glm_vec3_dot (n, u)), 0.0, 1.0)) * 180 / G_PI);
          return FALSE;
        }
      glm_vec3_normalize (b);
      glm_vec3_cross (b, n, a);
      if (glm_vec3_dot (a, u) < 0)
        glm_vec3_negate (a);
      memcpy (S->b, b, sizeof S->b);
      memcpy (S->a, a, sizeof S->a);
    }
  return TRUE;
}

/* Picks the insertion direction that reaches the most bone near the planes: candidates turn
 * about each plane's normal (a saw enters along its plane), each scored by the area of bone
 * near the planes that faces it and is not hidden behind other bone. */
static gboolean
choose_direction (Builder *B, GError **error)
{
  const float *pos = osp_mesh_get_positions (B->bone);
  const guint32 *idx = osp_mesh_get_indices (B->bone);
  guint32 nt = osp_mesh_get_n_triangles (B->bone);
  g_autoptr(GArray) near = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree float *normals = osp_mesh_compute_face_normals (B->bone);
  double best = 0;
  float best_u[3] = { 0, 0, 0 };
  guint stride;

  for (guint32 t = 0; t < nt; t++)
    {
      float c[3];

      for (int k = 0; k < 3; k++)
        c[k] = (pos[3 * idx[3 * t] + k] + pos[3 * idx[3 * t + 1] + k] +
                pos[3 * idx[3 * t + 2] + k]) / 3.0f;
      for (guint s = 0; s < B->n_slots; s++)
        if (fabs (dot3 (B->slots[s].n, c) - B->slots[s].d) <= B->p->patch_width)
          {
            g_array_append_val (near, t);
            break;
          }
    }
  stride = MAX (near->len / 6000, 1);

  for (guint s = 0; s < B->n_slots; s++)
    {
      vec3 n = { B->slots[s].n[0], B->slots[s].n[1], B->slots[s].n[2] }, a0, b0;
      vec3 ref = { 1, 0, 0 };

      if (fabs (n[0]) > 0.8f)
        glm_vec3_copy ((vec3) { 0, 1, 0 }, ref);
      glm_vec3_cross (n, ref, a0);
      glm_vec3_normalize (a0);
      glm_vec3_cross (n, a0, b0);
      for (int k = 0; k < 36; k++)
        {
          double th = k * G_PI / 18, score = 0;
          float u[3];
          gboolean ok = TRUE;

          for (int c = 0; c < 3; c++)
            u[c] = (float) (cos (th) * a0[c] + sin (th) * b0[c]);
          for (guint q = 0; q < B->n_slots; q++)
            ok = ok && fabs (dot3 (u, B->slots[q].n)) <= 0.5;
          if (!ok)
            continue;
          for (guint i = 0; i < near->len; i += stride)
            {
              guint32 t = g_array_index (near, guint32, i);
              const float *fn = normals + 3 * t;
              double facing = dot3 (fn, u);
              float c[3];

              if (facing < MIN_FACING)
                continue;
              for (int e = 0; e < 3; e++)
                c[e] = (pos[3 * idx[3 * t] + e] + pos[3 * idx[3 * t + 1] + e] +
                        pos[3 * idx[3 * t + 2] + e]) / 3.0f + 0.01f * fn[e];
              if (osp_bvh_ray_occluded (B->bvh, c, u, 0.0f, INFINITY))
                continue;
              {
                const float *p0 = pos + 3 * idx[3 * t], *p1 = pos + 3 * idx[3 * t + 1],
                            *p2 = pos + 3 * idx[3 * t + 2];
                vec3 e1 = { p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2] };
                vec3 e2 = { p2[0] - p0[0], p2[1] - p0[1], p2[2] - p0[2] }, cr;

                glm_vec3_cross (e1, e2, cr);
                score += 0.5 * glm_vec3_norm (cr) * facing;
              }
            }
          if (score > best)
            {
              best = score;
              memcpy (best_u, u, sizeof best_u);
            }
        }
    }
  if (best <= 0)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("No part of the bone near the cut planes can be reached from one "
                             "direction along the planes: a guide cannot seat there"));
      return FALSE;
    }
  memcpy (B->u, best_u, sizeof B->u);
  return TRUE;
}

/* Lays the grid over everything the guide may cover and casts one ray down each column. */
static gboolean
cast_columns (Builder *B, GError **error)
{
  OspBox box;
  double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  double hmax = -INFINITY, reach;
  g_autofree float *normals = osp_mesh_compute_face_normals (B->bone);
  guint64 n_columns;

  /* The frame: e1 along the first slot, e2 = u × e1. */
  memcpy (B->e1, B->slots[0].b, sizeof B->e1);
  {
    vec3 u = { B->u[0], B->u[1], B->u[2] }, e1 = { B->e1[0], B->e1[1], B->e1[2] }, e2;

    glm_vec3_cross (u, e1, e2);
    glm_vec3_normalize (e2);
    memcpy (B->e2, e2, sizeof B->e2);
  }

  /* Extent across u: each slot's section with its overrun and end walls, widened by the patch
   * and the sleeves; the bone's bounds cap it. */
  reach = MAX (B->p->patch_width, B->p->slot_overrun + END_WALL) + 2 * B->p->sleeve_wall +
          B->p->pin_diameter + 2;
  osp_mesh_get_bounds (B->bone, &box);
  for (int corner = 0; corner < 8; corner++)
    {
      float c[3] = { corner & 1 ? box.max[0] : box.min[0], corner & 2 ? box.max[1] : box.min[1],
                     corner & 4 ? box.max[2] : box.min[2] };

      hmax = MAX (hmax, dot3 (B->u, c));
    }
  for (guint s = 0; s < B->n_slots; s++)
    {
      const Slot *S = &B->slots[s];

      /* The section lies in the plane, between b_min and b_max; along a it spans at most the
       * bone's size.  Project the four corners of that rectangle. */
      for (int corner = 0; corner < 4; corner++)
        {
          double bb = (corner & 1 ? S->b_max + reach : S->b_min - reach);
          double diag = sqrt ((box.max[0] - box.min[0]) * (box.max[0] - box.min[0]) +
                              (box.max[1] - box.min[1]) * (box.max[1] - box.min[1]) +
                              (box.max[2] - box.min[2]) * (box.max[2] - box.min[2]));
          double aa = (corner & 2 ? 1 : -1) * diag;
          float c[3];
          double c1, c2;

          /* A point of the plane: d n + bb b + aa a. */
          for (int k = 0; k < 3; k++)
            c[k] = (float) (S->d * S->n[k] + bb * S->b[k] + aa * S->a[k]);
          c1 = dot3 (B->e1, c);
          c2 = dot3 (B->e2, c);
          lo[0] = MIN (lo[0], c1);
          hi[0] = MAX (hi[0], c1);
          lo[1] = MIN (lo[1], c2 - reach);
          hi[1] = MAX (hi[1], c2 + reach);
        }
    }
  /* Clip to the bone's projected bounds plus the reach. */
  {
    double blo[2] = { INFINITY, INFINITY }, bhi[2] = { -INFINITY, -INFINITY };

    for (int corner = 0; corner < 8; corner++)
      {
        float c[3] = { corner & 1 ? box.max[0] : box.min[0], corner & 2 ? box.max[1] : box.min[1],
                       corner & 4 ? box.max[2] : box.min[2] };
        double c1 = dot3 (B->e1, c), c2 = dot3 (B->e2, c);

        blo[0] = MIN (blo[0], c1);
        bhi[0] = MAX (bhi[0], c1);
        blo[1] = MIN (blo[1], c2);
        bhi[1] = MAX (bhi[1], c2);
      }
    for (int k = 0; k < 2; k++)
      {
        lo[k] = MAX (lo[k], blo[k] - reach);
        hi[k] = MIN (hi[k], bhi[k] + reach);
      }
  }

  B->vox = B->p->voxel;
  /* Off by a fraction of a step, so that no face of the field (slot ends, pin sleeves, all a
   * whole number of millimetres from lo) falls on a grid line: a field of 0 on a grid line
   * comes out as a sheet of a few micrometres. */
  lo[0] -= 0.37 * B->vox;
  lo[1] -= 0.37 * B->vox;
  n_columns = (guint64) ((hi[0] - lo[0]) / B->vox + 3) * (guint64) ((hi[1] - lo[1]) / B->vox + 3);
  if (n_columns > 4000000)
    {
      double vox = B->vox * sqrt ((double) n_columns / 4000000.0);

      note (B->report->notes,
            g_strdup_printf (_("The guide covers a large area: its shell was built on a %.2f mm "
                               "grid instead of %.2f mm."), vox, B->vox));
      B->vox = vox;
    }
  B->nx = (int) ceil ((hi[0] - lo[0]) / B->vox) + 3;
  B->ny = (int) ceil ((hi[1] - lo[1]) / B->vox) + 3;
  for (int k = 0; k < 3; k++)
    B->origin[k] = (lo[0] - B->vox) * B->e1[k] + (lo[1] - B->vox) * B->e2[k];

  B->top = g_new (float, (gsize) B->nx * B->ny);
  B->facing = g_new0 (float, (gsize) B->nx * B->ny);
  for (int j = 0; j < B->ny; j++)
    for (int i = 0; i < B->nx; i++)
      {
        float start[3], down[3] = { -B->u[0], -B->u[1], -B->u[2] };
        OspRayHit hit;
        gsize c = i + (gsize) B->nx * j;

        column_point (B, i, j, hmax + 1.0, start);
        if (osp_bvh_ray_cast (B->bvh, start, down, 0.0f, INFINITY, &hit))
          {
            B->top[c] = (float) (hmax + 1.0 - hit.t);
            B->facing[c] = (float) dot3 (normals + 3 * hit.triangle, B->u);
          }
        else
          B->top[c] = NO_BONE;
      }

  /* The bone between grid points can stand higher than at them (a ridge, the side of a
   * column next to one that misses the bone): every column takes the highest top of its 3 × 3
   * neighbourhood, so the guide clears the bone in every grid cell it spans. */
  {
    g_autofree float *safe = g_new (float, (gsize) B->nx * B->ny);

    for (int j = 0; j < B->ny; j++)
      for (int i = 0; i < B->nx; i++)
        {
          float m = NO_BONE;

          for (int dj = -1; dj <= 1; dj++)
            for (int di = -1; di <= 1; di++)
              {
                int ii = i + di, jj = j + dj;

                if (ii >= 0 && jj >= 0 && ii < B->nx && jj < B->ny)
                  m = MAX (m, B->top[ii + (gsize) B->nx * jj]);
              }
          safe[i + (gsize) B->nx * j] = m;
        }
    B->top_exact = g_steal_pointer (&B->top);
    B->top = g_steal_pointer (&safe);
  }
  (void) error;
  return TRUE;
}

static double
slot_wall_2d (const Builder *B, const Slot *S, const float x[3])
{
  double sn = dot3 (S->n, x) - S->d, sb = dot3 (S->b, x);
  double across = fabs (sn) - (B->half_slot + B->p->slot_wall);
  double along = MAX (S->b_min - B->p->slot_overrun - END_WALL - sb,
                      sb - (S->b_max + B->p->slot_overrun + END_WALL));

  return MAX (across, along);
}

/* The patch: columns whose bone surface is within patch_width of a plane and faces u.  Then
 * each slot's wall footprint gives the bone-top range the walls stand on. */
static gboolean
find_patch (Builder *B, GError **error)
{
  gsize n = (gsize) B->nx * B->ny;
  g_autofree float *din = g_new (float, n);
  g_autofree float *dout = g_new (float, n);
  double area = 0;

  B->patch = g_new0 (guint8, n);
  for (int j = 0; j < B->ny; j++)
    for (int i = 0; i < B->nx; i++)
      {
        gsize c = i + (gsize) B->nx * j;
        float x[3];

        if (B->top_exact[c] == NO_BONE || B->facing[c] < MIN_FACING)
          continue;
        /* Not over a cliff: a shell whose neighbouring columns stand more than half its
         * thickness apart would come out as a thin fin. */
        {
          gboolean cliff = FALSE;

          for (int dj = -1; dj <= 1; dj++)
            for (int di = -1; di <= 1; di++)
              {
                int ii = i + di, jj = j + dj;
                float other;

                if (ii < 0 || jj < 0 || ii >= B->nx || jj >= B->ny)
                  continue;
                other = B->top[ii + (gsize) B->nx * jj];
                cliff = cliff || other == NO_BONE ||
                        fabsf (other - B->top[c]) > 0.5 * B->p->thickness;
              }
          if (cliff)
            continue;
        }
        column_point (B, i, j, B->top_exact[c], x);
        for (guint s = 0; s < B->n_slots; s++)
          {
            const Slot *S = &B->slots[s];
            double sb = dot3 (S->b, x);

            if (fabs (dot3 (S->n, x) - S->d) <= B->p->patch_width &&
                sb >= S->b_min - B->p->patch_width && sb <= S->b_max + B->p->patch_width)
              B->patch[c] = 1;
          }
        if (B->patch[c])
          area += B->vox * B->vox / B->facing[c];
      }
  /* Open the patch (erode, then dilate, by 1 mm): strips and spurs narrower than 2 mm would
   * print as fins too thin to hold. */
  {
    const float r = 1.0f / (float) B->vox;

    edt_2d (B->patch, 0, B->nx, B->ny, dout);
    for (gsize c = 0; c < n; c++)
      din[c] = dout[c];
    for (gsize c = 0; c < n; c++)
      B->patch[c] = B->patch[c] && sqrtf (din[c]) > r;
    edt_2d (B->patch, 1, B->nx, B->ny, din);
    area = 0;
    for (int j = 0; j < B->ny; j++)
      for (int i = 0; i < B->nx; i++)
        {
          gsize c = i + (gsize) B->nx * j;
          gboolean was = B->top_exact[c] != NO_BONE && B->facing[c] >= MIN_FACING;

          B->patch[c] = was && sqrtf (din[c]) <= r + 0.5f && sqrtf (dout[c]) > 0;
          if (B->patch[c])
            area += B->vox * B->vox / B->facing[c];
        }
  }
  if (area < 4 * B->p->patch_width * B->p->patch_width * 0.25)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Only %.0f mm² of bone near the cut planes faces the insertion direction: too "
                     "little for a guide to seat on"), area);
      return FALSE;
    }
  if (B->report != NULL)
    B->report->patch_area = area;

  /* Signed distance to the patch outline (cell centres; the outline halfway between). */
  edt_2d (B->patch, 1, B->nx, B->ny, din);
  edt_2d (B->patch, 0, B->nx, B->ny, dout);
  B->patch_sd = g_new (float, n);
  for (gsize c = 0; c < n; c++)
    B->patch_sd[c] = (float) (B->patch[c] ? -(sqrtf (dout[c]) - 0.5f) * B->vox
                                          : (sqrtf (din[c]) - 0.5f) * B->vox);

  for (guint s = 0; s < B->n_slots; s++)
    {
      Slot *S = &B->slots[s];

      S->top_lo = INFINITY;
      S->top_hi = -INFINITY;
      for (int j = 0; j < B->ny; j++)
        for (int i = 0; i < B->nx; i++)
          {
            gsize c = i + (gsize) B->nx * j;
            float x[3];

            if (B->top[c] == NO_BONE)
              continue;
            column_point (B, i, j, B->top[c], x);
            if (slot_wall_2d (B, S, x) <= 0)
              {
                S->top_lo = MIN (S->top_lo, B->top[c]);
                S->top_hi = MAX (S->top_hi, B->top[c]);
              }
          }
      if (!isfinite (S->top_lo))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The slot of cut plane %u has no bone under it"), s + 1);
          return FALSE;
        }
    }
  return TRUE;
}

/* Two planes that meet at an angle (a wedge) make one guide: each saw path is taken out of
 * the field and the opening of remove_fins() removes whatever is left between them thinner
 * than the minimum wall, so near the line where they meet the two slots join into one
 * captured opening with no brittle sliver between them.  Nearly parallel planes (less than
 * MIN_WEDGE_ANGLE apart) whose slots come closer than the minimum wall where both walls stand
 * on the bone would merge into one wide slot that guides neither cut: refused. */
static gboolean
check_slots_apart (Builder *B, GError **error)
{
  OspPrintCheckOptions check;

  osp_print_check_options_init (&check);
  for (guint s = 0; s < B->n_slots; s++)
    for (guint q = s + 1; q < B->n_slots; q++)
      {
        const Slot *S = &B->slots[s], *Q = &B->slots[q];
        double cosine = dot3 (S->n, Q->n), angle = acos (CLAMP (fabs (cosine), 0.0, 1.0));
        double gap = INFINITY;

        if (angle >= MIN_WEDGE_ANGLE * G_PI / 180)
          continue;
        for (int j = 0; j < B->ny; j++)
          for (int i = 0; i < B->nx; i++)
            {
              gsize c = i + (gsize) B->nx * j;
              float x[3];

              if (B->top[c] == NO_BONE)
                continue;
              column_point (B, i, j, B->top[c] + B->p->fit_gap + B->p->slot_height * 0.5, x);
              if (slot_wall_2d (B, S, x) > 0 || slot_wall_2d (B, Q, x) > 0)
                continue;
              gap = MIN (gap, fabs ((dot3 (S->n, x) - S->d) -
                                    (cosine > 0 ? 1 : -1) * (dot3 (Q->n, x) - Q->d)) -
                              2 * B->half_slot);
            }
        if (gap < check.min_wall)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                         _("The slots of cut planes %u and %u collide: the planes are nearly "
                           "parallel (%.1f° apart) and their slots leave %.2f mm of guide "
                           "between them, less than the %.1f mm a printer can make. Move a "
                           "plane, or make one guide for each."),
                         s + 1, q + 1, angle * 180 / G_PI, MAX (gap, 0.0), check.min_wall);
            return FALSE;
          }
      }
  return TRUE;
}

/* Bone thickness along −u under a column: from the top surface to where the ray leaves. */
static double
bone_depth (const Builder *B, int i, int j)
{
  gsize c = i + (gsize) B->nx * j;
  float start[3], down[3] = { -B->u[0], -B->u[1], -B->u[2] };
  OspRayHit hit;

  column_point (B, i, j, B->top_exact[c] - 0.01, start);
  if (osp_bvh_ray_cast (B->bvh, start, down, 0.0f, INFINITY, &hit))
    return hit.t;
  return 0;
}

/* Pins on thick bone, inside the patch, away from the slots, alternating sides of the first
 * plane, at least 15 mm apart. */
static void
place_pins (Builder *B)
{
  double ro = B->p->pin_diameter / 2 + B->p->sleeve_wall;
  int step = 1;

  for (guint k = 0; k < B->p->n_pins && k < OSP_GUIDE_MAX_PINS; k++)
    {
      double best = 0;
      int best_c = -1;

      for (int j = 0; j < B->ny; j += step)
        for (int i = 0; i < B->nx; i += step)
          {
            gsize c = i + (gsize) B->nx * j;
            float x[3];
            gboolean ok = TRUE;
            double side, depth;

            if (!B->patch[c] || B->patch_sd[c] > -0.5 * ro)
              continue;
            column_point (B, i, j, B->top[c], x);
            for (guint s = 0; s < B->n_slots && ok; s++)
              ok = slot_wall_2d (B, &B->slots[s], x) > ro + 0.5;
            for (guint q = 0; q < B->n_pins && ok; q++)
              {
                int pi = B->pin_col[q] % B->nx, pj = B->pin_col[q] / B->nx;

                ok = hypot (pi - i, pj - j) * B->vox >= 15.0;
              }
            if (!ok)
              continue;
            side = dot3 (B->slots[0].n, x) - B->slots[0].d;
            /* Alternate sides: pin 0 on the side the plane keeps (n·x ≤ d is resected, so
             * the remaining bone is n·x > d), pin 1 on the other. */
            if ((k % 2 == 0) != (side > 0))
              continue;
            depth = bone_depth (B, i, j);
            if (depth > best)
              {
                best = depth;
                best_c = (int) c;
              }
          }
      if (best_c < 0)
        {
          note (B->report->warnings,
                g_strdup_printf (_("There is no room for fixation pin %u on thick bone away from "
                                   "the slots; fix the guide by hand."), k + 1));
          continue;
        }
      B->pin_col[B->n_pins] = best_c;
      if (B->report != NULL)
        {
          column_point (B, best_c % B->nx, best_c / B->nx, B->top_exact[best_c],
                        B->report->pin_entry[B->n_pins]);
          B->report->pin_bone_depth[B->n_pins] = best;
        }
      B->n_pins++;
    }
  if (B->report != NULL)
    B->report->n_pins = B->n_pins;
}

/* The label's 2D distance field, centred on the patch cell farthest from its outline, the
 * slots and the pins. */
static void
place_label (Builder *B)
{
  g_autoptr(GArray) segs = g_array_new (FALSE, FALSE, sizeof (float));
  guint n_unknown = 0;
  double length, best = 0, cx = 0, cy = 0;
  gsize n = (gsize) B->nx * B->ny;
  guint n_in = 0, n_stroke = 0;

  if (B->p->label == NULL || B->p->label[0] == '\0')
    return;
  length = label_segments (B->p->label, segs, &n_unknown);
  if (n_unknown > 0)
    note (B->report->warnings,
          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "The label has %u character the guide cannot write "
                                        "(only A–Z, 0–9, - . / and spaces); it was left out.",
                                        "The label has %u characters the guide cannot write "
                                        "(only A–Z, 0–9, - . / and spaces); they were left out.",
                                        n_unknown), n_unknown));
  if (segs->len == 0)
    return;

  for (int j = 0; j < B->ny; j++)
    for (int i = 0; i < B->nx; i++)
      {
        gsize c = i + (gsize) B->nx * j;
        double score;
        float x[3];

        if (!B->patch[c])
          continue;
        column_point (B, i, j, B->top[c], x);
        score = -B->patch_sd[c];
        for (guint s = 0; s < B->n_slots; s++)
          score = MIN (score, slot_wall_2d (B, &B->slots[s], x));
        for (guint q = 0; q < B->n_pins; q++)
          score = MIN (score, hypot (B->pin_col[q] % B->nx - i, B->pin_col[q] / B->nx - j) *
                                B->vox - B->p->pin_diameter / 2 - B->p->sleeve_wall);
        /* Prefer room across the text's height, then length. */
        if (score > best)
          {
            best = score;
            cx = i * B->vox;
            cy = j * B->vox;
          }
      }
  B->label_d = g_new (float, n);
  for (int j = 0; j < B->ny; j++)
    for (int i = 0; i < B->nx; i++)
      {
        double px = i * B->vox - (cx - length / 2), py = j * B->vox - (cy - LABEL_HEIGHT / 2);
        double d = INFINITY;
        gsize c = i + (gsize) B->nx * j;

        if (px > -2 && px < length + 2 && py > -2 && py < LABEL_HEIGHT + 2)
          for (guint s = 0; s < segs->len; s += 4)
            d = MIN (d, segment_distance_2d (px, py, &g_array_index (segs, float, s)));
        B->label_d[c] = (float) d;
        if (d <= LABEL_STROKE / 2)
          {
            n_stroke++;
            n_in += B->patch_sd[c] <= -0.5;
          }
      }
  if (n_stroke > 0 && n_in < 0.95 * n_stroke)
    note (B->report->warnings,
          g_strdup (_("The label does not fit wholly on the guide's shell; it is cut where the "
                      "shell ends. Use a shorter label.")));
}

/* The label's strokes on the shell (negative inside), INFINITY where there are none. */
static double
label_field (const Builder *B, int i, int j, double h)
{
  gsize c = i + (gsize) B->nx * j;
  double top = B->top[c], g = B->p->fit_gap, t;

  if (B->label_d == NULL || top == NO_BONE || !isfinite (B->label_d[c]))
    return INFINITY;
  t = B->p->thickness / CLAMP (B->facing[c], 0.5f, 1.0f);
  return MAX (MAX (B->label_d[c] - LABEL_STROKE / 2, B->patch_sd[c] + 0.5),
              MAX (top + g - h, h - (top + g + t + LABEL_RAISE)));
}

/* The guide's signed distance field (negative inside) at column (i, j), height h, less the
 * label: the shell, slot walls and sleeves, with the saw paths and pin channels taken out. */
static double
field_full (const Builder *B, int i, int j, double h, gboolean as_distance)
{
  gsize c = i + (gsize) B->nx * j;
  double top = B->top[c], g = B->p->fit_gap, d = INFINITY;
  gboolean bone = top != NO_BONE;
  float x[3];

  /* Heights along u over sloping bone are more than distances: as_distance, times the cosine
   * of the slope they are the distance to the bone's tangent plane, so that the field is
   * nowhere deeper than the solid is (remove_fins() takes it for the radius of the balls it
   * keeps).  Otherwise they stay heights, which marching cubes interpolates between columns
   * as the bone's surface. */
  double f = 1.0;

  if (bone && as_distance)
    {
      /* The steepest slope of the height field to a neighbouring column. */
      double steep = 0;

      for (int dj = -1; dj <= 1; dj++)
        for (int di = -1; di <= 1; di++)
          {
            int ii = i + di, jj = j + dj;
            float other;

            if ((di == 0 && dj == 0) || ii < 0 || jj < 0 || ii >= B->nx || jj >= B->ny)
              continue;
            other = B->top[ii + (gsize) B->nx * jj];
            if (other != NO_BONE)
              steep = MAX (steep, fabs (other - top) / (hypot (di, dj) * B->vox));
          }
      f = 1.0 / sqrt (1.0 + steep * steep);
    }

  if (bone)
    {
      /* The shell over the patch, thicker along u where the bone slopes so that it keeps
       * its thickness across the surface. */
      double t = B->p->thickness / CLAMP (B->facing[c], 0.5f, 1.0f);
      double shell = MAX (B->patch_sd[c], f * MAX (top + g - h, h - (top + g + t)));

      d = MIN (d, shell);
    }
  column_point (B, i, j, h, x);
  for (guint s = 0; s < B->n_slots; s++)
    {
      const Slot *S = &B->slots[s];
      double lower = bone ? top + g : S->top_lo + g;
      double upper = (bone ? top : S->top_hi) + g + B->p->slot_height;

      d = MIN (d, MAX (slot_wall_2d (B, S, x), f * MAX (lower - h, h - upper)));
    }
  for (guint q = 0; q < B->n_pins; q++)
    {
      int pc = B->pin_col[q];
      double r = hypot (pc % B->nx - i, pc / B->nx - j) * B->vox;
      double ro = B->p->pin_diameter / 2 + B->p->sleeve_wall;
      double lower = (bone ? top : B->top[pc]) + g;
      double upper = B->top[pc] + g + B->p->thickness + B->p->sleeve_height;

      d = MIN (d, MAX (r - ro, MAX (f * (lower - h), h - upper)));
    }
  /* The saw paths and the pin channels are part of the field, so that the opening of
   * remove_fins() sees them: a cut made afterwards would slice the bone's stepped height
   * field beside a slot face into lips and acute edges thinner than a printer can make.
   * Marching cubes reproduces a plane exactly (the field is linear across it) and never puts
   * material where the field says outside, so each slot face is the plane ± half the slot
   * width (plus SLOT_MARGIN) within the field's micrometre. */
  for (guint s = 0; s < B->n_slots; s++)
    {
      const Slot *S = &B->slots[s];
      double sn = dot3 (S->n, x) - S->d, sb = dot3 (S->b, x);
      double path = MAX (fabs (sn) - (B->half_slot + SLOT_MARGIN),
                         MAX (S->b_min - B->p->slot_overrun - B->vox - sb,
                              sb - (S->b_max + B->p->slot_overrun + B->vox)));

      d = MAX (d, -path);
    }
  for (guint q = 0; q < B->n_pins; q++)
    {
      int pc = B->pin_col[q];
      double r = hypot (pc % B->nx - i, pc / B->nx - j) * B->vox;

      /* 0.1 mm of play; the facets are chords of the circle, SAGITTA off it at most. */
      d = MAX (d, B->p->pin_diameter / 2 + 0.1 + CHANNEL_SAGITTA - r);
    }
  return d;
}

static double
field (const Builder *B, int i, int j, double h)
{
  return field_full (B, i, j, h, FALSE);
}

typedef struct
{
  const Builder *B;
  gint16        *data;
  GCancellable  *cancellable;
} FieldJob;

static gpointer
fill_layers (gpointer user_data)
{
  FieldJob *job = user_data;
  const Builder *B = job->B;

  for (int k = 0; k < B->nz; k++)
    {
      if (g_cancellable_is_cancelled (job->cancellable))
        break;
      for (int j = 0; j < B->ny; j++)
        for (int i = 0; i < B->nx; i++)
          {
            double d = field (B, i, j, B->h0 + k * B->vox);
            double v = CLAMP (-d * FIELD_SCALE, -32000.0, 32000.0);

            job->data[i + (gsize) B->nx * (j + (gsize) B->ny * k)] = (gint16) lrint (v);
          }
    }
  return NULL;
}

/* Removes material thinner than the printable minimum: a morphological opening of the solid
 * by a ball of radius r, the union of the balls inside the solid whose radius is at least r.
 * Each voxel centre whose field says it lies deeper than r inside carries the ball of its
 * depth (the field is nowhere deeper than the solid, so the ball is inside; a voxel centre a
 * fraction of a step deeper than r carries a ball that reaches the face, so flat faces stay
 * where they are); the union of those balls is where min over centres e of
 * |x − e|² − ρ(e)² ≤ 0, a power distance that the distance transform computes exactly (it
 * takes any function of the centres).  Near the surface that power is 2ρ times the distance,
 * which gives the field of the opened solid; marching cubes then rounds every fin, lip and
 * acute edge (a slot face meeting bone that slopes across it) to radius r, and what is left
 * holds a ball of diameter 2r at every point: more than the print check's minimum wall. */
static void
remove_fins (const Builder *B, gint16 *data, double radius)
{
  gsize n = (gsize) B->nx * B->ny * B->nz;
  g_autofree float *grid = g_try_new (float, n);
  const float big = 1e20f;
  double r = radius / B->vox, rmax = r + 2;

  if (grid == NULL)
    return;
  /* The distance from each voxel centre to the nearest outside one: more than its depth, by
   * less than a step. */
  for (gsize i = 0; i < n; i++)
    grid[i] = data[i] > 0 ? big : 0;
  edt_3d (grid, B->nx, B->ny, B->nz);
  for (int k = 0; k < B->nz; k++)
    for (int j = 0; j < B->ny; j++)
      for (int i = 0; i < B->nx; i++)
        {
          gsize v = i + (gsize) B->nx * (j + (gsize) B->ny * k);
          double depth = MIN (data[v] / FIELD_SCALE / B->vox, sqrt (grid[v]));

          if (depth >= r)
            depth = MIN (depth, -field_full (B, i, j, B->h0 + k * B->vox, TRUE) / B->vox);
          /* A little more than the depth: the balls of neighbouring centres leave scallops
           * of up to vox² / 4ρ between them on a flat face, which vox² / 3ρ fills (the solid
           * itself bounds the result). */
          if (depth >= r)
            depth += B->vox / (3 * radius);
          grid[v] = depth >= r ? (float) -(MIN (depth, rmax) * MIN (depth, rmax)) : big;
        }
  edt_3d (grid, B->nx, B->ny, B->nz);
  for (gsize i = 0; i < n; i++)
    {
      double open = -grid[i] / (2 * r) * B->vox * FIELD_SCALE;

      if (open < data[i])
        data[i] = (gint16) lrint (CLAMP (open, -32000.0, 32000.0));
    }
}

/* Adds the label's strokes to the field (after the opening: they are raised on the shell). */
static void
add_label (const Builder *B, gint16 *data)
{
  if (B->label_d == NULL)
    return;
  for (int k = 0; k < B->nz; k++)
    for (int j = 0; j < B->ny; j++)
      for (int i = 0; i < B->nx; i++)
        {
          double d = label_field (B, i, j, B->h0 + k * B->vox);
          gsize v = i + (gsize) B->nx * (j + (gsize) B->ny * k);

          if (isfinite (d) && -d * FIELD_SCALE > data[v])
            data[v] = (gint16) lrint (CLAMP (-d * FIELD_SCALE, -32000.0, 32000.0));
        }
}

static OspMesh *
extract_shell (Builder *B, const OspProgressRange *progress, GCancellable *cancellable,
               GError **error)
{
  double hlo = INFINITY, hhi = -INFINITY;
  g_autoptr(OspVolume) volume = NULL;
  double spacing[3], origin[3], direction[9];
  guint32 dims[3];
  OspProgressRange sub = osp_progress_sub (progress, 0.0, 1.0);

  for (gsize c = 0; c < (gsize) B->nx * B->ny; c++)
    if (B->patch[c])
      {
        hlo = MIN (hlo, B->top[c]);
        hhi = MAX (hhi, B->top[c]);
      }
  for (guint s = 0; s < B->n_slots; s++)
    {
      hlo = MIN (hlo, B->slots[s].top_lo);
      hhi = MAX (hhi, B->slots[s].top_hi);
    }
  hhi += B->p->fit_gap + MAX (B->p->slot_height,
                              2 * B->p->thickness + MAX (B->p->sleeve_height, LABEL_RAISE));
  /* Half a step off: the walls over columns without bone stand on hlo + fit gap exactly, a
   * level that must not fall on a grid layer (a field of 0 there comes out as a sheet). */
  B->h0 = hlo + B->p->fit_gap - 2.5 * B->vox;
  B->nz = (int) ceil ((hhi - B->h0) / B->vox) + 3;
  if ((guint64) B->nx * B->ny * B->nz > MAX_VOXELS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("The guide would need a grid of %d × %d × %d points; choose a coarser grid "
                     "or narrower patch"), B->nx, B->ny, B->nz);
      return NULL;
    }
  dims[0] = B->nx;
  dims[1] = B->ny;
  dims[2] = B->nz;
  for (int k = 0; k < 3; k++)
    {
      spacing[k] = B->vox;
      origin[k] = B->origin[k] + B->h0 * B->u[k];
      direction[k] = B->e1[k];
      direction[3 + k] = B->e2[k];
      direction[6 + k] = B->u[k];
    }
  volume = osp_volume_new (dims, spacing, origin, direction, "guide", error);
  if (volume == NULL)
    return NULL;
  {
    FieldJob job = { B, osp_volume_get_data_mutable (volume), cancellable };

    fill_layers (&job);
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  {
    OspPrintCheckOptions check;

    osp_print_check_options_init (&check);
    remove_fins (B, osp_volume_get_data_mutable (volume),
                 0.5 * check.min_wall + 1.0 * B->vox);
  }
  add_label (B, osp_volume_get_data_mutable (volume));
  osp_progress_report (progress, 0.5);
  sub = osp_progress_sub (progress, 0.5, 0.5);
  return osp_isosurface_extract (volume, 0, 0, &sub, cancellable, error);
}

/* Keeps the pieces that hold at least 1 % of the largest piece's volume. */
static OspMesh *
drop_crumbs (Builder *B, OspMesh *mesh)
{
  guint32 nt = osp_mesh_get_n_triangles (mesh);
  g_autofree guint32 *labels = g_new (guint32, MAX (nt, 1));
  guint32 n = osp_mesh_label_components (mesh, labels);
  g_autofree double *vol = g_new0 (double, MAX (n, 1));
  g_autofree gboolean *keep = g_new (gboolean, MAX (nt, 1));
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  double vmax = 0;
  guint n_dropped = 0;

  if (n <= 1)
    return osp_mesh_ref (mesh);
  for (guint32 t = 0; t < nt; t++)
    {
      const float *a = pos + 3 * idx[3 * t], *b = pos + 3 * idx[3 * t + 1],
                  *c = pos + 3 * idx[3 * t + 2];

      vol[labels[t]] += (a[0] * ((double) b[1] * c[2] - (double) b[2] * c[1]) -
                         a[1] * ((double) b[0] * c[2] - (double) b[2] * c[0]) +
                         a[2] * ((double) b[0] * c[1] - (double) b[1] * c[0])) / 6.0;
    }
  for (guint32 l = 0; l < n; l++)
    vmax = MAX (vmax, vol[l]);
  for (guint32 l = 0; l < n; l++)
    n_dropped += vol[l] < 0.01 * vmax;
  if (n_dropped == 0)
    return osp_mesh_ref (mesh);
  for (guint32 t = 0; t < nt; t++)
    keep[t] = vol[labels[t]] >= 0.01 * vmax;
  note (B->report->notes,
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u crumb of shell too small to print was left out.",
                                      "%u crumbs of shell too small to print were left out.",
                                      n_dropped), n_dropped));
  return osp_mesh_extract_triangles (mesh, keep);
}

/* Measures the finished guide against the plan and the bone. */
static void
check_guide (Builder *B, const OspMesh *guide)
{
  OspGuideReport *R = B->report;
  const float *pos = osp_mesh_get_positions (guide);
  const guint32 *idx = osp_mesh_get_indices (guide);
  guint32 nv = osp_mesh_get_n_vertices (guide), nt = osp_mesh_get_n_triangles (guide);
  guint stride = MAX (nv / 40000, 1);
  OspMeshReport mr;

  osp_mesh_report (guide, &mr);
  R->closed = mr.closed;
  R->n_components = mr.topology.n_components;
  R->volume = mr.volume;
  R->min_bone_distance = INFINITY;

  for (guint32 v = 0; v < nv; v += stride)
    {
      const float *p = pos + 3 * v;
      OspClosestPoint cp;
      float up[3] = { B->u[0], B->u[1], B->u[2] }, from[3];

      if (osp_bvh_closest_point (B->bvh, p, INFINITY, &cp))
        R->min_bone_distance = MIN (R->min_bone_distance, cp.distance);
      if (osp_bvh_is_inside (B->bvh, p))
        R->n_overlap++;
      for (int k = 0; k < 3; k++)
        from[k] = p[k] + 0.001f * up[k];
      if (osp_bvh_ray_occluded (B->bvh, from, up, 0.0f, INFINITY))
        R->n_undercut++;
    }
  for (guint32 v = 0; v < nv; v++)
    for (guint s = 0; s < B->n_slots; s++)
      {
        const Slot *S = &B->slots[s];
        double sn = dot3 (S->n, pos + 3 * v) - S->d, sb = dot3 (S->b, pos + 3 * v);

        if (fabs (sn) < B->half_slot - 1e-3 && sb > S->b_min - B->p->slot_overrun + 1e-3 &&
            sb < S->b_max + B->p->slot_overrun - 1e-3)
          R->n_in_saw_path++;
      }

  /* Each slot's faces: the triangles with every corner within FACE_WINDOW of n·x = d ± half the
   * slot width (a sliver's own normal means nothing after rounding).  A least-squares plane
   * through each face's corners, sn = α + β·(b, a), gives the face's offset and tilt. */
  for (guint s = 0; s < B->n_slots; s++)
    {
      const Slot *S = &B->slots[s];
      double m[2][4][4] = { { { 0 } } }; /* normal equations per side: [1 b a | sn] */
      double offset[2] = { 0, 0 }, angle = 0;
      gboolean ok = TRUE;

      for (guint32 t = 0; t < nt; t++)
        {
          gboolean on_face = TRUE;
          double sn0 = dot3 (S->n, pos + 3 * idx[3 * t]) - S->d;
          int side = sn0 > 0;

          for (int k = 0; k < 3; k++)
            on_face = on_face && fabs (fabs (dot3 (S->n, pos + 3 * idx[3 * t + k]) - S->d) -
                                       B->half_slot) < FACE_WINDOW &&
                      ((dot3 (S->n, pos + 3 * idx[3 * t + k]) - S->d > 0) == side);
          if (!on_face)
            continue;
          for (int k = 0; k < 3; k++)
            {
              const float *v = pos + 3 * idx[3 * t + k];
              double row[4] = { 1, dot3 (S->b, v), dot3 (S->a, v), dot3 (S->n, v) - S->d };

              for (int r = 0; r < 3; r++)
                for (int q = 0; q < 4; q++)
                  m[side][r][q] += row[r] * row[q];
            }
        }
      for (int side = 0; side < 2 && ok; side++)
        {
          double A[3][4];
          double mb, ma, beta;

          memcpy (A, m[side], sizeof A);
          if (A[0][0] < 9)
            {
              ok = FALSE;
              break;
            }
          /* Centre b and a so the 3 × 3 system is well conditioned, then solve for the slopes. */
          mb = A[0][1] / A[0][0];
          ma = A[0][2] / A[0][0];
          {
            double sbb = A[1][1] - A[0][0] * mb * mb, saa = A[2][2] - A[0][0] * ma * ma;
            double sba = A[1][2] - A[0][0] * mb * ma;
            double msn = A[0][3] / A[0][0];
            double sbn = A[1][3] - A[0][0] * mb * msn, san = A[2][3] - A[0][0] * ma * msn;
            double det = sbb * saa - sba * sba;
            double bb = 0, ba = 0;

            if (fabs (det) > 1e-12 * (sbb * saa + 1e-30))
              {
                bb = (sbn * saa - san * sba) / det;
                ba = (sbb * san - sba * sbn) / det;
              }
            else if (sbb > 0)
              bb = sbn / sbb;
            beta = sqrt (bb * bb + ba * ba);
            offset[side] = msn;
          }
          angle = MAX (angle, atan (beta) * 180 / G_PI);
        }
      if (ok)
        {
          R->slot_offset_error[s] = fabs (0.5 * (offset[0] + offset[1]));
          R->slot_angle_error[s] = angle;
        }
      else
        {
          R->slot_offset_error[s] = INFINITY;
          R->slot_angle_error[s] = INFINITY;
          note (R->warnings,
                g_strdup_printf (_("The slot of cut plane %u has no wall on one side: check it "
                                   "in 3D before printing."), s + 1));
        }
    }

  /* The print check, as it will run before export. */
  {
    OspPrintCheckOptions options;
    g_autoptr(OspPrintReport) pr = NULL;

    osp_print_check_options_init (&options);
    pr = osp_print_check ((OspMesh *) guide, &options, NULL, NULL, NULL);
    if (pr != NULL)
      {
        R->print_ready = pr->verdict == OSP_PRINT_READY;
        R->min_wall = pr->min_wall;
        for (guint i = 0; pr->verdict != OSP_PRINT_READY && i < pr->problems->len; i++)
          note (R->warnings, g_strdup_printf (_("Print check: %s"),
                                              (char *) g_ptr_array_index (pr->problems, i)));
      }
  }

  if (R->n_overlap > 0)
    note (R->warnings,
          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "The guide reaches into the bone at %u sampled point.",
                                        "The guide reaches into the bone at %u sampled points.",
                                        R->n_overlap), R->n_overlap));
  if (R->n_undercut > 0)
    note (R->warnings,
          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "The guide cannot be lifted off along its insertion "
                                        "direction: %u sampled point would hit bone.",
                                        "The guide cannot be lifted off along its insertion "
                                        "direction: %u sampled points would hit bone.",
                                        R->n_undercut), R->n_undercut));
  if (R->n_in_saw_path > 0)
    note (R->warnings,
          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u point of the guide lies in a saw path.",
                                        "%u points of the guide lie in a saw path.",
                                        R->n_in_saw_path), R->n_in_saw_path));
  if (R->n_components > 1)
    note (R->warnings,
          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The guide is in %u piece.",
                                        "The guide is in %u pieces: check that each is fixed "
                                        "by a pin or joined to the others.", R->n_components),
                           R->n_components));
}

OspMesh *
osp_guide_make (const OspMesh          *bone,
                const OspPlane         *planes,
                guint                   n_planes,
                const OspGuideParams   *params,
                OspGuideReport         *out_report,
                const OspProgressRange *progress,
                GCancellable           *cancellable,
                GError                **error)
{
  OspGuideReport local = { 0 };
  Builder B = { 0 };
  OspMeshTopology topology;
  g_autoptr(OspMesh) shell = NULL, guide = NULL;
  OspProgressRange sub;

  g_return_val_if_fail (bone != NULL, NULL);
  g_return_val_if_fail (planes != NULL, NULL);
  g_return_val_if_fail (n_planes >= 1 && n_planes <= OSP_GUIDE_MAX_PLANES, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  B.report = out_report != NULL ? out_report : &local;
  memset (B.report, 0, sizeof *B.report);
  B.report->notes = g_ptr_array_new_with_free_func (g_free);
  B.report->warnings = g_ptr_array_new_with_free_func (g_free);

#define CHECK_RANGE(field, lo, hi, what)                                                  \
  if (!(params->field >= (lo) && params->field <= (hi)))                                  \
    {                                                                                     \
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,                                    \
                   _("The %s must be between %g and %g mm (it is %g)"), what, (double) (lo), \
                   (double) (hi), params->field);                                         \
      goto fail;                                                                          \
    }
  CHECK_RANGE (patch_width, 3, 40, _("contact width"));
  CHECK_RANGE (fit_gap, 0, 2, _("fit gap"));
  CHECK_RANGE (thickness, 1.5, 15, _("shell thickness"));
  CHECK_RANGE (blade, 0.3, 3, _("blade thickness"));
  CHECK_RANGE (clearance, 0, 1, _("slot clearance"));
  CHECK_RANGE (slot_wall, 1, 10, _("slot wall"));
  CHECK_RANGE (slot_height, 2, 40, _("slot height"));
  CHECK_RANGE (slot_overrun, 0, 20, _("slot overrun"));
  CHECK_RANGE (pin_diameter, 1, 5, _("pin diameter"));
  CHECK_RANGE (sleeve_wall, 1, 5, _("sleeve wall"));
  CHECK_RANGE (sleeve_height, 0, 30, _("sleeve height"));
  CHECK_RANGE (voxel, 0.1, 2, _("grid step"));
#undef CHECK_RANGE
  if (params->n_pins > OSP_GUIDE_MAX_PINS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("A guide takes at most %u pins"),
                   (guint) OSP_GUIDE_MAX_PINS);
      goto fail;
    }

  osp_mesh_get_topology (bone, &topology);
  if (osp_mesh_get_n_triangles (bone) == 0 || topology.n_boundary_edges > 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The bone is open (%" PRIu64 " boundary edge): repair it "
                                "before making a guide, so the guide seats on a real surface",
                                "The bone is open (%" PRIu64 " boundary edges): repair it "
                                "before making a guide, so the guide seats on a real surface",
                                topology.n_boundary_edges),
                   topology.n_boundary_edges);
      goto fail;
    }

  B.bone = bone;
  B.p = params;
  B.n_slots = n_planes;
  B.half_slot = params->blade / 2 + params->clearance;
  B.report->slot_width = 2 * B.half_slot;
  B.report->n_planes = n_planes;
  for (guint s = 0; s < n_planes; s++)
    {
      double len = sqrt (dot3 (planes[s].normal, planes[s].normal));

      if (!(len > 1e-6) || !isfinite (planes[s].d))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Cut plane %u is not a plane"),
                       s + 1);
          goto fail;
        }
      for (int k = 0; k < 3; k++)
        B.slots[s].n[k] = (float) (planes[s].normal[k] / len);
      B.slots[s].d = (float) (planes[s].d / len);
    }

  B.bvh = osp_bvh_new_full ((OspMesh *) bone, NULL, cancellable, error);
  if (B.bvh == NULL)
    goto fail;
  osp_progress_report (progress, 0.1);

  if (params->direction[0] != 0 || params->direction[1] != 0 || params->direction[2] != 0)
    {
      double len = sqrt (dot3 (params->direction, params->direction));

      for (int k = 0; k < 3; k++)
        B.u[k] = (float) (params->direction[k] / len);
    }
  else
    {
      B.report->direction_automatic = TRUE;
      if (!choose_direction (&B, error))
        goto fail;
    }
  memcpy (B.report->direction, B.u, sizeof B.u);
  if (!slot_axes (&B, error) || !measure_sections (&B, error))
    goto fail;
  osp_progress_report (progress, 0.2);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;

  if (!cast_columns (&B, error) || !find_patch (&B, error) || !check_slots_apart (&B, error))
    goto fail;
  place_pins (&B);
  place_label (&B);
  osp_progress_report (progress, 0.3);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;

  sub = osp_progress_sub (progress, 0.3, 0.6);
  shell = extract_shell (&B, &sub, cancellable, error);
  if (shell == NULL)
    goto fail;
  guide = drop_crumbs (&B, shell);
  if (osp_mesh_get_n_triangles (guide) == 0)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("Nothing of the guide is left once the slots are cut"));
      goto fail;
    }
  check_guide (&B, guide);
  osp_progress_report (progress, 1.0);
  if (!B.report->closed)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("The guide came out open; this is a bug, please report it with "
                             "the plan"));
      goto fail;
    }

  g_clear_pointer (&B.bvh, osp_bvh_unref);
  g_free (B.top);
  g_free (B.top_exact);
  g_free (B.facing);
  g_free (B.patch);
  g_free (B.patch_sd);
  g_free (B.label_d);
  osp_guide_report_clear (&local);
  return g_steal_pointer (&guide);

fail:
  g_clear_pointer (&B.bvh, osp_bvh_unref);
  g_free (B.top);
  g_free (B.top_exact);
  g_free (B.facing);
  g_free (B.patch);
  g_free (B.patch_sd);
  g_free (B.label_d);
  osp_guide_report_clear (&local);
  return NULL;
}
