/* osp-cli-bench-dicom.c — osteoplan-cli bench dicom [FOLDER] [--repeat R]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times loading a DICOM series folder (default: the 140-slice Philips skull phantom of the
 * shared data): the header scan alone, then whole loads (scan + parallel decode), and prints
 * seconds and MB/s of DICOM files.  The first load may read from disk; the others come from
 * the page cache, as reopening a case would.  CPU time (all threads, and the decoding helpers)
 * is printed beside the wall clock, which a busy machine inflates.
 *
 * The pixels are decoded in helper processes (osp-dicom-decode-private.h); the loads alternate
 * between that, one helper only, and decoding in this process (what the helpers cost), and the
 * volumes must be identical.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "osp-cli-private.h"
#include "osp-volume-io.h"
#include "osp-volume-io-private.h"

#define DEFAULT_SERIES "ct/dcmqa_philips_skullphantom_1mm"

static char *
default_folder (void)
{
  const char *env = g_getenv ("OSP_SHARED_DATA");
  const char *const candidates[] = { env, "../shared/data", "shared/data", "../../shared/data" };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = NULL;

      if (candidates[i] == NULL)
        continue;
      path = g_build_filename (candidates[i], DEFAULT_SERIES, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* CPU seconds of this process and of its helpers that have ended. */
static double
cpu_with_helpers (void)
{
  struct rusage ru;

  getrusage (RUSAGE_CHILDREN, &ru);
  return osp_cli_cpu_now () + ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

typedef struct
{
  const char *label;
  gboolean    in_process;
  guint       helpers;     /* 0: one per core */
} Mode;

static guint64
folder_bytes (const char *folder,
              guint      *out_files)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      GStatBuf st;

      if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode))
        {
          total += (guint64) st.st_size;
          (*out_files)++;
        }
    }
  return total;
}

int
osp_cli_bench_dicom (int    argc,
                     char **argv)
{
  int repeat = 5;
  GOptionEntry entries[] = {
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Number of loads (default 5)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench dicom", _("[FOLDER]"),
                         _("Time loading a DICOM series (default: the 140-slice skull phantom "
                           "of ../shared/data): header scan, whole loads, MB/s."), entries);
  g_autofree char *folder = NULL;
  g_autofree double *times = NULL;
  g_autofree double *cpus = NULL;
  g_autoptr(OspVolume) reference = NULL;
  gboolean identical = TRUE;
  const Mode modes[] = {
    { N_("decoded in this process:"), TRUE, 0 },
    { N_("in 1 helper process:"), FALSE, 1 },
    { N_("in helpers, one per core:"), FALSE, 0 },
  };
  const guint n_modes = G_N_ELEMENTS (modes);
  g_autoptr(GError) error = NULL;
  guint n_files = 0;
  guint64 bytes;
  int status = 0;
  double start, scan_seconds, mb;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 2)
    return osp_cli_failf (_("bench dicom: give at most one folder"));
  folder = argc == 2 ? g_strdup (argv[1]) : default_folder ();
  if (folder == NULL)
    return osp_cli_failf (_("bench dicom: the shared data is absent; set OSP_SHARED_DATA or give "
                            "a DICOM folder"));
  repeat = CLAMP (repeat, 1, 100);
  bytes = folder_bytes (folder, &n_files);
  mb = bytes / 1e6;

  printf ("%s\n", folder);
  printf ("  %u files, %.1f MB, %u threads\n", n_files, mb, g_get_num_processors ());

  times = g_new (double, (gsize) repeat * n_modes);
  cpus = g_new (double, (gsize) repeat * n_modes);
  for (int r = 0; r < repeat; r++)
    for (guint m = 0; m < n_modes; m++)
      {
        g_autoptr(OspVolume) volume = NULL;
        guint32 dims[3];
        double *t = &times[m * repeat + r];
        double cpu = cpu_with_helpers ();

        osp_dicom_set_decode_in_process (modes[m].in_process);
        osp_dicom_set_decode_helpers (modes[m].helpers);
        start = osp_cli_now ();
        volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
        *t = osp_cli_now () - start;
        cpu = cpu_with_helpers () - cpu;
        cpus[m * repeat + r] = cpu;
        if (volume == NULL)
          return osp_cli_fail (error);
        osp_volume_get_dims (volume, dims);
        printf ("  load %d %-26s %.3f s  %.0f MB/s  CPU %.3f s  (%u × %u × %u)%s\n", r + 1,
                _(modes[m].label), *t, mb / *t, cpu, dims[0], dims[1], dims[2],
                r == 0 && m == 0 ? "  first" : "");
        if (reference == NULL)
          reference = g_steal_pointer (&volume);
        else
          {
            guint32 ref_dims[3];

            osp_volume_get_dims (reference, ref_dims);
            identical = identical && memcmp (dims, ref_dims, sizeof dims) == 0 &&
                        memcmp (osp_volume_get_data (volume), osp_volume_get_data (reference),
                                (gsize) dims[0] * dims[1] * dims[2] * sizeof (gint16)) == 0;
          }
      }
  osp_dicom_set_decode_in_process (FALSE);
  osp_dicom_set_decode_helpers (0);

  {
    g_autoptr(GPtrArray) series = NULL;

    start = osp_cli_now ();
    series = osp_dicom_scan_folder (folder, NULL, &error);
    scan_seconds = osp_cli_now () - start;
    if (series == NULL)
      return osp_cli_fail (error);
  }

  printf ("  %-24s %.3f s\n", _("header scan alone:"), scan_seconds);
  for (guint m = 0; m < n_modes; m++)
    {
      double *t = &times[m * repeat], *c = &cpus[m * repeat];

      qsort (t, repeat, sizeof (double), osp_cli_compare_doubles);
      qsort (c, repeat, sizeof (double), osp_cli_compare_doubles);
      /* TRANSLATORS: a decoding mode, then the best and the median load and the median CPU
       * time, and how much slower the best load is than decoding in this process. */
      printf (_("  %-26s best %.3f s (%+.1f %%), median %.3f s, CPU %.3f s\n"),
              _(modes[m].label), t[0], 100 * (t[0] / times[0] - 1), t[repeat / 2],
              c[repeat / 2]);
    }
  printf ("  %s\n", identical ? _("the volumes are identical")
                               : _("warning: the volumes differ between the decoding modes"));
  return identical ? 0 : 1;
}
