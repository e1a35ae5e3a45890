/* osp-screw.c — screw trajectories through bone
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

/* Points picked on a surface miss it by up to about an edge of the mesh: crossings closer than
 * this to the entry or the target count as at them (mm). */
#define TARGET_TOLERANCE 1.0
/* The most surface crossings followed along one axis. */
#define MAX_CROSSINGS 4096

static void
point_at (const float  origin[3],
          const float  direction[3],
          double       t,
          float        out[3])
{
  for (int k = 0; k < 3; k++)
    out[k] = (float) (origin[k] + t * direction[k]);
}

/* The first t in [0, t_max] where the ray meets the sphere, or a negative value. */
static double
sphere_entry (const float  origin[3],
              const float  direction[3],
              const float  center[3],
              double       radius,
              double       t_max)
{
  double oc[3], b = 0, c = 0, disc, t0, t1;

  for (int k = 0; k < 3; k++)
    {
      oc[k] = origin[k] - center[k];
      b += oc[k] * direction[k];
      c += oc[k] * oc[k];
    }
  c -= radius * radius;
  if (c <= 0)
    return 0;            /* the entry is inside already */
  disc = b * b - c;
  if (disc < 0)
    return -1;
  t0 = -b - sqrt (disc);
  t1 = -b + sqrt (disc);
  if (t0 >= 0 && t0 <= t_max)
    return t0;
  if (t0 < 0 && t1 >= 0)
    return 0;
  return -1;
}

gboolean
osp_screw_trajectory (gconstpointer         bone_bvh,
                      const float           entry[3],
                      const float           target[3],
                      const OspAcetabulum  *acetabulum,
                      double                length_step,
                      OspScrewTrajectory   *out,
                      GError              **error)
{
  const OspBvh *bvh = bone_bvh;
  double dir[3], len = 0, t_min;
  float d[3], probe[3];
  gboolean found_exit = FALSE;
  double last_leave = -1;

  g_return_val_if_fail (bvh != NULL, FALSE);
  g_return_val_if_fail (entry != NULL && target != NULL && out != NULL, FALSE);
  g_return_val_if_fail (length_step >= 0, FALSE);

  memset (out, 0, sizeof *out);
  for (int k = 0; k < 3; k++)
    {
      dir[k] = (double) target[k] - entry[k];
      len += dir[k] * dir[k];
    }
  len = sqrt (len);
  if (!(len > 1e-3) || !isfinite (len))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("screw: the entry and the target point coincide"));
      return FALSE;
    }
  for (int k = 0; k < 3; k++)
    {
      d[k] = (float) (dir[k] / len);
      out->direction[k] = d[k];
      out->entry[k] = entry[k];
      out->target[k] = target[k];
    }
  out->target_distance = len;
  osp_frame_from_point_normal (entry, d, 0, out->matrix);

  /* Just past the entry: the axis must be in bone. */
  point_at (entry, d, MIN (TARGET_TOLERANCE, len / 2), probe);
  if (!osp_bvh_is_inside (bvh, probe))
    out->warnings |= OSP_SCREW_ENTRY_OUTSIDE;

  /* Walk the surface crossings from just before the entry: a hit on a triangle's back side
   * is where the axis leaves the bone. */
  t_min = -TARGET_TOLERANCE;
  for (guint n = 0; n < MAX_CROSSINGS; n++)
    {
      OspRayHit hit;

      if (!osp_bvh_ray_cast (bvh, entry, d, (float) t_min, INFINITY, &hit))
        break;
      t_min = hit.t + 1e-3;
      if (hit.front_face || hit.t <= TARGET_TOLERANCE)
        continue;
      /* Leaving the bone at hit.t. */
      if (out->first_leave_distance == 0)
        {
          out->first_leave_distance = hit.t;
          memcpy (out->first_leave, hit.point, sizeof out->first_leave);
          if (hit.t < len - TARGET_TOLERANCE)
            out->warnings |= OSP_SCREW_LEAVES_BONE;
        }
      else if (hit.t < len - TARGET_TOLERANCE)
        out->warnings |= OSP_SCREW_LEAVES_BONE;
      if (hit.t >= len - TARGET_TOLERANCE)
        {
          out->exit_distance = hit.t;
          memcpy (out->exit, hit.point, sizeof out->exit);
          found_exit = TRUE;
          break;
        }
      last_leave = hit.t;
      memcpy (out->exit, hit.point, sizeof out->exit);
    }
  if (!found_exit)
    {
      if (last_leave > 0)
        out->exit_distance = last_leave;
      else
        out->warnings |= OSP_SCREW_NO_EXIT;
    }
  if (out->exit_distance > 0)
    out->proposed_length = length_step > 0 ?
      floor (out->exit_distance / length_step + 1e-9) * length_step : out->exit_distance;

  if (acetabulum != NULL)
    {
      double hit_t = -1;

      if (acetabulum->mesh != NULL && osp_mesh_get_n_triangles (acetabulum->mesh) > 0)
        {
          g_autoptr(OspBvh) cup = osp_bvh_new ((OspMesh *) acetabulum->mesh);
          OspRayHit hit;

          if (osp_bvh_is_inside (cup, entry))
            hit_t = 0;
          else if (osp_bvh_ray_cast (cup, entry, d, 0, (float) len, &hit))
            hit_t = hit.t;
        }
      if (acetabulum->radius > 0)
        {
          double t = sphere_entry (entry, d, acetabulum->center, acetabulum->radius, len);

          if (t >= 0 && (hit_t < 0 || t < hit_t))
            hit_t = t;
        }
      if (hit_t >= 0)
        {
          out->warnings |= OSP_SCREW_ENTERS_ACETABULUM;
          out->acetabulum_distance = hit_t;
        }
    }
  return TRUE;
}

double
osp_screw_proposed_length (double exit_distance,
                           double clearance,
                           double length_step)
{
  double room = exit_distance - MAX (clearance, 0.0);

  if (!(room > 0))
    return 0;
  return length_step > 0 ? floor (room / length_step + 1e-9) * length_step : room;
}

/* The body is checked this far below the head (the shaft meets the near cortex there), at
 * this fraction of the thread radius (the crests bite into the cortex), and a sample counts
 * as out of the bone this far beyond its surface (a mesh's facets). */
#define BODY_SKIP_MM 2.0
#define BODY_RADIUS_FRACTION 0.85
#define BODY_OUT_MM 0.3
#define BODY_ANGLES 12

void
osp_screw_check_body (gconstpointer  bone_bvh,
                      const float   *matrix,
                      double         diameter,
                      double         length,
                      OspScrewBody  *out)
{
  const OspBvh *bvh = bone_bvh;
  guint n = 0, n_inside = 0;
  double r = diameter / 2 * BODY_RADIUS_FRACTION;

  g_return_if_fail (bvh != NULL && matrix != NULL && out != NULL);
  g_return_if_fail (diameter > 0 && length > 0);

  memset (out, 0, sizeof *out);
  out->first_out = -1;
  for (double z = MIN (BODY_SKIP_MM, length / 2); z <= length + 1e-9; z += 1.0)
    for (guint a = 0; a <= BODY_ANGLES; a++)
      {
        /* a == BODY_ANGLES: the axis itself. */
        double angle = 2 * G_PI * a / BODY_ANGLES, rr = a == BODY_ANGLES ? 0 : r;
        double local[3] = { rr * cos (angle), rr * sin (angle), MIN (z, length - 0.5) };
        float p[3];
        float sd;

        for (int k = 0; k < 3; k++)
          p[k] = (float) (matrix[k] * local[0] + matrix[4 + k] * local[1] +
                          matrix[8 + k] * local[2] + matrix[12 + k]);
        sd = osp_bvh_signed_distance (bvh, p, NULL);
        n++;
        if (sd <= BODY_OUT_MM)
          {
            n_inside++;
            continue;
          }
        if (out->first_out < 0)
          out->first_out = local[2];
        if (sd > out->depth_out)
          {
            out->depth_out = sd;
            memcpy (out->point, p, sizeof out->point);
          }
      }
  out->inside_fraction = n > 0 ? (double) n_inside / n : 0;
  out->leaves_bone = out->first_out >= 0;
  out->outside = out->inside_fraction < 0.2;
}
