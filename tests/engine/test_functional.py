"""Tests for engine.functional: the course's worked examples, fast vs reference kernels, finite-difference
gradient checks (float64), dtype preservation (float32), numerical stability and argument errors."""
import warnings

import numpy as np
import pytest

from engine import functional as F

import reference as R     # tests/engine/reference.py (tests/engine is on sys.path under pytest)


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def as_nhwc(matrix):
    """A 2-D course example as a (1, n_H, n_W, 1) float64 batch."""
    a = np.asarray(matrix, dtype=np.float64)
    return a.reshape(1, a.shape[0], a.shape[1], 1)


def as_filter(matrix):
    """A 2-D course filter as W (f, f, 1, 1)."""
    a = np.asarray(matrix, dtype=np.float64)
    return a.reshape(a.shape[0], a.shape[1], 1, 1)


def conv_2d_example(image, filt, **kw):
    return F.conv2d(as_nhwc(image), as_filter(filt), np.zeros(1), **kw)[0, :, :, 0]


def numerical_grad(loss, x, eps=1e-6):
    """Centred differences of the scalar loss() with respect to every element of x (changed in place)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = loss()
        x[idx] = old - eps
        minus = loss()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def rel_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


def away_from_zero(rng, shape, margin=0.1):
    """Random values with |x| >= margin, so kinks (relu at 0) are never inside a finite-difference step."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (margin + np.abs(x))


def distinct_values(rng, shape):
    """Values spaced 0.1 apart in random order: no ties, so every max-pool window has a clear winner."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - n * 0.05).reshape(shape)


VERTICAL = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]
HORIZONTAL = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]


# --------------------------------------------------------------------------------------------------
# The course's worked examples (the 6×6 edge example, pooling, the LeNet-5 table)
# --------------------------------------------------------------------------------------------------

def test_course_vertical_edge_example():
    image = [[3, 0, 1, 2, 7, 4],
             [1, 5, 8, 9, 3, 1],
             [2, 7, 2, 5, 1, 3],
             [0, 1, 3, 1, 7, 8],
             [4, 2, 1, 6, 2, 8],
             [2, 4, 5, 2, 3, 9]]
    expected = [[-5, -4, 0, 8],
                [-10, -2, 2, 3],
                [0, -2, -4, -7],
                [-3, -2, -3, -16]]
    np.testing.assert_array_equal(conv_2d_example(image, VERTICAL), expected)


def test_course_bright_vertical_edge_and_its_mirror():
    bright_left = np.array([[10, 10, 10, 0, 0, 0]] * 6)
    expected = np.array([[0, 30, 30, 0]] * 4)
    np.testing.assert_array_equal(conv_2d_example(bright_left, VERTICAL), expected)
    np.testing.assert_array_equal(conv_2d_example(bright_left[:, ::-1], VERTICAL), -expected)
    # The vertical filter sees nothing in a horizontal edge.
    np.testing.assert_array_equal(conv_2d_example(bright_left.T, VERTICAL), np.zeros((4, 4)))


def test_course_horizontal_filter_finds_horizontal_edge():
    bright_top = np.array([[10] * 6] * 3 + [[0] * 6] * 3)
    expected = np.array([[0] * 4, [30] * 4, [30] * 4, [0] * 4])
    np.testing.assert_array_equal(conv_2d_example(bright_top, HORIZONTAL), expected)
    np.testing.assert_array_equal(conv_2d_example(bright_top[::-1], HORIZONTAL), -expected)
    np.testing.assert_array_equal(conv_2d_example(bright_top.T, HORIZONTAL), np.zeros((4, 4)))


POOL_EXAMPLE = [[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 1], [5, 6, 1, 2]]


def test_course_max_pool_example():
    out = F.pool2d(as_nhwc(POOL_EXAMPLE), f=2, stride=2, mode="max")
    np.testing.assert_array_equal(out[0, :, :, 0], [[9, 2], [6, 2]])


def test_course_avg_pool_example():
    out = F.pool2d(as_nhwc(POOL_EXAMPLE), f=2, stride=2, mode="avg")
    np.testing.assert_allclose(out[0, :, :, 0], [[3.75, 1.25], [3.75, 1.5]], rtol=0, atol=1e-12)


def test_course_pool_keeps_channels_and_f3_s2_size():
    A = np.random.default_rng(0).standard_normal((2, 9, 7, 5))
    assert F.pool2d(A, f=3, stride=2).shape == (2, 4, 3, 5)   # ⌊(9−3)/2⌋+1, ⌊(7−3)/2⌋+1


@pytest.mark.parametrize("n, f, p, s, expected", [
    (6, 3, 0, 1, 4),     # valid: n − f + 1
    (6, 3, 1, 1, 6),     # same
    (39, 3, 0, 1, 37),   # the course's other ConvNet
    (37, 5, 0, 2, 17),
    (17, 5, 0, 2, 7),
    (32, 5, 0, 1, 28),   # LeNet-5
    (28, 2, 0, 2, 14),
    (7, 3, 0, 2, 3),
    (8, 3, 0, 2, 3),     # floor
])
def test_conv_output_size(n, f, p, s, expected):
    assert F.conv_output_size(n, f, p, s) == expected


@pytest.mark.parametrize("pad, f, expected", [
    (0, 3, 0), (2, 3, 2), ("valid", 5, 0), ("same", 1, 0), ("same", 3, 1), ("same", 5, 2), ("same", 7, 3),
    (np.int64(1), 3, 1),
])
def test_resolve_padding(pad, f, expected):
    assert F.resolve_padding(pad, f) == expected


def test_same_padding_keeps_size_at_stride_1():
    rng = np.random.default_rng(1)
    for f in (1, 3, 5):
        Z = F.conv2d(rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((f, f, 3, 4)), np.zeros(4), pad="same")
        assert Z.shape == (2, 7, 6, 4)


# --------------------------------------------------------------------------------------------------
# Fast kernels vs the loop reference
# --------------------------------------------------------------------------------------------------

# (m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, pad); n_H != n_W to catch swapped axes.
CONV_CASES = [
    (2, 6, 6, 1, 1, 3, 1, "valid"),
    (2, 7, 5, 3, 4, 3, 1, "same"),
    (1, 8, 7, 2, 3, 5, 1, "same"),
    (2, 7, 6, 2, 2, 3, 2, "valid"),
    (2, 8, 7, 3, 2, 3, 2, "same"),
    (1, 9, 8, 2, 3, 3, 3, 0),
    (2, 7, 9, 1, 2, 2, 3, 1),     # stride leaves rows/columns unused
    (2, 5, 6, 3, 2, 1, 1, 0),     # 1×1 convolution
    (1, 5, 6, 3, 2, 1, 2, 2),     # 1×1 with padding and stride
    (2, 6, 5, 2, 3, 4, 1, 2),     # even filter, integer padding
    (2, 6, 6, 2, 3, 4, 2, 1),
    (1, 4, 4, 2, 2, 5, 1, 2),     # filter as large as the padded input allows
    (2, 3, 3, 2, 2, 3, 1, 0),     # single output position
    (1, 10, 9, 2, 2, 5, 3, 2),
]


@pytest.mark.parametrize("m, n_H, n_W, n_C_prev, n_C, f, s, pad", CONV_CASES)
def test_conv2d_matches_reference(m, n_H, n_W, n_C_prev, n_C, f, s, pad):
    rng = np.random.default_rng(CONV_CASES.index((m, n_H, n_W, n_C_prev, n_C, f, s, pad)))
    A = rng.standard_normal((m, n_H, n_W, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal(n_C)
    Z, cache = F.conv2d_forward(A, W, b, stride=s, pad=pad)
    Z_ref = R.conv2d_naive(A, W, b, stride=s, pad=pad)
    assert Z.shape == Z_ref.shape
    np.testing.assert_allclose(Z, Z_ref, rtol=1e-10, atol=1e-10)

    dZ = rng.standard_normal(Z.shape)
    dA, dW, db = F.conv2d_backward(dZ, cache)
    dA_ref, dW_ref, db_ref = R.conv2d_backward_naive(dZ, A, W, b, stride=s, pad=pad)
    assert dA.shape == A.shape and dW.shape == W.shape and db.shape == b.shape
    np.testing.assert_allclose(dA, dA_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dW, dW_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, db_ref, rtol=1e-10, atol=1e-10)

    none, dW2, db2 = F.conv2d_backward(dZ, cache, need_input_grad=False)
    assert none is None
    np.testing.assert_array_equal(dW2, dW)
    np.testing.assert_array_equal(db2, db)


def test_conv2d_random_configs_match_reference():
    rng = np.random.default_rng(12345)
    for _ in range(12):
        f = int(rng.integers(1, 5))
        s = int(rng.integers(1, 4))
        pad = ["valid", 0, 1, 2, "same"][int(rng.integers(0, 5 if f % 2 else 4))]
        p = F.resolve_padding(pad, f)
        n_H = int(rng.integers(max(1, f - 2 * p), 9))
        n_W = int(rng.integers(max(1, f - 2 * p), 9))
        n_C_prev, n_C = (int(v) for v in rng.integers(1, 4, size=2))
        A = rng.standard_normal((2, n_H, n_W, n_C_prev))
        W = rng.standard_normal((f, f, n_C_prev, n_C))
        b = rng.standard_normal(n_C)
        Z, cache = F.conv2d_forward(A, W, b, stride=s, pad=pad)
        np.testing.assert_allclose(Z, R.conv2d_naive(A, W, b, stride=s, pad=pad), rtol=1e-10, atol=1e-10)
        dZ = rng.standard_normal(Z.shape)
        for got, want in zip(F.conv2d_backward(dZ, cache), R.conv2d_backward_naive(dZ, A, W, b, stride=s, pad=pad)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


# (n_H_prev, n_W_prev, n_C, f, stride)
POOL_CASES = [
    (4, 6, 3, 2, 2),     # tiles exactly: the reshape fast path
    (7, 5, 2, 2, 2),     # f == s but odd sizes: last row/column dropped
    (7, 9, 2, 3, 2),     # overlapping windows
    (6, 5, 2, 3, 1),     # heavily overlapping
    (8, 7, 2, 2, 3),     # gaps between windows
    (9, 9, 1, 3, 3),
    (5, 6, 2, 2, 1),
    (3, 3, 2, 3, 1),     # single window
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("n_H, n_W, n_C, f, s", POOL_CASES)
def test_pool2d_matches_reference(n_H, n_W, n_C, f, s, mode):
    rng = np.random.default_rng(n_H * 1000 + n_W * 100 + f * 10 + s)
    A = rng.standard_normal((2, n_H, n_W, n_C))
    out, cache = F.pool2d_forward(A, f=f, stride=s, mode=mode)
    ref = R.pool2d_naive(A, f=f, stride=s, mode=mode)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(F.pool2d_backward(dout, cache),
                               R.pool2d_backward_naive(dout, A, f=f, stride=s, mode=mode), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_H, n_W, n_C, f, s", POOL_CASES)
def test_max_pool_ties_go_to_first_max_only(n_H, n_W, n_C, f, s):
    rng = np.random.default_rng(7)
    A = rng.integers(0, 3, size=(2, n_H, n_W, n_C)).astype(np.float64)   # many ties
    out, cache = F.pool2d_forward(A, f=f, stride=s, mode="max")
    dout = rng.standard_normal(out.shape)
    # Overlapping windows add in a different order than the loops: allow rounding, not misrouting.
    np.testing.assert_allclose(F.pool2d_backward(dout, cache),
                               R.pool2d_backward_naive(dout, A, f=f, stride=s, mode="max"), rtol=0, atol=1e-12)


def test_max_pool_constant_window_routes_whole_gradient_to_top_left():
    A = np.ones((1, 2, 2, 1))
    out, cache = F.pool2d_forward(A, f=2, stride=2, mode="max")
    dA = F.pool2d_backward(np.full(out.shape, 5.0), cache)
    np.testing.assert_array_equal(dA[0, :, :, 0], [[5, 0], [0, 0]])


def test_overlapping_max_pool_accumulates():
    # One large value shared by all four 3×3 windows (stride 2) of a 5×5 input: it receives all 4 gradients.
    A = np.zeros((1, 5, 5, 1))
    A[0, 2, 2, 0] = 10.0
    out, cache = F.pool2d_forward(A, f=3, stride=2, mode="max")
    np.testing.assert_array_equal(out[0, :, :, 0], [[10, 10], [10, 10]])
    dA = F.pool2d_backward(np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1), cache)
    assert dA[0, 2, 2, 0] == 10.0
    assert dA.sum() == 10.0


def test_kernels_do_not_modify_their_inputs():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((2, 6, 6, 2))
    W = rng.standard_normal((3, 3, 2, 3))
    b = rng.standard_normal(3)
    copies = [x.copy() for x in (A, W, b)]
    Z, cache = F.conv2d_forward(A, W, b, pad=1)
    dZ = rng.standard_normal(Z.shape)
    dZ_copy = dZ.copy()
    F.conv2d_backward(dZ, cache)
    for x, c in zip((A, W, b, dZ), copies + [dZ_copy]):
        np.testing.assert_array_equal(x, c)
    for mode in ("max", "avg"):
        out, pcache = F.pool2d_forward(A, f=2, stride=2, mode=mode)
        dout = rng.standard_normal(out.shape)
        dout_copy = dout.copy()
        F.pool2d_backward(dout, pcache)
        np.testing.assert_array_equal(A, copies[0])
        np.testing.assert_array_equal(dout, dout_copy)
    logits = rng.standard_normal((4, 3))
    logits_copy = logits.copy()
    F.softmax(logits)
    F.softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))
    np.testing.assert_array_equal(logits, logits_copy)


# --------------------------------------------------------------------------------------------------
# Finite-difference gradient checks (float64)
# --------------------------------------------------------------------------------------------------

TOL = 1e-6


@pytest.mark.parametrize("s, pad, f", [(1, "valid", 3), (2, 1, 3), (1, "same", 3), (2, 0, 2), (3, 2, 3)])
def test_conv2d_gradients_numerically(s, pad, f):
    rng = np.random.default_rng(10 * s + f)
    A = rng.standard_normal((2, 6, 5, 2))
    W = rng.standard_normal((f, f, 2, 3))
    b = rng.standard_normal(3)
    Z, cache = F.conv2d_forward(A, W, b, stride=s, pad=pad)
    G = rng.standard_normal(Z.shape)

    def loss():
        return float(np.sum(F.conv2d(A, W, b, stride=s, pad=pad) * G))

    dA, dW, db = F.conv2d_backward(G, cache)
    assert rel_error(dA, numerical_grad(loss, A)) < TOL
    assert rel_error(dW, numerical_grad(loss, W)) < TOL
    assert rel_error(db, numerical_grad(loss, b)) < TOL


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape, f, s", [((2, 4, 6, 2), 2, 2), ((2, 7, 5, 2), 3, 2), ((1, 5, 6, 2), 2, 1),
                                         ((1, 7, 7, 1), 2, 3)])
def test_pool2d_gradients_numerically(shape, f, s, mode):
    rng = np.random.default_rng(f * 10 + s)
    A = distinct_values(rng, shape)
    out, cache = F.pool2d_forward(A, f=f, stride=s, mode=mode)
    G = rng.standard_normal(out.shape)

    def loss():
        return float(np.sum(F.pool2d(A, f=f, stride=s, mode=mode) * G))

    assert rel_error(F.pool2d_backward(G, cache), numerical_grad(loss, A)) < TOL


def test_dense_gradients_numerically():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((4, 6))
    W = rng.standard_normal((6, 3))
    b = rng.standard_normal(3)
    Z, cache = F.dense_forward(A, W, b)
    np.testing.assert_allclose(Z, A @ W + b)
    G = rng.standard_normal(Z.shape)

    def loss():
        return float(np.sum(F.dense_forward(A, W, b)[0] * G))

    dA, dW, db = F.dense_backward(G, cache)
    assert rel_error(dA, numerical_grad(loss, A)) < TOL
    assert rel_error(dW, numerical_grad(loss, W)) < TOL
    assert rel_error(db, numerical_grad(loss, b)) < TOL
    none, dW2, db2 = F.dense_backward(G, cache, need_input_grad=False)
    assert none is None
    np.testing.assert_array_equal(dW2, dW)
    np.testing.assert_array_equal(db2, db)


@pytest.mark.parametrize("name", F.ACTIVATIONS)
def test_activation_gradients_numerically(name):
    rng = np.random.default_rng(len(name))
    Z = away_from_zero(rng, (3, 4, 2))
    G = rng.standard_normal(Z.shape)

    def loss():
        return float(np.sum(F.activation_forward(name, Z) * G))

    A = F.activation_forward(name, Z)
    dZ = F.activation_backward(name, G, Z, A)
    assert dZ.shape == Z.shape
    assert rel_error(dZ, numerical_grad(loss, Z)) < TOL


@pytest.mark.parametrize("name, expected", [
    ("relu", [0.0, 0.0, 2.0]),
    ("leaky_relu", [-0.03, 0.0, 2.0]),
    ("tanh", np.tanh([-3.0, 0.0, 2.0])),
    ("sigmoid", 1 / (1 + np.exp([3.0, 0.0, -2.0]))),
    ("linear", [-3.0, 0.0, 2.0]),
])
def test_activation_values(name, expected):
    np.testing.assert_allclose(F.activation_forward(name, np.array([-3.0, 0.0, 2.0])), expected, rtol=1e-12)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="swish"):
        F.activation_forward("swish", np.zeros(3))
    with pytest.raises(ValueError, match="swish"):
        F.activation_backward("swish", np.zeros(3), np.zeros(3), np.zeros(3))


def test_softmax_cross_entropy_gradient_numerically():
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((5, 4)) * 3
    y = np.array([0, 3, 1, 1, 2])
    _, dlogits = F.softmax_cross_entropy(logits, y)
    assert rel_error(dlogits, numerical_grad(lambda: F.softmax_cross_entropy(logits, y)[0], logits)) < TOL


def test_sigmoid_binary_cross_entropy_gradient_numerically():
    rng = np.random.default_rng(9)
    logits = rng.standard_normal((6, 1)) * 3
    y = np.array([0, 1, 1, 0, 1, 0])
    _, dlogits = F.sigmoid_binary_cross_entropy(logits, y)
    assert dlogits.shape == (6, 1)
    num = numerical_grad(lambda: F.sigmoid_binary_cross_entropy(logits, y)[0], logits)
    assert rel_error(dlogits, num) < TOL


def test_loss_values():
    # Uniform logits over k classes: loss log k. Logit 0 for a binary unit: loss log 2.
    loss, d = F.softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 4, 9]))
    assert loss == pytest.approx(np.log(10))
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-15)
    assert F.sigmoid_binary_cross_entropy(np.zeros((4, 1)), np.array([0, 1, 0, 1]))[0] == pytest.approx(np.log(2))
    # Against the textbook formula on moderate logits.
    z = np.array([[-2.0], [0.5], [3.0]])
    y = np.array([1, 0, 1])
    p = 1 / (1 + np.exp(-z[:, 0]))
    textbook = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert F.sigmoid_binary_cross_entropy(z, y)[0] == pytest.approx(textbook, rel=1e-12)
    logits = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(F.softmax(logits), probs, rtol=1e-12)
    loss, _ = F.softmax_cross_entropy(logits, np.array([2, 0]))
    assert loss == pytest.approx(-np.mean(np.log([probs[0, 2], probs[1, 0]])), rel=1e-12)


def test_loss_label_errors():
    with pytest.raises(ValueError, match="labels"):
        F.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="shape"):
        F.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="0 or 1"):
        F.sigmoid_binary_cross_entropy(np.zeros((2, 1)), np.array([0, 2]))


# --------------------------------------------------------------------------------------------------
# float32 stays float32
# --------------------------------------------------------------------------------------------------

def _assert_f32(*arrays):
    for a in arrays:
        assert a.dtype == np.float32, a.dtype


@pytest.mark.parametrize("pad, s", [(0, 1), ("same", 2)])
def test_conv2d_preserves_float32(pad, s):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    W = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    for b in (np.zeros(4, np.float32), np.zeros(4)):   # a float64 bias must not upcast Z either
        Z, cache = F.conv2d_forward(A, W, b, stride=s, pad=pad)
        _assert_f32(Z, F.conv2d(A, W, b, stride=s, pad=pad))
        dA, dW, db = F.conv2d_backward(np.ones_like(Z), cache)
        _assert_f32(dA, dW, db)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("shape, f, s", [((2, 4, 4, 3), 2, 2), ((2, 7, 7, 3), 3, 2)])
def test_pool2d_preserves_float32(mode, shape, f, s):
    A = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out, cache = F.pool2d_forward(A, f=f, stride=s, mode=mode)
    _assert_f32(out, F.pool2d(A, f=f, stride=s, mode=mode), F.pool2d_backward(np.ones_like(out), cache))


def test_dense_preserves_float32():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 5)).astype(np.float32)
    W = rng.standard_normal((5, 3)).astype(np.float32)
    Z, cache = F.dense_forward(A, W, np.zeros(3, np.float32))
    _assert_f32(Z, *F.dense_backward(np.ones_like(Z), cache))


@pytest.mark.parametrize("name", F.ACTIVATIONS)
def test_activations_preserve_float32(name):
    Z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    A = F.activation_forward(name, Z)
    _assert_f32(A, F.activation_backward(name, np.ones_like(Z), Z, A))


def test_softmax_sigmoid_and_losses_preserve_float32():
    logits = np.linspace(-2, 2, 12, dtype=np.float32).reshape(4, 3)
    loss, d = F.softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))
    assert isinstance(loss, float)
    _assert_f32(F.softmax(logits), F.sigmoid(logits), d)
    loss, d = F.sigmoid_binary_cross_entropy(logits[:, :1], np.array([0, 1, 1, 0]))
    assert isinstance(loss, float)
    _assert_f32(d)


def test_float64_upstream_gradients_still_give_float32_gradients():
    # A float64 gradient arriving from a later layer must not turn this layer's gradients into float64.
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    W = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    Z, cache = F.conv2d_forward(A, W, np.zeros(3, np.float32), pad=1)
    _assert_f32(*F.conv2d_backward(np.ones(Z.shape), cache))
    for mode in ("max", "avg"):
        out, pcache = F.pool2d_forward(A, mode=mode)
        _assert_f32(F.pool2d_backward(np.ones(out.shape), pcache))
    Zd, dcache = F.dense_forward(A.reshape(2, -1), rng.standard_normal((72, 4)).astype(np.float32), np.zeros(4))
    _assert_f32(Zd, *F.dense_backward(np.ones(Zd.shape), dcache))
    for name in F.ACTIVATIONS:
        _assert_f32(F.activation_backward(name, np.ones(Z.shape), Z, F.activation_forward(name, Z)))


@pytest.mark.parametrize("name", F.ACTIVATIONS)
def test_activation_backward_needs_only_the_output(name):
    # Documented: callers may pass Z=None (e.g. when the activation overwrote Z in place).
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((4, 5))
    A = F.activation_forward(name, Z)
    dA = rng.standard_normal(Z.shape)
    np.testing.assert_array_equal(F.activation_backward(name, dA, None, A), F.activation_backward(name, dA, Z, A))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", F.ACTIVATIONS)
def test_consuming_activation_gradient_equals_the_reference_in_the_outputs_buffer(name, dtype):
    # The training layers' path: dZ is written into A's buffer (one activation-sized array less), with
    # exactly the reference's values, zeros of ReLU included.
    rng = np.random.default_rng(2)
    Z = rng.standard_normal((3, 4, 5, 6)).astype(dtype)
    Z[0, 0, 0] = 0.0
    A = F.activation_forward(name, Z)
    dA = rng.standard_normal(Z.shape).astype(dtype)
    want = F.activation_backward(name, dA, None, A)
    A_buffer = A.copy()
    got = F.activation_backward_consuming(name, dA, A_buffer)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)
    if name != "linear":
        assert got is A_buffer                  # no new array: the output's memory holds dZ
    with pytest.raises(ValueError, match="does not match"):
        F.activation_backward_consuming(name, dA, A_buffer[:1])


def test_integer_inputs_are_computed_in_float64():
    Z = F.conv2d(np.arange(16).reshape(1, 4, 4, 1), np.ones((3, 3, 1, 1), dtype=int), np.zeros(1))
    assert Z.dtype == np.float64
    np.testing.assert_array_equal(Z[0, :, :, 0], [[45, 54], [81, 90]])
    assert F.pool2d(np.arange(16).reshape(1, 4, 4, 1), mode="avg").dtype == np.float64


# --------------------------------------------------------------------------------------------------
# Numerical stability
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_do_not_warn_or_overflow(dtype):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]], dtype=dtype)
        np.testing.assert_array_equal(F.sigmoid(z)[:, 0], [1, 0, 1, 0])
        np.testing.assert_array_equal(F.activation_forward("sigmoid", z)[:, 0], [1, 0, 1, 0])
        loss, d = F.sigmoid_binary_cross_entropy(z, np.array([1, 0, 0, 1]))
        assert loss == pytest.approx(500.0)   # two perfect answers (0) and two wrong by 1000: 2000 / 4
        assert np.all(np.isfinite(d))
        np.testing.assert_allclose(d[:, 0], [0, 0, 0.25, -0.25])

        logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], dtype=dtype)
        p = F.softmax(logits)
        np.testing.assert_allclose(p, [[1, 0, 0], [0, 0.5, 0.5]], atol=1e-7)
        loss, d = F.softmax_cross_entropy(logits, np.array([1, 0]))
        assert loss == pytest.approx((2000.0 + 2000.0 + np.log(2)) / 2, rel=1e-6)
        assert np.all(np.isfinite(d))


# --------------------------------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("f", [2, 4, 6])
def test_same_padding_with_even_filter_names_the_size(f):
    with pytest.raises(ValueError, match=rf"odd filter size.*\b{f}\b"):
        F.resolve_padding("same", f)
    with pytest.raises(ValueError, match=rf"\b{f}\b"):
        F.conv2d(np.zeros((1, 8, 8, 1)), np.zeros((f, f, 1, 1)), np.zeros(1), pad="same")


@pytest.mark.parametrize("pad", [-1, "full", 1.5, None, True])
def test_bad_padding_is_rejected(pad):
    with pytest.raises(ValueError, match="padding"):
        F.resolve_padding(pad, 3)


def test_bad_conv_and_pool_arguments():
    A = np.zeros((1, 4, 4, 2))
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(A, np.zeros((3, 3, 3, 1)), np.zeros(1))
    with pytest.raises(ValueError, match="larger"):
        F.conv2d(A, np.zeros((5, 5, 2, 1)), np.zeros(1))
    with pytest.raises(ValueError, match="stride"):
        F.conv2d(A, np.zeros((3, 3, 2, 1)), np.zeros(1), stride=0)
    with pytest.raises(ValueError, match="mode"):
        F.pool2d(A, mode="min")
    with pytest.raises(ValueError, match="larger"):
        F.pool2d(A, f=5, stride=1)
    Z, cache = F.conv2d_forward(A, np.zeros((3, 3, 2, 1)), np.zeros(1))
    with pytest.raises(ValueError, match="forward pass"):
        F.conv2d_backward(np.zeros((1, 3, 3, 1)), cache)
    out, pcache = F.pool2d_forward(A)
    with pytest.raises(ValueError, match="forward pass"):
        F.pool2d_backward(np.zeros((1, 3, 3, 2)), pcache)
