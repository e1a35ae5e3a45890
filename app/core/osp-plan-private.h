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
  /* May be NULL.  When the command on top of the undo stack and `next_data` (already applied,
   * same table, both mergeable) are one gesture (a brush stroke), folds next into top and
   * returns TRUE. */
  gboolean    (*merge)          (gpointer    top_data,
                                 gpointer    next_data);
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
/* Replays {"op": "guide", …} (osp-guide-commands.c); out_report may be NULL. */
struct _OspGuideReport;
gboolean     osp_guide_run_operation      (OspPlan                *plan,
                                           JsonObject             *operation,
                                           struct _OspGuideReport *out_report,
                                           GCancellable           *cancellable,
                                           GError                **error);
/* A plane of an operation: a plane's name in the plan or [nx, ny, nz, d] (normalised). */
gboolean     osp_plan_parse_plane_node    (OspPlan        *plan,
                                           JsonNode       *node,
                                           const char     *where,
                                           OspPlane       *out_plane,
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

/* -- CT volumes, patient and masks (osp-plan-ct.c) ------------------------------------------ */

/* Registers the plan's signals for volumes, the patient and masks (from class_init). */
void         osp_plan_ct_class_init       (GObjectClass   *klass);
/* Appends the canonical text of the volumes, patient and masks (osp_plan_dump()). */
void         osp_plan_ct_dump             (OspPlan        *plan,
                                           GString        *out);

/* A binary entry of the plan file besides the meshes: a CT's voxels (referenced, written
 * as little-endian int16) or bytes (an encoded mask). */
typedef struct
{
  char      *entry;
  OspVolume *volume;
  GBytes    *bytes;
  char      *key;     /* osp_plan_blob_key_*(), filled in by the save */
} OspPlanBlob;

void         osp_plan_blob_free           (OspPlanBlob    *blob);
/* The name under which a save remembers where it wrote a blob compressed, so that the next
 * save copies the compressed bytes instead of compressing them again (osp-plan-file.c): a
 * volume's content id, or a SHA-256 digest of the bytes. */
char        *osp_plan_blob_key_for_volume (const OspVolume *volume);
char        *osp_plan_blob_key_for_bytes  (const void     *data,
                                           gsize           len);
/* Adds "patient", "volumes" and "masks" to plan.json's root and the entries they refer to
 * (OspPlanBlob*) to `blobs`; with `anonymise` the patients are left out. */
void         osp_plan_ct_to_json          (OspPlan        *plan,
                                           JsonObject     *root,
                                           GPtrArray      *blobs,
                                           gboolean        anonymise);
/* Reads an entry of the plan file into `dest`, which holds exactly `size` bytes; fails when
 * the entry is missing, damaged or not exactly that size. */
typedef gboolean (*OspPlanEntryReader) (gpointer     reader,
                                        const char  *entry,
                                        void        *dest,
                                        guint64      size,
                                        GError     **error);
/* Reads an entry of at most `limit` bytes (g_free). */
typedef guint8  *(*OspPlanEntryLoader) (gpointer     reader,
                                        const char  *entry,
                                        guint64      limit,
                                        gsize       *out_len,
                                        GError     **error);
/* Tells the reader that `entry`, read whole and checked, holds the blob named `key`. */
typedef void     (*OspPlanEntryKeep)   (gpointer     reader,
                                        const char  *entry,
                                        const char  *key);
/* Reads what osp_plan_ct_to_json() wrote (all optional: old plans have none of it). */
gboolean     osp_plan_ct_from_json        (OspPlan        *plan,
                                           JsonObject     *root,
                                           OspPlanEntryReader read_into,
                                           OspPlanEntryLoader load,
                                           OspPlanEntryKeep keep,
                                           gpointer        reader,
                                           const char     *where,
                                           GError        **error);

/* Whether `kind` is one of the CT operations ("load-ct", "add-mask", "paint-sphere",
 * "paint-disk", "paint-stroke", "grow-region", "fill-between", "add-tumour", "mesh-mask",
 * "split", "separate-bones", …) and running one (osp_plan_run_operation()). */
gboolean     osp_plan_ct_is_operation     (const char     *kind);
gboolean     osp_plan_ct_run_operation    (OspPlan        *plan,
                                           JsonObject     *op,
                                           const char     *kind,
                                           const char     *base_dir,
                                           GCancellable   *cancellable,
                                           GError        **error);

/* Masks as stored in plan files: "OSPMASK\0", u32 version 1, u32 dims[3], runs of (u8 value,
 * u32 length), u32 CRC-32 of everything before, little-endian. */
GBytes      *osp_mask_encode              (const OspMask  *mask);
/* Decodes into `mask` (whose grid the caller made from the JSON); fails naming `where`
 * when the bytes are damaged or do not fill exactly the grid. */
gboolean     osp_mask_decode              (OspMask        *mask,
                                           const guint8   *data,
                                           gsize           len,
                                           const char     *where,
                                           GError        **error);

G_END_DECLS
