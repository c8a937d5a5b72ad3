"""Winograd F(2×2, 3×3): stride-1 3×3 convolutions with 2.25× fewer multiplies than im2col.

A 3×3 stride-1 convolution computes each 2×2 block of outputs ("tile") from a 4×4 block of input. The
minimal filtering algorithm F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
Networks", 2016) writes that as

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A            g: 3×3 filter, d: 4×4 input tile, Y: 2×2 outputs

with small constant matrices B (4×4), G (4×3), A (4×2). Over channels the elementwise product becomes,
for each of the 16 positions of the 4×4 transformed tile, one matrix product
``V[k] (tiles, C_in) @ U[k] (C_in, C_out)``: 16 multiplies per 4 outputs and input channel instead of 36.
The input transform ``Bᵀ d B`` and the output transform ``Aᵀ M A`` have only 0/±1 coefficients: they are
whole-array additions on contiguous blocks (see "Layout" below), no per-tile Python loop. Tiles overlap by
two pixels, so the transformed input is 4× the input's size (im2col's patches are 9×); the samples go in
chunks (about :data:`CHUNK_BYTES` of transformed input and products), so neither the transformed input nor
the 16 products ever exist for the whole batch.

Used by engine.functional for the forward pass, for the input gradient, which for stride 1 is itself
a 3×3 stride-1 convolution: of ``dZ`` padded by ``2 − p`` with the filters rotated by 180° and their
channel axes swapped, and for the weight gradient (:func:`weight_grad`, the same input transform). Float32 error: G's entries are 0, ±½, 1 and the
transforms add at most 9 terms, so the results agree with im2col to a few float32 ulps of the largest
term (the tests use rtol 1e-4 against the loop reference). :func:`use_winograd` holds the measured rule.

Layout is NHWC as everywhere in the engine: activations ``(m, n_H, n_W, n_C)``, weights
``(3, 3, n_C_prev, n_C)``.
"""
from __future__ import annotations

import numpy as np

from .fastpaths import add_bias
from .runtime import in_parallel_part, process_parts

__all__ = ["CHUNK_BYTES", "filter_transform", "input_grad", "use_winograd", "use_winograd_weight_grad",
           "weight_grad", "winograd_conv3x3"]

# Tests (tests/engine/test_winograd.py) set this to force the choice: None = the measured rule,
# True = every stride-1 3×3 convolution, False = never.
_FORCE = None

# Transformed input plus the 16 products, per chunk of samples (the chunk's other buffers add about a
# quarter of that): at most CHUNK_BYTES, and never more than the layer's input and output together, so a
# small layer's scratch stays small beside its activations. Longer chunks mean fewer of the transforms'
# ~30 NumPy calls; Winograd never runs in batch parts side by side, so one such buffer exists at a time.
# Numbers: benchmarks/RESULTS.md, "Tuning rules: Winograd".
CHUNK_BYTES = 3 << 20
PART_CHUNK_BYTES = 1 << 20

_G = np.array([[1.0, 0.0, 0.0],
               [0.5, 0.5, 0.5],
               [0.5, -0.5, 0.5],
               [0.0, 0.0, 1.0]])


def _decided_without_sizes(f: int, s: int) -> bool | None:
    """The part of both rules below that does not depend on the layer's sizes: False for anything but a
    stride-1 3×3 filter or inside a batch part, the tests' forced choice, else None (the sizes decide)."""
    if f != 3 or s != 1:
        return False
    if _FORCE is not None:
        return _FORCE
    # Batch parts side by side (engine.runtime.run_parallel): the transforms' many short NumPy calls
    # wait for each other's GIL hand-overs; im2col scales better there.
    if in_parallel_part():
        return False
    return None


def use_winograd(f: int, s: int, n_C_prev: int, n_C: int, n_H: int, n_W: int) -> bool:
    """Whether a convolution (``f × f``, stride ``s``, ``n_C_prev → n_C`` channels, ``n_H × n_W``
    outputs) goes through Winograd: 32+ channels on both sides and 8×8+ outputs, or 16+ channels and
    32×32+ outputs (there the input gradient gains most). Below that the transforms, memory-bound
    elementwise passes, cost more than the multiplies saved (benchmarks/RESULTS.md, "Tuning rules:
    Winograd")."""
    decided = _decided_without_sizes(f, s)
    if decided is not None:
        return decided
    channels, side = min(n_C_prev, n_C), min(n_H, n_W)
    return (channels >= 32 and side >= 8) or (channels >= 16 and side >= 32)


def use_winograd_weight_grad(f: int, s: int, n_C_prev: int, n_C: int, n_H: int, n_W: int) -> bool:
    """Whether the weight gradient of such a convolution goes through :func:`weight_grad`: 32+ channels
    and 8×8+ outputs, or 16+ channels and 16×16+ outputs. Its products are long (the tiles are their
    inner dimension), so it pays from fewer channels than the forward pass, given enough tiles
    (benchmarks/RESULTS.md, "Tuning rules: Winograd")."""
    decided = _decided_without_sizes(f, s)
    if decided is not None:
        return decided
    channels, side = min(n_C_prev, n_C), min(n_H, n_W)
    return (channels >= 32 and side >= 8) or (channels >= 16 and side >= 16)


def filter_transform(W) -> np.ndarray:
    """``U = G g Gᵀ`` for every filter pair: ``W`` ``(3, 3, C_in, C_out)`` → ``(16, C_in, C_out)``."""
    G = _G.astype(W.dtype)
    U = np.einsum("ai,ijck,bj->abck", G, W, G, optimize=True)
    return np.ascontiguousarray(U.reshape(16, W.shape[2], W.shape[3]))


def _chunk_samples(tiles_per_sample: int, C_in: int, C_out: int, itemsize: int, m: int,
                   layer_bytes: int) -> int:
    """Samples per chunk: CHUNK_BYTES of transformed data, or ``layer_bytes`` (the layer's input and
    output together) if less; at least one sample. A part of a batch split across P processes takes
    CHUNK_BYTES / P (at least PART_CHUNK_BYTES), so the processes' buffers add up to about one's."""
    per_sample = 16 * tiles_per_sample * (C_in + C_out) * itemsize
    budget = CHUNK_BYTES
    if process_parts() > 1:
        budget = max(PART_CHUNK_BYTES, CHUNK_BYTES // process_parts())
    return max(1, min(m, min(budget, layer_bytes) // max(1, per_sample)))


# Layout. NumPy's elementwise ops run several times slower on strided views (it copies them through
# small buffers) than on contiguous arrays, and the transforms are nothing but elementwise ops, so every operand below
# is contiguous or a few long contiguous blocks. The padded input chunk is split by row and column parity,
# Q[rp, cp, sample, i, j, c] = padded[sample, 2i + rp, 2j + cp, c]: the rows 2t + r of the tiles (t = 0…tH−1)
# are then the block Q[r % 2, :, :, r // 2 : r // 2 + tH]. The column step shifts the flat array of
# (sample, tile row, tW + 1 columns, c) by one column; the last column of each row pairs with the next
# row's first and makes a junk tile, which the products carry along (1/(tW + 1) more work) and the output
# transform drops. Tiles are (sample, tile row, tile column) in that order, the order of NHWC.

def _fill_split(Q, A, start, stop, p):
    """Samples ``start:stop`` of ``A`` ``(m, H, W, C)`` into ``Q`` ``(2, 2, k, tH + 1, tW + 1, C)``:
    ``Q[rp, cp, :, i, j] =`` the padded input at row ``2i + rp``, column ``2j + cp`` (input pixel
    ``(2i + rp − p, 2j + cp − p)``, zero outside the input; a negative ``p`` crops)."""
    _, H, W, _ = A.shape
    Q.fill(0)
    for rp in (0, 1):
        i0, i1, r0 = _parity_range(rp, p, H, Q.shape[3])
        for cp in (0, 1):
            j0, j1, c0 = _parity_range(cp, p, W, Q.shape[4])
            if i1 > i0 and j1 > j0:
                Q[rp, cp, :, i0:i1, j0:j1] = A[start:stop, r0:r0 + 2 * (i1 - i0) - 1:2,
                                              c0:c0 + 2 * (j1 - j0) - 1:2]


def _parity_range(parity, p, n, slots):
    """Slots ``i`` in ``[i0, i1)`` whose padded index ``2i + parity`` holds input ``2i + parity − p`` in
    ``[0, n)``; ``first`` is the input index of slot ``i0``."""
    i0 = max(0, -((parity - p) // 2))              # ceil((p − parity) / 2), at least 0
    i1 = min(slots, (n - 1 + p - parity) // 2 + 1)
    return i0, i1, 2 * i0 + parity - p


def _input_transform(Q, V, tH):
    """``V[4a + b]`` = position (a, b) of ``Bᵀ d B`` for every 4×4 tile ``d`` of the split chunk ``Q``
    ``(2, 2, k, tH + 1, tW + 1, C)``; ``V`` is ``(16, k·tH·(tW + 1), C)`` (junk tiles included).

    Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], applied to the tiles' rows, then
    to their columns: tile column j of tile column t is column t + j // 2 of parity j % 2."""
    _, _, k, _, half, C = Q.shape
    d = [Q[i % 2, :, :, i // 2:i // 2 + tH] for i in range(4)]       # (2, k, tH, tW + 1, C) each
    R = np.empty((2, k * tH * half * C), Q.dtype)                     # one row of Bᵀ d at a time
    R5 = R.reshape(2, k, tH, half, C)
    rows = [(np.subtract, 0, 2), (np.add, 1, 2), (np.subtract, 2, 1), (np.subtract, 1, 3)]
    n = R.shape[1] - C
    V2 = V.reshape(4, 4, -1)
    for a, (op, x, y) in enumerate(rows):
        op(d[x], d[y], out=R5)
        e = [R[0, :n], R[1, :n], R[0, C:], R[1, C:]]                  # flat, shifted by one column
        np.subtract(e[0], e[2], out=V2[a, 0, :n])
        np.add(e[1], e[2], out=V2[a, 1, :n])
        np.subtract(e[2], e[1], out=V2[a, 2, :n])
        np.subtract(e[1], e[3], out=V2[a, 3, :n])
    V2[:, :, n:] = 0                                 # the very last (junk) tile: keep it finite


def _transformed_input(A, p, tH, tW, k_max):
    """For each chunk of at most ``k_max`` samples of ``A`` ``(m, H, W, C)`` padded by ``p``: ``(start,
    stop, V)`` with ``V`` ``(16, k·tH·(tW + 1), C)`` the chunk's transformed tiles (:func:`_input_transform`),
    valid until the next chunk (one buffer serves them all). What the forward pass and the weight gradient
    share."""
    m, _, _, C = A.shape
    tiles = tH * (tW + 1)
    Q = np.empty((2, 2, k_max, tH + 1, tW + 1, C), A.dtype)
    V = np.empty((16, k_max * tiles, C), A.dtype)
    for start in range(0, m, k_max):
        stop = min(m, start + k_max)
        k = stop - start
        # A shorter last chunk gets its own split buffer: Q[:, :, :k] would not be contiguous.
        Qk = Q[:, :, :k] if k == k_max else np.empty((2, 2, k, tH + 1, tW + 1, C), A.dtype)
        _fill_split(Qk, A, start, stop, p)
        Vk = V[:, :k * tiles]
        _input_transform(Qk, Vk, tH)
        yield start, stop, Vk


def _output_transform(M, Y, tH):
    """``Y`` ``(k, 2tH, 2tW, C)`` ← ``Aᵀ M A`` per tile, ``M`` ``(16, k·tH·(tW + 1), C)`` the 16 products
    (overwritten: the sums are formed in place, so the transform needs no buffer of its own).

    Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: rows first, then columns, all on contiguous arrays; output
    (a, b) of every tile ends up in ``M4[3a, 3b]``; then one copy interleaves them into Y, dropping the junk
    tiles (faster than writing each output through its strided view of Y)."""
    k, _, Y_W, C = Y.shape
    tW = Y_W // 2
    M4 = M.reshape(4, 4, -1)
    # Rows: S1 = M1 − M2 − M3 into M4[3] (before M1, M2 change), S0 = M0 + M1 + M2 into M4[0].
    np.subtract(M4[1], M4[3], out=M4[3])
    M4[3] -= M4[2]
    M4[0] += M4[1]
    M4[0] += M4[2]
    # Columns, likewise, in rows 0 and 3.
    for a in (0, 3):
        S = M4[a]
        np.subtract(S[1], S[3], out=S[3])
        S[3] -= S[2]
        S[0] += S[1]
        S[0] += S[2]
    tiles = M4[::3, ::3].reshape(2, 2, k, tH, tW + 1, C)[:, :, :, :, :tW]
    np.copyto(Y.reshape(k, tH, 2, tW, 2, C), tiles.transpose(2, 3, 0, 4, 1, 5))


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
    tiles = tH * (tW + 1)                           # per sample, with one junk tile per tile row
    k_max = _chunk_samples(tiles, C_in, C_out, dtype.itemsize, m, A.nbytes + Z.nbytes)
    M = np.empty((16, k_max * tiles, C_out), dtype)
    for start, stop, Vk in _transformed_input(A, p, tH, tW, k_max):
        Mk = M[:, :Vk.shape[1]]
        np.matmul(Vk, U, out=Mk)
        if b is not None:
            # Position (1, 1) enters all four outputs of a tile with coefficient +1 (Aᵀ's column 1 is
            # (1, 1)): the bias added there once is added to every output.
            add_bias(Mk[5], b, tiles)
        _output_transform(Mk, Z[start:stop], tH)
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


# The weight gradient. The forward pass is Y = Aᵀ [U ⊙ V] A per tile, U = G g Gᵀ, V = Bᵀ d B. For the loss
# L = Σ dY ⊙ Y that is Σ_ab U[a,b] · V[a,b] · E[a,b] with E = A dY Aᵀ (A is 4×2: E is 4×4 from the tile's
# 2×2 output gradient), so ∂L/∂g = Gᵀ [V ⊙ E] G. Summed over tiles and channel pairs, each of the 16
# positions is one product Vξᵀ (C_in, tiles) @ Eξ (tiles, C_out) with the tiles as the long inner
# dimension: 16 multiplies per tile and channel pair against im2col's 36 (9 per output, 4 outputs).

def _grad_split(P, dZ, start, stop):
    """Samples ``start:stop`` of ``dZ`` ``(m, n_H, n_W, C)`` into ``P`` ``(2, 2, k, tH, tW + 1, C)``:
    ``P[u, v, :, t, w] = dZ[2t + u, 2w + v]``, zero beyond dZ's edge and in the junk tile column."""
    _, n_H, n_W, _ = dZ.shape
    P.fill(0)
    for u in (0, 1):
        rows = len(range(u, n_H, 2))
        for v in (0, 1):
            cols = len(range(v, n_W, 2))
            P[u, v, :, :rows, :cols] = dZ[start:stop, u::2, v::2]


def _grad_transform(P, E):
    """``E[4a + b]`` = position (a, b) of ``A dY Aᵀ`` for every tile's 2×2 ``dY`` in ``P``
    ``(2, 2, k, tH, tW + 1, C)``; ``E`` ``(16, k·tH·(tW + 1), C)``. A = [[1, 0], [1, 1], [1, −1], [0, −1]]."""
    n = E.shape[1] * E.shape[2]
    Pf = P.reshape(2, 2, n)
    E4 = E.reshape(4, 4, n)
    R = np.empty((4, 2, n), P.dtype)                 # rows of A dY, for both tile columns v
    R[0] = Pf[0]
    np.add(Pf[0], Pf[1], out=R[1])
    np.subtract(Pf[0], Pf[1], out=R[2])
    np.negative(Pf[1], out=R[3])
    for a in range(4):
        E4[a, 0] = R[a, 0]
        np.add(R[a, 0], R[a, 1], out=E4[a, 1])
        np.subtract(R[a, 0], R[a, 1], out=E4[a, 2])
        np.negative(R[a, 1], out=E4[a, 3])


def weight_grad(A, dZ, p):
    """``dW`` ``(3, 3, C_in, C_out)`` of a stride-1 3×3 convolution with padding ``p``, from its input
    ``A`` ``(m, H, W, C_in)`` and ``dZ`` ``(m, H + 2p − 2, W + 2p − 2, C_out)``, by Winograd (above).

    Same sample chunks and input transform as :func:`winograd_conv3x3`; the 16 partial products are
    summed over the chunks (``(16, C_in, C_out)``, small) and transformed back once at the end."""
    m, H, W_, C_in = A.shape
    _, n_H, n_W, C_out = dZ.shape
    if (n_H, n_W) != (H + 2 * p - 2, W_ + 2 * p - 2) or dZ.shape[0] != m:
        raise ValueError(f"dZ {dZ.shape} does not match the forward input {A.shape} with padding {p}")
    dtype = A.dtype
    tH, tW = -(-n_H // 2), -(-n_W // 2)
    tiles = tH * (tW + 1)
    k_max = _chunk_samples(tiles, C_in, C_out, dtype.itemsize, m, A.nbytes + dZ.nbytes)
    P = np.empty((2, 2, k_max, tH, tW + 1, C_out), dtype)
    E = np.empty((16, k_max * tiles, C_out), dtype)
    M = np.zeros((16, C_in, C_out), dtype)
    part = np.empty_like(M)
    for start, stop, Vk in _transformed_input(A, p, tH, tW, k_max):
        k = stop - start
        Pk = P[:, :, :k] if k == k_max else np.empty((2, 2, k, tH, tW + 1, C_out), dtype)
        _grad_split(Pk, dZ, start, stop)
        Ek = E[:, :Vk.shape[1]]
        _grad_transform(Pk, Ek)                      # zero at the junk tiles: they add nothing
        np.matmul(Vk.transpose(0, 2, 1), Ek, out=part)
        M += part
    G = _G.astype(dtype)
    return np.ascontiguousarray(np.einsum("ai,abck,bj->ijck", G, M.reshape(4, 4, C_in, C_out), G,
                                          optimize=True))
