/* osp-test-lib3mf.cpp — reads a 3MF file with lib3mf, the 3MF Consortium's reference
 * implementation, for tests that check our files against it
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lib3mf 1.8's C interface is declared inside a C++ namespace, hence this small C++ file.
 */
#include "osp-test-lib3mf.h"

#include <Model/COM/NMR_DLLInterfaces.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

using namespace NMR;

static GPtrArray *read_with_lib3mf (const char *path, char **out_message);

/* lib3mf 1.8 leaks a few libzip buffers on every read: not ours to find, so the leak
 * checker looks away while it runs. */
extern "C" GPtrArray *
osp_test_lib3mf_read (const char  *path,
                      char       **out_message)
{
  GPtrArray *meshes;

#ifdef __SANITIZE_ADDRESS__
  __lsan_disable ();
#endif
  meshes = read_with_lib3mf (path, out_message);
#ifdef __SANITIZE_ADDRESS__
  __lsan_enable ();
#endif
  return meshes;
}

static GPtrArray *
read_with_lib3mf (const char  *path,
                  char       **out_message)
{
  PLib3MFModel *model = nullptr;
  PLib3MFModelReader *reader = nullptr;
  PLib3MFModelResourceIterator *it = nullptr;
  GPtrArray *meshes = nullptr;
  BOOL has = FALSE;

  *out_message = nullptr;
  if (lib3mf_createmodel (&model) != LIB3MF_OK)
    {
      *out_message = g_strdup ("lib3mf_createmodel failed");
      return nullptr;
    }
  /* Strict mode: lib3mf's warnings become errors, so our files must be spotless. */
  if (lib3mf_model_queryreader (model, "3mf", &reader) != LIB3MF_OK ||
      lib3mf_reader_setstrictmodeactive (reader, TRUE) != LIB3MF_OK ||
      lib3mf_reader_readfromfileutf8 (reader, path) != LIB3MF_OK)
    {
      DWORD code = 0;
      LPCSTR msg = nullptr;

      lib3mf_getlasterror (reader != nullptr ? reader : model, &code, &msg);
      *out_message = g_strdup_printf ("lib3mf cannot read %s: error %u %s", path, (unsigned) code,
                                      msg != nullptr ? msg : "");
      if (reader != nullptr)
        lib3mf_release (reader);
      lib3mf_release (model);
      return nullptr;
    }
  {
    DWORD n_warnings = 0;

    lib3mf_reader_getwarningcount (reader, &n_warnings);
    if (n_warnings > 0)
      {
        *out_message = g_strdup_printf ("lib3mf warns %u times about %s", (unsigned) n_warnings,
                                        path);
        lib3mf_release (reader);
        lib3mf_release (model);
        return nullptr;
      }
  }
  meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  lib3mf_model_getmeshobjects (model, &it);
  while (lib3mf_resourceiterator_movenext (it, &has) == LIB3MF_OK && has)
    {
      PLib3MFModelResource *r = nullptr;
      DWORD nv = 0, nt = 0;

      lib3mf_resourceiterator_getcurrent (it, &r);
      lib3mf_meshobject_getvertexcount (r, &nv);
      lib3mf_meshobject_gettrianglecount (r, &nt);
      {
        MODELMESHVERTEX *v = g_new (MODELMESHVERTEX, MAX (nv, 1));
        MODELMESHTRIANGLE *t = g_new (MODELMESHTRIANGLE, MAX (nt, 1));
        float *pos = g_new (float, 3 * (gsize) MAX (nv, 1));
        guint32 *idx = g_new (guint32, 3 * (gsize) MAX (nt, 1));

        lib3mf_meshobject_getvertices (r, v, nv, nullptr);
        lib3mf_meshobject_gettriangleindices (r, t, nt, nullptr);
        for (DWORD i = 0; i < nv; i++)
          for (int c = 0; c < 3; c++)
            pos[3 * i + c] = v[i].m_fPosition[c];
        for (DWORD i = 0; i < nt; i++)
          for (int c = 0; c < 3; c++)
            idx[3 * i + c] = t[i].m_nIndices[c];
        g_ptr_array_add (meshes, osp_mesh_new_take (pos, nv, idx, nt));
        g_free (v);
        g_free (t);
      }
      lib3mf_release (r);
    }
  lib3mf_release (it);
  lib3mf_release (reader);
  lib3mf_release (model);
  return meshes;
}
