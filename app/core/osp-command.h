/* osp-command.h — undoable operations on a plan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every change to a plan (osp-plan.h) is a command: the GUI, `osteoplan-cli plan run` and the
 * tests build one with a constructor below and hand it to osp_plan_execute(), which applies it
 * and pushes it on the undo stack.  A command stores only what it changes — a reference to a
 * model, the old and new value of one property, the immutable meshes of the pieces of a cut —
 * never a copy of the scene, so undo and redo cost the same whatever the size of the meshes.
 *
 * Old values are captured when the command is first executed, so a constructor needs no plan.
 * Planes and landmarks are named (names are unique within a plan) and commands refer to them by
 * name; models are referred to by the OspModel object itself.
 *
 * Each command has a translated label for the Edit menu ("Cut Ilium", "Rename Model") and
 * records one or more operations (JSON objects, see osp_plan_run_operation()) in the plan's
 * operation list, so a saved plan says how it was made and can be replayed.
 *
 * Commands are reference counted; use g_autoptr(OspCommand).  A command may be executed on one
 * plan only.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "osp-mesh.h"
#include "osp-model.h"

G_BEGIN_DECLS

typedef struct _OspCommand OspCommand;

OspCommand  *osp_command_ref              (OspCommand     *command);
void         osp_command_unref            (OspCommand     *command);

/* The translated label ("Cut Ilium"). */
const char  *osp_command_get_label        (OspCommand     *command);
/* Replaces the default label (label is shown as given: translate it first). */
void         osp_command_set_label        (OspCommand     *command,
                                           const char     *label);

/* A mergeable command is folded into the command on top of the undo stack when that one
 * changes the same property of the same target and the stack has not been sealed since
 * (osp_plan_seal_undo()): a drag of a plane or a model becomes one undo step.  Only
 * property changes (set-…, move-…) merge; for others the flag is ignored. */
/* Records `operation` (referenced) for the command instead of the one made from its fields,
 * e.g. {"op": "register", …} for the transform a registration sets. */
void         osp_command_set_operation    (OspCommand     *command,
                                           JsonObject     *operation);
void         osp_command_set_mergeable    (OspCommand     *command,
                                           gboolean        mergeable);

/* -- Models --------------------------------------------------------------------------------- */

/* Adds `model` at `position` (-1: at the end).  source_path, when not NULL, is the file the
 * mesh was read from and is recorded as a "load" operation (so the plan can be replayed);
 * otherwise an "add" operation is recorded.  Fails at execution when the plan already holds
 * the model or a model of the same name. */
OspCommand  *osp_command_new_add_model    (OspModel       *model,
                                           int             position,
                                           const char     *source_path);
OspCommand  *osp_command_new_delete_model (OspModel       *model);
/* Fails at execution when another model has that name.  Precondition: name non-empty. */
OspCommand  *osp_command_new_rename_model (OspModel       *model,
                                           const char     *name);
OspCommand  *osp_command_new_set_color    (OspModel       *model,
                                           guint32         rgb);
/* Clamped to 0–1. */
OspCommand  *osp_command_new_set_opacity  (OspModel       *model,
                                           double          opacity);
OspCommand  *osp_command_new_set_visible  (OspModel       *model,
                                           gboolean        visible);
OspCommand  *osp_command_new_set_role     (OspModel       *model,
                                           OspModelRole    role);
/* matrix: 16 floats, column-major; NULL is the identity. */
OspCommand  *osp_command_new_set_transform (OspModel      *model,
                                            const float   *matrix);
/* Gives the model a new mesh (a repair, a smoothing).  `operation`, when not NULL, is the JSON
 * object recorded for it (referenced); otherwise {"op": "set-mesh", …} is recorded, which
 * cannot be replayed. */
OspCommand  *osp_command_new_set_mesh     (OspModel       *model,
                                           OspMesh        *mesh,
                                           JsonObject     *operation);

/* -- Planes and landmarks ------------------------------------------------------------------ */

/* Preconditions: name non-empty, the plane's normal non-zero (it is normalised). */
OspCommand  *osp_command_new_add_plane    (const char     *name,
                                           const OspPlane *plane);
OspCommand  *osp_command_new_move_plane   (const char     *name,
                                           const OspPlane *plane);
OspCommand  *osp_command_new_delete_plane (const char     *name);
/* position: 3 floats (mm). */
OspCommand  *osp_command_new_add_landmark (const char     *name,
                                           const float    *position);
OspCommand  *osp_command_new_move_landmark (const char    *name,
                                            const float   *position);
OspCommand  *osp_command_new_delete_landmark (const char  *name);

/* -- Geometry ------------------------------------------------------------------------------ */

/* Replaces `model` by the pieces `inside` and `outside` (meshes, referenced), in the model's
 * place, with the model's transform and look, named "NAME resected N" / "NAME remaining N".
 * `operation` (referenced) is the "cut" operation recorded; label NULL gives "Cut".  This is
 * the undoable half of a cut; osp_plan_cut_model() (osp-plan.h) computes the pieces. */
OspCommand  *osp_command_new_replace_by_pieces (OspModel       *model,
                                                OspMesh *const *inside,
                                                guint           n_inside,
                                                OspMesh *const *outside,
                                                guint           n_outside,
                                                JsonObject     *operation,
                                                const char     *label);
/* Adds a template model made of `mesh` (already mirrored, world coordinates), named `name`,
 * after `source`.  `operation` (referenced) is the "mirror" operation recorded; label NULL
 * gives "Mirror". */
OspCommand  *osp_command_new_add_template (OspModel       *source,
                                           OspMesh        *mesh,
                                           const char     *name,
                                           JsonObject     *operation,
                                           const char     *label);

/* Several commands as one undo step ("Cut Ilium" = hide the pelvis + add the pieces).  Undone
 * in reverse order.  Preconditions: n_commands ≥ 1, none of them executed yet. */
OspCommand  *osp_command_new_group        (const char     *label,
                                           OspCommand *const *commands,
                                           guint           n_commands);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspCommand, osp_command_unref)

G_END_DECLS
