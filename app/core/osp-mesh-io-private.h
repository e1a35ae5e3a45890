/* osp-mesh-io-private.h — the mesh readers and writers, as osp-mesh-io.c dispatches to them
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh-io.h"
#include "osp-mesh-reader-private.h"

G_BEGIN_DECLS

/* -- Formats -------------------------------------------------------------------------------- */

OspMesh  *osp_stl_read_binary      (OspMeshReader *reader,
                                    GError       **error);
OspMesh  *osp_stl_read_ascii       (OspMeshReader *reader,
                                    GError       **error);
OspMesh  *osp_obj_read             (OspMeshReader *reader,
                                    GError       **error);
OspMesh  *osp_ply_read             (OspMeshReader *reader,
                                    GError       **error);

gboolean  osp_stl_write            (const OspMesh *mesh,
                                    const char    *path,
                                    gboolean       ascii,
                                    GError       **error);
gboolean  osp_obj_write            (const OspMesh *mesh,
                                    const char    *path,
                                    GError       **error);
gboolean  osp_ply_write            (const OspMesh *mesh,
                                    const char    *path,
                                    gboolean       ascii,
                                    GError       **error);

G_END_DECLS
