"""Inverted dropout: while training, zero a fraction `rate` of the values and scale the rest by
1/(1 − rate), so inference needs no change. Shape unchanged; no parameters."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..layers import Layer
from .base import BuildContext, FieldInfo, LayerKind, LayerShape
from .checks import fraction_field
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext


@dataclass
class DropoutSpec:
    rate: float = 0.5
    name: str | None = None
    type: str = field(default="dropout", init=False, repr=False)


class Dropout(Layer):
    """x (m, ...) → x with a random fraction `rate` zeroed (training only). `rng_holder.rng` is the
    network's seeded generator, shared by its dropout layers."""

    def __init__(self, name, rate: float, rng_holder, batch=None):
        super().__init__(name)
        self.rate = rate
        self._rng_holder = rng_holder
        self._batch = batch       # engine.batch_reduce.BatchContext: an inference-behaviour pass drops nothing
        self.preset_mask = None   # set by the network when it splits a batch: this part's slice

    def draw_mask(self, shape, dtype):
        """The scaled keep-mask for an input of `shape`, drawn from the shared generator (None at rate 0)."""
        if self.rate == 0:
            return None
        keep = 1.0 - self.rate
        rng = self._rng_holder.rng
        return (rng.random(shape, dtype=np.float32) < keep).astype(dtype) / np.dtype(dtype).type(keep)

    def forward(self, x, training=False):
        if not training:
            return x
        if self.rate == 0 or (self._batch is not None and self._batch.inference):
            self._mask = None
            return x
        if self.preset_mask is not None:
            self._mask, self.preset_mask = self.preset_mask, None
        else:
            self._mask = self.draw_mask(x.shape, x.dtype)
        return x * self._mask

    def backward(self, dout, grads, need_input_grad=True):
        if self._mask is None:
            return dout
        return dout * self._mask


class DropoutKind(LayerKind):
    type_name = "dropout"
    spec_class = DropoutSpec
    label = "Dropout"
    title = "Dropout"
    hint = ("While training, sets this fraction of the values to zero at random (a regulariser). "
            "The shape is unchanged and there is nothing to learn.")
    editable = (
        FieldInfo("rate", "Rate", "float", "The fraction of values set to zero while training (0 to 0.95).",
                  low=0.0, high=0.95, step=0.05, decimals=2),
    )

    def validate(self, layer, where):
        fraction_field(where, "rate", layer.rate)

    def normalize(self, layer):
        return replace(layer, rate=float(layer.rate))

    def new_layer(self, before, in_shape=None, inside_block=False):
        return DropoutSpec(rate=0.5)

    def auto_name(self, layer, number, is_last):
        return f"DROPOUT{number}"

    def describe(self, layer):
        return f"rate {layer.rate:g}"

    def output(self, layer, in_shape, is_last):
        return LayerShape(tuple(in_shape), 0, 0, f"drops {layer.rate:g} of the values while training; no parameters")

    def build(self, layer, context: BuildContext):
        return Dropout(context.name, layer.rate, context.rng_holder, context.batch)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        # Inverted dropout like the engine's: scales by 1/(1 − rate) while training, does nothing in eval().
        return LayerCode(f"nn.Dropout(p={ctx.layer.rate!r})", [f"x = self.{ctx.attribute}(x)"])

    def onnx_export(self, ctx: OnnxContext) -> str:
        return ctx.input        # inference drops nothing: no node (the rate travels in the design's metadata)


KIND = DropoutKind()
