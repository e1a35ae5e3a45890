/* osp-3mf.h — 3MF packages (3MF Core Specification 1.3): writing and reading
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A 3MF file is a zip (OPC package) holding [Content_Types].xml, _rels/.rels (whose StartPart
 * relationship names the model part, anywhere in the package, usually 3D/3dmodel.model) and
 * the model part: XML with a unit, <resources> (objects with a mesh or components, base
 * materials) and a <build> of items with 3 × 4 transforms.
 *
 * The writer streams the XML (xmlTextWriter) into the zip entry, so a mesh of millions of
 * triangles never exists as a DOM; the file is written atomically, as plain zip (no Zip64
 * unless needed).  The reader streams too (xmlTextReader), checks every zip entry's sizes and
 * compression ratio against memory before inflating it (zip bombs are refused), finds parts
 * as OPC names them (case-insensitive, percent-escaped or not; two parts differing only in
 * case are refused), reads the content types, converts every unit to millimetres (each model
 * part in its own unit), resolves components (nested, transformed, the component's transform
 * before its parent's; cycles refused) and applies build item transforms.  Rules of the core
 * specification that matter for geometry are enforced: indices present, in range and
 * distinct; numbers in the specification's syntax (no decimal commas, finite); transforms of 12
 * numbers, not singular; unique resource ids, objects defined before use, build items not
 * reaching a mesh of type "other"; well-formed XML in UTF-8 without a DTD or xml:space, no
 * duplicated attributes; relationships with unique ids to parts that exist inside the
 * package.  Objects of type model that are open or non-manifold load with a warning (the
 * print check and the repair deal with them); support structures (types support and
 * solidsupport) are left out, with a warning, as they are not part of the patient's model;
 * surfaces are kept.  The production extension's p:path (Bambu Studio) is followed from the
 * root part only, as that extension requires.  Other extensions (materials, slices, beams…)
 * are skipped, colours excepted; a file that requires one that carries shapes we do not read
 * (beam lattice, slices, displacement, volumetric…) or secure content is refused, an unknown
 * required extension loads with a warning.
 */
#pragma once

#include <gio/gio.h>

#include "osp-mesh.h"
#include "osp-mesh-io.h"
#include "osp-progress.h"

G_BEGIN_DECLS

/* One object of a package: a named, coloured mesh placed by a transform. */
typedef struct
{
  char    *name;          /* UTF-8; never NULL (may be "") */
  OspMesh *mesh;          /* writing: object coordinates; reading: world (build) coordinates */
  guint32  rgba;          /* 0xRRGGBBAA */
  gboolean has_color;     /* reading: whether the file gave a colour */
  float    transform[16]; /* writing: column-major (cglm) placement; reading: identity (the
                          * build transforms are applied to the mesh) */
} Osp3mfObject;

/* Fills `object` with the name (copied), a reference to the mesh, the colour and the
 * transform (NULL: identity). */
void          osp_3mf_object_init     (Osp3mfObject   *object,
                                       const char     *name,
                                       OspMesh        *mesh,
                                       guint32         rgba,
                                       const float    *transform);
void          osp_3mf_object_clear    (Osp3mfObject   *object);

/* -- Writing ------------------------------------------------------------------------------ */

/* Writes one package with one <object type="model"> per entry (its name, a base material of
 * its colour) and one build item each.  An affine transform that keeps handedness becomes the
 * build item's transform; any other (a mirror) is applied to the vertices instead, flipping
 * the winding so that normals stay outward.  Coordinates are written with 9 significant
 * digits, so every float reads back exactly.  Triangles that repeat a vertex (which 3MF
 * forbids) are left out; a mesh with NaN or infinite coordinates is refused.  Atomic.
 * Preconditions: objects non-NULL, n_objects ≥ 1, every mesh and name non-NULL, path
 * non-NULL. */
gboolean      osp_3mf_save            (const Osp3mfObject     *objects,
                                       guint                   n_objects,
                                       const char             *path,
                                       const OspProgressRange *progress,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* The same with package metadata: `metadata` is NULL or a NULL-terminated list of name,
 * value pairs, each a <metadata name="…"> of the model (the core specification's names —
 * Title, Designer, Description, … — or "osteoplan:Name", declared in Osteoplan's namespace
 * OSP_3MF_NAMESPACE). */
#define OSP_3MF_NAMESPACE "http://osteoplan.org/3mf/case/2026"
gboolean      osp_3mf_save_full       (const Osp3mfObject     *objects,
                                       guint                   n_objects,
                                       const char *const      *metadata,
                                       const char             *path,
                                       const OspProgressRange *progress,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* One mesh as one object named after the file (for osp_mesh_save()). */
gboolean      osp_3mf_save_mesh       (const OspMesh          *mesh,
                                       const char             *path,
                                       GError                **error);

/* -- Reading ------------------------------------------------------------------------------ */

/* Reads a package from memory: one Osp3mfObject per build item (an item of a component
 * object gives one mesh of all its parts, named and coloured after its first part when it has
 * no name or colour of its own; an item of support structures only gives none), in
 * millimetres, in build coordinates.  Returns a GPtrArray of Osp3mfObject* (free function
 * set), or NULL with the error naming display_name and the problem.  Warnings (ignored parts,
 * extensions, a second StartPart…) go to info->warnings when info is non-NULL.
 * Preconditions: data non-NULL when len > 0, display_name non-NULL. */
GPtrArray    *osp_3mf_load_from_data  (const guint8           *data,
                                       gsize                   len,
                                       const char             *display_name,
                                       OspMeshLoadInfo        *info,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* The same from a file. */
GPtrArray    *osp_3mf_load            (const char             *path,
                                       OspMeshLoadInfo        *info,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* All build items merged into one mesh (for osp_mesh_load()).  Fails with
 * OSP_ERROR_NO_SURFACE when the build holds no triangle. */
OspMesh      *osp_3mf_load_merged     (const guint8           *data,
                                       gsize                   len,
                                       const char             *display_name,
                                       OspMeshLoadInfo        *info,
                                       GCancellable           *cancellable,
                                       GError                **error);

G_END_DECLS
