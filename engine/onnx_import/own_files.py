"""Files this app exported: the design in the model's metadata comes back exactly (names, dropout rates,
explicit flatten layers, batch norm momentum), but only when the file's graph is still the graph that design
exports to — node by node, attribute by attribute, initializer by initializer. A file changed since (or
metadata that doesn't match its graph) is imported from its graph like any other file.
"""
from __future__ import annotations

import json

import numpy as np

from ..export.onnx_graph import graph_plan
from ..export.onnx_layers import INPUT_NAME, LAYOUTS, OUTPUT_NAME, GraphPlan
from ..onnx_support import DESIGN_KEY
from ..shapes import summarize
from ..spec import NetworkSpec, SpecError
from .reading import OnnxImportError, tensor_dims, text
from .weights import read_in_size_order


def design_in_metadata(model, graph) -> tuple[NetworkSpec, GraphPlan] | None:
    """The design stored in the file and its graph plan, when the file's graph is exactly that plan."""
    stored = next((text(prop.value) for prop in model.metadata_props if text(prop.key) == DESIGN_KEY), None)
    if not stored:
        return None
    try:
        spec = NetworkSpec.from_dict(json.loads(stored))
        plan = graph_plan(spec, summarize(spec))
    except (SpecError, ValueError, RecursionError):
        return None
    return (spec, plan) if _same_graph(plan, spec, model.graph, graph) else None


def _same_value(planned, stored) -> bool:
    if isinstance(planned, float):
        return isinstance(stored, float) and np.float32(planned) == np.float32(stored)
    if isinstance(planned, (list, tuple)):
        return isinstance(stored, (list, tuple)) and list(planned) == list(stored)
    return planned == stored


def _same_graph(plan: GraphPlan, spec: NetworkSpec, onnx_graph, graph) -> bool:
    if len(plan.nodes) != len(graph.nodes):
        return False
    for planned, stored in zip(plan.nodes, graph.nodes):
        if (planned.op, planned.name, planned.inputs, planned.outputs, "") != (
                stored.op, stored.name, stored.inputs, stored.outputs, stored.domain):
            return False
        values = graph.attributes(stored)
        if set(values) != set(planned.attributes) or not all(
                _same_value(value, values[key]) for key, value in planned.attributes.items()):
            return False
    stored_inits = {name: tensor_dims(t, graph.label) for name, t in graph.initializers.items()}
    if len(onnx_graph.initializer) != len(stored_inits) or stored_inits != {
            init.name: tuple(init.onnx_shape) for init in plan.initializers}:
        return False
    n_H, n_W, n_C = spec.input.shape
    dims = [d.dim_value if d.HasField("dim_value") else None for d in graph.input.type.tensor_type.shape.dim]
    return graph.input_name == INPUT_NAME and dims[1:] == [n_C, n_H, n_W] and graph.output == OUTPUT_NAME


def weights_from_plan(plan: GraphPlan, graph, progress=None) -> tuple[dict, dict]:
    """Params and state ("<layer>.<part>" → float32 array) read back through each initializer's layout."""
    items, is_state = [], {}
    for init in plan.initializers:
        if init.key is None:
            if not np.array_equal(np.asarray(graph.value(init.name), np.float32), init.value):
                raise OnnxImportError(f"{graph.label}: the constant {init.name!r} was changed after export")
            continue
        layout, shape = LAYOUTS[init.layout], init.engine_shape
        items.append((init.key, init.name, graph.producer.get(init.name) or _Initializer(init.name),
                      lambda array, layout=layout, shape=shape: layout.from_onnx(np.asarray(array), shape)))
        is_state[init.key] = init.is_state
    arrays = read_in_size_order(items, graph, graph.label, progress)
    params = {key: array for key, array in arrays.items() if not is_state[key]}
    state = {key: array for key, array in arrays.items() if is_state[key]}
    return params, state


class _Initializer:
    """Stands for the node in messages about an initializer's numbers."""

    def __init__(self, name: str):
        self.label = f"initializer {name!r}"
