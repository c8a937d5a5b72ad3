"""The .npz layout: x_train, y_train, x_test, y_test (and optionally class_names) in one NumPy archive.

It is also what `main.py data PATH --save OUT.npz` writes, so every other format converts to it.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..fileio import atomic_write
from ..npzfile import MemberHeader, NpzArchive, NpzError
from .dataset import Dataset
from .errors import DatasetError, check_fits, fmt_shape as _fmt_shape
from .labels import check_label_range
from .streams import Progress, check_dataset_file, no_progress, open_watched

_REQUIRED_ARRAYS = ("x_train", "y_train", "x_test", "y_test")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def read_npz_dataset(path: str | os.PathLike, *, name: str | None = None, pixel_max: float | None = None,
                     progress: Progress = None) -> Dataset:
    """Read and validate an .npz file holding x_train, y_train, x_test, y_test and optionally class_names.

    Images may be (m, n_H, n_W) (a channel axis is added) or (m, n_H, n_W, n_C). Integer pixels are taken as
    0..255 and kept as uint8 (a network sees them as value/255, see ``engine.data.pixels``); with
    ``pixel_max`` they are divided by it into float32 instead. Float pixels are kept as they are (as
    float32). Labels must be whole numbers ≥ 0, one per image, and sane (see ``check_label_range``).
    class_names, when present, is a 1-D array of strings with at least max(label) + 1 entries; otherwise
    the classes are named "0", "1", ...

    The arrays' headers are read first and the sizes they declare checked against the memory available
    before any array is allocated (engine.npzfile); ``progress`` is called as they are read (and may
    cancel the load by raising LoadCancelled).

    Raises:
        DatasetError: with a one-line message "<file>: <array>: <reason>".
    """
    path = Path(path)
    where = str(path)
    report = progress or no_progress
    check_dataset_file(path)
    if not path.exists():
        raise DatasetError(f"{where}: file not found")
    if not path.is_file():
        raise DatasetError(f"{where}: not a file")
    _check_is_npz(path, where)
    with open_watched(path, None) as handle:
        try:
            archive = NpzArchive(handle)
        except NpzError as exc:
            raise DatasetError(f"{where}: {exc}") from None
        with archive:
            missing = [key for key in _REQUIRED_ARRAYS if key not in archive.files]
            if missing:
                found = ", ".join(archive.files) or "nothing"
                raise DatasetError(f"{where}: missing array(s) {', '.join(missing)} (found: {found})")
            keys = [*_REQUIRED_ARRAYS, *(["class_names"] if "class_names" in archive.files else [])]
            headers = {key: _member_header(archive, key, where) for key in keys}
            check_fits(sum(h.nbytes for h in headers.values()), where,
                       "its arrays (" + ", ".join(f"{key} {headers[key].describe()}" for key in keys) + ")")
            raw = {}
            for step, key in enumerate(keys):
                report(step / len(keys), f"reading {key}")
                raw[key] = _read_member(archive, key, where,
                                        lambda f, step=step, key=key: report((step + f) / len(keys), f"reading {key}"))
            raw_names = raw.get("class_names")

    x_train = _check_images(raw["x_train"], "x_train", where, pixel_max)
    x_test = _check_images(raw["x_test"], "x_test", where, pixel_max)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DatasetError(
            f"{where}: x_test: images are {_fmt_shape(x_test.shape[1:])} but x_train's are "
            f"{_fmt_shape(x_train.shape[1:])}; both parts need the same image shape"
        )
    y_train = _check_labels(raw["y_train"], "y_train", len(x_train), "x_train", where)
    y_test = _check_labels(raw["y_test"], "y_test", len(x_test), "x_test", where)
    n_images = len(y_train) + len(y_test)
    if raw_names is None:
        n_classes = max(check_label_range(y, f"{where}: {key}", n_images=n_images)
                        for key, y in (("y_train", y_train), ("y_test", y_test)))
        class_names = [str(k) for k in range(n_classes)]
    else:
        class_names = _check_class_names(raw_names, int(max(y_train.max(), y_test.max())) + 1, where)
    return Dataset(
        name=name if name is not None else path.stem,
        x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
        class_names=class_names, source=".npz file",
    )


def save_dataset_npz(dataset: Dataset, path: str | os.PathLike) -> None:
    """Write ``dataset`` to ``path`` (compressed .npz) so that ``load_dataset(path)`` gives it back.

    The file is written to a temporary file in the same directory and moved into place with os.replace,
    so a crash or a full disk never leaves a half-written file under ``path``. The name is used exactly as
    given (no ".npz" is appended). uint8 images stay uint8 (4× smaller, and read back the same); others are
    written as float32.
    """
    path = Path(path)
    pixel_dtype = np.uint8 if dataset.x_train.dtype == np.uint8 and dataset.x_test.dtype == np.uint8 else np.float32
    arrays = {
        "x_train": np.asarray(dataset.x_train, dtype=pixel_dtype),
        "y_train": np.asarray(dataset.y_train, dtype=np.int64),
        "x_test": np.asarray(dataset.x_test, dtype=pixel_dtype),
        "y_test": np.asarray(dataset.y_test, dtype=np.int64),
        "class_names": np.array([str(c) for c in dataset.class_names], dtype=np.str_),
    }
    atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays), binary=True)


def _member_header(archive: NpzArchive, key: str, where: str) -> MemberHeader:
    try:
        return archive.header(key)
    except NpzError as exc:
        raise _member_error(exc, key, where) from None


def _read_member(archive: NpzArchive, key: str, where: str, report) -> np.ndarray:
    try:
        return archive.read(key, report=report)
    except NpzError as exc:
        raise _member_error(exc, key, where) from None


def _member_error(exc: NpzError, key: str, where: str) -> DatasetError:
    if exc.objects:
        return DatasetError(f"{where}: {key}: stored as Python objects (pickled), which are not loaded for safety; "
                            f"save a plain numeric or string array")
    return DatasetError(f"{where}: {key}: {exc}")


def _check_images(x: np.ndarray, key: str, where: str, pixel_max: float | None) -> np.ndarray:
    """(m, n_H, n_W[, n_C]) integer/bool/float pixels → (m, n_H, n_W, n_C) uint8 (integers 0..255) or float32."""
    if x.ndim == 3:
        x = x[..., np.newaxis]
    elif x.ndim != 4:
        raise DatasetError(
            f"{where}: {key}: expected images of shape (m, n_H, n_W) or (m, n_H, n_W, n_C), "
            f"got {x.ndim}-D shape {x.shape}"
        )
    if x.shape[0] == 0:
        raise DatasetError(f"{where}: {key}: no images (the array is empty)")
    if 0 in x.shape[1:]:
        raise DatasetError(f"{where}: {key}: images of shape {_fmt_shape(x.shape[1:])} have no pixels")
    kind = x.dtype.kind
    if kind == "b":
        return x.astype(np.float32)
    if kind in "iu":
        scale = 255.0 if pixel_max is None else float(pixel_max)
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi > scale:
            raise DatasetError(
                f"{where}: {key}: integer pixels must be 0..{scale:g} (found {lo}..{hi}); "
                f"save floats to use another range"
            )
        if pixel_max is None:
            return x.astype(np.uint8, copy=False)   # kept compact; batches become x/255 as they are used
        return (x.astype(np.float32) / np.float32(scale)).astype(np.float32, copy=False)
    if kind == "f":
        x = x.astype(np.float32)
        if not np.isfinite(x).all():
            bad = int(np.count_nonzero(~np.isfinite(x)))
            raise DatasetError(f"{where}: {key}: {bad:,} pixel(s) are NaN or infinite")
        return x
    raise DatasetError(f"{where}: {key}: pixels must be numbers, got dtype {x.dtype}")


def _check_labels(y: np.ndarray, key: str, m: int, x_key: str, where: str) -> np.ndarray:
    """(m,) or (m, 1) whole-number labels ≥ 0 → (m,) int64."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2:
        raise DatasetError(
            f"{where}: {key}: labels must be class indices of shape (m,), got shape {y.shape} "
            f"(one-hot labels? use argmax along axis 1)"
        )
    elif y.ndim != 1:
        raise DatasetError(f"{where}: {key}: labels must be class indices of shape (m,), got shape {y.shape}")
    if y.shape[0] != m:
        raise DatasetError(f"{where}: {key}: {y.shape[0]:,} labels for {m:,} images in {x_key}")
    kind = y.dtype.kind
    if kind == "f":
        if not np.isfinite(y).all() or not np.array_equal(y, np.round(y)):
            raise DatasetError(f"{where}: {key}: labels must be whole numbers (class indices), found fractions or NaN")
        if np.abs(y).max() > 2**31:
            raise DatasetError(f"{where}: {key}: label {y.max():g} is far too large for a class index")
    elif kind not in "iub":
        raise DatasetError(f"{where}: {key}: labels must be integer class indices, got dtype {y.dtype}")
    elif kind in "iu" and y.size and int(y.max()) > 2**31:
        # before the cast: a uint64 label beyond int64 would wrap around and be called negative
        raise DatasetError(f"{where}: {key}: label {int(y.max()):,} is far too large for a class index")
    y = y.astype(np.int64)
    if y.min() < 0:
        raise DatasetError(f"{where}: {key}: labels must be ≥ 0, found {int(y.min())}")
    return y


def _check_class_names(names: np.ndarray, n_classes: int, where: str) -> list[str]:
    if names.ndim != 1:
        raise DatasetError(f"{where}: class_names: expected a 1-D array of names, got shape {names.shape}")
    if names.dtype.kind == "U":
        result = [str(n) for n in names]
    elif names.dtype.kind == "S":
        result = [n.decode("utf-8", errors="replace") for n in names]
    else:
        raise DatasetError(f"{where}: class_names: expected strings, got dtype {names.dtype}")
    if len(result) < n_classes:
        raise DatasetError(
            f"{where}: class_names: {len(result)} name(s) but the labels go up to {n_classes - 1:,} "
            f"(need at least {n_classes:,})"
        )
    return result


def _check_is_npz(path: Path, where: str) -> None:
    """Refuse, in plain words, a file that is not a zip archive before NumPy reads it (NumPy's own messages
    talk about pickles and allow_pickle, and it would unpickle nothing but would confuse)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head[:4] in _ZIP_MAGIC:
        return
    if head.startswith(b"\x93NUMPY"):
        raise DatasetError(
            f"{where}: a single .npy array, not an .npz archive with x_train, y_train, x_test and y_test"
        )
    raise DatasetError(f"{where}: not an .npz file: it is {describe_bytes(head)}; a dataset .npz is a NumPy "
                       f"archive with x_train, y_train, x_test and y_test")


def describe_bytes(head: bytes) -> str:
    """What a file that starts with ``head`` looks like, in plain words ("a text file", "a Python pickle")."""
    if not head:
        return "an empty file"
    if head[:1] == b"\x80" or head[:1] in (b"(", b"}", b"]") and head.rstrip().endswith(b"."):
        return "a Python pickle (never loaded: it could run code)"
    if head[:2] == b"\x1f\x8b":
        return "gzip-compressed data"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unknown kind"
    if all(c.isprintable() or c in "\r\n\t" for c in text):
        return "a text file"
    return "binary data of an unknown kind"
