"""The compute layer's base class and helpers shared by the kinds' layers (engine/kinds/*.py).

Each kind's layer object has forward(x, training) and backward(dout) around the kernels in
engine.functional.

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

    def draw_mask(self, shape, dtype):
        """The random mask a training pass would use for an input of `shape`, or None if the layer
        uses none. The network draws masks for a whole batch before it splits the batch (so masks
        don't depend on the split) and hands each part its slice in `preset_mask`."""
        return None


class WeightedLayer(Layer):
    """A layer with weights "<name>.W", bias "<name>.b" and an activation after them (conv, dense)."""

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
        # A is this layer's own output and nothing reads it after this (the next layer's backward has
        # run and dropped its caches), so dZ is formed in A's buffer: one activation-sized array less.
        A, self._A = self._A, None
        return F.activation_backward_consuming(self.activation, np.asarray(dA, dtype=A.dtype), A)


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


def init_weight_and_bias(param_shapes: dict, activation: str, rng: np.random.Generator, dtype) -> dict:
    """{"W": initial weights, "b": zeros} for a conv W (f, f, n_C_prev, n_C) or a dense W (n_in, units).

    fan_in is what one output value sees (f·f·n_C_prev or n_in); fan_out is what one input value
    feeds (f·f·n_C or units).
    """
    W_shape, b_shape = param_shapes["W"], param_shapes["b"]
    fan_in = int(np.prod(W_shape[:-1]))
    fan_out = W_shape[-1] * (W_shape[0] * W_shape[1] if len(W_shape) == 4 else 1)
    return {"W": initial_weights(rng, W_shape, fan_in, fan_out, activation, dtype),
            "b": np.zeros(b_shape, dtype=dtype)}
