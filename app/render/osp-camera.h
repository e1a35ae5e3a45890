/* osp-camera.h — the viewing camera: orbit, pan, zoom, anatomical views, projections
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure maths (cglm), no GL: usable and testable without a context.
 *
 * The camera looks at a target point from `distance` mm away.  `orientation` is the unit
 * quaternion that turns camera axes into world (patient LPS) axes: camera +x is screen right,
 * +y screen up, +z points from the target towards the eye (OpenGL's eye space).  Keeping
 * the orientation as a quaternion means orbiting never meets gimbal lock.
 *
 * Screen positions are in the viewport's pixels with the origin at the top-left corner and y
 * growing downwards (GTK event coordinates); fractional values are fine.
 *
 * The orthographic projection shows the same extent at the target as the perspective one
 * (visible height 2 × distance × tan(fov_y / 2)), so toggling projection keeps the picture's
 * size, and zooming changes `distance` in both.
 *
 * Patient coordinates are LPS (DICOM): +x patient Left, +y Posterior, +z Superior.  The six
 * views follow radiology conventions:
 *   anterior   camera in front (−y) looking +y, head up, patient's left on screen right;
 *   posterior  camera behind (+y) looking −y, head up, patient's left on screen left;
 *   left       camera at the patient's left (+x), head up, face (anterior) on screen left;
 *   right      camera at the patient's right (−x), head up, face on screen right;
 *   superior   camera above the head (+z) looking down, anterior up, patient's left on
 *              screen left;
 *   inferior   camera below the feet (−z) looking up, anterior up, patient's left on screen
 *              right (as axial CT slices are shown).
 */
#pragma once

#include <glib.h>
#include <cglm/cglm.h>

#include "osp-mesh.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_VIEW_ANTERIOR,
  OSP_VIEW_POSTERIOR,
  OSP_VIEW_LEFT,
  OSP_VIEW_RIGHT,
  OSP_VIEW_SUPERIOR,
  OSP_VIEW_INFERIOR,
} OspView;

#define OSP_N_VIEWS 6

typedef enum
{
  OSP_PROJECTION_PERSPECTIVE,
  OSP_PROJECTION_ORTHOGRAPHIC,
} OspProjection;

/* A plain value: copy it freely.  Change it through the functions below, which keep the
 * fields consistent; reading the fields directly is fine. */
typedef struct
{
  versor        orientation;  /* camera → world rotation, unit quaternion (x, y, z, w) */
  vec3          target;       /* the point looked at and orbited around, mm */
  float         distance;     /* from the target to the eye, mm, > 0 */
  float         fov_y;        /* vertical field of view, radians (perspective) */
  OspProjection projection;
  int           width;        /* viewport, pixels, ≥ 1 */
  int           height;
  OspBox        scene;        /* bounds used for the near and far planes (may be empty) */
} OspCamera;

/* Defaults: anterior view of the origin from 500 mm, 30° field of view, perspective,
 * 640 × 480. */
void        osp_camera_init                (OspCamera       *camera);

/* "anterior", "posterior", "left", "right", "superior", "inferior". */
const char *osp_view_get_name              (OspView          view);
/* The translated label ("Anterior", …). */
const char *osp_view_get_label             (OspView          view);
/* From a name as above (case-insensitive); FALSE when unknown. */
gboolean    osp_view_from_name             (const char      *name,
                                            OspView         *out_view);

void        osp_camera_set_viewport        (OspCamera       *camera,
                                            int              width,
                                            int              height);
void        osp_camera_set_projection      (OspCamera       *camera,
                                            OspProjection    projection);
/* The bounds the near and far planes must contain (the renderer sets them to its scene
 * before drawing). */
void        osp_camera_set_scene_bounds    (OspCamera       *camera,
                                            const OspBox    *scene);

/* Turns to one of the six views, keeping the target and the distance. */
void        osp_camera_set_view            (OspCamera       *camera,
                                            OspView          view);
/* The orientation of a view without changing a camera. */
void        osp_view_get_orientation       (OspView          view,
                                            versor           out_orientation);

/* Centres on the box and sets the distance so the whole box fills the picture, as seen from
 * the current orientation and projection, with a small margin.  Keeps the orientation.  Also
 * sets the scene bounds to the box when they are empty.  An empty box leaves the camera
 * unchanged. */
void        osp_camera_fit_box             (OspCamera       *camera,
                                            const OspBox    *box);
/* Moves the target to `point`, keeping orientation and distance (double-click centring). */
void        osp_camera_centre_on           (OspCamera       *camera,
                                            const float      point[3]);

/* Virtual trackball: a drag from (x0, y0) to (x1, y1) pixels turns the scene as if grabbed
 * on a ball around the target (the camera orbits the opposite way).  Keeps the target and
 * the distance. */
void        osp_camera_orbit               (OspCamera       *camera,
                                            double           x0,
                                            double           y0,
                                            double           x1,
                                            double           y1);
/* Turns the camera around the target by a world-space rotation (unit quaternion). */
void        osp_camera_rotate              (OspCamera       *camera,
                                            const versor     rotation);
/* A drag by (dx, dy) pixels moves the scene with the cursor: the point at the target's depth
 * under the cursor stays under it. */
void        osp_camera_pan                 (OspCamera       *camera,
                                            double           dx,
                                            double           dy);
/* Zooms by `factor` (> 1 closer, < 1 away) towards the pixel (x, y): the point at the
 * target's depth under the cursor stays under the cursor.  Precondition: factor > 0. */
void        osp_camera_zoom                (OspCamera       *camera,
                                            double           factor,
                                            double           x,
                                            double           y);

/* The eye position, mm. */
void        osp_camera_get_eye             (const OspCamera *camera,
                                            vec3             out_eye);
/* The unit viewing direction (from the eye towards the target). */
void        osp_camera_get_direction       (const OspCamera *camera,
                                            vec3             out_direction);
/* The near and far plane distances that contain the scene bounds (or a range around the
 * target when they are empty).  Orthographic near may be negative. */
void        osp_camera_get_clip_range      (const OspCamera *camera,
                                            float           *out_near,
                                            float           *out_far);
/* World → eye space. */
void        osp_camera_get_view_matrix     (const OspCamera *camera,
                                            mat4             out_matrix);
/* Eye → clip space (OpenGL conventions: NDC z in [−1, 1]). */
void        osp_camera_get_projection_matrix (const OspCamera *camera,
                                              mat4             out_matrix);
/* projection × view. */
void        osp_camera_get_view_projection (const OspCamera *camera,
                                            mat4             out_matrix);

/* The ray through pixel (x, y): origin on the near plane (perspective: the eye) and unit
 * direction, world mm. */
void        osp_camera_get_ray             (const OspCamera *camera,
                                            double           x,
                                            double           y,
                                            vec3             out_origin,
                                            vec3             out_direction);
/* World point → pixel (x, y, top-left origin) and NDC depth in z.  Returns FALSE when the
 * point is behind the eye (perspective). */
gboolean    osp_camera_project             (const OspCamera *camera,
                                            const float      point[3],
                                            vec3             out_pixel);
/* Millimetres per pixel at the target's depth (exact everywhere in orthographic). */
double      osp_camera_get_mm_per_pixel    (const OspCamera *camera);

G_END_DECLS
