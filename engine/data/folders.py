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

from ..kinds.checks import MAX_IMAGE_SIDE
from .dataset import Dataset
from .errors import DatasetError, check_fits, short
from .labels import stratified_split
from .streams import Progress, check_dataset_file, no_progress

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")


def _class_dirs(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def _images_in(folder: Path) -> list[Path]:
    """The image files of a class folder; a FIFO, socket or device with an image's name is refused."""
    found = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir():
            check_dataset_file(p)
            if p.is_file():
                found.append(p)
    return found


def to_8_bits(image):
    """A Pillow image with 8-bit channels: 16-bit greys ("I;16", or "I" holding values above 255) are scaled
    from 0..65535 to 0..255 (Pillow's own convert would clip them to 0 and 255); others are returned as
    they are."""
    from PIL import Image

    if image.mode.startswith("I;16") or (image.mode == "I" and image.getextrema()[1] > 255):
        values = np.asarray(image, dtype=np.int64)
        scaled = (np.clip(values, 0, 65535) * 255 + 32767) // 65535
        return Image.fromarray(scaled.astype(np.uint8), "L")
    return image


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
    if image_size is not None:
        image_size = tuple(int(v) for v in image_size)
        if len(image_size) != 2 or not all(1 <= v <= MAX_IMAGE_SIDE for v in image_size):
            raise DatasetError(f"{folder}: image size {'×'.join(map(str, image_size))}: each side must be 1 to "
                               f"{MAX_IMAGE_SIDE:,} pixels")
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
    x = _decode_all(files, image_size, notes, report, str(folder))
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


def _decode_all(files: list[Path], image_size, notes: list[str], report, where: str) -> np.ndarray:
    """Two passes: headers first (mode and size, cheap), then decode each image into its row of the result."""
    from PIL import Image, UnidentifiedImageError   # imported on use: other formats don't need Pillow

    errors = (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError)
    sizes, colour = [], False
    for i, file in enumerate(files):
        if i % 64 == 0:
            report(0.1 * i / max(len(files), 1), "reading the image headers")
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
    # Before allocating: the result, plus the largest picture decoded (4 bytes a pixel at most).
    largest = max(h * w for h, w in counts)
    check_fits(len(files) * target[0] * target[1] * n_C + 4 * largest, where,
               f"{len(files):,} images of {target[0]}×{target[1]}×{n_C}")
    out = np.empty((len(files), target[0], target[1], n_C), dtype=np.uint8)
    for i, file in enumerate(files):
        report(0.1 + 0.9 * i / max(len(files), 1), f"decoding {file.name}")
        try:
            with Image.open(file) as image:
                image = to_8_bits(image).convert("RGB" if colour else "L")
                if (image.height, image.width) != target:
                    image = image.resize((target[1], target[0]), Image.BILINEAR)
                out[i] = np.asarray(image, dtype=np.uint8).reshape(target[0], target[1], n_C)
        except errors as exc:
            raise DatasetError(f"{file}: not a readable image ({short(exc)})") from None
    return out
