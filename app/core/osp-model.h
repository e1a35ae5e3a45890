/* osp-model.h — one object of a case: a mesh with a name, a role and a look
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An OspModel is what the surgeon sees as one thing in the model list and the viewport: a
 * pelvis, a cut piece, a mirrored template, an implant.  It is a plain GObject (no GTK): every
 * property emits notify when it changes, so views (the GTK list, the renderer) follow it.  The
 * mesh itself is immutable (osp-mesh.h); changing a model's shape means setting a new mesh.
 *
 * The colour is a packed 0xRRGGBB value (GdkRGBA is GTK); opacity is separate, 0–1.  The
 * transform is a column-major 4 × 4 matrix (cglm's layout) applied to the mesh when drawn.
 */
#pragma once

#include <glib-object.h>

#include "osp-mesh.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_MODEL_ROLE_BONE,      /* bone from a CT or a file */
  OSP_MODEL_ROLE_PIECE,     /* a piece of bone left by a cut */
  OSP_MODEL_ROLE_TEMPLATE,  /* the healthy side mirrored onto the defect */
  OSP_MODEL_ROLE_IMPLANT,
  OSP_MODEL_ROLE_GUIDE,     /* a cutting or drilling guide */
  OSP_MODEL_ROLE_TUMOUR,    /* the lesion to resect (red) */
} OspModelRole;

/* The last role (for range checks). */
#define OSP_MODEL_ROLE_LAST OSP_MODEL_ROLE_TUMOUR

#define OSP_TYPE_MODEL_ROLE (osp_model_role_get_type ())
GType osp_model_role_get_type (void) G_GNUC_CONST;

/* OspMesh as a boxed type (ref/unref), for GObject properties. */
#define OSP_TYPE_MESH (osp_mesh_boxed_get_type ())
GType osp_mesh_boxed_get_type (void) G_GNUC_CONST;

/* A 4 × 4 float matrix as a boxed type (16 floats, column-major), for GObject properties. */
typedef struct
{
  float m[16];
} OspMatrix4;

#define OSP_TYPE_MATRIX4 (osp_matrix4_get_type ())
GType osp_matrix4_get_type (void) G_GNUC_CONST;

#define OSP_TYPE_MODEL (osp_model_get_type ())
G_DECLARE_FINAL_TYPE (OspModel, osp_model, OSP, MODEL, GObject)

/* A model of `mesh` (referenced) with the role's default colour, opaque, visible, identity
 * transform.  Preconditions: name non-NULL, mesh non-NULL. */
OspModel      *osp_model_new              (const char      *name,
                                           OspMesh         *mesh,
                                           OspModelRole     role);

const char    *osp_model_get_name         (OspModel        *self);
void           osp_model_set_name         (OspModel        *self,
                                           const char      *name);
/* The mesh, owned by the model (ref it to keep it). */
OspMesh       *osp_model_get_mesh         (OspModel        *self);
/* Precondition: mesh non-NULL.  Also notifies "n-triangles". */
void           osp_model_set_mesh         (OspModel        *self,
                                           OspMesh         *mesh);
/* Read-only convenience for views: the mesh's triangle count. */
guint          osp_model_get_n_triangles  (OspModel        *self);
/* The topology of the current mesh (holes, non-manifold edges, pieces), once it is known:
 * FALSE until then, so that a view says "checking…" rather than guess.  Property
 * "topology-known" (read-only) notifies when it changes, also when a new mesh is set. */
gboolean       osp_model_get_topology     (OspModel        *self,
                                           OspMeshTopology *out_topology);
/* Finds the topology of the current mesh in a thread, unless it is known or under way; the
 * result arrives in the caller's thread-default main context (notify::topology-known).  Views
 * call it once their first picture is out: a large mesh takes a while. */
void           osp_model_check_topology   (OspModel        *self);
OspModelRole   osp_model_get_role         (OspModel        *self);
void           osp_model_set_role         (OspModel        *self,
                                           OspModelRole     role);
/* 0xRRGGBB. */
guint32        osp_model_get_color        (OspModel        *self);
void           osp_model_set_color        (OspModel        *self,
                                           guint32          rgb);
/* The colour as three floats 0–1 (out_rgb: 3 values). */
void           osp_model_get_color_rgb    (OspModel        *self,
                                           float           *out_rgb);
/* 0 (invisible) – 1 (opaque); clamped. */
double         osp_model_get_opacity      (OspModel        *self);
void           osp_model_set_opacity      (OspModel        *self,
                                           double           opacity);
/* A problem a tool found with the model, said where the model is listed ("The screw leaves
 * the bone"), or NULL.  Not saved, not an undo step: the tool that found it keeps it true.
 * Property "warning" (read-only; notifies). */
const char    *osp_model_get_warning      (OspModel        *self);
void           osp_model_set_warning      (OspModel        *self,
                                           const char      *warning);
gboolean       osp_model_get_visible      (OspModel        *self);
void           osp_model_set_visible      (OspModel        *self,
                                           gboolean         visible);
/* out_matrix: 16 floats, column-major. */
void           osp_model_get_transform    (OspModel        *self,
                                           float           *out_matrix);
/* matrix: 16 floats, column-major; NULL resets to the identity. */
void           osp_model_set_transform    (OspModel        *self,
                                           const float     *matrix);

/* The colour a new model of `role` gets: bone ivory, template blue, implant titanium grey…
 * `index` varies the shade so neighbouring models of one role stay distinguishable. */
guint32        osp_model_role_default_color (OspModelRole  role,
                                             guint         index);
/* A translated name for the role ("Bone", "Implant", …). */
const char    *osp_model_role_get_label   (OspModelRole     role);

G_END_DECLS
