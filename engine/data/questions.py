"""What to ask before reading a dataset whose reading takes a choice: the command line's --image-shape,
--image-size and --test-fraction as questions with suggested answers, so a window can ask them in a dialog.

    questions = reading_questions(path)    # None: read it as it is
    if questions:  ...ask..., then load_dataset(path, **answers)   # image_shape / image_size / test_fraction

Asked: a CSV whose pixel columns are not a square grey image (a colour or non-square one: its image shape,
suggested (s, s, 3) when the count is 3·s²); class folders whose images have different sizes (the size to
resize them to, suggested the most common one); and with either, the fraction held out for test when there
is no test part. Cheap: a CSV's header line, the images' headers (Pillow reads no pixels for them).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .cifar import FOLDERS as CIFAR_FOLDERS, folder_kind
from .csv_format import sibling_test_file
from .errors import DatasetError
from .folders import IMAGE_SUFFIXES, is_class_folder_tree
from .idx import is_idx_folder

HEADER_BYTES = 1 << 20       # a CSV header longer than this is not read here (the reader says what is wrong)
DEFAULT_TEST_FRACTION = 0.2


@dataclass(frozen=True)
class ReadingQuestions:
    """What to ask about `path`: `reason` says why; each field not None is a question with its suggestion."""

    path: Path
    reason: str
    pixel_columns: int = 0                              # CSV: the pixels of one row
    image_shape: tuple[int, int, int] | None = None     # CSV: suggested (n_H, n_W, n_C); None: nothing fits
    ask_shape: bool = False
    image_size: tuple[int, int] | None = None           # class folders: suggested (n_H, n_W)
    sizes: dict = field(default_factory=dict)           # class folders: {(n_H, n_W): image count}
    test_fraction: float | None = None                  # asked when there is no test part

    def options(self, image_shape=None, image_size=None, test_fraction=None) -> dict:
        """load_dataset's keyword arguments for the answers (the suggestions where an answer is None)."""
        out = {}
        if self.ask_shape:
            out["image_shape"] = tuple(image_shape or self.image_shape)
        if self.image_size is not None:
            out["image_size"] = tuple(image_size or self.image_size)
        if self.test_fraction is not None:
            out["test_fraction"] = float(test_fraction if test_fraction is not None else self.test_fraction)
        return out


def reading_questions(path) -> ReadingQuestions | None:
    """The questions to ask before reading `path` (see the module docstring); None when there are none."""
    path = Path(path)
    if path.is_file() and path.name.lower().endswith(".csv"):
        return _csv_questions(path)
    if path.is_dir() and not is_idx_folder(path) and folder_kind(path) is None \
            and not any((path / sub).is_dir() for sub in CIFAR_FOLDERS.values()) and is_class_folder_tree(path):
        return _folder_questions(path)
    return None


def suggested_shape(pixels: int) -> tuple[int, int, int] | None:
    """A square grey (s, s, 1) or colour (s, s, 3) image of `pixels` values, or None."""
    for channels in (1, 3):
        if pixels % channels == 0:
            side = math.isqrt(pixels // channels)
            if side > 0 and side * side * channels == pixels:
                return side, side, channels
    return None


def _csv_questions(path: Path) -> ReadingQuestions | None:
    try:
        with open(path, "rb") as handle:
            first = handle.read(HEADER_BYTES).split(b"\n", 1)[0]
    except OSError:
        return None
    names = [name.strip().strip('"').lower() for name in first.decode("utf-8-sig", "replace").split(",")]
    if "label" not in names:
        return None                      # the reader says what is wrong with it
    pixels = len(names) - 1
    if pixels <= 0 or suggested_shape(pixels) == (math.isqrt(pixels), math.isqrt(pixels), 1):
        return None                      # a square grey image: nothing to ask
    shape = suggested_shape(pixels)
    what = "a square colour image" if shape else "not a square image"
    return ReadingQuestions(path, f"{path.name}: {pixels:,} pixel columns, {what}: which image shape?",
                            pixel_columns=pixels, image_shape=shape, ask_shape=True,
                            test_fraction=None if sibling_test_file(path) else DEFAULT_TEST_FRACTION)


def _folder_questions(folder: Path) -> ReadingQuestions | None:
    from PIL import Image, UnidentifiedImageError   # imported on use, as the folder reader does

    split = (folder / "train").is_dir() and (folder / "test").is_dir()
    roots = [folder / "train", folder / "test"] if split else [folder]
    sizes: Counter = Counter()
    for root in roots:
        for class_dir in (d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")):
            for file in class_dir.iterdir():
                if not (file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES):
                    continue
                try:
                    with Image.open(file) as image:
                        sizes[(image.height, image.width)] += 1
                except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
                    continue             # the reader names the file that can't be read
    if len(sizes) < 2:
        return None
    listed = ", ".join(f"{h}×{w} ({n:,})" for (h, w), n in sizes.most_common(4))
    more = f" and {len(sizes) - 4} more" if len(sizes) > 4 else ""
    return ReadingQuestions(folder, f"{folder.name}: images of {len(sizes)} sizes ({listed}{more}): which size "
                            "should every image be resized to?", image_size=sizes.most_common(1)[0][0],
                            sizes=dict(sizes), test_fraction=None if split else DEFAULT_TEST_FRACTION)


def check_answers(questions: ReadingQuestions, options: dict) -> None:
    """DatasetError unless `options` answer `questions` sensibly (a shape with the CSV's pixel count)."""
    shape = options.get("image_shape")
    if shape is not None and math.prod(shape) != questions.pixel_columns:
        raise DatasetError(f"{questions.path.name}: an image of {'×'.join(map(str, shape))} has "
                           f"{math.prod(shape):,} pixels but each row has {questions.pixel_columns:,}")
    fraction = options.get("test_fraction")
    if fraction is not None and not 0 < fraction < 1:
        raise DatasetError(f"the test fraction must be between 0 and 1 (not included), got {fraction:g}")
