/* osp-dicom-gdcm.cpp — GDCM behind a small C API (the only C++ in the project)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No exception and no GDCM message leaves this file: everything is caught, GDCM's trace
 * streams go to a sink, and failures come back as a short reason.
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <cmath>
#include <cstring>
#include <ostream>
#include <set>
#include <streambuf>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gdcmDataSet.h>
#include <gdcmDictEntry.h>
#include <gdcmDicts.h>
#include <gdcmExplicitDataElement.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmImplicitDataElement.h>
#include <gdcmGlobal.h>
#include <gdcmImage.h>
#include <gdcmImageHelper.h>
#include <gdcmImageReader.h>
#include <gdcmJPEGCodec.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>

#include "osp-dicom-gdcm-private.h"
#include "osp-memory.h"
#include "osp-volume.h"

namespace {

/* More than any codec achieves on a CT, even on an empty one. */
const guint64 MAX_COMPRESSION = 20000;

/* A stream that drops everything: where GDCM's warnings and errors go. */
class NullBuffer : public std::streambuf
{
protected:
  int overflow (int c) override { return c; }
  std::streamsize xsputn (const char *, std::streamsize n) override { return n; }
};

NullBuffer null_buffer;
std::ostream null_stream (&null_buffer);

const gdcm::Tag tag_pixel_data (0x7fe0, 0x0010);
const gdcm::Tag tag_shared_groups (0x5200, 0x9229);
const gdcm::Tag tag_per_frame_groups (0x5200, 0x9230);
const gdcm::Tag tag_plane_position_seq (0x0020, 0x9113);
const gdcm::Tag tag_plane_orientation_seq (0x0020, 0x9116);
const gdcm::Tag tag_pixel_measures_seq (0x0028, 0x9110);
const gdcm::Tag tag_value_transform_seq (0x0028, 0x9145);
const gdcm::Tag tag_position (0x0020, 0x0032);
const gdcm::Tag tag_orientation (0x0020, 0x0037);
const gdcm::Tag tag_pixel_spacing (0x0028, 0x0030);
const gdcm::Tag tag_slice_thickness (0x0018, 0x0050);
const gdcm::Tag tag_intercept (0x0028, 0x1052);
const gdcm::Tag tag_slope (0x0028, 0x1053);
const gdcm::Tag tag_photometric (0x0028, 0x0004);
const gdcm::Tag tag_spacing_between_slices (0x0018, 0x0088);

std::string
trim (std::string s)
{
  size_t end = s.find_last_not_of (std::string (" \t\r\n\0", 5));

  if (end == std::string::npos)
    return std::string ();
  s.erase (end + 1);
  size_t start = s.find_first_not_of (" \t\r\n");
  return start == std::string::npos ? std::string () : s.substr (start);
}

/* A string-valued element of a (possibly nested) data set, raw bytes, trimmed.  Only for
 * text VRs (DS, IS, UI, CS, LO), which have no byte order. */
std::string
raw_string (const gdcm::DataSet &ds,
            const gdcm::Tag     &tag)
{
  if (!ds.FindDataElement (tag))
    return std::string ();
  const gdcm::DataElement &de = ds.GetDataElement (tag);
  const gdcm::ByteValue *bv = de.GetByteValue ();
  if (bv == nullptr || bv->GetPointer () == nullptr)
    return std::string ();
  return trim (std::string (bv->GetPointer (), bv->GetLength ()));
}

/* Backslash-separated numbers; returns how many parsed (up to max). */
unsigned
parse_numbers (const std::string &text,
               double            *out,
               unsigned           max)
{
  unsigned n = 0;
  const char *p = text.c_str ();

  while (n < max && *p != '\0')
    {
      char *end = nullptr;
      double v = g_ascii_strtod (p, &end);

      if (end == p || !std::isfinite (v))
        break;
      out[n++] = v;
      p = end;
      while (*p == ' ')
        p++;
      if (*p != '\\')
        break;
      p++;
    }
  return n;
}

/* Whether GetValueAsSQ () may parse the element: a sequence GDCM has read as one already, or
 * the bytes of an implicit-VR element that start with an item (the structure walk in
 * osp-dicom.c checked those as implicit items).  For anything else GDCM guesses encodings
 * (implicit, then explicit either byte order) and reads lengths nobody checked. */
bool
parsed_or_checked_sequence (const gdcm::DataElement &de)
{
  if (de.IsEmpty ())
    return false;
  if (dynamic_cast<const gdcm::SequenceOfItems *> (&de.GetValue ()) != nullptr)
    return true;
  const gdcm::ByteValue *bv = de.GetByteValue ();
  if (bv == nullptr || bv->GetPointer () == nullptr || bv->GetLength () < 8 ||
      de.GetVR () != gdcm::VR::INVALID)
    return false;
  return memcmp (bv->GetPointer (), "\xfe\xff\x00\xe0", 4) == 0;
}

/* The first item's data set of a sequence, or nullptr. */
const gdcm::DataSet *
first_item (const gdcm::DataSet &ds,
            const gdcm::Tag     &seq_tag,
            size_t               index = 1)
{
  if (!ds.FindDataElement (seq_tag))
    return nullptr;
  const gdcm::DataElement &de = ds.GetDataElement (seq_tag);
  if (!parsed_or_checked_sequence (de))
    return nullptr;
  gdcm::SmartPointer<gdcm::SequenceOfItems> sq = de.GetValueAsSQ ();
  if (!sq || sq->GetNumberOfItems () < index)
    return nullptr;
  return &sq->GetItem (index).GetNestedDataSet ();
}

/* A value from a functional group macro of an enhanced multi-frame file: the shared groups
 * first, then the first frame's. */
std::string
group_string (const gdcm::DataSet &ds,
              const gdcm::Tag     &macro,
              const gdcm::Tag     &tag)
{
  const gdcm::Tag groups[2] = { tag_shared_groups, tag_per_frame_groups };

  for (const gdcm::Tag &g : groups)
    {
      const gdcm::DataSet *group = first_item (ds, g);
      const gdcm::DataSet *item = group != nullptr ? first_item (*group, macro) : nullptr;

      if (item != nullptr)
        {
          std::string s = raw_string (*item, tag);

          if (!s.empty ())
            return s;
        }
    }
  return std::string ();
}

long
to_long (const std::string &s,
         long               fallback)
{
  char *end = nullptr;
  long v;

  if (s.empty ())
    return fallback;
  v = strtol (s.c_str (), &end, 10);
  return end == s.c_str () ? fallback : v;
}

bool
read_header (const char     *path,
             OspDicomHeader *h,
             char          **out_reason)
{
  gdcm::Reader reader;
  /* GDCM reads the value of the tag it stops at unless that tag is skipped: without this the
   * header pass would load (and zero-fill first) all the pixel data, whatever length the file
   * claims for it. */
  std::set<gdcm::Tag> skip = { tag_pixel_data };

  reader.SetFileName (path);
  if (!reader.ReadUpToTag (tag_pixel_data, skip))
    {
      *out_reason = g_strdup (_("not a readable DICOM file"));
      return false;
    }

  const gdcm::File &file = reader.GetFile ();
  const gdcm::DataSet &ds = file.GetDataSet ();
  gdcm::StringFilter sf;
  sf.SetFile (file);

  auto str = [&] (uint16_t group, uint16_t element) {
    gdcm::Tag tag (group, element);
    return ds.FindDataElement (tag) ? trim (sf.ToString (tag)) : std::string ();
  };

  std::string uid = str (0x0020, 0x000e);
  h->series_uid = uid.empty () ? nullptr : g_strdup (uid.c_str ());
  h->series_description = g_utf8_make_valid (str (0x0008, 0x103e).c_str (), -1);
  h->patient_name = g_utf8_make_valid (str (0x0010, 0x0010).c_str (), -1);
  h->patient_id = g_utf8_make_valid (str (0x0010, 0x0020).c_str (), -1);
  h->birth_date = g_utf8_make_valid (str (0x0010, 0x0030).c_str (), -1);
  h->sex = g_utf8_make_valid (str (0x0010, 0x0040).c_str (), -1);
  h->study_date = g_utf8_make_valid (str (0x0008, 0x0020).c_str (), -1);
  h->study_description = g_utf8_make_valid (str (0x0008, 0x1030).c_str (), -1);
  h->modality = g_strdup (str (0x0008, 0x0060).c_str ());
  h->sop_class_uid = g_strdup (str (0x0008, 0x0016).c_str ());
  h->transfer_syntax = g_strdup (file.GetHeader ().GetDataSetTransferSyntax ().GetString ());

  long rows = to_long (str (0x0028, 0x0010), 0);
  long columns = to_long (str (0x0028, 0x0011), 0);
  h->is_image = rows > 0 && columns > 0 && rows <= 65535 && columns <= 65535;
  h->rows = h->is_image ? (guint32) rows : 0;
  h->columns = h->is_image ? (guint32) columns : 0;
  h->samples_per_pixel = (guint) CLAMP (to_long (str (0x0028, 0x0002), 1), 0, 16);
  h->bits_allocated = (gint32) CLAMP (to_long (str (0x0028, 0x0100), -1), -1, 65535);
  h->bits_stored = (gint32) CLAMP (to_long (str (0x0028, 0x0101), -1), -1, 65535);
  h->pixel_representation = (gint32) CLAMP (to_long (str (0x0028, 0x0103), -1), -1, 65535);
  h->photometric = g_strdup (str (0x0028, 0x0004).c_str ());
  h->encapsulated = file.GetHeader ().GetDataSetTransferSyntax ().IsEncapsulated ();
  long frames = to_long (str (0x0028, 0x0008), 1);
  h->n_frames = frames >= 1 && frames <= G_MAXINT32 ? (guint32) frames : 1;
  {
    /* Sizes in the header are checked against the file before anyone plans for them: raw
     * pixels must fit in the file; compressed ones (encapsulated or deflated) cannot shrink by
     * more than MAX_COMPRESSION; every frame takes some bytes. */
    const gdcm::TransferSyntax &ts = file.GetHeader ().GetDataSetTransferSyntax ();
    bool compressed = ts.IsEncapsulated () ||
                      ts == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian;
    long bits = to_long (str (0x0028, 0x0100), 16);
    guint64 pixel_bytes = (guint64) h->rows * h->columns * h->n_frames *
                          (guint64) MAX (1, (bits + 7) / 8) * MAX (h->samples_per_pixel, 1u);
    GStatBuf st;

    if (g_stat (path, &st) == 0 &&
        (h->n_frames > MAX ((guint64) st.st_size / 16, 1) ||
         (h->is_image && pixel_bytes > (guint64) st.st_size * (compressed ? MAX_COMPRESSION : 1))))
      {
        h->problem = g_strdup_printf (_("the file is truncated: %" PRIu64 " bytes "
                                        "cannot hold its %u × %u × %u image"),
                                      (guint64) st.st_size, h->columns, h->rows, h->n_frames);
        h->n_frames = 1;  /* the count means nothing now; plan for no more */
      }
  }
  h->instance_number = (gint32) CLAMP (to_long (str (0x0020, 0x0013), 0), G_MININT32, G_MAXINT32);
  h->series_number = (gint32) CLAMP (to_long (str (0x0020, 0x0011), 0), G_MININT32, G_MAXINT32);
  {
    double tilt = 0;

    parse_numbers (str (0x0018, 0x1120), &tilt, 1);
    h->gantry_tilt = tilt;
  }

  std::string iop = raw_string (ds, tag_orientation);
  if (iop.empty ())
    iop = group_string (ds, tag_plane_orientation_seq, tag_orientation);
  h->has_orientation = parse_numbers (iop, h->orientation, 6) == 6;

  std::string spacing = raw_string (ds, tag_pixel_spacing);
  if (spacing.empty ())
    spacing = group_string (ds, tag_pixel_measures_seq, tag_pixel_spacing);
  h->has_spacing = parse_numbers (spacing, h->pixel_spacing, 2) == 2 &&
                   h->pixel_spacing[0] > 0 && h->pixel_spacing[1] > 0;

  std::string thickness = raw_string (ds, tag_slice_thickness);
  if (thickness.empty ())
    thickness = group_string (ds, tag_pixel_measures_seq, tag_slice_thickness);
  h->slice_thickness = 0;
  parse_numbers (thickness, &h->slice_thickness, 1);

  std::string slope = raw_string (ds, tag_slope);
  std::string intercept = raw_string (ds, tag_intercept);
  if (slope.empty () && intercept.empty ())
    {
      slope = group_string (ds, tag_value_transform_seq, tag_slope);
      intercept = group_string (ds, tag_value_transform_seq, tag_intercept);
    }
  h->slope = 1;
  h->intercept = 0;
  if (parse_numbers (slope, &h->slope, 1) == 1 && h->slope == 0)
    h->slope = 1;
  parse_numbers (intercept, &h->intercept, 1);

  /* Enhanced files may rescale every frame its own way (per-frame Pixel Value Transformation
   * macro); a frame without one uses the shared values. */
  if (raw_string (ds, tag_slope).empty () && raw_string (ds, tag_intercept).empty () &&
      h->problem == nullptr && h->n_frames > 1 && ds.FindDataElement (tag_per_frame_groups))
    {
      const gdcm::DataElement &de = ds.GetDataElement (tag_per_frame_groups);
      gdcm::SmartPointer<gdcm::SequenceOfItems> sq =
        parsed_or_checked_sequence (de) ? de.GetValueAsSQ () : nullptr;
      size_t n = sq ? sq->GetNumberOfItems () : 0;

      if (n == h->n_frames)
        {
          std::vector<double> slopes (n, h->slope), intercepts (n, h->intercept);
          bool differs = false;

          for (size_t f = 0; f < n; f++)
            {
              const gdcm::DataSet &frame = sq->GetItem (f + 1).GetNestedDataSet ();
              const gdcm::DataSet *vt = first_item (frame, tag_value_transform_seq);

              if (vt == nullptr)
                continue;
              if (parse_numbers (raw_string (*vt, tag_slope), &slopes[f], 1) == 1 &&
                  slopes[f] == 0)
                slopes[f] = 1;
              parse_numbers (raw_string (*vt, tag_intercept), &intercepts[f], 1);
              differs = differs || slopes[f] != h->slope || intercepts[f] != h->intercept;
            }
          if (differs)
            {
              h->frame_slopes = g_new (double, n);
              h->frame_intercepts = g_new (double, n);
              memcpy (h->frame_slopes, slopes.data (), n * sizeof (double));
              memcpy (h->frame_intercepts, intercepts.data (), n * sizeof (double));
            }
        }
    }

  h->monochrome1 = raw_string (ds, tag_photometric) == "MONOCHROME1";
  if (parse_numbers (raw_string (ds, tag_spacing_between_slices), &h->slice_spacing, 1) != 1 ||
      !(h->slice_spacing > 0))
    h->slice_spacing = 0;

  /* Padding values are stored values: US or SS by PixelRepresentation. */
  long representation = to_long (str (0x0028, 0x0103), 0);
  std::string padding = str (0x0028, 0x0120);
  std::string limit = str (0x0028, 0x0121);
  auto as_stored = [&] (long v) -> gint32 {
    if (representation == 1 && v > 32767 && v <= 65535)
      return (gint32) (v - 65536);
    if (representation == 0 && v < 0 && v >= -32768)
      return (gint32) (v + 65536);
    return (gint32) CLAMP (v, (long) G_MININT32, (long) G_MAXINT32);
  };
  h->has_padding = !padding.empty ();
  h->padding_value = h->has_padding ? as_stored (to_long (padding, 0)) : 0;
  h->has_padding_limit = h->has_padding && !limit.empty ();
  h->padding_limit = h->has_padding_limit ? as_stored (to_long (limit, 0)) : 0;

  /* Positions: one per frame from the functional groups of an enhanced file (some writers
   * also put the first frame's at the top level), else the file's own. */
  if (ds.FindDataElement (tag_per_frame_groups))
    {
      const gdcm::DataElement &de = ds.GetDataElement (tag_per_frame_groups);
      gdcm::SmartPointer<gdcm::SequenceOfItems> sq =
        parsed_or_checked_sequence (de) ? de.GetValueAsSQ () : nullptr;
      size_t n = sq ? sq->GetNumberOfItems () : 0;

      if (n == h->n_frames)
        {
          h->positions = g_new (double, 3 * n);
          h->n_positions = (guint) n;
          for (size_t f = 0; f < n; f++)
            {
              const gdcm::DataSet &frame = sq->GetItem (f + 1).GetNestedDataSet ();
              const gdcm::DataSet *pos = first_item (frame, tag_plane_position_seq);

              if (pos == nullptr || parse_numbers (raw_string (*pos, tag_position),
                                                   h->positions + 3 * f, 3) != 3)
                {
                  g_clear_pointer (&h->positions, g_free);
                  h->n_positions = 0;
                  break;
                }
            }
        }
    }
  if (h->n_positions == 0)
    {
      double p[3];

      if (parse_numbers (raw_string (ds, tag_position), p, 3) == 3)
        {
          h->positions = g_new (double, 3);
          memcpy (h->positions, p, sizeof p);
          h->n_positions = 1;
        }
    }
  return true;
}

inline gint16
to_hu (double value)
{
  value = std::nearbyint (value);
  if (!(value >= G_MININT16))
    return G_MININT16;
  if (value > G_MAXINT16)
    return G_MAXINT16;
  return (gint16) value;
}

template <typename T>
void
convert (const char           *raw,
         size_t                n,
         const OspDicomHeader *h,
         double                rescale_slope,
         double                rescale_intercept,
         unsigned              bits_stored,
         bool                  is_signed,
         gint16               *out)
{
  const bool mask = std::is_integral<T>::value && bits_stored > 0 && bits_stored < 8 * sizeof (T);
  const gint64 low_mask = mask ? (((gint64) 1 << bits_stored) - 1) : -1;
  const gint64 sign_bit = mask ? ((gint64) 1 << (bits_stored - 1)) : 0;
  gint64 pad_lo = 0, pad_hi = -1;

  if (h->has_padding)
    {
      pad_lo = h->padding_value;
      pad_hi = h->has_padding_limit ? h->padding_limit : h->padding_value;
      if (pad_lo > pad_hi)
        std::swap (pad_lo, pad_hi);
    }
  /* Integer rescaling (slope and intercept whole numbers, as CT nearly always has) needs no
   * rounding: the common case runs several times faster. */
  if (std::is_integral<T>::value && rescale_slope == std::floor (rescale_slope) &&
      rescale_intercept == std::floor (rescale_intercept) && std::fabs (rescale_slope) < 65536 &&
      std::fabs (rescale_intercept) < 1e9)
    {
      const gint64 slope = (gint64) rescale_slope, intercept = (gint64) rescale_intercept;

      for (size_t i = 0; i < n; i++)
        {
          T x;
          gint64 s;

          memcpy (&x, raw + i * sizeof (T), sizeof (T));
          s = (gint64) x;
          if (mask)
            {
              s &= low_mask;
              if (is_signed && (s & sign_bit))
                s -= (gint64) 1 << bits_stored;
            }
          if (s >= pad_lo && s <= pad_hi)
            out[i] = OSP_HU_AIR;
          else
            out[i] = (gint16) CLAMP (s * slope + intercept, (gint64) G_MININT16,
                                     (gint64) G_MAXINT16);
        }
      return;
    }

  for (size_t i = 0; i < n; i++)
    {
      T x;
      double v;

      memcpy (&x, raw + i * sizeof (T), sizeof (T));
      if (std::is_integral<T>::value)
        {
          gint64 s = (gint64) x;

          if (mask)
            {
              s &= low_mask;
              if (is_signed && (s & sign_bit))
                s -= (gint64) 1 << bits_stored;
            }
          if (s >= pad_lo && s <= pad_hi)
            {
              out[i] = OSP_HU_AIR;
              continue;
            }
          v = (double) s;
        }
      else
        {
          v = (double) x;
          if (std::isnan (v))
            {
              out[i] = OSP_HU_AIR;
              continue;
            }
        }
      out[i] = to_hu (v * rescale_slope + rescale_intercept);
    }
}

/* Whether a JPEG stream starts with a whole, clean header (SOI up to and including the SOS
 * segment) for one grey component.  GDCM's JPEG codec asserts (aborts, as Debian builds it)
 * when IJG warns while reading the header: bytes between markers, a segment running past the
 * data, a JFIF major version other than 1; and further on for colour spaces it does not expect
 * and for a sample precision it has no codec for.  IJG errors are safe (they fail the
 * decode). */
bool
jpeg_header_is_clean (const guint8 *p,
                      size_t        n)
{
  size_t at = 2;
  bool frame_seen = false;

  if (n < 4 || p[0] != 0xff || p[1] != 0xd8)
    return false;
  for (;;)
    {
      if (at >= n || p[at] != 0xff)
        return false;
      while (at < n && p[at] == 0xff)
        at++;                                   /* fill bytes */
      if (at + 3 > n)
        return false;
      guint8 marker = p[at++];
      if (marker == 0x00 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd9))
        return false;                           /* no RSTn, TEM, SOI or EOI in a header */
      size_t length = (size_t) p[at] << 8 | p[at + 1];
      if (length < 2 || length > n - at)
        return false;
      const guint8 *seg = p + at + 2;
      size_t seg_len = length - 2;

      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
          marker != 0xcc)
        {
          /* SOFn: precision, height, width, components (one, grey).  GDCM has IJG codecs
           * for up to 16 bits. */
          if (seg_len < 9 || seg[5] != 1 || seg[0] < 2 || seg[0] > 16)
            return false;
          frame_seen = true;
        }
      else if (marker == 0xe0 && seg_len >= 14 && memcmp (seg, "JFIF", 5) == 0 && seg[5] != 1)
        return false;                           /* JFIF major version */
      else if (marker == 0xda)
        return frame_seen;                      /* SOS: the header ends with its segment */
      at += length;
    }
}

/* Decodes JPEG pixel data (baseline, extended or lossless) with GDCM's JPEG codec.  Such files
 * never go through gdcm::ImageReader and Image::GetBuffer (): where the JPEG codec refuses a
 * stream (already while ImageReader::Read () works out the lossy flag) GDCM goes on to its PVRG
 * codec, which in Debian's build writes the fragments to a temporary file and runs
 * /usr/bin/pvrg-jpeg on it through system () — a process per corrupt slice, its messages on
 * stderr, and the temporary file left in /tmp with its name leaked; and a stream whose pixel
 * format differs from the header's trips an assertion there. */
bool
decode_jpeg (const gdcm::DataElement   &pixel_data,
             const unsigned int         dims[3],
             const gdcm::PixelFormat   &pf,
             const gdcm::File          &file,
             std::vector<char>         &buffer)
{
  gdcm::JPEGCodec jpeg;
  /* Grey levels only (one sample per pixel was checked).  Not through ImageHelper, which
   * asserts on a photometric interpretation it does not know. */
  gdcm::PhotometricInterpretation::PIType pi = gdcm::PhotometricInterpretation::GetPIType (
    raw_string (file.GetDataSet (), gdcm::Tag (0x0028, 0x0004)).c_str ());

  const gdcm::SequenceOfFragments *fragments = pixel_data.GetSequenceOfFragments ();

  if (fragments == nullptr || fragments->GetNumberOfFragments () == 0 ||
      (pi != gdcm::PhotometricInterpretation::MONOCHROME1 &&
       pi != gdcm::PhotometricInterpretation::MONOCHROME2) ||
      pf.GetBitsStored () < 1 || pf.GetBitsStored () > pf.GetBitsAllocated ())
    return false;
  /* Every fragment that starts a frame (the first one, and any other that starts with SOI). */
  for (unsigned int i = 0; i < fragments->GetNumberOfFragments (); i++)
    {
      const gdcm::ByteValue *bv = fragments->GetFragment (i).GetByteValue ();

      if (bv == nullptr || bv->GetPointer () == nullptr)
        return false;
      const guint8 *bytes = (const guint8 *) bv->GetPointer ();
      size_t len = bv->GetLength ();
      if ((i == 0 || (len >= 2 && bytes[0] == 0xff && bytes[1] == 0xd8)) &&
          !jpeg_header_is_clean (bytes, len))
        return false;
    }
  jpeg.SetNumberOfDimensions (dims[2] > 1 ? 3 : 2);
  jpeg.SetDimensions (dims);
  jpeg.SetPlanarConfiguration (0);
  jpeg.SetPhotometricInterpretation (pi);
  jpeg.SetPixelFormat (pf);
  /* Bits above BitsStored are masked when converting (convert ()). */
  jpeg.SetNeedOverlayCleanup (false);
  gdcm::DataElement out;
  if (!jpeg.Decode (pixel_data, out) || jpeg.GetPixelFormat () != pf)
    return false;
  const gdcm::ByteValue *bv = out.GetByteValue ();
  if (bv == nullptr || bv->GetPointer () == nullptr || bv->GetLength () < buffer.size ())
    return false;
  memcpy (buffer.data (), bv->GetPointer (), buffer.size ());
  return true;
}

bool
read_pixels (const char           *path,
             const OspDicomHeader *h,
             gint16               *out,
             char                **out_reason)
{
  const gdcm::TransferSyntax ts (gdcm::TransferSyntax::GetTSType (h->transfer_syntax != NULL
                                                                    ? h->transfer_syntax : ""));
  const bool is_jpeg = ts.IsValid () && gdcm::JPEGCodec ().CanDecode (ts);
  gdcm::ImageReader image_reader;
  gdcm::Reader plain_reader;
  gdcm::Reader &reader = is_jpeg ? plain_reader : image_reader;

  reader.SetFileName (path);
  if (!reader.Read ())
    {
      *out_reason = g_strdup (_("the file cannot be read to its end (truncated or corrupt)"));
      return false;
    }
  /* GDCM pads a file that ends inside its pixel data and reads on.  That needs no check
   * here: the structure walk in osp-dicom.c (read_checked_header) has found every element,
   * the pixel data included, inside the file before GDCM reads it, and a header whose pixel
   * data runs past the end carries a problem, for which osp_dicom_gdcm_read_pixels () never
   * gets here.  (Recomputing the encoded length from what GDCM read is wrong for a UN of
   * undefined length, whose items GDCM reads as implicit VR but counts as explicit.) */

  unsigned int dims[3] = { 0, 0, 1 };
  gdcm::PixelFormat pf;
  if (is_jpeg)
    {
      std::vector<unsigned int> d = gdcm::ImageHelper::GetDimensionsValue (reader.GetFile ());

      for (size_t a = 0; a < 3 && a < d.size (); a++)
        dims[a] = d[a];
      pf = gdcm::ImageHelper::GetPixelFormatValue (reader.GetFile ());
    }
  else
    {
      const gdcm::Image &image = image_reader.GetImage ();

      dims[0] = image.GetDimensions ()[0];
      dims[1] = image.GetDimensions ()[1];
      dims[2] = image.GetNumberOfDimensions () > 2 ? image.GetDimensions ()[2] : 1;
      pf = image.GetPixelFormat ();
    }
  guint64 frames = dims[2];

  if (dims[0] != h->columns || dims[1] != h->rows || frames != h->n_frames)
    {
      *out_reason = g_strdup_printf (_("the image is %u × %u × %u, not %u × %u × %u as its header "
                                       "says"), dims[0], dims[1], (unsigned) frames,
                                     h->columns, h->rows, h->n_frames);
      return false;
    }
  if (pf.GetSamplesPerPixel () != 1)
    {
      *out_reason = g_strdup_printf (_("a colour image (%u samples per pixel) is not a CT"),
                                     (unsigned) pf.GetSamplesPerPixel ());
      return false;
    }
  if (is_jpeg && pf.GetBitsAllocated () != 8 && pf.GetBitsAllocated () != 16)
    {
      *out_reason = g_strdup_printf (_("JPEG pixel data of %u bits allocated is not supported"),
                                     (unsigned) pf.GetBitsAllocated ());
      return false;
    }

  guint64 length = is_jpeg ? (guint64) dims[0] * dims[1] * frames * (pf.GetBitsAllocated () / 8)
                           : (guint64) image_reader.GetImage ().GetBufferLength ();
  GError *error = nullptr;
  if (!osp_memory_check (length, nullptr, _("the pixel data"), &error))
    {
      *out_reason = g_strdup (error->message);
      g_error_free (error);
      return false;
    }
  std::vector<char> buffer (length);
  if (is_jpeg ? !decode_jpeg (reader.GetFile ().GetDataSet ().GetDataElement (tag_pixel_data),
                              dims, pf, reader.GetFile (), buffer)
              : !image_reader.GetImage ().GetBuffer (buffer.data ()))
    {
      *out_reason = g_strdup (_("the pixel data cannot be decoded (truncated or corrupt)"));
      return false;
    }

  size_t n = (size_t) h->rows * h->columns * frames;
  unsigned bits = pf.GetBitsStored ();
  bool is_signed = pf.GetPixelRepresentation () == 1;
  size_t needed = 0;

  switch (pf.GetScalarType ())
    {
    case gdcm::PixelFormat::UINT8: needed = n; break;
    case gdcm::PixelFormat::INT8: needed = n; break;
    case gdcm::PixelFormat::UINT12:
    case gdcm::PixelFormat::UINT16:
    case gdcm::PixelFormat::INT12:
    case gdcm::PixelFormat::INT16: needed = 2 * n; break;
    case gdcm::PixelFormat::UINT32:
    case gdcm::PixelFormat::INT32:
    case gdcm::PixelFormat::FLOAT32: needed = 4 * n; break;
    case gdcm::PixelFormat::FLOAT64: needed = 8 * n; break;
    default:
      *out_reason = g_strdup (_("the pixel format is not supported"));
      return false;
    }
  if (buffer.size () < needed)
    {
      *out_reason = g_strdup (_("the pixel data is shorter than the image"));
      return false;
    }
  size_t frame_values = (size_t) h->rows * h->columns;
  size_t value_size = needed / MAX (n, (size_t) 1);

  /* Frame by frame: each may have its own rescaling. */
  for (size_t f = 0; f < frames; f++)
    {
      const char *raw = buffer.data () + f * frame_values * value_size;
      gint16 *target = out + f * frame_values;
      double slope = h->frame_slopes != nullptr ? h->frame_slopes[f] : h->slope;
      double intercept = h->frame_intercepts != nullptr ? h->frame_intercepts[f] : h->intercept;

      switch (pf.GetScalarType ())
        {
        case gdcm::PixelFormat::UINT8:
          convert<guint8> (raw, frame_values, h, slope, intercept, bits, false, target);
          break;
        case gdcm::PixelFormat::INT8:
          convert<gint8> (raw, frame_values, h, slope, intercept, bits, true, target);
          break;
        case gdcm::PixelFormat::UINT12:
        case gdcm::PixelFormat::UINT16:
          convert<guint16> (raw, frame_values, h, slope, intercept, bits, false, target);
          break;
        case gdcm::PixelFormat::INT12:
        case gdcm::PixelFormat::INT16:
          convert<gint16> (raw, frame_values, h, slope, intercept, bits, is_signed, target);
          break;
        case gdcm::PixelFormat::UINT32:
          convert<guint32> (raw, frame_values, h, slope, intercept, bits, false, target);
          break;
        case gdcm::PixelFormat::INT32:
          convert<gint32> (raw, frame_values, h, slope, intercept, bits, true, target);
          break;
        case gdcm::PixelFormat::FLOAT32:
          convert<float> (raw, frame_values, h, slope, intercept, 0, true, target);
          break;
        case gdcm::PixelFormat::FLOAT64:
          convert<double> (raw, frame_values, h, slope, intercept, 0, true, target);
          break;
        default:
          break;
        }
    }
  return true;
}

} /* namespace */

void
osp_dicom_gdcm_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      gdcm::Trace::SetDebug (false);
      gdcm::Trace::SetWarning (false);
      gdcm::Trace::SetError (false);
      gdcm::Trace::SetStream (null_stream);
      gdcm::Trace::SetDebugStream (null_stream);
      gdcm::Trace::SetWarningStream (null_stream);
      gdcm::Trace::SetErrorStream (null_stream);
      /* Loads the dictionaries now, not in the first of several threads. */
      (void) gdcm::Global::GetInstance ().GetDicts ();
      g_once_init_leave (&done, 1);
    }
}

gboolean
osp_dicom_gdcm_read_header (const char     *path,
                            OspDicomHeader *out_header,
                            char          **out_reason)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (out_header != NULL, FALSE);
  g_return_val_if_fail (out_reason != NULL && *out_reason == NULL, FALSE);

  osp_dicom_gdcm_init ();
  memset (out_header, 0, sizeof *out_header);
  try
    {
      if (read_header (path, out_header, out_reason))
        return TRUE;
    }
  catch (...)
    {
      g_clear_pointer (out_reason, g_free);
      *out_reason = g_strdup (_("the DICOM header is corrupt"));
    }
  osp_dicom_header_clear (out_header);
  return FALSE;
}

gboolean
osp_dicom_gdcm_syntax (const char *uid,
                       gsize       length,
                       gboolean   *out_explicit_vr,
                       gboolean   *out_big_endian,
                       gboolean   *out_deflated)
{
  g_return_val_if_fail (uid != NULL || length == 0, FALSE);

  try
    {
      /* As FileMetaInformation::ComputeDataSetTransferSyntax reads it: up to the first NUL. */
      std::string value (uid != NULL ? uid : "", length);
      gdcm::TransferSyntax ts (gdcm::TransferSyntax::GetTSType (value.c_str ()));

      if (!ts.IsValid ())
        return FALSE;
      *out_explicit_vr = ts.GetNegociatedType () == gdcm::TransferSyntax::Explicit;
      *out_big_endian = ts.GetSwapCode () == gdcm::SwapCode::BigEndian;
      *out_deflated = ts == gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian;
      return TRUE;
    }
  catch (...)
    {
      return FALSE;
    }
}

gboolean
osp_dicom_gdcm_vr_fits (guint16       group,
                        guint16       element,
                        const guint8 *vr)
{
  g_return_val_if_fail (vr != NULL, FALSE);

  if (group % 2 == 1)
    return TRUE;  /* private: no dictionary */
  try
    {
      const char name[3] = { (char) vr[0], (char) vr[1], '\0' };
      gdcm::VR file_vr (gdcm::VR::GetVRType (name));
      const gdcm::DictEntry &entry =
        gdcm::Global::GetInstance ().GetDicts ().GetDictEntry (gdcm::Tag (group, element));
      const gdcm::VR &dict_vr = entry.GetVR ();

      if (dict_vr == gdcm::VR::INVALID || file_vr == gdcm::VR::VR_END)
        return TRUE;
      /* As gdcm::Attribute::SetFromDataElement () asserts it. */
      return dict_vr.Compatible (file_vr);
    }
  catch (...)
    {
      return FALSE;
    }
}

void
osp_dicom_header_clear (OspDicomHeader *header)
{
  if (header == NULL)
    return;
  g_free (header->series_uid);
  g_free (header->series_description);
  g_free (header->patient_name);
  g_free (header->patient_id);
  g_free (header->birth_date);
  g_free (header->sex);
  g_free (header->study_date);
  g_free (header->study_description);
  g_free (header->modality);
  g_free (header->sop_class_uid);
  g_free (header->transfer_syntax);
  g_free (header->positions);
  g_free (header->frame_slopes);
  g_free (header->frame_intercepts);
  g_free (header->photometric);
  g_free (header->problem);
  memset (header, 0, sizeof *header);
}

gboolean
osp_dicom_gdcm_read_pixels (const char           *path,
                            const OspDicomHeader *header,
                            gint16               *out_values,
                            char                **out_reason)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (header != NULL, FALSE);
  g_return_val_if_fail (out_values != NULL, FALSE);
  g_return_val_if_fail (out_reason != NULL && *out_reason == NULL, FALSE);

  if (header->problem != NULL)
    {
      *out_reason = g_strdup (header->problem);
      return FALSE;
    }
  osp_dicom_gdcm_init ();
  try
    {
      return read_pixels (path, header, out_values, out_reason);
    }
  catch (...)
    {
      g_clear_pointer (out_reason, g_free);
      *out_reason = g_strdup (_("the pixel data cannot be decoded (truncated or corrupt)"));
      return FALSE;
    }
}
