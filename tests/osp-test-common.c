/* osp-test-common.c
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "osp-test-common.h"

char *
osp_test_shared_data (const char *relative_path)
{
  const char *dir = g_getenv ("OSP_SHARED_DATA");
  g_autofree char *path = NULL;

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("../shared/data is absent (set OSP_SHARED_DATA): skipping the data suite");
      return NULL;
    }
  path = g_build_filename (dir, relative_path, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("%s is absent from the shared data: skipping",
                                              relative_path);
      g_test_skip (msg);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static char *tmpdir;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
remove_tmpdir (void)
{
  if (tmpdir != NULL && g_getenv ("OSP_TEST_KEEP_TMP") == NULL)
    remove_tree (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

const char *
osp_test_tmpdir (void)
{
  if (tmpdir == NULL)
    {
      g_autoptr(GError) error = NULL;

      tmpdir = g_dir_make_tmp ("osteoplan-test-XXXXXX", &error);
      g_assert_no_error (error);
      atexit (remove_tmpdir);
    }
  return tmpdir;
}

OspMesh *
osp_test_make_box (float sx, float sy, float sz)
{
  const float p[8 * 3] = {
    0, 0, 0,  sx, 0, 0,  sx, sy, 0,  0, sy, 0,
    0, 0, sz, sx, 0, sz, sx, sy, sz, 0, sy, sz,
  };
  const guint32 t[12 * 3] = {
    0, 2, 1, 0, 3, 2, /* z = 0, facing −z */
    4, 5, 6, 4, 6, 7, /* z = sz */
    0, 1, 5, 0, 5, 4, /* y = 0 */
    2, 3, 7, 2, 7, 6, /* y = sy */
    1, 2, 6, 1, 6, 5, /* x = sx */
    3, 0, 4, 3, 4, 7, /* x = 0 */
  };

  return osp_mesh_new (p, 8, t, 12);
}

OspMesh *
osp_test_make_tetrahedron (void)
{
  const float p[4 * 3] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  const guint32 t[4 * 3] = { 0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3 };

  return osp_mesh_new (p, 4, t, 4);
}

OspMesh *
osp_test_make_torus (float R, float r, guint nu, guint nv)
{
  float *p = g_new (float, (gsize) nu * nv * 3);
  guint32 *t = g_new (guint32, (gsize) nu * nv * 6);
  gsize k = 0;

  for (guint i = 0; i < nu; i++)
    for (guint j = 0; j < nv; j++)
      {
        double u = 2 * G_PI * i / nu, v = 2 * G_PI * j / nv;
        float *q = p + 3 * ((gsize) i * nv + j);

        q[0] = (float) ((R + r * cos (v)) * cos (u));
        q[1] = (float) ((R + r * cos (v)) * sin (u));
        q[2] = (float) (r * sin (v));
      }
  for (guint i = 0; i < nu; i++)
    for (guint j = 0; j < nv; j++)
      {
        guint32 a = i * nv + j, b = ((i + 1) % nu) * nv + j;
        guint32 c = ((i + 1) % nu) * nv + (j + 1) % nv, d = i * nv + (j + 1) % nv;

        t[k++] = a; t[k++] = b; t[k++] = c;
        t[k++] = a; t[k++] = c; t[k++] = d;
      }
  return osp_mesh_new_take (p, nu * nv, t, nu * nv * 2);
}

OspMesh *
osp_test_make_sphere (float r, guint slices, guint stacks)
{
  guint32 n_v = (stacks - 1) * slices + 2;
  float *p = g_new (float, (gsize) n_v * 3);
  guint32 *t = g_new (guint32, (gsize) ((stacks - 2) * slices * 2 + 2 * slices) * 3);
  guint32 north = n_v - 2, south = n_v - 1;
  gsize k = 0;

  for (guint s = 1; s < stacks; s++)
    for (guint j = 0; j < slices; j++)
      {
        double th = G_PI * s / stacks, ph = 2 * G_PI * j / slices;
        float *q = p + 3 * ((gsize) (s - 1) * slices + j);

        q[0] = (float) (r * sin (th) * cos (ph));
        q[1] = (float) (r * sin (th) * sin (ph));
        q[2] = (float) (r * cos (th));
      }
  p[3 * north + 0] = 0; p[3 * north + 1] = 0; p[3 * north + 2] = r;
  p[3 * south + 0] = 0; p[3 * south + 1] = 0; p[3 * south + 2] = -r;

  for (guint j = 0; j < slices; j++)
    {
      guint32 j1 = (j + 1) % slices;

      t[k++] = north; t[k++] = j; t[k++] = j1;
      t[k++] = south; t[k++] = (stacks - 2) * slices + j1; t[k++] = (stacks - 2) * slices + j;
    }
  for (guint s = 0; s + 2 < stacks; s++)
    for (guint j = 0; j < slices; j++)
      {
        guint32 j1 = (j + 1) % slices;
        guint32 a = s * slices + j, b = (s + 1) * slices + j;
        guint32 c = (s + 1) * slices + j1, d = s * slices + j1;

        t[k++] = a; t[k++] = b; t[k++] = c;
        t[k++] = a; t[k++] = c; t[k++] = d;
      }
  return osp_mesh_new_take (p, n_v, t, (guint32) (k / 3));
}

char *
osp_test_tmp_path (const char *name)
{
  return g_build_filename (osp_test_tmpdir (), name, NULL);
}

void
osp_test_isolate_state (void)
{
  /* Not G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74 leaks its strings, which LeakSanitizer
   * reports. */
  g_autofree char *state = osp_test_tmp_path ("state");

  g_setenv ("XDG_STATE_HOME", state, TRUE);
}

OspMesh *
osp_test_translate (const OspMesh *mesh,
                    float          dx,
                    float          dy,
                    float          dz)
{
  mat4 m = GLM_MAT4_IDENTITY_INIT;

  m[3][0] = dx;
  m[3][1] = dy;
  m[3][2] = dz;
  return osp_mesh_transform (mesh, m);
}

OspMesh *
osp_test_merge2 (OspMesh *a,
                 OspMesh *b)
{
  OspMesh *both[2] = { a, b };

  return osp_mesh_merge (both, 2);
}

OspMesh *
osp_test_welded (const OspMesh *mesh)
{
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh);
  g_autofree float *soup = g_new (float, 9 * (gsize) nt + 1);

  for (gsize i = 0; i < 3 * (gsize) nt; i++)
    memcpy (soup + 3 * i, p + 3 * (gsize) t[i], 3 * sizeof (float));
  return osp_mesh_weld_soup (soup, nt);
}

gboolean
osp_test_has_warning (const OspMeshLoadInfo *info,
                      const char            *fragment)
{
  for (guint i = 0; info->warnings != NULL && i < info->warnings->len; i++)
    if (strstr (g_ptr_array_index (info->warnings, i), fragment) != NULL)
      return TRUE;
  return FALSE;
}

void
osp_test_execute_ok (OspPlan    *plan,
                     OspCommand *command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspCommand) owned = command;

  g_assert_true (osp_plan_execute (plan, owned, &error));
  g_assert_no_error (error);
}

void
osp_test_store_result (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}
