"""What the network's inspection passes record: every layer's output (Network.activations) and, for
saliency and Grad-CAM, named layers' outputs and the gradients arriving at them (Network.probe).

The recorders are engine.layers.Tap objects: forward_list and backward_list call them for every layer,
inner layers of blocks included.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layers import Tap


@dataclass
class Probe:
    """The result of Network.probe: logits (m, k); outputs and output_grads {layer name: array like the
    layer's output} for the names asked; input_grad (m, n_H, n_W, n_C) or None; grads {param key: array}."""

    logits: np.ndarray
    outputs: dict = field(default_factory=dict)
    output_grads: dict = field(default_factory=dict)
    input_grad: np.ndarray | None = None
    grads: dict = field(default_factory=dict)


class Recorder(Tap):
    """Keeps every layer's output of an inference pass (nothing writes to them there: no copies)."""

    def __init__(self):
        self.outputs: dict[str, np.ndarray] = {}

    def output(self, name, a):
        self.outputs[name] = a


class ProbeTap(Tap):
    """Keeps copies of the named layers' outputs and output gradients (the backward pass reuses the
    output buffers); adds the injected gradient at its layer's output."""

    def __init__(self, names: set, inject=None):
        self.names = names
        self.inject = inject
        self.outputs: dict[str, np.ndarray] = {}
        self.output_grads: dict[str, np.ndarray] = {}

    def output(self, name, a):
        if name in self.names:
            self.outputs[name] = np.array(a, copy=True)

    def gradient(self, name, dout):
        if self.inject is not None and name == self.inject[0]:
            extra = np.asarray(self.inject[1], dtype=dout.dtype)
            if extra.shape != dout.shape:
                raise ValueError(f"the gradient injected at {name} has shape {extra.shape}, its output "
                                 f"{dout.shape}")
            dout = dout + extra
        if name in self.names:
            self.output_grads[name] = np.array(dout, copy=True)
        return dout
