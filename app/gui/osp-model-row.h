/* osp-model-row.h — one model in the side panel's list
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows and edits an OspModel: visibility, colour, name, triangle count, opacity, and a
 * remove button (which emits "remove"; the window owns the list and removes the model).
 */
#pragma once

#include <gtk/gtk.h>

#include "osp-model.h"
#include "osp-plan.h"

G_BEGIN_DECLS

#define OSP_TYPE_MODEL_ROW (osp_model_row_get_type ())
G_DECLARE_FINAL_TYPE (OspModelRow, osp_model_row, OSP, MODEL_ROW, GtkBox)

GtkWidget *osp_model_row_new       (void);
/* Binds the row to `model` (NULL unbinds). */
void       osp_model_row_set_model (OspModelRow *self,
                                    OspModel    *model);
OspModel  *osp_model_row_get_model (OspModelRow *self);
/* Edits made in the row (name, visibility, colour, opacity) run as commands of `plan`, so
 * they can be undone; NULL (the default) sets the model's properties directly. */
void       osp_model_row_set_plan  (OspModelRow *self,
                                    OspPlan     *plan);

G_END_DECLS
