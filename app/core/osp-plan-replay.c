/* osp-plan-replay.c — cuts, mirrors and recorded operations applied to a plan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GUI and `osteoplan-cli plan run` both go through these functions, so a plan replayed
 * headless is made by exactly the code that made it interactively.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "osp-cut.h"
#include "osp-error.h"
#include "osp-export.h"
#include "osp-json.h"
#include "osp-mesh-io.h"
#include "osp-plan-private.h"
#include "osp-symmetry.h"

static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };

static JsonArray *
plane_to_array (const OspPlane *plane)
{
  JsonArray *array = json_array_sized_new (4);

  for (guint k = 0; k < 3; k++)
    json_array_add_double_element (array, plane->normal[k]);
  json_array_add_double_element (array, plane->d);
  return array;
}

/* The model's mesh in world coordinates (a new reference). */
static OspMesh *
world_mesh (OspModel *model)
{
  float m[16];
  mat4 matrix;

  osp_model_get_transform (model, m);
  if (memcmp (m, identity, sizeof identity) == 0)
    return osp_mesh_ref (osp_model_get_mesh (model));
  memcpy (matrix, m, sizeof m);
  return osp_mesh_transform (osp_model_get_mesh (model), matrix);
}

/* A cut in three steps: prepared from the plan (main thread), computed on the immutable mesh
 * (any thread), committed as an undoable command (main thread). */
typedef struct
{
  OspModel     *model;
  OspMesh      *mesh;
  float         transform[16];
  OspPlane      planes[OSP_CUT_MAX_PLANES];  /* world */
  OspPlane      local[OSP_CUT_MAX_PLANES];   /* the mesh's coordinates */
  guint         n_planes;
  double        margin_mm;
  char         *label;
  OspCutResult  result;
} CutJob;

static void
cut_job_free (CutJob *job)
{
  g_object_unref (job->model);
  osp_mesh_unref (job->mesh);
  g_free (job->label);
  osp_cut_result_clear (&job->result);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CutJob, cut_job_free)

static CutJob *
cut_job_new (OspPlan         *plan,
             OspModel        *model,
             const OspPlane  *planes,
             guint            n_planes,
             double           margin_mm,
             const char      *label,
             GError         **error)
{
  g_autoptr(CutJob) job = NULL;
  const float *m;

  if (osp_plan_get_model_index (plan, model) < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The model “%s” is not in the plan"),
                   osp_model_get_name (model));
      return NULL;
    }
  job = g_new0 (CutJob, 1);
  job->model = g_object_ref (model);
  job->mesh = osp_mesh_ref (osp_model_get_mesh (model));
  job->n_planes = n_planes;
  job->margin_mm = margin_mm;
  job->label = g_strdup (label);
  osp_model_get_transform (model, job->transform);
  m = job->transform;

  /* The planes are in world coordinates and the mesh in the model's: n·(A y + t) = d becomes
   * (Aᵀ n)·y = d − n·t. */
  for (guint i = 0; i < n_planes; i++)
    {
      const float *n = planes[i].normal;
      OspPlane p;

      if (!osp_plan_normalize_plane (&planes[i], &job->planes[i]))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Cut plane %u is degenerate"), i + 1);
          return NULL;
        }
      for (guint r = 0; r < 3; r++)
        p.normal[r] = (float) ((double) m[4 * r + 0] * n[0] + (double) m[4 * r + 1] * n[1] +
                               (double) m[4 * r + 2] * n[2]);
      p.d = (float) (planes[i].d - ((double) n[0] * m[12] + (double) n[1] * m[13] +
                                    (double) n[2] * m[14]));
      if (!osp_plan_normalize_plane (&p, &job->local[i]))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Cut plane %u is degenerate"), i + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&job);
}

static gboolean
cut_job_run (CutJob        *job,
             GCancellable  *cancellable,
             GError       **error)
{
  return osp_mesh_cut (job->mesh, job->local, job->n_planes, job->margin_mm, &job->result,
                       NULL, cancellable, error);
}

static gboolean
cut_job_commit (OspPlan  *plan,
                CutJob   *job,
                GError  **error)
{
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(JsonObject) op = NULL;
  JsonArray *array;
  float m[16];

  /* A cut computed in a thread is stale when the model changed meanwhile. */
  osp_model_get_transform (job->model, m);
  if (osp_model_get_mesh (job->model) != job->mesh ||
      memcmp (m, job->transform, sizeof m) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("The model “%s” changed while it was being cut"),
                   osp_model_get_name (job->model));
      return FALSE;
    }

  op = json_object_new ();
  json_object_set_string_member (op, "op", "cut");
  json_object_set_string_member (op, "model", osp_model_get_name (job->model));
  array = json_array_sized_new (job->n_planes);
  for (guint i = 0; i < job->n_planes; i++)
    json_array_add_array_element (array, plane_to_array (&job->planes[i]));
  json_object_set_array_member (op, "planes", array);
  json_object_set_double_member (op, "margin", job->margin_mm);
  if (job->label != NULL)
    json_object_set_string_member (op, "name", job->label);

  command = osp_command_new_replace_by_pieces (job->model,
                                               (OspMesh *const *) job->result.inside->pdata,
                                               job->result.inside->len,
                                               (OspMesh *const *) job->result.outside->pdata,
                                               job->result.outside->len, op, job->label);
  return osp_plan_execute (plan, command, error);
}

gboolean
osp_plan_cut_model (OspPlan         *self,
                    OspModel        *model,
                    const OspPlane  *planes,
                    guint            n_planes,
                    double           margin_mm,
                    const char      *label,
                    GCancellable    *cancellable,
                    GError         **error)
{
  g_autoptr(CutJob) job = NULL;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (OSP_IS_MODEL (model), FALSE);
  g_return_val_if_fail (planes != NULL && n_planes >= 1 && n_planes <= OSP_CUT_MAX_PLANES, FALSE);
  g_return_val_if_fail (isfinite (margin_mm) && margin_mm >= 0, FALSE);

  job = cut_job_new (self, model, planes, n_planes, margin_mm, label, error);
  return job != NULL && cut_job_run (job, cancellable, error) &&
         cut_job_commit (self, job, error);
}

static void
cut_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (cut_job_run (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
osp_plan_cut_model_async (OspPlan             *self,
                          OspModel            *model,
                          const OspPlane      *planes,
                          guint                n_planes,
                          double               margin_mm,
                          const char          *label,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  CutJob *job;

  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (OSP_IS_MODEL (model));
  g_return_if_fail (planes != NULL && n_planes >= 1 && n_planes <= OSP_CUT_MAX_PLANES);
  g_return_if_fail (isfinite (margin_mm) && margin_mm >= 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osp_plan_cut_model_async);
  job = cut_job_new (self, model, planes, n_planes, margin_mm, label, &error);
  if (job == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, job, (GDestroyNotify) cut_job_free);
  g_task_run_in_thread (task, cut_thread);
}

gboolean
osp_plan_cut_model_finish (OspPlan       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  return cut_job_commit (self, g_task_get_task_data (G_TASK (result)), error);
}

gboolean
osp_plan_mirror_model (OspPlan         *self,
                       OspModel        *model,
                       const OspPlane  *plane,
                       const char      *result_name,
                       const char      *label,
                       GCancellable    *cancellable,
                       GError         **error)
{
  g_autoptr(OspMesh) world = NULL;
  g_autoptr(OspMesh) mirrored = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(JsonObject) op = NULL;
  g_autofree char *name = NULL;
  OspPlane unit;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (OSP_IS_MODEL (model), FALSE);
  g_return_val_if_fail (plane != NULL, FALSE);

  if (!osp_plan_normalize_plane (plane, &unit))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The mirror plane is degenerate"));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  world = world_mesh (model);
  mirrored = osp_mesh_mirror (world, &unit);
  /* TRANSLATORS: the name of a mirrored copy, "Left Hemipelvis mirrored" */
  name = result_name != NULL ? g_strdup (result_name) :
                               g_strdup_printf (_("%s mirrored"), osp_model_get_name (model));

  op = json_object_new ();
  json_object_set_string_member (op, "op", "mirror");
  json_object_set_string_member (op, "model", osp_model_get_name (model));
  json_object_set_array_member (op, "plane", plane_to_array (&unit));
  json_object_set_string_member (op, "result", name);
  if (label != NULL)
    json_object_set_string_member (op, "name", label);
  command = osp_command_new_add_template (model, mirrored, name, op, label);
  return osp_plan_execute (self, command, error);
}

/* -- Operations ------------------------------------------------------------------------------- */

static OspModel *
get_model (OspPlan     *plan,
           JsonObject  *op,
           const char  *key,
           const char  *where,
           GError     **error)
{
  JsonNode *node;
  OspModel *model;

  if (!osp_json_get_member (op, key, G_TYPE_STRING, TRUE, &node, where, error))
    return NULL;
  model = osp_plan_find_model (plan, json_node_get_string (node));
  if (model == NULL)
    g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: there is no model named “%s”"),
                 where, json_node_get_string (node));
  return model;
}

static const char *
get_string (JsonObject  *op,
            const char  *key,
            gboolean     required,
            const char  *where,
            GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (op, key, G_TYPE_STRING, required, &node, where, error))
    return NULL;
  return node != NULL ? json_node_get_string (node) : NULL;
}

/* A plane given as [nx, ny, nz, d] or by the name of one of the plan's planes. */
static gboolean
parse_plane (OspPlan     *plan,
             JsonNode    *node,
             const char  *where,
             OspPlane    *out_plane,
             GError     **error)
{
  float values[4];
  OspPlane plane;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      int index = osp_plan_find_plane (plan, json_node_get_string (node));

      if (index < 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: there is no plane named “%s”"),
                       where, json_node_get_string (node));
          return FALSE;
        }
      osp_plan_get_plane (plan, (guint) index, out_plane);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      !osp_json_get_floats (node, values, 4, where, "plane", error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                     _("%s: a plane is [nx, ny, nz, d] or a plane’s name"), where);
      return FALSE;
    }
  memcpy (plane.normal, values, sizeof plane.normal);
  plane.d = values[3];
  if (!osp_plan_normalize_plane (&plane, out_plane))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: a plane’s normal is zero"), where);
      return FALSE;
    }
  return TRUE;
}

static char *
resolve_path (const char *path,
              const char *dir)
{
  g_autofree char *absolute_dir = NULL;

  if (g_path_is_absolute (path) || dir == NULL)
    return g_canonicalize_filename (path, NULL);
  absolute_dir = g_canonicalize_filename (dir, NULL);
  return g_canonicalize_filename (path, absolute_dir);
}

/* TRUE when `path` is `dir` or lies below it (both canonical). */
static gboolean
path_is_inside (const char *path,
                const char *dir)
{
  gsize n = strlen (dir);

  if (n > 0 && dir[n - 1] == G_DIR_SEPARATOR)
    n--;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == G_DIR_SEPARATOR);
}

/* Where an export may write: `file`, relative to export_dir (NULL: the current folder), and
 * inside it even after following symbolic links — a plan from someone else must not write
 * anywhere else (no absolute paths, no "..", no link pointing out, no link as the file). */
gboolean
osp_plan_parse_plane_node (OspPlan     *plan,
                           JsonNode    *node,
                           const char  *where,
                           OspPlane    *out_plane,
                           GError     **error)
{
  return parse_plane (plan, node, where, out_plane, error);
}

static char *
resolve_export_path (const char  *file,
                     const char  *export_dir,
                     const char  *where,
                     GError     **error)
{
  g_autofree char *root = NULL;
  g_autofree char *path = NULL;
  g_autofree char *parent = NULL;
  char *real_root = NULL;
  char *real_parent = NULL;
  gboolean inside;
  GStatBuf st;

  if (g_path_is_absolute (file))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: “%s” is an absolute path: a plan exports only into the export folder, "
                     "so give a path relative to it"), where, file);
      return NULL;
    }
  root = g_canonicalize_filename (export_dir != NULL ? export_dir : ".", NULL);
  path = g_canonicalize_filename (file, root);
  if (!path_is_inside (path, root) || strcmp (path, root) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: “%s” leads outside the export folder %s: a plan exports only into "
                     "that folder"), where, file, root);
      return NULL;
    }
  parent = g_path_get_dirname (path);
  real_root = realpath (root, NULL);
  real_parent = real_root != NULL ? realpath (parent, NULL) : NULL;
  if (real_parent == NULL)
    {
      int saved = errno;

      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot export to %s: %s"), where,
                   path, g_strerror (saved));
      free (real_root);
      return NULL;
    }
  inside = path_is_inside (real_parent, real_root);
  free (real_root);
  free (real_parent);
  if (!inside)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: “%s” leads outside the export folder %s through a symbolic link: a "
                     "plan exports only into that folder"), where, file, root);
      return NULL;
    }
  if (g_lstat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: %s exists and is not a regular file (a link, a folder or a device): "
                     "it is left alone"), where, path);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static gboolean
run_load (OspPlan      *plan,
          JsonObject   *op,
          const char   *base_dir,
          const char   *where,
          GCancellable *cancellable,
          GError      **error)
{
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autofree char *path = NULL;
  g_autofree char *default_name = NULL;
  const char *file;
  const char *name;
  OspModelRole role = OSP_MODEL_ROLE_BONE;
  JsonNode *node;

  file = get_string (op, "path", TRUE, where, error);
  if (file == NULL)
    return FALSE;
  path = resolve_path (file, base_dir);
  if (!osp_json_get_member (op, "name", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    name = json_node_get_string (node);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      char *dot = strrchr (base, '.');

      if (dot != NULL && dot != base)
        *dot = '\0';
      default_name = osp_plan_make_unique_name (plan, base);
      name = default_name;
    }
  if (*name == '\0')
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the name is empty"), where);
      return FALSE;
    }
  if (!osp_json_get_member (op, "role", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL && !osp_plan_role_from_string (json_node_get_string (node), &role))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: unknown role “%s”"), where,
                   json_node_get_string (node));
      return FALSE;
    }

  mesh = osp_mesh_load (path, NULL, cancellable, error);
  if (mesh == NULL)
    return FALSE;
  model = osp_model_new (name, mesh, role);
  osp_model_set_color (model, osp_model_role_default_color (role, osp_plan_get_n_models (plan)));

  /* The look, when given, is part of the same step. */
  if (!osp_json_get_member (op, "color", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      const char *text = json_node_get_string (node);
      guint32 rgb;

      if (!osp_plan_color_from_string (text, &rgb))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("%s: bad colour “%s” (use #rrggbb)"), where, text);
          return FALSE;
        }
      osp_model_set_color (model, rgb);
    }
  if (!osp_json_get_member (op, "opacity", G_TYPE_DOUBLE, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    osp_model_set_opacity (model, json_node_get_double (node));
  if (!osp_json_get_member (op, "visible", G_TYPE_BOOLEAN, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    osp_model_set_visible (model, json_node_get_boolean (node));
  if (!osp_json_get_member (op, "transform", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      float m[16];

      if (!osp_json_get_transform (node, m, where, "transform", error))
        return FALSE;
      osp_model_set_transform (model, m);
    }

  command = osp_command_new_add_model (model, -1, path);
  osp_command_set_label (command, _("Open Model"));
  return osp_plan_execute (plan, command, error);
}

static gboolean
run_set (OspPlan     *plan,
         JsonObject  *op,
         const char  *where,
         GError     **error)
{
  g_autoptr(GPtrArray) commands =
    g_ptr_array_new_with_free_func ((GDestroyNotify) osp_command_unref);
  g_autoptr(OspCommand) command = NULL;
  OspModel *model;
  JsonNode *node;

  model = get_model (plan, op, "model", where, error);
  if (model == NULL)
    return FALSE;

  if (!osp_json_get_member (op, "color", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      guint32 rgb;

      if (!osp_plan_color_from_string (json_node_get_string (node), &rgb))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("%s: bad colour “%s” (use #rrggbb)"), where, json_node_get_string (node));
          return FALSE;
        }
      g_ptr_array_add (commands, osp_command_new_set_color (model, rgb));
    }
  if (!osp_json_get_member (op, "opacity", G_TYPE_DOUBLE, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    g_ptr_array_add (commands, osp_command_new_set_opacity (model, json_node_get_double (node)));
  if (!osp_json_get_member (op, "visible", G_TYPE_BOOLEAN, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    g_ptr_array_add (commands, osp_command_new_set_visible (model, json_node_get_boolean (node)));
  if (!osp_json_get_member (op, "role", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      OspModelRole role;

      if (!osp_plan_role_from_string (json_node_get_string (node), &role))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: unknown role “%s”"), where,
                       json_node_get_string (node));
          return FALSE;
        }
      g_ptr_array_add (commands, osp_command_new_set_role (model, role));
    }
  if (!osp_json_get_member (op, "transform", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      float m[16];

      if (!osp_json_get_transform (node, m, where, "transform", error))
        return FALSE;
      g_ptr_array_add (commands, osp_command_new_set_transform (model, m));
    }
  /* Renaming last: the other changes were recorded under the old name. */
  if (!osp_json_get_member (op, "name", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      if (*json_node_get_string (node) == '\0')
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the name is empty"), where);
          return FALSE;
        }
      g_ptr_array_add (commands, osp_command_new_rename_model (model, json_node_get_string (node)));
    }

  if (commands->len == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: nothing to set"), where);
      return FALSE;
    }
  if (commands->len == 1)
    command = osp_command_ref (commands->pdata[0]);
  else
    command = osp_command_new_group (_("Change Model"), (OspCommand *const *) commands->pdata,
                                     commands->len);
  return osp_plan_execute (plan, command, error);
}

static gboolean
run_cut (OspPlan      *plan,
         JsonObject   *op,
         const char   *where,
         GCancellable *cancellable,
         GError      **error)
{
  OspPlane planes[OSP_CUT_MAX_PLANES];
  OspModel *model;
  JsonNode *node;
  JsonArray *array;
  double margin = 0;
  guint n;

  model = get_model (plan, op, "model", where, error);
  if (model == NULL)
    return FALSE;
  if (!osp_json_get_member (op, "planes", JSON_TYPE_ARRAY, TRUE, &node, where, error))
    return FALSE;
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n < 1 || n > OSP_CUT_MAX_PLANES)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: a cut takes 1 to %d planes"),
                   where, OSP_CUT_MAX_PLANES);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    if (!parse_plane (plan, json_array_get_element (array, i), where, &planes[i], error))
      return FALSE;
  if (!osp_json_get_member (op, "margin", G_TYPE_DOUBLE, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    margin = json_node_get_double (node);
  if (!isfinite (margin) || margin < 0 || margin > 1000)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the margin must be 0–1000 mm"),
                   where);
      return FALSE;
    }
  return osp_plan_cut_model (plan, model, planes, n, margin,
                             get_string (op, "name", FALSE, where, NULL), cancellable, error);
}

static gboolean
run_mirror (OspPlan      *plan,
            JsonObject   *op,
            const char   *where,
            GCancellable *cancellable,
            GError      **error)
{
  OspModel *model;
  JsonNode *node;
  OspPlane plane;

  model = get_model (plan, op, "model", where, error);
  if (model == NULL)
    return FALSE;
  node = json_object_get_member (op, "plane");
  if (node == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: “%s” is missing"), where, "plane");
      return FALSE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
      strcmp (json_node_get_string (node), "auto") == 0)
    {
      g_autoptr(OspMesh) world = world_mesh (model);
      OspResidual residual;

      if (!osp_symmetry_estimate (world, NULL, &plane, &residual, NULL, cancellable, error))
        return FALSE;
    }
  else if (!parse_plane (plan, node, where, &plane, error))
    return FALSE;
  return osp_plan_mirror_model (plan, model, &plane,
                                get_string (op, "result", FALSE, where, NULL),
                                get_string (op, "name", FALSE, where, NULL), cancellable, error);
}

static gboolean
run_export (OspPlan      *plan,
            JsonObject   *op,
            const char   *export_dir,
            const char   *where,
            GCancellable *cancellable,
            GError      **error)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  g_autofree char *path = NULL;
  g_autofree OspExportItem *items = NULL;
  g_autofree float *transforms = NULL;
  OspExportFormat format;
  gboolean merge;
  const char *file;
  JsonNode *node;

  file = get_string (op, "path", TRUE, where, error);
  if (file == NULL)
    return FALSE;
  path = resolve_export_path (file, export_dir, where, error);
  if (path == NULL)
    return FALSE;
  if (!osp_json_get_member (op, "models", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          OspModel *model;

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("%s: “models” must hold model names"), where);
              return FALSE;
            }
          model = osp_plan_find_model (plan, json_node_get_string (element));
          if (model == NULL)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("%s: there is no model named “%s”"), where,
                           json_node_get_string (element));
              return FALSE;
            }
          g_ptr_array_add (models, model);
        }
    }
  else
    for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
      if (osp_model_get_visible (osp_plan_get_model (plan, i)))
        g_ptr_array_add (models, osp_plan_get_model (plan, i));
  if (models->len == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: no model to export"), where);
      return FALSE;
    }

  if (!osp_export_format_from_path (path, &format))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("%s: %s: export to .3mf, .stl, .obj or .ply"), where, file);
      return FALSE;
    }
  /* One file at `path` unless told otherwise: a 3MF keeps one object per model, the others
   * merge the models (placed by their transforms) into one mesh. */
  if (!osp_json_get_member (op, "merge", G_TYPE_BOOLEAN, FALSE, &node, where, error))
    return FALSE;
  merge = node != NULL ? json_node_get_boolean (node) : format != OSP_EXPORT_3MF;
  items = g_new0 (OspExportItem, models->len);
  transforms = g_new (float, 16 * (gsize) models->len);
  for (guint i = 0; i < models->len; i++)
    osp_export_item_from_model (models->pdata[i], transforms + 16 * i, &items[i]);
  {
    /* The case's patient goes into the 3MF's metadata (not into STL/OBJ/PLY). */
    g_auto(GStrv) metadata = osp_patient_to_3mf_metadata (osp_plan_get_patient (plan));

    return osp_export_full (items, models->len, path, format, merge,
                            (const char *const *) metadata, NULL, NULL, cancellable, error);
  }
}

gboolean
osp_plan_run_operation (OspPlan      *self,
                        JsonObject   *operation,
                        const char   *base_dir,
                        const char   *export_dir,
                        GCancellable *cancellable,
                        GError      **error)
{
  g_autoptr(OspCommand) command = NULL;
  const char *kind;
  const char *name;
  JsonNode *node;
  gboolean ok;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (operation != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!osp_json_get_member (operation, "op", G_TYPE_STRING, TRUE, &node, _("operation"), error))
    return FALSE;
  kind = json_node_get_string (node);

  if (strcmp (kind, "load") == 0)
    ok = run_load (self, operation, base_dir, kind, cancellable, error);
  else if (strcmp (kind, "set") == 0)
    ok = run_set (self, operation, kind, error);
  else if (strcmp (kind, "delete") == 0)
    {
      OspModel *model = get_model (self, operation, "model", kind, error);

      if (model == NULL)
        return FALSE;
      command = osp_command_new_delete_model (model);
      ok = osp_plan_execute (self, command, error);
    }
  else if (strcmp (kind, "cut") == 0)
    ok = run_cut (self, operation, kind, cancellable, error);
  else if (strcmp (kind, "mirror") == 0)
    ok = run_mirror (self, operation, kind, cancellable, error);
  else if (strcmp (kind, "register") == 0)
    ok = osp_plan_run_register (self, operation, NULL, cancellable, error);
  else if (strcmp (kind, "export") == 0)
    ok = run_export (self, operation, export_dir, kind, cancellable, error);
  else if (strcmp (kind, "implant") == 0)
    ok = osp_implant_run_operation (self, operation, base_dir, cancellable, error);
  else if (strcmp (kind, "guide") == 0)
    ok = osp_guide_run_operation (self, operation, NULL, cancellable, error);
  else if (strcmp (kind, "add-measurement") == 0 || strcmp (kind, "delete-measurement") == 0)
    ok = osp_measure_run_operation (self, operation, error);
  else if (osp_plan_ct_is_operation (kind))
    ok = osp_plan_ct_run_operation (self, operation, kind, base_dir, cancellable, error);
  else if (g_str_has_suffix (kind, "-plane") || g_str_has_suffix (kind, "-landmark"))
    {
      gboolean plane = g_str_has_suffix (kind, "-plane");

      name = get_string (operation, "name", TRUE, kind, error);
      if (name == NULL)
        return FALSE;
      if (*name == '\0')
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the name is empty"), kind);
          return FALSE;
        }
      if (g_str_has_prefix (kind, "delete-"))
        command = plane ? osp_command_new_delete_plane (name) :
                          osp_command_new_delete_landmark (name);
      else if (plane && (strcmp (kind, "add-plane") == 0 || strcmp (kind, "move-plane") == 0))
        {
          OspPlane p;

          if (!osp_json_get_member (operation, "plane", JSON_TYPE_ARRAY, TRUE, &node, kind,
                                    error) ||
              !parse_plane (self, node, kind, &p, error))
            return FALSE;
          command = kind[0] == 'a' ? osp_command_new_add_plane (name, &p) :
                                     osp_command_new_move_plane (name, &p);
        }
      else if (!plane && (strcmp (kind, "add-landmark") == 0 ||
                          strcmp (kind, "move-landmark") == 0))
        {
          float position[3];

          if (!osp_json_get_member (operation, "position", JSON_TYPE_ARRAY, TRUE, &node, kind,
                                    error) ||
              !osp_json_get_floats (node, position, 3, kind, "position", error))
            return FALSE;
          command = kind[0] == 'a' ? osp_command_new_add_landmark (name, position) :
                                     osp_command_new_move_landmark (name, position);
        }
      if (command == NULL)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Unknown operation “%s”"), kind);
          return FALSE;
        }
      ok = osp_plan_execute (self, command, error);
    }
  else if (strcmp (kind, "add") == 0 || strcmp (kind, "set-mesh") == 0 ||
           strcmp (kind, "replace-by-pieces") == 0 || strcmp (kind, "add-template") == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                   _("The operation “%s” cannot be replayed: its mesh did not come from a file"),
                   kind);
      return FALSE;
    }
  else
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Unknown operation “%s”"), kind);
      return FALSE;
    }
  return ok;
}
