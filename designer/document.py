"""The design document: the NetworkSpec being edited, its undo history and its file.

Every edit goes through a DesignDocument method, which pushes an undo command; the command calls
back into `_apply_*`, which mutates the spec, recomputes `engine.summarize` once, and announces
the change. Views and models never change the spec themselves.

Signals, all emitted after the spec and `summary` are up to date:
    layerInserted(index), layerRemoved(index), layerMoved(source, destination),
    layerChanged(index), inputChanged(), specReset()  — what changed, for models that keep
                                                         selections and rows in place;
    changed()                                          — after any of them;
    modifiedChanged(bool), filePathChanged(str)        — for the title bar.
Layer indices are positions in `spec.layers` (the input is not a layer).
"""
from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine.kinds import kind_for
from engine.shapes import Summary, shape_before, summarize
from engine.spec import (InputSpec, NetworkSpec, SpecError, check_input_shape, check_unique_names, copy_layer,
                         normalize_layer, validate_layer)

from . import commands

INPUT_NAME = "Input"


class DesignDocument(QObject):
    changed = Signal()
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

    def layer_names(self) -> list[str]:
        """Display names, one per top-level layer (the summary's top-level rows 1..n carry the same names)."""
        return [row.name for row in self._summary.top_level_rows[1:]]

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
        index = max(0, min(index, self.layer_count))
        validate_layer(layer, f"layer {index + 1}")
        layer = normalize_layer(layer)
        check = self._spec.copy()
        check.layers.insert(index, layer)
        check_unique_names(check)
        name = check.layer_names()[index]
        self._push(commands.InsertLayerCommand(self, index, layer, text or f"Add {name}"))
        return index

    def add_layer(self, kind: str, after: int | None = None) -> int:
        """Insert a new `kind` layer with default settings after layer `after`.

        after = −1 inserts first (right after the input); None appends at the end.
        Returns the new layer's index.
        """
        index = self.layer_count if after is None else after + 1
        index = max(0, min(index, self.layer_count))
        # The kind decides what makes sense here (e.g. a conv doubles the filters of the conv before it; a
        # block fits the shape there); the name stays None, so the layer is numbered course-style.
        layer = kind_for(kind).new_layer(list(self._spec.layers[:index]), shape_before(self._spec, index))
        return self.insert_layer(index, layer)

    def duplicate_layer(self, index: int) -> int:
        """Insert a copy of layer `index` right after it (an explicit name is not copied)."""
        layer = replace(copy_layer(self._spec.layers[index]), name=None)
        name = self.layer_names()[index]
        return self.insert_layer(index + 1, layer, f"Duplicate {name}")

    def remove_layer(self, index: int) -> None:
        name = self.layer_names()[index]
        self._push(commands.RemoveLayerCommand(self, index, f"Remove {name}"))

    def move_layer(self, source: int, destination: int) -> bool:
        """Move layer `source` so that it ends up at index `destination`. False if nothing moves."""
        count = self.layer_count
        if not (0 <= source < count and 0 <= destination < count) or source == destination:
            return False
        name = self.layer_names()[source]
        if destination == source - 1:
            text = f"Move {name} up"
        elif destination == source + 1:
            text = f"Move {name} down"
        else:
            text = f"Move {name} to position {destination + 1}"
        self._push(commands.MoveLayerCommand(self, source, destination, text))
        return True

    def set_field(self, index: int, field_name: str, value, merge: bool = False) -> bool:
        """Set one field of layer `index`. Returns False if the value is already there.

        Raises SpecError for a value the spec format doesn't allow (the message names the layer
        and field) or a layer name another layer already shows. merge=True lets consecutive
        edits of the same field join into one undo step until `end_burst()` is called.
        """
        layer = self._spec.layers[index]
        allowed = {f.name for f in fields(layer)} - {"type"}
        if field_name not in allowed:
            raise SpecError(f"a {layer.type} layer has no field {field_name!r} "
                            f"(known: {', '.join(sorted(allowed))})")
        if field_name == "name":
            value = self._clean_name(index, value)
        else:
            changed = replace(layer, **{field_name: value})
            validate_layer(changed, self.layer_names()[index])
            value = getattr(normalize_layer(changed), field_name)
        old = getattr(layer, field_name)
        if old == value and type(old) is type(value):
            return False
        name = self.layer_names()[index]
        label = "name" if field_name == "name" else field_name
        text = f"Rename {name}" if field_name == "name" else f"Change {name} {label}"
        self._push(commands.SetFieldCommand(self, index, field_name, old, value, text, merge, self._burst))
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

    def check_name(self, index: int, name: str | None) -> str | None:
        """Why `name` can't be layer `index`'s name, or None if it can."""
        try:
            self._clean_name(index, name)
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

    def _clean_name(self, index: int, name) -> str | None:
        if name is not None and not isinstance(name, str):
            raise SpecError(f"a layer name must be text, got {name!r}")
        name = (name or "").strip() or None
        if name is None:
            return None
        if name.lower() == INPUT_NAME.lower():
            raise SpecError(f"{name!r} is the name of the input row; choose another name")
        # Another layer's shown name, automatic or typed, would make two rows look alike.
        others = [n for i, n in enumerate(self.layer_names()) if i != index]
        if name in others:
            raise SpecError(f"another layer is already called {name!r}; layer names must be unique")
        return name

    def _recompute(self) -> None:
        self._summary = summarize(self._spec)

    def _apply_insert(self, index: int, layer) -> None:
        self._spec.layers.insert(index, layer)
        self._recompute()
        self.layerInserted.emit(index)
        self.changed.emit()

    def _apply_remove(self, index: int) -> None:
        del self._spec.layers[index]
        self._recompute()
        self.layerRemoved.emit(index)
        self.changed.emit()

    def _apply_move(self, source: int, destination: int) -> None:
        layer = self._spec.layers.pop(source)
        self._spec.layers.insert(destination, layer)
        self._recompute()
        self.layerMoved.emit(source, destination)
        self.changed.emit()

    def _apply_field(self, index: int, field_name: str, value) -> None:
        setattr(self._spec.layers[index], field_name, value)
        self._recompute()
        self.layerChanged.emit(index)
        self.changed.emit()

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
