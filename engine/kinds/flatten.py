"""The explicit flatten layer: n_H×n_W×n_C → a vector of n_H·n_W·n_C values; no parameters."""
from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from ..layers import Layer
from ..shapes import format_count
from .base import BuildContext, LayerKind, LayerShape
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext


@dataclass
class FlattenSpec:
    name: str | None = None
    type: str = field(default="flatten", init=False, repr=False)


class Flatten(Layer):
    """(m, n_H, n_W, n_C) → (m, n_H·n_W·n_C), in the NHWC order the dense weights expect."""

    def forward(self, x, training=False):
        if training:
            self._in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, grads, need_input_grad=True):
        return dout.reshape(self._in_shape) if need_input_grad else None


class FlattenKind(LayerKind):
    type_name = "flatten"
    spec_class = FlattenSpec
    label = "Flatten"
    title = "Flatten"
    hint = ("Unrolls an n_H×n_W×n_C volume into a vector of n_H·n_W·n_C values. "
            "No parameters. FC layers also flatten on their own.")

    def auto_name(self, layer, number, is_last):
        return "FLATTEN"

    def describe(self, layer):
        return "volume → vector"

    def output(self, layer, in_shape, is_last):
        n = prod(in_shape)
        if len(in_shape) == 3:
            formula = f"{'·'.join(str(d) for d in in_shape)} = {format_count(n)}"
        else:
            formula = f"{format_count(n)} (already flat)"
        return LayerShape((n,), 0, 0, formula)

    def build(self, layer, context: BuildContext):
        return Flatten(context.name)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        if ctx.depth and len(ctx.in_shape) == 3:
            # Inside a block the vector may meet other paths (an add, a concat) before any dense layer could
            # undo the order: flatten in the engine's (H, W, C) order there.
            return LayerCode(None, [f"x = x.permute(0, 2, 3, 1).flatten(1)  # {ctx.row.name}: "
                                    f"(N, {ctx.row.output_shape[0]}), in the engine's (H, W, C) order"])
        return LayerCode("nn.Flatten()", [f"x = self.{ctx.attribute}(x)  # (N, {ctx.row.output_shape[0]}), "
                                          f"in PyTorch's (C, H, W) order"])

    def onnx_export(self, ctx: OnnxContext) -> str:
        if len(ctx.in_shape) != 3:
            return ctx.node("Flatten", [ctx.input], axis=1)       # already a vector: keeps it, and the row
        return ctx.flatten(ctx.input, ctx.in_shape)


KIND = FlattenKind()
