"""The design document: the NetworkSpec being edited, its undo history and its file.

Every edit goes through a DesignDocument method, which pushes an undo command; the command calls
back into `_apply_*`, which mutates the spec, recomputes `engine.summarize` once, and announces
the change. Views and models never change the spec themselves.

Layers are addressed by path (engine.spec_paths): (i,) for spec.layers[i], (i, list, position) inside a
block, and so on down; a *slot* (where a layer goes in) is written the same way. Every layer edit works
at any depth; the int-index methods (insert_layer, set_field, ...) are the top level's shorthand.

Signals, all emitted after the spec and `summary` are up to date:
    itemInserted(path), itemRemoved(path), itemMoved(source, destination),
    itemChanged(path)                                  — a layer anywhere (a block's lists included);
    layerInserted(index), layerRemoved(index), layerMoved(source, destination),
    layerChanged(index)                                — the same for top-level layers only (index in
                                                         spec.layers), for listeners that show those;
    inputChanged(), specReset()                        — the input; a whole new spec;
    changed()                                          — after any of them;
    modifiedChanged(bool), filePathChanged(str)        — for the title bar.
"""
from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine import spec_paths
from engine.kinds import kind_for, kind_of
from engine.kinds.tree import walk_layers
from engine.shapes import Summary, shape_at, summarize
from engine.spec import (InputSpec, NetworkSpec, SpecError, check_input_shape, check_unique_names, copy_layer,
                         normalize_layer, validate_layer)

from . import commands

INPUT_NAME = "Input"


def _path(path) -> tuple:
    """A layer path or slot from an int (the top level) or a sequence."""
    return (path,) if isinstance(path, int) else tuple(path)


def _without_names(layer):
    """A copy of `layer` whose own name and inner layers' names are cleared (generated again, unique)."""
    layer = copy_layer(layer)
    for _, sub, *_ in walk_layers([layer]):
        sub.name = None
    return layer


class DesignDocument(QObject):
    changed = Signal()
    itemInserted = Signal(object)
    itemRemoved = Signal(object)
    itemMoved = Signal(object, object)
    itemChanged = Signal(object)
    layerInserted = Signal(int)
    layerRemoved = Signal(int)
    layerMoved = Signal(int, int)
    layerChanged = Signal(int)
    inputChanged = Signal()
    specReset = Signal()
    modifiedChanged = Signal(bool)
    filePathChanged = Signal(str)

    def __init__(self, spec: NetworkSpec | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._spec = spec.copy() if spec is not None else blank_spec()
        self._summary = summarize(self._spec)
        self._file_path: Path | None = None
        self._burst = 0
        self._undo_stack = QUndoStack(self)
        self._undo_stack.cleanChanged.connect(self._on_clean_changed)
        # A stack deleted with its document clears itself; that is no edit to announce to anyone.
        stack = self._undo_stack
        self.destroyed.connect(lambda *_: stack.blockSignals(True))

    # ----- reading ---------------------------------------------------------------------------
    @property
    def spec(self) -> NetworkSpec:
        """The live spec. Read it, don't change it (edit through the methods below); take
        `spec.copy()` to keep a snapshot, e.g. for a training run."""
        return self._spec

    @property
    def summary(self) -> Summary:
        """`engine.summarize(spec)`, recomputed once per edit."""
        return self._summary

    @property
    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    @property
    def layer_count(self) -> int:
        return len(self._spec.layers)

    def layer(self, index: int):
        return self._spec.layers[index]

    def layer_at(self, path):
        """The layer at `path` (an int for the top level); IndexError if there is none."""
        return self._spec.layer_at(_path(path))

    def has_layer(self, path) -> bool:
        try:
            self.layer_at(path)
        except (IndexError, TypeError, ValueError):
            return False
        return True

    def list_length(self, list_path) -> int:
        """How many layers the list at `list_path` holds (() is spec.layers)."""
        return len(spec_paths.list_at(self._spec, tuple(list_path)))

    def layer_names(self) -> list[str]:
        """Display names, one per top-level layer (the summary's top-level rows 1..n carry the same names)."""
        return [row.name for row in self._summary.top_level_rows[1:]]

    def name_at(self, path) -> str:
        """The display name of the layer at `path` (its own, or generated course-style)."""
        return next(entry.name for entry in self._spec.walk() if entry.path == _path(path))

    @property
    def file_path(self) -> Path | None:
        return self._file_path

    @property
    def is_modified(self) -> bool:
        return not self._undo_stack.isClean()

    @property
    def display_name(self) -> str:
        """What the title bar calls the design: the file name, else the design's name."""
        if self._file_path is not None:
            return self._file_path.name
        return self._spec.name or "Untitled"

    # ----- editing (each call is one undo step, or merges into one) ---------------------------
    def insert_layer(self, index: int, layer, text: str | None = None) -> int:
        """Insert `layer` (a copy is kept) so that it becomes spec.layers[index]."""
        return self.insert_at((index,), layer, text)[0]

    def insert_at(self, slot, layer, text: str | None = None) -> tuple:
        """Insert `layer` (a copy is kept) at `slot` (its position clamped to its list); returns its path.
        SpecError for a layer (or a layer inside it) the format doesn't allow, or a name already used."""
        slot = _path(slot)
        holder = slot[:-1]
        slot = holder + (max(0, min(slot[-1], self.list_length(holder))),)
        for sub_path, sub, *_ in walk_layers([layer]):
            validate_layer(sub, f"layer {slot[-1] + 1}" + ("" if len(sub_path) == 1 else " (inside)"))
        layer = normalize_layer(layer)
        check = self._spec.copy()
        spec_paths.insert_at(check, slot, copy_layer(layer))
        check_unique_names(check)
        name = next(entry.name for entry in check.walk() if entry.path == slot)
        self._push(commands.InsertLayerCommand(self, slot, layer, text or f"Add {name}"))
        return slot

    def add_layer(self, kind: str, after: int | None = None) -> int:
        """Insert a new `kind` layer with default settings after layer `after`.

        after = −1 inserts first (right after the input); None appends at the end.
        Returns the new layer's index.
        """
        index = self.layer_count if after is None else after + 1
        return self.add_layer_at(kind, (max(0, min(index, self.layer_count)),))[0]

    def add_layer_at(self, kind: str, slot) -> tuple:
        """Insert a new `kind` layer with default settings at `slot` (any depth); returns its path.

        The kind decides what makes sense there from the layers before it in its list and the shape
        going in (a conv doubles the filters of the conv before it; a block fits the shape); the name
        stays None, so the layer is numbered course-style.
        """
        slot = _path(slot)
        slot = slot[:-1] + (max(0, min(slot[-1], self.list_length(slot[:-1]))),)
        layer = kind_for(kind).new_layer(spec_paths.layers_before(self._spec, slot), shape_at(self._summary, slot),
                                         inside_block=len(slot) > 1)
        return self.insert_at(slot, layer)

    def duplicate_layer(self, index: int) -> int:
        """Insert a copy of layer `index` right after it (an explicit name is not copied)."""
        return self.duplicate_at((index,))[0]

    def duplicate_at(self, path) -> tuple:
        """Insert a copy of the layer at `path` right after it; its names (and those inside a block) are
        generated again. Returns the copy's path."""
        path = _path(path)
        name = self.name_at(path)
        return self.insert_at(path[:-1] + (path[-1] + 1,), _without_names(self.layer_at(path)), f"Duplicate {name}")

    def remove_layer(self, index: int) -> None:
        self.remove_at((index,))

    def remove_at(self, path) -> None:
        path = _path(path)
        self._push(commands.RemoveLayerCommand(self, path, f"Remove {self.name_at(path)}"))

    def move_layer(self, source: int, destination: int) -> bool:
        """Move layer `source` so that it ends up at index `destination`. False if nothing moves."""
        count = self.layer_count
        if not (0 <= source < count and 0 <= destination < count):
            return False
        return self.move_item((source,), (destination,))

    def move_item(self, source, destination) -> bool:
        """Move the layer at `source` so that it ends up at `destination`, a slot counted once it has left
        its place (any list: into or out of a block). False if nothing moves or the slot doesn't exist
        (e.g. inside the moved block itself)."""
        source, destination = _path(source), _path(destination)
        if source == destination or not self.has_layer(source):
            return False
        check = self._spec.copy()
        try:
            layer = spec_paths.remove_at(check, source)
            spec_paths.insert_at(check, destination, layer)
        except (IndexError, ValueError, TypeError, AttributeError):
            return False
        name = self.name_at(source)
        if source[:-1] != destination[:-1]:
            entry = next(e for e in check.walk() if e.path == destination)
            text = f"Move {name} into {entry.parent} › {entry.branch}" if entry.parent else f"Move {name} out"
        elif destination[-1] == source[-1] - 1:
            text = f"Move {name} up"
        elif destination[-1] == source[-1] + 1:
            text = f"Move {name} down"
        else:
            text = f"Move {name} to position {destination[-1] + 1}"
        self._push(commands.MoveLayerCommand(self, source, destination, text))
        return True

    def move_before(self, source, slot) -> bool:
        """Move the layer at `source` to `slot` counted as the tree is now (before the move): what a drop
        between two items means. False if nothing moves (the slot is the layer's own, or inside it)."""
        source, slot = _path(source), _path(slot)
        try:
            destination = spec_paths.path_after_removal(slot, source, slot=True)
        except ValueError:
            return False
        return self.move_item(source, destination)

    def add_branch(self, block_path, position: int | None = None) -> tuple | None:
        """Give the block at `block_path` a new empty list (a concat's branch) at `position` (the end when
        None); returns the new list's path, or None when the block can't take another list."""
        block_path = _path(block_path)
        block = self.layer_at(block_path)
        kind = kind_of(block)
        position = len(kind.child_lists(block)) if position is None else position
        new = kind.with_list_added(copy_layer(block), position)
        if new is None:
            return None
        label = kind.child_lists(new)[position][0]
        self._push(commands.ReplaceLayerCommand(self, block_path, new, f"Add {label} to {self.name_at(block_path)}"))
        return block_path + (position,)

    def remove_branch(self, list_path) -> bool:
        """Take the list at `list_path` (a concat's branch, with its layers) out of its block. False when
        the block can't lose it (a residual's two paths, a concat's last branch)."""
        list_path = tuple(list_path)
        block = self.layer_at(list_path[:-1])
        kind = kind_of(block)
        new = kind.with_list_removed(copy_layer(block), list_path[-1])
        if new is None:
            return False
        label = kind.child_lists(block)[list_path[-1]][0]
        self._push(commands.ReplaceLayerCommand(self, list_path[:-1], new,
                                                f"Remove {label} of {self.name_at(list_path[:-1])}"))
        return True

    def can_add_branch(self, block_path) -> bool:
        block = self.layer_at(block_path)
        kind = kind_of(block)
        return kind.is_block and kind.with_list_added(block, len(kind.child_lists(block))) is not None

    def can_remove_branch(self, list_path) -> bool:
        list_path = tuple(list_path)
        block = self.layer_at(list_path[:-1])
        return kind_of(block).with_list_removed(block, list_path[-1]) is not None

    def set_field(self, index: int, field_name: str, value, merge: bool = False) -> bool:
        """Set one field of top-level layer `index` (see set_field_at)."""
        return self.set_field_at((index,), field_name, value, merge)

    def set_field_at(self, path, field_name: str, value, merge: bool = False) -> bool:
        """Set one field of the layer at `path`. Returns False if the value is already there.

        Raises SpecError for a value the spec format doesn't allow (the message names the layer
        and field) or a layer name another layer already shows. A block's lists are not fields to set
        (its layers are edited by path). merge=True lets consecutive edits of the same field join into
        one undo step until `end_burst()` is called.
        """
        path = _path(path)
        layer = self.layer_at(path)
        allowed = {f.name for f in fields(layer)} - {"type"} - {
            f.name for f in fields(layer) if isinstance(getattr(layer, f.name), list)}
        if field_name not in allowed:
            raise SpecError(f"a {layer.type} layer has no field {field_name!r} "
                            f"(known: {', '.join(sorted(allowed))})")
        name = self.name_at(path)
        if field_name == "name":
            value = self._clean_name(path, value)
        else:
            changed = replace(layer, **{field_name: value})
            validate_layer(changed, name)
            value = getattr(normalize_layer(changed), field_name)
        old = getattr(layer, field_name)
        if old == value and type(old) is type(value):
            return False
        text = f"Rename {name}" if field_name == "name" else f"Change {name} {field_name}"
        self._push(commands.SetFieldCommand(self, path, field_name, old, value, text, merge, self._burst))
        return True

    def set_input_shape(self, shape, merge: bool = False) -> bool:
        """Set the input volume (n_H, n_W, n_C). Returns False if unchanged; SpecError if invalid."""
        shape = check_input_shape(tuple(shape))
        old = tuple(self._spec.input.shape)
        if shape == old:
            return False
        self._push(commands.SetInputShapeCommand(self, old, shape, "Change input shape", merge, self._burst))
        return True

    def replace_spec(self, spec: NetworkSpec, text: str = "Replace design") -> None:
        """Replace the whole design as one undoable step."""
        check_unique_names(spec)
        self._push(commands.ReplaceSpecCommand(self, self._spec, spec, text))

    def apply_output_fix(self, fix) -> None:
        """Make the engine's OutputFix (engine.kinds.softmax_output_fix) one undoable edit: the last layer
        replaced by its softmax version, or a softmax layer inserted."""
        if fix.replace:
            spec = self._spec.copy()
            spec.layers[fix.index] = fix.layer
            self.replace_spec(spec, fix.text)
        else:
            self.insert_layer(fix.index, fix.layer, fix.text)

    def end_burst(self) -> None:
        """Close the current run of mergeable edits: the next edit starts a new undo step."""
        self._burst += 1

    def check_name(self, path, name: str | None) -> str | None:
        """Why `name` can't be the name of the layer at `path` (an int: the top level), or None if it can."""
        try:
            self._clean_name(_path(path), name)
        except SpecError as exc:
            return str(exc)
        return None

    # ----- whole documents ----------------------------------------------------------------
    def load(self, spec: NetworkSpec, path: str | Path | None = None) -> None:
        """Start over with `spec` (opened from `path`, or a preset when path is None).

        Not undoable: the history is cleared and the document is unmodified.
        """
        self._undo_stack.clear()
        self._burst += 1
        self._apply_reset(spec.copy())
        self._set_file_path(path)
        self._undo_stack.setClean()

    def mark_saved(self, path: str | Path) -> None:
        self._set_file_path(path)
        self._undo_stack.setClean()
        self._burst += 1

    def _set_file_path(self, path) -> None:
        new = Path(path) if path is not None else None
        if new != self._file_path:
            self._file_path = new
            self.filePathChanged.emit(str(new) if new is not None else "")

    # ----- internals ------------------------------------------------------------------------
    def _on_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    def _push(self, command) -> None:
        self._undo_stack.push(command)

    def _clean_name(self, path: tuple, name) -> str | None:
        if name is not None and not isinstance(name, str):
            raise SpecError(f"a layer name must be text, got {name!r}")
        name = (name or "").strip() or None
        if name is None:
            return None
        if name.lower() == INPUT_NAME.lower():
            raise SpecError(f"{name!r} is the name of the input row; choose another name")
        # Another layer's shown name, automatic or typed, would make two rows look alike.
        others = [entry.name for entry in self._spec.walk() if entry.path != path]
        if name in others:
            raise SpecError(f"another layer is already called {name!r}; layer names must be unique")
        return name

    def _recompute(self) -> None:
        self._summary = summarize(self._spec)

    def _announce(self, signal, top_signal, *paths) -> None:
        """Emit `signal` with the paths, and `top_signal` with their indices when all are top-level."""
        signal.emit(*paths)
        if all(len(path) == 1 for path in paths):
            top_signal.emit(*(path[0] for path in paths))
        self.changed.emit()

    def _apply_insert(self, path: tuple, layer) -> None:
        spec_paths.insert_at(self._spec, path, layer)
        self._recompute()
        self._announce(self.itemInserted, self.layerInserted, path)

    def _apply_remove(self, path: tuple) -> None:
        spec_paths.remove_at(self._spec, path)
        self._recompute()
        self._announce(self.itemRemoved, self.layerRemoved, path)

    def _apply_move(self, source: tuple, destination: tuple) -> None:
        spec_paths.insert_at(self._spec, destination, spec_paths.remove_at(self._spec, source))
        self._recompute()
        if len(source) == len(destination) == 1:
            self._announce(self.itemMoved, self.layerMoved, source, destination)
        else:         # between levels: no top-level listener could follow it as a move
            self.itemMoved.emit(source, destination)
            self.changed.emit()

    def _apply_field(self, path: tuple, field_name: str, value) -> None:
        setattr(self.layer_at(path), field_name, value)
        self._recompute()
        self._announce(self.itemChanged, self.layerChanged, path)

    def _apply_replace(self, path: tuple, layer) -> None:
        spec_paths.replace_at(self._spec, path, layer)
        self._recompute()
        self._announce(self.itemChanged, self.layerChanged, path)

    def _apply_input_shape(self, shape: tuple) -> None:
        self._spec.input = InputSpec(tuple(shape))
        self._recompute()
        self.inputChanged.emit()
        self.changed.emit()

    def _apply_reset(self, spec: NetworkSpec) -> None:
        self._spec = spec
        self._recompute()
        self.specReset.emit()
        self.changed.emit()


def blank_spec() -> NetworkSpec:
    """A blank design: a 32×32×3 input (the course's) and no layers."""
    return NetworkSpec(InputSpec((32, 32, 3)), [], None)
