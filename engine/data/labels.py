"""Label sanity and the seeded stratified split, shared by every loader.

A label defines how many classes a dataset has, so one stray value (1,000,000,000) must be refused from the
labels' min and max alone, before anything is allocated per class.
"""
from __future__ import annotations

import numpy as np

from .errors import DatasetError

MAX_CLASSES = 100_000


def check_label_range(y: np.ndarray, where: str, *, n_images: int, n_names: int | None = None) -> int:
    """Check int labels (m,) and return the number of classes they need (max + 1).

    Args:
        y: int64 labels.
        where: names the file and part in messages, e.g. "data/mnist: t10k-labels-idx1-ubyte".
        n_images: images in the whole dataset (train + test): without class names, labels may not claim
            more classes than there are images.
        n_names: the number of class names the file gives, when it gives them; labels must index them.

    Raises:
        DatasetError: a negative label, a label outside the class names, or one implying more classes than
            images or than MAX_CLASSES.
    """
    if y.size == 0:
        return 0
    low, high = int(y.min()), int(y.max())
    if low < 0:
        raise DatasetError(f"{where}: label {low} is negative; labels must be class indices ≥ 0")
    if n_names is not None:
        if high >= n_names:
            raise DatasetError(f"{where}: label {high:,} is outside the {n_names:,} class names (0..{n_names - 1})")
        return n_names
    if high >= MAX_CLASSES:
        raise DatasetError(f"{where}: label {high:,} would mean {high + 1:,} classes (at most {MAX_CLASSES:,})")
    if high + 1 > n_images:
        raise DatasetError(f"{where}: label {high:,} would mean {high + 1:,} classes, more than the "
                           f"{n_images:,} images; is the label column right?")
    return high + 1


def stratified_split(y: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of indices 0..m-1 into (train, test), taking ``fraction`` of every class for test.

    Each class gives round(fraction · count) images to the test part but always keeps one for training.
    Both index arrays are sorted, so both parts keep the original order. Depends only on y, fraction, seed.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < float(fraction) < 1:
        raise DatasetError(f"test fraction must be a number between 0 and 1 (exclusive), got {fraction!r}")
    rng = np.random.default_rng(seed)
    test_parts = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = min(int(round(float(fraction) * len(members))), len(members) - 1)
        test_parts.append(rng.permutation(members)[:n_test])
    test = np.sort(np.concatenate(test_parts)) if test_parts else np.zeros(0, np.int64)
    keep = np.ones(len(y), dtype=bool)
    keep[test] = False
    return np.flatnonzero(keep), test
