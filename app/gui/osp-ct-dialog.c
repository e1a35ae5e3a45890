/* osp-ct-dialog.c — from a CT to a bone model
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-settings.h"
#include "osp-ct-dialog.h"
#include "osp-error.h"
#include "osp-gui-private.h"
#include "osp-histogram.h"
#include "osp-jobs.h"
#include "osp-model.h"
#include "osp-volume-io.h"

#define HIST_MIN_HU  OSP_JOB_HISTOGRAM_MIN_HU
#define HIST_BIN_HU  OSP_JOB_HISTOGRAM_BIN_HU
#define HIST_N_BINS  OSP_JOB_HISTOGRAM_N_BINS

struct _OspCtDialog
{
  AdwWindow       parent_instance;

  AdwWindowTitle *window_title;
  GtkWidget      *extract_button;
  AdwComboRow    *series_row;
  AdwActionRow   *size_row;
  AdwActionRow   *notes_row;
  OspHistogram   *histogram;
  GtkAdjustment  *threshold_adjustment;
  GtkAdjustment  *smooth_adjustment;
  GtkAdjustment  *triangles_adjustment;
  GtkSwitch      *fragments_switch;
  GtkRevealer    *progress_revealer;
  GtkLabel       *progress_label;
  GtkProgressBar *progress_bar;
  GtkButton      *stop_button;

  char           *path;
  OspVolume      *volume;
  GPtrArray      *series;
  guint           series_shown;
  GCancellable   *cancellable;
  OspJob         *job;           /* running, owned by its task */
  guint           progress_source;
};

G_DEFINE_FINAL_TYPE (OspCtDialog, osp_ct_dialog, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_MODEL_READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_volume (OspCtDialog   *self,
             const guint64 *histogram)
{
  guint32 dims[3];
  double spacing[3];
  guint n_notes = 0;
  const char *const *notes;
  g_autofree guint64 *counts = g_new0 (guint64, HIST_N_BINS);
  g_autofree char *size = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *escaped = NULL;

  osp_volume_get_dims (self->volume, dims);
  osp_volume_get_spacing (self->volume, spacing);
  size = g_strdup_printf (_("%u × %u × %u voxels of %.2f × %.2f × %.2f mm"),
                          dims[0], dims[1], dims[2], spacing[0], spacing[1], spacing[2]);
  adw_action_row_set_subtitle (self->size_row, size);

  notes = osp_volume_get_notes (self->volume, &n_notes);
  joined = n_notes > 0 ? g_strjoinv ("\n", (char **) notes) : NULL;
  escaped = joined != NULL ? g_markup_escape_text (joined, -1) : NULL;
  adw_action_row_set_subtitle (self->notes_row, escaped != NULL ? escaped : "");
  gtk_widget_set_visible (GTK_WIDGET (self->notes_row), n_notes > 0);

  if (histogram == NULL)
    {
      osp_volume_histogram (self->volume, HIST_MIN_HU, HIST_BIN_HU, HIST_N_BINS, counts);
      histogram = counts;
    }
  osp_histogram_set_counts (self->histogram, histogram, HIST_N_BINS, HIST_MIN_HU, HIST_BIN_HU);
}

/* -- Jobs --------------------------------------------------------------------------------- */

static gboolean
update_progress (gpointer data)
{
  OspCtDialog *self = data;

  if (self->job != NULL)
    gtk_progress_bar_set_fraction (self->progress_bar, osp_job_get_progress (self->job));
  return G_SOURCE_CONTINUE;
}

static void
set_busy (OspCtDialog *self,
          const char  *text)
{
  gboolean busy = text != NULL;

  gtk_revealer_set_reveal_child (self->progress_revealer, busy);
  gtk_widget_set_sensitive (self->extract_button, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->series_row), !busy);
  if (busy)
    {
      gtk_label_set_text (self->progress_label, text);
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      if (self->progress_source == 0)
        self->progress_source = g_timeout_add (100, update_progress, self);
    }
  else
    g_clear_handle_id (&self->progress_source, g_source_remove);
}

static void
show_error (OspCtDialog  *self,
            const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Could Not Build the Model"),
                                              error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static char *
model_name (OspCtDialog *self)
{
  const char *description = osp_volume_get_description (self->volume);
  g_autofree char *base = NULL;

  if (description != NULL && *description != '\0')
    base = g_strdup (description);
  else
    {
      char *dot;

      base = osp_error_display_name (self->path);
      dot = strchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
    }
  /* TRANSLATORS: the model made from a CT, e.g. "Pelvis CT bone". */
  return g_strdup_printf (_("%s bone"), base);
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(OspCtDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspJob) job = NULL;

  self->job = NULL;
  job = osp_job_run_finish (result, &error);
  if (self->cancellable == NULL)   /* disposed */
    return;
  set_busy (self, NULL);
  g_clear_object (&self->cancellable);
  if (job == NULL)
    {
      /* The series shown is still the one loaded before. */
      if (self->series != NULL)
        adw_combo_row_set_selected (self->series_row, self->series_shown);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  if (job->kind == OSP_JOB_LOAD_VOLUME)
    {
      g_clear_pointer (&self->volume, osp_volume_unref);
      self->volume = g_steal_pointer (&job->volume);
      self->series_shown = adw_combo_row_get_selected (self->series_row);
      show_volume (self, job->histogram);
    }
  else
    {
      g_autofree char *name = model_name (self);

      g_signal_emit (self, signals[SIGNAL_MODEL_READY], 0, job->mesh, name);
      gtk_window_destroy (GTK_WINDOW (self));
    }
}

static void
start_job (OspCtDialog *self,
           OspJob      *job,
           const char  *text)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->job = job;
  set_busy (self, text);
  osp_job_run_async (job, self->cancellable, job_done, g_object_ref (self));
}

void
osp_ct_dialog_extract (OspCtDialog *self)
{
  OspJob *job;

  g_return_if_fail (OSP_IS_CT_DIALOG (self));

  if (self->job != NULL)
    return;
  job = osp_job_new (OSP_JOB_SEGMENT, self->path);
  job->volume = osp_volume_ref (self->volume);
  job->segment.threshold_hu = gtk_adjustment_get_value (self->threshold_adjustment);
  job->segment.smooth_iterations = (guint) gtk_adjustment_get_value (self->smooth_adjustment);
  job->segment.target_triangles = (guint32) gtk_adjustment_get_value (self->triangles_adjustment);
  job->segment.min_piece_fraction = gtk_switch_get_active (self->fragments_switch) ? 0.01 : 0.0;
  start_job (self, job, _("Extracting the bone surface…"));
}

static void
on_extract_clicked (OspCtDialog *self)
{
  osp_ct_dialog_extract (self);
}

static void
on_stop_clicked (OspCtDialog *self)
{
  g_cancellable_cancel (self->cancellable);
}

static void
on_series_selected (OspCtDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->series_row);
  OspJob *job;

  if (self->series == NULL || selected == GTK_INVALID_LIST_POSITION ||
      selected == self->series_shown || self->job != NULL)
    return;
  job = osp_job_new (OSP_JOB_LOAD_VOLUME, self->path);
  job->series_index = (int) selected;
  job->series = g_ptr_array_ref (self->series);  /* known: no second scan */
  start_job (self, job, _("Loading the series…"));
}

/* -- Public ------------------------------------------------------------------------------- */

double
osp_ct_dialog_get_threshold (OspCtDialog *self)
{
  g_return_val_if_fail (OSP_IS_CT_DIALOG (self), 0.0);
  return gtk_adjustment_get_value (self->threshold_adjustment);
}

void
osp_ct_dialog_set_threshold (OspCtDialog *self,
                             double       threshold_hu)
{
  g_return_if_fail (OSP_IS_CT_DIALOG (self));
  gtk_adjustment_set_value (self->threshold_adjustment, threshold_hu);
}

GtkAdjustment *
osp_ct_dialog_get_threshold_adjustment (OspCtDialog *self)
{
  g_return_val_if_fail (OSP_IS_CT_DIALOG (self), NULL);
  return self->threshold_adjustment;
}

OspVolume *
osp_ct_dialog_get_volume (OspCtDialog *self)
{
  g_return_val_if_fail (OSP_IS_CT_DIALOG (self), NULL);
  return self->volume;
}

OspCtDialog *
osp_ct_dialog_new (GtkWindow     *parent,
                   const char    *path,
                   OspVolume     *volume,
                   GPtrArray     *series,
                   int            series_index,
                   const guint64 *histogram)
{
  OspCtDialog *self;
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autofree char *name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (volume != NULL, NULL);

  self = g_object_new (OSP_TYPE_CT_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->path = g_strdup (path);
  self->volume = osp_volume_ref (volume);
  name = osp_error_display_name (path);
  adw_window_title_set_subtitle (self->window_title, name);

  /* The values it starts with are the preferences'. */
  gtk_adjustment_set_value (self->threshold_adjustment,
                            g_settings_get_double (settings, "bone-threshold"));
  gtk_adjustment_set_value (self->smooth_adjustment,
                            g_settings_get_uint (settings, "smooth-iterations"));
  gtk_adjustment_set_value (self->triangles_adjustment,
                            g_settings_get_uint (settings, "target-triangles"));
  gtk_switch_set_active (self->fragments_switch,
                         g_settings_get_boolean (settings, "drop-small-pieces"));

  if (series != NULL && series->len > 1)
    {
      g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

      self->series = g_ptr_array_ref (series);
      for (guint i = 0; i < series->len; i++)
        {
          OspDicomSeriesInfo *info = g_ptr_array_index (series, i);
          const char *description = info->description != NULL && *info->description != '\0'
                                      ? info->description : _("(no description)");
          /* TRANSLATORS: a DICOM series: "Pelvis 1.0 B30f — CT, 140 slices, 512 × 512". */
          g_autofree char *label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                 "%s — %s, %u slice, %u × %u",
                                                                 "%s — %s, %u slices, %u × %u",
                                                                 info->n_slices),
                                                    description,
                                                    info->modality != NULL ? info->modality : "?",
                                                    info->n_slices, info->columns, info->rows);

          gtk_string_list_append (list, label);
        }
      self->series_shown = series_index >= 0 ? (guint) series_index : 0;
      adw_combo_row_set_model (self->series_row, G_LIST_MODEL (list));
      adw_combo_row_set_selected (self->series_row, self->series_shown);
      gtk_widget_set_visible (GTK_WIDGET (self->series_row), TRUE);
      g_signal_connect_swapped (self->series_row, "notify::selected",
                                G_CALLBACK (on_series_selected), self);
    }
  show_volume (self, histogram);
  return self;
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_ct_dialog_dispose (GObject *object)
{
  OspCtDialog *self = OSP_CT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_CT_DIALOG);
  G_OBJECT_CLASS (osp_ct_dialog_parent_class)->dispose (object);
}

static void
osp_ct_dialog_finalize (GObject *object)
{
  OspCtDialog *self = OSP_CT_DIALOG (object);

  g_free (self->path);
  g_clear_pointer (&self->volume, osp_volume_unref);
  g_clear_pointer (&self->series, g_ptr_array_unref);
  G_OBJECT_CLASS (osp_ct_dialog_parent_class)->finalize (object);
}

static void
osp_ct_dialog_class_init (OspCtDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_ct_dialog_dispose;
  object_class->finalize = osp_ct_dialog_finalize;

  /* (mesh, name): the bone model, ready to add to the case. */
  signals[SIGNAL_MODEL_READY] = g_signal_new ("model-ready", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 2, OSP_TYPE_MESH, G_TYPE_STRING);

  g_type_ensure (OSP_TYPE_HISTOGRAM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-ct-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, extract_button);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, series_row);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, notes_row);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, histogram);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, threshold_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, smooth_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, triangles_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, fragments_switch);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OspCtDialog, stop_button);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
osp_ct_dialog_init (OspCtDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = NULL;
  g_object_bind_property (self->threshold_adjustment, "value", self->histogram, "threshold",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->extract_button, "clicked", G_CALLBACK (on_extract_clicked),
                            self);
  g_signal_connect_swapped (self->stop_button, "clicked", G_CALLBACK (on_stop_clicked), self);
}
