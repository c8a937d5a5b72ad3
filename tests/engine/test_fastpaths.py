"""Every conv fast path of engine.fastpaths, forced on, against the loop reference.

The measured heuristics (fastpaths.width_block, fastpaths.input_grad_block) pick a path from the layer's
shape, so on the small shapes of test_functional some paths would never run. Here each one is forced
through fastpaths._FORCE_WIDTH_BLOCK / _FORCE_INPUT_GRAD_BLOCK on random shapes, strides and paddings, in
float64 and float32.
"""
import numpy as np
import pytest

from engine import fastpaths, patches
from engine.caches import (BANDED, COL2IM, IM2COL, MAX_POOL_2X2, POINTWISE, POOL_WINDOWS, WIDTH_BLOCKED,
                           WINOGRAD)
from engine import functional as F

import reference as R     # tests/engine/reference.py (tests/engine is on sys.path under pytest)

# Forward/dW path: 1 = plain im2col, >= 2 = width-blocked with that many outputs per patch row.
WIDTH_BLOCKS = [1, 2, 3, 5]
# Input-gradient path: 0 = per-offset col2im, >= 1 = banded weights with that many outputs per block.
INPUT_GRAD_BLOCKS = [0, 1, 2, 4]
TOLERANCE = {np.float64: 1e-10, np.float32: 2e-4}


def random_config(rng):
    """(A_prev shape, W shape, stride, pad) with at least one output position."""
    f = int(rng.integers(1, 6))
    s = int(rng.integers(1, 4))
    pad = ["valid", 0, 1, 2, "same"][int(rng.integers(0, 5 if f % 2 else 4))]
    p = F.resolve_padding(pad, f)
    n_H = int(rng.integers(max(1, f - 2 * p), 11))
    n_W = int(rng.integers(max(1, f - 2 * p), 11))
    m = int(rng.integers(1, 4))
    n_C_prev, n_C = (int(v) for v in rng.integers(1, 5, size=2))
    return (m, n_H, n_W, n_C_prev), (f, f, n_C_prev, n_C), s, pad


def assert_close(got, want, dtype):
    assert got.dtype == np.dtype(dtype)
    tol = TOLERANCE[dtype]
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Bw_in", INPUT_GRAD_BLOCKS)
@pytest.mark.parametrize("Bw", WIDTH_BLOCKS)
def test_forced_conv_paths_match_reference(monkeypatch, Bw, Bw_in, dtype):
    monkeypatch.setattr(fastpaths, "_FORCE_WIDTH_BLOCK", Bw)
    monkeypatch.setattr(fastpaths, "_FORCE_INPUT_GRAD_BLOCK", Bw_in)
    rng = np.random.default_rng(100 * Bw + 10 * Bw_in + (dtype is np.float32))
    for _ in range(6):
        A_shape, W_shape, s, pad = random_config(rng)
        A = rng.standard_normal(A_shape)
        W = rng.standard_normal(W_shape)
        b = rng.standard_normal(W_shape[-1])
        Z, cache = F.conv2d_forward(A.astype(dtype), W.astype(dtype), b.astype(dtype), stride=s, pad=pad)
        assert cache.method == (IM2COL if Bw == 1 else WIDTH_BLOCKED)       # the forced path really ran
        assert_close(Z, R.conv2d_naive(A, W, b, stride=s, pad=pad), dtype)

        dZ = rng.standard_normal(Z.shape)
        dA, dW, db = F.conv2d_backward(dZ.astype(dtype), cache)
        dA_ref, dW_ref, db_ref = R.conv2d_backward_naive(dZ, A, W, b, stride=s, pad=pad)
        assert dA.shape == A.shape
        assert_close(dA, dA_ref, dtype)
        assert_close(dW, dW_ref, dtype)
        assert_close(db, db_ref, dtype)


def test_forced_blocked_path_with_workspace_reuses_its_buffer(monkeypatch):
    monkeypatch.setattr(fastpaths, "_FORCE_WIDTH_BLOCK", 3)
    rng = np.random.default_rng(5)
    A = rng.standard_normal((2, 9, 8, 2)).astype(np.float32)
    W = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    b = np.zeros(4, np.float32)
    workspace = fastpaths.Workspace()
    Z1, cache1 = F.conv2d_forward(A, W, b, pad=1, workspace=workspace)
    Z2, cache2 = F.conv2d_forward(A, W, b, pad=1, workspace=workspace)
    assert np.shares_memory(cache1.patches.build(0, 1), cache2.patches.build(0, 1))     # the same patches memory
    np.testing.assert_array_equal(Z1, Z2)
    assert_close(Z2, R.conv2d_naive(A.astype(np.float64), W.astype(np.float64), b, pad=1), np.float32)


def test_measured_choices_pick_the_blocked_paths_for_first_layers():
    # LeNet-5's CONV1 (5×5 over 3 channels, 6 filters) and an MNIST first layer are what the paths are for.
    assert fastpaths.width_block(5, 1, 3, 6, 28) > 1
    assert fastpaths.width_block(5, 1, 1, 8, 24) > 1
    assert fastpaths.width_block(3, 1, 64, 64, 14) == 1          # deep layers stay plain im2col
    assert fastpaths.width_block(7, 2, 3, 16, 32) > 1            # a 7×7 stride-2 stem over colour
    assert fastpaths.width_block(7, 1, 3, 16, 32) == 1
    assert fastpaths.input_grad_block(5, 1, 16, 10, 6) >= 1         # MNIST LeNet CONV2: 5×5 over 6 channels
    assert fastpaths.input_grad_block(3, 1, 64, 14, 64) == 0
    assert fastpaths.input_grad_block(3, 1, 32, 32, 32) == 0        # VGG-style 3×3 "same": per-offset col2im
    assert fastpaths.input_grad_block(5, 1, 16, 10, 16) == 0        # many input channels: per-offset
    # The course's 39×39×3 net: CONV1 (3×3 over 3 channels, 10 filters) is width-blocked, and CONV2's
    # strided input gradient (5×5, stride 2, 10 channels) is banded; strided over 24+ channels is not.
    assert fastpaths.width_block(3, 1, 3, 10, 37) > 1
    assert fastpaths.width_block(3, 1, 3, 32, 32) == 1           # VGG first layer: 32 filters
    assert fastpaths.input_grad_block(5, 2, 20, 17, 10) >= 1
    assert fastpaths.input_grad_block(5, 2, 40, 7, 20) == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_pointwise_conv_matches_reference(dtype, stride):
    # 1×1 filters: the patch matrix is the input itself (stride 1: a view, no copy), dA one product.
    rng = np.random.default_rng(stride + 10 * (dtype is np.float32))
    for _ in range(4):
        m, n_H, n_W = (int(v) for v in rng.integers(1, 9, size=3))
        n_C_prev, n_C = (int(v) for v in rng.integers(1, 70, size=2))
        A = rng.standard_normal((m, n_H, n_W, n_C_prev))
        W = rng.standard_normal((1, 1, n_C_prev, n_C))
        b = rng.standard_normal(n_C)
        A_t = A.astype(dtype)
        Z, cache = F.conv2d_forward(A_t, W.astype(dtype), b.astype(dtype), stride=stride)
        assert_close(Z, R.conv2d_naive(A, W, b, stride=stride), dtype)
        if stride == 1:
            assert np.shares_memory(cache.patches.build(0, m), A_t)      # no patch copy
        dZ = rng.standard_normal(Z.shape)
        dA, dW, db = F.conv2d_backward(dZ.astype(dtype), cache)
        dA_ref, dW_ref, db_ref = R.conv2d_backward_naive(dZ, A, W, b, stride=stride)
        assert dA.shape == A.shape
        assert_close(dA, dA_ref, dtype)
        assert_close(dW, dW_ref, dtype)
        assert_close(db, db_ref, dtype)


def test_batch_parts_take_longer_chunks_but_no_larger_than_their_input():
    # Side by side (engine.runtime.run_parallel) a part's chunk grows to PARALLEL_PART_MIN_CHUNK_BYTES
    # (fewer GIL hand-overs), and further, up to PARALLEL_PART_CHUNK_BYTES, only as far as the part's own
    # input is big (its scratch stays small beside it).
    from engine import runtime
    rng = np.random.default_rng(3)
    small = rng.standard_normal((64, 12, 12, 6)).astype(np.float32)       # 221 KB of input
    large = rng.standard_normal((64, 32, 32, 8)).astype(np.float32)       # 2 MiB of input
    W_small = rng.standard_normal((5, 5, 6, 16)).astype(np.float32)
    W_large = rng.standard_normal((3, 3, 8, 8)).astype(np.float32)

    def patch_chunk_bytes(A, W, pad):
        source = F.conv2d_forward(A, W, np.zeros(W.shape[3], np.float32), pad=pad,
                                  workspace=fastpaths.Workspace())[1].patches
        return source.chunk * source.rows_per_sample * source.cols * 4

    def both():
        return patch_chunk_bytes(small, W_small, 0), patch_chunk_bytes(large, W_large, 1)

    alone = both()
    beside = runtime.run_parallel([both, both])[0]
    assert max(alone) <= patches.CHUNK_BYTES
    assert patches.CHUNK_BYTES < beside[0] <= patches.PARALLEL_PART_MIN_CHUNK_BYTES
    assert patches.PARALLEL_PART_MIN_CHUNK_BYTES < beside[1] <= patches.PARALLEL_PART_CHUNK_BYTES


@pytest.mark.parametrize("with_workspace", [True, False])
@pytest.mark.parametrize("Bw", [1, 3])
def test_patches_are_streamed_in_small_chunks(monkeypatch, Bw, with_workspace):
    # Neither path keeps a batch-sized patch matrix: the cache holds a source whose buffer fits a chunk,
    # and the results still match the reference when the batch spans many chunks.
    monkeypatch.setattr(fastpaths, "_FORCE_WIDTH_BLOCK", Bw)
    monkeypatch.setattr(patches, "CHUNK_BYTES", 3000)                 # a few samples per chunk
    monkeypatch.setattr(patches, "ONE_OFF_CHUNK_BYTES", 3000)
    rng = np.random.default_rng(7 + Bw)
    A = rng.standard_normal((13, 9, 8, 3))
    W = rng.standard_normal((3, 3, 3, 5))
    b = rng.standard_normal(5)
    workspace = fastpaths.Workspace() if with_workspace else None
    Z, cache = F.conv2d_forward(A, W, b, stride=1, pad="same", workspace=workspace)
    source = cache.patches
    assert len(source.chunks()) > 3
    assert source.nbytes < A.nbytes                                  # not the 9×-input patch matrix
    assert_close(Z, R.conv2d_naive(A, W, b, pad="same"), np.float64)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, db = F.conv2d_backward(dZ, cache)
    dA_ref, dW_ref, db_ref = R.conv2d_backward_naive(dZ, A, W, b, pad="same")
    assert_close(dA, dA_ref, np.float64)
    assert_close(dW, dW_ref, np.float64)


@pytest.mark.parametrize("Bw", [1, 3])
def test_layers_sharing_the_thread_scratch_keep_correct_gradients(monkeypatch, Bw):
    # All Workspaces of a thread lend the same memory: two convolutions forward, then backward in reverse
    # order (as in a network), each rebuilding its patches — padding borders included — after the other
    # has written its own patches there.
    monkeypatch.setattr(fastpaths, "_FORCE_WIDTH_BLOCK", Bw)
    monkeypatch.setattr(patches, "CHUNK_BYTES", 4000)
    rng = np.random.default_rng(21 + Bw)
    A1 = rng.standard_normal((5, 7, 8, 2))
    W1 = rng.standard_normal((3, 3, 2, 3))
    W2 = rng.standard_normal((5, 5, 3, 4))
    b1, b2 = rng.standard_normal(3), rng.standard_normal(4)
    ws1, ws2 = fastpaths.Workspace(), fastpaths.Workspace()
    Z1, cache1 = F.conv2d_forward(A1, W1, b1, pad=1, workspace=ws1)
    Z2, cache2 = F.conv2d_forward(Z1, W2, b2, pad=2, workspace=ws2)
    dZ2 = rng.standard_normal(Z2.shape)
    dZ1, dW2, _ = F.conv2d_backward(dZ2, cache2)
    _, dW1, _ = F.conv2d_backward(dZ1, cache1)
    _, dW2_ref, _ = R.conv2d_backward_naive(dZ2, Z1, W2, b2, pad=2)
    dZ1_ref, _, _ = R.conv2d_backward_naive(dZ2, Z1, W2, b2, pad=2)
    _, dW1_ref, _ = R.conv2d_backward_naive(dZ1_ref, A1, W1, b1, pad=1)
    assert_close(dW2, dW2_ref, np.float64)
    assert_close(dW1, dW1_ref, np.float64)


# The dispatch, by name: the method each pass of a few familiar layers takes (no path forced).
@pytest.mark.parametrize("A_shape, W_shape, stride, pad, forward, weight_grad, input_grad", [
    ((2, 32, 32, 3), (5, 5, 3, 8), 1, 0, WIDTH_BLOCKED, WIDTH_BLOCKED, BANDED),     # LeNet-5 CONV1
    ((2, 16, 16, 32), (3, 3, 32, 32), 1, 1, WINOGRAD, WINOGRAD, WINOGRAD),         # VGG-style 3×3 "same"
    ((2, 32, 32, 3), (3, 3, 3, 32), 1, 1, IM2COL, IM2COL, COL2IM),                 # VGG first layer
    ((2, 17, 17, 10), (5, 5, 10, 20), 2, 0, IM2COL, IM2COL, BANDED),               # course39 CONV2
    ((2, 8, 8, 16), (1, 1, 16, 8), 1, 0, IM2COL, IM2COL, POINTWISE),               # 1×1 bottleneck
])
def test_conv_dispatch_names_the_method_each_pass_takes(A_shape, W_shape, stride, pad, forward, weight_grad,
                                                        input_grad):
    A = np.ones(A_shape, np.float32)
    W = np.ones(W_shape, np.float32)
    Z, cache = F.conv2d_forward(A, W, np.zeros(W_shape[3], np.float32), stride=stride, pad=pad)
    _, n_H, n_W, _ = Z.shape
    assert cache.method == forward
    assert F.conv_weight_grad_method(cache, n_H, n_W) == weight_grad
    f, _, n_C_prev, n_C = W_shape
    assert F.conv_input_grad_method(f, stride, pad, n_C_prev, n_C, A_shape[1], A_shape[2], n_W) == input_grad


@pytest.mark.parametrize("A_shape, f, stride, mode, method", [
    ((2, 8, 8, 3), 2, 2, "max", MAX_POOL_2X2),        # the usual max pool: the tiling fast path
    ((2, 9, 9, 3), 2, 2, "max", POOL_WINDOWS),        # odd sides: the windows don't tile
    ((2, 9, 9, 3), 3, 2, "max", POOL_WINDOWS),        # overlapping windows
    ((2, 8, 8, 3), 2, 2, "avg", POOL_WINDOWS),
])
def test_pool_dispatch_names_the_method_its_cache_carries(A_shape, f, stride, mode, method):
    A = np.arange(np.prod(A_shape), dtype=np.float32).reshape(A_shape)
    out, cache = F.pool2d_forward(A, f=f, stride=stride, mode=mode)
    assert cache.method == method
    assert (cache.masks is not None) == (method == MAX_POOL_2X2)
    assert (cache.argmax is not None) == (method == POOL_WINDOWS and mode == "max")
    assert F.pool2d_backward(np.ones(out.shape, np.float32), cache).shape == A_shape
