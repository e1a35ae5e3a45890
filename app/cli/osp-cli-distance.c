/* osp-cli-distance.c — osteoplan-cli distance IMPLANT BONE [--json]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "osp-cli-private.h"
#include "osp-fit.h"
#include "osp-mesh-io.h"
#include "osp-print-check.h"

int
osp_cli_distance (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  double contact = OSP_FIT_CONTACT_MM;
  int threads = 2;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { "contact", 0, 0, G_OPTION_ARG_DOUBLE, &contact,
      N_("Contact band: implant surface within MM of the bone (default 0.5)"), N_("MM") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, N_("Threads (default 2)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("distance", _("IMPLANT BONE"),
                         _("The signed distance from every implant vertex to the bone "
                           "(negative inside the bone): minimum, maximum and mean, the "
                           "penetration depth, and the implant area in contact (within "
                           "--contact mm).  Both meshes in the same coordinates; the bone "
                           "closed."),
                         entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMesh) implant = NULL;
  g_autoptr(OspMesh) bone = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  g_autofree float *map = NULL;
  OspFitStats s;
  OspCollision collision;
  OspMeshReport bone_report;
  int status = 0;
  double t0, t_bvh, t_map;
  guint64 n_crossing = 0;
  gboolean clean;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return osp_cli_failf (_("distance: give IMPLANT and BONE (see --help)"));
  if (!(contact >= 0 && contact <= 100))
    return osp_cli_failf (_("distance: --contact must be between 0 and 100 mm"));
  if (threads < 1 || threads > 16)
    return osp_cli_failf (_("distance: --threads must be between 1 and 16"));

  implant = osp_mesh_load (argv[1], NULL, NULL, &error);
  if (implant == NULL)
    return osp_cli_fail (error);
  bone = osp_mesh_load (argv[2], NULL, NULL, &error);
  if (bone == NULL)
    return osp_cli_fail (error);
  osp_mesh_report (bone, &bone_report);
  if (!osp_mesh_find_self_intersections (bone, 100000, NULL, &n_crossing, NULL, NULL,
                                         &error))
    return osp_cli_fail (error);

  t0 = osp_cli_now ();
  bvh = osp_bvh_new_full (bone, NULL, NULL, &error);
  if (bvh == NULL)
    return osp_cli_fail (error);
  t_bvh = osp_cli_now () - t0;
  /* A bone that is not clean (open, or crossing itself as repaired and CT surfaces do):
   * the closest-feature test gives the wrong side there; the winding number does not. */
  clean = bone_report.closed && n_crossing == 0;
  osp_bvh_set_winding_inside (bvh, !clean);
  if (!bone_report.closed)
    printf (_("warning: the bone is not closed: inside and outside come from the generalised "
              "winding number, uncertain near its holes\n"));
  if (n_crossing > 0)
    printf (ngettext ("warning: the bone's surface crosses itself (%lu crossing pair of "
                      "triangles): inside and outside come from the generalised winding "
                      "number\n",
                      "warning: the bone's surface crosses itself (%lu crossing pairs of "
                      "triangles): inside and outside come from the generalised winding "
                      "number\n", (gulong) MIN (n_crossing, G_MAXULONG)),
            (gulong) MIN (n_crossing, G_MAXULONG));
  t0 = osp_cli_now ();
  map = osp_fit_distance_map (implant, NULL, bvh, (guint) threads, NULL, NULL, &error);
  if (map == NULL)
    return osp_cli_fail (error);
  osp_fit_stats (implant, map, contact, &s);
  /* Areas integrated over the surface, not interpolated across large faces. */
  if (!osp_fit_surface_areas (implant, NULL, bvh, contact, 0, &s, NULL, &error))
    return osp_cli_fail (error);
  t_map = osp_cli_now () - t0;
  osp_fit_collide (implant, NULL, bone, bvh, &collision);

  if (json)
    {
      g_autoptr(JsonObject) root = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (root, "implant", argv[1]);
      json_object_set_string_member (root, "bone", argv[2]);
      json_object_set_int_member (root, "vertices", s.n_vertices);
      json_object_set_double_member (root, "min_mm", s.min_mm);
      json_object_set_double_member (root, "max_mm", s.max_mm);
      json_object_set_double_member (root, "mean_mm", s.mean_mm);
      json_object_set_double_member (root, "penetration_mm", s.penetration_mm);
      json_object_set_int_member (root, "vertices_inside", s.n_inside);
      json_object_set_double_member (root, "contact_mm", contact);
      json_object_set_double_member (root, "contact_area_mm2", s.contact_area_mm2);
      json_object_set_double_member (root, "inside_area_mm2", s.inside_area_mm2);
      json_object_set_double_member (root, "area_mm2", s.area_mm2);
      json_object_set_boolean_member (root, "collides", collision.collides);
      json_object_set_int_member (root, "crossing_edges", collision.n_crossing_edges);
      json_object_set_boolean_member (root, "bone_closed", bone_report.closed);
      json_object_set_int_member (root, "bone_crossing_pairs", (gint64) n_crossing);
      json_object_set_string_member (root, "inside_test", clean ? "closest-feature" :
                                     "winding-number");
      json_object_set_double_member (root, "bvh_seconds", t_bvh);
      json_object_set_double_member (root, "map_seconds", t_map);
      json_node_set_object (node, root);
      osp_cli_print_json (node);
    }
  else
    {
      printf (_("signed distance (mm): min %.3f, max %.3f, mean %.3f over %u vertices\n"),
              s.min_mm, s.max_mm, s.mean_mm, s.n_vertices);
      printf (_("penetration: %.3f mm (%u vertices inside the bone, %.1f mm² deeper than "
                "%.2f mm)\n"), s.penetration_mm, s.n_inside, s.inside_area_mm2, contact);
      printf (_("contact area: %.1f mm² within %.2f mm (of %.1f mm²)\n"), s.contact_area_mm2,
              contact, s.area_mm2);
      printf (collision.collides ?
              _("collision: yes (%u edges cross the other surface, %u implant vertices "
                "inside)\n") : _("collision: no\n"),
              collision.n_crossing_edges, collision.n_a_inside_b);
      printf (_("time: BVH %.3f s, map %.3f s\n"), t_bvh, t_map);
    }
  return 0;
}
