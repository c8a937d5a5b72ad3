"""Global pooling: the average (or maximum) of each channel over the whole n_H×n_W map → 1×1×n_C.

The usual end of a modern CNN (ResNet, MobileNet) before its one FC layer; no parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import pooling as P
from ..layers import Layer
from ..shapes import format_count
from .base import BuildContext, FieldInfo, LayerKind, LayerShape
from .checks import POOL_MODES, choice_field
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext


@dataclass
class GlobalPoolSpec:
    mode: str = "avg"
    name: str | None = None
    type: str = field(default="globalpool", init=False, repr=False)


class GlobalPool(Layer):
    """x (m, n_H, n_W, n_C) → (m, 1, 1, n_C)."""

    def __init__(self, name, mode: str):
        super().__init__(name)
        self.mode = mode
        self._cache = None

    def forward(self, x, training=False):
        out, cache = P.global_pool_forward(x, self.mode, keep=training)
        if training:
            self._cache = cache
        return out

    def backward(self, dout, grads, need_input_grad=True):
        cache, self._cache = self._cache, None
        return P.global_pool_backward(dout, cache) if need_input_grad else None


class GlobalPoolKind(LayerKind):
    type_name = "globalpool"
    spec_class = GlobalPoolSpec
    label = "GAP"
    title = "Global pooling"
    hint = ("The average (or maximum) of each channel over the whole map: n_H×n_W×n_C → 1×1×n_C. "
            "Nothing to learn; the usual last step before a modern CNN's FC layer.")
    editable = (
        FieldInfo("mode", "Mode", "choice", "avg: the mean of each channel; max: its largest value.",
                  choices=POOL_MODES),
    )
    needs_volume = True

    def validate(self, layer, where):
        choice_field(where, "mode", layer.mode, POOL_MODES)

    def new_layer(self, before, in_shape=None, inside_block=False):
        return GlobalPoolSpec(mode="avg")

    def auto_name(self, layer, number, is_last):
        return f"GAP{number}" if layer.mode == "avg" else f"GMP{number}"

    def describe(self, layer):
        return f"global {layer.mode} → 1×1×n_C"

    def output(self, layer, in_shape, is_last):
        n_H, n_W, n_C = in_shape
        what = "mean" if layer.mode == "avg" else "max"
        formula = f"{what} of each channel over {n_H}×{n_W} → 1×1×{format_count(n_C)}; no parameters"
        return LayerShape((1, 1, n_C), 0, 0, formula)

    def build(self, layer, context: BuildContext):
        return GlobalPool(context.name, layer.mode)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        cls = "nn.AdaptiveAvgPool2d(1)" if ctx.layer.mode == "avg" else "nn.AdaptiveMaxPool2d(1)"
        return LayerCode(cls, [f"x = self.{ctx.attribute}(x)  # (N, {ctx.row.output_shape[2]}, 1, 1)"])

    def onnx_export(self, ctx: OnnxContext) -> str:
        return ctx.node("GlobalAveragePool" if ctx.layer.mode == "avg" else "GlobalMaxPool", [ctx.input])


KIND = GlobalPoolKind()
