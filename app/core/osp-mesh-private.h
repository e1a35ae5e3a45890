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
  /* The topology, found once (the mesh never changes) by whichever thread asks first:
   * topology_known is set, atomically, after topology is written (osp_mesh_peek_topology()). */
  gint            topology_known;
  OspMeshTopology topology;
};

gboolean osp_mesh_triangle_is_degenerate (const OspMesh *mesh,
                                          guint32        t);

/* Union–find over guint32 elements (parent[x] == x at a root), with path halving.  The
 * smaller root wins a union, so a set's root is its smallest element: labelling by roots
 * stays deterministic.  Inline: it runs once or more per triangle in hot loops. */
static inline guint32
osp_union_find_root (guint32 *parent,
                     guint32  x)
{
  while (parent[x] != x)
    {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
  return x;
}

static inline void
osp_union_find_join (guint32 *parent,
                     guint32  a,
                     guint32  b)
{
  a = osp_union_find_root (parent, a);
  b = osp_union_find_root (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

G_END_DECLS
