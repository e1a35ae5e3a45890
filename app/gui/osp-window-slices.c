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

#include "osp-application.h"
#include "osp-window-private.h"

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
}

void
osp_window_slices_set_plan (OspWindow *self,
                            OspPlan   *plan)
{
  if (self->slice_group == NULL)
    return;
  osp_slice_group_set_models (self->slice_group, plan != NULL ? G_LIST_MODEL (plan) : NULL);
  osp_slice_group_set_volume (self->slice_group, NULL);
}

void
osp_window_slices_dispose (OspWindow *self)
{
  if (self->slice_group != NULL)
    osp_slice_group_set_models (self->slice_group, NULL);
  g_clear_object (&self->slice_group);
}

void
osp_window_slices_show_volume (OspWindow *self,
                               OspVolume *volume)
{
  g_return_if_fail (OSP_IS_WINDOW (self));

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
