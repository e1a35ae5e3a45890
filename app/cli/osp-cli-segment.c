/* osp-cli-segment.c — osteoplan-cli segment CT_PATH -o bone.stl [OPTION…]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-error.h"
#include "osp-mask.h"
#include "osp-mesh-io.h"
#include "osp-segment.h"
#include "osp-volume-io.h"

/* --label N: the surface of one label of a label map, with its volume against the voxels'. */
static int
segment_label (OspVolume  *labels,
               const char *path,
               int         label,
               guint       smooth,
               const char *output)
{
  g_autofree char *name = osp_error_display_name (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshReport report;
  OspMaskBox box;
  double voxel_volume, mesh_volume, difference, centre_ijk[3], centre[3];
  guint64 n;

  mask = osp_mask_from_label_map (labels, label, 1, NULL, name, &error);
  if (mask == NULL)
    return osp_cli_fail (error);
  mesh = osp_mask_to_mesh (mask, 1, smooth, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  if (!osp_mesh_save (mesh, output, OSP_MESH_FORMAT_UNKNOWN, &error))
    return osp_cli_fail (error);
  n = osp_mask_count (mask, 1);
  voxel_volume = n * osp_grid_voxel_volume (osp_mask_get_grid (mask));
  mesh_volume = osp_mesh_get_volume (mesh);
  difference = (mesh_volume - voxel_volume) / voxel_volume;
  osp_mask_get_bounds (mask, 1, &box);
  for (guint a = 0; a < 3; a++)
    centre_ijk[a] = (box.min[a] + box.max[a] - 1) / 2.0;
  osp_grid_index_to_lps (osp_mask_get_grid (mask), centre_ijk, centre);
  osp_mesh_report (mesh, &report);
  printf (_("label:      %d of %s, %" PRIu64 " voxels, %.1f mm³\n"), label, name, n,
          voxel_volume);
  printf (_("box centre: (%.2f, %.2f, %.2f) mm (LPS)\n"), centre[0], centre[1], centre[2]);
  printf (_("result:     %u triangles, %u pieces, %.1f mm³ (%+.1f %% against the voxels), %s\n"),
          report.n_triangles, report.topology.n_components, mesh_volume, 100 * difference,
          osp_mesh_report_verdict (&report));
  /* Marching cubes cuts the corners of single voxels: small or thin labels lose volume. */
  if (fabs (difference) > 0.1)
    {
      g_autofree char *w = g_strdup_printf (_("the surface's volume differs from the voxels' "
                                              "by %.0f %%: the label is small or thin for its "
                                              "voxel size"), 100 * fabs (difference));

      osp_cli_warn (w);
    }
  printf (_("written:    %s\n"), output);
  return 0;
}

int
osp_cli_segment (int    argc,
                 char **argv)
{
  g_autofree char *output = NULL;
  int series = -1, smooth = 0, keep = 0, threads = 0, label = -1;
  gint64 decimate = 0;
  double threshold = OSP_DEFAULT_BONE_THRESHOLD_HU, min_fraction = 0.01, max_error = 0;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The mesh to write (.stl, .obj, .ply or .3mf)"), N_("PATH") },
    { "series", 0, 0, G_OPTION_ARG_INT, &series,
      N_("Which DICOM series of the folder (0 = the first listed; default: the CT series with "
         "the most slices)"), N_("N") },
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &threshold,
      N_("Bone threshold in HU (default 250)"), N_("HU") },
    { "smooth", 's', 0, G_OPTION_ARG_INT, &smooth,
      N_("Rounds of Taubin smoothing (default 0)"), N_("N") },
    { "decimate", 'd', 0, G_OPTION_ARG_INT64, &decimate,
      N_("Decimate to at most COUNT triangles (default: no decimation)"), N_("COUNT") },
    { "max-error", 0, 0, G_OPTION_ARG_DOUBLE, &max_error,
      N_("Decimate while the surface moves by less than MM (with or without --decimate)"),
      N_("MM") },
    { "keep", 'k', 0, G_OPTION_ARG_INT, &keep,
      /* xgettext:no-c-format */
      N_("Keep the N largest pieces (default: every piece of at least 1 % of the largest)"),
      N_("N") },
    { "min-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &min_fraction,
      N_("Drop pieces smaller than this fraction of the largest (default 0.01)"), N_("F") },
    { "label", 'l', 0, G_OPTION_ARG_INT, &label,
      N_("Treat the input as a label map and mesh the voxels of label N (a tumour from "
         "other software), instead of thresholding bone"), N_("N") },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
      N_("Threads for the extraction (default: all cores)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("segment", _("CT_PATH -o bone.stl"),
                         _("Turn a CT (a DICOM folder or a NIfTI file) into a bone surface: "
                           "threshold, marching cubes, the largest pieces, optional smoothing "
                           "and decimation.  Prints a summary; a progress bar goes to stderr "
                           "when it is a terminal."),
                         entries);
  OspVolumeLoadOptions load_options = OSP_VOLUME_LOAD_OPTIONS_INIT;
  OspSegmentOptions options = OSP_SEGMENT_OPTIONS_INIT;
  OspSegmentStats stats;
  OspMeshReport report;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  guint32 dims[3];
  double spacing[3], t0, t_load, t_save;
  guint n_notes = 0;
  const char *const *notes;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("segment: give one CT (a DICOM folder or a NIfTI file; see --help)"));
  if (output == NULL)
    return osp_cli_failf (_("segment: give the mesh to write with -o bone.stl"));
  if (osp_mesh_format_from_extension (output) == OSP_MESH_FORMAT_UNKNOWN)
    return osp_cli_failf (_("%s: unknown output type: name it .stl, .obj, .ply or .3mf"), output);
  if (smooth < 0 || smooth > 1000 || keep < 0 || threads < 0 || threads > 256 ||
      decimate < 0 || decimate > OSP_MESH_MAX_ELEMENTS || !(min_fraction >= 0 && min_fraction <= 1)
      || !isfinite (threshold) || !(max_error >= 0 && max_error <= 1000))
    return osp_cli_failf (_("segment: an option is out of range (see --help)"));

  load_options.series_index = series;
  t0 = osp_cli_now ();
  {
    g_autoptr(OspCliProgress) bar = osp_cli_progress_new (_("Loading   "));
    OspProgressRange range = { osp_cli_progress_update, bar, 0.0, 1.0 };

    volume = osp_volume_load (argv[1], &load_options, &range, NULL, &error);
  }
  if (volume == NULL)
    return osp_cli_fail (error);
  t_load = osp_cli_now () - t0;
  notes = osp_volume_get_notes (volume, &n_notes);
  for (guint i = 0; i < n_notes; i++)
    osp_cli_warn (notes[i]);

  if (label >= 0)
    return segment_label (volume, argv[1], label, (guint) smooth, output);

  options.threshold_hu = threshold;
  options.smooth_iterations = (guint) smooth;
  options.target_triangles = (guint32) decimate;
  options.keep_pieces = (guint) keep;
  options.min_piece_fraction = min_fraction;
  options.n_threads = (guint) threads;
  options.max_error_mm = max_error;
  {
    g_autoptr(OspCliProgress) bar = osp_cli_progress_new (_("Segmenting"));
    OspProgressRange range = { osp_cli_progress_update, bar, 0.0, 1.0 };

    mesh = osp_segment_volume (volume, &options, &range, NULL, &stats, &error);
  }
  if (mesh == NULL)
    return osp_cli_fail (error);
  if (osp_mesh_get_n_triangles (mesh) == 0)
    {
      g_autofree char *name = osp_error_display_name (argv[1]);
      gint16 lo, hi;

      osp_volume_get_range (volume, &lo, &hi);
      return osp_cli_failf (_("%s: no bone surface at %g HU (the CT spans %d to %d HU); "
                              "choose a threshold in that range"), name, threshold, lo, hi);
    }

  t0 = osp_cli_now ();
  if (!osp_mesh_save (mesh, output, OSP_MESH_FORMAT_UNKNOWN, &error))
    return osp_cli_fail (error);
  t_save = osp_cli_now () - t0;

  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  osp_mesh_report (mesh, &report);
  printf (_("volume:     %u × %u × %u voxels (%.1f M), spacing %.3g × %.3g × %.3g mm\n"),
          dims[0], dims[1], dims[2], osp_volume_get_n_voxels (volume) / 1e6, spacing[0],
          spacing[1], spacing[2]);
  printf (_("threshold:  %g HU\n"), threshold);
  printf (_("load        %8.3f s\n"), t_load);
  printf (_("extract     %8.3f s  %u triangles\n"), stats.extract_s, stats.n_raw_triangles);
  printf (_("pieces      %8.3f s\n"), stats.pieces_s);
  printf (_("smooth      %8.3f s  %d rounds\n"), stats.smooth_s, smooth);
  printf (_("decimate    %8.3f s  error %.3f mm\n"), stats.decimate_s, stats.decimate_error_mm);
  printf (_("save        %8.3f s\n"), t_save);
  printf (_("result:     %u triangles, %u vertices, %u pieces, %.0f mm³, %s\n"),
          report.n_triangles, report.n_vertices, report.topology.n_components, report.volume,
          osp_mesh_report_verdict (&report));
  printf (_("written:    %s\n"), output);
  return 0;
}
