"""Slow, obviously-correct loop implementations of convolution and pooling.

This module is a reference for the tests (it is not part of the engine package): the kernels in
``engine/functional.py`` and the fast paths in ``engine/fastpaths.py`` are checked against these on random
shapes, strides and paddings. The code
follows the course's assignment style: explicit loops over samples, output rows, output columns and
channels, one window slice at a time. It deliberately shares no code with ``functional.py`` (not even
the padding rules), so a bug there cannot hide by being repeated here.

Layout is NHWC: activations ``(m, n_H, n_W, n_C)``, conv weights ``W`` ``(f, f, n_C_prev, n_C)``,
biases ``b`` ``(n_C,)``. Output size on each side: ``⌊(n + 2p − f)/s⌋ + 1``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["conv2d_naive", "conv2d_backward_naive", "pool2d_naive", "pool2d_backward_naive"]


def _padding(pad, f: int) -> int:
    if pad == "valid":
        return 0
    if pad == "same":
        if f % 2 == 0:
            raise ValueError(f"'same' padding needs an odd filter size, got {f}")
        return (f - 1) // 2
    return int(pad)


def _zero_pad(A, p: int):
    """Add p zeros around the height and width of an (m, n_H, n_W, n_C) array."""
    return np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)), mode="constant", constant_values=0)


def conv2d_naive(A_prev, W, b, stride=1, pad=0):
    """Cross-correlation by explicit loops. ``A_prev`` (m, n_H_prev, n_W_prev, n_C_prev) → Z (m, n_H, n_W, n_C)."""
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    p = _padding(pad, f)
    s = stride
    n_H = (n_H_prev + 2 * p - f) // s + 1
    n_W = (n_W_prev + 2 * p - f) // s + 1
    A_pad = _zero_pad(A_prev, p)
    Z = np.zeros((m, n_H, n_W, n_C), dtype=np.result_type(A_prev, W))
    for i in range(m):
        for h in range(n_H):
            vert_start = h * s
            for w in range(n_W):
                horiz_start = w * s
                a_slice = A_pad[i, vert_start:vert_start + f, horiz_start:horiz_start + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(a_slice * W[:, :, :, c]) + b[c]
    return Z


def conv2d_backward_naive(dZ, A_prev, W, b, stride=1, pad=0):
    """Gradients of conv2d_naive by explicit loops: returns (dA_prev, dW, db)."""
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    p = _padding(pad, f)
    s = stride
    _, n_H, n_W, _ = dZ.shape
    A_pad = _zero_pad(A_prev, p)
    dA_pad = np.zeros_like(A_pad)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    for i in range(m):
        for h in range(n_H):
            vert_start = h * s
            for w in range(n_W):
                horiz_start = w * s
                a_slice = A_pad[i, vert_start:vert_start + f, horiz_start:horiz_start + f, :]
                for c in range(n_C):
                    g = dZ[i, h, w, c]
                    dA_pad[i, vert_start:vert_start + f, horiz_start:horiz_start + f, :] += W[:, :, :, c] * g
                    dW[:, :, :, c] += a_slice * g
                    db[c] += g
    dA_prev = dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :]
    return dA_prev, dW, db


def pool2d_naive(A, f=2, stride=2, mode="max"):
    """Max or average pooling by explicit loops, no padding. (m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C)."""
    m, n_H_prev, n_W_prev, n_C = A.shape
    s = stride
    n_H = (n_H_prev - f) // s + 1
    n_W = (n_W_prev - f) // s + 1
    out = np.zeros((m, n_H, n_W, n_C), dtype=A.dtype)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A[i, h * s:h * s + f, w * s:w * s + f, c]
                    out[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return out


def pool2d_backward_naive(dout, A, f=2, stride=2, mode="max"):
    """Gradient of pool2d_naive by explicit loops.

    Max: each window's gradient goes to its first maximum (``np.argmax`` order), all of it.
    Average: each window's gradient is shared equally by its f·f inputs. Overlaps accumulate.
    """
    m, n_H, n_W, n_C = dout.shape
    s = stride
    dA = np.zeros_like(A)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    g = dout[i, h, w, c]
                    if mode == "max":
                        window = A[i, h * s:h * s + f, w * s:w * s + f, c]
                        r, q = np.unravel_index(np.argmax(window), window.shape)
                        dA[i, h * s + r, w * s + q, c] += g
                    else:
                        dA[i, h * s:h * s + f, w * s:w * s + f, c] += g / (f * f)
    return dA
