/* osp-cli-bench-plan.c — osteoplan-cli bench plan [--triangles N] [--repeat R]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Undo and redo of a cut of a 1 M-triangle mesh (the goal: under 50 ms — commands swap
 * references to immutable meshes, so it should not depend on the mesh at all), and for scale
 * the cut itself and a save and an open of the plan.  Prints figures; asserts nothing.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "osp-cli-private.h"
#include "osp-plan.h"

/* A closed UV sphere: (stacks − 2) × slices × 2 + 2 × slices triangles. */
static OspMesh *
make_sphere (float r,
             guint slices,
             guint stacks)
{
  guint nv = (stacks - 1) * slices + 2;
  guint nt = (stacks - 2) * slices * 2 + 2 * slices;
  float *p = g_new (float, (gsize) nv * 3);
  guint32 *t = g_new (guint32, (gsize) nt * 3);
  guint32 *q = t;
  guint top = nv - 2, bottom = nv - 1;

  for (guint i = 1; i < stacks; i++)
    for (guint j = 0; j < slices; j++)
      {
        double theta = G_PI * i / stacks, phi = 2 * G_PI * j / slices;
        float *v = p + 3 * ((gsize) (i - 1) * slices + j);

        v[0] = (float) (r * sin (theta) * cos (phi));
        v[1] = (float) (r * sin (theta) * sin (phi));
        v[2] = (float) (r * cos (theta));
      }
  p[3 * top + 0] = 0, p[3 * top + 1] = 0, p[3 * top + 2] = r;
  p[3 * bottom + 0] = 0, p[3 * bottom + 1] = 0, p[3 * bottom + 2] = -r;
  for (guint j = 0; j < slices; j++)
    {
      guint j1 = (j + 1) % slices;

      *q++ = top, *q++ = j, *q++ = j1;
      for (guint i = 0; i + 2 < stacks; i++)
        {
          guint a = i * slices + j, b = i * slices + j1;
          guint c = (i + 1) * slices + j, d = (i + 1) * slices + j1;

          *q++ = a, *q++ = c, *q++ = d;
          *q++ = a, *q++ = d, *q++ = b;
        }
      *q++ = (stacks - 2) * slices + j, *q++ = bottom, *q++ = (stacks - 2) * slices + j1;
    }
  return osp_mesh_new_take (p, nv, t, nt);
}

static void
print_times (const char *what,
             double     *ms,
             guint       n)
{
  qsort (ms, n, sizeof *ms, osp_cli_compare_doubles);
  printf ("  %-28s min %9.1f µs   median %9.1f µs   max %9.1f µs\n", what, 1000 * ms[0],
          1000 * ms[n / 2], 1000 * ms[n - 1]);
}

int
osp_cli_bench_plan (int    argc,
                    char **argv)
{
  int triangles = 1000000;
  int repeat = 20;
  GOptionEntry entries[] = {
    { "triangles", 0, 0, G_OPTION_ARG_INT, &triangles, N_("Triangles of the mesh (≈)"), N_("N") },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, N_("Undo/redo pairs to time"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench plan", _("[--triangles N] [--repeat R]"),
                         _("Undo and redo of a cut of a big mesh; the cut, a save and an open "
                           "of the plan for scale."), entries);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspCommand) add = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *undo_ms = NULL;
  g_autofree double *redo_ms = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  OspPlane plane = { { 0.3f, 0.2f, 0.93f }, 5.0f };
  guint stacks, slices;
  int status = 0;
  double t0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (triangles < 1000 || triangles > 50000000 || repeat < 1 || repeat > 10000)
    return osp_cli_failf (_("bench plan: --triangles 1000–50000000, --repeat 1–10000"));

  /* slices = 2 stacks: 2 (stacks − 1) slices ≈ 4 stacks² triangles. */
  stacks = MAX (3u, (guint) sqrt (triangles / 4.0));
  slices = 2 * stacks;
  mesh = make_sphere (50, slices, stacks);
  model = osp_model_new ("Pelvis", mesh, OSP_MODEL_ROLE_BONE);
  add = osp_command_new_add_model (model, -1, NULL);
  if (!osp_plan_execute (plan, add, &error))
    return osp_cli_fail (error);
  printf ("bench plan: a sphere of %u triangles, %u vertices\n",
          osp_mesh_get_n_triangles (mesh), osp_mesh_get_n_vertices (mesh));

  t0 = osp_cli_now ();
  if (!osp_plan_cut_model (plan, model, &plane, 1, 0, "Cut Ilium", NULL, &error))
    return osp_cli_fail (error);
  printf ("  %-28s %9.1f ms  (%u models after)\n", "cut and cap (for scale)",
          (osp_cli_now () - t0) * 1000, osp_plan_get_n_models (plan));

  undo_ms = g_new (double, repeat);
  redo_ms = g_new (double, repeat);
  for (int i = 0; i < repeat; i++)
    {
      t0 = osp_cli_now ();
      osp_plan_undo (plan);
      undo_ms[i] = (osp_cli_now () - t0) * 1000;
      t0 = osp_cli_now ();
      osp_plan_redo (plan);
      redo_ms[i] = (osp_cli_now () - t0) * 1000;
    }
  print_times ("undo cut (goal < 50 ms)", undo_ms, repeat);
  print_times ("redo cut (goal < 50 ms)", redo_ms, repeat);
  printf ("  %-28s %9.1f MiB held only by the history\n", "history",
          osp_plan_get_history_bytes (plan) / 1048576.0);

  dir = g_dir_make_tmp ("osteoplan-bench-XXXXXX", &error);
  if (dir == NULL)
    return osp_cli_fail (error);
  path = g_build_filename (dir, "bench.osteoplan", NULL);
  t0 = osp_cli_now ();
  if (!osp_plan_save (plan, path, NULL, NULL, &error))
    status = osp_cli_fail (error);
  else
    {
      GStatBuf st;

      g_stat (path, &st);
      printf ("  %-28s %9.1f ms  (%.1f MiB)\n", "save (atomic, fsync)",
              (osp_cli_now () - t0) * 1000, st.st_size / 1048576.0);
      t0 = osp_cli_now ();
      back = osp_plan_open (path, NULL, NULL, &error);
      if (back == NULL)
        status = osp_cli_fail (error);
      else
        printf ("  %-28s %9.1f ms\n", "open", (osp_cli_now () - t0) * 1000);
    }
  g_unlink (path);
  g_rmdir (dir);
  return status;
}
