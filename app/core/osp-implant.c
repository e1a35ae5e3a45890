/* osp-implant.c — parametric implants: screws, plates, cups, blocks, custom files
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-bvh.h"
#include "osp-cut.h"
#include "osp-error.h"
#include "osp-implant.h"
#include "osp-json.h"
#include "osp-memory.h"
#include "osp-mesh-io.h"
#include "osp-plan-private.h"
#include "osp-segment.h"
#include "osp-triangulate.h"
#include "osp-volume.h"

#define PARAMS_KEY "osp-implant-params"

/* -- Parameters ----------------------------------------------------------------------------- */

void
osp_implant_params_init (OspImplantParams *params,
                         OspImplantKind    kind)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->kind = kind;
  switch (kind)
    {
    case OSP_IMPLANT_SCREW:
      params->diameter = 6.5;
      params->length = 80;
      params->head_diameter = 10;
      params->head_height = 4;
      params->thread_pitch = 2.75;
      params->cancellous = TRUE;
      break;
    case OSP_IMPLANT_PLATE:
      params->width = 12;
      params->thickness = 3;
      params->n_holes = 4;
      params->hole_diameter = 5;
      params->spacing = 16;
      params->length = 40;
      break;
    case OSP_IMPLANT_CUP:
      params->diameter = 54;
      params->wall = 4;
      params->flange_thickness = 3;
      break;
    case OSP_IMPLANT_BLOCK:
      params->offset = 0;
      params->thickness = 0;
      params->voxel = 0.5;
      break;
    case OSP_IMPLANT_CUSTOM:
      break;
    }
}

void
osp_implant_params_clear (OspImplantParams *params)
{
  if (params == NULL)
    return;
  g_clear_pointer (&params->points, g_free);
  g_clear_pointer (&params->normals, g_free);
  g_clear_pointer (&params->template_name, g_free);
  g_clear_pointer (&params->path, g_free);
  params->n_points = 0;
}

OspImplantParams *
osp_implant_params_copy (const OspImplantParams *params)
{
  OspImplantParams *copy;

  g_return_val_if_fail (params != NULL, NULL);

  copy = g_memdup2 (params, sizeof *params);
  copy->points = params->points != NULL ?
    g_memdup2 (params->points, sizeof (float) * 3 * params->n_points) : NULL;
  copy->normals = params->normals != NULL ?
    g_memdup2 (params->normals, sizeof (float) * 3 * params->n_points) : NULL;
  copy->template_name = g_strdup (params->template_name);
  copy->path = g_strdup (params->path);
  return copy;
}

void
osp_implant_params_free (OspImplantParams *params)
{
  if (params == NULL)
    return;
  osp_implant_params_clear (params);
  g_free (params);
}

static const char *const kind_names[] = { "screw", "plate", "cup", "block", "custom" };

const char *
osp_implant_kind_to_string (OspImplantKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

gboolean
osp_implant_kind_from_string (const char     *text,
                              OspImplantKind *out_kind)
{
  g_return_val_if_fail (out_kind != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (strcmp (text, kind_names[i]) == 0)
      {
        *out_kind = (OspImplantKind) i;
        return TRUE;
      }
  return FALSE;
}

char *
osp_implant_params_describe (const OspImplantParams *params)
{
  g_return_val_if_fail (params != NULL, NULL);

  switch (params->kind)
    {
    case OSP_IMPLANT_SCREW:
      return g_strdup_printf (params->cancellous ? _("Cancellous screw %.1f × %.0f mm") :
                              _("Cortical screw %.1f × %.0f mm"),
                              params->diameter, params->length);
    case OSP_IMPLANT_PLATE:
      {
        guint holes;
        double length = osp_implant_plate_length (params, &holes);

        return g_strdup_printf (params->n_points >= 2
                                ? g_dngettext (GETTEXT_PACKAGE, "Contoured plate %.0f mm, %u hole",
                                               "Contoured plate %.0f mm, %u holes", holes)
                                : g_dngettext (GETTEXT_PACKAGE, "Straight plate %.0f mm, %u hole",
                                               "Straight plate %.0f mm, %u holes", holes),
                                length, holes);
      }
    case OSP_IMPLANT_CUP:
      return g_strdup_printf (_("Acetabular cup %.0f mm"), params->diameter);
    case OSP_IMPLANT_BLOCK:
      return g_strdup_printf (_("Block from “%s”"),
                              params->template_name != NULL ? params->template_name : "?");
    case OSP_IMPLANT_CUSTOM:
    default:
      return g_strdup_printf (_("Custom implant “%s”"),
                              params->path != NULL ? params->path : "?");
    }
}

gboolean
osp_implant_params_validate (const OspImplantParams *params,
                             GError                **error)
{
  const char *problem = NULL;

  g_return_val_if_fail (params != NULL, FALSE);

  switch (params->kind)
    {
    case OSP_IMPLANT_SCREW:
      if (!(params->diameter > 0 && params->diameter <= 50))
        problem = _("screw: the diameter must be above 0 and at most 50 mm");
      else if (!(params->length > 0 && params->length <= 500))
        problem = _("screw: the length must be above 0 and at most 500 mm");
      else if (!(params->head_height >= 0 && params->head_height <= 50))
        problem = _("screw: the head height must be between 0 and 50 mm");
      else if (params->head_height > 0 &&
               !(params->head_diameter > params->diameter && params->head_diameter <= 100))
        problem = _("screw: the head must be wider than the thread (and at most 100 mm)");
      else if (!(params->thread_pitch >= 0 && params->thread_pitch <= params->length))
        problem = _("screw: the thread pitch must be between 0 and the length");
      else if (params->thread_pitch > 0 && params->length / params->thread_pitch > 2000)
        problem = _("screw: the thread pitch is too fine for the length");
      else if (!(params->core_diameter >= 0 && params->core_diameter < params->diameter))
        problem = _("screw: the core must be narrower than the thread");
      break;
    case OSP_IMPLANT_PLATE:
      if (!(params->width > 0 && params->width <= 200))
        problem = _("plate: the width must be above 0 and at most 200 mm");
      else if (!(params->thickness > 0 && params->thickness <= 50))
        problem = _("plate: the thickness must be above 0 and at most 50 mm");
      else if (params->n_holes > 100)
        problem = _("plate: at most 100 holes");
      else if (params->n_holes > 0 &&
               !(params->hole_diameter > 0 && params->hole_diameter < params->width * 0.9 &&
                 params->hole_diameter < params->spacing * 0.9))
        problem = _("plate: the holes must be narrower than the plate and their spacing");
      else if (params->n_holes > 0 && !(params->spacing <= 500))
        problem = _("plate: the spacing must be at most 500 mm");
      else if (params->n_holes == 0 && !(params->length > 0 && params->length <= 1000))
        problem = _("plate: without holes the length must be above 0 and at most 1000 mm");
      else if (params->n_points == 1)
        problem = _("plate: a contour needs at least two points");
      break;
    case OSP_IMPLANT_CUP:
      if (!(params->diameter > 0 && params->diameter <= 200))
        problem = _("cup: the diameter must be above 0 and at most 200 mm");
      else if (!(params->wall > 0 && params->wall < params->diameter / 2))
        problem = _("cup: the wall must be above 0 and thinner than the radius");
      else if (params->flange_diameter > 0 &&
               !(params->flange_diameter > params->diameter && params->flange_diameter <= 300 &&
                 params->flange_thickness > 0 && params->flange_thickness <= 50))
        problem = _("cup: the flange must be wider than the cup and have a thickness");
      break;
    case OSP_IMPLANT_BLOCK:
      if (params->n_planes > G_N_ELEMENTS (params->planes))
        problem = _("block: at most 8 resection planes");
      else if (!(fabs (params->offset) <= 50))
        problem = _("block: the offset must be within ±50 mm");
      else if (!(params->thickness >= 0 && params->thickness <= 100))
        problem = _("block: the thickness must be between 0 and 100 mm");
      else if (!(params->voxel >= 0.05 && params->voxel <= 10))
        problem = _("block: the voxel size must be between 0.05 and 10 mm");
      break;
    case OSP_IMPLANT_CUSTOM:
      if (params->path == NULL || params->path[0] == '\0')
        problem = _("custom implant: no file given");
      break;
    default:
      problem = _("unknown implant kind");
    }
  if (problem != NULL)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED, problem);
      return FALSE;
    }
  return TRUE;
}

/* -- JSON ----------------------------------------------------------------------------------- */

static JsonArray *
floats_array (const float *values,
              guint        n)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

JsonObject *
osp_implant_params_to_json (const OspImplantParams *params)
{
  JsonObject *o;

  g_return_val_if_fail (params != NULL, NULL);

  o = json_object_new ();
  json_object_set_string_member (o, "kind", osp_implant_kind_to_string (params->kind));
  switch (params->kind)
    {
    case OSP_IMPLANT_SCREW:
      json_object_set_double_member (o, "diameter", params->diameter);
      json_object_set_double_member (o, "length", params->length);
      json_object_set_double_member (o, "head_diameter", params->head_diameter);
      json_object_set_double_member (o, "head_height", params->head_height);
      json_object_set_double_member (o, "thread_pitch", params->thread_pitch);
      json_object_set_double_member (o, "core_diameter", params->core_diameter);
      json_object_set_boolean_member (o, "cancellous", params->cancellous);
      break;
    case OSP_IMPLANT_PLATE:
      json_object_set_double_member (o, "width", params->width);
      json_object_set_double_member (o, "thickness", params->thickness);
      json_object_set_int_member (o, "holes", params->n_holes);
      json_object_set_double_member (o, "hole_diameter", params->hole_diameter);
      json_object_set_double_member (o, "spacing", params->spacing);
      json_object_set_double_member (o, "length", params->length);
      if (params->n_points > 0 && params->points != NULL)
        json_object_set_array_member (o, "points",
                                      floats_array (params->points, 3 * params->n_points));
      if (params->n_points > 0 && params->normals != NULL)
        json_object_set_array_member (o, "normals",
                                      floats_array (params->normals, 3 * params->n_points));
      break;
    case OSP_IMPLANT_CUP:
      json_object_set_double_member (o, "diameter", params->diameter);
      json_object_set_double_member (o, "wall", params->wall);
      json_object_set_double_member (o, "flange_diameter", params->flange_diameter);
      json_object_set_double_member (o, "flange_thickness", params->flange_thickness);
      break;
    case OSP_IMPLANT_BLOCK:
      {
        JsonArray *planes = json_array_new ();

        if (params->template_name != NULL)
          json_object_set_string_member (o, "template", params->template_name);
        for (guint i = 0; i < params->n_planes; i++)
          {
            float v[4] = { params->planes[i].normal[0], params->planes[i].normal[1],
                           params->planes[i].normal[2], params->planes[i].d };

            json_array_add_array_element (planes, floats_array (v, 4));
          }
        json_object_set_array_member (o, "planes", planes);
        json_object_set_double_member (o, "offset", params->offset);
        json_object_set_double_member (o, "thickness", params->thickness);
        json_object_set_double_member (o, "voxel", params->voxel);
      }
      break;
    case OSP_IMPLANT_CUSTOM:
      if (params->path != NULL)
        json_object_set_string_member (o, "path", params->path);
      break;
    }
  return o;
}

static gboolean
get_double (JsonObject  *o,
            const char  *key,
            double      *out,
            const char  *where,
            GError     **error)
{
  JsonNode *node;

  if (!osp_json_get_member (o, key, G_TYPE_DOUBLE, FALSE, &node, where, error))
    return FALSE;
  if (node != NULL)
    {
      double v = json_node_get_double (node);

      if (!isfinite (v))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” is not a finite number"),
                       where, key);
          return FALSE;
        }
      *out = v;
    }
  return TRUE;
}

static gboolean
get_points (JsonObject  *o,
            const char  *key,
            float      **out,
            guint       *inout_n,
            const char  *where,
            GError     **error)
{
  JsonNode *node;
  guint n;

  if (!osp_json_get_member (o, key, JSON_TYPE_ARRAY, FALSE, &node, where, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  n = json_array_get_length (json_node_get_array (node));
  if (n % 3 != 0 || n == 0 || n > 3 * 10000 || (*inout_n != 0 && n != 3 * *inout_n))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: “%s” has a bad length"), where,
                   key);
      return FALSE;
    }
  *out = g_new (float, n);
  if (!osp_json_get_floats (node, *out, n, where, key, error))
    {
      g_clear_pointer (out, g_free);
      return FALSE;
    }
  *inout_n = n / 3;
  return TRUE;
}

OspImplantParams *
osp_implant_params_from_json (JsonObject  *object,
                              const char  *where,
                              GError     **error)
{
  g_autoptr(OspImplantParams) p = g_new0 (OspImplantParams, 1);
  JsonNode *node;
  OspImplantKind kind;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (where != NULL, NULL);

  if (!osp_json_get_member (object, "kind", G_TYPE_STRING, TRUE, &node, where, error))
    return NULL;
  if (!osp_implant_kind_from_string (json_node_get_string (node), &kind))
    {
      g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: unknown implant kind “%s”"),
                   where, json_node_get_string (node));
      return NULL;
    }
  osp_implant_params_init (p, kind);

  switch (kind)
    {
    case OSP_IMPLANT_SCREW:
      if (!get_double (object, "diameter", &p->diameter, where, error) ||
          !get_double (object, "length", &p->length, where, error) ||
          !get_double (object, "head_diameter", &p->head_diameter, where, error) ||
          !get_double (object, "head_height", &p->head_height, where, error) ||
          !get_double (object, "thread_pitch", &p->thread_pitch, where, error) ||
          !get_double (object, "core_diameter", &p->core_diameter, where, error) ||
          !osp_json_get_member (object, "cancellous", G_TYPE_BOOLEAN, FALSE, &node, where,
                                error))
        return NULL;
      if (node != NULL)
        p->cancellous = json_node_get_boolean (node);
      break;
    case OSP_IMPLANT_PLATE:
      {
        double holes = p->n_holes;

        if (!get_double (object, "width", &p->width, where, error) ||
            !get_double (object, "thickness", &p->thickness, where, error) ||
            !get_double (object, "holes", &holes, where, error) ||
            !get_double (object, "hole_diameter", &p->hole_diameter, where, error) ||
            !get_double (object, "spacing", &p->spacing, where, error) ||
            !get_double (object, "length", &p->length, where, error) ||
            !get_points (object, "points", &p->points, &p->n_points, where, error) ||
            !get_points (object, "normals", &p->normals, &p->n_points, where, error))
          return NULL;
        if (!(holes >= 0 && holes <= 100))
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: bad hole count"), where);
            return NULL;
          }
        p->n_holes = (guint) holes;
        if (p->normals != NULL && p->points == NULL)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: normals without points"),
                         where);
            return NULL;
          }
      }
      break;
    case OSP_IMPLANT_CUP:
      if (!get_double (object, "diameter", &p->diameter, where, error) ||
          !get_double (object, "wall", &p->wall, where, error) ||
          !get_double (object, "flange_diameter", &p->flange_diameter, where, error) ||
          !get_double (object, "flange_thickness", &p->flange_thickness, where, error))
        return NULL;
      break;
    case OSP_IMPLANT_BLOCK:
      if (!osp_json_get_member (object, "template", G_TYPE_STRING, FALSE, &node, where, error))
        return NULL;
      if (node != NULL)
        p->template_name = g_strdup (json_node_get_string (node));
      if (!get_double (object, "offset", &p->offset, where, error) ||
          !get_double (object, "thickness", &p->thickness, where, error) ||
          !get_double (object, "voxel", &p->voxel, where, error) ||
          !osp_json_get_member (object, "planes", JSON_TYPE_ARRAY, FALSE, &node, where, error))
        return NULL;
      if (node != NULL)
        {
          JsonArray *planes = json_node_get_array (node);

          if (json_array_get_length (planes) > G_N_ELEMENTS (p->planes))
            {
              g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: too many planes"), where);
              return NULL;
            }
          for (guint i = 0; i < json_array_get_length (planes); i++)
            {
              float v[4];

              if (!osp_json_get_floats (json_array_get_element (planes, i), v, 4, where,
                                        "planes", error))
                return NULL;
              p->planes[i] = (OspPlane) { { v[0], v[1], v[2] }, v[3] };
              if (!osp_plan_normalize_plane (&p->planes[i], &p->planes[i]))
                {
                  g_set_error (error, OSP_ERROR, OSP_ERROR_CORRUPT, _("%s: a plane has no normal"),
                               where);
                  return NULL;
                }
            }
          p->n_planes = json_array_get_length (planes);
        }
      break;
    case OSP_IMPLANT_CUSTOM:
      if (!osp_json_get_member (object, "path", G_TYPE_STRING, FALSE, &node, where, error))
        return NULL;
      if (node != NULL)
        p->path = g_strdup (json_node_get_string (node));
      break;
    }

  if (kind != OSP_IMPLANT_CUSTOM && kind != OSP_IMPLANT_BLOCK &&
      !osp_implant_params_validate (p, error))
    {
      g_prefix_error (error, "%s: ", where);
      return NULL;
    }
  return g_steal_pointer (&p);
}

/* -- Solids of revolution ------------------------------------------------------------------- */

double
osp_profile_revolved_volume (const double *profile,
                             guint         n_profile)
{
  double sum = 0;

  g_return_val_if_fail (profile != NULL || n_profile == 0, 0);

  /* ∮ π r² dz over the closed profile (the axis closes it with r = 0), frustum by frustum. */
  for (guint i = 0; i + 1 < n_profile; i++)
    {
      double r0 = profile[2 * i], z0 = profile[2 * i + 1];
      double r1 = profile[2 * i + 2], z1 = profile[2 * i + 3];

      sum += (z1 - z0) * (r0 * r0 + r0 * r1 + r1 * r1);
    }
  return fabs (G_PI / 3 * sum);
}

static OspMesh *
fix_orientation (OspMesh *mesh)
{
  if (osp_mesh_get_volume (mesh) < 0)
    {
      OspMesh *flipped = osp_mesh_flip (mesh);

      osp_mesh_unref (mesh);
      return flipped;
    }
  return mesh;
}

OspMesh *
osp_mesh_revolve (const double *profile,
                  guint         n_profile,
                  guint         n_segments)
{
  guint n_rings, n_vertices, n_triangles, t = 0;
  float *positions;
  guint32 *indices;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (n_profile >= 3, NULL);
  g_return_val_if_fail (n_segments >= 3, NULL);
  g_return_val_if_fail (profile[0] == 0 && profile[2 * (n_profile - 1)] == 0, NULL);

  n_rings = n_profile - 2;
  n_vertices = 2 + n_rings * n_segments;
  n_triangles = 2 * n_segments + 2 * (n_rings - 1) * n_segments;
  positions = g_new (float, 3 * (gsize) n_vertices);
  indices = g_new (guint32, 3 * (gsize) n_triangles);

  positions[0] = positions[1] = 0;
  positions[2] = (float) profile[1];
  for (guint i = 0; i < n_rings; i++)
    {
      double r = profile[2 * (i + 1)], z = profile[2 * (i + 1) + 1];

      for (guint j = 0; j < n_segments; j++)
        {
          double a = 2 * G_PI * j / n_segments;
          float *p = positions + 3 * (1 + (gsize) i * n_segments + j);

          p[0] = (float) (r * cos (a));
          p[1] = (float) (r * sin (a));
          p[2] = (float) z;
        }
    }
  positions[3 * (n_vertices - 1)] = positions[3 * (n_vertices - 1) + 1] = 0;
  positions[3 * (n_vertices - 1) + 2] = (float) profile[2 * (n_profile - 1) + 1];

#define RING(i, j) ((guint32) (1 + (i) * n_segments + ((j) % n_segments)))
  for (guint j = 0; j < n_segments; j++)
    {
      indices[t++] = 0;
      indices[t++] = RING (0, j + 1);
      indices[t++] = RING (0, j);
    }
  for (guint i = 0; i + 1 < n_rings; i++)
    for (guint j = 0; j < n_segments; j++)
      {
        guint32 a = RING (i, j), b = RING (i, j + 1), c = RING (i + 1, j + 1), d = RING (i + 1, j);

        indices[t++] = a; indices[t++] = b; indices[t++] = c;
        indices[t++] = a; indices[t++] = c; indices[t++] = d;
      }
  for (guint j = 0; j < n_segments; j++)
    {
      indices[t++] = RING (n_rings - 1, j);
      indices[t++] = RING (n_rings - 1, j + 1);
      indices[t++] = n_vertices - 1;
    }
#undef RING
  g_assert (t == 3 * n_triangles);

  return fix_orientation (osp_mesh_new_take (positions, n_vertices, indices, n_triangles));
}

static void
profile_add (GArray *profile,
             double  r,
             double  z)
{
  /* Skips repeated points, which would make degenerate faces. */
  if (profile->len >= 2)
    {
      double *last = &g_array_index (profile, double, profile->len - 2);

      if (fabs (last[0] - r) < 1e-9 && fabs (last[1] - z) < 1e-9)
        return;
    }
  g_array_append_val (profile, r);
  g_array_append_val (profile, z);
}

static OspMesh *
make_screw (const OspImplantParams *p)
{
  g_autoptr(GArray) profile = g_array_new (FALSE, FALSE, sizeof (double));
  double R = p->diameter / 2;
  double rc = (p->core_diameter > 0 ? p->core_diameter :
               (p->cancellous ? 0.46 : 0.7) * p->diameter) / 2;
  double tip = MIN (p->diameter, p->length / 4);
  double thread_end = p->length - tip;

  if (p->head_height > 0)
    {
      profile_add (profile, 0, -p->head_height);
      profile_add (profile, p->head_diameter / 2, -p->head_height);
      profile_add (profile, p->head_diameter / 2, 0);
    }
  else
    profile_add (profile, 0, 0);

  if (p->thread_pitch > 0 && thread_end >= p->thread_pitch)
    {
      guint k = (guint) floor (thread_end / p->thread_pitch + 1e-9);

      /* Ring ridges: a triangle profile from the core to the thread diameter, pitch by pitch. */
      for (guint i = 0; i < k; i++)
        {
          profile_add (profile, rc, i * p->thread_pitch);
          profile_add (profile, R, (i + 0.5) * p->thread_pitch);
          profile_add (profile, rc, (i + 1) * p->thread_pitch);
        }
      profile_add (profile, rc, thread_end);
    }
  else
    {
      /* A smooth shaft of the thread diameter. */
      profile_add (profile, R, 0);
      profile_add (profile, R, thread_end);
      rc = R;
    }
  profile_add (profile, 0, p->length);

  return osp_mesh_revolve ((const double *) profile->data, profile->len / 2,
                           OSP_IMPLANT_SEGMENTS);
}

static OspMesh *
make_cup (const OspImplantParams *p)
{
  g_autoptr(GArray) profile = g_array_new (FALSE, FALSE, sizeof (double));
  guint quarter = OSP_IMPLANT_SEGMENTS / 4;
  double R = p->diameter / 2, Ri = R - p->wall;

  for (guint i = 0; i <= quarter; i++)
    {
      double a = -G_PI / 2 + G_PI / 2 * i / quarter;

      profile_add (profile, i == quarter ? R : (i == 0 ? 0 : R * cos (a)),
                   i == quarter ? 0 : R * sin (a));
    }
  if (p->flange_diameter > p->diameter)
    {
      profile_add (profile, p->flange_diameter / 2, 0);
      profile_add (profile, p->flange_diameter / 2, p->flange_thickness);
      profile_add (profile, Ri, p->flange_thickness);
    }
  for (guint i = 0; i <= quarter; i++)
    {
      double a = -G_PI / 2 * i / quarter;

      profile_add (profile, i == quarter ? 0 : (i == 0 ? Ri : Ri * cos (a)),
                   i == 0 ? 0 : Ri * sin (a));
    }
  return osp_mesh_revolve ((const double *) profile->data, profile->len / 2,
                           OSP_IMPLANT_SEGMENTS);
}

/* -- Plates --------------------------------------------------------------------------------- */

/* Extrudes a welded, upward top face (z = thickness) down to z = 0: bottom face reversed, a
 * wall along every boundary edge. */
static OspMesh *
extrude_top (const OspMesh *top)
{
  guint32 nv = osp_mesh_get_n_vertices (top), nt = osp_mesh_get_n_triangles (top);
  const float *tp = osp_mesh_get_positions (top);
  const guint32 *ti = osp_mesh_get_indices (top);
  g_autoptr(GHashTable) edges = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) keys = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 3 * nt);
  g_autoptr(GArray) idx = g_array_new (FALSE, FALSE, sizeof (guint32));
  float *positions = g_new (float, 6 * (gsize) nv);

  memcpy (positions, tp, sizeof (float) * 3 * nv);
  for (guint32 v = 0; v < nv; v++)
    {
      positions[3 * (nv + v)] = tp[3 * v];
      positions[3 * (nv + v) + 1] = tp[3 * v + 1];
      positions[3 * (nv + v) + 2] = 0;
    }
  for (guint32 t = 0; t < 3 * nt; t++)
    {
      guint32 a = ti[t], b = ti[t - t % 3 + (t + 1) % 3];
      gint64 key = ((gint64) a << 32) | b;

      g_array_append_val (keys, key);
    }
  for (guint i = 0; i < keys->len; i++)
    g_hash_table_add (edges, &g_array_index (keys, gint64, i));

  for (guint32 t = 0; t < nt; t++)
    {
      guint32 top_tri[3] = { ti[3 * t], ti[3 * t + 1], ti[3 * t + 2] };
      guint32 bottom[3] = { nv + ti[3 * t], nv + ti[3 * t + 2], nv + ti[3 * t + 1] };

      g_array_append_vals (idx, top_tri, 3);
      g_array_append_vals (idx, bottom, 3);
    }
  for (guint i = 0; i < keys->len; i++)
    {
      gint64 key = g_array_index (keys, gint64, i);
      guint32 a = (guint32) (key >> 32), b = (guint32) (key & 0xffffffff);
      gint64 reverse = ((gint64) b << 32) | a;

      if (!g_hash_table_contains (edges, &reverse))
        {
          guint32 wall[6] = { nv + a, nv + b, b, nv + a, b, a };

          g_array_append_vals (idx, wall, 6);
        }
    }
  {
    guint32 n_triangles = idx->len / 3;

    return fix_orientation (osp_mesh_new_take (positions, 2 * nv,
                                               (guint32 *) g_array_free (g_steal_pointer (&idx),
                                                                         FALSE),
                                               n_triangles));
  }
}

/* Edges of a plate are at most this long along it (mm), so that bending it along a path
 * moves no long chord through the bone or through the plate itself. */
#define PLATE_STEP 1.0

/* The arc length of a plate's path (0 without one). */
static double
path_length (const OspImplantParams *p)
{
  double total = 0;

  for (guint i = 1; p->points != NULL && i < p->n_points; i++)
    {
      double d2 = 0;

      for (int k = 0; k < 3; k++)
        d2 += pow (p->points[3 * i + k] - p->points[3 * (i - 1) + k], 2);
      total += sqrt (d2);
    }
  return total;
}

/* The cells of a plate along x from x = width / 2 (after the left end): boundaries in
 * cell_x (n + 1), whether each has a hole; the whole plate's length in *out_length. */
static guint
plate_layout (const OspImplantParams *p,
              GArray                 *cell_x,
              GArray                 *holes,
              double                 *out_length)
{
  double r = p->width / 2, straight, x;
  guint n_hole_cells = 0;
  gboolean contoured = p->n_points >= 2 && p->points != NULL;

  if (contoured)
    straight = MAX (0.0, path_length (p) - p->width);
  else if (p->n_holes > 0)
    straight = p->n_holes * p->spacing;
  else
    straight = p->length;

  if (p->n_holes > 0)
    {
      if (contoured)
        {
          /* As many holes at the spacing as the path holds (one at least, when it fits). */
          n_hole_cells = (guint) floor (straight / p->spacing + 1e-9);
          if (n_hole_cells == 0 && straight > p->hole_diameter / 0.9)
            n_hole_cells = 1;
        }
      else
        n_hole_cells = p->n_holes;
    }

  g_array_set_size (cell_x, 0);
  g_array_set_size (holes, 0);
  x = r;
  g_array_append_val (cell_x, x);
  {
    double hole_cell = n_hole_cells == 1 && straight < p->spacing ? straight : p->spacing;
    double filler = (straight - n_hole_cells * hole_cell) / 2;
    double pieces[3] = { filler, n_hole_cells * hole_cell, filler };

    for (guint part = 0; part < 3; part++)
      {
        if (part == 1)
          for (guint c = 0; c < n_hole_cells; c++)
            {
              gboolean yes = TRUE;

              x = r + filler + (c + 1) * hole_cell;
              g_array_append_val (cell_x, x);
              g_array_append_val (holes, yes);
            }
        else if (pieces[part] > 1e-6)
          {
            guint n = (guint) ceil (pieces[part] / PLATE_STEP);
            double x0 = part == 0 ? r : r + filler + n_hole_cells * hole_cell;

            for (guint c = 1; c <= n; c++)
              {
                gboolean no = FALSE;

                x = c == n ? x0 + pieces[part] : x0 + pieces[part] * c / n;
                g_array_append_val (cell_x, x);
                g_array_append_val (holes, no);
              }
          }
      }
  }
  if (out_length != NULL)
    *out_length = 2 * r + straight;
  return holes->len;
}

double
osp_implant_plate_length (const OspImplantParams *params,
                          guint                  *out_n_holes)
{
  g_autoptr(GArray) cell_x = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) holes = g_array_new (FALSE, FALSE, sizeof (gboolean));
  double length = 0;
  guint n = 0;

  g_return_val_if_fail (params != NULL && params->kind == OSP_IMPLANT_PLATE, 0);

  plate_layout (params, cell_x, holes, &length);
  for (guint i = 0; i < holes->len; i++)
    n += g_array_index (holes, gboolean, i);
  if (out_n_holes != NULL)
    *out_n_holes = n;
  return length;
}

static double
y_station (guint  j,
           guint  ny,
           double r)
{
  return j == 0 ? -r : (j == ny ? r : -r + 2 * r * j / ny);
}

/* Fills the region between an outline (M points, counter-clockwise about `center`) and an
 * inner ring (M points at the same angles, or NULL: the centre) with rings of quads, so that
 * no edge is much longer than PLATE_STEP: the top face stays on the bent plate. */
static void
fill_rings (GArray       *soup,
            const double *outline,
            guint         M,
            const double *inner,
            const double  center[2],
            double        T)
{
  double far = 0;
  guint K;

  for (guint i = 0; i < M; i++)
    {
      double ix = inner != NULL ? inner[2 * i] : center[0];
      double iy = inner != NULL ? inner[2 * i + 1] : center[1];

      far = MAX (far, hypot (outline[2 * i] - ix, outline[2 * i + 1] - iy));
    }
  K = MAX (1, (guint) ceil (far / PLATE_STEP));
#define RING(k, i, c) (inner != NULL || (k) > 0                                             \
                       ? ((inner != NULL ? inner[2 * ((i) % M) + (c)] : center[c]) +         \
                          ((k) == K ? 1.0 : (double) (k) / K) *                              \
                          (outline[2 * ((i) % M) + (c)] -                                    \
                           (inner != NULL ? inner[2 * ((i) % M) + (c)] : center[c])))        \
                       : center[c])
  for (guint k = 0; k < K; k++)
    for (guint i = 0; i < M; i++)
      {
        double a[2] = { RING (k, i, 0), RING (k, i, 1) };
        double b[2] = { RING (k + 1, i, 0), RING (k + 1, i, 1) };
        double c[2] = { RING (k + 1, i + 1, 0), RING (k + 1, i + 1, 1) };
        double d[2] = { RING (k, i + 1, 0), RING (k, i + 1, 1) };

        /* Outer corners exactly as given, so neighbours weld. */
        if (k + 1 == K)
          {
            b[0] = outline[2 * i];
            b[1] = outline[2 * i + 1];
            c[0] = outline[2 * ((i + 1) % M)];
            c[1] = outline[2 * ((i + 1) % M) + 1];
          }
        {
          float t1[9] = { a[0], a[1], T, b[0], b[1], T, c[0], c[1], T };

          g_array_append_vals (soup, t1, 9);
        }
        if (!(inner == NULL && k == 0))
          {
            float t2[9] = { a[0], a[1], T, c[0], c[1], T, d[0], d[1], T };

            g_array_append_vals (soup, t2, 9);
          }
      }
#undef RING
}

static OspMesh *
make_straight_plate (const OspImplantParams *p)
{
  g_autoptr(GArray) soup = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) xy = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ring = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cell_x = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) holes = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(OspMesh) top = NULL;
  double r = p->width / 2, T = p->thickness, length;
  guint half = OSP_IMPLANT_SEGMENTS / 2;
  guint ny = MAX (2, (guint) ceil (p->width / PLATE_STEP));
  guint n_cells = plate_layout (p, cell_x, holes, &length);
  double x_end = g_array_index (cell_x, double, n_cells);

  /* Left end: a half disc, counter-clockwise from (r, r) round to (r, −r), then up its
   * straight side through the stations its neighbour shares; filled about a point inside. */
  for (guint i = 0; i <= half; i++)
    {
      double a = G_PI / 2 + G_PI * i / half;
      double v[2] = { i == 0 || i == half ? r : r + r * cos (a),
                      i == 0 ? r : (i == half ? -r : r * sin (a)) };

      g_array_append_vals (xy, v, 2);
    }
  for (guint j = 1; j < ny; j++)
    {
      double v[2] = { r, y_station (j, ny, r) };

      g_array_append_vals (xy, v, 2);
    }
  fill_rings (soup, (const double *) xy->data, xy->len / 2, NULL, (double[2]) { 0.6 * r, 0 },
              T);

  for (guint c = 0; c < n_cells; c++)
    {
      double x0 = g_array_index (cell_x, double, c), x1 = g_array_index (cell_x, double, c + 1);

      if (!g_array_index (holes, gboolean, c))
        {
          /* A strip of quads across the plate. */
          for (guint j = 0; j < ny; j++)
            {
              double y0 = y_station (j, ny, r), y1 = y_station (j + 1, ny, r);
              float quad[18] = { x0, y0, T, x1, y0, T, x1, y1, T,
                                 x0, y0, T, x1, y1, T, x0, y1, T };

              g_array_append_vals (soup, quad, 18);
            }
        }
      else
        {
          /* The cell's outline through its stations, the hole's rim at the same angles,
           * rings between. */
          guint nx = MAX (1, (guint) ceil ((x1 - x0) / PLATE_STEP));
          double cx = (x0 + x1) / 2, hr = p->hole_diameter / 2;

          g_array_set_size (xy, 0);
          for (guint i = 0; i < nx; i++)
            {
              double v[2] = { i == 0 ? x0 : x0 + (x1 - x0) * i / nx, -r };

              g_array_append_vals (xy, v, 2);
            }
          for (guint j = 0; j < ny; j++)
            {
              double v[2] = { x1, y_station (j, ny, r) };

              g_array_append_vals (xy, v, 2);
            }
          for (guint i = nx; i > 0; i--)
            {
              double v[2] = { i == nx ? x1 : x0 + (x1 - x0) * i / nx, r };

              g_array_append_vals (xy, v, 2);
            }
          for (guint j = ny; j > 0; j--)
            {
              double v[2] = { x0, y_station (j, ny, r) };

              g_array_append_vals (xy, v, 2);
            }
          g_array_set_size (ring, 0);
          for (guint i = 0; i < xy->len / 2; i++)
            {
              const double *o = &g_array_index (xy, double, 2 * i);
              double a = atan2 (o[1], o[0] - cx);
              double v[2] = { cx + hr * cos (a), hr * sin (a) };

              g_array_append_vals (ring, v, 2);
            }
          fill_rings (soup, (const double *) xy->data, xy->len / 2,
                      (const double *) ring->data, (double[2]) { cx, 0 }, T);
        }
    }

  /* Right end: from (x_end, −r) round to (x_end, r), then down its straight side. */
  g_array_set_size (xy, 0);
  for (guint i = 0; i <= half; i++)
    {
      double a = -G_PI / 2 + G_PI * i / half;
      double v[2] = { i == 0 || i == half ? x_end : x_end + r * cos (a),
                      i == 0 ? -r : (i == half ? r : r * sin (a)) };

      g_array_append_vals (xy, v, 2);
    }
  for (guint j = ny - 1; j > 0; j--)
    {
      double v[2] = { x_end, y_station (j, ny, r) };

      g_array_append_vals (xy, v, 2);
    }
  fill_rings (soup, (const double *) xy->data, xy->len / 2, NULL,
              (double[2]) { x_end + 0.4 * r, 0 }, T);

  top = osp_mesh_weld_soup ((const float *) soup->data, soup->len / 9);
  return extrude_top (top);
}

static void
lerp3 (const float *a,
       const float *b,
       double       t,
       double      *out)
{
  for (int k = 0; k < 3; k++)
    out[k] = a[k] + t * (b[k] - a[k]);
}

static void
normalize3 (double *v)
{
  double len = sqrt (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

  if (len > 0)
    for (int k = 0; k < 3; k++)
      v[k] /= len;
}

/* Bends a straight plate (x along it) along the polyline: x is arc length, y across, z along
 * the (interpolated) bone normal.  Topology is untouched, so the plate stays closed. */
static OspMesh *
bend_plate (const OspMesh          *straight,
            const OspImplantParams *p,
            GError                **error)
{
  guint n = p->n_points;
  g_autofree double *cum = g_new0 (double, n);
  g_autofree double *tangents = g_new0 (double, 3 * n);
  g_autofree double *normals = g_new0 (double, 3 * n);
  guint32 nv = osp_mesh_get_n_vertices (straight);
  const float *src = osp_mesh_get_positions (straight);
  float *dst;
  g_autoptr(OspMesh) bent = NULL;

  for (guint i = 1; i < n; i++)
    {
      double d[3];

      for (int k = 0; k < 3; k++)
        d[k] = p->points[3 * i + k] - p->points[3 * (i - 1) + k];
      cum[i] = cum[i - 1] + sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      if (!(cum[i] > cum[i - 1] + 1e-6) || !isfinite (cum[i]))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("plate: points %u and %u of the contour coincide"), i, i + 1);
          return NULL;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      guint a = i > 0 ? i - 1 : 0, b = i + 1 < n ? i + 1 : n - 1;
      double *t = tangents + 3 * i, *nn = normals + 3 * i, dot;

      for (int k = 0; k < 3; k++)
        t[k] = p->points[3 * b + k] - p->points[3 * a + k];
      normalize3 (t);
      for (int k = 0; k < 3; k++)
        nn[k] = p->normals != NULL ? p->normals[3 * i + k] : (k == 2 ? 1 : 0);
      dot = nn[0] * t[0] + nn[1] * t[1] + nn[2] * t[2];
      for (int k = 0; k < 3; k++)
        nn[k] -= dot * t[k];
      if (sqrt (nn[0] * nn[0] + nn[1] * nn[1] + nn[2] * nn[2]) < 1e-6)
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                       _("plate: the normal at contour point %u is along the contour"), i + 1);
          return NULL;
        }
      normalize3 (nn);
    }

  dst = g_new (float, 3 * (gsize) nv);
  for (guint32 v = 0; v < nv; v++)
    {
      double s = src[3 * v], y = src[3 * v + 1], z = src[3 * v + 2];
      double c[3], t[3], nn[3], b[3], u, dot;
      guint k = 0;

      while (k + 2 < n && s > cum[k + 1])
        k++;
      u = (s - cum[k]) / (cum[k + 1] - cum[k]);
      lerp3 (p->points + 3 * k, p->points + 3 * (k + 1), u, c);
      u = CLAMP (u, 0.0, 1.0);
      for (int j = 0; j < 3; j++)
        {
          t[j] = tangents[3 * k + j] + u * (tangents[3 * (k + 1) + j] - tangents[3 * k + j]);
          nn[j] = normals[3 * k + j] + u * (normals[3 * (k + 1) + j] - normals[3 * k + j]);
        }
      normalize3 (t);
      dot = nn[0] * t[0] + nn[1] * t[1] + nn[2] * t[2];
      for (int j = 0; j < 3; j++)
        nn[j] -= dot * t[j];
      normalize3 (nn);
      /* (t, b, n) right-handed like (x, y, z): b = n × t. */
      b[0] = nn[1] * t[2] - nn[2] * t[1];
      b[1] = nn[2] * t[0] - nn[0] * t[2];
      b[2] = nn[0] * t[1] - nn[1] * t[0];
      for (int j = 0; j < 3; j++)
        dst[3 * v + j] = (float) (c[j] + y * b[j] + z * nn[j]);
    }
  bent = osp_mesh_new_take (dst, nv,
                            g_memdup2 (osp_mesh_get_indices (straight),
                                       sizeof (guint32) * 3 * osp_mesh_get_n_triangles (straight)),
                            osp_mesh_get_n_triangles (straight));
  return fix_orientation (g_steal_pointer (&bent));
}

/* -- Blocks --------------------------------------------------------------------------------- */

typedef struct
{
  const OspBvh *bvh;
  OspVolume    *volume;
  double        offset;
  double        thickness;
  double        scale;
  guint         next_slice;   /* atomic */
  GCancellable *cancellable;
} BlockJob;

static gpointer
block_worker (gpointer data)
{
  BlockJob *job = data;
  guint32 dims[3];
  gint16 *voxels = osp_volume_get_data_mutable (job->volume);

  osp_volume_get_dims (job->volume, dims);
  for (;;)
    {
      guint z = g_atomic_int_add (&job->next_slice, 1);

      if (z >= dims[2] || g_cancellable_is_cancelled (job->cancellable))
        break;
      for (guint y = 0; y < dims[1]; y++)
        for (guint x = 0; x < dims[0]; x++)
          {
            double ijk[3] = { x, y, z }, lps[3];
            float point[3];
            double sd, f;

            osp_volume_index_to_lps (job->volume, ijk, lps);
            point[0] = (float) lps[0];
            point[1] = (float) lps[1];
            point[2] = (float) lps[2];
            sd = osp_bvh_signed_distance (job->bvh, point, NULL);
            /* Inside the result where f ≥ 0: within `offset` of the surface, and for a shell
             * no deeper than the thickness below the offset surface. */
            f = job->offset - sd;
            if (job->thickness > 0)
              f = MIN (f, sd - (job->offset - job->thickness));
            f = CLAMP (f * job->scale, -32000.0, 32000.0);
            voxels[((gsize) z * dims[1] + y) * dims[0] + x] = (gint16) lrint (f);
          }
    }
  return NULL;
}

static OspMesh *
make_block (const OspImplantParams *p,
            const OspMesh          *template_mesh,
            const OspProgressRange *progress,
            GCancellable           *cancellable,
            GError                **error)
{
  g_auto(OspCutResult) cut = { 0 };
  g_autoptr(OspMesh) piece = NULL;
  g_autoptr(OspBvh) bvh = NULL;
  g_autoptr(OspVolume) volume = NULL;
  OspProgressRange sub = osp_progress_sub (progress, 0, 0.2);
  OspBox box;
  guint32 dims[3];
  double spacing[3], origin[3], margin;
  guint64 n_voxels = 1;
  BlockJob job = { 0 };
  GThread *threads[2];

  if (template_mesh == NULL || osp_mesh_get_n_triangles (template_mesh) == 0)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("block: the template has no triangles"));
      return NULL;
    }
  if (p->n_planes > 0)
    {
      if (!osp_mesh_cut (template_mesh, p->planes, p->n_planes, 0, &cut, &sub, cancellable,
                         error))
        return NULL;
      if (cut.inside->len == 0)
        {
          g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                               _("block: the resection planes keep nothing of the template"));
          return NULL;
        }
      piece = osp_mesh_merge ((OspMesh *const *) cut.inside->pdata, cut.inside->len);
    }
  else
    piece = osp_mesh_ref ((OspMesh *) template_mesh);

  if (p->offset == 0 && p->thickness == 0)
    return fix_orientation (g_steal_pointer (&piece));

  /* Offset surface: a signed distance field on a grid, re-extracted by marching cubes —
   * closed and free of the self-intersections a vertex-normal offset makes in concavities. */
  osp_mesh_get_bounds (piece, &box);
  margin = MAX (p->offset, 0) + 3 * p->voxel;
  for (int k = 0; k < 3; k++)
    {
      double extent = box.max[k] - box.min[k] + 2 * margin;
      double n = ceil (extent / p->voxel) + 1;

      if (!(n <= 2000))
        {
          g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                       _("block: a %.2f mm grid over %.0f mm is too fine; use a larger voxel"),
                       p->voxel, extent);
          return NULL;
        }
      dims[k] = (guint32) n;
      n_voxels *= dims[k];
      spacing[k] = p->voxel;
      origin[k] = box.min[k] - margin;
    }
  if (n_voxels > 200000000u ||
      !osp_memory_check (n_voxels * 2, "block", _("the offset grid"), error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                     _("block: the offset grid would need %" PRIu64
                       " voxels; use a larger voxel"), n_voxels);
      return NULL;
    }
  volume = osp_volume_new (dims, spacing, origin, NULL, "block", error);
  if (volume == NULL)
    return NULL;
  bvh = osp_bvh_new_full (piece, NULL, cancellable, error);
  if (bvh == NULL)
    return NULL;

  job.bvh = bvh;
  job.volume = volume;
  job.offset = p->offset;
  job.thickness = p->thickness;
  job.scale = 8000.0 / p->voxel;
  job.cancellable = cancellable;
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("osp-block", block_worker, &job);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  osp_progress_report (progress, 0.8);

  sub = osp_progress_sub (progress, 0.8, 0.2);
  {
    OspMesh *mesh = osp_isosurface_extract (volume, 0.5, 0, &sub, cancellable, error);

    if (mesh != NULL && osp_mesh_get_n_triangles (mesh) == 0)
      {
        osp_mesh_unref (mesh);
        g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                             _("block: the offset leaves nothing (offset or thickness too "
                               "small for the voxel size)"));
        return NULL;
      }
    return mesh;
  }
}

OspMesh *
osp_implant_generate (const OspImplantParams *params,
                      const OspMesh          *template_mesh,
                      const OspProgressRange *progress,
                      GCancellable           *cancellable,
                      GError                **error)
{
  g_return_val_if_fail (params != NULL, NULL);

  if (!osp_implant_params_validate (params, error))
    return NULL;

  switch (params->kind)
    {
    case OSP_IMPLANT_SCREW:
      return make_screw (params);
    case OSP_IMPLANT_CUP:
      return make_cup (params);
    case OSP_IMPLANT_PLATE:
      {
        g_autoptr(OspMesh) straight = NULL;

        if (params->n_points >= 2 && params->points != NULL &&
            path_length (params) < params->width)
          {
            g_set_error (error, OSP_ERROR, OSP_ERROR_FAILED,
                         _("plate: the path (%.1f mm) is shorter than the plate is wide"),
                         path_length (params));
            return NULL;
          }
        straight = make_straight_plate (params);

        if (params->n_points >= 2 && params->points != NULL)
          return bend_plate (straight, params, error);
        return g_steal_pointer (&straight);
      }
    case OSP_IMPLANT_BLOCK:
      return make_block (params, template_mesh, progress, cancellable, error);
    case OSP_IMPLANT_CUSTOM:
    default:
      return osp_mesh_load (params->path, NULL, cancellable, error);
    }
}

/* -- Parameters kept with models ------------------------------------------------------------ */

const OspImplantParams *
osp_implant_get_params (OspModel *model)
{
  g_return_val_if_fail (OSP_IS_MODEL (model), NULL);
  return g_object_get_data (G_OBJECT (model), PARAMS_KEY);
}

void
osp_implant_set_params (OspModel               *model,
                        const OspImplantParams *params)
{
  g_return_if_fail (OSP_IS_MODEL (model));

  g_object_set_data_full (G_OBJECT (model), PARAMS_KEY,
                          params != NULL ? osp_implant_params_copy (params) : NULL,
                          (GDestroyNotify) osp_implant_params_free);
}

/* -- Placing -------------------------------------------------------------------------------- */

void
osp_frame_from_point_normal (const float  point[3],
                             const float  normal[3],
                             double       roll_deg,
                             float       *out_matrix)
{
  double z[3] = { normal[0], normal[1], normal[2] }, x[3], y[3], ref[3] = { 1, 0, 0 }, dot;
  double c = cos (roll_deg * G_PI / 180), s = sin (roll_deg * G_PI / 180), xr[3], yr[3];

  g_return_if_fail (point != NULL && normal != NULL && out_matrix != NULL);

  normalize3 (z);
  if (fabs (z[0]) > 0.9)
    {
      ref[0] = 0;
      ref[1] = 1;
    }
  dot = ref[0] * z[0] + ref[1] * z[1] + ref[2] * z[2];
  for (int k = 0; k < 3; k++)
    x[k] = ref[k] - dot * z[k];
  normalize3 (x);
  y[0] = z[1] * x[2] - z[2] * x[1];
  y[1] = z[2] * x[0] - z[0] * x[2];
  y[2] = z[0] * x[1] - z[1] * x[0];
  for (int k = 0; k < 3; k++)
    {
      xr[k] = c * x[k] + s * y[k];
      yr[k] = -s * x[k] + c * y[k];
    }
  for (int k = 0; k < 3; k++)
    {
      out_matrix[k] = (float) xr[k];
      out_matrix[4 + k] = (float) yr[k];
      out_matrix[8 + k] = (float) z[k];
      out_matrix[12 + k] = point[k];
    }
  out_matrix[3] = out_matrix[7] = out_matrix[11] = 0;
  out_matrix[15] = 1;
}

void
osp_matrix_from_euler (const float  position[3],
                       const float  angles_deg[3],
                       float       *out_matrix)
{
  double a = angles_deg[0] * G_PI / 180, b = angles_deg[1] * G_PI / 180;
  double c = angles_deg[2] * G_PI / 180;
  double ca = cos (a), sa = sin (a), cb = cos (b), sb = sin (b), cc = cos (c), sc = sin (c);
  /* R = Rz(c) Ry(b) Rx(a), row-major here. */
  double r[3][3] = {
    { cc * cb, cc * sb * sa - sc * ca, cc * sb * ca + sc * sa },
    { sc * cb, sc * sb * sa + cc * ca, sc * sb * ca - cc * sa },
    { -sb, cb * sa, cb * ca },
  };

  g_return_if_fail (position != NULL && angles_deg != NULL && out_matrix != NULL);

  for (int col = 0; col < 3; col++)
    {
      for (int row = 0; row < 3; row++)
        out_matrix[4 * col + row] = (float) r[row][col];
      out_matrix[4 * col + 3] = 0;
    }
  for (int k = 0; k < 3; k++)
    out_matrix[12 + k] = position[k];
  out_matrix[15] = 1;
}

void
osp_matrix_to_euler (const float *matrix,
                     float        out_position[3],
                     float        out_angles_deg[3])
{
#define M(row, col) ((double) matrix[4 * (col) + (row)])
  double sb, a, b, c;

  g_return_if_fail (matrix != NULL && out_position != NULL && out_angles_deg != NULL);

  sb = CLAMP (-M (2, 0), -1.0, 1.0);
  b = asin (sb);
  if (fabs (sb) < 0.999999)
    {
      a = atan2 (M (2, 1), M (2, 2));
      c = atan2 (M (1, 0), M (0, 0));
    }
  else
    {
      /* Gimbal lock: only a ∓ c is defined; put it all in a. */
      c = 0;
      a = atan2 (-M (1, 2), M (1, 1));
    }
#undef M
  for (int k = 0; k < 3; k++)
    out_position[k] = matrix[12 + k];
  out_angles_deg[0] = (float) (a * 180 / G_PI);
  out_angles_deg[1] = (float) (b * 180 / G_PI);
  out_angles_deg[2] = (float) (c * 180 / G_PI);
}

/* -- A plate's path on the bone --------------------------------------------------------------- */

/* The facet normal (unit, outward) of a triangle. */
static void
facet_normal (const OspMesh *mesh,
              guint32        triangle,
              double        *out)
{
  const float *pos = osp_mesh_get_positions (mesh);
  const guint32 *idx = osp_mesh_get_indices (mesh);
  const float *a = pos + 3 * idx[3 * triangle], *b = pos + 3 * idx[3 * triangle + 1];
  const float *c = pos + 3 * idx[3 * triangle + 2];
  double e1[3], e2[3];

  for (int k = 0; k < 3; k++)
    {
      e1[k] = b[k] - a[k];
      e2[k] = c[k] - a[k];
    }
  out[0] = e1[1] * e2[2] - e1[2] * e2[1];
  out[1] = e1[2] * e2[0] - e1[0] * e2[2];
  out[2] = e1[0] * e2[1] - e1[1] * e2[0];
  normalize3 (out);
}

/* Points every `step` along a polyline (the first and the last included). */
static GArray *
resample_polyline (const float *points,
                   guint        n,
                   double       step)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (float));
  double total = 0, next = 0;
  g_autofree double *cum = g_new0 (double, n);

  for (guint i = 1; i < n; i++)
    {
      double d2 = 0;

      for (int k = 0; k < 3; k++)
        d2 += pow (points[3 * i + k] - points[3 * (i - 1) + k], 2);
      cum[i] = cum[i - 1] + sqrt (d2);
    }
  total = cum[n - 1];
  if (total <= 0)
    return out;
  {
    guint m = MAX (1, (guint) ceil (total / step - 1e-9));
    guint seg = 0;

    for (guint j = 0; j <= m; j++)
      {
        double s = j == m ? total : total * j / m, u;
        double v[3];
        float f[3];

        while (seg + 2 < n && s > cum[seg + 1])
          seg++;
        u = cum[seg + 1] > cum[seg] ? (s - cum[seg]) / (cum[seg + 1] - cum[seg]) : 0;
        lerp3 (points + 3 * seg, points + 3 * (seg + 1), CLAMP (u, 0.0, 1.0), v);
        for (int k = 0; k < 3; k++)
          f[k] = (float) v[k];
        g_array_append_vals (out, f, 3);
      }
  }
  (void) next;
  return out;
}

gboolean
osp_plate_contour_path (gconstpointer  bone_bvh,
                        const float   *points,
                        guint          n_points,
                        double         width,
                        float        **out_points,
                        float        **out_normals,
                        guint         *out_n,
                        GError       **error)
{
  const OspBvh *bvh = bone_bvh;
  const OspMesh *mesh;
  g_autoptr(GArray) dense = NULL;
  g_autoptr(GArray) projected = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) path = NULL;
  g_autofree double *normals = NULL, *smooth = NULL, *lift = NULL, *grown = NULL;
  guint n;
  /* The normals are averaged over ±NORMAL_WINDOW stations, the lift kept over ±LIFT_WINDOW. */
  const int NORMAL_WINDOW = 6, LIFT_WINDOW = 2;
  const double CLEARANCE = 0.05, LIFT_SLOPE = 0.15;

  g_return_val_if_fail (bvh != NULL && points != NULL, FALSE);
  g_return_val_if_fail (out_points != NULL && out_normals != NULL && out_n != NULL, FALSE);

  mesh = osp_bvh_get_mesh (bvh);
  if (n_points < 2)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("plate: a contour needs at least two points"));
      return FALSE;
    }
  /* Along the picked polyline, each sample moved onto the bone; then evenly again along
   * what lies on the bone. */
  dense = resample_polyline (points, n_points, PLATE_STEP / 2);
  for (guint i = 0; i < dense->len / 3; i++)
    {
      OspClosestPoint closest;
      const float *q = &g_array_index (dense, float, 3 * i);

      if (!osp_bvh_closest_point (bvh, q, INFINITY, &closest))
        {
          g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                               _("plate: the bone has no surface to lay the plate on"));
          return FALSE;
        }
      if (projected->len >= 3)
        {
          const float *last = &g_array_index (projected, float, projected->len - 3);
          double d2 = 0;

          for (int k = 0; k < 3; k++)
            d2 += pow (closest.point[k] - last[k], 2);
          if (d2 < 0.01)
            continue;
        }
      g_array_append_vals (projected, closest.point, 3);
    }
  if (projected->len < 6)
    {
      g_set_error_literal (error, OSP_ERROR, OSP_ERROR_FAILED,
                           _("plate: the picked points fall on one spot of the bone"));
      return FALSE;
    }
  path = resample_polyline ((const float *) projected->data, projected->len / 3, PLATE_STEP);
  n = path->len / 3;
  /* The facets' corners smoothed away (±3 mm; the ends stay): the lift below puts back
   * whatever this takes into the bone. */
  {
    g_autofree float *copy = g_memdup2 (path->data, sizeof (float) * 3 * n);

    for (guint i = 1; i + 1 < n; i++)
      for (int k = 0; k < 3; k++)
        {
          double sum = 0;
          int count = 0;

          for (int w = -3; w <= 3; w++)
            {
              int j = (int) i + w;

              if (j >= 0 && j < (int) n)
                {
                  sum += copy[3 * j + k];
                  count++;
                }
            }
          g_array_index (path, float, 3 * i + k) = (float) (sum / count);
        }
  }
  normals = g_new0 (double, 3 * n);
  smooth = g_new0 (double, 3 * n);
  for (guint i = 0; i < n; i++)
    {
      OspClosestPoint closest;
      const float *q = &g_array_index (path, float, 3 * i);

      if (osp_bvh_closest_point (bvh, q, INFINITY, &closest))
        facet_normal (mesh, closest.triangle, normals + 3 * i);
    }
  for (guint i = 0; i < n; i++)
    {
      for (int w = -NORMAL_WINDOW; w <= NORMAL_WINDOW; w++)
        {
          int j = CLAMP ((int) i + w, 0, (int) n - 1);

          for (int k = 0; k < 3; k++)
            smooth[3 * i + k] += normals[3 * j + k];
        }
      if (sqrt (smooth[3 * i] * smooth[3 * i] + smooth[3 * i + 1] * smooth[3 * i + 1] +
                smooth[3 * i + 2] * smooth[3 * i + 2]) < 1e-6)
        memcpy (smooth + 3 * i, normals + 3 * i, sizeof (double) * 3);
      normalize3 (smooth + 3 * i);
    }

  /* Lifts the path off the bone where the flat underside, across the plate's width, would
   * enter it: the deepest point across each station, a few rounds, kept over neighbours. */
  lift = g_new0 (double, n);
  grown = g_new0 (double, n);
  for (int round = 0; round < 3; round++)
    {
      gboolean moved = FALSE;

      for (guint i = 0; i < n; i++)
        {
          guint a = i > 0 ? i - 1 : 0, b = i + 1 < n ? i + 1 : n - 1;
          double t[3], nn[3], side[3], dot = 0, deepest = 0;

          for (int k = 0; k < 3; k++)
            {
              t[k] = g_array_index (path, float, 3 * b + k) - g_array_index (path, float, 3 * a + k);
              nn[k] = smooth[3 * i + k];
            }
          normalize3 (t);
          for (int k = 0; k < 3; k++)
            dot += nn[k] * t[k];
          for (int k = 0; k < 3; k++)
            nn[k] -= dot * t[k];
          normalize3 (nn);
          side[0] = nn[1] * t[2] - nn[2] * t[1];
          side[1] = nn[2] * t[0] - nn[0] * t[2];
          side[2] = nn[0] * t[1] - nn[1] * t[0];
          for (int j = 0; j <= 8; j++)
            {
              double y = -width / 2 + width * j / 8;
              float q[3];
              float sd;

              for (int k = 0; k < 3; k++)
                q[k] = (float) (g_array_index (path, float, 3 * i + k) + y * side[k] +
                                lift[i] * nn[k]);
              sd = osp_bvh_signed_distance (bvh, q, NULL);
              if (sd < CLEARANCE)
                deepest = MAX (deepest, CLEARANCE - sd);
            }
          grown[i] = lift[i] + deepest;
          moved |= deepest > 0.01;
        }
      for (guint i = 0; i < n; i++)
        {
          double m = 0;

          for (int w = -LIFT_WINDOW; w <= LIFT_WINDOW; w++)
            m = MAX (m, grown[CLAMP ((int) i + w, 0, (int) n - 1)]);
          lift[i] = m;
        }
      /* Ramps, not steps: a step would shear the plate thinner than it is. */
      for (guint i = 1; i < n; i++)
        lift[i] = MAX (lift[i], lift[i - 1] - LIFT_SLOPE * PLATE_STEP);
      for (guint i = n - 1; i-- > 0;)
        lift[i] = MAX (lift[i], lift[i + 1] - LIFT_SLOPE * PLATE_STEP);
      if (!moved)
        break;
    }

  *out_points = g_new (float, 3 * n);
  *out_normals = g_new (float, 3 * n);
  for (guint i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      {
        (*out_points)[3 * i + k] = (float) (g_array_index (path, float, 3 * i + k) +
                                            lift[i] * smooth[3 * i + k]);
        (*out_normals)[3 * i + k] = (float) smooth[3 * i + k];
      }
  *out_n = n;
  return TRUE;
}
