"""load_dataset: one entry point for every dataset, the format detected from the name or the path."""
from __future__ import annotations

import os
from pathlib import Path

from .builtin import BUILTIN_DATASETS, load_builtin
from .cifar import FOLDERS as CIFAR_FOLDERS, archive_kind, folder_kind, load_cifar
from .csv_format import load_csv
from .dataset import Dataset
from .errors import DatasetError
from .folders import is_class_folder_tree, load_class_folders
from .idx import PARTS as IDX_PARTS, is_idx_folder, load_idx_folder
from .npz import describe_bytes, read_npz_dataset
from .streams import Progress, check_dataset_file

FORMATS_HELP = ("a built-in name (digits, shapes), an .npz, an MNIST-style IDX folder, CIFAR-10 (binary or "
                "python, folder or .tar.gz), a folder of class folders of images, or a Kaggle-style CSV")


def load_dataset(name_or_path: str | os.PathLike, *, seed: int | None = None,
                 image_size: tuple[int, int] | None = None, image_shape: tuple[int, int, int] | None = None,
                 test_fraction: float = 0.2, progress: Progress = None) -> Dataset:
    """Load a built-in dataset by name or any supported dataset file or folder by path.

    Args:
        name_or_path: "digits" (1,797 real 8×8 handwritten digits, 1,437 train / 360 test, fixed split),
            "shapes" (generated 32×32×3 circles, squares, triangles and crosses, 4,000 train / 1,000 test),
            or a path: an .npz (x_train, y_train, x_test, y_test[, class_names]); a folder with MNIST-style
            IDX files (train-images-idx3-ubyte[.gz], …); CIFAR-10's cifar-10-batches-bin / -py folder or
            its .tar.gz; a folder of class folders (DIR/train/<class>/*, DIR/test/<class>/* or
            DIR/<class>/*); a CSV with a label column and one column per pixel. A plain string equal to a
            built-in name means the built-in dataset; pass a ``Path`` to read a file of that name instead.
        seed: "shapes": which generated set (None → 0); class folders and CSV without a test part: the
            seed of the stratified split (None → 0).
        image_size: class folders: resize every image to (n_H, n_W) (default: the most common size).
        image_shape: CSV: (n_H, n_W, n_C) of one row's pixels (default: a square grey image).
        test_fraction: class folders and CSV without a test part: the fraction of each class held out.
        progress: called as progress(fraction 0..1, message) while a file is read — from the thread that
            called load_dataset, so a window can call this in a worker thread and forward the calls. It is
            called between chunks (every few megabytes, CSV lines or images) and may raise LoadCancelled
            (or any exception) to stop the load; the exception propagates out of load_dataset.

    Built-in datasets are cached and returned with read-only arrays. Images from files stay uint8 when
    they are whole 0..255 values (a network sees value/255, see ``engine.data.pixels``).

    What a file declares (array shapes, IDX headers, archive members, image sizes) is checked against the
    memory available (engine.sysmem, CNN_DESIGNER_MEMORY_LIMIT) before it is allocated; a FIFO, socket or
    device is refused before it is opened.

    Raises:
        DatasetError: unknown name, missing, unrecognised, special, oversized or damaged file — one line
            naming the file.
        LoadCancelled: raised by ``progress`` to stop the load.
    """
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_DATASETS:
        return load_builtin(name_or_path, seed)
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
    check_dataset_file(path)       # a FIFO or device is refused before anything opens it
    if not path.exists():
        raise DatasetError(f"{path}: file not found")
    split_seed = 0 if seed is None else int(seed)
    if path.is_dir():
        return _load_folder(path, image_size, test_fraction, split_seed, progress)
    name = path.name.lower()
    if name.endswith(".csv"):
        return load_csv(path, image_shape=image_shape, test_fraction=test_fraction, seed=split_seed,
                        progress=progress)
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        kind = archive_kind(path)
        if kind is None:
            raise DatasetError(f"{path}: not a CIFAR-10 archive (its first entry is not in "
                               f"{' or '.join(CIFAR_FOLDERS.values())}/); the only archives read are CIFAR-10's")
        return load_cifar(path, kind, progress)
    if any(name.startswith(stem) for pair in IDX_PARTS.values() for stem in pair):
        return load_idx_folder(path.parent, progress)   # one of the four IDX files: read its folder
    if name.endswith(".npz") or not _looks_like_text(path):
        return read_npz_dataset(path, progress=progress)
    raise DatasetError(f"{path}: not a dataset this app reads: it is {describe_bytes(_head(path))}, not an .npz "
                       f"file; use {FORMATS_HELP}")


def _load_folder(folder: Path, image_size, test_fraction: float, seed: int, progress: Progress) -> Dataset:
    if is_idx_folder(folder):
        return load_idx_folder(folder, progress)
    for kind, sub in CIFAR_FOLDERS.items():      # the parent of an extracted CIFAR-10 folder works too
        if (folder / sub).is_dir() and not is_idx_folder(folder):
            return load_cifar(folder / sub, kind, progress)
    kind = folder_kind(folder)
    if kind is not None:
        return load_cifar(folder, kind, progress)
    if is_class_folder_tree(folder):
        return load_class_folders(folder, image_size=image_size, test_fraction=test_fraction, seed=seed,
                                  progress=progress)
    raise DatasetError(f"{folder}: no dataset found in this folder: no MNIST-style IDX files, no CIFAR-10 batches "
                       f"and no class subfolders with images (DIR/<class>/*.png or DIR/train/<class>/*)")


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(512)


def _looks_like_text(path: Path) -> bool:
    return describe_bytes(_head(path)) == "a text file"
