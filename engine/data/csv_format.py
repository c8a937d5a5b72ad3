"""Kaggle-style CSV: a header row, a ``label`` column and one column per pixel (row-major n_H, n_W, n_C).

784 pixel columns → 28×28×1: any square count is taken as a grey square image; anything else needs
``image_shape``. The test part comes from the sibling file named with "test" for "train"
(mnist_train.csv → mnist_test.csv) when it has a label column, else from a seeded stratified split.
Whole-number pixels 0..255 stay uint8; other numbers become float32 (used as they are, like an .npz).
"""
from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DatasetError
from .labels import check_label_range, stratified_split
from .streams import Progress, no_progress


def sibling_test_file(path: Path) -> Path | None:
    """mnist_train.csv → mnist_test.csv (also Train → Test, TRAIN → TEST), if that file exists."""
    swapped = re.sub("train", "test", re.sub("Train", "Test", re.sub("TRAIN", "TEST", path.name)))
    candidate = path.with_name(swapped)
    return candidate if swapped != path.name and candidate.is_file() else None


def load_csv(path: Path, *, image_shape: tuple[int, int, int] | None = None, test_fraction: float = 0.2,
             seed: int = 0, progress: Progress = None) -> Dataset:
    """Read a Kaggle-style CSV (see the module docstring).

    Raises:
        DatasetError: no label column, a ragged or non-numeric row (naming the line), pixel columns that
            don't make a square image without ``image_shape`` or don't match it, out-of-range labels.
    """
    report = progress or no_progress
    report(0.0, f"reading {path.name}")
    y_train, x_train = _read_table(path)
    shape = _image_shape(path, x_train.shape[1], image_shape)
    notes = []
    test_path = sibling_test_file(path)
    test = None
    if test_path is not None:
        report(0.5, f"reading {test_path.name}")
        if "label" in _header(test_path):
            test = _read_table(test_path)
            if test[1].shape[1] != x_train.shape[1]:
                raise DatasetError(f"{test_path}: {test[1].shape[1]:,} pixel columns but {path.name} has "
                                   f"{x_train.shape[1]:,}")
        else:
            notes.append(f"{test_path.name} has no label column, so it is not used")
    if test is None:
        train_idx, test_idx = stratified_split(y_train, test_fraction, seed)
        test = (y_train[test_idx], x_train[test_idx])
        y_train, x_train = y_train[train_idx], x_train[train_idx]
        notes.append(f"{test_fraction:g} of each class held out for test (seed {seed})")
    y_test, x_test = test
    n_images = len(y_train) + len(y_test)
    n_classes = max(check_label_range(y, str(p), n_images=n_images)
                    for y, p in ((y_train, path), (y_test, test_path or path)))
    x_train, x_test = _pixels(np.concatenate([x_train, x_test]), path, len(x_train))
    report(1.0, "done")
    return Dataset(path.stem, x_train.reshape(-1, *shape), y_train, x_test.reshape(-1, *shape), y_test,
                   [str(k) for k in range(n_classes)], source="CSV (label + pixel columns)", notes=notes)


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        return [name.strip().strip('"').lower() for name in handle.readline().split(",")]


def _read_table(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(labels (m,) int64, pixels (m, columns) float32) of one CSV file."""
    header = _header(path)
    if "label" not in header:
        raise DatasetError(f"{path}: no 'label' column in the header row (found {', '.join(header[:5])}"
                           f"{', …' if len(header) > 5 else ''})")
    if len(header) < 2:
        raise DatasetError(f"{path}: no pixel columns besides 'label'")
    try:
        with warnings.catch_warnings():   # "input contained no data": the check below says it in plain words
            warnings.simplefilter("ignore", UserWarning)
            table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2, encoding="utf-8-sig")
    except ValueError:
        _raise_first_bad_line(path, len(header))
        raise  # _raise_first_bad_line always raises; this keeps static checkers calm
    if table.shape[0] == 0:
        raise DatasetError(f"{path}: no data rows after the header")
    if table.shape[1] != len(header):
        _raise_first_bad_line(path, len(header))
    column = header.index("label")
    labels = table[:, column]
    if not np.array_equal(labels, np.round(labels)) or not np.isfinite(labels).all():
        line = int(np.flatnonzero((labels != np.round(labels)) | ~np.isfinite(labels))[0]) + 2
        raise DatasetError(f"{path}: line {line}: the label must be a whole number")
    if np.abs(labels).max() > 2**31:
        raise DatasetError(f"{path}: label {labels.max():g} is far too large for a class index")
    return labels.astype(np.int64), np.delete(table, column, axis=1)


def _raise_first_bad_line(path: Path, columns: int) -> None:
    """Find and report the first ragged or non-numeric data row (line numbers count the header as 1)."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        handle.readline()
        for line_no, line in enumerate(handle, start=2):
            if not line.strip():
                continue
            cells = line.rstrip("\r\n").split(",")
            if len(cells) != columns:
                raise DatasetError(f"{path}: line {line_no}: {len(cells):,} values but the header has {columns:,} "
                                   f"columns")
            for col, cell in enumerate(cells, start=1):
                try:
                    float(cell)
                except ValueError:
                    raise DatasetError(f"{path}: line {line_no}, column {col}: {cell.strip()[:20]!r} is not a "
                                       f"number") from None
    raise DatasetError(f"{path}: unreadable CSV")


def _image_shape(path: Path, n_pixels: int, image_shape) -> tuple[int, int, int]:
    if image_shape is not None:
        shape = tuple(int(v) for v in image_shape)
        if math.prod(shape) != n_pixels:
            raise DatasetError(f"{path}: image shape {'×'.join(map(str, shape))} needs {math.prod(shape):,} "
                               f"pixel columns but the file has {n_pixels:,}")
        return shape
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise DatasetError(f"{path}: {n_pixels:,} pixel columns are not a square grey image; give the shape "
                           f"(--image-shape H,W,C or image_shape=(H, W, C))")
    return side, side, 1


def _pixels(x: np.ndarray, path: Path, n_train: int) -> tuple[np.ndarray, np.ndarray]:
    """float32 pixels → uint8 when all are whole numbers 0..255, else float32 (checked finite)."""
    if not np.isfinite(x).all():
        raise DatasetError(f"{path}: some pixels are NaN or infinite")
    if x.min() >= 0 and x.max() <= 255 and np.array_equal(x, np.round(x)):
        x = x.astype(np.uint8)
    else:
        x = x.astype(np.float32)
    return x[:n_train], x[n_train:]
