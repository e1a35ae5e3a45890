/* osp-cli-slice.c — osteoplan-cli slice CT --axis AXIS --at MM -o slice.png [OPTION…]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One CT slice through the offscreen slice renderer: the same shader, convention, overlays and
 * letters as the slice views of the window.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "osp-cli-private.h"
#include "osp-mesh-io.h"
#include "osp-offscreen.h"
#include "osp-slice-renderer.h"
#include "osp-volume-io.h"

static const float palette[][3] = {
  { 0.40f, 0.62f, 0.90f },
  { 0.45f, 0.80f, 0.50f },
  { 0.85f, 0.70f, 0.30f },
  { 0.70f, 0.50f, 0.85f },
  { 0.89f, 0.85f, 0.76f },
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
  if (end == text || *end != '\0' || w < 16 || h < 16 || w > 8192 || h > 8192)
    return FALSE;
  *out_width = (int) w;
  *out_height = (int) h;
  return TRUE;
}

static gboolean
parse_window (const char *text, double *out_window, double *out_level)
{
  g_auto(GStrv) parts = NULL;
  char *end = NULL;

  if (g_ascii_strcasecmp (text, "bone") == 0)
    osp_window_preset (OSP_WINDOW_BONE, out_window, out_level);
  else if (g_ascii_strcasecmp (text, "soft") == 0)
    osp_window_preset (OSP_WINDOW_SOFT_TISSUE, out_window, out_level);
  else if (g_ascii_strcasecmp (text, "lung") == 0)
    osp_window_preset (OSP_WINDOW_LUNG, out_window, out_level);
  else
    {
      parts = g_strsplit (text, ",", -1);
      if (g_strv_length (parts) != 2)
        return FALSE;
      *out_window = g_ascii_strtod (parts[0], &end);
      if (end == parts[0] || *end != '\0' || !(*out_window >= 1.0 && *out_window <= 1e5))
        return FALSE;
      *out_level = g_ascii_strtod (parts[1], &end);
      if (end == parts[1] || *end != '\0' || !isfinite (*out_level))
        return FALSE;
    }
  return TRUE;
}

/* Voxels equal to `label` → 1, else 0; NULL with an error when the label is absent. */
static guint8 *
make_mask (const OspVolume *labels, const char *path, gint64 label, guint64 *out_count,
           GError **error)
{
  guint64 n = osp_volume_get_n_voxels (labels), count = 0;
  const gint16 *data = osp_volume_get_data (labels);
  guint8 *mask = g_malloc (n);

  for (guint64 v = 0; v < n; v++)
    {
      mask[v] = data[v] == label;
      count += mask[v];
    }
  if (count == 0)
    {
      g_free (mask);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: no voxel has the label %" PRId64), path, label);
      return NULL;
    }
  *out_count = count;
  return mask;
}

int
osp_cli_slice (int    argc,
               char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *axis_name = NULL;
  g_autofree char *at_text = NULL;
  g_autofree char *window_text = NULL;
  g_autofree char *size = NULL;
  g_autofree char *mask_path = NULL;
  g_auto(GStrv) overlays = NULL;
  double outline = NAN;
  gint64 label = 1;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("The PNG to write"), N_("PATH") },
    { "axis", 0, 0, G_OPTION_ARG_STRING, &axis_name,
      N_("axial (default), coronal or sagittal"), N_("AXIS") },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text,
      N_("The slice position along that patient axis (LPS mm: z for axial, y for coronal, "
         "x for sagittal); default the middle of the CT"), N_("MM") },
    { "window", 0, 0, G_OPTION_ARG_STRING, &window_text,
      N_("bone (default), soft, lung, or width and level in HU"), N_("W,L") },
    { "overlay", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &overlays,
      N_("A mesh whose contour on the slice is drawn (repeatable)"), N_("MESH") },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask_path,
      N_("A label map drawn filled, translucent red"), N_("LABELS") },
    { "label", 0, 0, G_OPTION_ARG_INT64, &label, N_("The label of the mask to draw (default 1)"),
      N_("N") },
    { "outline", 0, 0, G_OPTION_ARG_DOUBLE, &outline,
      N_("Draw the bone outline at this threshold"), N_("HU") },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size, N_("Picture size (default 512x512)"),
      N_("WxH") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("slice", _("CT -o slice.png"),
                         _("Render one axial, coronal or sagittal slice of a CT as the slice "
                           "views show it (radiological convention: the patient's right on "
                           "the left; orientation letters on the edges), fitted to the "
                           "picture."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspVolume) labels = NULL;
  g_autoptr(GPtrArray) meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autoptr(OspOffscreen) offscreen = NULL;
  g_autofree guint8 *rgba = NULL;
  g_autofree guint8 *mask = NULL;
  OspSliceRenderer *renderer;
  OspSliceCamera view = { OSP_SLICE_AXIAL, { 0, 0, 0 }, 1.0, 0, 0 };
  int width = 512, height = 512, status = 0, n;
  double lo, hi, at = NAN;
  guint64 mask_count = 0;
  gboolean ok;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("slice: give one CT (a NIfTI file or a DICOM folder; see --help)"));
  if (output == NULL)
    return osp_cli_failf (_("slice: give the picture to write with -o slice.png"));
  if (axis_name != NULL && !osp_slice_axis_from_string (axis_name, &view.axis))
    return osp_cli_failf (_("slice: unknown axis “%s”: use axial, coronal or sagittal"),
                          axis_name);
  if (at_text != NULL)
    {
      char *end = NULL;

      at = g_ascii_strtod (at_text, &end);
      if (end == at_text || *end != '\0' || !isfinite (at))
        return osp_cli_failf (_("slice: “%s” is no position in millimetres"), at_text);
    }
  osp_window_preset (OSP_WINDOW_BONE, &view.window, &view.level);
  if (window_text != NULL && !parse_window (window_text, &view.window, &view.level))
    return osp_cli_failf (_("slice: “%s” is no window: use bone, soft, lung or WIDTH,LEVEL in "
                            "HU, as in 400,40"), window_text);
  if (size != NULL && !parse_size (size, &width, &height))
    return osp_cli_failf (_("slice: “%s” is no size: use WIDTHxHEIGHT, 16 to 8192 pixels "
                            "each, as in 512x512"), size);
  if (label < G_MININT16 || label > G_MAXINT16)
    return osp_cli_failf (_("slice: label %" PRId64 " is out of range: label maps "
                            "hold labels from −32768 to 32767"), label);

  volume = osp_volume_load (argv[1], NULL, NULL, NULL, &error);
  if (volume == NULL)
    return osp_cli_fail (error);
  n = osp_slice_axis_normal_index (view.axis);
  osp_slice_camera_fit (&view, volume, width, height, FALSE);
  osp_volume_get_lps_range (volume, n, &lo, &hi);
  if (!isnan (at))
    {
      if (at < lo - 1e-6 || at > hi + 1e-6)
        fprintf (stderr, _("warning: %.1f mm lies outside the CT (%.1f to %.1f mm along "
                           "this axis): the slice is empty\n"), at, lo, hi);
      view.center[n] = at;
    }
  for (int i = 0; overlays != NULL && overlays[i] != NULL; i++)
    {
      OspMesh *mesh = osp_mesh_load (overlays[i], NULL, NULL, &error);

      if (mesh == NULL)
        return osp_cli_fail (error);
      g_ptr_array_add (meshes, mesh);
    }
  if (mask_path != NULL)
    {
      labels = osp_volume_load (mask_path, NULL, NULL, NULL, &error);
      if (labels == NULL)
        return osp_cli_fail (error);
      mask = make_mask (labels, mask_path, label, &mask_count, &error);
      if (mask == NULL)
        return osp_cli_fail (error);
    }

  offscreen = osp_offscreen_new (&error);
  if (offscreen == NULL)
    return osp_cli_fail (error);
  renderer = osp_slice_renderer_new (NULL, &error);
  if (renderer == NULL)
    return osp_cli_fail (error);
  osp_slice_renderer_set_volume (renderer, volume);
  if (!isnan (outline))
    osp_slice_renderer_set_outline (renderer, TRUE, outline, NULL);
  for (guint i = 0; i < meshes->len; i++)
    {
      guint id = osp_slice_renderer_add_model (renderer, g_ptr_array_index (meshes, i));

      osp_slice_renderer_set_model_color (renderer, id, palette[i % G_N_ELEMENTS (palette)]);
    }
  if (mask != NULL)
    {
      static const float red[4] = { 0.95f, 0.15f, 0.12f, 0.45f };
      guint32 dims[3];
      mat4 m;

      osp_volume_get_dims (labels, dims);
      osp_volume_get_index_to_lps (labels, m);
      osp_slice_renderer_set_mask (renderer, mask, dims, (const float *) m, red);
    }

  rgba = g_malloc ((gsize) width * height * 4);
  ok = osp_slice_renderer_draw_to_rgba (renderer, &view, width, height, rgba, &error);
  osp_slice_renderer_free (renderer);
  if (!ok || !osp_png_save (output, rgba, width, height, &error))
    return osp_cli_fail (error);

  printf (_("%s: %d × %d, %s slice at %.2f mm (CT %.1f to %.1f mm), %.3f mm a pixel, window "
            "%.0f level %.0f\n"), output, width, height, osp_slice_axis_to_string (view.axis),
          view.center[n], lo, hi, view.mm_per_pixel, view.window, view.level);
  return 0;
}
