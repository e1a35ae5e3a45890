/* test-measure.c — measurements of known geometry; kept in the plan, undoable, saved, CSV
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-measure.h"
#include "osp-test-common.h"

static void
test_geometry (void)
{
  const float o[3] = { 1, 2, 3 }, a[3] = { 4, 6, 3 }, b[3] = { 1, 2, 8 }, c[3] = { 4, 2, 3 };
  const float d[3] = { 1, 2, 3 };
  OspPlane z5 = { { 0, 0, 2 }, 10 }; /* z = 5, non-unit normal */
  OspPlane x0 = { { 1, 0, 0 }, 0 };
  OspPlane diag = { { 1, 0, 1 }, 0 };
  OspPlane flipped = { { -1, 0, 0 }, 3 };

  g_assert_cmpfloat (osp_measure_distance (o, a), ==, 5);            /* 3-4-5 */
  g_assert_cmpfloat (osp_measure_distance (o, o), ==, 0);
  g_assert_cmpfloat_with_epsilon (osp_measure_point_plane (o, &z5), -2, 1e-12);
  g_assert_cmpfloat_with_epsilon (osp_measure_point_plane (b, &z5), 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (osp_measure_angle (c, o, b), 90, 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_measure_angle (c, o, a), acos (3.0 / 5) * 180 / G_PI,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (osp_measure_angle (c, o, c), 0, 1e-9);
  g_assert_cmpfloat (osp_measure_angle (d, o, c), ==, 0);          /* coincident */
  g_assert_cmpfloat_with_epsilon (osp_measure_plane_angle (&x0, &diag), 45, 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_measure_plane_angle (&x0, &flipped), 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_measure_plane_angle (&x0, &z5), 90, 1e-9);
}

static void
test_volume_area (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  const float scale2[16] = { 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 7, 8, 9, 1 };
  const float rigid[16] = { 0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 5, 5, 5, 1 };

  g_assert_cmpfloat_with_epsilon (osp_measure_volume (box, NULL), 6000, 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_measure_area (box, NULL), 2200, 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_measure_volume (box, rigid), 6000, 1e-6);
  g_assert_cmpfloat_with_epsilon (osp_measure_volume (box, scale2), 48000, 1e-6);
  g_assert_cmpfloat_with_epsilon (osp_measure_area (box, scale2), 8800, 1e-6);
}

static gboolean
execute (OspPlan    *plan,
         OspCommand *command)
{
  g_autoptr(OspCommand) owned = command;
  g_autoptr(GError) error = NULL;
  gboolean ok = osp_plan_execute (plan, owned, &error);

  g_assert_no_error (error);
  return ok;
}

static double
value_of (OspPlan    *plan,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  int i = osp_measure_find (plan, name);
  double v = NAN;

  g_assert_cmpint (i, >=, 0);
  g_assert_true (osp_measure_evaluate (plan, osp_measure_get (plan, (guint) i), &v, &error));
  g_assert_no_error (error);
  return v;
}

static void
test_plan (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) opened = NULL;
  g_autoptr(OspMesh) box = osp_test_make_box (10, 10, 10);
  g_autoptr(OspModel) model = osp_model_new ("Piece", box, OSP_MODEL_ROLE_PIECE);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMeasurement) m = NULL;
  g_autoptr(OspCommand) bad = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "measure.osteoplan", NULL);
  g_autofree char *csv_path = g_build_filename (osp_test_tmpdir (), "measure.csv", NULL);
  g_autofree char *csv = NULL;
  const float asis[3] = { 0, 0, 0 }, psis[3] = { 30, 40, 0 }, apex[3] = { 30, 0, 0 };
  const OspPlane plane = { { 0, 0, 1 }, -4 };
  const OspPlane plane2 = { { 0, 1, 1 }, 0 };

  execute (plan, osp_command_new_add_model (model, -1, NULL));
  execute (plan, osp_command_new_add_landmark ("ASIS", asis));
  execute (plan, osp_command_new_add_landmark ("PSIS", psis));
  execute (plan, osp_command_new_add_landmark ("Apex", apex));
  execute (plan, osp_command_new_add_plane ("Cut", &plane));
  execute (plan, osp_command_new_add_plane ("Oblique", &plane2));

  m = osp_measurement_new ("Width", OSP_MEASURE_DISTANCE, "ASIS", "PSIS", NULL);
  execute (plan, osp_measure_command_new_add (m));
  osp_measurement_free (g_steal_pointer (&m));
  m = osp_measurement_new ("Height", OSP_MEASURE_POINT_PLANE, "PSIS", "Cut", NULL);
  execute (plan, osp_measure_command_new_add (m));
  osp_measurement_free (g_steal_pointer (&m));
  m = osp_measurement_new ("Corner, right", OSP_MEASURE_ANGLE, "ASIS", "Apex", "PSIS");
  execute (plan, osp_measure_command_new_add (m));
  osp_measurement_free (g_steal_pointer (&m));
  m = osp_measurement_new ("Planes", OSP_MEASURE_PLANE_ANGLE, "Cut", "Oblique", NULL);
  execute (plan, osp_measure_command_new_add (m));
  osp_measurement_free (g_steal_pointer (&m));
  m = osp_measurement_new ("Piece volume", OSP_MEASURE_VOLUME, "Piece", NULL, NULL);
  execute (plan, osp_measure_command_new_add (m));
  osp_measurement_free (g_steal_pointer (&m));

  g_assert_cmpuint (osp_measure_get_n (plan), ==, 5);
  g_assert_cmpfloat_with_epsilon (value_of (plan, "Width"), 50, 1e-9);
  g_assert_cmpfloat_with_epsilon (value_of (plan, "Height"), 4, 1e-9);
  g_assert_cmpfloat_with_epsilon (value_of (plan, "Corner, right"), 90, 1e-9);
  g_assert_cmpfloat_with_epsilon (value_of (plan, "Planes"), 45, 1e-5);
  g_assert_cmpfloat_with_epsilon (value_of (plan, "Piece volume"), 1000, 1e-9);

  /* A measurement follows its landmark. */
  {
    const float moved[3] = { 0, 0, 30 };

    execute (plan, osp_command_new_move_landmark ("ASIS", moved));
    g_assert_cmpfloat_with_epsilon (value_of (plan, "Width"), sqrt (900 + 1600 + 900), 1e-5);
    g_assert_true (osp_plan_undo (plan));
  }

  /* Undo and redo. */
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_measure_get_n (plan), ==, 4);
  g_assert_cmpint (osp_measure_find (plan, "Piece volume"), ==, -1);
  g_assert_true (osp_plan_redo (plan));
  g_assert_cmpuint (osp_measure_get_n (plan), ==, 5);
  execute (plan, osp_measure_command_new_delete ("Width"));
  g_assert_cmpint (osp_measure_find (plan, "Width"), ==, -1);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpint (osp_measure_find (plan, "Width"), ==, 0);

  /* Bad references and duplicate names fail at execution, changing nothing. */
  m = osp_measurement_new ("Ghost", OSP_MEASURE_DISTANCE, "ASIS", "Nowhere", NULL);
  bad = osp_measure_command_new_add (m);
  g_assert_false (osp_plan_execute (plan, bad, &error));
  g_assert_nonnull (strstr (error->message, "Nowhere"));
  g_clear_error (&error);
  g_assert_cmpuint (osp_measure_get_n (plan), ==, 5);

  /* Save → open. */
  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);
  opened = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_measure_get_n (opened), ==, 5);
  g_assert_cmpint (osp_measure_get (opened, 2)->kind, ==, OSP_MEASURE_ANGLE);
  g_assert_cmpstr (osp_measure_get (opened, 2)->refs[1], ==, "Apex");
  g_assert_cmpfloat_with_epsilon (value_of (opened, "Corner, right"), 90, 1e-9);

  /* CSV. */
  g_assert_true (osp_measure_export_csv (opened, csv_path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "name,kind,references,value,unit,x,y,z\r\n"));
  g_assert_nonnull (strstr (csv, "PSIS,landmark,,,mm,30.000,40.000,0.000\r\n"));
  g_assert_nonnull (strstr (csv, "Width,distance,ASIS;PSIS,50.000,mm,,,\r\n"));
  g_assert_nonnull (strstr (csv, "\"Corner, right\",angle,ASIS;Apex;PSIS,90.000,°,,,\r\n"));
  g_assert_nonnull (strstr (csv, "Piece volume,volume,Piece,1000.000,mm³,,,\r\n"));
}

/* What the views draw: a marker per landmark, a segment with its value per distance, two per
 * angle (from the vertex), one to the foot on the plane per point-to-plane distance. */
static void
test_primitives (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GPtrArray) prims = NULL;
  const float a[3] = { 0, 0, 0 }, b[3] = { 30, 40, 0 }, c[3] = { 0, 10, 0 };
  const OspMeasurePrimitive *p;
  OspPlane plane = { { 0, 0, 1 }, 5 };

  osp_test_execute_ok (plan, osp_command_new_add_landmark ("A", a));
  osp_test_execute_ok (plan, osp_command_new_add_landmark ("B", b));
  osp_test_execute_ok (plan, osp_command_new_add_landmark ("C", c));
  osp_test_execute_ok (plan, osp_command_new_add_plane ("Top", &plane));
  {
    g_autoptr(OspMeasurement) d = osp_measurement_new ("AB", OSP_MEASURE_DISTANCE, "A", "B",
                                                       NULL);
    g_autoptr(OspMeasurement) g = osp_measurement_new ("BAC", OSP_MEASURE_ANGLE, "B", "A", "C");
    g_autoptr(OspMeasurement) h = osp_measurement_new ("B-Top", OSP_MEASURE_POINT_PLANE, "B",
                                                       "Top", NULL);

    osp_test_execute_ok (plan, osp_measure_command_new_add (d));
    osp_test_execute_ok (plan, osp_measure_command_new_add (g));
    osp_test_execute_ok (plan, osp_measure_command_new_add (h));
  }
  prims = osp_measure_get_primitives (plan);
  g_assert_cmpuint (prims->len, ==, 3 + 1 + 2 + 1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((OspMeasurePrimitive *) g_ptr_array_index (prims, i))->kind, ==,
                     OSP_MEASURE_PRIMITIVE_MARKER);
  p = g_ptr_array_index (prims, 1);
  g_assert_cmpstr (p->label, ==, "B");
  g_assert_cmpfloat (p->a[1], ==, 40);
  p = g_ptr_array_index (prims, 3);
  g_assert_cmpint (p->kind, ==, OSP_MEASURE_PRIMITIVE_SEGMENT);
  g_assert_cmpstr (p->label, ==, "AB 50.0 mm");
  g_assert_cmpfloat (p->b[0], ==, 30);
  /* The angle B–A–C: from the vertex A to B and to C; 36.9° between them (cos = 40/50). */
  p = g_ptr_array_index (prims, 4);
  g_assert_nonnull (strstr (p->label, "BAC 36.9"));
  g_assert_cmpfloat (p->a[0], ==, 0);
  g_assert_cmpfloat (p->b[1], ==, 40);
  p = g_ptr_array_index (prims, 5);
  g_assert_null (p->label);
  g_assert_cmpfloat (p->b[1], ==, 10);
  /* B (z = 0) to the plane z = 5: the foot at (30, 40, 5). */
  p = g_ptr_array_index (prims, 6);
  g_assert_nonnull (strstr (p->label, "B-Top -5.0 mm"));
  g_assert_cmpfloat (p->b[2], ==, 5);
  g_assert_cmpfloat (p->b[0], ==, 30);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/measure/geometry", test_geometry);
  g_test_add_func ("/measure/volume-area", test_volume_area);
  g_test_add_func ("/measure/plan", test_plan);
  g_test_add_func ("/measure/primitives", test_primitives);
  return g_test_run ();
}
