/* osp-test-common.h — helpers for the tests
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "osp-mesh.h"

G_BEGIN_DECLS

/* The shared data folder (OSP_SHARED_DATA), or NULL after g_test_skip() with a message when
 * it is absent.  Free with g_free. */
char    *osp_test_shared_data (const char *relative_path);

/* A fresh temporary folder, removed (with its files) at exit. */
const char *osp_test_tmpdir   (void);

/* Simple solids with outward normals. */
OspMesh *osp_test_make_box          (float sx, float sy, float sz);
OspMesh *osp_test_make_tetrahedron  (void);
/* A UV torus, major radius R, minor r, nu × nv quads (2 nu nv triangles), closed. */
OspMesh *osp_test_make_torus        (float R, float r, guint nu, guint nv);
/* A UV sphere of radius r: (stacks − 2) × slices × 2 + 2 × slices triangles, closed. */
OspMesh *osp_test_make_sphere       (float r, guint slices, guint stacks);

G_END_DECLS
