/* test-plan-file.c — saving and opening plans, hostile plan files, autosaves
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zip.h>
#include <zlib.h>

#include "osp-error.h"
#include "osp-json.h"
#include "osp-plan-private.h"
#include "osp-test-common.h"

/* A plan using every feature: shared meshes, every role, awkward floats, Unicode names. */
static OspPlan *
make_plan (void)
{
  OspPlan *plan = osp_plan_new ();
  g_autoptr(OspMesh) torus = osp_test_make_torus (10, 3, 24, 12);
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (7.25f, 16, 8);
  static const char *const names[] = { "Pelvis", "Hémipelvis gauche", "Template",
                                       "Implant “A”", "Guide" };
  float m[16] = { 0.1f, 0.2f, 0.3f, 0, 1e-7f, 1, -0.5f, 0, 0, 0, 1, 0, 12.3456789f, -1e6f,
                  3.14159265f, 1 };
  OspPlane plane = { { 0.3f, -0.4f, 0.866f }, 17.01f };
  float position[3] = { 1.5f, -2.25f, 1e-3f };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(OspModel) model = osp_model_new (names[i], i % 2 ? torus : sphere, i);

      osp_test_execute_ok (plan, osp_command_new_add_model (model, -1,
                                                            i == 0 ? "/data/pelvis.stl" : NULL));
      m[0] += 0.1f;
      osp_test_execute_ok (plan, osp_command_new_set_transform (model, m));
      osp_test_execute_ok (plan, osp_command_new_set_opacity (model, 0.1 * i + 1.0 / 3.0));
      osp_test_execute_ok (plan, osp_command_new_set_color (model, 0x102030u * (i + 1)));
      if (i == 3)
        osp_test_execute_ok (plan, osp_command_new_set_visible (model, FALSE));
    }
  osp_test_execute_ok (plan, osp_command_new_add_plane ("Midsagittal", &plane));
  plane.d = -3;
  osp_test_execute_ok (plan, osp_command_new_add_plane ("Cut ✂", &plane));
  osp_test_execute_ok (plan, osp_command_new_add_landmark ("ASIS L", position));
  position[0] = 1e30f;
  osp_test_execute_ok (plan, osp_command_new_add_landmark ("Pubic symphysis", position));
  return plan;
}

static void
assert_same_plans (OspPlan *a,
                   OspPlan *b)
{
  g_autofree char *da = osp_plan_dump (a);
  g_autofree char *db = osp_plan_dump (b);

  g_assert_cmpstr (da, ==, db);
  g_assert_cmpuint (osp_plan_get_n_models (a), ==, osp_plan_get_n_models (b));
  for (guint i = 0; i < osp_plan_get_n_models (a); i++)
    g_assert_true (osp_mesh_equal (osp_model_get_mesh (osp_plan_get_model (a, i)),
                                   osp_model_get_mesh (osp_plan_get_model (b, i))));
}

static void
test_roundtrip (void)
{
  g_autoptr(OspPlan) plan = make_plan ();
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(OspPlan) empty = osp_plan_new ();
  g_autoptr(OspPlan) empty_back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "case.osteoplan", NULL);
  g_autofree char *empty_path = g_build_filename (osp_test_tmpdir (), "empty.osteoplan", NULL);
  zip_t *zip;
  int zerr;

  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);
  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_plans (plan, back);
  g_assert_false (osp_plan_get_modified (back));
  g_assert_false (osp_plan_can_undo (back));
  g_assert_cmpstr (osp_plan_get_path (back), ==, path);
  /* Two models share each mesh: stored once each. */
  g_assert_true (osp_model_get_mesh (osp_plan_get_model (back, 0)) ==
                 osp_model_get_mesh (osp_plan_get_model (back, 2)));

  zip = zip_open (path, ZIP_RDONLY, &zerr);
  g_assert_nonnull (zip);
  g_assert_cmpint (zip_get_num_entries (zip, 0), ==, 3);
  g_assert_cmpint (zip_name_locate (zip, "plan.json", 0), >=, 0);
  zip_discard (zip);

  /* Saving what was opened gives the same plan again. */
  g_assert_true (osp_plan_save (back, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&back);
  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_plans (plan, back);

  g_assert_true (osp_plan_save (empty, empty_path, NULL, NULL, &error));
  g_assert_no_error (error);
  empty_back = osp_plan_open (empty_path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_plans (empty, empty_back);
}

static void
test_cancel (void)
{
  g_autoptr(OspPlan) plan = make_plan ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "cancelled.osteoplan", NULL);

  g_cancellable_cancel (cancellable);
  g_assert_false (osp_plan_save (plan, path, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_save_async (void)
{
  g_autoptr(OspPlan) plan = make_plan ();
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) autosave_result = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "async.osteoplan", NULL);
  g_autofree char *saved = osp_plan_dump (plan);
  g_autofree char *back_dump = NULL;
  OspAutosave *autosave;
  OspCommand *command;

  osp_plan_save_async (plan, path, NULL, osp_test_store_result, &result);
  /* The window goes on changing the plan while the thread writes. */
  command = osp_command_new_set_visible (osp_plan_get_model (plan, 0), FALSE);
  g_assert_true (osp_plan_execute (plan, command, NULL));
  osp_command_unref (command);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (osp_plan_save_finish (plan, result, &error));
  g_assert_no_error (error);
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_cmpstr (osp_plan_get_path (plan), ==, path);
  g_assert_true (osp_plan_undo (plan));
  g_assert_false (osp_plan_get_modified (plan));

  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  back_dump = osp_plan_dump (back);
  g_assert_cmpstr (back_dump, ==, saved);

  autosave = osp_autosave_new (&error);
  g_assert_no_error (error);
  osp_autosave_save_async (autosave, plan, NULL, osp_test_store_result, &autosave_result);
  while (autosave_result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (osp_autosave_save_finish (plan, autosave_result, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (osp_autosave_get_path (autosave), G_FILE_TEST_EXISTS));
  osp_autosave_discard (autosave);
}

/* -- Hand-made zips ------------------------------------------------------------------------ */

typedef struct
{
  const char *name;
  const void *data;
  gsize       len;
} Entry;

static GBytes *
make_zip (const Entry *entries,
          guint        n,
          gboolean     store)
{
  zip_error_t zerror;
  zip_source_t *source;
  zip_t *zip;
  zip_stat_t st;
  guint8 *bytes;

  zip_error_init (&zerror);
  source = zip_source_buffer_create (NULL, 0, 0, &zerror);
  g_assert_nonnull (source);
  zip = zip_open_from_source (source, ZIP_TRUNCATE, &zerror);
  g_assert_nonnull (zip);
  zip_source_keep (source);
  for (guint i = 0; i < n; i++)
    {
      zip_source_t *s = zip_source_buffer (zip, entries[i].data, entries[i].len, 0);
      zip_int64_t index = zip_file_add (zip, entries[i].name, s, 0);

      g_assert_cmpint (index, >=, 0);
      zip_set_file_compression (zip, (zip_uint64_t) index, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                9);
    }
  g_assert_cmpint (zip_close (zip), ==, 0);
  zip_stat_init (&st);
  g_assert_cmpint (zip_source_stat (source, &st), ==, 0);
  g_assert_cmpint (zip_source_open (source), ==, 0);
  bytes = g_malloc (st.size);
  g_assert_cmpint (zip_source_read (source, bytes, st.size), ==, (zip_int64_t) st.size);
  zip_source_close (source);
  zip_source_free (source);
  zip_error_fini (&zerror);
  return g_bytes_new_take (bytes, st.size);
}

/* A mesh entry as the format says, with counts and contents of our choosing. */
static guint8 *
mesh_entry (guint32  nv_said,
            guint32  nt_said,
            guint32  nv,
            guint32  nt,
            guint32  bad_index,
            gsize   *out_len)
{
  gsize len = 24 + (gsize) nv * 12 + (gsize) nt * 12 + 4;
  guint8 *data = g_malloc0 (len);
  guint32 header[4] = { GUINT32_TO_LE (1), GUINT32_TO_LE (nv_said), GUINT32_TO_LE (nt_said), 0 };
  guint32 *indices = (guint32 *) (data + 24 + (gsize) nv * 12);
  guint32 crc;

  memcpy (data, "OSPMESH", 8);
  memcpy (data + 8, header, sizeof header);
  for (gsize i = 0; i < (gsize) nt * 3; i++)
    indices[i] = GUINT32_TO_LE ((guint32) (i % MAX (nv, 1)));
  if (nt > 0)
    indices[0] = GUINT32_TO_LE (bad_index);
  crc = GUINT32_TO_LE ((guint32) crc32 (0, data, (uInt) (len - 4)));
  memcpy (data + len - 4, &crc, 4);
  *out_len = len;
  return data;
}

static const char plan_ok[] =
  "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
  "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\"}]}";

typedef struct
{
  const char *name;
  const char *json;      /* plan.json, or NULL for none */
  int         mesh;      /* 0 none, 1 good, 2 absurd counts, 3 bad index, 4 bad magic, 5 bad crc,
                          * 6 a NaN coordinate */
  OspError    code;
} HostileCase;

static const HostileCase hostile_cases[] = {
  { "no-plan-json", NULL, 1, OSP_ERROR_CORRUPT },
  { "not-json", "{\"format\": ", 1, OSP_ERROR_CORRUPT },
  { "array", "[1, 2]", 1, OSP_ERROR_CORRUPT },
  { "other-format", "{\"format\": \"x\", \"version\": 1}", 0, OSP_ERROR_UNKNOWN_FORMAT },
  { "no-version", "{\"format\": \"osteoplan\"}", 0, OSP_ERROR_CORRUPT },
  { "string-version", "{\"format\": \"osteoplan\", \"version\": \"1\"}", 0, OSP_ERROR_CORRUPT },
  { "version-0", "{\"format\": \"osteoplan\", \"version\": 0}", 0, OSP_ERROR_CORRUPT },
  { "newer", "{\"format\": \"osteoplan\", \"version\": 2, \"models\": 7}", 0,
    OSP_ERROR_NEWER_VERSION },
  { "models-not-array", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": {}}", 0,
    OSP_ERROR_CORRUPT },
  { "model-not-object", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": [3]}", 0,
    OSP_ERROR_CORRUPT },
  { "model-no-name", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"mesh\": \"meshes/0.bin\"}]}", 1, OSP_ERROR_CORRUPT },
  { "model-empty-name", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"\", \"mesh\": \"meshes/0.bin\"}]}", 1, OSP_ERROR_CORRUPT },
  { "model-twice", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\"}, {\"name\": \"A\", \"mesh\": "
    "\"meshes/0.bin\"}]}", 1, OSP_ERROR_CORRUPT },
  { "mesh-missing", plan_ok, 0, OSP_ERROR_CORRUPT },
  { "mesh-outside", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"plan.json\"}]}", 1, OSP_ERROR_CORRUPT },
  { "mesh-absurd-counts", plan_ok, 2, OSP_ERROR_CORRUPT },
  { "mesh-bad-index", plan_ok, 3, OSP_ERROR_CORRUPT },
  { "mesh-bad-magic", plan_ok, 4, OSP_ERROR_CORRUPT },
  { "mesh-bad-checksum", plan_ok, 5, OSP_ERROR_CORRUPT },
  { "bad-transform", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"transform\": [1, 2, 3]}]}", 1,
    OSP_ERROR_CORRUPT },
  { "huge-number", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"transform\": [1e300, 0, 0, 0, 0, 1, 0, "
    "0, 0, 0, 1, 0, 0, 0, 0, 1]}]}", 1, OSP_ERROR_CORRUPT },
  { "bad-colour", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"color\": \"#12345\"}]}", 1,
    OSP_ERROR_CORRUPT },
  { "bad-role", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"role\": \"spleen\"}]}", 1,
    OSP_ERROR_CORRUPT },
  { "bad-opacity", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"opacity\": true}]}", 1, OSP_ERROR_CORRUPT },
  { "zero-plane", "{\"format\": \"osteoplan\", \"version\": 1, \"planes\": "
    "[{\"name\": \"P\", \"normal\": [0, 0, 0], \"d\": 1}]}", 0, OSP_ERROR_CORRUPT },
  { "plane-twice", "{\"format\": \"osteoplan\", \"version\": 1, \"planes\": "
    "[{\"name\": \"P\", \"normal\": [0, 0, 1], \"d\": 1}, {\"name\": \"P\", \"normal\": "
    "[0, 0, 1], \"d\": 1}]}", 0, OSP_ERROR_CORRUPT },
  { "short-landmark", "{\"format\": \"osteoplan\", \"version\": 1, \"landmarks\": "
    "[{\"name\": \"L\", \"position\": [0, 0]}]}", 0, OSP_ERROR_CORRUPT },
  { "landmark-strings", "{\"format\": \"osteoplan\", \"version\": 1, \"landmarks\": "
    "[{\"name\": \"L\", \"position\": [\"a\", 0, 0]}]}", 0, OSP_ERROR_CORRUPT },
  { "zero-transform", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"transform\": [0, 0, 0, 0, 0, 0, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 0]}]}", 1, OSP_ERROR_CORRUPT },
  { "flat-transform", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"transform\": [1, 0, 0, 0, 0, 1, 0, 0, "
    "0, 0, 0, 0, 0, 0, 0, 1]}]}", 1, OSP_ERROR_CORRUPT },
  { "huge-scale", "{\"format\": \"osteoplan\", \"version\": 1, \"models\": "
    "[{\"name\": \"A\", \"mesh\": \"meshes/0.bin\", \"transform\": [1e10, 0, 0, 0, 0, 1e10, "
    "0, 0, 0, 0, 1e10, 0, 0, 0, 0, 1]}]}", 1, OSP_ERROR_CORRUPT },
  { "nan-vertex", plan_ok, 6, OSP_ERROR_CORRUPT },
  { "operation-not-object", "{\"format\": \"osteoplan\", \"version\": 1, \"operations\": "
    "[\"load\"]}", 0, OSP_ERROR_CORRUPT },
};

static void
test_hostile (gconstpointer data)
{
  const HostileCase *tc = data;
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;
  g_autofree guint8 *mesh = NULL;
  Entry entries[2];
  guint n = 0;
  gsize mesh_len = 0;

  if (tc->json != NULL)
    entries[n++] = (Entry) { "plan.json", tc->json, strlen (tc->json) };
  switch (tc->mesh)
    {
    case 1:
      mesh = mesh_entry (4, 2, 4, 2, 0, &mesh_len);
      break;
    case 2:
      mesh = mesh_entry (0xfffffff0u, 0xfffffff0u, 4, 2, 0, &mesh_len);
      break;
    case 3:
      mesh = mesh_entry (4, 2, 4, 2, 4, &mesh_len);
      break;
    case 4:
      mesh = mesh_entry (4, 2, 4, 2, 0, &mesh_len);
      mesh[0] = 'X';
      break;
    case 5:
      mesh = mesh_entry (4, 2, 4, 2, 0, &mesh_len);
      mesh[30] ^= 0x40;
      break;
    case 6:
      {
        float nan = NAN;
        guint32 crc;

        mesh = mesh_entry (4, 2, 4, 2, 0, &mesh_len);
        memcpy (mesh + 24 + 2 * 12 + 4, &nan, 4);  /* vertex 2, y (little-endian host) */
        crc = GUINT32_TO_LE ((guint32) crc32 (0, mesh, (uInt) (mesh_len - 4)));
        memcpy (mesh + mesh_len - 4, &crc, 4);
      }
      break;
    default:
      break;
    }
  if (mesh != NULL)
    entries[n++] = (Entry) { "meshes/0.bin", mesh, mesh_len };

  zip = make_zip (entries, n, FALSE);
  plan = osp_plan_open_from_data (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip),
                                  "hostile.osteoplan", NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, OSP_ERROR, (gint) tc->code);
  g_assert_true (g_str_has_prefix (error->message, "hostile.osteoplan"));
  g_test_message ("%s: %s", tc->name, error->message);
  if (tc->code == OSP_ERROR_NEWER_VERSION)
    g_assert_nonnull (strstr (error->message, "newer"));
}

static void
test_good_handmade (void)
{
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;
  g_autofree guint8 *mesh = NULL;
  gsize mesh_len;
  Entry entries[2];

  /* The hostile cases are made by the same helper: make sure its good form opens. */
  mesh = mesh_entry (4, 2, 4, 2, 0, &mesh_len);
  entries[0] = (Entry) { "plan.json", plan_ok, strlen (plan_ok) };
  entries[1] = (Entry) { "meshes/0.bin", mesh, mesh_len };
  zip = make_zip (entries, 2, FALSE);
  plan = osp_plan_open_from_data (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip),
                                  "good.osteoplan", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_plan_get_n_models (plan), ==, 1);
  g_assert_cmpuint (osp_mesh_get_n_triangles (osp_model_get_mesh (osp_plan_get_model (plan, 0))),
                    ==, 2);
}

/* The nesting scanner: brackets in strings and escaped quotes do not count. */
static void
test_json_depth (void)
{
  static const struct
  {
    const char *text;
    guint       max_depth;
    gboolean    ok;
  } cases[] = {
    { "", 1, TRUE },
    { "[]", 1, TRUE },
    { "[[]]", 1, FALSE },
    { "{\"a\": [1]}", 2, TRUE },
    { "{\"a\": [{}]}", 2, FALSE },
    { "[\"[[[[[[\"]", 1, TRUE },
    { "[\"\\\"[[[\"]", 1, TRUE },       /* ["\"[[["] */
    { "[\"\\\\\", [[]]", 2, FALSE },   /* ["\\", [[]] : the string ends before [[ */
    { "]]]][[", 2, TRUE },                  /* unbalanced closers are json-glib's to refuse */
    { "]]]][[[", 2, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = osp_json_check_depth (cases[i].text, -1, cases[i].max_depth, "t.json",
                                          &error);

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
    }
}

/* 100 000 nested brackets (200 KB) overflowed json-glib's stack: refused before parsing. */
static void
test_deep_nesting (void)
{
  const guint levels = 100000;
  GString *json = g_string_new ("{\"format\": \"osteoplan\", \"version\": 1, \"x\": ");
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;
  Entry entry;

  for (guint i = 0; i < levels; i++)
    g_string_append_c (json, '[');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (json, ']');
  g_string_append_c (json, '}');
  entry = (Entry) { "plan.json", json->str, json->len };
  zip = make_zip (&entry, 1, FALSE);
  plan = osp_plan_open_from_data (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip),
                                  "deep.osteoplan", NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_assert_true (g_str_has_prefix (error->message, "deep.osteoplan"));
  g_assert_nonnull (strstr (error->message, "64"));
  g_test_message ("%s", error->message);

  /* osp_json_parse (what `plan run` reads its file with) refuses it the same way. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) parse_error = NULL;

    g_assert_false (osp_json_parse (parser, json->str, json->len, "deep.json", &parse_error));
    g_assert_error (parse_error, OSP_ERROR, OSP_ERROR_CORRUPT);
  }
  /* A plan with brackets in its names opens. */
  {
    g_autoptr(GBytes) zip2 = NULL;
    g_autoptr(GError) error2 = NULL;
    g_autoptr(OspPlan) plan2 = NULL;
    g_autofree char *name = g_strnfill (200, '[');
    g_autofree char *ok = g_strdup_printf ("{\"format\": \"osteoplan\", \"version\": 1, "
                                           "\"landmarks\": [{\"name\": \"%s\", "
                                           "\"position\": [1, 2, 3]}]}", name);
    Entry e2 = { "plan.json", ok, strlen (ok) };

    zip2 = make_zip (&e2, 1, FALSE);
    plan2 = osp_plan_open_from_data (g_bytes_get_data (zip2, NULL), g_bytes_get_size (zip2),
                                     "brackets.osteoplan", NULL, &error2);
    g_assert_no_error (error2);
    g_assert_cmpuint (osp_plan_get_n_landmarks (plan2), ==, 1);
  }
  g_string_free (json, TRUE);
}

/* More operations than any case records: refused like the other lists. */
static void
test_too_many_operations (void)
{
  GString *json = g_string_new ("{\"format\": \"osteoplan\", \"version\": 1, "
                                "\"operations\": [");
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;
  Entry entry;

  for (guint i = 0; i <= OSP_PLAN_MAX_OPERATIONS; i++)
    g_string_append (json, i == 0 ? "{}" : ",{}");
  g_string_append (json, "]}");
  entry = (Entry) { "plan.json", json->str, json->len };
  zip = make_zip (&entry, 1, FALSE);
  plan = osp_plan_open_from_data (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip),
                                  "ops.osteoplan", NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_string_free (json, TRUE);
}

/* The big-endian branch of the mesh reader turns the bytes of each word round and keeps the
 * bits of floats (it once converted their integer bits to float values). */
static void
test_swap32 (void)
{
  const float floats[] = { 1.5f, -0.0f, 3.0e38f, 1e-40f, -123.25f };
  const guint32 ints[] = { 0, 1, 0x01020304u, 0xfffffffeu };
  guint8 buffer[4 * G_N_ELEMENTS (floats)];
  guint8 ibuffer[4 * G_N_ELEMENTS (ints)];

  /* A big-endian file image of the floats: each word's bytes reversed. */
  for (guint i = 0; i < G_N_ELEMENTS (floats); i++)
    {
      guint8 word[4];

      memcpy (word, &floats[i], 4);
      for (guint k = 0; k < 4; k++)
        buffer[4 * i + k] = word[3 - k];
    }
  osp_plan_swap32 (buffer, G_N_ELEMENTS (floats));
  for (guint i = 0; i < G_N_ELEMENTS (floats); i++)
    {
      float back;

      memcpy (&back, buffer + 4 * i, 4);
      g_assert_cmpmem (&back, 4, &floats[i], 4);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      guint32 be = GUINT32_SWAP_LE_BE (ints[i]);

      memcpy (ibuffer + 4 * i, &be, 4);
    }
  osp_plan_swap32 (ibuffer, G_N_ELEMENTS (ints));
  g_assert_cmpmem (ibuffer, sizeof ibuffer, ints, sizeof ints);
  /* And the 0x01020304 word as bytes: 04 03 02 01 on a little-endian host. */
  {
    guint8 raw[4] = { 1, 2, 3, 4 };

    osp_plan_swap32 (raw, 1);
    g_assert_cmpuint (raw[0], ==, 4);
    g_assert_cmpuint (raw[3], ==, 1);
  }
}

/* A zip whose two entries have the same name: said in the user's terms, not as libzip's "File
 * already exists". */
static void
test_duplicate_entries (void)
{
  Entry entries[2] = {
    { "plan.json", plan_ok, strlen (plan_ok) },
    { "plan.jsoX", plan_ok, strlen (plan_ok) },
  };
  g_autoptr(GBytes) zip = make_zip (entries, 2, TRUE);
  g_autofree guint8 *bytes = g_memdup2 (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip));
  gsize len = g_bytes_get_size (zip);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;
  guint n = 0;

  /* Rename the second entry in its local header and in the central directory. */
  for (gsize i = 0; i + 9 <= len; i++)
    if (memcmp (bytes + i, "plan.jsoX", 9) == 0)
      {
        bytes[i + 8] = 'n';
        n++;
      }
  g_assert_cmpuint (n, ==, 2);
  plan = osp_plan_open_from_data (bytes, len, "twice.osteoplan", NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, "already exists"));
  g_assert_nonnull (strstr (error->message, "same name"));
}

static void
test_not_zip (void)
{
  static const char *const inputs[] = { "", "PK", "hello world", "PK\003\004garbage" };
  g_autofree char *missing = g_build_filename (osp_test_tmpdir (), "missing.osteoplan", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OspPlan) plan = osp_plan_open_from_data ((const guint8 *) inputs[i],
                                                         strlen (inputs[i]), "x.osteoplan",
                                                         NULL, &error);

      g_assert_null (plan);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "x.osteoplan"));
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(OspPlan) plan = osp_plan_open (missing, NULL, NULL, &error);

    g_assert_null (plan);
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

static void
test_zip_bomb (void)
{
  gsize big = 32u << 20;
  g_autofree guint8 *zeros = g_malloc0 (big);
  g_autoptr(GBytes) zip = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = NULL;
  Entry entries[2] = {
    { "plan.json", plan_ok, strlen (plan_ok) },
    { "meshes/0.bin", zeros, big },
  };

  zip = make_zip (entries, 2, FALSE);
  g_assert_cmpuint (g_bytes_get_size (zip), <, big / 500);
  plan = osp_plan_open_from_data (g_bytes_get_data (zip, NULL), g_bytes_get_size (zip),
                                  "bomb.osteoplan", NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
}

static void
test_memory_limit (void)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 512, 256);   /* ~3 MiB */
  g_autoptr(OspModel) model = osp_model_new ("Big", sphere, OSP_MODEL_ROLE_BONE);
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "big.osteoplan", NULL);

  osp_test_execute_ok (plan, osp_command_new_add_model (model, -1, NULL));
  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);

  g_setenv ("OSP_MEMORY_LIMIT_MB", "2", TRUE);
  back = osp_plan_open (path, NULL, NULL, &error);
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
  g_assert_null (back);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
}

/* Truncations and random corruptions of a real file never crash. */
static void
test_corruptions (void)
{
  g_autoptr(OspPlan) plan = make_plan ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "fuzz.osteoplan", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gsize len;
  guint n_opened = 0;

  g_assert_true (osp_plan_save (plan, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));

  for (guint i = 0; i < 64; i++)
    {
      gsize cut = len * i / 64;
      g_autoptr(OspPlan) back = osp_plan_open_from_data ((const guint8 *) contents, cut,
                                                         "cut.osteoplan", NULL, &error);

      g_assert_null (back);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  for (guint i = 0; i < 300; i++)
    {
      g_autofree guint8 *copy = g_memdup2 (contents, len);
      g_autoptr(OspPlan) back = NULL;
      guint n_flips = (guint) g_rand_int_range (rand, 1, 4);

      for (guint k = 0; k < n_flips; k++)
        copy[g_rand_int_range (rand, 0, (gint32) len)] ^= (guint8) g_rand_int_range (rand, 1, 256);
      back = osp_plan_open_from_data (copy, len, "flipped.osteoplan", NULL, &error);
      if (back != NULL)
        n_opened++;
      else
        g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_test_message ("%u of 300 corrupted files still opened", n_opened);
}

/* -- Autosave ------------------------------------------------------------------------------ */

static gboolean
list_has (GPtrArray  *list,
          const char *path)
{
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (list->pdata[i], path) == 0)
      return TRUE;
  return FALSE;
}

static void
test_autosave (void)
{
  g_autoptr(OspPlan) plan = make_plan ();
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *path = NULL;
  OspAutosave *autosave;
  OspAutosave *other;

  autosave = osp_autosave_new (&error);
  g_assert_no_error (error);
  path = g_strdup (osp_autosave_get_path (autosave));
  g_assert_true (g_str_has_prefix (path, g_get_user_state_dir ()));
  g_assert_true (osp_autosave_save (autosave, plan, &error));
  g_assert_no_error (error);
  /* An autosave is no save: the plan stays modified and keeps its path. */
  g_assert_true (osp_plan_get_modified (plan));
  g_assert_null (osp_plan_get_path (plan));

  /* A live session's autosave is not offered. */
  list = osp_autosave_list_recoverable ();
  g_assert_false (list_has (list, path));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* A clean exit leaves nothing. */
  other = osp_autosave_new (&error);
  g_assert_no_error (error);
  g_assert_true (osp_autosave_save (other, plan, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (osp_autosave_get_path (other), !=, path);
  {
    g_autofree char *other_path = g_strdup (osp_autosave_get_path (other));

    osp_autosave_discard (other);
    g_assert_false (g_file_test (other_path, G_FILE_TEST_EXISTS));
  }

  /* The session ends without discarding (as in a crash): its autosave is offered. */
  osp_autosave_free (autosave);
  list = osp_autosave_list_recoverable ();
  g_assert_true (list_has (list, path));
  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_plans (plan, back);
  osp_autosave_remove (path);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = osp_autosave_list_recoverable ();
  g_assert_false (list_has (list, path));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_state ();

  g_test_add_func ("/plan-file/roundtrip", test_roundtrip);
  g_test_add_func ("/plan-file/cancel", test_cancel);
  g_test_add_func ("/plan-file/save-async", test_save_async);
  g_test_add_func ("/plan-file/good-handmade", test_good_handmade);
  for (guint i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/plan-file/hostile/%s", hostile_cases[i].name);

      g_test_add_data_func (path, &hostile_cases[i], test_hostile);
    }
  g_test_add_func ("/plan-file/not-zip", test_not_zip);
  g_test_add_func ("/plan-file/json-depth", test_json_depth);
  g_test_add_func ("/plan-file/deep-nesting", test_deep_nesting);
  g_test_add_func ("/plan-file/too-many-operations", test_too_many_operations);
  g_test_add_func ("/plan-file/swap32", test_swap32);
  g_test_add_func ("/plan-file/duplicate-entries", test_duplicate_entries);
  g_test_add_func ("/plan-file/zip-bomb", test_zip_bomb);
  g_test_add_func ("/plan-file/memory-limit", test_memory_limit);
  g_test_add_func ("/plan-file/corruptions", test_corruptions);
  g_test_add_func ("/plan-file/autosave", test_autosave);
  return g_test_run ();
}
