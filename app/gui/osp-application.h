/* osp-application.h — the Osteoplan application
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An AdwApplication (io.github.osteoplan.Osteoplan) that opens files and folders given on the
 * command line, `--demo` for the demo case, and Quit, which closes each window through its
 * close request.  The preferences are in GSettings (osp-settings.h).
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OSP_TYPE_APPLICATION (osp_application_get_type ())
G_DECLARE_FINAL_TYPE (OspApplication, osp_application, OSP, APPLICATION, AdwApplication)

/* start_us: g_get_monotonic_time() at the start of main(), for the first-frame report. */
OspApplication *osp_application_new                   (gint64          start_us);

/* The preferences (valid after startup). */
GSettings      *osp_application_get_settings          (OspApplication *self);

G_END_DECLS
