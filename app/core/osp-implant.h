/* osp-implant.h — parametric implants, placing them, and screw trajectories
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An implant is a model (role OSP_MODEL_ROLE_IMPLANT) whose mesh is generated from an
 * OspImplantParams: the parameters stay with the model (osp_implant_get_params()), are saved in
 * plan.json as the model's "implant" object, and a change of parameters is an undoable command
 * that regenerates the mesh (osp_implant_command_new_set_params()).
 *
 * Every generated mesh is closed, consistently oriented and outward (positive volume), in the
 * implant's own frame (millimetres):
 *   screw  — axis +z: the underside of the head at the origin, the tip at z = length, the head
 *            in −head_height ≤ z ≤ 0 (so placing it at an entry point aiming along +z works);
 *   plate  — along +x from x = 0, width along y (centred), bone side z = 0, thickness up +z;
 *            a polyline plate is the straight one bent along the polyline (bone side on it);
 *   cup    — a hemispherical shell open towards +z, rim (and flange) at z = 0, centre at the
 *            origin;
 *   block  — world coordinates of the template it was made from.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osp-command.h"
#include "osp-mesh.h"
#include "osp-model.h"
#include "osp-plan.h"
#include "osp-progress.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_IMPLANT_SCREW,
  OSP_IMPLANT_PLATE,
  OSP_IMPLANT_CUP,
  OSP_IMPLANT_BLOCK,
  OSP_IMPLANT_CUSTOM,
} OspImplantKind;

/* Circle and arc resolution of generated meshes (segments per full turn). */
#define OSP_IMPLANT_SEGMENTS 64

typedef struct
{
  OspImplantKind kind;

  /* Screw (mm): thread (major) diameter, length from under the head to the tip, head; the
   * thread is drawn as ring ridges of `thread_pitch` (0: a smooth shaft) from a core of
   * core_diameter (0: 0.7 × diameter).  cancellous = TRUE only changes the defaults. */
  double   diameter;
  double   length;
  double   head_diameter;
  double   head_height;
  double   thread_pitch;
  double   core_diameter;
  gboolean cancellous;

  /* Plate (mm): width, thickness, n_holes through-holes of hole_diameter, spacing between
   * their centres (a plate without holes is `length` long); ends are half discs.  points (3 × n_points floats, world) and normals
   * (3 × n_points, the bone's outward normal at each point, may be NULL: +z) bend it. */
  double   width;
  double   thickness;
  guint    n_holes;
  double   hole_diameter;
  double   spacing;
  float   *points;
  float   *normals;
  guint    n_points;

  /* Cup (mm): outer diameter, wall thickness; flange_diameter > diameter adds a flat flange
   * ring of flange_thickness at the rim (0: none). */
  double   wall;
  double   flange_diameter;
  double   flange_thickness;

  /* Block: the template model's name (for the record and replay), the resection planes (the
   * part where n·x ≤ d for every plane is kept; none: the whole template), an offset of the
   * surface (mm, > 0 grows), and `thickness`: a wall that deep inside the offset surface
   * (0: solid).  With neither offset nor wall the clipped template is returned exactly;
   * otherwise it is re-extracted from a signed distance grid of step `voxel` (mm, default
   * 0.5), closed by construction, volumes within about 1 % at 0.5 mm. */
  char    *template_name;
  OspPlane planes[8];
  guint    n_planes;
  double   offset;
  double   voxel;

  /* Custom: the file it was read from. */
  char    *path;
} OspImplantParams;

/* Defaults for a kind: a 6.5 × 80 mm cancellous screw, a 4-hole 12 mm plate, a 54 mm cup… */
void              osp_implant_params_init      (OspImplantParams       *params,
                                                OspImplantKind          kind);
void              osp_implant_params_clear     (OspImplantParams       *params);
OspImplantParams *osp_implant_params_copy      (const OspImplantParams *params);
void              osp_implant_params_free      (OspImplantParams       *params);
/* "screw", "plate", "cup", "block", "custom" and back. */
const char       *osp_implant_kind_to_string   (OspImplantKind          kind);
gboolean          osp_implant_kind_from_string (const char             *text,
                                                OspImplantKind         *out_kind);
/* A translated one-line description ("Screw 6.5 × 80 mm"). Free with g_free. */
char             *osp_implant_params_describe  (const OspImplantParams *params);

/* The parameters as a JSON object (plan.json's "implant") and back; from_json fails with a
 * message naming `where` for missing, wrong or out-of-range values. */
JsonObject       *osp_implant_params_to_json   (const OspImplantParams *params);
OspImplantParams *osp_implant_params_from_json (JsonObject             *object,
                                                const char             *where,
                                                GError                **error);

/* Checks ranges (positive sizes, a head wider than the thread, a wall thinner than the cup,
 * holes narrower than the plate…): FALSE with OSP_ERROR_FAILED saying which. */
gboolean          osp_implant_params_validate  (const OspImplantParams *params,
                                                GError                **error);

/* Generates the mesh.  Block needs `template_mesh` (world coordinates, closed); custom loads
 * params->path.  Long work (the block's offset) reports progress and can be cancelled. */
OspMesh          *osp_implant_generate         (const OspImplantParams *params,
                                                const OspMesh          *template_mesh,
                                                const OspProgressRange *progress,
                                                GCancellable           *cancellable,
                                                GError                **error);

/* The building blocks, for callers that want one shape. */
/* A closed solid of revolution about +z: profile (r, z) pairs, r_0 = r_last = 0, r > 0 in
 * between, n_segments ≥ 3 around. */
OspMesh          *osp_mesh_revolve             (const double           *profile,
                                                guint                   n_profile,
                                                guint                   n_segments);
/* The exact volume of the solid a profile sweeps (Pappus, for tests and reports). */
double            osp_profile_revolved_volume  (const double           *profile,
                                                guint                   n_profile);

/* -- Plates ---------------------------------------------------------------------------------- */

/* The real length of the plate a generator makes (end to end, mm: a contoured plate spans
 * its whole path) and, in out_n_holes (may be NULL), its number of holes: a contoured plate
 * has as many at `spacing` as its path holds (none when n_holes is 0). */
double            osp_implant_plate_length     (const OspImplantParams *params,
                                                guint                  *out_n_holes);
/* A path picked on the bone (points in the bone's frame, in order) as a contoured plate's
 * path: every 1 mm along the surface, with the bone's outward normals averaged over ±6 mm,
 * lifted where the flat underside of a plate `width` wide would enter the bone (so the plate
 * lies on it: touching, 0.05 mm clear).  New arrays of 3 × *out_n floats.  `bone_bvh` is an
 * OspBvh of a closed bone. */
gboolean          osp_plate_contour_path       (gconstpointer           bone_bvh,
                                                const float            *points,
                                                guint                   n_points,
                                                double                  width,
                                                float                 **out_points,
                                                float                 **out_normals,
                                                guint                  *out_n,
                                                GError                **error);

/* -- Parameters kept with models ------------------------------------------------------------ */

/* The parameters of an implant model, or NULL (a plain model). Owned by the model. */
const OspImplantParams *osp_implant_get_params (OspModel               *model);
/* Attaches a copy (NULL removes them).  Used by the commands and the plan reader; others
 * change parameters through osp_implant_command_new_set_params(). */
void              osp_implant_set_params       (OspModel               *model,
                                                const OspImplantParams *params);

/* -- Placing -------------------------------------------------------------------------------- */

/* A rigid frame at `point` whose +z is `normal` (need not be unit, must not be zero) and
 * rolled by roll_deg about it: the local x axis is the component of world x (or world y when
 * the normal is along x) perpendicular to the normal, rotated by the roll.  Column-major. */
void              osp_frame_from_point_normal  (const float             point[3],
                                                const float             normal[3],
                                                double                  roll_deg,
                                                float                  *out_matrix);
/* position + Euler angles in degrees (rotation about x, then y, then z: R = Rz Ry Rx) ↔ a
 * rigid matrix.  to_euler takes a matrix without scale; it returns angles with
 * −90 ≤ y ≤ 90. */
void              osp_matrix_from_euler        (const float             position[3],
                                                const float             angles_deg[3],
                                                float                  *out_matrix);
void              osp_matrix_to_euler          (const float            *matrix,
                                                float                   out_position[3],
                                                float                   out_angles_deg[3]);

/* -- Screws (osp-screw.c) ------------------------------------------------------------------- */

typedef enum
{
  OSP_SCREW_OK = 0,
  OSP_SCREW_ENTRY_OUTSIDE = 1 << 0,     /* the entry is not on or in the bone */
  OSP_SCREW_LEAVES_BONE = 1 << 1,       /* the axis leaves the bone before the target */
  OSP_SCREW_ENTERS_ACETABULUM = 1 << 2, /* the axis meets the acetabulum before the target */
  OSP_SCREW_NO_EXIT = 1 << 3,           /* no far cortex along the axis */
} OspScrewWarnings;

typedef struct
{
  float    entry[3];
  float    target[3];
  float    direction[3];      /* unit, entry → target */
  double   target_distance;   /* |target − entry| */
  float    exit[3];           /* where the axis leaves the bone at or beyond the target */
  double   exit_distance;     /* entry → exit along the axis (the far cortex); 0 when none */
  double   proposed_length;   /* exit_distance rounded down to length_step */
  float    first_leave[3];    /* the first point where the axis leaves the bone */
  double   first_leave_distance;
  double   acetabulum_distance; /* where the axis first meets the acetabulum; 0 when never */
  guint    warnings;          /* OspScrewWarnings */
  float    matrix[16];        /* places a screw (osp-implant frame) at entry along direction */
} OspScrewTrajectory;

/* The acetabulum the trajectory must avoid: a mesh (with its BVH built here) and/or a sphere
 * (centre, radius > 0; radius 0: none). */
typedef struct
{
  const OspMesh *mesh;
  float          center[3];
  float          radius;
} OspAcetabulum;

/* Traces the axis entry → target through `bone` (closed, world coordinates): intersections
 * with the surface in order, the first exit, the far-cortex exit at or beyond the target
 * (the last exit of the bone stretch containing the target, or the first exit after it),
 * the proposed length (rounded down to length_step mm, 0: not rounded) and warnings.
 * Crossings within 1 mm of the entry or the target count as at them (picked points miss the
 * surface by up to an edge of the mesh).
 * acetabulum may be NULL.  FALSE with OSP_ERROR_FAILED when entry and target coincide.
 * `bone_bvh` (osp-bvh.h) is taken as a gpointer so this header needs no BVH. */
gboolean          osp_screw_trajectory         (gconstpointer           bone_bvh,
                                                const float             entry[3],
                                                const float             target[3],
                                                const OspAcetabulum    *acetabulum,
                                                double                  length_step,
                                                OspScrewTrajectory     *out_trajectory,
                                                GError                **error);

/* -- Acetabular cups (osp-cup.c) ------------------------------------------------------------ */

/* The least-squares sphere through points (3 floats each, n ≥ 4, not all on one plane):
 * an algebraic fit refined by Gauss–Newton on the geometric distances.  out_rms: the RMS of
 * |point − centre| − radius (mm).  FALSE with OSP_ERROR_FAILED when the points are too few
 * or (nearly) coplanar. */
gboolean          osp_sphere_fit               (const float            *points,
                                                guint                   n_points,
                                                double                  out_center[3],
                                                double                 *out_radius,
                                                double                 *out_rms,
                                                GError                **error);
/* The cup size (outer diameter, mm) for an acetabulum of that diameter: the nearest of the
 * usual 2 mm steps, 38 to 80 mm. */
double            osp_cup_size_for_diameter    (double                  diameter);

/* The pelvis's own axes for cup angles: from the anterior pelvic plane (APP: both anterior
 * superior iliac spines and the pubic tubercles) or, without those landmarks, the patient's
 * LPS axes.  Unit vectors in world (LPS) coordinates; lateral points to the patient's left. */
typedef struct
{
  double   origin[3];        /* the midline: between the ASIS (APP), or where given */
  double   left[3];
  double   anterior[3];
  double   superior[3];
  gboolean from_app;         /* FALSE: the patient axes (say so to the user) */
} OspPelvicFrame;

/* Landmark names the APP is read from (the plan's landmarks, in English or translated):
 * "ASIS L", "ASIS R", "Pubic tubercle L", "Pubic tubercle R". */
#define OSP_LANDMARK_ASIS_LEFT     "ASIS L"
#define OSP_LANDMARK_ASIS_RIGHT    "ASIS R"
#define OSP_LANDMARK_PUBIS_LEFT    "Pubic tubercle L"
#define OSP_LANDMARK_PUBIS_RIGHT   "Pubic tubercle R"

/* The patient axes with origin `midline` (may be NULL: the origin). */
void              osp_pelvic_frame_init_patient (OspPelvicFrame        *frame,
                                                 const double           midline[3]);
/* The APP frame: left = ASIS R → ASIS L, superior in the APP from the tubercles' midpoint to
 * the ASIS' midpoint, anterior = left × superior (the APP's normal).  FALSE with
 * OSP_ERROR_FAILED (and `frame` untouched) when the four points do not span a plane. */
gboolean          osp_pelvic_frame_from_app    (const float             asis_left[3],
                                                const float             asis_right[3],
                                                const float             pubis_left[3],
                                                const float             pubis_right[3],
                                                OspPelvicFrame         *out_frame,
                                                GError                **error);
/* The frame from the plan's landmarks (names above); without all four, the patient axes
 * about `fallback_midline` (may be NULL) and FALSE. */
gboolean          osp_pelvic_frame_from_plan   (OspPlan                *plan,
                                                const double            fallback_midline[3],
                                                OspPelvicFrame         *out_frame);

/* Radiographic inclination and anteversion (Murray 1993) of the acetabular axis (the cup's
 * axis, pointing out of its opening): inclination is the angle between the longitudinal axis
 * and the axis projected on the coronal plane (the APP), anteversion the angle between the
 * axis and the coronal plane.  `left_hip` picks the side (the axis points laterally).
 * axis_from_angles gives a unit axis in world coordinates; angles_from_axis takes any
 * non-zero axis. */
void              osp_cup_axis_from_angles     (const OspPelvicFrame   *frame,
                                                gboolean                left_hip,
                                                double                  inclination_deg,
                                                double                  anteversion_deg,
                                                double                  out_axis[3]);
void              osp_cup_angles_from_axis     (const OspPelvicFrame   *frame,
                                                gboolean                left_hip,
                                                const double            axis[3],
                                                double                 *out_inclination_deg,
                                                double                 *out_anteversion_deg);
/* Whether a point lies on the patient's left of the frame's midline. */
gboolean          osp_pelvic_frame_is_left     (const OspPelvicFrame   *frame,
                                                const double            point[3]);
/* The matrix placing a cup (osp-implant frame: opening along +z, centre at the origin) at
 * `center` with those angles. */
void              osp_cup_matrix               (const OspPelvicFrame   *frame,
                                                gboolean                left_hip,
                                                double                  inclination_deg,
                                                double                  anteversion_deg,
                                                const double            center[3],
                                                float                  *out_matrix);

typedef struct
{
  double   cover;            /* 0–1: fraction of the cup's outer hemisphere with bone on it */
  double   medial_wall_mm;   /* bone left medial to the dome (< 0: the dome is through it) */
  gboolean medial_breach;    /* the dome breaks through the medial wall (or has none) */
  float    medial_point[3];  /* where the wall is thinnest, on the cup (bone frame) */
  guint    n_samples;
} OspCupCoverage;

/* How the bone (`bone_bvh`, an OspBvh, closed) holds a cup of outer `diameter` placed by
 * `matrix` (the cup in the bone's frame): a point of the outer hemisphere is covered when
 * bone lies within 3 mm outside it (or the cup is sunk into bone there); the medial wall is
 * measured along rays within 20° of the dome's pole, from the cup's surface to where the ray
 * leaves the bone. */
void              osp_cup_coverage             (gconstpointer           bone_bvh,
                                                const float            *matrix,
                                                double                  diameter,
                                                OspCupCoverage         *out_coverage);

/* The length to propose for a far cortex at exit_distance (mm from the entry): `clearance`
 * short of it (the tip stays in bone), rounded down to length_step (0: not rounded); 0 when
 * there is no room. */
double            osp_screw_proposed_length    (double                  exit_distance,
                                                double                  clearance,
                                                double                  length_step);

typedef struct
{
  gboolean leaves_bone;      /* part of the body (not just the axis) is out of the bone */
  gboolean outside;          /* the screw is (almost) wholly outside the bone */
  double   inside_fraction;  /* of the body's samples, 0–1 */
  double   first_out;        /* along the axis from under the head (mm); −1: never */
  double   depth_out;        /* how far the worst sample is out of the bone (mm) */
  float    point[3];         /* that sample (bone frame) */
} OspScrewBody;

/* Checks the screw's body — its surface at 0.85 × the thread radius and its axis, every mm
 * from 2 mm under the head to the tip — against the bone (`bone_bvh`, an OspBvh, closed):
 * a sample more than 0.3 mm out of the bone is a breach.  `matrix` places the screw (the
 * osp-implant frame: axis +z from under the head) in the bone's frame. */
void              osp_screw_check_body         (gconstpointer           bone_bvh,
                                                const float            *matrix,
                                                double                  diameter,
                                                double                  length,
                                                OspScrewBody           *out_body);

/* -- Commands (undoable) -------------------------------------------------------------------- */

/* Adds a new implant model named `name` with `mesh` (generated from params), placed by
 * `matrix` (NULL: identity). */
OspCommand       *osp_implant_command_new_add  (const char             *name,
                                                const OspImplantParams *params,
                                                OspMesh                *mesh,
                                                const float            *matrix);
/* New parameters and their mesh for an implant model (one undo step: mesh + parameters). */
OspCommand       *osp_implant_command_new_set_params (OspModel               *model,
                                                      const OspImplantParams *params,
                                                      OspMesh                *mesh);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspImplantParams, osp_implant_params_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OspImplantParams, osp_implant_params_clear)

G_END_DECLS
