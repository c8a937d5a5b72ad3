"""Kaggle-style CSV: a header row, a ``label`` column and one column per pixel (row-major n_H, n_W, n_C).

784 pixel columns → 28×28×1: any square count is taken as a grey square image; anything else needs
``image_shape``. The test part comes from the sibling file named with "test" for "train"
(mnist_train.csv → mnist_test.csv) when it has a label column, else from a seeded stratified split.
Whole-number pixels 0..255 stay uint8; other numbers become float32 (used as they are, like an .npz).
The file is UTF-8 (a byte-order mark allowed), or UTF-16 / UTF-32 with their byte-order mark, or UTF-16
without one (recognised by its NUL bytes); a line that is none of these is named with its bad byte.
"""
from __future__ import annotations

import codecs
import math
import re
import warnings
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DatasetError, check_fits, printable
from .labels import check_label_range, stratified_split
from .streams import Progress, check_dataset_file, no_progress


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
    y_train, x_train = _read_table(path, report, (0.0, 0.5))
    shape = _image_shape(path, x_train.shape[1], image_shape)
    notes = []
    test_path = sibling_test_file(path)
    test = None
    if test_path is not None:
        report(0.5, f"reading {test_path.name}")
        if "label" in _header(test_path):
            test = _read_table(test_path, report, (0.5, 0.95))
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


def _encoding(path: Path) -> str:
    """The text encoding of a CSV: UTF-8 (with or without a byte-order mark), or UTF-16 / UTF-32 when the
    file starts with their byte-order mark, or UTF-16 without one when every other byte is NUL."""
    check_dataset_file(path)
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and b"\0" in head:
        if head[1::2].count(0) > len(head) // 4 and not head[0::2].count(0):
            return "utf-16-le"
        if head[0::2].count(0) > len(head) // 4 and not head[1::2].count(0):
            return "utf-16-be"
    return "utf-8-sig"


def _not_text(path: Path, encoding: str, line_no: int, exc: UnicodeDecodeError) -> DatasetError:
    byte = exc.object[exc.start:exc.start + 1]
    if encoding.startswith("utf-8"):
        return DatasetError(f"{path}: line {line_no}: not UTF-8 text (byte 0x{byte.hex()}); save the file as UTF-8 "
                            f"(it may be Latin-1 or Windows-1252 text)")
    return DatasetError(f"{path}: line {line_no}: not valid {encoding.upper().replace('-LE', '').replace('-BE', '')} "
                        f"text (byte 0x{byte.hex()}); save the file as UTF-8")


def _lines(path: Path, encoding: str):
    """(line number, text) of every line, decoded strictly; a line that isn't text is a DatasetError naming it."""
    if encoding.startswith("utf-8"):     # line by line in bytes, so a bad byte is found on its own line
        with open(path, "rb") as handle:
            for line_no, raw in enumerate(handle, start=1):
                try:
                    text = raw.decode(encoding if line_no == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise _not_text(path, encoding, line_no, exc) from None
                yield line_no, text
        return
    with open(path, encoding=encoding, newline=None) as handle:
        line_no = 0
        try:
            for line_no, text in enumerate(handle, start=1):
                yield line_no, text
        except UnicodeDecodeError as exc:
            raise _not_text(path, encoding, line_no + 1, exc) from None


def _header(path: Path, encoding: str | None = None) -> list[str]:
    encoding = encoding or _encoding(path)
    for _, line in _lines(path, encoding):
        return [name.strip().strip('"').lower() for name in line.split(",")]
    return [""]


def _read_table(path: Path, report: Progress = None, span=(0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """(labels (m,) int64, pixels (m, columns) float32) of one CSV file."""
    report = report or no_progress
    encoding = _encoding(path)
    header = _header(path, encoding)
    if "label" not in header:
        shown = ", ".join(printable(name, 20) for name in header[:5])
        raise DatasetError(f"{path}: no 'label' column in the header row (found {shown}"
                           f"{', …' if len(header) > 5 else ''})")
    if len(header) < 2:
        raise DatasetError(f"{path}: no pixel columns besides 'label'")
    # Each value takes at least 2 characters ("0,") and becomes a 4-byte float: at most 2 bytes per byte.
    check_fits(2 * path.stat().st_size, str(path), "its numbers")
    size = max(path.stat().st_size, 1)
    low, high = span

    def rows(handle):
        handle.readline()
        for count, line in enumerate(handle):
            if count % 4096 == 0:
                report(low + (high - low) * min(handle.buffer.tell() / size, 1.0), f"reading {path.name}")
            yield line

    try:
        with warnings.catch_warnings(), open(path, encoding=encoding, newline=None) as handle:
            # "input contained no data": the check below says it in plain words
            warnings.simplefilter("ignore", UserWarning)
            table = np.loadtxt(rows(handle), delimiter=",", dtype=np.float32, ndmin=2)
    except ValueError:      # a cell that is not a number, a ragged row, or bytes that are not text
        _raise_first_bad_line(path, len(header), encoding)
        raise  # _raise_first_bad_line always raises; this keeps static checkers calm
    if table.shape[0] == 0:
        raise DatasetError(f"{path}: no data rows after the header")
    if table.shape[1] != len(header):
        _raise_first_bad_line(path, len(header), encoding)
    column = header.index("label")
    labels = table[:, column]
    if not np.array_equal(labels, np.round(labels)) or not np.isfinite(labels).all():
        line = int(np.flatnonzero((labels != np.round(labels)) | ~np.isfinite(labels))[0]) + 2
        raise DatasetError(f"{path}: line {line}: the label must be a whole number")
    if np.abs(labels).max() > 2**31:
        raise DatasetError(f"{path}: label {labels.max():g} is far too large for a class index")
    return labels.astype(np.int64), np.delete(table, column, axis=1)


# A number as NumPy's CSV reader takes it: no digit separators, no hex, no quotes.
_NUMBER = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|nan|inf|infinity)", re.IGNORECASE)


def _raise_first_bad_line(path: Path, columns: int, encoding: str = "utf-8-sig") -> None:
    """Find and report the first ragged or non-numeric data row, or bytes that are not text (line numbers
    count the header as 1)."""
    for line_no, line in _lines(path, encoding):
        if line_no == 1 or not line.strip():
            continue
        cells = line.rstrip("\r\n").split(",")
        if len(cells) != columns:
            raise DatasetError(f"{path}: line {line_no}: {len(cells):,} values but the header has {columns:,} "
                               f"columns")
        for col, cell in enumerate(cells, start=1):
            value = cell.strip()
            if _NUMBER.fullmatch(value):
                continue
            if not value:
                raise DatasetError(f"{path}: line {line_no}, column {col}: an empty value, not a number")
            if "_" in value and _NUMBER.fullmatch(value.replace("_", "")):
                raise DatasetError(f"{path}: line {line_no}, column {col}: {printable(value, 20)!r} is not a number "
                                   f"as a CSV holds it: write it without the '_' digit separators "
                                   f"({value.replace('_', '')[:20]})")
            raise DatasetError(f"{path}: line {line_no}, column {col}: {printable(value, 20)!r} is not a number")
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
