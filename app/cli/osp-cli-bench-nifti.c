/* osp-cli-bench-nifti.c — osteoplan-cli bench nifti [FILE] [--repeat R]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times loading a NIfTI volume (default: the abdomen–pelvis CT of the shared data) beside the
 * time to read the file into memory: the whole file decompressed by zlib into one buffer (for
 * a .nii, read), which a loader cannot beat.  nibabel's load (header, voxels, scaling) is timed
 * too where python3 has it, else "not run".  Wall clock and CPU time are printed; a busy
 * machine inflates the wall clock.  Nothing is asserted.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "osp-cli-private.h"
#include "osp-volume-io.h"

#define DEFAULT_FILE "nifti/totalseg_example_ct_abdomen_pelvis.nii.gz"

static char *
default_file (void)
{
  const char *env = g_getenv ("OSP_SHARED_DATA");
  const char *const candidates[] = { env, "../shared/data", "shared/data", "../../shared/data" };

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = NULL;

      if (candidates[i] == NULL)
        continue;
      path = g_build_filename (candidates[i], DEFAULT_FILE, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* Decompresses (or reads) the whole file into a buffer of `size` bytes; returns the bytes read,
 * or -1.  With size 0, only counts them through a small buffer. */
static gint64
read_all (const char *path,
          guint64     size)
{
  gzFile file = gzopen (path, "rb");
  guint8 scratch[1 << 16];
  guint8 *buf = size > 0 ? malloc (size) : scratch;
  guint64 done = 0;

  if (file == NULL || buf == NULL)
    {
      if (file != NULL)
        gzclose (file);
      if (buf != scratch)
        free (buf);
      return -1;
    }
  gzbuffer (file, 1 << 18);
  for (;;)
    {
      guint64 want = size > 0 ? MIN (size - done, (guint64) 1 << 30) : sizeof scratch;
      int n = want > 0 ? gzread (file, size > 0 ? buf + done : buf, (unsigned) want) : 0;

      if (n <= 0)
        break;
      done += (guint64) n;
    }
  gzclose (file);
  if (buf != scratch)
    free (buf);
  return (gint64) done;
}

static void
print_times (const char   *label,
             const double *wall,
             const double *cpu,
             int           repeat,
             double        reference)
{
  double best = wall[0], best_cpu = cpu[0];

  for (int r = 1; r < repeat; r++)
    {
      best = MIN (best, wall[r]);
      best_cpu = MIN (best_cpu, cpu[r]);
    }
  printf ("  %-28s best %7.1f ms wall, %7.1f ms CPU", label, best * 1e3, best_cpu * 1e3);
  if (reference > 0)
    printf ("  (%.2f × the read, by CPU)", best_cpu / reference);
  printf ("\n");
}

static void
bench_nibabel (const char *path,
               int         repeat)
{
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;
  const char *argv[] = { "python3", "-c", NULL, path, NULL };

  script = g_strdup_printf (
    "import sys, time\n"
    "try:\n"
    "    import nibabel, numpy\n"
    "except ImportError:\n"
    "    print('not run (python3-nibabel is not installed)'); sys.exit(0)\n"
    "best = cpu = 1e9\n"
    "for r in range(%d):\n"
    "    t, c = time.perf_counter(), time.process_time()\n"
    "    img = nibabel.load(sys.argv[1]); a = numpy.asanyarray(img.dataobj)\n"
    "    best = min(best, time.perf_counter() - t); cpu = min(cpu, time.process_time() - c)\n"
    "print('best %%7.1f ms wall, %%7.1f ms CPU' %% (best * 1e3, cpu * 1e3))\n", repeat);
  argv[2] = script;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &wait_status, NULL) || !g_spawn_check_wait_status (wait_status, NULL))
    {
      printf ("  %-28s not run (python3 failed)\n", "nibabel load:");
      return;
    }
  g_strstrip (out);
  printf ("  %-28s %s\n", "nibabel load:", out);
}

int
osp_cli_bench_nifti (int    argc,
                     char **argv)
{
  int repeat = 5;
  GOptionEntry entries[] = {
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Number of loads (default 5)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench nifti", _("[FILE]"),
                         _("Time loading a NIfTI volume (default: the abdomen and pelvis CT of "
                           "../shared/data) beside reading the file into memory and nibabel."),
                         entries);
  g_autofree char *path = NULL;
  g_autofree double *wall = NULL;
  g_autofree double *cpu = NULL;
  int status = 0;
  gint64 size;
  double read_cpu;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 2)
    return osp_cli_failf (_("bench nifti: give at most one file"));
  path = argc == 2 ? g_strdup (argv[1]) : default_file ();
  if (path == NULL)
    return osp_cli_failf (_("bench nifti: the shared data is absent; set OSP_SHARED_DATA or "
                            "give a NIfTI file"));
  repeat = CLAMP (repeat, 1, 100);
  size = read_all (path, 0);
  if (size < 0)
    return osp_cli_failf (_("bench nifti: %s cannot be read"), path);
  wall = g_new (double, repeat);
  cpu = g_new (double, repeat);

  printf ("%s\n  %.1f MB uncompressed\n", path, size / 1e6);
  for (int r = 0; r < repeat; r++)
    {
      double t = osp_cli_now (), c = osp_cli_cpu_now ();

      if (read_all (path, (guint64) size) != size)
        return osp_cli_failf (_("bench nifti: %s cannot be read"), path);
      wall[r] = osp_cli_now () - t;
      cpu[r] = osp_cli_cpu_now () - c;
    }
  print_times ("read into memory (zlib):", wall, cpu, repeat, 0);
  read_cpu = cpu[0];
  for (int r = 1; r < repeat; r++)
    read_cpu = MIN (read_cpu, cpu[r]);
  for (int r = 0; r < repeat; r++)
    {
      g_autoptr(OspVolume) volume = NULL;
      g_autoptr(GError) error = NULL;
      double t = osp_cli_now (), c = osp_cli_cpu_now ();

      volume = osp_volume_load (path, NULL, NULL, NULL, &error);
      wall[r] = osp_cli_now () - t;
      cpu[r] = osp_cli_cpu_now () - c;
      if (volume == NULL)
        return osp_cli_failf ("%s", error->message);
    }
  print_times ("osteoplan load:", wall, cpu, repeat, read_cpu);
  bench_nibabel (path, repeat);
  return 0;
}
