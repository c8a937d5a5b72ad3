"""The pieces of a generated PyTorch script that one layer contributes, and the helpers the layer kinds use
to write them. Each kind's `pytorch_code(ctx) -> LayerCode` lives in its own module under engine/kinds/;
engine.export.pytorch puts the pieces together. No torch import here: this is text generation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

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
    # (attribute, name, layout, engine weight shape, flattened volume); layout "filters" (conv W
    # (f, f, n_C_prev, n_C)), "matrix" (dense W (n_in, n_out)), "depthwise" (W (f, f, n_C, multiplier)) or
    # "batchnorm" (gamma, beta and the running statistics, shape (n,)). The exporter adds whether there is a b.
    weighted: tuple | None = None


@dataclass
class LayerContext:
    """What a kind's code function knows about its layer.

    Blocks write their inner lists with `inner_code(position)` (the forward lines of inner list number
    `position`, reading and writing `x`) and keep values in fresh local names from `variable(prefix)`.
    """

    layer: object           # the layer spec (ConvSpec, PoolSpec, ...)
    row: SummaryRow         # its row of the course table
    attribute: str          # the Python attribute name of its module
    in_shape: tuple         # (n_H, n_W, n_C) or (n,)
    is_output: bool
    flattened_from: tuple | None = None   # the volume (H, W, C) whose flatten feeds this dense layer
    notes: list = field(default_factory=list)
    depth: int = 0                        # 0 at the top level, 1 inside a block, ...
    inner_code: Callable[[int], list] | None = None
    variable: Callable[[str], str] | None = None

    def activation_code(self, activation: str, expression: str) -> str:
        """`expression` through a hidden activation, as Python code."""
        return ACTIVATION_CODE[activation].format(expression)


def activated(ctx: LayerContext, call: str) -> str:
    if ctx.is_output:
        return f"x = {call}  # logits: the loss applies the {ctx.layer.activation}"
    return f"x = {ACTIVATION_CODE[ctx.layer.activation].format(call)}"


def comment(ctx: LayerContext) -> str:
    return f"  # {ctx.row.name}: {format_shape(ctx.row.output_shape)}, {ctx.row.params:,} parameters"
