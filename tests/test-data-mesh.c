/* test-data-mesh.c — the mesh files of ../shared/data, as their MANIFEST describes them
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each file loads with the counts its description states; then every STL and PLY under
 * mesh/, conformance/stl/ and implant/ is loaded again, whatever it is, and must either load
 * or fail with a message that names it.  The .vtk files are not a format the program reads.
 * Skips with a message when the shared data is absent.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-mesh-io.h"
#include "osp-test-common.h"

#define ANY G_MAXUINT32

typedef struct
{
  const char    *path;
  OspMeshFormat  format;
  guint32        n_triangles;      /* ANY: see the range below */
  guint32        min_triangles;
  guint32        max_triangles;
  guint32        n_vertices;       /* ANY: not stated */
  guint32        boundary_edges;   /* ANY: up to max_boundary */
  guint32        max_boundary;
  guint32        nonmanifold_edges;
  int            closed;           /* TRUE, FALSE or -1: either */
  double         volume;           /* mm³; 0: not stated */
  guint32        min_components;
  const char    *warning;          /* a fragment of an expected warning, or NULL for none */
} DataCase;

static const DataCase data_cases[] = {
  { "conformance/stl/lib3mf/Box.stl", OSP_MESH_FORMAT_STL_BINARY, 12, 0, 0, 8, 0, 0, 0, TRUE,
    6000.0, 1, NULL },
  { "conformance/stl/lib3mf/Pyramid.stl", OSP_MESH_FORMAT_STL_BINARY, 10, 0, 0, ANY, 0, 0, 0,
    TRUE, 0, 1, NULL },
  /* A sphere of radius 20: its volume within 1 % of 4/3 π r³. */
  { "conformance/stl/lib3mf/Sphere.stl", OSP_MESH_FORMAT_STL_BINARY, 2880, 0, 0, ANY, 0, 0, 0,
    TRUE, 4.0 / 3.0 * G_PI * 8000.0, 1, NULL },
  { "mesh/libhip_m3_left_proximal_femur.stl", OSP_MESH_FORMAT_STL_BINARY, ANY, 75000, 85000,
    ANY, 0, 0, 0, TRUE, 0, 1, NULL },
  { "mesh/libhip_m3_right_proximal_femur.stl", OSP_MESH_FORMAT_STL_BINARY, ANY, 75000, 85000,
    ANY, 0, 0, 0, TRUE, 0, 1, NULL },
  { "mesh/myosim_l_pelvis.stl", OSP_MESH_FORMAT_STL_BINARY, 246, 0, 0, ANY, 1, 0, 5, FALSE, 0,
    1, "metres" },
  { "mesh/myosim_r_pelvis.stl", OSP_MESH_FORMAT_STL_BINARY, 246, 0, 0, ANY, 1, 0, 5, FALSE, 0,
    1, "metres" },
  { "mesh/myosim_r_femur.stl", OSP_MESH_FORMAT_STL_BINARY, 908, 0, 0, ANY, 0, 0, 0, TRUE, 0, 1,
    "metres" },
  { "mesh/myosim_sacrum.stl", OSP_MESH_FORMAT_STL_BINARY, 380, 0, 0, ANY, 0, 0, 0, TRUE, 0, 1,
    "metres" },
  /* "COLOR=" header (Materialise): binary, whatever the header says. */
  { "mesh/pelvis_atlas_11_sacrum_S1-S3_segmentation.stl", OSP_MESH_FORMAT_STL_BINARY, 29026, 0,
    0, ANY, 4, 0, 6, FALSE, 0, 1, NULL },
  { "mesh/pelvis_atlas_11_left_surface.stl", OSP_MESH_FORMAT_STL_BINARY, ANY, 9000, 11000, ANY,
    ANY, 50, 0, FALSE, 0, 1, NULL },
  { "mesh/pelvis_atlas_11_right_surface.stl", OSP_MESH_FORMAT_STL_BINARY, ANY, 9000, 11000, ANY,
    ANY, 50, 0, FALSE, 0, 1, NULL },
  { "mesh/pelvis_atlas_11_sacrum_surface.stl", OSP_MESH_FORMAT_STL_BINARY, ANY, 9000, 11000,
    ANY, ANY, 50, ANY, FALSE, 0, 1, NULL },
  /* Several disconnected bone shells. */
  { "mesh/vtkdata_footbones.ply", OSP_MESH_FORMAT_PLY_ASCII, 4204, 0, 0, 2154, 0, 0, 0, TRUE, 0,
    2, NULL },
  /* ASCII STL with CRLF line ends; a broken export of 2 triangles. */
  { "implant/pelvis_atlas_11_corridor_AIIS_Left.stl", OSP_MESH_FORMAT_STL_ASCII, 2, 0, 0, ANY,
    ANY, 6, 0, FALSE, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_AIIS_Right.stl", OSP_MESH_FORMAT_STL_ASCII, ANY, 900,
    1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_Iliac_Crest_Left.stl", OSP_MESH_FORMAT_STL_ASCII, ANY, 900,
    1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_Iliac_Crest_Right.stl", OSP_MESH_FORMAT_STL_ASCII, ANY,
    900, 1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_Posterior_Column_Left.stl", OSP_MESH_FORMAT_STL_ASCII, ANY,
    900, 1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_Posterior_Column_Right.stl", OSP_MESH_FORMAT_STL_ASCII,
    ANY, 900, 1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_Superior_Ramus_Left.stl", OSP_MESH_FORMAT_STL_ASCII, ANY,
    900, 1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  { "implant/pelvis_atlas_11_corridor_Superior_Ramus_Right.stl", OSP_MESH_FORMAT_STL_ASCII, ANY,
    900, 1100, ANY, ANY, 7, 0, -1, 0, 1, NULL },
  /* Corrupt geometry that the plausibility check must flag. */
  { "implant/pelvis_atlas_11_corridor_Iliosacral_S1.stl", OSP_MESH_FORMAT_STL_ASCII, ANY, 800,
    1100, ANY, 85, 0, ANY, FALSE, 0, 1, "more than a whole pelvis" },
  { "implant/pelvis_atlas_11_corridor_Iliosacral_S2.stl", OSP_MESH_FORMAT_STL_ASCII, ANY, 800,
    1100, ANY, ANY, 1000, ANY, FALSE, 0, 1, "more than a whole pelvis" },
};

static void
test_data_file (gconstpointer data)
{
  const DataCase *tc = data;
  g_autofree char *path = osp_test_shared_data (tc->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };
  OspMeshReport report;

  if (path == NULL)
    return;
  mesh = osp_mesh_load (path, &info, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info.format, ==, tc->format);
  osp_mesh_report (mesh, &report);
  g_test_message ("%s: %u triangles, %u vertices, %" G_GUINT64_FORMAT " boundary, %"
                  G_GUINT64_FORMAT " non-manifold edges, volume %.3f, %u components",
                  tc->path, report.n_triangles, report.n_vertices,
                  report.topology.n_boundary_edges, report.topology.n_nonmanifold_edges,
                  report.volume, report.topology.n_components);

  if (tc->n_triangles != ANY)
    g_assert_cmpuint (report.n_triangles, ==, tc->n_triangles);
  else
    {
      g_assert_cmpuint (report.n_triangles, >=, tc->min_triangles);
      g_assert_cmpuint (report.n_triangles, <=, tc->max_triangles);
    }
  if (tc->n_vertices != ANY)
    g_assert_cmpuint (report.n_vertices, ==, tc->n_vertices);
  if (tc->boundary_edges != ANY)
    g_assert_cmpuint (report.topology.n_boundary_edges, ==, tc->boundary_edges);
  else
    g_assert_cmpuint (report.topology.n_boundary_edges, <=, tc->max_boundary);
  if (tc->nonmanifold_edges != ANY)
    g_assert_cmpuint (report.topology.n_nonmanifold_edges, ==, tc->nonmanifold_edges);
  if (tc->closed >= 0)
    g_assert_cmpint (report.closed, ==, tc->closed);
  if (tc->volume != 0)
    g_assert_cmpfloat_with_epsilon (report.volume, tc->volume, tc->volume * 0.01);
  else if (tc->closed == TRUE)
    g_assert_cmpfloat (report.volume, >, 0);
  g_assert_cmpuint (report.topology.n_components, >=, tc->min_components);

  if (tc->warning != NULL)
    g_assert_true (osp_test_has_warning (&info, tc->warning));
  else
    g_assert_null (info.warnings);
  osp_mesh_load_info_clear (&info);
}

/* The box of Box.stl is exact: 10 × 20 × 30 mm. */
static void
test_box_exact (void)
{
  g_autofree char *path = osp_test_shared_data ("conformance/stl/lib3mf/Box.stl");
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspBox box;

  if (path == NULL)
    return;
  mesh = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (osp_mesh_get_volume (mesh), ==, 6000.0);
  g_assert_cmpfloat (osp_mesh_get_area (mesh), ==, 2200.0);
  osp_mesh_get_bounds (mesh, &box);
  g_assert_cmpfloat (box.max[0] - box.min[0], ==, 10);
  g_assert_cmpfloat (box.max[1] - box.min[1], ==, 20);
  g_assert_cmpfloat (box.max[2] - box.min[2], ==, 30);
}

/* Converting a real file to every format and back gives the same mesh. */
static void
test_convert_round_trip (void)
{
  g_autofree char *path = osp_test_shared_data ("mesh/pelvis_atlas_11_left_surface.stl");
  const OspMeshFormat formats[] = {
    OSP_MESH_FORMAT_STL_BINARY, OSP_MESH_FORMAT_STL_ASCII, OSP_MESH_FORMAT_OBJ,
    OSP_MESH_FORMAT_PLY, OSP_MESH_FORMAT_PLY_ASCII,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;

  if (path == NULL)
    return;
  mesh = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strdup_printf ("pelvis-%u", i);
      g_autofree char *out = g_build_filename (osp_test_tmpdir (), name, NULL);
      g_autoptr(OspMesh) back = NULL;

      g_assert_true (osp_mesh_save (mesh, out, formats[i], &error));
      g_assert_no_error (error);
      back = osp_mesh_load (out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (osp_mesh_equal (back, mesh));
    }
}

static void
collect (const char *dir,
         GPtrArray  *out)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        collect (child, out);
      else if (g_str_has_suffix (name, ".stl") || g_str_has_suffix (name, ".STL") ||
               g_str_has_suffix (name, ".ply") || g_str_has_suffix (name, ".obj"))
        g_ptr_array_add (out, g_steal_pointer (&child));
    }
}

/* Every mesh file there: loads, or fails with a message naming it; never crashes. */
static void
test_every_file (void)
{
  const char *dirs[] = { "mesh", "conformance/stl", "implant" };
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  guint n_loaded = 0;

  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir = osp_test_shared_data (dirs[d]);

      if (dir == NULL)
        return;
      collect (dir, files);
    }
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(OspMesh) mesh = NULL;
      OspMeshLoadInfo info = { 0 };

      mesh = osp_mesh_load (path, &info, NULL, &error);
      g_assert_true ((mesh == NULL) != (error == NULL));
      if (error != NULL)
        {
          g_test_message ("%s", error->message);
          g_assert_true (g_str_has_prefix (error->message, base));
        }
      else
        n_loaded++;
      for (guint w = 0; info.warnings != NULL && w < info.warnings->len; w++)
        g_assert_true (g_str_has_prefix (g_ptr_array_index (info.warnings, w), base));
      osp_mesh_load_info_clear (&info);
    }
  g_test_message ("%u of %u mesh files loaded", n_loaded, files->len);
  g_assert_cmpuint (n_loaded, ==, files->len);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (data_cases); i++)
    {
      g_autofree char *base = g_path_get_basename (data_cases[i].path);
      g_autofree char *name = g_strdup_printf ("/data-mesh/file/%s", base);

      g_test_add_data_func (name, &data_cases[i], test_data_file);
    }
  g_test_add_func ("/data-mesh/box-exact", test_box_exact);
  g_test_add_func ("/data-mesh/convert-round-trip", test_convert_round_trip);
  g_test_add_func ("/data-mesh/every-file", test_every_file);

  return g_test_run ();
}
