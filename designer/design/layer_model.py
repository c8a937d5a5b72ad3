"""The layer list as a Qt list model: the input first, then one row per layer.

Rows show "CONV1 — 8 × 5×5, s1, valid, relu". The model follows the document's fine-grained
signals so the view keeps its selection across inserts, removals and moves, and it supports
drag-and-drop reordering by turning a view's `moveRows` into one `DesignDocument.move_layer`
(one undo step).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QByteArray, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from engine.shapes import format_shape, row_status

from ..document import DesignDocument
from .kind_visuals import describe, describe_input, kind_icon, title as kind_title
from .roles import KindRole, LayerIndexRole, StateRole
from .row_sync import LayerRowsMixin

MIME_TYPE = "application/x-cnn-designer-layer-row"

ERROR_FOREGROUND = QColor("#b3261e")
BLOCKED_FOREGROUND = QColor("#8a8a8a")


@dataclass(frozen=True)
class ListRow:
    text: str
    kind: str
    state: str
    tooltip: str


def build_rows(document: DesignDocument) -> list[ListRow]:
    summary = document.summary
    spec = document.spec
    input_row = summary.rows[0]
    rows = [ListRow(f"Input — {describe_input(spec.input.shape)}", "input", "ok",
                    f"The input volume n_H×n_W×n_C = {format_shape(input_row.output_shape)}: "
                    f"{input_row.activation_size:,} values. Select it to change its size.")]
    for layer, row in zip(spec.layers, summary.top_level_rows[1:]):
        text = f"{row.name} — {describe(layer)}"
        title = kind_title(layer.type)
        if row_status(row):
            state, tip = ("error" if row.error else "blocked"), row_status(row, long=True)
        else:
            state = "ok"
            tip = (f"{row.name} ({title.lower()}): output {format_shape(row.output_shape)}, "
                   f"{row.activation_size:,} values, {row.params:,} parameters")
        rows.append(ListRow(text, layer.type, state, tip))
    return rows


class LayerListModel(LayerRowsMixin, QAbstractListModel):
    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self._document = document
        self._rows = build_rows(document)
        self._bold = QFont()
        self._bold.setBold(True)
        document.layerInserted.connect(self._on_inserted)
        document.layerRemoved.connect(self._on_removed)
        document.layerMoved.connect(self._on_moved)
        document.specReset.connect(self._on_reset)
        document.changed.connect(self._on_changed)

    @property
    def document(self) -> DesignDocument:
        return self._document

    # ----- rows <-> layers --------------------------------------------------------------------
    @staticmethod
    def row_for_layer(layer_index: int) -> int:
        return layer_index + 1

    @staticmethod
    def layer_for_row(row: int) -> int:
        return row - 1

    def _build_rows(self) -> list:
        return build_rows(self._document)

    def _on_changed(self) -> None:
        # Names and states of other rows follow any edit (auto names renumber, errors move).
        rows = self._build_rows()
        if len(rows) != len(self._rows):  # only if a structural signal was missed
            self._on_reset()
            return
        old_rows, self._rows = self._rows, rows
        changed = [r for r, (old, new) in enumerate(zip(old_rows, rows)) if old != new]
        if changed:
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))

    # ----- QAbstractListModel -----------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(row.kind)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.state == "error":
                return QBrush(ERROR_FOREGROUND)
            if row.state == "blocked":
                return QBrush(BLOCKED_FOREGROUND)
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if row.kind == "input" or row.state == "error" else None
        if role == LayerIndexRole:
            return index.row() - 1
        if role == KindRole:
            return row.kind
        if role == StateRole:
            return row.state
        return None

    def flags(self, index):
        if not index.isValid():
            # Drops land between rows, never on one.
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.row() > 0:  # the input stays first
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    # ----- drag and drop ----------------------------------------------------------------------
    def supportedDropActions(self):
        return Qt.DropAction.MoveAction

    def supportedDragActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self):
        return [MIME_TYPE]

    def mimeData(self, indexes):
        rows = sorted({index.row() for index in indexes if index.isValid() and index.row() > 0})
        if not rows:
            return None
        mime = QMimeData()
        mime.setData(MIME_TYPE, QByteArray(str(rows[0]).encode("ascii")))
        return mime

    def canDropMimeData(self, data, action, row, column, parent):
        return data is not None and data.hasFormat(MIME_TYPE) and not parent.isValid()

    def dropMimeData(self, data, action, row, column, parent):
        """A fallback for views that drop instead of calling moveRows: do the move here and
        return False, so the view doesn't also remove the source row."""
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        try:
            source = int(bytes(data.data(MIME_TYPE)).decode("ascii"))
        except ValueError:
            return False
        self.moveRows(QModelIndex(), source, 1, QModelIndex(), row if row >= 0 else self.rowCount())
        return False

    def moveRows(self, source_parent, source_row, count, destination_parent, destination_child):
        """Move one row so it lands before `destination_child` (rows counted before the move).

        Row 0 (the input) can't move, and nothing can go above it.
        """
        if source_parent.isValid() or destination_parent.isValid() or count != 1:
            return False
        if not 1 <= source_row < len(self._rows):
            return False
        before = max(1, min(destination_child, len(self._rows)))
        final_row = before if before <= source_row else before - 1
        return self._document.move_layer(source_row - 1, final_row - 1)
