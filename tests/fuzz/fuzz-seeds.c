/* fuzz-seeds.c — writes the generated seed corpora for the fuzz targets
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-seeds OUTDIR — writes OUTDIR/{stl,obj,ply,3mf,nifti,plan}/… small valid files made by our
 * own writers, plus hand-written variants that exercise rarer syntax.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "osp-mesh-io.h"
#include "osp-command.h"
#include "osp-model.h"
#include "osp-phantom.h"
#include "osp-plan.h"
#include "osp-volume-io.h"

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, text, -1, &error))
    g_error ("%s", error->message);
}

static void
save_mesh (const OspMesh *mesh,
           const char    *dir,
           const char    *name,
           OspMeshFormat  format)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!osp_mesh_save (mesh, path, format, &error))
    g_error ("%s", error->message);
}

int
main (int    argc,
      char **argv)
{
  const float p[8 * 3] = { 0, 0, 0, 2, 0, 0, 2, 2, 0, 0, 2, 0, 0, 0, 2, 2, 0, 2, 2, 2, 2, 0, 2, 2 };
  const guint32 t[12 * 3] = { 0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
                              2, 3, 7, 2, 7, 6, 1, 2, 6, 1, 6, 5, 3, 0, 4, 3, 4, 7 };
  g_autoptr(OspMesh) box = osp_mesh_new (p, 8, t, 12);
  g_autofree char *stl = NULL, *obj = NULL, *ply = NULL, *nifti = NULL, *plan_dir = NULL;
  g_autofree char *tmf = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: fuzz-seeds OUTDIR\n");
      return 1;
    }
  stl = g_build_filename (argv[1], "stl", NULL);
  obj = g_build_filename (argv[1], "obj", NULL);
  ply = g_build_filename (argv[1], "ply", NULL);
  nifti = g_build_filename (argv[1], "nifti", NULL);
  plan_dir = g_build_filename (argv[1], "plan", NULL);
  g_mkdir_with_parents (plan_dir, 0755);
  tmf = g_build_filename (argv[1], "3mf", NULL);
  g_mkdir_with_parents (tmf, 0755);
  g_mkdir_with_parents (stl, 0755);
  g_mkdir_with_parents (obj, 0755);
  g_mkdir_with_parents (ply, 0755);
  g_mkdir_with_parents (nifti, 0755);

  save_mesh (box, stl, "box-binary.stl", OSP_MESH_FORMAT_STL_BINARY);
  save_mesh (box, stl, "box-ascii.stl", OSP_MESH_FORMAT_STL_ASCII);
  write_text (stl, "two-solids-crlf.stl",
              "solid a\r\n facet normal nan 0 0\r\n  outer loop\r\n   vertex 0 0 0\r\n"
              "   vertex 1 0 0\r\n   vertex 0 1 0\r\n  endloop\r\n endfacet\r\nendsolid b\r\n"
              "solid\r\n\tfacet normal 0 0 1\r\n\touter loop\r\n\tvertex 0 0 1\r\n\tvertex 1 0 1\r\n"
              "\tvertex 0 1 1\r\n\tendloop\r\n\tendfacet\r\nendsolid\r\n");

  save_mesh (box, obj, "box.obj", OSP_MESH_FORMAT_OBJ);
  write_text (obj, "quads-negative.obj",
              "mtllib x.mtl\no cube\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvn 0 0 1\n"
              "usemtl m\ns off\nf -4/1/1 -3/1/1 -2/1/1 -1/1/1\nl 1 2\np 3\n"
              "v 0 0 1\nv 2 0 1\nv 2 2 1\nv 1 1 1\nv 0 2 1\nf 5//1 6//1 7//1 8//1 9//1\n");

  save_mesh (box, tmf, "box.3mf", OSP_MESH_FORMAT_3MF);

  save_mesh (box, ply, "box-binary.ply", OSP_MESH_FORMAT_PLY);
  save_mesh (box, ply, "box-ascii.ply", OSP_MESH_FORMAT_PLY_ASCII);
  write_text (ply, "extra-props.ply",
              "ply\nformat ascii 1.0\ncomment made by hand\nelement vertex 4\n"
              "property double x\nproperty double y\nproperty double z\nproperty uchar red\n"
              "element face 1\nproperty list uchar int vertex_indices\nproperty float quality\n"
              "element edge 0\nproperty int vertex1\nend_header\n"
              "0 0 0 255\n1 0 0 0\n1 1 0 3\n0 1 0 9\n4 0 1 2 3 0.5\n");

  {
    OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;
    g_autoptr(GError) error = NULL;
    g_autoptr(OspVolume) volume = NULL;
    g_autofree char *path = g_build_filename (nifti, "phantom-4mm.nii", NULL);

    /* Coarse voxels keep the seed small. */
    options.voxel_mm = 4.0;
    volume = osp_phantom_generate (&options, NULL, NULL, &error);
    if (volume == NULL || !osp_volume_save_nifti (volume, path, &error))
      g_error ("%s", error->message);
  }
  {
    g_autoptr(OspPlan) plan = osp_plan_new ();
    g_autoptr(OspModel) model = osp_model_new ("Box", box, OSP_MODEL_ROLE_BONE);
    g_autoptr(OspCommand) add = osp_command_new_add_model (model, -1, NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename (plan_dir, "box.osteoplan", NULL);

    if (!osp_plan_execute (plan, add, &error) ||
        !osp_plan_save (plan, path, NULL, NULL, &error))
      g_error ("%s", error->message);
  }
  return 0;
}
