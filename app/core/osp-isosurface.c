/* osp-isosurface.c — the bone surface of a CT: marching cubes in flying-edges passes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The volume is padded by one voxel of air on every side, so the surface closes where bone
 * touches the border.  Four passes over x-rows, as in flying edges (Schroeder et al. 2015):
 *
 *   1. per voxel row: the first and last inside voxel and the number of cut x-edges;
 *   2. per row of cubes: the triangles and the cut y- and z-edges its row owns, visiting only
 *      the cubes between the trim bounds of its four voxel rows;
 *   3. prefix sums (sequential, per row), which fix every vertex and triangle index;
 *   4. per row of cubes: vertices and triangles written straight into the final arrays.
 *
 * Each vertex belongs to one cut edge and each edge to one voxel row, so no welding is needed,
 * and the output order depends only on the volume, never on the number of threads.
 *
 * The case table is generated, not typed in: on each cube face the cut edges are joined so
 * that inside corners (≥ iso) on an ambiguous face stay separated — the rule VTK's table
 * follows — and since neighbouring cubes see the same face the same way, the surface is a
 * closed 2-manifold.  Each loop of face segments is triangulated with diagonals that never
 * join two vertices of one cube face (the neighbouring cube could draw the same diagonal, and
 * the edge would belong to four triangles).
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-error.h"
#include "osp-memory.h"
#include "osp-segment.h"

/* -- The case table ----------------------------------------------------------------------- */

/* Corner c of a cube sits at (c & 1, (c >> 1) & 1, (c >> 2) & 1). */
static const guint8 edge_corners[12][2] = {
  { 0, 1 }, { 2, 3 }, { 4, 5 }, { 6, 7 },   /* x-edges */
  { 0, 2 }, { 1, 3 }, { 4, 6 }, { 5, 7 },   /* y-edges */
  { 0, 4 }, { 1, 5 }, { 2, 6 }, { 3, 7 },   /* z-edges */
};

/* The corners of each face, counter-clockwise seen from outside the cube. */
static const guint8 face_corners[6][4] = {
  { 0, 2, 3, 1 }, { 4, 5, 7, 6 },   /* z = 0, z = 1 */
  { 0, 1, 5, 4 }, { 2, 6, 7, 3 },   /* y = 0, y = 1 */
  { 0, 4, 6, 2 }, { 1, 3, 7, 5 },   /* x = 0, x = 1 */
};

#define MAX_CASE_TRIANGLES 12

typedef struct
{
  guint8 n_triangles[256];
  guint8 triangles[256][MAX_CASE_TRIANGLES * 3];
} CaseTable;

static int
edge_of (guint c0,
         guint c1)
{
  for (int e = 0; e < 12; e++)
    if ((edge_corners[e][0] == c0 && edge_corners[e][1] == c1) ||
        (edge_corners[e][0] == c1 && edge_corners[e][1] == c0))
      return e;
  g_assert_not_reached ();
}

static gboolean
edges_share_face (int a,
                  int b)
{
  for (guint f = 0; f < 6; f++)
    {
      guint in_face = 0;

      for (guint p = 0; p < 4; p++)
        for (guint c = 0; c < 2; c++)
          {
            in_face += face_corners[f][p] == edge_corners[a][c];
            in_face += face_corners[f][p] == edge_corners[b][c];
          }
      if (in_face == 4)
        return TRUE;
    }
  return FALSE;
}

/* A diagonal of a loop may not join two vertices on one cube face: the neighbouring cube
 * could use the same diagonal, and the edge would belong to four triangles. */
static gboolean
chord_ok (const int *loop,
          int        i,
          int        j,
          int        len)
{
  return j == i + 1 || (i == 0 && j == len - 1) || !edges_share_face (loop[i], loop[j]);
}

/* Triangulates the loop part loop[i..j] (whose chord i–j is allowed) with allowed chords. */
static gboolean
triangulate (const int *loop,
             int        i,
             int        j,
             int        len,
             guint8    *out,
             guint     *n)
{
  for (int k = i + 1; k < j; k++)
    {
      guint saved = *n;

      if (!chord_ok (loop, i, k, len) || !chord_ok (loop, k, j, len))
        continue;
      out[3 * *n] = loop[i];
      out[3 * *n + 1] = loop[k];
      out[3 * *n + 2] = loop[j];
      (*n)++;
      if (triangulate (loop, i, k, len, out, n) && triangulate (loop, k, j, len, out, n))
        return TRUE;
      *n = saved;
    }
  return j - i < 2;
}

static void
build_case (CaseTable *table,
            guint      code)
{
  int next[12];
  gboolean seen[12] = { FALSE };
  guint n = 0;

  for (int e = 0; e < 12; e++)
    next[e] = -1;

  /* Walking a face counter-clockwise from outside, each run of inside corners is entered
   * through an out→in edge and left through an in→out edge; one segment joins the two, so
   * the run is cut off on its own (inside corners of an ambiguous face stay apart) and the
   * triangles face away from the inside. */
  for (guint f = 0; f < 6; f++)
    for (guint p = 0; p < 4; p++)
      {
        guint c = face_corners[f][p], cn = face_corners[f][(p + 1) % 4];
        guint q = p;

        if (!((code >> c) & 1) || ((code >> cn) & 1))
          continue;
        while ((code >> face_corners[f][(q + 3) % 4]) & 1)
          q = (q + 3) % 4;
        next[edge_of (face_corners[f][(q + 3) % 4], face_corners[f][q])] = edge_of (c, cn);
      }

  for (int start = 0; start < 12; start++)
    {
      int loop[12], len = 0;

      if (next[start] < 0 || seen[start])
        continue;
      for (int e = start; !seen[e]; e = next[e])
        {
          seen[e] = TRUE;
          loop[len++] = e;
        }
      if (!triangulate (loop, 0, len - 1, len, table->triangles[code], &n))
        g_error ("%s: no triangulation for marching cubes case %u", G_STRFUNC, code);
    }
  g_assert (n <= MAX_CASE_TRIANGLES);
  table->n_triangles[code] = n;
}

static const CaseTable *
case_table (void)
{
  static CaseTable table;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint code = 0; code < 256; code++)
        build_case (&table, code);
      g_once_init_leave (&once, 1);
    }
  return &table;
}

/* -- The passes --------------------------------------------------------------------------- */

typedef struct
{
  gint32  first, last;  /* first and last inside voxel; first > last when none */
  guint32 n_x, n_y, n_z; /* cut edges owned by this voxel row */
  guint32 n_tri;         /* triangles of the cube row with this row as its (0, 0) row */
  guint32 x_base, y_base, z_base, tri_base;
} RowInfo;

typedef struct
{
  const gint16 *data;
  guint32       nx, ny, nz;
  int           threshold;  /* inside: value ≥ threshold */
  double        iso;
  double        outside;    /* the value of the padding */
  double        base[3], step[3][3];  /* LPS of voxel (0,0,0) and of one step along each axis */
  gboolean      flip;
  RowInfo      *rows;       /* (ny + 2) × (nz + 2), padded */
  const gint16 *zero_row;   /* nx zeros, standing in for rows of padding */
  const CaseTable *table;
  float        *positions;
  guint32      *indices;

  /* Work distribution and progress. */
  guint         pass;
  gint          next_unit;
  guint         n_units;
  guint         n_done;
  GMutex        lock;
  const OspProgressRange *progress;
  double        progress_start, progress_span;
  GCancellable *cancellable;
  gint          cancelled;
} Extraction;

static inline RowInfo *
row_at (const Extraction *x,
        gint64            j,
        gint64            k)
{
  return &x->rows[(k + 1) * (x->ny + 2) + (j + 1)];
}

/* The row's voxels, or NULL for a row of padding. */
static inline const gint16 *
row_data (const Extraction *x,
          gint64            j,
          gint64            k)
{
  if (j < 0 || k < 0 || j >= x->ny || k >= x->nz)
    return NULL;
  return x->data + (gsize) x->nx * ((gsize) j + (gsize) x->ny * (gsize) k);
}

static inline guint
is_in (const Extraction *x,
       const gint16     *row,
       gint64            i)
{
  return row != NULL && i >= 0 && i < x->nx && row[i] >= x->threshold;
}

static inline double
value_at (const Extraction *x,
          const gint16     *row,
          gint64            i)
{
  return (row != NULL && i >= 0 && i < x->nx) ? row[i] : x->outside;
}

/* Corner bits of the four rows at one x: bit 0 row (j,k), 1 (j+1,k), 2 (j,k+1), 3 (j+1,k+1),
 * spread to cube corners 0, 2, 4, 6. */
static const guint8 spread[16] = {
  0x00, 0x01, 0x04, 0x05, 0x10, 0x11, 0x14, 0x15,
  0x40, 0x41, 0x44, 0x45, 0x50, 0x51, 0x54, 0x55,
};

/* TRUE when one of p[0..n) is ≥ threshold; a loop without an early exit, which the compiler
 * can vectorise, so empty stretches of air are skipped 32 voxels at a time. */
static inline gboolean
any_inside (const gint16 *p,
            guint         n,
            int           threshold)
{
  int any = 0;

  for (guint i = 0; i < n; i++)
    any |= p[i] >= threshold;
  return any;
}

#define SCAN_CHUNK 32u

static void
pass_rows (Extraction *x,
           gint64      k)
{
  for (gint64 j = 0; j < x->ny; j++)
    {
      const gint16 *p = row_data (x, j, k);
      RowInfo *r = row_at (x, j, k);
      gint64 first = 0, last = (gint64) x->nx - 1;
      guint32 n = 0;

      while (first + SCAN_CHUNK <= x->nx && !any_inside (p + first, SCAN_CHUNK, x->threshold))
        first += SCAN_CHUNK;
      while (first < x->nx && p[first] < x->threshold)
        first++;
      if (first == x->nx)
        {
          r->first = x->nx;
          r->last = -1;
          r->n_x = 0;
          continue;
        }
      while (last + 1 >= first + SCAN_CHUNK &&
             !any_inside (p + last + 1 - SCAN_CHUNK, SCAN_CHUNK, x->threshold))
        last -= SCAN_CHUNK;
      while (p[last] < x->threshold)
        last--;
      for (gint64 i = first + 1; i <= last; i++)
        n += (p[i] >= x->threshold) != (p[i - 1] >= x->threshold);
      r->first = first;
      r->last = last;
      r->n_x = n + 2;
    }
}

/* The cubes [*a, *b] of the cube row (j, k) that can be cut, FALSE when none. */
static inline gboolean
cube_range (const Extraction *x,
            gint64            j,
            gint64            k,
            gint64           *a,
            gint64           *b)
{
  const RowInfo *r00 = row_at (x, j, k), *r10 = row_at (x, j + 1, k);
  const RowInfo *r01 = row_at (x, j, k + 1), *r11 = row_at (x, j + 1, k + 1);
  gint64 first = MIN (MIN (r00->first, r10->first), MIN (r01->first, r11->first));
  gint64 last = MAX (MAX (r00->last, r10->last), MAX (r01->last, r11->last));

  *a = first - 1;
  *b = last;
  return first <= last;
}

static inline guint
column_bits (const Extraction *x,
             const gint16     *p00,
             const gint16     *p10,
             const gint16     *p01,
             const gint16     *p11,
             gint64            i)
{
  return is_in (x, p00, i) | is_in (x, p10, i) << 1 | is_in (x, p01, i) << 2 |
         is_in (x, p11, i) << 3;
}

/* The four rows of a row of cubes, for the inner loops: padding rows point at a row of
 * zeros and have a zero mask, so that a column's bits need no test but the range. */
typedef struct
{
  const gint16 *p[4];
  guint         mask[4];
} CubeRows;

static inline void
cube_rows_init (const Extraction *x,
                CubeRows         *rows,
                const gint16     *p00,
                const gint16     *p10,
                const gint16     *p01,
                const gint16     *p11)
{
  const gint16 *p[4] = { p00, p10, p01, p11 };

  for (guint r = 0; r < 4; r++)
    {
      rows->p[r] = p[r] != NULL ? p[r] : x->zero_row;
      rows->mask[r] = p[r] != NULL;
    }
}

/* column_bits() for 0 ≤ i < nx; padding beyond (i = nx) has no bits. */
static inline guint
column_bits_at (const Extraction *x,
                const CubeRows   *rows,
                gint64            i)
{
  int t = x->threshold;

  if (i >= x->nx)
    return 0;
  return ((rows->p[0][i] >= t) & rows->mask[0]) |
         ((rows->p[1][i] >= t) & rows->mask[1]) << 1 |
         ((rows->p[2][i] >= t) & rows->mask[2]) << 2 |
         ((rows->p[3][i] >= t) & rows->mask[3]) << 3;
}

static void
pass_count (Extraction *x,
            gint64      k)
{
  for (gint64 j = -1; j < (gint64) x->ny; j++)
    {
      RowInfo *r = row_at (x, j, k);
      const gint16 *p00 = row_data (x, j, k), *p10 = row_data (x, j + 1, k);
      const gint16 *p01 = row_data (x, j, k + 1), *p11 = row_data (x, j + 1, k + 1);
      guint32 n_tri = 0, n_y = 0, n_z = 0;
      CubeRows rows;
      gint64 a, b;
      guint s;

      if (!cube_range (x, j, k, &a, &b))
        {
          r->n_tri = r->n_y = r->n_z = 0;
          continue;
        }
      cube_rows_init (x, &rows, p00, p10, p01, p11);
      s = column_bits (x, p00, p10, p01, p11, a);
      for (gint64 i = a; i <= b; i++)
        {
          guint s1 = column_bits_at (x, &rows, i + 1);
          guint code = spread[s] | spread[s1] << 1;

          n_tri += x->table->n_triangles[code];
          n_y += (code ^ (code >> 2)) & 1;
          n_z += (code ^ (code >> 4)) & 1;
          s = s1;
        }
      r->n_tri = n_tri;
      r->n_y = n_y;
      r->n_z = n_z;
    }
}

static inline void
put_vertex (const Extraction *x,
            guint32           id,
            const double      row_base[3],
            double            i,
            guint             axis,
            double            v0,
            double            v1)
{
  /* Nudged off the corners so that a voxel exactly at iso gives no zero-area triangles. */
  double t = CLAMP ((x->iso - v0) / (v1 - v0), 1.0 / 256, 255.0 / 256);
  float *out = x->positions + 3 * (gsize) id;

  for (guint c = 0; c < 3; c++)
    out[c] = (float) (row_base[c] + i * x->step[0][c] + t * x->step[axis][c]);
}

static void
pass_generate (Extraction *x,
               gint64      k)
{
  for (gint64 j = -1; j < (gint64) x->ny; j++)
    {
      const RowInfo *r = row_at (x, j, k);
      const RowInfo *r10 = row_at (x, j + 1, k), *r01 = row_at (x, j, k + 1);
      const RowInfo *r11 = row_at (x, j + 1, k + 1);
      const gint16 *p00 = row_data (x, j, k), *p10 = row_data (x, j + 1, k);
      const gint16 *p01 = row_data (x, j, k + 1), *p11 = row_data (x, j + 1, k + 1);
      guint32 cx[4], cy[2], cz[2];
      guint32 *tri;
      double row_base[3];
      CubeRows rows;
      gint64 a, b;
      guint s;

      if (r->n_tri == 0 || !cube_range (x, j, k, &a, &b))
        continue;
      cube_rows_init (x, &rows, p00, p10, p01, p11);

      cx[0] = r->x_base;
      cx[1] = r10->x_base;
      cx[2] = r01->x_base;
      cx[3] = r11->x_base;
      cy[0] = r->y_base;
      cy[1] = r01->y_base;
      cz[0] = r->z_base;
      cz[1] = r10->z_base;
      tri = x->indices + 3 * (gsize) r->tri_base;
      for (guint c = 0; c < 3; c++)
        row_base[c] = x->base[c] + (double) j * x->step[1][c] + (double) k * x->step[2][c];

      s = column_bits (x, p00, p10, p01, p11, a);
      for (gint64 i = a; i <= b; i++)
        {
          guint s1 = column_bits_at (x, &rows, i + 1);
          guint code = spread[s] | spread[s1] << 1;
          guint32 id[12];
          guint cut[12];
          guint n;

          s = s1;
          if (code == 0 || code == 255)
            continue;
          for (guint e = 0; e < 12; e++)
            cut[e] = ((code >> edge_corners[e][0]) ^ (code >> edge_corners[e][1])) & 1;

          id[0] = cx[0];
          id[1] = cx[1];
          id[2] = cx[2];
          id[3] = cx[3];
          id[4] = cy[0];
          id[5] = cy[0] + cut[4];
          id[6] = cy[1];
          id[7] = cy[1] + cut[6];
          id[8] = cz[0];
          id[9] = cz[0] + cut[8];
          id[10] = cz[1];
          id[11] = cz[1] + cut[10];

          /* This row owns the edges leaving its voxel i: write their vertices. */
          if (cut[0] | cut[4] | cut[8])
            {
              double v = value_at (x, p00, i);

              if (cut[0])
                put_vertex (x, id[0], row_base, (double) i, 0, v, value_at (x, p00, i + 1));
              if (cut[4])
                put_vertex (x, id[4], row_base, (double) i, 1, v, value_at (x, p10, i));
              if (cut[8])
                put_vertex (x, id[8], row_base, (double) i, 2, v, value_at (x, p01, i));
            }

          n = x->table->n_triangles[code];
          for (guint t = 0; t < n; t++)
            {
              const guint8 *e = x->table->triangles[code] + 3 * t;

              tri[0] = id[e[0]];
              tri[1] = id[x->flip ? e[2] : e[1]];
              tri[2] = id[x->flip ? e[1] : e[2]];
              tri += 3;
            }

          for (guint c = 0; c < 4; c++)
            cx[c] += cut[c];
          cy[0] += cut[4];
          cy[1] += cut[6];
          cz[0] += cut[8];
          cz[1] += cut[10];
        }
    }
}

static gpointer
worker (gpointer data)
{
  Extraction *x = data;

  for (;;)
    {
      gint unit = g_atomic_int_add (&x->next_unit, 1);

      if ((guint) unit >= x->n_units || g_atomic_int_get (&x->cancelled))
        break;
      if (g_cancellable_is_cancelled (x->cancellable))
        {
          g_atomic_int_set (&x->cancelled, 1);
          break;
        }

      switch (x->pass)
        {
        case 1: pass_rows (x, unit); break;
        case 2: pass_count (x, (gint64) unit - 1); break;
        default: pass_generate (x, (gint64) unit - 1); break;
        }

      /* Under the lock, so the reported fraction never decreases. */
      g_mutex_lock (&x->lock);
      x->n_done++;
      osp_progress_report (x->progress, x->progress_start +
                           x->progress_span * x->n_done / x->n_units);
      g_mutex_unlock (&x->lock);
    }
  return NULL;
}

static gboolean
run_pass (Extraction *x,
          guint       pass,
          guint       n_units,
          guint       n_threads,
          double      progress_start,
          double      progress_span,
          GError    **error)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  x->pass = pass;
  x->next_unit = 0;
  x->n_units = n_units;
  x->n_done = 0;
  x->progress_start = progress_start;
  x->progress_span = progress_span;

  for (guint t = 1; t < MIN (n_threads, n_units); t++)
    g_ptr_array_add (threads, g_thread_new ("osp-isosurface", worker, x));
  worker (x);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (threads->pdata[t]);

  if (g_atomic_int_get (&x->cancelled))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Surface extraction was cancelled"));
      return FALSE;
    }
  return TRUE;
}

OspMesh *
osp_isosurface_extract (const OspVolume        *volume,
                        double                  iso,
                        guint                   n_threads,
                        const OspProgressRange *progress,
                        GCancellable           *cancellable,
                        GError                **error)
{
  Extraction x = { 0 };
  g_autofree RowInfo *rows = NULL;
  g_autofree gint16 *zero_row = NULL;
  guint32 dims[3];
  double spacing[3], origin[3], direction[9], det;
  guint64 n_vertices = 0, n_triangles = 0, n_rows, bytes;
  float *positions;
  guint32 *indices;

  g_return_val_if_fail (volume != NULL, NULL);
  g_return_val_if_fail (isfinite (iso), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  osp_volume_get_dims (volume, dims);
  osp_volume_get_spacing (volume, spacing);
  osp_volume_get_origin (volume, origin);
  osp_volume_get_direction (volume, direction);

  x.data = osp_volume_get_data (volume);
  x.nx = dims[0];
  x.ny = dims[1];
  x.nz = dims[2];
  x.iso = iso;
  /* int16 voxels: value ≥ iso ⇔ value ≥ ⌈iso⌉. */
  x.threshold = (int) CLAMP (ceil (iso), G_MININT16 - 1.0, G_MAXINT16 + 1.0);
  x.outside = MIN ((double) OSP_HU_AIR, x.threshold - 1.0);
  x.table = case_table ();
  x.progress = progress;
  x.cancellable = cancellable;
  for (guint c = 0; c < 3; c++)
    {
      x.base[c] = origin[c];
      for (guint a = 0; a < 3; a++)
        x.step[a][c] = spacing[a] * direction[3 * a + c];
    }
  /* A left-handed index → LPS map mirrors the cubes: flip the winding to keep it outward. */
  det = x.step[0][0] * (x.step[1][1] * x.step[2][2] - x.step[1][2] * x.step[2][1]) -
        x.step[0][1] * (x.step[1][0] * x.step[2][2] - x.step[1][2] * x.step[2][0]) +
        x.step[0][2] * (x.step[1][0] * x.step[2][1] - x.step[1][1] * x.step[2][0]);
  x.flip = det < 0;
  g_mutex_init (&x.lock);

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  n_threads = MIN (n_threads, 64);

  n_rows = ((guint64) dims[1] + 2) * ((guint64) dims[2] + 2);
  if (!osp_memory_check (n_rows * sizeof (RowInfo), osp_volume_get_description (volume),
                         _("the surface extraction"), error))
    goto fail;
  rows = g_new (RowInfo, n_rows);
  /* Padding rows: empty, owning nothing. */
  for (guint64 r = 0; r < n_rows; r++)
    rows[r] = (RowInfo) { .first = (gint32) dims[0], .last = -1 };
  x.rows = rows;
  zero_row = g_new0 (gint16, dims[0]);
  x.zero_row = zero_row;

  if (!run_pass (&x, 1, dims[2], n_threads, 0.0, 0.35, error) ||
      !run_pass (&x, 2, dims[2] + 1, n_threads, 0.35, 0.3, error))
    goto fail;

  for (gint64 k = -1; k < (gint64) dims[2]; k++)
    for (gint64 j = -1; j < (gint64) dims[1]; j++)
      {
        RowInfo *r = row_at (&x, j, k);

        r->x_base = (guint32) MIN (n_vertices, G_MAXUINT32);
        n_vertices += r->n_x;
        r->y_base = (guint32) MIN (n_vertices, G_MAXUINT32);
        n_vertices += r->n_y;
        r->z_base = (guint32) MIN (n_vertices, G_MAXUINT32);
        n_vertices += r->n_z;
        r->tri_base = (guint32) MIN (n_triangles, G_MAXUINT32);
        n_triangles += r->n_tri;
      }

  if (n_vertices > OSP_MESH_MAX_ELEMENTS || n_triangles > OSP_MESH_MAX_ELEMENTS)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                   _("The surface would have %" PRIu64 " triangles, more than a "
                     "mesh can hold; raise the threshold or crop the volume"), n_triangles);
      goto fail;
    }
  bytes = n_vertices * 3 * sizeof (float) + n_triangles * 3 * sizeof (guint32);
  if (!osp_memory_check (bytes, osp_volume_get_description (volume), _("the surface"), error))
    goto fail;

  positions = g_new (float, n_vertices * 3 + 1);
  indices = g_new (guint32, n_triangles * 3 + 1);
  x.positions = positions;
  x.indices = indices;
  if (!run_pass (&x, 3, dims[2] + 1, n_threads, 0.65, 0.35, error))
    {
      g_free (positions);
      g_free (indices);
      goto fail;
    }

  g_mutex_clear (&x.lock);
  return osp_mesh_new_take (positions, (guint32) n_vertices, indices, (guint32) n_triangles);

fail:
  g_mutex_clear (&x.lock);
  return NULL;
}
