"""Winograd F(2×2, 3×3) (engine.winograd) against the loop reference, directly and through the kernels.

The measured rule (winograd.use_winograd) takes it only for layers with 32+ channels both sides, so here it
is also forced on (winograd._FORCE) for small random shapes: odd and even sizes, paddings 0-3, float32 and
float64, forward, input gradient and weight gradient, chunked batches, and a finite-difference check through
a Network.
"""
import numpy as np
import pytest

from engine import Network, NetworkSpec
from engine import functional as F
from engine import winograd
from engine import ConvSpec, DenseSpec, InputSpec, PoolSpec

import reference as R     # tests/engine/reference.py (tests/engine is on sys.path under pytest)
from test_network import _grad_check

TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}


def assert_close(got, want, dtype):
    assert got.dtype == np.dtype(dtype)
    tol = TOLERANCE[dtype]
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def random_case(rng):
    m = int(rng.integers(1, 4))
    p = int(rng.integers(0, 4))
    n_H = int(rng.integers(max(1, 3 - 2 * p), 12))          # odd and even sizes, down to one output
    n_W = int(rng.integers(max(1, 3 - 2 * p), 12))
    C_in, C_out = (int(v) for v in rng.integers(1, 7, size=2))
    return (m, n_H, n_W, C_in), (3, 3, C_in, C_out), p


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_match_the_loop_reference(dtype):
    rng = np.random.default_rng(1 + (dtype is np.float32))
    for _ in range(25):
        A_shape, W_shape, p = random_case(rng)
        A, W = rng.standard_normal(A_shape), rng.standard_normal(W_shape)
        b = rng.standard_normal(W_shape[3])
        Z = winograd.winograd_conv3x3(A.astype(dtype), winograd.filter_transform(W.astype(dtype)),
                                      b.astype(dtype), p)
        Z_ref = R.conv2d_naive(A, W, b, stride=1, pad=p)
        assert Z.shape == Z_ref.shape and Z.flags.c_contiguous
        assert_close(Z, Z_ref, dtype)
        dZ = rng.standard_normal(Z_ref.shape)
        dA = winograd.input_grad(dZ.astype(dtype), W.astype(dtype), p, A_shape)
        assert_close(dA, R.conv2d_backward_naive(dZ, A, W, b, stride=1, pad=p)[0], dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weight_gradient_matches_the_loop_reference(monkeypatch, dtype):
    monkeypatch.setattr(winograd, "CHUNK_BYTES", 6000)          # one sample per chunk: many chunks
    rng = np.random.default_rng(11 + (dtype is np.float32))
    for _ in range(25):
        A_shape, W_shape, p = random_case(rng)
        A, W = rng.standard_normal(A_shape), rng.standard_normal(W_shape)
        b = rng.standard_normal(W_shape[3])
        Z_ref = R.conv2d_naive(A, W, b, stride=1, pad=p)
        dZ = rng.standard_normal(Z_ref.shape)
        dW = winograd.weight_grad(A.astype(dtype), dZ.astype(dtype), p)
        assert dW.shape == W_shape and dW.flags.c_contiguous
        assert_close(dW, R.conv2d_backward_naive(dZ, A, W, b, stride=1, pad=p)[1], dtype)
    with pytest.raises(ValueError, match="does not match"):
        winograd.weight_grad(np.zeros((1, 5, 5, 2)), np.zeros((1, 4, 5, 3)), 1)


def test_the_measured_rule_takes_the_weight_gradient_from_16_channels():
    assert winograd.use_winograd_weight_grad(3, 1, 16, 32, 32, 32)        # the bottleneck net's CONV3
    assert winograd.use_winograd_weight_grad(3, 1, 32, 32, 32, 32)
    assert not winograd.use_winograd_weight_grad(3, 1, 3, 32, 32, 32)     # colour first layer
    assert not winograd.use_winograd_weight_grad(3, 1, 64, 64, 4, 4)      # too few tiles
    assert not winograd.use_winograd_weight_grad(3, 2, 64, 64, 16, 16)    # strided
    assert not winograd.use_winograd_weight_grad(3, 1, 16, 32, 15, 15)    # 16 channels need 16×16 outputs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pad", [0, 1, 2, "same", "valid"])
def test_forced_through_conv2d_forward_and_backward(monkeypatch, dtype, pad):
    monkeypatch.setattr(winograd, "_FORCE", True)
    monkeypatch.setattr(winograd, "CHUNK_BYTES", 4000)          # many sample chunks
    rng = np.random.default_rng(len(str(pad)) * 7 + (dtype is np.float32))
    for n_H, n_W in [(8, 8), (9, 7), (5, 10)]:
        A = rng.standard_normal((7, n_H, n_W, 5))
        W = rng.standard_normal((3, 3, 5, 6))
        b = rng.standard_normal(6)
        Z, cache = F.conv2d_forward(A.astype(dtype), W.astype(dtype), b.astype(dtype), stride=1, pad=pad)
        assert_close(Z, R.conv2d_naive(A, W, b, stride=1, pad=pad), dtype)
        dZ = rng.standard_normal(Z.shape)
        dA, dW, db = F.conv2d_backward(dZ.astype(dtype), cache)
        dA_ref, dW_ref, db_ref = R.conv2d_backward_naive(dZ, A, W, b, stride=1, pad=pad)
        assert_close(dA, dA_ref, dtype)
        assert_close(dW, dW_ref, dtype)
        assert_close(db, db_ref, dtype)


def test_float32_error_stays_small_on_wide_layers():
    # 64 → 64 channels, the size the rule picks it for: the float32 result is as close to the float64
    # reference as im2col's float32 result is (a few ulps of the sums), not 2.25× the multiplies' error.
    rng = np.random.default_rng(3)
    A = rng.standard_normal((2, 10, 10, 64))
    W = rng.standard_normal((3, 3, 64, 64)) / 24
    b = rng.standard_normal(64)
    assert winograd.use_winograd(3, 1, 64, 64, 10, 10)
    Z32, _ = F.conv2d_forward(A.astype(np.float32), W.astype(np.float32), b.astype(np.float32), pad=1)
    Z64, _ = F.conv2d_forward(A, W, b, pad=1)
    np.testing.assert_allclose(Z64, R.conv2d_naive(A, W, b, pad=1), rtol=1e-10, atol=1e-10)
    scale = float(np.max(np.abs(Z64)))
    assert float(np.max(np.abs(Z32 - Z64))) < 2e-6 * 24 * scale


def test_rule_takes_wide_stride_1_3x3_layers_only():
    assert winograd.use_winograd(3, 1, 32, 32, 32, 32)        # VGG-style 3×3 "same", 32 channels
    assert winograd.use_winograd(3, 1, 128, 128, 8, 8)
    assert not winograd.use_winograd(3, 2, 64, 64, 16, 16)    # strided
    assert not winograd.use_winograd(5, 1, 64, 64, 16, 16)    # not 3×3
    assert not winograd.use_winograd(3, 1, 3, 32, 32, 32)     # colour first layer: im2col
    assert not winograd.use_winograd(3, 1, 64, 64, 4, 4)      # too few tiles
    assert not winograd.use_winograd(3, 1, 16, 32, 16, 16)    # too few channels for 16×16 outputs
    assert winograd.use_winograd(3, 1, 16, 16, 32, 32)        # the small ResNet's 16-channel 32×32 layers
    assert not winograd.use_winograd(3, 1, 8, 16, 32, 32)     # too few channels


def test_network_gradients_pass_finite_differences_through_winograd(monkeypatch):
    monkeypatch.setattr(winograd, "_FORCE", True)
    spec = NetworkSpec(InputSpec((7, 6, 2)), [ConvSpec(3, 3, padding="same", activation="tanh"),
                                              ConvSpec(4, 3, padding=0, activation="relu"),
                                              PoolSpec("max", 2, 2), DenseSpec(3, "softmax")])
    _grad_check(spec, 3)
    net = Network.from_spec(spec, seed=1, dtype=np.float64)
    x = np.random.default_rng(2).standard_normal((3, 7, 6, 2))
    monkeypatch.setattr(winograd, "_FORCE", False)
    want = net.forward(x)
    monkeypatch.setattr(winograd, "_FORCE", True)
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-12, atol=1e-12)


def test_batch_parts_side_by_side_keep_to_im2col():
    # Split batches run their parts side by side (engine.runtime.run_parallel); there the transforms'
    # many short NumPy calls measured slower than im2col, so the rule says no inside a part.
    from engine import runtime
    assert not runtime.in_parallel_part()
    wide = (3, 1, 64, 64, 16, 16)
    inside = runtime.run_parallel([lambda: (runtime.in_parallel_part(), winograd.use_winograd(*wide))] * 2)
    assert inside == [(True, False), (True, False)]
    assert winograd.use_winograd(*wide) and not runtime.in_parallel_part()


def test_chunk_scratch_stays_within_the_layers_own_size():
    # The transformed chunk may reach winograd.CHUNK_BYTES (3 MiB) only for layers at least that big: a
    # 64 × 8×8×32 layer (0.5 MiB in, 0.5 MiB out) keeps its scratch near 1 MiB, forward and dW alike.
    import tracemalloc
    rng = np.random.default_rng(5)
    A = rng.standard_normal((64, 8, 8, 32)).astype(np.float32)
    W = rng.standard_normal((3, 3, 32, 32)).astype(np.float32)
    U = winograd.filter_transform(W)
    dZ = rng.standard_normal((64, 8, 8, 32)).astype(np.float32)
    for run in (lambda: winograd.winograd_conv3x3(A, U, None, 1), lambda: winograd.weight_grad(A, dZ, 1)):
        tracemalloc.start()
        try:
            run()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 2 * A.nbytes + 2 * dZ.nbytes          # flat 3 MiB chunks: well over 3.5 MiB
