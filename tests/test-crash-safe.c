/* test-crash-safe.c — saves survive kills and full disks; autosaves survive crashes
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A child process saves in a loop and is killed with SIGKILL at random moments (spread over
 * the length of one save); each time the file on disk must open and be one of the two plans
 * the child alternates between, never a mixture or a torn file.  Children leave with _exit()
 * or by the kill, never through the test harness.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "osp-error.h"
#include "osp-plan.h"
#include "osp-test-common.h"

/* Two distinguishable plans of some size, so that a save takes a few milliseconds. */
static OspPlan *
make_plan (guint variant,
           guint detail)
{
  OspPlan *plan = osp_plan_new ();

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("Model %u-%u", variant, i);
      g_autoptr(OspMesh) mesh = osp_test_make_sphere (10 + i + variant, detail * 2, detail);
      g_autoptr(OspModel) model = osp_model_new (name, mesh, i);
      g_autoptr(OspCommand) command = osp_command_new_add_model (model, -1, NULL);

      g_assert_true (osp_plan_execute (plan, command, NULL));
    }
  return plan;
}

static guint
count_temp_files (const char *dir,
                  gboolean    remove)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (name[0] == '.')
      {
        n++;
        if (remove)
          {
            g_autofree char *path = g_build_filename (dir, name, NULL);

            g_unlink (path);
          }
      }
  return n;
}

/* Makes the temporary files two hours old. */
static void
age_temp_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (name[0] == '.')
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        struct utimbuf times = { time (NULL) - 7200, time (NULL) - 7200 };

        g_assert_cmpint (g_utime (path, &times), ==, 0);
      }
}

static void
test_kill_during_save (void)
{
  g_autoptr(OspPlan) a = make_plan (0, 96);
  g_autoptr(OspPlan) b = make_plan (1, 96);
  g_autofree char *dump_a = osp_plan_dump (a);
  g_autofree char *dump_b = osp_plan_dump (b);
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "kill", NULL);
  g_autofree char *path = g_build_filename (dir, "case.osteoplan", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint n_kills = 40;
  guint seen_a = 0, seen_b = 0;
  gint64 t0;
  double save_us;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  t0 = g_get_monotonic_time ();
  g_assert_true (osp_plan_save (a, path, NULL, NULL, &error));
  g_assert_no_error (error);
  save_us = (double) (g_get_monotonic_time () - t0);

  for (guint i = 0; i < n_kills; i++)
    {
      g_autoptr(OspPlan) back = NULL;
      g_autofree char *dump = NULL;
      int status;
      pid_t pid;

      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          /* Alternate so every kill lands on a save that replaces the other plan. */
          for (guint k = 0; ; k++)
            if (!osp_plan_save (k % 2 ? a : b, path, NULL, NULL, NULL))
              _exit (3);
        }
      /* Anywhere within the first few saves: during serialisation, writing, fsync, rename. */
      g_usleep ((gulong) g_rand_double_range (rand, 0, 3 * save_us));
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);

      back = osp_plan_open (path, NULL, NULL, &error);
      g_assert_no_error (error);
      dump = osp_plan_dump (back);
      if (g_strcmp0 (dump, dump_a) == 0)
        seen_a++;
      else
        {
          g_assert_cmpstr (dump, ==, dump_b);
          seen_b++;
        }
    }
  g_test_message ("one save takes %.1f ms; after %u kills the file held plan A %u times and "
                  "plan B %u times, always whole; %u temporary files left by the kills",
                  save_us / 1000, n_kills, seen_a, seen_b, count_temp_files (dir, FALSE));
  g_assert_cmpuint (seen_a + seen_b, ==, n_kills);

  /* Temporary files the kills left are removed by a later save once they are old. */
  age_temp_files (dir);
  g_assert_true (osp_plan_save (a, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_temp_files (dir, FALSE), ==, 0);
}

static void
test_autosave_after_kill (void)
{
  g_autoptr(OspPlan) plan = make_plan (2, 48);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = osp_plan_dump (plan);
  g_autofree char *back_dump = NULL;
  char path[4096] = { 0 };
  gboolean found = FALSE;
  int fds[2];
  int status;
  pid_t pid;
  gsize got = 0;

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      OspAutosave *autosave;
      const char *p;

      close (fds[0]);
      autosave = osp_autosave_new (NULL);
      if (autosave == NULL || !osp_autosave_save (autosave, plan, NULL))
        _exit (3);
      p = osp_autosave_get_path (autosave);
      if (p == NULL || write (fds[1], p, strlen (p) + 1) != (ssize_t) (strlen (p) + 1))
        _exit (4);
      /* The session goes on autosaving until it crashes. */
      for (;;)
        if (!osp_autosave_save (autosave, plan, NULL))
          _exit (5);
    }
  close (fds[1]);
  while (got < sizeof path - 1)
    {
      ssize_t n = read (fds[0], path + got, sizeof path - 1 - got);

      if (n <= 0)
        break;
      got += (gsize) n;
      if (memchr (path, '\0', got) != NULL)
        break;
    }
  close (fds[0]);
  g_assert_cmpuint (got, >, 0);
  g_usleep (20000);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));

  /* The next start finds it, opens it, and removes it once recovered. */
  list = osp_autosave_list_recoverable ();
  for (guint i = 0; i < list->len; i++)
    found |= g_strcmp0 (list->pdata[i], path) == 0;
  g_assert_true (found);
  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  back_dump = osp_plan_dump (back);
  g_assert_cmpstr (back_dump, ==, dump);
  osp_autosave_remove (path);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Saves a big plan where only 64 KiB fit; the small plan saved before must survive. */
static void
test_full_disk (void)
{
  g_autoptr(OspPlan) small = make_plan (3, 4);
  g_autoptr(OspPlan) big = make_plan (4, 128);
  g_autoptr(OspPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (osp_test_tmpdir (), "full", NULL);
  g_autofree char *path = g_build_filename (dir, "case.osteoplan", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *dump = osp_plan_dump (small);
  g_autofree char *back_dump = NULL;
  gsize before_len, after_len;
  gboolean mounted;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  /* A tmpfs needs root (CAP_SYS_ADMIN); OSP_TEST_NO_TMPFS tries the other way. */
  errno = EPERM;
  mounted = g_getenv ("OSP_TEST_NO_TMPFS") == NULL &&
            mount ("tmpfs", dir, "tmpfs", 0, "size=64k") == 0;
  g_test_message (mounted ? "a 64 KiB tmpfs" : "no tmpfs (%s): RLIMIT_FSIZE of 64 KiB instead",
                  g_strerror (errno));

  g_assert_true (osp_plan_save (small, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  g_assert_cmpuint (before_len, <, 32 * 1024);

  if (mounted)
    {
      g_assert_false (osp_plan_save (big, path, NULL, NULL, &error));
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
      g_assert_nonnull (strstr (error->message, "case.osteoplan"));
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
  else
    {
      int status;
      pid_t pid = fork ();

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          struct rlimit limit = { 64 * 1024, 64 * 1024 };
          GError *child_error = NULL;

          signal (SIGXFSZ, SIG_IGN);
          if (setrlimit (RLIMIT_FSIZE, &limit) != 0)
            _exit (2);
          if (osp_plan_save (big, path, NULL, NULL, &child_error))
            _exit (1);
          g_printerr ("# %s\n", child_error->message);
          /* EFBIG has no GFileError code of its own. */
          _exit (child_error->domain == G_FILE_ERROR &&
                 strstr (child_error->message, "case.osteoplan") != NULL ? 0 : 3);
        }
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }

  /* The old file is untouched, byte for byte, and no temporary file is left. */
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  back = osp_plan_open (path, NULL, NULL, &error);
  g_assert_no_error (error);
  back_dump = osp_plan_dump (back);
  g_assert_cmpstr (back_dump, ==, dump);
  g_assert_cmpuint (count_temp_files (dir, FALSE), ==, 0);

  if (mounted)
    {
      /* Once there is room again, saving works. */
      g_assert_true (osp_plan_save (small, path, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (umount2 (dir, MNT_DETACH), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  osp_test_isolate_state ();

  g_test_add_func ("/crash-safe/kill-during-save", test_kill_during_save);
  g_test_add_func ("/crash-safe/autosave-after-kill", test_autosave_after_kill);
  g_test_add_func ("/crash-safe/full-disk", test_full_disk);
  return g_test_run ();
}
