"""Reading whole files, plain or gzip-compressed, into preallocated arrays with one-line errors; files that
report progress (and so can be cancelled) as they are read."""
from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Optional

import numpy as np

from ..fileio import refuse_special_file
from .errors import DatasetError, short

Progress = Optional[Callable[[float, str], None]]

# What a damaged gzip stream raises: BadGzipFile (an OSError), EOFError when cut short, zlib.error.
GZIP_ERRORS = (OSError, EOFError, zlib.error)
CHUNK = 8 << 20            # bytes read between two progress calls (the chance to cancel a load)


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: nothing to report to."""


def check_dataset_file(path: Path) -> None:
    """DatasetError when `path` is a FIFO, socket or device (or a link to one): refused before it is opened."""
    refuse_special_file(path, "a dataset file", DatasetError)


class WatchedFile(io.RawIOBase):
    """A binary file that calls ``report(fraction, message)`` after every read (the fraction is the position
    in the file, scaled into ``span``), so that a library reading it in its own loop (tarfile, gzip,
    zipfile) can be followed and cancelled: the callback may raise LoadCancelled. Every read, not every
    megabyte: a compressed stream may expand each of its small reads into megabytes."""

    def __init__(self, handle: BinaryIO, report: Progress, message: str, span: tuple[float, float] = (0.0, 1.0)):
        super().__init__()
        self._handle = handle
        self._report = report or no_progress
        self._message = message
        self._span = span
        try:
            self._size = max(os.fstat(handle.fileno()).st_size, 1)
        except (OSError, AttributeError, io.UnsupportedOperation):
            self._size = 1

    def _tick(self) -> None:
        low, high = self._span
        self._report(low + (high - low) * min(self._handle.tell() / self._size, 1.0), self._message)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._handle.seekable()

    def readinto(self, buffer) -> int:
        got = self._handle.readinto(buffer)
        self._tick()
        return got

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._tick()
        return data

    def fileno(self) -> int:
        return self._handle.fileno()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        try:
            self._handle.close()
        finally:
            super().close()


def open_watched(path: Path, report: Progress = None, message: str = "", span=(0.0, 1.0)) -> WatchedFile:
    """`path` opened for reading (after the special-file check), reporting as it is read."""
    check_dataset_file(path)
    return WatchedFile(open(path, "rb"), report, message or f"reading {path.name}", span)


def open_maybe_gzip(path: Path, report: Progress = None, span=(0.0, 1.0)) -> BinaryIO:
    """The file itself, or its decompressed stream when the name ends in .gz (the compressed file is watched)."""
    raw = open_watched(path, report, f"reading {path.name}", span)
    if not path.name.endswith(".gz"):
        return io.BufferedReader(raw)
    stream = gzip.GzipFile(fileobj=raw, mode="rb")
    stream.myfileobj = raw          # closed with the stream, as gzip.open does with the file it opens
    return stream


def read_exact(handle: BinaryIO, n: int, where: str, what: str) -> bytes:
    """Exactly n bytes, or a DatasetError saying the file ends inside ``what``."""
    data = handle.read(n)
    if len(data) != n:
        raise DatasetError(f"{where}: truncated: the file ends inside its {what}")
    return data


def read_into(handle: BinaryIO, out: np.ndarray, where: str, what: str, report: Progress = None,
              span=(0.0, 1.0), message: str = "") -> None:
    """Fill the contiguous array ``out`` from ``handle`` a chunk at a time (``report`` is called after each
    chunk, and may cancel); a short file is a DatasetError. Never reads past ``out``'s size, so a
    decompressing stream stops at the size the file declared."""
    view = memoryview(out.reshape(-1).view(np.uint8))      # also for an empty array (0 images)
    report = report or no_progress
    filled = 0
    low, high = span
    while filled < len(view):
        got = handle.readinto(view[filled:filled + CHUNK])
        if not got:
            raise DatasetError(f"{where}: truncated: the file holds {filled:,} of the {len(view):,} bytes of "
                               f"its {what}")
        filled += got
        report(low + (high - low) * filled / len(view), message or f"reading {what}")


def damaged(where: str, exc: BaseException) -> DatasetError:
    """The one-line error for a file that can't be read or decompressed."""
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return DatasetError(f"{where}: corrupt or truncated gzip data ({short(exc)})")
    return DatasetError(f"{where}: unreadable ({short(exc)})")
