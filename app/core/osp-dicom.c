/* osp-dicom.c — DICOM series: finding files, grouping, sorting, geometry, resampling
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GDCM reads and decodes single files (osp-dicom-gdcm.cpp); everything about series is here:
 *
 *  - every file of a folder (recursively) that looks like DICOM is read up to its pixel data;
 *    files without an image (DICOMDIR, a Philips DIRFILE, reports) are skipped, files that
 *    fail are remembered for a note;
 *  - images are grouped by SeriesInstanceUID; the default is the CT series with most slices;
 *    within a series, the images of the most common size, pixel spacing and orientation (to
 *    rounding) make the stack;
 *  - slices (frames, for enhanced multi-frame files) are sorted by ImagePositionPatient along
 *    the slice normal, never by file name; a regular stack takes the mean step;
 *  - the files are decoded in parallel straight into the volume;
 *  - a gantry tilt (positions not along the normal) or uneven steps are resampled onto a
 *    regular grid in patient space (trilinear), with a note; missing slices are named as a gap.
 */
#include "config.h"

#include <inttypes.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "osp-dicom-decode-private.h"
#include "osp-dicom-gdcm-private.h"
#include "osp-error.h"
#include "osp-patient.h"
#include "osp-input.h"
#include "osp-memory.h"
#include "osp-volume-io-private.h"

#define MAX_DEPTH 32
#define MAX_FILES 200000

/* How far slice geometry may stray before we resample: real scanners round positions. */
#define STEP_TOLERANCE_REL 0.01
#define STEP_TOLERANCE_ABS 0.01
#define SHEAR_TOLERANCE_MM 0.05

gboolean
osp_dicom_sniff (const guint8 *head,
                 gsize         len)
{
  guint16 group, element;
  guint32 length;

  if (len >= 132 && memcmp (head + 128, "DICM", 4) == 0)
    return TRUE;
  /* No preamble: old exports start with an implicit VR little-endian data set in group 0008.
   * Anything else (a file meta group without its preamble, big endian) is refused: GDCM's
   * lenient path for such files aborts on some of them. */
  if (len < 8)
    return FALSE;
  group = (guint16) (head[0] | head[1] << 8);
  element = (guint16) (head[2] | head[3] << 8);
  length = (guint32) head[4] | (guint32) head[5] << 8 | (guint32) head[6] << 16 |
           (guint32) head[7] << 24;
  if (group != 0x0008 || element > 0x0020)
    return FALSE;
  if (g_ascii_isupper (head[4]) && g_ascii_isupper (head[5]))
    return TRUE;  /* explicit VR */
  return length % 2 == 0 && length <= 1024;
}

void
osp_dicom_series_info_free (OspDicomSeriesInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->series_uid);
  g_free (info->description);
  g_free (info->modality);
  g_free (info);
}

/* ---- running work on every core ---- */

typedef void (*JobFunc) (guint    index,
                         gpointer data);
/* A job that keeps state on its thread (*state, NULL at first; state_free frees it when the
 * thread is done). */
typedef void (*StateJobFunc) (guint     index,
                              gpointer  data,
                              gpointer *state);

typedef struct
{
  JobFunc       func;
  gpointer      data;
  StateJobFunc  state_func;
  GDestroyNotify state_free;
  guint         n;
  gint          next;
  gint          done;
  GCancellable *cancellable;
  const OspProgressRange *progress;
  GMutex        lock;      /* keeps the reported fraction from going back */
  double        reported;
  guint         max_threads; /* 0: one per core */
} ParallelFor;

static gpointer
parallel_worker (gpointer data)
{
  ParallelFor *pf = data;
  gpointer state = NULL;

  for (;;)
    {
      gint i = g_atomic_int_add (&pf->next, 1);

      if (i >= (gint) pf->n || g_cancellable_is_cancelled (pf->cancellable))
        break;
      double fraction;

      if (pf->state_func != NULL)
        pf->state_func ((guint) i, pf->data, &state);
      else
        pf->func ((guint) i, pf->data);
      fraction = (double) (g_atomic_int_add (&pf->done, 1) + 1) / pf->n;
      g_mutex_lock (&pf->lock);
      if (fraction > pf->reported)
        {
          pf->reported = fraction;
          osp_progress_report (pf->progress, fraction);
        }
      g_mutex_unlock (&pf->lock);
    }
  if (state != NULL)
    pf->state_free (state);
  return NULL;
}

static void parallel_run (ParallelFor *pf);

/* Calls func (i, data) for i in [0, n) on up to one thread per core; the jobs must be
 * independent.  Stops early when cancelled. */
static void
parallel_for (guint                   n,
              JobFunc                 func,
              gpointer                data,
              const OspProgressRange *progress,
              GCancellable           *cancellable)
{
  ParallelFor pf = { func, data, NULL, NULL, n, 0, 0, cancellable, progress, { 0 }, 0.0, 0 };

  parallel_run (&pf);
}

/* The same with state kept on each thread. */
static void
parallel_for_with_state (guint                   n,
                         guint                   max_threads,
                         StateJobFunc            func,
                         GDestroyNotify          state_free,
                         gpointer                data,
                         const OspProgressRange *progress,
                         GCancellable           *cancellable)
{
  ParallelFor pf = { NULL, data, func, state_free, n, 0, 0, cancellable, progress, { 0 }, 0.0,
                     max_threads };

  parallel_run (&pf);
}

static void
parallel_run (ParallelFor *pf)
{
  guint n = pf->n;
  guint n_threads = MIN (MIN (g_get_num_processors (), 16), n);

  if (pf->max_threads > 0)
    n_threads = MIN (n_threads, pf->max_threads);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  g_mutex_init (&pf->lock);
  for (guint t = 1; t < n_threads; t++)
    {
      GThread *thread = g_thread_try_new ("osp-dicom", parallel_worker, pf, NULL);

      if (thread != NULL)
        g_ptr_array_add (threads, thread);
    }
  parallel_worker (pf);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (threads->pdata[t]);
  g_mutex_clear (&pf->lock);
}

/* ---- finding the files ---- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
collect_files (const char *folder,
               guint       depth,
               gboolean    recursive,
               GPtrArray  *out_paths)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL || depth > MAX_DEPTH)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  /* Sorted only so that everything after is reproducible. */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len && out_paths->len < MAX_FILES; i++)
    {
      g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;  /* no loops */
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (recursive)
            collect_files (path, depth + 1, recursive, out_paths);
        }
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out_paths, g_steal_pointer (&path));
    }
}

static gboolean
sniff_file (const char *path)
{
  guint8 head[132];
  gsize len;
  FILE *file = osp_input_fopen (path, NULL);  /* never blocks on a pipe */

  if (file == NULL)
    return FALSE;
  len = fread (head, 1, sizeof head, file);
  fclose (file);
  return osp_dicom_sniff (head, len);
}

/* One file's header, read on a worker thread. */
typedef struct
{
  char           *path;
  gboolean        dicom;   /* looked like DICOM */
  gboolean        ok;      /* header read */
  char           *reason;
  char           *key;     /* the series: its UID, or what stands in for a missing one */
  gboolean        bad_orientation;  /* its ImageOrientationPatient was unusable (dropped) */
  OspDicomHeader  header;
} FileEntry;

static void
file_entry_free (FileEntry *entry)
{
  g_free (entry->path);
  g_free (entry->reason);
  g_free (entry->key);
  osp_dicom_header_clear (&entry->header);
  g_free (entry);
}

/* The series a file belongs to.  Anonymisers sometimes drop SeriesInstanceUID; the series
 * number, description, modality and image size then stand in for it. */
static char *
series_key (const OspDicomHeader *h)
{
  if (h->series_uid != NULL && h->series_uid[0] != '\0')
    return g_strdup (h->series_uid);
  return g_strdup_printf ("~%s|%d|%s|%ux%u", h->modality, h->series_number,
                          h->series_description, h->columns, h->rows);
}

/* ---- element lengths, checked before GDCM sees a file ---- */

/* GDCM allocates every element by the length its header claims before reading it, so a file
 * of a few kilobytes that claims a 4 GB element would take 4 GB.  This walk checks every
 * length against the bytes that are really there (into sequences and items) first. */
typedef struct
{
  const guint8 *data;
  gsize         size;
  gboolean      explicit_vr;
  gboolean      big_endian;
  gsize         pixel_offset;  /* where (7FE0,0010) starts, or G_MAXSIZE */
  char         *reason;
  /* The first fragment (after the offset table) of the data set's own encapsulated pixel data:
   * where the codestream of the first frame starts. */
  gsize         stream_offset;
  gsize         stream_length;
} Walk;

#define WALK_MAX_DEPTH 16
#define UNDEFINED_LENGTH 0xffffffffu

static guint16
walk_u16 (const Walk *w,
          gsize       at)
{
  return w->big_endian ? (guint16) (w->data[at] << 8 | w->data[at + 1])
                       : (guint16) (w->data[at] | w->data[at + 1] << 8);
}

static guint32
walk_u32 (const Walk *w,
          gsize       at)
{
  return w->big_endian
           ? (guint32) w->data[at] << 24 | (guint32) w->data[at + 1] << 16 |
             (guint32) w->data[at + 2] << 8 | w->data[at + 3]
           : (guint32) w->data[at] | (guint32) w->data[at + 1] << 8 |
             (guint32) w->data[at + 2] << 16 | (guint32) w->data[at + 3] << 24;
}

static gboolean walk_dataset (Walk *w, gsize *at, gsize end, guint depth, gboolean in_item);

static gboolean
walk_fail (Walk       *w,
           guint16     group,
           guint16     element,
           guint64     length,
           gsize       left)
{
  if (w->reason == NULL)
    w->reason = g_strdup_printf (_("element (%04X,%04X) claims %" PRIu64 " bytes but "
                                   "only %zu follow (truncated or corrupt)"),
                                 group, element, length, left);
  return FALSE;
}

/* The items of a sequence (or the fragments of encapsulated pixel data) from *at, up to its
 * delimiter (undefined length) or `end`. */
static gboolean
walk_items (Walk     *w,
            gsize    *at,
            gsize     end,
            gboolean  undefined,
            gboolean  fragments,
            guint     depth)
{
  guint n_items = 0;

  while (*at < end)
    {
      guint16 group, element;
      guint32 length;

      if (end - *at < 8)
        return walk_fail (w, 0xfffe, 0xe000, 8, end - *at);
      group = walk_u16 (w, *at);
      element = walk_u16 (w, *at + 2);
      length = walk_u32 (w, *at + 4);
      *at += 8;
      if (group == 0xfffe && element == 0xe0dd)
        return TRUE;  /* sequence delimiter */
      if (group != 0xfffe || element != 0xe000)
        {
          if (w->reason == NULL)
            w->reason = g_strdup_printf (_("a sequence holds (%04X,%04X) where an item belongs"),
                                         group, element);
          return FALSE;
        }
      if (length == UNDEFINED_LENGTH)
        {
          if (fragments || !walk_dataset (w, at, end, depth + 1, TRUE))
            return fragments ? walk_fail (w, group, element, length, end - *at) : FALSE;
          continue;
        }
      if (length > end - *at)
        return walk_fail (w, group, element, length, end - *at);
      if (fragments && depth == 0 && ++n_items == 2 && w->stream_offset == G_MAXSIZE)
        {
          w->stream_offset = *at;
          w->stream_length = length;
        }
      if (!fragments)
        {
          gsize inner = *at;

          if (!walk_dataset (w, &inner, *at + length, depth + 1, FALSE))
            return FALSE;
        }
      *at += length;
    }
  if (undefined && w->reason == NULL)
    w->reason = g_strdup (_("the file ends inside a sequence or the compressed pixel data "
                            "(truncated)"));
  return !undefined;
}

/* The value representations GDCM 3.0 knows.  In an explicit-VR data set any other pair of
 * bytes makes GDCM drop its normal parse and guess again from there (16-bit lengths
 * throughout, or a mixture of explicit and implicit elements), reading lengths this walk never
 * checked: such files are refused instead. */
static gboolean
known_vr (const guint8 *vr)
{
  static const char *const names[] = { "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL",
                                       "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
                                       "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC",
                                       "UI", "UL", "UN", "UR", "US", "UT", "UV" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (vr[0] == names[i][0] && vr[1] == names[i][1])
      return TRUE;
  return FALSE;
}

static gboolean
walk_bad_vr (Walk         *w,
             guint16       group,
             guint16       element,
             const guint8 *vr)
{
  if (w->reason == NULL)
    w->reason = g_strdup_printf (_("element (%04X,%04X) has no valid value representation "
                                   "(bytes %02X %02X)"), group, element, vr[0], vr[1]);
  return FALSE;
}

static gboolean
walk_wrong_vr (Walk         *w,
               guint16       group,
               guint16       element,
               const guint8 *vr)
{
  if (w->reason == NULL)
    w->reason = g_strdup_printf (_("element (%04X,%04X) has the value representation %c%c, "
                                   "which its definition does not allow"),
                                 group, element, vr[0], vr[1]);
  return FALSE;
}

static gboolean
long_vr (const guint8 *vr)
{
  static const char *const names[] = { "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC",
                                       "UN", "UR", "UT", "UV" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (vr[0] == names[i][0] && vr[1] == names[i][1])
      return TRUE;
  return FALSE;
}

/* The elements of a data set from *at up to `end` (or its item delimiter, in_item). */
static gboolean
walk_dataset (Walk     *w,
              gsize    *at,
              gsize     end,
              guint     depth,
              gboolean  in_item)
{
  if (depth > WALK_MAX_DEPTH)
    {
      if (w->reason == NULL)
        w->reason = g_strdup (_("sequences nest too deep"));
      return FALSE;
    }
  while (*at < end)
    {
      guint16 group, element;
      guint32 length;
      gboolean is_sequence = FALSE;
      gboolean is_unknown = FALSE;
      gsize start = *at;

      if (end - *at < 8)
        return walk_fail (w, 0, 0, 8, end - *at);
      group = walk_u16 (w, *at);
      element = walk_u16 (w, *at + 2);
      if (group == 0xfffe)
        {
          /* An item delimiter ends an item; a stray one GDCM skips.  Any other item tag
           * throws GDCM off its normal parse. */
          if (element != 0xe00d)
            {
              if (w->reason == NULL)
                w->reason = g_strdup_printf (_("(FFFE,%04X) stands where a data element "
                                               "belongs"), element);
              return FALSE;
            }
          *at += 8;
          if (in_item)
            return TRUE;
          continue;
        }
      if (w->explicit_vr)
        {
          const guint8 *vr = w->data + *at + 4;

          if (!known_vr (vr))
            return walk_bad_vr (w, group, element, vr);
          if (!osp_dicom_gdcm_vr_fits (group, element, vr))
            return walk_wrong_vr (w, group, element, vr);
          is_sequence = vr[0] == 'S' && vr[1] == 'Q';
          is_unknown = vr[0] == 'U' && vr[1] == 'N';
          if (long_vr (vr))
            {
              if (end - *at < 12)
                return walk_fail (w, group, element, 12, end - *at);
              length = walk_u32 (w, *at + 8);
              *at += 12;
            }
          else
            {
              length = walk_u16 (w, *at + 6);
              *at += 8;
            }
        }
      else
        {
          length = walk_u32 (w, *at + 4);
          *at += 8;
        }
      /* The pixel data of the data set itself, where GDCM's header read stops (one nested in
       * an item does not stop it). */
      if (group == 0x7fe0 && element == 0x0010 && depth == 0 && w->pixel_offset == G_MAXSIZE)
        w->pixel_offset = start;

      if (length == UNDEFINED_LENGTH)
        {
          gboolean pixels = group == 0x7fe0 && element == 0x0010;
          gboolean explicit_vr = w->explicit_vr;
          gboolean ok;

          /* GDCM reads the items of an undefined length that is neither an explicit SQ nor
           * the pixel data (a UN, by CP 246) as implicit VR. */
          if (!is_sequence && !pixels)
            w->explicit_vr = FALSE;
          ok = walk_items (w, at, end, TRUE, pixels, depth);
          w->explicit_vr = explicit_vr;
          if (!ok)
            return FALSE;
          continue;
        }
      if (length > end - *at)
        return walk_fail (w, group, element, length, end - *at);
      /* Nested lengths count too: those of an explicit SQ, which GDCM reads as it goes, and
       * those of a value that starts like an item, which GDCM parses as a sequence on demand
       * (an implicit-VR element; a UN, as implicit VR by CP 246).  Other values stay bytes. */
      if (is_sequence ||
          ((!w->explicit_vr || is_unknown) && length >= 8 && walk_u16 (w, *at) == 0xfffe &&
           walk_u16 (w, *at + 2) == 0xe000))
        {
          gsize inner = *at;
          gboolean explicit_vr = w->explicit_vr;
          gboolean ok;

          w->explicit_vr = is_sequence;
          ok = walk_items (w, &inner, *at + length, FALSE, FALSE, depth);
          w->explicit_vr = explicit_vr;
          if (!ok)
            return FALSE;
        }
      *at += length;
    }
  /* An item of undefined length ends with its delimiter, never with the sequence or the file:
   * GDCM reads on past either to find one (and asserts when the file ends first). */
  if (in_item)
    {
      if (w->reason == NULL)
        w->reason = g_strdup (_("an item of undefined length has no item delimiter"));
      return FALSE;
    }
  return TRUE;
}

/* A data set without file meta information (no preamble, or a preamble alone): GDCM takes it
 * for little endian when it starts with group 0008, explicit VR when the first element's VR is
 * one GDCM names ("??" included); other starts make it guess byte orders, which is refused. */
static gboolean
guess_syntax (Walk   *w,
              gsize   at,
              char  **out_reason)
{
  const guint8 *vr;

  if (w->size - at < 8 || walk_u16 (w, at) != 0x0008)
    {
      *out_reason = g_strdup (_("the data set does not start with group 0008 and there is no "
                                "file meta information"));
      return FALSE;
    }
  vr = w->data + at + 4;
  w->explicit_vr = known_vr (vr) || (vr[0] == '?' && vr[1] == '?');
  w->big_endian = FALSE;
  return TRUE;
}

/* How often the inflated data set's size is checked against the memory available. */
#define INFLATE_CHECK_BYTES (16u << 20)

/* The data set of a deflated file (raw deflate), inflated so that it can be walked: GDCM reads
 * element lengths from the inflated stream and allocates each before reading it, so a few
 * compressed bytes could claim gigabytes.  A stream cut short gives what inflated (GDCM reads
 * that far, then fails).  NULL with a reason when the stream is corrupt or its data set would
 * not fit in memory. */
static GByteArray *
inflate_data_set (const guint8  *data,
                  gsize          size,
                  char         **out_reason)
{
  g_autoptr(GZlibDecompressor) zlib = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *chunk = g_malloc (64 * 1024);
  guint64 checked = 0;
  gsize at = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (zlib), data + at, size - at, chunk, 64 * 1024,
                                    G_CONVERTER_INPUT_AT_END, &read, &written, &error);
      if (result == G_CONVERTER_ERROR)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            break;
          *out_reason = g_strdup_printf (_("the deflated data set is corrupt (%s)"),
                                         error->message);
          return NULL;
        }
      at += read;
      if (written > 0)
        {
          if (out->len + written > G_MAXUINT32)
            {
              *out_reason = g_strdup (_("the deflated data set inflates to more than 4 GiB"));
              return NULL;
            }
          if (out->len + written >= checked + INFLATE_CHECK_BYTES)
            {
              g_autoptr(GError) memory_error = NULL;

              checked = out->len + written;
              if (!osp_memory_check (checked, NULL, _("the inflated data set"), &memory_error))
                {
                  *out_reason = g_strdup (memory_error->message);
                  return NULL;
                }
            }
          g_byte_array_append (out, chunk, (guint) written);
        }
      if (result == G_CONVERTER_FINISHED || (read == 0 && written == 0))
        break;
    }
  return g_steal_pointer (&out);
}

typedef enum
{
  STRUCTURE_OK,
  STRUCTURE_BAD_HEADER,   /* GDCM must not read it */
  STRUCTURE_BAD_PIXELS,   /* the header is whole; the pixel data is not */
} Structure;

/* How many bytes of the first frame's codestream the pixel check reads: the JPEG 2000 SIZ
 * segment (behind JP2 boxes), the JPEG-LS frame header, the RLE header. */
#define STREAM_HEAD_BYTES 4096

static Structure
check_structure (const char  *path,
                 GByteArray  *out_stream_head,
                 gsize       *out_stream_length,
                 char       **out_reason)
{
  g_autoptr(GMappedFile) mapped = osp_input_map (path, NULL);  /* regular files only */
  g_autoptr(GByteArray) inflated = NULL;
  Walk w = { NULL, 0, TRUE, FALSE, G_MAXSIZE, NULL, G_MAXSIZE, 0 };
  gsize at = 0;
  gboolean ok;

  if (mapped == NULL)
    {
      *out_reason = g_strdup (_("the file cannot be read"));
      return STRUCTURE_BAD_HEADER;
    }
  w.data = (const guint8 *) g_mapped_file_get_contents (mapped);
  w.size = g_mapped_file_get_length (mapped);
  if (w.size >= 132 && memcmp (w.data + 128, "DICM", 4) == 0)
    {
      const char *syntax = NULL;
      guint32 syntax_length = 0;

      /* The file meta group: explicit VR little endian, always. */
      at = 132;
      while (at + 8 <= w.size && walk_u16 (&w, at) == 0x0002)
        {
          gsize value;
          guint16 element = walk_u16 (&w, at + 2);
          const guint8 *vr = w.data + at + 4;
          guint32 length;

          /* Without a VR GDCM rereads the group as implicit VR, with 32-bit lengths; after a
           * sequence it reads the data set from inside the sequence. */
          if (!known_vr (vr) || !osp_dicom_gdcm_vr_fits (0x0002, element, vr))
            {
              if (known_vr (vr))
                walk_wrong_vr (&w, 0x0002, element, vr);
              else
                walk_bad_vr (&w, 0x0002, element, vr);
              *out_reason = w.reason;
              return STRUCTURE_BAD_HEADER;
            }
          if (vr[0] == 'S' && vr[1] == 'Q')
            {
              *out_reason = g_strdup_printf (_("the file meta information holds a sequence "
                                               "(0002,%04X)"), element);
              return STRUCTURE_BAD_HEADER;
            }
          if (long_vr (vr))
            {
              if (at + 12 > w.size)
                break;
              length = walk_u32 (&w, at + 8);
              value = at + 12;
            }
          else
            {
              length = walk_u16 (&w, at + 6);
              value = at + 8;
            }
          if (length > w.size - value)
            {
              walk_fail (&w, 0x0002, element, length, w.size - value);
              *out_reason = w.reason;
              return STRUCTURE_BAD_HEADER;
            }
          /* GDCM keeps the first of two equal tags. */
          if (element == 0x0010 && syntax == NULL)
            {
              syntax = (const char *) w.data + value;
              syntax_length = length;
            }
          at = value + length;
        }
      if (at == 132)
        {
          /* A preamble without file meta information: GDCM guesses as for no preamble. */
          if (!guess_syntax (&w, at, out_reason))
            return STRUCTURE_BAD_HEADER;
        }
      else
        {
          gboolean deflated = FALSE;

          /* GDCM reads on after the group for the next tag and asserts when there is none. */
          if (w.size - at < 4)
            {
              *out_reason = g_strdup (_("the file ends after its file meta information"));
              return STRUCTURE_BAD_HEADER;
            }
          /* Read the data set the way GDCM will: ask it what the syntax means. */
          if (syntax == NULL ||
              !osp_dicom_gdcm_syntax (syntax, syntax_length, &w.explicit_vr, &w.big_endian,
                                      &deflated))
            {
              *out_reason = g_strdup (syntax == NULL
                                        ? _("the file meta information names no transfer "
                                            "syntax")
                                        : _("the transfer syntax is unknown"));
              return STRUCTURE_BAD_HEADER;
            }
          if (deflated)
            {
              /* Walk the data set as GDCM reads it: inflated, explicit VR little endian. */
              inflated = inflate_data_set (w.data + at, w.size - at, out_reason);
              if (inflated == NULL)
                return STRUCTURE_BAD_HEADER;
              w.data = inflated->data;
              w.size = inflated->len;
              at = 0;
            }
        }
    }
  else if (!guess_syntax (&w, at, out_reason))
    return STRUCTURE_BAD_HEADER;

  ok = walk_dataset (&w, &at, w.size, 0, FALSE);
  if (ok && w.stream_offset != G_MAXSIZE)
    {
      g_byte_array_append (out_stream_head, w.data + w.stream_offset,
                           (guint) MIN (w.stream_length, STREAM_HEAD_BYTES));
      *out_stream_length = w.stream_length;
    }
  if (ok)
    return STRUCTURE_OK;
  *out_reason = w.reason != NULL ? w.reason : g_strdup (_("the data set is corrupt"));
  /* A fault at or after the pixel data: the header is whole. */
  return w.pixel_offset != G_MAXSIZE && at >= w.pixel_offset ? STRUCTURE_BAD_PIXELS
                                                             : STRUCTURE_BAD_HEADER;
}

/* ---- the pixel module and the codestream, checked before any decoder sees them ---- */

static guint32
be_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* The JPEG 2000 codestream's SIZ segment against the header: GDCM asserts when the number of
 * components differs from SamplesPerPixel, and sizes and precision that differ from the header
 * make the image something else than the header describes.  The codestream may sit in a JP2
 * "jp2c" box (GDCM accepts both). */
static char *
check_j2k (const OspDicomHeader *h,
           const guint8         *p,
           gsize                 n)
{
  gsize at = 0;
  guint32 width, height, components;

  if (n >= 12 && be_u32 (p) == 12 && memcmp (p + 4, "jP  ", 4) == 0)
    {
      /* JP2 boxes up to the contiguous codestream box. */
      while (at + 8 <= n && memcmp (p + at + 4, "jp2c", 4) != 0)
        {
          guint32 box = be_u32 (p + at);

          if (box < 8 || box > n - at)
            return g_strdup (_("the JPEG 2000 data holds no codestream"));
          at += box;
        }
      at += 8;
    }
  if (at > n || n - at < 4 + 38 || p[at] != 0xff || p[at + 1] != 0x4f || p[at + 2] != 0xff ||
      p[at + 3] != 0x51)
    return g_strdup (_("the JPEG 2000 codestream does not start with its image size (SIZ)"));
  p += at + 4;
  n -= at + 4;
  /* Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz XRsiz YRsiz for
   * each component. */
  components = (guint32) p[36] << 8 | p[37];
  if (components != h->samples_per_pixel)
    return g_strdup_printf (_("the JPEG 2000 codestream holds %u components where the header "
                              "has Samples per Pixel %u"), components, h->samples_per_pixel);
  if (((gsize) p[0] << 8 | p[1]) != 38 + 3 * (gsize) components || n < 38 + 3 * components)
    return g_strdup (_("the JPEG 2000 image size segment (SIZ) is corrupt"));
  width = be_u32 (p + 4) - MIN (be_u32 (p + 12), be_u32 (p + 4));
  height = be_u32 (p + 8) - MIN (be_u32 (p + 16), be_u32 (p + 8));
  if (width != h->columns || height != h->rows)
    return g_strdup_printf (_("the JPEG 2000 image is %u × %u, not %u × %u as the header says"),
                            width, height, h->columns, h->rows);
  for (guint32 c = 0; c < components; c++)
    {
      const guint8 *comp = p + 38 + 3 * c;
      guint precision = (comp[0] & 0x7f) + 1u;

      if (comp[1] != 1 || comp[2] != 1)
        return g_strdup (_("the JPEG 2000 image is subsampled"));
      if (precision > (guint) h->bits_allocated || precision > 16)
        return g_strdup_printf (_("the JPEG 2000 image has a precision of %u bits where the "
                                  "header has Bits Allocated %d"), precision, h->bits_allocated);
    }
  return NULL;
}

/* The JPEG-LS frame header (SOF55) against the header. */
static char *
check_jpeg_ls (const OspDicomHeader *h,
               const guint8         *p,
               gsize                 n)
{
  gsize at = 2;

  if (n < 4 || p[0] != 0xff || p[1] != 0xd8)
    return g_strdup (_("the JPEG-LS data does not start with a JPEG marker"));
  while (at + 4 <= n && p[at] == 0xff)
    {
      guint8 marker = p[at + 1];
      gsize length = (gsize) p[at + 2] << 8 | p[at + 3];

      if (length < 2 || length > n - at - 2)
        break;
      if (marker == 0xf7)
        {
          const guint8 *seg = p + at + 4;
          guint rows, columns;

          if (length < 8)
            break;
          rows = (guint) seg[1] << 8 | seg[2];
          columns = (guint) seg[3] << 8 | seg[4];
          if (seg[5] != h->samples_per_pixel)
            return g_strdup_printf (_("the JPEG-LS image holds %u components where the header "
                                      "has Samples per Pixel %u"), seg[5],
                                    h->samples_per_pixel);
          if (columns != h->columns || rows != h->rows)
            return g_strdup_printf (_("the JPEG-LS image is %u × %u, not %u × %u as the header "
                                      "says"), columns, rows, h->columns, h->rows);
          if (seg[0] < 2 || seg[0] > 16 || seg[0] > h->bits_allocated)
            return g_strdup_printf (_("the JPEG-LS image has a precision of %u bits where the "
                                      "header has Bits Allocated %d"), seg[0], h->bits_allocated);
          return NULL;
        }
      if (marker == 0xda)
        break;
      at += 2 + length;
    }
  return g_strdup (_("the JPEG-LS data has no whole frame header"));
}

/* The RLE header: one segment per byte of each sample, each inside the fragment. */
static char *
check_rle (const OspDicomHeader *h,
           const guint8         *p,
           gsize                 n,
           gsize                 fragment_length)
{
  guint32 segments, expected = h->samples_per_pixel * ((guint32) h->bits_allocated / 8);
  guint32 previous = 63;

  if (n < 64)
    return g_strdup (_("the RLE header is cut short"));
  memcpy (&segments, p, 4);
  segments = GUINT32_FROM_LE (segments);
  if (segments != expected)
    return g_strdup_printf (ngettext ("the RLE data has %u segment where the header calls for %u",
                                      "the RLE data has %u segments where the header calls "
                                      "for %u", segments),
                            segments, expected);
  for (guint32 s = 0; s < segments; s++)
    {
      guint32 offset;

      memcpy (&offset, p + 4 + 4 * s, 4);
      offset = GUINT32_FROM_LE (offset);
      if (offset <= previous || offset >= fragment_length || (s == 0 && offset != 64))
        return g_strdup (_("the RLE header points outside its data"));
      previous = offset;
    }
  return NULL;
}

/* What the header says about the pixels, as the decoders will take it (GDCM asserts on
 * values it does not expect), and the first frame's codestream header against it.  NULL when
 * the pixels may go to a decoder, else why not. */
static char *
check_pixel_module (const OspDicomHeader *h,
                    const GByteArray     *stream_head,
                    gsize                 stream_length)
{
  const char *ts = h->transfer_syntax != NULL ? h->transfer_syntax : "";
  const char *pi = h->photometric != NULL ? h->photometric : "";

  if (!h->is_image)
    return NULL;
  if (h->samples_per_pixel != 1 && h->samples_per_pixel != 3 && h->samples_per_pixel != 4)
    return g_strdup_printf (_("the header has Samples per Pixel %u (1 for a CT)"),
                            h->samples_per_pixel);
  if (h->samples_per_pixel != 1)
    return NULL;  /* a colour image: refused with its series (load_series) */
  if (h->bits_allocated == -1)
    return g_strdup (_("the header does not say how many bits each pixel takes"));
  if (h->bits_allocated != 8 && h->bits_allocated != 12 && h->bits_allocated != 16 &&
      h->bits_allocated != 32)
    return g_strdup_printf (_("the header has Bits Allocated %d, which is not supported"),
                            h->bits_allocated);
  if (h->bits_stored > h->bits_allocated)
    return g_strdup_printf (_("the header has Bits Stored %d, more than Bits Allocated %d"),
                            h->bits_stored, h->bits_allocated);
  if (h->pixel_representation != -1 && h->pixel_representation != 0 &&
      h->pixel_representation != 1)
    return g_strdup_printf (_("the header has Pixel Representation %d, neither unsigned (0) "
                              "nor signed (1)"), h->pixel_representation);
  if (!(strcmp (pi, "MONOCHROME1") == 0 || strcmp (pi, "MONOCHROME2") == 0 ||
        (pi[0] == '\0' && !h->encapsulated)))
    {
      gboolean printable = pi[0] != '\0';

      for (const char *c = pi; *c != '\0'; c++)
        printable = printable && g_ascii_isprint (*c);
      if (!printable)
        return g_strdup (_("the photometric interpretation is missing or unreadable"));
      return g_strdup_printf (_("the photometric interpretation “%s” is not a grey-level "
                                "image"), pi);
    }
  if (!h->encapsulated)
    return NULL;
  if (stream_head->len == 0)
    return g_strdup (_("the compressed pixel data holds no image"));
  if (h->bits_allocated != 8 && h->bits_allocated != 16)
    return g_strdup_printf (_("compressed pixel data with Bits Allocated %d is not supported"),
                            h->bits_allocated);
  if (g_str_has_prefix (ts, "1.2.840.10008.1.2.4.9"))
    return check_j2k (h, stream_head->data, stream_head->len);
  if (strcmp (ts, "1.2.840.10008.1.2.4.80") == 0 || strcmp (ts, "1.2.840.10008.1.2.4.81") == 0)
    return check_jpeg_ls (h, stream_head->data, stream_head->len);
  if (strcmp (ts, "1.2.840.10008.1.2.5") == 0)
    return check_rle (h, stream_head->data, stream_head->len, stream_length);
  return NULL;  /* JPEG: checked in osp-dicom-gdcm.cpp (jpeg_header_is_clean) */
}

/* Checks the structure, then reads the header with GDCM; a file whose pixel data is cut short
 * (or whose pixel module or codestream header GDCM would choke on) keeps its header with
 * header->problem set. */
static gboolean
read_checked_header (const char      *path,
                     OspDicomHeader  *header,
                     char           **out_reason)
{
  char *reason = NULL;
  g_autoptr(GByteArray) stream_head = g_byte_array_new ();
  gsize stream_length = 0;
  gboolean ok;

  switch (check_structure (path, stream_head, &stream_length, &reason))
    {
    case STRUCTURE_BAD_HEADER:
      memset (header, 0, sizeof *header);
      *out_reason = reason;
      return FALSE;
    case STRUCTURE_BAD_PIXELS:
      if (!osp_dicom_gdcm_read_header (path, header, out_reason))
        {
          g_free (reason);
          return FALSE;
        }
      if (header->problem == NULL)
        header->problem = reason;
      else
        g_free (reason);
      return TRUE;
    case STRUCTURE_OK:
    default:
      ok = osp_dicom_gdcm_read_header (path, header, out_reason);
      if (ok && header->problem == NULL)
        header->problem = check_pixel_module (header, stream_head, stream_length);
      return ok;
    }
}

/* An ImageOrientationPatient that is no orientation — zeros, a zero or non-unit axis, axes far
 * from perpendicular, NaN — gives no slice normal (it read "sagittal" and slices were lost):
 * such a header is treated as having none, and the series says so.  TRUE when dropped. */
static gboolean
drop_unusable_orientation (OspDicomHeader *header)
{
  const double *r = header->orientation, *c = header->orientation + 3;
  double rr = 0, cc = 0, rc = 0;

  if (!header->has_orientation)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      rr += r[i] * r[i];
      cc += c[i] * c[i];
      rc += r[i] * c[i];
    }
  /* Unit vectors to a few per cent (writers round to 6 digits or fewer), within ~6° of
   * perpendicular. */
  if (isfinite (rr) && isfinite (cc) && isfinite (rc) && fabs (rr - 1) < 0.05 &&
      fabs (cc - 1) < 0.05 && fabs (rc) < 0.1)
    return FALSE;
  header->has_orientation = FALSE;
  return TRUE;
}

static void
read_header_job (guint    index,
                 gpointer data)
{
  FileEntry *entry = ((GPtrArray *) data)->pdata[index];

  entry->dicom = sniff_file (entry->path);
  if (entry->dicom)
    entry->ok = read_checked_header (entry->path, &entry->header, &entry->reason);
  if (entry->ok)
    {
      entry->bad_orientation = drop_unusable_orientation (&entry->header);
      entry->key = series_key (&entry->header);
    }
}

/* A series: its files, in the order found. */
typedef struct
{
  OspDicomSeriesInfo *info;
  GPtrArray          *files;  /* FileEntry*, not owned */
} Series;

static void
series_free (Series *series)
{
  osp_dicom_series_info_free (series->info);
  g_ptr_array_unref (series->files);
  g_free (series);
}

/* The result of a scan: every file, the series, the files that failed. */
typedef struct
{
  GPtrArray *entries;    /* FileEntry*, owned */
  GPtrArray *series;     /* Series*, owned, default first */
  GPtrArray *unreadable; /* FileEntry*, not owned */
} Scan;

static void
scan_free (Scan *scan)
{
  g_ptr_array_unref (scan->series);
  g_ptr_array_unref (scan->unreadable);
  g_ptr_array_unref (scan->entries);
  g_free (scan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scan, scan_free)

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static void
normalize (double v[3])
{
  double len = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

  if (len > 0)
    for (guint c = 0; c < 3; c++)
      v[c] /= len;
}

static void
slice_normal (const double orientation[6],
              double       out_normal[3])
{
  const double *r = orientation, *c = orientation + 3;

  out_normal[0] = r[1] * c[2] - r[2] * c[1];
  out_normal[1] = r[2] * c[0] - r[0] * c[2];
  out_normal[2] = r[0] * c[1] - r[1] * c[0];
  normalize (out_normal);
  for (guint i = 0; i < 3; i++)
    out_normal[i] += 0.0;  /* no −0 in what users read */
}

/* The median step between sorted slice positions along the normal (0 for one slice). */
static double
series_median_step (GPtrArray *files)
{
  FileEntry *first = files->pdata[0];
  g_autoptr(GArray) d = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (double));
  double normal[3];

  if (!first->header.has_orientation)
    return 0;
  slice_normal (first->header.orientation, normal);
  for (guint f = 0; f < files->len; f++)
    {
      FileEntry *e = files->pdata[f];

      for (guint p = 0; p < e->header.n_positions; p++)
        {
          const double *pos = e->header.positions + 3 * p;
          double x = pos[0] * normal[0] + pos[1] * normal[1] + pos[2] * normal[2];

          g_array_append_val (d, x);
        }
    }
  if (d->len < 2)
    return 0;
  g_array_sort (d, compare_doubles);
  for (guint i = 1; i < d->len; i++)
    {
      double s = g_array_index (d, double, i) - g_array_index (d, double, i - 1);

      if (s > 1e-3)
        g_array_append_val (steps, s);
    }
  if (steps->len == 0)
    return 0;
  g_array_sort (steps, compare_doubles);
  return g_array_index (steps, double, (steps->len - 1) / 2);
}

static guint
series_slice_count (GPtrArray *files)
{
  guint n = 0;

  for (guint f = 0; f < files->len; f++)
    {
      FileEntry *e = files->pdata[f];

      n += e->header.n_frames;
    }
  return n;
}

static int
compare_series (gconstpointer a,
                gconstpointer b)
{
  const Series *x = *(Series *const *) a, *y = *(Series *const *) b;
  gboolean x_ct = g_strcmp0 (x->info->modality, "CT") == 0;
  gboolean y_ct = g_strcmp0 (y->info->modality, "CT") == 0;

  if (x_ct != y_ct)
    return x_ct ? -1 : 1;
  if (x->info->n_slices != y->info->n_slices)
    return x->info->n_slices > y->info->n_slices ? -1 : 1;
  return g_strcmp0 (x->info->series_uid, y->info->series_uid);
}

/* Reads the headers of `paths` (in parallel) and groups them into series.  only_key, when
 * set, keeps that series alone. */
static Scan *
scan_paths (GPtrArray              *paths,
            const char             *only_key,
            const OspProgressRange *progress,
            GCancellable           *cancellable,
            GError                **error)
{
  g_autoptr(Scan) scan = g_new0 (Scan, 1);
  g_autoptr(GHashTable) by_key = g_hash_table_new (g_str_hash, g_str_equal);

  scan->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) file_entry_free);
  scan->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  scan->unreadable = g_ptr_array_new ();
  for (guint i = 0; i < paths->len; i++)
    {
      FileEntry *entry = g_new0 (FileEntry, 1);

      entry->path = g_strdup (paths->pdata[i]);
      g_ptr_array_add (scan->entries, entry);
    }

  osp_dicom_gdcm_init ();
  parallel_for (scan->entries->len, read_header_job, scan->entries, progress, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  for (guint i = 0; i < scan->entries->len; i++)
    {
      FileEntry *e = scan->entries->pdata[i];
      Series *series;

      if (!e->dicom)
        continue;
      if (!e->ok)
        {
          g_ptr_array_add (scan->unreadable, e);
          continue;
        }
      if (!e->header.is_image)
        continue;  /* DICOMDIR, DIRFILE, reports, presentation states */
      if (only_key != NULL && strcmp (only_key, e->key) != 0)
        continue;
      series = g_hash_table_lookup (by_key, e->key);
      if (series == NULL)
        {
          series = g_new0 (Series, 1);
          series->files = g_ptr_array_new ();
          series->info = g_new0 (OspDicomSeriesInfo, 1);
          series->info->series_uid = g_strdup (e->header.series_uid != NULL
                                               ? e->header.series_uid : "");
          series->info->description = g_strdup (e->header.series_description);
          series->info->modality = g_strdup (e->header.modality);
          series->info->rows = e->header.rows;
          series->info->columns = e->header.columns;
          if (e->header.has_spacing)
            {
              series->info->spacing[0] = e->header.pixel_spacing[1];
              series->info->spacing[1] = e->header.pixel_spacing[0];
            }
          g_hash_table_insert (by_key, e->key, series);
          g_ptr_array_add (scan->series, series);
        }
      g_ptr_array_add (series->files, e);
    }
  for (guint s = 0; s < scan->series->len; s++)
    {
      Series *series = scan->series->pdata[s];

      series->info->n_slices = series_slice_count (series->files);
      series->info->spacing[2] = series_median_step (series->files);
    }
  g_ptr_array_sort (scan->series, compare_series);
  return g_steal_pointer (&scan);
}

GPtrArray *
osp_dicom_scan_folder (const char   *folder,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Scan) scan = NULL;
  GPtrArray *result;

  g_return_val_if_fail (folder != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *name = osp_error_display_name (folder);

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR, _("%s: not a folder"), name);
      return NULL;
    }
  collect_files (folder, 0, TRUE, paths);
  scan = scan_paths (paths, NULL, NULL, cancellable, error);
  if (scan == NULL)
    return NULL;
  result = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_dicom_series_info_free);
  for (guint s = 0; s < scan->series->len; s++)
    {
      Series *series = scan->series->pdata[s];

      g_ptr_array_add (result, g_steal_pointer (&series->info));
    }
  return result;
}

/* ---- loading one series ---- */

typedef struct
{
  FileEntry *file;
  guint      frame;
  double     position[3];
  double     d;          /* position along the normal */
  gboolean   failed;
} Slice;

static int
compare_slices (gconstpointer a,
                gconstpointer b)
{
  const Slice *x = a, *y = b;

  if (x->d != y->d)
    return x->d < y->d ? -1 : 1;
  /* Same position: keep the file order stable and reproducible. */
  if (x->file != y->file)
    return strcmp (x->file->path, y->file->path);
  return (int) x->frame - (int) y->frame;
}

/* Decoding: one job per file; its frames go to their slots in the stack. */
typedef struct
{
  GPtrArray *files;       /* FileEntry* */
  GArray    *slices;      /* Slice, sorted */
  GHashTable *slots;      /* FileEntry* → GArray of guint: slot of each frame or G_MAXUINT */
  gint16    *stack;       /* n_slices × rows × columns */
  gsize      slice_values;
  char     **reasons;     /* per file: why decoding failed, or NULL */
  /* Decoding in helper processes: */
  guint64    memory_limit;  /* of each helper */
  GCancellable *cancellable;
  GMutex     lock;
  GError    *start_error; /* the first helper that could not be started */
} Decode;

/* Tests and benchmarks only: decode in this process, with how many helpers
 * (osp-volume-io-private.h). */
static gboolean decode_in_process;
static guint decode_helpers;

void
osp_dicom_set_decode_in_process (gboolean in_process)
{
  decode_in_process = in_process;
}

void
osp_dicom_set_decode_helpers (guint n_helpers)
{
  decode_helpers = n_helpers;
}

static void
decode_file (Decode          *dc,
             guint            index,
             OspDicomDecoder *decoder)
{
  FileEntry *file = dc->files->pdata[index];
  GArray *slots = g_hash_table_lookup (dc->slots, file);
  g_autofree gint16 *frames = NULL;
  gint16 *target;
  char *reason = NULL;

  {
    gboolean used = FALSE;

    for (guint f = 0; f < slots->len; f++)
      used = used || g_array_index (slots, guint, f) != G_MAXUINT;
    if (!used)
      return;  /* every frame repeats another file's position */
  }
  if (file->header.n_frames == 1)
    target = dc->stack + dc->slice_values * g_array_index (slots, guint, 0);
  else
    {
      frames = g_try_new (gint16, dc->slice_values * file->header.n_frames);
      if (frames == NULL)
        {
          dc->reasons[index] = g_strdup (_("out of memory"));
          return;
        }
      target = frames;
    }
  if (decoder != NULL ? !osp_dicom_decoder_decode (decoder, file->path, &file->header, target,
                                                   dc->cancellable, &reason)
                      : !osp_dicom_gdcm_read_pixels (file->path, &file->header, target, &reason))
    {
      dc->reasons[index] = reason;
      return;
    }
  if (frames != NULL)
    for (guint f = 0; f < file->header.n_frames; f++)
      {
        guint slot = g_array_index (slots, guint, f);

        if (slot != G_MAXUINT)
          memcpy (dc->stack + dc->slice_values * slot, frames + dc->slice_values * f,
                  dc->slice_values * sizeof (gint16));
      }
}

static void
decode_job (guint    index,
            gpointer data)
{
  decode_file (data, index, NULL);
}

/* One helper process per thread, decoding file after file; a helper that crashed or hung is
 * replaced for the next file. */
static void
decode_job_in_helper (guint     index,
                      gpointer  data,
                      gpointer *state)
{
  Decode *dc = data;
  OspDicomDecoder *decoder = *state;

  if (decoder != NULL && !osp_dicom_decoder_alive (decoder))
    g_clear_pointer (&decoder, osp_dicom_decoder_free);
  if (decoder == NULL)
    {
      GError *error = NULL;

      decoder = osp_dicom_decoder_new (dc->memory_limit, &error);
      if (decoder == NULL)
        {
          g_mutex_lock (&dc->lock);
          if (dc->start_error == NULL)
            dc->start_error = error;
          else
            g_error_free (error);
          g_mutex_unlock (&dc->lock);
          dc->reasons[index] = g_strdup (_("the DICOM decoder cannot be started"));
          *state = NULL;
          return;
        }
    }
  *state = decoder;
  decode_file (dc, index, decoder);
}

/* What a helper may map: its libraries and GDCM's copy of the largest file, the decoded
 * image (up to 8 bytes a value) and the values sent back. */
static guint64
helper_memory_limit (GPtrArray *files)
{
  guint64 largest_file = 0, largest_image = 0;

  for (guint f = 0; f < files->len; f++)
    {
      FileEntry *e = files->pdata[f];
      GStatBuf st;

      if (g_stat (e->path, &st) == 0)
        largest_file = MAX (largest_file, (guint64) st.st_size);
      largest_image = MAX (largest_image,
                           (guint64) e->header.rows * e->header.columns * e->header.n_frames);
    }
  return (512u << 20) + 3 * largest_file + 10 * largest_image;
}

/* Geometry of a sorted run of slices. */
typedef struct
{
  double median_step;
  double min_step;
  double max_step;
  double mean_step;   /* (last − first) / (n − 1): the step of a regular stack */
  double max_offset;  /* largest distance of a slice from its place on the mean-step grid */
  double max_shear;   /* largest in-plane offset of a slice from the first, mm */
  double tilt_deg;    /* the angle between the slice stack and the normal */
  gboolean regular;
} StackGeometry;

static void
measure_stack (const Slice   *slices,
               guint          n,
               const double   normal[3],
               StackGeometry *g)
{
  g_autofree double *steps = g_new (double, MAX (n, 1));

  memset (g, 0, sizeof *g);
  g->regular = TRUE;
  if (n < 2)
    return;
  for (guint k = 1; k < n; k++)
    steps[k - 1] = slices[k].d - slices[k - 1].d;
  qsort (steps, n - 1, sizeof (double), compare_doubles);
  g->min_step = steps[0];
  g->max_step = steps[n - 2];
  /* The lower median of the n − 1 steps: a grid made from it is never the coarser one. */
  g->median_step = steps[(n - 2) / 2];
  /* A regular stack takes the mean step, not the median: positions rounded to 0.01 mm (0.62,
   * 0.63, 0.62… for 0.625 mm slices) would otherwise stretch a long series by millimetres. */
  g->mean_step = (slices[n - 1].d - slices[0].d) / (n - 1);
  for (guint k = 1; k < n; k++)
    g->max_offset = MAX (g->max_offset,
                         fabs (slices[k].d - slices[0].d - k * g->mean_step));
  for (guint k = 1; k < n; k++)
    {
      double off[3], along = slices[k].d - slices[0].d, len;

      for (guint c = 0; c < 3; c++)
        off[c] = slices[k].position[c] - slices[0].position[c] - along * normal[c];
      len = sqrt (off[0] * off[0] + off[1] * off[1] + off[2] * off[2]);
      if (len > g->max_shear)
        {
          g->max_shear = len;
          g->tilt_deg = atan2 (len, fabs (along)) * 180 / G_PI;
        }
    }
  {
    double tol = MAX (STEP_TOLERANCE_ABS, STEP_TOLERANCE_REL * g->median_step);

    /* Every slice within the tolerance of its place on the grid (a few small steps in a row
     * cannot add up to a displaced slice). */
    g->regular = g->max_step - g->median_step <= tol && g->median_step - g->min_step <= tol &&
                 g->max_offset <= tol && g->max_shear <= SHEAR_TOLERANCE_MM;
  }
}

/* Trilinear resampling of a sheared or unevenly spaced stack onto a regular grid. */
typedef struct
{
  const Slice  *slices;
  guint         n_slices;
  const gint16 *stack;
  guint32       rows, columns;
  double        su, sv;            /* pixel spacing along the row and column directions */
  double       *a, *b;             /* each slice's origin in (u, v) */
  double        umin, vmin, w0, sw;
  guint32       dims[3];
  gint16       *out;
} Resample;

static inline double
sample_slice (const Resample *rs,
              guint           k,
              double          u,
              double          v,
              gboolean       *inside)
{
  double fi = (u - rs->a[k]) / rs->su, fj = (v - rs->b[k]) / rs->sv;
  const gint16 *s = rs->stack + (gsize) k * rs->rows * rs->columns;
  int i0, j0;
  double ti, tj, v00, v10, v01, v11;

  /* Half a pixel of grace at the borders (rounding); outside is air. */
  if (fi < -0.5 || fj < -0.5 || fi > rs->columns - 0.5 || fj > rs->rows - 0.5)
    {
      *inside = FALSE;
      return OSP_HU_AIR;
    }
  *inside = TRUE;
  fi = CLAMP (fi, 0, rs->columns - 1);
  fj = CLAMP (fj, 0, rs->rows - 1);
  i0 = MIN ((int) fi, (int) rs->columns - 2);
  j0 = MIN ((int) fj, (int) rs->rows - 2);
  i0 = MAX (i0, 0);
  j0 = MAX (j0, 0);
  ti = rs->columns > 1 ? fi - i0 : 0;
  tj = rs->rows > 1 ? fj - j0 : 0;
  v00 = s[(gsize) j0 * rs->columns + i0];
  v10 = rs->columns > 1 ? s[(gsize) j0 * rs->columns + i0 + 1] : v00;
  v01 = rs->rows > 1 ? s[(gsize) (j0 + 1) * rs->columns + i0] : v00;
  v11 = rs->columns > 1 && rs->rows > 1 ? s[(gsize) (j0 + 1) * rs->columns + i0 + 1] : v00;
  return (v00 * (1 - ti) + v10 * ti) * (1 - tj) + (v01 * (1 - ti) + v11 * ti) * tj;
}

static void
resample_job (guint    z,
              gpointer data)
{
  const Resample *rs = data;
  double w = rs->w0 + z * rs->sw;
  guint k = 0;
  double t;
  gint16 *out = rs->out + (gsize) z * rs->dims[0] * rs->dims[1];

  /* The two slices around w. */
  while (k + 2 < rs->n_slices && rs->slices[k + 1].d <= w)
    k++;
  if (rs->n_slices == 1)
    t = 0;
  else
    t = CLAMP ((w - rs->slices[k].d) / (rs->slices[k + 1].d - rs->slices[k].d), 0.0, 1.0);

  for (guint32 y = 0; y < rs->dims[1]; y++)
    for (guint32 x = 0; x < rs->dims[0]; x++)
      {
        double u = rs->umin + x * rs->su, v = rs->vmin + y * rs->sv, value;
        gboolean in0, in1 = FALSE;
        double v0 = sample_slice (rs, k, u, v, &in0);
        double v1 = rs->n_slices > 1 ? sample_slice (rs, k + 1, u, v, &in1) : v0;

        value = in0 || in1 ? v0 * (1 - t) + v1 * t : OSP_HU_AIR;
        out[(gsize) y * rs->dims[0] + x] = (gint16) lrint (CLAMP (value, G_MININT16, G_MAXINT16));
      }
}

/* Makes the volume from the decoded stack: as it is when the slices are regular, resampled
 * otherwise.  stack_volume, when the stack is already a volume's voxels, is that volume. */
static OspVolume *
build_volume (const Slice            *slices,
              guint                   n,
              const gint16           *stack,
              OspVolume              *stack_volume,
              const OspDicomHeader   *h,
              const char             *name,
              GPtrArray              *notes,
              const OspProgressRange *progress,
              GCancellable           *cancellable,
              GError                **error)
{
  double row[3], col[3], normal[3], direction[9], spacing[3], origin[3];
  StackGeometry g;
  g_autoptr(OspVolume) volume = NULL;
  guint32 dims[3];

  memcpy (row, h->orientation, sizeof row);
  memcpy (col, h->orientation + 3, sizeof col);
  normalize (row);
  normalize (col);
  slice_normal (h->orientation, normal);
  memcpy (direction, row, sizeof row);
  memcpy (direction + 3, col, sizeof col);
  memcpy (direction + 6, normal, sizeof normal);
  spacing[0] = h->has_spacing ? h->pixel_spacing[1] : 1.0;
  spacing[1] = h->has_spacing ? h->pixel_spacing[0] : 1.0;
  measure_stack (slices, n, normal, &g);

  if (g.regular)
    {
      spacing[2] = n > 1 ? g.mean_step
                         : (h->slice_thickness > 0 ? h->slice_thickness : 1.0);
      memcpy (origin, slices[0].position, sizeof origin);
      dims[0] = h->columns;
      dims[1] = h->rows;
      dims[2] = n;
      if (stack_volume != NULL)
        {
          guint32 sd[3];

          osp_volume_get_dims (stack_volume, sd);
          /* No slice was dropped: the slices were decoded straight into it. */
          if (sd[2] == n)
            volume = osp_volume_ref (stack_volume);
        }
      if (volume == NULL)
        {
          volume = osp_volume_new (dims, spacing, origin, direction, name, error);
          if (volume == NULL)
            return NULL;
          memcpy (osp_volume_get_data_mutable (volume), stack,
                  (gsize) n * h->rows * h->columns * sizeof (gint16));
        }
      return g_steal_pointer (&volume);
    }

  /* Resample: the grid keeps the row and column directions and the normal; it covers every
   * slice in (u, v) and runs from the first to the last slice along the normal. */
  {
    Resample rs = { 0 };
    g_autofree double *a = g_new (double, n);
    g_autofree double *b = g_new (double, n);
    double umax = -G_MAXDOUBLE, vmax = -G_MAXDOUBLE, extent;
    guint64 nz;
    g_autofree char *note = NULL;

    rs.umin = rs.vmin = G_MAXDOUBLE;
    for (guint k = 0; k < n; k++)
      {
        const double *p = slices[k].position;

        a[k] = p[0] * row[0] + p[1] * row[1] + p[2] * row[2];
        b[k] = p[0] * col[0] + p[1] * col[1] + p[2] * col[2];
        rs.umin = MIN (rs.umin, a[k]);
        rs.vmin = MIN (rs.vmin, b[k]);
        umax = MAX (umax, a[k] + (h->columns - 1) * spacing[0]);
        vmax = MAX (vmax, b[k] + (h->rows - 1) * spacing[1]);
      }
    extent = slices[n - 1].d - slices[0].d;
    nz = (guint64) llround (extent / g.median_step) + 1;
    rs.dims[0] = (guint32) llround ((umax - rs.umin) / spacing[0]) + 1;
    rs.dims[1] = (guint32) llround ((vmax - rs.vmin) / spacing[1]) + 1;
    if (nz > 65535 || rs.dims[0] > 65535 || rs.dims[1] > 65535)
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                     _("%s: the slice positions span too large a volume to resample"), name);
        return NULL;
      }
    rs.dims[2] = (guint32) nz;
    spacing[2] = nz > 1 ? extent / (double) (nz - 1) : g.median_step;
    for (guint c = 0; c < 3; c++)
      origin[c] = rs.umin * row[c] + rs.vmin * col[c] + slices[0].d * normal[c];
    volume = osp_volume_new (rs.dims, spacing, origin, direction, name, error);
    if (volume == NULL)
      return NULL;

    rs.slices = slices;
    rs.n_slices = n;
    rs.stack = stack;
    rs.rows = h->rows;
    rs.columns = h->columns;
    rs.su = spacing[0];
    rs.sv = spacing[1];
    rs.a = a;
    rs.b = b;
    rs.w0 = slices[0].d;
    rs.sw = spacing[2];
    rs.out = osp_volume_get_data_mutable (volume);
    parallel_for (rs.dims[2], resample_job, &rs, progress, cancellable);
    if (g_cancellable_set_error_if_cancelled (cancellable, error))
      return NULL;

    if (g.max_shear > SHEAR_TOLERANCE_MM && g.max_step - g.min_step >
        MAX (STEP_TOLERANCE_ABS, STEP_TOLERANCE_REL * g.median_step))
      note = g_strdup_printf (_("%s: the slices are tilted by %.1f° (gantry tilt) and unevenly "
                                "spaced (%.2f to %.2f mm); resampled onto a regular %u × %u × %u "
                                "grid of %.3f × %.3f × %.3f mm"),
                              name, g.tilt_deg, g.min_step, g.max_step, rs.dims[0], rs.dims[1],
                              rs.dims[2], spacing[0], spacing[1], spacing[2]);
    else if (g.max_shear > SHEAR_TOLERANCE_MM)
      note = g_strdup_printf (_("%s: the slices are tilted by %.1f° (gantry tilt); resampled "
                                "onto a regular %u × %u × %u grid of %.3f × %.3f × %.3f mm"),
                              name, g.tilt_deg, rs.dims[0], rs.dims[1], rs.dims[2],
                              spacing[0], spacing[1], spacing[2]);
    else
      note = g_strdup_printf (_("%s: the slices are unevenly spaced (%.2f to %.2f mm); "
                                "resampled onto a regular %u × %u × %u grid of %.3f × %.3f × "
                                "%.3f mm"),
                              name, g.min_step, g.max_step, rs.dims[0], rs.dims[1], rs.dims[2],
                              spacing[0], spacing[1], spacing[2]);
    g_ptr_array_add (notes, g_steal_pointer (&note));

    /* Steps of two or more whole slice distances are missing slices, not a change of
     * spacing: say so. */
    {
      guint missing = 0;
      double from = 0, to = 0;

      for (guint k = 1; k < n; k++)
        {
          double ratio = (slices[k].d - slices[k - 1].d) / g.median_step;
          long whole = lround (ratio);

          if (whole >= 2 && fabs (ratio - whole) < 0.2)
            {
              if (missing == 0)
                from = slices[k - 1].d, to = slices[k].d;
              missing += (guint) (whole - 1);
            }
        }
      if (missing > 0)
        g_ptr_array_add (notes,
                         g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                       "%s: the series has a gap: %u slice "
                                                       "is missing (the first gap lies between "
                                                       "%.2f and %.2f mm along the slice "
                                                       "normal); it was filled by interpolation",
                                                       "%s: the series has gaps: %u slices "
                                                       "are missing (the first gap lies between "
                                                       "%.2f and %.2f mm along the slice "
                                                       "normal); they were filled by "
                                                       "interpolation", missing),
                                          name, missing, from, to));
    }
    return g_steal_pointer (&volume);
  }
}

/* How far two slices' direction cosines may differ and the slices still stack: scanners write
 * the same orientation with different rounding from slice to slice. */
#define ORIENTATION_TOLERANCE 1e-3

/* Whether two images stack: the same size, pixel spacing (to 0.1 %) and, within the
 * tolerance, the same orientation. */
static gboolean
same_stack (const OspDicomHeader *a,
            const OspDicomHeader *b)
{
  if (a->rows != b->rows || a->columns != b->columns ||
      a->has_orientation != b->has_orientation || a->has_spacing != b->has_spacing)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!(fabs (a->orientation[i] - b->orientation[i]) <= ORIENTATION_TOLERANCE))
      return FALSE;
  for (guint i = 0; i < 2 && a->has_spacing; i++)
    if (!(fabs (a->pixel_spacing[i] - b->pixel_spacing[i]) <= 1e-3 * a->pixel_spacing[i]))
      return FALSE;
  return TRUE;
}

/* Whether the file is the one the user opened (its base name is `preferred`): its problem is
 * the one to report. */
static gboolean
is_preferred (const FileEntry *e,
              const char      *preferred)
{
  g_autofree char *base = NULL;

  if (preferred == NULL)
    return FALSE;
  base = g_path_get_basename (e->path);
  return strcmp (base, preferred) == 0;
}

/* Without positions: instance numbers, then names (for reproducibility). */
static int
compare_instances (gconstpointer a,
                   gconstpointer b)
{
  const FileEntry *x = *(FileEntry *const *) a, *y = *(FileEntry *const *) b;

  if (x->header.instance_number != y->header.instance_number)
    return x->header.instance_number < y->header.instance_number ? -1 : 1;
  return strcmp (x->path, y->path);
}

static OspVolume *
load_series (Series                 *series,
             GPtrArray              *unreadable,
             const char             *preferred,
             const char             *name,
             const OspProgressRange *progress,
             GCancellable           *cancellable,
             GError                **error)
{
  g_autoptr(GArray) slices = g_array_new (FALSE, TRUE, sizeof (Slice));
  g_autoptr(GHashTable) slots = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(GPtrArray) broken = g_ptr_array_new ();  /* too short for their pixels */
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(OspVolume) stack_volume = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autofree gint16 *stack_buf = NULL;
  g_autofree char **reasons = NULL;
  const OspDicomHeader *stack_header = NULL;
  OspDicomHeader *h;
  double normal[3];
  guint n_dropped = 0, n_duplicates = 0, n_failed = 0, n_unplaced = 0;
  gboolean positions_missing = FALSE;
  gsize slice_values;
  gint16 *stack;
  Decode dc;
  OspProgressRange decode_progress = osp_progress_sub (progress, 0.0, 0.85);
  OspProgressRange resample_progress = osp_progress_sub (progress, 0.85, 0.15);

  /* Keep the slices of the most common size, pixel spacing and orientation (a scout in the
   * series goes). */
  {
    g_autoptr(GPtrArray) stacks = g_ptr_array_new ();       /* OspDicomHeader*: the first */
    g_autoptr(GArray) votes = g_array_new (FALSE, TRUE, sizeof (gint64));
    gint64 best = -1;

    for (guint f = 0; f < series->files->len; f++)
      {
        FileEntry *e = series->files->pdata[f];
        /* Files that cannot hold their pixels do not vote, unless none can. */
        gint64 vote = (e->header.problem != NULL ? 0 : 1000000) + MIN (e->header.n_frames, 100000);
        guint s;

        for (s = 0; s < stacks->len; s++)
          if (same_stack (stacks->pdata[s], &e->header))
            break;
        if (s == stacks->len)
          {
            gint64 none = 0;

            g_ptr_array_add (stacks, &e->header);
            g_array_append_val (votes, none);
          }
        g_array_index (votes, gint64, s) += vote;
      }
    for (guint s = 0; s < stacks->len; s++)
      if (g_array_index (votes, gint64, s) > best)
        {
          best = g_array_index (votes, gint64, s);
          stack_header = stacks->pdata[s];
        }
  }
  for (guint f = 0; f < series->files->len; f++)
    {
      FileEntry *e = series->files->pdata[f];

      if (!same_stack (stack_header, &e->header))
        n_dropped += e->header.n_frames;
      else if (e->header.problem != NULL)
        g_ptr_array_add (broken, e);
      else
        g_ptr_array_add (files, e);
    }
  if (files->len == 0)
    {
      FileEntry *e = broken->pdata[0];
      g_autofree char *file_name = NULL;

      /* The file asked for, when it is one of them. */
      for (guint f = 0; f < broken->len; f++)
        if (is_preferred (broken->pdata[f], preferred))
          e = broken->pdata[f];
      file_name = osp_error_display_name (e->path);

      g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED, "%s: %s", file_name, e->header.problem);
      return NULL;
    }

  /* A slice without a position has no place among slices with one: leave it out.  When none
   * has one, stack them by instance number. */
  {
    guint n_placed = 0;

    for (guint f = 0; f < files->len; f++)
      {
        FileEntry *e = files->pdata[f];

        if (e->header.n_positions == e->header.n_frames)
          n_placed++;
      }
    if (n_placed == 0)
      {
        positions_missing = TRUE;
        g_ptr_array_sort (files, compare_instances);
      }
    else if (n_placed < files->len)
      {
        guint w = 0;

        for (guint f = 0; f < files->len; f++)
          {
            FileEntry *e = files->pdata[f];

            if (e->header.n_positions == e->header.n_frames)
              files->pdata[w++] = e;
            else
              n_unplaced += e->header.n_frames;
          }
        g_ptr_array_set_size (files, w);
      }
  }
  h = &((FileEntry *) files->pdata[0])->header;
  {
    guint64 values = 0;

    for (guint f = 0; f < files->len; f++)
      values += ((FileEntry *) files->pdata[f])->header.n_frames;
    if (!osp_size_mul (values, (guint64) h->rows * h->columns * sizeof (gint16), &values) ||
        !osp_memory_check (values, name, _("the series"), error))
      {
        if (error != NULL && *error == NULL)
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: the series is too large"),
                       name);
        return NULL;
      }
  }
  if (h->samples_per_pixel > 1)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("%s: the series holds colour images (%u samples per pixel), not a CT"),
                   name, h->samples_per_pixel);
      return NULL;
    }
  if (!h->has_orientation)
    {
      /* Without an orientation there is no patient geometry: stack along z, say so. */
      static const double identity[6] = { 1, 0, 0, 0, 1, 0 };

      gboolean bad = FALSE;

      for (guint f = 0; f < files->len; f++)
        {
          memcpy (((FileEntry *) files->pdata[f])->header.orientation, identity, sizeof identity);
          bad |= ((FileEntry *) files->pdata[f])->bad_orientation;
        }
      if (bad)
        g_ptr_array_add (notes, g_strdup_printf (_("%s: the images’ orientation "
                                                   "(ImageOrientationPatient) is not a valid "
                                                   "pair of perpendicular directions; the slices "
                                                   "were taken as axial"), name));
      else
        g_ptr_array_add (notes, g_strdup_printf (_("%s: the images have no orientation; the "
                                                   "slices were taken as axial"), name));
    }
  if (!h->has_spacing)
    g_ptr_array_add (notes, g_strdup_printf (_("%s: the images have no pixel spacing; 1 mm "
                                               "pixels were assumed"), name));
  for (guint f = 0; f < files->len; f++)
    if (((FileEntry *) files->pdata[f])->header.monochrome1)
      {
        g_ptr_array_add (notes, g_strdup_printf (_("%s: the images are MONOCHROME1 (meant to be "
                                                   "shown inverted); the Hounsfield units are "
                                                   "not affected"), name));
        break;
      }
  slice_normal (h->orientation, normal);

  /* One slice per frame, with its position. */
  {
    guint index = 0;
    /* Without positions: SpacingBetweenSlices apart, else a thickness, from the first file's
     * position if it has one (a legacy multi-frame file). */
    double step = h->slice_spacing > 0 ? h->slice_spacing
                                       : h->slice_thickness > 0 ? h->slice_thickness : 1.0;
    double base[3] = { 0, 0, 0 };

    if (positions_missing && h->n_positions > 0)
      memcpy (base, h->positions, sizeof base);
    for (guint f = 0; f < files->len; f++)
      {
        FileEntry *e = files->pdata[f];

        for (guint fr = 0; fr < e->header.n_frames; fr++, index++)
          {
            Slice s = { e, fr, { 0, 0, 0 }, 0, FALSE };

            if (!positions_missing)
              memcpy (s.position, e->header.positions + 3 * fr, sizeof s.position);
            else
              {
                for (guint c = 0; c < 3; c++)
                  s.position[c] = base[c] + index * step * normal[c];
              }
            s.d = s.position[0] * normal[0] + s.position[1] * normal[1] +
                  s.position[2] * normal[2];
            g_array_append_val (slices, s);
          }
      }
    if (positions_missing && slices->len > 1)
      g_ptr_array_add (notes, g_strdup_printf (_("%s: the slices have no positions; they were "
                                                 "stacked by instance number (and frame), %.3f "
                                                 "mm apart"), name, step));
    if (n_unplaced > 0)
      g_ptr_array_add (notes,
                       g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%s: %u image has no position and was "
                                                     "left out",
                                                     "%s: %u images have no position and were "
                                                     "left out", n_unplaced),
                                        name, n_unplaced));
  }
  g_array_sort (slices, compare_slices);

  /* Two slices at one position (a repeated acquisition): keep the first. */
  {
    guint w = 0;

    for (guint k = 0; k < slices->len; k++)
      {
        Slice *s = &g_array_index (slices, Slice, k);

        if (w > 0 && fabs (s->d - g_array_index (slices, Slice, w - 1).d) < 1e-3)
          {
            g_autofree char *base = g_path_get_basename (s->file->path);

            /* The file the user named wins over its twins. */
            if (preferred != NULL && strcmp (base, preferred) == 0)
              g_array_index (slices, Slice, w - 1) = *s;
            n_duplicates++;
            continue;
          }
        g_array_index (slices, Slice, w++) = g_array_index (slices, Slice, k);
      }
    g_array_set_size (slices, w);
  }

  /* Where each frame goes. */
  slots = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  for (guint f = 0; f < files->len; f++)
    {
      FileEntry *e = files->pdata[f];
      GArray *a = g_array_sized_new (FALSE, FALSE, sizeof (guint), e->header.n_frames);
      guint none = G_MAXUINT;

      for (guint fr = 0; fr < e->header.n_frames; fr++)
        g_array_append_val (a, none);
      g_hash_table_insert (slots, e, a);
    }
  for (guint k = 0; k < slices->len; k++)
    {
      Slice *s = &g_array_index (slices, Slice, k);

      g_array_index ((GArray *) g_hash_table_lookup (slots, s->file), guint, s->frame) = k;
    }

  /* Decode straight into a volume when the geometry is regular; into a stack otherwise. */
  slice_values = (gsize) h->rows * h->columns;
  {
    StackGeometry g;
    double spacing[3] = { h->has_spacing ? h->pixel_spacing[1] : 1.0,
                          h->has_spacing ? h->pixel_spacing[0] : 1.0, 1.0 };
    double direction[9];
    guint32 dims[3] = { h->columns, h->rows, slices->len };

    measure_stack ((Slice *) slices->data, slices->len, normal, &g);
    if (g.regular)
      {
        if (slices->len > 1)
          spacing[2] = g.mean_step;
        else if (h->slice_thickness > 0)
          spacing[2] = h->slice_thickness;
        memcpy (direction, h->orientation, 6 * sizeof (double));
        normalize (direction);
        normalize (direction + 3);
        memcpy (direction + 6, normal, sizeof normal);
        stack_volume = osp_volume_new (dims, spacing, g_array_index (slices, Slice, 0).position,
                                       direction, name, error);
        if (stack_volume == NULL)
          return NULL;
        stack = osp_volume_get_data_mutable (stack_volume);
      }
    else
      {
        guint64 bytes = (guint64) slice_values * slices->len * sizeof (gint16);

        if (!osp_memory_check (bytes, name, _("the slices"), error))
          return NULL;
        stack_buf = g_try_malloc (bytes);
        if (stack_buf == NULL)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                         _("%s: out of memory for the slices"), name);
            return NULL;
          }
        stack = stack_buf;
      }
  }

  reasons = g_new0 (char *, files->len + 1);
  dc.files = files;
  dc.slices = slices;
  dc.slots = slots;
  dc.stack = stack;
  dc.slice_values = slice_values;
  dc.reasons = reasons;
  dc.cancellable = cancellable;
  dc.start_error = NULL;
  if (decode_in_process)
    parallel_for (files->len, decode_job, &dc, &decode_progress, cancellable);
  else
    {
      dc.memory_limit = helper_memory_limit (files);
      g_mutex_init (&dc.lock);
      parallel_for_with_state (files->len, decode_helpers, decode_job_in_helper,
                               (GDestroyNotify) osp_dicom_decoder_free, &dc, &decode_progress,
                               cancellable);
      g_mutex_clear (&dc.lock);
    }
  if (dc.start_error != NULL)
    {
      g_propagate_error (error, dc.start_error);
      for (guint f = 0; f < files->len; f++)
        g_free (reasons[f]);
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      for (guint f = 0; f < files->len; f++)
        g_free (reasons[f]);
      return NULL;
    }

  /* Failed files (and those too short for their pixels): skip their slices when few and the
   * rest is whole, else fail. */
  {
    FileEntry *first = broken->len > 0 ? broken->pdata[0] : NULL;
    const char *first_reason = first != NULL ? first->header.problem : NULL;
    guint n_broken = 0;

    for (guint f = 0; f < broken->len; f++)
      {
        FileEntry *e = broken->pdata[f];

        n_broken += e->header.n_frames;
        if (is_preferred (e, preferred))
          first = e, first_reason = e->header.problem;
      }
    for (guint f = 0; f < files->len; f++)
      if (reasons[f] != NULL)
        {
          FileEntry *e = files->pdata[f];
          GArray *a = g_hash_table_lookup (slots, e);

          if (first == NULL || is_preferred (e, preferred))
            first = e, first_reason = reasons[f];
          for (guint fr = 0; fr < a->len; fr++)
            if (g_array_index (a, guint, fr) != G_MAXUINT)
              {
                g_array_index (slices, Slice, g_array_index (a, guint, fr)).failed = TRUE;
                n_failed++;
              }
        }
    if (first != NULL)
      {
        g_autofree char *file_name = osp_error_display_name (first->path);
        guint remaining = slices->len - n_failed;

        n_failed += n_broken;
        if (remaining < 2 || n_failed > MAX (1u, (slices->len + n_broken) / 10))
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, "%s: %s", file_name, first_reason);
            for (guint f = 0; f < files->len; f++)
              g_free (reasons[f]);
            return NULL;
          }
        g_ptr_array_add (notes,
                         g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                       "%s: %u slice was skipped: %s: %s",
                                                       "%s: %u slices were skipped: %s: %s",
                                                       n_failed),
                                          name, n_failed, file_name, first_reason));
        /* Close the gaps: compact the good slices (and their pixels). */
        {
          guint w = 0;

          for (guint k = 0; k < slices->len; k++)
            {
              Slice *s = &g_array_index (slices, Slice, k);

              if (s->failed)
                continue;
              if (w != k)
                memmove (stack + slice_values * w, stack + slice_values * k,
                         slice_values * sizeof (gint16));
              g_array_index (slices, Slice, w++) = *s;
            }
          g_array_set_size (slices, w);
        }
      }
    for (guint f = 0; f < files->len; f++)
      g_free (reasons[f]);
  }

  volume = build_volume ((Slice *) slices->data, slices->len, stack, stack_volume, h, name,
                         notes, &resample_progress, cancellable, error);
  if (volume == NULL)
    return NULL;
  osp_progress_report (progress, 1.0);

  if (n_dropped > 0)
    g_ptr_array_add (notes,
                     g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "%s: %u image of another size, pixel "
                                                   "spacing or orientation was left out",
                                                   "%s: %u images of another size, pixel "
                                                   "spacing or orientation were left out",
                                                   n_dropped),
                                      name, n_dropped));
  if (n_duplicates > 0)
    g_ptr_array_add (notes,
                     g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "%s: %u slice repeats a position and was "
                                                   "left out",
                                                   "%s: %u slices repeat a position and were "
                                                   "left out", n_duplicates),
                                      name, n_duplicates));
  if (unreadable != NULL && unreadable->len > 0)
    {
      FileEntry *e = unreadable->pdata[0];
      g_autofree char *file_name = osp_error_display_name (e->path);

      g_ptr_array_add (notes,
                       g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                     "%s: %u file could not be read (%s: %s)",
                                                     "%s: %u files could not be read (first: "
                                                     "%s: %s)", unreadable->len),
                                        name, unreadable->len, file_name, e->reason));
    }
  for (guint i = 0; i < notes->len; i++)
    osp_volume_add_note (volume, notes->pdata[i]);
  {
    GString *description = g_string_new (series->info->modality);

    if (series->info->description != NULL && series->info->description[0] != '\0')
      g_string_append_printf (description, "%s%s", description->len > 0 ? " — " : "",
                              series->info->description);
    if (description->len > 0)
      osp_volume_set_description (volume, description->str);
    g_string_free (description, TRUE);
  }
  {
    /* Who the CT shows (the first file's tags; never logged). */
    const OspDicomHeader *first = &((FileEntry *) series->files->pdata[0])->header;
    g_autoptr(OspPatient) patient = osp_patient_new ();
    const char *const values[] = { first->patient_name, first->patient_id, first->birth_date,
                                   first->sex, first->study_date, first->study_description,
                                   series->info->description };
    char **fields[] = { &patient->name, &patient->id, &patient->birth_date, &patient->sex,
                        &patient->study_date, &patient->study_description,
                        &patient->series_description };

    for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
      if (values[f] != NULL)
        {
          g_free (*fields[f]);
          *fields[f] = g_strdup (values[f]);
        }
    if (!osp_patient_is_empty (patient))
      osp_volume_set_patient (volume, patient);
  }
  return g_steal_pointer (&volume);
}

OspVolume *
osp_dicom_load (const char                 *path,
                const OspVolumeLoadOptions *options,
                const OspProgressRange     *progress,
                GCancellable               *cancellable,
                GError                    **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Scan) scan = NULL;
  g_autofree char *name = osp_error_display_name (path);
  g_autofree char *only_key = NULL;
  OspProgressRange scan_progress = osp_progress_sub (progress, 0.0, 0.15);
  OspProgressRange load_progress = osp_progress_sub (progress, 0.15, 0.85);
  int index = options != NULL ? options->series_index : -1;
  Series *series;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  osp_dicom_gdcm_init ();
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    collect_files (path, 0, TRUE, paths);
  else
    {
      /* One file: its series, from the files beside it. */
      OspDicomHeader header;
      char *reason = NULL;
      g_autofree char *folder = g_path_get_dirname (path);

      if (!osp_input_check (path, error))
        return NULL;
      if (!read_checked_header (path, &header, &reason))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, "%s: %s", name, reason);
          g_free (reason);
          return NULL;
        }
      if (!header.is_image)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                       _("%s: a DICOM file without an image (a directory or a report)"), name);
          osp_dicom_header_clear (&header);
          return NULL;
        }
      only_key = series_key (&header);
      osp_dicom_header_clear (&header);
      collect_files (folder, 0, FALSE, paths);
      index = 0;
    }

  scan = scan_paths (paths, only_key, &scan_progress, cancellable, error);
  if (scan == NULL)
    return NULL;
  if (scan->series->len == 0)
    {
      if (scan->unreadable->len > 0)
        {
          FileEntry *e = scan->unreadable->pdata[0];
          g_autofree char *file_name = osp_error_display_name (e->path);

          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: no readable DICOM image series (%s: %s)"), name, file_name,
                       e->reason);
        }
      else
        g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT,
                     _("%s: no DICOM image series found"), name);
      return NULL;
    }
  if (index < 0)
    index = 0;
  if ((guint) index >= scan->series->len)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   g_dngettext (GETTEXT_PACKAGE, "%s: there is no series %d; the folder holds %u "
                                "series", "%s: there is no series %d; the folder holds %u series",
                                scan->series->len),
                   name, index, scan->series->len);
      return NULL;
    }
  series = scan->series->pdata[index];
  {
    g_autofree char *preferred = g_file_test (path, G_FILE_TEST_IS_DIR)
                                   ? NULL : g_path_get_basename (path);
    OspVolume *volume = load_series (series, scan->unreadable, preferred, name, &load_progress,
                                     cancellable, error);

    if (volume != NULL && scan->series->len > 1 && options != NULL &&
        options->series_index < 0)
      {
        const OspDicomSeriesInfo *info = series->info;
        const char *modality = info->modality != NULL && *info->modality != '\0'
                                 ? info->modality : "?";
        g_autofree char *note =
          info->description != NULL && *info->description != '\0'
            ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s holds %u series; loaded the %s series “%s” "
                                            "with %u slice",
                                            "%s holds %u series; loaded the %s series “%s” "
                                            "with %u slices", info->n_slices),
                               name, scan->series->len, modality, info->description,
                               info->n_slices)
            : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s holds %u series; loaded the %s series without a "
                                            "description, with %u slice",
                                            "%s holds %u series; loaded the %s series without a "
                                            "description, with %u slices", info->n_slices),
                               name, scan->series->len, modality, info->n_slices);

        osp_volume_add_note (volume, note);
      }
    return volume;
  }
}
