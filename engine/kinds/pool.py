"""The pooling layer: max or average over f×f windows moving s at a time; no parameters.

Output side ⌊(n − f)/s⌋ + 1; the channels stay the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import functional as F
from ..layers import Layer
from .base import BuildContext, FieldInfo, LayerKind, LayerShape
from .checks import MAX_FILTER_SIZE, MAX_STRIDE, POOL_MODES, choice_field, int_field
from .window import window_output
from ..export.pytorch_layers import LayerCode, LayerContext


@dataclass
class PoolSpec:
    mode: str = "max"
    size: int = 2
    stride: int = 2
    name: str | None = None
    type: str = field(default="pool", init=False, repr=False)


class Pool(Layer):
    """x (m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C): max or average over f×f windows."""

    def __init__(self, name, size: int, stride: int, mode: str):
        super().__init__(name)
        self.size, self.stride, self.mode = size, stride, mode

    def forward(self, x, training=False):
        if not training:                  # no argmax bookkeeping when nothing will go backward
            return F.pool2d(x, self.size, self.stride, self.mode)
        out, self._cache = F.pool2d_forward(x, self.size, self.stride, self.mode)
        return out

    def backward(self, dout, grads, need_input_grad=True):
        cache, self._cache = self._cache, None
        return F.pool2d_backward(dout, cache) if need_input_grad else None


class PoolKind(LayerKind):
    type_name = "pool"
    spec_class = PoolSpec
    label = "Pool"
    title = "Pooling layer"
    hint = ("Max or average over f×f windows, moving s at a time. Output side: ⌊(n − f)/s⌋ + 1; "
            "channels unchanged; nothing to learn.")
    editable = (
        FieldInfo("mode", "Mode", "choice", "max: keep the largest value of each window; avg: their mean.",
                  choices=POOL_MODES),
        FieldInfo("size", "Window f", "int", "f: the pooling window is f×f.", low=1, high=MAX_FILTER_SIZE),
        FieldInfo("stride", "Stride s", "int", "s: how far the window moves between positions.",
                  low=1, high=MAX_STRIDE),
    )
    needs_volume = True

    def validate(self, layer, where):
        choice_field(where, "mode", layer.mode, POOL_MODES)
        int_field(where, "size", layer.size, 1, MAX_FILTER_SIZE)
        int_field(where, "stride", layer.stride, 1, MAX_STRIDE)

    def new_layer(self, before):
        return PoolSpec(mode="max", size=2, stride=2)

    def auto_name(self, layer, number, is_last):
        return f"POOL{number}"

    def describe(self, layer):
        return f"{layer.mode} {layer.size}×{layer.size}, s{layer.stride}"

    def feature_map_caption(self, layer):
        return "pooling"

    def output(self, layer, in_shape, is_last):
        out_H, out_W, formula = window_output(in_shape, layer.size, 0, layer.stride, "pool window",
                                              "use a smaller window or remove the pool")
        return LayerShape((out_H, out_W, in_shape[2]), 0, 0, formula + "; no parameters", padding=0)

    def build(self, layer, context: BuildContext):
        return Pool(context.name, layer.size, layer.stride, layer.mode)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        layer, row = ctx.layer, ctx.row
        cls = "nn.MaxPool2d" if layer.mode == "max" else "nn.AvgPool2d"
        # No padding and floor mode, as the engine: windows that don't fit at the border are dropped.
        init = f"{cls}(kernel_size={layer.size}, stride={layer.stride})"
        return LayerCode(init, [f"x = self.{ctx.attribute}(x)  # (N, {row.output_shape[2]}, "
                                f"{row.output_shape[0]}, {row.output_shape[1]})"])


KIND = PoolKind()
