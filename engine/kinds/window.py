"""Shared by conv and pool: an f×f window sliding with stride s over a (padded) volume."""
from __future__ import annotations

from ..shapes import conv_output_size, output_size_formula, padding_needed
from .base import ShapeError

PADDING_FIX = "padding"   # `fix` for a filter: the padding that makes it fit, computed from the sizes


def padding_advice(n_H: int, n_W: int, f: int) -> str:
    """What to do about an f×f filter larger than an n_H×n_W input: "use padding ≥ 4 or a smaller
    filter" with the p that really fits, ⌈(f − min(n_H, n_W))/2⌉ (always within the padding limit, since
    MAX_FILTER_SIZE ≤ 2·MAX_PADDING)."""
    return f"use padding ≥ {padding_needed(min(n_H, n_W), f)} or a smaller filter"


def window_output(in_shape, f: int, p: int, s: int, what: str, fix: str) -> tuple[int, int, str]:
    """(out_H, out_W, formula) of an f×f window over `in_shape` (n_H, n_W, n_C) padded by p.

    ShapeError if the window is larger than the padded input: "<what> 5 is larger than the 4×4
    input; <fix>". `fix` = PADDING_FIX gives the padding that fits (`padding_advice`).
    """
    n_H, n_W, _ = in_shape
    if f > n_H + 2 * p or f > n_W + 2 * p:
        if fix == PADDING_FIX:
            fix = padding_advice(n_H, n_W, f)
        side = f"{n_H}×{n_W}" if p == 0 else f"{n_H}×{n_W} input padded by {p} ({n_H + 2 * p}×{n_W + 2 * p})"
        if p == 0:
            side += " input"
        raise ShapeError(f"{what} {f} is larger than the {side}; {fix}")
    out_H, out_W = conv_output_size(n_H, f, p, s), conv_output_size(n_W, f, p, s)
    formula = output_size_formula(n_H, f, p, s)
    if n_H != n_W:
        formula += ", " + output_size_formula(n_W, f, p, s)
    return out_H, out_W, formula


def padding_text(padding) -> str:
    """"valid", "same" or "p2", for the layer list."""
    return padding if isinstance(padding, str) else f"p{padding}"
