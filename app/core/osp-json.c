/* osp-json.c — typed access to JSON members of untrusted files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "osp-error.h"
#include "osp-json.h"

/* Typed access to JSON members that never warns on a wrong type (hostile files). */

gboolean
osp_json_get_member (JsonObject   *object,
                     const char   *key,
                     GType         type,
                     gboolean      required,
                     JsonNode    **out_node,
                     const char   *where,
                     GError      **error)
{
  JsonNode *node = json_object_get_member (object, key);
  gboolean ok;

  *out_node = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” is missing"), where, key);
      return FALSE;
    }
  if (type == JSON_TYPE_OBJECT)
    ok = JSON_NODE_HOLDS_OBJECT (node);
  else if (type == JSON_TYPE_ARRAY)
    ok = JSON_NODE_HOLDS_ARRAY (node);
  else if (type == G_TYPE_DOUBLE)
    ok = JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
          json_node_get_value_type (node) == G_TYPE_INT64);
  else
    ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
  if (!ok)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” has the wrong type"),
                   where, key);
      return FALSE;
    }
  *out_node = node;
  return TRUE;
}

gboolean
osp_json_get_floats (JsonNode    *node,
                     float       *out_values,
                     guint        n,
                     const char  *where,
                     const char  *key,
                     GError     **error)
{
  JsonArray *array = json_node_get_array (node);

  if (json_array_get_length (array) != n)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” must hold %u numbers"),
                   where, key, n);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      double value;

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          (json_node_get_value_type (element) != G_TYPE_DOUBLE &&
           json_node_get_value_type (element) != G_TYPE_INT64))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” must hold %u numbers"),
                       where, key, n);
          return FALSE;
        }
      value = json_node_get_double (element);
      if (!isfinite (value) || fabs (value) > G_MAXFLOAT)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” holds a bad number"),
                       where, key);
          return FALSE;
        }
      out_values[i] = (float) value;
    }
  return TRUE;
}
