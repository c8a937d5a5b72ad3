"""A design as one standalone PyTorch script: `pytorch_source(spec)` → the text of model.py.

The script imports only torch, numpy and the standard library. It holds
  build_model()              an nn.Module (N, C, H, W) float32 → logits (N, k), the design's layer names
                             as its module names, and the parameter count of the course table;
  load_weights / save_weights  CNN Designer's weights .npz in and out (filters to (out, in, kh, kw), and
                             the first dense matrix after a volume reordered from the engine's (H, W, C)
                             flatten order to PyTorch's (C, H, W));
  `python model.py train DATA.npz ...`   training on CUDA when present, else the CPU, and under torchrun
                             with DistributedDataParallel.

Everything here is a pure function of a spec (and weights); the engine never imports torch. The pieces
that depend on the layer kind are small functions in the KIND_CODE table below, one entry per kind.
"""
from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from math import prod
from typing import Callable

from ..functional import LEAKY_RELU_SLOPE
from ..network import WEIGHTS_FORMAT, output_kind
from ..shapes import SummaryRow, format_shape, summarize
from ..spec import NetworkSpec, SpecError
from .pytorch_script import SCRIPT_BODY

# Attribute names nn.Module already uses (a layer called "forward" or "training" would break the model).
_MODULE_ATTRIBUTES = {
    "forward", "training", "parameters", "named_parameters", "buffers", "children", "modules", "state_dict",
    "load_state_dict", "train", "eval", "to", "cpu", "cuda", "float", "double", "half", "type", "apply",
    "zero_grad", "register_buffer", "register_parameter", "add_module", "get_submodule", "extra_repr",
    "requires_grad_", "share_memory", "dump_patches", "call_super_init", "T_destination",
}

# Python expression of each hidden activation applied to `{}`; the output layer stays linear (logits).
ACTIVATION_CODE = {
    "relu": "torch.relu({})",
    "leaky_relu": "F.leaky_relu({}, negative_slope=LEAKY_RELU_SLOPE)",
    "tanh": "torch.tanh({})",
    "sigmoid": "torch.sigmoid({})",
    "linear": "{}",
}


@dataclass
class LayerCode:
    """What one layer adds to the script: the line in Net.__init__ (None: no module), the lines of
    Net.forward, and — for a layer with weights — its WEIGHTED_LAYERS entry."""

    init: str | None
    forward: list[str]
    weighted: tuple | None = None


@dataclass
class LayerContext:
    """What a kind's code function knows about its layer."""

    layer: object           # the layer spec (ConvSpec, PoolSpec, ...)
    row: SummaryRow         # its row of the course table
    attribute: str          # the Python attribute name of its module
    in_shape: tuple         # (n_H, n_W, n_C) or (n,)
    is_output: bool
    flattened_from: tuple | None = None   # the volume (H, W, C) whose flatten feeds this dense layer
    notes: list = field(default_factory=list)


def _activated(ctx: LayerContext, call: str) -> str:
    if ctx.is_output:
        return f"x = {call}  # logits: the loss applies the {ctx.layer.activation}"
    return f"x = {ACTIVATION_CODE[ctx.layer.activation].format(call)}"


def _comment(ctx: LayerContext) -> str:
    return f"  # {ctx.row.name}: {format_shape(ctx.row.output_shape)}, {ctx.row.params:,} parameters"


# ===== per-kind code: one entry per layer kind (to move into engine/kinds/ with the other per-kind code) =====

def _conv_code(ctx: LayerContext) -> LayerCode:
    layer, row = ctx.layer, ctx.row
    padding = row.padding
    why = f'; padding "{layer.padding}": p = {padding}' if isinstance(layer.padding, str) else ""
    init = (f"nn.Conv2d({ctx.in_shape[2]}, {layer.filters}, kernel_size={layer.size}, stride={layer.stride}, "
            f"padding={padding})")
    forward = [_activated(ctx, f"self.{ctx.attribute}(x)") + f"  # (N, {row.output_shape[2]}, "
               f"{row.output_shape[0]}, {row.output_shape[1]}){why}"]
    return LayerCode(init, forward, (ctx.attribute, row.name, "conv", row.param_shapes["W"], None))


def _pool_code(ctx: LayerContext) -> LayerCode:
    layer, row = ctx.layer, ctx.row
    cls = "nn.MaxPool2d" if layer.mode == "max" else "nn.AvgPool2d"
    # No padding and floor mode, as the engine: windows that don't fit at the border are dropped.
    init = f"{cls}(kernel_size={layer.size}, stride={layer.stride})"
    return LayerCode(init, [f"x = self.{ctx.attribute}(x)  # (N, {row.output_shape[2]}, {row.output_shape[0]}, "
                            f"{row.output_shape[1]})"])


def _flatten_code(ctx: LayerContext) -> LayerCode:
    return LayerCode("nn.Flatten()", [f"x = self.{ctx.attribute}(x)  # (N, {ctx.row.output_shape[0]}), "
                                      f"in PyTorch's (C, H, W) order"])


def _dropout_code(ctx: LayerContext) -> LayerCode:
    # Inverted dropout like the engine's: scales by 1/(1 − rate) while training, does nothing in eval().
    return LayerCode(f"nn.Dropout(p={ctx.layer.rate!r})", [f"x = self.{ctx.attribute}(x)"])


def _dense_code(ctx: LayerContext) -> LayerCode:
    layer, row = ctx.layer, ctx.row
    n_in = prod(ctx.in_shape)
    forward = []
    if len(ctx.in_shape) == 3:
        n_H, n_W, n_C = ctx.in_shape
        forward.append(f"x = torch.flatten(x, 1)  # implicit flatten: {n_H}·{n_W}·{n_C} = {n_in}, "
                       f"in PyTorch's (C, H, W) order")
    forward.append(_activated(ctx, f"self.{ctx.attribute}(x)"))
    return LayerCode(f"nn.Linear({n_in}, {layer.units})", forward,
                     (ctx.attribute, row.name, "dense", row.param_shapes["W"], ctx.flattened_from))


KIND_CODE: dict[str, Callable[[LayerContext], LayerCode]] = {
    "conv": _conv_code,
    "pool": _pool_code,
    "flatten": _flatten_code,
    "dropout": _dropout_code,
    "dense": _dense_code,
}
# ============================================================================================================


def attribute_names(names: list[str]) -> list[str]:
    """The design's layer names as distinct Python identifiers that nn.Module doesn't use already
    ("CONV1" stays "CONV1"; "conv 1" becomes "conv_1"; "2nd" becomes "layer_2nd")."""
    out, taken = [], set()
    for name in names:
        ident = re.sub(r"\W", "_", name) or "layer"
        if ident[0].isdigit() or keyword.iskeyword(ident) or ident in _MODULE_ATTRIBUTES or ident.startswith("_"):
            ident = f"layer_{ident}"
        candidate, suffix = ident, 2
        while candidate in taken:
            candidate, suffix = f"{ident}_{suffix}", suffix + 1
        taken.add(candidate)
        out.append(candidate)
    return out


def check_exportable(spec: NetworkSpec):
    """The design's Summary, or SpecError when it can't become a model (a broken layer, no class scores)."""
    summary = summarize(spec)
    if not summary.ok:
        raise SpecError(summary.error)
    output_kind(spec)
    return summary


def _layer_codes(spec: NetworkSpec, summary) -> list[tuple[LayerContext, LayerCode]]:
    attributes = attribute_names([row.name for row in summary.rows[1:]])
    shape = tuple(spec.input.shape)
    pending_volume = None   # a volume flattened (explicitly) whose order the next dense layer must undo
    out = []
    last = len(spec.layers) - 1
    for index, (layer, row, attribute) in enumerate(zip(spec.layers, summary.rows[1:], attributes)):
        ctx = LayerContext(layer, row, attribute, shape, index == last)
        if layer.type == "dense":
            ctx.flattened_from = shape if len(shape) == 3 else pending_volume
            pending_volume = None
        elif layer.type == "flatten" and len(shape) == 3:
            pending_volume = shape
        out.append((ctx, KIND_CODE[layer.type](ctx)))
        shape = tuple(row.output_shape)
    return out


def _python_literal(value) -> str:
    return repr(value)


def pytorch_source(spec: NetworkSpec, weights_path: str | None = None) -> str:
    """The text of a standalone PyTorch script for `spec` (see the module docstring).

    `weights_path`, when given, becomes the script's DEFAULT_WEIGHTS: build_model() then loads those
    weights. Raises SpecError for a design that can't be built (as Network.from_spec would)."""
    summary = check_exportable(spec)
    kind = output_kind(spec)
    codes = _layer_codes(spec, summary)
    title = spec.name or "Untitled design"
    n_H, n_W, n_C = spec.input.shape
    num_classes = spec.layers[-1].units

    lines = [
        f'"""{_docstring_safe(title)}: PyTorch code exported by CNN Designer.',
        "",
        f"Input: (N, {n_C}, {n_H}, {n_W}) float32 images (the design's {n_H}×{n_W}×{n_C}, channels first);",
        f"output: logits (N, {num_classes}) — the input of the "
        f"{'softmax' if kind == 'softmax' else 'sigmoid'}.",
        f"Parameters: {summary.total_params:,}, as in CNN Designer's layer table.",
        "",
        "    model = build_model()                       # or build_model(\"RUN.npz\") with trained weights",
        "    load_weights(model, \"RUN.npz\")              # weights saved by CNN Designer",
        "    save_weights(model, \"OUT.npz\")              # back: `main.py evaluate OUT.npz` reads it",
        "",
        "    python model.py train DATA.npz [--epochs N --batch-size B --lr X --seed S --save OUT.npz]",
        "    torchrun --nproc_per_node 2 model.py train DATA.npz ...      # DistributedDataParallel",
        "    python model.py evaluate DATA.npz --weights RUN.npz",
        "",
        "DATA.npz holds x_train, y_train, x_test, y_test: images (m, H, W) or (m, H, W, C), uint8 (0..255)",
        "or float, and int labels.",
        '"""',
        "import argparse",
        "import json",
        "import os",
        "import sys",
        "import tempfile",
        "",
        "import numpy as np",
        "import torch",
        "import torch.distributed as dist",
        "import torch.nn.functional as F",
        "from torch import nn",
        "from torch.nn.parallel import DistributedDataParallel",
        "from torch.utils.data import DataLoader, TensorDataset",
        "from torch.utils.data.distributed import DistributedSampler",
        "",
        f"INPUT_SHAPE = {tuple(spec.input.shape)!r}  # (n_H, n_W, n_C) as in the design; the model takes "
        f"(N, n_C, n_H, n_W)",
        f"OUTPUT = {kind!r}  # the loss: {'cross-entropy of the softmax' if kind == 'softmax' else 'binary cross-entropy of the sigmoid'}",
        f"NUM_CLASSES = {2 if kind == 'sigmoid' else num_classes}",
        f"NUM_PARAMETERS = {summary.total_params}",
        f"LEAKY_RELU_SLOPE = {LEAKY_RELU_SLOPE!r}  # CNN Designer's leaky ReLU slope",
        f"WEIGHTS_FORMAT = {WEIGHTS_FORMAT!r}",
        f"DEFAULT_WEIGHTS = {_python_literal(weights_path)}",
        "# The design (CNN Designer's JSON), written into saved weights so the app can load them.",
        f"DESIGN_JSON = {_python_literal(json.dumps(spec.to_dict(), ensure_ascii=False))}",
        "",
        "# (module attribute, design layer name, kind, engine weight shape, volume (H, W, C) flattened into it)",
        "WEIGHTED_LAYERS = [",
        *[f"    {code.weighted!r}," for _, code in codes if code.weighted],
        "]",
        "",
        "",
        "class Net(nn.Module):",
        f'    """{_docstring_safe(title)}, layer by layer as in CNN Designer\'s table."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
    ]
    for ctx, code in codes:
        if code.init:
            lines.append(f"        self.{ctx.attribute} = {code.init}{_comment(ctx)}")
            if ctx.attribute != ctx.row.name:
                lines[-1] += f" (named {ctx.row.name!r} in the design)"
    lines += ["", "    def forward(self, x):", f"        # x: (N, {n_C}, {n_H}, {n_W})"]
    for ctx, code in codes:
        lines += [f"        {line}" for line in code.forward]
    lines.append("        return x")
    return "\n".join(lines) + "\n" + SCRIPT_BODY


def _docstring_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''").replace("\n", " ")


def check_weights_fit(spec: NetworkSpec, arrays: dict, label: str) -> None:
    """SpecError unless `arrays` ({"LAYER.W": array, ...}, e.g. Network.params) are exactly the weights
    `spec` needs: every key present with the shape of the course table, and nothing else."""
    summary = check_exportable(spec)
    needed = {}
    for row in summary.rows[1:]:
        for part, shape in row.param_shapes.items():
            needed[f"{row.name}.{part}"] = tuple(shape)
    for key, shape in needed.items():
        if key not in arrays:
            raise SpecError(f"{label}: weights for {key} are missing; they don't fit this design")
        if tuple(arrays[key].shape) != shape:
            raise SpecError(f"{label}: {key} has shape {tuple(arrays[key].shape)}, the design needs {shape}")
    extra = sorted(set(arrays) - set(needed))
    if extra:
        raise SpecError(f"{label}: holds weights the design has no layer for: {', '.join(extra)}")
