/* osp-cli-common.c — helpers shared by the commands
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "osp-cli-private.h"

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
