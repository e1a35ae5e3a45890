/* osp-cli-symmetry.c — osteoplan-cli symmetry IN… and osteoplan-cli mirror IN --plane … -o OUT
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-cut.h"
#include "osp-mesh-io.h"
#include "osp-symmetry.h"

int
osp_cli_symmetry (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  g_autofree char *initial_text = NULL;
  g_autofree char *mirror_out = NULL;
  double trim = 0.2;
  int max_points = 20000;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { "initial-plane", 0, 0, G_OPTION_ARG_STRING, &initial_text,
      N_("Start from this plane instead of the principal axes"), N_("NX,NY,NZ,D") },
    { "trim", 0, 0, G_OPTION_ARG_DOUBLE, &trim,
      N_("Fraction of the worst point pairs ICP ignores (default 0.2)"), N_("F") },
    { "points", 0, 0, G_OPTION_ARG_INT, &max_points,
      N_("Points sampled for ICP (default 20000)"), N_("N") },
    { "mirror", 0, 0, G_OPTION_ARG_FILENAME, &mirror_out,
      N_("Also write the first input mirrored across the plane"), N_("OUT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("symmetry", _("IN…"),
                         _("Estimate the plane of symmetry (midsagittal plane) of a mesh: "
                           "the principal axes give candidates, ICP of the mirrored mesh onto "
                           "the original refines the best.  Several inputs (left and right "
                           "hemipelvis) are merged first.  Prints the plane n·x = d and the "
                           "residual (RMS and 95th percentile of the closest-point distances)."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autoptr(OspMesh) merged = NULL;
  g_autoptr(OspCliProgress) bar = NULL;
  OspSymmetryOptions options = OSP_SYMMETRY_OPTIONS_INIT;
  OspProgressRange progress = { osp_cli_progress_update, NULL, 0, 1 };
  OspSymmetryResult result;
  OspPlane plane;
  OspResidual res;
  double t0, seconds;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return osp_cli_failf (_("symmetry: give at least one input mesh (see --help)"));
  if (!(trim >= 0 && trim < 1))
    return osp_cli_failf (_("symmetry: --trim must be at least 0 and below 1"));
  if (max_points < 100)
    return osp_cli_failf (_("symmetry: --points must be at least 100"));
  if (initial_text != NULL)
    {
      if (!osp_plane_parse (initial_text, &options.initial_plane, &error))
        return osp_cli_fail (error);
      options.has_initial_plane = TRUE;
    }
  options.trim_fraction = trim;
  options.max_points = (guint32) max_points;

  for (int i = 1; i < argc; i++)
    {
      OspMesh *mesh = osp_mesh_load (argv[i], NULL, NULL, &error);

      if (mesh == NULL)
        return osp_cli_fail (error);
      g_ptr_array_add (meshes, mesh);
    }
  merged = osp_mesh_merge ((OspMesh *const *) meshes->pdata, meshes->len);

  bar = osp_cli_progress_new (_("Symmetry"));
  progress.user_data = bar;
  t0 = osp_cli_now ();
  if (!osp_symmetry_estimate_full (merged, &options, &result, &progress, NULL, &error))
    return osp_cli_fail (error);
  plane = result.plane;
  res = result.residual;
  seconds = osp_cli_now () - t0;
  g_clear_pointer (&bar, osp_cli_progress_free);

  if (mirror_out != NULL)
    {
      g_autoptr(OspMesh) mirrored = osp_mesh_mirror (g_ptr_array_index (meshes, 0), &plane);

      if (!osp_mesh_save (mirrored, mirror_out, OSP_MESH_FORMAT_UNKNOWN, &error))
        return osp_cli_fail (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "plane");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "normal");
      json_builder_begin_array (b);
      for (int k = 0; k < 3; k++)
        json_builder_add_double_value (b, plane.normal[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "d");
      json_builder_add_double_value (b, plane.d);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "rms_mm");
      json_builder_add_double_value (b, res.rms_mm);
      json_builder_set_member_name (b, "p95_mm");
      json_builder_add_double_value (b, res.p95_mm);
      json_builder_set_member_name (b, "trimmed_fraction");
      json_builder_add_double_value (b, trim);
      json_builder_set_member_name (b, "untrimmed_rms_mm");
      json_builder_add_double_value (b, result.untrimmed_rms_mm);
      json_builder_set_member_name (b, "untrimmed_p95_mm");
      json_builder_add_double_value (b, result.untrimmed_p95_mm);
      json_builder_set_member_name (b, "candidates");
      json_builder_add_int_value (b, result.n_candidates);
      json_builder_set_member_name (b, "ambiguous");
      json_builder_add_boolean_value (b, result.ambiguous);
      if (result.ambiguous)
        {
          json_builder_set_member_name (b, "rival");
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "normal");
          json_builder_begin_array (b);
          for (int k = 0; k < 3; k++)
            json_builder_add_double_value (b, result.rival.normal[k]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "d");
          json_builder_add_double_value (b, result.rival.d);
          json_builder_set_member_name (b, "rms_mm");
          json_builder_add_double_value (b, result.rival_rms_mm);
          json_builder_set_member_name (b, "angle_deg");
          json_builder_add_double_value (b, result.rival_angle_deg);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "pairs");
      json_builder_add_int_value (b, res.n_pairs);
      json_builder_set_member_name (b, "iterations");
      json_builder_add_int_value (b, res.n_iterations);
      json_builder_set_member_name (b, "triangles");
      json_builder_add_int_value (b, osp_mesh_get_n_triangles (merged));
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, seconds);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      osp_cli_print_json (root);
    }
  else
    {
      printf (_("plane: %.6f,%.6f,%.6f,%.4f  (n·x = d, mm)\n"), plane.normal[0], plane.normal[1],
              plane.normal[2], plane.d);
      printf (_("residual of the mirrored surface to the original over the best %.0f %% of the "
                "point pairs (trimmed): RMS %.3f mm, 95th percentile %.3f mm (%u pairs, %u "
                "iterations)\n"), 100 * (1 - trim), res.rms_mm, res.p95_mm, res.n_pairs,
              res.n_iterations);
      printf (_("over every pair (untrimmed): RMS %.3f mm, 95th percentile %.3f mm\n"),
              result.untrimmed_rms_mm, result.untrimmed_p95_mm);
      if (result.ambiguous)
        printf (_("warning: another plane fits nearly as well: %.6f,%.6f,%.6f,%.4f, %.1f° "
                  "away, trimmed RMS %.3f mm; check the plane against the anatomy\n"),
                result.rival.normal[0], result.rival.normal[1], result.rival.normal[2],
                result.rival.d, result.rival_angle_deg, result.rival_rms_mm);
      printf (_("%u triangles in %.3f s\n"), osp_mesh_get_n_triangles (merged), seconds);
    }
  return 0;
}

int
osp_cli_mirror (int    argc,
                char **argv)
{
  g_autofree char *plane_text = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) register_to = NULL;
  gboolean all_bones = FALSE;
  double max_rotation = 15, max_translation = 20;
  g_auto(GStrv) exclude_texts = NULL;
  double exclude_distance = 10;
  GOptionEntry entries[] = {
    { "plane", 'p', 0, G_OPTION_ARG_STRING, &plane_text,
      N_("The mirror plane n·x = d"), N_("NX,NY,NZ,D") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      N_("The mirrored mesh (.stl, .obj, .ply, .3mf)"), N_("OUT") },
    { "register", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &register_to,
      N_("Register the mirrored mesh to the intact part of this bone (the bone left after a "
         "resection; repeatable for several pieces) before writing it, and print the fit"),
      N_("BONE") },
    { "all-bones", 0, 0, G_OPTION_ARG_NONE, &all_bones,
      N_("With --register: use every bone given, even one the plane mirror does not overlap"),
      NULL },
    { "max-rotation", 0, 0, G_OPTION_ARG_DOUBLE, &max_rotation,
      N_("With --register: the most the template may turn from the plane mirror, degrees "
         "(default 15)"), N_("DEG") },
    { "max-translation", 0, 0, G_OPTION_ARG_DOUBLE, &max_translation,
      N_("With --register: the most the template may move from the plane mirror, mm "
         "(default 20)"), N_("MM") },
    { "exclude-plane", 0, 0, G_OPTION_ARG_STRING_ARRAY, &exclude_texts,
      N_("With --register: do not trust the bone near this cut plane (repeatable)"),
      N_("NX,NY,NZ,D") },
    { "exclude-distance", 0, 0, G_OPTION_ARG_DOUBLE, &exclude_distance,
      N_("With --exclude-plane: how near is untrusted, mm (default 10)"), N_("MM") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("mirror", _("IN --plane NX,NY,NZ,D -o OUT"),
                         _("Mirror a mesh across a plane (the healthy side onto the defect "
                           "side: a template).  Normals stay outward."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL, mirrored = NULL;
  OspPlane plane;
  OspPlane excluded[16];
  guint n_excluded = 0;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return osp_cli_failf (_("mirror: give one input mesh (see --help)"));
  if (plane_text == NULL)
    return osp_cli_failf (_("mirror: give the plane with --plane NX,NY,NZ,D"));
  if (out == NULL)
    return osp_cli_failf (_("mirror: give the output file with -o OUT"));
  if (!osp_plane_parse (plane_text, &plane, &error))
    return osp_cli_fail (error);
  for (guint i = 0; exclude_texts != NULL && exclude_texts[i] != NULL; i++)
    {
      if (n_excluded == G_N_ELEMENTS (excluded))
        return osp_cli_failf (_("mirror: at most %u --exclude-plane"),
                              (guint) G_N_ELEMENTS (excluded));
      if (!osp_plane_parse (exclude_texts[i], &excluded[n_excluded++], &error))
        return osp_cli_fail (error);
    }
  if (!(exclude_distance >= 0))
    return osp_cli_failf (_("mirror: --exclude-distance must be a number ≥ 0"));

  mesh = osp_mesh_load (argv[1], NULL, NULL, &error);
  if (mesh == NULL)
    return osp_cli_fail (error);
  mirrored = osp_mesh_mirror (mesh, &plane);

  if (register_to != NULL)
    {
      g_autoptr(GPtrArray) bones = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
      g_autoptr(OspMesh) registered = NULL;
      g_autoptr(OspMesh) bone = NULL;
      g_autofree float *deviation = NULL;
      g_autofree gboolean *used = NULL;
      g_autofree char *doubt = NULL;
      OspTemplateOptions options = OSP_TEMPLATE_OPTIONS_INIT;
      OspTemplateFit fit;
      OspResidual dev;
      mat4 matrix;

      if (!(max_rotation > 0 && max_rotation <= 180) || !(max_translation > 0))
        return osp_cli_failf (_("mirror: --max-rotation must be 0–180° and --max-translation "
                                "above 0 mm"));
      for (guint i = 0; register_to[i] != NULL; i++)
        {
          OspMesh *b = osp_mesh_load (register_to[i], NULL, NULL, &error);

          if (b == NULL)
            return osp_cli_fail (error);
          g_ptr_array_add (bones, b);
        }
      options.cut_planes = excluded;
      options.n_cut_planes = n_excluded;
      options.exclude_distance_mm = exclude_distance;
      options.max_rotation_deg = max_rotation;
      options.max_translation_mm = max_translation;
      options.select_bones = !all_bones;
      used = g_new0 (gboolean, bones->len);
      if (!osp_template_register (mirrored, (const OspMesh *const *) bones->pdata, bones->len,
                                  &options, matrix, &fit, used, NULL, NULL, &error))
        return osp_cli_fail (error);
      for (guint i = 0; i < bones->len; i++)
        if (!used[i])
          printf (_("warning: %s was not used: the plane mirror does not overlap it (another "
                    "bone?); --all-bones uses it anyway\n"), register_to[i]);
      registered = osp_mesh_transform (mirrored, matrix);
      printf (_("registered to the intact bone: %.1f %% of %u points away from the cuts match "
                "within %.1f mm; over them RMS %.3f mm, 95th percentile %.3f mm\n"),
              100 * fit.overlap, fit.n_trusted, options.match_distance_mm, fit.rms_mm,
              fit.p95_mm);
      printf (_("plane mirror alone: %.1f %% match; RMS %.3f mm, 95th percentile %.3f mm\n"),
              100 * fit.plane_overlap, fit.plane_rms_mm, fit.plane_p95_mm);
      printf (_("moved from the plane mirror: %.2f° and %.2f mm (%u starts, %u beyond the "
                "limits)\n"), fit.rotation_deg, fit.translation_mm, fit.n_starts,
              fit.n_rejected);
      doubt = osp_template_fit_describe_doubt (&fit);
      if (doubt != NULL)
        printf (_("warning: the registration is doubtful: %s\n"), doubt);
      bone = osp_mesh_merge ((OspMesh *const *) bones->pdata, bones->len);
      deviation = g_new (float, MAX (osp_mesh_get_n_vertices (registered), 1));
      if (!osp_mesh_deviation (registered, bone, deviation, &dev, NULL, NULL, &error))
        return osp_cli_fail (error);
      printf (_("deviation of every template vertex from the bone's surface (the resected "
                "region included, so large there): RMS %.3f mm, 95th percentile %.3f mm, "
                "mean %.3f mm\n"), dev.rms_mm, dev.p95_mm, dev.mean_mm);
      g_clear_pointer (&mirrored, osp_mesh_unref);
      mirrored = g_steal_pointer (&registered);
    }

  if (!osp_mesh_save (mirrored, out, OSP_MESH_FORMAT_UNKNOWN, &error))
    return osp_cli_fail (error);
  printf (_("%s → %s: mirrored across %.6f,%.6f,%.6f,%.4f; %u triangles, %.1f mm³\n"), argv[1],
          out, plane.normal[0], plane.normal[1], plane.normal[2], plane.d,
          osp_mesh_get_n_triangles (mirrored), osp_mesh_get_volume (mirrored));
  return 0;
}
