/* osp-export-dialog.c — check, repair and export models for the 3D printer
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The checks run one model at a time (each check already uses two threads).  A change of
 * printer or wall limit bumps a generation counter and cancels the running check, so a late
 * result of an outdated check is dropped rather than shown.  Repairs and the export share one
 * "work" slot with its own GCancellable; the progress bar shows the work when there is some,
 * else the check.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-check-report.h"
#include "osp-error.h"
#include "osp-export-dialog.h"
#include "osp-gui-private.h"
#include "osp-model.h"
#include "osp-plan.h"
#include "osp-repair.h"
#include "osp-settings.h"

/* The rows of format_row, in the order of the .ui file. */
static const struct
{
  OspExportFormat format;
  gboolean        merge;
  const char     *extension;
} formats[] = {
  { OSP_EXPORT_3MF, FALSE, ".3mf" },
  { OSP_EXPORT_STL, FALSE, ".stl" },
  { OSP_EXPORT_STL, TRUE, ".stl" },
  { OSP_EXPORT_OBJ, FALSE, ".obj" },
  { OSP_EXPORT_PLY, FALSE, ".ply" },
};

/* Settings typed into spin buttons are checked once the typing pauses. */
#define RECHECK_DELAY_MS 400

typedef struct
{
  OspModel       *model;
  gulong          notify_id;
  AdwExpanderRow *row;
  GtkCheckButton *check;
  GtkImage       *verdict_icon;
  GtkLabel       *verdict_label;
  GtkButton      *repair_button;
  OspCheckReport *report_view;
  AdwActionRow   *repair_row;
  OspPrintReport *report;        /* NULL: not checked (yet) */
  double          report_min_wall;
  char           *check_error;
  OspMesh        *repaired;      /* waiting for "Use Repaired" */
  char           *repair_summary;
} Entry;

struct _OspExportDialog
{
  AdwWindow            parent_instance;

  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  AdwPreferencesGroup *models_group;
  AdwComboRow         *format_row;
  AdwComboRow         *printer_row;
  AdwActionRow        *size_row;
  GtkAdjustment       *size_x_adjustment;
  GtkAdjustment       *size_y_adjustment;
  GtkAdjustment       *size_z_adjustment;
  GtkAdjustment       *wall_adjustment;
  GtkRevealer         *progress_revealer;
  GtkLabel            *progress_label;
  GtkProgressBar      *progress_bar;

  GListModel          *models;
  GPtrArray           *entries;          /* Entry */
  char                *case_name;
  gboolean             disposed;

  GCancellable        *check_cancellable;
  guint                check_generation;
  int                  checking;         /* entry index, -1: none */
  gboolean             check_stopped;    /* the user cancelled the check */
  int                  check_progress;   /* millionths, written by the worker */
  guint                last_printer;     /* printer_row's previous choice */
  guint                recheck_source;

  GCancellable        *work_cancellable; /* a repair or the export */
  int                  repairing;        /* entry index, -1: none */
  gboolean             exporting;
  int                  work_progress;    /* millionths */

  guint                progress_source;
  GtkFileChooserNative *chooser;
  char                *last_message;
  char                *last_error;
  char                *export_path;      /* of the running export */
};

G_DEFINE_FINAL_TYPE (OspExportDialog, osp_export_dialog, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_EXPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_check (OspExportDialog *self);
static void update_busy    (OspExportDialog *self);

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_clear_signal_handler (&entry->notify_id, entry->model);
  g_clear_object (&entry->model);
  g_clear_pointer (&entry->report, osp_print_report_free);
  g_free (entry->check_error);
  g_clear_pointer (&entry->repaired, osp_mesh_unref);
  g_free (entry->repair_summary);
  g_free (entry);
}

static Entry *
get_entry (OspExportDialog *self,
           guint            index)
{
  return g_ptr_array_index (self->entries, index);
}

static gboolean
entry_is_checked (const Entry *entry)
{
  return gtk_check_button_get_active (entry->check);
}

static guint
count_checked (OspExportDialog *self)
{
  guint n = 0;

  for (guint i = 0; i < self->entries->len; i++)
    n += entry_is_checked (get_entry (self, i));
  return n;
}

/* -- Messages ------------------------------------------------------------------------------ */

static void
show_toast (OspExportDialog *self,
            const char      *text)
{
  /* AdwToast titles are markup in libadwaita 1.2. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  g_free (self->last_message);
  self->last_message = g_strdup (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
show_error (OspExportDialog *self,
            const char      *title,
            const char      *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), title, message);

  g_free (self->last_error);
  self->last_error = g_strdup (message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* -- Settings ------------------------------------------------------------------------------ */

static gboolean
custom_printer_selected (OspExportDialog *self)
{
  guint n_printers = 0;

  osp_printers_get (&n_printers);
  return adw_combo_row_get_selected (self->printer_row) >= n_printers;
}

static void
get_check_options (OspExportDialog      *self,
                   OspPrintCheckOptions *options)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  guint selected = adw_combo_row_get_selected (self->printer_row);

  osp_print_check_options_init (options);
  options->min_wall = gtk_adjustment_get_value (self->wall_adjustment);
  if (selected < n_printers)
    memcpy (options->build_volume, printers[selected].size, sizeof options->build_volume);
  else
    {
      options->build_volume[0] = (float) gtk_adjustment_get_value (self->size_x_adjustment);
      options->build_volume[1] = (float) gtk_adjustment_get_value (self->size_y_adjustment);
      options->build_volume[2] = (float) gtk_adjustment_get_value (self->size_z_adjustment);
    }
}

static guint
get_format_index (OspExportDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->format_row);

  return selected < G_N_ELEMENTS (formats) ? selected : 0;
}

/* -- The model rows ------------------------------------------------------------------------ */

static void
update_entry (OspExportDialog *self,
              guint            index)
{
  Entry *entry = get_entry (self, index);
  gboolean checked = entry_is_checked (entry);
  const char *icon = NULL;
  const char *text;
  const char *style = "dim-label";
  g_autofree char *subtitle = NULL;
  guint n_triangles = osp_model_get_n_triangles (entry->model);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row),
                                 osp_model_get_name (entry->model));
  /* TRANSLATORS: a model's role and size, e.g. "Implant · 12 480 triangles". */
  subtitle = g_strdup_printf (ngettext ("%s · %u triangle", "%s · %u triangles", n_triangles),
                              osp_model_role_get_label (osp_model_get_role (entry->model)),
                              n_triangles);
  adw_expander_row_set_subtitle (entry->row, subtitle);

  if (!checked)
    text = _("Not exported");
  else if (self->checking == (int) index)
    text = _("Checking…");
  else if (entry->check_error != NULL)
    {
      icon = "dialog-error-symbolic";
      text = _("Check failed");
      style = "error";
    }
  else if (entry->report == NULL)
    text = _("Not checked");
  else
    switch (entry->report->verdict)
      {
      case OSP_PRINT_READY:
        icon = "emblem-ok-symbolic";
        text = _("Ready");
        style = "success";
        break;
      case OSP_PRINT_WARNING:
        icon = "dialog-warning-symbolic";
        text = _("Warnings");
        style = "warning";
        break;
      case OSP_PRINT_NOT_READY:
      default:
        icon = "dialog-error-symbolic";
        text = _("Not ready");
        style = "error";
        break;
      }
  gtk_image_set_from_icon_name (entry->verdict_icon, icon);
  gtk_widget_set_visible (GTK_WIDGET (entry->verdict_icon), icon != NULL);
  gtk_label_set_text (entry->verdict_label, text);
  for (guint i = 0; i < 4; i++)
    {
      static const char *const styles[] = { "dim-label", "success", "warning", "error" };

      gtk_widget_remove_css_class (GTK_WIDGET (entry->verdict_label), styles[i]);
      gtk_widget_remove_css_class (GTK_WIDGET (entry->verdict_icon), styles[i]);
    }
  gtk_widget_add_css_class (GTK_WIDGET (entry->verdict_label), style);
  gtk_widget_add_css_class (GTK_WIDGET (entry->verdict_icon), style);

  if (entry->check_error != NULL)
    osp_check_report_set_message (entry->report_view, entry->check_error);
  else if (self->checking == (int) index)
    osp_check_report_set_message (entry->report_view, _("Checking…"));
  else
    osp_check_report_set_report (entry->report_view, entry->report, entry->report_min_wall);

  gtk_widget_set_visible (GTK_WIDGET (entry->repair_button),
                          entry->report == NULL || entry->report->verdict != OSP_PRINT_READY);
  gtk_widget_set_sensitive (GTK_WIDGET (entry->repair_button),
                            entry->report != NULL && self->repairing < 0 && !self->exporting);
  gtk_widget_set_visible (GTK_WIDGET (entry->repair_row), entry->repaired != NULL);
  if (entry->repair_summary != NULL)
    adw_action_row_set_subtitle (entry->repair_row, entry->repair_summary);
}

static void
update_entries (OspExportDialog *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    update_entry (self, i);
}

/* -- The check ----------------------------------------------------------------------------- */

typedef struct
{
  OspExportDialog *self;   /* a reference */
  guint            index;
  guint            generation;
  double           min_wall;
} CheckCall;

static void
check_progress (double   fraction,
                gpointer user_data)
{
  OspExportDialog *self = user_data;

  g_atomic_int_set (&self->check_progress, (int) (fraction * 1e6));
}

static void
check_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree CheckCall *call = user_data;
  g_autoptr(OspExportDialog) self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPrintReport) report = osp_print_check_finish (result, &error);
  Entry *entry;

  /* An outdated check (settings changed, dialog closed): drop its result. */
  if (self->disposed || call->generation != self->check_generation)
    return;
  self->checking = -1;
  entry = get_entry (self, call->index);
  if (report != NULL)
    {
      entry->report = g_steal_pointer (&report);
      entry->report_min_wall = call->min_wall;
      /* Problems are shown without a click. */
      if (entry->report->verdict != OSP_PRINT_READY)
        adw_expander_row_set_expanded (entry->row, TRUE);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    entry->check_error = g_strdup_printf (_("%s: the check failed: %s"),
                                          osp_model_get_name (entry->model), error->message);
  update_entry (self, call->index);
  schedule_check (self);
}

/* The mesh as it will be printed: with the model's transform. */
static OspMesh *
placed_mesh (OspModel *model)
{
  static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
  mat4 matrix;

  osp_model_get_transform (model, (float *) matrix);
  if (memcmp (matrix, identity, sizeof identity) == 0)
    return osp_mesh_ref (osp_model_get_mesh (model));
  return osp_mesh_transform (osp_model_get_mesh (model), matrix);
}

/* Starts the check of the next checked model without a report, if any. */
static void
schedule_check (OspExportDialog *self)
{
  guint n_checked = 0, n_done = 0;
  int next = -1;

  if (self->disposed || self->checking >= 0 || self->check_stopped)
    {
      update_busy (self);
      return;
    }
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = get_entry (self, i);

      if (!entry_is_checked (entry))
        continue;
      n_checked++;
      if (entry->report != NULL || entry->check_error != NULL)
        n_done++;
      else if (next < 0)
        next = (int) i;
    }
  if (next >= 0)
    {
      Entry *entry = get_entry (self, (guint) next);
      OspPrintCheckOptions options;
      OspProgressRange progress = { check_progress, self, (double) n_done / n_checked,
                                    1.0 / n_checked };
      CheckCall *call = g_new0 (CheckCall, 1);
      g_autoptr(OspMesh) mesh = placed_mesh (entry->model);

      get_check_options (self, &options);
      call->self = g_object_ref (self);
      call->index = (guint) next;
      call->generation = self->check_generation;
      call->min_wall = options.min_wall;
      self->checking = next;
      g_atomic_int_set (&self->check_progress, (int) (progress.start * 1e6));
      osp_print_check_async (mesh, &options, &progress, self->check_cancellable, check_done,
                             call);
      update_entry (self, (guint) next);
    }
  update_busy (self);
}

/* Cancels the running check (its result will be dropped) and goes on with what is left. */
static void
restart_check (OspExportDialog *self)
{
  int was_checking = self->checking;

  self->check_generation++;
  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  self->check_cancellable = g_cancellable_new ();
  self->checking = -1;
  if (was_checking >= 0)
    update_entry (self, (guint) was_checking);
  schedule_check (self);
}

static void
invalidate_entry (OspExportDialog *self,
                  guint            index)
{
  Entry *entry = get_entry (self, index);

  g_clear_pointer (&entry->report, osp_print_report_free);
  g_clear_pointer (&entry->check_error, g_free);
  self->check_stopped = FALSE;
  update_entry (self, index);
  if (self->checking == (int) index)
    restart_check (self);
  else
    schedule_check (self);
}

static void
invalidate_all (OspExportDialog *self)
{
  g_clear_handle_id (&self->recheck_source, g_source_remove);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = get_entry (self, i);

      g_clear_pointer (&entry->report, osp_print_report_free);
      g_clear_pointer (&entry->check_error, g_free);
    }
  self->check_stopped = FALSE;
  update_entries (self);
  restart_check (self);
}

static gboolean
recheck_timeout (gpointer data)
{
  OspExportDialog *self = data;

  self->recheck_source = 0;
  invalidate_all (self);
  return G_SOURCE_REMOVE;
}

static void
queue_recheck (OspExportDialog *self)
{
  g_clear_handle_id (&self->recheck_source, g_source_remove);
  self->recheck_source = g_timeout_add (RECHECK_DELAY_MS, recheck_timeout, self);
  update_busy (self);
}

/* -- Progress ------------------------------------------------------------------------------ */

static gboolean
update_progress (gpointer data)
{
  OspExportDialog *self = data;
  int millionths = self->exporting || self->repairing >= 0
                     ? g_atomic_int_get (&self->work_progress)
                     : g_atomic_int_get (&self->check_progress);

  gtk_progress_bar_set_fraction (self->progress_bar, millionths / 1e6);
  return G_SOURCE_CONTINUE;
}

static void
update_busy (OspExportDialog *self)
{
  g_autofree char *text = NULL;
  gboolean busy;

  if (self->disposed)
    return;
  if (self->exporting)
    text = g_strdup (_("Exporting…"));
  else if (self->repairing >= 0)
    text = g_strdup_printf (_("Repairing %s…"),
                            osp_model_get_name (get_entry (self, (guint) self->repairing)->model));
  else if (self->checking >= 0)
    text = g_strdup_printf (_("Checking %s…"),
                            osp_model_get_name (get_entry (self, (guint) self->checking)->model));
  busy = text != NULL;

  gtk_revealer_set_reveal_child (self->progress_revealer, busy);
  if (busy)
    {
      gtk_label_set_text (self->progress_label, text);
      if (self->progress_source == 0)
        self->progress_source = g_timeout_add (100, update_progress, self);
      update_progress (self);
    }
  else
    g_clear_handle_id (&self->progress_source, g_source_remove);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.export",
                                 !self->exporting && self->repairing < 0 &&
                                 count_checked (self) > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->format_row), !self->exporting);
}

static void
work_progress (double   fraction,
               gpointer user_data)
{
  OspExportDialog *self = user_data;

  g_atomic_int_set (&self->work_progress, (int) (fraction * 1e6));
}

static void
start_work (OspExportDialog *self)
{
  g_clear_object (&self->work_cancellable);
  self->work_cancellable = g_cancellable_new ();
  g_atomic_int_set (&self->work_progress, 0);
}

void
osp_export_dialog_cancel (OspExportDialog *self)
{
  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));

  if (self->exporting || self->repairing >= 0)
    g_cancellable_cancel (self->work_cancellable);
  else if (self->checking >= 0)
    {
      self->check_stopped = TRUE;
      restart_check (self);
    }
}

static void
action_cancel (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  osp_export_dialog_cancel (OSP_EXPORT_DIALOG (widget));
}

/* -- Repair -------------------------------------------------------------------------------- */

typedef struct
{
  OspMesh          *mesh;
  OspProgressRange  progress;
  guint             index;
} RepairJob;

typedef struct
{
  OspMesh         *mesh;
  OspRepairReport  report;
} RepairResult;

static void
repair_job_free (gpointer data)
{
  RepairJob *job = data;

  osp_mesh_unref (job->mesh);
  g_free (job);
}

static void
repair_result_free (gpointer data)
{
  RepairResult *result = data;

  g_clear_pointer (&result->mesh, osp_mesh_unref);
  osp_repair_report_clear (&result->report);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RepairResult, repair_result_free)

static void
repair_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RepairJob *job = task_data;
  g_autoptr(RepairResult) result = g_new0 (RepairResult, 1);
  OspRepairOptions options;
  GError *error = NULL;

  osp_repair_options_init (&options);
  result->mesh = osp_mesh_repair (job->mesh, &options, &result->report, &job->progress,
                                  cancellable, &error);
  if (result->mesh == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&result), repair_result_free);
}

static void
repair_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  OspExportDialog *self = OSP_EXPORT_DIALOG (source);
  RepairJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(RepairResult) repaired = g_task_propagate_pointer (G_TASK (result), &error);
  Entry *entry;

  if (self->disposed)
    return;
  self->repairing = -1;
  entry = get_entry (self, job->index);
  if (repaired == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf ("%s: %s",
                                                      osp_model_get_name (entry->model),
                                                      error->message);

          show_error (self, _("Could Not Repair the Model"), message);
        }
    }
  else
    {
      g_autofree char *steps = NULL;

      if (repaired->report.steps != NULL && repaired->report.steps->len > 0)
        {
          g_ptr_array_add (repaired->report.steps, NULL);
          steps = g_strjoinv ("; ", (char **) repaired->report.steps->pdata);
          g_ptr_array_remove_index (repaired->report.steps, repaired->report.steps->len - 1);
        }
      g_free (entry->repair_summary);
      if (steps != NULL)
        {
          /* The steps are clauses ("filled 3 holes, …"): start the line with a capital. */
          g_autofree char *first = g_utf8_strup (steps, g_utf8_next_char (steps) - steps);

          entry->repair_summary = g_strconcat (first, g_utf8_next_char (steps), NULL);
        }
      else
        entry->repair_summary = g_strdup (_("Nothing needed repairing."));
      g_clear_pointer (&entry->repaired, osp_mesh_unref);
      entry->repaired = g_steal_pointer (&repaired->mesh);
      adw_expander_row_set_expanded (entry->row, TRUE);
    }
  update_entries (self);
  update_busy (self);
}

void
osp_export_dialog_repair (OspExportDialog *self,
                          guint            index)
{
  g_autoptr(GTask) task = NULL;
  RepairJob *job;
  Entry *entry;

  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));
  g_return_if_fail (index < self->entries->len);

  if (self->repairing >= 0 || self->exporting)
    return;
  entry = get_entry (self, index);
  start_work (self);
  job = g_new0 (RepairJob, 1);
  job->mesh = osp_mesh_ref (osp_model_get_mesh (entry->model));
  job->progress = (OspProgressRange) { work_progress, self, 0.0, 1.0 };
  job->index = index;
  task = g_task_new (self, self->work_cancellable, repair_done, NULL);
  g_task_set_source_tag (task, osp_export_dialog_repair);
  g_task_set_task_data (task, job, repair_job_free);
  self->repairing = (int) index;
  g_task_run_in_thread (task, repair_thread);
  update_entries (self);
  update_busy (self);
}

const char *
osp_export_dialog_get_repair_summary (OspExportDialog *self,
                                      guint            index)
{
  Entry *entry;

  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);

  entry = get_entry (self, index);
  return entry->repaired != NULL ? entry->repair_summary : NULL;
}

void
osp_export_dialog_use_repaired (OspExportDialog *self,
                                guint            index)
{
  g_autoptr(OspMesh) mesh = NULL;
  Entry *entry;

  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));
  g_return_if_fail (index < self->entries->len);

  entry = get_entry (self, index);
  if (entry->repaired == NULL)
    return;
  mesh = g_steal_pointer (&entry->repaired);
  /* The plan records the repair as one undoable step; a bare list just takes the mesh.
   * Either way the model notifies and on_model_changed() checks it again. */
  if (OSP_IS_PLAN (self->models))
    {
      g_autoptr(OspCommand) command = osp_command_new_set_mesh (entry->model, mesh, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *label = g_strdup_printf (_("Repair %s"),
                                                osp_model_get_name (entry->model));

      osp_command_set_label (command, label);
      if (!osp_plan_execute (OSP_PLAN (self->models), command, &error))
        {
          show_error (self, _("Could Not Use the Repaired Model"), error->message);
          entry->repaired = g_steal_pointer (&mesh);
          return;
        }
    }
  else
    osp_model_set_mesh (entry->model, mesh);
  update_entry (self, index);
}

static void
on_repair_clicked (GtkButton *button,
                   gpointer   user_data)
{
  OspExportDialog *self = user_data;

  for (guint i = 0; i < self->entries->len; i++)
    if (get_entry (self, i)->repair_button == button)
      osp_export_dialog_repair (self, i);
}

static void
on_use_repaired_clicked (GtkButton *button,
                         gpointer   user_data)
{
  OspExportDialog *self = user_data;

  for (guint i = 0; i < self->entries->len; i++)
    if (gtk_widget_is_ancestor (GTK_WIDGET (button), GTK_WIDGET (get_entry (self, i)->repair_row)))
      osp_export_dialog_use_repaired (self, i);
}

/* -- Export -------------------------------------------------------------------------------- */

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(OspExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = osp_export_finish (result, &error);
  guint n_models;

  if (self->disposed)
    return;
  self->exporting = FALSE;
  n_models = count_checked (self);
  if (paths == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, _("Export cancelled"));
      else
        show_error (self, _("Could Not Export"), error->message);
    }
  else
    {
      guint n_paths = g_strv_length (paths);
      g_autofree char *text = NULL;

      if (n_paths == 1)
        {
          g_autofree char *name = osp_error_display_name (paths[0]);

          /* TRANSLATORS: "Exported 3 models to pelvis.3mf". */
          text = g_strdup_printf (ngettext ("Exported %u model to %s",
                                            "Exported %u models to %s", n_models),
                                  n_models, name);
        }
      else
        {
          g_autofree char *dir = g_path_get_dirname (paths[0]);
          g_autofree char *name = osp_error_display_name (dir);

          /* TRANSLATORS: "Exported 3 models to 3 files in Prints". */
          text = g_strdup_printf (ngettext ("Exported %u model to %u files in %s",
                                            "Exported %u models to %u files in %s", n_models),
                                  n_models, n_paths, name);
        }
      show_toast (self, text);
      g_signal_emit (self, signals[SIGNAL_EXPORTED], 0, self->export_path);
    }
  update_entries (self);
  update_busy (self);
}

void
osp_export_dialog_export_to (OspExportDialog *self,
                             const char      *path)
{
  guint index;
  g_autofree OspExportItem *items = NULL;
  g_autofree float *transforms = NULL;
  OspProgressRange progress = { work_progress, self, 0.0, 1.0 };
  guint n = 0;

  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));
  g_return_if_fail (path != NULL);

  if (self->exporting || self->repairing >= 0)
    return;
  items = g_new0 (OspExportItem, self->entries->len + 1);
  transforms = g_new0 (float, 16 * (self->entries->len + 1));
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = get_entry (self, i);

      if (entry_is_checked (entry))
        {
          osp_export_item_from_model (entry->model, transforms + 16 * n, &items[n]);
          n++;
        }
    }
  if (n == 0)
    {
      show_error (self, _("Could Not Export"), _("No model is checked for export."));
      return;
    }
  index = get_format_index (self);
  start_work (self);
  self->exporting = TRUE;
  g_free (self->export_path);
  self->export_path = g_strdup (path);
  /* The items are copied: the arrays can go when this returns. */
  osp_export_async (items, n, path, formats[index].format, formats[index].merge, &progress,
                    self->work_cancellable, export_done, g_object_ref (self));
  update_entries (self);
  update_busy (self);
}

static char *
suggested_name (OspExportDialog *self)
{
  const char *extension = formats[get_format_index (self)].extension;
  g_autofree char *base = NULL;

  if (self->case_name != NULL && *self->case_name != '\0')
    base = g_strdup (self->case_name);
  else if (OSP_IS_PLAN (self->models) && osp_plan_get_path (OSP_PLAN (self->models)) != NULL)
    {
      char *dot;

      base = g_path_get_basename (osp_plan_get_path (OSP_PLAN (self->models)));
      dot = strrchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
    }
  else if (self->entries->len > 0)
    base = g_strdup (osp_model_get_name (get_entry (self, 0)->model));
  else
    base = g_strdup (_("case"));
  g_strdelimit (base, "/\\", '-');
  return g_strconcat (base, extension, NULL);
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  OspExportDialog *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      OspExportFormat format;
      g_autofree char *with_extension = NULL;

      /* Keep the extension of the chosen format when the name lost it. */
      if (path != NULL && !osp_export_format_from_path (path, &format))
        with_extension = g_strconcat (path, formats[get_format_index (self)].extension, NULL);
      if (path != NULL)
        {
          osp_settings_remember_folder (file);
          osp_export_dialog_export_to (self, with_extension != NULL ? with_extension : path);
        }
      else
        show_error (self, _("Could Not Export"), _("Choose a local file to export to."));
    }
  g_clear_object (&self->chooser);
}

static void
choose_file (OspExportDialog *self)
{
  g_autofree char *name = suggested_name (self);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  const char *extension = formats[get_format_index (self)].extension;
  g_autofree char *pattern = g_strconcat ("*", extension, NULL);

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Export for Printing"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_filter_set_name (filter, adw_combo_row_get_selected_item (self->format_row) != NULL
                            ? gtk_string_object_get_string (GTK_STRING_OBJECT (
                                adw_combo_row_get_selected_item (self->format_row)))
                            : pattern);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (self->chooser));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  OspExportDialog *self = user_data;

  if (g_strcmp0 (response, "export") == 0)
    choose_file (self);
}

static void
action_export (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  OspExportDialog *self = OSP_EXPORT_DIALOG (widget);
  guint n_not_ready = 0;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = get_entry (self, i);

      if (entry_is_checked (entry) && entry->report != NULL &&
          entry->report->verdict == OSP_PRINT_NOT_READY)
        n_not_ready++;
    }
  if (n_not_ready > 0)
    {
      g_autofree char *body = g_strdup_printf (
        ngettext ("%u model is not ready to print: a slicer may reject it or the print may fail. "
                  "Repair it first, or export it as it is?",
                  "%u models are not ready to print: a slicer may reject them or the print may "
                  "fail. Repair them first, or export them as they are?", n_not_ready),
        n_not_ready);
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Export Anyway?"), body);

      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "export", _("_Export Anyway"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      g_signal_connect (dialog, "response", G_CALLBACK (on_confirm_response), self);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  choose_file (self);
}

/* -- Building the rows --------------------------------------------------------------------- */

static void
on_model_changed (OspModel   *model,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  OspExportDialog *self = user_data;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = get_entry (self, i);

      if (entry->model != model)
        continue;
      if (g_strcmp0 (pspec->name, "mesh") == 0 || g_strcmp0 (pspec->name, "transform") == 0)
        {
          g_clear_pointer (&entry->repaired, osp_mesh_unref);
          invalidate_entry (self, i);
        }
      else
        update_entry (self, i);
    }
}

static void
on_check_toggled (GtkCheckButton *check,
                  gpointer        user_data)
{
  OspExportDialog *self = user_data;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = get_entry (self, i);

      if (entry->check != check)
        continue;
      if (!gtk_check_button_get_active (check) && self->checking == (int) i)
        restart_check (self);
      update_entry (self, i);
    }
  self->check_stopped = FALSE;
  schedule_check (self);
}

static void
add_entry (OspExportDialog *self,
           OspModel        *model)
{
  Entry *entry = g_new0 (Entry, 1);
  GtkWidget *verdict_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *report_row = gtk_list_box_row_new ();
  GtkWidget *use_button;
  g_autofree char *check_label = NULL;

  entry->model = g_object_ref (model);
  entry->row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (entry->row), FALSE);

  entry->check = GTK_CHECK_BUTTON (gtk_check_button_new ());
  gtk_check_button_set_active (entry->check, TRUE);
  gtk_widget_set_valign (GTK_WIDGET (entry->check), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (entry->check), _("Check and export this model"));
  check_label = g_strdup_printf (_("Export %s"), osp_model_get_name (model));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry->check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  check_label, -1);
  adw_expander_row_add_prefix (entry->row, GTK_WIDGET (entry->check));

  entry->verdict_icon = GTK_IMAGE (gtk_image_new ());
  entry->verdict_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_box_append (GTK_BOX (verdict_box), GTK_WIDGET (entry->verdict_icon));
  gtk_box_append (GTK_BOX (verdict_box), GTK_WIDGET (entry->verdict_label));
  gtk_widget_set_valign (verdict_box, GTK_ALIGN_CENTER);
  adw_expander_row_add_action (entry->row, verdict_box);

  entry->repair_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Repair…")));
  gtk_widget_set_valign (GTK_WIDGET (entry->repair_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (entry->repair_button),
                               _("Close holes, fix flipped faces and drop debris in a copy; "
                                 "the model keeps its shape until you use the copy"));
  g_signal_connect (entry->repair_button, "clicked", G_CALLBACK (on_repair_clicked), self);
  adw_expander_row_add_action (entry->row, GTK_WIDGET (entry->repair_button));

  entry->report_view = OSP_CHECK_REPORT (osp_check_report_new ());
  gtk_widget_set_margin_top (GTK_WIDGET (entry->report_view), 10);
  gtk_widget_set_margin_bottom (GTK_WIDGET (entry->report_view), 10);
  gtk_widget_set_margin_start (GTK_WIDGET (entry->report_view), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (entry->report_view), 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (report_row), GTK_WIDGET (entry->report_view));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (report_row), FALSE);
  adw_expander_row_add_row (entry->row, report_row);

  entry->repair_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (entry->repair_row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->repair_row), _("Repaired Copy"));
  adw_action_row_set_subtitle_lines (entry->repair_row, 0);
  use_button = gtk_button_new_with_mnemonic (_("_Use Repaired"));
  gtk_widget_set_valign (use_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (use_button, _("Replace the model's mesh with the repaired copy "
                                             "(can be undone)"));
  gtk_widget_add_css_class (use_button, "suggested-action");
  g_signal_connect (use_button, "clicked", G_CALLBACK (on_use_repaired_clicked), self);
  adw_action_row_add_suffix (entry->repair_row, use_button);
  gtk_widget_set_visible (GTK_WIDGET (entry->repair_row), FALSE);
  adw_expander_row_add_row (entry->row, GTK_WIDGET (entry->repair_row));

  entry->notify_id = g_signal_connect (model, "notify", G_CALLBACK (on_model_changed), self);
  g_signal_connect (entry->check, "toggled", G_CALLBACK (on_check_toggled), self);
  adw_preferences_group_add (self->models_group, GTK_WIDGET (entry->row));
  g_ptr_array_add (self->entries, entry);
}

/* The printer preference: a known printer's id, or "custom" with the build volume. */
static void
remember_printer (OspExportDialog *self)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  guint selected = adw_combo_row_get_selected (self->printer_row);

  if (!g_settings_is_writable (settings, "printer"))
    return;
  g_settings_set_string (settings, "printer",
                         selected < n_printers ? printers[selected].id : "custom");
  if (selected >= n_printers && g_settings_is_writable (settings, "printer-build-volume"))
    g_settings_set (settings, "printer-build-volume", "(ddd)",
                    gtk_adjustment_get_value (self->size_x_adjustment),
                    gtk_adjustment_get_value (self->size_y_adjustment),
                    gtk_adjustment_get_value (self->size_z_adjustment));
}

static void
on_printer_selected (OspExportDialog *self)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  gboolean custom = custom_printer_selected (self);

  /* A custom size starts from the printer chosen before. */
  if (custom && self->last_printer < n_printers)
    {
      const float *size = printers[self->last_printer].size;

      gtk_adjustment_set_value (self->size_x_adjustment, size[0]);
      gtk_adjustment_set_value (self->size_y_adjustment, size[1]);
      gtk_adjustment_set_value (self->size_z_adjustment, size[2]);
    }
  self->last_printer = adw_combo_row_get_selected (self->printer_row);
  gtk_widget_set_visible (GTK_WIDGET (self->size_row), custom);
  /* The choice is the preference for the next export (and the preferences window's). */
  remember_printer (self);
  queue_recheck (self);
}

static void
on_setting_changed (OspExportDialog *self)
{
  if (self->entries != NULL)
    queue_recheck (self);
}

static void
on_size_changed (OspExportDialog *self)
{
  if (self->entries != NULL && custom_printer_selected (self))
    {
      remember_printer (self);
      queue_recheck (self);
    }
}

/* -- Public -------------------------------------------------------------------------------- */

OspExportDialog *
osp_export_dialog_new (GtkWindow  *parent,
                       GListModel *models,
                       const char *case_name)
{
  OspExportDialog *self;
  guint n;
  g_autofree char *subtitle = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (models), NULL);

  self = g_object_new (OSP_TYPE_EXPORT_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->models = g_object_ref (models);
  self->case_name = g_strdup (case_name);
  n = g_list_model_get_n_items (models);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (models, i);

      if (OSP_IS_MODEL (item))
        add_entry (self, OSP_MODEL (item));
    }
  if (self->entries->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No models to export"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Open a CT or a mesh, or the demo case, first."));
      adw_preferences_group_add (self->models_group, row);
    }
  subtitle = g_strdup_printf (ngettext ("%u model", "%u models", self->entries->len),
                              self->entries->len);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  update_entries (self);
  schedule_check (self);
  return self;
}

guint
osp_export_dialog_get_n_models (OspExportDialog *self)
{
  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), 0);
  return self->entries->len;
}

gboolean
osp_export_dialog_get_busy (OspExportDialog *self)
{
  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), FALSE);
  return self->checking >= 0 || self->recheck_source != 0 || self->repairing >= 0 ||
         self->exporting;
}

void
osp_export_dialog_set_model_checked (OspExportDialog *self,
                                     guint            index,
                                     gboolean         checked)
{
  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));
  g_return_if_fail (index < self->entries->len);

  gtk_check_button_set_active (get_entry (self, index)->check, checked);
}

gboolean
osp_export_dialog_get_verdict (OspExportDialog *self,
                               guint            index,
                               OspPrintVerdict *out_verdict)
{
  Entry *entry;

  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), FALSE);
  g_return_val_if_fail (index < self->entries->len, FALSE);

  entry = get_entry (self, index);
  if (entry->report == NULL || !entry_is_checked (entry))
    return FALSE;
  if (out_verdict != NULL)
    *out_verdict = entry->report->verdict;
  return TRUE;
}

void
osp_export_dialog_set_format (OspExportDialog *self,
                              OspExportFormat  format,
                              gboolean         merge)
{
  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (formats[i].format == format && (formats[i].merge == merge || format == OSP_EXPORT_3MF))
      {
        adw_combo_row_set_selected (self->format_row, i);
        return;
      }
  /* OBJ and PLY have no merged row: one file per model. */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (formats[i].format == format)
      adw_combo_row_set_selected (self->format_row, i);
}

gboolean
osp_export_dialog_set_printer (OspExportDialog *self,
                               const char      *id_or_name)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  const OspPrinter *printer;

  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), FALSE);
  g_return_val_if_fail (id_or_name != NULL, FALSE);

  printer = osp_printer_lookup (id_or_name);
  if (printer == NULL)
    return FALSE;
  adw_combo_row_set_selected (self->printer_row, (guint) (printer - printers));
  return TRUE;
}

void
osp_export_dialog_set_min_wall (OspExportDialog *self,
                                double           min_wall_mm)
{
  g_return_if_fail (OSP_IS_EXPORT_DIALOG (self));
  gtk_adjustment_set_value (self->wall_adjustment, min_wall_mm);
}

const char *
osp_export_dialog_get_last_message (OspExportDialog *self)
{
  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), NULL);
  return self->last_message;
}

const char *
osp_export_dialog_get_last_error (OspExportDialog *self)
{
  g_return_val_if_fail (OSP_IS_EXPORT_DIALOG (self), NULL);
  return self->last_error;
}

/* -- GObject ------------------------------------------------------------------------------- */

static void
osp_export_dialog_dispose (GObject *object)
{
  OspExportDialog *self = OSP_EXPORT_DIALOG (object);

  /* Running tasks hold a reference and find `disposed` set when they end. */
  self->disposed = TRUE;
  self->check_generation++;
  g_cancellable_cancel (self->check_cancellable);
  g_cancellable_cancel (self->work_cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_clear_handle_id (&self->recheck_source, g_source_remove);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (osp_export_dialog_parent_class)->dispose (object);
}

static void
osp_export_dialog_finalize (GObject *object)
{
  OspExportDialog *self = OSP_EXPORT_DIALOG (object);

  g_clear_object (&self->check_cancellable);
  g_clear_object (&self->work_cancellable);
  g_clear_object (&self->models);
  g_free (self->case_name);
  g_free (self->last_message);
  g_free (self->last_error);
  g_free (self->export_path);
  G_OBJECT_CLASS (osp_export_dialog_parent_class)->finalize (object);
}

static void
osp_export_dialog_class_init (OspExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_export_dialog_dispose;
  object_class->finalize = osp_export_dialog_finalize;

  /* (path): an export succeeded; path is the file chosen (with one file per model, the
   * files are named after it). */
  signals[SIGNAL_EXPORTED] = g_signal_new ("exported", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, models_group);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, printer_row);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, size_x_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, size_y_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, size_z_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, wall_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, OspExportDialog, progress_bar);

  gtk_widget_class_install_action (widget_class, "export.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "export.cancel", NULL, action_cancel);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "export.export", NULL);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
osp_export_dialog_init (OspExportDialog *self)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autofree char *preferred_id = g_settings_get_string (settings, "printer");
  const OspPrinter *preferred = osp_printer_lookup (preferred_id);
  double size[3];

  gtk_widget_init_template (GTK_WIDGET (self));
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->check_cancellable = g_cancellable_new ();
  self->work_cancellable = g_cancellable_new ();
  self->checking = -1;
  self->repairing = -1;

  for (guint i = 0; i < n_printers; i++)
    gtk_string_list_append (names, printers[i].name);
  gtk_string_list_append (names, _("Custom Size"));
  adw_combo_row_set_model (self->printer_row, G_LIST_MODEL (names));
  /* The printer of the preferences; an unknown id is the custom size. */
  g_settings_get (settings, "printer-build-volume", "(ddd)", &size[0], &size[1], &size[2]);
  gtk_adjustment_set_value (self->size_x_adjustment, size[0]);
  gtk_adjustment_set_value (self->size_y_adjustment, size[1]);
  gtk_adjustment_set_value (self->size_z_adjustment, size[2]);
  adw_combo_row_set_selected (self->printer_row,
                              preferred != NULL ? (guint) (preferred - printers) : n_printers);
  gtk_widget_set_visible (GTK_WIDGET (self->size_row), preferred == NULL);
  self->last_printer = adw_combo_row_get_selected (self->printer_row);

  g_signal_connect_swapped (self->printer_row, "notify::selected",
                            G_CALLBACK (on_printer_selected), self);
  g_signal_connect_swapped (self->wall_adjustment, "value-changed",
                            G_CALLBACK (on_setting_changed), self);
  g_signal_connect_swapped (self->size_x_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  g_signal_connect_swapped (self->size_y_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  g_signal_connect_swapped (self->size_z_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  g_signal_connect_swapped (self->format_row, "notify::selected",
                            G_CALLBACK (update_busy), self);
}
