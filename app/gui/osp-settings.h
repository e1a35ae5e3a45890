/* osp-settings.h — the user's preferences (GSettings)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every preference lives in the GSettings schema io.github.osteoplan.Osteoplan
 * (resources/io.github.osteoplan.Osteoplan.gschema.xml): written when it changes, so a crash
 * loses none, and presettable and lockable by an administrator through dconf.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The preferences.  The schema is the installed one, or, for a program run from its build
 * tree, the one compiled there; without either the program stops with a message that says
 * so (an installation is broken). */
GSettings *osp_settings_new           (void);

/* Binds `key` to `property` of `object` both ways, and `widget`'s sensitivity to whether the
 * key may be written (an administrator's lock greys it out).  `widget` may be NULL. */
void       osp_settings_bind          (GSettings  *settings,
                                       const char *key,
                                       gpointer    object,
                                       const char *property,
                                       gpointer    widget);

/* File choosers start in the folder of the file opened or saved last ("last-folder"). */
void       osp_settings_start_in_last_folder (GtkFileChooser *chooser);
/* Remembers the folder that holds `file` (a CT folder's parent: its siblings come next). */
void       osp_settings_remember_folder      (GFile          *file);

G_END_DECLS
