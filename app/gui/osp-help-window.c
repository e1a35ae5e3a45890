/* osp-help-window.c — the offline user guide
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "osp-gui-private.h"
#include "osp-help-window.h"

#define HELP_RESOURCE_DIR "/io/github/osteoplan/Osteoplan/help"

struct _OspHelpWindow
{
  AdwWindow  parent_instance;

  GtkStack  *stack;
  guint      n_pages;
};

G_DEFINE_FINAL_TYPE (OspHelpWindow, osp_help_window, ADW_TYPE_WINDOW)

/* The one open guide: F1 again raises it rather than opening a second. */
static OspHelpWindow *the_help_window;

char *
osp_help_window_guide_path (void)
{
  const char * const *langs = g_get_language_names ();

  for (guint i = 0; langs[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf (HELP_RESOURCE_DIR "/%s/guide.markup", langs[i]);

      if (g_resources_get_info (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL))
        return g_steal_pointer (&path);
    }
  return g_strdup (HELP_RESOURCE_DIR "/C/guide.markup");
}

static char *
figures_dir (void)
{
  const char *env = g_getenv ("OSP_HELP_FIGURES");
  g_autofree char *datadir = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  /* LOCALEDIR is DATADIR/locale: the figures are installed beside it. */
  datadir = g_path_get_dirname (LOCALEDIR);
  return g_build_filename (datadir, "osteoplan", "help", "figures", NULL);
}

static GtkWidget *
new_page_box (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);

  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 24);
  return box;
}

/* Appends the paragraph collected in @text (Pango markup) to @box and empties @text. */
static void
add_paragraph (GtkWidget *box,
               GString   *text)
{
  g_autofree char *markup = g_strstrip (g_strdup (text->str));
  g_autoptr(GError) error = NULL;
  GtkWidget *label;

  g_string_truncate (text, 0);
  if (*markup == '\0')
    return;
  /* A markup mistake in one translation must not hide the paragraph: show it as plain text. */
  if (!pango_parse_markup (markup, -1, 0, NULL, NULL, NULL, &error))
    {
      g_warning ("user guide: %s", error->message);
      label = gtk_label_new (markup);
    }
  else
    {
      label = gtk_label_new (NULL);
      gtk_label_set_markup (GTK_LABEL (label), markup);
    }
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_box_append (GTK_BOX (box), label);
}

static void
add_figure (GtkWidget  *box,
            const char *name)
{
  g_autofree char *dir = figures_dir ();
  g_autofree char *base = g_path_get_basename (name);
  g_autofree char *path = g_build_filename (dir, base, NULL);
  GtkWidget *picture;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;   /* A figure is an illustration: the text stands on its own without it. */
  picture = gtk_picture_new_for_filename (path);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, -1, 240);
  gtk_widget_set_halign (picture, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), picture);
}

static void
add_page (OspHelpWindow *self,
          const char    *title,
          GtkWidget     *box)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  g_autofree char *name = g_strdup_printf ("page%u", self->n_pages);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), box);
  gtk_stack_add_titled (self->stack, scrolled, name, title);
  self->n_pages++;
}

static void
load_guide (OspHelpWindow *self)
{
  g_autofree char *path = osp_help_window_guide_path ();
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) para = g_string_new (NULL);
  g_autofree char *title = NULL;
  GtkWidget *box = NULL;

  if (bytes == NULL)
    {
      GtkWidget *empty = new_page_box ();
      add_paragraph (empty, g_string_assign (para, _("The user guide is not available.")));
      add_page (self, _("User Guide"), empty);
      return;
    }
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];

      if (g_str_has_prefix (line, "== "))
        {
          if (box != NULL)
            {
              add_paragraph (box, para);
              add_page (self, title, box);
            }
          g_free (title);
          title = g_strstrip (g_strdup (line + 3));
          box = new_page_box ();
          {
            g_autofree char *heading =
              g_markup_printf_escaped ("<span size='x-large' weight='bold'>%s</span>", title);
            add_paragraph (box, g_string_assign (para, heading));
          }
        }
      else if (box == NULL)
        continue;   /* Text before the first page: a comment for translators. */
      else if (g_str_has_prefix (line, "@figure "))
        {
          add_paragraph (box, para);
          add_figure (box, g_strstrip (line + 8));
        }
      else if (*line == '\0')
        add_paragraph (box, para);
      else
        {
          /* Lines join with a space, except where either side is not ASCII: Chinese text
           * has no spaces between words. */
          if (para->len > 0 && (guchar) para->str[para->len - 1] < 0x80 && (guchar) *line < 0x80)
            g_string_append_c (para, ' ');
          g_string_append (para, line);
        }
    }
  if (box != NULL)
    {
      add_paragraph (box, para);
      add_page (self, title, box);
    }
}

static void
osp_help_window_dispose (GObject *object)
{
  if (the_help_window == OSP_HELP_WINDOW (object))
    the_help_window = NULL;
  G_OBJECT_CLASS (osp_help_window_parent_class)->dispose (object);
}

static void
osp_help_window_class_init (OspHelpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = osp_help_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               HELP_RESOURCE_DIR "/ui/osp-help-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OspHelpWindow, stack);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
osp_help_window_init (OspHelpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  load_guide (self);
}

guint
osp_help_window_get_n_pages (OspHelpWindow *self)
{
  g_return_val_if_fail (OSP_IS_HELP_WINDOW (self), 0);

  return self->n_pages;
}

void
osp_help_window_present (GtkWindow *parent)
{
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  if (the_help_window == NULL)
    {
      the_help_window = g_object_new (OSP_TYPE_HELP_WINDOW, NULL);
      if (parent != NULL)
        gtk_window_set_transient_for (GTK_WINDOW (the_help_window), parent);
    }
  gtk_window_present (GTK_WINDOW (the_help_window));
}
