/* test-volume-io.c — NIfTI reading and writing on generated files, hostile headers
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every file here is made by the test, so the suite needs no shared data.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <nifti2_io.h>
#include <zlib.h>

#include "osp-error.h"
#include "osp-volume-io.h"
#include "osp-volume-io-private.h"
#include "osp-test-common.h"

/* A NIfTI-1 header for nx × ny × nz voxels of `datatype`, 1 mm, sform = identity (RAS). */
static nifti_1_header
make_n1 (int nx,
         int ny,
         int nz,
         int datatype)
{
  nifti_1_header h;
  int nbyper = 0, swapsize = 0;

  memset (&h, 0, sizeof h);
  nifti_datatype_sizes (datatype, &nbyper, &swapsize);
  h.sizeof_hdr = 348;
  h.dim[0] = 3;
  h.dim[1] = (short) nx;
  h.dim[2] = (short) ny;
  h.dim[3] = (short) nz;
  for (int a = 4; a < 8; a++)
    h.dim[a] = 1;
  h.datatype = (short) datatype;
  h.bitpix = (short) (8 * nbyper);
  for (int a = 0; a < 8; a++)
    h.pixdim[a] = 1;
  h.vox_offset = 352;
  h.xyzt_units = NIFTI_UNITS_MM;
  h.sform_code = 1;
  h.srow_x[0] = h.srow_y[1] = h.srow_z[2] = 1;
  memcpy (h.magic, "n+1", 4);
  return h;
}

/* Writes header + 4 bytes of extension flag + data, as .nii or gzip, in either byte order
 * (the data must already be in the byte order wanted). */
static void
write_n1 (const char           *path,
          const nifti_1_header *header,
          const void           *data,
          gsize                 data_len,
          gboolean              gzip,
          gboolean              swap_header)
{
  nifti_1_header h = *header;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  static const guint8 zero[4] = { 0, 0, 0, 0 };

  if (swap_header)
    nifti_swap_as_nifti1 (&h);
  g_byte_array_append (bytes, (const guint8 *) &h, sizeof h);
  g_byte_array_append (bytes, zero, 4);
  if (data_len > 0)
    g_byte_array_append (bytes, data, (guint) data_len);
  if (gzip)
    {
      gzFile f = gzopen (path, "wb");

      g_assert_nonnull (f);
      g_assert_cmpint (gzwrite (f, bytes->data, bytes->len), ==, (int) bytes->len);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    g_assert_true (g_file_set_contents (path, (const char *) bytes->data, bytes->len, NULL));
}

static void
assert_geometry (const OspVolume *volume,
                 const guint32    dims[3],
                 const double     spacing[3],
                 const double     origin[3],
                 const double     direction[9],
                 double           tolerance)
{
  guint32 d[3];
  double s[3], o[3], r[9];

  osp_volume_get_dims (volume, d);
  osp_volume_get_spacing (volume, s);
  osp_volume_get_origin (volume, o);
  osp_volume_get_direction (volume, r);
  for (guint a = 0; a < 3; a++)
    {
      g_assert_cmpuint (d[a], ==, dims[a]);
      g_assert_cmpfloat_with_epsilon (s[a], spacing[a], tolerance);
      g_assert_cmpfloat_with_epsilon (o[a], origin[a], tolerance);
    }
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (r[i], direction[i], tolerance);
}

/* save → load keeps geometry (to float precision) and every voxel. */
static void
test_round_trip (gconstpointer data)
{
  const char *file_name = data;
  g_autofree char *path = osp_test_tmp_path (file_name);
  const guint32 dims[3] = { 7, 5, 4 };
  const double spacing[3] = { 0.7, 0.9, 2.5 };
  const double origin[3] = { -120.25, 33.5, 694.21 };
  /* A rotation of 20° about an oblique axis: not axis-aligned, right-handed. */
  double direction[9];
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspVolume) back = NULL;
  g_autoptr(GError) error = NULL;
  gint16 *v;

  {
    double c = cos (20 * G_PI / 180), s = sin (20 * G_PI / 180);
    double ax[3] = { 1 / sqrt (3.0), 1 / sqrt (3.0), 1 / sqrt (3.0) };

    for (guint col = 0; col < 3; col++)
      for (guint row = 0; row < 3; row++)
        {
          double e = (row == col ? c : 0) + (1 - c) * ax[row] * ax[col];

          if (row != col)
            {
              guint k = 3 - row - col;
              double sign = ((row + 1) % 3 == col) ? -1 : 1;

              e += sign * s * ax[k];
            }
          direction[3 * col + row] = e;
        }
  }

  volume = osp_volume_new (dims, spacing, origin, direction, "synthetic", &error);
  g_assert_no_error (error);
  v = osp_volume_get_data_mutable (volume);
  for (guint64 i = 0; i < osp_volume_get_n_voxels (volume); i++)
    v[i] = (gint16) ((i * 7919) % 65536 - 32768);
  osp_volume_set_description (volume, "round trip — ünïcode");

  g_assert_true (osp_volume_save_nifti (volume, path, &error));
  g_assert_no_error (error);

  back = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_geometry (back, dims, spacing, origin, direction, 1e-4);
  g_assert_cmpmem (osp_volume_get_data (back), 7 * 5 * 4 * 2, v, 7 * 5 * 4 * 2);
  g_assert_cmpstr (osp_volume_get_description (back), ==, "round trip — ünïcode");
  {
    guint n_notes;

    osp_volume_get_notes (back, &n_notes);
    g_assert_cmpuint (n_notes, ==, 0);
  }
}

/* Every scalar datatype, in both byte orders, with scl_slope/scl_inter applied. */
typedef struct
{
  int    datatype;
  double raw[4];
  double slope, inter;
  gint16 hu[4];
} TypeCase;

static const TypeCase type_cases[] = {
  { NIFTI_TYPE_UINT8, { 0, 1, 128, 255 }, 2, -1024, { -1024, -1022, -768, -514 } },
  { NIFTI_TYPE_INT8, { -128, -1, 0, 127 }, 10, 0, { -1280, -10, 0, 1270 } },
  { NIFTI_TYPE_INT16, { -32768, -1000, 0, 32767 }, 0, 0, { -32768, -1000, 0, 32767 } },
  { NIFTI_TYPE_UINT16, { 0, 1024, 2000, 65535 }, 1, -1024, { -1024, 0, 976, 32767 } },
  { NIFTI_TYPE_INT32, { -1207, 0, 3382, 100000 }, 0, 0, { -1207, 0, 3382, 32767 } },
  { NIFTI_TYPE_UINT32, { 0, 24, 1024, 4000000000.0 }, 1, -1024, { -1024, -1000, 0, 32767 } },
  { NIFTI_TYPE_INT64, { -2000, -1, 0, 3000 }, 0.5, 0, { -1000, 0, 0, 1500 } },
  { NIFTI_TYPE_UINT64, { 0, 1, 2, 3 }, 100, -50, { -50, 50, 150, 250 } },
  { NIFTI_TYPE_FLOAT32, { -1000.4f, 0.6f, 1200.0f, 1e30f }, 0, 0, { -1000, 1, 1200, 32767 } },
  { NIFTI_TYPE_FLOAT64, { -1024.0, NAN, 250.5, -1e300 }, 1, 0, { -1024, OSP_HU_AIR, 250, -32768 } },
};

static void
put_value (guint8 *out,
           int     datatype,
           double  value,
           gboolean swap)
{
  guint8 tmp[8];
  int size = 0, swapsize = 0;

  nifti_datatype_sizes (datatype, &size, &swapsize);
  switch (datatype)
    {
    case NIFTI_TYPE_UINT8: { guint8 x = (guint8) value; memcpy (tmp, &x, 1); break; }
    case NIFTI_TYPE_INT8: { gint8 x = (gint8) value; memcpy (tmp, &x, 1); break; }
    case NIFTI_TYPE_INT16: { gint16 x = (gint16) value; memcpy (tmp, &x, 2); break; }
    case NIFTI_TYPE_UINT16: { guint16 x = (guint16) value; memcpy (tmp, &x, 2); break; }
    case NIFTI_TYPE_INT32: { gint32 x = (gint32) value; memcpy (tmp, &x, 4); break; }
    case NIFTI_TYPE_UINT32: { guint32 x = (guint32) value; memcpy (tmp, &x, 4); break; }
    case NIFTI_TYPE_INT64: { gint64 x = (gint64) value; memcpy (tmp, &x, 8); break; }
    case NIFTI_TYPE_UINT64: { guint64 x = (guint64) value; memcpy (tmp, &x, 8); break; }
    case NIFTI_TYPE_FLOAT32: { float x = (float) value; memcpy (tmp, &x, 4); break; }
    case NIFTI_TYPE_FLOAT64: memcpy (tmp, &value, 8); break;
    default: g_assert_not_reached ();
    }
  for (int b = 0; b < size; b++)
    out[b] = tmp[swap ? size - 1 - b : b];
}

static void
test_datatypes (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (type_cases); c++)
    for (int swap = 0; swap < 2; swap++)
      {
        const TypeCase *tc = &type_cases[c];
        g_autofree char *path = osp_test_tmp_path ("types.nii");
        nifti_1_header h = make_n1 (2, 2, 1, tc->datatype);
        g_autoptr(OspVolume) volume = NULL;
        g_autoptr(GError) error = NULL;
        guint8 data[32];
        int size = 0, swapsize = 0;
        gboolean clamps = FALSE;
        guint n_notes;

        g_test_message ("datatype %s, %s endian", nifti_datatype_string (tc->datatype),
                        swap ? "swapped" : "native");
        nifti_datatype_sizes (tc->datatype, &size, &swapsize);
        h.scl_slope = (float) tc->slope;
        h.scl_inter = (float) tc->inter;
        for (int i = 0; i < 4; i++)
          {
            put_value (data + i * size, tc->datatype, tc->raw[i], swap);
            clamps = clamps || tc->hu[i] == G_MAXINT16 || tc->hu[i] == G_MININT16;
          }
        write_n1 (path, &h, data, 4 * (gsize) size, FALSE, swap);
        volume = osp_volume_load (path, NULL, NULL, NULL, &error);
        g_assert_no_error (error);
        for (int i = 0; i < 4; i++)
          g_assert_cmpint (osp_volume_get_data (volume)[i], ==, tc->hu[i]);
        osp_volume_get_notes (volume, &n_notes);
        /* int16 ±32767/−32768 arrive exactly, not clamped. */
        if (tc->datatype != NIFTI_TYPE_INT16)
          g_assert_cmpuint (n_notes, ==, clamps ? 1 : 0);
      }
}

/* The reader converts in chunks of whole slices, in place for 1- and 2-byte values: a volume
 * of every datatype, gzipped or not, in either byte order, loads to the same voxels whether it
 * is read in one chunk or in chunks of 1, 2 or 3 slices (an odd count leaves a short chunk),
 * and each voxel is exactly nearbyint (raw × slope + inter), clamped, NaN as air. */
static void
test_datatypes_chunked (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (type_cases); c++)
    for (int variant = 0; variant < 4; variant++)
      {
        const TypeCase *tc = &type_cases[c];
        /* 1- and 2-byte values of a volume this large convert through a table of every raw
         * value; smaller volumes (and wider values) value by value. */
        gboolean table = tc->datatype == NIFTI_TYPE_UINT8 || tc->datatype == NIFTI_TYPE_INT8 ||
                         tc->datatype == NIFTI_TYPE_UINT16;
        const int nx = table ? 64 : 7, ny = table ? 64 : 5, nz = table ? 64 : 11;
        const int n = nx * ny * nz;
        gboolean swap = variant & 1, gzip = (variant & 2) != 0;
        g_autofree char *path = osp_test_tmp_path (gzip ? "chunks.nii.gz" : "chunks.nii");
        nifti_1_header h = make_n1 (nx, ny, nz, tc->datatype);
        g_autoptr(OspVolume) whole = NULL;
        g_autofree guint8 *data = NULL;
        g_autofree gint16 *expect = NULL;
        g_autoptr(GError) error = NULL;
        double slope = tc->slope == 0 ? 1 : tc->slope;
        int size = 0, swapsize = 0;
        guint n_clamped = 0;

        g_test_message ("datatype %s, %s endian, %s", nifti_datatype_string (tc->datatype),
                        swap ? "swapped" : "native", gzip ? "gzip" : "plain");
        nifti_datatype_sizes (tc->datatype, &size, &swapsize);
        h.scl_slope = (float) tc->slope;
        h.scl_inter = (float) tc->inter;
        data = g_malloc ((gsize) n * size);
        expect = g_new (gint16, n);
        for (int i = 0; i < n; i++)
          {
            /* The table's four values, then others in steps that wrap within the type. */
            double raw = i < 4 ? tc->raw[i] : tc->raw[i % 4] == tc->raw[i % 4]
                                                ? fmod (fabs (tc->raw[i % 4]) + i, 100) : NAN;
            double hu = raw * slope + tc->inter;

            if (tc->datatype == NIFTI_TYPE_INT8 && raw > 127)
              raw = 127, hu = raw * slope + tc->inter;
            put_value (data + (gsize) i * size, tc->datatype, raw, swap);
            if (i < 4)
              expect[i] = tc->hu[i];
            else if (isnan (hu))
              expect[i] = OSP_HU_AIR;
            else
              {
                double v = nearbyint ((double) (float) slope * raw + (double) (float) tc->inter);

                n_clamped += v < -32768 || v > 32767;
                expect[i] = (gint16) CLAMP (v, -32768, 32767);
              }
            if (i < 4)
              n_clamped += tc->datatype != NIFTI_TYPE_INT16 &&
                           (tc->hu[i] == G_MAXINT16 || tc->hu[i] == G_MININT16);
          }
        write_n1 (path, &h, data, (gsize) n * size, gzip, swap);
        osp_nifti_set_chunk_bytes (0);
        whole = osp_volume_load (path, NULL, NULL, NULL, &error);
        g_assert_no_error (error);
        for (int i = 0; i < n; i++)
          if (osp_volume_get_data (whole)[i] != expect[i])
            g_error ("voxel %d: %d, expected %d", i, osp_volume_get_data (whole)[i], expect[i]);
        {
          g_autofree char *want = g_strdup_printf ("%u voxels outside", n_clamped);
          const char *const *notes = osp_volume_get_notes (whole, NULL);

          g_assert_cmpuint (n_clamped > 0, ==, notes[0] != NULL);
          if (n_clamped > 0)
            g_assert_nonnull (strstr (notes[0], want));
        }
        for (int slices = 1; slices <= 3; slices++)
          {
            g_autoptr(OspVolume) chunked = NULL;

            osp_nifti_set_chunk_bytes ((gsize) slices * nx * ny * size);
            chunked = osp_volume_load (path, NULL, NULL, NULL, &error);
            g_assert_no_error (error);
            g_assert_cmpmem (osp_volume_get_data (chunked), n * 2, osp_volume_get_data (whole),
                             n * 2);
            {
              const char *const *a = osp_volume_get_notes (chunked, NULL);
              const char *const *b = osp_volume_get_notes (whole, NULL);

              g_assert_cmpstrv (a, b);
            }
          }
        osp_nifti_set_chunk_bytes (0);
      }
}

/* The qform when there is no sform; pixdim alone when neither; RAS → LPS. */
static void
test_qform_and_pixdim (void)
{
  g_autofree char *path = osp_test_tmp_path ("qform.nii.gz");
  nifti_1_header h = make_n1 (3, 4, 5, NIFTI_TYPE_INT16);
  gint16 data[60] = { 0 };
  g_autoptr(GError) error = NULL;
  const guint32 dims[3] = { 3, 4, 5 };
  guint n_notes;

  /* A rotation of 90° about z (quaternion b = c = 0, d = sin 45°): i → +y, j → −x (RAS). */
  h.sform_code = 0;
  h.qform_code = 1;
  h.quatern_d = (float) sin (G_PI / 4);
  h.qoffset_x = 10;
  h.qoffset_y = 20;
  h.qoffset_z = 30;
  h.pixdim[1] = 0.5f;
  h.pixdim[2] = 0.75f;
  h.pixdim[3] = 3;
  write_n1 (path, &h, data, sizeof data, TRUE, FALSE);
  {
    g_autoptr(OspVolume) volume = osp_volume_load (path, NULL, NULL, NULL, &error);
    /* LPS: i → RAS +y → LPS −y; j → RAS −x → LPS +x. */
    const double spacing[3] = { 0.5, 0.75, 3 };
    const double origin[3] = { -10, -20, 30 };
    const double direction[9] = { 0, -1, 0, 1, 0, 0, 0, 0, 1 };

    g_assert_no_error (error);
    assert_geometry (volume, dims, spacing, origin, direction, 1e-6);
  }

  /* Neither: the pixel sizes, with a note. */
  h.qform_code = 0;
  write_n1 (path, &h, data, sizeof data, TRUE, FALSE);
  {
    g_autoptr(OspVolume) volume = osp_volume_load (path, NULL, NULL, NULL, &error);
    const double spacing[3] = { 0.5, 0.75, 3 };
    const double origin[3] = { 0, 0, 0 };
    const double direction[9] = { -1, 0, 0, 0, -1, 0, 0, 0, 1 };
    const char *const *notes;

    g_assert_no_error (error);
    assert_geometry (volume, dims, spacing, origin, direction, 1e-6);
    notes = osp_volume_get_notes (volume, &n_notes);
    g_assert_cmpuint (n_notes, ==, 1);
    g_assert_nonnull (strstr (notes[0], "orientation"));
  }

  /* Metres: ×1000. */
  h.sform_code = 1;
  h.xyzt_units = NIFTI_UNITS_METER;
  h.srow_x[0] = h.srow_y[1] = h.srow_z[2] = 0.002f;
  h.srow_z[3] = 0.1f;
  write_n1 (path, &h, data, sizeof data, TRUE, FALSE);
  {
    g_autoptr(OspVolume) volume = osp_volume_load (path, NULL, NULL, NULL, &error);
    const double spacing[3] = { 2, 2, 2 };
    const double origin[3] = { 0, 0, 100 };
    const double direction[9] = { -1, 0, 0, 0, -1, 0, 0, 0, 1 };

    g_assert_no_error (error);
    assert_geometry (volume, dims, spacing, origin, direction, 1e-4);
  }
}

/* A sheared affine keeps every voxel where the affine puts it, and says so. */
static void
test_sheared (void)
{
  g_autofree char *path = osp_test_tmp_path ("sheared.nii");
  nifti_1_header h = make_n1 (2, 2, 2, NIFTI_TYPE_INT16);
  gint16 data[8] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  const char *const *notes;
  guint n_notes;
  double lps[3];
  const double ijk[3] = { 1, 1, 1 };

  h.srow_x[2] = 0.5f;  /* k also moves along x: a gantry-tilt-like shear */
  write_n1 (path, &h, data, sizeof data, FALSE, FALSE);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_index_to_lps (volume, ijk, lps);
  /* RAS (1 + 0.5, 1, 1) → LPS (−1.5, −1, 1). */
  g_assert_cmpfloat_with_epsilon (lps[0], -1.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (lps[1], -1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (lps[2], 1.0, 1e-6);
  notes = osp_volume_get_notes (volume, &n_notes);
  g_assert_cmpuint (n_notes, ==, 1);
  g_assert_nonnull (strstr (notes[0], "sheared"));
}

/* 4-D: the first volume, with a note. */
static void
test_four_d (void)
{
  g_autofree char *path = osp_test_tmp_path ("fourd.nii");
  nifti_1_header h = make_n1 (2, 2, 1, NIFTI_TYPE_INT16);
  const gint16 data[12] = { 1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  const char *const *notes;
  guint n_notes;

  h.dim[0] = 4;
  h.dim[4] = 3;
  write_n1 (path, &h, data, sizeof data, FALSE, FALSE);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (osp_volume_get_data (volume), 8, data, 8);
  notes = osp_volume_get_notes (volume, &n_notes);
  g_assert_cmpuint (n_notes, ==, 1);
  g_assert_nonnull (strstr (notes[0], "3 volumes"));
}

/* A 2-D image: the dimensions past dim[0] are ignored, whatever they hold. */
static void
test_two_d (void)
{
  g_autofree char *path = osp_test_tmp_path ("flat.nii");
  nifti_1_header h = make_n1 (3, 2, 1, NIFTI_TYPE_INT16);
  const gint16 data[6] = { 1, 2, 3, 4, 5, 6 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  guint32 dims[3];

  h.dim[0] = 2;
  h.dim[3] = -7;  /* unused, and garbage */
  h.dim[4] = 0;
  write_n1 (path, &h, data, sizeof data, FALSE, FALSE);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 3);
  g_assert_cmpuint (dims[1], ==, 2);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpmem (osp_volume_get_data (volume), 12, data, 12);
}

/* NIfTI-2, big endian, gzip. */
static void
test_nifti2 (void)
{
  g_autofree char *path = osp_test_tmp_path ("two.nii.gz");
  nifti_2_header h;
  guint8 bytes[544 + 12];
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  const gint16 values[6] = { -1000, 0, 1, 250, 1200, 3000 };
  const guint32 dims[3] = { 3, 2, 1 };
  const double spacing[3] = { 1.25, 1.5, 4 };
  const double origin[3] = { 5, 6, 7 };
  const double direction[9] = { -1, 0, 0, 0, -1, 0, 0, 0, 1 };
  gzFile f;

  memset (&h, 0, sizeof h);
  h.sizeof_hdr = 540;
  memcpy (h.magic, "n+2\0\r\n\032\n", 8);
  h.datatype = NIFTI_TYPE_INT16;
  h.bitpix = 16;
  h.dim[0] = 3;
  h.dim[1] = 3;
  h.dim[2] = 2;
  h.dim[3] = 1;
  for (int a = 4; a < 8; a++)
    h.dim[a] = 1;
  h.pixdim[1] = 1.25;
  h.pixdim[2] = 1.5;
  h.pixdim[3] = 4;
  h.vox_offset = 544;
  h.sform_code = 1;
  h.srow_x[0] = 1.25;
  h.srow_y[1] = 1.5;
  h.srow_z[2] = 4;
  h.srow_x[3] = -5;
  h.srow_y[3] = -6;
  h.srow_z[3] = 7;
  h.xyzt_units = NIFTI_UNITS_MM;
  nifti_swap_as_nifti2 (&h);
  memset (bytes, 0, sizeof bytes);
  memcpy (bytes, &h, sizeof h);
  for (int i = 0; i < 6; i++)
    {
      guint16 x = GUINT16_SWAP_LE_BE ((guint16) values[i]);

      memcpy (bytes + 544 + 2 * i, &x, 2);
    }
  f = gzopen (path, "wb");
  g_assert_cmpint (gzwrite (f, bytes, sizeof bytes), ==, (int) sizeof bytes);
  gzclose (f);

  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_geometry (volume, dims, spacing, origin, direction, 1e-9);
  g_assert_cmpmem (osp_volume_get_data (volume), 12, values, 12);
}

/* A .hdr/.img pair, opened by either name; a missing .img is named. */
static void
test_pair (void)
{
  g_autofree char *hdr = osp_test_tmp_path ("pair.hdr");
  g_autofree char *img = osp_test_tmp_path ("pair.img");
  g_autofree char *lonely = osp_test_tmp_path ("lonely.hdr");
  g_autofree char *orphan = osp_test_tmp_path ("orphan.img");
  nifti_1_header h = make_n1 (2, 1, 1, NIFTI_TYPE_INT16);
  const gint16 data[2] = { 77, -77 };
  g_autoptr(GError) error = NULL;

  memcpy (h.magic, "ni1", 4);
  h.vox_offset = 0;
  g_assert_true (g_file_set_contents (hdr, (const char *) &h, sizeof h, NULL));
  g_assert_true (g_file_set_contents (img, (const char *) data, sizeof data, NULL));
  for (int by_img = 0; by_img < 2; by_img++)
    {
      g_autoptr(OspVolume) volume = osp_volume_load (by_img ? img : hdr, NULL, NULL, NULL,
                                                     &error);

      g_assert_no_error (error);
      g_assert_cmpmem (osp_volume_get_data (volume), 4, data, 4);
    }

  g_assert_true (g_file_set_contents (lonely, (const char *) &h, sizeof h, NULL));
  g_assert_null (osp_volume_load (lonely, NULL, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "lonely.img"));
  g_clear_error (&error);

  /* And the other way round. */
  g_assert_true (g_file_set_contents (orphan, (const char *) data, sizeof data, NULL));
  g_assert_null (osp_volume_load (orphan, NULL, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "orphan.hdr"));
}

/* Hostile headers fail with a message, before anything big is allocated. */
typedef struct
{
  const char *name;
  void      (*mutate) (nifti_1_header *h, gsize *data_len, gboolean *gzip);
  int         code;
  const char *note;  /* a fragment of the note it must carry (loads) or of the message */
} HostileCase;

static void huge_dims (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->dim[1] = h->dim[2] = h->dim[3] = 32767; }
static void huge_dims_gz (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->dim[1] = h->dim[2] = h->dim[3] = 32767; *gz = TRUE; }
static void bomb_gz (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->dim[1] = h->dim[2] = 4096; h->dim[3] = 2048; *n = 1 << 20; *gz = TRUE; }
static void datatype_zero (nifti_1_header *h, gsize *n, gboolean *gz) { h->datatype = 0; }
static void datatype_unknown (nifti_1_header *h, gsize *n, gboolean *gz) { h->datatype = 3; }
static void datatype_binary (nifti_1_header *h, gsize *n, gboolean *gz) { h->datatype = 1; }
static void datatype_complex (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->datatype = NIFTI_TYPE_COMPLEX64; }
static void negative_dim (nifti_1_header *h, gsize *n, gboolean *gz) { h->dim[2] = -4; }
static void zero_dim (nifti_1_header *h, gsize *n, gboolean *gz) { h->dim[3] = 0; }
static void dim0_zero (nifti_1_header *h, gsize *n, gboolean *gz) { h->dim[0] = 0; }
static void dim0_big (nifti_1_header *h, gsize *n, gboolean *gz) { h->dim[0] = 9; }
static void truncated (nifti_1_header *h, gsize *n, gboolean *gz) { *n -= 3; }
static void truncated_gz (nifti_1_header *h, gsize *n, gboolean *gz) { *n -= 3; *gz = TRUE; }
static void offset_beyond (nifti_1_header *h, gsize *n, gboolean *gz) { h->vox_offset = 1e9f; }
static void offset_beyond_gz (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->vox_offset = 4096; *gz = TRUE; }
static void offset_nan (nifti_1_header *h, gsize *n, gboolean *gz) { h->vox_offset = NAN; }
static void offset_negative (nifti_1_header *h, gsize *n, gboolean *gz) { h->vox_offset = -8; }
static void flat_affine (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->srow_x[0] = 0; h->pixdim[1] = 0; }
static void pixdim_zero (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->sform_code = 0; h->pixdim[1] = 0; }
static void pixdim_nan (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->sform_code = 0; h->pixdim[2] = NAN; }
static void pixdim_inf (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->sform_code = 0; h->pixdim[3] = INFINITY; }
static void pixdim_huge (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->sform_code = 0; h->pixdim[1] = 1e30f; }
static void pixdim_tiny (nifti_1_header *h, gsize *n, gboolean *gz)
{ h->sform_code = 0; h->pixdim[2] = 1e-9f; }
static void srow_huge (nifti_1_header *h, gsize *n, gboolean *gz) { h->srow_x[0] = 1e30f; }

static const HostileCase hostile_cases[] = {
  { "dims-32767-cubed", huge_dims, OSP_ERROR_TRUNCATED },
  { "dims-32767-cubed-gz", huge_dims_gz, OSP_ERROR_TRUNCATED },
  { "gz-bomb", bomb_gz, OSP_ERROR_TRUNCATED },
  { "datatype-0", datatype_zero, OSP_ERROR_CORRUPT },
  { "datatype-3", datatype_unknown, OSP_ERROR_CORRUPT },
  { "datatype-complex", datatype_complex, OSP_ERROR_UNSUPPORTED, "complex numbers" },
  { "datatype-1", datatype_binary, OSP_ERROR_UNSUPPORTED, "binary mask" },
  { "negative-dim", negative_dim, OSP_ERROR_CORRUPT },
  { "zero-dim", zero_dim, OSP_ERROR_CORRUPT },
  { "dim0-zero", dim0_zero, OSP_ERROR_CORRUPT },
  { "dim0-nine", dim0_big, OSP_ERROR_CORRUPT },
  { "truncated-data", truncated, OSP_ERROR_TRUNCATED },
  { "truncated-data-gz", truncated_gz, OSP_ERROR_TRUNCATED },
  { "offset-beyond-file", offset_beyond, OSP_ERROR_TRUNCATED },
  { "offset-beyond-file-gz", offset_beyond_gz, OSP_ERROR_TRUNCATED },
  { "offset-nan", offset_nan, OSP_ERROR_CORRUPT },
  { "offset-negative", offset_negative, OSP_ERROR_CORRUPT },
  { "flat-affine", flat_affine, -1, "1 mm was assumed" },  /* loads, 1 mm with a note */
  { "pixdim-zero", pixdim_zero, -1, "1 mm was assumed" },
  { "pixdim-nan", pixdim_nan, -1, "1 mm was assumed" },
  { "pixdim-inf", pixdim_inf, -1, "1 mm was assumed" },
  { "pixdim-1e30", pixdim_huge, OSP_ERROR_CORRUPT },
  { "pixdim-1e-9", pixdim_tiny, OSP_ERROR_CORRUPT },
  { "srow-1e30", srow_huge, OSP_ERROR_CORRUPT },
};

static void
test_hostile (gconstpointer data)
{
  const HostileCase *tc = data;
  g_autofree char *path = NULL;
  nifti_1_header h = make_n1 (16, 16, 4, NIFTI_TYPE_INT16);
  gsize data_len = 16 * 16 * 4 * 2;
  gboolean gzip = FALSE;
  g_autofree guint8 *voxels = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  tc->mutate (&h, &data_len, &gzip);
  path = osp_test_tmp_path (gzip ? "hostile.nii.gz" : "hostile.nii");
  voxels = g_malloc0 (data_len);
  write_n1 (path, &h, voxels, data_len, gzip, FALSE);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  if (tc->code < 0)
    {
      const char *const *notes;
      guint n_notes;
      gboolean found = FALSE;
      double spacing[3];

      g_assert_no_error (error);
      g_assert_nonnull (volume);
      notes = osp_volume_get_notes (volume, &n_notes);
      for (guint i = 0; i < n_notes; i++)
        {
          g_test_message ("note: %s", notes[i]);
          found |= strstr (notes[i], tc->note) != NULL;
        }
      g_assert_true (found);
      /* The fallback is 1 mm on the broken axis, the header's 1 mm on the others. */
      osp_volume_get_spacing (volume, spacing);
      for (guint a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (spacing[a], 1.0, 1e-9);
      return;
    }
  g_assert_null (volume);
  g_assert_error (error, OSP_ERROR, tc->code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "hostile.nii"));
  if (tc->note != NULL)
    g_assert_nonnull (strstr (error->message, tc->note));
  g_assert_null (strstr (error->message, "unknown"));
}

/* NIfTI-2 has 64-bit dimensions: 2^31 and 2^40 voxels along an axis fail before allocation. */
static void
test_hostile_nifti2 (void)
{
  static const struct { gint64 dim1; gint64 offset; int code; } cases[] = {
    { G_GINT64_CONSTANT (1) << 31, 544, OSP_ERROR_TRUNCATED },
    { G_GINT64_CONSTANT (1) << 40, 544, OSP_ERROR_TOO_LARGE },
    { G_MAXINT64, 544, OSP_ERROR_TOO_LARGE },
    { 4, -1, OSP_ERROR_CORRUPT },
    { 4, G_MAXINT64, OSP_ERROR_CORRUPT },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = osp_test_tmp_path ("hostile2.nii");
      nifti_2_header h;
      guint8 bytes[544 + 32] = { 0 };
      g_autoptr(GError) error = NULL;

      memset (&h, 0, sizeof h);
      h.sizeof_hdr = 540;
      memcpy (h.magic, "n+2\0\r\n\032\n", 8);
      h.datatype = NIFTI_TYPE_INT16;
      h.bitpix = 16;
      h.dim[0] = 3;
      h.dim[1] = cases[c].dim1;
      h.dim[2] = 2;
      h.dim[3] = 2;
      h.pixdim[1] = h.pixdim[2] = h.pixdim[3] = 1;
      h.vox_offset = cases[c].offset;
      memcpy (bytes, &h, sizeof h);
      g_assert_true (g_file_set_contents (path, (const char *) bytes, sizeof bytes, NULL));
      g_assert_null (osp_volume_load (path, NULL, NULL, NULL, &error));
      g_assert_error (error, OSP_ERROR, cases[c].code);
      g_test_message ("%s", error->message);
    }
}

/* Files that are no NIfTI at all. */
static void
test_not_nifti (void)
{
  static const struct { const char *name; const char *content; gssize len; int code; } cases[] = {
    { "empty.nii", "", 0, OSP_ERROR_UNKNOWN_FORMAT },
    { "text.nii", "hello, this is not a volume", -1, OSP_ERROR_UNKNOWN_FORMAT },
    { "short.nii", "\x5c\x01\x00\x00 short", 10, OSP_ERROR_TRUNCATED },
    { "garbage.nii.gz", "\x1f\x8b garbage that is not deflate", -1, -1 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = osp_test_tmp_path (cases[c].name);
      g_autoptr(GError) error = NULL;
      g_autoptr(OspVolume) volume = NULL;
      gsize len = cases[c].len < 0 ? strlen (cases[c].content) : (gsize) cases[c].len;

      g_assert_true (g_file_set_contents (path, cases[c].content, (gssize) len, NULL));
      volume = osp_volume_load (path, NULL, NULL, NULL, &error);
      g_assert_null (volume);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", cases[c].name, error->message);
      if (cases[c].code >= 0)
        g_assert_error (error, OSP_ERROR, cases[c].code);
      g_assert_nonnull (strstr (error->message, cases[c].name));
    }
}

/* Cancellation stops a load. */
static void
test_cancel (void)
{
  g_autofree char *path = osp_test_tmp_path ("cancel.nii");
  nifti_1_header h = make_n1 (4, 4, 4, NIFTI_TYPE_INT16);
  gint16 data[64] = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  write_n1 (path, &h, data, sizeof data, FALSE, FALSE);
  g_cancellable_cancel (cancellable);
  g_assert_null (osp_volume_load (path, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A qform with negative pixdim and qfac −1: the voxel sizes are |pixdim| (nifticlib would
 * have made a negative one 1 mm), the flip of k comes from qfac alone. */
static void
test_qform_negative_pixdim (void)
{
  g_autofree char *path = osp_test_tmp_path ("negpix.nii");
  nifti_1_header h = make_n1 (3, 4, 5, NIFTI_TYPE_INT16);
  gint16 data[60] = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  const guint32 dims[3] = { 3, 4, 5 };
  const double spacing[3] = { 0.9, 1.25, 2.5 };
  /* Identity rotation, qfac −1: RAS i → +x, j → +y, k → −z; LPS negates x and y. */
  const double origin[3] = { -10, -20, 30 };
  const double direction[9] = { -1, 0, 0, 0, -1, 0, 0, 0, -1 };

  h.sform_code = 0;
  h.qform_code = 1;
  h.qoffset_x = 10;
  h.qoffset_y = 20;
  h.qoffset_z = 30;
  h.pixdim[0] = -1;
  h.pixdim[1] = -0.9f;
  h.pixdim[2] = 1.25f;
  h.pixdim[3] = -2.5f;
  write_n1 (path, &h, data, sizeof data, FALSE, FALSE);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_geometry (volume, dims, spacing, origin, direction, 1e-6);
}

/* ---- DICOM written by hand, one slice at a time, in several transfer syntaxes ---- */

typedef struct
{
  GByteArray *bytes;
  gboolean    big_endian;
  gboolean    implicit;
} DcmWriter;

static void
put16 (DcmWriter *w,
       guint16    v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };

  if (w->big_endian)
    b[0] = v >> 8, b[1] = v & 0xff;
  g_byte_array_append (w->bytes, b, 2);
}

static void
put32 (DcmWriter *w,
       guint32    v)
{
  if (w->big_endian)
    {
      put16 (w, v >> 16);
      put16 (w, v & 0xffff);
    }
  else
    {
      put16 (w, v & 0xffff);
      put16 (w, v >> 16);
    }
}

static void
element (DcmWriter  *w,
         guint16     group,
         guint16     elem,
         const char *vr,
         const void *value,
         guint32     len)
{
  static const guint8 zero = 0;
  gboolean pad = len % 2 == 1;
  gboolean long_vr = strcmp (vr, "OB") == 0 || strcmp (vr, "OW") == 0;

  put16 (w, group);
  put16 (w, elem);
  if (w->implicit)
    put32 (w, len + pad);
  else
    {
      g_byte_array_append (w->bytes, (const guint8 *) vr, 2);
      if (long_vr)
        {
          put16 (w, 0);
          put32 (w, len == G_MAXUINT32 ? len : len + pad);
        }
      else
        put16 (w, (guint16) (len + pad));
    }
  if (len == G_MAXUINT32)
    return;
  g_byte_array_append (w->bytes, value, len);
  if (pad)
    g_byte_array_append (w->bytes, strcmp (vr, "UI") == 0 ? &zero : (const guint8 *) " ", 1);
}

static void
text (DcmWriter  *w,
      guint16     group,
      guint16     elem,
      const char *vr,
      const char *value)
{
  element (w, group, elem, vr, value, (guint32) strlen (value));
}

static void
put_us (DcmWriter  *w,
        guint16     group,
        guint16     elem,
        const char *vr,
        guint16     value)
{
  guint8 b[2] = { value & 0xff, value >> 8 };

  if (w->big_endian)
    b[0] = value >> 8, b[1] = value & 0xff;
  element (w, group, elem, vr, b, 2);
}

#define TS_IMPLICIT_LE "1.2.840.10008.1.2"
#define TS_EXPLICIT_LE "1.2.840.10008.1.2.1"
#define TS_DEFLATED_LE "1.2.840.10008.1.2.1.99"
#define TS_EXPLICIT_BE "1.2.840.10008.1.2.2"
#define TS_RLE         "1.2.840.10008.1.2.5"

#define DCM_COLS 8
#define DCM_ROWS 6

/* PackBits with literal runs only: valid RLE, simple to write. */
static void
rle_segment (GByteArray   *out,
             const guint8 *plane,
             gsize         n)
{
  for (gsize i = 0; i < n; i += 128)
    {
      guint8 count = (guint8) (MIN (128, n - i) - 1);

      g_byte_array_append (out, &count, 1);
      g_byte_array_append (out, plane + i, count + 1);
    }
  if (out->len % 2 == 1)
    {
      static const guint8 noop = 0x80;  /* −128: a no-op header, pads to even */

      g_byte_array_append (out, &noop, 1);
    }
}

/* Writes one CT slice of stored values to `path` in transfer syntax `ts`. */
static void
write_dicom_slice (const char    *path,
                   const char    *ts,
                   double         z,
                   guint          instance,
                   const gint16  *stored)
{
  DcmWriter meta = { g_byte_array_new (), FALSE, FALSE };
  DcmWriter ds = { g_byte_array_new (), strcmp (ts, TS_EXPLICIT_BE) == 0,
                   strcmp (ts, TS_IMPLICIT_LE) == 0 };
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autofree char *sop_uid = g_strdup_printf ("1.2.826.0.1.3680043.9.9999.%u", instance);
  g_autofree char *ipp = g_strdup_printf ("-10\\20.5\\%g", z);
  g_autofree char *number = g_strdup_printf ("%u", instance);
  static const guint8 version[2] = { 0, 1 };
  guint8 preamble[132] = { 0 };

  element (&meta, 0x0002, 0x0001, "OB", version, 2);
  text (&meta, 0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.2");
  text (&meta, 0x0002, 0x0003, "UI", sop_uid);
  text (&meta, 0x0002, 0x0010, "UI", ts);
  text (&meta, 0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.9.9999");

  text (&ds, 0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2");
  text (&ds, 0x0008, 0x0018, "UI", sop_uid);
  text (&ds, 0x0008, 0x0060, "CS", "CT");
  text (&ds, 0x0008, 0x103e, "LO", "synthetic");
  text (&ds, 0x0018, 0x0050, "DS", "2");
  text (&ds, 0x0020, 0x000d, "UI", "1.2.826.0.1.3680043.9.9999.1");
  text (&ds, 0x0020, 0x000e, "UI", "1.2.826.0.1.3680043.9.9999.2");
  text (&ds, 0x0020, 0x0013, "IS", number);
  text (&ds, 0x0020, 0x0032, "DS", ipp);
  text (&ds, 0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
  put_us (&ds, 0x0028, 0x0002, "US", 1);
  text (&ds, 0x0028, 0x0004, "CS", "MONOCHROME2");
  put_us (&ds, 0x0028, 0x0010, "US", DCM_ROWS);
  put_us (&ds, 0x0028, 0x0011, "US", DCM_COLS);
  text (&ds, 0x0028, 0x0030, "DS", "0.5\\0.75");
  put_us (&ds, 0x0028, 0x0100, "US", 16);
  put_us (&ds, 0x0028, 0x0101, "US", 16);
  put_us (&ds, 0x0028, 0x0102, "US", 15);
  put_us (&ds, 0x0028, 0x0103, "US", 1);
  put_us (&ds, 0x0028, 0x0120, "SS", (guint16) -2000);
  text (&ds, 0x0028, 0x1052, "DS", "-1024");
  text (&ds, 0x0028, 0x1053, "DS", "2");
  if (strcmp (ts, TS_RLE) == 0)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();
      guint8 high[DCM_ROWS * DCM_COLS], low[DCM_ROWS * DCM_COLS];
      guint32 header[16] = { 2, 64 };

      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        {
          high[i] = (guint8) ((guint16) stored[i] >> 8);
          low[i] = (guint8) ((guint16) stored[i] & 0xff);
        }
      g_byte_array_append (frame, (const guint8 *) header, sizeof header);
      rle_segment (frame, high, sizeof high);
      header[2] = frame->len;
      rle_segment (frame, low, sizeof low);
      memcpy (frame->data, header, sizeof header);  /* little-endian host */

      element (&ds, 0x7fe0, 0x0010, "OB", NULL, G_MAXUINT32);
      put16 (&ds, 0xfffe), put16 (&ds, 0xe000), put32 (&ds, 0);   /* empty offset table */
      put16 (&ds, 0xfffe), put16 (&ds, 0xe000), put32 (&ds, frame->len);
      g_byte_array_append (ds.bytes, frame->data, frame->len);
      put16 (&ds, 0xfffe), put16 (&ds, 0xe0dd), put32 (&ds, 0);
    }
  else
    {
      guint8 pixels[DCM_ROWS * DCM_COLS * 2];

      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        {
          guint16 v = (guint16) stored[i];

          pixels[2 * i] = ds.big_endian ? v >> 8 : v & 0xff;
          pixels[2 * i + 1] = ds.big_endian ? v & 0xff : v >> 8;
        }
      element (&ds, 0x7fe0, 0x0010, "OW", pixels, sizeof pixels);
    }

  memcpy (preamble + 128, "DICM", 4);
  g_byte_array_append (file, preamble, sizeof preamble);
  {
    DcmWriter group = { file, FALSE, FALSE };
    guint32 len = meta.bytes->len;

    element (&group, 0x0002, 0x0000, "UL", &len, 4);
  }
  g_byte_array_append (file, meta.bytes->data, meta.bytes->len);
  if (strcmp (ts, TS_DEFLATED_LE) == 0)
    {
      z_stream zs = { 0 };
      guint8 out[65536];

      g_assert_cmpint (deflateInit2 (&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
      zs.next_in = ds.bytes->data;
      zs.avail_in = ds.bytes->len;
      zs.next_out = out;
      zs.avail_out = sizeof out;
      g_assert_cmpint (deflate (&zs, Z_FINISH), ==, Z_STREAM_END);
      g_byte_array_append (file, out, sizeof out - zs.avail_out);
      deflateEnd (&zs);
    }
  else
    g_byte_array_append (file, ds.bytes->data, ds.bytes->len);
  g_assert_true (g_file_set_contents (path, (const char *) file->data, file->len, NULL));
  g_byte_array_unref (meta.bytes);
  g_byte_array_unref (ds.bytes);
}

static const char *const transfer_syntaxes[] = {
  TS_IMPLICIT_LE, TS_EXPLICIT_LE, TS_DEFLATED_LE, TS_EXPLICIT_BE, TS_RLE,
};

/* The same two slices in every syntax: identical HU, padding as air, the same geometry.
 * Files are named so that name order is the reverse of position order. */
static void
test_dicom_transfer_syntaxes (gconstpointer data)
{
  const char *ts = data;
  g_autofree char *folder = g_build_filename (osp_test_tmpdir (), ts, NULL);
  gint16 stored[2][DCM_ROWS * DCM_COLS];
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  const guint32 dims[3] = { DCM_COLS, DCM_ROWS, 2 };
  const double spacing[3] = { 0.75, 0.5, 2.0 };
  const double origin[3] = { -10, 20.5, -3 };
  const double direction[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  const gint16 *hu;
  guint n_notes;

  for (guint k = 0; k < 2; k++)
    for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
      stored[k][i] = (gint16) (i == 5 ? -2000 : (int) (i * 37 + k * 500) - 300);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *name = g_strdup_printf ("slice-%u.dcm", 9 - k);
      g_autofree char *path = g_build_filename (folder, name, NULL);

      write_dicom_slice (path, ts, -3 + 2.0 * k, k + 1, stored[k]);
    }

  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_geometry (volume, dims, spacing, origin, direction, 1e-9);
  hu = osp_volume_get_data (volume);
  for (guint k = 0; k < 2; k++)
    for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
      g_assert_cmpint (hu[k * DCM_ROWS * DCM_COLS + i], ==,
                       i == 5 ? OSP_HU_AIR : stored[k][i] * 2 - 1024);
  osp_volume_get_notes (volume, &n_notes);
  g_assert_cmpuint (n_notes, ==, 0);
  g_assert_cmpstr (osp_volume_get_description (volume), ==, "CT — synthetic");
}

/* ---- DICOM series written by hand: one CT file of any shape (classic or enhanced) ---- */

typedef struct
{
  const char    *ts;              /* TS_EXPLICIT_LE or TS_IMPLICIT_LE */
  gboolean       no_preamble;     /* the data set alone: no preamble, no file meta */
  guint          instance;
  guint          n_frames;        /* > 1: an enhanced CT (functional groups; explicit VR) */
  const double  *positions;       /* 3 per frame; NULL for none */
  const char    *orientation;     /* NULL for none */
  const char    *pixel_spacing;   /* NULL for none */
  const char    *photometric;
  guint          representation;  /* 0 unsigned, 1 signed */
  guint          bits_stored;
  const double  *slopes;          /* per frame (enhanced) or [0] */
  const double  *intercepts;
  const guint16 *stored;          /* n_frames × DCM_ROWS × DCM_COLS */
} CtSpec;

static const double unit_slope[1] = { 1 };
static const double no_intercept[1] = { 0 };

static CtSpec
ct_spec (guint          instance,
         const double  *position,
         const guint16 *stored)
{
  CtSpec spec = { TS_EXPLICIT_LE, FALSE, instance, 1, position, "1\\0\\0\\0\\1\\0", "0.5\\0.75",
                  "MONOCHROME2", 1, 16, unit_slope, no_intercept, stored };

  return spec;
}

static void
ds_number (DcmWriter  *w,
           guint16     group,
           guint16     elem,
           double      value)
{
  char text_value[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text_value, sizeof text_value, "%.10g", value);
  text (w, group, elem, "DS", text_value);
}

/* A sequence of items (explicit VR little endian, defined lengths). */
static void
sequence (DcmWriter   *w,
          guint16      group,
          guint16      elem,
          GByteArray **items,
          guint        n_items)
{
  guint32 len = 0;

  for (guint i = 0; i < n_items; i++)
    len += 8 + items[i]->len;
  put16 (w, group);
  put16 (w, elem);
  g_byte_array_append (w->bytes, (const guint8 *) "SQ\0\0", 4);
  put32 (w, len);
  for (guint i = 0; i < n_items; i++)
    {
      put16 (w, 0xfffe);
      put16 (w, 0xe000);
      put32 (w, items[i]->len);
      g_byte_array_append (w->bytes, items[i]->data, items[i]->len);
      g_byte_array_unref (items[i]);
    }
}

/* One item holding one sequence of one item: a functional group macro. */
static GByteArray *
macro_item (guint16     group,
            guint16     elem,
            GByteArray *inner)
{
  DcmWriter w = { g_byte_array_new (), FALSE, FALSE };

  sequence (&w, group, elem, &inner, 1);
  return w.bytes;
}

static GByteArray *
concat (GByteArray *a,
        GByteArray *b)
{
  g_byte_array_append (a, b->data, b->len);
  g_byte_array_unref (b);
  return a;
}

static void
write_ct (const char   *path,
          const CtSpec *spec)
{
  DcmWriter meta = { g_byte_array_new (), FALSE, FALSE };
  DcmWriter ds = { g_byte_array_new (), FALSE, strcmp (spec->ts, TS_IMPLICIT_LE) == 0 };
  g_autoptr(GByteArray) file = g_byte_array_new ();
  gboolean enhanced = spec->n_frames > 1;
  const char *sop_class = enhanced ? "1.2.840.10008.5.1.4.1.1.2.1" : "1.2.840.10008.5.1.4.1.1.2";
  g_autofree char *sop_uid = g_strdup_printf ("1.2.826.0.1.3680043.9.9999.7.%u", spec->instance);
  g_autofree char *number = g_strdup_printf ("%u", spec->instance);
  g_autofree char *frames = g_strdup_printf ("%u", spec->n_frames);
  g_autofree guint8 *pixels = NULL;
  gsize n_values = (gsize) spec->n_frames * DCM_ROWS * DCM_COLS;
  static const guint8 version[2] = { 0, 1 };

  g_assert_true (!enhanced || !ds.implicit);
  text (&ds, 0x0008, 0x0016, "UI", sop_class);
  text (&ds, 0x0008, 0x0018, "UI", sop_uid);
  text (&ds, 0x0008, 0x0060, "CS", "CT");
  text (&ds, 0x0008, 0x103e, "LO", "spec");
  if (!enhanced)
    text (&ds, 0x0018, 0x0050, "DS", "2");
  text (&ds, 0x0020, 0x000d, "UI", "1.2.826.0.1.3680043.9.9999.7.1");
  text (&ds, 0x0020, 0x000e, "UI", "1.2.826.0.1.3680043.9.9999.7.2");
  text (&ds, 0x0020, 0x0013, "IS", number);
  if (!enhanced && spec->positions != NULL)
    {
      g_autofree char *ipp = g_strdup_printf ("%.10g\\%.10g\\%.10g", spec->positions[0],
                                              spec->positions[1], spec->positions[2]);

      text (&ds, 0x0020, 0x0032, "DS", ipp);
    }
  if (!enhanced && spec->orientation != NULL)
    text (&ds, 0x0020, 0x0037, "DS", spec->orientation);
  put_us (&ds, 0x0028, 0x0002, "US", 1);
  text (&ds, 0x0028, 0x0004, "CS", spec->photometric);
  if (enhanced)
    text (&ds, 0x0028, 0x0008, "IS", frames);
  put_us (&ds, 0x0028, 0x0010, "US", DCM_ROWS);
  put_us (&ds, 0x0028, 0x0011, "US", DCM_COLS);
  if (!enhanced && spec->pixel_spacing != NULL)
    text (&ds, 0x0028, 0x0030, "DS", spec->pixel_spacing);
  put_us (&ds, 0x0028, 0x0100, "US", 16);
  put_us (&ds, 0x0028, 0x0101, "US", (guint16) spec->bits_stored);
  put_us (&ds, 0x0028, 0x0102, "US", (guint16) (spec->bits_stored - 1));
  put_us (&ds, 0x0028, 0x0103, "US", (guint16) spec->representation);
  if (!enhanced)
    {
      ds_number (&ds, 0x0028, 0x1052, spec->intercepts[0]);
      ds_number (&ds, 0x0028, 0x1053, spec->slopes[0]);
    }
  else
    {
      GByteArray *shared, **per_frame = g_new (GByteArray *, spec->n_frames);
      DcmWriter orientation = { g_byte_array_new (), FALSE, FALSE };
      DcmWriter measures = { g_byte_array_new (), FALSE, FALSE };

      text (&orientation, 0x0020, 0x0037, "DS", spec->orientation);
      text (&measures, 0x0018, 0x0050, "DS", "2");
      text (&measures, 0x0028, 0x0030, "DS", spec->pixel_spacing);
      shared = concat (macro_item (0x0020, 0x9116, orientation.bytes),
                       macro_item (0x0028, 0x9110, measures.bytes));
      sequence (&ds, 0x5200, 0x9229, &shared, 1);
      for (guint f = 0; f < spec->n_frames; f++)
        {
          DcmWriter position = { g_byte_array_new (), FALSE, FALSE };
          DcmWriter transform = { g_byte_array_new (), FALSE, FALSE };
          g_autofree char *ipp = g_strdup_printf ("%.10g\\%.10g\\%.10g",
                                                  spec->positions[3 * f],
                                                  spec->positions[3 * f + 1],
                                                  spec->positions[3 * f + 2]);

          text (&position, 0x0020, 0x0032, "DS", ipp);
          ds_number (&transform, 0x0028, 0x1052, spec->intercepts[f]);
          ds_number (&transform, 0x0028, 0x1053, spec->slopes[f]);
          text (&transform, 0x0028, 0x1054, "LO", "HU");
          per_frame[f] = concat (macro_item (0x0020, 0x9113, position.bytes),
                                 macro_item (0x0028, 0x9145, transform.bytes));
        }
      sequence (&ds, 0x5200, 0x9230, per_frame, spec->n_frames);
      g_free (per_frame);
    }
  pixels = g_new (guint8, 2 * n_values);
  for (gsize i = 0; i < n_values; i++)
    {
      pixels[2 * i] = spec->stored[i] & 0xff;
      pixels[2 * i + 1] = spec->stored[i] >> 8;
    }
  element (&ds, 0x7fe0, 0x0010, "OW", pixels, (guint32) (2 * n_values));

  if (!spec->no_preamble)
    {
      guint8 preamble[132] = { 0 };
      DcmWriter group = { file, FALSE, FALSE };
      guint32 len;

      element (&meta, 0x0002, 0x0001, "OB", version, 2);
      text (&meta, 0x0002, 0x0002, "UI", sop_class);
      text (&meta, 0x0002, 0x0003, "UI", sop_uid);
      text (&meta, 0x0002, 0x0010, "UI", spec->ts);
      text (&meta, 0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.9.9999");
      memcpy (preamble + 128, "DICM", 4);
      g_byte_array_append (file, preamble, sizeof preamble);
      len = meta.bytes->len;
      element (&group, 0x0002, 0x0000, "UL", &len, 4);
      g_byte_array_append (file, meta.bytes->data, meta.bytes->len);
    }
  g_byte_array_append (file, ds.bytes->data, ds.bytes->len);
  g_assert_true (g_file_set_contents (path, (const char *) file->data, file->len, NULL));
  g_byte_array_unref (meta.bytes);
  g_byte_array_unref (ds.bytes);
}

/* A fresh folder under the test's temporary folder. */
static char *
fresh_folder (const char *name)
{
  char *folder = g_build_filename (osp_test_tmpdir (), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  return folder;
}

static char *
slice_path (const char *folder,
            guint       k)
{
  g_autofree char *name = g_strdup_printf ("s%02u.dcm", k);

  return g_build_filename (folder, name, NULL);
}

/* The HU of voxel i of slice k in the series tests below: even, for a slope of 2. */
static gint16
test_hu (guint k,
         guint i)
{
  return (gint16) (2 * ((int) i * 29 + (int) k * 51) - 1000);
}

static gboolean
has_note (const OspVolume *volume,
          const char      *word)
{
  guint n_notes;
  const char *const *notes = osp_volume_get_notes (volume, &n_notes);
  gboolean found = FALSE;

  for (guint i = 0; i < n_notes; i++)
    {
      g_test_message ("note: %s", notes[i]);
      found = found || strstr (notes[i], word) != NULL;
    }
  return found;
}

static void
assert_slice (const OspVolume *volume,
              guint            k,
              guint            source)
{
  const gint16 *hu = osp_volume_get_data (volume) + (gsize) k * DCM_ROWS * DCM_COLS;

  for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
    g_assert_cmpint (hu[i], ==, test_hu (source, i));
}

/* Every slice rescaled its own way, unsigned values above 32767 among them: the HU are the
 * same whatever the encoding. */
static void
test_dicom_rescale_per_slice (void)
{
  static const struct { guint representation; double slope, intercept; } codings[] = {
    { 1, 1, 0 }, { 1, 2, -1024 }, { 0, 1, -41000 }, { 0, 0.5, -3000 }, { 1, 1, 1000 },
  };
  g_autofree char *folder = fresh_folder ("rescale-per-slice");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  for (guint k = 0; k < G_N_ELEMENTS (codings); k++)
    {
      g_autofree char *path = slice_path (folder, 9 - k);
      guint16 stored[DCM_ROWS * DCM_COLS];
      double position[3] = { 0, 0, 3.0 * k };
      CtSpec spec = ct_spec (k + 1, position, stored);

      spec.representation = codings[k].representation;
      spec.slopes = &codings[k].slope;
      spec.intercepts = &codings[k].intercept;
      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        {
          double value = (test_hu (k, i) - codings[k].intercept) / codings[k].slope;

          g_assert_cmpfloat (value, >=, codings[k].representation ? -32768 : 0);
          g_assert_cmpfloat (value, <=, codings[k].representation ? 32767 : 65535);
          stored[i] = (guint16) (gint32) value;
        }
      write_ct (path, &spec);
    }
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < G_N_ELEMENTS (codings); k++)
    assert_slice (volume, k, k);
}

/* An enhanced CT: frames out of order, each with its own rescaling in its functional group,
 * and the first frame's position also at the top level. */
static void
test_dicom_enhanced_per_frame (void)
{
  static const guint order[4] = { 2, 0, 3, 1 };
  static const double slopes[4] = { 1, 2, 1, 0.5 };
  static const double intercepts[4] = { -1024, 0, 500, -2000 };
  g_autofree char *folder = fresh_folder ("enhanced");
  g_autofree char *path = g_build_filename (folder, "enhanced.dcm", NULL);
  guint16 stored[4 * DCM_ROWS * DCM_COLS];
  double positions[12];
  CtSpec spec = ct_spec (1, positions, stored);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint32 dims[3];
  double spacing[3];

  for (guint f = 0; f < 4; f++)
    {
      positions[3 * f] = 5;
      positions[3 * f + 1] = -7;
      positions[3 * f + 2] = 2.5 * order[f];
      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        stored[f * DCM_ROWS * DCM_COLS + i] =
          (guint16) (gint16) ((test_hu (order[f], i) - intercepts[f]) / slopes[f]);
    }
  spec.n_frames = 4;
  spec.slopes = slopes;
  spec.intercepts = intercepts;
  write_ct (path, &spec);

  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  g_assert_cmpuint (dims[2], ==, 4);
  g_assert_cmpfloat_with_epsilon (spacing[2], 2.5, 1e-9);
  for (guint k = 0; k < 4; k++)
    assert_slice (volume, k, k);
}

/* BitsStored 12 of 16: what lies above is masked (overlays, garbage), the sign taken from bit
 * 11; MONOCHROME1 only changes the display, and is noted. */
static void
test_dicom_bits_stored (void)
{
  for (guint representation = 0; representation < 2; representation++)
    {
      g_autofree char *name = g_strdup_printf ("bits-stored-%u", representation);
      g_autofree char *folder = fresh_folder (name);
      g_autoptr(OspVolume) volume = NULL;
      g_autoptr(GError) error = NULL;
      const double intercept = representation ? 0 : -1024;

      for (guint k = 0; k < 2; k++)
        {
          g_autofree char *path = slice_path (folder, k);
          guint16 stored[DCM_ROWS * DCM_COLS];
          double position[3] = { 0, 0, k };
          CtSpec spec = ct_spec (k + 1, position, stored);

          spec.representation = representation;
          spec.bits_stored = 12;
          spec.intercepts = &intercept;
          spec.photometric = representation ? "MONOCHROME1" : "MONOCHROME2";
          for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
            stored[i] = (guint16) (((int) (test_hu (k, i) - intercept) & 0x0fff) | 0xa000);
          write_ct (path, &spec);
        }
      volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      for (guint k = 0; k < 2; k++)
        assert_slice (volume, k, k);
      g_assert_true (has_note (volume, "MONOCHROME1") == (representation == 1));
    }
}

/* Implicit VR little endian without the 128-byte preamble and the file meta information, as
 * old exports write them. */
static void
test_dicom_no_preamble (void)
{
  g_autofree char *folder = fresh_folder ("no-preamble");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint n_notes;

  for (guint k = 0; k < 3; k++)
    {
      g_autofree char *path = slice_path (folder, k);
      guint16 stored[DCM_ROWS * DCM_COLS];
      double position[3] = { 0, 0, -2.0 * k };
      CtSpec spec = ct_spec (k + 1, position, stored);

      spec.ts = TS_IMPLICIT_LE;
      spec.no_preamble = TRUE;
      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        stored[i] = (guint16) test_hu (k, i);
      write_ct (path, &spec);
    }
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Sorted along the normal: the last file first. */
  for (guint k = 0; k < 3; k++)
    assert_slice (volume, k, 2 - k);
  osp_volume_get_notes (volume, &n_notes);
  g_assert_cmpuint (n_notes, ==, 0);
}

/* DICOM files named .IMG (as some old systems write them) are DICOM, not the voxel half of an
 * ANALYZE pair. */
static void
test_dicom_img_name (void)
{
  g_autofree char *folder = fresh_folder ("img-name");
  g_autofree char *path = g_build_filename (folder, "SLICE1.IMG", NULL);
  guint16 stored[DCM_ROWS * DCM_COLS];
  double position[3] = { 1, 2, 3 };
  CtSpec spec = ct_spec (1, position, stored);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
    stored[i] = (guint16) test_hu (0, i);
  write_ct (path, &spec);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_slice (volume, 0, 0);
}

/* Writes n slices of HU test_hu (k, ·) at z[k], with orientation[k] (NULL: the default). */
static void
write_stack (const char        *folder,
             guint              n,
             const double      *z,
             const char *const *orientations)
{
  for (guint k = 0; k < n; k++)
    {
      g_autofree char *path = slice_path (folder, k);
      guint16 stored[DCM_ROWS * DCM_COLS];
      double position[3] = { -3, 4, z[k] };
      CtSpec spec = ct_spec (k + 1, position, stored);

      if (orientations != NULL && orientations[k] != NULL)
        spec.orientation = orientations[k];
      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        stored[i] = (guint16) test_hu (k, i);
      write_ct (path, &spec);
    }
}

/* ---- decoding in a helper process: a decoder that aborts or hangs costs its file only ---- */

static const double decode_z[12] = { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22 };

/* One slice of twelve aborts the helper (an assertion in GDCM): the slice is skipped with a
 * note naming it, the others are whole; when every slice aborts, the error names a file. */
static void
test_dicom_decoder_abort (void)
{
  g_autofree char *folder = fresh_folder ("decoder-abort");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint32 dims[3];

  write_stack (folder, 12, decode_z, NULL);
  g_setenv ("OSP_DICOM_DECODE_TEST_ABORT", "s05.dcm", TRUE);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, DCM_COLS);
  g_assert_cmpuint (dims[1], ==, DCM_ROWS);
  g_assert_cmpuint (dims[2], ==, 12);  /* the gap at z = 10 is filled between its neighbours */
  g_assert_true (has_note (volume, "1 slice was skipped: s05.dcm: the image data could not be "
                                   "decoded (the decoder crashed)"));
  for (guint k = 0; k < 12; k++)
    if (k != 5)
      assert_slice (volume, k, k);
  g_clear_pointer (&volume, osp_volume_unref);

  g_setenv ("OSP_DICOM_DECODE_TEST_ABORT", ".dcm", TRUE);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_unsetenv ("OSP_DICOM_DECODE_TEST_ABORT");
  g_assert_null (volume);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "s"));
  g_assert_nonnull (strstr (error->message, ".dcm: the image data could not be decoded (the "
                                            "decoder crashed)"));
}

/* A helper that hangs on one slice is killed after the time-out; the slice is skipped. */
static void
test_dicom_decoder_hang (void)
{
  g_autofree char *folder = fresh_folder ("decoder-hang");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint32 dims[3];

  write_stack (folder, 12, decode_z, NULL);
  g_setenv ("OSP_DICOM_DECODE_TEST_HANG", "s07.dcm", TRUE);
  g_setenv ("OSP_DICOM_DECODE_TIMEOUT", "1", TRUE);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_unsetenv ("OSP_DICOM_DECODE_TEST_HANG");
  g_unsetenv ("OSP_DICOM_DECODE_TIMEOUT");
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, 12);
  g_assert_true (has_note (volume, "s07.dcm: the image data could not be decoded (the decoder "
                                   "took more than 1 second)"));
  for (guint k = 0; k < 12; k++)
    if (k != 7)
      assert_slice (volume, k, k);
}

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (G_USEC_PER_SEC / 4);
  g_cancellable_cancel (data);
  return NULL;
}

/* Cancelling while the helpers hang ends the load at once (the helpers are killed), not after
 * the time-out. */
static void
test_dicom_decoder_cancel (void)
{
  g_autofree char *folder = fresh_folder ("decoder-cancel");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  gint64 start;

  write_stack (folder, 4, decode_z, NULL);
  g_setenv ("OSP_DICOM_DECODE_TEST_HANG", ".dcm", TRUE);
  g_setenv ("OSP_DICOM_DECODE_TIMEOUT", "600", TRUE);
  thread = g_thread_new ("cancel", cancel_soon, cancellable);
  start = g_get_monotonic_time ();
  volume = osp_volume_load (folder, NULL, NULL, cancellable, &error);
  g_thread_join (thread);
  g_unsetenv ("OSP_DICOM_DECODE_TEST_HANG");
  g_unsetenv ("OSP_DICOM_DECODE_TIMEOUT");
  g_assert_null (volume);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Far below the 600 s time-out: the cancellation, not the time-out, ended it. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 300 * G_USEC_PER_SEC);
}

/* A file name that is not UTF-8 (a CD written elsewhere) reaches the helper intact. */
static void
test_dicom_decoder_latin1_name (void)
{
  g_autofree char *folder = fresh_folder ("decoder-latin1");
  g_autofree char *from = slice_path (folder, 1);
  g_autofree char *to = g_build_filename (folder, "s\xe9" "01.dcm", NULL);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint32 dims[3];

  write_stack (folder, 3, decode_z, NULL);
  g_assert_cmpint (g_rename (from, to), ==, 0);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, 3);
  for (guint k = 0; k < 3; k++)
    assert_slice (volume, k, k);
}

/* A decoder that cannot be found fails the load with a message that says so. */
static void
test_dicom_decoder_missing (void)
{
  g_autofree char *folder = fresh_folder ("decoder-missing");
  g_autofree char *missing = g_build_filename (folder, "no-such-decoder", NULL);
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  write_stack (folder, 3, decode_z, NULL);
  g_setenv ("OSP_DICOM_DECODER", missing, TRUE);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_unsetenv ("OSP_DICOM_DECODER");
  g_assert_null (volume);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-decoder"));
}

/* Direction cosines written with different rounding from slice to slice (across a rounding
 * boundary of 4 decimals) still make one stack. */
static void
test_dicom_orientation_rounding (void)
{
  static const char *const orientations[4] = {
    "1\\0.000049\\0\\-0.000049\\1\\0", "1\\0.000051\\0\\-0.000051\\1\\0",
    "0.99999999\\0.00005\\0\\-0.00005\\1\\0", "1\\0\\0\\0\\1\\0",
  };
  static const double z[4] = { 0, 1, 2, 3 };
  g_autofree char *folder = fresh_folder ("orientation-rounding");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint32 dims[3];
  guint n_notes;

  write_stack (folder, 4, z, orientations);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, 4);
  osp_volume_get_notes (volume, &n_notes);
  g_assert_cmpuint (n_notes, ==, 0);
}

/* Positions rounded to 0.01 mm (0.625 mm slices: 0, 0.63, 1.25, 1.88…) are a regular stack of
 * the mean step, not of the median one (which would stretch the series). */
static void
test_dicom_rounded_positions (void)
{
  g_autofree char *folder = fresh_folder ("rounded-positions");
  double z[40];
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  double spacing[3], ijk[3] = { 0, 0, 39 }, lps[3];
  guint n_notes;

  for (guint k = 0; k < G_N_ELEMENTS (z); k++)
    z[k] = round (62.5 * k) / 100;
  write_stack (folder, G_N_ELEMENTS (z), z, NULL);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[2], 24.38 / 39, 1e-9);
  osp_volume_index_to_lps (volume, ijk, lps);
  g_assert_cmpfloat_with_epsilon (lps[2], 24.38, 1e-9);
  osp_volume_get_notes (volume, &n_notes);
  g_assert_cmpuint (n_notes, ==, 0);
}

/* A slice missing in the middle: resampled across the gap, and the gap is named. */
static void
test_dicom_gap (void)
{
  static const double z[5] = { 0, 2, 4, 8, 10 };
  g_autofree char *folder = fresh_folder ("gap");
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  guint32 dims[3];

  write_stack (folder, 5, z, NULL);
  volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  osp_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, 6);
  g_assert_true (has_note (volume, "gap"));
  assert_slice (volume, 4, 3);
  {
    /* z = 6 is halfway between the slices at 4 and 8. */
    const gint16 *hu = osp_volume_get_data (volume) + (gsize) 3 * DCM_ROWS * DCM_COLS;

    for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
      g_assert_cmpint (hu[i], ==, (test_hu (2, i) + test_hu (3, i)) / 2);
  }
}

/* A slice without ImagePositionPatient among placed ones is left out (with a note), not put
 * anywhere; when no slice has a position they are stacked by instance number, not by name. */
static void
test_dicom_missing_positions (void)
{
  for (guint all = 0; all < 2; all++)
    {
      g_autofree char *name = g_strdup_printf ("missing-positions-%u", all);
      g_autofree char *folder = fresh_folder (name);
      g_autoptr(OspVolume) volume = NULL;
      g_autoptr(GError) error = NULL;
      guint32 dims[3];

      for (guint k = 0; k < 6; k++)
        {
          g_autofree char *path = slice_path (folder, k);
          guint16 stored[DCM_ROWS * DCM_COLS];
          double position[3] = { 0, 0, 2.0 * k };
          /* Instance numbers count down while the names count up. */
          CtSpec spec = ct_spec (10 - k, all || k == 2 ? NULL : position, stored);

          for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
            stored[i] = (guint16) test_hu (k, i);
          write_ct (path, &spec);
        }
      volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      osp_volume_get_dims (volume, dims);
      g_assert_cmpuint (dims[2], ==, 6);
      if (all)
        {
          for (guint k = 0; k < 6; k++)
            assert_slice (volume, k, 5 - k);
          g_assert_true (has_note (volume, "instance number"));
        }
      else
        {
          /* 0, 2, 6, 8, 10 mm: resampled at 2 mm over the gap left by the slice at 4 mm. */
          for (guint k = 0; k < 6; k++)
            if (k != 2)
              assert_slice (volume, k, k);
          g_assert_true (has_note (volume, "no position"));
        }
    }
}

/* No PixelSpacing: 1 mm, said; images of another pixel spacing in the series are left out. */
static void
test_dicom_pixel_spacing (void)
{
  g_autofree char *folder = fresh_folder ("pixel-spacing");
  g_autofree char *other = fresh_folder ("pixel-spacing-mixed");
  g_autoptr(GError) error = NULL;

  for (guint k = 0; k < 3; k++)
    {
      g_autofree char *path = slice_path (folder, k);
      g_autofree char *mixed = slice_path (other, k);
      guint16 stored[DCM_ROWS * DCM_COLS];
      double position[3] = { 0, 0, k };
      CtSpec spec = ct_spec (k + 1, position, stored);

      for (guint i = 0; i < DCM_ROWS * DCM_COLS; i++)
        stored[i] = (guint16) test_hu (k, i);
      spec.pixel_spacing = k == 1 ? "0.25\\0.375" : "0.5\\0.75";
      write_ct (mixed, &spec);
      spec.pixel_spacing = NULL;
      write_ct (path, &spec);
    }
  {
    g_autoptr(OspVolume) volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
    double spacing[3];

    g_assert_no_error (error);
    osp_volume_get_spacing (volume, spacing);
    g_assert_cmpfloat (spacing[0], ==, 1.0);
    g_assert_cmpfloat (spacing[1], ==, 1.0);
    g_assert_true (has_note (volume, "pixel spacing"));
  }
  {
    g_autoptr(OspVolume) volume = osp_volume_load (other, NULL, NULL, NULL, &error);
    guint32 dims[3];

    g_assert_no_error (error);
    osp_volume_get_dims (volume, dims);
    g_assert_cmpuint (dims[2], ==, 2);
    g_assert_true (has_note (volume, "left out"));
  }
}

static char *
find_bytes (char       *haystack,
            gsize       len,
            const char *needle,
            gsize       needle_len)
{
  for (gsize i = 0; i + needle_len <= len; i++)
    if (memcmp (haystack + i, needle, needle_len) == 0)
      return haystack + i;
  return NULL;
}

/* Sets the US value of the explicit-VR element that starts with `element` to 65535. */
static void
set_us_max (char       *contents,
            gsize       len,
            const char *element)
{
  char *at = find_bytes (contents, len, element, 8);

  if (at == NULL)
    g_error ("element not found");
  at[8] = (char) 0xff;
  at[9] = (char) 0xff;
}

/* A header that promises a 65535 × 65535 image in a file of a few hundred bytes is refused
 * before anything is allocated for it. */
static void
test_dicom_size_lie (void)
{
  g_autofree char *folder = g_build_filename (osp_test_tmpdir (), "size-lie", NULL);
  g_autofree char *path = g_build_filename (folder, "lie.dcm", NULL);
  gint16 stored[DCM_ROWS * DCM_COLS] = { 0 };
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  write_dicom_slice (path, TS_EXPLICIT_LE, 0, 1, stored);
  /* Rows and Columns become 65535, in place. */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  set_us_max (contents, len, "\x28\x00\x10\x00US\x02\x00");
  set_us_max (contents, len, "\x28\x00\x11\x00US\x02\x00");
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
  g_assert_null (osp_volume_load (path, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "lie.dcm"));
}

/* An element that claims 2 GB in a file of a few hundred bytes: refused before GDCM would
 * allocate by it. */
static void
test_dicom_element_lie (void)
{
  g_autofree char *folder = g_build_filename (osp_test_tmpdir (), "element-lie", NULL);
  g_autofree char *path = g_build_filename (folder, "claims.dcm", NULL);
  gint16 stored[DCM_ROWS * DCM_COLS] = { 0 };
  static const guint8 lie[12] = { 0xd0, 0x7f, 0x10, 0x00, 'U', 'T', 0, 0, 0xf0, 0xff, 0xff, 0x7f };
  g_autofree char *contents = NULL;
  g_autoptr(GByteArray) patched = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  char *pixels;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  write_dicom_slice (path, TS_EXPLICIT_LE, 0, 1, stored);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  pixels = find_bytes (contents, len, "\xe0\x7f\x10\x00OW", 6);
  if (pixels == NULL)
    g_error ("no pixel data");
  g_byte_array_append (patched, (const guint8 *) contents, (guint) (pixels - contents));
  g_byte_array_append (patched, lie, sizeof lie);
  g_byte_array_append (patched, (const guint8 *) pixels, (guint) (len - (pixels - contents)));
  g_assert_true (g_file_set_contents (path, (const char *) patched->data, patched->len, NULL));

  g_assert_null (osp_volume_load (path, NULL, NULL, NULL, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "claims.dcm"));
  g_assert_nonnull (strstr (error->message, "7FD0,0010"));
}

/* Writes an explicit-VR slice to folder/name with `extra` inserted before its pixel data. */
static char *
write_slice_with (const char   *folder,
                  const char   *name,
                  const guint8 *extra,
                  gsize         extra_len,
                  const gint16 *stored)
{
  char *path = g_build_filename (folder, name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GByteArray) patched = g_byte_array_new ();
  gsize len;
  char *pixels;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  write_dicom_slice (path, TS_EXPLICIT_LE, 0, 1, stored);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  pixels = find_bytes (contents, len, "\xe0\x7f\x10\x00OW", 6);
  if (pixels == NULL)
    g_error ("no pixel data");
  g_byte_array_append (patched, (const guint8 *) contents, (guint) (pixels - contents));
  g_byte_array_append (patched, extra, (guint) extra_len);
  g_byte_array_append (patched, (const guint8 *) pixels, (guint) (len - (pixels - contents)));
  g_assert_true (g_file_set_contents (path, (const char *) patched->data, patched->len, NULL));
  return path;
}

/* A UN of undefined length holds implicit-VR items (CP 246), as GDCM reads it: the file
 * loads. */
static void
test_dicom_un_sequence (void)
{
  g_autofree char *folder = g_build_filename (osp_test_tmpdir (), "un-sequence", NULL);
  static const guint8 un[] = {
    0xd1, 0x7f, 0x10, 0x10, 'U', 'N', 0, 0, 0xff, 0xff, 0xff, 0xff,  /* (7FD1,1010) UN */
    0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff,                  /* item */
    0xd1, 0x7f, 0x11, 0x10, 4, 0, 0, 0, 'a', 'b', 'c', 'd',          /* implicit VR */
    0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0,                              /* item end */
    0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0,                              /* sequence end */
  };
  gint16 stored[DCM_ROWS * DCM_COLS];
  g_autofree char *path = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  const gint16 *hu;

  for (guint i = 0; i < G_N_ELEMENTS (stored); i++)
    stored[i] = (gint16) (i * 11);
  path = write_slice_with (folder, "un.dcm", un, sizeof un, stored);
  volume = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  hu = osp_volume_get_data (volume);
  for (guint i = 0; i < G_N_ELEMENTS (stored); i++)
    g_assert_cmpint (hu[i], ==, stored[i] * 2 - 1024);
}

/* An element without a valid VR in an explicit-VR data set: GDCM would start guessing
 * encodings from there, so the file is refused, by name. */
static void
test_dicom_bad_vr (void)
{
  g_autofree char *folder = g_build_filename (osp_test_tmpdir (), "bad-vr", NULL);
  static const guint8 bad[] = { 0xd1, 0x7f, 0x10, 0x10, 0, 0, 4, 0, 'a', 'b', 'c', 'd' };
  gint16 stored[DCM_ROWS * DCM_COLS] = { 0 };
  g_autofree char *path = write_slice_with (folder, "bad-vr.dcm", bad, sizeof bad, stored);
  g_autoptr(GError) error = NULL;

  g_assert_null (osp_volume_load (path, NULL, NULL, NULL, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad-vr.dcm"));
  g_assert_nonnull (strstr (error->message, "7FD1,1010"));
}

/* An ImageOrientationPatient that is no orientation (zeros, parallel axes, a zero axis) loaded
 * as "sagittal" and lost slices: the series loads whole, taken as axial, with a note. */
static void
test_dicom_bad_orientation (void)
{
  static const char *const bad[] = {
    "0\\0\\0\\0\\0\\0",
    "1\\0\\0\\1\\0\\0",
    "1\\0\\0\\0\\0\\0",
    "2\\0\\0\\0\\2\\0",
  };
  static const double z[4] = { 0, 1, 2, 3 };

  for (guint c = 0; c < G_N_ELEMENTS (bad); c++)
    {
      g_autofree char *name = g_strdup_printf ("bad-orientation-%u", c);
      g_autofree char *folder = fresh_folder (name);
      const char *orientations[4] = { bad[c], bad[c], bad[c], bad[c] };
      g_autoptr(OspVolume) volume = NULL;
      g_autoptr(GError) error = NULL;
      const char *const *notes;
      gboolean found = FALSE;
      guint32 dims[3];
      guint n_notes;
      double ijk[3] = { 0, 0, 3 }, lps[3];

      write_stack (folder, 4, z, orientations);
      volume = osp_volume_load (folder, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      osp_volume_get_dims (volume, dims);
      g_assert_cmpuint (dims[2], ==, 4);
      osp_volume_index_to_lps (volume, ijk, lps);
      g_assert_cmpfloat_with_epsilon (lps[2], 3.0, 1e-9);
      notes = osp_volume_get_notes (volume, &n_notes);
      for (guint i = 0; i < n_notes; i++)
        {
          g_test_message ("%s: %s", bad[c], notes[i]);
          found |= strstr (notes[i], "ImageOrientationPatient") != NULL;
        }
      g_assert_true (found);
    }
}

/* Two series, the larger without a description: the note names it in words and counts its
 * slices in a whole sentence (it said “loaded the CT series “” with 1 slices”). */
static void
test_dicom_series_note (void)
{
  static const double z[3] = { 0, 1, 2 };
  g_autofree char *folder = fresh_folder ("series-note");
  OspVolumeLoadOptions options = OSP_VOLUME_LOAD_OPTIONS_INIT;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  const char *const *notes;
  gboolean found = FALSE;
  guint n_notes;

  write_stack (folder, 3, z, NULL);
  /* Slices 1 and 2 become another series (UID …7.2 → …7.3) with a blank description. */
  for (guint k = 1; k < 3; k++)
    {
      g_autofree char *path = slice_path (folder, k);
      g_autofree char *data = NULL;
      gsize len;
      guint changed = 0;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      /* The elements themselves (explicit VR little endian: tag, VR, length, value). */
      for (gsize i = 0; i + 8 + 30 <= len; i++)
        if (memcmp (data + i, "\x20\x00\x0e\x00UI", 6) == 0 &&
            memcmp (data + i + 8, "1.2.826.0.1.3680043.9.9999.7.2", 30) == 0)
          data[i + 8 + 29] = '3', changed++;
        else if (memcmp (data + i, "\x08\x00\x3e\x10LO", 6) == 0 &&
                 memcmp (data + i + 8, "spec", 4) == 0)
          memcpy (data + i + 8, "    ", 4), changed++;
      g_assert_cmpuint (changed, ==, 2);
      g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
    }
  volume = osp_volume_load (folder, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  notes = osp_volume_get_notes (volume, &n_notes);
  for (guint i = 0; i < n_notes; i++)
    {
      g_test_message ("%s", notes[i]);
      if (strstr (notes[i], "2 series") != NULL)
        {
          found = TRUE;
          g_assert_nonnull (strstr (notes[i], "without a description, with 2 slices"));
          g_assert_null (strstr (notes[i], "“”"));
        }
    }
  g_assert_true (found);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/volume-io/nifti/round-trip/nii", "rt.nii", test_round_trip);
  g_test_add_data_func ("/volume-io/nifti/round-trip/nii.gz", "rt.nii.gz", test_round_trip);
  g_test_add_func ("/volume-io/nifti/datatypes", test_datatypes);
  g_test_add_func ("/volume-io/nifti/datatypes-chunked", test_datatypes_chunked);
  g_test_add_func ("/volume-io/nifti/qform-pixdim-units", test_qform_and_pixdim);
  g_test_add_func ("/volume-io/nifti/sheared", test_sheared);
  g_test_add_func ("/volume-io/nifti/four-d", test_four_d);
  g_test_add_func ("/volume-io/nifti/two-d", test_two_d);
  g_test_add_func ("/volume-io/nifti/nifti2-big-endian-gz", test_nifti2);
  g_test_add_func ("/volume-io/nifti/hdr-img-pair", test_pair);
  for (guint c = 0; c < G_N_ELEMENTS (hostile_cases); c++)
    {
      g_autofree char *name = g_strdup_printf ("/volume-io/nifti/hostile/%s",
                                               hostile_cases[c].name);

      g_test_add_data_func (name, &hostile_cases[c], test_hostile);
    }
  g_test_add_func ("/volume-io/nifti/hostile-nifti2", test_hostile_nifti2);
  g_test_add_func ("/volume-io/nifti/not-nifti", test_not_nifti);
  g_test_add_func ("/volume-io/cancel", test_cancel);
  g_test_add_func ("/volume-io/nifti/qform-negative-pixdim", test_qform_negative_pixdim);
  for (guint t = 0; t < G_N_ELEMENTS (transfer_syntaxes); t++)
    {
      g_autofree char *name = g_strdup_printf ("/volume-io/dicom/transfer-syntax/%s",
                                               transfer_syntaxes[t]);

      g_test_add_data_func (name, transfer_syntaxes[t], test_dicom_transfer_syntaxes);
    }
  g_test_add_func ("/volume-io/dicom/rescale-per-slice", test_dicom_rescale_per_slice);
  g_test_add_func ("/volume-io/dicom/enhanced-per-frame", test_dicom_enhanced_per_frame);
  g_test_add_func ("/volume-io/dicom/bits-stored", test_dicom_bits_stored);
  g_test_add_func ("/volume-io/dicom/no-preamble", test_dicom_no_preamble);
  g_test_add_func ("/volume-io/dicom/img-name", test_dicom_img_name);
  g_test_add_func ("/volume-io/dicom/orientation-rounding", test_dicom_orientation_rounding);
  g_test_add_func ("/volume-io/dicom/bad-orientation", test_dicom_bad_orientation);
  g_test_add_func ("/volume-io/dicom/series-note", test_dicom_series_note);
  g_test_add_func ("/volume-io/dicom/rounded-positions", test_dicom_rounded_positions);
  g_test_add_func ("/volume-io/dicom/gap", test_dicom_gap);
  g_test_add_func ("/volume-io/dicom/missing-positions", test_dicom_missing_positions);
  g_test_add_func ("/volume-io/dicom/pixel-spacing", test_dicom_pixel_spacing);
  g_test_add_func ("/volume-io/dicom/size-lie", test_dicom_size_lie);
  g_test_add_func ("/volume-io/dicom/element-lie", test_dicom_element_lie);
  g_test_add_func ("/volume-io/dicom/un-sequence", test_dicom_un_sequence);
  g_test_add_func ("/volume-io/dicom/bad-vr", test_dicom_bad_vr);
  g_test_add_func ("/volume-io/dicom/decoder-abort", test_dicom_decoder_abort);
  g_test_add_func ("/volume-io/dicom/decoder-hang", test_dicom_decoder_hang);
  g_test_add_func ("/volume-io/dicom/decoder-cancel", test_dicom_decoder_cancel);
  g_test_add_func ("/volume-io/dicom/decoder-missing", test_dicom_decoder_missing);
  g_test_add_func ("/volume-io/dicom/decoder-latin1-name", test_dicom_decoder_latin1_name);
  return g_test_run ();
}
