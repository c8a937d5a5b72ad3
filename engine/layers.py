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

import contextvars

import numpy as np

from . import functional as F


class Layer:
    """Base class. `name` is the table's layer name; `param_keys` the keys it owns in params;
    `input_shape` the shape of one example of its input (set by the network when it builds the layer)."""

    param_keys: tuple[str, ...] = ()
    input_shape: tuple = ()

    def __init__(self, name: str):
        self.name = name

    def sublayers(self) -> list:
        """A block's inner layers (its lists one after another); [] for other layers."""
        return []

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, grads: dict, need_input_grad: bool = True):
        raise NotImplementedError

    def draw_mask(self, shape, dtype):
        """The random mask a training pass would use for an input of `shape`, or None if the layer
        uses none. The network draws masks for a whole batch before it splits the batch (so masks
        don't depend on the split) and hands each part its slice in `preset_mask`."""
        return None


class ActivatedLayer(Layer):
    """A layer whose output goes through an activation (conv, dense, depthwise, batch norm)."""

    def __init__(self, name: str, activation: str):
        super().__init__(name)
        self.activation = activation
        self._A = None

    def _activate(self, Z: np.ndarray, training: bool) -> np.ndarray:
        # Z is always a fresh array from the kernel and nothing else holds it, so ReLU and tanh overwrite
        # it instead of allocating a second activation-sized array. The backward pass needs only A.
        if self.activation == "relu":
            A = np.maximum(Z, Z.dtype.type(0), out=Z)
        elif self.activation == "relu6":
            A = np.clip(Z, Z.dtype.type(0), Z.dtype.type(6), out=Z)
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


class WeightedLayer(ActivatedLayer):
    """A layer with weights "<name>.W", bias "<name>.b" (unless bias=False) and an activation after them
    (conv, dense, depthwise)."""

    def __init__(self, name: str, params: dict, activation: str, bias: bool = True):
        super().__init__(name, activation)
        self.params = params
        self.key_W = f"{name}.W"
        self.key_b = f"{name}.b" if bias else None
        self.param_keys = (self.key_W, self.key_b) if bias else (self.key_W,)
        self._cache = None

    def _bias(self, n: int, dtype) -> np.ndarray:
        """The bias, or zeros (n,) for a layer without one."""
        return self.params[self.key_b] if self.key_b else np.zeros(n, dtype)

    def _store_grads(self, grads: dict, dW, db) -> None:
        grads[self.key_W] = dW
        if self.key_b:
            grads[self.key_b] = db


# ----- running lists of layers (the network's top level and the lists inside blocks) -----------

class Tap:
    """Watches a pass through the layers: sees each layer's output after its forward and each
    gradient arriving at a layer's output before its backward, and may replace the gradient (to inject
    one). Installed with `tapping`; the network's inspection passes use it."""

    def output(self, name: str, a: np.ndarray) -> None:
        pass

    def gradient(self, name: str, dout: np.ndarray) -> np.ndarray:
        return dout


_TAP: contextvars.ContextVar = contextvars.ContextVar("cnn_designer_tap", default=None)


class tapping:
    """Context manager: `tap` watches every forward_list / backward_list inside the block."""

    def __init__(self, tap: Tap):
        self._tap = tap

    def __enter__(self):
        self._token = _TAP.set(self._tap)
        return self._tap

    def __exit__(self, *exc):
        _TAP.reset(self._token)


def forward_list(layers, a: np.ndarray, training: bool) -> np.ndarray:
    """Run `a` through `layers` in order (a network's top level or a block's inner list)."""
    tap = _TAP.get()
    for layer in layers:
        a = layer.forward(a, training)
        if tap is not None:
            tap.output(layer.name, a)
    return a


def backward_list(layers, dout: np.ndarray, grads: dict, need_input_grad: bool = True):
    """Backward through `layers` in reverse; returns the gradient at the list's input (None when
    `need_input_grad` is False: the first layer then skips its input gradient)."""
    tap = _TAP.get()
    for position in range(len(layers) - 1, -1, -1):
        layer = layers[position]
        if tap is not None:
            dout = tap.gradient(layer.name, dout)
        dout = layer.backward(dout, grads, need_input_grad=need_input_grad or position > 0)
    return dout


def iter_layers(layers):
    """Every layer of `layers` and, after each block, its inner layers (depth first, table order)."""
    for layer in layers:
        yield layer
        yield from iter_layers(layer.sublayers())


# ----- initialisation -----------------------------------------------------------------------

def initial_weights(rng: np.random.Generator, shape: tuple, fan_in: int, fan_out: int, activation: str,
                    dtype) -> np.ndarray:
    """He-normal for the ReLU family (keeps activation variance through the layers), Glorot-uniform
    for tanh / sigmoid / linear / softmax (keeps it for symmetric activations)."""
    if activation in ("relu", "relu6", "leaky_relu"):
        W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    else:
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=shape)
    return W.astype(dtype)


def init_weight_and_bias(param_shapes: dict, activation: str, rng: np.random.Generator, dtype,
                         fans: tuple[int, int] | None = None) -> dict:
    """{"W": initial weights, "b": zeros} (no "b" when param_shapes has none) for a conv W
    (f, f, n_C_prev, n_C) or a dense W (n_in, units).

    fan_in is what one output value sees (f·f·n_C_prev or n_in); fan_out is what one input value
    feeds (f·f·n_C or units). `fans` overrides them (a depthwise filter sees f·f values of one channel).
    """
    W_shape = param_shapes["W"]
    if fans is None:
        fan_in = int(np.prod(W_shape[:-1]))
        fan_out = W_shape[-1] * (W_shape[0] * W_shape[1] if len(W_shape) == 4 else 1)
    else:
        fan_in, fan_out = fans
    out = {"W": initial_weights(rng, W_shape, fan_in, fan_out, activation, dtype)}
    if "b" in param_shapes:
        out["b"] = np.zeros(param_shapes["b"], dtype=dtype)
    return out
