/* osp-window-private.h — what the parts of the main window share
 *
 * The window is split by subject: osp-window.c (the case, the plan shown, the widgets),
 * osp-window-files.c (opening, importing, saving, recent cases), osp-window-autosave.c
 * (autosave and recovery) and osp-window-actions.c (actions and keyboard shortcuts).
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "osp-gui-private.h"
#include "osp-plan.h"
#include "osp-ct-dialog.h"
#include "osp-guide-panel.h"
#include "osp-view-grid.h"
#include "osp-window.h"

G_BEGIN_DECLS

/* How many recent cases (and recoverable autosaves) the start page lists. */
#define N_RECENT 6

struct _OspWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkToggleButton      *sidebar_button;
  GtkRevealer          *progress_revealer;
  GtkLabel             *progress_label;
  GtkProgressBar       *progress_bar;
  GtkStack             *main_stack;
  AdwPreferencesGroup  *recent_group;
  GtkListBox           *recent_list;
  AdwPreferencesGroup  *recover_group;
  GtkListBox           *recover_list;
  GMenu                *undo_menu;
  GtkButton            *undo_button;
  GtkWidget            *tools_box;
  OspCutPanel          *cut_panel;
  OspMirrorPanel       *mirror_panel;
  AdwViewStack         *sidebar_stack;
  OspImplantPanel      *implant_panel;
  OspMeasurePanel      *measure_panel;
  OspGuidePanel        *guide_panel;
  OspTrainingPanel     *training_panel;
  GtkButton            *redo_button;
  GtkWidget            *sidebar;
  GtkListView          *model_list_view;
  GtkLabel             *summary_label;
  OspViewport          *viewport;
  OspSliceGroup        *slice_group;   /* osp-window-slices.c */
  OspViewGrid          *view_grid;
  struct _OspWindowSlices *slices;

  OspPlan              *plan;
  GSettings            *settings;
  GtkSingleSelection   *selection;

  GCancellable         *cancellable;
  GPtrArray            *jobs;          /* OspJob* running, owned by their tasks */
  guint                 progress_source;
  char                 *last_error;
  guint                 n_bone_models;
  OspAutosave          *autosave;
  guint                 autosave_source;
  gboolean              autosave_running;
  gboolean              close_confirmed;   /* the surgeon chose Save or Discard */
  gboolean              close_asking;      /* the "Save Changes?" of a close is showing */
  gboolean              autosave_again;    /* changed while an autosave ran: save again */
  gboolean              keep_autosave;     /* closed with unsaved work: keep it to recover */
  guint                 n_saves_running;
  guint                 n_plan_tasks;      /* plans being opened */
  gboolean              path_is_autosave;  /* recovered: Save must ask where */
  gboolean              disposed;
};

/* What to do once the plan is saved (or the changes discarded): close the window, open
 * another plan. */
typedef void (*OspWindowThenFunc) (OspWindow *self,
                                   gpointer   data);

/* osp-window.c */
void     osp_window_show_toast         (OspWindow         *self,
                                        const char        *text);
void     osp_window_add_mesh           (OspWindow         *self,
                                        OspMesh           *mesh,
                                        const char        *name,
                                        OspModelRole       role,
                                        const char        *source_path);
void     osp_window_cancel_jobs        (OspWindow         *self);
/* The plan holds work that is in no file of the surgeon's: unsaved changes, or a plan
 * recovered from an autosave and not saved yet. */
gboolean osp_window_has_unsaved_work   (OspWindow         *self);
void     osp_window_close_case         (OspWindow         *self);
void     osp_window_update_title       (OspWindow         *self);
void     osp_window_update_tools       (OspWindow         *self);
void     osp_window_set_plan           (OspWindow         *self,
                                        OspPlan           *plan);
void     osp_window_show_sidebar_page  (OspWindow         *self,
                                        const char        *name);

/* osp-window-files.c */
void     osp_window_update_recent      (OspWindow         *self);
void     osp_window_update_jobs_ui     (OspWindow         *self);
void     osp_window_open_plan_now      (OspWindow         *self,
                                        gpointer           data);
void     osp_window_confirm_discard    (OspWindow         *self,
                                        OspWindowThenFunc  then,
                                        gpointer           data,
                                        GDestroyNotify     destroy);
gboolean osp_window_on_close_request   (GtkWindow         *window,
                                        gpointer           data);
void     osp_window_files_class_init   (GtkWidgetClass    *widget_class);

/* osp-window-autosave.c */
void     osp_window_update_recover     (OspWindow         *self);
void     osp_window_start_autosave     (OspWindow         *self);
/* Writes the autosave now (in the background) when the plan has unsaved work. */
void     osp_window_autosave_now       (OspWindow         *self);
/* The window goes without Save or Discard: writes the autosave (blocking) and keeps it for
 * recovery at the next start. */
void     osp_window_keep_autosave      (OspWindow         *self);

/* osp-window-slices.c: the slice views beside the 3D view */
void     osp_window_slices_init        (OspWindow         *self);
void     osp_window_slices_set_plan    (OspWindow         *self,
                                        OspPlan           *plan);
void     osp_window_slices_dispose     (OspWindow         *self);
/* The CT to show (NULL: none) and, while a CT dialog is open, its live threshold. */
void     osp_window_slices_show_volume (OspWindow         *self,
                                        OspVolume         *volume);
void     osp_window_slices_follow_ct_dialog (OspWindow    *self,
                                             OspCtDialog  *dialog);
/* Opens the CT dialog for a loaded CT (histogram: OSP_JOB_HISTOGRAM_N_BINS counts or NULL);
 * when the CT names another patient than the case's, asks first: open it as a new case (a
 * new window), add it anyway, or cancel. */
void     osp_window_slices_open_ct     (OspWindow         *self,
                                        const char        *path,
                                        OspVolume         *volume,
                                        GPtrArray         *series,
                                        int                series_index,
                                        const guint64     *histogram);
/* The demo's lesion as the case's tumour (a mask and its model); `mask` is the lesion's, made
 * already in the demo's thread, or NULL to make it here. */
void     osp_window_slices_add_demo_tumour (OspWindow     *self,
                                            OspVolume     *volume,
                                            OspMask       *mask);
/* Adds the CT to the case (one undo step) and shows it; nothing when the plan has it. */
/* Imports a tumour from a NIfTI label map onto the CT shown: loaded in a thread, then the
 * label picked in a list of those present (the only one imported at once). */
void     osp_window_slices_import_label_map (OspWindow    *self,
                                             const char   *path);
void     osp_window_slices_add_volume  (OspWindow         *self,
                                        OspVolume         *volume);

/* osp-window-actions.c */
void     osp_window_actions_class_init (GtkWidgetClass    *widget_class);

/* The case page (3D view, panels) or the start page, from the models, the CT and the jobs. */
void     osp_window_update_case_page   (OspWindow *self);

G_END_DECLS
