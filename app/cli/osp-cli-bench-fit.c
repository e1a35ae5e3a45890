/* osp-cli-bench-fit.c — osteoplan-cli bench fit: the signed-distance map of an implant
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Goal (issue 6): the map of a 200 k-triangle implant against a 1 M-triangle bone within 1 s,
 * with two threads.  The bone is a bumpy sphere (or --bone FILE), the implant a UV sphere
 * straddling its surface, so half its vertices are inside: the realistic case of an implant
 * seated on bone.  The BVH is built once per bone (when it is loaded) and timed apart.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-fit.h"
#include "osp-mesh-io.h"

/* A closed UV sphere of about n_triangles, radius r(θ, φ) = radius (1 + bump sin 5θ sin 4φ),
 * centred at `center`. */
static OspMesh *
make_sphere (guint32      n_triangles,
             double       radius,
             double       bump,
             const double center[3])
{
  guint stacks = MAX (4, (guint) sqrt (n_triangles / 4.0));
  guint slices = MAX (4, n_triangles / (2 * stacks));
  guint32 nv = 2 + (stacks - 1) * slices, nt = 2 * slices * (stacks - 1), t = 0;
  float *p = g_new (float, 3 * (gsize) nv);
  guint32 *idx = g_new (guint32, 3 * (gsize) nt);

  for (guint i = 0; i <= stacks; i++)
    {
      double theta = G_PI * i / stacks;
      guint count = (i == 0 || i == stacks) ? 1 : slices;

      for (guint j = 0; j < count; j++)
        {
          double phi = 2 * G_PI * j / slices;
          double r = radius * (1 + bump * sin (5 * theta) * sin (4 * phi));
          guint32 v = i == 0 ? 0 : (i == stacks ? nv - 1 : 1 + (i - 1) * slices + j);

          p[3 * v] = (float) (center[0] + r * sin (theta) * cos (phi));
          p[3 * v + 1] = (float) (center[1] + r * sin (theta) * sin (phi));
          p[3 * v + 2] = (float) (center[2] + r * cos (theta));
        }
    }
#define V(i, j) ((i) == 0 ? 0u : ((i) == stacks ? nv - 1 : 1 + ((i) - 1) * slices + ((j) % slices)))
  for (guint i = 0; i < stacks; i++)
    for (guint j = 0; j < slices; j++)
      {
        guint32 a = V (i, j), b = V (i + 1, j), c = V (i + 1, j + 1), d = V (i, j + 1);

        if (i > 0)
          {
            idx[t++] = a; idx[t++] = b; idx[t++] = d;
          }
        if (i + 1 < stacks)
          {
            idx[t++] = d; idx[t++] = b; idx[t++] = c;
          }
      }
#undef V
  return osp_mesh_new_take (p, nv, idx, t / 3);
}

int
osp_cli_bench_fit (int    argc,
                   char **argv)
{
  int bone_triangles = 1000000, implant_triangles = 200000, repeat = 3;
  double lift = 0;
  g_autofree char *bone_path = NULL;
  GOptionEntry entries[] = {
    { "bone-triangles", 0, 0, G_OPTION_ARG_INT, &bone_triangles,
      N_("Triangles of the synthetic bone (default 1000000)"), N_("N") },
    { "implant-triangles", 0, 0, G_OPTION_ARG_INT, &implant_triangles,
      N_("Triangles of the implant (default 200000)"), N_("N") },
    { "bone", 0, 0, G_OPTION_ARG_FILENAME, &bone_path,
      N_("A bone mesh instead of the synthetic one"), N_("FILE") },
    { "lift", 0, 0, G_OPTION_ARG_DOUBLE, &lift,
      N_("Raise the implant's centre beside the bone (+x) by this fraction of its radius "
         "(default 0: half of it in the bone; 1: resting on the bone)"), N_("F") },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, N_("Runs per thread count (best kept)"),
      N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench fit", NULL,
                         _("Signed-distance map of a 200 k-triangle implant against a "
                           "1 M-triangle bone (goal: 1 s with two threads)."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) bone = NULL;
  g_autoptr(OspMesh) implant = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  OspBox box;
  double center[3], radius, t0, t_bvh, t_stats = 0, best[3] = { INFINITY, INFINITY, INFINITY };
  const guint thread_counts[2] = { 1, 2 };
  OspFitStats s = { 0 };
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (bone_triangles < 100 || bone_triangles > 20000000 || implant_triangles < 100 ||
      implant_triangles > 20000000 || repeat < 1 || repeat > 100 || !(fabs (lift) <= 10))
    return osp_cli_failf (_("bench fit: bad triangle count or repeat"));

  if (bone_path != NULL)
    {
      bone = osp_mesh_load (bone_path, NULL, NULL, &error);
      if (bone == NULL)
        return osp_cli_fail (error);
    }
  else
    {
      const double origin[3] = { 0, 0, 0 };

      bone = make_sphere ((guint32) bone_triangles, 80, 0.05, origin);
    }
  osp_mesh_get_bounds (bone, &box);
  radius = 0;
  for (int k = 0; k < 3; k++)
    radius = MAX (radius, (box.max[k] - box.min[k]) / 2);
  /* The implant (a quarter of the bone's size) centred on the bone's side (+x: on the
   * synthetic bone's equator, away from the poles, whose fans of slivers no real bone has). */
  center[0] = box.max[0] + lift * radius / 4;
  center[1] = (box.min[1] + box.max[1]) / 2;
  center[2] = (box.min[2] + box.max[2]) / 2;
  implant = make_sphere ((guint32) implant_triangles, radius / 4, 0, center);

  printf (_("bone: %u triangles; implant: %u triangles, %u vertices\n"),
          osp_mesh_get_n_triangles (bone), osp_mesh_get_n_triangles (implant),
          osp_mesh_get_n_vertices (implant));
  t0 = osp_cli_now ();
  bvh = osp_bvh_new_full (bone, NULL, NULL, &error);
  if (bvh == NULL)
    return osp_cli_fail (error);
  t_bvh = osp_cli_now () - t0;
  printf (_("BVH of the bone (once per bone): %.3f s\n"), t_bvh);

  for (guint c = 0; c < G_N_ELEMENTS (thread_counts); c++)
    for (int r = 0; r < repeat; r++)
      {
        g_autofree float *map = NULL;
        double t_map;

        t0 = osp_cli_now ();
        map = osp_fit_distance_map (implant, NULL, bvh, thread_counts[c], NULL, NULL, &error);
        if (map == NULL)
          return osp_cli_fail (error);
        t_map = osp_cli_now () - t0;
        t0 = osp_cli_now ();
        osp_fit_stats (implant, map, OSP_FIT_CONTACT_MM, &s);
        t_stats = osp_cli_now () - t0;
        best[c] = MIN (best[c], t_map + t_stats);
      }

  printf (_("map + statistics, 1 thread:  %.3f s (%.2f M vertices/s)\n"), best[0],
          osp_mesh_get_n_vertices (implant) / best[0] / 1e6);
  printf (_("map + statistics, 2 threads: %.3f s (%.2f M vertices/s, goal 1 s: %s)\n"),
          best[1], osp_mesh_get_n_vertices (implant) / best[1] / 1e6,
          best[1] <= 1.0 ? _("met") : _("missed"));
  printf (_("statistics alone: %.3f s\n"), t_stats);
  printf (_("min %.3f mm, max %.3f mm, penetration %.3f mm, contact %.1f mm²\n"), s.min_mm,
          s.max_mm, s.penetration_mm, s.contact_area_mm2);
  return 0;
}
