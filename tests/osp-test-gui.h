/* osp-test-gui.h — what the GUI tests share: waiting on the main loop, windows, screenshots
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*OspTestCondition) (gpointer data);

/* Iterates the main context until condition (data) holds; fails the test naming `what` after
 * a generous timeout (the suite also runs under AddressSanitizer on two shared cores). */
void       osp_test_wait_for        (OspTestCondition  condition,
                                     gpointer          data,
                                     const char       *what);
/* Runs the main loop for `ms` milliseconds (lets the view draw). */
void       osp_test_spin            (guint             ms);
/* With the environment variable `env_var` naming a folder, writes a screenshot of the whole
 * screen there as `name` (ImageMagick's import); else does nothing. */
void       osp_test_screenshot      (const char       *env_var,
                                     const char       *name);
/* Points the XDG folders (config, data, cache, state) at the test's scratch folder, so recent
 * files, autosaves and preferences never touch the user's; call after g_test_init(). */
void       osp_test_isolate_xdg     (void);
/* gtk_init_check() and adw_init(); FALSE (after a message) without a display. */
gboolean   osp_test_init_display    (void);
/* Destroys a toplevel and lets GTK finish with it. */
void       osp_test_destroy_window  (GtkWindow        *window);
/* The first widget of `type` under `widget`, depth first, or NULL. */
GtkWidget *osp_test_find_descendant (GtkWidget        *widget,
                                     GType             type);
/* The first toplevel of `type` that is transient for `parent`, or NULL. */
GtkWindow *osp_test_find_toplevel   (GType             type,
                                     GtkWindow        *parent);

G_END_DECLS
