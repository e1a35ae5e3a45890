/* test-register.c — the mirrored template registered to the bone left after a resection, on
 * the real hemipelves of ../shared/data/mesh (pelvis atlas 11, left, right and sacrum)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plane of symmetry comes from the intact pair; the right hemipelvis mirrored across it
 * is the template; the left is cut (a type II periacetabular slab, a type I iliac resection)
 * and the template registered to what remains.  Scored against the true, uncut left bone.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-cut.h"
#include "osp-mesh-io.h"
#include "osp-plan.h"
#include "osp-segment.h"
#include "osp-symmetry.h"
#include "osp-test-common.h"
#include "osp-volume-io.h"

typedef struct
{
  const char *name;
  OspPlane    planes[2];
  guint       n_planes;
} Resection;

/* Atlas 11 is in LPS millimetres: z runs from the ischium (260) to the iliac crest (482). */
static const Resection resections[] = {
  /* Type II: the acetabulum, a slab 315 ≤ z ≤ 375 right across the hemipelvis. */
  { "type-II", { { { 0, 0, -1 }, -315 }, { { 0, 0, 1 }, 375 } }, 2 },
  /* Type I: the iliac wing above z = 410, with the sacroiliac joint. */
  { "type-I", { { { 0, 0, -1 }, -410 } }, 1 },
};

typedef struct
{
  OspMesh *left, *right, *sacrum, *template_mesh;
  OspPlane plane;
} Pelvis;

static gboolean
pelvis_load (Pelvis *p)
{
  const char *names[3] = { "mesh/pelvis_atlas_11_left_surface.stl",
                           "mesh/pelvis_atlas_11_right_surface.stl",
                           "mesh/pelvis_atlas_11_sacrum_surface.stl" };
  OspMesh **out[3] = { &p->left, &p->right, &p->sacrum };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) pair = NULL;
  OspResidual res;

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *path = osp_test_shared_data (names[i]);

      if (path == NULL)
        return FALSE;
      *out[i] = osp_mesh_load (path, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  pair = osp_mesh_merge ((OspMesh *const[]) { p->left, p->right }, 2);
  g_assert_true (osp_symmetry_estimate (pair, NULL, &p->plane, &res, NULL, NULL, &error));
  g_assert_no_error (error);
  /* The midsagittal plane: normal along x (left–right). */
  g_assert_cmpfloat (fabs (p->plane.normal[0]), >, 0.95);
  p->template_mesh = osp_mesh_mirror (p->right, &p->plane);
  return TRUE;
}

static void
pelvis_clear (Pelvis *p)
{
  g_clear_pointer (&p->left, osp_mesh_unref);
  g_clear_pointer (&p->right, osp_mesh_unref);
  g_clear_pointer (&p->sacrum, osp_mesh_unref);
  g_clear_pointer (&p->template_mesh, osp_mesh_unref);
}

/* RMS of the distances from the true left bone's vertices to the template. */
static double
truth_rms (const OspMesh *left,
           const OspMesh *placed,
           double        *out_p95)
{
  g_autofree float *d = g_new (float, osp_mesh_get_n_vertices (left));
  g_autoptr(GError) error = NULL;
  OspResidual stats;

  g_assert_true (osp_mesh_deviation (left, placed, d, &stats, NULL, NULL, &error));
  g_assert_no_error (error);
  *out_p95 = stats.p95_mm;
  return stats.rms_mm;
}

static void
test_register_resection (gconstpointer data)
{
  const Resection *r = data;
  Pelvis p = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(OspCutResult) cut = { 0 };
  g_autoptr(GPtrArray) bones = g_ptr_array_new ();
  g_autoptr(OspMesh) placed = NULL;
  g_autofree gboolean *used = NULL;
  OspTemplateOptions options = OSP_TEMPLATE_OPTIONS_INIT;
  OspTemplateFit fit, fit_sacrum;
  mat4 matrix, matrix_sacrum;
  double plane_rms, plane_p95, reg_rms, reg_p95;

  if (!pelvis_load (&p))
    return;
  g_assert_true (osp_mesh_cut (p.left, r->planes, r->n_planes, 0, &cut, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cut.outside->len, >=, 1);
  for (guint i = 0; i < cut.outside->len; i++)
    g_ptr_array_add (bones, g_ptr_array_index (cut.outside, i));

  options.cut_planes = r->planes;
  options.n_cut_planes = r->n_planes;
  g_assert_true (osp_template_register (p.template_mesh, (const OspMesh *const *) bones->pdata,
                                        bones->len, &options, matrix, &fit, NULL, NULL, NULL,
                                        &error));
  g_assert_no_error (error);
  placed = osp_mesh_transform (p.template_mesh, matrix);
  plane_rms = truth_rms (p.left, p.template_mesh, &plane_p95);
  reg_rms = truth_rms (p.left, placed, &reg_p95);
  g_test_message ("%s: overlap %.3f (plane %.3f), RMS %.3f mm (plane %.3f), p95 %.3f mm; "
                  "moved %.2f° %.2f mm; %u/%u starts rejected; to the true left bone: "
                  "RMS %.3f mm p95 %.3f mm (plane mirror %.3f / %.3f)",
                  r->name, fit.overlap, fit.plane_overlap, fit.rms_mm, fit.plane_rms_mm,
                  fit.p95_mm, fit.rotation_deg, fit.translation_mm, fit.n_rejected,
                  fit.n_starts, reg_rms, reg_p95, plane_rms, plane_p95);

  g_assert_cmpuint (fit.doubt, ==, OSP_TEMPLATE_DOUBT_NONE);
  g_assert_cmpuint (fit.n_bones_used, ==, bones->len);
  g_assert_cmpfloat (fit.overlap, >=, 0.85);
  g_assert_cmpfloat (fit.rms_mm, <=, 2.0);
  g_assert_cmpfloat (fit.p95_mm, <=, 3.0);
  g_assert_cmpfloat (fit.rms_mm, <=, fit.plane_rms_mm + 1e-6);
  g_assert_cmpfloat (fit.rotation_deg, <=, 7.5);
  g_assert_cmpfloat (fit.translation_mm, <=, 10);
  /* The template within a few mm of the whole true left bone, cut part included. */
  g_assert_cmpfloat (reg_rms, <=, 3.0);
  g_assert_cmpfloat (reg_p95, <=, 6.0);

  /* The sacrum loaded beside it: not used, the same result. */
  g_ptr_array_add (bones, p.sacrum);
  used = g_new0 (gboolean, bones->len);
  g_assert_true (osp_template_register (p.template_mesh, (const OspMesh *const *) bones->pdata,
                                        bones->len, &options, matrix_sacrum, &fit_sacrum, used,
                                        NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (used[bones->len - 1]);
  for (guint i = 0; i + 1 < bones->len; i++)
    g_assert_true (used[i]);
  g_assert_cmpuint (fit_sacrum.doubt, ==, OSP_TEMPLATE_DOUBT_NONE);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      g_assert_cmpfloat_with_epsilon (matrix_sacrum[i][j], matrix[i][j], 1e-4);
  pelvis_clear (&p);
}

/* Forced onto the wrong bone (the sacrum, asked for explicitly): it says so. */
static void
test_register_wrong_bone (void)
{
  Pelvis p = { 0 };
  g_autoptr(GError) error = NULL;
  OspTemplateOptions options = OSP_TEMPLATE_OPTIONS_INIT;
  OspTemplateFit fit;
  g_autofree char *words = NULL;
  mat4 matrix;

  if (!pelvis_load (&p))
    return;
  /* Selected automatically: the sacrum is no part of the template's bone. */
  g_assert_true (osp_template_register (p.template_mesh, (const OspMesh *const[]) { p.sacrum },
                                        1, &options, matrix, &fit, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fit.doubt, ==, OSP_TEMPLATE_DOUBT_NO_BONE);
  g_assert_cmpuint (fit.n_bones_used, ==, 0);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      g_assert_cmpfloat (matrix[i][j], ==, i == j ? 1.0f : 0.0f);
  words = osp_template_fit_describe_doubt (&fit);
  g_assert_nonnull (words);
  g_clear_pointer (&words, g_free);

  /* Asked to use it anyway: low overlap, and no move beyond the limits. */
  options.select_bones = FALSE;
  g_assert_true (osp_template_register (p.template_mesh, (const OspMesh *const[]) { p.sacrum },
                                        1, &options, matrix, &fit, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("sacrum: overlap %.3f, RMS %.3f, moved %.2f° %.2f mm, doubt %#x",
                  fit.overlap, fit.rms_mm, fit.rotation_deg, fit.translation_mm, fit.doubt);
  g_assert_true (fit.doubt & OSP_TEMPLATE_DOUBT_LOW_OVERLAP);
  g_assert_cmpfloat (fit.overlap, <, 0.5);
  g_assert_cmpfloat (fit.rotation_deg, <=, options.max_rotation_deg);
  g_assert_cmpfloat (fit.translation_mm, <=, options.max_translation_mm);
  words = osp_template_fit_describe_doubt (&fit);
  g_assert_nonnull (words);
  g_assert_true (strstr (words, "%") != NULL);
  pelvis_clear (&p);
}

/* The plane of symmetry of real CT bone: everything above 250 HU of the abdomen-pelvis CT
 * (spine and pelvis in one piece), where the principal axes alone gave a coronal plane at
 * 21 mm RMS.  Then the bone turned and moved by a known rigid motion (the patient's axes
 * with it): the plane moves with it. */
static void
test_symmetry_ct (void)
{
  g_autofree char *path = osp_test_shared_data ("nifti/totalseg_example_ct_abdomen_pelvis.nii.gz");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspMesh) bone = NULL, moved = NULL;
  g_autoptr(GError) error = NULL;
  OspSegmentOptions seg = OSP_SEGMENT_OPTIONS_INIT;
  OspSymmetryOptions options = OSP_SYMMETRY_OPTIONS_INIT;
  OspSymmetryResult result, result_moved;
  OspPlane expected;
  OspBox box;
  float centre[3];
  double angle, distance;
  mat4 m;
  vec3 lr = { 1, 0, 0 };

  if (path == NULL)
    return;
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  seg.threshold_hu = 250;
  seg.keep_pieces = 1;
  bone = osp_segment_volume (volume, &seg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_mesh_get_n_triangles (bone), >, 50000);

  g_assert_true (osp_symmetry_estimate_full (bone, &options, &result, NULL, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("CT bone: plane %.4f,%.4f,%.4f,%.2f; trimmed RMS %.2f mm, untrimmed %.2f mm; "
                  "%u candidates; ambiguous %d", result.plane.normal[0], result.plane.normal[1],
                  result.plane.normal[2], result.plane.d, result.residual.rms_mm,
                  result.untrimmed_rms_mm, result.n_candidates, result.ambiguous);
  /* Sagittal (the patient's left–right normal), and a trimmed fit under 2.5 mm. */
  g_assert_cmpfloat (fabs (result.plane.normal[0]), >, cos (5 * G_PI / 180));
  g_assert_cmpfloat (result.residual.rms_mm, <, 2.5);
  g_assert_cmpfloat (result.untrimmed_rms_mm, >, result.residual.rms_mm);
  g_assert_cmpfloat (result.untrimmed_rms_mm, <, 6.0);
  if (result.ambiguous)
    g_test_message ("rival %.4f,%.4f,%.4f,%.2f RMS %.2f angle %.2f", result.rival.normal[0], result.rival.normal[1], result.rival.normal[2], result.rival.d, result.rival_rms_mm, result.rival_angle_deg);
  g_assert_false (result.ambiguous);

  /* Turned 35° about z and 20° about y, moved by (40, −25, 60) mm. */
  glm_translate_make (m, (vec3) { 40, -25, 60 });
  glm_rotate (m, glm_rad (35), (vec3) { 0, 0, 1 });
  glm_rotate (m, glm_rad (20), (vec3) { 0, 1, 0 });
  moved = osp_mesh_transform (bone, m);
  glm_mat4_mulv3 (m, lr, 0, lr);
  memcpy (options.lr_axis, lr, sizeof lr);
  g_assert_true (osp_symmetry_estimate_full (moved, &options, &result_moved, NULL, NULL,
                                             &error));
  g_assert_no_error (error);
  /* The first plane moved: n' = R n, d' = d + n'·t. */
  {
    vec3 n = { result.plane.normal[0], result.plane.normal[1], result.plane.normal[2] };

    glm_mat4_mulv3 (m, n, 0, n);
    memcpy (expected.normal, n, sizeof n);
    expected.d = result.plane.d + glm_vec3_dot (n, (vec3) { m[3][0], m[3][1], m[3][2] });
  }
  osp_mesh_get_bounds (moved, &box);
  for (int k = 0; k < 3; k++)
    centre[k] = (box.min[k] + box.max[k]) / 2;
  osp_plane_compare (&result_moved.plane, &expected, centre, &angle, &distance);
  g_test_message ("moved: %.3f° and %.3f mm from the moved plane, trimmed RMS %.2f mm", angle,
                  distance, result_moved.residual.rms_mm);
  g_assert_cmpfloat (angle, <, 1.0);
  g_assert_cmpfloat (distance, <, 1.0);
  g_assert_cmpfloat (fabs (result_moved.residual.rms_mm - result.residual.rms_mm), <, 0.2);
}

static JsonObject *
parse_op (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The registration as a plan step: run, recorded as {"op": "register"}, and replayed from
 * the recorded operations into a new plan to the same pose. */
static void
test_register_replay (void)
{
  g_autofree char *dir = osp_test_shared_data ("mesh");
  g_autoptr(OspPlan) plan = NULL, again = NULL;
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GError) error = NULL;
  OspTemplateFit fit;
  float first[16], second[16];
  const char *steps[] = {
    "{\"op\": \"load\", \"path\": \"pelvis_atlas_11_left_surface.stl\", \"name\": \"Left\"}",
    "{\"op\": \"load\", \"path\": \"pelvis_atlas_11_right_surface.stl\", \"name\": \"Right\"}",
    "{\"op\": \"load\", \"path\": \"pelvis_atlas_11_sacrum_surface.stl\", \"name\": \"Sacrum\"}",
    "{\"op\": \"add-plane\", \"name\": \"Midsagittal\", "
    "\"plane\": [0.990139, 0.116204, 0.078237, 32.3247]}",
    "{\"op\": \"cut\", \"model\": \"Left\", \"planes\": [[0, 0, -1, -315], [0, 0, 1, 375]]}",
    "{\"op\": \"mirror\", \"model\": \"Right\", \"plane\": \"Midsagittal\", "
    "\"result\": \"Template\"}",
  };

  if (dir == NULL)
    return;
  plan = osp_plan_new ();
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(JsonObject) op = parse_op (steps[i]);

      g_assert_true (osp_plan_run_operation (plan, op, dir, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  {
    g_autoptr(JsonObject) op = parse_op ("{\"op\": \"register\", \"model\": \"Template\"}");

    g_assert_true (osp_plan_run_register (plan, op, &fit, NULL, &error));
    g_assert_no_error (error);
  }
  g_test_message ("plan: overlap %.3f, RMS %.3f mm, moved %.2f° %.2f mm, %u bones", fit.overlap,
                  fit.rms_mm, fit.rotation_deg, fit.translation_mm, fit.n_bones_used);
  g_assert_cmpuint (fit.doubt, ==, OSP_TEMPLATE_DOUBT_NONE);
  /* The two remaining pieces of the left, not the right, the sacrum or the resected slab. */
  g_assert_cmpuint (fit.n_bones_used, ==, 2);
  g_assert_cmpfloat (fit.rms_mm, <=, 2.0);
  g_assert_cmpstr (json_object_get_string_member (
                     osp_plan_get_operation (plan, osp_plan_get_n_operations (plan) - 1), "op"),
                   ==, "register");
  osp_model_get_transform (osp_plan_find_model (plan, "Template"), first);

  /* Replay what the plan recorded. */
  again = osp_plan_new ();
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      g_assert_true (osp_plan_run_operation (again, osp_plan_get_operation (plan, i), dir, NULL,
                                             NULL, &error));
      g_assert_no_error (error);
    }
  osp_model_get_transform (osp_plan_find_model (again, "Template"), second);
  for (int k = 0; k < 16; k++)
    g_assert_cmpfloat_with_epsilon (second[k], first[k], 1e-5 * (k >= 12 ? 100 : 1));
  /* Undone, the template is back at the plane mirror. */
  g_assert_true (osp_plan_undo (plan));
  osp_model_get_transform (osp_plan_find_model (plan, "Template"), second);
  for (int k = 0; k < 16; k++)
    g_assert_cmpfloat (second[k], ==, k % 5 == 0 ? 1.0f : 0.0f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (resections); i++)
    {
      g_autofree char *path = g_strdup_printf ("/register/resection/%s", resections[i].name);

      g_test_add_data_func (path, &resections[i], test_register_resection);
    }
  g_test_add_func ("/register/wrong-bone", test_register_wrong_bone);
  g_test_add_func ("/register/symmetry-ct", test_symmetry_ct);
  g_test_add_func ("/register/plan-replay", test_register_replay);
  return g_test_run ();
}
