/* osp-cli-export.c — osteoplan-cli export IN… -o OUT.3mf|.stl|.obj|.ply [--merge]
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "osp-3mf.h"
#include "osp-cli-private.h"
#include "osp-error.h"
#include "osp-export.h"
#include "osp-input.h"
#include "osp-mesh-io.h"
#include "osp-model.h"

static void
cli_model_free (gpointer data)
{
  OspCliModel *model = data;

  g_free (model->name);
  g_clear_pointer (&model->mesh, osp_mesh_unref);
  g_free (model);
}

static gboolean
is_zip (const char *path)
{
  FILE *in = osp_input_fopen (path, NULL);  /* never blocks on a pipe */
  guint8 head[4] = { 0 };
  gboolean zip;

  if (in == NULL)
    return FALSE;
  zip = fread (head, 1, sizeof head, in) == 4 && memcmp (head, "PK\003\004", 4) == 0;
  fclose (in);
  return zip;
}

GPtrArray *
osp_cli_load_models (const char  *path,
                     GPtrArray   *warnings,
                     GError     **error)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (cli_model_free);
  g_autofree char *base = g_path_get_basename (path);
  OspMeshLoadInfo info = { 0 };
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  if (is_zip (path))
    {
      /* A 3MF package: one model per build item, with its name and colour. */
      g_autoptr(GPtrArray) objects = osp_3mf_load (path, &info, NULL, error);

      if (objects == NULL)
        {
          osp_mesh_load_info_clear (&info);
          return NULL;
        }
      for (guint i = 0; i < objects->len; i++)
        {
          Osp3mfObject *o = g_ptr_array_index (objects, i);
          OspCliModel *m = g_new0 (OspCliModel, 1);

          m->name = objects->len == 1 && o->name[0] == '\0' ? g_strdup (base) : g_strdup (o->name);
          m->mesh = osp_mesh_ref (o->mesh);
          m->rgba = o->rgba;
          m->has_color = o->has_color;
          g_ptr_array_add (models, m);
        }
    }
  else
    {
      OspMesh *mesh = osp_mesh_load (path, &info, NULL, error);
      OspCliModel *m;

      if (mesh == NULL)
        {
          osp_mesh_load_info_clear (&info);
          return NULL;
        }
      m = g_new0 (OspCliModel, 1);
      m->name = g_strdup (base);
      m->mesh = mesh;
      m->rgba = 0xFFFFFFFFu;
      g_ptr_array_add (models, m);
    }
  for (guint i = 0; info.warnings != NULL && i < info.warnings->len; i++)
    {
      if (warnings != NULL)
        g_ptr_array_add (warnings, g_strdup (g_ptr_array_index (info.warnings, i)));
      else
        osp_cli_warn (g_ptr_array_index (info.warnings, i));
    }
  osp_mesh_load_info_clear (&info);
  return g_steal_pointer (&models);
}

int
osp_cli_export (int    argc,
                char **argv)
{
  g_autofree char *output = NULL, *names = NULL;
  gboolean merge = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The file to write; its extension picks the format (.3mf, .stl, .obj, .ply)"),
      N_("OUT") },
    { "merge", 0, 0, G_OPTION_ARG_NONE, &merge,
      N_("One merged mesh instead of one object (3MF) or one file (STL, OBJ, PLY) per model"),
      NULL },
    { "names", 0, 0, G_OPTION_ARG_STRING, &names,
      N_("Comma-separated model names, in input order (default: the file names)"),
      N_("A,B,…") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    osp_cli_context_new ("export", _("IN… -o OUT"),
                         _("Export models for printing: one 3MF package with a named, "
                           "coloured object per model (millimetres), or binary STL, OBJ or PLY "
                           "— one file per model (OUT-NAME.stl) or all merged (--merge)."),
                         entries);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) name_list = NULL;
  g_autofree OspExportItem *items = NULL;
  g_autofree float *transforms = NULL;
  g_auto(GStrv) written = NULL;
  g_autoptr(GError) error = NULL;
  OspExportFormat format;
  guint n_names = 0;
  int status = 0;

  if (!osp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return osp_cli_failf (_("export: no input file given"));
  if (output == NULL)
    return osp_cli_failf (_("export: no output file (-o OUT.3mf|.stl|.obj|.ply)"));
  if (!osp_export_format_from_path (output, &format))
    return osp_cli_failf (_("export: “%s”: the extension must be .3mf, .stl, .obj or .ply"),
                          output);
  if (names != NULL)
    {
      name_list = g_strsplit (names, ",", -1);
      n_names = g_strv_length (name_list);
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GPtrArray) models = osp_cli_load_models (argv[i], NULL, &error);

      if (models == NULL)
        return osp_cli_fail (error);
      for (guint m = 0; m < models->len; m++)
        {
          OspCliModel *cm = g_ptr_array_index (models, m);
          guint k = all->len;
          const char *name = k < n_names && name_list[k][0] != '\0' ? name_list[k] : cm->name;
          OspModel *model = osp_model_new (name, cm->mesh, OSP_MODEL_ROLE_BONE);

          if (cm->has_color)
            {
              osp_model_set_color (model, cm->rgba >> 8);
              osp_model_set_opacity (model, (cm->rgba & 0xFF) / 255.0);
            }
          else
            osp_model_set_color (model, osp_model_role_default_color (OSP_MODEL_ROLE_BONE, k));
          g_ptr_array_add (all, model);
        }
    }
  if (n_names > 0 && n_names != all->len)
    return osp_cli_failf (_("export: %u names given for %u models"), n_names, all->len);

  items = g_new0 (OspExportItem, all->len);
  transforms = g_new (float, 16 * (gsize) all->len);
  for (guint i = 0; i < all->len; i++)
    osp_export_item_from_model (g_ptr_array_index (all, i), transforms + 16 * (gsize) i,
                                &items[i]);
  {
    g_autoptr(OspCliProgress) progress = osp_cli_progress_new (_("export"));
    OspProgressRange range = { osp_cli_progress_update, progress, 0, 1 };

    if (!osp_export (items, all->len, output, format, merge, &written, &range, NULL, &error))
      return osp_cli_fail (error);
  }
  for (guint i = 0; written[i] != NULL; i++)
    printf ("%s\n", written[i]);
  return 0;
}
