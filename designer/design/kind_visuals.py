"""How a layer kind looks in the designer: its colour, its letter, the tile icon drawn from them, and
the designer's words for a layer, taken from the engine's kinds.

Nothing here computes shapes or describes a kind's fields: the kind (engine/kinds/) names itself
(`label`, `title`), says what it computes (`hint`, also the add button's tooltip) and describes its
settings. A new kind only adds its colour and letter here (without them: grey, first letter).
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from engine.kinds import kind_for, kind_of, type_names

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
    """The add button's tooltip: where the layer goes, then the kind's own `hint`."""
    return f"Add a {title(kind).lower()} after the selected layer. {kind_for(kind).hint}".strip()


def add_button_name(kind: str) -> str:
    """The add button's objectName: addConvButton, addPoolButton, ..."""
    return f"add{kind[:1].upper()}{kind[1:]}Button"


def add_shortcut(kind: str) -> str | None:
    """Ctrl+1 … Ctrl+9 in button order; kinds after the ninth have none."""
    position = kind_types().index(kind) + 1
    return f"Ctrl+{position}" if position <= 9 else None


def describe(layer) -> str:
    """The layer's own settings in a few words: "8 × 5×5, s1, valid, relu"."""
    return kind_of(layer).describe(layer)


def describe_input(shape) -> str:
    n_H, n_W, n_C = shape
    return f"{n_H}×{n_W}×{n_C}"


# ----- the tile: a coloured square with the kind's letter, on the add buttons and in the layer list -----
def _tile(kind: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(color(kind))
    painter.setPen(QPen(fill.darker(125), max(1.0, size / 16)))
    painter.setBrush(fill)
    inset = max(1.0, size / 16)
    rect = QRectF(inset, inset, size - 2 * inset, size - 2 * inset)
    painter.drawRoundedRect(rect, size / 5, size / 5)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(7, int(size * 0.62)))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, letter(kind))
    painter.end()
    return pixmap


@lru_cache(maxsize=None)
def kind_icon(kind: str) -> QIcon:
    """The tile icon for a layer kind ("input", "conv", ...). Needs a QGuiApplication."""
    icon = QIcon()
    for size in (16, 20, 24, 32, 48):
        icon.addPixmap(_tile(kind, size))
    return icon
