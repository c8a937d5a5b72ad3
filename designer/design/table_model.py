"""The course's layer table as a Qt model over `engine.summarize`.

Columns: Layer, Activation shape, Activation size, # parameters, MACs, vs. FC (why convolutions: the
conv rows' "31,700× fewer"; the window hides it until View › Why convolutions), Branch (the list an inner
row is in: "main", "shortcut", "branch 2"; the view shows it after Layer, for designs with blocks only),
Formula. One row per summary row — the input first, a block's row followed by its inner rows, their
names indented by depth — and a totals row. The model only formats what the document's Summary says — no
shape arithmetic here.

Roles: DisplayRole (formatted text, thousands separators), ToolTipRole, ForegroundRole /
BackgroundRole (red for a layer that cannot work, grey for the rows it blocks),
TextAlignmentRole, FontRole (bold totals), and the designer's own roles (`designer.roles`): StateRole,
KindRole, LayerIndexRole, PathRole and RawValueRole (the unformatted number or shape).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from engine.shapes import Summary, format_shape, row_status

from ..document import DesignDocument
from .roles import KindRole, LayerIndexRole, PathRole, RawValueRole, StateRole

NOT_MINE = object()  # an overlay's "no opinion on this cell" (designer.check_yourself uses this one)


COL_LAYER, COL_SHAPE, COL_SIZE, COL_PARAMS, COL_MACS, COL_WHY, COL_BRANCH, COL_FORMULA = range(8)
HEADERS = ("Layer", "Activation shape", "Activation size", "# parameters", "MACs", "vs. FC", "Branch", "Formula")
HEADER_TIPS = (
    "The layer's name, numbered as in the course (CONV1, POOL1, FC3, ...).",
    "The activation volume this layer outputs: (n_H,n_W,n_C) for a volume, (units,1) for a vector.",
    "How many values the activation holds: n_H·n_W·n_C.",
    "Weights and biases the layer learns. Conv: (f·f·n_C_prev + 1)·n_C. FC: n_in·n_out + n_out.",
    "Multiply-accumulate operations for one example: the cost of running the layer.",
    "Why convolutions: how many times fewer parameters a conv layer has than a fully connected layer "
    "mapping the same input volume to the same output volume (in_size·out_size + out_size).",
    "The list of its block an inner layer is in: a residual block's main path or shortcut, a concat block's "
    "branch.",
    "How the shape and the parameter count come about, with this design's numbers.",
)
INDENT = "\u2003"   # an em space per level of nesting, before an inner row's name
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
    path: tuple | None = None   # the layer's path; () for the input, None for the totals

    @property
    def key(self) -> tuple:
        """What a view shows of the row: equal keys look the same."""
        return self.texts, self.raw, self.state, self.tooltip, self.layer_index, self.path


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
    common[PathRole] = row.path
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
    return TableRow(row.texts, row.raw, row.kind, row.layer_index, row.tooltip, row.state, tuple(cells), row.path)


def _input_of(row, rows_by_path: dict, input_row):
    """The row whose output feeds `row` (for the why-convolutions tooltip): the row before it in its list,
    the block's own input for a list's first layer."""
    path = row.path
    if path[-1] > 0:
        return rows_by_path.get(path[:-1] + (path[-1] - 1,))
    if len(path) == 1:
        return input_row
    block = rows_by_path.get(path[:-2])
    return _input_of(block, rows_by_path, input_row) if block is not None else None


def build_rows(summary: Summary) -> list[TableRow]:
    rows: list[TableRow] = []
    by_path = {row.path: row for row in summary.rows[1:]}
    for row in summary.rows:
        status = row_status(row)
        why, why_tip = "", ""
        name = INDENT * row.depth + row.name
        branch = row.branch or ""
        if status:
            texts = (name, DASH, DASH, DASH, DASH, DASH, branch, status)
            tip = row_status(row, long=True)
            state = "error" if row.error else "blocked"
        else:
            if row.dense_equivalent_params is not None and row.params:
                before = _input_of(row, by_path, summary.rows[0])
                if before is not None and before.computable:
                    why = fewer_text(row.params, row.dense_equivalent_params)
                    why_tip = why_tooltip(row, before)
            texts = (name, format_shape(row.output_shape), _count(row.activation_size),
                     _count(row.params), _count(row.macs), why, branch, row.formula)
            where = f" ({row.parent} › {row.branch})" if row.parent else ""
            tip = f"{row.name}{where}: {row.formula}" if row.formula else row.name
            state = "ok"
        raw = (row.name, row.output_shape, row.activation_size, row.params, row.macs,
               row.dense_equivalent_params, row.branch, row.error or row.formula)
        path = () if row.index < 0 else row.path
        rows.append(_with_cells(TableRow(texts, raw, row.kind, row.index, tip, state, path=path), why_tip))
    total_params = summary.total_params
    total_size = summary.total_activation_size
    total_macs = summary.total_macs
    broken = summary.error_row
    note = "" if broken is None else f"only the rows above {broken.name}"
    rows.append(_with_cells(TableRow(
        ("Total", "", f"{total_size:,}",
         f"{total_params:,}", f"{total_macs:,}", "", "", note),
        ("Total", summary.output_shape, total_size, total_params, total_macs, None, None, note),
        "total", None,
        f"Totals: {total_params:,} parameters; {total_size:,} activation values per example "
        f"(input included); {total_macs:,} MACs per example.",
        "total")))
    return rows


class ShapeTableModel(QAbstractTableModel):
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
        # Every edit emits one of these (before `changed`, so the rows are new when the Design tab selects).
        return ((doc.itemInserted, self._on_inserted), (doc.itemRemoved, self._on_removed),
                (doc.itemMoved, self._on_moved), (doc.itemChanged, self.refresh), (doc.specReset, self.refresh),
                (doc.inputChanged, self.refresh))

    # A layer's rows (a block's with its inner rows) are one run: inserted, removed or moved together, so
    # views keep their selection and scroll position; the cells are then refreshed.
    def _run(self, rows: list, path: tuple) -> tuple[int, int]:
        """(first row, count) of the layer at `path` and the rows inside it; (-1, 0) if none."""
        paths = [row.path for row in rows]
        if path not in paths:
            return -1, 0
        first = paths.index(path)
        count = 1
        while first + count < len(rows) and rows[first + count].path is not None \
                and rows[first + count].path[:len(path)] == path:
            count += 1
        return first, count

    def _on_inserted(self, path) -> None:
        new_rows = build_rows(self._document.summary)
        first, count = self._run(new_rows, tuple(path))
        if first < 0 or len(new_rows) != len(self._rows) + count:
            self.refresh()
            return
        self.beginInsertRows(QModelIndex(), first, first + count - 1)
        self._rows[first:first] = new_rows[first:first + count]
        self.endInsertRows()
        self.refresh()

    def _on_removed(self, path) -> None:
        first, count = self._run(self._rows, tuple(path))
        if first < 0:
            self.refresh()
            return
        self.beginRemoveRows(QModelIndex(), first, first + count - 1)
        del self._rows[first:first + count]
        self.endRemoveRows()
        self.refresh()

    def _on_moved(self, source, destination) -> None:
        first, count = self._run(self._rows, tuple(source))
        new_rows = build_rows(self._document.summary)
        target, moved = self._run(new_rows, tuple(destination))
        if first < 0 or target < 0 or moved != count or len(new_rows) != len(self._rows):
            self.refresh()
            return
        if target != first:
            # beginMoveRows wants the row *before which* the run lands, counted before the move.
            self.beginMoveRows(QModelIndex(), first, first + count - 1, QModelIndex(),
                               target + count if target > first else target)
            run = self._rows[first:first + count]
            del self._rows[first:first + count]
            self._rows[target:target] = run
            self.endMoveRows()
        self.refresh()

    def refresh(self, *args) -> None:
        """Take the document's current summary: a reset when the rows are other layers (a new design),
        else only the cells that changed (auto-generated names shift when layers move, and one edit changes
        every shape below it)."""
        new_rows = build_rows(self._document.summary)
        if len(new_rows) != len(self._rows):
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
    def row_for_layer(self, layer) -> int:
        """Table row of a layer: its path (() = the input), or its top-level index (−1 = the input); −1
        when there is no such row."""
        path = () if layer == -1 else (layer,) if isinstance(layer, int) else tuple(layer)
        return next((r for r, row in enumerate(self._rows) if row.path == path), -1)

    def layer_for_row(self, row: int) -> int | None:
        """The top-level index of the row's layer (of the block holding an inner row); −1 for the input,
        None for the totals."""
        if 0 <= row < len(self._rows):
            return self._rows[row].layer_index
        return None

    def path_for_row(self, row: int) -> tuple | None:
        """The path of the row's layer; () for the input, None for the totals."""
        if 0 <= row < len(self._rows):
            return self._rows[row].path
        return None

    def nested(self) -> bool:
        """Whether the design has blocks (the Branch column is worth showing)."""
        return any(row.path and len(row.path) > 1 for row in self._rows)

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
            flags = self._overlay.flags(self._rows[index.row()].path, index.column(), flags)
        return flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802 - Qt API
        if self._overlay is None or not index.isValid():
            return False
        return self._overlay.set_data(self._rows[index.row()].path, index.column(), value,
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
                value = self._overlay.data(row.path, c, getattr(role, "value", role))
                if value is not NOT_MINE:
                    return value
            return row.cells[c].get(role)
        except IndexError:
            return None
