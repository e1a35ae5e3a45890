/* osp-cli-private.h — the commands of osteoplan-cli
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each command is a function taking the arguments after the command name (argv[0] is the
 * command) and returning the exit status: 0 on success, 1 on failure with the message on
 * stderr.  Each parses its options with GOptionContext, so `--help` works everywhere.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef int (*OspCliCommandFunc) (int    argc,
                                  char **argv);

typedef struct
{
  const char        *name;
  const char        *parameters; /* shown after the command in --help */
  const char        *summary;    /* translatable (N_) */
  OspCliCommandFunc  func;
} OspCliCommand;

/* Commands (one file each: osp-cli-NAME.c). */
int  osp_cli_info          (int argc, char **argv);

/* Common helpers (osp-cli-common.c). */

/* Parses options; on failure or --help prints and returns FALSE with *out_status set. */
gboolean osp_cli_parse       (GOptionContext  *context,
                              int             *argc,
                              char          ***argv,
                              int             *out_status);
/* Makes a context for a command: "osteoplan-cli NAME PARAMETERS" with its summary. */
GOptionContext *osp_cli_context_new (const char   *name,
                                     const char   *parameters,
                                     const char   *summary,
                                     GOptionEntry *entries);
/* Prints "osteoplan-cli: MESSAGE" on stderr and returns 1. */
int      osp_cli_fail        (const GError    *error);
int      osp_cli_failf       (const char      *format,
                              ...) G_GNUC_PRINTF (1, 2);
/* Prints a warning line on stderr. */
void     osp_cli_warn        (const char      *message);

/* A progress bar on stderr, drawn only when stderr is a terminal.  Thread-safe. */
typedef struct _OspCliProgress OspCliProgress;
OspCliProgress *osp_cli_progress_new    (const char     *label);
void            osp_cli_progress_update (double          fraction,
                                         gpointer        progress);
void            osp_cli_progress_free   (OspCliProgress *progress);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspCliProgress, osp_cli_progress_free)

/* Monotonic time in seconds. */
double   osp_cli_now         (void);

G_END_DECLS
