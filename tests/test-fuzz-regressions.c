/* test-fuzz-regressions.c — every input that once crashed, hung or misbehaved in a reader
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/fuzz/regressions/FORMAT/ holds inputs found by the fuzz targets (tests/fuzz) and by
 * hand; each is read by the same entry point as its fuzz target and must give either a result
 * or an error whose message names the file — never a crash, a hang or a huge allocation.  A
 * crash found by fuzzing is fixed, and its input is added here.
 */
#include "config.h"

#include "osp-mesh-io.h"
#include "osp-plan.h"
#include "osp-test-common.h"
#include "osp-volume-io.h"

typedef enum { READER_MESH, READER_VOLUME, READER_PLAN } Reader;

typedef struct
{
  const char *folder;
  Reader      reader;
} FormatCase;

static const FormatCase formats[] = {
  { "stl", READER_MESH },
  { "obj", READER_MESH },
  { "ply", READER_MESH },
  { "3mf", READER_MESH },
  { "nifti", READER_VOLUME },
  { "dicom", READER_VOLUME },
  { "plan", READER_PLAN },
};

static void
test_input (gconstpointer data)
{
  const char *path = data;
  g_autofree char *name = g_path_get_basename (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *folder = g_path_get_basename (dir);
  gboolean loaded = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      if (g_strcmp0 (formats[i].folder, folder) != 0)
        continue;
      switch (formats[i].reader)
        {
        case READER_MESH:
          {
            OspMeshLoadInfo info = { 0 };
            g_autoptr(OspMesh) mesh = osp_mesh_load (path, &info, NULL, &error);

            loaded = mesh != NULL;
            osp_mesh_load_info_clear (&info);
          }
          break;
        case READER_VOLUME:
          {
            g_autoptr(OspVolume) volume = osp_volume_load (path, NULL, NULL, NULL, &error);

            loaded = volume != NULL;
          }
          break;
        case READER_PLAN:
          {
            g_autoptr(OspPlan) plan = osp_plan_open (path, NULL, NULL, &error);

            loaded = plan != NULL;
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_true (loaded != (error != NULL));
  if (error != NULL)
    {
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, name));
    }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *root = NULL;
  guint n_inputs = 0;

  g_test_init (&argc, &argv, NULL);
  root = g_test_build_filename (G_TEST_DIST, "fuzz", "regressions", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *dir_path = g_build_filename (root, formats[i].folder, NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      /* The directory order is the file system's: sort for a stable test list. */
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint k = 0; k < names->len; k++)
        {
          const char *file = *(const char **) &names->pdata[k];
          g_autofree char *test_path = g_strdup_printf ("/fuzz-regressions/%s/%s",
                                                        formats[i].folder, file);

          g_test_add_data_func_full (test_path,
                                     g_build_filename (dir_path, file, NULL),
                                     test_input, g_free);
          n_inputs++;
        }
    }
  /* The folder ships with the source: an empty list means the test lost its inputs. */
  g_assert_cmpuint (n_inputs, >, 0);
  return g_test_run ();
}
