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
/* A model transform: an array node of 16 numbers as osp_json_get_floats() reads them (column
 * major), refused when its linear part is singular (all zeros, a flattened axis) or the scale
 * is absurd — such a model would vanish or explode in the view and in every export. */
gboolean     osp_json_get_transform       (JsonNode       *node,
                                           float          *out_matrix,
                                           const char     *where,
                                           const char     *key,
                                           GError        **error);

/* Deeper nesting than any file of ours has: json-glib parses recursively, and a file of 100 000
 * nested brackets would overflow the stack. */
#define OSP_JSON_MAX_DEPTH 64

/* Checks, without parsing, that the brackets in `text` (len bytes, or -1 for NUL-terminated)
 * nest at most max_depth deep (brackets inside strings do not count).  Fails with
 * OSP_ERROR_CORRUPT and "WHERE: …". */
gboolean     osp_json_check_depth         (const char     *text,
                                           gssize          len,
                                           guint           max_depth,
                                           const char     *where,
                                           GError        **error);
/* Parses untrusted JSON into `parser`: UTF-8, nesting (OSP_JSON_MAX_DEPTH), then json-glib.
 * Errors say "WHERE: not valid JSON: …" in the user's terms. */
gboolean     osp_json_parse               (JsonParser     *parser,
                                           const char     *text,
                                           gsize           len,
                                           const char     *where,
                                           GError        **error);

G_END_DECLS
