/* osp-print-check.h — is a model ready for the 3D printer?
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A slicer needs a closed, manifold, consistently and outwardly oriented surface without
 * self-intersections; a print needs walls thick enough to survive and a part that fits the
 * printer.  osp_print_check() measures all of that on one mesh and gives a verdict with a
 * list of problems in words.  The mesh is never changed (see osp-repair.h for fixing it).
 *
 * One uniform grid over the triangles' boxes serves both geometric tests (it builds in a
 * fraction of the time a BVH takes, and the check must handle a million triangles in about a
 * second).  Self-intersections: triangle–triangle tests (Möller's interval test) of the pairs
 * whose boxes overlap; triangles that share a vertex or an edge are tested only for real
 * crossings beyond what they share.  Wall thickness: inward rays (walked cell by cell) from a
 * sample of surface points to the inside of the opposite wall.  The work runs on two threads.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-progress.h"

G_BEGIN_DECLS

/* A printer's build volume in millimetres (x × y × z as the maker states it). */
typedef struct
{
  const char *id;     /* short, for the command line: "prusa-mk4" */
  const char *name;   /* as shown: "Prusa MK4" */
  float       size[3];
} OspPrinter;

/* The known printers (a static table, n in *out_n). */
const OspPrinter *osp_printers_get          (guint          *out_n);
/* By id or name, ASCII case-insensitive; NULL when unknown. */
const OspPrinter *osp_printer_lookup        (const char     *id_or_name);

typedef struct
{
  double   min_wall;            /* mm; walls thinner than this fail (default 1.5; 0: off) */
  float    build_volume[3];     /* mm; all zero: no build-volume check (default) */
  gboolean self_intersections;  /* default TRUE */
  guint    wall_samples;        /* surface points for the wall rays (default 20000) */
} OspPrintCheckOptions;

void osp_print_check_options_init (OspPrintCheckOptions *options);

/* The most triangles in one spot of the self-intersection test that are tested pair by pair
 * (copies of one triangle count once). */
#define OSP_PRINT_CHECK_MAX_SPOT_TRIANGLES 2048

typedef enum
{
  OSP_PRINT_READY,     /* nothing found */
  OSP_PRINT_WARNING,   /* printable, but look at the report (degenerate faces) */
  OSP_PRINT_NOT_READY, /* a slicer or the print will fail: repair or change the model */
} OspPrintVerdict;

typedef struct
{
  OspMeshReport   mesh;                  /* counts, bounds, area, volume, topology */
  guint32         n_inverted_components; /* components with a negative volume */
  guint64         n_self_intersections;  /* intersecting triangle pairs (capped) */
  gboolean        self_intersections_checked;
  /* Spots (grid cells) too crowded to test pair by pair (more than
   * OSP_PRINT_CHECK_MAX_SPOT_TRIANGLES in one spot, as where a huge polygon's fan meets): the
   * pairs there were not tested, and the report says so. */
  guint64         n_unchecked_spots;
  float           min_wall;              /* mm; INFINITY when no wall was measured */
  float           min_wall_point[3];     /* where */
  guint32         n_wall_samples;        /* rays that hit the opposite wall */
  guint32         n_thin_samples;        /* of those, thinner than the limit */
  gboolean        build_volume_checked;
  gboolean        fits;                  /* in the build volume, some axis permutation */
  gboolean        fits_rotated;          /* only after turning the model onto its principal
                                          * axes (then fit_axes index those axes) */
  float           fit_size[3];           /* the box that fits: axis-aligned or principal */
  guint           fit_axes[3];           /* model axis placed along printer x, y, z */
  OspPrintVerdict verdict;
  GPtrArray      *problems;              /* translated sentences, one per problem found */
  GPtrArray      *notes;                 /* translated sentences: what passed */
} OspPrintReport;

/* Checks one mesh.  progress and cancellable may be NULL.  Returns NULL with
 * G_IO_ERROR_CANCELLED when cancelled or OSP_ERROR_TOO_LARGE when memory is short.
 * Preconditions: mesh and options non-NULL. */
OspPrintReport *osp_print_check          (OspMesh                    *mesh,
                                          const OspPrintCheckOptions *options,
                                          const OspProgressRange     *progress,
                                          GCancellable               *cancellable,
                                          GError                    **error);
void            osp_print_report_free    (OspPrintReport             *report);
/* The same in a worker thread (GTask; the mesh is referenced, the options copied; `progress`
 * may be NULL and is called from the worker).  Finish with osp_print_check_finish(). */
void            osp_print_check_async    (OspMesh                    *mesh,
                                          const OspPrintCheckOptions *options,
                                          const OspProgressRange     *progress,
                                          GCancellable               *cancellable,
                                          GAsyncReadyCallback         callback,
                                          gpointer                    user_data);
OspPrintReport *osp_print_check_finish   (GAsyncResult               *result,
                                          GError                    **error);

/* "ready", "warning" or "not ready" (not translated: for JSON and scripts). */
const char     *osp_print_verdict_to_string (OspPrintVerdict         verdict);
/* A few lines for people: the verdict, then each problem and note.  name may be NULL. */
char           *osp_print_report_to_text (const OspPrintReport       *report,
                                          const char                 *name);

/* The number of intersecting triangle pairs, at most max_pairs (0: no limit), ignoring
 * what neighbours legitimately share.  Pairs go to out_pairs (2 guint32 each) when non-NULL.
 * Degenerate triangles (no area) intersect nothing.  out_n_unchecked (may be NULL): the
 * spots too crowded to test pair by pair, whose pairs were not tested (0 when the answer is
 * complete).  Returns FALSE with the error when cancelled or short of memory. */
gboolean        osp_mesh_find_self_intersections (const OspMesh    *mesh,
                                                  guint64           max_pairs,
                                                  GArray           *out_pairs,
                                                  guint64          *out_n_pairs,
                                                  guint64          *out_n_unchecked,
                                                  GCancellable     *cancellable,
                                                  GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspPrintReport, osp_print_report_free)

G_END_DECLS
