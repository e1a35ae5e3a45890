/* osp-test-lib3mf.h — reading 3MF files with lib3mf in tests
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "osp-mesh.h"

G_BEGIN_DECLS

/* The mesh objects of a 3MF file as lib3mf reads them in strict mode (object coordinates, in
 * file order), or NULL with *out_message (free with g_free) when lib3mf refuses the file or
 * warns about it. */
GPtrArray *osp_test_lib3mf_read (const char  *path,
                                 char       **out_message);

G_END_DECLS
