/* osp-mask.h — label masks on a CT's grid: painting, growing, importing, meshing
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An OspMask is one uint8 label per voxel of a grid (OspGrid: the dims, spacing, origin and
 * direction of a CT, osp-volume.h), stored like the volume's voxels: (i, j, k) is
 * data[i + dims[0] · (j + dims[1] · k)].  0 is "nothing"; a tumour mask uses 1; the bone
 * separation uses 1 and 2 for the two seeds and OSP_MASK_BARRIER for the painted boundary.
 *
 * Masks are mutable (a brush writes into them in place; the plan's commands keep the old
 * bytes of the box each stroke touched, osp-plan.h) and ref-counted: g_autoptr(OspMask).
 * Every in-place operation reports the box of voxels it may have changed (OspMaskBox), so a
 * view re-uploads only that part.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"
#include "osp-volume.h"

G_BEGIN_DECLS

/* The painted boundary between two bones to separate (osp_mask_separate()). */
#define OSP_MASK_BARRIER 255

/* A CT's sampling grid, as osp-volume.h defines it. */
typedef struct
{
  guint32 dims[3];
  double  spacing[3];
  double  origin[3];
  double  direction[9];   /* axis_i, axis_j, axis_k (unit vectors) */
} OspGrid;

void      osp_grid_from_volume    (const OspVolume *volume,
                                   OspGrid         *out_grid);
/* Continuous index → LPS mm, and back (the inverse of the same affine map). */
void      osp_grid_index_to_lps   (const OspGrid   *grid,
                                   const double     ijk[3],
                                   double           out_lps[3]);
void      osp_grid_lps_to_index   (const OspGrid   *grid,
                                   const double     lps[3],
                                   double           out_ijk[3]);
guint64   osp_grid_get_n_voxels   (const OspGrid   *grid);
/* The volume of one voxel, mm³. */
double    osp_grid_voxel_volume   (const OspGrid   *grid);
/* TRUE when the grids sample the same points: same dims, spacing within 0.1 % (or 1e-3 mm),
 * origin within a tenth of the smallest spacing, direction cosines within 1e-3.  Otherwise
 * fails saying what differs, e.g. "LABELS.nii.gz: its grid (256 × 256 × 100 voxels) does not
 * match the CT's (512 × 512 × 200 voxels)"; display_name names the file of `grid`. */
gboolean  osp_grid_check_match    (const OspGrid   *grid,
                                   const OspGrid   *reference,
                                   const char      *display_name,
                                   GError         **error);

/* Voxels min ≤ (i, j, k) < max; empty when any max ≤ min. */
typedef struct
{
  guint32 min[3];
  guint32 max[3];
} OspMaskBox;

gboolean  osp_mask_box_is_empty   (const OspMaskBox *box);
/* Grows `box` to hold `other` as well (an empty one is ignored). */
void      osp_mask_box_union      (OspMaskBox       *box,
                                   const OspMaskBox *other);
guint64   osp_mask_box_get_n_voxels (const OspMaskBox *box);
/* The box of the voxels of `grid` whose centres may lie within radius_mm of centre_lps
 * (empty when none can). */
void      osp_grid_sphere_box     (const OspGrid    *grid,
                                   const double      centre_lps[3],
                                   double            radius_mm,
                                   OspMaskBox       *out_box);
#define OSP_MASK_BOX_EMPTY { { 0, 0, 0 }, { 0, 0, 0 } }

typedef struct _OspMask OspMask;

/* All zero.  Fails with OSP_ERROR_TOO_LARGE when the grid would not fit in memory or a
 * dimension is zero. */
OspMask      *osp_mask_new              (const OspGrid   *grid,
                                         GError         **error);
OspMask      *osp_mask_new_for_volume   (const OspVolume *volume,
                                         GError         **error);
OspMask      *osp_mask_copy             (const OspMask   *mask,
                                         GError         **error);
OspMask      *osp_mask_ref              (OspMask         *mask);
void          osp_mask_unref            (OspMask         *mask);

const OspGrid *osp_mask_get_grid        (const OspMask   *mask);
guint64       osp_mask_get_n_voxels     (const OspMask   *mask);
const guint8 *osp_mask_get_data         (const OspMask   *mask);
guint8       *osp_mask_get_data_mutable (OspMask         *mask);
/* Voxels of that label (0: every non-zero voxel). */
guint64       osp_mask_count            (const OspMask   *mask,
                                         guint8           label);
/* The box of the voxels of that label (0: any non-zero); FALSE (box empty) when there is
 * none. */
gboolean      osp_mask_get_bounds       (const OspMask   *mask,
                                         guint8           label,
                                         OspMaskBox      *out_box);
/* Copies the box's voxels out (box order, i fastest) and back in. */
guint8       *osp_mask_read_box         (const OspMask    *mask,
                                         const OspMaskBox *box,
                                         gsize            *out_len);
void          osp_mask_write_box        (OspMask          *mask,
                                         const OspMaskBox *box,
                                         const guint8     *bytes);

/* -- Editing in place (each reports the box it may have changed) ---------------------------- */

/* Sets every voxel whose centre lies within radius_mm of centre (LPS mm) to `value` (0
 * erases). */
void          osp_mask_paint_sphere     (OspMask         *mask,
                                         const double     centre_lps[3],
                                         double           radius_mm,
                                         guint8           value,
                                         OspMaskBox      *out_box);
/* The same on one slice: the voxels of index layer `slice` along index axis `axis` (0 = i,
 * 1 = j, 2 = k) whose centres lie within radius_mm of centre_lps measured in that slice's
 * plane.  Precondition: axis < 3 (a slice outside the grid changes nothing). */
void          osp_mask_paint_disk       (OspMask         *mask,
                                         guint            axis,
                                         guint32          slice,
                                         const double     centre_lps[3],
                                         double           radius_mm,
                                         guint8           value,
                                         OspMaskBox      *out_box);
/* Seeded region growing: from the voxel nearest seed_lps, the 6-connected voxels of `volume`
 * (same grid as the mask) with min_hu ≤ HU ≤ max_hu within max_radius_mm of the seed are set
 * to `value`.  *out_n_added (may be NULL): voxels that changed.  Fails (mask untouched) when
 * the seed lies outside the grid or its own HU is outside the range, or the grids differ. */
gboolean      osp_mask_grow_region      (OspMask         *mask,
                                         const OspVolume *volume,
                                         const double     seed_lps[3],
                                         int              min_hu,
                                         int              max_hu,
                                         double           max_radius_mm,
                                         guint8           value,
                                         OspMaskBox      *out_box,
                                         guint64         *out_n_added,
                                         GError         **error);
/* Fills the slices strictly between index layers slice_a and slice_b along `axis` by
 * shape-based interpolation (the signed 2-D distance maps of `value` on both layers, blended
 * linearly): what a surgeon draws on every fifth slice becomes a solid.  Only voxels that
 * are 0 are set.  Fails when either layer holds no voxel of `value` or the layers are out of
 * range.  Preconditions: axis < 3, value ≠ 0. */
gboolean      osp_mask_fill_between     (OspMask         *mask,
                                         guint            axis,
                                         guint32          slice_a,
                                         guint32          slice_b,
                                         guint8           value,
                                         OspMaskBox      *out_box,
                                         GError         **error);

/* -- Import --------------------------------------------------------------------------------- */

/* The labels of a label map (a volume loaded with osp_volume_load(), values as read) with
 * their voxel counts, ascending, 0 left out: a GArray of OspLabelCount.  Fails when the
 * values were clamped on loading (labels beyond −32768…32767, e.g. 2^31 labels) or are
 * negative: not a label map. */
typedef struct
{
  gint32  label;
  guint64 n_voxels;
} OspLabelCount;

GArray       *osp_label_map_list_labels (const OspVolume *labels,
                                         const char      *display_name,
                                         GError         **error);
/* The same for a list a person picks from: the first `max_labels` labels (ascending), and in
 * *out_n_present how many the map holds, so that a caller can say the list is cut short.
 * Memory and time stay bounded whatever the file: one pass over the voxels, and at most
 * 32 767 counts (loading clamps wider values, which this refuses). */
GArray       *osp_label_map_list_labels_capped (const OspVolume *labels,
                                                guint            max_labels,
                                                guint           *out_n_present,
                                                const char      *display_name,
                                                GError         **error);
/* A mask of the voxels of `labels` equal to `label` (set to `value`), on the label map's
 * grid, which must match `reference` when that is not NULL (osp_grid_check_match()).  Fails
 * naming display_name when the label is absent (an empty label), out of range or the grids
 * differ. */
OspMask      *osp_mask_from_label_map   (const OspVolume *labels,
                                         int              label,
                                         guint8           value,
                                         const OspGrid   *reference,
                                         const char      *display_name,
                                         GError         **error);
/* Voxelises a closed mesh (LPS mm) onto `grid`: the voxels whose centres lie inside (ray
 * parity along i) get `value`.  Fails naming display_name when the mesh's box does not
 * overlap the grid (a tumour far outside the CT), when it covers no voxel centre, or when it
 * is not closed (boundary edges; a rough voxelisation of an open mesh is wrong). */
OspMask      *osp_mask_from_mesh        (const OspMesh   *mesh,
                                         const OspGrid   *grid,
                                         guint8           value,
                                         const char      *display_name,
                                         GCancellable    *cancellable,
                                         GError         **error);

/* -- Meshing ------------------------------------------------------------------------------- */

/* The closed surface of the voxels of `label` (0: any non-zero), in LPS mm: marching cubes
 * (osp_isosurface_extract()) of the mask cropped to its bounds, halfway between voxel
 * centres, then `smooth_iterations` rounds of Taubin smoothing (0: none).  An empty label
 * gives an empty mesh.  Fails only on cancellation or memory. */
OspMesh      *osp_mask_to_mesh          (const OspMask   *mask,
                                         guint8           label,
                                         guint            smooth_iterations,
                                         GCancellable    *cancellable,
                                         GError         **error);

/* -- Bone separation ------------------------------------------------------------------------ */

/* Separates fused bones: the voxels of `volume` ≥ threshold_hu (the bone) are split between
 * the seeds `seeds` labels label_a and label_b (painted on each bone) by growing both at once
 * through bone voxels (a watershed on the geodesic distance: each bone voxel goes to the seed
 * that reaches it first, 26-connected), never through voxels labelled OSP_MASK_BARRIER (the
 * boundary painted in the joint space).  Bone the seeds do not reach stays unassigned.
 * Returns a mask of label_a / label_b on the volume's grid; *out_n_a / *out_n_b (may be
 * NULL) count their voxels.  Fails when either seed label holds no bone voxel. */
OspMask      *osp_mask_separate         (const OspVolume *volume,
                                         const OspMask   *seeds,
                                         double           threshold_hu,
                                         guint8           label_a,
                                         guint8           label_b,
                                         guint64         *out_n_a,
                                         guint64         *out_n_b,
                                         GCancellable    *cancellable,
                                         GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspMask, osp_mask_unref)

G_END_DECLS
