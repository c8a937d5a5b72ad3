"""CIFAR-10 as downloaded: the binary or the python version, as the extracted folder or the .tar.gz itself.

Binary batches are records of 1 label byte + 3,072 pixel bytes (the red, green and blue 32×32 planes,
row-major); python batches are pickled dicts (read with ``safe_pickle``, which runs no code). Training =
every data_batch_N in order of N, test = test_batch; class names come from batches.meta.txt / batches.meta.
Archives are read as a stream, member by member, never extracted to disk. Images come out (m, 32, 32, 3)
uint8 (NHWC), labels (m,) int64.
"""
from __future__ import annotations

import re
import tarfile
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

from .dataset import Dataset
from .errors import DatasetError, check_fits, short
from .labels import check_label_range
from .safe_pickle import load_data_pickle
from .streams import CHUNK, Progress, check_dataset_file, no_progress, open_watched

SIDE, CHANNELS = 32, 3
PIXELS = SIDE * SIDE * CHANNELS           # 3,072 bytes per image
RECORD = 1 + PIXELS                      # one binary record: label byte + pixels
FOLDERS = {"binary": "cifar-10-batches-bin", "python": "cifar-10-batches-py"}
_ROLES = {
    "binary": (re.compile(r"data_batch_(\d+)\.bin"), "test_batch.bin", "batches.meta.txt"),
    "python": (re.compile(r"data_batch_(\d+)"), "test_batch", "batches.meta"),
}
_ARCHIVE_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)
MAX_HEADER = 1 << 20      # a long-name or pax header in the archive: more is not a CIFAR-10 download
_HEADER_TYPES = frozenset({tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
                           tarfile.SOLARIS_XHDTYPE})     # tar member types whose data is a header, read whole


class _SafeTarInfo(tarfile.TarInfo):
    """Tar headers whose extra blocks (GNU long names, pax records) are read into memory whole: refused
    when they declare more than MAX_HEADER, and sparse members (never in CIFAR-10) refused, before tarfile
    reads them — a small archive could otherwise declare gigabytes of "long name"."""

    def _proc_member(self, tarfile_):
        if self.type in _HEADER_TYPES and self.size > MAX_HEADER:
            raise tarfile.ReadError(f"an extended header declares {self.size:,} bytes")
        if self.type == tarfile.GNUTYPE_SPARSE:
            raise tarfile.ReadError("a sparse member, which CIFAR-10 archives never hold")
        return super()._proc_member(tarfile_)


def folder_kind(folder: Path) -> str | None:
    """"binary" or "python" when ``folder`` holds CIFAR-10 batches of that kind, else None."""
    for kind, (train_re, test_name, meta_name) in _ROLES.items():
        names = {p.name for p in folder.iterdir() if not p.is_dir()}
        if test_name in names or meta_name in names or any(train_re.fullmatch(n) for n in names):
            return kind
    return None


def archive_kind(path: Path) -> str | None:
    """"binary" or "python" when the tar archive's first member lies in a CIFAR-10 folder, else None."""
    check_dataset_file(path)
    try:
        with tarfile.open(path, "r|*", tarinfo=_SafeTarInfo) as archive:
            for member in archive:
                top = member.name.lstrip("./").split("/", 1)[0]
                return next((kind for kind, name in FOLDERS.items() if top == name), None)
    except _ARCHIVE_ERRORS:
        return None
    return None


def load_cifar(path: Path, kind: str, progress: Progress = None) -> Dataset:
    """Read CIFAR-10 (``kind`` "binary" or "python") from its folder or its .tar.gz archive.

    What the batches declare (the folder's file sizes, each archive member's size) is checked against the
    memory available before it is read; an archive member is decompressed up to its declared size only.

    Raises:
        DatasetError: a batch that is not a whole number of records or holds none, a damaged pickle or
            archive, a refused pickle, a missing test or training batch, a label outside the class names,
            a special file in the folder, more than the memory available.
    """
    report = progress or no_progress
    train_re, test_name, meta_name = _ROLES[kind]
    train: dict[int, tuple[str, np.ndarray, np.ndarray]] = {}
    test = None
    names = None
    wanted = lambda name: bool(train_re.fullmatch(name)) or name in (test_name, meta_name)   # noqa: E731
    # A binary folder's sizes give the training set's size up front: each batch goes straight into its
    # place in x_train and its bytes are dropped, so the peak stays near the dataset's own size.
    slots, x_train = None, None
    if path.is_dir():
        sizes = [file.stat().st_size for file in _folder_files(path) if wanted(file.name)]
        check_fits(sum(sizes) + max(sizes, default=0), str(path), f"the CIFAR-10 batches ({len(sizes)} files)")
    if kind == "binary" and path.is_dir():
        slots, n_train = _binary_folder_slots(path, train_re)
        x_train = np.empty((n_train, SIDE, SIDE, CHANNELS), np.uint8)
    kept = 0            # bytes of the batches read so far (an archive's sizes are known one member at a time)
    for where, name, size, read, fraction in _members(path, report):
        if not wanted(name):
            continue
        if not path.is_dir():
            check_fits(kept + 2 * size, where, f"this member (declared {size:,} bytes) with the {kept:,} bytes "
                                               "read before it")
            kept += size
        report(fraction, f"reading {name}")
        match = train_re.fullmatch(name)
        if match or name == test_name:
            images, labels = _decode(read(), where, kind)
            if match and slots is not None:
                lo, hi = slots[int(match.group(1))]
                x_train[lo:hi] = images
                train[int(match.group(1))] = (where, None, labels)
            elif match:
                train[int(match.group(1))] = (where, images, labels)
            else:
                test = (where, images, labels)
            del images          # only the tables above may keep a batch (and the bytes under its view)
        else:
            names = _class_names(read(), where, kind)
    if not train:
        raise DatasetError(f"{path}: no training batches (data_batch_1 … data_batch_5) in the CIFAR-10 {kind} set")
    if test is None:
        raise DatasetError(f"{path}: no {test_name} in the CIFAR-10 {kind} set")
    batches = [train[k] for k in sorted(train)] + [test]
    n_images = sum(len(labels) for _, _, labels in batches)
    n_classes = max(check_label_range(labels, where, n_images=n_images, n_names=None if names is None else len(names))
                    for where, _, labels in batches)
    report(0.95, "assembling")
    y_train = np.concatenate([labels for _, _, labels in batches[:-1]])
    if x_train is None:
        parts = [images for _, images, _ in batches[:-1]]
        batches = train = None      # `parts` is now the only reference to the training batches
        x_train = _concatenate_consuming(parts)
    notes = [] if names is not None else [f"no {meta_name}: classes are numbered"]
    report(1.0, "done")
    return Dataset(path.name.split(".")[0], x_train, y_train, np.ascontiguousarray(test[1]), test[2],
                   names if names is not None else [str(k) for k in range(n_classes)],
                   source=f"CIFAR-10 {kind} {'folder' if path.is_dir() else 'archive'}", notes=notes)


def _folder_files(folder: Path) -> list[Path]:
    """The folder's files, sorted; a FIFO, socket or device among them is refused before anything is read."""
    files = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        check_dataset_file(entry)
        if entry.is_file():
            files.append(entry)
    return files


def _binary_folder_slots(folder: Path, train_re) -> tuple[dict[int, tuple[int, int]], int]:
    """{batch number: (first, end) rows in x_train} and the total, from the sizes of the .bin files."""
    slots, total = {}, 0
    for file in _folder_files(folder):
        match = train_re.fullmatch(file.name)
        if match:
            size = file.stat().st_size
            _check_whole_records(size, str(file))
            slots[int(match.group(1))] = (0, size // RECORD)
    for k in sorted(slots):
        n = slots[k][1]
        slots[k] = (total, total + n)
        total += n
    return slots, total


def _concatenate_consuming(parts: list[np.ndarray]) -> np.ndarray:
    """One (m, 32, 32, 3) array from the batches (each may be a transposed view of its file's bytes), filled
    part by part; each part is dropped from `parts` once copied, so its bytes go back to the system while
    the result's pages are still being written: the peak stays near one copy of the data, not two."""
    out = np.empty((sum(len(p) for p in parts), SIDE, SIDE, CHANNELS), dtype=np.uint8)
    lo = 0
    while parts:
        part = parts.pop(0)
        out[lo:lo + len(part)] = part
        lo += len(part)
        del part
    return out


def _read_file(file: Path, report: Progress, fraction: float) -> bytes:
    """The whole file, read a chunk at a time through a watched handle (so the read can be cancelled)."""
    chunks = []
    with open_watched(file, report, f"reading {file.name}", (fraction, fraction)) as handle:
        while True:
            piece = handle.read(CHUNK)
            if not piece:
                break
            chunks.append(piece)
    return b"".join(chunks)


def _members(path: Path, report: Progress) -> Iterator[tuple[str, str, int, callable, float]]:
    """(where, base name, declared size, read() → bytes, fraction done) for every file of the folder or the
    archive. An archive is read as a watched stream: reading, and skipping members, reports progress."""
    if path.is_dir():
        files = _folder_files(path)
        for i, file in enumerate(files):
            fraction = i / max(len(files), 1)
            yield (str(file), file.name, file.stat().st_size,
                   lambda file=file, fraction=fraction: _read_file(file, report, fraction), fraction)
        return
    try:
        with open_watched(path, report, f"reading {path.name}", (0.0, 0.95)) as raw, \
                tarfile.open(fileobj=raw, mode="r|*", tarinfo=_SafeTarInfo) as archive:
            for member in archive:
                if not member.isfile():
                    continue
                handle = archive.extractfile(member)

                def read(handle=handle) -> bytes:   # called by the consumer: its errors are the archive's
                    try:
                        return handle.read()    # exactly the member's declared size, never more
                    except _ARCHIVE_ERRORS as exc:
                        raise _corrupt(path, exc) from None

                yield (f"{path}: {member.name}", Path(member.name).name, member.size, read,
                       min(raw.tell() / max(path.stat().st_size, 1), 0.95))
    except DatasetError:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise _corrupt(path, exc) from None


def _corrupt(path: Path, exc: BaseException) -> DatasetError:
    return DatasetError(f"{path}: corrupt or truncated archive ({short(exc)})")


def _decode(data: bytes, where: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch → images (n, 32, 32, 3) uint8 (may be a view) and labels (n,) int64."""
    if kind == "binary":
        if not data:
            raise DatasetError(f"{where}: the file is empty: no records (a CIFAR-10 batch holds images)")
        _check_whole_records(len(data), where)
        records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD)
        return _planes_to_nhwc(records[:, 1:]), records[:, 0].astype(np.int64)
    batch = _as_str_keys(load_data_pickle(data, where), where)
    pixels, labels = batch.get("data"), batch.get("labels")
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.ndim != 2 or pixels.shape[1] != PIXELS:
        got = (f"{pixels.dtype} array of shape {pixels.shape}" if isinstance(pixels, np.ndarray)
               else type(pixels).__name__)
        raise DatasetError(f"{where}: 'data' must be a uint8 array (m, {PIXELS:,}), got {got}")
    if not len(pixels):
        raise DatasetError(f"{where}: no records: 'data' holds 0 images (a CIFAR-10 batch holds images)")
    labels = _labels(labels, where)
    if labels.shape != (len(pixels),):
        raise DatasetError(f"{where}: {labels.size:,} labels for {len(pixels):,} images")
    return _planes_to_nhwc(pixels), labels


def _labels(labels, where: str) -> np.ndarray:
    """A python batch's 'labels' (a list of ints, or an integer array) → (n,) int64; fractions, NaN, values
    too large for a class index and anything that is not a flat list of numbers are refused."""
    if isinstance(labels, (list, tuple)) and all(type(v) in (int, float) for v in labels):
        if all(type(v) is int for v in labels):
            if labels and not (-2**31 <= min(labels) and max(labels) < 2**31):
                raise DatasetError(f"{where}: 'labels' holds {max(labels, key=abs):,}, far too large for a class index")
            return np.array(labels, dtype=np.int64)
        labels = np.array(labels, dtype=np.float64)
    if not isinstance(labels, np.ndarray) or labels.ndim != 1 or labels.dtype.kind not in "iuf":
        raise DatasetError(f"{where}: 'labels' must be a list of whole numbers")
    if labels.dtype.kind == "f":
        bad = ~np.isfinite(labels) | (labels != np.round(labels))
        if bad.any():
            raise DatasetError(f"{where}: 'labels' must be whole numbers (class indices), found "
                               f"{labels[np.flatnonzero(bad)[0]]:g}")
    if labels.size and (labels.max() >= 2**31 or labels.min() < -2**31):
        culprit = labels.max() if labels.max() >= 2**31 else labels.min()
        raise DatasetError(f"{where}: 'labels' holds {int(culprit):,}, far too large for a class index")
    return labels.astype(np.int64)


def _check_whole_records(size: int, where: str) -> None:
    if size % RECORD:
        raise DatasetError(f"{where}: {size:,} bytes is not a whole number of {RECORD:,}-byte records "
                           f"(1 label byte + {PIXELS:,} pixel bytes); the file is truncated or not CIFAR-10")


def _planes_to_nhwc(pixels: np.ndarray) -> np.ndarray:
    """(n, 3072) red, green, blue 32×32 planes → (n, 32, 32, 3) view."""
    return pixels.reshape(-1, CHANNELS, SIDE, SIDE).transpose(0, 2, 3, 1)


def _as_str_keys(obj, where: str) -> dict:
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: expected a pickled dict (a CIFAR-10 batch), got {type(obj).__name__}")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def _class_names(data: bytes, where: str, kind: str) -> list[str]:
    if kind == "binary":
        names = [line.strip() for line in data.decode("utf-8", errors="replace").splitlines()]
    else:
        raw = _as_str_keys(load_data_pickle(data, where), where).get("label_names")
        if not isinstance(raw, list):
            raise DatasetError(f"{where}: no 'label_names' list")
        names = [n.decode("utf-8", errors="replace") if isinstance(n, bytes) else str(n) for n in raw]
    names = [n for n in names if n]
    if not names:
        raise DatasetError(f"{where}: no class names")
    return names
