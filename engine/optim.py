"""Optimizers: update the network's weight arrays in place from a grads dict with the same keys.

Weight decay (``weight_decay`` λ ≥ 0) pulls weights toward zero. It applies to weight arrays of two or more
dimensions (conv and dense W, depthwise W) and never to 1-D ones (biases, batch-norm gamma and beta), as the
course's L2 term λ/2·‖W‖² leaves b alone: SGD and momentum add λ·w to the gradient (L2 regularisation, what
PyTorch's SGD(weight_decay=λ) does); Adam decays the weight itself, w ← w − lr·λ·w before its step
(decoupled weight decay, AdamW — PyTorch's AdamW), because L2 added to Adam's gradient is scaled away by √v̂.
"""
from __future__ import annotations

import numpy as np


def _check_lr(lr) -> float:
    lr = float(lr)
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a positive number, got {lr}")
    return lr


def _check_weight_decay(weight_decay) -> float:
    weight_decay = float(weight_decay)
    if not np.isfinite(weight_decay) or weight_decay < 0:
        raise ValueError(f"weight decay must be 0 or a positive number, got {weight_decay}")
    return weight_decay


def decays(array: np.ndarray) -> bool:
    """Whether weight decay applies to this parameter: weights (2-D and more), not biases or gamma/beta (1-D)."""
    return array.ndim >= 2


OPTIMIZERS = ("sgd", "momentum", "adam")

#: The usual learning rate of each optimizer: the command line's default and the Train tab's.
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05, "momentum": 0.05}


class SGD:
    """Gradient descent, with optional (heavy-ball) momentum:
    v ← momentum·v − lr·g;  w ← w + v.  momentum=0 is plain w ← w − lr·g.
    With weight_decay λ, g is g + λ·w for weights of two or more dimensions (L2 regularisation)."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0):
        self.lr = _check_lr(lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be from 0 up to (not including) 1, got {momentum}")
        self.momentum = float(momentum)
        self.weight_decay = _check_weight_decay(weight_decay)
        self._velocity: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict) -> None:
        for key, grad in grads.items():
            w = params[key]
            if self.weight_decay and decays(w):
                grad = grad + self.weight_decay * w
            if self.momentum == 0:
                # Python floats keep float32 arrays float32 (NumPy's weak scalar promotion).
                w -= self.lr * grad
                continue
            v = self._velocity.get(key)
            if v is None:
                v = self._velocity[key] = np.zeros_like(w)
            v *= self.momentum
            v -= self.lr * grad
            w += v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction:
    m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr·m̂/(√v̂ + ε).
    With weight_decay λ, weights of two or more dimensions first shrink: w ← w − lr·λ·w (AdamW)."""

    def __init__(self, lr: float = DEFAULT_LR["adam"], beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        self.lr = _check_lr(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.weight_decay = _check_weight_decay(weight_decay)
        self.t = 0
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        # Python floats, not np.float64: a NumPy scalar would upcast float32 weights.
        step_size = self.lr / correction1
        sqrt_correction2 = float(np.sqrt(correction2))
        for key, grad in grads.items():
            w = params[key]
            m = self._m.get(key)
            if m is None:
                m = self._m[key] = np.zeros_like(w)
                self._v[key] = np.zeros_like(w)
            v = self._v[key]
            if self.weight_decay and decays(w):
                w *= 1 - self.lr * self.weight_decay
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            v += (1 - self.beta2) * (grad * grad)
            # ε is added to √v̂ (after bias correction), as PyTorch and the paper do.
            denom = np.sqrt(v)
            denom /= sqrt_correction2
            denom += self.eps
            w -= step_size * m / denom



def make_optimizer(name: str, lr: float, weight_decay: float = 0.0):
    """The command line's and the window's names: "sgd", "momentum" (0.9) or "adam" (AdamW when
    weight_decay > 0)."""
    if name == "sgd":
        return SGD(lr, weight_decay=weight_decay)
    if name == "momentum":
        return SGD(lr, momentum=0.9, weight_decay=weight_decay)
    if name == "adam":
        return Adam(lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})")
