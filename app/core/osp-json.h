/* osp-json.h — typed access to JSON members of untrusted files (plans, implants, measurements)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A member of `object` of the given type (G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_INT64,
 * G_TYPE_DOUBLE — which also takes integers —, JSON_TYPE_ARRAY, JSON_TYPE_OBJECT), never
 * warning on a hostile file.  *out_node is NULL when it is absent (or null) and not required.
 * Errors say "WHERE: “KEY” is missing / has the wrong type". */
gboolean     osp_json_get_member          (JsonObject     *object,
                                           const char     *key,
                                           GType           type,
                                           gboolean        required,
                                           JsonNode      **out_node,
                                           const char     *where,
                                           GError        **error);
/* An array node of exactly n finite numbers within float range. */
gboolean     osp_json_get_floats          (JsonNode       *node,
                                           float          *out_values,
                                           guint           n,
                                           const char     *where,
                                           const char     *key,
                                           GError        **error);

G_END_DECLS
