/* osp-cli-volume-info.c — osteoplan-cli volume-info CT_PATH [--series N] [--json]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-volume-io.h"

static void
add_vector (JsonBuilder  *builder,
            const char   *name,
            const double *v,
            guint         n)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    json_builder_add_double_value (builder, v[i]);
  json_builder_end_array (builder);
}

static void
print_json (const char      *path,
            const OspVolume *volume,
            GPtrArray       *series,
            int              series_index,
            double           seconds)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *orientation = osp_volume_get_orientation_name (volume);
  const char *const *notes;
  guint32 dims[3];
  double spacing[3], origin[3], direction[9];
  gint16 lo, hi;
  guint n_notes;

  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_origin (volume, origin);
  osp_volume_get_direction (volume, direction);
  osp_volume_get_range (volume, &lo, &hi);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, osp_volume_get_description (volume) != NULL
                                            ? osp_volume_get_description (volume) : "");
  json_builder_set_member_name (builder, "dimensions");
  json_builder_begin_array (builder);
  for (guint a = 0; a < 3; a++)
    json_builder_add_int_value (builder, dims[a]);
  json_builder_end_array (builder);
  add_vector (builder, "spacing_mm", spacing, 3);
  add_vector (builder, "origin_lps_mm", origin, 3);
  add_vector (builder, "direction", direction, 9);
  json_builder_set_member_name (builder, "orientation");
  json_builder_add_string_value (builder, orientation);
  json_builder_set_member_name (builder, "hu_min");
  json_builder_add_int_value (builder, lo);
  json_builder_set_member_name (builder, "hu_max");
  json_builder_add_int_value (builder, hi);
  json_builder_set_member_name (builder, "load_seconds");
  json_builder_add_double_value (builder, seconds);
  json_builder_set_member_name (builder, "series");
  json_builder_begin_array (builder);
  for (guint s = 0; series != NULL && s < series->len; s++)
    {
      const OspDicomSeriesInfo *info = series->pdata[s];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, s);
      json_builder_set_member_name (builder, "loaded");
      json_builder_add_boolean_value (builder, (int) s == series_index);
      json_builder_set_member_name (builder, "uid");
      json_builder_add_string_value (builder, info->series_uid);
      json_builder_set_member_name (builder, "modality");
      json_builder_add_string_value (builder, info->modality);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, info->description);
      json_builder_set_member_name (builder, "slices");
      json_builder_add_int_value (builder, info->n_slices);
      json_builder_set_member_name (builder, "columns");
      json_builder_add_int_value (builder, info->columns);
      json_builder_set_member_name (builder, "rows");
      json_builder_add_int_value (builder, info->rows);
      add_vector (builder, "spacing_mm", info->spacing, 3);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "notes");
  json_builder_begin_array (builder);
  notes = osp_volume_get_notes (volume, &n_notes);
  for (guint i = 0; i < n_notes; i++)
    json_builder_add_string_value (builder, notes[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  osp_cli_print_json (root);
}

static void
print_text (const char      *path,
            const OspVolume *volume,
            GPtrArray       *series,
            int              series_index,
            double           seconds)
{
  g_autofree char *orientation = osp_volume_get_orientation_name (volume);
  const char *const *notes;
  const char *description = osp_volume_get_description (volume);
  guint32 dims[3];
  double spacing[3], origin[3], r[9];
  gint16 lo, hi;
  guint n_notes;

  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_origin (volume, origin);
  osp_volume_get_direction (volume, r);
  osp_volume_get_range (volume, &lo, &hi);

  printf ("%s\n", path);
  if (description != NULL)
    printf ("  %-20s %s\n", _("description:"), description);
  printf ("  %-20s %u × %u × %u (%.1f MiB)\n", _("dimensions:"), dims[0], dims[1], dims[2],
          osp_volume_get_n_voxels (volume) * 2.0 / (1 << 20));
  printf ("  %-20s %.4f × %.4f × %.4f\n", _("spacing (mm):"), spacing[0], spacing[1],
          spacing[2]);
  printf ("  %-20s %.3f × %.3f × %.3f\n", _("extent (mm):"), (dims[0] - 1) * spacing[0],
          (dims[1] - 1) * spacing[1], (dims[2] - 1) * spacing[2]);
  printf ("  %-20s (%.3f, %.3f, %.3f)\n", _("origin (LPS, mm):"), origin[0], origin[1],
          origin[2]);
  printf ("  %-20s %s\n", _("orientation:"), orientation);
  printf ("  %-20s i (%.4f, %.4f, %.4f)  j (%.4f, %.4f, %.4f)  k (%.4f, %.4f, %.4f)\n",
          _("direction cosines:"), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
  printf ("  %-20s %d to %d\n", _("HU range:"), lo, hi);
  printf ("  %-20s %.3f s\n", _("loaded in:"), seconds);
  if (series != NULL && series->len > 0)
    {
      printf ("  %s\n", _("series (--series N):"));
      for (guint s = 0; s < series->len; s++)
        {
          const OspDicomSeriesInfo *info = series->pdata[s];

          g_autofree char *slices = g_strdup_printf (ngettext ("%u slice", "%u slices",
                                                               info->n_slices),
                                                     info->n_slices);

          printf ("  %c %2u  %-4s %-28s %-11s %u × %u  %.3f × %.3f × %.3f mm\n",
                  (int) s == series_index ? '*' : ' ', s, info->modality,
                  info->description[0] != '\0' ? info->description : _("(no description)"),
                  slices, info->columns, info->rows, info->spacing[0], info->spacing[1],
                  info->spacing[2]);
        }
    }
  notes = osp_volume_get_notes (volume, &n_notes);
  for (guint i = 0; i < n_notes; i++)
    printf ("  %-20s %s\n", _("note:"), notes[i]);
}

int
osp_cli_volume_info (int    argc,
                     char **argv)
{
  gboolean json = FALSE;
  int series_index = -1;
  GOptionEntry entries[] = {
    { "series", 0, 0, G_OPTION_ARG_INT, &series_index,
      N_("Load series N of a DICOM folder (0 is the default: the CT with most slices)"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("volume-info", _("CT_PATH"),
                         _("Describe a CT (a DICOM folder or file, or a NIfTI file): dimensions, "
                           "spacing, origin, orientation, HU range, the series of a folder, "
                           "and what the loader had to do."), entries);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GPtrArray) series = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspCliProgress) bar = NULL;
  OspVolumeLoadOptions options = OSP_VOLUME_LOAD_OPTIONS_INIT;
  OspProgressRange progress = { osp_cli_progress_update, NULL, 0.0, 1.0 };
  int status = 0;
  double start, seconds;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("volume-info: give one CT path (a DICOM folder or file, or NIfTI)"));

  options.series_index = series_index;
  bar = osp_cli_progress_new (_("Loading"));
  progress.user_data = bar;
  start = osp_cli_now ();
  volume = osp_volume_load (argv[1], &options, &progress, NULL, &error);
  seconds = osp_cli_now () - start;
  g_clear_pointer (&bar, osp_cli_progress_free);
  if (volume == NULL)
    return osp_cli_fail (error);

  if (g_file_test (argv[1], G_FILE_TEST_IS_DIR))
    {
      series = osp_dicom_scan_folder (argv[1], NULL, &error);
      if (series == NULL)
        return osp_cli_fail (error);
      if (series_index < 0)
        series_index = 0;
    }

  if (json)
    print_json (argv[1], volume, series, series_index, seconds);
  else
    print_text (argv[1], volume, series, series_index, seconds);
  return 0;
}
