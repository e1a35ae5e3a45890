/* osp-window-slices.c — the slice views beside the 3D view: layout, CT, crosshair
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's 3D view moves into an OspViewGrid with three slice views that share an
 * OspSliceGroup.  The layout is the GSettings key view-layout (the action win.view-layout);
 * a click on a surface in 3D moves the crosshair there; the CT dialog's threshold draws the
 * bone outline live.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "osp-application.h"
#include "osp-window-private.h"

/* The case header (patient) and the CT rows in the side panel. */
typedef struct _OspWindowSlices OspWindowSlices;

struct _OspWindowSlices
{
  GtkWidget  *case_box;
  GtkLabel   *patient_label;
  GtkLabel   *patient_details;
  GtkListBox *ct_list;
  OspVolume  *shown;          /* the CT in the slice views (the plan's), or a preview */
  int         mask_index;     /* the plan's mask shown, or −1 */
};

static void update_case (OspWindow *self);
static void build_case_box (OspWindow *self);

static GSettings *
get_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema =
    source != NULL ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;

  /* The layout is remembered where the schema is installed (and has the key). */
  if (schema != NULL && g_settings_schema_has_key (schema, "view-layout"))
    return g_settings_new_full (schema, NULL, NULL);
  return NULL;
}

static gboolean
on_tool_click (OspViewport *viewport,
               double       x,
               double       y,
               OspWindow   *self)
{
  float position[3];

  /* A click on a surface moves the crosshair there; the click still selects. */
  if (osp_slice_group_get_volume (self->slice_group) != NULL
      && osp_viewport_pick (viewport, x, y, NULL, position))
    {
      double lps[3] = { position[0], position[1], position[2] };

      osp_slice_group_set_crosshair (self->slice_group, lps);
    }
  return FALSE;
}

static void
on_layout_activate (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  OspWindow *self = data;

  g_simple_action_set_state (action, parameter);
  osp_view_grid_set_layout (self->view_grid, g_variant_get_string (parameter, NULL));
}

static void
on_grid_layout_notify (OspViewGrid *grid,
                       GParamSpec  *pspec,
                       OspWindow   *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "view-layout");

  if (G_IS_SIMPLE_ACTION (action))
    g_simple_action_set_state (G_SIMPLE_ACTION (action),
                               g_variant_new_string (osp_view_grid_get_layout (grid)));
}

static void
on_window_preset (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  OspWindow *self = data;
  const char *name = g_variant_get_string (parameter, NULL);
  OspWindowPreset preset = OSP_WINDOW_BONE;
  double window, level;

  if (g_strcmp0 (name, "soft") == 0)
    preset = OSP_WINDOW_SOFT_TISSUE;
  else if (g_strcmp0 (name, "lung") == 0)
    preset = OSP_WINDOW_LUNG;
  osp_window_preset (preset, &window, &level);
  osp_slice_group_set_window (self->slice_group, window, level);
}

OspViewGrid *
osp_window_get_view_grid (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->view_grid;
}

OspSliceGroup *
osp_window_get_slice_group (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->slice_group;
}

void
osp_window_slices_init (OspWindow *self)
{
  GtkWidget *viewport = GTK_WIDGET (self->viewport);
  GtkWidget *parent = gtk_widget_get_parent (viewport);
  g_autoptr(GSettings) settings = get_settings ();
  const GActionEntry entries[] = {
    { "view-layout", on_layout_activate, "s", "'four'", NULL },
    { "slice-window", on_window_preset, "s", NULL, NULL },
  };

  g_return_if_fail (GTK_IS_PANED (parent));

  self->slices = g_new0 (OspWindowSlices, 1);
  self->slices->mask_index = -1;
  self->slice_group = osp_slice_group_new ();
  /* The 3D view moves into the grid before anything is realized. */
  g_object_ref (viewport);
  gtk_paned_set_end_child (GTK_PANED (parent), NULL);
  self->view_grid = OSP_VIEW_GRID (osp_view_grid_new (viewport, self->slice_group));
  g_object_unref (viewport);
  gtk_widget_set_hexpand (GTK_WIDGET (self->view_grid), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->view_grid), TRUE);
  gtk_paned_set_end_child (GTK_PANED (parent), GTK_WIDGET (self->view_grid));

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect (self->view_grid, "notify::layout", G_CALLBACK (on_grid_layout_notify),
                    self);
  if (settings != NULL)
    g_settings_bind (settings, "view-layout", self->view_grid, "layout", G_SETTINGS_BIND_DEFAULT);
  on_grid_layout_notify (self->view_grid, NULL, self);
  g_signal_connect (self->viewport, "tool-click", G_CALLBACK (on_tool_click), self);
  build_case_box (self);
}

/* -- The plan's CTs and masks ----------------------------------------------------------- */

static void
grid_matrix (const OspGrid *grid, float out[16])
{
  memset (out, 0, 16 * sizeof (float));
  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 3; c++)
      out[4 * a + c] = (float) (grid->spacing[a] * grid->direction[3 * a + c]);
  for (int c = 0; c < 3; c++)
    out[12 + c] = (float) grid->origin[c];
  out[15] = 1.0f;
}

/* The mask shown: the first on the shown CT. */
static void
update_mask (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  guint n = self->plan != NULL ? osp_plan_get_n_masks (self->plan) : 0;

  s->mask_index = -1;
  for (guint i = 0; i < n && s->shown != NULL; i++)
    if (osp_plan_get_mask_volume (self->plan, i) == s->shown)
      {
        s->mask_index = (int) i;
        break;
      }
  if (s->mask_index >= 0)
    {
      OspMask *mask = osp_plan_get_mask (self->plan, (guint) s->mask_index);
      const OspGrid *grid = osp_mask_get_grid (mask);
      float m[16];

      grid_matrix (grid, m);
      osp_slice_group_set_mask (self->slice_group, osp_mask_get_data (mask), grid->dims, m);
    }
  else
    osp_slice_group_set_mask (self->slice_group, NULL, NULL, NULL);
}

static void
show (OspWindow *self, OspVolume *volume)
{
  OspWindowSlices *s = self->slices;

  if (volume != NULL)
    osp_volume_ref (volume);
  g_clear_pointer (&s->shown, osp_volume_unref);
  s->shown = volume;
  osp_slice_group_set_volume (self->slice_group, volume);
  /* The bone outline at the preferred threshold until the CT dialog moves it. */
  if (volume != NULL && !osp_slice_group_get_outline (self->slice_group, NULL))
    {
      GApplication *app = g_application_get_default ();
      double threshold = 250.0;

      if (OSP_IS_APPLICATION (app))
        g_object_get (app, "bone-threshold", &threshold, NULL);
      osp_slice_group_set_outline (self->slice_group, TRUE, threshold);
    }
  update_mask (self);
  update_case (self);
}

static void
on_volumes_changed (OspPlan   *plan,
                    OspWindow *self)
{
  OspVolume *volume = self->slices->shown;

  /* Keep showing a CT still in the case (or a preview of the CT dialog's). */
  if (volume == NULL || osp_plan_get_volume_index (plan, volume) < 0)
    volume = osp_plan_get_n_volumes (plan) > 0 ? osp_plan_get_volume (plan, 0) : NULL;
  show (self, volume);
}

static void
on_masks_changed (OspPlan   *plan,
                  OspWindow *self)
{
  update_mask (self);
}

static void
on_mask_changed (OspPlan   *plan,
                 guint      index,
                 gpointer   box_pointer,
                 OspWindow *self)
{
  const OspMaskBox *box = box_pointer;
  guint32 max[3];

  if ((int) index != self->slices->mask_index || box == NULL || osp_mask_box_is_empty (box))
    return;
  for (int a = 0; a < 3; a++)
    max[a] = box->max[a] - 1;   /* inclusive */
  osp_slice_group_mask_changed (self->slice_group, box->min, max);
}

void
osp_window_slices_set_plan (OspWindow *self,
                            OspPlan   *plan)
{
  if (self->slice_group == NULL)
    return;
  osp_slice_group_set_models (self->slice_group, plan != NULL ? G_LIST_MODEL (plan) : NULL);
  if (plan != NULL)
    {
      g_signal_connect (plan, "volumes-changed", G_CALLBACK (on_volumes_changed), self);
      g_signal_connect_swapped (plan, "patient-changed", G_CALLBACK (update_case), self);
      g_signal_connect (plan, "masks-changed", G_CALLBACK (on_masks_changed), self);
      g_signal_connect (plan, "mask-changed", G_CALLBACK (on_mask_changed), self);
    }
  g_clear_pointer (&self->slices->shown, osp_volume_unref);
  if (plan != NULL)
    on_volumes_changed (plan, self);
  else
    show (self, NULL);
}

void
osp_window_slices_dispose (OspWindow *self)
{
  if (self->slice_group != NULL)
    osp_slice_group_set_models (self->slice_group, NULL);
  g_clear_object (&self->slice_group);
  if (self->slices != NULL)
    {
      g_clear_pointer (&self->slices->shown, osp_volume_unref);
      g_clear_pointer (&self->slices, g_free);
    }
}

void
osp_window_slices_show_volume (OspWindow *self,
                               OspVolume *volume)
{
  g_return_if_fail (OSP_IS_WINDOW (self));

  show (self, volume);
}

void
osp_window_slices_add_volume (OspWindow *self,
                              OspVolume *volume)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (OSP_IS_WINDOW (self) && volume != NULL);

  if (osp_plan_get_volume_index (self->plan, volume) >= 0)
    return;
  if (!osp_plan_add_volume (self->plan, volume, &error))
    osp_window_show_toast (self, error->message);
  else
    show (self, volume);
}

/* -- Side panel: the patient and the CTs ------------------------------------------------- */

static void
on_ct_row_activated (GtkListBox    *list,
                     GtkListBoxRow *row,
                     OspWindow     *self)
{
  int index = gtk_list_box_row_get_index (row);

  if (index >= 0 && (guint) index < osp_plan_get_n_volumes (self->plan))
    show (self, osp_plan_get_volume (self->plan, (guint) index));
}

static void
update_case (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  const OspPatient *patient = self->plan != NULL ? osp_plan_get_patient (self->plan) : NULL;
  guint n = self->plan != NULL ? osp_plan_get_n_volumes (self->plan) : 0;
  GtkWidget *child;

  if (s == NULL || s->case_box == NULL)
    return;
  if (patient != NULL && !osp_patient_is_empty (patient))
    {
      g_autofree char *name = osp_patient_format_name (patient);
      g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *details = NULL;

      if (patient->id != NULL && patient->id[0] != '\0')
        g_ptr_array_add (parts, g_strdup_printf (_("ID %s"), patient->id));
      if (patient->birth_date != NULL && patient->birth_date[0] != '\0')
        {
          g_autofree char *date = osp_patient_format_date (patient->birth_date);

          g_ptr_array_add (parts, g_strdup_printf (_("born %s"), date));
        }
      if (patient->sex != NULL && patient->sex[0] != '\0')
        g_ptr_array_add (parts, g_strdup_printf (_("sex %s"), patient->sex));
      if (patient->study_date != NULL && patient->study_date[0] != '\0')
        {
          g_autofree char *date = osp_patient_format_date (patient->study_date);

          g_ptr_array_add (parts, g_strdup_printf (_("study %s"), date));
        }
      g_ptr_array_add (parts, NULL);
      details = g_strjoinv (" · ", (char **) parts->pdata);
      gtk_label_set_text (s->patient_label, name != NULL && name[0] != '\0'
                                              ? name : _("Anonymous patient"));
      gtk_label_set_text (s->patient_details, details);
      gtk_widget_set_visible (GTK_WIDGET (s->patient_details), details[0] != '\0');
    }
  else
    {
      gtk_label_set_text (s->patient_label, n > 0 ? _("Patient not recorded") : "");
      gtk_widget_set_visible (GTK_WIDGET (s->patient_details), FALSE);
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (s->ct_list))) != NULL)
    gtk_list_box_remove (s->ct_list, child);
  for (guint i = 0; i < n; i++)
    {
      OspVolume *volume = osp_plan_get_volume (self->plan, i);
      const char *description = osp_volume_get_description (volume);
      GtkWidget *row = adw_action_row_new ();
      guint32 dims[3];
      double spacing[3];
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      osp_volume_get_dims (volume, dims);
      osp_volume_get_spacing (volume, spacing);
      title = description != NULL && description[0] != '\0'
                ? g_markup_escape_text (description, -1)
                : g_strdup_printf (_("CT %u"), i + 1);
      subtitle = g_strdup_printf (_("%u × %u × %u voxels of %.2f × %.2f × %.2f mm"), dims[0],
                                  dims[1], dims[2], spacing[0], spacing[1], spacing[2]);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("image-x-generic-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      if (volume == s->shown)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   gtk_image_new_from_icon_name ("object-select-symbolic"));
      gtk_list_box_append (s->ct_list, row);
    }
  gtk_widget_set_visible (s->case_box, n > 0 || (patient != NULL
                                                  && !osp_patient_is_empty (patient)));
}

static void
build_case_box (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->model_list_view),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *page = scrolled != NULL ? gtk_widget_get_parent (scrolled) : NULL;

  if (!GTK_IS_BOX (page))
    return;
  s->case_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_start (s->case_box, 12);
  gtk_widget_set_margin_end (s->case_box, 12);
  gtk_widget_set_margin_top (s->case_box, 8);
  gtk_widget_set_margin_bottom (s->case_box, 4);
  s->patient_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (s->patient_label, 0.0f);
  gtk_label_set_ellipsize (s->patient_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (s->patient_label), "heading");
  gtk_box_append (GTK_BOX (s->case_box), GTK_WIDGET (s->patient_label));
  s->patient_details = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (s->patient_details, 0.0f);
  gtk_label_set_wrap (s->patient_details, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (s->patient_details), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (s->patient_details), "caption");
  gtk_box_append (GTK_BOX (s->case_box), GTK_WIDGET (s->patient_details));
  s->ct_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (s->ct_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (s->ct_list), "boxed-list");
  gtk_widget_set_margin_top (GTK_WIDGET (s->ct_list), 4);
  g_signal_connect (s->ct_list, "row-activated", G_CALLBACK (on_ct_row_activated), self);
  gtk_box_append (GTK_BOX (s->case_box), GTK_WIDGET (s->ct_list));
  gtk_widget_set_visible (s->case_box, FALSE);
  gtk_box_prepend (GTK_BOX (page), s->case_box);
}

static void
on_threshold_changed (GtkAdjustment *adjustment,
                      OspWindow     *self)
{
  osp_slice_group_set_outline (self->slice_group, TRUE, gtk_adjustment_get_value (adjustment));
}

void
osp_window_slices_follow_ct_dialog (OspWindow   *self,
                                    OspCtDialog *dialog)
{
  GtkAdjustment *adjustment;

  g_return_if_fail (OSP_IS_WINDOW (self) && OSP_IS_CT_DIALOG (dialog));

  adjustment = osp_ct_dialog_get_threshold_adjustment (dialog);
  osp_window_slices_show_volume (self, osp_ct_dialog_get_volume (dialog));
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (on_threshold_changed), self,
                           0);
  on_threshold_changed (adjustment, self);
}
