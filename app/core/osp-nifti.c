/* osp-nifti.c — NIfTI-1, NIfTI-2 and ANALYZE 7.5 volumes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * nifticlib trusts the sizes in a header and prints to stderr, so it never sees a file here:
 * we check the header ourselves (dimensions, datatype, offset against the file size, memory)
 * and use nifticlib's header layouts, byte swapping and quaternion maths.  The voxels are read
 * slice by slice through zlib (plain files too), which gives progress, cancellation and a
 * clear message when a file ends early.
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <nifti2_io.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "osp-atomic-file.h"
#include "osp-error.h"
#include "osp-patient.h"
#include "osp-input.h"
#include "osp-memory.h"
#include "osp-volume-io-private.h"

/* Deflate never expands data by more than about 1032:1, so a gzip file of n bytes cannot hold
 * more than this many times n: a header that promises more is lying. */
#define GZIP_MAX_RATIO 1040

/* A header, whatever its version and byte order, in native types. */
typedef struct
{
  int      version;      /* 0 = ANALYZE 7.5, 1 = NIfTI-1, 2 = NIfTI-2 */
  gboolean swapped;
  gboolean pair;         /* voxels in a separate .img file */
  gint64   dim[8];
  double   pixdim[8];
  int      datatype;
  double   vox_offset;
  double   scl_slope;
  double   scl_inter;
  int      qform_code;
  int      sform_code;
  double   quatern[3];
  double   qoffset[3];
  double   srow[3][4];
  int      xyzt_units;
  char     descrip[81];
} NiftiHeader;

static gboolean
is_gzip (const guint8 *head,
         gsize         len)
{
  return len >= 2 && head[0] == 0x1f && head[1] == 0x8b;
}

gboolean
osp_nifti_sniff (const guint8 *head,
                 gsize         len)
{
  gint32 size;

  if (is_gzip (head, len))
    return TRUE;  /* checked properly once decompressed */
  if (len < 4)
    return FALSE;
  memcpy (&size, head, 4);
  return size == 348 || size == 540 ||
         GUINT32_SWAP_LE_BE ((guint32) size) == 348 || GUINT32_SWAP_LE_BE ((guint32) size) == 540;
}

/* Reads up to len bytes; returns how many (fewer at the end of the file) or -1. */
static gint64
gz_read_full (gzFile  file,
              void   *buffer,
              guint64 len)
{
  guint64 done = 0;

  while (done < len)
    {
      unsigned chunk = (unsigned) MIN (len - done, (guint64) 1 << 30);
      int n = gzread (file, (guint8 *) buffer + done, chunk);

      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += (guint64) n;
    }
  return (gint64) done;
}

static gboolean
datatype_size (int  datatype,
               int *out_size)
{
  switch (datatype)
    {
    case NIFTI_TYPE_UINT8:
    case NIFTI_TYPE_INT8:
      *out_size = 1;
      return TRUE;
    case NIFTI_TYPE_INT16:
    case NIFTI_TYPE_UINT16:
      *out_size = 2;
      return TRUE;
    case NIFTI_TYPE_INT32:
    case NIFTI_TYPE_UINT32:
    case NIFTI_TYPE_FLOAT32:
      *out_size = 4;
      return TRUE;
    case NIFTI_TYPE_INT64:
    case NIFTI_TYPE_UINT64:
    case NIFTI_TYPE_FLOAT64:
      *out_size = 8;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The NIfTI types we cannot read as a CT, in the user's terms (nifticlib calls type 1
 * "unknown"); NULL for a number that is no NIfTI type. */
static const char *
datatype_words (int datatype)
{
  switch (datatype)
    {
    case DT_BINARY:
      return _("single bits (a binary mask)");
    case NIFTI_TYPE_COMPLEX64:
    case NIFTI_TYPE_COMPLEX128:
    case NIFTI_TYPE_COMPLEX256:
      return _("complex numbers");
    case NIFTI_TYPE_RGB24:
      return _("RGB colours");
    case NIFTI_TYPE_RGBA32:
      return _("RGBA colours");
    case NIFTI_TYPE_FLOAT128:
      return _("128-bit floating-point numbers");
    default:
      return NULL;
    }
}

static gboolean
parse_header (const guint8 *buf,
              gsize         len,
              const char   *name,
              NiftiHeader  *h,
              GError      **error)
{
  gint32 size;

  memset (h, 0, sizeof *h);
  if (len < 4)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s: the file is too short for a NIfTI header (%zu byte)",
                                "%s: the file is too short for a NIfTI header (%zu bytes)", len),
                   name, len);
      return FALSE;
    }
  memcpy (&size, buf, 4);
  if (size == 348 || GUINT32_SWAP_LE_BE ((guint32) size) == 348)
    {
      nifti_1_header n1;

      if (len < sizeof n1)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the file ends inside its NIfTI-1 header (%zu"
                         " of 348 bytes)"), name, len);
          return FALSE;
        }
      memcpy (&n1, buf, sizeof n1);
      h->swapped = size != 348;
      if (h->swapped)
        nifti_swap_as_nifti1 (&n1);
      if (memcmp (n1.magic, "n+1", 4) == 0)
        h->version = 1;
      else if (memcmp (n1.magic, "ni1", 4) == 0)
        h->version = 1, h->pair = TRUE;
      else
        h->version = 0, h->pair = TRUE;
      for (guint a = 0; a < 8; a++)
        {
          h->dim[a] = n1.dim[a];
          h->pixdim[a] = n1.pixdim[a];
        }
      h->datatype = n1.datatype;
      h->vox_offset = n1.vox_offset;
      if (h->version > 0)
        {
          h->scl_slope = n1.scl_slope;
          h->scl_inter = n1.scl_inter;
          h->qform_code = n1.qform_code;
          h->sform_code = n1.sform_code;
          h->quatern[0] = n1.quatern_b;
          h->quatern[1] = n1.quatern_c;
          h->quatern[2] = n1.quatern_d;
          h->qoffset[0] = n1.qoffset_x;
          h->qoffset[1] = n1.qoffset_y;
          h->qoffset[2] = n1.qoffset_z;
          for (guint c = 0; c < 4; c++)
            {
              h->srow[0][c] = n1.srow_x[c];
              h->srow[1][c] = n1.srow_y[c];
              h->srow[2][c] = n1.srow_z[c];
            }
          h->xyzt_units = n1.xyzt_units;
        }
      memcpy (h->descrip, n1.descrip, 80);
    }
  else if (size == 540 || GUINT32_SWAP_LE_BE ((guint32) size) == 540)
    {
      nifti_2_header n2;

      if (len < sizeof n2)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the file ends inside its NIfTI-2 header (%zu"
                         " of 540 bytes)"), name, len);
          return FALSE;
        }
      memcpy (&n2, buf, sizeof n2);
      h->swapped = size != 540;
      if (h->swapped)
        nifti_swap_as_nifti2 (&n2);
      h->version = 2;
      if (memcmp (n2.magic, "ni2", 4) == 0)
        h->pair = TRUE;
      else if (memcmp (n2.magic, "n+2", 4) != 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a NIfTI-2 header without the “n+2” or “ni2” mark"), name);
          return FALSE;
        }
      for (guint a = 0; a < 8; a++)
        {
          h->dim[a] = n2.dim[a];
          h->pixdim[a] = n2.pixdim[a];
        }
      h->datatype = n2.datatype;
      h->vox_offset = (double) n2.vox_offset;
      h->scl_slope = n2.scl_slope;
      h->scl_inter = n2.scl_inter;
      h->qform_code = n2.qform_code;
      h->sform_code = n2.sform_code;
      h->quatern[0] = n2.quatern_b;
      h->quatern[1] = n2.quatern_c;
      h->quatern[2] = n2.quatern_d;
      h->qoffset[0] = n2.qoffset_x;
      h->qoffset[1] = n2.qoffset_y;
      h->qoffset[2] = n2.qoffset_z;
      for (guint c = 0; c < 4; c++)
        {
          h->srow[0][c] = n2.srow_x[c];
          h->srow[1][c] = n2.srow_y[c];
          h->srow[2][c] = n2.srow_z[c];
        }
      h->xyzt_units = n2.xyzt_units;
      memcpy (h->descrip, n2.descrip, 80);
    }
  else
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT,
                   _("%s: not a NIfTI or ANALYZE file (the header size is %d, not 348 or 540)"),
                   name, (int) size);
      return FALSE;
    }
  h->descrip[80] = '\0';
  return TRUE;
}

/* Checks what the header promises before anything is allocated: the dimensions, the datatype
 * and the offset.  Sets the voxel counts; dimensions past dim[0] become 1. */
static gboolean
validate_header (NiftiHeader       *h,
                 const char        *name,
                 int               *out_nbyper,
                 guint64           *out_volume_values,
                 guint64           *out_all_values,
                 guint64           *out_n_volumes,
                 GError           **error)
{
  gint64 ndim = h->dim[0];
  guint64 n_volume = 1, n_volumes = 1;

  if (ndim < 1 || ndim > 7)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the header gives %" PRId64 " dimensions (dim[0]), not 1 to 7"),
                   name, ndim);
      return FALSE;
    }
  for (gint64 a = 1; a <= ndim; a++)
    {
      if (h->dim[a] < 1)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: dimension %d of the image is %" PRId64), name, (int) a,
                       h->dim[a]);
          return FALSE;
        }
      if (a <= 3 && h->dim[a] > G_MAXUINT32)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                       _("%s: dimension %d of the image is %" PRId64 ", too large"),
                       name, (int) a, h->dim[a]);
          return FALSE;
        }
      if (!osp_size_mul (a <= 3 ? n_volume : n_volumes, (guint64) h->dim[a],
                         a <= 3 ? &n_volume : &n_volumes))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                       _("%s: the image dimensions overflow"), name);
          return FALSE;
        }
    }
  if (!datatype_size (h->datatype, out_nbyper))
    {
      const char *what = datatype_words (h->datatype);

      if (what != NULL)
        g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                     _("%s: the voxels are %s, not one number each as in a CT: the file cannot "
                       "be read as a scan"), name, what);
      else
        g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                     _("%s: the header names no valid voxel type (%d): the file is damaged or "
                       "not a scan"), name, h->datatype);
      return FALSE;
    }
  if (!isfinite (h->vox_offset) || h->vox_offset < 0 || h->vox_offset > (double) G_MAXINT64 / 2)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the voxel offset %g is invalid"), name, h->vox_offset);
      return FALSE;
    }
  for (gint64 a = ndim + 1; a < 8; a++)
    h->dim[a] = 1;
  *out_volume_values = n_volume;
  *out_n_volumes = n_volumes;
  if (!osp_size_mul (n_volume, n_volumes, out_all_values))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: the image dimensions overflow"), name);
      return FALSE;
    }
  return TRUE;
}

/* The other file of a .hdr/.img pair ("x.hdr" ↔ "x.img", also .gz and upper case), or NULL
 * when the name has neither ending. */
static char *
pair_partner (const char *path,
              gboolean    want_img)
{
  static const char *const hdr_ext[] = { ".hdr", ".hdr.gz", ".HDR", ".HDR.GZ" };
  static const char *const img_ext[] = { ".img", ".img.gz", ".IMG", ".IMG.GZ" };
  const char *const *from = want_img ? hdr_ext : img_ext;
  const char *const *to = want_img ? img_ext : hdr_ext;
  char *fallback = NULL;

  for (guint e = 0; e < G_N_ELEMENTS (hdr_ext); e++)
    {
      g_autofree char *stem = NULL;

      if (!g_str_has_suffix (path, from[e]))
        continue;
      stem = g_strndup (path, strlen (path) - strlen (from[e]));
      /* Prefer the partner that exists: with or without .gz, either case. */
      for (guint t = 0; t < G_N_ELEMENTS (hdr_ext); t++)
        {
          char *candidate = g_strconcat (stem, to[t], NULL);

          if (g_file_test (candidate, G_FILE_TEST_EXISTS))
            {
              g_free (fallback);
              return candidate;
            }
          if (t == e)
            fallback = candidate;
          else
            g_free (candidate);
        }
      return fallback;
    }
  return NULL;
}

/* Builds the index → LPS geometry from the header: sform when its code is set, else qform,
 * else the pixel sizes alone.  Notes what the user should know. */
/* Plausible voxel sizes (mm): micro-CT to the coarsest scout. */
#define MIN_VOXEL_MM 0.001
#define MAX_VOXEL_MM 100.0

static gboolean
header_geometry (const NiftiHeader *h,
                 const char        *name,
                 double             out_spacing[3],
                 double             out_origin[3],
                 double             out_direction[9],
                 GPtrArray         *notes,
                 GError           **error)
{
  double m[3][4];
  double unit = 1.0;
  int source = 0;  /* 2 = sform, 1 = qform, 0 = pixdim */

  for (int candidate = 2; candidate >= 0; candidate--)
    {
      gboolean ok = TRUE;

      if (candidate == 2)
        {
          if (h->sform_code <= 0)
            continue;
          memcpy (m, h->srow, sizeof m);
        }
      else if (candidate == 1)
        {
          nifti_dmat44 q;
          double qfac = h->pixdim[0] < 0 ? -1.0 : 1.0;

          if (h->qform_code <= 0)
            continue;
          /* The voxel sizes are |pixdim| (nifti1.h; nifticlib's own reader takes fabs()):
           * nifti_quatern_to_dmat44() would turn a negative one into 1 mm.  The sign of a
           * flipped axis lives in qfac, not in pixdim. */
          q = nifti_quatern_to_dmat44 (h->quatern[0], h->quatern[1], h->quatern[2],
                                       h->qoffset[0], h->qoffset[1], h->qoffset[2],
                                       fabs (h->pixdim[1]), fabs (h->pixdim[2]),
                                       fabs (h->pixdim[3]), qfac);
          for (guint r = 0; r < 3; r++)
            for (guint c = 0; c < 4; c++)
              m[r][c] = q.m[r][c];
        }
      else
        {
          gboolean assumed = FALSE;

          memset (m, 0, sizeof m);
          for (guint a = 0; a < 3; a++)
            {
              double d = fabs (h->pixdim[a + 1]);

              m[a][a] = isfinite (d) && d > 0 ? d : 1.0;
              assumed |= m[a][a] != d;
            }
          /* A sane fallback, but never a silent one: distances would be wrong. */
          if (assumed)
            g_ptr_array_add (notes,
                             g_strdup_printf (_("%s: the header gives no valid voxel size "
                                                "(%g × %g × %g); 1 mm was assumed where it is "
                                                "missing, so distances and volumes may be wrong"),
                                              name, h->pixdim[1], h->pixdim[2], h->pixdim[3]));
        }

      /* A usable affine: finite, no zero axis, not flat. */
      for (guint r = 0; r < 3 && ok; r++)
        for (guint c = 0; c < 4; c++)
          ok = ok && isfinite (m[r][c]);
      if (ok)
        {
          double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);

          ok = isfinite (det) && fabs (det) > 1e-12;
        }
      if (ok)
        {
          source = candidate;
          break;
        }
      g_ptr_array_add (notes, g_strdup_printf (candidate == 2
                                                 ? _("%s: the sform is unusable and was ignored")
                                                 : _("%s: the qform is unusable and was ignored"),
                                               name));
    }
  if (source == 0)
    g_ptr_array_add (notes,
                     g_strdup_printf (_("%s gives no orientation (no qform or sform); the voxel "
                                        "axes were taken as the patient axes"), name));

  switch (h->xyzt_units & 0x07)
    {
    case NIFTI_UNITS_METER:
      unit = 1000.0;
      break;
    case NIFTI_UNITS_MICRON:
      unit = 0.001;
      break;
    default:
      break;
    }

  /* NIfTI world coordinates are RAS; ours are LPS. */
  for (guint c = 0; c < 4; c++)
    {
      /* + 0.0 turns −0 into 0 for tidy output. */
      m[0][c] = -m[0][c] * unit + 0.0;
      m[1][c] = -m[1][c] * unit + 0.0;
      m[2][c] = m[2][c] * unit + 0.0;
    }
  for (guint a = 0; a < 3; a++)
    {
      double len = sqrt (m[0][a] * m[0][a] + m[1][a] * m[1][a] + m[2][a] * m[2][a]);

      if (!(len > 0) || !isfinite (len))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the voxel size is zero or invalid"), name);
          return FALSE;
        }
      /* No scanner makes voxels of a micrometre or of several centimetres: a header that says
       * so (pixdim 1e30) is broken, and no size can stand in for it. */
      if (len < MIN_VOXEL_MM || len > MAX_VOXEL_MM)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the voxel size along axis %u is %.3g mm, outside the %g–%g mm any "
                         "scan has: the header is damaged"), name, a + 1, len, MIN_VOXEL_MM,
                       MAX_VOXEL_MM);
          return FALSE;
        }
      out_spacing[a] = len;
      for (guint r = 0; r < 3; r++)
        out_direction[3 * a + r] = m[r][a] / len;
      out_origin[a] = m[a][3];
    }

  /* A sheared affine is kept exactly (OspVolume places voxels through the full affine), but
   * the user should know the grid is not rectangular. */
  {
    double worst = 0;

    for (guint a = 0; a < 3; a++)
      for (guint b = a + 1; b < 3; b++)
        {
          double dot = 0;

          for (guint r = 0; r < 3; r++)
            dot += out_direction[3 * a + r] * out_direction[3 * b + r];
          worst = MAX (worst, fabs (dot));
        }
    if (worst > 1e-3)
      g_ptr_array_add (notes,
                       g_strdup_printf (_("%s: the voxel axes are sheared (%.1f° from "
                                          "perpendicular); voxels are placed by the full affine"),
                                        name, asin (MIN (worst, 1.0)) * 180 / G_PI));
  }
  return TRUE;
}

static inline void
swap_values (guint8 *data,
             gsize   n,
             int     size)
{
  switch (size)
    {
    case 2:
      for (gsize v = 0; v < n; v++)
        {
          guint16 x;

          memcpy (&x, data + 2 * v, 2);
          x = GUINT16_SWAP_LE_BE (x);
          memcpy (data + 2 * v, &x, 2);
        }
      break;
    case 4:
      for (gsize v = 0; v < n; v++)
        {
          guint32 x;

          memcpy (&x, data + 4 * v, 4);
          x = GUINT32_SWAP_LE_BE (x);
          memcpy (data + 4 * v, &x, 4);
        }
      break;
    case 8:
      for (gsize v = 0; v < n; v++)
        {
          guint64 x;

          memcpy (&x, data + 8 * v, 8);
          x = GUINT64_SWAP_LE_BE (x);
          memcpy (data + 8 * v, &x, 8);
        }
      break;
    default:
      break;
    }
}

static inline gint16
to_hu (double   value,
       guint64 *clamped)
{
  if (isnan (value))
    return OSP_HU_AIR;
  value = nearbyint (value);
  if (value < G_MININT16)
    {
      (*clamped)++;
      return G_MININT16;
    }
  if (value > G_MAXINT16)
    {
      (*clamped)++;
      return G_MAXINT16;
    }
  return (gint16) value;
}

#define CONVERT_LOOP(type)                                               \
  for (gsize v = 0; v < n; v++)                                          \
    {                                                                    \
      type x;                                                            \
      memcpy (&x, raw + v * sizeof (type), sizeof (type));               \
      out[v] = to_hu ((double) x * slope + inter, clamped);              \
    }

/* Raw values (native order) → HU with the scaling applied.  raw may overlap out when its
 * values are no wider than 2 bytes and start at or after out (each value is read before the
 * write that could reach it). */
static void
convert_values (const guint8 *raw,
                gsize         n,
                int           datatype,
                double        slope,
                double        inter,
                gint16       *out,
                guint64      *clamped)
{
  if (datatype == NIFTI_TYPE_INT16 && slope == 1.0 && inter == 0.0)
    {
      if ((const guint8 *) out != raw)
        memmove (out, raw, n * 2);
      return;
    }
  switch (datatype)
    {
    case NIFTI_TYPE_UINT8: CONVERT_LOOP (guint8); break;
    case NIFTI_TYPE_INT8: CONVERT_LOOP (gint8); break;
    case NIFTI_TYPE_INT16: CONVERT_LOOP (gint16); break;
    case NIFTI_TYPE_UINT16: CONVERT_LOOP (guint16); break;
    case NIFTI_TYPE_INT32: CONVERT_LOOP (gint32); break;
    case NIFTI_TYPE_UINT32: CONVERT_LOOP (guint32); break;
    case NIFTI_TYPE_INT64: CONVERT_LOOP (gint64); break;
    case NIFTI_TYPE_UINT64: CONVERT_LOOP (guint64); break;
    case NIFTI_TYPE_FLOAT32: CONVERT_LOOP (float); break;
    case NIFTI_TYPE_FLOAT64: CONVERT_LOOP (double); break;
    default: g_assert_not_reached ();
    }
}

#undef CONVERT_LOOP

/* For 1- and 2-byte values: every raw value's HU (and whether it was clamped) computed once by
 * convert_values itself, so that a lookup gives bit-identical results. */
typedef struct
{
  gint16 *hu;
  guint8 *clamped;
} ConvertTable;

static void
convert_table_clear (ConvertTable *table)
{
  g_clear_pointer (&table->hu, g_free);
  g_clear_pointer (&table->clamped, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConvertTable, convert_table_clear)

static gboolean
convert_table_init (ConvertTable *table,
                    int           datatype,
                    int           nbyper,
                    double        slope,
                    double        inter)
{
  gsize n = (gsize) 1 << (8 * nbyper);
  g_autofree guint8 *raw = g_try_malloc (n * (gsize) nbyper);

  table->hu = g_try_new (gint16, n);
  table->clamped = g_try_new (guint8, n);
  if (raw == NULL || table->hu == NULL || table->clamped == NULL)
    {
      g_clear_pointer (&table->hu, g_free);
      g_clear_pointer (&table->clamped, g_free);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (nbyper == 1)
        raw[i] = (guint8) i;
      else
        {
          guint16 x = (guint16) i;

          memcpy (raw + 2 * i, &x, 2);
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      guint64 clamped = 0;

      convert_values (raw + i * (gsize) nbyper, 1, datatype, slope, inter, table->hu + i,
                      &clamped);
      table->clamped[i] = clamped > 0;
    }
  return TRUE;
}

/* convert_values through the table; the same overlap rules. */
static void
convert_with_table (const ConvertTable *table,
                    const guint8       *raw,
                    gsize               n,
                    int                 nbyper,
                    gint16             *out,
                    guint64            *clamped)
{
  guint64 count = 0;

  if (nbyper == 1)
    for (gsize v = 0; v < n; v++)
      {
        guint8 x = raw[v];

        count += table->clamped[x];
        out[v] = table->hu[x];
      }
  else
    for (gsize v = 0; v < n; v++)
      {
        guint16 x;

        memcpy (&x, raw + 2 * v, 2);
        count += table->clamped[x];
        out[v] = table->hu[x];
      }
  *clamped += count;
}

static gboolean
file_size (const char *path,
           guint64    *out_size,
           GError    **error)
{
  GStatBuf st;

  /* A folder or a pipe named .img has no size worth reporting: say what it is. */
  if (!osp_input_check (path, error))
    return FALSE;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_autofree char *name = osp_error_display_name (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", name,
                   g_strerror (saved));
      return FALSE;
    }
  *out_size = (guint64) st.st_size;
  return TRUE;
}

static gboolean
read_head (const char *path,
           guint8     *buf,
           gsize       want,
           gsize      *out_len,
           gboolean   *out_gzip,
           GError    **error)
{
  g_autofree char *name = osp_error_display_name (path);
  guint8 magic[2] = { 0, 0 };
  gzFile file;
  gint64 n;
  int fd;

  fd = osp_input_open (path, error);
  if (fd < 0)
    return FALSE;
  *out_gzip = pread (fd, magic, 2, 0) == 2 && is_gzip (magic, 2);
  /* zlib reads the descriptor we checked (a regular file), never the path again. */
  file = gzdopen (fd, "rb");
  if (file == NULL)
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("%s: cannot be opened"), name);
      return FALSE;
    }
  n = gz_read_full (file, buf, want);
  gzclose (file);
  if (n < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the compressed data is corrupt"), name);
      return FALSE;
    }
  *out_len = (gsize) n;
  return TRUE;
}

static gsize chunk_bytes_override;

void
osp_nifti_set_chunk_bytes (gsize bytes)
{
  chunk_bytes_override = bytes;
}

OspVolume *
osp_nifti_load (const char             *path,
                const OspProgressRange *progress,
                GCancellable           *cancellable,
                GError                **error)
{
  g_autofree char *name = NULL;
  g_autofree char *header_path = NULL;
  g_autofree char *data_path = NULL;
  g_autofree char *data_name = NULL;
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(OspVolume) volume = NULL;
  g_autofree guint8 *chunk_buf = NULL;
  g_auto(ConvertTable) table = { NULL, NULL };
  guint8 head[sizeof (nifti_2_header)];
  NiftiHeader h;
  gsize head_len;
  gboolean head_gzip, data_gzip;
  int nbyper;
  guint64 volume_values, all_values, n_volumes, data_file_size, needed, slice_values;
  guint64 offset, clamped = 0;
  double spacing[3], origin[3], direction[9], slope, inter;
  guint32 dims[3], chunk_slices;
  gint16 *out;
  gzFile file;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Either name of a .hdr/.img pair may be given. */
  header_path = pair_partner (path, FALSE);
  if (header_path != NULL && !g_file_test (header_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *given = osp_error_display_name (path);
      g_autofree char *missing = osp_error_display_name (header_path);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("%s: its header file %s is missing"), given, missing);
      return NULL;
    }
  if (header_path == NULL)
    header_path = g_strdup (path);
  name = osp_error_display_name (header_path);

  if (!read_head (header_path, head, sizeof head, &head_len, &head_gzip, error))
    return NULL;
  if (!parse_header (head, head_len, name, &h, error) ||
      !validate_header (&h, name, &nbyper, &volume_values, &all_values, &n_volumes, error))
    return NULL;

  if (h.pair)
    {
      data_path = pair_partner (header_path, TRUE);
      if (data_path == NULL)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the header says its voxels are in a separate .img file, but the "
                         "file is not named .hdr"), name);
          return NULL;
        }
      if (!g_file_test (data_path, G_FILE_TEST_EXISTS))
        {
          g_autofree char *missing = osp_error_display_name (data_path);

          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                       _("%s: the voxel file %s is missing"), name, missing);
          return NULL;
        }
      offset = (guint64) h.vox_offset;
    }
  else
    {
      data_path = g_strdup (header_path);
      /* Offsets below the header are a writer's slip; nifticlib reads from 352 then. */
      offset = h.vox_offset < (h.version == 2 ? 544 : 352)
                 ? (h.version == 2 ? 544 : 352) : (guint64) h.vox_offset;
    }
  data_name = osp_error_display_name (data_path);

  if (!file_size (data_path, &data_file_size, error))
    return NULL;
  {
    guint8 magic[2] = { 0, 0 };
    FILE *f = osp_input_fopen (data_path, NULL);

    data_gzip = f != NULL && fread (magic, 1, 2, f) == 2 && is_gzip (magic, 2);
    if (f != NULL)
      fclose (f);
  }

  /* Check what the header promises against the file before allocating anything. */
  if (!data_gzip)
    {
      guint64 all_bytes;

      if (!osp_size_mul (all_values, (guint64) nbyper, &all_bytes) ||
          !osp_size_add (all_bytes, offset, &needed) || needed > data_file_size)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the header promises %" PRIu64 " × %" PRIu64
                         " × %" PRIu64 " voxels of %d bytes from byte %"
                         PRIu64 ", but %s holds %" PRIu64 " bytes"),
                       name, (guint64) h.dim[1], (guint64) h.dim[2],
                       all_values / ((guint64) h.dim[1] * (guint64) h.dim[2]), nbyper,
                       offset, data_name, data_file_size);
          return NULL;
        }
    }
  else
    {
      guint64 volume_bytes, limit;

      if (!osp_size_mul (volume_values, (guint64) nbyper, &volume_bytes) ||
          !osp_size_add (volume_bytes, offset, &needed) ||
          !osp_size_mul (data_file_size, GZIP_MAX_RATIO, &limit) || needed > limit + 4096)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the header promises %" PRIu64 " × %" PRIu64
                         " × %" PRIu64 " voxels of %d bytes, more than the %"
                         PRIu64 " compressed bytes of %s can hold"),
                       name, (guint64) h.dim[1], (guint64) h.dim[2], (guint64) h.dim[3],
                       nbyper, data_file_size, data_name);
          return NULL;
        }
    }

  for (guint a = 0; a < 3; a++)
    dims[a] = (guint32) h.dim[a + 1];
  if (!header_geometry (&h, name, spacing, origin, direction, notes, error))
    return NULL;

  volume = osp_volume_new_unfilled (dims, spacing, origin, direction, name, error);
  if (volume == NULL)
    return NULL;

  slice_values = (guint64) dims[0] * dims[1];
  /* Whole slices of about 4 MiB at a time, decompressed straight into the volume; values wider
   * than the volume's 2 bytes go through one reusable chunk buffer. */
  chunk_slices = (guint32) CLAMP ((chunk_bytes_override > 0 ? chunk_bytes_override : 4u << 20) /
                                  (slice_values * (guint64) nbyper), 1, dims[2]);
  if (nbyper > 2)
    {
      if (!osp_memory_check (slice_values * chunk_slices * (guint64) nbyper, name, _("a slice"),
                             error))
        return NULL;
      chunk_buf = g_try_malloc (slice_values * chunk_slices * (gsize) nbyper);
      if (chunk_buf == NULL)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                       _("%s: out of memory for a slice"), name);
          return NULL;
        }
    }

  slope = h.scl_slope;
  inter = h.scl_inter;
  if (slope == 0.0 || !isfinite (slope))
    slope = 1.0, inter = 0.0;
  if (!isfinite (inter))
    inter = 0.0;

  /* A table pays for itself when the volume has many more voxels than raw values exist. */
  if (nbyper <= 2 && !(h.datatype == NIFTI_TYPE_INT16 && slope == 1.0 && inter == 0.0) &&
      volume_values >= ((guint64) 4 << (8 * nbyper)))
    convert_table_init (&table, h.datatype, nbyper, slope, inter);

  {
    int fd = osp_input_open (data_path, error);

    if (fd < 0)
      return NULL;
    file = gzdopen (fd, "rb");
    if (file == NULL)
      close (fd);
  }
  if (file == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("%s: cannot be opened"),
                   data_name);
      return NULL;
    }
  gzbuffer (file, 1 << 18);
  if (gzseek (file, (z_off_t) offset, SEEK_SET) != (z_off_t) offset)
    {
      gzclose (file);
      g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                   _("%s: the voxels should start at byte %" PRIu64
                     " but the file ends before"), data_name, offset);
      return NULL;
    }

  out = osp_volume_get_data_mutable (volume);
  for (guint32 k = 0; k < dims[2]; k += chunk_slices)
    {
      guint32 n_slices = MIN (chunk_slices, dims[2] - k);
      gsize n_values = (gsize) (slice_values * n_slices);
      gsize n_bytes = n_values * (gsize) nbyper;
      gint16 *dest = out + slice_values * k;
      guint8 *raw;
      gint64 n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          gzclose (file);
          return NULL;
        }
      /* Values of 1 byte land in the upper half of their destination and are widened from the
       * front: each read comes before the write that could reach it. */
      raw = nbyper > 2 ? chunk_buf : (guint8 *) dest + n_values * (gsize) (2 - nbyper);
      n = gz_read_full (file, raw, n_bytes);
      if (n < 0 || (guint64) n != n_bytes)
        {
          guint32 bad = k + (n < 0 ? 0 : (guint32) ((guint64) n / (slice_values * nbyper)));

          gzclose (file);
          if (n < 0)
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                         _("%s: the compressed data is corrupt (in slice %u of %u)"), data_name,
                         k + 1, dims[2]);
          else
            g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                         _("%s: the file ends in slice %u of %u"), data_name, bad + 1, dims[2]);
          return NULL;
        }
      if (h.swapped)
        swap_values (raw, n_values, nbyper);
      if (table.hu != NULL)
        convert_with_table (&table, raw, n_values, nbyper, dest, &clamped);
      else
        convert_values (raw, n_values, h.datatype, slope, inter, dest, &clamped);
      osp_progress_report (progress, (double) (k + n_slices) / dims[2]);
    }
  gzclose (file);

  if (n_volumes > 1)
    g_ptr_array_insert (notes, 0,
                        g_strdup_printf (_("%s holds %" PRIu64 " volumes; only the "
                                           "first was loaded"), name, n_volumes));
  if (clamped > 0)
    g_ptr_array_add (notes,
                     g_strdup_printf (_("%s: %" PRIu64 " voxels outside −32768 to "
                                        "32767 were clamped"), name, clamped));
  for (guint i = 0; i < notes->len; i++)
    osp_volume_add_note (volume, notes->pdata[i]);

  {
    g_autofree char *text = g_utf8_make_valid (h.descrip, -1);

    g_strstrip (text);
    if (text[0] != '\0')
      {
        /* What a NIfTI can say about who and what: its description, as the series's. */
        g_autoptr(OspPatient) patient = osp_patient_new ();

        osp_volume_set_description (volume, text);
        g_free (patient->series_description);
        patient->series_description = g_strdup (text);
        osp_volume_set_patient (volume, patient);
      }
  }
  return g_steal_pointer (&volume);
}

/* The deflate stream of a .nii.gz being written. */
typedef struct
{
  OspAtomicFile *file;
  z_stream       zs;
  gboolean       gzip;
  guint8         out[1 << 16];
} NiftiWriter;

static gboolean
writer_put (NiftiWriter *w,
            const void  *data,
            gsize        len,
            gboolean     finish,
            const char  *name,
            GError     **error)
{
  if (!w->gzip)
    return len == 0 || osp_atomic_file_write (w->file, data, len, error);

  w->zs.next_in = (Bytef *) data;
  do
    {
      int ret;
      uInt chunk = (uInt) MIN (len, (gsize) G_MAXUINT32 / 2);

      w->zs.avail_in = chunk;
      len -= chunk;
      do
        {
          w->zs.next_out = w->out;
          w->zs.avail_out = sizeof w->out;
          ret = deflate (&w->zs, finish && len == 0 ? Z_FINISH : Z_NO_FLUSH);
          if (ret == Z_STREAM_ERROR)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("%s: compression failed"), name);
              return FALSE;
            }
          if (!osp_atomic_file_write (w->file, w->out, sizeof w->out - w->zs.avail_out, error))
            return FALSE;
        }
      while (w->zs.avail_out == 0);
    }
  while (len > 0);
  return TRUE;
}

gboolean
osp_volume_save_nifti (const OspVolume *volume,
                       const char      *path,
                       GError         **error)
{
  g_autofree char *name = NULL;
  g_autofree char *lower = NULL;
  g_autoptr(OspAtomicFile) file = NULL;
  g_autofree NiftiWriter *w = NULL;
  nifti_1_header hdr;
  nifti_dmat44 affine;
  guint32 dims[3];
  double spacing[3], origin[3], direction[9];
  double qb, qc, qd, qx, qy, qz, dx, dy, dz, qfac;
  const char *description;
  gint16 lo, hi;
  static const guint8 no_extension[4] = { 0, 0, 0, 0 };
  gboolean ok;

  g_return_val_if_fail (volume != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  name = osp_error_display_name (path);
  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_origin (volume, origin);
  osp_volume_get_direction (volume, direction);
  if (dims[0] > G_MAXINT16 || dims[1] > G_MAXINT16 || dims[2] > G_MAXINT16)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: NIfTI-1 holds at most 32767 voxels along an axis; the volume has "
                     "%u × %u × %u"), name, dims[0], dims[1], dims[2]);
      return FALSE;
    }

  /* index → RAS: LPS with x and y negated. */
  memset (&affine, 0, sizeof affine);
  for (guint a = 0; a < 3; a++)
    for (guint r = 0; r < 3; r++)
      affine.m[r][a] = (r < 2 ? -1 : 1) * direction[3 * a + r] * spacing[a];
  for (guint r = 0; r < 3; r++)
    affine.m[r][3] = (r < 2 ? -1 : 1) * origin[r];
  affine.m[3][3] = 1;
  nifti_dmat44_to_quatern (affine, &qb, &qc, &qd, &qx, &qy, &qz, &dx, &dy, &dz, &qfac);

  memset (&hdr, 0, sizeof hdr);
  hdr.sizeof_hdr = sizeof hdr;
  hdr.regular = 'r';
  hdr.dim[0] = 3;
  for (guint a = 0; a < 3; a++)
    hdr.dim[a + 1] = (short) dims[a];
  for (guint a = 4; a < 8; a++)
    hdr.dim[a] = 1;
  hdr.datatype = NIFTI_TYPE_INT16;
  hdr.bitpix = 16;
  hdr.pixdim[0] = (float) qfac;
  for (guint a = 0; a < 3; a++)
    hdr.pixdim[a + 1] = (float) spacing[a];
  for (guint a = 4; a < 8; a++)
    hdr.pixdim[a] = 1;
  hdr.vox_offset = 352;
  hdr.scl_slope = 1;
  hdr.scl_inter = 0;
  hdr.xyzt_units = NIFTI_UNITS_MM;
  osp_volume_get_range (volume, &lo, &hi);
  hdr.cal_min = lo;
  hdr.cal_max = hi;
  description = osp_volume_get_description (volume);
  if (description != NULL)
    {
      /* At most 79 bytes, cut at a character boundary. */
      const char *end = description;

      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);

          if (next - description > 79)
            break;
          end = next;
        }
      memcpy (hdr.descrip, description, (gsize) (end - description));
    }
  hdr.qform_code = NIFTI_XFORM_SCANNER_ANAT;
  hdr.sform_code = NIFTI_XFORM_SCANNER_ANAT;
  hdr.quatern_b = (float) qb;
  hdr.quatern_c = (float) qc;
  hdr.quatern_d = (float) qd;
  hdr.qoffset_x = (float) qx;
  hdr.qoffset_y = (float) qy;
  hdr.qoffset_z = (float) qz;
  for (guint c = 0; c < 4; c++)
    {
      hdr.srow_x[c] = (float) affine.m[0][c];
      hdr.srow_y[c] = (float) affine.m[1][c];
      hdr.srow_z[c] = (float) affine.m[2][c];
    }
  memcpy (hdr.magic, "n+1", 4);

  file = osp_atomic_file_new (path, error);
  if (file == NULL)
    return FALSE;
  w = g_new0 (NiftiWriter, 1);
  w->file = file;
  lower = g_ascii_strdown (path, -1);
  w->gzip = g_str_has_suffix (lower, ".gz");
  if (w->gzip && deflateInit2 (&w->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: compression failed"), name);
      return FALSE;
    }
  ok = writer_put (w, &hdr, sizeof hdr, FALSE, name, error) &&
       writer_put (w, no_extension, sizeof no_extension, FALSE, name, error) &&
       writer_put (w, osp_volume_get_data (volume),
                   osp_volume_get_n_voxels (volume) * sizeof (gint16), TRUE, name, error);
  if (w->gzip)
    deflateEnd (&w->zs);
  return ok && osp_atomic_file_commit (file, error);
}
