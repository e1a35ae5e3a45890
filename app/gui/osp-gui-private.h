/* osp-gui-private.h — what the GUI's modules share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

/* The base of the GResource bundle (resources/osteoplan.gresource.xml); GtkApplication also
 * finds gtk/help-overlay.ui, style.css and the icons under it. */
#define OSP_RESOURCE_PATH "/io/github/osteoplan/Osteoplan"
