"""The ONNX nodes and weights that one layer contributes, as plain data, and the helpers the layer kinds use
to write them. Each kind's `onnx_export(ctx)` lives in its own module under engine/kinds/; the graph is put
together by engine.export.onnx_graph, which alone imports the `onnx` package (an optional extra).

Tensors are NCHW, as ONNX runtimes expect: (N, C, H, W) for a volume, (N, units) for a vector. Weights go
out in ONNX's layouts (`LAYOUTS`): a conv's W (f, f, n_C_prev, n_C) as OIHW (n_C, n_C_prev, f, f), a depthwise
W (f, f, n_C, k) as a grouped conv's (n_C·k, 1, f, f), everything else as it is (a dense W (n_in, n_out)
is Gemm's B without transB). The importer reads the same table backwards for files this app wrote.

The engine flattens a volume in (H, W, C) order; ONNX's Flatten of NCHW gives (C, H, W). `flatten()` puts a
Transpose to NHWC before the Flatten (none when H = W = 1), so the vector, and every weight after it (a
dense matrix, a batch norm of the vector, a residual over vectors), keeps the engine's order exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..activations import LEAKY_RELU_SLOPE, RELU6_CAP
from ..kinds.checks import SpecError

OPSET = 17
INPUT_NAME = "input"
OUTPUT_NAME = "logits"


# ----- weight layouts: engine ↔ ONNX ----------------------------------------------------------------

def _oihw(W: np.ndarray) -> np.ndarray:
    return W.transpose(3, 2, 0, 1)                     # (f, f, c, n) → (n, c, f, f)


def _from_oihw(W: np.ndarray) -> np.ndarray:
    return W.transpose(2, 3, 1, 0)                     # (n, c, f, f) → (f, f, c, n)


def _grouped(W: np.ndarray) -> np.ndarray:
    f, _, n_C, k = W.shape                             # output channel c·k + j (engine.depthwise)
    return W.transpose(2, 3, 0, 1).reshape(n_C * k, 1, f, f)


def _from_grouped(W: np.ndarray, k: int) -> np.ndarray:
    n_out, _, f, _ = W.shape
    return W.reshape(n_out // k, k, f, f).transpose(2, 3, 0, 1)


@dataclass(frozen=True)
class Layout:
    """How an engine array becomes an ONNX initializer (`to_onnx`) and back (`from_onnx(array, engine_shape)`)."""

    to_onnx: Callable
    from_onnx: Callable
    onnx_shape: Callable


LAYOUTS = {
    "as_is": Layout(lambda a: a, lambda a, shape: a, lambda shape: tuple(shape)),
    "oihw": Layout(_oihw, lambda a, shape: _from_oihw(a),
                   lambda shape: (shape[3], shape[2], shape[0], shape[1])),
    "grouped": Layout(_grouped, lambda a, shape: _from_grouped(a, shape[3]),
                      lambda shape: (shape[2] * shape[3], 1, shape[0], shape[1])),
}


# ----- what a layer adds ----------------------------------------------------------------------------

@dataclass
class OnnxNode:
    """One ONNX node: op type, node name, input and output tensor names, attributes (plain values)."""

    op: str
    name: str
    inputs: list
    outputs: list
    attributes: dict = field(default_factory=dict)


@dataclass
class OnnxInitializer:
    """One ONNX initializer: a weight of the network (`key` "<layer>.<param>" in Network.params or
    Network.state, written in `layout`) or a constant `value` (relu6's bounds)."""

    name: str
    onnx_shape: tuple
    key: str | None = None
    layout: str = "as_is"
    engine_shape: tuple | None = None
    value: np.ndarray | None = None
    is_state: bool = False      # the key is in Network.state (running statistics), not Network.params


class GraphPlan:
    """The nodes and initializers of a whole graph, in order, and the names already taken."""

    def __init__(self):
        self.nodes: list[OnnxNode] = []
        self.initializers: list[OnnxInitializer] = []
        self._constants: dict[str, str] = {}
        self.taken = {INPUT_NAME, OUTPUT_NAME}

    def fresh(self, name: str) -> str:
        """`name`, or `name_2`, `name_3`, ... if a tensor, node or initializer already has it."""
        candidate, suffix = name, 2
        while candidate in self.taken:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        self.taken.add(candidate)
        return candidate

    def constant(self, name: str, value: np.ndarray) -> str:
        """A constant initializer shared by every node that uses the same `name`."""
        if name not in self._constants:
            self._constants[name] = self.fresh(name)
            self.initializers.append(OnnxInitializer(self._constants[name], tuple(value.shape), value=value))
        return self._constants[name]


ACTIVATION_OPS = {"relu": "Relu", "relu6": "Clip", "leaky_relu": "LeakyRelu", "tanh": "Tanh", "sigmoid": "Sigmoid"}


class OnnxContext:
    """What a kind's `onnx_export` knows about its layer, and how it adds nodes.

    layer: the spec; row: its row of the course table (row.name is the layer's name, row.param_shapes its
    weights); in_shape: the engine's shape of one input example ((n_H, n_W, n_C) or (n,)); input: the name of
    the input tensor; is_output: the network's last layer, whose output is the logits (no activation).
    """

    def __init__(self, plan: GraphPlan, layer, row, in_shape: tuple, input_name: str, is_output: bool,
                 export_inner: Callable):
        self.plan, self.layer, self.row = plan, layer, row
        self.in_shape, self.input, self.is_output = tuple(in_shape), input_name, is_output
        self._export_inner = export_inner

    @property
    def name(self) -> str:
        return self.row.name

    def node(self, op: str, inputs: list, suffix: str = "", **attributes) -> str:
        """Add a node named after the layer (plus "/suffix"); its one output tensor has the node's name,
        which is returned."""
        name = self.plan.fresh(self.name + (f"/{suffix}" if suffix else ""))
        self.plan.nodes.append(OnnxNode(op, name, list(inputs), [name], attributes))
        return name

    def weight(self, part: str, layout: str = "as_is") -> str:
        """The initializer of the layer's parameter `part` ("W", "b", "gamma", ...) in `layout`."""
        return self._array(part, self.row.param_shapes[part], layout, False)

    def state(self, part: str) -> str:
        """The initializer of the layer's non-trainable array `part` ("running_mean", ...)."""
        return self._array(part, self.row.state_shapes[part], "as_is", True)

    def _array(self, part: str, engine_shape: tuple, layout: str, is_state: bool) -> str:
        key = f"{self.name}.{part}"
        name = self.plan.fresh(key)
        self.plan.initializers.append(OnnxInitializer(name, LAYOUTS[layout].onnx_shape(engine_shape), key, layout,
                                                      tuple(engine_shape), is_state=is_state))
        return name

    def activation(self, activation: str, tensor: str) -> str:
        """`tensor` through the activation (nothing for "linear", and nothing on the output layer: logits)."""
        if self.is_output or activation == "linear":
            return tensor
        op = ACTIVATION_OPS.get(activation)
        if op is None:
            raise SpecError(f"{self.name}: activation {activation!r} can't be exported to ONNX")
        if activation == "relu6":
            low = self.plan.constant("relu6_min", np.array(0.0, np.float32))
            high = self.plan.constant("relu6_max", np.array(RELU6_CAP, np.float32))
            return self.node(op, [tensor, low, high], activation)
        if activation == "leaky_relu":
            return self.node(op, [tensor], activation, alpha=float(LEAKY_RELU_SLOPE))
        return self.node(op, [tensor], activation)

    def flatten(self, tensor: str, shape: tuple, suffix: str = "") -> str:
        """A volume (N, C, H, W) as vectors (N, H·W·C) in the engine's (H, W, C) order; a vector stays."""
        if len(shape) != 3:
            return tensor
        if shape[0] * shape[1] > 1:
            tensor = self.node("Transpose", [tensor], (suffix + "/" if suffix else "") + "to_nhwc",
                               perm=[0, 2, 3, 1])
        return self.node("Flatten", [tensor], suffix, axis=1)

    def inner(self, position: int, tensor: str) -> str:
        """`tensor` through the block's inner list `position` (child_lists order); an empty list gives
        `tensor` itself."""
        return self._export_inner(position, tensor)


def pads(p: int) -> list[int]:
    """ONNX's pads for p on every side: [top, left, bottom, right]."""
    return [p, p, p, p]
