/* osp-view-grid.c — the 3D view and the three slice views, in a switchable layout
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "osp-view-grid.h"

#include <string.h>

#define GAP 2

struct _OspViewGrid
{
  GtkWidget      parent_instance;

  GtkWidget     *main_view;
  GtkWidget     *slices[OSP_SLICE_N_AXES];
  OspSliceGroup *group;
  char          *layout;
  int            zoomed;     /* a slice view shown alone, or −1 */
};

G_DEFINE_FINAL_TYPE (OspViewGrid, osp_view_grid, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_LAYOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
has_volume (OspViewGrid *self)
{
  return self->group != NULL && osp_slice_group_get_volume (self->group) != NULL;
}

gboolean
osp_view_grid_get_slices_shown (OspViewGrid *self)
{
  g_return_val_if_fail (OSP_IS_VIEW_GRID (self), FALSE);
  return has_volume (self) && (self->zoomed >= 0 || g_strcmp0 (self->layout, "one") != 0);
}

static void
place (GtkWidget *child, int x, int y, int width, int height, int baseline)
{
  GtkAllocation a = { x, y, MAX (width, 1), MAX (height, 1) };

  gtk_widget_size_allocate (child, &a, baseline);
}

static void
osp_view_grid_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  OspViewGrid *self = OSP_VIEW_GRID (widget);
  GtkWidget *all[4] = { self->main_view, self->slices[0], self->slices[1], self->slices[2] };
  gboolean shown[4] = { FALSE, FALSE, FALSE, FALSE };
  enum { ONE, ZOOMED, STACKED, FOUR } mode;

  if (!has_volume (self) || (self->zoomed < 0 && g_strcmp0 (self->layout, "one") == 0))
    mode = ONE, shown[0] = TRUE;
  else if (self->zoomed >= 0)
    mode = ZOOMED, shown[1 + self->zoomed] = TRUE;
  else
    {
      mode = g_strcmp0 (self->layout, "stacked") == 0 ? STACKED : FOUR;
      shown[0] = shown[1] = shown[2] = shown[3] = TRUE;
    }
  /* Only what changes: hiding unmaps a view (and a pointer inside it loses its events). */
  for (int i = 0; i < 4; i++)
    if (gtk_widget_get_child_visible (all[i]) != shown[i])
      gtk_widget_set_child_visible (all[i], shown[i]);

  switch (mode)
    {
    case ONE:
      place (self->main_view, 0, 0, width, height, baseline);
      break;
    case ZOOMED:
      place (self->slices[self->zoomed], 0, 0, width, height, baseline);
      break;
    case STACKED:
      {
        int side = MAX (width / 3, 1), h3 = (height - 2 * GAP) / 3;

        place (self->main_view, 0, 0, width - side - GAP, height, baseline);
        for (int i = 0; i < 3; i++)
          place (self->slices[i], width - side, i * (h3 + GAP),
                 side, i == 2 ? height - 2 * (h3 + GAP) : h3, baseline);
      }
      break;
    case FOUR:
    default:
      {
        /* Four-up as in 3D Slicer: axial and 3D above, coronal and sagittal below. */
        int w2 = (width - GAP) / 2, h2 = (height - GAP) / 2;

        place (self->slices[OSP_SLICE_AXIAL], 0, 0, w2, h2, baseline);
        place (self->main_view, w2 + GAP, 0, width - w2 - GAP, h2, baseline);
        place (self->slices[OSP_SLICE_CORONAL], 0, h2 + GAP, w2, height - h2 - GAP, baseline);
        place (self->slices[OSP_SLICE_SAGITTAL], w2 + GAP, h2 + GAP, width - w2 - GAP,
               height - h2 - GAP, baseline);
      }
      break;
    }
}

static void
osp_view_grid_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  OspViewGrid *self = OSP_VIEW_GRID (widget);
  int min = 0, nat = 0;

  gtk_widget_measure (self->main_view, orientation, -1, &min, &nat, NULL, NULL);
  /* Side by side in two columns at most: half the 3D view's minimum is enough for each. */
  *minimum = min;
  *natural = MAX (nat, min);
  *minimum_baseline = *natural_baseline = -1;
}

static void
on_toggle_zoom (OspSliceView *view,
                OspViewGrid  *self)
{
  int axis = osp_slice_view_get_axis (view);

  self->zoomed = self->zoomed == axis ? -1 : axis;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
on_volume_changed (OspViewGrid *self)
{
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

void
osp_view_grid_set_layout (OspViewGrid *self,
                          const char  *layout)
{
  g_return_if_fail (OSP_IS_VIEW_GRID (self));

  if (layout == NULL || (strcmp (layout, "one") != 0 && strcmp (layout, "four") != 0
                         && strcmp (layout, "stacked") != 0))
    layout = "four";
  if (g_strcmp0 (self->layout, layout) == 0)
    return;
  g_free (self->layout);
  self->layout = g_strdup (layout);
  self->zoomed = -1;
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYOUT]);
}

const char *
osp_view_grid_get_layout (OspViewGrid *self)
{
  g_return_val_if_fail (OSP_IS_VIEW_GRID (self), NULL);
  return self->layout;
}

OspSliceView *
osp_view_grid_get_slice_view (OspViewGrid  *self,
                              OspSliceAxis  axis)
{
  g_return_val_if_fail (OSP_IS_VIEW_GRID (self), NULL);
  g_return_val_if_fail ((int) axis >= 0 && axis < OSP_SLICE_N_AXES, NULL);
  return OSP_SLICE_VIEW (self->slices[axis]);
}

static void
osp_view_grid_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  OspViewGrid *self = OSP_VIEW_GRID (object);

  switch (prop_id)
    {
    case PROP_LAYOUT:
      g_value_set_string (value, self->layout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_view_grid_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  OspViewGrid *self = OSP_VIEW_GRID (object);

  switch (prop_id)
    {
    case PROP_LAYOUT:
      osp_view_grid_set_layout (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_view_grid_dispose (GObject *object)
{
  OspViewGrid *self = OSP_VIEW_GRID (object);

  if (self->group != NULL)
    g_signal_handlers_disconnect_by_data (self->group, self);
  g_clear_pointer (&self->main_view, gtk_widget_unparent);
  for (int i = 0; i < OSP_SLICE_N_AXES; i++)
    g_clear_pointer (&self->slices[i], gtk_widget_unparent);
  g_clear_object (&self->group);
  G_OBJECT_CLASS (osp_view_grid_parent_class)->dispose (object);
}

static void
osp_view_grid_finalize (GObject *object)
{
  OspViewGrid *self = OSP_VIEW_GRID (object);

  g_free (self->layout);
  G_OBJECT_CLASS (osp_view_grid_parent_class)->finalize (object);
}

static void
osp_view_grid_class_init (OspViewGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = osp_view_grid_get_property;
  object_class->set_property = osp_view_grid_set_property;
  object_class->dispose = osp_view_grid_dispose;
  object_class->finalize = osp_view_grid_finalize;
  widget_class->size_allocate = osp_view_grid_size_allocate;
  widget_class->measure = osp_view_grid_measure;

  properties[PROP_LAYOUT] =
    g_param_spec_string ("layout", NULL, NULL, "four",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "ospviewgrid");
}

static void
osp_view_grid_init (OspViewGrid *self)
{
  self->layout = g_strdup ("four");
  self->zoomed = -1;
}

GtkWidget *
osp_view_grid_new (GtkWidget     *main_view,
                   OspSliceGroup *group)
{
  OspViewGrid *self;

  g_return_val_if_fail (GTK_IS_WIDGET (main_view), NULL);
  g_return_val_if_fail (gtk_widget_get_parent (main_view) == NULL, NULL);
  g_return_val_if_fail (OSP_IS_SLICE_GROUP (group), NULL);

  self = g_object_new (OSP_TYPE_VIEW_GRID, NULL);
  self->group = g_object_ref (group);
  self->main_view = main_view;
  gtk_widget_set_parent (main_view, GTK_WIDGET (self));
  for (int i = 0; i < OSP_SLICE_N_AXES; i++)
    {
      self->slices[i] = osp_slice_view_new (group, i);
      gtk_widget_set_parent (self->slices[i], GTK_WIDGET (self));
      g_signal_connect (self->slices[i], "toggle-zoom", G_CALLBACK (on_toggle_zoom), self);
    }
  g_signal_connect_swapped (group, "volume-changed", G_CALLBACK (on_volume_changed), self);
  return GTK_WIDGET (self);
}
