"""Heat maps for display: a saliency or Grad-CAM map scaled to [0, 1], resized to the picture, coloured and
laid over the image. Pure NumPy, so the window and the command line's PNG show the same colours.

Images are (H, W, C) with C = 1 (grey), 3 (RGB) or any other count (shown as the channels' mean); maps are
(h, w) with values ≥ 0 (saliency, Grad-CAM). Pictures are (H', W', 3) floats in [0, 1].
"""
from __future__ import annotations

import numpy as np

__all__ = ["HEAT_STOPS", "display_image", "scale_map", "resize_bilinear", "resize_nearest", "heat_colours",
           "heat_overlay", "peak", "to_uint8"]

# The colours of the Grad-CAM paper's figures (jet): dark blue (nothing) → cyan → yellow → red (most). Red
# stays visible over the white strokes of a digit, which a black-to-white ramp would not.
HEAT_STOPS = np.array([[0, 0, 128], [0, 0, 255], [0, 128, 255], [0, 255, 255], [128, 255, 128],
                       [255, 255, 0], [255, 128, 0], [255, 0, 0], [128, 0, 0]], dtype=np.float64) / 255


def display_image(image) -> np.ndarray:
    """An image (H, W, C) as RGB (H, W, 3) in [0, 1]: uint8 pixels / 255; float pixels as they are when
    they lie in [0, 1], else stretched from their min to their max (a normalised dataset)."""
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"an image must be (H, W, C), got shape {image.shape}")
    if image.dtype == np.uint8:
        values = image.astype(np.float64) / 255
    else:
        values = image.astype(np.float64)
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        if low < 0 or high > 1:
            values = (values - low) / (high - low) if high > low else np.zeros_like(values)
    if values.shape[2] != 3:
        values = np.repeat(values.mean(axis=2, keepdims=True), 3, axis=2)
    return values


def scale_map(values) -> np.ndarray:
    """A map (h, w) of values ≥ 0 scaled so its largest value is 1 (float64); all zeros stays zeros."""
    values = np.maximum(np.asarray(values, dtype=np.float64), 0)
    high = float(values.max()) if values.size else 0.0
    return values / high if high > 0 else np.zeros_like(values)


def resize_bilinear(values, size) -> np.ndarray:
    """(h, w) → size (H, W), bilinear with pixel centres aligned (PyTorch's align_corners=False; edges
    repeat): the usual way a coarse Grad-CAM map is brought to the image."""
    values = np.asarray(values, dtype=np.float64)
    h, w = values.shape
    H, W = size

    def axis(n_in, n_out):
        position = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, n_in - 1)
        return low, high, position - low

    r0, r1, fr = axis(h, H)
    c0, c1, fc = axis(w, W)
    top = values[r0][:, c0] * (1 - fc) + values[r0][:, c1] * fc
    bottom = values[r1][:, c0] * (1 - fc) + values[r1][:, c1] * fc
    return top * (1 - fr)[:, None] + bottom * fr[:, None]


def resize_nearest(values, size) -> np.ndarray:
    """(h, w, ...) → size (H, W), each output pixel the input pixel under its centre (blocks, no blur)."""
    values = np.asarray(values)
    h, w = values.shape[:2]
    rows = np.minimum(((np.arange(size[0]) + 0.5) * h / size[0]).astype(np.int64), h - 1)
    cols = np.minimum(((np.arange(size[1]) + 0.5) * w / size[1]).astype(np.int64), w - 1)
    return values[rows][:, cols]


def heat_colours(values) -> np.ndarray:
    """Values in [0, 1] (any shape) → RGB (..., 3) in [0, 1] along HEAT_STOPS."""
    values = np.clip(np.asarray(values, dtype=np.float64), 0, 1)
    stops = np.linspace(0, 1, len(HEAT_STOPS))
    return np.stack([np.interp(values, stops, HEAT_STOPS[:, c]) for c in range(3)], axis=-1)


def heat_overlay(image, heat, blend: float, scale: int = 1, smooth: bool = True) -> np.ndarray:
    """The map `heat` (h, w) over `image` (H, W, C), `scale` times larger: (H·scale, W·scale, 3) in [0, 1].

    The image is enlarged in blocks; the map is scaled to [0, 1] (its peak is 1), resized bilinearly
    (smooth, for a coarse Grad-CAM map) or in blocks (a saliency map, one value per pixel), coloured, and
    mixed in: picture = (1 − blend)·image + blend·colour (blend 0: the image, 1: the map alone).
    """
    if not 0 <= blend <= 1:
        raise ValueError(f"blend must be from 0 to 1, got {blend}")
    picture = display_image(image)
    size = (picture.shape[0] * int(scale), picture.shape[1] * int(scale))
    picture = resize_nearest(picture, size)
    scaled = scale_map(heat)
    scaled = resize_bilinear(scaled, size) if smooth else resize_nearest(scaled, size)
    return (1 - blend) * picture + blend * heat_colours(scaled)


def peak(values) -> tuple[int, int]:
    """(row, column) of a map's largest value (the first one, reading row by row)."""
    values = np.asarray(values)
    row, col = np.unravel_index(int(np.argmax(values)), values.shape)
    return int(row), int(col)


def to_uint8(picture) -> np.ndarray:
    """A picture in [0, 1] → uint8 0..255 (rounded), what PNG files and QImage hold."""
    return np.round(np.clip(np.asarray(picture, dtype=np.float64), 0, 1) * 255).astype(np.uint8)
