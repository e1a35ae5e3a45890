/* osp-cli-bench-render.c — osteoplan-cli bench render [OPTION…]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Frames per second offscreen for tori of 100 k, 1 M and 4 M triangles, GPU memory per
 * triangle, and the time to the demo's first offscreen frame.  Prints figures; asserts
 * nothing about time.
 */
#include "config.h"

#include <epoxy/gl.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-offscreen.h"
#include "osp-phantom.h"
#include "osp-renderer.h"
#include "osp-segment.h"

/* A torus round z with nu × nv quads (2 nu nv triangles), R = 60 mm, r = 20 mm. */
static OspMesh *
make_torus (guint nu, guint nv)
{
  gsize nvert = (gsize) nu * nv;
  float *p = g_new (float, 3 * nvert);
  guint32 *t = g_new (guint32, 6 * nvert);

  for (guint i = 0; i < nu; i++)
    for (guint j = 0; j < nv; j++)
      {
        double u = 2 * G_PI * i / nu, v = 2 * G_PI * j / nv, rho = 60 + 20 * cos (v);
        float *q = p + 3 * ((gsize) i * nv + j);
        guint32 *tri = t + 6 * ((gsize) i * nv + j);
        guint32 a = i * nv + j, b = ((i + 1) % nu) * nv + j;
        guint32 c = ((i + 1) % nu) * nv + (j + 1) % nv, d = i * nv + (j + 1) % nv;

        q[0] = (float) (rho * cos (u));
        q[1] = (float) (rho * sin (u));
        q[2] = (float) (20 * sin (v));
        tri[0] = a, tri[1] = b, tri[2] = c;
        tri[3] = a, tri[4] = c, tri[5] = d;
      }
  return osp_mesh_new_take (p, (guint32) nvert, t, (guint32) (2 * nvert));
}

typedef struct
{
  double  fps, gpu_bytes_per_triangle, upload_s;
  guint64 drawn;  /* triangles drawn per frame */
} Figures;

static gboolean
time_frames (OspRenderer *renderer, OspMesh *mesh, int width, int height, int frames,
             GLuint fbo, Figures *out, GError **error)
{
  OspRenderModelId id = osp_renderer_add_model (renderer, mesh);
  OspRenderStats stats;
  OspCamera camera;
  OspBox bounds;
  double t0;

  osp_camera_init (&camera);
  osp_camera_set_viewport (&camera, width, height);
  osp_camera_set_view (&camera, OSP_VIEW_ANTERIOR);
  osp_camera_orbit (&camera, width / 2.0, height / 2.0, width / 2.0, height / 2.0 - 80);
  osp_renderer_get_bounds (renderer, &bounds);
  osp_camera_fit_box (&camera, &bounds);

  /* The first frame uploads. */
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  t0 = osp_cli_now ();
  if (!osp_renderer_draw (renderer, &camera, width, height, error))
    return FALSE;
  glFinish ();
  out->upload_s = osp_cli_now () - t0;

  t0 = osp_cli_now ();
  for (int i = 0; i < frames; i++)
    {
      /* Turn a little each frame, as a user orbiting would. */
      osp_camera_orbit (&camera, width / 2.0, height / 2.0, width / 2.0 + 4, height / 2.0);
      glBindFramebuffer (GL_FRAMEBUFFER, fbo);
      if (!osp_renderer_draw (renderer, &camera, width, height, error))
        return FALSE;
    }
  glFinish ();
  out->fps = frames / (osp_cli_now () - t0);
  osp_renderer_get_stats (renderer, &stats);
  out->gpu_bytes_per_triangle = (double) stats.gpu_bytes / MAX (stats.n_triangles, 1);
  out->drawn = stats.n_drawn_triangles;
  osp_renderer_remove_model (renderer, id);
  return TRUE;
}

int
osp_cli_bench_render (int    argc,
                      char **argv)
{
  g_auto(GStrv) sizes = NULL;
  int frames = 20, width = 1280, height = 800;
  gboolean skip_demo = FALSE;
  GOptionEntry entries[] = {
    { "triangles", 't', 0, G_OPTION_ARG_STRING_ARRAY, &sizes,
      N_("Torus sizes to draw (default 100000, 1000000 and 4000000; repeatable)"), N_("N") },
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames, N_("Frames timed per size (default 20)"),
      N_("N") },
    { "no-demo", 0, 0, G_OPTION_ARG_NONE, &skip_demo,
      N_("Skip the demo's time to first frame"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench render", NULL,
                         _("Frames per second offscreen at 1280 × 800 with and without 4× "
                           "multisampling, GPU memory per triangle, and the time from nothing "
                           "to the demo case’s first frame."),
                         entries);
  static const char *default_sizes[] = { "100000", "1000000", "4000000", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspOffscreen) offscreen = NULL;
  OspRenderer *renderer;
  GLuint fbo = 0, color = 0;
  int status = 0;
  double t_start = osp_cli_now ();

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (frames < 1 || frames > 100000)
    return osp_cli_failf (_("bench render: --frames must be 1 to 100000"));

  offscreen = osp_offscreen_new (&error);
  if (offscreen == NULL)
    return osp_cli_fail (error);
  renderer = osp_renderer_new (&error);
  if (renderer == NULL)
    return osp_cli_fail (error);
  printf ("%s\n", osp_renderer_get_gl_description (renderer));
  printf (_("%d × %d pixels, %d frames per size\n"), width, height, frames);

  /* A plain target, as a GtkGLArea's framebuffer would be. */
  glGenFramebuffers (1, &fbo);
  glGenRenderbuffers (1, &color);
  glBindRenderbuffer (GL_RENDERBUFFER, color);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color);

  /* The demo: phantom, surface, upload, first frame, all from nothing. */
  if (!skip_demo)
    {
      OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
      OspSegmentOptions segment = OSP_SEGMENT_OPTIONS_INIT;
      g_autoptr(OspVolume) volume = NULL;
      g_autoptr(OspMesh) mesh = NULL;
      Figures figures;
      double t0 = osp_cli_now (), t_mesh;

      volume = osp_phantom_generate (&options, NULL, NULL, &error);
      if (volume != NULL)
        mesh = osp_segment_volume (volume, &segment, NULL, NULL, NULL, &error);
      if (mesh == NULL)
        return osp_cli_fail (error);
      t_mesh = osp_cli_now () - t0;
      if (!time_frames (renderer, mesh, width, height, MIN (frames, 10), fbo, &figures, &error))
        return osp_cli_fail (error);
      printf (_("demo: %u triangles; phantom + surface %.2f s, first frame %.3f s "
                "(%.2f s since start), then %.1f fps\n"),
              osp_mesh_get_n_triangles (mesh), t_mesh, figures.upload_s,
              osp_cli_now () - t_start, figures.fps);
    }

  printf (_("fps of still frames (4× multisampling and levels of detail, the default), while "
            "moving (no multisampling, the coarse proxy), without multisampling, and without "
            "either (every triangle drawn)\n"));
  printf ("%10s %9s %10s %10s %10s %10s %11s %9s\n", _("triangles"), _("upload s"),
          _("fps still"), _("fps moving"), _("fps no AA"), _("fps full"), _("drawn/frame"),
          _("GPU B/tri"));
  for (const char *const *s = sizes != NULL ? (const char *const *) sizes : default_sizes;
       *s != NULL; s++)
    {
      gint64 n = g_ascii_strtoll (*s, NULL, 10);
      g_autoptr(OspMesh) mesh = NULL;
      Figures msaa, moving, plain, full;
      guint nv;

      if (n < 100 || n > 50000000)
        return osp_cli_failf (_("bench render: %s triangles is out of range (100 to 50000000)"),
                              *s);
      /* 2 nu nv = n with nu = 2 nv. */
      nv = (guint) MAX (4, lround (sqrt (n / 4.0)));
      mesh = make_torus (2 * nv, nv);
      osp_renderer_set_lod (renderer, TRUE);
      osp_renderer_set_samples (renderer, 4);
      if (!time_frames (renderer, mesh, width, height, frames, fbo, &msaa, &error))
        return osp_cli_fail (error);
      osp_renderer_set_moving (renderer, TRUE);
      if (!time_frames (renderer, mesh, width, height, frames, fbo, &moving, &error))
        return osp_cli_fail (error);
      osp_renderer_set_moving (renderer, FALSE);
      osp_renderer_set_samples (renderer, 1);
      if (!time_frames (renderer, mesh, width, height, frames, fbo, &plain, &error))
        return osp_cli_fail (error);
      osp_renderer_set_lod (renderer, FALSE);
      if (!time_frames (renderer, mesh, width, height, frames, fbo, &full, &error))
        return osp_cli_fail (error);
      printf ("%10u %9.3f %10.1f %10.1f %10.1f %10.1f %11" G_GUINT64_FORMAT " %9.2f\n",
              osp_mesh_get_n_triangles (mesh), msaa.upload_s, msaa.fps, moving.fps, plain.fps,
              full.fps, moving.drawn, msaa.gpu_bytes_per_triangle);
      fflush (stdout);
    }

  glDeleteFramebuffers (1, &fbo);
  glDeleteRenderbuffers (1, &color);
  osp_renderer_free (renderer);
  return 0;
}
