/* osp-test-gui.c — what the GUI tests share
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE 1   /* dl_iterate_phdr, RTLD_NODELETE */
#include "config.h"

#include <adwaita.h>
#include <dlfcn.h>
#include <glib/gi18n.h>
#include <link.h>
#include <string.h>

#include "osp-test-common.h"
#include "osp-test-gui.h"

static guint timeout_s = 90;

static int
pin_dri_driver (struct dl_phdr_info *info,
                size_t               size,
                void                *data)
{
  if (info->dlpi_name != NULL && g_str_has_suffix (info->dlpi_name, "_dri.so"))
    (void) dlopen (info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  return 0;
}

/* Mesa's driver leaks a block when it compiles a shader (tests/lsan.supp covers it by module
 * name), but LeakSanitizer can name a module only while it is loaded, and closing the display
 * (or a GL context that fails half-way) may unload the driver before the process exits
 * ("<unknown module>").  Keep whatever DRI driver is loaded for the rest of the process; called
 * at start and while the tests run. */
static void keep_quark_tables (void);

static void
pin_gl_driver (void)
{
  dl_iterate_phdr (pin_dri_driver, NULL);
  keep_quark_tables ();
}

/* Loads llvmpipe (the tests' only driver: tests/meson.build) before GDK asks for it, never to
 * be unloaded: from $LIBGL_DRIVERS_PATH, else the dri/ folder beside Mesa's libEGL. */
static void
preload_gl_driver (void)
{
  const char *env = g_getenv ("LIBGL_DRIVERS_PATH");
  g_autofree char *dir = NULL;

  if (env != NULL && *env != '\0')
    dir = g_strdup (env);
  else
    {
      void *egl = dlopen ("libEGL_mesa.so.0", RTLD_LAZY);
      void *symbol = egl != NULL ? dlsym (egl, "__egl_Main") : NULL;
      Dl_info info;

      if (symbol != NULL && dladdr (symbol, &info) != 0 && info.dli_fname != NULL)
        {
          g_autofree char *libdir = g_path_get_dirname (info.dli_fname);

          dir = g_build_filename (libdir, "dri", NULL);
        }
    }
  if (dir != NULL)
    {
      g_auto(GStrv) dirs = g_strsplit (dir, ":", -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        {
          g_autofree char *path = g_build_filename (dirs[i], "swrast_dri.so", NULL);

          if (dlopen (path, RTLD_LAZY | RTLD_NODELETE) != NULL)
            break;
        }
    }
}

#ifdef __SANITIZE_ADDRESS__
/* From <sanitizer/allocator_interface.h>, which GCC does not install. */
int    __sanitizer_get_ownership      (const volatile void *p);
size_t __sanitizer_get_allocated_size (const volatile void *p);

/* GLib 2.74 drops its quark table each time the number of quarks passes a multiple of 2048
 * (gquark.c: "This leaks the old quarks array"), and a GUI test makes about that many: the
 * 16 KiB block showed up as a leak in one run out of three, with no stack to suppress it by.
 * Find GLib's pointer to the table once (a word in libglib's data whose target is a heap block
 * that starts with the known quark strings) and keep every table it has pointed to reachable. */
static void **quark_table_slot;
static GPtrArray *quark_tables;

static int
find_quark_table_slot (struct dl_phdr_info *info,
                       size_t               size,
                       void                *data)
{
  const char *one = g_quark_to_string (1), *two = g_quark_to_string (2);

  if (info->dlpi_name == NULL || strstr (info->dlpi_name, "libglib-2.0.so") == NULL ||
      one == NULL || two == NULL)
    return 0;
  for (int i = 0; i < info->dlpi_phnum && quark_table_slot == NULL; i++)
    {
      const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
      void **words = (void **) (info->dlpi_addr + ph->p_vaddr);

      if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) == 0)
        continue;
      for (gsize k = 0; k < ph->p_memsz / sizeof (void *); k++)
        {
          const char * const *table = words[k];

          if (table != NULL && __sanitizer_get_ownership (table) &&
              __sanitizer_get_allocated_size (table) >= 3 * sizeof (char *) &&
              table[1] == one && table[2] == two)
            {
              quark_table_slot = &words[k];
              break;
            }
        }
    }
  return quark_table_slot != NULL;
}

static void
keep_quark_tables (void)
{
  void *table;

  if (quark_table_slot == NULL)
    {
      dl_iterate_phdr (find_quark_table_slot, NULL);
      if (quark_table_slot == NULL)
        return;
      quark_tables = g_ptr_array_new ();
    }
  table = g_atomic_pointer_get (quark_table_slot);
  if (quark_tables->len == 0 || g_ptr_array_index (quark_tables, quark_tables->len - 1) != table)
    g_ptr_array_add (quark_tables, table);
}
#else
static void
keep_quark_tables (void)
{
}
#endif

void
osp_test_wait_for (OspTestCondition  condition,
                   gpointer          data,
                   const char       *what)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      keep_quark_tables ();
      g_usleep (1000);
    }
  pin_gl_driver ();
}

void
osp_test_set_wait_timeout (guint seconds)
{
  timeout_s = seconds;
}

void
osp_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      keep_quark_tables ();
      g_usleep (2000);
    }
  pin_gl_driver ();
}

void
osp_test_hold (void)
{
  const char *seconds = g_getenv ("OSP_TEST_HOLD_S");

  if (seconds != NULL)
    osp_test_spin ((guint) (g_ascii_strtod (seconds, NULL) * 1000));
}

void
osp_test_screenshot (const char *env_var,
                     const char *name)
{
  const char *dir = g_getenv (env_var);
  g_autofree char *path = NULL;
  g_autofree char *command = NULL;

  if (dir == NULL)
    return;
  osp_test_spin (1500);
  path = g_build_filename (dir, name, NULL);
  command = g_strdup_printf ("import -window root %s", path);
  if (!g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL))
    g_test_message ("could not take %s", path);
}

void
osp_test_isolate_xdg (void)
{
  static const char *const xdg[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                                      "XDG_STATE_HOME" };

  /* Not G_TEST_OPTION_ISOLATE_DIRS: it also hides the system's GSettings schemas from GTK. */
  for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
    {
      g_autofree char *dir = g_build_filename (osp_test_tmpdir (), xdg[i], NULL);

      g_setenv (xdg[i], dir, TRUE);
    }
}

void
osp_test_bind_locale (void)
{
  const char *dir = g_getenv ("OSP_TEST_LOCALEDIR");

  /* The programs bind their translations themselves, from the install prefix. */
  if (dir == NULL)
    return;
  bindtextdomain (GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

gboolean
osp_test_init_display (void)
{
  /* Before GTK: opening the display may already load (and drop) the GL driver. */
  preload_gl_driver ();
  keep_quark_tables ();
  if (!gtk_init_check ())
    {
      g_test_message ("no display: run under xvfb-run");
      return FALSE;
    }
  adw_init ();
  /* Whatever driver a context of the display's own loads stays loaded too (see
   * pin_gl_driver).  Without OpenGL the tests that need it say so themselves. */
  {
    g_autoptr(GdkGLContext) context =
      gdk_display_create_gl_context (gdk_display_get_default (), NULL);

    if (context != NULL)
      (void) gdk_gl_context_realize (context, NULL);
    pin_gl_driver ();
  }
  return TRUE;
}

OspWindow *
osp_test_new_window (int width,
                     int height)
{
  OspWindow *window = osp_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

void
osp_test_destroy_window (GtkWindow *window)
{
  pin_gl_driver ();
  gtk_window_destroy (window);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

GtkWidget *
osp_test_find_button (GtkWidget  *widget,
                      const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)),
                                              label) == 0)
        return child;
      found = osp_test_find_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
osp_test_find_descendant (GtkWidget *widget,
                          GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      found = osp_test_find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first toplevel of `type` transient for `parent`, or for anything with any_parent. */
static GtkWindow *
find_toplevel (GType      type,
               gboolean   any_parent,
               GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) &&
          (any_parent || gtk_window_get_transient_for (toplevel) == parent))
        return toplevel;  /* GTK keeps it */
    }
  return NULL;
}

GtkWindow *
osp_test_find_toplevel (GType      type,
                        GtkWindow *parent)
{
  return find_toplevel (type, FALSE, parent);
}

GtkWindow *
osp_test_find_any_toplevel (GType type)
{
  return find_toplevel (type, TRUE, NULL);
}

void
osp_test_destroy_toplevels (GType type)
{
  GtkWindow *toplevel;

  /* gtk_window_destroy() takes the window off the list of toplevels at once. */
  while ((toplevel = osp_test_find_any_toplevel (type)) != NULL)
    gtk_window_destroy (toplevel);
}

typedef struct
{
  OspViewport *viewport;
  guint        frames;
} FrameWait;

static gboolean
frame_drawn (gpointer data)
{
  FrameWait *wait = data;

  return osp_viewport_get_n_frames (wait->viewport) > wait->frames;
}

GBytes *
osp_test_read_frame (OspViewport *viewport,
                     int         *width,
                     int         *height)
{
  FrameWait wait = { viewport, osp_viewport_get_n_frames (viewport) };

  /* A read-back request also queues a render of the GLArea. */
  osp_viewport_request_readback (viewport);
  osp_test_wait_for (frame_drawn, &wait, "a frame");
  return osp_viewport_take_readback (viewport, width, height);
}

void
osp_test_wait_frame (OspViewport *viewport)
{
  g_bytes_unref (osp_test_read_frame (viewport, NULL, NULL));
}
