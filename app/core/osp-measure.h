/* osp-measure.h — measurements: distances, angles, volumes and areas, kept in the plan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The geometry is plain functions.  A plan keeps named measurements that refer to its
 * landmarks, planes and models by name, so a measurement follows a moved landmark: its value
 * is computed when asked (osp_measure_evaluate()).  Adding and deleting one are undoable
 * commands; they are saved in plan.json ("measurements") and exported as CSV.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-plan.h"

G_BEGIN_DECLS

/* -- Geometry ------------------------------------------------------------------------------- */

/* |b − a| in mm. */
double        osp_measure_distance        (const float     a[3],
                                           const float     b[3]);
/* The signed distance of p to the plane (positive on the side the normal points to); the
 * normal need not be unit but must not be zero. */
double        osp_measure_point_plane     (const float     p[3],
                                           const OspPlane *plane);
/* The angle at `vertex` between the rays to a and c, degrees 0–180; 0 when a point
 * coincides with the vertex. */
double        osp_measure_angle           (const float     a[3],
                                           const float     vertex[3],
                                           const float     c[3]);
/* The angle between two planes, degrees 0–90 (between their normals, folded). */
double        osp_measure_plane_angle     (const OspPlane *p,
                                           const OspPlane *q);
/* Volume (mm³, the divergence theorem) and area (mm²) of a mesh under a transform (NULL:
 * identity; a scale changes them, a rigid motion does not). */
double        osp_measure_volume          (const OspMesh  *mesh,
                                           const float    *matrix);
double        osp_measure_area            (const OspMesh  *mesh,
                                           const float    *matrix);

/* -- Measurements kept in a plan ------------------------------------------------------------ */

typedef enum
{
  OSP_MEASURE_DISTANCE,     /* refs: landmark, landmark          mm  */
  OSP_MEASURE_POINT_PLANE,  /* refs: landmark, plane             mm (signed) */
  OSP_MEASURE_ANGLE,        /* refs: landmark, vertex landmark, landmark   ° */
  OSP_MEASURE_PLANE_ANGLE,  /* refs: plane, plane                ° */
  OSP_MEASURE_VOLUME,       /* refs: model                       mm³ */
  OSP_MEASURE_AREA,         /* refs: model                       mm² */
} OspMeasureKind;

typedef struct
{
  char           *name;
  OspMeasureKind  kind;
  char           *refs[3];  /* as many as the kind takes, the rest NULL */
} OspMeasurement;

/* "distance", "point-plane", "angle", "plane-angle", "volume", "area" and back. */
const char     *osp_measure_kind_to_string   (OspMeasureKind        kind);
gboolean        osp_measure_kind_from_string (const char           *text,
                                              OspMeasureKind       *out_kind);
/* How many references a kind takes, and its unit ("mm", "°", "mm³", "mm²"). */
guint           osp_measure_kind_n_refs      (OspMeasureKind        kind);
const char     *osp_measure_kind_unit        (OspMeasureKind        kind);

OspMeasurement *osp_measurement_new          (const char           *name,
                                              OspMeasureKind        kind,
                                              const char           *ref0,
                                              const char           *ref1,
                                              const char           *ref2);
OspMeasurement *osp_measurement_copy         (const OspMeasurement *measurement);
void            osp_measurement_free         (OspMeasurement       *measurement);

/* The measurements of a plan, in order (owned by the plan). */
guint                 osp_measure_get_n      (OspPlan              *plan);
const OspMeasurement *osp_measure_get        (OspPlan              *plan,
                                              guint                 index);
int                   osp_measure_find       (OspPlan              *plan,
                                              const char           *name);

/* The value now (model volumes and areas with the model's transform).  FALSE with a message
 * naming the measurement when a reference is missing. */
gboolean        osp_measure_evaluate         (OspPlan              *plan,
                                              const OspMeasurement *measurement,
                                              double               *out_value,
                                              GError              **error);

/* What to draw of the landmarks and measurements, in world mm, for any view (3D, slices):
 * every landmark a marker; every distance a segment, every angle two segments from its vertex,
 * every point-to-plane distance a segment to the foot on the plane — each measurement with
 * its value as a label ("Leg 42.3 mm") at the middle of its first segment. */
typedef enum
{
  OSP_MEASURE_PRIMITIVE_MARKER,   /* a[3]: the landmark; label: its name */
  OSP_MEASURE_PRIMITIVE_SEGMENT,  /* a[3] → b[3]; label on the first segment of a measurement */
} OspMeasurePrimitiveKind;

typedef struct
{
  OspMeasurePrimitiveKind kind;
  float                   a[3];
  float                   b[3];
  char                   *label;  /* NULL on the following segments of a measurement */
} OspMeasurePrimitive;

/* The primitives (a GPtrArray of OspMeasurePrimitive, freeing them); measurements whose
 * references are missing are left out. */
GPtrArray      *osp_measure_get_primitives   (OspPlan              *plan);

/* Undoable: adding fails at execution when the name is taken or a reference is missing. */
OspCommand     *osp_measure_command_new_add    (const OspMeasurement *measurement);
OspCommand     *osp_measure_command_new_delete (const char           *name);

/* CSV (RFC 4180, UTF-8): a header, then every landmark (name, "landmark", x, y, z) and every
 * measurement (name, kind, references, value, unit); written atomically. */
char           *osp_measure_to_csv           (OspPlan              *plan);
gboolean        osp_measure_export_csv       (OspPlan              *plan,
                                              const char           *path,
                                              GError              **error);

/* For the plan file (osp-plan-file.c): the list as JSON, and back (replacing the plan's list,
 * no undo step). */
JsonArray      *osp_measure_list_to_json     (OspPlan              *plan);
gboolean        osp_measure_list_from_json   (OspPlan              *plan,
                                              JsonArray            *array,
                                              const char           *where,
                                              GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspMeasurement, osp_measurement_free)

G_END_DECLS
