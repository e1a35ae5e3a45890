/* osp-plan-ct.c — a case's CT volumes, its patient and its masks (the tumour, bone seeds)
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The state lives beside the plan (g_object_set_data) so the plan's own code stays small.
 * Volumes are immutable and shared by reference; masks change in place, and each edit
 * command keeps the old and new bytes of the box it touched (a stroke's dabs merge into one
 * command), so undo costs the size of the stroke, never of the CT.
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "osp-error.h"
#include "osp-mask.h"
#include "osp-memory.h"
#include "osp-mesh-io.h"
#include "osp-json.h"
#include "osp-plan-private.h"
#include "osp-segment.h"
#include "osp-volume-io.h"

#define CT_KEY "osp-plan-ct"
/* More CTs or masks than a case could have: a hostile file. */
#define MAX_CT_ITEMS 1000

/* One mask of the plan; shared by the plan and the commands that add or remove it. */
typedef struct
{
  char       *name;
  OspMask    *mask;
  OspVolume  *volume;
  guint32     rgb;
  OspMaskBox  dirty;
} MaskEntry;

typedef struct
{
  GPtrArray  *volumes;  /* OspVolume */
  OspPatient *patient;
  GPtrArray  *masks;    /* MaskEntry (rc box) */
} PlanCt;

enum
{
  SIGNAL_VOLUMES_CHANGED,
  SIGNAL_PATIENT_CHANGED,
  SIGNAL_MASKS_CHANGED,
  SIGNAL_MASK_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static JsonArray *doubles_to_array (const double *values,
                                    guint         n);
static JsonObject *edit_record (gpointer data);

static void
mask_entry_clear (MaskEntry *entry)
{
  g_free (entry->name);
  osp_mask_unref (entry->mask);
  osp_volume_unref (entry->volume);
}

static MaskEntry *
mask_entry_new (const char *name,
                OspMask    *mask,
                OspVolume  *volume,
                guint32     rgb)
{
  MaskEntry *entry = g_rc_box_new0 (MaskEntry);

  entry->name = g_strdup (name);
  entry->mask = osp_mask_ref (mask);
  entry->volume = osp_volume_ref (volume);
  entry->rgb = rgb;
  return entry;
}

static MaskEntry *
mask_entry_ref (MaskEntry *entry)
{
  return g_rc_box_acquire (entry);
}

static void
mask_entry_unref (MaskEntry *entry)
{
  g_rc_box_release_full (entry, (GDestroyNotify) mask_entry_clear);
}

static void
plan_ct_free (PlanCt *ct)
{
  g_ptr_array_unref (ct->volumes);
  g_ptr_array_unref (ct->masks);
  g_clear_pointer (&ct->patient, osp_patient_free);
  g_free (ct);
}

static PlanCt *
get_ct (OspPlan *plan)
{
  PlanCt *ct = g_object_get_data (G_OBJECT (plan), CT_KEY);

  if (ct == NULL)
    {
      ct = g_new0 (PlanCt, 1);
      ct->volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_volume_unref);
      ct->masks = g_ptr_array_new_with_free_func ((GDestroyNotify) mask_entry_unref);
      g_object_set_data_full (G_OBJECT (plan), CT_KEY, ct, (GDestroyNotify) plan_ct_free);
    }
  return ct;
}

void
osp_plan_ct_class_init (GObjectClass *klass)
{
  GType type = G_TYPE_FROM_CLASS (klass);

  signals[SIGNAL_VOLUMES_CHANGED] =
    g_signal_new ("volumes-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_PATIENT_CHANGED] =
    g_signal_new ("patient-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_MASKS_CHANGED] =
    g_signal_new ("masks-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_MASK_CHANGED] =
    g_signal_new ("mask-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_POINTER);
}

/* -- Access ----------------------------------------------------------------------------------- */

guint
osp_plan_get_n_volumes (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return get_ct (self)->volumes->len;
}

OspVolume *
osp_plan_get_volume (OspPlan *self,
                     guint    index)
{
  PlanCt *ct;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  ct = get_ct (self);
  g_return_val_if_fail (index < ct->volumes->len, NULL);

  return ct->volumes->pdata[index];
}

int
osp_plan_get_volume_index (OspPlan         *self,
                           const OspVolume *volume)
{
  guint index;

  g_return_val_if_fail (OSP_IS_PLAN (self), -1);

  if (volume == NULL || !g_ptr_array_find (get_ct (self)->volumes, volume, &index))
    return -1;
  return (int) index;
}

const OspPatient *
osp_plan_get_patient (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);

  return get_ct (self)->patient;
}

guint
osp_plan_get_n_masks (OspPlan *self)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), 0);

  return get_ct (self)->masks->len;
}

/* Precondition (checked by the callers): index < n_masks. */
static MaskEntry *
get_entry (OspPlan *self,
           guint    index)
{
  return get_ct (self)->masks->pdata[index];
}

OspMask *
osp_plan_get_mask (OspPlan *self,
                   guint    index)
{
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < osp_plan_get_n_masks (self), NULL);
  entry = get_entry (self, index);
  return entry != NULL ? entry->mask : NULL;
}

const char *
osp_plan_get_mask_name (OspPlan *self,
                        guint    index)
{
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < osp_plan_get_n_masks (self), NULL);
  entry = get_entry (self, index);
  return entry != NULL ? entry->name : NULL;
}

OspVolume *
osp_plan_get_mask_volume (OspPlan *self,
                          guint    index)
{
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (index < osp_plan_get_n_masks (self), NULL);
  entry = get_entry (self, index);
  return entry != NULL ? entry->volume : NULL;
}

guint32
osp_plan_get_mask_color (OspPlan *self,
                         guint    index)
{
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), 0);
  g_return_val_if_fail (index < osp_plan_get_n_masks (self), 0);
  entry = get_entry (self, index);
  return entry != NULL ? entry->rgb : 0;
}

int
osp_plan_find_mask (OspPlan    *self,
                    const char *name)
{
  PlanCt *ct;

  g_return_val_if_fail (OSP_IS_PLAN (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  ct = get_ct (self);
  for (guint i = 0; i < ct->masks->len; i++)
    if (strcmp (((MaskEntry *) ct->masks->pdata[i])->name, name) == 0)
      return (int) i;
  return -1;
}

void
osp_plan_get_mask_dirty_box (OspPlan    *self,
                             guint       mask_index,
                             OspMaskBox *out_box)
{
  MaskEntry *entry;

  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (out_box != NULL);

  memset (out_box, 0, sizeof *out_box);
  g_return_if_fail (mask_index < osp_plan_get_n_masks (self));
  entry = get_entry (self, mask_index);
  if (entry != NULL)
    *out_box = entry->dirty;
}

static int
entry_index (OspPlan   *plan,
             MaskEntry *entry)
{
  guint index;

  return g_ptr_array_find (get_ct (plan)->masks, entry, &index) ? (int) index : -1;
}

static void
emit_mask_changed (OspPlan          *plan,
                   MaskEntry        *entry,
                   const OspMaskBox *box)
{
  int index = entry_index (plan, entry);

  entry->dirty = *box;
  if (index >= 0)
    g_signal_emit (plan, signals[SIGNAL_MASK_CHANGED], 0, (guint) index, box);
}

/* -- Commands: volumes ------------------------------------------------------------------------ */

/* Adds or removes a volume (and, on removal, its masks, which are put back on undo). */
typedef struct
{
  OspVolume  *volume;
  gboolean    remove;
  guint       index;      /* where it was / is */
  OspPatient *old_patient;
  OspPatient *new_patient;
  gboolean    set_patient;
  GPtrArray  *masks;      /* MaskEntry removed with the volume */
  GArray     *mask_index; /* guint, their positions, ascending */
} VolumeChange;

static void
volume_change_free (VolumeChange *c)
{
  osp_volume_unref (c->volume);
  g_clear_pointer (&c->old_patient, osp_patient_free);
  g_clear_pointer (&c->new_patient, osp_patient_free);
  g_ptr_array_unref (c->masks);
  g_array_unref (c->mask_index);
  g_free (c);
}

static void
set_patient_raw (OspPlan          *plan,
                 const OspPatient *patient)
{
  PlanCt *ct = get_ct (plan);

  g_clear_pointer (&ct->patient, osp_patient_free);
  if (patient != NULL)
    ct->patient = osp_patient_copy (patient);
  g_signal_emit (plan, signals[SIGNAL_PATIENT_CHANGED], 0);
}

static void
volume_insert (OspPlan      *plan,
               VolumeChange *c)
{
  PlanCt *ct = get_ct (plan);

  g_ptr_array_insert (ct->volumes, (int) c->index, osp_volume_ref (c->volume));
  for (guint m = 0; m < c->masks->len; m++)
    g_ptr_array_insert (ct->masks, (int) g_array_index (c->mask_index, guint, m),
                        mask_entry_ref (c->masks->pdata[m]));
  if (c->masks->len > 0)
    g_signal_emit (plan, signals[SIGNAL_MASKS_CHANGED], 0);
  g_signal_emit (plan, signals[SIGNAL_VOLUMES_CHANGED], 0);
}

static void
volume_take_out (OspPlan      *plan,
                 VolumeChange *c)
{
  PlanCt *ct = get_ct (plan);

  g_ptr_array_set_size (c->masks, 0);
  g_array_set_size (c->mask_index, 0);
  for (guint m = 0; m < ct->masks->len; m++)
    if (((MaskEntry *) ct->masks->pdata[m])->volume == c->volume)
      {
        g_ptr_array_add (c->masks, mask_entry_ref (ct->masks->pdata[m]));
        g_array_append_val (c->mask_index, m);
      }
  for (guint m = c->mask_index->len; m > 0; m--)
    g_ptr_array_remove_index (ct->masks, g_array_index (c->mask_index, guint, m - 1));
  g_ptr_array_remove_index (ct->volumes, c->index);
  if (c->masks->len > 0)
    g_signal_emit (plan, signals[SIGNAL_MASKS_CHANGED], 0);
  g_signal_emit (plan, signals[SIGNAL_VOLUMES_CHANGED], 0);
}

static gboolean
volume_change_apply (gpointer   data,
                     OspPlan   *plan,
                     GError   **error)
{
  VolumeChange *c = data;
  PlanCt *ct = get_ct (plan);

  if (!c->remove)
    {
      if (g_ptr_array_find (ct->volumes, c->volume, NULL))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The case holds this CT already"));
          return FALSE;
        }
      c->index = ct->volumes->len;
      volume_insert (plan, c);
    }
  else
    {
      if (!g_ptr_array_find (ct->volumes, c->volume, &c->index))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The case does not hold this CT"));
          return FALSE;
        }
      volume_take_out (plan, c);
    }
  if (c->set_patient)
    set_patient_raw (plan, c->new_patient);
  return TRUE;
}

static void
volume_change_revert (gpointer  data,
                      OspPlan  *plan)
{
  VolumeChange *c = data;

  if (c->set_patient)
    set_patient_raw (plan, c->old_patient);
  if (!c->remove)
    {
      guint index;

      if (g_ptr_array_find (get_ct (plan)->volumes, c->volume, &index))
        {
          c->index = index;
          volume_take_out (plan, c);
        }
    }
  else
    volume_insert (plan, c);
}

static JsonObject *
volume_change_record (gpointer data)
{
  VolumeChange *c = data;
  JsonObject *op = json_object_new ();
  guint32 dims[3];

  osp_volume_get_dims (c->volume, dims);
  json_object_set_string_member (op, "op", c->remove ? "remove-ct" : "add-ct");
  json_object_set_int_member (op, "index", c->index);
  if (!c->remove)
    {
      g_autofree char *size = g_strdup_printf ("%u×%u×%u", dims[0], dims[1], dims[2]);

      json_object_set_string_member (op, "size", size);
    }
  return op;
}

static const OspCommandCustom volume_change_custom = {
  volume_change_apply,
  volume_change_revert,
  volume_change_record,
  NULL,
  NULL,
};

static VolumeChange *
volume_change_new (OspVolume *volume,
                   gboolean   remove)
{
  VolumeChange *c = g_new0 (VolumeChange, 1);

  c->volume = osp_volume_ref (volume);
  c->remove = remove;
  c->masks = g_ptr_array_new_with_free_func ((GDestroyNotify) mask_entry_unref);
  c->mask_index = g_array_new (FALSE, FALSE, sizeof (guint));
  return c;
}

gboolean
osp_plan_add_volume (OspPlan    *self,
                     OspVolume  *volume,
                     GError    **error)
{
  g_autoptr(OspCommand) command = NULL;
  const OspPatient *patient;
  VolumeChange *c;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (volume != NULL, FALSE);

  c = volume_change_new (volume, FALSE);
  patient = osp_volume_get_patient (volume);
  if (get_ct (self)->patient == NULL && patient != NULL)
    {
      c->set_patient = TRUE;
      c->new_patient = osp_patient_copy (patient);
    }
  command = osp_command_new_custom (_("Add CT"), &volume_change_custom, c,
                                    (GDestroyNotify) volume_change_free);
  return osp_plan_execute (self, command, error);
}

gboolean
osp_plan_remove_volume (OspPlan  *self,
                        guint     index,
                        GError  **error)
{
  g_autoptr(OspCommand) command = NULL;
  PlanCt *ct;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  ct = get_ct (self);
  g_return_val_if_fail (index < ct->volumes->len, FALSE);

  command = osp_command_new_custom (_("Remove CT"), &volume_change_custom,
                                    volume_change_new (ct->volumes->pdata[index], TRUE),
                                    (GDestroyNotify) volume_change_free);
  return osp_plan_execute (self, command, error);
}

/* -- Commands: the patient -------------------------------------------------------------------- */

typedef struct
{
  OspPatient *old_patient;
  OspPatient *new_patient;
} PatientChange;

static void
patient_change_free (PatientChange *c)
{
  g_clear_pointer (&c->old_patient, osp_patient_free);
  g_clear_pointer (&c->new_patient, osp_patient_free);
  g_free (c);
}

static gboolean
patient_change_apply (gpointer   data,
                      OspPlan   *plan,
                      GError   **error)
{
  PatientChange *c = data;
  const OspPatient *old = get_ct (plan)->patient;

  g_clear_pointer (&c->old_patient, osp_patient_free);
  c->old_patient = old != NULL ? osp_patient_copy (old) : NULL;
  set_patient_raw (plan, c->new_patient);
  return TRUE;
}

static void
patient_change_revert (gpointer  data,
                       OspPlan  *plan)
{
  PatientChange *c = data;

  set_patient_raw (plan, c->old_patient);
}

/* Never records the patient itself: operations are not personal data. */
static JsonObject *
patient_change_record (gpointer data)
{
  JsonObject *op = json_object_new ();

  json_object_set_string_member (op, "op", "set-patient");
  return op;
}

static const OspCommandCustom patient_change_custom = {
  patient_change_apply,
  patient_change_revert,
  patient_change_record,
  NULL,
  NULL,
};

gboolean
osp_plan_set_patient (OspPlan           *self,
                      const OspPatient  *patient,
                      GError           **error)
{
  g_autoptr(OspCommand) command = NULL;
  PatientChange *c;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);

  c = g_new0 (PatientChange, 1);
  c->new_patient = patient != NULL ? osp_patient_copy (patient) : NULL;
  command = osp_command_new_custom (_("Set Patient"), &patient_change_custom, c,
                                    (GDestroyNotify) patient_change_free);
  return osp_plan_execute (self, command, error);
}

/* -- Commands: masks -------------------------------------------------------------------------- */

typedef struct
{
  MaskEntry *entry;
  gboolean   remove;
  guint      index;
} MaskListChange;

static void
mask_list_change_free (MaskListChange *c)
{
  mask_entry_unref (c->entry);
  g_free (c);
}

static gboolean
mask_list_change_apply (gpointer   data,
                        OspPlan   *plan,
                        GError   **error)
{
  MaskListChange *c = data;
  PlanCt *ct = get_ct (plan);

  if (!c->remove)
    {
      if (osp_plan_find_mask (plan, c->entry->name) >= 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("There is already a mask named “%s”"), c->entry->name);
          return FALSE;
        }
      if (!g_ptr_array_find (ct->volumes, c->entry->volume, NULL))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The mask “%s” lies on a CT the case does not hold"), c->entry->name);
          return FALSE;
        }
      c->index = ct->masks->len;
      g_ptr_array_add (ct->masks, mask_entry_ref (c->entry));
    }
  else
    {
      if (!g_ptr_array_find (ct->masks, c->entry, &c->index))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The case has no mask named “%s”"), c->entry->name);
          return FALSE;
        }
      g_ptr_array_remove_index (ct->masks, c->index);
    }
  g_signal_emit (plan, signals[SIGNAL_MASKS_CHANGED], 0);
  return TRUE;
}

static void
mask_list_change_revert (gpointer  data,
                         OspPlan  *plan)
{
  MaskListChange *c = data;
  PlanCt *ct = get_ct (plan);

  if (!c->remove)
    g_ptr_array_remove (ct->masks, c->entry);
  else
    g_ptr_array_insert (ct->masks, (int) MIN (c->index, ct->masks->len),
                        mask_entry_ref (c->entry));
  g_signal_emit (plan, signals[SIGNAL_MASKS_CHANGED], 0);
}

static JsonObject *
mask_list_change_record (gpointer data)
{
  MaskListChange *c = data;
  JsonObject *op = json_object_new ();

  json_object_set_string_member (op, "op", c->remove ? "remove-mask" : "add-mask");
  json_object_set_string_member (op, "name", c->entry->name);
  return op;
}

static const OspCommandCustom mask_list_change_custom = {
  mask_list_change_apply,
  mask_list_change_revert,
  mask_list_change_record,
  NULL,
  NULL,
};

static OspCommand *
command_new_add_mask (MaskEntry  *entry,
                      const char *label)
{
  MaskListChange *c = g_new0 (MaskListChange, 1);

  c->entry = mask_entry_ref (entry);
  return osp_command_new_custom (label != NULL ? label : _("Add Mask"),
                                 &mask_list_change_custom, c,
                                 (GDestroyNotify) mask_list_change_free);
}

/* Checks the mask lies on the volume's grid; a new empty one when mask is NULL. */
static OspMask *
mask_for_volume (OspVolume  *volume,
                 OspMask    *mask,
                 const char *name,
                 GError    **error)
{
  OspGrid grid;

  osp_grid_from_volume (volume, &grid);
  if (mask == NULL)
    return osp_mask_new (&grid, error);
  if (!osp_grid_check_match (osp_mask_get_grid (mask), &grid, name, error))
    return NULL;
  return osp_mask_ref (mask);
}

gboolean
osp_plan_add_mask (OspPlan     *self,
                   guint        volume_index,
                   const char  *name,
                   OspMask     *mask,
                   guint32      rgb,
                   GError     **error)
{
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(OspMask) m = NULL;
  MaskEntry *entry;
  PlanCt *ct;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (name != NULL && name[0] != '\0', FALSE);
  ct = get_ct (self);
  g_return_val_if_fail (volume_index < ct->volumes->len, FALSE);

  m = mask_for_volume (ct->volumes->pdata[volume_index], mask, name, error);
  if (m == NULL)
    return FALSE;
  entry = mask_entry_new (name, m, ct->volumes->pdata[volume_index], rgb & 0xffffff);
  command = command_new_add_mask (entry, NULL);
  mask_entry_unref (entry);
  return osp_plan_execute (self, command, error);
}

gboolean
osp_plan_remove_mask (OspPlan  *self,
                      guint     index,
                      GError  **error)
{
  g_autoptr(OspCommand) command = NULL;
  MaskListChange *c;
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (index < osp_plan_get_n_masks (self), FALSE);
  entry = get_entry (self, index);

  c = g_new0 (MaskListChange, 1);
  c->entry = mask_entry_ref (entry);
  c->remove = TRUE;
  command = osp_command_new_custom (_("Remove Mask"), &mask_list_change_custom, c,
                                    (GDestroyNotify) mask_list_change_free);
  return osp_plan_execute (self, command, error);
}

/* A mask's name and colour ("Rename Mask", "Mask Colour"). */
typedef struct
{
  MaskEntry *entry;
  char      *name[2];   /* old, new */
  guint32    rgb[2];
} MaskProps;

static void
mask_props_free (MaskProps *c)
{
  mask_entry_unref (c->entry);
  g_free (c->name[0]);
  g_free (c->name[1]);
  g_free (c);
}

static void
mask_props_set (OspPlan   *plan,
                MaskProps *c,
                guint      which)
{
  g_free (c->entry->name);
  c->entry->name = g_strdup (c->name[which]);
  c->entry->rgb = c->rgb[which];
  g_signal_emit (plan, signals[SIGNAL_MASKS_CHANGED], 0);
}

static gboolean
mask_props_apply (gpointer   data,
                  OspPlan   *plan,
                  GError   **error)
{
  MaskProps *c = data;
  int other = osp_plan_find_mask (plan, c->name[1]);

  if (entry_index (plan, c->entry) < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The case has no mask named “%s”"),
                   c->name[0]);
      return FALSE;
    }
  if (other >= 0 && get_entry (plan, (guint) other) != c->entry)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("There is already a mask named “%s”"),
                   c->name[1]);
      return FALSE;
    }
  mask_props_set (plan, c, 1);
  return TRUE;
}

static void
mask_props_revert (gpointer  data,
                   OspPlan  *plan)
{
  mask_props_set (plan, data, 0);
}

static JsonObject *
mask_props_record (gpointer data)
{
  MaskProps *c = data;
  JsonObject *op = json_object_new ();
  g_autofree char *color = osp_plan_color_to_string (c->rgb[1]);

  json_object_set_string_member (op, "op", "set-mask");
  json_object_set_string_member (op, "mask", c->name[0]);
  json_object_set_string_member (op, "name", c->name[1]);
  json_object_set_string_member (op, "color", color);
  return op;
}

static const OspCommandCustom mask_props_custom = {
  mask_props_apply,
  mask_props_revert,
  mask_props_record,
  NULL,
  NULL,
};

gboolean
osp_plan_set_mask (OspPlan     *self,
                   guint        index,
                   const char  *name,
                   guint32      rgb,
                   GError     **error)
{
  g_autoptr(OspCommand) command = NULL;
  MaskProps *c;
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (index < osp_plan_get_n_masks (self), FALSE);
  g_return_val_if_fail (name == NULL || name[0] != '\0', FALSE);

  entry = get_entry (self, index);
  c = g_new0 (MaskProps, 1);
  c->entry = mask_entry_ref (entry);
  c->name[0] = g_strdup (entry->name);
  c->name[1] = g_strdup (name != NULL ? name : entry->name);
  c->rgb[0] = entry->rgb;
  c->rgb[1] = rgb & 0xffffff;
  command = osp_command_new_custom (name != NULL && strcmp (name, entry->name) != 0 ?
                                    _("Rename Mask") : _("Mask Colour"),
                                    &mask_props_custom, c, (GDestroyNotify) mask_props_free);
  return osp_plan_execute (self, command, error);
}

/* -- Commands: mask edits --------------------------------------------------------------------- */

/* One change of a box: its bytes before and after. */
typedef struct
{
  OspMaskBox box;
  guint8    *before;
  guint8    *after;
} Diff;

typedef enum
{
  EDIT_SPHERE,
  EDIT_DISK,
  EDIT_GROW,
  EDIT_FILL,
} EditKind;

typedef struct
{
  MaskEntry *entry;
  EditKind   kind;
  guint8     value;
  /* The first application's parameters. */
  double     centre[3];
  double     radius;
  guint      axis;
  guint32    slice_a, slice_b;
  int        min_hu, max_hu;
  guint64    n_added;
  /* After the first application: what changed, oldest first. */
  GArray    *diffs;   /* Diff */
  GPtrArray *merged;  /* JsonObject: the records of the dabs merged into this one */
  gboolean   applied_once;
} Edit;

static void
diff_clear (Diff *d)
{
  g_free (d->before);
  g_free (d->after);
}

static void
edit_free (Edit *e)
{
  mask_entry_unref (e->entry);
  g_array_unref (e->diffs);
  g_clear_pointer (&e->merged, g_ptr_array_unref);
  g_free (e);
}

/* The box the edit may touch, known before it runs (so its old bytes can be kept). */
static void
edit_box (Edit       *e,
          OspMaskBox *out)
{
  const OspGrid *g = osp_mask_get_grid (e->entry->mask);

  memset (out, 0, sizeof *out);
  switch (e->kind)
    {
    case EDIT_SPHERE:
    case EDIT_GROW:
      osp_grid_sphere_box (g, e->centre, e->radius, out);
      break;
    case EDIT_DISK:
      {
        /* The whole slice: cheap enough (one layer) and always right. */
        if (e->slice_a >= g->dims[e->axis])
          return;
        for (guint a = 0; a < 3; a++)
          out->max[a] = g->dims[a];
        out->min[e->axis] = e->slice_a;
        out->max[e->axis] = e->slice_a + 1;
        break;
      }
    case EDIT_FILL:
      {
        guint32 lo = MIN (e->slice_a, e->slice_b), hi = MAX (e->slice_a, e->slice_b);

        if (hi >= g->dims[e->axis] || hi - lo < 2)
          return;
        for (guint a = 0; a < 3; a++)
          out->max[a] = g->dims[a];
        out->min[e->axis] = lo + 1;
        out->max[e->axis] = hi;
        break;
      }
    }
}

/* The box of the voxels whose bytes differ; FALSE when none does. */
static gboolean
changed_box (const OspMaskBox *box,
             const guint8     *before,
             const guint8     *after,
             OspMaskBox       *out)
{
  guint32 w[3];
  gboolean any = FALSE;
  guint64 v = 0;

  memset (out, 0, sizeof *out);
  for (guint a = 0; a < 3; a++)
    w[a] = box->max[a] - box->min[a];
  for (guint32 k = 0; k < w[2]; k++)
    for (guint32 j = 0; j < w[1]; j++)
      for (guint32 i = 0; i < w[0]; i++, v++)
        if (before[v] != after[v])
          {
            guint32 at[3] = { i + box->min[0], j + box->min[1], k + box->min[2] };

            for (guint a = 0; a < 3; a++)
              {
                if (!any || at[a] < out->min[a])
                  out->min[a] = at[a];
                if (!any || at[a] + 1 > out->max[a])
                  out->max[a] = at[a] + 1;
              }
            any = TRUE;
          }
  return any;
}

/* The bytes of `sub` (inside `box`) out of the bytes of `box`. */
static guint8 *
sub_bytes (const OspMaskBox *box,
           const guint8     *bytes,
           const OspMaskBox *sub)
{
  guint32 w0 = box->max[0] - box->min[0], w1 = box->max[1] - box->min[1];
  guint8 *out = g_malloc (MAX (osp_mask_box_get_n_voxels (sub), 1)), *p = out;
  gsize w = sub->max[0] - sub->min[0];

  for (guint32 k = sub->min[2]; k < sub->max[2]; k++)
    for (guint32 j = sub->min[1]; j < sub->max[1]; j++)
      {
        gsize off = (sub->min[0] - box->min[0]) +
                    (gsize) w0 * ((j - box->min[1]) + (gsize) w1 * (k - box->min[2]));

        memcpy (p, bytes + off, w);
        p += w;
      }
  return out;
}

static gboolean
edit_apply (gpointer   data,
            OspPlan   *plan,
            GError   **error)
{
  Edit *e = data;
  OspMask *mask = e->entry->mask;
  OspMaskBox box, changed = OSP_MASK_BOX_EMPTY;

  if (entry_index (plan, e->entry) < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The case has no mask named “%s”"),
                   e->entry->name);
      return FALSE;
    }
  if (e->applied_once)
    {
      /* Redo: the bytes after, in order. */
      for (guint i = 0; i < e->diffs->len; i++)
        {
          Diff *d = &g_array_index (e->diffs, Diff, i);

          osp_mask_write_box (mask, &d->box, d->after);
          osp_mask_box_union (&changed, &d->box);
        }
      emit_mask_changed (plan, e->entry, &changed);
      return TRUE;
    }

  edit_box (e, &box);
  {
    Diff d = { box, NULL, NULL };
    gsize n_box = 0;

    if (!osp_memory_check ((guint64) (box.max[0] - box.min[0]) * (box.max[1] - box.min[1]) *
                           (box.max[2] - box.min[2]) * 2, NULL, _("the mask edit"), error))
      return FALSE;
    d.before = osp_mask_read_box (mask, &box, &n_box);
    switch (e->kind)
      {
      case EDIT_SPHERE:
        osp_mask_paint_sphere (mask, e->centre, e->radius, e->value, NULL);
        break;
      case EDIT_DISK:
        osp_mask_paint_disk (mask, e->axis, e->slice_a, e->centre, e->radius, e->value, NULL);
        break;
      case EDIT_GROW:
        if (!osp_mask_grow_region (mask, e->entry->volume, e->centre, e->min_hu, e->max_hu,
                                   e->radius, e->value, NULL, &e->n_added, error))
          {
            g_free (d.before);
            return FALSE;
          }
        break;
      case EDIT_FILL:
        if (!osp_mask_fill_between (mask, e->axis, e->slice_a, e->slice_b, e->value, NULL,
                                    error))
          {
            g_free (d.before);
            return FALSE;
          }
        break;
      }
    d.after = osp_mask_read_box (mask, &box, NULL);
    {
      OspMaskBox tight;

      /* Keep only the voxels that changed: strokes over painted voxels cost nothing. */
      if (n_box > 0 && changed_box (&box, d.before, d.after, &tight))
        {
          Diff t = { tight, sub_bytes (&box, d.before, &tight), sub_bytes (&box, d.after, &tight) };

          g_array_append_val (e->diffs, t);
          changed = tight;
        }
      diff_clear (&d);
    }
  }
  e->applied_once = TRUE;
  emit_mask_changed (plan, e->entry, &changed);
  return TRUE;
}

static void
edit_revert (gpointer  data,
             OspPlan  *plan)
{
  Edit *e = data;
  OspMaskBox changed = OSP_MASK_BOX_EMPTY;

  for (guint i = e->diffs->len; i > 0; i--)
    {
      Diff *d = &g_array_index (e->diffs, Diff, i - 1);

      osp_mask_write_box (e->entry->mask, &d->box, d->before);
      osp_mask_box_union (&changed, &d->box);
    }
  emit_mask_changed (plan, e->entry, &changed);
}

static gboolean
edit_merge (gpointer top_data,
            gpointer next_data)
{
  Edit *top = top_data, *next = next_data;

  if (top->entry != next->entry || top->kind > EDIT_DISK || next->kind > EDIT_DISK ||
      (top->value == 0) != (next->value == 0))
    return FALSE;
  g_array_append_vals (top->diffs, next->diffs->data, next->diffs->len);
  if (top->merged == NULL)
    top->merged = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_ptr_array_add (top->merged, edit_record (next));
  /* The diffs moved: next must not free them. */
  g_array_set_clear_func (next->diffs, NULL);
  g_array_set_size (next->diffs, 0);
  g_array_set_clear_func (next->diffs, (GDestroyNotify) diff_clear);
  return TRUE;
}

static JsonObject *edit_record_one (Edit *e);

/* A stroke of several dabs records {"op": "paint-stroke", "mask": …, "dabs": [dab, …]}. */
static JsonObject *
edit_record (gpointer data)
{
  Edit *e = data;
  JsonObject *op;
  JsonArray *dabs;

  if (e->merged == NULL || e->merged->len == 0)
    return edit_record_one (e);
  op = json_object_new ();
  dabs = json_array_new ();
  json_object_set_string_member (op, "op", "paint-stroke");
  json_object_set_string_member (op, "mask", e->entry->name);
  json_array_add_object_element (dabs, edit_record_one (e));
  for (guint i = 0; i < e->merged->len; i++)
    json_array_add_object_element (dabs, json_object_ref (e->merged->pdata[i]));
  json_object_set_array_member (op, "dabs", dabs);
  return op;
}

static JsonObject *
edit_record_one (Edit *e)
{
  JsonObject *op = json_object_new ();
  static const char *const names[] = { "paint-sphere", "paint-disk", "grow-region",
                                       "fill-between" };

  json_object_set_string_member (op, "op", names[e->kind]);
  json_object_set_string_member (op, "mask", e->entry->name);
  json_object_set_int_member (op, "value", e->value);
  if (e->kind != EDIT_FILL)
    json_object_set_array_member (op, e->kind == EDIT_GROW ? "seed" : "centre",
                                  doubles_to_array (e->centre, 3));
  if (e->kind != EDIT_FILL)
    json_object_set_double_member (op, "radius", e->radius);
  if (e->kind == EDIT_DISK || e->kind == EDIT_FILL)
    json_object_set_int_member (op, "axis", e->axis);
  if (e->kind == EDIT_DISK)
    json_object_set_int_member (op, "slice", e->slice_a);
  if (e->kind == EDIT_FILL)
    {
      json_object_set_int_member (op, "from", e->slice_a);
      json_object_set_int_member (op, "to", e->slice_b);
    }
  if (e->kind == EDIT_GROW)
    {
      json_object_set_int_member (op, "min-hu", e->min_hu);
      json_object_set_int_member (op, "max-hu", e->max_hu);
    }
  return op;
}

static const OspCommandCustom edit_custom = {
  edit_apply,
  edit_revert,
  edit_record,
  NULL,
  edit_merge,
};

static Edit *
edit_new (OspPlan  *plan,
          guint     mask_index,
          EditKind  kind,
          guint8    value)
{
  Edit *e = g_new0 (Edit, 1);

  e->entry = mask_entry_ref (get_entry (plan, mask_index));
  e->kind = kind;
  e->value = value;
  e->diffs = g_array_new (FALSE, FALSE, sizeof (Diff));
  g_array_set_clear_func (e->diffs, (GDestroyNotify) diff_clear);
  return e;
}

static gboolean
run_edit (OspPlan    *plan,
          Edit       *e,
          const char *label,
          gboolean    mergeable,
          GError    **error)
{
  g_autoptr(OspCommand) command = osp_command_new_custom (label, &edit_custom, e,
                                                          (GDestroyNotify) edit_free);

  osp_command_set_mergeable (command, mergeable);
  return osp_plan_execute (plan, command, error);
}

/* "Paint Tumour" / "Erase Tumour". */
static char *
edit_label (guint8      value,
            const char *name)
{
  /* TRANSLATORS: %s is a mask's name ("Paint Tumour"). */
  if (value != 0)
    return g_strdup_printf (_("Paint %s"), name);
  /* TRANSLATORS: %s is a mask's name ("Erase Tumour"). */
  return g_strdup_printf (_("Erase %s"), name);
}

gboolean
osp_plan_paint_sphere (OspPlan       *self,
                       guint          mask_index,
                       const double   centre_lps[3],
                       double         radius_mm,
                       guint8         value,
                       GError       **error)
{
  g_autofree char *label = NULL;
  Edit *e;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (mask_index < osp_plan_get_n_masks (self), FALSE);
  g_return_val_if_fail (centre_lps != NULL, FALSE);
  g_return_val_if_fail (isfinite (radius_mm) && radius_mm >= 0, FALSE);

  e = edit_new (self, mask_index, EDIT_SPHERE, value);
  memcpy (e->centre, centre_lps, sizeof e->centre);
  e->radius = radius_mm;
  label = edit_label (value, e->entry->name);
  return run_edit (self, e, label, TRUE, error);
}

gboolean
osp_plan_paint_disk (OspPlan       *self,
                     guint          mask_index,
                     guint          axis,
                     guint32        slice,
                     const double   centre_lps[3],
                     double         radius_mm,
                     guint8         value,
                     GError       **error)
{
  g_autofree char *label = NULL;
  Edit *e;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (mask_index < osp_plan_get_n_masks (self), FALSE);
  g_return_val_if_fail (axis < 3, FALSE);
  g_return_val_if_fail (centre_lps != NULL, FALSE);
  g_return_val_if_fail (isfinite (radius_mm) && radius_mm >= 0, FALSE);

  e = edit_new (self, mask_index, EDIT_DISK, value);
  memcpy (e->centre, centre_lps, sizeof e->centre);
  e->radius = radius_mm;
  e->axis = axis;
  e->slice_a = slice;
  label = edit_label (value, e->entry->name);
  return run_edit (self, e, label, TRUE, error);
}

gboolean
osp_plan_grow_region (OspPlan       *self,
                      guint          mask_index,
                      const double   seed_lps[3],
                      int            min_hu,
                      int            max_hu,
                      double         max_radius_mm,
                      guint8         value,
                      guint64       *out_n_added,
                      GError       **error)
{
  g_autofree char *label = NULL;
  Edit *e;
  gboolean ok;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (mask_index < osp_plan_get_n_masks (self), FALSE);
  g_return_val_if_fail (seed_lps != NULL, FALSE);
  g_return_val_if_fail (isfinite (max_radius_mm) && max_radius_mm > 0, FALSE);

  e = edit_new (self, mask_index, EDIT_GROW, value);
  memcpy (e->centre, seed_lps, sizeof e->centre);
  e->radius = max_radius_mm;
  e->min_hu = min_hu;
  e->max_hu = max_hu;
  /* TRANSLATORS: %s is a mask's name. */
  label = g_strdup_printf (_("Grow %s"), e->entry->name);
  /* The command owns e; read the count before it can go (it stays on the stack on success). */
  osp_plan_seal_undo (self);
  ok = run_edit (self, e, label, FALSE, error);
  if (out_n_added != NULL)
    *out_n_added = ok ? e->n_added : 0;
  return ok;
}

gboolean
osp_plan_fill_between (OspPlan  *self,
                       guint     mask_index,
                       guint     axis,
                       guint32   slice_a,
                       guint32   slice_b,
                       guint8    value,
                       GError  **error)
{
  g_autofree char *label = NULL;
  Edit *e;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (mask_index < osp_plan_get_n_masks (self), FALSE);
  g_return_val_if_fail (axis < 3 && value != 0, FALSE);

  e = edit_new (self, mask_index, EDIT_FILL, value);
  e->axis = axis;
  e->slice_a = slice_a;
  e->slice_b = slice_b;
  /* TRANSLATORS: %s is a mask's name. */
  label = g_strdup_printf (_("Fill %s Between Slices"), e->entry->name);
  osp_plan_seal_undo (self);
  return run_edit (self, e, label, FALSE, error);
}

/* -- Models from masks ------------------------------------------------------------------------ */

/* The command that puts `mesh` into the plan as model `name`: a new model, or a new mesh. */
static OspCommand *
command_for_mesh (OspPlan      *plan,
                  const char   *name,
                  OspMesh      *mesh,
                  OspModelRole  role,
                  OspModel    **out_model)
{
  OspModel *existing = osp_plan_find_model (plan, name);

  if (existing != NULL)
    {
      *out_model = existing;
      return osp_command_new_set_mesh (existing, mesh, NULL);
    }
  else
    {
      g_autoptr(OspModel) model = osp_model_new (name, mesh, role);

      *out_model = model;
      return osp_command_new_add_model (model, -1, NULL);
    }
}

OspModel *
osp_plan_mesh_mask (OspPlan       *self,
                    guint          mask_index,
                    guint8         label,
                    const char    *model_name,
                    OspModelRole   role,
                    guint          smooth_iterations,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autofree char *label_text = NULL;
  MaskEntry *entry;
  OspModel *model = NULL;
  const char *name;

  g_return_val_if_fail (OSP_IS_PLAN (self), NULL);
  g_return_val_if_fail (mask_index < osp_plan_get_n_masks (self), NULL);
  g_return_val_if_fail (role <= OSP_MODEL_ROLE_LAST, NULL);

  entry = get_entry (self, mask_index);
  name = model_name != NULL ? model_name : entry->name;
  mesh = osp_mask_to_mesh (entry->mask, label, smooth_iterations, cancellable, error);
  if (mesh == NULL)
    return NULL;
  if (osp_mesh_get_n_triangles (mesh) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                   _("The mask “%s” is empty: paint or import the region first"), entry->name);
      return NULL;
    }
  command = command_for_mesh (self, name, mesh, role, &model);
  /* TRANSLATORS: %s is a model's name. */
  label_text = g_strdup_printf (_("Make Model %s"), name);
  osp_command_set_label (command, label_text);
  g_object_ref (model);
  if (!osp_plan_execute (self, command, error))
    {
      g_object_unref (model);
      return NULL;
    }
  g_object_unref (model);
  return osp_plan_find_model (self, name);
}

/* Adds `mask` as a new mask `name` on volume `volume_index` and its mesh as a tumour model,
 * one undo step. */
static gboolean
add_tumour_meshed (OspPlan       *plan,
                   guint          volume_index,
                   OspMask       *mask,
                   OspMesh       *premade,
                   const char    *name,
                   const char    *display_name,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(OspMesh) mesh = premade != NULL ? osp_mesh_ref (premade) : NULL;
  g_autofree char *model_name = NULL;
  OspCommand *commands[2];
  g_autoptr(OspCommand) group = NULL;
  g_autofree char *label = NULL;
  MaskEntry *entry;
  OspModel *model;
  PlanCt *ct = get_ct (plan);

  if (osp_plan_find_mask (plan, name) >= 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: there is already a mask named “%s”"), display_name, name);
      return FALSE;
    }
  if (mesh == NULL)
    mesh = osp_mask_to_mesh (mask, 0, 0, cancellable, error);
  if (mesh == NULL)
    return FALSE;
  model_name = osp_plan_make_unique_name (plan, name);
  entry = mask_entry_new (name, mask, ct->volumes->pdata[volume_index],
                          osp_model_role_default_color (OSP_MODEL_ROLE_TUMOUR, 0));
  commands[0] = command_new_add_mask (entry, NULL);
  mask_entry_unref (entry);
  commands[1] = command_for_mesh (plan, model_name, mesh, OSP_MODEL_ROLE_TUMOUR, &model);
  /* TRANSLATORS: %s is the tumour's name. */
  label = g_strdup_printf (_("Import %s"), name);
  group = osp_command_new_group (label, commands, 2);
  osp_command_unref (commands[0]);
  osp_command_unref (commands[1]);
  return osp_plan_execute (plan, group, error);
}

static gboolean
add_tumour (OspPlan       *plan,
            guint          volume_index,
            OspMask       *mask,
            const char    *name,
            const char    *display_name,
            GCancellable  *cancellable,
            GError       **error)
{
  return add_tumour_meshed (plan, volume_index, mask, NULL, name, display_name, cancellable,
                            error);
}

gboolean
osp_plan_add_tumour (OspPlan       *self,
                     guint          volume_index,
                     OspMask       *mask,
                     const char    *name,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(OspMask) m = NULL;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (volume_index < osp_plan_get_n_volumes (self), FALSE);
  g_return_val_if_fail (mask != NULL && name != NULL && name[0] != '\0', FALSE);

  m = mask_for_volume (osp_plan_get_volume (self, volume_index), mask, name, error);
  if (m == NULL)
    return FALSE;
  if (osp_mask_count (m, 0) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("The mask “%s” is empty: paint or import the region first"), name);
      return FALSE;
    }
  return add_tumour (self, volume_index, m, name, name, cancellable, error);
}

gboolean
osp_plan_import_label_map (OspPlan       *self,
                           guint          volume_index,
                           const char    *path,
                           int            label,
                           const char    *name,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(OspVolume) labels = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autofree char *display_name = NULL;
  OspGrid grid;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (volume_index < osp_plan_get_n_volumes (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  display_name = osp_error_display_name (path);
  labels = osp_volume_load (path, NULL, NULL, cancellable, error);
  if (labels == NULL)
    return FALSE;
  osp_grid_from_volume (osp_plan_get_volume (self, volume_index), &grid);
  mask = osp_mask_from_label_map (labels, label, 1, &grid, display_name, error);
  if (mask == NULL)
    return FALSE;
  return add_tumour (self, volume_index, mask, name != NULL ? name : _("Tumour"), display_name,
                     cancellable, error);
}

gboolean
osp_plan_import_mask_mesh (OspPlan       *self,
                           guint          volume_index,
                           const char    *path,
                           const char    *name,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr(OspMesh) mesh = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autofree char *display_name = NULL;
  OspGrid grid;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (volume_index < osp_plan_get_n_volumes (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  display_name = osp_error_display_name (path);
  mesh = osp_mesh_load (path, NULL, cancellable, error);
  if (mesh == NULL)
    return FALSE;
  osp_grid_from_volume (osp_plan_get_volume (self, volume_index), &grid);
  mask = osp_mask_from_mesh (mesh, &grid, 1, display_name, cancellable, error);
  if (mask == NULL)
    return FALSE;
  return add_tumour (self, volume_index, mask, name != NULL ? name : _("Tumour"), display_name,
                     cancellable, error);
}

/* -- Import in a thread ----------------------------------------------------------------------- */

typedef struct
{
  OspVolume *ct;          /* the CT, immutable, read in the thread */
  char      *path;
  int        label;       /* < 0: a mesh file */
  char      *name;
  char      *display_name;
  OspMask   *mask;        /* results */
  OspMesh   *mesh;
} ImportJob;

static void
import_job_free (ImportJob *job)
{
  osp_volume_unref (job->ct);
  g_free (job->path);
  g_free (job->name);
  g_free (job->display_name);
  g_clear_pointer (&job->mask, osp_mask_unref);
  g_clear_pointer (&job->mesh, osp_mesh_unref);
  g_free (job);
}

static void
import_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  ImportJob *job = data;
  GError *error = NULL;
  OspGrid grid;

  osp_grid_from_volume (job->ct, &grid);
  if (job->label >= 0)
    {
      g_autoptr(OspVolume) labels = osp_volume_load (job->path, NULL, NULL, cancellable, &error);

      if (labels != NULL)
        job->mask = osp_mask_from_label_map (labels, job->label, 1, &grid, job->display_name,
                                             &error);
    }
  else
    {
      g_autoptr(OspMesh) mesh = osp_mesh_load (job->path, NULL, cancellable, &error);

      if (mesh != NULL)
        job->mask = osp_mask_from_mesh (mesh, &grid, 1, job->display_name, cancellable, &error);
    }
  if (job->mask != NULL)
    job->mesh = osp_mask_to_mesh (job->mask, 0, 0, cancellable, &error);
  if (job->mesh != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
osp_plan_import_tumour_async (OspPlan             *self,
                              guint                volume_index,
                              const char          *path,
                              int                  label,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportJob *job;

  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (volume_index < osp_plan_get_n_volumes (self));
  g_return_if_fail (path != NULL);

  job = g_new0 (ImportJob, 1);
  job->ct = osp_volume_ref (osp_plan_get_volume (self, volume_index));
  job->path = g_strdup (path);
  job->label = label;
  job->name = g_strdup (name != NULL ? name : _("Tumour"));
  job->display_name = osp_error_display_name (path);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osp_plan_import_tumour_async);
  g_task_set_task_data (task, job, (GDestroyNotify) import_job_free);
  g_task_run_in_thread (task, import_thread);
}

gboolean
osp_plan_import_tumour_finish (OspPlan       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  ImportJob *job;
  int index;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  index = osp_plan_get_volume_index (self, job->ct);
  if (index < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: its CT was removed from the case meanwhile"), job->display_name);
      return FALSE;
    }
  return add_tumour_meshed (self, (guint) index, job->mask, job->mesh, job->name,
                            job->display_name, NULL, error);
}

/* -- Bone pieces ------------------------------------------------------------------------------ */

/* Replaces `model` by `meshes` named names[i], one undo step labelled `label`. */
static gboolean
replace_model (OspPlan     *plan,
               OspModel    *model,
               OspMesh    **meshes,
               char       **names,
               guint        n,
               OspModelRole role,
               const char  *label,
               GError     **error)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  osp_command_unref);
  g_autoptr(OspCommand) group = NULL;
  int position = osp_plan_get_model_index (plan, model);
  float transform[16];

  osp_model_get_transform (model, transform);
  g_ptr_array_add (commands, osp_command_new_delete_model (model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) piece = osp_model_new (names[i], meshes[i], role);

      osp_model_set_transform (piece, transform);
      if (role == osp_model_get_role (model))
        osp_model_set_color (piece, osp_model_role_default_color (role, i));
      g_ptr_array_add (commands, osp_command_new_add_model (piece, position + (int) i, NULL));
    }
  group = osp_command_new_group (label, (OspCommand *const *) commands->pdata, commands->len);
  return osp_plan_execute (plan, group, error);
}

typedef struct
{
  OspMesh *mesh;
  double   volume;
  guint    order;
} Piece;

static int
compare_pieces (gconstpointer a,
                gconstpointer b)
{
  const Piece *pa = a, *pb = b;

  if (pa->volume != pb->volume)
    return pa->volume < pb->volume ? 1 : -1;
  return pa->order < pb->order ? -1 : pa->order > pb->order;
}

/* Splits a mesh into connected pieces (through shared edges), largest volume first (ties in
 * the order of their first triangle). */
static GPtrArray *
split_pieces (const OspMesh *mesh)
{
  guint32 n_tri = osp_mesh_get_n_triangles (mesh);
  g_autofree guint32 *labels = g_new (guint32, MAX (n_tri, 1));
  GPtrArray *pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  guint32 n = osp_mesh_label_components (mesh, labels);
  g_autofree Piece *all = g_new0 (Piece, MAX (n, 1));

  for (guint32 c = 0; c < n; c++)
    {
      all[c].mesh = osp_mesh_extract_label (mesh, labels, c);
      all[c].volume = fabs (osp_mesh_get_volume (all[c].mesh));
      all[c].order = c;
    }
  qsort (all, n, sizeof (Piece), compare_pieces);
  for (guint32 c = 0; c < n; c++)
    g_ptr_array_add (pieces, all[c].mesh);
  return pieces;
}

gboolean
osp_plan_split_model (OspPlan   *self,
                      OspModel  *model,
                      guint     *out_n_pieces,
                      GError   **error)
{
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *label = NULL;
  OspModelRole role;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (osp_plan_get_model_index (self, model) >= 0, FALSE);

  if (out_n_pieces != NULL)
    *out_n_pieces = 0;
  pieces = split_pieces (osp_model_get_mesh (model));
  if (pieces->len < 2)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("“%s” is one piece already: nothing to split"), osp_model_get_name (model));
      return FALSE;
    }
  if (pieces->len > 10000)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("“%s” falls into %u pieces, too many to list: remove the small ones "
                     "first (keep the largest pieces)"), osp_model_get_name (model),
                   pieces->len);
      return FALSE;
    }
  for (guint i = 0; i < pieces->len; i++)
    {
      /* TRANSLATORS: a model's name and a piece number ("Pelvis piece 2"). */
      g_autofree char *base = g_strdup_printf (_("%s piece %u"), osp_model_get_name (model),
                                               i + 1);
      char *name = osp_plan_make_unique_name (self, base);

      /* Unique among the names chosen so far too. */
      for (guint k = 2; ; k++)
        {
          gboolean taken = FALSE;

          for (guint m = 0; m < names->len && !taken; m++)
            taken = strcmp (names->pdata[m], name) == 0;
          if (!taken)
            break;
          g_free (name);
          name = g_strdup_printf ("%s (%u)", base, k);
        }
      g_ptr_array_add (names, name);
    }
  role = osp_model_get_role (model);
  /* TRANSLATORS: %s is a model's name. */
  label = g_strdup_printf (_("Split %s"), osp_model_get_name (model));
  if (!replace_model (self, model, (OspMesh **) pieces->pdata, (char **) names->pdata,
                      pieces->len, role, label, error))
    return FALSE;
  if (out_n_pieces != NULL)
    *out_n_pieces = pieces->len;
  return TRUE;
}

gboolean
osp_plan_delete_models (OspPlan          *self,
                        OspModel *const  *models,
                        guint             n_models,
                        GError          **error)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  osp_command_unref);
  g_autoptr(OspCommand) group = NULL;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (models != NULL && n_models >= 1, FALSE);

  for (guint i = 0; i < n_models; i++)
    {
      if (osp_plan_get_model_index (self, models[i]) < 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The model “%s” is not in the plan"), osp_model_get_name (models[i]));
          return FALSE;
        }
      g_ptr_array_add (commands, osp_command_new_delete_model (models[i]));
    }
  group = osp_command_new_group (g_dngettext (GETTEXT_PACKAGE, "Delete Piece", "Delete Pieces",
                                              n_models),
                                 (OspCommand *const *) commands->pdata, commands->len);
  return osp_plan_execute (self, group, error);
}

/* The two regions' meshes (largest piece of each). */
static gboolean
separate_meshes (OspVolume     *volume,
                 const OspMask *seeds,
                 double         threshold_hu,
                 guint8         label_a,
                 guint8         label_b,
                 OspMesh      **out_a,
                 OspMesh      **out_b,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(OspMask) regions = NULL;
  g_autoptr(OspMesh) raw = NULL;

  regions = osp_mask_separate (volume, seeds, threshold_hu, label_a, label_b, NULL, NULL,
                               cancellable, error);
  if (regions == NULL)
    return FALSE;
  raw = osp_mask_to_mesh (regions, label_a, 0, cancellable, error);
  if (raw == NULL)
    return FALSE;
  *out_a = osp_mesh_keep_largest (raw, 1, 0);
  g_clear_pointer (&raw, osp_mesh_unref);
  raw = osp_mask_to_mesh (regions, label_b, 0, cancellable, error);
  if (raw == NULL)
    {
      g_clear_pointer (out_a, osp_mesh_unref);
      return FALSE;
    }
  *out_b = osp_mesh_keep_largest (raw, 1, 0);
  return TRUE;
}

static gboolean add_separated (OspPlan     *self,
                               OspMesh     *mesh_a,
                               OspMesh     *mesh_b,
                               const char  *name_a,
                               const char  *name_b,
                               GError     **error);

gboolean
osp_plan_separate_bones (OspPlan       *self,
                         guint          mask_index,
                         double         threshold_hu,
                         guint8         label_a,
                         guint8         label_b,
                         const char    *name_a,
                         const char    *name_b,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(OspMesh) mesh_a = NULL;
  g_autoptr(OspMesh) mesh_b = NULL;
  MaskEntry *entry;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (mask_index < osp_plan_get_n_masks (self), FALSE);
  g_return_val_if_fail (name_a != NULL && name_b != NULL && strcmp (name_a, name_b) != 0,
                        FALSE);
  g_return_val_if_fail (label_a != 0 && label_b != 0 && label_a != label_b, FALSE);

  entry = get_entry (self, mask_index);
  if (!separate_meshes (entry->volume, entry->mask, threshold_hu, label_a, label_b, &mesh_a,
                        &mesh_b, cancellable, error))
    return FALSE;
  return add_separated (self, mesh_a, mesh_b, name_a, name_b, error);
}

static gboolean
add_separated (OspPlan     *self,
               OspMesh     *mesh_a,
               OspMesh     *mesh_b,
               const char  *name_a,
               const char  *name_b,
               GError     **error)
{
  g_autoptr(OspCommand) group = NULL;
  g_autofree char *label = NULL;
  OspCommand *commands[2];
  OspModel *model;

  commands[0] = command_for_mesh (self, name_a, mesh_a, OSP_MODEL_ROLE_BONE, &model);
  commands[1] = command_for_mesh (self, name_b, mesh_b, OSP_MODEL_ROLE_BONE, &model);
  label = g_strdup (_("Separate Bones"));
  group = osp_command_new_group (label, commands, 2);
  osp_command_unref (commands[0]);
  osp_command_unref (commands[1]);
  return osp_plan_execute (self, group, error);
}

typedef struct
{
  OspVolume *ct;
  OspMask   *seeds;     /* a copy: the plan's mask may be painted meanwhile */
  double     threshold;
  guint8     a, b;
  char      *name_a, *name_b;
  OspMesh   *mesh_a, *mesh_b;
} SeparateJob;

static void
separate_job_free (SeparateJob *job)
{
  osp_volume_unref (job->ct);
  osp_mask_unref (job->seeds);
  g_free (job->name_a);
  g_free (job->name_b);
  g_clear_pointer (&job->mesh_a, osp_mesh_unref);
  g_clear_pointer (&job->mesh_b, osp_mesh_unref);
  g_free (job);
}

static void
separate_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancellable)
{
  SeparateJob *job = data;
  GError *error = NULL;

  if (separate_meshes (job->ct, job->seeds, job->threshold, job->a, job->b, &job->mesh_a,
                       &job->mesh_b, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
osp_plan_separate_bones_async (OspPlan             *self,
                               guint                mask_index,
                               double               threshold_hu,
                               guint8               label_a,
                               guint8               label_b,
                               const char          *name_a,
                               const char          *name_b,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SeparateJob *job;
  MaskEntry *entry;

  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (mask_index < osp_plan_get_n_masks (self));
  g_return_if_fail (name_a != NULL && name_b != NULL && strcmp (name_a, name_b) != 0);
  g_return_if_fail (label_a != 0 && label_b != 0 && label_a != label_b);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, osp_plan_separate_bones_async);
  entry = get_entry (self, mask_index);
  job = g_new0 (SeparateJob, 1);
  job->seeds = osp_mask_copy (entry->mask, &error);
  if (job->seeds == NULL)
    {
      g_free (job);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->ct = osp_volume_ref (entry->volume);
  job->threshold = threshold_hu;
  job->a = label_a;
  job->b = label_b;
  job->name_a = g_strdup (name_a);
  job->name_b = g_strdup (name_b);
  g_task_set_task_data (task, job, (GDestroyNotify) separate_job_free);
  g_task_run_in_thread (task, separate_thread);
}

gboolean
osp_plan_separate_bones_finish (OspPlan       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  SeparateJob *job;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  return add_separated (self, job->mesh_a, job->mesh_b, job->name_a, job->name_b, error);
}

/* -- Files ------------------------------------------------------------------------------------ */

void
osp_plan_blob_free (OspPlanBlob *blob)
{
  if (blob == NULL)
    return;
  g_free (blob->entry);
  g_free (blob->key);
  g_clear_pointer (&blob->volume, osp_volume_unref);
  g_clear_pointer (&blob->bytes, g_bytes_unref);
  g_free (blob);
}

static JsonArray *
doubles_to_array (const double *values,
                  guint         n)
{
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

static JsonObject *
grid_to_json (const OspGrid *grid)
{
  JsonObject *object = json_object_new ();
  JsonArray *dims = json_array_sized_new (3);

  for (guint a = 0; a < 3; a++)
    json_array_add_int_element (dims, grid->dims[a]);
  json_object_set_array_member (object, "dims", dims);
  json_object_set_array_member (object, "spacing", doubles_to_array (grid->spacing, 3));
  json_object_set_array_member (object, "origin", doubles_to_array (grid->origin, 3));
  json_object_set_array_member (object, "direction", doubles_to_array (grid->direction, 9));
  return object;
}

void
osp_plan_ct_to_json (OspPlan    *plan,
                     JsonObject *root,
                     GPtrArray  *blobs,
                     gboolean    anonymise)
{
  PlanCt *ct = get_ct (plan);
  JsonArray *volumes, *masks;

  if (ct->volumes->len == 0 && ct->masks->len == 0 && ct->patient == NULL)
    return;
  if (ct->patient != NULL && !anonymise)
    json_object_set_object_member (root, "patient", osp_patient_to_json (ct->patient));
  volumes = json_array_new ();
  for (guint v = 0; v < ct->volumes->len; v++)
    {
      OspVolume *volume = ct->volumes->pdata[v];
      OspPlanBlob *blob = g_new0 (OspPlanBlob, 1);
      OspGrid grid;
      JsonObject *object;
      const char *description = osp_volume_get_description (volume);

      osp_grid_from_volume (volume, &grid);
      object = grid_to_json (&grid);
      blob->entry = g_strdup_printf ("volumes/%u.raw", v);
      blob->volume = osp_volume_ref (volume);
      g_ptr_array_add (blobs, blob);
      json_object_set_string_member (object, "data", blob->entry);
      json_object_set_string_member (object, "type", "int16le");
      if (description != NULL && !anonymise)
        json_object_set_string_member (object, "description", description);
      {
        guint n_notes = 0;
        const char *const *notes = osp_volume_get_notes (volume, &n_notes);

        if (n_notes > 0)
          {
            JsonArray *array = json_array_new ();

            for (guint i = 0; i < n_notes; i++)
              json_array_add_string_element (array, notes[i]);
            json_object_set_array_member (object, "notes", array);
          }
      }
      if (osp_volume_get_patient (volume) != NULL && !anonymise)
        json_object_set_object_member (object, "patient",
                                       osp_patient_to_json (osp_volume_get_patient (volume)));
      json_array_add_object_element (volumes, object);
    }
  json_object_set_array_member (root, "volumes", volumes);

  masks = json_array_new ();
  for (guint m = 0; m < ct->masks->len; m++)
    {
      MaskEntry *entry = ct->masks->pdata[m];
      OspPlanBlob *blob = g_new0 (OspPlanBlob, 1);
      JsonObject *object = json_object_new ();
      g_autofree char *color = osp_plan_color_to_string (entry->rgb);
      guint index = 0;

      g_ptr_array_find (ct->volumes, entry->volume, &index);
      blob->entry = g_strdup_printf ("masks/%u.rle", m);
      blob->bytes = osp_mask_encode (entry->mask);
      g_ptr_array_add (blobs, blob);
      json_object_set_string_member (object, "name", entry->name);
      json_object_set_int_member (object, "volume", index);
      json_object_set_string_member (object, "color", color);
      json_object_set_string_member (object, "data", blob->entry);
      json_array_add_object_element (masks, object);
    }
  json_object_set_array_member (root, "masks", masks);
}

static gboolean
get_doubles (JsonObject  *object,
             const char  *key,
             double      *out,
             guint        n,
             const char  *where,
             GError     **error)
{
  g_autofree float *values = g_new (float, n);
  JsonNode *node;
  JsonArray *array;

  if (!osp_json_get_member (object, key, JSON_TYPE_ARRAY, TRUE, &node, where, error) ||
      !osp_json_get_floats (node, values, n, where, key, error))
    return FALSE;
  /* Read again as doubles (the float check proved they are finite numbers). */
  array = json_node_get_array (node);
  for (guint i = 0; i < n; i++)
    out[i] = json_array_get_double_element (array, i);
  return TRUE;
}

static gboolean
grid_from_json (JsonObject  *object,
                OspGrid     *grid,
                const char  *where,
                GError     **error)
{
  double dims[3];

  if (!get_doubles (object, "dims", dims, 3, where, error) ||
      !get_doubles (object, "spacing", grid->spacing, 3, where, error) ||
      !get_doubles (object, "origin", grid->origin, 3, where, error) ||
      !get_doubles (object, "direction", grid->direction, 9, where, error))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    {
      if (dims[a] < 1 || dims[a] > 65535 || dims[a] != floor (dims[a]) ||
          !(grid->spacing[a] > 0) || grid->spacing[a] > 1000 || fabs (grid->origin[a]) > 1e7)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a CT has an impossible size, spacing or position"), where);
          return FALSE;
        }
      grid->dims[a] = (guint32) dims[a];
    }
  for (guint a = 0; a < 3; a++)
    {
      const double *d = grid->direction + 3 * a;

      if (fabs (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] - 1.0) > 1e-3)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a CT’s axes are not unit vectors"), where);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
get_object_at (JsonArray   *array,
               guint        i,
               JsonObject **out,
               const char  *where,
               GError     **error)
{
  JsonNode *element = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (element))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: an entry of “volumes” or “masks” is not an object"), where);
      return FALSE;
    }
  *out = json_node_get_object (element);
  return TRUE;
}

gboolean
osp_plan_ct_from_json (OspPlan            *plan,
                       JsonObject         *root,
                       OspPlanEntryReader  read_into,
                       OspPlanEntryLoader  load,
                       OspPlanEntryKeep    keep,
                       gpointer            reader,
                       const char         *where,
                       GError            **error)
{
  PlanCt *ct = get_ct (plan);
  JsonNode *node;
  JsonArray *array;

  if (!osp_json_get_member (root, "patient", JSON_TYPE_OBJECT, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      ct->patient = osp_patient_from_json (json_node_get_object (node), where, error);
      if (ct->patient == NULL)
        return FALSE;
    }

  if (!osp_json_get_member (root, "volumes", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  if (array != NULL && json_array_get_length (array) > MAX_CT_ITEMS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: too many CTs"), where);
      return FALSE;
    }
  for (guint v = 0; array != NULL && v < json_array_get_length (array); v++)
    {
      g_autoptr(OspVolume) volume = NULL;
      JsonObject *object;
      OspGrid grid;
      const char *entry;
      guint64 bytes;

      if (!get_object_at (array, v, &object, where, error) ||
          !grid_from_json (object, &grid, where, error) ||
          !osp_json_get_member (object, "data", G_TYPE_STRING, TRUE, &node, where, error))
        return FALSE;
      entry = json_node_get_string (node);
      if (!g_str_has_prefix (entry, "volumes/"))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad CT entry “%s”"), where,
                       entry);
          return FALSE;
        }
      if (!osp_json_get_member (object, "type", G_TYPE_STRING, TRUE, &node, where, error))
        return FALSE;
      if (strcmp (json_node_get_string (node), "int16le") != 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
                       _("%s: a CT’s voxels are of an unknown type “%s”"), where,
                       json_node_get_string (node));
          return FALSE;
        }
      volume = osp_volume_new (grid.dims, grid.spacing, grid.origin, grid.direction, where,
                               error);
      if (volume == NULL)
        return FALSE;
      bytes = osp_volume_get_n_voxels (volume) * 2;
      if (!read_into (reader, entry, osp_volume_get_data_mutable (volume), bytes, error))
        return FALSE;
#if G_BYTE_ORDER == G_BIG_ENDIAN
      {
        gint16 *d = osp_volume_get_data_mutable (volume);

        for (guint64 i = 0; i < osp_volume_get_n_voxels (volume); i++)
          d[i] = GINT16_FROM_LE (d[i]);
      }
#endif
      {
        g_autofree char *key = osp_plan_blob_key_for_volume (volume);

        keep (reader, entry, key);
      }
      if (!osp_json_get_member (object, "description", G_TYPE_STRING, FALSE, &node, where,
                                error))
        return FALSE;
      if (node != NULL)
        osp_volume_set_description (volume, json_node_get_string (node));
      if (!osp_json_get_member (object, "notes", JSON_TYPE_ARRAY, FALSE, &node, where, error))
        return FALSE;
      for (guint i = 0; node != NULL && i < json_array_get_length (json_node_get_array (node));
           i++)
        {
          JsonNode *note = json_array_get_element (json_node_get_array (node), i);

          if (i >= 100 || !JSON_NODE_HOLDS_VALUE (note) ||
              json_node_get_value_type (note) != G_TYPE_STRING ||
              strlen (json_node_get_string (note)) > 4096 ||
              !g_utf8_validate (json_node_get_string (note), -1, NULL))
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                           _("%s: a CT’s notes are not a short list of texts"), where);
              return FALSE;
            }
          osp_volume_add_note (volume, json_node_get_string (note));
        }
      if (!osp_json_get_member (object, "patient", JSON_TYPE_OBJECT, FALSE, &node, where, error))
        return FALSE;
      if (node != NULL)
        {
          g_autoptr(OspPatient) patient = osp_patient_from_json (json_node_get_object (node),
                                                                 where, error);

          if (patient == NULL)
            return FALSE;
          osp_volume_set_patient (volume, patient);
        }
      g_ptr_array_add (ct->volumes, g_steal_pointer (&volume));
    }

  if (!osp_json_get_member (root, "masks", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  if (array != NULL && json_array_get_length (array) > MAX_CT_ITEMS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: too many masks"), where);
      return FALSE;
    }
  for (guint m = 0; array != NULL && m < json_array_get_length (array); m++)
    {
      g_autoptr(OspMask) mask = NULL;
      g_autofree guint8 *data = NULL;
      g_autofree char *mask_where = NULL;
      JsonObject *object;
      const char *name, *entry;
      gint64 volume_index;
      guint32 rgb = 0xff0000;
      gsize len = 0;
      OspGrid grid;
      MaskEntry *e;

      if (!get_object_at (array, m, &object, where, error) ||
          !osp_json_get_member (object, "name", G_TYPE_STRING, TRUE, &node, where, error))
        return FALSE;
      name = json_node_get_string (node);
      if (name[0] == '\0' || strlen (name) > 1024 || !g_utf8_validate (name, -1, NULL) ||
          osp_plan_find_mask (plan, name) >= 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a mask has an empty, invalid or repeated name"), where);
          return FALSE;
        }
      if (!osp_json_get_member (object, "volume", G_TYPE_INT64, TRUE, &node, where, error))
        return FALSE;
      volume_index = json_node_get_int (node);
      if (volume_index < 0 || volume_index >= ct->volumes->len)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the mask “%s” refers to a CT that is not there"), where, name);
          return FALSE;
        }
      if (!osp_json_get_member (object, "color", G_TYPE_STRING, FALSE, &node, where, error))
        return FALSE;
      if (node != NULL && !osp_plan_color_from_string (json_node_get_string (node), &rgb))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: the mask “%s” has a bad colour"), where, name);
          return FALSE;
        }
      if (!osp_json_get_member (object, "data", G_TYPE_STRING, TRUE, &node, where, error))
        return FALSE;
      entry = json_node_get_string (node);
      if (!g_str_has_prefix (entry, "masks/"))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad mask entry “%s”"),
                       where, entry);
          return FALSE;
        }
      osp_grid_from_volume (ct->volumes->pdata[volume_index], &grid);
      mask = osp_mask_new (&grid, error);
      if (mask == NULL)
        return FALSE;
      /* Runs of 5 bytes: never more runs than voxels. */
      data = load (reader, entry, 28 + 5 * osp_mask_get_n_voxels (mask) + 4, &len, error);
      mask_where = g_strdup_printf ("%s: %s", where, entry);
      if (data == NULL || !osp_mask_decode (mask, data, len, mask_where, error))
        return FALSE;
      {
        g_autofree char *key = osp_plan_blob_key_for_bytes (data, len);

        keep (reader, entry, key);
      }
      e = mask_entry_new (name, mask, ct->volumes->pdata[volume_index], rgb);
      g_ptr_array_add (ct->masks, e);
    }
  return TRUE;
}

/* -- Dump ------------------------------------------------------------------------------------- */

static guint64
fnv1a (guint64       hash,
       const void   *data,
       gsize         len)
{
  const guint8 *p = data;

  for (gsize i = 0; i < len; i++)
    hash = (hash ^ p[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  return hash;
}

void
osp_plan_ct_dump (OspPlan *plan,
                  GString *out)
{
  PlanCt *ct = get_ct (plan);

  if (ct->patient != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      /* A digest only: dumps end up in logs, a patient must not. */
      json_node_take_object (node, osp_patient_to_json (ct->patient));
      text = json_to_string (node, FALSE);
      g_string_append_printf (out, "patient %016" G_GINT64_MODIFIER "x\n",
                              fnv1a (G_GUINT64_CONSTANT (0xcbf29ce484222325), text,
                                     strlen (text)));
    }
  for (guint v = 0; v < ct->volumes->len; v++)
    {
      OspVolume *volume = ct->volumes->pdata[v];
      OspGrid g;
      guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);

      osp_grid_from_volume (volume, &g);
      hash = fnv1a (hash, osp_volume_get_data (volume), osp_volume_get_n_voxels (volume) * 2);
      g_string_append_printf (out, "volume %u %ux%ux%u spacing=%a,%a,%a origin=%a,%a,%a "
                              "data=%016" G_GINT64_MODIFIER "x description=\"%s\"\n", v,
                              g.dims[0], g.dims[1], g.dims[2], g.spacing[0], g.spacing[1],
                              g.spacing[2], g.origin[0], g.origin[1], g.origin[2], hash,
                              osp_volume_get_description (volume) != NULL ?
                              osp_volume_get_description (volume) : "");
    }
  for (guint m = 0; m < ct->masks->len; m++)
    {
      MaskEntry *e = ct->masks->pdata[m];
      guint64 hash = fnv1a (G_GUINT64_CONSTANT (0xcbf29ce484222325),
                            osp_mask_get_data (e->mask), osp_mask_get_n_voxels (e->mask));

      g_string_append_printf (out, "mask %u \"%s\" volume=%d color=#%06x voxels=%"
                              G_GUINT64_FORMAT " data=%016" G_GINT64_MODIFIER "x\n", m,
                              e->name, osp_plan_get_volume_index (plan, e->volume), e->rgb,
                              osp_mask_count (e->mask, 0), hash);
    }
}

/* -- Replay ----------------------------------------------------------------------------------- */

static const char *const ct_operations[] = {
  "load-ct", "remove-ct", "add-mask", "remove-mask", "paint-sphere", "paint-disk",
  "paint-stroke", "grow-region", "fill-between", "add-tumour", "mesh-mask", "split",
  "separate-bones", "segment-ct", "set-mask", "add-ct", "set-patient",
};

gboolean
osp_plan_ct_is_operation (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (ct_operations); i++)
    if (strcmp (kind, ct_operations[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
op_string (JsonObject   *op,
           const char   *key,
           gboolean      required,
           const char  **out,
           const char   *where,
           GError      **error)
{
  JsonNode *node;

  *out = NULL;
  if (!osp_json_get_member (op, key, G_TYPE_STRING, required, &node, where, error))
    return FALSE;
  if (node != NULL)
    *out = json_node_get_string (node);
  return TRUE;
}

/* An integer member within [lo, hi] (default when absent and not required). */
static gboolean
op_int (JsonObject  *op,
        const char  *key,
        gboolean     required,
        gint64       lo,
        gint64       hi,
        gint64      *inout,
        const char  *where,
        GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (op, key, G_TYPE_INT64, required, &node, where, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  *inout = json_node_get_int (node);
  if (*inout < lo || *inout > hi)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("%s: “%s” must be %" PRId64 " to %" PRId64), where, key,
                   lo, hi);
      return FALSE;
    }
  return TRUE;
}

static gboolean
op_double (JsonObject  *op,
           const char  *key,
           gboolean     required,
           double       lo,
           double       hi,
           double      *inout,
           const char  *where,
           GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (op, key, G_TYPE_DOUBLE, required, &node, where, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  *inout = json_node_get_double (node);
  if (!(*inout >= lo && *inout <= hi))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: “%s” must be %g to %g"), where,
                   key, lo, hi);
      return FALSE;
    }
  return TRUE;
}

static gboolean
op_point (JsonObject  *op,
          const char  *key,
          double       out[3],
          const char  *where,
          GError     **error)
{
  JsonNode *node;
  float values[3];

  if (!osp_json_get_member (op, key, JSON_TYPE_ARRAY, TRUE, &node, where, error) ||
      !osp_json_get_floats (node, values, 3, where, key, error))
    return FALSE;
  for (guint a = 0; a < 3; a++)
    out[a] = json_array_get_double_element (json_node_get_array (node), a);
  return TRUE;
}

static gboolean
op_mask (OspPlan     *plan,
         JsonObject  *op,
         guint       *out_index,
         const char  *where,
         GError     **error)
{
  const char *name;
  int index;

  if (!op_string (op, "mask", TRUE, &name, where, error))
    return FALSE;
  index = osp_plan_find_mask (plan, name);
  if (index < 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: there is no mask named “%s”"),
                   where, name);
      return FALSE;
    }
  *out_index = (guint) index;
  return TRUE;
}

static gboolean
op_ct (OspPlan     *plan,
       JsonObject  *op,
       guint       *out_index,
       const char  *where,
       GError     **error)
{
  gint64 index = 0;

  if (osp_plan_get_n_volumes (plan) == 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: load a CT first (“load-ct”)"),
                   where);
      return FALSE;
    }
  if (!op_int (op, "ct", FALSE, 0, osp_plan_get_n_volumes (plan) - 1, &index, where, error))
    return FALSE;
  *out_index = (guint) index;
  return TRUE;
}

static char *
op_path (const char *path,
         const char *base_dir)
{
  if (g_path_is_absolute (path) || base_dir == NULL)
    return g_strdup (path);
  return g_build_filename (base_dir, path, NULL);
}

/* One brush dab ({"op": "paint-sphere" | "paint-disk", …}) on mask `index`. */
static gboolean
run_dab (OspPlan     *plan,
         guint        index,
         JsonObject  *op,
         const char  *kind,
         GError     **error)
{
  double centre[3], radius = 0;
  gint64 value = 1, axis = 2, slice = 0;

  if (!op_point (op, "centre", centre, kind, error) ||
      !op_double (op, "radius", TRUE, 0, 1000, &radius, kind, error) ||
      !op_int (op, "value", FALSE, 0, 255, &value, kind, error))
    return FALSE;
  if (strcmp (kind, "paint-sphere") == 0)
    return osp_plan_paint_sphere (plan, index, centre, radius, (guint8) value, error);
  if (strcmp (kind, "paint-disk") == 0)
    {
      if (!op_int (op, "axis", FALSE, 0, 2, &axis, kind, error) ||
          !op_int (op, "slice", TRUE, 0, G_MAXUINT32, &slice, kind, error))
        return FALSE;
      return osp_plan_paint_disk (plan, index, (guint) axis, (guint32) slice, centre, radius,
                                  (guint8) value, error);
    }
  g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: a stroke holds paint-sphere or "
                                                     "paint-disk dabs"), kind);
  return FALSE;
}

gboolean
osp_plan_ct_run_operation (OspPlan       *plan,
                           JsonObject    *op,
                           const char    *kind,
                           const char    *base_dir,
                           GCancellable  *cancellable,
                           GError       **error)
{
  guint index = 0;

  if (strcmp (kind, "load-ct") == 0)
    {
      g_autoptr(OspVolume) volume = NULL;
      g_autofree char *path = NULL;
      OspVolumeLoadOptions options = OSP_VOLUME_LOAD_OPTIONS_INIT;
      const char *file;
      gint64 series = -1;
      JsonNode *node;
      gboolean other_patient = FALSE;

      if (!op_string (op, "path", TRUE, &file, kind, error) ||
          !op_int (op, "series", FALSE, -1, 100000, &series, kind, error) ||
          !osp_json_get_member (op, "other-patient", G_TYPE_BOOLEAN, FALSE, &node, kind, error))
        return FALSE;
      if (node != NULL)
        other_patient = json_node_get_boolean (node);
      options.series_index = (int) series;
      path = op_path (file, base_dir);
      volume = osp_volume_load (path, &options, NULL, cancellable, error);
      if (volume == NULL)
        return FALSE;
      if (!other_patient && !osp_patient_same (osp_plan_get_patient (plan),
                                               osp_volume_get_patient (volume)))
        {
          g_autofree char *name = osp_error_display_name (path);

          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("%s: this CT shows another patient than the case’s (set "
                         "“other-patient”: true to add it anyway)"), name);
          return FALSE;
        }
      return osp_plan_add_volume (plan, volume, error);
    }
  if (strcmp (kind, "remove-ct") == 0)
    {
      gint64 ct = 0;

      if (osp_plan_get_n_volumes (plan) == 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the case holds no CT"), kind);
          return FALSE;
        }
      if (!op_int (op, "index", FALSE, 0, osp_plan_get_n_volumes (plan) - 1, &ct, kind, error))
        return FALSE;
      return osp_plan_remove_volume (plan, (guint) ct, error);
    }
  if (strcmp (kind, "add-mask") == 0)
    {
      const char *name, *color = NULL;
      guint32 rgb = osp_model_role_default_color (OSP_MODEL_ROLE_TUMOUR, 0);

      if (!op_ct (plan, op, &index, kind, error) ||
          !op_string (op, "name", TRUE, &name, kind, error) ||
          !op_string (op, "color", FALSE, &color, kind, error))
        return FALSE;
      if (name[0] == '\0')
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the name is empty"), kind);
          return FALSE;
        }
      if (color != NULL && !osp_plan_color_from_string (color, &rgb))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: bad colour “%s”"), kind,
                       color);
          return FALSE;
        }
      return osp_plan_add_mask (plan, index, name, NULL, rgb, error);
    }
  if (strcmp (kind, "remove-mask") == 0)
    return op_mask (plan, op, &index, kind, error) && osp_plan_remove_mask (plan, index, error);
  if (strcmp (kind, "set-mask") == 0)
    {
      const char *name, *color;
      guint32 rgb;

      if (!op_mask (plan, op, &index, kind, error) ||
          !op_string (op, "name", FALSE, &name, kind, error) ||
          !op_string (op, "color", FALSE, &color, kind, error))
        return FALSE;
      rgb = osp_plan_get_mask_color (plan, index);
      if (color != NULL && !osp_plan_color_from_string (color, &rgb))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: bad colour “%s”"), kind,
                       color);
          return FALSE;
        }
      if (name != NULL && name[0] == '\0')
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: the name is empty"), kind);
          return FALSE;
        }
      return osp_plan_set_mask (plan, index, name, rgb, error);
    }
  if (strcmp (kind, "paint-sphere") == 0 || strcmp (kind, "paint-disk") == 0)
    {
      gboolean ok;

      if (!op_mask (plan, op, &index, kind, error))
        return FALSE;
      ok = run_dab (plan, index, op, kind, error);
      osp_plan_seal_undo (plan);
      return ok;
    }
  if (strcmp (kind, "paint-stroke") == 0)
    {
      JsonNode *node;
      JsonArray *dabs;
      gboolean ok = TRUE;

      if (!op_mask (plan, op, &index, kind, error) ||
          !osp_json_get_member (op, "dabs", JSON_TYPE_ARRAY, TRUE, &node, kind, error))
        return FALSE;
      dabs = json_node_get_array (node);
      osp_plan_seal_undo (plan);
      for (guint i = 0; ok && i < json_array_get_length (dabs); i++)
        {
          JsonNode *element = json_array_get_element (dabs, i);
          JsonObject *dab;
          const char *dab_kind;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: a dab is not an object"),
                           kind);
              ok = FALSE;
              break;
            }
          dab = json_node_get_object (element);
          ok = op_string (dab, "op", TRUE, &dab_kind, kind, error) &&
               run_dab (plan, index, dab, dab_kind, error);
        }
      osp_plan_seal_undo (plan);
      return ok;
    }
  if (strcmp (kind, "grow-region") == 0)
    {
      double seed[3], radius = 50;
      gint64 lo = -1024, hi = 3071, value = 1;

      if (!op_mask (plan, op, &index, kind, error) ||
          !op_point (op, "seed", seed, kind, error) ||
          !op_int (op, "min-hu", TRUE, G_MININT16, G_MAXINT16, &lo, kind, error) ||
          !op_int (op, "max-hu", TRUE, G_MININT16, G_MAXINT16, &hi, kind, error) ||
          !op_double (op, "radius", FALSE, 0.1, 1000, &radius, kind, error) ||
          !op_int (op, "value", FALSE, 1, 255, &value, kind, error))
        return FALSE;
      return osp_plan_grow_region (plan, index, seed, (int) lo, (int) hi, radius, (guint8) value,
                                   NULL, error);
    }
  if (strcmp (kind, "fill-between") == 0)
    {
      gint64 axis = 2, from = 0, to = 0, value = 1;

      if (!op_mask (plan, op, &index, kind, error) ||
          !op_int (op, "axis", FALSE, 0, 2, &axis, kind, error) ||
          !op_int (op, "from", TRUE, 0, G_MAXUINT32, &from, kind, error) ||
          !op_int (op, "to", TRUE, 0, G_MAXUINT32, &to, kind, error) ||
          !op_int (op, "value", FALSE, 1, 255, &value, kind, error))
        return FALSE;
      return osp_plan_fill_between (plan, index, (guint) axis, (guint32) from, (guint32) to,
                                    (guint8) value, error);
    }
  if (strcmp (kind, "add-tumour") == 0)
    {
      const char *labels, *mesh, *name;
      g_autofree char *path = NULL;
      gint64 label = 1;

      if (!op_ct (plan, op, &index, kind, error) ||
          !op_string (op, "labels", FALSE, &labels, kind, error) ||
          !op_string (op, "mesh", FALSE, &mesh, kind, error) ||
          !op_string (op, "name", FALSE, &name, kind, error) ||
          !op_int (op, "label", FALSE, G_MININT32, G_MAXINT32, &label, kind, error))
        return FALSE;
      if ((labels == NULL) == (mesh == NULL))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("%s: give either “labels” (a label map) or “mesh”"), kind);
          return FALSE;
        }
      path = op_path (labels != NULL ? labels : mesh, base_dir);
      if (labels != NULL)
        return osp_plan_import_label_map (plan, index, path, (int) label, name, cancellable,
                                          error);
      return osp_plan_import_mask_mesh (plan, index, path, name, cancellable, error);
    }
  if (strcmp (kind, "mesh-mask") == 0)
    {
      const char *model = NULL, *role_text = NULL;
      gint64 label = 0, smooth = 0;
      OspModelRole role = OSP_MODEL_ROLE_TUMOUR;

      if (!op_mask (plan, op, &index, kind, error) ||
          !op_string (op, "model", FALSE, &model, kind, error) ||
          !op_string (op, "role", FALSE, &role_text, kind, error) ||
          !op_int (op, "label", FALSE, 0, 255, &label, kind, error) ||
          !op_int (op, "smooth", FALSE, 0, 1000, &smooth, kind, error))
        return FALSE;
      if (role_text != NULL && !osp_plan_role_from_string (role_text, &role))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: unknown role “%s”"), kind,
                       role_text);
          return FALSE;
        }
      return osp_plan_mesh_mask (plan, index, (guint8) label, model, role, (guint) smooth,
                                 cancellable, error) != NULL;
    }
  if (strcmp (kind, "split") == 0)
    {
      const char *name;
      OspModel *model;

      if (!op_string (op, "model", TRUE, &name, kind, error))
        return FALSE;
      model = osp_plan_find_model (plan, name);
      if (model == NULL)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: there is no model named “%s”"),
                       kind, name);
          return FALSE;
        }
      return osp_plan_split_model (plan, model, NULL, error);
    }
  if (strcmp (kind, "segment-ct") == 0)
    {
      OspSegmentOptions options = OSP_SEGMENT_OPTIONS_INIT;
      g_autoptr(OspMesh) mesh = NULL;
      g_autoptr(OspModel) model = NULL;
      g_autoptr(OspCommand) command = NULL;
      g_autofree char *unique = NULL;
      const char *name;
      gint64 smooth = 0, keep = 0;

      if (!op_ct (plan, op, &index, kind, error) ||
          !op_string (op, "name", FALSE, &name, kind, error) ||
          !op_double (op, "threshold", FALSE, -2000, 5000, &options.threshold_hu, kind, error) ||
          !op_int (op, "smooth", FALSE, 0, 1000, &smooth, kind, error) ||
          !op_int (op, "keep", FALSE, 0, 100000, &keep, kind, error))
        return FALSE;
      options.smooth_iterations = (guint) smooth;
      options.keep_pieces = (guint) keep;
      mesh = osp_segment_volume (osp_plan_get_volume (plan, index), &options, NULL, cancellable,
                                 NULL, error);
      if (mesh == NULL)
        return FALSE;
      if (osp_mesh_get_n_triangles (mesh) == 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                       _("%s: no bone at %.0f HU: lower the threshold"), kind,
                       options.threshold_hu);
          return FALSE;
        }
      unique = osp_plan_make_unique_name (plan, name != NULL ? name : _("Bone"));
      model = osp_model_new (unique, mesh, OSP_MODEL_ROLE_BONE);
      command = osp_command_new_add_model (model, -1, NULL);
      return osp_plan_execute (plan, command, error);
    }
  if (strcmp (kind, "separate-bones") == 0)
    {
      const char *name_a, *name_b;
      gint64 a = 1, b = 2;
      double threshold = OSP_DEFAULT_BONE_THRESHOLD_HU;

      if (!op_mask (plan, op, &index, kind, error) ||
          !op_string (op, "name-a", TRUE, &name_a, kind, error) ||
          !op_string (op, "name-b", TRUE, &name_b, kind, error) ||
          !op_int (op, "a", FALSE, 1, 254, &a, kind, error) ||
          !op_int (op, "b", FALSE, 1, 254, &b, kind, error) ||
          !op_double (op, "threshold", FALSE, -2000, 5000, &threshold, kind, error))
        return FALSE;
      if (a == b || strcmp (name_a, name_b) == 0 || name_a[0] == '\0' || name_b[0] == '\0')
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("%s: the two bones need different labels and names"), kind);
          return FALSE;
        }
      return osp_plan_separate_bones (plan, index, threshold, (guint8) a, (guint8) b, name_a,
                                      name_b, cancellable, error);
    }
  g_set_error (error, OSP_ERROR, OSP_ERROR_UNSUPPORTED,
               _("The operation “%s” cannot be replayed: its CT or patient did not come from a "
                 "file"), kind);
  return FALSE;
}
