/* test-mesh-io.c — STL, OBJ and PLY: detection, readers, writers, round trips, hostile files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-mesh-io.h"
#include "osp-test-common.h"

/* -- Helpers -------------------------------------------------------------------------------- */

static char *
write_file (const char *name,
            const void *data,
            gsize       len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (osp_test_tmpdir (), name, NULL);

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_text (const char *name,
            const char *text)
{
  return write_file (name, text, strlen (text));
}

static OspMesh *
load_ok (const char      *path,
         OspMeshLoadInfo *info)
{
  g_autoptr(GError) error = NULL;
  OspMesh *mesh = osp_mesh_load (path, info, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mesh);
  return mesh;
}

/* Loading fails with the given code and a message that starts with the file's name. */
static void
load_fails (const char *path,
            GQuark      domain,
            int         code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };

  mesh = osp_mesh_load (path, &info, NULL, &error);
  osp_mesh_load_info_clear (&info);
  g_assert_null (mesh);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (domain != 0)
    g_assert_error (error, domain, code);
  g_assert_true (g_str_has_prefix (error->message, base));
}

static void
put_le32 (guint8  *out,
          guint32  value)
{
  value = GUINT32_TO_LE (value);
  memcpy (out, &value, 4);
}

static void
put_lef (guint8 *out,
         float   value)
{
  guint32 u;

  memcpy (&u, &value, 4);
  put_le32 (out, u);
}

/* A binary STL image of `soup` (9 floats a triangle) with `count` in its header. */
static GByteArray *
binary_stl (const char  *header,
            const float *soup,
            guint32      n_triangles,
            guint32      count)
{
  GByteArray *bytes = g_byte_array_new ();
  guint8 head[84] = { 0 };

  memcpy (head, header, MIN (strlen (header), 80));
  put_le32 (head + 80, count);
  g_byte_array_append (bytes, head, 84);
  for (guint32 t = 0; t < n_triangles; t++)
    {
      guint8 record[50] = { 0 };

      put_lef (record, NAN); /* stored normals are ignored */
      for (guint i = 0; i < 9; i++)
        put_lef (record + 12 + 4 * i, soup[9 * t + i]);
      g_byte_array_append (bytes, record, 50);
    }
  return bytes;
}

/* -- Round trips ---------------------------------------------------------------------------- */

typedef struct
{
  const char    *name;
  OspMeshFormat  format;
  const char    *extension;
  OspMeshFormat  read_as;
} WriterCase;

static const WriterCase writer_cases[] = {
  { "stl-binary", OSP_MESH_FORMAT_STL_BINARY, "stl", OSP_MESH_FORMAT_STL_BINARY },
  { "stl-ascii", OSP_MESH_FORMAT_STL_ASCII, "stl", OSP_MESH_FORMAT_STL_ASCII },
  { "obj", OSP_MESH_FORMAT_OBJ, "obj", OSP_MESH_FORMAT_OBJ },
  { "ply-binary", OSP_MESH_FORMAT_PLY, "ply", OSP_MESH_FORMAT_PLY },
  { "ply-ascii", OSP_MESH_FORMAT_PLY_ASCII, "ply", OSP_MESH_FORMAT_PLY_ASCII },
};

static void
test_round_trip (gconstpointer data)
{
  const WriterCase *wc = data;
  g_autoptr(OspMesh) box = osp_test_make_box (2, 2, 2);
  g_autoptr(OspMesh) cube = osp_test_welded (box);
  g_autoptr(OspMesh) torus0 = osp_test_make_torus (10, 3, 48, 24);
  g_autoptr(OspMesh) torus = osp_test_welded (torus0);
  OspMesh *meshes[] = { cube, torus };

  for (guint m = 0; m < G_N_ELEMENTS (meshes); m++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("round-%s-%u.%s", wc->name, m, wc->extension);
      g_autofree char *path = g_build_filename (osp_test_tmpdir (), name, NULL);
      g_autoptr(OspMesh) back = NULL;
      OspMeshLoadInfo info = { 0 };
      OspMeshReport report;

      g_assert_true (osp_mesh_save (meshes[m], path, wc->format, &error));
      g_assert_no_error (error);
      back = load_ok (path, &info);
      g_assert_cmpint (info.format, ==, wc->read_as);
      g_assert_cmpuint (info.n_file_triangles, ==, osp_mesh_get_n_triangles (meshes[m]));
      /* Identical, bit for bit: %.9g round-trips every float, and welding numbers vertices in
       * the order the writers emit them. */
      g_assert_true (osp_mesh_equal (back, meshes[m]));
      osp_mesh_load_info_clear (&info);

      if (m == 0)
        {
          osp_mesh_report (back, &report);
          g_assert_cmpfloat (report.volume, ==, 8.0);
          g_assert_cmpfloat (report.area, ==, 24.0);
          g_assert_true (report.closed);
        }
    }
}

static void
test_ascii_binary_identical (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (20, 40, 20);
  g_autofree char *bin = g_build_filename (osp_test_tmpdir (), "same-bin.stl", NULL);
  g_autofree char *ascii = g_build_filename (osp_test_tmpdir (), "same-ascii", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) a = NULL;
  g_autoptr(OspMesh) b = NULL;
  OspMeshLoadInfo info = { 0 };

  g_assert_true (osp_mesh_save (sphere, bin, OSP_MESH_FORMAT_STL_BINARY, &error));
  /* No extension: the content says ASCII STL. */
  g_assert_true (osp_mesh_save (sphere, ascii, OSP_MESH_FORMAT_STL_ASCII, &error));
  a = load_ok (bin, NULL);
  b = load_ok (ascii, &info);
  g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_STL_ASCII);
  g_assert_true (osp_mesh_equal (a, b));
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (a), osp_mesh_get_volume (sphere), 1e-9);
  osp_mesh_load_info_clear (&info);
}

static void
test_save_atomic (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 1, 1);
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "atomic", NULL);
  g_autofree char *path = g_build_filename (dir, "box.stl", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "box.stl", NULL);
  g_autofree char *unknown = g_build_filename (dir, "box.xyz", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  guint n_files = 0;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (osp_mesh_save (box, path, OSP_MESH_FORMAT_UNKNOWN, &error));
  /* Over an existing file. */
  g_assert_true (osp_mesh_save (box, path, OSP_MESH_FORMAT_UNKNOWN, &error));
  g_assert_no_error (error);

  g_assert_false (osp_mesh_save (box, missing, OSP_MESH_FORMAT_UNKNOWN, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (osp_mesh_save (box, unknown, OSP_MESH_FORMAT_UNKNOWN, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, "box.xyz"));
  g_clear_error (&error);

  /* No temporary file is left behind. */
  listing = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (listing) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 1);
}

/* -- Detection ------------------------------------------------------------------------------ */

static void
test_detect (void)
{
  float soup[9] = { 0, 0, 0, 1, 0, 0, 0, 1, 0 };
  g_autoptr(GByteArray) solid_binary = binary_stl ("solid but binary", soup, 1, 1);
  g_autoptr(GByteArray) plain_binary = binary_stl ("COLOR=\xff\xff\xff\xff", soup, 1, 1);
  g_autoptr(GByteArray) wrong_count = binary_stl ("whatever", soup, 1, 7);
  const struct
  {
    const char    *text;
    OspMeshFormat  format;
  } texts[] = {
    { "solid x\nfacet normal 0 0 0\n", OSP_MESH_FORMAT_STL_ASCII },
    { "\xef\xbb\xbf  solid\r\n", OSP_MESH_FORMAT_STL_ASCII },
    { "SOLID\tname\n", OSP_MESH_FORMAT_STL_ASCII },
    { "\xef\xbb\xbfsolid x\n", OSP_MESH_FORMAT_STL_ASCII },
    { "# Blender\n# comment\n\nmtllib a.mtl\no Cube\nv 1 1 1\n", OSP_MESH_FORMAT_OBJ },
    { "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", OSP_MESH_FORMAT_OBJ },
    { "ply\nformat ascii 1.0\n", OSP_MESH_FORMAT_PLY_ASCII },
    { "ply\r\nformat binary_big_endian 1.0\r\n", OSP_MESH_FORMAT_PLY },
    { "ply \t\nformat ascii 1.0\n", OSP_MESH_FORMAT_PLY_ASCII },
    { "ply\rformat ascii 1.0\r", OSP_MESH_FORMAT_PLY_ASCII },
    { "plywood\n", OSP_MESH_FORMAT_UNKNOWN },
    { "# Mac\r# lines\rv 0 0 0\r", OSP_MESH_FORMAT_OBJ },
    { "PK\003\004", OSP_MESH_FORMAT_3MF },
    { "hello world\n", OSP_MESH_FORMAT_UNKNOWN },
    { "solidworks\n", OSP_MESH_FORMAT_UNKNOWN },
    { "# only a comment\n", OSP_MESH_FORMAT_UNKNOWN },
    { "", OSP_MESH_FORMAT_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      gsize len = strlen (texts[i].text);

      g_test_message ("case %u", i);
      g_assert_cmpint (osp_mesh_detect_format ((const guint8 *) texts[i].text, len, len), ==,
                       texts[i].format);
    }
  /* "solid" at the start of a binary header: the size decides. */
  g_assert_cmpint (osp_mesh_detect_format (solid_binary->data, solid_binary->len,
                                           solid_binary->len), ==, OSP_MESH_FORMAT_STL_BINARY);
  g_assert_cmpint (osp_mesh_detect_format (plain_binary->data, plain_binary->len,
                                           plain_binary->len), ==, OSP_MESH_FORMAT_STL_BINARY);
  g_assert_cmpint (osp_mesh_detect_format (wrong_count->data, wrong_count->len,
                                           wrong_count->len), ==, OSP_MESH_FORMAT_STL_BINARY);

  g_assert_cmpint (osp_mesh_format_from_extension ("/a/b.STL"), ==, OSP_MESH_FORMAT_STL_BINARY);
  g_assert_cmpint (osp_mesh_format_from_extension ("x.obj"), ==, OSP_MESH_FORMAT_OBJ);
  g_assert_cmpint (osp_mesh_format_from_extension ("x.ply"), ==, OSP_MESH_FORMAT_PLY);
  g_assert_cmpint (osp_mesh_format_from_extension ("x.3mf"), ==, OSP_MESH_FORMAT_3MF);
  g_assert_cmpint (osp_mesh_format_from_extension ("a.d/x"), ==, OSP_MESH_FORMAT_UNKNOWN);
  g_assert_cmpstr (osp_mesh_format_get_name (OSP_MESH_FORMAT_STL_ASCII), ==, "STL (ASCII)");
}

static void
test_binary_stl_solid_header (void)
{
  const float soup[18] = { 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 0, 0, 10, 0, 0, 0, 10 };
  g_autoptr(GByteArray) bytes = binary_stl ("solid trap", soup, 2, 2);
  g_autofree char *path = write_file ("solid-header.stl", bytes->data, bytes->len);
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };

  mesh = load_ok (path, &info);
  g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_STL_BINARY);
  g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 2);
  g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, 4);
  g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
}

/* A header that reads like the start of an ASCII STL, and a size that is not exactly that of
 * the triangles: still binary, by the bytes after the header. */
static void
test_binary_stl_ascii_like_header (void)
{
  const float soup[18] = { 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 0, 0, 10, 0, 0, 0, 10 };
  const char *header = "solid part\nfacet normal 0 0 1\n outer loop\n  vertex 0 0 0\n";

  /* Trailing bytes after a correct count: loaded, with a warning. */
  {
    g_autoptr(GByteArray) bytes = binary_stl (header, soup, 2, 2);
    g_autofree char *path = NULL;
    g_autoptr(OspMesh) mesh = NULL;
    OspMeshLoadInfo info = { 0 };

    g_byte_array_append (bytes, (const guint8 *) "\0\0\0", 3);
    path = write_file ("ascii-header-trailing.stl", bytes->data, bytes->len);
    mesh = load_ok (path, &info);
    g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_STL_BINARY);
    g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 2);
    g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, 4);
    g_assert_true (osp_test_has_warning (&info, "3 bytes after the 2 triangles"));
    g_assert_cmpuint (info.warnings->len, ==, 1);
    osp_mesh_load_info_clear (&info);
  }
  /* A count larger than the file: the binary reader's message, not an ASCII parse error. */
  {
    g_autoptr(GByteArray) bytes = binary_stl (header, soup, 2, 3);
    g_autofree char *path = write_file ("ascii-header-short.stl", bytes->data, bytes->len);
    g_autoptr(GError) error = NULL;
    g_autoptr(OspMesh) mesh = osp_mesh_load (path, NULL, NULL, &error);

    g_assert_null (mesh);
    g_assert_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED);
    g_assert_cmpstr (error->message, ==,
                     "ascii-header-short.stl: binary STL says 3 triangles but the file holds 2");
  }
}

/* -- ASCII STL ------------------------------------------------------------------------------ */

#define FACET(a, b, c) \
  "facet normal nan nan nan\n outer loop\n  vertex " a "\n  vertex " b "\n  vertex " c \
  "\n endloop\nendfacet\n"

typedef struct
{
  const char *name;
  const char *text;
  guint32     n_triangles;
  guint32     n_vertices;
  const char *warning;  /* a fragment, or NULL for none */
} AsciiStlCase;

static const AsciiStlCase ascii_stl_cases[] = {
  { "plain", "solid t\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid t\n", 1, 3, NULL },
  { "no-name", "solid\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid\n", 1, 3, NULL },
  { "crlf-tabs",
    "solid a b c\r\n\tfacet normal 0 0 1\r\n\t\touter loop\r\n\t\t\tvertex\t0 0 0\r\n"
    "\t\t\tvertex 1e1 0 0\r\n\t\t\tvertex 0 10.0 -0\r\n\t\tendloop\r\n\tendfacet\r\n"
    "endsolid a b c\r\n", 1, 3, NULL },
  { "name-mismatch", "solid one\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid two\n", 1, 3,
    NULL },
  { "several-solids",
    "solid a\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid a\n"
    "solid b\n" FACET ("0 0 0", "0 10 0", "0 0 10") FACET ("5 5 5", "6 5 5", "5 6 5")
    "endsolid\n", 3, 7, NULL },
  { "uppercase",
    "SOLID X\nFACET NORMAL 0 0 1\nOUTER LOOP\nVERTEX 0 0 0\nVERTEX 10 0 0\nVERTEX 0 10 0\n"
    "ENDLOOP\nENDFACET\nENDSOLID X\n", 1, 3, NULL },
  { "no-endsolid", "solid t\n" FACET ("0 0 0", "10 0 0", "0 10 0"), 1, 3, "endsolid" },
  { "junk-after", "solid t\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid t\n\0\0\0", 1, 3,
    "ignored" },
  { "nan-vertex",
    "solid t\n" FACET ("0 0 0", "10 0 0", "0 10 0") FACET ("nan 0 0", "10 0 0", "0 10 0")
    FACET ("0 0 0", "10 0 0", "0 inf 0") "endsolid t\n", 1, 3, "NaN" },
  { "one-line",
    "solid one facet normal 0 0 1 outer loop vertex 0 0 0 vertex 10 0 0 vertex 0 10 0 endloop "
    "endfacet facet normal 0 0 1 outer loop vertex 0 0 0 vertex 0 10 0 vertex 0 0 10 endloop "
    "endfacet endsolid one solid two endsolid two", 2, 4, NULL },
  { "normal-garbage", "solid t\nfacet normal -1.#QNAN 0 x\nouter loop\nvertex 0 0 0\n"
    "vertex 10 0 0\nvertex 0 10 0\nendloop\nendfacet\nendsolid\n", 1, 3, NULL },
  /* "solid" as a solid's name, after "endsolid" too: a name, not the start of the next. */
  { "named-solid",
    "solid Solid\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid Solid\n"
    "solid solid\n" FACET ("0 0 0", "0 10 0", "0 0 10") "endsolid solid\n", 2, 4, NULL },
  /* The next solid on the line of the last one's "endsolid". */
  { "solid-after-endsolid",
    "solid a\n" FACET ("0 0 0", "10 0 0", "0 10 0") "endsolid a solid b\n"
    FACET ("0 0 0", "0 10 0", "0 0 10") "endsolid b\n", 2, 4, NULL },
  { "one-line-named-solid",
    "solid a facet normal 0 0 1 outer loop vertex 0 0 0 vertex 10 0 0 vertex 0 10 0 endloop "
    "endfacet endsolid solid solid b facet normal 0 0 1 outer loop vertex 0 0 0 vertex 0 10 0 "
    "vertex 0 0 10 endloop endfacet endsolid b", 2, 4, NULL },
  { "exponents", "solid t\r\n  FACET NORMAL 0.0E+00 -1.0E+00 NaN\r\n    OUTER   LOOP\r\n"
    "      vertex 0.0E+00 0e0 -0.0e-5\r\n      vertex 1.0E+01 0 0\r\n"
    "      vertex 0 1.0e1 0\r\n    endloop\r\n  endfacet\r\nendsolid t\r\n", 1, 3, NULL },
  /* Lines that end with a carriage return alone (classic Mac OS). */
  { "mac-line-ends",
    "solid a\rfacet normal 0 0 1\router loop\rvertex 0 0 0\rvertex 10 0 0\rvertex 0 10 0\r"
    "endloop\rendfacet\rendsolid a\rsolid b\rfacet normal 0 0 1\router loop\rvertex 0 0 0\r"
    "vertex 0 10 0\rvertex 0 0 10\rendloop\rendfacet\rendsolid b\r", 2, 4, NULL },
};

static void
test_ascii_stl (gconstpointer data)
{
  const AsciiStlCase *tc = data;
  g_autofree char *name = g_strdup_printf ("ascii-%s", tc->name);
  g_autofree char *path = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };
  gsize len = strlen (tc->text);

  /* The junk case carries NUL bytes past its strlen. */
  if (strcmp (tc->name, "junk-after") == 0)
    len += 3;
  path = write_file (name, tc->text, len);
  mesh = load_ok (path, &info);
  g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_STL_ASCII);
  g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, tc->n_triangles);
  g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, tc->n_vertices);
  if (tc->warning != NULL)
    g_assert_true (osp_test_has_warning (&info, tc->warning));
  else
    g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
}

typedef struct
{
  const char *name;
  const char *text;
  int         code;
  const char *fragment;  /* expected in the message */
} BadCase;

static const BadCase bad_ascii_stl_cases[] = {
  { "four-vertices", "solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\n"
    "vertex 0 1 0\nvertex 1 1 0\nendloop\nendfacet\nendsolid\n", OSP_ERROR_CORRUPT,
    "line 2: a facet with 4 vertices" },
  { "two-vertices", "solid t\n\n" FACET ("0 0 0", "1 0 0", "0 1 0")
    "facet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\n",
    OSP_ERROR_CORRUPT, "line 10: a facet with 2 vertices" },
  { "bad-number", "solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1,5 0 0\n",
    OSP_ERROR_CORRUPT, "line 5: “1,5” is not a number" },
  { "short-vertex", "solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0\n", OSP_ERROR_CORRUPT,
    "line 4" },
  { "truncated", "solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\n",
    OSP_ERROR_TRUNCATED, "endloop" },
  { "no-outer", "solid t\nfacet normal 0 0 0\nvertex 0 0 0\n", OSP_ERROR_CORRUPT,
    "line 3: expected “outer”" },
  { "nul-inside", "solid t\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nver\001tex 1 0 0\n",
    OSP_ERROR_CORRUPT, "line 5" },
  { "empty-solid", "solid t\nendsolid t\n", OSP_ERROR_NO_SURFACE, "no surface" },
  { "all-nan", "solid t\n" FACET ("nan 0 0", "1 0 0", "0 1 0") "endsolid\n",
    OSP_ERROR_NO_SURFACE, "no surface" },
};

static void
check_bad_case (const BadCase *tc,
                const char    *extension)
{
  g_autofree char *name = g_strdup_printf ("bad-%s.%s", tc->name, extension);
  g_autofree char *path = write_text (name, tc->text);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = osp_mesh_load (path, NULL, NULL, &error);

  g_assert_null (mesh);
  g_assert_error (error, OSP_ERROR, tc->code);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, name));
  g_assert_nonnull (strstr (error->message, tc->fragment));
}

static void
test_bad_ascii_stl (gconstpointer data)
{
  check_bad_case (data, "stl");
}

/* -- Binary STL ----------------------------------------------------------------------------- */

static void
test_binary_stl_counts (void)
{
  const float soup[18] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 };
  g_autoptr(GError) error = NULL;

  /* Trailing bytes after a correct count: loaded, with a warning. */
  {
    g_autoptr(GByteArray) bytes = binary_stl ("x", soup, 2, 2);
    g_autofree char *path = NULL;
    g_autoptr(OspMesh) mesh = NULL;
    OspMeshLoadInfo info = { 0 };

    g_byte_array_append (bytes, (const guint8 *) "trailing", 8);
    path = write_file ("trailing.stl", bytes->data, bytes->len);
    mesh = load_ok (path, &info);
    g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 2);
    g_assert_true (osp_test_has_warning (&info, "8 bytes after the 2 triangles"));
    osp_mesh_load_info_clear (&info);
  }
  /* An absurd count. */
  {
    g_autoptr(GByteArray) bytes = binary_stl ("x", soup, 2, 4000000000u);
    g_autofree char *path = write_file ("absurd.stl", bytes->data, bytes->len);
    g_autoptr(OspMesh) mesh = osp_mesh_load (path, NULL, NULL, &error);

    g_assert_null (mesh);
    g_assert_error (error, OSP_ERROR, OSP_ERROR_TRUNCATED);
    g_assert_cmpstr (error->message, ==,
                     "absurd.stl: binary STL says 4000000000 triangles but the file holds 2");
    g_clear_error (&error);
  }
  /* Truncated: one record cut short. */
  {
    g_autoptr(GByteArray) bytes = binary_stl ("x", soup, 2, 2);
    g_autofree char *path = write_file ("truncated.stl", bytes->data, bytes->len - 7);

    load_fails (path, OSP_ERROR, OSP_ERROR_TRUNCATED);
  }
  /* Shorter than the header, and a header promising nothing. */
  {
    g_autoptr(GByteArray) bytes = binary_stl ("x", soup, 0, 0);
    g_autofree char *empty = write_file ("no-triangles.stl", bytes->data, bytes->len);
    g_autofree char *tiny = write_file ("tiny.stl", "\x01\x02\x03", 3);
    g_autofree char *zero = write_file ("zero.stl", "", 0);

    load_fails (empty, OSP_ERROR, OSP_ERROR_NO_SURFACE);
    load_fails (tiny, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT);
    load_fails (zero, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT);
  }
  /* A count never written back (0): the records that fill the file are read, with a warning. */
  {
    g_autoptr(GByteArray) bytes = binary_stl ("x", soup, 2, 0);
    g_autofree char *path = write_file ("count-zero.stl", bytes->data, bytes->len);
    g_autoptr(OspMesh) mesh = NULL;
    OspMeshLoadInfo info = { 0 };

    mesh = load_ok (path, &info);
    g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 2);
    g_assert_true (osp_test_has_warning (&info, "header says 0 triangles"));
    osp_mesh_load_info_clear (&info);
  }
  /* NaN and infinite coordinates: those triangles are left out, with a warning. */
  {
    const float bad[27] = { 0, 0, 0, 1, 0, 0, 0, 1, 0,
                            NAN, 0, 0, 1, 0, 0, 0, 1, 0,
                            0, 0, 0, INFINITY, 0, 0, 0, 1, 0 };
    g_autoptr(GByteArray) bytes = binary_stl ("x", bad, 3, 3);
    g_autofree char *path = write_file ("nan.stl", bytes->data, bytes->len);
    g_autoptr(OspMesh) mesh = NULL;
    OspMeshLoadInfo info = { 0 };

    mesh = load_ok (path, &info);
    g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 1);
    g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, 3);
    g_assert_cmpuint (info.n_file_triangles, ==, 3);
    g_assert_true (osp_test_has_warning (&info, "2 triangles with NaN or infinite"));
    osp_mesh_load_info_clear (&info);
  }
}

static void
test_plausibility (void)
{
  const float metres[9] = { 0, 0, 0, 0.1f, 0, 0, 0, 0.1f, 0 };
  const float far[9] = { 0, 0, 0, 9000, 0, 0, 0, 1, 0 };
  const float fine[9] = { 0, 0, 0, 100, 0, 0, 0, 100, 0 };
  const struct
  {
    const float *soup;
    const char  *warning;
  } cases[] = {
    { metres, "probably in metres" },
    { far, "9000 mm from the origin" },
    { fine, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) bytes = binary_stl ("x", cases[i].soup, 1, 1);
      g_autofree char *name = g_strdup_printf ("plausible-%u.stl", i);
      g_autofree char *path = write_file (name, bytes->data, bytes->len);
      g_autoptr(OspMesh) mesh = NULL;
      OspMeshLoadInfo info = { 0 };

      mesh = load_ok (path, &info);
      if (cases[i].warning != NULL)
        g_assert_true (osp_test_has_warning (&info, cases[i].warning));
      else
        g_assert_null (info.warnings);
      osp_mesh_load_info_clear (&info);
    }
}

/* -- OBJ ------------------------------------------------------------------------------------ */

static void
test_obj_forms (void)
{
  /* A cube of side 10 as quads in every index form, with everything that is ignored. */
  const char *text =
    "# cube\nmtllib cube.mtl\no Cube\ng side\ns off\nusemtl bone\n"
    "v 0 0 0\nv 10 0 0\nv 10 10 0\nv 0 10 0\nv 0 0 10\nv 10 0 10\nv 10 10 10\n"
    "v 0 10 10 1.0\n"
    "vt 0 0\nvt 1 0\nvn 0 0 1\nvp 0.5\n"
    "f 1 4 3 2\n"
    "f 5/1 6/2 7/1 8/2\n"
    "f 1//1 2//1 6//1 5//1\n"
    "f -6/1/1 -5/2/1 -1/1/1 -2/2/1\n"   /* 3 4 8 7 */
    "f 4 1 5 8\n"
    "f 2 3 7 6 # right\n"
    "l 1 2\np 3\n";
  g_autofree char *path = write_text ("cube.obj", text);
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };
  OspMeshReport report;

  mesh = load_ok (path, &info);
  g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_OBJ);
  osp_mesh_report (mesh, &report);
  g_assert_cmpuint (report.n_triangles, ==, 12);
  g_assert_cmpuint (report.n_vertices, ==, 8);
  g_assert_cmpfloat (report.volume, ==, 1000.0);
  g_assert_cmpfloat (report.area, ==, 600.0);
  g_assert_true (report.closed);
  g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
}

/* A backslash at the end of a line joins the next to it, in any statement but a comment. */
static void
test_obj_continuation (void)
{
  const char *text =
    "v 0 0 0\nv 10 0 0\nv 10 10 0\nv 0 10 0\nv 0 0 \\\r\n  10\r\nv 10 0 10\n"
    "v \\\n10 10 10 1.0 \\\n\nv 0 10 10\n"
    "vt 0 \\\n 1\n"                  /* an ignored statement: its "1" is no statement */
    "f 1 4 \\\n 3 2\n"               /* a backslash on its own */
    "f 5 6 7\\\n8\n"                 /* glued to the index */
    "# a comment \\\nf 1 2 6 5\n"     /* a comment ends with its line */
    "f 3 4 8 7 # right \\\nf 2 3 7 6\n"
    "f 4 \\\n\t1 \\\n 5 \\\n 8";    /* continued to the end of the file */
  g_autofree char *mac = g_malloc (strlen (text) + 1);
  char *paths[2];
  gsize n = 0;

  /* The same with a carriage return alone at every line end (classic Mac OS). */
  for (const char *c = text; *c != '\0'; c++)
    if (*c != '\r')
      mac[n++] = *c == '\n' ? '\r' : *c;
  mac[n] = '\0';
  paths[0] = write_text ("continuation.obj", text);
  paths[1] = write_text ("continuation-mac.obj", mac);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(OspMesh) mesh = NULL;
      OspMeshLoadInfo info = { 0 };
      OspMeshReport report;

      mesh = load_ok (paths[i], &info);
      g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_OBJ);
      osp_mesh_report (mesh, &report);
      g_assert_cmpuint (report.n_triangles, ==, 12);
      g_assert_cmpuint (report.n_vertices, ==, 8);
      g_assert_cmpfloat (report.volume, ==, 1000.0);
      g_assert_true (report.closed);
      g_assert_null (info.warnings);
      osp_mesh_load_info_clear (&info);
    }
  g_free (paths[0]);
  g_free (paths[1]);
}

typedef struct
{
  const char *name;
  const char *face;   /* an OBJ fragment: vertices and one face */
  double      area;
  guint32     n_triangles;
} PolygonCase;

static const PolygonCase polygon_cases[] = {
  /* An L: a fan from its first corner would cover the notch. */
  { "concave-l", "v 0 0 0\nv 2 0 0\nv 2 1 0\nv 1 1 0\nv 1 2 0\nv 0 2 0\nf 3 4 5 6 1 2\n", 3.0,
    4 },
  /* An arrow head with its reflex corner first. */
  { "arrow", "v 1 1 0\nv 0 3 0\nv 1 0 0\nv 2 3 0\nf 1 2 3 4\n", 1.0, 2 },
  /* A comb, concave in three places, in a tilted plane. */
  { "comb", "v 0 0 0\nv 5 0 5\nv 5 2 5\nv 4 2 4\nv 4 1 4\nv 3 1 3\nv 3 2 3\nv 2 2 2\nv 2 1 2\n"
    "v 1 1 1\nv 1 2 1\nv 0 2 0\nf 1 2 3 4 5 6 7 8 9 10 11 12\n", 8.0 * G_SQRT2, 10 },
  /* Collinear corners along the edges of a square. */
  { "collinear", "v 0 0 0\nv 1 0 0\nv 2 0 0\nv 2 1 0\nv 2 2 0\nv 1 2 0\nv 0 2 0\nv 0 1 0\n"
    "f 1 2 3 4 5 6 7 8\n", 4.0, 6 },
  /* A corner repeated (by index and by position). */
  { "duplicates", "v 0 0 0\nv 1 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4 4 5\n", 1.0, 0 },
  /* Clockwise seen from +z: the winding of the file is kept. */
  { "clockwise", "v 0 0 0\nv 0 1 0\nv 1 1 0\nv 1 0 0\nf 1 2 3 4\n", 1.0, 2 },
};

static void
test_obj_polygon (gconstpointer data)
{
  const PolygonCase *tc = data;
  g_autofree char *name = g_strdup_printf ("polygon-%s.obj", tc->name);
  g_autofree char *path = write_text (name, tc->face);
  g_autoptr(OspMesh) mesh = load_ok (path, NULL);
  g_autofree float *normals = osp_mesh_compute_face_normals (mesh);
  guint32 n = osp_mesh_get_n_triangles (mesh);
  guint32 n_flat = 0;

  /* (0: the count depends on which slivers of repeated corners are dropped.) */
  if (tc->n_triangles != 0)
    g_assert_cmpuint (n, ==, tc->n_triangles);
  /* No overlaps and no holes: the triangles' areas add up to the polygon's. */
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_area (mesh), tc->area, 1e-6);
  /* All facing the same way (zero-area slivers aside). */
  for (guint32 t = 0; t < n; t++)
    {
      const float *a = normals, *b = normals + 3 * t;

      if (b[0] == 0 && b[1] == 0 && b[2] == 0)
        {
          n_flat++;
          continue;
        }
      g_assert_cmpfloat (a[0] * b[0] + a[1] * b[1] + a[2] * b[2], >, 0.99);
    }
  g_assert_cmpuint (n_flat, <, n);
}

/* Huge and tangled polygons: triangulated (fanned where ear clipping would take too long),
 * never a hang. */
static void
test_obj_big_polygons (void)
{
  const guint32 sizes[] = { 5000, 3001 };
  const guint32 steps[] = { 1, 1499 };  /* a circle; a star polygon {3001/1499} */

  for (guint c = 0; c < G_N_ELEMENTS (sizes); c++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autofree char *name = g_strdup_printf ("big-polygon-%u.obj", c);
      g_autofree char *path = NULL;
      g_autoptr(OspMesh) mesh = NULL;
      OspMeshLoadInfo info = { 0 };
      guint32 n = sizes[c];

      for (guint32 k = 0; k < n; k++)
        {
          double a = 2 * G_PI * ((guint64) k * steps[c] % n) / n;
          char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (text, "v %s %s 0\n",
                                  g_ascii_dtostr (x, sizeof x, 100 * cos (a)),
                                  g_ascii_dtostr (y, sizeof y, 100 * sin (a)));
        }
      g_string_append (text, "f");
      for (guint32 k = 1; k <= n; k++)
        g_string_append_printf (text, " %u", k);
      g_string_append (text, "\n");
      path = write_file (name, text->str, text->len);
      mesh = load_ok (path, &info);
      g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, n - 2);
      if (c == 0)
        {
          g_assert_true (osp_test_has_warning (&info, "split as fans"));
          g_assert_cmpfloat_with_epsilon (osp_mesh_get_area (mesh), G_PI * 1e4, 1.0);
        }
      osp_mesh_load_info_clear (&info);
    }
}

static const BadCase bad_obj_cases[] = {
  { "out-of-range", "v 0 0 0\nv 1 0 0\nv 0 1 0\n\nf 1 2 4\n", OSP_ERROR_CORRUPT,
    "line 5: vertex index 4 is out of range" },
  { "huge-index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 1099511627776\n", OSP_ERROR_CORRUPT,
    "line 4: vertex index 1099511627776 is out of range" },
  { "negative-out", "v 0 0 0\nv 1 0 0\nf -1 -2 -3\n", OSP_ERROR_CORRUPT, "line 3" },
  { "zero-index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", OSP_ERROR_CORRUPT,
    "line 4: “0” is not a vertex index" },
  { "no-faces", "# nothing\nv 0 0 0\nv 1 0 0\nl 1 2\n", OSP_ERROR_NO_SURFACE, "no surface" },
  { "bad-number", "v 0 0 0\nv 1 0 zero\n", OSP_ERROR_CORRUPT, "line 2: “zero” is not a number" },
  { "short-vertex", "v 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", OSP_ERROR_CORRUPT,
    "line 1: a vertex needs three coordinates" },
  { "garbage-index", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 x/3\n", OSP_ERROR_CORRUPT, "line 4" },
  /* A statement continued over lines: the line it starts on. */
  { "continued-out-of-range", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 \\\n 2 \\\n 9\nf 1 2 3\n",
    OSP_ERROR_CORRUPT, "line 4: vertex index 9 is out of range" },
  { "backslash-inside", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\\3\n", OSP_ERROR_CORRUPT,
    "line 4: “2\\3” is not a vertex index" },
};

static void
test_bad_obj (gconstpointer data)
{
  check_bad_case (data, "obj");
}

/* -- PLY ------------------------------------------------------------------------------------ */

typedef struct
{
  const char *name;   /* PLY type name */
  guint       size;
  gboolean    integer;
  gboolean    is_signed;
} PlyTypeCase;

static const PlyTypeCase ply_types[] = {
  { "char", 1, TRUE, TRUE }, { "uchar", 1, TRUE, FALSE }, { "short", 2, TRUE, TRUE },
  { "ushort", 2, TRUE, FALSE }, { "int", 4, TRUE, TRUE }, { "uint", 4, TRUE, FALSE },
  { "float", 4, FALSE, TRUE }, { "double", 8, FALSE, TRUE }, { "int8", 1, TRUE, TRUE },
  { "uint8", 1, TRUE, FALSE }, { "int16", 2, TRUE, TRUE }, { "uint16", 2, TRUE, FALSE },
  { "int32", 4, TRUE, TRUE }, { "uint32", 4, TRUE, FALSE }, { "float32", 4, FALSE, TRUE },
  { "float64", 8, FALSE, TRUE },
};

/* Appends a value of the type in the encoding (0 ascii, 1 little, 2 big endian). */
static void
put_value (GByteArray        *out,
           const PlyTypeCase *type,
           double             value,
           int                encoding)
{
  guint8 bytes[8];

  if (encoding == 0)
    {
      char text[G_ASCII_DTOSTR_BUF_SIZE + 1];

      g_ascii_dtostr (text, sizeof text - 1, value);
      strcat (text, " ");
      g_byte_array_append (out, (const guint8 *) text, strlen (text));
      return;
    }
  if (!type->integer && type->size == 4)
    {
      float f = (float) value;

      memcpy (bytes, &f, 4);
    }
  else if (!type->integer)
    memcpy (bytes, &value, 8);
  else
    {
      gint64 i = (gint64) value;
      guint64 u = (guint64) i;

      for (guint b = 0; b < type->size; b++)
        bytes[G_BYTE_ORDER == G_LITTLE_ENDIAN ? b : type->size - 1 - b] = (guint8) (u >> (8 * b));
    }
  if ((encoding == 2) == (G_BYTE_ORDER == G_LITTLE_ENDIAN))
    for (guint i = 0; i < type->size / 2; i++)
      {
        guint8 tmp = bytes[i];

        bytes[i] = bytes[type->size - 1 - i];
        bytes[type->size - 1 - i] = tmp;
      }
  g_byte_array_append (out, bytes, type->size);
}

/* A cube of side 2 as 6 quads, coordinates of type vt, list count type ct, index type it, with
 * extra properties and an extra element to skip. */
static GByteArray *
ply_cube (int                encoding,
          const PlyTypeCase *vt,
          const PlyTypeCase *ct,
          const PlyTypeCase *it)
{
  static const char *const encodings[] = { "ascii", "binary_little_endian", "binary_big_endian" };
  static const int corners[8][3] = { { 0, 0, 0 }, { 2, 0, 0 }, { 2, 2, 0 }, { 0, 2, 0 },
                                     { 0, 0, 2 }, { 2, 0, 2 }, { 2, 2, 2 }, { 0, 2, 2 } };
  static const int quads[6][4] = { { 0, 3, 2, 1 }, { 4, 5, 6, 7 }, { 0, 1, 5, 4 },
                                   { 2, 3, 7, 6 }, { 1, 2, 6, 5 }, { 3, 0, 4, 7 } };
  const PlyTypeCase *uchar = &ply_types[1], *flt = &ply_types[6];
  GByteArray *out = g_byte_array_new ();
  g_autofree char *header =
    g_strdup_printf ("ply\nformat %s 1.0\ncomment a cube\nobj_info test\n"
                     "element material 2\nproperty uchar red\nproperty list uchar float weights\n"
                     "element vertex 8\nproperty %s x\nproperty float nx\nproperty %s y\n"
                     "property %s z\nproperty uchar alpha\n"
                     "element face 6\nproperty list uchar float texcoord\n"
                     "property list %s %s vertex_indices\nproperty int flags\n"
                     "element edge 1\nproperty int vertex1\nproperty int vertex2\nend_header\n",
                     encodings[encoding], vt->name, vt->name, vt->name, ct->name, it->name);

  g_byte_array_append (out, (const guint8 *) header, strlen (header));
  for (guint m = 0; m < 2; m++)
    {
      put_value (out, uchar, 200, encoding);
      put_value (out, uchar, 2, encoding);
      put_value (out, flt, 0.5, encoding);
      put_value (out, flt, 0.25, encoding);
      if (encoding == 0)
        g_byte_array_append (out, (const guint8 *) "\n", 1);
    }
  for (guint v = 0; v < 8; v++)
    {
      put_value (out, vt, corners[v][0], encoding);
      put_value (out, flt, -1, encoding);
      put_value (out, vt, corners[v][1], encoding);
      put_value (out, vt, corners[v][2], encoding);
      put_value (out, uchar, 255, encoding);
      if (encoding == 0)
        g_byte_array_append (out, (const guint8 *) "\r\n", 2);
    }
  for (guint f = 0; f < 6; f++)
    {
      put_value (out, uchar, 1, encoding);
      put_value (out, flt, 0.5, encoding);
      put_value (out, ct, 4, encoding);
      for (guint k = 0; k < 4; k++)
        put_value (out, it, quads[f][k], encoding);
      put_value (out, &ply_types[4], -7, encoding);
      if (encoding == 0)
        g_byte_array_append (out, (const guint8 *) "\n", 1);
    }
  put_value (out, &ply_types[4], 0, encoding);
  put_value (out, &ply_types[4], 1, encoding);
  return out;
}

static void
test_ply_types (void)
{
  for (int encoding = 0; encoding < 3; encoding++)
    for (guint v = 0; v < G_N_ELEMENTS (ply_types); v++)
      {
        /* Counts and indices: every integer type, paired round-robin. */
        const PlyTypeCase *ct = &ply_types[(v * 3) % G_N_ELEMENTS (ply_types)];
        const PlyTypeCase *it = &ply_types[(v * 5 + 1) % G_N_ELEMENTS (ply_types)];
        g_autoptr(GByteArray) bytes = NULL;
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        g_autoptr(OspMesh) mesh = NULL;
        OspMeshLoadInfo info = { 0 };
        OspMeshReport report;

        if (!ct->integer)
          ct = &ply_types[1];
        if (!it->integer)
          it = &ply_types[5];
        bytes = ply_cube (encoding, &ply_types[v], ct, it);
        name = g_strdup_printf ("cube-%d-%s-%s-%s.ply", encoding, ply_types[v].name, ct->name,
                                it->name);
        path = write_file (name, bytes->data, bytes->len);
        g_test_message ("%s", name);
        mesh = load_ok (path, &info);
        g_assert_cmpint (info.format, ==, encoding == 0 ? OSP_MESH_FORMAT_PLY_ASCII
                                                        : OSP_MESH_FORMAT_PLY);
        osp_mesh_report (mesh, &report);
        g_assert_cmpuint (report.n_triangles, ==, 12);
        g_assert_cmpuint (report.n_vertices, ==, 8);
        g_assert_cmpfloat (report.volume, ==, 8.0);
        g_assert_cmpfloat (report.area, ==, 24.0);
        g_assert_true (report.closed);
        /* Only that a cube of 2 mm is suspiciously small. */
        g_assert_true (osp_test_has_warning (&info, "metres"));
        g_assert_cmpuint (info.warnings->len, ==, 1);
        osp_mesh_load_info_clear (&info);
      }
}

/* Headers as real writers have them: blanks after "ply", line ends of every kind (a carriage
 * return alone, with a binary body that starts with a line feed byte), an index list of
 * another name, triangle strips. */
static void
test_ply_variants (void)
{
  /* A triangle of 10 mm; the first coordinate, 10, is a line feed byte in a binary body. */
  static const guint8 body[] = { 10, 0, 0, 0, 10, 0, 0, 0, 0, 3, 0, 1, 2 };
  const char *binary_header[] = { "ply", "format binary_little_endian 1.0", "element vertex 3",
                                  "property uchar x", "property uchar y", "property uchar z",
                                  "element face 1",
                                  "property list uchar uchar vertex_indices", "end_header",
                                  "", NULL };
  const char *ascii_triangle = "ply \r\nformat ascii 1.0\r\nelement vertex 3\r\n"
                               "property float x\r\nproperty float y\r\nproperty float z\r\n"
                               "element face 1\r\nproperty list uchar float texcoord\r\n"
                               "property list uchar int indices\r\nproperty uchar flags\r\n"
                               "end_header\r\n10 0 0\r\n0 10 0\r\n0 0 0\r\n"
                               "2 0.5 0.5 3 0 1 2 7\r\n";
  /* A cube of side 10 as strips: the four walls, then bottom and top after -1 restarts. */
  const char *strips = "ply\nformat ascii 1.0\nelement vertex 8\nproperty float x\n"
                       "property float y\nproperty float z\nelement tristrips 1\n"
                       "property list int int vertex_indices\nend_header\n"
                       "0 0 0\n10 0 0\n10 10 0\n0 10 0\n0 0 10\n10 0 10\n10 10 10\n0 10 10\n"
                       "20 4 0 5 1 6 2 7 3 4 0 -1 0 3 1 2 -1 4 5 7 6\n";
  /* Strips beside faces are read past. */
  const char *strips_and_faces = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
                                 "property float y\nproperty float z\nelement tristrips 1\n"
                                 "property list int int vertex_indices\nelement face 1\n"
                                 "property list uchar int vertex_indices\nend_header\n"
                                 "10 0 0\n0 10 0\n0 0 0\n5 0 1 2 1 0\n3 0 1 2\n";
  const char *line_ends[] = { "\n", "\r\n", "\r" };

  for (guint i = 0; i < G_N_ELEMENTS (line_ends); i++)
    {
      const char *e = line_ends[i];
      g_autofree char *header = g_strjoinv (e, (char **) binary_header);
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autofree char *name = g_strdup_printf ("line-ends-%u.ply", i);
      g_autofree char *path = NULL;
      g_autoptr(OspMesh) mesh = NULL;
      OspMeshLoadInfo info = { 0 };

      g_byte_array_append (bytes, (const guint8 *) header, strlen (header));
      g_byte_array_append (bytes, body, sizeof body);
      path = write_file (name, bytes->data, bytes->len);
      mesh = load_ok (path, &info);
      g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_PLY);
      g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 1);
      g_assert_cmpfloat (osp_mesh_get_area (mesh), ==, 50.0);
      g_assert_null (info.warnings);
      osp_mesh_load_info_clear (&info);
    }
  {
    g_autofree char *path = write_text ("ascii-variant.ply", ascii_triangle);
    g_autofree char *mac = g_strdup (ascii_triangle);
    g_autofree char *mac_path = NULL;
    g_autoptr(OspMesh) mesh = NULL;
    g_autoptr(OspMesh) mac_mesh = NULL;

    mesh = load_ok (path, NULL);
    g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 1);
    g_assert_cmpfloat (osp_mesh_get_area (mesh), ==, 50.0);
    /* The same with carriage returns alone ("\r\r" is an empty line in it). */
    g_strdelimit (mac, "\n", '\r');
    mac_path = write_text ("ascii-variant-mac.ply", mac);
    mac_mesh = load_ok (mac_path, NULL);
    g_assert_true (osp_mesh_equal (mesh, mac_mesh));
  }
  {
    g_autofree char *path = write_text ("strips.ply", strips);
    g_autoptr(OspMesh) mesh = load_ok (path, NULL);
    OspMeshReport report;

    osp_mesh_report (mesh, &report);
    g_assert_cmpuint (report.n_triangles, ==, 12);
    g_assert_cmpuint (report.n_vertices, ==, 8);
    g_assert_cmpfloat (report.volume, ==, 1000.0);
    g_assert_true (report.closed);
  }
  {
    g_autofree char *path = write_text ("strips-and-faces.ply", strips_and_faces);
    g_autoptr(OspMesh) mesh = load_ok (path, NULL);

    g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 1);
  }
}

static const BadCase bad_ply_cases[] = {
  { "no-end-header", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n",
    OSP_ERROR_TRUNCATED, "end_header" },
  { "no-format", "ply\nelement vertex 0\nend_header\n", OSP_ERROR_CORRUPT, "format" },
  { "bad-format", "ply\nformat binary_middle_endian 1.0\nend_header\n", OSP_ERROR_CORRUPT,
    "line 2: unknown format" },
  { "bad-type", "ply\nformat ascii 1.0\nelement vertex 1\nproperty float128 x\nend_header\n",
    OSP_ERROR_CORRUPT, "line 4: unknown type “float128”" },
  { "orphan-property", "ply\nformat ascii 1.0\nproperty float x\nend_header\n",
    OSP_ERROR_CORRUPT, "line 3" },
  { "bad-count", "ply\nformat ascii 1.0\nelement vertex many\nend_header\n", OSP_ERROR_CORRUPT,
    "line 3" },
  { "float-list-count", "ply\nformat ascii 1.0\nelement face 1\n"
    "property list float int vertex_indices\nend_header\n", OSP_ERROR_CORRUPT, "line 4" },
  /* An unknown header line is skipped with a warning (Blender 2.4x): here nothing is left. */
  { "unknown-keyword", "ply\nformat ascii 1.0\nelemnt vertex 1\nend_header\n",
    OSP_ERROR_NO_SURFACE, "no faces" },
  { "promises-2^31-faces", "ply\nformat ascii 1.0\nelement vertex 3\n"
    "property float x\nproperty float y\nproperty float z\nelement face 2147483648\n"
    "property list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n",
    OSP_ERROR_TRUNCATED,
    "promises 2147483648 face" },
  { "promises-vertices", "ply\nformat ascii 1.0\nelement vertex 1000\nproperty float x\n"
    "property float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\n"
    "end_header\n0 0 0\n", OSP_ERROR_TRUNCATED, "promises 1000 vertex" },
  { "index-out-of-range", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
    "property float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\n"
    "end_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n", OSP_ERROR_CORRUPT, "vertex index 3" },
  { "negative-index", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
    "property float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\n"
    "end_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 -1\n", OSP_ERROR_CORRUPT, "vertex index -1" },
  { "huge-list", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
    "property float y\nproperty float z\nelement face 1\nproperty list uint int vertex_indices\n"
    "end_header\n0 0 0\n1 0 0\n0 1 0\n4000000000 0 1 2\n", OSP_ERROR_TRUNCATED,
    "a list of 4000000000 values" },
  { "no-faces", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
    "property float y\nproperty float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n",
    OSP_ERROR_NO_SURFACE, "no surface" },
  { "no-xyz", "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n"
    "element face 1\nproperty list uchar int vertex_indices\nend_header\n0\n3 0 0 0\n",
    OSP_ERROR_CORRUPT, "x, y and z" },
  { "ascii-garbage", "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"
    "property float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\n"
    "end_header\n0 0 0\n1 zero 0\n0 1 0\n3 0 1 2\n", OSP_ERROR_CORRUPT, "line 11: “zero”" },
};

static void
test_bad_ply (gconstpointer data)
{
  check_bad_case (data, "ply");
}

static void
test_ply_binary_truncated (void)
{
  g_autoptr(GByteArray) bytes = ply_cube (1, &ply_types[6], &ply_types[1], &ply_types[4]);

  /* Cut anywhere in the body: always a clean error. */
  for (guint cut = 1; cut < 120; cut += 7)
    {
      g_autofree char *name = g_strdup_printf ("cut-%u.ply", cut);
      g_autofree char *path = write_file (name, bytes->data, bytes->len - cut);

      load_fails (path, OSP_ERROR, OSP_ERROR_TRUNCATED);
    }
}

/* -- Hostile files -------------------------------------------------------------------------- */

static void
test_hostile (void)
{
  /* A 100 MB line: read in one linear pass, refused with a message. */
  {
    gsize len = 100u << 20;
    g_autofree char *text = g_malloc (len);
    g_autofree char *path = NULL;

    const char *stl_head = "solid x\nfacet normal 0 0 0\nouter loop\nvertex 1 2 ";
    const char *obj_head = "v 1 2 3\nf 1 1 ";

    memcpy (text, stl_head, strlen (stl_head));
    memset (text + strlen (stl_head), '7', len - strlen (stl_head));
    path = write_file ("long-line.stl", text, len);
    load_fails (path, OSP_ERROR, OSP_ERROR_CORRUPT);
    memcpy (text, obj_head, strlen (obj_head));
    memset (text + strlen (obj_head), '1', len - strlen (obj_head));
    g_free (path);
    path = write_file ("long-line.obj", text, len);
    load_fails (path, OSP_ERROR, OSP_ERROR_CORRUPT);
  }
  /* NUL bytes. */
  {
    char zeros[1000] = { 0 };
    g_autofree char *all = write_file ("zeros.stl", zeros, sizeof zeros);
    const char nul_obj[] = "v 0 0 0\nv 1 0\0 0\nf 1 2 3\n";
    g_autofree char *obj = write_file ("nul.obj", nul_obj, sizeof nul_obj - 1);
    g_autofree char *few = write_file ("nul-few", zeros, 40);
    g_autoptr(GString) later = g_string_new (NULL);
    g_autofree char *later_path = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(OspMesh) mesh = NULL;

    load_fails (all, OSP_ERROR, OSP_ERROR_NO_SURFACE);
    /* Binary bytes at the start: not a format at all. */
    load_fails (obj, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT);
    /* Further on: a parse error on its line. */
    for (guint i = 0; i < 100; i++)
      g_string_append (later, "v 0 0 0\n");
    g_string_append_len (later, nul_obj, sizeof nul_obj - 1);
    later_path = write_file ("nul-later.obj", later->str, later->len);
    mesh = osp_mesh_load (later_path, NULL, NULL, &error);
    g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "nul-later.obj: line 102"));
    load_fails (few, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT);
  }
  /* A folder (“is a folder”), not there. */
  {
    g_autofree char *missing = g_build_filename (osp_test_tmpdir (), "missing.stl", NULL);

    load_fails (osp_test_tmpdir (), G_FILE_ERROR, G_FILE_ERROR_ISDIR);
    load_fails (missing, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
  /* Random bytes, and random bytes behind each header: no crash, no hang. */
  {
    const char *headers[] = { "", "solid x\n", "ply\nformat binary_little_endian 1.0\n"
                              "element vertex 4\nproperty float x\nproperty float y\n"
                              "property float z\nelement face 4\n"
                              "property list uchar int vertex_indices\nend_header\n",
                              "v 1 2 3\nf " };
    GRand *rand = g_rand_new_with_seed (42);

    for (guint i = 0; i < 200; i++)
      {
        const char *header = headers[i % G_N_ELEMENTS (headers)];
        gsize hlen = strlen (header), len = hlen + g_rand_int_range (rand, 0, 400);
        g_autofree guint8 *bytes = g_malloc (len + 1);
        g_autoptr(GError) error = NULL;
        g_autoptr(OspMesh) mesh = NULL;

        memcpy (bytes, header, hlen);
        for (gsize b = hlen; b < len; b++)
          bytes[b] = (guint8) g_rand_int (rand);
        mesh = osp_mesh_load_from_data (bytes, len, "random", NULL, NULL, &error);
        g_assert_true ((mesh == NULL) != (error == NULL));
        if (error != NULL)
          g_assert_true (g_str_has_prefix (error->message, "random"));
      }
    g_rand_free (rand);
  }
}

static void
test_cancel (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;

  for (guint i = 0; i < 70000; i++)
    g_string_append (text, "v 0 0 0\n");
  g_string_append (text, "f 1 2 3\n");
  g_cancellable_cancel (cancellable);
  mesh = osp_mesh_load_from_data ((const guint8 *) text->str, text->len, "big.obj", NULL,
                                  cancellable, &error);
  g_assert_null (mesh);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
record_progress (double   fraction,
                 gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, fraction);
}

static void
test_progress (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  OspProgressRange progress = { record_progress, fractions, 0.0, 1.0 };
  g_autoptr(OspMesh) torus0 = osp_test_make_torus (30, 10, 700, 350);
  g_autofree char *stl = g_build_filename (osp_test_tmpdir (), "progress.stl", NULL);
  g_autofree char *obj = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 140000; i++)
    g_string_append (text, "v 0 0 0\nv 10 0 0\nv 0 10 0\nf -3 -2 -1\n");
  obj = write_file ("progress.obj", text->str, text->len);
  g_assert_true (osp_mesh_save (torus0, stl, OSP_MESH_FORMAT_STL_BINARY, &error));

  for (guint f = 0; f < 2; f++)
    {
      g_autoptr(OspMesh) mesh = NULL;

      g_array_set_size (fractions, 0);
      mesh = osp_mesh_load_full (f == 0 ? obj : stl, NULL, &progress, NULL, &error);
      g_assert_no_error (error);
      /* Some steps between, never backwards, ending at 1. */
      g_assert_cmpuint (fractions->len, >, 2);
      for (guint i = 1; i < fractions->len; i++)
        g_assert_cmpfloat (g_array_index (fractions, double, i), >=,
                           g_array_index (fractions, double, i - 1));
      g_assert_cmpfloat (g_array_index (fractions, double, fractions->len - 1), ==, 1.0);
    }
}

/* -- Welding -------------------------------------------------------------------------------- */

/* The welded mesh of a big soup (two threads) equals a plain reference weld. */
static void
test_weld_matches_reference (void)
{
  const guint32 n = 150000;
  g_autofree float *soup = g_new (float, (gsize) n * 9);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                      (GDestroyNotify) g_bytes_unref, NULL);
  g_autofree guint32 *expected = g_new (guint32, (gsize) n * 3);
  g_autoptr(OspMesh) mesh = NULL;
  GRand *rand = g_rand_new_with_seed (7);
  guint32 n_vertices = 0;

  /* Corners drawn from a small grid, so that both halves share many vertices. */
  for (gsize i = 0; i < (gsize) n * 9; i++)
    soup[i] = (float) g_rand_int_range (rand, -20, 20) * 0.5f;
  g_rand_free (rand);
  for (gsize c = 0; c < (gsize) n * 3; c++)
    {
      float key[3];
      g_autoptr(GBytes) bytes = NULL;
      gpointer value;

      for (guint i = 0; i < 3; i++)
        key[i] = soup[3 * c + i] == 0.0f ? 0.0f : soup[3 * c + i];
      bytes = g_bytes_new (key, sizeof key);
      if (g_hash_table_lookup_extended (seen, bytes, NULL, &value))
        expected[c] = GPOINTER_TO_UINT (value);
      else
        {
          g_hash_table_insert (seen, g_bytes_ref (bytes), GUINT_TO_POINTER (n_vertices));
          expected[c] = n_vertices++;
        }
    }

  mesh = osp_mesh_weld_soup (soup, n);
  g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, n_vertices);
  g_assert_cmpmem (osp_mesh_get_indices (mesh), (gsize) n * 3 * 4, expected, (gsize) n * 3 * 4);
}

/* PLY header lines that are neither keywords nor comments (Blender 2.4x writes "Created by
 * Blender3D …" without "comment") are skipped with one warning; the file loads. */
static void
test_ply_unknown_header_lines (void)
{
  static const char blender[] =
    "ply\n"
    "format ascii 1.0\n"
    "Created by Blender3D 249 - www.blender.org, source file: 'pelvis.blend'\n"
    "element vertex 4\n"
    "property float x\nproperty float y\nproperty float z\n"
    "my_extension 7\n"
    "element face 2\n"
    "property list uchar int vertex_indices\n"
    "end_header\n"
    "0 0 0\n10 0 0\n10 10 0\n0 10 0\n"
    "3 0 1 2\n3 0 2 3\n";
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(GError) error = NULL;
  OspMeshLoadInfo info = { 0 };

  mesh = osp_mesh_load_from_data ((const guint8 *) blender, strlen (blender), "blender.ply",
                                  &info, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_mesh_get_n_triangles (mesh), ==, 2);
  g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, 4);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_area (mesh), 100.0, 1e-9);
  g_assert_nonnull (info.warnings);
  g_assert_cmpuint (info.warnings->len, ==, 1);
  g_assert_true (osp_test_has_warning (&info, "2 lines of the PLY header"));
  g_assert_true (osp_test_has_warning (&info, "line 3: “Created by Blender3D 249 - www.b…”"));
  osp_mesh_load_info_clear (&info);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (writer_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh-io/round-trip/%s", writer_cases[i].name);

      g_test_add_data_func (path, &writer_cases[i], test_round_trip);
    }
  g_test_add_func ("/mesh-io/ascii-binary-identical", test_ascii_binary_identical);
  g_test_add_func ("/mesh-io/save-atomic", test_save_atomic);
  g_test_add_func ("/mesh-io/detect", test_detect);
  g_test_add_func ("/mesh-io/stl/binary-solid-header", test_binary_stl_solid_header);
  g_test_add_func ("/mesh-io/stl/binary-ascii-like-header", test_binary_stl_ascii_like_header);
  g_test_add_func ("/mesh-io/stl/binary-counts", test_binary_stl_counts);
  g_test_add_func ("/mesh-io/plausibility", test_plausibility);
  for (guint i = 0; i < G_N_ELEMENTS (ascii_stl_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh-io/stl/ascii/%s", ascii_stl_cases[i].name);

      g_test_add_data_func (path, &ascii_stl_cases[i], test_ascii_stl);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_ascii_stl_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh-io/stl/ascii-bad/%s",
                                               bad_ascii_stl_cases[i].name);

      g_test_add_data_func (path, &bad_ascii_stl_cases[i], test_bad_ascii_stl);
    }
  g_test_add_func ("/mesh-io/obj/forms", test_obj_forms);
  g_test_add_func ("/mesh-io/obj/continuation", test_obj_continuation);
  for (guint i = 0; i < G_N_ELEMENTS (polygon_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh-io/obj/polygon/%s", polygon_cases[i].name);

      g_test_add_data_func (path, &polygon_cases[i], test_obj_polygon);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_obj_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh-io/obj/bad/%s", bad_obj_cases[i].name);

      g_test_add_data_func (path, &bad_obj_cases[i], test_bad_obj);
    }
  g_test_add_func ("/mesh-io/obj/big-polygons", test_obj_big_polygons);
  g_test_add_func ("/mesh-io/ply/types", test_ply_types);
  g_test_add_func ("/mesh-io/ply/binary-truncated", test_ply_binary_truncated);
  g_test_add_func ("/mesh-io/ply/variants", test_ply_variants);
  for (guint i = 0; i < G_N_ELEMENTS (bad_ply_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh-io/ply/bad/%s", bad_ply_cases[i].name);

      g_test_add_data_func (path, &bad_ply_cases[i], test_bad_ply);
    }
  g_test_add_func ("/mesh-io/hostile", test_hostile);
  g_test_add_func ("/mesh-io/cancel", test_cancel);
  g_test_add_func ("/mesh-io/progress", test_progress);
  g_test_add_func ("/mesh-io/weld-matches-reference", test_weld_matches_reference);
  g_test_add_func ("/mesh-io/ply-unknown-header-lines", test_ply_unknown_header_lines);

  return g_test_run ();
}
