"""Looking inside a network: pure-NumPy helpers for the "inside" views (filters, feature maps, predictions,
the filter and pooling playgrounds: one filter or pooling window slid over one image, and why a prediction:
`saliency` and `grad_cam`, which live in engine.explanation).

Nothing here draws: these functions turn weights, activations and predictions into arrays that a view
only has to colour. Shapes follow the engine: conv weights ``W`` ``(f, f, n_C_prev, n_C)``, a stack of
tiles ``(N, h, w)`` (one value per pixel) or ``(N, h, w, 3)`` (RGB).
"""
from __future__ import annotations

import math

import numpy as np

from .explanation import (Explanation, default_grad_cam_layer, explain, grad_cam, grad_cam_layers,
                          saliency)
from .functional import conv2d, pool2d
from .shapes import conv_output_size, output_size_formula

__all__ = [
    "Explanation",
    "accuracy_from_confusion",
    "choose_columns",
    "confusion_matrix",
    "convolve_image",
    "default_grad_cam_layer",
    "explain",
    "filter_tiles",
    "filter_matrix_tiles",
    "grad_cam",
    "grad_cam_layers",
    "image_output_formula",
    "misclassified_first",
    "normalize_tiles",
    "pad_image",
    "pool_image",
    "pool_output_formula",
    "rgb_filter_tiles",
    "saliency",
    "to_grey",
    "window_at",
]

NORMALIZE_MODES = ("symmetric", "minmax", "zero_max")


# --------------------------------------------------------------------------------------------------
# Predictions
# --------------------------------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, k: int) -> np.ndarray:
    """Counts ``C[i, j]`` of examples whose true class is ``i`` and predicted class is ``j``.

    ``y_true``, ``y_pred``: ``(m,)`` int class indices in ``0 .. k − 1``. Returns ``(k, k)`` int64; its
    sum is ``m`` and its trace is the number of correct predictions.
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    k = int(k)
    if k < 1:
        raise ValueError(f"the number of classes k must be >= 1, got {k}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (int(y.min()) < 0 or int(y.max()) >= k):
            raise ValueError(f"{name} holds class {int(y.min()) if int(y.min()) < 0 else int(y.max())}, "
                             f"outside 0..{k - 1}")
    flat = y_true.astype(np.int64) * k + y_pred.astype(np.int64)
    return np.bincount(flat, minlength=k * k).reshape(k, k).astype(np.int64)


def accuracy_from_confusion(cm) -> float:
    """Diagonal sum / total of a confusion matrix (nan when it counts nothing)."""
    cm = np.asarray(cm)
    total = int(cm.sum())
    return float(np.trace(cm)) / total if total else float("nan")


def misclassified_first(y_true, y_pred, confidence=None) -> np.ndarray:
    """Indices ``(m,)`` in the order worth looking at: wrong predictions first, then right ones.

    With ``confidence`` ``(m,)`` (the probability of the predicted class) the wrong ones come most
    confident first (the network was sure and wrong) and the right ones least confident first (the near
    misses); without it both groups keep the dataset's order. Ties keep the dataset's order.
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    wrong = y_true != y_pred
    if confidence is None:
        key = np.zeros(y_true.shape, dtype=np.float64)
    else:
        confidence = np.asarray(confidence, dtype=np.float64).reshape(-1)
        if confidence.shape != y_true.shape:
            raise ValueError(f"confidence has {confidence.size} values for {y_true.size} labels")
        key = np.where(wrong, -confidence, confidence)
    # lexsort: last key is primary. Right (1) after wrong (0); then by key; stable for ties.
    return np.lexsort((np.arange(y_true.size), key, (~wrong).astype(np.int8))).astype(np.int64)


# --------------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------------

def _check_W(W) -> np.ndarray:
    W = np.asarray(W)
    if W.ndim != 4 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be (f, f, n_C_prev, n_C), got shape {W.shape}")
    return W


def filter_tiles(W, channel: int) -> np.ndarray:
    """The ``n_C`` filters of a conv layer seen through one input channel: ``(n_C, f, f)``.

    ``W[:, :, channel, k]`` is tile ``k``.
    """
    W = _check_W(W)
    n_C_prev = W.shape[2]
    if not 0 <= channel < n_C_prev:
        raise ValueError(f"input channel {channel} is outside 0..{n_C_prev - 1}")
    return np.ascontiguousarray(np.moveaxis(W[:, :, channel, :], -1, 0))


def filter_matrix_tiles(W) -> np.ndarray:
    """Every ``f × f`` slice of a conv layer: ``(n_C_prev · n_C, f, f)``, row-major over
    (input channel, filter), i.e. tile ``c · n_C + k`` is ``W[:, :, c, k]``."""
    W = _check_W(W)
    f, _, n_C_prev, n_C = W.shape
    return np.ascontiguousarray(W.transpose(2, 3, 0, 1)).reshape(n_C_prev * n_C, f, f)


def depthwise_filter_tiles(W) -> np.ndarray:
    """A depthwise layer's filters, one ``f × f`` filter per input channel (× multiplier):
    ``(n_C · multiplier, f, f)`` from W ``(f, f, n_C, multiplier)``; tile ``c · multiplier + k`` is
    ``W[:, :, c, k]``, the filter that makes output channel ``c · multiplier + k``."""
    W = _check_W(W)
    f, _, n_C, multiplier = W.shape
    return np.ascontiguousarray(W.transpose(2, 3, 0, 1)).reshape(n_C * multiplier, f, f)


def rgb_filter_tiles(W) -> np.ndarray:
    """First-layer filters over an RGB input as colour images: ``(n_C, f, f, 3)`` in ``[0, 1]``.

    Each filter is scaled on its own (its smallest weight → 0, its largest → 1), the usual way to look
    at learned first-layer filters; a constant filter becomes mid-grey 0.5.
    """
    W = _check_W(W)
    if W.shape[2] != 3:
        raise ValueError(f"RGB display needs n_C_prev = 3 input channels, W has {W.shape[2]}")
    tiles = np.moveaxis(W, -1, 0).astype(np.float64)        # (n_C, f, f, 3)
    return normalize_tiles(tiles, "minmax", per_tile=True)


# --------------------------------------------------------------------------------------------------
# Display scaling
# --------------------------------------------------------------------------------------------------

def normalize_tiles(tiles, mode: str = "minmax", per_tile: bool = True, levels=None) -> np.ndarray:
    """Scale a stack of tiles ``(N, ...)`` to ``[0, 1]`` for display (float64, same shape).

    mode:
        ``"symmetric"``  zero ↦ 0.5 and ±max|t| ↦ 0 / 1: for signed values on a diverging colour map
        ``"minmax"``     min ↦ 0, max ↦ 1
        ``"zero_max"``   0 ↦ 0, max ↦ 1 (negative values clip to 0): for ReLU activations
    per_tile: each tile gets its own scale; otherwise one scale for the whole stack.
    levels: an explicit ``(low, high)`` (``"minmax"``, ``"zero_max"``) or ``high`` (``"symmetric"``,
        meaning ``±high``) for all tiles; overrides ``per_tile``.

    A tile with no spread (all equal) maps to 0.5 (symmetric with all zeros, or minmax) or 0 (zero_max).
    """
    if mode not in NORMALIZE_MODES:
        raise ValueError(f"mode must be one of {NORMALIZE_MODES}, got {mode!r}")
    t = np.asarray(tiles, dtype=np.float64)
    if t.ndim < 1:
        raise ValueError("tiles must be a stack (N, ...)")
    n = t.shape[0]
    if n == 0:
        return t.copy()
    axes = tuple(range(1, t.ndim)) if per_tile else tuple(range(t.ndim))
    shape = (n,) + (1,) * (t.ndim - 1) if per_tile else (1,) * t.ndim

    def reduce(fn, a):
        return fn(a, axis=axes).reshape(shape) if a.size else np.zeros(shape)

    if mode == "symmetric":
        if levels is not None:
            high = np.full(shape, float(np.max(np.abs(levels))))
        else:
            high = reduce(np.max, np.abs(t))
        safe = np.where(high > 0, high, 1.0)
        out = 0.5 + 0.5 * t / safe
    else:
        if levels is not None:
            low, high = (float(levels[0]), float(levels[1]))
            low, high = np.full(shape, low), np.full(shape, high)
        elif mode == "minmax":
            low, high = reduce(np.min, t), reduce(np.max, t)
        else:
            low, high = np.zeros(shape), reduce(np.max, t)
        span = high - low
        flat = span <= 0
        out = (t - low) / np.where(flat, 1.0, span)
        if mode == "minmax":
            out = np.where(flat, 0.5, out)
        else:
            out = np.where(flat, 0.0, out)
    return np.clip(out, 0.0, 1.0)


def to_grey(x) -> np.ndarray:
    """RGB ``(..., 3)`` → luminance ``(...)`` with the ITU-R BT.601 weights (0.299, 0.587, 0.114)."""
    x = np.asarray(x)
    if x.shape[-1] != 3:
        raise ValueError(f"to_grey needs a last axis of 3 (RGB), got shape {x.shape}")
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float64)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return (x @ weights).astype(dtype, copy=False)


def choose_columns(n: int, tile_aspect: float = 1.0, area_aspect: float = 1.6) -> int:
    """Columns for a grid of ``n`` tiles (each ``tile_aspect`` = width/height) that best fills an area of
    ``area_aspect`` = width/height: ``ceil(sqrt(n · area_aspect / tile_aspect))``, at most ``n``."""
    if n <= 0:
        return 1
    cols = math.ceil(math.sqrt(n * max(area_aspect, 1e-3) / max(tile_aspect, 1e-3)))
    cols = max(1, min(n, cols))
    # Drop columns that only leave the last row emptier without saving a row.
    rows = math.ceil(n / cols)
    while cols > 1 and math.ceil(n / (cols - 1)) == rows:
        cols -= 1
    return cols


# --------------------------------------------------------------------------------------------------
# The playgrounds: one f×f filter or pooling window slid over one image, with the network's own kernels
# --------------------------------------------------------------------------------------------------

def pad_image(image, p: int) -> np.ndarray:
    """``image`` ``(n_H, n_W)`` or ``(n_H, n_W, n_C)`` with ``p`` rows and columns of zeros on each side:
    ``(n_H + 2p, n_W + 2p)`` or ``(n_H + 2p, n_W + 2p, n_C)``, float64."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim not in (2, 3):
        raise ValueError(f"an image must be (n_H, n_W) or (n_H, n_W, n_C), got shape {x.shape}")
    if p < 0:
        raise ValueError(f"padding p must be ≥ 0, got {p}")
    return np.pad(x, ((p, p), (p, p)) + ((0, 0),) * (x.ndim - 2))


def window_at(image, i: int, j: int, f: int, s: int, p: int) -> tuple[np.ndarray, int, int]:
    """The ``f × f`` window of ``image`` that output cell ``(i, j)`` of a stride-``s`` convolution with padding
    ``p`` is computed from: ``(window, top, left)``.

    ``window`` is ``(f, f)`` or ``(f, f, n_C)`` (zeros where it covers the padding); ``(top, left)`` is its
    corner in the image's own coordinates, negative inside the padding: top = i·s − p, left = j·s − p.
    """
    window = pad_image(image, p)[i * s:i * s + f, j * s:j * s + f]
    if window.shape[:2] != (f, f):
        raise ValueError(f"output cell ({i}, {j}) is outside the output of this {f}×{f} window, s = {s}, p = {p}")
    return window, i * s - p, j * s - p


def convolve_image(image, filt, stride: int = 1, p: int = 0) -> np.ndarray:
    """One ``f × f`` filter slid over a grey ``(n_H, n_W)`` or colour ``(n_H, n_W, n_C)`` image with the
    network's own ``conv2d`` (the filter repeated over the channels and their sums added, no bias).

    Returns ``(o_H, o_W)`` float64 with o = ⌊(n + 2p − f)/s⌋ + 1; ValueError (conv2d's message) when the
    settings can't work.
    """
    x = np.asarray(image, dtype=np.float64)
    A = x[np.newaxis] if x.ndim == 3 else x[np.newaxis, :, :, np.newaxis]      # a batch of one
    filt = np.asarray(filt, dtype=np.float64)
    W = np.repeat(filt[:, :, np.newaxis, np.newaxis], A.shape[3], axis=2)      # (f, f, n_C, 1)
    return np.asarray(conv2d(A, W, np.zeros(1), stride=stride, pad=p)[0, :, :, 0], dtype=np.float64)


def pool_image(image, f: int, stride: int, mode: str = "max") -> np.ndarray:
    """Max or average pooling of one ``(n_H, n_W)`` matrix with the network's own ``pool2d``: ``(o_H, o_W)``
    float64, o = ⌊(n − f)/s⌋ + 1. ValueError when the window is larger than the matrix."""
    x = np.asarray(image, dtype=np.float64)
    n_H, n_W = x.shape
    if f > min(n_H, n_W):
        raise ValueError(f"The pool window {f} is larger than the {n_H}×{n_W} input; use a smaller f.")
    return np.asarray(pool2d(x[np.newaxis, :, :, np.newaxis], f=f, stride=stride, mode=mode)[0, :, :, 0],
                      dtype=np.float64)


def image_output_formula(n_H: int, n_W: int, f: int, p: int | None, s: int) -> str:
    """The output-size formula of an ``f × f`` window with stride ``s`` and padding ``p`` over an
    ``n_H × n_W`` image, numbers filled in (engine.shapes.output_size_formula): one side for a square
    image, "n_H: …,  n_W: …" otherwise; p None (a padding that can't be resolved) leaves p a letter."""
    if n_H == n_W or p is None:
        return output_size_formula(n_H, f, p, s)
    return f"n_H: {output_size_formula(n_H, f, p, s)},  n_W: {output_size_formula(n_W, f, p, s)}"


def pool_output_formula(n_H: int, n_W: int, f: int, s: int) -> str:
    """Pooling's output-size formula as the course writes it, without padding: "⌊(4 − 2)/2⌋ + 1 = 2",
    and the width's too when it differs."""
    text = f"⌊({n_H} − {f})/{s}⌋ + 1 = {conv_output_size(n_H, f, 0, s)}"
    if n_H != n_W:
        text += f",  ⌊({n_W} − {f})/{s}⌋ + 1 = {conv_output_size(n_W, f, 0, s)}"
    return text
