/* osp-mesh-weld.c — triangle soup to indexed mesh
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An open-addressing hash table (linear probing) whose 16-byte slots hold the corner's bit
 * pattern (with -0 folded onto +0) and its vertex number, so a lookup touches one cache line
 * and never the positions.  The table is sized from the corner count on the assumption of a
 * closed mesh (about six corners a vertex) and doubles when it fills, so a 4 M triangle STL
 * needs 64 MiB of table rather than 16 bytes a corner.  Lookups are software-pipelined: the
 * slot of the corner PREFETCH_AHEAD places on is prefetched while the current one is probed,
 * which hides most of the memory latency of the random accesses.  Big tables live on huge
 * pages (fewer TLB misses) and come zeroed from mmap (no memset).
 *
 * With two cores, the two halves of the triangles are welded at once, each into its own
 * table, then joined (merge_parts()): the result is bit for bit that of one pass.  On this
 * project's 2-core machine a 4 M triangle binary STL loads and welds in about 2 × the time
 * of merely read()ing its bytes (osteoplan-cli bench stl).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <sys/mman.h>
#endif

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-reader-private.h"
#include "osp-mesh-private.h"

#define EMPTY_SLOT      0u   /* slots hold vertex + 1, so zeroed memory is an empty table */
#define HUGE_PAGE       (2u << 20)
#define PREFETCH_AHEAD  16u
#define CANCEL_INTERVAL (1u << 16)  /* triangles between checks and progress reports */
/* Below this, a second thread costs more than it saves. */
#define PARALLEL_MIN_TRIANGLES 100000u

typedef struct
{
  guint32 key[3];
  guint32 vertex;
} Slot;

typedef struct
{
  Slot   *slots;
  gsize   mask;
  gsize   n_used;
  gsize   grow_at;
  gboolean mapped;
} Table;

static inline guint32
read_le32 (const guint8 *p)
{
  guint32 u;

  memcpy (&u, p, sizeof u);
  return GUINT32_FROM_LE (u);
}

static inline guint32
hash_key (const guint32 k[3])
{
  guint64 h = (guint64) k[0] * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  h ^= (guint64) k[1] * G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F);
  h ^= (guint64) k[2] * G_GUINT64_CONSTANT (0x165667B19E3779F9);
  h ^= h >> 29;
  h *= G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  h ^= h >> 32;
  return (guint32) h;
}

#define CORNER_NAN       1u
#define CORNER_NONFINITE 2u

/* The key of a corner: its bits, -0 folded onto +0.  Returns CORNER_NAN when a coordinate is
 * NaN (such a corner never welds) and CORNER_NONFINITE when one is NaN or infinite. */
static inline guint
corner_key (const guint8 *p,
            guint32       key[3])
{
  guint flags = 0;

  for (guint i = 0; i < 3; i++)
    {
      guint32 u = read_le32 (p + 4 * i);

      if (u == 0x80000000u)
        u = 0;
      if ((u & 0x7f800000u) == 0x7f800000u)
        flags |= CORNER_NONFINITE | ((u & 0x007fffffu) != 0 ? CORNER_NAN : 0);
      key[i] = u;
    }
  return flags;
}

/* Big tables come straight from mmap: already zero (no memset), and on huge pages where the
 * system allows, so that random probes do not miss the TLB. */
static void
table_init (Table *table,
            gsize  capacity)
{
  gsize bytes = capacity * sizeof (Slot);

  table->slots = NULL;
#if defined(G_OS_UNIX) && defined(MADV_HUGEPAGE)
  if (bytes >= 4 * HUGE_PAGE)
    {
      guint8 *map = mmap (NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

      if (map != MAP_FAILED)
        {
          gsize skip = (HUGE_PAGE - ((guintptr) map & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);

          /* Align to a huge page, and give back what alignment did not use. */
          if (skip > 0)
            munmap (map, skip);
          if (HUGE_PAGE - skip > 0)
            munmap (map + skip + bytes, HUGE_PAGE - skip);
          table->slots = (Slot *) (map + skip);
          madvise (table->slots, bytes, MADV_HUGEPAGE);
          table->mapped = TRUE;
        }
    }
#endif
  if (table->slots == NULL)
    {
      table->slots = g_malloc0 (bytes);
      table->mapped = FALSE;
    }
  table->mask = capacity - 1;
  table->n_used = 0;
  table->grow_at = capacity / 10 * 6;
}

static void
table_free (Slot     *slots,
            gsize     capacity,
            gboolean  mapped)
{
#if defined(G_OS_UNIX) && defined(MADV_HUGEPAGE)
  if (mapped)
    {
      munmap (slots, capacity * sizeof (Slot));
      return;
    }
#endif
  g_free (slots);
}

static void
table_grow (Table *table)
{
  Slot *old = table->slots;
  gsize old_capacity = table->mask + 1;
  gsize n_used = table->n_used;
  gboolean old_mapped = table->mapped;

  table_init (table, old_capacity * 2);
  for (gsize i = 0; i < old_capacity; i++)
    if (old[i].vertex != EMPTY_SLOT)
      {
        gsize s = hash_key (old[i].key) & table->mask;

        while (table->slots[s].vertex != EMPTY_SLOT)
          s = (s + 1) & table->mask;
        table->slots[s] = old[i];
      }
  table->n_used = n_used;
  table_free (old, old_capacity, old_mapped);
}

/* One range of triangles welded on its own: its own table, vertices and numbering. */
typedef struct
{
  const guint8 *base;
  gsize         stride;
  gsize         t_begin;
  gsize         t_end;
  gboolean      drop_nonfinite;
  gboolean      keep_table;
  GCancellable *cancellable;
  const OspProgressRange *progress;  /* NULL but in the first part */
  const char   *display_name;
  guint32      *indices;      /* where this range's corners go */

  Table         table;
  float        *positions;
  gsize         positions_capacity;
  guint32       n_vertices;
  gsize         n_out;        /* corners written to indices */
  guint64       n_dropped;
  GError       *error;
} WeldPart;

static gsize
table_capacity_for (gsize n_corners)
{
  gsize capacity = 1024;

  /* A closed mesh has about half as many vertices as triangles: size for that, grow if not. */
  while (capacity < n_corners / 4)
    capacity <<= 1;
  return capacity;
}

static void
weld_part (WeldPart *part)
{
  const guint8 *base = part->base + part->t_begin * part->stride;
  gsize stride = part->stride;
  gsize n_triangles = part->t_end - part->t_begin;
  gsize n_corners = n_triangles * 3;
  Table *table = &part->table;
  guint32 *indices = part->indices;
  /* A ring of the keys ahead: each corner is read and hashed once, PREFETCH_AHEAD corners
   * before its turn, when its slot is prefetched. */
  guint32 keys[PREFETCH_AHEAD][3];
  guint32 hashes[PREFETCH_AHEAD];
  guint flags[PREFETCH_AHEAD];
  guint32 n_vertices = 0;
  gsize n_out = 0;

  table_init (table, table_capacity_for (n_corners));
  part->positions_capacity = MAX (n_corners / 5, 64);
  part->positions = g_new (float, part->positions_capacity * 3);

  for (gsize c = 0; c < PREFETCH_AHEAD && c < n_corners; c++)
    {
      flags[c] = corner_key (base + (c / 3) * stride + (c % 3) * 12, keys[c]);
      hashes[c] = hash_key (keys[c]);
    }

  for (gsize t = 0; t < n_triangles; t++)
    {
      const guint8 *tri = base + t * stride;
      gsize c0 = t * 3;
      gboolean keep = TRUE;

      if G_UNLIKELY (t % CANCEL_INTERVAL == CANCEL_INTERVAL - 1)
        {
          if (g_cancellable_set_error_if_cancelled (part->cancellable, &part->error))
            break;
          osp_progress_report (part->progress, (double) t / n_triangles);
        }
      /* The triangle's three corners are in the ring already. */
      if (part->drop_nonfinite)
        keep = !((flags[c0 % PREFETCH_AHEAD] | flags[(c0 + 1) % PREFETCH_AHEAD] |
                  flags[(c0 + 2) % PREFETCH_AHEAD]) & CORNER_NONFINITE);

      for (guint k = 0; k < 3; k++)
        {
          gsize c = c0 + k, ahead = c + PREFETCH_AHEAD;
          guint r = c % PREFETCH_AHEAD;
          guint32 key[3] = { keys[r][0], keys[r][1], keys[r][2] };
          guint32 hash = hashes[r];
          gboolean hashable = !(flags[r] & CORNER_NAN);
          gsize s;

          if (ahead < n_corners)
            {
              flags[r] = corner_key (base + (ahead / 3) * stride + (ahead % 3) * 12, keys[r]);
              hashes[r] = hash_key (keys[r]);
              __builtin_prefetch (&table->slots[hashes[r] & table->mask]);
            }
          if (!keep)
            continue;

          if (hashable)
            {
              for (s = hash & table->mask; table->slots[s].vertex != EMPTY_SLOT;
                   s = (s + 1) & table->mask)
                {
                  const Slot *slot = &table->slots[s];

                  if (slot->key[0] == key[0] && slot->key[1] == key[1] && slot->key[2] == key[2])
                    break;
                }
              if (table->slots[s].vertex != EMPTY_SLOT)
                {
                  indices[n_out++] = table->slots[s].vertex - 1;
                  continue;
                }
              table->slots[s].key[0] = key[0];
              table->slots[s].key[1] = key[1];
              table->slots[s].key[2] = key[2];
              table->slots[s].vertex = n_vertices + 1;
              if (++table->n_used > table->grow_at)
                {
                  if (!osp_memory_check ((guint64) (table->mask + 1) * 3 * sizeof (Slot),
                                         part->display_name, _("welding the triangles"),
                                         &part->error))
                    break;
                  table_grow (table);
                }
            }

          if G_UNLIKELY (n_vertices == part->positions_capacity)
            {
              part->positions_capacity = MIN (part->positions_capacity +
                                              part->positions_capacity / 2, n_corners);
              part->positions = g_renew (float, part->positions, part->positions_capacity * 3);
            }
          /* The corner as written, -0 included (the key folds it). */
          for (guint i = 0; i < 3; i++)
            {
              guint32 u = read_le32 (tri + 12 * k + 4 * i);

              memcpy (part->positions + 3 * (gsize) n_vertices + i, &u, sizeof (float));
            }
          indices[n_out++] = n_vertices++;
        }
      if (part->error != NULL)
        break;
      if (!keep)
        part->n_dropped++;
    }

  part->n_vertices = n_vertices;
  part->n_out = n_out;
  if (!part->keep_table || part->error != NULL)
    {
      table_free (table->slots, table->mask + 1, table->mapped);
      table->slots = NULL;
    }
}

static gpointer
weld_part_thread (gpointer data)
{
  weld_part (data);
  return NULL;
}

static void
weld_part_clear (WeldPart *part)
{
  if (part->table.slots != NULL)
    table_free (part->table.slots, part->table.mask + 1, part->table.mapped);
  g_free (part->positions);
  g_clear_error (&part->error);
}

/* Looks the vertices [begin, end) of part b up in part a's table: remap[v] is a's vertex, or
 * G_MAXUINT32 where a has no such vertex. */
typedef struct
{
  const WeldPart *a;
  const WeldPart *b;
  guint32        *remap;
  guint32         begin;
  guint32         end;
} LookupRange;

static inline void
vertex_key (const float *position,
            guint32      key[3])
{
  /* The positions are in host order; corner_key reads little endian. */
  for (guint i = 0; i < 3; i++)
    {
      guint32 u;

      memcpy (&u, position + i, 4);
      u = GUINT32_TO_LE (u);
      memcpy ((guint8 *) key + 4 * i, &u, 4);
    }
}

static gpointer
lookup_range (gpointer data)
{
  LookupRange *range = data;
  const Table *table = &range->a->table;
  const float *positions = range->b->positions;
  guint32 hashes[PREFETCH_AHEAD];

  /* Pipelined like the weld: most of these lookups miss every cache. */
  for (guint32 v = range->begin; v < range->end && v - range->begin < PREFETCH_AHEAD; v++)
    {
      guint32 key[3];

      vertex_key (positions + 3 * (gsize) v, key);
      corner_key ((const guint8 *) key, key);
      hashes[v % PREFETCH_AHEAD] = hash_key (key);
    }
  for (guint32 v = range->begin; v < range->end; v++)
    {
      guint32 key[3];
      guint32 found = G_MAXUINT32;
      guint32 hash = hashes[v % PREFETCH_AHEAD];

      if (v + PREFETCH_AHEAD < range->end)
        {
          guint32 ahead[3];

          vertex_key (positions + 3 * ((gsize) v + PREFETCH_AHEAD), ahead);
          corner_key ((const guint8 *) ahead, ahead);
          hashes[v % PREFETCH_AHEAD] = hash_key (ahead);
          __builtin_prefetch (&table->slots[hashes[v % PREFETCH_AHEAD] & table->mask]);
        }
      vertex_key (positions + 3 * (gsize) v, key);
      if (!(corner_key ((const guint8 *) key, key) & CORNER_NAN))
        for (gsize s = hash & table->mask; table->slots[s].vertex != EMPTY_SLOT;
             s = (s + 1) & table->mask)
          {
            const Slot *slot = &table->slots[s];

            if (slot->key[0] == key[0] && slot->key[1] == key[1] && slot->key[2] == key[2])
              {
                found = slot->vertex - 1;
                break;
              }
          }
      range->remap[v] = found;
    }
  return NULL;
}

typedef struct
{
  guint32       *indices;
  const guint32 *remap;
  gsize          n;
} RemapRange;

static gpointer
remap_range (gpointer data)
{
  RemapRange *range = data;

  for (gsize i = 0; i < range->n; i++)
    range->indices[i] = range->remap[range->indices[i]];
  return NULL;
}

/* Joins part b (the later triangles) onto part a.  The result is what one pass would give:
 * a's vertices keep their numbers, b's vertices that a lacks follow in b's order of first
 * appearance, which is their order of first appearance overall. */
static float *
merge_parts (WeldPart *a,
             WeldPart *b,
             guint32  *out_n_vertices)
{
  g_autofree guint32 *remap = g_new (guint32, (gsize) b->n_vertices + 1);
  guint32 half = b->n_vertices / 2;
  LookupRange lookups[2] = {
    { a, b, remap, 0, half },
    { a, b, remap, half, b->n_vertices },
  };
  RemapRange remaps[2];
  GThread *thread;
  guint32 n_vertices = a->n_vertices, n_new = 0;
  float *positions;
  gsize half_out = b->n_out / 2;

  thread = g_thread_new ("osp-weld", lookup_range, &lookups[1]);
  lookup_range (&lookups[0]);
  g_thread_join (thread);

  for (guint32 v = 0; v < b->n_vertices; v++)
    n_new += remap[v] == G_MAXUINT32;
  positions = g_renew (float, g_steal_pointer (&a->positions),
                       ((gsize) a->n_vertices + n_new) * 3 + 3);
  for (guint32 v = 0; v < b->n_vertices; v++)
    if (remap[v] == G_MAXUINT32)
      {
        memcpy (positions + 3 * (gsize) n_vertices, b->positions + 3 * (gsize) v,
                3 * sizeof (float));
        remap[v] = n_vertices++;
      }

  remaps[0] = (RemapRange) { b->indices, remap, half_out };
  remaps[1] = (RemapRange) { b->indices + half_out, remap, b->n_out - half_out };
  thread = g_thread_new ("osp-weld", remap_range, &remaps[1]);
  remap_range (&remaps[0]);
  g_thread_join (thread);

  /* Triangles a dropped leave a gap before b's corners. */
  if (a->indices + a->n_out != b->indices)
    memmove (a->indices + a->n_out, b->indices, b->n_out * sizeof (guint32));
  *out_n_vertices = n_vertices;
  return positions;
}

guint64
osp_mesh_weld_bytes (gsize n_triangles)
{
  gsize n_corners = n_triangles * 3;

  return (guint64) table_capacity_for (n_corners) * sizeof (Slot) +
         (guint64) n_corners * sizeof (guint32) + (guint64) MAX (n_corners / 5, 64) * 12;
}

OspMesh *
osp_mesh_weld_strided (const guint8  *base,
                       gsize          stride,
                       gsize          n_triangles,
                       gboolean       drop_nonfinite,
                       guint64       *out_n_dropped,
                       const char    *display_name,
                       const OspProgressRange *progress,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gsize n_corners = n_triangles * 3;
  gboolean parallel = n_triangles >= PARALLEL_MIN_TRIANGLES && g_get_num_processors () >= 2;
  g_autofree guint32 *indices = NULL;
  WeldPart parts[2] = { { 0 }, { 0 } };
  guint n_parts = parallel ? 2 : 1;
  float *positions;
  guint32 n_vertices;
  gsize n_out;
  guint64 bytes;

  g_return_val_if_fail (base != NULL || n_triangles == 0, NULL);
  g_return_val_if_fail (n_triangles <= OSP_MESH_MAX_ELEMENTS, NULL);
  g_return_val_if_fail (stride >= 36, NULL);

  bytes = osp_mesh_weld_bytes (n_triangles);
  if (!osp_memory_check (bytes, display_name, _("welding the triangles"), error))
    return NULL;
  indices = g_new (guint32, n_corners + 1);

  for (guint i = 0; i < n_parts; i++)
    {
      WeldPart *part = &parts[i];

      part->base = base;
      part->stride = stride;
      part->t_begin = n_triangles * i / n_parts;
      part->t_end = n_triangles * (i + 1) / n_parts;
      part->drop_nonfinite = drop_nonfinite;
      part->keep_table = i == 0 && parallel;
      part->cancellable = cancellable;
      part->progress = i == 0 ? progress : NULL;
      part->display_name = display_name;
      part->indices = indices + 3 * part->t_begin;
    }

  if (parallel)
    {
      /* Two halves at once, then joined: the same mesh as one pass, in about half the time. */
      GThread *thread = g_thread_new ("osp-weld", weld_part_thread, &parts[1]);

      weld_part (&parts[0]);
      g_thread_join (thread);
    }
  else
    weld_part (&parts[0]);

  for (guint i = 0; i < n_parts; i++)
    if (parts[i].error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&parts[i].error));
        for (guint j = 0; j < n_parts; j++)
          weld_part_clear (&parts[j]);
        return NULL;
      }

  if (parallel)
    {
      positions = merge_parts (&parts[0], &parts[1], &n_vertices);
      n_out = parts[0].n_out + parts[1].n_out;
    }
  else
    {
      positions = g_steal_pointer (&parts[0].positions);
      n_vertices = parts[0].n_vertices;
      n_out = parts[0].n_out;
    }
  if (out_n_dropped != NULL)
    *out_n_dropped = parts[0].n_dropped + parts[1].n_dropped;
  for (guint j = 0; j < n_parts; j++)
    weld_part_clear (&parts[j]);

  positions = g_renew (float, positions, (gsize) MAX (n_vertices, 1) * 3);
  return osp_mesh_new_take (positions, n_vertices, g_steal_pointer (&indices),
                            (guint32) (n_out / 3));
}

OspMesh *
osp_mesh_weld_soup (const float *soup,
                    gsize        n_triangles)
{
  g_autoptr(GError) error = NULL;
  OspMesh *mesh;

  g_return_val_if_fail (soup != NULL || n_triangles == 0, NULL);
  g_return_val_if_fail (n_triangles <= OSP_MESH_MAX_ELEMENTS, NULL);

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  mesh = osp_mesh_weld_strided ((const guint8 *) soup, 9 * sizeof (float), n_triangles, FALSE,
                                NULL, NULL, NULL, NULL, &error);
#else
  {
    g_autofree guint32 *le = g_new (guint32, n_triangles * 9 + 1);

    for (gsize i = 0; i < n_triangles * 9; i++)
      {
        guint32 u;

        memcpy (&u, soup + i, sizeof u);
        le[i] = GUINT32_TO_LE (u);
      }
    mesh = osp_mesh_weld_strided ((const guint8 *) le, 9 * sizeof (float), n_triangles, FALSE,
                                  NULL, NULL, NULL, NULL, &error);
  }
#endif
  /* The caller gave the soup in memory already, so its mesh fits as well. */
  if (mesh == NULL)
    g_error ("%s: %s", G_STRFUNC, error->message);
  return mesh;
}
