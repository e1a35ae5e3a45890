/* osp-boolean.c — mesh Booleans on CGAL's corefinement
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>

#include "osp-boolean.h"
#include "osp-boolean-cgal-private.h"
#include "osp-error.h"

static const char *const op_names[] = { "union", "difference", "intersection" };

gboolean
osp_boolean_op_from_string (const char   *name,
                            OspBooleanOp *out_op)
{
  g_return_val_if_fail (out_op != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (op_names); i++)
    if (g_ascii_strcasecmp (name, op_names[i]) == 0)
      {
        *out_op = (OspBooleanOp) i;
        return TRUE;
      }
  return FALSE;
}

const char *
osp_boolean_op_to_string (OspBooleanOp op)
{
  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (op_names), NULL);
  return op_names[op];
}

static OspCgalMeshView
view_of (const OspMesh *mesh)
{
  OspCgalMeshView view = {
    osp_mesh_get_positions (mesh), osp_mesh_get_n_vertices (mesh),
    osp_mesh_get_indices (mesh), osp_mesh_get_n_triangles (mesh),
  };
  return view;
}

static void
forward_progress (double   fraction,
                  gpointer user_data)
{
  osp_progress_report (user_data, fraction);
}

static gboolean
set_cancelled (GCancellable *cancellable,
               GError      **error)
{
  if (!g_cancellable_set_error_if_cancelled (cancellable, error))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
  return FALSE;
}

gboolean
osp_boolean_check_operand (const OspMesh *mesh,
                           const char    *role,
                           GCancellable  *cancellable,
                           GError       **error)
{
  OspCgalMeshView view;
  OspCgalMonitor monitor = { cancellable, NULL, NULL };
  OspCgalDiagnosis d;

  g_return_val_if_fail (mesh != NULL, FALSE);
  g_return_val_if_fail (role != NULL, FALSE);

  if (osp_mesh_get_n_triangles (mesh) < 4)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s has no volume: it has fewer than four triangles"), role);
      return FALSE;
    }
  view = view_of (mesh);
  if (!osp_cgal_diagnose (&view, &monitor, &d))
    return set_cancelled (cancellable, error);

  if (d.n_nonmanifold > 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s is not manifold: %" PRIu64 " triangle shares an "
                                "edge with two others or repeats a corner",
                                "%s is not manifold: %" PRIu64 " triangles share an "
                                "edge with two others or repeat a corner",
                                d.n_nonmanifold),
                   role, d.n_nonmanifold);
      return FALSE;
    }
  if (d.n_boundary_edges > 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s is open: %" PRIu64 " boundary edge",
                                "%s is open: %" PRIu64 " boundary edges",
                                d.n_boundary_edges),
                   role, d.n_boundary_edges);
      return FALSE;
    }
  if (d.n_degenerate > 0)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%s has %" PRIu64 " triangle of zero area",
                                "%s has %" PRIu64 " triangles of zero area",
                                d.n_degenerate),
                   role, d.n_degenerate);
      return FALSE;
    }
  if (d.self_intersects)
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT,
                   _("%s crosses itself; make it solid first (Make Solid, or the "
                     "“--make-solid” option)"), role);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const OspMesh *mesh;
  const char    *role;
  GCancellable  *cancellable;
  GError        *error;
  gboolean       ok;
} CheckJob;

static gpointer
check_thread (gpointer data)
{
  CheckJob *job = data;

  job->ok = osp_boolean_check_operand (job->mesh, job->role, job->cancellable, &job->error);
  return NULL;
}

/* Checks both operands, the second on a thread of its own (the checks are the costliest part
 * after the corefinement itself). */
static gboolean
check_operands (const OspMesh *a,
                const OspMesh *b,
                GCancellable  *cancellable,
                GError       **error)
{
  CheckJob job_a = { a, _("the first mesh"), cancellable, NULL, FALSE };
  CheckJob job_b = { b, _("the second mesh"), cancellable, NULL, FALSE };
  GThread *thread = g_thread_try_new ("osp-boolean-check", check_thread, &job_b, NULL);

  check_thread (&job_a);
  if (thread != NULL)
    g_thread_join (thread);
  else
    check_thread (&job_b);
  if (!job_a.ok)
    {
      g_propagate_error (error, job_a.error);
      g_clear_error (&job_b.error);
      return FALSE;
    }
  if (!job_b.ok)
    {
      g_propagate_error (error, job_b.error);
      return FALSE;
    }
  return TRUE;
}

OspMesh *
osp_mesh_boolean (const OspMesh          *a,
                  const OspMesh          *b,
                  OspBooleanOp            op,
                  const OspProgressRange *progress,
                  GCancellable           *cancellable,
                  GError                **error)
{
  OspCgalMonitor monitor = { cancellable, forward_progress, (gpointer) progress };
  OspCgalMeshView va, vb;
  float *positions = NULL;
  guint32 *indices = NULL, n_vertices = 0, n_triangles = 0;
  gboolean cancelled = FALSE;
  g_autofree char *reason = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (op_names), NULL);

  if (!check_operands (a, b, cancellable, error))
    return NULL;
  osp_progress_report (progress, 0.15);

  va = view_of (a);
  vb = view_of (b);
  if (!osp_cgal_boolean (&va, &vb, (OspCgalOp) op, &monitor, &positions, &n_vertices,
                         &indices, &n_triangles, &cancelled, &reason))
    {
      if (cancelled)
        return set_cancelled (cancellable, error), NULL;
      switch (op)
        {
        case OSP_BOOLEAN_UNION:
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The union could not be computed: %s"), reason);
          break;
        case OSP_BOOLEAN_DIFFERENCE:
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The difference could not be computed: %s"), reason);
          break;
        case OSP_BOOLEAN_INTERSECTION:
        default:
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("The intersection could not be computed: %s"), reason);
          break;
        }
      return NULL;
    }
  return osp_mesh_new_take (positions, n_vertices, indices, n_triangles);
}

OspMesh *
osp_mesh_make_solid (const OspMesh          *mesh,
                     double                  tolerance,
                     char                  **out_note,
                     const OspProgressRange *progress,
                     GCancellable           *cancellable,
                     GError                **error)
{
  OspCgalMonitor monitor = { cancellable, forward_progress, (gpointer) progress };
  OspCgalMeshView view;
  float *positions = NULL;
  guint32 *indices = NULL, n_vertices = 0, n_triangles = 0;
  gboolean cancelled = FALSE;
  g_autofree char *reason = NULL;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (tolerance > 0.0 && isfinite (tolerance), NULL);

  if (osp_mesh_get_n_triangles (mesh) == 0)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_NO_SURFACE,
                           _("The mesh has no triangles to make a solid of"));
      return NULL;
    }
  view = view_of (mesh);
  /* alpha = 2 × offset keeps concavities about twice the tolerance wide (CGAL's advice for
   * a tight wrap); the offset bounds how far the surface moves. */
  if (!osp_cgal_alpha_wrap (&view, 2.0 * tolerance, tolerance, &monitor, &positions,
                            &n_vertices, &indices, &n_triangles, &cancelled, &reason))
    {
      if (cancelled)
        return set_cancelled (cancellable, error), NULL;
      g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED, _("The mesh could not be made solid: %s"),
                   reason);
      return NULL;
    }
  if (out_note != NULL)
    *out_note = g_strdup_printf (_("Made solid by wrapping: the surface moved outward by at most "
                                   "%.2f mm and gaps or details narrower than %.2f mm were "
                                   "closed (%u triangles before, %u after)."),
                                 tolerance, 2.0 * tolerance, osp_mesh_get_n_triangles (mesh),
                                 n_triangles);
  return osp_mesh_new_take (positions, n_vertices, indices, n_triangles);
}
