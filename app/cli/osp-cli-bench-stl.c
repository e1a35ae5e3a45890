/* osp-cli-bench-stl.c — osteoplan-cli bench stl [--triangles N…]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each size: a finely divided torus is written as binary STL (timed: c), read back as raw
 * bytes (a) and loaded + welded into an OspMesh (b); the ratio b ÷ a says how close loading
 * comes to the cost of merely reading the file.  The peak memory of a load is measured in a
 * fresh child process (VmHWM) and compared with 1.5 × (file + final mesh).  Where the system
 * python has VTK, vtkSTLReader reads the same file in the same run (tests/bench/).
 * Files are read from the page cache (warm), as a second open of a case would be.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osp-cli-private.h"
#include "osp-mesh-io.h"

#define VTK_SCRIPT    "vtk_stl_read.py"

static gboolean
read_raw (const char *path,
          gsize       size,
          GError    **error)
{
  g_autofree guint8 *buffer = g_malloc (size + 1);
  gsize done = 0;
  int fd = g_open (path, O_RDONLY, 0);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  while (done < size)
    {
      gssize n = read (fd, buffer + done, size - done);

      if (n <= 0)
        break;
      done += (gsize) n;
    }
  close (fd);
  return TRUE;
}

/* The child: loads one file and prints its peak memory. */
static int
measure_load (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  guint64 before = osp_cli_proc_status_bytes ("VmRSS:");
  guint64 peak;

  mesh = osp_mesh_load (path, NULL, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  peak = osp_cli_proc_status_bytes ("VmHWM:");
  printf ("peak=%" G_GUINT64_FORMAT " baseline=%" G_GUINT64_FORMAT "\n", peak, before);
  return 0;
}

static void
print_rate (const char *label,
            double      seconds,
            guint64     n_triangles)
{
  printf ("  %-22s %8.3f s  %7.2f M triangles/s", label, seconds,
          n_triangles / seconds / 1e6);
}

int
osp_cli_bench_stl (int    argc,
                   char **argv)
{
  g_auto(GStrv) sizes = NULL;
  g_autofree char *measure = NULL;
  g_autofree char *vtk_script_arg = NULL;
  g_autofree char *dir_arg = NULL;
  gboolean no_vtk = FALSE;
  int repeat = 3;
  GOptionEntry entries[] = {
    { "triangles", 'n', 0, G_OPTION_ARG_STRING_ARRAY, &sizes,
      N_("Triangle count of a test file (repeatable; default 1000000 and 4000000)"), N_("N") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { "no-vtk", 0, 0, G_OPTION_ARG_NONE, &no_vtk, N_("Do not time vtkSTLReader"), NULL },
    { "vtk-script", 0, 0, G_OPTION_ARG_FILENAME, &vtk_script_arg,
      N_("The VTK timing script (default: tests/bench/vtk_stl_read.py of the source tree)"),
      N_("PATH") },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_arg,
      N_("Where to write the test files, kept (default: a temporary folder, removed)"), N_("DIR") },
    { "measure-load", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &measure, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench stl", _("[--triangles N…]"),
                         _("Time binary STL: writing (c), reading the raw bytes (a), loading and "
                           "welding into a mesh (b); print triangles per second, b ÷ a, the peak "
                           "memory of a load and, where /usr/bin/python3 has VTK, "
                           "vtkSTLReader's time on the same file."),
                         entries);
  g_autofree char *self = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *vtk_script = NULL;
  const char *default_sizes[] = { "1000000", "4000000", NULL };
  const char *const *list;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (measure != NULL)
    return measure_load (measure);
  repeat = CLAMP (repeat, 1, 100);

  self = g_file_read_link ("/proc/self/exe", NULL);
  if (!no_vtk)
    {
      vtk_script = osp_cli_find_bench_script (vtk_script_arg, VTK_SCRIPT);
      if (vtk_script == NULL || !g_file_test (OSP_CLI_SYSTEM_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        no_vtk = TRUE;
    }
  if (dir_arg != NULL)
    tmpdir = g_strdup (dir_arg);
  else
    {
      g_autoptr(GError) error = NULL;

      tmpdir = g_dir_make_tmp ("osteoplan-bench-XXXXXX", &error);
      if (tmpdir == NULL)
        return osp_cli_fail (error);
    }

  {
    g_autofree char *loadavg = NULL;

    /* Other work on the machine skews every figure: say how busy it was. */
    g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
    printf ("bench stl: %d CPUs (load average %.4s), best of %d runs, files in the page cache\n",
            g_get_num_processors (), loadavg != NULL ? loadavg : "?", repeat);
  }
  list = sizes != NULL ? (const char *const *) sizes : default_sizes;
  for (guint s = 0; list[s] != NULL; s++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OspMesh) torus = NULL;
      g_autofree char *path = NULL;
      guint64 requested = g_ascii_strtoull (list[s], NULL, 10);
      guint32 nv, nu, n_triangles;
      double t_write = G_MAXDOUBLE, t_raw = G_MAXDOUBLE, t_load = G_MAXDOUBLE;
      guint64 file_size, mesh_bytes;
      GStatBuf st;

      if (requested < 8 || requested > 200000000)
        {
          status = osp_cli_failf (_("bench stl: %s triangles: give 8 to 200000000"), list[s]);
          continue;
        }
      /* Quads twice as long around the ring as around the tube: nu = 2 nv. */
      nv = MAX ((guint32) sqrt (requested / 4.0), 2);
      nu = MAX ((guint32) (requested / (2.0 * nv) + 0.5), 3);
      torus = osp_cli_make_torus (60, 20, nu, nv, FALSE);
      n_triangles = osp_mesh_get_n_triangles (torus);
      path = g_strdup_printf ("%s/torus-%u.stl", tmpdir, n_triangles);

      for (int r = 0; r < repeat; r++)
        {
          double t0 = osp_cli_now ();

          if (!osp_mesh_save (torus, path, OSP_MESH_FORMAT_STL_BINARY, &error))
            return osp_cli_fail (error);
          t_write = MIN (t_write, osp_cli_now () - t0);
        }
      if (g_stat (path, &st) != 0)
        return osp_cli_failf ("%s: %s", path, g_strerror (errno));
      file_size = (guint64) st.st_size;

      for (int r = 0; r < repeat; r++)
        {
          g_autoptr(OspMesh) loaded = NULL;
          double t0 = osp_cli_now ();

          if (!read_raw (path, file_size, &error))
            return osp_cli_fail (error);
          t_raw = MIN (t_raw, osp_cli_now () - t0);

          t0 = osp_cli_now ();
          loaded = osp_mesh_load (path, NULL, NULL, &error);
          if (loaded == NULL)
            return osp_cli_fail (error);
          t_load = MIN (t_load, osp_cli_now () - t0);
          /* Welding numbers vertices by first use, so compare counts, not order. */
          if (osp_mesh_get_n_vertices (loaded) != osp_mesh_get_n_vertices (torus) ||
              osp_mesh_get_n_triangles (loaded) != n_triangles)
            return osp_cli_failf (_("bench stl: the loaded mesh differs from the written one"));
        }
      mesh_bytes = (guint64) osp_mesh_get_n_vertices (torus) * 12 + (guint64) n_triangles * 12;

      printf ("\nbinary STL, %u triangles, %u vertices (%.1f MiB), torus %u × %u\n", n_triangles,
              osp_mesh_get_n_vertices (torus), file_size / 1048576.0, nu, nv);
      print_rate (_("(c) write binary STL"), t_write, n_triangles);
      printf ("\n");
      print_rate (_("(a) raw read"), t_raw, n_triangles);
      printf ("  %.0f MiB/s\n", file_size / 1048576.0 / t_raw);
      print_rate (_("(b) load + weld"), t_load, n_triangles);
      printf ("  %.2f × raw read (goal ≤ 3)\n", t_load / t_raw);

      {
        const char *child[] = { self, "bench", "stl", "--measure-load", path, NULL };
        g_autofree char *out = NULL;

        if (self != NULL && osp_cli_run_child (child, &out))
          {
            double peak = osp_cli_output_field (out, NULL, "peak=");
            double base = osp_cli_output_field (out, NULL, "baseline=");
            double used = peak - base;

            printf ("  %-22s %8.1f MiB  = %.2f × (file + mesh = %.1f MiB) (goal ≤ 1.5)\n",
                    _("peak memory of load"), used / 1048576.0,
                    used / (double) (file_size + mesh_bytes),
                    (file_size + mesh_bytes) / 1048576.0);
          }
        else
          printf ("  %-22s %s\n", _("peak memory of load"), _("could not be measured"));
      }

      if (!no_vtk)
        {
          g_autofree char *repeat_text = g_strdup_printf ("%d", repeat);
          const char *child[] = { OSP_CLI_SYSTEM_PYTHON, vtk_script, path, repeat_text, NULL };
          g_autofree char *out = NULL;

          if (osp_cli_run_child (child, &out))
            {
              double t_vtk = osp_cli_output_field (out, NULL, "seconds=");

              print_rate (_("vtkSTLReader"), t_vtk, n_triangles);
              printf ("  load + weld is %.1f × faster (goal ≥ 4); %.0f points\n", t_vtk / t_load,
                      osp_cli_output_field (out, NULL, "points="));
            }
          else
            printf ("  %-22s %s\n", "vtkSTLReader", _("not available (no VTK for "
                                                      OSP_CLI_SYSTEM_PYTHON ")"));
        }
      if (dir_arg == NULL)
        g_unlink (path);
    }

  if (dir_arg == NULL)
    g_rmdir (tmpdir);
  return status;
}
