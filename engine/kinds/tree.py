"""Walking a design's layers through blocks: every layer with its place in the nested lists."""
from __future__ import annotations

from .registry import kind_of


def walk_layers(layers: list):
    """(path, layer, depth, parent layer, branch label) of every layer in `layers` and in the blocks
    among them, in table order (a block before its inner layers, its lists in child_lists order).
    A path is (i,) for layers[i], plus (list, position) per level inside blocks (engine.spec.LayerEntry).
    Iterative: a design nested deeper than Python's stack is walked too."""
    stack = [((i,), layer, 0, None, None) for i, layer in reversed(list(enumerate(layers)))]
    while stack:
        path, layer, depth, parent, branch = stack.pop()
        yield path, layer, depth, parent, branch
        inner = []
        for position, (label, sublist) in enumerate(kind_of(layer).child_lists(layer)):
            for i, child in enumerate(sublist):
                inner.append((path + (position, i), child, depth + 1, layer, label))
        stack.extend(reversed(inner))
