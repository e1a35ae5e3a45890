/* test-model.c — OspModel: properties, notifications, clamping
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "osp-model.h"
#include "osp-test-common.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              GHashTable *counts)
{
  const char *name = g_param_spec_get_name (pspec);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));

  g_hash_table_insert (counts, (gpointer) name, GUINT_TO_POINTER (n + 1));
}

static guint
n_notified (GHashTable *counts,
            const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_defaults (void)
{
  g_autoptr(OspMesh) mesh = osp_test_make_box (1, 2, 3);
  g_autoptr(OspModel) model = osp_model_new ("Pelvis", mesh, OSP_MODEL_ROLE_IMPLANT);
  float matrix[16];
  float rgb[3];

  g_assert_cmpstr (osp_model_get_name (model), ==, "Pelvis");
  g_assert_true (osp_model_get_mesh (model) == mesh);
  g_assert_cmpuint (osp_model_get_n_triangles (model), ==, 12);
  g_assert_cmpint (osp_model_get_role (model), ==, OSP_MODEL_ROLE_IMPLANT);
  g_assert_cmphex (osp_model_get_color (model), ==,
                   osp_model_role_default_color (OSP_MODEL_ROLE_IMPLANT, 0));
  g_assert_cmpfloat (osp_model_get_opacity (model), ==, 1.0);
  g_assert_true (osp_model_get_visible (model));
  osp_model_get_transform (model, matrix);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat (matrix[i], ==, i % 5 == 0 ? 1.0f : 0.0f);

  osp_model_set_color (model, 0xff8000);
  osp_model_get_color_rgb (model, rgb);
  g_assert_cmpfloat (rgb[0], ==, 1.0f);
  g_assert_cmpfloat_with_epsilon (rgb[1], 128 / 255.0f, 1e-6);
  g_assert_cmpfloat (rgb[2], ==, 0.0f);
  g_assert_cmpstr (osp_model_role_get_label (OSP_MODEL_ROLE_TEMPLATE), ==, "Template");
}

typedef struct
{
  const char *property;
  void      (*change) (OspModel *model);
  void      (*same) (OspModel *model);    /* sets the value it already has */
} NotifyCase;

static void rename_model (OspModel *m) { osp_model_set_name (m, "Ilium"); }
static void rename_same (OspModel *m) { osp_model_set_name (m, osp_model_get_name (m)); }
static void hide (OspModel *m) { osp_model_set_visible (m, FALSE); }
static void show (OspModel *m) { osp_model_set_visible (m, TRUE); }
static void fade (OspModel *m) { osp_model_set_opacity (m, 0.5); }
static void opaque (OspModel *m) { osp_model_set_opacity (m, 1.0); }
static void recolor (OspModel *m) { osp_model_set_color (m, 0x123456); }
static void same_color (OspModel *m) { osp_model_set_color (m, osp_model_get_color (m)); }
static void to_piece (OspModel *m) { osp_model_set_role (m, OSP_MODEL_ROLE_PIECE); }
static void same_role (OspModel *m) { osp_model_set_role (m, OSP_MODEL_ROLE_BONE); }
static void
translate (OspModel *m)
{
  float matrix[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 10, 20, 30, 1 };

  osp_model_set_transform (m, matrix);
}
static void identity (OspModel *m) { osp_model_set_transform (m, NULL); }

static const NotifyCase notify_cases[] = {
  { "name", rename_model, rename_same },
  { "visible", hide, show },
  { "opacity", fade, opaque },
  { "color", recolor, same_color },
  { "role", to_piece, same_role },
  { "transform", translate, identity },
};

static void
test_notify (gconstpointer data)
{
  const NotifyCase *tc = data;
  g_autoptr(OspMesh) mesh = osp_test_make_tetrahedron ();
  g_autoptr(OspModel) model = osp_model_new ("Bone", mesh, OSP_MODEL_ROLE_BONE);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (model, "notify", G_CALLBACK (count_notify), counts);
  /* Setting the value a property has already emits nothing. */
  tc->same (model);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);
  tc->change (model);
  g_assert_cmpuint (n_notified (counts, tc->property), ==, 1);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 1);
  tc->change (model);
  g_assert_cmpuint (n_notified (counts, tc->property), ==, 1);
}

static void
test_mesh_property (void)
{
  g_autoptr(OspMesh) a = osp_test_make_tetrahedron ();
  g_autoptr(OspMesh) b = osp_test_make_box (1, 1, 1);
  g_autoptr(OspMesh) c = osp_test_make_box (2, 2, 2);
  g_autoptr(OspModel) model = osp_model_new ("Bone", a, OSP_MODEL_ROLE_BONE);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  OspMesh *got = NULL;

  g_signal_connect (model, "notify", G_CALLBACK (count_notify), counts);
  g_object_set (model, "mesh", b, NULL);
  g_assert_cmpuint (n_notified (counts, "mesh"), ==, 1);
  g_assert_cmpuint (n_notified (counts, "n-triangles"), ==, 1);  /* 4 → 12 */
  osp_model_set_mesh (model, c);
  g_assert_cmpuint (n_notified (counts, "mesh"), ==, 2);
  g_assert_cmpuint (n_notified (counts, "n-triangles"), ==, 1);  /* 12 → 12 */
  g_object_get (model, "mesh", &got, NULL);
  g_assert_true (got == c);
  osp_mesh_unref (got);
}

static void
test_clamping (void)
{
  g_autoptr(OspMesh) mesh = osp_test_make_tetrahedron ();
  g_autoptr(OspModel) model = osp_model_new ("Bone", mesh, OSP_MODEL_ROLE_BONE);

  osp_model_set_opacity (model, 2.0);
  g_assert_cmpfloat (osp_model_get_opacity (model), ==, 1.0);
  osp_model_set_opacity (model, -1.0);
  g_assert_cmpfloat (osp_model_get_opacity (model), ==, 0.0);
  osp_model_set_opacity (model, NAN);
  g_assert_cmpfloat (osp_model_get_opacity (model), ==, 1.0);
  osp_model_set_color (model, 0xff123456);
  g_assert_cmphex (osp_model_get_color (model), ==, 0x123456);
  osp_model_set_name (model, NULL);
  g_assert_cmpstr (osp_model_get_name (model), ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/defaults", test_defaults);
  for (guint i = 0; i < G_N_ELEMENTS (notify_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/model/notify/%s", notify_cases[i].property);

      g_test_add_data_func (name, &notify_cases[i], test_notify);
    }
  g_test_add_func ("/model/mesh-property", test_mesh_property);
  g_test_add_func ("/model/clamping", test_clamping);
  return g_test_run ();
}
