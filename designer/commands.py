"""Undo commands for the design document.

Each command holds copies of what it changes and calls the document's private `_apply_*`
methods, which mutate the spec and announce the change. Nothing else mutates the spec, so
undo/redo and the live table can never disagree with the edit history.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from engine.spec import copy_layer      # deep: a block's inner lists are copied too

if TYPE_CHECKING:  # pragma: no cover
    from .document import DesignDocument

SET_FIELD_ID = 1001
SET_INPUT_ID = 1002


class InsertLayerCommand(QUndoCommand):
    """A layer put in at slot `path` (any depth)."""

    def __init__(self, document: "DesignDocument", path: tuple, layer, text: str):
        super().__init__(text)
        self._document = document
        self.path = tuple(path)
        self._layer = copy_layer(layer)

    def redo(self):
        self._document._apply_insert(self.path, copy_layer(self._layer))

    def undo(self):
        self._document._apply_remove(self.path)


class RemoveLayerCommand(QUndoCommand):
    def __init__(self, document: "DesignDocument", path: tuple, text: str):
        super().__init__(text)
        self._document = document
        self.path = tuple(path)
        self._layer = copy_layer(document.layer_at(self.path))

    def redo(self):
        self._document._apply_remove(self.path)

    def undo(self):
        self._document._apply_insert(self.path, copy_layer(self._layer))


class MoveLayerCommand(QUndoCommand):
    """The layer at `source` taken out and put in at `destination` (a slot counted after it left); undo is
    the same move back, since `source` is a slot of the tree without it too."""

    def __init__(self, document: "DesignDocument", source: tuple, destination: tuple, text: str):
        super().__init__(text)
        self._document = document
        self.source = tuple(source)
        self.destination = tuple(destination)

    def redo(self):
        self._document._apply_move(self.source, self.destination)

    def undo(self):
        self._document._apply_move(self.destination, self.source)


class ReplaceLayerCommand(QUndoCommand):
    """One layer replaced by another version of it (a block with a branch added or removed)."""

    def __init__(self, document: "DesignDocument", path: tuple, new, text: str):
        super().__init__(text)
        self._document = document
        self.path = tuple(path)
        self._old = copy_layer(document.layer_at(self.path))
        self._new = copy_layer(new)

    def redo(self):
        self._document._apply_replace(self.path, copy_layer(self._new))

    def undo(self):
        self._document._apply_replace(self.path, copy_layer(self._old))


class SetFieldCommand(QUndoCommand):
    """One field of the layer at `path`. Bursts (a spin box stepping or typed digit by digit) merge.

    Only commands created with merge=True and the same burst number merge; the document starts a
    new burst whenever an editor finishes editing, so separate edits stay separate undo steps.
    """

    def __init__(self, document: "DesignDocument", path: tuple, field_name: str, old, new,
                 text: str, merge: bool, burst: int):
        super().__init__(text)
        self._document = document
        self.path = tuple(path)
        self.field_name = field_name
        self.old = old
        self.new = new
        self.merge = merge
        self.burst = burst

    def id(self) -> int:
        return SET_FIELD_ID

    def redo(self):
        self._document._apply_field(self.path, self.field_name, self.new)

    def undo(self):
        self._document._apply_field(self.path, self.field_name, self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, SetFieldCommand) and self.merge and other.merge
                and other.burst == self.burst and other.path == self.path
                and other.field_name == self.field_name):
            return False
        self.new = other.new
        # Stepping back to where the burst began leaves nothing to undo.
        self.setObsolete(self.new == self.old)
        return True


class SetInputShapeCommand(QUndoCommand):
    def __init__(self, document: "DesignDocument", old: tuple, new: tuple, text: str, merge: bool,
                 burst: int):
        super().__init__(text)
        self._document = document
        self.old = tuple(old)
        self.new = tuple(new)
        self.merge = merge
        self.burst = burst

    def id(self) -> int:
        return SET_INPUT_ID

    def _changed_axes(self, old, new) -> set:
        return {axis for axis in range(3) if old[axis] != new[axis]}

    def redo(self):
        self._document._apply_input_shape(self.new)

    def undo(self):
        self._document._apply_input_shape(self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Merge only edits of the same side (n_H, n_W or n_C) within one burst.
        if not (isinstance(other, SetInputShapeCommand) and self.merge and other.merge
                and other.burst == self.burst
                and self._changed_axes(self.old, self.new) == self._changed_axes(other.old, other.new)):
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old)
        return True


class ReplaceSpecCommand(QUndoCommand):
    def __init__(self, document: "DesignDocument", old_spec, new_spec, text: str):
        super().__init__(text)
        self._document = document
        self._old = old_spec.copy()
        self._new = new_spec.copy()

    def redo(self):
        self._document._apply_reset(self._new.copy())

    def undo(self):
        self._document._apply_reset(self._old.copy())
