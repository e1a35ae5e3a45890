/* osp-mesh-reader-private.h — what the mesh readers share inside the core (osp-mesh-reader.c)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh-io.h"

G_BEGIN_DECLS

/* One read in progress: the bytes (mapped, not NUL-terminated), the name for messages, where
 * warnings go and the cancellable. */
typedef struct
{
  const guint8    *data;
  gsize            len;
  const char      *name;
  OspMeshLoadInfo *info;        /* never NULL inside the readers */
  const OspProgressRange *progress;  /* may be NULL */
  GCancellable    *cancellable;
} OspMeshReader;

/* Appends a translated warning to reader->info->warnings. */
void      osp_mesh_reader_warn     (OspMeshReader *reader,
                                    const char    *format,
                                    ...) G_GNUC_PRINTF (2, 3);
/* Reports the fraction done, from the part of the file read so far. */
void      osp_mesh_reader_progress (OspMeshReader *reader,
                                    const void    *position);
/* Sets G_IO_ERROR_CANCELLED and returns TRUE when cancelled. */
gboolean  osp_mesh_reader_cancelled (OspMeshReader *reader,
                                     GError       **error);
/* A printable excerpt of untrusted text (at most 32 characters, control bytes escaped). */
char     *osp_mesh_io_excerpt      (const char *text,
                                    gsize       len);

/* -- Text ----------------------------------------------------------------------------------- */

typedef struct
{
  const char *p;
  const char *end;
  guint64     line;     /* 1-based number of the line p is on */
} OspTextCursor;

void      osp_text_cursor_init     (OspTextCursor *cursor,
                                    const guint8  *data,
                                    gsize          len);
/* Skips blanks (space, tab, \v, \f, \r) but not line ends. */
void      osp_text_skip_blanks     (OspTextCursor *cursor);
/* Skips blanks and line ends. */
void      osp_text_skip_space      (OspTextCursor *cursor);
/* The next token on the current line (up to a blank or line end); FALSE at a line end or EOF. */
gboolean  osp_text_token           (OspTextCursor *cursor,
                                    const char   **out_token,
                                    gsize         *out_len);
/* Moves past the end of the current line. */
void      osp_text_next_line       (OspTextCursor *cursor);
gboolean  osp_text_at_end          (const OspTextCursor *cursor);
/* TRUE when the token equals the NUL-terminated keyword (ASCII case-insensitive when asked). */
gboolean  osp_token_is             (const char *token,
                                    gsize       len,
                                    const char *keyword,
                                    gboolean    ignore_case);
/* Parses a whole token as a number (locale independent; nan and inf accepted). */
gboolean  osp_token_to_double      (const char *token,
                                    gsize       len,
                                    double     *out_value);
gboolean  osp_token_to_int64       (const char *token,
                                    gsize       len,
                                    gint64     *out_value);

/* -- Building indexed meshes ---------------------------------------------------------------- */

/* Triangulates a simple polygon (corner vertex numbers `poly`, n ≥ 3) by ear clipping in its
 * own plane: concave polygons come out right, collinear and repeated corners do not stop it.
 * Appends at most n − 2 triangles to `out` (GArray of guint32), dropping those that repeat a
 * vertex (a triangle, n = 3, is appended as it is).  Returns FALSE when the polygon was too
 * large (or too pathological) for ear clipping and was fanned. */
gboolean  osp_polygon_triangulate  (const float   *positions,
                                    const guint32 *poly,
                                    guint32        n,
                                    GArray        *out);
/* The same within a budget of work shared by many polygons (about one unit a corner visited):
 * once *work_left is spent, polygons are fanned (and FALSE returned), so that a file of
 * pathological polygons cannot make a reader hang. */
gboolean  osp_polygon_triangulate_budget (const float   *positions,
                                          const guint32 *poly,
                                          guint32        n,
                                          GArray        *out,
                                          guint64       *work_left);
/* Triangulates the polygon faces a reader collected: face f has face_sizes[f] corners (≥ 3),
 * listed face after face in `corners` (guint32 vertex numbers into `positions`).  Ear clipping
 * within a budget proportionate to the corners; faces beyond it are fanned, with a warning.
 * Returns a GArray of guint32, three per triangle, or NULL with OSP_ERROR_TOO_LARGE. */
GArray   *osp_mesh_reader_triangulate_faces (OspMeshReader *reader,
                                             const float   *positions,
                                             const GArray  *corners,
                                             const GArray  *face_sizes,
                                             GError       **error);

/* Turns positions + triangles (g_malloc()ed, taken) into a mesh after dropping triangles that
 * use a vertex with a NaN or infinite coordinate (warning) and vertices no triangle uses.
 * Fails with OSP_ERROR_NO_SURFACE when no triangle is left. */
OspMesh  *osp_mesh_reader_finish   (OspMeshReader *reader,
                                    float         *positions,
                                    guint32        n_vertices,
                                    guint32       *indices,
                                    guint32        n_triangles,
                                    GError       **error);

/* Welds triangles stored with a fixed stride: triangle t's three xyz corners are 9 little-endian
 * floats (unaligned) at base + t × stride.  With drop_nonfinite, triangles with a NaN or
 * infinite coordinate are left out and counted in *out_n_dropped; otherwise such corners stay
 * vertices of their own (the osp_mesh_weld_soup() contract).  Returns NULL and sets the error
 * when the memory check fails or on cancellation.  progress may be NULL. */
/* What osp_mesh_weld_strided() allocates for n_triangles (the table, the corners, the first
 * positions), as it checks before it starts. */
guint64   osp_mesh_weld_bytes      (gsize                   n_triangles);
OspMesh  *osp_mesh_weld_strided    (const guint8           *base,
                                    gsize                   stride,
                                    gsize                   n_triangles,
                                    gboolean                drop_nonfinite,
                                    guint64                *out_n_dropped,
                                    const char             *display_name,
                                    const OspProgressRange *progress,
                                    GCancellable           *cancellable,
                                    GError                **error);

G_END_DECLS
