/* osp-window.c — the main window: start page, model list, 3D view
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "osp-cut-panel.h"
#include "osp-mirror-panel.h"
#include "osp-implant-panel.h"
#include "osp-guide-panel.h"
#include "osp-measure-panel.h"
#include "osp-training-panel.h"
#include "osp-model-row.h"
#include "osp-settings.h"
#include "osp-window-private.h"

G_DEFINE_FINAL_TYPE (OspWindow, osp_window, ADW_TYPE_APPLICATION_WINDOW)

/* -- Messages ----------------------------------------------------------------------------- */

void
osp_window_show_toast (OspWindow  *self,
                       const char *text)
{
  /* AdwToast titles are markup in libadwaita 1.2. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* -- The case ----------------------------------------------------------------------------- */

static void
update_summary (OspWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->plan));
  guint64 n_triangles = 0;
  g_autofree char *models_text = NULL;
  g_autofree char *triangles_text = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OspModel) model = g_list_model_get_item (G_LIST_MODEL (self->plan), i);

      n_triangles += osp_model_get_n_triangles (model);
    }
  models_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u model", "%u models", n), n);
  triangles_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'" PRIu64 " triangle",
                                                 "%'" PRIu64 " triangles", n_triangles),
                                    n_triangles);
  /* TRANSLATORS: the summary under the model list: "2 models · 412,000 triangles". */
  text = g_strdup_printf (_("%s · %s"), models_text, triangles_text);
  gtk_label_set_text (self->summary_label, text);
}

/* Tools need a selected model and no other tool running. */
void
osp_window_update_tools (OspWindow *self)
{
  gboolean selected = self->selection != NULL &&
                      gtk_single_selection_get_selected_item (self->selection) != NULL;
  gboolean idle = !osp_cut_panel_get_active (self->cut_panel) &&
                  !osp_mirror_panel_get_active (self->mirror_panel);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cut", selected && idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.mirror", selected && idle);
}

static void
on_models_changed (GListModel *list,
                   guint       position,
                   guint       removed,
                   guint       added,
                   OspWindow  *self)
{
  /* A CT alone is a case too: its slices show (the CT dialog's threshold live on them).  So is
   * a case being opened: the empty 3D view shows at once, and its OpenGL context and shaders
   * are made while the files load. */
  gboolean has_case = g_list_model_get_n_items (list) > 0
                      || (self->slice_group != NULL
                          && osp_slice_group_get_volume (self->slice_group) != NULL)
                      || (self->jobs != NULL && self->jobs->len > 0);

  update_summary (self);
  gtk_stack_set_visible_child_name (self->main_stack, has_case ? "case" : "start");
  gtk_widget_set_visible (GTK_WIDGET (self->sidebar_button), has_case);
  gtk_widget_set_visible (self->tools_box, has_case);
  osp_window_update_tools (self);
  if (!has_case)
    adw_window_title_set_subtitle (self->window_title, NULL);
}

void
osp_window_update_case_page (OspWindow *self)
{
  if (self->plan != NULL)
    on_models_changed (G_LIST_MODEL (self->plan), 0, 0, 0, self);
}

/* Adds the model through an undoable command ("load" when it came from a file). */
static void
add_model_from (OspWindow  *self,
                OspModel   *model,
                const char *source_path)
{
  g_autofree char *name = osp_plan_make_unique_name (self->plan, osp_model_get_name (model));
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(GError) error = NULL;

  /* Not in the plan yet: naming it directly is not an edit. */
  osp_model_set_name (model, name);
  command = osp_command_new_add_model (model, -1, source_path);
  if (!osp_plan_execute (self->plan, command, &error))
    {
      osp_window_show_toast (self, error->message);
      return;
    }
  gtk_single_selection_set_selected (self->selection,
                                     g_list_model_get_n_items (G_LIST_MODEL (self->plan)) - 1);
}

void
osp_window_add_model (OspWindow *self,
                      OspModel  *model)
{
  g_return_if_fail (OSP_IS_WINDOW (self));
  g_return_if_fail (OSP_IS_MODEL (model));

  add_model_from (self, model, NULL);
}

void
osp_window_add_mesh (OspWindow  *self,
                     OspMesh    *mesh,
                     const char *name,
                     OspModelRole role,
                     const char *source_path)
{
  g_autoptr(OspModel) model = osp_model_new (name, mesh, role);

  if (role == OSP_MODEL_ROLE_BONE)
    osp_model_set_color (model, osp_model_role_default_color (role, self->n_bone_models++));
  add_model_from (self, model, source_path);
}

static void
on_row_remove (OspModelRow *row,
               OspModel    *model,
               OspWindow   *self)
{
  g_autoptr(OspCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (osp_plan_get_model_index (self->plan, model) < 0)
    return;
  command = osp_command_new_delete_model (model);
  if (!osp_plan_execute (self->plan, command, &error))
    {
      osp_window_show_toast (self, error->message);
      return;
    }
  escaped = g_markup_escape_text (osp_model_get_name (model), -1);
  title = g_strdup_printf (_("“%s” removed"), escaped);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Stops every running job; jobs started later get a fresh cancellable (the running ones
 * hold their own reference to the cancelled one). */
void
osp_window_cancel_jobs (OspWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
}

gboolean
osp_window_has_unsaved_work (OspWindow *self)
{
  return (osp_plan_get_modified (self->plan) || self->path_is_autosave) &&
         g_list_model_get_n_items (G_LIST_MODEL (self->plan)) > 0;
}

void
osp_window_close_case (OspWindow *self)
{
  g_autoptr(OspPlan) plan = osp_plan_new ();

  osp_window_cancel_jobs (self);
  osp_window_set_plan (self, plan);
  self->n_bone_models = 0;
}

GListModel *
osp_window_get_models (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->plan);
}

OspPlan *
osp_window_get_plan (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->plan;
}

OspMirrorPanel *
osp_window_get_mirror_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->mirror_panel;
}

OspImplantPanel *
osp_window_get_implant_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->implant_panel;
}

OspMeasurePanel *
osp_window_get_measure_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->measure_panel;
}

OspTrainingPanel *
osp_window_get_training_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->training_panel;
}

const char *
osp_window_get_sidebar_page (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return adw_view_stack_get_visible_child_name (self->sidebar_stack);
}

OspCutPanel *
osp_window_get_cut_panel (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->cut_panel;
}

GtkSingleSelection *
osp_window_get_selection (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->selection;
}

OspViewport *
osp_window_get_viewport (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->viewport;
}

guint
osp_window_get_n_jobs (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), 0);
  return self->jobs->len + self->n_plan_tasks + self->n_saves_running;
}

const char *
osp_window_get_last_error (OspWindow *self)
{
  g_return_val_if_fail (OSP_IS_WINDOW (self), NULL);
  return self->last_error;
}

/* -- The plan: title, undo ---------------------------------------------------------------- */

void
osp_window_update_title (OspWindow *self)
{
  const char *path = osp_plan_get_path (self->plan);
  gboolean modified = osp_plan_get_modified (self->plan);
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->plan)) == 0;
  g_autofree char *name = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *title = NULL;
  g_autofree char *window_title = NULL;

  if (self->path_is_autosave)
    name = g_strdup (_("Recovered Plan"));
  else if (path != NULL)
    {
      name = g_path_get_basename (path);
      folder = g_path_get_dirname (path);
    }
  else if (!empty || modified)
    name = g_strdup (_("Unsaved Plan"));
  else
    name = g_strdup (_("Osteoplan"));
  /* A dot before the name marks unsaved changes, as GNOME's editors do. */
  title = modified ? g_strdup_printf ("• %s", name) : g_strdup (name);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, folder);
  window_title = g_strdup_printf (_("%s — Osteoplan"), title);
  gtk_window_set_title (GTK_WINDOW (self), window_title);
}

static void
update_undo (OspWindow *self)
{
  const char *undo = osp_plan_get_undo_label (self->plan);
  const char *redo = osp_plan_get_redo_label (self->plan);
  g_autoptr(GMenuItem) undo_item = g_menu_item_new (undo, "win.undo");
  g_autoptr(GMenuItem) redo_item = g_menu_item_new (redo, "win.redo");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 osp_plan_can_undo (self->plan));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 osp_plan_can_redo (self->plan));
  /* The menu and the buttons name the operation: "Undo Cut Ilium". */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->undo_button), undo);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->redo_button), redo);
  g_menu_remove_all (self->undo_menu);
  g_menu_append_item (self->undo_menu, undo_item);
  g_menu_append_item (self->undo_menu, redo_item);
}

static void
on_plan_notify (OspPlan    *plan,
                GParamSpec *pspec,
                OspWindow  *self)
{
  update_undo (self);
  osp_window_update_title (self);
}

/* Shows the side panel's page `name` (models, implants, measure, training). */
void
osp_window_show_sidebar_page (OspWindow  *self,
                              const char *name)
{
  gtk_toggle_button_set_active (self->sidebar_button, TRUE);
  adw_view_stack_set_visible_child_name (self->sidebar_stack, name);
}

/* Shows `plan` (the window keeps a reference); the previous one is dropped. */
void
osp_window_set_plan (OspWindow *self,
                     OspPlan   *plan)
{
  guint n_old = self->plan != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->plan)) : 0;

  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  osp_cut_panel_stop (self->cut_panel);
  osp_mirror_panel_stop (self->mirror_panel);
  osp_viewport_set_selection (self->viewport, NULL);
  gtk_list_view_set_model (self->model_list_view, NULL);
  g_clear_object (&self->selection);
  g_set_object (&self->plan, plan);
  self->path_is_autosave = FALSE;

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (plan)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (plan, "items-changed", G_CALLBACK (on_models_changed), self);
  g_signal_connect (plan, "notify", G_CALLBACK (on_plan_notify), self);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (osp_window_update_tools), self);
  gtk_list_view_set_model (self->model_list_view, GTK_SELECTION_MODEL (self->selection));
  osp_viewport_set_selection (self->viewport, self->selection);
  osp_implant_panel_set_context (self->implant_panel, plan, self->selection, self->viewport);
  osp_measure_panel_set_context (self->measure_panel, plan, self->selection, self->viewport);
  osp_guide_panel_set_context (self->guide_panel, plan, self->selection, self->viewport);
  osp_training_panel_set_plan (self->training_panel, plan);
  osp_window_slices_set_plan (self, plan);
  /* A course an instructor saved opens on its guided steps. */
  if (osp_training_is_course (plan))
    osp_window_show_sidebar_page (self, "training");
  on_models_changed (G_LIST_MODEL (plan), 0, n_old, g_list_model_get_n_items (G_LIST_MODEL (plan)),
                     self);
  update_undo (self);
  osp_window_update_title (self);
}

/* -- Tools ------------------------------------------------------------------------------- */

static void
on_tool_finished (OspWindow *self,
                  gboolean   applied)
{
  gtk_widget_set_visible (GTK_WIDGET (self->cut_panel), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->mirror_panel), FALSE);
  osp_window_update_tools (self);
}

/* -- Training ------------------------------------------------------------------------------ */

static void
use_training_case (OspWindow *self,
                   gpointer   data)
{
  osp_window_set_plan (self, data);
  osp_window_show_sidebar_page (self, "training");
}

/* The panel built a new case (the phantom with a defect): it replaces the open plan once the
 * surgeon has saved or discarded what is unsaved there. */
static void
on_training_case_ready (OspTrainingPanel *panel,
                        OspPlan          *plan,
                        OspWindow        *self)
{
  osp_window_confirm_discard (self, use_training_case, g_object_ref (plan), g_object_unref);
}

/* -- Drag and drop ------------------------------------------------------------------------ */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         OspWindow     *self)
{
  GSList *list;
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);
  osp_window_open_files (self, (GFile **) files->pdata, files->len);
  return files->len > 0;
}

/* -- List --------------------------------------------------------------------------------- */

static void
on_factory_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  OspWindow                *self)
{
  GtkWidget *row = osp_model_row_new ();

  g_signal_connect (row, "remove", G_CALLBACK (on_row_remove), self);
  osp_model_row_set_plan (OSP_MODEL_ROW (row), self->plan);
  gtk_list_item_set_child (item, row);
}

static void
on_factory_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 OspWindow                *self)
{
  /* The plan may have been replaced (Open, Close Case) since the row was made. */
  osp_model_row_set_plan (OSP_MODEL_ROW (gtk_list_item_get_child (item)), self->plan);
  osp_model_row_set_model (OSP_MODEL_ROW (gtk_list_item_get_child (item)),
                           gtk_list_item_get_item (item));
}

static void
on_factory_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   OspWindow                *self)
{
  osp_model_row_set_model (OSP_MODEL_ROW (gtk_list_item_get_child (item)), NULL);
}

/* -- Size and state ----------------------------------------------------------------------- */

/* The next window opens as the last one closed: its size, and maximized or not. */
static void
restore_window_state (OspWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (OspWindow *self)
{
  int width = 0, height = 0;

  /* The size before maximizing (GTK keeps the default size while maximized). */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && height > 0)
    {
      /* Within the schema's ranges: a smaller window is stored at the smallest. */
      g_settings_set_int (self->settings, "window-width", CLAMP (width, 360, 32767));
      g_settings_set_int (self->settings, "window-height", CLAMP (height, 294, 32767));
    }
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

/* -- GObject ------------------------------------------------------------------------------ */

static void
osp_window_dispose (GObject *object)
{
  OspWindow *self = OSP_WINDOW (object);

  /* Destroyed without Save or Discard (the session ends, a caller quits the application):
   * the plan stays in its autosave, offered for recovery at the next start. */
  if (!self->disposed && self->plan != NULL && !self->close_confirmed &&
      osp_window_has_unsaved_work (self))
    osp_window_keep_autosave (self);
  if (!self->disposed && self->settings != NULL)
    save_window_state (self);
  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  if (self->viewport != NULL)
    osp_viewport_set_selection (self->viewport, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OSP_TYPE_WINDOW);
  osp_window_slices_dispose (self);
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (self->plan != NULL)
    g_signal_handlers_disconnect_by_data (self->plan, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->plan);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (osp_window_parent_class)->dispose (object);
}

static void
osp_window_finalize (GObject *object)
{
  OspWindow *self = OSP_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->jobs);
  g_free (self->last_error);
  /* A clean exit: the session's autosave is not needed any more.  (A running autosave holds
   * the window, so none is in flight here.)  Unsaved work keeps it, for recovery. */
  if (self->keep_autosave)
    g_clear_pointer (&self->autosave, osp_autosave_free);
  else
    g_clear_pointer (&self->autosave, osp_autosave_discard);
  G_OBJECT_CLASS (osp_window_parent_class)->finalize (object);
}

static void
osp_window_class_init (OspWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_window_dispose;
  object_class->finalize = osp_window_finalize;

  /**
   * OspWindow::close-cancelled:
   *
   * A close (the close button, Ctrl+W, or Quit closing every window) was stopped: the surgeon
   * answered Cancel to "Save Changes?", cancelled the file chooser of Save, or the save
   * failed.  The window stays open; Quit stops there.
   */
  g_signal_new ("close-cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                NULL, G_TYPE_NONE, 0);

  g_type_ensure (OSP_TYPE_VIEWPORT);
  g_type_ensure (OSP_TYPE_CUT_PANEL);
  g_type_ensure (OSP_TYPE_MIRROR_PANEL);
  g_type_ensure (OSP_TYPE_IMPLANT_PANEL);
  g_type_ensure (OSP_TYPE_MEASURE_PANEL);
  g_type_ensure (OSP_TYPE_GUIDE_PANEL);
  g_type_ensure (OSP_TYPE_TRAINING_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               OSP_RESOURCE_PATH "/ui/osp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OspWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recover_group);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, recover_list);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, undo_menu);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, undo_button);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, tools_box);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, cut_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, mirror_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, implant_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, measure_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, guide_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, training_panel);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, redo_button);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, model_list_view);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, OspWindow, viewport);

  osp_window_files_class_init (widget_class);
  osp_window_actions_class_init (widget_class);
}

static void
osp_window_init (OspWindow *self)
{
  GtkListItemFactory *factory;
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST };

  gtk_widget_init_template (GTK_WIDGET (self));
  osp_window_slices_init (self);
  self->settings = osp_settings_new ();
  restore_window_state (self);
  g_signal_connect_swapped (self->cut_panel, "finished", G_CALLBACK (on_tool_finished), self);
  g_signal_connect_swapped (self->mirror_panel, "finished", G_CALLBACK (on_tool_finished), self);
  g_signal_connect (self->training_panel, "case-ready", G_CALLBACK (on_training_case_ready),
                    self);
  osp_training_panel_set_viewport (self->training_panel, self->viewport);
  /* The wheel over the side panel scrolls it, not a spin button that happens to be under the
   * pointer. */
  osp_scroll_guard_spin_buttons (GTK_WIDGET (self->sidebar));

  self->cancellable = g_cancellable_new ();
  self->jobs = g_ptr_array_new ();

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_factory_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_factory_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_factory_unbind), self);
  gtk_list_view_set_factory (self->model_list_view, factory);
  g_object_unref (factory);
  {
    g_autoptr(OspPlan) plan = osp_plan_new ();

    osp_window_set_plan (self, plan);
  }

  g_object_bind_property (self->sidebar_button, "active", self->sidebar, "visible",
                          G_BINDING_SYNC_CREATE);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (osp_window_update_recent), self);
  osp_window_update_recent (self);
  osp_window_update_recover (self);
  osp_window_update_jobs_ui (self);
  update_summary (self);
  g_signal_connect (self, "close-request", G_CALLBACK (osp_window_on_close_request), NULL);
  osp_window_start_autosave (self);
  g_signal_connect_swapped (self->settings, "changed::autosave-interval",
                            G_CALLBACK (osp_window_start_autosave), self);
}

OspWindow *
osp_window_new (GtkApplication *application)
{
  return g_object_new (OSP_TYPE_WINDOW, "application", application, NULL);
}
