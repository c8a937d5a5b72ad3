"""The designer's visuals per layer kind (colour, letter, add-button tooltip) with a default for a
kind that has none, and the designer's words for layers, taken from the engine's kinds.

Nothing here computes shapes or knows a kind's fields: the kind (engine/kinds/) names itself,
describes its settings and makes new layers. A new kind only adds its colour and letter here.
"""
from __future__ import annotations

from engine.kinds import kind_for, kind_of, type_names
from engine.shapes import shape_before

INPUT_TITLE = "Input volume"
DEFAULT_COLOR = "#757575"

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


def kind_types() -> tuple[str, ...]:
    """The layer kinds a user can add, in button order (the engine's registration order)."""
    return type_names()


def color(kind: str) -> str:
    return COLORS.get(kind, DEFAULT_COLOR)


def letter(kind: str) -> str:
    if kind in LETTERS:
        return LETTERS[kind]
    return kind[:1].upper() or "?"


def title(kind: str) -> str:
    """"Convolution layer", "Input volume", or the type itself for a kind nobody registered."""
    if kind == "input":
        return INPUT_TITLE
    try:
        return kind_for(kind).title or kind
    except ValueError:
        return kind


def button_label(kind: str) -> str:
    return kind_for(kind).label or kind.capitalize()


def add_tooltip(kind: str) -> str:
    if kind in ADD_TOOLTIPS:
        return ADD_TOOLTIPS[kind]
    return f"Add a {title(kind).lower()} after the selected layer. {kind_for(kind).hint}".strip()


def add_button_name(kind: str) -> str:
    """The add button's objectName: addConvButton, addPoolButton, ..."""
    return f"add{kind[:1].upper()}{kind[1:]}Button"


def add_shortcut(kind: str) -> str | None:
    """Ctrl+1 … Ctrl+9 in button order; kinds after the ninth have none."""
    position = kind_types().index(kind) + 1
    return f"Ctrl+{position}" if position <= 9 else None


def default_layer(kind: str, spec, index: int):
    """A new layer of `kind` that makes sense at position `index` of `spec.layers` (the kind
    decides, e.g. a conv doubles the filters of the conv before it; a block fits the shape there).
    Its name stays None, so it is numbered automatically."""
    return kind_for(kind).new_layer(list(spec.layers[:index]), shape_before(spec, index))


def describe(layer) -> str:
    """The layer's own settings in a few words: "8 × 5×5, s1, valid, relu"."""
    return kind_of(layer).describe(layer)


def describe_input(shape) -> str:
    n_H, n_W, n_C = shape
    return f"{n_H}×{n_W}×{n_C}"
