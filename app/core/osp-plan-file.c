/* osp-plan-file.c — saving and opening plans (.osteoplan), autosaves
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A .osteoplan file is a zip holding plan.json and one entry per distinct mesh,
 * meshes/N.bin, in this little-endian format:
 *
 *   "OSPMESH\0"            8 bytes, magic
 *   version                u32 (1)
 *   n_vertices             u32
 *   n_triangles            u32
 *   reserved               u32 (0)
 *   positions              n_vertices × 3 float32
 *   indices                n_triangles × 3 u32, each < n_vertices
 *   crc32                  u32, zlib CRC-32 of everything before it
 *
 * The zip is built in memory and written through OspAtomicFile (temporary file, fsync,
 * rename), never by libzip's own rename, which does not fsync.
 */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include "osp-atomic-file.h"
#include "osp-error.h"
#include "osp-implant.h"
#include "osp-input.h"
#include "osp-json.h"
#include "osp-measure.h"
#include "osp-memory.h"
#include "osp-plan-private.h"
#include "osp-training.h"

#define MESH_MAGIC "OSPMESH"
#define MESH_HEADER_SIZE 24
#define MESH_VERSION 1
#define PLAN_JSON "plan.json"
/* plan.json holds names and numbers, never geometry: anything bigger is not ours.  Parsed,
 * JSON takes many times its size (JSON_DOM_FACTOR, measured ~10 for json-glib). */
#define PLAN_JSON_MAX (16u << 20)
#define JSON_DOM_FACTOR 16
/* More models, planes or landmarks than a case could ever have: a hostile file. */
#define MAX_ITEMS 100000
/* Real meshes deflate by a few times at most; deflate tops out near 1000:1 (a zip bomb). */
#define MAX_RATIO 200
#define RATIO_CHECK_MIN (1u << 20)

G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN || G_BYTE_ORDER == G_BIG_ENDIAN);

/* -- Compressed entries kept for the next save ------------------------------------------------ *
 *
 * Deflating a 512 × 512 × 400 CT takes seconds; its voxels never change (volumes are
 * immutable), so a save copies the compressed entry from the plan file written or opened last
 * instead (libzip copies an entry of another archive without inflating it).  Nothing is kept
 * in memory but these records (a few hundred bytes per CT or mask): the compressed bytes stay
 * in that file.  A record is used only while the file is the very one written (device, inode,
 * size and modification time alike) and its entry still has the recorded CRC-32 and sizes;
 * otherwise the blob is compressed anew.  Masks change in place, so theirs are named by a
 * digest of their encoded bytes: a changed mask never matches. */

typedef struct
{
  guint64 dev, ino, size;
  gint64  mtime_sec, mtime_nsec;
} FileId;

typedef struct
{
  char    *path;
  FileId   id;
  char    *entry;
  guint32  crc;
  guint64  size, comp_size;
} Stored;

typedef struct
{
  GMutex      lock;
  GHashTable *records;  /* key (osp_plan_blob_key_*) → Stored */
} Store;

#define STORE_KEY "osp-plan-file-store"

static void
stored_free (Stored *stored)
{
  g_free (stored->path);
  g_free (stored->entry);
  g_free (stored);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stored, stored_free)

static Stored *
stored_copy (const Stored *stored)
{
  Stored *copy = g_memdup2 (stored, sizeof *stored);

  copy->path = g_strdup (stored->path);
  copy->entry = g_strdup (stored->entry);
  return copy;
}

static void
store_clear (Store *store)
{
  g_mutex_clear (&store->lock);
  g_hash_table_unref (store->records);
}

static void
store_unref (Store *store)
{
  g_atomic_rc_box_release_full (store, (GDestroyNotify) store_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Store, store_unref)

/* The plan's store, referenced (for a save thread). */
static Store *
plan_store (OspPlan *plan)
{
  Store *store = g_object_get_data (G_OBJECT (plan), STORE_KEY);

  if (store == NULL)
    {
      store = g_atomic_rc_box_new0 (Store);
      g_mutex_init (&store->lock);
      store->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) stored_free);
      g_object_set_data_full (G_OBJECT (plan), STORE_KEY, store, (GDestroyNotify) store_unref);
    }
  return g_atomic_rc_box_acquire (store);
}

static Stored *
store_lookup (Store      *store,
              const char *key)
{
  Stored *stored;

  g_mutex_lock (&store->lock);
  stored = g_hash_table_lookup (store->records, key);
  stored = stored != NULL ? stored_copy (stored) : NULL;
  g_mutex_unlock (&store->lock);
  return stored;
}

/* Replaces every record by `records` (key → Stored, taken): only the file written or opened
 * last is remembered. */
static void
store_replace (Store      *store,
               GHashTable *records)
{
  g_mutex_lock (&store->lock);
  g_hash_table_remove_all (store->records);
  if (records != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, records);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          g_hash_table_insert (store->records, key, value);
          g_hash_table_iter_steal (&iter);
        }
    }
  g_mutex_unlock (&store->lock);
}

static void
file_id_from_stat (const struct stat *st,
                   FileId            *id)
{
  id->dev = (guint64) st->st_dev;
  id->ino = (guint64) st->st_ino;
  id->size = (guint64) st->st_size;
  id->mtime_sec = (gint64) st->st_mtim.tv_sec;
  id->mtime_nsec = (gint64) st->st_mtim.tv_nsec;
}

static gboolean
file_id_equal (const FileId *a,
               const FileId *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

char *
osp_plan_blob_key_for_volume (const OspVolume *volume)
{
  return g_strdup_printf ("volume:%" G_GUINT64_FORMAT, osp_volume_get_content_id (volume));
}

char *
osp_plan_blob_key_for_bytes (const void *data,
                             gsize       len)
{
  g_autofree char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);

  return g_strconcat ("bytes:", digest, NULL);
}

/* Records of the entries `blobs` went to in the zip `bytes` (just built), or NULL. */
static GHashTable *
records_from_zip (const guint8 *bytes,
                  gsize         len,
                  GPtrArray    *blobs)
{
  g_autoptr(GHashTable) records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) stored_free);
  zip_error_t zerror;
  zip_source_t *source;
  zip_t *zip = NULL;

  zip_error_init (&zerror);
  source = zip_source_buffer_create (bytes, len, 0, &zerror);
  if (source != NULL)
    zip = zip_open_from_source (source, ZIP_RDONLY, &zerror);
  zip_error_fini (&zerror);
  if (zip == NULL)
    {
      if (source != NULL)
        zip_source_free (source);
      return NULL;
    }
  for (guint i = 0; i < blobs->len; i++)
    {
      OspPlanBlob *blob = blobs->pdata[i];
      Stored *stored;
      zip_stat_t st;

      zip_stat_init (&st);
      if (blob->key == NULL || zip_stat (zip, blob->entry, 0, &st) != 0 ||
          (st.valid & (ZIP_STAT_CRC | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE)) !=
          (ZIP_STAT_CRC | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE))
        continue;
      stored = g_new0 (Stored, 1);
      stored->entry = g_strdup (blob->entry);
      stored->crc = st.crc;
      stored->size = st.size;
      stored->comp_size = st.comp_size;
      g_hash_table_replace (records, g_strdup (blob->key), stored);
    }
  zip_discard (zip);
  return g_steal_pointer (&records);
}

/* Sets the file of every record to `path` as it is now on disk. */
static gboolean
records_set_file (GHashTable *records,
                  const char *path)
{
  GHashTableIter iter;
  gpointer value;
  struct stat st;
  FileId id;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  file_id_from_stat (&st, &id);
  g_hash_table_iter_init (&iter, records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Stored *stored = value;

      g_free (stored->path);
      stored->path = g_strdup (path);
      stored->id = id;
    }
  return TRUE;
}

/* The plan files a save copies from, opened once each: path → zip_t (or NULL: unusable). */
static void
discard_zip (gpointer zip)
{
  if (zip != NULL)
    zip_discard (zip);
}

static GHashTable *
sources_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, discard_zip);
}

/* The index of `stored`'s entry in its file, the file being the one recorded and the entry
 * unchanged, or −1. */
static zip_int64_t
sources_find (GHashTable   *sources,
              const Stored *stored,
              zip_t       **out_zip,
              zip_int32_t  *out_method)
{
  zip_t *zip;
  zip_int64_t index;
  zip_stat_t st;

  if (!g_hash_table_lookup_extended (sources, stored->path, NULL, (gpointer *) &zip))
    {
      struct stat fst;
      FileId id;
      int fd = open (stored->path, O_RDONLY | O_CLOEXEC);

      zip = NULL;
      if (fd >= 0 && fstat (fd, &fst) == 0 && S_ISREG (fst.st_mode))
        {
          file_id_from_stat (&fst, &id);
          if (file_id_equal (&id, &stored->id))
            {
              int zerr = 0;

              /* libzip owns fd from here (closed by zip_discard). */
              zip = zip_fdopen (fd, ZIP_RDONLY, &zerr);
              fd = zip != NULL ? -1 : fd;
            }
        }
      if (fd >= 0)
        close (fd);
      g_hash_table_insert (sources, g_strdup (stored->path), zip);
    }
  if (zip == NULL)
    return -1;
  index = zip_name_locate (zip, stored->entry, 0);
  zip_stat_init (&st);
  if (index < 0 || zip_stat_index (zip, (zip_uint64_t) index, 0, &st) != 0 ||
      (st.valid & (ZIP_STAT_CRC | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE |
                   ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD)) !=
      (ZIP_STAT_CRC | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD |
       ZIP_STAT_ENCRYPTION_METHOD) ||
      st.crc != stored->crc || st.size != stored->size || st.comp_size != stored->comp_size ||
      (st.comp_method != ZIP_CM_DEFLATE && st.comp_method != ZIP_CM_STORE) ||
      st.encryption_method != ZIP_EM_NONE)
    return -1;
  *out_zip = zip;
  *out_method = (zip_int32_t) st.comp_method;
  return index;
}

/* -- Mesh entries ----------------------------------------------------------------------------- */

static void
put_u32 (guint8  *p,
         guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

void
osp_plan_swap32 (void  *words,
                 gsize  n)
{
  guint8 *p = words;

  for (gsize i = 0; i < n; i++, p += 4)
    {
      guint32 v;

      memcpy (&v, p, 4);
      v = GUINT32_SWAP_LE_BE (v);
      memcpy (p, &v, 4);
    }
}

static guint8 *
mesh_serialize (const OspMesh *mesh,
                gsize         *out_len)
{
  guint32 nv = osp_mesh_get_n_vertices (mesh);
  guint32 nt = osp_mesh_get_n_triangles (mesh);
  gsize pos_bytes = (gsize) nv * 12;
  gsize idx_bytes = (gsize) nt * 12;
  gsize len = MESH_HEADER_SIZE + pos_bytes + idx_bytes + 4;
  guint8 *data = g_malloc (len);
  guint8 *p = data;

  memcpy (p, MESH_MAGIC, 8);
  put_u32 (p + 8, MESH_VERSION);
  put_u32 (p + 12, nv);
  put_u32 (p + 16, nt);
  put_u32 (p + 20, 0);
  p += MESH_HEADER_SIZE;
  memcpy (p, osp_mesh_get_positions (mesh), pos_bytes);
  memcpy (p + pos_bytes, osp_mesh_get_indices (mesh), idx_bytes);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < (pos_bytes + idx_bytes) / 4; i++)
    {
      guint32 v;

      memcpy (&v, p + 4 * i, 4);
      put_u32 (p + 4 * i, v);
    }
#endif
  put_u32 (data + len - 4, (guint32) crc32_z (0, data, len - 4));
  *out_len = len;
  return data;
}

static OspMesh *
mesh_deserialize (const guint8  *data,
                  gsize          len,
                  const char    *file_name,
                  const char    *entry,
                  GError       **error)
{
  guint32 nv, nt, version;
  guint64 expected;
  g_autofree float *positions = NULL;
  g_autofree guint32 *indices = NULL;

  if (len < MESH_HEADER_SIZE + 4 || memcmp (data, MESH_MAGIC, 8) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: %s is not an Osteoplan mesh"), file_name, entry);
      return NULL;
    }
  version = get_u32 (data + 8);
  nv = get_u32 (data + 12);
  nt = get_u32 (data + 16);
  if (version > MESH_VERSION)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NEWER_VERSION,
                   _("%s: %s is a mesh of a newer format (%u); update Osteoplan to open it"),
                   file_name, entry, version);
      return NULL;
    }
  expected = MESH_HEADER_SIZE + (guint64) nv * 12 + (guint64) nt * 12 + 4;
  if (nv > OSP_MESH_MAX_ELEMENTS || nt > OSP_MESH_MAX_ELEMENTS || expected != len)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: %s says %u vertices and %u triangles (%" PRIu64
                     " bytes) but holds %zu bytes"),
                   file_name, entry, nv, nt, expected, len);
      return NULL;
    }
  if (get_u32 (data + len - 4) != (guint32) crc32_z (0, data, len - 4))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: %s is damaged (checksum mismatch)"), file_name, entry);
      return NULL;
    }
  if (!osp_memory_check (len, file_name, entry, error))
    return NULL;

  positions = g_malloc ((gsize) nv * 12 + 1);
  indices = g_malloc ((gsize) nt * 12 + 1);
  memcpy (positions, data + MESH_HEADER_SIZE, (gsize) nv * 12);
  memcpy (indices, data + MESH_HEADER_SIZE + (gsize) nv * 12, (gsize) nt * 12);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  /* The bits of each word turned round, floats too (never a conversion of their value). */
  osp_plan_swap32 (positions, (gsize) nv * 3);
  osp_plan_swap32 (indices, (gsize) nt * 3);
#endif
  for (gsize i = 0; i < (gsize) nv * 3; i++)
    if (!isfinite (positions[i]))
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                     _("%s: %s: vertex %zu has a coordinate that is not a number"),
                     file_name, entry, i / 3);
        return NULL;
      }
  for (gsize i = 0; i < (gsize) nt * 3; i++)
    if (indices[i] >= nv)
      {
        g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                     _("%s: %s: triangle %zu uses vertex %u of %u"),
                     file_name, entry, i / 3, indices[i], nv);
        return NULL;
      }
  return osp_mesh_new_take (g_steal_pointer (&positions), nv, g_steal_pointer (&indices), nt);
}

/* -- plan.json -------------------------------------------------------------------------------- */

static JsonArray *
floats_to_array (const float *values,
                 guint        n)
{
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

static JsonNode *
plan_to_json (OspPlan    *plan,
              GPtrArray  *meshes,
              GPtrArray  *blobs,
              gboolean    anonymise)
{
  g_autoptr(GHashTable) entries = g_hash_table_new (NULL, NULL);
  JsonObject *root;
  JsonArray *array;

  root = json_object_new ();
  json_object_set_string_member (root, "format", "osteoplan");
  json_object_set_int_member (root, "version", OSP_PLAN_FORMAT_VERSION);
  json_object_set_string_member (root, "generator", "Osteoplan " PACKAGE_VERSION);

  array = json_array_new ();
  for (guint i = 0; i < osp_plan_get_n_models (plan); i++)
    {
      OspModel *model = osp_plan_get_model (plan, i);
      OspMesh *mesh = osp_model_get_mesh (model);
      JsonObject *object = json_object_new ();
      g_autofree char *color = osp_plan_color_to_string (osp_model_get_color (model));
      g_autofree char *entry = NULL;
      gpointer index;
      float m[16];

      /* A mesh shared by several models (a copy, an undo) is stored once. */
      if (!g_hash_table_lookup_extended (entries, mesh, NULL, &index))
        {
          index = GUINT_TO_POINTER (meshes->len);
          g_hash_table_insert (entries, mesh, index);
          g_ptr_array_add (meshes, osp_mesh_ref (mesh));
        }
      entry = g_strdup_printf ("meshes/%u.bin", GPOINTER_TO_UINT (index));
      osp_model_get_transform (model, m);
      json_object_set_string_member (object, "name", osp_model_get_name (model));
      json_object_set_string_member (object, "role",
                                     osp_plan_role_to_string (osp_model_get_role (model)));
      json_object_set_string_member (object, "color", color);
      json_object_set_double_member (object, "opacity", osp_model_get_opacity (model));
      json_object_set_boolean_member (object, "visible", osp_model_get_visible (model));
      json_object_set_array_member (object, "transform", floats_to_array (m, 16));
      json_object_set_string_member (object, "mesh", entry);
      if (osp_implant_get_params (model) != NULL)
        json_object_set_object_member (object, "implant",
                                       osp_implant_params_to_json (osp_implant_get_params (model)));
      json_array_add_object_element (array, object);
    }
  json_object_set_array_member (root, "models", array);

  array = json_array_new ();
  for (guint i = 0; i < osp_plan_get_n_planes (plan); i++)
    {
      JsonObject *object = json_object_new ();
      OspPlane p;

      osp_plan_get_plane (plan, i, &p);
      json_object_set_string_member (object, "name", osp_plan_get_plane_name (plan, i));
      json_object_set_array_member (object, "normal", floats_to_array (p.normal, 3));
      json_object_set_double_member (object, "d", p.d);
      json_array_add_object_element (array, object);
    }
  json_object_set_array_member (root, "planes", array);

  array = json_array_new ();
  for (guint i = 0; i < osp_plan_get_n_landmarks (plan); i++)
    {
      JsonObject *object = json_object_new ();
      float position[3];

      osp_plan_get_landmark (plan, i, position);
      json_object_set_string_member (object, "name", osp_plan_get_landmark_name (plan, i));
      json_object_set_array_member (object, "position", floats_to_array (position, 3));
      json_array_add_object_element (array, object);
    }
  json_object_set_array_member (root, "landmarks", array);
  json_object_set_array_member (root, "measurements", osp_measure_list_to_json (plan));

  array = json_array_new ();
  for (guint i = 0; i < osp_plan_get_n_operations (plan); i++)
    json_array_add_object_element (array, json_object_ref (osp_plan_get_operation (plan, i)));
  json_object_set_array_member (root, "operations", array);
  /* Optional, for courses (osp-training.h): older readers ignore it. */
  {
    JsonObject *training = osp_training_to_json (plan);

    if (training != NULL)
      json_object_set_object_member (root, "training", training);
  }
  /* CTs, the patient and masks (osp-plan-ct.c): older readers ignore them. */
  osp_plan_ct_to_json (plan, root, blobs, anonymise);

  {
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_node_take_object (node, root);
    return node;
  }
}

typedef struct
{
  zip_t       *zip;
  const char  *file_name;
  GCancellable *cancellable;
  guint64      inflated; /* bytes of entries inflated so far */
  GHashTable  *kept;     /* key → Stored (without its file yet), or NULL: not a file */
} Reader;

static guint8 *
read_entry (Reader      *reader,
            const char  *entry,
            guint64      limit,
            gsize       *out_len,
            GError     **error)
{
  zip_stat_t st;
  zip_file_t *file;
  g_autofree guint8 *data = NULL;
  zip_int64_t n;
  guint8 extra;

  zip_stat_init (&st);
  if (zip_stat (reader->zip, entry, 0, &st) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: %s is missing"),
                   reader->file_name, entry);
      return NULL;
    }
  if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: %s has no size"),
                   reader->file_name, entry);
      return NULL;
    }
  /* Before inflating anything: the declared size against our limits and the memory, and the
   * compression ratio against what real data gives. */
  if (st.size > limit ||
      (st.size > RATIO_CHECK_MIN && st.size / MAX (st.comp_size, 1) > MAX_RATIO))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: %s would inflate to %" PRIu64 " bytes from %"
                     PRIu64 ": refused (too large or a zip bomb)"),
                   reader->file_name, entry, (guint64) st.size, (guint64) st.comp_size);
      return NULL;
    }
  /* Everything inflated so far stays in memory until the plan is built. */
  if (!osp_memory_check (reader->inflated + st.size, reader->file_name, entry, error))
    return NULL;
  reader->inflated += st.size;

  file = zip_fopen (reader->zip, entry, 0);
  if (file == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: cannot read %s: %s"),
                   reader->file_name, entry, zip_strerror (reader->zip));
      return NULL;
    }
  data = g_malloc (st.size + 1);
  n = zip_fread (file, data, st.size);
  /* Reading past the end makes libzip check the entry's CRC and real length. */
  if (n == (zip_int64_t) st.size && zip_fread (file, &extra, 1) != 0)
    n = -1;
  if (n != (zip_int64_t) st.size)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: %s is damaged: %s"),
                   reader->file_name, entry,
                   n < 0 ? zip_file_strerror (file) : _("it is shorter than it says"));
      zip_fclose (file);
      return NULL;
    }
  zip_fclose (file);
  data[st.size] = 0;
  *out_len = st.size;
  return g_steal_pointer (&data);
}

/* An entry of exactly `size` bytes read into dest (a CT's voxels): the size is known from
 * plan.json and checked against the memory before, so no ratio limit applies. */
static gboolean
read_entry_into (gpointer     data,
                 const char  *entry,
                 void        *dest,
                 guint64      size,
                 GError     **error)
{
  Reader *reader = data;
  zip_stat_t st;
  zip_file_t *file;
  zip_int64_t n;
  guint8 extra;

  zip_stat_init (&st);
  if (zip_stat (reader->zip, entry, 0, &st) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: %s is missing"),
                   reader->file_name, entry);
      return FALSE;
    }
  if (!(st.valid & ZIP_STAT_SIZE) || st.size != size)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s: %s holds %" PRIu64 " bytes where the CT needs %" PRIu64),
                   reader->file_name, entry, (st.valid & ZIP_STAT_SIZE) ? (guint64) st.size : 0,
                   size);
      return FALSE;
    }
  file = zip_fopen (reader->zip, entry, 0);
  if (file == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: cannot read %s: %s"),
                   reader->file_name, entry, zip_strerror (reader->zip));
      return FALSE;
    }
  n = 0;
  while ((guint64) n < size)
    {
      zip_int64_t got;

      if (g_cancellable_set_error_if_cancelled (reader->cancellable, error))
        {
          zip_fclose (file);
          return FALSE;
        }
      got = zip_fread (file, (guint8 *) dest + n, MIN (size - (guint64) n, 64u << 20));
      if (got <= 0)
        break;
      n += got;
    }
  if ((guint64) n == size && zip_fread (file, &extra, 1) != 0)
    n = -1;
  if (n < 0 || (guint64) n != size)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: %s is damaged: %s"),
                   reader->file_name, entry,
                   n < 0 ? zip_file_strerror (file) : _("it is shorter than it says"));
      zip_fclose (file);
      return FALSE;
    }
  zip_fclose (file);
  return TRUE;
}

static guint8 *
load_entry (gpointer     data,
            const char  *entry,
            guint64      limit,
            gsize       *out_len,
            GError     **error)
{
  return read_entry (data, entry, limit, out_len, error);
}

static void
keep_entry (gpointer     data,
            const char  *entry,
            const char  *key)
{
  Reader *reader = data;
  zip_stat_t st;
  Stored *stored;

  zip_stat_init (&st);
  if (reader->kept == NULL || zip_stat (reader->zip, entry, 0, &st) != 0 ||
      (st.valid & (ZIP_STAT_CRC | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE)) !=
      (ZIP_STAT_CRC | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE))
    return;
  stored = g_new0 (Stored, 1);
  stored->entry = g_strdup (entry);
  stored->crc = st.crc;
  stored->size = st.size;
  stored->comp_size = st.comp_size;
  g_hash_table_replace (reader->kept, g_strdup (key), stored);
}

static gboolean
check_name (JsonObject  *object,
            const char  *where,
            const char **out_name,
            GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (object, "name", G_TYPE_STRING, TRUE, &node, where, error))
    return FALSE;
  *out_name = json_node_get_string (node);
  if (**out_name == '\0' || !g_utf8_validate (*out_name, -1, NULL))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: a name is empty or not UTF-8"),
                   where);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_model (Reader      *reader,
            OspPlan     *plan,
            JsonObject  *object,
            GHashTable  *meshes,
            GError     **error)
{
  g_autofree char *where = NULL;
  g_autoptr(OspModel) model = NULL;
  g_autoptr(OspMesh) mesh = NULL;
  const char *name;
  const char *entry;
  JsonNode *node;
  OspModelRole role;
  guint32 color;
  float m[16];

  where = g_strdup_printf ("%s: %s", reader->file_name, PLAN_JSON);
  if (!check_name (object, where, &name, error))
    return FALSE;
  g_free (where);
  where = g_strdup_printf ("%s: %s: model “%s”", reader->file_name, PLAN_JSON, name);
  if (osp_plan_find_model (plan, name) != NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: the name is used twice"), where);
      return FALSE;
    }

  if (!osp_json_get_member (object, "mesh", G_TYPE_STRING, TRUE, &node, where, error))
    return FALSE;
  entry = json_node_get_string (node);
  mesh = g_hash_table_lookup (meshes, entry);
  if (mesh != NULL)
    osp_mesh_ref (mesh);
  else
    {
      g_autofree guint8 *data = NULL;
      gsize len = 0;

      if (!g_str_has_prefix (entry, "meshes/"))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad mesh entry “%s”"),
                       where, entry);
          return FALSE;
        }
      data = read_entry (reader, entry, G_MAXUINT64, &len, error);
      if (data == NULL)
        return FALSE;
      mesh = mesh_deserialize (data, len, reader->file_name, entry, error);
      if (mesh == NULL)
        return FALSE;
      g_hash_table_insert (meshes, g_strdup (entry), osp_mesh_ref (mesh));
    }

  model = osp_model_new (name, mesh, OSP_MODEL_ROLE_BONE);
  if (!osp_json_get_member (object, "role", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      if (!osp_plan_role_from_string (json_node_get_string (node), &role))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: unknown role “%s”"),
                       where, json_node_get_string (node));
          return FALSE;
        }
      osp_model_set_role (model, role);
    }
  if (!osp_json_get_member (object, "color", G_TYPE_STRING, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      if (!osp_plan_color_from_string (json_node_get_string (node), &color))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad colour “%s”"),
                       where, json_node_get_string (node));
          return FALSE;
        }
      osp_model_set_color (model, color);
    }
  if (!osp_json_get_member (object, "opacity", G_TYPE_DOUBLE, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      double opacity = json_node_get_double (node);

      osp_model_set_opacity (model, isfinite (opacity) ? opacity : 1.0);
    }
  if (!osp_json_get_member (object, "visible", G_TYPE_BOOLEAN, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    osp_model_set_visible (model, json_node_get_boolean (node));
  if (!osp_json_get_member (object, "transform", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      if (!osp_json_get_transform (node, m, where, "transform", error))
        return FALSE;
      osp_model_set_transform (model, m);
    }
  if (!osp_json_get_member (object, "implant", JSON_TYPE_OBJECT, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      g_autoptr(OspImplantParams) params =
        osp_implant_params_from_json (json_node_get_object (node), where, error);

      if (params == NULL)
        return FALSE;
      osp_implant_set_params (model, params);
    }
  osp_plan_insert_model_raw (plan, osp_plan_get_n_models (plan), model);
  return TRUE;
}

static gboolean
read_plan_json (Reader      *reader,
                OspPlan     *plan,
                const char  *text,
                gsize        len,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GHashTable) meshes = NULL;
  g_autofree char *where = g_strdup_printf ("%s: %s", reader->file_name, PLAN_JSON);
  JsonNode *root;
  const char *const lists[] = { "models", "planes", "landmarks" };
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;
  gint64 version;

  if (!osp_memory_check ((guint64) len * JSON_DOM_FACTOR, reader->file_name, PLAN_JSON, error))
    return FALSE;
  if (!osp_json_parse (parser, text, len, where, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: not a plan"), where);
      return FALSE;
    }
  object = json_node_get_object (root);
  if (!osp_json_get_member (object, "format", G_TYPE_STRING, TRUE, &node, where, error))
    return FALSE;
  if (g_strcmp0 (json_node_get_string (node), "osteoplan") != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT, _("%s: not an Osteoplan plan"),
                   where);
      return FALSE;
    }
  if (!osp_json_get_member (object, "version", G_TYPE_INT64, TRUE, &node, where, error))
    return FALSE;
  version = json_node_get_int (node);
  if (version > OSP_PLAN_FORMAT_VERSION)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_NEWER_VERSION,
                   _("%s was saved by a newer Osteoplan (plan format %" PRId64
                     "; this version reads up to %d): update Osteoplan to open it"),
                   reader->file_name, version, OSP_PLAN_FORMAT_VERSION);
      return FALSE;
    }
  if (version < 1)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad format version %"
                   PRId64), where, version);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      if (!osp_json_get_member (object, lists[i], JSON_TYPE_ARRAY, FALSE, &node, where, error))
        return FALSE;
      if (node != NULL && json_array_get_length (json_node_get_array (node)) > MAX_ITEMS)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE, _("%s: more than %u %s"),
                       where, MAX_ITEMS, lists[i]);
          return FALSE;
        }
    }

  meshes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) osp_mesh_unref);
  if (!osp_json_get_member (object, "models", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (g_cancellable_set_error_if_cancelled (reader->cancellable, error))
        return FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: a model is not an object"),
                       where);
          return FALSE;
        }
      if (!read_model (reader, plan, json_node_get_object (element), meshes, error))
        return FALSE;
    }

  if (!osp_json_get_member (object, "planes", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *p;
      const char *name;
      OspPlane plane, unit;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: a plane is not an object"),
                       where);
          return FALSE;
        }
      p = json_node_get_object (element);
      if (!check_name (p, where, &name, error) ||
          !osp_json_get_member (p, "normal", JSON_TYPE_ARRAY, TRUE, &node, where, error) ||
          !osp_json_get_floats (node, plane.normal, 3, where, "normal", error) ||
          !osp_json_get_member (p, "d", G_TYPE_DOUBLE, TRUE, &node, where, error))
        return FALSE;
      plane.d = (float) json_node_get_double (node);
      if (!osp_plan_normalize_plane (&plane, &unit) || osp_plan_find_plane (plan, name) >= 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad plane “%s”"), where, name);
          return FALSE;
        }
      /* Stored planes are unit already; keep their bits as saved. */
      osp_plan_insert_plane_raw (plan, osp_plan_get_n_planes (plan), name, &plane);
    }

  if (!osp_json_get_member (object, "landmarks", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *l;
      const char *name;
      float position[3];

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: a landmark is not an object"), where);
          return FALSE;
        }
      l = json_node_get_object (element);
      if (!check_name (l, where, &name, error) ||
          !osp_json_get_member (l, "position", JSON_TYPE_ARRAY, TRUE, &node, where, error) ||
          !osp_json_get_floats (node, position, 3, where, "position", error))
        return FALSE;
      if (osp_plan_find_landmark (plan, name) >= 0)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: landmark “%s” twice"),
                       where, name);
          return FALSE;
        }
      osp_plan_insert_landmark_raw (plan, osp_plan_get_n_landmarks (plan), name, position);
    }

  if (!osp_json_get_member (object, "measurements", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL && !osp_measure_list_from_json (plan, json_node_get_array (node), where, error))
    return FALSE;

  if (!osp_json_get_member (object, "operations", JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  if (array != NULL && json_array_get_length (array) > OSP_PLAN_MAX_OPERATIONS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("%s: %u operations, more than the %u any plan records: the file is "
                     "damaged or not a plan"), where, json_array_get_length (array),
                   OSP_PLAN_MAX_OPERATIONS);
      return FALSE;
    }
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                       _("%s: an operation is not an object"), where);
          return FALSE;
        }
      osp_plan_append_operation_raw (plan, json_node_get_object (element));
    }

  if (!osp_json_get_member (object, "training", JSON_TYPE_OBJECT, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL && !osp_training_from_json (plan, json_node_get_object (node), where, error))
    return FALSE;
  return osp_plan_ct_from_json (plan, object, read_entry_into, load_entry, keep_entry, reader,
                                where, error);
}

/* `path` and `id`: the file the data was mapped from, whose compressed entries the next save
 * may copy (NULL: none). */
static OspPlan *
open_data (const guint8  *data,
           gsize          len,
           const char    *display_name,
           const char    *path,
           const FileId  *id,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(OspPlan) plan = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GHashTable) kept = NULL;
  zip_error_t zerror;
  zip_source_t *source;
  Reader reader = { NULL, display_name, cancellable, 0, NULL };
  gsize text_len = 0;
  gboolean ok;

  if (len < 4 || memcmp (data, "PK\003\004", 4) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_UNKNOWN_FORMAT,
                   _("%s: not an Osteoplan plan (not a zip file)"), display_name);
      return NULL;
    }
  zip_error_init (&zerror);
  source = zip_source_buffer_create (data, len, 0, &zerror);
  if (source != NULL)
    reader.zip = zip_open_from_source (source, ZIP_RDONLY | ZIP_CHECKCONS, &zerror);
  if (reader.zip == NULL)
    {
      const char *reason = osp_error_zip_reason (zip_error_code_zip (&zerror));

      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: broken zip file: %s"),
                   display_name, reason != NULL ? reason : zip_error_strerror (&zerror));
      zip_error_fini (&zerror);
      if (source != NULL)
        zip_source_free (source);
      return NULL;
    }
  zip_error_fini (&zerror);
  if (path != NULL)
    reader.kept = kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) stored_free);

  plan = osp_plan_new ();
  text = (char *) read_entry (&reader, PLAN_JSON, PLAN_JSON_MAX, &text_len, error);
  ok = text != NULL && read_plan_json (&reader, plan, text, text_len, error);
  zip_discard (reader.zip);
  if (!ok)
    return NULL;
  osp_plan_set_saved (plan, NULL);
  if (kept != NULL && g_hash_table_size (kept) > 0)
    {
      g_autoptr(Store) store = plan_store (plan);
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, kept);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Stored *stored = value;

          stored->path = g_strdup (path);
          stored->id = *id;
        }
      store_replace (store, kept);
    }
  return g_steal_pointer (&plan);
}

OspPlan *
osp_plan_open_from_data (const guint8  *data,
                         gsize          len,
                         const char    *display_name,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return open_data (data, len, display_name, NULL, NULL, cancellable, error);
}

OspPlan *
osp_plan_open (const char              *path,
               const OspProgressRange  *progress,
               GCancellable            *cancellable,
               GError                 **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  struct stat st;
  gboolean have_id;
  FileId id;
  OspPlan *plan;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = osp_error_display_name (path);
  fd = osp_input_open (path, error);
  if (fd < 0)
    return NULL;
  /* The identity of the very file mapped: the next save copies its compressed CT from it
   * only while it is still that file. */
  have_id = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
  if (have_id)
    file_id_from_stat (&st, &id);
  mapped = g_mapped_file_new_from_fd (fd, FALSE, &local_error);
  close (fd);
  if (mapped == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, _("%s: could not read: %s"),
                   name, local_error->message);
      return NULL;
    }
  osp_progress_report (progress, 0.0);
  plan = open_data ((const guint8 *) g_mapped_file_get_contents (mapped),
                    g_mapped_file_get_length (mapped), name, have_id ? path : NULL,
                    have_id ? &id : NULL, cancellable, error);
  if (plan != NULL)
    osp_plan_set_saved (plan, path);
  osp_progress_report (progress, 1.0);
  return plan;
}

/* -- Saving ----------------------------------------------------------------------------------- */

typedef struct
{
  const OspProgressRange *progress;
  GCancellable           *cancellable;
} SaveState;

static void
zip_progress (zip_t  *zip,
              double  fraction,
              void   *user_data)
{
  SaveState *state = user_data;

  osp_progress_report (state->progress, 0.1 + 0.8 * fraction);
}

static int
zip_cancel (zip_t *zip,
            void  *user_data)
{
  SaveState *state = user_data;

  return g_cancellable_is_cancelled (state->cancellable) ? 1 : 0;
}

static gboolean
zip_fail (zip_t       *zip,
          const char  *name,
          GError     **error)
{
  g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot build the plan file: %s"),
               name, zip_strerror (zip));
  return FALSE;
}

/* level 0 stores the entry as it is; 1–9 deflate it. */
static gboolean
add_buffer (zip_t       *zip,
            const char  *entry,
            const void  *data,
            gsize        len,
            guint32      level,
            const char  *name,
            GError     **error)
{
  zip_source_t *source = zip_source_buffer (zip, data, len, 0);
  zip_int64_t index;

  if (source == NULL)
    return zip_fail (zip, name, error);
  index = zip_file_add (zip, entry, source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
  if (index < 0)
    {
      zip_source_free (source);
      return zip_fail (zip, name, error);
    }
  if (zip_set_file_compression (zip, (zip_uint64_t) index,
                                level > 0 ? ZIP_CM_DEFLATE : ZIP_CM_STORE, level) != 0)
    return zip_fail (zip, name, error);
  return TRUE;
}

/* What a save writes, taken from the plan on the main thread: plan.json and references to
 * the (immutable) meshes.  The rest of a save needs no plan, so it can run in a thread. */
typedef struct
{
  JsonNode   *root;
  GPtrArray  *meshes;     /* OspMesh, referenced */
  GPtrArray  *blobs;      /* OspPlanBlob: CT voxels and masks */
  char       *path;
  char       *name;
  OspCommand *top;        /* the undo step saved (NULL: the bottom), for "modified" */
  gboolean    mark_saved;
  Store      *store;      /* the plan's: where the blobs were written compressed last */
  GHashTable *written;    /* key → Stored: where this save put them (build_zip) */
  guint       n_copied;   /* blobs copied compressed from an earlier file */
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  json_node_unref (snapshot->root);
  g_ptr_array_unref (snapshot->meshes);
  g_ptr_array_unref (snapshot->blobs);
  g_free (snapshot->path);
  g_free (snapshot->name);
  g_clear_pointer (&snapshot->top, osp_command_unref);
  store_unref (snapshot->store);
  g_clear_pointer (&snapshot->written, g_hash_table_unref);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static Snapshot *
snapshot_new (OspPlan    *plan,
              const char *path,
              gboolean    mark_saved,
              gboolean    anonymise)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);
  OspCommand *top = osp_plan_get_top_command (plan);

  snapshot->meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  snapshot->blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_plan_blob_free);
  snapshot->root = plan_to_json (plan, snapshot->meshes, snapshot->blobs, anonymise);
  snapshot->path = g_strdup (path);
  snapshot->name = osp_error_display_name (path);
  snapshot->top = top != NULL ? osp_command_ref (top) : NULL;
  snapshot->mark_saved = mark_saved;
  snapshot->store = plan_store (plan);
  /* Volumes are named by their content id now; masks by their bytes, in the thread. */
  for (guint i = 0; i < snapshot->blobs->len; i++)
    {
      OspPlanBlob *blob = snapshot->blobs->pdata[i];

      if (blob->volume != NULL)
        blob->key = osp_plan_blob_key_for_volume (blob->volume);
    }
  return snapshot;
}

/* Builds the whole zip in memory.  Returns the bytes (free with g_free). */
static guint8 *
build_zip (Snapshot                *snapshot,
           const OspProgressRange  *progress,
           GCancellable            *cancellable,
           gsize                   *out_len,
           GError                 **error)
{
  GPtrArray *meshes = snapshot->meshes;
  const char *name = snapshot->name;
  g_autoptr(GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *json = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autoptr(GHashTable) sources = sources_new ();
  SaveState state = { progress, cancellable };
  zip_error_t zerror;
  zip_source_t *source;
  zip_stat_t st;
  zip_t *zip;
  gsize json_len;
  guint64 total = 0;

  json = json_to_string (snapshot->root, TRUE);
  json_len = strlen (json);
  for (guint i = 0; i < meshes->len; i++)
    total += MESH_HEADER_SIZE + 4 +
             (guint64) osp_mesh_get_n_vertices (meshes->pdata[i]) * 12 +
             (guint64) osp_mesh_get_n_triangles (meshes->pdata[i]) * 12;
  for (guint i = 0; i < snapshot->blobs->len; i++)
    {
      OspPlanBlob *blob = snapshot->blobs->pdata[i];

      /* CT voxels are written from the volume itself; their deflated copy is smaller. */
      total += blob->volume != NULL ? osp_volume_get_n_voxels (blob->volume) :
               g_bytes_get_size (blob->bytes);
    }
  /* The serialised meshes and the compressed zip live together for a moment. */
  if (!osp_memory_check (2 * total + json_len, name, _("saving the plan"), error))
    return NULL;

  zip_error_init (&zerror);
  source = zip_source_buffer_create (NULL, 0, 0, &zerror);
  zip = source != NULL ? zip_open_from_source (source, ZIP_TRUNCATE, &zerror) : NULL;
  if (zip == NULL)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot build the plan file: %s"),
                   name, zip_error_strerror (&zerror));
      zip_error_fini (&zerror);
      if (source != NULL)
        zip_source_free (source);
      return NULL;
    }
  zip_error_fini (&zerror);
  /* zip_close() must not free the source: it holds the result. */
  zip_source_keep (source);

  if (!add_buffer (zip, PLAN_JSON, json, json_len, 6, name, error))
    goto fail;
  for (guint i = 0; i < meshes->len; i++)
    {
      g_autofree char *entry = g_strdup_printf ("meshes/%u.bin", i);
      gsize len;
      guint8 *data = mesh_serialize (meshes->pdata[i], &len);

      g_ptr_array_add (buffers, data);
      /* Stored, not deflated: a 1 M-triangle plan saves in ~0.12 s instead of ~0.6 s (and
       * opens in 0.08 s instead of 0.25 s) for a file 2.5 times bigger; autosaves must not
       * stall the window. */
      if (!add_buffer (zip, entry, data, len, 0, name, error))
        goto fail;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      osp_progress_report (progress, 0.1 * (i + 1) / meshes->len);
    }
  snapshot->n_copied = 0;
  for (guint i = 0; i < snapshot->blobs->len; i++)
    {
      OspPlanBlob *blob = snapshot->blobs->pdata[i];
      g_autoptr(Stored) stored = NULL;
      const void *data;
      gsize len;

      if (blob->key == NULL && blob->bytes != NULL)
        {
          data = g_bytes_get_data (blob->bytes, &len);
          blob->key = osp_plan_blob_key_for_bytes (data, len);
        }
      /* Unchanged since the last file written or opened: its compressed bytes copied. */
      stored = blob->key != NULL ? store_lookup (snapshot->store, blob->key) : NULL;
      if (stored != NULL)
        {
          zip_t *src = NULL;
          zip_int32_t method = ZIP_CM_DEFLATE;
          zip_int64_t index = sources_find (sources, stored, &src, &method);
          zip_int64_t added;

          if (index >= 0)
            {
              zip_source_t *copy = zip_source_zip (zip, src, (zip_uint64_t) index, 0, 0, -1);

              if (copy == NULL)
                {
                  zip_fail (zip, name, error);
                  goto fail;
                }
              added = zip_file_add (zip, blob->entry, copy, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
              if (added < 0)
                {
                  zip_source_free (copy);
                  zip_fail (zip, name, error);
                  goto fail;
                }
              /* The entry's own method: libzip then copies it without recompressing. */
              if (zip_set_file_compression (zip, (zip_uint64_t) added, method, 0) != 0)
                {
                  zip_fail (zip, name, error);
                  goto fail;
                }
              snapshot->n_copied++;
              continue;
            }
        }

      if (blob->volume != NULL)
        {
          len = osp_volume_get_n_voxels (blob->volume) * 2;
#if G_BYTE_ORDER == G_BIG_ENDIAN
          {
            gint16 *swapped = g_malloc (len);
            const gint16 *d = osp_volume_get_data (blob->volume);

            for (guint64 v = 0; v < len / 2; v++)
              swapped[v] = GINT16_TO_LE (d[v]);
            g_ptr_array_add (buffers, swapped);
            data = swapped;
          }
#else
          data = osp_volume_get_data (blob->volume);
#endif
        }
      else
        data = g_bytes_get_data (blob->bytes, &len);
      /* CT voxels deflate at the fastest level (2–4 times smaller, ~100 MB/s); masks are
       * run-length coded already and deflate further. */
      if (!add_buffer (zip, blob->entry, data, len, blob->volume != NULL ? 1 : 6, name, error))
        goto fail;
    }
  zip_register_progress_callback_with_state (zip, 0.01, zip_progress, NULL, &state);
  zip_register_cancel_callback_with_state (zip, zip_cancel, NULL, &state);
  if (zip_close (zip) != 0)
    {
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        zip_fail (zip, name, error);
      goto fail;
    }
  zip = NULL;
  g_clear_pointer (&buffers, g_ptr_array_unref);

  zip_stat_init (&st);
  if (zip_source_stat (source, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
      zip_source_open (source) != 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot build the plan file"),
                   name);
      goto fail;
    }
  bytes = g_malloc (st.size + 1);
  if (zip_source_read (source, bytes, st.size) != (zip_int64_t) st.size)
    {
      zip_source_close (source);
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("%s: cannot build the plan file"),
                   name);
      goto fail;
    }
  zip_source_close (source);
  zip_source_free (source);
  g_clear_pointer (&snapshot->written, g_hash_table_unref);
  snapshot->written = records_from_zip (bytes, st.size, snapshot->blobs);
  *out_len = st.size;
  return g_steal_pointer (&bytes);

fail:
  if (zip != NULL)
    zip_discard (zip);
  zip_source_free (source);
  return NULL;
}

/* Removes temporary files that saves killed long ago left beside `path` (".NAME.XXXXXX", as
 * OspAtomicFile makes them); recent ones may belong to a save still running elsewhere. */
static void
remove_stale_temporaries (const char *path)
{
  g_autofree char *dir_path = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = g_strdup_printf (".%s.", base);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *temp = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (name, prefix) || strlen (name) != strlen (prefix) + 6)
        continue;
      temp = g_build_filename (dir_path, name, NULL);
      if (g_lstat (temp, &st) == 0 && S_ISREG (st.st_mode) && now - st.st_mtime > 3600)
        g_unlink (temp);
    }
}

static gboolean
write_snapshot (Snapshot                *snapshot,
                const OspProgressRange  *progress,
                GCancellable            *cancellable,
                GError                 **error)
{
  g_autofree guint8 *bytes = NULL;
  g_autoptr(OspAtomicFile) file = NULL;
  gsize len = 0;

  osp_progress_report (progress, 0.0);
  bytes = build_zip (snapshot, progress, cancellable, &len, error);
  if (bytes == NULL)
    return FALSE;
  remove_stale_temporaries (snapshot->path);
  file = osp_atomic_file_new (snapshot->path, error);
  if (file == NULL ||
      !osp_atomic_file_write (file, bytes, len, error) ||
      !osp_atomic_file_commit (file, error))
    return FALSE;
  /* The next save copies the compressed blobs from this file. */
  if (snapshot->written != NULL && records_set_file (snapshot->written, snapshot->path))
    store_replace (snapshot->store, snapshot->written);
  osp_progress_report (progress, 1.0);
  return TRUE;
}

static gboolean
save_to (OspPlan                 *plan,
         const char              *path,
         const OspProgressRange  *progress,
         GCancellable            *cancellable,
         GError                 **error)
{
  g_autoptr(Snapshot) snapshot = snapshot_new (plan, path, FALSE, FALSE);

  return write_snapshot (snapshot, progress, cancellable, error);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (write_snapshot (task_data, NULL, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
save_async (OspPlan             *plan,
            const char          *path,
            gboolean             mark_saved,
            gboolean             anonymise,
            gpointer             source_tag,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (plan, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, snapshot_new (plan, path, mark_saved, anonymise),
                        (GDestroyNotify) snapshot_free);
  g_task_run_in_thread (task, save_thread);
}

void
osp_plan_save_async (OspPlan             *self,
                     const char          *path,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (path != NULL);

  save_async (self, path, TRUE, FALSE, osp_plan_save_async, cancellable, callback, user_data);
}

void
osp_plan_save_full_async (OspPlan             *self,
                          const char          *path,
                          OspPlanSaveFlags     flags,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  gboolean anonymise = (flags & OSP_PLAN_SAVE_ANONYMISE) != 0;

  g_return_if_fail (OSP_IS_PLAN (self));
  g_return_if_fail (path != NULL);

  /* A copy keeps the plan's path and modified state. */
  save_async (self, path, !anonymise, anonymise, osp_plan_save_async, cancellable, callback,
              user_data);
}

gboolean
osp_plan_save_finish (OspPlan       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  Snapshot *snapshot;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  snapshot = g_task_get_task_data (G_TASK (result));
  if (snapshot->mark_saved)
    osp_plan_set_saved_at (self, snapshot->path, snapshot->top);
  return TRUE;
}

gboolean
osp_plan_save (OspPlan                 *self,
               const char              *path,
               const OspProgressRange  *progress,
               GCancellable            *cancellable,
               GError                 **error)
{
  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!save_to (self, path, progress, cancellable, error))
    return FALSE;
  osp_plan_set_saved (self, path);
  return TRUE;
}

gboolean
osp_plan_save_full (OspPlan                 *self,
                    const char              *path,
                    OspPlanSaveFlags         flags,
                    const OspProgressRange  *progress,
                    GCancellable            *cancellable,
                    GError                 **error)
{
  g_autoptr(Snapshot) snapshot = NULL;

  g_return_val_if_fail (OSP_IS_PLAN (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(flags & OSP_PLAN_SAVE_ANONYMISE))
    return osp_plan_save (self, path, progress, cancellable, error);
  /* A copy: the plan keeps its path and its modified state. */
  snapshot = snapshot_new (self, path, FALSE, TRUE);
  return write_snapshot (snapshot, progress, cancellable, error);
}

/* -- Autosave --------------------------------------------------------------------------------- */

struct _OspAutosave
{
  char *path;
  char *lock_path;
  int   lock_fd;
};

static char *
autosave_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "osteoplan", NULL);
}

static char *
lock_path_for (const char *path)
{
  g_autofree char *stem = NULL;

  stem = g_str_has_suffix (path, ".osteoplan") ?
         g_strndup (path, strlen (path) - strlen (".osteoplan")) : g_strdup (path);
  return g_strconcat (stem, ".lock", NULL);
}

OspAutosave *
osp_autosave_new (GError **error)
{
  g_autofree char *dir = autosave_dir ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *base = g_strdup_printf ("autosave-%s.osteoplan", id);
  OspAutosave *autosave;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the autosave folder %s: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }
  autosave = g_new0 (OspAutosave, 1);
  autosave->path = g_build_filename (dir, base, NULL);
  autosave->lock_path = lock_path_for (autosave->path);
  autosave->lock_fd = open (autosave->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  /* The lock tells other sessions this autosave is alive; the kernel drops it on a crash. */
  if (autosave->lock_fd < 0 || flock (autosave->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot lock the autosave %s: %s"), autosave->lock_path,
                   g_strerror (saved_errno));
      osp_autosave_discard (autosave);
      return NULL;
    }
  return autosave;
}

const char *
osp_autosave_get_path (OspAutosave *autosave)
{
  g_return_val_if_fail (autosave != NULL, NULL);

  return autosave->path;
}

gboolean
osp_autosave_save (OspAutosave  *autosave,
                   OspPlan      *plan,
                   GError      **error)
{
  g_return_val_if_fail (autosave != NULL, FALSE);
  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);

  /* Not osp_plan_save(): the plan stays modified and keeps its own path. */
  return save_to (plan, autosave->path, NULL, NULL, error);
}

void
osp_autosave_save_async (OspAutosave         *autosave,
                         OspPlan             *plan,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (autosave != NULL);
  g_return_if_fail (OSP_IS_PLAN (plan));

  save_async (plan, autosave->path, FALSE, FALSE, osp_autosave_save_async, cancellable, callback,
              user_data);
}

gboolean
osp_autosave_save_finish (OspPlan       *plan,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (OSP_IS_PLAN (plan), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, plan), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
osp_autosave_free (OspAutosave *autosave)
{
  if (autosave == NULL)
    return;
  if (autosave->lock_fd >= 0)
    close (autosave->lock_fd);
  g_free (autosave->path);
  g_free (autosave->lock_path);
  g_free (autosave);
}

void
osp_autosave_discard (OspAutosave *autosave)
{
  if (autosave == NULL)
    return;
  g_unlink (autosave->path);
  g_unlink (autosave->lock_path);
  osp_autosave_free (autosave);
}

static gint
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  GStatBuf sa, sb;
  const char *pa = *(const char * const *) a;
  const char *pb = *(const char * const *) b;

  if (g_stat (pa, &sa) != 0 || g_stat (pb, &sb) != 0)
    return 0;
  return sa.st_mtime < sb.st_mtime ? 1 : sa.st_mtime > sb.st_mtime ? -1 : g_strcmp0 (pa, pb);
}

GPtrArray *
osp_autosave_list_recoverable (void)
{
  g_autofree char *dir_path = autosave_dir ();
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *base;

  while (dir != NULL && (base = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *lock_path = NULL;
      int fd;

      if (!g_str_has_prefix (base, "autosave-") || !g_str_has_suffix (base, ".osteoplan"))
        continue;
      path = g_build_filename (dir_path, base, NULL);
      lock_path = lock_path_for (path);
      fd = open (lock_path, O_RDWR | O_CLOEXEC);
      if (fd >= 0)
        {
          gboolean alive = flock (fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;

          close (fd);
          if (alive)
            continue;
        }
      g_ptr_array_add (result, g_steal_pointer (&path));
    }
  g_ptr_array_sort (result, compare_newest_first);
  return result;
}

void
osp_autosave_remove (const char *path)
{
  g_autofree char *lock_path = NULL;

  g_return_if_fail (path != NULL);

  lock_path = lock_path_for (path);
  g_unlink (path);
  g_unlink (lock_path);
}
