/* osp-obj.c — Wavefront OBJ (geometry only)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only `v` and `f` matter; texture coordinates, normals, groups, materials, lines and points
 * are accepted and ignored.  Faces are kept as read until the end, because an index may
 * name a vertex defined further down, and then triangulated in their own plane.
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <string.h>

#include "osp-atomic-file.h"
#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-io-private.h"
#include "osp-mesh-reader-private.h"

static gboolean
is_ignored_keyword (const char *token,
                    gsize       len)
{
  static const char *const ignored[] = {
    "vt", "vn", "vp", "l", "p", "g", "o", "s", "usemtl", "mtllib", "cstype", "deg", "curv",
    "curv2", "surf", "parm", "trim", "hole", "scrv", "sp", "end", "con", "mg", "bmat", "step",
    "call", "csh", "maplib", "usemap", "lod", "shadow_obj", "trace_obj", "bevel", "c_interp",
    "d_interp", "ctech", "stech",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ignored); i++)
    if (osp_token_is (token, len, ignored[i], FALSE))
      return TRUE;
  return FALSE;
}

static inline gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* TRUE when nothing but blanks is left on the line (looks no further than those blanks, which
 * the next token skips anyway: linear however long the line). */
static gboolean
rest_of_line_blank (const OspTextCursor *cursor)
{
  const char *q = cursor->p;

  while (q < cursor->end && is_blank (*q))
    q++;
  return q == cursor->end || *q == '\n';
}

/* The next token of a statement, FALSE at its end.  A backslash that ends a line joins the
 * next line to the statement (a blank in between). */
static gboolean
statement_token (OspTextCursor  *cursor,
                 const char    **out_token,
                 gsize          *out_len)
{
  while (osp_text_token (cursor, out_token, out_len))
    {
      if ((*out_token)[*out_len - 1] != '\\' || !rest_of_line_blank (cursor))
        return TRUE;
      osp_text_next_line (cursor);
      if (*out_len > 1)
        {
          (*out_len)--;
          return TRUE;
        }
    }
  return FALSE;
}

/* Moves past the end of the statement the cursor is in: past its line, and past the lines that
 * a backslash at the end joins to it (but a comment ends with its line). */
static void
skip_statement (OspTextCursor *cursor,
                gboolean       in_comment)
{
  for (;;)
    {
      const char *nl = memchr (cursor->p, '\n', (gsize) (cursor->end - cursor->p));
      const char *q = nl != NULL ? nl : cursor->end;
      gboolean more;

      while (q > cursor->p && is_blank (q[-1]))
        q--;
      more = !in_comment && q > cursor->p && q[-1] == '\\';
      if (nl == NULL)
        {
          cursor->p = cursor->end;
          return;
        }
      cursor->p = nl + 1;
      cursor->line++;
      if (!more)
        return;
    }
}

/* Sets the error for a line; returns NULL for the reader to return. */
static OspMesh *
fail_line (OspMeshReader  *reader,
           guint64         line,
           GError        **error,
           const char     *what)
{
  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, "%s: line %" G_GUINT64_FORMAT ": %s",
               reader->name, line, what);
  return NULL;
}

OspMesh *
osp_obj_read (OspMeshReader *reader,
              GError       **error)
{
  g_autoptr(GArray) positions = NULL;
  g_autoptr(GArray) corners = NULL;     /* 0-based vertex numbers of every face, in order */
  g_autoptr(GArray) face_sizes = NULL;
  g_autoptr(GArray) triangles = NULL;
  g_autofree guint8 *mac_copy = NULL;
  const guint8 *text = reader->data;
  OspTextCursor cursor;
  guint64 max_index = 0, max_index_line = 0;
  guint64 n_short_faces = 0, n_unknown = 0, first_unknown_line = 0;

  /* Every vertex and corner takes at least two bytes of the file. */
  if (!osp_memory_check ((guint64) reader->len * 2, reader->name, _("reading the OBJ"), error))
    return NULL;
  positions = g_array_new (FALSE, FALSE, sizeof (float));
  corners = g_array_new (FALSE, FALSE, sizeof (guint32));
  face_sizes = g_array_new (FALSE, FALSE, sizeof (guint32));
  /* Lines that end with a carriage return alone (classic Mac OS): read from a copy with line
   * feeds instead. */
  if (memchr (text, '\n', reader->len) == NULL && memchr (text, '\r', reader->len) != NULL)
    {
      guint8 *copy = g_malloc (reader->len);

      for (gsize i = 0; i < reader->len; i++)
        copy[i] = text[i] == '\r' ? '\n' : text[i];
      text = mac_copy = copy;
    }
  osp_text_cursor_init (&cursor, text, reader->len);
  if (reader->len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    cursor.p += 3;

  /* One statement a turn: a line, or lines that backslashes join. */
  for (guint64 n_statements = 1; !osp_text_at_end (&cursor); n_statements++)
    {
      const char *token;
      gsize len;
      guint64 line = cursor.line;
      gboolean in_comment = FALSE;

      if (n_statements % 65536 == 0)
        {
          if (osp_mesh_reader_cancelled (reader, error))
            return NULL;
          osp_mesh_reader_progress (reader, reader->data + ((const guint8 *) cursor.p - text));
        }
      if (!statement_token (&cursor, &token, &len) || token[0] == '#')
        {
          skip_statement (&cursor, TRUE);
          continue;
        }

      if (osp_token_is (token, len, "v", FALSE))
        {
          float xyz[3];

          for (guint i = 0; i < 3; i++)
            {
              double value;

              if (!statement_token (&cursor, &token, &len) || token[0] == '#')
                return fail_line (reader, line, error, _("a vertex needs three coordinates"));
              if (!osp_token_to_double (token, len, &value))
                {
                  g_autofree char *found = osp_mesh_io_excerpt (token, len);
                  g_autofree char *what = g_strdup_printf (_("“%s” is not a number"), found);

                  return fail_line (reader, line, error, what);
                }
              xyz[i] = (float) value;
            }
          /* A fourth coordinate (w) or vertex colours may follow: ignored. */
          if (positions->len / 3 >= OSP_MESH_MAX_ELEMENTS)
            return fail_line (reader, line, error, _("too many vertices"));
          g_array_append_vals (positions, xyz, 3);
        }
      else if (osp_token_is (token, len, "f", FALSE))
        {
          guint32 n = 0;
          guint64 n_vertices = positions->len / 3;

          /* A comment may end the line. */
          while (statement_token (&cursor, &token, &len) && !(in_comment = token[0] == '#'))
            {
              const char *slash = memchr (token, '/', len);
              gsize index_len = slash != NULL ? (gsize) (slash - token) : len;
              gint64 index;
              guint32 v;

              if (!osp_token_to_int64 (token, index_len, &index) || index == 0)
                {
                  g_autofree char *found = osp_mesh_io_excerpt (token, len);
                  g_autofree char *what = g_strdup_printf (_("“%s” is not a vertex index"),
                                                           found);

                  return fail_line (reader, line, error, what);
                }
              if (index < 0)
                {
                  /* Relative: -1 is the last vertex defined so far. */
                  if ((guint64) -(index + 1) >= n_vertices)
                    {
                      g_autofree char *what =
                        g_strdup_printf (_("vertex index %" PRId64 " is out of range "
                                           "(%" PRIu64 " vertices so far)"),
                                         index, n_vertices);

                      return fail_line (reader, line, error, what);
                    }
                  v = (guint32) (n_vertices + (guint64) index);
                }
              else
                {
                  if ((guint64) index > OSP_MESH_MAX_ELEMENTS)
                    {
                      g_autofree char *what =
                        g_strdup_printf (_("vertex index %" PRId64 " is out of range"),
                                         index);

                      return fail_line (reader, line, error, what);
                    }
                  /* May name a vertex defined later: checked at the end. */
                  if ((guint64) index > max_index)
                    {
                      max_index = (guint64) index;
                      max_index_line = line;
                    }
                  v = (guint32) (index - 1);
                }
              g_array_append_val (corners, v);
              n++;
            }
          if (n < 3)
            {
              g_array_set_size (corners, corners->len - n);
              n_short_faces++;
            }
          else
            g_array_append_val (face_sizes, n);
        }
      else if (!is_ignored_keyword (token, len))
        {
          if (n_unknown++ == 0)
            first_unknown_line = line;
        }
      skip_statement (&cursor, in_comment);
    }

  if (n_unknown > 0)
    osp_mesh_reader_warn (reader, _("%s: %" PRIu64 " lines with unknown content were "
                                    "ignored (the first is line %" PRIu64 ")"),
                          reader->name, n_unknown, first_unknown_line);
  if (n_short_faces > 0)
    osp_mesh_reader_warn (reader, _("%s: %" PRIu64 " faces with fewer than three "
                                    "corners were ignored"), reader->name, n_short_faces);
  if (face_sizes->len == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the OBJ file has no faces"), reader->name);
      return NULL;
    }
  if (max_index > positions->len / 3)
    {
      g_autofree char *what =
        g_strdup_printf (_("vertex index %" PRIu64 " is out of range (the file has %u "
                           "vertices)"), max_index, positions->len / 3);

      return fail_line (reader, max_index_line, error, what);
    }

  triangles = osp_mesh_reader_triangulate_faces (reader, (const float *) positions->data,
                                                 corners, face_sizes, error);
  if (triangles == NULL)
    return NULL;

  reader->info->n_file_triangles = triangles->len / 3;
  {
    guint32 n_vertices = positions->len / 3;
    guint32 n_triangles = triangles->len / 3;

    return osp_mesh_reader_finish (reader, (float *) g_array_free (g_steal_pointer (&positions),
                                                                   FALSE),
                                   n_vertices,
                                   (guint32 *) g_array_free (g_steal_pointer (&triangles), FALSE),
                                   n_triangles, error);
  }
}

gboolean
osp_obj_write (const OspMesh *mesh,
               const char    *path,
               GError       **error)
{
  g_autoptr(OspAtomicFile) file = osp_atomic_file_new (path, error);
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  char b[3][G_ASCII_DTOSTR_BUF_SIZE];

  if (file == NULL)
    return FALSE;
  if (!osp_atomic_file_printf (file, error, "# written by Osteoplan (millimetres)\n"))
    return FALSE;
  for (guint32 v = 0; v < osp_mesh_get_n_vertices (mesh); v++)
    {
      const float *q = p + 3 * (gsize) v;

      /* %.9g round-trips every float, whatever the locale's decimal separator. */
      if (!osp_atomic_file_printf (file, error, "v %s %s %s\n",
                                   g_ascii_formatd (b[0], sizeof b[0], "%.9g", q[0]),
                                   g_ascii_formatd (b[1], sizeof b[1], "%.9g", q[1]),
                                   g_ascii_formatd (b[2], sizeof b[2], "%.9g", q[2])))
        return FALSE;
    }
  for (guint32 f = 0; f < osp_mesh_get_n_triangles (mesh); f++)
    if (!osp_atomic_file_printf (file, error, "f %u %u %u\n", t[3 * (gsize) f] + 1,
                                 t[3 * (gsize) f + 1] + 1, t[3 * (gsize) f + 2] + 1))
      return FALSE;
  return osp_atomic_file_commit (file, error);
}
