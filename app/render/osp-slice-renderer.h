/* osp-slice-renderer.h — axial, coronal and sagittal CT slices with OpenGL 3.3 core
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CT is uploaded once as a 3D texture (16-bit signed normalised, exact for every int16
 * HU value; split into slabs along k when a dimension exceeds GL_MAX_3D_TEXTURE_SIZE) and a
 * slice is a quad whose fragment shader maps each pixel to its LPS point and that point,
 * through the inverse of the volume's index-to-LPS matrix, to the texture: oblique and
 * gantry-tilted series are sampled along patient axes, never along their own.  No CPU work
 * per slice but the model contours (mesh–plane segments, cached per slice position).
 *
 * Radiological convention (the picture seen from the patient's feet, front or left):
 *
 *   axial     right edge = patient left (L), top = anterior (A)
 *   coronal   right edge = patient left (L), top = superior (S)
 *   sagittal  right edge = posterior (P),    top = superior (S)
 *
 * Overlays: the bone outline (isoline of a HU threshold), a binary mask filled translucent
 * (a second 3D texture, R8UI, re-uploaded by boxes), model contours in their colours, plane
 * intersection lines, a crosshair, marked points and the orientation letters.
 *
 * Textures are GL objects of the context current at the first draw; a renderer made in a
 * context that shares objects with it (GTK's GL areas do) uses them without a second upload.
 */
#pragma once

#include <glib.h>

#include "osp-mesh.h"
#include "osp-volume.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_SLICE_AXIAL,
  OSP_SLICE_CORONAL,
  OSP_SLICE_SAGITTAL,
} OspSliceAxis;

#define OSP_SLICE_N_AXES 3

/* What a slice view shows: the slice through `center` perpendicular to the axis, `center`
 * at the middle of the picture, `mm_per_pixel` millimetres a pixel, grey values from
 * level − window/2 (black) to level + window/2 (white). */
typedef struct
{
  OspSliceAxis axis;
  double       center[3];
  double       mm_per_pixel;
  double       window;
  double       level;
} OspSliceCamera;

typedef enum
{
  OSP_WINDOW_BONE,
  OSP_WINDOW_SOFT_TISSUE,
  OSP_WINDOW_LUNG,
} OspWindowPreset;

/* -- Geometry (no GL) ------------------------------------------------------------------ */

/* "axial", "coronal", "sagittal" (untranslated, for the command line); parse returns FALSE on
 * anything else. */
const char *osp_slice_axis_to_string   (OspSliceAxis      axis);
gboolean    osp_slice_axis_from_string (const char       *name,
                                        OspSliceAxis     *out_axis);
/* Unit LPS vectors of the picture's right and up directions and the slice normal (the LPS
 * axis the slice position is measured along: z, y, x). */
void        osp_slice_axis_frame       (OspSliceAxis      axis,
                                        double            out_right[3],
                                        double            out_up[3],
                                        double            out_normal[3]);
/* The index (0 x, 1 y, 2 z) of the LPS axis perpendicular to the slices. */
int         osp_slice_axis_normal_index (OspSliceAxis     axis);
/* The letters at the left, right, top and bottom edges ("R", "L", "A", "P" for axial). */
void        osp_slice_axis_letters     (OspSliceAxis      axis,
                                        const char      **out_left,
                                        const char      **out_right,
                                        const char      **out_top,
                                        const char      **out_bottom);
/* Window width and level in HU: bone 2000/400, soft tissue 400/40, lung 1500/−600. */
void        osp_window_preset          (OspWindowPreset   preset,
                                        double           *out_window,
                                        double           *out_level);

/* Pixel (x, y) of a width × height picture (top-left origin, pixel centres at +0.5) → LPS. */
void        osp_slice_camera_pixel_to_lps (const OspSliceCamera *view,
                                         int                 width,
                                         int                 height,
                                         double              x,
                                         double              y,
                                         double              out_lps[3]);
void        osp_slice_camera_lps_to_pixel (const OspSliceCamera *view,
                                         int                 width,
                                         int                 height,
                                         const double        lps[3],
                                         double             *out_x,
                                         double             *out_y);
/* Centres the view on the volume's middle (keeping the slice position when `keep_position`)
 * and zooms so that its extent along the picture axes fits width × height. */
void        osp_slice_camera_fit         (OspSliceCamera      *view,
                                        const OspVolume   *volume,
                                        int                width,
                                        int                height,
                                        gboolean           keep_position);
/* The LPS range covered by the volume's voxel centres along an LPS axis (0–2). */
void        osp_volume_get_lps_range   (const OspVolume   *volume,
                                        int                lps_axis,
                                        double            *out_min,
                                        double            *out_max);
/* The HU value at an LPS point (trilinear, like the picture); FALSE outside the volume. */
gboolean    osp_volume_sample_lps      (const OspVolume   *volume,
                                        const double       lps[3],
                                        double            *out_hu);

/* The segments where the triangles of `mesh` (moved by `transform`, column-major 4 × 4, NULL
 * for identity) cross the plane n·x = d: 6 floats a segment (two LPS points) appended to
 * `out_segments`.  Returns the number of segments. */
guint       osp_mesh_plane_segments    (const OspMesh     *mesh,
                                        const float       *transform,
                                        const double       normal[3],
                                        double             d,
                                        GArray            *out_segments);

/* -- Renderer (a GL context current) ---------------------------------------------------- */

typedef struct _OspSliceRenderer OspSliceRenderer;
typedef struct _OspSliceTextures OspSliceTextures;

/* The GPU copy of a volume and of a mask, shared by the renderers of contexts that share
 * objects (the three slice views of a window).  Ref-counted; the renderers hold references and
 * the last osp_slice_renderer_free (its context current) deletes the GL names. */
OspSliceTextures *osp_slice_textures_new   (void);
OspSliceTextures *osp_slice_textures_ref   (OspSliceTextures *textures);
void              osp_slice_textures_unref (OspSliceTextures *textures);
/* Deletes the GL names now (a context of their share group current); the next draw uploads
 * again.  For the owner of a shared set when its last view goes. */
void              osp_slice_textures_release_gl (OspSliceTextures *textures);

/* Fails with OSP_ERROR when the context is not OpenGL 3.3 core or a shader does not
 * compile.  `textures` may be NULL (a private set). */
OspSliceRenderer *osp_slice_renderer_new        (OspSliceTextures  *textures,
                                                 GError           **error);
void              osp_slice_renderer_free       (OspSliceRenderer  *renderer);

/* The volume to show (a reference is kept; uploaded at the next draw when it changes).
 * NULL shows nothing but the background. */
void              osp_slice_renderer_set_volume (OspSliceRenderer  *renderer,
                                                 OspVolume         *volume);
OspVolume        *osp_slice_renderer_get_volume (OspSliceRenderer  *renderer);
/* A binary mask on its own grid (voxel (i, j, k) at voxels[i + dims0·(j + dims1·k)], non-zero
 * = inside; `index_to_lps` column-major 4 × 4) filled with rgba.  The renderer reads
 * `voxels` at draws: it must stay valid until the mask is replaced or cleared (NULL).
 * The same voxels pointer and dims upload nothing again (use update_mask for changes). */
void              osp_slice_renderer_set_mask   (OspSliceRenderer  *renderer,
                                                 const guint8      *voxels,
                                                 const guint32      dims[3],
                                                 const float       *index_to_lps,
                                                 const float        rgba[4]);
/* The voxels in [min, max] (inclusive) changed: re-uploads that box at the next draw. */
void              osp_slice_renderer_update_mask (OspSliceRenderer *renderer,
                                                  const guint32     min[3],
                                                  const guint32     max[3]);
/* The bone outline: the isoline at `threshold` HU, drawn in rgb; off when !show. */
void              osp_slice_renderer_set_outline (OspSliceRenderer *renderer,
                                                  gboolean          show,
                                                  double            threshold,
                                                  const float       rgb[3]);

/* Models whose contours are drawn (ids never 0). */
guint             osp_slice_renderer_add_model  (OspSliceRenderer  *renderer,
                                                 OspMesh           *mesh);
void              osp_slice_renderer_remove_model (OspSliceRenderer *renderer,
                                                   guint             id);
void              osp_slice_renderer_clear_models (OspSliceRenderer *renderer);
void              osp_slice_renderer_set_model_mesh (OspSliceRenderer *renderer,
                                                     guint             id,
                                                     OspMesh          *mesh);
void              osp_slice_renderer_set_model_color (OspSliceRenderer *renderer,
                                                      guint             id,
                                                      const float       rgb[3]);
void              osp_slice_renderer_set_model_visible (OspSliceRenderer *renderer,
                                                        guint             id,
                                                        gboolean          visible);
/* Column-major 4 × 4, NULL = identity. */
void              osp_slice_renderer_set_model_transform (OspSliceRenderer *renderer,
                                                          guint             id,
                                                          const float      *matrix16);

/* Planes drawn as their intersection lines (n·x = d, world mm), rgb 3 floats each. */
void              osp_slice_renderer_set_planes (OspSliceRenderer  *renderer,
                                                 const OspPlane    *planes,
                                                 const float       *rgb,
                                                 guint              n_planes);
/* Points drawn as small rings where they lie within half a voxel… or 2 mm of the slice
 * (rgb 3 floats each). */
void              osp_slice_renderer_set_marks  (OspSliceRenderer  *renderer,
                                                 const double      *points,
                                                 const float       *rgb,
                                                 guint              n_points);
/* The crosshair at an LPS point; NULL hides it. */
void              osp_slice_renderer_set_crosshair (OspSliceRenderer *renderer,
                                                    const double     *lps);
/* The size of letters and lines relative to their default (HiDPI).  Default 1. */
void              osp_slice_renderer_set_overlay_scale (OspSliceRenderer *renderer,
                                                        float             scale);

/* Draws the slice into the framebuffer bound to GL_DRAW_FRAMEBUFFER, width × height pixels.
 * FALSE with an error when the volume does not fit in GPU memory or the driver's limits. */
gboolean          osp_slice_renderer_draw       (OspSliceRenderer   *renderer,
                                                 const OspSliceCamera *view,
                                                 int                 width,
                                                 int                 height,
                                                 GError            **error);
/* Draws into an internal framebuffer; `out_rgba` (width × height × 4, top row first) may be
 * NULL to only wait until the picture is finished (benchmarks). */
gboolean          osp_slice_renderer_draw_to_rgba (OspSliceRenderer   *renderer,
                                                   const OspSliceCamera *view,
                                                   int                 width,
                                                   int                 height,
                                                   guint8             *out_rgba,
                                                   GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspSliceTextures, osp_slice_textures_unref)

G_END_DECLS
