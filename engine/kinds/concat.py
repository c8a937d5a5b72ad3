"""The concatenation block (Inception's): the branches' outputs stacked along the channels.

Every branch takes the block's input; an empty branch passes it through. Volumes must keep the same
n_H×n_W in every branch (n_C may differ): (28,28,64+128+32+32) = 28×28×256. Vectors stack their units.
Parameters and MACs: those of the inner layers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..shapes import format_count
from .base import BuildContext, LayerKind, LayerShape, ShapeError
from .blocks import BlockLayer, check_layer_list, shape_words
from .checks import SpecError
from .registry import kind_for
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext

MAX_BRANCHES = 64


@dataclass
class ConcatSpec:
    branches: list = field(default_factory=list)
    name: str | None = None
    type: str = field(default="concat", init=False, repr=False)


class Concat(BlockLayer):
    """x → the branches' outputs concatenated along the last axis (channels, or units of a vector)."""

    def __init__(self, name, lists, widths: list[int]):
        super().__init__(name, lists)
        self.splits = np.cumsum(widths)[:-1]

    def forward(self, x, training=False):
        return np.concatenate(self.run_lists(x, training), axis=-1)

    def backward(self, dout, grads, need_input_grad=True):
        parts = [np.ascontiguousarray(part) for part in np.split(dout, self.splits, axis=-1)]
        return self.backward_lists(parts, grads, need_input_grad)


def branch_label(position: int) -> str:
    return f"branch {position + 1}"


class ConcatKind(LayerKind):
    type_name = "concat"
    spec_class = ConcatSpec
    label = "Concat"
    title = "Concatenation block"
    hint = ("Branches side by side, each fed the block's input, their outputs stacked along the channels "
            "(an Inception module). Every branch must keep the same n_H×n_W.")
    required = ("branches",)
    own_numbering = True
    is_block = True

    def child_lists(self, layer):
        return [(branch_label(i), branch) for i, branch in enumerate(layer.branches)]

    def parse_lists(self, values, where, parse_list):
        raw = values.get("branches")
        if not isinstance(raw, list):
            raise SpecError(f"{where}: field 'branches' must be a list of branches (each a list of layers), "
                            f"got {type(raw).__name__}")
        self._check_count(where, len(raw))
        values = dict(values)
        values["branches"] = [parse_list(branch, branch_label(i), f"{branch_label(i)} of field 'branches'")
                              for i, branch in enumerate(raw)]
        return values

    @staticmethod
    def _check_count(where, count):
        if count < 1:
            raise SpecError(f"{where}: a concat block needs at least one branch in field 'branches'")
        if count > MAX_BRANCHES:
            raise SpecError(f"{where}: {count:,} branches is too many (at most {MAX_BRANCHES})")

    def validate(self, layer, where):
        if not isinstance(layer.branches, list):
            raise SpecError(f"{where}: field 'branches' must be a list of branches, got "
                            f"{type(layer.branches).__name__}")
        self._check_count(where, len(layer.branches))
        for i, branch in enumerate(layer.branches):
            check_layer_list(where, f"{branch_label(i)} of field 'branches'", branch)

    def new_layer(self, before, in_shape=None, inside_block=False):
        """A 1×1 and a 3×3 "same" branch (Inception-style), each giving half the incoming channels, so the
        block keeps the size of its input (two dense branches for a vector input)."""
        conv, dense = kind_for("conv").spec_class, kind_for("dense").spec_class
        if in_shape is not None and len(in_shape) == 1:
            n = in_shape[0]
            return ConcatSpec(branches=[[dense(units=max(1, n // 2))], [dense(units=max(1, n - n // 2))]])
        n_C = in_shape[2] if in_shape is not None else 16
        first, second = max(1, n_C // 2), max(1, n_C - n_C // 2)
        return ConcatSpec(branches=[[conv(filters=first, size=1)],
                                    [conv(filters=second, size=3, padding="same")]])

    def with_list_added(self, layer, position):
        """A new empty branch (it passes the input through until layers are put in it)."""
        if len(layer.branches) >= MAX_BRANCHES or not 0 <= position <= len(layer.branches):
            return None
        branches = [list(branch) for branch in layer.branches]
        branches.insert(position, [])
        return ConcatSpec(branches=branches, name=layer.name)

    def with_list_removed(self, layer, position):
        if len(layer.branches) <= 1 or not 0 <= position < len(layer.branches):
            return None
        return ConcatSpec(branches=[list(branch) for i, branch in enumerate(layer.branches) if i != position],
                          name=layer.name)

    def auto_name(self, layer, number, is_last):
        return f"CONCAT{number}"

    def describe(self, layer):
        sizes = ", ".join(str(len(branch)) for branch in layer.branches)
        count = len(layer.branches)
        return f"{count} branch{'es' if count != 1 else ''} ({sizes} layers), stacked along the channels"

    def empty_path_label(self, layer, position):
        return "input passed through"

    def join(self, layer, in_shape, paths, is_last):
        first = paths[0].output_shape
        for position, path in enumerate(paths[1:], start=1):
            shape = path.output_shape
            if len(shape) != len(first):
                raise ShapeError(f"{path.label} gives {_kind_words(shape)} but branch 1 gives {_kind_words(first)}; "
                                 "all branches must give volumes, or all vectors")
            if len(shape) == 3 and shape[:2] != first[:2]:
                raise ShapeError(f"{path.label} gives {shape_words(shape)} but branch 1 gives {shape_words(first)}; "
                                 f"the branches must keep the same n_H×n_W to be stacked: use \"same\" padding "
                                 f"and stride 1 in {path.label}, or the same strides in every branch")
        widths = [path.output_shape[-1] for path in paths]
        total = sum(widths)
        parts = "+".join(str(w) for w in widths)
        if len(first) == 3:
            n_H, n_W = first[:2]
            out = (n_H, n_W, total)
            formula = f"({n_H},{n_W},{parts}) = {n_H}×{n_W}×{total}"
        else:
            out = (total,)
            formula = f"({parts}) = {format_count(total)} units"
        params = sum(path.params for path in paths)
        formula += f"; {format_count(params)} parameters inside"
        return LayerShape(out, params, sum(path.macs for path in paths), formula)

    def build(self, layer, context: BuildContext):
        widths = [path.output_shape[-1] for path in context.row.paths]
        return Concat(context.name, context.children, widths)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        block_input, outputs = ctx.variable("block_input"), ctx.variable("branches")
        lines = [f"{block_input} = x  # {ctx.row.name}: concatenation of {len(ctx.layer.branches)} branches",
                 f"{outputs} = []"]
        for position in range(len(ctx.layer.branches)):
            lines += [f"x = {block_input}  # {branch_label(position)}"]
            lines += ctx.inner_code(position)
            lines.append(f"{outputs}.append(x)")
        lines.append(f"x = torch.cat({outputs}, dim=1)  # {ctx.row.name}: {ctx.row.formula.split(';')[0]}")
        return LayerCode(None, lines)

    def onnx_export(self, ctx: OnnxContext) -> str:
        # Channels are axis 1 of NCHW (and the units of a vector).
        outputs = [ctx.inner(position, ctx.input) for position in range(len(ctx.layer.branches))]
        return ctx.node("Concat", outputs, axis=1)


def _kind_words(shape) -> str:
    return f"a vector of {format_count(shape[0])} units" if len(shape) == 1 else f"a {shape_words(shape)} volume"


KIND = ConcatKind()
