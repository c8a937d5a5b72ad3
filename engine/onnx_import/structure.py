"""Graph → a chain of blocks: the walk from the image input to the output that turns an ONNX graph into the
designer's nested lists.

Where a tensor has one user, that node becomes a layer (engine.onnx_import.ops). Where it has several, the
paths fork: the first node that every path reaches is where they join, and it must be an Add of two paths
(a residual block) or a Concat (a concatenation block); each of its inputs is walked from the fork as one
inner list (an input that is the fork's tensor itself is an empty list: the identity). Blocks nest the same
way. Every node on the way is visited once: a graph whose paths cross outside such blocks (a long skip, a
tensor used after the join) is "not a chain of blocks".
"""
from __future__ import annotations

from dataclasses import replace

from ..kinds import ConcatSpec, PathShape, ResidualSpec, ShapeError, kind_of
from ..spec import InputSpec, NetworkSpec, SpecError, check_input_shape
from . import ops
from .graph import BATCH
from .reading import OnnxImportError, text
from .names import NameBook
from .weights import LayerWeights

FLOAT_INPUTS = (1, 10, 11)   # float32, float16, float64


class Walker:
    """Walks one graph (engine.onnx_import.graph.Graph) into a NetworkSpec, noting each layer's weights."""

    def __init__(self, graph, label: str, name: str | None):
        self.graph, self.label, self.design_name = graph, label, name
        self.pending: dict[int, LayerWeights] = {}
        self.names = NameBook()
        self.visited = 0
        self.shapes: dict[str, list] = {}
        graph.shape_of = self.shapes.get

    # ----- messages ---------------------------------------------------------------------------------
    def refuse(self, node, reason: str):
        raise OnnxImportError(f"{self.label}: {node.label} {reason}")

    def refuse_graph(self, reason: str):
        raise OnnxImportError(f"{self.label}: the graph {reason}")

    # ----- the walk ---------------------------------------------------------------------------------
    def run(self) -> NetworkSpec:
        for node in self.graph.core:      # an operator the designer lacks is the first thing to say
            ops.check_known(node, self)
        start, in_shape = self._input()
        chain = ops.Chain([], in_shape)
        self._record(start, chain)
        self.walk(start, self.graph.output, chain)
        finish(chain, self)
        missed = [node for node in self.graph.core if not self.visited & self.graph.bit(node)]
        if missed:
            self.refuse(missed[0], "is not on the chain of blocks from the input to the output (a path that "
                                   "skips over blocks); CNN Designer imports chains of layers and blocks")
        return NetworkSpec(InputSpec(in_shape), chain.layers, self.design_name)

    def _input(self) -> tuple[str, tuple]:
        value, name = self.graph.input, self.graph.input_name
        kind = value.type.tensor_type
        if not value.type.HasField("tensor_type") or kind.elem_type not in FLOAT_INPUTS:
            self.refuse_graph(f"takes {name!r} as something other than float numbers; CNN Designer's networks "
                              "take images as floats")
        dims = list(kind.shape.dim)
        if len(dims) != 4:
            self.refuse_graph(f"takes a {len(dims)}-D input {name!r}; CNN Designer's networks take images "
                              "(N, C, H, W)")
        users = self.graph.consumers.get(name, [])
        channels_last = (len(users) == 1 and users[0].op == "Transpose"
                         and list(self.graph.attributes(users[0]).get("perm", [])) == [0, 3, 1, 2])
        axes = ("height", "width", "channels") if channels_last else ("channels", "height", "width")
        sizes = {}
        for axis, dim in zip(axes, dims[1:]):
            if not dim.HasField("dim_value") or dim.dim_value <= 0:
                symbol = text(dim.dim_param) or "unknown"
                self.refuse_graph(f"takes images whose {axis} is not fixed ({symbol!r}); CNN Designer's designs "
                                  "take images of one size")
            sizes[axis] = int(dim.dim_value)
        try:
            in_shape = check_input_shape([sizes["height"], sizes["width"], sizes["channels"]])
        except SpecError as exc:
            raise OnnxImportError(f"{self.label}: {exc}") from None
        n_H, n_W, n_C = in_shape
        if channels_last:          # Keras-style: NHWC in, transposed to NCHW first (the engine's own layout)
            self._visit(users[0])
            self.shapes[name] = [BATCH, n_H, n_W, n_C]
            return users[0].outputs[0], in_shape
        return name, in_shape

    def walk(self, tensor: str, target: str, chain: ops.Chain) -> None:
        """Add to `chain` the layers from `tensor` up to `target` (a tensor the walk must reach)."""
        graph = self.graph
        while tensor != target:
            users = [node for node in graph.consumers.get(tensor, []) if graph.reaches(node, target)]
            if not users:
                self.refuse_graph(f"does not lead from {tensor!r} to {target!r}")
            if len(users) == 1 and not ops.is_join(users[0], graph):
                self._visit(users[0])
                tensor = ops.apply(users[0], chain, self)
            else:
                tensor = self._block(tensor, users, chain)
            self._record(tensor, chain)

    def _block(self, tensor: str, users: list, chain: ops.Chain) -> str:
        graph = self.graph
        common = -1
        for node in users:
            common &= graph.reach_mask(node)
        if common <= 0:
            self.refuse_graph(f"forks at {tensor!r} into paths that never meet; CNN Designer imports a chain of "
                              "blocks whose paths join (added in a residual block or stacked by a Concat)")
        join = graph.core[(common & -common).bit_length() - 1]
        if not ops.is_join(join, graph):
            self.refuse(join, f"({join.op}) is where paths from {tensor!r} meet; CNN Designer joins paths only by "
                              "adding two of them (a residual block) or stacking their channels (Concat)")
        self._visit(join)
        inputs = graph.data_inputs(join)
        if len(inputs) != len(join.inputs):
            self.refuse(join, f"({join.op}) also takes a constant; CNN Designer's blocks join paths only")
        branches = []
        for name in inputs:
            if name != tensor and not any(graph.reaches(node, name) for node in users):
                self.refuse(join, f"takes {name!r}, which does not come from the fork at {tensor!r}: the graph is "
                                  "not a chain of blocks")
            branch = ops.Chain([], chain.shape)
            self.walk(tensor, name, branch)
            branches.append(branch)
        with ops.unreadable_as_refusal(join, self):
            join_paths(join, chain, branches, self)
        return join.outputs[0]

    def _visit(self, node) -> None:
        bit = self.graph.bit(node)
        if self.visited & bit:
            self.refuse(node, "is on two paths at once: the graph is not a chain of blocks")
        self.visited |= bit

    def _record(self, tensor: str, chain: ops.Chain) -> None:
        shape = chain.shape
        if len(shape) == 1:
            self.shapes[tensor] = [BATCH, shape[0]]
        elif chain.nhwc:
            self.shapes[tensor] = [BATCH, *shape]
        else:
            self.shapes[tensor] = [BATCH, shape[2], shape[0], shape[1]]

    # ----- building -----------------------------------------------------------------------------------
    def add_layer(self, chain: ops.Chain, layer, node, weights: LayerWeights | None = None, *,
                  keeps_order: bool = False, weight_name: str = "", name: bool = True) -> None:
        """Append `layer` (made from `node`) to `chain`, named after the node, with its noted weights.
        keeps_order: a per-value layer (batch norm, dropout) that may sit between a flatten and its FC layer."""
        kind = kind_of(layer)
        if chain.order is not None and not keeps_order:
            self.refuse(node, f"({node.op}) follows a flatten in PyTorch's (C, H, W) order; CNN Designer "
                              "flattens in (H, W, C) order and can reorder only the FC layer after it")
        try:
            out = kind.output(layer, tuple(chain.shape), False)
        except ShapeError as exc:
            self.refuse(node, f"can't work on its {'×'.join(map(str, chain.shape))} input: {exc}")
        if name:
            layer.name = self.names.take(node.name, weight_name)
        chain.layers.append(layer)
        chain.shape = tuple(out.output_shape)
        chain.fresh = layer
        self.pending[id(layer)] = weights or LayerWeights()

    def add_block(self, chain: ops.Chain, block, node, out_shape: tuple) -> None:
        block.name = self.names.take(node.name)
        chain.layers.append(block)
        chain.shape = out_shape
        chain.fresh = block

    def attach_activation(self, chain: ops.Chain, activation: str, node) -> None:
        """Give the layer that made the current tensor its activation (a concatenation passes it on to the
        last layer of each branch: the activation of stacked maps is the stack of their activations)."""
        last = chain.layers[-1] if chain.layers else None
        if last is None or not _can_take(last):
            if last is None:
                where = "the input"
            elif getattr(last, "activation", "linear") != "linear":
                where = f"{last.name or 'a layer'}, which already has its activation ({last.activation})"
            else:
                where = f"a {kind_of(last).title.lower()}"
            self.refuse(node, f"applies {node.op} right after {where}; CNN Designer applies an activation only "
                              "inside a conv, depthwise, FC, batch norm or residual layer")
        _give(last, activation)
        chain.fresh = None

    def replace_layer(self, chain: ops.Chain, old, new) -> None:
        chain.layers[-1] = new
        self.pending[id(new)] = self.pending.pop(id(old))


def _can_take(layer) -> bool:
    if hasattr(layer, "activation"):
        return layer.activation == "linear"
    lists = kind_of(layer).child_lists(layer)
    return bool(lists) and all(inner and _can_take(inner[-1]) for _, inner in lists)


def _give(layer, activation: str) -> None:
    if hasattr(layer, "activation"):
        layer.activation = activation
        return
    for _, inner in kind_of(layer).child_lists(layer):
        _give(inner[-1], activation)


def join_paths(node, chain: ops.Chain, branches: list, walker) -> None:
    """The block where paths from one tensor meet: Add/Sum of two → residual, Concat → concatenation."""
    if chain.nhwc or chain.order is not None or any(b.nhwc or b.order is not None for b in branches):
        walker.refuse(node, "joins paths of flattened or channels-last tensors; CNN Designer joins volumes, or "
                            "vectors made by its own FC layers")
    if node.op == "Concat":
        rank = 4 if len(chain.shape) == 3 else 2
        axis = int(walker.graph.attributes(node).get("axis", 1))
        if axis % rank != 1:
            walker.refuse(node, f"concatenates along axis {axis}; CNN Designer stacks along the channels (axis 1)")
        block = ConcatSpec(branches=[branch.layers for branch in branches])
        shapes = [branch.shape for branch in branches]
    else:
        if len(branches) != 2:
            walker.refuse(node, f"adds {len(branches)} tensors; a residual block adds two")
        main, shortcut = branches
        if not main.layers and shortcut.layers:
            main, shortcut = shortcut, main
        block = ResidualSpec(activation="linear", layers=main.layers, shortcut=shortcut.layers)
        shapes = [main.shape, shortcut.shape]
    kind = kind_of(block)
    paths = [PathShape(label, tuple(shape), 0, 0, len(inner))
             for (label, inner), shape in zip(kind.child_lists(block), shapes)]
    try:
        out = kind.join(block, tuple(chain.shape), paths, False)
    except ShapeError as exc:
        walker.refuse(node, f"can't join its paths: {exc}")
    walker.add_block(chain, block, node, tuple(out.output_shape))


def finish(chain: ops.Chain, walker) -> None:
    """The last layer gives the class scores: an FC layer, linear (→ softmax over k ≥ 2, or one sigmoid unit)
    or with one sigmoid unit; a final Softmax makes it softmax."""
    if chain.nhwc or chain.order is not None or not chain.layers or len(chain.shape) != 1:
        walker.refuse_graph("ends in something other than an FC layer giving the class scores; CNN Designer's "
                            "networks end in one (Gemm or MatMul, optionally with a Softmax)")
    last = chain.layers[-1]
    units = chain.shape[0]
    act = getattr(last, "activation", None)
    if act == "linear" and units >= 2:
        fixed = kind_of(last).as_softmax_output(last, units)
    elif chain.ended is None and units == 1 and act in ("linear", "sigmoid"):
        fixed = kind_of(last).as_softmax_output(last, 2)
        fixed = None if fixed is None else replace(last, activation="sigmoid")
    else:
        fixed = None
    if fixed is None:
        what = f"{act} over {units:,} units" if act else kind_of(last).title.lower()
        walker.refuse_graph(f"ends in {what}; CNN Designer's networks end in an FC layer giving the class scores "
                            "(logits, a softmax over k ≥ 2 classes, or one sigmoid unit)")
    walker.replace_layer(chain, last, fixed)
