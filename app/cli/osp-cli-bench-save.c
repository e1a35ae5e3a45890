/* osp-cli-bench-save.c — osteoplan-cli bench save [CT] [--dims NXxNYxNZ]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saving a plan with a CT, first and again: the first save compresses the voxels, a second
 * save (and the first after opening the plan) copies the compressed entry from the file
 * written or opened last.  Runs on the demo plan (the phantom at 1 mm with its tumour) and on
 * a big CT (a 512 × 512 × 400 phantom, or CT, a NIfTI or DICOM file) with a painted tumour
 * mask.  Prints figures; asserts nothing.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-mask.h"
#include "osp-phantom.h"
#include "osp-plan.h"
#include "osp-volume-io.h"

static gboolean
timed_save (OspPlan     *plan,
            const char  *path,
            const char  *what,
            GError     **error)
{
  double t0 = osp_cli_now ();
  GStatBuf st;

  if (!osp_plan_save (plan, path, NULL, NULL, error))
    return FALSE;
  printf ("  %-34s %9.3f s   %8.1f MiB\n", what, osp_cli_now () - t0,
          g_stat (path, &st) == 0 ? st.st_size / 1048576.0 : 0.0);
  return TRUE;
}

static gboolean
bench_plan (OspPlan     *plan,
            const char  *dir,
            const char  *title,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "bench.osteoplan", NULL);
  g_autofree char *copy = g_build_filename (dir, "bench-copy.osteoplan", NULL);
  g_autoptr(OspPlan) opened = NULL;
  OspVolume *volume = osp_plan_get_volume (plan, 0);
  guint32 dims[3];
  double t0;

  osp_volume_get_dims (volume, dims);
  printf (_("%s: %u × %u × %u voxels (%.1f MiB), %u masks\n"), title, dims[0], dims[1], dims[2],
          osp_volume_get_n_voxels (volume) * 2 / 1048576.0, osp_plan_get_n_masks (plan));
  if (!timed_save (plan, path, _("first save (compresses the CT)"), error) ||
      !timed_save (plan, path, _("second save (copies it)"), error))
    return FALSE;
  if (osp_plan_get_n_masks (plan) > 0)
    {
      const OspGrid *grid = osp_mask_get_grid (osp_plan_get_mask (plan, 0));
      double centre[3];

      osp_grid_index_to_lps (grid, (double[3]) { grid->dims[0] / 2.0, grid->dims[1] / 2.0,
                                                 grid->dims[2] / 2.0 }, centre);
      if (!osp_plan_paint_sphere (plan, 0, centre, 5.0, 1, error))
        return FALSE;
      osp_plan_seal_undo (plan);
      if (!timed_save (plan, path, _("after painting (mask anew)"), error))
        return FALSE;
    }
  t0 = osp_cli_now ();
  opened = osp_plan_open (path, NULL, NULL, error);
  if (opened == NULL)
    return FALSE;
  printf ("  %-34s %9.3f s\n", _("open"), osp_cli_now () - t0);
  if (!timed_save (opened, copy, _("first save after opening"), error))
    return FALSE;
  g_unlink (path);
  g_unlink (copy);
  return TRUE;
}

static gboolean
parse_dims (const char *text,
            guint32     dims[3])
{
  unsigned a, b, c;
  char end;

  if (text == NULL || sscanf (text, "%ux%ux%u%c", &a, &b, &c, &end) != 3 ||
      a < 75 || b < 56 || c < 50 || a > 2048 || b > 2048 || c > 2048)
    return FALSE;
  dims[0] = a, dims[1] = b, dims[2] = c;
  return TRUE;
}

int
osp_cli_bench_save (int    argc,
                    char **argv)
{
  g_autofree char *dims_text = NULL;
  GOptionEntry entries[] = {
    { "dims", 0, 0, G_OPTION_ARG_STRING, &dims_text,
      N_("Grid of the big phantom CT (default 512x512x400)"), N_("NXxNYxNZ") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench save", _("[CT] [--dims NXxNYxNZ]"),
                         _("Save a plan with a CT twice: the first save compresses the voxels, "
                           "the second copies them.  On the demo plan and on a big CT (a "
                           "512 × 512 × 400 phantom, or CT)."), entries);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 2)
    return osp_cli_failf (_("bench save: give at most one CT"));
  options.dims[0] = 512, options.dims[1] = 512, options.dims[2] = 400;
  if (dims_text != NULL && !parse_dims (dims_text, options.dims))
    return osp_cli_failf (_("bench save: --dims must be NXxNYxNZ within 75–2048 × 56–2048 × "
                            "50–2048"));
  dir = g_dir_make_tmp ("osteoplan-bench-XXXXXX", &error);
  if (dir == NULL)
    return osp_cli_fail (error);

  {
    OspPhantomOptions demo = OSP_PHANTOM_OPTIONS_INIT;
    g_autoptr(OspVolume) ct = NULL;
    g_autoptr(OspPlan) plan = osp_plan_new ();

    demo.tumour = TRUE;
    ct = osp_phantom_generate (&demo, NULL, NULL, &error);
    if (ct == NULL || !osp_plan_add_volume (plan, ct, &error) ||
        !osp_phantom_add_tumour_to_plan (plan, 0, NULL, &error) ||
        !bench_plan (plan, dir, _("demo plan"), &error))
      status = osp_cli_fail (error);
  }
  if (status == 0)
    {
      g_autoptr(OspVolume) ct = NULL;
      g_autoptr(OspPlan) plan = osp_plan_new ();
      g_autofree char *title = NULL;

      if (argc == 2)
        {
          ct = osp_volume_load (argv[1], NULL, NULL, NULL, &error);
          title = g_strdup_printf (_("CT %s"), argv[1]);
        }
      else
        {
          options.tumour = TRUE;
          ct = osp_phantom_generate (&options, NULL, NULL, &error);
          title = g_strdup (_("big phantom CT"));
        }
      if (ct == NULL || !osp_plan_add_volume (plan, ct, &error) ||
          !osp_plan_add_mask (plan, 0, "Tumour", NULL, 0xff0000, &error) ||
          !bench_plan (plan, dir, title, &error))
        status = osp_cli_fail (error);
    }
  g_rmdir (dir);
  return status;
}
