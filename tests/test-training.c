/* test-training.c — training mode: each step's check flips with the plan, notes survive files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "osp-error.h"
#include "osp-measure.h"
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

  /* 6. Measure. */
  g_assert_false (osp_training_is_done (training, OSP_TRAINING_STEP_MEASURE));
  execute_ok (plan, osp_command_new_add_landmark ("ASIS L", position));
  g_assert_true (osp_training_is_done (training, OSP_TRAINING_STEP_MEASURE));
  g_assert_true (osp_training_next (training));

  /* 7. Export: reported by the GUI. */
  g_assert_false (osp_training_next (training));
  osp_training_report (training, OSP_TRAINING_STEP_EXPORT);
  g_assert_true (osp_training_next (training));

  /* 8. Save: a file, unmodified, with work in it; a change makes it undone again. */
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
  } cases[] = {
    { "{}", TRUE, NULL },
    { "{\"version\": 1, \"notes\": {}}", TRUE, NULL },
    { "{\"version\": 1, \"notes\": {\"cut\": \"Mind the notch\"}}", TRUE, "Mind the notch" },
    /* A newer course may add members and steps: what we know is still read. */
    { "{\"version\": 7, \"extra\": [1], \"notes\": {\"cut\": \"x\", \"fly\": \"y\"}}", TRUE,
      "x" },
    { "{\"notes\": [\"cut\"]}", FALSE, NULL },
    { "{\"notes\": {\"cut\": 12}}", FALSE, NULL },
    { "{\"notes\": {\"cut\": null}}", TRUE, NULL },
    { "{\"notes\": {\"cut\": {\"a\": 1}}}", FALSE, NULL },
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
          g_assert_nonnull (strstr (error->message, "case.osteoplan"));
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
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  model = osp_plan_get_model (plan, 0);
  g_assert_cmpint (osp_model_get_role (model), ==, OSP_MODEL_ROLE_BONE);
  g_assert_cmpuint (osp_mesh_get_n_triangles (osp_model_get_mesh (model)), >, 1000);
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

  return g_test_run ();
}
