"""The pooling layer: max or average over f×f windows moving s at a time; no parameters.

Output side ⌊(n + 2p − f)/s⌋ + 1 (usually p = 0); the channels stay the same. Padded cells never count:
the maximum and the average are over the window's real cells (PyTorch's MaxPool2d(padding=p) and
AvgPool2d(padding=p, count_include_pad=False)), so p is at most f/2.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from typing import Union

from .. import pooling as P
from ..layers import Layer
from ..shapes import resolve_padding
from .base import BuildContext, FieldInfo, LayerKind, LayerShape, ShapeError
from .checks import MAX_FILTER_SIZE, MAX_STRIDE, POOL_MODES, choice_field, int_field, padding_field
from .window import padding_text, window_output
from ..export.onnx_layers import OnnxContext, pads
from ..export.pytorch_layers import LayerCode, LayerContext


@dataclass
class PoolSpec:
    mode: str = "max"
    size: int = 2
    stride: int = 2
    padding: Union[str, int] = field(default="valid", metadata={"omit_default": True})
    name: str | None = None
    type: str = field(default="pool", init=False, repr=False)


class Pool(Layer):
    """x (m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C): max or average over f×f windows (padded by p)."""

    def __init__(self, name, size: int, stride: int, mode: str, pad: int = 0):
        super().__init__(name)
        self.size, self.stride, self.mode, self.pad = size, stride, mode, pad

    def forward(self, x, training=False):
        # No argmax bookkeeping when nothing will go backward.
        out, cache = P.pool2d_padded_forward(x, self.size, self.stride, self.pad, self.mode, keep=training)
        if training:
            self._cache = cache
        return out

    def backward(self, dout, grads, need_input_grad=True):
        cache, self._cache = self._cache, None
        return P.pool2d_padded_backward(dout, cache) if need_input_grad else None


class PoolKind(LayerKind):
    type_name = "pool"
    spec_class = PoolSpec
    label = "Pool"
    title = "Pooling layer"
    hint = ("Max or average over f×f windows, moving s at a time. Output side: ⌊(n + 2p − f)/s⌋ + 1 "
            "(usually p = 0); channels unchanged; nothing to learn.")
    editable = (
        FieldInfo("mode", "Mode", "choice", "max: keep the largest value of each window; avg: their mean.",
                  choices=POOL_MODES),
        FieldInfo("size", "Window f", "int", "f: the pooling window is f×f.", low=1, high=MAX_FILTER_SIZE),
        FieldInfo("stride", "Stride s", "int", "s: how far the window moves between positions.",
                  low=1, high=MAX_STRIDE),
        FieldInfo("padding", "Padding", "padding",
                  "valid: no padding (the usual pool).\n"
                  "same: p = (f − 1)/2 (odd f): at stride 1 the output keeps the input's size.\n"
                  "custom: p cells on each side (at most f/2); padded cells never count in the max or the average."),
    )
    needs_volume = True

    def validate(self, layer, where):
        choice_field(where, "mode", layer.mode, POOL_MODES)
        int_field(where, "size", layer.size, 1, MAX_FILTER_SIZE)
        int_field(where, "stride", layer.stride, 1, MAX_STRIDE)
        padding_field(where, layer.padding)

    def new_layer(self, before, in_shape=None, inside_block=False):
        if inside_block:
            # A path of a block keeps the size coming in (the inception module's 3×3 pool branch).
            return PoolSpec(mode="max", size=3, stride=1, padding="same")
        return PoolSpec(mode="max", size=2, stride=2)

    def auto_name(self, layer, number, is_last):
        return f"POOL{number}"

    def describe(self, layer):
        padded = "" if layer.padding == "valid" else f", {padding_text(layer.padding)}"
        return f"{layer.mode} {layer.size}×{layer.size}, s{layer.stride}{padded}"

    def feature_map_caption(self, layer):
        return "pooling"

    def output(self, layer, in_shape, is_last):
        f = layer.size
        try:
            p = resolve_padding(layer.padding, f)
        except ValueError as exc:
            raise ShapeError(f"{exc}; use an odd window or a whole-number padding") from None
        if 2 * p > f:
            raise ShapeError(f"padding {p} is more than half the {f}×{f} window, so a window could hold only "
                             f"padding; use padding ≤ {f // 2}")
        out_H, out_W, formula = window_output(in_shape, f, p, layer.stride, "pool window",
                                              "use a smaller window or remove the pool")
        return LayerShape((out_H, out_W, in_shape[2]), 0, 0, formula + "; no parameters", padding=p)

    def build(self, layer, context: BuildContext):
        return Pool(context.name, layer.size, layer.stride, layer.mode, context.row.padding)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        layer, row = ctx.layer, ctx.row
        cls = "nn.MaxPool2d" if layer.mode == "max" else "nn.AvgPool2d"
        # Floor mode, as the engine: windows that don't fit at the border are dropped. Padded cells never
        # count (max pooling pads with −∞; the average divides by the real cells).
        padding = row.padding
        extra = ""
        if padding:
            extra = f", padding={padding}" + (", count_include_pad=False" if layer.mode == "avg" else "")
        init = f"{cls}(kernel_size={layer.size}, stride={layer.stride}{extra})"
        return LayerCode(init, [f"x = self.{ctx.attribute}(x)  # (N, {row.output_shape[2]}, "
                                f"{row.output_shape[0]}, {row.output_shape[1]})"])

    def onnx_export(self, ctx: OnnxContext) -> str:
        # Floor mode; padded cells never count (MaxPool pads with −∞, AveragePool divides by the real cells).
        layer = ctx.layer
        window = dict(kernel_shape=[layer.size] * 2, strides=[layer.stride] * 2, pads=pads(ctx.row.padding))
        if layer.mode == "max":
            return ctx.node("MaxPool", [ctx.input], **window)
        return ctx.node("AveragePool", [ctx.input], count_include_pad=0, **window)


KIND = PoolKind()
