"""A pickle reader that can only rebuild what a CIFAR-10 python batch holds — never run code from a file.

The batches (written by Python 2's cPickle) are dicts of bytes keys → a uint8 NumPy array, a list of ints,
bytes and lists of bytes. Rebuilding the array needs exactly three globals: NumPy's ``_reconstruct``,
``ndarray`` and ``dtype``; a pickle written by Python 3 at protocol 2 also encodes bytes through
``_codecs.encode(text, "latin1")``. Every other global — ``os.system``, ``builtins.eval``, ``subprocess``… —
is refused before it is looked up, so a malicious file raises a DatasetError and runs nothing.
"""
from __future__ import annotations

import io
import pickle

import numpy as np

from .errors import DatasetError

_RECONSTRUCT = np.ndarray(0).__reduce__()[0]   # numpy's array rebuilder, whatever module it lives in now


def _encode_latin1(text: str, encoding: str = "utf-8") -> bytes:
    """Python 3's protocol-2 spelling of a bytes object, allowed for latin-1 only (no other codec runs)."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _encode_latin1,
}


class _Refused(pickle.UnpicklingError):
    def __init__(self, module: str, name: str):
        super().__init__(f"{module}.{name}")
        self.what = f"{module}.{name}"


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(module, name) from None


def load_data_pickle(data: bytes, where: str):
    """Unpickle ``data`` (read from ``where``) allowing only plain data and NumPy arrays.

    Python 2 strings come back as bytes (encoding="bytes"), as the CIFAR-10 instructions load them.

    Raises:
        DatasetError: the pickle asks for anything else (naming it), or is damaged.
    """
    try:
        return _DataOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
    except _Refused as exc:
        raise DatasetError(f"{where}: refused to load: the pickle asks for {exc.what}, which a dataset file never "
                           f"needs (loading it could run code)") from None
    except Exception:  # noqa: BLE001 - a damaged pickle raises almost anything; all of it means "damaged"
        # The unpickler's own wording ("pickle data was truncated", "invalid load key") means nothing to a
        # user; what they can act on is that the file is damaged or cut short.
        raise DatasetError(f"{where}: not a readable pickle: the file is damaged or cut short") from None
