/* osp-triangulate.c — ear clipping with holes (after Mapbox's earcut, ISC licence)
 *
 * Copyright 2026 The Osteoplan developers
 * Copyright (c) 2016 Mapbox (earcut, ISC licence)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rings are circular doubly linked lists of nodes.  Holes are joined to the outer ring by
 * bridges (two coincident edges), then ears are clipped; a z-order curve over the points
 * finds the points inside a candidate ear quickly in large polygons.  Unlike earcut, a point
 * is never silently dropped: dropping one would leave a hole in a watertight cap.
 */
#include "config.h"

#include <math.h>

#include "osp-triangulate.h"

typedef struct _Node Node;
struct _Node
{
  guint32  i;        /* the point's index */
  double   x, y;
  guint32  z;        /* z-order of the point */
  gboolean steiner;
  Node    *prev, *next;
  Node    *prev_z, *next_z;
};

typedef struct
{
  GPtrArray *blocks;
  Node      *block;
  guint      used;
  GArray    *out;
  double     min_x, min_y, inv_size; /* z-order grid; inv_size 0 = no hashing */
  double     tolerance; /* absolute: a point this close to a line is on it */
} Earcut;

#define BLOCK_NODES 1024

static Node *
node_new (Earcut *ec,
          guint32 i,
          double  x,
          double  y)
{
  Node *p;

  if (ec->block == NULL || ec->used == BLOCK_NODES)
    {
      ec->block = g_new (Node, BLOCK_NODES);
      g_ptr_array_add (ec->blocks, ec->block);
      ec->used = 0;
    }
  p = &ec->block[ec->used++];
  *p = (Node) { i, x, y, 0, FALSE, NULL, NULL, NULL, NULL };
  return p;
}

static void
emit (Earcut *ec,
      guint32 a,
      guint32 b,
      guint32 c)
{
  guint32 t[3] = { a, b, c };

  g_array_append_vals (ec->out, t, 3);
}

/* Twice the signed area with earcut's sign: negative for a counter-clockwise turn. */
static inline double
area (const Node *p,
      const Node *q,
      const Node *r)
{
  return (q->y - p->y) * (r->x - q->x) - (q->x - p->x) * (r->y - q->y);
}

/* Relative tolerance on a turn: three points whose turn is below this fraction of the product
 * of the two edges' lengths are taken as collinear.  Cap points on the line where two cut
 * planes meet are collinear in exact arithmetic but only nearly so in floats; an ear there
 * would be a sliver that a later plane cuts into two copies of one point. */
#define STRAIGHT_TOLERANCE 1e-5

/* Also collinear: q within the caller's absolute tolerance of the line p–r.  The cut points
 * along the line where two planes meet are rounded to floats at the mesh's scale, so their
 * noise is absolute, not relative: between cut points a few hundredths of a millimetre
 * apart (a cap of the first plane crossed by the second), a relative test takes the noise
 * for a turn and clips a sliver ear along the line, which then folds over the first cap. */
static inline gboolean
nearly_collinear (const Earcut *ec,
                  const Node   *p,
                  const Node   *q,
                  const Node   *r)
{
  double a = area (p, q, r);
  double l1 = hypot (q->x - p->x, q->y - p->y), l2 = hypot (r->x - q->x, r->y - q->y);

  return fabs (a) <= STRAIGHT_TOLERANCE * l1 * l2 ||
         fabs (a) <= ec->tolerance * hypot (r->x - p->x, r->y - p->y);
}

/* p lies on the segment a–c within the tolerance (strictly between its ends). */
static inline gboolean
on_diagonal (const Earcut *ec,
             const Node   *a,
             const Node   *c,
             const Node   *p)
{
  double dx = c->x - a->x, dy = c->y - a->y, len2 = dx * dx + dy * dy, t, cross;

  if (!(len2 > 0))
    return FALSE;
  t = ((p->x - a->x) * dx + (p->y - a->y) * dy) / len2;
  cross = (p->x - a->x) * dy - (p->y - a->y) * dx;
  return t > 0 && t < 1 && (fabs (cross) <= STRAIGHT_TOLERANCE * len2 ||
                            fabs (cross) <= ec->tolerance * sqrt (len2));
}

static inline gboolean
equals (const Node *a,
        const Node *b)
{
  return a->x == b->x && a->y == b->y;
}

/* p lies on the line through its neighbours, between them (the path goes on, not back). */
static inline gboolean
straight (const Node *p)
{
  return (p->x - p->prev->x) * (p->next->x - p->x) + (p->y - p->prev->y) * (p->next->y - p->y) > 0;
}

static Node *
insert_node (Earcut  *ec,
             guint32  i,
             double   x,
             double   y,
             Node    *last)
{
  Node *p = node_new (ec, i, x, y);

  if (last == NULL)
    {
      p->prev = p;
      p->next = p;
    }
  else
    {
      p->next = last->next;
      p->prev = last;
      last->next->prev = p;
      last->next = p;
    }
  return p;
}

static void
remove_node (Node *p)
{
  p->next->prev = p->prev;
  p->prev->next = p->next;
  if (p->prev_z != NULL)
    p->prev_z->next_z = p->next_z;
  if (p->next_z != NULL)
    p->next_z->prev_z = p->prev_z;
}

/* Removes a point earcut would drop, covering its two edges with a zero-area triangle so the
 * result stays watertight. */
static void
drop_node (Earcut *ec,
           Node   *p)
{
  if (p->prev->i != p->i && p->next->i != p->i && p->prev->i != p->next->i)
    emit (ec, p->prev->i, p->i, p->next->i);
  remove_node (p);
}

static Node *
linked_list (Earcut        *ec,
             const double  *xy,
             guint32        start,
             guint32        end)
{
  Node *last = NULL;

  for (guint32 k = start; k < end; k++)
    last = insert_node (ec, k, xy[2 * k], xy[2 * k + 1], last);
  if (last != NULL && last != last->next && equals (last, last->next))
    {
      Node *next = last->next;

      drop_node (ec, last);
      last = next;
    }
  return last;
}

static Node *
filter_points (Earcut *ec,
               Node   *start,
               Node   *end)
{
  Node *p;
  gboolean again;

  if (start == NULL)
    return start;
  if (end == NULL)
    end = start;

  p = start;
  do
    {
      again = FALSE;
      /* A point straight between its neighbours stays: it is a corner of the triangles
       * around it (dropping it would need a triangle of no area, which a cut then splits
       * into a second copy of the same point).  Spikes (going back along the same line, as
       * a hole's bridge does) and repeats go. */
      if (!p->steiner && (equals (p, p->next) ||
                          (nearly_collinear (ec, p->prev, p, p->next) && !straight (p))))
        {
          Node *prev = p->prev;

          if (p->next == p->prev)
            break;
          drop_node (ec, p);
          p = end = prev;
          if (p == p->next)
            break;
          again = TRUE;
        }
      else
        p = p->next;
    }
  while (again || p != end);

  return end;
}

static guint32
z_order (double x,
         double y,
         double min_x,
         double min_y,
         double inv_size)
{
  guint32 ix = (guint32) ((x - min_x) * inv_size);
  guint32 iy = (guint32) ((y - min_y) * inv_size);

  ix = (ix | (ix << 8)) & 0x00FF00FF;
  ix = (ix | (ix << 4)) & 0x0F0F0F0F;
  ix = (ix | (ix << 2)) & 0x33333333;
  ix = (ix | (ix << 1)) & 0x55555555;
  iy = (iy | (iy << 8)) & 0x00FF00FF;
  iy = (iy | (iy << 4)) & 0x0F0F0F0F;
  iy = (iy | (iy << 2)) & 0x33333333;
  iy = (iy | (iy << 1)) & 0x55555555;
  return ix | (iy << 1);
}

/* Simon Tatham's linked-list merge sort on the z links. */
static Node *
sort_linked (Node *list)
{
  guint in_size = 1;
  guint n_merges;

  do
    {
      Node *p = list, *e, *tail = NULL;

      list = NULL;
      n_merges = 0;
      while (p != NULL)
        {
          Node *q = p;
          guint p_size = 0, q_size;

          n_merges++;
          for (guint k = 0; k < in_size; k++)
            {
              p_size++;
              q = q->next_z;
              if (q == NULL)
                break;
            }
          q_size = in_size;
          while (p_size > 0 || (q_size > 0 && q != NULL))
            {
              if (p_size != 0 && (q_size == 0 || q == NULL || p->z <= q->z))
                {
                  e = p;
                  p = p->next_z;
                  p_size--;
                }
              else
                {
                  e = q;
                  q = q->next_z;
                  q_size--;
                }
              if (tail != NULL)
                tail->next_z = e;
              else
                list = e;
              e->prev_z = tail;
              tail = e;
            }
          p = q;
        }
      if (tail != NULL)
        tail->next_z = NULL;
      in_size *= 2;
    }
  while (n_merges > 1);

  return list;
}

static void
index_curve (Earcut *ec,
             Node   *start)
{
  Node *p = start;

  do
    {
      p->z = z_order (p->x, p->y, ec->min_x, ec->min_y, ec->inv_size);
      p->prev_z = p->prev;
      p->next_z = p->next;
      p = p->next;
    }
  while (p != start);
  p->prev_z->next_z = NULL;
  p->prev_z = NULL;
  sort_linked (p);
}

static inline gboolean
point_in_triangle (double ax, double ay, double bx, double by, double cx, double cy,
                   double px, double py)
{
  return (cx - px) * (ay - py) >= (ax - px) * (cy - py) &&
         (ax - px) * (by - py) >= (bx - px) * (ay - py) &&
         (bx - px) * (cy - py) >= (cx - px) * (by - py);
}

static inline gboolean
point_in_triangle_except_first (double ax, double ay, double bx, double by, double cx,
                                double cy, double px, double py)
{
  return !(ax == px && ay == py) && point_in_triangle (ax, ay, bx, by, cx, cy, px, py);
}

static gboolean
blocks_ear (const Earcut *ec,
            const Node *p,
            const Node *a,
            const Node *b,
            const Node *c,
            double x0, double y0, double x1, double y1)
{
  if (p == a || p == c || p->x < x0 || p->x > x1 || p->y < y0 || p->y > y1)
    return FALSE;
  /* A point (nearly) on the new diagonal: the ear would pass through it. */
  if (p->i != a->i && p->i != c->i && on_diagonal (ec, a, c, p))
    return TRUE;
  return point_in_triangle_except_first (a->x, a->y, b->x, b->y, c->x, c->y, p->x, p->y) &&
         area (p->prev, p, p->next) >= 0;
}

static gboolean
is_ear (const Earcut *ec,
        const Node   *ear)
{
  const Node *a = ear->prev, *b = ear, *c = ear->next;
  double x0, y0, x1, y1;

  if (area (a, b, c) >= 0 || nearly_collinear (ec, a, b, c))
    return FALSE;
  x0 = MIN (a->x, MIN (b->x, c->x));
  y0 = MIN (a->y, MIN (b->y, c->y));
  x1 = MAX (a->x, MAX (b->x, c->x));
  y1 = MAX (a->y, MAX (b->y, c->y));
  for (const Node *p = c->next; p != a; p = p->next)
    if (blocks_ear (ec, p, a, b, c, x0, y0, x1, y1))
      return FALSE;
  return TRUE;
}

static gboolean
is_ear_hashed (const Earcut *ec,
               const Node   *ear)
{
  const Node *a = ear->prev, *b = ear, *c = ear->next;
  double x0, y0, x1, y1;
  guint32 min_z, max_z;
  const Node *p, *n;

  if (area (a, b, c) >= 0 || nearly_collinear (ec, a, b, c))
    return FALSE;
  x0 = MIN (a->x, MIN (b->x, c->x));
  y0 = MIN (a->y, MIN (b->y, c->y));
  x1 = MAX (a->x, MAX (b->x, c->x));
  y1 = MAX (a->y, MAX (b->y, c->y));
  min_z = z_order (x0, y0, ec->min_x, ec->min_y, ec->inv_size);
  max_z = z_order (x1, y1, ec->min_x, ec->min_y, ec->inv_size);

  p = ear->prev_z;
  n = ear->next_z;
  while (p != NULL && p->z >= min_z && n != NULL && n->z <= max_z)
    {
      if (blocks_ear (ec, p, a, b, c, x0, y0, x1, y1))
        return FALSE;
      p = p->prev_z;
      if (blocks_ear (ec, n, a, b, c, x0, y0, x1, y1))
        return FALSE;
      n = n->next_z;
    }
  for (; p != NULL && p->z >= min_z; p = p->prev_z)
    if (blocks_ear (ec, p, a, b, c, x0, y0, x1, y1))
      return FALSE;
  for (; n != NULL && n->z <= max_z; n = n->next_z)
    if (blocks_ear (ec, n, a, b, c, x0, y0, x1, y1))
      return FALSE;
  return TRUE;
}

static inline int
sign (double v)
{
  return (v > 0) - (v < 0);
}

static inline gboolean
on_segment (const Node *p,
            const Node *q,
            const Node *r)
{
  return q->x <= MAX (p->x, r->x) && q->x >= MIN (p->x, r->x) &&
         q->y <= MAX (p->y, r->y) && q->y >= MIN (p->y, r->y);
}

static gboolean
intersects (const Node *p1,
            const Node *q1,
            const Node *p2,
            const Node *q2)
{
  int o1 = sign (area (p1, q1, p2));
  int o2 = sign (area (p1, q1, q2));
  int o3 = sign (area (p2, q2, p1));
  int o4 = sign (area (p2, q2, q1));

  if (o1 != o2 && o3 != o4)
    return TRUE;
  if (o1 == 0 && on_segment (p1, p2, q1))
    return TRUE;
  if (o2 == 0 && on_segment (p1, q2, q1))
    return TRUE;
  if (o3 == 0 && on_segment (p2, p1, q2))
    return TRUE;
  if (o4 == 0 && on_segment (p2, q1, q2))
    return TRUE;
  return FALSE;
}

static gboolean
intersects_polygon (const Node *a,
                    const Node *b)
{
  const Node *p = a;

  do
    {
      if (p->i != a->i && p->next->i != a->i && p->i != b->i && p->next->i != b->i &&
          intersects (p, p->next, a, b))
        return TRUE;
      p = p->next;
    }
  while (p != a);
  return FALSE;
}

static gboolean
locally_inside (const Node *a,
                const Node *b)
{
  return area (a->prev, a, a->next) < 0
         ? area (a, b, a->next) >= 0 && area (a, a->prev, b) >= 0
         : area (a, b, a->prev) < 0 || area (a, a->next, b) < 0;
}

static gboolean
middle_inside (const Node *a,
               const Node *b)
{
  const Node *p = a;
  gboolean inside = FALSE;
  double px = (a->x + b->x) / 2, py = (a->y + b->y) / 2;

  do
    {
      if (((p->y > py) != (p->next->y > py)) && p->next->y != p->y &&
          (px < (p->next->x - p->x) * (py - p->y) / (p->next->y - p->y) + p->x))
        inside = !inside;
      p = p->next;
    }
  while (p != a);
  return inside;
}

static gboolean
is_valid_diagonal (const Node *a,
                   const Node *b)
{
  return a->next->i != b->i && a->prev->i != b->i && !intersects_polygon (a, b) &&
         ((locally_inside (a, b) && locally_inside (b, a) && middle_inside (a, b) &&
           (area (a->prev, a, b->prev) != 0 || area (a, b->prev, b) != 0)) ||
          (equals (a, b) && area (a->prev, a, a->next) > 0 && area (b->prev, b, b->next) > 0));
}

/* Links a to b with a bridge; returns the copy of b on the other side. */
static Node *
split_polygon (Earcut *ec,
               Node   *a,
               Node   *b)
{
  Node *a2 = node_new (ec, a->i, a->x, a->y);
  Node *b2 = node_new (ec, b->i, b->x, b->y);
  Node *an = a->next, *bp = b->prev;

  a->next = b;
  b->prev = a;
  a2->next = an;
  an->prev = a2;
  b2->next = a2;
  a2->prev = b2;
  bp->next = b2;
  b2->prev = bp;
  return b2;
}

static Node *
cure_local_intersections (Earcut *ec,
                          Node   *start)
{
  Node *p = start;

  do
    {
      Node *a = p->prev, *b = p->next->next;

      if (!equals (a, b) && intersects (a, p, p->next, b) && locally_inside (a, b) &&
          locally_inside (b, a))
        {
          /* Both triangles, so the two edges of p->next stay covered. */
          emit (ec, a->i, p->i, b->i);
          if (p->i != p->next->i && p->next->i != b->i && p->i != b->i)
            emit (ec, p->i, p->next->i, b->i);
          remove_node (p);
          remove_node (p->next);
          p = start = b;
        }
      p = p->next;
    }
  while (p != start);

  return filter_points (ec, p, NULL);
}

/* One polygon to clip, and the pass it is at.  The work is a stack, not recursion: a large
 * degenerate cap splits once per point, which would nest as deep as it has points and
 * overflow a worker thread's stack. */
typedef struct
{
  Node *ear;
  int   pass;
} EarJob;

static void
push_job (GArray *jobs,
          Node   *ear,
          int     pass)
{
  EarJob job = { ear, pass };

  if (ear != NULL)
    g_array_append_val (jobs, job);
}

static void
split_earcut (Earcut *ec,
              Node   *start,
              GArray *jobs)
{
  Node *a = start;

  do
    {
      for (Node *b = a->next->next; b != a->prev; b = b->next)
        if (a->i != b->i && is_valid_diagonal (a, b))
          {
            Node *c = split_polygon (ec, a, b);

            a = filter_points (ec, a, a->next);
            c = filter_points (ec, c, c->next);
            /* Last in, first out: a is clipped first, as the recursion did. */
            push_job (jobs, c, 0);
            push_job (jobs, a, 0);
            return;
          }
      a = a->next;
    }
  while (a != start);

  /* No diagonal at all: the rest is degenerate; fan it so every edge stays covered. */
  for (Node *p = start->next; p->next != start; p = p->next)
    if (start->i != p->i && p->i != p->next->i && start->i != p->next->i)
      emit (ec, start->i, p->i, p->next->i);
}

static void
earcut_step (Earcut *ec,
             Node   *ear,
             int     pass,
             GArray *jobs)
{
  Node *stop;

  if (ear == NULL)
    return;
  if (pass == 0 && ec->inv_size != 0)
    index_curve (ec, ear);

  stop = ear;
  while (ear->prev != ear->next)
    {
      Node *prev = ear->prev, *next = ear->next;

      if (ec->inv_size != 0 ? is_ear_hashed (ec, ear) : is_ear (ec, ear))
        {
          emit (ec, prev->i, ear->i, next->i);
          remove_node (ear);
          ear = next->next;
          stop = next->next;
          continue;
        }
      ear = next;
      if (ear == stop)
        {
          if (pass == 0)
            push_job (jobs, filter_points (ec, ear, NULL), 1);
          else if (pass == 1)
            push_job (jobs, cure_local_intersections (ec, filter_points (ec, ear, NULL)), 2);
          else
            split_earcut (ec, ear, jobs);
          break;
        }
    }
}

static void
earcut_linked (Earcut *ec,
               Node   *ear,
               int     pass)
{
  g_autoptr(GArray) jobs = g_array_new (FALSE, FALSE, sizeof (EarJob));

  push_job (jobs, ear, pass);
  while (jobs->len > 0)
    {
      EarJob job = g_array_index (jobs, EarJob, jobs->len - 1);

      g_array_set_size (jobs, jobs->len - 1);
      earcut_step (ec, job.ear, job.pass, jobs);
    }
}

static Node *
get_leftmost (Node *start)
{
  Node *p = start, *leftmost = start;

  do
    {
      if (p->x < leftmost->x || (p->x == leftmost->x && p->y < leftmost->y))
        leftmost = p;
      p = p->next;
    }
  while (p != start);
  return leftmost;
}

static gboolean
sector_contains_sector (const Node *m,
                        const Node *p)
{
  return area (m->prev, m, p->prev) < 0 && area (p->next, m, m->next) < 0;
}

static Node *
find_hole_bridge (Node *hole,
                  Node *outer)
{
  Node *p = outer, *m = NULL, *stop;
  double hx = hole->x, hy = hole->y, qx = -INFINITY, mx, my, tan_min = INFINITY;

  if (equals (hole, p))
    return p;
  do
    {
      if (equals (hole, p->next))
        return p->next;
      if (hy <= p->y && hy >= p->next->y && p->next->y != p->y)
        {
          double x = p->x + (hy - p->y) * (p->next->x - p->x) / (p->next->y - p->y);

          if (x <= hx && x > qx)
            {
              qx = x;
              m = p->x < p->next->x ? p : p->next;
              if (x == hx)
                return m;
            }
        }
      p = p->next;
    }
  while (p != outer);

  if (m == NULL)
    return NULL;

  stop = m;
  mx = m->x;
  my = m->y;
  p = m;
  do
    {
      if (hx >= p->x && p->x >= mx && hx != p->x &&
          point_in_triangle (hy < my ? hx : qx, hy, mx, my, hy < my ? qx : hx, hy, p->x, p->y))
        {
          double tan = fabs (hy - p->y) / (hx - p->x);

          if (locally_inside (p, hole) &&
              (tan < tan_min ||
               (tan == tan_min && (p->x > m->x ||
                                   (p->x == m->x && sector_contains_sector (m, p))))))
            {
              m = p;
              tan_min = tan;
            }
        }
      p = p->next;
    }
  while (p != stop);

  return m;
}

static int
compare_leftmost (gconstpointer a,
                  gconstpointer b)
{
  const Node *na = *(Node * const *) a, *nb = *(Node * const *) b;

  if (na->x != nb->x)
    return na->x < nb->x ? -1 : 1;
  if (na->y != nb->y)
    return na->y < nb->y ? -1 : 1;
  return 0;
}

static Node *
eliminate_hole (Earcut *ec,
                Node   *hole,
                Node   *outer)
{
  Node *bridge = find_hole_bridge (hole, outer);
  Node *bridge_reverse;

  if (bridge == NULL)
    {
      /* Not inside after all (rounding): fan it in its own direction so it stays covered. */
      Node *p = hole->next;

      for (; p->next != hole; p = p->next)
        emit (ec, hole->i, p->i, p->next->i);
      return outer;
    }
  bridge_reverse = split_polygon (ec, bridge, hole);
  filter_points (ec, bridge_reverse, bridge_reverse->next);
  return filter_points (ec, bridge, bridge->next);
}

void
osp_triangulate_polygon (const double  *xy,
                         guint32        n_points,
                         const guint32 *ring_starts,
                         guint          n_rings,
                         GArray        *out_triangles)
{
  osp_triangulate_polygon_tolerant (xy, n_points, ring_starts, n_rings, 0, out_triangles);
}

void
osp_triangulate_polygon_tolerant (const double  *xy,
                                  guint32        n_points,
                                  const guint32 *ring_starts,
                                  guint          n_rings,
                                  double         tolerance,
                                  GArray        *out_triangles)
{
  Earcut ec = { 0 };
  Node *outer;

  g_return_if_fail (xy != NULL && ring_starts != NULL && n_rings >= 1);
  g_return_if_fail (ring_starts[n_rings] == n_points);
  g_return_if_fail (out_triangles != NULL);
  g_return_if_fail (tolerance >= 0);

  ec.tolerance = tolerance;
  ec.blocks = g_ptr_array_new_with_free_func (g_free);
  ec.out = out_triangles;

  outer = linked_list (&ec, xy, ring_starts[0], ring_starts[1]);
  if (outer != NULL && outer->next != outer->prev)
    {
      if (n_rings > 1)
        {
          g_autoptr(GPtrArray) queue = g_ptr_array_new ();

          for (guint r = 1; r < n_rings; r++)
            {
              Node *list = linked_list (&ec, xy, ring_starts[r], ring_starts[r + 1]);

              if (list == NULL)
                continue;
              if (list == list->next)
                list->steiner = TRUE;
              g_ptr_array_add (queue, get_leftmost (list));
            }
          g_ptr_array_sort (queue, compare_leftmost);
          for (guint k = 0; k < queue->len; k++)
            outer = eliminate_hole (&ec, g_ptr_array_index (queue, k), outer);
        }

      if (n_points > 80)
        {
          double max_x = -INFINITY, max_y = -INFINITY;

          ec.min_x = INFINITY;
          ec.min_y = INFINITY;
          for (guint32 k = 0; k < n_points; k++)
            {
              ec.min_x = MIN (ec.min_x, xy[2 * k]);
              ec.min_y = MIN (ec.min_y, xy[2 * k + 1]);
              max_x = MAX (max_x, xy[2 * k]);
              max_y = MAX (max_y, xy[2 * k + 1]);
            }
          ec.inv_size = MAX (max_x - ec.min_x, max_y - ec.min_y);
          ec.inv_size = ec.inv_size != 0 ? 32767 / ec.inv_size : 0;
        }
      earcut_linked (&ec, outer, 0);
    }

  g_ptr_array_unref (ec.blocks);
}
