/* osp-patient.h — who a CT (and so a case) belongs to
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The identifying fields DICOM gives (and what a NIfTI can say: its description as the series
 * description).  Every field is a UTF-8 string, never NULL ("" when unknown); dates are DICOM's
 * "YYYYMMDD" as read.  A patient is personal data: never log it (no g_message/g_debug of any
 * field); show it only in the case header and the CT item, save it in the plan, write it into
 * exports' metadata where the format allows, and strip it from anonymised copies.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _OspPatient OspPatient;

struct _OspPatient
{
  char *name;                /* DICOM PN, as read ("DOE^JOHN") */
  char *id;                  /* PatientID */
  char *birth_date;          /* YYYYMMDD */
  char *sex;                 /* "M", "F", "O" or "" */
  char *study_date;          /* YYYYMMDD */
  char *study_description;
  char *series_description;
};

/* All fields "". */
OspPatient *osp_patient_new            (void);
OspPatient *osp_patient_copy           (const OspPatient *patient);
void        osp_patient_free           (OspPatient       *patient);

/* TRUE when no identifying field (name, ID, birth date) is set. */
gboolean    osp_patient_is_anonymous   (const OspPatient *patient);
/* TRUE when every field is "". */
gboolean    osp_patient_is_empty       (const OspPatient *patient);

/* Whether two CTs may belong to the same case: FALSE only when both say who they are and
 * they disagree on the ID, the name or the birth date, compared after normalising (case,
 * spaces, DICOM's ^ separators and trailing empty components, leading zeros of IDs ignored).
 * A side that does not say (anonymous, NULL) never differs. */
gboolean    osp_patient_same           (const OspPatient *a,
                                        const OspPatient *b);

/* "John Doe" from "DOE^JOHN"-like DICOM names (family^given^middle^prefix^suffix), for the
 * case header.  Free with g_free. */
char       *osp_patient_format_name    (const OspPatient *patient);
/* "1970-01-31" from "19700131" (else the text as it is).  Free with g_free. */
char       *osp_patient_format_date    (const char       *dicom_date);

/* 3MF metadata for exports (osp_export_full()): Title (the patient's name and ID),
 * Description (birth date, sex, study, series) and "osteoplan:PatientName", …ID, …BirthDate,
 * …Sex, …StudyDate, …StudyDescription, …SeriesDescription for the non-empty fields; a
 * NULL-terminated list of name, value pairs (g_strfreev).  NULL when the patient is NULL or
 * anonymous. */
char      **osp_patient_to_3mf_metadata (const OspPatient *patient);

/* {"name": …, "id": …, "birth-date": …, "sex": …, "study-date": …, "study-description": …,
 * "series-description": …} (only the non-empty fields). */
JsonObject *osp_patient_to_json        (const OspPatient *patient);
/* Reads what to_json wrote; unknown members are ignored, a member of the wrong type or over
 * 4096 bytes fails naming `where`. */
OspPatient *osp_patient_from_json      (JsonObject       *object,
                                        const char       *where,
                                        GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspPatient, osp_patient_free)

G_END_DECLS
