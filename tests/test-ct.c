/* test-ct.c — CTs in the plan, the patient, masks, margins
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zip.h>
#include <zlib.h>

#include "osp-3mf.h"
#include "osp-error.h"
#include "osp-export.h"
#include "osp-margin.h"
#include "osp-mask.h"
#include "osp-measure.h"
#include "osp-plan-private.h"
#include "osp-phantom.h"
#include "osp-plan.h"
#include "osp-segment.h"
#include "osp-test-common.h"
#include "osp-volume-io.h"

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

  /* Rename and recolour; a second mask may not take the name. */
  g_assert_true (osp_plan_set_mask (plan, 0, "Lesion", 0x00ff00, &error));
  g_assert_cmpstr (osp_plan_get_mask_name (plan, 0), ==, "Lesion");
  g_assert_cmpuint (osp_plan_get_mask_color (plan, 0), ==, 0x00ff00);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Rename Mask");
  g_assert_true (osp_plan_add_mask (plan, 0, "Seeds", NULL, 0x0000ff, &error));
  g_assert_false (osp_plan_set_mask (plan, 1, "Lesion", 0x0000ff, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (osp_plan_undo (plan));
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpstr (osp_plan_get_mask_name (plan, 0), ==, "Tumour");
  g_assert_cmpuint (osp_plan_get_mask_color (plan, 0), ==, 0xff0000);
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
  osp_volume_add_note (ct, "resampled a tilted series");
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
  {
    guint n_notes = 0;
    const char *const *notes = osp_volume_get_notes (osp_plan_get_volume (back, 0), &n_notes);

    g_assert_cmpuint (n_notes, ==, 1);
    g_assert_cmpstr (notes[0], ==, "resampled a tilted series");
  }
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

/* An entry of a plan file: its compression method and its bytes as stored (compressed). */
static GBytes *
stored_entry (const char  *path,
              const char  *entry,
              zip_int32_t *out_method)
{
  int zerr = 0;
  zip_t *zip = zip_open (path, ZIP_RDONLY, &zerr);
  zip_stat_t st;
  zip_file_t *file;
  guint8 *data;

  g_assert_nonnull (zip);
  zip_stat_init (&st);
  g_assert_cmpint (zip_stat (zip, entry, 0, &st), ==, 0);
  *out_method = st.comp_method;
  file = zip_fopen (zip, entry, ZIP_FL_COMPRESSED);
  g_assert_nonnull (file);
  data = g_malloc (st.comp_size + 1);
  g_assert_cmpint (zip_fread (file, data, st.comp_size), ==, (zip_int64_t) st.comp_size);
  zip_fclose (file);
  zip_discard (zip);
  return g_bytes_new_take (data, st.comp_size);
}

/* Rewrites the plan file with every volume and mask entry stored uncompressed (as another
 * program might): a save that copies them keeps them stored, one that compresses them anew
 * deflates them. */
static void
store_entries_uncompressed (const char *path)
{
  int zerr = 0;
  zip_t *zip = zip_open (path, 0, &zerr);

  g_assert_nonnull (zip);
  for (zip_int64_t i = 0; i < zip_get_num_entries (zip, 0); i++)
    {
      const char *name = zip_get_name (zip, (zip_uint64_t) i, 0);

      if (g_str_has_prefix (name, "volumes/") || g_str_has_prefix (name, "masks/"))
        g_assert_cmpint (zip_set_file_compression (zip, (zip_uint64_t) i, ZIP_CM_STORE, 0), ==,
                         0);
    }
  g_assert_cmpint (zip_close (zip), ==, 0);
}

/* A save copies the compressed CT and the unchanged masks of the file opened or written last
 * instead of compressing them again; a changed mask, or a file that is no longer the one
 * written, is compressed anew; the voxels are the same bytes every time. */
static void
test_plan_resave (void)
{
  const double c[3] = { 0, 40, -10 };
  const double centre[3] = { 2, 42, -8 }, centre2[3] = { -4, 36, -14 };
  g_autoptr(OspVolume) ct = make_ct (24, 1.5, c, 8);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) opened = NULL;
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = osp_test_tmp_path ("resave-a.osteoplan");
  g_autofree char *b = osp_test_tmp_path ("resave-b.osteoplan");
  g_autofree char *c_path = osp_test_tmp_path ("resave-c.osteoplan");
  g_autofree char *d = osp_test_tmp_path ("resave-d.osteoplan");
  g_autoptr(GBytes) a_volume = NULL, a_mask = NULL, a_seeds = NULL;
  g_autoptr(GBytes) b_volume = NULL, b_mask = NULL, b_seeds = NULL;
  g_autoptr(GBytes) c_volume = NULL, c_mask = NULL, c_seeds = NULL;
  g_autoptr(GBytes) d_volume = NULL;
  zip_int32_t method;
  const guint64 n = 24 * 24 * 24;
  guint64 painted, seeds, repainted;

  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Tumour", NULL, 0xd03c3c, &error));
  g_assert_true (osp_plan_paint_sphere (plan, 0, centre, 4.0, 1, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Seeds", NULL, 0x00ff00, &error));
  g_assert_true (osp_plan_paint_sphere (plan, 1, centre2, 3.0, 1, &error));
  g_assert_no_error (error);
  painted = osp_mask_count (osp_plan_get_mask (plan, 0), 1);
  seeds = osp_mask_count (osp_plan_get_mask (plan, 1), 1);

  /* Saved, then saved again over itself: the CT entry copied, the same bytes. */
  g_assert_true (osp_plan_save (plan, a, NULL, NULL, &error));
  g_assert_no_error (error);
  a_volume = stored_entry (a, "volumes/0.raw", &method);
  g_assert_cmpint (method, ==, ZIP_CM_DEFLATE);
  g_assert_true (osp_plan_save (plan, a, NULL, NULL, &error));
  g_assert_no_error (error);
  b_volume = stored_entry (a, "volumes/0.raw", &method);
  g_assert_true (g_bytes_equal (a_volume, b_volume));
  g_clear_pointer (&a_volume, g_bytes_unref);
  g_clear_pointer (&b_volume, g_bytes_unref);

  /* Another program stored the entries uncompressed: opened and saved, they are copied as
   * they are (a compressing save would deflate them). */
  store_entries_uncompressed (a);
  opened = osp_plan_open (a, NULL, NULL, &error);
  g_assert_no_error (error);
  a_volume = stored_entry (a, "volumes/0.raw", &method);
  g_assert_cmpint (method, ==, ZIP_CM_STORE);
  g_assert_cmpuint (g_bytes_get_size (a_volume), ==, 2 * n);
  a_mask = stored_entry (a, "masks/0.rle", &method);
  a_seeds = stored_entry (a, "masks/1.rle", &method);
  g_assert_true (osp_plan_save (opened, b, NULL, NULL, &error));
  g_assert_no_error (error);
  b_volume = stored_entry (b, "volumes/0.raw", &method);
  g_assert_cmpint (method, ==, ZIP_CM_STORE);
  g_assert_true (g_bytes_equal (a_volume, b_volume));
  b_mask = stored_entry (b, "masks/0.rle", &method);
  g_assert_cmpint (method, ==, ZIP_CM_STORE);
  g_assert_true (g_bytes_equal (a_mask, b_mask));
  b_seeds = stored_entry (b, "masks/1.rle", &method);
  g_assert_cmpint (method, ==, ZIP_CM_STORE);

  /* The tumour painted further: its mask is written anew (deflated), the rest copied. */
  g_assert_true (osp_plan_paint_sphere (opened, 0, centre2, 2.0, 1, &error));
  g_assert_no_error (error);
  repainted = osp_mask_count (osp_plan_get_mask (opened, 0), 1);
  g_assert_cmpuint (repainted, >, painted);
  g_assert_true (osp_plan_save (opened, c_path, NULL, NULL, &error));
  g_assert_no_error (error);
  c_volume = stored_entry (c_path, "volumes/0.raw", &method);
  g_assert_cmpint (method, ==, ZIP_CM_STORE);
  g_assert_true (g_bytes_equal (a_volume, c_volume));
  c_mask = stored_entry (c_path, "masks/0.rle", &method);
  g_assert_cmpint (method, ==, ZIP_CM_DEFLATE);
  c_seeds = stored_entry (c_path, "masks/1.rle", &method);
  g_assert_cmpint (method, ==, ZIP_CM_STORE);
  g_assert_true (g_bytes_equal (b_seeds, c_seeds));
  back = osp_plan_open (c_path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (osp_volume_get_data (osp_plan_get_volume (back, 0)), 2 * n,
                   osp_volume_get_data (ct), 2 * n);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (back, 0), 1), ==, repainted);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (back, 1), 1), ==, seeds);
  g_clear_object (&back);

  /* The file written last replaced behind the plan's back: nothing is copied from it. */
  g_assert_true (g_file_set_contents (c_path, "not a plan", -1, NULL));
  g_assert_true (osp_plan_save (opened, d, NULL, NULL, &error));
  g_assert_no_error (error);
  d_volume = stored_entry (d, "volumes/0.raw", &method);
  g_assert_cmpint (method, ==, ZIP_CM_DEFLATE);
  back = osp_plan_open (d, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (osp_volume_get_data (osp_plan_get_volume (back, 0)), 2 * n,
                   osp_volume_get_data (ct), 2 * n);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (back, 0), 1), ==, repainted);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (back, 1), 1), ==, seeds);
  g_unlink (a);
  g_unlink (b);
  g_unlink (c_path);
  g_unlink (d);
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

/* The margins of a cut once applied: its planes as the cut made them (normals made unit,
 * moved outwards by its margin), gone when it is undone. */
static void
test_margin_applied_cuts (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspMesh) bone = osp_test_make_box (20, 20, 20);
  g_autoptr(OspMesh) box = osp_test_make_box (2, 2, 2);
  g_autoptr(OspMesh) lesion = osp_test_translate (box, 2, 2, 2);   /* [2, 4]³ */
  g_autoptr(OspModel) pelvis = osp_model_new ("Pelvis", bone, OSP_MODEL_ROLE_BONE);
  g_autoptr(OspModel) tumour = osp_model_new ("Tumour", lesion, OSP_MODEL_ROLE_TUMOUR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cuts = NULL;
  /* z ≤ 5 (normal of length 2) and x ≤ 7, moved out by the 1.5 mm margin: z ≤ 6.5, x ≤ 8.5. */
  const OspPlane planes[2] = { { { 0, 0, 2 }, 10 }, { { 1, 0, 0 }, 7 } };
  const OspAppliedCut *cut;
  OspMarginResult r;

  osp_test_execute_ok (plan, osp_command_new_add_model (pelvis, -1, NULL));
  osp_test_execute_ok (plan, osp_command_new_add_model (tumour, -1, NULL));
  cuts = osp_margin_list_applied_cuts (plan);
  g_assert_cmpuint (cuts->len, ==, 0);
  g_clear_pointer (&cuts, g_array_unref);

  g_assert_true (osp_plan_cut_model (plan, pelvis, planes, 2, 1.5, "Resection", NULL, &error));
  g_assert_no_error (error);
  cuts = osp_margin_list_applied_cuts (plan);
  g_assert_cmpuint (cuts->len, ==, 1);
  cut = &g_array_index (cuts, OspAppliedCut, 0);
  g_assert_cmpstr (cut->name, ==, "Resection");
  g_assert_cmpstr (cut->model, ==, "Pelvis");
  g_assert_cmpuint (cut->n_planes, ==, 2);
  g_assert_cmpfloat_with_epsilon (cut->planes[0][2], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (cut->planes[0][3], 6.5, 1e-5);
  g_assert_cmpfloat_with_epsilon (cut->planes[1][0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (cut->planes[1][3], 8.5, 1e-5);
  g_assert_true (osp_margin_compute (lesion, cut->planes, cut->n_planes, &r));
  g_assert_cmpfloat_with_epsilon (r.planes[0].margin_mm, 2.5, 1e-5);
  g_assert_cmpfloat_with_epsilon (r.planes[1].margin_mm, 4.5, 1e-5);
  g_assert_cmpint (r.min_plane, ==, 0);
  g_assert_true (r.inside);
  osp_margin_result_clear (&r);
  g_clear_pointer (&cuts, g_array_unref);

  g_assert_true (osp_plan_undo (plan));
  cuts = osp_margin_list_applied_cuts (plan);
  g_assert_cmpuint (cuts->len, ==, 0);
}

/* A moved tumour: the same margins as its moved mesh, without building it. */
static void
test_margin_transformed (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 48, 24);
  /* Rotated 90° about z, scaled by 1.5, moved by (3, −4, 5). */
  const float m[16] = { 0, 1.5f, 0, 0, -1.5f, 0, 0, 0, 0, 0, 1.5f, 0, 3, -4, 5, 1 };
  const float planes[3][4] = { { 1, 0, 0, 30 }, { 0, -2, 0, 10 }, { 1, 1, 1, 0 } };
  CGLM_ALIGN_MAT mat4 cm;
  g_autoptr(OspMesh) moved = NULL;
  OspMarginResult a, b;

  memcpy (cm, m, sizeof cm);
  moved = osp_mesh_transform (sphere, cm);
  g_assert_true (osp_margin_compute (moved, planes, 3, &a));
  g_assert_true (osp_margin_compute_transformed (sphere, m, planes, 3, &b));
  for (guint p = 0; p < 3; p++)
    {
      g_assert_cmpfloat_with_epsilon (a.planes[p].margin_mm, b.planes[p].margin_mm, 1e-3);
      for (guint c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (a.planes[p].closest[c], b.planes[p].closest[c], 1e-3);
    }
  /* Plane 1: x ≤ 30, the sphere of radius 15 centred at x = 3: 12 mm. */
  g_assert_cmpfloat_with_epsilon (b.planes[0].margin_mm, 12, 1e-3);
  g_assert_cmpint (a.min_plane, ==, b.min_plane);
  g_assert_cmpint (a.inside, ==, b.inside);
  osp_margin_result_clear (&a);
  osp_margin_result_clear (&b);
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


/* -- Masks ---------------------------------------------------------------------------------- */

static guint64
count_ball (OspVolume    *ct,
            const double  c[3],
            double        r)
{
  OspGrid g;
  guint64 n = 0;

  osp_grid_from_volume (ct, &g);
  for (guint32 k = 0; k < g.dims[2]; k++)
    for (guint32 j = 0; j < g.dims[1]; j++)
      for (guint32 i = 0; i < g.dims[0]; i++)
        {
          double ijk[3] = { i, j, k }, p[3];

          osp_grid_index_to_lps (&g, ijk, p);
          if ((p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) +
              (p[2] - c[2]) * (p[2] - c[2]) <= r * r)
            n++;
        }
  return n;
}

static void
test_grid (void)
{
  OspGrid g = { { 10, 20, 30 }, { 0.5, 0.7, 2.0 }, { 1, 2, 3 },
                { 0, 1, 0, -1, 0, 0, 0, 0, 1 } };
  OspGrid h = g;
  double ijk[3] = { 3.25, 7.5, 11 }, p[3], back[3];
  g_autoptr(GError) error = NULL;

  osp_grid_index_to_lps (&g, ijk, p);
  /* i along +y, j along −x, k along +z. */
  g_assert_cmpfloat_with_epsilon (p[0], 1 - 7.5 * 0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (p[1], 2 + 3.25 * 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (p[2], 3 + 22, 1e-9);
  osp_grid_lps_to_index (&g, p, back);
  for (guint a = 0; a < 3; a++)
    g_assert_cmpfloat_with_epsilon (back[a], ijk[a], 1e-9);
  g_assert_cmpfloat_with_epsilon (osp_grid_voxel_volume (&g), 0.7, 1e-12);
  g_assert_true (osp_grid_check_match (&g, &h, "a.nii", &error));
  h.origin[0] += 0.01;
  g_assert_true (osp_grid_check_match (&g, &h, "a.nii", &error));
  h.origin[0] += 1;
  g_assert_false (osp_grid_check_match (&h, &g, "a.nii", &error));
  g_assert_true (g_str_has_prefix (error->message, "a.nii: its position"));
  g_clear_error (&error);
  h = g;
  h.dims[2] = 31;
  g_assert_false (osp_grid_check_match (&h, &g, "a.nii", &error));
  g_assert_nonnull (strstr (error->message, "10 × 20 × 31"));
  g_clear_error (&error);
  h = g;
  h.spacing[1] = 0.75;
  g_assert_false (osp_grid_check_match (&h, &g, "a.nii", &error));
  g_assert_nonnull (strstr (error->message, "spacing"));
  g_clear_error (&error);
  h = g;
  h.direction[0] = 1;
  h.direction[1] = 0;
  g_assert_false (osp_grid_check_match (&h, &g, "a.nii", &error));
  g_assert_nonnull (strstr (error->message, "orientation"));
}

static void
test_paint_exact (void)
{
  const double c[3] = { 0, 40, -10 };
  g_autoptr(OspVolume) ct = make_ct (30, 1.0, c, 8);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMask) mask = osp_mask_new_for_volume (ct, &error);
  const double centre[3] = { 1.3, 41.2, -9.1 };
  OspMaskBox box, bounds;
  guint64 n;

  osp_mask_paint_sphere (mask, centre, 5.5, 2, &box);
  n = osp_mask_count (mask, 2);
  g_assert_cmpuint (n, ==, count_ball (ct, centre, 5.5));
  g_assert_true (osp_mask_get_bounds (mask, 2, &bounds));
  for (guint a = 0; a < 3; a++)
    {
      g_assert_cmpuint (box.min[a], <=, bounds.min[a]);
      g_assert_cmpuint (box.max[a], >=, bounds.max[a]);
    }
  /* A disk of radius 3 on slice k = 20 (z = −10): the lattice points of a circle. */
  osp_mask_paint_disk (mask, 2, 20, centre, 3.0, 3, &box);
  g_assert_cmpuint (box.min[2], ==, 20);
  g_assert_cmpuint (box.max[2], ==, 21);
  {
    guint64 expect = 0;

    for (int j = 0; j < 30; j++)
      for (int i = 0; i < 30; i++)
        {
          double x = -10 + i - centre[0], y = 20 + j - centre[1];

          expect += x * x + y * y <= 9;
        }
    g_assert_cmpuint (osp_mask_count (mask, 3), ==, expect);
  }
}

static void
test_grow_region (void)
{
  const double c[3] = { 5, 35, -12 };
  g_autoptr(OspVolume) ct = make_ct (32, 1.0, c, 7);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMask) mask = osp_mask_new_for_volume (ct, &error);
  const double outside[3] = { -9, 21, -29 };
  OspMaskBox box;
  guint64 added;

  /* The whole ball (it is convex, so 6-connected), nothing of the tissue around. */
  g_assert_true (osp_mask_grow_region (mask, ct, c, 300, 500, 50, 1, &box, &added, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, count_ball (ct, c, 7));
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, added);
  /* Limited by the radius: the ball of radius 4 inside it. */
  memset (osp_mask_get_data_mutable (mask), 0, osp_mask_get_n_voxels (mask));
  g_assert_true (osp_mask_grow_region (mask, ct, c, 300, 500, 4, 1, &box, &added, &error));
  g_assert_cmpuint (added, ==, count_ball (ct, c, 4));
  /* A seed outside the range: a clear refusal, nothing changed. */
  g_assert_false (osp_mask_grow_region (mask, ct, outside, 300, 500, 10, 2, &box, &added,
                                        &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "40 HU"));
  g_assert_cmpuint (osp_mask_count (mask, 2), ==, 0);
}

static void
test_fill_between (void)
{
  const double c[3] = { 0, 40, -10 };
  g_autoptr(OspVolume) ct = make_ct (30, 1.0, c, 8);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  const double a[3] = { 0, 40, -25 }, b[3] = { 4, 40, -15 };
  OspMask *mask;
  const guint8 *d;
  guint64 per_layer[30] = { 0 };

  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Tumour", NULL, 0xff0000, &error));
  mask = osp_plan_get_mask (plan, 0);
  /* Disks of radius 4 on slices 5 and 15, the second shifted by 4 mm along x. */
  g_assert_true (osp_plan_paint_disk (plan, 0, 2, 5, a, 4, 1, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_paint_disk (plan, 0, 2, 15, b, 4, 1, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_fill_between (plan, 0, 2, 15, 5, 1, &error));
  g_assert_no_error (error);
  d = osp_mask_get_data (mask);
  for (guint k = 0; k < 30; k++)
    for (guint v = 0; v < 900; v++)
      per_layer[k] += d[k * 900 + v] == 1;
  /* Every layer between holds a shape about as large as the ends: blending the distance maps
   * of two disks 4 mm apart gives, halfway, the ellipse |p − a| + |p − b| < 8 (π · 4 · 3.46
   * = 43.5 mm², 87 % of a disk). */
  for (guint k = 6; k < 15; k++)
    {
      g_assert_cmpuint (per_layer[k], >=, per_layer[5] * 7 / 10);
      g_assert_cmpuint (per_layer[k], <=, per_layer[5] + 8);
    }
  g_assert_cmpuint (per_layer[4], ==, 0);
  g_assert_cmpuint (per_layer[16], ==, 0);
  /* Its centre moves along x with the layer: layer 10 centred near x = 2. */
  {
    double sx = 0;

    for (guint v = 0; v < 900; v++)
      if (d[10 * 900 + v] == 1)
        sx += -10.0 + v % 30;
    g_assert_cmpfloat_with_epsilon (sx / per_layer[10], 2.0, 0.3);
  }
  /* One undo step. */
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, per_layer[5] + per_layer[15]);
  /* An empty slice: refused. */
  g_assert_false (osp_plan_fill_between (plan, 0, 2, 5, 25, 1, &error));
  g_assert_nonnull (strstr (error->message, "Slice 26"));
}

/* Mask → mesh: closed, its volume near the voxel count's, same place. */
static void
test_mask_to_mesh (void)
{
  const double c[3] = { 0, 40, -10 }, cc[3] = { 18, 48, 0 };
  g_autoptr(OspVolume) ct = make_ct (40, 1.5, c, 8);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMask) mask = osp_mask_new_for_volume (ct, &error);
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMesh) smooth = NULL;
  OspMeshTopology topo;
  OspBox b;
  double voxels;

  /* Well inside the grid (which spans −10…48.5, 20…78.5, −30…28.5). */
  osp_mask_paint_sphere (mask, cc, 12, 1, NULL);
  voxels = osp_mask_count (mask, 1) * 1.5 * 1.5 * 1.5;
  mesh = osp_mask_to_mesh (mask, 1, 0, NULL, &error);
  g_assert_no_error (error);
  osp_mesh_get_topology (mesh, &topo);
  g_assert_cmpuint (topo.n_boundary_edges, ==, 0);
  g_assert_cmpuint (topo.n_components, ==, 1);
  g_test_message ("voxels %.0f mm³, mesh %.0f mm³", voxels, osp_mesh_get_volume (mesh));
  g_assert_cmpfloat (fabs (osp_mesh_get_volume (mesh) - voxels) / voxels, <, 0.05);
  /* Same place: the middle of the mesh's box is the middle of the voxels' box. */
  osp_mesh_get_bounds (mesh, &b);
  {
    OspMaskBox vb;
    double mid_ijk[3], mid[3];

    g_assert_true (osp_mask_get_bounds (mask, 1, &vb));
    for (guint a = 0; a < 3; a++)
      mid_ijk[a] = (vb.min[a] + vb.max[a] - 1) / 2.0;
    osp_grid_index_to_lps (osp_mask_get_grid (mask), mid_ijk, mid);
    for (guint a = 0; a < 3; a++)
      g_assert_cmpfloat_with_epsilon ((b.min[a] + b.max[a]) / 2, mid[a], 0.02);
  }
  smooth = osp_mask_to_mesh (mask, 0, 10, NULL, &error);
  g_assert_cmpfloat (fabs (osp_mesh_get_volume (smooth) - 4.0 / 3 * G_PI * 1728) /
                     (4.0 / 3 * G_PI * 1728), <, 0.06);
  /* An empty label: an empty mesh. */
  g_clear_pointer (&mesh, osp_mesh_unref);
  mesh = osp_mask_to_mesh (mask, 9, 0, NULL, &error);
  g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 0);
}

static void
test_mask_from_mesh (void)
{
  const double c[3] = { 0, 40, -10 };
  g_autoptr(OspVolume) ct = make_ct (40, 1.0, c, 8);
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (9, 96, 48);
  g_autoptr(OspMesh) moved = osp_test_translate (sphere, 0, 40, -10);
  g_autoptr(OspMesh) far = osp_test_translate (sphere, 500, 40, -10);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autoptr(OspMask) none = NULL;
  OspGrid g;
  double expect;

  osp_grid_from_volume (ct, &g);
  mask = osp_mask_from_mesh (moved, &g, 1, "t.stl", NULL, &error);
  g_assert_no_error (error);
  expect = fabs (osp_mesh_get_volume (moved));
  g_test_message ("voxels %" G_GUINT64_FORMAT ", mesh %.0f mm³", osp_mask_count (mask, 1),
                  expect);
  g_assert_cmpfloat (fabs (osp_mask_count (mask, 1) - expect) / expect, <, 0.03);
  /* Each voxel inside is within the sphere (9 mm, a voxel of slack for the facets). */
  g_assert_cmpuint (osp_mask_count (mask, 1), <=, count_ball (ct, c, 9.0));
  g_assert_cmpuint (osp_mask_count (mask, 1), >=, count_ball (ct, c, 8.7));

  none = osp_mask_from_mesh (far, &g, 1, "far.stl", NULL, &error);
  g_assert_null (none);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "far.stl: the mesh lies outside the CT"));
  g_clear_error (&error);
  {
    /* An open mesh (a box without its last triangles). */
    g_autoptr(OspMesh) box0 = osp_test_make_box (10, 10, 10);
    g_autoptr(OspMesh) box = osp_test_translate (box0, -5, 35, -15);
    g_autoptr(OspMesh) open = osp_mesh_new (osp_mesh_get_positions (box),
                                            osp_mesh_get_n_vertices (box),
                                            osp_mesh_get_indices (box),
                                            osp_mesh_get_n_triangles (box) - 2);

    none = osp_mask_from_mesh (open, &g, 1, "open.stl", NULL, &error);
    g_assert_null (none);
    g_assert_nonnull (strstr (error->message, "not closed"));
  }
}

/* Writes a NIfTI-1 file by hand: dims, int32 or int16 voxels, 1 mm, identity sform. */
static void
write_nifti (const char *path,
             const int   dims[3],
             gboolean    int32,
             const void *voxels)
{
  guint8 header[352] = { 0 };
  gint32 i32;
  gint16 i16;
  float f;
  gsize n = (gsize) dims[0] * dims[1] * dims[2] * (int32 ? 4 : 2);
  g_autofree guint8 *all = g_malloc (352 + n);

  i32 = 348;
  memcpy (header, &i32, 4);
  i16 = 3;
  memcpy (header + 40, &i16, 2);
  for (guint a = 0; a < 3; a++)
    {
      i16 = (gint16) dims[a];
      memcpy (header + 42 + 2 * a, &i16, 2);
    }
  for (guint a = 3; a < 7; a++)
    {
      i16 = 1;
      memcpy (header + 42 + 2 * a, &i16, 2);
    }
  i16 = int32 ? 8 : 4;
  memcpy (header + 70, &i16, 2);
  i16 = int32 ? 32 : 16;
  memcpy (header + 72, &i16, 2);
  for (guint a = 0; a < 4; a++)
    {
      f = 1;
      memcpy (header + 76 + 4 * a, &f, 4);
    }
  f = 352;
  memcpy (header + 108, &f, 4);
  f = 1;
  memcpy (header + 112, &f, 4);
  memcpy (header + 344, "n+1", 4);
  memcpy (all, header, 352);
  memcpy (all + 352, voxels, n);
  g_assert_true (g_file_set_contents (path, (const char *) all, 352 + n, NULL));
}

static void
test_label_map (void)
{
  const int dims[3] = { 20, 16, 12 };
  g_autofree gint16 *labels = g_new0 (gint16, 20 * 16 * 12);
  g_autofree gint32 *huge = g_new0 (gint32, 20 * 16 * 12);
  g_autofree char *path = osp_test_tmp_path ("labels.nii");
  g_autofree char *huge_path = osp_test_tmp_path ("huge.nii");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspVolume) huge_volume = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autoptr(GArray) list = NULL;
  g_autoptr(GError) error = NULL;
  OspGrid g, other;
  guint64 n3 = 0, n7 = 0;

  for (int k = 0; k < 12; k++)
    for (int j = 0; j < 16; j++)
      for (int i = 0; i < 20; i++)
        {
          gsize v = i + 20 * (j + 16 * k);

          if (i >= 2 && i < 8 && j >= 3 && j < 9 && k >= 1 && k < 5)
            labels[v] = 3, n3++;
          else if ((i - 14) * (i - 14) + (j - 8) * (j - 8) + (k - 6) * (k - 6) <= 9)
            labels[v] = 7, n7++;
          huge[v] = labels[v] == 7 ? G_MAXINT32 : labels[v];
        }
  write_nifti (path, dims, FALSE, labels);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  list = osp_label_map_list_labels (volume, "labels.nii", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (g_array_index (list, OspLabelCount, 0).label, ==, 3);
  g_assert_cmpuint (g_array_index (list, OspLabelCount, 0).n_voxels, ==, n3);
  g_assert_cmpint (g_array_index (list, OspLabelCount, 1).label, ==, 7);
  g_assert_cmpuint (g_array_index (list, OspLabelCount, 1).n_voxels, ==, n7);
  /* A list to pick from, cut short and saying so. */
  {
    g_autoptr(GArray) capped = NULL;
    g_autoptr(OspVolume) many = NULL;
    guint n_present = 0;

    capped = osp_label_map_list_labels_capped (volume, 1, &n_present, "labels.nii", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (capped->len, ==, 1);
    g_assert_cmpuint (n_present, ==, 2);
    g_assert_cmpint (g_array_index (capped, OspLabelCount, 0).label, ==, 3);
    g_assert_cmpuint (g_array_index (capped, OspLabelCount, 0).n_voxels, ==, n3);
    g_clear_pointer (&capped, g_array_unref);
    /* Every voxel its own label (1 … 3840): 3840 labels present, the first 500 listed. */
    many = osp_volume_new ((const guint32[3]) { 20, 16, 12 }, (const double[3]) { 1, 1, 1 },
                           (const double[3]) { 0, 0, 0 }, NULL, "many", &error);
    g_assert_no_error (error);
    for (guint v = 0; v < 20 * 16 * 12; v++)
      osp_volume_get_data_mutable (many)[v] = (gint16) (v + 1);
    capped = osp_label_map_list_labels_capped (many, 500, &n_present, "many.nii", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (n_present, ==, 3840);
    g_assert_cmpuint (capped->len, ==, 500);
    g_assert_cmpint (g_array_index (capped, OspLabelCount, 499).label, ==, 500);
    g_assert_cmpuint (g_array_index (capped, OspLabelCount, 499).n_voxels, ==, 1);
  }

  osp_grid_from_volume (volume, &g);
  mask = osp_mask_from_label_map (volume, 3, 1, &g, "labels.nii", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_mask_count (mask, 1), ==, n3);
  g_clear_pointer (&mask, osp_mask_unref);
  /* An empty label names the labels present. */
  mask = osp_mask_from_label_map (volume, 5, 1, &g, "labels.nii", &error);
  g_assert_null (mask);
  g_assert_cmpstr (error->message, ==,
                   "labels.nii: label 5 is empty (the labels present are 3, 7)");
  g_clear_error (&error);
  /* Another grid. */
  other = g;
  other.spacing[0] = 0.8;
  mask = osp_mask_from_label_map (volume, 3, 1, &other, "labels.nii", &error);
  g_assert_null (mask);
  g_assert_true (g_str_has_prefix (error->message, "labels.nii: its voxel spacing"));
  g_clear_error (&error);

  /* 2^31 − 1 as a label: refused by name, not clamped into a wrong label. */
  write_nifti (huge_path, dims, TRUE, huge);
  huge_volume = osp_volume_load (huge_path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  mask = osp_mask_from_label_map (huge_volume, 3, 1, NULL, "huge.nii", &error);
  g_assert_null (mask);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "huge.nii: its values reach beyond"));
}

/* Importing into a plan: bad input leaves the plan exactly as it was. */
static void
test_plan_import (void)
{
  const int dims[3] = { 24, 24, 24 };
  const double c[3] = { 0, 0, 0 };
  g_autofree gint16 *labels = g_new0 (gint16, 24 * 24 * 24);
  g_autofree char *path = osp_test_tmp_path ("import.nii");
  g_autofree char *stl = osp_test_tmp_path ("far.stl");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspVolume) ct = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (5, 32, 16);
  g_autoptr(OspMesh) far = osp_test_translate (sphere, 0, 0, 900);
  OspModel *model;
  guint32 d3[3] = { 24, 24, 24 };
  double sp[3] = { 1, 1, 1 }, origin[3];
  guint64 n = 0;

  for (int k = 0; k < 24; k++)
    for (int j = 0; j < 24; j++)
      for (int i = 0; i < 24; i++)
        if ((i - 12) * (i - 12) + (j - 12) * (j - 12) + (k - 12) * (k - 12) <= 25)
          labels[i + 24 * (j + 24 * k)] = 2, n++;
  write_nifti (path, dims, FALSE, labels);
  /* The CT on the label map's grid (NIfTI's identity sform is LPS (−x, −y, z)). */
  {
    g_autoptr(OspVolume) lv = osp_volume_load (path, NULL, NULL, NULL, &error);
    double dir[9];

    g_assert_no_error (error);
    osp_volume_get_origin (lv, origin);
    osp_volume_get_direction (lv, dir);
    ct = osp_volume_new (d3, sp, origin, dir, "ct", &error);
  }
  (void) c;
  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  osp_plan_seal_undo (plan);
  before = osp_plan_dump (plan);

  g_assert_false (osp_plan_import_label_map (plan, 0, path, 4, NULL, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "import.nii: label 4 is empty"));
  g_clear_error (&error);
  {
    /* A label map of another grid (20³ voxels against the CT's 24³). */
    const int small_dims[3] = { 20, 20, 20 };
    g_autofree gint16 *small = g_new0 (gint16, 20 * 20 * 20);
    g_autofree char *small_path = osp_test_tmp_path ("other-grid.nii");

    small[4000] = 2;
    write_nifti (small_path, small_dims, FALSE, small);
    g_assert_false (osp_plan_import_label_map (plan, 0, small_path, 2, NULL, NULL, &error));
    g_assert_cmpstr (error->message, ==, "other-grid.nii: its grid (20 × 20 × 20 voxels) does "
                     "not match the CT’s (24 × 24 × 24 voxels)");
    g_clear_error (&error);
  }
  g_assert_true (osp_mesh_save (far, stl, OSP_MESH_FORMAT_UNKNOWN, &error));
  g_assert_false (osp_plan_import_mask_mesh (plan, 0, stl, NULL, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "far.stl: the mesh lies outside the CT"));
  g_clear_error (&error);
  after = osp_plan_dump (plan);
  g_assert_cmpstr (before, ==, after);

  g_assert_true (osp_plan_import_label_map (plan, 0, path, 2, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 1);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (plan, 0), 1), ==, n);
  model = osp_plan_find_model (plan, "Tumour");
  g_assert_nonnull (model);
  g_assert_cmpint (osp_model_get_role (model), ==, OSP_MODEL_ROLE_TUMOUR);
  g_assert_cmpfloat (fabs (osp_mesh_get_volume (osp_model_get_mesh (model)) - n) / n, <, 0.1);
  /* One undo step takes both away. */
  g_assert_true (osp_plan_undo (plan));
  g_free (after);
  after = osp_plan_dump (plan);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 0);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 0);
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* The same import in a thread; a bad label fails there, plan untouched. */
static void
test_plan_import_async (void)
{
  const int dims[3] = { 16, 16, 16 };
  g_autofree gint16 *labels = g_new0 (gint16, 16 * 16 * 16);
  g_autofree char *path = osp_test_tmp_path ("async.nii");
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspVolume) lv = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  guint64 n = 0;

  for (int v = 0; v < 16 * 16 * 16; v++)
    if (v % 16 > 4 && v % 16 < 10 && (v / 16) % 16 > 3 && (v / 16) % 16 < 9 && v / 256 > 5 &&
        v / 256 < 12)
      labels[v] = 4, n++;
  write_nifti (path, dims, FALSE, labels);
  lv = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The label map's own grid serves as the CT. */
  g_assert_true (osp_plan_add_volume (plan, lv, &error));

  osp_plan_import_tumour_async (plan, 0, path, 9, "T", NULL, on_async_done, &result);
  g_assert_false (osp_plan_import_tumour_finish (plan, wait_result (&result), &error));
  g_assert_true (g_str_has_prefix (error->message, "async.nii: label 9 is empty"));
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_cmpuint (osp_plan_get_n_masks (plan), ==, 0);

  osp_plan_import_tumour_async (plan, 0, path, 4, "T", NULL, on_async_done, &result);
  g_assert_true (osp_plan_import_tumour_finish (plan, wait_result (&result), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (plan, 0), 1), ==, n);
  g_assert_cmpint (osp_model_get_role (osp_plan_find_model (plan, "T")), ==,
                   OSP_MODEL_ROLE_TUMOUR);
}

static void
test_split (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspMesh) a = osp_test_make_box (10, 10, 10);
  g_autoptr(OspMesh) small = osp_test_make_sphere (3, 16, 8);
  g_autoptr(OspMesh) b = osp_test_translate (small, 30, 0, 0);
  g_autoptr(OspMesh) both = osp_test_merge2 (b, a);
  g_autoptr(OspModel) model = osp_model_new ("Pelvis", both, OSP_MODEL_ROLE_BONE);
  g_autoptr(OspCommand) add = osp_command_new_add_model (model, -1, NULL);
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (osp_plan_execute (plan, add, &error));
  g_assert_true (osp_plan_split_model (plan, model, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  /* Largest first: the box (1000 mm³), then the little sphere. */
  g_assert_cmpstr (osp_model_get_name (osp_plan_get_model (plan, 0)), ==, "Pelvis piece 1");
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (osp_model_get_mesh (
                                    osp_plan_get_model (plan, 0))), 1000, 1e-2);
  g_assert_cmpfloat (osp_mesh_get_volume (osp_model_get_mesh (osp_plan_get_model (plan, 1))),
                     <, 4.0 / 3 * G_PI * 27);
  g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Split Pelvis");
  /* "Keep this piece": delete the other, one step. */
  {
    OspModel *other = osp_plan_get_model (plan, 1);

    g_assert_true (osp_plan_delete_models (plan, &other, 1, &error));
    g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
    g_assert_cmpstr (osp_plan_get_undo_label (plan), ==, "Undo Delete Piece");
    g_assert_true (osp_plan_undo (plan));
    g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 2);
  }
  /* A one-piece model cannot split. */
  g_assert_false (osp_plan_split_model (plan, osp_plan_get_model (plan, 0), &n, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (osp_plan_undo (plan));
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  g_assert_true (osp_plan_get_model (plan, 0) == model);
}

/* Two balls of bone touching at a point: seeds in each split them along the barrier. */
static void
test_separate (void)
{
  guint32 dims[3] = { 40, 20, 20 };
  double sp[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) ct = osp_volume_new (dims, sp, origin, NULL, "two", &error);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  const double ca[3] = { 11, 10, 10 }, cb[3] = { 27, 10, 10 }, wall[3] = { 19, 10, 10 };
  gint16 *d = osp_volume_get_data_mutable (ct);
  guint64 na = 0, nb = 0;
  OspModel *ma, *mb;

  for (guint k = 0; k < 20; k++)
    for (guint j = 0; j < 20; j++)
      for (guint i = 0; i < 40; i++)
        {
          double p[3] = { i, j, k };
          gboolean in_a = (p[0] - ca[0]) * (p[0] - ca[0]) + (p[1] - 10) * (p[1] - 10) +
                          (p[2] - 10) * (p[2] - 10) <= 64;
          gboolean in_b = (p[0] - cb[0]) * (p[0] - cb[0]) + (p[1] - 10) * (p[1] - 10) +
                          (p[2] - 10) * (p[2] - 10) <= 64;
          /* A bridge of bone between them (a fused joint). */
          gboolean bridge = i >= 18 && i <= 20 && j >= 8 && j <= 12 && k >= 8 && k <= 12;

          d[i + 40 * (j + 20 * k)] = in_a || in_b || bridge ? 700 : 0;
          na += in_a;
          nb += in_b;
        }
  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Seeds", NULL, 0x00ff00, &error));
  g_assert_true (osp_plan_paint_sphere (plan, 0, ca, 2, 1, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_paint_sphere (plan, 0, cb, 2, 2, &error));
  osp_plan_seal_undo (plan);
  /* The boundary: a disk across the bridge. */
  g_assert_true (osp_plan_paint_disk (plan, 0, 0, 19, wall, 4, OSP_MASK_BARRIER, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_separate_bones (plan, 0, 250, 1, 2, "Left", "Right", NULL, &error));
  g_assert_no_error (error);
  ma = osp_plan_find_model (plan, "Left");
  mb = osp_plan_find_model (plan, "Right");
  g_assert_nonnull (ma);
  g_assert_nonnull (mb);
  {
    OspMeshTopology t;
    OspBox ba, bb;
    double va = osp_mesh_get_volume (osp_model_get_mesh (ma));
    double vb = osp_mesh_get_volume (osp_model_get_mesh (mb));

    osp_mesh_get_topology (osp_model_get_mesh (ma), &t);
    g_assert_cmpuint (t.n_boundary_edges, ==, 0);
    g_test_message ("A %.0f mm³ (ball %" G_GUINT64_FORMAT " voxels), B %.0f mm³", va, na, vb);
    /* Each a ball plus at most half the bridge, minus the corners marching cubes cuts. */
    g_assert_cmpfloat (va, >, 0.85 * na);
    g_assert_cmpfloat (va, <, 1.05 * na + 40);
    g_assert_cmpfloat (vb, >, 0.85 * nb);
    g_assert_cmpfloat (vb, <, 1.05 * nb + 40);
    osp_mesh_get_bounds (osp_model_get_mesh (ma), &ba);
    osp_mesh_get_bounds (osp_model_get_mesh (mb), &bb);
    g_assert_cmpfloat (ba.max[0], <=, 19.5);
    g_assert_cmpfloat (bb.min[0], >=, 18.5);
  }
  g_assert_true (osp_plan_undo (plan));
  g_assert_null (osp_plan_find_model (plan, "Left"));
  /* In a thread: the same models. */
  {
    GAsyncResult *result = NULL;

    osp_plan_separate_bones_async (plan, 0, 250, 1, 2, "Left", "Right", NULL, on_async_done,
                                   &result);
    g_assert_true (osp_plan_separate_bones_finish (plan, wait_result (&result), &error));
    g_assert_no_error (error);
    g_object_unref (result);
    g_assert_nonnull (osp_plan_find_model (plan, "Left"));
    g_assert_nonnull (osp_plan_find_model (plan, "Right"));
  }
}

/* -- Hostile plan files ----------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const void *data;
  gsize       len;
} Entry;

static GBytes *
make_zip (const Entry *entries,
          guint        n)
{
  zip_error_t zerror;
  zip_source_t *source;
  zip_t *zip;
  zip_stat_t st;
  guint8 *bytes;

  zip_error_init (&zerror);
  source = zip_source_buffer_create (NULL, 0, 0, &zerror);
  zip = zip_open_from_source (source, ZIP_TRUNCATE, &zerror);
  g_assert_nonnull (zip);
  zip_source_keep (source);
  for (guint i = 0; i < n; i++)
    {
      zip_source_t *s = zip_source_buffer (zip, entries[i].data, entries[i].len, 0);

      g_assert_cmpint (zip_file_add (zip, entries[i].name, s, 0), >=, 0);
    }
  g_assert_cmpint (zip_close (zip), ==, 0);
  zip_stat_init (&st);
  g_assert_cmpint (zip_source_stat (source, &st), ==, 0);
  g_assert_cmpint (zip_source_open (source), ==, 0);
  bytes = g_malloc (st.size);
  g_assert_cmpint (zip_source_read (source, bytes, st.size), ==, (zip_int64_t) st.size);
  zip_source_close (source);
  zip_source_free (source);
  zip_error_fini (&zerror);
  return g_bytes_new_take (bytes, st.size);
}

#define VOL(dims, extra) \
  "{\"format\": \"osteoplan\", \"version\": 1, \"volumes\": [{\"dims\": " dims ", " \
  "\"spacing\": [1, 1, 1], \"origin\": [0, 0, 0], \"direction\": [1, 0, 0, 0, 1, 0, 0, 0, 1], " \
  "\"data\": \"volumes/0.raw\", \"type\": \"int16le\"" extra "}]"
#define MASK(extra) \
  ", \"masks\": [{\"name\": \"T\", \"volume\": 0, \"data\": \"masks/0.rle\"" extra "}]"

typedef struct
{
  const char *name;
  const char *json;
  gsize       raw_len;  /* bytes of volumes/0.raw (0: none) */
  int         mask;     /* 0 none, 1 good, 2 overflowing run, 3 bad crc, 4 short runs */
  OspError    code;
} HostileCt;

static const HostileCt hostile_ct[] = {
  { "good", VOL ("[4, 4, 4]", "") MASK ("") "}", 128, 1, 0 },
  { "old-plan", "{\"format\": \"osteoplan\", \"version\": 1}", 0, 0, 0 },
  { "huge-dims", VOL ("[65535, 65535, 65535]", "") "}", 128, 0, OSP_ERROR_TOO_LARGE },
  { "zero-dim", VOL ("[4, 0, 4]", "") "}", 128, 0, OSP_ERROR_CORRUPT },
  { "fraction-dim", VOL ("[4.5, 4, 4]", "") "}", 128, 0, OSP_ERROR_CORRUPT },
  { "short-voxels", VOL ("[4, 4, 4]", "") "}", 100, 0, OSP_ERROR_CORRUPT },
  { "long-voxels", VOL ("[4, 4, 4]", "") "}", 130, 0, OSP_ERROR_CORRUPT },
  { "no-voxels", VOL ("[4, 4, 4]", "") "}", 0, 0, OSP_ERROR_CORRUPT },
  { "bad-type", VOL ("[4, 4, 4]", ", \"type\": \"float64\"") "}", 128, 0,
    OSP_ERROR_UNSUPPORTED },
  { "outside-entry", VOL ("[4, 4, 4]", ", \"data\": \"plan.json\"") "}", 128, 0,
    OSP_ERROR_CORRUPT },
  { "bad-patient", VOL ("[4, 4, 4]", ", \"patient\": {\"name\": 3}") "}", 128, 0,
    OSP_ERROR_CORRUPT },
  { "bad-notes", VOL ("[4, 4, 4]", ", \"notes\": [1]") "}", 128, 0, OSP_ERROR_CORRUPT },
  { "mask-no-volume", VOL ("[4, 4, 4]", "") MASK (", \"volume\": 3") "}", 128, 1,
    OSP_ERROR_CORRUPT },
  { "mask-run-overflow", VOL ("[4, 4, 4]", "") MASK ("") "}", 128, 2, OSP_ERROR_CORRUPT },
  { "mask-bad-crc", VOL ("[4, 4, 4]", "") MASK ("") "}", 128, 3, OSP_ERROR_CORRUPT },
  { "mask-short", VOL ("[4, 4, 4]", "") MASK ("") "}", 128, 4, OSP_ERROR_CORRUPT },
  { "mask-missing", VOL ("[4, 4, 4]", "") MASK ("") "}", 128, 0, OSP_ERROR_CORRUPT },
  { "mask-bad-colour", VOL ("[4, 4, 4]", "") MASK (", \"color\": \"red\"") "}", 128, 1,
    OSP_ERROR_CORRUPT },
};

static guint8 *
mask_bytes (int    kind,
            gsize *out_len)
{
  GByteArray *b = g_byte_array_new ();
  guint32 words[4] = { GUINT32_TO_LE (1), GUINT32_TO_LE (4), GUINT32_TO_LE (4),
                       GUINT32_TO_LE (4) };
  guint8 run[5];
  guint32 crc, first = kind == 2 ? 0xffffff00u : kind == 4 ? 10 : 40;

  g_byte_array_append (b, (const guint8 *) "OSPMASK", 8);
  g_byte_array_append (b, (const guint8 *) words, 16);
  run[0] = 0;
  first = GUINT32_TO_LE (first);
  memcpy (run + 1, &first, 4);
  g_byte_array_append (b, run, 5);
  run[0] = 1;
  first = GUINT32_TO_LE (24);
  memcpy (run + 1, &first, 4);
  g_byte_array_append (b, run, 5);
  crc = GUINT32_TO_LE ((guint32) crc32 (0, b->data, b->len) ^ (kind == 3 ? 1u : 0u));
  g_byte_array_append (b, (const guint8 *) &crc, 4);
  *out_len = b->len;
  return g_byte_array_free (b, FALSE);
}

static void
test_hostile_ct (gconstpointer data)
{
  const HostileCt *tc = data;
  g_autofree guint8 *raw = g_malloc0 (MAX (tc->raw_len, 1));
  g_autofree guint8 *mask = NULL;
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(OspPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  Entry entries[3];
  guint n = 0;
  gsize mask_len = 0;

  entries[n++] = (Entry) { "plan.json", tc->json, strlen (tc->json) };
  if (tc->raw_len > 0)
    entries[n++] = (Entry) { "volumes/0.raw", raw, tc->raw_len };
  if (tc->mask > 0)
    {
      mask = mask_bytes (tc->mask, &mask_len);
      entries[n++] = (Entry) { "masks/0.rle", mask, mask_len };
    }
  zip = make_zip (entries, n);
  plan = osp_plan_open_from_data (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip),
                                  "hostile.osteoplan", NULL, &error);
  if (tc->code == 0)
    {
      g_assert_no_error (error);
      if (tc->raw_len > 0)
        g_assert_cmpuint (osp_plan_get_n_volumes (plan), ==, 1);
      if (tc->mask > 0)
        g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (plan, 0), 1), ==, 24);
      return;
    }
  g_assert_null (plan);
  g_assert_error (error, OSP_ERROR, (gint) tc->code);
  g_assert_true (g_str_has_prefix (error->message, "hostile.osteoplan"));
  g_test_message ("%s: %s", tc->name, error->message);
}

/* -- The patient ------------------------------------------------------------------------------ */

static void
test_patient (void)
{
  g_autoptr(OspPatient) a = make_patient ("DOE^JANE", "00123", "19700131");
  g_autoptr(OspPatient) b = make_patient ("Doe^Jane^^^", "123", "1970-01-31");
  g_autoptr(OspPatient) c = make_patient ("DOE^JOHN", "123", "19700131");
  g_autoptr(OspPatient) d = make_patient ("", "", "");
  g_autoptr(OspPatient) e = make_patient ("DOE^JANE", "124", "19700131");
  g_autoptr(OspPatient) f = make_patient ("DOE^JANE", "00123", "19710131");
  g_autoptr(OspPatient) back = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autofree char *formatted = NULL;
  g_autofree char *date = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (osp_patient_same (a, b));
  g_assert_false (osp_patient_same (a, c));
  g_assert_false (osp_patient_same (a, e));
  g_assert_false (osp_patient_same (a, f));
  /* An anonymous side never differs. */
  g_assert_true (osp_patient_same (a, d));
  g_assert_true (osp_patient_same (NULL, a));
  g_assert_true (osp_patient_is_anonymous (d));
  g_assert_true (osp_patient_is_empty (d));
  formatted = osp_patient_format_name (b);
  g_assert_cmpstr (formatted, ==, "Jane Doe");
  date = osp_patient_format_date ("19700131");
  g_assert_cmpstr (date, ==, "1970-01-31");
  json = osp_patient_to_json (a);
  back = osp_patient_from_json (json, "x", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->name, ==, "DOE^JANE");
  g_assert_cmpstr (back->sex, ==, "");
}



/* The phantom's lesion: where the truth says, of the volume it says; the tumour model made from
 * it gives margins within a voxel of the exact ones. */
static void
test_phantom_lesion (void)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  OspPhantomTruth truth;
  g_autoptr(OspVolume) ct = NULL;
  g_autoptr(OspVolume) labels = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  const float planes[3][4] = { { 0, 0, 1, 40 }, { 1, 0, 0, -45 }, { 0.6f, 0.8f, 0, -20 } };
  OspMarginResult r;
  OspModel *tumour;
  double sum = 0, voxel;
  guint64 n = 0, deep = 0;
  const gint16 *hu;

  options.voxel_mm = 2.0;
  options.tumour = TRUE;
  ct = osp_phantom_generate (&options, &truth, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (truth.tumour);
  labels = osp_phantom_lesion_label_map (&truth.lesion, ct, &error);
  g_assert_no_error (error);
  mask = osp_mask_from_label_map (labels, 1, 1, NULL, "lesion", &error);
  g_assert_no_error (error);
  voxel = osp_grid_voxel_volume (osp_mask_get_grid (mask));
  n = osp_mask_count (mask, 1);
  g_assert_cmpfloat (fabs (n * voxel - truth.lesion.volume_mm3) / truth.lesion.volume_mm3, <,
                     0.03);
  /* Its voxels away from the surface read the lesion's 70 HU (noise ± 15). */
  hu = osp_volume_get_data (ct);
  for (guint64 v = 0; v < osp_mask_get_n_voxels (mask); v++)
    if (osp_mask_get_data (mask)[v])
      {
        guint32 d[3];
        double ijk[3], p[3];
        OspPhantomLesion inner = truth.lesion;

        osp_volume_get_dims (ct, d);
        ijk[0] = v % d[0];
        ijk[1] = (v / d[0]) % d[1];
        ijk[2] = v / ((guint64) d[0] * d[1]);
        osp_volume_index_to_lps (ct, ijk, p);
        for (guint a = 0; a < 3; a++)
          inner.radii[a] -= 3;
        if (osp_phantom_lesion_contains (&inner, p))
          {
            sum += hu[v];
            deep++;
          }
      }
  g_assert_cmpuint (deep, >, 100);
  g_assert_cmpfloat_with_epsilon (sum / deep, 70, 3);

  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_phantom_add_tumour_to_plan (plan, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (osp_mask_count (osp_plan_get_mask (plan, 0), 1), ==, n);
  tumour = osp_plan_find_model (plan, "Tumour");
  g_assert_nonnull (tumour);
  g_assert_true (osp_margin_compute (osp_model_get_mesh (tumour), planes, 3, &r));
  for (guint p = 0; p < 3; p++)
    {
      double exact = osp_phantom_lesion_margin (&truth.lesion, planes[p]);

      g_test_message ("plane %u: model %.2f mm, exact %.2f mm", p, r.planes[p].margin_mm, exact);
      g_assert_cmpfloat_with_epsilon (r.planes[p].margin_mm, exact, 2.0);
    }
  osp_margin_result_clear (&r);
}


/* The case's patient in a 3MF export's metadata, in a namespace the reader accepts; an
 * anonymous case writes none. */
static void
test_3mf_patient (void)
{
  g_autoptr(OspPatient) patient = make_patient ("DOE^JANE", "00123", "19700131");
  g_auto(GStrv) metadata = NULL;
  g_autoptr(OspMesh) box = osp_test_make_box (10, 10, 10);
  g_autofree char *path = osp_test_tmp_path ("patient.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  OspMeshLoadInfo info = { 0 };
  OspExportItem item = { "Pelvis", box, 0xffffffff, NULL };
  zip_t *zip;
  zip_file_t *file;
  char xml[4096] = { 0 };
  int zerr = 0;

  g_free (patient->sex);
  patient->sex = g_strdup ("F");
  metadata = osp_patient_to_3mf_metadata (patient);
  g_assert_nonnull (metadata);
  g_assert_cmpstr (metadata[0], ==, "Title");
  g_assert_cmpstr (metadata[1], ==, "JANE DOE, ID 00123");
  g_assert_cmpstr (metadata[2], ==, "Description");
  g_assert_cmpstr (metadata[3], ==, "born 1970-01-31; sex F");
  g_assert_true (osp_export_full (&item, 1, path, OSP_EXPORT_3MF, FALSE,
                                  (const char *const *) metadata, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  zip = zip_open (path, ZIP_RDONLY, &zerr);
  g_assert_nonnull (zip);
  file = zip_fopen (zip, "3D/3dmodel.model", 0);
  g_assert_nonnull (file);
  g_assert_cmpint (zip_fread (file, xml, sizeof xml - 1), >, 0);
  zip_fclose (file);
  zip_discard (zip);
  g_assert_nonnull (strstr (xml, "<metadata name=\"Title\">JANE DOE, ID 00123</metadata>"));
  g_assert_nonnull (strstr (xml, "<metadata name=\"osteoplan:PatientBirthDate\">19700131"));
  g_assert_nonnull (strstr (xml, "xmlns:osteoplan=\"" OSP_3MF_NAMESPACE "\""));
  /* Our reader takes it without a warning. */
  objects = osp_3mf_load (path, &info, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_true (info.warnings == NULL || info.warnings->len == 0);
  osp_mesh_load_info_clear (&info);

  /* Anonymous: nothing. */
  {
    g_autoptr(OspPatient) none = make_patient ("", "", "");
    g_auto(GStrv) empty = osp_patient_to_3mf_metadata (none);

    g_assert_null (empty);
  }
}

/* -- Real data ---------------------------------------------------------------------------------- */

/* A pelvis CT thresholded at 250 HU is one fused surface with crumbs around: split gives
 * several pieces; seeds on each ilium with the boundary painted beside the sacrum separate the
 * hemipelves into two closed meshes of similar, plausible volume. */
static void
test_real_pelvis (void)
{
  g_autofree char *path = osp_test_shared_data ("nifti/totalseg_example_ct_abdomen_pelvis.nii.gz");
  g_autoptr(OspVolume) ct = NULL;
  g_autoptr(OspMesh) bone = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspCommand) add = NULL;
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  OspSegmentOptions options = OSP_SEGMENT_OPTIONS_INIT;
  /* Bone of each ilium (slab centroids at z 210–240 mm of this CT), and the sagittal index
   * layers at x = ±45 mm (i = (177.956 − x) / 3), lateral to the sacrum. */
  const double left[3] = { 94, -129, 222 }, right[3] = { -92, -130, 223 };
  const double wall_l[3] = { 45, -130, 250 }, wall_r[3] = { -45, -130, 250 };
  guint n_pieces = 0;
  OspModel *ma, *mb;

  if (path == NULL)
    return;
  ct = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Pieces down to 0.1 % of the largest (the default 1 % leaves only the fused one here). */
  options.min_piece_fraction = 0.001;
  bone = osp_segment_volume (ct, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  model = osp_model_new ("Bone", bone, OSP_MODEL_ROLE_BONE);
  add = osp_command_new_add_model (model, -1, NULL);
  g_assert_true (osp_plan_execute (plan, add, &error));
  g_assert_true (osp_plan_split_model (plan, model, &n_pieces, &error));
  g_assert_no_error (error);
  g_test_message ("split: %u pieces, the largest %.0f mm³", n_pieces,
                  osp_mesh_get_volume (osp_model_get_mesh (osp_plan_get_model (plan, 0))));
  g_assert_cmpuint (n_pieces, >, 1);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, n_pieces);

  g_assert_true (osp_plan_add_volume (plan, ct, &error));
  g_assert_true (osp_plan_add_mask (plan, 0, "Seeds", NULL, 0x00ff00, &error));
  g_assert_true (osp_plan_paint_sphere (plan, 0, left, 15, 1, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_paint_sphere (plan, 0, right, 15, 2, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_paint_disk (plan, 0, 0, 44, wall_l, 1000, OSP_MASK_BARRIER, &error));
  g_assert_true (osp_plan_paint_disk (plan, 0, 0, 74, wall_r, 1000, OSP_MASK_BARRIER, &error));
  osp_plan_seal_undo (plan);
  g_assert_true (osp_plan_separate_bones (plan, 0, 250, 1, 2, "Left hemipelvis",
                                          "Right hemipelvis", NULL, &error));
  g_assert_no_error (error);
  ma = osp_plan_find_model (plan, "Left hemipelvis");
  mb = osp_plan_find_model (plan, "Right hemipelvis");
  {
    double va = osp_mesh_get_volume (osp_model_get_mesh (ma));
    double vb = osp_mesh_get_volume (osp_model_get_mesh (mb));
    OspMeshTopology ta, tb;
    OspBox ba, bb;

    osp_mesh_get_topology (osp_model_get_mesh (ma), &ta);
    osp_mesh_get_topology (osp_model_get_mesh (mb), &tb);
    osp_mesh_get_bounds (osp_model_get_mesh (ma), &ba);
    osp_mesh_get_bounds (osp_model_get_mesh (mb), &bb);
    g_test_message ("left %.0f mm³ x %.0f…%.0f, right %.0f mm³ x %.0f…%.0f", va, ba.min[0],
                    ba.max[0], vb, bb.min[0], bb.max[0]);
    g_assert_cmpuint (ta.n_boundary_edges, ==, 0);
    g_assert_cmpuint (tb.n_boundary_edges, ==, 0);
    g_assert_cmpuint (ta.n_components, ==, 1);
    g_assert_cmpuint (tb.n_components, ==, 1);
    /* Each side of the barrier, mirror images of similar size: a hemipelvis (with the femur
     * it is fused to at 3 mm) holds tens of cm³ of bone at 250 HU. */
    g_assert_cmpfloat (ba.min[0], >=, 43);
    g_assert_cmpfloat (bb.max[0], <=, -43);
    g_assert_cmpfloat (va, >, 30000);
    g_assert_cmpfloat (vb, >, 30000);
    g_assert_cmpfloat (va, <, 250000);
    g_assert_cmpfloat (fabs (va - vb) / MAX (va, vb), <, 0.3);
  }
}

/* DICOM: who the CT shows, from its tags; two studies of different patients differ. */
static void
test_real_dicom_patient (void)
{
  g_autofree char *philips = osp_test_shared_data ("ct/dcmqa_philips_skullphantom_1mm");
  g_autofree char *ge = osp_test_shared_data ("ct/dcmqa_ge_head_tilt");
  g_autoptr(OspVolume) a = NULL;
  g_autoptr(OspVolume) b = NULL;
  g_autoptr(GError) error = NULL;
  const OspPatient *pa;

  if (philips == NULL || ge == NULL)
    return;
  a = osp_volume_load (philips, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  b = osp_volume_load (ge, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  pa = osp_volume_get_patient (a);
  g_assert_nonnull (pa);
  g_assert_cmpstr (pa->sex, ==, "M");
  g_assert_cmpstr (pa->study_date, ==, "20150206");
  g_assert_cmpstr (pa->series_description, ==, "BONE BRAIN 1MM");
  g_assert_false (osp_patient_is_anonymous (pa));
  g_assert_nonnull (osp_volume_get_patient (b));
  g_assert_false (osp_patient_same (pa, osp_volume_get_patient (b)));
}

/* Label maps from other software: each label's mesh has the voxels' volume and place. */
static void
test_real_label_map (void)
{
  g_autofree char *path = osp_test_shared_data ("nifti/totalseg_example_seg.nii.gz");
  g_autoptr(OspVolume) labels = NULL;
  g_autoptr(GArray) list = NULL;
  g_autoptr(GError) error = NULL;
  guint checked = 0;

  if (path == NULL)
    return;
  labels = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  list = osp_label_map_list_labels (labels, "seg", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, >, 10);
  for (guint i = 0; i < list->len; i++)
    {
      OspLabelCount c = g_array_index (list, OspLabelCount, i);
      g_autoptr(OspMask) mask = NULL;
      g_autoptr(OspMesh) mesh = NULL;
      OspMaskBox vb;
      OspBox b;
      double voxels, mid_ijk[3], mid[3];

      /* Large labels only: a label of a few 27 mm³ voxels is mostly corners. */
      if (c.n_voxels < 1000)
        continue;
      mask = osp_mask_from_label_map (labels, c.label, 1, NULL, "seg", &error);
      g_assert_no_error (error);
      g_assert_cmpuint (osp_mask_count (mask, 1), ==, c.n_voxels);
      mesh = osp_mask_to_mesh (mask, 1, 0, NULL, &error);
      voxels = c.n_voxels * osp_grid_voxel_volume (osp_mask_get_grid (mask));
      g_assert_cmpfloat (fabs (osp_mesh_get_volume (mesh) - voxels) / voxels, <, 0.06);
      /* The mesh's box is the voxels' box grown by half a voxel, also where the label
       * touches the edge of the map. */
      osp_mask_get_bounds (mask, 1, &vb);
      osp_mesh_get_bounds (mesh, &b);
      for (guint a = 0; a < 3; a++)
        mid_ijk[a] = (vb.min[a] + vb.max[a] - 1) / 2.0;
      osp_grid_index_to_lps (osp_mask_get_grid (mask), mid_ijk, mid);
      for (guint a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon ((b.min[a] + b.max[a]) / 2, mid[a], 0.05);
      checked++;
    }
  g_test_message ("%u labels checked", checked);
  g_assert_cmpuint (checked, >, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_state ();

  g_test_add_func ("/ct/plan/volume-undo", test_plan_volume_undo);
  g_test_add_func ("/ct/plan/volume-file", test_plan_volume_file);
  g_test_add_func ("/ct/plan/resave", test_plan_resave);
  g_test_add_func ("/ct/plan/paint-stroke", test_paint_stroke);
  g_test_add_func ("/ct/margin/box", test_margin_box);
  g_test_add_func ("/ct/margin/transformed", test_margin_transformed);
  g_test_add_func ("/ct/margin/applied-cuts", test_margin_applied_cuts);
  g_test_add_func ("/ct/grid", test_grid);
  g_test_add_func ("/ct/mask/paint-exact", test_paint_exact);
  g_test_add_func ("/ct/mask/grow-region", test_grow_region);
  g_test_add_func ("/ct/mask/fill-between", test_fill_between);
  g_test_add_func ("/ct/mask/to-mesh", test_mask_to_mesh);
  g_test_add_func ("/ct/mask/from-mesh", test_mask_from_mesh);
  g_test_add_func ("/ct/mask/label-map", test_label_map);
  g_test_add_func ("/ct/plan/import", test_plan_import);
  g_test_add_func ("/ct/plan/split", test_split);
  g_test_add_func ("/ct/plan/import-async", test_plan_import_async);
  g_test_add_func ("/ct/plan/separate", test_separate);
  g_test_add_func ("/ct/patient", test_patient);
  g_test_add_func ("/ct/phantom-lesion", test_phantom_lesion);
  g_test_add_func ("/ct/patient-3mf", test_3mf_patient);
  g_test_add_func ("/ct/data/pelvis-pieces", test_real_pelvis);
  g_test_add_func ("/ct/data/dicom-patient", test_real_dicom_patient);
  g_test_add_func ("/ct/data/label-map", test_real_label_map);
  for (guint i = 0; i < G_N_ELEMENTS (hostile_ct); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ct/plan/hostile/%s", hostile_ct[i].name);

      g_test_add_data_func (path, &hostile_ct[i], test_hostile_ct);
    }
  g_test_add_func ("/ct/margin/sphere", test_margin_sphere);
  return g_test_run ();
}
