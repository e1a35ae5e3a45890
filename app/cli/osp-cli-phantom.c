/* osp-cli-phantom.c — osteoplan-cli phantom -o demo.nii.gz [--defect] [--seed N] [--voxel MM]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "osp-atomic-file.h"
#include "osp-cli-private.h"
#include "osp-phantom.h"
#include "osp-volume-io.h"

/* "demo.nii.gz" → "demo.json" beside it. */
static char *
sidecar_path (const char *path)
{
  static const char *const suffixes[] = { ".nii.gz", ".nii", ".NII.GZ", ".NII" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (path, suffixes[i]))
      return g_strdup_printf ("%.*s.json", (int) (strlen (path) - strlen (suffixes[i])), path);
  return g_strdup_printf ("%s.json", path);
}

int
osp_cli_phantom (int    argc,
                 char **argv)
{
  g_autofree char *output = NULL;
  gboolean defect = FALSE, tumour = FALSE;
  gint64 seed = 1;
  double voxel = 1.0;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The NIfTI file to write (.nii or .nii.gz); the truth goes beside it as NAME.json"),
      N_("PATH") },
    { "defect", 0, 0, G_OPTION_ARG_NONE, &defect,
      N_("Remove a tumour-like region of the right ilium and acetabulum"), NULL },
    { "tumour", 0, 0, G_OPTION_ARG_NONE, &tumour,
      N_("Add a periacetabular lesion above the right acetabulum; its label map goes beside "
         "the CT as NAME-tumour.nii.gz and its geometry into NAME.json"), NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the noise (default 1)"), N_("N") },
    { "voxel", 0, 0, G_OPTION_ARG_DOUBLE, &voxel,
      N_("Voxel size in mm, 0.25 to 4 (default 1)"), N_("MM") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("phantom", _("-o FILE.nii.gz"),
                         _("Write a synthetic pelvis CT (two hemipelves, sacrum, fifth lumbar "
                           "vertebra, femoral heads; cortical and cancellous bone, soft tissue, "
                           "air, a little noise), symmetric about a known midsagittal plane that "
                           "is rotated and offset from the volume's centre.  The true plane and "
                           "bone volume go into the NIfTI description and NAME.json."),
                         entries);
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspPhantomTruth truth;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_path = NULL;
  guint32 dims[3];
  double t0, t_generate, t_write;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return osp_cli_failf (_("phantom: unexpected argument “%s” (see --help)"), argv[1]);
  if (output == NULL)
    return osp_cli_failf (_("phantom: give the file to write with -o FILE.nii.gz"));
  if (seed < 0 || seed > G_MAXUINT32)
    return osp_cli_failf (_("phantom: the seed must lie between 0 and %u"), G_MAXUINT32);
  if (!(voxel >= 0.25 && voxel <= 4.0))
    return osp_cli_failf (_("phantom: the voxel size must lie between 0.25 and 4 mm"));

  options.defect = defect;
  options.tumour = tumour;
  options.seed = (guint32) seed;
  options.voxel_mm = voxel;
  t0 = osp_cli_now ();
  volume = osp_phantom_generate (&options, &truth, NULL, &error);
  if (volume == NULL)
    return osp_cli_fail (error);
  t_generate = osp_cli_now () - t0;

  t0 = osp_cli_now ();
  if (!osp_volume_save_nifti (volume, output, &error))
    return osp_cli_fail (error);
  json = osp_phantom_truth_to_json (&truth);
  json_path = sidecar_path (output);
  if (!osp_atomic_write_contents (json_path, json, strlen (json), &error))
    return osp_cli_fail (error);
  if (tumour)
    {
      g_autoptr(OspVolume) labels = osp_phantom_lesion_label_map (&truth.lesion, volume, &error);
      g_autofree char *stem = sidecar_path (output);
      g_autofree char *labels_path = NULL;

      stem[strlen (stem) - strlen (".json")] = '\0';
      labels_path = g_strdup_printf ("%s-tumour.nii.gz", stem);
      if (labels == NULL || !osp_volume_save_nifti (labels, labels_path, &error))
        return osp_cli_fail (error);
      printf (_("tumour: an ellipsoid of %.0f mm³ centred at (%.1f, %.1f, %.1f) mm (LPS); its "
                "label map is %s\n"), truth.lesion.volume_mm3, truth.lesion.centre[0],
              truth.lesion.centre[1], truth.lesion.centre[2], labels_path);
    }
  t_write = osp_cli_now () - t0;

  osp_volume_get_dims (volume, dims);
  printf (_("%s: %u × %u × %u voxels of %g mm, generated in %.2f s, written in %.2f s\n"),
          output, dims[0], dims[1], dims[2], voxel, t_generate, t_write);
  printf (_("midsagittal plane (LPS): n = (%.6f, %.6f, %.6f), d = %.3f mm\n"),
          truth.midsagittal.normal[0], truth.midsagittal.normal[1],
          truth.midsagittal.normal[2], truth.midsagittal.d);
  printf (_("bone (≥ 250 HU): %.0f mm³; truth in %s\n"), truth.bone_volume_mm3, json_path);
  return 0;
}
