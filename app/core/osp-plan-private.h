/* osp-plan-private.h — what the plan, its commands and its file code share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "osp-plan.h"

G_BEGIN_DECLS

/* -- Raw changes, made only by commands (osp-command.c) and the reader (osp-plan-file.c) ---- */

void         osp_plan_insert_model_raw    (OspPlan        *self,
                                           guint           index,
                                           OspModel       *model);
void         osp_plan_remove_model_raw    (OspPlan        *self,
                                           guint           index);
void         osp_plan_insert_plane_raw    (OspPlan        *self,
                                           guint           index,
                                           const char     *name,
                                           const OspPlane *plane);
void         osp_plan_remove_plane_raw    (OspPlan        *self,
                                           guint           index);
void         osp_plan_set_plane_raw       (OspPlan        *self,
                                           guint           index,
                                           const OspPlane *plane);
void         osp_plan_insert_landmark_raw (OspPlan        *self,
                                           guint           index,
                                           const char     *name,
                                           const float    *position);
void         osp_plan_remove_landmark_raw (OspPlan        *self,
                                           guint           index);
void         osp_plan_set_landmark_raw    (OspPlan        *self,
                                           guint           index,
                                           const float    *position);
/* Appends an operation (referenced) without a command (the reader). */
void         osp_plan_append_operation_raw (OspPlan       *self,
                                            JsonObject    *operation);
/* After reading a file: not modified, path set. */
void         osp_plan_set_saved           (OspPlan        *self,
                                           const char     *path);
/* After a save of the state whose top undo step was `top` (NULL: the bottom), which may no
 * longer be the current one (a save in a thread). */
void         osp_plan_set_saved_at        (OspPlan        *self,
                                           const char     *path,
                                           OspCommand     *top);
/* The command on top of the undo stack, or NULL. */
OspCommand  *osp_plan_get_top_command     (OspPlan        *self);

/* -- Commands, as the plan drives them (osp-command.c) -------------------------------------- */

/* Applies the command (first time or redo).  On failure nothing changed. */
gboolean     osp_command_apply            (OspCommand     *command,
                                           OspPlan        *plan,
                                           GError        **error);
void         osp_command_revert           (OspCommand     *command,
                                           OspPlan        *plan);
/* When `next` (already applied) continues `top` (a drag), folds it into `top` and returns
 * TRUE. */
gboolean     osp_command_try_merge        (OspCommand     *top,
                                           OspCommand     *next);
/* Appends the JSON operations the command records (new references) to `out`. */
void         osp_command_record           (OspCommand     *command,
                                           GPtrArray      *out);
/* Appends the meshes the command holds (not referenced) to `out`. */
void         osp_command_collect_meshes   (OspCommand     *command,
                                           GPtrArray      *out);

/* -- Commands defined outside osp-command.c (implants, measurements) ----------------------- */

/* apply: first time and redo (on failure nothing changed); revert: undo; record: the JSON
 * operation recorded (a new reference) or NULL; collect_meshes: appends the meshes only the
 * command holds (not referenced), may be NULL.  The table must outlive the command. */
typedef struct
{
  gboolean    (*apply)          (gpointer    data,
                                 OspPlan    *plan,
                                 GError    **error);
  void        (*revert)         (gpointer    data,
                                 OspPlan    *plan);
  JsonObject *(*record)         (gpointer    data);
  void        (*collect_meshes) (gpointer    data,
                                 GPtrArray  *out);
} OspCommandCustom;

/* A command driven by `custom`; data is freed with destroy (may be NULL) with the command. */
OspCommand  *osp_command_new_custom       (const char             *label,
                                           const OspCommandCustom *custom,
                                           gpointer                data,
                                           GDestroyNotify          destroy);

/* Replays {"op": "implant", "model": NAME, "implant": {…}, "transform": […]} (a new implant,
 * or new parameters for an existing one; osp-implant-commands.c) and {"op":
 * "add-measurement" | "delete-measurement", …} (osp-measure.c). */
gboolean     osp_implant_run_operation    (OspPlan        *plan,
                                           JsonObject     *operation,
                                           const char     *base_dir,
                                           GCancellable   *cancellable,
                                           GError        **error);
gboolean     osp_measure_run_operation    (OspPlan        *plan,
                                           JsonObject     *operation,
                                           GError        **error);

/* -- Small shared helpers ------------------------------------------------------------------- */

/* "#rrggbb"; free with g_free. */
char        *osp_plan_color_to_string     (guint32         rgb);
gboolean     osp_plan_color_from_string   (const char     *text,
                                           guint32        *out_rgb);
/* The role's nick ("bone") and back. */
const char  *osp_plan_role_to_string      (OspModelRole    role);
gboolean     osp_plan_role_from_string    (const char     *text,
                                           OspModelRole   *out_role);
/* Normalises a plane (unit normal, d scaled alike); FALSE for a zero or non-finite normal. */
gboolean     osp_plan_normalize_plane          (const OspPlane *plane,
                                           OspPlane       *out_plane);
/* Reverses the bytes of each of the n 32-bit words at `words` (integers or floats alike: the bits
 * move, never a value conversion) — how a big-endian machine reads the little-endian meshes. */
void         osp_plan_swap32              (void           *words,
                                           gsize           n);

G_END_DECLS
