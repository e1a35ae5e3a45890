/* osp-ply.c — Stanford PLY: ascii, binary little and big endian
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The header is parsed into elements and properties; the body is read element by element.
 * Only vertex x, y, z and the face's index list are kept; every other element and property
 * (colours, normals, texture coordinates, edges, materials) is read past.  Before anything is
 * allocated, the counts of the header are checked against the bytes that follow it.
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

#define MAX_HEADER_ITEMS 4096

typedef enum
{
  PLY_ASCII,
  PLY_LITTLE,
  PLY_BIG,
} PlyEncoding;

typedef enum
{
  PLY_INVALID,
  PLY_INT8,
  PLY_UINT8,
  PLY_INT16,
  PLY_UINT16,
  PLY_INT32,
  PLY_UINT32,
  PLY_FLOAT32,
  PLY_FLOAT64,
} PlyType;

static const struct
{
  const char *name;
  const char *alias;
  guint       size;
} ply_types[] = {
  [PLY_INVALID] = { "", "", 0 },
  [PLY_INT8] = { "char", "int8", 1 },
  [PLY_UINT8] = { "uchar", "uint8", 1 },
  [PLY_INT16] = { "short", "int16", 2 },
  [PLY_UINT16] = { "ushort", "uint16", 2 },
  [PLY_INT32] = { "int", "int32", 4 },
  [PLY_UINT32] = { "uint", "uint32", 4 },
  [PLY_FLOAT32] = { "float", "float32", 4 },
  [PLY_FLOAT64] = { "double", "float64", 8 },
};

typedef struct
{
  char    *name;
  PlyType  type;        /* of the value, or of a list's items */
  PlyType  count_type;  /* PLY_INVALID unless a list */
} PlyProperty;

typedef struct
{
  char    *name;
  guint64  count;
  GArray  *properties;  /* PlyProperty */
} PlyElement;

static void
ply_property_clear (gpointer data)
{
  PlyProperty *property = data;

  g_free (property->name);
}

static void
ply_element_clear (gpointer data)
{
  PlyElement *element = data;

  g_free (element->name);
  g_clear_pointer (&element->properties, g_array_unref);
}

typedef struct
{
  OspMeshReader *reader;
  PlyEncoding    encoding;
  GArray        *elements;  /* PlyElement */
  const guint8  *p;         /* binary: the next byte */
  const guint8  *end;
  OspTextCursor  cursor;    /* ascii */
} Ply;

static PlyType
parse_type (const char *token,
            gsize       len)
{
  for (guint t = PLY_INT8; t <= PLY_FLOAT64; t++)
    if (osp_token_is (token, len, ply_types[t].name, FALSE) ||
        osp_token_is (token, len, ply_types[t].alias, FALSE))
      return t;
  return PLY_INVALID;
}

static gboolean
header_error (Ply         *ply,
              guint64      line,
              const char  *what,
              GError     **error)
{
  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
               _("%s: malformed PLY header, line %" PRIu64 ": %s"),
               ply->reader->name, line, what);
  return FALSE;
}

/* Moves past the end of a header line: a line feed (after a carriage return or not) or, in a
 * header whose lines end with a carriage return alone (classic Mac OS), that. */
static void
header_next_line (OspTextCursor *cursor,
                  gboolean       cr_only)
{
  const char *end;

  if (!cr_only)
    {
      osp_text_next_line (cursor);
      return;
    }
  end = memchr (cursor->p, '\r', (gsize) (cursor->end - cursor->p));
  cursor->p = end != NULL ? end + 1 : cursor->end;
  cursor->line++;
}

static gboolean
parse_header (Ply     *ply,
              GError **error)
{
  OspTextCursor cursor;
  gboolean have_format = FALSE;
  gboolean cr_only;
  g_autofree char *first_unknown = NULL;
  guint64 first_unknown_line = 0;
  guint n_unknown = 0;

  osp_text_cursor_init (&cursor, ply->reader->data, ply->reader->len);
  /* "ply" and blanks were checked by the detection; how that line ends tells how every header
   * line does. */
  cursor.p += 3;
  while (cursor.p < cursor.end && (*cursor.p == ' ' || *cursor.p == '\t'))
    cursor.p++;
  cr_only = cursor.p < cursor.end && *cursor.p == '\r' &&
            (cursor.p + 1 == cursor.end || cursor.p[1] != '\n');
  header_next_line (&cursor, cr_only);

  for (;;)
    {
      const char *token;
      gsize len;
      guint64 line = cursor.line;

      if (osp_text_at_end (&cursor))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: malformed PLY header: no “end_header”"), ply->reader->name);
          return FALSE;
        }
      if (!osp_text_token (&cursor, &token, &len))
        {
          header_next_line (&cursor, cr_only);
          continue;
        }

      if (osp_token_is (token, len, "end_header", FALSE))
        {
          header_next_line (&cursor, cr_only);
          break;
        }
      else if (osp_token_is (token, len, "comment", FALSE) ||
               osp_token_is (token, len, "obj_info", FALSE))
        ;
      else if (osp_token_is (token, len, "format", FALSE))
        {
          if (!osp_text_token (&cursor, &token, &len))
            return header_error (ply, line, _("the format is missing"), error);
          if (osp_token_is (token, len, "ascii", FALSE))
            ply->encoding = PLY_ASCII;
          else if (osp_token_is (token, len, "binary_little_endian", FALSE))
            ply->encoding = PLY_LITTLE;
          else if (osp_token_is (token, len, "binary_big_endian", FALSE))
            ply->encoding = PLY_BIG;
          else
            return header_error (ply, line, _("unknown format"), error);
          have_format = TRUE;
        }
      else if (osp_token_is (token, len, "element", FALSE))
        {
          PlyElement element = { 0 };
          const char *count_token;
          gsize count_len;
          gint64 count;

          if (!osp_text_token (&cursor, &token, &len) ||
              !osp_text_token (&cursor, &count_token, &count_len) ||
              !osp_token_to_int64 (count_token, count_len, &count) || count < 0)
            return header_error (ply, line, _("an element needs a name and a count"), error);
          if (ply->elements->len >= MAX_HEADER_ITEMS)
            return header_error (ply, line, _("too many elements"), error);
          element.name = g_strndup (token, len);
          element.count = (guint64) count;
          element.properties = g_array_new (FALSE, TRUE, sizeof (PlyProperty));
          g_array_set_clear_func (element.properties, ply_property_clear);
          g_array_append_val (ply->elements, element);
        }
      else if (osp_token_is (token, len, "property", FALSE))
        {
          PlyProperty property = { 0 };
          PlyElement *element;

          if (ply->elements->len == 0)
            return header_error (ply, line, _("a property before any element"), error);
          element = &g_array_index (ply->elements, PlyElement, ply->elements->len - 1);
          if (element->properties->len >= MAX_HEADER_ITEMS)
            return header_error (ply, line, _("too many properties"), error);
          if (!osp_text_token (&cursor, &token, &len))
            return header_error (ply, line, _("a property needs a type"), error);
          if (osp_token_is (token, len, "list", FALSE))
            {
              if (!osp_text_token (&cursor, &token, &len) ||
                  (property.count_type = parse_type (token, len)) == PLY_INVALID ||
                  property.count_type == PLY_FLOAT32 || property.count_type == PLY_FLOAT64)
                return header_error (ply, line, _("a list needs an integer count type"), error);
              if (!osp_text_token (&cursor, &token, &len))
                return header_error (ply, line, _("a list needs an item type"), error);
            }
          if ((property.type = parse_type (token, len)) == PLY_INVALID)
            {
              g_autofree char *found = osp_mesh_io_excerpt (token, len);
              g_autofree char *what = g_strdup_printf (_("unknown type “%s”"), found);

              return header_error (ply, line, what, error);
            }
          if (!osp_text_token (&cursor, &token, &len))
            return header_error (ply, line, _("a property needs a name"), error);
          property.name = g_strndup (token, len);
          g_array_append_val (element->properties, property);
        }
      else
        {
          /* Not a keyword: a comment without "comment" (Blender 2.4x writes "Created by
           * Blender3D …"), or a writer's own extension.  Skipped, with a warning, as other
           * readers do. */
          if (n_unknown++ == 0)
            {
              const char *eol = token;

              while (eol < cursor.end && *eol != '\n' && *eol != '\r')
                eol++;
              first_unknown = osp_mesh_io_excerpt (token, (gsize) (eol - token));
              first_unknown_line = line;
            }
        }
      header_next_line (&cursor, cr_only);
    }
  if (n_unknown > 0)
    osp_mesh_reader_warn (ply->reader,
                          g_dngettext (GETTEXT_PACKAGE,
                                       "%s: %u line of the PLY header is neither a keyword nor a "
                                       "comment and was ignored (line %" PRIu64 ": “%s”)",
                                       "%s: %u lines of the PLY header are neither keywords nor "
                                       "comments and were ignored (the first, line %" PRIu64
                                       ": “%s”)", n_unknown),
                          ply->reader->name, n_unknown, first_unknown_line, first_unknown);

  if (!have_format)
    return header_error (ply, cursor.line, _("no “format” line"), error);
  ply->p = (const guint8 *) cursor.p;
  ply->end = ply->reader->data + ply->reader->len;
  ply->cursor = cursor;
  return TRUE;
}

/* The fewest bytes one item of the element takes in the body. */
static guint64
min_item_size (const Ply        *ply,
               const PlyElement *element)
{
  guint64 size = 0;

  for (guint i = 0; i < element->properties->len; i++)
    {
      const PlyProperty *property = &g_array_index (element->properties, PlyProperty, i);

      if (ply->encoding == PLY_ASCII)
        size += 2; /* a digit and a separator */
      else
        size += ply_types[property->count_type != PLY_INVALID ? property->count_type
                                                              : property->type].size;
    }
  return size;
}

static gboolean
body_error (Ply         *ply,
            GError     **error,
            const char  *format,
            ...) G_GNUC_PRINTF (3, 4);

static gboolean
body_error (Ply         *ply,
            GError     **error,
            const char  *format,
            ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (ply->encoding == PLY_ASCII)
    g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: line %" PRIu64 ": %s"),
                 ply->reader->name, ply->cursor.line, what);
  else
    g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: at byte %" PRIu64 ": %s"),
                 ply->reader->name, (guint64) (ply->p - ply->reader->data), what);
  return FALSE;
}

/* Reads one scalar of the given type as a double. */
static gboolean
read_value (Ply      *ply,
            PlyType   type,
            double   *out,
            GError  **error)
{
  if (ply->encoding == PLY_ASCII)
    {
      const char *token;
      gsize len;

      osp_text_skip_space (&ply->cursor);
      if (!osp_text_token (&ply->cursor, &token, &len))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the PLY file ends before its last element"), ply->reader->name);
          return FALSE;
        }
      if (!osp_token_to_double (token, len, out))
        {
          g_autofree char *found = osp_mesh_io_excerpt (token, len);

          return body_error (ply, error, _("“%s” is not a number"), found);
        }
      return TRUE;
    }
  else
    {
      guint size = ply_types[type].size;
      union
      {
        guint8  bytes[8];
        gint8   i8;
        guint8  u8;
        gint16  i16;
        guint16 u16;
        gint32  i32;
        guint32 u32;
        float   f32;
        double  f64;
      } v;

      if ((gsize) (ply->end - ply->p) < size)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the PLY file ends before its last element"), ply->reader->name);
          return FALSE;
        }
      memcpy (v.bytes, ply->p, size);
      ply->p += size;
      if ((ply->encoding == PLY_BIG) == (G_BYTE_ORDER == G_LITTLE_ENDIAN))
        for (guint i = 0; i < size / 2; i++)
          {
            guint8 tmp = v.bytes[i];

            v.bytes[i] = v.bytes[size - 1 - i];
            v.bytes[size - 1 - i] = tmp;
          }
      switch (type)
        {
        case PLY_INT8:
          *out = v.i8;
          break;
        case PLY_UINT8:
          *out = v.u8;
          break;
        case PLY_INT16:
          *out = v.i16;
          break;
        case PLY_UINT16:
          *out = v.u16;
          break;
        case PLY_INT32:
          *out = v.i32;
          break;
        case PLY_UINT32:
          *out = v.u32;
          break;
        case PLY_FLOAT32:
          *out = v.f32;
          break;
        case PLY_FLOAT64:
          *out = v.f64;
          break;
        case PLY_INVALID:
        default:
          g_assert_not_reached ();
        }
      return TRUE;
    }
}

/* Reads a list's count and checks that so many items can still follow. */
static gboolean
read_list_count (Ply               *ply,
                 const PlyProperty *property,
                 guint64           *out_count,
                 GError           **error)
{
  double value;
  guint64 room;

  if (!read_value (ply, property->count_type, &value, error))
    return FALSE;
  if (!(value >= 0) || value != floor (value) || value > (double) G_MAXUINT32)
    return body_error (ply, error, _("a list count of %g"), value);
  if (ply->encoding == PLY_ASCII)
    room = (guint64) (ply->cursor.end - ply->cursor.p) / 2 + 1;
  else
    room = (guint64) (ply->end - ply->p) / ply_types[property->type].size;
  if ((guint64) value > room)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                   _("%s: a list of %.0f values runs past the end of the PLY file"),
                   ply->reader->name, value);
      return FALSE;
    }
  *out_count = (guint64) value;
  return TRUE;
}

static gint
find_property (const PlyElement *element,
               const char       *name,
               gboolean          list)
{
  for (guint i = 0; i < element->properties->len; i++)
    {
      const PlyProperty *property = &g_array_index (element->properties, PlyProperty, i);

      if (strcmp (property->name, name) == 0 && (property->count_type != PLY_INVALID) == list)
        return (gint) i;
    }
  return -1;
}

/* The face element's one list of integers, whatever its name; -1 unless there is one only. */
static gint
find_only_list (const PlyElement *element)
{
  gint found = -1;

  for (guint i = 0; i < element->properties->len; i++)
    {
      const PlyProperty *property = &g_array_index (element->properties, PlyProperty, i);

      if (property->count_type == PLY_INVALID || property->type == PLY_FLOAT32 ||
          property->type == PLY_FLOAT64)
        continue;
      if (found >= 0)
        return -1;
      found = (gint) i;
    }
  return found;
}

OspMesh *
osp_ply_read (OspMeshReader *reader,
              GError       **error)
{
  Ply ply = { reader };
  g_autoptr(GArray) elements = g_array_new (FALSE, TRUE, sizeof (PlyElement));
  g_autoptr(GArray) corners = NULL;
  g_autoptr(GArray) face_sizes = NULL;
  g_autoptr(GArray) triangles = NULL;
  g_autofree float *positions = NULL;
  guint64 n_vertices = 0, needed = 0, n_short_faces = 0, n_faces;
  const PlyElement *vertex_element = NULL, *face_element = NULL, *strip_element = NULL;

  g_array_set_clear_func (elements, ply_element_clear);
  ply.elements = elements;
  if (!parse_header (&ply, error))
    return NULL;
  reader->info->format = ply.encoding == PLY_ASCII ? OSP_MESH_FORMAT_PLY_ASCII
                                                   : OSP_MESH_FORMAT_PLY;

  /* The counts against the bytes there, before anything is allocated. */
  for (guint e = 0; e < elements->len; e++)
    {
      const PlyElement *element = &g_array_index (elements, PlyElement, e);
      guint64 size = min_item_size (&ply, element), bytes;

      if (!osp_size_mul (element->count, size, &bytes) || !osp_size_add (needed, bytes, &needed) ||
          needed > (guint64) (ply.end - ply.p) + 1)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED,
                       _("%s: the PLY header promises %" PRIu64 " %s but the file "
                         "holds only %" PRIu64 " bytes after the header"),
                       reader->name, element->count, element->name,
                       (guint64) (ply.end - ply.p));
          return NULL;
        }
      if (element->count > 0 && element->properties->len == 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: malformed PLY header: element “%s” has no properties"),
                       reader->name, element->name);
          return NULL;
        }
      if (strcmp (element->name, "vertex") == 0 && vertex_element == NULL)
        vertex_element = element;
      else if (strcmp (element->name, "face") == 0 && face_element == NULL)
        face_element = element;
      else if (strcmp (element->name, "tristrips") == 0 && strip_element == NULL)
        strip_element = element;
    }
  /* Triangle strips (as Cyberware scanners wrote them) only in a file without faces. */
  if (face_element != NULL && face_element->count > 0)
    strip_element = NULL;
  if (strip_element != NULL && strip_element->count > 0)
    face_element = NULL;
  n_faces = face_element != NULL ? face_element->count : 0;
  if (vertex_element == NULL || (n_faces == 0 && (strip_element == NULL ||
                                                  strip_element->count == 0)))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: no surface: the PLY file has no faces"), reader->name);
      return NULL;
    }
  n_vertices = vertex_element->count;
  if (n_vertices > OSP_MESH_MAX_ELEMENTS || n_faces > OSP_MESH_MAX_ELEMENTS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: more vertices or faces than this program can hold"), reader->name);
      return NULL;
    }
  /* Strips: at most three corners (and a face size) an index, each at least a byte. */
  if (!osp_memory_check (n_vertices * 12 + n_faces * 16 +
                         (strip_element != NULL ? (guint64) (ply.end - ply.p) * 16 : 0),
                         reader->name, _("reading the PLY"), error))
    return NULL;

  positions = g_new (float, n_vertices * 3 + 1);
  corners = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_faces * 3);
  face_sizes = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_faces);

  for (guint e = 0; e < elements->len; e++)
    {
      const PlyElement *element = &g_array_index (elements, PlyElement, e);
      gint xyz[3] = { -1, -1, -1 };
      gint list = -1;

      if (element == vertex_element)
        {
          xyz[0] = find_property (element, "x", FALSE);
          xyz[1] = find_property (element, "y", FALSE);
          xyz[2] = find_property (element, "z", FALSE);
          if (xyz[0] < 0 || xyz[1] < 0 || xyz[2] < 0)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: the PLY vertices have no x, y and z"), reader->name);
              return NULL;
            }
        }
      else if (element == face_element || element == strip_element)
        {
          list = find_property (element, "vertex_indices", TRUE);
          if (list < 0)
            list = find_property (element, "vertex_index", TRUE);
          if (list < 0)
            list = find_only_list (element);
          if (list < 0)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           element == face_element
                           ? _("%s: the PLY faces have no vertex_indices list")
                           : _("%s: the PLY triangle strips have no vertex_indices list"),
                           reader->name);
              return NULL;
            }
        }

      for (guint64 item = 0; item < element->count; item++)
        {
          if (item % 65536 == 65535)
            {
              if (osp_mesh_reader_cancelled (reader, error))
                return NULL;
              osp_mesh_reader_progress (reader, ply.encoding == PLY_ASCII
                                                  ? (const void *) ply.cursor.p
                                                  : (const void *) ply.p);
            }
          for (guint i = 0; i < element->properties->len; i++)
            {
              const PlyProperty *property = &g_array_index (element->properties, PlyProperty, i);
              double value;

              if (property->count_type == PLY_INVALID)
                {
                  if (!read_value (&ply, property->type, &value, error))
                    return NULL;
                  for (guint k = 0; k < 3; k++)
                    if (xyz[k] == (gint) i)
                      positions[3 * item + k] = (float) value;
                }
              else
                {
                  guint64 count = 0, strip_length = 0;
                  guint32 strip[2] = { 0, 0 };

                  if (!read_list_count (&ply, property, &count, error))
                    return NULL;
                  for (guint64 k = 0; k < count; k++)
                    {
                      if (!read_value (&ply, property->type, &value, error))
                        return NULL;
                      if (list == (gint) i && element == strip_element)
                        {
                          /* -1 ends a strip; each corner after the second makes a triangle
                           * with the two before it, every other one turned over. */
                          if (value == -1 ||
                              (property->type == PLY_UINT32 && value == (double) G_MAXUINT32))
                            {
                              strip_length = 0;
                              continue;
                            }
                          if (!(value >= 0) || value >= (double) n_vertices ||
                              value != floor (value))
                            {
                              body_error (&ply, error, _("triangle strip %" PRIu64 ": vertex "
                                                         "index %.0f is out of range (%"
                                                         PRIu64 " vertices)"),
                                          item, value, n_vertices);
                              return NULL;
                            }
                          if (strip_length >= 2)
                            {
                              guint32 older = strip[strip_length % 2];
                              guint32 newer = strip[1 - strip_length % 2];
                              gboolean odd = strip_length % 2 == 1;
                              guint32 tri[3] = { odd ? newer : older, odd ? older : newer,
                                                 (guint32) value };
                              guint32 three = 3;

                              /* Repeated corners join strips: no triangle. */
                              if (tri[0] != tri[1] && tri[1] != tri[2] && tri[0] != tri[2])
                                {
                                  g_array_append_vals (corners, tri, 3);
                                  g_array_append_val (face_sizes, three);
                                }
                            }
                          strip[strip_length++ % 2] = (guint32) value;
                        }
                      else if (list == (gint) i)
                        {
                          guint32 v;

                          if (!(value >= 0) || value >= (double) n_vertices ||
                              value != floor (value))
                            {
                              body_error (&ply, error, _("face %" PRIu64 ": vertex "
                                                         "index %.0f is out of range (%"
                                                         PRIu64 " vertices)"),
                                          item, value, n_vertices);
                              return NULL;
                            }
                          v = (guint32) value;
                          g_array_append_val (corners, v);
                        }
                    }
                  if (list == (gint) i && element == face_element)
                    {
                      guint32 n = (guint32) count;

                      if (n < 3)
                        {
                          g_array_set_size (corners, corners->len - n);
                          n_short_faces++;
                        }
                      else
                        g_array_append_val (face_sizes, n);
                    }
                }
            }
        }
    }
  if (ply.encoding == PLY_ASCII)
    {
      osp_text_skip_space (&ply.cursor);
      if (!osp_text_at_end (&ply.cursor))
        osp_mesh_reader_warn (reader, _("%s: content after the last PLY element was ignored"),
                              reader->name);
    }
  else if (ply.p < ply.end)
    osp_mesh_reader_warn (reader, g_dngettext (GETTEXT_PACKAGE,
                                               "%s: %zu byte after the last PLY element was "
                                               "ignored",
                                               "%s: %zu bytes after the last PLY element were "
                                               "ignored", (gsize) (ply.end - ply.p)),
                          reader->name, (gsize) (ply.end - ply.p));
  if (n_short_faces > 0)
    osp_mesh_reader_warn (reader, g_dngettext (GETTEXT_PACKAGE,
                                               "%s: %" PRIu64 " face with fewer than three "
                                               "corners was ignored",
                                               "%s: %" PRIu64 " faces with fewer than three "
                                               "corners were ignored", n_short_faces),
                          reader->name, n_short_faces);

  triangles = osp_mesh_reader_triangulate_faces (reader, positions, corners, face_sizes, error);
  if (triangles == NULL)
    return NULL;

  reader->info->n_file_triangles = triangles->len / 3;
  {
    guint32 n_triangles = triangles->len / 3;

    return osp_mesh_reader_finish (reader, g_steal_pointer (&positions), (guint32) n_vertices,
                                   (guint32 *) g_array_free (g_steal_pointer (&triangles), FALSE),
                                   n_triangles, error);
  }
}

/* -- Writing -------------------------------------------------------------------------------- */

gboolean
osp_ply_write (const OspMesh *mesh,
               const char    *path,
               gboolean       ascii,
               GError       **error)
{
  g_autoptr(OspAtomicFile) file = osp_atomic_file_new (path, error);
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  guint32 n_vertices = osp_mesh_get_n_vertices (mesh);
  guint32 n_triangles = osp_mesh_get_n_triangles (mesh);

  if (file == NULL)
    return FALSE;
  if (!osp_atomic_file_printf (file, error,
                               "ply\nformat %s 1.0\ncomment written by Osteoplan (millimetres)\n"
                               "element vertex %u\nproperty float x\nproperty float y\n"
                               "property float z\nelement face %u\n"
                               "property list uchar uint vertex_indices\nend_header\n",
                               ascii ? "ascii" : "binary_little_endian", n_vertices, n_triangles))
    return FALSE;

  if (ascii)
    {
      char b[3][G_ASCII_DTOSTR_BUF_SIZE];

      for (guint32 v = 0; v < n_vertices; v++)
        if (!osp_atomic_file_printf (file, error, "%s %s %s\n",
                                     g_ascii_formatd (b[0], sizeof b[0], "%.9g", p[3 * v]),
                                     g_ascii_formatd (b[1], sizeof b[1], "%.9g", p[3 * v + 1]),
                                     g_ascii_formatd (b[2], sizeof b[2], "%.9g", p[3 * v + 2])))
          return FALSE;
      for (guint32 f = 0; f < n_triangles; f++)
        if (!osp_atomic_file_printf (file, error, "3 %u %u %u\n", t[3 * (gsize) f],
                                     t[3 * (gsize) f + 1], t[3 * (gsize) f + 2]))
          return FALSE;
    }
  else
    {
      guint8 record[13];

      for (guint32 v = 0; v < n_vertices; v++)
        {
          for (guint i = 0; i < 3; i++)
            {
              guint32 u;

              memcpy (&u, p + 3 * (gsize) v + i, 4);
              u = GUINT32_TO_LE (u);
              memcpy (record + 4 * i, &u, 4);
            }
          if (!osp_atomic_file_write (file, record, 12, error))
            return FALSE;
        }
      record[0] = 3;
      for (guint32 f = 0; f < n_triangles; f++)
        {
          for (guint i = 0; i < 3; i++)
            {
              guint32 u = GUINT32_TO_LE (t[3 * (gsize) f + i]);

              memcpy (record + 1 + 4 * i, &u, 4);
            }
          if (!osp_atomic_file_write (file, record, 13, error))
            return FALSE;
        }
    }
  return osp_atomic_file_commit (file, error);
}
