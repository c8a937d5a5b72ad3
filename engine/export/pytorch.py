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
that depend on the layer kind are each kind's `pytorch_code(ctx)` (engine/kinds/), written with the helpers
of engine.export.pytorch_layers.
"""
from __future__ import annotations

import json
import keyword
import re
import unicodedata

from ..functional import LEAKY_RELU_SLOPE
from ..weights_file import WEIGHTS_FORMAT
from ..shapes import summarize
from ..spec import NetworkSpec, SpecError, unique_name
from ..kinds import kind_of, output_kind
from .pytorch_layers import LayerCode, LayerContext, comment
from .pytorch_script import SCRIPT_BODY

# Names an nn.Module already has (torch 2.x: dir(nn.Module) without the underscored ones, and the instance
# attribute `training`): a layer module under one of them would replace a method ("compile", "forward")
# and break the model. tests/engine/test_hostile_codegen.py compares the list with the installed torch.
MODULE_ATTRIBUTES = frozenset({
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile",
    "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
    "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
    "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter", "register_state_dict_post_hook",
    "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule", "share_memory",
    "state_dict", "to", "to_empty", "train", "training", "type", "xpu", "zero_grad",
})


def _identifier(name: str) -> str:
    """`name` as a Python identifier, in the form Python itself reads it (NFKC: "ﬁ" is "fi", "x²" is "x2"),
    any character that can't be in an identifier replaced by "_"."""
    folded = unicodedata.normalize("NFKC", name)
    ident = "".join(c if ("a" + c).isidentifier() else "_" for c in folded) or "layer"
    if not ident.isidentifier():        # a character valid only after NFKC of the whole: keep plain ASCII
        ident = re.sub(r"[^0-9A-Za-z_]", "_", folded) or "layer"
    return ident


def attribute_names(names: list[str]) -> list[str]:
    """The design's layer names as distinct Python identifiers that nn.Module doesn't use already
    ("CONV1" stays "CONV1"; "conv 1" becomes "conv_1"; "2nd" becomes "layer_2nd"; "compile" becomes
    "layer_compile"; "__init__" becomes "layer___init__"; "ﬁ" and "fi", one name to Python, become "fi" and
    "fi_2"). The design's own names stay in the script's comments and in the weights mapping."""
    out, taken = [], set()
    for name in names:
        ident = _identifier(name)
        if ident[0].isdigit() or keyword.iskeyword(ident) or ident in MODULE_ATTRIBUTES or ident.startswith("_"):
            ident = f"layer_{ident}"
        out.append(unique_name(ident, taken))
    return out


def check_exportable(spec: NetworkSpec):
    """The design's Summary, or SpecError when it can't become a model (a broken layer, no class scores)."""
    summary = summarize(spec)
    if not summary.ok:
        raise SpecError(summary.error)
    output_kind(spec)
    return summary


class _Codes:
    """Every layer's code, inner layers of blocks included: `modules` lists (ctx, code) in table order
    (the Net.__init__ lines and WEIGHTED_LAYERS), `forward` the lines of Net.forward."""

    def __init__(self, spec: NetworkSpec, summary):
        self.rows = {row.path: row for row in summary.rows[1:]}
        names = attribute_names([row.name for row in summary.rows[1:]])
        self.attributes = {row.path: name for row, name in zip(summary.rows[1:], names)}
        self.last = (len(spec.layers) - 1,)
        self.modules: list[tuple[LayerContext, LayerCode]] = []
        self._taken: set[str] = set(names) | {"x", "self"}
        self.forward = self.list_code(spec.layers, (), tuple(spec.input.shape))

    def variable(self, prefix: str) -> str:
        return unique_name(prefix, self._taken)

    def list_code(self, layers: list, prefix: tuple, shape: tuple) -> list[str]:
        lines: list[str] = []
        pending_volume = None   # a volume flattened (explicitly) whose order the next dense layer must undo
        for i, layer in enumerate(layers):
            path = prefix + (i,)
            row = self.rows[path]
            kind = kind_of(layer)
            ctx = LayerContext(layer, row, self.attributes[path], shape, path == self.last,
                               flattened_from=shape if len(shape) == 3 else pending_volume,
                               depth=len(path) // 2, variable=self.variable)
            inner = {position: (sublist, path + (position,))
                     for position, (_, sublist) in enumerate(kind.child_lists(layer))}
            position_in_modules = len(self.modules)
            self.modules.append((ctx, None))
            ctx.inner_code = lambda position, inner=inner, shape=shape: self.list_code(
                inner[position][0], inner[position][1], shape)
            code = kind.pytorch_code(ctx)
            if code.weighted is not None:
                code.weighted = (*code.weighted, "b" in row.param_shapes)
                pending_volume = None          # a weighted layer has consumed the flattened volume's order
            elif len(shape) == 3 and len(row.output_shape) == 1 and not kind.is_block and ctx.depth == 0:
                pending_volume = shape         # an explicit flatten: the next weighted layer must undo its order
            self.modules[position_in_modules] = (ctx, code)
            lines += code.forward
            shape = tuple(row.output_shape)
        return lines


def _python_literal(value) -> str:
    return repr(value)


def pytorch_source(spec: NetworkSpec, weights_path: str | None = None) -> str:
    """The text of a standalone PyTorch script for `spec` (see the module docstring).

    `weights_path`, when given, becomes the script's DEFAULT_WEIGHTS: build_model() then loads those
    weights. Raises SpecError for a design that can't be built (as Network.from_spec would)."""
    summary = check_exportable(spec)
    kind = output_kind(spec)
    generated = _Codes(spec, summary)
    codes = generated.modules
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
        "import zipfile",
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
        "# (module attribute, design layer name, weight layout 'filters', 'matrix', 'depthwise' or 'batchnorm',",
        "#  engine weight shape, volume (H, W, C) flattened into it, has a bias)",
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
            lines.append(f"        self.{ctx.attribute} = {code.init}{comment(ctx)}")
            if ctx.attribute != ctx.row.name:
                lines[-1] += f" (named {ctx.row.name!r} in the design)"
    lines += ["", "    def forward(self, x):", f"        # x: (N, {n_C}, {n_H}, {n_W})"]
    lines += [f"        {line}" for line in generated.forward]
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
        for part, shape in {**row.param_shapes, **row.state_shapes}.items():
            needed[f"{row.name}.{part}"] = tuple(shape)
    for key, shape in needed.items():
        if key not in arrays:
            raise SpecError(f"{label}: weights for {key} are missing; they don't fit this design")
        if tuple(arrays[key].shape) != shape:
            raise SpecError(f"{label}: {key} has shape {tuple(arrays[key].shape)}, the design needs {shape}")
    extra = sorted(set(arrays) - set(needed))
    if extra:
        raise SpecError(f"{label}: holds weights the design has no layer for: {', '.join(extra)}")
