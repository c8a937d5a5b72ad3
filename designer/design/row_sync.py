"""Keeping a Qt model's rows in step with the document's layers (one row per layer, after the input row).

Both the layer list and the shape table show row 0 = the input and row i + 1 = layer i. On a
structural change they first move their existing rows the way the layers moved — so selections and
scroll positions follow the layer — and then refresh every cell on the document's `changed` signal.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex


class LayerRowsMixin:
    """For a QAbstractItemModel with `self._rows` and `self._document`; subclasses define
    `_build_rows()` → the complete list of rows for the document as it is now."""

    def _build_rows(self) -> list:
        raise NotImplementedError

    def _on_inserted(self, index: int) -> None:
        row = index + 1
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, self._build_rows()[row])
        self.endInsertRows()

    def _on_removed(self, index: int) -> None:
        row = index + 1
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    def _on_moved(self, source: int, destination: int) -> None:
        src, dst = source + 1, destination + 1
        # beginMoveRows wants the row *before which* the moved row lands, counted before the move.
        before = dst + 1 if dst > src else dst
        self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), before)
        self._rows.insert(dst, self._rows.pop(src))
        self.endMoveRows()

    def _on_reset(self) -> None:
        self.beginResetModel()
        self._rows = self._build_rows()
        self.endResetModel()
