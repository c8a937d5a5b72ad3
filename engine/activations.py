"""Activations and losses, forward and backward: the elementwise non-linearities and the output layers.

* :func:`activation_forward` / :func:`activation_backward` for ``relu``, ``relu6`` (min(max(z, 0), 6),
  MobileNet's), ``leaky_relu`` (slope
  :data:`LEAKY_RELU_SLOPE`), ``tanh``, ``sigmoid`` and ``linear``, any array shape;
  :func:`activation_backward_consuming` is the same gradient written into the output's own buffer (the
  training layers' fast path: one activation-sized array less per layer in the backward pass);
* :func:`softmax`, :func:`softmax_cross_entropy` (logits ``(m, k)``, integer labels ``(m,)``) and
  :func:`sigmoid_binary_cross_entropy` (logits ``(m, 1)``, 0/1 labels).

engine.functional re-exports every public name here, so ``from engine.functional import softmax`` keeps
working. Every function keeps the floating dtype of its input (float32 in, float32 out); integers become
float64.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "LEAKY_RELU_SLOPE",
    "activation_backward",
    "activation_backward_consuming",
    "activation_forward",
    "sigmoid",
    "sigmoid_binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
]

ACTIVATIONS = ("relu", "relu6", "leaky_relu", "tanh", "sigmoid", "linear")
RELU6_CAP = 6.0
LEAKY_RELU_SLOPE = 0.01


def _float_array(x, dtype=None) -> np.ndarray:
    """``x`` as a floating array without copying; integers become float64 (the course's examples)."""
    x = np.asarray(x, dtype=dtype)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


# --------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------

def sigmoid(Z) -> np.ndarray:
    """Logistic function ``1 / (1 + e^{−z})``, stable for any ``|z|``.

    Only ``e^{−|z|}`` is ever computed, which is at most 1, so large ``|z|`` cannot overflow.
    """
    Z = _float_array(Z)
    e = np.exp(-np.abs(Z))
    r = Z.dtype.type(1) / (Z.dtype.type(1) + e)
    # z >= 0: 1/(1 + e^{-z});  z < 0: e^{z}/(1 + e^{z}), both written with e = e^{-|z|}. The factor
    # max(e, z >= 0) is exactly 1 or e (0 < e ≤ 1): the same numbers as np.where(Z >= 0, r, e·r), but
    # np.where is ~10x slower than these plain ufuncs (NumPy 2.4, float32 and float64).
    r *= np.maximum(e, Z >= 0)
    return r


def activation_forward(name, Z) -> np.ndarray:
    """Apply the activation ``name`` (one of :data:`ACTIVATIONS`) elementwise; any shape.

    ``"linear"`` returns ``Z`` itself (no copy).
    """
    Z = _float_array(Z)
    if name == "relu":
        return np.maximum(Z, Z.dtype.type(0))
    if name == "relu6":
        return np.clip(Z, Z.dtype.type(0), Z.dtype.type(RELU6_CAP))
    if name == "leaky_relu":
        # max(z, slope·z) for a slope in (0, 1): z where z > 0, slope·z elsewhere — np.where's values
        # without its cost.
        return np.maximum(Z, Z * Z.dtype.type(LEAKY_RELU_SLOPE))
    if name == "tanh":
        return np.tanh(Z)
    if name == "sigmoid":
        return sigmoid(Z)
    if name == "linear":
        return Z
    raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")


def activation_backward(name, dA, Z, A) -> np.ndarray:
    """Gradient through the activation: ``dZ = dA · g'(Z)``, same shape and dtype as ``dA``.

    Every derivative here is computed from the output ``A`` (relu/leaky: ``A > 0`` iff ``Z > 0``; tanh:
    ``1 − A²``; sigmoid: ``A(1 − A)``), so ``Z`` is only checked for shape and may be ``None``.
    ``"linear"`` returns ``dA`` itself.
    """
    A = _float_array(A)
    dA = np.asarray(dA, dtype=A.dtype)       # gradients come back in the forward output's dtype
    if A.shape != dA.shape:
        raise ValueError(f"dA shape {dA.shape} does not match A shape {A.shape}")
    if Z is not None and np.shape(Z) != dA.shape:
        raise ValueError(f"dA shape {dA.shape} does not match Z shape {np.shape(Z)}")
    one = dA.dtype.type(1)
    # Each derivative is built in one fresh array and multiplied by dA in place: one activation-sized
    # temporary less than the plain expressions (tanh: A·A, 1 − A·A and the product were three).
    if name == "relu":
        return dA * (A > 0)
    if name == "relu6":
        return dA * _inside_relu6(A)
    if name == "leaky_relu":
        # max(A > 0, slope) is exactly 1 or slope, like np.where(A > 0, 1, slope), without its cost.
        g = np.maximum(A > 0, dA.dtype.type(LEAKY_RELU_SLOPE))
        g *= dA
        return g
    if name == "tanh":
        g = np.multiply(A, A, dtype=dA.dtype)
        np.subtract(one, g, out=g)
        g *= dA
        return g
    if name == "sigmoid":
        g = np.subtract(one, A, dtype=dA.dtype)
        g *= A
        g *= dA
        return g
    if name == "linear":
        return dA
    raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")


def _inside_relu6(A) -> np.ndarray:
    """Where relu6 passes gradients: 0 < z < 6, read from its output A (A is 0 or 6 outside)."""
    inside = A > 0
    inside &= A < A.dtype.type(RELU6_CAP)
    return inside


def activation_backward_consuming(name, dA, A) -> np.ndarray:
    """:func:`activation_backward` computed in the buffer of ``A``, which it overwrites and returns.

    For a layer's backward pass, which needs its output ``A`` for nothing else: every other way of
    forming ``dZ`` allocates at least one more activation-sized array (the derivative, or a boolean mask
    and the product) while ``dA`` and ``A`` are both alive, and for the large first layers that array was
    the step's memory peak. ``A`` must be a float array of ``dA``'s shape and dtype that no one else reads
    afterwards. The values equal :func:`activation_backward`'s exactly (same operations, same order).
    """
    if A.shape != dA.shape or A.dtype != dA.dtype:
        raise ValueError(f"dA {dA.shape} {dA.dtype} does not match A {A.shape} {A.dtype}")
    one = A.dtype.type(1)
    # (np.sign and np.copyto(..., where=) would avoid the boolean mask but run far slower than these;
    # benchmarks/RESULTS.md, "Tuning rules: pooling and activations".)
    if name == "relu":
        return np.multiply(dA, A > 0, out=A)        # a boolean mask: a quarter of a float32 array
    if name == "relu6":
        return np.multiply(dA, _inside_relu6(A), out=A)
    if name == "leaky_relu":
        np.maximum(A > 0, A.dtype.type(LEAKY_RELU_SLOPE), out=A)
    elif name == "tanh":
        np.multiply(A, A, out=A)
        np.subtract(one, A, out=A)
    elif name == "sigmoid":
        g = np.subtract(one, A)            # A(1 − A) needs A twice: one temporary, as before
        A *= g
        del g
    elif name == "linear":
        return dA
    else:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    A *= dA
    return A


# --------------------------------------------------------------------------------------------------
# Output layers and losses
# --------------------------------------------------------------------------------------------------

def softmax(Z) -> np.ndarray:
    """Row-wise softmax of logits ``(m, k)`` → probabilities ``(m, k)``.

    The row maximum is subtracted first so ``exp`` never overflows (softmax is shift-invariant).
    """
    Z = _float_array(Z)
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _check_labels(y, m: int, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (m,):
        raise ValueError(f"{what}: labels y must have shape ({m},), got {y.shape}")
    return y


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against integer labels.

    Parameters
    ----------
    logits : ``(m, k)``
    y : ``(m,)`` integer class labels in ``[0, k)``

    Returns
    -------
    ``(loss, dlogits)``: ``loss`` a Python float ``−(1/m) Σ log softmax(z⁽ⁱ⁾)[y⁽ⁱ⁾]``, ``dlogits``
    ``(m, k)`` = ``(softmax − onehot)/m`` in the dtype of ``logits``.
    """
    logits = _float_array(logits)
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: logits must be (m, k), got shape {logits.shape}")
    m, k = logits.shape
    y = _check_labels(y, m, "softmax_cross_entropy")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError("softmax_cross_entropy: labels y must be whole numbers (class indices)")
        y = y.astype(np.intp)
    if m and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"softmax_cross_entropy: labels must be in [0, {k}), got range "
                         f"[{y.min()}, {y.max()}]")
    # log-softmax via the shifted logits: log p = (z − max) − log Σ exp(z − max); no overflow, and
    # the log never sees a 0 because the max term contributes exp(0) = 1 to the sum.
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    sum_e = e.sum(axis=1, keepdims=True)
    rows = np.arange(m)
    log_p_true = shifted[rows, y] - np.log(sum_e[:, 0])
    loss = float(-np.mean(log_p_true, dtype=np.float64)) if m else 0.0
    dlogits = e
    dlogits /= sum_e
    dlogits[rows, y] -= 1
    dlogits *= logits.dtype.type(1.0 / max(m, 1))
    return loss, dlogits


def sigmoid_binary_cross_entropy(logits, y):
    """Mean binary cross-entropy of sigmoid(logits) against 0/1 labels.

    Parameters
    ----------
    logits : ``(m, 1)`` (``(m,)`` is accepted too)
    y : ``(m,)`` labels in {0, 1}

    Returns
    -------
    ``(loss, dlogits)``: ``loss`` a Python float, ``dlogits`` shaped like ``logits`` =
    ``(sigmoid(z) − y)/m``.

    Notes
    -----
    Per sample ``L = max(z, 0) − z·y + log(1 + e^{−|z|})``, algebraically equal to
    ``−y log σ(z) − (1 − y) log(1 − σ(z))`` but finite for any ``z``.
    """
    logits = _float_array(logits)
    if not (logits.ndim == 1 or (logits.ndim == 2 and logits.shape[1] == 1)):
        raise ValueError(f"sigmoid_binary_cross_entropy: logits must be (m, 1), got shape {logits.shape}")
    m = logits.shape[0]
    y = _check_labels(y, m, "sigmoid_binary_cross_entropy")
    if m and not np.all((y == 0) | (y == 1)):
        raise ValueError("sigmoid_binary_cross_entropy: labels y must be 0 or 1")
    z = logits.reshape(m)
    yf = y.astype(logits.dtype)
    per_sample = np.maximum(z, 0) - z * yf + np.log1p(np.exp(-np.abs(z)))
    loss = float(np.mean(per_sample, dtype=np.float64)) if m else 0.0
    dz = sigmoid(z) - yf
    dz *= logits.dtype.type(1.0 / max(m, 1))
    return loss, dz.reshape(logits.shape)
