/* osp-patient.c — who a CT belongs to
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "osp-error.h"
#include "osp-patient.h"

#define FIELD_MAX 4096

/* The fields in order, with their JSON names. */
static const struct
{
  const char *key;
  gsize       offset;
} fields[] = {
  { "name", G_STRUCT_OFFSET (OspPatient, name) },
  { "id", G_STRUCT_OFFSET (OspPatient, id) },
  { "birth-date", G_STRUCT_OFFSET (OspPatient, birth_date) },
  { "sex", G_STRUCT_OFFSET (OspPatient, sex) },
  { "study-date", G_STRUCT_OFFSET (OspPatient, study_date) },
  { "study-description", G_STRUCT_OFFSET (OspPatient, study_description) },
  { "series-description", G_STRUCT_OFFSET (OspPatient, series_description) },
};

#define FIELD(patient, f) G_STRUCT_MEMBER (char *, (patient), fields[f].offset)

OspPatient *
osp_patient_new (void)
{
  OspPatient *patient = g_new0 (OspPatient, 1);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    FIELD (patient, f) = g_strdup ("");
  return patient;
}

OspPatient *
osp_patient_copy (const OspPatient *patient)
{
  OspPatient *copy;

  g_return_val_if_fail (patient != NULL, NULL);

  copy = g_new0 (OspPatient, 1);
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      const char *value = FIELD ((OspPatient *) patient, f);

      FIELD (copy, f) = g_strdup (value != NULL ? value : "");
    }
  return copy;
}

void
osp_patient_free (OspPatient *patient)
{
  if (patient == NULL)
    return;
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    g_free (FIELD (patient, f));
  g_free (patient);
}

static gboolean
is_set (const char *value)
{
  if (value == NULL)
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isspace (*p) && *p != '^')
      return TRUE;
  return FALSE;
}

gboolean
osp_patient_is_anonymous (const OspPatient *patient)
{
  g_return_val_if_fail (patient != NULL, TRUE);

  return !is_set (patient->name) && !is_set (patient->id) && !is_set (patient->birth_date);
}

gboolean
osp_patient_is_empty (const OspPatient *patient)
{
  g_return_val_if_fail (patient != NULL, TRUE);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    if (is_set (FIELD ((OspPatient *) patient, f)))
      return FALSE;
  return TRUE;
}

/* Case-folded, components split at ^ and spaces, joined by single spaces, empty ones
 * dropped: "DOE^JOHN^^^" and "Doe John" compare equal. */
static char *
normalise_name (const char *name)
{
  g_autofree char *folded = g_utf8_casefold (name, -1);
  g_auto(GStrv) parts = NULL;
  GString *out = g_string_new (NULL);

  for (char *p = folded; *p != '\0'; p++)
    if (*p == '^' || *p == ',' || g_ascii_isspace (*p))
      *p = ' ';
  parts = g_strsplit (folded, " ", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      {
        if (out->len > 0)
          g_string_append_c (out, ' ');
        g_string_append (out, parts[i]);
      }
  return g_string_free (out, FALSE);
}

/* Trimmed, case-folded, leading zeros dropped. */
static char *
normalise_id (const char *id)
{
  g_autofree char *copy = g_strstrip (g_utf8_casefold (id, -1));
  const char *p = copy;

  while (p[0] == '0' && p[1] != '\0')
    p++;
  return g_strdup (p);
}

/* Digits only ("1970-01-31" and "19700131" agree). */
static char *
normalise_date (const char *date)
{
  GString *out = g_string_new (NULL);

  for (const char *p = date; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static gboolean
differ (const char *a,
        const char *b,
        char     *(*normalise) (const char *))
{
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (!is_set (a) || !is_set (b))
    return FALSE;
  na = normalise (a);
  nb = normalise (b);
  return na[0] != '\0' && nb[0] != '\0' && strcmp (na, nb) != 0;
}

gboolean
osp_patient_same (const OspPatient *a,
                  const OspPatient *b)
{
  if (a == NULL || b == NULL || osp_patient_is_anonymous (a) || osp_patient_is_anonymous (b))
    return TRUE;
  return !differ (a->id, b->id, normalise_id) &&
         !differ (a->name, b->name, normalise_name) &&
         !differ (a->birth_date, b->birth_date, normalise_date);
}

char *
osp_patient_format_name (const OspPatient *patient)
{
  g_auto(GStrv) parts = NULL;
  GString *out;
  /* DICOM PN: family^given^middle^prefix^suffix → "prefix given middle family suffix". */
  static const guint order[] = { 3, 1, 2, 0, 4 };
  guint n;

  g_return_val_if_fail (patient != NULL, NULL);

  if (patient->name == NULL || strchr (patient->name, '^') == NULL)
    return g_strstrip (g_strdup (patient->name != NULL ? patient->name : ""));
  /* Only the alphabetic group (before any "=" ideographic / phonetic groups). */
  {
    g_autofree char *alpha = g_strndup (patient->name, strcspn (patient->name, "="));

    parts = g_strsplit (alpha, "^", 5);
  }
  n = g_strv_length (parts);
  out = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      if (order[i] >= n)
        continue;
      g_strstrip (parts[order[i]]);
      if (parts[order[i]][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, parts[order[i]]);
    }
  return g_string_free (out, FALSE);
}

char *
osp_patient_format_date (const char *dicom_date)
{
  if (dicom_date == NULL)
    return g_strdup ("");
  if (strlen (dicom_date) == 8)
    {
      for (guint i = 0; i < 8; i++)
        if (!g_ascii_isdigit (dicom_date[i]))
          return g_strdup (dicom_date);
      return g_strdup_printf ("%.4s-%.2s-%.2s", dicom_date, dicom_date + 4, dicom_date + 6);
    }
  return g_strdup (dicom_date);
}

JsonObject *
osp_patient_to_json (const OspPatient *patient)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (patient != NULL, object);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      const char *value = FIELD ((OspPatient *) patient, f);

      if (value != NULL && value[0] != '\0')
        json_object_set_string_member (object, fields[f].key, value);
    }
  return object;
}

OspPatient *
osp_patient_from_json (JsonObject  *object,
                       const char  *where,
                       GError     **error)
{
  g_autoptr(OspPatient) patient = osp_patient_new ();

  g_return_val_if_fail (object != NULL, NULL);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      JsonNode *node = json_object_get_member (object, fields[f].key);
      const char *value;

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the patient's “%s” has the wrong type"), where, fields[f].key);
          return NULL;
        }
      value = json_node_get_string (node);
      if (strlen (value) > FIELD_MAX || !g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the patient's “%s” is not a valid text"), where, fields[f].key);
          return NULL;
        }
      g_free (FIELD (patient, f));
      FIELD (patient, f) = g_strdup (value);
    }
  return g_steal_pointer (&patient);
}

char **
osp_patient_to_3mf_metadata (const OspPatient *patient)
{
  static const char *const names[] = {
    "osteoplan:PatientName", "osteoplan:PatientID", "osteoplan:PatientBirthDate",
    "osteoplan:PatientSex", "osteoplan:StudyDate", "osteoplan:StudyDescription",
    "osteoplan:SeriesDescription",
  };
  GPtrArray *out;
  g_autofree char *name = NULL;
  g_autofree char *birth = NULL;
  g_autofree char *study = NULL;
  GString *title, *description;

  if (patient == NULL || osp_patient_is_anonymous (patient))
    return NULL;
  out = g_ptr_array_new ();
  /* Not translated: the file is read by other people's software. */
  name = osp_patient_format_name (patient);
  title = g_string_new (name);
  if (is_set (patient->id))
    g_string_append_printf (title, "%sID %s", title->len > 0 ? ", " : "", patient->id);
  g_ptr_array_add (out, g_strdup ("Title"));
  g_ptr_array_add (out, g_string_free (title, FALSE));
  birth = osp_patient_format_date (patient->birth_date);
  study = osp_patient_format_date (patient->study_date);
  description = g_string_new (NULL);
  if (birth[0] != '\0')
    g_string_append_printf (description, "born %s", birth);
  if (is_set (patient->sex))
    g_string_append_printf (description, "%ssex %s", description->len > 0 ? "; " : "",
                            patient->sex);
  if (study[0] != '\0' || is_set (patient->study_description))
    g_string_append_printf (description, "%sstudy %s%s%s", description->len > 0 ? "; " : "",
                            study, study[0] != '\0' && is_set (patient->study_description) ?
                            " " : "", patient->study_description);
  if (is_set (patient->series_description))
    g_string_append_printf (description, "%sseries %s", description->len > 0 ? "; " : "",
                            patient->series_description);
  if (description->len > 0)
    {
      g_ptr_array_add (out, g_strdup ("Description"));
      g_ptr_array_add (out, g_string_free (description, FALSE));
    }
  else
    g_string_free (description, TRUE);
  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      const char *value = FIELD ((OspPatient *) patient, f);

      if (!is_set (value))
        continue;
      g_ptr_array_add (out, g_strdup (names[f]));
      g_ptr_array_add (out, g_strdup (value));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}
