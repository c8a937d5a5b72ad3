"""The depthwise convolution (MobileNet's): one f×f filter per input channel (× multiplier), no mixing
of channels, then an activation. With a 1×1 conv after it (the "pointwise" conv) it is a
depthwise-separable convolution.

Output n_H×n_W×(n_C·multiplier), side ⌊(n + 2p − f)/s⌋ + 1; parameters f·f·n_C·multiplier
(+ n_C·multiplier biases); MACs n_H·n_W·n_C·multiplier·f·f.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .. import depthwise as D
from ..layers import WeightedLayer, init_weight_and_bias
from ..shapes import format_count, resolve_padding
from .base import BuildContext, FieldInfo, LayerKind, LayerShape, MemoryTerms, ShapeError
from .checks import (HIDDEN_ACTIVATIONS, MAX_FILTER_SIZE, MAX_FILTERS, MAX_STRIDE, bool_field, choice_field,
                     int_field, padding_field)
from .window import padding_text, window_output
from ..export.onnx_layers import OnnxContext, pads
from ..export.pytorch_layers import LayerCode, LayerContext, activated

MAX_MULTIPLIER = 64


@dataclass
class DepthwiseSpec:
    size: int
    stride: int = 1
    padding: Union[str, int] = "valid"
    multiplier: int = 1
    activation: str = "relu"
    bias: bool = True
    name: str | None = None
    type: str = field(default="depthwise", init=False, repr=False)


class Depthwise(WeightedLayer):
    """x (m, n_H_prev, n_W_prev, n_C) → (m, n_H, n_W, n_C·multiplier); W (f, f, n_C, multiplier),
    b (n_C·multiplier,)."""

    def __init__(self, name, params, stride: int, pad: int, activation: str, bias: bool):
        super().__init__(name, params, activation, bias)
        self.stride, self.pad = stride, pad

    def forward(self, x, training=False):
        W = self.params[self.key_W]
        Z, cache = D.depthwise_forward(x, W, self._bias(W.shape[2] * W.shape[3], W.dtype), self.stride, self.pad,
                                       keep=training)
        if training:
            self._cache = cache
        return self._activate(Z, training)

    def backward(self, dout, grads, need_input_grad=True):
        dZ = self._activation_grad(dout)
        dx, dW, db = D.depthwise_backward(dZ, self._cache, need_input_grad=need_input_grad)
        self._store_grads(grads, dW, db)
        self._cache = self._A = None
        return dx


class DepthwiseKind(LayerKind):
    type_name = "depthwise"
    spec_class = DepthwiseSpec
    label = "DW conv"
    title = "Depthwise convolution"
    hint = ("One f×f filter per input channel (× multiplier): channels are filtered separately, never "
            "mixed. Follow it with a 1×1 conv for a depthwise-separable convolution (MobileNet).")
    editable = (
        FieldInfo("size", "Filter size f", "int", "f: each channel's filter is f×f.", low=1, high=MAX_FILTER_SIZE),
        FieldInfo("stride", "Stride s", "int", "s: how far the filter moves between positions.",
                  low=1, high=MAX_STRIDE),
        FieldInfo("padding", "Padding", "padding",
                  "valid: no padding (p = 0).\nsame: p = (f − 1)/2, the size is kept at stride 1 (odd f).\n"
                  "custom: choose p."),
        FieldInfo("multiplier", "Multiplier", "int", "Filters per input channel: the output has n_C·multiplier "
                  "channels.", low=1, high=MAX_MULTIPLIER),
        FieldInfo("activation", "Activation", "choice", "The non-linearity applied to each output value.",
                  choices=HIDDEN_ACTIVATIONS),
        FieldInfo("bias", "Bias", "bool", "One bias per output channel. Off before a batch norm."),
    )
    required = ("size",)
    needs_volume = True
    numbered = True
    learns_filters = True
    filter_layout = "per_channel"

    def validate(self, layer, where):
        int_field(where, "size", layer.size, 1, MAX_FILTER_SIZE)
        int_field(where, "stride", layer.stride, 1, MAX_STRIDE)
        padding_field(where, layer.padding)
        int_field(where, "multiplier", layer.multiplier, 1, MAX_MULTIPLIER)
        choice_field(where, "activation", layer.activation, HIDDEN_ACTIVATIONS)
        bool_field(where, "bias", layer.bias)

    def new_layer(self, before, in_shape=None, inside_block=False):
        return DepthwiseSpec(size=3, stride=1, padding="same", multiplier=1, activation="relu")

    def auto_name(self, layer, number, is_last):
        return f"DW{number}"

    def describe(self, layer):
        times = f" ×{layer.multiplier}" if layer.multiplier != 1 else ""
        return (f"{layer.size}×{layer.size} per channel{times}, s{layer.stride}, {padding_text(layer.padding)}, "
                f"{layer.activation}" + ("" if layer.bias else ", no bias"))

    def feature_map_caption(self, layer):
        act = layer.activation
        return "depthwise convolution" + (f" + {act}" if act != "linear" else "")

    def output(self, layer, in_shape, is_last):
        f, s, n_C, k = layer.size, layer.stride, in_shape[2], layer.multiplier
        try:
            p = resolve_padding(layer.padding, f)
        except ValueError as exc:
            raise ShapeError(f"{exc}; use an odd filter size or a whole-number padding") from None
        out_H, out_W, formula = window_output(in_shape, f, p, s, "filter", "use padding ≥ 1 or a smaller filter")
        n_out = n_C * k
        if n_out > MAX_FILTERS:
            raise ShapeError(f"{n_C} channels × multiplier {k} = {n_out:,} output channels is too many "
                             f"(at most {MAX_FILTERS:,}); use a smaller multiplier")
        weights = f * f * n_C * k
        params = weights + (n_out if layer.bias else 0)
        if layer.bias:
            formula += f"; ({f}·{f} + 1)·{n_C}·{k} = {format_count(params)}"
        else:
            formula += f"; {f}·{f}·{n_C}·{k} = {format_count(params)} (no biases)"
        shapes = {"W": (f, f, n_C, k)}
        if layer.bias:
            shapes["b"] = (n_out,)
        return LayerShape((out_H, out_W, n_out), params, out_H * out_W * n_out * f * f, formula, shapes, padding=p)

    def init_params(self, layer, param_shapes, rng, dtype):
        f, _, _, k = param_shapes["W"]
        return init_weight_and_bias(param_shapes, layer.activation, rng, dtype, fans=(f * f, f * f * k))

    def memory_terms(self, row):
        return MemoryTerms()      # no im2col: the kernels work on the padded input directly

    def build(self, layer, context: BuildContext):
        return Depthwise(context.name, context.params, layer.stride, context.row.padding, layer.activation,
                         layer.bias)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        layer, row = ctx.layer, ctx.row
        n_C = ctx.in_shape[2]
        n_out = n_C * layer.multiplier
        init = (f"nn.Conv2d({n_C}, {n_out}, kernel_size={layer.size}, stride={layer.stride}, "
                f"padding={row.padding}, groups={n_C}" + ("" if layer.bias else ", bias=False") + ")")
        forward = [activated(ctx, f"self.{ctx.attribute}(x)") + f"  # depthwise: (N, {n_out}, "
                   f"{row.output_shape[0]}, {row.output_shape[1]})"]
        return LayerCode(init, forward, (ctx.attribute, row.name, "depthwise", row.param_shapes["W"], None))

    def onnx_export(self, ctx: OnnxContext) -> str:
        # A grouped Conv with one group per input channel (PyTorch's groups=n_C).
        layer, f = ctx.layer, ctx.layer.size
        inputs = [ctx.input, ctx.weight("W", "grouped")] + ([ctx.weight("b")] if layer.bias else [])
        out = ctx.node("Conv", inputs, kernel_shape=[f, f], strides=[layer.stride] * 2, pads=pads(ctx.row.padding),
                       group=ctx.in_shape[2])
        return ctx.activation(layer.activation, out)


KIND = DepthwiseKind()
