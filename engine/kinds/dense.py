"""The fully connected (FC) layer: every input connects to every unit, then an activation.

A volume before it is flattened implicitly, as in the course table. Parameters n_in·units + units.
As the last layer it gives the class scores: softmax over k ≥ 2 units, or one sigmoid unit.
"""
from __future__ import annotations

from dataclasses import replace, dataclass, field
from math import prod

from .. import functional as F
from ..layers import WeightedLayer, init_weight_and_bias
from ..shapes import format_count
from .base import BuildContext, FieldInfo, LayerKind, LayerShape, ShapeError
from .checks import ACTIVATIONS, MAX_UNITS, SpecError, bool_field, choice_field, int_field
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext, activated


@dataclass
class DenseSpec:
    units: int
    activation: str = "relu"
    bias: bool = field(default=True, metadata={"omit_default": True})
    name: str | None = None
    type: str = field(default="dense", init=False, repr=False)


class Dense(WeightedLayer):
    """x (m, n_in) or a volume (m, n_H, n_W, n_C), flattened implicitly → (m, units)."""

    def forward(self, x, training=False):
        in_shape = x.shape
        if x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        W = self.params[self.key_W]
        Z, cache = F.dense_forward(x, W, self._bias(W.shape[1], W.dtype))
        if training:  # only a training pass may overwrite what backward needs
            self._cache, self._in_shape = cache, in_shape
        return self._activate(Z, training)

    def backward(self, dout, grads, need_input_grad=True):
        dZ = self._activation_grad(dout)
        dx, dW, db = F.dense_backward(dZ, self._cache, need_input_grad=need_input_grad)
        self._store_grads(grads, dW, db)
        self._cache = self._A = None
        return None if dx is None else dx.reshape(self._in_shape)


class DenseKind(LayerKind):
    type_name = "dense"
    spec_class = DenseSpec
    label = "FC"
    title = "Fully connected layer"
    hint = ("Every input connects to every unit: n_in·n_out weights + n_out biases. A volume "
            "before it is flattened. The last layer: softmax over the classes (or 1 sigmoid unit).")
    required = ("units",)
    editable = (
        FieldInfo("units", "Units", "int", "How many units (neurons); the output is a (units,1) vector.",
                  low=1, high=MAX_UNITS),
        FieldInfo("activation", "Activation", "choice",
                  "The non-linearity. Softmax belongs on the last layer (one unit per class).", choices=ACTIVATIONS),
        FieldInfo("bias", "Bias", "bool", "One bias per unit. Off before a batch norm, whose β does its job."),
    )
    numbered = True

    def validate(self, layer, where):
        int_field(where, "units", layer.units, 1, MAX_UNITS)
        choice_field(where, "activation", layer.activation, ACTIVATIONS)
        bool_field(where, "bias", layer.bias)

    def new_layer(self, before, in_shape=None, inside_block=False):
        return DenseSpec(units=64, activation="relu")

    def auto_name(self, layer, number, is_last):
        if is_last and layer.activation == "softmax":
            return "Softmax"
        if is_last and layer.activation == "sigmoid":
            return "Sigmoid"
        return f"FC{number}"

    def describe(self, layer):
        units = "unit" if layer.units == 1 else "units"
        return f"{layer.units:,} {units}, {layer.activation}" + ("" if layer.bias else ", no bias")

    def output(self, layer, in_shape, is_last):
        if layer.activation == "softmax" and not is_last:
            raise ShapeError("softmax belongs on the last layer only; use relu (or another hidden activation) here")
        if layer.activation == "softmax" and layer.units < 2:
            raise ShapeError("softmax needs at least 2 units (classes); for a yes/no output use 1 unit with sigmoid")
        n_in, units = prod(in_shape), layer.units
        params = n_in * units + (units if layer.bias else 0)
        flat = f"{'·'.join(str(d) for d in in_shape)} = {format_count(n_in)} inputs; " if len(in_shape) == 3 else ""
        biases = f" + {format_count(units)}" if layer.bias else ""
        formula = f"{flat}{format_count(n_in)}·{format_count(units)}{biases} = {format_count(params)}"
        if not layer.bias:
            formula += " (no biases)"
        shapes = {"W": (n_in, units), "b": (units,)} if layer.bias else {"W": (n_in, units)}
        return LayerShape((units,), params, n_in * units, formula, shapes)

    def output_kind(self, layer, name):
        if layer.activation == "softmax":
            return "softmax"
        if layer.activation == "sigmoid":
            if layer.units != 1:
                raise SpecError(f"{name}: a sigmoid output layer must have 1 unit (yes/no), got {layer.units}; "
                                "use softmax for several classes")
            return "sigmoid"
        return None

    def num_classes(self, layer):
        return 2 if layer.activation == "sigmoid" else layer.units

    def class_count_field(self, layer):
        return "units" if layer.activation == "softmax" else None

    def as_softmax_output(self, layer, classes):
        return replace(layer, activation="softmax", units=int(classes))

    def init_params(self, layer, param_shapes, rng, dtype):
        return init_weight_and_bias(param_shapes, layer.activation, rng, dtype)

    def build(self, layer, context: BuildContext):
        # The output layer emits logits: its softmax / sigmoid is applied by the loss.
        return Dense(context.name, context.params, "linear" if context.is_output else layer.activation, layer.bias)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        layer, row = ctx.layer, ctx.row
        n_in = prod(ctx.in_shape)
        forward = []
        if len(ctx.in_shape) == 3:
            n_H, n_W, n_C = ctx.in_shape
            forward.append(f"x = torch.flatten(x, 1)  # implicit flatten: {n_H}·{n_W}·{n_C} = {n_in}, "
                           f"in PyTorch's (C, H, W) order")
        forward.append(activated(ctx, f"self.{ctx.attribute}(x)"))
        return LayerCode(f"nn.Linear({n_in}, {layer.units}" + ("" if layer.bias else ", bias=False") + ")", forward,
                         (ctx.attribute, row.name, "matrix", row.param_shapes["W"], ctx.flattened_from))

    def onnx_export(self, ctx: OnnxContext) -> str:
        # A volume is flattened first, in the engine's (H, W, C) order; W (n_in, n_out) is Gemm's B as it is.
        # The output layer gives the logits: its softmax / sigmoid is left to whoever reads them.
        x = ctx.flatten(ctx.input, ctx.in_shape, "flatten")
        inputs = [x, ctx.weight("W")] + ([ctx.weight("b")] if ctx.layer.bias else [])
        return ctx.activation(ctx.layer.activation, ctx.node("Gemm", inputs))


KIND = DenseKind()
