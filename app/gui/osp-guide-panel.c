/* osp-guide-panel.c — the Guide tool: an osteotomy guide for the plan's cut planes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "osp-guide.h"
#include "osp-guide-panel.h"
#include "osp-viewport.h"

/* The plan keeps the mirror's plane under this name: it is no cut. */
#define MIDSAGITTAL "Midsagittal"

typedef struct
{
  const char *key;          /* of the {"op": "guide"} operation */
  gsize       offset;       /* in OspGuideParams (a double), or -1 for the pins */
  const char *title;
  const char *tooltip;
  double      lower, upper, step;
  guint       digits;
} Param;

#define PINS ((gsize) -1)

static const Param params_table[] = {
  { "width", G_STRUCT_OFFSET (OspGuideParams, patch_width), N_("Contact width (mm)"),
    N_("How far the guide's contact with the bone reaches on each side of a cut"),
    3, 40, 0.5, 1 },
  { "gap", G_STRUCT_OFFSET (OspGuideParams, fit_gap), N_("Fit gap (mm)"),
    N_("Space between the bone and the guide, so that it seats despite small errors"),
    0, 1, 0.05, 2 },
  { "thickness", G_STRUCT_OFFSET (OspGuideParams, thickness), N_("Shell thickness (mm)"),
    N_("Thickness of the shell that lies on the bone"), 1.5, 10, 0.5, 1 },
  { "blade", G_STRUCT_OFFSET (OspGuideParams, blade), N_("Saw blade (mm)"),
    N_("Thickness of the saw blade"), 0.3, 3, 0.01, 2 },
  { "clearance", G_STRUCT_OFFSET (OspGuideParams, clearance), N_("Clearance (mm)"),
    N_("Play on each side of the blade in the slot"), 0, 1, 0.05, 2 },
  { "slot_height", G_STRUCT_OFFSET (OspGuideParams, slot_height), N_("Slot height (mm)"),
    N_("How high the slot walls stand above the bone"), 3, 30, 1, 1 },
  { "slot_wall", G_STRUCT_OFFSET (OspGuideParams, slot_wall), N_("Slot wall (mm)"),
    N_("Material on each side of a slot"), 1, 10, 0.5, 1 },
  { "overrun", G_STRUCT_OFFSET (OspGuideParams, slot_overrun), N_("Overrun (mm)"),
    N_("How far each slot runs past the bone's section at both ends"), 0, 20, 0.5, 1 },
  { "pins", PINS, N_("Fixation pins"),
    N_("Number of K-wire sleeves that hold the guide on the bone"), 0, OSP_GUIDE_MAX_PINS, 1,
    0 },
  { "pin_diameter", G_STRUCT_OFFSET (OspGuideParams, pin_diameter), N_("Pin diameter (mm)"),
    N_("Diameter of the K-wires"), 1, 5, 0.1, 1 },
  { "voxel", G_STRUCT_OFFSET (OspGuideParams, voxel), N_("Grid step (mm)"),
    N_("Detail of the shell: smaller is finer and slower"), 0.1, 1, 0.05, 2 },
};

#define CLEARANCE_RESIN 0.25
#define CLEARANCE_FDM   0.4

/* The live preview: a draft on a grid no finer than this (the full guide's default grid is
 * 0.25 mm, 8 times the voxels), made once the form has rested this long. */
#define PREVIEW_VOXEL   0.5
#define PREVIEW_DELAY_MS 400

struct _OspGuidePanel
{
  GtkBox              parent_instance;

  GtkDropDown        *bone_dropdown;
  GtkStringList      *bone_names;
  GtkBox             *planes_box;
  GtkLabel           *no_planes_label;
  GtkSpinButton      *spins[G_N_ELEMENTS (params_table)];
  GtkDropDown        *printer_dropdown;
  GtkEntry           *label_entry;
  GtkCheckButton     *preview_check;
  GtkLabel           *preview_label;
  GtkButton          *make_button;
  GtkWidget          *progress_box;
  GtkProgressBar     *progress_bar;
  GtkLabel           *report_label;
  GtkWidget          *warning_bar;
  GtkLabel           *warning_label;
  GtkLabel           *error_label;

  OspPlan            *plan;
  GtkSingleSelection *selection;
  GHashTable         *plane_off;      /* names of planes the user unticked */
  char               *default_label;  /* what the label entry was set to by itself */
  OspModel           *guide;          /* weak: owned by the plan */
  OspViewport        *viewport;

  guint               preview_source;
  GCancellable       *preview_cancellable;  /* of the preview running, NULL when none */
  guint               preview_overlay;      /* in the viewport, 0 when none */
  OspMesh            *preview_mesh;         /* the draft shown */
  guint               form_serial;          /* counts the form's changes */
  guint               made_serial;          /* form_serial when Make Guide last ran */

  GCancellable       *cancellable;
  gint                progress;       /* 0–10000, written by the worker */
  guint               progress_source;
  gboolean            busy;
  gboolean            refreshing;
  gboolean            disposed;
  char               *last_error;
};

G_DEFINE_FINAL_TYPE (OspGuidePanel, osp_guide_panel, GTK_TYPE_BOX)

static void schedule_preview (OspGuidePanel *self);
static void clear_preview    (OspGuidePanel *self);

/* -- The form ------------------------------------------------------------------------------ */

static void
update_sensitivity (OspGuidePanel *self)
{
  gboolean has_plane = FALSE;
  gboolean has_bone = self->plan != NULL &&
                      gtk_drop_down_get_selected (self->bone_dropdown) != GTK_INVALID_LIST_POSITION;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->planes_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    has_plane = has_plane || gtk_check_button_get_active (GTK_CHECK_BUTTON (child));
  gtk_widget_set_sensitive (GTK_WIDGET (self->make_button), !self->busy && has_bone && has_plane);
  gtk_widget_set_visible (self->progress_box, self->busy);
}

static void
on_plane_toggled (GtkCheckButton *check,
                  GParamSpec     *pspec,
                  OspGuidePanel  *self)
{
  const char *name = g_object_get_data (G_OBJECT (check), "plane-name");

  if (self->refreshing)
    return;
  if (gtk_check_button_get_active (check))
    g_hash_table_remove (self->plane_off, name);
  else
    g_hash_table_add (self->plane_off, g_strdup (name));
  update_sensitivity (self);
  schedule_preview (self);
}

static void
refresh_planes (OspGuidePanel *self)
{
  GtkWidget *child;
  guint n = 0;

  self->refreshing = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->planes_box))) != NULL)
    gtk_box_remove (self->planes_box, child);
  for (guint i = 0; self->plan != NULL && i < osp_plan_get_n_planes (self->plan); i++)
    {
      const char *name = osp_plan_get_plane_name (self->plan, i);
      GtkWidget *check;

      if (strcmp (name, MIDSAGITTAL) == 0)
        continue;
      check = gtk_check_button_new_with_label (name);
      g_object_set_data_full (G_OBJECT (check), "plane-name", g_strdup (name), g_free);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   !g_hash_table_contains (self->plane_off, name));
      g_signal_connect (check, "notify::active", G_CALLBACK (on_plane_toggled), self);
      gtk_box_append (self->planes_box, check);
      n++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->no_planes_label), n == 0);
  self->refreshing = FALSE;
  update_sensitivity (self);
  schedule_preview (self);
}

static gboolean
is_bone (OspModel *model)
{
  OspModelRole role = osp_model_get_role (model);

  return role == OSP_MODEL_ROLE_BONE || role == OSP_MODEL_ROLE_PIECE;
}

static void
refresh_bones (OspGuidePanel *self)
{
  g_autofree char *previous = NULL;
  guint selected = GTK_INVALID_LIST_POSITION, n_old, k = 0;
  OspModel *current = NULL;
  guint position = gtk_drop_down_get_selected (self->bone_dropdown);

  if (position != GTK_INVALID_LIST_POSITION)
    previous = g_strdup (gtk_string_list_get_string (self->bone_names, position));
  if (self->selection != NULL)
    current = gtk_single_selection_get_selected_item (self->selection);
  self->refreshing = TRUE;
  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->bone_names));
  gtk_string_list_splice (self->bone_names, 0, n_old, NULL);
  for (guint i = 0; self->plan != NULL && i < osp_plan_get_n_models (self->plan); i++)
    {
      OspModel *model = osp_plan_get_model (self->plan, i);
      const char *name = osp_model_get_name (model);

      if (!is_bone (model))
        continue;
      gtk_string_list_append (self->bone_names, name);
      if (previous != NULL && strcmp (previous, name) == 0)
        selected = k;
      else if (previous == NULL && model == current)
        selected = k;
      k++;
    }
  if (selected == GTK_INVALID_LIST_POSITION && k > 0)
    selected = 0;
  gtk_drop_down_set_selected (self->bone_dropdown, selected);
  self->refreshing = FALSE;
  update_sensitivity (self);
}

/* The label defaults to the case's patient ID, upper case (the stroke font's letters). */
static void
refresh_label (OspGuidePanel *self)
{
  const OspPatient *patient = self->plan != NULL ? osp_plan_get_patient (self->plan) : NULL;
  g_autofree char *label = g_ascii_strup (patient != NULL && patient->id != NULL
                                          ? patient->id : "", -1);
  const char *shown = gtk_editable_get_text (GTK_EDITABLE (self->label_entry));

  /* What the user typed stays. */
  if (shown[0] != '\0' && g_strcmp0 (shown, self->default_label) != 0)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->label_entry), label);
  g_free (self->default_label);
  self->default_label = g_steal_pointer (&label);
}

static void
on_models_changed (GListModel    *list,
                   guint          position,
                   guint          removed,
                   guint          added,
                   OspGuidePanel *self)
{
  refresh_bones (self);
}

static void
on_printer_changed (GtkDropDown   *dropdown,
                    GParamSpec    *pspec,
                    OspGuidePanel *self)
{
  for (guint k = 0; k < G_N_ELEMENTS (params_table); k++)
    if (strcmp (params_table[k].key, "clearance") == 0)
      gtk_spin_button_set_value (self->spins[k], gtk_drop_down_get_selected (dropdown) == 1
                                 ? CLEARANCE_FDM : CLEARANCE_RESIN);
}

void
osp_guide_panel_set_context (OspGuidePanel      *self,
                             OspPlan            *plan,
                             GtkSingleSelection *selection,
                             OspViewport        *viewport)
{
  g_return_if_fail (OSP_IS_GUIDE_PANEL (self));
  g_return_if_fail (plan == NULL || OSP_IS_PLAN (plan));
  g_return_if_fail (viewport == NULL || OSP_IS_VIEWPORT (viewport));

  osp_guide_panel_cancel (self);
  clear_preview (self);
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_set_object (&self->plan, plan);
  g_set_object (&self->selection, selection);
  g_set_object (&self->viewport, viewport);
  g_hash_table_remove_all (self->plane_off);
  self->guide = NULL;
  if (plan != NULL)
    {
      g_signal_connect (plan, "items-changed", G_CALLBACK (on_models_changed), self);
      g_signal_connect_swapped (plan, "planes-changed", G_CALLBACK (refresh_planes), self);
      g_signal_connect_swapped (plan, "patient-changed", G_CALLBACK (refresh_label), self);
    }
  if (selection != NULL)
    g_signal_connect_swapped (selection, "notify::selected-item", G_CALLBACK (refresh_bones),
                              self);
  gtk_label_set_text (self->report_label, "");
  gtk_label_set_text (self->error_label, "");
  gtk_widget_set_visible (self->warning_bar, FALSE);
  gtk_drop_down_set_selected (self->bone_dropdown, GTK_INVALID_LIST_POSITION);
  refresh_bones (self);
  refresh_planes (self);
  refresh_label (self);
}

gboolean
osp_guide_panel_set_bone (OspGuidePanel *self,
                          const char    *name)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->bone_names)); i++)
    if (strcmp (gtk_string_list_get_string (self->bone_names, i), name) == 0)
      {
        gtk_drop_down_set_selected (self->bone_dropdown, i);
        return TRUE;
      }
  return FALSE;
}

gboolean
osp_guide_panel_set_plane_active (OspGuidePanel *self,
                                  const char    *name,
                                  gboolean       active)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->planes_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (strcmp (g_object_get_data (G_OBJECT (child), "plane-name"), name) == 0)
      {
        gtk_check_button_set_active (GTK_CHECK_BUTTON (child), active);
        return TRUE;
      }
  return FALSE;
}

gboolean
osp_guide_panel_set_value (OspGuidePanel *self,
                           const char    *key,
                           double         value)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  for (guint k = 0; k < G_N_ELEMENTS (params_table); k++)
    if (strcmp (params_table[k].key, key) == 0)
      {
        gtk_spin_button_set_value (self->spins[k], value);
        return TRUE;
      }
  return FALSE;
}

void
osp_guide_panel_set_label (OspGuidePanel *self,
                           const char    *label)
{
  g_return_if_fail (OSP_IS_GUIDE_PANEL (self));

  gtk_editable_set_text (GTK_EDITABLE (self->label_entry), label != NULL ? label : "");
}

void
osp_guide_panel_set_preview_enabled (OspGuidePanel *self,
                                     gboolean       enabled)
{
  g_return_if_fail (OSP_IS_GUIDE_PANEL (self));

  gtk_check_button_set_active (self->preview_check, enabled);
}

/* -- Making the guide ---------------------------------------------------------------------- */

typedef struct
{
  OspMesh        *bone;         /* world coordinates */
  OspPlane        planes[OSP_GUIDE_MAX_PLANES];
  guint           n_planes;
  OspGuideParams  params;
  char           *label;
  OspModel       *bone_model;
  JsonObject     *operation;
  char           *name;
  OspMesh        *guide;
  OspGuideReport  report;
} WorkData;

static void
work_data_free (gpointer data)
{
  WorkData *work = data;

  g_clear_pointer (&work->bone, osp_mesh_unref);
  g_clear_pointer (&work->guide, osp_mesh_unref);
  g_clear_object (&work->bone_model);
  g_clear_pointer (&work->operation, json_object_unref);
  osp_guide_report_clear (&work->report);
  g_free (work->label);
  g_free (work->name);
  g_free (work);
}

static void
progress_func (double   fraction,
               gpointer user_data)
{
  OspGuidePanel *self = user_data;

  g_atomic_int_set (&self->progress, (gint) (CLAMP (fraction, 0.0, 1.0) * 10000));
}

static gboolean
update_progress (gpointer data)
{
  OspGuidePanel *self = data;

  gtk_progress_bar_set_fraction (self->progress_bar, g_atomic_int_get (&self->progress) / 1e4);
  return G_SOURCE_CONTINUE;
}

static void
make_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  WorkData *work = task_data;
  OspProgressRange progress = { progress_func, source_object, 0.0, 1.0 };
  GError *error = NULL;

  work->guide = osp_guide_make (work->bone, work->planes, work->n_planes, &work->params,
                                &work->report, &progress, cancellable, &error);
  if (work->guide != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
show_error (OspGuidePanel *self,
            const char    *text)
{
  g_free (self->last_error);
  self->last_error = g_strdup (text);
  gtk_label_set_text (self->error_label, text);
}

static char *
report_text (const OspGuideReport *r)
{
  GString *text = g_string_new (NULL);

  if (r->direction_automatic)
    g_string_append_printf (text, _("The guide (%.0f mm³) seats on %.0f mm² of bone and goes on "
                                    "along (%.3f, %.3f, %.3f), the direction that reaches the "
                                    "most bone."),
                            r->volume, r->patch_area, r->direction[0], r->direction[1],
                            r->direction[2]);
  else
    g_string_append_printf (text, _("The guide (%.0f mm³) seats on %.0f mm² of bone and goes on "
                                    "along (%.3f, %.3f, %.3f) as asked."),
                            r->volume, r->patch_area, r->direction[0], r->direction[1],
                            r->direction[2]);
  for (guint s = 0; s < r->n_planes; s++)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("Slot %u: %.2f mm wide over a %.1f mm section of bone; its "
                                      "mid-plane lies %.3f mm and %.3f° from the planned "
                                      "plane."),
                              s + 1, r->slot_width, r->section_length[s],
                              r->slot_offset_error[s], r->slot_angle_error[s]);
    }
  for (guint q = 0; q < r->n_pins; q++)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("Pin %u enters the bone at (%.1f, %.1f, %.1f) with %.1f mm "
                                      "of bone along it."),
                              q + 1, r->pin_entry[q][0], r->pin_entry[q][1], r->pin_entry[q][2],
                              r->pin_bone_depth[q]);
    }
  g_string_append_c (text, '\n');
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                             "Checks: the nearest bone is %.3f mm away; %u points "
                                             "in the bone, %u undercut, %u in a saw path; %u "
                                             "piece.",
                                             "Checks: the nearest bone is %.3f mm away; %u points "
                                             "in the bone, %u undercut, %u in a saw path; %u "
                                             "pieces.", r->n_components),
                          r->min_bone_distance, r->n_overlap, r->n_undercut, r->n_in_saw_path,
                          r->n_components);
  g_string_append_c (text, '\n');
  if (r->print_ready)
    g_string_append_printf (text, _("The print check passed (thinnest wall %.1f mm)."),
                            r->min_wall);
  else
    g_string_append_printf (text, _("The print check found problems (thinnest wall %.1f mm): "
                                    "check the guide before printing."), r->min_wall);
  for (guint i = 0; r->notes != NULL && i < r->notes->len; i++)
    {
      g_string_append_c (text, '\n');
      g_string_append (text, g_ptr_array_index (r->notes, i));
    }
  return g_string_free (text, FALSE);
}

static void
end_work (OspGuidePanel *self)
{
  self->busy = FALSE;
  g_clear_handle_id (&self->progress_source, g_source_remove);
  update_sensitivity (self);
}

static void
make_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OspGuidePanel *self = OSP_GUIDE_PANEL (source);
  WorkData *work = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autofree char *text = NULL;
  g_autofree char *step = NULL;

  if (self->disposed)
    return;
  end_work (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, _("Cancelled: no guide was made."));
      else
        {
          g_autofree char *message = g_strdup_printf (_("No guide was made: %s"),
                                                      error->message);

          show_error (self, message);
        }
      return;
    }
  /* The plan may have changed while the guide was made. */
  if (self->plan == NULL || osp_plan_get_model_index (self->plan, work->bone_model) < 0)
    {
      show_error (self, _("No guide was made: the bone was removed from the plan meanwhile."));
      return;
    }
  if (osp_plan_find_model (self->plan, work->name) != NULL)
    {
      g_autofree char *name = osp_plan_make_unique_name (self->plan, _("Guide"));

      g_free (work->name);
      work->name = g_steal_pointer (&name);
      json_object_set_string_member (work->operation, "name", work->name);
    }
  /* The insertion direction it seats along, for checks that come later (training). */
  if (!json_object_has_member (work->operation, "direction"))
    {
      JsonArray *used = json_array_new ();

      for (int k = 0; k < 3; k++)
        json_array_add_double_element (used, work->report.direction[k]);
      json_object_set_array_member (work->operation, "direction_used", used);
    }
  model = osp_model_new (work->name, work->guide, OSP_MODEL_ROLE_GUIDE);
  command = osp_command_new_add_model (model, -1, NULL);
  osp_command_set_operation (command, work->operation);
  step = g_strdup_printf (_("Make Guide “%s”"), work->name);
  osp_command_set_label (command, step);
  if (!osp_plan_execute (self->plan, command, &error))
    {
      g_autofree char *message = g_strdup_printf (_("No guide was made: %s"), error->message);

      show_error (self, message);
      return;
    }
  self->guide = model;
  g_clear_pointer (&self->last_error, g_free);
  gtk_label_set_text (self->error_label, "");
  text = report_text (&work->report);
  gtk_label_set_text (self->report_label, text);
  if (work->report.warnings != NULL && work->report.warnings->len > 0)
    {
      g_autoptr(GString) warnings = g_string_new (NULL);

      for (guint i = 0; i < work->report.warnings->len; i++)
        {
          if (i > 0)
            g_string_append_c (warnings, '\n');
          g_string_append (warnings, g_ptr_array_index (work->report.warnings, i));
        }
      gtk_label_set_text (self->warning_label, warnings->str);
      gtk_widget_set_visible (self->warning_bar, TRUE);
    }
}

/* -- The live preview ------------------------------------------------------------------------
 *
 * Every change of the form (while the page is shown) makes a draft of the guide on a coarser
 * grid in a thread, once the form has rested, and shows it in the 3D view as a translucent
 * overlay with its report; a newer change cancels it.  Make Guide replaces the draft. */

static void
preview_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  WorkData *work = task_data;
  GError *error = NULL;

  work->guide = osp_guide_make (work->bone, work->planes, work->n_planes, &work->params,
                                &work->report, NULL, cancellable, &error);
  if (work->guide != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
remove_preview_overlay (OspGuidePanel *self)
{
  if (self->preview_overlay != 0 && self->viewport != NULL)
    osp_viewport_remove_overlay (self->viewport, self->preview_overlay);
  self->preview_overlay = 0;
  g_clear_pointer (&self->preview_mesh, osp_mesh_unref);
}

static void
clear_preview (OspGuidePanel *self)
{
  g_clear_handle_id (&self->preview_source, g_source_remove);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  remove_preview_overlay (self);
  if (self->preview_label != NULL)
    gtk_label_set_text (self->preview_label, "");
}

static void
preview_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  OspGuidePanel *self = OSP_GUIDE_PANEL (source);
  WorkData *work = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  g_autofree char *text = NULL;

  /* A newer draft is on its way, or none is wanted any more. */
  if (self->disposed || self->preview_cancellable == NULL ||
      g_task_get_cancellable (G_TASK (result)) != self->preview_cancellable)
    return;
  g_clear_object (&self->preview_cancellable);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      remove_preview_overlay (self);
      text = g_strdup_printf (_("Preview: no guide can be made so: %s"), error->message);
      gtk_label_set_text (self->preview_label, text);
      return;
    }
  if (self->viewport != NULL)
    {
      if (self->preview_overlay == 0)
        {
          guint32 hex = osp_model_role_default_color (OSP_MODEL_ROLE_GUIDE, 0);
          float rgb[3] = { ((hex >> 16) & 0xff) / 255.0f, ((hex >> 8) & 0xff) / 255.0f,
                           (hex & 0xff) / 255.0f };

          self->preview_overlay = osp_viewport_add_overlay (self->viewport, work->guide, rgb,
                                                            0.55f);
        }
      else
        osp_viewport_update_overlay (self->viewport, self->preview_overlay, work->guide, TRUE);
    }
  g_clear_pointer (&self->preview_mesh, osp_mesh_unref);
  self->preview_mesh = osp_mesh_ref (work->guide);
  report = report_text (&work->report);
  text = g_strdup_printf (_("Preview, a draft on a %.2f mm grid (Make Guide builds it on the "
                            "grid step above):\n%s"), work->params.voxel, report);
  gtk_label_set_text (self->preview_label, text);
}

static gboolean
wants_preview (OspGuidePanel *self)
{
  return !self->disposed && !self->busy && self->plan != NULL && self->viewport != NULL &&
         gtk_check_button_get_active (self->preview_check) &&
         gtk_widget_get_mapped (GTK_WIDGET (self));
}

static WorkData *collect_work (OspGuidePanel *self,
                               char         **out_message);

static gboolean
run_preview (gpointer data)
{
  OspGuidePanel *self = data;
  g_autoptr(GTask) task = NULL;
  g_autofree char *message = NULL;
  WorkData *work;

  self->preview_source = 0;
  if (!wants_preview (self))
    return G_SOURCE_REMOVE;
  work = collect_work (self, &message);
  if (work == NULL)
    {
      /* Nothing to draft yet; the form says what is missing when Make Guide is pressed. */
      remove_preview_overlay (self);
      gtk_label_set_text (self->preview_label, "");
      return G_SOURCE_REMOVE;
    }
  work->params.voxel = MAX (work->params.voxel, PREVIEW_VOXEL);
  self->preview_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->preview_cancellable, preview_done, NULL);
  g_task_set_source_tag (task, run_preview);
  g_task_set_task_data (task, work, work_data_free);
  g_task_run_in_thread (task, preview_thread);
  return G_SOURCE_REMOVE;
}

/* The form changed (or the page was shown): a new draft once it rests. */
static void
restart_preview (OspGuidePanel *self)
{
  g_clear_handle_id (&self->preview_source, g_source_remove);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  if (!wants_preview (self))
    {
      clear_preview (self);
      return;
    }
  gtk_label_set_text (self->preview_label, _("Preview: updating the draft…"));
  self->preview_source = g_timeout_add (PREVIEW_DELAY_MS, run_preview, self);
}

static void
schedule_preview (OspGuidePanel *self)
{
  if (self->refreshing || self->disposed)
    return;
  self->form_serial++;
  restart_preview (self);
}

static void
on_map (OspGuidePanel *self)
{
  /* Back on the page: a draft again, unless the guide was made from this very form. */
  if (self->form_serial != self->made_serial)
    restart_preview (self);
}

/* The form as one guide job (the bone in world coordinates, the ticked planes, the parameters,
 * the label and the {"op": "guide"} operation), or NULL and the reason in words. */
static WorkData *
collect_work (OspGuidePanel  *self,
              char          **out_message)
{
  g_autoptr(JsonArray) planes = NULL;
  JsonObject *op;
  WorkData *work;
  OspModel *bone = NULL;
  guint position;
  mat4 matrix;   /* aligned: cglm's SSE code loads whole columns */

  position = gtk_drop_down_get_selected (self->bone_dropdown);
  if (position != GTK_INVALID_LIST_POSITION)
    bone = osp_plan_find_model (self->plan,
                                gtk_string_list_get_string (self->bone_names, position));
  if (bone == NULL)
    {
      *out_message = g_strdup (_("Choose the bone to make the guide for."));
      return NULL;
    }

  work = g_new0 (WorkData, 1);
  op = work->operation = json_object_new ();
  planes = json_array_new ();
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->planes_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      const char *name = g_object_get_data (G_OBJECT (child), "plane-name");
      int index = osp_plan_find_plane (self->plan, name);

      if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (child)) || index < 0)
        continue;
      if (work->n_planes == OSP_GUIDE_MAX_PLANES)
        {
          *out_message =
            g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "A guide carries at most %u slot: tick fewer planes.",
                                          "A guide carries at most %u slots: tick fewer planes.",
                                          OSP_GUIDE_MAX_PLANES),
                             (guint) OSP_GUIDE_MAX_PLANES);
          work_data_free (work);
          return NULL;
        }
      osp_plan_get_plane (self->plan, index, &work->planes[work->n_planes++]);
      json_array_add_string_element (planes, name);
    }
  if (work->n_planes == 0)
    {
      *out_message = g_strdup (_("Tick at least one cut plane to guide."));
      work_data_free (work);
      return NULL;
    }

  osp_guide_params_init (&work->params);
  for (guint k = 0; k < G_N_ELEMENTS (params_table); k++)
    {
      double value = gtk_spin_button_get_value (self->spins[k]);

      if (params_table[k].offset == PINS)
        {
          work->params.n_pins = (guint) lround (value);
          json_object_set_int_member (op, "pins", work->params.n_pins);
        }
      else
        {
          G_STRUCT_MEMBER (double, &work->params, params_table[k].offset) = value;
          json_object_set_double_member (op, params_table[k].key, value);
        }
    }
  work->label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_entry))));
  work->params.label = work->label[0] != '\0' ? work->label : NULL;
  if (work->params.label != NULL)
    json_object_set_string_member (op, "label", work->label);
  work->name = osp_plan_make_unique_name (self->plan, _("Guide"));
  json_object_set_string_member (op, "op", "guide");
  json_object_set_string_member (op, "name", work->name);
  json_object_set_string_member (op, "model", osp_model_get_name (bone));
  json_object_set_array_member (op, "planes", g_steal_pointer (&planes));
  work->bone_model = g_object_ref (bone);
  /* The planes are in world coordinates: so is the bone. */
  osp_model_get_transform (bone, (float *) matrix);
  work->bone = osp_mesh_transform (osp_model_get_mesh (bone), matrix);
  return work;
}

void
osp_guide_panel_make (OspGuidePanel *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *message = NULL;
  WorkData *work;

  g_return_if_fail (OSP_IS_GUIDE_PANEL (self));

  if (self->busy || self->plan == NULL)
    return;
  gtk_label_set_text (self->report_label, "");
  gtk_widget_set_visible (self->warning_bar, FALSE);
  self->guide = NULL;
  work = collect_work (self, &message);
  if (work == NULL)
    {
      show_error (self, message);
      return;
    }
  /* The guide itself replaces the draft. */
  clear_preview (self);
  self->made_serial = self->form_serial;

  self->busy = TRUE;
  g_clear_pointer (&self->last_error, g_free);
  gtk_label_set_text (self->error_label, "");
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_atomic_int_set (&self->progress, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  if (self->progress_source == 0)
    self->progress_source = g_timeout_add (100, update_progress, self);
  update_sensitivity (self);
  task = g_task_new (self, self->cancellable, make_done, NULL);
  g_task_set_source_tag (task, osp_guide_panel_make);
  g_task_set_task_data (task, work, work_data_free);
  g_task_run_in_thread (task, make_thread);
}

void
osp_guide_panel_cancel (OspGuidePanel *self)
{
  g_return_if_fail (OSP_IS_GUIDE_PANEL (self));

  if (self->busy && self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

gboolean
osp_guide_panel_get_busy (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), FALSE);
  return self->busy;
}

gboolean
osp_guide_panel_get_previewing (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), FALSE);
  return self->preview_source != 0 || self->preview_cancellable != NULL;
}

OspMesh *
osp_guide_panel_get_preview (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), NULL);
  return self->preview_mesh;
}

OspModel *
osp_guide_panel_get_guide (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), NULL);

  if (self->guide == NULL || self->plan == NULL ||
      osp_plan_get_model_index (self->plan, self->guide) < 0)
    return NULL;
  return self->guide;
}

const char *
osp_guide_panel_get_last_error (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), NULL);
  return self->last_error;
}

const char *
osp_guide_panel_get_report_text (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), NULL);
  return gtk_label_get_text (self->report_label);
}

const char *
osp_guide_panel_get_warning_text (OspGuidePanel *self)
{
  g_return_val_if_fail (OSP_IS_GUIDE_PANEL (self), NULL);
  return gtk_widget_get_visible (self->warning_bar) ? gtk_label_get_text (self->warning_label)
                                                    : NULL;
}

/* -- Construction -------------------------------------------------------------------------- */

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

static GtkLabel *
wrapped_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return GTK_LABEL (label);
}

static void
osp_guide_panel_dispose (GObject *object)
{
  OspGuidePanel *self = OSP_GUIDE_PANEL (object);

  osp_guide_panel_set_context (self, NULL, NULL, NULL);
  self->disposed = TRUE;
  g_clear_handle_id (&self->progress_source, g_source_remove);
  G_OBJECT_CLASS (osp_guide_panel_parent_class)->dispose (object);
}

static void
osp_guide_panel_finalize (GObject *object)
{
  OspGuidePanel *self = OSP_GUIDE_PANEL (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->plane_off);
  g_free (self->default_label);
  g_free (self->last_error);
  G_OBJECT_CLASS (osp_guide_panel_parent_class)->finalize (object);
}

static void
osp_guide_panel_class_init (OspGuidePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = osp_guide_panel_dispose;
  object_class->finalize = osp_guide_panel_finalize;
}

static void
osp_guide_panel_init (OspGuidePanel *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *grid, *label, *widget, *button, *inner;
  OspGuideParams defaults;
  const char *printers[] = { _("Resin printer"), _("FDM printer"), NULL };
  int row = 0;

  self->plane_off = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  osp_guide_params_init (&defaults);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (box, 8);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 10);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 10);

  gtk_box_append (box, heading (_("Osteotomy Guide")));
  label = GTK_WIDGET (wrapped_label ("caption"));
  gtk_label_set_text (GTK_LABEL (label), _("A shell that seats on the bone in one position and "
                                           "carries a saw slot along each ticked cut plane."));
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  gtk_box_append (box, label);

  gtk_box_append (box, heading (_("Bone")));
  self->bone_names = gtk_string_list_new (NULL);
  self->bone_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->bone_names),
                                                          NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->bone_dropdown),
                               _("The bone model the guide seats on"));
  g_signal_connect_swapped (self->bone_dropdown, "notify::selected",
                            G_CALLBACK (update_sensitivity), self);
  g_signal_connect_swapped (self->bone_dropdown, "notify::selected",
                            G_CALLBACK (schedule_preview), self);
  gtk_box_append (box, GTK_WIDGET (self->bone_dropdown));

  gtk_box_append (box, heading (_("Cut Planes")));
  self->planes_box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2));
  gtk_box_append (box, GTK_WIDGET (self->planes_box));
  self->no_planes_label = wrapped_label ("dim-label");
  gtk_label_set_text (self->no_planes_label, _("The plan has no cut planes yet. Add one with the "
                                               "Cut tool (select the bone, then Cut and Add "
                                               "Plane); it is listed here to guide."));
  gtk_box_append (box, GTK_WIDGET (self->no_planes_label));

  gtk_box_append (box, heading (_("Parameters")));
  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  for (guint k = 0; k < G_N_ELEMENTS (params_table); k++)
    {
      const Param *p = &params_table[k];
      double value = p->offset == PINS ? defaults.n_pins
                                       : G_STRUCT_MEMBER (double, &defaults, p->offset);

      if (strcmp (p->key, "clearance") == 0)
        {
          self->printer_dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (printers));
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->printer_dropdown),
                                       _("The printer sets the clearance: 0.25 mm for resin, "
                                         "0.4 mm for FDM"));
          gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->printer_dropdown), 0, row++, 2, 1);
        }
      label = gtk_label_new (_(p->title));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_tooltip_text (label, _(p->tooltip));
      widget = gtk_spin_button_new_with_range (p->lower, p->upper, p->step);
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (widget), p->digits);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), value);
      gtk_widget_set_tooltip_text (widget, _(p->tooltip));
      gtk_accessible_update_relation (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
      self->spins[k] = GTK_SPIN_BUTTON (widget);
      g_signal_connect_swapped (widget, "value-changed", G_CALLBACK (schedule_preview), self);
      gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), widget, 1, row++, 1, 1);
    }
  g_signal_connect (self->printer_dropdown, "notify::selected", G_CALLBACK (on_printer_changed),
                    self);
  gtk_box_append (box, grid);

  label = gtk_label_new_with_mnemonic (_("_Label on the guide"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (box, label);
  self->label_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->label_entry));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->label_entry),
                               _("Raised text: letters A–Z, digits, - . / and spaces (the case "
                                 "ID by default)"));
  gtk_box_append (box, GTK_WIDGET (self->label_entry));
  g_signal_connect_swapped (self->label_entry, "changed", G_CALLBACK (schedule_preview), self);

  self->preview_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (
                                            _("_Preview while editing")));
  gtk_check_button_set_active (self->preview_check, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->preview_check),
                               _("Show a quick draft of the guide in the 3D view whenever a "
                                 "setting changes (on a coarser grid; nothing is added to the "
                                 "plan)"));
  g_signal_connect_swapped (self->preview_check, "notify::active",
                            G_CALLBACK (schedule_preview), self);
  gtk_box_append (box, GTK_WIDGET (self->preview_check));

  button = gtk_button_new_with_mnemonic (_("_Make Guide"));
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_set_tooltip_text (button, _("Build the guide and add it to the plan (undoable)"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (osp_guide_panel_make), self);
  self->make_button = GTK_BUTTON (button);
  gtk_box_append (box, button);

  self->progress_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->progress_bar), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->progress_bar), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (self->progress_box), GTK_WIDGET (self->progress_bar));
  button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_tooltip_text (button, _("Stop this computation"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (osp_guide_panel_cancel), self);
  gtk_box_append (GTK_BOX (self->progress_box), button);
  gtk_widget_set_visible (self->progress_box, FALSE);
  gtk_box_append (box, self->progress_box);

  self->error_label = wrapped_label ("error");
  gtk_box_append (box, GTK_WIDGET (self->error_label));

  self->warning_bar = gtk_info_bar_new ();
  gtk_info_bar_set_message_type (GTK_INFO_BAR (self->warning_bar), GTK_MESSAGE_WARNING);
  inner = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  self->warning_label = wrapped_label (NULL);
  gtk_box_append (GTK_BOX (inner), GTK_WIDGET (self->warning_label));
  gtk_info_bar_add_child (GTK_INFO_BAR (self->warning_bar), inner);
  gtk_widget_set_visible (self->warning_bar, FALSE);
  gtk_box_append (box, self->warning_bar);

  self->report_label = wrapped_label ("caption");
  gtk_box_append (box, GTK_WIDGET (self->report_label));

  self->preview_label = wrapped_label ("caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->preview_label), "dim-label");
  gtk_box_append (box, GTK_WIDGET (self->preview_label));
  g_signal_connect_swapped (self, "map", G_CALLBACK (on_map), self);
  g_signal_connect_swapped (self, "unmap", G_CALLBACK (clear_preview), self);

  update_sensitivity (self);
}

GtkWidget *
osp_guide_panel_new (void)
{
  return g_object_new (OSP_TYPE_GUIDE_PANEL, NULL);
}
