"""What a kernel's forward pass keeps for its backward pass, with the way it computed named.

engine.functional's forward functions return ``(output, cache)`` and the backward functions read the
cache by field, never by position. ``method`` says which computation ran (the dispatch in
engine.functional picks it from the layer's sizes; engine.fastpaths and engine.winograd hold the fast
ones), so the backward pass follows the same path and a test can see which one was taken.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ConvCache", "DenseCache", "PoolCache",
           "IM2COL", "WIDTH_BLOCKED", "WINOGRAD", "POINTWISE", "BANDED", "COL2IM",
           "POOL_WINDOWS", "MAX_POOL_2X2"]

# Convolution methods. Forward and weight gradient: IM2COL (patches @ W), WIDTH_BLOCKED (the
# width-blocked "row Toeplitz" patches of layers with few input channels, engine.fastpaths), WINOGRAD
# (F(2×2, 3×3) for wide stride-1 3×3 layers, engine.winograd). Input gradient: POINTWISE (1×1 stride-1:
# one product), WINOGRAD, BANDED (through the width-blocked weights, engine.fastpaths) or COL2IM.
IM2COL = "im2col"
WIDTH_BLOCKED = "width_blocked"
WINOGRAD = "winograd"
POINTWISE = "pointwise"
BANDED = "banded"
COL2IM = "col2im"

# Pooling methods: POOL_WINDOWS (any f, s: the separable window reduction, argmax tracked for max) and
# MAX_POOL_2X2 (the 2×2 / stride-2 max pool tiling a contiguous input, engine.fastpaths).
POOL_WINDOWS = "windows"
MAX_POOL_2X2 = "max_2x2"


@dataclass(frozen=True, eq=False)
class ConvCache:
    """A convolution's forward pass, for :func:`engine.functional.conv2d_backward`.

    ``patches`` (engine.patches.PatchSource, or RowPatchSource for WIDTH_BLOCKED) refers to the layer's
    input ``(m, n_H_prev, n_W_prev, n_C_prev)`` and builds its patches again chunk by chunk; ``W`` is
    ``(f, f, n_C_prev, n_C)``.
    """

    method: str                 # IM2COL, WIDTH_BLOCKED or WINOGRAD: how Z was computed
    patches: object             # the patch source of the input (see above)
    W: np.ndarray
    input_shape: tuple          # (m, n_H_prev, n_W_prev, n_C_prev)
    stride: int
    pad: int

    @property
    def block_width(self) -> int:
        """Output pixels per patch row: Bw for WIDTH_BLOCKED, else 1."""
        return self.patches.Bw if self.method == WIDTH_BLOCKED else 1


@dataclass(frozen=True, eq=False)
class PoolCache:
    """A pooling forward pass, for :func:`engine.functional.pool2d_backward`.

    ``argmax`` (POOL_WINDOWS, max) is ``(m, n_H, n_W, n_C)``: per output the flat index ``i·f + j`` of the
    first maximum of its window in row-major order (the one ``np.argmax`` picks). ``masks`` (MAX_POOL_2X2)
    are the two boolean winner masks of engine.fastpaths.max_pool_2x2_forward: ``lower`` (the bottom row
    won) ``(m, n_H, 2·n_W·n_C)`` and ``right`` (the right column won) ``(m, n_H, n_W, n_C)``.
    """

    method: str                 # POOL_WINDOWS or MAX_POOL_2X2
    mode: str                   # "max" or "avg"
    input_shape: tuple          # (m, n_H_prev, n_W_prev, n_C)
    dtype: np.dtype
    f: int
    stride: int
    argmax: np.ndarray | None = None
    masks: tuple | None = None


@dataclass(frozen=True, eq=False)
class DenseCache:
    """A dense forward pass: its input ``A`` ``(m, n_in)`` and weights ``W`` ``(n_in, n_out)``."""

    A: np.ndarray
    W: np.ndarray
