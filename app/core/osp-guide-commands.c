/* osp-guide-commands.c — the "guide" operation of a plan
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   {"op": "guide", "name": "Guide 1", "model": "Left hemipelvis",
 *    "planes": ["Iliac cut", [0, 0.2, 1, 430]], "direction": [x, y, z], "label": "L1",
 *    "width": 12, "gap": 0.15, "thickness": 4, "blade": 1.27, "clearance": 0.25,
 *    "slot_height": 10, "slot_wall": 3, "overrun": 7, "pins": 2, "pin_diameter": 2,
 *    "voxel": 0.25}
 *
 * makes the guide from the bone model as it stands in the world (its transform applied) and the
 * planes (names of the plan's planes or [nx, ny, nz, d]), and adds it as a model of role
 * "guide" in one undoable step that records this operation, so a saved plan replays it.
 * Without "direction", the recorded operation gains "direction_used": [x, y, z], the
 * insertion direction chosen (a result, not read back: replay chooses it again), which the
 * training course's seating check lifts the guide along.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "osp-command.h"
#include "osp-error.h"
#include "osp-guide.h"
#include "osp-json.h"
#include "osp-plan-private.h"

static const struct
{
  const char *key;
  gsize       offset;
} number_keys[] = {
  { "width", G_STRUCT_OFFSET (OspGuideParams, patch_width) },
  { "gap", G_STRUCT_OFFSET (OspGuideParams, fit_gap) },
  { "thickness", G_STRUCT_OFFSET (OspGuideParams, thickness) },
  { "blade", G_STRUCT_OFFSET (OspGuideParams, blade) },
  { "clearance", G_STRUCT_OFFSET (OspGuideParams, clearance) },
  { "slot_height", G_STRUCT_OFFSET (OspGuideParams, slot_height) },
  { "slot_wall", G_STRUCT_OFFSET (OspGuideParams, slot_wall) },
  { "overrun", G_STRUCT_OFFSET (OspGuideParams, slot_overrun) },
  { "pin_diameter", G_STRUCT_OFFSET (OspGuideParams, pin_diameter) },
  { "voxel", G_STRUCT_OFFSET (OspGuideParams, voxel) },
};

gboolean
osp_guide_run_operation (OspPlan         *plan,
                         JsonObject      *operation,
                         OspGuideReport  *out_report,
                         GCancellable    *cancellable,
                         GError         **error)
{
  const char *where = "guide";
  OspGuideParams params;
  OspPlane planes[OSP_GUIDE_MAX_PLANES];
  g_autoptr(OspMesh) world_bone = NULL, guide = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(JsonObject) recorded = NULL;
  g_auto(OspGuideReport) local = { 0 };
  OspGuideReport *report = out_report != NULL ? out_report : &local;
  const char *name, *label = NULL;
  OspModel *bone;
  JsonNode *node;
  JsonArray *array;
  guint n_planes;

  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (operation != NULL, FALSE);

  osp_guide_params_init (&params);
  if (!osp_json_get_member (operation, "name", G_TYPE_STRING, TRUE, &node, where, error))
    return FALSE;
  name = json_node_get_string (node);
  if (name[0] == '\0')
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED, _("guide: the name is empty"));
      return FALSE;
    }
  if (osp_plan_find_model (plan, name) != NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                   _("guide: there is already a model named “%s”"), name);
      return FALSE;
    }
  if (!osp_json_get_member (operation, "model", G_TYPE_STRING, TRUE, &node, where, error))
    return FALSE;
  bone = osp_plan_find_model (plan, json_node_get_string (node));
  if (bone == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("guide: there is no model named “%s”"),
                   json_node_get_string (node));
      return FALSE;
    }
  if (!osp_json_get_member (operation, "planes", JSON_TYPE_ARRAY, TRUE, &node, where, error))
    return FALSE;
  array = json_node_get_array (node);
  n_planes = json_array_get_length (array);
  if (n_planes < 1 || n_planes > OSP_GUIDE_MAX_PLANES)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("guide: give 1 to %u planes"),
                   (guint) OSP_GUIDE_MAX_PLANES);
      return FALSE;
    }
  for (guint i = 0; i < n_planes; i++)
    if (!osp_plan_parse_plane_node (plan, json_array_get_element (array, i), where, &planes[i],
                                    error))
      return FALSE;
  if (!osp_json_get_member (operation, "direction", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL && !osp_json_get_floats (node, params.direction, 3, where, "direction", error))
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (number_keys); k++)
    {
      if (!osp_json_get_member (operation, number_keys[k].key, G_TYPE_DOUBLE, FALSE, &node, where,
                                error))
        return FALSE;
      if (node != NULL)
        G_STRUCT_MEMBER (double, &params, number_keys[k].offset) = json_node_get_double (node);
    }
  if (!osp_json_get_member (operation, "pins", G_TYPE_INT64, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      gint64 pins = json_node_get_int (node);

      if (pins < 0 || pins > OSP_GUIDE_MAX_PINS)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("guide: “pins” takes 0 to %u"),
                       (guint) OSP_GUIDE_MAX_PINS);
          return FALSE;
        }
      params.n_pins = (guint) pins;
    }
  if (!osp_json_get_member (operation, "label", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    label = json_node_get_string (node);
  params.label = label;

  /* The planes are in world coordinates: so is the bone. */
  {
    float m[16];
    mat4 cm;

    osp_model_get_transform (bone, m);
    memcpy (cm, m, sizeof cm);
    world_bone = osp_mesh_transform (osp_model_get_mesh (bone), cm);
  }
  guide = osp_guide_make (world_bone, planes, n_planes, &params, report, NULL, cancellable,
                          error);
  if (guide == NULL)
    {
      g_prefix_error (error, _("guide “%s”: "), name);
      return FALSE;
    }
  model = osp_model_new (name, guide, OSP_MODEL_ROLE_GUIDE);
  command = osp_command_new_add_model (model, -1, NULL);
  /* The operation as given, with the insertion direction used when it was chosen here. */
  recorded = json_object_new ();
  {
    JsonObjectIter iter;
    const char *member;
    JsonNode *value;

    json_object_iter_init (&iter, operation);
    while (json_object_iter_next (&iter, &member, &value))
      json_object_set_member (recorded, member, json_node_copy (value));
  }
  if (!json_object_has_member (operation, "direction"))
    {
      JsonArray *used = json_array_new ();

      for (int k = 0; k < 3; k++)
        json_array_add_double_element (used, report->direction[k]);
      json_object_set_array_member (recorded, "direction_used", used);
    }
  osp_command_set_operation (command, recorded);
  {
    g_autofree char *text = g_strdup_printf (_("Make Guide “%s”"), name);

    osp_command_set_label (command, text);
  }
  return osp_plan_execute (plan, command, error);
}
