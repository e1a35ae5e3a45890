/* osteoplan-cli.c — Osteoplan without a display
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "osp-cli-private.h"
#include "osp-locale.h"

static const OspCliCommand commands[] = {
  { "info", N_("FILE…"), N_("Describe mesh files: counts, size, area, volume, topology"), osp_cli_info },
  { "convert", N_("IN OUT"), N_("Convert a mesh file to STL, OBJ, PLY or 3MF (from OUT's extension)"), osp_cli_convert },
  { "phantom", N_("-o FILE.nii.gz"), N_("Write a synthetic pelvis CT with its ground truth"), osp_cli_phantom },
  { "segment", N_("CT_PATH -o bone.stl"), N_("Extract the bone surface of a CT (DICOM folder or NIfTI)"), osp_cli_segment },
  { "render", N_("INPUT… -o shot.png"), N_("Render meshes (or --demo) offscreen to a PNG in an anatomical view"), osp_cli_render },
  { "volume-info", N_("CT_PATH"), N_("Describe a CT: dimensions, spacing, orientation, HU range, series"), osp_cli_volume_info },
  { "cut", N_("IN --plane NX,NY,NZ,D [--plane …] [--margin MM] -o OUTDIR"), N_("Cut a mesh with planes into capped, closed pieces"), osp_cli_cut },
  { "symmetry", N_("IN…"), N_("Estimate the midsagittal plane and its residual"), osp_cli_symmetry },
  { "mirror", N_("IN --plane NX,NY,NZ,D -o OUT"), N_("Mirror a mesh across a plane (a template)"), osp_cli_mirror },
  { "plan", N_("run PLAN | info FILE"), N_("Replay a plan’s operations headless, or describe a .osteoplan file"), osp_cli_plan },
  { "check", N_("FILE… [--printer NAME|--build-volume X,Y,Z] [--min-wall MM] [--json]"), N_("Check that models are ready for 3D printing (closed, outward, no self-intersections, walls, build volume)"), osp_cli_check },
  { "decimate", N_("IN --triangles N -o OUT"), N_("Reduce a mesh to at most N triangles, keeping it closed"), osp_cli_decimate },
  { "repair", N_("IN -o OUT"), N_("Repair a mesh for printing: merge, clean, orient, fill holes, drop crumbs"), osp_cli_repair },
  { "export", N_("IN… -o OUT.3mf|.stl|.obj|.ply [--merge] [--names A,B,…]"), N_("Export models for printing: one 3MF with named, coloured objects, or STL/OBJ/PLY"), osp_cli_export },
  { "implant", N_("screw|plate|cup|block [OPTION…] -o OUT"), N_("Generate a parametric implant (screw, plate, cup, block) as a closed mesh"), osp_cli_implant },
  { "distance", N_("IMPLANT BONE [--json]"), N_("Signed distance of an implant to the bone: min, max, mean, penetration, contact area"), osp_cli_distance },
  { "boolean", N_("A B --op union|difference|intersection -o OUT"), N_("Union, difference or intersection of two closed meshes, exact; the result is a clean solid"), osp_cli_boolean },
  { "guide", N_("BONE --plane NX,NY,NZ,D [--plane …] -o GUIDE"), N_("Make a patient-specific osteotomy guide with saw slots along the planes, pin sleeves and a label"), osp_cli_guide },
  { "slice", N_("CT --axis axial|coronal|sagittal --at MM -o slice.png"), N_("Render a CT slice (radiological convention, with overlays) offscreen to a PNG"), osp_cli_slice },
  { "margin", N_("--tumour TUMOUR.stl --plane NX,NY,NZ,D … [--json]"), N_("Resection margins: each plane's signed distance to the tumour; exit 1 when the tumour is not wholly resected"), osp_cli_margin },
  { "bench", N_("NAME"), N_("Run a benchmark (osteoplan-cli bench --help lists them)"), osp_cli_bench },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n  osteoplan-cli COMMAND [OPTION…]\n\n%s\n", _("Usage:"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “osteoplan-cli COMMAND --help” for a command’s options."));
}

int
main (int    argc,
      char **argv)
{
  osp_locale_init ();
  g_set_prgname ("osteoplan-cli");

  if (argc < 2)
    {
      print_usage (stderr);
      return 1;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("osteoplan-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].func (argc - 1, argv + 1);

  fprintf (stderr, _("osteoplan-cli: unknown command “%s”\n\n"), argv[1]);
  print_usage (stderr);
  return 1;
}
