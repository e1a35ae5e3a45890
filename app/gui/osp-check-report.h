/* osp-check-report.h — a print-readiness report, line by line
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows an OspPrintReport (osp-print-check.h) as seven lines, each with ✓ (passed), ✗ (the
 * print will fail), ! (look at it) or – (not checked): closed, manifold, oriented outward,
 * degenerate faces, self-intersections, thinnest wall, fits the build volume.
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-print-check.h"

G_BEGIN_DECLS

typedef enum
{
  OSP_CHECK_LINE_PASSED,
  OSP_CHECK_LINE_WARNING,
  OSP_CHECK_LINE_FAILED,
  OSP_CHECK_LINE_UNCHECKED,
} OspCheckLineStatus;

#define OSP_TYPE_CHECK_REPORT (osp_check_report_get_type ())
G_DECLARE_FINAL_TYPE (OspCheckReport, osp_check_report, OSP, CHECK_REPORT, GtkWidget)

GtkWidget          *osp_check_report_new        (void);
/* Shows `report` (copied into the labels; may be NULL: "Not checked yet").  min_wall is the
 * limit the check ran with, in mm.  Precondition: self is an OspCheckReport. */
void                osp_check_report_set_report (OspCheckReport       *self,
                                                 const OspPrintReport *report,
                                                 double                min_wall);
/* Shows one line of text instead of a report ("Checking…", an error). */
void                osp_check_report_set_message (OspCheckReport      *self,
                                                  const char          *message);
/* The number of lines shown (7 with a report, 1 with a message). */
guint               osp_check_report_get_n_lines (OspCheckReport      *self);
/* Line `index`'s status and text (owned by the widget).  Precondition: index < n_lines. */
OspCheckLineStatus  osp_check_report_get_line   (OspCheckReport       *self,
                                                 guint                 index,
                                                 const char          **out_text);

G_END_DECLS
