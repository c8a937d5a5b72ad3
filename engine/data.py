"""Datasets: the built-in ones ("digits", "shapes") and user files (.npz).

Every dataset reaches the engine in one form, the course's layout:

    x_train, x_test   (m, n_H, n_W, n_C) float32, usually in [0, 1]
    y_train, y_test   (m,) int64 class indices 0 .. num_classes - 1
    class_names       list[str], one per class

Built-in datasets are cached in memory. The arrays of a cached dataset are shared between callers and are
marked read-only, so an in-place change (``ds.x_train *= 2``, ``rng.shuffle(ds.x_train)``) raises instead of
silently altering what every later ``load_dataset`` call returns. Index or ``.copy()`` them to get arrays you
own; ``Dataset.split_validation`` already returns fresh arrays. Datasets read from a user file or made by
``make_shapes`` are not cached and their arrays are ordinary writable arrays.

This module is pure NumPy and the standard library (the engine never imports Qt or the designer).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fileio import atomic_write
from .resources import dataset_path

__all__ = [
    "BUILTIN_DATASETS",
    "Dataset",
    "DatasetError",
    "load_dataset",
    "make_shapes",
    "read_npz_dataset",
    "save_dataset_npz",
]

BUILTIN_DATASETS = ("digits", "shapes")

DIGITS_FILE = dataset_path("digits.npz")

SHAPE_CLASSES = ("circle", "square", "triangle", "cross")
DEFAULT_SHAPES_SEED = 0

_REQUIRED_ARRAYS = ("x_train", "y_train", "x_test", "y_test")
# What np.load / NpzFile raise on files that are not (valid) npz archives.
_READ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)


class DatasetError(ValueError):
    """A dataset that cannot be loaded or used; the message names the file, the array and the reason."""


@dataclass(eq=False)
class Dataset:
    """Images and integer labels, split into a training and a test part.

    Attributes:
        name: a short name ("digits", "shapes" or the file's stem).
        x_train: (m_train, n_H, n_W, n_C) float32.
        y_train: (m_train,) int64 class indices.
        x_test: (m_test, n_H, n_W, n_C) float32.
        y_test: (m_test,) int64 class indices.
        class_names: one name per class; label k means class_names[k].
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(n_H, n_W, n_C) of one image."""
        n_H, n_W, n_C = self.x_train.shape[1:]
        return int(n_H), int(n_W), int(n_C)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def split_validation(
        self, fraction: float, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Hold out a seeded random ``fraction`` of the training part for validation.

        Returns ``(x_tr, y_tr, x_val, y_val)``, fresh arrays (never views of the dataset). Which images go to
        validation depends only on ``seed`` and the training-set size; both parts keep the dataset's order.
        ``fraction`` 0 gives empty validation arrays of shape (0, n_H, n_W, n_C) and (0,). At least one image
        always stays in the training part.

        Raises:
            DatasetError: ``fraction`` is not a number in [0, 1).
        """
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)):
            raise DatasetError(
                f"{self.name}: validation fraction must be a number in [0, 1), got {fraction!r}"
            )
        if not 0.0 <= float(fraction) < 1.0:  # also rejects NaN
            raise DatasetError(f"{self.name}: validation fraction must be in [0, 1), got {fraction!r}")
        m = len(self.y_train)
        n_val = min(int(round(float(fraction) * m)), max(m - 1, 0))
        order = np.random.default_rng(seed).permutation(m)
        val_idx = np.sort(order[:n_val])
        tr_idx = np.sort(order[n_val:])
        return self.x_train[tr_idx], self.y_train[tr_idx], self.x_train[val_idx], self.y_train[val_idx]

    def describe(self) -> str:
        """One line, e.g. ``"digits: 8×8×1 images, 1,437 train / 360 test, 10 classes"``."""
        n_H, n_W, n_C = self.image_shape
        return (
            f"{self.name}: {n_H}×{n_W}×{n_C} images, {len(self.y_train):,} train / "
            f"{len(self.y_test):,} test, {self.num_classes} classes"
        )

    def __repr__(self) -> str:  # the default would print every pixel
        return f"Dataset({self.describe()})"


# --------------------------------------------------------------------------------------------- loading


def load_dataset(name_or_path: str | os.PathLike, *, seed: int | None = None) -> Dataset:
    """Load a built-in dataset by name or a user's .npz file by path.

    Args:
        name_or_path: "digits" (1,797 real 8×8 handwritten digits, 1,437 train / 360 test, fixed split),
            "shapes" (generated 32×32×3 circles, squares, triangles and crosses, 4,000 train / 1,000 test),
            or the path of an .npz file (see ``read_npz_dataset``). A plain string equal to a built-in name
            means the built-in dataset; pass a ``Path`` to read a file of that name instead.
        seed: only for "shapes": which generated set (None → the fixed default, 0). Ignored otherwise.

    Built-in datasets are cached and returned with read-only arrays (see the module docstring).

    Raises:
        DatasetError: unknown name, missing or malformed file.
    """
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_DATASETS:
        if name_or_path == "digits":
            cached = _cached_digits()
        else:
            cached = _cached_shapes(DEFAULT_SHAPES_SEED if seed is None else seed)
        # A new Dataset each call: reassigning an attribute or editing class_names can't reach the cache.
        return dataclasses.replace(cached, class_names=list(cached.class_names))
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise DatasetError(
            f"load_dataset: expected a dataset name or a file path, got {type(name_or_path).__name__}"
        )
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and not path.exists() and path.suffix == "" and os.sep not in name_or_path:
        raise DatasetError(
            f"unknown dataset {name_or_path!r}: not a built-in dataset ({', '.join(BUILTIN_DATASETS)}) "
            f"and no such file"
        )
    return read_npz_dataset(path)


def read_npz_dataset(path: str | os.PathLike, *, name: str | None = None, pixel_max: float | None = None) -> Dataset:
    """Read and validate an .npz file holding x_train, y_train, x_test, y_test and optionally class_names.

    Images may be (m, n_H, n_W) (a channel axis is added) or (m, n_H, n_W, n_C). Integer pixels are taken as
    0..255 and divided by 255 (or by ``pixel_max`` when given); float pixels are kept as they are (as
    float32). Labels must be whole numbers ≥ 0, one per image. class_names, when present, is a 1-D array of
    strings with at least max(label) + 1 entries; otherwise the classes are named "0", "1", ...

    Raises:
        DatasetError: with a one-line message "<file>: <array>: <reason>".
    """
    path = Path(path)
    where = str(path)
    if not path.exists():
        raise DatasetError(f"{where}: file not found")
    if not path.is_file():
        raise DatasetError(f"{where}: not a file")
    try:
        archive = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise DatasetError(f"{where}: not a readable .npz archive ({_short(exc)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DatasetError(
            f"{where}: a single .npy array, not an .npz archive with x_train, y_train, x_test and y_test"
        )
    with archive:
        missing = [key for key in _REQUIRED_ARRAYS if key not in archive.files]
        if missing:
            found = ", ".join(archive.files) or "nothing"
            raise DatasetError(f"{where}: missing array(s) {', '.join(missing)} (found: {found})")
        raw = {key: _read_member(archive, key, where) for key in _REQUIRED_ARRAYS}
        raw_names = _read_member(archive, "class_names", where) if "class_names" in archive.files else None

    x_train = _check_images(raw["x_train"], "x_train", where, pixel_max)
    x_test = _check_images(raw["x_test"], "x_test", where, pixel_max)
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DatasetError(
            f"{where}: x_test: images are {_fmt_shape(x_test.shape[1:])} but x_train's are "
            f"{_fmt_shape(x_train.shape[1:])}; both parts need the same image shape"
        )
    y_train = _check_labels(raw["y_train"], "y_train", len(x_train), "x_train", where)
    y_test = _check_labels(raw["y_test"], "y_test", len(x_test), "x_test", where)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    if raw_names is None:
        class_names = [str(k) for k in range(n_classes)]
    else:
        class_names = _check_class_names(raw_names, n_classes, where)
    return Dataset(
        name=name if name is not None else path.stem,
        x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
        class_names=class_names,
    )


def save_dataset_npz(dataset: Dataset, path: str | os.PathLike) -> None:
    """Write ``dataset`` to ``path`` (compressed .npz) so that ``load_dataset(path)`` gives it back.

    The file is written to a temporary file in the same directory and moved into place with os.replace,
    so a crash or a full disk never leaves a half-written file under ``path``. The name is used exactly as
    given (no ".npz" is appended).
    """
    path = Path(path)
    arrays = {
        "x_train": np.asarray(dataset.x_train, dtype=np.float32),
        "y_train": np.asarray(dataset.y_train, dtype=np.int64),
        "x_test": np.asarray(dataset.x_test, dtype=np.float32),
        "y_test": np.asarray(dataset.y_test, dtype=np.int64),
        "class_names": np.array([str(c) for c in dataset.class_names], dtype=np.str_),
    }
    atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays), binary=True)


def _read_member(archive: np.lib.npyio.NpzFile, key: str, where: str) -> np.ndarray:
    try:
        value = archive[key]
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DatasetError(
                f"{where}: {key}: stored as Python objects (pickled), which are not loaded for safety; "
                f"save a plain numeric or string array"
            ) from None
        raise DatasetError(f"{where}: {key}: unreadable ({_short(exc)})") from None
    except _READ_ERRORS as exc:
        raise DatasetError(f"{where}: {key}: unreadable, the file is damaged ({_short(exc)})") from None
    if not isinstance(value, np.ndarray):  # NpzFile hands back the raw bytes of a member without an .npy header
        raise DatasetError(f"{where}: {key}: not a NumPy array (the archive member has no .npy header)")
    return value


def _check_images(x: np.ndarray, key: str, where: str, pixel_max: float | None) -> np.ndarray:
    """(m, n_H, n_W[, n_C]) integer/bool/float pixels → (m, n_H, n_W, n_C) float32."""
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
            f"{where}: class_names: {len(result)} name(s) but the labels go up to {n_classes - 1} "
            f"(need at least {n_classes})"
        )
    return result


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(int(s)) for s in shape)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# ------------------------------------------------------------------------------------------- built-ins


def _freeze(ds: Dataset) -> Dataset:
    for array in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        array.flags.writeable = False
    return ds


@functools.lru_cache(maxsize=1)
def _cached_digits() -> Dataset:
    """The UCI handwritten digits (see resources/datasets/README.md); pixels 0..16 → [0, 1]."""
    if not DIGITS_FILE.exists():
        raise DatasetError(f"{DIGITS_FILE}: the built-in digits dataset is missing from the installation")
    return _freeze(read_npz_dataset(DIGITS_FILE, name="digits", pixel_max=16))


@functools.lru_cache(maxsize=4)
def _cached_shapes(seed: int) -> Dataset:
    return _freeze(make_shapes(seed=seed))


def make_shapes(n_train: int = 4000, n_test: int = 1000, size: int = 32, seed: int = 0) -> Dataset:
    """Generate colour images of four shape classes: circle, square, triangle, cross (labels 0..3).

    Each image has one shape, 30–70 % of the image wide, anywhere it fits, in a random colour on a random
    background, with Gaussian noise. Three images in four are bright on dark, the rest dark on light, so
    shape and background always differ by at least 0.35 in some colour channel. Edges are anti-aliased
    (pixel coverage from a signed distance). Classes are exactly balanced within each part (up to
    rounding) and the result depends only on the arguments.

    Returns:
        Dataset "shapes": x (m, size, size, 3) float32 in [0, 1], y (m,) int64.
    """
    for arg, value, low in (("n_train", n_train, 1), ("n_test", n_test, 1), ("size", size, 12)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise DatasetError(f"make_shapes: {arg} must be a whole number ≥ {low}, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"make_shapes: seed must be a whole number ≥ 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    k = len(SHAPE_CLASSES)
    y_train = rng.permutation(np.arange(n_train) % k).astype(np.int64)
    y_test = rng.permutation(np.arange(n_test) % k).astype(np.int64)
    x = _draw_shapes(np.concatenate([y_train, y_test]), int(size), rng)
    return Dataset(
        name="shapes",
        x_train=x[:n_train], y_train=y_train,
        x_test=x[n_train:], y_test=y_test,
        class_names=list(SHAPE_CLASSES),
    )


def _draw_shapes(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """(m,) labels → (m, size, size, 3) float32 images; whole-array numpy, no per-pixel Python loops."""
    m = labels.shape[0]
    f32 = np.float32
    # Per-image parameters, drawn in a fixed order so a seed always means the same images.
    extent = rng.uniform(0.30, 0.70, m) * size                 # width of the shape's bounding box
    cx = rng.uniform(0.0, 1.0, m) * (size - extent) + extent / 2
    cy = rng.uniform(0.0, 1.0, m) * (size - extent) + extent / 2
    dark_bg = rng.random(m) < 0.75
    hue_fg = rng.random((m, 3))
    hue_bg = rng.random((m, 3))
    bright = rng.uniform(0.70, 1.00, m)
    dim = rng.uniform(0.00, 0.35, m)
    noise_sigma = rng.uniform(0.01, 0.05, m).astype(f32)

    # A colour with max channel v: random hue/saturation scaled so its brightest channel is exactly v.
    def colour(hue: np.ndarray, v: np.ndarray) -> np.ndarray:
        return hue / np.maximum(hue.max(axis=1, keepdims=True), 1e-6) * v[:, None]

    pale = 1.0 - 0.4 * hue_bg                                  # light backgrounds are low-saturation
    fg = np.where(dark_bg[:, None], colour(hue_fg, bright), colour(hue_fg, dim))
    bg = np.where(dark_bg[:, None], colour(hue_bg, dim), colour(pale, bright))

    fg = fg.astype(f32)
    bg = bg.astype(f32)
    half = (extent / 2).astype(f32)
    cx, cy = cx.astype(f32), cy.astype(f32)

    # Whole-array work in chunks: the same result as one pass, at a fraction of the peak memory.
    images = np.empty((m, size, size, 3), dtype=f32)
    for lo in range(0, m, _SHAPES_CHUNK):
        part = slice(lo, min(lo + _SHAPES_CHUNK, m))
        dist = _signed_distance(labels[part], cx[part], cy[part], half[part], size)
        cover = np.clip(f32(0.5) - dist, 0.0, 1.0)[..., None]          # (k, size, size, 1)
        out = images[part]
        np.multiply(cover, (fg[part] - bg[part])[:, None, None, :], out=out)
        out += bg[part][:, None, None, :]
        noise = rng.standard_normal(out.shape, dtype=f32)
        noise *= noise_sigma[part][:, None, None, None]
        out += noise
        np.clip(out, 0.0, 1.0, out=out)
    return images


_SHAPES_CHUNK = 512


def _signed_distance(labels: np.ndarray, cx: np.ndarray, cy: np.ndarray, half: np.ndarray, size: int) -> np.ndarray:
    """Signed distance (pixels, negative inside) from each pixel centre to the shape outline.

    labels, cx, cy, half: (k,) — class, centre and half-width of each image's shape → (k, size, size) float32.
    Exact for the circle; the max/min of edge distances for the polygons, which is exact near the outline,
    the only place the 1-pixel anti-aliasing looks at.
    """
    f32 = np.float32
    grid = np.arange(size, dtype=f32) + f32(0.5)                     # pixel centres
    dx = np.abs(grid[None, None, :] - cx[:, None, None])             # (k, 1, size)
    dy = grid[None, :, None] - cy[:, None, None]                     # (k, size, 1), + is downwards
    half = half[:, None, None]
    dist = np.empty((labels.shape[0], size, size), dtype=f32)
    sel = labels == 0                                                 # circle of diameter 2·half
    dist[sel] = np.sqrt(dx[sel] ** 2 + dy[sel] ** 2) - half[sel]
    sel = labels == 1                                                 # axis-aligned square
    dist[sel] = np.maximum(dx[sel], np.abs(dy[sel])) - half[sel]
    sel = labels == 2                                                 # upright isosceles triangle
    # Apex (0, −half), base corners (±half, +half): the slanted edges have outward normal (2, −1)/√5.
    slant = (2 * dx[sel] - (dy[sel] + half[sel])) / f32(math.sqrt(5.0))
    dist[sel] = np.maximum(slant, dy[sel] - half[sel])
    sel = labels == 3                                                 # plus sign, arms a third as thick as wide
    arm = np.maximum(half[sel] / 3, f32(1.0))
    adx, ady = dx[sel], np.abs(dy[sel])
    dist[sel] = np.minimum(np.maximum(adx - half[sel], ady - arm), np.maximum(adx - arm, ady - half[sel]))
    return dist
