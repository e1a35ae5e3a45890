/* osp-3mf.c — 3MF packages: a streaming writer and a validating streaming reader
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <string.h>
#include <zip.h>

#include "osp-3mf.h"
#include "osp-atomic-file.h"
#include "osp-error.h"
#include "osp-input.h"
#include "osp-memory.h"

#define NS_CORE       "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
#define NS_MATERIAL   "http://schemas.microsoft.com/3dmanufacturing/material/2015/02"
#define NS_PRODUCTION "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
#define NS_TRIANGLESETS "http://schemas.microsoft.com/3dmanufacturing/trianglesets/2021/07"
#define NS_SECURE_CONTENT "http://schemas.microsoft.com/3dmanufacturing/securecontent/"
#define NS_RELS       "http://schemas.openxmlformats.org/package/2006/relationships"
#define NS_TYPES      "http://schemas.openxmlformats.org/package/2006/content-types"
#define REL_3DMODEL   "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
#define REL_PRINTTICKET "http://schemas.microsoft.com/3dmanufacturing/2013/01/printticket"
#define REL_TEXTURE   "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dtexture"
#define REL_THUMBNAIL \
  "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
#define MODEL_PART    "3D/3dmodel.model"

void
osp_3mf_object_init (Osp3mfObject *object,
                     const char   *name,
                     OspMesh      *mesh,
                     guint32       rgba,
                     const float  *transform)
{
  g_return_if_fail (object != NULL);

  memset (object, 0, sizeof *object);
  object->name = g_strdup (name != NULL ? name : "");
  object->mesh = mesh != NULL ? osp_mesh_ref (mesh) : NULL;
  object->rgba = rgba;
  object->has_color = TRUE;
  if (transform != NULL)
    memcpy (object->transform, transform, sizeof object->transform);
  else
    for (guint i = 0; i < 4; i++)
      object->transform[i * 5] = 1.0f;
}

void
osp_3mf_object_clear (Osp3mfObject *object)
{
  if (object == NULL)
    return;
  g_clear_pointer (&object->name, g_free);
  g_clear_pointer (&object->mesh, osp_mesh_unref);
}

static void
object_free (gpointer data)
{
  osp_3mf_object_clear (data);
  g_free (data);
}

/* ======================================================================================= */
/* Writing                                                                                  */
/* ======================================================================================= */

static const double pow10_table[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

static char *
write_uint (char    *p,
            guint64  v)
{
  char tmp[24];
  int n = 0;

  do
    {
      tmp[n++] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v != 0);
  while (n > 0)
    *p++ = tmp[--n];
  return p;
}

/* Writes a finite float with 9 significant digits (always enough to read back the same
 * float), trailing zeros dropped, in plain notation for the usual range: much faster than
 * printf and independent of the locale. */
static char *
write_float (char  *p,
             float  f)
{
  double v = f;
  int e10 = 0;
  int decimals;
  guint64 scaled, int_part, frac;

  if (v == 0.0)
    {
      *p++ = '0';
      return p;
    }
  if (v < 0)
    {
      *p++ = '-';
      v = -v;
    }
  if (v < 1e-3 || v >= 1e7)
    {
      g_ascii_formatd (p, 32, "%.9g", v);
      return p + strlen (p);
    }
  if (v >= 1.0)
    while (e10 < 7 && v >= pow10_table[e10 + 1])
      e10++;
  else
    {
      static const double neg_pow10[] = { 1e0, 1e-1, 1e-2, 1e-3 };

      e10 = -1;
      while (e10 > -3 && v < neg_pow10[-e10])
        e10--;
    }
  decimals = 8 - e10;
  scaled = (guint64) llround (v * pow10_table[decimals]);
  int_part = scaled / (guint64) pow10_table[decimals];
  frac = scaled % (guint64) pow10_table[decimals];
  p = write_uint (p, int_part);
  if (frac != 0)
    {
      char digits[16];

      for (int i = decimals - 1; i >= 0; i--)
        {
          digits[i] = (char) ('0' + frac % 10);
          frac /= 10;
        }
      while (decimals > 0 && digits[decimals - 1] == '0')
        decimals--;
      *p++ = '.';
      memcpy (p, digits, decimals);
      p += decimals;
    }
  return p;
}

/* -- A pipe from the XML producer thread to libzip, which pulls the entry's bytes -------- */

#define PIPE_CHUNK_SIZE (1u << 20)
#define PIPE_N_CHUNKS   4

typedef struct
{
  gsize  len;
  guint8 data[PIPE_CHUNK_SIZE];
} PipeChunk;

typedef struct
{
  GAsyncQueue *full;
  GAsyncQueue *empty;
  PipeChunk   *chunks;
  PipeChunk    eof;          /* its address marks the end of the stream */
  /* producer side */
  PipeChunk   *writing;
  gint         abort;        /* set by the consumer: the producer stops */
  /* consumer side */
  PipeChunk   *reading;
  gsize        read_pos;
  gboolean     finished;
  zip_error_t  zerror;
  /* the job */
  const Osp3mfObject     *objects;
  char                  **names;   /* the objects' names, fit for XML */
  OspMesh               **meshes;  /* transformed */
  guint                   n_objects;
  guint64                 total_triangles;
  const OspProgressRange *progress;
  GCancellable           *cancellable;
  const char             *display_name;
  char                  **metadata; /* name, value, …, fit for XML; may be NULL */
  GError                 *error;   /* the producer's */
} Pipe;

static int
pipe_write_cb (void       *context,
               const char *buffer,
               int         len)
{
  Pipe *pipe = context;
  int done = 0;

  while (done < len)
    {
      gsize n;

      if (g_atomic_int_get (&pipe->abort))
        return -1;
      if (pipe->writing == NULL)
        {
          pipe->writing = g_async_queue_pop (pipe->empty);
          pipe->writing->len = 0;
        }
      n = MIN ((gsize) (len - done), PIPE_CHUNK_SIZE - pipe->writing->len);
      memcpy (pipe->writing->data + pipe->writing->len, buffer + done, n);
      pipe->writing->len += n;
      done += (int) n;
      if (pipe->writing->len == PIPE_CHUNK_SIZE)
        {
          g_async_queue_push (pipe->full, pipe->writing);
          pipe->writing = NULL;
        }
    }
  return len;
}

static int
pipe_close_cb (void *context)
{
  return 0;
}

static gboolean
check_writer (int       rc,
              Pipe     *pipe)
{
  if (rc >= 0)
    return TRUE;
  if (pipe->error == NULL && !g_atomic_int_get (&pipe->abort))
    g_set_error (&pipe->error, OSP_ERROR, OSP_ERROR_FAILED,
                 _("%s: could not write the 3MF model"), pipe->display_name);
  return FALSE;
}

#define WRITER_OK(expr) G_STMT_START { if (!check_writer ((expr), pipe)) return FALSE; } G_STMT_END

static gboolean
is_identity (const float *m)
{
  for (guint i = 0; i < 16; i++)
    if (m[i] != ((i % 5) == 0 ? 1.0f : 0.0f))
      return FALSE;
  return TRUE;
}

/* A placement a build item can carry: finite, affine, not mirroring (mirrors are applied to
 * the vertices instead, flipping the winding, so every consumer sees outward normals). */
static gboolean
item_transform_ok (const float *m)
{
  double det;

  for (guint i = 0; i < 16; i++)
    if (!isfinite (m[i]))
      return FALSE;
  if (m[3] != 0 || m[7] != 0 || m[11] != 0 || m[15] != 1)
    return FALSE;
  det = (double) m[0] * ((double) m[5] * m[10] - (double) m[9] * m[6]) -
        (double) m[4] * ((double) m[1] * m[10] - (double) m[9] * m[2]) +
        (double) m[8] * ((double) m[1] * m[6] - (double) m[5] * m[2]);
  return det > 1e-12;
}

/* The mesh of one object, as raw XML written in batches. */
static gboolean
write_mesh_xml (Pipe             *pipe,
                xmlTextWriterPtr  writer,
                const OspMesh    *mesh,
                guint64          *triangles_done)
{
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  guint32 nv = osp_mesh_get_n_vertices (mesh), nt = osp_mesh_get_n_triangles (mesh);
  const gsize batch_size = 64 * 1024;
  g_autofree char *batch = g_malloc (batch_size + 512);
  char *p = batch;

  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "mesh"));
  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "vertices"));
  /* Close the start tag before raw output. */
  WRITER_OK (xmlTextWriterWriteString (writer, BAD_CAST ""));
  for (guint32 v = 0; v < nv; v++)
    {
      memcpy (p, "<vertex x=\"", 11);
      p = write_float (p + 11, pos[3 * (gsize) v]);
      memcpy (p, "\" y=\"", 5);
      p = write_float (p + 5, pos[3 * (gsize) v + 1]);
      memcpy (p, "\" z=\"", 5);
      p = write_float (p + 5, pos[3 * (gsize) v + 2]);
      memcpy (p, "\"/>", 3);
      p += 3;
      if ((gsize) (p - batch) >= batch_size)
        {
          WRITER_OK (xmlTextWriterWriteRawLen (writer, BAD_CAST batch, (int) (p - batch)));
          p = batch;
          if (g_cancellable_set_error_if_cancelled (pipe->cancellable, &pipe->error))
            return FALSE;
        }
    }
  WRITER_OK (xmlTextWriterWriteRawLen (writer, BAD_CAST batch, (int) (p - batch)));
  p = batch;
  WRITER_OK (xmlTextWriterEndElement (writer));
  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "triangles"));
  WRITER_OK (xmlTextWriterWriteString (writer, BAD_CAST ""));
  for (guint32 t = 0; t < nt; t++)
    {
      const guint32 *c = idx + 3 * (gsize) t;

      /* The specification forbids a triangle that repeats a vertex; it has no area. */
      if (c[0] == c[1] || c[1] == c[2] || c[0] == c[2])
        continue;
      memcpy (p, "<triangle v1=\"", 14);
      p = write_uint (p + 14, c[0]);
      memcpy (p, "\" v2=\"", 6);
      p = write_uint (p + 6, c[1]);
      memcpy (p, "\" v3=\"", 6);
      p = write_uint (p + 6, c[2]);
      memcpy (p, "\"/>", 3);
      p += 3;
      if ((gsize) (p - batch) >= batch_size)
        {
          WRITER_OK (xmlTextWriterWriteRawLen (writer, BAD_CAST batch, (int) (p - batch)));
          p = batch;
          if (g_cancellable_set_error_if_cancelled (pipe->cancellable, &pipe->error))
            return FALSE;
          osp_progress_report (pipe->progress, (double) (*triangles_done + t) /
                               (double) MAX (pipe->total_triangles, 1));
        }
    }
  WRITER_OK (xmlTextWriterWriteRawLen (writer, BAD_CAST batch, (int) (p - batch)));
  *triangles_done += nt;
  WRITER_OK (xmlTextWriterEndElement (writer));
  WRITER_OK (xmlTextWriterEndElement (writer));
  return TRUE;
}

static gboolean
write_model_xml (Pipe             *pipe,
                 xmlTextWriterPtr  writer)
{
  guint64 triangles_done = 0;

  WRITER_OK (xmlTextWriterStartDocument (writer, "1.0", "UTF-8", NULL));
  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "model"));
  WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "unit", BAD_CAST "millimeter"));
  WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "xml:lang", BAD_CAST "en-US"));
  WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "xmlns", BAD_CAST NS_CORE));
  if (pipe->metadata != NULL)
    for (guint i = 0; pipe->metadata[i] != NULL && pipe->metadata[i + 1] != NULL; i += 2)
      if (g_str_has_prefix (pipe->metadata[i], "osteoplan:"))
        {
          WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "xmlns:osteoplan",
                                                  BAD_CAST OSP_3MF_NAMESPACE));
          break;
        }
  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "metadata"));
  WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "name", BAD_CAST "Application"));
  WRITER_OK (xmlTextWriterWriteString (writer, BAD_CAST "Osteoplan " PACKAGE_VERSION));
  WRITER_OK (xmlTextWriterEndElement (writer));
  if (pipe->metadata != NULL)
    for (guint i = 0; pipe->metadata[i] != NULL && pipe->metadata[i + 1] != NULL; i += 2)
      {
        WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "metadata"));
        WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "name",
                                                BAD_CAST pipe->metadata[i]));
        WRITER_OK (xmlTextWriterWriteString (writer, BAD_CAST pipe->metadata[i + 1]));
        WRITER_OK (xmlTextWriterEndElement (writer));
      }
  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "resources"));

  /* One base material per object carries its colour. */
  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "basematerials"));
  WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "id", BAD_CAST "1"));
  for (guint i = 0; i < pipe->n_objects; i++)
    {
      const Osp3mfObject *o = &pipe->objects[i];
      char color[16];

      g_snprintf (color, sizeof color, "#%08X", o->rgba);
      WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "base"));
      WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "name",
                                              BAD_CAST (pipe->names[i][0] != '\0'
                                                        ? pipe->names[i] : "Material")));
      WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "displaycolor", BAD_CAST color));
      WRITER_OK (xmlTextWriterEndElement (writer));
    }
  WRITER_OK (xmlTextWriterEndElement (writer));

  for (guint i = 0; i < pipe->n_objects; i++)
    {
      WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "object"));
      WRITER_OK (xmlTextWriterWriteFormatAttribute (writer, BAD_CAST "id", "%u", i + 2));
      WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "type", BAD_CAST "model"));
      if (pipe->names[i][0] != '\0')
        WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "name",
                                                BAD_CAST pipe->names[i]));
      WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "pid", BAD_CAST "1"));
      WRITER_OK (xmlTextWriterWriteFormatAttribute (writer, BAD_CAST "pindex", "%u", i));
      if (!write_mesh_xml (pipe, writer, pipe->meshes[i], &triangles_done))
        return FALSE;
      WRITER_OK (xmlTextWriterEndElement (writer));
    }
  WRITER_OK (xmlTextWriterEndElement (writer));

  WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "build"));
  for (guint i = 0; i < pipe->n_objects; i++)
    {
      const float *m = pipe->objects[i].transform;

      WRITER_OK (xmlTextWriterStartElement (writer, BAD_CAST "item"));
      WRITER_OK (xmlTextWriterWriteFormatAttribute (writer, BAD_CAST "objectid", "%u", i + 2));
      if (!is_identity (m) && item_transform_ok (m))
        {
          char text[12 * 32], *p = text;

          /* 3MF's row-vector 3 × 4 matrix is the top three rows of each cglm column. */
          for (int c = 0; c < 4; c++)
            for (int r = 0; r < 3; r++)
              {
                if (p != text)
                  *p++ = ' ';
                p = write_float (p, m[4 * c + r]);
              }
          *p = '\0';
          WRITER_OK (xmlTextWriterWriteAttribute (writer, BAD_CAST "transform", BAD_CAST text));
        }
      WRITER_OK (xmlTextWriterEndElement (writer));
    }
  WRITER_OK (xmlTextWriterEndElement (writer));
  WRITER_OK (xmlTextWriterEndElement (writer));
  WRITER_OK (xmlTextWriterEndDocument (writer));
  WRITER_OK (xmlTextWriterFlush (writer));
  return TRUE;
}

static gpointer
producer_thread (gpointer data)
{
  Pipe *pipe = data;
  xmlOutputBufferPtr out = xmlOutputBufferCreateIO (pipe_write_cb, pipe_close_cb, pipe, NULL);
  xmlTextWriterPtr writer = out != NULL ? xmlNewTextWriter (out) : NULL;

  if (writer == NULL)
    g_set_error (&pipe->error, OSP_ERROR, OSP_ERROR_FAILED,
                 _("%s: could not start the 3MF writer"), pipe->display_name);
  else
    write_model_xml (pipe, writer);
  if (writer != NULL)
    xmlFreeTextWriter (writer); /* also closes `out` */
  else if (out != NULL)
    xmlOutputBufferClose (out);

  if (pipe->writing != NULL && pipe->writing->len > 0)
    g_async_queue_push (pipe->full, pipe->writing);
  else if (pipe->writing != NULL)
    g_async_queue_push (pipe->empty, pipe->writing);
  pipe->writing = NULL;
  g_async_queue_push (pipe->full, &pipe->eof);
  return NULL;
}

static zip_int64_t
pipe_source_cb (void             *userdata,
                void             *data,
                zip_uint64_t      len,
                zip_source_cmd_t  cmd)
{
  Pipe *pipe = userdata;

  switch (cmd)
    {
    case ZIP_SOURCE_OPEN:
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
      return 0;

    case ZIP_SOURCE_READ:
      {
        zip_uint64_t done = 0;

        while (done < len && !pipe->finished)
          {
            gsize n;

            if (pipe->reading == NULL)
              {
                pipe->reading = g_async_queue_pop (pipe->full);
                pipe->read_pos = 0;
                if (pipe->reading == &pipe->eof)
                  {
                    pipe->reading = NULL;
                    pipe->finished = TRUE;
                    break;
                  }
              }
            n = MIN (len - done, pipe->reading->len - pipe->read_pos);
            memcpy ((guint8 *) data + done, pipe->reading->data + pipe->read_pos, n);
            done += n;
            pipe->read_pos += n;
            if (pipe->read_pos == pipe->reading->len)
              {
                g_async_queue_push (pipe->empty, pipe->reading);
                pipe->reading = NULL;
              }
          }
        /* The producer failed: make libzip fail too rather than store a broken model. */
        if (pipe->finished && pipe->error != NULL)
          {
            zip_error_set (&pipe->zerror, ZIP_ER_READ, 0);
            return -1;
          }
        return (zip_int64_t) done;
      }

    case ZIP_SOURCE_STAT:
      {
        zip_stat_t *st = data;

        if (len < sizeof *st)
          return -1;
        zip_stat_init (st);
        st->mtime = time (NULL);
        st->valid |= ZIP_STAT_MTIME;
        return sizeof *st;
      }

    case ZIP_SOURCE_ERROR:
      return zip_error_to_data (&pipe->zerror, data, len);

    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap (ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
                                             ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                             ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);

    default:
      zip_error_set (&pipe->zerror, ZIP_ER_OPNOTSUPP, 0);
      return -1;
    }
}

static const char content_types_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<Types xmlns=\"" NS_TYPES "\">"
  "<Default Extension=\"rels\" "
  "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
  "<Default Extension=\"model\" "
  "ContentType=\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/>"
  "</Types>\n";

static const char rels_xml[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<Relationships xmlns=\"" NS_RELS "\">"
  "<Relationship Target=\"/" MODEL_PART "\" Id=\"rel0\" Type=\"" REL_3DMODEL "\"/>"
  "</Relationships>\n";

static gboolean
zip_fail (GError     **error,
          const char  *display_name,
          zip_error_t *zerror)
{
  g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: could not write the 3MF package: %s"),
               display_name, zip_error_strerror (zerror));
  return FALSE;
}

static gboolean
add_static_entry (zip_t       *za,
                  const char  *name,
                  const char  *text,
                  const char  *display_name,
                  GError     **error)
{
  zip_source_t *src = zip_source_buffer (za, text, strlen (text), 0);

  if (src == NULL)
    return zip_fail (error, display_name, zip_get_error (za));
  if (zip_file_add (za, name, src, ZIP_FL_ENC_UTF_8) < 0)
    {
      zip_source_free (src);
      return zip_fail (error, display_name, zip_get_error (za));
    }
  return TRUE;
}

/* Text as XML 1.0 can carry it in an attribute: valid UTF-8 (a stray byte becomes U+FFFD),
 * without the control characters XML forbids even as references.  Names come from anywhere
 * (an STL header, a file name), and one such character would make the whole model
 * unreadable.  Tabs and line breaks become spaces, as an XML parser normalises them in
 * attributes anyway (written as references instead, lib3mf 1.8 refuses them). */
static char *
xml_safe_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (out, ' ');
      else if (c >= 0x20 && c != 0xFFFE && c != 0xFFFF)
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* Triangles the writer keeps: those with three distinct vertices. */
static guint32
count_proper_triangles (const OspMesh *mesh)
{
  const guint32 *idx = osp_mesh_get_indices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh), n = 0;

  for (guint32 t = 0; t < nt; t++)
    {
      const guint32 *c = idx + 3 * (gsize) t;

      n += c[0] != c[1] && c[1] != c[2] && c[0] != c[2];
    }
  return n;
}

static gboolean
mesh_is_finite (const OspMesh *mesh)
{
  const float *p = osp_mesh_get_positions (mesh);
  gsize n = 3 * (gsize) osp_mesh_get_n_vertices (mesh);

  for (gsize i = 0; i < n; i++)
    if (!isfinite (p[i]))
      return FALSE;
  return TRUE;
}

static guint16
get_le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static void
put_le16 (guint8  *p,
          guint16  v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

/* libzip does not know the model's size before it is streamed, so it reserves a Zip64 field
 * in the entry's local header and marks the entry as needing Zip64 (version 4.5), even when
 * the sizes fit in 32 bits and the central directory has no Zip64 field.  The specification
 * asks for plain zip whenever the data fits, and describes this very reservation as a block
 * of id 0x9999: when the entry turned out small, the block is renamed so and the entry marked
 * as plain deflate (2.0).  Anything unexpected is left as it is. */
static void
zip_drop_unneeded_zip64 (guint8 *buf,
                         gsize   len)
{
  gsize eocd, lowest, cd, cd_end, pos;
  guint n_entries;

  if (len < 22)
    return;
  /* The end of central directory record: 22 bytes and a comment of at most 65535. */
  lowest = len > 22 + 65535 ? len - 22 - 65535 : 0;
  for (eocd = len - 22; memcmp (buf + eocd, "PK\005\006", 4) != 0; eocd--)
    if (eocd == lowest)
      return;
  /* A real Zip64 archive (a Zip64 end of central directory locator) stays so. */
  if (eocd >= 20 && memcmp (buf + eocd - 20, "PK\006\007", 4) == 0)
    return;
  n_entries = get_le16 (buf + eocd + 10);
  cd = get_le32 (buf + eocd + 16);
  cd_end = cd + (gsize) get_le32 (buf + eocd + 12);
  if (cd_end > eocd || cd > cd_end)
    return;
  pos = cd;
  for (guint e = 0; e < n_entries; e++)
    {
      guint8 *central = buf + pos, *local;
      guint32 comp, size, offset;
      guint16 name_len, extra_len, comment_len, local_name_len, local_extra_len;
      gboolean central_zip64 = FALSE;
      guint8 *zip64_field = NULL;

      if (pos + 46 > cd_end || memcmp (central, "PK\001\002", 4) != 0)
        return;
      comp = get_le32 (central + 20);
      size = get_le32 (central + 24);
      name_len = get_le16 (central + 28);
      extra_len = get_le16 (central + 30);
      comment_len = get_le16 (central + 32);
      offset = get_le32 (central + 42);
      if (pos + 46 + name_len + extra_len + comment_len > cd_end)
        return;
      for (gsize x = 0; x + 4 <= extra_len; x += 4 + get_le16 (central + 46 + name_len + x + 2))
        central_zip64 |= get_le16 (central + 46 + name_len + x) == 0x0001;
      pos += 46 + (gsize) name_len + extra_len + comment_len;
      if (get_le16 (central + 6) != 45 || central_zip64 || comp == G_MAXUINT32 ||
          size == G_MAXUINT32 || offset == G_MAXUINT32 || (gsize) offset + 30 > cd)
        continue;
      local = buf + offset;
      if (memcmp (local, "PK\003\004", 4) != 0 || (get_le16 (local + 6) & 0x0008) != 0 ||
          get_le32 (local + 18) != comp || get_le32 (local + 22) != size)
        continue;
      local_name_len = get_le16 (local + 26);
      local_extra_len = get_le16 (local + 28);
      if ((gsize) offset + 30 + local_name_len + local_extra_len > cd)
        continue;
      for (gsize x = 0; x + 4 <= local_extra_len;
           x += 4 + get_le16 (local + 30 + local_name_len + x + 2))
        if (get_le16 (local + 30 + local_name_len + x) == 0x0001)
          zip64_field = local + 30 + local_name_len + x;
      if (zip64_field != NULL)
        put_le16 (zip64_field, 0x9999);
      put_le16 (local + 4, 20);
      put_le16 (central + 6, 20);
    }
}

/* Builds the package in memory (compressed, so far smaller than the meshes), then writes it
 * atomically. */
gboolean
osp_3mf_save (const Osp3mfObject     *objects,
              guint                   n_objects,
              const char             *path,
              const OspProgressRange *progress,
              GCancellable           *cancellable,
              GError                **error)
{
  return osp_3mf_save_full (objects, n_objects, NULL, path, progress, cancellable, error);
}

gboolean
osp_3mf_save_full (const Osp3mfObject     *objects,
                   guint                   n_objects,
                   const char *const      *metadata,
                   const char             *path,
                   const OspProgressRange *progress,
                   GCancellable           *cancellable,
                   GError                **error)
{
  g_auto(GStrv) safe_metadata = NULL;
  g_autofree char *display_name = NULL;
  g_autofree OspMesh **meshes = NULL;
  g_auto(GStrv) names = NULL;
  zip_error_t zerror;
  zip_source_t *archive_src = NULL;
  zip_t *za = NULL;
  zip_source_t *model_src;
  zip_int64_t model_index;
  GThread *thread = NULL;
  Pipe *pipe = NULL;
  gboolean ok = FALSE;
  guint64 total = 0;

  g_return_val_if_fail (objects != NULL && n_objects >= 1, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  for (guint i = 0; i < n_objects; i++)
    g_return_val_if_fail (objects[i].mesh != NULL && objects[i].name != NULL, FALSE);

  /* libxml2 must be initialised before it is used from another thread. */
  xmlInitParser ();
  display_name = osp_error_display_name (path);
  meshes = g_new0 (OspMesh *, n_objects);
  names = g_new0 (char *, n_objects + 1);
  for (guint i = 0; i < n_objects; i++)
    {
      const Osp3mfObject *o = &objects[i];

      names[i] = xml_safe_text (o->name);
      /* Triangles that repeat a vertex are left out (3MF forbids them). */
      if (count_proper_triangles (o->mesh) == 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                       _("%s: model “%s” has no triangles"), display_name, o->name);
          goto out;
        }
      if (!mesh_is_finite (o->mesh))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: model “%s” has a vertex that is not a finite number"),
                       display_name, o->name);
          goto out;
        }
      if (is_identity (o->transform) || item_transform_ok (o->transform))
        meshes[i] = osp_mesh_ref (o->mesh);
      else
        {
          mat4 m;

          memcpy (m, o->transform, sizeof m);
          meshes[i] = osp_mesh_transform (o->mesh, m);
        }
      total += osp_mesh_get_n_triangles (meshes[i]);
    }

  zip_error_init (&zerror);
  archive_src = zip_source_buffer_create (NULL, 0, 0, &zerror);
  if (archive_src == NULL)
    {
      zip_fail (error, display_name, &zerror);
      goto out;
    }
  za = zip_open_from_source (archive_src, ZIP_TRUNCATE, &zerror);
  if (za == NULL)
    {
      zip_fail (error, display_name, &zerror);
      zip_source_free (archive_src);
      archive_src = NULL;
      goto out;
    }
  /* Keep the buffer alive after zip_close() to read the package back. */
  zip_source_keep (archive_src);

  if (!add_static_entry (za, "[Content_Types].xml", content_types_xml, display_name, error) ||
      !add_static_entry (za, "_rels/.rels", rels_xml, display_name, error))
    goto out;

  pipe = g_new0 (Pipe, 1);
  pipe->full = g_async_queue_new ();
  pipe->empty = g_async_queue_new ();
  pipe->chunks = g_new (PipeChunk, PIPE_N_CHUNKS);
  for (guint i = 0; i < PIPE_N_CHUNKS; i++)
    g_async_queue_push (pipe->empty, &pipe->chunks[i]);
  zip_error_init (&pipe->zerror);
  pipe->objects = objects;
  pipe->names = names;
  pipe->meshes = meshes;
  pipe->n_objects = n_objects;
  pipe->total_triangles = total;
  pipe->progress = progress;
  pipe->cancellable = cancellable;
  pipe->display_name = display_name;
  if (metadata != NULL)
    {
      guint n = g_strv_length ((char **) metadata);

      safe_metadata = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        safe_metadata[i] = xml_safe_text (metadata[i]);
      pipe->metadata = safe_metadata;
    }

  model_src = zip_source_function (za, pipe_source_cb, pipe);
  if (model_src == NULL)
    {
      zip_fail (error, display_name, zip_get_error (za));
      goto out;
    }
  model_index = zip_file_add (za, MODEL_PART, model_src, ZIP_FL_ENC_UTF_8);
  if (model_index < 0)
    {
      zip_source_free (model_src);
      zip_fail (error, display_name, zip_get_error (za));
      goto out;
    }
  /* Fast deflate: the XML is very regular, level 1 already shrinks it several times. */
  zip_set_file_compression (za, (zip_uint64_t) model_index, ZIP_CM_DEFLATE, 1);

  thread = g_thread_new ("osp-3mf-writer", producer_thread, pipe);
  if (zip_close (za) < 0)
    {
      if (pipe->error != NULL)
        g_propagate_error (error, g_steal_pointer (&pipe->error));
      else
        zip_fail (error, display_name, zip_get_error (za));
      zip_discard (za);
      za = NULL;
      goto out;
    }
  za = NULL;
  if (pipe->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&pipe->error));
      goto out;
    }

  /* The package is in archive_src now. */
  {
    zip_stat_t st;
    g_autoptr(OspAtomicFile) file = NULL;
    g_autofree guint8 *buf = NULL;
    zip_int64_t n;

    if (zip_source_stat (archive_src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
        zip_source_open (archive_src) < 0)
      {
        zip_fail (error, display_name, zip_source_error (archive_src));
        goto out;
      }
    buf = g_malloc (MAX (st.size, 1));
    n = zip_source_read (archive_src, buf, st.size);
    zip_source_close (archive_src);
    if (n < 0 || (zip_uint64_t) n != st.size)
      {
        zip_fail (error, display_name, zip_source_error (archive_src));
        goto out;
      }
    zip_drop_unneeded_zip64 (buf, st.size);
    file = osp_atomic_file_new (path, error);
    if (file == NULL || !osp_atomic_file_write (file, buf, st.size, error) ||
        !osp_atomic_file_commit (file, error))
      goto out;
  }
  osp_progress_report (progress, 1.0);
  ok = TRUE;

out:
  if (za != NULL)
    zip_discard (za);
  if (thread != NULL)
    {
      /* Let the producer finish: drain what it still writes. */
      g_atomic_int_set (&pipe->abort, 1);
      while (!pipe->finished)
        {
          PipeChunk *c = g_async_queue_pop (pipe->full);

          if (c == &pipe->eof)
            pipe->finished = TRUE;
          else
            g_async_queue_push (pipe->empty, c);
        }
      g_thread_join (thread);
    }
  if (pipe != NULL)
    {
      g_async_queue_unref (pipe->full);
      g_async_queue_unref (pipe->empty);
      g_free (pipe->chunks);
      g_clear_error (&pipe->error);
      g_free (pipe);
    }
  if (archive_src != NULL)
    zip_source_free (archive_src);
  for (guint i = 0; meshes != NULL && i < n_objects; i++)
    g_clear_pointer (&meshes[i], osp_mesh_unref);
  return ok;
}

gboolean
osp_3mf_save_mesh (const OspMesh  *mesh,
                   const char     *path,
                   GError        **error)
{
  g_autofree char *base = NULL;
  char *dot;
  Osp3mfObject object;
  gboolean ok;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  base = osp_error_display_name (path);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  osp_3mf_object_init (&object, base, (OspMesh *) mesh, 0xE3DAC9FFu, NULL);
  ok = osp_3mf_save (&object, 1, path, NULL, NULL, error);
  osp_3mf_object_clear (&object);
  return ok;
}

/* ======================================================================================= */
/* Reading                                                                                  */
/* ======================================================================================= */

/* A 3 × 4 affine map, column vectors: x' = A x + t, stored row by row with t last. */
typedef struct
{
  double m[3][4];
} Affine;

static const Affine affine_identity = { { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 } } };

/* parent ∘ child */
static void
affine_compose (const Affine *parent,
                const Affine *child,
                Affine       *out)
{
  Affine r;

  for (int i = 0; i < 3; i++)
    {
      for (int j = 0; j < 4; j++)
        {
          double s = j == 3 ? parent->m[i][3] : 0.0;

          for (int k = 0; k < 3; k++)
            s += parent->m[i][k] * child->m[k][j];
          r.m[i][j] = s;
        }
    }
  *out = r;
}

static double
affine_det (const Affine *a)
{
  const double (*m)[4] = a->m;

  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

typedef enum
{
  OBJECT_MODEL,
  OBJECT_SOLIDSUPPORT,
  OBJECT_SUPPORT,
  OBJECT_SURFACE,
  OBJECT_OTHER,
} ObjectType;

typedef struct
{
  guint32  objectid;
  char    *path;       /* production extension: the part holding the object, or NULL */
  Affine   transform;
} Component;

typedef struct
{
  guint32     id;
  ObjectType  type;
  char       *name;
  gboolean    has_pid;
  guint32     pid;
  gboolean    has_pindex;
  guint32     pindex;
  GArray     *positions;   /* float, model units */
  GArray     *indices;     /* guint32 */
  GArray     *components;  /* Component */
  gboolean    checked;     /* manifold check done */
  int         visit;       /* 0 new, 1 on the current path, 2 counted */
  guint64     n_triangles; /* with components, once counted */
  guint64     n_vertices;  /* likewise */
} Object;

typedef struct
{
  char       *path;
  double      unit;         /* mm per model unit */
  GHashTable *objects;      /* id → Object* */
  GHashTable *resource_ids; /* every resource id → itself */
  GHashTable *materials;    /* basematerials id → GArray of guint32 rgba */
  GArray     *items;        /* Component, the build */
  gboolean    has_build;
} ModelPart;

typedef struct
{
  const char      *name;
  zip_t           *za;
  OspMeshLoadInfo *info;
  GCancellable    *cancellable;
  GHashTable      *parts;    /* path → ModelPart* */
  GArray          *model_rels; /* Relationship: those of the root model part */
  guint64          inflated; /* bytes inflated so far */
  GHashTable      *ct_defaults;  /* [Content_Types].xml: lower-case extension → type */
  GHashTable      *ct_overrides; /* casefolded part name (no leading '/') → type */
} Package;

static void
component_clear (gpointer data)
{
  Component *c = data;

  g_free (c->path);
}

static void
object_data_free (gpointer data)
{
  Object *o = data;

  g_free (o->name);
  if (o->positions != NULL)
    g_array_unref (o->positions);
  if (o->indices != NULL)
    g_array_unref (o->indices);
  if (o->components != NULL)
    g_array_unref (o->components);
  g_free (o);
}

static void
model_part_free (gpointer data)
{
  ModelPart *part = data;

  g_free (part->path);
  g_hash_table_unref (part->objects);
  g_hash_table_unref (part->resource_ids);
  g_hash_table_unref (part->materials);
  g_array_unref (part->items);
  g_free (part);
}

static void G_GNUC_PRINTF (2, 3)
package_warn (Package    *pkg,
              const char *format,
              ...)
{
  va_list args;
  char *message;

  if (pkg->info == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (pkg->info->warnings == NULL)
    pkg->info->warnings = g_ptr_array_new_with_free_func (g_free);
  /* Many objects can repeat a warning: keep each message once, and at most a hundred. */
  for (guint i = 0; i < pkg->info->warnings->len; i++)
    if (strcmp (g_ptr_array_index (pkg->info->warnings, i), message) == 0)
      {
        g_free (message);
        return;
      }
  if (pkg->info->warnings->len < 100)
    g_ptr_array_add (pkg->info->warnings, message);
  else
    g_free (message);
}

static gboolean G_GNUC_PRINTF (3, 4)
corrupt (GError    **error,
         Package    *pkg,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, "%s: %s", pkg->name, message);
  return FALSE;
}

/* -- Zip entries ------------------------------------------------------------------------- */

/* Decompressed XML is rarely more than 20 times smaller; a large entry claiming far more is
 * a zip bomb. */
#define MAX_RATIO          200
#define RATIO_CHECK_BYTES  (16u << 20)

static zip_int64_t
locate_name (Package    *pkg,
             const char *name)
{
  zip_int64_t index = zip_name_locate (pkg->za, name, ZIP_FL_NOCASE | ZIP_FL_ENC_GUESS);

  if (index < 0)
    {
      /* A few producers store part names with the leading '/'. */
      g_autofree char *slashed = g_strconcat ("/", name, NULL);

      index = zip_name_locate (pkg->za, slashed, ZIP_FL_NOCASE | ZIP_FL_ENC_GUESS);
    }
  return index;
}

/* `entry` is a part name without its leading '/', percent-decoded.  Part names are
 * case-insensitive (OPC), and the zip item of a part is its name as a URI: packagers such as
 * System.IO.Packaging store "3D/My%20Part.model" where others store "3D/My Part.model", so
 * both spellings are looked up. */
static zip_int64_t
locate_entry (Package    *pkg,
              const char *entry)
{
  zip_int64_t index = locate_name (pkg, entry);

  if (index < 0)
    {
      g_autofree char *escaped = g_uri_escape_string (entry, "/!$&'()*+,;=:@", FALSE);

      if (strcmp (escaped, entry) != 0)
        index = locate_name (pkg, escaped);
    }
  return index;
}

/* OPC forbids two parts whose names differ only in case (or in escaping): which one a reader
 * picks would be arbitrary. */
static gboolean
check_part_names (Package  *pkg,
                  GError  **error)
{
  zip_int64_t n = zip_get_num_entries (pkg->za, 0);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (zip_int64_t i = 0; i < n; i++)
    {
      const char *name = zip_get_name (pkg->za, (zip_uint64_t) i, ZIP_FL_ENC_GUESS);
      g_autofree char *decoded = NULL;
      char *key;

      if (name == NULL || name[0] == '\0' || g_str_has_suffix (name, "/"))
        continue;
      if (name[0] == '/')
        name++;
      decoded = g_uri_unescape_string (name, NULL);
      if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL))
        {
          g_free (decoded);
          decoded = g_strdup (name);
        }
      key = g_utf8_validate (decoded, -1, NULL) ? g_utf8_casefold (decoded, -1)
                                                 : g_ascii_strdown (decoded, -1);
      if (!g_hash_table_add (seen, key))
        return corrupt (error, pkg, _("the package holds the part “%s” twice (part names "
                                      "ignore case)"), name);
    }
  return TRUE;
}

/* The entry's bytes (NUL-terminated), or NULL: with *out_missing set when there is no such
 * entry (no error set then), or with the error. */
static guint8 *
read_entry (Package     *pkg,
            const char  *entry,
            gsize       *out_len,
            gboolean    *out_missing,
            GError     **error)
{
  zip_int64_t index = locate_entry (pkg, entry);
  zip_stat_t st;
  zip_file_t *zf;
  g_autofree guint8 *buf = NULL;
  guint64 total, got = 0;
  guint8 extra;

  *out_missing = FALSE;
  if (index < 0)
    {
      *out_missing = TRUE;
      return NULL;
    }
  zip_stat_init (&st);
  if (zip_stat_index (pkg->za, (zip_uint64_t) index, 0, &st) < 0 ||
      !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    {
      corrupt (error, pkg, _("cannot read the zip entry “%s”"), entry);
      return NULL;
    }
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("%s: the zip entry “%s” is encrypted"), pkg->name, entry);
      return NULL;
    }
  if (st.size > G_MAXINT32 - 1)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: the zip entry “%s” says it holds %" PRIu64
                     " bytes, more than a 3MF part may"), pkg->name, entry, (guint64) st.size);
      return NULL;
    }
  if (st.size > RATIO_CHECK_BYTES && st.size / MAX (st.comp_size, 1) > MAX_RATIO)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: the zip entry “%s” would inflate %" PRIu64 " bytes to %"
                     PRIu64 " (more than %u times): refused as a zip bomb"),
                   pkg->name, entry, (guint64) st.comp_size, (guint64) st.size, MAX_RATIO);
      return NULL;
    }
  /* The parsed model needs about as much memory again as its XML. */
  if (!osp_size_add (pkg->inflated, st.size, &total) ||
      !osp_memory_check (total * 2, pkg->name, entry, error))
    return NULL;
  pkg->inflated = total;

  buf = g_try_malloc (st.size + 1);
  if (buf == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: out of memory for “%s”"),
                   pkg->name, entry);
      return NULL;
    }
  zf = zip_fopen_index (pkg->za, (zip_uint64_t) index, 0);
  if (zf == NULL)
    {
      corrupt (error, pkg, _("cannot open the zip entry “%s”: %s"), entry,
               zip_error_strerror (zip_get_error (pkg->za)));
      return NULL;
    }
  while (got < st.size)
    {
      zip_int64_t n = zip_fread (zf, buf + got, st.size - got);

      if (n < 0)
        {
          corrupt (error, pkg, _("the zip entry “%s” is damaged: %s"), entry,
                   zip_error_strerror (zip_file_get_error (zf)));
          zip_fclose (zf);
          return NULL;
        }
      if (n == 0)
        break;
      got += (guint64) n;
      if (g_cancellable_set_error_if_cancelled (pkg->cancellable, error))
        {
          zip_fclose (zf);
          return NULL;
        }
    }
  if (got != st.size || zip_fread (zf, &extra, 1) != 0)
    {
      corrupt (error, pkg, _("the zip entry “%s” does not hold the %" PRIu64
                             " bytes its header says"), entry, (guint64) st.size);
      zip_fclose (zf);
      return NULL;
    }
  if (zip_fclose (zf) != 0)
    {
      corrupt (error, pkg, _("the zip entry “%s” is damaged (checksum)"), entry);
      return NULL;
    }
  buf[st.size] = 0;
  *out_len = st.size;
  return g_steal_pointer (&buf);
}

/* -- XML helpers ------------------------------------------------------------------------- */

typedef struct
{
  Package *pkg;
  const char *entry;
  GError **error;   /* the first XML error is stored here */
  gboolean failed;
} XmlErrorSink;

static void
xml_error_cb (void        *user_data,
              xmlErrorPtr  e)
{
  XmlErrorSink *sink = user_data;
  g_autofree char *msg = NULL;

  if (e == NULL || e->level < XML_ERR_ERROR || sink->failed)
    return;
  sink->failed = TRUE;
  msg = g_strchomp (g_strdup (e->message != NULL ? e->message : "?"));
  /* libxml's limits speak of its internals ("internal error: Huge input lookup", "use
   * XML_PARSE_HUGE"): say what they mean for the file. */
  if (e->code == XML_ERR_INTERNAL_ERROR || strstr (msg, "XML_PARSE_HUGE") != NULL ||
      strstr (msg, "Huge input") != NULL || strstr (msg, "huge") != NULL)
    g_set_error (sink->error, OSP_ERROR, OSP_ERROR_CORRUPT,
                 _("%s: %s line %d: the XML is nested too deeply or holds a value too large "
                   "for any 3MF model: the file is damaged or was not made by a 3D printing "
                   "program"), sink->pkg->name, sink->entry, e->line);
  else
    g_set_error (sink->error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: %s line %d: %s"),
                 sink->pkg->name, sink->entry, e->line, msg);
}

static xmlTextReaderPtr
xml_reader_new (const guint8 *data,
                gsize         len,
                const char   *entry,
                XmlErrorSink *sink)
{
  /* No network, no entity substitution, no DTD loading: untrusted input. */
  xmlTextReaderPtr reader = xmlReaderForMemory ((const char *) data, (int) len, entry, NULL,
                                                XML_PARSE_NONET | XML_PARSE_COMPACT);

  if (reader != NULL)
    xmlTextReaderSetStructuredErrorHandler (reader, xml_error_cb, sink);
  return reader;
}

/* Reads the next node; FALSE at the end or on an error (then *error is set). */
static gboolean
xml_next (xmlTextReaderPtr  reader,
          XmlErrorSink     *sink,
          gboolean         *out_end,
          GError          **error)
{
  int rc = xmlTextReaderRead (reader);

  *out_end = FALSE;
  if (sink->failed)
    return FALSE;
  if (rc < 0)
    {
      corrupt (error, sink->pkg, _("“%s” is not well-formed XML"), sink->entry);
      return FALSE;
    }
  if (rc == 0)
    {
      *out_end = TRUE;
      return FALSE;
    }
  if (xmlTextReaderNodeType (reader) == XML_READER_TYPE_DOCUMENT_TYPE)
    {
      corrupt (error, sink->pkg, _("“%s” contains a document type definition, which 3MF "
                                   "forbids"), sink->entry);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_encoding (xmlTextReaderPtr  reader,
                XmlErrorSink     *sink,
                GError          **error)
{
  const char *enc = (const char *) xmlTextReaderConstEncoding (reader);

  if (enc != NULL && g_ascii_strcasecmp (enc, "UTF-8") != 0 &&
      g_ascii_strncasecmp (enc, "UTF-16", 6) != 0)
    return corrupt (error, sink->pkg, _("“%s” is encoded in %s; 3MF requires UTF-8"),
                    sink->entry, enc);
  return TRUE;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ST_Number: [+-]? (digits [. digits] | . digits) ([eE] [+-]? digits)?, blanks around. */
static gboolean
parse_number (const char *s,
              double     *out)
{
  const char *p = s, *start;
  gboolean digits = FALSE;

  if (s == NULL)
    return FALSE;
  while (is_space (*p))
    p++;
  start = p;
  if (*p == '+' || *p == '-')
    p++;
  while (g_ascii_isdigit (*p))
    p++, digits = TRUE;
  if (*p == '.')
    {
      p++;
      while (g_ascii_isdigit (*p))
        p++, digits = TRUE;
    }
  if (!digits)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      gboolean exp_digits = FALSE;

      p++;
      if (*p == '+' || *p == '-')
        p++;
      while (g_ascii_isdigit (*p))
        p++, exp_digits = TRUE;
      if (!exp_digits)
        return FALSE;
    }
  {
    const char *end = p;

    while (is_space (*p))
      p++;
    if (*p != '\0')
      return FALSE;
    /* g_ascii_strtod stops where our grammar did (a leading '+' included). */
    {
      char tmp[64];
      gsize n = (gsize) (end - start);

      if (n < sizeof tmp)
        {
          memcpy (tmp, start, n);
          tmp[n] = '\0';
          *out = g_ascii_strtod (tmp, NULL);
        }
      else
        {
          g_autofree char *copy = g_strndup (start, n);

          *out = g_ascii_strtod (copy, NULL);
        }
    }
  }
  return isfinite (*out);
}

/* A non-negative integer below 2^31, blanks around. */
static gboolean
parse_index (const char *s,
             guint32    *out)
{
  guint64 v = 0;
  gboolean digits = FALSE;

  if (s == NULL)
    return FALSE;
  while (is_space (*s))
    s++;
  if (*s == '+')
    s++;
  while (g_ascii_isdigit (*s))
    {
      v = v * 10 + (guint64) (*s - '0');
      digits = TRUE;
      if (v > G_MAXINT32)
        return FALSE;
      s++;
    }
  while (is_space (*s))
    s++;
  if (!digits || *s != '\0')
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* "m00 m01 m02 m10 m11 m12 m20 m21 m22 m30 m31 m32" (row vectors: x' = x M). */
static gboolean
parse_transform (const char *s,
                 Affine     *out)
{
  g_auto(GStrv) tokens = NULL;
  double v[12];
  guint n = 0;

  if (s == NULL)
    return FALSE;
  tokens = g_strsplit_set (s, " \t\r\n", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      if (tokens[i][0] == '\0')
        continue;
      if (n == 12 || !parse_number (tokens[i], &v[n]))
        return FALSE;
      n++;
    }
  if (n != 12)
    return FALSE;
  /* Row vectors: x' = x·m00 + y·m10 + z·m20 + m30, so 3MF's rows are our columns. */
  for (int r = 0; r < 3; r++)
    {
      for (int c = 0; c < 3; c++)
        out->m[r][c] = v[c * 3 + r];
      out->m[r][3] = v[9 + r];
    }
  /* Singular or nearly so, whatever the scale: compared with the product of the column
   * lengths (Hadamard's bound), which is what an orthogonal matrix reaches. */
  {
    double bound = 1.0;

    for (int c = 0; c < 3; c++)
      bound *= sqrt (out->m[0][c] * out->m[0][c] + out->m[1][c] * out->m[1][c] +
                     out->m[2][c] * out->m[2][c]);
    return isfinite (bound) && bound > 0 && fabs (affine_det (out)) > 1e-9 * bound;
  }
}

/* "#RRGGBB" or "#RRGGBBAA". */
static gboolean
parse_color (const char *s,
             guint32    *out)
{
  gsize n;
  guint32 v = 0;

  if (s == NULL)
    return FALSE;
  while (is_space (*s))
    s++;
  if (*s != '#')
    return FALSE;
  s++;
  for (n = 0; g_ascii_isxdigit (s[n]); n++)
    v = (v << 4) | (guint32) g_ascii_xdigit_value (s[n]);
  if (n == 6)
    v = (v << 8) | 0xFF;
  else if (n != 8)
    return FALSE;
  *out = v;
  return TRUE;
}

/* -- Relationships ----------------------------------------------------------------------- */

typedef struct
{
  char *type;
  char *target;  /* resolved part name, no leading '/' */
} Relationship;

static void
relationship_clear (gpointer data)
{
  Relationship *r = data;

  g_free (r->type);
  g_free (r->target);
}

/* Resolves a relationship target against the folder of its source part; NULL when it
 * points outside the package. */
static char *
resolve_target (const char *base_dir,
                const char *escaped_target)
{
  /* Targets are URIs: "My%20Part.model" names the zip entry "My Part.model". */
  g_autofree char *target = g_uri_unescape_string (escaped_target, NULL);
  g_autofree char *joined = NULL;
  g_auto(GStrv) segs = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  const char *colon, *slash;

  if (target == NULL || target[0] == '\0')
    return NULL;
  colon = strchr (target, ':');
  slash = strchr (target, '/');
  /* A URI scheme ("http:", "C:") means an external target. */
  if (colon != NULL && (slash == NULL || colon < slash))
    return NULL;
  if (target[0] == '/' && target[1] == '/')
    return NULL;
  if (target[0] == '/')
    joined = g_strdup (target + 1);
  else
    joined = g_strconcat (base_dir, base_dir[0] != '\0' ? "/" : "", target, NULL);
  segs = g_strsplit (joined, "/", -1);
  for (guint i = 0; segs[i] != NULL; i++)
    {
      if (segs[i][0] == '\0' || strcmp (segs[i], ".") == 0)
        continue;
      if (strcmp (segs[i], "..") == 0)
        {
          if (out->len == 0)
            return NULL;
          g_ptr_array_remove_index (out, out->len - 1);
          continue;
        }
      g_ptr_array_add (out, segs[i]);
    }
  if (out->len == 0)
    return NULL;
  g_ptr_array_add (out, NULL);
  return g_strjoinv ("/", (char **) out->pdata);
}

static gboolean
entry_exists (Package    *pkg,
              const char *entry)
{
  return locate_entry (pkg, entry) >= 0;
}

/* Reads the relationships of a part (source: "" for the package, else a part name).
 * Returns NULL with the error; an absent .rels file gives an empty array. */
static GArray *
read_relationships (Package     *pkg,
                    const char  *source,
                    GError     **error)
{
  g_autofree char *dir = NULL, *base = NULL, *rels_name = NULL;
  g_autofree guint8 *data = NULL;
  g_autoptr(GArray) rels = g_array_new (FALSE, TRUE, sizeof (Relationship));
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  XmlErrorSink sink = { pkg, NULL, error, FALSE };
  xmlTextReaderPtr reader;
  gboolean missing, end = FALSE;
  gsize len;

  g_array_set_clear_func (rels, relationship_clear);
  if (source[0] == '\0')
    {
      dir = g_strdup ("");
      rels_name = g_strdup ("_rels/.rels");
    }
  else
    {
      dir = g_path_get_dirname (source);
      if (strcmp (dir, ".") == 0)
        {
          g_free (dir);
          dir = g_strdup ("");
        }
      base = g_path_get_basename (source);
      rels_name = g_strconcat (dir, dir[0] != '\0' ? "/" : "", "_rels/", base, ".rels", NULL);
    }
  data = read_entry (pkg, rels_name, &len, &missing, error);
  if (data == NULL)
    return missing ? g_steal_pointer (&rels) : NULL;

  sink.entry = rels_name;
  reader = xml_reader_new (data, len, rels_name, &sink);
  if (reader == NULL)
    {
      corrupt (error, pkg, _("cannot parse “%s”"), rels_name);
      return NULL;
    }
  while (xml_next (reader, &sink, &end, error))
    {
      g_autofree char *id = NULL, *type = NULL, *target = NULL, *mode = NULL;
      Relationship rel;

      if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT ||
          strcmp ((const char *) xmlTextReaderConstLocalName (reader), "Relationship") != 0)
        continue;
      id = (char *) xmlTextReaderGetAttribute (reader, BAD_CAST "Id");
      type = (char *) xmlTextReaderGetAttribute (reader, BAD_CAST "Type");
      target = (char *) xmlTextReaderGetAttribute (reader, BAD_CAST "Target");
      mode = (char *) xmlTextReaderGetAttribute (reader, BAD_CAST "TargetMode");
      if (id == NULL || type == NULL || target == NULL)
        {
          corrupt (error, pkg, _("a relationship in “%s” lacks Id, Type or Target"), rels_name);
          break;
        }
      if (!g_hash_table_add (ids, g_strdup (id)))
        {
          corrupt (error, pkg, _("the relationship Id “%s” appears twice in “%s”"), id,
                   rels_name);
          break;
        }
      rel.target = NULL;
      if (mode == NULL || strcmp (mode, "External") != 0)
        rel.target = resolve_target (dir, target);
      if (rel.target == NULL)
        {
          corrupt (error, pkg, _("“%s” links to “%s” outside the package"), rels_name, target);
          break;
        }
      if (!entry_exists (pkg, rel.target))
        {
          /* The specification makes it an error for the parts a 3MF consumer reads; other
           * links (custom parts) are not ours to judge. */
          if (g_ascii_strcasecmp (type, REL_3DMODEL) == 0 ||
              g_ascii_strcasecmp (type, REL_PRINTTICKET) == 0 ||
              g_ascii_strcasecmp (type, REL_THUMBNAIL) == 0)
            {
              corrupt (error, pkg, _("“%s” links to the part “%s”, which is missing"),
                       rels_name, target);
              g_free (rel.target);
              break;
            }
          package_warn (pkg, _("%s: “%s” links to the part “%s”, which is missing"), pkg->name,
                        rels_name, target);
          g_free (rel.target);
          continue;
        }
      rel.type = g_steal_pointer (&type);
      g_array_append_val (rels, rel);
    }
  xmlFreeTextReader (reader);
  if (!end)
    {
      if (error != NULL && *error == NULL)
        corrupt (error, pkg, _("cannot parse “%s”"), rels_name);
      return NULL;
    }
  return g_steal_pointer (&rels);
}

/* -- Content types ----------------------------------------------------------------------- */

#define CT_3DMODEL "application/vnd.ms-package.3dmanufacturing-3dmodel+xml"

static char *
part_key (const char *part_name)
{
  g_autofree char *decoded = NULL;

  while (part_name[0] == '/')
    part_name++;
  decoded = g_uri_unescape_string (part_name, NULL);
  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL))
    return g_ascii_strdown (part_name, -1);
  return g_utf8_casefold (decoded, -1);
}

/* Reads [Content_Types].xml (OPC): the Default content type of each extension and the
 * Override of single parts. */
static gboolean
read_content_types (Package  *pkg,
                    GError  **error)
{
  const char *entry = "[Content_Types].xml";
  g_autofree guint8 *data = NULL;
  XmlErrorSink sink = { pkg, entry, error, FALSE };
  xmlTextReaderPtr reader;
  gboolean missing, end = FALSE, saw_root = FALSE;
  gsize len;

  data = read_entry (pkg, entry, &len, &missing, error);
  if (data == NULL)
    {
      if (missing)
        corrupt (error, pkg, _("not a 3MF package: no [Content_Types].xml"));
      return FALSE;
    }
  reader = xml_reader_new (data, len, entry, &sink);
  if (reader == NULL)
    return corrupt (error, pkg, _("cannot parse “%s”"), entry);
  while (xml_next (reader, &sink, &end, error))
    {
      const char *name;
      g_autofree char *type = NULL;

      if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT)
        continue;
      name = (const char *) xmlTextReaderConstLocalName (reader);
      if (xmlTextReaderDepth (reader) == 0)
        {
          saw_root = TRUE;
          if (strcmp (name, "Types") != 0)
            {
              corrupt (error, pkg, _("“%s” is not a content types stream (its root is “%s”)"),
                       entry, name);
              break;
            }
          continue;
        }
      type = (char *) xmlTextReaderGetAttribute (reader, BAD_CAST "ContentType");
      if (type == NULL)
        continue;
      if (strcmp (name, "Default") == 0)
        {
          g_autofree char *ext = (char *) xmlTextReaderGetAttribute (reader,
                                                                     BAD_CAST "Extension");

          if (ext != NULL)
            g_hash_table_replace (pkg->ct_defaults, g_ascii_strdown (ext, -1),
                                  g_steal_pointer (&type));
        }
      else if (strcmp (name, "Override") == 0)
        {
          g_autofree char *part = (char *) xmlTextReaderGetAttribute (reader,
                                                                      BAD_CAST "PartName");

          if (part != NULL)
            g_hash_table_replace (pkg->ct_overrides, part_key (part), g_steal_pointer (&type));
        }
    }
  xmlFreeTextReader (reader);
  if (!end || !saw_root)
    {
      if (error != NULL && *error == NULL)
        corrupt (error, pkg, _("cannot parse “%s”"), entry);
      return FALSE;
    }
  return TRUE;
}

/* The content type of a part (no leading '/'), or NULL when the package gives none. */
static const char *
part_content_type (Package    *pkg,
                   const char *part_name)
{
  g_autofree char *key = part_key (part_name);
  const char *type = g_hash_table_lookup (pkg->ct_overrides, key);
  const char *slash = strrchr (part_name, '/');
  const char *dot = strrchr (slash != NULL ? slash : part_name, '.');

  if (type == NULL && dot != NULL)
    {
      g_autofree char *ext = g_ascii_strdown (dot + 1, -1);

      type = g_hash_table_lookup (pkg->ct_defaults, ext);
    }
  return type;
}

/* A model part of another content type is still read (its markup is checked anyway). */
static void
check_model_content_type (Package    *pkg,
                          const char *part_name)
{
  const char *type = part_content_type (pkg, part_name);

  if (type == NULL)
    package_warn (pkg, _("%s: [Content_Types].xml gives no content type for the model part "
                         "“%s”"), pkg->name, part_name);
  else if (g_ascii_strcasecmp (type, CT_3DMODEL) != 0)
    package_warn (pkg, _("%s: the model part “%s” has the content type “%s”, not %s"),
                  pkg->name, part_name, type, CT_3DMODEL);
}

/* -- The model part ---------------------------------------------------------------------- */

static const char *const known_metadata[] = {
  "Title", "Designer", "Description", "Copyright", "LicenseTerms", "Rating", "CreationDate",
  "ModificationDate", "Application",
};

typedef struct
{
  Package          *pkg;
  ModelPart        *part;
  xmlTextReaderPtr  reader;
  XmlErrorSink     *sink;
  const char       *entry;
  Object           *object;      /* the object being read */
  GArray           *materials;   /* the basematerials being read */
  GHashTable       *metadata;    /* names seen in the current scope */
  guint64           n_elements;
} ModelParser;

static const char *
attr_ns (xmlTextReaderPtr reader)
{
  const char *ns = (const char *) xmlTextReaderConstNamespaceUri (reader);

  return ns != NULL ? ns : "";
}

/* Visits the current element's attributes.  Returns FALSE (error set) when an xml:space
 * attribute is found (3MF forbids it). */
typedef struct
{
  const char *name;
  const char *ns;    /* "" for none */
  const char *value;
} Attr;

#define MAX_ATTRS 32

static gboolean
collect_attributes (ModelParser  *mp,
                    Attr         *attrs,
                    guint        *out_n,
                    GError      **error)
{
  xmlTextReaderPtr reader = mp->reader;
  guint n = 0;

  if (xmlTextReaderMoveToFirstAttribute (reader) == 1)
    {
      do
        {
          const char *ns = attr_ns (reader);
          const char *name = (const char *) xmlTextReaderConstLocalName (reader);

          if (strcmp (ns, "http://www.w3.org/2000/xmlns/") == 0)
            continue;
          if (strcmp (ns, "http://www.w3.org/XML/1998/namespace") == 0 &&
              strcmp (name, "space") == 0)
            {
              xmlTextReaderMoveToElement (reader);
              return corrupt (error, mp->pkg, _("“%s” uses xml:space, which 3MF forbids"),
                              mp->entry);
            }
          if (n < MAX_ATTRS)
            {
              attrs[n].name = name;
              attrs[n].ns = ns;
              attrs[n].value = (const char *) xmlTextReaderConstValue (reader);
              n++;
            }
        }
      while (xmlTextReaderMoveToNextAttribute (reader) == 1);
      xmlTextReaderMoveToElement (reader);
    }
  *out_n = n;
  return TRUE;
}

static const char *
find_attr (const Attr *attrs,
           guint       n,
           const char *ns,
           const char *name)
{
  for (guint i = 0; i < n; i++)
    if (strcmp (attrs[i].name, name) == 0 && strcmp (attrs[i].ns, ns) == 0)
      return attrs[i].value;
  return NULL;
}

static gboolean
add_resource_id (ModelParser  *mp,
                 const char   *value,
                 guint32      *out_id,
                 GError      **error)
{
  if (!parse_index (value, out_id) || *out_id == 0)
    return corrupt (error, mp->pkg, _("%s line %d: a resource id “%s” is not a positive "
                                      "integer"), mp->entry,
                    xmlTextReaderGetParserLineNumber (mp->reader), value ? value : "");
  if (!g_hash_table_add (mp->part->resource_ids, GUINT_TO_POINTER (*out_id)))
    return corrupt (error, mp->pkg, _("%s line %d: the resource id %u is used twice"),
                    mp->entry, xmlTextReaderGetParserLineNumber (mp->reader), *out_id);
  return TRUE;
}

static gboolean
read_metadata (ModelParser  *mp,
               const Attr   *attrs,
               guint         n,
               GError      **error)
{
  const char *name = find_attr (attrs, n, "", "name");
  const char *colon;

  if (name == NULL || name[0] == '\0')
    return corrupt (error, mp->pkg, _("%s line %d: metadata without a name"), mp->entry,
                    xmlTextReaderGetParserLineNumber (mp->reader));
  if (mp->metadata != NULL && !g_hash_table_add (mp->metadata, g_strdup (name)))
    return corrupt (error, mp->pkg, _("%s line %d: the metadata “%s” appears twice"),
                    mp->entry, xmlTextReaderGetParserLineNumber (mp->reader), name);
  colon = strchr (name, ':');
  if (colon == NULL)
    {
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (known_metadata); i++)
        known |= strcmp (name, known_metadata[i]) == 0;
      if (!known)
        package_warn (mp->pkg, _("%s: %s: unknown metadata “%s” ignored"), mp->pkg->name,
                      mp->entry, name);
    }
  else
    {
      g_autofree char *prefix = g_strndup (name, (gsize) (colon - name));
      xmlChar *ns = xmlTextReaderLookupNamespace (mp->reader, BAD_CAST prefix);

      if (ns == NULL)
        package_warn (mp->pkg, _("%s: %s: metadata “%s” uses an undeclared namespace"),
                      mp->pkg->name, mp->entry, name);
      xmlFree (ns);
    }
  return TRUE;
}

/* Extensions whose elements describe shapes (beams, slices, displacement, volumes, boolean
 * shapes) rather than properties. */
static gboolean
is_geometry_extension (const char *ns)
{
  static const char *const prefixes[] = {
    "http://schemas.microsoft.com/3dmanufacturing/beamlattice/",
    "http://schemas.microsoft.com/3dmanufacturing/slice/",
    "http://schemas.microsoft.com/3dmanufacturing/displacement/",
    "http://schemas.3mf.io/3dmanufacturing/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (ns, prefixes[i]))
      return TRUE;
  return FALSE;
}

static gboolean
read_required_extensions (ModelParser  *mp,
                          const char   *value,
                          GError      **error)
{
  g_auto(GStrv) prefixes = g_strsplit_set (value, " \t\r\n", -1);

  for (guint i = 0; prefixes[i] != NULL; i++)
    {
      xmlChar *ns;

      if (prefixes[i][0] == '\0')
        continue;
      ns = xmlTextReaderLookupNamespace (mp->reader, BAD_CAST prefixes[i]);
      if (ns == NULL)
        return corrupt (error, mp->pkg, _("%s: the required extension “%s” has no namespace"),
                        mp->entry, prefixes[i]);
      /* The specification: a consumer MUST NOT process a document that requires an
       * extension it does not support.  Materials (colours read, the rest does not change
       * the shape), production (p:path followed) and triangle sets (mere groups) are
       * supported.  Extensions known to carry shapes we do not read (beams, slices…) or
       * encrypted parts are refused.  Others (private ones, Microsoft's early drafts that
       * 3D Builder wrote) are not known to change the shape: read as core, with a warning,
       * as lib3mf does. */
      if (strcmp ((const char *) ns, NS_MATERIAL) == 0 ||
          strcmp ((const char *) ns, NS_PRODUCTION) == 0 ||
          strcmp ((const char *) ns, NS_TRIANGLESETS) == 0 ||
          strcmp ((const char *) ns, NS_CORE) == 0)
        ;
      else if (is_geometry_extension ((const char *) ns) ||
               g_str_has_prefix ((const char *) ns, NS_SECURE_CONTENT))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                       _("%s: %s requires the 3MF extension “%s” (%s), which Osteoplan does "
                         "not support"), mp->pkg->name, mp->entry, prefixes[i],
                       (const char *) ns);
          xmlFree (ns);
          return FALSE;
        }
      else
        package_warn (mp->pkg, _("%s: the file requires the 3MF extension %s, unknown to "
                                 "Osteoplan, which reads it as core: some content may be "
                                 "missing"), mp->pkg->name, (const char *) ns);
      xmlFree (ns);
    }
  return TRUE;
}

/* An object's thumbnail that the model part links with a relationship of another kind is
 * suspicious (lib3mf warns too). */
static void
check_thumbnail (ModelParser *mp,
                 const char  *thumbnail)
{
  g_autofree char *target = resolve_target ("", thumbnail);
  gboolean wrong = FALSE;

  if (target != NULL && mp->pkg->model_rels != NULL)
    for (guint i = 0; i < mp->pkg->model_rels->len; i++)
      {
        Relationship *r = &g_array_index (mp->pkg->model_rels, Relationship, i);

        if (g_ascii_strcasecmp (r->target, target) != 0)
          continue;
        if (g_ascii_strcasecmp (r->type, REL_THUMBNAIL) == 0 ||
            g_ascii_strcasecmp (r->type, REL_TEXTURE) == 0)
          return;
        wrong = TRUE;
      }
  if (wrong)
    package_warn (mp->pkg, _("%s: the thumbnail “%s” of an object is not linked as a thumbnail; "
                           "ignored"), mp->pkg->name, thumbnail);
}

static gboolean
start_object (ModelParser  *mp,
              const Attr   *attrs,
              guint         n,
              GError      **error)
{
  const char *type = find_attr (attrs, n, "", "type");
  const char *pid = find_attr (attrs, n, "", "pid");
  const char *pindex = find_attr (attrs, n, "", "pindex");
  const char *name = find_attr (attrs, n, "", "name");
  int line = xmlTextReaderGetParserLineNumber (mp->reader);
  Object *o = g_new0 (Object, 1);

  mp->object = o;
  if (!add_resource_id (mp, find_attr (attrs, n, "", "id"), &o->id, error))
    {
      object_data_free (o);
      mp->object = NULL;
      return FALSE;
    }
  g_hash_table_insert (mp->part->objects, GUINT_TO_POINTER (o->id), o);
  o->name = g_strdup (name);
  if (type == NULL || strcmp (type, "model") == 0)
    o->type = OBJECT_MODEL;
  else if (strcmp (type, "solidsupport") == 0)
    o->type = OBJECT_SOLIDSUPPORT;
  else if (strcmp (type, "support") == 0)
    o->type = OBJECT_SUPPORT;
  else if (strcmp (type, "surface") == 0)
    o->type = OBJECT_SURFACE;
  else if (strcmp (type, "other") == 0)
    o->type = OBJECT_OTHER;
  else
    return corrupt (error, mp->pkg, _("%s line %d: unknown object type “%s”"), mp->entry,
                    line, type);
  if (pid != NULL)
    {
      if (!parse_index (pid, &o->pid))
        return corrupt (error, mp->pkg, _("%s line %d: bad pid “%s”"), mp->entry, line, pid);
      o->has_pid = TRUE;
    }
  if (pindex != NULL)
    {
      if (!parse_index (pindex, &o->pindex))
        return corrupt (error, mp->pkg, _("%s line %d: bad pindex “%s”"), mp->entry, line,
                        pindex);
      if (!o->has_pid)
        return corrupt (error, mp->pkg, _("%s line %d: an object has a pindex but no pid"),
                        mp->entry, line);
      o->has_pindex = TRUE;
    }
  if (find_attr (attrs, n, "", "thumbnail") != NULL)
    check_thumbnail (mp, find_attr (attrs, n, "", "thumbnail"));
  if (o->has_pid && !g_hash_table_contains (mp->part->resource_ids,
                                            GUINT_TO_POINTER (o->pid)))
    return corrupt (error, mp->pkg, _("%s line %d: the object's pid %u names no resource "
                                      "defined before it"), mp->entry, line, o->pid);
  return TRUE;
}

static gboolean
read_vertex (ModelParser  *mp,
             const Attr   *attrs,
             guint         n,
             GError      **error)
{
  const char *names[3] = { "x", "y", "z" };
  float v[3];

  for (guint c = 0; c < 3; c++)
    {
      const char *s = find_attr (attrs, n, "", names[c]);
      double d;

      if (!parse_number (s, &d))
        return corrupt (error, mp->pkg, _("%s line %d: the vertex coordinate %s=“%s” is not a "
                                          "valid number"), mp->entry,
                        xmlTextReaderGetParserLineNumber (mp->reader), names[c],
                        s != NULL ? s : "");
      if (fabs (d) > G_MAXFLOAT)
        return corrupt (error, mp->pkg, _("%s line %d: the vertex coordinate %s=“%s” is out of "
                                          "range"), mp->entry,
                        xmlTextReaderGetParserLineNumber (mp->reader), names[c], s);
      v[c] = (float) d;
    }
  if (mp->object->positions->len / 3 >= OSP_MESH_MAX_ELEMENTS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: an object has too many "
                                                            "vertices"), mp->pkg->name);
      return FALSE;
    }
  g_array_append_vals (mp->object->positions, v, 3);
  return TRUE;
}

static gboolean
read_triangle (ModelParser  *mp,
               const Attr   *attrs,
               guint         n,
               GError      **error)
{
  const char *names[3] = { "v1", "v2", "v3" };
  guint32 t[3];
  guint32 nv = mp->object->positions->len / 3;

  for (guint c = 0; c < 3; c++)
    {
      const char *s = find_attr (attrs, n, "", names[c]);

      if (!parse_index (s, &t[c]))
        return corrupt (error, mp->pkg, _("%s line %d: the triangle index %s=“%s” is missing or "
                                          "not a number"), mp->entry,
                        xmlTextReaderGetParserLineNumber (mp->reader), names[c],
                        s != NULL ? s : "");
      if (t[c] >= nv)
        return corrupt (error, mp->pkg, _("%s line %d: the triangle index %s=%u is out of range "
                                          "(the object has %u vertices)"), mp->entry,
                        xmlTextReaderGetParserLineNumber (mp->reader), names[c], t[c], nv);
    }
  if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2])
    return corrupt (error, mp->pkg, _("%s line %d: a triangle repeats the vertex %u"),
                    mp->entry, xmlTextReaderGetParserLineNumber (mp->reader),
                    t[0] == t[1] || t[0] == t[2] ? t[0] : t[1]);
  if ((find_attr (attrs, n, "", "p1") != NULL || find_attr (attrs, n, "", "p2") != NULL ||
       find_attr (attrs, n, "", "p3") != NULL) &&
      find_attr (attrs, n, "", "pid") == NULL && !mp->object->has_pid)
    return corrupt (error, mp->pkg, _("%s line %d: a triangle has properties but no pid"),
                    mp->entry, xmlTextReaderGetParserLineNumber (mp->reader));
  if (mp->object->indices->len / 3 >= OSP_MESH_MAX_ELEMENTS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: an object has too many "
                                                            "triangles"), mp->pkg->name);
      return FALSE;
    }
  g_array_append_vals (mp->object->indices, t, 3);
  return TRUE;
}

/* A component or a build item: objectid, transform, p:path. */
static gboolean
read_reference (ModelParser  *mp,
                const Attr   *attrs,
                guint         n,
                Component    *out,
                GError      **error)
{
  const char *id = find_attr (attrs, n, "", "objectid");
  const char *transform = find_attr (attrs, n, "", "transform");
  const char *path = find_attr (attrs, n, NS_PRODUCTION, "path");
  int line = xmlTextReaderGetParserLineNumber (mp->reader);

  memset (out, 0, sizeof *out);
  out->transform = affine_identity;
  if (!parse_index (id, &out->objectid))
    return corrupt (error, mp->pkg, _("%s line %d: bad or missing objectid “%s”"), mp->entry,
                    line, id != NULL ? id : "");
  if (transform != NULL && !parse_transform (transform, &out->transform))
    return corrupt (error, mp->pkg, _("%s line %d: invalid transform “%s” (12 finite numbers "
                                      "of a non-singular matrix expected)"), mp->entry, line,
                    transform);
  if (path != NULL)
    {
      out->path = resolve_target ("", path);
      if (out->path == NULL)
        return corrupt (error, mp->pkg, _("%s line %d: invalid path “%s”"), mp->entry, line,
                        path);
      if (g_ascii_strcasecmp (out->path, mp->part->path) == 0)
        g_clear_pointer (&out->path, g_free);
    }
  return TRUE;
}

static gboolean
finish_object (ModelParser  *mp,
               GError      **error)
{
  Object *o = mp->object;

  mp->object = NULL;
  if (o == NULL)
    return TRUE;
  if (o->positions == NULL && o->components == NULL)
    {
      /* An object made by an extension (slices, a volumetric…) we do not read. */
      package_warn (mp->pkg, _("%s: object %u has neither a mesh nor components; ignored"),
                    mp->pkg->name, o->id);
      return TRUE;
    }
  if (o->positions != NULL && o->indices->len == 0 && o->type != OBJECT_OTHER)
    package_warn (mp->pkg, _("%s: object %u has a mesh without triangles"), mp->pkg->name, o->id);
  return TRUE;
}

static gboolean
is_known_core_element (const char *name)
{
  static const char *const names[] = {
    "model", "metadata", "resources", "build", "item", "object", "mesh", "vertices", "vertex",
    "triangles", "triangle", "components", "component", "basematerials", "base",
    "metadatagroup",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Parses one model part into a ModelPart. */
static ModelPart *
parse_model_part (Package     *pkg,
                  const char  *entry,
                  gboolean     is_root,
                  GError     **error)
{
  g_autofree guint8 *data = NULL;
  g_autoptr(GHashTable) model_metadata = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                  g_free, NULL);
  g_autoptr(GHashTable) group_metadata = NULL;
  XmlErrorSink sink = { pkg, entry, error, FALSE };
  ModelParser mp = { 0 };
  ModelPart *part;
  gboolean missing, end = FALSE, ok = TRUE, saw_model = FALSE, saw_resources = FALSE;
  gboolean in_resources = FALSE, in_build = FALSE, in_vertices = FALSE, in_triangles = FALSE;
  gboolean in_components = FALSE, in_mesh = FALSE, have_node = FALSE;
  gsize len;

  data = read_entry (pkg, entry, &len, &missing, error);
  if (data == NULL)
    {
      if (missing)
        corrupt (error, pkg, _("the model part “%s” is missing"), entry);
      return NULL;
    }

  part = g_new0 (ModelPart, 1);
  part->path = g_strdup (entry);
  part->unit = 1.0;
  part->objects = g_hash_table_new_full (NULL, NULL, NULL, object_data_free);
  part->resource_ids = g_hash_table_new (NULL, NULL);
  part->materials = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  part->items = g_array_new (FALSE, TRUE, sizeof (Component));
  g_array_set_clear_func (part->items, component_clear);

  mp.pkg = pkg;
  mp.part = part;
  mp.sink = &sink;
  mp.entry = entry;
  mp.reader = xml_reader_new (data, len, entry, &sink);
  if (mp.reader == NULL)
    {
      corrupt (error, pkg, _("cannot parse “%s”"), entry);
      model_part_free (part);
      return NULL;
    }

  while (ok)
    {
      int type;
      const char *ns, *name;
      Attr attrs[MAX_ATTRS];
      guint n_attrs = 0;
      int depth;

      /* After skipping a foreign element the reader already stands on the next node. */
      if (have_node)
        have_node = FALSE;
      else if (!xml_next (mp.reader, &sink, &end, error))
        break;
      type = xmlTextReaderNodeType (mp.reader);
      if ((++mp.n_elements & 0xFFFF) == 0 &&
          g_cancellable_set_error_if_cancelled (pkg->cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (type != XML_READER_TYPE_ELEMENT && type != XML_READER_TYPE_END_ELEMENT)
        continue;
      ns = attr_ns (mp.reader);
      name = (const char *) xmlTextReaderConstLocalName (mp.reader);
      depth = xmlTextReaderDepth (mp.reader);

      if (type == XML_READER_TYPE_END_ELEMENT)
        {
          if (strcmp (ns, NS_MATERIAL) == 0 && strcmp (name, "colorgroup") == 0)
            mp.materials = NULL;
          if (strcmp (ns, NS_CORE) != 0)
            continue;
          if (strcmp (name, "vertices") == 0)
            in_vertices = FALSE;
          else if (strcmp (name, "triangles") == 0)
            in_triangles = FALSE;
          else if (strcmp (name, "mesh") == 0)
            in_mesh = FALSE;
          else if (strcmp (name, "components") == 0)
            in_components = FALSE;
          else if (strcmp (name, "object") == 0)
            ok = finish_object (&mp, error);
          else if (strcmp (name, "resources") == 0)
            in_resources = FALSE;
          else if (strcmp (name, "build") == 0)
            in_build = FALSE;
          else if (strcmp (name, "basematerials") == 0)
            mp.materials = NULL;
          else if (strcmp (name, "metadatagroup") == 0)
            g_clear_pointer (&group_metadata, g_hash_table_unref);
          continue;
        }

      if (depth == 0)
        {
          const char *unit;

          if (strcmp (ns, NS_CORE) != 0 || strcmp (name, "model") != 0)
            {
              ok = corrupt (error, pkg, _("“%s” is not a 3MF model (its root is “%s”)"), entry,
                            name);
              break;
            }
          if (!check_encoding (mp.reader, &sink, error) ||
              !collect_attributes (&mp, attrs, &n_attrs, error))
            {
              ok = FALSE;
              break;
            }
          saw_model = TRUE;
          unit = find_attr (attrs, n_attrs, "", "unit");
          if (unit == NULL || strcmp (unit, "millimeter") == 0)
            part->unit = 1.0;
          else if (strcmp (unit, "micron") == 0)
            part->unit = 0.001;
          else if (strcmp (unit, "centimeter") == 0)
            part->unit = 10.0;
          else if (strcmp (unit, "inch") == 0)
            part->unit = 25.4;
          else if (strcmp (unit, "foot") == 0)
            part->unit = 304.8;
          else if (strcmp (unit, "meter") == 0)
            part->unit = 1000.0;
          else
            {
              ok = corrupt (error, pkg, _("%s: unknown unit “%s”"), entry, unit);
              break;
            }
          if (find_attr (attrs, n_attrs, "", "requiredextensions") != NULL)
            ok = read_required_extensions (&mp, find_attr (attrs, n_attrs, "",
                                                           "requiredextensions"), error);
          continue;
        }

      /* Colour groups of the materials extension (Windows 3D Builder) give objects their
       * colours as base materials do. */
      if (strcmp (ns, NS_MATERIAL) == 0 && in_resources && depth == 2 &&
          strcmp (name, "colorgroup") == 0)
        {
          guint32 id;

          if (!collect_attributes (&mp, attrs, &n_attrs, error))
            {
              ok = FALSE;
              break;
            }
          if (parse_index (find_attr (attrs, n_attrs, "", "id"), &id) &&
              !g_hash_table_contains (part->materials, GUINT_TO_POINTER (id)))
            {
              g_hash_table_add (part->resource_ids, GUINT_TO_POINTER (id));
              mp.materials = g_array_new (FALSE, FALSE, sizeof (guint32));
              g_hash_table_insert (part->materials, GUINT_TO_POINTER (id), mp.materials);
              if (xmlTextReaderIsEmptyElement (mp.reader))
                mp.materials = NULL;
              continue;
            }
        }
      else if (strcmp (ns, NS_MATERIAL) == 0 && mp.materials != NULL && depth == 3 &&
               strcmp (name, "color") == 0)
        {
          guint32 rgba = 0xFFFFFFFFu;

          if (!collect_attributes (&mp, attrs, &n_attrs, error))
            {
              ok = FALSE;
              break;
            }
          parse_color (find_attr (attrs, n_attrs, "", "color"), &rgba);
          g_array_append_val (mp.materials, rgba);
          continue;
        }

      /* Elements of extensions and unknown namespaces: skipped whole. */
      if (strcmp (ns, NS_CORE) != 0)
        {
          if (type == XML_READER_TYPE_ELEMENT && is_geometry_extension (ns))
            package_warn (pkg, _("%s: %s: <%s> (3MF extension %s) is not read; any shape it "
                                 "adds is missing"), pkg->name, entry, name, ns);
          if (in_resources && depth == 2)
            {
              /* Extension resources (materials…) still own ids that objects may name. */
              if (!collect_attributes (&mp, attrs, &n_attrs, error))
                {
                  ok = FALSE;
                  break;
                }
              {
                const char *id = find_attr (attrs, n_attrs, "", "id");
                guint32 rid;

                /* Their own rules (unique ids among them…) are the extension's; lib3mf
                 * accepts duplicates there, so only remember the id for pid checks. */
                if (id != NULL && parse_index (id, &rid))
                  g_hash_table_add (part->resource_ids, GUINT_TO_POINTER (rid));
              }
            }
          if (!xmlTextReaderIsEmptyElement (mp.reader))
            {
              int rc = xmlTextReaderNext (mp.reader);

              if (sink.failed || rc < 0)
                {
                  if (error != NULL && *error == NULL)
                    corrupt (error, pkg, _("“%s” is not well-formed XML"), entry);
                  ok = FALSE;
                  break;
                }
              end = rc == 0;
              if (end)
                break;
              have_node = TRUE;
            }
          continue;
        }

      if (!collect_attributes (&mp, attrs, &n_attrs, error))
        {
          ok = FALSE;
          break;
        }

      if (in_vertices && strcmp (name, "vertex") == 0)
        ok = read_vertex (&mp, attrs, n_attrs, error);
      else if (in_triangles && strcmp (name, "triangle") == 0)
        ok = read_triangle (&mp, attrs, n_attrs, error);
      else if (depth == 1 && strcmp (name, "metadata") == 0 && !is_root)
        ; /* Production extension: the metadata of other model parts is ignored. */
      else if (depth == 1 && strcmp (name, "metadata") == 0)
        {
          mp.metadata = model_metadata;
          ok = read_metadata (&mp, attrs, n_attrs, error);
          mp.metadata = NULL;
        }
      else if (depth == 1 && strcmp (name, "resources") == 0)
        {
          if (saw_resources)
            ok = corrupt (error, pkg, _("%s: more than one <resources>"), entry);
          saw_resources = TRUE;
          in_resources = !xmlTextReaderIsEmptyElement (mp.reader);
        }
      else if (depth == 1 && strcmp (name, "build") == 0)
        {
          if (part->has_build)
            ok = corrupt (error, pkg, _("%s: more than one <build>"), entry);
          part->has_build = TRUE;
          in_build = !xmlTextReaderIsEmptyElement (mp.reader);
        }
      else if (in_resources && depth == 2 && strcmp (name, "object") == 0)
        {
          ok = start_object (&mp, attrs, n_attrs, error);
          if (ok && xmlTextReaderIsEmptyElement (mp.reader))
            ok = finish_object (&mp, error);
        }
      else if (in_resources && depth == 2 && strcmp (name, "basematerials") == 0)
        {
          guint32 id;

          ok = add_resource_id (&mp, find_attr (attrs, n_attrs, "", "id"), &id, error);
          if (ok)
            {
              mp.materials = g_array_new (FALSE, FALSE, sizeof (guint32));
              g_hash_table_insert (part->materials, GUINT_TO_POINTER (id), mp.materials);
              if (xmlTextReaderIsEmptyElement (mp.reader))
                mp.materials = NULL;
            }
        }
      else if (mp.materials != NULL && strcmp (name, "base") == 0)
        {
          guint32 rgba = 0xFFFFFFFFu;
          const char *color = find_attr (attrs, n_attrs, "", "displaycolor");

          if (color == NULL || !parse_color (color, &rgba))
            ok = corrupt (error, pkg, _("%s line %d: bad displaycolor “%s”"), entry,
                          xmlTextReaderGetParserLineNumber (mp.reader), color ? color : "");
          g_array_append_val (mp.materials, rgba);
        }
      else if (mp.object != NULL && depth == 3 && strcmp (name, "mesh") == 0)
        {
          if (mp.object->positions != NULL || mp.object->components != NULL)
            ok = corrupt (error, pkg, _("%s: object %u has more than one shape"), entry,
                          mp.object->id);
          mp.object->positions = g_array_new (FALSE, FALSE, sizeof (float));
          mp.object->indices = g_array_new (FALSE, FALSE, sizeof (guint32));
          in_mesh = !xmlTextReaderIsEmptyElement (mp.reader);
        }
      else if (in_mesh && depth == 4 && strcmp (name, "vertices") == 0)
        in_vertices = !xmlTextReaderIsEmptyElement (mp.reader);
      else if (in_mesh && depth == 4 && strcmp (name, "triangles") == 0)
        in_triangles = !xmlTextReaderIsEmptyElement (mp.reader);
      else if (mp.object != NULL && depth == 3 && strcmp (name, "components") == 0)
        {
          if (mp.object->positions != NULL || mp.object->components != NULL)
            ok = corrupt (error, pkg, _("%s: object %u has more than one shape"), entry,
                          mp.object->id);
          mp.object->components = g_array_new (FALSE, TRUE, sizeof (Component));
          g_array_set_clear_func (mp.object->components, component_clear);
          in_components = !xmlTextReaderIsEmptyElement (mp.reader);
        }
      else if (in_components && strcmp (name, "component") == 0)
        {
          Component c;

          /* Production extension 3.2: only the root model part may point into others. */
          if (!is_root && find_attr (attrs, n_attrs, NS_PRODUCTION, "path") != NULL)
            {
              ok = corrupt (error, pkg, _("%s line %d: a component of a model part other "
                                          "than the root names another part (p:path), which "
                                          "the production extension forbids"), entry,
                            xmlTextReaderGetParserLineNumber (mp.reader));
              break;
            }
          ok = read_reference (&mp, attrs, n_attrs, &c, error);
          if (ok && c.path == NULL &&
              !g_hash_table_contains (part->objects, GUINT_TO_POINTER (c.objectid)))
            ok = corrupt (error, pkg, _("%s line %d: a component names the object %u, which is "
                                        "not defined before it"), entry,
                          xmlTextReaderGetParserLineNumber (mp.reader), c.objectid);
          if (ok)
            g_array_append_val (mp.object->components, c);
          else
            g_free (c.path);
        }
      else if (mp.object != NULL && depth == 3 && strcmp (name, "metadatagroup") == 0)
        {
          g_clear_pointer (&group_metadata, g_hash_table_unref);
          group_metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        }
      else if (group_metadata != NULL && strcmp (name, "metadata") == 0)
        {
          mp.metadata = group_metadata;
          ok = read_metadata (&mp, attrs, n_attrs, error);
          mp.metadata = NULL;
        }
      else if (in_build && depth == 2 && strcmp (name, "item") == 0)
        {
          Component c;

          ok = read_reference (&mp, attrs, n_attrs, &c, error);
          if (ok)
            g_array_append_val (part->items, c);
        }
      else if (!is_known_core_element (name))
        package_warn (pkg, _("%s: %s line %d: unknown element <%s> ignored"), pkg->name, entry,
                      xmlTextReaderGetParserLineNumber (mp.reader), name);
    }

  if (ok && !end && (error == NULL || *error == NULL))
    corrupt (error, pkg, _("cannot parse “%s”"), entry);
  ok = ok && end;
  xmlFreeTextReader (mp.reader);
  if (mp.object != NULL)
    mp.object = NULL; /* owned by part->objects */
  if (ok && !saw_model)
    ok = corrupt (error, pkg, _("“%s” holds no <model>"), entry);
  if (ok && !saw_resources)
    ok = corrupt (error, pkg, _("“%s” has no <resources>"), entry);
  if (ok && is_root && !part->has_build)
    ok = corrupt (error, pkg, _("“%s” has no <build>"), entry);
  if (!ok)
    {
      model_part_free (part);
      return NULL;
    }
  return part;
}

/* -- Resolving the build ----------------------------------------------------------------- */

#define MAX_COMPONENT_DEPTH 32

static ModelPart *
get_part (Package     *pkg,
          ModelPart   *from,
          const char  *path,
          GError     **error)
{
  g_autofree char *key = NULL;
  ModelPart *part;

  if (path == NULL)
    return from;
  key = part_key (path);
  part = g_hash_table_lookup (pkg->parts, key);
  if (part != NULL)
    return part;
  check_model_content_type (pkg, path);
  part = parse_model_part (pkg, path, FALSE, error);
  if (part != NULL)
    g_hash_table_insert (pkg->parts, g_steal_pointer (&key), part);
  return part;
}

static Object *
get_object (Package     *pkg,
            ModelPart   *part,
            guint32      id,
            GError     **error)
{
  Object *o = g_hash_table_lookup (part->objects, GUINT_TO_POINTER (id));

  if (o == NULL)
    corrupt (error, pkg, _("“%s” refers to the object %u, which does not exist"), part->path,
             id);
  return o;
}

/* Counts the triangles an object expands to (memoised) and refuses component cycles. */
static gboolean
count_triangles (Package    *pkg,
                 ModelPart  *part,
                 Object     *o,
                 guint       depth,
                 GError    **error)
{
  guint64 total = 0, total_v = 0;

  if (o->visit == 2)
    return TRUE;
  if (o->visit == 1)
    return corrupt (error, pkg, _("the components of object %u form a cycle"), o->id);
  if (depth > MAX_COMPONENT_DEPTH)
    return corrupt (error, pkg, _("the components of object %u are nested too deeply"), o->id);
  o->visit = 1;
  if (o->indices != NULL && o->indices->len > 0)
    {
      total = o->indices->len / 3;
      total_v = o->positions->len / 3;
    }
  for (guint i = 0; o->components != NULL && i < o->components->len; i++)
    {
      Component *c = &g_array_index (o->components, Component, i);
      ModelPart *cpart = get_part (pkg, part, c->path, error);
      Object *child = cpart != NULL ? get_object (pkg, cpart, c->objectid, error) : NULL;

      if (child == NULL || !count_triangles (pkg, cpart, child, depth + 1, error))
        return FALSE;
      total = MIN (total + child->n_triangles, G_MAXUINT64 / 4);
      total_v = MIN (total_v + child->n_vertices, G_MAXUINT64 / 4);
    }
  o->n_triangles = total;
  o->n_vertices = total_v;
  o->visit = 2;
  return TRUE;
}

/* Warns once per object whose mesh the specification wants closed and manifold but is not. */
static void
check_object_mesh (Package *pkg,
                   Object  *o)
{
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshTopology topo;

  if (o->checked || o->indices == NULL || o->indices->len == 0)
    return;
  o->checked = TRUE;
  if (o->type != OBJECT_MODEL && o->type != OBJECT_SOLIDSUPPORT)
    return;
  mesh = osp_mesh_new ((const float *) o->positions->data, o->positions->len / 3,
                       (const guint32 *) o->indices->data, o->indices->len / 3);
  osp_mesh_get_topology (mesh, &topo);
  if (topo.n_nonmanifold_edges > 0)
    package_warn (pkg, _("%s: object %u (“%s”) is not manifold: %" PRIu64
                         " edges are shared by more than two triangles"), pkg->name, o->id,
                  o->name ? o->name : "", topo.n_nonmanifold_edges);
  if (topo.n_boundary_edges > 0)
    package_warn (pkg, _("%s: object %u (“%s”) is not closed: %" PRIu64
                         " boundary edges"), pkg->name, o->id, o->name ? o->name : "",
                  topo.n_boundary_edges);
}

typedef struct
{
  GArray   *positions;
  GArray   *indices;
  Object   *first;      /* the first mesh object emitted */
  ModelPart *first_part;
} Emit;

/* `m` ∘ scale(s): the map of a child whose coordinates are in another unit. */
static void
affine_scale_input (Affine *m,
                    double  s)
{
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      m->m[r][c] *= s;
}

/* Emits the meshes an object expands to.  `to_mm` maps the object's coordinates (in the unit
 * of its own model part) to build coordinates in millimetres.  The type of an object made of
 * components is ignored (the specification says so); mesh objects of type "other" must not
 * be reached from the build; support structures ("support", "solidsupport") are not part of
 * the printed model and are left out. */
static gboolean
emit_object (Package       *pkg,
             ModelPart     *part,
             Object        *o,
             const Affine  *to_mm,
             Emit          *out,
             GError       **error)
{
  if (o->indices != NULL && o->indices->len > 0)
    {
      const float *p = (const float *) o->positions->data;
      const guint32 *t = (const guint32 *) o->indices->data;
      guint32 nv = o->positions->len / 3, nt = o->indices->len / 3;
      guint32 base = out->positions->len / 3;
      gboolean flip = affine_det (to_mm) < 0;

      if (o->type == OBJECT_OTHER)
        return corrupt (error, pkg, _("a build item reaches object %u, of type “other”, "
                                      "through its components"), o->id);
      if (o->type == OBJECT_SUPPORT || o->type == OBJECT_SOLIDSUPPORT)
        {
          package_warn (pkg, _("%s: support structures (object %u) are not part of the model; "
                               "left out"), pkg->name, o->id);
          return TRUE;
        }
      check_object_mesh (pkg, o);
      if (out->first == NULL)
        {
          out->first = o;
          out->first_part = part;
        }
      for (guint32 v = 0; v < nv; v++)
        {
          float q[3];

          for (int r = 0; r < 3; r++)
            {
              double x = to_mm->m[r][0] * p[3 * v] + to_mm->m[r][1] * p[3 * v + 1] +
                         to_mm->m[r][2] * p[3 * v + 2] + to_mm->m[r][3];

              /* Checked before the conversion, which is undefined out of float's range. */
              if (!(fabs (x) <= G_MAXFLOAT))
                return corrupt (error, pkg, _("object %u, once placed in the build, has a "
                                              "vertex beyond the range of coordinates"), o->id);
              q[r] = (float) x;
            }
          g_array_append_vals (out->positions, q, 3);
        }
      for (guint32 i = 0; i < nt; i++)
        {
          guint32 tri[3] = { base + t[3 * i], base + t[3 * i + 1], base + t[3 * i + 2] };

          /* A mirroring transform turns the triangles inside out: keep them outward. */
          if (flip)
            {
              guint32 tmp = tri[1];

              tri[1] = tri[2];
              tri[2] = tmp;
            }
          g_array_append_vals (out->indices, tri, 3);
        }
    }
  for (guint i = 0; o->components != NULL && i < o->components->len; i++)
    {
      Component *c = &g_array_index (o->components, Component, i);
      ModelPart *cpart = get_part (pkg, part, c->path, error);
      Object *child = cpart != NULL ? get_object (pkg, cpart, c->objectid, error) : NULL;
      Affine local = c->transform, composed;

      if (child == NULL)
        return FALSE;
      /* Each model part has its own unit: a child's coordinates are converted to its
       * parent's unit before the component transform applies. */
      affine_scale_input (&local, cpart->unit / part->unit);
      affine_compose (to_mm, &local, &composed);
      if (!emit_object (pkg, cpart, child, &composed, out, error))
        return FALSE;
    }
  return TRUE;
}

static guint32
object_color (ModelPart *part,
              Object    *o,
              gboolean  *out_has)
{
  GArray *materials;

  *out_has = FALSE;
  if (!o->has_pid)
    return 0xFFFFFFFFu;
  materials = g_hash_table_lookup (part->materials, GUINT_TO_POINTER (o->pid));
  if (materials == NULL || materials->len == 0)
    return 0xFFFFFFFFu;
  *out_has = TRUE;
  return g_array_index (materials, guint32, MIN (o->pindex, materials->len - 1));
}

static GPtrArray *
load_package (Package     *pkg,
              GError     **error)
{
  g_autoptr(GArray) root_rels = NULL;
  g_autoptr(GArray) model_rels = NULL;
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (object_free);
  const char *start = NULL;
  ModelPart *root;
  guint n_tickets = 0;

  if (!check_part_names (pkg, error) || !read_content_types (pkg, error))
    return NULL;
  root_rels = read_relationships (pkg, "", error);
  if (root_rels == NULL)
    return NULL;
  for (guint i = 0; i < root_rels->len; i++)
    {
      Relationship *r = &g_array_index (root_rels, Relationship, i);

      /* Relationship types are URIs that OPC compares case-insensitively. */
      if (g_ascii_strcasecmp (r->type, REL_3DMODEL) != 0)
        continue;
      if (start == NULL)
        start = r->target;
      else
        package_warn (pkg, _("%s: the package names more than one 3D model part; “%s” is "
                             "read, “%s” ignored"), pkg->name, start, r->target);
    }
  if (start == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: not a 3MF package: no 3D model part is named in _rels/.rels"),
                   pkg->name);
      return NULL;
    }
  model_rels = read_relationships (pkg, start, error);
  if (model_rels == NULL)
    return NULL;
  for (guint i = 0; i < model_rels->len; i++)
    n_tickets += g_ascii_strcasecmp (g_array_index (model_rels, Relationship, i).type,
                                     REL_PRINTTICKET) == 0;
  if (n_tickets > 1)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: the model part has more than one print ticket"), pkg->name);
      return NULL;
    }

  check_model_content_type (pkg, start);
  pkg->model_rels = model_rels;
  root = parse_model_part (pkg, start, TRUE, error);
  pkg->model_rels = NULL;
  if (root == NULL)
    return NULL;
  g_hash_table_insert (pkg->parts, part_key (root->path), root);

  for (guint i = 0; i < root->items->len; i++)
    {
      Component *item = &g_array_index (root->items, Component, i);
      ModelPart *part = get_part (pkg, root, item->path, error);
      Object *o = part != NULL ? get_object (pkg, part, item->objectid, error) : NULL;
      Emit emit;
      Affine to_mm;
      const char *name;
      Osp3mfObject *result_object;
      guint64 bytes;

      if (o == NULL)
        return NULL;
      if (o->type == OBJECT_OTHER)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a build item refers to object %u of type “other”"), pkg->name,
                       o->id);
          return NULL;
        }
      if (!count_triangles (pkg, part, o, 0, error))
        return NULL;
      if (o->n_triangles == 0)
        {
          package_warn (pkg, _("%s: build item %u (object %u) has no triangles"), pkg->name,
                        i + 1, o->id);
          continue;
        }
      /* Instances can multiply a small file into a huge mesh: check before expanding. */
      if (o->n_triangles > OSP_MESH_MAX_ELEMENTS / 3 || o->n_vertices > OSP_MESH_MAX_ELEMENTS ||
          !osp_size_mul (o->n_triangles + o->n_vertices, 3 * 2 * sizeof (float), &bytes) ||
          !osp_memory_check (bytes, pkg->name, _("the 3MF build"), error))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                         _("%s: build item %u expands to too many triangles"), pkg->name,
                         i + 1);
          return NULL;
        }
      /* The item's transform is in the root part's unit; the object may live in another
       * part (p:path) with a unit of its own. */
      {
        const Affine to_root_mm = { { { root->unit, 0, 0, 0 }, { 0, root->unit, 0, 0 },
                                      { 0, 0, root->unit, 0 } } };
        Affine local = item->transform;

        affine_scale_input (&local, part->unit / root->unit);
        affine_compose (&to_root_mm, &local, &to_mm);
      }
      memset (&emit, 0, sizeof emit);
      emit.positions = g_array_new (FALSE, FALSE, sizeof (float));
      emit.indices = g_array_new (FALSE, FALSE, sizeof (guint32));
      if (!emit_object (pkg, part, o, &to_mm, &emit, error))
        {
          g_array_unref (emit.positions);
          g_array_unref (emit.indices);
          return NULL;
        }
      if (emit.indices->len == 0)
        {
          package_warn (pkg, _("%s: build item %u (object %u) holds only support structures; "
                               "left out"), pkg->name, i + 1, o->id);
          g_array_unref (emit.positions);
          g_array_unref (emit.indices);
          continue;
        }
      result_object = g_new0 (Osp3mfObject, 1);
      /* An assembly of components rarely has a name or a colour of its own (the
       * specification forbids it a pid): its first part lends them. */
      name = o->name;
      if ((name == NULL || name[0] == '\0') && o->components != NULL)
        name = emit.first->name;
      osp_3mf_object_init (result_object, name != NULL ? name : "", NULL, 0xFFFFFFFFu, NULL);
      if (result_object->name[0] == '\0')
        {
          g_free (result_object->name);
          result_object->name = g_strdup_printf (_("Object %u"), o->id);
        }
      result_object->rgba = object_color (part, o, &result_object->has_color);
      if (!result_object->has_color && o->components != NULL)
        result_object->rgba = object_color (emit.first_part, emit.first,
                                            &result_object->has_color);
      {
        guint32 nv = emit.positions->len / 3, nt = emit.indices->len / 3;

        result_object->mesh = osp_mesh_new_take ((float *) g_array_free (emit.positions, FALSE),
                                                 nv,
                                                 (guint32 *) g_array_free (emit.indices, FALSE),
                                                 nt);
      }
      g_ptr_array_add (result, result_object);
    }
  return g_steal_pointer (&result);
}

GPtrArray *
osp_3mf_load_from_data (const guint8     *data,
                        gsize             len,
                        const char       *display_name,
                        OspMeshLoadInfo  *info,
                        GCancellable     *cancellable,
                        GError          **error)
{
  Package pkg = { 0 };
  zip_error_t zerror;
  zip_source_t *src;
  GPtrArray *result;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);

  xmlInitParser ();
  if (info != NULL)
    info->format = OSP_MESH_FORMAT_3MF;
  pkg.name = display_name;
  pkg.info = info;
  pkg.cancellable = cancellable;
  zip_error_init (&zerror);
  src = zip_source_buffer_create (len > 0 ? data : (const guint8 *) "", len, 0, &zerror);
  if (src == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: %s"), display_name,
                   zip_error_strerror (&zerror));
      zip_error_fini (&zerror);
      return NULL;
    }
  pkg.za = zip_open_from_source (src, ZIP_RDONLY, &zerror);
  if (pkg.za == NULL)
    {
      const char *reason = osp_error_zip_reason (zip_error_code_zip (&zerror));

      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: not a valid zip package (%s)"),
                   display_name, reason != NULL ? reason : zip_error_strerror (&zerror));
      zip_error_fini (&zerror);
      zip_source_free (src);
      return NULL;
    }
  zip_error_fini (&zerror);
  pkg.parts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, model_part_free);
  pkg.ct_defaults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  pkg.ct_overrides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  result = load_package (&pkg, error);

  g_hash_table_unref (pkg.parts);
  g_hash_table_unref (pkg.ct_defaults);
  g_hash_table_unref (pkg.ct_overrides);
  zip_discard (pkg.za);
  if (result != NULL && info != NULL)
    {
      guint64 n = 0;

      for (guint i = 0; i < result->len; i++)
        n += osp_mesh_get_n_triangles (((Osp3mfObject *) g_ptr_array_index (result, i))->mesh);
      info->n_file_triangles = (guint32) MIN (n, G_MAXUINT32);
    }
  return result;
}

GPtrArray *
osp_3mf_load (const char       *path,
              OspMeshLoadInfo  *info,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *display_name = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  display_name = osp_error_display_name (path);
  mapped = osp_input_map (path, error);
  if (mapped == NULL)
    return NULL;
  return osp_3mf_load_from_data ((const guint8 *) g_mapped_file_get_contents (mapped),
                                 g_mapped_file_get_length (mapped), display_name, info,
                                 cancellable, error);
}

OspMesh *
osp_3mf_load_merged (const guint8     *data,
                     gsize             len,
                     const char       *display_name,
                     OspMeshLoadInfo  *info,
                     GCancellable     *cancellable,
                     GError          **error)
{
  g_autoptr(GPtrArray) objects = osp_3mf_load_from_data (data, len, display_name, info,
                                                         cancellable, error);
  g_autofree OspMesh **meshes = NULL;

  if (objects == NULL)
    return NULL;
  if (objects->len == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: the 3MF build holds no triangles"), display_name);
      return NULL;
    }
  if (objects->len == 1)
    return osp_mesh_ref (((Osp3mfObject *) g_ptr_array_index (objects, 0))->mesh);
  meshes = g_new (OspMesh *, objects->len);
  for (guint i = 0; i < objects->len; i++)
    meshes[i] = ((Osp3mfObject *) g_ptr_array_index (objects, i))->mesh;
  return osp_mesh_merge (meshes, objects->len);
}
