/* osp-help-window.h — the offline user guide
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hospital workstations have no browser help and often no Yelp, so the guide ships inside the
 * program: one Pango-markup file per language in the GResource
 * (/io/github/osteoplan/Osteoplan/help/LANG/guide.markup), the language picked from the user's
 * locale with English ("C") as the fallback.  The figures are rendered by `osteoplan-cli render`
 * at build time and installed in DATADIR/osteoplan/help/figures ($OSP_HELP_FIGURES overrides).
 *
 * Markup format: a line "== Title" starts a page; a line "@figure NAME.png" shows a figure;
 * paragraphs are separated by blank lines.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OSP_TYPE_HELP_WINDOW (osp_help_window_get_type ())
G_DECLARE_FINAL_TYPE (OspHelpWindow, osp_help_window, OSP, HELP_WINDOW, AdwWindow)

/* Shows the guide, reusing an open guide window.  @parent may be NULL. */
void        osp_help_window_present      (GtkWindow *parent);

/* The resource path of the guide for the current locale (for tests). */
char       *osp_help_window_guide_path   (void);

/* The number of pages of the guide shown (for tests). */
guint       osp_help_window_get_n_pages  (OspHelpWindow *self);

G_END_DECLS
