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

Per-channel sums are taken as ``ones @ X`` (a BLAS matrix-vector product) over the ``(N, n_C)`` view,
which runs much faster than ``X.sum(axis=0)`` on a tall, narrow array (engine/functional.py does the same
for conv biases).
"""
from __future__ import annotations

import numpy as np


def _identity(partials):
    return list(partials)


def _as_rows(x: np.ndarray) -> np.ndarray:
    """x (m, ..., C) → its (N, C) view (a copy only if x is not contiguous)."""
    return np.ascontiguousarray(x).reshape(-1, x.shape[-1])


def column_sums(X2d: np.ndarray) -> np.ndarray:
    """Σ over the rows of ``(N, C)`` → ``(C,)`` in X's dtype."""
    return np.ones(X2d.shape[0], X2d.dtype) @ X2d


def column_dots(X2d: np.ndarray, Y2d: np.ndarray) -> np.ndarray:
    """Σ over the rows of X·Y (element-wise) → ``(C,)``, without an (N, C) temporary."""
    return np.einsum("ij,ij->j", X2d, Y2d)


def batchnorm_train_forward(x, gamma, beta, epsilon: float, reduce=_identity):
    """Training forward. Returns ``(y, cache, mean, variance, count)``: y like x; mean and the biased
    variance ``(C,)`` of the whole batch and its number N of values per channel (for the running
    statistics)."""
    dtype = x.dtype
    X = _as_rows(x)
    total, count = reduce([column_sums(X), np.array([X.shape[0]], dtype=np.float64)])
    N = float(count[0])
    mean = (total / dtype.type(N)).astype(dtype, copy=False)
    D = X - mean                                               # (N, C), becomes x̂ below
    (squares,) = reduce([column_dots(D, D)])
    variance = (squares / dtype.type(N)).astype(dtype, copy=False)
    inv_std = (1.0 / np.sqrt(variance + dtype.type(epsilon))).astype(dtype, copy=False)
    D *= inv_std
    Y = np.multiply(D, gamma.astype(dtype, copy=False))
    Y += beta.astype(dtype, copy=False)
    return Y.reshape(x.shape), (D, inv_std, gamma, N, x.shape), mean, variance, N


def batchnorm_train_backward(dy, cache, reduce=_identity):
    """Backward of :func:`batchnorm_train_forward`: ``dy`` like x → ``(dx, dgamma, dbeta)``.

    dgamma = Σ dy·x̂ and dbeta = Σ dy are this part's own sums (the network adds the parts' gradients);
    dx = γ/√(σ² + ε) · (dy − Σdy/N − x̂·Σ(dy·x̂)/N) with the sums over the whole batch. The cached x̂
    is overwritten (the cache is used up)."""
    Xhat, inv_std, gamma, N, shape = cache
    dtype = Xhat.dtype
    dY = _as_rows(np.asarray(dy, dtype=dtype))
    dbeta = column_sums(dY)
    dgamma = column_dots(dY, Xhat)
    total_dbeta, total_dgamma = reduce([dbeta, dgamma])
    a = (gamma.astype(dtype, copy=False) * inv_std).astype(dtype, copy=False)
    dX = np.multiply(dY, a)
    np.multiply(Xhat, (a * total_dgamma / dtype.type(N)).astype(dtype, copy=False), out=Xhat)
    dX -= Xhat
    dX -= (a * total_dbeta / dtype.type(N)).astype(dtype, copy=False)
    return dX.reshape(shape), dgamma, dbeta


def batchnorm_infer_forward(x, gamma, beta, running_mean, running_var, epsilon: float, keep: bool = False):
    """Inference forward with the running statistics: y = γ·(x − μ_run)/√(σ²_run + ε) + β.

    Returns ``(y, cache)``; with ``keep`` the cache holds what :func:`batchnorm_infer_backward` needs
    (x̂ and the scale), else it is None."""
    dtype = x.dtype
    inv_std = (1.0 / np.sqrt(running_var.astype(dtype) + dtype.type(epsilon))).astype(dtype, copy=False)
    scale = (gamma * inv_std).astype(dtype, copy=False)
    shift = (beta - running_mean * scale).astype(dtype, copy=False)
    y = np.multiply(x, scale)
    y += shift
    if not keep:
        return y, None
    xhat = (x - running_mean.astype(dtype, copy=False)) * inv_std
    return y, (_as_rows(xhat), scale, x.shape)


def batchnorm_infer_backward(dy, cache):
    """Backward of :func:`batchnorm_infer_forward` (statistics fixed): ``(dx, dgamma, dbeta)``."""
    Xhat, scale, shape = cache
    dY = _as_rows(np.asarray(dy, dtype=Xhat.dtype))
    return (dY * scale).reshape(shape), column_dots(dY, Xhat), column_sums(dY)


def update_running(running_mean, running_var, mean, variance, count: float, momentum: float) -> None:
    """PyTorch's update, in place: running ← (1 − momentum)·running + momentum·batch, with the unbiased
    variance σ²·N/(N − 1) (σ² itself when N is 1)."""
    dtype = running_mean.dtype
    unbiased = variance * dtype.type(count / (count - 1)) if count > 1 else variance
    running_mean *= dtype.type(1 - momentum)
    running_mean += dtype.type(momentum) * mean
    running_var *= dtype.type(1 - momentum)
    running_var += dtype.type(momentum) * unbiased
