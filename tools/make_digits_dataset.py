"""Developer tool: convert scikit-learn's copy of the UCI digits into resources/datasets/digits.npz.

Run once, by hand, from the repository root::

    python3 tools/make_digits_dataset.py

scikit-learn is needed only here; the app never imports it and never runs this script. The output is
committed, so re-running it must give a byte-for-byte identical split: the shuffle is seeded and stratified
(20 % of the images, shared out over the classes in proportion), which yields 1,437 train / 360 test images.

File layout (what ``engine.data`` reads):
    x_train (1437, 8, 8) uint8, values 0..16    y_train (1437,) int64, labels 0..9
    x_test  (360, 8, 8)  uint8, values 0..16    y_test  (360,)  int64
    class_names (10,) str "0".."9"
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SEED = 20240611
TEST_FRACTION = 0.2
OUT = Path(__file__).resolve().parent.parent / "resources" / "datasets" / "digits.npz"


def stratified_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test), both shuffled, with each class's share of the test set as equal as possible.

    The test set has ceil(test_fraction * m) images (360 of 1,797, as sklearn's train_test_split would
    give); they are shared out over the classes by largest remainder, so every class is within one image
    of its exact proportion.
    """
    rng = np.random.default_rng(seed)
    labels, counts = np.unique(y, return_counts=True)
    n_test = int(np.ceil(test_fraction * y.size))
    exact = counts * n_test / y.size
    per_class = np.floor(exact).astype(int)
    short = n_test - per_class.sum()
    per_class[np.argsort(-(exact - per_class), kind="stable")[:short]] += 1
    train, test = [], []
    for label, k in zip(labels, per_class):
        idx = rng.permutation(np.flatnonzero(y == label))
        test.append(idx[:k])
        train.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def main() -> int:
    from sklearn.datasets import load_digits  # dev-only dependency

    digits = load_digits()
    images = digits.images  # (1797, 8, 8) float64 holding whole numbers 0..16
    if not (np.all(images == np.round(images)) and images.min() >= 0 and images.max() <= 16):
        raise SystemExit("unexpected pixel values in sklearn's digits")
    x = images.astype(np.uint8)
    y = digits.target.astype(np.int64)
    train, test = stratified_split(y, TEST_FRACTION, SEED)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        x_train=x[train], y_train=y[train],
        x_test=x[test], y_test=y[test],
        class_names=np.array([str(d) for d in range(10)]),
    )
    print(f"wrote {OUT}: {train.size} train / {test.size} test, {OUT.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
