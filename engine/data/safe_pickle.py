"""A pickle reader that can only rebuild what a CIFAR-10 python batch holds — never run code from a file,
never build an array from raw memory, never grow far beyond the file's own size.

The batches (written by Python 2's cPickle) are dicts of bytes keys → a uint8 NumPy array, a list of ints,
bytes and lists of bytes. An array is pickled as ``_reconstruct(ndarray, (0,), b"b")`` followed by a BUILD
of its state (shape, ``dtype(...)``, Fortran order, raw bytes); at protocol 5 (Python 3.14's default) as
``_frombuffer(bytes, dtype(...), shape, order)``; a pickle written by Python 3 at protocol 2 also encodes
bytes through ``_codecs.encode(text, "latin1")``, and empty bytes (an empty batch's pixels) as ``bytes()``. Those are the only globals a file may name, and none of
them is NumPy's own: each is a stand-in that checks what it is given and builds nothing but a plain
numeric array (booleans, integers or floats) from exactly the bytes its shape needs. Object dtypes,
``ndarray(shape, dtype, buffer)`` called directly, structured dtypes and every other global —
``os.system``, ``builtins.eval``… — are refused before anything is built, so a malicious file raises a
DatasetError and runs nothing.

What a pickle may build is bounded too: its nesting depth, and its elements and bytes counted as if every
shared reference were a copy (a few kilobytes of lists that refer to one another 10 times over each
would otherwise become billions of elements when a reader turns them into an array): a pickle without
shared references never holds more elements or bytes than the file has bytes, so that is the limit.
"""
from __future__ import annotations

import io
import math
import pickle
import re

import numpy as np

from .errors import DatasetError

MAX_DEPTH = 16            # a CIFAR-10 batch is 3 deep: dict → list → bytes
_SLACK = 4096             # elements and bytes allowed beyond the file's size (tiny files, small ints)
_DTYPE_NAME = re.compile(r"[<>|=]?([biuf])(\d{1,2})")
_BYTE_ORDERS = {"<", ">", "|", "="}


class _Refused(pickle.UnpicklingError):
    """What a pickle asks for that is never built; `what` names it for the message."""

    def __init__(self, what: str, code: bool = False):
        super().__init__(what)
        self.what = what
        self.code = code        # True: a global that could run code; False: an array we don't build


def _text(value, what: str) -> str:
    """A Python 2 str (bytes under encoding="bytes") or a str, as str."""
    if isinstance(value, bytes):
        return value.decode("latin1")
    if isinstance(value, str):
        return value
    raise _Refused(f"{what} that is not a string")


class _PendingDtype:
    """Stands for ``numpy.dtype(name, align, copy)`` until its BUILD state (byte order) arrives."""

    def __init__(self, name=None, align=False, copy=False, *rest):
        text = _text(name, "a dtype")
        match = _DTYPE_NAME.fullmatch(text)
        if match is None or rest:
            raise _Refused(f"an array of dtype {text[:20]!r}")
        kind, size = match.group(1), int(match.group(2))
        if (kind, size) not in {("b", 1), ("i", 1), ("i", 2), ("i", 4), ("i", 8), ("u", 1), ("u", 2), ("u", 4),
                                ("u", 8), ("f", 2), ("f", 4), ("f", 8)}:
            raise _Refused(f"an array of dtype {text!r}")
        self.base = f"{kind}{size}"
        self.order = text[0] if text[0] in _BYTE_ORDERS else "="
        self.built = False

    def __setstate__(self, state) -> None:
        # (version, byte order, subarray, names, fields, itemsize, alignment, flags): only the byte order of
        # a plain number may be set; names, fields and subarrays would make a structured (or object) dtype.
        if self.built or not isinstance(state, tuple) or len(state) < 5:
            raise _Refused("a dtype with a damaged state")
        order = _text(state[1], "a byte order")
        if order not in _BYTE_ORDERS or any(part is not None for part in state[2:5]):
            raise _Refused("a structured dtype (fields or subarrays)")
        self.order = order
        self.built = True

    def dtype(self) -> np.dtype:
        order = "|" if self.base[1] == "1" else self.order
        return np.dtype(self.base).newbyteorder("=" if order == "|" else order)


class _PendingArray:
    """Stands for an array until its state gives the shape, dtype and bytes; `array` is then a plain
    numeric array over exactly those bytes (read-only, no copy)."""

    def __init__(self):
        self.array: np.ndarray | None = None

    def fill(self, raw, dtype, shape, fortran: bool) -> "_PendingArray":
        if self.array is not None:
            raise _Refused("an array built twice")
        if not isinstance(dtype, _PendingDtype):
            raise _Refused("an array without a plain numeric dtype")
        if isinstance(raw, str):                     # Python 3 protocol 2 writes bytes as latin-1 text
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)):
            raise _Refused("an array of Python objects")
        if (not isinstance(shape, tuple) or len(shape) > 32
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
            raise _Refused("an array with a damaged shape")
        real = dtype.dtype()
        if math.prod(shape) * real.itemsize != len(raw):
            raise _Refused(f"an array whose shape {shape} and dtype {real} need {math.prod(shape) * real.itemsize:,} "
                           f"bytes but whose data holds {len(raw):,}")
        self.array = np.frombuffer(raw, dtype=real).reshape(shape, order="F" if fortran else "C")
        return self

    def __setstate__(self, state) -> None:
        # ndarray's state: (version, shape, dtype, is_fortran, raw bytes), or without the version.
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refused("an array with a damaged state")
        shape, dtype, fortran, raw = state[-4:]
        self.fill(raw, dtype, shape, bool(fortran))


class _NdarrayType:
    """Stands for ``numpy.ndarray``: only named as _reconstruct's first argument. Called directly, as in
    ``ndarray(shape, dtype('O'), buffer)``, it would build an array over raw bytes: refused."""

    def __call__(self, *args, **kwargs):
        raise _Refused("an array over raw memory (ndarray called directly)")


_NDARRAY = _NdarrayType()


def _reconstruct(subtype, shape, dtype_char) -> _PendingArray:
    if subtype is not _NDARRAY:
        raise _Refused("_reconstruct of something other than an ndarray")
    return _PendingArray()


def _frombuffer(buffer, dtype, shape, order="C", axis_order=None) -> _PendingArray:
    """Protocol 5's spelling of an array: the bytes, dtype and shape in one call (C or Fortran order)."""
    order = _text(order, "an array order")
    if order not in ("C", "F") or axis_order is not None:
        raise _Refused("an array in an order other than C or Fortran")
    return _PendingArray().fill(bytes(buffer) if isinstance(buffer, bytearray) else buffer, dtype, shape,
                                order == "F")


def _empty_bytes(*args) -> bytes:
    """Python 3's protocol-2 spelling of b"" (an empty batch's pixel data): ``bytes()``, with no argument
    only (``bytes(10**10)`` would allocate ten gigabytes)."""
    if args:
        raise _Refused("bytes() called with an argument")
    return b""


def _encode_latin1(text: str, encoding: str = "utf-8") -> bytes:
    """Python 3's protocol-2 spelling of a bytes object, allowed for latin-1 only (no other codec runs)."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise _Refused(f"_codecs.encode with {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _PendingDtype,
    ("_codecs", "encode"): _encode_latin1,
    ("__builtin__", "bytes"): _empty_bytes,
    ("builtins", "bytes"): _empty_bytes,
}


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}", code=True) from None

    def persistent_load(self, pid):
        raise _Refused("a persistent object")


class _TooBig(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _finish(obj, budget: int):
    """The unpickled object with every stand-in replaced by its array, checked for depth, cycles and size
    (elements and bytes counted as if shared references were copies, at most `budget` of each)."""
    sizes: dict[int, tuple[int, int]] = {}     # id → (elements, bytes) of an object already counted
    active: set[int] = set()
    done: dict[int, object] = {}

    def visit(value, depth: int):
        if depth > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep")
        key = id(value)
        if key in done:
            return done[key], sizes[key]
        if isinstance(value, _PendingArray):
            if value.array is None:
                raise _Refused("an array that was never filled")
            result, size = value.array, (1, value.array.nbytes)
        elif isinstance(value, _PendingDtype) or isinstance(value, _NdarrayType):
            raise _Refused("a dtype or array type on its own")
        elif isinstance(value, (bytes, bytearray, str)):
            result, size = value, (1, len(value))
        elif value is None or isinstance(value, (bool, int, float, complex)):
            result, size = value, (1, 1)      # at least one byte of the file each, as every element is
        elif isinstance(value, (list, tuple, set, frozenset, dict)):
            if key in active:
                raise _TooBig("it refers to itself")
            active.add(key)
            elements, nbytes = 1, 1
            items = list(value.items()) if isinstance(value, dict) else list(value)
            out = []
            for item in items:
                if isinstance(value, dict):
                    (k, (ek, bk)), (v, (ev, bv)) = visit(item[0], depth + 1), visit(item[1], depth + 1)
                    out.append((k, v))
                    elements, nbytes = elements + ek + ev, nbytes + bk + bv
                else:
                    v, (ev, bv) = visit(item, depth + 1)
                    out.append(v)
                    elements, nbytes = elements + ev, nbytes + bv
                if elements > budget or nbytes > budget:
                    raise _TooBig("its shared references would expand it far beyond the file's size")
            active.discard(key)
            if isinstance(value, dict):
                try:
                    result = dict(out)
                except TypeError:
                    raise _Refused("a dict with unusable keys") from None
            else:
                result = out if isinstance(value, list) else type(value)(out)
            size = (elements, nbytes)
        else:
            raise _Refused(f"an object of type {type(value).__name__}")
        if size[0] > budget or size[1] > budget:
            raise _TooBig("its shared references would expand it far beyond the file's size")
        done[key], sizes[key] = result, size
        return result, size

    return visit(obj, 0)[0]


def load_data_pickle(data: bytes, where: str):
    """Unpickle ``data`` (read from ``where``) allowing only plain data and plain numeric NumPy arrays.

    Python 2 strings come back as bytes (encoding="bytes"), as the CIFAR-10 instructions load them.
    Arrays come back read-only, as views of ``data``.

    Raises:
        DatasetError: the pickle asks for anything else (naming it), is nested or shared beyond the limits,
            is empty, or is damaged.
    """
    if not len(data):
        raise DatasetError(f"{where}: the file is empty (a CIFAR-10 python batch is a pickled dict)")
    try:
        obj = _DataOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
        return _finish(obj, len(data) + _SLACK)
    except _Refused as exc:
        if exc.code:
            raise DatasetError(f"{where}: refused to load: the pickle asks for {exc.what}, which a dataset file "
                               f"never needs (loading it could run code)") from None
        raise DatasetError(f"{where}: refused to load: the pickle holds {exc.what}; a dataset batch holds plain "
                           f"numeric arrays, numbers and strings") from None
    except _TooBig as exc:
        raise DatasetError(f"{where}: refused to load: the pickle is {exc.reason}") from None
    except RecursionError:
        raise DatasetError(f"{where}: refused to load: the pickle is nested too deeply") from None
    except MemoryError:
        raise DatasetError(f"{where}: refused to load: the pickle needs more memory than is available") from None
    except Exception:  # noqa: BLE001 - a damaged pickle raises almost anything; all of it means "damaged"
        # The unpickler's own wording ("pickle data was truncated", "invalid load key") means nothing to a
        # user; what they can act on is that the file is damaged or cut short.
        raise DatasetError(f"{where}: not a readable pickle: the file is damaged or cut short") from None
