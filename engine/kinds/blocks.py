"""What the block kinds (residual, concat) share: the compute layer that runs inner lists, the checks of
inner lists, the words for shapes, and the PyTorch code of an inner list.

A block is a layer whose spec holds lists of layer specs (`LayerKind.child_lists`); its compute layer
holds the built lists and runs them in its own forward and backward with engine.layers.forward_list /
backward_list, so the network's top level stays a plain list of layers. Blocks nest: an inner list may
hold blocks.
"""
from __future__ import annotations

import numpy as np

from ..layers import ActivatedLayer, Layer, backward_list, forward_list
from ..shapes import format_count
from .checks import SpecError
from .registry import is_registered


def shape_words(shape) -> str:
    """28×28×128 for a volume, "64 units" for a vector."""
    if len(shape) == 1:
        return f"{format_count(shape[0])} units"
    return "×".join(str(d) for d in shape)


def check_layer_list(where: str, what: str, value) -> None:
    """SpecError unless `value` is a list of layer specs (objects of a registered type). For specs built
    in code; JSON is checked while it is parsed."""
    if not isinstance(value, list):
        raise SpecError(f"{where}: {what} must be a list of layers, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not is_registered(getattr(item, "type", None)):
            raise SpecError(f"{where}: {what}: item {i + 1} is not a layer")


class BlockLayer(ActivatedLayer):
    """A layer that runs inner lists of layers (`lists`, in child_lists order), then joins their outputs
    and applies its activation ("linear" for none)."""

    def __init__(self, name: str, lists: list, activation: str = "linear"):
        super().__init__(name, activation)
        self.lists = lists

    def sublayers(self) -> list:
        return [layer for inner in self.lists for layer in inner]

    def run_lists(self, x: np.ndarray, training: bool) -> list:
        """Each inner list's output for x (an empty list gives x itself)."""
        return [forward_list(inner, x, training) for inner in self.lists]

    def backward_lists(self, douts: list, grads: dict, need_input_grad: bool):
        """The gradient at the block's input: the sum over the lists of each list's input gradient, from
        `douts` (one per list, the gradient at its output). None when not needed."""
        dx, owned = None, False
        for inner, dout in zip(self.lists, douts):
            d = backward_list(inner, dout, grads, need_input_grad)
            if not need_input_grad:
                continue
            if dx is None:
                dx = d                       # may be a view of dout (an identity list): never written to
            elif owned:
                dx += d
            else:
                dx, owned = dx + d, True
        return dx


__all__ = ["BlockLayer", "Layer", "check_layer_list", "shape_words"]
