"""Depthwise convolution kernels (MobileNet's): one f×f filter per input channel, `multiplier` of them.

A ``(m, n_H_prev, n_W_prev, n_C)``, W ``(f, f, n_C, multiplier)``, b ``(n_C·multiplier,)`` →
Z ``(m, n_H, n_W, n_C·multiplier)`` with output channel ``c·multiplier + k`` = channel c through filter
k (PyTorch's ``groups=n_C`` order). Output side ⌊(n + 2p − f)/s⌋ + 1.

There is no reduction over channels, so no matrix product. Two ways to the same numbers:

* "taps": one whole-array multiply-add per filter offset (i, j) over the strided window slice of the
  padded input, f·f of them, a few samples at a time (CHUNK_BYTES) so the passes stay in cache;
* "einsum": a strided view of the windows, ``(m, n_H, n_W, f, f, n_C)`` (no copy), and one einsum that
  sums the f·f products of each output value; the input gradient is the same operation on the output
  gradient spread back by the stride, padded by f − 1 and correlated with the flipped filters.

einsum's inner loop runs over the channels: with 32 or more it is about twice as fast as the taps (the
taps' passes are memory-bound); with few channels, or the spread gradient of a strided layer, the taps
win. `method_for` decides (figures: benchmarks/RESULTS.md, "Week 2: where the time goes").
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .shapes import conv_output_size

CHUNK_BYTES = 256 << 10       # the taps' output per chunk: with its temporary, about half an L2 cache
EINSUM_MIN_CHANNELS = 32
METHODS = ("taps", "einsum")
_FORCE = None                 # tests set "taps" or "einsum" to run one way whatever the sizes


def method_for(n_C: int, multiplier: int, stride: int, backward: bool = False) -> str:
    """"einsum" for 32+ channels with one filter each (and, for the input gradient, stride 1), else "taps"."""
    if _FORCE is not None:
        return _FORCE
    if n_C < EINSUM_MIN_CHANNELS or (backward and (multiplier > 1 or stride > 1)):
        return "taps"
    return "einsum"


def _padded(A: np.ndarray, p: int) -> np.ndarray:
    if p == 0:
        return np.ascontiguousarray(A)
    return np.pad(A, ((0, 0), (p, p), (p, p)) + ((0, 0),) * (A.ndim - 3))


def _windows(A: np.ndarray, f: int, s: int, n_H: int, n_W: int) -> np.ndarray:
    """The f×f windows of A ``(m, H, W, ...)`` at stride s: a read-only view ``(m, n_H, n_W, f, f, ...)``."""
    strides = A.strides
    return as_strided(A, (A.shape[0], n_H, n_W, f, f) + A.shape[3:],
                      (strides[0], s * strides[1], s * strides[2], strides[1], strides[2]) + strides[3:],
                      writeable=False)


def _chunks(m: int, per_sample_bytes: int):
    step = max(1, CHUNK_BYTES // max(1, per_sample_bytes))
    for start in range(0, m, step):
        yield start, min(m, start + step)


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
    if method_for(n_C, k, s) == "einsum":
        windows = _windows(A_pad, f, s, n_H, n_W)
        if k == 1:
            Z = np.einsum("mhwijc,ijc->mhwc", windows, W[:, :, :, 0])
        else:
            Z = np.einsum("mhwijc,ijck->mhwck", windows, W).reshape(m, n_H, n_W, n_C * k)
    else:
        Z = _taps_forward(A_pad, W, s, n_H, n_W).reshape(m, n_H, n_W, n_C * k)
    Z += np.asarray(b, dtype)
    cache = (A_pad, W, s, p, A.shape) if keep else None
    return Z, cache


def _taps_forward(A_pad, W, s, n_H, n_W) -> np.ndarray:
    """Z ``(m, n_H, n_W, n_C, k)`` (k = 1: ``(m, n_H, n_W, n_C)``) by f·f multiply-adds per chunk."""
    f, _, n_C, k = W.shape
    m, dtype = A_pad.shape[0], A_pad.dtype
    h_end, w_end = s * (n_H - 1) + 1, s * (n_W - 1) + 1
    Z = np.empty((m, n_H, n_W, n_C, k) if k > 1 else (m, n_H, n_W, n_C), dtype)
    taps = W if k > 1 else W[:, :, :, 0]
    for start, stop in _chunks(m, n_H * n_W * n_C * k * dtype.itemsize):
        out = Z[start:stop]
        part = np.empty(out.shape, dtype)
        source = A_pad[start:stop]
        for i in range(f):
            for j in range(f):
                window = source[:, i:i + h_end:s, j:j + w_end:s, :]
                if k > 1:
                    window = window[..., np.newaxis]
                if i == 0 and j == 0:
                    np.multiply(window, taps[0, 0], out=out)
                else:
                    np.multiply(window, taps[i, j], out=part)
                    out += part
    return Z


def depthwise_backward(dZ, cache, need_input_grad: bool = True):
    """Backward of :func:`depthwise_forward`: ``dZ`` like Z → ``(dA or None, dW, db)``."""
    A_pad, W, s, p, A_shape = cache
    dtype = A_pad.dtype
    f, _, n_C, k = W.shape
    m, n_H, n_W, _ = dZ.shape
    dZ = np.ascontiguousarray(dZ, dtype)
    grad = dZ if k == 1 else dZ.reshape(m, n_H, n_W, n_C, k)
    db = np.ones(m * n_H * n_W, dtype) @ dZ.reshape(-1, n_C * k)
    if method_for(n_C, k, s) == "einsum":
        windows = _windows(A_pad, f, s, n_H, n_W)
        if k == 1:
            dW = np.einsum("mhwijc,mhwc->ijc", windows, grad)[:, :, :, np.newaxis]
        else:
            dW = np.einsum("mhwijc,mhwck->ijck", windows, grad)
    else:
        dW = _taps_weight_grad(A_pad, grad, W.shape, s)
    if not need_input_grad:
        return None, dW, db
    n_H_prev, n_W_prev = A_shape[1:3]
    if method_for(n_C, k, s, backward=True) == "einsum":
        dA_pad = _einsum_input_grad(grad, W, s, A_pad.shape)
    else:
        dA_pad = _taps_input_grad(grad, W, s, A_pad.shape)
    return dA_pad[:, p:p + n_H_prev, p:p + n_W_prev], dW, db


def _taps_weight_grad(A_pad, grad, W_shape, s) -> np.ndarray:
    f, _, n_C, k = W_shape
    dtype = A_pad.dtype
    m, n_H, n_W = grad.shape[:3]
    h_end, w_end = s * (n_H - 1) + 1, s * (n_W - 1) + 1
    dW = np.zeros(W_shape, dtype)
    for start, stop in _chunks(m, n_H * n_W * n_C * k * dtype.itemsize):
        part_grad = grad[start:stop]
        source = A_pad[start:stop]
        part = np.empty(part_grad.shape[:4], dtype)
        ones = np.ones(part.size // n_C, dtype)
        for i in range(f):
            for j in range(f):
                window = source[:, i:i + h_end:s, j:j + w_end:s, :]
                if k > 1:
                    dW[i, j] += np.einsum("mhwc,mhwck->ck", window, part_grad)
                else:                     # the product stays in cache; its column sums are one gemv
                    np.multiply(window, part_grad, out=part)
                    dW[i, j, :, 0] += ones @ part.reshape(-1, n_C)
    return dW


def _taps_input_grad(grad, W, s, pad_shape) -> np.ndarray:
    """dA_pad: each window's gradient added back where the window read, f·f strided adds per chunk."""
    f, _, n_C, k = W.shape
    dtype = W.dtype
    m, n_H, n_W = grad.shape[:3]
    h_end, w_end = s * (n_H - 1) + 1, s * (n_W - 1) + 1
    dA_pad = np.zeros(pad_shape, dtype)
    for start, stop in _chunks(m, n_H * n_W * n_C * k * dtype.itemsize):
        part_grad = grad[start:stop]
        part = np.empty(part_grad.shape[:4], dtype)
        for i in range(f):
            for j in range(f):
                if k > 1:
                    np.einsum("mhwck,ck->mhwc", part_grad, W[i, j], out=part)
                else:
                    np.multiply(part_grad, W[i, j, :, 0], out=part)
                dA_pad[start:stop, i:i + h_end:s, j:j + w_end:s, :] += part
    return dA_pad


def _einsum_input_grad(grad, W, s, pad_shape) -> np.ndarray:
    """dA_pad[u] = Σ_i dZ[y]·W[i] over s·y + i = u: the gradient spread by the stride, padded by f − 1 and
    correlated with the flipped filters. Positions that no window read (past the last one) get 0."""
    f, _, n_C, k = W.shape
    m, n_H, n_W = grad.shape[:3]
    dtype = W.dtype
    h_len, w_len = s * (n_H - 1) + 1, s * (n_W - 1) + 1
    spread = np.zeros((m, h_len + 2 * (f - 1), w_len + 2 * (f - 1)) + grad.shape[3:], dtype)
    spread[:, f - 1:f - 1 + h_len:s, f - 1:f - 1 + w_len:s] = grad
    out_h, out_w = h_len + f - 1, w_len + f - 1
    flipped = W[::-1, ::-1]
    back = _windows(spread, f, 1, out_h, out_w)
    if k == 1:
        covered = np.einsum("mhwijc,ijc->mhwc", back, flipped[:, :, :, 0])
    else:
        covered = np.einsum("mhwijck,ijck->mhwc", back, flipped)
    if (out_h, out_w) == tuple(pad_shape[1:3]):
        return covered
    dA_pad = np.zeros(pad_shape, dtype)
    dA_pad[:, :out_h, :out_w] = covered
    return dA_pad
