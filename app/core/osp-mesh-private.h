/* osp-mesh-private.h — what stays inside the core
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "osp-mesh.h"

G_BEGIN_DECLS

struct _OspMesh
{
  gatomicrefcount ref_count;
  guint32         n_vertices;
  guint32         n_triangles;
  float          *positions;
  guint32        *indices;
};

gboolean osp_mesh_triangle_is_degenerate (const OspMesh *mesh,
                                          guint32        t);

G_END_DECLS
