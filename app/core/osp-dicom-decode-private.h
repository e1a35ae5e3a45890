/* osp-dicom-decode-private.h — DICOM pixel data decoded in a helper process
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GDCM and the codecs behind it (OpenJPEG, CharLS, IJG) are large C++ and C libraries fed
 * files from other hospitals; Debian builds GDCM with its assertions on.  So the pixels are
 * decoded in `osteoplan-dicom-decode`, a helper process with a memory limit: an abort, a hang
 * or a runaway allocation there costs one file, never the application and the open plan.
 *
 * An OspDicomDecoder is one helper process, used by one thread, decoding many files one after
 * the other (a process per file would cost more than the decoding).  The parent sends each
 * file's path and the header fields the conversion needs; the helper answers with the
 * file's values in Hounsfield units (osp_dicom_gdcm_read_pixels ()) or a reason.
 */
#pragma once

#include <gio/gio.h>

#include "osp-dicom-gdcm-private.h"

G_BEGIN_DECLS

typedef struct _OspDicomDecoder OspDicomDecoder;

/* A helper: an idle one from the pool, or a new one.  NULL with an error when the helper
 * cannot be found or started. */
OspDicomDecoder *osp_dicom_decoder_new       (GError               **error);

/* Decodes the file at `path`, whose header is `header`, into `out_values` (rows × columns ×
 * n_frames values), the helper's address space limited to `memory_limit` bytes meanwhile (0:
 * no limit).  FALSE with a reason (translated, without the file name) when the file
 * cannot be decoded, the helper crashed or took too long, or on cancellation; after a crash,
 * a time-out or a cancellation the helper is gone and osp_dicom_decoder_alive () says so. */
gboolean         osp_dicom_decoder_decode    (OspDicomDecoder       *decoder,
                                              const char            *path,
                                              const OspDicomHeader  *header,
                                              guint64                memory_limit,
                                              gint16                *out_values,
                                              GCancellable          *cancellable,
                                              char                 **out_reason);

gboolean         osp_dicom_decoder_alive     (OspDicomDecoder       *decoder);

/* Ends the helper (it exits when its input closes; a helper that does not is killed). */
void             osp_dicom_decoder_free      (OspDicomDecoder       *decoder);

/* Done with the helper: it waits in the pool for the next load (a few are kept; they exit
 * with this process, when their input closes), or ends when it is gone or the pool full. */
void             osp_dicom_decoder_release   (OspDicomDecoder       *decoder);

/* Ends the idle helpers (each exits and is waited for). */
void             osp_dicom_decoder_flush_pool (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspDicomDecoder, osp_dicom_decoder_free)

/* The helper's side: reads requests from `in_fd` and answers on `out_fd` until its input
 * ends, the values through the shared memory `shm_fd` (a memfd the parent sizes; -1: none)
 * when it is large enough.  Returns the exit status. */
int              osp_dicom_decoder_serve     (int                    in_fd,
                                              int                    out_fd,
                                              int                    shm_fd);

G_END_DECLS
