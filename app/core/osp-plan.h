/* osp-plan.h — the plan document: models, planes, landmarks, operations, undo and redo
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An OspPlan is one surgical case: the models (a GListModel of OspModel, so a GtkListView shows
 * it directly), named planes (cuts, the midsagittal plane), named landmarks, and the list of
 * operations that made them.  It changes only through commands (osp-command.h):
 *
 *   g_autoptr(OspCommand) command = osp_command_new_rename_model (model, "Ilium");
 *   if (!osp_plan_execute (plan, command, &error))
 *     … show error->message …
 *
 * Undo and redo have unlimited depth within a memory budget: the bytes of the meshes that only
 * the history holds (meshes of deleted models, of models before a cut) are counted, and the
 * oldest steps are dropped when they exceed the budget.
 *
 * Signals: GListModel::items-changed for models (their properties notify themselves),
 * "planes-changed", "landmarks-changed" and "operations-changed".  Properties (notify):
 * can-undo, can-redo, undo-label, redo-label, modified, path.  The plan is not thread-safe:
 * use it from the main thread.
 *
 * Files (.osteoplan): a zip of plan.json and one binary mesh per distinct mesh; saves are
 * atomic.  Autosaves: see OspAutosave below.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osp-command.h"
#include "osp-mask.h"
#include "osp-model.h"
#include "osp-patient.h"
#include "osp-progress.h"
#include "osp-volume.h"
#include "osp-symmetry.h"

G_BEGIN_DECLS

/* The plan file format version this code writes and the newest it reads. */
#define OSP_PLAN_FORMAT_VERSION 1
/* More recorded operations than any case has (a plan file, `plan run`): a hostile file. */
#define OSP_PLAN_MAX_OPERATIONS 100000

#define OSP_TYPE_PLAN (osp_plan_get_type ())
G_DECLARE_FINAL_TYPE (OspPlan, osp_plan, OSP, PLAN, GObject)

OspPlan     *osp_plan_new                 (void);

/* -- Contents (read-only; change them with commands) --------------------------------------- */

guint        osp_plan_get_n_models        (OspPlan        *self);
/* Owned by the plan.  Precondition: index < n_models. */
OspModel    *osp_plan_get_model           (OspPlan        *self,
                                           guint           index);
/* The model of that name, or NULL (owned by the plan). */
OspModel    *osp_plan_find_model          (OspPlan        *self,
                                           const char     *name);
/* The model's position, or -1 when the plan does not hold it. */
int          osp_plan_get_model_index     (OspPlan        *self,
                                           OspModel       *model);
/* A name no model has yet: `base`, else "base 2", "base 3"… Free with g_free. */
char        *osp_plan_make_unique_name    (OspPlan        *self,
                                           const char     *base);

guint        osp_plan_get_n_planes        (OspPlan        *self);
/* Preconditions: index < n_planes. */
const char  *osp_plan_get_plane_name      (OspPlan        *self,
                                           guint           index);
void         osp_plan_get_plane           (OspPlan        *self,
                                           guint           index,
                                           OspPlane       *out_plane);
/* The index of the plane of that name, or -1. */
int          osp_plan_find_plane          (OspPlan        *self,
                                           const char     *name);

guint        osp_plan_get_n_landmarks     (OspPlan        *self);
const char  *osp_plan_get_landmark_name   (OspPlan        *self,
                                           guint           index);
/* out_position: 3 floats. */
void         osp_plan_get_landmark        (OspPlan        *self,
                                           guint           index,
                                           float          *out_position);
int          osp_plan_find_landmark       (OspPlan        *self,
                                           const char     *name);

/* The operations that made the plan, oldest first (JSON objects owned by the plan). */
guint        osp_plan_get_n_operations    (OspPlan        *self);
JsonObject  *osp_plan_get_operation       (OspPlan        *self,
                                           guint           index);

/* A canonical text of the whole plan (models with a digest of their mesh's bytes, planes,
 * landmarks, operations): two plans are the same exactly when their dumps are equal.  For
 * tests and `plan info`.  Free with g_free. */
char        *osp_plan_dump                (OspPlan        *self);

/* -- CT volumes, the case's patient, masks (osp-plan-ct.c) --------------------------------- *
 *
 * A case holds its CTs (OspVolume, shared by reference: the plan, its undo history and the
 * views hold the one copy of the voxels) and masks on a CT's grid (OspMask: the tumour, the
 * seeds of a bone separation), each named and coloured.  Every change is an undoable command;
 * a brush stroke is ONE undo step: paint calls merge until osp_plan_seal_undo() (call it on
 * button release).  Signals: "volumes-changed" (no arguments), "patient-changed",
 * "masks-changed" (a mask added or removed, renamed, recoloured) and "mask-changed" (guint
 * index, gpointer box: the const OspMaskBox* of voxels that changed, valid during the
 * emission), emitted on paint, undo and redo. */

guint        osp_plan_get_n_volumes       (OspPlan        *self);
/* Owned by the plan.  Precondition: index < n_volumes. */
OspVolume   *osp_plan_get_volume          (OspPlan        *self,
                                           guint           index);
/* -1 when the plan does not hold it. */
int          osp_plan_get_volume_index    (OspPlan        *self,
                                           const OspVolume *volume);
/* "Add CT": appends the volume (referenced, never copied).  When the case has no patient yet,
 * the volume's (osp_volume_get_patient()) becomes the case's in the same step.  Fails when the
 * plan holds it already.  Callers check osp_patient_same() first and ask the user. */
gboolean     osp_plan_add_volume          (OspPlan        *self,
                                           OspVolume      *volume,
                                           GError        **error);
/* "Remove CT": the volume and its masks, one undo step. */
gboolean     osp_plan_remove_volume       (OspPlan        *self,
                                           guint           index,
                                           GError        **error);

/* The case's patient, or NULL (owned by the plan). */
const OspPatient *osp_plan_get_patient    (OspPlan        *self);
/* "Set Patient" (NULL clears it). */
gboolean     osp_plan_set_patient         (OspPlan        *self,
                                           const OspPatient *patient,
                                           GError        **error);

guint        osp_plan_get_n_masks         (OspPlan        *self);
/* Owned by the plan (mutable only through the commands below).  Preconditions: index <
 * n_masks. */
OspMask     *osp_plan_get_mask            (OspPlan        *self,
                                           guint           index);
const char  *osp_plan_get_mask_name       (OspPlan        *self,
                                           guint           index);
/* The CT the mask lies on (its grid). */
OspVolume   *osp_plan_get_mask_volume     (OspPlan        *self,
                                           guint           index);
guint32      osp_plan_get_mask_color      (OspPlan        *self,
                                           guint           index);
int          osp_plan_find_mask           (OspPlan        *self,
                                           const char     *name);
/* "Add Mask": `mask` (referenced; NULL: an empty one) on the grid of the plan's volume
 * `volume_index` (they must match), named `name` (unique), colour 0xRRGGBB. */
gboolean     osp_plan_add_mask            (OspPlan        *self,
                                           guint           volume_index,
                                           const char     *name,
                                           OspMask        *mask,
                                           guint32         rgb,
                                           GError        **error);
gboolean     osp_plan_remove_mask         (OspPlan        *self,
                                           guint           index,
                                           GError        **error);
/* "Rename Mask" / "Mask Colour": a new name (NULL: keep it; unique) and colour 0xRRGGBB. */
gboolean     osp_plan_set_mask            (OspPlan        *self,
                                           guint           index,
                                           const char     *name,
                                           guint32         rgb,
                                           GError        **error);

/* Brush dabs: a sphere (3D brush) or a disk on one index slice (see osp_mask_paint_*()),
 * value 0 erases.  Each call is applied at once and merged into the previous dab on the same
 * mask until osp_plan_seal_undo(): one stroke, one undo step ("Paint Tumour" / "Erase
 * Tumour"). */
gboolean     osp_plan_paint_sphere        (OspPlan        *self,
                                           guint           mask_index,
                                           const double    centre_lps[3],
                                           double          radius_mm,
                                           guint8          value,
                                           GError        **error);
gboolean     osp_plan_paint_disk          (OspPlan        *self,
                                           guint           mask_index,
                                           guint           axis,
                                           guint32         slice,
                                           const double    centre_lps[3],
                                           double          radius_mm,
                                           guint8          value,
                                           GError        **error);
/* "Grow Region" (osp_mask_grow_region() on the mask's volume), one undo step. */
gboolean     osp_plan_grow_region         (OspPlan        *self,
                                           guint           mask_index,
                                           const double    seed_lps[3],
                                           int             min_hu,
                                           int             max_hu,
                                           double          max_radius_mm,
                                           guint8          value,
                                           guint64        *out_n_added,
                                           GError        **error);
/* "Fill Between Slices" (osp_mask_fill_between()), one undo step. */
gboolean     osp_plan_fill_between        (OspPlan        *self,
                                           guint           mask_index,
                                           guint           axis,
                                           guint32         slice_a,
                                           guint32         slice_b,
                                           guint8          value,
                                           GError        **error);
/* The box of the voxels the last change of the mask touched (paint, undo, redo), for views
 * that poll instead of listening to "mask-changed"; empty when none. */
void         osp_plan_get_mask_dirty_box  (OspPlan        *self,
                                           guint           mask_index,
                                           OspMaskBox     *out_box);

/* "Make Model": the closed surface of the mask's `label` (0: any) as a model named
 * model_name (NULL: the mask's name) with `role` — a new model, or a new mesh for the model of
 * that name.  One undo step.  Fails when the label is empty.  Returns the model (owned by the
 * plan) or NULL. */
OspModel    *osp_plan_mesh_mask           (OspPlan        *self,
                                           guint           mask_index,
                                           guint8          label,
                                           const char     *model_name,
                                           OspModelRole    role,
                                           guint           smooth_iterations,
                                           GCancellable   *cancellable,
                                           GError        **error);
/* "Import Tumour": a mask from label `label` of the label map at `path` (a NIfTI file whose
 * grid must match volume `volume_index`), or from a closed mesh file (STL, OBJ, PLY, LPS mm)
 * voxelised onto that CT, named `name` (NULL: "Tumour"), plus its mesh as a model of role
 * tumour (red) — one undo step.  On any error (no such label, grids differ, a mesh far outside
 * the CT) the plan is untouched and the message names the file. */
gboolean     osp_plan_import_label_map    (OspPlan        *self,
                                           guint           volume_index,
                                           const char     *path,
                                           int             label,
                                           const char     *name,
                                           GCancellable   *cancellable,
                                           GError        **error);
gboolean     osp_plan_import_mask_mesh    (OspPlan        *self,
                                           guint           volume_index,
                                           const char     *path,
                                           const char     *name,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* Either import with the loading, voxelising and meshing in a thread (label ≥ 0: a label map,
 * else a mesh file); finish, on the calling thread, adds the mask and the model as one undo
 * step.  Fails when the CT left the case meanwhile. */
void         osp_plan_import_tumour_async (OspPlan        *self,
                                           guint           volume_index,
                                           const char     *path,
                                           int             label,
                                           const char     *name,
                                           GCancellable   *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer        user_data);
gboolean     osp_plan_import_tumour_finish (OspPlan       *self,
                                            GAsyncResult  *result,
                                            GError       **error);
/* The same from a mask in memory (referenced; on volume `volume_index`'s grid): a mask named
 * `name` plus its mesh as a tumour model, one undo step ("Import NAME"). */
gboolean     osp_plan_add_tumour          (OspPlan        *self,
                                           guint           volume_index,
                                           OspMask        *mask,
                                           const char     *name,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* "Split into Pieces": replaces the model by its connected pieces ("NAME piece 1" … largest
 * volume first), one undo step.  Fails when it has only one piece.  *out_n_pieces may be NULL. */
gboolean     osp_plan_split_model         (OspPlan        *self,
                                           OspModel       *model,
                                           guint          *out_n_pieces,
                                           GError        **error);
/* Deletes several models as one undo step ("Delete Pieces"): the GUI's "delete this piece"
 * (one model) and "keep this piece" (the others of the split).  Fails, plan untouched, when a
 * model is not in the plan.  Precondition: n_models ≥ 1. */
gboolean     osp_plan_delete_models       (OspPlan        *self,
                                           OspModel *const *models,
                                           guint           n_models,
                                           GError        **error);
/* "Separate Bones": osp_mask_separate() of the mask's volume with the mask's seeds
 * (label_a, label_b, OSP_MASK_BARRIER), the two regions meshed as bone models name_a and
 * name_b (largest piece of each kept), one undo step. */
gboolean     osp_plan_separate_bones      (OspPlan        *self,
                                           guint           mask_index,
                                           double          threshold_hu,
                                           guint8          label_a,
                                           guint8          label_b,
                                           const char     *name_a,
                                           const char     *name_b,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* The same with the separation and meshing in a thread (the seeds are copied now); finish adds
 * the two models as one undo step. */
void         osp_plan_separate_bones_async (OspPlan       *self,
                                            guint          mask_index,
                                            double         threshold_hu,
                                            guint8         label_a,
                                            guint8         label_b,
                                            const char    *name_a,
                                            const char    *name_b,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean     osp_plan_separate_bones_finish (OspPlan      *self,
                                             GAsyncResult *result,
                                             GError      **error);

/* -- Undo and redo ------------------------------------------------------------------------- */

/* Applies the command and pushes it on the undo stack (dropping the redo stack), or merges it
 * into the top one (see osp_command_set_mergeable()).  On failure nothing changed. */
gboolean     osp_plan_execute             (OspPlan        *self,
                                           OspCommand     *command,
                                           GError        **error);
/* Return FALSE when there was nothing to undo / redo. */
gboolean     osp_plan_undo                (OspPlan        *self);
gboolean     osp_plan_redo                (OspPlan        *self);
gboolean     osp_plan_can_undo            (OspPlan        *self);
gboolean     osp_plan_can_redo            (OspPlan        *self);
/* "Undo Cut Ilium" / "Redo Rename Model", or plain "Undo" / "Redo" when there is none. */
const char  *osp_plan_get_undo_label      (OspPlan        *self);
const char  *osp_plan_get_redo_label      (OspPlan        *self);
guint        osp_plan_get_n_undo          (OspPlan        *self);
guint        osp_plan_get_n_redo          (OspPlan        *self);
/* Ends merging: the next mergeable command starts a new undo step (call at the end of a
 * drag). */
void         osp_plan_seal_undo           (OspPlan        *self);
void         osp_plan_clear_history       (OspPlan        *self);
/* The memory budget of the history in bytes (default: a quarter of the available memory,
 * at least 256 MiB). */
void         osp_plan_set_history_budget  (OspPlan        *self,
                                           guint64         bytes);
guint64      osp_plan_get_history_budget  (OspPlan        *self);
/* Bytes of the meshes that only the history holds (each counted once). */
guint64      osp_plan_get_history_bytes   (OspPlan        *self);

/* -- Operations (replay) ------------------------------------------------------------------- */

/* Cuts `model` by the planes (world coordinates; the resected region is where n·x ≤ d for
 * every plane, each offset outwards by margin_mm) and executes the undoable replacement of the
 * model by its pieces, labelled `label` (NULL: "Cut").  Precondition: n_planes ≥ 1. */
gboolean     osp_plan_cut_model           (OspPlan        *self,
                                           OspModel       *model,
                                           const OspPlane *planes,
                                           guint           n_planes,
                                           double          margin_mm,
                                           const char     *label,
                                           GCancellable   *cancellable,
                                           GError        **error);
/* The same with the geometry in a thread (a cut of a million triangles takes a fraction of a
 * second): finish executes the command, on the thread that called the async function.  Fails
 * when the model's mesh or transform changed meanwhile. */
void         osp_plan_cut_model_async     (OspPlan        *self,
                                           OspModel       *model,
                                           const OspPlane *planes,
                                           guint           n_planes,
                                           double          margin_mm,
                                           const char     *label,
                                           GCancellable   *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer        user_data);
gboolean     osp_plan_cut_model_finish    (OspPlan        *self,
                                           GAsyncResult   *result,
                                           GError        **error);
/* Mirrors `model` across `plane` (world coordinates) into a new template model named
 * result_name (NULL: "NAME mirrored"), labelled `label` (NULL: "Mirror"). */
gboolean     osp_plan_mirror_model        (OspPlan        *self,
                                           OspModel       *model,
                                           const OspPlane *plane,
                                           const char     *result_name,
                                           const char     *label,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* -- The mirrored template registered to the remaining bone (osp-plan-register.c) -------- */

/* The cut planes the plan knows (its named planes but "Midsagittal", and the planes of its
 * "cut" operations), world coordinates: an array of OspPlane. */
GArray      *osp_plan_get_cut_planes      (OspPlan        *plan);
/* TRUE when the mesh (world coordinates) lies inside the resected region of one of the
 * plan's cuts: a piece the cut took away. */
gboolean     osp_plan_mesh_is_resected    (OspPlan        *plan,
                                           const OspMesh  *mesh);
/* The visible bones and pieces but `except` and the resected pieces, world meshes: the
 * candidates for the intact bone. */
GPtrArray   *osp_plan_get_intact_bones    (OspPlan        *plan,
                                           OspModel       *except);
/* {"op": "register", "model": NAME, "max_rotation": …, "max_translation": …,
 *  "exclude_distance": …}: what the registration step records. */
JsonObject  *osp_plan_register_operation_new (OspModel                 *template_model,
                                              const OspTemplateOptions *options);
/* Runs a "register" operation: the template registered to the intact bone (see
 * osp_template_register()), moved by an undoable command that records the operation.
 * out_fit (may be NULL) gets the figures.  Fails when no intact bone overlaps it. */
gboolean     osp_plan_run_register        (OspPlan        *plan,
                                           JsonObject     *operation,
                                           OspTemplateFit *out_fit,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* Applies one recorded operation, e.g.
 *   {"op": "load", "path": "pelvis.stl", "name": "Pelvis", "role": "bone"}
 *   {"op": "cut", "model": "Pelvis", "planes": [[nx, ny, nz, d], …], "margin": 2,
 *    "name": "Cut Ilium"}
 *   {"op": "mirror", "model": "Left", "plane": [nx, ny, nz, d] | "PLANE NAME" | "auto",
 *    "result": "Template", "name": "Mirror Left Hemipelvis"}
 *   {"op": "set", "model": "Pelvis", "name": …, "color": "#rrggbb", "opacity": 0.5,
 *    "visible": false, "role": "implant", "transform": [16 numbers, column-major]}
 *   {"op": "delete", "model": "Pelvis"}
 *   {"op": "add-plane" | "move-plane", "name": "Cut 1", "plane": [nx, ny, nz, d]}
 *   {"op": "delete-plane", "name": …}
 *   {"op": "add-landmark" | "move-landmark", "name": "ASIS L", "position": [x, y, z]}
 *   {"op": "delete-landmark", "name": …}
 *   {"op": "implant", "model": "Screw 1", "implant": {"kind": "screw", "diameter": 6.5, …},
 *    "transform": [16 numbers]}  (a new implant, or new parameters; osp-implant.h)
 *   {"op": "add-measurement", "name": …, "kind": "distance", "refs": ["ASIS", "PSIS"]},
 *   {"op": "delete-measurement", "name": …}  (osp-measure.h)
 *   {"op": "load-ct", "path": "ct.nii.gz" | "DICOM folder", "series": N,
 *    "other-patient": false}  (refused when the CT shows another patient than the case's)
 *   {"op": "segment-ct", "ct": 0, "threshold": 250, "name": "Pelvis", "smooth": 0, "keep": 0}
 *   {"op": "add-mask", "name": "Tumour", "ct": 0, "color": "#d03c3c"}, {"op": "remove-mask", …}
 *   {"op": "set-mask", "mask": "Tumour", "name": "Lesion", "color": "#ff0000"}
 *   {"op": "paint-sphere", "mask": …, "centre": [x, y, z], "radius": 5, "value": 1 | 0}
 *   {"op": "paint-disk", "mask": …, "axis": 2, "slice": 40, "centre": […], "radius": 5, …}
 *   {"op": "paint-stroke", "mask": …, "dabs": [{paint-sphere or paint-disk}, …]}
 *   {"op": "grow-region", "mask": …, "seed": [x, y, z], "min-hu": 0, "max-hu": 100,
 *    "radius": 50}
 *   {"op": "fill-between", "mask": …, "axis": 2, "from": 30, "to": 40}
 *   {"op": "add-tumour", "labels": "seg.nii.gz", "label": 3 | "mesh": "tumour.stl", "ct": 0,
 *    "name": "Tumour"}
 *   {"op": "mesh-mask", "mask": …, "model": …, "role": "tumour", "smooth": 0}
 *   {"op": "split", "model": "Pelvis"}
 *   {"op": "separate-bones", "mask": "Seeds", "a": 1, "b": 2, "name-a": …, "name-b": …,
 *    "threshold": 250}
 *   {"op": "register", "model": "Right mirrored", "max_rotation": 15,
 *    "max_translation": 20, "exclude_distance": 10}  (the template fitted to the intact bone)
 *   {"op": "export", "models": ["Pelvis remaining 1", …], "path": "out.3mf" | "out.stl",
 *    "merge": true}  (osp-export.h; models default to the visible ones; merge defaults to
 *    false for 3MF — one object per model — and true for STL/OBJ/PLY — one file)
 * Relative paths of "load" are resolved against base_dir, of "export" against export_dir
 * (either may be NULL: the current folder); an export writes only inside export_dir (absolute
 * paths, "..", symbolic links leading out and non-regular files are refused).  Every operation but "export" is undoable; errors
 * name the operation and the problem. */
gboolean     osp_plan_run_operation       (OspPlan        *self,
                                           JsonObject     *operation,
                                           const char     *base_dir,
                                           const char     *export_dir,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* -- Files --------------------------------------------------------------------------------- */

gboolean     osp_plan_get_modified        (OspPlan        *self);
/* The file last saved or opened, or NULL. */
const char  *osp_plan_get_path            (OspPlan        *self);

/* Writes the plan atomically (temporary file in the same folder, fsync, rename), so a crash
 * or a full disk leaves the previous file as it was.  Clears "modified" and sets "path". */
gboolean     osp_plan_save                (OspPlan        *self,
                                           const char     *path,
                                           const OspProgressRange *progress,
                                           GCancellable   *cancellable,
                                           GError        **error);
typedef enum
{
  OSP_PLAN_SAVE_DEFAULT   = 0,
  /* An anonymised copy: the patient of the case and of every CT left out; the plan keeps its
   * path and stays modified. */
  OSP_PLAN_SAVE_ANONYMISE = 1 << 0,
} OspPlanSaveFlags;

gboolean     osp_plan_save_full           (OspPlan        *self,
                                           const char     *path,
                                           OspPlanSaveFlags flags,
                                           const OspProgressRange *progress,
                                           GCancellable   *cancellable,
                                           GError        **error);
/* The same in a thread: the plan is read now (on the calling thread, quickly: names, numbers
 * and references to the immutable meshes), the zip is built and written in a thread, so the
 * window keeps running and the plan may change meanwhile.  On success, finish marks the
 * state that was saved as not modified (the plan stays modified if it changed since). */
void         osp_plan_save_async          (OspPlan        *self,
                                           const char     *path,
                                           GCancellable   *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer        user_data);
/* The same with flags; an anonymised copy keeps the plan's path and modified state.  Finish
 * with osp_plan_save_finish(). */
void         osp_plan_save_full_async     (OspPlan        *self,
                                           const char     *path,
                                           OspPlanSaveFlags flags,
                                           GCancellable   *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer        user_data);
gboolean     osp_plan_save_finish         (OspPlan        *self,
                                           GAsyncResult   *result,
                                           GError        **error);
/* Reads a plan.  Fails with OSP_ERROR_NEWER_VERSION for a newer format, and with a message
 * naming the file and the problem for anything broken or hostile (bad zip, bad CRC, entries
 * larger than memory allows, missing or bad plan.json, meshes with bad counts). */
OspPlan     *osp_plan_open                (const char     *path,
                                           const OspProgressRange *progress,
                                           GCancellable   *cancellable,
                                           GError        **error);
/* The same from bytes in memory (for fuzzing); display_name is used in messages. */
OspPlan     *osp_plan_open_from_data      (const guint8   *data,
                                           gsize           len,
                                           const char     *display_name,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* -- Autosave ------------------------------------------------------------------------------ */

/* A session's autosave: g_get_user_state_dir()/osteoplan/autosave-ID.osteoplan, with a lock
 * held while the session lives, so other sessions can tell a crashed session's autosave (lock
 * free: recoverable) from a running one's. */
typedef struct _OspAutosave OspAutosave;

OspAutosave *osp_autosave_new             (GError        **error);
const char  *osp_autosave_get_path        (OspAutosave    *autosave);
/* Saves the plan to the autosave file (atomic). */
gboolean     osp_autosave_save            (OspAutosave    *autosave,
                                           OspPlan        *plan,
                                           GError        **error);
/* The same in a thread (see osp_plan_save_async()); the callback's source object is the
 * plan.  Keep the autosave alive until it completes. */
void         osp_autosave_save_async      (OspAutosave    *autosave,
                                           OspPlan        *plan,
                                           GCancellable   *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer        user_data);
gboolean     osp_autosave_save_finish     (OspPlan        *plan,
                                           GAsyncResult   *result,
                                           GError        **error);
/* Removes the autosave file and frees (call on a clean exit or after a save). */
void         osp_autosave_discard         (OspAutosave    *autosave);
/* Frees, keeping the file (a crash-like exit; mostly for tests). */
void         osp_autosave_free            (OspAutosave    *autosave);

/* Paths of autosaves whose session is gone, newest first.  Open one with osp_plan_open(),
 * then osp_autosave_remove() it. */
GPtrArray   *osp_autosave_list_recoverable (void);
void         osp_autosave_remove          (const char     *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspAutosave, osp_autosave_free)

G_END_DECLS
