/* osp-preferences-window.c — the user's preferences
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-gui-private.h"
#include "osp-preferences-window.h"
#include "osp-print-check.h"
#include "osp-settings.h"

/* The printer key's value for the build volume of printer-build-volume. */
#define CUSTOM_PRINTER "custom"

struct _OspPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkWidget           *orthographic_row;
  GtkSwitch           *orthographic_switch;
  GtkWidget           *threshold_row;
  GtkAdjustment       *threshold_adjustment;
  GtkWidget           *smooth_row;
  GtkAdjustment       *smooth_adjustment;
  GtkWidget           *triangles_row;
  GtkAdjustment       *triangles_adjustment;
  GtkWidget           *fragments_row;
  GtkSwitch           *fragments_switch;
  GtkWidget           *margin_row;
  GtkAdjustment       *margin_adjustment;
  GtkWidget           *clearance_row;
  GtkAdjustment       *clearance_adjustment;
  AdwComboRow         *printer_row;
  GtkWidget           *size_row;
  GtkAdjustment       *size_x_adjustment;
  GtkAdjustment       *size_y_adjustment;
  GtkAdjustment       *size_z_adjustment;
  GtkWidget           *autosave_row;
  GtkAdjustment       *autosave_adjustment;

  GSettings           *settings;
  gboolean             updating_size;     /* the size spins follow the key */
};

G_DEFINE_FINAL_TYPE (OspPreferencesWindow, osp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* -- The printer: a known one's id, or "custom" and a build volume -------------------------- */

static gboolean
printer_to_index (GValue   *value,
                  GVariant *variant,
                  gpointer  data)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  const OspPrinter *printer = osp_printer_lookup (g_variant_get_string (variant, NULL));

  /* Anything else (custom, or a printer this version does not know) is the custom size. */
  g_value_set_uint (value, printer != NULL ? (guint) (printer - printers) : n_printers);
  return TRUE;
}

static GVariant *
index_to_printer (const GValue       *value,
                  const GVariantType *type,
                  gpointer            data)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  guint index = g_value_get_uint (value);

  return g_variant_new_string (index < n_printers ? printers[index].id : CUSTOM_PRINTER);
}

static void
update_size_row (OspPreferencesWindow *self)
{
  guint n_printers = 0;

  osp_printers_get (&n_printers);
  gtk_widget_set_visible (self->size_row,
                          adw_combo_row_get_selected (self->printer_row) >= n_printers);
}

static void
on_size_setting_changed (OspPreferencesWindow *self)
{
  double x, y, z;

  g_settings_get (self->settings, "printer-build-volume", "(ddd)", &x, &y, &z);
  self->updating_size = TRUE;
  gtk_adjustment_set_value (self->size_x_adjustment, x);
  gtk_adjustment_set_value (self->size_y_adjustment, y);
  gtk_adjustment_set_value (self->size_z_adjustment, z);
  self->updating_size = FALSE;
}

static void
on_size_changed (OspPreferencesWindow *self)
{
  if (self->updating_size)
    return;
  g_settings_set (self->settings, "printer-build-volume", "(ddd)",
                  gtk_adjustment_get_value (self->size_x_adjustment),
                  gtk_adjustment_get_value (self->size_y_adjustment),
                  gtk_adjustment_get_value (self->size_z_adjustment));
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_preferences_window_dispose (GObject *object)
{
  OspPreferencesWindow *self = OSP_PREFERENCES_WINDOW (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (osp_preferences_window_parent_class)->dispose (object);
}

static void
osp_preferences_window_class_init (OspPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, orthographic_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, orthographic_switch);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, threshold_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow,
                                        threshold_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, smooth_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, smooth_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, triangles_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow,
                                        triangles_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, fragments_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, fragments_switch);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, margin_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, margin_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, clearance_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow,
                                        clearance_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, printer_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, size_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, size_x_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, size_y_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, size_z_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow, autosave_row);
  gtk_widget_class_bind_template_child (widget_class, OspPreferencesWindow,
                                        autosave_adjustment);
}

static void
osp_preferences_window_init (OspPreferencesWindow *self)
{
  guint n_printers = 0;
  const OspPrinter *printers = osp_printers_get (&n_printers);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < n_printers; i++)
    gtk_string_list_append (names, printers[i].name);
  gtk_string_list_append (names, _("Custom Size"));
  adw_combo_row_set_model (self->printer_row, G_LIST_MODEL (names));
}

GtkWidget *
osp_preferences_window_new (GSettings *settings)
{
  OspPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (OSP_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);
  osp_settings_bind (settings, "orthographic", self->orthographic_switch, "active",
                     self->orthographic_row);
  osp_settings_bind (settings, "bone-threshold", self->threshold_adjustment, "value",
                     self->threshold_row);
  osp_settings_bind (settings, "smooth-iterations", self->smooth_adjustment, "value",
                     self->smooth_row);
  osp_settings_bind (settings, "target-triangles", self->triangles_adjustment, "value",
                     self->triangles_row);
  osp_settings_bind (settings, "drop-small-pieces", self->fragments_switch, "active",
                     self->fragments_row);
  osp_settings_bind (settings, "target-margin", self->margin_adjustment, "value",
                     self->margin_row);
  osp_settings_bind (settings, "screw-far-cortex-clearance", self->clearance_adjustment, "value",
                     self->clearance_row);
  osp_settings_bind (settings, "autosave-interval", self->autosave_adjustment, "value",
                     self->autosave_row);

  g_settings_bind_with_mapping (settings, "printer", self->printer_row, "selected",
                                G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY,
                                printer_to_index, index_to_printer, NULL, NULL);
  g_settings_bind_writable (settings, "printer", self->printer_row, "sensitive", FALSE);
  g_signal_connect_swapped (self->printer_row, "notify::selected", G_CALLBACK (update_size_row),
                            self);
  update_size_row (self);

  on_size_setting_changed (self);
  g_signal_connect_swapped (settings, "changed::printer-build-volume",
                            G_CALLBACK (on_size_setting_changed), self);
  g_settings_bind_writable (settings, "printer-build-volume", self->size_row, "sensitive",
                            FALSE);
  g_signal_connect_swapped (self->size_x_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  g_signal_connect_swapped (self->size_y_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  g_signal_connect_swapped (self->size_z_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  return GTK_WIDGET (self);
}
