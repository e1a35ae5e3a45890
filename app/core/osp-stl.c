/* osp-stl.c — STL, binary and ASCII
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Binary STL is welded straight from the mapped file (no intermediate soup).  Stored normals
 * are never read: they are often wrong or NaN, and the winding says the same thing.
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-atomic-file.h"
#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-io-private.h"
#include "osp-mesh-reader-private.h"
#include "osp-mesh-private.h"

#define STL_HEADER_SIZE 84u
#define STL_RECORD_SIZE 50u

static OspMesh *
finish_welded (OspMeshReader *reader,
               OspMesh       *welded,
               guint64        n_dropped,
               GError       **error)
{
  g_autoptr(OspMesh) mesh = welded;

  if (mesh == NULL)
    return NULL;
  if (n_dropped > 0)
    osp_mesh_reader_warn (reader, g_dngettext (GETTEXT_PACKAGE,
                                               "%s: %" PRIu64 " triangle with NaN or infinite "
                                               "coordinates was left out",
                                               "%s: %" PRIu64 " triangles with NaN or infinite "
                                               "coordinates were left out", n_dropped),
                          reader->name, n_dropped);
  if (osp_mesh_get_n_triangles (mesh) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the file holds no usable triangle"), reader->name);
      return NULL;
    }
  return g_steal_pointer (&mesh);
}

OspMesh *
osp_stl_read_binary (OspMeshReader *reader,
                     GError       **error)
{
  guint64 holds, trailing;
  guint32 count;
  guint64 n_dropped = 0;
  OspMesh *mesh;

  if (reader->len < STL_HEADER_SIZE)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                   _("%s: binary STL ends inside its 84-byte header (the file has "
                     "%zu bytes)"), reader->name, reader->len);
      return NULL;
    }
  memcpy (&count, reader->data + 80, sizeof count);
  count = GUINT32_FROM_LE (count);
  holds = (reader->len - STL_HEADER_SIZE) / STL_RECORD_SIZE;
  reader->info->n_file_triangles = count;

  if (count > holds)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s: binary STL says %u triangle but the file holds %" PRIu64,
                                "%s: binary STL says %u triangles but the file holds %" PRIu64,
                                count),
                   reader->name, count, holds);
      return NULL;
    }
  if (count == 0 && holds > 0 && (reader->len - STL_HEADER_SIZE) % STL_RECORD_SIZE == 0 &&
      holds <= OSP_MESH_MAX_ELEMENTS)
    {
      /* Some exporters stream the triangles and never write the count back. */
      count = (guint32) holds;
      osp_mesh_reader_warn (reader, _("%s: the binary STL header says 0 triangles; the %u "
                                      "triangles that fill the file were read"),
                            reader->name, count);
      reader->info->n_file_triangles = count;
    }
  if (count == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the binary STL holds no triangles"), reader->name);
      return NULL;
    }
  if (count > OSP_MESH_MAX_ELEMENTS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: %u triangles are more than this program can hold"), reader->name,
                   count);
      return NULL;
    }
  trailing = reader->len - STL_HEADER_SIZE - (guint64) count * STL_RECORD_SIZE;
  if (trailing > 0)
    osp_mesh_reader_warn (reader, _("%s: %" PRIu64 " bytes after the %u triangles "
                                    "the binary STL declares were ignored"),
                          reader->name, trailing, count);

  mesh = osp_mesh_weld_strided (reader->data + STL_HEADER_SIZE + 12, STL_RECORD_SIZE, count,
                                TRUE, &n_dropped, reader->name, reader->progress,
                                reader->cancellable, error);
  return finish_welded (reader, mesh, n_dropped, error);
}

/* -- ASCII ---------------------------------------------------------------------------------- */

typedef struct
{
  OspMeshReader *reader;
  OspTextCursor  cursor;
  const char    *token;
  gsize          token_len;
  guint64        token_line;
  gboolean       pushed_back;  /* the current token is to be read again */
} StlLexer;

/* The next token across lines; FALSE at the end of the file. */
static gboolean
lex_next (StlLexer *lex)
{
  if (lex->pushed_back)
    {
      lex->pushed_back = FALSE;
      return TRUE;
    }
  osp_text_skip_space (&lex->cursor);
  lex->token_line = lex->cursor.line;
  return osp_text_token (&lex->cursor, &lex->token, &lex->token_len);
}

/* Skips the rest of the line (a solid's name, a facet's normal), but stops before `keyword`:
 * some writers put a whole file on one line. */
static void
lex_skip_line_until (StlLexer   *lex,
                     const char *keyword,
                     const char *keyword2)
{
  const char *token;
  gsize len;

  while (osp_text_token (&lex->cursor, &token, &len))
    if (osp_token_is (token, len, keyword, TRUE) ||
        (keyword2 != NULL && osp_token_is (token, len, keyword2, TRUE)))
      {
        lex->token = token;
        lex->token_len = len;
        lex->token_line = lex->cursor.line;
        lex->pushed_back = TRUE;
        return;
      }
  osp_text_next_line (&lex->cursor);
}

/* Skips the name after "endsolid": the rest of its line, whatever it holds ("endsolid Solid"
 * is common).  But a "solid" there starts the next solid when "facet" or "endsolid" follows
 * it, on the same line (a file written on one line) or first thing on the next.  The text
 * after the first "solid" is looked at once, so that a long line of names stays linear. */
static void
lex_skip_endsolid_name (StlLexer *lex)
{
  const char *token;
  gsize len;

  while (osp_text_token (&lex->cursor, &token, &len))
    if (osp_token_is (token, len, "solid", TRUE))
      {
        OspTextCursor ahead = lex->cursor;
        const char *next;
        gsize next_len;
        gboolean starts = FALSE;

        while (!starts && osp_text_token (&ahead, &next, &next_len))
          starts = osp_token_is (next, next_len, "facet", TRUE) ||
                   osp_token_is (next, next_len, "endsolid", TRUE);
        if (!starts)
          {
            osp_text_skip_space (&ahead);
            starts = osp_text_token (&ahead, &next, &next_len) &&
                     (osp_token_is (next, next_len, "facet", TRUE) ||
                      osp_token_is (next, next_len, "endsolid", TRUE));
          }
        if (starts)
          {
            lex->token = token;
            lex->token_len = len;
            lex->token_line = lex->cursor.line;
            lex->pushed_back = TRUE;
            return;
          }
        break;
      }
  osp_text_next_line (&lex->cursor);
}

static gboolean
lex_is (const StlLexer *lex,
        const char     *keyword)
{
  return osp_token_is (lex->token, lex->token_len, keyword, TRUE);
}

/* Sets the error for a missing keyword; returns NULL for the reader to return. */
static OspMesh *
fail_expected (StlLexer    *lex,
               const char  *expected,
               gboolean     at_end,
               GError     **error)
{
  if (at_end)
    g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                 _("%s: the ASCII STL ends at line %" PRIu64 " where “%s” should "
                   "follow"), lex->reader->name, lex->cursor.line, expected);
  else
    {
      g_autofree char *found = osp_mesh_io_excerpt (lex->token, lex->token_len);

      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: line %" PRIu64 ": expected “%s” but found “%s”"),
                   lex->reader->name, lex->token_line, expected, found);
    }
  return NULL;
}

/* Reads the next token and checks that it is `keyword`. */
static gboolean
expect (StlLexer    *lex,
        const char  *keyword,
        GError     **error)
{
  gboolean got = lex_next (lex);

  if (got && lex_is (lex, keyword))
    return TRUE;
  fail_expected (lex, keyword, !got, error);
  return FALSE;
}

OspMesh *
osp_stl_read_ascii (OspMeshReader *reader,
                    GError       **error)
{
  g_autoptr(GArray) soup = NULL;
  StlLexer lex = { reader };
  guint64 n_solids = 0;
  guint64 n_facets = 0;
  guint64 n_dropped = 0;
  OspMesh *mesh;

  /* Each corner takes at least "vertex 0 0 0" (12 bytes) in the file, so the soup cannot
   * outgrow the file. */
  if (!osp_memory_check (reader->len, reader->name, _("reading the ASCII STL"), error))
    return NULL;
  soup = g_array_new (FALSE, FALSE, sizeof (float));
  osp_text_cursor_init (&lex.cursor, reader->data, reader->len);
  if (reader->len >= 3 && memcmp (reader->data, "\xef\xbb\xbf", 3) == 0)
    lex.cursor.p += 3;

  while (lex_next (&lex))
    {
      if (!lex_is (&lex, "solid"))
        {
          if (n_solids > 0)
            {
              /* Junk after a complete solid (padding, NUL bytes): keep what was read. */
              osp_mesh_reader_warn (reader, _("%s: line %" PRIu64 ": content after "
                                              "“endsolid” was ignored"),
                                    reader->name, lex.token_line);
              break;
            }
          return fail_expected (&lex, "solid", FALSE, error);
        }
      n_solids++;
      /* The name is the rest of the line, whatever it holds. */
      lex_skip_line_until (&lex, "facet", "endsolid");

      for (;;)
        {
          guint64 facet_line;
          guint n_vertices = 0;
          float corners[9];

          if (!lex_next (&lex))
            {
              osp_mesh_reader_warn (reader, _("%s: the last solid has no “endsolid”"),
                                    reader->name);
              goto done;
            }
          if (lex_is (&lex, "endsolid"))
            {
              /* Its name need not match the solid's. */
              lex_skip_endsolid_name (&lex);
              break;
            }
          if (!lex_is (&lex, "facet"))
            return fail_expected (&lex, "facet", FALSE, error);
          facet_line = lex.token_line;
          /* "normal nx ny nz": ignored, whatever the numbers (NaN included). */
          lex_skip_line_until (&lex, "outer", NULL);
          if (!expect (&lex, "outer", error) || !expect (&lex, "loop", error))
            return NULL;

          for (;;)
            {
              if (!lex_next (&lex))
                return fail_expected (&lex, "endloop", TRUE, error);
              if (!lex_is (&lex, "vertex"))
                break;
              for (guint i = 0; i < 3; i++)
                {
                  double value;

                  if (!osp_text_token (&lex.cursor, &lex.token, &lex.token_len))
                    {
                      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                                   _("%s: line %" PRIu64 ": a vertex needs three "
                                     "coordinates"), reader->name, lex.cursor.line);
                      return NULL;
                    }
                  if (!osp_token_to_double (lex.token, lex.token_len, &value))
                    {
                      g_autofree char *found = osp_mesh_io_excerpt (lex.token, lex.token_len);

                      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                                   _("%s: line %" PRIu64 ": “%s” is not a number"),
                                   reader->name, lex.cursor.line, found);
                      return NULL;
                    }
                  if (n_vertices < 3)
                    corners[3 * n_vertices + i] = (float) value;
                }
              n_vertices++;
            }
          if (!lex_is (&lex, "endloop"))
            return fail_expected (&lex, "endloop", FALSE, error);
          if (n_vertices != 3)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: line %" PRIu64 ": a facet with %u vertices (a "
                             "triangle has 3)"), reader->name, facet_line, n_vertices);
              return NULL;
            }
          if (!expect (&lex, "endfacet", error))
            return NULL;
          g_array_append_vals (soup, corners, 9);
          n_facets++;
          if (n_facets > OSP_MESH_MAX_ELEMENTS)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                           _("%s: more triangles than this program can hold"), reader->name);
              return NULL;
            }
          if (n_facets % 65536 == 0)
            {
              if (osp_mesh_reader_cancelled (reader, error))
                return NULL;
              osp_mesh_reader_progress (reader, lex.cursor.p);
            }
        }
    }

done:
  if (n_solids == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the ASCII STL holds no solid"), reader->name);
      return NULL;
    }
  reader->info->n_file_triangles = (guint32) n_facets;
  if (n_facets == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the ASCII STL holds no facets"), reader->name);
      return NULL;
    }

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  for (guint i = 0; i < soup->len; i++)
    {
      guint32 u;

      memcpy (&u, &g_array_index (soup, float, i), 4);
      u = GUINT32_TO_LE (u);
      memcpy (&g_array_index (soup, float, i), &u, 4);
    }
#endif
  mesh = osp_mesh_weld_strided ((const guint8 *) soup->data, 9 * sizeof (float), n_facets, TRUE,
                                &n_dropped, reader->name, NULL, reader->cancellable, error);
  return finish_welded (reader, mesh, n_dropped, error);
}

/* -- Writing -------------------------------------------------------------------------------- */

static void
face_normal (const OspMesh *mesh,
             guint32        t,
             float          out[3])
{
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *tri = osp_mesh_get_indices (mesh) + 3 * (gsize) t;
  const float *a = p + 3 * (gsize) tri[0];
  const float *b = p + 3 * (gsize) tri[1];
  const float *c = p + 3 * (gsize) tri[2];
  double u[3], v[3], n[3], len;

  for (guint i = 0; i < 3; i++)
    {
      u[i] = (double) b[i] - a[i];
      v[i] = (double) c[i] - a[i];
    }
  n[0] = u[1] * v[2] - u[2] * v[1];
  n[1] = u[2] * v[0] - u[0] * v[2];
  n[2] = u[0] * v[1] - u[1] * v[0];
  len = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (guint i = 0; i < 3; i++)
    out[i] = len > 0 ? (float) (n[i] / len) : 0.0f;
}

static inline void
put_le32 (guint8      *out,
          const void  *value)
{
  guint32 u;

  memcpy (&u, value, 4);
  u = GUINT32_TO_LE (u);
  memcpy (out, &u, 4);
}

static gboolean
write_binary (const OspMesh  *mesh,
              OspAtomicFile  *file,
              GError        **error)
{
  const float *positions = osp_mesh_get_positions (mesh);
  const guint32 *indices = osp_mesh_get_indices (mesh);
  guint32 n = osp_mesh_get_n_triangles (mesh);
  guint8 header[STL_HEADER_SIZE];
  const guint32 chunk = 16384;
  g_autofree guint8 *buffer = g_malloc (chunk * STL_RECORD_SIZE);

  /* Never "solid…": that would make readers guess ASCII. */
  memset (header, ' ', 80);
  memcpy (header, "binary STL, millimetres, written by Osteoplan", 45);
  put_le32 (header + 80, &n);
  if (!osp_atomic_file_write (file, header, sizeof header, error))
    return FALSE;

  for (guint32 start = 0; start < n; start += chunk)
    {
      guint32 end = MIN (n, start + chunk);
      guint8 *out = buffer;

      for (guint32 t = start; t < end; t++, out += STL_RECORD_SIZE)
        {
          float normal[3];

          face_normal (mesh, t, normal);
          for (guint i = 0; i < 3; i++)
            put_le32 (out + 4 * i, &normal[i]);
          for (guint k = 0; k < 3; k++)
            for (guint i = 0; i < 3; i++)
              put_le32 (out + 12 + 12 * k + 4 * i,
                        &positions[3 * (gsize) indices[3 * (gsize) t + k] + i]);
          out[48] = out[49] = 0;
        }
      if (!osp_atomic_file_write (file, buffer, (gsize) (out - buffer), error))
        return FALSE;
    }
  return TRUE;
}

static const char *
format_float (char  *buffer,
              float  value)
{
  /* %.9g round-trips every float; g_ascii_formatd ignores the locale's decimal comma. */
  return g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.9g", value);
}

static gboolean
write_ascii (const OspMesh  *mesh,
             OspAtomicFile  *file,
             GError        **error)
{
  const float *positions = osp_mesh_get_positions (mesh);
  const guint32 *indices = osp_mesh_get_indices (mesh);
  guint32 n = osp_mesh_get_n_triangles (mesh);
  char b[3][G_ASCII_DTOSTR_BUF_SIZE];

  if (!osp_atomic_file_printf (file, error, "solid osteoplan\n"))
    return FALSE;
  for (guint32 t = 0; t < n; t++)
    {
      float normal[3];

      face_normal (mesh, t, normal);
      if (!osp_atomic_file_printf (file, error, "  facet normal %s %s %s\n    outer loop\n",
                                   format_float (b[0], normal[0]), format_float (b[1], normal[1]),
                                   format_float (b[2], normal[2])))
        return FALSE;
      for (guint k = 0; k < 3; k++)
        {
          const float *p = positions + 3 * (gsize) indices[3 * (gsize) t + k];

          if (!osp_atomic_file_printf (file, error, "      vertex %s %s %s\n",
                                       format_float (b[0], p[0]), format_float (b[1], p[1]),
                                       format_float (b[2], p[2])))
            return FALSE;
        }
      if (!osp_atomic_file_printf (file, error, "    endloop\n  endfacet\n"))
        return FALSE;
    }
  return osp_atomic_file_printf (file, error, "endsolid osteoplan\n");
}

gboolean
osp_stl_write (const OspMesh *mesh,
               const char    *path,
               gboolean       ascii,
               GError       **error)
{
  g_autoptr(OspAtomicFile) file = osp_atomic_file_new (path, error);

  if (file == NULL)
    return FALSE;
  if (!(ascii ? write_ascii (mesh, file, error) : write_binary (mesh, file, error)))
    return FALSE;
  return osp_atomic_file_commit (file, error);
}
