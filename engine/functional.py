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
so no batch-sized patch matrix exists.

This module reads as the course would write the kernels. Where a measurement found a faster way to
compute the same numbers, the dispatch is in the open: :func:`conv_forward_method`,
:func:`conv_input_grad_method` and :func:`conv_weight_grad_method` name the method a layer of given sizes
takes (the width-blocked im2col of first layers and the banded input gradient in engine/fastpaths.py,
Winograd F(2×2, 3×3) for wide stride-1 3×3 layers in engine/winograd.py), and the forward passes return
named caches (engine/caches.py) that carry it to the backward pass. The tests compare every method
against slow loop versions (tests/engine/reference.py).
"""
from __future__ import annotations

import operator

import numpy as np

from . import fastpaths
# The activations and losses live in engine.activations; they are re-exported here (public API).
from .activations import (ACTIVATIONS, LEAKY_RELU_SLOPE, _float_array, activation_backward,
                          activation_backward_consuming, activation_forward, sigmoid, sigmoid_binary_cross_entropy, softmax,
                          softmax_cross_entropy)
from . import patches
from . import winograd
from .caches import (BANDED, COL2IM, IM2COL, MAX_POOL_2X2, POINTWISE, POOL_WINDOWS, WIDTH_BLOCKED, WINOGRAD,
                     ConvCache, DenseCache, PoolCache)
from .fastpaths import Workspace
from .patches import PatchSource, RowPatchSource
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
    "conv_forward_method",
    "conv_input_grad_method",
    "conv_weight_grad_method",
    "conv_output_size",
    "dense_backward",
    "dense_forward",
    "pool2d",
    "pool2d_backward",
    "pool2d_forward",
    "pool_method",
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



def conv_forward_method(f: int, s: int, n_C_prev: int, n_C: int, n_H: int, n_W: int) -> str:
    """How the forward pass computes an ``f × f`` stride-``s`` convolution ``n_C_prev → n_C`` with
    ``n_H × n_W`` outputs: WIDTH_BLOCKED (few input channels: first layers), WINOGRAD (stride-1 3×3 with
    enough channels and outputs) or IM2COL. The weight gradient follows (:func:`conv_weight_grad_method`)."""
    if fastpaths.width_block(f, s, n_C_prev, n_C, n_W) > 1:
        return WIDTH_BLOCKED
    if winograd.use_winograd(f, s, n_C_prev, n_C, n_H, n_W):
        return WINOGRAD
    return IM2COL


def conv_weight_grad_method(cache: ConvCache, n_H: int, n_W: int) -> str:
    """How :func:`conv2d_backward` computes ``dW`` for ``n_H × n_W`` outputs: WIDTH_BLOCKED when the
    forward pass was (its patches are the blocked ones), WINOGRAD for wide stride-1 3×3 layers, else
    IM2COL (``patchesᵀ · dZ``)."""
    if cache.method == WIDTH_BLOCKED:
        return WIDTH_BLOCKED
    f, _, n_C_prev, n_C = cache.W.shape
    if winograd.use_winograd_weight_grad(f, cache.stride, n_C_prev, n_C, n_H, n_W):
        return WINOGRAD
    return IM2COL


def conv_input_grad_method(f: int, s: int, p: int, n_C_prev: int, n_C: int, n_H_prev: int, n_W_prev: int,
                           n_W: int) -> str:
    """How :func:`conv2d_backward` computes ``dA_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)`` from ``dZ``
    with ``n_C`` channels and ``n_W`` columns: POINTWISE (1×1, stride 1, no padding: one product), WINOGRAD
    (stride-1 3×3: ``dA`` is itself such a convolution of ``dZ``), BANDED (few channels, through the
    width-blocked weights) or COL2IM."""
    if f == 1 and s == 1 and p == 0:
        return POINTWISE
    if winograd.use_winograd(f, s, n_C, n_C_prev, n_H_prev, n_W_prev):
        return WINOGRAD
    if fastpaths.input_grad_block(f, s, n_C, n_W, n_C_prev):
        return BANDED
    return COL2IM


def conv2d_forward(A_prev, W, b, stride=1, pad=0, *, workspace=None):
    """Forward pass of :func:`conv2d`; also returns the :class:`~engine.caches.ConvCache` that
    :func:`conv2d_backward` needs.

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
    b = b.reshape(n_C)
    method = conv_forward_method(f, s, n_C_prev, n_C, n_H, n_W)

    if method == WIDTH_BLOCKED:
        Bw = fastpaths.width_block(f, s, n_C_prev, n_C, n_W)
        source = RowPatchSource(A_prev, f, s, p, n_H, n_W, Bw, workspace)
        Z = fastpaths.conv_forward_rows(source, W, b)
    elif method == WINOGRAD:
        # The weight gradient may still need the im2col patches: the source borrows its buffer from a
        # Workspace only when the backward pass builds them (inference allocates none).
        Z = winograd.winograd_conv3x3(A_prev, winograd.filter_transform(W), b, p)
        source = PatchSource(A_prev, f, s, p, n_H, n_W, workspace or Workspace())
    else:
        # im2col, streamed: the patches of a few samples at a time (engine.patches) go straight into the
        # product, so no batch-sized patch matrix is ever allocated or kept for the backward pass.
        source = PatchSource(A_prev, f, s, p, n_H, n_W, workspace)
        W2d = W.reshape(f * f * n_C_prev, n_C)
        Z2d = np.empty((m * n_H * n_W, n_C), dtype)   # rows are (sample, row, column): NHWC
        rows = source.rows_per_sample
        for start, stop in source.chunks():
            fastpaths.matmul_rows(source.build(start, stop), W2d, out=Z2d[start * rows:stop * rows])
        fastpaths.add_bias(Z2d, b, n_H * n_W)
        Z = Z2d.reshape(m, n_H, n_W, n_C)
    return Z, ConvCache(method, source, W, A_prev.shape, s, p)


def conv2d_backward(dZ, cache: ConvCache, need_input_grad=True):
    """Backward pass of :func:`conv2d_forward`.

    Parameters
    ----------
    dZ : ``(m, n_H, n_W, n_C)`` gradient of the loss with respect to ``Z``
    cache : the :class:`~engine.caches.ConvCache` from :func:`conv2d_forward`
    need_input_grad : skip ``dA_prev`` (the most expensive part) when False, e.g. for the first layer

    Returns
    -------
    ``(dA_prev, dW, db)``: ``dA_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)`` or ``None``,
    ``dW`` ``(f, f, n_C_prev, n_C)``, ``db`` ``(n_C,)``. With padding, ``dA_prev`` is a view into a
    padded buffer (not C-contiguous); it is a fresh array either way, safe to modify.
    """
    source, W, A_shape, s, p = cache.patches, cache.W, cache.input_shape, cache.stride, cache.pad
    f, _, n_C_prev, n_C = W.shape
    m, n_H_prev, n_W_prev, _ = A_shape
    dtype = source.dtype
    dZ = np.asarray(dZ, dtype=dtype)
    if dZ.ndim != 4 or dZ.shape[0] != m or dZ.shape[3] != n_C:
        raise ValueError(f"dZ must be (m={m}, n_H, n_W, n_C={n_C}), got shape {dZ.shape}")
    _, n_H, n_W, _ = dZ.shape
    if n_H * -(-n_W // cache.block_width) != source.rows_per_sample:
        raise ValueError(f"dZ has spatial size {n_H}×{n_W}, which does not match the forward pass")
    dZ2d = np.ascontiguousarray(dZ).reshape(m * n_H * n_W, n_C)

    weight_method = conv_weight_grad_method(cache, n_H, n_W)
    if weight_method == WIDTH_BLOCKED:
        dW = fastpaths.conv_rows_weight_grad(source, dZ, W.shape)
    elif weight_method == WINOGRAD:
        dW = winograd.weight_grad(source.A_prev, dZ, p)
    else:
        # dW = patchesᵀ · dZ, summed over the sample chunks (each chunk's patches built again).
        rows = source.rows_per_sample
        dW = None
        for start, stop in source.chunks():
            part = fastpaths.gram_rows(source.build(start, stop), dZ2d[start * rows:stop * rows])
            dW = np.array(part) if dW is None else np.add(dW, part, out=dW)
        dW = np.ascontiguousarray(dW).reshape(W.shape)
    # Column sums as a matrix-vector product: a BLAS gemv is ~20x faster than dZ2d.sum(axis=0),
    # which walks a tall, narrow array one short row at a time.
    db = np.ones(dZ2d.shape[0], dtype) @ dZ2d

    if not need_input_grad:
        return None, dW, db

    input_method = conv_input_grad_method(f, s, p, n_C_prev, n_C, n_H_prev, n_W_prev, n_W)
    if input_method == POINTWISE:
        # Every input pixel feeds exactly one output pixel: dA is one product.
        return (dZ2d @ W.reshape(n_C_prev, n_C).T).reshape(A_shape), dW, db
    if input_method == WINOGRAD:
        return winograd.input_grad(dZ, W, p, A_shape), dW, db
    if input_method == BANDED:
        Bw_in = fastpaths.input_grad_block(f, s, n_C, n_W, n_C_prev)
        return fastpaths.conv_input_grad_rows(dZ, W, s, p, A_shape, Bw_in), dW, db
    return _col2im(dZ2d, W, s, p, A_shape, n_H, n_W), dW, db


def _col2im(dZ2d, W, s, p, A_shape, n_H, n_W):
    """``dA_prev`` ``A_shape`` from ``dZ2d`` ``(m·n_H·n_W, n_C)``: each patch gradient added back where
    its window was read.

    The gradient of the patches is dZ2d @ W2dᵀ; its block for filter offset (i, j) is dZ2d @ W[i, j]ᵀ,
    shaped (m, n_H, n_W, n_C_prev), and belongs at the strided slice of the input that offset (i, j) read.
    One block at a time into a reused contiguous buffer (not the whole (M, f·f·n_C_prev) matrix at once)
    makes every add read contiguous memory; overlapping windows (f > s) accumulate through +=. The samples
    go in chunks, so the buffer stays about the size of a patch chunk (engine.patches).
    """
    m, n_H_prev, n_W_prev, n_C_prev = A_shape
    f = W.shape[0]
    dtype = dZ2d.dtype
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
        return dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :]
    return dA_pad


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
        # Inference needs the maxima only, not which input won: no index bookkeeping.
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


def pool_method(A, f: int, s: int, mode: str, n_H: int, n_W: int) -> str:
    """How the training forward pass pools ``A`` ``(m, n_H_prev, n_W_prev, n_C)``: MAX_POOL_2X2 (the usual
    2×2 / stride-2 max pool whose windows tile the contiguous ``A`` exactly) or POOL_WINDOWS."""
    if mode == "max" and f == s == 2 and fastpaths.max_pool_2x2_tiles(A, n_H, n_W):
        return MAX_POOL_2X2
    return POOL_WINDOWS


def pool2d_forward(A, f=2, stride=2, mode="max"):
    """Forward pass of :func:`pool2d`; returns ``(out, cache)``, the :class:`~engine.caches.PoolCache`
    that :func:`pool2d_backward` needs.

    For max pooling the cache records, per output element, which input of its window was the first
    maximum in row-major order (the one ``np.argmax`` picks), so a tie sends the gradient to one input only.
    """
    A, f, s, n_H, n_W = _pool_args(A, f, stride, mode)
    if pool_method(A, f, s, mode, n_H, n_W) == MAX_POOL_2X2:
        out, masks = fastpaths.max_pool_2x2_forward(A, n_H, n_W)
        return out, PoolCache(MAX_POOL_2X2, mode, A.shape, A.dtype, f, s, masks=masks)
    out, argmax = _pool2d_forward(A, f, s, n_H, n_W, mode)
    return out, PoolCache(POOL_WINDOWS, mode, A.shape, A.dtype, f, s, argmax=argmax)


def _pool2d_forward(A, f, s, n_H, n_W, mode):
    """General pooling (any f, s): ``(out, argmax)``, ``out`` ``(m, n_H, n_W, n_C)``; for max pooling
    ``argmax`` (same shape) is each window's first maximum as the flat index ``i·f + j``, else None."""
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
        return out, None

    # Window indices are tracked with a monotone trick instead of masked assignment (np.putmask / np.where
    # are far slower than plain ufuncs here): candidates are visited in increasing index order, so
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
    return out, argmax


def pool2d_backward(dout, cache: PoolCache) -> np.ndarray:
    """Backward pass of :func:`pool2d_forward`.

    ``dout`` ``(m, n_H, n_W, n_C)`` → ``dA`` ``(m, n_H_prev, n_W_prev, n_C)``. Max pooling routes each
    gradient to the first maximum of its window; average pooling spreads it evenly (÷ f²).
    Overlapping windows (f > s) accumulate.
    """
    A_shape, f, s, mode = cache.input_shape, cache.f, cache.stride, cache.mode
    m, n_H_prev, n_W_prev, n_C = A_shape
    dout = np.asarray(dout, dtype=cache.dtype)      # gradients come back in the forward input's dtype
    if dout.ndim != 4 or dout.shape[0] != m or dout.shape[3] != n_C:
        raise ValueError(f"dout must be (m={m}, n_H, n_W, n_C={n_C}), got shape {dout.shape}")
    n_H, n_W = dout.shape[1:3]
    if (n_H, n_W) != (conv_output_size(n_H_prev, f, 0, s), conv_output_size(n_W_prev, f, 0, s)):
        raise ValueError(f"dout has spatial size {n_H}×{n_W}, which does not match the forward pass")
    if cache.method == MAX_POOL_2X2:
        return fastpaths.max_pool_2x2_backward(dout, cache.masks, A_shape)
    h_end = s * (n_H - 1) + 1
    w_end = s * (n_W - 1) + 1
    # When the windows tile the input exactly (f = s on divisible sizes) every input element gets
    # exactly one value: write into an uninitialised array instead of zeroing it and adding.
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
            np.equal(cache.argmax, k, out=mask)
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
    return Z, DenseCache(A, W)


def dense_backward(dZ, cache: DenseCache, need_input_grad=True):
    """Backward pass of :func:`dense_forward`: ``dZ`` ``(m, n_out)`` → ``(dA or None, dW, db)``."""
    A, W = cache.A, cache.W
    dZ = np.asarray(dZ, dtype=A.dtype)
    dW = A.T @ dZ
    db = dZ.sum(axis=0)
    dA = dZ @ W.T if need_input_grad else None
    return dA, dW, db
