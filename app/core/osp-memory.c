/* osp-memory.c
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "osp-error.h"
#include "osp-memory.h"

/* Kept free of any estimate under an address-space limit: worker threads' stacks and what the
 * libraries map on their own. */
#define ADDRESS_SPACE_RESERVE ((guint64) 64 << 20)

static guint64
read_meminfo_available (void)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL))
    return G_MAXUINT64;
  line = strstr (contents, "MemAvailable:");
  if (line == NULL)
    return G_MAXUINT64;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) * 1024;
}

static guint64
read_cgroup_limit (void)
{
  g_autofree char *max = NULL;
  g_autofree char *cur = NULL;
  guint64 limit, used = 0;

  if (!g_file_get_contents ("/sys/fs/cgroup/memory.max", &max, NULL, NULL))
    return G_MAXUINT64;
  if (g_str_has_prefix (max, "max"))
    return G_MAXUINT64;
  limit = g_ascii_strtoull (max, NULL, 10);
  if (g_file_get_contents ("/sys/fs/cgroup/memory.current", &cur, NULL, NULL))
    used = g_ascii_strtoull (cur, NULL, 10);
  return used < limit ? limit - used : 0;
}

/* The address space this process already uses (VmSize), or 0 where it cannot be read. */
static guint64
address_space_used (void)
{
  g_autofree char *statm = NULL;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return 0;
  return g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
}

guint64
osp_memory_available (void)
{
  guint64 avail = read_meminfo_available ();
  struct rlimit rl;
  const char *env;

  avail = MIN (avail, read_cgroup_limit ());
  /* Under an address-space limit (ulimit -v) what is mapped already — libraries, thread
   * stacks, the file being read — counts against it, and a thread's stack (8 MiB) with it. */
  if (getrlimit (RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    {
      guint64 used = address_space_used () + ADDRESS_SPACE_RESERVE;

      avail = MIN (avail, (guint64) rl.rlim_cur > used ? (guint64) rl.rlim_cur - used : 0);
    }

  env = g_getenv ("OSP_MEMORY_LIMIT_MB");
  if (env != NULL && *env != '\0')
    avail = MIN (avail, g_ascii_strtoull (env, NULL, 10) * 1024 * 1024);

  /* Where nothing can be read, assume a generous 64 GiB rather than infinity. */
  if (avail == G_MAXUINT64)
    avail = G_GUINT64_CONSTANT (64) << 30;
  return avail;
}

gboolean
osp_memory_check (guint64      bytes,
                  const char  *display_name,
                  const char  *what,
                  GError     **error)
{
  guint64 avail = osp_memory_available ();

  g_return_val_if_fail (what != NULL, FALSE);

  if (bytes <= avail / 10 * 9)
    return TRUE;

  if (display_name != NULL)
    g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                 _("%s: %s needs %" PRIu64 " MiB but only %" PRIu64
                   " MiB of memory is available"),
                 display_name, what, bytes >> 20, avail >> 20);
  else
    g_set_error (error, OSP_ERROR, OSP_ERROR_TOO_LARGE,
                 _("%s needs %" PRIu64 " MiB but only %" PRIu64
                   " MiB of memory is available"),
                 what, bytes >> 20, avail >> 20);
  return FALSE;
}

gboolean
osp_size_mul (guint64  a,
              guint64  b,
              guint64 *out)
{
  return !g_uint64_checked_mul (out, a, b) ? FALSE : TRUE;
}

gboolean
osp_size_add (guint64  a,
              guint64  b,
              guint64 *out)
{
  return !g_uint64_checked_add (out, a, b) ? FALSE : TRUE;
}
