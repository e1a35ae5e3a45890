/* osp-test-gui.h — what the GUI tests share: waiting on the main loop, windows, screenshots
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-viewport.h"
#include "osp-window.h"

G_BEGIN_DECLS

typedef gboolean (*OspTestCondition) (gpointer data);

/* Iterates the main context until condition (data) holds; fails the test naming `what` after
 * a generous timeout (the suite also runs under AddressSanitizer on two shared cores). */
void       osp_test_wait_for          (OspTestCondition  condition,
                                       gpointer          data,
                                       const char       *what);
/* The timeout of osp_test_wait_for(), 90 s unless set: a test whose waits are all short sets
 * less, to fail sooner. */
void       osp_test_set_wait_timeout  (guint             seconds);
/* Runs the main loop for `ms` milliseconds (lets the view draw). */
void       osp_test_spin              (guint             ms);
/* With OSP_TEST_HOLD_S=N set, runs the main loop N seconds, so that what is on screen can be
 * looked at or captured by hand; else does nothing. */
void       osp_test_hold              (void);
/* With the environment variable `env_var` naming a folder, writes a screenshot of the whole
 * screen there as `name` (ImageMagick's import); else does nothing. */
void       osp_test_screenshot        (const char       *env_var,
                                       const char       *name);
/* Points the XDG folders (config, data, cache, state) at the test's scratch folder, so recent
 * files, autosaves and preferences never touch the user's; call after g_test_init(). */
void       osp_test_isolate_xdg       (void);
/* With OSP_TEST_LOCALEDIR naming a folder of LANG/LC_MESSAGES/osteoplan.mo, takes the
 * translations from there (screenshots in another language); else does nothing. */
void       osp_test_bind_locale       (void);
/* gtk_init_check() and adw_init(); FALSE (after a message) without a display. */
gboolean   osp_test_init_display      (void);
/* A new main window (no application) of the default size width × height, presented. */
OspWindow *osp_test_new_window        (int               width,
                                       int               height);
/* Destroys a toplevel and lets GTK finish with it. */
void       osp_test_destroy_window    (GtkWindow        *window);
/* The first button under `widget` whose label is `label`, depth first, or NULL. */
GtkWidget *osp_test_find_button       (GtkWidget        *widget,
                                       const char       *label);
/* The first widget of `type` under `widget`, depth first, or NULL. */
GtkWidget *osp_test_find_descendant   (GtkWidget        *widget,
                                       GType             type);
/* The first toplevel of `type` that is transient for `parent`, or NULL. */
GtkWindow *osp_test_find_toplevel     (GType             type,
                                       GtkWindow        *parent);
/* The first toplevel of `type`, whatever it is transient for, or NULL. */
GtkWindow *osp_test_find_any_toplevel (GType             type);
/* Destroys every toplevel of `type` (GTK_TYPE_WINDOW: all of them). */
void       osp_test_destroy_toplevels (GType             type);

/* Asks the viewport to read back its next frame and waits for it: its pixels, as
 * osp_viewport_take_readback() gives them (width and height may be NULL). */
GBytes    *osp_test_read_frame        (OspViewport      *viewport,
                                       int              *width,
                                       int              *height);
/* Waits for the viewport's next frame. */
void       osp_test_wait_frame        (OspViewport      *viewport);

G_END_DECLS
