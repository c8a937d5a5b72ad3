"""Winograd F(2×2, 3×3): stride-1 3×3 convolutions with 2.25× fewer multiplies than im2col.

A 3×3 stride-1 convolution computes each 2×2 block of outputs ("tile") from a 4×4 block of input. The
minimal filtering algorithm F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
Networks", 2016) writes that as

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A            g: 3×3 filter, d: 4×4 input tile, Y: 2×2 outputs

with small constant matrices B (4×4), G (4×3), A (4×2). Over channels the elementwise product becomes,
for each of the 16 positions of the 4×4 transformed tile, one matrix product
``V[k] (tiles, C_in) @ U[k] (C_in, C_out)``: 16 multiplies per 4 outputs and input channel instead of 36.
The input transform ``Bᵀ d B`` and the output transform ``Aᵀ M A`` have only 0/±1 coefficients: they are
whole-array additions over strided views of the tiles, no per-tile Python loop. Tiles overlap by two
pixels, so the transformed input is 4× the input's size (im2col's patches are 9×); the samples go in chunks
(about :data:`CHUNK_BYTES` of transformed input), so neither it nor the 16 products ever exist for the whole
batch.

Used by engine.functional for the forward pass and for the input gradient, which for stride 1 is itself
a 3×3 stride-1 convolution: of ``dZ`` padded by ``2 − p`` with the filters rotated by 180° and their
channel axes swapped. (The weight gradient stays im2col.) Float32 error: G's entries are 0, ±½, 1 and the
transforms add at most 9 terms, so the results agree with im2col to a few float32 ulps of the largest
term (the tests use rtol 1e-4 against the loop reference). :func:`use_winograd` holds the measured rule.

Layout is NHWC as everywhere in the engine: activations ``(m, n_H, n_W, n_C)``, weights
``(3, 3, n_C_prev, n_C)``. Pure NumPy: never imports Qt, pyqtgraph or the designer package.
"""
from __future__ import annotations

import numpy as np

from .fastpaths import add_bias

__all__ = ["CHUNK_BYTES", "filter_transform", "input_grad", "use_winograd", "winograd_conv3x3"]

# Tests (tests/engine/test_winograd.py) set this to force the choice: None = the measured rule,
# True = every stride-1 3×3 convolution, False = never.
_FORCE = None

# Transformed input per chunk of samples; the 16 products' output is at most as large again. Measured
# (32×32×32 → 32 at batch 32, 16×16×64 → 128 at batch 64, 8×8×128 → 128; 1 thread): 2 MiB 5-25 % faster
# than 256 KiB-1 MiB, 4 MiB slower again.
CHUNK_BYTES = 1 << 21

_G = np.array([[1.0, 0.0, 0.0],
               [0.5, 0.5, 0.5],
               [0.5, -0.5, 0.5],
               [0.0, 0.0, 1.0]])


def use_winograd(f: int, s: int, n_C_prev: int, n_C: int, n_H: int, n_W: int) -> bool:
    """Whether a convolution (``f × f``, stride ``s``, ``n_C_prev → n_C`` channels, ``n_H × n_W``
    outputs) goes through Winograd. Measured: see benchmarks/RESULTS.md, round two."""
    if f != 3 or s != 1:
        return False
    if _FORCE is not None:
        return _FORCE
    return min(n_C_prev, n_C) >= 24 and min(n_H, n_W) >= 4


def filter_transform(W) -> np.ndarray:
    """``U = G g Gᵀ`` for every filter pair: ``W`` ``(3, 3, C_in, C_out)`` → ``(16, C_in, C_out)``."""
    G = _G.astype(W.dtype)
    U = np.einsum("ai,ijck,bj->abck", G, W, G, optimize=True)
    return np.ascontiguousarray(U.reshape(16, W.shape[2], W.shape[3]))


def _chunk_samples(tiles_per_sample: int, C_in: int, C_out: int, itemsize: int, m: int) -> int:
    per_sample = 16 * tiles_per_sample * max(C_in, C_out) * itemsize
    return max(1, min(m, CHUNK_BYTES // max(1, per_sample)))


def _fill_split(P, A, start, stop, p):
    """Samples ``start:stop`` of ``A`` ``(m, H, W, C)``, zero-padded, into ``P`` ``(2, k, Hq, tW + 1, C)``:
    the padded image's even columns in ``P[0]``, its odd columns in ``P[1]`` (padded row ``r``, column
    ``c`` hold input pixel ``(r − p, c − p)``; a negative ``p`` crops). With the columns split by parity
    every tile column the transform reads is a run of whole rows, not one pixel in two: measured
    1.2-1.8x faster than the transform on strided columns."""
    _, k, Hq, half, _ = P.shape
    _, H, W, _ = A.shape
    r0, r1 = max(0, p), min(Hq, H + p)           # padded rows that hold input
    c0, c1 = max(0, p), min(2 * half, W + p)      # padded columns that hold input
    P[:, :, :r0] = 0
    P[:, :, r1:] = 0
    for q in (0, 1):
        cq = c0 + (q - c0) % 2                    # first input-holding padded column of parity q
        n = len(range(cq, c1, 2))
        j0 = cq // 2
        target = P[q][:, r0:r1]
        target[:, :, :j0] = 0
        target[:, :, j0 + n:] = 0
        if n:
            target[:, :, j0:j0 + n] = A[start:stop, r0 - p:r1 - p, cq - p:cq - p + 2 * n - 1:2]


def _input_transform(P, V, tH, tW):
    """``V[4a + b]`` ``(k, tH, tW, C)`` = position (a, b) of ``Bᵀ d B`` for every 4×4 tile ``d`` of the
    padded chunk split by column parity in ``P`` ``(2, k, 2tH + 2, tW + 1, C)``; ``V`` is
    ``(16, k·tH·tW, C)``.

    Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], applied to the tiles' rows (every
    other row of P), then to their columns: tile column j of tile t is column t + j // 2 of P[j % 2]."""
    _, k, _, half, C = P.shape
    d = [P[:, :, i:i + 2 * tH:2] for i in range(4)]              # (2, k, tH, tW + 1, C) each
    R = np.empty((4, 2, k, tH, half, C), P.dtype)
    np.subtract(d[0], d[2], out=R[0])
    np.add(d[1], d[2], out=R[1])
    np.subtract(d[2], d[1], out=R[2])
    np.subtract(d[1], d[3], out=R[3])
    V4 = V.reshape(4, 4, k, tH, tW, C)
    for a in range(4):
        e = [R[a, 0][:, :, 0:tW], R[a, 1][:, :, 0:tW], R[a, 0][:, :, 1:tW + 1], R[a, 1][:, :, 1:tW + 1]]
        np.subtract(e[0], e[2], out=V4[a, 0])
        np.add(e[1], e[2], out=V4[a, 1])
        np.subtract(e[2], e[1], out=V4[a, 2])
        np.subtract(e[1], e[3], out=V4[a, 3])


def _output_transform(M, Y, tH, tW):
    """``Y`` ``(k, 2tH, 2tW, C)`` ← ``Aᵀ M A`` per tile, ``M`` ``(16, k·tH·tW, C)`` the 16 products.

    Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: rows first (M as (4, 4, ...)), then columns, each output
    written straight into its strided place in Y."""
    k, _, _, C = Y.shape
    M4 = M.reshape(4, 4, k, tH, tW, C)
    S = np.empty((2, 4, k, tH, tW, C), M.dtype)
    np.add(M4[0], M4[1], out=S[0])
    S[0] += M4[2]
    np.subtract(M4[1], M4[2], out=S[1])
    S[1] -= M4[3]
    for a in range(2):
        top = Y[:, a::2, 0::2]
        np.add(S[a, 0], S[a, 1], out=top)
        top += S[a, 2]
        right = Y[:, a::2, 1::2]
        np.subtract(S[a, 1], S[a, 2], out=right)
        right -= S[a, 3]


def winograd_conv3x3(A, U, b, p, *, workspace=None):
    """A stride-1 3×3 convolution by Winograd F(2×2, 3×3).

    Parameters
    ----------
    A : ``(m, H, W, C_in)`` float32 or float64
    U : ``(16, C_in, C_out)`` from :func:`filter_transform`, same dtype
    b : ``(C_out,)`` or None
    p : zeros of padding on every side (a negative ``p`` crops ``−p`` pixels instead)
    workspace : accepted for symmetry with the im2col path; the chunk buffers are small and fresh

    Returns
    -------
    Z : ``(m, H + 2p − 2, W + 2p − 2, C_out)``, C-contiguous
    """
    m, H, W_, C_in = A.shape
    C_out = U.shape[2]
    dtype = A.dtype
    n_H, n_W = H + 2 * p - 2, W_ + 2 * p - 2
    tH, tW = -(-n_H // 2), -(-n_W // 2)
    even = n_H == 2 * tH and n_W == 2 * tW
    Z = np.empty((m, 2 * tH, 2 * tW, C_out), dtype)
    tiles = tH * tW
    k_max = _chunk_samples(tiles, C_in, C_out, dtype.itemsize, m)
    P = np.empty((2, k_max, 2 * tH + 2, tW + 1, C_in), dtype)
    V = np.empty((16, k_max * tiles, C_in), dtype)
    M = np.empty((16, k_max * tiles, C_out), dtype)
    for start in range(0, m, k_max):
        stop = min(m, start + k_max)
        k = stop - start
        Pk = P[:, :k]
        _fill_split(Pk, A, start, stop, p)
        Vk = V[:, :k * tiles]
        Mk = M[:, :k * tiles]
        _input_transform(Pk, Vk, tH, tW)
        np.matmul(Vk, U, out=Mk)
        if b is not None:
            # Position (1, 1) enters all four outputs of a tile with coefficient +1 (Aᵀ's column 1 is
            # (1, 1)): the bias added there once is added to every output.
            add_bias(Mk[5], b, tiles)
        _output_transform(Mk, Z[start:stop], tH, tW)
    if not even:
        Z = np.ascontiguousarray(Z[:, :n_H, :n_W])
    return Z


def input_grad(dZ, W, p, A_shape, *, workspace=None):
    """``dA_prev`` ``A_shape`` = ``(m, H, W, C_in)`` of a stride-1 3×3 convolution with padding ``p``,
    from ``dZ`` ``(m, H + 2p − 2, W + 2p − 2, C_out)`` and ``W`` ``(3, 3, C_in, C_out)``.

    dA_pad[y, x, c] = Σ_{i, j, k} dZ[y − i, x − j, k] · W[i, j, c, k]: a correlation of ``dZ`` padded by
    2 with the filters rotated by 180° (``W[2 − i, 2 − j, c, k]``) and ``c``, ``k`` swapped; its rows
    ``p … p + H − 1`` are dA_prev, so ``dZ`` is padded by ``2 − p`` directly."""
    W_rot = np.ascontiguousarray(W[::-1, ::-1].transpose(0, 1, 3, 2))     # (3, 3, C_out, C_in)
    dA = winograd_conv3x3(dZ, filter_transform(W_rot), None, 2 - p, workspace=workspace)
    if dA.shape != tuple(A_shape):
        raise ValueError(f"dZ {dZ.shape} does not match the forward input {tuple(A_shape)}")
    return dA
