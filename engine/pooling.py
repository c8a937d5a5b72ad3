"""Pooling with padding, and global pooling (kernels; the plain f×f pooling is engine.functional.pool2d).

Padded pooling follows PyTorch's ``MaxPool2d(padding=p)`` and ``AvgPool2d(padding=p,
count_include_pad=False)``: padded cells never count — the maximum is over the window's real cells and
the average divides by how many real cells the window holds. Output side ⌊(n + 2p − f)/s⌋ + 1, with
p ≤ f/2 so that every window holds a real cell. The kernels pad (−∞ for max, 0 for average) and reuse
engine.functional's pooling; the average is then rescaled from f² to each window's real-cell count.

Global pooling: ``(m, n_H, n_W, n_C)`` → ``(m, 1, 1, n_C)``, the average or the maximum of each channel.
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from .shapes import conv_output_size


def _pad(A: np.ndarray, p: int, value) -> np.ndarray:
    return np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=value)


def _average_scale(n_H_prev: int, n_W_prev: int, f: int, s: int, p: int, dtype) -> np.ndarray:
    """f²/(real cells of each window), ``(n_H, n_W, 1)``: turns the padded f×f mean into the mean of
    the real cells."""
    def counts(n):
        out = conv_output_size(n, f, p, s)
        starts = np.arange(out) * s - p
        return np.minimum(starts + f, n) - np.maximum(starts, 0)
    real = np.outer(counts(n_H_prev), counts(n_W_prev))
    return (f * f / real).astype(dtype)[:, :, np.newaxis]


def pool2d_padded_forward(A, f: int, stride: int, pad: int, mode: str, keep: bool = True):
    """``(out, cache)`` of max / average pooling with padding ``pad`` (cache None unless ``keep``)."""
    A = np.asarray(A)
    if pad == 0:
        if not keep:
            return F.pool2d(A, f, stride, mode), None
        out, cache = F.pool2d_forward(A, f, stride, mode)
        return out, (cache, 0, None, A.shape)
    A_pad = _pad(A, pad, -np.inf if mode == "max" else 0)
    if keep:
        out, cache = F.pool2d_forward(A_pad, f, stride, mode)
    else:
        out, cache = F.pool2d(A_pad, f, stride, mode), None
    scale = None
    if mode == "avg":
        scale = _average_scale(A.shape[1], A.shape[2], f, stride, pad, out.dtype)
        out *= scale
    return out, ((cache, pad, scale, A.shape) if keep else None)


def pool2d_padded_backward(dout, cache) -> np.ndarray:
    """Backward of :func:`pool2d_padded_forward`: ``dout`` ``(m, n_H, n_W, n_C)`` → ``dA`` like A."""
    inner, p, scale, A_shape = cache
    if scale is not None:
        dout = dout * scale
    dA = F.pool2d_backward(dout, inner)
    if p == 0:
        return dA
    return dA[:, p:p + A_shape[1], p:p + A_shape[2], :]


def global_pool_forward(A, mode: str, keep: bool = True):
    """``A`` ``(m, n_H, n_W, n_C)`` → ``(m, 1, 1, n_C)`` and a cache (None unless ``keep``)."""
    A = np.asarray(A)
    m, n_H, n_W, n_C = A.shape
    flat = A.reshape(m, n_H * n_W, n_C)
    if mode == "avg":
        out = flat.mean(axis=1, dtype=A.dtype)
        cache = (A.shape, None)
    else:
        where = flat.argmax(axis=1)                       # (m, n_C): the first maximum, like np.argmax
        out = np.take_along_axis(flat, where[:, np.newaxis, :], axis=1)[:, 0, :]
        cache = (A.shape, where)
    return out.reshape(m, 1, 1, n_C), (cache if keep else None)


def global_pool_backward(dout, cache) -> np.ndarray:
    """Backward of :func:`global_pool_forward`: ``(m, 1, 1, n_C)`` → ``(m, n_H, n_W, n_C)``."""
    A_shape, where = cache
    m, n_H, n_W, n_C = A_shape
    d = np.asarray(dout).reshape(m, 1, n_C)
    if where is None:
        return np.broadcast_to(d * d.dtype.type(1.0 / (n_H * n_W)), (m, n_H * n_W, n_C)).reshape(A_shape).copy()
    dA = np.zeros((m, n_H * n_W, n_C), d.dtype)
    np.put_along_axis(dA, where[:, np.newaxis, :], d, axis=1)
    return dA.reshape(A_shape)
