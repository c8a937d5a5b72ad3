"""The convolution layer: n_C filters of f×f×n_C_prev, stride s, padding p, then an activation.

Output side ⌊(n + 2p − f)/s⌋ + 1; parameters (f·f·n_C_prev + 1)·n_C, or (f·f·n_C_prev)·n_C without
biases (bias false: the convolutions of networks with batch norm, whose β does the bias's job).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .. import functional as F
from ..layers import WeightedLayer, init_weight_and_bias
from ..shapes import format_count, resolve_padding
from .base import BuildContext, FieldInfo, LayerKind, LayerShape, ShapeError
from .checks import (HIDDEN_ACTIVATIONS, MAX_FILTER_SIZE, MAX_FILTERS, MAX_STRIDE, bool_field, choice_field,
                     int_field, padding_field)
from .window import padding_text, window_output
from ..export.onnx_layers import OnnxContext, pads
from ..export.pytorch_layers import LayerCode, LayerContext, activated


@dataclass
class ConvSpec:
    filters: int
    size: int
    stride: int = 1
    padding: Union[str, int] = "valid"
    activation: str = "relu"
    bias: bool = field(default=True, metadata={"omit_default": True})
    name: str | None = None
    type: str = field(default="conv", init=False, repr=False)


class Conv(WeightedLayer):
    """x (m, n_H_prev, n_W_prev, n_C_prev) → (m, n_H, n_W, n_C); W (f, f, n_C_prev, n_C), b (n_C,)."""

    def __init__(self, name, params, stride: int, pad: int, activation: str, bias: bool = True):
        super().__init__(name, params, activation, bias)
        self.stride, self.pad = stride, pad
        self._workspace = F.Workspace()

    def forward(self, x, training=False):
        # The patches are built a few samples at a time into the thread's shared chunk buffer
        # (engine.fastpaths.Workspace) and rebuilt in backward from the input the cache keeps, so no
        # batch-sized patch matrix lives between the two passes. Inference uses one-off chunks.
        workspace = self._workspace if training else None
        W = self.params[self.key_W]
        Z, cache = F.conv2d_forward(x, W, self._bias(W.shape[3], W.dtype), self.stride, self.pad,
                                    workspace=workspace)
        if training:
            self._cache = cache
        return self._activate(Z, training)

    def backward(self, dout, grads, need_input_grad=True):
        dZ = self._activation_grad(dout)
        dx, dW, db = F.conv2d_backward(dZ, self._cache, need_input_grad=need_input_grad)
        self._store_grads(grads, dW, db)
        self._cache = self._A = None      # let the input and activation go as soon as they are used
        return dx


class ConvKind(LayerKind):
    type_name = "conv"
    spec_class = ConvSpec
    label = "Conv"
    title = "Convolution layer"
    hint = ("Each of the n_C filters is f×f×n_C_prev with one bias and gives one feature map. "
            "Output side: ⌊(n + 2p − f)/s⌋ + 1. “same” padding keeps the size at stride 1 (odd f).")
    required = ("filters", "size")
    editable = (
        FieldInfo("filters", "Filters n_C", "int", "n_C: how many filters, i.e. the output's channels.",
                  low=1, high=MAX_FILTERS),
        FieldInfo("size", "Filter size f", "int", "f: each filter is f×f×n_C_prev.", low=1, high=MAX_FILTER_SIZE),
        FieldInfo("stride", "Stride s", "int", "s: how far the filter moves between positions.",
                  low=1, high=MAX_STRIDE),
        FieldInfo("padding", "Padding", "padding",
                  "valid: no padding (p = 0); each side shrinks to n − f + 1 at stride 1.\n"
                  "same: p = (f − 1)/2, so the output keeps the input's size at stride 1 (needs an odd f).\n"
                  "custom: choose p, the rows and columns of zeros added on each side."),
        FieldInfo("activation", "Activation", "choice", "The non-linearity applied to each output value.",
                  choices=HIDDEN_ACTIVATIONS),
        FieldInfo("bias", "Bias", "bool", "One bias per filter. Off before a batch norm, whose β does its job."),
    )
    needs_volume = True
    numbered = True
    learns_filters = True

    def validate(self, layer, where):
        int_field(where, "filters", layer.filters, 1, MAX_FILTERS)
        int_field(where, "size", layer.size, 1, MAX_FILTER_SIZE)
        int_field(where, "stride", layer.stride, 1, MAX_STRIDE)
        padding_field(where, layer.padding)
        choice_field(where, "activation", layer.activation, HIDDEN_ACTIVATIONS)
        bool_field(where, "bias", layer.bias)

    def new_layer(self, before, in_shape=None, inside_block=False):
        # Each conv doubles the filters of the conv before it (8, 16, 32, ... as in LeNet-5).
        previous = [layer.filters for layer in before if layer.type == self.type_name]
        filters = min(previous[-1] * 2, MAX_FILTERS) if previous else 8
        if inside_block:
            # A path of a block keeps the size and channels coming in, so the add or concat still fits.
            channels = in_shape[2] if in_shape is not None and len(in_shape) == 3 else filters
            return ConvSpec(filters=channels, size=3, stride=1, padding="same", activation="relu")
        return ConvSpec(filters=filters, size=3, stride=1, padding="valid", activation="relu")

    def auto_name(self, layer, number, is_last):
        return f"CONV{number}"

    def describe(self, layer):
        return (f"{layer.filters} × {layer.size}×{layer.size}, s{layer.stride}, "
                f"{padding_text(layer.padding)}, {layer.activation}" + ("" if layer.bias else ", no bias"))

    def feature_map_caption(self, layer):
        act = layer.activation
        return "convolution" + (f" + {act}" if act != "linear" else "")

    def output(self, layer, in_shape, is_last):
        f, s, n_C = layer.size, layer.stride, in_shape[2]
        try:
            p = resolve_padding(layer.padding, f)
        except ValueError as exc:
            raise ShapeError(f"{exc}; use an odd filter size or a whole-number padding") from None
        out_H, out_W, formula = window_output(in_shape, f, p, s, "filter",
                                              "use padding ≥ 1 or a smaller filter")
        n_C_out = layer.filters
        if layer.bias:
            params = (f * f * n_C + 1) * n_C_out
            formula += f"; ({f}·{f}·{n_C} + 1)·{n_C_out} = {format_count(params)}"
        else:
            params = f * f * n_C * n_C_out
            formula += f"; {f}·{f}·{n_C}·{n_C_out} = {format_count(params)} (no biases)"
        shapes = {"W": (f, f, n_C, n_C_out), "b": (n_C_out,)} if layer.bias else {"W": (f, f, n_C, n_C_out)}
        return LayerShape((out_H, out_W, n_C_out), params, out_H * out_W * n_C_out * f * f * n_C, formula,
                          shapes, padding=p)

    def init_params(self, layer, param_shapes, rng, dtype):
        return init_weight_and_bias(param_shapes, layer.activation, rng, dtype)

    def build(self, layer, context: BuildContext):
        return Conv(context.name, context.params, layer.stride, context.row.padding, layer.activation, layer.bias)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        layer, row = ctx.layer, ctx.row
        padding = row.padding
        why = f'; padding "{layer.padding}": p = {padding}' if isinstance(layer.padding, str) else ""
        init = (f"nn.Conv2d({ctx.in_shape[2]}, {layer.filters}, kernel_size={layer.size}, "
                f"stride={layer.stride}, padding={padding}" + ("" if layer.bias else ", bias=False") + ")")
        forward = [activated(ctx, f"self.{ctx.attribute}(x)") + f"  # (N, {row.output_shape[2]}, "
                   f"{row.output_shape[0]}, {row.output_shape[1]}){why}"]
        return LayerCode(init, forward, (ctx.attribute, row.name, "filters", row.param_shapes["W"], None))

    def onnx_export(self, ctx: OnnxContext) -> str:
        layer, f = ctx.layer, ctx.layer.size
        inputs = [ctx.input, ctx.weight("W", "oihw")] + ([ctx.weight("b")] if layer.bias else [])
        out = ctx.node("Conv", inputs, kernel_shape=[f, f], strides=[layer.stride] * 2, pads=pads(ctx.row.padding),
                       group=1)
        return ctx.activation(layer.activation, out)


KIND = ConvKind()
