/* osp-renderer.h — draws the scene with OpenGL 3.3 core
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An OspRenderer belongs to one OpenGL context (a GtkGLArea's or an offscreen EGL one, see
 * osp-offscreen.h).  Create it, draw with it and free it only with that context current (in
 * a GtkGLArea: from realize, render and unrealize, or after gtk_gl_area_make_current()).
 * Picking, adding and removing models and all the model setters need no context (uploads and
 * deletions wait for the next draw).  Not thread-safe: use it from one thread.
 *
 * The scene is a set of models, each an OspMesh with a colour, an opacity, a visibility and a
 * transform.  A model's mesh is uploaded to the GPU once (positions as floats, smooth normals
 * packed 10:10:10:2, uint32 indices: about 20 bytes per triangle of a closed mesh) and again
 * only when a different mesh is set.  Transparent models are drawn after the opaque ones,
 * back to front, without depth writes.  The renderer draws into its own 4× multisampled
 * framebuffer where the driver allows and resolves into the framebuffer bound when
 * osp_renderer_draw() is called, so the caller's framebuffer needs neither depth, stencil nor
 * multisampling.
 *
 * The picture: a vertical background gradient, the models with Blinn–Phong shading and a
 * headlight, an optional wireframe overlay, an optional section plane that clips every model
 * (the cut faces of closed models are shown filled, in a darker shade of the model's colour),
 * an orientation marker (R/L, A/P, S/I) in the bottom-left corner and a scale bar in mm in the
 * bottom-right corner.
 */
#pragma once

#include <gio/gio.h>

#include "osp-bvh.h"
#include "osp-camera.h"
#include "osp-mesh.h"
#include "osp-slice-renderer.h"

G_BEGIN_DECLS

typedef struct _OspRenderer OspRenderer;

/* A mesh made ready for drawing without GL (packed vertices and normals, the coarse level of
 * detail, whether it is closed), so the slow part of an upload can run in a loading thread.
 * Immutable and reference counted. */
typedef struct _OspRenderMesh OspRenderMesh;

/* Identifies a model in one renderer; never 0. */
typedef guint OspRenderModelId;

/* What a pick found. */
typedef struct
{
  OspRenderModelId model;       /* the model hit */
  guint32          triangle;    /* the triangle of its mesh (G_MAXUINT32 for a cut face) */
  float            position[3]; /* the point hit, world mm (after the model's transform) */
  float            distance;    /* from the ray's origin, mm */
} OspPickResult;

/* Creates the GL objects (shaders from the GResource bundle, buffers).  Fails with an
 * OSP_ERROR and a message naming the version found when the current context is not desktop
 * OpenGL 3.3 or newer, or when a shader does not compile.  Precondition: a context is
 * current. */
OspRenderer      *osp_renderer_new                 (GError          **error);
/* Frees the GL objects: call with the renderer's context current.  NULL is ignored. */
void              osp_renderer_free                (OspRenderer      *renderer);

/* "OpenGL 4.5 (Core Profile) Mesa 22.3.6 — llvmpipe (LLVM 15.0.6, 256 bits)" */
const char       *osp_renderer_get_gl_description  (const OspRenderer *renderer);
/* Samples actually used for antialiasing (1 when multisampling is unavailable). */
int               osp_renderer_get_samples         (const OspRenderer *renderer);

/* -- Models ------------------------------------------------------------------------------ */

/* Thread-safe, no GL context needed (e.g. in the GTask that loads the mesh); about 0.1–0.3 s
 * per million triangles.  Keeps a reference to the mesh.  NULL with G_IO_ERROR_CANCELLED or
 * OSP_ERROR_TOO_LARGE.  Precondition: mesh non-NULL. */
OspRenderMesh    *osp_render_mesh_prepare          (OspMesh          *mesh,
                                                    GCancellable     *cancellable,
                                                    GError          **error);
/* Only the packed vertices and normals (about a third of the time): what the first picture
 * needs.  The coarse level and the topology follow from osp_render_mesh_prepare_details(). */
OspRenderMesh    *osp_render_mesh_prepare_vertices (OspMesh          *mesh,
                                                    GCancellable     *cancellable,
                                                    GError          **error);
/* Only the coarse level of detail and whether the mesh is closed (the slow part for large
 * meshes), for a model drawn already. */
OspRenderMesh    *osp_render_mesh_prepare_details  (OspMesh          *mesh,
                                                    GCancellable     *cancellable,
                                                    GError          **error);
OspRenderMesh    *osp_render_mesh_ref              (OspRenderMesh    *prepared);
void              osp_render_mesh_unref            (OspRenderMesh    *prepared);
OspMesh          *osp_render_mesh_get_mesh         (const OspRenderMesh *prepared);

/* Adds a model (visible, opaque, bone-coloured, identity transform); keeps a reference to
 * the mesh and uploads it at the next draw.  Precondition: mesh non-NULL. */
OspRenderModelId  osp_renderer_add_model           (OspRenderer      *renderer,
                                                    OspMesh          *mesh);
/* Removes a model; its GPU buffers are freed at the next draw (or by osp_renderer_free), so
 * this needs no GL context.  Unknown ids are ignored. */
void              osp_renderer_remove_model        (OspRenderer      *renderer,
                                                    OspRenderModelId  model);
void              osp_renderer_clear               (OspRenderer      *renderer);
guint             osp_renderer_get_n_models        (const OspRenderer *renderer);

/* Replaces the mesh; uploads at the next draw, only when `mesh` is a different mesh
 * (meshes are immutable, so the same pointer means the same content). */
void              osp_renderer_set_model_mesh      (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    OspMesh          *mesh);
/* Hands over the prepared arrays of the model's current mesh, so the next draw only copies
 * them to the GPU (without it, the draw prepares them itself).  Keeps a reference until the
 * upload; ignored when `prepared` belongs to another mesh.  Vertices are ignored once the mesh
 * is uploaded; a coarse level (osp_render_mesh_prepare_details()) is added to an uploaded
 * mesh that has none yet. */
void              osp_renderer_set_model_prepared  (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    OspRenderMesh    *prepared);
/* With `defer`, an upload the draw has to prepare itself makes the vertices only, so the first
 * picture of a large model comes sooner: the coarse level (drawn while the view moves) and the
 * topology (section caps) come later through osp_renderer_set_model_prepared(); until then
 * every frame draws every triangle, and a section finds the topology itself.  Off by default
 * (the offscreen renderer draws one picture and wants everything at once). */
void              osp_renderer_set_defer_details   (OspRenderer      *renderer,
                                                    gboolean          defer);
/* Whether the model is drawn without the coarse level it should have: what to make with
 * osp_render_mesh_prepare_details() once its first picture is out. */
gboolean          osp_renderer_model_needs_details (const OspRenderer *renderer,
                                                    OspRenderModelId   model);
/* Per-vertex colours (deviation and fit maps): 3 bytes (r, g, b) a vertex for the model's
 * current mesh, copied and uploaded at the next draw into a buffer of their own (4 bytes a
 * vertex, only for models that have colours).  They replace the model colour for shading
 * (opacity, caps and highlight keep working); NULL clears them.  Setting a new mesh clears
 * them too.  Precondition: n_vertices is the mesh's vertex count when rgb is given. */
void              osp_renderer_set_model_vertex_colors (OspRenderer      *renderer,
                                                        OspRenderModelId  model,
                                                        const guint8     *rgb,
                                                        guint32           n_vertices);
/* rgb in 0–1. */
void              osp_renderer_set_model_color     (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    const float       rgb[3]);
/* 0 (invisible) – 1 (opaque). */
void              osp_renderer_set_model_opacity   (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    float             opacity);
void              osp_renderer_set_model_visible   (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    gboolean          visible);
/* Model → world, column-major 4 × 4 (cglm mat4 layout); NULL = identity. */
void              osp_renderer_set_model_transform (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    const float      *matrix16);
/* Draws the model with a highlight (selection). */
void              osp_renderer_set_model_highlight (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    gboolean          highlight);

/* The world bounds of the visible models (empty when there are none). */
void              osp_renderer_get_bounds          (const OspRenderer *renderer,
                                                    OspBox           *out_box);

/* -- Options ----------------------------------------------------------------------------- */

/* Top and bottom colours of the background gradient (rgb 0–1). */
void              osp_renderer_set_background      (OspRenderer      *renderer,
                                                    const float       top_rgb[3],
                                                    const float       bottom_rgb[3]);
void              osp_renderer_set_wireframe       (OspRenderer      *renderer,
                                                    gboolean          wireframe);
/* The section plane n·x = d, world mm: the half-space n·x > d (the side the normal points
 * to) is cut away.  NULL removes the section.  The normal need not be of unit length but
 * must not be zero. */
void              osp_renderer_set_section         (OspRenderer      *renderer,
                                                    const OspPlane   *plane);
/* Whether to draw the orientation marker and the scale bar (default TRUE). */
void              osp_renderer_set_show_overlays   (OspRenderer      *renderer,
                                                    gboolean          show);
/* The size of overlays (marker, scale bar, letters) relative to their default; use the
 * widget's scale factor on HiDPI screens.  Default 1. */
void              osp_renderer_set_overlay_scale   (OspRenderer      *renderer,
                                                    float             scale);
/* Level of detail (default on with software rasterisers such as llvmpipe, off with a GPU,
 * which draws millions of triangles at ease): a model of 250 000 triangles or more also gets
 * a coarser index buffer (a quarter of the triangles, sharing the vertices: 3 more bytes per
 * triangle), drawn instead of the full one while the full one would put more than one
 * triangle on each pixel of its box on screen, so software renderers stay interactive.  The full
 * mesh is drawn whenever detail could show: with the wireframe, the section plane, or
 * transparency; picking and measuring never use the GPU and always see the full mesh.  A model
 * of 1 200 000 triangles or more gets a proxy of about 300 000 instead, drawn only while the
 * view moves (osp_renderer_set_moving); its still frames draw every triangle. */
void              osp_renderer_set_lod             (OspRenderer      *renderer,
                                                    gboolean          lod);
gboolean          osp_renderer_get_lod             (const OspRenderer *renderer);
/* Multisampling: 1 (off), 2, 4 (default), 8; clamped to what the driver offers. */
void              osp_renderer_set_samples         (OspRenderer      *renderer,
                                                    int               samples);
/* While the user moves the view (a drag, a recent wheel notch): frames are drawn without
 * multisampling and, when levels of detail are on, every model that has a coarse level draws
 * it, whatever its size on screen.  Still frames (the default) are unchanged. */
void              osp_renderer_set_moving          (OspRenderer      *renderer,
                                                    gboolean          moving);
gboolean          osp_renderer_get_moving          (const OspRenderer *renderer);

/* -- CT slices in the scene ---------------------------------------------------------------- */

/* The GPU copy of the CT to draw the slices from: the slice views' (osp_slice_group's), so
 * that a window uploads its CT once; NULL for a private one.  Keeps a reference.  Textures of
 * a context that shares nothing with the renderer's are replaced by a private set. */
void              osp_renderer_set_slice_textures  (OspRenderer      *renderer,
                                                    OspSliceTextures *textures);
/* The axial, coronal and sagittal planes through `center` (LPS mm) drawn inside the scene as
 * opaque rectangles across the volume's extent, sampled like the slice views (trilinear, grey
 * from level − window/2 to level + window/2, along patient axes whatever the acquisition's),
 * depth-tested against the models, each framed in its colour as in 3D Slicer (axial red,
 * coronal green, sagittal yellow).  `axes` has bit (1 << OspSliceAxis) set for each plane
 * shown; a volume of NULL or axes 0 shows none.  A plane outside the volume is not drawn.
 * Keeps a reference to the volume. */
void              osp_renderer_set_slices          (OspRenderer      *renderer,
                                                    OspVolume        *volume,
                                                    const double      center[3],
                                                    double            window,
                                                    double            level,
                                                    guint             axes);
/* The frame's colour of a slice plane (rgb 0–1). */
void              osp_renderer_get_slice_color     (OspSliceAxis      axis,
                                                    float             out_rgb[3]);

/* -- Drawing ----------------------------------------------------------------------------- */

/* Draws the scene as the camera sees it into the framebuffer bound to GL_DRAW_FRAMEBUFFER
 * (a GtkGLArea's, in its render handler) of width × height pixels, at (0, 0).  The camera's
 * viewport should have the same aspect ratio (its pixel size may differ, e.g. on HiDPI).
 * Uploads what changed.  Returns FALSE with an error when GPU memory runs out (the picture
 * is then incomplete). */
gboolean          osp_renderer_draw                (OspRenderer      *renderer,
                                                    const OspCamera  *camera,
                                                    int               width,
                                                    int               height,
                                                    GError          **error);
/* Draws into an internal framebuffer and reads it back: `out_rgba` receives width × height
 * × 4 bytes, top row first (ready for PNG).  Precondition: width, height ≥ 1. */
gboolean          osp_renderer_draw_to_rgba        (OspRenderer      *renderer,
                                                    const OspCamera  *camera,
                                                    int               width,
                                                    int               height,
                                                    guint8           *out_rgba,
                                                    GError          **error);

/* -- Picking (no GL context needed) ---------------------------------------------------------- */

/* The nearest visible surface under pixel (x, y) of the camera's viewport (top-left origin),
 * respecting the section plane (a cut face counts as surface).  Builds each model's BVH on
 * first use (osp-bvh.h) and keeps it while the mesh stays.  Returns FALSE when the ray hits
 * nothing. */
gboolean          osp_renderer_pick                (OspRenderer      *renderer,
                                                    const OspCamera  *camera,
                                                    double            x,
                                                    double            y,
                                                    OspPickResult    *out_result);
/* Gives a model the BVH of its current mesh, built elsewhere (say in a GTask: for millions of
 * triangles that takes a second, which picking would otherwise spend on first use).  Keeps a
 * reference; ignored when the tree belongs to another mesh than the model's. */
void              osp_renderer_set_model_bvh       (OspRenderer      *renderer,
                                                    OspRenderModelId  model,
                                                    OspBvh           *bvh);
/* The same for any world ray (direction need not be of unit length). */
gboolean          osp_renderer_pick_ray            (OspRenderer      *renderer,
                                                    const float       origin[3],
                                                    const float       direction[3],
                                                    OspPickResult    *out_result);

/* -- Statistics -------------------------------------------------------------------------- */

typedef struct
{
  guint64 gpu_bytes;      /* bytes in the models' vertex, index and colour buffers */
  guint64 n_triangles;    /* triangles of the uploaded models */
  guint   n_uploads;      /* mesh uploads since the renderer was made */
  guint   n_draw_calls;   /* in the last frame */
  guint64 n_drawn_triangles; /* in the last frame's model passes (coarse levels counted as drawn) */
  guint   n_lod_models;   /* models drawn at their coarse level in the last frame */
} OspRenderStats;

void              osp_renderer_get_stats           (const OspRenderer *renderer,
                                                    OspRenderStats   *out_stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspRenderMesh, osp_render_mesh_unref)

G_END_DECLS
