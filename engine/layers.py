"""Layer objects: forward(x, training) and backward(dout) around the kernels in engine.functional.

Every layer reads its weights from the network's shared `params` dict on each call (keys such as
"CONV1.W"), so changing an array in `Network.params` changes what forward computes, and an
optimizer updating those arrays in place is all training needs. Gradients go to `grads` under the
same keys. A training forward keeps what backward needs; backward uses it up and lets it go, so the
cached patches and activations don't stay allocated between steps.
"""
from __future__ import annotations

import numpy as np

from . import functional as F


class Layer:
    """Base class. `name` is the table's layer name; `param_keys` the keys it owns in params."""

    param_keys: tuple[str, ...] = ()

    def __init__(self, name: str):
        self.name = name

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, grads: dict, need_input_grad: bool = True):
        raise NotImplementedError


class _Weighted(Layer):
    def __init__(self, name: str, params: dict, activation: str):
        super().__init__(name)
        self.params = params
        self.key_W, self.key_b = f"{name}.W", f"{name}.b"
        self.param_keys = (self.key_W, self.key_b)
        self.activation = activation
        self._cache = None

    def _activate(self, Z: np.ndarray, training: bool) -> np.ndarray:
        # Z is always a fresh array from the kernel and nothing else holds it, so ReLU and tanh overwrite
        # it instead of allocating a second activation-sized array. The backward pass needs only A.
        if self.activation == "relu":
            A = np.maximum(Z, Z.dtype.type(0), out=Z)
        elif self.activation == "tanh":
            A = np.tanh(Z, out=Z)
        else:
            A = F.activation_forward(self.activation, Z)
        if training:
            self._A = A
        return A

    def _activation_grad(self, dA: np.ndarray) -> np.ndarray:
        if self.activation == "linear":
            return dA
        return F.activation_backward(self.activation, dA, None, self._A)


class Conv(_Weighted):
    """x (m, n_H_prev, n_W_prev, n_C_prev) → (m, n_H, n_W, n_C); W (f, f, n_C_prev, n_C), b (n_C,)."""

    def __init__(self, name, params, stride: int, pad: int, activation: str):
        super().__init__(name, params, activation)
        self.stride, self.pad = stride, pad
        self._workspace = F.Workspace()

    def forward(self, x, training=False):
        # Training passes reuse one patches buffer (it lives until this layer's backward; a new training
        # forward replaces the cache that pointed at it). Inference allocates, so it can never overwrite
        # the patches of a training pass still waiting for its backward.
        workspace = self._workspace if training else None
        Z, cache = F.conv2d_forward(x, self.params[self.key_W], self.params[self.key_b], self.stride, self.pad,
                                    workspace=workspace)
        if training:
            self._cache = cache
        return self._activate(Z, training)

    def backward(self, dout, grads, need_input_grad=True):
        dZ = self._activation_grad(dout)
        dx, dW, db = F.conv2d_backward(dZ, self._cache, need_input_grad=need_input_grad)
        grads[self.key_W], grads[self.key_b] = dW, db
        self._cache = self._A = None      # the patches are the step's largest arrays: free them now
        return dx


class Dense(_Weighted):
    """x (m, n_in) or a volume (m, n_H, n_W, n_C), flattened implicitly → (m, units)."""

    def forward(self, x, training=False):
        in_shape = x.shape
        if x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        Z, cache = F.dense_forward(x, self.params[self.key_W], self.params[self.key_b])
        if training:  # only a training pass may overwrite what backward needs
            self._cache, self._in_shape = cache, in_shape
        return self._activate(Z, training)

    def backward(self, dout, grads, need_input_grad=True):
        dZ = self._activation_grad(dout)
        dx, dW, db = F.dense_backward(dZ, self._cache, need_input_grad=need_input_grad)
        grads[self.key_W], grads[self.key_b] = dW, db
        self._cache = self._A = None
        return None if dx is None else dx.reshape(self._in_shape)


class Pool(Layer):
    """x (m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C): max or average over f×f windows."""

    def __init__(self, name, size: int, stride: int, mode: str):
        super().__init__(name)
        self.size, self.stride, self.mode = size, stride, mode

    def forward(self, x, training=False):
        if not training:                  # no argmax bookkeeping when nothing will go backward
            return F.pool2d(x, self.size, self.stride, self.mode)
        out, self._cache = F.pool2d_forward(x, self.size, self.stride, self.mode)
        return out

    def backward(self, dout, grads, need_input_grad=True):
        cache, self._cache = self._cache, None
        return F.pool2d_backward(dout, cache) if need_input_grad else None


class Flatten(Layer):
    """(m, n_H, n_W, n_C) → (m, n_H·n_W·n_C), in the NHWC order the dense weights expect."""

    def forward(self, x, training=False):
        if training:
            self._in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, grads, need_input_grad=True):
        return dout.reshape(self._in_shape) if need_input_grad else None


class Dropout(Layer):
    """Inverted dropout: while training, zero a fraction `rate` of values and scale the rest by
    1/(1 − rate), so inference needs no change. `rng` is shared with the network (seeded)."""

    def __init__(self, name, rate: float, rng_holder):
        super().__init__(name)
        self.rate = rate
        self._rng_holder = rng_holder
        self.preset_mask = None   # set by the network when it splits a batch: this part's slice

    def draw_mask(self, shape, dtype) -> np.ndarray:
        """The scaled keep-mask for an input of `shape`, drawn from the shared generator."""
        keep = 1.0 - self.rate
        rng = self._rng_holder.rng
        return (rng.random(shape, dtype=np.float32) < keep).astype(dtype) / np.dtype(dtype).type(keep)

    def forward(self, x, training=False):
        if not training:
            return x
        if self.rate == 0:
            self._mask = None
            return x
        if self.preset_mask is not None:
            self._mask, self.preset_mask = self.preset_mask, None
        else:
            self._mask = self.draw_mask(x.shape, x.dtype)
        return x * self._mask

    def backward(self, dout, grads, need_input_grad=True):
        if self._mask is None:
            return dout
        return dout * self._mask


# ----- initialisation -----------------------------------------------------------------------

def initial_weights(rng: np.random.Generator, shape: tuple, fan_in: int, fan_out: int, activation: str,
                    dtype) -> np.ndarray:
    """He-normal for the ReLU family (keeps activation variance through the layers), Glorot-uniform
    for tanh / sigmoid / linear / softmax (keeps it for symmetric activations)."""
    if activation in ("relu", "leaky_relu"):
        W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    else:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=shape)
    return W.astype(dtype)
