"""Depthwise convolution kernels (MobileNet's): one f×f filter per input channel, `multiplier` of them.

A ``(m, n_H_prev, n_W_prev, n_C)``, W ``(f, f, n_C, multiplier)``, b ``(n_C·multiplier,)`` →
Z ``(m, n_H, n_W, n_C·multiplier)`` with output channel ``c·multiplier + k`` = channel c through filter
k (PyTorch's ``groups=n_C`` order). Output side ⌊(n + 2p − f)/s⌋ + 1.

There is no reduction over channels, so no matrix product: the kernels take one whole-array
multiply-add per filter offset (i, j) over the strided window slice of the padded input, f·f of them.
"""
from __future__ import annotations

import numpy as np

from .shapes import conv_output_size


def _padded(A: np.ndarray, p: int) -> np.ndarray:
    if p == 0:
        return A
    return np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)))


def depthwise_forward(A, W, b, stride: int, pad: int, keep: bool = True):
    """``(Z, cache)``; the cache (None unless ``keep``) holds the padded input for the backward pass."""
    dtype = np.result_type(A, W)
    A = np.asarray(A, dtype)
    W = np.asarray(W, dtype)
    f, _, n_C, k = W.shape
    m, n_H_prev, n_W_prev, _ = A.shape
    s, p = stride, pad
    n_H, n_W = conv_output_size(n_H_prev, f, p, s), conv_output_size(n_W_prev, f, p, s)
    A_pad = _padded(A, p)
    h_end, w_end = s * (n_H - 1) + 1, s * (n_W - 1) + 1
    Z = np.zeros((m, n_H, n_W, n_C, k), dtype)
    part = np.empty((m, n_H, n_W, n_C, k), dtype)
    for i in range(f):
        for j in range(f):
            window = A_pad[:, i:i + h_end:s, j:j + w_end:s, :, np.newaxis]
            np.multiply(window, W[i, j], out=part)
            Z += part
    Z = Z.reshape(m, n_H, n_W, n_C * k)
    Z += np.asarray(b, dtype)
    cache = (A_pad, W, s, p, A.shape) if keep else None
    return Z, cache


def depthwise_backward(dZ, cache, need_input_grad: bool = True):
    """Backward of :func:`depthwise_forward`: ``dZ`` like Z → ``(dA or None, dW, db)``."""
    A_pad, W, s, p, A_shape = cache
    dtype = A_pad.dtype
    f, _, n_C, k = W.shape
    m, n_H, n_W, _ = dZ.shape
    dZ = np.asarray(dZ, dtype)
    dZ5 = dZ.reshape(m, n_H, n_W, n_C, k)
    h_end, w_end = s * (n_H - 1) + 1, s * (n_W - 1) + 1
    db = np.ones(m * n_H * n_W, dtype) @ np.ascontiguousarray(dZ).reshape(-1, n_C * k)
    dW = np.empty(W.shape, dtype)
    for i in range(f):
        for j in range(f):
            window = A_pad[:, i:i + h_end:s, j:j + w_end:s, :]
            dW[i, j] = np.einsum("mhwc,mhwck->ck", window, dZ5)
    if not need_input_grad:
        return None, dW, db
    dA_pad = np.zeros(A_pad.shape, dtype)
    part = np.empty((m, n_H, n_W, n_C), dtype)
    for i in range(f):
        for j in range(f):
            if k == 1:
                np.multiply(dZ5[..., 0], W[i, j, :, 0], out=part)
            else:
                np.einsum("mhwck,ck->mhwc", dZ5, W[i, j], out=part)
            dA_pad[:, i:i + h_end:s, j:j + w_end:s, :] += part
    n_H_prev, n_W_prev = A_shape[1:3]
    return dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :], dW, db
