"""Weights coming across: each layer's arrays are noted while the graph is walked (which constant, and how
it turns into the engine's layout) and read only at the end, when the design is known to work — one array
at a time, so the parsed file and the engine's weights are the only large things in memory.

Layouts (the engine's public API): conv W (f, f, n_C_prev, n_C) from ONNX's OIHW; depthwise W (f, f, n_C, k)
from a grouped conv's (n_C·k, 1, f, f); dense W (n_in, n_out) from Gemm's B (transposed when transB = 1) or
MatMul's B. A vector flattened from an NCHW volume is in (C, H, W) order where the engine's is (H, W, C):
`flatten_order` gives the engine position of each ONNX position, and the rows of the next dense matrix (and
the per-unit arrays of a batch norm between) are put back in the engine's order with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..export.onnx_layers import LAYOUTS
from .reading import OnnxImportError


@dataclass
class Pending:
    """A weight to read later: the constant `tensor` that `node` uses, turned into the engine's layout."""

    tensor: str
    node: object
    convert: Callable = lambda array: array


@dataclass
class LayerWeights:
    params: dict = field(default_factory=dict)    # part ("W", "b", "gamma", ...) → Pending
    state: dict = field(default_factory=dict)     # "running_mean" / "running_var" → Pending


def flatten_order(shape: tuple) -> np.ndarray | None:
    """For a volume (n_H, n_W, n_C) flattened by ONNX in (C, H, W) order: the engine's position of each
    value; None when the orders agree (n_H = n_W = 1)."""
    n_H, n_W, n_C = shape
    if n_H * n_W == 1:
        return None
    return np.arange(n_H * n_W * n_C).reshape(n_H, n_W, n_C).transpose(2, 0, 1).ravel()


def reorder_rows(array: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    """`array` with row k moved to row order[k] (ONNX's flatten order → the engine's)."""
    if order is None:
        return array
    out = np.empty_like(array)
    out[order] = array
    return out


def from_oihw(array):
    return LAYOUTS["oihw"].from_onnx(array, None)


def from_grouped(multiplier: int):
    return lambda array: LAYOUTS["grouped"].from_onnx(array, (0, 0, 0, multiplier))


def as_vector(array) -> np.ndarray:
    return np.asarray(array).reshape(-1)


def engine_array(array, label: str, what: str) -> np.ndarray:
    """A float32 array the engine may update in place (never a view of the file's bytes); NaN refused."""
    array = np.asarray(array)
    owned = array.flags.writeable and array.base is None
    engine = np.array(array, dtype=np.float32, order="C", copy=None if owned else True)
    if not np.isfinite(engine).all():
        raise OnnxImportError(f"{label}: {what} holds NaN or infinite values")
    return engine


def read_in_size_order(items: list, graph, label: str, progress=None) -> dict:
    """{key: float32 array} for items (key, tensor, node, convert), largest first: each array's read and
    rearranged copies are then made while few weights are held, so the peak stays near the parsed file
    plus the engine's weights. progress(fraction of the values read), when given."""
    sizes = {key: int(np.prod(graph.constant_shape(tensor, node))) for key, tensor, node, _ in items}
    total, done = max(sum(sizes.values()), 1), 0
    out = {}
    for key, tensor, node, convert in sorted(items, key=lambda item: -sizes[item[0]]):
        out[key] = engine_array(convert(graph.constant(tensor, node)), label, f"{key} ({node.label}, {tensor!r})")
        done += sizes[key]
        if progress is not None:
            progress(done / total)
    return {key: out[key] for key, *_ in items}


def resolve(entries, pending: dict, graph, label: str, progress=None) -> tuple[dict, dict]:
    """The params and state dicts ("<layer name>.<part>" → float32 array) of the design whose walk is
    `entries` (engine.spec.LayerEntry), from the noted weights `pending` (id(layer) → LayerWeights)."""
    params, state = [], []
    for entry in entries:
        noted = pending.get(id(entry.layer))
        if noted is None:
            continue
        for target, parts in ((params, noted.params), (state, noted.state)):
            for part, weight in parts.items():
                target.append((f"{entry.name}.{part}", weight.tensor, weight.node, weight.convert))
    arrays = read_in_size_order(params + state, graph, label, progress)
    return {key: arrays[key] for key, *_ in params}, {key: arrays[key] for key, *_ in state}


def check_fit(summary, params: dict, state: dict, label: str) -> None:
    """OnnxImportError unless the arrays have exactly the keys and shapes of the design's table."""
    for row in summary.rows[1:]:
        for arrays, shapes in ((params, row.param_shapes), (state, row.state_shapes)):
            for part, shape in shapes.items():
                key = f"{row.name}.{part}"
                if key not in arrays or tuple(arrays[key].shape) != tuple(shape):
                    got = tuple(arrays[key].shape) if key in arrays else "nothing"
                    raise OnnxImportError(f"{label}: {key} came across as {got}, the design needs {tuple(shape)}")
