/* test-plan.c — the plan document: commands, undo and redo, merging, the history budget
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-cut.h"
#include "osp-error.h"
#include "osp-mesh-io.h"
#include "osp-plan-private.h"
#include "osp-test-common.h"

static OspModel *
add_box (OspPlan    *plan,
         const char *name,
         float       size)
{
  g_autoptr(OspMesh) mesh = osp_test_make_box (size, size * 2, size * 3);
  g_autoptr(OspModel) model = osp_model_new (name, mesh, OSP_MODEL_ROLE_BONE);

  osp_test_execute_ok (plan, osp_command_new_add_model (model, -1, NULL));
  return model;
}

/* -- Basic commands and labels ------------------------------------------------------------- */

typedef struct
{
  guint added;
  guint removed;
  guint calls;
} ItemsChanged;

static void
on_items_changed (GListModel *list,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  ItemsChanged *counts = user_data;

  counts->added += added;
  counts->removed += removed;
  counts->calls++;
}

static void
test_basic (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspModel) item = NULL;
  ItemsChanged counts = { 0 };
  OspModel *pelvis;
  OspCommand *command;

  g_assert_true (G_IS_LIST_MODEL (plan));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (plan)) == OSP_TYPE_MODEL);
  g_signal_connect (plan, "items-changed", G_CALLBACK (on_items_changed), &counts);
  g_assert_false (osp_plan_can_undo (plan));
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo");
  g_assert_false (osp_plan_get_modified (plan));

  pelvis = add_box (plan, "Pelvis", 10);
  add_box (plan, "Femur", 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (plan)), ==, 2);
  item = g_list_model_get_item (G_LIST_MODEL (plan), 0);
  g_assert_true (item == pelvis);
  g_assert_cmpuint (counts.added, ==, 2);
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Add Model");

  command = osp_command_new_rename_model (pelvis, "Ilium");
  osp_command_set_label (command, "Rename Ilium");
  osp_test_execute_ok (plan, command);
  g_assert_cmpstr (osp_model_get_name (pelvis), ==, "Ilium");
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Rename Ilium");
  g_assert_true (osp_plan_find_model (plan, "Ilium") == pelvis);

  /* A name another model has is refused, and nothing changes. */
  command = osp_command_new_rename_model (pelvis, "Femur");
  g_assert_false (osp_plan_execute (plan, command, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "Femur"));
  g_clear_error (&error);
  osp_command_unref (command);
  g_assert_cmpstr (osp_model_get_name (pelvis), ==, "Ilium");
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 3);

  osp_test_execute_ok (plan, osp_command_new_set_color (pelvis, 0x123456));
  g_assert_cmphex (osp_model_get_color (pelvis), ==, 0x123456);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmphex (osp_model_get_color (pelvis), !=, 0x123456);
  g_assert_cmpstr (osp_plan_get_redo_label (plan), ==, "Redo Set Colour");
  g_assert_true (osp_plan_redo (plan));
  g_assert_cmphex (osp_model_get_color (pelvis), ==, 0x123456);

  osp_test_execute_ok (plan, osp_command_new_delete_model (pelvis));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  g_assert_cmpint (osp_plan_get_model_index (plan, pelvis), ==, -1);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpint (osp_plan_get_model_index (plan, pelvis), ==, 0);

  /* Deleting a model the plan does not hold fails cleanly. */
  {
    g_autoptr(OspMesh) mesh = osp_test_make_tetrahedron ();
    g_autoptr(OspModel) stranger = osp_model_new ("Stranger", mesh, OSP_MODEL_ROLE_IMPLANT);

    command = osp_command_new_delete_model (stranger);
    g_assert_false (osp_plan_execute (plan, command, &error));
    g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
    g_clear_error (&error);
    osp_command_unref (command);
  }

  /* Planes and landmarks by name. */
  {
    OspPlane plane = { { 0, 0, 2 }, 4 }, got;
    float position[3] = { 1, 2, 3 }, back[3];

    osp_test_execute_ok (plan, osp_command_new_add_plane ("Cut 1", &plane));
    osp_plan_get_plane (plan, 0, &got);
    g_assert_cmpfloat (got.normal[2], ==, 1.0f);
    g_assert_cmpfloat (got.d, ==, 2.0f);
    command = osp_command_new_add_plane ("Cut 1", &plane);
    g_assert_false (osp_plan_execute (plan, command, &error));
    g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
    g_clear_error (&error);
    osp_command_unref (command);
    command = osp_command_new_move_plane ("Nope", &plane);
    g_assert_false (osp_plan_execute (plan, command, &error));
    g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
    g_clear_error (&error);
    osp_command_unref (command);

    osp_test_execute_ok (plan, osp_command_new_add_landmark ("ASIS L", position));
    osp_plan_get_landmark (plan, 0, back);
    g_assert_cmpmem (back, sizeof back, position, sizeof position);
    osp_test_execute_ok (plan, osp_command_new_delete_landmark ("ASIS L"));
    g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, 0);
    g_assert_true (osp_plan_undo (plan));
    g_assert_cmpint (osp_plan_find_landmark (plan, "ASIS L"), ==, 0);
  }

  /* The operations recorded follow undo and redo. */
  {
    guint n = osp_plan_get_n_operations (plan);
    JsonObject *last = osp_plan_get_operation (plan, n - 1);

    g_assert_cmpstr (json_object_get_string_member (last, "op"), ==, "add-landmark");
    g_assert_true (osp_plan_undo (plan));
    g_assert_cmpuint (osp_plan_get_n_operations (plan), ==, n - 1);
  }
}

/* -- Merging ------------------------------------------------------------------------------- */

static void
test_merge (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  OspPlane start = { { 1, 0, 0 }, 0 };
  OspPlane got;
  OspModel *model;
  float m[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

  osp_test_execute_ok (plan, osp_command_new_add_plane ("Midline", &start));
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 1);

  /* A drag of 100 steps is one undo step; the record holds the last position. */
  for (guint i = 1; i <= 100; i++)
    {
      OspPlane p = { { 1, 0, 0 }, (float) i * 0.5f };
      OspCommand *command = osp_command_new_move_plane ("Midline", &p);

      osp_command_set_mergeable (command, TRUE);
      osp_test_execute_ok (plan, command);
    }
  osp_plan_seal_undo (plan);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 2);
  g_assert_cmpuint (osp_plan_get_n_operations (plan), ==, 2);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Move Plane");
  osp_plan_get_plane (plan, 0, &got);
  g_assert_cmpfloat (got.d, ==, 50.0f);

  /* After sealing, the next drag is a new step. */
  for (guint i = 1; i <= 10; i++)
    {
      OspPlane p = { { 1, 0, 0 }, 50.0f + (float) i };
      OspCommand *command = osp_command_new_move_plane ("Midline", &p);

      osp_command_set_mergeable (command, TRUE);
      osp_test_execute_ok (plan, command);
    }
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 3);
  g_assert_true (osp_plan_undo (plan));
  osp_plan_get_plane (plan, 0, &got);
  g_assert_cmpfloat (got.d, ==, 50.0f);
  g_assert_true (osp_plan_undo (plan));
  osp_plan_get_plane (plan, 0, &got);
  g_assert_cmpfloat (got.d, ==, 0.0f);
  g_assert_true (osp_plan_redo (plan));
  g_assert_true (osp_plan_redo (plan));
  osp_plan_get_plane (plan, 0, &got);
  g_assert_cmpfloat (got.d, ==, 60.0f);

  /* Dragging a model: merged, and a non-mergeable change in between is its own step. */
  model = add_box (plan, "Implant", 3);
  osp_plan_seal_undo (plan);
  for (guint i = 0; i < 20; i++)
    {
      OspCommand *command;

      m[12] = (float) i;
      command = osp_command_new_set_transform (model, m);
      osp_command_set_mergeable (command, TRUE);
      osp_test_execute_ok (plan, command);
    }
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 5);
  osp_test_execute_ok (plan, osp_command_new_set_visible (model, FALSE));
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 6);
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_plan_undo (plan));
  osp_model_get_transform (model, m);
  g_assert_cmpfloat (m[12], ==, 0.0f);
}

/* -- History budget ------------------------------------------------------------------------ */

static void
test_budget (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  guint64 sphere_bytes;
  OspModel *models[6];

  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *name = g_strdup_printf ("Sphere %u", i);
      g_autoptr(OspMesh) mesh = osp_test_make_sphere (5 + i, 64, 32);
      g_autoptr(OspModel) model = osp_model_new (name, mesh, OSP_MODEL_ROLE_BONE);

      osp_test_execute_ok (plan, osp_command_new_add_model (model, -1, NULL));
      models[i] = model;
    }
  sphere_bytes = (guint64) osp_mesh_get_n_vertices (osp_model_get_mesh (models[0])) * 12 +
                 (guint64) osp_mesh_get_n_triangles (osp_model_get_mesh (models[0])) * 12;
  /* Meshes in the plan cost the history nothing. */
  g_assert_cmpuint (osp_plan_get_history_bytes (plan), ==, 0);

  osp_test_execute_ok (plan, osp_command_new_delete_model (models[0]));
  g_assert_cmpuint (osp_plan_get_history_bytes (plan), ==, sphere_bytes);

  /* A budget of 2.5 spheres: deleting four keeps only the newest steps that fit. */
  osp_plan_set_history_budget (plan, sphere_bytes * 5 / 2);
  for (guint i = 1; i < 4; i++)
    osp_test_execute_ok (plan, osp_command_new_delete_model (models[i]));
  g_assert_cmpuint (osp_plan_get_history_bytes (plan), <=, sphere_bytes * 5 / 2);
  g_assert_cmpuint (osp_plan_get_history_bytes (plan), ==, 2 * sphere_bytes);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, 2);
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_plan_undo (plan));
  g_assert_false (osp_plan_undo (plan));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 4);
  /* Undone steps wait in the redo stack, held by the history again. */
  g_assert_cmpuint (osp_plan_get_history_bytes (plan), ==, 0);
  g_assert_true (osp_plan_redo (plan));
  g_assert_cmpuint (osp_plan_get_history_bytes (plan), ==, sphere_bytes);
}

/* -- Modified ------------------------------------------------------------------------------ */

static guint modified_notifications;

static void
on_modified (GObject    *object,
             GParamSpec *pspec,
             gpointer    user_data)
{
  modified_notifications++;
}

static void
test_modified (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "modified.osteoplan", NULL);
  OspModel *model;

  g_signal_connect (plan, "notify::modified", G_CALLBACK (on_modified), NULL);
  model = add_box (plan, "Box", 2);
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_cmpuint (modified_notifications, >, 0);
  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (osp_plan_get_modified (plan));
  g_assert_cmpstr (osp_plan_get_path (plan), ==, path);

  osp_test_execute_ok (plan, osp_command_new_set_opacity (model, 0.5));
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_true (osp_plan_undo (plan));
  g_assert_false (osp_plan_get_modified (plan));
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_true (osp_plan_redo (plan));
  g_assert_false (osp_plan_get_modified (plan));

  /* A merge into the saved step changes the plan. */
  {
    OspCommand *command = osp_command_new_set_opacity (model, 0.2);

    osp_command_set_mergeable (command, TRUE);
    osp_test_execute_ok (plan, command);
    g_assert_true (osp_plan_get_modified (plan));
  }
}

/* -- Random sequences ---------------------------------------------------------------------- */

typedef struct
{
  OspPlan   *plan;
  GRand     *rand;
  GPtrArray *states;  /* char*: the dump after each step, [0] = the start */
  guint      cursor;  /* the state the plan is in */
  guint      serial;
  gboolean   with_cuts;
} Fuzz;

static OspModel *
random_model (Fuzz *fuzz)
{
  guint n = osp_plan_get_n_models (fuzz->plan);

  return n > 0 ? osp_plan_get_model (fuzz->plan, g_rand_int_range (fuzz->rand, 0, (gint32) n))
               : NULL;
}

static OspMesh *
random_mesh (Fuzz *fuzz)
{
  float s = (float) g_rand_double_range (fuzz->rand, 1, 20);

  switch (g_rand_int_range (fuzz->rand, 0, 3))
    {
    case 0:
      return osp_test_make_box (s, s * 0.5f, s * 2);
    case 1:
      return osp_test_make_sphere (s, 12, 8);
    default:
      return osp_test_make_torus (s, s / 4, 12, 8);
    }
}

/* One random command (NULL when it cannot be made now). */
static OspCommand *
random_command (Fuzz *fuzz)
{
  GRand *r = fuzz->rand;
  OspModel *model = random_model (fuzz);
  guint n_planes = osp_plan_get_n_planes (fuzz->plan);
  guint n_landmarks = osp_plan_get_n_landmarks (fuzz->plan);
  g_autofree char *name = g_strdup_printf ("Thing %u", fuzz->serial++);

  switch (g_rand_int_range (r, 0, 14))
    {
    case 0:
      {
        g_autoptr(OspMesh) mesh = random_mesh (fuzz);
        g_autoptr(OspModel) added = osp_model_new (name, mesh, g_rand_int_range (r, 0, 5));
        int n = (int) osp_plan_get_n_models (fuzz->plan);

        return osp_command_new_add_model (added, g_rand_int_range (r, -1, n + 1), NULL);
      }
    case 1:
      return model != NULL ? osp_command_new_delete_model (model) : NULL;
    case 2:
      return model != NULL ? osp_command_new_rename_model (model, name) : NULL;
    case 3:
      return model != NULL ? osp_command_new_set_color (model, g_rand_int (r) & 0xffffff) : NULL;
    case 4:
      return model != NULL ? osp_command_new_set_opacity (model, g_rand_double (r)) : NULL;
    case 5:
      return model != NULL ? osp_command_new_set_visible (model, g_rand_boolean (r)) : NULL;
    case 6:
      return model != NULL ? osp_command_new_set_role (model, g_rand_int_range (r, 0, 5)) : NULL;
    case 7:
      {
        float m[16];

        if (model == NULL)
          return NULL;
        for (guint i = 0; i < 16; i++)
          m[i] = (float) g_rand_double_range (r, -10, 10);
        return osp_command_new_set_transform (model, m);
      }
    case 8:
    case 9:
      {
        OspPlane p = { { (float) g_rand_double_range (r, -1, 1),
                         (float) g_rand_double_range (r, -1, 1), 1 },
                       (float) g_rand_double_range (r, -20, 20) };

        if (n_planes == 0 || g_rand_boolean (r))
          return osp_command_new_add_plane (name, &p);
        return osp_command_new_move_plane (
          osp_plan_get_plane_name (fuzz->plan, g_rand_int_range (r, 0, (gint32) n_planes)), &p);
      }
    case 10:
      if (n_planes == 0)
        return NULL;
      return osp_command_new_delete_plane (
        osp_plan_get_plane_name (fuzz->plan, g_rand_int_range (r, 0, (gint32) n_planes)));
    case 11:
      {
        float position[3] = { (float) g_rand_double (r), (float) g_rand_double (r),
                              (float) g_rand_double (r) };

        if (n_landmarks == 0 || g_rand_boolean (r))
          return osp_command_new_add_landmark (name, position);
        return osp_command_new_move_landmark (
          osp_plan_get_landmark_name (fuzz->plan, g_rand_int_range (r, 0, (gint32) n_landmarks)),
          position);
      }
    case 12:
      if (n_landmarks == 0)
        return NULL;
      return osp_command_new_delete_landmark (
        osp_plan_get_landmark_name (fuzz->plan, g_rand_int_range (r, 0, (gint32) n_landmarks)));
    default:
      {
        /* A group: recolour and hide as one step. */
        OspCommand *parts[2];
        OspCommand *group;

        if (model == NULL)
          return NULL;
        parts[0] = osp_command_new_set_color (model, g_rand_int (r) & 0xffffff);
        parts[1] = osp_command_new_set_visible (model, g_rand_boolean (r));
        group = osp_command_new_group ("Recolour", parts, 2);
        osp_command_unref (parts[0]);
        osp_command_unref (parts[1]);
        return group;
      }
    }
}

static void
check_state (Fuzz *fuzz)
{
  g_autofree char *dump = osp_plan_dump (fuzz->plan);

  g_assert_cmpstr (dump, ==, fuzz->states->pdata[fuzz->cursor]);
}

static void
push_state (Fuzz *fuzz)
{
  g_ptr_array_set_size (fuzz->states, fuzz->cursor + 1);
  g_ptr_array_add (fuzz->states, osp_plan_dump (fuzz->plan));
  fuzz->cursor++;
}

static void
random_cut (Fuzz *fuzz)
{
  g_autoptr(GError) error = NULL;
  OspModel *model = random_model (fuzz);
  OspPlane plane;
  OspBox box;
  float c[3];

  if (model == NULL)
    return;
  /* Through the middle of the mesh, in world coordinates. */
  osp_mesh_get_bounds (osp_model_get_mesh (model), &box);
  for (guint k = 0; k < 3; k++)
    c[k] = 0.5f * (box.min[k] + box.max[k]);
  for (guint k = 0; k < 3; k++)
    plane.normal[k] = (float) g_rand_double_range (fuzz->rand, -1, 1);
  plane.normal[2] += 0.1f;
  plane.d = plane.normal[0] * c[0] + plane.normal[1] * c[1] + plane.normal[2] * c[2];
  /* Cut or mirror in the model's own frame: reset its transform first (part of the sequence
   * too). */
  {
    g_autoptr(OspCommand) reset = osp_command_new_set_transform (model, NULL);

    g_assert_true (osp_plan_execute (fuzz->plan, reset, &error));
    push_state (fuzz);
  }
  if (g_rand_int_range (fuzz->rand, 0, 3) == 0)
    g_assert_true (osp_plan_mirror_model (fuzz->plan, model, &plane, NULL,
                                          "Mirror Left Hemipelvis", NULL, &error));
  else
    g_assert_true (osp_plan_cut_model (fuzz->plan, model, &plane, 1,
                                       g_rand_double_range (fuzz->rand, 0, 2), "Cut Ilium",
                                       NULL, &error));
  g_assert_no_error (error);
  push_state (fuzz);
}

static void
run_random (guint32  seed,
            gboolean with_cuts)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GPtrArray) originals = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) original_meshes = g_ptr_array_new ();
  Fuzz fuzz = { plan, g_rand_new_with_seed (seed), g_ptr_array_new_with_free_func (g_free), 0,
                0, with_cuts };
  guint n_steps = with_cuts ? 60 : 300;
  guint n_operations;

  /* A starting plan with a few models, planes and landmarks, outside the history. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(OspCommand) command = random_command (&fuzz);
      g_autoptr(OspMesh) mesh = random_mesh (&fuzz);
      g_autofree char *name = g_strdup_printf ("Start %u", i);
      g_autoptr(OspModel) model = osp_model_new (name, mesh, OSP_MODEL_ROLE_BONE);
      g_autoptr(OspCommand) add = osp_command_new_add_model (model, -1, NULL);

      g_assert_true (osp_plan_execute (plan, add, NULL));
      if (command != NULL)
        osp_plan_execute (plan, command, NULL);
    }
  osp_plan_clear_history (plan);
  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      g_ptr_array_add (originals, g_object_ref (osp_plan_get_model (plan, i)));
      g_ptr_array_add (original_meshes, osp_model_get_mesh (osp_plan_get_model (plan, i)));
    }
  g_ptr_array_add (fuzz.states, osp_plan_dump (plan));
  n_operations = osp_plan_get_n_operations (plan);

  for (guint step = 0; step < n_steps; step++)
    {
      guint action = g_rand_int_range (fuzz.rand, 0, 10);

      if (action < 2 && osp_plan_can_undo (plan))
        {
          g_assert_true (osp_plan_undo (plan));
          fuzz.cursor--;
          check_state (&fuzz);
        }
      else if (action < 3 && osp_plan_can_redo (plan))
        {
          g_assert_true (osp_plan_redo (plan));
          fuzz.cursor++;
          check_state (&fuzz);
        }
      else if (action < 4 && with_cuts)
        random_cut (&fuzz);
      else
        {
          g_autoptr(OspCommand) command = random_command (&fuzz);
          g_autoptr(GError) error = NULL;
          g_autofree char *before = osp_plan_dump (plan);

          if (command == NULL)
            continue;
          if (osp_plan_execute (plan, command, &error))
            push_state (&fuzz);
          else
            {
              /* A refused command (a name taken) changes nothing. */
              g_autofree char *after = osp_plan_dump (plan);

              g_assert_nonnull (error);
              g_assert_cmpstr (before, ==, after);
            }
        }
      g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, fuzz.cursor);
    }

  /* Undo everything: every state on the way back, and the start exactly. */
  while (osp_plan_undo (plan))
    {
      fuzz.cursor--;
      check_state (&fuzz);
    }
  g_assert_cmpuint (fuzz.cursor, ==, 0);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, originals->len);
  for (guint i = 0; i < originals->len; i++)
    {
      OspModel *model = osp_plan_get_model (plan, i);

      g_assert_true (model == originals->pdata[i]);
      g_assert_true (osp_mesh_equal (osp_model_get_mesh (model), original_meshes->pdata[i]));
    }
  g_assert_cmpuint (osp_plan_get_n_operations (plan), ==, n_operations);

  /* Redo everything: every state again, up to the last. */
  while (osp_plan_redo (plan))
    {
      fuzz.cursor++;
      check_state (&fuzz);
    }
  g_assert_cmpuint (fuzz.cursor, ==, fuzz.states->len - 1);

  g_ptr_array_unref (fuzz.states);
  g_rand_free (fuzz.rand);
}

static void
test_random (gconstpointer data)
{
  run_random (GPOINTER_TO_UINT (data), FALSE);
}

static void
test_random_cuts (gconstpointer data)
{
  run_random (GPOINTER_TO_UINT (data), TRUE);
}

/* -- Cuts ---------------------------------------------------------------------------------- */

static void
test_cut_undo (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *again = NULL;
  OspPlane plane = { { 0, 0, 1 }, 10 };
  OspModel *model;
  double volume = 0;

  model = add_box (plan, "Pelvis", 10);   /* 10 × 20 × 30 from the origin */
  before = osp_plan_dump (plan);
  g_assert_true (osp_plan_cut_model (plan, model, &plane, 1, 0, "Cut Ilium", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Cut Ilium");
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  g_assert_cmpint (osp_plan_get_model_index (plan, model), ==, -1);
  for (guint i = 0; i < 2; i++)
    {
      OspModel *piece = osp_plan_get_model (plan, i);
      OspMeshReport report;

      osp_mesh_report (osp_model_get_mesh (piece), &report);
      g_assert_true (report.closed);
      g_assert_cmpint (osp_model_get_role (piece), ==, OSP_MODEL_ROLE_PIECE);
      volume += report.volume;
      g_ptr_array_add (pieces, osp_mesh_ref (osp_model_get_mesh (piece)));
    }
  g_assert_cmpfloat_with_epsilon (volume, 6000.0, 6000.0 * 1e-6);
  g_assert_nonnull (osp_plan_find_model (plan, "Pelvis resected 1"));
  g_assert_nonnull (osp_plan_find_model (plan, "Pelvis remaining 1"));
  after = osp_plan_dump (plan);

  g_assert_true (osp_plan_undo (plan));
  {
    g_autofree char *dump = osp_plan_dump (plan);

    g_assert_cmpstr (dump, ==, before);
  }
  g_assert_true (osp_plan_get_model (plan, 0) == model);
  g_assert_true (osp_plan_redo (plan));
  again = osp_plan_dump (plan);
  g_assert_cmpstr (again, ==, after);
  /* The very same pieces: no recomputation. */
  for (guint i = 0; i < 2; i++)
    g_assert_true (osp_model_get_mesh (osp_plan_get_model (plan, i)) == pieces->pdata[i]);

  /* A transformed model is cut where it is drawn: shifted up by 100, the same world plane
   * z = 110 cuts it like z = 10 cut it at the origin. */
  {
    OspModel *moved;
    float m[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 100, 1 };
    OspPlane shifted = { { 0, 0, 1 }, 110 };
    OspMeshReport report;

    moved = add_box (plan, "Moved", 10);
    osp_test_execute_ok (plan, osp_command_new_set_transform (moved, m));
    g_assert_true (osp_plan_cut_model (plan, moved, &shifted, 1, 0, NULL, NULL, &error));
    g_assert_no_error (error);
    osp_mesh_report (osp_model_get_mesh (osp_plan_find_model (plan, "Moved resected 1")),
                     &report);
    g_assert_cmpfloat_with_epsilon (report.volume, 10 * 20 * 10, 1e-3);
  }
}

static void
test_cut_async (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) stale = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  OspPlane plane = { { 0, 0, 2 }, 20 };   /* z = 10, normalised on the way */
  OspModel *model = add_box (plan, "Pelvis", 10);

  osp_plan_cut_model_async (plan, model, &plane, 1, 0, "Cut Ilium", NULL, osp_test_store_result,
                            &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (osp_plan_cut_model_finish (plan, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Cut Ilium");
  g_assert_true (osp_plan_undo (plan));

  /* The model moves while the thread cuts: the result is refused, the plan keeps the move. */
  osp_plan_cut_model_async (plan, model, &plane, 1, 0, NULL, NULL, osp_test_store_result, &stale);
  osp_test_execute_ok (plan, osp_command_new_set_opacity (model, 0.5));
  {
    float m[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 0, 0, 1 };

    osp_test_execute_ok (plan, osp_command_new_set_transform (model, m));
  }
  before = osp_plan_dump (plan);
  while (stale == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (osp_plan_cut_model_finish (plan, stale, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  after = osp_plan_dump (plan);
  g_assert_cmpstr (before, ==, after);
}

/* -- Replay -------------------------------------------------------------------------------- */

static JsonArray *
parse_array (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static void
test_replay (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) replayed = osp_plan_new ();
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) ops = NULL;
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "replay", NULL);
  g_autofree char *stl = g_build_filename (dir, "box.stl", NULL);
  g_autofree char *out = g_build_filename (dir, "out.stl", NULL);
  g_autofree char *dump = NULL;
  g_autofree char *dump2 = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (osp_mesh_save (box, stl, OSP_MESH_FORMAT_STL_BINARY, &error));
  g_assert_no_error (error);

  ops = parse_array (
    "["
    " {\"op\": \"load\", \"path\": \"box.stl\", \"name\": \"Pelvis\"},"
    " {\"op\": \"add-plane\", \"name\": \"Ilium\", \"plane\": [0, 0, 1, 12]},"
    " {\"op\": \"add-landmark\", \"name\": \"ASIS\", \"position\": [1, 2, 3]},"
    " {\"op\": \"cut\", \"model\": \"Pelvis\", \"planes\": [\"Ilium\"], \"margin\": 2,"
    "  \"name\": \"Cut Ilium\"},"
    " {\"op\": \"set\", \"model\": \"Pelvis resected 1\", \"color\": \"#ff0000\","
    "  \"opacity\": 0.5, \"name\": \"Tumour\"},"
    " {\"op\": \"mirror\", \"model\": \"Pelvis remaining 1\", \"plane\": [1, 0, 0, 0],"
    "  \"result\": \"Template\", \"name\": \"Mirror Left Hemipelvis\"},"
    " {\"op\": \"move-plane\", \"name\": \"Ilium\", \"plane\": [0, 0, 1, 13]},"
    " {\"op\": \"export\", \"models\": [\"Template\"], \"path\": \"out.stl\"}"
    "]");
  for (guint i = 0; i < json_array_get_length (ops); i++)
    {
      g_assert_true (osp_plan_run_operation (plan, json_array_get_object_element (ops, i), dir,
                                             dir, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 3);
  g_assert_nonnull (osp_plan_find_model (plan, "Tumour"));
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Move Plane");
  {
    OspMeshReport report;
    OspModel *tumour = osp_plan_find_model (plan, "Tumour");

    /* Below z = 12 + 2 mm margin. */
    osp_mesh_report (osp_model_get_mesh (tumour), &report);
    g_assert_cmpfloat_with_epsilon (report.volume, 10 * 20 * 14, 1e-2);
    g_assert_cmphex (osp_model_get_color (tumour), ==, 0xff0000);
    osp_mesh_report (osp_model_get_mesh (osp_plan_find_model (plan, "Template")), &report);
    g_assert_cmpfloat_with_epsilon (report.volume, 10 * 20 * 16, 1e-2);
    g_assert_true (report.closed);
    g_assert_cmpfloat (report.bounds.max[0], ==, 0.0f);
  }
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));

  /* The recorded operations rebuild the same plan. */
  dump = osp_plan_dump (plan);
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    {
      g_assert_true (osp_plan_run_operation (replayed, osp_plan_get_operation (plan, i), NULL,
                                             NULL, NULL, &error));
      g_assert_no_error (error);
    }
  dump2 = osp_plan_dump (replayed);
  g_assert_cmpstr (dump, ==, dump2);

  /* Bad operations fail with a message and change nothing. */
  {
    static const char *const bad[] = {
      "{\"op\": \"cut\", \"model\": \"Nobody\", \"planes\": [[0, 0, 1, 0]]}",
      "{\"op\": \"cut\", \"model\": \"Tumour\", \"planes\": [[0, 0, 0, 0]]}",
      "{\"op\": \"cut\", \"model\": \"Tumour\", \"planes\": []}",
      "{\"op\": \"cut\", \"model\": \"Tumour\", \"planes\": [[0, 0, 1]]}",
      "{\"op\": \"cut\", \"model\": \"Tumour\", \"planes\": [[0, 0, 1, 0]], \"margin\": -1}",
      "{\"op\": \"set\", \"model\": \"Tumour\", \"color\": \"red\"}",
      "{\"op\": \"set\", \"model\": \"Tumour\", \"opacity\": \"half\"}",
      "{\"op\": \"set\", \"model\": \"Tumour\", \"name\": \"Template\"}",
      "{\"op\": \"load\", \"path\": \"missing.stl\"}",
      "{\"op\": \"mirror\", \"model\": \"Tumour\"}",
      "{\"op\": \"explode\"}",
      "{\"op\": 3}",
      "{\"op\": \"add\", \"name\": \"X\"}",
      "{\"op\": \"export\", \"models\": [\"Nobody\"], \"path\": \"x.stl\"}",
      "{\"op\": \"export\", \"path\": \"x.xyz\"}",
    };
    g_autofree char *before = osp_plan_dump (plan);

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *text = g_strdup_printf ("[%s]", bad[i]);
        g_autoptr(JsonArray) array = parse_array (text);
        g_autofree char *now = NULL;

        g_assert_false (osp_plan_run_operation (plan, json_array_get_object_element (array, 0),
                                                dir, dir, NULL, &error));
        g_assert_nonnull (error);
        g_test_message ("%s → %s", bad[i], error->message);
        g_clear_error (&error);
        now = osp_plan_dump (plan);
        g_assert_cmpstr (now, ==, before);
      }
  }
}

/* -- Name look-ups and long replays ----------------------------------------------------------- */

/* The name index behind osp_plan_find_landmark/plane stays right through inserts and removals
 * anywhere, duplicates (raw) and undo. */
static void
test_name_index (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  const float p[3] = { 1, 2, 3 };
  const OspPlane plane = { { 0, 0, 1 }, 5 };

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("L%u", i);

      osp_test_execute_ok (plan, osp_command_new_add_landmark (name, p));
      osp_test_execute_ok (plan, osp_command_new_add_plane (name, &plane));
    }
  g_assert_cmpint (osp_plan_find_landmark (plan, "L4"), ==, 4);
  g_assert_cmpint (osp_plan_find_plane (plan, "L5"), ==, 5);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L9"), ==, -1);
  /* A removal in the middle shifts the later ones. */
  osp_test_execute_ok (plan, osp_command_new_delete_landmark ("L1"));
  osp_test_execute_ok (plan, osp_command_new_delete_plane ("L0"));
  g_assert_cmpint (osp_plan_find_landmark (plan, "L1"), ==, -1);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L4"), ==, 3);
  g_assert_cmpint (osp_plan_find_plane (plan, "L5"), ==, 4);
  /* Undo puts them back where they were. */
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpint (osp_plan_find_landmark (plan, "L1"), ==, 1);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L4"), ==, 4);
  g_assert_cmpint (osp_plan_find_plane (plan, "L0"), ==, 0);
  /* The last removed and added again (an undo of an add, a redo). */
  g_assert_true (osp_plan_redo (plan));
  g_assert_true (osp_plan_redo (plan));
  osp_test_execute_ok (plan, osp_command_new_delete_landmark ("L5"));
  g_assert_cmpint (osp_plan_find_landmark (plan, "L5"), ==, -1);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpint (osp_plan_find_landmark (plan, "L5"), ==, 4);
  /* Duplicates (only the reader can make them): the first one is found, then the next. */
  osp_plan_insert_landmark_raw (plan, osp_plan_get_n_landmarks (plan), "L2", p);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L2"), ==, 1);
  osp_plan_remove_landmark_raw (plan, 1);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L2"), ==, 4);
  osp_plan_remove_landmark_raw (plan, 4);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L2"), ==, -1);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L3"), ==, 1);
}

/* A replay of 50 000 operations is linear (it was quadratic: every step walked the whole
 * history, every name look-up the whole list).  Timings are printed, not asserted; the test's
 * timeout catches a return to quadratic (minutes). */
static void
test_long_replay (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  const guint n = 50000;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) op = json_object_new ();
      g_autoptr(GError) error = NULL;
      JsonArray *position = json_array_new ();
      g_autofree char *name = g_strdup_printf ("L%u", i);

      json_array_add_double_element (position, i);
      json_array_add_double_element (position, 0);
      json_array_add_double_element (position, 0);
      json_object_set_string_member (op, "op", "add-landmark");
      json_object_set_string_member (op, "name", name);
      json_object_set_array_member (op, "position", position);
      g_assert_true (osp_plan_run_operation (plan, op, ".", ".", NULL, &error));
      g_assert_no_error (error);
    }
  g_test_message ("%u operations replayed in %.2f s", n,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (osp_plan_get_n_landmarks (plan), ==, n);
  g_assert_cmpuint (osp_plan_get_n_operations (plan), ==, n);
  g_assert_cmpint (osp_plan_find_landmark (plan, "L49999"), ==, 49999);
  {
    float x[3];

    osp_plan_get_landmark (plan, 12345, x);
    g_assert_cmpfloat (x[0], ==, 12345.0f);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plan/basic", test_basic);
  g_test_add_func ("/plan/merge", test_merge);
  g_test_add_func ("/plan/budget", test_budget);
  g_test_add_func ("/plan/modified", test_modified);
  for (guint32 seed = 1; seed <= 8; seed++)
    {
      g_autofree char *path = g_strdup_printf ("/plan/random/%u", seed);

      g_test_add_data_func (path, GUINT_TO_POINTER (seed), test_random);
    }
  for (guint32 seed = 1; seed <= 4; seed++)
    {
      g_autofree char *path = g_strdup_printf ("/plan/random-cuts/%u", seed);

      g_test_add_data_func (path, GUINT_TO_POINTER (seed), test_random_cuts);
    }
  g_test_add_func ("/plan/cut-undo", test_cut_undo);
  g_test_add_func ("/plan/cut-async", test_cut_async);
  g_test_add_func ("/plan/replay", test_replay);
  g_test_add_func ("/plan/name-index", test_name_index);
  g_test_add_func ("/plan/long-replay", test_long_replay);
  return g_test_run ();
}
