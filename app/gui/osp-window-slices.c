/* osp-window-slices.c — the slice views beside the 3D view: layout, CT, crosshair
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's 3D view moves into an OspViewGrid with three slice views that share an
 * OspSliceGroup.  The layout is the GSettings key view-layout (the action win.view-layout);
 * a click on a surface in 3D moves the crosshair there; the CT dialog's threshold draws the
 * bone outline live.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "osp-application.h"
#include "osp-cut.h"
#include "osp-error.h"
#include "osp-jobs.h"
#include "osp-margin.h"
#include "osp-phantom.h"
#include "osp-segment.h"
#include "osp-settings.h"
#include "osp-volume-io.h"
#include "osp-window-private.h"

/* The case header (patient) and the CT rows in the side panel. */
typedef struct _OspWindowSlices OspWindowSlices;

struct _OspWindowSlices
{
  GtkWidget  *case_box;
  GtkLabel   *patient_label;
  GtkLabel   *patient_details;
  GtkListBox *ct_list;
  OspVolume  *shown;          /* the CT in the slice views (the plan's), or a preview */
  int         mask_index;     /* the plan's mask shown, or −1 */
  GArray     *markers;        /* viewport overlays at the closest tumour points */
  GtkLabel   *margins_label;  /* the margins of the cuts applied (update_margins()) */

  /* The tumour tools (on the slices). */
  GtkWidget  *tumour_box;
  GtkToggleButton *paint_button, *erase_button, *grow_button;
  GtkCheckButton  *sphere_check;
  GtkAdjustment   *size_adjustment, *min_hu_adjustment, *max_hu_adjustment;
  GtkAdjustment   *radius_adjustment;
  GtkLabel        *tumour_label;
  gboolean         stroke;       /* a brush stroke is going on */
  double           last_dab[3];
  guint            stroke_axis;
  guint32          painted[2];   /* the last two index layers painted in 2D (fill between) */
  guint            n_painted;
};

static void update_case (OspWindow *self);
static void update_margins (OspWindow *self);
static void build_case_box (OspWindow *self);

static GSettings *
get_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema =
    source != NULL ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;

  /* The layout is remembered where the schema is installed (and has the key). */
  if (schema != NULL && g_settings_schema_has_key (schema, "view-layout"))
    return g_settings_new_full (schema, NULL, NULL);
  return NULL;
}

static gboolean
on_tool_click (OspViewport *viewport,
               double       x,
               double       y,
               OspWindow   *self)
{
  float position[3];

  /* A click on a surface moves the crosshair there; the click still selects. */
  if (osp_slice_group_get_volume (self->slice_group) != NULL
      && osp_viewport_pick (viewport, x, y, NULL, position))
    {
      double lps[3] = { position[0], position[1], position[2] };

      osp_slice_group_set_crosshair (self->slice_group, lps);
    }
  return FALSE;
}

static void
on_layout_activate (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  OspWindow *self = data;

  g_autoptr(GSettings) settings = get_settings ();

  g_simple_action_set_state (action, parameter);
  osp_view_grid_set_layout (self->view_grid, g_variant_get_string (parameter, NULL));
  /* Remembered for the next windows (the grid follows the key, see below). */
  if (settings != NULL)
    g_settings_set_string (settings, "view-layout", osp_view_grid_get_layout (self->view_grid));
}

static void
on_grid_layout_notify (OspViewGrid *grid,
                       GParamSpec  *pspec,
                       OspWindow   *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "view-layout");

  if (G_IS_SIMPLE_ACTION (action))
    g_simple_action_set_state (G_SIMPLE_ACTION (action),
                               g_variant_new_string (osp_view_grid_get_layout (grid)));
}

static void
on_window_preset (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  OspWindow *self = data;
  const char *name = g_variant_get_string (parameter, NULL);
  OspWindowPreset preset = OSP_WINDOW_BONE;
  double window, level;

  if (g_strcmp0 (name, "soft") == 0)
    preset = OSP_WINDOW_SOFT_TISSUE;
  else if (g_strcmp0 (name, "lung") == 0)
    preset = OSP_WINDOW_LUNG;
  osp_window_preset (preset, &window, &level);
  osp_slice_group_set_window (self->slice_group, window, level);
}

/* win.slices-in-3d: the slice planes inside the 3D view (the GSettings key slices-in-3d,
 * bound to the viewport's show-slices), enabled while a CT is shown. */
static void
on_slices_in_3d_change (GSimpleAction *action,
                        GVariant      *state,
                        gpointer       data)
{
  OspWindow *self = data;

  osp_viewport_set_show_slices (self->viewport, g_variant_get_boolean (state));
}

static void
sync_slices_in_3d (OspWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "slices-in-3d");

  if (!G_IS_SIMPLE_ACTION (action) || self->slice_group == NULL)
    return;
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (osp_viewport_get_show_slices (self->viewport)));
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                               osp_slice_group_get_volume (self->slice_group) != NULL);
}

static void
init_slices_in_3d (OspWindow *self)
{
  g_autoptr(GSettings) settings = osp_settings_new ();
  g_autoptr(GSettingsSchema) schema = NULL;
  const GActionEntry entries[] = {
    { "slices-in-3d", NULL, NULL, "false", on_slices_in_3d_change },
  };

  osp_viewport_set_slice_group (self->viewport, self->slice_group);
  g_object_get (settings, "settings-schema", &schema, NULL);
  if (g_settings_schema_has_key (schema, "slices-in-3d"))
    g_settings_bind (settings, "slices-in-3d", self->viewport, "show-slices",
                     G_SETTINGS_BIND_DEFAULT);
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (self->viewport, "notify::show-slices", G_CALLBACK (sync_slices_in_3d),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->slice_group, "volume-changed", G_CALLBACK (sync_slices_in_3d),
                           self, G_CONNECT_SWAPPED);
  sync_slices_in_3d (self);
}

OspViewGrid *
osp_window_get_view_grid (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->view_grid;
}

OspSliceGroup *
osp_window_get_slice_group (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->slice_group;
}

void
osp_window_slices_init (OspWindow *self)
{
  GtkWidget *viewport = GTK_WIDGET (self->viewport);
  GtkWidget *parent = gtk_widget_get_parent (viewport);
  g_autoptr(GSettings) settings = get_settings ();
  const GActionEntry entries[] = {
    { "view-layout", on_layout_activate, "s", "'four'", NULL },
    { "slice-window", on_window_preset, "s", NULL, NULL },
  };

  g_return_if_fail (GTK_IS_PANED (parent));

  self->slices = g_new0 (OspWindowSlices, 1);
  self->slices->mask_index = -1;
  self->slices->markers = g_array_new (FALSE, FALSE, sizeof (guint));
  self->slice_group = osp_slice_group_new ();
  /* The 3D view moves into the grid before anything is realized. */
  g_object_ref (viewport);
  gtk_paned_set_end_child (GTK_PANED (parent), NULL);
  self->view_grid = OSP_VIEW_GRID (osp_view_grid_new (viewport, self->slice_group));
  g_object_unref (viewport);
  gtk_widget_set_hexpand (GTK_WIDGET (self->view_grid), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->view_grid), TRUE);
  gtk_paned_set_end_child (GTK_PANED (parent), GTK_WIDGET (self->view_grid));

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect (self->view_grid, "notify::layout", G_CALLBACK (on_grid_layout_notify),
                    self);
  if (settings != NULL)
    g_settings_bind (settings, "view-layout", self->view_grid, "layout", G_SETTINGS_BIND_GET);
  on_grid_layout_notify (self->view_grid, NULL, self);
  g_signal_connect (self->viewport, "tool-click", G_CALLBACK (on_tool_click), self);
  g_signal_connect_swapped (self->cut_panel, "planes-changed", G_CALLBACK (update_margins), self);
  build_case_box (self);
  init_slices_in_3d (self);
}

/* -- The plan's CTs and masks ----------------------------------------------------------- */

static void
grid_matrix (const OspGrid *grid, float out[16])
{
  memset (out, 0, 16 * sizeof (float));
  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 3; c++)
      out[4 * a + c] = (float) (grid->spacing[a] * grid->direction[3 * a + c]);
  for (int c = 0; c < 3; c++)
    out[12 + c] = (float) grid->origin[c];
  out[15] = 1.0f;
}

/* The mask shown: the first on the shown CT. */
static void
update_mask (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  guint n = self->plan != NULL ? osp_plan_get_n_masks (self->plan) : 0;

  s->mask_index = -1;
  for (guint i = 0; i < n && s->shown != NULL; i++)
    if (osp_plan_get_mask_volume (self->plan, i) == s->shown)
      {
        s->mask_index = (int) i;
        break;
      }
  if (s->mask_index >= 0)
    {
      OspMask *mask = osp_plan_get_mask (self->plan, (guint) s->mask_index);
      const OspGrid *grid = osp_mask_get_grid (mask);
      float m[16];

      grid_matrix (grid, m);
      osp_slice_group_set_mask (self->slice_group, osp_mask_get_data (mask), grid->dims, m);
    }
  else
    osp_slice_group_set_mask (self->slice_group, NULL, NULL, NULL);
}

static void
show (OspWindow *self, OspVolume *volume)
{
  OspWindowSlices *s = self->slices;

  if (volume != NULL)
    osp_volume_ref (volume);
  g_clear_pointer (&s->shown, osp_volume_unref);
  s->shown = volume;
  osp_slice_group_set_volume (self->slice_group, volume);
  /* The bone outline at the preferred threshold until the CT dialog moves it. */
  if (volume != NULL && !osp_slice_group_get_outline (self->slice_group, NULL))
    {
      double threshold = OSP_DEFAULT_BONE_THRESHOLD_HU;

      if (self->settings != NULL)
        threshold = g_settings_get_double (self->settings, "bone-threshold");
      osp_slice_group_set_outline (self->slice_group, TRUE, threshold);
    }
  update_mask (self);
  update_case (self);
  if (self->plan != NULL)
    {
      gboolean has_case = volume != NULL
                          || g_list_model_get_n_items (G_LIST_MODEL (self->plan)) > 0;

      gtk_stack_set_visible_child_name (self->main_stack, has_case ? "case" : "start");
      gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), has_case);
    }
}

static void
on_volumes_changed (OspPlan   *plan,
                    OspWindow *self)
{
  OspVolume *volume = self->slices->shown;

  /* Keep showing a CT still in the case (or a preview of the CT dialog's). */
  if (volume == NULL || osp_plan_get_volume_index (plan, volume) < 0)
    volume = osp_plan_get_n_volumes (plan) > 0 ? osp_plan_get_volume (plan, 0) : NULL;
  show (self, volume);
}

static void
on_masks_changed (OspPlan   *plan,
                  OspWindow *self)
{
  update_mask (self);
}

static void
on_mask_changed (OspPlan   *plan,
                 guint      index,
                 gpointer   box_pointer,
                 OspWindow *self)
{
  const OspMaskBox *box = box_pointer;
  guint32 max[3];

  if ((int) index != self->slices->mask_index || box == NULL || osp_mask_box_is_empty (box))
    return;
  for (int a = 0; a < 3; a++)
    max[a] = box->max[a] - 1;   /* inclusive */
  osp_slice_group_mask_changed (self->slice_group, box->min, max);
}

void
osp_window_slices_set_plan (OspWindow *self,
                            OspPlan   *plan)
{
  if (self->slice_group == NULL)
    return;
  osp_slice_group_set_models (self->slice_group, plan != NULL ? G_LIST_MODEL (plan) : NULL);
  if (plan != NULL)
    {
      g_signal_connect (plan, "volumes-changed", G_CALLBACK (on_volumes_changed), self);
      g_signal_connect_swapped (plan, "patient-changed", G_CALLBACK (update_case), self);
      g_signal_connect (plan, "masks-changed", G_CALLBACK (on_masks_changed), self);
      g_signal_connect (plan, "mask-changed", G_CALLBACK (on_mask_changed), self);
      /* The margins of the cuts applied follow the cuts, their undo and the tumours. */
      g_signal_connect_swapped (plan, "operations-changed", G_CALLBACK (update_margins), self);
      g_signal_connect_swapped (plan, "items-changed", G_CALLBACK (update_margins), self);
    }
  g_clear_pointer (&self->slices->shown, osp_volume_unref);
  if (plan != NULL)
    on_volumes_changed (plan, self);
  else
    show (self, NULL);
}

void
osp_window_slices_dispose (OspWindow *self)
{
  if (self->slice_group != NULL)
    osp_slice_group_set_models (self->slice_group, NULL);
  g_clear_object (&self->slice_group);
  if (self->slices != NULL)
    {
      g_clear_pointer (&self->slices->shown, osp_volume_unref);
      g_clear_pointer (&self->slices->markers, g_array_unref);
      g_clear_pointer (&self->slices, g_free);
    }
}

void
osp_window_slices_show_volume (OspWindow *self,
                               OspVolume *volume)
{
  g_return_if_fail (OSP_IS_WINDOW (self));

  show (self, volume);
}

void
osp_window_slices_add_volume (OspWindow *self,
                              OspVolume *volume)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (OSP_IS_WINDOW (self) && volume != NULL);

  if (osp_plan_get_volume_index (self->plan, volume) >= 0)
    return;
  if (!osp_plan_add_volume (self->plan, volume, &error))
    osp_window_show_toast (self, error->message);
  else
    show (self, volume);
}

/* -- Margins to the tumour ----------------------------------------------------------------- */

static double
target_margin (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema =
    source != NULL ? g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE) : NULL;

  if (schema != NULL && g_settings_schema_has_key (schema, "target-margin"))
    {
      g_autoptr(GSettings) settings = g_settings_new_full (schema, NULL, NULL);

      return g_settings_get_double (settings, "target-margin");
    }
  return OSP_MARGIN_DEFAULT_TARGET_MM;
}

/* The closest tumour point in 3D: a small cube (2·r wide) round p and a rod (1 mm thick)
 * from p to `foot`, its nearest point on the plane. */
static OspMesh *
marker_mesh (const float p[3], const float foot[3], float r)
{
  GArray *positions = g_array_new (FALSE, FALSE, sizeof (float));
  GArray *indices = g_array_new (FALSE, FALSE, sizeof (guint32));
  vec3 z, x, y, helper = { 1.0f, 0.0f, 0.0f };
  float length;
  mat4 frame;

  glm_vec3_sub ((float *) foot, (float *) p, z);
  length = glm_vec3_norm (z);
  if (length > 1e-6f)
    glm_vec3_scale (z, 1.0f / length, z);
  else
    glm_vec3_copy ((vec3) { 0.0f, 0.0f, 1.0f }, z);
  if (fabsf (z[0]) > 0.8f)
    glm_vec3_copy ((vec3) { 0.0f, 1.0f, 0.0f }, helper);
  glm_vec3_cross (helper, z, x);
  glm_vec3_normalize (x);
  glm_vec3_cross (z, x, y);
  glm_mat4_identity (frame);
  for (int a = 0; a < 3; a++)
    {
      frame[0][a] = x[a];
      frame[1][a] = y[a];
      frame[2][a] = z[a];
      frame[3][a] = p[a];
    }
  osp_gizmo_add_box (positions, indices, -r, -r, -r, r, r, r);
  if (length > r)
    osp_gizmo_add_box (positions, indices, -0.5f, -0.5f, 0.0f, 0.5f, 0.5f, length);
  return osp_gizmo_finish_mesh (positions, indices, frame);
}

static void
clear_markers (OspWindow *self)
{
  OspWindowSlices *s = self->slices;

  for (guint i = 0; s->markers != NULL && i < s->markers->len; i++)
    osp_viewport_remove_overlay (self->viewport, g_array_index (s->markers, guint, i));
  if (s->markers != NULL)
    g_array_set_size (s->markers, 0);
}

/* Planes shown with their margins: the cut being planned, or every cut applied. */
#define MAX_SHOWN_PLANES (4 * OSP_CUT_MAX_PLANES)

/* The margin of each cut plane to every tumour model, live while a plane moves: in the cut
 * panel (red below the target), as the planes' lines on the slices (red below the target)
 * and the closest tumour points marked on the slices and in 3D.  Without a cut being planned,
 * the same for the planes of the cuts applied (as they were made, moved out by their margin),
 * reported in the side panel. */
static void
update_margins (OspWindow *self)
{
  static const float red[3] = { 0.95f, 0.2f, 0.15f };
  static const float green[3] = { 0.3f, 0.85f, 0.4f };
  static const float blue[3] = { 0.35f, 0.7f, 1.0f };
  OspPlane planes[MAX_SHOWN_PLANES];
  float plane4[MAX_SHOWN_PLANES][4], rgb[3 * MAX_SHOWN_PLANES];
  double margins[MAX_SHOWN_PLANES], closest[3 * MAX_SHOWN_PLANES];
  const char *cut_names[MAX_SHOWN_PLANES];
  guint plane_numbers[MAX_SHOWN_PLANES], cut_index[MAX_SHOWN_PLANES];
  guint n = 0, n_tumours = 0, n_cuts = 0;
  gboolean warnings[MAX_SHOWN_PLANES] = { FALSE };
  double target = target_margin ();
  gboolean live;
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GArray) applied = NULL;
  GListModel *models;

  if (self->disposed || self->slices == NULL || self->plan == NULL)
    return;
  models = G_LIST_MODEL (self->plan);
  clear_markers (self);
  /* (A panel closing has no planes left: the cuts applied are shown then.) */
  live = osp_cut_panel_get_active (self->cut_panel) &&
         osp_cut_panel_get_planes (self->cut_panel, NULL, 0) > 0;
  if (live)
    {
      double margin = osp_cut_panel_get_margin (self->cut_panel);

      n = osp_cut_panel_get_planes (self->cut_panel, planes, OSP_CUT_MAX_PLANES);
      n_cuts = 1;
      for (guint p = 0; p < n; p++)
        {
          /* Where the cut will be made: moved out by the panel's safety margin. */
          planes[p].d += (float) margin;
          cut_names[p] = NULL;
          plane_numbers[p] = p + 1;
          cut_index[p] = 0;
        }
    }
  else
    {
      applied = osp_margin_list_applied_cuts (self->plan);
      for (guint c = 0; c < applied->len; c++)
        {
          const OspAppliedCut *cut = &g_array_index (applied, OspAppliedCut, c);

          for (guint p = 0; p < cut->n_planes && n < MAX_SHOWN_PLANES; p++, n++)
            {
              memcpy (planes[n].normal, cut->planes[p], sizeof planes[n].normal);
              planes[n].d = cut->planes[p][3];
              cut_names[n] = cut->name != NULL ? cut->name : cut->model;
              plane_numbers[n] = p + 1;
              cut_index[n] = c;
            }
        }
      n_cuts = applied->len;
    }
  for (guint p = 0; p < n; p++)
    {
      memcpy (plane4[p], planes[p].normal, sizeof planes[p].normal);
      plane4[p][3] = planes[p].d;
      margins[p] = G_MAXDOUBLE;
    }
  for (guint m = 0; n > 0 && m < g_list_model_get_n_items (models); m++)
    {
      g_autoptr(OspModel) model = g_list_model_get_item (models, m);
      g_autoptr(OspMesh) world = NULL;
      OspMarginResult result = { 0 };
      mat4 transform;

      if (osp_model_get_role (model) != OSP_MODEL_ROLE_TUMOUR || osp_model_get_mesh (model) == NULL)
        continue;
      osp_model_get_transform (model, (float *) transform);
      world = osp_mesh_transform (osp_model_get_mesh (model), transform);
      if (!osp_margin_compute (world, (const float (*)[4]) plane4, n, &result))
        continue;
      n_tumours++;
      for (guint p = 0; p < n; p++)
        if (result.planes[p].margin_mm < margins[p])
          {
            margins[p] = result.planes[p].margin_mm;
            for (int c = 0; c < 3; c++)
              closest[3 * p + c] = result.planes[p].closest[c];
          }
      osp_margin_result_clear (&result);
    }

  if (!live && n_tumours > 0 && n > 0)
    {
      g_autofree char *escaped = g_markup_escape_text (_("Resection margins"), -1);

      g_string_append_printf (report, "<b>%s</b>", escaped);
    }
  for (guint p = 0; p < n; p++)
    {
      const float *color = n_tumours == 0 ? blue : margins[p] < target ? red : green;
      g_autofree char *text = NULL;
      g_autofree char *escaped = NULL;

      memcpy (rgb + 3 * p, color, 3 * sizeof (float));
      if (n_tumours == 0)
        continue;
      warnings[p] = margins[p] < target;
      if (report->len > 0)
        g_string_append_c (report, '\n');
      if (live && margins[p] < target)
        text = g_strdup_printf (_("Plane %u: margin %.1f mm, below the %.0f mm target"), p + 1,
                                margins[p], target);
      else if (live)
        text = g_strdup_printf (_("Plane %u: margin %.1f mm"), p + 1, margins[p]);
      else if (margins[p] < target)
        /* TRANSLATORS: "Cut Pelvis, plane 2: margin 4.0 mm, below the 10 mm target". */
        text = g_strdup_printf (_("%s, plane %u: margin %.1f mm, below the %.0f mm target"),
                                cut_names[p], plane_numbers[p], margins[p], target);
      else
        text = g_strdup_printf (_("%s, plane %u: margin %.1f mm"), cut_names[p],
                                plane_numbers[p], margins[p]);
      escaped = g_markup_escape_text (text, -1);
      if (margins[p] < target)
        g_string_append_printf (report, "<span foreground=\"#e01b24\" weight=\"bold\">%s</span>",
                                escaped);
      else
        g_string_append (report, escaped);
      {
        float point[3] = { (float) closest[3 * p], (float) closest[3 * p + 1],
                           (float) closest[3 * p + 2] };
        float foot[3], length = sqrtf (plane4[p][0] * plane4[p][0] + plane4[p][1] * plane4[p][1]
                                       + plane4[p][2] * plane4[p][2]);
        g_autoptr(OspMesh) marker = NULL;

        /* margin = d − n·point (n unit): the foot is the margin along the normal. */
        for (int c = 0; c < 3; c++)
          foot[c] = point[c] + (float) margins[p] * plane4[p][c] / MAX (length, 1e-12f);
        marker = marker_mesh (point, foot, 2.5f);
        guint handle = osp_viewport_add_overlay (self->viewport, marker, color, 1.0f);

        g_array_append_val (self->slices->markers, handle);
      }
    }
  /* Each cut's verdict: is the tumour wholly inside its resected region? */
  for (guint c = 0; n_tumours > 0 && c < n_cuts; c++)
    {
      gboolean inside = TRUE, any = FALSE;
      const char *name = NULL;

      for (guint p = 0; p < n; p++)
        if (cut_index[p] == c)
          {
            inside = inside && margins[p] > 0.0;
            name = any ? name : cut_names[p];
            any = TRUE;
          }
      if (any && !inside)
        {
          g_autofree char *text =
            live ? g_strdup (_("The tumour is not wholly inside the resected region."))
                 : g_strdup_printf (_("%s: the tumour is not wholly inside the resected region."),
                                    name != NULL ? name : "");
          g_autofree char *escaped = g_markup_escape_text (text, -1);

          g_string_append_printf (report, "\n<span foreground=\"#e01b24\" weight=\"bold\">%s</span>",
                                  escaped);
        }
    }
  if (live)
    osp_cut_panel_set_margin_report (self->cut_panel, report->str);
  osp_cut_panel_set_plane_warnings (self->cut_panel, warnings, n);
  if (self->slices->margins_label != NULL)
    {
      gtk_label_set_markup (self->slices->margins_label, live ? "" : report->str);
      gtk_widget_set_visible (GTK_WIDGET (self->slices->margins_label),
                              !live && report->len > 0);
    }
  osp_slice_group_set_planes (self->slice_group, planes, rgb, n);
  osp_slice_group_set_marks (self->slice_group, closest, rgb, n_tumours > 0 ? n : 0);
}

void
osp_window_slices_add_demo_tumour (OspWindow *self,
                                   OspVolume *volume,
                                   OspMask   *mask)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OspVolume) labels = NULL;
  g_autoptr(OspMask) made = NULL;
  OspPhantomLesion lesion;
  OspGrid grid;
  int index = osp_plan_get_volume_index (self->plan, volume);

  if (index < 0)
    return;
  /* Made in the demo's thread (osp-jobs.c), or here. */
  if (mask == NULL)
    {
      osp_phantom_get_lesion (&lesion);
      osp_grid_from_volume (volume, &grid);
      labels = osp_phantom_lesion_label_map (&lesion, volume, &error);
      if (labels != NULL)
        made = osp_mask_from_label_map (labels, 1, 1, &grid, _("Demo tumour"), &error);
      mask = made;
    }
  if (mask == NULL
      || !osp_plan_add_tumour (self->plan, (guint) index, mask, _("Tumour"), NULL, &error))
    osp_window_show_toast (self, error->message);
}

/* -- Tumour tools ------------------------------------------------------------------------ */

typedef enum
{
  TOOL_NONE,
  TOOL_PAINT,
  TOOL_ERASE,
  TOOL_GROW,
} TumourTool;

static TumourTool
current_tool (OspWindowSlices *s)
{
  if (gtk_toggle_button_get_active (s->paint_button))
    return TOOL_PAINT;
  if (gtk_toggle_button_get_active (s->erase_button))
    return TOOL_ERASE;
  if (gtk_toggle_button_get_active (s->grow_button))
    return TOOL_GROW;
  return TOOL_NONE;
}

/* The tumour mask on the shown CT, made (one undo step) when there is none. */
static int
ensure_tumour_mask (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  g_autoptr(GError) error = NULL;
  int volume_index;

  if (s->mask_index >= 0)
    return s->mask_index;
  volume_index = s->shown != NULL ? osp_plan_get_volume_index (self->plan, s->shown) : -1;
  if (volume_index < 0)
    return -1;
  if (!osp_plan_add_mask (self->plan, (guint) volume_index, _("Tumour"), NULL, 0xe01b24,
                          &error))
    {
      osp_window_show_toast (self, error->message);
      return -1;
    }
  update_mask (self);
  return s->mask_index;
}

/* The index axis of the shown CT closest to a view's normal, and the layer through p. */
static guint
index_axis (OspVolume *volume, OspSliceAxis view_axis, const double lps[3], guint32 *out_slice)
{
  double right[3], up[3], normal[3], direction[9], best = -1.0;
  guint axis = 2;
  OspGrid grid;
  double ijk[3];

  osp_slice_axis_frame (view_axis, right, up, normal);
  osp_volume_get_direction (volume, direction);
  for (guint a = 0; a < 3; a++)
    {
      double dot = fabs (direction[3 * a] * normal[0] + direction[3 * a + 1] * normal[1]
                         + direction[3 * a + 2] * normal[2]);

      if (dot > best)
        best = dot, axis = a;
    }
  osp_grid_from_volume (volume, &grid);
  osp_grid_lps_to_index (&grid, lps, ijk);
  *out_slice = (guint32) MAX (0.0, floor (ijk[axis] + 0.5));
  return axis;
}

static void
dab (OspWindow *self, OspSliceView *view, const double lps[3])
{
  OspWindowSlices *s = self->slices;
  g_autoptr(GError) error = NULL;
  double radius = 0.5 * gtk_adjustment_get_value (s->size_adjustment);
  guint8 value = current_tool (s) == TOOL_ERASE ? 0 : 1;
  gboolean ok;

  if (gtk_check_button_get_active (s->sphere_check))
    ok = osp_plan_paint_sphere (self->plan, (guint) s->mask_index, lps, radius, value, &error);
  else
    {
      guint32 slice;
      guint axis = index_axis (s->shown, osp_slice_view_get_axis (view), lps, &slice);

      ok = osp_plan_paint_disk (self->plan, (guint) s->mask_index, axis, slice, lps, radius,
                                value, &error);
      if (ok && value != 0 && (s->n_painted == 0 || s->painted[s->n_painted - 1] != slice
                               || s->stroke_axis != axis))
        {
          if (s->stroke_axis != axis)
            s->n_painted = 0;
          if (s->n_painted == 2)
            s->painted[0] = s->painted[1], s->n_painted = 1;
          s->painted[s->n_painted++] = slice;
          s->stroke_axis = axis;
        }
    }
  if (!ok)
    osp_window_show_toast (self, error->message);
  memcpy (s->last_dab, lps, sizeof s->last_dab);
}

static void
on_tool_press (OspSliceView *view,
               gpointer      lps_pointer,
               OspWindow    *self)
{
  OspWindowSlices *s = self->slices;
  const double *lps = lps_pointer;
  g_autoptr(GError) error = NULL;

  if (current_tool (s) == TOOL_NONE || ensure_tumour_mask (self) < 0)
    return;
  if (current_tool (s) == TOOL_GROW)
    {
      guint64 n_added = 0;

      if (!osp_plan_grow_region (self->plan, (guint) s->mask_index, lps,
                                 (int) gtk_adjustment_get_value (s->min_hu_adjustment),
                                 (int) gtk_adjustment_get_value (s->max_hu_adjustment),
                                 gtk_adjustment_get_value (s->radius_adjustment), 1, &n_added,
                                 &error))
        osp_window_show_toast (self, error->message);
      else
        {
          g_autofree char *text = g_strdup_printf (ngettext ("The region grew by %u voxel.",
                                                             "The region grew by %u voxels.",
                                                             (gulong) MIN (n_added, G_MAXUINT)),
                                                   (guint) MIN (n_added, G_MAXUINT));

          osp_window_show_toast (self, text);
        }
      return;
    }
  s->stroke = TRUE;
  dab (self, view, lps);
}

static void
on_tool_motion (OspSliceView *view,
                gpointer      lps_pointer,
                OspWindow    *self)
{
  OspWindowSlices *s = self->slices;
  const double *lps = lps_pointer;
  double step = MAX (0.25 * gtk_adjustment_get_value (s->size_adjustment), 0.2), length;
  int n;

  if (!s->stroke || s->mask_index < 0)
    return;
  /* Dabs a quarter of the brush apart along the way, so fast strokes leave no gaps. */
  length = sqrt ((lps[0] - s->last_dab[0]) * (lps[0] - s->last_dab[0])
                 + (lps[1] - s->last_dab[1]) * (lps[1] - s->last_dab[1])
                 + (lps[2] - s->last_dab[2]) * (lps[2] - s->last_dab[2]));
  n = (int) MIN (ceil (length / step), 200.0);
  for (int i = 1; i <= n; i++)
    {
      double t = (double) i / n, p[3];

      for (int c = 0; c < 3; c++)
        p[c] = s->last_dab[c] + t * (lps[c] - s->last_dab[c]);
      if (i == n)
        memcpy (p, lps, sizeof p);
      dab (self, view, p);
    }
}

static void
on_tool_release (OspSliceView *view,
                 gpointer      lps_pointer,
                 OspWindow    *self)
{
  OspWindowSlices *s = self->slices;

  if (!s->stroke)
    return;
  s->stroke = FALSE;
  /* One stroke, one undo step. */
  osp_plan_seal_undo (self->plan);
}

static void
on_tool_toggled (GtkToggleButton *button,
                 OspWindow       *self)
{
  OspWindowSlices *s = self->slices;
  gboolean active = current_tool (s) != TOOL_NONE;

  for (int a = 0; a < OSP_SLICE_N_AXES; a++)
    osp_slice_view_set_tool_active (osp_view_grid_get_slice_view (self->view_grid, a), active);
}

static void
on_fill_between (GtkButton *button,
                 OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  g_autoptr(GError) error = NULL;

  if (s->mask_index < 0 || s->n_painted < 2)
    {
      osp_window_show_toast (self, _("Paint the tumour on two slices first (brush on one "
                                     "slice, not the 3D sphere), then fill between them."));
      return;
    }
  if (!osp_plan_fill_between (self->plan, (guint) s->mask_index, s->stroke_axis,
                              MIN (s->painted[0], s->painted[1]),
                              MAX (s->painted[0], s->painted[1]), 1, &error))
    osp_window_show_toast (self, error->message);
}

static void
on_make_model (GtkButton *button,
               OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  g_autoptr(GError) error = NULL;
  OspModel *model;

  if (s->mask_index < 0)
    {
      osp_window_show_toast (self, _("Paint, grow or import the tumour on the slices first."));
      return;
    }
  model = osp_plan_mesh_mask (self->plan, (guint) s->mask_index, 0, _("Tumour"),
                              OSP_MODEL_ROLE_TUMOUR, 2, NULL, &error);
  if (model == NULL)
    osp_window_show_toast (self, error->message);
  else
    {
      g_autofree char *text =
        g_strdup_printf (_("Tumour model: %.1f cm³."),
                         osp_mesh_get_volume (osp_model_get_mesh (model)) / 1000.0);

      osp_window_show_toast (self, text);
    }
}

static void
on_import_response (GtkNativeDialog *native,
                    int              response,
                    OspWindow       *self)
{
  OspWindowSlices *s = self->slices;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int volume_index = s->shown != NULL ? osp_plan_get_volume_index (self->plan, s->shown) : -1;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_object_unref (native);
  if (file == NULL || volume_index < 0)
    return;
  path = g_file_get_path (file);
  /* A label map: the label is picked from those present, once it is loaded. */
  if (g_str_has_suffix (path, ".nii") || g_str_has_suffix (path, ".nii.gz")
      || g_str_has_suffix (path, ".hdr"))
    {
      osp_window_slices_import_label_map (self, path);
      return;
    }
  if (!osp_plan_import_mask_mesh (self->plan, (guint) volume_index, path, NULL, NULL, &error))
    osp_window_show_toast (self, error->message);
}

static void
on_import (GtkButton *button,
           OspWindow *self)
{
  GtkFileChooserNative *native;
  GtkFileFilter *filter;

  if (self->slices->shown == NULL
      || osp_plan_get_volume_index (self->plan, self->slices->shown) < 0)
    return;
  native = gtk_file_chooser_native_new (_("Import Tumour"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                                        _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Label maps and meshes (NIfTI, STL, OBJ, PLY)"));
  gtk_file_filter_add_suffix (filter, "nii");
  gtk_file_filter_add_suffix (filter, "gz");
  gtk_file_filter_add_suffix (filter, "stl");
  gtk_file_filter_add_suffix (filter, "obj");
  gtk_file_filter_add_suffix (filter, "ply");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_import_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static GtkWidget *
spin_row (const char *label, GtkAdjustment *adjustment, guint digits)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *text = gtk_label_new (label);
  GtkWidget *spin = gtk_spin_button_new (adjustment, 1.0, digits);

  gtk_label_set_xalign (GTK_LABEL (text), 0.0f);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  text, NULL, -1);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), spin);
  return box;
}

static GtkWidget *
build_tumour_box (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *tools = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *button;

  gtk_widget_set_margin_top (box, 4);

  gtk_widget_add_css_class (tools, "linked");
  s->paint_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("_Paint")));
  s->erase_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("_Erase")));
  s->grow_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (_("_Grow")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (s->paint_button),
                               _("Paint the tumour on the slices (each stroke one undo step)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (s->erase_button), _("Erase from the tumour"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (s->grow_button),
                               _("Click a seed: the connected voxels in the HU range, within "
                                 "the radius, join the tumour"));
  gtk_toggle_button_set_group (s->erase_button, s->paint_button);
  gtk_toggle_button_set_group (s->grow_button, s->paint_button);
  gtk_box_append (GTK_BOX (tools), GTK_WIDGET (s->paint_button));
  gtk_box_append (GTK_BOX (tools), GTK_WIDGET (s->erase_button));
  gtk_box_append (GTK_BOX (tools), GTK_WIDGET (s->grow_button));
  gtk_widget_set_hexpand (GTK_WIDGET (s->paint_button), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (s->erase_button), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (s->grow_button), TRUE);
  g_signal_connect (s->paint_button, "toggled", G_CALLBACK (on_tool_toggled), self);
  g_signal_connect (s->erase_button, "toggled", G_CALLBACK (on_tool_toggled), self);
  g_signal_connect (s->grow_button, "toggled", G_CALLBACK (on_tool_toggled), self);
  gtk_box_append (GTK_BOX (box), tools);

  s->size_adjustment = gtk_adjustment_new (10.0, 1.0, 100.0, 1.0, 5.0, 0.0);
  gtk_box_append (GTK_BOX (box), spin_row (_("Brush size (mm)"), s->size_adjustment, 0));
  s->sphere_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (
                                        _("3D _sphere (else one slice)")));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->sphere_check));
  s->min_hu_adjustment = gtk_adjustment_new (0.0, -1000.0, 3000.0, 10.0, 100.0, 0.0);
  s->max_hu_adjustment = gtk_adjustment_new (150.0, -1000.0, 3000.0, 10.0, 100.0, 0.0);
  s->radius_adjustment = gtk_adjustment_new (40.0, 1.0, 300.0, 1.0, 10.0, 0.0);
  gtk_box_append (GTK_BOX (box), spin_row (_("Grow from (HU)"), s->min_hu_adjustment, 0));
  gtk_box_append (GTK_BOX (box), spin_row (_("Grow to (HU)"), s->max_hu_adjustment, 0));
  gtk_box_append (GTK_BOX (box), spin_row (_("Grow within (mm)"), s->radius_adjustment, 0));

  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  button = gtk_button_new_with_mnemonic (_("_Fill Between"));
  gtk_widget_set_tooltip_text (button, _("Fill the slices between the last two painted ones"));
  g_signal_connect (button, "clicked", G_CALLBACK (on_fill_between), self);
  gtk_box_append (GTK_BOX (buttons), button);
  button = gtk_button_new_with_mnemonic (_("_Make Model"));
  gtk_widget_set_tooltip_text (button, _("The tumour as a closed red model with its volume"));
  g_signal_connect (button, "clicked", G_CALLBACK (on_make_model), self);
  gtk_box_append (GTK_BOX (buttons), button);
  gtk_box_append (GTK_BOX (box), buttons);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  button = gtk_button_new_with_mnemonic (_("_Import…"));
  gtk_widget_set_tooltip_text (button, _("A label map (NIfTI: then pick the tumour’s label from "
                                         "those present) or a closed mesh (STL, OBJ, PLY)"));
  g_signal_connect (button, "clicked", G_CALLBACK (on_import), self);
  gtk_widget_set_hexpand (button, TRUE);
  gtk_box_append (GTK_BOX (buttons), button);
  gtk_box_append (GTK_BOX (box), buttons);

  for (int a = 0; a < OSP_SLICE_N_AXES; a++)
    {
      OspSliceView *view = osp_view_grid_get_slice_view (self->view_grid, a);

      g_signal_connect (view, "tool-press", G_CALLBACK (on_tool_press), self);
      g_signal_connect (view, "tool-motion", G_CALLBACK (on_tool_motion), self);
      g_signal_connect (view, "tool-release", G_CALLBACK (on_tool_release), self);
    }
  /* Folded until wanted: the model list keeps its room. */
  {
    GtkWidget *expander = gtk_expander_new (NULL);

    s->tumour_label = GTK_LABEL (gtk_label_new (_("Tumour Tools")));
    gtk_widget_add_css_class (GTK_WIDGET (s->tumour_label), "heading");
    gtk_expander_set_label_widget (GTK_EXPANDER (expander), GTK_WIDGET (s->tumour_label));
    gtk_expander_set_child (GTK_EXPANDER (expander), box);
    gtk_widget_set_margin_top (expander, 6);
    return expander;
  }
}

/* -- Importing a tumour from a label map: the label picked from those present ------------- */

/* More labels than a person picks from in a list: the rest are said to be left out. */
#define LABEL_LIST_MAX 500

typedef struct
{
  OspWindow *self;
  OspVolume *ct;            /* the CT the tumour goes on */
  char      *path;
  char      *display_name;
  OspVolume *labels;        /* loaded in the thread */
  GArray    *list;          /* OspLabelCount, at most LABEL_LIST_MAX */
  guint      n_present;
  double     voxel_ml;
} LabelPick;

static void
label_pick_clear (LabelPick *pick)
{
  g_object_unref (pick->self);
  osp_volume_unref (pick->ct);
  g_free (pick->path);
  g_free (pick->display_name);
  g_clear_pointer (&pick->labels, osp_volume_unref);
  g_clear_pointer (&pick->list, g_array_unref);
}

static void
label_pick_unref (LabelPick *pick)
{
  g_rc_box_release_full (pick, (GDestroyNotify) label_pick_clear);
}

static void
load_labels_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  LabelPick *pick = task_data;
  GError *error = NULL;
  OspGrid grid, reference;

  pick->labels = osp_volume_load (pick->path, NULL, NULL, cancellable, &error);
  if (pick->labels == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  osp_grid_from_volume (pick->labels, &grid);
  osp_grid_from_volume (pick->ct, &reference);
  if (!osp_grid_check_match (&grid, &reference, pick->display_name, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  pick->list = osp_label_map_list_labels_capped (pick->labels, LABEL_LIST_MAX,
                                                 &pick->n_present, pick->display_name, &error);
  if (pick->list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (pick->list->len == 0)
    {
      g_task_return_new_error (task, OSP_ERROR, OSP_ERROR_FAILED,
                               _("%s holds no label: every voxel is 0"), pick->display_name);
      return;
    }
  pick->voxel_ml = osp_grid_voxel_volume (&grid) / 1000.0;
  g_task_return_boolean (task, TRUE);
}

/* Imports label `label` of the map as the tumour (a mask and its red model, one undo step). */
static void
import_label (LabelPick *pick,
              int        label)
{
  OspWindow *self = pick->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(OspMask) mask = NULL;
  g_autofree char *name = NULL;
  int index = self->plan != NULL ? osp_plan_get_volume_index (self->plan, pick->ct) : -1;
  OspGrid grid;

  if (index < 0)
    {
      osp_window_show_toast (self, _("The CT left the case: nothing was imported."));
      return;
    }
  /* Named after the label, and never after a mask the case has already. */
  name = g_strdup_printf (_("Tumour (label %d)"), label);
  for (guint i = 2; osp_plan_find_mask (self->plan, name) >= 0; i++)
    {
      g_free (name);
      name = g_strdup_printf (_("Tumour (label %d) %u"), label, i);
    }
  osp_grid_from_volume (pick->ct, &grid);
  mask = osp_mask_from_label_map (pick->labels, label, 1, &grid, pick->display_name, &error);
  if (mask == NULL || !osp_plan_add_tumour (self->plan, (guint) index, mask, name, NULL, &error))
    osp_window_show_toast (self, error->message);
  else
    {
      g_autofree char *text =
        g_strdup_printf (_("Label %d of %s imported as the tumour: %.1f mL."), label,
                         pick->display_name, osp_mask_count (mask, 1) * pick->voxel_ml);

      osp_window_show_toast (self, text);
    }
}

static void
on_label_chooser_import (GtkWidget *button,
                         GtkWidget *window)
{
  LabelPick *pick = g_object_get_data (G_OBJECT (window), "osp-label-pick");
  GtkListBox *list = g_object_get_data (G_OBJECT (window), "osp-label-list");
  GtkListBoxRow *row = gtk_list_box_get_selected_row (list);

  if (row == NULL)
    return;
  import_label (pick, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "osp-label")));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_label_row_activated (GtkListBox    *list,
                        GtkListBoxRow *row,
                        GtkWidget     *window)
{
  gtk_list_box_select_row (list, row);
  on_label_chooser_import (NULL, window);
}

/* A modal window listing the labels present with their voxel counts and volumes. */
static GtkWidget *
label_chooser_new (LabelPick *pick)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *heading, *button;
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();
  g_autofree char *question =
    g_strdup_printf (_("Which label of %s is the tumour?"), pick->display_name);

  gtk_window_set_title (GTK_WINDOW (window), _("Import Tumour"));
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (pick->self));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 440, 480);
  gtk_widget_set_name (window, "osp-label-chooser");
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("Escape"),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, shortcuts);

  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  heading = gtk_label_new (question);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (box), heading);
  {
    g_autofree char *text = NULL;
    GtkWidget *label;

    if (pick->n_present > pick->list->len)
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The label map holds %u label; only the first %u "
                                           "are listed.",
                                           "The label map holds %u labels; only the first %u "
                                           "are listed.", pick->n_present),
                              pick->n_present, pick->list->len);
    else
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The label map holds %u label (0, the background, "
                                           "left out).",
                                           "The label map holds %u labels (0, the background, "
                                           "left out).", pick->n_present), pick->n_present);
    label = gtk_label_new (text);
    gtk_label_set_wrap (GTK_LABEL (label), TRUE);
    gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
    gtk_widget_add_css_class (label, pick->n_present > pick->list->len ? "warning" : "dim-label");
    gtk_box_append (GTK_BOX (box), label);
  }

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_SINGLE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < pick->list->len; i++)
    {
      const OspLabelCount *c = &g_array_index (pick->list, OspLabelCount, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf (_("Label %d"), c->label);
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, c->n_voxels);
      g_autofree char *subtitle =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s voxel, %.2f mL", "%s voxels, %.2f mL",
                                      c->n_voxels > G_MAXULONG ? G_MAXULONG : c->n_voxels),
                         count, c->n_voxels * pick->voxel_ml);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "osp-label", GINT_TO_POINTER (c->label));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  gtk_list_box_select_row (GTK_LIST_BOX (list),
                           gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  g_signal_connect (list, "row-activated", G_CALLBACK (on_label_row_activated), window);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);

  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  button = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (gtk_window_destroy), window);
  gtk_box_append (GTK_BOX (buttons), button);
  button = gtk_button_new_with_mnemonic (_("_Import"));
  gtk_widget_add_css_class (button, "suggested-action");
  g_signal_connect (button, "clicked", G_CALLBACK (on_label_chooser_import), window);
  gtk_box_append (GTK_BOX (buttons), button);
  gtk_window_set_default_widget (GTK_WINDOW (window), button);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (window), box);

  g_object_set_data (G_OBJECT (window), "osp-label-list", list);
  g_object_set_data_full (G_OBJECT (window), "osp-label-pick", g_rc_box_acquire (pick),
                          (GDestroyNotify) label_pick_unref);
  return window;
}

static void
on_labels_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  LabelPick *pick = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  OspWindow *self = pick->self;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!self->disposed && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        osp_window_show_toast (self, error->message);
      return;
    }
  if (self->disposed)
    return;
  /* One label: nothing to pick. */
  if (pick->list->len == 1)
    {
      import_label (pick, g_array_index (pick->list, OspLabelCount, 0).label);
      return;
    }
  gtk_window_present (GTK_WINDOW (label_chooser_new (pick)));
}

/* "Import…" of a NIfTI label map onto the CT shown: loads it in a thread, then asks which of
 * the labels present is the tumour (or imports the only one). */
void
osp_window_slices_import_label_map (OspWindow  *self,
                                    const char *path)
{
  g_autoptr(GTask) task = NULL;
  LabelPick *pick;

  g_return_if_fail (OSP_IS_WINDOW (self) && path != NULL);

  if (self->slices->shown == NULL
      || osp_plan_get_volume_index (self->plan, self->slices->shown) < 0)
    return;
  pick = g_rc_box_new0 (LabelPick);
  pick->self = g_object_ref (self);
  pick->ct = osp_volume_ref (self->slices->shown);
  pick->path = g_strdup (path);
  pick->display_name = osp_error_display_name (path);
  task = g_task_new (NULL, NULL, on_labels_loaded, NULL);
  g_task_set_task_data (task, pick, (GDestroyNotify) label_pick_unref);
  g_task_run_in_thread (task, load_labels_thread);
}

/* -- Opening a CT: one patient per case ---------------------------------------------------- */

typedef struct
{
  OspWindow *self;
  char      *path;
  OspVolume *volume;
  GPtrArray *series;
  int        series_index;
  guint64   *histogram;
} PendingCt;

static void
pending_ct_free (PendingCt *pending)
{
  g_object_unref (pending->self);
  g_free (pending->path);
  osp_volume_unref (pending->volume);
  g_clear_pointer (&pending->series, g_ptr_array_unref);
  g_free (pending->histogram);
  g_free (pending);
}

static void
on_ct_model_ready (OspCtDialog *dialog,
                   OspMesh     *mesh,
                   const char  *name,
                   OspWindow   *self)
{
  /* The CT stays with the case beside the bone made from it. */
  osp_window_slices_add_volume (self, osp_ct_dialog_get_volume (dialog));
  osp_window_add_mesh (self, mesh, name, OSP_MODEL_ROLE_BONE, NULL);
}

static void
present_ct_dialog (OspWindow *self, PendingCt *pending)
{
  OspCtDialog *dialog = osp_ct_dialog_new (GTK_WINDOW (self), pending->path, pending->volume,
                                           pending->series, pending->series_index,
                                           pending->histogram);

  g_signal_connect_object (dialog, "model-ready", G_CALLBACK (on_ct_model_ready), self, 0);
  osp_window_slices_follow_ct_dialog (self, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_patient_response (AdwMessageDialog *dialog,
                     const char       *response,
                     PendingCt        *pending)
{
  if (g_strcmp0 (response, "add") == 0)
    present_ct_dialog (pending->self, pending);
  else if (g_strcmp0 (response, "new") == 0)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (pending->self));
      OspWindow *window = osp_window_new (app);

      gtk_window_present (GTK_WINDOW (window));
      present_ct_dialog (window, pending);
    }
  pending_ct_free (pending);
}

void
osp_window_slices_open_ct (OspWindow     *self,
                           const char    *path,
                           OspVolume     *volume,
                           GPtrArray     *series,
                           int            series_index,
                           const guint64 *histogram)
{
  PendingCt *pending;
  const OspPatient *ours, *theirs;

  g_return_if_fail (OSP_IS_WINDOW (self) && path != NULL && volume != NULL);

  pending = g_new0 (PendingCt, 1);
  pending->self = g_object_ref (self);
  pending->path = g_strdup (path);
  pending->volume = osp_volume_ref (volume);
  pending->series = series != NULL ? g_ptr_array_ref (series) : NULL;
  pending->series_index = series_index;
  pending->histogram = histogram != NULL
                         ? g_memdup2 (histogram, OSP_JOB_HISTOGRAM_N_BINS * sizeof (guint64))
                         : NULL;
  ours = osp_plan_get_patient (self->plan);
  theirs = osp_volume_get_patient (volume);
  if (ours == NULL || theirs == NULL || osp_patient_same (ours, theirs))
    {
      present_ct_dialog (self, pending);
      pending_ct_free (pending);
      return;
    }
  {
    g_autofree char *case_name = osp_patient_format_name (ours);
    g_autofree char *ct_name = osp_patient_format_name (theirs);
    g_autofree char *file = osp_error_display_name (path);
    g_autofree char *body =
      g_strdup_printf (_("%s shows %s (ID %s), but this case is %s's (ID %s). Two patients' "
                         "bones must not be planned together."), file,
                       ct_name != NULL ? ct_name : "", theirs->id != NULL ? theirs->id : "",
                       case_name != NULL ? case_name : "", ours->id != NULL ? ours->id : "");
    GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                                _("This CT Belongs to Another Patient"), body);

    adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                      "cancel", _("_Cancel"),
                                      "add", _("_Add Anyway"),
                                      "new", _("Open as _New Case"), NULL);
    adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "add",
                                                ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "new",
                                                ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "new");
    adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
    g_signal_connect (dialog, "response", G_CALLBACK (on_patient_response), pending);
    gtk_window_present (GTK_WINDOW (dialog));
  }
}

/* -- Side panel: the patient and the CTs ------------------------------------------------- */

static void
on_ct_row_activated (GtkListBox    *list,
                     GtkListBoxRow *row,
                     OspWindow     *self)
{
  int index = gtk_list_box_row_get_index (row);

  if (index >= 0 && (guint) index < osp_plan_get_n_volumes (self->plan))
    show (self, osp_plan_get_volume (self->plan, (guint) index));
}

static void
update_case (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  const OspPatient *patient = self->plan != NULL ? osp_plan_get_patient (self->plan) : NULL;
  guint n = self->plan != NULL ? osp_plan_get_n_volumes (self->plan) : 0;
  GtkWidget *child;

  if (s == NULL || s->case_box == NULL)
    return;
  if (patient != NULL && !osp_patient_is_empty (patient))
    {
      g_autofree char *name = osp_patient_format_name (patient);
      g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *details = NULL;

      if (patient->id != NULL && patient->id[0] != '\0')
        g_ptr_array_add (parts, g_strdup_printf (_("ID %s"), patient->id));
      if (patient->birth_date != NULL && patient->birth_date[0] != '\0')
        {
          g_autofree char *date = osp_patient_format_date (patient->birth_date);

          g_ptr_array_add (parts, g_strdup_printf (_("born %s"), date));
        }
      if (patient->sex != NULL && patient->sex[0] != '\0')
        g_ptr_array_add (parts, g_strdup_printf (_("sex %s"), patient->sex));
      if (patient->study_date != NULL && patient->study_date[0] != '\0')
        {
          g_autofree char *date = osp_patient_format_date (patient->study_date);

          g_ptr_array_add (parts, g_strdup_printf (_("study %s"), date));
        }
      g_ptr_array_add (parts, NULL);
      details = g_strjoinv (" · ", (char **) parts->pdata);
      gtk_label_set_text (s->patient_label, name != NULL && name[0] != '\0'
                                              ? name : _("Anonymous patient"));
      gtk_label_set_text (s->patient_details, details);
      gtk_widget_set_visible (GTK_WIDGET (s->patient_details), details[0] != '\0');
    }
  else
    {
      gtk_label_set_text (s->patient_label, n > 0 ? _("Patient not recorded") : "");
      gtk_widget_set_visible (GTK_WIDGET (s->patient_details), FALSE);
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (s->ct_list))) != NULL)
    gtk_list_box_remove (s->ct_list, child);
  for (guint i = 0; i < n; i++)
    {
      OspVolume *volume = osp_plan_get_volume (self->plan, i);
      const char *description = osp_volume_get_description (volume);
      GtkWidget *row = adw_action_row_new ();
      guint32 dims[3];
      double spacing[3];
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      osp_volume_get_dims (volume, dims);
      osp_volume_get_spacing (volume, spacing);
      title = description != NULL && description[0] != '\0'
                ? g_markup_escape_text (description, -1)
                : g_strdup_printf (_("CT %u"), i + 1);
      subtitle = g_strdup_printf (_("%u × %u × %u voxels of %.2f × %.2f × %.2f mm"), dims[0],
                                  dims[1], dims[2], spacing[0], spacing[1], spacing[2]);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("image-x-generic-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      if (volume == s->shown)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   gtk_image_new_from_icon_name ("object-select-symbolic"));
      gtk_list_box_append (s->ct_list, row);
    }
  gtk_widget_set_visible (s->case_box, n > 0 || (patient != NULL
                                                  && !osp_patient_is_empty (patient)));
}

static void
build_case_box (OspWindow *self)
{
  OspWindowSlices *s = self->slices;
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->model_list_view),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *page = scrolled != NULL ? gtk_widget_get_parent (scrolled) : NULL;

  if (!GTK_IS_BOX (page))
    return;
  s->case_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_margin_start (s->case_box, 12);
  gtk_widget_set_margin_end (s->case_box, 12);
  gtk_widget_set_margin_top (s->case_box, 8);
  gtk_widget_set_margin_bottom (s->case_box, 4);
  s->patient_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (s->patient_label, 0.0f);
  gtk_label_set_ellipsize (s->patient_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (s->patient_label), "heading");
  gtk_box_append (GTK_BOX (s->case_box), GTK_WIDGET (s->patient_label));
  s->patient_details = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (s->patient_details, 0.0f);
  gtk_label_set_wrap (s->patient_details, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (s->patient_details), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (s->patient_details), "caption");
  gtk_box_append (GTK_BOX (s->case_box), GTK_WIDGET (s->patient_details));
  s->ct_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (s->ct_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (s->ct_list), "boxed-list");
  gtk_widget_set_margin_top (GTK_WIDGET (s->ct_list), 4);
  g_signal_connect (s->ct_list, "row-activated", G_CALLBACK (on_ct_row_activated), self);
  gtk_box_append (GTK_BOX (s->case_box), GTK_WIDGET (s->ct_list));
  s->tumour_box = build_tumour_box (self);
  gtk_box_append (GTK_BOX (s->case_box), s->tumour_box);
  gtk_widget_set_visible (s->case_box, FALSE);
  gtk_box_prepend (GTK_BOX (page), s->case_box);
  s->margins_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (s->margins_label, 0.0f);
  gtk_label_set_wrap (s->margins_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (s->margins_label), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (s->margins_label), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (s->margins_label), 4);
  gtk_widget_set_visible (GTK_WIDGET (s->margins_label), FALSE);
  gtk_box_insert_child_after (GTK_BOX (page), GTK_WIDGET (s->margins_label), s->case_box);
}

static void
on_threshold_changed (GtkAdjustment *adjustment,
                      OspWindow     *self)
{
  osp_slice_group_set_outline (self->slice_group, TRUE, gtk_adjustment_get_value (adjustment));
}

void
osp_window_slices_follow_ct_dialog (OspWindow   *self,
                                    OspCtDialog *dialog)
{
  GtkAdjustment *adjustment;

  g_return_if_fail (OSP_IS_WINDOW (self) && OSP_IS_CT_DIALOG (dialog));

  adjustment = osp_ct_dialog_get_threshold_adjustment (dialog);
  osp_window_slices_show_volume (self, osp_ct_dialog_get_volume (dialog));
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (on_threshold_changed), self,
                           0);
  on_threshold_changed (adjustment, self);
}
