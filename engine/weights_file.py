"""Reading a weights file (`Network.save`'s .npz: every weight array, the design's JSON and a header) without
trusting what it declares.

The header ("__meta__") and the design ("__spec__") are read first, each at most MAX_DOCUMENT bytes. The
design then says which arrays there must be and their shapes; `Network.load` builds the network (its
memory checked against what is available, engine.memory) and asks for each array by name and shape: a
member's .npy header is compared with that shape and a numeric dtype before its data is read
(engine.npzfile), so a file of a few kilobytes can't make the app allocate or decompress gigabytes.
Members the design has no layer for are named from the archive's listing, never read.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .data.npz import describe_bytes
from .fileio import refuse_special_file
from .npzfile import MemberHeader, NpzArchive, NpzError
from .spec import NetworkSpec, SpecError

WEIGHTS_FORMAT = "cnn-designer-weights/1"
SPEC_KEY = "__spec__"
META_KEY = "__meta__"
WEIGHT_DTYPES = ("float32", "float64")
MAX_DOCUMENT = 16 << 20        # bytes of the stored header or design (a design's JSON is kilobytes)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")   # how every .npz (a zip archive) starts


def _kind_name(dtype: np.dtype) -> str:
    return {"U": "text", "S": "bytes", "O": "Python objects", "c": "complex numbers", "V": "raw records",
            "M": "dates", "m": "time spans"}.get(dtype.kind, f"{dtype} values")


class WeightsFile:
    """An open weights file: `spec` (the stored design), `dtype` ("float32" or "float64"), `read(key,
    shape)`, `check_no_extra(keys)`. Open it with `open_weights` (a context manager)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.label = self.path.name
        self._not_weights = f"{self.label}: not a CNN Designer weights file (.npz)"
        self._archive = self._open()
        try:
            self.spec, self.dtype = self._read_design()
        except BaseException:
            self._archive.close()
            raise

    def __enter__(self) -> "WeightsFile":
        return self

    def __exit__(self, *exc) -> None:
        self._archive.close()

    def _open(self) -> NpzArchive:
        path = self.path
        refuse_special_file(path, "a weights file (.npz)", SpecError)
        if path.is_dir():
            raise SpecError(f"{path}: is a folder, not a weights file (.npz)")
        if not path.is_file():
            raise SpecError(f"{path}: no such weights file")
        with open(path, "rb") as handle:
            head = handle.read(512)
        if head[:4] not in _ZIP_MAGIC:      # NumPy would call any such file a pickle; say what it is instead
            if head.startswith(b"\x93NUMPY"):
                raise SpecError(f"{self._not_weights}: it holds one bare array")
            if head.lstrip()[:1] == b"{" and path.suffix.lower() == ".json":
                raise SpecError(f"{self._not_weights}: it is an architecture JSON; train it first and save the "
                                "weights (Save weights in the window, or `main.py train ... --save RUN.npz`)")
            raise SpecError(f"{self._not_weights}: it is {describe_bytes(head)}")
        try:
            return NpzArchive(path)
        except NpzError:
            raise SpecError(f"{self._not_weights}: the file is unreadable or damaged") from None

    def _header(self, key: str) -> MemberHeader:
        try:
            return self._archive.header(key)
        except NpzError as exc:
            raise self._member_error(key, exc) from None

    def _member_error(self, key: str, exc: NpzError) -> SpecError:
        if exc.objects:
            return SpecError(f"{self._not_weights}: it holds Python objects, which are never loaded")
        return SpecError(f"{self.label}: {key}: {exc}")

    def _document(self, key: str, what: str):
        """The JSON document stored as a 0-d string array (at most MAX_DOCUMENT bytes); SpecError naming
        `what` if it isn't one."""
        header = self._header(key)
        if header.shape != () or header.dtype.kind not in "US":
            raise SpecError(f"{self.label}: {what} is damaged (not a JSON text)")
        if header.nbytes > MAX_DOCUMENT:
            raise SpecError(f"{self.label}: {what} is damaged: it declares {header.describe()} of text, far "
                            "more than a design ever needs")
        try:
            array = self._archive.read(key)
        except NpzError as exc:
            raise self._member_error(key, exc) from None
        try:
            return json.loads(str(array[()]))
        except json.JSONDecodeError as exc:
            raise SpecError(f"{self.label}: {what} is damaged ({exc.msg})") from None
        except (RecursionError, ValueError):
            raise SpecError(f"{self.label}: {what} is damaged (not a JSON text)") from None

    def _read_design(self) -> tuple[NetworkSpec, str]:
        files = self._archive.files
        if SPEC_KEY not in files or META_KEY not in files:
            raise SpecError(f"{self.label}: not a CNN Designer weights file (it holds no design); "
                            "save weights from the app or with `main.py train --save`")
        meta = self._document(META_KEY, "the weights file's header")
        spec_doc = self._document(SPEC_KEY, "the stored design")
        if not isinstance(meta, dict):
            raise SpecError(f"{self.label}: the weights file's header is damaged (not a JSON object)")
        if meta.get("format") != WEIGHTS_FORMAT:
            raise SpecError(f"{self.label}: unknown weights format {meta.get('format')!r}; this version reads "
                            f"{WEIGHTS_FORMAT!r}")
        dtype = meta.get("dtype", "float32")
        if dtype not in WEIGHT_DTYPES:
            raise SpecError(f"{self.label}: the weights file's header is damaged: dtype {dtype!r} is not one of "
                            f"{', '.join(WEIGHT_DTYPES)}")
        try:
            spec = NetworkSpec.from_dict(spec_doc)
        except SpecError as exc:
            raise SpecError(f"{self.label}: the stored design is invalid: {exc}") from None
        return spec, dtype

    def read(self, key: str, shape: tuple, what: str = "weights") -> np.ndarray:
        """The stored array `key` (`what` it is: "weights", "running statistics"), refused before its data
        is read unless it has `shape` and holds numbers; then refused if any value is NaN or infinite."""
        if key not in self._archive.files:
            raise SpecError(f"{self.label}: {what} for {key} are missing")
        header = self._header(key)
        if header.shape != tuple(shape):
            raise SpecError(f"{self.label}: {key} has shape {header.shape}, the design needs {tuple(shape)}")
        if header.dtype.kind not in "biuf":
            raise SpecError(f"{self.label}: {key} holds {_kind_name(header.dtype)}, not numbers")
        try:
            stored = self._archive.read(key)
        except NpzError as exc:
            raise self._member_error(key, exc) from None
        if not np.isfinite(stored).all():
            raise SpecError(f"{self.label}: {key} holds NaN or infinite values; the run that saved it had diverged")
        return stored

    def check_no_extra(self, keys) -> None:
        """SpecError naming the stored arrays that are not in `keys` (the design's weights and state)."""
        extra = sorted(set(self._archive.files) - set(keys) - {SPEC_KEY, META_KEY})
        if extra:
            raise SpecError(f"{self.label}: holds weights the design has no layer for: {', '.join(extra)}")


def open_weights(path: str | os.PathLike) -> WeightsFile:
    """The weights file at `path`, its header and design read and checked (SpecError otherwise)."""
    return WeightsFile(path)
