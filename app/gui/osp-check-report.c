/* osp-check-report.c — a print-readiness report, line by line
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <math.h>

#include "osp-check-report.h"

typedef struct
{
  OspCheckLineStatus status;
  char              *text;
} Line;

struct _OspCheckReport
{
  GtkWidget  parent_instance;

  GArray    *lines;  /* Line */
};

G_DEFINE_FINAL_TYPE (OspCheckReport, osp_check_report, GTK_TYPE_WIDGET)

static void
line_clear (gpointer data)
{
  Line *line = data;

  g_free (line->text);
}

static void
clear_lines (OspCheckReport *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_array_set_size (self->lines, 0);
}

/* One line: a coloured mark (the style classes of libadwaita) and the sentence. */
static void
add_line (OspCheckReport     *self,
          OspCheckLineStatus  status,
          char               *text)
{
  static const struct
  {
    const char *mark;
    const char *style;
  } looks[] = {
    [OSP_CHECK_LINE_PASSED] = { "✓", "success" },
    [OSP_CHECK_LINE_WARNING] = { "!", "warning" },
    [OSP_CHECK_LINE_FAILED] = { "✗", "error" },
    [OSP_CHECK_LINE_UNCHECKED] = { "–", "dim-label" },
  };
  Line line = { status, text };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *mark = gtk_label_new (looks[status].mark);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (mark, looks[status].style);
  gtk_widget_add_css_class (mark, "heading");
  gtk_widget_set_valign (mark, GTK_ALIGN_START);
  gtk_label_set_width_chars (GTK_LABEL (mark), 2);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), mark);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_parent (box, GTK_WIDGET (self));
  g_array_append_val (self->lines, line);
}

static void
add_count_line (OspCheckReport     *self,
                guint64             count,
                OspCheckLineStatus  bad_status,
                const char         *good,
                char               *bad)
{
  if (count == 0)
    {
      g_free (bad);
      add_line (self, OSP_CHECK_LINE_PASSED, g_strdup (good));
    }
  else
    add_line (self, bad_status, bad);
}

void
osp_check_report_set_report (OspCheckReport       *self,
                             const OspPrintReport *report,
                             double                min_wall)
{
  const OspMeshTopology *topo;
  const OspBox *bounds;

  g_return_if_fail (OSP_IS_CHECK_REPORT (self));

  if (report == NULL)
    {
      osp_check_report_set_message (self, _("Not checked yet."));
      return;
    }
  clear_lines (self);
  topo = &report->mesh.topology;
  bounds = &report->mesh.bounds;

  add_count_line (self, topo->n_boundary_edges, OSP_CHECK_LINE_FAILED, _("Closed: no holes."),
                  g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "Not closed: %" PRIu64 " boundary edge (a hole).",
                                                "Not closed: %" PRIu64 " boundary edges (holes).",
                                                topo->n_boundary_edges),
                                   topo->n_boundary_edges));
  /* Manifold and closed are different things: an open surface has edges with one triangle,
   * so "every edge joins two triangles" is said of a closed one only. */
  add_count_line (self, topo->n_nonmanifold_edges, OSP_CHECK_LINE_FAILED,
                  topo->n_boundary_edges == 0
                  ? _("Manifold: every edge joins exactly two triangles.")
                  : _("Manifold with a border: no edge is shared by more than two triangles, "
                      "but the surface is open."),
                  g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "Not manifold: %" PRIu64 " edge is shared by "
                                                "more than two triangles.",
                                                "Not manifold: %" PRIu64 " edges are shared by "
                                                "more than two triangles.",
                                                topo->n_nonmanifold_edges),
                                   topo->n_nonmanifold_edges));

  /* Oriented outward: consistent winding, and a positive volume for every closed piece. */
  if (topo->n_misoriented_edges > 0)
    add_line (self, OSP_CHECK_LINE_FAILED,
              g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Not oriented consistently: %" PRIu64 " edge joins "
                                            "flipped faces.",
                                            "Not oriented consistently: %" PRIu64 " edges join "
                                            "flipped faces.", topo->n_misoriented_edges),
                               topo->n_misoriented_edges));
  else if (report->mesh.closed && report->mesh.volume <= 0 && report->mesh.n_triangles > 0)
    add_line (self, OSP_CHECK_LINE_FAILED,
              g_strdup (_("Inside out: the faces point inwards.")));
  else if (report->n_inverted_components > 0)
    add_line (self, OSP_CHECK_LINE_WARNING,
              g_strdup_printf (ngettext ("%u piece is inside out.", "%u pieces are inside out.",
                                         report->n_inverted_components),
                               report->n_inverted_components));
  else
    add_line (self, OSP_CHECK_LINE_PASSED, g_strdup (_("Oriented consistently and outward.")));

  add_count_line (self, report->mesh.n_degenerate, OSP_CHECK_LINE_WARNING,
                  _("No degenerate faces."),
                  g_strdup_printf (ngettext ("%u degenerate face (no area).",
                                             "%u degenerate faces (no area).",
                                             report->mesh.n_degenerate),
                                   report->mesh.n_degenerate));

  if (!report->self_intersections_checked)
    add_line (self, OSP_CHECK_LINE_UNCHECKED, g_strdup (_("Self-intersections not checked.")));
  else if (report->n_self_intersections == 0 && report->n_unchecked_spots > 0)
    add_line (self, OSP_CHECK_LINE_WARNING,
              g_strdup_printf (ngettext ("Self-intersections were not fully checked: %u spot "
                                         "holds more than %u triangles, too many to test "
                                         "pair by pair.",
                                         "Self-intersections were not fully checked: %u "
                                         "spots hold more than %u triangles each, too many "
                                         "to test pair by pair.",
                                         (gulong) MIN (report->n_unchecked_spots, 1000000)),
                               (guint) MIN (report->n_unchecked_spots, G_MAXUINT),
                               (guint) OSP_PRINT_CHECK_MAX_SPOT_TRIANGLES));
  else
    add_count_line (self, report->n_self_intersections, OSP_CHECK_LINE_FAILED,
                    _("No self-intersections."),
                    g_strdup_printf (_("Self-intersecting: %" PRIu64 " pairs of "
                                       "triangles cross each other."),
                                     report->n_self_intersections));

  if (report->n_wall_samples == 0 || !isfinite (report->min_wall))
    add_line (self, OSP_CHECK_LINE_UNCHECKED, g_strdup (_("Wall thickness not measured.")));
  else if (report->n_thin_samples == 0)
    add_line (self, OSP_CHECK_LINE_PASSED,
              g_strdup_printf (_("Thinnest wall %.2f mm (limit %.2f mm)."),
                               report->min_wall, min_wall));
  else
    add_line (self, OSP_CHECK_LINE_FAILED,
              g_strdup_printf (_("Thinnest wall %.2f mm at (%.1f, %.1f, %.1f), below the "
                                 "%.2f mm limit."),
                               report->min_wall, report->min_wall_point[0],
                               report->min_wall_point[1], report->min_wall_point[2], min_wall));

  if (!report->build_volume_checked)
    add_line (self, OSP_CHECK_LINE_UNCHECKED, g_strdup (_("Build volume not checked.")));
  else if (report->fits && !report->fits_rotated)
    add_line (self, OSP_CHECK_LINE_PASSED,
              g_strdup_printf (_("Fits the build volume (%.1f × %.1f × %.1f mm)."),
                               bounds->max[0] - bounds->min[0], bounds->max[1] - bounds->min[1],
                               bounds->max[2] - bounds->min[2]));
  else if (report->fits)
    add_line (self, OSP_CHECK_LINE_PASSED,
              g_strdup_printf (_("Fits the build volume when turned onto its principal axes "
                                 "(%.1f × %.1f × %.1f mm)."),
                               report->fit_size[0], report->fit_size[1], report->fit_size[2]));
  else
    add_line (self, OSP_CHECK_LINE_FAILED,
              g_strdup_printf (_("Too big for the printer: %.1f × %.1f × %.1f mm."),
                               bounds->max[0] - bounds->min[0], bounds->max[1] - bounds->min[1],
                               bounds->max[2] - bounds->min[2]));
}

void
osp_check_report_set_message (OspCheckReport *self,
                              const char     *message)
{
  g_return_if_fail (OSP_IS_CHECK_REPORT (self));
  g_return_if_fail (message != NULL);

  clear_lines (self);
  add_line (self, OSP_CHECK_LINE_UNCHECKED, g_strdup (message));
}

guint
osp_check_report_get_n_lines (OspCheckReport *self)
{
  g_return_val_if_fail (OSP_IS_CHECK_REPORT (self), 0);
  return self->lines->len;
}

OspCheckLineStatus
osp_check_report_get_line (OspCheckReport  *self,
                           guint            index,
                           const char     **out_text)
{
  const Line *line;

  g_return_val_if_fail (OSP_IS_CHECK_REPORT (self), OSP_CHECK_LINE_UNCHECKED);
  g_return_val_if_fail (index < self->lines->len, OSP_CHECK_LINE_UNCHECKED);

  line = &g_array_index (self->lines, Line, index);
  if (out_text != NULL)
    *out_text = line->text;
  return line->status;
}

GtkWidget *
osp_check_report_new (void)
{
  return g_object_new (OSP_TYPE_CHECK_REPORT, NULL);
}

static void
osp_check_report_dispose (GObject *object)
{
  OspCheckReport *self = OSP_CHECK_REPORT (object);

  clear_lines (self);
  G_OBJECT_CLASS (osp_check_report_parent_class)->dispose (object);
}

static void
osp_check_report_finalize (GObject *object)
{
  OspCheckReport *self = OSP_CHECK_REPORT (object);

  g_array_unref (self->lines);
  G_OBJECT_CLASS (osp_check_report_parent_class)->finalize (object);
}

static void
osp_check_report_class_init (OspCheckReportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_check_report_dispose;
  object_class->finalize = osp_check_report_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "checkreport");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST);
}

static void
osp_check_report_init (OspCheckReport *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  self->lines = g_array_new (FALSE, TRUE, sizeof (Line));
  g_array_set_clear_func (self->lines, line_clear);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
  osp_check_report_set_message (self, _("Not checked yet."));
}
