/* osp-json.c — typed access to JSON members of untrusted files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

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

gboolean
osp_json_get_transform (JsonNode    *node,
                        float       *out_matrix,
                        const char  *where,
                        const char  *key,
                        GError     **error)
{
  const float *m = out_matrix;
  double det;

  if (!osp_json_get_floats (node, out_matrix, 16, where, key, error))
    return FALSE;
  /* The determinant of the upper-left 3 × 3 (column major: m[col * 4 + row]). */
  det = (double) m[0] * ((double) m[5] * m[10] - (double) m[9] * m[6]) -
        (double) m[4] * ((double) m[1] * m[10] - (double) m[9] * m[2]) +
        (double) m[8] * ((double) m[1] * m[6] - (double) m[5] * m[2]);
  /* A rigid move has |det| = 1; mirrors −1; scalings of a model stay far inside these. */
  if (!isfinite (det) || fabs (det) < 1e-9 || fabs (det) > 1e9)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: “%s” is not a usable placement: it flattens the model or scales it "
                     "beyond reason"), where, key);
      return FALSE;
    }
  return TRUE;
}

gboolean
osp_json_check_depth (const char  *text,
                      gssize       len,
                      guint        max_depth,
                      const char  *where,
                      GError     **error)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  gboolean in_string = FALSE;
  guint depth = 0;

  g_return_val_if_fail (text != NULL || n == 0, FALSE);

  for (gsize i = 0; i < n; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;  /* the escaped character, whatever it is */
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: the data nest more than %u levels deep, far more than any "
                             "plan has: the file is damaged or not a plan"), where, max_depth);
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

gboolean
osp_json_parse (JsonParser  *parser,
                const char  *text,
                gsize        len,
                const char  *where,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  if (!g_utf8_validate (text, (gssize) len, NULL))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: not valid JSON: the text is not UTF-8"), where);
      return FALSE;
    }
  if (!osp_json_check_depth (text, (gssize) len, OSP_JSON_MAX_DEPTH, where, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local_error))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: not valid JSON: %s"), where,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}
