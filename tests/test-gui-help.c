/* test-gui-help.c — the offline user guide, under Xvfb
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The guide window shows one page per "== " heading of the guide for the user's language
 * (English by default, Simplified Chinese for zh_CN), F1 twice raises one window, and the
 * figures `osteoplan-cli render` drew at build time are where the window looks for them.
 * Skips when there is no display.
 */
#include "config.h"

#include <adwaita.h>

#include "osp-help-window.h"
#include "osp-test-gui.h"

static guint
count_pages (const char *lang)
{
  g_autofree char *path = g_strdup_printf ("/io/github/osteoplan/Osteoplan/help/%s/guide.markup",
                                           lang);
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_nonnull (bytes);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], "== ");
  return n;
}

static OspHelpWindow *
find_help_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */
  OspHelpWindow *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (OSP_IS_HELP_WINDOW (window))
        {
          g_assert_null (found);   /* One guide window, however often F1 is pressed. */
          found = OSP_HELP_WINDOW (window);
        }
    }
  return found;
}

static void
test_help_pages (void)
{
  OspHelpWindow *window;
  guint n_en = count_pages ("C");
  guint n_zh = count_pages ("zh_CN");

  /* Welcome, the eight steps, the shortcuts. */
  g_assert_cmpuint (n_en, ==, 10);
  g_assert_cmpuint (n_zh, ==, n_en);

  osp_help_window_present (NULL);
  osp_help_window_present (NULL);
  window = find_help_window ();
  g_assert_nonnull (window);
  g_assert_cmpuint (osp_help_window_get_n_pages (window), ==, n_en);
  /* OSP_TEST_HOLD_S=N keeps the guide on screen N seconds, for a screenshot by hand. */
  osp_test_hold ();
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (find_help_window ());
}

typedef struct
{
  const char *language;
  const char *expected;
} LanguageCase;

static void
test_help_language (void)
{
  static const LanguageCase cases[] = {
    { "zh_CN", "/io/github/osteoplan/Osteoplan/help/zh_CN/guide.markup" },
    { "zh_CN:en", "/io/github/osteoplan/Osteoplan/help/zh_CN/guide.markup" },
    { "en_GB", "/io/github/osteoplan/Osteoplan/help/C/guide.markup" },
    { "fr_FR:de", "/io/github/osteoplan/Osteoplan/help/C/guide.markup" },
  };
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = NULL;

      g_setenv ("LANGUAGE", cases[i].language, TRUE);
      path = osp_help_window_guide_path ();
      g_assert_cmpstr (path, ==, cases[i].expected);
    }
  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

static void
test_help_figures (void)
{
  const char *dir = g_getenv ("OSP_HELP_FIGURES");
  static const char *figures[] = { "anterior.png", "superior.png", "left.png", "section.png" };

  if (dir == NULL)
    {
      g_test_skip ("OSP_HELP_FIGURES is not set");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      g_autofree char *path = g_build_filename (dir, figures[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);

      g_assert_no_error (error);
      /* 640 × 400 when a GL driver drew it at build time, a 1 × 1 placeholder otherwise. */
      if (gdk_texture_get_width (texture) == 1)
        g_test_message ("%s is a placeholder: no OpenGL when the build ran", figures[i]);
      else
        {
          g_assert_cmpint (gdk_texture_get_width (texture), ==, 640);
          g_assert_cmpint (gdk_texture_get_height (texture), ==, 400);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_xdg ();
  osp_test_bind_locale ();
  if (!osp_test_init_display ())
    {
      g_test_skip ("no display");
      return g_test_run ();
    }

  g_test_add_func ("/help/pages", test_help_pages);
  g_test_add_func ("/help/language", test_help_language);
  g_test_add_func ("/help/figures", test_help_figures);
  return g_test_run ();
}
