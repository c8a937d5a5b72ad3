"""The arrays of an .npz archive read one at a time, what each declares checked before anything is allocated.

``np.load(path)[key]`` trusts a member's .npy header: a few bytes can declare an array of terabytes, and a
zip-compressed member of a few megabytes can expand to gigabytes. `NpzArchive` reads the header first
(at most MAX_HEADER bytes, the limit NumPy itself uses), refuses object dtypes (they would be unpickled),
compares the declared size with the size the zip entry records, lets the caller check that size against
the memory available, and only then allocates the array and fills it a chunk at a time, decompressing up
to the declared size and no further. Used for datasets (engine.data.npz) and weights (engine.network).
"""
from __future__ import annotations

import io
import math
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Callable, Optional

import numpy as np

MAX_HEADER = 10_000          # bytes of an .npy header (NumPy's own default max_header_size)
CHUNK = 8 << 20              # bytes read between two progress calls
_MAGIC = b"\x93NUMPY"
# What a damaged archive raises inside zipfile and zlib (an encrypted or unknown-method entry included).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, NotImplementedError,
              RuntimeError, struct.error)


class NpzError(ValueError):
    """A member (or the archive) that can't be read; the message is the reason only, without the file name
    (callers put their own file and member names in front). `objects` is True for an object array."""

    def __init__(self, reason: str, objects: bool = False):
        super().__init__(reason)
        self.objects = objects


@dataclass(frozen=True)
class MemberHeader:
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def describe(self) -> str:
        """"60,000×28×28 uint8 (47 MB)"-style text for messages."""
        from .sysmem import format_bytes

        dims = "×".join(f"{n:,}" for n in self.shape) or "a single"
        return f"{dims} {self.dtype} ({format_bytes(self.nbytes)})"


class NpzArchive:
    """An .npz opened for reading member by member (a context manager). ``file`` is a path or a binary
    file object (e.g. a watched file that reports progress)."""

    def __init__(self, file):
        try:
            self._zip = zipfile.ZipFile(file)
        except ZIP_ERRORS:
            raise NpzError("the .npz archive is damaged or cut short (an incomplete download or copy?)") from None
        self._infos = {}
        for info in self._zip.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            self._infos[key] = info

    def __enter__(self) -> "NpzArchive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def files(self) -> list[str]:
        """The array names, as np.load gives them (a member "x_train.npy" is "x_train")."""
        return list(self._infos)

    def header(self, key: str) -> MemberHeader:
        """The shape and dtype member `key` declares; nothing else is read."""
        with self._open(key) as handle:
            return self._read_header(handle, self._infos[key].file_size)

    def read(self, key: str, check: Optional[Callable[[MemberHeader], None]] = None,
             report: Optional[Callable[[float], None]] = None) -> np.ndarray:
        """Member `key` as an array. ``check(header)`` is called before anything is allocated (to refuse a
        shape, a dtype or a size; it raises); ``report(fraction)`` after each chunk (it may cancel)."""
        info = self._infos[key]
        try:
            with self._open(key) as handle:
                header = self._read_header(handle, info.file_size)
                if check is not None:
                    check(header)
                out = np.empty(header.shape, dtype=header.dtype, order="F" if header.fortran_order else "C")
                flat = (out.T if header.fortran_order else out).reshape(-1).view(np.uint8)
                filled = 0
                while filled < len(flat):
                    piece = handle.read(min(CHUNK, len(flat) - filled))
                    if not piece:
                        raise NpzError(f"cut short: the member ends after {filled:,} of its {len(flat):,} bytes")
                    flat[filled:filled + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
                    filled += len(piece)
                    if report is not None:
                        report(filled / len(flat))
                return out
        except NpzError:
            raise
        except ZIP_ERRORS:
            raise NpzError("unreadable, the file is damaged") from None

    def _open(self, key: str) -> BinaryIO:
        try:
            return self._zip.open(self._infos[key])
        except ZIP_ERRORS:
            raise NpzError("unreadable, the file is damaged") from None

    @staticmethod
    def _read_header(handle: BinaryIO, member_size: int) -> MemberHeader:
        """The header at the start of a member of `member_size` bytes (as the zip entry records it); a
        header declaring more data than the member holds is refused here, before anything is allocated."""
        try:
            magic = handle.read(8)
            if len(magic) < 8 or not magic.startswith(_MAGIC):
                raise NpzError("not a NumPy array (the archive member has no .npy header)")
            major, minor = magic[6], magic[7]
            if major not in (1, 2, 3):
                raise NpzError(f"an .npy format version {major}.{minor}, which this app does not read")
            size_field = handle.read(2 if major == 1 else 4)
            if len(size_field) != (2 if major == 1 else 4):
                raise NpzError("cut short inside its .npy header")
            length = struct.unpack("<H" if major == 1 else "<I", size_field)[0]
            if length > MAX_HEADER:
                raise NpzError(f"its .npy header is {length:,} bytes long, more than the {MAX_HEADER:,} an array's "
                               "header ever needs: the member is damaged or was made to be")
            text = handle.read(length)
            if len(text) != length:
                raise NpzError("cut short inside its .npy header")
        except NpzError:
            raise
        except ZIP_ERRORS:
            raise NpzError("unreadable, the file is damaged") from None
        fake = io.BytesIO(size_field + text)
        try:
            if major == 1:
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fake, max_header_size=MAX_HEADER)
            elif major == 2:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fake, max_header_size=MAX_HEADER)
            else:
                raise NpzError("an .npy format version 3.0 (structured field names), which this app does not read")
        except NpzError:
            raise
        except Exception:  # noqa: BLE001 - numpy's header parser raises ValueError, SyntaxError, TypeError...
            raise NpzError("its .npy header is damaged (not a shape and a dtype)") from None
        if dtype.hasobject:
            raise NpzError("stored as Python objects (pickled), which are never loaded", objects=True)
        header = MemberHeader(tuple(int(n) for n in shape), dtype, bool(fortran))
        data_bytes = member_size - (len(magic) + len(size_field) + length)
        if data_bytes < header.nbytes:
            raise NpzError(f"cut short: its header declares {header.describe()} but the member holds "
                           f"{max(data_bytes, 0):,} bytes of data")
        return header
