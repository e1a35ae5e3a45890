/* osp-mesh-reader.c — what the mesh readers share: warnings, progress, a text cursor, number
 * parsing, polygon triangulation and the last checks
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used by the STL, OBJ and PLY readers (osp-stl.c, osp-obj.c, osp-ply.c), which osp-mesh-io.c
 * dispatches to; nothing here knows about them.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-mesh-private.h"
#include "osp-mesh-reader-private.h"

/* Larger polygons are fanned: ear clipping is quadratic in the corner count. */
#define EAR_CLIPPING_MAX_CORNERS 4096u

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
