/* test-guide.c — osteotomy guides: seating, slots, pins, refusals
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On a box "bone" every expectation is exact: the slot's faces are the plane ± half the slot
 * width, the saw path (the slot's slab across the bone's section and the overrun beyond) holds
 * no guide material, no guide point is in the bone or below bone along the insertion
 * direction.  These are checked independently of the guide's own report, by sampling points
 * and asking the guide's and the bone's BVHs.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-error.h"
#include "osp-guide.h"
#include "osp-repair.h"
#include "osp-test-common.h"

static void
assert_saw_path_clear (OspMesh    *guide,
                       float       x_plane,
                       float       half_slot,
                       float       y_min,
                       float       y_max,
                       float       z_min,
                       float       z_max)
{
  g_autoptr(OspBvh) bvh = osp_bvh_new (guide);
  guint n_inside = 0, n = 0;

  for (float y = y_min; y <= y_max; y += 0.5f)
    for (float z = z_min; z <= z_max; z += 0.5f)
      for (float dx = -half_slot + 0.02f; dx <= half_slot - 0.02f; dx += 0.1f)
        {
          float p[3] = { x_plane + dx, y, z };

          n++;
          n_inside += osp_bvh_is_inside (bvh, p);
        }
  g_assert_cmpuint (n, >, 1000);
  g_assert_cmpuint (n_inside, ==, 0);
}

/* Nothing of the guide in the saw path of plane n·x = d (its slab of half the slot width,
 * less 0.02 mm) within the xy box [-x_half, x_half] × [-y_half, y_half] (the bone's section
 * and 5 mm beyond), from z_min to z_max; the insertion direction is z. */
static void
assert_plane_path_clear (OspMesh        *guide,
                         const OspPlane *plane,
                         float           half_slot,
                         float           x_half,
                         float           y_half,
                         float           z_min,
                         float           z_max)
{
  g_autoptr(OspBvh) bvh = osp_bvh_new (guide);
  const float *n = plane->normal;
  float b[3] = { n[1], -n[0], 0 }, len = sqrtf (b[0] * b[0] + b[1] * b[1]);
  guint n_inside = 0, count = 0;

  b[0] /= len;
  b[1] /= len;
  for (float sb = -80; sb <= 80; sb += 0.5f)
    for (float z = z_min; z <= z_max; z += 0.5f)
      for (float dn = -half_slot + 0.02f; dn <= half_slot - 0.02f; dn += 0.1f)
        {
          float p[3] = { (plane->d + dn) * n[0] + sb * b[0], (plane->d + dn) * n[1] + sb * b[1],
                         z };

          if (fabsf (p[0]) > x_half || fabsf (p[1]) > y_half)
            continue;
          count++;
          n_inside += osp_bvh_is_inside (bvh, p);
        }
  g_assert_cmpuint (count, >, 1000);
  g_assert_cmpuint (n_inside, ==, 0);
}

/* A 60 × 40 × 30 mm box centred on the origin: its top face is z = 15. */
static OspMesh *
make_bone (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (60, 40, 30);
  OspBox b;

  osp_mesh_get_bounds (box, &b);
  return osp_test_translate (box, -30 - b.min[0], -20 - b.min[1], -15 - b.min[2]);
}

static void
test_box (void)
{
  g_autoptr(OspMesh) bone = make_bone ();
  g_autoptr(OspMesh) guide = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OspGuideReport) report = { 0 };
  OspGuideParams params;
  OspPlane plane = { { 1, 0, 0 }, 5 };
  double half;

  osp_guide_params_init (&params);
  params.direction[2] = 1;
  params.label = "T1";
  guide = osp_guide_make (bone, &plane, 1, &params, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guide);

  half = params.blade / 2 + params.clearance;
  g_assert_cmpfloat_with_epsilon (report.slot_width, 2 * half, 1e-9);
  g_assert_true (report.closed);
  g_assert_false (report.direction_automatic);
  g_assert_cmpfloat_with_epsilon (report.direction[2], 1, 1e-6);
  /* The section of a 40 mm deep box by x = 5 is 40 mm long along the slot. */
  g_assert_cmpfloat_with_epsilon (report.section_length[0], 40, 1e-3);
  g_assert_cmpfloat (report.slot_offset_error[0], <, 0.01);
  g_assert_cmpfloat (report.slot_angle_error[0], <, 0.05);
  g_assert_cmpuint (report.n_overlap, ==, 0);
  g_assert_cmpuint (report.n_undercut, ==, 0);
  g_assert_cmpuint (report.n_in_saw_path, ==, 0);
  g_assert_cmpfloat (report.min_bone_distance, >=, params.fit_gap - 0.02);
  g_test_message ("box guide: thinnest wall %.3f mm", report.min_wall);
  g_assert_true (report.print_ready);
  g_assert_cmpfloat (report.min_wall, >=, 1.5);
  /* The shell stands on the top face (z = 15) within the contact width of the plane. */
  g_assert_cmpfloat (report.patch_area, >, 0.8 * 40 * 2 * params.patch_width);
  g_assert_cmpfloat (report.patch_area, <, 1.05 * 40 * 2 * params.patch_width);

  /* Two pins, one on each side of the plane, on the top face, away from the slot. */
  g_assert_cmpuint (report.n_pins, ==, 2);
  g_assert_cmpfloat ((report.pin_entry[0][0] - 5) * (report.pin_entry[1][0] - 5), <, 0);
  for (guint q = 0; q < 2; q++)
    {
      g_assert_cmpfloat_with_epsilon (report.pin_entry[q][2], 15, 0.01);
      g_assert_cmpfloat (fabs (report.pin_entry[q][0] - 5), >, half + params.slot_wall);
      g_assert_cmpfloat_with_epsilon (report.pin_bone_depth[q], 30, 0.05);
    }

  /* Independently: nothing of the guide in the saw path across the section and 5 mm beyond,
   * from the bone's top up past the slot walls. */
  assert_saw_path_clear (guide, 5, (float) half, -25, 25, 15 - 2, 15 + 14);

  /* Nothing of the guide in the bone, nothing below the top face (no undercut). */
  {
    const float *pos = osp_mesh_get_positions (guide);
    OspBox box;

    for (guint32 v = 0; v < osp_mesh_get_n_vertices (guide); v++)
      {
        const float *p = pos + 3 * v;
        gboolean inside_xy = fabsf (p[0]) < 30 && fabsf (p[1]) < 20;

        if (inside_xy)
          g_assert_cmpfloat (p[2], >=, 15 + params.fit_gap - 0.01);
      }
    osp_mesh_get_bounds (guide, &box);
    /* Slot walls stand slot_height above the bone; sleeves 8 mm over a 4 mm shell. */
    g_assert_cmpfloat (box.max[2], >=, 15 + params.fit_gap + params.slot_height - 0.1);
    g_assert_cmpfloat (box.max[2], <=, 15 + params.fit_gap + params.thickness +
                                       params.sleeve_height + 0.6);
    /* The slot runs 7 mm past the section, closed by 4 mm end walls. */
    g_assert_cmpfloat (box.min[1], <=, -20 - params.slot_overrun - 3.9f);
    g_assert_cmpfloat (box.max[1], >=, 20 + params.slot_overrun + 3.9f);
  }
}

static void
test_automatic_direction (void)
{
  g_autoptr(OspMesh) bone = make_bone ();
  g_autoptr(OspMesh) guide = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OspGuideReport) report = { 0 };
  OspGuideParams params;
  OspPlane plane = { { 1, 0, 0 }, -4 };

  osp_guide_params_init (&params);
  params.n_pins = 0;
  guide = osp_guide_make (bone, &plane, 1, &params, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (report.direction_automatic);
  /* Along the plane (a saw enters along it), over an edge of the box so that the guide seats
   * on two faces: more contact than the 40 × 24 mm of the largest face alone. */
  g_assert_cmpfloat (fabs (report.direction[0]), <, 1e-3);
  g_assert_cmpfloat (report.patch_area, >, 1.2 * 40 * 24);
  g_assert_cmpuint (report.n_undercut, ==, 0);
  g_assert_cmpuint (report.n_overlap, ==, 0);
  g_assert_cmpuint (report.n_in_saw_path, ==, 0);
}

/* A wedge: two planes meeting at 25° along a vertical line through (−5, 0), inside the box.
 * One guide: both slots open across the section and 5 mm beyond, each slot's mid-plane on
 * its plane, and no sliver between them near the line (the print check passes). */
static void
test_wedge (void)
{
  g_autoptr(OspMesh) bone = make_bone ();
  g_autoptr(OspMesh) guide = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OspGuideReport) report = { 0 };
  OspGuideParams params;
  const double angle = 25 * G_PI / 180;
  OspPlane planes[2] = {
    { { 1, 0, 0 }, -5 },
    { { (float) cos (angle), (float) sin (angle), 0 }, (float) (-5 * cos (angle)) },
  };
  double half;

  osp_guide_params_init (&params);
  params.direction[2] = 1;
  guide = osp_guide_make (bone, planes, 2, &params, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guide);
  half = params.blade / 2 + params.clearance;
  g_assert_true (report.closed);
  g_assert_cmpuint (report.n_components, ==, 1);
  g_assert_cmpuint (report.n_overlap, ==, 0);
  g_assert_cmpuint (report.n_undercut, ==, 0);
  g_assert_cmpuint (report.n_in_saw_path, ==, 0);
  for (guint s = 0; s < 2; s++)
    {
      g_test_message ("wedge slot %u: mid-plane %.4f mm, %.4f°", s + 1,
                      report.slot_offset_error[s], report.slot_angle_error[s]);
      g_assert_cmpfloat (report.slot_offset_error[s], <, 0.05);
      g_assert_cmpfloat (report.slot_angle_error[s], <, 0.1);
      assert_plane_path_clear (guide, &planes[s], (float) half, 35, 25, 15 - 2, 15 + 14);
    }
  g_test_message ("wedge guide: thinnest wall %.3f mm", report.min_wall);
  g_assert_true (report.print_ready);
  g_assert_cmpfloat (report.min_wall, >=, 1.5);
}

static void
test_refusals (void)
{
  g_autoptr(OspMesh) bone = make_bone ();
  g_autoptr(OspMesh) open = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gboolean *keep = NULL;
  OspGuideParams params;
  OspMesh *guide;
  struct
  {
    OspPlane    planes[2];
    guint       n;
    float       direction[3];
    const char *expect;
  } cases[] = {
    { { { { 1, 0, 0 }, 100 } }, 1, { 0, 0, 1 }, "misses the bone" },
    { { { { 0, 0, 1 }, 5 } }, 1, { 0, 0, 1 }, "square to the insertion direction" },
    { { { { 1, 0, 0 }, 5 }, { { 1, 0, 0 }, 6 } }, 2, { 0, 0, 1 }, "collide" },
  };

  osp_guide_params_init (&params);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      memcpy (params.direction, cases[i].direction, sizeof params.direction);
      guide = osp_guide_make (bone, cases[i].planes, cases[i].n, &params, NULL, NULL, NULL,
                              &error);
      g_assert_null (guide);
      g_assert_error (error, OSP_ERROR, OSP_ERROR_FAILED);
      if (strstr (error->message, cases[i].expect) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, cases[i].expect);
      g_clear_error (&error);
    }

  /* An open bone. */
  keep = g_new (gboolean, osp_mesh_get_n_triangles (bone));
  for (guint t = 0; t < osp_mesh_get_n_triangles (bone); t++)
    keep[t] = t != 3;
  open = osp_mesh_extract_triangles (bone, keep);
  {
    OspPlane plane = { { 1, 0, 0 }, 5 };

    guide = osp_guide_make (open, &plane, 1, &params, NULL, NULL, NULL, &error);
    g_assert_null (guide);
    g_assert_error (error, OSP_ERROR, OSP_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "open (3 boundary edges)"));
    g_clear_error (&error);
  }

  /* Parameters out of range. */
  {
    OspPlane plane = { { 1, 0, 0 }, 5 };

    params.fit_gap = -1;
    guide = osp_guide_make (bone, &plane, 1, &params, NULL, NULL, NULL, &error);
    g_assert_null (guide);
    g_assert_nonnull (strstr (error->message, "fit gap"));
    g_clear_error (&error);
  }
}

/* The real left hemipelvis (CT-derived), a type I (iliac) osteotomy plane. */
static void
test_hemipelvis (void)
{
  g_autofree char *path = osp_test_shared_data ("mesh/pelvis_atlas_11_left_surface.stl");
  g_autoptr(OspMesh) raw = NULL, bone = NULL, guide = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OspGuideReport) report = { 0 };
  OspGuideParams params;
  OspPlane plane = { { 0, 0.196116f, 0.980581f }, 421.69f };

  if (path == NULL)
    return;
  raw = osp_mesh_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    OspRepairOptions options;
    OspRepairReport rr = { 0 };

    osp_repair_options_init (&options);
    bone = osp_mesh_repair (raw, &options, &rr, NULL, NULL, &error);
    osp_repair_report_clear (&rr);
    g_assert_no_error (error);
  }
  osp_guide_params_init (&params);
  params.label = "L1";
  guide = osp_guide_make (bone, &plane, 1, &params, &report, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (report.closed);
  g_assert_cmpuint (report.n_overlap, ==, 0);
  g_assert_cmpuint (report.n_undercut, ==, 0);
  g_assert_cmpuint (report.n_in_saw_path, ==, 0);
  g_assert_cmpfloat (report.slot_offset_error[0], <, 0.05);
  g_assert_cmpfloat (report.slot_angle_error[0], <, 0.1);
  g_assert_cmpfloat (report.min_bone_distance, >, 0.1);
  g_assert_cmpuint (report.n_pins, ==, 2);
  for (guint q = 0; q < 2; q++)
    g_assert_cmpfloat (report.pin_bone_depth[q], >, 5);
  g_test_message ("hemipelvis guide: thinnest wall %.3f mm, print check %s", report.min_wall,
                  report.print_ready ? "passed" : "failed");

  /* A wedge: a second plane turned 20° about the insertion direction, meeting the first on
   * the bone (a 0.3 mm grid keeps the two slots' grid within bounds). */
  {
    OspPlane wedge[2] = { plane, { { 0.2196f, -0.0727f, 0.9731f }, 375.06f } };
    g_auto(OspGuideReport) wr = { 0 };
    g_autoptr(OspMesh) wguide = NULL;

    memcpy (params.direction, report.direction, sizeof params.direction);
    params.voxel = 0.3;
    params.label = NULL;
    wguide = osp_guide_make (bone, wedge, 2, &params, &wr, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (wr.closed);
    g_assert_cmpuint (wr.n_components, ==, 1);
    g_assert_cmpuint (wr.n_overlap, ==, 0);
    g_assert_cmpuint (wr.n_undercut, ==, 0);
    g_assert_cmpuint (wr.n_in_saw_path, ==, 0);
    for (guint s = 0; s < 2; s++)
      {
        g_assert_cmpfloat (wr.slot_offset_error[s], <, 0.05);
        g_assert_cmpfloat (wr.slot_angle_error[s], <, 0.1);
      }
    g_test_message ("hemipelvis wedge guide: thinnest wall %.3f mm, print check %s",
                    wr.min_wall, wr.print_ready ? "passed" : "failed");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guide/box", test_box);
  g_test_add_func ("/guide/automatic-direction", test_automatic_direction);
  g_test_add_func ("/guide/wedge", test_wedge);
  g_test_add_func ("/guide/refusals", test_refusals);
  g_test_add_func ("/guide/hemipelvis", test_hemipelvis);
  return g_test_run ();
}
