/* osp-mesh-io.h — reading and writing mesh files (STL, OBJ, PLY)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The format is detected from the content, never from the extension.  Readers check every
 * size and count against the bytes actually there before allocating, never crash or hang on
 * bad input, and fail with a GError whose message names the file and the problem.  Writers
 * are atomic (osp-atomic-file.h).
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_MESH_FORMAT_UNKNOWN,
  OSP_MESH_FORMAT_STL_BINARY,
  OSP_MESH_FORMAT_STL_ASCII,
  OSP_MESH_FORMAT_OBJ,
  OSP_MESH_FORMAT_PLY,      /* binary little endian when writing */
  OSP_MESH_FORMAT_PLY_ASCII,
  OSP_MESH_FORMAT_3MF,
} OspMeshFormat;

/* What a reader found besides the mesh. */
typedef struct
{
  OspMeshFormat format;
  guint32       n_file_triangles; /* triangles as stored (after triangulating polygons) */
  GPtrArray    *warnings;         /* translated strings ("trailing bytes after …"), or NULL */
} OspMeshLoadInfo;

void           osp_mesh_load_info_clear        (OspMeshLoadInfo *info);

/* A short name: "STL (binary)", "OBJ", … */
const char    *osp_mesh_format_get_name        (OspMeshFormat    format);
/* From a file name's extension, for writers (".stl" → binary STL, ".obj", ".ply", ".3mf"). */
OspMeshFormat  osp_mesh_format_from_extension  (const char      *path);
/* From content: the first bytes and the total size (a binary STL whose header starts with
 * "solid" is binary when 84 + 50 × count equals the size). */
OspMeshFormat  osp_mesh_detect_format          (const guint8    *data,
                                                gsize            len,
                                                guint64          file_size);

/* Reads any supported mesh file; welds STL corners into shared vertices.  out_info may be
 * NULL (then clear it with osp_mesh_load_info_clear() when given). */
OspMesh       *osp_mesh_load                   (const char      *path,
                                                OspMeshLoadInfo *out_info,
                                                GCancellable    *cancellable,
                                                GError         **error);
/* Estimates, before any work starts, the memory that loading `path` needs — with `report`, and
 * osp_mesh_report() on the result — and checks it (osp_memory_check()): FALSE with
 * OSP_ERROR_TOO_LARGE and a message naming the file when it cannot fit, or with the error of
 * opening the file.  Only binary STL tells its size up front; other formats pass (their readers
 * check as they go; use osp_mesh_report_checked() after loading). */
gboolean       osp_mesh_check_memory           (const char      *path,
                                                gboolean         report,
                                                GError         **error);
/* The same, reporting the fraction done through `progress` (may be NULL; called from the
 * loading thread and from the welding thread). */
OspMesh       *osp_mesh_load_full              (const char             *path,
                                                OspMeshLoadInfo        *out_info,
                                                const OspProgressRange *progress,
                                                GCancellable           *cancellable,
                                                GError                **error);
/* The same from memory; display_name is used in messages. */
OspMesh       *osp_mesh_load_from_data         (const guint8    *data,
                                                gsize            len,
                                                const char      *display_name,
                                                OspMeshLoadInfo *out_info,
                                                GCancellable    *cancellable,
                                                GError         **error);

/* Writes atomically in the given format (OSP_MESH_FORMAT_UNKNOWN: from the extension). */
gboolean       osp_mesh_save                   (const OspMesh   *mesh,
                                                const char      *path,
                                                OspMeshFormat    format,
                                                GError         **error);

G_END_DECLS
