"""Check yourself: the shape table with the computed cells of chosen layers hidden, for the learner to fill in.

`CheckYourself` is an overlay the ShapeTableModel consults while the mode is on (View › Check yourself):
for every layer the learner hides (a checkbox in the Layer column; all layers at first), the Activation
shape, Activation size and # parameters cells show the learner's answer instead of the engine's, are
editable, and are marked right or wrong as soon as an answer is entered; a wrong answer's tooltip shows
the formula with this design's numbers plugged in, and "Show answer" (the table's context menu) reveals a
cell. The Formula, MACs and vs. FC cells of a hidden row stay hidden (they would give the answer away);
the Total row's size and parameters are questions too. Answers are checked against `engine.summarize`
every time they are shown, so an edit of the design re-marks them; they stay when the mode is turned off
and on again, and go when another design is opened. Every row of a layer can be asked, a block's and its
inner layers' too; a layer is named by its path (engine.spec_paths; an int is a top-level index).
"""
from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QLabel, QWidget

from engine.shapes import SummaryRow, format_shape

from .table_model import COL_FORMULA, COL_LAYER, COL_MACS, COL_PARAMS, COL_SHAPE, COL_SIZE, COL_WHY, NOT_MINE

ASKED = (COL_SHAPE, COL_SIZE, COL_PARAMS)
TOTAL_ASKED = (COL_SIZE, COL_PARAMS)   # the Total row: the sums
TOTAL = "total"                        # the Total row's key in the answers (layers are paths)
SHOWN_BACKGROUND = QColor("#e8eaf6")
ANSWER_SAMPLE = "(28, 28, 8)  ✓"       # an answer cell is at least this wide
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


def _path(layer):
    """A row's key: the layer's path; an int is a top-level index (−1: the input); TOTAL stays itself."""
    if layer == TOTAL:
        return TOTAL
    if isinstance(layer, int):
        return () if layer < 0 else (layer,)
    return tuple(layer)


class CheckYourself(QObject):
    """The check-yourself state: which layers are hidden, the learner's answers, the score.

    hide_layers(layers) / set_hidden(layer, bool), answer(layer, column, text) → True/False (right?),
    reveal(layer, column) ("Show answer"), score() → (right, answered, asked), verdict(layer, column) → None /
    True / False. `layer` is a path (or a top-level index), or TOTAL for the Total row.
    Signal `changed()` after any of them (the model repaints, the window updates the score)."""

    changed = Signal()

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self._document = document
        self._hidden: set[tuple] = set()
        self._answers: dict[tuple, str] = {}
        self._revealed: set[tuple] = set()

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
        self._revealed.clear()
        self.changed.emit()

    def has_answers(self) -> bool:
        return bool(self._answers or self._revealed)

    def answer(self, layer, column: int, text: str) -> bool | None:
        """Record the learner's answer for a hidden cell; returns whether it is right (None if blank)."""
        layer = _path(layer)
        text = str(text).strip()
        self._revealed.discard((layer, column))
        if text:
            self._answers[(layer, column)] = text
        else:
            self._answers.pop((layer, column), None)
        self.changed.emit()
        return self.verdict(layer, column)

    def reveal(self, layer, column: int) -> str:
        """"Show answer": the cell shows the engine's number (it counts as shown, not as right)."""
        layer = _path(layer)
        truth = self.truth(layer, column)
        if truth is None:
            return ""
        self._answers.pop((layer, column), None)
        self._revealed.add((layer, column))
        self.changed.emit()
        return truth

    def is_asked(self, layer, column: int) -> bool:
        """A question cell: a hidden layer's shape, size or parameters, or the Total row's sums."""
        layer = _path(layer)
        if layer == TOTAL:
            return bool(self._hidden) and column in TOTAL_ASKED
        row = self._row(layer)
        return layer in self._hidden and column in ASKED and row is not None and row.computable

    def truth(self, layer, column: int) -> str | None:
        """The engine's answer for a question cell, as the table writes it (None if it isn't one)."""
        layer = _path(layer)
        if not self.is_asked(layer, column):
            return None
        if layer == TOTAL:
            summary = self._document.summary
            return f"{summary.total_activation_size if column == COL_SIZE else summary.total_params:,}"
        row = self._row(layer)
        if column == COL_SHAPE:
            return format_shape(row.output_shape)
        return f"{row.activation_size if column == COL_SIZE else row.params:,}"

    def verdict(self, layer, column: int) -> bool | None:
        layer = _path(layer)
        text = self._answers.get((layer, column))
        if text is None or not self.is_asked(layer, column):
            return None
        if layer == TOTAL:
            summary = self._document.summary
            return parse_count(text) == (summary.total_activation_size if column == COL_SIZE
                                         else summary.total_params)
        row = self._row(layer)
        if column == COL_SHAPE:
            return parse_shape(text) == tuple(row.output_shape)
        value = parse_count(text)
        return value == (row.activation_size if column == COL_SIZE else row.params)

    def _asked(self) -> list[tuple]:
        cells = [(layer, c) for layer in sorted(self._hidden) for c in ASKED if self.is_asked(layer, c)]
        return cells + [(TOTAL, c) for c in TOTAL_ASKED if self.is_asked(TOTAL, c)]

    def score(self) -> tuple[int, int, int]:
        """(right, answered, asked) over the question cells (the hidden layers' and the Total row's);
        shown answers count as answered, not as right."""
        asked = self._asked()
        verdicts = [self.verdict(layer, c) for layer, c in asked]
        shown = sum(cell in self._revealed for cell in asked)
        return sum(v is True for v in verdicts), sum(v is not None for v in verdicts) + shown, len(asked)

    def score_text(self) -> str:
        right, answered, asked = self.score()
        if not asked:
            return "Tick a layer's box to hide its numbers, then type your answers."
        shown = sum(cell in self._revealed for cell in self._asked())
        wrong = answered - right - shown
        shown_text = f", {shown} shown" if shown else ""
        return (f"Score: <b>{right}</b> right, <b>{wrong}</b> wrong{shown_text}, {asked - answered} to go "
                f"(of {asked} cells). Double-click a '?' to answer; point at a red cell for the formula, or "
                "right-click it: Show answer.")

    def _row(self, layer) -> SummaryRow | None:
        return self._document.summary.row_at(layer) if layer and layer != TOTAL else None

    # ----- what the table shows ------------------------------------------------------------------
    def data(self, layer: tuple | None, column: int, role):
        """The overlay's value for a cell of the row of `layer` (a path; () the input, None the totals),
        or NOT_MINE."""
        if layer is None:  # the totals row: its sums would give the hidden numbers away, so they are asked
            if self._hidden and column == COL_MACS and role == _DISPLAY:
                return ""
            if not self.is_asked(TOTAL, column):
                return NOT_MINE
            return self._question(TOTAL, column, role)
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
        return self._question(layer, column, role)

    def _question(self, layer, column: int, role):
        """A question cell: "?", the learner's answer marked ✓ / ✗, or the answer shown."""
        if (layer, column) in self._revealed:
            truth = self.truth(layer, column)
            if role in (_DISPLAY, _EDIT):
                return truth if role == _EDIT else f"{truth}  (shown)"
            if role == _BACKGROUND:
                return QBrush(SHOWN_BACKGROUND)
            if role == _TOOLTIP:
                return "Shown (Show answer): type your own to try again."
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
                return ("Your answer: double-click (or start typing) and press Enter. Right-click: Show answer."
                        + (" The Total row: the sum of the column." if layer == TOTAL else ""))
            if verdict:
                return "Right."
            if layer == TOTAL:
                return f"Not {text}. The total is the sum of the column's numbers above."
            return f"Not {text}. {explain(self._row(layer), column)}"
        return NOT_MINE

    @staticmethod
    def answer_sample(column: int) -> str:
        """An answer cell is wide enough for "(28, 28, 8)  ✓" and a number with its mark."""
        return ANSWER_SAMPLE if column == COL_SHAPE else "1,234,567  ✓" if column in ASKED else ""

    def flags(self, layer: tuple | None, column: int, flags):
        if layer is None:
            return flags | Qt.ItemFlag.ItemIsEditable if self.is_asked(TOTAL, column) else flags
        if not layer:
            return flags
        if column == COL_LAYER:
            return flags | Qt.ItemFlag.ItemIsUserCheckable
        if self.is_asked(layer, column):
            return flags | Qt.ItemFlag.ItemIsEditable
        return flags

    def set_data(self, layer: tuple | None, column: int, value, role) -> bool:
        if layer is None:
            if role == _EDIT and self.is_asked(TOTAL, column):
                self.answer(TOTAL, column, value)
                return True
            return False
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

    `show_answer_action` ("Show answer", in the table's context menu while the mode is on) reveals the
    current cell's answer.

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
        self.show_answer_action = QAction("Show &answer", view)
        self.show_answer_action.setObjectName("showAnswerAction")
        self.show_answer_action.setToolTip("Show the right answer in this cell (it counts as shown, not as right)")
        self.show_answer_action.setStatusTip(self.show_answer_action.toolTip())
        self.show_answer_action.triggered.connect(self.show_answer)
        self.show_answer_action.setVisible(False)
        view.addAction(self.show_answer_action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
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
            if not self.check.hidden_layers() and not self.check.has_answers():
                self.check.hide_all()       # the first time: every layer; after that, as it was left
            self._restore = [(w, w.isVisible()) for w in self._revealing]
            for widget, _ in self._restore:
                widget.hide()
            self._model.set_overlay(self.check)
            view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                 | QAbstractItemView.EditTrigger.EditKeyPressed
                                 | QAbstractItemView.EditTrigger.AnyKeyPressed)
            self.score_label.show()
            self.show_answer_action.setVisible(True)
            self._update_score()
        else:
            self._model.set_overlay(None)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            for widget, visible in self._restore:
                widget.setVisible(visible)
            self._restore = []
            self.score_label.hide()
            self.show_answer_action.setVisible(False)
        view.fit_columns()
        self.activeChanged.emit(on)

    def show_answer(self) -> str:
        """Reveal the answer of the table's current cell (a question cell); "" when it is none."""
        index = self._view.currentIndex()
        if not self._active or not index.isValid():
            return ""
        path = self._model.path_for_row(index.row())
        return self.check.reveal(TOTAL if path is None else path, index.column())

    def _new_design(self) -> None:
        """Another design opened: its answers start over (every layer hidden when checking now)."""
        self.check.clear_answers()
        if self.active:
            self.check.hide_all()
        else:
            self.check.hide_layers(())

    def _update_score(self) -> None:
        self.score_label.setText(self.check.score_text())
