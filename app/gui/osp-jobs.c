/* osp-jobs.c — the long work of the window, off the main thread
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "osp-error.h"
#include "osp-input.h"
#include "osp-jobs.h"
#include "osp-mesh-io.h"
#include "osp-phantom.h"
#include "osp-volume-io.h"

OspJob *
osp_job_new (OspJobKind  kind,
             const char *path)
{
  OspJob *job = g_new0 (OspJob, 1);
  OspSegmentOptions segment = OSP_SEGMENT_OPTIONS_INIT;

  job->kind = kind;
  job->path = g_strdup (path);
  job->series_index = -1;
  job->segment = segment;
  return job;
}

void
osp_job_free (OspJob *job)
{
  if (job == NULL)
    return;
  g_free (job->path);
  g_clear_pointer (&job->mesh, osp_mesh_unref);
  g_clear_pointer (&job->prepared, osp_render_mesh_unref);
  g_clear_pointer (&job->tumour, osp_mask_unref);
  g_clear_pointer (&job->volume, osp_volume_unref);
  g_clear_pointer (&job->series, g_ptr_array_unref);
  g_clear_pointer (&job->warnings, g_ptr_array_unref);
  g_free (job->histogram);
  g_free (job);
}

double
osp_job_get_progress (const OspJob *job)
{
  g_return_val_if_fail (job != NULL, 0.0);
  return g_atomic_int_get (&job->progress) / 10000.0;
}

static void
job_progress (double   fraction,
              gpointer user_data)
{
  OspJob *job = user_data;

  g_atomic_int_set (&job->progress, (gint) (CLAMP (fraction, 0.0, 1.0) * 10000.0));
}

static void
add_warning (OspJob     *job,
             const char *text)
{
  if (job->warnings == NULL)
    job->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (job->warnings, g_strdup (text));
}

static gboolean
run_load_mesh (OspJob        *job,
               GCancellable  *cancellable,
               GError       **error)
{
  OspMeshLoadInfo info = { 0 };

  job->mesh = osp_mesh_load (job->path, &info, cancellable, error);
  if (info.warnings != NULL)
    for (guint i = 0; i < info.warnings->len; i++)
      add_warning (job, g_ptr_array_index (info.warnings, i));
  osp_mesh_load_info_clear (&info);
  if (job->mesh != NULL && osp_mesh_get_n_triangles (job->mesh) == 0)
    {
      g_autofree char *name = osp_error_display_name (job->path);

      g_clear_pointer (&job->mesh, osp_mesh_unref);
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("%s: the file holds no triangles"), name);
    }
  return job->mesh != NULL;
}

static gboolean
run_load_volume (OspJob        *job,
                 GCancellable  *cancellable,
                 GError       **error)
{
  OspVolumeLoadOptions options = OSP_VOLUME_LOAD_OPTIONS_INIT;
  OspProgressRange progress = { job_progress, job, 0.0, 1.0 };

  if (g_file_test (job->path, G_FILE_TEST_IS_DIR) && job->series == NULL)
    {
      job->series = osp_dicom_scan_folder (job->path, cancellable, error);
      if (job->series == NULL)
        return FALSE;
      progress.start = 0.1;
      progress.span = 0.9;
    }
  options.series_index = job->series_index;
  job->volume = osp_volume_load (job->path, &options, &progress, cancellable, error);
  if (job->volume != NULL)
    {
      guint n_notes = 0;
      const char *const *notes = osp_volume_get_notes (job->volume, &n_notes);

      for (guint i = 0; i < n_notes; i++)
        add_warning (job, notes[i]);
      job->histogram = g_new0 (guint64, OSP_JOB_HISTOGRAM_N_BINS);
      osp_volume_histogram (job->volume, OSP_JOB_HISTOGRAM_MIN_HU, OSP_JOB_HISTOGRAM_BIN_HU,
                            OSP_JOB_HISTOGRAM_N_BINS, job->histogram);
    }
  return job->volume != NULL;
}

static gboolean
run_segment (OspJob        *job,
             double         start,
             GCancellable  *cancellable,
             GError       **error)
{
  OspProgressRange progress = { job_progress, job, start, 1.0 - start };

  job->mesh = osp_segment_volume (job->volume, &job->segment, &progress, cancellable, NULL,
                                  error);
  if (job->mesh != NULL && osp_mesh_get_n_triangles (job->mesh) == 0)
    {
      g_clear_pointer (&job->mesh, osp_mesh_unref);
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("No bone at %.0f HU: lower the threshold"), job->segment.threshold_hu);
    }
  return job->mesh != NULL;
}

static gboolean
run_demo (OspJob        *job,
          GCancellable  *cancellable,
          GError       **error)
{
  OspPhantomOptions options = OSP_PHANTOM_OPTIONS_INIT;

  /* The demo case is a resection: the periacetabular lesion (osp-phantom.h). */
  options.tumour = TRUE;
  gint64 start = g_get_monotonic_time ();
  gboolean ok;

  job->volume = osp_phantom_generate (&options, NULL, cancellable, error);
  if (job->volume == NULL)
    return FALSE;
  g_debug ("demo: phantom in %.3f s", (g_get_monotonic_time () - start) / 1e6);
  job_progress (0.4, job);
  ok = run_segment (job, 0.4, cancellable, error);
  g_debug ("demo: phantom and segmentation in %.3f s", (g_get_monotonic_time () - start) / 1e6);
  if (ok)
    {
      /* The lesion's mask too, so the main thread only adds it (on failure it tries again
       * there and says why). */
      g_autoptr(OspVolume) labels = NULL;
      OspPhantomLesion lesion;
      OspGrid grid;

      osp_phantom_get_lesion (&lesion);
      osp_grid_from_volume (job->volume, &grid);
      labels = osp_phantom_lesion_label_map (&lesion, job->volume, NULL);
      if (labels != NULL)
        job->tumour = osp_mask_from_label_map (labels, 1, 1, &grid, _("Demo tumour"), NULL);
    }
  return ok;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  OspJob *job = task_data;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = FALSE;

  switch (job->kind)
    {
    case OSP_JOB_LOAD_MESH:
      ok = run_load_mesh (job, cancellable, &error);
      break;
    case OSP_JOB_LOAD_VOLUME:
      ok = run_load_volume (job, cancellable, &error);
      break;
    case OSP_JOB_SEGMENT:
      ok = run_segment (job, 0.0, cancellable, &error);
      break;
    case OSP_JOB_DEMO:
      ok = run_demo (job, cancellable, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  /* The vertices of the first picture, here rather than on the main thread (without them the
   * 3D view prepares them itself). */
  if (ok && job->mesh != NULL && (job->kind == OSP_JOB_LOAD_MESH || job->kind == OSP_JOB_DEMO))
    job->prepared = osp_render_mesh_prepare_vertices (job->mesh, cancellable, NULL);
  job->seconds = (g_get_monotonic_time () - start) / 1e6;
  if (!ok && error == NULL)
    g_set_error_literal (&error, OSP_ERROR, OSP_ERROR_FAILED, _("The operation failed"));
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
osp_job_run_async (OspJob              *job,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (job != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osp_job_run_async);
  g_task_set_task_data (task, job, (GDestroyNotify) osp_job_free);
  /* Errors of a cancelled job are G_IO_ERROR_CANCELLED, not the loader's last words. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, job_thread);
}

OspJob *
osp_job_peek (GAsyncResult *result)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_get_task_data (G_TASK (result));
}

OspJob *
osp_job_run_finish (GAsyncResult  *result,
                    GError       **error)
{
  OspJob *job;
  OspJob *out;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  /* Move the outputs out of the task, which frees its (now empty) copy later. */
  job = g_task_get_task_data (G_TASK (result));
  out = g_memdup2 (job, sizeof *job);
  memset (job, 0, sizeof *job);
  return out;
}

gboolean
osp_path_is_ct (const char *path)
{
  static const char *const ct_suffixes[] = { ".nii", ".nii.gz", ".hdr", ".img", ".dcm",
                                             ".dicom", ".ima" };
  g_autofree char *lower = NULL;
  FILE *stream;
  guint8 head[132];
  gsize n_read = 0;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;
  lower = g_ascii_strdown (path, -1);
  for (guint i = 0; i < G_N_ELEMENTS (ct_suffixes); i++)
    if (g_str_has_suffix (lower, ct_suffixes[i]))
      return TRUE;
  /* DICOM files often have no extension at all: look for the "DICM" preamble (never blocking
   * on a pipe: this runs on the main thread). */
  stream = osp_input_fopen (path, NULL);
  if (stream == NULL)
    return FALSE;
  n_read = fread (head, 1, sizeof head, stream);
  fclose (stream);
  return n_read == sizeof head && memcmp (head + 128, "DICM", 4) == 0;
}
