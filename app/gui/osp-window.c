/* osp-window.c — the main window: start page, model list, 3D view
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "osp-ct-dialog.h"
#include "osp-cut-panel.h"
#include "osp-mirror-panel.h"
#include "osp-error.h"
#include "osp-export-dialog.h"
#include "osp-help-window.h"
#include "osp-implant-panel.h"
#include "osp-measure-panel.h"
#include "osp-training-panel.h"
#include "osp-gui-private.h"
#include "osp-jobs.h"
#include "osp-mesh-io.h"
#include "osp-model-row.h"
#include "osp-plan.h"
#include "osp-window.h"

/* Autosave interval when the preferences say nothing (minutes). */
#define AUTOSAVE_DEFAULT_MINUTES 3
#define PLAN_SUFFIX ".osteoplan"

/* How many recent cases the start page lists. */
#define N_RECENT 6
/* The name recent files are registered under: fixed, not the translated application name,
 * so the list survives a change of language. */
#define RECENT_APP_NAME "Osteoplan"

struct _OspWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkToggleButton      *sidebar_button;
  GtkRevealer          *progress_revealer;
  GtkLabel             *progress_label;
  GtkProgressBar       *progress_bar;
  GtkStack             *main_stack;
  AdwPreferencesGroup  *recent_group;
  GtkListBox           *recent_list;
  AdwPreferencesGroup  *recover_group;
  GtkListBox           *recover_list;
  GMenu                *undo_menu;
  GtkButton            *undo_button;
  GtkWidget            *tools_box;
  OspCutPanel          *cut_panel;
  OspMirrorPanel       *mirror_panel;
  AdwViewStack         *sidebar_stack;
  OspImplantPanel      *implant_panel;
  OspMeasurePanel      *measure_panel;
  OspTrainingPanel     *training_panel;
  GtkButton            *redo_button;
  GtkWidget            *sidebar;
  GtkListView          *model_list_view;
  GtkLabel             *summary_label;
  OspViewport          *viewport;

  OspPlan              *plan;
  GtkSingleSelection   *selection;

  GCancellable         *cancellable;
  GPtrArray            *jobs;          /* OspJob* running, owned by their tasks */
  guint                 progress_source;
  char                 *last_error;
  guint                 n_bone_models;
  OspAutosave          *autosave;
  guint                 autosave_source;
  gboolean              autosave_running;
  gboolean              close_confirmed;   /* the surgeon chose Save or Discard */
  guint                 n_saves_running;
  guint                 n_plan_tasks;      /* plans being opened */
  gboolean              path_is_autosave;  /* recovered: Save must ask where */
  gboolean              disposed;
};

G_DEFINE_FINAL_TYPE (OspWindow, osp_window, ADW_TYPE_APPLICATION_WINDOW)

static void set_plan  (OspWindow  *self,
                       OspPlan    *plan);
static void open_plan (OspWindow  *self,
                       const char *path);
static gboolean in_case (OspWindow *self);
typedef struct _Pending Pending;
static void save_to   (OspWindow  *self,
                       const char *path,
                       Pending    *pending);

/* -- Messages ----------------------------------------------------------------------------- */

static void
show_toast (OspWindow  *self,
            const char *text)
{
  /* AdwToast titles are markup in libadwaita 1.2. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Shows why `path` could not be opened, in a dialog that names the file: a broken file must
 * never go unnoticed, nor crash or block the window. */
static void
show_error (OspWindow    *self,
            const char   *path,
            const GError *error)
{
  g_autofree char *name = path != NULL ? osp_error_display_name (path) : NULL;
  g_autofree char *heading = name != NULL ? g_strdup_printf (_("Could Not Open “%s”"), name)
                                          : g_strdup (_("Could Not Open the Case"));
  GtkWidget *dialog;

  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  g_message ("%s", error->message);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* -- The case ----------------------------------------------------------------------------- */

static void
update_summary (OspWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  guint64 n_triangles = 0;
  g_autofree char *models_text = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) model = g_list_model_get_item (G_LIST_MODEL (self->plan), i);

      n_triangles += osp_model_get_n_triangles (model);
    }
  models_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u model", "%u models", n), n);
  text = g_strdup_printf (_("%s · %'" PRIu64 " triangles"), models_text, n_triangles);
  gtk_label_set_text (self->summary_label, text);
}

/* Tools need a selected model and no other tool running. */
static void
update_tools (OspWindow *self)
{
  gboolean selected = self->selection != NULL &&
                      gtk_single_selection_get_selected_item (self->selection) != NULL;
  gboolean idle = !osp_cut_panel_get_active (self->cut_panel) &&
                  !osp_mirror_panel_get_active (self->mirror_panel);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cut", selected && idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.mirror", selected && idle);
}

static void
on_models_changed (GListModel *list,
                   guint       position,
                   guint       removed,
                   guint       added,
                   OspWindow  *self)
{
  gboolean has_case = g_list_model_get_n_items (list) > 0;

  update_summary (self);
  gtk_stack_set_visible_child_name (self->main_stack, has_case ? "case" : "start");
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), has_case);
  gtk_widget_set_visible (self->tools_box, has_case);
  update_tools (self);
  if (!has_case)
    adw_window_title_set_subtitle (self->window_title, NULL);
}

/* Adds the model through an undoable command ("load" when it came from a file). */
static void
add_model_from (OspWindow  *self,
                OspModel   *model,
                const char *source_path)
{
  g_autofree char *name = osp_plan_make_unique_name (self->plan, osp_model_get_name (model));
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  /* Not in the plan yet: naming it directly is not an edit. */
  osp_model_set_name (model, name);
  command = osp_command_new_add_model (model, -1, source_path);
  if (!osp_plan_execute (self->plan, command, &error))
    {
      show_toast (self, error->message);
      return;
    }
  gtk_single_selection_set_selected (self->selection,
                                     g_list_model_get_n_items (G_LIST_MODEL (self->plan)) - 1);
}

void
osp_window_add_model (OspWindow *self,
                      OspModel  *model)
{
  g_return_if_fail (OSP_IS_WINDOW (self));
  g_return_if_fail (OSP_IS_MODEL (model));

  add_model_from (self, model, NULL);
}

static void
add_mesh (OspWindow  *self,
          OspMesh    *mesh,
          const char *name,
          OspModelRole role,
          const char *source_path)
{
  g_autoptr(OspModel) model = osp_model_new (name, mesh, role);

  if (role == OSP_MODEL_ROLE_BONE)
    osp_model_set_color (model, osp_model_role_default_color (role, self->n_bone_models++));
  add_model_from (self, model, source_path);
}

static void
on_row_remove (OspModelRow *row,
               OspModel    *model,
               OspWindow   *self)
{
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (osp_plan_get_model_index (self->plan, model) < 0)
    return;
  command = osp_command_new_delete_model (model);
  if (!osp_plan_execute (self->plan, command, &error))
    {
      show_toast (self, error->message);
      return;
    }
  escaped = g_markup_escape_text (osp_model_get_name (model), -1);
  title = g_strdup_printf (_("“%s” removed"), escaped);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Stops every running job; jobs started later get a fresh cancellable (the running ones
 * hold their own reference to the cancelled one). */
static void
cancel_jobs (OspWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
}

static void
close_case (OspWindow *self)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();

  cancel_jobs (self);
  set_plan (self, plan);
  self->n_bone_models = 0;
}

/* -- Recent cases ------------------------------------------------------------------------- */

static void
add_recent (OspWindow  *self,
            const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *uri = g_file_get_uri (file);
  gboolean is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
  GtkRecentData data = {
    .display_name = NULL,
    .description = NULL,
    .mime_type = (char *) (is_dir ? "inode/directory" : "application/octet-stream"),
    .app_name = (char *) RECENT_APP_NAME,
    .app_exec = (char *) "osteoplan %u",
    .groups = NULL,
    .is_private = FALSE,
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static int
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo **) a;
  GtkRecentInfo *info_b = *(GtkRecentInfo **) b;
  /* Owned by the infos. */
  GDateTime *time_a = gtk_recent_info_get_modified (info_a);
  GDateTime *time_b = gtk_recent_info_get_modified (info_b);

  return -g_date_time_compare (time_a, time_b);
}

static void
on_recent_activated (AdwActionRow *row,
                     OspWindow    *self)
{
  GFile *file = g_object_get_data (G_OBJECT (row), "file");

  osp_window_open_files (self, &file, 1);
}

static void
update_recent (OspWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) ours =
    g_ptr_array_new_with_free_func ((GDestroyNotify) gtk_recent_info_unref);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);
  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;

      if (gtk_recent_info_has_application (info, RECENT_APP_NAME) &&
          gtk_recent_info_is_local (info) && gtk_recent_info_exists (info))
        g_ptr_array_add (ours, gtk_recent_info_ref (info));
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  g_ptr_array_sort (ours, compare_recent);

  for (guint i = 0; i < MIN (ours->len, N_RECENT); i++)
    {
      GtkRecentInfo *info = g_ptr_array_index (ours, i);
      g_autoptr(GFile) file = g_file_new_for_uri (gtk_recent_info_get_uri (info));
      g_autoptr(GFile) parent = g_file_get_parent (file);
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *folder = parent != NULL ? g_file_get_parse_name (parent) : NULL;
      g_autofree char *title = g_markup_escape_text (name != NULL ? name : "", -1);
      g_autofree char *subtitle = g_markup_escape_text (folder != NULL ? folder : "", -1);
      g_autofree char *path = g_file_get_path (file);
      gboolean is_dir = path != NULL && g_file_test (path, G_FILE_TEST_IS_DIR);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name (is_dir ? "folder-symbolic"
                                                             : "text-x-generic-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      /* One line each, ellipsized: long paths must not widen the start page. */
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_tooltip_text (row, is_dir ? _("Open this CT folder again")
                                               : _("Open this file again"));
      g_object_set_data_full (G_OBJECT (row), "file", g_object_ref (file), g_object_unref);
      g_signal_connect (row, "activated", G_CALLBACK (on_recent_activated), self);
      gtk_list_box_append (self->recent_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_group), ours->len > 0);
}

/* -- Jobs --------------------------------------------------------------------------------- */

static gboolean
update_progress (gpointer data)
{
  OspWindow *self = data;
  double sum = 0.0;
  gboolean known = FALSE;

  for (guint i = 0; i < self->jobs->len; i++)
    {
      OspJob *job = g_ptr_array_index (self->jobs, i);

      /* Mesh loaders report no progress: the bar pulses for them. */
      if (job->kind != OSP_JOB_LOAD_MESH)
        known = TRUE;
      sum += osp_job_get_progress (job);
    }
  if (known && self->jobs->len > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, sum / self->jobs->len);
  else
    gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void
update_jobs_ui (OspWindow *self)
{
  gboolean busy = self->jobs->len > 0;

  gtk_revealer_set_reveal_child (self->progress_revealer, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", busy);
  if (busy)
    {
      OspJob *job = g_ptr_array_index (self->jobs, 0);
      g_autofree char *name = job->path != NULL ? osp_error_display_name (job->path) : NULL;
      g_autofree char *text = NULL;

      if (job->kind == OSP_JOB_DEMO)
        text = g_strdup (_("Building the demo case from a simulated CT…"));
      else if (self->jobs->len > 1)
        text = g_strdup_printf (_("Opening %u files…"), self->jobs->len);
      else
        text = g_strdup_printf (_("Opening %s…"), name);
      gtk_label_set_text (self->progress_label, text);
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      if (self->progress_source == 0)
        self->progress_source = g_timeout_add (100, update_progress, self);
    }
  else
    g_clear_handle_id (&self->progress_source, g_source_remove);
}

static int
compare_paths (gconstpointer a,
                   gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static void job_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data);

static void
start_job (OspWindow *self,
           OspJob    *job)
{
  g_ptr_array_add (self->jobs, job);
  update_jobs_ui (self);
  osp_job_run_async (job, self->cancellable, job_done, g_object_ref (self));
}

static void
on_ct_model_ready (OspCtDialog *dialog,
                   OspMesh     *mesh,
                   const char  *name,
                   OspWindow   *self)
{
  add_mesh (self, mesh, name, OSP_MODEL_ROLE_BONE, NULL);
}

static void
finish_job (OspWindow *self,
            OspJob    *job)
{
  g_autofree char *name = job->path != NULL ? osp_error_display_name (job->path) : NULL;

  switch (job->kind)
    {
    case OSP_JOB_LOAD_MESH:
      {
        /* The model is named after the file, without its extension. */
        char *dot = strrchr (name, '.');

        if (dot != NULL && dot != name)
          *dot = '\0';
        add_mesh (self, job->mesh, name, OSP_MODEL_ROLE_BONE, job->path);
        add_recent (self, job->path);
      }
      break;
    case OSP_JOB_LOAD_VOLUME:
      {
        OspCtDialog *dialog = osp_ct_dialog_new (GTK_WINDOW (self), job->path, job->volume,
                                                 job->series, job->series_index,
                                                 job->histogram);

        g_signal_connect_object (dialog, "model-ready", G_CALLBACK (on_ct_model_ready), self,
                                 0);
        gtk_window_present (GTK_WINDOW (dialog));
        add_recent (self, job->path);
      }
      break;
    case OSP_JOB_DEMO:
      add_mesh (self, job->mesh, _("Demo pelvis"), OSP_MODEL_ROLE_BONE, NULL);
      break;
    case OSP_JOB_SEGMENT:
    default:
      g_assert_not_reached ();
    }
  if (job->warnings != NULL)
    for (guint i = 0; i < job->warnings->len; i++)
      {
        const char *warning = g_ptr_array_index (job->warnings, i);
        /* Core messages usually name the file already. */
        g_autofree char *text = name == NULL || strstr (warning, name) != NULL
                                  ? g_strdup (warning)
                                  : g_strdup_printf ("%s: %s", name, warning);

        show_toast (self, text);
      }
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OspWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  OspJob *running = osp_job_peek (result);
  g_autofree char *path = g_strdup (running->path);
  g_autoptr(OspJob) job = NULL;

  g_ptr_array_remove (self->jobs, running);
  job = osp_job_run_finish (result, &error);
  if (self->disposed)
    return;
  update_jobs_ui (self);
  if (job != NULL)
    finish_job (self, job);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_toast (self, _("Cancelled"));
  else
    show_error (self, path, error);
}

/* A dropped folder of meshes (not a DICOM series) opens every mesh in it.  Returns FALSE
 * when the folder holds no mesh file. */
static gboolean
open_mesh_folder (OspWindow  *self,
                  const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) meshes = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (osp_mesh_format_from_extension (name) != OSP_MESH_FORMAT_UNKNOWN &&
          g_file_test (child, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (meshes, g_steal_pointer (&child));
    }
  /* Started in name order (they may finish in any order). */
  g_ptr_array_sort (meshes, (GCompareFunc) compare_paths);
  for (guint i = 0; i < meshes->len; i++)
    start_job (self, osp_job_new (OSP_JOB_LOAD_MESH, g_ptr_array_index (meshes, i)));
  return meshes->len > 0;
}

void
osp_window_open_files (OspWindow  *self,
                       GFile     **files,
                       guint       n_files)
{
  g_return_if_fail (OSP_IS_WINDOW (self));
  g_return_if_fail (files != NULL || n_files == 0);

  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);
      OspJobKind kind;

      if (path == NULL)
        {
          g_autofree char *uri = g_file_get_uri (files[i]);
          g_autoptr(GError) error =
            g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("%s: only local files can be opened"), uri);

          show_error (self, NULL, error);
          continue;
        }
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && open_mesh_folder (self, path))
        continue;
      if (g_str_has_suffix (path, PLAN_SUFFIX))
        {
          open_plan (self, path);
          continue;
        }
      kind = osp_path_is_ct (path) ? OSP_JOB_LOAD_VOLUME : OSP_JOB_LOAD_MESH;
      start_job (self, osp_job_new (kind, path));
    }
}

void
osp_window_open_demo (OspWindow *self)
{
  g_return_if_fail (OSP_IS_WINDOW (self));

  start_job (self, osp_job_new (OSP_JOB_DEMO, NULL));
}

GListModel *
osp_window_get_models (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->plan);
}

OspPlan *
osp_window_get_plan (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->plan;
}

void
osp_window_save_to_path (OspWindow  *self,
                         const char *path)
{
  g_return_if_fail (OSP_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  save_to (self, path, NULL);
}

OspMirrorPanel *
osp_window_get_mirror_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->mirror_panel;
}

OspImplantPanel *
osp_window_get_implant_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->implant_panel;
}

OspMeasurePanel *
osp_window_get_measure_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->measure_panel;
}

OspTrainingPanel *
osp_window_get_training_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->training_panel;
}

const char *
osp_window_get_sidebar_page (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return adw_view_stack_get_visible_child_name (self->sidebar_stack);
}

OspCutPanel *
osp_window_get_cut_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->cut_panel;
}

GtkSingleSelection *
osp_window_get_selection (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->selection;
}

OspViewport *
osp_window_get_viewport (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->viewport;
}

guint
osp_window_get_n_jobs (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), 0);
  return self->jobs->len + self->n_plan_tasks + self->n_saves_running;
}

const char *
osp_window_get_last_error (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->last_error;
}

/* -- File choosers ------------------------------------------------------------------------ */

typedef enum
{
  CHOOSE_MODELS,
  CHOOSE_CT_FILE,
  CHOOSE_CT_FOLDER,
} ChooseKind;

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *suffixes,
            gboolean        all_files)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_auto(GStrv) list = g_strsplit (suffixes, " ", -1);

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; list[i] != NULL; i++)
    if (*list[i] != '\0')
      gtk_file_filter_add_suffix (filter, list[i]);
  if (all_files)
    gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
on_chooser_response (GtkNativeDialog *native,
                     int              response,
                     OspWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      guint n = g_list_model_get_n_items (files);
      g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (array, g_list_model_get_item (files, i));
      osp_window_open_files (self, (GFile **) array->pdata, array->len);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
choose (OspWindow  *self,
        ChooseKind  kind)
{
  GtkFileChooserNative *native;
  GtkFileChooser *chooser;

  switch (kind)
    {
    case CHOOSE_MODELS:
      native = gtk_file_chooser_native_new (_("Open Models"), GTK_WINDOW (self),
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                            _("_Cancel"));
      chooser = GTK_FILE_CHOOSER (native);
      gtk_file_chooser_set_select_multiple (chooser, TRUE);
      add_filter (chooser, _("Models (STL, OBJ, PLY, 3MF)"), "stl obj ply 3mf", FALSE);
      add_filter (chooser, _("STL"), "stl", FALSE);
      add_filter (chooser, _("OBJ"), "obj", FALSE);
      add_filter (chooser, _("PLY"), "ply", FALSE);
      add_filter (chooser, _("3MF"), "3mf", FALSE);
      add_filter (chooser, _("All files"), "", TRUE);
      break;
    case CHOOSE_CT_FILE:
      native = gtk_file_chooser_native_new (_("Open CT File"), GTK_WINDOW (self),
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                            _("_Cancel"));
      chooser = GTK_FILE_CHOOSER (native);
      add_filter (chooser, _("CT volumes (NIfTI, DICOM)"), "nii nii.gz hdr dcm", FALSE);
      add_filter (chooser, _("NIfTI (.nii, .nii.gz)"), "nii nii.gz hdr", FALSE);
      add_filter (chooser, _("DICOM files (any name)"), "", TRUE);
      break;
    case CHOOSE_CT_FOLDER:
    default:
      native = gtk_file_chooser_native_new (_("Open CT Folder"), GTK_WINDOW (self),
                                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"),
                                            _("_Cancel"));
      break;
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* -- The plan: title, undo, saving -------------------------------------------------------- */

static void update_recover (OspWindow *self);

static void
update_title (OspWindow *self)
{
  const char *path = osp_plan_get_path (self->plan);
  gboolean modified = osp_plan_get_modified (self->plan);
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->plan)) == 0;
  g_autofree char *name = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *title = NULL;
  g_autofree char *window_title = NULL;

  if (self->path_is_autosave)
    name = g_strdup (_("Recovered Plan"));
  else if (path != NULL)
    {
      name = g_path_get_basename (path);
      folder = g_path_get_dirname (path);
    }
  else if (!empty || modified)
    name = g_strdup (_("Unsaved Plan"));
  else
    name = g_strdup (_("Osteoplan"));
  /* A dot before the name marks unsaved changes, as GNOME's editors do. */
  title = modified ? g_strdup_printf ("• %s", name) : g_strdup (name);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, folder);
  window_title = g_strdup_printf (_("%s — Osteoplan"), title);
  gtk_window_set_title (GTK_WINDOW (self), window_title);
}

static void
update_undo (OspWindow *self)
{
  const char *undo = osp_plan_get_undo_label (self->plan);
  const char *redo = osp_plan_get_redo_label (self->plan);
  g_autoptr(GMenuItem) undo_item = g_menu_item_new (undo, "win.undo");
  g_autoptr(GMenuItem) redo_item = g_menu_item_new (redo, "win.redo");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 osp_plan_can_undo (self->plan));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 osp_plan_can_redo (self->plan));
  /* The menu and the buttons name the operation: "Undo Cut Ilium". */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->undo_button), undo);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->redo_button), redo);
  g_menu_remove_all (self->undo_menu);
  g_menu_append_item (self->undo_menu, undo_item);
  g_menu_append_item (self->undo_menu, redo_item);
}

static void
on_plan_notify (OspPlan    *plan,
                GParamSpec *pspec,
                OspWindow  *self)
{
  update_undo (self);
  update_title (self);
}

/* Shows the side panel's page `name` (models, implants, measure, training). */
static void
show_sidebar_page (OspWindow  *self,
                   const char *name)
{
  gtk_toggle_button_set_active (self->sidebar_button, TRUE);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, name);
}

/* Shows `plan` (the window keeps a reference); the previous one is dropped. */
static void
set_plan (OspWindow *self,
          OspPlan   *plan)
{
  guint n_old = self->plan != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->plan)) : 0;

  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  osp_cut_panel_stop (self->cut_panel);
  osp_mirror_panel_stop (self->mirror_panel);
  osp_viewport_set_selection (self->viewport, NULL);
  gtk_list_view_set_model (self->model_list_view, NULL);
  g_clear_object (&self->selection);
  g_set_object (&self->plan, plan);
  self->path_is_autosave = FALSE;

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (plan)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (plan, "items-changed", G_CALLBACK (on_models_changed), self);
  g_signal_connect (plan, "notify", G_CALLBACK (on_plan_notify), self);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (update_tools),
                            self);
  gtk_list_view_set_model (self->model_list_view, GTK_SELECTION_MODEL (self->selection));
  osp_viewport_set_selection (self->viewport, self->selection);
  osp_implant_panel_set_context (self->implant_panel, plan, self->selection, self->viewport);
  osp_measure_panel_set_context (self->measure_panel, plan, self->selection, self->viewport);
  osp_training_panel_set_plan (self->training_panel, plan);
  /* A course an instructor saved opens on its guided steps. */
  if (osp_training_is_course (plan))
    show_sidebar_page (self, "training");
  on_models_changed (G_LIST_MODEL (plan), 0, n_old, g_list_model_get_n_items (G_LIST_MODEL (plan)),
                     self);
  update_undo (self);
  update_title (self);
}

/* -- Tools ------------------------------------------------------------------------------- */

static void
on_tool_finished (OspWindow *self,
                  gboolean   applied)
{
  gtk_widget_set_visible (GTK_WIDGET (self->cut_panel), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->mirror_panel), FALSE);
  update_tools (self);
}

static void
action_mirror (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);
  OspModel *model = gtk_single_selection_get_selected_item (self->selection);

  if (model == NULL || osp_mirror_panel_get_active (self->mirror_panel) ||
      osp_cut_panel_get_active (self->cut_panel))
    return;
  show_sidebar_page (self, "models");
  gtk_widget_set_visible (GTK_WIDGET (self->mirror_panel), TRUE);
  osp_mirror_panel_start (self->mirror_panel, self->plan, self->viewport, model);
  update_tools (self);
}

static void
action_cut (GtkWidget  *widget,
            const char *name,
            GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);
  OspModel *model = gtk_single_selection_get_selected_item (self->selection);

  if (model == NULL || osp_cut_panel_get_active (self->cut_panel))
    return;
  show_sidebar_page (self, "models");
  gtk_widget_set_visible (GTK_WIDGET (self->cut_panel), TRUE);
  osp_cut_panel_start (self->cut_panel, self->plan, self->viewport, model);
  update_tools (self);
}

static void
action_implants (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  show_sidebar_page (OSP_WINDOW (widget), "implants");
}

static void
action_measure (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  show_sidebar_page (OSP_WINDOW (widget), "measure");
}

static void
action_help (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  osp_help_window_present (GTK_WINDOW (widget));
}

static void
action_undo (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);

  osp_plan_seal_undo (self->plan);
  osp_plan_undo (self->plan);
}

static void
action_redo (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);

  osp_plan_seal_undo (self->plan);
  osp_plan_redo (self->plan);
}

/* What to do once the plan is saved (or the changes discarded): close the window, open
 * another plan. */
typedef void (*ThenFunc) (OspWindow *self,
                          gpointer   data);

struct _Pending
{
  OspWindow      *window;
  ThenFunc        then;
  gpointer        data;
  GDestroyNotify  destroy;
  char           *path;
};

static Pending *
pending_new (OspWindow      *self,
             ThenFunc        then,
             gpointer        data,
             GDestroyNotify  destroy)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->window = g_object_ref (self);
  pending->then = then;
  pending->data = data;
  pending->destroy = destroy;
  return pending;
}

static void
pending_free (Pending *pending)
{
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_object_unref (pending->window);
  g_free (pending->path);
  g_free (pending);
}

static void
pending_run (Pending *pending)
{
  if (pending->then != NULL && !pending->window->disposed)
    pending->then (pending->window, pending->data);
  pending_free (pending);
}

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;
  OspWindow *self = pending->window;
  g_autoptr(GError) error = NULL;

  self->n_saves_running--;
  if (!osp_plan_save_finish (OSP_PLAN (source), result, &error))
    {
      if (!self->disposed)
        {
          g_autofree char *name = osp_error_display_name (pending->path);
          g_autofree char *heading = g_strdup_printf (_("Could Not Save “%s”"), name);
          GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                                      error->message);

          g_free (self->last_error);
          self->last_error = g_strdup (error->message);
          adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
          gtk_window_present (GTK_WINDOW (dialog));
        }
      pending->then = NULL;
      pending_free (pending);
      return;
    }
  if (!self->disposed && OSP_PLAN (source) == self->plan)
    {
      g_autofree char *name = g_path_get_basename (pending->path);
      g_autofree char *text = g_strdup_printf (_("Saved “%s”"), name);

      self->path_is_autosave = FALSE;
      add_recent (self, pending->path);
      show_toast (self, text);
      update_title (self);
    }
  pending_run (pending);
}

static void
save_to (OspWindow  *self,
         const char *path,
         Pending    *pending)
{
  if (pending == NULL)
    pending = pending_new (self, NULL, NULL, NULL);
  pending->path = g_strdup (path);
  self->n_saves_running++;
  osp_plan_save_async (self->plan, path, NULL, save_done, pending);
}

static void
on_save_chooser_response (GtkNativeDialog *native,
                          int              response,
                          Pending         *pending)
{
  OspWindow *self = pending->window;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          g_autofree char *full = g_str_has_suffix (path, PLAN_SUFFIX)
                                    ? g_strdup (path) : g_strconcat (path, PLAN_SUFFIX, NULL);

          save_to (self, full, pending);
          pending = NULL;
        }
    }
  if (pending != NULL)
    {
      /* Cancelled: neither close nor open. */
      pending->then = NULL;
      pending_free (pending);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
save_as (OspWindow *self,
         Pending   *pending)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Save Plan"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);
  const char *path = osp_plan_get_path (self->plan);

  if (pending == NULL)
    pending = pending_new (self, NULL, NULL, NULL);
  add_filter (chooser, _("Osteoplan plans"), "osteoplan", FALSE);
  if (path != NULL && !self->path_is_autosave)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      gtk_file_chooser_set_file (chooser, file, NULL);
    }
  else
    gtk_file_chooser_set_current_name (chooser, _("Plan.osteoplan"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_save_chooser_response), pending);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
save (OspWindow *self,
      Pending   *pending)
{
  const char *path = osp_plan_get_path (self->plan);

  if (path != NULL && !self->path_is_autosave && g_str_has_suffix (path, PLAN_SUFFIX))
    save_to (self, path, pending);
  else
    save_as (self, pending);
}

static void
action_save (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  save (OSP_WINDOW (widget), NULL);
}

static void
action_save_as (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  save_as (OSP_WINDOW (widget), NULL);
}

static void
on_discard_response (AdwMessageDialog *dialog,
                     const char       *response,
                     Pending          *pending)
{
  if (g_str_equal (response, "save"))
    save (pending->window, pending);
  else if (g_str_equal (response, "discard"))
    pending_run (pending);
  else
    {
      pending->then = NULL;
      pending_free (pending);
    }
}

/* Runs `then` now when nothing would be lost, else asks first: Save, Discard or Cancel. */
static void
confirm_discard (OspWindow      *self,
                 ThenFunc        then,
                 gpointer        data,
                 GDestroyNotify  destroy)
{
  Pending *pending = pending_new (self, then, data, destroy);
  GtkWidget *dialog;

  if (!osp_plan_get_modified (self->plan) ||
      g_list_model_get_n_items (G_LIST_MODEL (self->plan)) == 0)
    {
      pending_run (pending);
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"),
                                   _("The plan has changes that are not saved. Changes which "
                                     "are not saved will be lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_discard_response), pending);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
close_now (OspWindow *self,
           gpointer   data)
{
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
on_close_request (GtkWindow *window,
                  gpointer   data)
{
  OspWindow *self = OSP_WINDOW (window);

  if (self->close_confirmed || !osp_plan_get_modified (self->plan) ||
      g_list_model_get_n_items (G_LIST_MODEL (self->plan)) == 0)
    return FALSE;
  confirm_discard (self, close_now, NULL, NULL);
  return TRUE;
}

/* -- Opening plans ------------------------------------------------------------------------ */

static void
open_plan_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  OspPlan *plan = osp_plan_open (task_data, NULL, cancellable, &error);

  if (plan != NULL)
    g_task_return_pointer (task, plan, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
open_plan_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  OspWindow *self = OSP_WINDOW (source);
  const char *path = g_task_get_task_data (G_TASK (result));
  gboolean from_autosave = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "autosave"));
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = g_task_propagate_pointer (G_TASK (result), &error);

  self->n_plan_tasks--;
  if (self->disposed)
    return;
  update_jobs_ui (self);
  if (plan == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, _("Cancelled"));
      else
        show_error (self, path, error);
      return;
    }
  set_plan (self, plan);
  if (from_autosave)
    {
      /* Its path is the autosave's: Save asks where to keep it. */
      self->path_is_autosave = TRUE;
      osp_autosave_remove (path);
      update_recover (self);
      update_title (self);
      show_toast (self, _("Plan recovered: save it to keep it"));
    }
  else
    add_recent (self, path);
}

static void
open_plan_now (OspWindow *self,
               gpointer   data)
{
  const char *path = data;
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, open_plan_done, NULL);

  g_task_set_source_tag (task, open_plan_now);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_object_set_data (G_OBJECT (task), "autosave",
                     GINT_TO_POINTER (g_object_get_data (G_OBJECT (self), "opening-autosave")
                                      != NULL));
  self->n_plan_tasks++;
  g_task_run_in_thread (task, open_plan_thread);
}

static void
open_plan (OspWindow  *self,
           const char *path)
{
  confirm_discard (self, open_plan_now, g_strdup (path), g_free);
}

static void
on_plan_chooser_response (GtkNativeDialog *native,
                          int              response,
                          OspWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        open_plan (self, path);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
action_open_plan (GtkWidget  *widget,
                  const char *name,
                  GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Open Plan"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));

  add_filter (GTK_FILE_CHOOSER (native), _("Osteoplan plans"), "osteoplan", FALSE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_plan_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* -- Autosave and recovery ---------------------------------------------------------------- */

static void
autosave_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OspWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->autosave_running = FALSE;
  if (!osp_autosave_save_finish (OSP_PLAN (source), result, &error))
    g_message ("autosave: %s", error->message);
}

static gboolean
autosave_tick (gpointer data)
{
  OspWindow *self = data;

  if (self->autosave != NULL && !self->autosave_running &&
      osp_plan_get_modified (self->plan) &&
      g_list_model_get_n_items (G_LIST_MODEL (self->plan)) > 0)
    {
      self->autosave_running = TRUE;
      /* The window (and so the autosave) lives until the save completes. */
      osp_autosave_save_async (self->autosave, self->plan, NULL, autosave_done,
                               g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

static guint
autosave_minutes (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema =
    source != NULL ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;

  /* The preferences hold the interval when the schema is installed. */
  if (schema != NULL && g_settings_schema_has_key (schema, "autosave-interval"))
    {
      g_autoptr(GSettings) settings = g_settings_new_full (schema, NULL, NULL);

      return g_settings_get_uint (settings, "autosave-interval");
    }
  return AUTOSAVE_DEFAULT_MINUTES;
}

static void
start_autosave (OspWindow *self)
{
  g_autoptr(GError) error = NULL;
  guint minutes = autosave_minutes ();

  if (minutes == 0)
    return;
  self->autosave = osp_autosave_new (&error);
  if (self->autosave == NULL)
    {
      g_message ("autosave: %s", error->message);
      return;
    }
  self->autosave_source = g_timeout_add_seconds (minutes * 60, autosave_tick, self);
}

static void
on_recover_clicked (GtkButton *button,
                    OspWindow *self)
{
  const char *path = g_object_get_data (G_OBJECT (button), "path");

  g_object_set_data (G_OBJECT (self), "opening-autosave", GINT_TO_POINTER (1));
  open_plan_now (self, (gpointer) path);
  g_object_set_data (G_OBJECT (self), "opening-autosave", NULL);
}

static void
on_recover_discard_clicked (GtkButton *button,
                            OspWindow *self)
{
  osp_autosave_remove (g_object_get_data (G_OBJECT (button), "path"));
  update_recover (self);
}

/* The autosaves of sessions that ended without closing (a crash) are offered on the start
 * page. */
static void
update_recover (OspWindow *self)
{
  g_autoptr(GPtrArray) paths = osp_autosave_list_recoverable ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recover_list))) != NULL)
    gtk_list_box_remove (self->recover_list, child);
  for (guint i = 0; paths != NULL && i < MIN (paths->len, N_RECENT); i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);
      g_autoptr(GDateTime) time = info != NULL ? g_file_info_get_modification_date_time (info)
                                               : NULL;
      g_autofree char *when = time != NULL ? g_date_time_format (time, "%c") : NULL;
      g_autofree char *title = g_markup_escape_text (when != NULL ? when : path, -1);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *recover = gtk_button_new_with_mnemonic (_("_Recover"));
      GtkWidget *discard = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Unsaved plan of a session that "
                                                           "ended unexpectedly"));
      gtk_widget_set_valign (recover, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (discard, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (recover, "suggested-action");
      gtk_widget_add_css_class (discard, "flat");
      gtk_widget_set_tooltip_text (recover, _("Open this plan as it was last autosaved"));
      gtk_widget_set_tooltip_text (discard, _("Delete this autosave"));
      g_object_set_data_full (G_OBJECT (recover), "path", g_strdup (path), g_free);
      g_object_set_data_full (G_OBJECT (discard), "path", g_strdup (path), g_free);
      g_signal_connect (recover, "clicked", G_CALLBACK (on_recover_clicked), self);
      g_signal_connect (discard, "clicked", G_CALLBACK (on_recover_discard_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), recover);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), discard);
      gtk_list_box_append (self->recover_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recover_group), paths != NULL && paths->len > 0);
}

/* -- Actions and keys --------------------------------------------------------------------- */

static void
action_open_models (GtkWidget  *widget,
                    const char *name,
                    GVariant   *parameter)
{
  choose (OSP_WINDOW (widget), CHOOSE_MODELS);
}

static void
action_open_ct_file (GtkWidget  *widget,
                     const char *name,
                     GVariant   *parameter)
{
  choose (OSP_WINDOW (widget), CHOOSE_CT_FILE);
}

static void
action_open_ct_folder (GtkWidget  *widget,
                       const char *name,
                       GVariant   *parameter)
{
  choose (OSP_WINDOW (widget), CHOOSE_CT_FOLDER);
}

static void
action_open_demo (GtkWidget  *widget,
                  const char *name,
                  GVariant   *parameter)
{
  osp_window_open_demo (OSP_WINDOW (widget));
}

static void
action_cancel (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  cancel_jobs (OSP_WINDOW (widget));
}

static void
close_case_now (OspWindow *self,
                gpointer   data)
{
  close_case (self);
}

static void
action_close_case (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  /* Unsaved changes: Save, Discard or Cancel first. */
  confirm_discard (OSP_WINDOW (widget), close_case_now, NULL, NULL);
}

static void
on_exported (OspWindow  *self,
             const char *path)
{
  osp_training_panel_report (self->training_panel, OSP_TRAINING_STEP_EXPORT);
}

/* -- Training ------------------------------------------------------------------------------ */

static void
use_training_case (OspWindow *self,
                   gpointer   data)
{
  set_plan (self, data);
  show_sidebar_page (self, "training");
}

/* The panel built a new case (the phantom with a defect): it replaces the open plan once the
 * surgeon has saved or discarded what is unsaved there. */
static void
on_training_case_ready (OspTrainingPanel *panel,
                        OspPlan          *plan,
                        OspWindow        *self)
{
  confirm_discard (self, use_training_case, g_object_ref (plan), g_object_unref);
}

static void
action_training (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);

  /* Without a case, training starts on its own one. */
  if (!in_case (self))
    osp_training_panel_reset_case (self->training_panel);
  else
    show_sidebar_page (self, "training");
}

/* The export dialog reads the plan's models when it opens; it is modal, so they stay put. */
static void
action_export_for_printing (GtkWidget  *widget,
                            const char *name,
                            GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);
  OspExportDialog *dialog = osp_export_dialog_new (GTK_WINDOW (self),
                                                   osp_window_get_models (self), NULL);

  g_signal_connect_object (dialog, "exported", G_CALLBACK (on_exported), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_toggle_sidebar (GtkWidget  *widget,
                       const char *name,
                       GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);

  gtk_toggle_button_set_active (self->sidebar_button,
                                !gtk_toggle_button_get_active (self->sidebar_button));
}

static gboolean
in_case (OspWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "case") == 0;
}

static gboolean
key_view (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  OspWindow *self = OSP_WINDOW (widget);
  OspView view;

  if (!in_case (self) || !osp_view_from_name (g_variant_get_string (args, NULL), &view))
    return FALSE;
  osp_viewport_set_view (self->viewport, view);
  return TRUE;
}

static gboolean
key_fit_all (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  OspWindow *self = OSP_WINDOW (widget);

  if (!in_case (self))
    return FALSE;
  osp_viewport_fit_all (self->viewport);
  return TRUE;
}

static gboolean
key_toggle_projection (GtkWidget *widget,
                       GVariant  *args,
                       gpointer   user_data)
{
  OspWindow *self = OSP_WINDOW (widget);

  if (!in_case (self))
    return FALSE;
  osp_viewport_set_orthographic (self->viewport,
                                 !osp_viewport_get_orthographic (self->viewport));
  return TRUE;
}

static void
bind_view_keys (GtkWidgetClass *widget_class,
                guint           key,
                guint           keypad_key,
                guint           keypad_key_numlock_off,
                const char     *view,
                const char     *opposite)
{
  /* Blender's keys: the digit for a view, with Ctrl for the opposite one; the keypad too,
   * with or without Num Lock. */
  const guint keys[] = { key, keypad_key, keypad_key_numlock_off };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gtk_widget_class_add_binding (widget_class, keys[i], 0, key_view, "s", view);
      gtk_widget_class_add_binding (widget_class, keys[i], GDK_CONTROL_MASK, key_view, "s",
                                    opposite);
    }
}

/* -- Drag and drop ------------------------------------------------------------------------ */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         OspWindow     *self)
{
  GSList *list;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  osp_window_open_files (self, (GFile **) files->pdata, files->len);
  return files->len > 0;
}

/* -- List --------------------------------------------------------------------------------- */

static void
on_factory_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  OspWindow                *self)
{
  GtkWidget *row = osp_model_row_new ();

  g_signal_connect (row, "remove", G_CALLBACK (on_row_remove), self);
  osp_model_row_set_plan (OSP_MODEL_ROW (row), self->plan);
  gtk_list_item_set_child (item, row);
}

static void
on_factory_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 OspWindow                *self)
{
  /* The plan may have been replaced (Open, Close Case) since the row was made. */
  osp_model_row_set_plan (OSP_MODEL_ROW (gtk_list_item_get_child (item)), self->plan);
  osp_model_row_set_model (OSP_MODEL_ROW (gtk_list_item_get_child (item)),
                           gtk_list_item_get_item (item));
}

static void
on_factory_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   OspWindow                *self)
{
  osp_model_row_set_model (OSP_MODEL_ROW (gtk_list_item_get_child (item)), NULL);
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_window_dispose (GObject *object)
{
  OspWindow *self = OSP_WINDOW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  if (self->viewport != NULL)
    osp_viewport_set_selection (self->viewport, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_WINDOW);
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->plan);
  G_OBJECT_CLASS (osp_window_parent_class)->dispose (object);
}

static void
osp_window_finalize (GObject *object)
{
  OspWindow *self = OSP_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->jobs);
  g_free (self->last_error);
  /* A clean exit: the session's autosave is not needed any more.  (A running autosave holds
   * the window, so none is in flight here.) */
  g_clear_pointer (&self->autosave, osp_autosave_discard);
  G_OBJECT_CLASS (osp_window_parent_class)->finalize (object);
}

static void
osp_window_class_init (OspWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_window_dispose;
  object_class->finalize = osp_window_finalize;

  g_type_ensure (OSP_TYPE_VIEWPORT);
  g_type_ensure (OSP_TYPE_CUT_PANEL);
  g_type_ensure (OSP_TYPE_MIRROR_PANEL);
  g_type_ensure (OSP_TYPE_IMPLANT_PANEL);
  g_type_ensure (OSP_TYPE_MEASURE_PANEL);
  g_type_ensure (OSP_TYPE_TRAINING_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OspWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recover_group);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recover_list);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, undo_menu);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, undo_button);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, tools_box);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, cut_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, mirror_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, implant_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, measure_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, training_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, redo_button);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, model_list_view);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, viewport);

  gtk_widget_class_install_action (widget_class, "win.open-models", NULL, action_open_models);
  gtk_widget_class_install_action (widget_class, "win.open-ct-file", NULL, action_open_ct_file);
  gtk_widget_class_install_action (widget_class, "win.open-ct-folder", NULL,
                                   action_open_ct_folder);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, action_open_demo);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "win.close-case", NULL, action_close_case);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL,
                                   action_toggle_sidebar);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, action_undo);
  gtk_widget_class_install_action (widget_class, "win.cut", NULL, action_cut);
  gtk_widget_class_install_action (widget_class, "win.mirror", NULL, action_mirror);
  gtk_widget_class_install_action (widget_class, "win.implants", NULL, action_implants);
  gtk_widget_class_install_action (widget_class, "win.measure", NULL, action_measure);
  gtk_widget_class_install_action (widget_class, "win.training", NULL, action_training);
  gtk_widget_class_install_action (widget_class, "win.help", NULL, action_help);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, action_redo);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, action_save);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, action_save_as);
  gtk_widget_class_install_action (widget_class, "win.open-plan", NULL, action_open_plan);
  gtk_widget_class_install_action (widget_class, "win.export-for-printing", NULL,
                                   action_export_for_printing);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.export-for-printing", NULL);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-models", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-ct-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK, "win.redo",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel", NULL);
  bind_view_keys (widget_class, GDK_KEY_1, GDK_KEY_KP_1, GDK_KEY_KP_End, "anterior", "posterior");
  bind_view_keys (widget_class, GDK_KEY_3, GDK_KEY_KP_3, GDK_KEY_KP_Page_Down, "right", "left");
  bind_view_keys (widget_class, GDK_KEY_7, GDK_KEY_KP_7, GDK_KEY_KP_Home, "superior", "inferior");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_f, 0, key_fit_all, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Home, 0, key_fit_all, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_5, 0, key_toggle_projection, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_5, 0, key_toggle_projection, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_KP_Begin, 0, key_toggle_projection, NULL);
}

static void
osp_window_init (OspWindow *self)
{
  GtkListItemFactory *factory;
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST };

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->cut_panel, "finished", G_CALLBACK (on_tool_finished), self);
  g_signal_connect_swapped (self->mirror_panel, "finished", G_CALLBACK (on_tool_finished), self);
  g_signal_connect (self->training_panel, "case-ready", G_CALLBACK (on_training_case_ready),
                    self);
  osp_training_panel_set_viewport (self->training_panel, self->viewport);

  self->cancellable = g_cancellable_new ();
  self->jobs = g_ptr_array_new ();

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_factory_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_factory_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_factory_unbind), self);
  gtk_list_view_set_factory (self->model_list_view, factory);
  g_object_unref (factory);
  {
    g_autoptr(OspPlan) plan = osp_plan_new ();

    set_plan (self, plan);
  }

  g_object_bind_property (self->sidebar_button, "active", self->sidebar, "visible",
                          G_BINDING_SYNC_CREATE);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (update_recent), self);
  update_recent (self);
  update_recover (self);
  update_jobs_ui (self);
  update_summary (self);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);
  start_autosave (self);
}

OspWindow *
osp_window_new (GtkApplication *application)
{
  return g_object_new (OSP_TYPE_WINDOW, "application", application, NULL);
}
