/* osp-measure-panel.c — the Measure tool: landmarks, distances, angles, volumes, CSV
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "osp-measure-panel.h"
#include "osp-gui-private.h"
#include "osp-settings.h"
#include "osp-slice-group.h"
#include "osp-window.h"


struct _OspMeasurePanel
{
  GtkBox              parent_instance;

  /* template */
  GtkEntry           *landmark_entry;
  GtkGrid            *landmark_grid;
  GtkToggleButton    *pick_button;
  GtkEntry           *name_entry;
  GtkDropDown        *kind_dropdown;
  GtkLabel           *ref_labels[3];
  GtkEntry           *ref_entries[3];
  GtkListBox         *list_box;
  GtkLabel           *status_label;

  GtkSpinButton      *position_spins[3];

  OspPlan            *plan;
  GtkSingleSelection *selection;
  OspViewport        *viewport;
  gulong              operations_handler;
  gulong              click_handler;

  GHashTable         *values;       /* name → value text shown */
  guint               n_rows;

  GtkMenuButton      *ref_menus[3];   /* choose a reference from the plan's names */
  guint               marker_overlay; /* landmarks and measurements drawn in the 3D view */
  guint               line_overlay;
};

/* A click this close to a landmark picks it instead of adding another (mm). */
#define LANDMARK_SNAP_MM 4.0

G_DEFINE_FINAL_TYPE (OspMeasurePanel, osp_measure_panel, GTK_TYPE_BOX)

static void update_ref_menus (OspMeasurePanel *self);

static void
set_status (OspMeasurePanel *self,
            const char      *text,
            gboolean         is_error)
{
  gtk_label_set_text (self->status_label, text);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static gboolean
execute (OspMeasurePanel *self,
         OspCommand      *command)
{
  g_autoptr(GError) error = NULL;

  if (!osp_plan_execute (self->plan, command, &error))
    {
      set_status (self, error->message, TRUE);
      return FALSE;
    }
  set_status (self, "", FALSE);
  return TRUE;
}

static OspMeasureKind
get_kind (OspMeasurePanel *self)
{
  guint selected = gtk_drop_down_get_selected (self->kind_dropdown);

  return selected <= OSP_MEASURE_AREA ? (OspMeasureKind) selected : OSP_MEASURE_DISTANCE;
}

static const char *
kind_title (OspMeasureKind kind)
{
  switch (kind)
    {
    case OSP_MEASURE_DISTANCE: return _("Distance");
    case OSP_MEASURE_POINT_PLANE: return _("Distance to Plane");
    case OSP_MEASURE_ANGLE: return _("Angle");
    case OSP_MEASURE_PLANE_ANGLE: return _("Plane Angle");
    case OSP_MEASURE_VOLUME: return _("Volume");
    case OSP_MEASURE_AREA: return _("Area");
    default: return _("Measurement");
    }
}

/* What each reference of a kind names. */
static const char *
ref_title (OspMeasureKind kind,
           guint          index)
{
  switch (kind)
    {
    case OSP_MEASURE_DISTANCE: return _("Landmark");
    case OSP_MEASURE_POINT_PLANE: return index == 0 ? _("Landmark") : _("Plane");
    case OSP_MEASURE_ANGLE: return index == 1 ? _("Vertex landmark") : _("Landmark");
    case OSP_MEASURE_PLANE_ANGLE: return _("Plane");
    case OSP_MEASURE_VOLUME:
    case OSP_MEASURE_AREA:
    default: return _("Model");
    }
}

/* Each reference's menu lists what it can name: landmarks, planes or models of the plan. */
static void
update_ref_menus (OspMeasurePanel *self)
{
  OspMeasureKind kind = get_kind (self);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GMenu) menu = g_menu_new ();
      const char *what = ref_title (kind, i);
      gboolean planes = g_strcmp0 (what, _("Plane")) == 0;
      gboolean models = g_strcmp0 (what, _("Model")) == 0;
      guint n;

      if (self->ref_menus[i] == NULL)
        continue;
      if (self->plan != NULL)
        {
          n = planes ? osp_plan_get_n_planes (self->plan)
                     : models ? osp_plan_get_n_models (self->plan)
                              : osp_plan_get_n_landmarks (self->plan);
          for (guint j = 0; j < n; j++)
            {
              const char *name = planes ? osp_plan_get_plane_name (self->plan, j)
                                 : models ? osp_model_get_name (osp_plan_get_model (self->plan,
                                                                                    j))
                                          : osp_plan_get_landmark_name (self->plan, j);
              g_autoptr(GMenuItem) item = g_menu_item_new (name, NULL);

              g_menu_item_set_action_and_target_value (item, "measure.set-ref",
                                                       g_variant_new ("(us)", i, name));
              g_menu_append_item (menu, item);
            }
        }
      gtk_menu_button_set_menu_model (self->ref_menus[i], G_MENU_MODEL (menu));
      gtk_widget_set_sensitive (GTK_WIDGET (self->ref_menus[i]),
                                g_menu_model_get_n_items (G_MENU_MODEL (menu)) > 0);
    }
}

static void
action_set_ref (GtkWidget  *widget,
                const char *action,
                GVariant   *parameter)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (widget);
  guint index;
  const char *name;

  g_variant_get (parameter, "(u&s)", &index, &name);
  if (index < 3)
    gtk_editable_set_text (GTK_EDITABLE (self->ref_entries[index]), name);
}

/* Landmarks as markers, measurements as lines, in the 3D view. */
static void
update_overlays (OspMeasurePanel *self)
{
  static const float marker_rgb[3] = { 0.95f, 0.2f, 0.25f };
  static const float line_rgb[3] = { 1.0f, 0.85f, 0.1f };
  g_autoptr(GPtrArray) primitives = NULL;
  g_autoptr(GPtrArray) balls = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autoptr(GPtrArray) rods = g_ptr_array_new_with_free_func ((GDestroyNotify) osp_mesh_unref);
  g_autoptr(GArray) label_points = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GPtrArray) label_texts = g_ptr_array_new ();
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) markers = g_array_new (FALSE, FALSE, sizeof (float));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  OspSliceGroup *slices = OSP_IS_WINDOW (root) ? osp_window_get_slice_group (OSP_WINDOW (root))
                                               : NULL;

  if (self->viewport == NULL || self->plan == NULL)
    return;
  primitives = osp_measure_get_primitives (self->plan);
  for (guint i = 0; i < primitives->len; i++)
    {
      const OspMeasurePrimitive *p = g_ptr_array_index (primitives, i);

      /* Each value beside its line (a distance at its middle, an angle at its vertex), each
       * landmark's name beside its marker. */
      if (p->label != NULL)
        {
          const OspMeasurePrimitive *next = i + 1 < primitives->len
                                            ? g_ptr_array_index (primitives, i + 1) : NULL;
          /* An angle's two legs start at its vertex (a); its label goes there. */
          gboolean vertex = next != NULL && next->label == NULL &&
                            next->kind == OSP_MEASURE_PRIMITIVE_SEGMENT &&
                            memcmp (next->a, p->a, sizeof p->a) == 0;
          float at[3];

          for (guint k = 0; k < 3; k++)
            at[k] = p->kind == OSP_MEASURE_PRIMITIVE_SEGMENT && !vertex
                    ? (p->a[k] + p->b[k]) / 2 : p->a[k];
          g_array_append_vals (label_points, at, 3);
          g_ptr_array_add (label_texts, p->label);
        }

      if (p->kind == OSP_MEASURE_PRIMITIVE_MARKER)
        {
          g_ptr_array_add (balls, osp_marker_make_ball (p->a, 2.0));
          g_array_append_vals (markers, p->a, 3);
        }
      else
        {
          OspMesh *rod = osp_marker_make_rod (p->a, p->b, 0.5);

          if (rod != NULL)
            g_ptr_array_add (rods, rod);
          g_array_append_vals (segments, p->a, 3);
          g_array_append_vals (segments, p->b, 3);
        }
    }
  for (guint pass = 0; pass < 2; pass++)
    {
      GPtrArray *meshes = pass == 0 ? balls : rods;
      guint *overlay = pass == 0 ? &self->marker_overlay : &self->line_overlay;

      if (meshes->len > 0)
        {
          g_autoptr(OspMesh) mesh = osp_mesh_merge ((OspMesh *const *) meshes->pdata,
                                                    meshes->len);

          if (*overlay == 0)
            *overlay = osp_viewport_add_overlay (self->viewport, mesh,
                                                 pass == 0 ? marker_rgb : line_rgb, 1.0f);
          else
            osp_viewport_update_overlay (self->viewport, *overlay, mesh, TRUE);
        }
      else if (*overlay != 0)
        osp_viewport_update_overlay (self->viewport, *overlay, NULL, FALSE);
    }
  osp_viewport_set_labels (self->viewport, (const float *) (void *) label_points->data,
                           (const char *const *) label_texts->pdata, label_texts->len);
  /* And on the CT slices, where they lie near them. */
  if (slices != NULL)
    osp_slice_group_set_measurements (slices, (const float *) (void *) segments->data,
                                      segments->len / 6, (const float *) (void *) markers->data,
                                      markers->len / 3,
                                      (const float *) (void *) label_points->data,
                                      (const char *const *) label_texts->pdata,
                                      label_texts->len);
}

static void
on_kind_changed (OspMeasurePanel *self)
{
  OspMeasureKind kind = get_kind (self);
  guint n_refs = osp_measure_kind_n_refs (kind);

  for (guint i = 0; i < 3; i++)
    {
      gtk_label_set_text_with_mnemonic (self->ref_labels[i], ref_title (kind, i));
      gtk_widget_set_visible (GTK_WIDGET (self->ref_labels[i]), i < n_refs);
      gtk_widget_set_visible (GTK_WIDGET (self->ref_entries[i]), i < n_refs);
      if (self->ref_menus[i] != NULL)
        gtk_widget_set_visible (GTK_WIDGET (self->ref_menus[i]), i < n_refs);
    }
  update_ref_menus (self);
}

static char *
unique_measure_name (OspMeasurePanel *self,
                     const char      *base)
{
  for (guint i = 1;; i++)
    {
      char *name = g_strdup_printf ("%s %u", base, i);

      if (osp_measure_find (self->plan, name) < 0 && osp_plan_find_landmark (self->plan, name) < 0)
        return name;
      g_free (name);
    }
}

/* -- The list ------------------------------------------------------------------------------ */

static GtkWidget *
make_row (const char *name,
          const char *detail,
          const char *value)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *detail_label = gtk_label_new (detail);
  GtkWidget *value_label = gtk_label_new (value);
  GtkWidget *delete_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *tooltip = g_strdup_printf (_("Delete “%s”"), name);

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (detail_label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (detail_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail_label, "dim-label");
  gtk_widget_add_css_class (detail_label, "caption");
  gtk_widget_set_hexpand (text_box, TRUE);
  gtk_box_append (GTK_BOX (text_box), name_label);
  gtk_box_append (GTK_BOX (text_box), detail_label);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_widget_add_css_class (value_label, "numeric");
  gtk_widget_set_tooltip_text (delete_button, tooltip);
  gtk_widget_add_css_class (delete_button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (delete_button), "measure.delete");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (delete_button), "s", name);
  gtk_box_append (GTK_BOX (box), text_box);
  gtk_box_append (GTK_BOX (box), value_label);
  gtk_box_append (GTK_BOX (box), delete_button);
  return box;
}

static void
refresh (OspMeasurePanel *self)
{
  GtkWidget *child;
  guint n_landmarks, n_measures;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  g_hash_table_remove_all (self->values);
  self->n_rows = 0;
  if (self->plan == NULL)
    return;

  n_landmarks = osp_plan_get_n_landmarks (self->plan);
  for (guint i = 0; i < n_landmarks; i++)
    {
      const char *name = osp_plan_get_landmark_name (self->plan, i);
      float p[3];
      g_autofree char *value = NULL;

      osp_plan_get_landmark (self->plan, i, p);
      value = g_strdup_printf ("%.1f, %.1f, %.1f", p[0], p[1], p[2]);
      gtk_list_box_append (self->list_box, make_row (name, _("Landmark (mm)"), value));
      g_hash_table_insert (self->values, g_strdup (name), g_steal_pointer (&value));
      self->n_rows++;
    }
  n_measures = osp_measure_get_n (self->plan);
  for (guint i = 0; i < n_measures; i++)
    {
      const OspMeasurement *measurement = osp_measure_get (self->plan, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;
      g_autoptr(GString) detail = g_string_new (kind_title (measurement->kind));
      double number;

      /* refs holds up to three names, not NULL-terminated when full. */
      for (guint r = 0; r < osp_measure_kind_n_refs (measurement->kind); r++)
        g_string_append_printf (detail, r == 0 ? ": %s" : " · %s", measurement->refs[r]);

      if (osp_measure_evaluate (self->plan, measurement, &number, &error))
        value = g_strdup_printf ("%.2f%s%s", number,
                                 g_str_has_prefix (osp_measure_kind_unit (measurement->kind), "°")
                                 ? "" : " ", osp_measure_kind_unit (measurement->kind));
      else
        value = g_strdup (_("missing"));
      gtk_list_box_append (self->list_box, make_row (measurement->name, detail->str, value));
      if (error != NULL)
        gtk_widget_set_tooltip_text (gtk_widget_get_last_child (GTK_WIDGET (self->list_box)),
                                     error->message);
      g_hash_table_insert (self->values, g_strdup (measurement->name), g_steal_pointer (&value));
      self->n_rows++;
    }
  update_ref_menus (self);
  update_overlays (self);
}

/* -- Actions ------------------------------------------------------------------------------- */

/* A landmark picked for a measurement fills its first empty landmark reference. */
static void
offer_as_reference (OspMeasurePanel *self,
                    const char      *name)
{
  OspMeasureKind kind = get_kind (self);
  guint n_refs = osp_measure_kind_n_refs (kind);

  for (guint i = 0; i < n_refs; i++)
    {
      const char *what = ref_title (kind, i);

      if ((g_strcmp0 (what, _("Landmark")) == 0 || g_strcmp0 (what, _("Vertex landmark")) == 0) &&
          gtk_editable_get_text (GTK_EDITABLE (self->ref_entries[i]))[0] == '\0')
        {
          gtk_editable_set_text (GTK_EDITABLE (self->ref_entries[i]), name);
          return;
        }
    }
}

/* The landmark within LANDMARK_SNAP_MM of a point, or -1. */
static int
landmark_near (OspMeasurePanel *self,
               const float     *point)
{
  int best = -1;
  double best_d = LANDMARK_SNAP_MM;

  for (guint i = 0; i < osp_plan_get_n_landmarks (self->plan); i++)
    {
      float p[3];
      double d;

      osp_plan_get_landmark (self->plan, i, p);
      d = sqrt (pow (p[0] - point[0], 2) + pow (p[1] - point[1], 2) + pow (p[2] - point[2], 2));
      if (d <= best_d)
        {
          best_d = d;
          best = (int) i;
        }
    }
  return best;
}

static void
add_landmark_at (OspMeasurePanel *self,
                 const float     *position)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->landmark_entry));
  g_autofree char *name = g_strstrip (g_strdup (text));
  g_autoptr(OspCommand) command = NULL;

  if (*name == '\0')
    {
      g_free (name);
      name = unique_measure_name (self, _("Landmark"));
    }
  /* A name in use moves that landmark. */
  if (osp_plan_find_landmark (self->plan, name) >= 0)
    command = osp_command_new_move_landmark (name, position);
  else
    command = osp_command_new_add_landmark (name, position);
  if (execute (self, command))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->landmark_entry), "");
      offer_as_reference (self, name);
    }
}

static void
action_add_landmark (GtkWidget  *widget,
                     const char *action,
                     GVariant   *parameter)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (widget);
  float position[3];

  if (self->plan == NULL)
    return;
  for (guint i = 0; i < 3; i++)
    position[i] = (float) gtk_spin_button_get_value (self->position_spins[i]);
  add_landmark_at (self, position);
}

static void
action_add (GtkWidget  *widget,
            const char *action,
            GVariant   *parameter)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (widget);
  OspMeasureKind kind = get_kind (self);
  guint n_refs = osp_measure_kind_n_refs (kind);
  g_autofree char *name = NULL;
  char *refs[3] = { NULL, NULL, NULL };
  g_autoptr(OspMeasurement) measurement = NULL;
  g_autoptr(OspCommand) command = NULL;

  if (self->plan == NULL)
    return;
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry))));
  if (*name == '\0')
    {
      g_free (name);
      name = unique_measure_name (self, kind_title (kind));
    }
  for (guint i = 0; i < n_refs; i++)
    {
      refs[i] = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->ref_entries[i]))));
      if (*refs[i] == '\0')
        {
          g_autofree char *text = g_strdup_printf (_("Name the %s to measure."),
                                                   ref_title (kind, i));

          set_status (self, text, TRUE);
          for (guint j = 0; j <= i; j++)
            g_free (refs[j]);
          return;
        }
    }
  measurement = osp_measurement_new (name, kind, refs[0], refs[1], refs[2]);
  for (guint i = 0; i < n_refs; i++)
    g_free (refs[i]);
  command = osp_measure_command_new_add (measurement);
  if (execute (self, command))
    gtk_editable_set_text (GTK_EDITABLE (self->name_entry), "");
}

static void
action_add_model (GtkWidget  *widget,
                  const char *action,
                  GVariant   *parameter)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (widget);
  OspModel *model;
  const OspMeasureKind kinds[] = { OSP_MEASURE_VOLUME, OSP_MEASURE_AREA };

  if (self->plan == NULL || self->selection == NULL)
    return;
  model = gtk_single_selection_get_selected_item (self->selection);
  if (model == NULL)
    {
      set_status (self, _("Select a model to measure its volume and area."), TRUE);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *base = g_strdup_printf ("%s %s", kind_title (kinds[i]),
                                               osp_model_get_name (model));
      g_autofree char *name = osp_measure_find (self->plan, base) < 0
                              ? g_strdup (base) : unique_measure_name (self, base);
      g_autoptr(OspMeasurement) measurement =
        osp_measurement_new (name, kinds[i], osp_model_get_name (model), NULL, NULL);
      g_autoptr(OspCommand) command = osp_measure_command_new_add (measurement);

      if (!execute (self, command))
        return;
    }
}

static void
action_delete (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  g_autoptr(OspCommand) command = NULL;

  if (self->plan == NULL)
    return;
  if (osp_measure_find (self->plan, name) >= 0)
    command = osp_measure_command_new_delete (name);
  else if (osp_plan_find_landmark (self->plan, name) >= 0)
    command = osp_command_new_delete_landmark (name);
  else
    return;
  execute (self, command);
}

static void
on_export_chosen (GtkNativeDialog *dialog,
                  int              response,
                  OspMeasurePanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL)
        osp_settings_remember_folder (file);
      if (path != NULL && !osp_measure_panel_export (self, path, &error))
        set_status (self, error->message, TRUE);
    }
  g_object_unref (dialog);
}

static void
action_export (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->plan == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export Measurements"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  gtk_file_filter_set_name (filter, _("CSV (comma-separated values)"));
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  osp_settings_start_in_last_folder (GTK_FILE_CHOOSER (dialog));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), _("measurements.csv"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* -- Picking ------------------------------------------------------------------------------- */

static gboolean
on_tool_click (OspViewport     *viewport,
               double           x,
               double           y,
               OspMeasurePanel *self)
{
  float point[3];

  if (!gtk_toggle_button_get_active (self->pick_button))
    return FALSE;
  if (!osp_viewport_pick (viewport, x, y, NULL, point))
    {
      set_status (self, _("Click on a model to place the landmark."), TRUE);
      return TRUE;
    }
  /* A click on a landmark (its marker) picks it: no second landmark on top of it. */
  {
    int near = gtk_editable_get_text (GTK_EDITABLE (self->landmark_entry))[0] == '\0'
               ? landmark_near (self, point) : -1;

    if (near >= 0)
      {
        const char *name = osp_plan_get_landmark_name (self->plan, (guint) near);
        g_autofree char *text = g_strdup_printf (_("Picked the landmark “%s”."), name);

        offer_as_reference (self, name);
        set_status (self, text, FALSE);
        return TRUE;
      }
  }
  for (guint i = 0; i < 3; i++)
    gtk_spin_button_set_value (self->position_spins[i], point[i]);
  add_landmark_at (self, point);
  return TRUE;
}

void
osp_measure_panel_set_context (OspMeasurePanel    *self,
                               OspPlan            *plan,
                               GtkSingleSelection *selection,
                               OspViewport        *viewport)
{
  g_return_if_fail (OSP_IS_MEASURE_PANEL (self));
  g_return_if_fail (plan == NULL || OSP_IS_PLAN (plan));
  g_return_if_fail (selection == NULL || GTK_IS_SINGLE_SELECTION (selection));
  g_return_if_fail (viewport == NULL || OSP_IS_VIEWPORT (viewport));

  if (self->plan != NULL)
    g_clear_signal_handler (&self->operations_handler, self->plan);
  if (self->viewport != NULL)
    {
      g_clear_signal_handler (&self->click_handler, self->viewport);
      if (self->marker_overlay != 0)
        osp_viewport_remove_overlay (self->viewport, self->marker_overlay);
      if (self->line_overlay != 0)
        osp_viewport_remove_overlay (self->viewport, self->line_overlay);
    }
  self->marker_overlay = self->line_overlay = 0;
  g_set_object (&self->plan, plan);
  g_set_object (&self->selection, (plan != NULL ? selection : NULL));
  g_set_object (&self->viewport, (plan != NULL ? viewport : NULL));
  /* Every execute, undo and redo changes the operations: values follow moved landmarks. */
  if (self->plan != NULL)
    self->operations_handler = g_signal_connect_swapped (self->plan, "operations-changed",
                                                         G_CALLBACK (refresh), self);
  if (self->viewport != NULL)
    self->click_handler = g_signal_connect (self->viewport, "tool-click",
                                            G_CALLBACK (on_tool_click), self);
  refresh (self);
}



/* -- Public -------------------------------------------------------------------------------- */

GtkWidget *
osp_measure_panel_new (void)
{
  return g_object_new (OSP_TYPE_MEASURE_PANEL, NULL);
}

void
osp_measure_panel_set_landmark (OspMeasurePanel *self,
                                const char      *name,
                                const float     *position)
{
  g_return_if_fail (OSP_IS_MEASURE_PANEL (self));

  if (name != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->landmark_entry), name);
  if (position != NULL)
    for (guint i = 0; i < 3; i++)
      gtk_spin_button_set_value (self->position_spins[i], position[i]);
}

void
osp_measure_panel_set_measurement (OspMeasurePanel *self,
                                   const char      *name,
                                   OspMeasureKind   kind,
                                   const char      *ref0,
                                   const char      *ref1,
                                   const char      *ref2)
{
  const char *refs[3] = { ref0, ref1, ref2 };

  g_return_if_fail (OSP_IS_MEASURE_PANEL (self));
  g_return_if_fail (kind <= OSP_MEASURE_AREA);

  if (name != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
  gtk_drop_down_set_selected (self->kind_dropdown, kind);
  for (guint i = 0; i < 3; i++)
    if (refs[i] != NULL)
      gtk_editable_set_text (GTK_EDITABLE (self->ref_entries[i]), refs[i]);
}

guint
osp_measure_panel_get_n_rows (OspMeasurePanel *self)
{
  g_return_val_if_fail (OSP_IS_MEASURE_PANEL (self), 0);
  return self->n_rows;
}

const char *
osp_measure_panel_get_value_text (OspMeasurePanel *self,
                                  const char      *name)
{
  g_return_val_if_fail (OSP_IS_MEASURE_PANEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (self->values, name);
}

gboolean
osp_measure_panel_export (OspMeasurePanel *self,
                          const char      *path,
                          GError         **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (OSP_IS_MEASURE_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->plan == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is no plan to export."));
      return FALSE;
    }
  if (!osp_measure_export_csv (self->plan, path, error))
    return FALSE;
  text = g_strdup_printf (ngettext ("Exported %u row to %s.", "Exported %u rows to %s.",
                                    self->n_rows), self->n_rows, path);
  set_status (self, text, FALSE);
  return TRUE;
}

const char *
osp_measure_panel_get_status (OspMeasurePanel *self)
{
  g_return_val_if_fail (OSP_IS_MEASURE_PANEL (self), NULL);
  return gtk_label_get_text (self->status_label);
}

/* -- GObject ------------------------------------------------------------------------------- */

static void
osp_measure_panel_dispose (GObject *object)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (object);

  if (self->plan != NULL)
    g_clear_signal_handler (&self->operations_handler, self->plan);
  if (self->viewport != NULL)
    g_clear_signal_handler (&self->click_handler, self->viewport);
  g_clear_object (&self->plan);
  g_clear_object (&self->selection);
  g_clear_object (&self->viewport);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_MEASURE_PANEL);
  G_OBJECT_CLASS (osp_measure_panel_parent_class)->dispose (object);
}

static void
osp_measure_panel_finalize (GObject *object)
{
  OspMeasurePanel *self = OSP_MEASURE_PANEL (object);

  g_hash_table_unref (self->values);
  G_OBJECT_CLASS (osp_measure_panel_parent_class)->finalize (object);
}

static void
osp_measure_panel_class_init (OspMeasurePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_measure_panel_dispose;
  object_class->finalize = osp_measure_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-measure-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, landmark_entry);
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, landmark_grid);
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, pick_button);
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, name_entry);
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, kind_dropdown);
  gtk_widget_class_bind_template_child_full (widget_class, "ref_label0", FALSE,
                                             G_STRUCT_OFFSET (OspMeasurePanel, ref_labels[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "ref_label1", FALSE,
                                             G_STRUCT_OFFSET (OspMeasurePanel, ref_labels[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "ref_label2", FALSE,
                                             G_STRUCT_OFFSET (OspMeasurePanel, ref_labels[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "ref_entry0", FALSE,
                                             G_STRUCT_OFFSET (OspMeasurePanel, ref_entries[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "ref_entry1", FALSE,
                                             G_STRUCT_OFFSET (OspMeasurePanel, ref_entries[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "ref_entry2", FALSE,
                                             G_STRUCT_OFFSET (OspMeasurePanel, ref_entries[2]));
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, list_box);
  gtk_widget_class_bind_template_child (widget_class, OspMeasurePanel, status_label);

  gtk_widget_class_install_action (widget_class, "measure.add-landmark", NULL,
                                   action_add_landmark);
  gtk_widget_class_install_action (widget_class, "measure.add", NULL, action_add);
  gtk_widget_class_install_action (widget_class, "measure.add-model", NULL, action_add_model);
  gtk_widget_class_install_action (widget_class, "measure.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "measure.delete", "s", action_delete);
  gtk_widget_class_install_action (widget_class, "measure.set-ref", "(us)", action_set_ref);
}

static void
osp_measure_panel_init (OspMeasurePanel *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  GtkWidget *label;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < 3; i++)
    {
      self->position_spins[i] = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (-10000.0,
                                                                                 10000.0, 1.0));
      gtk_spin_button_set_digits (self->position_spins[i], 1);
      /* A spin button starts at its minimum: the origin is the sensible start. */
      gtk_spin_button_set_value (self->position_spins[i], 0.0);
      gtk_editable_set_width_chars (GTK_EDITABLE (self->position_spins[i]), 5);
      gtk_widget_set_hexpand (GTK_WIDGET (self->position_spins[i]), TRUE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->position_spins[i]),
                                   _("Landmark position, X Y Z in mm (patient LPS)"));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->position_spins[i]));
    }
  label = gtk_label_new_with_mnemonic (_("_Position (mm)"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->position_spins[0]));
  gtk_grid_attach (self->landmark_grid, label, 0, 1, 1, 1);
  gtk_grid_attach (self->landmark_grid, box, 1, 1, 1, 1);
  /* Beside each reference, a menu of the plan's names: chosen, not typed. */
  for (guint i = 0; i < 3; i++)
    {
      GtkWidget *grid = gtk_widget_get_parent (GTK_WIDGET (self->ref_entries[i]));
      int column, row, width, height;

      self->ref_menus[i] = GTK_MENU_BUTTON (gtk_menu_button_new ());
      gtk_menu_button_set_icon_name (self->ref_menus[i], "pan-down-symbolic");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->ref_menus[i]),
                                   _("Choose from the plan's landmarks, planes or models (or "
                                     "pick landmarks in the 3D view)"));
      if (GTK_IS_GRID (grid))
        {
          gtk_grid_query_child (GTK_GRID (grid), GTK_WIDGET (self->ref_entries[i]), &column, &row,
                                &width, &height);
          gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->ref_menus[i]), column + width, row,
                           1, 1);
        }
    }
  g_signal_connect_swapped (self->kind_dropdown, "notify::selected",
                            G_CALLBACK (on_kind_changed), self);
  on_kind_changed (self);
}
