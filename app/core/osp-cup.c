/* osp-cup.c — acetabular cups: sphere fit, size, angles in the pelvic frame, cover
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-implant.h"

#define DEG (G_PI / 180.0)

static double
dot (const double *a,
     const double *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void
cross (const double *a,
       const double *b,
       double       *out)
{
  double r[3] = { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                  a[0] * b[1] - a[1] * b[0] };

  memcpy (out, r, sizeof r);
}

static double
normalize (double *v)
{
  double len = sqrt (dot (v, v));

  if (len > 0)
    for (int k = 0; k < 3; k++)
      v[k] /= len;
  return len;
}

/* Solves the symmetric n × n system (n ≤ 4) a x = b by Gaussian elimination with partial
 * pivoting; FALSE when (nearly) singular relative to its largest pivot. */
static gboolean
solve (double  *a,
       double  *b,
       int      n,
       double  *x)
{
  double scale = 0;

  for (int i = 0; i < n * n; i++)
    scale = MAX (scale, fabs (a[i]));
  if (!(scale > 0))
    return FALSE;
  for (int c = 0; c < n; c++)
    {
      int p = c;

      for (int r = c + 1; r < n; r++)
        if (fabs (a[r * n + c]) > fabs (a[p * n + c]))
          p = r;
      if (!(fabs (a[p * n + c]) > 1e-12 * scale))
        return FALSE;
      if (p != c)
        {
          for (int k = 0; k < n; k++)
            {
              double t = a[c * n + k];

              a[c * n + k] = a[p * n + k];
              a[p * n + k] = t;
            }
          {
            double t = b[c];

            b[c] = b[p];
            b[p] = t;
          }
        }
      for (int r = c + 1; r < n; r++)
        {
          double f = a[r * n + c] / a[c * n + c];

          for (int k = c; k < n; k++)
            a[r * n + k] -= f * a[c * n + k];
          b[r] -= f * b[c];
        }
    }
  for (int r = n - 1; r >= 0; r--)
    {
      double s = b[r];

      for (int k = r + 1; k < n; k++)
        s -= a[r * n + k] * x[k];
      x[r] = s / a[r * n + r];
    }
  return TRUE;
}

gboolean
osp_sphere_fit (const float *points,
                guint        n_points,
                double       out_center[3],
                double      *out_radius,
                double      *out_rms,
                GError     **error)
{
  double mean[3] = { 0, 0, 0 }, spread = 0, ata[16] = { 0 }, atb[4] = { 0 }, x[4];
  double c[3], r, rms = 0;

  g_return_val_if_fail (points != NULL || n_points == 0, FALSE);
  g_return_val_if_fail (out_center != NULL && out_radius != NULL, FALSE);

  if (n_points < 4)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("A sphere needs at least 4 points; %u given."), n_points);
      return FALSE;
    }
  /* Centred and scaled so the normal equations stay well conditioned. */
  for (guint i = 0; i < n_points; i++)
    for (int k = 0; k < 3; k++)
      mean[k] += points[3 * i + k] / (double) n_points;
  for (guint i = 0; i < n_points; i++)
    for (int k = 0; k < 3; k++)
      spread = MAX (spread, fabs (points[3 * i + k] - mean[k]));
  if (!(spread > 1e-6))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("The points for the sphere all coincide."));
      return FALSE;
    }

  /* Algebraic fit: |p|² = 2 c·p + (r² − |c|²), linear in (c, k). */
  for (guint i = 0; i < n_points; i++)
    {
      double p[3], row[4];

      for (int k = 0; k < 3; k++)
        p[k] = (points[3 * i + k] - mean[k]) / spread;
      row[0] = 2 * p[0];
      row[1] = 2 * p[1];
      row[2] = 2 * p[2];
      row[3] = 1;
      for (int a = 0; a < 4; a++)
        {
          for (int b = 0; b < 4; b++)
            ata[a * 4 + b] += row[a] * row[b];
          atb[a] += row[a] * dot (p, p);
        }
    }
  if (!solve (ata, atb, 4, x) || !(x[3] + dot (x, x) > 0))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("The points do not define a sphere: they lie (nearly) on one "
                             "plane or line. Pick points around the whole acetabulum."));
      return FALSE;
    }
  memcpy (c, x, sizeof c);
  r = sqrt (x[3] + dot (x, x));

  /* Gauss–Newton on the geometric residuals |p − c| − r. */
  for (int iteration = 0; iteration < 50; iteration++)
    {
      double jtj[16] = { 0 }, jtr[4] = { 0 }, step[4], size;

      for (guint i = 0; i < n_points; i++)
        {
          double d[3], len, res, jac[4];

          for (int k = 0; k < 3; k++)
            d[k] = (points[3 * i + k] - mean[k]) / spread - c[k];
          len = sqrt (dot (d, d));
          if (len < 1e-12)
            continue;
          res = len - r;
          for (int k = 0; k < 3; k++)
            jac[k] = -d[k] / len;
          jac[3] = -1;
          for (int a = 0; a < 4; a++)
            {
              for (int b = 0; b < 4; b++)
                jtj[a * 4 + b] += jac[a] * jac[b];
              jtr[a] -= jac[a] * res;
            }
        }
      if (!solve (jtj, jtr, 4, step))
        break;
      for (int k = 0; k < 3; k++)
        c[k] += step[k];
      r += step[3];
      size = sqrt (dot (step, step) + step[3] * step[3]);
      if (size < 1e-12)
        break;
    }
  r = fabs (r);
  if (!isfinite (r) || !(r < 1e6))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("The points do not define a sphere: they lie (nearly) on one "
                             "plane or line. Pick points around the whole acetabulum."));
      return FALSE;
    }
  for (int k = 0; k < 3; k++)
    out_center[k] = mean[k] + c[k] * spread;
  *out_radius = r * spread;
  for (guint i = 0; i < n_points; i++)
    {
      double d[3];

      for (int k = 0; k < 3; k++)
        d[k] = points[3 * i + k] - out_center[k];
      rms += pow (sqrt (dot (d, d)) - *out_radius, 2);
    }
  if (out_rms != NULL)
    *out_rms = sqrt (rms / n_points);
  return TRUE;
}

double
osp_cup_size_for_diameter (double diameter)
{
  double size = 2.0 * floor (diameter / 2.0 + 0.5);

  return CLAMP (size, 38.0, 80.0);
}

/* -- The pelvic frame ------------------------------------------------------------------------ */

void
osp_pelvic_frame_init_patient (OspPelvicFrame *frame,
                               const double    midline[3])
{
  g_return_if_fail (frame != NULL);

  memset (frame, 0, sizeof *frame);
  if (midline != NULL)
    memcpy (frame->origin, midline, sizeof frame->origin);
  frame->left[0] = 1;          /* LPS: +x is the patient's left, */
  frame->anterior[1] = -1;     /* −y anterior, */
  frame->superior[2] = 1;      /* +z superior */
  frame->from_app = FALSE;
}

gboolean
osp_pelvic_frame_from_app (const float     asis_left[3],
                           const float     asis_right[3],
                           const float     pubis_left[3],
                           const float     pubis_right[3],
                           OspPelvicFrame *out_frame,
                           GError        **error)
{
  double left[3], up[3], anterior[3], mid_asis[3], mid_pubis[3];

  g_return_val_if_fail (asis_left != NULL && asis_right != NULL, FALSE);
  g_return_val_if_fail (pubis_left != NULL && pubis_right != NULL, FALSE);
  g_return_val_if_fail (out_frame != NULL, FALSE);

  for (int k = 0; k < 3; k++)
    {
      left[k] = (double) asis_left[k] - asis_right[k];
      mid_asis[k] = ((double) asis_left[k] + asis_right[k]) / 2;
      mid_pubis[k] = ((double) pubis_left[k] + pubis_right[k]) / 2;
      up[k] = mid_asis[k] - mid_pubis[k];
    }
  if (normalize (left) < 1.0)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("The two ASIS landmarks coincide: the anterior pelvic plane is "
                             "undefined."));
      return FALSE;
    }
  {
    double along = dot (up, left);

    for (int k = 0; k < 3; k++)
      up[k] -= along * left[k];
  }
  if (normalize (up) < 1.0)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("The pubic tubercles lie on the line between the ASIS: the "
                             "anterior pelvic plane is undefined."));
      return FALSE;
    }
  /* (left, posterior, superior) is right-handed like LPS: anterior = left × superior. */
  cross (left, up, anterior);
  normalize (anterior);
  memcpy (out_frame->origin, mid_asis, sizeof mid_asis);
  memcpy (out_frame->left, left, sizeof left);
  memcpy (out_frame->superior, up, sizeof up);
  memcpy (out_frame->anterior, anterior, sizeof anterior);
  out_frame->from_app = TRUE;
  return TRUE;
}

static gboolean
find_landmark (OspPlan    *plan,
               const char *name,
               const char *translated,
               float      *out)
{
  int index = osp_plan_find_landmark (plan, name);

  if (index < 0)
    index = osp_plan_find_landmark (plan, translated);
  if (index < 0)
    return FALSE;
  osp_plan_get_landmark (plan, (guint) index, out);
  return TRUE;
}

gboolean
osp_pelvic_frame_from_plan (OspPlan        *plan,
                            const double    fallback_midline[3],
                            OspPelvicFrame *out_frame)
{
  float al[3], ar[3], pl[3], pr[3];

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (out_frame != NULL, FALSE);

  if (find_landmark (plan, OSP_LANDMARK_ASIS_LEFT, C_("landmark name", "ASIS L"), al) &&
      find_landmark (plan, OSP_LANDMARK_ASIS_RIGHT, C_("landmark name", "ASIS R"), ar) &&
      find_landmark (plan, OSP_LANDMARK_PUBIS_LEFT, C_("landmark name", "Pubic tubercle L"),
                     pl) &&
      find_landmark (plan, OSP_LANDMARK_PUBIS_RIGHT, C_("landmark name", "Pubic tubercle R"),
                     pr) &&
      osp_pelvic_frame_from_app (al, ar, pl, pr, out_frame, NULL))
    return TRUE;
  osp_pelvic_frame_init_patient (out_frame, fallback_midline);
  return FALSE;
}

gboolean
osp_pelvic_frame_is_left (const OspPelvicFrame *frame,
                          const double          point[3])
{
  double d[3];

  g_return_val_if_fail (frame != NULL && point != NULL, TRUE);

  for (int k = 0; k < 3; k++)
    d[k] = point[k] - frame->origin[k];
  return dot (d, frame->left) >= 0;
}

/* -- Angles (Murray's radiographic definitions) --------------------------------------------- */

void
osp_cup_axis_from_angles (const OspPelvicFrame *frame,
                          gboolean              left_hip,
                          double                inclination_deg,
                          double                anteversion_deg,
                          double                out_axis[3])
{
  double ri = inclination_deg * DEG, ra = anteversion_deg * DEG;
  double lateral = sin (ri) * cos (ra) * (left_hip ? 1 : -1);
  double superior = -cos (ri) * cos (ra);
  double anterior = sin (ra);

  g_return_if_fail (frame != NULL && out_axis != NULL);

  /* In the coronal plane the axis leans `inclination` from straight down towards the side;
   * then it tilts `anteversion` out of that plane, forwards. */
  for (int k = 0; k < 3; k++)
    out_axis[k] = lateral * frame->left[k] + superior * frame->superior[k] +
                  anterior * frame->anterior[k];
  normalize (out_axis);
}

void
osp_cup_angles_from_axis (const OspPelvicFrame *frame,
                          gboolean              left_hip,
                          const double          axis[3],
                          double               *out_inclination_deg,
                          double               *out_anteversion_deg)
{
  double a[3] = { axis[0], axis[1], axis[2] }, lateral, superior, anterior;

  g_return_if_fail (frame != NULL && axis != NULL);

  normalize (a);
  lateral = dot (a, frame->left) * (left_hip ? 1 : -1);
  superior = dot (a, frame->superior);
  anterior = dot (a, frame->anterior);
  if (out_anteversion_deg != NULL)
    *out_anteversion_deg = asin (CLAMP (anterior, -1.0, 1.0)) / DEG;
  if (out_inclination_deg != NULL)
    *out_inclination_deg = (fabs (lateral) + fabs (superior) > 0)
                           ? atan2 (lateral, -superior) / DEG : 0.0;
}

void
osp_cup_matrix (const OspPelvicFrame *frame,
                gboolean              left_hip,
                double                inclination_deg,
                double                anteversion_deg,
                const double          center[3],
                float                *out_matrix)
{
  double axis[3];
  float point[3], normal[3];

  g_return_if_fail (frame != NULL && center != NULL && out_matrix != NULL);

  osp_cup_axis_from_angles (frame, left_hip, inclination_deg, anteversion_deg, axis);
  for (int k = 0; k < 3; k++)
    {
      point[k] = (float) center[k];
      normal[k] = (float) axis[k];
    }
  osp_frame_from_point_normal (point, normal, 0.0, out_matrix);
}

/* -- Cover and the medial wall ------------------------------------------------------------- */

#define COVER_SAMPLES 1200
#define MEDIAL_CONE_DEG 20.0
#define MEDIAL_REACH_MM 40.0
#define MEDIAL_STEP_MM 0.25

static void
to_world (const float *m,
          const double local[3],
          float        out[3])
{
  for (int r = 0; r < 3; r++)
    out[r] = (float) (m[r] * local[0] + m[4 + r] * local[1] + m[8 + r] * local[2] + m[12 + r]);
}

void
osp_cup_coverage (gconstpointer   bone_bvh,
                  const float    *matrix,
                  double          diameter,
                  OspCupCoverage *out)
{
  const OspBvh *bvh = bone_bvh;
  static const double radii_offsets[] = { -1.0, 0.5, 1.5, 3.0 };
  double R = diameter / 2, golden = G_PI * (3 - sqrt (5.0));
  guint covered = 0;
  gboolean have_wall = FALSE;

  g_return_if_fail (bvh != NULL && matrix != NULL && out != NULL);
  g_return_if_fail (diameter > 0);

  memset (out, 0, sizeof *out);
  out->medial_wall_mm = -INFINITY;
  /* Fibonacci points over the outer hemisphere: the dome is −z (the cup opens to +z). */
  for (guint i = 0; i < COVER_SAMPLES; i++)
    {
      double z = -(i + 0.5) / COVER_SAMPLES, rho = sqrt (1 - z * z), phi = i * golden;
      double d[3] = { rho * cos (phi), rho * sin (phi), z };
      gboolean hit = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (radii_offsets) && !hit; j++)
        {
          double local[3];
          float p[3];

          for (int k = 0; k < 3; k++)
            local[k] = d[k] * (R + radii_offsets[j]);
          to_world (matrix, local, p);
          hit = osp_bvh_is_inside (bvh, p);
        }
      covered += hit;

      /* The medial wall along the rays near the pole: from the centre, the first stretch
       * of bone met; the wall left is where it ends minus the cup's radius. */
      if (-z >= cos (MEDIAL_CONE_DEG * DEG))
        {
          double wall = -INFINITY, last_exit = -INFINITY;
          gboolean was_inside = FALSE;

          /* Stretches of bone along the ray: the wall is the first one reaching past the
           * cup's surface (bone wholly inside the cup, a femoral head, is reamed away); when
           * all end before it, the dome is through the last by that much. */
          for (double t = 0; t <= R + MEDIAL_REACH_MM; t += MEDIAL_STEP_MM)
            {
              double local[3] = { d[0] * t, d[1] * t, d[2] * t };
              float p[3];
              gboolean inside;

              to_world (matrix, local, p);
              inside = osp_bvh_is_inside (bvh, p);
              if (!inside && was_inside)
                {
                  last_exit = t;
                  if (t > R)
                    {
                      wall = t - R;
                      break;
                    }
                }
              was_inside = inside;
            }
          if (!isfinite (wall))
            wall = was_inside ? MEDIAL_REACH_MM : last_exit - R;
          if (!have_wall || wall < out->medial_wall_mm)
            {
              double local[3] = { d[0] * R, d[1] * R, d[2] * R };

              out->medial_wall_mm = wall;
              to_world (matrix, local, out->medial_point);
              have_wall = TRUE;
            }
        }
    }
  out->n_samples = COVER_SAMPLES;
  out->cover = (double) covered / COVER_SAMPLES;
  out->medial_breach = !(out->medial_wall_mm > 0);
}
