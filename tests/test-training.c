/* test-training.c — training mode: each step's check flips with the plan, notes survive files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-implant.h"
#include "osp-measure.h"
#include "osp-phantom.h"
#include "osp-test-common.h"
#include "osp-training.h"

static void
execute_ok (OspPlan    *plan,
            OspCommand *command)
{
  g_autoptr(OspCommand) owned = command;
  g_autoptr(GError) error = NULL;

  g_assert_true (osp_plan_execute (plan, owned, &error));
  g_assert_no_error (error);
}

static void
on_changed (OspTraining *training,
            guint       *count)
{
  (*count)++;
}

/* The checks in order: each step flips from undone to done by the plan change a trainee
 * makes, the GUI's reports flip LOOK and EXPORT, and undo flips a check back. */
static void
test_checks (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspTraining) training = osp_training_new (plan);
  g_autoptr(OspMesh) box = osp_test_make_box (40, 20, 10);
  g_autoptr(OspModel) bone = osp_model_new ("Pelvis", box, OSP_MODEL_ROLE_BONE);
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "trainee.osteoplan", NULL);
  g_autoptr(GError) error = NULL;
  OspPlane plane = { { 1, 0, 0 }, 5 };
  OspPlane midline = { { 1, 0, 0 }, 0 };
  const float position[3] = { 1, 2, 3 };
  guint changes = 0;
  OspModel *piece;

  g_signal_connect (training, "changed", G_CALLBACK (on_changed), &changes);
  for (guint step = 0; step < OSP_TRAINING_N_STEPS; step++)
    g_assert_false (osp_training_is_done (training, step));
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_OPEN);
  g_assert_false (osp_training_next (training));
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_OPEN);

  /* 1. Open. */
  execute_ok (plan, osp_command_new_add_model (bone, -1, NULL));
  g_assert_cmpuint (changes, >, 0);
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_OPEN));
  g_assert_true (osp_training_next (training));
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_LOOK);

  /* 2. Look: only the GUI knows. */
  g_assert_false (osp_training_next (training));
  changes = 0;
  osp_training_report (training, OSP_TRAINING_STEP_LOOK);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_LOOK));
  g_assert_true (osp_training_next (training));

  /* 3. Cut, and undo flips it back. */
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_CUT));
  g_assert_true (osp_plan_cut_model (plan, bone, &plane, 1, 0, "Cut Pelvis", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_CUT));
  g_assert_true (osp_plan_undo (plan));
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_CUT));
  g_assert_true (osp_plan_redo (plan));
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_CUT));
  g_assert_true (osp_training_next (training));

  /* 4. Mirror: an estimated plane, or a template. */
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_MIRROR));
  execute_ok (plan, osp_command_new_add_plane ("Cut guide", &midline));
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_MIRROR));
  execute_ok (plan, osp_command_new_add_plane ("Midsagittal", &midline));
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_MIRROR));
  g_assert_true (osp_plan_undo (plan));
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_MIRROR));
  g_assert_cmpuint (osp_plan_get_n_models (plan), >=, 1);
  piece = osp_plan_get_model (plan, 0);
  g_assert_true (osp_plan_mirror_model (plan, piece, &midline, "Template", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_MIRROR));
  g_assert_true (osp_training_next (training));

  /* 5. Implant. */
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_IMPLANT));
  {
    g_autoptr(OspMesh) plate = osp_test_make_box (10, 10, 2);
    g_autoptr(OspModel) implant = osp_model_new ("Plate", plate, OSP_MODEL_ROLE_GUIDE);

    execute_ok (plan, osp_command_new_add_model (implant, -1, NULL));
    g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_IMPLANT));
    execute_ok (plan, osp_command_new_set_role (implant, OSP_MODEL_ROLE_IMPLANT));
    g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_IMPLANT));
  }
  g_assert_true (osp_training_next (training));

  /* 6. Guide: a guide model (without a key, any guide). */
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_GUIDE);
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_GUIDE));
  g_assert_false (osp_training_next (training));
  {
    g_autoptr(OspMesh) shell = osp_test_make_box (10, 10, 4);
    g_autoptr(OspModel) guide = osp_model_new ("Guide 1", shell, OSP_MODEL_ROLE_GUIDE);

    execute_ok (plan, osp_command_new_add_model (guide, -1, NULL));
    g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_GUIDE));
  }
  g_assert_true (osp_training_next (training));

  /* 7. Measure. */
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_MEASURE));
  execute_ok (plan, osp_command_new_add_landmark ("ASIS L", position));
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_MEASURE));
  g_assert_true (osp_training_next (training));

  /* 8. Export: reported by the GUI. */
  g_assert_false (osp_training_next (training));
  osp_training_report (training, OSP_TRAINING_STEP_EXPORT);
  g_assert_true (osp_training_next (training));

  /* 9. Save: a file, unmodified, with work in it; a change makes it undone again. */
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_SAVE);
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_SAVE));
  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_SAVE));
  execute_ok (plan, osp_command_new_add_landmark ("ASIS R", position));
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_SAVE));
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_SAVE));
  g_assert_true (osp_training_next (training));
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_N_STEPS);
  g_assert_false (osp_training_next (training));

  /* A freshly opened file is not "saved work": nothing to undo yet. */
  {
    g_autoptr(OspPlan) opened = osp_plan_open (path, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (osp_training_check_plan (opened, OSP_TRAINING_STEP_SAVE));
    g_assert_true (osp_training_check_plan (opened, OSP_TRAINING_STEP_CUT));
    g_assert_true (osp_training_check_plan (opened, OSP_TRAINING_STEP_IMPLANT));
  }

  /* Restart forgets the reports; another plan starts over. */
  osp_training_restart (training);
  g_assert_cmpuint (osp_training_get_current (training), ==, OSP_TRAINING_STEP_OPEN);
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_LOOK));
  {
    g_autoptr(OspPlan) empty = osp_plan_new ();

    osp_training_set_plan (training, empty);
    g_assert_true (osp_training_get_plan (training) == empty);
    g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_OPEN));
    osp_training_set_plan (training, NULL);
  }
  g_unlink (path);
}

static void
test_steps (void)
{
  for (guint step = 0; step < OSP_TRAINING_N_STEPS; step++)
    {
      OspTrainingStep back = OSP_TRAINING_N_STEPS;

      g_assert_nonnull (osp_training_step_get_title (step));
      g_assert_cmpuint (strlen (osp_training_step_get_instructions (step)), >, 40);
      g_assert_true (osp_training_step_from_string (osp_training_step_to_string (step), &back));
      g_assert_cmpuint (back, ==, step);
    }
  {
    OspTrainingStep back;

    g_assert_false (osp_training_step_from_string ("fly", &back));
    g_assert_false (osp_training_step_from_string (NULL, &back));
  }
}

/* An instructor's notes survive save → open; a plan without them stays no course. */
static void
test_notes_file (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspMesh) box = osp_test_make_box (10, 10, 10);
  g_autoptr(OspModel) bone = osp_model_new ("Pelvis", box, OSP_MODEL_ROLE_BONE);
  g_autofree char *course = g_build_filename (osp_test_tmpdir (), "course.osteoplan", NULL);
  g_autofree char *plain = g_build_filename (osp_test_tmpdir (), "plain.osteoplan", NULL);
  g_autoptr(GError) error = NULL;
  const char *cut_note = "Keep 2 mm from the sciatic notch. 保留坐骨切迹 2 毫米。";

  execute_ok (plan, osp_command_new_add_model (bone, -1, NULL));
  g_assert_true (osp_plan_save (plan, plain, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (osp_training_is_course (plan));
  g_assert_null (osp_training_get_note (plan, OSP_TRAINING_STEP_CUT));
  osp_training_set_note (plan, OSP_TRAINING_STEP_CUT, cut_note);
  osp_training_set_note (plan, OSP_TRAINING_STEP_SAVE, "Name it after the patient.");
  osp_training_set_note (plan, OSP_TRAINING_STEP_LOOK, "temporary");
  osp_training_set_note (plan, OSP_TRAINING_STEP_LOOK, "");
  g_assert_true (osp_training_is_course (plan));
  g_assert_null (osp_training_get_note (plan, OSP_TRAINING_STEP_LOOK));
  g_assert_true (osp_plan_save (plan, course, NULL, NULL, &error));
  g_assert_no_error (error);

  {
    g_autoptr(OspPlan) opened = osp_plan_open (course, NULL, NULL, &error);
    g_autofree char *dump_a = osp_plan_dump (plan);
    g_autofree char *dump_b = NULL;

    g_assert_no_error (error);
    dump_b = osp_plan_dump (opened);
    g_assert_cmpstr (dump_a, ==, dump_b);
    g_assert_true (osp_training_is_course (opened));
    g_assert_cmpstr (osp_training_get_note (opened, OSP_TRAINING_STEP_CUT), ==, cut_note);
    g_assert_cmpstr (osp_training_get_note (opened, OSP_TRAINING_STEP_SAVE), ==,
                     "Name it after the patient.");
    for (guint step = 0; step < OSP_TRAINING_N_STEPS; step++)
      if (step != OSP_TRAINING_STEP_CUT && step != OSP_TRAINING_STEP_SAVE)
        g_assert_null (osp_training_get_note (opened, step));
  }
  {
    g_autoptr(OspPlan) opened = osp_plan_open (plain, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (osp_training_is_course (opened));
  }
  g_unlink (course);
  g_unlink (plain);
}

/* The "training" object of a hostile plan.json: errors name the file, nothing crashes. */
static void
test_notes_json (void)
{
  static const struct
  {
    const char *json;
    gboolean    ok;
    const char *cut_note;
    const char *in_message;   /* a failure's message names this */
  } cases[] = {
    { "{}", TRUE, NULL, NULL },
    { "{\"version\": 1, \"notes\": {}}", TRUE, NULL, NULL },
    { "{\"version\": 1, \"notes\": {\"cut\": \"Mind the notch\"}}", TRUE, "Mind the notch", NULL },
    /* A newer course may add members and steps: what we know is still read. */
    { "{\"version\": 7, \"extra\": [1], \"notes\": {\"cut\": \"x\", \"fly\": \"y\"}}", TRUE,
      "x", NULL },
    { "{\"notes\": [\"cut\"]}", FALSE, NULL, NULL },
    { "{\"notes\": {\"cut\": 12}}", FALSE, NULL, NULL },
    { "{\"notes\": {\"cut\": null}}", TRUE, NULL, NULL },
    { "{\"notes\": {\"cut\": {\"a\": 1}}}", FALSE, NULL, NULL },
    /* The margin and guide checks of the key. */
    { "{\"key\": {\"margin\": true, \"tolerances\": {\"margin_mm\": 0}}}", TRUE, NULL,
      NULL },
    { "{\"key\": {\"tolerances\": {\"margin_mm\": -1}}}", FALSE, NULL, "margin_mm" },
    { "{\"key\": {\"tolerances\": {\"margin_mm\": 500}}}", FALSE, NULL, "margin_mm" },
    { "{\"key\": {\"tolerances\": {\"guide_angle_deg\": 0}}}", FALSE, NULL,
      "guide_angle_deg" },
    { "{\"key\": {\"margin\": 1}}", FALSE, NULL, "margin" },
    { "{\"key\": {\"cut_planes\": [[1, 0, 0, 5, 0, 0, 0]], \"cut_margins_mm\": [1, 2]}}",
      FALSE, NULL, "cut_margins_mm" },
    { "{\"key\": {\"cut_planes\": [[1, 0, 0, 5, 0, 0, 0]], \"cut_margins_mm\": [\"a\"]}}",
      FALSE, NULL, "cut_margins_mm" },
    { "{\"key\": {\"cut_planes\": [[1, 0, 0, 5, 0, 0, 0]], \"cut_margins_mm\": [12.5]}}",
      TRUE, NULL, NULL },
    { "{\"key\": {\"guides\": [{\"planes\": [[1, 0, 0, 5, 0, 0, 0]], \"blade\": 1.0, "
      "\"clearance\": 0.4}]}}", TRUE, NULL, NULL },
    { "{\"key\": {\"guides\": [3]}}", FALSE, NULL, "guide 1" },
    { "{\"key\": {\"guides\": [{\"planes\": [3]}]}}", FALSE, NULL, "planes" },
    { "{\"key\": {\"cut_planes\": [\"Iliac cut\"]}}", FALSE, NULL, "cut_planes" },
    { "{\"key\": {\"screws\": [{}]}}", FALSE, NULL, "screws" },
    { "{\"key\": {\"guides\": [{}]}}", FALSE, NULL, "planes" },
    { "{\"key\": {\"guides\": [{\"planes\": []}]}}", FALSE, NULL, "guide 1" },
    { "{\"key\": {\"guides\": [{\"planes\": [[0, 0, 0, 5, 0, 0, 0]]}]}}", FALSE, NULL,
      "no normal" },
    { "{\"key\": {\"guides\": [{\"planes\": [[1, 0, 0, 5]]}]}}", FALSE, NULL, "planes" },
    { "{\"key\": {\"guides\": [{\"planes\": [[1, 0, 0, 5, 0, 0, 0]], \"blade\": 9}]}}",
      FALSE, NULL, "blade" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(OspPlan) plan = osp_plan_new ();
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_assert_true (json_parser_load_from_data (parser, cases[i].json, -1, NULL));
      ok = osp_training_from_json (plan, json_node_get_object (json_parser_get_root (parser)),
                                   "case.osteoplan", &error);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        {
          g_assert_no_error (error);
          g_assert_true (osp_training_is_course (plan));
          g_assert_cmpstr (osp_training_get_note (plan, OSP_TRAINING_STEP_CUT), ==,
                           cases[i].cut_note);
        }
      else
        {
          g_assert_nonnull (error);
          g_test_message ("%s", error->message);
          g_assert_nonnull (strstr (error->message, "case.osteoplan"));
          if (cases[i].in_message != NULL)
            g_assert_nonnull (strstr (error->message, cases[i].in_message));
          g_assert_false (osp_training_is_course (plan));
        }
    }

  /* A long note is refused. */
  {
    g_autoptr(OspPlan) plan = osp_plan_new ();
    g_autoptr(JsonObject) object = json_object_new ();
    JsonObject *notes = json_object_new ();
    g_autofree char *text = g_strnfill (100 * 1024, 'a');
    g_autoptr(GError) error = NULL;

    json_object_set_string_member (notes, "open", text);
    json_object_set_object_member (object, "notes", notes);
    g_assert_false (osp_training_from_json (plan, object, "long.osteoplan", &error));
    g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  }
}

/* The case: the phantom with a defect, one bone model, nothing to undo, a course.  Coarse
 * voxels keep the test short. */
static void
test_new_case (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = osp_training_new_case (4.0, NULL, NULL, &error);
  g_autoptr(OspTraining) training = NULL;
  OspModel *model;

  g_assert_no_error (error);
  g_assert_nonnull (plan);
  /* The CT, the bone and the tumour (a mask and its model). */
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 1);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 1);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  model = osp_plan_get_model (plan, 0);
  g_assert_cmpint (osp_model_get_role (model), ==, OSP_MODEL_ROLE_BONE);
  g_assert_cmpuint (osp_mesh_get_n_triangles (osp_model_get_mesh (model)), >, 1000);
  g_assert_cmpint (osp_model_get_role (osp_plan_get_model (plan, 1)), ==,
                   OSP_MODEL_ROLE_TUMOUR);
  /* The cut step checks the margin to it (and nothing else yet). */
  g_assert_true (osp_training_get_margin_check (plan));
  g_assert_true (osp_training_has_key (plan, OSP_TRAINING_STEP_CUT));
  g_assert_false (osp_training_has_key (plan, OSP_TRAINING_STEP_GUIDE));
  g_assert_false (osp_plan_can_undo (plan));
  g_assert_false (osp_plan_get_modified (plan));
  g_assert_null (osp_plan_get_path (plan));
  g_assert_true (osp_training_is_course (plan));

  training = osp_training_new (plan);
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_OPEN));
  for (guint step = OSP_TRAINING_STEP_LOOK; step < OSP_TRAINING_N_STEPS; step++)
    g_assert_false (osp_training_is_done (training, step));

  /* Cancelled before it starts: an error, no plan. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) cancelled = NULL;
    g_autoptr(OspPlan) none = NULL;

    g_cancellable_cancel (cancellable);
    none = osp_training_new_case (4.0, NULL, cancellable, &cancelled);
    g_assert_null (none);
    g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* Runs a cut of the training case's pelvis along one plane (n need not be unit). */
static void
run_cut (OspPlan     *plan,
         const float *plane)
{
  g_autoptr(JsonObject) op = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *planes = json_array_new (), *p = json_array_new ();

  for (int k = 0; k < 4; k++)
    json_array_add_double_element (p, plane[k]);
  json_array_add_array_element (planes, p);
  json_object_set_string_member (op, "op", "cut");
  json_object_set_string_member (op, "model", "Pelvis");
  json_object_set_array_member (op, "planes", planes);
  g_assert_true (osp_plan_run_operation (plan, op, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* The instructor cuts the diseased right ilium off with a sagittal plane 40 mm right of the
 * midline; the key goes with the course (saved and read back).  A trainee's cut through both
 * femoral heads (an axial plane) is not accepted; one 2.9° and 2 mm off is. */
static void
test_key_cut (void)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspPhantomTruth truth;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) instructor = osp_training_new_case (4.0, NULL, NULL, &error);
  g_autoptr(OspPlan) trainee = osp_training_new_case (4.0, NULL, NULL, &error);
  g_autoptr(JsonObject) saved = NULL;
  g_autofree char *text = NULL;
  OspTrainingTolerances tol;
  float key_plane[4], axial[4], near[4];
  const float *n;

  g_assert_no_error (error);
  options.voxel_mm = 4.0;
  options.defect = TRUE;
  volume = osp_phantom_generate (&options, &truth, NULL, &error);
  g_assert_no_error (error);
  n = truth.midsagittal.normal;
  /* n·x = d − 40: 40 mm towards the patient's right (−n) of the midline. */
  key_plane[0] = n[0];
  key_plane[1] = n[1];
  key_plane[2] = n[2];
  key_plane[3] = truth.midsagittal.d - 40;
  run_cut (instructor, key_plane);
  osp_training_tolerances_init (&tol);
  tol.plane_angle_deg = 5;
  tol.plane_offset_mm = 3;
  g_assert_cmpuint (osp_training_set_key_from_plan (instructor, &tol), ==, 1);
  g_assert_true (osp_training_has_key (instructor, OSP_TRAINING_STEP_CUT));
  g_assert_false (osp_training_has_key (instructor, OSP_TRAINING_STEP_IMPLANT));

  /* Through the course file's JSON into the trainee's plan. */
  saved = osp_training_to_json (instructor);
  g_assert_true (osp_training_from_json (trainee, saved, "test", &error));
  g_assert_no_error (error);
  g_assert_true (osp_training_has_key (trainee, OSP_TRAINING_STEP_CUT));
  /* The case has a tumour, so the key checks the margin too; here the planes alone count
   * (test_key_margin checks the margin). */
  g_assert_true (osp_training_get_margin_check (trainee));
  osp_training_set_margin_check (trainee, FALSE);
  g_assert_true (osp_training_get_tolerances (trainee, &tol));
  g_assert_cmpfloat (tol.plane_angle_deg, ==, 5);
  g_assert_cmpfloat (tol.plane_offset_mm, ==, 3);
  g_assert_false (osp_training_check_plan (trainee, OSP_TRAINING_STEP_CUT));

  /* Through both femoral heads: axial at the hips' height. */
  axial[0] = 0;
  axial[1] = 0;
  axial[2] = 1;
  axial[3] = (float) truth.hip_center[0][2];
  run_cut (trainee, axial);
  g_assert_false (osp_training_check_plan (trainee, OSP_TRAINING_STEP_CUT));
  g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_CUT, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "not accepted"));
  g_assert_nonnull (strstr (text, "Cut plane 1: 8"));   /* about 88° off */
  g_clear_pointer (&text, g_free);
  g_assert_true (osp_plan_undo (trainee));

  /* Close to the instructor's: turned 2.9° (tan = 0.05) about the vertical, 2 mm over. */
  near[0] = n[0] - 0.05f * n[1];
  near[1] = n[1] + 0.05f * n[0];
  near[2] = n[2];
  {
    double len = sqrt (near[0] * near[0] + near[1] * near[1] + near[2] * near[2]);

    for (int k = 0; k < 3; k++)
      near[k] = (float) (near[k] / len);
  }
  near[3] = truth.midsagittal.d - 42;
  run_cut (trainee, near);
  g_assert_true (osp_training_compare (trainee, OSP_TRAINING_STEP_CUT, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Cut plane 1: 2.9°"));
  g_assert_nonnull (strstr (text, "within 5° and 3.0 mm"));
  g_assert_true (osp_training_check_plan (trainee, OSP_TRAINING_STEP_CUT));
  /* Stricter tolerances turn the same cut down. */
  tol.plane_angle_deg = 2;
  osp_training_set_tolerances (trainee, &tol);
  g_assert_false (osp_training_check_plan (trainee, OSP_TRAINING_STEP_CUT));
}

/* Screws and the cup against the key: entry and direction, centre and angles as numbers. */
static void
test_key_implants (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspMesh) box = osp_test_make_box (60, 40, 30);
  g_autoptr(OspModel) bone = osp_model_new ("Pelvis", box, OSP_MODEL_ROLE_BONE);
  g_auto(OspImplantParams) screw = { 0 };
  g_auto(OspImplantParams) cup = { 0 };
  g_autoptr(OspMesh) screw_mesh = NULL, cup_mesh = NULL;
  g_autofree char *text = NULL;
  OspPelvicFrame frame;
  float m[16], entry[3] = { 10, 20, 30 }, dir[3] = { 0, 0, -1 };
  double center[3] = { 50, 20, 15 };
  OspModel *s;

  osp_test_execute_ok (plan, osp_command_new_add_model (bone, -1, NULL));
  osp_implant_params_init (&screw, OSP_IMPLANT_SCREW);
  osp_implant_params_init (&cup, OSP_IMPLANT_CUP);
  screw_mesh = osp_implant_generate (&screw, NULL, NULL, NULL, NULL);
  cup_mesh = osp_implant_generate (&cup, NULL, NULL, NULL, NULL);
  osp_frame_from_point_normal (entry, dir, 0, m);
  osp_test_execute_ok (plan, osp_implant_command_new_add ("Screw 1", &screw, screw_mesh, m));
  osp_pelvic_frame_init_patient (&frame, (double[3]) { 30, 20, 15 });
  osp_cup_matrix (&frame, TRUE, 40, 20, center, m);
  osp_test_execute_ok (plan, osp_implant_command_new_add ("Cup 1", &screw, cup_mesh, m));
  /* (The cup model's parameters must say cup.) */
  osp_implant_set_params (osp_plan_find_model (plan, "Cup 1"), &cup);
  g_assert_cmpuint (osp_training_set_key_from_plan (plan, NULL), ==, 1);
  g_assert_true (osp_training_compare (plan, OSP_TRAINING_STEP_IMPLANT, &text));
  g_assert_nonnull (strstr (text, "Screw 1: entry 0.0 mm and direction 0.0°"));
  g_assert_nonnull (strstr (text, "inclination 40.0° (instructor 40.0°), anteversion 20.0° "
                                  "(instructor 20.0°)"));
  g_clear_pointer (&text, g_free);

  /* The screw 4 mm over and 15° off: entry fine, direction not. */
  s = osp_plan_find_model (plan, "Screw 1");
  entry[0] += 4;
  dir[0] = (float) sin (15 * G_PI / 180);
  dir[2] = (float) -cos (15 * G_PI / 180);
  osp_frame_from_point_normal (entry, dir, 0, m);
  osp_test_execute_ok (plan, osp_command_new_set_transform (s, m));
  /* The cup at 50°/20°. */
  osp_cup_matrix (&frame, TRUE, 50, 20, center, m);
  osp_test_execute_ok (plan, osp_command_new_set_transform (osp_plan_find_model (plan, "Cup 1"),
                                                            m));
  g_assert_false (osp_training_compare (plan, OSP_TRAINING_STEP_IMPLANT, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Screw 1: entry 4.0 mm and direction 15.0°"));
  g_assert_nonnull (strstr (text, "inclination 50.0° (instructor 40.0°)"));
  g_assert_false (osp_training_check_plan (plan, OSP_TRAINING_STEP_IMPLANT));
}

/* A plan for the margin and guide keys: a 60 × 40 × 30 mm bone "Pelvis" centred on the
 * origin and, with_tumour, a 10 mm cube "Tumour" centred on it (its vertices at ±5 mm). */
static OspPlan *
make_box_plan (gboolean with_tumour)
{
  OspPlan *plan = osp_plan_new ();
  g_autoptr(OspMesh) box = osp_test_make_box (60, 40, 30);
  g_autoptr(OspMesh) bone_mesh = osp_test_translate (box, -30, -20, -15);
  g_autoptr(OspModel) bone = osp_model_new ("Pelvis", bone_mesh, OSP_MODEL_ROLE_BONE);

  osp_test_execute_ok (plan, osp_command_new_add_model (bone, -1, NULL));
  if (with_tumour)
    {
      g_autoptr(OspMesh) cube = osp_test_make_box (10, 10, 10);
      g_autoptr(OspMesh) lesion = osp_test_translate (cube, -5, -5, -5);
      g_autoptr(OspModel) tumour = osp_model_new ("Tumour", lesion, OSP_MODEL_ROLE_TUMOUR);

      osp_test_execute_ok (plan, osp_command_new_add_model (tumour, -1, NULL));
    }
  return plan;
}

static void
cut_box (OspPlan *plan,
         float    nx,
         float    d)
{
  g_autoptr(GError) error = NULL;
  OspPlane plane = { { nx, 0, 0 }, d };

  g_assert_true (osp_plan_cut_model (plan, osp_plan_find_model (plan, "Pelvis"), &plane, 1, 0,
                                     "Cut Pelvis", NULL, &error));
  g_assert_no_error (error);
}

/* The cut's margin to the tumour: against the target alone (the case's default key), then
 * against an instructor's plane, shown beside; the margin exact at the cube's vertices. */
static void
test_key_margin (void)
{
  static const struct
  {
    float       nx, d;        /* the trainee's plane: nx·x = d (resected: nx·x ≤ d) */
    gboolean    pass;
    const char *text;
  } alone[] = {
    { 1, 15, TRUE, "Your cut plane 1 leaves a margin of 10.0 mm to the tumour, at least the "
                   "10.0 mm target." },
    { 1, 14, FALSE, "Your cut plane 1 leaves a margin of 9.0 mm to the tumour, less than the "
                    "10.0 mm target: not accepted." },
    { -1, 15, TRUE, "margin of 10.0 mm" },         /* the other side, the cube the same */
    { 1, 25, TRUE, "margin of 20.0 mm" },
    { 1, 2, FALSE, "Your cut plane 1 passes through the tumour or leaves it on the side that "
                   "stays (margin -3.0 mm): not accepted." },
    { -1, -10, FALSE, "(margin -15.0 mm)" },         /* the tumour on the side that stays */
  };
  g_autoptr(OspPlan) plan = make_box_plan (TRUE);
  g_autofree char *text = NULL;
  OspTrainingTolerances tol;

  osp_training_set_margin_check (plan, TRUE);
  g_assert_true (osp_training_has_key (plan, OSP_TRAINING_STEP_CUT));
  g_assert_false (osp_training_compare (plan, OSP_TRAINING_STEP_CUT, &text));
  g_assert_cmpstr (text, ==, "No cut yet.");
  g_clear_pointer (&text, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (alone); i++)
    {
      cut_box (plan, alone[i].nx, alone[i].d);
      g_assert_cmpint (osp_training_compare (plan, OSP_TRAINING_STEP_CUT, &text), ==,
                       alone[i].pass);
      g_test_message ("%s", text);
      g_assert_nonnull (strstr (text, alone[i].text));
      g_assert_cmpint (osp_training_check_plan (plan, OSP_TRAINING_STEP_CUT), ==,
                       alone[i].pass);
      g_clear_pointer (&text, g_free);
      g_assert_true (osp_plan_undo (plan));
    }
  /* The instructor lowers the target to 9 mm: 1 mm short of 10 is now enough. */
  osp_training_get_tolerances (plan, &tol);
  g_assert_cmpfloat (tol.margin_mm, ==, 10);
  tol.margin_mm = 9;
  osp_training_set_tolerances (plan, &tol);
  cut_box (plan, 1, 14);
  g_assert_true (osp_training_check_plan (plan, OSP_TRAINING_STEP_CUT));
  g_assert_true (osp_plan_undo (plan));

  /* No tumour: the margin cannot be checked, and the step is not passed silently. */
  {
    g_autoptr(OspPlan) bare = make_box_plan (FALSE);

    osp_training_set_margin_check (bare, TRUE);
    cut_box (bare, 1, 15);
    g_assert_false (osp_training_compare (bare, OSP_TRAINING_STEP_CUT, &text));
    g_assert_nonnull (strstr (text, "no tumour model"));
    g_clear_pointer (&text, g_free);
  }

  /* The instructor cuts at x = 16 (an 11 mm margin); the key records it with the margin and
   * travels through the course file's JSON. */
  {
    g_autoptr(OspPlan) instructor = make_box_plan (TRUE);
    g_autoptr(OspPlan) trainee = make_box_plan (TRUE);
    g_autoptr(JsonObject) saved = NULL;
    g_autoptr(GError) error = NULL;

    cut_box (instructor, 1, 16);
    g_assert_cmpuint (osp_training_set_key_from_plan (instructor, NULL), ==, 1);
    g_assert_true (osp_training_get_margin_check (instructor));
    saved = osp_training_to_json (instructor);
    g_assert_true (osp_training_from_json (trainee, saved, "test", &error));
    g_assert_no_error (error);
    g_assert_true (osp_training_get_margin_check (trainee));

    /* 1 mm nearer the tumour than the instructor, on the target: accepted. */
    cut_box (trainee, 1, 15);
    g_assert_true (osp_training_compare (trainee, OSP_TRAINING_STEP_CUT, &text));
    g_test_message ("%s", text);
    g_assert_nonnull (strstr (text, "Cut plane 1: 0.0° and 1.0 mm from the instructor's"));
    g_assert_nonnull (strstr (text, "Your cut plane 1 leaves a margin of 10.0 mm to the tumour, "
                                    "at least the 10.0 mm target (the instructor's plane "
                                    "11.0 mm, a difference of -1.0 mm)."));
    g_clear_pointer (&text, g_free);
    g_assert_true (osp_plan_undo (trainee));

    /* 2 mm nearer: within the plane's 5 mm tolerance, but 1 mm short of the margin. */
    cut_box (trainee, 1, 14);
    g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_CUT, &text));
    g_test_message ("%s", text);
    g_assert_nonnull (strstr (text, "Cut plane 1: 0.0° and 2.0 mm from the instructor's "
                                    "(within"));
    g_assert_nonnull (strstr (text, "a margin of 9.0 mm to the tumour, less than the 10.0 mm "
                                    "target (the instructor's plane 11.0 mm, a difference of "
                                    "-2.0 mm): not accepted."));
    g_clear_pointer (&text, g_free);
  }
}

/* Makes a guide on the box plan's bone along x·n = d (n in the xy plane at angle_deg from
 * the x axis), as the Guide tool records it; coarse voxels keep it quick. */
static void
make_guide (OspPlan    *plan,
            const char *name,
            double      angle_deg,
            double      d,
            double      blade,
            gboolean    automatic)
{
  g_autoptr(JsonObject) op = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *planes = json_array_new (), *p = json_array_new ();
  double a = angle_deg * G_PI / 180;
  gboolean ok;

  json_array_add_double_element (p, cos (a));
  json_array_add_double_element (p, sin (a));
  json_array_add_double_element (p, 0);
  json_array_add_double_element (p, d);
  json_array_add_array_element (planes, p);
  json_object_set_string_member (op, "op", "guide");
  json_object_set_string_member (op, "name", name);
  json_object_set_string_member (op, "model", "Pelvis");
  json_object_set_array_member (op, "planes", planes);
  json_object_set_double_member (op, "blade", blade);
  json_object_set_double_member (op, "voxel", 0.5);
  json_object_set_int_member (op, "pins", 0);
  if (!automatic)
    {
      JsonArray *up = json_array_new ();

      json_array_add_double_element (up, 0);
      json_array_add_double_element (up, 0);
      json_array_add_double_element (up, 1);
      json_object_set_array_member (op, "direction", up);
    }
  ok = osp_plan_run_operation (plan, op, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
move_model (OspPlan    *plan,
            const char *name,
            float       dx,
            float       dy,
            float       dz)
{
  float m[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, dx, dy, dz, 1 };

  osp_test_execute_ok (plan, osp_command_new_set_transform (osp_plan_find_model (plan, name),
                                                            m));
}

/* The guide step against the instructor's guide: the slot plane within 0.1 mm and 0.1°, the
 * same slot, and a guide that seats. */
static void
test_key_guide (void)
{
  g_autoptr(OspPlan) instructor = make_box_plan (FALSE);
  g_autoptr(OspPlan) trainee = make_box_plan (FALSE);
  g_autoptr(JsonObject) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *op;

  /* The instructor's guide, its insertion direction chosen (and recorded). */
  make_guide (instructor, "Guide 1", 0, 5, 1.27, TRUE);
  op = osp_plan_get_operation (instructor, osp_plan_get_n_operations (instructor) - 1);
  g_assert_true (json_object_has_member (op, "direction_used"));
  g_assert_cmpuint (osp_training_set_key_from_plan (instructor, NULL), ==, 1);
  g_assert_true (osp_training_has_key (instructor, OSP_TRAINING_STEP_GUIDE));
  g_assert_true (osp_training_compare (instructor, OSP_TRAINING_STEP_GUIDE, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Guide slot 1: 0.00° and 0.00 mm from the instructor's"));
  g_assert_nonnull (strstr (text, "Guide “Guide 1” seats on the bone"));
  g_clear_pointer (&text, g_free);
  saved = osp_training_to_json (instructor);
  g_assert_true (osp_training_from_json (trainee, saved, "test", &error));
  g_assert_no_error (error);

  g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
  g_assert_cmpstr (text, ==, "No guide yet: make one in the Guide tool for the planned cut.");
  g_clear_pointer (&text, g_free);

  /* The same plane (the direction given): accepted. */
  make_guide (trainee, "Guide 1", 0, 5, 1.27, FALSE);
  g_assert_true (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Guide slot 1: 0.00° and 0.00 mm from the instructor's "
                                  "(within 0.10° and 0.10 mm)."));
  g_assert_true (osp_training_check_plan (trainee, OSP_TRAINING_STEP_GUIDE));
  g_clear_pointer (&text, g_free);

  /* Moved 1 mm down into the bone: the slot stays on the plane, the guide does not seat. */
  move_model (trainee, "Guide 1", 0, 0, -1);
  g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "0.00° and 0.00 mm"));
  g_assert_nonnull (strstr (text, "Guide “Guide 1” does not seat on the bone (sampled points "
                                  "in the bone: "));
  g_clear_pointer (&text, g_free);
  g_assert_true (osp_plan_undo (trainee));
  /* Moved 0.2 mm across the slot: the slot is 0.2 mm off. */
  move_model (trainee, "Guide 1", 0.2f, 0, 0);
  g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Guide slot 1: 0.00° and 0.20 mm from the instructor's, "
                                  "more than 0.10° or 0.10 mm: not accepted."));
  g_clear_pointer (&text, g_free);
  g_assert_true (osp_plan_undo (trainee));
  g_assert_true (osp_training_check_plan (trainee, OSP_TRAINING_STEP_GUIDE));
  g_assert_true (osp_plan_undo (trainee));
  g_assert_false (osp_training_check_plan (trainee, OSP_TRAINING_STEP_GUIDE));

  /* A slot 0.2° off (turned about the vertical through the instructor's slot): refused. */
  make_guide (trainee, "Guide 1", 0.2, 5 * cos (0.2 * G_PI / 180), 1.27, FALSE);
  g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Guide slot 1: 0.20° and 0.0"));
  g_assert_nonnull (strstr (text, "not accepted"));
  g_assert_nonnull (strstr (text, "seats on the bone"));
  g_clear_pointer (&text, g_free);
  g_assert_true (osp_plan_undo (trainee));

  /* 0.05° off, but for a 1.0 mm blade: the plane passes, the slot does not. */
  make_guide (trainee, "Guide 1", 0.05, 5 * cos (0.05 * G_PI / 180), 1.0, FALSE);
  g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Guide slot 1: 0.05° and 0.0"));
  g_assert_nonnull (strstr (text, "(within 0.10° and 0.10 mm)."));
  g_assert_nonnull (strstr (text, "Guide slot 1 is 1.50 mm wide for a 1.00 mm blade; the "
                                  "instructor's is 1.77 mm wide for a 1.27 mm blade: not "
                                  "accepted."));
  g_clear_pointer (&text, g_free);
  /* The instructor allows 0.01° only: the plane is refused too. */
  {
    OspTrainingTolerances tol;

    osp_training_get_tolerances (trainee, &tol);
    g_assert_cmpfloat (tol.guide_angle_deg, ==, 0.1);
    g_assert_cmpfloat (tol.guide_offset_mm, ==, 0.1);
    tol.guide_angle_deg = 0.01;
    osp_training_set_tolerances (trainee, &tol);
    g_assert_false (osp_training_compare (trainee, OSP_TRAINING_STEP_GUIDE, &text));
    g_assert_nonnull (strstr (text, "more than 0.01° or 0.10 mm: not accepted."));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/training/steps", test_steps);
  g_test_add_func ("/training/checks", test_checks);
  g_test_add_func ("/training/notes-file", test_notes_file);
  g_test_add_func ("/training/notes-json", test_notes_json);
  g_test_add_func ("/training/new-case", test_new_case);
  g_test_add_func ("/training/key-cut", test_key_cut);
  g_test_add_func ("/training/key-implants", test_key_implants);
  g_test_add_func ("/training/key-margin", test_key_margin);
  g_test_add_func ("/training/key-guide", test_key_guide);

  return g_test_run ();
}
