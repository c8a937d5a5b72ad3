"""NumPy kernels: convolution, pooling and dense layers, forward and backward (activations and losses:
engine/activations.py, re-exported here).

Layout is NHWC everywhere, as in the course:

* activations ``(m, n_H, n_W, n_C)``
* conv weights ``W`` ``(f, f, n_C_prev, n_C)`` and biases ``b`` ``(n_C,)``
* dense ``A`` ``(m, n_in)``, ``W`` ``(n_in, n_out)``, ``b`` ``(n_out,)``

Every function keeps the floating dtype of its inputs (float32 in, float32 out): constants are cast to
the array's dtype so that nothing is silently upcast to float64. The dtype is set by the activations and
weights (NumPy promotion if they differ; integers become float64); a bias or an upstream gradient of
another dtype never changes it, and backward passes return the dtype of their forward pass.

Convolution is im2col + BLAS. The windows of the padded input are laid out as
``(m·n_H·n_W, f·f·n_C_prev)`` with the window axes in the order ``(f, f, n_C_prev)``, which is the
order of ``W``'s first three axes, so ``patches @ W.reshape(f·f·n_C_prev, n_C)`` is already the NHWC
output: no transposes. The patches are built and multiplied a few samples at a time (engine/patches.py),
so no batch-sized patch matrix exists. This module reads as the course would write the kernels; where a measurement
found a faster way to compute the same numbers (the width-blocked im2col of first layers, the banded
input gradient, row-blocked products, the 2×2 max pool) it calls into engine/fastpaths.py, which says
what was measured; wide stride-1 3×3 layers go through Winograd F(2×2, 3×3) (engine/winograd.py).
The tests compare all of them against slow loop versions (tests/engine/reference.py).

This module is pure NumPy: it never imports Qt, pyqtgraph or the designer package.
"""
from __future__ import annotations

import operator

import numpy as np

from . import fastpaths
# The activations and losses live in engine.activations; they are re-exported here (public API).
from .activations import (ACTIVATIONS, LEAKY_RELU_SLOPE, _float_array, activation_backward,
                          activation_backward_consuming, activation_forward, sigmoid, sigmoid_binary_cross_entropy, softmax,
                          softmax_cross_entropy)
from .fastpaths import Workspace
from . import patches
from . import winograd
from .patches import PatchSource
# Shape arithmetic has one home (engine.shapes); the kernels use the same functions as the table.
from .shapes import conv_output_size, resolve_padding

__all__ = [
    "ACTIVATIONS",
    "LEAKY_RELU_SLOPE",
    "Workspace",
    "activation_backward",
    "activation_backward_consuming",
    "activation_forward",
    "conv2d",
    "conv2d_backward",
    "conv2d_forward",
    "conv_output_size",
    "dense_backward",
    "dense_forward",
    "pool2d",
    "pool2d_backward",
    "pool2d_forward",
    "resolve_padding",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
]

POOL_MODES = ("max", "avg")


# --------------------------------------------------------------------------------------------------
# Shapes and argument checks
# --------------------------------------------------------------------------------------------------

def _positive_int(value, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number >= 1, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be a whole number >= 1, got {value!r}") from None
    if v < 1:
        raise ValueError(f"{what} must be >= 1, got {v}")
    return v


def _float_dtype(*arrays) -> np.dtype:
    dt = np.result_type(*arrays)
    return dt if np.issubdtype(dt, np.floating) else np.dtype(np.float64)


# --------------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------------

def conv2d(A_prev, W, b, stride=1, pad=0) -> np.ndarray:
    """Convolve (cross-correlate, no filter flip) a batch of volumes with ``n_C`` filters.

    Parameters
    ----------
    A_prev : ``(m, n_H_prev, n_W_prev, n_C_prev)``
    W : ``(f, f, n_C_prev, n_C)``
    b : ``(n_C,)``
    stride : int ``s >= 1``
    pad : int ``p >= 0``, ``"valid"`` or ``"same"``

    Returns
    -------
    Z : ``(m, n_H, n_W, n_C)``

    Notes
    -----
    ``n_H = ⌊(n_H_prev + 2p − f)/s⌋ + 1`` and likewise for ``n_W``.
    """
    return conv2d_forward(A_prev, W, b, stride=stride, pad=pad)[0]



def conv2d_forward(A_prev, W, b, stride=1, pad=0, *, workspace=None):
    """Forward pass of :func:`conv2d`; also returns the cache that :func:`conv2d_backward` needs.

    ``workspace``: an optional :class:`engine.fastpaths.Workspace` to hold the patch chunk buffer (see
    there for the one rule).

    Returns ``(Z, cache)`` with ``Z`` ``(m, n_H, n_W, n_C)``. The cache keeps a patch source
    (engine.patches) that refers to ``A_prev`` and builds its im2col patches (``(m·n_H·n_W, f·f·n_C_prev)``,
    or the width-blocked ones for few input channels) a few samples at a time: the backward pass builds
    them again instead of keeping a patch matrix up to f² times the input's size. ``A_prev`` must not be
    changed in place before the backward pass.
    """
    dtype = _float_dtype(A_prev, W)
    A_prev = _float_array(A_prev, dtype)
    W = _float_array(W, dtype)
    b = np.asarray(b)
    if A_prev.ndim != 4:
        raise ValueError(f"A_prev must be (m, n_H, n_W, n_C_prev), got shape {A_prev.shape}")
    if W.ndim != 4 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be (f, f, n_C_prev, n_C), got shape {W.shape}")
    f, _, n_C_prev, n_C = W.shape
    m, n_H_prev, n_W_prev, n_C_in = A_prev.shape
    if n_C_in != n_C_prev:
        raise ValueError(f"A_prev has {n_C_in} channels but the filters expect n_C_prev = {n_C_prev}")
    if b.shape not in ((n_C,), (1, 1, 1, n_C)):
        raise ValueError(f"b must have shape ({n_C},), got {b.shape}")
    s = _positive_int(stride, "stride")
    p = resolve_padding(pad, f)
    n_H = conv_output_size(n_H_prev, f, p, s)
    n_W = conv_output_size(n_W_prev, f, p, s)
    if n_H < 1 or n_W < 1:
        raise ValueError(
            f"filter {f}×{f} is larger than the padded {n_H_prev + 2 * p}×{n_W_prev + 2 * p} input "
            f"(input {n_H_prev}×{n_W_prev}, padding {p}); use more padding or a smaller filter")

    Bw = fastpaths.width_block(f, s, n_C_prev, n_C, n_W)
    if Bw > 1:        # few input channels: the width-blocked form of the same product
        return fastpaths.conv_forward_rows(A_prev, W, b, s, p, n_H, n_W, Bw, dtype, workspace)

    if winograd.use_winograd(f, s, n_C_prev, n_C, n_H, n_W):
        # Stride-1 3×3 with enough channels: Winograd F(2×2, 3×3), 2.25× fewer multiplies. The backward
        # pass's dW still needs the im2col patches, so the cache is the im2col one; its buffer is borrowed
        # from a Workspace only when the backward pass builds them (inference allocates none).
        Z = winograd.winograd_conv3x3(A_prev, winograd.filter_transform(W), b.reshape(n_C), p)
        source = PatchSource(A_prev, f, s, p, n_H, n_W, workspace or Workspace())
        return Z, ("im2col", source, W, A_prev.shape, s, p, 1)

    # im2col, streamed: the patches of a few samples at a time (engine.patches) go straight into the
    # product, so no batch-sized patch matrix is ever allocated or kept for the backward pass.
    source = PatchSource(A_prev, f, s, p, n_H, n_W, workspace)
    W2d = W.reshape(f * f * n_C_prev, n_C)
    Z2d = np.empty((m * n_H * n_W, n_C), dtype)   # rows are (sample, row, column): NHWC
    rows = source.rows_per_sample
    for start, stop in source.chunks():
        fastpaths.matmul_rows(source.build(start, stop), W2d, out=Z2d[start * rows:stop * rows])
    fastpaths.add_bias(Z2d, b.reshape(n_C), n_H * n_W)
    Z = Z2d.reshape(m, n_H, n_W, n_C)
    cache = ("im2col", source, W, A_prev.shape, s, p, 1)
    return Z, cache


def conv2d_backward(dZ, cache, need_input_grad=True):
    """Backward pass of :func:`conv2d_forward`.

    Parameters
    ----------
    dZ : ``(m, n_H, n_W, n_C)`` gradient of the loss with respect to ``Z``
    cache : from :func:`conv2d_forward`
    need_input_grad : skip ``dA_prev`` (the most expensive part) when False, e.g. for the first layer

    Returns
    -------
    ``(dA_prev, dW, db)``: ``dA_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)`` or ``None``,
    ``dW`` ``(f, f, n_C_prev, n_C)``, ``db`` ``(n_C,)``. With padding, ``dA_prev`` is a view into a
    padded buffer (not C-contiguous); it is a fresh array either way, safe to modify.
    """
    method, source, W, A_shape, s, p, Bw = cache
    f, _, n_C_prev, n_C = W.shape
    m, n_H_prev, n_W_prev, _ = A_shape
    dtype = source.dtype
    dZ = np.asarray(dZ, dtype=dtype)
    if dZ.ndim != 4 or dZ.shape[0] != m or dZ.shape[3] != n_C:
        raise ValueError(f"dZ must be (m={m}, n_H, n_W, n_C={n_C}), got shape {dZ.shape}")
    _, n_H, n_W, _ = dZ.shape
    nb = -(-n_W // Bw)
    if n_H * nb != source.rows_per_sample:
        raise ValueError(f"dZ has spatial size {n_H}×{n_W}, which does not match the forward pass")
    dZ2d = np.ascontiguousarray(dZ).reshape(m * n_H * n_W, n_C)

    if method == "im2col" and winograd.use_winograd_weight_grad(f, s, n_C_prev, n_C, n_H, n_W):
        # Stride-1 3×3 with enough channels: dW by Winograd from the layer's input (engine.winograd).
        dW = winograd.weight_grad(source.A_prev, dZ, p)
    elif method == "im2col":
        # dW = patchesᵀ · dZ, summed over the sample chunks (each chunk's patches built again).
        rows = source.rows_per_sample
        dW = None
        for start, stop in source.chunks():
            part = fastpaths.gram_rows(source.build(start, stop), dZ2d[start * rows:stop * rows])
            dW = np.array(part) if dW is None else np.add(dW, part, out=dW)
        dW = np.ascontiguousarray(dW).reshape(W.shape)
    else:
        dW = fastpaths.conv_rows_weight_grad(source, dZ, W.shape, s, Bw)
    # Column sums as a matrix-vector product: a BLAS gemv is ~20x faster than dZ2d.sum(axis=0),
    # which walks a tall, narrow array one short row at a time.
    db = np.ones(dZ2d.shape[0], dtype) @ dZ2d

    if not need_input_grad:
        return None, dW, db

    if f == 1 and s == 1 and p == 0:
        # 1×1 filters, stride 1: every input pixel feeds exactly one output pixel — dA is one product.
        return (dZ2d @ W.reshape(n_C_prev, n_C).T).reshape(A_shape), dW, db

    if winograd.use_winograd(f, s, n_C, n_C_prev, n_H_prev, n_W_prev):
        # Stride 1, 3×3: dA is itself a 3×3 stride-1 convolution of dZ (engine.winograd.input_grad).
        return winograd.input_grad(dZ, W, p, A_shape), dW, db

    Bw_in = fastpaths.input_grad_block(f, s, n_C, n_W, n_C_prev)
    if Bw_in:         # few filters: through the banded weights of the width-blocked form
        return fastpaths.conv_input_grad_rows(dZ, W, s, p, A_shape, Bw_in), dW, db

    # col2im. The gradient of the patches is dZ2d @ W2dᵀ; its block for filter offset (i, j) is
    # dZ2d @ W[i, j]ᵀ, shaped (m, n_H, n_W, n_C_prev), and belongs at the strided slice of the input that
    # offset (i, j) read. Computing one block at a time into a reused contiguous buffer (instead of the whole
    # (M, f·f·n_C_prev) matrix at once) makes every add below read contiguous memory: ~4x faster for small
    # n_C_prev. Overlapping windows (f > s) accumulate through +=. The samples go in chunks, so the buffer
    # stays about the size of a patch chunk (engine.patches), not of a whole activation.
    dA_pad = np.zeros((m, n_H_prev + 2 * p, n_W_prev + 2 * p, n_C_prev), dtype)
    rows = n_H * n_W
    chunk = max(1, min(m, 2 * patches.CHUNK_BYTES // (rows * n_C_prev * dtype.itemsize)))
    block_all = np.empty((chunk * rows, n_C_prev), dtype)
    h_end = s * (n_H - 1) + 1
    w_end = s * (n_W - 1) + 1
    for start in range(0, m, chunk):
        stop = min(m, start + chunk)
        block = block_all[:(stop - start) * rows]
        block4d = block.reshape(stop - start, n_H, n_W, n_C_prev)
        dZ_part = dZ2d[start * rows:stop * rows]
        target = dA_pad[start:stop]
        for i in range(f):
            for j in range(f):
                np.matmul(dZ_part, W[i, j].T, out=block)
                target[:, i:i + h_end:s, j:j + w_end:s, :] += block4d
    if p:
        dA_prev = dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :]
    else:
        dA_prev = dA_pad
    return dA_prev, dW, db


# --------------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------------

def pool2d(A, f=2, stride=2, mode="max") -> np.ndarray:
    """Max or average pooling over ``f × f`` windows, per channel, no padding.

    Parameters
    ----------
    A : ``(m, n_H_prev, n_W_prev, n_C)``
    f : window size, stride : step, mode : ``"max"`` or ``"avg"``

    Returns
    -------
    ``(m, n_H, n_W, n_C)``

    Notes
    -----
    ``n_H = ⌊(n_H_prev − f)/s⌋ + 1`` and likewise for ``n_W``; channels are unchanged.
    """
    A, f, s, n_H, n_W = _pool_args(A, f, stride, mode)
    if mode == "max" and f == s == 2:
        return fastpaths.max_pool_values(A, f, s, n_H, n_W)
    return _pool2d_forward(A, f, s, n_H, n_W, mode)[0]


def _pool_args(A, f, stride, mode):
    A = _float_array(A)
    if A.ndim != 4:
        raise ValueError(f"A must be (m, n_H, n_W, n_C), got shape {A.shape}")
    if mode not in POOL_MODES:
        raise ValueError(f"pooling mode must be 'max' or 'avg', got {mode!r}")
    f = _positive_int(f, "pool size f")
    s = _positive_int(stride, "stride")
    _, n_H_prev, n_W_prev, _ = A.shape
    n_H = conv_output_size(n_H_prev, f, 0, s)
    n_W = conv_output_size(n_W_prev, f, 0, s)
    if n_H < 1 or n_W < 1:
        raise ValueError(f"pool window {f}×{f} is larger than the {n_H_prev}×{n_W_prev} input")
    return A, f, s, n_H, n_W


def pool2d_forward(A, f=2, stride=2, mode="max"):
    """Forward pass of :func:`pool2d`; returns ``(out, cache)`` for :func:`pool2d_backward`.

    For max pooling the cache holds, per output element, the flat index ``i·f + j`` of the first
    maximum of its window in row-major order (the one ``np.argmax`` picks), so a tie sends the
    gradient to one input only.
    """
    A, f, s, n_H, n_W = _pool_args(A, f, stride, mode)
    if mode == "max" and f == s == 2 and fastpaths.max_pool_2x2_tiles(A, n_H, n_W):
        return fastpaths.max_pool_2x2_forward(A, n_H, n_W)
    return _pool2d_forward(A, f, s, n_H, n_W, mode)


def _pool2d_forward(A, f, s, n_H, n_W, mode):
    """General pooling (any f, s): the separable window reduction, with argmax tracking for max."""
    # Pooling is separable: reduce each window row over its f columns first (stage 1, on every input
    # row a window touches), then over the window's f rows (stage 2). Each stage is f whole-array ops on
    # strided slices; rows shared by overlapping windows are reduced once. Doing the columns first keeps
    # np.argmax's row-major tie order: stage 2 keeps the first row holding the maximum, and stage 1 the
    # first column within that row.
    h_end = s * (n_H - 1) + 1
    w_end = s * (n_W - 1) + 1
    rows = A[:, :h_end + f - 1]                                     # the rows some window reads

    def column(j):                                                  # (m, rows, n_W, n_C)
        return rows[:, :, j:j + w_end:s, :]

    if mode == "avg":
        R = column(0).copy()
        for j in range(1, f):
            R += column(j)
        out = R[:, 0:h_end:s].copy()
        for i in range(1, f):
            out += R[:, i:i + h_end:s]
        out *= out.dtype.type(1.0 / (f * f))
        return out, (A.shape, A.dtype, f, s, mode, None)

    # Window indices are tracked with a monotone trick instead of masked assignment (np.putmask / np.where
    # are ~40x slower than plain ufuncs here): candidates are visited in increasing index order, so
    # "take the new index where it won" equals max(old index, won · new index).
    idx_dtype = np.min_scalar_type(f * f - 1)   # uint8 for windows up to 16x16: a small cache
    # Stage 1: R = row-wise window maximum, j_idx = its first column.
    R = column(0).copy()
    j_idx = np.zeros(R.shape, idx_dtype)
    better = np.empty(R.shape, bool)
    cand = np.empty(R.shape, idx_dtype)
    for j in range(1, f):
        v = column(j)
        np.greater(v, R, out=better)            # strictly greater: an equal later value does not win
        np.maximum(R, v, out=R)
        np.multiply(better, idx_dtype.type(j), out=cand)
        np.maximum(j_idx, cand, out=j_idx)
    # Stage 2: out = maximum over the window's rows; argmax = i·f + (first column within row i).
    out = R[:, 0:h_end:s].copy()
    argmax = j_idx[:, 0:h_end:s].copy()
    better = np.empty(out.shape, bool)
    cand = np.empty(out.shape, idx_dtype)
    for i in range(1, f):
        v = R[:, i:i + h_end:s]
        np.greater(v, out, out=better)
        np.maximum(out, v, out=out)
        np.add(j_idx[:, i:i + h_end:s], idx_dtype.type(i * f), out=cand)
        cand *= better
        np.maximum(argmax, cand, out=argmax)
    return out, (A.shape, A.dtype, f, s, mode, argmax)


def pool2d_backward(dout, cache) -> np.ndarray:
    """Backward pass of :func:`pool2d_forward`.

    ``dout`` ``(m, n_H, n_W, n_C)`` → ``dA`` ``(m, n_H_prev, n_W_prev, n_C)``. Max pooling routes each
    gradient to the first maximum of its window; average pooling spreads it evenly (÷ f²).
    Overlapping windows (f > s) accumulate.
    """
    A_shape, dtype, f, s, mode, argmax = cache
    m, n_H_prev, n_W_prev, n_C = A_shape
    dout = np.asarray(dout, dtype=dtype)      # gradients come back in the forward input's dtype
    if dout.ndim != 4 or dout.shape[0] != m or dout.shape[3] != n_C:
        raise ValueError(f"dout must be (m={m}, n_H, n_W, n_C={n_C}), got shape {dout.shape}")
    n_H, n_W = dout.shape[1:3]
    if (n_H, n_W) != (conv_output_size(n_H_prev, f, 0, s), conv_output_size(n_W_prev, f, 0, s)):
        raise ValueError(f"dout has spatial size {n_H}×{n_W}, which does not match the forward pass")
    h_end = s * (n_H - 1) + 1
    w_end = s * (n_W - 1) + 1
    # When the windows tile the input exactly (f = s = 2 on even sizes) every input element gets
    # exactly one value: write into an uninitialised array instead of zeroing it and adding.
    if mode == "max2x2":
        return fastpaths.max_pool_2x2_backward(dout, argmax, A_shape)
    tiles = f == s and n_H * f == n_H_prev and n_W * f == n_W_prev
    dA = np.empty(A_shape, dout.dtype) if tiles else np.zeros(A_shape, dout.dtype)
    if mode == "max":
        mask = np.empty(dout.shape, bool)
        part = np.empty(dout.shape, dout.dtype)
    else:
        part = dout * dout.dtype.type(1.0 / (f * f))
    for k in range(f * f):          # one whole-array step per window offset (i, j)
        i, j = divmod(k, f)
        target = dA[:, i:i + h_end:s, j:j + w_end:s, :]
        if mode == "max":
            np.equal(argmax, k, out=mask)
            np.multiply(dout, mask, out=part)      # dout where this offset held the maximum, else 0
        if tiles:
            target[...] = part
        else:
            target += part
    return dA


# --------------------------------------------------------------------------------------------------
# Dense
# --------------------------------------------------------------------------------------------------

def dense_forward(A, W, b):
    """Fully connected layer ``Z = A @ W + b``.

    ``A`` ``(m, n_in)``, ``W`` ``(n_in, n_out)``, ``b`` ``(n_out,)`` → ``(Z (m, n_out), cache)``.
    """
    dtype = _float_dtype(A, W)
    A = _float_array(A, dtype)
    W = _float_array(W, dtype)
    if A.ndim != 2 or W.ndim != 2 or A.shape[1] != W.shape[0]:
        raise ValueError(f"dense needs A (m, n_in) and W (n_in, n_out), got {A.shape} and {W.shape}")
    Z = A @ W
    Z += np.asarray(b).reshape(W.shape[1])   # in place on the fresh matmul result
    return Z, (A, W)


def dense_backward(dZ, cache, need_input_grad=True):
    """Backward pass of :func:`dense_forward`: ``dZ`` ``(m, n_out)`` → ``(dA or None, dW, db)``."""
    A, W = cache
    dZ = np.asarray(dZ, dtype=A.dtype)
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    dA = dZ @ W.T if need_input_grad else None
    return dA, dW, db
