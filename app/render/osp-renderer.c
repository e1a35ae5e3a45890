/* osp-renderer.c — draws the scene with OpenGL 3.3 core
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-renderer.h"

#include <epoxy/gl.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <meshoptimizer.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-memory.h"
#include "osp-overlay-private.h"
#include "osp-slice-renderer-private.h"
#include "osteoplan-shaders.h"

#define SHADER_PATH "/io/github/osteoplan/Osteoplan/shaders/"

/* Models from this size get a coarse level of a quarter of the triangles. */
#define LOD_MIN_TRIANGLES 250000
#define LOD_REDUCTION     4
/* Above this many triangles the coarse level is a proxy of about LOD_PROXY_TRIANGLES drawn
 * only while the view moves; still frames draw every triangle. */
#define LOD_PROXY_ABOVE     1200000
#define LOD_PROXY_TRIANGLES 300000
/* The coarse level is drawn while the full one would put more triangles than this on each
 * covered pixel. */
#define LOD_TRIANGLES_PER_PIXEL 1.0

static const float default_color[3] = { 0.89f, 0.85f, 0.76f };  /* bone */

typedef struct
{
  OspRenderModelId id;
  OspMesh         *mesh;
  OspMesh         *uploaded;   /* the mesh in the buffers (a reference), NULL before upload */
  GLuint           vao, vbo, ebo;
  GLuint           lod_vao, lod_ebo;  /* the coarse level, sharing vbo; 0 when none */
  guint32          n_lod_triangles;
  gboolean         lod_known;  /* the uploaded mesh's coarse level is made (or none is due) */
  OspRenderMesh   *lod;        /* its coarse level, made later, to upload at the next draw */
  guint64          gpu_bytes;
  OspBox           local_bounds;
  float            color[3];
  float            opacity;
  gboolean         visible;
  gboolean         highlight;
  mat4             transform;
  OspBvh          *bvh;        /* for picking, built on first use */
  int              closed;     /* −1 unknown, else whether caps make sense */
  OspRenderMesh   *prepared;   /* GPU-ready arrays made off the main thread, until uploaded */
  guint8          *vertex_colors;  /* 3 bytes a vertex, or NULL */
  gboolean         colors_dirty;   /* to upload at the next draw */
  GLuint           color_vbo;
  guint64          color_bytes;
} Model;

/* What an upload needs, computed without GL (so possibly in another thread). */
struct _OspRenderMesh
{
  gatomicrefcount ref_count;
  OspMesh        *mesh;
  guint8         *vertices;   /* 16 bytes a vertex: xyz floats, packed normal; NULL when only
                               * the coarse level was made */
  gboolean        lod_known;  /* the coarse level below was made (FALSE: vertices only) */
  guint32        *lod;        /* coarse level indices, or NULL */
  gsize           n_lod;      /* indices in lod */
  int             closed;     /* −1 not found */
};

typedef struct
{
  GLuint program;
  GLint  u_model, u_view, u_projection, u_normal_matrix, u_clip_plane;
  GLint  u_color, u_flat, u_orthographic, u_highlight, u_vertex_colors;
} MeshProgram;

struct _OspRenderer
{
  char       *description;
  GPtrArray  *models;           /* Model*, in order of addition */
  guint       next_id;

  MeshProgram mesh;
  GLuint      background_program;
  GLint       u_top, u_bottom;
  GLuint      overlay_program;
  GLint       u_viewport;
  GLuint      empty_vao;
  /* One zero-area triangle in the models' vertex format, drawn with the model program in the
   * first frames, which show no model yet: a driver that compiles shaders at their first draw
   * (Mesa's llvmpipe does) has them ready when the first model arrives. */
  GLuint      warm_vao, warm_vbo, warm_ebo;
  gboolean    warm;
  GLuint      overlay_vao, overlay_vbo;
  GLuint      cap_vao, cap_vbo;

  /* The framebuffer drawn into (multisampled) and the one read back for draw_to_rgba. */
  GLuint      fbo, fbo_color, fbo_depth;
  int         fbo_width, fbo_height, fbo_samples;
  GLuint      read_fbo, read_color;
  int         read_width, read_height;
  int         max_samples;
  int         samples;

  float       top[3], bottom[3];
  gboolean    wireframe;
  gboolean    section_enabled;
  OspPlane    section;          /* unit normal */
  gboolean    show_overlays;
  float       overlay_scale;
  gboolean    lod;
  gboolean    defer_details;    /* uploads leave the coarse level and the topology for later */
  gboolean    moving;           /* the view is being moved: no multisampling, coarse levels */
  mat4        view_projection;  /* of the frame being drawn, for levels of detail */
  int         frame_width, frame_height;
  guint64     n_drawn_triangles;
  guint       n_lod_models;

  guint       n_uploads;
  guint       n_draw_calls;

  /* GL names of removed models, deleted at the next draw: removal may happen while another
   * context (GTK's own) is current. */
  GArray     *garbage_vaos;
  GArray     *garbage_buffers;

  /* CT slices in the scene. */
  GLuint            slice_program;
  GLint             u_slice_view_projection, u_slice_origin, u_slice_edge_u, u_slice_edge_v;
  GLint             u_slice_lps_to_index, u_slice_dims, u_slice_slab, u_slice_volume;
  GLint             u_slice_window, u_slice_frame_color, u_slice_frame_width;
  OspSliceTextures *slice_textures;   /* NULL until the first slice draw or a set */
  OspVolume        *slice_volume;
  double            slice_center[3];
  double            slice_window, slice_level;
  guint             slice_axes;
  gboolean          slice_warned;     /* the upload failed and was reported */
};

/* -- Models -------------------------------------------------------------------------------- */

static void
model_free_gl (Model *model)
{
  if (model->vao != 0)
    glDeleteVertexArrays (1, &model->vao);
  if (model->vbo != 0)
    glDeleteBuffers (1, &model->vbo);
  if (model->ebo != 0)
    glDeleteBuffers (1, &model->ebo);
  if (model->lod_vao != 0)
    glDeleteVertexArrays (1, &model->lod_vao);
  if (model->lod_ebo != 0)
    glDeleteBuffers (1, &model->lod_ebo);
  if (model->color_vbo != 0)
    glDeleteBuffers (1, &model->color_vbo);
  model->vao = model->vbo = model->ebo = 0;
  model->lod_vao = model->lod_ebo = 0;
  model->color_vbo = 0;
  model->color_bytes = 0;
  model->n_lod_triangles = 0;
  model->lod_known = FALSE;
  /* New vertex arrays need the colours attached again. */
  model->colors_dirty = model->vertex_colors != NULL;
  model->gpu_bytes = 0;
  g_clear_pointer (&model->uploaded, osp_mesh_unref);
}

static void
model_free (gpointer data)
{
  Model *model = data;

  model_free_gl (model);
  g_clear_pointer (&model->mesh, osp_mesh_unref);
  g_clear_pointer (&model->bvh, osp_bvh_unref);
  g_clear_pointer (&model->prepared, osp_render_mesh_unref);
  g_clear_pointer (&model->lod, osp_render_mesh_unref);
  g_free (model->vertex_colors);
  g_free (model);
}

static Model *
find_model (const OspRenderer *renderer, OspRenderModelId id)
{
  for (guint i = 0; i < renderer->models->len; i++)
    {
      Model *model = g_ptr_array_index (renderer->models, i);

      if (model->id == id)
        return model;
    }
  return NULL;
}

/* Packs a unit vector into GL_INT_2_10_10_10_REV (x in the low bits). */
static guint32
pack_normal (const float *n)
{
  guint32 packed = 0;

  for (int k = 0; k < 3; k++)
    {
      float c = isfinite (n[k]) ? CLAMP (n[k], -1.0f, 1.0f) : 0.0f;
      gint32 i = (gint32) lrintf (c * 511.0f);

      packed |= ((guint32) i & 0x3ffu) << (10 * k);
    }
  return packed;
}

static gboolean
model_is_closed (Model *model)
{
  if (model->closed < 0)
    {
      OspMeshTopology topology;

      osp_mesh_get_topology (model->mesh, &topology);
      model->closed = topology.n_boundary_edges == 0 && topology.n_nonmanifold_edges == 0;
    }
  return model->closed;
}

/* The packed vertices (`vertices`), the coarse level and whether the mesh is closed
 * (`details`), or both. */
static OspRenderMesh *
prepare (OspMesh       *mesh,
         gboolean       vertices,
         gboolean       details,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(OspRenderMesh) prepared = NULL;
  guint32 nv, nt;
  const float *positions;
  OspMeshTopology topology;

  nv = osp_mesh_get_n_vertices (mesh);
  nt = osp_mesh_get_n_triangles (mesh);
  positions = osp_mesh_get_positions (mesh);
  /* Vertices, normals while packing, the coarse level and its scratch. */
  if (!osp_memory_check ((vertices ? (guint64) nv * (16 + 12) : 0) +
                         (details ? (guint64) nt * 24 : 0), NULL,
                         _("preparing a model for drawing"), error))
    return NULL;

  prepared = g_new0 (OspRenderMesh, 1);
  g_atomic_ref_count_init (&prepared->ref_count);
  prepared->mesh = osp_mesh_ref (mesh);
  prepared->closed = -1;
  if (vertices)
    {
      g_autofree float *normals = osp_mesh_compute_vertex_normals (mesh);

      prepared->vertices = g_malloc (MAX ((gsize) nv * 16, 1));
      for (gsize v = 0; v < nv; v++)
        {
          guint32 packed = pack_normal (normals + 3 * v);

          memcpy (prepared->vertices + 16 * v, positions + 3 * v, 12);
          memcpy (prepared->vertices + 16 * v + 12, &packed, 4);
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }
  if (!details)
    return g_steal_pointer (&prepared);

  prepared->lod_known = TRUE;
  if (nt >= LOD_MIN_TRIANGLES)
    {
      /* Sloppy simplification: fast (a fraction of a second per million triangles) and it
       * keeps the original vertices, so the coarse level needs indices only. */
      prepared->lod = g_new (guint32, 3 * (gsize) nt);
      prepared->n_lod = meshopt_simplifySloppy (prepared->lod, osp_mesh_get_indices (mesh),
                                                3 * (gsize) nt, positions, nv, 12,
                                                nt >= LOD_PROXY_ABOVE
                                                  ? 3 * (gsize) LOD_PROXY_TRIANGLES
                                                  : 3 * (gsize) nt / LOD_REDUCTION,
                                                1e-2f, NULL);
      if (prepared->n_lod == 0 || prepared->n_lod > 3 * (gsize) nt / 2)
        {
          g_clear_pointer (&prepared->lod, g_free);
          prepared->n_lod = 0;
        }
      else
        prepared->lod = g_renew (guint32, prepared->lod, prepared->n_lod);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }

  osp_mesh_get_topology (mesh, &topology);
  prepared->closed = topology.n_boundary_edges == 0 && topology.n_nonmanifold_edges == 0;
  return g_steal_pointer (&prepared);
}

OspRenderMesh *
osp_render_mesh_prepare (OspMesh       *mesh,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return prepare (mesh, TRUE, TRUE, cancellable, error);
}

OspRenderMesh *
osp_render_mesh_prepare_vertices (OspMesh       *mesh,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return prepare (mesh, TRUE, FALSE, cancellable, error);
}

OspRenderMesh *
osp_render_mesh_prepare_details (OspMesh       *mesh,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return prepare (mesh, FALSE, TRUE, cancellable, error);
}

OspRenderMesh *
osp_render_mesh_ref (OspRenderMesh *prepared)
{
  g_return_val_if_fail (prepared != NULL, NULL);

  g_atomic_ref_count_inc (&prepared->ref_count);
  return prepared;
}

void
osp_render_mesh_unref (OspRenderMesh *prepared)
{
  g_return_if_fail (prepared != NULL);

  if (!g_atomic_ref_count_dec (&prepared->ref_count))
    return;
  osp_mesh_unref (prepared->mesh);
  g_free (prepared->vertices);
  g_free (prepared->lod);
  g_free (prepared);
}

OspMesh *
osp_render_mesh_get_mesh (const OspRenderMesh *prepared)
{
  g_return_val_if_fail (prepared != NULL, NULL);

  return prepared->mesh;
}

static gboolean
model_upload (OspRenderer *renderer,
              Model       *model,
              GError     **error)
{
  g_autoptr(OspRenderMesh) prepared = NULL;
  const OspRenderMesh *details;
  guint32 nv = osp_mesh_get_n_vertices (model->mesh);
  guint32 nt = osp_mesh_get_n_triangles (model->mesh);
  gsize vbytes = (gsize) nv * 16, ibytes = (gsize) nt * 12;
  GLenum gl_error;

  model_free_gl (model);

  /* Made ahead in another thread when the caller could, else here (without the coarse level
   * and the topology when the caller makes those later). */
  if (model->prepared != NULL && model->prepared->mesh == model->mesh &&
      model->prepared->vertices != NULL)
    prepared = g_steal_pointer (&model->prepared);
  else
    {
      g_clear_pointer (&model->prepared, osp_render_mesh_unref);
      prepared = prepare (model->mesh, TRUE, !renderer->defer_details, NULL, error);
      if (prepared == NULL)
        return FALSE;
    }
  /* The coarse level: with the vertices, or made on its own before the upload. */
  details = prepared;
  if (!prepared->lod_known && model->lod != NULL && model->lod->mesh == model->mesh)
    details = model->lod;

  while (glGetError () != GL_NO_ERROR)
    ;
  glGenVertexArrays (1, &model->vao);
  glBindVertexArray (model->vao);
  glGenBuffers (1, &model->vbo);
  glBindBuffer (GL_ARRAY_BUFFER, model->vbo);
  glBufferData (GL_ARRAY_BUFFER, vbytes, prepared->vertices, GL_STATIC_DRAW);
  glGenBuffers (1, &model->ebo);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, model->ebo);
  glBufferData (GL_ELEMENT_ARRAY_BUFFER, ibytes, osp_mesh_get_indices (model->mesh),
                GL_STATIC_DRAW);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 16, (void *) 0);
  glEnableVertexAttribArray (1);
  glVertexAttribPointer (1, 4, GL_INT_2_10_10_10_REV, GL_TRUE, 16, (void *) 12);

  if (details->lod != NULL)
    {
      glGenVertexArrays (1, &model->lod_vao);
      glBindVertexArray (model->lod_vao);
      glBindBuffer (GL_ARRAY_BUFFER, model->vbo);
      glGenBuffers (1, &model->lod_ebo);
      glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, model->lod_ebo);
      glBufferData (GL_ELEMENT_ARRAY_BUFFER, details->n_lod * 4, details->lod,
                    GL_STATIC_DRAW);
      glEnableVertexAttribArray (0);
      glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 16, (void *) 0);
      glEnableVertexAttribArray (1);
      glVertexAttribPointer (1, 4, GL_INT_2_10_10_10_REV, GL_TRUE, 16, (void *) 12);
      model->n_lod_triangles = (guint32) (details->n_lod / 3);
      ibytes += details->n_lod * 4;
    }
  glBindVertexArray (0);
  gl_error = glGetError ();
  if (gl_error != GL_NO_ERROR)
    {
      model_free_gl (model);
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("The graphics driver could not store a model of %u triangles "
                     "(OpenGL error 0x%x)"), nt, gl_error);
      return FALSE;
    }
  model->uploaded = osp_mesh_ref (model->mesh);
  model->gpu_bytes = vbytes + ibytes;
  model->closed = details->closed;
  model->lod_known = details->lod_known;
  g_clear_pointer (&model->lod, osp_render_mesh_unref);
  renderer->n_uploads++;
  return TRUE;
}

/* Adds the coarse level made after the upload (model->lod) to the model's buffers. */
static void
model_upload_lod (Model *model)
{
  OspRenderMesh *lod = model->lod;

  model->lod = NULL;
  if (lod->mesh == model->uploaded && !model->lod_known)
    {
      if (lod->lod != NULL)
        {
          glGenVertexArrays (1, &model->lod_vao);
          glBindVertexArray (model->lod_vao);
          glBindBuffer (GL_ARRAY_BUFFER, model->vbo);
          glGenBuffers (1, &model->lod_ebo);
          glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, model->lod_ebo);
          glBufferData (GL_ELEMENT_ARRAY_BUFFER, lod->n_lod * 4, lod->lod, GL_STATIC_DRAW);
          glEnableVertexAttribArray (0);
          glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 16, (void *) 0);
          glEnableVertexAttribArray (1);
          glVertexAttribPointer (1, 4, GL_INT_2_10_10_10_REV, GL_TRUE, 16, (void *) 12);
          glBindVertexArray (0);
          model->n_lod_triangles = (guint32) (lod->n_lod / 3);
          model->gpu_bytes += lod->n_lod * 4;
          /* The colours, where the model has them, on the new vertex array too. */
          model->colors_dirty = model->colors_dirty || model->vertex_colors != NULL;
        }
      model->lod_known = TRUE;
      if (model->closed < 0)
        model->closed = lod->closed;
    }
  osp_render_mesh_unref (lod);
}

/* Attaches the per-vertex colours (4 bytes a vertex, in their own buffer so models without
 * them pay nothing) to the model's vertex arrays, or detaches them. */
static void
model_upload_colors (Model *model)
{
  GLuint vaos[2] = { model->vao, model->lod_vao };

  model->colors_dirty = FALSE;
  if (model->vertex_colors == NULL)
    {
      for (int i = 0; i < 2; i++)
        if (vaos[i] != 0)
          {
            glBindVertexArray (vaos[i]);
            glDisableVertexAttribArray (2);
          }
      if (model->color_vbo != 0)
        glDeleteBuffers (1, &model->color_vbo);
      model->color_vbo = 0;
      model->color_bytes = 0;
    }
  else
    {
      guint32 nv = osp_mesh_get_n_vertices (model->mesh);
      g_autofree guint8 *rgba = g_malloc0 (MAX ((gsize) nv * 4, 1));

      for (gsize v = 0; v < nv; v++)
        memcpy (rgba + 4 * v, model->vertex_colors + 3 * v, 3);
      if (model->color_vbo == 0)
        glGenBuffers (1, &model->color_vbo);
      glBindBuffer (GL_ARRAY_BUFFER, model->color_vbo);
      glBufferData (GL_ARRAY_BUFFER, (gsize) nv * 4, rgba, GL_STATIC_DRAW);
      for (int i = 0; i < 2; i++)
        if (vaos[i] != 0)
          {
            glBindVertexArray (vaos[i]);
            glEnableVertexAttribArray (2);
            glVertexAttribPointer (2, 4, GL_UNSIGNED_BYTE, GL_TRUE, 4, (void *) 0);
          }
      model->color_bytes = (guint64) nv * 4;
    }
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
}

/* Hands the model's GL names to the garbage lists, without GL calls. */
static void
model_release_gl (OspRenderer *renderer, Model *model)
{
  GLuint vaos[2] = { model->vao, model->lod_vao };
  GLuint buffers[4] = { model->vbo, model->ebo, model->lod_ebo, model->color_vbo };

  for (int i = 0; i < 2; i++)
    if (vaos[i] != 0)
      g_array_append_val (renderer->garbage_vaos, vaos[i]);
  for (int i = 0; i < 4; i++)
    if (buffers[i] != 0)
      g_array_append_val (renderer->garbage_buffers, buffers[i]);
  model->vao = model->lod_vao = 0;
  model->vbo = model->ebo = model->lod_ebo = model->color_vbo = 0;
  model->gpu_bytes = model->color_bytes = 0;
  g_clear_pointer (&model->uploaded, osp_mesh_unref);
}

static void
free_garbage (OspRenderer *renderer)
{
  if (renderer->garbage_vaos->len > 0)
    glDeleteVertexArrays ((GLsizei) renderer->garbage_vaos->len,
                          (const GLuint *) renderer->garbage_vaos->data);
  if (renderer->garbage_buffers->len > 0)
    glDeleteBuffers ((GLsizei) renderer->garbage_buffers->len,
                     (const GLuint *) renderer->garbage_buffers->data);
  g_array_set_size (renderer->garbage_vaos, 0);
  g_array_set_size (renderer->garbage_buffers, 0);
}

OspRenderModelId
osp_renderer_add_model (OspRenderer *renderer,
                        OspMesh     *mesh)
{
  Model *model;

  g_return_val_if_fail (renderer != NULL, 0);
  g_return_val_if_fail (mesh != NULL, 0);

  model = g_new0 (Model, 1);
  model->id = ++renderer->next_id;
  model->mesh = osp_mesh_ref (mesh);
  osp_mesh_get_bounds (mesh, &model->local_bounds);
  memcpy (model->color, default_color, sizeof model->color);
  model->opacity = 1.0f;
  model->visible = TRUE;
  model->closed = -1;
  glm_mat4_identity (model->transform);
  g_ptr_array_add (renderer->models, model);
  return model->id;
}

void
osp_renderer_remove_model (OspRenderer      *renderer,
                           OspRenderModelId  id)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    {
      model_release_gl (renderer, model);
      g_ptr_array_remove (renderer->models, model);
    }
}

void
osp_renderer_clear (OspRenderer *renderer)
{
  g_return_if_fail (renderer != NULL);

  for (guint i = 0; i < renderer->models->len; i++)
    model_release_gl (renderer, g_ptr_array_index (renderer->models, i));
  g_ptr_array_set_size (renderer->models, 0);
}

guint
osp_renderer_get_n_models (const OspRenderer *renderer)
{
  g_return_val_if_fail (renderer != NULL, 0);

  return renderer->models->len;
}

void
osp_renderer_set_model_mesh (OspRenderer      *renderer,
                             OspRenderModelId  id,
                             OspMesh          *mesh)
{
  Model *model;

  g_return_if_fail (renderer != NULL);
  g_return_if_fail (mesh != NULL);

  model = find_model (renderer, id);
  if (model == NULL || model->mesh == mesh)
    return;
  osp_mesh_ref (mesh);
  osp_mesh_unref (model->mesh);
  model->mesh = mesh;
  osp_mesh_get_bounds (mesh, &model->local_bounds);
  g_clear_pointer (&model->bvh, osp_bvh_unref);
  g_clear_pointer (&model->lod, osp_render_mesh_unref);
  model->closed = -1;
  /* Colours belong to the vertices of the mesh they were given for. */
  if (model->vertex_colors != NULL)
    {
      g_clear_pointer (&model->vertex_colors, g_free);
      model->colors_dirty = TRUE;
    }
}

void
osp_renderer_set_model_prepared (OspRenderer      *renderer,
                                 OspRenderModelId  id,
                                 OspRenderMesh    *prepared)
{
  Model *model;

  g_return_if_fail (renderer != NULL);
  g_return_if_fail (prepared != NULL);

  model = find_model (renderer, id);
  if (model == NULL || prepared->mesh != model->mesh)
    return;
  /* A coarse level made after (or before) the upload: added at the next draw. */
  if (prepared->lod_known && !(model->uploaded == model->mesh && model->lod_known))
    {
      osp_render_mesh_ref (prepared);
      g_clear_pointer (&model->lod, osp_render_mesh_unref);
      model->lod = prepared;
    }
  if (prepared->vertices == NULL || model->uploaded == model->mesh)
    return;
  osp_render_mesh_ref (prepared);
  g_clear_pointer (&model->prepared, osp_render_mesh_unref);
  model->prepared = prepared;
}

void
osp_renderer_set_defer_details (OspRenderer *renderer,
                                gboolean     defer)
{
  g_return_if_fail (renderer != NULL);

  renderer->defer_details = !!defer;
}

gboolean
osp_renderer_model_needs_details (const OspRenderer *renderer,
                                  OspRenderModelId   id)
{
  const Model *model;

  g_return_val_if_fail (renderer != NULL, FALSE);

  model = find_model (renderer, id);
  return model != NULL && model->uploaded == model->mesh && !model->lod_known &&
         model->lod == NULL && renderer->lod &&
         osp_mesh_get_n_triangles (model->mesh) >= LOD_MIN_TRIANGLES;
}

void
osp_renderer_set_model_vertex_colors (OspRenderer      *renderer,
                                      OspRenderModelId  id,
                                      const guint8     *rgb,
                                      guint32           n_vertices)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model == NULL)
    return;
  g_return_if_fail (rgb == NULL || n_vertices == osp_mesh_get_n_vertices (model->mesh));

  g_clear_pointer (&model->vertex_colors, g_free);
  if (rgb != NULL)
    model->vertex_colors = g_memdup2 (rgb, MAX ((gsize) n_vertices * 3, 1));
  model->colors_dirty = TRUE;
}

void
osp_renderer_set_model_color (OspRenderer      *renderer,
                              OspRenderModelId  id,
                              const float       rgb[3])
{
  Model *model;

  g_return_if_fail (renderer != NULL);
  g_return_if_fail (rgb != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    for (int k = 0; k < 3; k++)
      model->color[k] = CLAMP (rgb[k], 0.0f, 1.0f);
}

void
osp_renderer_set_model_opacity (OspRenderer      *renderer,
                                OspRenderModelId  id,
                                float             opacity)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    model->opacity = isnan (opacity) ? 1.0f : CLAMP (opacity, 0.0f, 1.0f);
}

void
osp_renderer_set_model_visible (OspRenderer      *renderer,
                                OspRenderModelId  id,
                                gboolean          visible)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    model->visible = !!visible;
}

void
osp_renderer_set_model_transform (OspRenderer      *renderer,
                                  OspRenderModelId  id,
                                  const float      *matrix16)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model == NULL)
    return;
  if (matrix16 == NULL)
    glm_mat4_identity (model->transform);
  else
    memcpy (model->transform, matrix16, sizeof model->transform);
}

void
osp_renderer_set_model_highlight (OspRenderer      *renderer,
                                  OspRenderModelId  id,
                                  gboolean          highlight)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    model->highlight = !!highlight;
}

static gboolean
model_is_drawn (const Model *model)
{
  return model->visible && model->opacity > 0.0f &&
         osp_mesh_get_n_triangles (model->mesh) > 0;
}

static void
model_world_bounds (const Model *model, OspBox *out)
{
  for (int k = 0; k < 3; k++)
    {
      out->min[k] = INFINITY;
      out->max[k] = -INFINITY;
    }
  if (osp_box_is_empty (&model->local_bounds))
    return;
  for (int corner = 0; corner < 8; corner++)
    {
      vec4 p, q;

      p[0] = (corner & 1) ? model->local_bounds.max[0] : model->local_bounds.min[0];
      p[1] = (corner & 2) ? model->local_bounds.max[1] : model->local_bounds.min[1];
      p[2] = (corner & 4) ? model->local_bounds.max[2] : model->local_bounds.min[2];
      p[3] = 1.0f;
      glm_mat4_mulv ((vec4 *) model->transform, p, q);
      for (int k = 0; k < 3; k++)
        {
          out->min[k] = fminf (out->min[k], q[k]);
          out->max[k] = fmaxf (out->max[k], q[k]);
        }
    }
}

void
osp_renderer_get_bounds (const OspRenderer *renderer,
                         OspBox            *out_box)
{
  g_return_if_fail (renderer != NULL);
  g_return_if_fail (out_box != NULL);

  for (int k = 0; k < 3; k++)
    {
      out_box->min[k] = INFINITY;
      out_box->max[k] = -INFINITY;
    }
  for (guint i = 0; i < renderer->models->len; i++)
    {
      const Model *model = g_ptr_array_index (renderer->models, i);
      OspBox b;

      if (!model_is_drawn (model))
        continue;
      model_world_bounds (model, &b);
      for (int k = 0; k < 3; k++)
        {
          out_box->min[k] = fminf (out_box->min[k], b.min[k]);
          out_box->max[k] = fmaxf (out_box->max[k], b.max[k]);
        }
    }
}

/* -- Options ------------------------------------------------------------------------------- */

void
osp_renderer_set_background (OspRenderer *renderer,
                             const float  top_rgb[3],
                             const float  bottom_rgb[3])
{
  g_return_if_fail (renderer != NULL);
  g_return_if_fail (top_rgb != NULL && bottom_rgb != NULL);

  memcpy (renderer->top, top_rgb, sizeof renderer->top);
  memcpy (renderer->bottom, bottom_rgb, sizeof renderer->bottom);
}

void
osp_renderer_set_wireframe (OspRenderer *renderer,
                            gboolean     wireframe)
{
  g_return_if_fail (renderer != NULL);

  renderer->wireframe = !!wireframe;
}

void
osp_renderer_set_section (OspRenderer    *renderer,
                          const OspPlane *plane)
{
  float len;

  g_return_if_fail (renderer != NULL);

  if (plane == NULL)
    {
      renderer->section_enabled = FALSE;
      return;
    }
  len = sqrtf (plane->normal[0] * plane->normal[0] + plane->normal[1] * plane->normal[1] +
               plane->normal[2] * plane->normal[2]);
  g_return_if_fail (len > 0.0f && isfinite (len));

  for (int k = 0; k < 3; k++)
    renderer->section.normal[k] = plane->normal[k] / len;
  renderer->section.d = plane->d / len;
  renderer->section_enabled = TRUE;
}

void
osp_renderer_set_show_overlays (OspRenderer *renderer,
                                gboolean     show)
{
  g_return_if_fail (renderer != NULL);

  renderer->show_overlays = !!show;
}

void
osp_renderer_set_overlay_scale (OspRenderer *renderer,
                                float        scale)
{
  g_return_if_fail (renderer != NULL);

  renderer->overlay_scale = isfinite (scale) ? CLAMP (scale, 0.25f, 8.0f) : 1.0f;
}

void
osp_renderer_set_lod (OspRenderer *renderer,
                      gboolean     lod)
{
  g_return_if_fail (renderer != NULL);

  renderer->lod = !!lod;
}

gboolean
osp_renderer_get_lod (const OspRenderer *renderer)
{
  g_return_val_if_fail (renderer != NULL, FALSE);

  return renderer->lod;
}

void
osp_renderer_set_samples (OspRenderer *renderer,
                          int          samples)
{
  g_return_if_fail (renderer != NULL);

  renderer->samples = CLAMP (samples, 1, 8);
}

void
osp_renderer_set_moving (OspRenderer *renderer,
                         gboolean     moving)
{
  g_return_if_fail (renderer != NULL);

  renderer->moving = !!moving;
}

gboolean
osp_renderer_get_moving (const OspRenderer *renderer)
{
  g_return_val_if_fail (renderer != NULL, FALSE);

  return renderer->moving;
}

int
osp_renderer_get_samples (const OspRenderer *renderer)
{
  g_return_val_if_fail (renderer != NULL, 1);

  return MAX (1, MIN (renderer->samples, renderer->max_samples));
}

const char *
osp_renderer_get_gl_description (const OspRenderer *renderer)
{
  g_return_val_if_fail (renderer != NULL, NULL);

  return renderer->description;
}

void
osp_renderer_get_stats (const OspRenderer *renderer,
                        OspRenderStats    *out_stats)
{
  g_return_if_fail (renderer != NULL);
  g_return_if_fail (out_stats != NULL);

  memset (out_stats, 0, sizeof *out_stats);
  for (guint i = 0; i < renderer->models->len; i++)
    {
      const Model *model = g_ptr_array_index (renderer->models, i);

      out_stats->gpu_bytes += model->gpu_bytes + model->color_bytes;
      if (model->uploaded != NULL)
        out_stats->n_triangles += osp_mesh_get_n_triangles (model->uploaded);
    }
  out_stats->n_uploads = renderer->n_uploads;
  out_stats->n_draw_calls = renderer->n_draw_calls;
  out_stats->n_drawn_triangles = renderer->n_drawn_triangles;
  out_stats->n_lod_models = renderer->n_lod_models;
}

/* -- Creation ------------------------------------------------------------------------------ */

static GLuint
compile_shader (GLenum type, const char *name, GError **error)
{
  g_autofree char *path = g_strconcat (SHADER_PATH, name, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *source;
  GLint length, ok = 0;
  GLuint shader;

  bytes = g_resource_lookup_data (osp_shaders_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Shader %s is missing: %s"), name,
                   local_error->message);
      return 0;
    }
  source = g_bytes_get_data (bytes, NULL);
  length = (GLint) g_bytes_get_size (bytes);
  shader = glCreateShader (type);
  glShaderSource (shader, 1, &source, &length);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &ok);
  if (!ok)
    {
      char log[2048] = "";

      glGetShaderInfoLog (shader, sizeof log, NULL, log);
      glDeleteShader (shader);
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Shader %s does not compile: %s"),
                   name, log);
      return 0;
    }
  return shader;
}

static GLuint
link_program (const char *vertex, const char *fragment, GError **error)
{
  GLuint vs, fs, program;
  GLint ok = 0;

  vs = compile_shader (GL_VERTEX_SHADER, vertex, error);
  if (vs == 0)
    return 0;
  fs = compile_shader (GL_FRAGMENT_SHADER, fragment, error);
  if (fs == 0)
    {
      glDeleteShader (vs);
      return 0;
    }
  program = glCreateProgram ();
  glAttachShader (program, vs);
  glAttachShader (program, fs);
  glLinkProgram (program);
  glDeleteShader (vs);
  glDeleteShader (fs);
  glGetProgramiv (program, GL_LINK_STATUS, &ok);
  if (!ok)
    {
      char log[2048] = "";

      glGetProgramInfoLog (program, sizeof log, NULL, log);
      glDeleteProgram (program);
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Shaders %s and %s do not link: %s"),
                   vertex, fragment, log);
      return 0;
    }
  return program;
}

OspRenderer *
osp_renderer_new (GError **error)
{
  OspRenderer *renderer;
  int version;
  const char *gl_version, *gl_renderer;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gl_version = (const char *) glGetString (GL_VERSION);
  gl_renderer = (const char *) glGetString (GL_RENDERER);
  version = epoxy_gl_version ();
  if (!epoxy_is_desktop_gl () || version < 33)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("Osteoplan needs OpenGL 3.3 or newer, but the graphics driver offers %s "
                     "(%s)"), gl_version != NULL ? gl_version : _("no OpenGL"),
                   gl_renderer != NULL ? gl_renderer : _("unknown renderer"));
      return NULL;
    }

  renderer = g_new0 (OspRenderer, 1);
  renderer->description = g_strdup_printf ("OpenGL %s — %s", gl_version, gl_renderer);
  renderer->models = g_ptr_array_new_with_free_func (model_free);
  renderer->garbage_vaos = g_array_new (FALSE, FALSE, sizeof (GLuint));
  renderer->garbage_buffers = g_array_new (FALSE, FALSE, sizeof (GLuint));
  renderer->top[0] = 0.33f, renderer->top[1] = 0.36f, renderer->top[2] = 0.42f;
  renderer->bottom[0] = 0.07f, renderer->bottom[1] = 0.08f, renderer->bottom[2] = 0.10f;
  renderer->show_overlays = TRUE;
  renderer->overlay_scale = 1.0f;
  /* Only a CPU rasteriser needs fewer triangles to stay interactive. */
  renderer->lod = gl_renderer != NULL && (strstr (gl_renderer, "llvmpipe") != NULL ||
                                          strstr (gl_renderer, "softpipe") != NULL ||
                                          strstr (gl_renderer, "SwiftShader") != NULL);
  renderer->samples = 4;
  glGetIntegerv (GL_MAX_SAMPLES, &renderer->max_samples);

  renderer->mesh.program = link_program ("mesh.vert", "mesh.frag", error);
  if (renderer->mesh.program == 0)
    goto fail;
#define U(name) renderer->mesh.name = glGetUniformLocation (renderer->mesh.program, #name)
  U (u_model);
  U (u_view);
  U (u_projection);
  U (u_normal_matrix);
  U (u_clip_plane);
  U (u_color);
  U (u_flat);
  U (u_orthographic);
  U (u_highlight);
  U (u_vertex_colors);
#undef U
  renderer->background_program = link_program ("background.vert", "background.frag", error);
  if (renderer->background_program == 0)
    goto fail;
  renderer->u_top = glGetUniformLocation (renderer->background_program, "u_top");
  renderer->u_bottom = glGetUniformLocation (renderer->background_program, "u_bottom");
  renderer->overlay_program = link_program ("overlay.vert", "overlay.frag", error);
  if (renderer->overlay_program == 0)
    goto fail;
  renderer->u_viewport = glGetUniformLocation (renderer->overlay_program, "u_viewport");
  renderer->slice_program = link_program ("slice3d.vert", "slice3d.frag", error);
  if (renderer->slice_program == 0)
    goto fail;
#define U(name, uniform) renderer->name = glGetUniformLocation (renderer->slice_program, uniform)
  U (u_slice_view_projection, "u_view_projection");
  U (u_slice_origin, "u_origin");
  U (u_slice_edge_u, "u_edge_u");
  U (u_slice_edge_v, "u_edge_v");
  U (u_slice_lps_to_index, "u_lps_to_index");
  U (u_slice_dims, "u_dims");
  U (u_slice_slab, "u_slab");
  U (u_slice_volume, "u_volume");
  U (u_slice_window, "u_window");
  U (u_slice_frame_color, "u_frame_color");
  U (u_slice_frame_width, "u_frame_width");
#undef U
  renderer->slice_window = 2000.0;
  renderer->slice_level = 400.0;

  glGenVertexArrays (1, &renderer->empty_vao);

  {
    static const guint8 vertices[3 * 16] = { 0 };
    static const guint32 indices[3] = { 0, 1, 2 };

    glGenVertexArrays (1, &renderer->warm_vao);
    glBindVertexArray (renderer->warm_vao);
    glGenBuffers (1, &renderer->warm_vbo);
    glBindBuffer (GL_ARRAY_BUFFER, renderer->warm_vbo);
    glBufferData (GL_ARRAY_BUFFER, sizeof vertices, vertices, GL_STATIC_DRAW);
    glGenBuffers (1, &renderer->warm_ebo);
    glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, renderer->warm_ebo);
    glBufferData (GL_ELEMENT_ARRAY_BUFFER, sizeof indices, indices, GL_STATIC_DRAW);
    glEnableVertexAttribArray (0);
    glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 16, (void *) 0);
    glEnableVertexAttribArray (1);
    glVertexAttribPointer (1, 4, GL_INT_2_10_10_10_REV, GL_TRUE, 16, (void *) 12);
    glBindVertexArray (0);
  }

  glGenVertexArrays (1, &renderer->overlay_vao);
  glBindVertexArray (renderer->overlay_vao);
  glGenBuffers (1, &renderer->overlay_vbo);
  glBindBuffer (GL_ARRAY_BUFFER, renderer->overlay_vbo);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 2, GL_FLOAT, GL_FALSE, sizeof (OspOverlayVertex),
                         (void *) G_STRUCT_OFFSET (OspOverlayVertex, x));
  glEnableVertexAttribArray (1);
  glVertexAttribPointer (1, 4, GL_FLOAT, GL_FALSE, sizeof (OspOverlayVertex),
                         (void *) G_STRUCT_OFFSET (OspOverlayVertex, rgba));

  glGenVertexArrays (1, &renderer->cap_vao);
  glBindVertexArray (renderer->cap_vao);
  glGenBuffers (1, &renderer->cap_vbo);
  glBindBuffer (GL_ARRAY_BUFFER, renderer->cap_vbo);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 12, (void *) 0);
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  return renderer;

fail:
  osp_renderer_free (renderer);
  return NULL;
}

static void
free_framebuffers (OspRenderer *renderer)
{
  if (renderer->fbo != 0)
    glDeleteFramebuffers (1, &renderer->fbo);
  if (renderer->fbo_color != 0)
    glDeleteRenderbuffers (1, &renderer->fbo_color);
  if (renderer->fbo_depth != 0)
    glDeleteRenderbuffers (1, &renderer->fbo_depth);
  renderer->fbo = renderer->fbo_color = renderer->fbo_depth = 0;
  renderer->fbo_width = renderer->fbo_height = 0;
  if (renderer->read_fbo != 0)
    glDeleteFramebuffers (1, &renderer->read_fbo);
  if (renderer->read_color != 0)
    glDeleteRenderbuffers (1, &renderer->read_color);
  renderer->read_fbo = renderer->read_color = 0;
  renderer->read_width = renderer->read_height = 0;
}

void
osp_renderer_free (OspRenderer *renderer)
{
  if (renderer == NULL)
    return;

  osp_renderer_clear (renderer);
  free_garbage (renderer);
  g_array_unref (renderer->garbage_vaos);
  g_array_unref (renderer->garbage_buffers);
  g_ptr_array_unref (renderer->models);
  free_framebuffers (renderer);
  if (renderer->mesh.program != 0)
    glDeleteProgram (renderer->mesh.program);
  if (renderer->background_program != 0)
    glDeleteProgram (renderer->background_program);
  if (renderer->overlay_program != 0)
    glDeleteProgram (renderer->overlay_program);
  if (renderer->slice_program != 0)
    glDeleteProgram (renderer->slice_program);
  /* The last user of the CT's textures deletes them while its context is current. */
  g_clear_pointer (&renderer->slice_textures, osp_slice_textures_unref_gl);
  g_clear_pointer (&renderer->slice_volume, osp_volume_unref);
  if (renderer->empty_vao != 0)
    glDeleteVertexArrays (1, &renderer->empty_vao);
  if (renderer->warm_vao != 0)
    glDeleteVertexArrays (1, &renderer->warm_vao);
  if (renderer->warm_vbo != 0)
    glDeleteBuffers (1, &renderer->warm_vbo);
  if (renderer->warm_ebo != 0)
    glDeleteBuffers (1, &renderer->warm_ebo);
  if (renderer->overlay_vao != 0)
    glDeleteVertexArrays (1, &renderer->overlay_vao);
  if (renderer->overlay_vbo != 0)
    glDeleteBuffers (1, &renderer->overlay_vbo);
  if (renderer->cap_vao != 0)
    glDeleteVertexArrays (1, &renderer->cap_vao);
  if (renderer->cap_vbo != 0)
    glDeleteBuffers (1, &renderer->cap_vbo);
  g_free (renderer->description);
  g_free (renderer);
}

/* -- CT slices in the scene ---------------------------------------------------------------- */

void
osp_renderer_set_slice_textures (OspRenderer      *renderer,
                                 OspSliceTextures *textures)
{
  g_return_if_fail (renderer != NULL);

  if (textures == renderer->slice_textures)
    return;
  if (textures != NULL)
    osp_slice_textures_ref (textures);
  g_clear_pointer (&renderer->slice_textures, osp_slice_textures_unref_gl);
  renderer->slice_textures = textures;
  renderer->slice_warned = FALSE;
}

void
osp_renderer_set_slices (OspRenderer *renderer,
                         OspVolume   *volume,
                         const double center[3],
                         double       window,
                         double       level,
                         guint        axes)
{
  g_return_if_fail (renderer != NULL);
  g_return_if_fail (volume == NULL || center != NULL);

  if (volume != renderer->slice_volume)
    {
      if (volume != NULL)
        osp_volume_ref (volume);
      g_clear_pointer (&renderer->slice_volume, osp_volume_unref);
      renderer->slice_volume = volume;
      renderer->slice_warned = FALSE;
    }
  if (center != NULL)
    memcpy (renderer->slice_center, center, sizeof renderer->slice_center);
  renderer->slice_window = isfinite (window) && window >= 1.0 ? window : 1.0;
  renderer->slice_level = isfinite (level) ? level : 0.0;
  renderer->slice_axes = axes & ((1u << OSP_SLICE_N_AXES) - 1);
}

void
osp_renderer_get_slice_color (OspSliceAxis axis,
                              float        out_rgb[3])
{
  /* 3D Slicer's: the red (axial), green (coronal) and yellow (sagittal) slices. */
  static const float colors[OSP_SLICE_N_AXES][3] = {
    { 0.953f, 0.290f, 0.200f },
    { 0.431f, 0.690f, 0.294f },
    { 0.929f, 0.835f, 0.298f },
  };

  g_return_if_fail ((int) axis >= 0 && axis < OSP_SLICE_N_AXES);
  memcpy (out_rgb, colors[axis], sizeof colors[axis]);
}

/* The rectangle of the slice plane of `axis` through the centre across the volume's box (its
 * voxels' outer faces): origin and two edges, LPS mm.  FALSE when the plane misses the box. */
static gboolean
slice_rectangle (const OspRenderer *renderer,
                 OspSliceAxis       axis,
                 float              out_origin[3],
                 float              out_edge_u[3],
                 float              out_edge_v[3])
{
  int n = osp_slice_axis_normal_index (axis);
  int u = n == 0 ? 1 : 0, v = n == 2 ? 1 : 2;
  double lo[3] = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE };
  double hi[3] = { -G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
  guint32 dims[3];

  osp_volume_get_dims (renderer->slice_volume, dims);
  for (int corner = 0; corner < 8; corner++)
    {
      double ijk[3], p[3];

      for (int a = 0; a < 3; a++)
        ijk[a] = (corner & (1 << a)) ? (double) dims[a] - 0.5 : -0.5;
      osp_volume_index_to_lps (renderer->slice_volume, ijk, p);
      for (int a = 0; a < 3; a++)
        lo[a] = MIN (lo[a], p[a]), hi[a] = MAX (hi[a], p[a]);
    }
  if (!(renderer->slice_center[n] >= lo[n] && renderer->slice_center[n] <= hi[n]))
    return FALSE;
  memset (out_edge_u, 0, 3 * sizeof (float));
  memset (out_edge_v, 0, 3 * sizeof (float));
  out_origin[n] = (float) renderer->slice_center[n];
  out_origin[u] = (float) lo[u];
  out_origin[v] = (float) lo[v];
  out_edge_u[u] = (float) (hi[u] - lo[u]);
  out_edge_v[v] = (float) (hi[v] - lo[v]);
  return TRUE;
}

static gboolean
slices_shown (const OspRenderer *renderer)
{
  return renderer->slice_volume != NULL && renderer->slice_axes != 0;
}

/* Grows `box` by the slice rectangles drawn. */
static void
slices_add_bounds (const OspRenderer *renderer,
                   OspBox            *box)
{
  if (!slices_shown (renderer))
    return;
  for (int axis = 0; axis < OSP_SLICE_N_AXES; axis++)
    {
      float origin[3], eu[3], ev[3];

      if (!(renderer->slice_axes & (1u << axis))
          || !slice_rectangle (renderer, axis, origin, eu, ev))
        continue;
      for (int a = 0; a < 3; a++)
        {
          box->min[a] = MIN (box->min[a], origin[a]);
          box->max[a] = MAX (box->max[a], origin[a] + eu[a] + ev[a]);
        }
    }
}

/* The slices, opaque, writing depth (the models' depth is in the buffer already). */
static void
draw_slices (OspRenderer *renderer,
             mat4         view_projection,
             float        scale)
{
  g_autoptr(GError) error = NULL;
  OspSliceTextures *t;
  mat4 index_to_lps, lps_to_index;
  guint32 dims[3];

  if (renderer->slice_textures == NULL)
    renderer->slice_textures = osp_slice_textures_new ();
  if (!osp_slice_textures_ensure_volume (&renderer->slice_textures, renderer->slice_volume,
                                         &error))
    {
      if (!renderer->slice_warned)
        g_warning ("3D view: %s", error->message);
      renderer->slice_warned = TRUE;
      return;
    }
  t = renderer->slice_textures;
  osp_volume_get_dims (renderer->slice_volume, dims);
  osp_volume_get_index_to_lps (renderer->slice_volume, index_to_lps);
  glm_mat4_inv (index_to_lps, lps_to_index);

  glUseProgram (renderer->slice_program);
  glUniformMatrix4fv (renderer->u_slice_view_projection, 1, GL_FALSE,
                      (const float *) view_projection);
  glUniformMatrix4fv (renderer->u_slice_lps_to_index, 1, GL_FALSE, (const float *) lps_to_index);
  glUniform3f (renderer->u_slice_dims, (float) dims[0], (float) dims[1], (float) dims[2]);
  glUniform2f (renderer->u_slice_window,
               (float) (renderer->slice_level - 0.5 * renderer->slice_window),
               (float) renderer->slice_window);
  glUniform1f (renderer->u_slice_frame_width, 2.0f * scale);
  glUniform1i (renderer->u_slice_volume, 0);
  glActiveTexture (GL_TEXTURE0);
  glBindVertexArray (renderer->empty_vao);
  for (int axis = 0; axis < OSP_SLICE_N_AXES; axis++)
    {
      float origin[3], eu[3], ev[3], rgb[3];

      if (!(renderer->slice_axes & (1u << axis))
          || !slice_rectangle (renderer, axis, origin, eu, ev))
        continue;
      osp_renderer_get_slice_color (axis, rgb);
      glUniform3fv (renderer->u_slice_origin, 1, origin);
      glUniform3fv (renderer->u_slice_edge_u, 1, eu);
      glUniform3fv (renderer->u_slice_edge_v, 1, ev);
      glUniform3fv (renderer->u_slice_frame_color, 1, rgb);
      for (guint s = 0; s < osp_slice_textures_get_n_slabs (t); s++)
        {
          const OspSliceSlab *slab = osp_slice_textures_get_slab (t, s);

          glBindTexture (GL_TEXTURE_3D, slab->texture);
          glUniform4f (renderer->u_slice_slab, (float) slab->k0, (float) slab->depth, slab->lo,
                       slab->hi);
          glDrawArrays (GL_TRIANGLES, 0, 6);
          renderer->n_draw_calls++;
        }
    }
  glBindTexture (GL_TEXTURE_3D, 0);
}

/* -- Drawing ------------------------------------------------------------------------------- */

static gboolean
ensure_framebuffer (OspRenderer *renderer, int width, int height, GError **error)
{
  int samples = renderer->moving ? 1 : osp_renderer_get_samples (renderer);
  GLenum status;

  GLint max_size = 0;

  if (renderer->fbo != 0 && renderer->fbo_width == width && renderer->fbo_height == height &&
      renderer->fbo_samples == samples)
    return TRUE;

  glGetIntegerv (GL_MAX_RENDERBUFFER_SIZE, &max_size);
  if (width > max_size || height > max_size)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("The graphics driver draws at most %d × %d pixels, not %d × %d"),
                   max_size, max_size, width, height);
      return FALSE;
    }
  /* Colour and depth-stencil, 4 bytes each per sample (in main memory with llvmpipe). */
  if (!osp_memory_check ((guint64) width * height * samples * 8, NULL,
                         _("the picture’s framebuffer"), error))
    return FALSE;

  if (renderer->fbo != 0)
    {
      glDeleteFramebuffers (1, &renderer->fbo);
      glDeleteRenderbuffers (1, &renderer->fbo_color);
      glDeleteRenderbuffers (1, &renderer->fbo_depth);
    }
  glGenFramebuffers (1, &renderer->fbo);
  glBindFramebuffer (GL_FRAMEBUFFER, renderer->fbo);
  glGenRenderbuffers (1, &renderer->fbo_color);
  glBindRenderbuffer (GL_RENDERBUFFER, renderer->fbo_color);
  glRenderbufferStorageMultisample (GL_RENDERBUFFER, samples > 1 ? samples : 0, GL_RGBA8,
                                    width, height);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             renderer->fbo_color);
  glGenRenderbuffers (1, &renderer->fbo_depth);
  glBindRenderbuffer (GL_RENDERBUFFER, renderer->fbo_depth);
  glRenderbufferStorageMultisample (GL_RENDERBUFFER, samples > 1 ? samples : 0,
                                    GL_DEPTH24_STENCIL8, width, height);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                             renderer->fbo_depth);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);
  status = glCheckFramebufferStatus (GL_FRAMEBUFFER);
  renderer->fbo_width = width;
  renderer->fbo_height = height;
  renderer->fbo_samples = samples;
  if (status != GL_FRAMEBUFFER_COMPLETE)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("The graphics driver cannot draw a %d × %d picture (framebuffer status "
                     "0x%x)"), width, height, status);
      return FALSE;
    }
  return TRUE;
}

static void
set_mesh_uniforms (OspRenderer     *renderer,
                   const Model     *model,
                   mat4             view,
                   const float     *clip_plane)
{
  const MeshProgram *p = &renderer->mesh;
  mat3 m3, inv, normal;
  mat3 view3;

  glm_mat4_pick3 ((vec4 *) model->transform, m3);
  glm_mat3_inv (m3, inv);
  glm_mat3_transpose (inv);
  glm_mat4_pick3 (view, view3);
  glm_mat3_mul (view3, inv, normal);
  glUniformMatrix4fv (p->u_model, 1, GL_FALSE, (const float *) model->transform);
  glUniformMatrix3fv (p->u_normal_matrix, 1, GL_FALSE, (const float *) normal);
  glUniform4fv (p->u_clip_plane, 1, clip_plane);
}

static void
draw_model_elements (OspRenderer *renderer, const Model *model)
{
  guint32 n = osp_mesh_get_n_triangles (model->uploaded);

  glBindVertexArray (model->vao);
  glDrawElements (GL_TRIANGLES, (GLsizei) (3 * (gsize) n), GL_UNSIGNED_INT, NULL);
  renderer->n_draw_calls++;
  renderer->n_drawn_triangles += n;
}

/* The pixels a model's box covers on screen (its projected 2D bounds, clipped to the
 * picture); the whole picture when the box reaches behind the eye. */
static double
model_screen_pixels (const OspRenderer *renderer, const Model *model)
{
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  double w = renderer->frame_width, h = renderer->frame_height;
  OspBox b;

  model_world_bounds (model, &b);
  for (int c = 0; c < 8; c++)
    {
      vec4 p, q;

      for (int k = 0; k < 3; k++)
        p[k] = (c >> k) & 1 ? b.max[k] : b.min[k];
      p[3] = 1.0f;
      glm_mat4_mulv ((vec4 *) renderer->view_projection, p, q);
      if (q[3] <= 1e-6f)
        return w * h;
      x0 = MIN (x0, q[0] / q[3]);
      x1 = MAX (x1, q[0] / q[3]);
      y0 = MIN (y0, q[1] / q[3]);
      y1 = MAX (y1, q[1] / q[3]);
    }
  x0 = CLAMP (x0, -1.0, 1.0), x1 = CLAMP (x1, -1.0, 1.0);
  y0 = CLAMP (y0, -1.0, 1.0), y1 = CLAMP (y1, -1.0, 1.0);
  return MAX ((x1 - x0) * 0.5 * w * (y1 - y0) * 0.5 * h, 1.0);
}

/* Draws the full mesh, or its coarse level when the full one could not show more. */
static void
draw_model_elements_lod (OspRenderer *renderer, const Model *model)
{
  guint32 n = osp_mesh_get_n_triangles (model->uploaded);

  if (renderer->lod && model->lod_vao != 0 && !renderer->wireframe &&
      !renderer->section_enabled &&
      (renderer->moving ||
       (n < LOD_PROXY_ABOVE && n > LOD_TRIANGLES_PER_PIXEL * model_screen_pixels (renderer, model))))
    {
      glBindVertexArray (model->lod_vao);
      glDrawElements (GL_TRIANGLES, (GLsizei) (3 * (gsize) model->n_lod_triangles),
                      GL_UNSIGNED_INT, NULL);
      renderer->n_draw_calls++;
      renderer->n_drawn_triangles += model->n_lod_triangles;
      renderer->n_lod_models++;
      return;
    }
  draw_model_elements (renderer, model);
}

static void
draw_model (OspRenderer *renderer, const Model *model, mat4 view, const float *clip_plane,
            gboolean transparent)
{
  const MeshProgram *p = &renderer->mesh;
  mat3 m3;

  /* A mirroring transform turns counter-clockwise triangles clockwise. */
  glm_mat4_pick3 ((vec4 *) model->transform, m3);
  glFrontFace (glm_mat3_det (m3) < 0.0f ? GL_CW : GL_CCW);
  set_mesh_uniforms (renderer, model, view, clip_plane);
  glUniform4f (p->u_color, model->color[0], model->color[1], model->color[2],
               transparent ? model->opacity : 1.0f);
  glUniform1i (p->u_flat, 0);
  glUniform1i (p->u_vertex_colors, model->color_vbo != 0);
  glUniform1f (p->u_highlight, model->highlight ? 1.0f : 0.0f);
  if (renderer->wireframe)
    {
      glEnable (GL_POLYGON_OFFSET_FILL);
      glPolygonOffset (1.0f, 1.0f);
    }
  if (transparent)
    {
      /* Back faces first, then front faces: right for one convex-ish surface. */
      glEnable (GL_CULL_FACE);
      glCullFace (GL_FRONT);
      draw_model_elements (renderer, model);
      glCullFace (GL_BACK);
      draw_model_elements (renderer, model);
      glDisable (GL_CULL_FACE);
    }
  else
    {
      /* A closed surface never shows its back faces (a section shows its cap instead), and
       * skipping them halves the rasteriser's work. */
      if (model->closed > 0)
        {
          glEnable (GL_CULL_FACE);
          glCullFace (GL_BACK);
        }
      draw_model_elements_lod (renderer, model);
    }
  glDisable (GL_POLYGON_OFFSET_FILL);

  if (renderer->wireframe)
    {
      glUniform1i (p->u_flat, 1);
      glUniform4f (p->u_color, 0.08f, 0.09f, 0.11f, transparent ? model->opacity : 0.85f);
      glPolygonMode (GL_FRONT_AND_BACK, GL_LINE);
      glDepthMask (GL_FALSE);
      glEnable (GL_BLEND);
      draw_model_elements (renderer, model);
      glPolygonMode (GL_FRONT_AND_BACK, GL_FILL);
      if (!transparent)
        {
          glDepthMask (GL_TRUE);
          glDisable (GL_BLEND);
        }
    }
  glDisable (GL_CULL_FACE);
  glFrontFace (GL_CCW);
}

/* Fills where the section plane cuts a closed model: the stencil counts the model's surfaces
 * behind each pixel (odd: the plane point is inside), then a quad on the plane is drawn
 * where the count is odd. */
static void
draw_cap (OspRenderer *renderer, Model *model, mat4 view, const float *clip_plane,
          const OspBox *scene)
{
  const MeshProgram *p = &renderer->mesh;
  const float *n = renderer->section.normal;
  float centre[3], u[3], v[3], quad[12], r = 0.0f, dist;
  static const float no_clip[4] = { 0, 0, 0, 1 };
  Model identity_model;
  vec3 nv;

  if (!model_is_closed (model))
    return;

  glEnable (GL_STENCIL_TEST);
  glClear (GL_STENCIL_BUFFER_BIT);
  glColorMask (GL_FALSE, GL_FALSE, GL_FALSE, GL_FALSE);
  glDepthMask (GL_FALSE);
  glDisable (GL_DEPTH_TEST);
  glStencilFunc (GL_ALWAYS, 0, 1);
  glStencilOp (GL_KEEP, GL_KEEP, GL_INVERT);
  set_mesh_uniforms (renderer, model, view, clip_plane);
  glUniform1i (p->u_flat, 1);
  draw_model_elements (renderer, model);

  glColorMask (GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  glDepthMask (GL_TRUE);
  glEnable (GL_DEPTH_TEST);
  glStencilFunc (GL_EQUAL, 1, 1);
  glStencilOp (GL_KEEP, GL_KEEP, GL_KEEP);

  /* A square on the plane around the scene's centre, larger than the scene. */
  for (int k = 0; k < 3; k++)
    {
      float e = scene->max[k] - scene->min[k];

      centre[k] = 0.5f * (scene->min[k] + scene->max[k]);
      r += e * e;
    }
  r = 2.0f * sqrtf (r) + 1.0f;
  dist = n[0] * centre[0] + n[1] * centre[1] + n[2] * centre[2] - renderer->section.d;
  for (int k = 0; k < 3; k++)
    centre[k] -= dist * n[k];
  glm_vec3_copy ((float *) n, nv);
  if (fabsf (n[0]) < 0.9f)
    glm_vec3_cross (nv, (vec3) { 1, 0, 0 }, u);
  else
    glm_vec3_cross (nv, (vec3) { 0, 1, 0 }, u);
  glm_vec3_normalize (u);
  glm_vec3_cross (nv, u, v);
  for (int c = 0; c < 4; c++)
    {
      float su = (c == 0 || c == 3) ? -r : r, sv = (c < 2) ? -r : r;

      for (int k = 0; k < 3; k++)
        quad[3 * c + k] = centre[k] + su * u[k] + sv * v[k];
    }

  memset (&identity_model, 0, sizeof identity_model);
  glm_mat4_identity (identity_model.transform);
  set_mesh_uniforms (renderer, &identity_model, view, no_clip);
  glUniform1i (p->u_flat, 0);
  glUniform1i (p->u_vertex_colors, 0);
  glUniform1f (p->u_highlight, 0.0f);
  glUniform4f (p->u_color, model->color[0] * 0.8f, model->color[1] * 0.62f,
               model->color[2] * 0.58f, 1.0f);
  glBindVertexArray (renderer->cap_vao);
  glBindBuffer (GL_ARRAY_BUFFER, renderer->cap_vbo);
  glBufferData (GL_ARRAY_BUFFER, sizeof quad, quad, GL_STREAM_DRAW);
  /* The cut face looks out of the kept half, along the plane's normal. */
  glVertexAttrib4f (1, n[0], n[1], n[2], 0.0f);
  glDrawArrays (GL_TRIANGLE_FAN, 0, 4);
  renderer->n_draw_calls++;
  glDisable (GL_STENCIL_TEST);
}

typedef struct
{
  Model *model;
  float  depth;
} SortEntry;

static int
compare_far_first (gconstpointer a, gconstpointer b)
{
  const SortEntry *x = a, *y = b;

  return (x->depth < y->depth) - (x->depth > y->depth);
}

static void
draw_background (OspRenderer *renderer)
{
  glDisable (GL_DEPTH_TEST);
  glDepthMask (GL_FALSE);
  glUseProgram (renderer->background_program);
  glUniform3fv (renderer->u_top, 1, renderer->top);
  glUniform3fv (renderer->u_bottom, 1, renderer->bottom);
  glBindVertexArray (renderer->empty_vao);
  glDrawArrays (GL_TRIANGLES, 0, 3);
  glDepthMask (GL_TRUE);
}

static void
draw_overlays (OspRenderer *renderer, const OspCamera *camera, int width, int height)
{
  g_autoptr(GArray) vertices = g_array_new (FALSE, FALSE, sizeof (OspOverlayVertex));
  /* Overlays are laid out in framebuffer pixels (the caller gives the HiDPI factor as the
   * overlay scale), and shrink in small pictures. */
  float fit = CLAMP (MIN (camera->width, camera->height) / 480.0f, 0.5f, 1.0f);
  float scale = fit * renderer->overlay_scale;

  osp_overlay_orientation_marker (vertices, camera, width, height, scale);
  osp_overlay_scale_bar (vertices, camera, width, height, scale);
  if (vertices->len == 0)
    return;
  glDisable (GL_DEPTH_TEST);
  glEnable (GL_BLEND);
  glBlendFunc (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glUseProgram (renderer->overlay_program);
  glUniform2f (renderer->u_viewport, (float) width, (float) height);
  glBindVertexArray (renderer->overlay_vao);
  glBindBuffer (GL_ARRAY_BUFFER, renderer->overlay_vbo);
  glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) vertices->len * sizeof (OspOverlayVertex),
                vertices->data, GL_STREAM_DRAW);
  glDrawArrays (GL_TRIANGLES, 0, (GLsizei) vertices->len);
  renderer->n_draw_calls++;
  glDisable (GL_BLEND);
}

/* Draws everything into the renderer's own framebuffer (left bound to GL_READ_FRAMEBUFFER). */
static gboolean
draw_scene (OspRenderer     *renderer,
            const OspCamera *camera_in,
            int              width,
            int              height,
            GError         **error)
{
  OspCamera camera = *camera_in;
  g_autoptr(GArray) transparent = g_array_new (FALSE, FALSE, sizeof (SortEntry));
  OspBox scene;
  mat4 view, projection;
  vec3 eye, dir;
  float clip_plane[4] = { 0, 0, 0, 1 };
  const MeshProgram *p = &renderer->mesh;

  free_garbage (renderer);
  renderer->n_draw_calls = 0;
  renderer->n_drawn_triangles = 0;
  renderer->n_lod_models = 0;
  for (guint i = 0; i < renderer->models->len; i++)
    {
      Model *model = g_ptr_array_index (renderer->models, i);

      if (model_is_drawn (model) && model->uploaded != model->mesh &&
          !model_upload (renderer, model, error))
        return FALSE;
      if (model->lod != NULL && model->uploaded == model->mesh)
        model_upload_lod (model);
      if (model->colors_dirty && model->vao != 0)
        model_upload_colors (model);
    }
  if (!ensure_framebuffer (renderer, width, height, error))
    return FALSE;

  glBindFramebuffer (GL_FRAMEBUFFER, renderer->fbo);
  glViewport (0, 0, width, height);
  glDisable (GL_SCISSOR_TEST);
  glDisable (GL_CULL_FACE);
  glDisable (GL_BLEND);
  glColorMask (GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  glDepthMask (GL_TRUE);
  glStencilMask (0xff);
  glClearDepth (1.0);
  glClearStencil (0);
  glClear (GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
  if (renderer->fbo_samples > 1)
    glEnable (GL_MULTISAMPLE);
  draw_background (renderer);

  osp_renderer_get_bounds (renderer, &scene);
  slices_add_bounds (renderer, &scene);
  osp_camera_set_scene_bounds (&camera, &scene);
  osp_camera_get_view_matrix (&camera, view);
  osp_camera_get_projection_matrix (&camera, projection);
  osp_camera_get_eye (&camera, eye);
  osp_camera_get_direction (&camera, dir);
  glm_mat4_mul (projection, view, renderer->view_projection);
  renderer->frame_width = width;
  renderer->frame_height = height;
  if (renderer->section_enabled)
    {
      memcpy (clip_plane, renderer->section.normal, 3 * sizeof (float));
      clip_plane[3] = renderer->section.d;
    }

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  /* Clipping costs software rasterisers even when nothing is clipped. */
  if (renderer->section_enabled)
    glEnable (GL_CLIP_DISTANCE0);
  glUseProgram (p->program);
  glUniformMatrix4fv (p->u_view, 1, GL_FALSE, (const float *) view);
  glUniformMatrix4fv (p->u_projection, 1, GL_FALSE, (const float *) projection);
  glUniform1i (p->u_orthographic, camera.projection == OSP_PROJECTION_ORTHOGRAPHIC);
  glBlendFunc (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  if (!renderer->warm && renderer->warm_vao != 0)
    {
      /* In the state of an opaque model's draw; covers no pixel. */
      glBindVertexArray (renderer->warm_vao);
      glDrawElements (GL_TRIANGLES, 3, GL_UNSIGNED_INT, NULL);
      glBindVertexArray (0);
      renderer->warm = TRUE;
    }

  for (guint i = 0; i < renderer->models->len; i++)
    {
      Model *model = g_ptr_array_index (renderer->models, i);

      if (!model_is_drawn (model))
        continue;
      if (model->opacity < 0.999f)
        {
          OspBox b;
          vec3 c, d;
          SortEntry entry;

          model_world_bounds (model, &b);
          for (int k = 0; k < 3; k++)
            c[k] = 0.5f * (b.min[k] + b.max[k]);
          glm_vec3_sub (c, eye, d);
          entry.model = model;
          entry.depth = glm_vec3_dot (d, dir);
          g_array_append_val (transparent, entry);
          continue;
        }
      draw_model (renderer, model, view, clip_plane, FALSE);
      if (renderer->section_enabled)
        draw_cap (renderer, model, view, clip_plane, &scene);
    }

  /* The CT's slices, not clipped by the section: they show what it hides. */
  if (slices_shown (renderer))
    {
      glDisable (GL_CLIP_DISTANCE0);
      draw_slices (renderer, renderer->view_projection,
                   CLAMP (MIN (camera.width, camera.height) / 480.0f, 0.5f, 1.0f)
                   * renderer->overlay_scale);
      if (renderer->section_enabled)
        glEnable (GL_CLIP_DISTANCE0);
      glUseProgram (p->program);
    }

  /* Transparent models last, far to near, testing depth but not writing it. */
  g_array_sort (transparent, compare_far_first);
  if (transparent->len > 0)
    {
      glEnable (GL_BLEND);
      glDepthMask (GL_FALSE);
      for (guint i = 0; i < transparent->len; i++)
        draw_model (renderer, g_array_index (transparent, SortEntry, i).model, view,
                    clip_plane, TRUE);
      glDepthMask (GL_TRUE);
      glDisable (GL_BLEND);
    }
  glDisable (GL_CLIP_DISTANCE0);

  if (renderer->show_overlays)
    draw_overlays (renderer, &camera, width, height);

  glBindVertexArray (0);
  glUseProgram (0);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->fbo);
  return TRUE;
}

/* A plain RGBA8 framebuffer: the target of draw_to_rgba, and the stop between the
 * multisampled one and a target of another format. */
static void
ensure_single_framebuffer (OspRenderer *renderer, int width, int height)
{
  if (renderer->read_fbo != 0 && renderer->read_width == width &&
      renderer->read_height == height)
    return;
  if (renderer->read_fbo == 0)
    {
      glGenFramebuffers (1, &renderer->read_fbo);
      glGenRenderbuffers (1, &renderer->read_color);
    }
  glBindRenderbuffer (GL_RENDERBUFFER, renderer->read_color);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);
  glBindFramebuffer (GL_FRAMEBUFFER, renderer->read_fbo);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             renderer->read_color);
  renderer->read_width = width;
  renderer->read_height = height;
}

gboolean
osp_renderer_draw (OspRenderer     *renderer,
                   const OspCamera *camera,
                   int              width,
                   int              height,
                   GError         **error)
{
  GLint target = 0;

  g_return_val_if_fail (renderer != NULL, FALSE);
  g_return_val_if_fail (camera != NULL, FALSE);
  g_return_val_if_fail (width >= 1 && height >= 1, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &target);
  if (!draw_scene (renderer, camera, width, height, error))
    {
      glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) target);
      return FALSE;
    }
  /* Resolves the samples into the caller's framebuffer. */
  while (glGetError () != GL_NO_ERROR)
    ;
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) target);
  glBlitFramebuffer (0, 0, width, height, 0, 0, width, height, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  if (glGetError () == GL_INVALID_OPERATION && renderer->fbo_samples > 1 &&
      (GLuint) target != renderer->read_fbo)
    {
      /* A multisampled resolve needs equal formats: resolve first, then convert. */
      ensure_single_framebuffer (renderer, width, height);
      glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->fbo);
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, renderer->read_fbo);
      glBlitFramebuffer (0, 0, width, height, 0, 0, width, height, GL_COLOR_BUFFER_BIT,
                         GL_NEAREST);
      glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->read_fbo);
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) target);
      glBlitFramebuffer (0, 0, width, height, 0, 0, width, height, GL_COLOR_BUFFER_BIT,
                         GL_NEAREST);
    }
  glBindFramebuffer (GL_FRAMEBUFFER, (GLuint) target);
  return TRUE;
}

gboolean
osp_renderer_draw_to_rgba (OspRenderer     *renderer,
                           const OspCamera *camera,
                           int              width,
                           int              height,
                           guint8          *out_rgba,
                           GError         **error)
{
  gsize row = (gsize) width * 4;
  g_autofree guint8 *tmp = NULL;

  g_return_val_if_fail (renderer != NULL, FALSE);
  g_return_val_if_fail (camera != NULL, FALSE);
  g_return_val_if_fail (width >= 1 && height >= 1, FALSE);
  g_return_val_if_fail (out_rgba != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ensure_single_framebuffer (renderer, width, height);
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, renderer->read_fbo);
  if (!osp_renderer_draw (renderer, camera, width, height, error))
    return FALSE;

  glBindFramebuffer (GL_READ_FRAMEBUFFER, renderer->read_fbo);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  tmp = g_malloc (row * height);
  glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, tmp);
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  /* OpenGL's rows run bottom to top. */
  for (int y = 0; y < height; y++)
    memcpy (out_rgba + (gsize) y * row, tmp + (gsize) (height - 1 - y) * row, row);
  return TRUE;
}

/* -- Picking ------------------------------------------------------------------------------- */

static OspBvh *
model_get_bvh (Model *model)
{
  if (model->bvh == NULL)
    model->bvh = osp_bvh_new (model->mesh);
  return model->bvh;
}

void
osp_renderer_set_model_bvh (OspRenderer      *renderer,
                            OspRenderModelId  id,
                            OspBvh           *bvh)
{
  Model *model;

  g_return_if_fail (renderer != NULL);
  g_return_if_fail (bvh != NULL);

  model = find_model (renderer, id);
  if (model == NULL || osp_bvh_get_mesh (bvh) != model->mesh)
    return;
  osp_bvh_ref (bvh);
  g_clear_pointer (&model->bvh, osp_bvh_unref);
  model->bvh = bvh;
}

gboolean
osp_renderer_pick_ray (OspRenderer   *renderer,
                       const float    origin[3],
                       const float    direction[3],
                       OspPickResult *out_result)
{
  gboolean found = FALSE;
  float best_t = INFINITY, t0 = 0.0f, t1 = INFINITY, t_plane = NAN;
  float dir_len;

  g_return_val_if_fail (renderer != NULL, FALSE);
  g_return_val_if_fail (origin != NULL && direction != NULL, FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  dir_len = sqrtf (direction[0] * direction[0] + direction[1] * direction[1] +
                   direction[2] * direction[2]);
  g_return_val_if_fail (dir_len > 0.0f, FALSE);

  /* The part of the ray on the kept side of the section. */
  if (renderer->section_enabled)
    {
      const float *n = renderer->section.normal;
      float so = n[0] * origin[0] + n[1] * origin[1] + n[2] * origin[2] - renderer->section.d;
      float sd = n[0] * direction[0] + n[1] * direction[1] + n[2] * direction[2];

      if (sd != 0.0f)
        t_plane = -so / sd;
      if (so > 0.0f)
        {
          if (sd >= 0.0f)
            return FALSE;
          t0 = t_plane;
        }
      else if (sd > 0.0f)
        t1 = t_plane;
    }

  for (guint i = 0; i < renderer->models->len; i++)
    {
      Model *model = g_ptr_array_index (renderer->models, i);
      mat4 inverse;
      vec4 o4, d4, mo, md;
      OspRayHit hit;
      OspBvh *bvh;

      if (!model_is_drawn (model))
        continue;
      glm_mat4_inv ((vec4 *) model->transform, inverse);
      glm_vec4 ((float *) origin, 1.0f, o4);
      glm_vec4 ((float *) direction, 0.0f, d4);
      glm_mat4_mulv (inverse, o4, mo);
      glm_mat4_mulv (inverse, d4, md);
      bvh = model_get_bvh (model);
      /* The ray keeps its parameter under the affine map, so t compares across models. */
      if (osp_bvh_ray_cast (bvh, mo, md, t0, MIN (t1, best_t), &hit))
        {
          best_t = hit.t;
          found = TRUE;
          out_result->model = model->id;
          out_result->triangle = hit.triangle;
        }
      /* A cut face: the ray enters the kept side inside a closed model. */
      if (renderer->section_enabled && isfinite (t_plane) && t_plane >= 0.0f &&
          t_plane < best_t && model_is_closed (model))
        {
          float pm[3];

          for (int k = 0; k < 3; k++)
            pm[k] = mo[k] + t_plane * md[k];
          if (osp_bvh_is_inside (bvh, pm))
            {
              best_t = t_plane;
              found = TRUE;
              out_result->model = model->id;
              out_result->triangle = G_MAXUINT32;
            }
        }
    }
  if (!found)
    return FALSE;
  for (int k = 0; k < 3; k++)
    out_result->position[k] = origin[k] + best_t * direction[k];
  out_result->distance = best_t * dir_len;
  return TRUE;
}

gboolean
osp_renderer_pick (OspRenderer     *renderer,
                   const OspCamera *camera,
                   double           x,
                   double           y,
                   OspPickResult   *out_result)
{
  OspCamera cam;
  OspBox scene;
  vec3 origin, direction;

  g_return_val_if_fail (renderer != NULL, FALSE);
  g_return_val_if_fail (camera != NULL, FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  /* The same near plane as drawing uses (it matters for orthographic rays). */
  cam = *camera;
  osp_renderer_get_bounds (renderer, &scene);
  osp_camera_set_scene_bounds (&cam, &scene);
  osp_camera_get_ray (&cam, x, y, origin, direction);
  return osp_renderer_pick_ray (renderer, origin, direction, out_result);
}
