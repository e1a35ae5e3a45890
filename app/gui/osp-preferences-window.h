/* osp-preferences-window.h — the user's preferences
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Edits the preferences (GSettings, osp-settings.h) as they are: a change is written at once.
 * Every key but the window's size and the last folder has a row; a key an administrator has
 * locked (dconf) shows its value, greyed out.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OSP_TYPE_PREFERENCES_WINDOW (osp_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (OspPreferencesWindow, osp_preferences_window, OSP, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *osp_preferences_window_new (GSettings *settings);

G_END_DECLS
