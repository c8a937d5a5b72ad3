"""The residual block (ResNet's skip connection): output = activation(main(x) + shortcut(x)).

The course's a[l+2] = g(z[l+2] + a[l]): the shortcut adds the block's input before the last activation,
so a block whose main path learns zero is the identity and very deep networks still train. An empty
shortcut is the identity; a 1×1 conv (stride s, n_C filters) in it matches a main path that shrinks the
size or changes the channels. Parameters and MACs: those of the inner layers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..shapes import conv_output_size, format_count
from .base import BuildContext, FieldInfo, LayerKind, LayerShape, ShapeError
from .blocks import BlockLayer, check_layer_list, shape_words
from .checks import HIDDEN_ACTIVATIONS, choice_field
from .registry import kind_for
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext


@dataclass
class ResidualSpec:
    activation: str = "relu"
    layers: list = field(default_factory=list)
    shortcut: list = field(default_factory=list)
    name: str | None = None
    type: str = field(default="residual", init=False, repr=False)


class Residual(BlockLayer):
    """x → activation(main(x) + shortcut(x)), any shape the two paths agree on."""

    def forward(self, x, training=False):
        main, shortcut = self.run_lists(x, training)
        return self._activate(main + shortcut, training)      # a fresh array: the paths' outputs stay intact

    def backward(self, dout, grads, need_input_grad=True):
        dz = self._activation_grad(dout)
        return self.backward_lists([dz, dz], grads, need_input_grad)


def _shortcut_advice(main, shortcut) -> str:
    """How to make the shortcut give the main path's shape."""
    if len(main) == 1:
        return f"add a dense layer of {format_count(main[0])} units to the shortcut"
    if len(shortcut) == 3:
        (h1, w1, c1), (h2, w2, _) = main, shortcut
        for s in range(1, max(h2, w2) + 1):
            if conv_output_size(h2, 1, 0, s) == h1 and conv_output_size(w2, 1, 0, s) == w1:
                stride = f" with stride {s} and" if s > 1 else " with"
                return f"add a 1×1 conv{stride} {c1} filters to the shortcut"
        return (f"no 1×1 conv in the shortcut turns {h2}×{w2} into {h1}×{w1}; use \"same\" padding in the main "
                f"path (its output side is then ⌈n/s⌉) or make both paths give the same shape")
    return "make both paths give the same shape"


class ResidualKind(LayerKind):
    type_name = "residual"
    spec_class = ResidualSpec
    label = "Residual"
    title = "Residual block"
    hint = ("A skip connection (ResNet): the block's input is added to its main path's output before the "
            "activation, a[l+2] = g(z[l+2] + a[l]). An empty shortcut is the identity.")
    required = ("layers",)
    editable = (
        FieldInfo("activation", "Activation", "choice", "g: applied after main + shortcut (linear: none, as in "
                  "MobileNetV2).", choices=HIDDEN_ACTIVATIONS),
    )
    own_numbering = True
    is_block = True
    join_style = "add"

    def child_lists(self, layer):
        return [("main", layer.layers), ("shortcut", layer.shortcut)]

    def parse_lists(self, values, where, parse_list):
        values = dict(values)
        values["layers"] = parse_list(values.get("layers"), "main", "field 'layers' (the main path)")
        if "shortcut" in values:
            values["shortcut"] = parse_list(values["shortcut"], "shortcut", "field 'shortcut'")
        return values

    def validate(self, layer, where):
        choice_field(where, "activation", layer.activation, HIDDEN_ACTIVATIONS)
        check_layer_list(where, "field 'layers' (the main path)", layer.layers)
        check_layer_list(where, "field 'shortcut'", layer.shortcut)

    def new_layer(self, before, in_shape=None, inside_block=False):
        """conv 3×3 same → batch norm relu → conv 3×3 same → batch norm, identity shortcut, with the
        incoming channels (a dense version for a vector input), so it fits where it is inserted."""
        conv, dense, bn = kind_for("conv").spec_class, kind_for("dense").spec_class, kind_for("batchnorm").spec_class
        if in_shape is not None and len(in_shape) == 1:
            n = in_shape[0]
            main = [dense(units=n, activation="linear", bias=False), bn(activation="relu"),
                    dense(units=n, activation="linear", bias=False), bn()]
        else:
            n_C = in_shape[2] if in_shape is not None else 16
            main = [conv(filters=n_C, size=3, padding="same", activation="linear", bias=False), bn(activation="relu"),
                    conv(filters=n_C, size=3, padding="same", activation="linear", bias=False), bn()]
        return ResidualSpec(activation="relu", layers=main, shortcut=[])

    def auto_name(self, layer, number, is_last):
        return f"RES{number}"

    def describe(self, layer):
        shortcut = "identity shortcut" if not layer.shortcut else f"{len(layer.shortcut)}-layer shortcut"
        return f"{len(layer.layers)} layers + {shortcut}, then {layer.activation}"

    def join(self, layer, in_shape, paths, is_last):
        main, shortcut = paths
        if main.output_shape != shortcut.output_shape:
            raise ShapeError(f"the main path gives {shape_words(main.output_shape)} but the shortcut gives "
                             f"{shape_words(shortcut.output_shape)}: "
                             f"{_shortcut_advice(main.output_shape, shortcut.output_shape)}")
        params = main.params + shortcut.params
        sc = "shortcut (identity)" if shortcut.layers == 0 else "shortcut"
        then = "" if layer.activation == "linear" else f", then {layer.activation}"
        formula = (f"main + {sc} = {shape_words(main.output_shape)}{then}; "
                   f"{format_count(params)} parameters inside")
        return LayerShape(tuple(main.output_shape), params, main.macs + shortcut.macs, formula)

    def build(self, layer, context: BuildContext):
        return Residual(context.name, context.children, layer.activation)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        block_input, main = ctx.variable("block_input"), ctx.variable("main")
        lines = [f"{block_input} = x  # {ctx.row.name}: residual block, main path then shortcut"]
        lines += ctx.inner_code(0)
        lines += [f"{main} = x", f"x = {block_input}"]
        lines += ctx.inner_code(1) or [f"# {ctx.row.name}: identity shortcut"]
        total = f"{main} + x"
        lines.append(f"x = {ctx.activation_code(ctx.layer.activation, total)}  # {ctx.row.name}: main + shortcut")
        return LayerCode(None, lines)

    def onnx_export(self, ctx: OnnxContext) -> str:
        main, shortcut = ctx.inner(0, ctx.input), ctx.inner(1, ctx.input)
        return ctx.activation(ctx.layer.activation, ctx.node("Add", [main, shortcut]))


KIND = ResidualKind()
