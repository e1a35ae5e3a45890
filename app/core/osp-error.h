/* osp-error.h — the error domain of the Osteoplan core
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Messages name the file and the problem, and are translatable, for example
 * "pelvis.stl: binary STL says 4000000000 triangles but the file holds 12".
 * Cancellation uses G_IO_ERROR_CANCELLED; I/O failures use G_IO_ERROR / G_FILE_ERROR codes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OSP_ERROR (osp_error_quark ())

typedef enum
{
  OSP_ERROR_FAILED,         /* anything else */
  OSP_ERROR_UNKNOWN_FORMAT, /* the content is no format we read */
  OSP_ERROR_CORRUPT,        /* the content breaks its format's rules */
  OSP_ERROR_TRUNCATED,      /* the file ends before its content does */
  OSP_ERROR_TOO_LARGE,      /* more than this machine's memory or our index range */
  OSP_ERROR_NO_SURFACE,     /* a valid file without a single triangle */
  OSP_ERROR_UNSUPPORTED,    /* valid, but uses a feature we do not handle */
  OSP_ERROR_NEWER_VERSION,  /* written by a newer Osteoplan */
} OspError;

GQuark osp_error_quark (void);

/* What a libzip error code (ZIP_ER_*) means for a file, in the user's terms ("two entries have
 * the same name", not "File already exists"); NULL for codes without such words (the caller
 * falls back to libzip's). */
const char *osp_error_zip_reason (int zip_error_code);

/* The name to show for a path in messages: its base name, in UTF-8. Free with g_free. */
char  *osp_error_display_name (const char *path);

G_END_DECLS
