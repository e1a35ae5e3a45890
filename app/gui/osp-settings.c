/* osp-settings.c — the user's preferences (GSettings)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-settings.h"

static GSettingsSchema *
lookup_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  GSettingsSchema *schema =
    source != NULL ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;
  g_autoptr(GSettingsSchemaSource) build = NULL;

  if (schema != NULL)
    return schema;
  /* Not installed: a run from the build tree, which compiles the schema in resources/. */
  build = g_settings_schema_source_new_from_directory (OSP_BUILD_ROOT "/resources", source,
                                                       FALSE, NULL);
  return build != NULL ? g_settings_schema_source_lookup (build, APPLICATION_ID, FALSE) : NULL;
}

GSettings *
osp_settings_new (void)
{
  static GSettingsSchema *schema;

  if (g_once_init_enter (&schema))
    {
      GSettingsSchema *found = lookup_schema ();

      if (found == NULL)
        g_error ("The settings schema %s is not installed (run `meson install`, or set "
                 "GSETTINGS_SCHEMA_DIR to the folder of its gschemas.compiled).",
                 APPLICATION_ID);
      g_once_init_leave (&schema, found);
    }
  return g_settings_new_full (schema, NULL, NULL);
}

void
osp_settings_bind (GSettings  *settings,
                   const char *key,
                   gpointer    object,
                   const char *property,
                   gpointer    widget)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (G_IS_OBJECT (object));

  g_settings_bind (settings, key, object, property,
                   G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
  if (widget != NULL)
    g_settings_bind_writable (settings, key, widget, "sensitive", FALSE);
}

void
osp_settings_start_in_last_folder (GtkFileChooser *chooser)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autofree char *uri = g_settings_get_string (settings, "last-folder");
  g_autoptr(GFile) folder = NULL;

  g_return_if_fail (GTK_IS_FILE_CHOOSER (chooser));

  if (*uri == '\0')
    return;
  folder = g_file_new_for_uri (uri);
  /* A folder since removed (or on a drive not mounted now) is not offered. */
  if (g_file_query_file_type (folder, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
    gtk_file_chooser_set_current_folder (chooser, folder, NULL);
}

void
osp_settings_remember_folder (GFile *file)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autoptr(GFile) parent = NULL;
  g_autofree char *uri = NULL;

  g_return_if_fail (G_IS_FILE (file));

  parent = g_file_get_parent (file);
  uri = parent != NULL ? g_file_get_uri (parent) : NULL;
  if (uri != NULL && g_settings_is_writable (settings, "last-folder"))
    g_settings_set_string (settings, "last-folder", uri);
}
