/* osp-cli-render.c — osteoplan-cli render INPUT… -o shot.png [OPTION…]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renders meshes (or the demo phantom) offscreen, without a display, to a PNG.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "osp-cli-private.h"
#include "osp-mesh-io.h"
#include "osp-offscreen.h"
#include "osp-phantom.h"
#include "osp-renderer.h"
#include "osp-segment.h"

/* Bone first, then colours that tell models apart. */
static const float palette[][3] = {
  { 0.89f, 0.85f, 0.76f },
  { 0.40f, 0.62f, 0.90f },
  { 0.90f, 0.45f, 0.35f },
  { 0.45f, 0.80f, 0.50f },
  { 0.85f, 0.70f, 0.30f },
  { 0.70f, 0.50f, 0.85f },
};

static gboolean
parse_size (const char *text, int *out_width, int *out_height)
{
  char *end = NULL;
  gint64 w, h;

  w = g_ascii_strtoll (text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  h = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0')
    return FALSE;
  /* Large enough for print, small enough for any driver. */
  if (w < 16 || h < 16 || w > 8192 || h > 8192)
    return FALSE;
  *out_width = (int) w;
  *out_height = (int) h;
  return TRUE;
}

static gboolean
parse_plane (const char *text, OspPlane *out_plane)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  double v[4], len;

  if (g_strv_length (parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      char *end = NULL;

      v[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (v[i]))
        return FALSE;
    }
  len = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (!(len > 0))
    return FALSE;
  for (int k = 0; k < 3; k++)
    out_plane->normal[k] = (float) (v[k] / len);
  out_plane->d = (float) (v[3] / len);
  return TRUE;
}

static OspMesh *
make_demo (GError **error)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspSegmentOptions segment = OSP_SEGMENT_OPTIONS_INIT;
  g_autoptr(OspVolume) volume = osp_phantom_generate (&options, NULL, NULL, error);

  if (volume == NULL)
    return NULL;
  return osp_segment_volume (volume, &segment, NULL, NULL, NULL, error);
}

int
osp_cli_render (int    argc,
                char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *view_name = NULL;
  g_autofree char *size = NULL;
  g_autofree char *section = NULL;
  gboolean ortho = FALSE, demo = FALSE, wireframe = FALSE, no_overlays = FALSE;
  int samples = 4;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("The PNG to write"), N_("PATH") },
    { "view", 'v', 0, G_OPTION_ARG_STRING, &view_name,
      N_("anterior (default), posterior, left, right, superior or inferior"), N_("VIEW") },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, N_("Picture size (default 1280x800)"),
      N_("WxH") },
    { "ortho", 0, 0, G_OPTION_ARG_NONE, &ortho, N_("Orthographic projection"), NULL },
    { "section", 0, 0, G_OPTION_ARG_STRING, &section,
      N_("Cut away the side n·x > d of the plane (mm, LPS)"), N_("NX,NY,NZ,D") },
    { "wireframe", 0, 0, G_OPTION_ARG_NONE, &wireframe, N_("Draw the triangles’ edges"), NULL },
    { "no-overlays", 0, 0, G_OPTION_ARG_NONE, &no_overlays,
      N_("Leave out the orientation marker and the scale bar"), NULL },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples,
      N_("Multisampling: 1 (off), 2, 4 (default) or 8"), N_("N") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, N_("Render the demo case (the phantom)"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("render", _("INPUT… -o shot.png"),
                         _("Render meshes offscreen (no display needed) in an anatomical view, "
                           "fitted to the picture, with the orientation marker and a scale "
                           "bar."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autoptr(OspOffscreen) offscreen = NULL;
  g_autofree guint8 *rgba = NULL;
  OspRenderer *renderer;
  OspView view = OSP_VIEW_ANTERIOR;
  OspPlane plane;
  OspCamera camera;
  OspBox bounds;
  int width = 1280, height = 800, status = 0;
  double t0 = osp_cli_now (), t_load, t_draw;
  gboolean ok;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2 && !demo)
    return osp_cli_failf (_("render: give the meshes to render, or --demo (see --help)"));
  if (output == NULL)
    return osp_cli_failf (_("render: give the picture to write with -o shot.png"));
  if (view_name != NULL && !osp_view_from_name (view_name, &view))
    return osp_cli_failf (_("render: unknown view “%s”: use anterior, posterior, left, right, "
                            "superior or inferior"), view_name);
  if (size != NULL && !parse_size (size, &width, &height))
    return osp_cli_failf (_("render: “%s” is no size: use WIDTHxHEIGHT, 16 to 8192 pixels "
                            "each, as in 1280x800"), size);
  if (section != NULL && !parse_plane (section, &plane))
    return osp_cli_failf (_("render: “%s” is no plane: use NX,NY,NZ,D with a non-zero normal, "
                            "as in 1,0,0,10"), section);
  if (samples < 1 || samples > 8)
    return osp_cli_failf (_("render: --samples must be 1 to 8"));

  if (demo)
    {
      OspMesh *mesh = make_demo (&error);

      if (mesh == NULL)
        return osp_cli_fail (error);
      g_ptr_array_add (meshes, mesh);
    }
  for (int i = 1; i < argc; i++)
    {
      OspMesh *mesh = osp_mesh_load (argv[i], NULL, NULL, &error);

      if (mesh == NULL)
        return osp_cli_fail (error);
      g_ptr_array_add (meshes, mesh);
    }
  t_load = osp_cli_now () - t0;

  offscreen = osp_offscreen_new (&error);
  if (offscreen == NULL)
    return osp_cli_fail (error);
  renderer = osp_renderer_new (&error);
  if (renderer == NULL)
    return osp_cli_fail (error);
  for (guint i = 0; i < meshes->len; i++)
    {
      OspRenderModelId id = osp_renderer_add_model (renderer, g_ptr_array_index (meshes, i));

      osp_renderer_set_model_color (renderer, id, palette[i % G_N_ELEMENTS (palette)]);
    }
  osp_renderer_set_wireframe (renderer, wireframe);
  osp_renderer_set_show_overlays (renderer, !no_overlays);
  osp_renderer_set_samples (renderer, samples);
  if (section != NULL)
    osp_renderer_set_section (renderer, &plane);

  osp_camera_init (&camera);
  osp_camera_set_viewport (&camera, width, height);
  osp_camera_set_projection (&camera, ortho ? OSP_PROJECTION_ORTHOGRAPHIC
                                            : OSP_PROJECTION_PERSPECTIVE);
  osp_camera_set_view (&camera, view);
  osp_renderer_get_bounds (renderer, &bounds);
  osp_camera_fit_box (&camera, &bounds);

  rgba = g_malloc ((gsize) width * height * 4);
  t0 = osp_cli_now ();
  ok = osp_renderer_draw_to_rgba (renderer, &camera, width, height, rgba, &error);
  t_draw = osp_cli_now () - t0;
  osp_renderer_free (renderer);
  if (!ok || !osp_png_save (output, rgba, width, height, &error))
    return osp_cli_fail (error);

  /* TRANSLATORS: "out.png: 1024 × 768, anterior view, perspective, 2 models; ...". */
  printf (g_dngettext (GETTEXT_PACKAGE,
                       "%s: %d × %d, %s view, %s, %u model; loaded in %.2f s, drawn in %.3f s\n",
                       "%s: %d × %d, %s view, %s, %u models; loaded in %.2f s, drawn in %.3f s\n",
                       meshes->len),
          output, width, height, osp_view_get_name (view),
          ortho ? _("orthographic") : _("perspective"), meshes->len, t_load, t_draw);
  return 0;
}
