/* osp-cli-common.c — helpers shared by the commands
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osp-cli-private.h"
#include "osp-mesh.h"

GOptionContext *
osp_cli_context_new (const char   *name,
                     const char   *parameters,
                     const char   *summary,
                     GOptionEntry *entries)
{
  g_autofree char *usage = g_strdup_printf ("%s %s", name, parameters != NULL ? parameters : "");
  GOptionContext *context = g_option_context_new (usage);

  g_option_context_set_summary (context, summary);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return context;
}

gboolean
osp_cli_parse (GOptionContext  *context,
               int             *argc,
               char          ***argv,
               int             *out_status)
{
  g_autoptr(GError) error = NULL;

  /* GOptionContext prints the help and exits by itself on --help, with status 0. */
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *out_status = osp_cli_fail (error);
      return FALSE;
    }
  *out_status = 0;
  return TRUE;
}

int
osp_cli_fail (const GError *error)
{
  fprintf (stderr, "osteoplan-cli: %s\n", error != NULL ? error->message : _("failed"));
  return 1;
}

int
osp_cli_failf (const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "osteoplan-cli: %s\n", message);
  return 1;
}

void
osp_cli_warn (const char *message)
{
  fprintf (stderr, _("osteoplan-cli: warning: %s\n"), message);
}

struct _OspCliProgress
{
  char   *label;
  GMutex  mutex;
  int     last_percent;
  gboolean tty;
};

OspCliProgress *
osp_cli_progress_new (const char *label)
{
  OspCliProgress *progress = g_new0 (OspCliProgress, 1);

  progress->label = g_strdup (label);
  progress->last_percent = -1;
  progress->tty = isatty (STDERR_FILENO);
  g_mutex_init (&progress->mutex);
  return progress;
}

void
osp_cli_progress_update (double   fraction,
                         gpointer user_data)
{
  OspCliProgress *progress = user_data;
  int percent = (int) (CLAMP (fraction, 0.0, 1.0) * 100.0 + 0.5);

  if (!progress->tty)
    return;
  g_mutex_lock (&progress->mutex);
  if (percent != progress->last_percent)
    {
      char bar[41];
      int filled = percent * 40 / 100;

      memset (bar, '#', filled);
      memset (bar + filled, '.', 40 - filled);
      bar[40] = '\0';
      fprintf (stderr, "\r%s [%s] %3d%%", progress->label, bar, percent);
      fflush (stderr);
      progress->last_percent = percent;
    }
  g_mutex_unlock (&progress->mutex);
}

void
osp_cli_progress_free (OspCliProgress *progress)
{
  if (progress == NULL)
    return;
  if (progress->tty && progress->last_percent >= 0)
    fprintf (stderr, "\n");
  g_mutex_clear (&progress->mutex);
  g_free (progress->label);
  g_free (progress);
}

double
osp_cli_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

void
osp_cli_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

double
osp_cli_cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
osp_cli_output_field (const char *text,
                      const char *line,
                      const char *key)
{
  const char *start = text, *end = NULL, *at;

  if (text == NULL)
    return -1;
  if (line != NULL)
    {
      start = strstr (text, line);
      if (start == NULL)
        return -1;
      end = strchr (start, '\n');
    }
  at = strstr (start, key);
  if (at == NULL || (end != NULL && at > end))
    return -1;
  return g_ascii_strtod (at + strlen (key), NULL);
}

gboolean
osp_cli_run_child (const char *const *argv,
                   char              **out_stdout)
{
  g_autofree char *err = NULL;
  int wait_status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out_stdout, &err,
                     &wait_status, NULL) ||
      !g_spawn_check_wait_status (wait_status, NULL))
    {
      g_clear_pointer (out_stdout, g_free);
      return FALSE;
    }
  return TRUE;
}

char *
osp_cli_find_bench_script (const char *given,
                           const char *name)
{
  g_autofree char *exe = NULL;
  g_autofree char *dir = NULL;
  const char *env = g_getenv ("OSP_BENCH_DIR");
  const char *const relatives[] = { "../../../tests/bench", "../../tests/bench" };

  if (given != NULL)
    return g_strdup (given);
  if (env != NULL)
    return g_build_filename (env, name, NULL);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    return NULL;
  /* In-tree build folders: BUILD/app/cli/osteoplan-cli next to SOURCE/tests/bench. */
  dir = g_path_get_dirname (exe);
  for (guint i = 0; i < G_N_ELEMENTS (relatives); i++)
    {
      g_autofree char *path = g_build_filename (dir, relatives[i], name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

guint64
osp_cli_proc_status_bytes (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, field);
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (field) + 1, NULL, 10) * 1024;
}

int
osp_cli_compare_doubles (const void *a,
                         const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

OspMesh *
osp_cli_make_torus (double   R,
                    double   r,
                    guint32  nu,
                    guint32  nv,
                    gboolean inward)
{
  gsize n_vertices = (gsize) nu * nv;
  float *positions = g_new (float, n_vertices * 3);
  guint32 *indices = g_new (guint32, n_vertices * 6);
  guint32 *tri = indices;

  for (guint32 i = 0; i < nu; i++)
    for (guint32 j = 0; j < nv; j++)
      {
        double u = 2 * G_PI * i / nu, v = 2 * G_PI * j / nv;
        float *p = positions + 3 * ((gsize) i * nv + j);

        p[0] = (float) ((R + r * cos (v)) * cos (u));
        p[1] = (float) ((R + r * cos (v)) * sin (u));
        p[2] = (float) (r * sin (v));
      }
  for (guint32 i = 0; i < nu; i++)
    for (guint32 j = 0; j < nv; j++)
      {
        guint32 a = i * nv + j, b = ((i + 1) % nu) * nv + j;
        guint32 c = ((i + 1) % nu) * nv + (j + 1) % nv, d = i * nv + (j + 1) % nv;

        if (inward)
          {
            *tri++ = a, *tri++ = c, *tri++ = b;
            *tri++ = a, *tri++ = d, *tri++ = c;
          }
        else
          {
            *tri++ = a, *tri++ = b, *tri++ = c;
            *tri++ = a, *tri++ = c, *tri++ = d;
          }
      }
  return osp_mesh_new_take (positions, (guint32) n_vertices, indices, (guint32) (n_vertices * 2));
}
