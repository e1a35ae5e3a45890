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
  /* Two tetrahedra, scaled 2 × then from centimetres: 2 × (20 mm)³ / 6. */
  g_assert_cmpuint (osp_mesh_get_n_triangles (((Osp3mfObject *) objects->pdata[0])->mesh), ==, 8);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (((Osp3mfObject *) objects->pdata[0])->mesh),
                                  2 * 8000.0 / 6, 1e-2);
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
  for (guint i = 0; i < G_N_ELEMENTS (package_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/3mf/package/%s", package_cases[i].name);

      g_test_add_data_func (path, &package_cases[i], test_package);
    }
  g_test_add_func ("/3mf/production-path", test_production_path);
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
  return g_test_run ();
}
