"""The course's layer table as a Qt model over `engine.summarize`.

Columns: Layer, Activation shape, Activation size, # parameters, MACs, vs. FC (why convolutions: the
conv rows' "31,700× fewer"; the window hides it until View › Why convolutions), Formula; one row per
summary row (the input first) and a totals row. The model only formats what the document's
Summary says — no shape arithmetic here.

Roles: DisplayRole (formatted text, thousands separators), ToolTipRole, ForegroundRole /
BackgroundRole (red for a layer that cannot work, grey for the rows it blocks),
TextAlignmentRole, FontRole (bold totals), and the designer's own roles (`designer.roles`): StateRole,
KindRole, LayerIndexRole and RawValueRole (the unformatted number or shape).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from engine.shapes import Summary, format_shape, row_status

from ..document import DesignDocument
from .roles import KindRole, LayerIndexRole, RawValueRole, StateRole
from .row_sync import LayerRowsMixin

NOT_MINE = object()  # an overlay's "no opinion on this cell" (designer.check_yourself uses this one)


COL_LAYER, COL_SHAPE, COL_SIZE, COL_PARAMS, COL_MACS, COL_WHY, COL_FORMULA = range(7)
HEADERS = ("Layer", "Activation shape", "Activation size", "# parameters", "MACs", "vs. FC", "Formula")
HEADER_TIPS = (
    "The layer's name, numbered as in the course (CONV1, POOL1, FC3, ...).",
    "The activation volume this layer outputs: (n_H,n_W,n_C) for a volume, (units,1) for a vector.",
    "How many values the activation holds: n_H·n_W·n_C.",
    "Weights and biases the layer learns. Conv: (f·f·n_C_prev + 1)·n_C. FC: n_in·n_out + n_out.",
    "Multiply-accumulate operations for one example: the cost of running the layer.",
    "Why convolutions: how many times fewer parameters a conv layer has than a fully connected layer "
    "mapping the same input volume to the same output volume (in_size·out_size + out_size).",
    "How the shape and the parameter count come about, with this design's numbers.",
)
NUMERIC = (COL_SIZE, COL_PARAMS, COL_MACS, COL_WHY)
WHY_SENTENCES = ("Parameter sharing: a feature detector (one filter) useful in one part of the image is "
                 "useful in another, so the same weights serve every position. "
                 "Sparsity of connections: each output value depends only on a small f×f window of the "
                 "input, not on all of it.")
DASH = "—"

ERROR_FOREGROUND = QColor("#b3261e")
ERROR_BACKGROUND = QColor("#fde7e7")
BLOCKED_FOREGROUND = QColor("#8a8a8a")
TOTAL_BACKGROUND = QColor("#eef1f5")


def _count(value) -> str:
    return DASH if value is None else f"{value:,}"


def fewer_text(params: int, dense: int) -> str:
    """"31,700× fewer": how many times fewer parameters than the fully connected equivalent."""
    ratio = dense / params
    return f"{ratio:,.0f}× fewer" if ratio >= 100 else f"{ratio:,.1f}× fewer"


def why_tooltip(row, before) -> str:
    """The why-convolutions cell's tooltip: both counts with their numbers, then the two reasons."""
    n_in, n_out = before.activation_size, row.activation_size
    return (f"{row.name}: a fully connected layer from {format_shape(before.output_shape)} = {n_in:,} values "
            f"to {format_shape(row.output_shape)} = {n_out:,} values would need {n_in:,}·{n_out:,} + "
            f"{n_out:,} = {row.dense_equivalent_params:,} parameters; this convolution has "
            f"{row.params:,}.\n{WHY_SENTENCES}")


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_ALIGN = tuple(_RIGHT if column in NUMERIC else _LEFT for column in range(len(HEADERS)))


@dataclass(frozen=True)
class TableRow:
    """One row, formatted once per edit so `data()` is a dictionary lookup (views call it
    for ten roles of every visible cell on every repaint)."""

    texts: tuple
    raw: tuple
    kind: str
    layer_index: int | None
    tooltip: str
    state: str  # "ok", "error", "blocked", "total"
    cells: tuple = ()  # per column: {role: value}

    @property
    def key(self) -> tuple:
        """What a view shows of the row: equal keys look the same."""
        return self.texts, self.raw, self.state, self.tooltip, self.layer_index


_STYLE: dict = {}


def _style(state: str, kind: str) -> dict:
    """Shared role values of a row in `state` (brushes and fonts are built once)."""
    if not _STYLE:
        bold = QFont()
        bold.setBold(True)
        _STYLE.update(
            error={_FOREGROUND: QBrush(ERROR_FOREGROUND), _BACKGROUND: QBrush(ERROR_BACKGROUND), _FONT: bold},
            blocked={_FOREGROUND: QBrush(BLOCKED_FOREGROUND)},
            total={_BACKGROUND: QBrush(TOTAL_BACKGROUND), _FONT: bold},
            ok={},
            bold=bold,
        )
    return _STYLE[state]


def _with_cells(row: TableRow, why_tip: str = "") -> TableRow:
    common = dict(_style(row.state, row.kind))
    common[_TOOLTIP] = row.tooltip
    common[StateRole] = row.state
    common[KindRole] = row.kind
    common[LayerIndexRole] = row.layer_index
    cells = []
    for column, (text, raw) in enumerate(zip(row.texts, row.raw)):
        cell = dict(common)
        cell[_DISPLAY] = text
        cell[_ALIGNMENT] = _ALIGN[column]
        cell[RawValueRole] = raw
        if column == COL_LAYER and row.kind == "input":
            cell[_FONT] = _STYLE["bold"]
        if column == COL_WHY and why_tip:
            cell[_TOOLTIP] = why_tip
        cells.append(cell)
    return TableRow(row.texts, row.raw, row.kind, row.layer_index, row.tooltip, row.state, tuple(cells))


def build_rows(summary: Summary) -> list[TableRow]:
    rows: list[TableRow] = []
    # One row per top-level layer (a block's inner rows are not listed here yet).
    top = summary.top_level_rows
    for before, row in zip([None] + top, top):
        status = row_status(row)
        why, why_tip = "", ""
        if status:
            texts = (row.name, DASH, DASH, DASH, DASH, DASH, status)
            tip = row_status(row, long=True)
            state = "error" if row.error else "blocked"
        else:
            if row.dense_equivalent_params is not None and row.params:
                why = fewer_text(row.params, row.dense_equivalent_params)
                why_tip = why_tooltip(row, before)
            texts = (row.name, format_shape(row.output_shape), _count(row.activation_size),
                     _count(row.params), _count(row.macs), why, row.formula)
            tip = f"{row.name}: {row.formula}" if row.formula else row.name
            state = "ok"
        raw = (row.name, row.output_shape, row.activation_size, row.params, row.macs,
               row.dense_equivalent_params, row.error or row.formula)
        rows.append(_with_cells(TableRow(texts, raw, row.kind, row.index, tip, state), why_tip))
    total_params = summary.total_params
    total_size = summary.total_activation_size
    total_macs = summary.total_macs
    broken = summary.error_row
    note = "" if broken is None else f"only the rows above {broken.name}"
    rows.append(_with_cells(TableRow(
        ("Total", "", f"{total_size:,}",
         f"{total_params:,}", f"{total_macs:,}", "", note),
        ("Total", summary.output_shape, total_size, total_params, total_macs, None, note),
        "total", None,
        f"Totals: {total_params:,} parameters; {total_size:,} activation values per example "
        f"(input included); {total_macs:,} MACs per example.",
        "total")))
    return rows


class ShapeTableModel(LayerRowsMixin, QAbstractTableModel):
    """Read-only table over a DesignDocument's summary; refreshes itself on `changed`."""

    def __init__(self, document: DesignDocument | None = None, parent=None):
        super().__init__(parent)
        self._document: DesignDocument | None = None
        self._rows: list[TableRow] = []
        self._overlay = None  # designer.check_yourself.CheckYourself while that mode is on
        if document is not None:
            self.set_document(document)

    # ----- wiring ---------------------------------------------------------------------------
    def set_document(self, document: DesignDocument) -> None:
        if self._document is not None:
            for signal, slot in self._connections():
                signal.disconnect(slot)
        self.beginResetModel()
        self._document = document
        self._rows = build_rows(document.summary)
        self.endResetModel()
        for signal, slot in self._connections():
            signal.connect(slot)

    def _connections(self):
        doc = self._document
        return ((doc.layerInserted, self._on_inserted), (doc.layerRemoved, self._on_removed),
                (doc.layerMoved, self._on_moved), (doc.specReset, self._on_reset),
                (doc.changed, self.refresh))

    def _build_rows(self) -> list:
        return build_rows(self._document.summary)

    def refresh(self) -> None:
        """Take the document's current summary and report every cell changed (auto-generated
        names shift when layers move, and one edit changes every shape below it)."""
        new_rows = self._build_rows()
        if len(new_rows) != len(self._rows):  # only if a structural signal was missed
            self.beginResetModel()
            self._rows = new_rows
            self.endResetModel()
            return
        old_rows, self._rows = self._rows, new_rows
        # Only the rows that differ (an edit changes the rows from that layer down, not above),
        # so views repaint less.
        changed = [r for r, (old, new) in enumerate(zip(old_rows, new_rows)) if old.key != new.key]
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(HEADERS) - 1))

    # ----- helpers for views and tests --------------------------------------------------------
    def row_for_layer(self, layer_index: int) -> int:
        """Table row of layer `layer_index` (−1 = the input)."""
        return layer_index + 1

    def layer_for_row(self, row: int) -> int | None:
        if 0 <= row < len(self._rows):
            return self._rows[row].layer_index
        return None

    def is_total_row(self, row: int) -> bool:
        return row == len(self._rows) - 1

    def row_state(self, row: int) -> str:
        return self._rows[row].state

    def display_rows(self) -> list[tuple]:
        """Every row's displayed texts (what a learner reads), totals last."""
        return [row.texts for row in self._rows]

    def set_overlay(self, overlay) -> None:
        """Let `overlay` (a CheckYourself, or None) answer for the cells it covers (see check_yourself.py)."""
        if self._overlay is not None:
            self._overlay.changed.disconnect(self._repaint_all)
        self._overlay = overlay
        if overlay is not None:
            overlay.changed.connect(self._repaint_all)
        self._repaint_all()

    def _repaint_all(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(HEADERS) - 1))

    # ----- QAbstractTableModel ----------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._overlay is not None:
            flags = self._overlay.flags(self._rows[index.row()].layer_index, index.column(), flags)
        return flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802 - Qt API
        if self._overlay is None or not index.isValid():
            return False
        return self._overlay.set_data(self._rows[index.row()].layer_index, index.column(), value,
                                      getattr(role, "value", role))

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if section in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        r, c = index.row(), index.column()
        if r < 0 or c < 0:  # the invalid index
            return None
        try:
            row = self._rows[r]
            if self._overlay is not None:
                value = self._overlay.data(row.layer_index, c, getattr(role, "value", role))
                if value is not NOT_MINE:
                    return value
            return row.cells[c].get(role)
        except IndexError:
            return None
