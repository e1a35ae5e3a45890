/* osp-model-row.c — one model in the side panel's list
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>

#include "osp-gui-private.h"
#include "osp-model-row.h"

/* An opacity drag ends (one undo step) when the slider rests this long. */
#define OPACITY_SEAL_MS 600

struct _OspModelRow
{
  GtkBox            parent_instance;

  GtkToggleButton  *visible_button;
  GtkColorButton   *color_button;
  GtkEditableLabel *name_label;
  GtkLabel         *triangles_label;
  GtkLabel         *warning_label;   /* a tool's warning about the model, in red */
  GtkLabel         *topology_label;  /* closed or open, "Checking…" until it is known */
  GtkAdjustment    *opacity_adjustment;
  GtkButton        *remove_button;

  OspModel         *model;
  OspPlan          *plan;      /* edits go through its commands; NULL: set directly */
  GPtrArray        *bindings;
  gulong            topology_id;
  guint             seal_source;
  gboolean          syncing;   /* widgets follow the model: not an edit */
};

G_DEFINE_FINAL_TYPE (OspModelRow, osp_model_row, GTK_TYPE_BOX)

enum
{
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
color_to_rgba (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  guint rgb = g_value_get_uint (from);
  GdkRGBA rgba = { ((rgb >> 16) & 0xff) / 255.0f, ((rgb >> 8) & 0xff) / 255.0f,
                   (rgb & 0xff) / 255.0f, 1.0f };

  g_value_set_boxed (to, &rgba);
  return TRUE;
}

static guint
channel (float value)
{
  return (guint) (CLAMP (value, 0.0f, 1.0f) * 255.0f + 0.5f);
}

static gboolean
rgba_to_color (GBinding     *binding,
               const GValue *from,
               GValue       *to,
               gpointer      user_data)
{
  const GdkRGBA *rgba = g_value_get_boxed (from);

  if (rgba == NULL)
    return FALSE;
  g_value_set_uint (to, channel (rgba->red) << 16 | channel (rgba->green) << 8 |
                    channel (rgba->blue));
  return TRUE;
}

static gboolean
triangles_to_text (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  guint n = g_value_get_uint (from);

  /* %'u groups the digits as the locale does (123 456 or 123,456). */
  g_value_take_string (to, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'u triangle",
                                                         "%'u triangles", n), n));
  return TRUE;
}

static gboolean
warning_to_text (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      data)
{
  const char *warning = g_value_get_string (from);

  g_value_take_string (to, warning != NULL ? g_strdup_printf ("⚠ %s", warning) : g_strdup (""));
  return TRUE;
}

static gboolean
warning_to_visible (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      data)
{
  g_value_set_boolean (to, g_value_get_string (from) != NULL);
  return TRUE;
}

/* What the topology says about printing and cutting, in words; "Checking…" (never a guess)
 * until the 3D view has had it found, after its first picture. */
static void
update_topology (OspModelRow *self)
{
  OspMeshTopology topology;
  g_autofree char *text = NULL;
  gboolean problem = FALSE;

  if (self->model == NULL)
    return;
  if (!osp_model_get_topology (self->model, &topology))
    text = g_strdup (_("Checking…"));
  else if (topology.n_boundary_edges > 0)
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Open: %'" PRIu64 " edge borders a hole",
                                           "Open: %'" PRIu64 " edges border holes",
                                           topology.n_boundary_edges),
                              (guint64) topology.n_boundary_edges);
      problem = TRUE;
    }
  else if (topology.n_nonmanifold_edges > 0)
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Not manifold: %'" PRIu64 " edge is shared by more "
                                           "than two triangles",
                                           "Not manifold: %'" PRIu64 " edges are shared by more "
                                           "than two triangles",
                                           topology.n_nonmanifold_edges),
                              (guint64) topology.n_nonmanifold_edges);
      problem = TRUE;
    }
  else if (topology.n_misoriented_edges > 0)
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Closed, but %'" PRIu64 " edge joins triangles "
                                           "facing opposite ways",
                                           "Closed, but %'" PRIu64 " edges join triangles "
                                           "facing opposite ways",
                                           topology.n_misoriented_edges),
                              (guint64) topology.n_misoriented_edges);
      problem = TRUE;
    }
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Closed, %u piece", "Closed, %u pieces",
                                         topology.n_components), topology.n_components);
  gtk_label_set_text (self->topology_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->topology_label), text);
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (self->topology_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->topology_label), "warning");
}

static void
on_visible_toggled (GtkToggleButton *button,
                    OspModelRow     *self)
{
  gboolean visible = gtk_toggle_button_get_active (button);

  gtk_button_set_icon_name (GTK_BUTTON (button),
                            visible ? "view-reveal-symbolic" : "view-conceal-symbolic");
  gtk_widget_set_opacity (GTK_WIDGET (self->name_label), visible ? 1.0 : 0.55);
}

/* Runs an edit as a command of the plan (undoable), or sets it directly without a plan.
 * Returns FALSE when the plan refused it (a duplicate name). */
static gboolean
run_command (OspModelRow *self,
             OspCommand  *command)
{
  g_autoptr(GError) error = NULL;

  if (osp_plan_execute (self->plan, command, &error))
    return TRUE;
  g_message ("%s", error->message);
  gtk_widget_error_bell (GTK_WIDGET (self));
  return FALSE;
}

static void
on_visible_edited (GtkToggleButton *button,
                   OspModelRow     *self)
{
  gboolean visible = gtk_toggle_button_get_active (button);

  if (self->syncing || self->model == NULL || visible == osp_model_get_visible (self->model))
    return;
  if (self->plan == NULL)
    osp_model_set_visible (self->model, visible);
  else
    {
      g_autoptr(OspCommand) command = osp_command_new_set_visible (self->model, visible);

      if (!run_command (self, command))
        gtk_toggle_button_set_active (button, osp_model_get_visible (self->model));
    }
}

static void
on_color_edited (GtkColorButton *button,
                 GParamSpec     *pspec,
                 OspModelRow    *self)
{
  GValue from = G_VALUE_INIT, to = G_VALUE_INIT;
  guint32 rgb;

  if (self->syncing || self->model == NULL)
    return;
  g_value_init (&from, GDK_TYPE_RGBA);
  g_value_init (&to, G_TYPE_UINT);
  g_object_get_property (G_OBJECT (button), "rgba", &from);
  if (!rgba_to_color (NULL, &from, &to, NULL))
    {
      g_value_unset (&from);
      return;
    }
  rgb = g_value_get_uint (&to);
  g_value_unset (&from);
  g_value_unset (&to);
  if (rgb == osp_model_get_color (self->model))
    return;
  if (self->plan == NULL)
    osp_model_set_color (self->model, rgb);
  else
    {
      g_autoptr(OspCommand) command = osp_command_new_set_color (self->model, rgb);

      run_command (self, command);
    }
}

static gboolean
seal_opacity (gpointer data)
{
  OspModelRow *self = data;

  self->seal_source = 0;
  if (self->plan != NULL)
    osp_plan_seal_undo (self->plan);
  return G_SOURCE_REMOVE;
}

static void
on_opacity_edited (GtkAdjustment *adjustment,
                   OspModelRow   *self)
{
  double opacity = gtk_adjustment_get_value (adjustment);
  g_autoptr(OspCommand) command = NULL;

  if (self->syncing || self->model == NULL ||
      fabs (opacity - osp_model_get_opacity (self->model)) < 1e-6)
    return;
  if (self->plan == NULL)
    {
      osp_model_set_opacity (self->model, opacity);
      return;
    }
  /* Every step of a drag merges into one undo step, sealed once the slider rests. */
  command = osp_command_new_set_opacity (self->model, opacity);
  osp_command_set_mergeable (command, TRUE);
  run_command (self, command);
  g_clear_handle_id (&self->seal_source, g_source_remove);
  self->seal_source = g_timeout_add (OPACITY_SEAL_MS, seal_opacity, self);
}

static void
on_name_editing (GtkEditableLabel *label,
                 GParamSpec       *pspec,
                 OspModelRow      *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (label));
  g_autofree char *name = g_strstrip (g_strdup (text));

  /* A rename happens once, when editing ends (not at every key). */
  if (gtk_editable_label_get_editing (label) || self->model == NULL ||
      g_strcmp0 (name, osp_model_get_name (self->model)) == 0)
    return;
  if (*name != '\0')
    {
      if (self->plan == NULL)
        {
          osp_model_set_name (self->model, name);
          return;
        }
      else
        {
          g_autoptr(OspCommand) command = osp_command_new_rename_model (self->model, name);

          if (run_command (self, command))
            return;
        }
    }
  /* Empty or taken: back to the model's name. */
  gtk_editable_set_text (GTK_EDITABLE (label), osp_model_get_name (self->model));
}

static void
on_remove_clicked (GtkButton   *button,
                   OspModelRow *self)
{
  if (self->model != NULL)
    g_signal_emit (self, signals[SIGNAL_REMOVE], 0, self->model);
}

void
osp_model_row_set_model (OspModelRow *self,
                         OspModel    *model)
{
  /* The model drives the widgets; the widgets' edits become commands (see below), so every
   * edit can be undone. */
  const GBindingFlags flags = G_BINDING_SYNC_CREATE;

  g_return_if_fail (OSP_IS_MODEL_ROW (self));
  g_return_if_fail (model == NULL || OSP_IS_MODEL (model));

  if (self->model == model)
    return;
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (self->bindings, i));
  g_ptr_array_set_size (self->bindings, 0);
  if (self->model != NULL)
    g_clear_signal_handler (&self->topology_id, self->model);
  g_set_object (&self->model, model);
  if (model == NULL)
    return;
  self->topology_id = g_signal_connect_swapped (model, "notify::topology-known",
                                                G_CALLBACK (update_topology), self);
  update_topology (self);
  self->syncing = TRUE;

  g_ptr_array_add (self->bindings,
                   g_object_bind_property (model, "name", self->name_label, "text", flags));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (model, "visible", self->visible_button, "active",
                                           flags));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (model, "opacity", self->opacity_adjustment,
                                           "value", flags));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (model, "color", self->color_button, "rgba",
                                                flags, color_to_rgba, NULL, NULL, NULL));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (model, "n-triangles", self->triangles_label,
                                                "label", G_BINDING_SYNC_CREATE,
                                                triangles_to_text, NULL, NULL, NULL));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (model, "warning", self->warning_label, "label",
                                                G_BINDING_SYNC_CREATE, warning_to_text, NULL,
                                                NULL, NULL));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (model, "warning", self->warning_label,
                                                "visible", G_BINDING_SYNC_CREATE,
                                                warning_to_visible, NULL, NULL, NULL));
  self->syncing = FALSE;
  on_visible_toggled (self->visible_button, self);
}

void
osp_model_row_set_plan (OspModelRow *self,
                        OspPlan     *plan)
{
  g_return_if_fail (OSP_IS_MODEL_ROW (self));
  g_return_if_fail (plan == NULL || OSP_IS_PLAN (plan));

  g_set_object (&self->plan, plan);
}

OspModel *
osp_model_row_get_model (OspModelRow *self)
{
  g_return_val_if_fail (OSP_IS_MODEL_ROW (self), NULL);
  return self->model;
}

static void
osp_model_row_dispose (GObject *object)
{
  OspModelRow *self = OSP_MODEL_ROW (object);

  osp_model_row_set_model (self, NULL);
  g_clear_handle_id (&self->seal_source, g_source_remove);
  g_clear_object (&self->plan);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_MODEL_ROW);
  G_OBJECT_CLASS (osp_model_row_parent_class)->dispose (object);
}

static void
osp_model_row_finalize (GObject *object)
{
  OspModelRow *self = OSP_MODEL_ROW (object);

  g_ptr_array_unref (self->bindings);
  G_OBJECT_CLASS (osp_model_row_parent_class)->finalize (object);
}

static void
osp_model_row_class_init (OspModelRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_model_row_dispose;
  object_class->finalize = osp_model_row_finalize;

  signals[SIGNAL_REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, OSP_TYPE_MODEL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-model-row.ui");
  gtk_widget_class_bind_template_child (widget_class, OspModelRow, visible_button);
  gtk_widget_class_bind_template_child (widget_class, OspModelRow, color_button);
  gtk_widget_class_bind_template_child (widget_class, OspModelRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, OspModelRow, triangles_label);
  gtk_widget_class_bind_template_child (widget_class, OspModelRow, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, OspModelRow, remove_button);
}

/* GtkEditableLabel (GTK 4.8) cannot ellipsize: a long file name would widen the side panel
 * without limit.  Its label is an inner GtkLabel; ellipsize that one. */
static void
ellipsize_labels (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        gtk_label_set_ellipsize (GTK_LABEL (child), PANGO_ELLIPSIZE_END);
      ellipsize_labels (child);
    }
}

static void
osp_model_row_init (OspModelRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ellipsize_labels (GTK_WIDGET (self->name_label));
  {
    /* Under the counts: a tool's warning about the model (a screw out of the bone), red. */
    GtkWidget *counts = gtk_widget_get_parent (GTK_WIDGET (self->triangles_label));
    GtkWidget *column = counts != NULL ? gtk_widget_get_parent (counts) : NULL;

    self->warning_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->warning_label, 0.0f);
    gtk_label_set_wrap (self->warning_label, TRUE);
    gtk_widget_add_css_class (GTK_WIDGET (self->warning_label), "error");
    gtk_widget_add_css_class (GTK_WIDGET (self->warning_label), "caption");
    gtk_widget_set_visible (GTK_WIDGET (self->warning_label), FALSE);
    self->topology_label = GTK_LABEL (gtk_label_new (NULL));
    gtk_label_set_xalign (self->topology_label, 0.0f);
    gtk_label_set_ellipsize (self->topology_label, PANGO_ELLIPSIZE_END);
    gtk_widget_add_css_class (GTK_WIDGET (self->topology_label), "caption");
    gtk_widget_add_css_class (GTK_WIDGET (self->topology_label), "dim-label");
    gtk_widget_add_css_class (GTK_WIDGET (self->topology_label), "topology");
    if (GTK_IS_BOX (column))
      {
        gtk_box_insert_child_after (GTK_BOX (column), GTK_WIDGET (self->warning_label), counts);
        gtk_box_insert_child_after (GTK_BOX (column), GTK_WIDGET (self->topology_label), counts);
      }
    else
      {
        gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->warning_label));
        gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->topology_label));
      }
  }
  self->bindings = g_ptr_array_new ();
  g_signal_connect (self->visible_button, "toggled", G_CALLBACK (on_visible_toggled), self);
  g_signal_connect (self->remove_button, "clicked", G_CALLBACK (on_remove_clicked), self);
  g_signal_connect (self->visible_button, "toggled", G_CALLBACK (on_visible_edited), self);
  g_signal_connect (self->color_button, "notify::rgba", G_CALLBACK (on_color_edited), self);
  g_signal_connect (self->opacity_adjustment, "value-changed", G_CALLBACK (on_opacity_edited),
                    self);
  g_signal_connect (self->name_label, "notify::editing", G_CALLBACK (on_name_editing), self);
}

GtkWidget *
osp_model_row_new (void)
{
  return g_object_new (OSP_TYPE_MODEL_ROW, NULL);
}
