"""The designer's catalogue of layer kinds: titles, colours, defaults for new layers, and the
one-line description shown in the layer list.

Nothing here computes shapes; descriptions only restate the layer's own fields.
"""
from __future__ import annotations

from engine.spec import MAX_FILTERS, ConvSpec, DenseSpec, DropoutSpec, FlattenSpec, NetworkSpec, PoolSpec

KINDS = ("conv", "pool", "dense", "flatten", "dropout")

# Short button labels use the course's vocabulary (FC, not "Dense").
BUTTON_LABELS = {"conv": "Conv", "pool": "Pool", "dense": "FC", "flatten": "Flatten", "dropout": "Dropout"}
TITLES = {
    "input": "Input volume",
    "conv": "Convolution layer",
    "pool": "Pooling layer",
    "dense": "Fully connected layer",
    "flatten": "Flatten",
    "dropout": "Dropout",
}
ADD_TOOLTIPS = {
    "conv": "Add a convolution layer after the selected layer: n_C filters of f×f×n_C_prev, "
            "stride s, padding p, then an activation.",
    "pool": "Add a pooling layer after the selected layer: max or average over f×f windows with "
            "stride s. Channels stay the same; no parameters.",
    "dense": "Add a fully connected (FC) layer after the selected layer. A volume before it is "
             "flattened. Use softmax on the last layer for the class scores.",
    "flatten": "Add an explicit flatten after the selected layer: n_H×n_W×n_C → a vector of "
               "n_H·n_W·n_C values (FC layers also flatten implicitly).",
    "dropout": "Add dropout after the selected layer: while training, zero a fraction of the values "
               "at random. Shape unchanged; no parameters.",
}
# Colours that tell the kinds apart in the list, on the buttons and in the table.
COLORS = {
    "input": "#607d8b",
    "conv": "#1e88e5",
    "pool": "#43a047",
    "dense": "#fb8c00",
    "flatten": "#8d6e63",
    "dropout": "#8e24aa",
}
LETTERS = {"input": "I", "conv": "C", "pool": "P", "dense": "F", "flatten": "⇲", "dropout": "D"}


def default_layer(kind: str, spec: NetworkSpec, index: int):
    """A new layer of `kind` that makes sense at position `index` of `spec.layers`.

    A conv doubles the filters of the conv before it (8, 16, 32, ... as in LeNet-5); everything
    else takes the course's usual values. The name stays None so it is numbered automatically.
    """
    if kind == "conv":
        previous = [layer.filters for layer in spec.layers[:index] if layer.type == "conv"]
        filters = min(previous[-1] * 2, MAX_FILTERS) if previous else 8
        return ConvSpec(filters=filters, size=3, stride=1, padding="valid", activation="relu")
    if kind == "pool":
        return PoolSpec(mode="max", size=2, stride=2)
    if kind == "dense":
        return DenseSpec(units=64, activation="relu")
    if kind == "flatten":
        return FlattenSpec()
    if kind == "dropout":
        return DropoutSpec(rate=0.5)
    raise ValueError(f"unknown layer kind {kind!r}")


def _padding_text(padding) -> str:
    if isinstance(padding, str):
        return padding
    return f"p{padding}"


def describe(layer) -> str:
    """The layer's own settings in a few words: "8 × 5×5, s1, valid, relu"."""
    kind = layer.type
    if kind == "conv":
        return (f"{layer.filters} × {layer.size}×{layer.size}, s{layer.stride}, "
                f"{_padding_text(layer.padding)}, {layer.activation}")
    if kind == "pool":
        return f"{layer.mode} {layer.size}×{layer.size}, s{layer.stride}"
    if kind == "dense":
        units = "unit" if layer.units == 1 else "units"
        return f"{layer.units:,} {units}, {layer.activation}"
    if kind == "flatten":
        return "volume → vector"
    if kind == "dropout":
        return f"rate {layer.rate:g}"
    return ""


def describe_input(shape) -> str:
    n_H, n_W, n_C = shape
    return f"{n_H}×{n_W}×{n_C}"
