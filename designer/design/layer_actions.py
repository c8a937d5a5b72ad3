"""The Design tab's layer edits as actions: add a layer of each kind, remove, duplicate, move up and
down, add and remove a block's branch. Each works on the selected tree item (at any depth) and is one
document call, so one undo step; what can't act on the selection is disabled.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget

from ..actions import make_action
from ..document import DesignDocument
from .kind_visuals import add_shortcut, add_tooltip, button_label, kind_icon, kind_types
from .layer_model import EMPTY_ITEM, LAYER_ITEM, LIST_ITEM
from .selection import DesignSelection, insert_slot


class LayerActions(QObject):
    """The actions (`actions`: add_<kind>, remove, duplicate, moveUp, moveDown, addBranch, removeBranch),
    made on `owner` (the tab) for `document`, acting on `selection`."""

    def __init__(self, owner: QWidget, document: DesignDocument, selection: DesignSelection):
        super().__init__(owner)
        self._document = document
        self._selection = selection
        self.actions: dict[str, QAction] = {}
        sp = QStyle.StandardPixmap
        icon = owner.style().standardIcon
        for kind in kind_types():
            self.actions[f"add_{kind}"] = make_action(
                owner, f"add_{kind}", button_label(kind), add_tooltip(kind),
                lambda checked=False, k=kind: self.add_layer(k), add_shortcut(kind), kind_icon(kind))
        remove = self.actions["remove"] = make_action(
            owner, "remove", "Remove", "Remove the selected layer (a block with its layers)", self.remove_selected,
            QKeySequence.StandardKey.Delete, icon(sp.SP_TrashIcon))
        # Delete means "remove layer" only while the list or the table has focus; in text fields it
        # deletes text.
        remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        owner.removeAction(remove)
        self.actions["duplicate"] = make_action(
            owner, "duplicate", "Duplicate", "Insert a copy of the selected layer right after it",
            self.duplicate_selected, "Ctrl+D", icon(sp.SP_FileLinkIcon))
        self.actions["moveUp"] = make_action(owner, "moveUp", "Up", "Move the selected layer one place up in its "
                                             "list", self.move_selected_up, "Alt+Up", icon(sp.SP_ArrowUp))
        self.actions["moveDown"] = make_action(owner, "moveDown", "Down", "Move the selected layer one place down "
                                               "in its list", self.move_selected_down, "Alt+Down",
                                               icon(sp.SP_ArrowDown))
        self.actions["addBranch"] = make_action(
            owner, "addBranch", "+ Branch", "Add an empty branch to the selected concat block (after the selected "
            "branch); it passes the input through until you add layers to it", self.add_branch,
            icon=icon(sp.SP_FileDialogNewFolder))
        self.actions["removeBranch"] = make_action(
            owner, "removeBranch", "− Branch", "Remove the selected branch of a concat block, with its layers",
            self.remove_branch, icon=icon(sp.SP_DialogDiscardButton))
        selection.changed.connect(self.update)
        document.changed.connect(self.update)

    # ----- edits --------------------------------------------------------------------------------
    def add_layer(self, kind: str) -> tuple:
        """Insert a `kind` layer after the selected item at its level (see selection.insert_slot);
        returns its path."""
        return self._document.add_layer_at(kind, insert_slot(self._document, self._selection.current()))

    def _selected_layer(self) -> tuple | None:
        selected = self._selection.current()
        return selected.path if selected is not None and selected.item == LAYER_ITEM else None

    def remove_selected(self) -> None:
        path = self._selected_layer()
        if path is not None:
            self._document.remove_at(path)

    def duplicate_selected(self) -> None:
        path = self._selected_layer()
        if path is not None:
            self._document.duplicate_at(path)

    def move_selected_up(self) -> None:
        path = self._selected_layer()
        if path is not None and path[-1] > 0:
            self._document.move_item(path, path[:-1] + (path[-1] - 1,))

    def move_selected_down(self) -> None:
        path = self._selected_layer()
        if path is not None and path[-1] < self._document.list_length(path[:-1]) - 1:
            self._document.move_item(path, path[:-1] + (path[-1] + 1,))

    def _branch_target(self) -> tuple[tuple, int | None] | None:
        """(block path, position of a new list) for + Branch: at the end of a selected block's lists, or
        after the selected list (or the list of the selected inner layer)."""
        selected = self._selection.current()
        if selected is None or selected.item not in (LAYER_ITEM, LIST_ITEM, EMPTY_ITEM) or not selected.path:
            return None
        if selected.item == LAYER_ITEM:
            if self._document.can_add_branch(selected.path) or len(selected.path) == 1:
                return selected.path, None
            return selected.path[:-2], selected.path[-2] + 1
        return selected.path[:-1], selected.path[-1] + 1

    def add_branch(self) -> tuple | None:
        """A new empty list in the selected block (after the selected branch); returns its path."""
        target = self._branch_target()
        if target is None or not self._document.can_add_branch(target[0]):
            return None
        list_path = self._document.add_branch(*target)
        if list_path is not None:
            self._selection.select(list_path, EMPTY_ITEM)
        return list_path

    def remove_branch(self) -> bool:
        selected = self._selection.current()
        if selected is None or selected.item not in (LIST_ITEM, EMPTY_ITEM):
            return False
        return self._document.remove_branch(selected.path)

    # ----- what can act -------------------------------------------------------------------------
    def update(self) -> None:
        path = self._selected_layer()
        is_layer = path is not None
        self.actions["remove"].setEnabled(is_layer)
        self.actions["duplicate"].setEnabled(is_layer)
        self.actions["moveUp"].setEnabled(is_layer and path[-1] > 0)
        self.actions["moveDown"].setEnabled(is_layer and path[-1] < self._document.list_length(path[:-1]) - 1)
        target = self._branch_target()
        self.actions["addBranch"].setEnabled(target is not None and self._document.can_add_branch(target[0]))
        selected = self._selection.current()
        self.actions["removeBranch"].setEnabled(
            selected is not None and selected.item in (LIST_ITEM, EMPTY_ITEM)
            and self._document.can_remove_branch(selected.path))
