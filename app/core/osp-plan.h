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
#include "osp-model.h"
#include "osp-progress.h"
#include "osp-symmetry.h"

G_BEGIN_DECLS

/* The plan file format version this code writes and the newest it reads. */
#define OSP_PLAN_FORMAT_VERSION 1

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
 *   {"op": "register", "model": "Right mirrored", "max_rotation": 15,
 *    "max_translation": 20, "exclude_distance": 10}  (the template fitted to the intact bone)
 *   {"op": "export", "models": ["Pelvis remaining 1", …], "path": "out.3mf" | "out.stl",
 *    "merge": true}  (osp-export.h; models default to the visible ones; merge defaults to
 *    false for 3MF — one object per model — and true for STL/OBJ/PLY — one file)
 * Relative paths of "load" are resolved against base_dir, of "export" against export_dir
 * (either may be NULL: the current folder).  Every operation but "export" is undoable; errors
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
/* The same in a thread: the plan is read now (on the calling thread, quickly: names, numbers
 * and references to the immutable meshes), the zip is built and written in a thread, so the
 * window keeps running and the plan may change meanwhile.  On success, finish marks the
 * state that was saved as not modified (the plan stays modified if it changed since). */
void         osp_plan_save_async          (OspPlan        *self,
                                           const char     *path,
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
