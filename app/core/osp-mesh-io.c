/* osp-mesh-io.c — mesh files: format detection, loading, saving
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file is mapped into memory (no copy) and handed to the reader its content names.  The
 * readers live in osp-stl.c, osp-obj.c and osp-ply.c; what they share (a text cursor, number
 * parsing, polygon triangulation, the last checks) is in osp-mesh-reader.c, below them.
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
#include "osp-input.h"
#include "osp-memory.h"
#include "osp-mesh-io-private.h"
#include "osp-mesh-private.h"

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

/* The estimate of osp_mesh_check_memory() on an open file. */
static gboolean
check_memory_fd (int           fd,
                 guint64       size,
                 const char   *name,
                 gboolean      report,
                 GError      **error)
{
  guint8 header[84];
  guint32 n;
  guint64 load, after;

  if (pread (fd, header, sizeof header, 0) != (gssize) sizeof header)
    return TRUE;  /* too short to tell: the reader says what is wrong */
  memcpy (&n, header + 80, 4);
  n = GUINT32_FROM_LE (n);
  /* Only a binary STL tells its size before it is read; the others check as they go. */
  if (size != 84 + (guint64) n * 50 || n > OSP_MESH_MAX_ELEMENTS ||
      looks_like_text (header, sizeof header))
    return TRUE;
  /* Loading: the file (mapped) and the weld; then the mesh (a closed one has about half as
   * many vertices as triangles) and, with `report`, the topology. */
  load = size + osp_mesh_weld_bytes (n);
  after = (guint64) n * 12 + (guint64) (n / 2) * 12;
  if (report)
    after += osp_mesh_report_bytes (n / 2, n);
  return osp_memory_check (MAX (load, after), name,
                           report ? _("reading and describing the mesh")
                                  : _("reading the mesh"), error);
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

  fd = osp_input_open (path, error);
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0)
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
  /* Refused before anything is mapped when the file says it cannot fit (binary STL). */
  if (!check_memory_fd (fd, st.st_size, name, FALSE, error))
    {
      close (fd);
      return NULL;
    }

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
      close (fd);
      fd = -1;
      if (!osp_memory_check (len, name, _("reading the file"), error))
        return NULL;
      if (!osp_input_get_contents (path, G_MAXSIZE - 1, (char **) &contents, &len, error))
        return NULL;
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

gboolean
osp_mesh_check_memory (const char  *path,
                       gboolean     report,
                       GError     **error)
{
  g_autofree char *name = NULL;
  struct stat st;
  gboolean ok;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  fd = osp_input_open (path, error);
  if (fd < 0)
    return FALSE;
  name = osp_error_display_name (path);
  ok = fstat (fd, &st) != 0 || check_memory_fd (fd, (guint64) st.st_size, name, report, error);
  close (fd);
  return ok;
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
