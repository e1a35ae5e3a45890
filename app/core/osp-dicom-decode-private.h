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

/* Starts a helper whose address space is limited to `memory_limit` bytes (0: no limit).
 * NULL with an error when the helper cannot be found or started. */
OspDicomDecoder *osp_dicom_decoder_new       (guint64                memory_limit,
                                              GError               **error);

/* Decodes the file at `path`, whose header is `header`, into `out_values` (rows × columns ×
 * n_frames values).  FALSE with a reason (translated, without the file name) when the file
 * cannot be decoded, the helper crashed or took too long, or on cancellation; after a crash,
 * a time-out or a cancellation the helper is gone and osp_dicom_decoder_alive () says so. */
gboolean         osp_dicom_decoder_decode    (OspDicomDecoder       *decoder,
                                              const char            *path,
                                              const OspDicomHeader  *header,
                                              gint16                *out_values,
                                              GCancellable          *cancellable,
                                              char                 **out_reason);

gboolean         osp_dicom_decoder_alive     (OspDicomDecoder       *decoder);

/* Ends the helper (it exits when its input closes; a helper that does not is killed). */
void             osp_dicom_decoder_free      (OspDicomDecoder       *decoder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OspDicomDecoder, osp_dicom_decoder_free)

/* The helper's side: reads requests from `in_fd` and answers on `out_fd` until its input
 * ends.  Returns the exit status. */
int              osp_dicom_decoder_serve     (int                    in_fd,
                                              int                    out_fd);

G_END_DECLS
