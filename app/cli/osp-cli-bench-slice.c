/* osp-cli-bench-slice.c — osteoplan-cli bench slice [--dims NXxNYxNZ] [--size N]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Scrolls through every slice of a 512 × 512 × 400 synthetic CT in each axis, offscreen, with
 * the bone outline on, and prints the upload time and frames per second (goal: 30 on
 * llvmpipe).  Asserts nothing about time.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <epoxy/gl.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-offscreen.h"
#include "osp-phantom.h"
#include "osp-slice-renderer.h"

static gboolean
parse_dims (const char *text, guint32 out[3])
{
  g_auto(GStrv) parts = g_strsplit_set (text, "xX", -1);

  if (g_strv_length (parts) != 3)
    return FALSE;
  for (int a = 0; a < 3; a++)
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (parts[a], &end, 10);

      if (end == parts[a] || *end != '\0' || v < 2 || v > 4096)
        return FALSE;
      out[a] = (guint32) v;
    }
  return TRUE;
}

int
osp_cli_bench_slice (int    argc,
                     char **argv)
{
  g_autofree char *dims_text = NULL;
  int size = 512;
  GOptionEntry entries[] = {
    { "dims", 0, 0, G_OPTION_ARG_STRING, &dims_text, N_("CT grid (default 512x512x400)"),
      N_("NXxNYxNZ") },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, N_("Picture width and height (default 512)"),
      N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench slice", NULL,
                         _("Frames per second scrolling through the slices of a CT offscreen "
                           "(goal 30 on llvmpipe)"), entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspOffscreen) offscreen = NULL;
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspSliceRenderer *renderer;
  OspSliceCamera view = { OSP_SLICE_AXIAL, { 0, 0, 0 }, 1.0, 0, 0 };
  guint32 dims[3] = { 512, 512, 400 };
  int status = 0;
  double t0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (dims_text != NULL && !parse_dims (dims_text, dims))
    return osp_cli_failf (_("bench slice: “%s” is no grid: use NXxNYxNZ, as in 512x512x400"),
                          dims_text);
  if (size < 16 || size > 4096)
    return osp_cli_failf (_("bench slice: --size must be 16 to 4096"));

  memcpy (options.dims, dims, sizeof dims);
  t0 = osp_cli_now ();
  volume = osp_phantom_generate (&options, NULL, NULL, &error);
  if (volume == NULL)
    return osp_cli_fail (error);
  printf (_("CT %u × %u × %u voxels (%.0f MB), generated in %.2f s\n"), dims[0], dims[1],
          dims[2], osp_volume_get_n_voxels (volume) * 2.0 / 1e6, osp_cli_now () - t0);

  offscreen = osp_offscreen_new (&error);
  if (offscreen == NULL)
    return osp_cli_fail (error);
  renderer = osp_slice_renderer_new (NULL, &error);
  if (renderer == NULL)
    return osp_cli_fail (error);
  printf ("%s\n", (const char *) glGetString (GL_RENDERER));
  osp_slice_renderer_set_volume (renderer, volume);
  osp_slice_renderer_set_outline (renderer, TRUE, 250.0, NULL);
  osp_window_preset (OSP_WINDOW_BONE, &view.window, &view.level);
  osp_slice_camera_fit (&view, volume, size, size, FALSE);

  t0 = osp_cli_now ();
  if (!osp_slice_renderer_draw_to_rgba (renderer, &view, size, size, NULL, &error))
    {
      osp_slice_renderer_free (renderer);
      return osp_cli_fail (error);
    }
  printf (_("upload and first frame: %.3f s\n"), osp_cli_now () - t0);

  for (int a = 0; a < OSP_SLICE_N_AXES; a++)
    {
      int n;
      double lo, hi, step, spacing[3];
      guint frames = 0;

      view.axis = a;
      osp_slice_camera_fit (&view, volume, size, size, FALSE);
      n = osp_slice_axis_normal_index (view.axis);
      osp_volume_get_lps_range (volume, n, &lo, &hi);
      osp_volume_get_spacing (volume, spacing);
      step = MIN (spacing[0], MIN (spacing[1], spacing[2]));
      t0 = osp_cli_now ();
      for (double at = lo; at <= hi; at += step, frames++)
        {
          view.center[n] = at;
          if (!osp_slice_renderer_draw_to_rgba (renderer, &view, size, size, NULL, &error))
            {
              osp_slice_renderer_free (renderer);
              return osp_cli_fail (error);
            }
        }
      printf (_("%-9s %4u slices of %d × %d pixels: %.1f frames per second (goal 30)\n"),
              osp_slice_axis_to_string (view.axis), frames, size, size,
              frames / MAX (osp_cli_now () - t0, 1e-9));
    }
  osp_slice_renderer_free (renderer);
  return 0;
}
