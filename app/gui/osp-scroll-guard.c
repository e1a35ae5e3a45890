/* osp-scroll-guard.c — the wheel over a side panel scrolls it, not the spin button under it
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "osp-gui-private.h"

/* Pixels a wheel notch scrolls the panel. */
#define NOTCH_PX 48.0

typedef struct
{
  double   x, y;     /* the pointer, in the guarded widget's coordinates */
  gboolean inside;
} Pointer;

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           Pointer                  *pointer)
{
  pointer->x = x;
  pointer->y = y;
  pointer->inside = TRUE;
}

static void
on_leave (GtkEventControllerMotion *controller,
          Pointer                  *pointer)
{
  pointer->inside = FALSE;
}

/* Before any child sees it (capture phase): a wheel over a spin button or a slider that is not
 * being edited scrolls the panel instead; the value under the pointer never changes by
 * accident.  Spin buttons a panel makes later (a guide's parameters) are covered too. */
static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           Pointer                  *pointer)
{
  GtkWidget *root = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkWidget *target = pointer->inside ? gtk_widget_pick (root, pointer->x, pointer->y,
                                                         GTK_PICK_DEFAULT) : NULL;
  GtkWidget *value_widget, *scrolled;
  GtkAdjustment *adjustment;
  double value;

  if (target == NULL)
    return FALSE;
  value_widget = gtk_widget_get_ancestor (target, GTK_TYPE_SPIN_BUTTON);
  if (value_widget == NULL)
    value_widget = gtk_widget_get_ancestor (target, GTK_TYPE_SCALE);
  /* A spin button being edited (it has the focus) still takes the wheel. */
  if (value_widget == NULL || gtk_widget_has_focus (value_widget) ||
      gtk_widget_get_focus_child (value_widget) != NULL)
    return FALSE;
  scrolled = gtk_widget_get_ancestor (value_widget, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled != NULL)
    {
      adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
      value = gtk_adjustment_get_value (adjustment) + dy * NOTCH_PX;
      gtk_adjustment_set_value (adjustment,
                                CLAMP (value, gtk_adjustment_get_lower (adjustment),
                                       gtk_adjustment_get_upper (adjustment) -
                                       gtk_adjustment_get_page_size (adjustment)));
    }
  return TRUE;
}

void
osp_scroll_guard_spin_buttons (GtkWidget *root)
{
  GtkEventController *controller;
  Pointer *pointer;

  g_return_if_fail (GTK_IS_WIDGET (root));

  pointer = g_new0 (Pointer, 1);
  g_object_set_data_full (G_OBJECT (root), "osp-scroll-guard", pointer, g_free);
  controller = gtk_event_controller_motion_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), pointer);
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), pointer);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), pointer);
  gtk_widget_add_controller (root, controller);
  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), pointer);
  gtk_widget_add_controller (root, controller);
}
