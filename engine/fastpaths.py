"""Measured fast paths behind the kernels of engine.functional: same numbers, less time.

engine.functional holds the kernels as the course would write them (im2col + one matrix product,
col2im, window-by-window pooling) and calls into this module where a measurement showed a faster way
to compute the same thing. Every function here is checked against the slow loop reference in the tests
(tests/engine/reference.py), also with the choice of path forced (``_FORCE_WIDTH_BLOCK``,
``_FORCE_INPUT_GRAD_BLOCK``), so no path goes untested because the heuristics happen not to pick it.
The measurements behind each rule are in benchmarks/RESULTS.md, "Tuning rules: ...". What each path buys:

* :class:`Workspace` — one reused buffer per thread for the patch chunks of every layer (engine.patches).
* :func:`matmul_rows` / :func:`gram_rows` — tall, narrow products cut into row blocks that stay in L2.
* :func:`add_bias` — the bias tiled over a sample's rows, so NumPy's inner loop is long.
* :func:`width_block` + :func:`conv_forward_rows` / :func:`conv_rows_weight_grad` — the width-blocked
  ("row Toeplitz") im2col for layers with few input channels.
* :func:`input_grad_block` + :func:`conv_input_grad_rows` — the input gradient through the banded weights.
* :func:`max_pool_values`, :func:`max_pool_2x2_forward` / :func:`max_pool_2x2_backward` — the usual
  2×2 / stride-2 max pool, for inference and for training.

Layout is NHWC as everywhere in the engine. The module builds on engine.patches (the patch sources and
their chunk size); engine.functional decides when each path runs and keeps what the backward pass needs
in the named caches of engine.caches.
"""
from __future__ import annotations

import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .patches import CHUNK_BYTES, c_strides

__all__ = [
    "Workspace",
    "add_bias",
    "conv_forward_rows",
    "conv_input_grad_rows",
    "conv_rows_weight_grad",
    "gram_rows",
    "input_grad_block",
    "matmul_rows",
    "max_pool_2x2_backward",
    "max_pool_2x2_forward",
    "max_pool_2x2_tiles",
    "max_pool_values",
    "width_block",
]

# Tests (tests/engine/test_fastpaths.py) set these to force a path: None = the measured choice;
# _FORCE_WIDTH_BLOCK = 1 is plain im2col, Bw >= 2 the width-blocked forward; _FORCE_INPUT_GRAD_BLOCK = 0 is
# the per-offset col2im, Bw >= 1 the banded input gradient.
_FORCE_WIDTH_BLOCK = None
_FORCE_INPUT_GRAD_BLOCK = None


# --------------------------------------------------------------------------------------------------
# Memory: the patches buffer
# --------------------------------------------------------------------------------------------------

class Workspace:
    """Scratch memory for the patch chunks of convolutions (engine.kinds.conv.Conv keeps one per layer).

    The patches are built a few samples at a time (engine.patches) and used at once, in the forward pass
    and again in the backward pass; no chunk has to outlive the product it feeds. So all Workspaces of a
    thread hand out the same memory — one buffer per thread, about engine.patches.CHUNK_BYTES, grown to
    the largest request — instead of one per layer: a deep net keeps one chunk buffer, not one per conv
    layer, between steps and during them. Threads (the engine's batch parts, a window's inference beside
    a training worker) each get their own. Whatever ``take`` returned is valid until the next ``take`` of
    any Workspace in the same thread.
    """

    _local = threading.local()

    def take(self, shape, dtype) -> np.ndarray:
        size = int(np.prod(shape))
        dtype = np.dtype(dtype)
        buffers = getattr(self._local, "buffers", None)
        if buffers is None:
            buffers = self._local.buffers = {}
        buffer = buffers.get(dtype)
        if buffer is None or buffer.size < size:
            buffer = buffers[dtype] = np.empty(size, dtype)
        return buffer[:size].reshape(shape)


# --------------------------------------------------------------------------------------------------
# Matrix products on tall, narrow operands
# --------------------------------------------------------------------------------------------------

# OpenBLAS runs the tall, narrow products of small conv layers — (m·n_H·n_W) × (f·f·n_C_prev) patches
# against n_C ≤ 64 filters — slower than the same product cut into blocks of a few hundred rows, whose
# panel stays in L2. A stacked matmul does the blocks in one call (NumPy loops over them in C). Numbers:
# benchmarks/RESULTS.md, "Tuning rules: row-blocked products".
_ROW_BLOCK = 256
_ROW_BLOCK_THIN = 1024       # patches with fewer columns than this many floats: bigger blocks pay less


def _row_block(n_cols: int) -> int:
    return _ROW_BLOCK_THIN if n_cols < 96 else _ROW_BLOCK


def matmul_rows(P, W2d, out=None):
    """``P @ W2d`` for a tall ``P`` (M, K) and a small ``W2d`` (K, N), computed in row blocks."""
    M, K = P.shape
    N = W2d.shape[1]
    if out is None:
        out = np.empty((M, N), np.result_type(P, W2d))
    rows = _row_block(K)
    n = M // rows
    if n < 2 or N > 256:
        return np.matmul(P, W2d, out=out)
    head = n * rows
    np.matmul(P[:head].reshape(n, rows, K), W2d, out=out[:head].reshape(n, rows, N))
    if head < M:
        np.matmul(P[head:], W2d, out=out[head:])
    return out


def gram_rows(P, D):
    """``P.T @ D`` (K, N) for tall ``P`` (M, K) and ``D`` (M, N): partial products over row blocks, summed.

    Computed as ``(D.T @ P).T`` per block: OpenBLAS is faster in that orientation for the narrow ``D`` of
    small conv layers.
    """
    M, K = P.shape
    N = D.shape[1]
    rows = _row_block(K)
    n = M // rows
    if n < 2 or N > 256:
        return (D.T @ P).T
    head = n * rows
    parts = np.matmul(D[:head].reshape(n, rows, N).transpose(0, 2, 1), P[:head].reshape(n, rows, K))
    acc = parts.sum(axis=0)                                    # (N, K)
    if head < M:
        acc += D[head:].T @ P[head:]
    return acc.T


def add_bias(Z2d, b, rows_per_sample):
    """``Z2d += b`` in place for ``Z2d`` (M, n_C) whose rows come in groups of ``rows_per_sample``.

    Broadcasting a short ``b`` over many short rows runs NumPy's inner loop n_C elements at a time; adding
    ``b`` tiled over one sample's rows makes each inner loop a whole sample.
    """
    M, n_C = Z2d.shape
    if n_C >= 64 or rows_per_sample < 2 or M % rows_per_sample or not Z2d.flags.c_contiguous:
        Z2d += b
        return
    per_sample = Z2d.reshape(M // rows_per_sample, rows_per_sample * n_C)     # a view: Z2d is contiguous
    per_sample += np.tile(b, rows_per_sample)


# --------------------------------------------------------------------------------------------------
# Width-blocked convolution (first layers)
# --------------------------------------------------------------------------------------------------

# Width-blocked im2col ("row Toeplitz"), for layers with few input channels. Plain im2col copies one
# f·n_C_prev-float run of input per (output pixel, filter row): for a first layer (n_C_prev = 1..3) that is
# 5-15 floats per copy, and the copying, not the arithmetic, is most of the layer's time; the product then
# has only n_C (6-16) columns, which BLAS runs far below its peak. Here one patch row covers a block of
# Bw neighbouring output pixels of one output row: for each filter row it holds the U = (Bw−1)·s + f input
# pixels those outputs read, so the copies are Bw times fewer and longer. The weights become a banded
# (f·U·n_C_prev, Bw·n_C) matrix T with T[(i, v·s + j, c), (v, k)] = W[i, j, c, k], and patches @ T gives
# Bw·n_C columns per row, i.e. the Bw output pixels in NHWC order. The price is the zeros of T
# (U/f times the multiply-adds), which BLAS pays gladly at these sizes.
def width_block(f: int, s: int, n_C_prev: int, n_C: int, n_W: int) -> int:
    """Output pixels per patch row (1 = plain im2col). Blocked for short window rows (f·n_C_prev ≤ 16,
    ≤ 21 for strided stems) with at most 16 filters, but not for 3×3 windows over 3+ channels with more
    than 12 filters: there its extra multiply-adds cost more than the copying saves (benchmarks/RESULTS.md,
    "Tuning rules: width-blocked convolution")."""
    if _FORCE_WIDTH_BLOCK is not None:
        return _FORCE_WIDTH_BLOCK
    if f == 1 or f * n_C_prev > (21 if s > 1 else 16) or n_C > 16 or (n_C_prev > 2 and f < 5 and n_C > 12):
        return 1
    # ~32 output columns for BLAS, and at most ~1.8x the multiply-adds of im2col (U/f).
    largest = min(8, 32 // n_C, 1 + (f - 1) // s, n_W)
    best, best_waste = 1, None
    for Bw in range(2, largest + 1):          # prefer a block that divides the width: no wasted columns
        waste = (-n_W) % Bw
        if best_waste is None or waste <= best_waste:
            best, best_waste = Bw, waste
    return best


def _toeplitz(W, Bw: int, s: int, U: int):
    """The banded weight matrix (f·U·n_C_prev, Bw·n_C) of the width-blocked convolution."""
    f, _, n_C_prev, n_C = W.shape
    T = np.zeros((f, U, n_C_prev, Bw, n_C), W.dtype)
    for v in range(Bw):
        T[:, v * s:v * s + f, :, v, :] = W
    return T.reshape(f * U * n_C_prev, Bw * n_C)


def conv_forward_rows(source, W, b):
    """The width-blocked forward pass: ``Z`` ``(m, n_H, n_W, n_C)``, as engine.functional.conv2d_forward.

    ``source`` is the engine.patches.RowPatchSource of the layer's input (``Bw`` output pixels per patch
    row), ``W`` ``(f, f, n_C_prev, n_C)``, ``b`` ``(n_C,)``. The blocked patches
    ``(m·n_H·⌈n_W/Bw⌉, f·U·n_C_prev)`` are built and multiplied a few samples at a time; the same source
    builds them again for :func:`conv_rows_weight_grad`.
    """
    m, n_H, n_W, Bw, s = source.m, source.n_H, source.n_W, source.Bw, source.s
    n_C = W.shape[3]
    nb, rows = source.nb, source.rows_per_sample
    T = _toeplitz(W, Bw, s, source.U)
    Z2 = np.empty((m * rows, Bw * n_C), source.dtype)          # (m·n_H·nb, Bw·n_C)
    for start, stop in source.chunks():
        matmul_rows(source.build(start, stop), T, out=Z2[start * rows:stop * rows])
    Z = Z2.reshape(m, n_H, nb * Bw, n_C)
    if nb * Bw != n_W:
        Z = np.ascontiguousarray(Z[:, :, :n_W])
    add_bias(Z.reshape(m * n_H * n_W, n_C), b, n_H * n_W)
    return Z


def _dZ_blocks(dZ, Bw: int, chunk: int):
    """``(start, stop) → dZ[start:stop]`` as ``(k, n_H, nb·Bw, n_C)`` for ``dZ`` ``(m, n_H, n_W, n_C)``, k ≤
    ``chunk``: the output gradient in the width-blocked layout. When Bw does not divide n_W the forward's
    last block of each row sticks out and its extra outputs get zero gradient, through one chunk-sized
    buffer whose extra columns stay zero (not a padded copy of the whole dZ); the result is valid until
    the next call."""
    m, n_H, n_W, n_C = dZ.shape
    dZ = np.ascontiguousarray(dZ)
    nb = -(-n_W // Bw)
    if nb * Bw == n_W:
        return lambda start, stop: dZ[start:stop]
    ragged = np.zeros((min(chunk, m), n_H, nb * Bw, n_C), dZ.dtype)

    def blocks(start, stop):
        out = ragged[:stop - start]
        out[:, :, :n_W] = dZ[start:stop]
        return out
    return blocks


def conv_rows_weight_grad(source, dZ, W_shape):
    """``dW`` ``(f, f, n_C_prev, n_C)`` from the blocked patches of :func:`conv_forward_rows` (its
    RowPatchSource, built again chunk by chunk) and ``dZ`` ``(m, n_H, n_W, n_C)``: the gradient of the
    banded T, folded back, dW[i, j] = Σ_v dT[(i, v·s + j), (v)]."""
    f, _, n_C_prev, n_C = W_shape
    s, Bw = source.s, source.Bw
    blocks = _dZ_blocks(dZ, Bw, source.chunk)
    dT = None
    for start, stop in source.chunks():
        part = gram_rows(source.build(start, stop), blocks(start, stop).reshape(-1, Bw * n_C))
        dT = np.array(part) if dT is None else np.add(dT, part, out=dT)
    dT = dT.reshape(f, (Bw - 1) * s + f, n_C_prev, Bw, n_C)
    dW = dT[:, 0:f, :, 0, :].copy()
    for v in range(1, Bw):
        dW += dT[:, v * s:v * s + f, :, v, :]
    return dW


def input_grad_block(f: int, s: int, n_C: int, n_W: int, n_C_prev: int = 1) -> int:
    """Output pixels per block for conv_input_grad_rows, or 0 for the per-offset col2im below it.

    The banded form wins where the per-offset col2im's adds are shortest: at stride 1, 5×5 and larger
    windows over at most 8 input channels and 40 filters; strided, up to 10 input channels (the col2im then
    adds runs of only n_C_prev values, s·n_C_prev apart, f² times). Numbers: benchmarks/RESULTS.md,
    "Tuning rules: banded input gradient".
    """
    if _FORCE_INPUT_GRAD_BLOCK is not None:
        return _FORCE_INPUT_GRAD_BLOCK
    if s > 1:
        if n_C_prev > 10 or n_C > 40:
            return 0
        return max(1, min(3 if n_C_prev <= 3 else 2, n_W))
    if n_C > 40 or f < 5 or n_C_prev > 8:
        return 0
    largest = max(1, min(8, 80 // n_C, n_W))
    best, best_waste = 1, (-n_W) % 1
    for Bw in range(2, largest + 1):
        waste = (-n_W) % Bw
        if waste <= best_waste:
            best, best_waste = Bw, waste
    return best


def conv_input_grad_rows(dZ, W, s, p, A_shape, Bw):
    """dA_prev of a convolution through the width-blocked (banded) weights; see conv_forward_rows.

    dP = dZ_blocks @ Tᵀ gives, per (output row, block of Bw outputs, filter row i), the gradient of the
    U·n_C_prev input values that block read: one contiguous run of the padded input row. Blocks g apart
    (g = ⌈U / (Bw·s)⌉) never overlap, so each (i, group) is one whole-array add of runs U·n_C_prev long.
    """
    m, n_H_prev, n_W_prev, n_C_prev = A_shape
    f, _, _, n_C = W.shape
    _, n_H, n_W, _ = dZ.shape
    dtype = dZ.dtype
    nb = -(-n_W // Bw)
    U = (Bw - 1) * s + f
    run = U * n_C_prev
    T_t = np.ascontiguousarray(_toeplitz(W, Bw, s, U).T)       # (Bw·n_C, f·U·n_C_prev)
    H_in = n_H_prev + 2 * p
    W_in = max(n_W_prev + 2 * p, (nb * Bw - 1) * s + f)
    dA_pad = np.zeros((m, H_in, W_in, n_C_prev), dtype)
    _, sh, sw, sc = c_strides(dA_pad)
    g = -(-U // (Bw * s))
    # dP is several times the input gradient: formed a few samples at a time, about a patch chunk
    # (engine.patches.CHUNK_BYTES), so it never sets the step's memory peak.
    per_sample = n_H * nb * f * run * dtype.itemsize
    chunk = max(1, min(m, CHUNK_BYTES // per_sample))
    blocks = _dZ_blocks(dZ, Bw, chunk)
    for start in range(0, m, chunk):
        stop = min(m, start + chunk)
        dP = matmul_rows(blocks(start, stop).reshape(-1, Bw * n_C), T_t)
        dP = dP.reshape(stop - start, n_H, nb, f, run)
        part = dA_pad[start:stop]
        sm = part.strides[0]
        for q in range(min(g, nb)):
            n_q = len(range(q, nb, g))
            for i in range(f):
                target = as_strided(part[:, i:, q * Bw * s:, :], (stop - start, n_H, n_q, run),
                                    (sm, s * sh, g * Bw * s * sw, sc))
                target += dP[:, :, q::g, i, :]
    return dA_pad[:, p:p + n_H_prev, p:p + n_W_prev, :]


# --------------------------------------------------------------------------------------------------
# 2×2 / stride-2 max pooling
# --------------------------------------------------------------------------------------------------

# Inference needs only the maxima, not which input won. For the usual 2×2 / stride-2 window on a
# contiguous input that tiles exactly, each window-row pair is one contiguous run of n_W_prev·n_C values:
# taking the maximum of the two rows first runs with long inner loops and halves the data before the
# short-stride maximum across columns (pool2d_forward also tracks the argmax, which costs more).
def max_pool_values(A, f, s, n_H, n_W):
    """Max pooling's output ``(m, n_H, n_W, n_C)`` only (no argmax), for ``A`` ``(m, n_H_prev, n_W_prev, n_C)``."""
    m, n_H_prev, n_W_prev, n_C = A.shape
    if f == s == 2 and n_H_prev == 2 * n_H and n_W_prev == 2 * n_W and A.flags.c_contiguous:
        pairs = A.reshape(m, n_H, 2, n_W_prev * n_C)
        rows = np.maximum(pairs[:, :, 0], pairs[:, :, 1]).reshape(m, n_H, n_W, 2, n_C)
        return np.maximum(rows[:, :, :, 0], rows[:, :, :, 1])
    h_end = s * (n_H - 1) + 1
    w_end = s * (n_W - 1) + 1
    out = None
    for i in range(f):
        for j in range(f):
            window = A[:, i:i + h_end:s, j:j + w_end:s, :]
            out = window.copy() if out is None else np.maximum(out, window, out=out)
    return out


# Training, 2×2 / stride 2 on a contiguous input that tiles exactly (the usual max pool). Window
# a b / c d. Rows first, with long inner loops: per column, R = max(top, bottom) and `lower` = the bottom
# value is strictly larger (so a tie keeps the top row). Then across the two columns of each window
# (short inner loops, n_C at a time — the part that costs): the right column wins if its maximum is
# larger, or on a tie if the left column's maximum sits in the bottom row and the right one's in the top
# row. That is exactly np.argmax's row-major first maximum (a, then b, then c, then d) with 4 short-stride
# passes instead of ~10 for the general index tracking. Backward: 2 short-stride copies, the rest long.
def max_pool_2x2_tiles(A, n_H, n_W) -> bool:
    """True when :func:`max_pool_2x2_forward` applies: 2×2 windows tile the contiguous ``A`` exactly."""
    _, n_H_prev, n_W_prev, _ = A.shape
    return n_H_prev == 2 * n_H and n_W_prev == 2 * n_W and A.flags.c_contiguous


def max_pool_2x2_forward(A, n_H, n_W):
    """Training forward of a tiling 2×2 / stride-2 max pool: ``(out (m, n_H, n_W, n_C), (lower, right))``,
    the two winner masks :func:`max_pool_2x2_backward` needs (``lower`` ``(m, n_H, 2·n_W·n_C)``: the bottom
    row won; ``right`` ``(m, n_H, n_W, n_C)``: the right column won)."""
    m, _, n_W_prev, n_C = A.shape
    pairs = A.reshape(m, n_H, 2, n_W_prev * n_C)
    top, bottom = pairs[:, :, 0], pairs[:, :, 1]
    lower = np.greater(bottom, top)
    R = np.maximum(top, bottom).reshape(m, n_H, n_W, 2, n_C)
    # One short-stride copy each puts the left and right columns in separate contiguous halves (a plain
    # copy costs about half a short-stride comparison); everything after it runs on contiguous arrays.
    Rc = np.empty((2, m, n_H, n_W, n_C), A.dtype)
    np.copyto(Rc, R.transpose(3, 0, 1, 2, 4))
    Lc = np.empty((2, m, n_H, n_W, n_C), bool)
    np.copyto(Lc, lower.reshape(m, n_H, n_W, 2, n_C).transpose(3, 0, 1, 2, 4))
    out = np.maximum(Rc[0], Rc[1])
    right = np.greater(Rc[1], Rc[0])
    tie = np.equal(Rc[1], Rc[0])
    tie &= np.greater(Lc[0], Lc[1])
    right |= tie
    return out, (lower, right)


def max_pool_2x2_backward(dout, masks, A_shape):
    """``dA`` ``A_shape`` from ``dout`` ``(m, n_H, n_W, n_C)`` and the masks of :func:`max_pool_2x2_forward`."""
    lower, right = masks
    m, n_H_prev, n_W_prev, n_C = A_shape
    n_H, n_W = n_H_prev // 2, n_W_prev // 2
    columns = np.empty((m, n_H, n_W, 2, n_C), dout.dtype)      # each window's gradient, in its column
    columns[:, :, :, 1] = dout * right
    columns[:, :, :, 0] = dout * ~right
    columns = columns.reshape(m, n_H, n_W_prev * n_C)
    dA = np.empty(A_shape, dout.dtype)
    rows = dA.reshape(m, n_H, 2, n_W_prev * n_C)
    np.multiply(columns, lower, out=rows[:, :, 1])
    np.multiply(columns, ~lower, out=rows[:, :, 0])
    return dA

