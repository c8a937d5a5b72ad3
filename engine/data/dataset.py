"""Dataset: images and integer labels in a training and a test part, in the course's layout (NHWC)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import DatasetError


NO_TEST_IMAGES = ("no test images, so no test accuracy (too few images per class to hold any out, or an "
                  "empty test part)")


@dataclass(eq=False)
class Dataset:
    """Images and integer labels, split into a training and a test part.

    Attributes:
        name: a short name ("digits", "shapes" or the file's / folder's stem).
        x_train: (m_train, n_H, n_W, n_C) uint8 (0..255, used as value/255 — see ``engine.data.pixels``)
            or float32 (used as it is).
        y_train: (m_train,) int64 class indices.
        x_test: (m_test, n_H, n_W, n_C), the same dtype as x_train.
        y_test: (m_test,) int64 class indices.
        class_names: one name per class; label k means class_names[k].
        source: the format it was read from ("MNIST IDX folder", "CIFAR-10 binary archive", ...), "" if made
            in memory.
        notes: what the loader did that a user should know (a resize, a split), shown by ``describe``.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        # What every reader refuses in its own words, refused here too, for datasets made any other way:
        # a dataset with no classes or no training images can't be trained or shown.
        if not len(self.class_names):
            raise DatasetError(f"{self.name}: the dataset has no classes (no class names, no labels)")
        if len(self.y_train) == 0:
            raise DatasetError(f"{self.name}: the dataset has no training images")
        if len(self.y_test) == 0 and NO_TEST_IMAGES not in self.notes:
            self.notes.append(NO_TEST_IMAGES)     # said wherever the notes are shown: CLI, window, describe

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

        Returns ``(x_tr, y_tr, x_val, y_val)``, fresh arrays (never views of the dataset) of the dataset's
        dtypes. Which images go to validation depends only on ``seed`` and the training-set size; both parts
        keep the dataset's order. ``fraction`` 0 gives empty validation arrays of shape (0, n_H, n_W, n_C) and
        (0,). At least one image always stays in the training part.

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

    def class_counts(self, part: str = "train") -> list[int]:
        """Images per class in the "train" or "test" part, one count per class name."""
        y = self.y_train if part == "train" else self.y_test
        return np.bincount(y, minlength=self.num_classes)[: self.num_classes].tolist() if len(y) else \
            [0] * self.num_classes

    def info(self) -> dict:
        """Plain data for the command line's `data --json` and the window: format, shapes, counts, names."""
        return {
            "name": self.name,
            "format": self.source,
            "image_shape": list(self.image_shape),
            "dtype": str(self.x_train.dtype),
            "train_examples": int(len(self.y_train)),
            "test_examples": int(len(self.y_test)),
            "class_names": [str(c) for c in self.class_names],
            "train_counts": self.class_counts("train"),
            "test_counts": self.class_counts("test"),
            "megabytes": round((self.x_train.nbytes + self.x_test.nbytes) / 1e6, 1),
            "notes": list(self.notes),
        }

    def describe(self) -> str:
        """One line, e.g. ``"digits: 8×8×1 images, 1,437 train / 360 test, 10 classes"`` (+ "; " notes)."""
        n_H, n_W, n_C = self.image_shape
        text = (
            f"{self.name}: {n_H}×{n_W}×{n_C} images, {len(self.y_train):,} train / "
            f"{len(self.y_test):,} test, {self.num_classes} classes"
        )
        return "; ".join([text, *self.notes])

    def __repr__(self) -> str:  # the default would print every pixel
        return f"Dataset({self.describe()})"
