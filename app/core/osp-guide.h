/* osp-guide.h — patient-specific osteotomy (cutting) guides
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A guide is a shell that seats on the bone in one position only and carries a saw slot along
 * each planned plane, pin sleeves for K-wires and a raised label.  It is built in a frame whose
 * third axis is the insertion direction u (from which the guide is put on the bone):
 *
 * - the bone is seen as a height field along u (the first surface a ray from above meets), so
 *   the guide, which lies above that surface by the fit gap, can always be lowered onto the
 *   bone and lifted off along u: no undercut by construction, whatever the bone's inside looks
 *   like (an open or self-crossing CT surface does not matter here);
 * - the contact patch is that surface within `patch_width` of each plane, where it faces u;
 *   the shell is the patch raised by the fit gap and thickened; slot walls stand `slot_height`
 *   above the bone; sleeves stand on the shell; the saw paths and the pin channels are taken
 *   out; all of that is one signed-distance field, extracted by marching cubes on a grid of
 *   `voxel` mm;
 * - before extraction the field is opened by a ball of the print check's minimum wall (every
 *   fin, lip and acute edge, such as where a slot face meets bone that slopes across it, is
 *   rounded off), then each slot face is put back where the opened solid stands behind it:
 *   marching cubes reproduces a plane exactly, so each slot's faces are the planned plane ±
 *   half the slot width to the field's micrometre, and the guide passes the print check.
 *
 * Planes follow osp-cut.h: n·x = d; the slot is centred on the plane.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

#define OSP_GUIDE_MAX_PLANES 4
#define OSP_GUIDE_MAX_PINS   4

typedef struct
{
  double      patch_width;    /* mm of contact on each side of a plane's section (12) */
  double      fit_gap;        /* mm between bone and shell (0.15) */
  double      thickness;      /* mm of shell (4) */
  double      blade;          /* saw blade thickness, mm (1.27) */
  double      clearance;      /* per side of the blade, mm (0.25 resin, 0.4 FDM) */
  double      slot_wall;      /* mm of material on each side of a slot (3) */
  double      slot_height;    /* mm the slot walls stand above the bone (10) */
  double      slot_overrun;   /* mm the slot runs past the bone's section at each end (7) */
  guint       n_pins;         /* fixation pin sleeves, 0–4 (2) */
  double      pin_diameter;   /* K-wire diameter, mm (2.0) */
  double      sleeve_wall;    /* mm around the pin channel (2) */
  double      sleeve_height;  /* mm the sleeves stand above the shell (8) */
  double      voxel;          /* grid step of the shell, mm (0.25) */
  float       direction[3];   /* insertion direction; all zero: chosen automatically */
  const char *label;          /* raised text (A–Z, 0–9, - . / and space), or NULL */
} OspGuideParams;

/* Fills the defaults above (resin printer clearance). */
void osp_guide_params_init (OspGuideParams *params);

typedef struct _OspGuideReport
{
  float    direction[3];          /* the insertion direction used */
  gboolean direction_automatic;
  double   patch_area;            /* mm² of bone under the shell */
  double   volume;                /* mm³ of the guide */
  guint    n_planes;
  double   section_length[OSP_GUIDE_MAX_PLANES]; /* mm along the slot, bone section only */
  double   slot_width;            /* blade + 2 × clearance */
  /* The fitted mid-plane of each slot's two faces against the planned plane. */
  double   slot_offset_error[OSP_GUIDE_MAX_PLANES];  /* mm */
  double   slot_angle_error[OSP_GUIDE_MAX_PLANES];   /* degrees */
  guint    n_pins;
  float    pin_entry[OSP_GUIDE_MAX_PINS][3];         /* on the bone surface */
  double   pin_bone_depth[OSP_GUIDE_MAX_PINS];       /* mm of bone along the pin */
  /* Checks. */
  double   min_bone_distance;     /* smallest distance from the guide to the bone, mm
                                   * (sampled; ≥ fit gap minus a grid tolerance) */
  guint    n_overlap;             /* guide vertices inside the bone */
  guint    n_undercut;            /* guide vertices that would hit bone when lifted along u */
  guint    n_in_saw_path;         /* guide vertices inside a saw path */
  gboolean closed;
  guint    n_components;
  gboolean print_ready;           /* osp_print_check() found nothing */
  double   min_wall;              /* mm, as the print check measured it */
  GPtrArray *notes;               /* translated sentences: what was decided or adjusted */
  GPtrArray *warnings;            /* translated sentences: what a surgeon must look at */
} OspGuideReport;

void osp_guide_report_clear (OspGuideReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OspGuideReport, osp_guide_report_clear)

/* Makes a guide for cutting `bone` along `planes` (1 to OSP_GUIDE_MAX_PLANES).  Fails with a
 * message (nothing made) when the bone is open, a plane misses the bone, slots collide, no
 * patch can be reached from one direction, or the result fails its own checks.
 * out_report may be NULL; otherwise clear it with osp_guide_report_clear().  Seconds of work:
 * call it off the main thread. */
OspMesh *osp_guide_make (const OspMesh          *bone,
                         const OspPlane         *planes,
                         guint                   n_planes,
                         const OspGuideParams   *params,
                         OspGuideReport         *out_report,
                         const OspProgressRange *progress,
                         GCancellable           *cancellable,
                         GError                **error);

G_END_DECLS
