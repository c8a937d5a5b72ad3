"""im2col patches built in sample chunks, on demand: the convolution never holds a whole patch matrix.

A convolution's patch matrix (one row per output pixel, one column per window element) is up to f²/s²
times the size of its input: 9× for a 3×3 "same" layer, 25× for a 5×5 one, so it is never built for the
whole batch nor kept from the forward pass to the backward pass. A :class:`PatchSource` keeps only a
reference to the layer's input (which the network holds anyway) and builds the patches of a few samples
at a time into one small reused buffer — about :data:`CHUNK_BYTES` — that the caller multiplies at once,
while it is still in cache. The backward pass builds them again for the weight gradient: one more copy
per chunk, no slower than reading a whole patch matrix back from memory (benchmarks/RESULTS.md,
"Tuning rules: patch chunks").

Two layouts, the same chunking:

* :class:`PatchSource` — plain im2col: rows ``(sample, out row, out col)``, columns ``(i, j, c)`` in
  the order of ``W.reshape(f·f·n_C_prev, n_C)``. 1×1 filters at stride 1 with no padding need no copy:
  the input itself, reshaped, is the patch matrix.
* :class:`RowPatchSource` — the width-blocked ("row Toeplitz") patches of engine.fastpaths'
  first-layer convolution: rows ``(sample, out row, block of Bw outputs)``, columns ``(i, U pixels, c)``.

Layout is NHWC as everywhere in the engine.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .runtime import in_parallel_part

__all__ = ["CHUNK_BYTES", "ONE_OFF_CHUNK_BYTES", "PatchSource", "RowPatchSource", "c_strides"]

# Patch bytes per chunk (at least one sample): in training, within one core's L2 so the product reads
# what the copy has just written; inference (nothing kept between calls) takes fewer, larger chunks.
# A batch part beside others takes longer chunks, because each NumPy call hands the GIL over and may wait
# for the other thread, but within the part's input size above the minimum, since each thread keeps its
# own buffer. Numbers: benchmarks/RESULTS.md, "Tuning rules: patch chunks".
CHUNK_BYTES = 1 << 19
ONE_OFF_CHUNK_BYTES = 1 << 21
PARALLEL_PART_CHUNK_BYTES = 1 << 21
PARALLEL_PART_MIN_CHUNK_BYTES = 1 << 20


def _samples_per_chunk(bytes_per_sample: int, m: int, workspace, input_bytes: int = 0) -> int:
    if workspace is None:
        budget = ONE_OFF_CHUNK_BYTES
    elif in_parallel_part():
        budget = min(PARALLEL_PART_CHUNK_BYTES, max(PARALLEL_PART_MIN_CHUNK_BYTES, input_bytes))
    else:
        budget = CHUNK_BYTES
    return max(1, min(m, budget // max(1, bytes_per_sample)))


class _Source:
    """Shared part: the sample ranges, the reused buffers (from a Workspace when given)."""

    rows_per_sample: int
    cols: int
    nbytes: int

    def chunks(self):
        """[(start, stop)] sample ranges covering the batch."""
        m, step = self.m, self.chunk
        return [(start, min(m, start + step)) for start in range(0, m, step)]

    def _setup(self, workspace, patch_shape, pad_shape):
        """Remember the buffer shapes. With a workspace the buffer is borrowed at every :meth:`build`
        (the workspace's memory is shared by all layers of a thread, see engine.fastpaths.Workspace), so
        the source holds nothing between the forward and the backward pass; without one the source owns a
        buffer from now until it is dropped."""
        self._patch_shape, self._pad_shape, self._workspace = patch_shape, pad_shape, workspace
        self._owned = None
        self.nbytes = 0                  # what this source holds besides the input it refers to
        if workspace is None:
            self._owned = self._buffers(np.empty(self._buffer_size(), self.dtype), zero_pad=True)
            self.nbytes = self._owned[0].nbytes + (0 if self._owned[1] is None else self._owned[1].nbytes)

    def _buffer_size(self) -> int:
        n_pad = int(np.prod(self._pad_shape)) if self._pad_shape else 0
        return int(np.prod(self._patch_shape)) + n_pad

    def _buffers(self, flat, zero_pad):
        """(patches, zero-bordered input chunk or None) as views into ``flat``."""
        n_patch = int(np.prod(self._patch_shape))
        patches = flat[:n_patch].reshape(self._patch_shape)
        pad = None
        if self._pad_shape:
            pad = flat[n_patch:].reshape(self._pad_shape)
            if zero_pad:
                pad.fill(0)              # the border must be zero; each chunk overwrites only the interior
        return patches, pad

    def _chunk_buffers(self):
        if self._owned is not None:
            return self._owned
        # Borrowed memory: other layers may have written into it since the last call, so the padding
        # border is zeroed again (a chunk of the input, about 1/f² of the patches).
        flat = self._workspace.take((self._buffer_size(),), self.dtype)
        return self._buffers(flat, zero_pad=True)

    def _padded(self, pad, start, stop):
        """Samples start:stop of the input with p zeros around each image (a view when p = 0)."""
        A, p = self.A_prev, self.p
        if pad is None:
            return A[start:stop]
        k = stop - start
        _, n_H_prev, n_W_prev, _ = A.shape
        target = pad[:k]
        target[:, p:p + n_H_prev, p:p + n_W_prev, :] = A[start:stop]
        return target


class PatchSource(_Source):
    """The plain im2col patches of ``A_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)`` for an ``f × f``
    filter at stride ``s`` with ``p`` zeros of padding, ``n_H × n_W`` outputs, in sample chunks.

    :meth:`build` returns the ``(k·n_H·n_W, f·f·n_C_prev)`` patches of samples ``start:stop`` — a view
    into a buffer the next call overwrites. ``workspace`` (engine.fastpaths.Workspace) lends the buffer.
    """

    def __init__(self, A_prev, f, s, p, n_H, n_W, workspace=None):
        self.A_prev, self.f, self.s, self.p, self.n_H, self.n_W = A_prev, f, s, p, n_H, n_W
        self.m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
        self.dtype = A_prev.dtype
        self.n_C_prev = n_C_prev
        self.rows_per_sample = n_H * n_W
        self.cols = f * f * n_C_prev
        # 1×1, stride 1, unpadded: the (contiguous) input is its own patch matrix — one chunk, no copy.
        self.identity = f == 1 and s == 1 and p == 0 and A_prev.flags.c_contiguous
        if self.identity:
            self.chunk, self.nbytes = self.m, 0
            return
        self.chunk = _samples_per_chunk(self.rows_per_sample * self.cols * self.dtype.itemsize, self.m,
                                        workspace, A_prev.nbytes)
        pad_shape = (self.chunk, n_H_prev + 2 * p, n_W_prev + 2 * p, n_C_prev) if p else None
        self._setup(workspace, (self.chunk, n_H, n_W, f, f, n_C_prev), pad_shape)

    def build(self, start, stop) -> np.ndarray:
        if self.identity:
            return self.A_prev[start:stop].reshape(-1, self.n_C_prev)
        k, f, s = stop - start, self.f, self.s
        # sliding_window_view gives (k, H', W', n_C_prev, f, f); striding picks every s-th window. Moving
        # the channel axis last puts the window axes in W's (f, f, n_C_prev) order.
        buf, pad = self._chunk_buffers()
        windows = sliding_window_view(self._padded(pad, start, stop), (f, f), axis=(1, 2))[:, ::s, ::s]
        out = buf[:k]
        np.copyto(out, windows.transpose(0, 1, 2, 4, 5, 3))
        return out.reshape(k * self.rows_per_sample, self.cols)


class RowPatchSource(_Source):
    """The width-blocked patches (engine.fastpaths.conv_forward_rows) of ``A_prev`` in sample chunks:
    per (output row, block of ``Bw`` outputs) the ``f`` runs of ``U = (Bw−1)·s + f`` input pixels ×
    channels the block reads; :meth:`build` returns ``(k·n_H·nb, f·U·n_C_prev)``, ``nb = ⌈n_W/Bw⌉``."""

    def __init__(self, A_prev, f, s, p, n_H, n_W, Bw, workspace=None):
        self.A_prev, self.f, self.s, self.p, self.n_H, self.n_W, self.Bw = A_prev, f, s, p, n_H, n_W, Bw
        self.m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
        self.dtype = A_prev.dtype
        self.nb = nb = -(-n_W // Bw)                  # blocks per output row (the last may stick out)
        self.U = U = (Bw - 1) * s + f                 # input pixels one block reads per filter row
        self.W_in = max(n_W_prev + 2 * p, (nb * Bw - 1) * s + f)
        self.rows_per_sample = n_H * nb
        self.cols = f * U * n_C_prev
        self.chunk = _samples_per_chunk(self.rows_per_sample * self.cols * self.dtype.itemsize, self.m,
                                        workspace, A_prev.nbytes)
        # The blocks read contiguous runs of a padded row: pad when there is padding, when the last block
        # reads past the input's right edge, or when the input is a strided view.
        needs_pad = p or self.W_in > n_W_prev or not A_prev.flags.c_contiguous
        pad_shape = (self.chunk, n_H_prev + 2 * p, self.W_in, n_C_prev) if needs_pad else None
        self._setup(workspace, (self.chunk, n_H, nb, f, U * n_C_prev), pad_shape)

    def build(self, start, stop) -> np.ndarray:
        k, s, Bw, f, U = stop - start, self.s, self.Bw, self.f, self.U
        buf, pad = self._chunk_buffers()
        src = self._padded(pad, start, stop)
        n_C_prev = src.shape[3]
        sm, sh, sw, sc = c_strides(src)
        view = as_strided(src, (k, self.n_H, self.nb, f, U * n_C_prev), (sm, s * sh, Bw * s * sw, sh, sc),
                          writeable=False)
        out = buf[:k]
        np.copyto(out, view)
        return out.reshape(k * self.rows_per_sample, self.cols)


def c_strides(A):
    """Byte strides of a C-contiguous array computed from its shape. NumPy leaves any stride on a length-1
    axis (x[np.newaxis] gives 0) and still calls the array contiguous; as_strided views that step along
    such an axis need the real row-major steps."""
    if not A.flags.c_contiguous:
        raise ValueError("the width-blocked patches need a C-contiguous input")
    strides, step = [], A.itemsize
    for n in reversed(A.shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))
