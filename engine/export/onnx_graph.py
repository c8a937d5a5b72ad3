"""A design and its weights as an ONNX model (opset 17): `onnx_model(spec, params, state)` → ModelProto, and
`write_onnx(...)`, which checks it with onnx.checker (full check) and writes it atomically.

The model takes "input", float32 (N, C, H, W) with a dynamic batch N — the images as the engine sees them,
uint8 pixels already divided by 255 — and gives "logits" (N, k): what Network.forward returns. Layer names
become node names; the design's JSON and the app's version go into the model's metadata_props, so that a
file exported here imports back as exactly this design (engine.onnx_import checks that the graph is still
the one this design gives before it trusts the metadata).

`graph_plan(spec, summary)` is the graph as plain data (engine.export.onnx_layers), built by each kind's
`onnx_export`; only this module imports the `onnx` package (an optional extra).
"""
from __future__ import annotations

import json

import numpy as np

from ..fileio import atomic_write
from ..kinds import kind_of
from ..kinds import output_kind
from ..onnx_support import DESIGN_KEY, PRODUCER, VERSION_KEY, require_onnx
from ..shapes import Summary, summarize
from ..spec import NetworkSpec, SpecError
from ..version import version
from .onnx_layers import INPUT_NAME, LAYOUTS, OPSET, OUTPUT_NAME, GraphPlan, OnnxContext

IR_VERSION = 8   # the IR version of opset 17 (onnx's versioning table): runtimes from 2021 on read it


def graph_plan(spec: NetworkSpec, summary: Summary | None = None) -> GraphPlan:
    """The nodes and initializers of the design's graph, without weight values. SpecError for a design that
    can't be built (a broken layer, no class scores) or a kind without an ONNX export."""
    summary = summary or summarize(spec)
    if not summary.ok:
        raise SpecError(summary.error)
    output_kind(spec)
    rows = {row.path: row for row in summary.rows[1:]}
    plan = GraphPlan()
    last = (len(spec.layers) - 1,)

    def export_list(layers: list, prefix: tuple, tensor: str) -> str:
        for i, layer in enumerate(layers):
            path = prefix + (i,)
            row = rows[path]

            def export_inner(position, inner_tensor, layer=layer, path=path):
                inner = kind_of(layer).child_lists(layer)[position][1]
                return export_list(inner, path + (position,), inner_tensor)

            ctx = OnnxContext(plan, layer, row, row.input_shape, tensor, path == last, export_inner)
            tensor = kind_of(layer).onnx_export(ctx)
        return tensor

    final = export_list(spec.layers, (), INPUT_NAME)
    producer = next(node for node in reversed(plan.nodes) if final in node.outputs)
    producer.outputs = [OUTPUT_NAME if name == final else name for name in producer.outputs]
    return plan


def _weight_array(initializer, arrays: dict) -> np.ndarray:
    if initializer.value is not None:
        return np.asarray(initializer.value, np.float32)
    array = arrays.get(initializer.key)
    if array is None:
        raise SpecError(f"the weights hold no {initializer.key}; they don't fit this design")
    if tuple(array.shape) != initializer.engine_shape:
        raise SpecError(f"{initializer.key} has shape {tuple(array.shape)}, the design needs {initializer.engine_shape}")
    return np.ascontiguousarray(LAYOUTS[initializer.layout].to_onnx(np.asarray(array)), dtype=np.float32)


def onnx_model(spec: NetworkSpec, params: dict, state: dict | None = None):
    """The design with the weights `params` (and running statistics `state`, Network.state) as an
    onnx.ModelProto. OnnxMissingError without the onnx package; SpecError for a design that can't go out."""
    onnx = require_onnx("exporting to ONNX")
    from onnx import TensorProto, helper, numpy_helper

    summary = summarize(spec)
    plan = graph_plan(spec, summary)
    arrays = {**params, **(state or {})}
    n_H, n_W, n_C = spec.input.shape
    classes = summary.output_shape[0]
    nodes = [helper.make_node(node.op, node.inputs, node.outputs, name=node.name, **node.attributes)
             for node in plan.nodes]
    initializers = [numpy_helper.from_array(_weight_array(init, arrays), init.name) for init in plan.initializers]
    graph = helper.make_graph(
        nodes, _graph_name(spec),
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", n_C, n_H, n_W])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", classes])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name=PRODUCER, producer_version=version(),
                              doc_string=f"{spec.name or 'A design'} exported by {PRODUCER}: input (N, {n_C}, {n_H}, "
                                         f"{n_W}) float32 pixels in 0..1, output logits (N, {classes}).")
    helper.set_model_props(model, {DESIGN_KEY: json.dumps(spec.to_dict(), ensure_ascii=False),
                                   VERSION_KEY: version()})
    onnx.checker.check_model(model, full_check=True)
    return model


def _graph_name(spec: NetworkSpec) -> str:
    return spec.name or "cnn_designer"


def write_onnx(spec: NetworkSpec, params: dict, state: dict | None, path) -> None:
    """`onnx_model(...)` written to `path` atomically (the whole file or nothing)."""
    data = onnx_model(spec, params, state).SerializeToString()
    atomic_write(path, lambda handle: handle.write(data), binary=True)
