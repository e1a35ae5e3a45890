/* osp-offscreen.c — an EGL context without a display, and PNG files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-offscreen.h"

#include <dlfcn.h>
#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <glib/gi18n-lib.h>
#include <png.h>
#include <string.h>

#include "osp-atomic-file.h"
#include "osp-error.h"

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

struct _OspOffscreen
{
  EGLDisplay display;
  EGLContext context;
};

static const char *
egl_error_string (EGLint code)
{
  switch (code)
    {
    case EGL_SUCCESS: return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    default: return "EGL error";
    }
}

static EGLDisplay
open_display (void)
{
  EGLDisplay display = EGL_NO_DISPLAY;

  /* Surfaceless first: it needs neither X nor Wayland nor a GPU device node. */
  if (epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless") &&
      epoxy_has_egl_extension (EGL_NO_DISPLAY, "EGL_EXT_platform_base"))
    {
      display = eglGetPlatformDisplayEXT (EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY,
                                          NULL);
      if (display != EGL_NO_DISPLAY && !eglInitialize (display, NULL, NULL))
        display = EGL_NO_DISPLAY;
    }
  if (display == EGL_NO_DISPLAY)
    {
      display = eglGetDisplay (EGL_DEFAULT_DISPLAY);
      if (display != EGL_NO_DISPLAY && !eglInitialize (display, NULL, NULL))
        display = EGL_NO_DISPLAY;
    }
  return display;
}

OspOffscreen *
osp_offscreen_new (GError **error)
{
  g_autofree OspOffscreen *offscreen = NULL;
  EGLConfig config = NULL;
  static const EGLint config_attribs[] = {
    EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT,
    EGL_NONE,
  };
  static const EGLint context_attribs[] = {
    EGL_CONTEXT_MAJOR_VERSION, 3,
    EGL_CONTEXT_MINOR_VERSION, 3,
    EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
    EGL_NONE,
  };
  EGLint n_configs = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* libepoxy aborts the process when it cannot load libEGL: look first. */
  {
    void *egl = dlopen ("libEGL.so.1", RTLD_LAZY | RTLD_LOCAL);

    if (egl == NULL)
      {
        g_set_error_literal (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                             _("No EGL library (libEGL.so.1) is installed, so nothing can be "
                               "drawn without a window"));
        return NULL;
      }
    dlclose (egl);
  }

  offscreen = g_new0 (OspOffscreen, 1);
  offscreen->display = open_display ();
  if (offscreen->display == EGL_NO_DISPLAY)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("No EGL display is available for drawing without a window (%s)"),
                   egl_error_string (eglGetError ()));
      return NULL;
    }
  if (!epoxy_has_egl_extension (offscreen->display, "EGL_KHR_surfaceless_context"))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                           _("The EGL driver cannot draw without a surface "
                             "(EGL_KHR_surfaceless_context is missing)"));
      return NULL;
    }
  if (!eglBindAPI (EGL_OPENGL_API))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                           _("The EGL driver offers no desktop OpenGL"));
      return NULL;
    }
  if (!epoxy_has_egl_extension (offscreen->display, "EGL_KHR_no_config_context") &&
      (!eglChooseConfig (offscreen->display, config_attribs, &config, 1, &n_configs) ||
       n_configs < 1))
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                           _("The EGL driver has no configuration for desktop OpenGL"));
      return NULL;
    }
  offscreen->context = eglCreateContext (offscreen->display, config, EGL_NO_CONTEXT,
                                         context_attribs);
  if (offscreen->context == EGL_NO_CONTEXT)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("The EGL driver cannot make an OpenGL 3.3 core context (%s)"),
                   egl_error_string (eglGetError ()));
      return NULL;
    }
  if (!eglMakeCurrent (offscreen->display, EGL_NO_SURFACE, EGL_NO_SURFACE, offscreen->context))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("The OpenGL context cannot be made current (%s)"),
                   egl_error_string (eglGetError ()));
      eglDestroyContext (offscreen->display, offscreen->context);
      return NULL;
    }
  return g_steal_pointer (&offscreen);
}

gboolean
osp_offscreen_make_current (OspOffscreen  *offscreen,
                            GError       **error)
{
  g_return_val_if_fail (offscreen != NULL, FALSE);

  if (!eglMakeCurrent (offscreen->display, EGL_NO_SURFACE, EGL_NO_SURFACE, offscreen->context))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("The OpenGL context cannot be made current (%s)"),
                   egl_error_string (eglGetError ()));
      return FALSE;
    }
  return TRUE;
}

void
osp_offscreen_free (OspOffscreen *offscreen)
{
  if (offscreen == NULL)
    return;

  eglMakeCurrent (offscreen->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext (offscreen->display, offscreen->context);
  /* The display is one per process and other offscreens may share it: it stays initialised
   * (eglTerminate would pull it from under them). */
  eglReleaseThread ();
  g_free (offscreen);
}

/* -- PNG ----------------------------------------------------------------------------------- */

gboolean
osp_png_save (const char    *path,
              const guint8  *rgba,
              int            width,
              int            height,
              GError       **error)
{
  png_image image;
  png_alloc_size_t size = 0;
  g_autofree guint8 *buffer = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (rgba != NULL, FALSE);
  g_return_val_if_fail (width >= 1 && height >= 1, FALSE);

  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = (png_uint_32) width;
  image.height = (png_uint_32) height;
  image.format = PNG_FORMAT_RGBA;
  /* The first call measures, the second writes. */
  if (!png_image_write_to_memory (&image, NULL, &size, 0, rgba, 0, NULL))
    goto fail;
  buffer = g_malloc (size);
  if (!png_image_write_to_memory (&image, buffer, &size, 0, rgba, 0, NULL))
    goto fail;
  return osp_atomic_write_contents (path, buffer, size, error);

fail:
  {
    g_autofree char *name = osp_error_display_name (path);

    g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot encode the PNG: %s"), name,
                 image.message);
    png_image_free (&image);
    return FALSE;
  }
}

guint8 *
osp_png_load (const char  *path,
              int         *out_width,
              int         *out_height,
              GError     **error)
{
  png_image image;
  g_autofree guint8 *pixels = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (out_width != NULL && out_height != NULL, NULL);

  name = osp_error_display_name (path);
  memset (&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&image, path))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: cannot read the PNG: %s"), name,
                   image.message);
      png_image_free (&image);
      return NULL;
    }
  /* A picture beyond 16384 pixels a side is no image of ours. */
  if (image.width > 16384 || image.height > 16384)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: the PNG is %u × %u pixels"),
                   name, image.width, image.height);
      png_image_free (&image);
      return NULL;
    }
  image.format = PNG_FORMAT_RGBA;
  pixels = g_malloc (PNG_IMAGE_SIZE (image));
  if (!png_image_finish_read (&image, NULL, pixels, 0, NULL))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: cannot read the PNG: %s"), name,
                   image.message);
      png_image_free (&image);
      return NULL;
    }
  *out_width = (int) image.width;
  *out_height = (int) image.height;
  return g_steal_pointer (&pixels);
}
