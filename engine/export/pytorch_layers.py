"""The pieces of a generated PyTorch script that one layer contributes, and the helpers the layer kinds use
to write them. Each kind's `pytorch_code(ctx) -> LayerCode` lives in its own module under engine/kinds/;
engine.export.pytorch puts the pieces together. No torch import here: this is text generation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..shapes import SummaryRow, format_shape

# Python expression of each hidden activation applied to `{}`; the output layer stays linear (logits).
ACTIVATION_CODE = {
    "relu": "torch.relu({})",
    "relu6": "F.relu6({})",
    "leaky_relu": "F.leaky_relu({}, negative_slope=LEAKY_RELU_SLOPE)",
    "tanh": "torch.tanh({})",
    "sigmoid": "torch.sigmoid({})",
    "linear": "{}",
}


@dataclass
class LayerCode:
    """What one layer adds to the script: the line in Net.__init__ (None: no module), the lines of
    Net.forward, and — for a layer with weights — its WEIGHTED_LAYERS entry."""

    init: str | None
    forward: list[str]
    weighted: tuple | None = None   # (attribute, name, layout "filters" | "matrix", W shape, flattened volume)


@dataclass
class LayerContext:
    """What a kind's code function knows about its layer."""

    layer: object           # the layer spec (ConvSpec, PoolSpec, ...)
    row: SummaryRow         # its row of the course table
    attribute: str          # the Python attribute name of its module
    in_shape: tuple         # (n_H, n_W, n_C) or (n,)
    is_output: bool
    flattened_from: tuple | None = None   # the volume (H, W, C) whose flatten feeds this dense layer
    notes: list = field(default_factory=list)


def activated(ctx: LayerContext, call: str) -> str:
    if ctx.is_output:
        return f"x = {call}  # logits: the loss applies the {ctx.layer.activation}"
    return f"x = {ACTIVATION_CODE[ctx.layer.activation].format(call)}"


def comment(ctx: LayerContext) -> str:
    return f"  # {ctx.row.name}: {format_shape(ctx.row.output_shape)}, {ctx.row.params:,} parameters"
