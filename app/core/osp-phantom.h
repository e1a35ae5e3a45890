/* osp-phantom.h — a synthetic pelvis CT: the demo case and a ground truth
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two hemipelves (iliac wing, acetabulum, pubic and ischial rami around an obturator
 * foramen), sacrum and both femoral heads; cortical shell ~1200 HU, cancellous ~300 HU, soft
 * tissue ~40 HU, air −1000 HU, a little noise; about 1 mm voxels.  The anatomy is symmetric
 * about a known midsagittal plane, rotated a few degrees and offset from the volume's centre.
 * Deterministic for a given seed.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-volume.h"

G_BEGIN_DECLS

typedef struct
{
  guint32  seed;
  gboolean defect;     /* remove a tumour-like region of one ilium and acetabulum */
  double   voxel_mm;   /* default 1.0 */
  guint32  dims[3];    /* non-zero: this grid over the same field of view (for benchmarks),
                        * voxel_mm ignored; 0 (default): the field of view ÷ voxel_mm */
  gboolean tumour;     /* a periacetabular lesion above the right acetabulum (see
                        * osp_phantom_get_lesion()) */
} OspPhantomOptions;

#define OSP_PHANTOM_OPTIONS_INIT { 1, FALSE, 1.0, { 0, 0, 0 }, FALSE }

/* The lesion: an ellipsoid of soft tissue (70 HU) that has replaced the bone of the
 * supra-acetabular ilium it fills and bulges into the soft tissue beside it; the same for
 * every seed and voxel size.  A voxel belongs to it when its centre lies inside. */
typedef struct
{
  double centre[3];   /* LPS mm */
  double axes[9];     /* its three principal directions (unit vectors, LPS) */
  double radii[3];    /* semi-axes along them, mm */
  double hu;
  double volume_mm3;  /* 4/3 π r0 r1 r2 */
} OspPhantomLesion;

void       osp_phantom_get_lesion      (OspPhantomLesion       *out);
gboolean   osp_phantom_lesion_contains (const OspPhantomLesion *lesion,
                                        const double            lps[3]);
/* A label map of the lesion on the CT's grid: 1 where a voxel's centre lies inside, else 0
 * (int16, as label maps load). */
OspVolume *osp_phantom_lesion_label_map (const OspPhantomLesion *lesion,
                                         const OspVolume        *ct,
                                         GError                **error);
/* The exact margin of the lesion to a resection plane (n·x ≤ d resected; n need not be unit):
 * d − max over the ellipsoid of n·x, for checking "resect with a 10 mm margin". */
double     osp_phantom_lesion_margin   (const OspPhantomLesion *lesion,
                                        const float             plane[4]);

typedef struct
{
  OspPlane midsagittal;  /* the true plane of symmetry, LPS mm, unit normal */
  double   bone_volume_mm3; /* volume of bone (≥ 250 HU without noise), 2×2×2 supersampled */
  guint32  seed;           /* the options it was made with */
  gboolean defect;
  double   voxel_mm;
  gboolean tumour;
  OspPhantomLesion lesion; /* when tumour */
  double   hip_center[2][3];  /* centres of the left [0] and right [1] acetabular sockets, LPS */
  double   socket_radius;     /* their radius, mm */
} OspPhantomTruth;

/* Generates the phantom on all cores (300 × 224 × 200 voxels at 1 mm; the field of view
 * stays the same for other voxel sizes).  options may be NULL for the defaults.
 * Preconditions: voxel_mm in [0.25, 4], or dims set within [75, 2048] × [56, 2048] ×
 * [50, 2048].  out_truth may be NULL, which saves the supersampling.  Fails only on
 * cancellation (G_IO_ERROR_CANCELLED) or when memory is short (OSP_ERROR_TOO_LARGE). */
OspVolume *osp_phantom_generate (const OspPhantomOptions *options,
                                 OspPhantomTruth         *out_truth,
                                 GCancellable            *cancellable,
                                 GError                 **error);

/* The truth as JSON (for the sidecar file "NAME.json" beside "NAME.nii.gz"). */
char      *osp_phantom_truth_to_json (const OspPhantomTruth *truth);

G_END_DECLS
