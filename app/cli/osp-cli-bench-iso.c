/* osp-cli-bench-iso.c — osteoplan-cli bench iso [--dims NXxNYxNZ] [--repeat R]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pelvis phantom sampled on a 512 × 512 × 400 grid (bone-like structures: plates, shells,
 * tubes, cortical and cancellous bone, noise) is turned into a surface at 250 HU on one thread
 * and on all cores; the peak memory of the extraction is compared with volume + 1.5 × mesh.
 * Where the system python has VTK, the same voxels go to vtkFlyingEdges3D and
 * vtkMarchingCubes (tests/bench/vtk_iso.py) and the times and triangle counts are compared.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osp-cli-private.h"
#include "osp-phantom.h"
#include "osp-segment.h"

#define VTK_SCRIPT    "vtk_iso.py"

/* Resets VmHWM to the current RSS (Linux ≥ 4.0); FALSE where that is not possible. */
static gboolean
reset_peak (void)
{
  int fd = g_open ("/proc/self/clear_refs", O_WRONLY, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, "5", 1) == 1;
  close (fd);
  return ok;
}

/* The best wall and CPU times of `repeat` runs.  On a shared machine the CPU time is the
 * steadier figure. */
static OspMesh *
time_extraction (const OspVolume *volume,
                 double           iso,
                 guint            n_threads,
                 int              repeat,
                 double          *out_seconds,
                 double          *out_cpu,
                 GError         **error)
{
  OspMesh *mesh = NULL;

  *out_seconds = *out_cpu = G_MAXDOUBLE;
  for (int r = 0; r < repeat; r++)
    {
      double t0, c0;

      g_clear_pointer (&mesh, osp_mesh_unref);
      t0 = osp_cli_now ();
      c0 = osp_cli_cpu_now ();
      mesh = osp_isosurface_extract (volume, iso, n_threads, NULL, NULL, error);
      if (mesh == NULL)
        return NULL;
      *out_seconds = MIN (*out_seconds, osp_cli_now () - t0);
      *out_cpu = MIN (*out_cpu, osp_cli_cpu_now () - c0);
    }
  return mesh;
}

int
osp_cli_bench_iso (int    argc,
                   char **argv)
{
  g_autofree char *dims_arg = NULL;
  g_autofree char *vtk_script_arg = NULL;
  gboolean no_vtk = FALSE;
  int repeat = 3, threads = 0;
  double iso = OSP_DEFAULT_BONE_THRESHOLD_HU;
  GOptionEntry entries[] = {
    { "dims", 0, 0, G_OPTION_ARG_STRING, &dims_arg,
      N_("Grid of the test volume (default 512x512x400)"), N_("NXxNYxNZ") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
      N_("Threads for the parallel run (default: all cores)"), N_("N") },
    { "threshold", 't', 0, G_OPTION_ARG_DOUBLE, &iso, N_("Iso value in HU (default 250)"),
      N_("HU") },
    { "no-vtk", 0, 0, G_OPTION_ARG_NONE, &no_vtk, N_("Do not time VTK"), NULL },
    { "vtk-script", 0, 0, G_OPTION_ARG_FILENAME, &vtk_script_arg,
      N_("The VTK timing script (default: tests/bench/vtk_iso.py of the source tree)"),
      N_("PATH") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench iso", _("[--dims NXxNYxNZ]"),
                         _("Time the bone surface extraction (marching cubes in flying-edges "
                           "passes) on a generated CT, on one thread and on all cores; print "
                           "its peak memory against volume + 1.5 × mesh and, where "
                           "/usr/bin/python3 has VTK, the times and triangle counts of "
                           "vtkFlyingEdges3D and vtkMarchingCubes on the same voxels."),
                         entries);
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) serial = NULL;
  g_autoptr(OspMesh) parallel = NULL;
  g_autofree char *vtk_script = NULL;
  double spacing[3], t0, t_generate, t_serial, t_parallel, c_serial, c_parallel;
  guint64 volume_bytes, mesh_bytes, baseline, peak;
  guint32 nt;
  gboolean peak_ok;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  options.dims[0] = 512;
  options.dims[1] = 512;
  options.dims[2] = 400;
  if (dims_arg != NULL &&
      (sscanf (dims_arg, "%ux%ux%u", &options.dims[0], &options.dims[1], &options.dims[2]) != 3 ||
       options.dims[0] < 75 || options.dims[1] < 56 || options.dims[2] < 50 ||
       options.dims[0] > 2048 || options.dims[1] > 2048 || options.dims[2] > 2048))
    return osp_cli_failf (_("bench iso: --dims wants NXxNYxNZ within 75x56x50 and "
                            "2048x2048x2048"));
  repeat = CLAMP (repeat, 1, 100);
  threads = threads > 0 ? MIN (threads, 256) : (int) g_get_num_processors ();
  if (!isfinite (iso))
    return osp_cli_failf (_("bench iso: the threshold must be a number"));

  t0 = osp_cli_now ();
  volume = osp_phantom_generate (&options, NULL, NULL, &error);
  if (volume == NULL)
    return osp_cli_fail (error);
  t_generate = osp_cli_now () - t0;
  osp_volume_get_spacing (volume, spacing);
  volume_bytes = osp_volume_get_n_voxels (volume) * sizeof (gint16);

  printf ("bench iso: %d CPUs, best of %d runs, iso %g HU\n", g_get_num_processors (), repeat,
          iso);
  printf ("volume: pelvis phantom %u × %u × %u int16 (%.0f MiB), spacing %.3f × %.3f × %.3f "
          "mm, generated in %.2f s\n", options.dims[0], options.dims[1], options.dims[2],
          volume_bytes / 1048576.0, spacing[0], spacing[1], spacing[2], t_generate);

  serial = time_extraction (volume, iso, 1, repeat, &t_serial, &c_serial, &error);
  if (serial == NULL)
    return osp_cli_fail (error);

  /* The peak of one parallel run, above what was resident before (the volume and the
   * program). */
  peak_ok = reset_peak ();
  baseline = osp_cli_proc_status_bytes ("VmRSS:");
  parallel = osp_isosurface_extract (volume, iso, (guint) threads, NULL, NULL, &error);
  if (parallel == NULL)
    return osp_cli_fail (error);
  peak = osp_cli_proc_status_bytes ("VmHWM:");
  g_clear_pointer (&parallel, osp_mesh_unref);
  parallel = time_extraction (volume, iso, (guint) threads, repeat, &t_parallel, &c_parallel,
                              &error);
  if (parallel == NULL)
    return osp_cli_fail (error);
  if (!osp_mesh_equal (serial, parallel))
    return osp_cli_failf (_("bench iso: 1 and %d threads gave different meshes"), threads);

  nt = osp_mesh_get_n_triangles (parallel);
  mesh_bytes = (guint64) osp_mesh_get_n_vertices (parallel) * 3 * sizeof (float) +
               (guint64) nt * 3 * sizeof (guint32);
  printf ("surface: %u triangles, %u vertices (%.0f MiB)\n", nt,
          osp_mesh_get_n_vertices (parallel), mesh_bytes / 1048576.0);
  printf ("  %-26s %8s  %8s  %s\n", "", "wall", "CPU", "");
  printf ("  %-26s %8.3f s %8.3f s  %6.1f M voxels/s\n", "osteoplan, 1 thread", t_serial,
          c_serial, osp_volume_get_n_voxels (volume) / t_serial / 1e6);
  printf ("  %-26s %8.3f s %8.3f s  %6.1f M voxels/s  (%.2f × 1 thread; same mesh)\n",
          threads == 1 ? "osteoplan, 1 thread" : "osteoplan, all threads", t_parallel,
          c_parallel, osp_volume_get_n_voxels (volume) / t_parallel / 1e6,
          t_serial / t_parallel);
  if (peak_ok && peak > 0)
    printf ("  %-26s %8.1f MiB above the volume = %.2f × mesh (goal ≤ 1.5)\n",
            "peak memory", (peak - MIN (peak, baseline)) / 1048576.0,
            (peak - MIN (peak, baseline)) / (double) MAX (mesh_bytes, 1));
  else
    printf ("  %-26s %s\n", "peak memory", _("could not be measured"));

  if (!no_vtk)
    {
      vtk_script = osp_cli_find_bench_script (vtk_script_arg, VTK_SCRIPT);
      if (vtk_script == NULL || !g_file_test (OSP_CLI_SYSTEM_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
        no_vtk = TRUE;
    }
  if (no_vtk)
    {
      printf ("  VTK: %s\n", _("not run"));
      return 0;
    }

  {
    g_autofree char *raw = NULL;
    g_autofree char *out = NULL;
    char args[9][G_ASCII_DTOSTR_BUF_SIZE];
    int fd;
    static const char *const names[] = { "vtkFlyingEdges3D", "vtkMarchingCubes" };

    fd = g_file_open_tmp ("osteoplan-bench-iso-XXXXXX.raw", &raw, &error);
    if (fd < 0)
      return osp_cli_fail (error);
    close (fd);
    if (!g_file_set_contents (raw, (const char *) osp_volume_get_data (volume),
                              (gssize) volume_bytes, &error))
      {
        g_unlink (raw);
        return osp_cli_fail (error);
      }
    for (guint a = 0; a < 3; a++)
      {
        g_snprintf (args[a], sizeof args[a], "%u", options.dims[a]);
        g_ascii_dtostr (args[3 + a], sizeof args[3 + a], spacing[a]);
      }
    g_ascii_dtostr (args[6], sizeof args[6], iso);
    g_snprintf (args[7], sizeof args[7], "%d", repeat);
    {
      const char *child[] = { OSP_CLI_SYSTEM_PYTHON, vtk_script, raw, args[0], args[1], args[2],
                              args[3], args[4], args[5], args[6], args[7], NULL };

      osp_cli_run_child (child, &out);
    }
    g_unlink (raw);
    if (out == NULL)
      {
        printf ("  VTK: %s\n", _("not available (no VTK or numpy for " OSP_CLI_SYSTEM_PYTHON ")"));
        return 0;
      }
    for (guint f = 0; f < G_N_ELEMENTS (names); f++)
      {
        double seconds = osp_cli_output_field (out, names[f], "seconds=");
        double cpu = osp_cli_output_field (out, names[f], "cpu=");
        double cells = osp_cli_output_field (out, names[f], "cells=");

        if (seconds <= 0)
          continue;
        printf ("  %-26s %8.3f s %8.3f s  %6.1f M voxels/s  %.0f VTK threads\n", names[f],
                seconds, cpu, osp_volume_get_n_voxels (volume) / seconds / 1e6,
                osp_cli_output_field (out, names[f], "threads="));
        printf ("  %-26s ours is %.2f × faster (wall), %.2f × less CPU; %.0f triangles "
                "(ours %+.3f %%)\n", "", seconds / t_parallel, cpu / c_parallel, cells,
                100.0 * (nt - cells) / MAX (cells, 1));
      }
  }
  return 0;
}
