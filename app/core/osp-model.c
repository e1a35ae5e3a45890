/* osp-model.c — one object of a case
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-model.h"

G_DEFINE_ENUM_TYPE (OspModelRole, osp_model_role,
                    G_DEFINE_ENUM_VALUE (OSP_MODEL_ROLE_BONE, "bone"),
                    G_DEFINE_ENUM_VALUE (OSP_MODEL_ROLE_PIECE, "piece"),
                    G_DEFINE_ENUM_VALUE (OSP_MODEL_ROLE_TEMPLATE, "template"),
                    G_DEFINE_ENUM_VALUE (OSP_MODEL_ROLE_IMPLANT, "implant"),
                    G_DEFINE_ENUM_VALUE (OSP_MODEL_ROLE_GUIDE, "guide"),
                    G_DEFINE_ENUM_VALUE (OSP_MODEL_ROLE_TUMOUR, "tumour"))

/* Not G_DEFINE_BOXED_TYPE (OspMesh, osp_mesh, …): that would claim osp_mesh_get_type, a name
 * that belongs to the mesh module. */
GType
osp_mesh_boxed_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType type = g_boxed_type_register_static (g_intern_static_string ("OspMesh"),
                                                 (GBoxedCopyFunc) osp_mesh_ref,
                                                 (GBoxedFreeFunc) osp_mesh_unref);
      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static OspMatrix4 *
osp_matrix4_copy (const OspMatrix4 *matrix)
{
  return g_memdup2 (matrix, sizeof *matrix);
}

G_DEFINE_BOXED_TYPE (OspMatrix4, osp_matrix4, osp_matrix4_copy, g_free)

struct _OspModel
{
  GObject       parent_instance;

  char         *name;
  OspMesh      *mesh;
  OspModelRole  role;
  guint32       color;
  double        opacity;
  gboolean      visible;
  OspMatrix4    transform;
  char         *warning;
  gboolean      topology_known;         /* of the current mesh */
  GCancellable *topology_cancellable;   /* while a thread finds it */
};

G_DEFINE_FINAL_TYPE (OspModel, osp_model, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_MESH,
  PROP_N_TRIANGLES,
  PROP_ROLE,
  PROP_COLOR,
  PROP_OPACITY,
  PROP_VISIBLE,
  PROP_TRANSFORM,
  PROP_WARNING,
  PROP_TOPOLOGY_KNOWN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_topology_known (OspModel *self,
                    gboolean  known)
{
  if (self->topology_known == known)
    return;
  self->topology_known = known;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOPOLOGY_KNOWN]);
}

static const OspMatrix4 identity = { {
  1, 0, 0, 0,
  0, 1, 0, 0,
  0, 0, 1, 0,
  0, 0, 0, 1,
} };

static void
osp_model_finalize (GObject *object)
{
  OspModel *self = OSP_MODEL (object);

  g_free (self->name);
  g_free (self->warning);
  g_clear_pointer (&self->mesh, osp_mesh_unref);
  g_clear_object (&self->topology_cancellable);
  G_OBJECT_CLASS (osp_model_parent_class)->finalize (object);
}

static void
osp_model_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  OspModel *self = OSP_MODEL (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_MESH:
      g_value_set_boxed (value, self->mesh);
      break;
    case PROP_N_TRIANGLES:
      g_value_set_uint (value, osp_model_get_n_triangles (self));
      break;
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_COLOR:
      g_value_set_uint (value, self->color);
      break;
    case PROP_OPACITY:
      g_value_set_double (value, self->opacity);
      break;
    case PROP_VISIBLE:
      g_value_set_boolean (value, self->visible);
      break;
    case PROP_TRANSFORM:
      g_value_set_boxed (value, &self->transform);
      break;
    case PROP_WARNING:
      g_value_set_string (value, self->warning);
      break;
    case PROP_TOPOLOGY_KNOWN:
      g_value_set_boolean (value, self->topology_known);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_model_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  OspModel *self = OSP_MODEL (object);

  switch (prop_id)
    {
    case PROP_NAME:
      osp_model_set_name (self, g_value_get_string (value));
      break;
    case PROP_MESH:
      osp_model_set_mesh (self, g_value_get_boxed (value));
      break;
    case PROP_ROLE:
      osp_model_set_role (self, g_value_get_enum (value));
      break;
    case PROP_COLOR:
      osp_model_set_color (self, g_value_get_uint (value));
      break;
    case PROP_OPACITY:
      osp_model_set_opacity (self, g_value_get_double (value));
      break;
    case PROP_VISIBLE:
      osp_model_set_visible (self, g_value_get_boolean (value));
      break;
    case PROP_TRANSFORM:
      {
        const OspMatrix4 *matrix = g_value_get_boxed (value);

        osp_model_set_transform (self, matrix != NULL ? matrix->m : NULL);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_model_class_init (OspModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = osp_model_finalize;
  object_class->get_property = osp_model_get_property;
  object_class->set_property = osp_model_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", rw);
  properties[PROP_MESH] = g_param_spec_boxed ("mesh", NULL, NULL, OSP_TYPE_MESH, rw);
  properties[PROP_N_TRIANGLES] =
    g_param_spec_uint ("n-triangles", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] = g_param_spec_enum ("role", NULL, NULL, OSP_TYPE_MODEL_ROLE,
                                             OSP_MODEL_ROLE_BONE, rw);
  properties[PROP_COLOR] = g_param_spec_uint ("color", NULL, NULL, 0, 0xffffff, 0xe8dcc0, rw);
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0.0, 1.0, 1.0, rw);
  properties[PROP_VISIBLE] = g_param_spec_boolean ("visible", NULL, NULL, TRUE, rw);
  properties[PROP_TRANSFORM] = g_param_spec_boxed ("transform", NULL, NULL, OSP_TYPE_MATRIX4,
                                                   rw);
  properties[PROP_WARNING] = g_param_spec_string ("warning", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOPOLOGY_KNOWN] =
    g_param_spec_boolean ("topology-known", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
osp_model_init (OspModel *self)
{
  self->name = g_strdup ("");
  self->role = OSP_MODEL_ROLE_BONE;
  self->color = osp_model_role_default_color (OSP_MODEL_ROLE_BONE, 0);
  self->opacity = 1.0;
  self->visible = TRUE;
  self->transform = identity;
}

OspModel *
osp_model_new (const char   *name,
               OspMesh      *mesh,
               OspModelRole  role)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (mesh != NULL, NULL);

  return g_object_new (OSP_TYPE_MODEL,
                       "name", name,
                       "mesh", mesh,
                       "role", role,
                       "color", osp_model_role_default_color (role, 0),
                       NULL);
}

const char *
osp_model_get_name (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), NULL);
  return self->name;
}

void
osp_model_set_name (OspModel   *self,
                    const char *name)
{
  g_return_if_fail (OSP_IS_MODEL (self));

  if (name == NULL)
    name = "";
  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

OspMesh *
osp_model_get_mesh (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), NULL);
  return self->mesh;
}

void
osp_model_set_mesh (OspModel *self,
                    OspMesh  *mesh)
{
  guint old_n;

  g_return_if_fail (OSP_IS_MODEL (self));
  g_return_if_fail (mesh != NULL);

  if (self->mesh == mesh)
    return;
  old_n = osp_model_get_n_triangles (self);
  osp_mesh_ref (mesh);
  g_clear_pointer (&self->mesh, osp_mesh_unref);
  self->mesh = mesh;
  /* The old mesh's topology says nothing about this one. */
  if (self->topology_cancellable != NULL)
    {
      g_cancellable_cancel (self->topology_cancellable);
      g_clear_object (&self->topology_cancellable);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESH]);
  if (old_n != osp_model_get_n_triangles (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TRIANGLES]);
  set_topology_known (self, osp_mesh_peek_topology (mesh, &(OspMeshTopology) { 0 }));
}

gboolean
osp_model_get_topology (OspModel        *self,
                        OspMeshTopology *out_topology)
{
  OspMeshTopology topology;

  g_return_val_if_fail (OSP_IS_MODEL (self), FALSE);

  /* Only once the notification is out, so that what a view shows and what it reads agree. */
  if (!self->topology_known || !osp_mesh_peek_topology (self->mesh, &topology))
    return FALSE;
  if (out_topology != NULL)
    *out_topology = topology;
  return TRUE;
}

static void
topology_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  OspMeshTopology topology;

  if (!g_cancellable_is_cancelled (cancellable))
    osp_mesh_get_topology (task_data, &topology);
  g_task_return_boolean (task, TRUE);
}

static void
topology_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  OspModel *self = OSP_MODEL (source);
  OspMesh *mesh = g_task_get_task_data (G_TASK (result));
  OspMeshTopology topology;

  if (self->topology_cancellable == g_task_get_cancellable (G_TASK (result)))
    g_clear_object (&self->topology_cancellable);
  if (mesh == self->mesh)
    set_topology_known (self, osp_mesh_peek_topology (mesh, &topology));
}

void
osp_model_check_topology (OspModel *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OSP_IS_MODEL (self));

  if (self->topology_known || self->topology_cancellable != NULL)
    return;
  if (osp_mesh_peek_topology (self->mesh, &(OspMeshTopology) { 0 }))
    {
      set_topology_known (self, TRUE);
      return;
    }
  self->topology_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->topology_cancellable, topology_done, NULL);
  g_task_set_source_tag (task, osp_model_check_topology);
  g_task_set_task_data (task, osp_mesh_ref (self->mesh), (GDestroyNotify) osp_mesh_unref);
  g_task_run_in_thread (task, topology_thread);
}

guint
osp_model_get_n_triangles (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), 0);
  return self->mesh != NULL ? osp_mesh_get_n_triangles (self->mesh) : 0;
}

OspModelRole
osp_model_get_role (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), OSP_MODEL_ROLE_BONE);
  return self->role;
}

void
osp_model_set_role (OspModel     *self,
                    OspModelRole  role)
{
  g_return_if_fail (OSP_IS_MODEL (self));
  g_return_if_fail (role <= OSP_MODEL_ROLE_LAST);

  if (self->role == role)
    return;
  self->role = role;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
}

guint32
osp_model_get_color (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), 0);
  return self->color;
}

void
osp_model_set_color (OspModel *self,
                     guint32   rgb)
{
  g_return_if_fail (OSP_IS_MODEL (self));

  rgb &= 0xffffff;
  if (self->color == rgb)
    return;
  self->color = rgb;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
}

void
osp_model_get_color_rgb (OspModel *self,
                         float    *out_rgb)
{
  g_return_if_fail (OSP_IS_MODEL (self));
  g_return_if_fail (out_rgb != NULL);

  out_rgb[0] = ((self->color >> 16) & 0xff) / 255.0f;
  out_rgb[1] = ((self->color >> 8) & 0xff) / 255.0f;
  out_rgb[2] = (self->color & 0xff) / 255.0f;
}

double
osp_model_get_opacity (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), 1.0);
  return self->opacity;
}

void
osp_model_set_opacity (OspModel *self,
                       double    opacity)
{
  g_return_if_fail (OSP_IS_MODEL (self));

  /* NaN becomes opaque rather than poisoning the renderer's sort. */
  opacity = isnan (opacity) ? 1.0 : CLAMP (opacity, 0.0, 1.0);
  if (self->opacity == opacity)
    return;
  self->opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
}

gboolean
osp_model_get_visible (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), FALSE);
  return self->visible;
}

void
osp_model_set_visible (OspModel *self,
                       gboolean  visible)
{
  g_return_if_fail (OSP_IS_MODEL (self));

  visible = !!visible;
  if (self->visible == visible)
    return;
  self->visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
}

void
osp_model_get_transform (OspModel *self,
                         float    *out_matrix)
{
  g_return_if_fail (OSP_IS_MODEL (self));
  g_return_if_fail (out_matrix != NULL);

  memcpy (out_matrix, self->transform.m, sizeof self->transform.m);
}

void
osp_model_set_transform (OspModel    *self,
                         const float *matrix)
{
  g_return_if_fail (OSP_IS_MODEL (self));

  if (matrix == NULL)
    matrix = identity.m;
  if (memcmp (self->transform.m, matrix, sizeof self->transform.m) == 0)
    return;
  memcpy (self->transform.m, matrix, sizeof self->transform.m);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORM]);
}

guint32
osp_model_role_default_color (OspModelRole role,
                              guint        index)
{
  /* Muted colours that read well on the dark viewport background and stay apart. */
  static const guint32 bone[] = { 0xe8dcc0, 0xd9c7a0, 0xf0e6d2, 0xc9b48c };
  static const guint32 piece[] = { 0xe0b07a, 0x9fc58a, 0xd98c8c, 0xb39ddb };
  static const guint32 template_[] = { 0x6fa8dc, 0x5b8fc9 };
  static const guint32 implant[] = { 0xb8bec6, 0x9aa3ad };
  static const guint32 guide[] = { 0x7fc9a8, 0x5fb08c };
  static const guint32 tumour[] = { 0xd03c3c, 0xb02a4a };

  switch (role)
    {
    case OSP_MODEL_ROLE_BONE:
      return bone[index % G_N_ELEMENTS (bone)];
    case OSP_MODEL_ROLE_PIECE:
      return piece[index % G_N_ELEMENTS (piece)];
    case OSP_MODEL_ROLE_TEMPLATE:
      return template_[index % G_N_ELEMENTS (template_)];
    case OSP_MODEL_ROLE_IMPLANT:
      return implant[index % G_N_ELEMENTS (implant)];
    case OSP_MODEL_ROLE_GUIDE:
      return guide[index % G_N_ELEMENTS (guide)];
    case OSP_MODEL_ROLE_TUMOUR:
      return tumour[index % G_N_ELEMENTS (tumour)];
    default:
      g_return_val_if_reached (bone[0]);
    }
}

const char *
osp_model_role_get_label (OspModelRole role)
{
  switch (role)
    {
    case OSP_MODEL_ROLE_BONE:
      return _("Bone");
    case OSP_MODEL_ROLE_PIECE:
      return _("Bone piece");
    case OSP_MODEL_ROLE_TEMPLATE:
      return _("Template");
    case OSP_MODEL_ROLE_IMPLANT:
      return _("Implant");
    case OSP_MODEL_ROLE_GUIDE:
      return _("Guide");
    case OSP_MODEL_ROLE_TUMOUR:
      return _("Tumour");
    default:
      g_return_val_if_reached ("");
    }
}

const char *
osp_model_get_warning (OspModel *self)
{
  g_return_val_if_fail (OSP_IS_MODEL (self), NULL);
  return self->warning;
}

void
osp_model_set_warning (OspModel   *self,
                       const char *warning)
{
  g_return_if_fail (OSP_IS_MODEL (self));

  if (warning != NULL && warning[0] == '\0')
    warning = NULL;
  if (g_strcmp0 (self->warning, warning) == 0)
    return;
  g_free (self->warning);
  self->warning = g_strdup (warning);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WARNING]);
}
