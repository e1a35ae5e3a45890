/* test-data-volume.c — the shared CT series, NIfTI volumes and DICOM conformance files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Expectations come from ../shared/data/MANIFEST.tsv and the files' own headers; every case
 * skips with a message when the shared data is absent.  Each series is loaded once or twice.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "osp-dicom-gdcm-private.h"
#include "osp-error.h"
#include "osp-volume-io.h"
#include "osp-test-common.h"

typedef struct
{
  const char *path;
  guint32     dims[3];
  double      spacing[3];
  double      origin[3];    /* LPS, mm */
  const char *orientation;
  int         hu_min, hu_max;
  const char *note;         /* a word every load must note, or NULL for no note */
} VolumeCase;

static const VolumeCase volume_cases[] = {
  /* NIfTI: RAS affines, so the i and j axes point right and anterior in LPS. */
  { "nifti/niivue_CT_AVM.nii.gz", { 256, 242, 154 }, { 0.719943, 0.720914, 1.0 },
    { 73.3977, 69.6942, -64.11 }, "axial RAS", 0, 563, NULL },  /* uint8 × scl_slope 2.2086 */
  { "nifti/niivue_CT_pitch.nii.gz", { 175, 248, 58 }, { 0.8125, 0.8125, 2.39705 },
    { 69.0208, 134.3856, -13.5688 }, "oblique axial RAS", 0, 255, NULL },
  { "nifti/totalseg_example_ct_abdomen_pelvis.nii.gz", { 122, 101, 112 }, { 3, 3, 3 },
    { 177.9563, -11.319, 94.3018 }, "axial RAS", -1207, 3382, NULL },  /* int32 */
  { "nifti/totalseg_example_ct_sm.nii.gz", { 122, 101, 30 }, { 3, 3, 3 },
    { 177.9563, -11.319, 94.3018 }, "axial RAS", -1100, 1207, NULL },
  { "nifti/totalseg_example_seg.nii.gz", { 122, 101, 30 }, { 3, 3, 3 },
    { 177.9563, -11.319, 94.3018 }, "axial RAS", 0, 117, NULL },
  { "nifti/totalseg_example_seg_dicom.nii.gz", { 512, 512, 20 }, { 0.9765625, 0.9765625, 2 },
    { -249.5117, 61.5117, -804.5 }, "axial LAS", 0, 117, NULL },
  /* DICOM: 140 slices named I10…I1400 (not in numeric order) and a DIRFILE to skip;
   * 12-bit unsigned + RescaleIntercept −1024. */
  { "ct/dcmqa_philips_skullphantom_1mm", { 512, 512, 140 }, { 0.4511719, 0.4511719, 1.0 },
    { -115.5, -1.85, 694.21 }, "axial LPS", -1024, 3071, NULL },
  /* JPEG 2000 lossless, 3 mm slices every 2 mm, no SeriesInstanceUID (anonymised). */
  { "ct/totalseg_abdomen_j2k", { 512, 512, 20 }, { 0.9765625, 0.9765625, 2.0 },
    { -249.5117, -437.5117, -804.5 }, "axial LPS", -1024, 1839, NULL },
  /* Gantry tilt 18.5° and steps of 4.22/1.14/7.38 mm along z: resampled onto 4.0 mm steps
   * along the slice normal; 611 rows to hold the sheared slices; padding −1500 → air. */
  { "ct/dcmqa_ge_head_tilt", { 512, 611, 37 }, { 0.4882812, 0.4882812, 4.002453 },
    { -125, -169.2603, 21.1337 }, "oblique axial LPS", -1023, 2111, "tilted" },
  /* Enhanced CT: one file, two frames placed by the per-frame functional groups. */
  { "conformance/dicom/pydicom-data/eCT_Supplemental.dcm", { 512, 512, 2 },
    { 0.388672, 0.388672, 10 }, { 99.5, -301.5, -149 }, "axial RPI", -1024, 172, NULL },
};

static void
test_volume (gconstpointer data)
{
  const VolumeCase *tc = data;
  g_autofree char *path = osp_test_shared_data (tc->path);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *orientation = NULL;
  guint32 dims[3];
  double spacing[3], origin[3];
  gint16 lo, hi;
  const char *const *notes;
  guint n_notes;

  if (path == NULL)
    return;
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_origin (volume, origin);
  for (guint a = 0; a < 3; a++)
    {
      g_assert_cmpuint (dims[a], ==, tc->dims[a]);
      g_assert_cmpfloat_with_epsilon (spacing[a], tc->spacing[a], 1e-4);
      g_assert_cmpfloat_with_epsilon (origin[a], tc->origin[a], 1e-3);
    }
  orientation = osp_volume_get_orientation_name (volume);
  g_assert_cmpstr (orientation, ==, tc->orientation);
  osp_volume_get_range (volume, &lo, &hi);
  g_assert_cmpint (lo, ==, tc->hu_min);
  g_assert_cmpint (hi, ==, tc->hu_max);
  notes = osp_volume_get_notes (volume, &n_notes);
  for (guint i = 0; i < n_notes; i++)
    g_test_message ("note: %s", notes[i]);
  if (tc->note == NULL)
    g_assert_cmpuint (n_notes, ==, 0);
  else
    {
      g_assert_cmpuint (n_notes, >=, 1);
      g_assert_nonnull (strstr (notes[0], tc->note));
    }
}

/* Slices land by position, not by file name: each file's own pixels sit at the slice of the
 * volume that its ImagePositionPatient names. */
static void
test_sorted_by_position (void)
{
  static const char *const files[] = { "I10", "I100", "I1000", "I1400", "I550" };
  g_autofree char *folder = osp_test_shared_data ("ct/dcmqa_philips_skullphantom_1mm");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  double origin[3], spacing[3];

  if (folder == NULL)
    return;
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_origin (volume, origin);
  osp_volume_get_spacing (volume, spacing);
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = g_build_filename (folder, files[f], NULL);
      OspDicomHeader header;
      char *reason = NULL;
      g_autofree gint16 *pixels = NULL;
      double k;

      g_assert_true (osp_dicom_gdcm_read_header (path, &header, &reason));
      pixels = g_new (gint16, (gsize) header.rows * header.columns);
      g_assert_true (osp_dicom_gdcm_read_pixels (path, &header, pixels, &reason));
      g_assert_null (reason);
      k = (header.positions[2] - origin[2]) / spacing[2];
      g_assert_cmpfloat_with_epsilon (k, round (k), 1e-3);
      g_assert_cmpmem (osp_volume_get_data (volume) + (gsize) round (k) * 512 * 512,
                       512 * 512 * 2, pixels, 512 * 512 * 2);
      osp_dicom_header_clear (&header);
    }
}

/* The DICOM series and the NIfTI label map made from it describe the same voxel grid (the
 * NIfTI has its rows flipped). */
static void
test_dicom_matches_nifti (void)
{
  g_autofree char *dicom = osp_test_shared_data ("ct/totalseg_abdomen_j2k");
  g_autofree char *nifti = osp_test_shared_data ("nifti/totalseg_example_seg_dicom.nii.gz");
  g_autoptr(OspVolume) a = NULL;
  g_autoptr(OspVolume) b = NULL;
  g_autoptr(GError) error = NULL;
  static const double corners[][3] = { { 0, 0, 0 }, { 511, 0, 0 }, { 0, 511, 19 },
                                       { 511, 511, 19 }, { 100.5, 200.25, 7 } };

  if (dicom == NULL || nifti == NULL)
    return;
  a = osp_volume_load (dicom, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  b = osp_volume_load (nifti, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < G_N_ELEMENTS (corners); c++)
    {
      double pa[3], pb[3], flipped[3] = { corners[c][0], 511 - corners[c][1], corners[c][2] };

      osp_volume_index_to_lps (a, corners[c], pa);
      osp_volume_index_to_lps (b, flipped, pb);
      for (guint x = 0; x < 3; x++)
        g_assert_cmpfloat_with_epsilon (pa[x], pb[x], 1e-3);
    }
}

/* The tilted series: every original slice lies on a plane of the new grid, and the head sits
 * where the original slices put it (stacking the slices without the shear would move it by
 * centimetres). */
static void
test_gantry_tilt_geometry (void)
{
  g_autofree char *folder = osp_test_shared_data ("ct/dcmqa_ge_head_tilt");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  double direction[9], origin[3], spacing[3];
  double sum_orig[3] = { 0 }, weight_orig = 0, sum_new[3] = { 0 }, weight_new = 0;
  guint32 dims[3];
  const char *name;
  g_autoptr(GArray) d = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  if (folder == NULL)
    return;
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_direction (volume, direction);
  osp_volume_get_origin (volume, origin);
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_dims (volume, dims);

  /* Each original slice: its position projects onto the grid's k axis at a slice plane it
   * brackets, and its first pixel lies inside the grid. */
  dir = g_dir_open (folder, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      OspDicomHeader *h = g_new0 (OspDicomHeader, 1);
      char *reason = NULL;
      double rel[3], idx[3];

      g_assert_true (osp_dicom_gdcm_read_header (path, h, &reason));
      for (guint c = 0; c < 3; c++)
        rel[c] = h->positions[c] - origin[c];
      for (guint a = 0; a < 3; a++)
        idx[a] = (rel[0] * direction[3 * a] + rel[1] * direction[3 * a + 1] +
                  rel[2] * direction[3 * a + 2]) / spacing[a];
      g_assert_cmpfloat (idx[0], >=, -1e-3);
      g_assert_cmpfloat (idx[1], >=, -1e-3);
      g_assert_cmpfloat (idx[1] + h->rows - 1, <=, dims[1] - 1 + 1e-3);
      g_assert_cmpfloat (idx[2], >=, -1e-3);
      g_assert_cmpfloat (idx[2], <=, dims[2] - 1 + 1e-3);
      g_array_append_val (d, idx[2]);
      g_ptr_array_add (headers, h);
      g_ptr_array_add (paths, g_steal_pointer (&path));
    }
  g_assert_cmpuint (headers->len, ==, 28);
  /* The first and the last slice are the grid's ends. */
  {
    double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

    for (guint i = 0; i < d->len; i++)
      {
        lo = MIN (lo, g_array_index (d, double, i));
        hi = MAX (hi, g_array_index (d, double, i));
      }
    g_assert_cmpfloat_with_epsilon (lo, 0, 1e-3);
    g_assert_cmpfloat_with_epsilon (hi, dims[2] - 1, 1e-3);
  }

  /* The centre of mass (HU + 1000) in patient space, from the original slices (each weighted
   * by the slab it stands for: the trapezoid rule that linear interpolation integrates) and
   * from the resampled grid. */
  for (guint s = 0; s < headers->len; s++)
    {
      OspDicomHeader *h = headers->pdata[s];
      const char *path = paths->pdata[s];
      g_autofree gint16 *pixels = g_new (gint16, (gsize) h->rows * h->columns);
      char *reason = NULL;
      double below = G_MAXDOUBLE, above = G_MAXDOUBLE, here = g_array_index (d, double, s);
      double slab, *row = h->orientation, *col = h->orientation + 3;

      for (guint t = 0; t < d->len; t++)
        {
          double other = g_array_index (d, double, t) - here;

          if (other > 1e-6)
            above = MIN (above, other);
          else if (other < -1e-6)
            below = MIN (below, -other);
        }
      slab = ((below < G_MAXDOUBLE ? below : 0) + (above < G_MAXDOUBLE ? above : 0)) / 2;
      g_assert_true (osp_dicom_gdcm_read_pixels (path, h, pixels, &reason));
      for (guint j = 0; j < h->rows; j++)
        for (guint i = 0; i < h->columns; i++)
          {
            double mass = MAX (pixels[(gsize) j * h->columns + i] + 1000, 0) * slab;

            for (guint c = 0; c < 3; c++)
              sum_orig[c] += mass * (h->positions[c] + i * h->pixel_spacing[1] * row[c] +
                                     j * h->pixel_spacing[0] * col[c]);
            weight_orig += mass;
          }
    }
  {
    const gint16 *v = osp_volume_get_data (volume);

    for (guint32 k = 0; k < dims[2]; k++)
      for (guint32 j = 0; j < dims[1]; j++)
        for (guint32 i = 0; i < dims[0]; i++)
          {
            /* Trapezoids along k, as the slabs above. */
            double mass = MAX (v[i + (gsize) dims[0] * (j + (gsize) dims[1] * k)] + 1000, 0) *
                          (k == 0 || k == dims[2] - 1 ? 0.5 : 1.0);
            double ijk[3] = { i, j, k }, p[3];

            if (mass == 0)
              continue;
            osp_volume_index_to_lps (volume, ijk, p);
            for (guint c = 0; c < 3; c++)
              sum_new[c] += mass * p[c];
            weight_new += mass;
          }
  }
  g_assert_cmpfloat (weight_orig, >, 0);
  g_assert_cmpfloat (weight_new, >, 0);
  for (guint c = 0; c < 3; c++)
    {
      double a = sum_orig[c] / weight_orig, b = sum_new[c] / weight_new;

      g_test_message ("centre of mass, axis %u: slices %.2f mm, resampled %.2f mm", c, a, b);
      g_assert_cmpfloat_with_epsilon (a, b, 0.25);
    }
  for (guint s = 0; s < headers->len; s++)
    {
      osp_dicom_header_clear (headers->pdata[s]);
      g_free (headers->pdata[s]);
    }
}

/* The same CT slice, JPEG 2000 lossless and uncompressed: bit-identical. */
static void
test_transfer_syntaxes_identical (void)
{
  g_autofree char *j2k = osp_test_shared_data ("conformance/dicom/pydicom-data/693_J2KR.dcm");
  g_autofree char *raw = osp_test_shared_data ("conformance/dicom/pydicom-data/693_UNCR.dcm");
  g_autoptr(OspVolume) a = NULL;
  g_autoptr(OspVolume) b = NULL;
  g_autoptr(GError) error = NULL;
  gint16 lo, hi;

  if (j2k == NULL || raw == NULL)
    return;
  a = osp_volume_load (j2k, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  b = osp_volume_load (raw, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_volume_get_n_voxels (a), ==, 512 * 512);
  g_assert_cmpmem (osp_volume_get_data (a), 512 * 512 * 2, osp_volume_get_data (b),
                   512 * 512 * 2);
  osp_volume_get_range (a, &lo, &hi);
  g_assert_cmpint (lo, ==, -1024);
  g_assert_cmpint (hi, ==, 1468);
}

/* Every conformance file: loads with the expected size or fails with a message naming it. */
typedef struct
{
  const char *name;
  gboolean    loads;
  guint32     dims[3];
} ConformanceCase;

static const ConformanceCase conformance_cases[] = {
  { "JLSL_16_15_1_1F.dcm", TRUE, { 128, 128, 1 } },   /* JPEG-LS lossless, signed 15 bits */
  { "JPEG-LL.dcm", TRUE, { 256, 1024, 1 } },          /* JPEG lossless P14 */
  { "bad_sequence.dcm", TRUE, { 512, 512, 1 } },      /* a malformed sequence: lenient */
  { "eCT_Supplemental.dcm", TRUE, { 512, 512, 2 } },
  { "emri_small_jpeg_2k_lossless_too_short.dcm", FALSE, { 0, 0, 0 } },
};

static void
test_conformance (gconstpointer data)
{
  const ConformanceCase *tc = data;
  g_autofree char *relative = g_build_filename ("conformance/dicom/pydicom-data", tc->name, NULL);
  g_autofree char *path = osp_test_shared_data (relative);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    return;
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  if (!tc->loads)
    {
      g_assert_null (volume);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, tc->name));
      return;
    }
  g_assert_no_error (error);
  {
    guint32 dims[3];

    osp_volume_get_dims (volume, dims);
    for (guint a = 0; a < 3; a++)
      g_assert_cmpuint (dims[a], ==, tc->dims[a]);
  }
}

/* Copies some files of a shared series into a fresh folder. */
static char *
make_folder (const char        *name,
             const char        *series,
             const char *const *files,
             guint              n_files)
{
  g_autofree char *source = osp_test_shared_data (series);
  char *folder;

  if (source == NULL)
    return NULL;
  folder = g_build_filename (osp_test_tmpdir (), name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  for (guint f = 0; f < n_files; f++)
    {
      g_autofree char *from = g_build_filename (source, files[f], NULL);
      g_autofree char *to = g_build_filename (folder, files[f], NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (to, contents, (gssize) len, NULL));
    }
  return folder;
}

static const char *const philips_files[] = {
  "I10", "I20", "I30", "I40", "I50", "I60", "I70", "I80", "I90", "I100", "I110", "I120",
};

/* Stray files are skipped; a truncated slice in the middle is skipped with a note and the gap
 * resampled; when it is the only file, it fails naming it. */
static void
test_broken_folder (void)
{
  g_autofree char *folder = make_folder ("broken", "ct/dcmqa_philips_skullphantom_1mm",
                                         philips_files, G_N_ELEMENTS (philips_files));
  g_autofree char *victim = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *stray = NULL;
  g_autofree char *fake = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *const *notes;
  guint n_notes;
  gboolean skipped = FALSE;

  if (folder == NULL)
    return;
  stray = g_build_filename (folder, "README.txt", NULL);
  g_assert_true (g_file_set_contents (stray, "exported by a PACS", -1, NULL));
  /* A file that claims to be DICOM and is not. */
  fake = g_build_filename (folder, "fake.dcm", NULL);
  {
    char junk[200] = { 0 };

    memcpy (junk + 128, "DICMjunkjunkjunk", 16);
    g_assert_true (g_file_set_contents (fake, junk, sizeof junk, NULL));
  }
  victim = g_build_filename (folder, "I60", NULL);
  g_assert_true (g_file_get_contents (victim, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (victim, contents, (gssize) (len - 100000), NULL));

  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  notes = osp_volume_get_notes (volume, &n_notes);
  for (guint i = 0; i < n_notes; i++)
    {
      g_test_message ("note: %s", notes[i]);
      skipped = skipped || (strstr (notes[i], "skipped") != NULL &&
                            strstr (notes[i], "I60") != NULL);
    }
  g_assert_true (skipped);
  {
    guint32 dims[3];
    double spacing[3];

    osp_volume_get_dims (volume, dims);
    osp_volume_get_spacing (volume, spacing);
    /* 12 slices 1 mm apart with one missing: 11 mm, regridded at 1 mm. */
    g_assert_cmpuint (dims[2], ==, 12);
    g_assert_cmpfloat_with_epsilon (spacing[2], 1.0, 1e-6);
  }

  /* The truncated file alone. */
  g_clear_error (&error);
  {
    g_autofree char *single = g_build_filename (osp_test_tmpdir (), "single", NULL);
    g_autofree char *copy = g_build_filename (single, "I60", NULL);
    g_autoptr(OspVolume) none = NULL;

    g_assert_cmpint (g_mkdir_with_parents (single, 0700), ==, 0);
    g_assert_true (g_file_set_contents (copy, contents, (gssize) (len - 100000), NULL));
    none = osp_volume_load (copy, NULL, NULL, NULL, &error);
    g_assert_null (none);
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_true (g_str_has_prefix (error->message, "I60"));
  }
}

/* Real slices without their preamble and file meta information (a data set alone, as old
 * exports write it) load as the originals do; a folder missing a slice names the gap. */
static void
test_no_preamble_and_gap (void)
{
  static const char *const gapped[] = { "I10", "I20", "I30", "I40", "I60", "I70", "I80" };
  g_autofree char *folder = make_folder ("plain", "ct/dcmqa_philips_skullphantom_1mm",
                                         philips_files, 6);
  g_autofree char *bare = NULL;
  g_autofree char *gap = NULL;
  g_autoptr(OspVolume) original = NULL;
  g_autoptr(OspVolume) stripped = NULL;
  g_autoptr(OspVolume) gapped_volume = NULL;
  g_autoptr(GError) error = NULL;

  if (folder == NULL)
    return;
  bare = g_build_filename (osp_test_tmpdir (), "bare", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bare, 0700), ==, 0);
  for (guint f = 0; f < 6; f++)
    {
      g_autofree char *from = g_build_filename (folder, philips_files[f], NULL);
      g_autofree char *to = g_build_filename (bare, philips_files[f], NULL);
      g_autofree char *contents = NULL;
      gsize len, start;
      guint32 meta_length;

      g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
      /* "DICM", then (0002,0000) UL 4 holding the length of the rest of the meta group. */
      g_assert_cmpmem (contents + 128, 4, "DICM", 4);
      g_assert_cmpmem (contents + 132, 8, "\x02\x00\x00\x00UL\x04\x00", 8);
      memcpy (&meta_length, contents + 140, 4);
      meta_length = GUINT32_FROM_LE (meta_length);
      start = 144 + meta_length;
      g_assert_cmpuint (start, <, len);
      g_assert_true (g_file_set_contents (to, contents + start, (gssize) (len - start), NULL));
    }
  original = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  stripped = osp_volume_load (bare, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    guint32 a[3], b[3];

    osp_volume_get_dims (original, a);
    osp_volume_get_dims (stripped, b);
    g_assert_cmpmem (a, sizeof a, b, sizeof b);
    g_assert_cmpmem (osp_volume_get_data (original), osp_volume_get_n_voxels (original) * 2,
                     osp_volume_get_data (stripped), osp_volume_get_n_voxels (stripped) * 2);
  }

  gap = make_folder ("gapped", "ct/dcmqa_philips_skullphantom_1mm", gapped,
                     G_N_ELEMENTS (gapped));
  gapped_volume = osp_volume_load (gap, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    guint32 dims[3];
    guint n_notes;
    const char *const *notes = osp_volume_get_notes (gapped_volume, &n_notes);
    gboolean named = FALSE;

    osp_volume_get_dims (gapped_volume, dims);
    g_assert_cmpuint (dims[2], ==, 8);
    for (guint i = 0; i < n_notes; i++)
      {
        g_test_message ("note: %s", notes[i]);
        named = named || strstr (notes[i], "gap") != NULL;
      }
    g_assert_true (named);
  }
}

/* Two series in one folder: listed, the larger CT by default, the other by index. */
static void
test_two_series (void)
{
  static const char *const ge_files[] = { "01.dcm", "02.dcm", "03.dcm" };
  g_autofree char *folder = make_folder ("two", "ct/dcmqa_philips_skullphantom_1mm",
                                         philips_files, 5);
  g_autofree char *ge = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  if (folder == NULL)
    return;
  ge = make_folder ("two/sub", "ct/dcmqa_ge_head_tilt", ge_files, 3);
  list = osp_dicom_scan_folder (folder, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  {
    OspDicomSeriesInfo *first = list->pdata[0], *second = list->pdata[1];

    g_assert_cmpuint (first->n_slices, ==, 5);
    g_assert_cmpstr (first->description, ==, "BONE BRAIN 1MM");
    g_assert_cmpstr (first->modality, ==, "CT");
    g_assert_cmpfloat_with_epsilon (first->spacing[2], 1.0, 1e-6);
    g_assert_cmpuint (second->n_slices, ==, 3);
    g_assert_cmpfloat_with_epsilon (second->spacing[0], 0.4882812, 1e-6);
  }
  for (int index = -1; index <= 2; index++)
    {
      OspVolumeLoadOptions options = OSP_VOLUME_LOAD_OPTIONS_INIT;
      g_autoptr(OspVolume) volume = NULL;
      guint32 dims[3];

      options.series_index = index;
      volume = osp_volume_load (folder, &options, NULL, NULL, &error);
      if (index == 2)
        {
          g_assert_null (volume);
          g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
          g_clear_error (&error);
          continue;
        }
      g_assert_no_error (error);
      osp_volume_get_dims (volume, dims);
      g_assert_cmpuint (dims[2], ==, index == 1 ? 3 : 5);
    }
}

static void
record_progress (double   fraction,
                 gpointer user_data)
{
  GArray *values = user_data;

  g_array_append_val (values, fraction);
}

/* Progress never goes back and ends at 1; cancellation stops a load. */
static void
test_progress_and_cancel (void)
{
  g_autofree char *folder = osp_test_shared_data ("ct/totalseg_abdomen_j2k");
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  OspProgressRange progress = { record_progress, NULL, 0.0, 1.0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  if (folder == NULL)
    return;
  progress.user_data = values;
  volume = osp_volume_load (folder, NULL, &progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (values->len, >, 2);
  for (guint i = 1; i < values->len; i++)
    g_assert_cmpfloat (g_array_index (values, double, i), >=,
                       g_array_index (values, double, i - 1));
  g_assert_cmpfloat_with_epsilon (g_array_index (values, double, values->len - 1), 1.0, 1e-9);

  g_cancellable_cancel (cancellable);
  g_assert_null (osp_volume_load (folder, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint c = 0; c < G_N_ELEMENTS (volume_cases); c++)
    {
      g_autofree char *name = g_strdup_printf ("/data/volume/%s", volume_cases[c].path);

      g_test_add_data_func (name, &volume_cases[c], test_volume);
    }
  g_test_add_func ("/data/dicom/sorted-by-position", test_sorted_by_position);
  g_test_add_func ("/data/dicom/matches-nifti-grid", test_dicom_matches_nifti);
  g_test_add_func ("/data/dicom/gantry-tilt-geometry", test_gantry_tilt_geometry);
  g_test_add_func ("/data/dicom/j2k-equals-uncompressed", test_transfer_syntaxes_identical);
  for (guint c = 0; c < G_N_ELEMENTS (conformance_cases); c++)
    {
      g_autofree char *name = g_strdup_printf ("/data/dicom/conformance/%s",
                                               conformance_cases[c].name);

      g_test_add_data_func (name, &conformance_cases[c], test_conformance);
    }
  g_test_add_func ("/data/dicom/broken-folder", test_broken_folder);
  g_test_add_func ("/data/dicom/two-series", test_two_series);
  g_test_add_func ("/data/dicom/no-preamble-and-gap", test_no_preamble_and_gap);
  g_test_add_func ("/data/dicom/progress-and-cancel", test_progress_and_cancel);
  return g_test_run ();
}
