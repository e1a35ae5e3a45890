/* osp-mesh-io.c — mesh files: format detection, loading, saving, shared parsing helpers
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file is mapped into memory (no copy) and handed to the reader its content names.  The
 * readers live in osp-stl.c, osp-obj.c and osp-ply.c; what they share (a text cursor, number
 * parsing, polygon triangulation, the last checks) is here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osp-3mf.h"
#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-io-private.h"
#include "osp-mesh-private.h"

/* Larger polygons are fanned: ear clipping is quadratic in the corner count. */
#define EAR_CLIPPING_MAX_CORNERS 4096u

/* Plausibility limits for a model in millimetres. */
#define SMALLEST_PLAUSIBLE_MM 5.0
#define FARTHEST_PLAUSIBLE_MM 5000.0
/* Larger than a whole pelvis with both femoral heads, or any implant for one. */
#define LARGEST_PLAUSIBLE_MM 600.0

void
osp_mesh_load_info_clear (OspMeshLoadInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->warnings, g_ptr_array_unref);
  info->format = OSP_MESH_FORMAT_UNKNOWN;
  info->n_file_triangles = 0;
}

const char *
osp_mesh_format_get_name (OspMeshFormat format)
{
  switch (format)
    {
    case OSP_MESH_FORMAT_STL_BINARY:
      return "STL (binary)";
    case OSP_MESH_FORMAT_STL_ASCII:
      return "STL (ASCII)";
    case OSP_MESH_FORMAT_OBJ:
      return "OBJ";
    case OSP_MESH_FORMAT_PLY:
      return "PLY (binary)";
    case OSP_MESH_FORMAT_PLY_ASCII:
      return "PLY (ASCII)";
    case OSP_MESH_FORMAT_3MF:
      return "3MF";
    case OSP_MESH_FORMAT_UNKNOWN:
    default:
      return "unknown";
    }
}

OspMeshFormat
osp_mesh_format_from_extension (const char *path)
{
  const char *dot;

  g_return_val_if_fail (path != NULL, OSP_MESH_FORMAT_UNKNOWN);

  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return OSP_MESH_FORMAT_UNKNOWN;
  if (g_ascii_strcasecmp (dot, ".stl") == 0)
    return OSP_MESH_FORMAT_STL_BINARY;
  if (g_ascii_strcasecmp (dot, ".obj") == 0)
    return OSP_MESH_FORMAT_OBJ;
  if (g_ascii_strcasecmp (dot, ".ply") == 0)
    return OSP_MESH_FORMAT_PLY;
  if (g_ascii_strcasecmp (dot, ".3mf") == 0)
    return OSP_MESH_FORMAT_3MF;
  return OSP_MESH_FORMAT_UNKNOWN;
}

/* -- Detection ------------------------------------------------------------------------------ */

/* Text: no NUL and no control bytes but tab, line ends and form feed. */
static gboolean
looks_like_text (const guint8 *data,
                 gsize         len)
{
  for (gsize i = 0; i < len; i++)
    if (data[i] < 0x20 && data[i] != '\t' && data[i] != '\n' && data[i] != '\r' &&
        data[i] != '\f' && data[i] != '\v')
      return FALSE;
  return TRUE;
}

static gboolean
has_prefix_ci (const guint8 *data,
               gsize         len,
               const char   *prefix)
{
  gsize n = strlen (prefix);

  return len >= n && g_ascii_strncasecmp ((const char *) data, prefix, n) == 0;
}

static gboolean
is_obj_keyword (const char *token,
                gsize       len)
{
  static const char *const keywords[] = {
    "v", "vt", "vn", "vp", "f", "l", "p", "g", "o", "s", "usemtl", "mtllib", "cstype", "deg",
    "curv", "curv2", "surf", "parm", "trim", "hole", "scrv", "sp", "end", "con", "mg", "bmat",
    "step", "call", "csh", "maplib", "usemap", "lod", "shadow_obj", "trace_obj", "bevel",
    "c_interp", "d_interp", "ctech", "stech",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keywords); i++)
    if (osp_token_is (token, len, keywords[i], FALSE))
      return TRUE;
  return FALSE;
}

/* "ply" alone on the first line (blanks after it tolerated). */
static gboolean
is_ply_magic (const guint8 *data,
              gsize         len)
{
  gsize i = 3;

  if (len < 4 || memcmp (data, "ply", 3) != 0)
    return FALSE;
  while (i < len && (data[i] == ' ' || data[i] == '\t'))
    i++;
  return i < len && (data[i] == '\n' || data[i] == '\r');
}

/* Whether a file that starts with "solid" but does not read as ASCII is a binary STL: binary
 * bytes in its count or in the first triangles after it. */
static gboolean
looks_like_binary_stl (const guint8 *data,
                       gsize         len)
{
  return len >= 84 && !looks_like_text (data + 80, MIN (len - 80, 4 + 512));
}

OspMeshFormat
osp_mesh_detect_format (const guint8 *data,
                        gsize         len,
                        guint64       file_size)
{
  gsize probe = MIN (len, 512);
  const guint8 *text = data;
  gsize text_len = len;
  gboolean text_like;

  g_return_val_if_fail (data != NULL || len == 0, OSP_MESH_FORMAT_UNKNOWN);

  if (len >= 84)
    {
      guint32 count;

      memcpy (&count, data + 80, 4);
      count = GUINT32_FROM_LE (count);
      if (84 + 50 * (guint64) count == file_size)
        return OSP_MESH_FORMAT_STL_BINARY;
    }
  if (len >= 4 && memcmp (data, "PK\003\004", 4) == 0)
    return OSP_MESH_FORMAT_3MF;
  if (is_ply_magic (data, len))
    {
      gsize header = MIN (len, 4096);

      for (gsize i = 0; i + 12 <= header; i++)
        if (memcmp (data + i, "format ascii", 12) == 0)
          return OSP_MESH_FORMAT_PLY_ASCII;
      return OSP_MESH_FORMAT_PLY;
    }

  /* A UTF-8 byte order mark and leading blanks are tolerated in text formats. */
  if (text_len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    text += 3, text_len -= 3;
  while (text_len > 0 && g_ascii_isspace (*text))
    text++, text_len--;
  text_like = looks_like_text (data, probe);

  if (has_prefix_ci (text, text_len, "solid") && (text_len == 5 || g_ascii_isspace (text[5])))
    {
      OspTextCursor cursor;
      const char *token;
      gsize token_len;

      /* ASCII when "facet" or "endsolid" follows the first line, or when it is all text;
       * a binary header that starts with "solid" is followed by binary numbers. */
      osp_text_cursor_init (&cursor, text, MIN (text_len, 4096));
      osp_text_next_line (&cursor);
      osp_text_skip_space (&cursor);
      if (osp_text_token (&cursor, &token, &token_len) &&
          (osp_token_is (token, token_len, "facet", TRUE) ||
           osp_token_is (token, token_len, "endsolid", TRUE)))
        return OSP_MESH_FORMAT_STL_ASCII;
      return text_like || len < 84 ? OSP_MESH_FORMAT_STL_ASCII : OSP_MESH_FORMAT_STL_BINARY;
    }
  if (has_prefix_ci (text, text_len, "facet") && text_like)
    return OSP_MESH_FORMAT_STL_ASCII;

  if (text_like)
    {
      OspTextCursor cursor;

      /* OBJ: the first keyword that is not a comment. */
      osp_text_cursor_init (&cursor, text, MIN (text_len, 65536));
      while (!osp_text_at_end (&cursor))
        {
          const char *token;
          gsize token_len;

          osp_text_skip_space (&cursor);
          if (!osp_text_token (&cursor, &token, &token_len))
            break;
          if (token[0] != '#')
            return is_obj_keyword (token, token_len) ? OSP_MESH_FORMAT_OBJ
                                                     : OSP_MESH_FORMAT_UNKNOWN;
          /* Past the comment, to a line feed or a carriage return (old Mac line ends). */
          while (cursor.p < cursor.end && *cursor.p != '\n' && *cursor.p != '\r')
            cursor.p++;
        }
      return OSP_MESH_FORMAT_UNKNOWN;
    }

  /* Binary and nothing else: a binary STL whose count is wrong gets the better message. */
  if (len >= 84)
    return OSP_MESH_FORMAT_STL_BINARY;
  return OSP_MESH_FORMAT_UNKNOWN;
}

/* -- Reader helpers ------------------------------------------------------------------------- */

void
osp_mesh_reader_warn (OspMeshReader *reader,
                      const char    *format,
                      ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (reader->info->warnings == NULL)
    reader->info->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (reader->info->warnings, message);
}

void
osp_mesh_reader_progress (OspMeshReader *reader,
                          const void    *position)
{
  if (reader->progress != NULL && reader->len > 0)
    osp_progress_report (reader->progress,
                         (double) ((const guint8 *) position - reader->data) / reader->len);
}

gboolean
osp_mesh_reader_cancelled (OspMeshReader *reader,
                           GError       **error)
{
  return g_cancellable_set_error_if_cancelled (reader->cancellable, error);
}

char *
osp_mesh_io_excerpt (const char *text,
                     gsize       len)
{
  GString *out = g_string_new (NULL);
  gsize n = MIN (len, 32);

  for (gsize i = 0; i < n; i++)
    {
      guchar c = (guchar) text[i];

      if (c >= 0x20 && c < 0x7f)
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  if (len > n)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* -- Text ----------------------------------------------------------------------------------- */

static inline gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void
osp_text_cursor_init (OspTextCursor *cursor,
                      const guint8  *data,
                      gsize          len)
{
  cursor->p = (const char *) data;
  cursor->end = (const char *) data + len;
  cursor->line = 1;
}

void
osp_text_skip_blanks (OspTextCursor *cursor)
{
  while (cursor->p < cursor->end && is_blank (*cursor->p))
    cursor->p++;
}

void
osp_text_skip_space (OspTextCursor *cursor)
{
  while (cursor->p < cursor->end && (is_blank (*cursor->p) || *cursor->p == '\n'))
    {
      if (*cursor->p == '\n')
        cursor->line++;
      cursor->p++;
    }
}

gboolean
osp_text_token (OspTextCursor *cursor,
                const char   **out_token,
                gsize         *out_len)
{
  const char *start;

  osp_text_skip_blanks (cursor);
  start = cursor->p;
  while (cursor->p < cursor->end && !is_blank (*cursor->p) && *cursor->p != '\n')
    cursor->p++;
  *out_token = start;
  *out_len = (gsize) (cursor->p - start);
  return *out_len > 0;
}

void
osp_text_next_line (OspTextCursor *cursor)
{
  const char *nl = memchr (cursor->p, '\n', (gsize) (cursor->end - cursor->p));

  if (nl == NULL)
    cursor->p = cursor->end;
  else
    {
      cursor->p = nl + 1;
      cursor->line++;
    }
}

gboolean
osp_text_at_end (const OspTextCursor *cursor)
{
  return cursor->p >= cursor->end;
}

gboolean
osp_token_is (const char *token,
              gsize       len,
              const char *keyword,
              gboolean    ignore_case)
{
  gsize n = strlen (keyword);

  if (len != n)
    return FALSE;
  return ignore_case ? g_ascii_strncasecmp (token, keyword, n) == 0
                     : memcmp (token, keyword, n) == 0;
}

gboolean
osp_token_to_double (const char *token,
                     gsize       len,
                     double     *out_value)
{
  static const double powers[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  };
  const char *p = token, *end = token + len;
  gboolean negative = FALSE, any = FALSE;
  guint64 mantissa = 0;
  int digits = 0, exp10 = 0;
  char buffer[128];
  char *parsed_end = NULL;
  double value;

  /* The fast path: up to 15 significant digits and a small exponent are exact in double. */
  if (p < end && (*p == '+' || *p == '-'))
    negative = *p++ == '-';
  for (; p < end && g_ascii_isdigit (*p); p++, any = TRUE)
    {
      mantissa = mantissa * 10 + (guint64) (*p - '0');
      digits += mantissa != 0;
    }
  if (p < end && *p == '.')
    for (p++; p < end && g_ascii_isdigit (*p); p++, any = TRUE)
      {
        mantissa = mantissa * 10 + (guint64) (*p - '0');
        digits += mantissa != 0;
        exp10--;
      }
  if (any && p < end && (*p == 'e' || *p == 'E'))
    {
      gboolean exp_negative = FALSE;
      int e = 0;

      p++;
      if (p < end && (*p == '+' || *p == '-'))
        exp_negative = *p++ == '-';
      if (p == end || !g_ascii_isdigit (*p))
        any = FALSE;
      for (; p < end && g_ascii_isdigit (*p); p++)
        e = MIN (e * 10 + (*p - '0'), 100000);
      exp10 += exp_negative ? -e : e;
    }
  if (any && p == end && digits <= 15 && exp10 >= -22 && exp10 <= 22)
    {
      value = (double) mantissa;
      value = exp10 < 0 ? value / powers[-exp10] : value * powers[exp10];
      *out_value = negative ? -value : value;
      return TRUE;
    }

  /* Everything else (long mantissas, big exponents, nan, inf) through the C library. */
  if (len == 0 || len >= sizeof buffer)
    return FALSE;
  memcpy (buffer, token, len);
  buffer[len] = '\0';
  if (g_ascii_isspace (buffer[0]))
    return FALSE;
  errno = 0;
  value = g_ascii_strtod (buffer, &parsed_end);
  if (parsed_end != buffer + len)
    return FALSE;
  *out_value = value;
  return TRUE;
}

gboolean
osp_token_to_int64 (const char *token,
                    gsize       len,
                    gint64     *out_value)
{
  const char *p = token, *end = token + len;
  gboolean negative = FALSE;
  guint64 value = 0;

  if (p < end && (*p == '+' || *p == '-'))
    negative = *p++ == '-';
  if (p == end)
    return FALSE;
  for (; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      /* Saturates: an absurd index is then out of range, not a wrapped-around small one. */
      value = value > G_MAXINT64 / 10 ? (guint64) G_MAXINT64 : value * 10 + (guint64) (*p - '0');
      value = MIN (value, (guint64) G_MAXINT64);
    }
  *out_value = negative ? -(gint64) value : (gint64) value;
  return TRUE;
}

/* -- Triangulation -------------------------------------------------------------------------- */

static inline double
orient2d (const double *a,
          const double *b,
          const double *c)
{
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

static void
emit_triangle (GArray  *out,
               guint32  a,
               guint32  b,
               guint32  c)
{
  guint32 tri[3] = { a, b, c };

  if (a != b && b != c && a != c)
    g_array_append_vals (out, tri, 3);
}

static void
emit_fan (GArray        *out,
          const guint32 *poly,
          const guint32 *next,
          guint32        first,
          guint32        remaining)
{
  guint32 a = first, b = next != NULL ? next[first] : 1;

  for (guint32 k = 2; k < remaining; k++)
    {
      guint32 c = next != NULL ? next[b] : b + 1;

      emit_triangle (out, poly[a], poly[b], poly[c]);
      b = c;
    }
}

gboolean
osp_polygon_triangulate (const float   *positions,
                         const guint32 *poly,
                         guint32        n,
                         GArray        *out)
{
  /* Quadratic work is normal for ear clipping; a pathological polygon gets 64 × that. */
  guint64 work_left = 64 * (guint64) n * n + 65536;

  return osp_polygon_triangulate_budget (positions, poly, n, out, &work_left);
}

gboolean
osp_polygon_triangulate_budget (const float   *positions,
                                const guint32 *poly,
                                guint32        n,
                                GArray        *out,
                                guint64       *work_left)
{
  g_autofree double *uv = NULL;
  g_autofree guint32 *prev = NULL;
  g_autofree guint32 *next = NULL;
  g_autofree gboolean *reflex = NULL;
  double normal[3] = { 0, 0, 0 };
  guint axis = 2, u_axis, v_axis;
  guint32 remaining, i, stalls = 0;

  g_return_val_if_fail (n >= 3, FALSE);

  /* A triangle stays as the file has it, even degenerate: the report counts those. */
  if (n == 3)
    {
      g_array_append_vals (out, poly, 3);
      return TRUE;
    }

  /* Newell's normal gives the plane and the winding of any simple polygon. */
  for (guint32 k = 0; k < n; k++)
    {
      const float *a = positions + 3 * (gsize) poly[k];
      const float *b = positions + 3 * (gsize) poly[(k + 1) % n];

      normal[0] += ((double) a[1] - b[1]) * ((double) a[2] + b[2]);
      normal[1] += ((double) a[2] - b[2]) * ((double) a[0] + b[0]);
      normal[2] += ((double) a[0] - b[0]) * ((double) a[1] + b[1]);
    }
  if (fabs (normal[0]) >= fabs (normal[1]) && fabs (normal[0]) >= fabs (normal[2]))
    axis = 0;
  else if (fabs (normal[1]) >= fabs (normal[2]))
    axis = 1;
  if (!(fabs (normal[axis]) > 0.0))
    {
      emit_fan (out, poly, NULL, 0, n);
      return TRUE;
    }
  if (n > EAR_CLIPPING_MAX_CORNERS || *work_left == 0)
    {
      emit_fan (out, poly, NULL, 0, n);
      return FALSE;
    }
  /* Project so that the polygon runs counter-clockwise in (u, v). */
  u_axis = (axis + 1) % 3;
  v_axis = (axis + 2) % 3;
  if (normal[axis] < 0)
    {
      guint tmp = u_axis;

      u_axis = v_axis;
      v_axis = tmp;
    }

  uv = g_new (double, 2 * (gsize) n);
  prev = g_new (guint32, n);
  next = g_new (guint32, n);
  reflex = g_new (gboolean, n);
  for (guint32 k = 0; k < n; k++)
    {
      uv[2 * k] = positions[3 * (gsize) poly[k] + u_axis];
      uv[2 * k + 1] = positions[3 * (gsize) poly[k] + v_axis];
      prev[k] = (k + n - 1) % n;
      next[k] = (k + 1) % n;
    }
  for (guint32 k = 0; k < n; k++)
    reflex[k] = orient2d (uv + 2 * prev[k], uv + 2 * k, uv + 2 * next[k]) <= 0;

  remaining = n;
  i = 0;
  while (remaining > 3)
    {
      guint32 p = prev[i], q = next[i];
      gboolean ear = !reflex[i];

      /* Out of budget (a hostile polygon): fan what is left rather than hang. */
      if (*work_left < remaining)
        {
          *work_left = 0;
          emit_fan (out, poly, next, i, remaining);
          return FALSE;
        }
      *work_left -= remaining;

      /* An ear: convex, and no other corner inside it (corners on its edges count as inside;
       * corners at the same place as one of its own are ignored, so duplicates cannot block). */
      for (guint32 r = next[q]; ear && r != p; r = next[r])
        {
          const double *x = uv + 2 * r;

          if (!reflex[r] ||
              (x[0] == uv[2 * p] && x[1] == uv[2 * p + 1]) ||
              (x[0] == uv[2 * i] && x[1] == uv[2 * i + 1]) ||
              (x[0] == uv[2 * q] && x[1] == uv[2 * q + 1]))
            continue;
          if (orient2d (uv + 2 * p, uv + 2 * i, x) >= 0 &&
              orient2d (uv + 2 * i, uv + 2 * q, x) >= 0 &&
              orient2d (uv + 2 * q, uv + 2 * p, x) >= 0)
            ear = FALSE;
        }

      /* A full turn without an ear: the polygon is degenerate or self-intersecting; clip
       * anyway so that the loop always ends. */
      if (ear || stalls > remaining)
        {
          emit_triangle (out, poly[p], poly[i], poly[q]);
          next[p] = q;
          prev[q] = p;
          remaining--;
          reflex[p] = orient2d (uv + 2 * prev[p], uv + 2 * p, uv + 2 * q) <= 0;
          reflex[q] = orient2d (uv + 2 * p, uv + 2 * q, uv + 2 * next[q]) <= 0;
          i = p;
          stalls = 0;
        }
      else
        {
          i = q;
          stalls++;
        }
    }
  emit_triangle (out, poly[prev[i]], poly[i], poly[next[i]]);
  return TRUE;
}

GArray *
osp_mesh_reader_triangulate_faces (OspMeshReader *reader,
                                   const float   *positions,
                                   const GArray  *corners,
                                   const GArray  *face_sizes,
                                   GError       **error)
{
  g_autoptr(GArray) triangles = NULL;
  guint64 n_fanned = 0, work_left;
  gsize next = 0;

  g_return_val_if_fail (reader != NULL, NULL);
  g_return_val_if_fail (corners != NULL && face_sizes != NULL, NULL);

  /* Ample for real polygons, bounded for hostile ones. */
  work_left = 100000000 + 256 * (guint64) corners->len;
  triangles = g_array_sized_new (FALSE, FALSE, sizeof (guint32), corners->len);
  for (guint f = 0; f < face_sizes->len; f++)
    {
      guint32 n = g_array_index (face_sizes, guint32, f);

      if (!osp_polygon_triangulate_budget (positions, &g_array_index (corners, guint32, next),
                                           n, triangles, &work_left))
        n_fanned++;
      next += n;
      if (triangles->len / 3 > OSP_MESH_MAX_ELEMENTS)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                       _("%s: more triangles than this program can hold"), reader->name);
          return NULL;
        }
    }
  if (n_fanned > 0)
    osp_mesh_reader_warn (reader, _("%s: %" PRIu64 " faces too large or too tangled "
                                    "for ear clipping were split as fans"),
                          reader->name, n_fanned);
  return g_steal_pointer (&triangles);
}

/* -- Finishing ------------------------------------------------------------------------------ */

static inline gboolean
is_finite3 (const float *p)
{
  return isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]);
}

OspMesh *
osp_mesh_reader_finish (OspMeshReader *reader,
                        float         *positions_in,
                        guint32        n_vertices,
                        guint32       *indices_in,
                        guint32        n_triangles,
                        GError       **error)
{
  g_autofree float *positions = positions_in;
  g_autofree guint32 *indices = indices_in;
  g_autofree guint8 *used = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  guint32 n_kept = 0, n_bad = 0;
  gboolean all_used = TRUE;

  used = g_malloc0 ((gsize) n_vertices + 1);
  for (guint32 v = 0; v < n_vertices; v++)
    if (!is_finite3 (positions + 3 * (gsize) v))
      used[v] = 2;
  for (guint32 t = 0; t < n_triangles; t++)
    {
      const guint32 *tri = indices + 3 * (gsize) t;

      if (used[tri[0]] == 2 || used[tri[1]] == 2 || used[tri[2]] == 2)
        {
          n_bad++;
          continue;
        }
      used[tri[0]] = used[tri[1]] = used[tri[2]] = 1;
      memmove (indices + 3 * (gsize) n_kept++, tri, 3 * sizeof (guint32));
    }
  if (n_bad > 0)
    osp_mesh_reader_warn (reader, g_dngettext (GETTEXT_PACKAGE,
                                               "%s: %u triangle with NaN or infinite coordinates "
                                               "was left out",
                                               "%s: %u triangles with NaN or infinite coordinates "
                                               "were left out", n_bad),
                          reader->name, n_bad);
  if (n_kept == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the file holds no usable triangle"), reader->name);
      return NULL;
    }
  for (guint32 v = 0; v < n_vertices; v++)
    all_used &= used[v] == 1;

  mesh = osp_mesh_new_take (g_steal_pointer (&positions), n_vertices,
                            g_steal_pointer (&indices), n_kept);
  if (mesh == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: invalid triangles"), reader->name);
      return NULL;
    }
  if (!all_used)
    return osp_mesh_compact (mesh);
  return g_steal_pointer (&mesh);
}

static void
check_plausibility (OspMeshReader *reader,
                    const OspMesh *mesh)
{
  const float *p = osp_mesh_get_positions (mesh);
  guint32 n = osp_mesh_get_n_vertices (mesh);
  float lo[3] = { G_MAXFLOAT, G_MAXFLOAT, G_MAXFLOAT };
  float hi[3] = { -G_MAXFLOAT, -G_MAXFLOAT, -G_MAXFLOAT };
  double extent = 0, farthest = 0;

  /* The readers leave no unused vertex, so the vertices' box is the mesh's. */
  if (n == 0)
    return;
  for (gsize v = 0; v < (gsize) n * 3; v += 3)
    for (guint i = 0; i < 3; i++)
      {
        lo[i] = MIN (lo[i], p[v + i]);
        hi[i] = MAX (hi[i], p[v + i]);
      }
  for (guint i = 0; i < 3; i++)
    {
      extent = MAX (extent, (double) hi[i] - lo[i]);
      farthest = MAX (farthest, MAX (fabs (lo[i]), fabs (hi[i])));
    }
  if (extent < SMALLEST_PLAUSIBLE_MM)
    osp_mesh_reader_warn (reader, _("%s: the model is only %.3g mm across: it is probably in "
                                    "metres or another unit, not millimetres"),
                          reader->name, extent);
  if (extent > LARGEST_PLAUSIBLE_MM)
    osp_mesh_reader_warn (reader, _("%s: the model is %.0f mm across, more than a whole pelvis: "
                                    "look for stray vertices, or check that the unit is "
                                    "millimetres"), reader->name, extent);
  if (farthest > FARTHEST_PLAUSIBLE_MM)
    osp_mesh_reader_warn (reader, _("%s: coordinates reach %.0f mm from the origin, far beyond "
                                    "any patient: some vertices are probably corrupt, or the "
                                    "unit is not millimetres"), reader->name, farthest);
}

/* -- Loading -------------------------------------------------------------------------------- */

static OspMesh *
load_from_data (const guint8           *data,
                gsize                   len,
                const char             *display_name,
                OspMeshLoadInfo        *out_info,
                const OspProgressRange *progress,
                GCancellable           *cancellable,
                GError                **error)
{
  OspMeshLoadInfo local_info = { 0 };
  OspMeshReader reader;
  OspMesh *mesh = NULL;

  reader.data = data;
  reader.len = len;
  reader.name = display_name;
  reader.info = out_info != NULL ? out_info : &local_info;
  reader.progress = progress;
  reader.cancellable = cancellable;
  memset (reader.info, 0, sizeof *reader.info);

  if (len == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT, _("%s: the file is empty"),
                   display_name);
      return NULL;
    }

  reader.info->format = osp_mesh_detect_format (data, len, len);
  switch (reader.info->format)
    {
    case OSP_MESH_FORMAT_STL_BINARY:
      mesh = osp_stl_read_binary (&reader, error);
      break;
    case OSP_MESH_FORMAT_STL_ASCII:
      {
        GError *ascii_error = NULL;

        mesh = osp_stl_read_ascii (&reader, &ascii_error);
        /* A binary STL whose header starts with "solid" and whose size is not exactly that
         * of its triangles (trailing bytes, or too few) reads as ASCII only up to its
         * numbers: it is read, or its error told, as binary. */
        if (mesh == NULL && !g_error_matches (ascii_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
            looks_like_binary_stl (data, len))
          {
            g_clear_error (&ascii_error);
            g_clear_pointer (&reader.info->warnings, g_ptr_array_unref);
            reader.info->n_file_triangles = 0;
            reader.info->format = OSP_MESH_FORMAT_STL_BINARY;
            mesh = osp_stl_read_binary (&reader, &ascii_error);
          }
        if (mesh == NULL)
          g_propagate_error (error, ascii_error);
        else
          g_clear_error (&ascii_error);
      }
      break;
    case OSP_MESH_FORMAT_OBJ:
      mesh = osp_obj_read (&reader, error);
      break;
    case OSP_MESH_FORMAT_PLY:
    case OSP_MESH_FORMAT_PLY_ASCII:
      mesh = osp_ply_read (&reader, error);
      break;
    case OSP_MESH_FORMAT_3MF:
      /* Every build item, merged into one mesh (osp-3mf.c). */
      mesh = osp_3mf_load_merged (data, len, display_name, reader.info, cancellable, error);
      break;
    case OSP_MESH_FORMAT_UNKNOWN:
    default:
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT,
                   _("%s: not a mesh file this program reads (STL, OBJ, PLY or 3MF)"),
                   display_name);
      break;
    }

  if (mesh != NULL)
    {
      check_plausibility (&reader, mesh);
      osp_progress_report (progress, 1.0);
    }
  osp_mesh_load_info_clear (&local_info);
  return mesh;
}

OspMesh *
osp_mesh_load_from_data (const guint8    *data,
                         gsize            len,
                         const char      *display_name,
                         OspMeshLoadInfo *out_info,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return load_from_data (data, len, display_name, out_info, NULL, cancellable, error);
}

OspMesh *
osp_mesh_load (const char      *path,
               OspMeshLoadInfo *out_info,
               GCancellable    *cancellable,
               GError         **error)
{
  return osp_mesh_load_full (path, out_info, NULL, cancellable, error);
}

OspMesh *
osp_mesh_load_full (const char             *path,
                    OspMeshLoadInfo        *out_info,
                    const OspProgressRange *progress,
                    GCancellable           *cancellable,
                    GError                **error)
{
  g_autofree char *name = NULL;
  g_autofree guint8 *contents = NULL;
  const guint8 *data = NULL;
  void *map = MAP_FAILED;
  struct stat st;
  gsize len;
  OspMesh *mesh;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = osp_error_display_name (path);
  if (out_info != NULL)
    memset (out_info, 0, sizeof *out_info);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("%s: could not open: %s"), name, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("%s: not a regular file"), name);
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > G_MAXSIZE)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: the file is too large"), name);
      close (fd);
      return NULL;
    }
  len = (gsize) st.st_size;

  /* Mapped, not read: the readers parse the page cache in place, with no copy. */
  if (len > 0)
    {
#ifdef MAP_POPULATE
      map = mmap (NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
#else
      map = mmap (NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
#endif
    }
  if (map != MAP_FAILED)
    data = map;
  else if (len > 0)
    {
      /* Some file systems cannot map: read instead. */
      GError *read_error = NULL;

      close (fd);
      fd = -1;
      if (!osp_memory_check (len, name, _("reading the file"), error))
        return NULL;
      if (!g_file_get_contents (path, (char **) &contents, &len, &read_error))
        {
          g_set_error (error, read_error->domain, read_error->code, "%s: %s", name,
                       read_error->message);
          g_error_free (read_error);
          return NULL;
        }
      data = contents;
    }
  if (fd >= 0)
    close (fd);

  mesh = load_from_data (data != NULL ? data : (const guint8 *) "", len, name, out_info,
                         progress, cancellable, error);
  if (map != MAP_FAILED)
    munmap (map, len);
  return mesh;
}

/* -- Saving --------------------------------------------------------------------------------- */

gboolean
osp_mesh_save (const OspMesh *mesh,
               const char    *path,
               OspMeshFormat  format,
               GError       **error)
{
  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (format == OSP_MESH_FORMAT_UNKNOWN)
    format = osp_mesh_format_from_extension (path);

  switch (format)
    {
    case OSP_MESH_FORMAT_STL_BINARY:
      return osp_stl_write (mesh, path, FALSE, error);
    case OSP_MESH_FORMAT_STL_ASCII:
      return osp_stl_write (mesh, path, TRUE, error);
    case OSP_MESH_FORMAT_OBJ:
      return osp_obj_write (mesh, path, error);
    case OSP_MESH_FORMAT_PLY:
      return osp_ply_write (mesh, path, FALSE, error);
    case OSP_MESH_FORMAT_PLY_ASCII:
      return osp_ply_write (mesh, path, TRUE, error);
    case OSP_MESH_FORMAT_3MF:
      return osp_3mf_save_mesh (mesh, path, error);
    case OSP_MESH_FORMAT_UNKNOWN:
    default:
      {
        g_autofree char *name = osp_error_display_name (path);

        g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT,
                     _("%s: unknown file type: name it .stl, .obj, .ply or .3mf"), name);
        return FALSE;
      }
    }
}
