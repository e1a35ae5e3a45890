/* fuzz-mesh.c — libFuzzer target for the mesh readers (STL, OBJ, PLY, 3MF)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The readers detect the format from the content, so one entry point serves every mesh
 * format; the targets fuzz-stl, fuzz-obj, fuzz-ply and fuzz-3mf differ in their seeds and
 * dictionaries.
 */
#include "config.h"

#include <stdint.h>

#include "osp-mesh-io.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshLoadInfo info = { 0 };

  mesh = osp_mesh_load_from_data (data, size, "fuzz", &info, NULL, &error);
  /* Either a mesh or an error, never both, never neither. */
  g_assert ((mesh != NULL) != (error != NULL));
  if (mesh != NULL)
    {
      OspMeshReport report;

      osp_mesh_report (mesh, &report);
    }
  else
    g_assert (error->message != NULL && strstr (error->message, "fuzz") != NULL);
  osp_mesh_load_info_clear (&info);
  return 0;
}
