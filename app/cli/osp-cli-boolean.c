/* osp-cli-boolean.c — osteoplan-cli boolean and bench boolean
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench boolean: subtract a ~50 k-triangle torus (a guide's size) that crosses the surface of
 * a ~500 k-triangle torus (a hemipelvis's size), or of --bone FILE, best of R runs.  Beside it,
 * CGAL's corefinement used as its own examples use it (build two exact Surface_meshes, call
 * corefine_and_compute_difference, nothing else), so the figure shows what our checks and the
 * rounding cost on top of the kernel.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "osp-boolean.h"
#include "osp-boolean-cgal-private.h"
#include "osp-cli-private.h"
#include "osp-mesh-io.h"

int
osp_cli_boolean (int    argc,
                 char **argv)
{
  g_autofree char *op_text = NULL;
  g_autofree char *out = NULL;
  double solid_tolerance = 0;
  GOptionEntry entries[] = {
    { "op", 0, 0, G_OPTION_ARG_STRING, &op_text,
      N_("union, difference (A − B) or intersection"), N_("OP") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("The result (.stl, .obj, .ply, .3mf)"), N_("OUT") },
    { "make-solid", 0, 0, G_OPTION_ARG_DOUBLE, &solid_tolerance,
      N_("First make operands that are open or cross themselves solid by wrapping them, "
         "moving their surface by at most MM"), N_("MM") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("boolean", _("A B --op union|difference|intersection -o OUT"),
                         _("Union, difference or intersection of two closed meshes, computed "
                           "exactly.  The result is closed, manifold and free of "
                           "self-intersections, or the command says why it cannot be."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) a = NULL, b = NULL, result = NULL;
  g_autoptr(OspCliProgress) progress = NULL;
  OspProgressRange range;
  OspBooleanOp op;
  OspMeshReport report;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return osp_cli_failf (_("boolean: give two input meshes (see --help)"));
  if (op_text == NULL || !osp_boolean_op_from_string (op_text, &op))
    return osp_cli_failf (_("boolean: give --op union, difference or intersection"));
  if (out == NULL)
    return osp_cli_failf (_("boolean: give the output file with -o OUT"));
  if (!(solid_tolerance >= 0 && solid_tolerance <= 10))
    return osp_cli_failf (_("boolean: --make-solid takes a distance between 0 and 10 mm"));

  a = osp_mesh_load (argv[1], NULL, NULL, &error);
  if (a == NULL)
    return osp_cli_fail (error);
  b = osp_mesh_load (argv[2], NULL, NULL, &error);
  if (b == NULL)
    return osp_cli_fail (error);

  if (solid_tolerance > 0)
    {
      OspMesh **operands[2] = { &a, &b };

      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(GError) check_error = NULL;
          g_autoptr(OspMesh) solid = NULL;
          g_autofree char *note = NULL;
          g_autofree char *line = NULL;

          if (osp_boolean_check_operand (*operands[i], argv[1 + i], NULL, &check_error))
            continue;
          solid = osp_mesh_make_solid (*operands[i], solid_tolerance, &note, NULL, NULL, &error);
          if (solid == NULL)
            return osp_cli_fail (error);
          line = g_strdup_printf ("%s: %s %s", argv[1 + i], check_error->message, note);
          osp_cli_warn (line);
          osp_mesh_unref (*operands[i]);
          *operands[i] = g_steal_pointer (&solid);
        }
    }

  progress = osp_cli_progress_new (_("Computing"));
  range = (OspProgressRange) { osp_cli_progress_update, progress, 0, 1 };
  result = osp_mesh_boolean (a, b, op, &range, NULL, &error);
  g_clear_pointer (&progress, osp_cli_progress_free);
  if (result == NULL)
    return osp_cli_fail (error);
  if (osp_mesh_get_n_triangles (result) == 0)
    return osp_cli_failf (op == OSP_BOOLEAN_INTERSECTION
                          ? _("boolean: the result is empty: the meshes do not overlap")
                          : _("boolean: the result is empty: the second mesh encloses the "
                              "first"));
  if (!osp_mesh_save (result, out, OSP_MESH_FORMAT_UNKNOWN, &error))
    return osp_cli_fail (error);

  osp_mesh_report (result, &report);
  /* osp_mesh_boolean() promises a closed result; say so loudly if that ever breaks. */
  if (!report.closed)
    return osp_cli_failf (_("boolean: internal error: the result is not closed; it was written "
                            "to %s for inspection"), out);
  printf (g_dngettext (GETTEXT_PACKAGE,
                       "%s: %u triangles, %u vertices, volume %.3f mm³, closed, %u piece\n",
                       "%s: %u triangles, %u vertices, volume %.3f mm³, closed, %u pieces\n",
                       report.topology.n_components),
          out, report.n_triangles, report.n_vertices, report.volume,
          report.topology.n_components);
  return 0;
}

/* A torus around the z axis at `center`: nu × nv quads, 2 nu nv triangles. */
static OspMesh *
make_torus_at (double       R,
               double       r,
               guint32      nu,
               guint32      nv,
               const float  center[3])
{
  g_autoptr(OspMesh) torus = osp_cli_make_torus (R, r, nu, nv, FALSE);
  mat4 m;

  glm_mat4_identity (m);
  /* Tilted so the guide's faces are in general position with the bone's. */
  glm_translate (m, (vec3) { center[0], center[1], center[2] });
  glm_rotate (m, 0.37f, (vec3) { 0.3f, 1.0f, 0.2f });
  return osp_mesh_transform (torus, m);
}

int
osp_cli_bench_boolean (int    argc,
                       char **argv)
{
  g_autofree char *bone_path = NULL;
  int bone_triangles = 500000, guide_triangles = 50000, repeat = 3;
  GOptionEntry entries[] = {
    { "bone", 'b', 0, G_OPTION_ARG_FILENAME, &bone_path,
      N_("Subtract from this closed mesh instead of a generated torus"), N_("FILE") },
    { "bone-triangles", 0, 0, G_OPTION_ARG_INT, &bone_triangles,
      N_("Triangles of the generated bone (default 500000)"), N_("N") },
    { "guide-triangles", 0, 0, G_OPTION_ARG_INT, &guide_triangles,
      N_("Triangles of the generated guide (default 50000)"), N_("N") },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, N_("Best of R runs (default 3)"), N_("R") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("bench boolean", _("[--bone FILE] [--bone-triangles N]"),
                         _("Time subtracting a 50 k-triangle guide from a 500 k-triangle bone "
                           "(goal 2 s), beside CGAL's corefinement alone."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) bone = NULL, guide = NULL;
  double best = G_MAXDOUBLE, best_cgal = G_MAXDOUBLE;
  OspMeshReport report = { 0 };
  OspBox box;
  float center[3];
  double radius;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  repeat = CLAMP (repeat, 1, 20);

  if (bone_path != NULL)
    {
      bone = osp_mesh_load (bone_path, NULL, NULL, &error);
      if (bone == NULL)
        return osp_cli_fail (error);
    }
  else
    {
      guint32 nv = MAX ((guint32) sqrt (CLAMP (bone_triangles, 1000, 20000000) / 8.0), 3);

      bone = osp_cli_make_torus (60, 20, 4 * nv, nv, FALSE);
    }
  osp_mesh_get_bounds (bone, &box);
  /* The guide sits on the bone's surface: centred on the top of its bounding box, over the
   * middle, so about half of it is inside the bone. */
  for (int k = 0; k < 3; k++)
    center[k] = 0.5f * (box.min[k] + box.max[k]);
  center[0] = box.max[0] - 0.25f * (box.max[0] - box.min[0]);
  center[2] = box.max[2];
  radius = 0.12 * (box.max[0] - box.min[0]);
  {
    guint32 nv = MAX ((guint32) sqrt (CLAMP (guide_triangles, 100, 5000000) / 8.0), 3);

    guide = make_torus_at (radius, radius * 0.35, 4 * nv, nv, center);
  }

  for (int r = 0; r < repeat; r++)
    {
      g_autoptr(OspMesh) result = NULL;
      double t0 = osp_cli_now ();

      result = osp_mesh_boolean (bone, guide, OSP_BOOLEAN_DIFFERENCE, NULL, NULL, &error);
      if (result == NULL)
        return osp_cli_fail (error);
      best = MIN (best, osp_cli_now () - t0);
      if (r == 0)
        osp_mesh_report (result, &report);
    }
  for (int r = 0; r < repeat; r++)
    {
      OspCgalMeshView va = { osp_mesh_get_positions (bone), osp_mesh_get_n_vertices (bone),
                             osp_mesh_get_indices (bone), osp_mesh_get_n_triangles (bone) };
      OspCgalMeshView vb = { osp_mesh_get_positions (guide), osp_mesh_get_n_vertices (guide),
                             osp_mesh_get_indices (guide), osp_mesh_get_n_triangles (guide) };
      g_autofree float *positions = NULL;
      g_autofree guint32 *indices = NULL;
      g_autofree char *reason = NULL;
      guint32 nv = 0, nt = 0;
      double t0 = osp_cli_now ();

      if (!osp_cgal_corefine_only (&va, &vb, OSP_CGAL_DIFFERENCE, &positions, &nv, &indices,
                                   &nt, &reason))
        return osp_cli_failf ("bench boolean: %s", reason);
      best_cgal = MIN (best_cgal, osp_cli_now () - t0);
    }

  printf ("bench boolean: %d CPUs, best of %d runs\n", g_get_num_processors (), repeat);
  printf ("bone: %s, %u triangles; guide: torus, %u triangles\n",
          bone_path != NULL ? bone_path : "torus", osp_mesh_get_n_triangles (bone),
          osp_mesh_get_n_triangles (guide));
  printf ("  %-40s %8.3f s  (goal ≤ 2 s)\n", _("osteoplan difference (checked, exact)"), best);
  printf ("    result: %u triangles, %s, volume %.1f mm³ (bone %.1f mm³)\n", report.n_triangles,
          report.closed ? "closed" : "NOT CLOSED", report.volume, osp_mesh_get_volume (bone));
  printf ("  %-40s %8.3f s\n", _("CGAL corefinement alone"), best_cgal);
  printf ("  %-40s %8.2f ×\n", _("osteoplan time ÷ CGAL time"), best / best_cgal);
  return 0;
}
