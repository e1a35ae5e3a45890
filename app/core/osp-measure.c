/* osp-measure.c — measurements: geometry, the plan's list, commands, CSV
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-atomic-file.h"
#include "osp-error.h"
#include "osp-json.h"
#include "osp-measure.h"
#include "osp-plan-private.h"

#define LIST_KEY "osp-measurements"

/* -- Geometry ------------------------------------------------------------------------------- */

double
osp_measure_distance (const float a[3],
                      const float b[3])
{
  double s = 0;

  g_return_val_if_fail (a != NULL && b != NULL, 0);

  for (int k = 0; k < 3; k++)
    s += ((double) b[k] - a[k]) * ((double) b[k] - a[k]);
  return sqrt (s);
}

double
osp_measure_point_plane (const float     p[3],
                         const OspPlane *plane)
{
  double len = 0, dot = 0;

  g_return_val_if_fail (p != NULL && plane != NULL, 0);

  for (int k = 0; k < 3; k++)
    {
      len += (double) plane->normal[k] * plane->normal[k];
      dot += (double) plane->normal[k] * p[k];
    }
  len = sqrt (len);
  g_return_val_if_fail (len > 0, 0);
  return (dot - plane->d) / len;
}

static double
angle_between (const double u[3],
               const double v[3])
{
  double cross[3] = { u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2],
                      u[0] * v[1] - u[1] * v[0] };
  double dot = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];

  /* atan2 stays accurate near 0° and 180°, where acos loses digits. */
  return atan2 (sqrt (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]), dot) *
         180 / G_PI;
}

double
osp_measure_angle (const float a[3],
                   const float vertex[3],
                   const float c[3])
{
  double u[3], v[3];

  g_return_val_if_fail (a != NULL && vertex != NULL && c != NULL, 0);

  for (int k = 0; k < 3; k++)
    {
      u[k] = (double) a[k] - vertex[k];
      v[k] = (double) c[k] - vertex[k];
    }
  if ((u[0] == 0 && u[1] == 0 && u[2] == 0) || (v[0] == 0 && v[1] == 0 && v[2] == 0))
    return 0;
  return angle_between (u, v);
}

double
osp_measure_plane_angle (const OspPlane *p,
                         const OspPlane *q)
{
  double u[3], v[3], a;

  g_return_val_if_fail (p != NULL && q != NULL, 0);

  for (int k = 0; k < 3; k++)
    {
      u[k] = p->normal[k];
      v[k] = q->normal[k];
    }
  a = angle_between (u, v);
  return a > 90 ? 180 - a : a;
}

/* The mesh moved by `matrix` (a column-major 4 × 4), or the mesh itself when it is NULL. */
static OspMesh *
moved_mesh (const OspMesh *mesh,
            const float   *matrix)
{
  mat4 m;

  if (matrix == NULL)
    return osp_mesh_ref ((OspMesh *) mesh);
  memcpy (m, matrix, sizeof m);
  return osp_mesh_transform (mesh, m);
}

double
osp_measure_volume (const OspMesh *mesh,
                    const float   *matrix)
{
  g_autoptr(OspMesh) moved = NULL;

  g_return_val_if_fail (mesh != NULL, 0);

  moved = moved_mesh (mesh, matrix);
  return osp_mesh_get_volume (moved);
}

double
osp_measure_area (const OspMesh *mesh,
                  const float   *matrix)
{
  g_autoptr(OspMesh) moved = NULL;

  g_return_val_if_fail (mesh != NULL, 0);

  moved = moved_mesh (mesh, matrix);
  return osp_mesh_get_area (moved);
}

/* -- Measurements --------------------------------------------------------------------------- */

static const struct
{
  const char *name;
  guint       n_refs;
  const char *unit;
} kinds[] = {
  { "distance", 2, "mm" },
  { "point-plane", 2, "mm" },
  { "angle", 3, "°" },
  { "plane-angle", 2, "°" },
  { "volume", 1, "mm³" },
  { "area", 1, "mm²" },
};

const char *
osp_measure_kind_to_string (OspMeasureKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kinds), NULL);
  return kinds[kind].name;
}

gboolean
osp_measure_kind_from_string (const char     *text,
                              OspMeasureKind *out_kind)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (text, kinds[i].name) == 0)
      {
        *out_kind = (OspMeasureKind) i;
        return TRUE;
      }
  return FALSE;
}

guint
osp_measure_kind_n_refs (OspMeasureKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kinds), 0);
  return kinds[kind].n_refs;
}

const char *
osp_measure_kind_unit (OspMeasureKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kinds), "");
  return kinds[kind].unit;
}

OspMeasurement *
osp_measurement_new (const char     *name,
                     OspMeasureKind  kind,
                     const char     *ref0,
                     const char     *ref1,
                     const char     *ref2)
{
  OspMeasurement *m;
  const char *refs[3] = { ref0, ref1, ref2 };

  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kinds), NULL);

  m = g_new0 (OspMeasurement, 1);
  m->name = g_strdup (name);
  m->kind = kind;
  for (guint i = 0; i < kinds[kind].n_refs; i++)
    m->refs[i] = g_strdup (refs[i]);
  return m;
}

OspMeasurement *
osp_measurement_copy (const OspMeasurement *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  return osp_measurement_new (m->name, m->kind, m->refs[0], m->refs[1], m->refs[2]);
}

void
osp_measurement_free (OspMeasurement *m)
{
  if (m == NULL)
    return;
  g_free (m->name);
  for (guint i = 0; i < 3; i++)
    g_free (m->refs[i]);
  g_free (m);
}

static GPtrArray *
get_list (OspPlan *plan,
          gboolean create)
{
  GPtrArray *list = g_object_get_data (G_OBJECT (plan), LIST_KEY);

  if (list == NULL && create)
    {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_measurement_free);
      g_object_set_data_full (G_OBJECT (plan), LIST_KEY, list,
                              (GDestroyNotify) g_ptr_array_unref);
    }
  return list;
}

guint
osp_measure_get_n (OspPlan *plan)
{
  GPtrArray *list;

  g_return_val_if_fail (OSP_IS_PLAN (plan), 0);
  list = get_list (plan, FALSE);
  return list != NULL ? list->len : 0;
}

const OspMeasurement *
osp_measure_get (OspPlan *plan,
                 guint    index)
{
  g_return_val_if_fail (index < osp_measure_get_n (plan), NULL);
  return get_list (plan, FALSE)->pdata[index];
}

int
osp_measure_find (OspPlan    *plan,
                  const char *name)
{
  g_return_val_if_fail (OSP_IS_PLAN (plan), -1);

  for (guint i = 0; i < osp_measure_get_n (plan); i++)
    if (g_strcmp0 (osp_measure_get (plan, i)->name, name) == 0)
      return (int) i;
  return -1;
}

static gboolean
landmark (OspPlan              *plan,
          const OspMeasurement *m,
          guint                 i,
          float                 out[3],
          GError              **error)
{
  int index = osp_plan_find_landmark (plan, m->refs[i]);

  if (index < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Measurement “%s”: there is no landmark “%s”"), m->name,
                   m->refs[i] != NULL ? m->refs[i] : "");
      return FALSE;
    }
  osp_plan_get_landmark (plan, (guint) index, out);
  return TRUE;
}

static gboolean
plane (OspPlan              *plan,
       const OspMeasurement *m,
       guint                 i,
       OspPlane             *out,
       GError              **error)
{
  int index = osp_plan_find_plane (plan, m->refs[i]);

  if (index < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("Measurement “%s”: there is no plane “%s”"), m->name,
                   m->refs[i] != NULL ? m->refs[i] : "");
      return FALSE;
    }
  osp_plan_get_plane (plan, (guint) index, out);
  return TRUE;
}

gboolean
osp_measure_evaluate (OspPlan              *plan,
                      const OspMeasurement *m,
                      double               *out_value,
                      GError              **error)
{
  float a[3], b[3], c[3];
  OspPlane p, q;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (m != NULL && out_value != NULL, FALSE);

  switch (m->kind)
    {
    case OSP_MEASURE_DISTANCE:
      if (!landmark (plan, m, 0, a, error) || !landmark (plan, m, 1, b, error))
        return FALSE;
      *out_value = osp_measure_distance (a, b);
      return TRUE;
    case OSP_MEASURE_POINT_PLANE:
      if (!landmark (plan, m, 0, a, error) || !plane (plan, m, 1, &p, error))
        return FALSE;
      *out_value = osp_measure_point_plane (a, &p);
      return TRUE;
    case OSP_MEASURE_ANGLE:
      if (!landmark (plan, m, 0, a, error) || !landmark (plan, m, 1, b, error) ||
          !landmark (plan, m, 2, c, error))
        return FALSE;
      *out_value = osp_measure_angle (a, b, c);
      return TRUE;
    case OSP_MEASURE_PLANE_ANGLE:
      if (!plane (plan, m, 0, &p, error) || !plane (plan, m, 1, &q, error))
        return FALSE;
      *out_value = osp_measure_plane_angle (&p, &q);
      return TRUE;
    case OSP_MEASURE_VOLUME:
    case OSP_MEASURE_AREA:
      {
        OspModel *model = osp_plan_find_model (plan, m->refs[0]);
        float matrix[16];

        if (model == NULL)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                         _("Measurement “%s”: there is no model “%s”"), m->name,
                         m->refs[0] != NULL ? m->refs[0] : "");
            return FALSE;
          }
        osp_model_get_transform (model, matrix);
        *out_value = m->kind == OSP_MEASURE_VOLUME ?
          osp_measure_volume (osp_model_get_mesh (model), matrix) :
          osp_measure_area (osp_model_get_mesh (model), matrix);
        return TRUE;
      }
    }
  g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("Measurement “%s”: unknown kind"),
               m->name);
  return FALSE;
}

/* -- Commands ------------------------------------------------------------------------------- */

typedef struct
{
  OspMeasurement *measurement;  /* add: the new one; delete: the removed one (captured) */
  char           *name;
  gboolean        add;
  guint           index;
} Change;

static void
change_free (gpointer data)
{
  Change *c = data;

  osp_measurement_free (c->measurement);
  g_free (c->name);
  g_free (c);
}

static gboolean
change_apply (gpointer   data,
              OspPlan   *plan,
              GError   **error)
{
  Change *c = data;
  GPtrArray *list = get_list (plan, TRUE);

  if (c->add)
    {
      double value;

      if (osp_measure_find (plan, c->measurement->name) >= 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("A measurement named “%s” exists already"), c->measurement->name);
          return FALSE;
        }
      if (!osp_measure_evaluate (plan, c->measurement, &value, error))
        return FALSE;
      c->index = list->len;
      g_ptr_array_add (list, osp_measurement_copy (c->measurement));
    }
  else
    {
      int index = osp_measure_find (plan, c->name);

      if (index < 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("There is no measurement “%s”"),
                       c->name);
          return FALSE;
        }
      c->index = (guint) index;
      osp_measurement_free (c->measurement);
      c->measurement = g_ptr_array_steal_index (list, c->index);
    }
  return TRUE;
}

static void
change_revert (gpointer  data,
               OspPlan  *plan)
{
  Change *c = data;
  GPtrArray *list = get_list (plan, TRUE);

  if (c->add)
    g_ptr_array_remove_index (list, c->index);
  else
    g_ptr_array_insert (list, (int) c->index, osp_measurement_copy (c->measurement));
}

static JsonObject *measurement_to_json (const OspMeasurement *m);

static JsonObject *
change_record (gpointer data)
{
  Change *c = data;
  JsonObject *op;

  if (c->add)
    {
      op = measurement_to_json (c->measurement);
      json_object_set_string_member (op, "op", "add-measurement");
    }
  else
    {
      op = json_object_new ();
      json_object_set_string_member (op, "op", "delete-measurement");
      json_object_set_string_member (op, "name", c->name);
    }
  return op;
}

static const OspCommandCustom change_custom = { change_apply, change_revert, change_record,
                                                NULL };

OspCommand *
osp_measure_command_new_add (const OspMeasurement *measurement)
{
  Change *c;
  g_autofree char *label = NULL;

  g_return_val_if_fail (measurement != NULL, NULL);

  c = g_new0 (Change, 1);
  c->measurement = osp_measurement_copy (measurement);
  c->add = TRUE;
  label = g_strdup_printf (_("Add Measurement %s"), measurement->name);
  return osp_command_new_custom (label, &change_custom, c, change_free);
}

OspCommand *
osp_measure_command_new_delete (const char *name)
{
  Change *c;
  g_autofree char *label = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  c = g_new0 (Change, 1);
  c->name = g_strdup (name);
  label = g_strdup_printf (_("Delete Measurement %s"), name);
  return osp_command_new_custom (label, &change_custom, c, change_free);
}

/* -- CSV ------------------------------------------------------------------------------------ */

static void
csv_field (GString    *out,
           const char *text)
{
  if (strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, text);
}

char *
osp_measure_to_csv (OspPlan *plan)
{
  GString *out = g_string_new ("name,kind,references,value,unit,x,y,z\r\n");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (OSP_IS_PLAN (plan), NULL);

  for (guint i = 0; i < osp_plan_get_n_landmarks (plan); i++)
    {
      float p[3];

      osp_plan_get_landmark (plan, i, p);
      csv_field (out, osp_plan_get_landmark_name (plan, i));
      g_string_append (out, ",landmark,,,mm");
      for (int k = 0; k < 3; k++)
        {
          g_string_append_c (out, ',');
          g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.3f", p[k]));
        }
      g_string_append (out, "\r\n");
    }
  for (guint i = 0; i < osp_measure_get_n (plan); i++)
    {
      const OspMeasurement *m = osp_measure_get (plan, i);
      g_autofree char *refs = NULL;
      double value;
      guint n = osp_measure_kind_n_refs (m->kind);
      const char *parts[4] = { NULL };

      for (guint k = 0; k < n; k++)
        parts[k] = m->refs[k] != NULL ? m->refs[k] : "";
      refs = g_strjoinv (";", (char **) parts);
      csv_field (out, m->name);
      g_string_append_c (out, ',');
      g_string_append (out, osp_measure_kind_to_string (m->kind));
      g_string_append_c (out, ',');
      csv_field (out, refs);
      g_string_append_c (out, ',');
      if (osp_measure_evaluate (plan, m, &value, NULL))
        g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.3f", value));
      g_string_append_c (out, ',');
      g_string_append (out, osp_measure_kind_unit (m->kind));
      g_string_append (out, ",,,\r\n");
    }
  return g_string_free (out, FALSE);
}

gboolean
osp_measure_export_csv (OspPlan     *plan,
                        const char  *path,
                        GError     **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  text = osp_measure_to_csv (plan);
  return osp_atomic_write_contents (path, text, strlen (text), error);
}

/* -- JSON ----------------------------------------------------------------------------------- */

static JsonObject *
measurement_to_json (const OspMeasurement *m)
{
  JsonObject *o = json_object_new ();
  JsonArray *refs = json_array_new ();

  json_object_set_string_member (o, "name", m->name);
  json_object_set_string_member (o, "kind", osp_measure_kind_to_string (m->kind));
  for (guint k = 0; k < osp_measure_kind_n_refs (m->kind); k++)
    json_array_add_string_element (refs, m->refs[k] != NULL ? m->refs[k] : "");
  json_object_set_array_member (o, "refs", refs);
  return o;
}

JsonArray *
osp_measure_list_to_json (OspPlan *plan)
{
  JsonArray *array = json_array_new ();

  g_return_val_if_fail (OSP_IS_PLAN (plan), array);

  for (guint i = 0; i < osp_measure_get_n (plan); i++)
    json_array_add_object_element (array, measurement_to_json (osp_measure_get (plan, i)));
  return array;
}

gboolean
osp_measure_list_from_json (OspPlan     *plan,
                            JsonArray   *array,
                            const char  *where,
                            GError     **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                              osp_measurement_free);
  GPtrArray *target;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (array != NULL && where != NULL, FALSE);

  if (json_array_get_length (array) > 100000)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: too many measurements"), where);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i), *node;
      JsonObject *o;
      OspMeasurement *m;
      OspMeasureKind kind;
      const char *refs[3] = { NULL };
      JsonArray *ra;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a measurement is not an object"), where);
          return FALSE;
        }
      o = json_node_get_object (element);
      if (!osp_json_get_member (o, "name", G_TYPE_STRING, TRUE, &node, where, error))
        return FALSE;
      if (json_node_get_string (node)[0] == '\0')
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a measurement has an empty name"), where);
          return FALSE;
        }
      m = g_new0 (OspMeasurement, 1);
      m->name = g_strdup (json_node_get_string (node));
      g_ptr_array_add (list, m);
      if (!osp_json_get_member (o, "kind", G_TYPE_STRING, TRUE, &node, where, error))
        return FALSE;
      if (!osp_measure_kind_from_string (json_node_get_string (node), &kind))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: measurement “%s” has an unknown kind"), where, m->name);
          return FALSE;
        }
      m->kind = kind;
      if (!osp_json_get_member (o, "refs", JSON_TYPE_ARRAY, TRUE, &node, where, error))
        return FALSE;
      ra = json_node_get_array (node);
      if (json_array_get_length (ra) != osp_measure_kind_n_refs (kind))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: measurement “%s” has a wrong number of references"), where,
                       m->name);
          return FALSE;
        }
      for (guint k = 0; k < json_array_get_length (ra); k++)
        {
          JsonNode *r = json_array_get_element (ra, k);

          if (!JSON_NODE_HOLDS_VALUE (r) || json_node_get_value_type (r) != G_TYPE_STRING)
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: measurement “%s” has a reference that is not a name"), where,
                           m->name);
              return FALSE;
            }
          refs[k] = json_node_get_string (r);
          m->refs[k] = g_strdup (refs[k]);
        }
      for (guint j = 0; j + 1 < list->len; j++)
        if (strcmp (((OspMeasurement *) list->pdata[j])->name, m->name) == 0)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                         _("%s: measurement “%s” twice"), where, m->name);
            return FALSE;
          }
    }

  target = get_list (plan, TRUE);
  g_ptr_array_set_size (target, 0);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (target, g_steal_pointer (&list->pdata[i]));
  return TRUE;
}

/* -- Replay ---------------------------------------------------------------------------------- */

gboolean
osp_measure_run_operation (OspPlan     *plan,
                           JsonObject  *operation,
                           GError     **error)
{
  g_autoptr(OspCommand) command = NULL;
  JsonNode *node;
  const char *kind;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (operation != NULL, FALSE);

  if (!osp_json_get_member (operation, "op", G_TYPE_STRING, TRUE, &node, "measurement", error))
    return FALSE;
  kind = json_node_get_string (node);
  if (strcmp (kind, "delete-measurement") == 0)
    {
      if (!osp_json_get_member (operation, "name", G_TYPE_STRING, TRUE, &node, kind, error))
        return FALSE;
      command = osp_measure_command_new_delete (json_node_get_string (node));
    }
  else
    {
      g_autoptr(JsonArray) one = json_array_new ();
      g_autoptr(OspPlan) scratch = osp_plan_new ();

      /* The same checks as the plan file: parse into a scratch plan, then add. */
      json_array_add_object_element (one, json_object_ref (operation));
      if (!osp_measure_list_from_json (scratch, one, kind, error))
        return FALSE;
      command = osp_measure_command_new_add (osp_measure_get (scratch, 0));
    }
  return osp_plan_execute (plan, command, error);
}

/* -- What to draw ----------------------------------------------------------------------------- */

static void
primitive_free (gpointer data)
{
  OspMeasurePrimitive *p = data;

  g_free (p->label);
  g_free (p);
}

static void
add_primitive (GPtrArray               *out,
               OspMeasurePrimitiveKind  kind,
               const float             *a,
               const float             *b,
               char                    *label)
{
  OspMeasurePrimitive *p = g_new0 (OspMeasurePrimitive, 1);

  p->kind = kind;
  memcpy (p->a, a, sizeof p->a);
  if (b != NULL)
    memcpy (p->b, b, sizeof p->b);
  p->label = label;
  g_ptr_array_add (out, p);
}

static gboolean
landmark_position (OspPlan    *plan,
                   const char *name,
                   float      *out)
{
  int index = name != NULL ? osp_plan_find_landmark (plan, name) : -1;

  if (index < 0)
    return FALSE;
  osp_plan_get_landmark (plan, (guint) index, out);
  return TRUE;
}

GPtrArray *
osp_measure_get_primitives (OspPlan *plan)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (primitive_free);

  g_return_val_if_fail (OSP_IS_PLAN (plan), out);

  for (guint i = 0; i < osp_plan_get_n_landmarks (plan); i++)
    {
      float p[3];

      osp_plan_get_landmark (plan, i, p);
      add_primitive (out, OSP_MEASURE_PRIMITIVE_MARKER, p, NULL,
                     g_strdup (osp_plan_get_landmark_name (plan, i)));
    }
  for (guint i = 0; i < osp_measure_get_n (plan); i++)
    {
      const OspMeasurement *m = osp_measure_get (plan, i);
      float a[3], b[3], c[3];
      double value;
      char *label;

      if (!osp_measure_evaluate (plan, m, &value, NULL))
        continue;
      /* "Leg 42.3 mm", "Cup 37.5°": no space before a degree sign. */
      label = g_strdup_printf ("%s %.1f%s%s", m->name, value,
                               g_str_has_prefix (osp_measure_kind_unit (m->kind), "°") ? "" : " ",
                               osp_measure_kind_unit (m->kind));
      switch (m->kind)
        {
        case OSP_MEASURE_DISTANCE:
          if (landmark_position (plan, m->refs[0], a) && landmark_position (plan, m->refs[1], b))
            {
              add_primitive (out, OSP_MEASURE_PRIMITIVE_SEGMENT, a, b, label);
              label = NULL;
            }
          break;
        case OSP_MEASURE_ANGLE:
          if (landmark_position (plan, m->refs[0], a) && landmark_position (plan, m->refs[1], b) &&
              landmark_position (plan, m->refs[2], c))
            {
              add_primitive (out, OSP_MEASURE_PRIMITIVE_SEGMENT, b, a, label);
              add_primitive (out, OSP_MEASURE_PRIMITIVE_SEGMENT, b, c, NULL);
              label = NULL;
            }
          break;
        case OSP_MEASURE_POINT_PLANE:
          {
            int index = osp_plan_find_plane (plan, m->refs[1]);

            if (landmark_position (plan, m->refs[0], a) && index >= 0)
              {
                OspPlane plane;
                double d;

                osp_plan_get_plane (plan, (guint) index, &plane);
                d = plane.normal[0] * a[0] + plane.normal[1] * a[1] + plane.normal[2] * a[2] -
                    plane.d;
                for (int k = 0; k < 3; k++)
                  b[k] = (float) (a[k] - d * plane.normal[k]);
                add_primitive (out, OSP_MEASURE_PRIMITIVE_SEGMENT, a, b, label);
                label = NULL;
              }
          }
          break;
        case OSP_MEASURE_PLANE_ANGLE:
        case OSP_MEASURE_VOLUME:
        case OSP_MEASURE_AREA:
        default:
          break;
        }
      g_free (label);
    }
  return out;
}
