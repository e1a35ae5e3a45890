/* osp-offscreen.h — an OpenGL context without a display, and PNG files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For osteoplan-cli render, thumbnails and the render tests.  The context is an EGL OpenGL
 * 3.3 core context without a surface, on Mesa's surfaceless platform
 * (EGL_MESA_platform_surfaceless) or, failing that, the default display; render into it with
 * osp_renderer_draw_to_rgba().  Works with llvmpipe on a machine without a display.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _OspOffscreen OspOffscreen;

/* Creates the context and makes it current on the calling thread.  Fails with OSP_ERROR when
 * no EGL display, no OpenGL 3.3 core context or no surfaceless support can be had (tests
 * then skip). */
OspOffscreen *osp_offscreen_new          (GError           **error);
/* Releases the context (free renderers made in it first).  NULL is ignored. */
void          osp_offscreen_free         (OspOffscreen      *offscreen);
/* Makes the context current on the calling thread. */
gboolean      osp_offscreen_make_current (OspOffscreen      *offscreen,
                                          GError           **error);

/* Writes 8-bit RGBA pixels (top row first) as a PNG, atomically. */
gboolean      osp_png_save               (const char        *path,
                                          const guint8      *rgba,
                                          int                width,
                                          int                height,
                                          GError           **error);
/* Reads a PNG into 8-bit RGBA (top row first); free with g_free. */
guint8       *osp_png_load               (const char        *path,
                                          int               *out_width,
                                          int               *out_height,
                                          GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspOffscreen, osp_offscreen_free)

G_END_DECLS
