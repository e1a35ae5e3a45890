/* osp-training.h — training mode: the nine steps of a case, their checks and notes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A course walks a trainee through the main job (open, look, cut, mirror, implant, guide,
 * measure, export, save) on a case, by default the phantom with a periacetabular tumour.
 * An OspTraining watches a plan and says, for each step, whether its check passes now;
 * events only the GUI sees (the camera moved, a file exported) are reported to it.  The
 * trainee advances with osp_training_next(), which only succeeds when the current step's
 * check passes.
 *
 * Instructor notes (one text per step) belong to the plan: they are saved in plan.json as an
 * optional "training" object, so an instructor saves a course as a .osteoplan file that a
 * trainee opens.  Files without it load as before.
 *
 * The course in plan.json (every member optional; a member of the wrong type, a number out of
 * range or a list too long makes the file refused with a message naming it):
 *
 *   "training": {
 *     "version": 1,
 *     "notes": { "open": "…", "look": "…", "cut": "…", "mirror": "…", "implant": "…",
 *                "guide": "…", "measure": "…", "export": "…", "save": "…" },
 *     "key": {                               the instructor's plan the steps are checked against
 *       "tolerances": { "plane_angle_deg": 10, "plane_offset_mm": 5,
 *                       "template_angle_deg": 5, "template_offset_mm": 3,
 *                       "screw_entry_mm": 5, "screw_angle_deg": 10,
 *                       "cup_center_mm": 5, "cup_angle_deg": 5,
 *                       "margin_mm": 10,           resection margin target, 0–200 mm
 *                       "guide_offset_mm": 0.1, "guide_angle_deg": 0.1 },
 *       "cut_planes": [[nx, ny, nz, d, px, py, pz], …],   step "cut": planes (unit n), each
 *                                                          with the point its offset is taken at
 *       "margin": true,                  step "cut" also checks the margin: each of the
 *                                        trainee's cut planes must leave at least margin_mm
 *                                        between the plan's tumour models and the plane, on
 *                                        the resected side (osp-margin.h, as the Cut tool shows)
 *       "cut_margins_mm": [12.5, …],     the instructor's margin per cut plane (shown beside
 *                                        the trainee's; as many as "cut_planes")
 *       "midsagittal": [nx, ny, nz, d, px, py, pz],        step "mirror"
 *       "screws": [[ex, ey, ez, dx, dy, dz], …],           step "implant"
 *       "cup": [cx, cy, cz, ax, ay, az],
 *       "guides": [ { "planes": [[nx, ny, nz, d, px, py, pz], …],   step "guide": 1–4 slot
 *                     "blade": 1.27, "clearance": 0.25 }, … ]      planes and the slot
 *     }                                                            (osp-guide.h)
 *   }
 *
 * The guide step passes when every slot plane of the instructor's guides has one of the
 * trainee's guides' slot planes within guide_angle_deg and guide_offset_mm (the offset taken
 * at the instructor's guide), for the same blade and clearance, and every guide the trainee
 * made seats on its bone: no sampled point of it inside the bone and none that would catch
 * on the bone when the guide is lifted off along its insertion direction (the guide's own
 * seating check, osp-guide.h).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osp-plan.h"
#include "osp-progress.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_TRAINING_STEP_OPEN,     /* a model loaded */
  OSP_TRAINING_STEP_LOOK,     /* the camera moved or a standard view chosen (reported) */
  OSP_TRAINING_STEP_CUT,      /* a cut applied */
  OSP_TRAINING_STEP_MIRROR,   /* a midsagittal plane estimated or a template model present */
  OSP_TRAINING_STEP_IMPLANT,  /* an implant model present */
  OSP_TRAINING_STEP_GUIDE,    /* an osteotomy guide made ({"op": "guide"}, a guide model) */
  OSP_TRAINING_STEP_MEASURE,  /* a landmark or a measurement present */
  OSP_TRAINING_STEP_EXPORT,   /* a file exported (reported, or an "export" operation) */
  OSP_TRAINING_STEP_SAVE,     /* the work saved: a file, not modified, with undoable work */
  OSP_TRAINING_N_STEPS
} OspTrainingStep;

/* The step's title ("Cut") and what to do (a few sentences), translated. */
const char  *osp_training_step_get_title       (OspTrainingStep  step);
const char  *osp_training_step_get_instructions (OspTrainingStep step);
/* A stable key for files ("open", "look", …) and back. */
const char  *osp_training_step_to_string       (OspTrainingStep  step);
gboolean     osp_training_step_from_string     (const char      *text,
                                                OspTrainingStep *out_step);

/* The check of one step on the plan alone (LOOK and EXPORT also need reports: see
 * OspTraining).  A plane counts as a midsagittal plane when its name contains "midsagittal"
 * or "symmetry" (any case). */
gboolean     osp_training_check_plan           (OspPlan         *plan,
                                                OspTrainingStep  step);

/* -- Instructor notes, kept in the plan --------------------------------------------------- */

/* The note of a step, or NULL (owned by the plan). */
const char  *osp_training_get_note             (OspPlan         *plan,
                                                OspTrainingStep  step);
/* Sets (NULL or "" removes) the note; not an undo step, but the plan becomes a course. */
void         osp_training_set_note             (OspPlan         *plan,
                                                OspTrainingStep  step,
                                                const char      *note);
/* Whether the plan is a course (it has or had notes, or osp_training_mark_course()). */
gboolean     osp_training_is_course            (OspPlan         *plan);
void         osp_training_mark_course          (OspPlan         *plan);

/* For osp-plan-file.c: the "training" object (a new reference), or NULL when the plan is no
 * course; and back, checking every member (a hostile file fails with a message naming
 * `where`). */
JsonObject  *osp_training_to_json              (OspPlan         *plan);
gboolean     osp_training_from_json            (OspPlan         *plan,
                                                JsonObject      *object,
                                                const char      *where,
                                                GError         **error);

/* -- The instructor's plan: the key the trainee's work is checked against --------------- */

/* How close the trainee must come to the instructor's plan. */
typedef struct
{
  double plane_angle_deg;     /* a cut plane's angle to the instructor's (default 10°) */
  double plane_offset_mm;     /* and its offset, at the bone (5 mm) */
  double template_angle_deg;  /* the midsagittal plane the template is mirrored across (5°) */
  double template_offset_mm;  /* (3 mm) */
  double screw_entry_mm;      /* a screw's entry point (5 mm) */
  double screw_angle_deg;     /* and direction (10°) */
  double cup_center_mm;       /* the acetabular cup's centre (5 mm) */
  double cup_angle_deg;       /* and axis (5°) */
  double margin_mm;           /* the margin every cut plane must leave to the tumour (10 mm;
                               * checked where the key asks for it, see above) */
  double guide_offset_mm;     /* a guide's slot plane to the instructor's, at the guide
                               * (0.1 mm) */
  double guide_angle_deg;     /* and its angle (0.1°) */
} OspTrainingTolerances;

void         osp_training_tolerances_init      (OspTrainingTolerances       *tolerances);
/* The plan's own work becomes the key of its course: the planes of its cuts (and their
 * margins to its tumour models, checked from then on when it has any), its midsagittal
 * plane, its screws and cup, its guides (tolerances NULL: the defaults).  Saved with the
 * notes; returns how many steps (cut, mirror, implant, guide) now have one.  The instructor
 * then resets the case (the panel copies the key with the notes: osp_training_copy_key()). */
guint        osp_training_set_key_from_plan    (OspPlan                     *plan,
                                                const OspTrainingTolerances *tolerances);
void         osp_training_copy_key             (OspPlan                     *to,
                                                OspPlan                     *from);
/* The cut step checks the margin to the tumour (tolerances' margin_mm) with or without the
 * instructor's planes (creates a key when there is none). */
void         osp_training_set_margin_check     (OspPlan                     *plan,
                                                gboolean                     check);
gboolean     osp_training_get_margin_check     (OspPlan                     *plan);
/* Whether the step is checked against a key (cut, mirror, implant and guide can be). */
gboolean     osp_training_has_key              (OspPlan                     *plan,
                                                OspTrainingStep              step);
/* The key's tolerances (the defaults and FALSE without a key); set them (no key: nothing). */
gboolean     osp_training_get_tolerances       (OspPlan                     *plan,
                                                OspTrainingTolerances       *out_tolerances);
void         osp_training_set_tolerances       (OspPlan                     *plan,
                                                const OspTrainingTolerances *tolerances);
/* The step checked: against the key where there is one (out_text: a sentence per item with
 * the difference in degrees and millimetres and whether it is accepted), else as
 * osp_training_check_plan() (out_text NULL).  out_text may be NULL; free it with g_free. */
gboolean     osp_training_compare              (OspPlan                     *plan,
                                                OspTrainingStep              step,
                                                char                       **out_text);

/* -- The case ------------------------------------------------------------------------------- */

/* A new plan holding the training case: the phantom with its periacetabular tumour (voxel_mm:
 * 1.0 normally, coarser for tests; 0 means 1.0): the CT, the bone segmented into one model
 * "Pelvis" and the tumour (a mask and a tumour model "Tumour"), with no undo history, marked
 * as a course whose cut step checks the margin to the tumour (the default target).  Takes a
 * few seconds: run it in a thread (the plan is then used from the main thread).  Fails only
 * on cancellation or when memory is short. */
OspPlan     *osp_training_new_case             (double                  voxel_mm,
                                                const OspProgressRange *progress,
                                                GCancellable           *cancellable,
                                                GError                **error);
void         osp_training_new_case_async       (double                  voxel_mm,
                                                GCancellable           *cancellable,
                                                GAsyncReadyCallback     callback,
                                                gpointer                user_data);
OspPlan     *osp_training_new_case_finish      (GAsyncResult           *result,
                                                GError                **error);

/* -- OspTraining: a trainee's progress through a plan -------------------------------------- */

#define OSP_TYPE_TRAINING (osp_training_get_type ())
G_DECLARE_FINAL_TYPE (OspTraining, osp_training, OSP, TRAINING, GObject)

/* Watches `plan` (may be NULL: every plan check fails); starts at the first step. */
OspTraining     *osp_training_new              (OspPlan         *plan);
OspPlan         *osp_training_get_plan         (OspTraining     *self);
/* Watches another plan (after a reset or an open) and starts over at the first step. */
void             osp_training_set_plan         (OspTraining     *self,
                                                OspPlan         *plan);

/* Events the plan cannot tell: the camera moved or a view was chosen; a file exported. */
void             osp_training_report           (OspTraining     *self,
                                                OspTrainingStep  step);

/* Whether the step's check passes now (plan check, or a report for LOOK and EXPORT). */
gboolean         osp_training_is_done          (OspTraining     *self,
                                                OspTrainingStep  step);
/* The step the trainee is on; OSP_TRAINING_N_STEPS when the course is finished. */
OspTrainingStep  osp_training_get_current      (OspTraining     *self);
/* Advances when the current step is done; FALSE (and no change) otherwise. */
gboolean         osp_training_next             (OspTraining     *self);
/* Back to the first step, forgetting the reports. */
void             osp_training_restart          (OspTraining     *self);

/* Signal "changed": a check may have flipped or the current step moved (properties:
 * "plan", "current"). */

G_END_DECLS
