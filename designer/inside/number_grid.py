"""A matrix of numbers in a table model: the playgrounds' input, filter and output grids."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from .common import format_cell, parse_cell


HIGHLIGHT = QColor("#ffe0b2")   # the cells of the window behind the chosen output cell (orange, as outlined)


class NumberGridModel(QAbstractTableModel):
    """A matrix of numbers shown in cells, rows and columns numbered from 0 as the course's indices are;
    editable when `editable`. ``edited`` fires after a user edit. `set_highlight(top, left, f)` tints an
    f×f block of cells (None: none)."""

    edited = Signal()

    def __init__(self, values, editable: bool, parent=None):
        super().__init__(parent)
        self._values = np.array(values, dtype=np.float64)
        self._editable = editable
        self._highlight: tuple[int, int, int] | None = None

    def set_highlight(self, block: tuple[int, int, int] | None) -> None:
        """Tint the cells rows top … top+f−1, columns left … left+f−1 of `block` = (top, left, f)."""
        if block != self._highlight:
            self._highlight = block
            if self.rowCount() and self.columnCount():
                self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def highlighted(self) -> tuple[int, int, int] | None:
        return self._highlight

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None

    @property
    def values(self) -> np.ndarray:
        return self._values.copy()

    def set_values(self, values) -> None:
        self.beginResetModel()
        self._values = np.array(values, dtype=np.float64)
        self.endResetModel()

    def texts(self) -> list[list[str]]:
        return [[format_cell(v) for v in row] for row in self._values]

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 0 if parent.isValid() or self._values.ndim != 2 else self._values.shape[0]

    def columnCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 0 if parent.isValid() or self._values.ndim != 2 else self._values.shape[1]

    def cell_text(self, v: float) -> str:
        """How a value reads in its cell (subclasses choose another number format)."""
        return format_cell(v)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        v = self._values[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(v)
        if role == Qt.ItemDataRole.EditRole:      # what the editor starts from: a number Python can read
            return self.cell_text(v).replace("−", "-")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self._highlight is not None:
            top, left, f = self._highlight
            if top <= index.row() < top + f and left <= index.column() < left + f:
                return QBrush(HIGHLIGHT)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802 - Qt API
        if not (self._editable and index.isValid() and role == Qt.ItemDataRole.EditRole):
            return False
        v = parse_cell(value)
        if v is None:
            return False
        self._values[index.row(), index.column()] = v
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if self._editable else flags
