/* osp-preferences-window.c — the user's preferences
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-gui-private.h"
#include "osp-preferences-window.h"

struct _OspPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkSwitch           *orthographic_switch;
  GtkAdjustment       *threshold_adjustment;
  GtkAdjustment       *smooth_adjustment;
  GtkAdjustment       *triangles_adjustment;
};

G_DEFINE_FINAL_TYPE (OspPreferencesWindow, osp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
osp_preferences_window_class_init (OspPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, orthographic_switch);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow,
                                        threshold_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, smooth_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow,
                                        triangles_adjustment);
}

static void
osp_preferences_window_init (OspPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
osp_preferences_window_new (GObject *settings)
{
  OspPreferencesWindow *self;
  const GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_return_val_if_fail (G_IS_OBJECT (settings), NULL);

  self = g_object_new (OSP_TYPE_PREFERENCES_WINDOW, NULL);
  g_object_bind_property (settings, "orthographic", self->orthographic_switch, "active", flags);
  g_object_bind_property (settings, "bone-threshold", self->threshold_adjustment, "value",
                          flags);
  g_object_bind_property (settings, "smooth-iterations", self->smooth_adjustment, "value",
                          flags);
  g_object_bind_property (settings, "target-triangles", self->triangles_adjustment, "value",
                          flags);
  return GTK_WIDGET (self);
}
