"""Small files that declare or expand to a lot: the size bombs of the hostile-input tests, made without ever
holding the expanded data (compressed streams are built from one repeated block of zeros).

    deflate_zeros(prefix, n_zeros, suffix)    a raw deflate stream of prefix + n zero bytes + suffix
    gzip_file(path, prefix, n_zeros, suffix)  the same as a .gz file
    zip_file(path, {name: (prefix, n_zeros)})  a zip archive (an .npz) of deflated members
    npy_header(shape, dtype)                    the bytes of an .npy header declaring that array
"""
from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

_BLOCK = 1 << 20


def _zero_crc(n: int, crc: int = 0) -> int:
    zeros = bytes(_BLOCK)
    while n >= _BLOCK:
        crc = zlib.crc32(zeros, crc)
        n -= _BLOCK
    return zlib.crc32(bytes(n), crc)


def deflate_zeros(prefix: bytes, n_zeros: int, suffix: bytes = b"") -> tuple[bytes, int]:
    """(raw deflate data, CRC-32) of prefix + n_zeros zero bytes + suffix: after a full flush the compressor
    starts afresh, so one compressed block of a megabyte of zeros is repeated instead of compressed again."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)]
    zeros = bytes(_BLOCK)
    blocks, rest = divmod(n_zeros, _BLOCK)
    if blocks:
        block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        if blocks > 1:
            again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
            assert block == again, "the compressor did not start afresh after a full flush"
        out.append(block * blocks)
    out.append(compressor.compress(bytes(rest) + suffix) + compressor.flush(zlib.Z_FINISH))
    crc = zlib.crc32(suffix, _zero_crc(n_zeros, zlib.crc32(prefix)))
    return b"".join(out), crc


def gzip_file(path: Path, prefix: bytes, n_zeros: int, suffix: bytes = b"") -> Path:
    """A .gz of prefix + n_zeros zeros + suffix (a valid gzip member: header, deflate data, CRC, size)."""
    data, crc = deflate_zeros(prefix, n_zeros, suffix)
    size = (len(prefix) + n_zeros + len(suffix)) % 2**32
    header = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\xff"
    path.write_bytes(header + data + struct.pack("<II", crc, size))
    return path


def zip_file(path: Path, members: dict[str, tuple[bytes, int]]) -> Path:
    """A zip archive of deflated members {name: (prefix, n_zeros)} (no zip64: each under 4 GB)."""
    local, central, offset = [], [], 0
    for name, (prefix, n_zeros) in members.items():
        data, crc = deflate_zeros(prefix, n_zeros)
        size = len(prefix) + n_zeros
        encoded = name.encode()
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        local.append(head + encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        offset += len(head) + len(encoded) + len(data)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)
    path.write_bytes(b"".join(local) + directory + end)
    return path


def npy_header(shape: tuple, dtype="|u1") -> bytes:
    """The .npy (version 1.0) header of an array of `shape` and `dtype`, padded as NumPy pads it."""
    text = f"{{'descr': {np.dtype(dtype).str!r}, 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    body = text.encode("latin1")
    pad = 64 - (10 + len(body) + 1) % 64
    body += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def npy_bytes(array: np.ndarray) -> bytes:
    """A whole small .npy file (header and data) of `array`."""
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data)
