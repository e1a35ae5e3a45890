/* osp-slice-renderer.c — CT slices through a 3D texture
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-slice-renderer.h"

#include <epoxy/gl.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-overlay-private.h"
#include "osp-slice-renderer-private.h"
#include "osteoplan-shaders.h"

#define SHADER_PATH "/io/github/osteoplan/Osteoplan/shaders/"

/* -- Geometry ------------------------------------------------------------------------------ */

const char *
osp_slice_axis_to_string (OspSliceAxis axis)
{
  switch (axis)
    {
    case OSP_SLICE_AXIAL:
      return "axial";
    case OSP_SLICE_CORONAL:
      return "coronal";
    case OSP_SLICE_SAGITTAL:
      return "sagittal";
    default:
      return "axial";
    }
}

gboolean
osp_slice_axis_from_string (const char   *name,
                            OspSliceAxis *out_axis)
{
  for (int a = 0; a < OSP_SLICE_N_AXES; a++)
    if (name != NULL && g_ascii_strcasecmp (name, osp_slice_axis_to_string (a)) == 0)
      {
        *out_axis = a;
        return TRUE;
      }
  return FALSE;
}

void
osp_slice_axis_frame (OspSliceAxis axis,
                      double       out_right[3],
                      double       out_up[3],
                      double       out_normal[3])
{
  /* LPS: x to the patient's left, y posterior, z superior. */
  static const double frames[3][3][3] = {
    { { 1, 0, 0 }, { 0, -1, 0 }, { 0, 0, 1 } },  /* axial: L right, A up, normal S */
    { { 1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } },   /* coronal: L right, S up, normal P */
    { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } },   /* sagittal: P right, S up, normal L */
  };

  g_return_if_fail ((int) axis >= 0 && axis < OSP_SLICE_N_AXES);

  memcpy (out_right, frames[axis][0], sizeof frames[axis][0]);
  memcpy (out_up, frames[axis][1], sizeof frames[axis][1]);
  memcpy (out_normal, frames[axis][2], sizeof frames[axis][2]);
}

int
osp_slice_axis_normal_index (OspSliceAxis axis)
{
  static const int index[3] = { 2, 1, 0 };

  g_return_val_if_fail ((int) axis >= 0 && axis < OSP_SLICE_N_AXES, 2);
  return index[axis];
}

void
osp_slice_axis_letters (OspSliceAxis  axis,
                        const char  **out_left,
                        const char  **out_right,
                        const char  **out_top,
                        const char  **out_bottom)
{
  static const char *const letters[3][4] = {
    { "R", "L", "A", "P" },
    { "R", "L", "S", "I" },
    { "A", "P", "S", "I" },
  };

  g_return_if_fail ((int) axis >= 0 && axis < OSP_SLICE_N_AXES);
  *out_left = letters[axis][0];
  *out_right = letters[axis][1];
  *out_top = letters[axis][2];
  *out_bottom = letters[axis][3];
}

void
osp_window_preset (OspWindowPreset preset,
                   double         *out_window,
                   double         *out_level)
{
  switch (preset)
    {
    case OSP_WINDOW_SOFT_TISSUE:
      *out_window = 400.0, *out_level = 40.0;
      break;
    case OSP_WINDOW_LUNG:
      *out_window = 1500.0, *out_level = -600.0;
      break;
    case OSP_WINDOW_BONE:
    default:
      *out_window = 2000.0, *out_level = 400.0;
      break;
    }
}

void
osp_slice_camera_pixel_to_lps (const OspSliceCamera *view,
                             int                 width,
                             int                 height,
                             double              x,
                             double              y,
                             double              out_lps[3])
{
  double right[3], up[3], normal[3];
  double dx = (x - 0.5 * width) * view->mm_per_pixel;
  double dy = (0.5 * height - y) * view->mm_per_pixel;

  osp_slice_axis_frame (view->axis, right, up, normal);
  for (int c = 0; c < 3; c++)
    out_lps[c] = view->center[c] + dx * right[c] + dy * up[c];
}

void
osp_slice_camera_lps_to_pixel (const OspSliceCamera *view,
                             int                 width,
                             int                 height,
                             const double        lps[3],
                             double             *out_x,
                             double             *out_y)
{
  double right[3], up[3], normal[3], dx = 0.0, dy = 0.0;

  osp_slice_axis_frame (view->axis, right, up, normal);
  for (int c = 0; c < 3; c++)
    {
      dx += (lps[c] - view->center[c]) * right[c];
      dy += (lps[c] - view->center[c]) * up[c];
    }
  *out_x = 0.5 * width + dx / view->mm_per_pixel;
  *out_y = 0.5 * height - dy / view->mm_per_pixel;
}

void
osp_volume_get_lps_range (const OspVolume *volume,
                          int              lps_axis,
                          double          *out_min,
                          double          *out_max)
{
  guint32 dims[3];
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

  g_return_if_fail (volume != NULL && lps_axis >= 0 && lps_axis < 3);

  osp_volume_get_dims (volume, dims);
  for (int corner = 0; corner < 8; corner++)
    {
      double ijk[3], p[3];

      for (int a = 0; a < 3; a++)
        ijk[a] = (corner & (1 << a)) ? (double) dims[a] - 1.0 : 0.0;
      osp_volume_index_to_lps (volume, ijk, p);
      lo = MIN (lo, p[lps_axis]);
      hi = MAX (hi, p[lps_axis]);
    }
  *out_min = lo;
  *out_max = hi;
}

void
osp_slice_camera_fit (OspSliceCamera    *view,
                    const OspVolume *volume,
                    int              width,
                    int              height,
                    gboolean         keep_position)
{
  double right[3], up[3], normal[3], lo[3], hi[3], extent_x = 0.0, extent_y = 0.0;
  int n;

  g_return_if_fail (view != NULL && volume != NULL);

  osp_slice_axis_frame (view->axis, right, up, normal);
  n = osp_slice_axis_normal_index (view->axis);
  for (int a = 0; a < 3; a++)
    {
      osp_volume_get_lps_range (volume, a, &lo[a], &hi[a]);
      if (a != n || !keep_position)
        view->center[a] = 0.5 * (lo[a] + hi[a]);
      extent_x += fabs (right[a]) * (hi[a] - lo[a]);
      extent_y += fabs (up[a]) * (hi[a] - lo[a]);
    }
  view->mm_per_pixel = MAX (extent_x * 1.04 / MAX (width, 1), extent_y * 1.04 / MAX (height, 1));
  if (!(view->mm_per_pixel > 0.0))
    view->mm_per_pixel = 1.0;
}

gboolean
osp_volume_sample_lps (const OspVolume *volume,
                       const double     lps[3],
                       double          *out_hu)
{
  mat4 m, inv;
  vec4 p, ijk;
  guint32 dims[3];
  const gint16 *data;
  int base[3];
  double f[3], sum = 0.0;

  g_return_val_if_fail (volume != NULL && lps != NULL, FALSE);

  osp_volume_get_index_to_lps (volume, m);
  glm_mat4_inv (m, inv);
  p[0] = (float) lps[0], p[1] = (float) lps[1], p[2] = (float) lps[2], p[3] = 1.0f;
  glm_mat4_mulv (inv, p, ijk);
  osp_volume_get_dims (volume, dims);
  for (int a = 0; a < 3; a++)
    {
      double v = ijk[a];

      if (!(v >= -0.5 && v <= dims[a] - 0.5))
        return FALSE;
      v = CLAMP (v, 0.0, (double) dims[a] - 1.0);
      base[a] = MIN ((int) floor (v), (int) dims[a] - 2);
      base[a] = MAX (base[a], 0);
      f[a] = dims[a] > 1 ? v - base[a] : 0.0;
    }
  data = osp_volume_get_data (volume);
  for (int corner = 0; corner < 8; corner++)
    {
      double w = 1.0;
      guint64 idx[3];

      for (int a = 0; a < 3; a++)
        {
          int bit = (corner >> a) & 1;

          w *= bit ? f[a] : 1.0 - f[a];
          idx[a] = MIN ((guint64) base[a] + bit, (guint64) dims[a] - 1);
        }
      if (w != 0.0)
        sum += w * data[idx[0] + (guint64) dims[0] * (idx[1] + (guint64) dims[1] * idx[2])];
    }
  if (out_hu != NULL)
    *out_hu = sum;
  return TRUE;
}

guint
osp_mesh_plane_segments (const OspMesh *mesh,
                         const float   *transform,
                         const double   normal[3],
                         double         d,
                         GArray        *out_segments)
{
  const float *positions;
  const guint32 *indices;
  guint32 n_vertices, n_triangles;
  g_autofree double *dist = NULL;
  g_autofree double *world = NULL;
  guint count = 0;

  g_return_val_if_fail (mesh != NULL && normal != NULL && out_segments != NULL, 0);

  positions = osp_mesh_get_positions (mesh);
  indices = osp_mesh_get_indices (mesh);
  n_vertices = osp_mesh_get_n_vertices (mesh);
  n_triangles = osp_mesh_get_n_triangles (mesh);
  dist = g_new (double, n_vertices);
  world = g_new (double, (gsize) n_vertices * 3);
  for (guint32 v = 0; v < n_vertices; v++)
    {
      const float *p = positions + 3 * (gsize) v;
      double *w = world + 3 * (gsize) v;

      if (transform != NULL)
        for (int r = 0; r < 3; r++)
          w[r] = transform[r] * p[0] + transform[4 + r] * p[1] + transform[8 + r] * p[2]
                 + transform[12 + r];
      else
        w[0] = p[0], w[1] = p[1], w[2] = p[2];
      dist[v] = normal[0] * w[0] + normal[1] * w[1] + normal[2] * w[2] - d;
      /* A vertex exactly on the plane counts as above, so edges cross once. */
      if (dist[v] == 0.0)
        dist[v] = 1e-9;
    }
  for (guint32 t = 0; t < n_triangles; t++)
    {
      const guint32 *tri = indices + 3 * (gsize) t;
      float seg[6];
      int n = 0;

      for (int e = 0; e < 3 && n < 2; e++)
        {
          guint32 a = tri[e], b = tri[(e + 1) % 3];
          double da = dist[a], db = dist[b], s;

          if ((da < 0.0) == (db < 0.0))
            continue;
          s = da / (da - db);
          for (int c = 0; c < 3; c++)
            seg[3 * n + c] = (float) (world[3 * (gsize) a + c]
                                      + s * (world[3 * (gsize) b + c] - world[3 * (gsize) a + c]));
          n++;
        }
      if (n == 2)
        {
          g_array_append_vals (out_segments, seg, 6);
          count++;
        }
    }
  return count;
}

/* -- Shared textures ----------------------------------------------------------------------- */

typedef OspSliceSlab Slab;

struct _OspSliceTextures
{
  gatomicrefcount ref_count;
  OspVolume      *volume;        /* the volume in `slabs` (a reference) */
  GArray         *slabs;         /* Slab */
  gboolean        failed;        /* the upload of `volume` failed: don't retry every frame */
  guint           n_uploads;
  char           *failure;

  const guint8   *mask_voxels;   /* the mask's voxels (the caller's) */
  guint32         mask_dims[3];
  mat4            mask_index_to_lps;
  GLuint          mask_texture;
  const guint8   *mask_uploaded; /* the voxels pointer in mask_texture */
  gboolean        mask_dirty;
  guint32         dirty_min[3], dirty_max[3];
};

OspSliceTextures *
osp_slice_textures_new (void)
{
  OspSliceTextures *textures = g_new0 (OspSliceTextures, 1);

  g_atomic_ref_count_init (&textures->ref_count);
  textures->slabs = g_array_new (FALSE, TRUE, sizeof (Slab));
  glm_mat4_identity (textures->mask_index_to_lps);
  return textures;
}

OspSliceTextures *
osp_slice_textures_ref (OspSliceTextures *textures)
{
  g_return_val_if_fail (textures != NULL, NULL);
  g_atomic_ref_count_inc (&textures->ref_count);
  return textures;
}

static void
textures_release_volume (OspSliceTextures *textures, gboolean gl)
{
  for (guint s = 0; s < textures->slabs->len; s++)
    {
      Slab *slab = &g_array_index (textures->slabs, Slab, s);

      if (gl && slab->texture != 0)
        glDeleteTextures (1, &slab->texture);
    }
  g_array_set_size (textures->slabs, 0);
  g_clear_pointer (&textures->volume, osp_volume_unref);
  g_clear_pointer (&textures->failure, g_free);
  textures->failed = FALSE;
}

static void
textures_release_gl (OspSliceTextures *textures, gboolean gl)
{
  textures_release_volume (textures, gl);
  if (gl && textures->mask_texture != 0)
    glDeleteTextures (1, &textures->mask_texture);
  textures->mask_texture = 0;
  textures->mask_uploaded = NULL;
}

void
osp_slice_textures_release_gl (OspSliceTextures *textures)
{
  g_return_if_fail (textures != NULL);
  textures_release_gl (textures, TRUE);
}

void
osp_slice_textures_unref (OspSliceTextures *textures)
{
  if (textures == NULL)
    return;
  if (g_atomic_ref_count_dec (&textures->ref_count))
    {
      /* No context may be current here: the GL names go with the context (share group). */
      textures_release_gl (textures, FALSE);
      g_array_unref (textures->slabs);
      g_free (textures);
    }
}

static gboolean
textures_upload_volume (OspSliceTextures *textures, OspVolume *volume, GError **error)
{
  guint32 dims[3];
  GLint max_size = 0;
  const gint16 *data;
  guint32 step;

  textures_release_volume (textures, TRUE);
  textures->volume = osp_volume_ref (volume);
  textures->n_uploads++;
  osp_volume_get_dims (volume, dims);
  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  if (max_size < 2 || dims[0] > (guint32) max_size || dims[1] > (guint32) max_size)
    {
      textures->failed = TRUE;
      textures->failure =
        g_strdup_printf (_("The CT slices (%u × %u voxels) are larger than the graphics driver "
                           "allows for a 3D texture (%d)."), dims[0], dims[1], max_size);
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, textures->failure);
      return FALSE;
    }
  /* Slabs of at most max_size planes overlapping by one, so interpolation across a seam reads
   * both planes. */
  step = dims[2] <= (guint32) max_size ? dims[2] : (guint32) max_size - 1;
  data = osp_volume_get_data (volume);
  while (glGetError () != GL_NO_ERROR)
    ;
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei (GL_UNPACK_IMAGE_HEIGHT, 0);
  glPixelStorei (GL_UNPACK_SKIP_PIXELS, 0);
  glPixelStorei (GL_UNPACK_SKIP_ROWS, 0);
  glPixelStorei (GL_UNPACK_SKIP_IMAGES, 0);
  for (guint32 k0 = 0; k0 < dims[2]; k0 += step)
    {
      Slab slab = { 0 };
      gboolean last = k0 + step >= dims[2];

      slab.k0 = k0;
      slab.depth = last ? dims[2] - k0 : step + 1;
      slab.lo = k0 == 0 ? -G_MAXFLOAT : (float) k0;
      slab.hi = last ? G_MAXFLOAT : (float) (k0 + step);
      glGenTextures (1, &slab.texture);
      glBindTexture (GL_TEXTURE_3D, slab.texture);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MAX_LEVEL, 0);
      glTexImage3D (GL_TEXTURE_3D, 0, GL_R16_SNORM, (GLsizei) dims[0], (GLsizei) dims[1],
                    (GLsizei) slab.depth, 0, GL_RED, GL_SHORT,
                    data + (gsize) k0 * dims[0] * dims[1]);
      g_array_append_val (textures->slabs, slab);
      if (glGetError () != GL_NO_ERROR)
        {
          textures_release_volume (textures, TRUE);
          textures->volume = osp_volume_ref (volume);
          textures->failed = TRUE;
          textures->failure =
            g_strdup_printf (_("The CT (%u × %u × %u voxels) does not fit in the graphics "
                               "memory; the slices cannot be shown."), dims[0], dims[1],
                             dims[2]);
          g_set_error_literal (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, textures->failure);
          glBindTexture (GL_TEXTURE_3D, 0);
          return FALSE;
        }
    }
  glBindTexture (GL_TEXTURE_3D, 0);
  return TRUE;
}

static void
textures_upload_mask (OspSliceTextures *textures)
{
  GLint max_size = 0;
  const guint32 *d = textures->mask_dims;

  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  if (textures->mask_uploaded != textures->mask_voxels || textures->mask_texture == 0)
    {
      if (textures->mask_texture == 0)
        glGenTextures (1, &textures->mask_texture);
      textures->mask_uploaded = NULL;
      if (d[0] > (guint32) max_size || d[1] > (guint32) max_size || d[2] > (guint32) max_size)
        {
          g_warning ("mask of %u × %u × %u voxels exceeds the 3D texture limit %d",
                     d[0], d[1], d[2], max_size);
          return;
        }
      glBindTexture (GL_TEXTURE_3D, textures->mask_texture);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_3D, GL_TEXTURE_MAX_LEVEL, 0);
      glTexImage3D (GL_TEXTURE_3D, 0, GL_R8UI, (GLsizei) d[0], (GLsizei) d[1], (GLsizei) d[2],
                    0, GL_RED_INTEGER, GL_UNSIGNED_BYTE, textures->mask_voxels);
      textures->mask_uploaded = textures->mask_voxels;
      textures->mask_dirty = FALSE;
    }
  else if (textures->mask_dirty)
    {
      const guint32 *lo = textures->dirty_min, *hi = textures->dirty_max;

      glBindTexture (GL_TEXTURE_3D, textures->mask_texture);
      glPixelStorei (GL_UNPACK_ROW_LENGTH, (GLint) d[0]);
      glPixelStorei (GL_UNPACK_IMAGE_HEIGHT, (GLint) d[1]);
      glPixelStorei (GL_UNPACK_SKIP_PIXELS, (GLint) lo[0]);
      glPixelStorei (GL_UNPACK_SKIP_ROWS, (GLint) lo[1]);
      glPixelStorei (GL_UNPACK_SKIP_IMAGES, (GLint) lo[2]);
      glTexSubImage3D (GL_TEXTURE_3D, 0, (GLint) lo[0], (GLint) lo[1], (GLint) lo[2],
                       (GLsizei) (hi[0] - lo[0] + 1), (GLsizei) (hi[1] - lo[1] + 1),
                       (GLsizei) (hi[2] - lo[2] + 1), GL_RED_INTEGER, GL_UNSIGNED_BYTE,
                       textures->mask_voxels);
      glPixelStorei (GL_UNPACK_ROW_LENGTH, 0);
      glPixelStorei (GL_UNPACK_IMAGE_HEIGHT, 0);
      glPixelStorei (GL_UNPACK_SKIP_PIXELS, 0);
      glPixelStorei (GL_UNPACK_SKIP_ROWS, 0);
      glPixelStorei (GL_UNPACK_SKIP_IMAGES, 0);
      textures->mask_dirty = FALSE;
    }
  glBindTexture (GL_TEXTURE_3D, 0);
}

gboolean
osp_slice_textures_ensure_volume (OspSliceTextures **textures,
                                  OspVolume         *volume,
                                  GError           **error)
{
  OspSliceTextures *t;

  g_return_val_if_fail (textures != NULL && *textures != NULL && volume != NULL, FALSE);

  t = *textures;
  if (t->slabs->len > 0 && !glIsTexture (g_array_index (t->slabs, Slab, 0).texture))
    {
      /* Not shared with this context after all: a private set from now on. */
      osp_slice_textures_unref (t);
      t = *textures = osp_slice_textures_new ();
    }
  if (t->volume != volume)
    return textures_upload_volume (t, volume, error);
  if (t->failed)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, t->failure);
      return FALSE;
    }
  return TRUE;
}

guint
osp_slice_textures_get_n_slabs (OspSliceTextures *textures)
{
  g_return_val_if_fail (textures != NULL, 0);
  return textures->slabs->len;
}

const OspSliceSlab *
osp_slice_textures_get_slab (OspSliceTextures *textures,
                             guint             index)
{
  g_return_val_if_fail (textures != NULL && index < textures->slabs->len, NULL);
  return &g_array_index (textures->slabs, Slab, index);
}

guint
osp_slice_textures_get_n_uploads (OspSliceTextures *textures)
{
  g_return_val_if_fail (textures != NULL, 0);
  return textures->n_uploads;
}

void
osp_slice_textures_unref_gl (OspSliceTextures *textures)
{
  if (textures == NULL)
    return;
  if (g_atomic_ref_count_compare (&textures->ref_count, 1))
    textures_release_gl (textures, TRUE);
  osp_slice_textures_unref (textures);
}

/* -- Renderer ------------------------------------------------------------------------------ */

typedef struct
{
  guint    id;
  OspMesh *mesh;
  float    color[3];
  gboolean visible;
  gboolean has_transform;
  float    transform[16];
  /* Segments cached for one plane. */
  GArray  *segments;      /* 6 floats each */
  gboolean cache_valid;
  double   cache_normal[3];
  double   cache_d;
} Model;

struct _OspSliceRenderer
{
  OspSliceTextures *textures;
  OspVolume        *volume;

  GLuint   slice_program;
  GLint    u_viewport, u_center, u_right, u_up, u_lps_to_index, u_dims, u_slab, u_volume;
  GLint    u_window, u_outline, u_threshold, u_outline_color;
  GLint    u_mask, u_mask_texture, u_lps_to_mask, u_mask_dims, u_mask_color;
  GLuint   overlay_program;
  GLint    u_overlay_viewport;
  GLuint   empty_vao, overlay_vao, overlay_vbo;
  GLuint   fbo, fbo_color;
  int      fbo_width, fbo_height;

  gboolean show_mask;
  float    mask_rgba[4];
  gboolean outline;
  double   threshold;
  float    outline_rgb[3];

  GPtrArray *models;
  guint      next_id;
  GArray    *planes;       /* OspPlane */
  GArray    *plane_colors; /* float × 3 */
  GArray    *marks;        /* double × 3 */
  GArray    *mark_colors;  /* float × 3 */
  gboolean   crosshair;
  double     crosshair_lps[3];
  float      overlay_scale;
};

static void
model_free (gpointer data)
{
  Model *model = data;

  g_clear_pointer (&model->mesh, osp_mesh_unref);
  g_array_unref (model->segments);
  g_free (model);
}

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

OspSliceRenderer *
osp_slice_renderer_new (OspSliceTextures  *textures,
                        GError           **error)
{
  OspSliceRenderer *renderer;
  const char *gl_version;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!epoxy_is_desktop_gl () || epoxy_gl_version () < 33)
    {
      gl_version = (const char *) glGetString (GL_VERSION);
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("Osteoplan needs OpenGL 3.3 or newer, but the graphics driver offers %s"),
                   gl_version != NULL ? gl_version : _("no OpenGL"));
      return NULL;
    }

  renderer = g_new0 (OspSliceRenderer, 1);
  /* Textures of another share group are no textures here: then keep a private set. */
  if (textures != NULL && textures->slabs->len > 0
      && !glIsTexture (g_array_index (textures->slabs, Slab, 0).texture))
    textures = NULL;
  renderer->textures = textures != NULL ? osp_slice_textures_ref (textures)
                                        : osp_slice_textures_new ();
  renderer->models = g_ptr_array_new_with_free_func (model_free);
  renderer->next_id = 1;
  renderer->planes = g_array_new (FALSE, FALSE, sizeof (OspPlane));
  renderer->plane_colors = g_array_new (FALSE, FALSE, sizeof (float));
  renderer->marks = g_array_new (FALSE, FALSE, sizeof (double));
  renderer->mark_colors = g_array_new (FALSE, FALSE, sizeof (float));
  renderer->overlay_scale = 1.0f;
  renderer->threshold = 250.0;
  renderer->outline_rgb[0] = 1.0f, renderer->outline_rgb[1] = 0.85f;
  renderer->outline_rgb[2] = 0.2f;

  renderer->slice_program = link_program ("slice.vert", "slice.frag", error);
  if (renderer->slice_program == 0)
    goto fail;
#define U(name) renderer->name = glGetUniformLocation (renderer->slice_program, #name)
  U (u_viewport);
  U (u_center);
  U (u_right);
  U (u_up);
  U (u_lps_to_index);
  U (u_dims);
  U (u_slab);
  U (u_volume);
  U (u_window);
  U (u_outline);
  U (u_threshold);
  U (u_outline_color);
  U (u_mask);
  U (u_mask_texture);
  U (u_lps_to_mask);
  U (u_mask_dims);
  U (u_mask_color);
#undef U
  renderer->overlay_program = link_program ("overlay.vert", "overlay.frag", error);
  if (renderer->overlay_program == 0)
    goto fail;
  renderer->u_overlay_viewport = glGetUniformLocation (renderer->overlay_program,
                                                       "u_viewport");

  glGenVertexArrays (1, &renderer->empty_vao);
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
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  return renderer;

fail:
  osp_slice_renderer_free (renderer);
  return NULL;
}

void
osp_slice_renderer_free (OspSliceRenderer *renderer)
{
  if (renderer == NULL)
    return;
  if (renderer->slice_program != 0)
    glDeleteProgram (renderer->slice_program);
  if (renderer->overlay_program != 0)
    glDeleteProgram (renderer->overlay_program);
  if (renderer->empty_vao != 0)
    glDeleteVertexArrays (1, &renderer->empty_vao);
  if (renderer->overlay_vao != 0)
    glDeleteVertexArrays (1, &renderer->overlay_vao);
  if (renderer->overlay_vbo != 0)
    glDeleteBuffers (1, &renderer->overlay_vbo);
  if (renderer->fbo != 0)
    glDeleteFramebuffers (1, &renderer->fbo);
  if (renderer->fbo_color != 0)
    glDeleteRenderbuffers (1, &renderer->fbo_color);
  /* The last user deletes the textures while its context is current. */
  osp_slice_textures_unref_gl (renderer->textures);
  g_clear_pointer (&renderer->volume, osp_volume_unref);
  g_ptr_array_unref (renderer->models);
  g_array_unref (renderer->planes);
  g_array_unref (renderer->plane_colors);
  g_array_unref (renderer->marks);
  g_array_unref (renderer->mark_colors);
  g_free (renderer);
}

void
osp_slice_renderer_set_volume (OspSliceRenderer *renderer,
                               OspVolume        *volume)
{
  g_return_if_fail (renderer != NULL);

  if (volume != NULL)
    osp_volume_ref (volume);
  g_clear_pointer (&renderer->volume, osp_volume_unref);
  renderer->volume = volume;
}

OspVolume *
osp_slice_renderer_get_volume (OspSliceRenderer *renderer)
{
  g_return_val_if_fail (renderer != NULL, NULL);
  return renderer->volume;
}

void
osp_slice_renderer_set_mask (OspSliceRenderer *renderer,
                             const guint8     *voxels,
                             const guint32     dims[3],
                             const float      *index_to_lps,
                             const float       rgba[4])
{
  OspSliceTextures *t;

  g_return_if_fail (renderer != NULL);

  t = renderer->textures;
  renderer->show_mask = voxels != NULL;
  if (voxels == NULL)
    return;
  g_return_if_fail (dims != NULL && index_to_lps != NULL && rgba != NULL);
  memcpy (renderer->mask_rgba, rgba, sizeof renderer->mask_rgba);
  if (t->mask_voxels != voxels || memcmp (t->mask_dims, dims, sizeof t->mask_dims) != 0)
    {
      t->mask_voxels = voxels;
      t->mask_uploaded = NULL;
      memcpy (t->mask_dims, dims, sizeof t->mask_dims);
    }
  memcpy (t->mask_index_to_lps, index_to_lps, sizeof t->mask_index_to_lps);
}

void
osp_slice_renderer_update_mask (OspSliceRenderer *renderer,
                                const guint32     min[3],
                                const guint32     max[3])
{
  OspSliceTextures *t;

  g_return_if_fail (renderer != NULL && min != NULL && max != NULL);

  t = renderer->textures;
  if (t->mask_voxels == NULL)
    return;
  for (int a = 0; a < 3; a++)
    {
      guint32 lo = MIN (min[a], t->mask_dims[a] - 1), hi = MIN (max[a], t->mask_dims[a] - 1);

      if (lo > hi)
        return;
      if (t->mask_dirty)
        lo = MIN (lo, t->dirty_min[a]), hi = MAX (hi, t->dirty_max[a]);
      t->dirty_min[a] = lo, t->dirty_max[a] = hi;
    }
  t->mask_dirty = TRUE;
}

void
osp_slice_renderer_set_outline (OspSliceRenderer *renderer,
                                gboolean          show,
                                double            threshold,
                                const float       rgb[3])
{
  g_return_if_fail (renderer != NULL);

  renderer->outline = show;
  renderer->threshold = threshold;
  if (rgb != NULL)
    memcpy (renderer->outline_rgb, rgb, sizeof renderer->outline_rgb);
}

static Model *
find_model (OspSliceRenderer *renderer, guint id)
{
  for (guint m = 0; m < renderer->models->len; m++)
    {
      Model *model = g_ptr_array_index (renderer->models, m);

      if (model->id == id)
        return model;
    }
  return NULL;
}

guint
osp_slice_renderer_add_model (OspSliceRenderer *renderer,
                              OspMesh          *mesh)
{
  Model *model;

  g_return_val_if_fail (renderer != NULL && mesh != NULL, 0);

  model = g_new0 (Model, 1);
  model->id = renderer->next_id++;
  model->mesh = osp_mesh_ref (mesh);
  model->visible = TRUE;
  model->color[0] = 0.89f, model->color[1] = 0.85f, model->color[2] = 0.76f;
  model->segments = g_array_new (FALSE, FALSE, sizeof (float));
  g_ptr_array_add (renderer->models, model);
  return model->id;
}

void
osp_slice_renderer_remove_model (OspSliceRenderer *renderer,
                                 guint             id)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    g_ptr_array_remove (renderer->models, model);
}

void
osp_slice_renderer_clear_models (OspSliceRenderer *renderer)
{
  g_return_if_fail (renderer != NULL);
  g_ptr_array_set_size (renderer->models, 0);
}

void
osp_slice_renderer_set_model_mesh (OspSliceRenderer *renderer,
                                   guint             id,
                                   OspMesh          *mesh)
{
  Model *model;

  g_return_if_fail (renderer != NULL && mesh != NULL);

  model = find_model (renderer, id);
  if (model == NULL || model->mesh == mesh)
    return;
  osp_mesh_ref (mesh);
  osp_mesh_unref (model->mesh);
  model->mesh = mesh;
  model->cache_valid = FALSE;
}

void
osp_slice_renderer_set_model_color (OspSliceRenderer *renderer,
                                    guint             id,
                                    const float       rgb[3])
{
  Model *model;

  g_return_if_fail (renderer != NULL && rgb != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    memcpy (model->color, rgb, sizeof model->color);
}

void
osp_slice_renderer_set_model_visible (OspSliceRenderer *renderer,
                                      guint             id,
                                      gboolean          visible)
{
  Model *model;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model != NULL)
    model->visible = visible;
}

void
osp_slice_renderer_set_model_transform (OspSliceRenderer *renderer,
                                        guint             id,
                                        const float      *matrix16)
{
  Model *model;
  gboolean has = matrix16 != NULL;

  g_return_if_fail (renderer != NULL);

  model = find_model (renderer, id);
  if (model == NULL)
    return;
  if (has == model->has_transform
      && (!has || memcmp (model->transform, matrix16, sizeof model->transform) == 0))
    return;
  model->has_transform = has;
  if (has)
    memcpy (model->transform, matrix16, sizeof model->transform);
  model->cache_valid = FALSE;
}

void
osp_slice_renderer_set_planes (OspSliceRenderer *renderer,
                               const OspPlane   *planes,
                               const float      *rgb,
                               guint             n_planes)
{
  g_return_if_fail (renderer != NULL);
  g_return_if_fail (n_planes == 0 || (planes != NULL && rgb != NULL));

  g_array_set_size (renderer->planes, 0);
  g_array_set_size (renderer->plane_colors, 0);
  g_array_append_vals (renderer->planes, planes, n_planes);
  g_array_append_vals (renderer->plane_colors, rgb, 3 * n_planes);
}

void
osp_slice_renderer_set_marks (OspSliceRenderer *renderer,
                              const double     *points,
                              const float      *rgb,
                              guint             n_points)
{
  g_return_if_fail (renderer != NULL);
  g_return_if_fail (n_points == 0 || (points != NULL && rgb != NULL));

  g_array_set_size (renderer->marks, 0);
  g_array_set_size (renderer->mark_colors, 0);
  g_array_append_vals (renderer->marks, points, 3 * n_points);
  g_array_append_vals (renderer->mark_colors, rgb, 3 * n_points);
}

void
osp_slice_renderer_set_crosshair (OspSliceRenderer *renderer,
                                  const double     *lps)
{
  g_return_if_fail (renderer != NULL);

  renderer->crosshair = lps != NULL;
  if (lps != NULL)
    memcpy (renderer->crosshair_lps, lps, sizeof renderer->crosshair_lps);
}

void
osp_slice_renderer_set_overlay_scale (OspSliceRenderer *renderer,
                                      float             scale)
{
  g_return_if_fail (renderer != NULL);
  renderer->overlay_scale = scale > 0.0f ? scale : 1.0f;
}

/* -- Drawing ------------------------------------------------------------------------------- */

static gboolean
draw_volume (OspSliceRenderer *renderer, const OspSliceCamera *view, int width, int height,
             GError **error)
{
  OspSliceTextures *t = renderer->textures;
  double right[3], up[3], normal[3];
  guint32 dims[3];
  mat4 index_to_lps, lps_to_index;

  if (!osp_slice_textures_ensure_volume (&renderer->textures, renderer->volume, error))
    return FALSE;
  t = renderer->textures;
  if (renderer->show_mask && t->mask_voxels != NULL)
    textures_upload_mask (t);

  osp_slice_axis_frame (view->axis, right, up, normal);
  osp_volume_get_dims (renderer->volume, dims);
  osp_volume_get_index_to_lps (renderer->volume, index_to_lps);
  glm_mat4_inv (index_to_lps, lps_to_index);

  glUseProgram (renderer->slice_program);
  glUniform2f (renderer->u_viewport, (float) width, (float) height);
  glUniform3f (renderer->u_center, (float) view->center[0], (float) view->center[1],
               (float) view->center[2]);
  glUniform3f (renderer->u_right, (float) (right[0] * view->mm_per_pixel),
               (float) (right[1] * view->mm_per_pixel), (float) (right[2] * view->mm_per_pixel));
  glUniform3f (renderer->u_up, (float) (up[0] * view->mm_per_pixel),
               (float) (up[1] * view->mm_per_pixel), (float) (up[2] * view->mm_per_pixel));
  glUniformMatrix4fv (renderer->u_lps_to_index, 1, GL_FALSE, (const float *) lps_to_index);
  glUniform3f (renderer->u_dims, (float) dims[0], (float) dims[1], (float) dims[2]);
  glUniform2f (renderer->u_window, (float) (view->level - 0.5 * view->window),
               (float) MAX (view->window, 1.0));
  glUniform1i (renderer->u_outline, renderer->outline);
  glUniform1f (renderer->u_threshold, (float) renderer->threshold);
  glUniform3fv (renderer->u_outline_color, 1, renderer->outline_rgb);
  glUniform1i (renderer->u_volume, 0);
  glUniform1i (renderer->u_mask_texture, 1);
  glUniform1i (renderer->u_mask, renderer->show_mask && t->mask_uploaded != NULL);
  if (renderer->show_mask && t->mask_uploaded != NULL)
    {
      mat4 lps_to_mask;

      glm_mat4_inv (t->mask_index_to_lps, lps_to_mask);
      glUniformMatrix4fv (renderer->u_lps_to_mask, 1, GL_FALSE, (const float *) lps_to_mask);
      glUniform3f (renderer->u_mask_dims, (float) t->mask_dims[0], (float) t->mask_dims[1],
                   (float) t->mask_dims[2]);
      glUniform4fv (renderer->u_mask_color, 1, renderer->mask_rgba);
      glActiveTexture (GL_TEXTURE1);
      glBindTexture (GL_TEXTURE_3D, t->mask_texture);
    }
  glActiveTexture (GL_TEXTURE0);
  glBindVertexArray (renderer->empty_vao);
  for (guint s = 0; s < t->slabs->len; s++)
    {
      const Slab *slab = &g_array_index (t->slabs, Slab, s);

      glBindTexture (GL_TEXTURE_3D, slab->texture);
      glUniform4f (renderer->u_slab, (float) slab->k0, (float) slab->depth, slab->lo, slab->hi);
      glDrawArrays (GL_TRIANGLES, 0, 3);
    }
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE0);
  return TRUE;
}

/* Half the slice thickness within which points count as on the slice. */
static double
slice_tolerance (OspSliceRenderer *renderer)
{
  double spacing[3];

  if (renderer->volume == NULL)
    return 1.0;
  osp_volume_get_spacing (renderer->volume, spacing);
  return MAX (0.5 * MAX (spacing[0], MAX (spacing[1], spacing[2])), 1.0);
}

static void
build_overlays (OspSliceRenderer *renderer, const OspSliceCamera *view, int width, int height,
                GArray *vertices)
{
  double right[3], up[3], normal[3], d;
  float s = renderer->overlay_scale;
  int n = osp_slice_axis_normal_index (view->axis);
  const char *letters[4];

  osp_slice_axis_frame (view->axis, right, up, normal);
  d = view->center[n];

  /* Model contours. */
  for (guint m = 0; m < renderer->models->len; m++)
    {
      Model *model = g_ptr_array_index (renderer->models, m);
      float rgba[4] = { model->color[0], model->color[1], model->color[2], 1.0f };

      if (!model->visible)
        continue;
      if (!model->cache_valid || model->cache_d != d
          || memcmp (model->cache_normal, normal, sizeof normal) != 0)
        {
          g_array_set_size (model->segments, 0);
          osp_mesh_plane_segments (model->mesh, model->has_transform ? model->transform : NULL,
                                   normal, d, model->segments);
          memcpy (model->cache_normal, normal, sizeof normal);
          model->cache_d = d;
          model->cache_valid = TRUE;
        }
      for (guint i = 0; i + 5 < model->segments->len; i += 6)
        {
          const float *seg = &g_array_index (model->segments, float, i);
          double a[3] = { seg[0], seg[1], seg[2] }, b[3] = { seg[3], seg[4], seg[5] };
          double ax, ay, bx, by;

          osp_slice_camera_lps_to_pixel (view, width, height, a, &ax, &ay);
          osp_slice_camera_lps_to_pixel (view, width, height, b, &bx, &by);
          osp_overlay_line (vertices, (float) ax, (float) ay, (float) bx, (float) by,
                            2.0f * s, rgba);
        }
    }

  /* Planes: n·p = d along the picture, a x + b y + c = 0 in pixels. */
  for (guint p = 0; p < renderer->planes->len; p++)
    {
      const OspPlane *plane = &g_array_index (renderer->planes, OspPlane, p);
      const float *rgb = &g_array_index (renderer->plane_colors, float, 3 * p);
      float rgba[4] = { rgb[0], rgb[1], rgb[2], 1.0f };
      double nr = 0.0, nu = 0.0, nc = 0.0, a, b, c, len;

      for (int k = 0; k < 3; k++)
        {
          nr += plane->normal[k] * right[k];
          nu += plane->normal[k] * up[k];
          nc += plane->normal[k] * view->center[k];
        }
      len = sqrt (plane->normal[0] * plane->normal[0] + plane->normal[1] * plane->normal[1]
                  + plane->normal[2] * plane->normal[2]);
      if (!(len > 0.0) || hypot (nr, nu) < 1e-6 * len)
        continue;  /* parallel to the slice */
      a = view->mm_per_pixel * nr;
      b = -view->mm_per_pixel * nu;
      c = nc - plane->d - 0.5 * width * a - 0.5 * height * b;
      if (fabs (b) > fabs (a))
        osp_overlay_line (vertices, 0.0f, (float) (-c / b), (float) width,
                          (float) (-(a * width + c) / b), 2.0f * s, rgba);
      else
        osp_overlay_line (vertices, (float) (-c / a), 0.0f, (float) (-(b * height + c) / a),
                          (float) height, 2.0f * s, rgba);
    }

  /* Marks near the slice. */
  for (guint i = 0; i < renderer->marks->len / 3; i++)
    {
      const double *p = &g_array_index (renderer->marks, double, 3 * i);
      const float *rgb = &g_array_index (renderer->mark_colors, float, 3 * i);
      float rgba[4] = { rgb[0], rgb[1], rgb[2], 1.0f };
      double x, y, r = 7.0 * s;

      if (fabs (p[n] - d) > MAX (slice_tolerance (renderer), 2.0))
        continue;
      osp_slice_camera_lps_to_pixel (view, width, height, p, &x, &y);
      for (int k = 0; k < 16; k++)
        {
          double t0 = 2.0 * G_PI * k / 16, t1 = 2.0 * G_PI * (k + 1) / 16;

          osp_overlay_line (vertices, (float) (x + r * cos (t0)), (float) (y + r * sin (t0)),
                            (float) (x + r * cos (t1)), (float) (y + r * sin (t1)), 2.0f * s,
                            rgba);
        }
    }

  /* Crosshair, with a gap around the point. */
  if (renderer->crosshair)
    {
      static const float color[4] = { 0.3f, 0.85f, 1.0f, 0.8f };
      double x, y;
      float gap = 8.0f * s;

      osp_slice_camera_lps_to_pixel (view, width, height, renderer->crosshair_lps, &x, &y);
      osp_overlay_line (vertices, 0.0f, (float) y, (float) x - gap, (float) y, s, color);
      osp_overlay_line (vertices, (float) x + gap, (float) y, (float) width, (float) y, s, color);
      osp_overlay_line (vertices, (float) x, 0.0f, (float) x, (float) y - gap, s, color);
      osp_overlay_line (vertices, (float) x, (float) y + gap, (float) x, (float) height, s,
                        color);
    }

  /* Orientation letters at the middle of each edge. */
  {
    static const float color[4] = { 1.0f, 0.8f, 0.25f, 1.0f };
    float h = 14.0f * s, m = 12.0f * s;

    osp_slice_axis_letters (view->axis, &letters[0], &letters[1], &letters[2], &letters[3]);
    osp_overlay_text (vertices, letters[0], m, 0.5f * height, h, color);
    osp_overlay_text (vertices, letters[1], width - m, 0.5f * height, h, color);
    osp_overlay_text (vertices, letters[2], 0.5f * width, m + 2.0f * s, h, color);
    osp_overlay_text (vertices, letters[3], 0.5f * width, height - m - 2.0f * s, h, color);
  }
}

gboolean
osp_slice_renderer_draw (OspSliceRenderer   *renderer,
                         const OspSliceCamera *view,
                         int                 width,
                         int                 height,
                         GError            **error)
{
  g_autoptr(GArray) vertices = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (renderer != NULL && view != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (view->mm_per_pixel > 0.0, FALSE);

  glViewport (0, 0, width, height);
  glDisable (GL_DEPTH_TEST);
  glDisable (GL_CULL_FACE);
  glDisable (GL_BLEND);
  glClearColor (0.0f, 0.0f, 0.0f, 1.0f);
  glClear (GL_COLOR_BUFFER_BIT);

  if (renderer->volume != NULL)
    ok = draw_volume (renderer, view, width, height, error);

  vertices = g_array_new (FALSE, FALSE, sizeof (OspOverlayVertex));
  build_overlays (renderer, view, width, height, vertices);
  if (vertices->len > 0)
    {
      glEnable (GL_BLEND);
      glBlendFunc (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
      glUseProgram (renderer->overlay_program);
      glUniform2f (renderer->u_overlay_viewport, (float) width, (float) height);
      glBindVertexArray (renderer->overlay_vao);
      glBindBuffer (GL_ARRAY_BUFFER, renderer->overlay_vbo);
      glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) (vertices->len * sizeof (OspOverlayVertex)),
                    vertices->data, GL_STREAM_DRAW);
      glDrawArrays (GL_TRIANGLES, 0, (GLsizei) vertices->len);
      glBindBuffer (GL_ARRAY_BUFFER, 0);
      glDisable (GL_BLEND);
    }
  glBindVertexArray (0);
  glUseProgram (0);
  return ok;
}

gboolean
osp_slice_renderer_draw_to_rgba (OspSliceRenderer   *renderer,
                                 const OspSliceCamera *view,
                                 int                 width,
                                 int                 height,
                                 guint8             *out_rgba,
                                 GError            **error)
{
  gboolean ok;

  g_return_val_if_fail (renderer != NULL && view != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);

  if (renderer->fbo == 0 || renderer->fbo_width != width || renderer->fbo_height != height)
    {
      if (renderer->fbo == 0)
        {
          glGenFramebuffers (1, &renderer->fbo);
          glGenRenderbuffers (1, &renderer->fbo_color);
        }
      glBindRenderbuffer (GL_RENDERBUFFER, renderer->fbo_color);
      glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
      glBindFramebuffer (GL_FRAMEBUFFER, renderer->fbo);
      glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                                 renderer->fbo_color);
      if (glCheckFramebufferStatus (GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
        {
          glBindFramebuffer (GL_FRAMEBUFFER, 0);
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                       _("No framebuffer of %d × %d pixels can be made."), width, height);
          return FALSE;
        }
      renderer->fbo_width = width;
      renderer->fbo_height = height;
    }
  glBindFramebuffer (GL_FRAMEBUFFER, renderer->fbo);
  ok = osp_slice_renderer_draw (renderer, view, width, height, error);
  if (out_rgba != NULL)
    {
      g_autofree guint8 *row = g_malloc ((gsize) width * 4);

      glPixelStorei (GL_PACK_ALIGNMENT, 1);
      glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, out_rgba);
      for (int y = 0; y < height / 2; y++)
        {
          guint8 *a = out_rgba + (gsize) y * width * 4;
          guint8 *b = out_rgba + (gsize) (height - 1 - y) * width * 4;

          memcpy (row, a, (gsize) width * 4);
          memcpy (a, b, (gsize) width * 4);
          memcpy (b, row, (gsize) width * 4);
        }
    }
  else
    glFinish ();
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  return ok;
}
