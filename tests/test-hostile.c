/* test-hostile.c — odd and hostile inputs: pipes and folders where files belong, exports that try
 * to leave their folder
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A reader that blocks hangs this test until meson's timeout: that is the failure it guards.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osp-3mf.h"
#include "osp-error.h"
#include "osp-input.h"
#include "osp-mesh-io.h"
#include "osp-plan.h"
#include "osp-test-common.h"
#include "osp-volume-io.h"

/* -- Pipes and folders named like files ------------------------------------------------------ */

typedef enum
{
  LOAD_MESH,
  LOAD_3MF,
  LOAD_VOLUME,
  LOAD_PLAN,
  LOAD_CONTENTS,
} Loader;

static const struct
{
  const char *name;
  Loader      loader;
} fifo_cases[] = {
  { "pelvis.stl", LOAD_MESH },
  { "pelvis.obj", LOAD_MESH },
  { "pelvis.ply", LOAD_MESH },
  { "pelvis.3mf", LOAD_MESH },
  { "pelvis.3mf", LOAD_3MF },
  { "scan.nii", LOAD_VOLUME },
  { "scan.nii.gz", LOAD_VOLUME },
  { "scan.hdr", LOAD_VOLUME },
  { "scan.img", LOAD_VOLUME },
  { "scan.dcm", LOAD_VOLUME },
  { "IM000001", LOAD_VOLUME },
  { "case.osteoplan", LOAD_PLAN },
  { "plan.json", LOAD_CONTENTS },
};

/* Loads `path` with the given loader; returns the error (NULL when it loaded). */
static GError *
load_with (Loader      loader,
           const char *path)
{
  GError *error = NULL;

  switch (loader)
    {
    case LOAD_MESH:
      {
        g_autoptr(OspMesh) mesh = osp_mesh_load (path, NULL, NULL, &error);

        g_assert_true ((mesh == NULL) == (error != NULL));
      }
      break;
    case LOAD_3MF:
      {
        GPtrArray *models = osp_3mf_load (path, NULL, NULL, &error);

        g_assert_true ((models == NULL) == (error != NULL));
        if (models != NULL)
          g_ptr_array_unref (models);
      }
      break;
    case LOAD_VOLUME:
      {
        g_autoptr(OspVolume) volume = osp_volume_load (path, NULL, NULL, NULL, &error);

        g_assert_true ((volume == NULL) == (error != NULL));
      }
      break;
    case LOAD_PLAN:
      {
        g_autoptr(OspPlan) plan = osp_plan_open (path, NULL, NULL, &error);

        g_assert_true ((plan == NULL) == (error != NULL));
      }
      break;
    case LOAD_CONTENTS:
      {
        g_autofree char *contents = NULL;

        osp_input_get_contents (path, 1 << 20, &contents, NULL, &error);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return error;
}

/* A FIFO named like every file we read is refused at once, in the user's terms (it blocked
 * loading forever, and the GUI's Cancel could not free it). */
static void
test_fifo (void)
{
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "fifos", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (fifo_cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, fifo_cases[i].name, NULL);
      g_autoptr(GError) error = NULL;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        g_assert_cmpint (mkfifo (path, 0600), ==, 0);
      error = load_with (fifo_cases[i].loader, path);
      g_test_message ("%s (%d): %s", fifo_cases[i].name, fifo_cases[i].loader,
                      error != NULL ? error->message : "(loaded)");
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
      g_assert_true (g_str_has_prefix (error->message, fifo_cases[i].name));
      g_assert_nonnull (strstr (error->message, "not an ordinary file"));
    }
  /* The check alone (what hands a path to GDCM). */
  {
    g_autofree char *path = g_build_filename (dir, "scan.dcm", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (osp_input_check (path, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  }
}

/* A DICOM folder holding a FIFO next to no image: the scan skips the pipe and says there is no
 * image (it blocked). */
static void
test_fifo_in_dicom_folder (void)
{
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "dicom-fifo", NULL);
  g_autofree char *fifo = g_build_filename (dir, "IM0001.dcm", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GPtrArray) series = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_true (g_file_set_contents (text, "not an image", -1, NULL));
  series = osp_dicom_scan_folder (dir, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (series);
  g_assert_cmpuint (series->len, ==, 0);
  volume = osp_volume_load (dir, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
}

/* A folder named like a file: "is a folder", not "holds 4096 bytes" or a library's words. */
static void
test_folder_as_file (void)
{
  static const struct
  {
    const char *folder;   /* made a folder */
    const char *header;   /* a NIfTI-1 pair header written beside it, or NULL */
    Loader      loader;
  } cases[] = {
    { "pair.img", "pair.hdr", LOAD_VOLUME },
    { "model.stl", NULL, LOAD_MESH },
    { "case.osteoplan", NULL, LOAD_PLAN },
  };
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "folders", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folder = g_build_filename (dir, cases[i].folder, NULL);
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      if (cases[i].header != NULL)
        {
          /* A minimal NIfTI-1 pair header: 4 × 4 × 4 int16, 1 mm, magic "ni1". */
          guint8 h[348] = { 0 };
          gint32 size = 348;
          gint16 dim[8] = { 3, 4, 4, 4, 1, 1, 1, 1 };
          gint16 datatype = 4, bitpix = 16;
          float pixdim[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };

          memcpy (h, &size, 4);
          memcpy (h + 40, dim, sizeof dim);
          memcpy (h + 70, &datatype, 2);
          memcpy (h + 72, &bitpix, 2);
          memcpy (h + 76, pixdim, sizeof pixdim);
          memcpy (h + 344, "ni1", 4);
          path = g_build_filename (dir, cases[i].header, NULL);
          g_assert_true (g_file_set_contents (path, (const char *) h, sizeof h, NULL));
        }
      else
        path = g_strdup (folder);
      error = load_with (cases[i].loader, path);
      g_test_message ("%s: %s", cases[i].folder, error != NULL ? error->message : "(loaded)");
      g_assert_nonnull (error);
      g_assert_null (strstr (error->message, "4096"));
      g_assert_nonnull (strstr (error->message, cases[i].folder));
    }
}

/* -- plan run exports stay in their folder --------------------------------------------------- */

static gboolean
run_json (OspPlan     *plan,
          const char  *json,
          const char  *base_dir,
          const char  *export_dir,
          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  return osp_plan_run_operation (plan, json_node_get_object (json_parser_get_root (parser)),
                                 base_dir, export_dir, NULL, error);
}

static void
test_export_escape (void)
{
  g_autofree char *root = g_build_filename (osp_test_tmpdir (), "escape", NULL);
  g_autofree char *export_dir = g_build_filename (root, "exports", NULL);
  g_autofree char *outside = g_build_filename (root, "outside", NULL);
  g_autofree char *link = g_build_filename (export_dir, "out", NULL);
  g_autofree char *file_link = g_build_filename (export_dir, "linked.stl", NULL);
  g_autofree char *victim = g_build_filename (outside, "victim.stl", NULL);
  g_autofree char *stl = g_build_filename (root, "box.stl", NULL);
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(OspPlan) plan = osp_plan_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *load = NULL;
  struct
  {
    const char *path;
    const char *says;
  } refused[] = {
    { "../x.stl", "outside" },
    { "../../x.stl", "outside" },
    { "sub/../../x.stl", "outside" },
    { "out/x.stl", "symbolic link" },      /* a link inside pointing out */
    { "out/../../outside/x.stl", "outside" },
    { "linked.stl", "not a regular file" },  /* the file itself a link */
    { NULL, "absolute" },                   /* filled in below */
  };

  g_assert_cmpint (g_mkdir_with_parents (export_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (outside, 0700), ==, 0);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_true (g_file_set_contents (victim, "keep", -1, NULL));
  g_assert_cmpint (symlink (victim, file_link), ==, 0);
  g_assert_true (osp_mesh_save (box, stl, OSP_MESH_FORMAT_STL_BINARY, &error));
  load = g_strdup_printf ("{\"op\": \"load\", \"path\": \"box.stl\", \"name\": \"Box\"}");
  g_assert_true (run_json (plan, load, root, export_dir, &error));
  g_assert_no_error (error);

  absolute = g_build_filename (outside, "abs.stl", NULL);
  refused[G_N_ELEMENTS (refused) - 1].path = absolute;
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *op = g_strdup_printf ("{\"op\": \"export\", \"path\": \"%s\"}",
                                             refused[i].path);
      g_autoptr(GError) export_error = NULL;

      g_assert_false (run_json (plan, op, root, export_dir, &export_error));
      g_test_message ("%s: %s", refused[i].path, export_error->message);
      g_assert_error (export_error, OSP_ERROR, OSP_ERROR_FAILED);
      g_assert_nonnull (strstr (export_error->message, refused[i].says));
    }
  /* Nothing was written outside, and the linked file kept its contents. */
  {
    g_autoptr(GDir) d = g_dir_open (outside, 0, NULL);
    g_autofree char *contents = NULL;
    guint n = 0;

    while (g_dir_read_name (d) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);
    g_assert_true (g_file_get_contents (victim, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "keep");
  }
  {
    g_autofree char *escaped = g_build_filename (root, "x.stl", NULL);

    g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  }

  /* Inside the folder (a subfolder, a harmless ".."), an export works. */
  {
    g_autofree char *sub = g_build_filename (export_dir, "sub", NULL);
    g_autofree char *written = g_build_filename (sub, "box.stl", NULL);
    g_autoptr(OspMesh) back = NULL;

    g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
    g_assert_true (run_json (plan, "{\"op\": \"export\", \"path\": \"sub/../sub/box.stl\"}",
                             root, export_dir, &error));
    g_assert_no_error (error);
    back = osp_mesh_load (written, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (osp_mesh_get_n_triangles (back), ==, 12);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_state ();

  g_test_add_func ("/hostile/fifo", test_fifo);
  g_test_add_func ("/hostile/fifo-in-dicom-folder", test_fifo_in_dicom_folder);
  g_test_add_func ("/hostile/folder-as-file", test_folder_as_file);
  g_test_add_func ("/hostile/export-escape", test_export_escape);
  return g_test_run ();
}
