/* osp-volume-io-private.h — the volume readers behind osp_volume_load()
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inside the core only.  osp-volume-io.c detects the format and calls one of these.
 */
#pragma once

#include "osp-volume-io.h"

G_BEGIN_DECLS

/* TRUE when the first bytes (at least 4 of them; 132 to see a DICOM preamble) look like a
 * NIfTI-1/-2 or ANALYZE header, plain or gzip-compressed. */
gboolean   osp_nifti_sniff (const guint8           *head,
                            gsize                   len);
/* TRUE when the first bytes look like DICOM: "DICM" at 128, or a group 0002/0008 element at
 * the start (files without the preamble). */
gboolean   osp_dicom_sniff (const guint8           *head,
                            gsize                   len);

/* A .nii, .nii.gz or .hdr/.img (either name of the pair) file. */
OspVolume *osp_nifti_load  (const char             *path,
                            const OspProgressRange *progress,
                            GCancellable           *cancellable,
                            GError                **error);

/* A DICOM folder (recursively) or one DICOM file (its series in its folder). */
OspVolume *osp_dicom_load  (const char                 *path,
                            const OspVolumeLoadOptions *options,
                            const OspProgressRange     *progress,
                            GCancellable               *cancellable,
                            GError                    **error);

/* Tests and benchmarks only: decode DICOM pixel data in this process instead of in helper
 * processes (osp-dicom-decode-private.h): the fuzzers, and the decoding benchmark's
 * comparison.  Not thread-safe; set it before loading. */
void       osp_dicom_set_decode_in_process (gboolean in_process);
/* At most this many helper processes at once (0: one per core). */
void       osp_dicom_set_decode_helpers    (guint    n_helpers);
/* Ends the helpers kept for the next load (the benchmark: their CPU time is counted once they
 * have ended, and each load then pays for starting its helpers, as the first one does). */
void       osp_dicom_end_idle_decode_helpers (void);

/* For the tests: the NIfTI reader's chunk size in bytes of raw values (0: the default, about
 * 4 MiB), so that small volumes cross chunk boundaries. */
void       osp_nifti_set_chunk_bytes       (gsize    bytes);

G_END_DECLS
