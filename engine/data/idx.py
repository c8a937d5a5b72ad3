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
from .errors import DatasetError
from .labels import check_label_range
from .streams import GZIP_ERRORS, Progress, damaged, no_progress, open_maybe_gzip, read_exact, read_into

PARTS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_TYPES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float",
             0x0E: "double"}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")


def is_idx_folder(folder: Path) -> bool:
    return any((folder / (PARTS["train"][0] + ext)).is_file() for ext in ("", ".gz"))


def load_idx_folder(folder: Path, progress: Progress = None) -> Dataset:
    """Read the four IDX files of ``folder`` (the train and t10k images and labels, each raw or .gz).

    Class names are "0".."9" — or Fashion-MNIST's ten names when the folder's name says "fashion".

    Raises:
        DatasetError: a missing file; a wrong magic or type byte; a header that disagrees with the file's
            size; images and labels that differ in count; corrupt gzip data; an out-of-range label.
    """
    report = progress or no_progress
    arrays = {}
    for step, (part, (images_name, labels_name)) in enumerate(PARTS.items()):
        report(step / 2, f"reading the {part} images")
        images_path = _member(folder, images_name)
        labels_path = _member(folder, labels_name)
        images = read_idx(images_path, (3, 4), "images")
        labels = read_idx(labels_path, (1,), "labels")
        if len(images) != len(labels):
            raise DatasetError(f"{labels_path}: {len(labels):,} labels but {images_path.name} holds "
                               f"{len(images):,} images")
        arrays[part] = (images if images.ndim == 4 else images[..., np.newaxis], labels.astype(np.int64))
    (x_train, y_train), (x_test, y_test) = arrays["train"], arrays["test"]
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DatasetError(f"{folder}: the test images are {x_test.shape[1:]} but the training images "
                           f"{x_train.shape[1:]}")
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
        if candidate.is_file():
            return candidate
    raise DatasetError(f"{folder}: missing {stem} (or {stem}.gz) of the MNIST-style IDX layout")


def read_idx(path: Path, ndims: tuple[int, ...], what: str) -> np.ndarray:
    """The uint8 array of one IDX file, its header checked against the file's size before reading.

    Returns:
        an array of the shape the header gives, e.g. (m, 28, 28) for images or (m,) for labels.
    """
    where = str(path)
    try:
        with open_maybe_gzip(path) as handle:
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
            dims = struct.unpack(f">{head[3]}I", read_exact(handle, 4 * head[3], where, "dimension sizes"))
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
            out = np.empty(dims, dtype=np.uint8)
            read_into(handle, out, where, f"{dims[0]:,} {what} (the header claims more than the file holds)")
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
    with open(path, "rb") as raw:
        raw.seek(0, os.SEEK_END)
        if raw.tell() < 18:        # smaller than an empty gzip member: the reader will say it's damaged
            return None
        raw.seek(-4, os.SEEK_END)
        return struct.unpack("<I", raw.read(4))[0]
