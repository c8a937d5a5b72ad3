"""What is selected on the Design tab, kept in step between the layer tree, the course table, the volume
diagram and the property editor, and moved by the document's edits (the new layer, the layer that moved,
the one an undo changed, the neighbour of a removed one).

A selection is an item of the layer tree: the input, a layer (at any depth), or one of a block's lists
or an empty list's placeholder (there the add buttons insert). Layers are named by path
(engine.spec_paths: () for the input, (i,) at the top level, (i, list, position) inside a block).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, QObject, Signal

from ..document import DesignDocument
from .layer_model import EMPTY_ITEM, INPUT_ITEM, LAYER_ITEM, LIST_ITEM, LayerTreeModel

INPUT = -1  # the top-level index the tab's int API uses for the input


@dataclass(frozen=True)
class Selected:
    """A tree item: `item` is "input", "layer", "list" or "empty" (a placeholder); `path` the layer's path
    (() for the input) or the list's path."""

    item: str
    path: tuple

    @property
    def is_layer(self) -> bool:
        return self.item == LAYER_ITEM


def as_path(layer) -> tuple:
    """A layer's path from the tab's int API (INPUT = the input) or a path."""
    if isinstance(layer, int):
        return () if layer < 0 else (layer,)
    return tuple(layer)


class DesignSelection(QObject):
    """Keeps `tree_view` (over `tree_model`), `table_view` (over `table_model`), `diagram` and `editor` on
    one item. Signal changed(): the selection moved (the tab's actions enable and disable on it)."""

    changed = Signal()

    def __init__(self, document: DesignDocument, tree_view, tree_model: LayerTreeModel, table_view, table_model,
                 diagram, editor, parent=None):
        super().__init__(parent)
        self._document = document
        self._tree_view, self._tree_model = tree_view, tree_model
        self._table_view, self._table_model = table_view, table_model
        self._diagram, self._editor = diagram, editor
        self._syncing = False
        doc = document
        doc.itemInserted.connect(self.select)
        doc.itemRemoved.connect(self._after_remove)
        doc.itemMoved.connect(lambda source, destination: self.select(destination))
        doc.itemChanged.connect(self.select)
        doc.inputChanged.connect(lambda: self.select(()))
        doc.specReset.connect(lambda: self.select(()))
        tree_view.selectionModel().selectionChanged.connect(self._on_tree_selection)
        tree_model.modelReset.connect(self._on_tree_selection)
        table_view.selectionModel().selectionChanged.connect(self._on_table_selection)
        table_model.modelReset.connect(self._follow_in_table)
        diagram.layerClicked.connect(self.select)

    # ----- reading ------------------------------------------------------------------------------
    def current(self) -> Selected | None:
        indexes = self._tree_view.selectionModel().selectedRows()
        node = self._tree_model.node(indexes[0]) if indexes else None
        return Selected(node.item, node.path) if node is not None else None

    def layer_path(self) -> tuple | None:
        """The selected layer's path, () for the input; None when nothing or a list is selected."""
        selected = self.current()
        return selected.path if selected is not None and selected.item in (INPUT_ITEM, LAYER_ITEM) else None

    # ----- choosing -----------------------------------------------------------------------------
    def select(self, path, item: str | None = None) -> None:
        """Select the layer at `path` (() or INPUT: the input; an int is a top-level index), or with `item`
        LIST_ITEM / EMPTY_ITEM a list's item or placeholder; None clears. A path that no longer exists
        selects the nearest item above it."""
        selection = self._tree_view.selectionModel()
        if path is None:
            selection.clearSelection()
            self._editor.set_current(None)
            return
        path = as_path(path)
        index = self._tree_model.find(path, item)
        if not index.isValid():
            index = self._nearest(path)
        if selection.isSelected(index) and selection.currentIndex() == index:
            self._show(self.current())
            return
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
        self._tree_view.scrollTo(index)

    def _nearest(self, path: tuple):
        """The item for a path that has just gone: the layer now in its place, the one before it, its
        list's placeholder, or the block holding it; the last top-level layer or the input at worst."""
        model = self._tree_model
        while path:
            for candidate, item in ((path, LAYER_ITEM), (path[:-1] + (path[-1] - 1,), LAYER_ITEM),
                                    (path[:-1], EMPTY_ITEM), (path[:-1], LIST_ITEM)):
                if candidate and candidate[-1] >= 0:
                    index = model.find(candidate, item)
                    if index.isValid():
                        return index
            path = path[:-2]
        count = len(self._document.spec.layers)
        return model.find((count - 1,) if count else ())

    def _after_remove(self, path) -> None:
        path = tuple(path)
        holder = path[:-1]
        length = self._document.list_length(holder)     # the block holding the list is still there
        if path[-1] < length:
            self.select(path)
        elif length:
            self.select(holder + (length - 1,))
        elif holder:
            self.select(holder, EMPTY_ITEM)
        else:
            self.select(())

    # ----- keeping the views in step ----------------------------------------------------------------
    def _show(self, selected: Selected | None) -> None:
        layer = selected.path if selected is not None and selected.item in (INPUT_ITEM, LAYER_ITEM) else None
        self._editor.set_current(layer)
        self._diagram.set_selected(layer)

    def _on_tree_selection(self, *args) -> None:
        self._show(self.current())
        self.changed.emit()
        self._follow_in_table()

    def _follow_in_table(self, *args) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            table_selection = self._table_view.selectionModel()
            layer = self.layer_path()
            row = self._table_model.row_for_layer(layer) if layer is not None else -1
            if row < 0:
                table_selection.clearSelection()
            else:
                table_selection.setCurrentIndex(
                    self._table_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._syncing = False

    def _on_table_selection(self, *args) -> None:
        if self._syncing:
            return
        rows = self._table_view.selectionModel().selectedRows()
        if not rows:
            return
        path = self._table_model.path_for_row(rows[0].row())
        if path is None:  # the totals row
            return
        self._syncing = True
        try:
            self.select(path)
        finally:
            self._syncing = False


def insert_slot(document: DesignDocument, selected: Selected | None) -> tuple:
    """Where an add button puts its layer: after the selected layer in its list (inside a block when an
    inner layer is selected), first after the input, first in a selected list or placeholder, or at the end
    when nothing is selected."""
    if selected is None:
        return (len(document.spec.layers),)
    if selected.item == INPUT_ITEM:
        return (0,)
    if selected.item in (LIST_ITEM, EMPTY_ITEM):
        return selected.path + (0,)
    return selected.path[:-1] + (selected.path[-1] + 1,)


__all__ = ["DesignSelection", "Selected", "INPUT", "as_path", "insert_slot"]
