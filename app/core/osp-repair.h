/* osp-repair.h — making a mesh printable
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * osp_mesh_repair() returns a NEW mesh and a report of every step; the original is never
 * touched, so the caller (the export dialog, the plan) keeps it until the user accepts the
 * repair.  The steps, in order:
 *   1. merge vertices closer than a tolerance;
 *   2. drop degenerate triangles (repeated corners or no area) and duplicate triangles;
 *   3. drop tiny loose pieces (by area, relative to the whole);
 *   4. make the orientation consistent (breadth-first over edges shared by two triangles,
 *      flipping neighbours that disagree);
 *   5. fill holes: boundary loops up to a size limit, triangulated by ear clipping in the
 *      loop's best-fit plane;
 *   6. turn every closed piece outward (positive signed volume), except pieces that lie
 *      inside another piece (cavities stay inward).
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

typedef struct
{
  double merge_tolerance;   /* mm: vertices closer than this merge (default 1e-4; 0: exact) */
  guint  max_hole_edges;    /* boundary loops up to this many edges are filled (default 200;
                             * 0: no hole filling) */
  double min_piece_area;    /* pieces smaller than this fraction of the total area are
                             * dropped (default 0.001; 0: keep all) */
} OspRepairOptions;

void osp_repair_options_init (OspRepairOptions *options);

typedef struct
{
  guint32    n_merged_vertices;
  guint32    n_degenerate_removed;
  guint32    n_duplicates_removed;
  guint32    n_pieces_removed;
  guint32    n_piece_triangles_removed;
  guint32    n_flipped;            /* triangles flipped to agree with their neighbours */
  guint32    n_pieces_turned;      /* pieces turned outward */
  guint32    n_holes_filled;
  guint32    largest_hole_filled;  /* edges */
  guint32    n_holes_left;         /* loops larger than the limit (or not simple) */
  guint32    n_fill_triangles;
  GPtrArray *steps;                /* translated sentences, one per step that changed something */
} OspRepairReport;

/* Clears what osp_mesh_repair() put in the report. */
void     osp_repair_report_clear (OspRepairReport         *report);

/* Returns the repaired copy (also when nothing changed: a new reference then) and fills
 * *out_report (may be NULL; clear it with osp_repair_report_clear()).  NULL with the error when
 * cancelled or short of memory.  Preconditions: mesh and options non-NULL. */
OspMesh *osp_mesh_repair         (const OspMesh           *mesh,
                                  const OspRepairOptions  *options,
                                  OspRepairReport         *out_report,
                                  const OspProgressRange  *progress,
                                  GCancellable            *cancellable,
                                  GError                 **error);

G_END_DECLS
