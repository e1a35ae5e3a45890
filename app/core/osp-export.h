/* osp-export.h — print-ready export of several models
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The export dialog and the plan hand a list of named, coloured models with their transforms
 * and get files: one 3MF package with one object per model (colours, millimetres, build
 * items), or binary STL / OBJ / PLY — one file per model, or all merged into one.  Transforms
 * are applied (a mirroring transform keeps the normals outward); every file is written
 * atomically.  The meshes are not changed; run the check (osp-print-check.h) and, when the
 * user accepts, the repair (osp-repair.h) before.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-model.h"
#include "osp-progress.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_EXPORT_3MF,
  OSP_EXPORT_STL,   /* binary */
  OSP_EXPORT_OBJ,
  OSP_EXPORT_PLY,   /* binary little endian */
} OspExportFormat;

typedef struct
{
  const char  *name;       /* UTF-8, shown in 3MF and used for per-model file names */
  OspMesh     *mesh;
  guint32      rgba;       /* 0xRRGGBBAA (3MF only) */
  const float *transform;  /* 16 floats, column-major (cglm); NULL: identity */
} OspExportItem;

/* Fills an item from a model: its name, mesh, colour and opacity, transform.  The strings
 * and arrays stay owned by the model (keep it alive while exporting). */
void             osp_export_item_from_model  (OspModel         *model,
                                              float             transform_storage[16],
                                              OspExportItem    *out_item);

/* ".3mf", ".stl", ".obj", ".ply" (ASCII case-insensitive); FALSE for anything else. */
gboolean         osp_export_format_from_path (const char       *path,
                                              OspExportFormat  *out_format);

/* The file a model goes to when each has its own: "dir/case.stl" and "Left hemipelvis" →
 * "dir/case-Left-hemipelvis.stl" (characters unsafe in file names become '-'). */
char            *osp_export_item_path        (const char       *path,
                                              const char       *name);

/* Writes the items to `path` in `format`.  3MF: one package, one object per item (merge:
 * a single object).  STL/OBJ/PLY: with merge, one file at `path`; without, one file per item
 * (osp_export_item_path(), or `path` itself for a single item).  The paths written are
 * returned in *out_paths (may be NULL; free with g_strfreev).  Preconditions: items
 * non-NULL with n_items ≥ 1, each with a mesh and a name, path non-NULL. */
gboolean         osp_export                  (const OspExportItem    *items,
                                              guint                   n_items,
                                              const char             *path,
                                              OspExportFormat         format,
                                              gboolean                merge,
                                              char                 ***out_paths,
                                              const OspProgressRange *progress,
                                              GCancellable           *cancellable,
                                              GError                **error);

/* The same with 3MF package metadata (NULL, or name, value, …, NULL: see osp_3mf_save_full();
 * osp_patient_to_3mf_metadata() gives the case's); other formats have none. */
gboolean         osp_export_full             (const OspExportItem    *items,
                                              guint                   n_items,
                                              const char             *path,
                                              OspExportFormat         format,
                                              gboolean                merge,
                                              const char *const      *metadata,
                                              char                 ***out_paths,
                                              const OspProgressRange *progress,
                                              GCancellable           *cancellable,
                                              GError                **error);

/* The same in a worker thread (GTask): the items are copied (names, transforms) and their
 * meshes referenced, so the caller may drop them at once.  `progress` (may be NULL) is
 * called from the worker thread.  Finish with osp_export_finish() in `callback`. */
void             osp_export_async            (const OspExportItem    *items,
                                              guint                   n_items,
                                              const char             *path,
                                              OspExportFormat         format,
                                              gboolean                merge,
                                              const OspProgressRange *progress,
                                              GCancellable           *cancellable,
                                              GAsyncReadyCallback     callback,
                                              gpointer                user_data);
/* The same with 3MF metadata (copied). */
void             osp_export_async_full       (const OspExportItem    *items,
                                              guint                   n_items,
                                              const char             *path,
                                              OspExportFormat         format,
                                              gboolean                merge,
                                              const char *const      *metadata,
                                              const OspProgressRange *progress,
                                              GCancellable           *cancellable,
                                              GAsyncReadyCallback     callback,
                                              gpointer                user_data);
/* The paths written (free with g_strfreev), or NULL with the error. */
char           **osp_export_finish           (GAsyncResult           *result,
                                              GError                **error);

G_END_DECLS
