/* osp-slice-renderer-private.h — the CT's 3D textures, for the other renderers of app/render
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The 3D view draws the slice planes inside its scene from the same GPU copy of the CT as the
 * slice views (one upload for the window), through these.
 */
#pragma once

#include <epoxy/gl.h>

#include "osp-slice-renderer.h"

G_BEGIN_DECLS

/* One 3D texture: k planes [k0, k0 + depth) of the volume, drawing the k range [lo, hi). */
typedef struct
{
  GLuint  texture;
  guint32 k0;       /* first k plane stored */
  guint32 depth;    /* k planes stored (with one overlap plane to the next slab) */
  float   lo, hi;   /* the continuous k range this slab draws */
} OspSliceSlab;

/* Makes *textures hold `volume` on the GPU (a context of its share group current): uploads
 * only when it holds another volume; replaces *textures by a private set when its textures
 * belong to a context that shares nothing with the current one.  FALSE with an error when the
 * volume does not fit (remembered: no new try every frame). */
gboolean            osp_slice_textures_ensure_volume (OspSliceTextures **textures,
                                                      OspVolume         *volume,
                                                      GError           **error);
guint               osp_slice_textures_get_n_slabs   (OspSliceTextures  *textures);
const OspSliceSlab *osp_slice_textures_get_slab      (OspSliceTextures  *textures,
                                                      guint              index);
/* Volumes uploaded so far (tests: the 3D view and the slice views share one upload). */
guint               osp_slice_textures_get_n_uploads (OspSliceTextures  *textures);
/* Drops a reference; the last one also deletes the GL names (the context current). */
void                osp_slice_textures_unref_gl      (OspSliceTextures  *textures);

G_END_DECLS
