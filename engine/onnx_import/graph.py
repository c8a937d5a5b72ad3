"""An ONNX graph as the importer walks it: nodes with their attributes, who makes and who uses each tensor,
which nodes carry the image (the "core" nodes) and which only compute constants, and what reaches what.

A tensor is *dynamic* when it depends on the image (the graph's input) through anything but Shape/Size;
the nodes that make dynamic tensors and lead to the output are the core nodes, the ones that become
layers. Everything else is a constant: initializers, Constant nodes, and small computations on them and on
shapes (PyTorch's `x.view(x.size(0), -1)` gives Shape → Gather → Unsqueeze → Concat → Reshape), which
`value()` works out with the batch size as the symbol N.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from pathlib import Path

import numpy as np

from .reading import OnnxImportError, tensor_array, tensor_dims, text


# AttributeProto.AttributeType → how its value is read
_ATTRIBUTE_READERS = {
    1: lambda attr, graph: float(attr.f),
    2: lambda attr, graph: int(attr.i),
    3: lambda attr, graph: text(attr.s),
    4: lambda attr, graph: tensor_array(attr.t, graph.folder, graph.label),
    6: lambda attr, graph: [float(v) for v in attr.floats],
    7: lambda attr, graph: [int(v) for v in attr.ints],
    8: lambda attr, graph: [text(v) for v in attr.strings],
}


class _Batch:
    """The batch size N: a dimension no constant knows."""

    def __repr__(self) -> str:
        return "N"


BATCH = _Batch()


@dataclass
class Symbolic:
    """A small integer vector (or scalar) whose entries may be BATCH: the result of Shape and what follows it."""

    items: tuple
    scalar: bool = False


@dataclass
class Node:
    index: int
    op: str
    name: str
    domain: str
    inputs: list
    outputs: list
    proto: object

    @property
    def label(self) -> str:
        """How messages name it: node 'conv1' (or the tensor it makes, for an unnamed node)."""
        if self.name:
            return f"node {self.name!r}"
        return f"the {self.op} node making {self.outputs[0]!r}" if self.outputs else f"an unnamed {self.op} node"


SHAPE_OPS = ("Shape", "Size")        # they read a dynamic tensor's shape, never its values


class Graph:
    """The graph of an onnx.ModelProto, checked for one image input and one output, in topological order."""

    def __init__(self, model, folder: Path, label: str):
        self.label, self.folder = label, folder
        graph = model.graph
        self.opset = next((o.version for o in model.opset_import if text(o.domain) in ("", "ai.onnx")), None)
        if self.opset is None:
            raise OnnxImportError(f"{label}: the model names no version of ONNX's standard operators")
        self.initializers = {text(t.name): t for t in graph.initializer}
        inputs = [value for value in graph.input if text(value.name) not in self.initializers]
        if len(inputs) != 1:
            raise OnnxImportError(f"{label}: the model has {len(inputs)} inputs; CNN Designer imports networks "
                                  "that take one batch of images")
        self.input = inputs[0]
        self.input_name = text(self.input.name)
        if len(graph.output) != 1:
            raise OnnxImportError(f"{label}: the model has {len(graph.output)} outputs; CNN Designer imports "
                                  "networks with one output (the class scores)")
        self.output = text(graph.output[0].name)
        self.nodes: list[Node] = []
        self.producer: dict[str, Node] = {}
        known = set(self.initializers) | {self.input_name}
        for index, proto in enumerate(graph.node):
            node = Node(index, text(proto.op_type), text(proto.name), text(proto.domain),
                        [text(name) for name in proto.input], [text(name) for name in proto.output], proto)
            for name in node.inputs:
                if name and name not in known:
                    raise OnnxImportError(f"{label}: {node.label} uses {name!r}, which nothing before it makes "
                                          "(the file is damaged, cut short or not in order)")
            for name in node.outputs:
                if name:
                    self.producer[name] = node
                    known.add(name)
            self.nodes.append(node)
        if self.output not in known:
            raise OnnxImportError(f"{label}: nothing in the graph makes its output {self.output!r} (cut short?)")
        self._find_core()
        self._values: dict[str, object] = {}
        self.shape_of = None   # set by the walker: the NCHW shape (with BATCH) of a dynamic tensor it has seen

    # ----- which nodes carry the image --------------------------------------------------------------
    def _find_core(self) -> None:
        dynamic = {self.input_name}
        for node in self.nodes:
            if node.op not in SHAPE_OPS and any(name in dynamic for name in node.inputs):
                dynamic.update(name for name in node.outputs if name)
        self.dynamic = dynamic
        if self.output not in dynamic:
            raise OnnxImportError(f"{self.label}: the model's output does not depend on its input")
        # Core nodes: dynamic nodes on a path to the output (a side branch that leads nowhere is ignored).
        needed, useful = {self.output}, []
        for node in reversed(self.nodes):
            if node.op in SHAPE_OPS or not any(name in needed for name in node.outputs):
                continue
            data = [name for name in node.inputs if name in dynamic]
            if not data:
                continue
            useful.append(node)
            needed.update(data)
        self.core = list(reversed(useful))
        self.position = {node.index: i for i, node in enumerate(self.core)}
        self.consumers: dict[str, list[Node]] = {}
        for node in self.core:
            for name in dict.fromkeys(self.data_inputs(node)):
                self.consumers.setdefault(name, []).append(node)
        # reach[i]: bit j set when core node j is core node i or comes after it on some path.
        reach = [0] * len(self.core)
        for i in range(len(self.core) - 1, -1, -1):
            mask = 1 << i
            for name in self.core[i].outputs:
                for user in self.consumers.get(name, ()):
                    mask |= reach[self.position[user.index]]
            reach[i] = mask
        self.reach = reach

    def data_inputs(self, node: Node) -> list[str]:
        """The node's inputs that carry the image (in order; a tensor may appear twice)."""
        return [name for name in node.inputs if name in self.dynamic]

    def reach_mask(self, node: Node) -> int:
        return self.reach[self.position[node.index]]

    def bit(self, node: Node) -> int:
        return 1 << self.position[node.index]

    def reaches(self, node: Node, tensor: str) -> bool:
        """Whether `tensor` is made by `node` or by a core node after it."""
        maker = self.producer.get(tensor)
        return maker is not None and maker.index in self.position and bool(self.reach_mask(node) & self.bit(maker))

    # ----- attributes -------------------------------------------------------------------------------
    def attributes(self, node: Node) -> dict:
        """The node's attributes as plain values by their declared type (None for a type the importer
        never needs: subgraphs, sparse tensors, type protos)."""
        out = {}
        for attr in node.proto.attribute:
            read = _ATTRIBUTE_READERS.get(attr.type)
            out[text(attr.name)] = None if read is None else read(attr, self)
        return out

    # ----- constants --------------------------------------------------------------------------------
    def is_constant(self, tensor: str) -> bool:
        return bool(tensor) and tensor not in self.dynamic

    def source_initializer(self, tensor: str):
        """The initializer a constant is, through Identity (PyTorch shares equal weights that way); or None."""
        seen = 0
        while tensor not in self.initializers:
            node = self.producer.get(tensor)
            if node is None or node.op != "Identity" or seen > len(self.nodes):
                return None
            tensor, seen = node.inputs[0], seen + 1
        return self.initializers[tensor]

    def constant_shape(self, tensor: str, user: Node) -> tuple:
        """The shape of a constant input of `user` (a weight), without reading its numbers when it is an
        initializer."""
        init = self.source_initializer(tensor)
        if init is not None:
            return tensor_dims(init, self.label)
        return tuple(np.shape(self.constant(tensor, user)))

    def constant(self, tensor: str, user: Node) -> np.ndarray:
        """The numbers of a constant input of `user`; OnnxImportError if the input depends on the image."""
        if not self.is_constant(tensor):
            raise OnnxImportError(f"{self.label}: {user.label} ({user.op}) takes {tensor!r} from the image's path, "
                                  "where CNN Designer expects fixed weights or settings")
        value = self.value(tensor)
        if isinstance(value, Symbolic):
            if any(item is BATCH for item in value.items):
                raise OnnxImportError(f"{self.label}: {user.label} ({user.op}) depends on the batch size")
            return np.array(value.items[0] if value.scalar else value.items, np.int64)
        return value

    def value(self, tensor: str):
        """A constant's value: a NumPy array, or Symbolic for shape arithmetic that involves N."""
        if tensor in self._values:
            return self._values[tensor]
        if tensor in self.initializers:
            result = tensor_array(self.initializers[tensor], self.folder, self.label)
        elif tensor in self.dynamic:
            raise OnnxImportError(f"{self.label}: {tensor!r} depends on the image where a fixed value is needed")
        else:
            node = self.producer.get(tensor)
            if node is None:
                raise OnnxImportError(f"{self.label}: nothing makes {tensor!r}")
            result = self._evaluate(node, tensor)
        if isinstance(result, np.ndarray) and result.size <= 1024:
            self._values[tensor] = result   # small constants are asked for more than once; weights are not kept
        return result

    def _evaluate(self, node: Node, tensor: str):
        op, attrs = node.op, self.attributes(node)
        args = node.inputs
        if op == "Constant":
            for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
                if key in attrs:
                    return np.asarray(attrs[key])
            raise OnnxImportError(f"{self.label}: {node.label} is a Constant of a kind CNN Designer doesn't read")
        if op in SHAPE_OPS:
            shape = self.shape_of(args[0]) if self.shape_of else None
            if shape is None:
                raise OnnxImportError(f"{self.label}: {node.label} asks for the shape of {args[0]!r}, which "
                                      "CNN Designer doesn't know at that point")
            if op == "Size":
                return Symbolic((prod(shape) if BATCH not in shape else BATCH,), scalar=True)
            start, end = attrs.get("start", 0), attrs.get("end", len(shape))
            return Symbolic(tuple(shape[start:end]))
        values = [self.value(name) if name else None for name in args]
        if op in ("Identity", "Cast"):
            return values[0]
        if any(isinstance(v, Symbolic) for v in values):
            return _symbolic(op, values, attrs, self, node)
        return _numeric(op, values, attrs, self, node)


def _as_symbolic(value) -> Symbolic:
    if isinstance(value, Symbolic):
        return value
    array = np.asarray(value)
    if array.ndim > 1 or array.dtype.kind not in "iu":
        raise ValueError
    return Symbolic(tuple(int(v) for v in array.ravel()), scalar=array.ndim == 0)


def _symbolic(op, values, attrs, graph, node) -> Symbolic:
    """Shape arithmetic: Gather, Unsqueeze, Squeeze, Concat, Slice on vectors that may hold N."""
    try:
        first = _as_symbolic(values[0])
        if op == "Gather":
            index = _as_symbolic(values[1])
            picked = tuple(first.items[i] for i in index.items)
            return Symbolic(picked, scalar=index.scalar)
        if op == "Unsqueeze":
            return Symbolic(first.items) if first.scalar else first
        if op == "Squeeze":
            return Symbolic(first.items, scalar=True) if len(first.items) == 1 else first
        if op == "Concat":
            return Symbolic(tuple(item for value in values for item in _as_symbolic(value).items))
        if op == "Slice":
            starts, ends = _as_symbolic(values[1]).items, _as_symbolic(values[2]).items
            return Symbolic(first.items[starts[0]:ends[0]])
    except (ValueError, IndexError, TypeError):
        pass
    raise OnnxImportError(f"{graph.label}: {node.label} ({op}) computes a shape CNN Designer can't work out")


def _numeric(op, values, attrs, graph, node) -> np.ndarray:
    """Constant folding of the few ops that rearrange weights in graphs exported without folding."""
    try:
        x = np.asarray(values[0])
        if op == "Transpose":
            return x.transpose(attrs.get("perm"))
        if op == "Reshape":
            shape = [int(d) for d in np.asarray(values[1]).ravel()]
            shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
            return x.reshape(shape)
        if op == "Unsqueeze":
            axes = attrs.get("axes", None if len(values) < 2 else [int(a) for a in np.asarray(values[1]).ravel()])
            for axis in sorted(a % (x.ndim + len(axes)) for a in axes):
                x = np.expand_dims(x, axis)
            return x
        if op == "Squeeze":
            axes = attrs.get("axes", None if len(values) < 2 or values[1] is None
                             else [int(a) for a in np.asarray(values[1]).ravel()])
            return np.squeeze(x, axis=None if axes is None else tuple(axes))
        if op == "Concat":
            return np.concatenate([np.asarray(v) for v in values], axis=attrs.get("axis", 0))
        if op == "Gather":
            return np.take(x, np.asarray(values[1]), axis=attrs.get("axis", 0))
    except (ValueError, IndexError, TypeError):
        pass
    raise OnnxImportError(f"{graph.label}: {node.label} ({op}) computes a constant CNN Designer can't work out")
