#!/usr/bin/env python3
# make-dicom-regressions.py — writes the small DICOM files in regressions/dicom/ whose pixel
# module or codestream header contradicts itself (GDCM asserts — aborts, as Debian builds it —
# on several of them).  Run from tests/fuzz/: python3 make-dicom-regressions.py
#
# Copyright 2026 The Osteoplan developers
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import zlib
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'regressions', 'dicom')
LONG_VRS = {b'OB', b'OW', b'OF', b'SQ', b'UT', b'UN'}


def element(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode('ascii')
        if len(value) % 2:
            value += b'\0' if vr == b'UI' else b' '
    if vr in LONG_VRS:
        return struct.pack('<HH2sHI', group, elem, vr, 0, len(value)) + value
    return struct.pack('<HH2sH', group, elem, vr, len(value)) + value


def us(group, elem, v):
    return element(group, elem, b'US', struct.pack('<H', v))


def encapsulated(fragment):
    if len(fragment) % 2:
        fragment += b'\0'
    return (struct.pack('<HH2sHI', 0x7fe0, 0x0010, b'OB', 0, 0xffffffff) +
            struct.pack('<HHI', 0xfffe, 0xe000, 0) +
            struct.pack('<HHI', 0xfffe, 0xe000, len(fragment)) + fragment +
            struct.pack('<HHI', 0xfffe, 0xe0dd, 0))


def j2k(width, height, components, precision, subsampling=1):
    siz = struct.pack('>HHIIIIIIIIH', 38 + 3 * components, 0, width, height, 0, 0,
                      width, height, 0, 0, components)
    siz += bytes([precision - 1, subsampling, subsampling]) * components
    cod = struct.pack('>HBBHBBBBBBB', 12, 0, 0, 1, 0, 5, 4, 4, 0, 1, 0)
    qcd = struct.pack('>HB', 4, 0x40) + bytes([0x40])
    return b'\xff\x4f\xff\x51' + siz + b'\xff\x52' + cod + b'\xff\x5c' + qcd + b'\xff\xd9'


def jpeg_ls(width, height, components, precision):
    sof = struct.pack('>HBHHB', 8 + 3 * components, precision, height, width, components)
    sof += b''.join(bytes([c + 1, 0x11, 0]) for c in range(components))
    return b'\xff\xd8\xff\xf7' + sof + b'\xff\xd9'


def rle(segments):
    header = struct.pack('<I', segments) + b''.join(
        struct.pack('<I', 64 + 8 * s) for s in range(segments)) + bytes(4 * (15 - segments))
    return header + bytes(8 * segments)


def write(name, syntax, pixels, spp=1, photometric='MONOCHROME2', rows=16, columns=16,
          bits_allocated=16, bits_stored=12, pixel_representation=0):
    uid = '1.2.826.0.1.3680043.2.1143.' + str(zlib.crc32(name.encode()))
    meta = (element(0x0002, 0x0001, b'OB', b'\0\1') +
            element(0x0002, 0x0002, b'UI', '1.2.840.10008.5.1.4.1.1.2') +
            element(0x0002, 0x0003, b'UI', uid + '.1') +
            element(0x0002, 0x0010, b'UI', syntax) +
            element(0x0002, 0x0012, b'UI', '1.2.826.0.1.3680043.2.1143'))
    meta = element(0x0002, 0x0000, b'UL', struct.pack('<I', len(meta))) + meta
    data = (element(0x0008, 0x0016, b'UI', '1.2.840.10008.5.1.4.1.1.2') +
            element(0x0008, 0x0018, b'UI', uid + '.1') +
            element(0x0008, 0x0060, b'CS', 'CT') +
            element(0x0020, 0x000d, b'UI', uid + '.2') +
            element(0x0020, 0x000e, b'UI', uid + '.3') +
            element(0x0020, 0x0013, b'IS', '1') +
            element(0x0020, 0x0032, b'DS', '0\\0\\0') +
            element(0x0020, 0x0037, b'DS', '1\\0\\0\\0\\1\\0') +
            us(0x0028, 0x0002, spp) +
            element(0x0028, 0x0004, b'CS', photometric) +
            us(0x0028, 0x0010, rows) + us(0x0028, 0x0011, columns) +
            element(0x0028, 0x0030, b'DS', '0.5\\0.5') +
            us(0x0028, 0x0100, bits_allocated) + us(0x0028, 0x0101, bits_stored) +
            us(0x0028, 0x0102, max(bits_stored - 1, 0)) +
            us(0x0028, 0x0103, pixel_representation) +
            element(0x0028, 0x1052, b'DS', '-1024') + element(0x0028, 0x1053, b'DS', '1') +
            pixels)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(bytes(128) + b'DICM' + meta + data)


J2K = '1.2.840.10008.1.2.4.90'
write('j2k-samples-per-pixel-0.dcm', J2K, encapsulated(j2k(16, 16, 1, 12)), spp=0)
write('j2k-three-components.dcm', J2K, encapsulated(j2k(16, 16, 3, 12)))
write('j2k-size-differs.dcm', J2K, encapsulated(j2k(64, 16, 1, 12)))
write('j2k-precision-24.dcm', J2K, encapsulated(j2k(16, 16, 1, 24)))
write('j2k-subsampled.dcm', J2K, encapsulated(j2k(16, 16, 1, 12, subsampling=2)))
write('j2k-palette-colour.dcm', J2K, encapsulated(j2k(16, 16, 1, 12)), photometric='PALETTE COLOR')
write('jpeg-ls-two-components.dcm', '1.2.840.10008.1.2.4.80', encapsulated(jpeg_ls(16, 16, 2, 12)))
write('rle-segments-differ.dcm', '1.2.840.10008.1.2.5', encapsulated(rle(3)))
write('native-samples-per-pixel-2.dcm', '1.2.840.10008.1.2.1',
      element(0x7fe0, 0x0010, b'OW', bytes(16 * 16 * 2 * 2)), spp=2)
write('native-bits-allocated-1.dcm', '1.2.840.10008.1.2.1',
      element(0x7fe0, 0x0010, b'OW', bytes(16 * 16 // 8)), bits_allocated=1, bits_stored=1)
write('native-pixel-representation-2.dcm', '1.2.840.10008.1.2.1',
      element(0x7fe0, 0x0010, b'OW', bytes(16 * 16 * 2)), pixel_representation=2)
