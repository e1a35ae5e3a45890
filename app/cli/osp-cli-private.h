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
int  osp_cli_convert       (int argc, char **argv);
int  osp_cli_bench         (int argc, char **argv);
int  osp_cli_phantom       (int argc, char **argv);
int  osp_cli_segment       (int argc, char **argv);
int  osp_cli_render        (int argc, char **argv);
int  osp_cli_volume_info   (int argc, char **argv);
int  osp_cli_cut           (int argc, char **argv);
int  osp_cli_symmetry      (int argc, char **argv);
int  osp_cli_mirror        (int argc, char **argv);
int  osp_cli_check         (int argc, char **argv);
int  osp_cli_repair        (int argc, char **argv);
int  osp_cli_decimate      (int argc, char **argv);
int  osp_cli_export        (int argc, char **argv);
int  osp_cli_plan          (int argc, char **argv);
int  osp_cli_implant       (int argc, char **argv);
int  osp_cli_distance      (int argc, char **argv);
int  osp_cli_boolean       (int argc, char **argv);
int  osp_cli_guide         (int argc, char **argv);
int  osp_cli_slice         (int argc, char **argv);
int  osp_cli_margin        (int argc, char **argv);

/* Benchmarks: `osteoplan-cli bench NAME`, one file each (osp-cli-bench-NAME.c), dispatched by
 * the table in osp-cli-bench.c.  To add one:
 *   1. write int osp_cli_bench_NAME (int argc, char **argv) in osp-cli-bench-NAME.c (argv[0]
 *      is NAME; parse options with osp_cli_context_new ("bench NAME", …) so --help works;
 *      print figures, assert nothing about time);
 *   2. declare it below;
 *   3. add { "NAME", N_("PARAMETERS"), N_("summary"), osp_cli_bench_NAME } to the table in
 *      osp-cli-bench.c, and the file to cli_sources in app/cli/meson.build.
 */
int  osp_cli_bench_stl     (int argc, char **argv);
int  osp_cli_bench_export  (int argc, char **argv);
int  osp_cli_bench_check   (int argc, char **argv);
int  osp_cli_bench_iso     (int argc, char **argv);
int  osp_cli_bench_render  (int argc, char **argv);
int  osp_cli_bench_dicom   (int argc, char **argv);
int  osp_cli_bench_cut     (int argc, char **argv);
int  osp_cli_bench_symmetry (int argc, char **argv);
int  osp_cli_bench_plan    (int argc, char **argv);
int  osp_cli_bench_fit     (int argc, char **argv);
int  osp_cli_bench_boolean (int argc, char **argv);
int  osp_cli_bench_info    (int argc, char **argv);
int  osp_cli_bench_decimate (int argc, char **argv);
int  osp_cli_bench_nifti   (int argc, char **argv);
int  osp_cli_bench_save    (int argc, char **argv);
int  osp_cli_bench_slice   (int argc, char **argv);

/* A model read from a file by osp_cli_load_models() (osp-cli-export.c). */
typedef struct
{
  char            *name;      /* the 3MF object's name, else the file's base name */
  struct _OspMesh *mesh;      /* an OspMesh (osp-mesh.h) */
  guint32          rgba;      /* 0xRRGGBBAA when has_color */
  gboolean         has_color;
} OspCliModel;

/* The models of a mesh file: one per build item of a 3MF package, else one.  Warnings are
 * appended to `warnings` (strings), or printed when it is NULL.  A GPtrArray of OspCliModel*. */
GPtrArray *osp_cli_load_models (const char  *path,
                                GPtrArray   *warnings,
                                GError     **error);

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

/* Prints a JSON document, pretty, and a newline on stdout. */
struct _JsonNode;
void     osp_cli_print_json  (struct _JsonNode *root);

/* Helpers of the benchmarks (osp-cli-bench-*.c). */
/* The Python with Debian's VTK (python3-vtk9), for the reference timings: not the first
 * python3 on PATH, which may be another installation without it. */
#define OSP_CLI_SYSTEM_PYTHON "/usr/bin/python3"

/* CPU time of the whole process (all threads) in seconds: on a busy shared machine the
 * steadier figure. */
double   osp_cli_cpu_now     (void);
/* The value after `key` in `text` (on the first line containing `line` when not NULL), or -1
 * where absent; for the "key=value" output of a child process.  `text` may be NULL. */
double   osp_cli_output_field (const char *text,
                               const char *line,
                               const char *key);
/* Runs argv[0] with its arguments and waits; TRUE with its stdout in *out_stdout when it
 * exited with status 0, else FALSE with *out_stdout NULL. */
gboolean osp_cli_run_child   (const char *const *argv,
                              char              **out_stdout);
/* The path of the benchmark script `name`: `given` when not NULL, else in $OSP_BENCH_DIR,
 * else in SOURCE/tests/bench next to an in-tree build; NULL where not found. */
char    *osp_cli_find_bench_script (const char *given,
                                    const char *name);
/* A field of /proc/self/status ("VmRSS:", "VmHWM:") in bytes, 0 where absent. */
guint64  osp_cli_proc_status_bytes (const char *field);
/* qsort() comparison of doubles, ascending. */
int      osp_cli_compare_doubles (const void *a,
                                  const void *b);
/* A torus around z (major radius R, minor r) of nu × nv quads, 2 nu nv triangles, facing
 * outwards, or inwards when `inward`.  nu, nv ≥ 3. */
struct _OspMesh *osp_cli_make_torus (double   R,
                                     double   r,
                                     guint32  nu,
                                     guint32  nv,
                                     gboolean inward);

G_END_DECLS
