"""Check yourself: the shape table with the computed cells of chosen layers hidden, for the learner to fill in.

`CheckYourself` is an overlay the ShapeTableModel consults while the mode is on (View › Check yourself):
for every layer the learner hides (a checkbox in the Layer column; all layers at first), the Activation
shape, Activation size and # parameters cells show the learner's answer instead of the engine's, are
editable, and are marked right or wrong as soon as an answer is entered; a wrong answer's tooltip shows
the formula with this design's numbers plugged in. The Formula, MACs and vs. FC cells of a hidden row stay
hidden (they would give the answer away). Answers are checked against `engine.summarize` every time
they are shown, so an edit of the design re-marks them. Every row of a layer can be asked, a block's and
its inner layers' too; a layer is named by its path (engine.spec_paths; an int is a top-level index).
"""
from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from engine.shapes import SummaryRow, format_shape

from .table_model import COL_FORMULA, COL_LAYER, COL_MACS, COL_PARAMS, COL_SHAPE, COL_SIZE, COL_WHY, NOT_MINE

ASKED = (COL_SHAPE, COL_SIZE, COL_PARAMS)
RIGHT_BACKGROUND = QColor("#dff3df")
WRONG_BACKGROUND = QColor("#fde7e7")
ASK_BACKGROUND = QColor("#fff8e1")
QUESTION = "?"

# Roles as plain ints: the model passes `role.value` (custom roles are ints, not enum members).
_DISPLAY, _EDIT, _TOOLTIP, _BACKGROUND, _FOREGROUND, _CHECK = (
    r.value for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
                      Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
                      Qt.ItemDataRole.CheckStateRole))
RIGHT_TEXT = QColor("#1b5e20")
WRONG_TEXT = QColor("#b3261e")


def parse_shape(text: str) -> tuple | None:
    """"(10,10,16)", "10x10x16", "10×10×16", "10 10 16" → (10, 10, 16); "(120,1)" or "120" → (120,);
    None when it is not a shape."""
    parts = [p for p in re.split(r"[x×*,;\s()\[\]]+", text.strip().lower()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    dims = tuple(int(p) for p in parts)
    if len(dims) == 2 and dims[1] == 1:
        dims = dims[:1]          # the course writes a vector as (120,1)
    return dims if len(dims) in (1, 3) else None


def parse_count(text: str) -> int | None:
    """"3,216", "3216", "3 216" → 3216; None when it is not a whole number."""
    cleaned = re.sub(r"[,\s_']", "", text.strip())
    return int(cleaned) if cleaned.isdigit() else None


def _formula_part(row: SummaryRow, value: str) -> str:
    """The part of the row's formula ("a; b; c") that works out `value` ("= 3,216")."""
    for part in row.formula.split("; "):
        if value in part:
            return part
    return ""


def explain(row: SummaryRow, column: int) -> str:
    """How the engine got the cell: the formula with this design's numbers plugged in."""
    shape = row.output_shape
    first = row.formula.split("; ")[0]
    if column == COL_SHAPE:
        if row.is_block:
            return f"the block joins its lists: {first} → {format_shape(shape)}"
        windows = [p for p in row.formula.split("; ") if "⌊" in p]
        if windows and len(shape) == 3:
            channels = ("n_C = the number of filters" if row.params else "n_C unchanged (pooling keeps the "
                                                                            "channels)")
            return (f"n_H = n_W = ⌊(n + 2p − f)/s⌋ + 1: {windows[0]}; {channels} = {shape[2]} → "
                    f"{format_shape(shape)}")
        if len(shape) == 1:
            return f"a vector of {shape[0]:,} values, written ({shape[0]},1)"
        if row.input_shape is not None and tuple(row.input_shape) == tuple(shape):
            return f"the same volume as the layer before: {format_shape(shape)}"
        return f"{first} → {format_shape(shape)}"
    if column == COL_SIZE:
        return f"n_H·n_W·n_C = {'·'.join(str(d) for d in shape)} = {row.activation_size:,}"
    if row.is_block:
        return f"the parameters of the layers inside it, added: {row.params:,}"
    part = _formula_part(row, f"= {row.params:,}")
    if row.params == 0 or not part:
        return "no parameters: this layer learns nothing"
    W = row.param_shapes.get("W", ())
    if len(W) == 4 and part.startswith(f"({W[0]}·{W[1]}·{W[2]} + 1)"):
        return f"(f·f·n_C_prev + 1)·n_C = {part}"
    if len(W) == 2 and part.startswith(f"{W[0]}·{W[1]} + "):
        return f"n_in·n_out + n_out = {part}"
    return part


def _path(layer) -> tuple:
    """A row's key: the layer's path; an int is a top-level index (−1: the input)."""
    if isinstance(layer, int):
        return () if layer < 0 else (layer,)
    return tuple(layer)


class CheckYourself(QObject):
    """The check-yourself state: which layers are hidden, the learner's answers, the score.

    hide_layers(layers) / set_hidden(layer, bool), answer(layer, column, text) → True/False (right?),
    score() → (right, answered, asked), verdict(layer, column) → None / True / False; `layer` is a path
    (or a top-level index).
    Signal `changed()` after any of them (the model repaints, the window updates the score)."""

    changed = Signal()

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self._document = document
        self._hidden: set[tuple] = set()
        self._answers: dict[tuple[tuple, int], str] = {}

    # ----- state -----------------------------------------------------------------------------
    def hide_all(self) -> None:
        self.hide_layers([row.path for row in self._document.summary.rows[1:]])

    def hide_layers(self, layers) -> None:
        self._hidden = {_path(layer) for layer in layers}
        self.changed.emit()

    def set_hidden(self, layer, hidden: bool) -> None:
        (self._hidden.add if hidden else self._hidden.discard)(_path(layer))
        self.changed.emit()

    def hidden_layers(self) -> set[tuple]:
        return set(self._hidden)

    def clear_answers(self) -> None:
        self._answers.clear()
        self.changed.emit()

    def answer(self, layer, column: int, text: str) -> bool | None:
        """Record the learner's answer for a hidden cell; returns whether it is right (None if blank)."""
        layer = _path(layer)
        text = str(text).strip()
        if text:
            self._answers[(layer, column)] = text
        else:
            self._answers.pop((layer, column), None)
        self.changed.emit()
        return self.verdict(layer, column)

    def verdict(self, layer, column: int) -> bool | None:
        layer = _path(layer)
        text = self._answers.get((layer, column))
        row = self._row(layer)
        if text is None or row is None or not row.computable:
            return None
        if column == COL_SHAPE:
            return parse_shape(text) == tuple(row.output_shape)
        value = parse_count(text)
        return value == (row.activation_size if column == COL_SIZE else row.params)

    def score(self) -> tuple[int, int, int]:
        """(right, answered, asked) over the hidden layers' cells."""
        asked = [(layer, c) for layer in self._hidden if self._row(layer) is not None for c in ASKED]
        verdicts = [self.verdict(layer, c) for layer, c in asked]
        return sum(v is True for v in verdicts), sum(v is not None for v in verdicts), len(asked)

    def score_text(self) -> str:
        right, answered, asked = self.score()
        if not asked:
            return "Tick a layer's box to hide its numbers, then type your answers."
        wrong = answered - right
        return (f"Score: <b>{right}</b> right, <b>{wrong}</b> wrong, {asked - answered} to go "
                f"(of {asked} cells). Double-click a '?' to answer; point at a red cell for the formula.")

    def _row(self, layer: tuple) -> SummaryRow | None:
        return self._document.summary.row_at(layer) if layer else None

    # ----- what the table shows ------------------------------------------------------------------
    def data(self, layer: tuple | None, column: int, role):
        """The overlay's value for a cell of the row of `layer` (a path; () the input, None the totals),
        or NOT_MINE."""
        if layer is None:  # the totals row: its sums would give the hidden numbers away
            if self._hidden and column in (COL_SIZE, COL_PARAMS, COL_MACS) and role == _DISPLAY:
                return "?" if column in ASKED else ""
            return NOT_MINE
        if not layer:
            return NOT_MINE
        if column == COL_LAYER and role == _CHECK:
            return Qt.CheckState.Checked if layer in self._hidden else Qt.CheckState.Unchecked
        row = self._row(layer)
        if layer not in self._hidden or row is None or not row.computable:
            return NOT_MINE
        # MACs give the answers away too: a dense layer's parameters are its MACs plus its units, and a
        # conv layer's MACs are its output size times f·f·n_C_prev.
        if column in (COL_FORMULA, COL_WHY, COL_MACS):
            if role == _DISPLAY:
                return "(hidden: check yourself)" if column == COL_FORMULA else ""
            if role == _TOOLTIP:
                return "Hidden while you check yourself; untick the layer to see it."
            return NOT_MINE
        if column not in ASKED:
            return NOT_MINE
        text = self._answers.get((layer, column), "")
        verdict = self.verdict(layer, column)
        if role == _EDIT:
            return text
        if role == _DISPLAY:
            return QUESTION if not text else f"{text}  {'✓' if verdict else '✗'}"
        if role == _BACKGROUND:
            colour = ASK_BACKGROUND if verdict is None else RIGHT_BACKGROUND if verdict else WRONG_BACKGROUND
            return QBrush(colour)
        if role == _FOREGROUND and verdict is not None:  # still readable on a selected row
            return QBrush(RIGHT_TEXT if verdict else WRONG_TEXT)
        if role == _TOOLTIP:
            if verdict is None:
                return "Your answer: double-click (or start typing) and press Enter."
            if verdict:
                return "Right."
            return f"Not {text}. {explain(row, column)}"
        return NOT_MINE

    def flags(self, layer: tuple | None, column: int, flags):
        if not layer:
            return flags
        if column == COL_LAYER:
            return flags | Qt.ItemFlag.ItemIsUserCheckable
        row = self._row(layer)
        if column in ASKED and layer in self._hidden and row is not None and row.computable:
            return flags | Qt.ItemFlag.ItemIsEditable
        return flags

    def set_data(self, layer: tuple | None, column: int, value, role) -> bool:
        if not layer:
            return False
        if column == COL_LAYER and role == _CHECK:
            self.set_hidden(layer, getattr(value, "value", value) == Qt.CheckState.Checked.value)
            return True
        if column in ASKED and role == _EDIT and layer in self._hidden:
            self.answer(layer, column, value)
            return True
        return False


class CheckYourselfMode(QObject):
    """Turns the mode on and off on the Design tab: the overlay on its shape table, the score line above
    it, and out of sight whatever gives the answers away (the diagram, the property editor with its
    output line, and — through `activeChanged` — the window's status bar totals). Leaving shows
    everything as it was.

    Signal activeChanged(bool): the mode went on (True) or off.
    """

    activeChanged = Signal(bool)

    def __init__(self, document, model, view, revealing: list[QWidget], parent=None):
        """`model` the ShapeTableModel shown in `view` (a ShapeTableView); `revealing`: widgets hidden
        while the mode is on."""
        super().__init__(parent)
        self._model, self._view, self._revealing = model, view, revealing
        self.check = CheckYourself(document, self)
        self.score_label = QLabel()
        self.score_label.setObjectName("checkYourselfScore")
        self.score_label.setWordWrap(True)
        self.score_label.setStyleSheet("QLabel { background: #fff8e1; border: 1px solid #f0d98c; "
                                       "border-radius: 4px; padding: 6px 8px; }")
        self.score_label.hide()
        self.check.changed.connect(self._update_score)
        document.changed.connect(self._update_score)
        document.specReset.connect(self._new_design)
        self._active = False
        self._restore: list = []

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, on: bool) -> None:
        if on == self._active:
            return
        self._active = on
        view = self._view
        if on:
            self.check.clear_answers()
            self.check.hide_all()
            self._restore = [(w, w.isVisible()) for w in self._revealing]
            for widget, _ in self._restore:
                widget.hide()
            self._model.set_overlay(self.check)
            view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                 | QAbstractItemView.EditTrigger.EditKeyPressed
                                 | QAbstractItemView.EditTrigger.AnyKeyPressed)
            self.score_label.show()
            self._update_score()
        else:
            self._model.set_overlay(None)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            for widget, visible in self._restore:
                widget.setVisible(visible)
            self._restore = []
            self.score_label.hide()
        view.fit_columns()
        self.activeChanged.emit(on)

    def _new_design(self) -> None:
        """Another design opened while checking: start over on it, every layer hidden."""
        if self.active:
            self.check.clear_answers()
            self.check.hide_all()

    def _update_score(self) -> None:
        self.score_label.setText(self.check.score_text())
