/* osp-training-panel.c — the guided side panel of training mode
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "osp-training-panel.h"
#include "osp-settings.h"

/* How often the camera is compared with where it was while the "Look" step is current: a
 * glance is enough, and polling needs no hook in the viewport. */
#define CAMERA_POLL_MS 250

struct _OspTrainingPanel
{
  GtkBox           parent_instance;

  GtkLabel        *progress_label;
  GtkListBox      *step_list;
  GtkLabel        *step_title;
  GtkLabel        *step_instructions;
  GtkWidget       *note_frame;
  GtkLabel        *note_label;
  GtkRevealer     *note_editor;
  GtkTextView     *note_view;
  GtkLabel        *status_label;
  GtkButton       *reset_button;
  GtkSpinner      *spinner;
  GtkButton       *next_button;
  GtkToggleButton *edit_notes_button;
  GtkButton       *save_course_button;
  GtkLabel        *compare_label;     /* the trainee's work against the instructor's plan */
  GtkButton       *record_key_button;
  GtkSpinButton   *tolerance_spins[11];

  GtkImage        *step_icons[OSP_TRAINING_N_STEPS];
  GtkListBoxRow   *step_rows[OSP_TRAINING_N_STEPS];

  OspTraining     *training;
  OspTrainingStep  shown;       /* the step whose text is shown (the current one by default) */
  OspTrainingStep  last_current;
  gboolean         syncing;     /* widgets follow the training: not the user's doing */

  OspViewport     *viewport;    /* weak */
  guint            camera_source;
  gboolean         camera_valid;
  OspCamera        camera;      /* where the camera was when "Look" became current */

  GCancellable    *cancellable;
  gboolean         busy;
  double           case_voxel_mm;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (OspTrainingPanel, osp_training_panel, GTK_TYPE_BOX)

enum
{
  SIGNAL_CASE_READY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh (OspTrainingPanel *self);

static void
set_status (OspTrainingPanel *self,
            const char       *text,
            gboolean          error)
{
  gtk_label_set_label (self->status_label, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
load_note_editor (OspTrainingPanel *self)
{
  OspPlan *plan = osp_training_get_plan (self->training);
  const char *note = plan != NULL && self->shown < OSP_TRAINING_N_STEPS ?
                     osp_training_get_note (plan, self->shown) : NULL;

  self->syncing = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->note_view),
                            note != NULL ? note : "", -1);
  self->syncing = FALSE;
}

static gboolean
camera_moved (const OspCamera *a,
              const OspCamera *b)
{
  /* Only what the user changes: a resize of the window is not looking around. */
  return memcmp (a->orientation, b->orientation, sizeof a->orientation) != 0 ||
         memcmp (a->target, b->target, sizeof a->target) != 0 ||
         a->distance != b->distance || a->projection != b->projection;
}

static gboolean
poll_camera (gpointer data)
{
  OspTrainingPanel *self = data;
  const OspCamera *camera;

  if (self->viewport == NULL ||
      osp_training_get_current (self->training) != OSP_TRAINING_STEP_LOOK)
    {
      self->camera_source = 0;
      self->camera_valid = FALSE;
      return G_SOURCE_REMOVE;
    }
  camera = osp_viewport_get_camera (self->viewport);
  if (!self->camera_valid)
    {
      self->camera = *camera;
      self->camera_valid = TRUE;
    }
  else if (camera_moved (camera, &self->camera))
    osp_training_report (self->training, OSP_TRAINING_STEP_LOOK);
  return G_SOURCE_CONTINUE;
}

static void
update_camera_watch (OspTrainingPanel *self)
{
  gboolean want = self->viewport != NULL &&
                  osp_training_get_current (self->training) == OSP_TRAINING_STEP_LOOK;

  if (want && self->camera_source == 0)
    {
      self->camera_valid = FALSE;
      self->camera_source = g_timeout_add (CAMERA_POLL_MS, poll_camera, self);
      poll_camera (self);
    }
  else if (!want && self->camera_source != 0)
    {
      g_clear_handle_id (&self->camera_source, g_source_remove);
      self->camera_valid = FALSE;
    }
}

static void
refresh (OspTrainingPanel *self)
{
  OspTrainingStep current = osp_training_get_current (self->training);
  OspPlan *plan = osp_training_get_plan (self->training);
  gboolean current_done = current < OSP_TRAINING_N_STEPS &&
                          osp_training_is_done (self->training, current);
  const char *note = NULL;

  /* The text follows the trainee when the current step moves. */
  if (current != self->last_current)
    {
      self->shown = current;
      self->last_current = current;
      load_note_editor (self);
    }

  if (current < OSP_TRAINING_N_STEPS)
    {
      g_autofree char *text = g_strdup_printf (_("Step %u of %u"), current + 1,
                                               OSP_TRAINING_N_STEPS);
      gtk_label_set_label (self->progress_label, text);
    }
  else
    gtk_label_set_label (self->progress_label, _("Complete"));

  for (guint step = 0; step < OSP_TRAINING_N_STEPS; step++)
    {
      gboolean done = step < current || (step == current && current_done);
      GtkWidget *row = GTK_WIDGET (self->step_rows[step]);

      if (done || step == current)
        gtk_image_set_from_icon_name (self->step_icons[step],
                                      done ? "object-select-symbolic" : "go-next-symbolic");
      else
        gtk_image_clear (self->step_icons[step]);
      gtk_widget_set_tooltip_text (row, done ? _("Done") :
                                        step == current ? _("The current step") :
                                        _("Still to do"));
      if (step > current)
        gtk_widget_add_css_class (row, "dim-label");
      else
        gtk_widget_remove_css_class (row, "dim-label");
    }

  self->syncing = TRUE;
  if (self->shown < OSP_TRAINING_N_STEPS)
    gtk_list_box_select_row (self->step_list, self->step_rows[self->shown]);
  else
    gtk_list_box_unselect_all (self->step_list);
  self->syncing = FALSE;

  if (self->shown < OSP_TRAINING_N_STEPS)
    {
      g_autofree char *title = g_strdup_printf ("%u. %s", self->shown + 1,
                                                osp_training_step_get_title (self->shown));

      gtk_label_set_label (self->step_title, title);
      gtk_label_set_label (self->step_instructions,
                           osp_training_step_get_instructions (self->shown));
      if (plan != NULL)
        note = osp_training_get_note (plan, self->shown);
    }
  else
    {
      gtk_label_set_label (self->step_title, _("Course Complete"));
      gtk_label_set_label (self->step_instructions,
                           _("You went through every step of the case. Reset the case to "
                             "practise again, or open the next course."));
    }
  gtk_label_set_label (self->note_label, note != NULL ? note : "");
  gtk_widget_set_visible (self->note_frame, note != NULL);

  /* The difference from the instructor's plan, in numbers, for the step shown. */
  {
    g_autofree char *compare = NULL;
    gboolean pass = FALSE;

    if (plan != NULL && self->shown < OSP_TRAINING_N_STEPS &&
        osp_training_has_key (plan, self->shown))
      pass = osp_training_compare (plan, self->shown, &compare);
    gtk_label_set_label (self->compare_label, compare != NULL ? compare : "");
    gtk_widget_set_visible (GTK_WIDGET (self->compare_label), compare != NULL);
    if (pass)
      {
        gtk_widget_add_css_class (GTK_WIDGET (self->compare_label), "success");
        gtk_widget_remove_css_class (GTK_WIDGET (self->compare_label), "error");
      }
    else
      {
        gtk_widget_add_css_class (GTK_WIDGET (self->compare_label), "error");
        gtk_widget_remove_css_class (GTK_WIDGET (self->compare_label), "success");
      }
  }

  if (!self->busy)
    {
      if (plan == NULL)
        set_status (self, _("No case is open: reset the case to start."), FALSE);
      else if (self->shown == current && current < OSP_TRAINING_N_STEPS)
        set_status (self, current_done ? _("✓ Done. Press Next to go on.")
                                       : _("Not done yet."), FALSE);
      else if (self->shown < current)
        set_status (self, _("✓ Done."), FALSE);
      else if (self->shown < OSP_TRAINING_N_STEPS)
        set_status (self, _("This step comes later."), FALSE);
      else
        set_status (self, "", FALSE);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), current_done && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_course_button), plan != NULL && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_notes_button),
                            plan != NULL && self->shown < OSP_TRAINING_N_STEPS);
  update_camera_watch (self);
}

static void
on_training_changed (OspTrainingPanel *self)
{
  refresh (self);
}

static void
on_row_selected (OspTrainingPanel *self,
                 GtkListBoxRow    *row)
{
  if (self->syncing || row == NULL)
    return;
  self->shown = gtk_list_box_row_get_index (row);
  load_note_editor (self);
  refresh (self);
}

static void
on_note_changed (OspTrainingPanel *self,
                 GtkTextBuffer    *buffer)
{
  OspPlan *plan = osp_training_get_plan (self->training);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->syncing || plan == NULL || self->shown >= OSP_TRAINING_N_STEPS)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  osp_training_set_note (plan, self->shown, text);
  refresh (self);
}

static void
on_next_clicked (OspTrainingPanel *self)
{
  osp_training_next (self->training);
}

static void
on_edit_notes_toggled (OspTrainingPanel *self)
{
  gboolean active = gtk_toggle_button_get_active (self->edit_notes_button);

  load_note_editor (self);
  gtk_revealer_set_reveal_child (self->note_editor, active);
  if (active)
    gtk_widget_grab_focus (GTK_WIDGET (self->note_view));
}

static void
on_course_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(OspTrainingPanel) self = data;
  g_autoptr(GError) error = NULL;

  if (!osp_plan_save_finish (OSP_PLAN (source), result, &error))
    set_status (self, error->message, TRUE);
  else
    {
      g_autofree char *name = g_path_get_basename (osp_plan_get_path (OSP_PLAN (source)));
      g_autofree char *text = g_strdup_printf (_("Course saved as %s."), name);

      set_status (self, text, FALSE);
    }
}

static void
on_chooser_response (GtkNativeDialog  *dialog,
                     int               response,
                     OspTrainingPanel *self)
{
  OspPlan *plan = osp_training_get_plan (self->training);

  if (response == GTK_RESPONSE_ACCEPT && plan != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        osp_settings_remember_folder (file);
      if (path != NULL)
        {
          g_autofree char *full = g_str_has_suffix (path, ".osteoplan") ?
                                  g_strdup (path) : g_strconcat (path, ".osteoplan", NULL);

          osp_training_mark_course (plan);
          osp_plan_save_async (plan, full, NULL, on_course_saved, g_object_ref (self));
        }
    }
  g_clear_object (&self->chooser);
}

static void
on_save_course_clicked (OspTrainingPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Save Course As"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Osteoplan plans"));
  gtk_file_filter_add_pattern (filter, "*.osteoplan");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (self->chooser));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), _("Course.osteoplan"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_case_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(OspTrainingPanel) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspPlan) plan = osp_training_new_case_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  gtk_spinner_stop (self->spinner);
  if (plan == NULL)
    {
      refresh (self);
      set_status (self, error->message, TRUE);
      return;
    }
  /* Keep the instructor's notes and key of the course being reset. */
  {
    OspPlan *old = osp_training_get_plan (self->training);

    for (guint step = 0; old != NULL && step < OSP_TRAINING_N_STEPS; step++)
      osp_training_set_note (plan, step, osp_training_get_note (old, step));
    if (old != NULL)
      osp_training_copy_key (plan, old);
  }
  osp_training_panel_set_plan (self, plan);
  g_signal_emit (self, signals[SIGNAL_CASE_READY], 0, plan);
}

void
osp_training_panel_reset_case (OspTrainingPanel *self)
{
  g_return_if_fail (OSP_IS_TRAINING_PANEL (self));

  if (self->busy)
    return;
  self->busy = TRUE;
  gtk_spinner_start (self->spinner);
  set_status (self, _("Building the case from the phantom with a tumour…"), FALSE);
  refresh (self);
  osp_training_new_case_async (self->case_voxel_mm, self->cancellable, on_case_ready,
                               g_object_ref (self));
}

static void
on_reset_clicked (OspTrainingPanel *self)
{
  osp_training_panel_reset_case (self);
}

static void
osp_training_panel_dispose (GObject *object)
{
  OspTrainingPanel *self = OSP_TRAINING_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->camera_source, g_source_remove);
  g_clear_weak_pointer (&self->viewport);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_clear_object (&self->training);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_TRAINING_PANEL);
  G_OBJECT_CLASS (osp_training_panel_parent_class)->dispose (object);
}

static const struct
{
  const char *label;
  gsize       offset;
  double      min, max, step;
  guint       digits;
} tolerance_specs[11] = {
  { N_("Cut plane angle (°)"), G_STRUCT_OFFSET (OspTrainingTolerances, plane_angle_deg),
    0.1, 90, 0.5, 1 },
  { N_("Cut plane offset (mm)"), G_STRUCT_OFFSET (OspTrainingTolerances, plane_offset_mm),
    0.1, 100, 0.5, 1 },
  { N_("Margin to the tumour at least (mm)"), G_STRUCT_OFFSET (OspTrainingTolerances, margin_mm),
    0, 200, 0.5, 1 },
  { N_("Midsagittal plane angle (°)"),
    G_STRUCT_OFFSET (OspTrainingTolerances, template_angle_deg), 0.1, 90, 0.5, 1 },
  { N_("Midsagittal plane offset (mm)"),
    G_STRUCT_OFFSET (OspTrainingTolerances, template_offset_mm), 0.1, 100, 0.5, 1 },
  { N_("Screw entry (mm)"), G_STRUCT_OFFSET (OspTrainingTolerances, screw_entry_mm),
    0.1, 100, 0.5, 1 },
  { N_("Screw direction (°)"), G_STRUCT_OFFSET (OspTrainingTolerances, screw_angle_deg),
    0.1, 90, 0.5, 1 },
  { N_("Cup centre (mm)"), G_STRUCT_OFFSET (OspTrainingTolerances, cup_center_mm),
    0.1, 100, 0.5, 1 },
  { N_("Cup axis (°)"), G_STRUCT_OFFSET (OspTrainingTolerances, cup_angle_deg), 0.1, 90, 0.5, 1 },
  { N_("Guide slot offset (mm)"), G_STRUCT_OFFSET (OspTrainingTolerances, guide_offset_mm),
    0.01, 10, 0.05, 2 },
  { N_("Guide slot angle (°)"), G_STRUCT_OFFSET (OspTrainingTolerances, guide_angle_deg),
    0.01, 10, 0.05, 2 },
};

static void
tolerances_from_form (OspTrainingPanel      *self,
                      OspTrainingTolerances *t)
{
  for (guint i = 0; i < G_N_ELEMENTS (tolerance_specs); i++)
    G_STRUCT_MEMBER (double, t, tolerance_specs[i].offset) =
      gtk_spin_button_get_value (self->tolerance_spins[i]);
}

static void
on_tolerance_changed (OspTrainingPanel *self)
{
  OspPlan *plan = osp_training_get_plan (self->training);
  OspTrainingTolerances t;

  if (self->syncing || plan == NULL)
    return;
  tolerances_from_form (self, &t);
  osp_training_set_tolerances (plan, &t);
  refresh (self);
}

static void
on_record_key_clicked (OspTrainingPanel *self)
{
  OspPlan *plan = osp_training_get_plan (self->training);
  OspTrainingTolerances t;
  guint n;

  if (plan == NULL)
    return;
  tolerances_from_form (self, &t);
  n = osp_training_set_key_from_plan (plan, &t);
  if (n == 0)
    set_status (self, _("This plan has no cut, tumour, midsagittal plane, screw, cup or guide "
                        "to check trainees against."), TRUE);
  else
    {
      g_autofree char *text = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE,
                     "Your plan is now the key of %u step. Reset the case for the trainee "
                     "(the notes and the key stay), then save the course.",
                     "Your plan is now the key of %u steps. Reset the case for the trainee "
                     "(the notes and the key stay), then save the course.", n), n);

      set_status (self, text, FALSE);
    }
  g_signal_emit_by_name (self->training, "changed");
}

/* Instructor tools under the note editor: the key and its tolerances. */
static void
build_key_tools (OspTrainingPanel *self)
{
  GtkWidget *editor = gtk_revealer_get_child (self->note_editor);
  GtkWidget *heading = gtk_label_new (_("Check Against My Plan"));
  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  OspTrainingTolerances defaults;

  osp_training_tolerances_init (&defaults);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "caption-heading");
  gtk_widget_set_margin_top (heading, 8);
  self->record_key_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("Use My Plan as the "
                                                                        "_Key")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->record_key_button),
                               _("Record the cuts and their margins to the tumour, the "
                                 "midsagittal plane, screws, cup and guides of this plan: "
                                 "trainees' steps are then checked against them within these "
                                 "tolerances"));
  gtk_grid_set_row_spacing (grid, 4);
  gtk_grid_set_column_spacing (grid, 8);
  for (guint i = 0; i < G_N_ELEMENTS (tolerance_specs); i++)
    {
      GtkWidget *label = gtk_label_new (_(tolerance_specs[i].label));
      GtkSpinButton *spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (
                                               tolerance_specs[i].min, tolerance_specs[i].max,
                                               tolerance_specs[i].step));

      gtk_spin_button_set_digits (spin, tolerance_specs[i].digits);
      gtk_spin_button_set_value (spin, G_STRUCT_MEMBER (double, &defaults,
                                                        tolerance_specs[i].offset));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_grid_attach (grid, label, 0, (int) i, 1, 1);
      gtk_grid_attach (grid, GTK_WIDGET (spin), 1, (int) i, 1, 1);
      self->tolerance_spins[i] = spin;
      g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (on_tolerance_changed), self);
    }
  if (GTK_IS_BOX (editor))
    {
      gtk_box_append (GTK_BOX (editor), heading);
      gtk_box_append (GTK_BOX (editor), GTK_WIDGET (grid));
      gtk_box_append (GTK_BOX (editor), GTK_WIDGET (self->record_key_button));
    }
  g_signal_connect_swapped (self->record_key_button, "clicked",
                            G_CALLBACK (on_record_key_clicked), self);

  self->compare_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->compare_label, 0);
  gtk_label_set_wrap (self->compare_label, TRUE);
  gtk_label_set_max_width_chars (self->compare_label, 36);
  gtk_label_set_selectable (self->compare_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->compare_label), FALSE);
  {
    GtkWidget *parent = gtk_widget_get_parent (self->note_frame);

    if (GTK_IS_BOX (parent))
      gtk_box_insert_child_after (GTK_BOX (parent), GTK_WIDGET (self->compare_label),
                                  self->note_frame);
  }
}

static void
osp_training_panel_class_init (OspTrainingPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_training_panel_dispose;

  signals[SIGNAL_CASE_READY] =
    g_signal_new ("case-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, OSP_TYPE_PLAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/osteoplan/Osteoplan/ui/"
                                               "osp-training-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, progress_label);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, step_list);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, step_title);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, step_instructions);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, note_frame);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, note_label);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, note_editor);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, note_view);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, reset_button);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, next_button);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, edit_notes_button);
  gtk_widget_class_bind_template_child (widget_class, OspTrainingPanel, save_course_button);
  gtk_widget_class_bind_template_callback (widget_class, on_next_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_notes_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_save_course_clicked);
}

static void
osp_training_panel_init (OspTrainingPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->case_voxel_mm = 1.0;
  self->training = osp_training_new (NULL);
  self->last_current = osp_training_get_current (self->training);
  self->shown = self->last_current;

  for (guint step = 0; step < OSP_TRAINING_N_STEPS; step++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
      GtkWidget *image = gtk_image_new ();
      g_autofree char *text = g_strdup_printf ("%u. %s", step + 1,
                                               osp_training_step_get_title (step));
      GtkWidget *label = gtk_label_new (text);
      GtkWidget *row = gtk_list_box_row_new ();

      /* The icon keeps its place when empty, so the titles line up. */
      gtk_widget_set_size_request (image, 16, 16);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      /* Compact rows: nine steps leave room for the text at 1024 × 700. */
      gtk_widget_set_margin_top (box, 3);
      gtk_widget_set_margin_bottom (box, 3);
      gtk_widget_set_margin_start (box, 8);
      gtk_widget_set_margin_end (box, 8);
      gtk_box_append (GTK_BOX (box), image);
      gtk_box_append (GTK_BOX (box), label);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_list_box_append (self->step_list, row);
      self->step_icons[step] = GTK_IMAGE (image);
      self->step_rows[step] = GTK_LIST_BOX_ROW (row);
    }

  g_signal_connect_swapped (self->step_list, "row-selected", G_CALLBACK (on_row_selected),
                            self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->note_view), "changed",
                            G_CALLBACK (on_note_changed), self);
  g_signal_connect_swapped (self->training, "changed", G_CALLBACK (on_training_changed), self);
  build_key_tools (self);
  refresh (self);
}

GtkWidget *
osp_training_panel_new (void)
{
  return g_object_new (OSP_TYPE_TRAINING_PANEL, NULL);
}

void
osp_training_panel_set_plan (OspTrainingPanel *self,
                             OspPlan          *plan)
{
  g_return_if_fail (OSP_IS_TRAINING_PANEL (self));
  g_return_if_fail (plan == NULL || OSP_IS_PLAN (plan));

  osp_training_set_plan (self->training, plan);
  self->shown = osp_training_get_current (self->training);
  if (plan != NULL)
    {
      OspTrainingTolerances t;

      /* The course's tolerances (or the defaults) in the instructor's form. */
      osp_training_get_tolerances (plan, &t);
      self->syncing = TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (tolerance_specs); i++)
        gtk_spin_button_set_value (self->tolerance_spins[i],
                                   G_STRUCT_MEMBER (double, &t, tolerance_specs[i].offset));
      self->syncing = FALSE;
    }
  load_note_editor (self);
  refresh (self);
}

OspPlan *
osp_training_panel_get_plan (OspTrainingPanel *self)
{
  g_return_val_if_fail (OSP_IS_TRAINING_PANEL (self), NULL);
  return osp_training_get_plan (self->training);
}

OspTraining *
osp_training_panel_get_training (OspTrainingPanel *self)
{
  g_return_val_if_fail (OSP_IS_TRAINING_PANEL (self), NULL);
  return self->training;
}

void
osp_training_panel_set_viewport (OspTrainingPanel *self,
                                 OspViewport      *viewport)
{
  g_return_if_fail (OSP_IS_TRAINING_PANEL (self));
  g_return_if_fail (viewport == NULL || OSP_IS_VIEWPORT (viewport));

  g_clear_handle_id (&self->camera_source, g_source_remove);
  g_set_weak_pointer (&self->viewport, viewport);
  update_camera_watch (self);
}

void
osp_training_panel_report (OspTrainingPanel *self,
                           OspTrainingStep   step)
{
  g_return_if_fail (OSP_IS_TRAINING_PANEL (self));
  osp_training_report (self->training, step);
}

void
osp_training_panel_set_case_voxel_mm (OspTrainingPanel *self,
                                      double            voxel_mm)
{
  g_return_if_fail (OSP_IS_TRAINING_PANEL (self));
  g_return_if_fail (voxel_mm >= 0.25 && voxel_mm <= 4.0);
  self->case_voxel_mm = voxel_mm;
}

gboolean
osp_training_panel_get_busy (OspTrainingPanel *self)
{
  g_return_val_if_fail (OSP_IS_TRAINING_PANEL (self), FALSE);
  return self->busy;
}
