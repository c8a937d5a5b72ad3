"""Class folders of images: DIR/train/<class>/*, DIR/test/<class>/* — or DIR/<class>/*, split here.

Images are PNG, JPEG, BMP or GIF, decoded with Pillow (no Qt in the engine). Class names are the sorted
folder names. All-grey images give n_C = 1; if any image has colour, every image is read as RGB (n_C = 3).
Images of different sizes are resized (bilinear) to the most common size, or to ``image_size`` when given;
the dataset's notes say so. Images come out (m, n_H, n_W, n_C) uint8, labels (m,) int64.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import DatasetError, short
from .labels import stratified_split
from .streams import Progress, no_progress

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")


def _class_dirs(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def is_class_folder_tree(folder: Path) -> bool:
    """True when ``folder`` has train/ and test/ subfolders or any subfolder holding images."""
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        return True
    return any(_images_in(d) for d in _class_dirs(folder))


def load_class_folders(folder: Path, *, image_size: tuple[int, int] | None = None, test_fraction: float = 0.2,
                       seed: int = 0, progress: Progress = None) -> Dataset:
    """Read a tree of class folders (see the module docstring).

    Args:
        image_size: (n_H, n_W) to resize every image to; None → the most common size.
        test_fraction, seed: the stratified split of a DIR/<class>/* layout (ignored with train/ and test/).

    Raises:
        DatasetError: no class subfolders, a class folder without images, a test class unknown to the
            training part, an image Pillow cannot read (naming the file).
    """
    report = progress or no_progress
    notes = []
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        class_names = [d.name for d in _class_dirs(folder / "train")]
        train_files, y_train = _list_files(folder / "train", class_names)
        test_names = [d.name for d in _class_dirs(folder / "test")]
        unknown = sorted(set(test_names) - set(class_names))
        if unknown:
            raise DatasetError(f"{folder / 'test' / unknown[0]}: class {unknown[0]!r} has no folder in "
                               f"{folder / 'train'}")
        test_files, y_test = _list_files(folder / "test", class_names, must_fill=False)
        files, y = train_files + test_files, np.concatenate([y_train, y_test])
        n_train = len(train_files)
    else:
        class_names = [d.name for d in _class_dirs(folder)]
        files, y = _list_files(folder, class_names)
        train_idx, test_idx = stratified_split(y, test_fraction, seed)
        order = np.concatenate([train_idx, test_idx])
        files, y = [files[i] for i in order], y[order]
        n_train = len(train_idx)
        notes.append(f"no train/test folders: {test_fraction:g} of each class held out for test (seed {seed})")
    x = _decode_all(files, image_size, notes, report)
    report(1.0, "done")
    return Dataset(folder.resolve().name, x[:n_train], y[:n_train], x[n_train:], y[n_train:], class_names,
                   source="class folders of images", notes=notes)


def _list_files(root: Path, class_names: list[str], must_fill: bool = True) -> tuple[list[Path], np.ndarray]:
    if not class_names:
        raise DatasetError(f"{root}: no class subfolders (expected {root}/<class>/<image files>)")
    files, labels = [], []
    for label, name in enumerate(class_names):
        if not (root / name).is_dir():
            continue
        found = _images_in(root / name)
        if not found and must_fill:
            raise DatasetError(f"{root / name}: no images ({', '.join(IMAGE_SUFFIXES)}) in this class folder")
        files += found
        labels += [label] * len(found)
    return files, np.array(labels, dtype=np.int64)


def _decode_all(files: list[Path], image_size, notes: list[str], report) -> np.ndarray:
    """Two passes: headers first (mode and size, cheap), then decode each image into its row of the result."""
    from PIL import Image, UnidentifiedImageError   # imported on use: other formats don't need Pillow

    errors = (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError)
    sizes, colour = [], False
    for file in files:
        try:
            with Image.open(file) as image:
                sizes.append((image.height, image.width))
                colour = colour or image.mode not in GREY_MODES
        except errors as exc:
            raise DatasetError(f"{file}: not a readable image ({short(exc)})") from None
    counts = Counter(sizes)
    if image_size is None:
        target = counts.most_common(1)[0][0]
        if len(counts) > 1:
            notes.append(f"{len(files) - counts[target]:,} image(s) of other sizes resized to the most common size "
                         f"{target[0]}×{target[1]}")
    else:
        target = tuple(int(v) for v in image_size)
        if any(size != target for size in counts):
            notes.append(f"images resized to {target[0]}×{target[1]}")
    n_C = 3 if colour else 1
    out = np.empty((len(files), target[0], target[1], n_C), dtype=np.uint8)
    for i, file in enumerate(files):
        if i % 256 == 0:
            report(i / max(len(files), 1), f"decoding {file.name}")
        try:
            with Image.open(file) as image:
                image = image.convert("RGB" if colour else "L")
                if (image.height, image.width) != target:
                    image = image.resize((target[1], target[0]), Image.BILINEAR)
                out[i] = np.asarray(image, dtype=np.uint8).reshape(target[0], target[1], n_C)
        except errors as exc:
            raise DatasetError(f"{file}: not a readable image ({short(exc)})") from None
    return out
