/* osp-cli-margin.c — osteoplan-cli margin --tumour TUMOUR.stl --plane NX,NY,NZ,D … [--json]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-cut.h"
#include "osp-margin.h"
#include "osp-mesh-io.h"

int
osp_cli_margin (int    argc,
                char **argv)
{
  g_autofree char *tumour_path = NULL;
  g_auto(GStrv) plane_texts = NULL;
  gboolean json = FALSE;
  double target = OSP_MARGIN_DEFAULT_TARGET_MM;
  GOptionEntry entries[] = {
    { "tumour", 't', 0, G_OPTION_ARG_FILENAME, &tumour_path,
      N_("The tumour: a closed mesh in the same coordinates as the planes"), N_("FILE") },
    { "plane", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &plane_texts,
      N_("A plane n·x = d of the resection; the resected region is where n·x ≤ d for every "
         "plane (as “cut” defines it). Repeat for each plane"), N_("NX,NY,NZ,D") },
    { "target", 0, 0, G_OPTION_ARG_DOUBLE, &target,
      N_("The margin wanted, mm (default 10): planes closer to the tumour get a warning"),
      N_("MM") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("margin", _("--tumour TUMOUR.stl --plane NX,NY,NZ,D [--plane …]"),
                         _("The resection margin of each plane: the smallest distance from the "
                           "tumour to the plane, negative when the plane cuts into the tumour "
                           "or leaves it outside the resected region.  Exits with status 1 "
                           "when the tumour is not wholly inside the resected region."),
                         entries);
  g_autoptr(OspMesh) tumour = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float (*planes)[4] = NULL;
  OspMarginResult result;
  guint n_planes;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return osp_cli_failf (_("margin: unexpected argument “%s” (give the tumour with --tumour)"),
                          argv[1]);
  if (tumour_path == NULL)
    return osp_cli_failf (_("margin: give the tumour with --tumour TUMOUR.stl"));
  if (plane_texts == NULL || plane_texts[0] == NULL)
    return osp_cli_failf (_("margin: give at least one --plane NX,NY,NZ,D"));
  if (!isfinite (target) || target < 0 || target > 1000)
    return osp_cli_failf (_("margin: the target must be 0–1000 mm"));
  n_planes = g_strv_length (plane_texts);
  planes = g_malloc (sizeof (float[4]) * n_planes);
  for (guint p = 0; p < n_planes; p++)
    {
      OspPlane plane;

      if (!osp_plane_parse (plane_texts[p], &plane, &error))
        return osp_cli_fail (error);
      memcpy (planes[p], plane.normal, 3 * sizeof (float));
      planes[p][3] = plane.d;
    }
  tumour = osp_mesh_load (tumour_path, NULL, NULL, &error);
  if (tumour == NULL)
    return osp_cli_fail (error);
  if (!osp_margin_compute (tumour, (const float (*)[4]) planes, n_planes, &result))
    return osp_cli_failf (_("%s: the tumour mesh has no vertex"), tumour_path);

  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;
      JsonArray *array = json_array_new ();

      json_object_set_string_member (root, "tumour", tumour_path);
      for (guint p = 0; p < n_planes; p++)
        {
          JsonObject *o = json_object_new ();
          JsonArray *closest = json_array_new ();

          for (guint a = 0; a < 3; a++)
            {
              json_array_add_double_element (closest, result.planes[p].closest[a]);
            }
          json_object_set_double_member (o, "margin_mm", result.planes[p].margin_mm);
          json_object_set_array_member (o, "closest", closest);
          json_object_set_boolean_member (o, "below_target",
                                          result.planes[p].margin_mm < target);
          json_array_add_object_element (array, o);
        }
      json_object_set_array_member (root, "planes", array);
      json_object_set_double_member (root, "min_margin_mm", result.min_margin_mm);
      json_object_set_int_member (root, "min_plane", result.min_plane);
      json_object_set_boolean_member (root, "inside", result.inside);
      json_object_set_double_member (root, "target_mm", target);
      json_node_set_object (node, root);
      text = json_to_string (node, TRUE);
      printf ("%s\n", text);
    }
  else
    {
      for (guint p = 0; p < n_planes; p++)
        {
          const OspPlaneMargin *m = &result.planes[p];

          printf (_("plane %u: margin %+.2f mm, closest tumour point (%.2f, %.2f, %.2f)\n"),
                  p + 1, m->margin_mm, m->closest[0], m->closest[1], m->closest[2]);
          if (m->margin_mm < 0)
            {
              g_autofree char *w = g_strdup_printf (_("plane %u cuts into the tumour or leaves "
                                                      "it outside the resected region (by "
                                                      "%.2f mm)"), p + 1, -m->margin_mm);

              osp_cli_warn (w);
            }
          else if (m->margin_mm < target)
            {
              g_autofree char *w = g_strdup_printf (_("plane %u is %.2f mm from the tumour, "
                                                      "below the %.1f mm wanted"), p + 1,
                                                    m->margin_mm, target);

              osp_cli_warn (w);
            }
        }
      if (result.inside)
        printf (_("minimum margin: %+.2f mm (plane %d); the tumour is wholly inside the "
                  "resected region\n"), result.min_margin_mm, result.min_plane + 1);
      else
        printf (_("minimum margin: %+.2f mm (plane %d); the tumour is NOT wholly inside the "
                  "resected region\n"), result.min_margin_mm, result.min_plane + 1);
    }
  status = result.inside ? 0 : 1;
  osp_margin_result_clear (&result);
  return status;
}
