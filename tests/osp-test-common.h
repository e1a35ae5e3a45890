/* osp-test-common.h — helpers for the tests
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "osp-mesh.h"
#include "osp-mesh-io.h"
#include "osp-plan.h"

G_BEGIN_DECLS

/* The shared data folder (OSP_SHARED_DATA), or NULL after g_test_skip() with a message when
 * it is absent.  Free with g_free. */
char    *osp_test_shared_data (const char *relative_path);

/* A fresh temporary folder, removed (with its files) at exit. */
const char *osp_test_tmpdir   (void);
/* NAME in that folder.  Free with g_free. */
char    *osp_test_tmp_path    (const char *name);
/* Points XDG_STATE_HOME (autosaves) at a folder in it; call after g_test_init(). */
void     osp_test_isolate_state (void);

/* Simple solids with outward normals. */
OspMesh *osp_test_make_box          (float sx, float sy, float sz);
OspMesh *osp_test_make_tetrahedron  (void);
/* A UV torus, major radius R, minor r, nu × nv quads (2 nu nv triangles), closed. */
OspMesh *osp_test_make_torus        (float R, float r, guint nu, guint nv);
/* A UV sphere of radius r: (stacks − 2) × slices × 2 + 2 × slices triangles, closed. */
OspMesh *osp_test_make_sphere       (float r, guint slices, guint stacks);

/* The mesh moved by (dx, dy, dz). */
OspMesh *osp_test_translate         (const OspMesh *mesh, float dx, float dy, float dz);
/* One mesh holding both. */
OspMesh *osp_test_merge2            (OspMesh *a, OspMesh *b);
/* The mesh as a reader that welds (STL) sees it: vertices numbered by first use. */
OspMesh *osp_test_welded            (const OspMesh *mesh);

/* Whether one of the warnings of a load contains `fragment`. */
gboolean osp_test_has_warning       (const OspMeshLoadInfo *info, const char *fragment);

/* A GAsyncReadyCallback that stores a reference to the result in *(GAsyncResult **) user_data:
 * iterate the main context until it is set. */
void     osp_test_store_result      (GObject *source, GAsyncResult *result, gpointer user_data);

/* Executes `command` (taking it) on `plan` and asserts that it succeeded. */
void     osp_test_execute_ok        (OspPlan *plan, OspCommand *command);

G_END_DECLS
