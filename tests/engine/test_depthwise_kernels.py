"""The depthwise kernels' two ways ("taps" and "einsum", engine.depthwise) against a slow loop reference, on
random shapes, strides, paddings and multipliers, forward and backward; and the way the sizes choose."""
import numpy as np
import pytest

from engine import depthwise as D


def reference_forward(A, W, b, s, p):
    """Loops: Z[m, y, x, c·k + j] = Σ_{u,v} A_pad[m, s·y + u, s·x + v, c]·W[u, v, c, j] + b."""
    f, _, n_C, k = W.shape
    A_pad = np.pad(A, ((0, 0), (p, p), (p, p), (0, 0)))
    n_H = (A.shape[1] + 2 * p - f) // s + 1
    n_W = (A.shape[2] + 2 * p - f) // s + 1
    Z = np.zeros((A.shape[0], n_H, n_W, n_C * k))
    for y in range(n_H):
        for x in range(n_W):
            window = A_pad[:, s * y:s * y + f, s * x:s * x + f, :]          # (m, f, f, n_C)
            Z[:, y, x, :] = np.einsum("muvc,uvcj->mcj", window, W).reshape(A.shape[0], -1)
    return Z + b


@pytest.fixture(params=D.METHODS)
def method(request, monkeypatch):
    monkeypatch.setattr(D, "_FORCE", request.param)
    return request.param


@pytest.mark.parametrize("m, H, W_, C, f, s, p, k", [
    (2, 7, 6, 3, 3, 1, 1, 1), (2, 9, 9, 2, 3, 2, 1, 2), (1, 8, 5, 4, 5, 2, 2, 1), (3, 6, 6, 1, 2, 1, 0, 3),
    (2, 10, 7, 5, 3, 3, 0, 1), (1, 5, 5, 2, 1, 1, 0, 2),
])
def test_both_ways_equal_the_reference_forward_and_backward(method, m, H, W_, C, f, s, p, k):
    rng = np.random.default_rng(m * 100 + H)
    A = rng.standard_normal((m, H, W_, C))
    Wt = rng.standard_normal((f, f, C, k))
    b = rng.standard_normal(C * k)
    Z, cache = D.depthwise_forward(A, Wt, b, s, p)
    np.testing.assert_allclose(Z, reference_forward(A, Wt, b, s, p), rtol=1e-12, atol=1e-12)
    G = rng.standard_normal(Z.shape)
    dA, dW, db = D.depthwise_backward(G, cache)
    eps = 1e-6
    loss = lambda A_, W2, b2: np.sum(reference_forward(A_, W2, b2, s, p) * G)
    for array, grad, which in ((A, dA, 0), (Wt, dW, 1), (b, db, 2)):
        for i in rng.choice(array.size, size=min(5, array.size), replace=False):
            idx = np.unravel_index(i, array.shape)
            args = [A, Wt, b]
            plus, minus = [a.copy() for a in args], [a.copy() for a in args]
            plus[which][idx] += eps
            minus[which][idx] -= eps
            numeric = (loss(*plus) - loss(*minus)) / (2 * eps)
            assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (which, idx)
    assert D.depthwise_backward(G, cache, need_input_grad=False)[0] is None


def test_the_sizes_choose_the_way():
    assert D.method_for(128, 1, 1) == "einsum" and D.method_for(128, 1, 1, backward=True) == "einsum"
    assert D.method_for(16, 1, 1) == "taps"
    assert D.method_for(64, 1, 2) == "einsum" and D.method_for(64, 1, 2, backward=True) == "taps"
    assert D.method_for(64, 2, 1, backward=True) == "taps"
