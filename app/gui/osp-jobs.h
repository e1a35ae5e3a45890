/* osp-jobs.h — the long work of the window, off the main thread
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loading a mesh, loading a CT, extracting the bone surface and making the demo case run in a
 * GTask thread so the window never freezes.  A job reports its progress into an atomic cell
 * that the main loop polls (the core's progress functions are called from worker threads).
 */
#pragma once

#include <gio/gio.h>

#include "osp-mask.h"
#include "osp-mesh.h"
#include "osp-renderer.h"
#include "osp-segment.h"
#include "osp-volume.h"

G_BEGIN_DECLS

/* The HU histogram a CT load also computes (off the main thread: 10⁸ voxels take a while):
 * air to dense cortical bone and metal, 20 HU bins. */
#define OSP_JOB_HISTOGRAM_MIN_HU  (-1100)
#define OSP_JOB_HISTOGRAM_BIN_HU  20
#define OSP_JOB_HISTOGRAM_N_BINS  225

typedef enum
{
  OSP_JOB_LOAD_MESH,    /* path → mesh */
  OSP_JOB_LOAD_VOLUME,  /* path (+ series_index) → volume, series (DICOM folders) */
  OSP_JOB_SEGMENT,      /* volume + segment options → mesh */
  OSP_JOB_DEMO,         /* the phantom → volume and mesh */
} OspJobKind;

typedef struct
{
  OspJobKind         kind;
  /* Inputs. */
  char              *path;
  int                series_index;  /* LOAD_VOLUME: -1 = the default series */
  OspSegmentOptions  segment;       /* SEGMENT, DEMO */
  /* Outputs. */
  OspMesh           *mesh;
  OspRenderMesh     *prepared;      /* LOAD_MESH, DEMO: mesh's vertices made ready to draw */
  OspMask           *tumour;        /* DEMO: the lesion's mask on the CT's grid, or NULL */
  OspVolume         *volume;        /* LOAD_VOLUME, DEMO (input of SEGMENT) */
  GPtrArray         *series;        /* LOAD_VOLUME of a folder: OspDicomSeriesInfo* */
  guint64           *histogram;     /* LOAD_VOLUME: OSP_JOB_HISTOGRAM_N_BINS counts */
  GPtrArray         *warnings;      /* translated strings */
  double             seconds;
  /* Progress 0–10000, written from the worker thread. */
  gint               progress;
} OspJob;

OspJob   *osp_job_new          (OspJobKind           kind,
                                const char          *path);
void      osp_job_free         (OspJob              *job);
/* 0–1, readable from the main thread while the job runs. */
double    osp_job_get_progress (const OspJob        *job);

/* Runs the job in a thread; the task owns `job` until finished. */
void      osp_job_run_async    (OspJob              *job,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
/* The job with its outputs (free with osp_job_free), or NULL with the error (name the file
 * through osp_job_peek()). */
OspJob   *osp_job_run_finish   (GAsyncResult        *result,
                                GError             **error);
/* The job a result belongs to, finished or not (owned by the task). */
OspJob   *osp_job_peek         (GAsyncResult        *result);

/* Whether `path` should open as a CT (folder, NIfTI, DICOM) rather than as a mesh. */
gboolean  osp_path_is_ct       (const char          *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspJob, osp_job_free)

G_END_DECLS
