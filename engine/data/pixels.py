"""The one rule for what pixel values mean: uint8 images are 0..255 intensities, seen by a network as value/255.

Datasets keep uint8 images as they are in memory (a quarter of float32's size: CIFAR-10 takes 184 MB, not
737 MB) and each batch becomes float when it is used: the trainer, ``Network.forward``/``evaluate``/``predict``
and the window all go through ``images_to_float``. Float images (an .npz of floats, the generated "shapes")
are used as they are.
"""
from __future__ import annotations

import numpy as np

PIXEL_MAX = 255


def images_to_float(x, dtype=np.float32, out=None) -> np.ndarray:
    """Images (m, n_H, n_W, n_C) — or any part of them — as floats of ``dtype``.

    uint8 → x / 255, computed in float32 first (the values a float32 dataset held before datasets stayed
    uint8), then cast to ``dtype``; any other dtype is only cast (no copy when it already is ``dtype``).
    ``out``: an array of x's shape and of ``dtype`` to write the result into (and return).
    """
    x = np.asarray(x)
    if out is not None:
        if x.dtype == np.uint8 and out.dtype == np.float32:
            return np.divide(x, np.float32(PIXEL_MAX), out=out, dtype=np.float32)
        np.copyto(out, images_to_float(x, out.dtype))
        return out
    if x.dtype == np.uint8:
        x = np.divide(x, np.float32(PIXEL_MAX), dtype=np.float32)
    return x.astype(dtype, copy=False)
