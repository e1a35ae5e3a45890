/* osp-export.c — print-ready export of several models
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-3mf.h"
#include "osp-error.h"
#include "osp-export.h"
#include "osp-mesh-io.h"

void
osp_export_item_from_model (OspModel      *model,
                            float          transform_storage[16],
                            OspExportItem *out_item)
{
  guint32 rgb;
  double opacity;

  g_return_if_fail (OSP_IS_MODEL (model));
  g_return_if_fail (transform_storage != NULL && out_item != NULL);

  rgb = osp_model_get_color (model) & 0xFFFFFFu;
  opacity = CLAMP (osp_model_get_opacity (model), 0.0, 1.0);
  osp_model_get_transform (model, transform_storage);
  out_item->name = osp_model_get_name (model);
  out_item->mesh = osp_model_get_mesh (model);
  out_item->rgba = (rgb << 8) | (guint32) lround (opacity * 255.0);
  out_item->transform = transform_storage;
}

gboolean
osp_export_format_from_path (const char      *path,
                             OspExportFormat *out_format)
{
  const char *dot;

  g_return_val_if_fail (path != NULL && out_format != NULL, FALSE);

  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return FALSE;
  if (g_ascii_strcasecmp (dot, ".3mf") == 0)
    *out_format = OSP_EXPORT_3MF;
  else if (g_ascii_strcasecmp (dot, ".stl") == 0)
    *out_format = OSP_EXPORT_STL;
  else if (g_ascii_strcasecmp (dot, ".obj") == 0)
    *out_format = OSP_EXPORT_OBJ;
  else if (g_ascii_strcasecmp (dot, ".ply") == 0)
    *out_format = OSP_EXPORT_PLY;
  else
    return FALSE;
  return TRUE;
}

char *
osp_export_item_path (const char *path,
                      const char *name)
{
  g_autofree char *dir = NULL, *base = NULL, *safe = NULL, *file = NULL;
  const char *dot;
  GString *s;

  g_return_val_if_fail (path != NULL && name != NULL, NULL);

  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  dot = strrchr (base, '.');
  s = g_string_new (NULL);
  /* Letters and digits of any script stay; separators and controls become '-'. */
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (g_unichar_isalnum (c) || c == '_' || c == '.')
        g_string_append_unichar (s, c);
      else if (s->len > 0 && s->str[s->len - 1] != '-')
        g_string_append_c (s, '-');
    }
  while (s->len > 0 && (s->str[s->len - 1] == '-' || s->str[s->len - 1] == '.'))
    g_string_truncate (s, s->len - 1);
  while (s->len > 0 && s->str[0] == '.')
    g_string_erase (s, 0, 1);
  if (s->len == 0)
    g_string_append (s, "model");
  safe = g_string_free (s, FALSE);
  if (dot != NULL && dot != base)
    file = g_strdup_printf ("%.*s-%s%s", (int) (dot - base), base, safe, dot);
  else
    file = g_strdup_printf ("%s-%s", base, safe);
  return g_build_filename (dir, file, NULL);
}

static gboolean
is_identity (const float *m)
{
  if (m == NULL)
    return TRUE;
  for (guint i = 0; i < 16; i++)
    if (m[i] != ((i % 5) == 0 ? 1.0f : 0.0f))
      return FALSE;
  return TRUE;
}

static OspMesh *
placed_mesh (const OspExportItem *item)
{
  mat4 m;

  if (is_identity (item->transform))
    return osp_mesh_ref (item->mesh);
  memcpy (m, item->transform, sizeof m);
  return osp_mesh_transform (item->mesh, m);
}

static OspMeshFormat
mesh_format (OspExportFormat format)
{
  switch (format)
    {
    case OSP_EXPORT_STL:
      return OSP_MESH_FORMAT_STL_BINARY;
    case OSP_EXPORT_OBJ:
      return OSP_MESH_FORMAT_OBJ;
    case OSP_EXPORT_PLY:
      return OSP_MESH_FORMAT_PLY;
    case OSP_EXPORT_3MF:
    default:
      return OSP_MESH_FORMAT_3MF;
    }
}

gboolean
osp_export (const OspExportItem    *items,
            guint                   n_items,
            const char             *path,
            OspExportFormat         format,
            gboolean                merge,
            char                 ***out_paths,
            const OspProgressRange *progress,
            GCancellable           *cancellable,
            GError                **error)
{
  return osp_export_full (items, n_items, path, format, merge, NULL, out_paths, progress,
                          cancellable, error);
}

gboolean
osp_export_full (const OspExportItem    *items,
                 guint                   n_items,
                 const char             *path,
                 OspExportFormat         format,
                 gboolean                merge,
                 const char *const      *metadata,
                 char                 ***out_paths,
                 const OspProgressRange *progress,
                 GCancellable           *cancellable,
                 GError                **error)
{
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (items != NULL && n_items >= 1, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  for (guint i = 0; i < n_items; i++)
    g_return_val_if_fail (items[i].mesh != NULL && items[i].name != NULL, FALSE);

  if (format == OSP_EXPORT_3MF)
    {
      g_autofree Osp3mfObject *objects = g_new0 (Osp3mfObject, n_items);
      g_autoptr(OspMesh) merged = NULL;
      gboolean ok;

      if (merge && n_items > 1)
        {
          g_autofree OspMesh **meshes = g_new (OspMesh *, n_items);

          for (guint i = 0; i < n_items; i++)
            meshes[i] = placed_mesh (&items[i]);
          merged = osp_mesh_merge (meshes, n_items);
          for (guint i = 0; i < n_items; i++)
            osp_mesh_unref (meshes[i]);
          osp_3mf_object_init (&objects[0], items[0].name, merged, items[0].rgba, NULL);
          ok = osp_3mf_save_full (objects, 1, metadata, path, progress, cancellable, error);
          osp_3mf_object_clear (&objects[0]);
        }
      else
        {
          for (guint i = 0; i < n_items; i++)
            osp_3mf_object_init (&objects[i], items[i].name, items[i].mesh, items[i].rgba,
                                 items[i].transform);
          ok = osp_3mf_save_full (objects, n_items, metadata, path, progress, cancellable,
                                  error);
          for (guint i = 0; i < n_items; i++)
            osp_3mf_object_clear (&objects[i]);
        }
      if (!ok)
        return FALSE;
      g_ptr_array_add (written, g_strdup (path));
    }
  else if (merge || n_items == 1)
    {
      g_autofree OspMesh **meshes = g_new (OspMesh *, n_items);
      g_autoptr(OspMesh) merged = NULL;

      for (guint i = 0; i < n_items; i++)
        meshes[i] = placed_mesh (&items[i]);
      merged = n_items == 1 ? osp_mesh_ref (meshes[0]) : osp_mesh_merge (meshes, n_items);
      for (guint i = 0; i < n_items; i++)
        osp_mesh_unref (meshes[i]);
      if (!osp_mesh_save (merged, path, mesh_format (format), error))
        return FALSE;
      g_ptr_array_add (written, g_strdup (path));
    }
  else
    {
      g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(OspMesh) mesh = NULL;
          char *item_path = osp_export_item_path (path, items[i].name);

          /* Two models of the same name must not overwrite each other. */
          for (guint k = 2; g_hash_table_contains (used, item_path); k++)
            {
              g_autofree char *numbered = g_strdup_printf ("%s %u", items[i].name, k);

              g_free (item_path);
              item_path = osp_export_item_path (path, numbered);
            }
          g_hash_table_add (used, g_strdup (item_path));
          g_ptr_array_add (written, item_path);
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          mesh = placed_mesh (&items[i]);
          if (!osp_mesh_save (mesh, item_path, mesh_format (format), error))
            return FALSE;
          osp_progress_report (progress, (double) (i + 1) / n_items);
        }
    }
  osp_progress_report (progress, 1.0);
  if (out_paths != NULL)
    {
      g_ptr_array_add (written, NULL);
      *out_paths = (char **) g_ptr_array_free (g_steal_pointer (&written), FALSE);
    }
  return TRUE;
}

/* -- In a worker thread ------------------------------------------------------------------ */

typedef struct
{
  OspExportItem   *items;
  char           **names;
  float           *transforms;
  guint            n_items;
  char            *path;
  OspExportFormat  format;
  gboolean         merge;
  OspProgressRange progress;
  gboolean         has_progress;
  char           **metadata;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  for (guint i = 0; i < job->n_items; i++)
    g_clear_pointer (&job->items[i].mesh, osp_mesh_unref);
  g_free (job->items);
  g_strfreev (job->names);
  g_free (job->transforms);
  g_free (job->path);
  g_strfreev (job->metadata);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  char **written = NULL;
  GError *error = NULL;

  if (osp_export_full (job->items, job->n_items, job->path, job->format, job->merge,
                       (const char *const *) job->metadata, &written,
                       job->has_progress ? &job->progress : NULL, cancellable, &error))
    g_task_return_pointer (task, written, (GDestroyNotify) g_strfreev);
  else
    g_task_return_error (task, error);
}

void
osp_export_async (const OspExportItem    *items,
                  guint                   n_items,
                  const char             *path,
                  OspExportFormat         format,
                  gboolean                merge,
                  const OspProgressRange *progress,
                  GCancellable           *cancellable,
                  GAsyncReadyCallback     callback,
                  gpointer                user_data)
{
  osp_export_async_full (items, n_items, path, format, merge, NULL, progress, cancellable,
                         callback, user_data);
}

void
osp_export_async_full (const OspExportItem    *items,
                       guint                   n_items,
                       const char             *path,
                       OspExportFormat         format,
                       gboolean                merge,
                       const char *const      *metadata,
                       const OspProgressRange *progress,
                       GCancellable           *cancellable,
                       GAsyncReadyCallback     callback,
                       gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (items != NULL && n_items >= 1);
  g_return_if_fail (path != NULL);
  for (guint i = 0; i < n_items; i++)
    g_return_if_fail (items[i].mesh != NULL && items[i].name != NULL);

  job = g_new0 (ExportJob, 1);
  job->n_items = n_items;
  job->items = g_new0 (OspExportItem, n_items);
  job->names = g_new0 (char *, n_items + 1);
  job->transforms = g_new (float, 16 * (gsize) n_items);
  for (guint i = 0; i < n_items; i++)
    {
      job->names[i] = g_strdup (items[i].name);
      job->items[i].name = job->names[i];
      job->items[i].mesh = osp_mesh_ref (items[i].mesh);
      job->items[i].rgba = items[i].rgba;
      if (items[i].transform != NULL)
        {
          memcpy (job->transforms + 16 * (gsize) i, items[i].transform, 16 * sizeof (float));
          job->items[i].transform = job->transforms + 16 * (gsize) i;
        }
    }
  job->path = g_strdup (path);
  job->format = format;
  job->merge = merge;
  job->metadata = g_strdupv ((char **) metadata);
  if (progress != NULL)
    {
      job->progress = *progress;
      job->has_progress = TRUE;
    }
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, osp_export_async);
  g_task_set_task_data (task, job, export_job_free);
  g_task_run_in_thread (task, export_thread);
}

char **
osp_export_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
