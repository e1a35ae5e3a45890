/* test-ct.c — CTs in the plan, the patient, masks, margins
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-margin.h"
#include "osp-mask.h"
#include "osp-measure.h"
#include "osp-plan-private.h"
#include "osp-plan.h"
#include "osp-test-common.h"

/* A small CT: a ball of 400 HU of radius r mm centred at c in soft tissue (40 HU). */
static OspVolume *
make_ct (guint32       n,
         double        spacing,
         const double  c[3],
         double        r)
{
  guint32 dims[3] = { n, n, n };
  double sp[3] = { spacing, spacing, spacing };
  double origin[3] = { -10, 20, -30 };
  g_autoptr(GError) error = NULL;
  OspVolume *volume = osp_volume_new (dims, sp, origin, NULL, "test", &error);
  gint16 *d;

  g_assert_no_error (error);
  d = osp_volume_get_data_mutable (volume);
  for (guint32 k = 0; k < n; k++)
    for (guint32 j = 0; j < n; j++)
      for (guint32 i = 0; i < n; i++)
        {
          double p[3] = { origin[0] + i * spacing, origin[1] + j * spacing,
                          origin[2] + k * spacing };
          double d2 = (p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) +
                      (p[2] - c[2]) * (p[2] - c[2]);

          d[i + n * (j + n * k)] = d2 <= r * r ? 400 : 40;
        }
  osp_volume_set_description (volume, "Pelvis 1.0 B30f");
  return volume;
}

static OspPatient *
make_patient (const char *name,
              const char *id,
              const char *birth)
{
  OspPatient *p = osp_patient_new ();

  g_free (p->name);
  p->name = g_strdup (name);
  g_free (p->id);
  p->id = g_strdup (id);
  g_free (p->birth_date);
  p->birth_date = g_strdup (birth);
  return p;
}

static void
count_signal (gpointer  instance,
              gpointer  user_data)
{
  (*(guint *) user_data)++;
}

static void
test_plan_volume_undo (void)
{
  const double c[3] = { 0, 40, -10 };
  g_autoptr(OspVolume) ct = make_ct (24, 2.0, c, 10);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPatient) patient = make_patient ("DOE^JANE", "00123", "19700131");
  g_autoptr(GError) error = NULL;
  guint changes = 0, patient_changes = 0;

  osp_volume_set_patient (ct, patient);
  g_signal_connect (plan, "volumes-changed", G_CALLBACK (count_signal), &changes);
  g_signal_connect (plan, "patient-changed", G_CALLBACK (count_signal), &patient_changes);
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 0);
  g_assert_null (osp_plan_get_patient (plan));
  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 1);
  /* Shared, never copied. */
  g_assert_true (osp_plan_get_volume (plan, 0) == ct);
  g_assert_cmpint (osp_plan_get_volume_index (plan, ct), ==, 0);
  g_assert_nonnull (osp_plan_get_patient (plan));
  g_assert_cmpstr (osp_plan_get_patient (plan)->id, ==, "00123");
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (patient_changes, ==, 1);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Add CT");

  /* Twice: refused, nothing changes. */
  g_assert_false (osp_plan_add_volume (plan, ct, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 1);

  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 0);
  g_assert_null (osp_plan_get_patient (plan));
  g_assert_cmpuint (changes, ==, 2);
  g_assert_true (osp_plan_redo (plan));
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 1);
  g_assert_true (osp_plan_get_volume (plan, 0) == ct);

  /* Remove takes its masks along; undo puts both back. */
  g_assert_true (osp_plan_add_mask (plan, 0, "Tumour", NULL, 0xff0000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 1);
  g_assert_true (osp_plan_remove_volume (plan, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 0);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 0);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 1);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 1);
  g_assert_true (osp_plan_get_mask_volume (plan, 0) == ct);
}

static void
test_plan_volume_file (void)
{
  const double c[3] = { 0, 40, -10 };
  g_autoptr(OspVolume) ct = make_ct (20, 1.5, c, 8);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(OspPlan) anon = NULL;
  g_autoptr(OspPatient) patient = make_patient ("DOE^JANE", "123", "19700131");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = osp_test_tmp_path ("ct.osteoplan");
  g_autofree char *anon_path = osp_test_tmp_path ("ct-anon.osteoplan");
  g_autofree char *dump = NULL;
  g_autofree char *dump_back = NULL;
  g_autofree char *contents = NULL;
  const double centre[3] = { 2, 42, -8 };
  gsize len;
  guint64 painted;

  osp_volume_set_patient (ct, patient);
  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Tumour", NULL, 0xd03c3c, &error));
  g_assert_true (osp_plan_paint_sphere (plan, 0, centre, 4.0, 1, &error));
  g_assert_no_error (error);
  painted = osp_mask_count (osp_plan_get_mask (plan, 0), 1);
  g_assert_cmpuint (painted, >, 0);
  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);

  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  dump = osp_plan_dump (plan);
  dump_back = osp_plan_dump (back);
  g_assert_cmpstr (dump, ==, dump_back);
  g_assert_cmpuint (osp_plan_get_n_volumes (back), ==, 1);
  g_assert_cmpmem (osp_volume_get_data (osp_plan_get_volume (back, 0)), 20 * 20 * 20 * 2,
                   osp_volume_get_data (ct), 20 * 20 * 20 * 2);
  g_assert_cmpstr (osp_volume_get_description (osp_plan_get_volume (back, 0)), ==,
                   "Pelvis 1.0 B30f");
  g_assert_cmpstr (osp_plan_get_patient (back)->name, ==, "DOE^JANE");
  g_assert_cmpstr (osp_volume_get_patient (osp_plan_get_volume (back, 0))->birth_date, ==,
                   "19700131");
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (back, 0), 1), ==, painted);
  g_assert_cmpuint (osp_plan_get_mask_color (back, 0), ==, 0xd03c3c);

  /* The anonymised copy: no name anywhere in the file, the plan itself unchanged. */
  g_assert_true (osp_plan_save_full (plan, anon_path, OSP_PLAN_SAVE_ANONYMISE, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpstr (osp_plan_get_path (plan), ==, path);
  anon = osp_plan_open (anon_path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (osp_plan_get_patient (anon));
  g_assert_null (osp_volume_get_patient (osp_plan_get_volume (anon, 0)));
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (anon, 0), 1), ==, painted);
  g_assert_true (g_file_get_contents (anon_path, &contents, &len, NULL));
  g_assert_null (g_strstr_len (contents, len, "DOE"));
}

static void
test_paint_stroke (void)
{
  const double c[3] = { 0, 40, -10 };
  g_autoptr(OspVolume) ct = make_ct (32, 1.0, c, 8);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  OspMask *mask;
  OspMaskBox box;
  guint n_undo;
  double p[3] = { 0, 40, -10 };
  guint64 after_stroke;

  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Tumour", NULL, 0xff0000, &error));
  mask = osp_plan_get_mask (plan, 0);
  n_undo = osp_plan_get_n_undo (plan);

  /* A stroke of five dabs along x: one undo step. */
  for (guint d = 0; d < 5; d++)
    {
      p[0] = -4 + 2.0 * d;
      g_assert_true (osp_plan_paint_sphere (plan, 0, p, 2.0, 1, &error));
      g_assert_no_error (error);
    }
  osp_plan_seal_undo (plan);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, n_undo + 1);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Paint Tumour");
  after_stroke = osp_mask_count (mask, 1);
  /* A capsule of radius 2 and length 8 mm on 1 mm voxels: between the cylinder and the
   * cylinder plus a ball. */
  g_assert_cmpuint (after_stroke, >=, 100);
  g_assert_cmpuint (after_stroke, <=, (guint64) (G_PI * 4 * 8 + 4.0 / 3 * G_PI * 8 + 60));
  osp_plan_get_mask_dirty_box (plan, 0, &box);
  g_assert_false (osp_mask_box_is_empty (&box));

  /* A second stroke erasing: its own step. */
  p[0] = 0;
  g_assert_true (osp_plan_paint_sphere (plan, 0, p, 1.0, 0, &error));
  osp_plan_seal_undo (plan);
  g_assert_cmpuint (osp_plan_get_n_undo (plan), ==, n_undo + 2);
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, after_stroke - 7);

  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, after_stroke);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, 0);
  g_assert_true (osp_plan_redo (plan));
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, after_stroke);
}

/* Exact margins of a box tumour [−5, 5]³ against axis planes. */
static void
test_margin_box (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (10, 10, 10);
  OspBox b;
  OspMarginResult r;
  const struct
  {
    float planes[3][4];
    guint n;
    double margins[3];
    gboolean inside;
  } cases[] = {
    /* Resected region x ≤ 15: margin 10 (box edge at x = 5 after centring). */
    { { { 1, 0, 0, 15 } }, 1, { 10 }, TRUE },
    /* A plane through the tumour. */
    { { { 1, 0, 0, 2 } }, 1, { -3 }, FALSE },
    /* The tumour on the wrong side entirely: −(5 + 20) … the far side. */
    { { { -1, 0, 0, -20 } }, 1, { -25 }, FALSE },
    /* Non-unit normal: (0, 2, 0)·x ≤ 30 is y ≤ 15. */
    { { { 0, 2, 0, 30 } }, 1, { 10 }, TRUE },
    /* Three planes, the diagonal one at distance (d − max n·x) with max at a corner. */
    { { { 1, 0, 0, 8 }, { 0, -1, 0, 12 }, { 1, 1, 1, 30 } }, 3,
      { 3, 7, 30 / sqrt (3.0) - 15 / sqrt (3.0) }, TRUE },
  };

  osp_mesh_get_bounds (box, &b);
  {
    g_autoptr(OspMesh) centred = osp_test_translate (box, -(b.min[0] + b.max[0]) / 2,
                                                     -(b.min[1] + b.max[1]) / 2,
                                                     -(b.min[2] + b.max[2]) / 2);

    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        double min = G_MAXDOUBLE;

        g_assert_true (osp_margin_compute (centred, cases[c].planes, cases[c].n, &r));
        g_assert_cmpuint (r.n_planes, ==, cases[c].n);
        for (guint p = 0; p < cases[c].n; p++)
          {
            g_assert_cmpfloat_with_epsilon (r.planes[p].margin_mm, cases[c].margins[p], 1e-4);
            min = MIN (min, cases[c].margins[p]);
          }
        g_assert_cmpfloat_with_epsilon (r.min_margin_mm, min, 1e-4);
        g_assert_cmpint (r.inside, ==, cases[c].inside);
        osp_margin_result_clear (&r);
      }
  }
}

/* A sphere tumour: the closest point lies on the plane's normal through the centre. */
static void
test_margin_sphere (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 64, 32);
  OspMarginResult r;
  const float planes[2][4] = { { 0, 0, 1, 25 }, { 0, 0, -1, 0 } };

  g_assert_true (osp_margin_compute (sphere, planes, 2, &r));
  /* The sphere's top vertex is exactly its pole. */
  g_assert_cmpfloat_with_epsilon (r.planes[0].margin_mm, 15, 1e-4);
  g_assert_cmpfloat_with_epsilon (r.planes[0].closest[2], 10, 1e-4);
  g_assert_cmpfloat_with_epsilon (r.planes[1].margin_mm, -10, 1e-4);
  g_assert_cmpint (r.min_plane, ==, 1);
  g_assert_false (r.inside);
  osp_margin_result_clear (&r);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_state ();

  g_test_add_func ("/ct/plan/volume-undo", test_plan_volume_undo);
  g_test_add_func ("/ct/plan/volume-file", test_plan_volume_file);
  g_test_add_func ("/ct/plan/paint-stroke", test_paint_stroke);
  g_test_add_func ("/ct/margin/box", test_margin_box);
  g_test_add_func ("/ct/margin/sphere", test_margin_sphere);
  return g_test_run ();
}
