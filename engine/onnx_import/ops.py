"""ONNX operators → the designer's layers: one function per operator that takes one tensor on the image's
path (the nodes where paths meet are engine.onnx_import.structure's).

Each function reads its node's attributes and constant inputs, refuses in one line what the engine can't
express (naming the node and the feature), and adds a layer spec to the chain through the walker
(engine.onnx_import.structure), with its weights noted for later (engine.onnx_import.weights). Activations
become the `activation` of the layer before them; a final Softmax becomes the output layer's.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..kinds import (BatchNormSpec, ConvSpec, DenseSpec, DepthwiseSpec, DropoutSpec, FlattenSpec, GlobalPoolSpec,
                     PoolSpec)
from ..activations import LEAKY_RELU_SLOPE, RELU6_CAP
from ..kinds.checks import SpecError
from .graph import BATCH, Symbolic
from .weights import LayerWeights, Pending, as_vector, flatten_order, from_grouped, from_oihw, reorder_rows


@dataclass
class Chain:
    """A list of layers being built and the state of the tensor at its end.

    shape: the engine's shape of one example ((n_H, n_W, n_C) or (n,)); order: for a vector flattened from
    an NCHW volume, the engine position of each ONNX position (weights after it are reordered with it);
    nhwc: the volume was transposed channels-last, which only a flatten may follow; ended: "softmax" once
    the graph's final Softmax is seen; fresh: the layer that made the current tensor, if nothing came
    after it (a bias Add may still join it)."""

    layers: list
    shape: tuple
    order: np.ndarray | None = None
    nhwc: bool = False
    ended: str | None = None
    fresh: object = field(default=None, repr=False)


SEQUENCE_OPS = {"LSTM", "GRU", "RNN", "Attention", "MultiHeadAttention", "Loop", "Scan", "If", "Einsum",
                "LayerNormalization", "Embedding", "Gather", "GatherElements", "TopK", "NonMaxSuppression",
                "RoiAlign", "MaxRoiPool", "Resize", "Upsample", "ConvTranspose"}
WHAT = {"LSTM": "an LSTM (a recurrent layer)", "GRU": "a GRU (a recurrent layer)", "RNN": "an RNN (a recurrent layer)",
        "Attention": "an attention layer", "MultiHeadAttention": "an attention layer", "Loop": "a loop",
        "Scan": "a scan loop", "If": "a branch on a condition", "Resize": "a resize (upsampling)",
        "Upsample": "an upsampling", "ConvTranspose": "a transposed convolution (upsampling)",
        "LRN": "a local response normalisation (LRN)", "Gather": "a Gather (an embedding lookup)",
        "LayerNormalization": "a layer normalisation"}
PASSING = ("Flatten", "Reshape", "Identity", "Squeeze")   # may follow a channels-last Transpose


def _words(op: str) -> str:
    if op in WHAT:
        return WHAT[op]
    initialism = op.isupper()
    vowel = op[:1] in ("AEFHILMNORSX" if initialism else "AEIOU")
    return ("an " if vowel else "a ") + op


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _number(value) -> float:
    """A float attribute as written (float32 in the file), rounded back to the decimal it came from."""
    return float(f"{float(value):.6g}")


def _pad_value(p: int, f: int):
    if p == 0:
        return "valid"
    if f % 2 == 1 and p == (f - 1) // 2:
        return "same"
    return p


# ----- shared checks of windowed ops (Conv, MaxPool, AveragePool) ----------------------------------

def _square(walker, node, pair, what: str) -> int:
    pair = [int(v) for v in pair]
    if len(pair) != 2:
        walker.refuse(node, f"is a {len(pair)}-D {what}; CNN Designer's layers are 2-D")
    if pair[0] != pair[1]:
        walker.refuse(node, f"has a {pair[0]}×{pair[1]} window; CNN Designer's filters and pooling windows are "
                            "square (f×f)")
    return pair[0]


def _stride(walker, node, attrs) -> int:
    strides = [int(v) for v in attrs.get("strides", [1, 1])]
    if len(set(strides)) != 1:
        walker.refuse(node, f"has strides {tuple(strides)} that differ between height and width; CNN Designer "
                            "moves its windows by one stride s in both directions")
    return strides[0]


def _padding(walker, node, attrs, f: int, s: int, chain: Chain) -> int:
    auto = _text(attrs.get("auto_pad", "NOTSET")) or "NOTSET"
    if auto == "NOTSET":
        pads = [int(v) for v in attrs.get("pads", [0, 0, 0, 0])]
        if len(pads) != 4 or len(set(pads)) != 1:
            walker.refuse(node, f"pads its sides unevenly (pads {pads}, as [top, left, bottom, right]); CNN "
                                "Designer pads every side by the same p (asymmetric padding is not supported)")
        return pads[0]
    if auto == "VALID":
        return 0
    totals = {max((-(-n // s) - 1) * s + f - n, 0) for n in chain.shape[:2]}
    if len(totals) == 1 and next(iter(totals)) % 2 == 0:
        return next(iter(totals)) // 2
    walker.refuse(node, f"uses auto_pad {auto}, which pads this input unevenly; CNN Designer pads every side "
                        "by the same p")


def _no_dilation(walker, node, attrs, what: str) -> None:
    dilations = [int(v) for v in attrs.get("dilations", [1, 1])]
    if any(d != 1 for d in dilations):
        walker.refuse(node, f"is a dilated {what} (dilations {tuple(dilations)}); CNN Designer's {what}s are not "
                            "dilated")


def _volume(walker, node, chain: Chain) -> tuple:
    if len(chain.shape) != 3:
        walker.refuse(node, f"({node.op}) needs an image volume but gets a vector of {chain.shape[0]:,} values")
    return chain.shape


def _one_output(walker, node, what: str) -> None:
    graph = walker.graph
    used = [name for name in node.outputs[1:] if name and (name in graph.consumers or name == graph.output)]
    if used:
        walker.refuse(node, f"also gives {what}, which CNN Designer's layers don't")


# ----- the operators ---------------------------------------------------------------------------------

def conv(node, chain, walker):
    graph, attrs = walker.graph, walker.graph.attributes(node)
    n_H, n_W, n_C = _volume(walker, node, chain)
    weight = node.inputs[1] if len(node.inputs) > 1 else ""
    if not weight:
        walker.refuse(node, "has no weights")
    shape = graph.constant_shape(weight, node)
    if len(shape) != 4:
        walker.refuse(node, f"is a {max(len(shape) - 2, 0)}-D convolution; CNN Designer's convolutions are 2-D")
    n_out, per_group, kh, kw = shape
    f = _square(walker, node, attrs.get("kernel_shape", [kh, kw]), "convolution")
    _no_dilation(walker, node, attrs, "convolution")
    s = _stride(walker, node, attrs)
    p = _padding(walker, node, attrs, f, s, chain)
    group = int(attrs.get("group", 1))
    bias = len(node.inputs) > 2 and bool(node.inputs[2])
    weights = LayerWeights()
    if bias:
        if graph.constant_shape(node.inputs[2], node) != (n_out,):
            walker.refuse(node, f"has a bias of shape {graph.constant_shape(node.inputs[2], node)} for {n_out} filters")
        weights.params["b"] = Pending(node.inputs[2], node, as_vector)
    if group == 1:
        if per_group != n_C:
            walker.refuse(node, f"has filters for {per_group} channels but its input has {n_C}")
        layer = ConvSpec(filters=n_out, size=f, stride=s, padding=_pad_value(p, f), activation="linear", bias=bias)
        weights.params["W"] = Pending(weight, node, from_oihw)
    elif group == n_C and per_group == 1 and n_out % n_C == 0:
        k = n_out // n_C
        layer = DepthwiseSpec(size=f, stride=s, padding=_pad_value(p, f), multiplier=k, activation="linear", bias=bias)
        weights.params["W"] = Pending(weight, node, from_grouped(k))
    else:
        walker.refuse(node, f"is a grouped convolution with {group} groups; CNN Designer has ordinary convolutions "
                            f"(1 group) and depthwise ones (one group per channel, {n_C} here)")
    walker.add_layer(chain, layer, node, weights, weight_name=weight)


def pool(node, chain, walker):
    attrs = walker.graph.attributes(node)
    n_H, n_W, _ = _volume(walker, node, chain)
    _one_output(walker, node, "the positions of the maxima")
    if "kernel_shape" not in attrs:
        walker.refuse(node, "has no kernel_shape")
    f = _square(walker, node, attrs["kernel_shape"], "pooling")
    _no_dilation(walker, node, attrs, "pooling")
    s = _stride(walker, node, attrs)
    p = _padding(walker, node, attrs, f, s, chain)
    mode = "max" if node.op == "MaxPool" else "avg"
    if int(attrs.get("ceil_mode", 0)) and any((n + 2 * p - f) % s for n in (n_H, n_W)):
        walker.refuse(node, f"uses ceil mode, which on this {n_H}×{n_W} input keeps a last partial window; CNN "
                            "Designer's pooling drops it (floor mode)")
    if mode == "avg" and p and int(attrs.get("count_include_pad", 0)):
        walker.refuse(node, "counts the padding in its averages (count_include_pad = 1); CNN Designer averages "
                            "over the real cells only")
    walker.add_layer(chain, PoolSpec(mode=mode, size=f, stride=s, padding=_pad_value(p, f)), node)


def global_pool(node, chain, walker):
    _volume(walker, node, chain)
    walker.add_layer(chain, GlobalPoolSpec(mode="avg" if node.op == "GlobalAveragePool" else "max"), node)


def reduce_pool(node, chain, walker):
    """ReduceMean / ReduceMax over height and width: a global pooling (then a flatten when keepdims = 0)."""
    attrs = walker.graph.attributes(node)
    _volume(walker, node, chain)
    axes = attrs.get("axes")
    if axes is None and len(node.inputs) > 1 and node.inputs[1]:
        axes = walker.graph.constant(node.inputs[1], node).ravel().tolist()
    if sorted(int(a) % 4 for a in (axes or [])) != [2, 3]:
        walker.refuse(node, f"reduces over axes {axes}; CNN Designer pools over height and width only (axes 2, 3)")
    walker.add_layer(chain, GlobalPoolSpec(mode="avg" if node.op == "ReduceMean" else "max"), node)
    if not int(attrs.get("keepdims", 1)):
        walker.add_layer(chain, FlattenSpec(), node, name=False)


def batchnorm(node, chain, walker):
    graph, attrs = walker.graph, walker.graph.attributes(node)
    _one_output(walker, node, "batch statistics (training mode)")
    if int(attrs.get("training_mode", 0)):
        walker.refuse(node, "is in training mode; export the model in inference mode (model.eval())")
    if len(node.inputs) < 5:
        walker.refuse(node, "lacks its scale, bias, mean or variance")
    n = chain.shape[-1]
    weights = LayerWeights()
    convert = lambda array, order=chain.order: reorder_rows(as_vector(array), order)  # noqa: E731
    for part, tensor in zip(("gamma", "beta", "running_mean", "running_var"), node.inputs[1:5]):
        if not tensor or graph.constant_shape(tensor, node) != (n,):
            walker.refuse(node, f"has {part.replace('_', ' ')} for other than its {n:,} channels")
        target = weights.state if part.startswith("running") else weights.params
        target[part] = Pending(tensor, node, convert)
    momentum = 1.0 - _number(attrs.get("momentum", 0.9))       # ONNX weighs the old value: 1 − PyTorch's
    layer = BatchNormSpec(momentum=min(max(_number(momentum), 0.0), 1.0), epsilon=_number(attrs.get("epsilon", 1e-5)),
                          activation="linear")
    walker.add_layer(chain, layer, node, weights, keeps_order=True, weight_name=node.inputs[1])


def _dense(walker, node, chain, tensor: str, transpose: bool, bias: str | None, beta: float = 1.0):
    graph = walker.graph
    if len(chain.shape) != 1:
        walker.refuse(node, f"({node.op}) needs a vector but gets a {'×'.join(map(str, chain.shape))} volume")
    shape = graph.constant_shape(tensor, node)
    if len(shape) != 2:
        walker.refuse(node, f"multiplies by a {len(shape)}-D array; CNN Designer's FC layers use a matrix")
    n_in, units = (shape[1], shape[0]) if transpose else shape
    if n_in != chain.shape[0]:
        walker.refuse(node, f"expects {n_in:,} inputs but gets {chain.shape[0]:,}")
    order = chain.order
    weights = LayerWeights()
    weights.params["W"] = Pending(tensor, node, lambda a: reorder_rows(a.T if transpose else a, order))
    if bias:
        bias_shape = graph.constant_shape(bias, node)
        if int(np.prod(bias_shape)) != units or len(bias_shape) > 2:
            walker.refuse(node, f"adds a bias of shape {bias_shape} to {units:,} units")
        weights.params["b"] = Pending(bias, node, lambda a: as_vector(a) * np.float32(beta))
    layer = DenseSpec(units=units, activation="linear", bias=bool(bias))
    chain.order = None
    walker.add_layer(chain, layer, node, weights, weight_name=tensor)


def gemm(node, chain, walker):
    attrs = walker.graph.attributes(node)
    if float(attrs.get("alpha", 1.0)) != 1.0 or int(attrs.get("transA", 0)):
        walker.refuse(node, "scales or transposes its input (alpha ≠ 1 or transA); CNN Designer's FC layers don't")
    bias = node.inputs[2] if len(node.inputs) > 2 and node.inputs[2] else None
    _dense(walker, node, chain, node.inputs[1], bool(int(attrs.get("transB", 0))), bias,
           float(attrs.get("beta", 1.0)))


def matmul(node, chain, walker):
    _dense(walker, node, chain, node.inputs[1], False, None)


def add_constant(node, chain, walker):
    """x + constant: the bias of the conv or FC layer just before (MatMul + Add, Conv + Add)."""
    graph = walker.graph
    constant = next(name for name in node.inputs if name not in graph.dynamic)
    layer = chain.fresh
    units = chain.shape[-1]
    shape = tuple(graph.constant_shape(constant, node))
    fits = shape in ((units,), (1, units)) if len(chain.shape) == 1 else shape in ((units,), (units, 1, 1),
                                                                                     (1, units, 1, 1))
    if layer is None or getattr(layer, "bias", True) or getattr(layer, "activation", None) != "linear" or not fits:
        walker.refuse(node, "adds a constant to the image's path; CNN Designer adds constants only as the biases "
                            "of conv and FC layers")
    layer.bias = True
    walker.pending[id(layer)].params["b"] = Pending(constant, node, as_vector)
    chain.fresh = None


def activation(node, chain, walker):
    op, attrs = node.op, walker.graph.attributes(node)
    if op == "Relu":
        name = "relu"
    elif op == "Tanh":
        name = "tanh"
    elif op == "Sigmoid":
        name = "sigmoid"
    elif op == "LeakyRelu":
        alpha = float(attrs.get("alpha", 0.01))
        if np.float32(alpha) != np.float32(LEAKY_RELU_SLOPE):
            walker.refuse(node, f"has slope {alpha:g}; CNN Designer's leaky ReLU has slope {LEAKY_RELU_SLOPE:g}")
        name = "leaky_relu"
    else:   # Clip
        low, high = attrs.get("min"), attrs.get("max")
        if len(node.inputs) > 1 and node.inputs[1]:
            low = float(walker.graph.constant(node.inputs[1], node))
        if len(node.inputs) > 2 and node.inputs[2]:
            high = float(walker.graph.constant(node.inputs[2], node))
        if low == 0 and high is not None and np.float32(high) == np.float32(RELU6_CAP):
            name = "relu6"
        elif low == 0 and (high is None or high == np.inf):
            name = "relu"
        else:
            walker.refuse(node, f"clips to [{low}, {high}]; CNN Designer has relu (0 to ∞) and relu6 (0 to 6)")
    walker.attach_activation(chain, name, node)


def softmax(node, chain, walker):
    if node.outputs[0] != walker.graph.output:
        walker.refuse(node, f"is {_words(node.op)} inside the network; CNN Designer applies softmax only to the "
                            "class scores at the end")
    if len(chain.shape) != 1:
        walker.refuse(node, "applies a softmax over an image volume; CNN Designer's softmax is over class scores")
    chain.ended = "softmax"


def flatten_layer(node, chain, walker):
    """Flatten, Reshape to (N, values), Squeeze of a 1×1 map: the volume becomes a vector."""
    graph, attrs = walker.graph, walker.graph.attributes(node)
    if node.op == "Flatten" and int(attrs.get("axis", 1)) != 1:
        walker.refuse(node, f"flattens from axis {attrs.get('axis')}; CNN Designer flattens each example whole (axis 1)")
    if node.op == "Reshape":
        _check_reshape(node, chain, walker)
    if node.op == "Squeeze":
        axes = attrs.get("axes")
        if axes is None and len(node.inputs) > 1 and node.inputs[1]:
            axes = graph.constant(node.inputs[1], node).ravel().tolist()
        if len(chain.shape) != 3 or chain.nhwc or chain.shape[:2] != (1, 1) or (
                axes is not None and sorted(int(a) % 4 for a in axes) != [2, 3]):
            walker.refuse(node, "squeezes axes other than a 1×1 map's height and width")
    if len(chain.shape) != 3:
        return                        # already a vector: nothing to do
    order = None if chain.nhwc else flatten_order(chain.shape)
    chain.nhwc = False
    walker.add_layer(chain, FlattenSpec(), node)
    chain.order = order


def _check_reshape(node, chain, walker) -> None:
    target = walker.graph.value(node.inputs[1]) if len(node.inputs) > 1 else None
    items = list(target.items) if isinstance(target, Symbolic) else (
        None if target is None else [int(v) for v in np.asarray(target).ravel()])
    values = int(np.prod(chain.shape))
    if items is not None and len(items) == 2:
        first, second = items
        if second in (-1, values) and (first in (BATCH, 0, 1) or first == -1 and second == values):
            return
        if len(chain.shape) == 1 and first in (BATCH, 0, -1, 1) and second in (-1, values):
            return
    shown = "?" if items is None else "(" + ", ".join(str(v) for v in items) + ")"
    walker.refuse(node, f"reshapes to {shown}; CNN Designer reshapes only by flattening each example into a vector")


def transpose(node, chain, walker):
    perm = [int(v) for v in walker.graph.attributes(node).get("perm", [])]
    if len(chain.shape) == 3 and not chain.nhwc and perm == [0, 2, 3, 1]:
        chain.nhwc, chain.fresh = True, None    # channels last: only a flatten may follow (the engine's order)
        return
    walker.refuse(node, f"transposes the image (perm {perm}); CNN Designer keeps images channels first, except "
                        "channels last just before a flatten")


def dropout(node, chain, walker):
    attrs = walker.graph.attributes(node)
    _one_output(walker, node, "its mask")
    rate = attrs.get("ratio", 0.5)
    if len(node.inputs) > 1 and node.inputs[1]:
        rate = float(walker.graph.constant(node.inputs[1], node))
    rate = _number(rate)
    if not 0 <= rate < 1:
        walker.refuse(node, f"drops a fraction {rate:g}; a dropout rate is from 0 up to (not including) 1")
    walker.add_layer(chain, DropoutSpec(rate=rate), node, keeps_order=True)


def identity(node, chain, walker):
    """Nothing to do (Identity only forwards its input)."""


OPS = {
    "Conv": conv, "MaxPool": pool, "AveragePool": pool, "GlobalAveragePool": global_pool,
    "GlobalMaxPool": global_pool, "ReduceMean": reduce_pool, "ReduceMax": reduce_pool,
    "BatchNormalization": batchnorm, "Gemm": gemm, "MatMul": matmul, "Add": add_constant,
    "Relu": activation, "LeakyRelu": activation, "Tanh": activation, "Sigmoid": activation, "Clip": activation,
    "Softmax": softmax, "LogSoftmax": softmax, "Flatten": flatten_layer, "Reshape": flatten_layer,
    "Squeeze": flatten_layer, "Transpose": transpose, "Dropout": dropout, "Identity": identity,
}
JOINS = ("Add", "Sum", "Concat")


def is_join(node, graph) -> bool:
    """Whether the node meets paths: Concat always, Add/Sum of two tensors from the image's path."""
    return node.op == "Concat" or node.op in ("Add", "Sum") and len(graph.data_inputs(node)) >= 2


def _op(node) -> str:
    """The operator's name for messages ("Conv", "com.microsoft.FusedConv"); quoted if it isn't plain text."""
    op = node.op if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op}"
    return op if op.isprintable() and op else repr(op)


def check_known(node, walker) -> None:
    """Refuse a node whose operator the designer can't express at all (named, with what it is)."""
    op = _op(node)
    if op in OPS or op in JOINS:
        return
    if node.op in SEQUENCE_OPS:
        walker.refuse(node, f"is {_words(node.op)}: CNN Designer imports convolutional networks only")
    walker.refuse(node, f"is {_words(op)}: CNN Designer has no layer for it")


def apply(node, chain: Chain, walker) -> str:
    """Add what `node` (one input from the image's path) does to `chain`; its output tensor."""
    op = _op(node)
    check_known(node, walker)
    handler = OPS.get(op)
    if handler is None:                  # Sum or Concat of one path: a join, reached here only by mistake
        walker.refuse(node, f"({op}) joins paths that CNN Designer can't place")
    if chain.nhwc and op not in PASSING:
        walker.refuse(node, "follows a channels-last Transpose; CNN Designer allows only a flatten there")
    if len(node.outputs) < 1 or not node.outputs[0]:
        walker.refuse(node, "has no output")
    with unreadable_as_refusal(node, walker):
        handler(node, chain, walker)
    return node.outputs[0]


@contextmanager
def unreadable_as_refusal(node, walker):
    """An attribute of the wrong type or length, a constant of the wrong kind (a damaged or foreign node)
    becomes a refusal naming the node."""
    try:
        yield
    except SpecError:
        raise
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError):
        walker.refuse(node, f"({_op(node)}) has attributes or inputs CNN Designer can't read (damaged?)")
