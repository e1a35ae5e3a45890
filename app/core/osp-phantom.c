/* osp-phantom.c — a synthetic pelvis CT from signed-distance primitives
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The anatomy is written in a pelvis frame: x to the patient's left (the normal of the
 * midsagittal plane), y posterior, z superior, millimetres, origin on the plane.  The left
 * hemipelvis and femur are modelled once and evaluated at (|x|, y, z), which makes the phantom
 * exactly symmetric; the frame is then rotated (3° about S–I, 2° about A–P) and shifted
 * against the volume's centre, so that finding the plane is not trivial.
 *
 * HU is a function of the signed distance d to the bone surface (negative inside): a linear
 * ramp from 40 HU at d = +a to 460 HU at d = −a (a = one voxel), crossing 250 HU exactly on
 * the surface, so marching cubes meets the true surface and the truth is the volume inside
 * the signed-distance function; then the cortex (1200 HU) and, deeper, cancellous bone
 * (300 HU).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "osp-error.h"
#include "osp-phantom.h"

#define HU_SOFT      40.0
#define HU_CORTEX    1200.0
#define HU_CANCELLOUS 300.0
#define HU_BONE_EDGE 250.0
/* The periacetabular lesion: a soft-tissue mass that has destroyed the bone it fills. */
#define HU_LESION    70.0
#define NOISE_HU     15.0
#define CORTEX_MM    1.8
#define BLOCK        8

/* Dimensions at 1 mm voxels; other voxel sizes keep the field of view. */
static const double field_of_view[3] = { 300, 224, 200 };
/* Where the plane's origin sits against the volume's centre (LPS mm), and its rotation. */
static const double plane_offset[3] = { 6.5, -4.0, 3.0 };
#define ROT_SI_DEG 3.0
#define ROT_AP_DEG 2.0

typedef struct
{
  double a;              /* half-width of the surface ramp, mm */
  gboolean defect;
  gboolean tumour;
  guint32 seed;
  double rot[3][3];      /* pelvis frame → LPS: lps = rot · q + offset */
  double offset[3];
  guint32 dims[3];
  double voxel;          /* the largest spacing */
  double spacing[3];
  double origin[3];
  gint16 *data;
  guint8 *near;          /* per block: TRUE where bone may be within reach */
  guint32 blocks[3];
  guint64 *inside_eighths; /* per slice: bone volume in eighths of a voxel */

  guint phase;           /* 0: mark the blocks near bone, 1: fill the slices */
  guint n_units;
  gint next_unit;
  GCancellable *cancellable;
  gint cancelled;
} Phantom;

/* -- Signed-distance primitives ----------------------------------------------------------- */

static inline double
dot3 (const double a[3],
      const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline double
len3 (double x,
      double y,
      double z)
{
  return sqrt (x * x + y * y + z * z);
}

static inline double
sd_sphere (const double p[3],
           double       cx,
           double       cy,
           double       cz,
           double       r)
{
  return len3 (p[0] - cx, p[1] - cy, p[2] - cz) - r;
}

static inline double
sd_capsule (const double p[3],
            const double a[3],
            const double b[3],
            double       r)
{
  double pa[3] = { p[0] - a[0], p[1] - a[1], p[2] - a[2] };
  double ba[3] = { b[0] - a[0], b[1] - a[1], b[2] - a[2] };
  double h = CLAMP (dot3 (pa, ba) / dot3 (ba, ba), 0.0, 1.0);

  return len3 (pa[0] - h * ba[0], pa[1] - h * ba[1], pa[2] - h * ba[2]) - r;
}

/* An ellipsoid's distance, scaled by its smallest semi-axis (a bound, good near the
 * surface). */
static inline double
sd_ellipsoid (double x,
              double y,
              double z,
              double rx,
              double ry,
              double rz)
{
  double m = MIN (MIN (rx, ry), rz);

  return (len3 (x / rx, y / ry, z / rz) - 1.0) * m;
}

/* Polynomial smooth minimum (blend radius k). */
static inline double
smin (double a,
      double b,
      double k)
{
  double h = CLAMP (0.5 + 0.5 * (b - a) / k, 0.0, 1.0);

  return b + (a - b) * h - k * h * (1.0 - h);
}

/* -- The anatomy (left side, pelvis frame) ------------------------------------------------ */

/* Centre of the left hip joint, and the direction the acetabulum opens to. */
static const double hip[3] = { 80, -5, -25 };
static const double hip_open[3] = { 0.8137, -0.2441, -0.5276 }; /* normalised (1, −.3, −.65) */
#define SOCKET_R  25.5
#define HEAD_R    23.0

/* The iliac wing: a curved plate around a waist point, in a (u, v, w) frame: u anterior,
 * v up and flaring outwards, w = u × v pointing into the pelvis. */
static const double wing_origin[3] = { 72, 20, 5 };
static const double wing_u[3] = { 0.5524, -0.8336, 0 };
static const double wing_v[3] = { 0.2750, 0.1822, 0.9440 };
static const double wing_w[3] = { -0.7869, -0.5215, 0.3301 };

static double
sd_wing (const double p[3])
{
  double d[3] = { p[0] - wing_origin[0], p[1] - wing_origin[1], p[2] - wing_origin[2] };
  double u = dot3 (d, wing_u), v = dot3 (d, wing_v), w = dot3 (d, wing_w);
  /* The iliac fossa: the plate bends into the pelvis towards its edges. */
  double mid = u * u / 400.0 + v * v / 600.0;
  /* The outline: a fan (an ellipse whose lower part is cut above the acetabulum); its
   * posterior end meets the sacrum. */
  double outline = MAX (sd_ellipsoid (u - 15, v - 35, 0, 72, 50, 1e9), -20 - v);
  double plate = fabs (w - mid) - 3.5;
  /* Intersection with rounded edges (radius 3 mm) along the iliac crest. */
  double qa = outline + 3.0, qb = plate + 3.0;

  return len3 (MAX (qa, 0), MAX (qb, 0), 0) + MIN (MAX (qa, qb), 0) - 3.0;
}

static double
sd_sacrum (const double q[3])
{
  /* A wedge tipped forward 25° at the top: an ellipsoid that narrows from the alae at the
   * top to the apex at the bottom. */
  static const double c = 0.9063, s = 0.4226;
  double y = q[1] - 62, z = q[2] - 18;
  double yr = c * y + s * z, zr = -s * y + c * z;
  double taper = 1.0 - 0.6 * CLAMP ((30.0 - zr) / 85.0, 0.0, 1.0);
  double body = sd_ellipsoid (q[0] / taper, yr, zr, 52, 17, 55) * MIN (taper + 0.3, 1.0);
  /* The body of the fifth lumbar vertebra above it: a cylinder with rounded edges, a disc
   * space below, and kept inside the volume so that the border cuts nothing asymmetrically. */
  double rx = len3 (q[0], q[1] - 40, 0) - 17, rz = fabs (q[2] - 84) - 7;
  double l5 = MIN (MAX (rx, rz), 0) + len3 (MAX (rx, 0), MAX (rz, 0), 0) - 3;

  return MIN (body, l5);
}

static double
sd_femur (const double p[3])
{
  static const double neck_end[3] = { 80 + 28, -5 + 2, -25 - 26 };
  static const double shaft_end[3] = { 80 + 33, -5 + 4, -25 - 50 };
  double head = sd_sphere (p, hip[0], hip[1], hip[2], HEAD_R);
  double neck = sd_capsule (p, hip, neck_end, 13.5);
  double shaft = sd_capsule (p, neck_end, shaft_end, 14.5);
  double trochanter = sd_sphere (p, hip[0] + 34, hip[1] + 8, hip[2] - 20, 13);

  return smin (smin (head, neck, 4), smin (shaft, trochanter, 6), 6);
}

static double
sd_hemipelvis (const double p[3],
               double       sacrum)
{
  static const double body_a[3] = { 76, 6, -6 }, body_b[3] = { 70, 20, 14 };
  static const double ramus_a[3] = { 66, -24, -34 }, ramus_b[3] = { 7, -54, -50 };
  static const double pubis_a[3] = { 7, -54, -50 }, pubis_b[3] = { 11, -48, -70 };
  static const double ischium_a[3] = { 74, 12, -44 }, ischium_b[3] = { 60, 16, -82 };
  static const double iramus_a[3] = { 60, 16, -84 }, iramus_b[3] = { 11, -48, -70 };
  double d[3] = { p[0] - hip[0], p[1] - hip[1], p[2] - hip[2] };
  double socket = sd_sphere (p, hip[0], hip[1], hip[2], SOCKET_R);
  double acetabulum = MAX (MAX (sd_sphere (p, hip[0], hip[1], hip[2], 35), -socket),
                           dot3 (d, hip_open) - 2.0);
  double h;

  h = smin (acetabulum, sd_capsule (p, body_a, body_b, 16), 6);
  h = smin (h, sd_wing (p), 8);
  h = smin (h, sd_capsule (p, ramus_a, ramus_b, 10), 6);
  h = smin (h, sd_capsule (p, pubis_a, pubis_b, 11), 4);
  h = smin (h, sd_capsule (p, ischium_a, ischium_b, 13), 6);
  h = smin (h, sd_capsule (p, iramus_a, iramus_b, 8), 5);
  /* The socket stays open, the pubic symphysis and the sacroiliac joints stay apart. */
  h = MAX (h, -socket);
  h = MAX (h, 2.0 - p[0]);
  h = MAX (h, 2.5 - sacrum);
  return h;
}

/* A tumour-like blob across the right ilium and acetabulum roof (pelvis frame, x < 0). */
static double
sd_defect (const double q[3])
{
  double b = sd_sphere (q, -74, -2, 4, 21);

  b = smin (b, sd_sphere (q, -84, -10, -16, 16), 8);
  b = smin (b, sd_sphere (q, -66, 12, 22, 15), 8);
  return b;
}

/* The lesion in the pelvis frame: an ellipsoid above the right acetabulum (the hip joint is at
 * (−80, −5, −25)), straddling the supra-acetabular ilium and the soft tissue beside it. */
static const double lesion_centre[3] = { -79, -4, 6 };
static const double lesion_radii[3] = { 17, 13, 11 };

static double
sd_lesion (const double q[3])
{
  return sd_ellipsoid (q[0] - lesion_centre[0], q[1] - lesion_centre[1],
                       q[2] - lesion_centre[2], lesion_radii[0], lesion_radii[1],
                       lesion_radii[2]);
}

/* Signed distance to the bone surface at q (pelvis frame). */
static double
sd_bone (const Phantom *ph,
         const double   q[3])
{
  double p[3] = { fabs (q[0]), q[1], q[2] };
  double sacrum = sd_sacrum (p);
  double pelvis = sd_hemipelvis (p, sacrum);
  double femur = sd_femur (p);

  if (ph->defect && q[0] < 0)
    pelvis = MAX (pelvis, -sd_defect (q));
  if (ph->tumour && q[0] < 0)
    pelvis = MAX (pelvis, -sd_lesion (q));
  return MIN (MIN (pelvis, sacrum), femur);
}

/* The body: an elliptic cylinder of soft tissue. */
static double
sd_body (const double q[3])
{
  return sd_ellipsoid (q[0], q[1] - 8, 0, 140, 100, 1e9);
}

static double
hu_of (const Phantom *ph,
       double         bone,
       double         body)
{
  double a = ph->a, hu;

  /* Air to soft tissue over one voxel at the skin. */
  hu = OSP_HU_AIR + (HU_SOFT - OSP_HU_AIR) * CLAMP (0.5 - body / ph->voxel, 0.0, 1.0);
  if (bone >= a)
    return hu;
  if (bone > -a)
    return HU_BONE_EDGE - (HU_BONE_EDGE - HU_SOFT) * bone / a;
  /* Up to the cortex over half a voxel, down to cancellous bone past the cortex. */
  hu = 460 + (HU_CORTEX - 460) * CLAMP ((-a - bone) / (0.5 * a), 0.0, 1.0);
  return hu - (HU_CORTEX - HU_CANCELLOUS) * CLAMP ((-CORTEX_MM - a - bone) / a, 0.0, 1.0);
}

/* Deterministic noise in [−1, 1] from the voxel and the seed. */
static inline double
noise (guint32 seed,
       guint32 i,
       guint32 j,
       guint32 k)
{
  guint32 h = seed * 0x9E3779B1u ^ i * 0x85EBCA77u ^ j * 0xC2B2AE3Du ^ k * 0x27D4EB2Fu;

  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  h *= 0x297A2D39u;
  h ^= h >> 15;
  return (h & 0xFFFFFF) / (double) 0x7FFFFF - 1.0;
}

/* Voxel (i, j, k) in the pelvis frame. */
static inline void
voxel_to_pelvis (const Phantom *ph,
                 double         i,
                 double         j,
                 double         k,
                 double         out[3])
{
  double lps[3] = { ph->origin[0] + i * ph->spacing[0] - ph->offset[0],
                    ph->origin[1] + j * ph->spacing[1] - ph->offset[1],
                    ph->origin[2] + k * ph->spacing[2] - ph->offset[2] };

  for (guint c = 0; c < 3; c++)
    out[c] = dot3 (ph->rot[c], lps);
}

static void
mark_blocks (Phantom *ph,
             guint32  bk)
{
  /* A block is near bone when the distance at its centre is within its half-diagonal, with
   * a margin for the distance bounds not being exact. */
  double reach = 1.5 * (0.5 * BLOCK * sqrt (3.0) * ph->voxel) + ph->a + ph->voxel;

  for (guint32 bj = 0; bj < ph->blocks[1]; bj++)
    for (guint32 bi = 0; bi < ph->blocks[0]; bi++)
      {
        double q[3];

        voxel_to_pelvis (ph, (bi + 0.5) * BLOCK - 0.5, (bj + 0.5) * BLOCK - 0.5,
                         (bk + 0.5) * BLOCK - 0.5, q);
        ph->near[bi + ph->blocks[0] * ((gsize) bj + ph->blocks[1] * (gsize) bk)] =
          sd_bone (ph, q) < reach;
      }
}

static void
fill_slice (Phantom *ph,
            guint32  k)
{
  guint32 nx = ph->dims[0], ny = ph->dims[1];
  gint16 *out = ph->data + (gsize) nx * ny * k;
  /* Within this distance of the surface a voxel may be cut: supersample it. */
  double cut = 1.5 * 0.5 * sqrt (3.0) * ph->voxel;
  guint64 eighths = 0;

  for (guint32 j = 0; j < ny; j++)
    for (guint32 i = 0; i < nx; i++)
      {
        double q[3], bone = G_MAXDOUBLE, hu;
        gsize block = i / BLOCK + ph->blocks[0] * ((gsize) (j / BLOCK) +
                                                   ph->blocks[1] * (gsize) (k / BLOCK));

        voxel_to_pelvis (ph, i, j, k, q);
        if (ph->near[block])
          {
            bone = sd_bone (ph, q);
            if (ph->inside_eighths != NULL)
              {
                if (bone < -cut)
                  eighths += 8;
                else if (bone < cut)
                  for (guint s = 0; s < 8; s++)
                    {
                      double qs[3];

                      voxel_to_pelvis (ph, i + ((s & 1) ? 0.25 : -0.25),
                                       j + ((s & 2) ? 0.25 : -0.25),
                                       k + ((s & 4) ? 0.25 : -0.25), qs);
                      eighths += sd_bone (ph, qs) <= 0;
                    }
              }
          }
        hu = hu_of (ph, bone, sd_body (q));
        if (ph->tumour)
          {
            /* Into the lesion over one voxel at its surface. */
            double t = CLAMP (0.5 - sd_lesion (q) / ph->voxel, 0.0, 1.0);

            hu = hu * (1 - t) + HU_LESION * t;
          }
        hu += NOISE_HU * noise (ph->seed, i, j, k);
        out[i + (gsize) nx * j] = (gint16) lround (CLAMP (hu, -1024, 3071));
      }
  if (ph->inside_eighths != NULL)
    ph->inside_eighths[k] = eighths;
}

static gpointer
worker (gpointer data)
{
  Phantom *ph = data;

  for (;;)
    {
      gint unit = g_atomic_int_add (&ph->next_unit, 1);

      if ((guint) unit >= ph->n_units || g_atomic_int_get (&ph->cancelled))
        break;
      if (g_cancellable_is_cancelled (ph->cancellable))
        {
          g_atomic_int_set (&ph->cancelled, 1);
          break;
        }
      if (ph->phase == 0)
        mark_blocks (ph, unit);
      else
        fill_slice (ph, unit);
    }
  return NULL;
}

static void
run_phase (Phantom *ph,
           guint    phase,
           guint    n_units)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  guint n_threads = MIN (g_get_num_processors (), n_units);

  ph->phase = phase;
  ph->n_units = n_units;
  ph->next_unit = 0;
  for (guint t = 1; t < n_threads; t++)
    g_ptr_array_add (threads, g_thread_new ("osp-phantom", worker, ph));
  worker (ph);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (threads->pdata[t]);
}

/* rot = R_z(3°) · R_y(2°): rot[c] (a column) is pelvis axis c in LPS. */
static void
pelvis_rotation (double rot[3][3])
{
  double ca = cos (ROT_SI_DEG * G_PI / 180), sa = sin (ROT_SI_DEG * G_PI / 180);
  double cb = cos (ROT_AP_DEG * G_PI / 180), sb = sin (ROT_AP_DEG * G_PI / 180);
  const double rz[3][3] = { { ca, -sa, 0 }, { sa, ca, 0 }, { 0, 0, 1 } };
  const double ry[3][3] = { { cb, 0, sb }, { 0, 1, 0 }, { -sb, 0, cb } };

  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 3; c++)
      {
        double v = 0;

        for (guint m = 0; m < 3; m++)
          v += rz[r][m] * ry[m][c];
        rot[c][r] = v;
      }
}

void
osp_phantom_get_lesion (OspPhantomLesion *out)
{
  double rot[3][3];

  g_return_if_fail (out != NULL);

  pelvis_rotation (rot);
  for (guint r = 0; r < 3; r++)
    {
      out->centre[r] = plane_offset[r];
      for (guint c = 0; c < 3; c++)
        out->centre[r] += rot[c][r] * lesion_centre[c];
    }
  for (guint c = 0; c < 3; c++)
    {
      out->radii[c] = lesion_radii[c];
      for (guint r = 0; r < 3; r++)
        out->axes[3 * c + r] = rot[c][r];
    }
  out->hu = HU_LESION;
  out->volume_mm3 = 4.0 / 3.0 * G_PI * lesion_radii[0] * lesion_radii[1] * lesion_radii[2];
}

gboolean
osp_phantom_lesion_contains (const OspPhantomLesion *lesion,
                             const double            lps[3])
{
  double s = 0;

  g_return_val_if_fail (lesion != NULL && lps != NULL, FALSE);

  for (guint c = 0; c < 3; c++)
    {
      double u = 0;

      for (guint r = 0; r < 3; r++)
        u += lesion->axes[3 * c + r] * (lps[r] - lesion->centre[r]);
      u /= lesion->radii[c];
      s += u * u;
    }
  return s <= 1.0;
}

OspVolume *
osp_phantom_lesion_label_map (const OspPhantomLesion  *lesion,
                              const OspVolume         *ct,
                              GError                 **error)
{
  guint32 dims[3];
  double spacing[3], origin[3], direction[9];
  OspVolume *labels;
  gint16 *d;

  g_return_val_if_fail (lesion != NULL && ct != NULL, NULL);

  osp_volume_get_dims (ct, dims);
  osp_volume_get_spacing (ct, spacing);
  osp_volume_get_origin (ct, origin);
  osp_volume_get_direction (ct, direction);
  labels = osp_volume_new (dims, spacing, origin, direction, NULL, error);
  if (labels == NULL)
    return NULL;
  d = osp_volume_get_data_mutable (labels);
  for (guint32 k = 0; k < dims[2]; k++)
    for (guint32 j = 0; j < dims[1]; j++)
      for (guint32 i = 0; i < dims[0]; i++)
        {
          double ijk[3] = { i, j, k }, p[3];

          osp_volume_index_to_lps (ct, ijk, p);
          d[i + (gsize) dims[0] * (j + (gsize) dims[1] * k)] =
            osp_phantom_lesion_contains (lesion, p) ? 1 : 0;
        }
  osp_volume_set_description (labels, "phantom tumour");
  return labels;
}

double
osp_phantom_lesion_margin (const OspPhantomLesion *lesion,
                           const float             plane[4])
{
  double n[3] = { plane[0], plane[1], plane[2] }, len, reach = 0, centre = 0;

  g_return_val_if_fail (lesion != NULL && plane != NULL, 0);

  len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  g_return_val_if_fail (len > 0, 0);
  /* max over the ellipsoid of n·x = n·c + sqrt (Σ (r_c · n·axis_c)²). */
  for (guint c = 0; c < 3; c++)
    {
      double d = 0;

      for (guint r = 0; r < 3; r++)
        d += n[r] / len * lesion->axes[3 * c + r];
      reach += (lesion->radii[c] * d) * (lesion->radii[c] * d);
    }
  for (guint r = 0; r < 3; r++)
    centre += n[r] / len * lesion->centre[r];
  return plane[3] / len - (centre + sqrt (reach));
}

OspVolume *
osp_phantom_generate (const OspPhantomOptions *options,
                      OspPhantomTruth         *out_truth,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  static const OspPhantomOptions defaults = OSP_PHANTOM_OPTIONS_INIT;
  Phantom ph = { 0 };
  double spacing[3], origin[3];
  g_autoptr(OspVolume) volume = NULL;
  g_autofree guint8 *near = NULL;
  g_autofree guint64 *eighths = NULL;
  char description[80];

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (options == NULL)
    options = &defaults;
  g_return_val_if_fail (options->dims[0] != 0 ||
                        (isfinite (options->voxel_mm) && options->voxel_mm >= 0.25 &&
                         options->voxel_mm <= 4.0), NULL);
  g_return_val_if_fail (options->dims[0] == 0 ||
                        (options->dims[0] >= 75 && options->dims[0] <= 2048 &&
                         options->dims[1] >= 56 && options->dims[1] <= 2048 &&
                         options->dims[2] >= 50 && options->dims[2] <= 2048), NULL);

  ph.defect = options->defect;
  ph.seed = options->seed;
  ph.cancellable = cancellable;
  for (guint a = 0; a < 3; a++)
    {
      if (options->dims[0] != 0)
        {
          ph.dims[a] = options->dims[a];
          spacing[a] = field_of_view[a] / ph.dims[a];
        }
      else
        {
          ph.dims[a] = (guint32) ceil (field_of_view[a] / options->voxel_mm);
          spacing[a] = options->voxel_mm;
        }
      ph.spacing[a] = spacing[a];
      ph.voxel = MAX (ph.voxel, spacing[a]);
      origin[a] = -0.5 * (ph.dims[a] - 1) * spacing[a];
      ph.origin[a] = origin[a];
      ph.offset[a] = plane_offset[a];
      ph.blocks[a] = (ph.dims[a] + BLOCK - 1) / BLOCK;
    }

  ph.a = ph.voxel;
  ph.tumour = options->tumour;
  pelvis_rotation (ph.rot);

  volume = osp_volume_new (ph.dims, spacing, origin, NULL, "phantom", error);
  if (volume == NULL)
    return NULL;
  ph.data = osp_volume_get_data_mutable (volume);
  near = g_new0 (guint8, (gsize) ph.blocks[0] * ph.blocks[1] * ph.blocks[2]);
  ph.near = near;
  if (out_truth != NULL)
    {
      eighths = g_new0 (guint64, ph.dims[2]);
      ph.inside_eighths = eighths;
    }

  run_phase (&ph, 0, ph.blocks[2]);
  run_phase (&ph, 1, ph.dims[2]);
  if (g_atomic_int_get (&ph.cancelled))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Generating the phantom was cancelled"));
      return NULL;
    }

  if (out_truth != NULL)
    {
      guint64 total = 0;

      memset (out_truth, 0, sizeof *out_truth);
      for (guint32 k = 0; k < ph.dims[2]; k++)
        total += eighths[k];
      out_truth->bone_volume_mm3 = total / 8.0 * ph.spacing[0] * ph.spacing[1] * ph.spacing[2];
      for (guint c = 0; c < 3; c++)
        out_truth->midsagittal.normal[c] = (float) ph.rot[0][c];
      out_truth->midsagittal.d = (float) dot3 (ph.rot[0], ph.offset);
      out_truth->seed = ph.seed;
      out_truth->defect = ph.defect;
      out_truth->voxel_mm = ph.voxel;
      out_truth->tumour = ph.tumour;
      if (ph.tumour)
        osp_phantom_get_lesion (&out_truth->lesion);
      for (guint side = 0; side < 2; side++)
        for (guint r = 0; r < 3; r++)
          {
            double q[3] = { side == 0 ? hip[0] : -hip[0], hip[1], hip[2] };

            out_truth->hip_center[side][r] = ph.offset[r];
            for (guint c = 0; c < 3; c++)
              out_truth->hip_center[side][r] += ph.rot[c][r] * q[c];
          }
      out_truth->socket_radius = SOCKET_R;
    }

  g_snprintf (description, sizeof description,
              "phantom%s%s seed %u; plane n=(%.5f,%.5f,%.5f) d=%.3f",
              ph.defect ? " defect" : "", ph.tumour ? " tumour" : "", ph.seed, ph.rot[0][0], ph.rot[0][1],
              ph.rot[0][2], dot3 (ph.rot[0], ph.offset));
  osp_volume_set_description (volume, description);
  return g_steal_pointer (&volume);
}

static void
append_number (GString    *json,
               const char *name,
               double      value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (json, "  \"%s\": %s,\n", name,
                          g_ascii_dtostr (buffer, sizeof buffer, value));
}

char *
osp_phantom_truth_to_json (const OspPhantomTruth *truth)
{
  GString *json;
  char n[3][G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (truth != NULL, NULL);

  json = g_string_new ("{\n  \"generator\": \"osteoplan phantom\",\n");
  g_string_append_printf (json, "  \"seed\": %u,\n  \"defect\": %s,\n", truth->seed,
                          truth->defect ? "true" : "false");
  append_number (json, "voxel_mm", truth->voxel_mm);
  append_number (json, "bone_threshold_hu", HU_BONE_EDGE);
  append_number (json, "bone_volume_mm3", truth->bone_volume_mm3);
  for (guint c = 0; c < 3; c++)
    g_ascii_formatd (n[c], sizeof n[c], "%.9g", truth->midsagittal.normal[c]);
  g_ascii_formatd (d, sizeof d, "%.9g", truth->midsagittal.d);
  g_string_append_printf (json,
                          "  \"midsagittal_plane\": {\n"
                          "    \"frame\": \"LPS\",\n"
                          "    \"normal\": [%s, %s, %s],\n"
                          "    \"d_mm\": %s\n"
                          "  }", n[0], n[1], n[2], d);
  if (truth->tumour)
    {
      char v[15][G_ASCII_DTOSTR_BUF_SIZE];

      for (guint c = 0; c < 3; c++)
        {
          g_ascii_formatd (v[c], sizeof v[c], "%.6f", truth->lesion.centre[c]);
          g_ascii_formatd (v[3 + c], sizeof v[3 + c], "%.6f", truth->lesion.radii[c]);
        }
      for (guint c = 0; c < 9; c++)
        g_ascii_formatd (v[6 + c], sizeof v[6 + c], "%.9f", truth->lesion.axes[c]);
      g_string_append_printf (json,
                              ",\n  \"tumour\": {\n"
                              "    \"frame\": \"LPS\",\n"
                              "    \"shape\": \"ellipsoid\",\n"
                              "    \"centre\": [%s, %s, %s],\n"
                              "    \"radii_mm\": [%s, %s, %s],\n"
                              "    \"axes\": [%s, %s, %s, %s, %s, %s, %s, %s, %s],\n"
                              "    \"hu\": %.0f\n"
                              "  }", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                              v[9], v[10], v[11], v[12], v[13], v[14], truth->lesion.hu);
    }
  g_string_append (json, "\n}\n");
  return g_string_free (json, FALSE);
}
