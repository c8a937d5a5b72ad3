"""MNIST-style IDX folders (MNIST, Fashion-MNIST, KMNIST, ...): four files, each optionally gzip-compressed.

An IDX file is a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte), the number of
dimensions — then one 4-byte size per dimension, then the values row-major. Images (m, n_H, n_W) become
(m, n_H, n_W, 1) uint8, labels (m,) int64.
"""
from __future__ import annotations

import math
import os
import struct
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DatasetError, check_fits
from .labels import check_label_range
from .streams import (GZIP_ERRORS, Progress, check_dataset_file, damaged, no_progress, open_maybe_gzip, read_exact,
                      read_into)

PARTS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_TYPES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float",
             0x0E: "double"}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")


def is_idx_folder(folder: Path) -> bool:
    return any((folder / (PARTS["train"][0] + ext)).exists() for ext in ("", ".gz"))


def load_idx_folder(folder: Path, progress: Progress = None) -> Dataset:
    """Read the four IDX files of ``folder`` (the train and t10k images and labels, each raw or .gz).

    Class names are "0".."9" — or Fashion-MNIST's ten names when the folder's name says "fashion". The
    four headers are read first and the sizes they declare checked against the memory available before
    anything is allocated.

    Raises:
        DatasetError: a missing file; a wrong magic or type byte; a header that disagrees with the file's
            size; no training images; images and labels that differ in count; corrupt gzip data; an
            out-of-range label; more than the memory available.
    """
    report = progress or no_progress
    files = {part: (_member(folder, images_name), _member(folder, labels_name))
             for part, (images_name, labels_name) in PARTS.items()}
    headers = {path: idx_header(path, ndims, what) for images_path, labels_path in files.values()
               for path, ndims, what in ((images_path, (3, 4), "images"), (labels_path, (1,), "labels"))}
    train_images = files["train"][0]
    if headers[train_images][0] == 0:
        raise DatasetError(f"{train_images}: holds 0 images (its header says so); the training part needs at "
                           "least one")
    total = sum(math.prod(dims) for dims in headers.values())
    counts = " + ".join(f"{headers[images][0]:,}" for images, _ in files.values())
    check_fits(total, str(folder), f"the IDX files' {counts} images")
    arrays = {}
    for step, (part, (images_path, labels_path)) in enumerate(files.items()):
        span = (step / 2, step / 2 + 0.45)
        report(span[0], f"reading the {part} images")
        images = read_idx(images_path, (3, 4), "images", report, span)
        labels = read_idx(labels_path, (1,), "labels", report, (span[1], span[1] + 0.05))
        if len(images) != len(labels):
            raise DatasetError(f"{labels_path}: {len(labels):,} labels but {images_path.name} holds "
                               f"{len(images):,} images")
        arrays[part] = (images if images.ndim == 4 else images[..., np.newaxis], labels.astype(np.int64))
    (x_train, y_train), (x_test, y_test) = arrays["train"], arrays["test"]
    if x_train.shape[1:] != x_test.shape[1:] and len(x_test):
        raise DatasetError(f"{folder}: the test images are {x_test.shape[1:]} but the training images "
                           f"{x_train.shape[1:]}")
    if not len(x_test):
        x_test = np.zeros((0, *x_train.shape[1:]), np.uint8)
    fashion = "fashion" in folder.resolve().name.lower()
    n_images = len(y_train) + len(y_test)
    n_names = len(FASHION_CLASSES) if fashion else None
    n_classes = max(check_label_range(y, str(_member(folder, PARTS[part][1])), n_images=n_images, n_names=n_names)
                    for part, y in (("train", y_train), ("test", y_test)))
    names = list(FASHION_CLASSES) if fashion else [str(k) for k in range(n_classes)]
    report(1.0, "done")
    return Dataset(folder.resolve().name, x_train, y_train, x_test, y_test, names, source="MNIST-style IDX folder")


def _member(folder: Path, stem: str) -> Path:
    for candidate in (folder / stem, folder / (stem + ".gz")):
        check_dataset_file(candidate)
        if candidate.is_file():
            return candidate
    raise DatasetError(f"{folder}: missing {stem} (or {stem}.gz) of the MNIST-style IDX layout")


def _read_dims(handle, where: str, ndims: tuple[int, ...], what: str) -> tuple[int, ...]:
    """The sizes an IDX header gives (the handle is left at the first value)."""
    head = read_exact(handle, 4, where, "4-byte IDX header")
    if head[0] != 0 or head[1] != 0:
        raise DatasetError(f"{where}: wrong magic number 0x{head.hex()}: not an IDX file (it must start "
                           f"with two zero bytes)")
    if head[2] != 0x08:
        kind = IDX_TYPES.get(head[2], "unknown")
        raise DatasetError(f"{where}: IDX type byte 0x{head[2]:02x} ({kind}); only 0x08 (unsigned byte) "
                           f"images and labels are read")
    if head[3] not in ndims:
        want = " or ".join(map(str, ndims))
        raise DatasetError(f"{where}: the header gives {head[3]} dimension(s); {what} need {want}")
    return struct.unpack(f">{head[3]}I", read_exact(handle, 4 * head[3], where, "dimension sizes"))


def idx_header(path: Path, ndims: tuple[int, ...], what: str) -> tuple[int, ...]:
    """The sizes the header of one IDX file declares, e.g. (60000, 28, 28); nothing else is read."""
    where = str(path)
    try:
        with open_maybe_gzip(path) as handle:
            return _read_dims(handle, where, ndims, what)
    except DatasetError:
        raise
    except GZIP_ERRORS as exc:
        raise damaged(where, exc) from None


def read_idx(path: Path, ndims: tuple[int, ...], what: str, progress: Progress = None,
             span: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """The uint8 array of one IDX file, its header checked against the file's size (or the size a gzip
    trailer records) and against the memory available before anything is allocated; a gzip stream is
    decompressed up to the declared size and no further.

    Returns:
        an array of the shape the header gives, e.g. (m, 28, 28) for images or (m,) for labels.
    """
    where = str(path)
    try:
        with open_maybe_gzip(path) as handle:
            dims = _read_dims(handle, where, ndims, what)
            count = math.prod(dims)
            header_bytes = 4 + 4 * len(dims)
            # Check the real size before allocating: a plain file's size, or what a gzip trailer records.
            expected = header_bytes + count
            claim = f"the header claims {' × '.join(f'{d:,}' for d in dims)} {what} ({expected:,} bytes)"
            if path.name.endswith(".gz"):
                recorded = _gzip_size(path)
                if recorded is not None and recorded != expected % 2**32:
                    raise DatasetError(f"{where}: corrupt or truncated gzip file: {claim} but its gzip trailer "
                                       f"records {recorded:,} bytes")
            else:
                size = os.fstat(handle.fileno()).st_size
                if size != expected:
                    raise DatasetError(f"{where}: {claim} but the file holds {size:,} bytes")
            check_fits(count, where, f"{' × '.join(f'{d:,}' for d in dims)} {what}")
            out = np.empty(dims, dtype=np.uint8)
            read_into(handle, out, where, f"{dims[0]:,} {what} (the header claims more than the file holds)",
                      progress, span, f"reading {path.name}")
            if handle.read(1):
                raise DatasetError(f"{where}: the file holds more bytes than its header describes "
                                   f"({' × '.join(f'{d:,}' for d in dims)} {what})")
    except DatasetError:
        raise
    except GZIP_ERRORS as exc:
        raise damaged(where, exc) from None
    return out


def _gzip_size(path: Path) -> int | None:
    """The uncompressed size (mod 2³²) a gzip file's last four bytes record, or None if it is too short."""
    check_dataset_file(path)
    with open(path, "rb") as raw:
        raw.seek(0, os.SEEK_END)
        if raw.tell() < 18:        # smaller than an empty gzip member: the reader will say it's damaged
            return None
        raw.seek(-4, os.SEEK_END)
        return struct.unpack("<I", raw.read(4))[0]
