/* osp-window-actions.c — the window's actions and keyboard shortcuts
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-export-dialog.h"
#include "osp-help-window.h"
#include "osp-window-private.h"

static gboolean in_case (OspWindow *self);

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
  osp_window_show_sidebar_page (self, "models");
  gtk_widget_set_visible (GTK_WIDGET (self->mirror_panel), TRUE);
  osp_mirror_panel_start (self->mirror_panel, self->plan, self->viewport, model);
  osp_window_update_tools (self);
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
  osp_window_show_sidebar_page (self, "models");
  gtk_widget_set_visible (GTK_WIDGET (self->cut_panel), TRUE);
  osp_cut_panel_start (self->cut_panel, self->plan, self->viewport, model);
  osp_window_update_tools (self);
}

static void
action_implants (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  osp_window_show_sidebar_page (OSP_WINDOW (widget), "implants");
}

static void
action_measure (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  osp_window_show_sidebar_page (OSP_WINDOW (widget), "measure");
}

static void
action_guide (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  osp_window_show_sidebar_page (OSP_WINDOW (widget), "guide");
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
  osp_window_cancel_jobs (OSP_WINDOW (widget));
}

static void
close_case_now (OspWindow *self,
                gpointer   data)
{
  osp_window_close_case (self);
}

static void
action_close_case (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  /* Unsaved changes: Save, Discard or Cancel first. */
  osp_window_confirm_discard (OSP_WINDOW (widget), close_case_now, NULL, NULL);
}

static void
on_exported (OspWindow  *self,
             const char *path)
{
  osp_training_panel_report (self->training_panel, OSP_TRAINING_STEP_EXPORT);
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
    osp_window_show_sidebar_page (self, "training");
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

void
osp_window_actions_class_init (GtkWidgetClass *widget_class)
{
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
  gtk_widget_class_install_action (widget_class, "win.guide", NULL, action_guide);
  gtk_widget_class_install_action (widget_class, "win.training", NULL, action_training);
  gtk_widget_class_install_action (widget_class, "win.help", NULL, action_help);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, action_redo);
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
