/* osp-histogram.c — a histogram of CT values with a draggable threshold marker
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "osp-histogram.h"

/* Room for the axis labels under the bars, pixels. */
#define AXIS_HEIGHT 18.0
#define PAD 6.0

struct _OspHistogram
{
  GtkWidget  parent_instance;

  guint64   *counts;
  guint      n_bins;
  int        min_hu;
  int        bin_width;
  double     threshold;
};

G_DEFINE_FINAL_TYPE (OspHistogram, osp_histogram, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static double
hu_min (OspHistogram *self)
{
  return self->n_bins > 0 ? self->min_hu : -1000.0;
}

static double
hu_max (OspHistogram *self)
{
  return self->n_bins > 0 ? self->min_hu + (double) self->n_bins * self->bin_width : 3000.0;
}

static double
x_of_hu (OspHistogram *self,
         double        hu,
         double        width)
{
  return PAD + (hu - hu_min (self)) / (hu_max (self) - hu_min (self)) * (width - 2 * PAD);
}

static double
hu_of_x (OspHistogram *self,
         double        x,
         double        width)
{
  return hu_min (self) + (x - PAD) / MAX (1.0, width - 2 * PAD) * (hu_max (self) - hu_min (self));
}

static void
draw (OspHistogram *self,
      cairo_t      *cr,
      double        width,
      double        height)
{
  GdkRGBA fg;
  double plot_h = height - AXIS_HEIGHT;
  double max_log = 0.0;
  double tx = x_of_hu (self, self->threshold, width);
  PangoLayout *layout;
  g_autofree char *marker = NULL;
  int tw, th;

  /* gtk_widget_get_color() is GTK 4.10; this is the 4.8 way. */
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);

  /* Background of the plot. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.05);
  cairo_rectangle (cr, PAD, 0, width - 2 * PAD, plot_h);
  cairo_fill (cr);

  for (guint b = 0; b < self->n_bins; b++)
    max_log = MAX (max_log, log10 (1.0 + (double) self->counts[b]));
  for (guint b = 0; b < self->n_bins && max_log > 0; b++)
    {
      double hu = self->min_hu + (double) b * self->bin_width;
      double x0 = x_of_hu (self, hu, width);
      double x1 = x_of_hu (self, hu + self->bin_width, width);
      double h = log10 (1.0 + (double) self->counts[b]) / max_log * (plot_h - 4);

      if (hu >= self->threshold)
        cairo_set_source_rgb (cr, 0.91, 0.80, 0.55);   /* bone */
      else
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
      cairo_rectangle (cr, x0, plot_h - h, MAX (1.0, x1 - x0 - 0.5), h);
      cairo_fill (cr);
    }

  /* Axis labels every 1000 HU. */
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  for (int hu = (int) ceil (hu_min (self) / 1000.0) * 1000; hu <= hu_max (self); hu += 1000)
    {
      g_autofree char *text = g_strdup_printf ("%d", hu);
      double x = x_of_hu (self, hu, width);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.25);
      cairo_rectangle (cr, x - 0.5, 0, 1, plot_h);
      cairo_fill (cr);
      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      cairo_move_to (cr, CLAMP (x - tw / 2.0, 0, width - tw), plot_h + 2);
      pango_cairo_show_layout (cr, layout);
    }

  /* The threshold marker: a line with a handle and its value. */
  cairo_set_source_rgb (cr, 0.90, 0.33, 0.24);
  cairo_rectangle (cr, tx - 1, 0, 2, plot_h);
  cairo_fill (cr);
  cairo_move_to (cr, tx - 7, 0);
  cairo_line_to (cr, tx + 7, 0);
  cairo_line_to (cr, tx, 9);
  cairo_close_path (cr);
  cairo_fill (cr);
  marker = g_strdup_printf (_("%.0f HU"), self->threshold);
  pango_layout_set_text (layout, marker, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, tx + 6 + tw < width ? tx + 6 : tx - 6 - tw, 10);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
osp_histogram_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  OspHistogram *self = OSP_HISTOGRAM (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width <= 2 * PAD || height <= AXIS_HEIGHT)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (self, cr, width, height);
  cairo_destroy (cr);
}

static void
move_marker (OspHistogram *self,
             double        x)
{
  double hu = hu_of_x (self, x, gtk_widget_get_width (GTK_WIDGET (self)));

  /* Whole tens of HU: finer steps mean nothing in a CT and make the value hard to read. */
  osp_histogram_set_threshold (self, round (hu / 10.0) * 10.0);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               OspHistogram   *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  move_marker (self, x);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                OspHistogram   *self)
{
  double x, y;

  if (gtk_gesture_drag_get_start_point (gesture, &x, &y))
    move_marker (self, x + dx);
}

static gboolean
on_key (GtkEventControllerKey *controller,
        guint                  keyval,
        guint                  keycode,
        GdkModifierType        state,
        OspHistogram          *self)
{
  double step = (state & GDK_SHIFT_MASK) ? 100.0 : 10.0;

  if (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left)
    osp_histogram_set_threshold (self, self->threshold - step);
  else if (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right)
    osp_histogram_set_threshold (self, self->threshold + step);
  else
    return FALSE;
  return TRUE;
}

void
osp_histogram_set_counts (OspHistogram  *self,
                          const guint64 *counts,
                          guint          n_bins,
                          int            min_hu,
                          int            bin_width)
{
  g_return_if_fail (OSP_IS_HISTOGRAM (self));
  g_return_if_fail (counts != NULL || n_bins == 0);
  g_return_if_fail (bin_width > 0);

  g_free (self->counts);
  self->counts = g_memdup2 (counts, sizeof *counts * n_bins);
  self->n_bins = n_bins;
  self->min_hu = min_hu;
  self->bin_width = bin_width;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
osp_histogram_get_threshold (OspHistogram *self)
{
  g_return_val_if_fail (OSP_IS_HISTOGRAM (self), 0.0);
  return self->threshold;
}

void
osp_histogram_set_threshold (OspHistogram *self,
                             double        threshold_hu)
{
  g_return_if_fail (OSP_IS_HISTOGRAM (self));

  threshold_hu = CLAMP (threshold_hu, -1000.0, 3000.0);
  if (self->threshold == threshold_hu)
    return;
  self->threshold = threshold_hu;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

static void
osp_histogram_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_THRESHOLD:
      g_value_set_double (value, OSP_HISTOGRAM (object)->threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_histogram_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_THRESHOLD:
      osp_histogram_set_threshold (OSP_HISTOGRAM (object), g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
osp_histogram_finalize (GObject *object)
{
  g_free (OSP_HISTOGRAM (object)->counts);
  G_OBJECT_CLASS (osp_histogram_parent_class)->finalize (object);
}

static void
osp_histogram_class_init (OspHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = osp_histogram_get_property;
  object_class->set_property = osp_histogram_set_property;
  object_class->finalize = osp_histogram_finalize;
  widget_class->snapshot = osp_histogram_snapshot;

  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, -1000.0, 3000.0, 250.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "histogram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
osp_histogram_init (OspHistogram *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->threshold = 250.0;
  self->bin_width = 1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self), 300, 150);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "col-resize");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Voxels at or above the threshold are bone. Drag the red "
                                 "marker, or use the arrow keys."));
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

GtkWidget *
osp_histogram_new (void)
{
  return g_object_new (OSP_TYPE_HISTOGRAM, NULL);
}
