"""Batch normalisation kernels, forward and backward, channels last (PyTorch's BatchNorm convention).

x is ``(m, n_H, n_W, n_C)`` (statistics per channel, over m·n_H·n_W values) or ``(m, n)`` (per unit,
over m values); ``gamma``, ``beta``, the mean and the variance are ``(n_C,)`` / ``(n,)``.

Training: x̂ = (x − μ)/√(σ² + ε) with the batch's mean μ and biased variance σ², y = γ·x̂ + β; the
running statistics move by ``running ← (1 − momentum)·running + momentum·batch`` with the unbiased
variance σ²·N/(N − 1). Inference: the running statistics instead of the batch's.

Whole-batch statistics when the batch runs in parts: every sum over the batch goes through ``reduce``
(a list of per-part partial sums → the totals over all parts; see engine.batch_reduce). The forward pass
reduces twice (Σx and the count, then Σ(x − μ)², which is exact where Σx² − Nμ² would cancel); the
backward pass once (Σdy and Σdy·x̂). Unsplit, ``reduce`` returns its input.

The kernels work on the batch as long rows ``(m, n_H·n_W·n_C)`` with the per-channel vectors tiled along a
row (see `_Layout`): element-wise steps run long inner loops, and per-channel sums are a BLAS
matrix-vector product (or one einsum) over the rows, folded to n_C at the end.
"""
from __future__ import annotations

import numpy as np


def _identity(partials):
    return list(partials)


class _Layout:
    """x (m, ..., C) seen as long rows (m, L), L = n_H·n_W·C, and per-channel vectors (C,) tiled to (L,):
    every element-wise step then runs NumPy's inner loop over L values instead of C (n_C is often 16-64,
    and a loop that short costs several times the arithmetic). Per-channel sums fold the (L,) row sums."""

    def __init__(self, shape):
        self.shape = tuple(shape)
        self.C = shape[-1]
        self.m = shape[0]
        self.L = int(np.prod(shape[1:]))
        self.reps = self.L // self.C
        self.count = self.m * self.reps          # values per channel

    def rows(self, x) -> np.ndarray:
        return np.ascontiguousarray(x).reshape(self.m, self.L)

    def tile(self, v, dtype) -> np.ndarray:
        v = np.asarray(v, dtype=dtype)
        return v if self.reps == 1 else np.tile(v, self.reps)

    def fold(self, row_values) -> np.ndarray:
        """(L,) → (C,): the per-channel totals of values laid out along a row."""
        return row_values if self.reps == 1 else row_values.reshape(self.reps, self.C).sum(axis=0)

    def sums(self, X2d) -> np.ndarray:
        """Σ over the batch of each channel, (C,) (a BLAS matrix-vector product over the long rows)."""
        return self.fold(np.ones(self.m, X2d.dtype) @ X2d)

    def dots(self, X2d, Y2d) -> np.ndarray:
        """Σ of X·Y over the batch of each channel, (C,), without an (m, L) temporary."""
        return self.fold(np.einsum("ij,ij->j", X2d, Y2d))


def batchnorm_train_forward(x, gamma, beta, epsilon: float, reduce=_identity):
    """Training forward. Returns ``(y, cache, mean, variance, count)``: y like x; mean and the biased
    variance ``(C,)`` of the whole batch and its number N of values per channel (for the running
    statistics)."""
    dtype = x.dtype
    lay = _Layout(x.shape)
    X = lay.rows(x)
    total, count = reduce([lay.sums(X), np.array([lay.count], dtype=np.float64)])
    N = float(count[0])
    mean = (total / dtype.type(N)).astype(dtype, copy=False)
    D = np.subtract(X, lay.tile(mean, dtype))                  # (m, L), becomes x̂ below
    (squares,) = reduce([lay.dots(D, D)])
    variance = (squares / dtype.type(N)).astype(dtype, copy=False)
    inv_std = (1.0 / np.sqrt(variance + dtype.type(epsilon))).astype(dtype, copy=False)
    D *= lay.tile(inv_std, dtype)
    Y = np.multiply(D, lay.tile(gamma, dtype))
    Y += lay.tile(beta, dtype)
    return Y.reshape(x.shape), (D, inv_std, gamma, N, lay), mean, variance, N


def batchnorm_train_backward(dy, cache, reduce=_identity):
    """Backward of :func:`batchnorm_train_forward`: ``dy`` like x → ``(dx, dgamma, dbeta)``.

    dgamma = Σ dy·x̂ and dbeta = Σ dy are this part's own sums (the network adds the parts' gradients);
    dx = γ/√(σ² + ε) · (dy − Σdy/N − x̂·Σ(dy·x̂)/N) with the sums over the whole batch. The cached x̂
    is overwritten (the cache is used up)."""
    Xhat, inv_std, gamma, N, lay = cache
    dtype = Xhat.dtype
    dY = lay.rows(np.asarray(dy, dtype=dtype))
    dbeta = lay.sums(dY)
    dgamma = lay.dots(dY, Xhat)
    total_dbeta, total_dgamma = reduce([dbeta, dgamma])
    a = (gamma.astype(dtype, copy=False) * inv_std).astype(dtype, copy=False)
    Xhat *= lay.tile(a * total_dgamma / dtype.type(N), dtype)
    Xhat += lay.tile(a * total_dbeta / dtype.type(N), dtype)
    dX = np.multiply(dY, lay.tile(a, dtype))
    dX -= Xhat
    return dX.reshape(lay.shape), dgamma, dbeta


def batchnorm_infer_forward(x, gamma, beta, running_mean, running_var, epsilon: float, keep: bool = False):
    """Inference forward with the running statistics: y = γ·(x − μ_run)/√(σ²_run + ε) + β.

    Returns ``(y, cache)``; with ``keep`` the cache holds what :func:`batchnorm_infer_backward` needs
    (x̂ and the scale), else it is None."""
    dtype = x.dtype
    lay = _Layout(x.shape)
    X = lay.rows(x)
    inv_std = (1.0 / np.sqrt(running_var.astype(dtype) + dtype.type(epsilon))).astype(dtype, copy=False)
    scale = (gamma * inv_std).astype(dtype, copy=False)
    shift = (beta - running_mean * scale).astype(dtype, copy=False)
    y = np.multiply(X, lay.tile(scale, dtype))
    y += lay.tile(shift, dtype)
    if not keep:
        return y.reshape(x.shape), None
    xhat = np.subtract(X, lay.tile(running_mean, dtype))
    xhat *= lay.tile(inv_std, dtype)
    return y.reshape(x.shape), (xhat, scale, lay)


def batchnorm_infer_backward(dy, cache):
    """Backward of :func:`batchnorm_infer_forward` (statistics fixed): ``(dx, dgamma, dbeta)``."""
    Xhat, scale, lay = cache
    dY = lay.rows(np.asarray(dy, dtype=Xhat.dtype))
    dX = np.multiply(dY, lay.tile(scale, Xhat.dtype))
    return dX.reshape(lay.shape), lay.dots(dY, Xhat), lay.sums(dY)


def update_running(running_mean, running_var, mean, variance, count: float, momentum: float) -> None:
    """PyTorch's update, in place: running ← (1 − momentum)·running + momentum·batch, with the unbiased
    variance σ²·N/(N − 1) (σ² itself when N is 1)."""
    dtype = running_mean.dtype
    unbiased = variance * dtype.type(count / (count - 1)) if count > 1 else variance
    running_mean *= dtype.type(1 - momentum)
    running_mean += dtype.type(momentum) * mean
    running_var *= dtype.type(1 - momentum)
    running_var += dtype.type(momentum) * unbiased
