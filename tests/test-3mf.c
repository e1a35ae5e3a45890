/* test-3mf.c — the 3MF writer and reader: round trips, lib3mf, hostile packages
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <zip.h>

#include "osp-3mf.h"
#include "osp-error.h"
#include "osp-export.h"
#include "osp-mesh-io.h"
#include "osp-test-common.h"
#include "osp-test-lib3mf.h"

/* -- Round trips ------------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  OspMesh  *(*make) (void);
} RoundTripCase;

static OspMesh *make_box (void) { return osp_test_make_box (10, 20, 30); }
static OspMesh *make_torus (void) { return osp_test_make_torus (30, 8, 96, 48); }
static OspMesh *make_sphere (void) { return osp_test_make_sphere (12.5f, 48, 24); }

/* Awkward coordinates: tiny, huge, negative, subnormal-free random floats. */
static OspMesh *
make_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const guint nv = 3000, nt = 1000;
  float *pos = g_new (float, 3 * nv);
  guint32 *idx = g_new (guint32, 3 * nt);

  for (guint i = 0; i < 3 * nv; i++)
    {
      double mag = pow (10.0, g_rand_double_range (rand, -6, 8));

      pos[i] = (float) (g_rand_boolean (rand) ? mag : -mag);
      if (i % 17 == 0)
        pos[i] = (float) g_rand_int_range (rand, -1000, 1000);
    }
  for (guint t = 0; t < nt; t++)
    for (guint c = 0; c < 3; c++)
      idx[3 * t + c] = 3 * t + c;
  return osp_mesh_new_take (pos, nv, idx, nt);
}

static const RoundTripCase round_trip_cases[] = {
  { "box", make_box },
  { "torus", make_torus },
  { "sphere", make_sphere },
  { "random", make_random },
};

static void
test_round_trip (gconstpointer data)
{
  const RoundTripCase *tc = data;
  g_autoptr(OspMesh) mesh = tc->make ();
  g_autofree char *path = osp_test_tmp_path ("round-trip.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GPtrArray) lib3mf = NULL;
  g_autofree char *message = NULL;
  OspMeshLoadInfo info = { 0 };
  Osp3mfObject object;
  Osp3mfObject *back;

  osp_3mf_object_init (&object, "Pelvis “left” <&>", mesh, 0x11223380u, NULL);
  g_assert_true (osp_3mf_save (&object, 1, path, NULL, NULL, &error));
  g_assert_no_error (error);
  osp_3mf_object_clear (&object);

  objects = osp_3mf_load (path, &info, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 1);
  back = g_ptr_array_index (objects, 0);
  g_assert_cmpstr (back->name, ==, "Pelvis “left” <&>");
  g_assert_true (back->has_color);
  g_assert_cmphex (back->rgba, ==, 0x11223380u);
  /* Identical geometry, bit for bit. */
  g_assert_true (osp_mesh_equal (back->mesh, mesh));
  g_assert_cmpuint (info.format, ==, OSP_MESH_FORMAT_3MF);
  osp_mesh_load_info_clear (&info);

  /* Plain zip, as the specification asks when the data fits: every local header says
   * version 2.0 and holds no Zip64 field. */
  {
    g_autofree char *bytes = NULL;
    gsize len;
    guint n_local = 0;

    g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
    for (gsize i = 0; i + 30 <= len; i++)
      if (memcmp (bytes + i, "PK\003\004", 4) == 0)
        {
          const guint8 *h = (const guint8 *) bytes + i;
          guint name_len = h[26] | h[27] << 8, extra_len = h[28] | h[29] << 8;

          g_assert_cmpuint (h[4] | h[5] << 8, ==, 20);
          for (guint x = 0; x + 4 <= extra_len && i + 30 + name_len + x + 4 <= len;
               x += 4 + (h[30 + name_len + x + 2] | h[30 + name_len + x + 3] << 8))
            g_assert_cmpuint (h[30 + name_len + x] | h[30 + name_len + x + 1] << 8, !=, 1);
          n_local++;
        }
    g_assert_cmpuint (n_local, >=, 3);
  }

  /* The reference implementation reads the same geometry. */
  lib3mf = osp_test_lib3mf_read (path, &message);
  g_assert_null (message);
  g_assert_nonnull (lib3mf);
  g_assert_cmpuint (lib3mf->len, ==, 1);
  g_assert_true (osp_mesh_equal (g_ptr_array_index (lib3mf, 0), mesh));
}

/* Several named, coloured objects with transforms, one of them mirroring. */
static void
test_several_objects (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (10, 10, 10);
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (5, 16, 8);
  g_autofree char *path = osp_test_tmp_path ("several.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GPtrArray) lib3mf = NULL;
  g_autofree char *message = NULL;
  float shift[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 100, 0, 0, 1 };
  float mirror[16] = { -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
  Osp3mfObject in[3];
  const char *names[3] = { "bone", "implant", "template" };

  osp_3mf_object_init (&in[0], names[0], box, 0xE3DAC9FFu, NULL);
  osp_3mf_object_init (&in[1], names[1], sphere, 0x8899AAFFu, shift);
  osp_3mf_object_init (&in[2], names[2], box, 0x3366CCFFu, mirror);
  g_assert_true (osp_3mf_save (in, 3, path, NULL, NULL, &error));
  g_assert_no_error (error);

  objects = osp_3mf_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      Osp3mfObject *o = g_ptr_array_index (objects, i);
      OspMeshReport report;

      g_assert_cmpstr (o->name, ==, names[i]);
      g_assert_cmphex (o->rgba, ==, in[i].rgba);
      osp_mesh_report (o->mesh, &report);
      /* Transforms applied, normals still outward (a mirror flips the winding). */
      g_assert_true (report.closed);
      g_assert_cmpfloat (report.volume, >, 0);
    }
  {
    OspBox b;

    osp_mesh_get_bounds (((Osp3mfObject *) g_ptr_array_index (objects, 1))->mesh, &b);
    g_assert_cmpfloat_with_epsilon (b.min[0], 95.0, 1e-4);
    osp_mesh_get_bounds (((Osp3mfObject *) g_ptr_array_index (objects, 2))->mesh, &b);
    g_assert_cmpfloat_with_epsilon (b.max[0], 0.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (b.min[0], -10.0, 1e-6);
  }
  /* lib3mf sees the objects in their own coordinates: the shift is the build item's
   * transform, the mirror was applied to the vertices (winding flipped). */
  lib3mf = osp_test_lib3mf_read (path, &message);
  g_assert_null (message);
  g_assert_cmpuint (lib3mf->len, ==, 3);
  g_assert_true (osp_mesh_equal (g_ptr_array_index (lib3mf, 0), box));
  g_assert_true (osp_mesh_equal (g_ptr_array_index (lib3mf, 1), sphere));
  {
    g_autoptr(OspMesh) mirrored = NULL;
    mat4 m;

    memcpy (m, mirror, sizeof m);
    mirrored = osp_mesh_transform (box, m);
    g_assert_true (osp_mesh_equal (g_ptr_array_index (lib3mf, 2), mirrored));
    g_assert_true (osp_mesh_equal (((Osp3mfObject *) g_ptr_array_index (objects, 2))->mesh,
                                   mirrored));
  }
  for (guint i = 0; i < 3; i++)
    osp_3mf_object_clear (&in[i]);
}

/* Names come from anywhere (an STL header, a file name): control characters and invalid
 * UTF-8 must not make the XML ill-formed. */
static void
test_awkward_names (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 2, 3);
  g_autofree char *path = osp_test_tmp_path ("names.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GPtrArray) lib3mf = NULL;
  g_autofree char *message = NULL;
  const char *names[] = { "solid\001\002 ascii\x7f", "bad \xff\xfe utf-8", "tab\there\nline",
                          "  blanks  " };
  const char *expected[] = { "solid ascii\x7f", "bad \xef\xbf\xbd\xef\xbf\xbd utf-8",
                             "tab here line", "  blanks  " };
  Osp3mfObject in[G_N_ELEMENTS (names)];

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    osp_3mf_object_init (&in[i], names[i], box, 0x808080FFu, NULL);
  g_assert_true (osp_3mf_save (in, G_N_ELEMENTS (names), path, NULL, NULL, &error));
  g_assert_no_error (error);
  objects = osp_3mf_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_cmpstr (((Osp3mfObject *) objects->pdata[i])->name, ==, expected[i]);
  lib3mf = osp_test_lib3mf_read (path, &message);
  g_assert_cmpstr (message, ==, NULL);
  g_assert_cmpuint (lib3mf->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    osp_3mf_object_clear (&in[i]);
}

/* osp_mesh_load/osp_mesh_save know 3MF too (the io layer's hooks). */
static void
test_mesh_io_hooks (void)
{
  g_autoptr(OspMesh) mesh = osp_test_make_torus (20, 5, 32, 16);
  g_autofree char *path = osp_test_tmp_path ("hook.3mf");
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) back = NULL;
  OspMeshLoadInfo info = { 0 };

  g_assert_cmpint (osp_mesh_format_from_extension (path), ==, OSP_MESH_FORMAT_3MF);
  if (!osp_mesh_save (mesh, path, OSP_MESH_FORMAT_UNKNOWN, &error))
    {
      g_test_skip ("osp_mesh_save does not write 3MF yet");
      return;
    }
  back = osp_mesh_load (path, &info, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info.format, ==, OSP_MESH_FORMAT_3MF);
  g_assert_true (osp_mesh_equal (back, mesh));
  osp_mesh_load_info_clear (&info);
}

/* -- Hand-written packages --------------------------------------------------------------- */

static const char model_head[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<model unit=\"%s\" xml:lang=\"en-US\" "
  "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\">\n";

/* A tetrahedron object (id) with optional extra triangle markup. */
static char *
tetra_object (guint       id,
              const char *vertex0,
              const char *tri0)
{
  return g_strdup_printf (
    "<object id=\"%u\" type=\"model\"><mesh><vertices>"
    "<vertex x=\"%s\" y=\"0\" z=\"0\"/><vertex x=\"1\" y=\"0\" z=\"0\"/>"
    "<vertex x=\"0\" y=\"1\" z=\"0\"/><vertex x=\"0\" y=\"0\" z=\"1\"/></vertices><triangles>"
    "%s<triangle v1=\"0\" v2=\"2\" v3=\"1\"/><triangle v1=\"0\" v2=\"1\" v3=\"3\"/>"
    "<triangle v1=\"0\" v2=\"3\" v3=\"2\"/><triangle v1=\"1\" v2=\"2\" v3=\"3\"/>"
    "</triangles></mesh></object>\n",
    id, vertex0, tri0);
}

static char *
write_package (const char *name,
               const char *model_xml)
{
  char *path = osp_test_tmp_path (name);
  int zerr = 0;
  zip_t *za = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  const char *ct =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
    "package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/"
    "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"model\" ContentType="
    "\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/></Types>";
  const char *rels =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas."
    "openxmlformats.org/package/2006/relationships\"><Relationship Target=\"/3D/3dmodel.model\" "
    "Id=\"rel0\" Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"/>"
    "</Relationships>";

  g_assert_nonnull (za);
  g_assert_cmpint (zip_file_add (za, "[Content_Types].xml",
                                 zip_source_buffer (za, ct, strlen (ct), 0), 0), >=, 0);
  g_assert_cmpint (zip_file_add (za, "_rels/.rels",
                                 zip_source_buffer (za, rels, strlen (rels), 0), 0), >=, 0);
  if (model_xml != NULL)
    g_assert_cmpint (zip_file_add (za, "3D/3dmodel.model",
                                   zip_source_buffer (za, model_xml, strlen (model_xml), 0), 0),
                     >=, 0);
  g_assert_cmpint (zip_close (za), ==, 0);
  return path;
}

/* A package of one tetrahedron (object 1), built. */
static char *
write_tetra_package (const char *name)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *head = g_strdup_printf (model_head, "millimeter");
  g_autofree char *xml = g_strconcat (head, "<resources>", object, "</resources><build>"
                                      "<item objectid=\"1\"/></build></model>", NULL);

  return write_package (name, xml);
}

/* Adds an entry to an existing package. */
static void
add_entry (const char *path,
           const char *entry,
           const char *text)
{
  int zerr = 0;
  zip_t *za = zip_open (path, 0, &zerr);

  g_assert_nonnull (za);
  g_assert_cmpint (zip_file_add (za, entry, zip_source_buffer (za, text, strlen (text), 0), 0),
                   >=, 0);
  g_assert_cmpint (zip_close (za), ==, 0);
}

/* The production extension, as Bambu Studio writes it: the root model's object is made of
 * components whose meshes live in other parts (p:path, a URI). */
static void
test_production_path (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *part = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"millimeter\" "
    "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\"><resources>%s"
    "</resources><build/></model>", object);
  const char *root =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"centimeter\" "
    "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\" "
    "xmlns:p=\"http://schemas.microsoft.com/3dmanufacturing/production/2015/06\" "
    "xmlns:BambuStudio=\"http://schemas.bambulab.com/package/2021\" requiredextensions=\"p\">"
    "<metadata name=\"BambuStudio:3mfVersion\">1</metadata><resources>"
    "<object id=\"2\" type=\"model\"><components>"
    "<component p:path=\"/3D/Objects/My%20Part.model\" objectid=\"1\"/>"
    "<component p:path=\"/3D/Objects/My%20Part.model\" objectid=\"1\" "
    "transform=\"1 0 0 0 1 0 0 0 1 5 0 0\"/></components></object></resources>"
    "<build><item objectid=\"2\" transform=\"2 0 0 0 2 0 0 0 2 0 0 0\"/></build></model>";
  g_autofree char *path = write_package ("production.3mf", root);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  OspMeshLoadInfo info = { 0 };

  add_entry (path, "3D/Objects/My Part.model", part);
  objects = osp_3mf_load (path, &info, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 1);
  /* Two tetrahedra of 1 mm (their part's unit), scaled 2 ×: 2 × (2 mm)³ / 6.  The second
   * is moved by 5 root units (cm) before the item's scale: its tip lies at 2 × 5.1 cm. */
  g_assert_cmpuint (osp_mesh_get_n_triangles (((Osp3mfObject *) objects->pdata[0])->mesh), ==, 8);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (((Osp3mfObject *) objects->pdata[0])->mesh),
                                  2 * 8.0 / 6, 1e-5);
  {
    OspBox b;

    osp_mesh_get_bounds (((Osp3mfObject *) objects->pdata[0])->mesh, &b);
    g_assert_cmpfloat_with_epsilon (b.max[0], 102.0, 1e-4);
    g_assert_cmpfloat_with_epsilon (b.max[1], 2.0, 1e-6);
  }
  g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
}

static GPtrArray *load_model (const char *model_xml, GError **error);

/* Colours from base materials (core) and colour groups (materials extension). */
static void
test_colors (void)
{
  g_autofree char *o1 = tetra_object (1, "0", "");
  g_autofree char *o2 = tetra_object (2, "0", "");
  g_autofree char *o1c = NULL, *o2c = NULL, *xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  /* Give the objects their pid/pindex. */
  o1c = g_strconcat ("<object pid=\"7\" pindex=\"1\" ", o1 + strlen ("<object "), NULL);
  o2c = g_strconcat ("<object pid=\"8\" pindex=\"0\" ", o2 + strlen ("<object "), NULL);
  xml = g_strconcat (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"millimeter\" "
    "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\" "
    "xmlns:m=\"http://schemas.microsoft.com/3dmanufacturing/material/2015/02\"><resources>"
    "<basematerials id=\"7\"><base name=\"a\" displaycolor=\"#102030\"/>"
    "<base name=\"b\" displaycolor=\"#405060A0\"/></basematerials>"
    "<m:colorgroup id=\"8\"><m:color color=\"#AABBCC\"/></m:colorgroup>",
    o1c, o2c, "</resources><build><item objectid=\"1\"/><item objectid=\"2\"/></build></model>",
    NULL);
  objects = load_model (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, 2);
  g_assert_true (((Osp3mfObject *) objects->pdata[0])->has_color);
  g_assert_cmphex (((Osp3mfObject *) objects->pdata[0])->rgba, ==, 0x405060A0u);
  g_assert_cmphex (((Osp3mfObject *) objects->pdata[1])->rgba, ==, 0xAABBCCFFu);
}

static GPtrArray *
load_model (const char  *model_xml,
            GError     **error)
{
  g_autofree char *path = write_package ("case.3mf", model_xml);

  return osp_3mf_load (path, NULL, NULL, error);
}

typedef struct
{
  const char *name;
  const char *unit;
  const char *vertex0;    /* x of vertex 0 */
  const char *tri0;       /* an extra first triangle */
  const char *extra;      /* more resources after object 1 */
  const char *build;      /* the build's items */
  const char *message;    /* NULL: loads; else a part of the error message */
  double      volume;     /* when it loads: the total volume */
} PackageCase;

static const PackageCase package_cases[] = {
  { "plain", "millimeter", "0", "", "", "<item objectid=\"1\"/>", NULL, 1.0 / 6 },
  { "inch", "inch", "0", "", "", "<item objectid=\"1\"/>", NULL, 25.4 * 25.4 * 25.4 / 6 },
  { "micron", "micron", "0", "", "", "<item objectid=\"1\"/>", NULL, 1e-9 / 6 },
  { "centimeter", "centimeter", "0", "", "", "<item objectid=\"1\"/>", NULL, 1e3 / 6 },
  { "foot", "foot", "0", "", "", "<item objectid=\"1\"/>", NULL, 304.8 * 304.8 * 304.8 / 6 },
  { "meter", "meter", "0", "", "", "<item objectid=\"1\"/>", NULL, 1e9 / 6 },
  { "plus-sign-blanks", "millimeter", " +0.0E+0 ", "", "", "<item objectid=\"1\"/>", NULL,
    1.0 / 6 },
  { "scaled-item", "millimeter", "0", "", "",
    "<item objectid=\"1\" transform=\"2 0 0 0 2 0 0 0 2 5 5 5\"/>", NULL, 8.0 / 6 },
  { "two-items", "millimeter", "0", "", "",
    "<item objectid=\"1\"/><item objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 9 0 0\"/>", NULL,
    2.0 / 6 },
  { "components", "millimeter", "0", "",
    "<object id=\"2\"><components><component objectid=\"1\"/>"
    "<component objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 0 0 4\"/></components></object>",
    "<item objectid=\"2\" transform=\"3 0 0 0 3 0 0 0 3 0 0 0\"/>", NULL, 2.0 * 27 / 6 },
  { "mirrored-item", "millimeter", "0", "", "",
    "<item objectid=\"1\" transform=\"-1 0 0 0 1 0 0 0 1 0 0 0\"/>", NULL, 1.0 / 6 },
  { "decimal-comma", "millimeter", "0,5", "", "", "<item objectid=\"1\"/>", "0,5", 0 },
  { "nan", "millimeter", "nan", "", "", "<item objectid=\"1\"/>", "nan", 0 },
  { "huge", "millimeter", "1e99", "", "", "<item objectid=\"1\"/>", "1e99", 0 },
  { "bad-unit", "parsec", "0", "", "", "<item objectid=\"1\"/>", "parsec", 0 },
  { "index-range", "millimeter", "0", "<triangle v1=\"0\" v2=\"1\" v3=\"4\"/>", "",
    "<item objectid=\"1\"/>", "out of range", 0 },
  { "index-missing", "millimeter", "0", "<triangle v1=\"0\" v2=\"1\"/>", "",
    "<item objectid=\"1\"/>", "v3", 0 },
  { "index-negative", "millimeter", "0", "<triangle v1=\"0\" v2=\"-1\" v3=\"2\"/>", "",
    "<item objectid=\"1\"/>", "v2", 0 },
  { "index-repeated", "millimeter", "0", "<triangle v1=\"0\" v2=\"1\" v3=\"1\"/>", "",
    "<item objectid=\"1\"/>", "repeats", 0 },
  { "duplicate-attribute", "millimeter", "0", "<triangle v1=\"0\" v1=\"1\" v2=\"1\" v3=\"2\"/>",
    "", "<item objectid=\"1\"/>", "redefined", 0 },
  { "transform-short", "millimeter", "0", "", "",
    "<item objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 0 0\"/>", "transform", 0 },
  { "transform-singular", "millimeter", "0", "", "",
    "<item objectid=\"1\" transform=\"1 0 0 0 0 0 0 0 1 0 0 0\"/>", "transform", 0 },
  { "transform-text", "millimeter", "0", "", "",
    "<item objectid=\"1\" transform=\"1 0 0 0 1 0 0 0 1 a b c\"/>", "transform", 0 },
  { "no-such-object", "millimeter", "0", "", "", "<item objectid=\"7\"/>", "object 7", 0 },
  { "component-cycle", "millimeter", "0", "",
    "<object id=\"2\"><components><component objectid=\"2\"/></components></object>",
    "<item objectid=\"2\"/>", "cycle", 0 },
  { "component-forward", "millimeter", "0", "",
    "<object id=\"2\"><components><component objectid=\"3\"/></components></object>",
    "<item objectid=\"2\"/>", "not defined", 0 },
  { "duplicate-id", "millimeter", "0", "", "<object id=\"1\"/>", "<item objectid=\"1\"/>",
    "twice", 0 },
  { "item-other", "millimeter", "0", "",
    "<object id=\"2\" type=\"other\"><components><component objectid=\"1\"/></components>"
    "</object>", "<item objectid=\"2\"/>", "other", 0 },
  { "broken-xml", "millimeter", "0", "<triangle v1=\"0\"", "", "<item objectid=\"1\"/>",
    "3dmodel.model", 0 },
};

static void
test_package (gconstpointer data)
{
  const PackageCase *tc = data;
  g_autofree char *head = g_strdup_printf (model_head, tc->unit);
  g_autofree char *object = tetra_object (1, tc->vertex0, tc->tri0);
  g_autofree char *xml = g_strconcat (head, "<resources>", object, tc->extra, "</resources>",
                                      "<build>", tc->build, "</build></model>", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = load_model (xml, &error);

  if (tc->message == NULL)
    {
      double volume = 0;

      g_assert_no_error (error);
      for (guint i = 0; i < objects->len; i++)
        volume += osp_mesh_get_volume (((Osp3mfObject *) g_ptr_array_index (objects, i))->mesh);
      g_assert_cmpfloat_with_epsilon (volume, tc->volume, fabs (tc->volume) * 1e-5);
    }
  else
    {
      g_assert_null (objects);
      g_assert_nonnull (error);
      if (g_test_verbose ())
        g_test_message ("%s: %s", tc->name, error->message);
      g_assert_true (strstr (error->message, "case.3mf") != NULL);
      g_assert_true (strstr (error->message, tc->message) != NULL);
    }
}

/* -- Packages as other producers write them --------------------------------------------- */

#define NS_CORE_ATTR "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\""
#define NS_PROD_ATTR "xmlns:p=\"http://schemas.microsoft.com/3dmanufacturing/production/2015/06\""
#define REL_MODEL    "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"

static const char standard_content_types[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
  "package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/"
  "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"model\" ContentType="
  "\"application/vnd.ms-package.3dmanufacturing-3dmodel+xml\"/></Types>";

/* A relationships part with one relationship. */
static char *
rels_to (const char *target,
         const char *type)
{
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\""
                          "http://schemas.openxmlformats.org/package/2006/relationships\">"
                          "<Relationship Target=\"%s\" Id=\"rel0\" Type=\"%s\"/>"
                          "</Relationships>", target, type);
}

/* A model part: the unit, extra attributes of <model>, resources and build items. */
static char *
model_xml (const char *unit,
           const char *model_attrs,
           const char *resources,
           const char *build)
{
  return g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<model unit=\"%s\" "
                          NS_CORE_ATTR " %s><resources>%s</resources><build>%s</build></model>",
                          unit, model_attrs, resources, build);
}

/* Writes a package from (entry name, text) pairs ending with NULL; entries are stored with
 * the names given (so they may be escaped or oddly cased). */
static char *
write_entries (const char *name,
               ...)
{
  char *path = osp_test_tmp_path (name);
  int zerr = 0;
  zip_t *za = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  const char *entry;
  va_list args;

  g_assert_nonnull (za);
  va_start (args, name);
  while ((entry = va_arg (args, const char *)) != NULL)
    {
      const char *text = va_arg (args, const char *);
      zip_source_t *src = zip_source_buffer (za, g_strdup (text), strlen (text), 1);

      g_assert_cmpint (zip_file_add (za, entry, src, ZIP_FL_ENC_UTF_8), >=, 0);
    }
  va_end (args);
  g_assert_cmpint (zip_close (za), ==, 0);
  return path;
}

/* Loads a package; checks the number of objects and of triangles, or the error. */
static GPtrArray *
check_load (const char      *path,
            guint            n_objects,
            guint            n_triangles,
            const char      *message,
            OspMeshLoadInfo *info)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *objects = osp_3mf_load (path, info, NULL, &error);
  guint n = 0;

  if (message != NULL)
    {
      g_assert_null (objects);
      g_assert_nonnull (error);
      if (g_test_verbose ())
        g_test_message ("%s", error->message);
      g_assert_true (strstr (error->message, message) != NULL);
      {
        g_autofree char *base = g_path_get_basename (path);

        g_assert_true (g_str_has_prefix (error->message, base));
      }
      return NULL;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (objects->len, ==, n_objects);
  for (guint i = 0; i < objects->len; i++)
    n += osp_mesh_get_n_triangles (((Osp3mfObject *) objects->pdata[i])->mesh);
  g_assert_cmpuint (n, ==, n_triangles);
  return objects;
}

static gboolean
has_warning (const OspMeshLoadInfo *info,
             const char            *text)
{
  for (guint i = 0; info->warnings != NULL && i < info->warnings->len; i++)
    if (strstr (g_ptr_array_index (info->warnings, i), text) != NULL)
      return TRUE;
  return FALSE;
}

/* The model part is wherever the StartPart relationship says, by any spelling OPC allows:
 * another folder and name, percent-escaped in the zip (System.IO.Packaging does so), other
 * cases, a relationship type in capitals.  Two parts whose names differ only in case are an
 * error. */
static void
test_part_names (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *model = model_xml ("millimeter", "", object, "<item objectid=\"1\"/>");
  g_autofree char *other = model_xml ("millimeter", "", object,
                                      "<item objectid=\"1\"/><item objectid=\"1\"/>");
  g_autofree char *rels_elsewhere = rels_to ("/Geometry/Main%20Model.model", REL_MODEL);
  g_autofree char *rels_escaped = rels_to ("/3D/My%20Model.model", REL_MODEL);
  g_autofree char *rels_utf8 = rels_to ("/3D/%C3%A9t%C3%A9.model", REL_MODEL);
  g_autofree char *rels_case = rels_to ("3d/3DMODEL.MODEL",
                                        "HTTP://SCHEMAS.MICROSOFT.COM/3dmanufacturing/2013/01/"
                                        "3DMODEL");
  g_autofree char *rels_plain = rels_to ("/3D/3dmodel.model", REL_MODEL);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

  a = write_entries ("elsewhere.3mf", "[Content_Types].xml", standard_content_types,
                     "_rels/.rels", rels_elsewhere, "Geometry/Main Model.model", model, NULL);
  b = write_entries ("escaped.3mf", "[Content_Types].xml", standard_content_types,
                     "_rels/.rels", rels_escaped, "3D/My%20Model.model", model, NULL);
  c = write_entries ("utf8.3mf", "[Content_Types].xml", standard_content_types,
                     "_rels/.rels", rels_utf8, "3D/été.model", model, NULL);
  d = write_entries ("case.3mf", "[content_types].XML", standard_content_types,
                     "_RELS/.rels", rels_case, "3D/3dModel.model", model, NULL);
  e = write_entries ("twice.3mf", "[Content_Types].xml", standard_content_types,
                     "_rels/.rels", rels_plain, "3D/3dmodel.model", model,
                     "3D/3DModel.model", other, NULL);
  f = write_entries ("twice-escaped.3mf", "[Content_Types].xml", standard_content_types,
                     "_rels/.rels", rels_escaped, "3D/My%20Model.model", model,
                     "3D/My Model.model", other, NULL);
  g_ptr_array_unref (check_load (a, 1, 4, NULL, NULL));
  g_ptr_array_unref (check_load (b, 1, 4, NULL, NULL));
  g_ptr_array_unref (check_load (c, 1, 4, NULL, NULL));
  g_ptr_array_unref (check_load (d, 1, 4, NULL, NULL));
  check_load (e, 0, 0, "twice", NULL);
  check_load (f, 0, 0, "twice", NULL);
}

/* [Content_Types].xml is required and read: a model part without the 3D model content type
 * loads with a warning. */
static void
test_content_types (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *model = model_xml ("millimeter", "", object, "<item objectid=\"1\"/>");
  g_autofree char *rels = rels_to ("/3D/3dmodel.model", REL_MODEL);
  g_autofree char *wrong = g_strdup (standard_content_types);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  OspMeshLoadInfo info = { 0 };

  memcpy (strstr (wrong, "Extension=\"model\""), "Extension=\"xml\"  ", 17);
  a = write_entries ("no-types.3mf", "_rels/.rels", rels, "3D/3dmodel.model", model, NULL);
  b = write_entries ("broken-types.3mf", "[Content_Types].xml", "<Types><Default",
                     "_rels/.rels", rels, "3D/3dmodel.model", model, NULL);
  c = write_entries ("wrong-type.3mf", "[Content_Types].xml", wrong, "_rels/.rels", rels,
                     "3D/3dmodel.model", model, NULL);
  d = write_entries ("override.3mf", "[Content_Types].xml",
                     "\xef\xbb\xbf<?xml version=\"1.0\"?>"
                     "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                     "content-types\"><Default Extension=\"RELS\" ContentType=\"application/"
                     "vnd.openxmlformats-package.relationships+xml\"/><Override PartName=\""
                     "/3d/3DMODEL.model\" ContentType=\"application/vnd.ms-package."
                     "3dmanufacturing-3dmodel+xml\"/></Types>",
                     "_rels/.rels", rels, "3D/3dmodel.model", model, NULL);
  check_load (a, 0, 0, "[Content_Types].xml", NULL);
  check_load (b, 0, 0, "[Content_Types].xml", NULL);
  objects = check_load (c, 1, 4, NULL, &info);
  g_assert_true (has_warning (&info, "content type"));
  osp_mesh_load_info_clear (&info);
  g_clear_pointer (&objects, g_ptr_array_unref);
  /* An Override names the part in any case; a byte order mark is fine. */
  objects = check_load (d, 1, 4, NULL, &info);
  g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
}

/* A tetrahedron object of another type. */
static char *
typed_tetra (guint       id,
             const char *type)
{
  g_autofree char *object = tetra_object (id, "0", "");
  const char *rest = strstr (object, " type=\"model\"") + strlen (" type=\"model\"");

  return g_strdup_printf ("<object id=\"%u\" type=\"%s\"%s", id, type, rest);
}

/* Loads one model part in a standard package. */
static GPtrArray *
check_model (const char      *name,
             const char      *model,
             guint            n_objects,
             guint            n_triangles,
             const char      *message,
             OspMeshLoadInfo *info)
{
  g_autofree char *rels = rels_to ("/3D/3dmodel.model", REL_MODEL);
  g_autofree char *path = write_entries (name, "[Content_Types].xml", standard_content_types,
                                         "_rels/.rels", rels, "3D/3dmodel.model", model, NULL);

  return check_load (path, n_objects, n_triangles, message, info);
}

/* Markup as producers write it: minified (an extension's element right before an object, the
 * element skipped must not swallow the object), prefixed core namespace, byte order mark. */
static void
test_markup (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *object2 = tetra_object (2, "0", "");
  g_autofree char *minified = NULL, *foreign = NULL, *prefixed = NULL, *bom = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  minified = g_strconcat (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><model unit=\"millimeter\" " NS_CORE_ATTR " "
    "xmlns:m=\"http://schemas.microsoft.com/3dmanufacturing/material/2015/02\"><resources>"
    "<m:compositematerials id=\"5\" matid=\"9\" matindices=\"0 1\"><m:composite values=\"1 0\"/>"
    "</m:compositematerials>", object, "<m:texture2dgroup id=\"6\" texid=\"9\"><m:tex2coord "
    "u=\"0\" v=\"0\"/></m:texture2dgroup>", object2, "</resources><build><item objectid=\"1\"/>"
    "<item objectid=\"2\"/></build></model>", NULL);
  g_clear_pointer (&objects, g_ptr_array_unref);
  objects = check_model ("minified.3mf", minified, 2, 8, NULL, NULL);
  foreign = g_strconcat (
    "<?xml version=\"1.0\"?><model unit=\"millimeter\" " NS_CORE_ATTR " xmlns:x=\"urn:x\">"
    "<x:a><x:b/></x:a><resources>", object, "<x:c><x:d/></x:c></resources><x:e><x:f/></x:e>"
    "<build><item objectid=\"1\"/></build></model>", NULL);
  g_clear_pointer (&objects, g_ptr_array_unref);
  objects = check_model ("foreign.3mf", foreign, 1, 4, NULL, NULL);
  prefixed = g_strdup (
    "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<c:model unit=\"millimeter\" "
    "xmlns:c=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\"><c:resources>"
    "<c:object id=\"1\" type=\"model\"><c:mesh><c:vertices><c:vertex x=\"0\" y=\"0\" z=\"0\"/>"
    "<c:vertex x=\"1\" y=\"0\" z=\"0\"/><c:vertex x=\"0\" y=\"1\" z=\"0\"/>"
    "<c:vertex x=\"0\" y=\"0\" z=\"1\"/></c:vertices><c:triangles>"
    "<c:triangle v1=\"0\" v2=\"2\" v3=\"1\"/><c:triangle v1=\"0\" v2=\"1\" v3=\"3\"/>"
    "<c:triangle v1=\"0\" v2=\"3\" v3=\"2\"/><c:triangle v1=\"1\" v2=\"2\" v3=\"3\"/>"
    "</c:triangles></c:mesh></c:object></c:resources><c:build><c:item objectid=\"1\"/>"
    "</c:build></c:model>");
  g_clear_pointer (&objects, g_ptr_array_unref);
  objects = check_model ("prefixed.3mf", prefixed, 1, 4, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (((Osp3mfObject *) objects->pdata[0])->mesh),
                                  1.0 / 6, 1e-6);
}

/* requiredextensions: extensions we support (materials, production) load silently; those
 * that carry shapes we do not read are refused; unknown ones load with a warning.  Optional
 * beams are left out with a warning. */
static void
test_required_extensions (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  const char *item = "<item objectid=\"1\"/>";
  g_autofree char *supported = model_xml (
    "millimeter", "xmlns:m=\"http://schemas.microsoft.com/3dmanufacturing/material/2015/02\" "
    NS_PROD_ATTR " requiredextensions=\" m  p \"", object, item);
  g_autofree char *beams = model_xml (
    "millimeter", "xmlns:b=\"http://schemas.microsoft.com/3dmanufacturing/beamlattice/2017/02\" "
    "requiredextensions=\"b\"", object, item);
  g_autofree char *slices = model_xml (
    "millimeter", "xmlns:s=\"http://schemas.microsoft.com/3dmanufacturing/slice/2015/07\" "
    "xmlns:m=\"http://schemas.microsoft.com/3dmanufacturing/material/2015/02\" "
    "requiredextensions=\"m s\"", object, item);
  g_autofree char *private = model_xml ("millimeter", "xmlns:v=\"urn:vendor:x\" "
                                        "requiredextensions=\"v\"", object, item);
  g_autofree char *undeclared = model_xml ("millimeter", "requiredextensions=\"q\"", object,
                                           item);
  g_autofree char *object2 = tetra_object (2, "0", "");
  g_autofree char *beam_object = g_strdup_printf (
    "<object id=\"1\" type=\"model\"><mesh><vertices><vertex x=\"0\" y=\"0\" z=\"0\"/>"
    "<vertex x=\"0\" y=\"0\" z=\"9\"/></vertices><triangles/><b:beamlattice minlength=\"0.1\" "
    "radius=\"1\"><b:beams><b:beam v1=\"0\" v2=\"1\"/></b:beams></b:beamlattice></mesh>"
    "</object>%s", object2);
  g_autofree char *optional_beams = model_xml (
    "millimeter", "xmlns:b=\"http://schemas.microsoft.com/3dmanufacturing/beamlattice/2017/02\"",
    beam_object, "<item objectid=\"2\"/>");
  g_autoptr(GPtrArray) objects = NULL;
  OspMeshLoadInfo info = { 0 };

  objects = check_model ("supported.3mf", supported, 1, 4, NULL, &info);
  g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
  check_model ("beams.3mf", beams, 0, 0, "beamlattice", NULL);
  check_model ("slices.3mf", slices, 0, 0, "slice", NULL);
  check_model ("undeclared.3mf", undeclared, 0, 0, "“q”", NULL);
  g_clear_pointer (&objects, g_ptr_array_unref);
  objects = check_model ("private.3mf", private, 1, 4, NULL, &info);
  g_assert_true (has_warning (&info, "urn:vendor:x"));
  osp_mesh_load_info_clear (&info);
  g_clear_pointer (&objects, g_ptr_array_unref);
  objects = check_model ("optional-beams.3mf", optional_beams, 1, 4, NULL, &info);
  g_assert_true (has_warning (&info, "beamlattice"));
  osp_mesh_load_info_clear (&info);
}

/* The production extension forbids p:path in the components of a part other than the root;
 * a missing referenced part is an error. */
static void
test_production_rules (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *leaf = model_xml ("millimeter", "", object, "");
  g_autofree char *middle = model_xml (
    "millimeter", NS_PROD_ATTR, "<object id=\"5\"><components><component "
    "p:path=\"/3D/Objects/leaf.model\" objectid=\"1\"/></components></object>", "");
  g_autofree char *root = model_xml (
    "millimeter", NS_PROD_ATTR " requiredextensions=\"p\"", "<object id=\"9\"><components>"
    "<component p:path=\"/3D/Objects/middle.model\" objectid=\"5\"/></components></object>",
    "<item objectid=\"9\"/>");
  g_autofree char *root_missing = model_xml (
    "millimeter", NS_PROD_ATTR, "", "<item p:path=\"/3D/Objects/none.model\" objectid=\"1\"/>");
  g_autofree char *root_item = model_xml (
    "millimeter", NS_PROD_ATTR, "", "<item p:path=\"/3D/objects/LEAF.model\" objectid=\"1\" "
    "transform=\"1 0 0 0 1 0 0 0 1 0 0 7\"/>");
  g_autofree char *rels = rels_to ("/3D/3dmodel.model", REL_MODEL);
  g_autofree char *nested = write_entries (
    "nested.3mf", "[Content_Types].xml", standard_content_types, "_rels/.rels", rels,
    "3D/3dmodel.model", root, "3D/Objects/middle.model", middle, "3D/Objects/leaf.model", leaf,
    NULL);
  g_autofree char *missing = write_entries (
    "missing-part.3mf", "[Content_Types].xml", standard_content_types, "_rels/.rels", rels,
    "3D/3dmodel.model", root_missing, NULL);
  g_autofree char *item = write_entries (
    "item-path.3mf", "[Content_Types].xml", standard_content_types, "_rels/.rels", rels,
    "3D/3dmodel.model", root_item, "3D/Objects/leaf.model", leaf, NULL);
  g_autoptr(GPtrArray) objects = NULL;
  OspBox b;

  check_load (nested, 0, 0, "p:path", NULL);
  check_load (missing, 0, 0, "none.model", NULL);
  objects = check_load (item, 1, 4, NULL, NULL);
  osp_mesh_get_bounds (((Osp3mfObject *) objects->pdata[0])->mesh, &b);
  g_assert_cmpfloat_with_epsilon (b.min[2], 7.0, 1e-6);
}

/* Object types: support structures are not part of the model (the specification lets a
 * consumer ignore them; a surgical model must not carry them), whether an item of their own
 * or a component; "surface" objects are kept (open, without a manifold warning); an "other"
 * mesh must not be reached from the build, even through components; the type of an object
 * made of components is ignored. */
static void
test_object_types (void)
{
  g_autofree char *model = tetra_object (1, "0", "");
  g_autofree char *support = typed_tetra (2, "support");
  g_autofree char *solid = typed_tetra (3, "solidsupport");
  g_autofree char *surface = g_strdup_printf (
    "<object id=\"4\" type=\"surface\"><mesh><vertices><vertex x=\"0\" y=\"0\" z=\"0\"/>"
    "<vertex x=\"1\" y=\"0\" z=\"0\"/><vertex x=\"0\" y=\"1\" z=\"0\"/></vertices><triangles>"
    "<triangle v1=\"0\" v2=\"1\" v3=\"2\"/></triangles></mesh></object>");
  g_autofree char *other = typed_tetra (5, "other");
  g_autofree char *resources = NULL, *xml = NULL, *xml_other = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  OspMeshLoadInfo info = { 0 };

  resources = g_strconcat (model, support, solid, surface, other,
                           "<object id=\"6\" type=\"support\"><components>"
                           "<component objectid=\"1\"/><component objectid=\"2\"/>"
                           "<component objectid=\"3\"/></components></object>"
                           "<object id=\"7\"><components><component objectid=\"1\"/>"
                           "<component objectid=\"5\"/></components></object>", NULL);
  xml = model_xml ("millimeter", "", resources, "<item objectid=\"6\"/><item objectid=\"2\"/>"
                   "<item objectid=\"3\"/><item objectid=\"4\"/>");
  objects = check_model ("types.3mf", xml, 2, 5, NULL, &info);
  g_assert_true (has_warning (&info, "support"));
  g_assert_false (has_warning (&info, "not closed"));
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (((Osp3mfObject *) objects->pdata[0])->mesh),
                                  1.0 / 6, 1e-6);
  osp_mesh_load_info_clear (&info);
  xml_other = model_xml ("millimeter", "", resources, "<item objectid=\"7\"/>");
  check_model ("other.3mf", xml_other, 0, 0, "other", NULL);
}

/* The transform is "m00 m01 m02 m10 m11 m12 m20 m21 m22 m30 m31 m32" applied to row vectors
 * (x' = x·m00 + y·m10 + z·m20 + m30), the component's before the item's, the translation in
 * the model's unit. */
static void
test_transform_order (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *resources = g_strconcat (
    object, "<object id=\"2\"><components><component objectid=\"1\" "
    "transform=\"1 0 0 0 1 0 0 0 1 10 0 0\"/></components></object>", NULL);
  /* A quarter turn about z: x → y, y → −x; then moved by (1, 2, 3). */
  g_autofree char *xml = model_xml ("centimeter", "", resources,
                                    "<item objectid=\"2\" transform=\"0 1 0 -1 0 0 0 0 1 1 2 3\"/>");
  g_autoptr(GPtrArray) objects = check_model ("order.3mf", xml, 1, 4, NULL, NULL);
  OspMesh *mesh = ((Osp3mfObject *) objects->pdata[0])->mesh;
  const float *p = osp_mesh_get_positions (mesh);
  /* Vertices (0,0,0), (1,0,0), (0,1,0), (0,0,1), first moved by 10 along x, then turned. */
  const float expected[4][3] = {
    { 10, 120, 30 }, { 10, 130, 30 }, { 0, 120, 30 }, { 10, 120, 40 },
  };

  for (guint v = 0; v < 4; v++)
    for (guint c = 0; c < 3; c++)
      g_assert_cmpfloat_with_epsilon (p[3 * v + c], expected[v][c], 1e-4);
  g_assert_cmpfloat (osp_mesh_get_volume (mesh), >, 0);
}

/* Transforms: a tiny but regular scale is fine (a singular one is not, whatever its scale);
 * coordinates that leave the range of floats once placed are refused. */
static void
test_transform_range (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *tiny = model_xml ("meter", "", object,
                                     "<item objectid=\"1\" transform=\"1e-7 0 0 0 1e-7 0 0 0 "
                                     "1e-7 0 0 0\"/>");
  g_autofree char *flat = model_xml ("millimeter", "", object,
                                     "<item objectid=\"1\" transform=\"1 0 0 1 1e-13 0 0 0 1 "
                                     "0 0 0\"/>");
  g_autofree char *big = tetra_object (1, "3e38", "");
  g_autofree char *far = model_xml ("meter", "", big, "<item objectid=\"1\"/>");
  g_autoptr(GPtrArray) objects = NULL;

  objects = check_model ("tiny.3mf", tiny, 1, 4, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (((Osp3mfObject *) objects->pdata[0])->mesh),
                                  1e-4 * 1e-4 * 1e-4 / 6, 1e-18);
  check_model ("flat.3mf", flat, 0, 0, "transform", NULL);
  check_model ("far.3mf", far, 0, 0, "range", NULL);
}

/* An assembly has no colour of its own (the specification forbids it a pid): its first part
 * lends it the colour and, when it has none, the name. */
static void
test_assembly_color (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *resources = NULL, *xml = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  resources = g_strconcat ("<basematerials id=\"3\"><base name=\"bone\" displaycolor=\"#E3DAC9\"/>"
                           "</basematerials><object name=\"Femur\" pid=\"3\" pindex=\"0\" ",
                           object + strlen ("<object "),
                           "<object id=\"2\"><components><component objectid=\"1\"/>"
                           "</components></object>", NULL);
  xml = model_xml ("millimeter", "", resources, "<item objectid=\"2\"/>");
  objects = check_model ("assembly.3mf", xml, 1, 4, NULL, NULL);
  g_assert_true (((Osp3mfObject *) objects->pdata[0])->has_color);
  g_assert_cmphex (((Osp3mfObject *) objects->pdata[0])->rgba, ==, 0xE3DAC9FFu);
  g_assert_cmpstr (((Osp3mfObject *) objects->pdata[0])->name, ==, "Femur");
}

/* A relationship to a missing custom part is not ours to judge (a warning); to a missing
 * thumbnail it is an error, as the specification says. */
static void
test_missing_parts (void)
{
  g_autofree char *object = tetra_object (1, "0", "");
  g_autofree char *model = model_xml ("millimeter", "", object, "<item objectid=\"1\"/>");
  const char *rels_head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas."
    "openxmlformats.org/package/2006/relationships\"><Relationship Target=\"/3D/3dmodel.model\" "
    "Id=\"rel0\" Type=\"" REL_MODEL "\"/>";
  g_autofree char *custom = g_strconcat (
    rels_head, "<Relationship Target=\"/Metadata/gone.config\" Id=\"rel1\" Type=\"http://"
    "schemas.openxmlformats.org/package/2006/relationships/mustpreserve\"/></Relationships>",
    NULL);
  g_autofree char *thumbnail = g_strconcat (
    rels_head, "<Relationship Target=\"/Metadata/thumbnail.png\" Id=\"rel1\" Type=\"http://"
    "schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail\"/>"
    "</Relationships>", NULL);
  g_autofree char *a = write_entries ("custom.3mf", "[Content_Types].xml",
                                      standard_content_types, "_rels/.rels", custom,
                                      "3D/3dmodel.model", model, NULL);
  g_autofree char *b = write_entries ("thumbnail.3mf", "[Content_Types].xml",
                                      standard_content_types, "_rels/.rels", thumbnail,
                                      "3D/3dmodel.model", model, NULL);
  g_autoptr(GPtrArray) objects = NULL;
  OspMeshLoadInfo info = { 0 };

  objects = check_load (a, 1, 4, NULL, &info);
  g_assert_true (has_warning (&info, "gone.config"));
  osp_mesh_load_info_clear (&info);
  check_load (b, 0, 0, "thumbnail.png", NULL);
}

/* Objects that multiply: 100 × 100 × 100 instances of 4 triangles would be 4 million after a
 * few hundred bytes; beyond the limit it must be refused before anything is expanded. */
static void
test_instance_bomb (void)
{
  GString *xml = g_string_new (NULL);
  g_autofree char *object = tetra_object (1, "0", "");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  g_string_append_printf (xml, model_head, "millimeter");
  g_string_append_printf (xml, "<resources>%s", object);
  for (guint level = 2; level <= 6; level++)
    {
      g_string_append_printf (xml, "<object id=\"%u\"><components>", level);
      for (guint i = 0; i < 1000; i++)
        g_string_append_printf (xml, "<component objectid=\"%u\"/>", level - 1);
      g_string_append (xml, "</components></object>");
    }
  g_string_append (xml, "</resources><build><item objectid=\"6\"/></build></model>");
  objects = load_model (xml->str, &error);
  g_assert_null (objects);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_string_free (xml, TRUE);
}

/* A real zip bomb (24 MiB of blanks in a few kB) and a forged size are refused unread. */
static void
test_zip_bomb (void)
{
  gsize n = 24u << 20;
  g_autofree char *blanks = g_malloc (n + 1);
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  memset (blanks, ' ', n);
  blanks[n] = '\0';
  memcpy (blanks, "<?xml version=\"1.0\"?>", 21);
  objects = load_model (blanks, &error);
  g_assert_null (objects);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_true (strstr (error->message, "zip bomb") != NULL);
}

static void
test_forged_size (void)
{
  g_autofree char *path = write_tetra_package ("forged.3mf");
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  const char *entry = "3D/3dmodel.model";
  guint patched = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  /* Central directory headers: uncompressed size at +24, name length at +28, name at +46. */
  for (gsize i = 0; i + 46 + strlen (entry) <= len; i++)
    if (memcmp (data + i, "PK\001\002", 4) == 0 && memcmp (data + i + 46, entry,
                                                          strlen (entry)) == 0)
      {
        guint32 huge = GUINT32_TO_LE (0xF0000000u);

        memcpy (data + i + 24, &huge, 4);
        patched++;
      }
  g_assert_cmpuint (patched, ==, 1);
  objects = osp_3mf_load_from_data ((const guint8 *) data, len, "forged.3mf", NULL, NULL,
                                    &error);
  g_assert_null (objects);
  g_assert_nonnull (error);
  g_assert_true (strstr (error->message, "forged.3mf") != NULL);
}

/* Garbage, truncation and missing parts: refused with a message, never a crash. */
static void
test_broken_packages (void)
{
  g_autofree char *path = write_tetra_package ("whole.3mf");
  g_autofree char *missing = write_package ("missing.3mf", NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  /* Every truncation. */
  for (gsize cut = 0; cut < len; cut += 7)
    {
      objects = osp_3mf_load_from_data ((const guint8 *) data, cut, "cut.3mf", NULL, NULL,
                                        &error);
      g_assert_null (objects);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "cut.3mf: "));
      g_clear_error (&error);
    }
  /* Flipped bytes anywhere. */
  for (gsize i = 0; i < len; i += 3)
    {
      data[i] ^= 0x5A;
      objects = osp_3mf_load_from_data ((const guint8 *) data, len, "flip.3mf", NULL, NULL,
                                        &error);
      g_assert_true ((objects == NULL) == (error != NULL));
      g_clear_pointer (&objects, g_ptr_array_unref);
      g_clear_error (&error);
      data[i] ^= 0x5A;
    }
  objects = osp_3mf_load (missing, NULL, NULL, &error);
  g_assert_null (objects);
  g_assert_true (strstr (error->message, "missing") != NULL);
}

static void
test_write_errors (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 1, 1);
  float bad[3 * 3] = { 0, 0, 0, 1, 0, 0, 0, NAN, 0 };
  guint32 tri[3] = { 0, 1, 2 };
  g_autoptr(OspMesh) nan_mesh = osp_mesh_new (bad, 3, tri, 1);
  g_autoptr(GError) error = NULL;
  Osp3mfObject o;

  osp_3mf_object_init (&o, "nan", nan_mesh, 0xFFFFFFFFu, NULL);
  g_assert_false (osp_3mf_save (&o, 1, "/tmp/never-written.3mf", NULL, NULL, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_clear_error (&error);
  osp_3mf_object_clear (&o);

  /* Only triangles that repeat a vertex (which 3MF forbids): nothing to write. */
  {
    float pos[3 * 3] = { 0, 0, 0, 1, 0, 0, 0, 1, 0 };
    guint32 degenerate[2 * 3] = { 0, 1, 1, 2, 2, 0 };
    g_autoptr(OspMesh) flat = osp_mesh_new (pos, 3, degenerate, 2);

    osp_3mf_object_init (&o, "flat", flat, 0xFFFFFFFFu, NULL);
    g_assert_false (osp_3mf_save (&o, 1, "/tmp/never-written.3mf", NULL, NULL, &error));
    g_assert_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE);
    g_clear_error (&error);
    osp_3mf_object_clear (&o);
  }

  osp_3mf_object_init (&o, "box", box, 0xFFFFFFFFu, NULL);
  g_assert_false (osp_3mf_save (&o, 1, "/nonexistent-dir/x.3mf", NULL, NULL, &error));
  g_assert_nonnull (error);
  osp_3mf_object_clear (&o);
}

/* -- The export API: every format round trips -------------------------------------------- */

typedef struct
{
  const char *extension;
  gboolean    welds;      /* the reader renumbers vertices */
} ExportCase;

static const ExportCase export_cases[] = {
  { "3mf", FALSE },
  { "stl", TRUE },
  { "obj", FALSE },
  { "ply", FALSE },
};

static void
test_export_round_trip (gconstpointer data)
{
  const ExportCase *tc = data;
  g_autoptr(OspMesh) torus = osp_test_make_torus (25, 6, 48, 24);
  g_autoptr(OspMesh) box = osp_test_make_box (5, 6, 7);
  float shift[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 50, 0, 0, 1 };
  OspExportItem items[2] = {
    { "Torus", torus, 0xFF0000FFu, NULL },
    { "Box", box, 0x00FF00FFu, shift },
  };
  g_autofree char *name = g_strdup_printf ("export.%s", tc->extension);
  g_autofree char *path = osp_test_tmp_path (name);
  g_auto(GStrv) written = NULL;
  g_autoptr(GError) error = NULL;
  OspExportFormat format;

  g_assert_true (osp_export_format_from_path (path, &format));
  g_assert_true (osp_export (items, 2, path, format, FALSE, &written, NULL, NULL, &error));
  g_assert_no_error (error);
  if (format == OSP_EXPORT_3MF)
    {
      g_autoptr(GPtrArray) objects = osp_3mf_load (path, NULL, NULL, &error);
      g_autoptr(OspMesh) moved = NULL;
      mat4 m;

      g_assert_cmpuint (g_strv_length (written), ==, 1);
      g_assert_no_error (error);
      g_assert_cmpuint (objects->len, ==, 2);
      g_assert_true (osp_mesh_equal (((Osp3mfObject *) objects->pdata[0])->mesh, torus));
      memcpy (m, shift, sizeof m);
      moved = osp_mesh_transform (box, m);
      g_assert_true (osp_mesh_equal (((Osp3mfObject *) objects->pdata[1])->mesh, moved));
      g_assert_cmpstr (((Osp3mfObject *) objects->pdata[1])->name, ==, "Box");
      return;
    }
  /* One file per model, named after it. */
  g_assert_cmpuint (g_strv_length (written), ==, 2);
  g_assert_true (g_str_has_suffix (written[0], "export-Torus.stl") ||
                 g_str_has_suffix (written[0], "export-Torus.obj") ||
                 g_str_has_suffix (written[0], "export-Torus.ply"));
  {
    g_autoptr(OspMesh) back = osp_mesh_load (written[0], NULL, NULL, &error);
    g_autoptr(OspMesh) expected = tc->welds ? osp_test_welded (torus) : osp_mesh_ref (torus);

    g_assert_no_error (error);
    g_assert_true (osp_mesh_equal (back, expected));
  }
  /* Merged: one file with both. */
  {
    g_autofree char *merged_name = g_strdup_printf ("merged.%s", tc->extension);
    g_autofree char *merged_path = osp_test_tmp_path (merged_name);
    g_auto(GStrv) merged_written = NULL;
    g_autoptr(OspMesh) back = NULL;

    g_assert_true (osp_export (items, 2, merged_path, format, TRUE, &merged_written, NULL, NULL,
                               &error));
    g_assert_cmpuint (g_strv_length (merged_written), ==, 1);
    back = osp_mesh_load (merged_path, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (osp_mesh_get_n_triangles (back), ==,
                      osp_mesh_get_n_triangles (torus) + osp_mesh_get_n_triangles (box));
    g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (back),
                                    osp_mesh_get_volume (torus) + 210.0, 1e-2);
  }
}

static void
test_export_item_from_model (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 2, 3);
  g_autoptr(OspModel) model = osp_model_new ("Implant", box, OSP_MODEL_ROLE_IMPLANT);
  float shift[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 7, 8, 9, 1 };
  float storage[16];
  OspExportItem item;

  osp_model_set_color (model, 0x336699);
  osp_model_set_opacity (model, 0.5);
  osp_model_set_transform (model, shift);
  osp_export_item_from_model (model, storage, &item);
  g_assert_cmpstr (item.name, ==, "Implant");
  g_assert_true (item.mesh == box);
  g_assert_cmphex (item.rgba, ==, 0x33669980u);
  g_assert_true (item.transform == storage);
  g_assert_cmpmem (storage, sizeof storage, shift, sizeof shift);
}

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  char ***out = user_data;
  g_autoptr(GError) error = NULL;

  *out = osp_export_finish (result, &error);
  g_assert_no_error (error);
}

/* In a worker thread; the items may go away as soon as the call returns. */
static void
test_export_async (void)
{
  g_autofree char *path = osp_test_tmp_path ("async.3mf");
  g_auto(GStrv) written = NULL;
  g_autoptr(GPtrArray) objects = NULL;

  {
    g_autoptr(OspMesh) box = osp_test_make_box (3, 4, 5);
    g_autofree char *name = g_strdup ("Guide");
    float shift[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 2, 3, 1 };
    OspExportItem item = { name, box, 0x123456FFu, shift };

    osp_export_async (&item, 1, path, OSP_EXPORT_3MF, FALSE, NULL, NULL, export_done,
                      &written);
  }
  while (written == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (written[0], ==, path);
  objects = osp_3mf_load (path, NULL, NULL, NULL);
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_cmpstr (((Osp3mfObject *) objects->pdata[0])->name, ==, "Guide");
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (((Osp3mfObject *) objects->pdata[0])->mesh),
                                  60.0, 1e-4);
}

static void
test_export_names (void)
{
  g_autofree char *a = osp_export_item_path ("/tmp/case.stl", "Left hemipelvis / cut 2");
  g_autofree char *b = osp_export_item_path ("/tmp/case.stl", "../..");
  g_autofree char *c = osp_export_item_path ("/tmp/case.stl", "Bassin gauche é");

  g_assert_cmpstr (a, ==, "/tmp/case-Left-hemipelvis-cut-2.stl");
  g_assert_cmpstr (b, ==, "/tmp/case-model.stl");
  g_assert_cmpstr (c, ==, "/tmp/case-Bassin-gauche-é.stl");
}

/* libxml's limits (nesting beyond 256, a huge text node) are told in the user's terms, not as
 * "internal error: Huge input lookup" or "use XML_PARSE_HUGE". */
static void
test_xml_limits (void)
{
  GString *deep = g_string_new ("<?xml version=\"1.0\"?><model unit=\"millimeter\" "
                                "xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\">"
                                "<metadata name=\"x\">");
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append (deep, "<a>");
  for (guint i = 0; i < 3000; i++)
    g_string_append (deep, "</a>");
  g_string_append (deep, "</metadata></model>");
  objects = load_model (deep->str, &error);
  g_assert_null (objects);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, "XML_PARSE_HUGE"));
  g_assert_null (strstr (error->message, "internal error"));
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
  g_string_free (deep, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (round_trip_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/3mf/round-trip/%s", round_trip_cases[i].name);

      g_test_add_data_func (path, &round_trip_cases[i], test_round_trip);
    }
  g_test_add_func ("/3mf/several-objects", test_several_objects);
  g_test_add_func ("/3mf/mesh-io-hooks", test_mesh_io_hooks);
  g_test_add_func ("/3mf/awkward-names", test_awkward_names);
  for (guint i = 0; i < G_N_ELEMENTS (package_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/3mf/package/%s", package_cases[i].name);

      g_test_add_data_func (path, &package_cases[i], test_package);
    }
  g_test_add_func ("/3mf/production-path", test_production_path);
  g_test_add_func ("/3mf/part-names", test_part_names);
  g_test_add_func ("/3mf/content-types", test_content_types);
  g_test_add_func ("/3mf/markup", test_markup);
  g_test_add_func ("/3mf/required-extensions", test_required_extensions);
  g_test_add_func ("/3mf/production-rules", test_production_rules);
  g_test_add_func ("/3mf/object-types", test_object_types);
  g_test_add_func ("/3mf/transform-order", test_transform_order);
  g_test_add_func ("/3mf/transform-range", test_transform_range);
  g_test_add_func ("/3mf/assembly-color", test_assembly_color);
  g_test_add_func ("/3mf/missing-parts", test_missing_parts);
  g_test_add_func ("/3mf/colors", test_colors);
  g_test_add_func ("/3mf/instance-bomb", test_instance_bomb);
  g_test_add_func ("/3mf/zip-bomb", test_zip_bomb);
  g_test_add_func ("/3mf/forged-size", test_forged_size);
  g_test_add_func ("/3mf/broken-packages", test_broken_packages);
  g_test_add_func ("/3mf/write-errors", test_write_errors);
  for (guint i = 0; i < G_N_ELEMENTS (export_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/export/round-trip/%s",
                                               export_cases[i].extension);

      g_test_add_data_func (path, &export_cases[i], test_export_round_trip);
    }
  g_test_add_func ("/export/names", test_export_names);
  g_test_add_func ("/export/async", test_export_async);
  g_test_add_func ("/export/item-from-model", test_export_item_from_model);
  g_test_add_func ("/3mf/xml-limits", test_xml_limits);
  return g_test_run ();
}
