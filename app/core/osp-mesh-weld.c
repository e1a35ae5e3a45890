/* osp-mesh-weld.c — triangle soup to indexed mesh
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An open-addressing hash table keyed by the corner's bit pattern (with -0 folded onto +0),
 * storing vertex numbers only; the positions live in the output array, so the table costs
 * 4 bytes a slot.
 */
#include "config.h"

#include <string.h>

#include "osp-mesh-private.h"

static inline guint32
float_bits (float f)
{
  guint32 u;

  /* -0 equals +0: fold the sign of zero away. */
  if (f == 0.0f)
    f = 0.0f;
  memcpy (&u, &f, sizeof u);
  return u;
}

static inline guint32
hash_corner (const guint32 k[3])
{
  guint64 h = (guint64) k[0] * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  h ^= (guint64) k[1] * G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F);
  h ^= (guint64) k[2] * G_GUINT64_CONSTANT (0x165667B19E3779F9);
  h ^= h >> 29;
  h *= G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  h ^= h >> 32;
  return (guint32) h;
}

OspMesh *
osp_mesh_weld_soup (const float *soup,
                    gsize        n_triangles)
{
  g_autofree guint32 *table = NULL;
  gsize n_corners = n_triangles * 3;
  gsize capacity = 16;
  float *positions;
  guint32 *indices;
  guint32 n_vertices = 0;

  g_return_val_if_fail (soup != NULL || n_triangles == 0, NULL);
  g_return_val_if_fail (n_triangles <= OSP_MESH_MAX_ELEMENTS, NULL);

  while (capacity < n_corners * 2)
    capacity <<= 1;
  table = g_new (guint32, capacity);
  memset (table, 0xff, capacity * sizeof (guint32));

  positions = g_new (float, n_corners * 3 + 1);
  indices = g_new (guint32, n_corners + 1);

  for (gsize c = 0; c < n_corners; c++)
    {
      const float *p = soup + 3 * c;
      guint32 key[3] = { float_bits (p[0]), float_bits (p[1]), float_bits (p[2]) };
      gboolean has_nan = p[0] != p[0] || p[1] != p[1] || p[2] != p[2];
      gsize slot = hash_corner (key) & (capacity - 1);

      if (!has_nan)
        {
          for (;;)
            {
              guint32 v = table[slot];
              const float *q;

              if (v == G_MAXUINT32)
                break;
              q = positions + 3 * (gsize) v;
              if (q[0] == p[0] && q[1] == p[1] && q[2] == p[2])
                {
                  indices[c] = v;
                  goto next;
                }
              slot = (slot + 1) & (capacity - 1);
            }
          table[slot] = n_vertices;
        }
      memcpy (positions + 3 * (gsize) n_vertices, p, 3 * sizeof (float));
      indices[c] = n_vertices++;
    next:
      ;
    }

  positions = g_realloc (positions, ((gsize) n_vertices * 3 + 1) * sizeof (float));
  return osp_mesh_new_take (positions, n_vertices, indices, (guint32) n_triangles);
}
