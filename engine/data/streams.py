"""Reading whole files, plain or gzip-compressed, into preallocated arrays with one-line errors."""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Optional

import numpy as np

from .errors import DatasetError, short

Progress = Optional[Callable[[float, str], None]]

# What a damaged gzip stream raises: BadGzipFile (an OSError), EOFError when cut short, zlib.error.
GZIP_ERRORS = (OSError, EOFError, zlib.error)


def open_maybe_gzip(path: Path) -> BinaryIO:
    """The file itself, or its decompressed stream when the name ends in .gz."""
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def read_exact(handle: BinaryIO, n: int, where: str, what: str) -> bytes:
    """Exactly n bytes, or a DatasetError saying the file ends inside ``what``."""
    data = handle.read(n)
    if len(data) != n:
        raise DatasetError(f"{where}: truncated: the file ends inside its {what}")
    return data


def read_into(handle: BinaryIO, out: np.ndarray, where: str, what: str) -> None:
    """Fill the contiguous uint8 array ``out`` from ``handle``; a short file is a DatasetError."""
    view = memoryview(out).cast("B")
    filled = 0
    while filled < len(view):
        got = handle.readinto(view[filled:])
        if not got:
            raise DatasetError(f"{where}: truncated: the file holds {filled:,} of the {len(view):,} bytes of "
                               f"its {what}")
        filled += got


def damaged(where: str, exc: BaseException) -> DatasetError:
    """The one-line error for a file that can't be read or decompressed."""
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return DatasetError(f"{where}: corrupt or truncated gzip data ({short(exc)})")
    return DatasetError(f"{where}: unreadable ({short(exc)})")


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: nothing to report to."""
