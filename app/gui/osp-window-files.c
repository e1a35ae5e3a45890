/* osp-window-files.c — the window's files: opening, importing, saving, recent cases
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-ct-dialog.h"
#include "osp-error.h"
#include "osp-jobs.h"
#include "osp-mesh-io.h"
#include "osp-settings.h"
#include "osp-window-private.h"

#define PLAN_SUFFIX ".osteoplan"

/* The name recent files are registered under: fixed, not the translated application name,
 * so the list survives a change of language. */
#define RECENT_APP_NAME "Osteoplan"

static void open_plan (OspWindow  *self,
                       const char *path);
static void close_now (OspWindow  *self,
                       gpointer    data);
typedef struct _Pending Pending;
static void save_to   (OspWindow  *self,
                       const char *path,
                       Pending    *pending);

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

void
osp_window_update_recent (OspWindow *self)
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

void
osp_window_update_jobs_ui (OspWindow *self)
{
  gboolean busy = self->jobs->len > 0;

  /* The case page as soon as work starts (job_done() goes back to the start page when it
   * brought nothing). */
  if (busy)
    osp_window_update_case_page (self);
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
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Opening %u file…",
                                             "Opening %u files…", self->jobs->len),
                                self->jobs->len);
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
  osp_window_update_jobs_ui (self);
  osp_job_run_async (job, self->cancellable, job_done, g_object_ref (self));
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
        osp_viewport_offer_prepared (self->viewport, job->prepared);
        osp_window_add_mesh (self, job->mesh, name, OSP_MODEL_ROLE_BONE, job->path);
        add_recent (self, job->path);
      }
      break;
    case OSP_JOB_LOAD_VOLUME:
      {
        /* Asks first when the CT shows another patient than the case's. */
        osp_window_slices_open_ct (self, job->path, job->volume, job->series,
                                   job->series_index, job->histogram);
        add_recent (self, job->path);
      }
      break;
    case OSP_JOB_DEMO:
      osp_window_slices_add_volume (self, job->volume);
      osp_viewport_offer_prepared (self->viewport, job->prepared);
      osp_window_add_mesh (self, job->mesh, _("Demo pelvis"), OSP_MODEL_ROLE_BONE, NULL);
      osp_window_slices_add_demo_tumour (self, job->volume, job->tumour);
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

        osp_window_show_toast (self, text);
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
  osp_window_update_jobs_ui (self);
  if (job != NULL)
    finish_job (self, job);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    osp_window_show_toast (self, _("Cancelled"));
  else
    show_error (self, path, error);
  osp_window_update_case_page (self);
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
      if (array->len > 0)
        osp_settings_remember_folder (g_ptr_array_index (array, 0));
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
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (native));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* -- Saving ----------------------------------------------------------------------------- */

struct _Pending
{
  OspWindow         *window;
  OspWindowThenFunc  then;
  gpointer           data;
  GDestroyNotify     destroy;
  char              *path;
};

static Pending *
pending_new (OspWindow         *self,
             OspWindowThenFunc  then,
             gpointer           data,
             GDestroyNotify     destroy)
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
  if (pending->then == close_now)
    pending->window->close_asking = FALSE;
  if (pending->destroy != NULL)
    pending->destroy (pending->data);
  g_object_unref (pending->window);
  g_free (pending->path);
  g_free (pending);
}

/* The surgeon cancelled (or the save failed): neither close nor open. */
static void
pending_cancel (Pending *pending)
{
  g_autoptr(OspWindow) self = g_object_ref (pending->window);
  gboolean closing = pending->then == close_now;

  pending->then = NULL;
  pending_free (pending);
  if (closing)
    {
      self->close_asking = FALSE;
      if (!self->disposed)
        g_signal_emit_by_name (self, "close-cancelled");
    }
}

static void
pending_run (Pending *pending)
{
  if (pending->then != NULL && !pending->window->disposed)
    pending->then (pending->window, pending->data);
  pending_free (pending);
}

/* "Could Not Save" with the reason, remembered as the window's last error. */
static void
show_save_error (OspWindow    *self,
                 const char   *path,
                 const GError *error)
{
  g_autofree char *name = osp_error_display_name (path);
  g_autofree char *heading = g_strdup_printf (_("Could Not Save “%s”"), name);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, error->message);

  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The plan file a save chooser accepted, with the plan suffix; NULL when cancelled. */
static char *
chosen_plan_path (GtkNativeDialog *native,
                  int              response)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    return NULL;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  path = file != NULL ? g_file_get_path (file) : NULL;
  if (path == NULL)
    return NULL;
  osp_settings_remember_folder (file);
  return g_str_has_suffix (path, PLAN_SUFFIX) ? g_steal_pointer (&path)
                                              : g_strconcat (path, PLAN_SUFFIX, NULL);
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
        show_save_error (self, pending->path, error);
      pending_cancel (pending);
      return;
    }
  if (!self->disposed && OSP_PLAN (source) == self->plan)
    {
      g_autofree char *name = g_path_get_basename (pending->path);
      g_autofree char *text = g_strdup_printf (_("Saved “%s”"), name);

      self->path_is_autosave = FALSE;
      add_recent (self, pending->path);
      osp_window_show_toast (self, text);
      osp_window_update_title (self);
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
  g_autofree char *path = chosen_plan_path (native, response);

  if (path != NULL)
    {
      save_to (self, path, pending);
      pending = NULL;
    }
  if (pending != NULL)
    {
      /* Cancelled: neither close nor open. */
      pending_cancel (pending);
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
    {
      osp_settings_start_in_last_folder (chooser);
      gtk_file_chooser_set_current_name (chooser, _("Plan.osteoplan"));
    }
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

void
osp_window_save_to_path (OspWindow  *self,
                         const char *path)
{
  g_return_if_fail (OSP_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  save_to (self, path, NULL);
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

/* -- An anonymised copy (for teaching, a colleague, a bug report) ------------------------- */

typedef struct
{
  OspWindow *window;
  char      *path;
} CopyJob;

static void
copy_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CopyJob *job = user_data;
  OspWindow *self = job->window;
  g_autoptr(GError) error = NULL;

  self->n_saves_running--;
  if (!osp_plan_save_finish (OSP_PLAN (source), result, &error))
    {
      if (!self->disposed)
        show_save_error (self, job->path, error);
    }
  else if (!self->disposed)
    {
      g_autofree char *name = osp_error_display_name (job->path);
      g_autofree char *text =
        g_strdup_printf (_("Saved an anonymised copy, “%s”, without the patient’s name, ID, "
                           "birth date and sex"), name);

      osp_window_show_toast (self, text);
    }
  g_object_unref (job->window);
  g_free (job->path);
  g_free (job);
}

void
osp_window_save_anonymised_copy (OspWindow  *self,
                                 const char *path)
{
  CopyJob *job;

  g_return_if_fail (OSP_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  job = g_new0 (CopyJob, 1);
  job->window = g_object_ref (self);
  job->path = g_strdup (path);
  self->n_saves_running++;
  osp_plan_save_full_async (self->plan, path, OSP_PLAN_SAVE_ANONYMISE, NULL, copy_done, job);
}

static void
on_copy_chooser_response (GtkNativeDialog *native,
                          int              response,
                          OspWindow       *self)
{
  g_autofree char *path = chosen_plan_path (native, response);

  if (path != NULL)
    osp_window_save_anonymised_copy (self, path);
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
  g_object_unref (self);
}

static void
action_save_anonymised (GtkWidget  *widget,
                        const char *name,
                        GVariant   *parameter)
{
  OspWindow *self = OSP_WINDOW (widget);
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Save Anonymised Copy"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);

  add_filter (chooser, _("Osteoplan plans"), "osteoplan", FALSE);
  osp_settings_start_in_last_folder (chooser);
  gtk_file_chooser_set_current_name (chooser, _("Plan (anonymised).osteoplan"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_copy_chooser_response),
                    g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
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
      pending_cancel (pending);
    }
}

/* Runs `then` now when nothing would be lost, else asks first: Save, Discard or Cancel. */
void
osp_window_confirm_discard (OspWindow         *self,
                            OspWindowThenFunc  then,
                            gpointer           data,
                            GDestroyNotify     destroy)
{
  Pending *pending = pending_new (self, then, data, destroy);
  GtkWidget *dialog;

  if (!osp_window_has_unsaved_work (self))
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

static gboolean
close_idle (gpointer data)
{
  OspWindow *self = data;

  if (!self->disposed)
    gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
close_now (OspWindow *self,
           gpointer   data)
{
  self->close_confirmed = TRUE;
  /* Once the question has gone: a dialog must not outlive the window it is transient for
   * (GTK would touch the freed window when it lets the dialog go). */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_idle, g_object_ref (self), g_object_unref);
}

gboolean
osp_window_on_close_request (GtkWindow *window,
                             gpointer   data)
{
  OspWindow *self = OSP_WINDOW (window);

  if (self->close_confirmed || !osp_window_has_unsaved_work (self))
    return FALSE;
  /* Asked once: a second Quit or Ctrl+W while the question shows changes nothing. */
  if (self->close_asking)
    return TRUE;
  self->close_asking = TRUE;
  /* The work is kept in the autosave while the question waits (the session may end). */
  osp_window_autosave_now (self);
  osp_window_confirm_discard (self, close_now, NULL, NULL);
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
  osp_window_update_jobs_ui (self);
  if (plan == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        osp_window_show_toast (self, _("Cancelled"));
      else
        show_error (self, path, error);
      return;
    }
  osp_window_set_plan (self, plan);
  if (from_autosave)
    {
      /* Its path is the autosave's: Save asks where to keep it. */
      self->path_is_autosave = TRUE;
      osp_autosave_remove (path);
      osp_window_update_recover (self);
      osp_window_update_title (self);
      osp_window_show_toast (self, _("Plan recovered: save it to keep it"));
    }
  else
    add_recent (self, path);
}

void
osp_window_open_plan_now (OspWindow *self,
                          gpointer   data)
{
  const char *path = data;
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, open_plan_done, NULL);

  g_task_set_source_tag (task, osp_window_open_plan_now);
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
  osp_window_confirm_discard (self, osp_window_open_plan_now, g_strdup (path), g_free);
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
        {
          osp_settings_remember_folder (file);
          open_plan (self, path);
        }
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
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (native));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_plan_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* -- Actions ---------------------------------------------------------------------------- */

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

void
osp_window_files_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-models", NULL, action_open_models);
  gtk_widget_class_install_action (widget_class, "win.open-ct-file", NULL, action_open_ct_file);
  gtk_widget_class_install_action (widget_class, "win.open-ct-folder", NULL,
                                   action_open_ct_folder);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, action_save);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, action_save_as);
  gtk_widget_class_install_action (widget_class, "win.save-anonymised", NULL,
                                   action_save_anonymised);
  gtk_widget_class_install_action (widget_class, "win.open-plan", NULL, action_open_plan);
}
