/* test-mesh.c — the mesh core: measures, welding, topology, transforms
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Links only the core library: it proves the core needs neither GTK nor GL.
 */
#include "config.h"

#include <math.h>

#include "osp-mesh.h"
#include "osp-test-common.h"

/* Unwelds a mesh into a soup. */
static float *
soup_of (const OspMesh *mesh)
{
  const float *p = osp_mesh_get_positions (mesh);
  const guint32 *t = osp_mesh_get_indices (mesh);
  guint32 n = osp_mesh_get_n_triangles (mesh);
  float *soup = g_new (float, (gsize) n * 9);

  for (gsize i = 0; i < (gsize) n * 3; i++)
    memcpy (soup + 3 * i, p + 3 * (gsize) t[i], 3 * sizeof (float));
  return soup;
}

typedef struct
{
  const char *name;
  OspMesh  *(*make) (void);
  double      volume;
  double      area;
  double      tolerance;  /* relative */
  guint32     components;
  gint64      euler;
} SolidCase;

static OspMesh *make_cube2 (void) { return osp_test_make_box (2, 2, 2); }
static OspMesh *make_box123 (void) { return osp_test_make_box (10, 20, 30); }
static OspMesh *make_tetra (void) { return osp_test_make_tetrahedron (); }
static OspMesh *make_torus (void) { return osp_test_make_torus (10, 3, 64, 32); }
static OspMesh *make_sphere (void) { return osp_test_make_sphere (5, 64, 32); }

static const SolidCase solid_cases[] = {
  { "cube2", make_cube2, 8.0, 24.0, 1e-12, 1, 2 },
  { "box-10x20x30", make_box123, 6000.0, 2200.0, 1e-12, 1, 2 },
  { "tetrahedron", make_tetra, 1.0 / 6.0, 1.5 + sqrt (3.0) / 2.0, 1e-6, 1, 2 },
  /* Polyhedral approximations: within 1 % of the analytic solids. */
  { "torus", make_torus, 2 * G_PI * G_PI * 10 * 3 * 3, 4 * G_PI * G_PI * 10 * 3, 1e-2, 1, 0 },
  { "sphere", make_sphere, 4.0 / 3.0 * G_PI * 125, 4 * G_PI * 25, 1e-2, 1, 2 },
};

static void
test_solid (gconstpointer data)
{
  const SolidCase *tc = data;
  g_autoptr(OspMesh) mesh = tc->make ();
  OspMeshReport report;

  osp_mesh_report (mesh, &report);
  g_assert_cmpfloat_with_epsilon (report.volume, tc->volume, tc->volume * tc->tolerance);
  g_assert_cmpfloat_with_epsilon (report.area, tc->area, tc->area * tc->tolerance);
  g_assert_cmpuint (report.topology.n_components, ==, tc->components);
  g_assert_cmpint (report.topology.euler_characteristic, ==, tc->euler);
  g_assert_cmpuint (report.topology.n_boundary_edges, ==, 0);
  g_assert_cmpuint (report.topology.n_nonmanifold_edges, ==, 0);
  g_assert_cmpuint (report.topology.n_misoriented_edges, ==, 0);
  g_assert_cmpuint (report.n_degenerate, ==, 0);
  g_assert_true (report.closed);
  g_assert_cmpstr (osp_mesh_report_verdict (&report), ==, "closed");
  g_assert_cmpuint (report.topology.n_edges, ==, (guint64) report.n_triangles * 3 / 2);

  /* Inside out: the volume is negated; flipping every face keeps the orientation consistent. */
  {
    g_autoptr(OspMesh) flipped = osp_mesh_flip (mesh);
    OspMeshReport fr;

    osp_mesh_report (flipped, &fr);
    g_assert_cmpfloat_with_epsilon (fr.volume, -report.volume, fabs (report.volume) * 1e-12);
    g_assert_cmpuint (fr.topology.n_misoriented_edges, ==, 0);
  }
}

static void
test_bounds (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  OspBox b;

  osp_mesh_get_bounds (box, &b);
  g_assert_cmpfloat (b.min[0], ==, 0);
  g_assert_cmpfloat (b.max[0], ==, 10);
  g_assert_cmpfloat (b.max[1], ==, 20);
  g_assert_cmpfloat (b.max[2], ==, 30);

  {
    g_autoptr(OspMesh) empty = osp_mesh_new (NULL, 0, NULL, 0);

    osp_mesh_get_bounds (empty, &b);
    g_assert_true (osp_box_is_empty (&b));
    g_assert_cmpfloat (osp_mesh_get_volume (empty), ==, 0.0);
  }
}

static void
test_open_tetrahedron (void)
{
  g_autoptr(OspMesh) tetra = osp_test_make_tetrahedron ();
  const gboolean keep[4] = { TRUE, TRUE, TRUE, FALSE };
  g_autoptr(OspMesh) open = osp_mesh_extract_triangles (tetra, keep);
  OspMeshReport report;

  osp_mesh_report (open, &report);
  g_assert_cmpuint (report.n_triangles, ==, 3);
  g_assert_cmpuint (report.topology.n_boundary_edges, ==, 3);
  g_assert_cmpuint (report.topology.n_edges, ==, 6);
  g_assert_cmpint (report.topology.euler_characteristic, ==, 1);
  g_assert_false (report.closed);
  g_assert_cmpstr (osp_mesh_report_verdict (&report), ==, "open");
}

static void
test_misoriented (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 1, 1);
  guint32 idx[36];
  g_autoptr(OspMesh) bad = NULL;
  OspMeshTopology topo;
  guint32 swap;

  memcpy (idx, osp_mesh_get_indices (box), sizeof idx);
  /* Flip one triangle: its three edges now run the same way as their neighbours'. */
  swap = idx[1];
  idx[1] = idx[2];
  idx[2] = swap;
  bad = osp_mesh_new (osp_mesh_get_positions (box), 8, idx, 12);
  osp_mesh_get_topology (bad, &topo);
  g_assert_cmpuint (topo.n_misoriented_edges, ==, 3);
  g_assert_cmpuint (topo.n_boundary_edges, ==, 0);
}

static void
test_nonmanifold (void)
{
  /* Three triangles sharing the edge 0–1. */
  const float p[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1 };
  const guint32 t[] = { 0, 1, 2, 1, 0, 3, 0, 1, 4 };
  g_autoptr(OspMesh) mesh = osp_mesh_new (p, 5, t, 3);
  OspMeshTopology topo;

  osp_mesh_get_topology (mesh, &topo);
  g_assert_cmpuint (topo.n_nonmanifold_edges, ==, 1);
  g_assert_cmpuint (topo.n_boundary_edges, ==, 6);
  g_assert_cmpuint (topo.n_components, ==, 1);
}

static void
test_weld (void)
{
  g_autoptr(OspMesh) torus = osp_test_make_torus (10, 3, 16, 8);
  g_autofree float *soup = soup_of (torus);
  g_autoptr(OspMesh) welded = osp_mesh_weld_soup (soup, osp_mesh_get_n_triangles (torus));
  OspMeshReport report;

  osp_mesh_report (welded, &report);
  g_assert_cmpuint (report.n_vertices, ==, osp_mesh_get_n_vertices (torus));
  g_assert_cmpuint (report.n_triangles, ==, osp_mesh_get_n_triangles (torus));
  g_assert_true (report.closed);
  g_assert_cmpfloat_with_epsilon (report.volume, osp_mesh_get_volume (torus), 1e-9);

  /* Welding is deterministic and idempotent. */
  {
    g_autofree float *soup2 = soup_of (welded);
    g_autoptr(OspMesh) again = osp_mesh_weld_soup (soup2, report.n_triangles);

    g_assert_true (osp_mesh_equal (welded, again));
  }
}

static void
test_weld_signed_zero_and_nan (void)
{
  const float soup[] = {
    0.0f, 0, 0,   1, 0, 0,   0, 1, 0,
    -0.0f, -0.0f, -0.0f,   0, 1, 0,   NAN, 0, 0,
    NAN, 0, 0,   1, 0, 0,   0, 1, 0,
  };
  g_autoptr(OspMesh) mesh = osp_mesh_weld_soup (soup, 3);
  const guint32 *t = osp_mesh_get_indices (mesh);

  /* -0 welds to +0; each NaN corner stays its own vertex. */
  g_assert_cmpuint (t[3], ==, t[0]);
  g_assert_cmpuint (t[4], ==, t[2]);
  g_assert_cmpuint (t[5], !=, t[6]);
  g_assert_cmpuint (osp_mesh_get_n_vertices (mesh), ==, 5);
}

static void
test_degenerate (void)
{
  const float p[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0 };
  /* A good triangle, a repeated index, collinear corners, two corners at the same place. */
  const guint32 t[] = { 0, 1, 2, 0, 0, 1, 0, 1, 3, 0, 4, 2 };
  g_autoptr(OspMesh) mesh = osp_mesh_new (p, 5, t, 4);
  g_autoptr(OspMesh) clean = NULL;
  guint32 removed = 99;

  g_assert_cmpuint (osp_mesh_count_degenerate (mesh), ==, 3);
  clean = osp_mesh_remove_degenerate (mesh, &removed);
  g_assert_cmpuint (removed, ==, 3);
  g_assert_cmpuint (osp_mesh_get_n_triangles (clean), ==, 1);
  g_assert_cmpuint (osp_mesh_get_n_vertices (clean), ==, 3);
}

static void
test_components (void)
{
  g_autoptr(OspMesh) a = osp_test_make_box (1, 1, 1);
  g_autoptr(OspMesh) b0 = osp_test_make_sphere (1, 8, 6);
  mat4 m;
  g_autoptr(OspMesh) b = NULL;
  g_autoptr(OspMesh) merged = NULL;
  g_autofree guint32 *labels = NULL;
  guint32 n;

  glm_translate_make (m, (vec3) { 5, 0, 0 });
  b = osp_mesh_transform (b0, m);
  {
    OspMesh *parts[2] = { a, b };

    merged = osp_mesh_merge (parts, 2);
  }
  labels = g_new (guint32, osp_mesh_get_n_triangles (merged));
  n = osp_mesh_label_components (merged, labels);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (labels[0], ==, 0);
  g_assert_cmpuint (labels[osp_mesh_get_n_triangles (merged) - 1], ==, 1);

  {
    g_autoptr(OspMesh) first = osp_mesh_extract_label (merged, labels, 0);
    g_autoptr(OspMesh) second = osp_mesh_extract_label (merged, labels, 1);

    g_assert_true (osp_mesh_equal (first, a));
    g_assert_cmpuint (osp_mesh_get_n_triangles (second), ==, osp_mesh_get_n_triangles (b));
    g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (second), osp_mesh_get_volume (b), 1e-9);
  }
}

static void
test_mirror (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (10, 20, 30);
  /* A tilted plane, away from the origin. */
  OspPlane plane = { { 1, 2, -0.5f }, 7 };
  g_autoptr(OspMesh) mirrored = osp_mesh_mirror (box, &plane);
  g_autoptr(OspMesh) back = osp_mesh_mirror (mirrored, &plane);
  OspMeshReport report;
  const float *p = osp_mesh_get_positions (box);
  const float *q = osp_mesh_get_positions (back);

  osp_mesh_report (mirrored, &report);
  g_assert_cmpfloat_with_epsilon (report.volume, 6000.0, 6000.0 * 1e-5);
  g_assert_cmpuint (report.topology.n_misoriented_edges, ==, 0);
  g_assert_true (report.closed);
  for (guint i = 0; i < 8 * 3; i++)
    g_assert_cmpfloat_with_epsilon (q[i], p[i], 1e-4);

  /* The plane x = 5 maps the box [0,10] onto itself. */
  {
    OspPlane mid = { { 1, 0, 0 }, 5 };
    g_autoptr(OspMesh) self = osp_mesh_mirror (box, &mid);
    OspBox b;

    osp_mesh_get_bounds (self, &b);
    g_assert_cmpfloat (b.min[0], ==, 0);
    g_assert_cmpfloat (b.max[0], ==, 10);
    g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (self), 6000.0, 1e-6);
  }
}

static void
test_transform (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 2, 3);
  mat4 m;
  g_autoptr(OspMesh) scaled = NULL;
  g_autoptr(OspMesh) neg = NULL;

  glm_mat4_identity (m);
  glm_rotate (m, 0.7f, (vec3) { 1, 1, 0 });
  glm_scale (m, (vec3) { 2, 2, 2 });
  scaled = osp_mesh_transform (box, m);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (scaled), 48.0, 48.0 * 1e-5);

  /* A negative scale mirrors: the winding is flipped so the volume stays positive. */
  glm_mat4_identity (m);
  glm_scale (m, (vec3) { -1, 1, 1 });
  neg = osp_mesh_transform (box, m);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (neg), 6.0, 1e-9);
}

static void
test_normals (void)
{
  g_autoptr(OspMesh) box = osp_test_make_box (1, 1, 1);
  g_autofree float *fn = osp_mesh_compute_face_normals (box);
  g_autofree float *vn = osp_mesh_compute_vertex_normals (box);

  /* First face lies in z = 0, facing −z. */
  g_assert_cmpfloat (fn[0], ==, 0);
  g_assert_cmpfloat (fn[1], ==, 0);
  g_assert_cmpfloat (fn[2], ==, -1);
  /* Vertex 6 (1,1,1) touches two triangles of the z and x faces and one of the y face: the
   * area-weighted normal is (2, 1, 2) / 3. */
  g_assert_cmpfloat_with_epsilon (vn[18], 2.0f / 3.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (vn[19], 1.0f / 3.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (vn[20], 2.0f / 3.0f, 1e-6);
  {
    float len = sqrtf (vn[18] * vn[18] + vn[19] * vn[19] + vn[20] * vn[20]);

    g_assert_cmpfloat_with_epsilon (len, 1.0f, 1e-6);
  }
}

static void
test_far_from_origin (void)
{
  /* CT coordinates are often far from the origin: the volume must still be exact. */
  g_autoptr(OspMesh) box = osp_test_make_box (2, 2, 2);
  mat4 m;
  g_autoptr(OspMesh) moved = NULL;

  glm_translate_make (m, (vec3) { 512, -300, 1200 });
  moved = osp_mesh_transform (box, m);
  g_assert_cmpfloat_with_epsilon (osp_mesh_get_volume (moved), 8.0, 1e-9);
}

/* The edge topology and the component labels against a plain reference (every pair of
 * half-edges compared through a sorted list, a naive union–find) on random triangle soups:
 * boundary, non-manifold, misoriented and degenerate edges, many components, one vertex shared
 * by hundreds of triangles (a fan), and a report large enough to run on two threads. */
typedef struct
{
  guint64 key;
  guint32 triangle;
  guint32 forward;
} RefEdge;

static int
compare_ref_edges (const void *a,
                   const void *b)
{
  const RefEdge *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->triangle > y->triangle) - (x->triangle < y->triangle);
}

static guint32
ref_root (guint32 *parent,
          guint32  x)
{
  while (parent[x] != x)
    x = parent[x];
  return x;
}

static void
test_topology_reference (gconstpointer data)
{
  const guint32 *sizes = data;   /* vertices, triangles, fan vertex share (%) */
  guint32 nv = sizes[0], nt = sizes[1];
  g_autoptr(GRand) rand = g_rand_new_with_seed (nv * 7919u + nt);
  g_autofree float *p = g_new (float, 3 * (gsize) nv);
  g_autofree guint32 *idx = g_new (guint32, 3 * (gsize) nt);
  g_autofree RefEdge *edges = g_new (RefEdge, 3 * (gsize) nt);
  g_autofree guint32 *parent = g_new (guint32, nt);
  g_autofree guint32 *labels = g_new (guint32, nt);
  g_autofree guint32 *ref_labels = g_new (guint32, nt);
  g_autofree guint32 *root_label = g_new (guint32, nt);
  g_autoptr(OspMesh) mesh = NULL;
  OspMeshTopology topology, ref = { 0 };
  OspMeshReport report;
  guint32 n_components;

  for (gsize i = 0; i < 3 * (gsize) nv; i++)
    p[i] = (float) g_rand_double (rand);
  for (gsize i = 0; i < 3 * (gsize) nt; i++)
    {
      /* Neighbouring vertices mostly (shared edges), vertex 0 in a share of them (a fan). */
      guint32 base = (guint32) (i / 3) % nv;

      idx[i] = g_rand_int_range (rand, 0, 100) < (gint32) sizes[2] ? 0 :
               (base + (guint32) g_rand_int_range (rand, 0, 4)) % nv;
    }
  mesh = osp_mesh_new (p, nv, idx, nt);

  for (guint32 t = 0; t < nt; t++)
    for (guint k = 0; k < 3; k++)
      {
        guint32 a = idx[3 * t + k], b = idx[3 * t + (k + 1) % 3];

        edges[3 * t + k] = (RefEdge) { ((guint64) MIN (a, b) << 32) | MAX (a, b), t, a < b };
      }
  qsort (edges, 3 * (gsize) nt, sizeof *edges, compare_ref_edges);
  for (guint32 t = 0; t < nt; t++)
    parent[t] = t;
  for (gsize i = 0; i < 3 * (gsize) nt;)
    {
      gsize j = i + 1;
      guint fwd = edges[i].forward;

      for (; j < 3 * (gsize) nt && edges[j].key == edges[i].key; j++)
        {
          guint32 a = ref_root (parent, edges[j].triangle), b = ref_root (parent, edges[i].triangle);

          fwd += edges[j].forward;
          parent[MAX (a, b)] = MIN (a, b);
        }
      ref.n_edges++;
      ref.n_boundary_edges += j - i == 1;
      ref.n_nonmanifold_edges += j - i > 2;
      ref.n_misoriented_edges += j - i == 2 && fwd != 1;
      i = j;
    }
  for (guint32 t = 0; t < nt; t++)
    {
      guint32 r = ref_root (parent, t);

      if (r == t)
        root_label[t] = ref.n_components++;
      ref_labels[t] = root_label[r];
    }

  osp_mesh_get_topology (mesh, &topology);
  g_assert_cmpuint (topology.n_edges, ==, ref.n_edges);
  g_assert_cmpuint (topology.n_boundary_edges, ==, ref.n_boundary_edges);
  g_assert_cmpuint (topology.n_nonmanifold_edges, ==, ref.n_nonmanifold_edges);
  g_assert_cmpuint (topology.n_misoriented_edges, ==, ref.n_misoriented_edges);
  g_assert_cmpuint (topology.n_components, ==, ref.n_components);
  n_components = osp_mesh_label_components (mesh, labels);
  g_assert_cmpuint (n_components, ==, ref.n_components);
  g_assert_cmpmem (labels, nt * sizeof (guint32), ref_labels, nt * sizeof (guint32));
  osp_mesh_report (mesh, &report);
  g_assert_cmpmem (&report.topology, sizeof topology, &topology, sizeof topology);
  g_assert_cmpfloat (report.area, ==, osp_mesh_get_area (mesh));
  g_assert_cmpfloat (report.volume, ==, osp_mesh_get_volume (mesh));
  g_assert_cmpuint (report.n_degenerate, ==, osp_mesh_count_degenerate (mesh));
  g_test_message ("%u triangles: %" G_GUINT64_FORMAT " edges, %" G_GUINT64_FORMAT
                  " non-manifold, %u components", nt, ref.n_edges, ref.n_nonmanifold_edges,
                  ref.n_components);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (solid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/mesh/solid/%s", solid_cases[i].name);

      g_test_add_data_func (path, &solid_cases[i], test_solid);
    }
  g_test_add_func ("/mesh/bounds", test_bounds);
  g_test_add_func ("/mesh/open-tetrahedron", test_open_tetrahedron);
  g_test_add_func ("/mesh/misoriented", test_misoriented);
  g_test_add_func ("/mesh/nonmanifold", test_nonmanifold);
  g_test_add_func ("/mesh/weld", test_weld);
  g_test_add_func ("/mesh/weld-signed-zero-nan", test_weld_signed_zero_and_nan);
  g_test_add_func ("/mesh/degenerate", test_degenerate);
  g_test_add_func ("/mesh/components", test_components);
  g_test_add_func ("/mesh/mirror", test_mirror);
  g_test_add_func ("/mesh/transform", test_transform);
  g_test_add_func ("/mesh/normals", test_normals);
  g_test_add_func ("/mesh/far-from-origin", test_far_from_origin);
  {
    static const guint32 soups[][3] = {
      { 6, 40, 0 }, { 50, 400, 5 }, { 1000, 3000, 20 }, { 30000, 150000, 1 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (soups); i++)
      {
        g_autofree char *path = g_strdup_printf ("/mesh/topology-reference/%u", soups[i][1]);

        g_test_add_data_func (path, soups[i], test_topology_reference);
      }
  }
  return g_test_run ();
}
