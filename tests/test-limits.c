/* test-limits.c — work too large for this machine's memory is refused up front
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OSP_MEMORY_LIMIT_MB caps what osp_memory_available() reports, so a small limit stands in for
 * a machine with little memory.  Each case writes a valid file, checks that it loads without
 * the limit (so the refusal is about memory, not about the file) and that with the limit it is
 * refused with OSP_ERROR_TOO_LARGE and a message that names the file.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-io.h"
#include "osp-phantom.h"
#include "osp-test-common.h"
#include "osp-volume-io.h"

#define LIMIT_MB "3"

typedef struct
{
  const char    *file_name;
  OspMeshFormat  format;
} MeshCase;

static const MeshCase mesh_cases[] = {
  { "limits-torus.stl", OSP_MESH_FORMAT_STL_BINARY },
  { "limits-torus-ascii.stl", OSP_MESH_FORMAT_STL_ASCII },
  { "limits-torus.ply", OSP_MESH_FORMAT_PLY },
  { "limits-torus.obj", OSP_MESH_FORMAT_OBJ },
  { "limits-torus.3mf", OSP_MESH_FORMAT_3MF },
};

static void
test_mesh_limit (gconstpointer data)
{
  const MeshCase *tc = data;
  /* 240 000 triangles: about 12 MB as binary STL; the mesh alone needs 4.3 MB, over the 3 MB
   * "machine" even before the readers' temporaries. */
  g_autoptr(OspMesh) torus = osp_test_make_torus (40, 12, 600, 200);
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), tc->file_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) loaded = NULL;

  g_assert_true (osp_mesh_save (torus, path, tc->format, &error));
  g_assert_no_error (error);

  loaded = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (osp_mesh_get_n_triangles (loaded), ==, osp_mesh_get_n_triangles (torus));
  g_clear_pointer (&loaded, osp_mesh_unref);

  g_setenv ("OSP_MEMORY_LIMIT_MB", LIMIT_MB, TRUE);
  loaded = osp_mesh_load (path, NULL, NULL, &error);
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
  g_assert_null (loaded);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, tc->file_name));
}

static void
test_volume_limit (void)
{
  g_autofree char *path = g_build_filename (osp_test_tmpdir (), "limits-phantom.nii", NULL);
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;
  g_autoptr(OspVolume) loaded = NULL;

  /* 2 mm voxels: 150 × 112 × 100 int16, about 3.4 MB on disk and in memory. */
  options.voxel_mm = 2.0;
  volume = osp_phantom_generate (&options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (osp_volume_save_nifti (volume, path, &error));
  g_assert_no_error (error);

  loaded = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&loaded, osp_volume_unref);

  g_setenv ("OSP_MEMORY_LIMIT_MB", "2", TRUE);
  loaded = osp_volume_load (path, NULL, NULL, NULL, &error);
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
  g_assert_null (loaded);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "limits-phantom.nii"));
}

static void
test_volume_new_limit (void)
{
  const guint32 dims[3] = { 1024, 1024, 1024 };
  const double spacing[3] = { 1, 1, 1 }, origin[3] = { 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) volume = NULL;

  /* 2 GiB of voxels on a "machine" of 64 MiB: refused before any allocation. */
  g_setenv ("OSP_MEMORY_LIMIT_MB", "64", TRUE);
  volume = osp_volume_new (dims, spacing, origin, NULL, "huge.nii", &error);
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
  g_assert_null (volume);
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "huge.nii"));
}

static void
test_memory_check (void)
{
  g_autoptr(GError) error = NULL;

  g_setenv ("OSP_MEMORY_LIMIT_MB", "100", TRUE);
  g_assert_cmpuint (osp_memory_available (), <=, 100u << 20);
  g_assert_true (osp_memory_check (50u << 20, "a.stl", "the mesh", &error));
  g_assert_no_error (error);
  g_assert_false (osp_memory_check (95u << 20, "a.stl", "the mesh", &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "a.stl"));
  g_clear_error (&error);
  g_assert_false (osp_memory_check (G_MAXUINT64, NULL, "the mesh", &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
}

/* osp_mesh_report_checked() refuses instead of aborting in g_malloc, and reports exactly what
 * osp_mesh_report() does when it fits. */
static void
test_report_limit (void)
{
  g_autoptr(OspMesh) sphere = osp_test_make_sphere (10, 256, 128);   /* 65 024 triangles */
  g_autoptr(GError) error = NULL;
  OspMeshReport checked, plain;
  guint32 nv = osp_mesh_get_n_vertices (sphere), nt = osp_mesh_get_n_triangles (sphere);

  /* Two copies of 3 half-edges of 16 bytes, three guint32 a triangle, a byte a vertex. */
  g_assert_cmpuint (osp_mesh_report_bytes (nv, nt), ==,
                    (guint64) nt * 108 + nv + (sizeof (gsize) << 16) + 64);
  g_setenv ("OSP_MEMORY_LIMIT_MB", LIMIT_MB, TRUE);
  g_assert_false (osp_mesh_report_checked (sphere, &checked, "sphere.stl", &error));
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "sphere.stl"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_true (osp_mesh_report_checked (sphere, &checked, "sphere.stl", &error));
  g_assert_no_error (error);
  osp_mesh_report (sphere, &plain);
  g_assert_cmpuint (checked.topology.n_edges, ==, plain.topology.n_edges);
  g_assert_cmpuint (checked.topology.n_edges, ==, (guint64) nt * 3 / 2);
  g_assert_true (checked.closed);
}

/* A binary STL that says 10 million triangles (a sparse 500 MB file) is refused before any of it
 * is read, from its header; files whose size the header does not tell pass. */
static void
test_up_front (void)
{
  g_autofree char *sparse = osp_test_tmp_path ("limits-sparse.stl");
  g_autofree char *small = osp_test_tmp_path ("limits-small.stl");
  g_autofree char *ascii = osp_test_tmp_path ("limits-small-ascii.stl");
  g_autofree char *missing = osp_test_tmp_path ("limits-missing.stl");
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  g_autoptr(GError) error = NULL;
  const guint32 n = 10000000;
  guint32 n_le = GUINT32_TO_LE (n);
  FILE *f;

  f = g_fopen (sparse, "wb");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, 80, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (&n_le, 4, 1, f), ==, 1);
  g_assert_cmpint (ftruncate (fileno (f), 84 + (off_t) n * 50), ==, 0);
  fclose (f);
  g_assert_true (osp_mesh_save (box, small, OSP_MESH_FORMAT_STL_BINARY, &error));
  g_assert_true (osp_mesh_save (box, ascii, OSP_MESH_FORMAT_STL_ASCII, &error));
  g_assert_no_error (error);

  g_setenv ("OSP_MEMORY_LIMIT_MB", "256", TRUE);
  g_assert_false (osp_mesh_check_memory (sparse, TRUE, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_assert_true (g_str_has_prefix (error->message, "limits-sparse.stl"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  /* Reading alone (no report) needs the file and the weld: still over 256 MiB. */
  g_assert_false (osp_mesh_check_memory (sparse, FALSE, &error));
  g_assert_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_true (osp_mesh_check_memory (small, TRUE, &error));
  g_assert_true (osp_mesh_check_memory (ascii, TRUE, &error));
  g_assert_no_error (error);
  g_unsetenv ("OSP_MEMORY_LIMIT_MB");
  g_assert_false (osp_mesh_check_memory (missing, TRUE, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OSP_TEST_ASAN 1
#endif
#endif

/* Under an address-space limit (ulimit -v) what is mapped already counts: the available memory
 * is the limit less the address space in use less a reserve for thread stacks. */
static void
test_address_space (void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(OSP_TEST_ASAN)
  g_test_skip ("AddressSanitizer maps terabytes of shadow memory: no address-space limit");
#else
  if (g_test_subprocess ())
    {
      g_autofree char *statm = NULL;
      guint64 used, avail;
      struct rlimit rl;

      g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
      used = g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
      rl.rlim_cur = rl.rlim_max = used + ((guint64) 300 << 20);
      g_assert_cmpint (setrlimit (RLIMIT_AS, &rl), ==, 0);
      avail = osp_memory_available ();
      g_assert_cmpuint (avail, <=, (guint64) (300 - 64) << 20);
      g_assert_cmpuint (avail, >=, (guint64) 200 << 20);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
#endif
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mesh_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/limits/mesh/%s", mesh_cases[i].file_name);

      g_test_add_data_func (name, &mesh_cases[i], test_mesh_limit);
    }
  g_test_add_func ("/limits/volume/nifti", test_volume_limit);
  g_test_add_func ("/limits/volume/new", test_volume_new_limit);
  g_test_add_func ("/limits/memory-check", test_memory_check);
  g_test_add_func ("/limits/report", test_report_limit);
  g_test_add_func ("/limits/up-front", test_up_front);
  g_test_add_func ("/limits/address-space", test_address_space);
  return g_test_run ();
}
