"""The built-in datasets: "digits" (real 8×8 handwritten digits, bundled) and "shapes" (generated 32×32×3).

They are cached in memory and their arrays are read-only (see ``engine.data`` for why). Both are float32:
digits are 0..16 counts scaled to [0, 1], shapes are drawn in float.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path

import numpy as np

from ..resources import dataset_path
from .dataset import Dataset
from .errors import DatasetError
from .npz import read_npz_dataset

BUILTIN_DATASETS = ("digits", "shapes")
# What each built-in holds, known without reading or generating it: (image shape, class count).
BUILTIN_FACTS = {"digits": ((8, 8, 1), 10), "shapes": ((32, 32, 3), 4)}

SHAPE_CLASSES = ("circle", "square", "triangle", "cross")
DEFAULT_SHAPES_SEED = 0


def digits_file() -> Path:
    """Where the bundled digits .npz lives (resources/datasets/digits.npz; see engine.resources)."""
    return dataset_path("digits.npz")


def load_builtin(name: str, seed: int | None = None) -> Dataset:
    """A fresh Dataset around the cached read-only arrays of built-in ``name`` ("digits" or "shapes")."""
    if name == "digits":
        cached = _cached_digits()
    else:
        cached = _cached_shapes(DEFAULT_SHAPES_SEED if seed is None else seed)
    # A new Dataset each call: reassigning an attribute or editing class_names can't reach the cache.
    return dataclasses.replace(cached, class_names=list(cached.class_names), notes=list(cached.notes))



def _freeze(ds: Dataset) -> Dataset:
    for array in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        array.flags.writeable = False
    return ds


@functools.lru_cache(maxsize=1)
def _cached_digits() -> Dataset:
    """The UCI handwritten digits (see resources/datasets/README.md); pixels 0..16 → [0, 1]."""
    path = digits_file()
    if not path.exists():
        raise DatasetError(f"{path}: the built-in digits dataset is missing from the installation")
    return _freeze(dataclasses.replace(read_npz_dataset(path, name="digits", pixel_max=16), source="built-in"))


@functools.lru_cache(maxsize=4)
def _cached_shapes(seed: int) -> Dataset:
    return _freeze(dataclasses.replace(make_shapes(seed=seed), source="built-in"))


def make_shapes(n_train: int = 4000, n_test: int = 1000, size: int = 32, seed: int = 0) -> Dataset:
    """Generate colour images of four shape classes: circle, square, triangle, cross (labels 0..3).

    Each image has one shape, 30–70 % of the image wide, anywhere it fits, in a random colour on a random
    background, with Gaussian noise. Three images in four are bright on dark, the rest dark on light, so
    shape and background always differ by at least 0.35 in some colour channel. Edges are anti-aliased
    (pixel coverage from a signed distance). Classes are exactly balanced within each part (up to
    rounding) and the result depends only on the arguments.

    Returns:
        Dataset "shapes": x (m, size, size, 3) float32 in [0, 1], y (m,) int64.
    """
    for arg, value, low in (("n_train", n_train, 1), ("n_test", n_test, 1), ("size", size, 12)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise DatasetError(f"make_shapes: {arg} must be a whole number ≥ {low}, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"make_shapes: seed must be a whole number ≥ 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    k = len(SHAPE_CLASSES)
    y_train = rng.permutation(np.arange(n_train) % k).astype(np.int64)
    y_test = rng.permutation(np.arange(n_test) % k).astype(np.int64)
    x = _draw_shapes(np.concatenate([y_train, y_test]), int(size), rng)
    return Dataset(
        name="shapes",
        x_train=x[:n_train], y_train=y_train,
        x_test=x[n_train:], y_test=y_test,
        class_names=list(SHAPE_CLASSES),
    )


def _draw_shapes(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """(m,) labels → (m, size, size, 3) float32 images; whole-array numpy, no per-pixel Python loops."""
    m = labels.shape[0]
    f32 = np.float32
    # Per-image parameters, drawn in a fixed order so a seed always means the same images.
    extent = rng.uniform(0.30, 0.70, m) * size                 # width of the shape's bounding box
    cx = rng.uniform(0.0, 1.0, m) * (size - extent) + extent / 2
    cy = rng.uniform(0.0, 1.0, m) * (size - extent) + extent / 2
    dark_bg = rng.random(m) < 0.75
    hue_fg = rng.random((m, 3))
    hue_bg = rng.random((m, 3))
    bright = rng.uniform(0.70, 1.00, m)
    dim = rng.uniform(0.00, 0.35, m)
    noise_sigma = rng.uniform(0.01, 0.05, m).astype(f32)

    # A colour with max channel v: random hue/saturation scaled so its brightest channel is exactly v.
    def colour(hue: np.ndarray, v: np.ndarray) -> np.ndarray:
        return hue / np.maximum(hue.max(axis=1, keepdims=True), 1e-6) * v[:, None]

    pale = 1.0 - 0.4 * hue_bg                                  # light backgrounds are low-saturation
    fg = np.where(dark_bg[:, None], colour(hue_fg, bright), colour(hue_fg, dim))
    bg = np.where(dark_bg[:, None], colour(hue_bg, dim), colour(pale, bright))

    fg = fg.astype(f32)
    bg = bg.astype(f32)
    half = (extent / 2).astype(f32)
    cx, cy = cx.astype(f32), cy.astype(f32)

    # Whole-array work in chunks: the same result as one pass, at a fraction of the peak memory.
    images = np.empty((m, size, size, 3), dtype=f32)
    for lo in range(0, m, _SHAPES_CHUNK):
        part = slice(lo, min(lo + _SHAPES_CHUNK, m))
        dist = _signed_distance(labels[part], cx[part], cy[part], half[part], size)
        cover = np.clip(f32(0.5) - dist, 0.0, 1.0)[..., None]          # (k, size, size, 1)
        out = images[part]
        np.multiply(cover, (fg[part] - bg[part])[:, None, None, :], out=out)
        out += bg[part][:, None, None, :]
        noise = rng.standard_normal(out.shape, dtype=f32)
        noise *= noise_sigma[part][:, None, None, None]
        out += noise
        np.clip(out, 0.0, 1.0, out=out)
    return images


_SHAPES_CHUNK = 512


def _signed_distance(labels: np.ndarray, cx: np.ndarray, cy: np.ndarray, half: np.ndarray, size: int) -> np.ndarray:
    """Signed distance (pixels, negative inside) from each pixel centre to the shape outline.

    labels, cx, cy, half: (k,) — class, centre and half-width of each image's shape → (k, size, size) float32.
    Exact for the circle; the max/min of edge distances for the polygons, which is exact near the outline,
    the only place the 1-pixel anti-aliasing looks at.
    """
    f32 = np.float32
    grid = np.arange(size, dtype=f32) + f32(0.5)                     # pixel centres
    dx = np.abs(grid[None, None, :] - cx[:, None, None])             # (k, 1, size)
    dy = grid[None, :, None] - cy[:, None, None]                     # (k, size, 1), + is downwards
    half = half[:, None, None]
    dist = np.empty((labels.shape[0], size, size), dtype=f32)
    sel = labels == 0                                                 # circle of diameter 2·half
    dist[sel] = np.sqrt(dx[sel] ** 2 + dy[sel] ** 2) - half[sel]
    sel = labels == 1                                                 # axis-aligned square
    dist[sel] = np.maximum(dx[sel], np.abs(dy[sel])) - half[sel]
    sel = labels == 2                                                 # upright isosceles triangle
    # Apex (0, −half), base corners (±half, +half): the slanted edges have outward normal (2, −1)/√5.
    slant = (2 * dx[sel] - (dy[sel] + half[sel])) / f32(math.sqrt(5.0))
    dist[sel] = np.maximum(slant, dy[sel] - half[sel])
    sel = labels == 3                                                 # plus sign, arms a third as thick as wide
    arm = np.maximum(half[sel] / 3, f32(1.0))
    adx, ady = dx[sel], np.abs(dy[sel])
    dist[sel] = np.minimum(np.maximum(adx - half[sel], ady - arm), np.maximum(adx - arm, ady - half[sel]))
    return dist
