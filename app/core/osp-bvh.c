/* osp-bvh.c — binned-SAH bounding volume hierarchy over triangles
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-bvh.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-mesh-private.h"

#define N_BINS        16
#define MAX_LEAF_SIZE 4
/* Deeper nodes become leaves, so a fixed traversal stack always suffices. */
#define MAX_DEPTH     96
#define STACK_SIZE    (MAX_DEPTH + 8)

/* 32 bytes.  count == 0: internal node whose children are `index` and `index` + 1;
 * otherwise a leaf of `count` triangles starting at tri_ids[index]. */
typedef struct
{
  float   min[3];
  guint32 index;
  float   max[3];
  guint32 count;
} Node;

struct _OspBvh
{
  gatomicrefcount ref_count;
  OspMesh        *mesh;
  Node           *nodes;
  guint32         n_nodes;
  guint32        *tri_ids;
  guint32         n_tris;
  /* The generalised winding number's far-field data, per node: the area-weighted normal
   * (3), the area-weighted centroid (3) and the radius around it (1); made on first use. */
  gsize           wn_ready;
  double         *wn;
  gboolean        winding_inside;
};

/* -- Small vector helpers ------------------------------------------------------------------ */

static inline void
v3_sub (const float *a, const float *b, float *out)
{
  out[0] = a[0] - b[0];
  out[1] = a[1] - b[1];
  out[2] = a[2] - b[2];
}

static inline float
v3_dot (const float *a, const float *b)
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void
v3_cross (const float *a, const float *b, float *out)
{
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

static inline float
v3_dist2 (const float *a, const float *b)
{
  float d[3];

  v3_sub (a, b, d);
  return v3_dot (d, d);
}

static inline void
tri_corners (const OspMesh *mesh, guint32 t, const float **a, const float **b, const float **c)
{
  const guint32 *idx = mesh->indices + 3 * (gsize) t;

  *a = mesh->positions + 3 * (gsize) idx[0];
  *b = mesh->positions + 3 * (gsize) idx[1];
  *c = mesh->positions + 3 * (gsize) idx[2];
}

/* -- Build --------------------------------------------------------------------------------- */

/* fminf/fmaxf are library calls without -ffast-math; these compile to one instruction.
 * A NaN in `v` leaves `acc` unchanged, as fminf would. */
static inline float
min_f (float acc, float v)
{
  return v < acc ? v : acc;
}

static inline float
max_f (float acc, float v)
{
  return v > acc ? v : acc;
}

typedef struct
{
  float min[3];
  float max[3];
} Aabb;

static inline void
aabb_empty (Aabb *b)
{
  for (int k = 0; k < 3; k++)
    {
      b->min[k] = INFINITY;
      b->max[k] = -INFINITY;
    }
}

static inline void
aabb_grow (Aabb *b, const float *min, const float *max)
{
  for (int k = 0; k < 3; k++)
    {
      b->min[k] = min_f (b->min[k], min[k]);
      b->max[k] = max_f (b->max[k], max[k]);
    }
}

static inline float
aabb_half_area (const Aabb *b)
{
  float dx = b->max[0] - b->min[0], dy = b->max[1] - b->min[1], dz = b->max[2] - b->min[2];

  if (dx < 0 || dy < 0 || dz < 0)
    return 0.0f;
  return dx * dy + dy * dz + dz * dx;
}

/* A triangle while building: its box, centroid and id together, so the build reads memory in
 * order and partitions records rather than chasing ids (40 bytes). */
typedef struct
{
  float   min[3];
  float   max[3];
  float   c[3];
  guint32 id;
} Ref;

typedef struct
{
  guint32 node;
  guint32 first;
  guint32 count;
  guint32 depth;
  Aabb    centroids;  /* bounds of the triangles' centroids */
} BuildTask;

typedef struct
{
  Aabb    box;
  guint32 count;
} Bin;

/* The bin of a centroid coordinate; NaN (a corrupt vertex) goes to bin 0, and the float is
 * range-checked before the cast, which would be undefined out of range. */
static inline int
bin_of (float c, float cmin, float scale)
{
  float b = (c - cmin) * scale;

  if (!(b > 0.0f))
    return 0;
  return b < (float) N_BINS ? (int) b : N_BINS - 1;
}

/* Chooses the split of refs[0, count) by binned SAH over centroids and partitions them;
 * returns the number going left (0 when a leaf is cheaper) and the children's boxes. */
static guint32
split_node (Ref        *refs,
            guint32     count,
            const Aabb *node_box,
            const Aabb *centroid_box,
            Aabb       *out_left,
            Aabb       *out_right,
            Aabb       *out_left_centroids,
            Aabb       *out_right_centroids)
{
  const float *cmin = centroid_box->min, *cmax = centroid_box->max;
  float best_cost = INFINITY, scale[3];
  int best_axis = -1, best_bin = -1;
  Bin bins[3][N_BINS];

  /* Bins along the longest axis of the centroids only: a third of the work of trying all
   * three, for trees a few percent slower to query. */
  {
    int axis = 0;
    float left_area[N_BINS], right_cost;
    guint32 left_count[N_BINS];
    Aabb acc;
    guint32 n_acc;

    for (int k = 1; k < 3; k++)
      if (cmax[k] - cmin[k] > cmax[axis] - cmin[axis])
        axis = k;
    for (int k = 0; k < 3; k++)
      scale[k] = 0.0f;
    if (cmax[axis] - cmin[axis] > 0.0f)
      {
        scale[axis] = N_BINS / (cmax[axis] - cmin[axis]);
        for (int b = 0; b < N_BINS; b++)
          {
            aabb_empty (&bins[axis][b].box);
            bins[axis][b].count = 0;
          }
        for (guint32 i = 0; i < count; i++)
          {
            Bin *bin = &bins[axis][bin_of (refs[i].c[axis], cmin[axis], scale[axis])];

            bin->count++;
            aabb_grow (&bin->box, refs[i].min, refs[i].max);
          }

        aabb_empty (&acc);
        n_acc = 0;
        for (int b = 0; b < N_BINS - 1; b++)
          {
            aabb_grow (&acc, bins[axis][b].box.min, bins[axis][b].box.max);
            n_acc += bins[axis][b].count;
            left_area[b] = aabb_half_area (&acc);
            left_count[b] = n_acc;
          }
        aabb_empty (&acc);
        n_acc = 0;
        for (int b = N_BINS - 1; b > 0; b--)
          {
            aabb_grow (&acc, bins[axis][b].box.min, bins[axis][b].box.max);
            n_acc += bins[axis][b].count;
            right_cost = aabb_half_area (&acc) * n_acc;
            if (left_count[b - 1] > 0 && n_acc > 0)
              {
                float cost = left_area[b - 1] * left_count[b - 1] + right_cost;

                if (cost < best_cost)
                  {
                    best_cost = cost;
                    best_axis = axis;
                    best_bin = b;  /* bins < best_bin go left */
                  }
              }
          }
      }
  }

  if (best_axis < 0)
    {
      /* All centroids coincide: halve by order so big clusters still get small leaves. */
      guint32 half = count / 2;

      if (count <= MAX_LEAF_SIZE)
        return 0;
      aabb_empty (out_left);
      aabb_empty (out_right);
      for (guint32 i = 0; i < count; i++)
        aabb_grow (i < half ? out_left : out_right, refs[i].min, refs[i].max);
      *out_left_centroids = *centroid_box;
      *out_right_centroids = *centroid_box;
      return half;
    }

  /* Leaf cost: one intersection per triangle; traversal cost ~1 intersection. */
  if (count <= MAX_LEAF_SIZE &&
      best_cost / MAX (aabb_half_area (node_box), 1e-30f) + 1.0f >= (float) count)
    return 0;

  /* The children's boxes are the unions of their bins. */
  aabb_empty (out_left);
  aabb_empty (out_right);
  for (int b = 0; b < N_BINS; b++)
    aabb_grow (b < best_bin ? out_left : out_right, bins[best_axis][b].box.min,
               bins[best_axis][b].box.max);

  /* Partitions, gathering the children's centroid bounds on the way. */
  aabb_empty (out_left_centroids);
  aabb_empty (out_right_centroids);
  {
    guint32 i = 0, j = count;

    while (i < j)
      {
        if (bin_of (refs[i].c[best_axis], cmin[best_axis], scale[best_axis]) < best_bin)
          {
            aabb_grow (out_left_centroids, refs[i].c, refs[i].c);
            i++;
          }
        else
          {
            Ref tmp = refs[i];

            aabb_grow (out_right_centroids, tmp.c, tmp.c);
            j--;
            refs[i] = refs[j];
            refs[j] = tmp;
          }
      }
    return i;
  }
}

static void
node_set_box (Node *node, const Aabb *box)
{
  memcpy (node->min, box->min, sizeof box->min);
  memcpy (node->max, box->max, sizeof box->max);
}

/* The build: the top of the tree in the calling thread, then its big subtrees in parallel,
 * each into its own reserved range of nodes; a final pass renumbers the nodes breadth first,
 * so the tree is the same for any number of threads. */
typedef struct
{
  Ref                    *refs;
  Node                   *nodes;
  guint32                 n;
  const OspProgressRange *progress;
  GCancellable           *cancellable;
  GMutex                  lock;
  guint32                 n_done;     /* triangles in finished leaves (under lock) */
  double                  reported;
  gint                    cancelled;  /* atomic */
} BuildContext;

typedef struct
{
  BuildTask task;
  guint32   base;     /* first node of its reserved range */
  guint32   n_used;   /* nodes it used from the range */
} Subtree;

static void
build_report (BuildContext *ctx, guint32 n_leaf_tris)
{
  g_mutex_lock (&ctx->lock);
  ctx->n_done += n_leaf_tris;
  if (ctx->n_done == ctx->n || ctx->n_done - ctx->reported * ctx->n >= 65536)
    {
      ctx->reported = (double) ctx->n_done / ctx->n;
      osp_progress_report (ctx->progress, ctx->reported);
    }
  g_mutex_unlock (&ctx->lock);
}

/* Builds below `root` (whose node is set) allocating children from *cursor.  When `defer`
 * is given, tasks of at most `defer_below` triangles are left there instead of built. */
static void
build_tree (BuildContext *ctx,
            BuildTask     root,
            guint32      *cursor,
            GArray       *defer,
            guint32       defer_below)
{
  g_autoptr(GArray) tasks = g_array_new (FALSE, FALSE, sizeof (BuildTask));
  guint32 since_check = 0;

  g_array_append_val (tasks, root);
  while (tasks->len > 0)
    {
      BuildTask task = g_array_index (tasks, BuildTask, tasks->len - 1);
      Node *node = &ctx->nodes[task.node];
      Aabb node_box, left_box, right_box, left_centroids, right_centroids;
      guint32 n_left = 0;

      g_array_set_size (tasks, tasks->len - 1);
      if (defer != NULL && task.count <= defer_below && task.count > MAX_LEAF_SIZE)
        {
          Subtree sub = { task, 0, 0 };

          g_array_append_val (defer, sub);
          continue;
        }
      memcpy (node_box.min, node->min, sizeof node_box.min);
      memcpy (node_box.max, node->max, sizeof node_box.max);
      if (task.count > 1 && task.depth < MAX_DEPTH)
        n_left = split_node (ctx->refs + task.first, task.count, &node_box, &task.centroids,
                             &left_box, &right_box, &left_centroids, &right_centroids);
      if (n_left == 0 || n_left == task.count)
        {
          node->index = task.first;
          node->count = task.count;
          since_check += task.count;
          if (since_check >= 16384)
            {
              if (g_cancellable_is_cancelled (ctx->cancellable))
                {
                  g_atomic_int_set (&ctx->cancelled, 1);
                  return;
                }
              build_report (ctx, since_check);
              since_check = 0;
            }
          continue;
        }

      {
        guint32 left = *cursor;

        *cursor += 2;
        node->index = left;
        node->count = 0;
        node_set_box (&ctx->nodes[left], &left_box);
        node_set_box (&ctx->nodes[left + 1], &right_box);
        g_array_append_val (tasks, ((BuildTask) { left + 1, task.first + n_left,
                                                  task.count - n_left, task.depth + 1,
                                                  right_centroids }));
        g_array_append_val (tasks, ((BuildTask) { left, task.first, n_left, task.depth + 1,
                                                  left_centroids }));
      }
    }
  if (since_check > 0)
    build_report (ctx, since_check);
}

static void
build_subtree_job (gpointer data,
                   gpointer user_data)
{
  Subtree *sub = data;
  BuildContext *ctx = user_data;
  guint32 cursor = sub->base;

  if (g_atomic_int_get (&ctx->cancelled))
    return;
  build_tree (ctx, sub->task, &cursor, NULL, 0);
  sub->n_used = cursor - sub->base;
}

OspBvh *
osp_bvh_new_full (OspMesh                *mesh,
                  const OspProgressRange *progress,
                  GCancellable           *cancellable,
                  GError                **error)
{
  g_autoptr(OspBvh) bvh = NULL;
  g_autofree Ref *refs = NULL;
  g_autofree Node *nodes = NULL;
  g_autoptr(GArray) subtrees = NULL;
  BuildContext ctx;
  guint32 n, cursor = 1, n_threads, n_used, head, next;
  Aabb root, root_centroids;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = mesh->n_triangles;
  /* Per triangle: a 40-byte record while building, an id and up to 2 × 2 nodes (reserved,
   * then compacted). */
  if (!osp_memory_check ((guint64) n * (40 + 4 + 128), NULL, _("building the picking tree"),
                         error))
    return NULL;

  bvh = g_new0 (OspBvh, 1);
  g_atomic_ref_count_init (&bvh->ref_count);
  bvh->mesh = osp_mesh_ref (mesh);
  bvh->n_tris = n;
  if (n == 0)
    return g_steal_pointer (&bvh);

  refs = g_new (Ref, n);
  aabb_empty (&root);
  aabb_empty (&root_centroids);
  for (guint32 t = 0; t < n; t++)
    {
      const float *a, *b, *c;
      Ref *r = &refs[t];

      tri_corners (mesh, t, &a, &b, &c);
      for (int k = 0; k < 3; k++)
        {
          r->min[k] = min_f (a[k], min_f (b[k], c[k]));
          r->max[k] = max_f (a[k], max_f (b[k], c[k]));
          r->c[k] = 0.5f * (r->min[k] + r->max[k]);
        }
      r->id = t;
      aabb_grow (&root, r->min, r->max);
      aabb_grow (&root_centroids, r->c, r->c);
    }

  /* A binary tree with leaves of ≥ 1 triangle has at most 2n − 1 nodes, and a subtree of c
   * triangles at most 2c − 2 below its root: the reserved ranges fit exactly. */
  nodes = g_new (Node, 2 * (gsize) n - 1);
  node_set_box (&nodes[0], &root);

  memset (&ctx, 0, sizeof ctx);
  ctx.refs = refs;
  ctx.nodes = nodes;
  ctx.n = n;
  ctx.progress = progress;
  ctx.cancellable = cancellable;
  g_mutex_init (&ctx.lock);

  n_threads = MIN (g_get_num_processors (), 16);
  subtrees = g_array_new (FALSE, FALSE, sizeof (Subtree));
  /* Small meshes or one core: all in this thread. */
  build_tree (&ctx, (BuildTask) { 0, 0, n, 0, root_centroids }, &cursor,
              n_threads > 1 && n >= 65536 ? subtrees : NULL, MAX (n / (8 * n_threads), 8192));

  if (subtrees->len > 0 && !g_atomic_int_get (&ctx.cancelled))
    {
      GThreadPool *pool = g_thread_pool_new (build_subtree_job, &ctx, (gint) n_threads, FALSE,
                                             NULL);

      for (guint i = 0; i < subtrees->len; i++)
        {
          Subtree *sub = &g_array_index (subtrees, Subtree, i);

          sub->base = cursor;
          cursor += 2 * sub->task.count - 2;
        }
      for (guint i = 0; i < subtrees->len; i++)
        g_thread_pool_push (pool, &g_array_index (subtrees, Subtree, i), NULL);
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  g_mutex_clear (&ctx.lock);
  if (g_atomic_int_get (&ctx.cancelled) ||
      g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      if (error != NULL && *error == NULL)
        g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  /* Breadth-first renumbering into an array of exactly the nodes used. */
  n_used = subtrees->len > 0 ? g_array_index (subtrees, Subtree, 0).base : cursor;
  for (guint i = 0; i < subtrees->len; i++)
    n_used += g_array_index (subtrees, Subtree, i).n_used;
  bvh->nodes = g_new (Node, n_used);
  bvh->nodes[0] = nodes[0];
  for (head = 0, next = 1; head < next; head++)
    {
      Node *node = &bvh->nodes[head];

      if (node->count > 0)
        continue;
      bvh->nodes[next] = nodes[node->index];
      bvh->nodes[next + 1] = nodes[node->index + 1];
      node->index = next;
      next += 2;
    }
  g_assert (next == n_used);
  bvh->n_nodes = n_used;

  bvh->tri_ids = g_new (guint32, n);
  for (guint32 i = 0; i < n; i++)
    bvh->tri_ids[i] = refs[i].id;
  osp_progress_report (progress, 1.0);
  return g_steal_pointer (&bvh);
}

OspBvh *
osp_bvh_new (OspMesh *mesh)
{
  g_autoptr(GError) error = NULL;
  OspBvh *bvh;

  g_return_val_if_fail (mesh != NULL, NULL);

  bvh = osp_bvh_new_full (mesh, NULL, NULL, &error);
  if (bvh == NULL)
    g_error ("%s", error->message);  /* out of memory, as g_malloc would */
  return bvh;
}

OspBvh *
osp_bvh_ref (OspBvh *bvh)
{
  g_return_val_if_fail (bvh != NULL, NULL);

  g_atomic_ref_count_inc (&bvh->ref_count);
  return bvh;
}

void
osp_bvh_unref (OspBvh *bvh)
{
  g_return_if_fail (bvh != NULL);

  if (!g_atomic_ref_count_dec (&bvh->ref_count))
    return;
  osp_mesh_unref (bvh->mesh);
  g_free (bvh->wn);
  g_free (bvh->nodes);
  g_free (bvh->tri_ids);
  g_free (bvh);
}

OspMesh *
osp_bvh_get_mesh (const OspBvh *bvh)
{
  g_return_val_if_fail (bvh != NULL, NULL);

  return bvh->mesh;
}

guint32
osp_bvh_get_n_nodes (const OspBvh *bvh)
{
  g_return_val_if_fail (bvh != NULL, 0);

  return bvh->n_nodes;
}

gsize
osp_bvh_get_memory (const OspBvh *bvh)
{
  g_return_val_if_fail (bvh != NULL, 0);

  return sizeof *bvh + (gsize) bvh->n_nodes * sizeof (Node) + (gsize) bvh->n_tris * 4;
}

void
osp_bvh_get_bounds (const OspBvh *bvh,
                    OspBox       *out_box)
{
  g_return_if_fail (bvh != NULL);
  g_return_if_fail (out_box != NULL);

  if (bvh->n_nodes == 0)
    {
      for (int k = 0; k < 3; k++)
        {
          out_box->min[k] = INFINITY;
          out_box->max[k] = -INFINITY;
        }
      return;
    }
  memcpy (out_box->min, bvh->nodes[0].min, sizeof out_box->min);
  memcpy (out_box->max, bvh->nodes[0].max, sizeof out_box->max);
}

/* -- Rays ---------------------------------------------------------------------------------- */

/* Möller–Trumbore, two-sided.  Degenerate triangles (zero determinant) never hit. */
static inline gboolean
ray_triangle (const float *o, const float *d, const float *a, const float *b, const float *c,
              float t_min, float t_max, float *out_t, float *out_u, float *out_v, float *out_det)
{
  float e1[3], e2[3], p[3], s[3], q[3];
  float det, inv, u, v, t;

  v3_sub (b, a, e1);
  v3_sub (c, a, e2);
  v3_cross (d, e2, p);
  det = v3_dot (e1, p);
  if (det == 0.0f || !isfinite (det))
    return FALSE;
  inv = 1.0f / det;
  v3_sub (o, a, s);
  u = v3_dot (s, p) * inv;
  if (u < 0.0f || u > 1.0f)
    return FALSE;
  v3_cross (s, e1, q);
  v = v3_dot (d, q) * inv;
  if (v < 0.0f || u + v > 1.0f)
    return FALSE;
  t = v3_dot (e2, q) * inv;
  if (!(t >= t_min && t <= t_max))
    return FALSE;
  *out_t = t;
  *out_u = u;
  *out_v = v;
  *out_det = det;
  return TRUE;
}

/* Slab test; returns the entry distance or INFINITY when the box is missed. */
static inline float
ray_box (const Node *node, const float *o, const float *inv_d, float t_min, float t_max)
{
  for (int k = 0; k < 3; k++)
    {
      float t0 = (node->min[k] - o[k]) * inv_d[k];
      float t1 = (node->max[k] - o[k]) * inv_d[k];

      /* 0 × ∞ gives NaN when the origin lies on a slab with a parallel ray: keep the range. */
      if (isnan (t0) || isnan (t1))
        continue;
      if (t0 > t1)
        {
          float tmp = t0;
          t0 = t1;
          t1 = tmp;
        }
      t_min = t0 > t_min ? t0 : t_min;
      t_max = t1 < t_max ? t1 : t_max;
      if (t_min > t_max)
        return INFINITY;
    }
  return t_min;
}

static gboolean
ray_query (const OspBvh *bvh,
           const float   origin[3],
           const float   direction[3],
           float         t_min,
           float         t_max,
           gboolean      any,
           OspRayHit    *out_hit)
{
  guint32 stack[STACK_SIZE];
  guint sp = 0;
  float inv_d[3];
  gboolean found = FALSE;
  guint32 best_tri = 0;
  float best_u = 0, best_v = 0, best_det = 0;

  if (bvh->n_nodes == 0)
    return FALSE;
  for (int k = 0; k < 3; k++)
    inv_d[k] = 1.0f / direction[k];

  if (ray_box (&bvh->nodes[0], origin, inv_d, t_min, t_max) == INFINITY)
    return FALSE;
  stack[sp++] = 0;
  while (sp > 0)
    {
      const Node *node = &bvh->nodes[stack[--sp]];

      if (node->count > 0)
        {
          for (guint32 i = 0; i < node->count; i++)
            {
              guint32 t = bvh->tri_ids[node->index + i];
              const float *a, *b, *c;
              float th, u, v, det;

              tri_corners (bvh->mesh, t, &a, &b, &c);
              if (ray_triangle (origin, direction, a, b, c, t_min, t_max, &th, &u, &v, &det))
                {
                  if (any)
                    return TRUE;
                  /* Ties (a shared edge) go to the lower triangle index: deterministic. */
                  if (th < t_max || !found || t < best_tri)
                    {
                      t_max = th;
                      best_tri = t;
                      best_u = u;
                      best_v = v;
                      best_det = det;
                      found = TRUE;
                    }
                }
            }
          continue;
        }

      {
        const Node *l = &bvh->nodes[node->index], *r = &bvh->nodes[node->index + 1];
        float tl = ray_box (l, origin, inv_d, t_min, t_max);
        float tr = ray_box (r, origin, inv_d, t_min, t_max);

        /* Push the farther first so the nearer is visited first. */
        if (tl <= tr)
          {
            if (tr != INFINITY)
              stack[sp++] = node->index + 1;
            if (tl != INFINITY)
              stack[sp++] = node->index;
          }
        else
          {
            if (tl != INFINITY)
              stack[sp++] = node->index;
            if (tr != INFINITY)
              stack[sp++] = node->index + 1;
          }
      }
    }

  if (!found)
    return FALSE;
  out_hit->t = t_max;
  out_hit->triangle = best_tri;
  out_hit->u = best_u;
  out_hit->v = best_v;
  for (int k = 0; k < 3; k++)
    out_hit->point[k] = origin[k] + t_max * direction[k];
  /* det = e1 · (d × e2) = −d · n: positive when the ray runs against the normal. */
  out_hit->front_face = best_det > 0.0f;
  return TRUE;
}

gboolean
osp_bvh_ray_cast (const OspBvh *bvh,
                  const float   origin[3],
                  const float   direction[3],
                  float         t_min,
                  float         t_max,
                  OspRayHit    *out_hit)
{
  g_return_val_if_fail (bvh != NULL, FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);
  g_return_val_if_fail (direction != NULL, FALSE);
  g_return_val_if_fail (out_hit != NULL, FALSE);

  return ray_query (bvh, origin, direction, t_min, t_max, FALSE, out_hit);
}

gboolean
osp_bvh_ray_occluded (const OspBvh *bvh,
                      const float   origin[3],
                      const float   direction[3],
                      float         t_min,
                      float         t_max)
{
  g_return_val_if_fail (bvh != NULL, FALSE);
  g_return_val_if_fail (origin != NULL, FALSE);
  g_return_val_if_fail (direction != NULL, FALSE);

  return ray_query (bvh, origin, direction, t_min, t_max, TRUE, NULL);
}

/* -- Closest points ------------------------------------------------------------------------ */

/* Ericson, Real-Time Collision Detection 5.1.5.  Returns the point and its barycentrics
 * (of b and c); on a vertex or edge region the zero coordinates are exactly zero. */
static void
closest_on_triangle (const float *p, const float *a, const float *b, const float *c,
                     float *out, float *out_u, float *out_v)
{
  float ab[3], ac[3], ap[3], bp[3], cp[3];
  float d1, d2, d3, d4, d5, d6, va, vb, vc, denom, u, v;

  v3_sub (b, a, ab);
  v3_sub (c, a, ac);
  v3_sub (p, a, ap);
  d1 = v3_dot (ab, ap);
  d2 = v3_dot (ac, ap);
  if (d1 <= 0.0f && d2 <= 0.0f)
    {
      u = 0.0f, v = 0.0f;
      goto done;
    }
  v3_sub (p, b, bp);
  d3 = v3_dot (ab, bp);
  d4 = v3_dot (ac, bp);
  if (d3 >= 0.0f && d4 <= d3)
    {
      u = 1.0f, v = 0.0f;
      goto done;
    }
  vc = d1 * d4 - d3 * d2;
  if (vc <= 0.0f && d1 >= 0.0f && d3 <= 0.0f)
    {
      u = d1 / (d1 - d3), v = 0.0f;
      goto done;
    }
  v3_sub (p, c, cp);
  d5 = v3_dot (ab, cp);
  d6 = v3_dot (ac, cp);
  if (d6 >= 0.0f && d5 <= d6)
    {
      u = 0.0f, v = 1.0f;
      goto done;
    }
  vb = d5 * d2 - d1 * d6;
  if (vb <= 0.0f && d2 >= 0.0f && d6 <= 0.0f)
    {
      u = 0.0f, v = d2 / (d2 - d6);
      goto done;
    }
  va = d3 * d6 - d5 * d4;
  if (va <= 0.0f && (d4 - d3) >= 0.0f && (d5 - d6) >= 0.0f)
    {
      v = (d4 - d3) / ((d4 - d3) + (d5 - d6));
      u = 1.0f - v;
      goto done;
    }
  denom = va + vb + vc;
  if (!(denom != 0.0f) || !isfinite (denom))
    {
      /* Degenerate: fall back to the nearest corner. */
      float da = v3_dist2 (p, a), db = v3_dist2 (p, b), dc = v3_dist2 (p, c);

      if (da <= db && da <= dc)
        u = 0.0f, v = 0.0f;
      else if (db <= dc)
        u = 1.0f, v = 0.0f;
      else
        u = 0.0f, v = 1.0f;
      goto done;
    }
  u = vb / denom;
  v = vc / denom;

done:
  for (int k = 0; k < 3; k++)
    out[k] = a[k] + u * ab[k] + v * ac[k];
  if (u == 1.0f && v == 0.0f)
    memcpy (out, b, 3 * sizeof (float));
  else if (u == 0.0f && v == 1.0f)
    memcpy (out, c, 3 * sizeof (float));
  *out_u = u;
  *out_v = v;
}

static inline float
box_dist2 (const Node *node, const float *p)
{
  float d2 = 0.0f;

  for (int k = 0; k < 3; k++)
    {
      float d = 0.0f;

      if (p[k] < node->min[k])
        d = node->min[k] - p[k];
      else if (p[k] > node->max[k])
        d = p[k] - node->max[k];
      d2 += d * d;
    }
  return d2;
}

static gboolean
closest_query (const OspBvh    *bvh,
               const float     *p,
               float            max_d2,
               OspClosestPoint *out)
{
  guint32 stack[STACK_SIZE];
  guint sp = 0;
  gboolean found = FALSE;
  float best = max_d2;

  if (bvh->n_nodes == 0 || box_dist2 (&bvh->nodes[0], p) > best)
    return FALSE;
  stack[sp++] = 0;
  while (sp > 0)
    {
      const Node *node = &bvh->nodes[stack[--sp]];

      if (box_dist2 (node, p) > best)
        continue;
      if (node->count > 0)
        {
          for (guint32 i = 0; i < node->count; i++)
            {
              guint32 t = bvh->tri_ids[node->index + i];
              const float *a, *b, *c;
              float q[3], u, v, d2;

              tri_corners (bvh->mesh, t, &a, &b, &c);
              closest_on_triangle (p, a, b, c, q, &u, &v);
              d2 = v3_dist2 (p, q);
              if (d2 < best || (d2 == best && (!found || t < out->triangle)))
                {
                  best = d2;
                  memcpy (out->point, q, sizeof out->point);
                  out->triangle = t;
                  out->u = u;
                  out->v = v;
                  found = TRUE;
                }
            }
          continue;
        }

      {
        const Node *l = &bvh->nodes[node->index], *r = &bvh->nodes[node->index + 1];
        float dl = box_dist2 (l, p), dr = box_dist2 (r, p);

        if (dl <= dr)
          {
            if (dr <= best)
              stack[sp++] = node->index + 1;
            if (dl <= best)
              stack[sp++] = node->index;
          }
        else
          {
            if (dl <= best)
              stack[sp++] = node->index;
            if (dr <= best)
              stack[sp++] = node->index + 1;
          }
      }
    }
  if (found)
    out->distance = sqrtf (best);
  return found;
}

gboolean
osp_bvh_closest_point (const OspBvh    *bvh,
                       const float      point[3],
                       float            max_distance,
                       OspClosestPoint *out_closest)
{
  OspClosestPoint cp;

  g_return_val_if_fail (bvh != NULL, FALSE);
  g_return_val_if_fail (point != NULL, FALSE);
  g_return_val_if_fail (max_distance >= 0.0f, FALSE);
  g_return_val_if_fail (out_closest != NULL, FALSE);

  if (!closest_query (bvh, point, max_distance * max_distance, &cp))
    return FALSE;
  *out_closest = cp;
  return TRUE;
}

/* -- Inside / outside ---------------------------------------------------------------------- */

static float
corner_angle (const float *apex, const float *p, const float *q)
{
  float e1[3], e2[3], x[3];

  v3_sub (p, apex, e1);
  v3_sub (q, apex, e2);
  v3_cross (e1, e2, x);
  return atan2f (sqrtf (v3_dot (x, x)), v3_dot (e1, e2));
}

static void
face_normal (const float *a, const float *b, const float *c, float *out)
{
  float e1[3], e2[3], len;

  v3_sub (b, a, e1);
  v3_sub (c, a, e2);
  v3_cross (e1, e2, out);
  len = sqrtf (v3_dot (out, out));
  if (len > 0.0f)
    for (int k = 0; k < 3; k++)
      out[k] /= len;
}

/* Distance² from p to the segment ab. */
static float
segment_dist2 (const float *p, const float *a, const float *b)
{
  float ab[3], ap[3], t, len2, q[3];

  v3_sub (b, a, ab);
  v3_sub (p, a, ap);
  len2 = v3_dot (ab, ab);
  t = len2 > 0.0f ? CLAMP (v3_dot (ap, ab) / len2, 0.0f, 1.0f) : 0.0f;
  for (int k = 0; k < 3; k++)
    q[k] = a[k] + t * ab[k];
  return v3_dist2 (p, q);
}

/* The angle-weighted pseudo-normal (Bærentzen & Aanæs) at surface point c: the faces that
 * contain c, each weighted by its angle at c (a vertex), π (an edge) or 2π (inside). */
static void
pseudo_normal (const OspBvh *bvh, const float *c, float radius, float *out)
{
  guint32 stack[STACK_SIZE];
  guint sp = 0;
  float eps2 = radius * radius;

  out[0] = out[1] = out[2] = 0.0f;
  stack[sp++] = 0;
  while (sp > 0)
    {
      const Node *node = &bvh->nodes[stack[--sp]];

      if (box_dist2 (node, c) > eps2)
        continue;
      if (node->count == 0)
        {
          stack[sp++] = node->index;
          stack[sp++] = node->index + 1;
          continue;
        }
      for (guint32 i = 0; i < node->count; i++)
        {
          guint32 t = bvh->tri_ids[node->index + i];
          const float *v[3];
          float n[3], q[3], u, w, weight;

          tri_corners (bvh->mesh, t, &v[0], &v[1], &v[2]);
          closest_on_triangle (c, v[0], v[1], v[2], q, &u, &w);
          if (v3_dist2 (c, q) > eps2)
            continue;
          face_normal (v[0], v[1], v[2], n);
          if (v3_dist2 (c, v[0]) <= eps2)
            weight = corner_angle (v[0], v[1], v[2]);
          else if (v3_dist2 (c, v[1]) <= eps2)
            weight = corner_angle (v[1], v[2], v[0]);
          else if (v3_dist2 (c, v[2]) <= eps2)
            weight = corner_angle (v[2], v[0], v[1]);
          else if (segment_dist2 (c, v[0], v[1]) <= eps2 ||
                   segment_dist2 (c, v[1], v[2]) <= eps2 ||
                   segment_dist2 (c, v[2], v[0]) <= eps2)
            weight = G_PI;
          else
            weight = 2 * G_PI;
          for (int k = 0; k < 3; k++)
            out[k] += weight * n[k];
        }
    }
}

float
osp_bvh_signed_distance (const OspBvh    *bvh,
                         const float      point[3],
                         OspClosestPoint *out_closest)
{
  OspClosestPoint cp;
  float diff[3], n[3];
  const float *a, *b, *c;
  gboolean on_feature;

  g_return_val_if_fail (bvh != NULL, INFINITY);
  g_return_val_if_fail (point != NULL, INFINITY);

  if (!closest_query (bvh, point, INFINITY, &cp))
    return INFINITY;
  if (out_closest != NULL)
    *out_closest = cp;
  if (cp.distance == 0.0f)
    return 0.0f;

  if (bvh->winding_inside)
    {
      const Node *root = &bvh->nodes[0];
      float size = max_f (root->max[0] - root->min[0],
                          max_f (root->max[1] - root->min[1], root->max[2] - root->min[2]));

      /* Off the surface the winding number decides; on it (within rounding) it is ½ and
       * the local test below is the better judge. */
      if (cp.distance > size * 1e-5f)
        return osp_bvh_winding_number (bvh, point) >= 0.5 ? -cp.distance : cp.distance;
    }
  v3_sub (point, cp.point, diff);
  tri_corners (bvh->mesh, cp.triangle, &a, &b, &c);
  on_feature = cp.u <= 0.0f || cp.v <= 0.0f || cp.u + cp.v >= 1.0f;
  if (!on_feature)
    face_normal (a, b, c, n);
  else
    {
      /* Relative to the mesh size: float rounding of shared corners is far below this. */
      const Node *root = &bvh->nodes[0];
      float size = max_f (root->max[0] - root->min[0],
                          max_f (root->max[1] - root->min[1], root->max[2] - root->min[2]));
      float radius = max_f (size * 1e-6f, 1e-12f);

      pseudo_normal (bvh, cp.point, radius, n);
    }
  return v3_dot (diff, n) < 0.0f ? -cp.distance : cp.distance;
}

gboolean
osp_bvh_is_inside (const OspBvh *bvh,
                   const float   point[3])
{
  g_return_val_if_fail (bvh != NULL, FALSE);
  g_return_val_if_fail (point != NULL, FALSE);

  return osp_bvh_signed_distance (bvh, point, NULL) <= 0.0f;
}

/* -- Generalised winding number ------------------------------------------------------------- */

/* Far-field data, bottom-up (children come after their parent in the breadth-first order). */
static void
winding_prepare (OspBvh *bvh)
{
  double *wn = g_new0 (double, 7 * (gsize) MAX (bvh->n_nodes, 1));
  double *area = g_new0 (double, MAX (bvh->n_nodes, 1));

  for (guint32 i = bvh->n_nodes; i-- > 0;)
    {
      const Node *node = &bvh->nodes[i];
      double *w = wn + 7 * (gsize) i;
      double r2 = 0;

      if (node->count > 0)
        for (guint32 j = 0; j < node->count; j++)
          {
            const float *a, *b, *c;
            float e1[3], e2[3], n[3];
            double len;

            tri_corners (bvh->mesh, bvh->tri_ids[node->index + j], &a, &b, &c);
            v3_sub (b, a, e1);
            v3_sub (c, a, e2);
            v3_cross (e1, e2, n);
            len = sqrt ((double) n[0] * n[0] + (double) n[1] * n[1] + (double) n[2] * n[2]) / 2;
            for (int k = 0; k < 3; k++)
              {
                w[k] += n[k] / 2.0;
                w[3 + k] += len * ((double) a[k] + b[k] + c[k]) / 3;
              }
            area[i] += len;
          }
      else
        for (guint32 j = 0; j < 2; j++)
          {
            const double *cw = wn + 7 * (gsize) (node->index + j);

            for (int k = 0; k < 3; k++)
              {
                w[k] += cw[k];
                w[3 + k] += cw[3 + k] * area[node->index + j];
              }
            area[i] += area[node->index + j];
          }
      for (int k = 0; k < 3; k++)
        w[3 + k] = area[i] > 0 ? w[3 + k] / area[i] : 0.5 * ((double) node->min[k] + node->max[k]);
      /* The radius: the farthest box corner from the centroid. */
      for (int k = 0; k < 3; k++)
        {
          double d = MAX (fabs (node->min[k] - w[3 + k]), fabs (node->max[k] - w[3 + k]));

          r2 += d * d;
        }
      w[6] = sqrt (r2);
    }
  g_free (area);
  bvh->wn = wn;
}

/* The solid angle of triangle abc seen from p (Van Oosterom and Strackee), signed. */
static double
solid_angle (const float *p,
             const float *a,
             const float *b,
             const float *c)
{
  double u[3], v[3], w[3], lu, lv, lw, det, den;

  for (int k = 0; k < 3; k++)
    {
      u[k] = (double) a[k] - p[k];
      v[k] = (double) b[k] - p[k];
      w[k] = (double) c[k] - p[k];
    }
  lu = sqrt (u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  lv = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  lw = sqrt (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
  det = u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) +
        u[2] * (v[0] * w[1] - v[1] * w[0]);
  den = lu * lv * lw + (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) * lw +
        (v[0] * w[0] + v[1] * w[1] + v[2] * w[2]) * lu +
        (w[0] * u[0] + w[1] * u[1] + w[2] * u[2]) * lv;
  return 2 * atan2 (det, den);
}

/* Nodes whose centroid is farther than this many radii count as one dipole. */
#define WINDING_BETA 3.0

double
osp_bvh_winding_number (const OspBvh *bvh,
                        const float   point[3])
{
  guint32 stack[STACK_SIZE];
  guint sp = 0;
  double sum = 0;

  g_return_val_if_fail (bvh != NULL, 0);
  g_return_val_if_fail (point != NULL, 0);

  if (bvh->n_nodes == 0)
    return 0;
  if (g_once_init_enter (&((OspBvh *) bvh)->wn_ready))
    {
      winding_prepare ((OspBvh *) bvh);
      g_once_init_leave (&((OspBvh *) bvh)->wn_ready, 1);
    }
  stack[sp++] = 0;
  while (sp > 0)
    {
      guint32 i = stack[--sp];
      const Node *node = &bvh->nodes[i];
      const double *w = bvh->wn + 7 * (gsize) i;
      double r[3], d2 = 0;

      for (int k = 0; k < 3; k++)
        {
          r[k] = w[3 + k] - point[k];
          d2 += r[k] * r[k];
        }
      if (d2 > WINDING_BETA * WINDING_BETA * w[6] * w[6])
        {
          /* The dipole: (c − p)·N / |c − p|³ (the solid angle of a small far patch). */
          sum += (r[0] * w[0] + r[1] * w[1] + r[2] * w[2]) / (d2 * sqrt (d2));
          continue;
        }
      if (node->count > 0)
        {
          for (guint32 j = 0; j < node->count; j++)
            {
              const float *a, *b, *c;

              tri_corners (bvh->mesh, bvh->tri_ids[node->index + j], &a, &b, &c);
              sum += solid_angle (point, a, b, c);
            }
          continue;
        }
      /* The depth is bounded (MAX_DEPTH): the stack never overflows. */
      stack[sp++] = node->index + 1;
      stack[sp++] = node->index;
    }
  return sum / (4 * G_PI);
}

void
osp_bvh_set_winding_inside (OspBvh   *bvh,
                            gboolean  winding)
{
  g_return_if_fail (bvh != NULL);

  bvh->winding_inside = winding;
}

gboolean
osp_bvh_get_winding_inside (const OspBvh *bvh)
{
  g_return_val_if_fail (bvh != NULL, FALSE);

  return bvh->winding_inside;
}
