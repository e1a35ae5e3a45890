/* osp-locale.h — the user's language for every program of Osteoplan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets the locale from the environment and binds the gettext domain: to the catalogues of the
 * build tree when the program runs from there (the README's commands, before any install), else
 * to the installed ones.  Call first thing in main(). */
void osp_locale_init (void);

G_END_DECLS
