"""The Train tab's one-click fixes of the design: a part of TrainingPanel.

Each is one undoable edit through the document (set_input_shape, set_field, replace_spec /
insert_layer), offered only when design_check.check_design says it helps:
    use_dataset_shape()      the input becomes the dataset's image shape
    use_dataset_classes()    the softmax layer gets one unit per class of the dataset
    make_softmax_output()    the last layer becomes (or is followed by) a softmax output with k units
    open_suggested_preset()  the design can't take the dataset's images: ask the window for a preset
                             made for them (preset_requested(key); the window loads it)
"""
from __future__ import annotations

from engine.kinds import class_count_field
from engine.spec import SpecError

from designer.design.output_hint import apply_output_fix

from .design_check import check_design, softmax_units_to_set
from .text import ERROR_STYLE


class DesignFixes:
    """Uses the panel's `document`, `_dataset`, `run_controls`, `hyper_box` and `_refresh()`."""

    def check_design(self) -> tuple[bool, list[str], bool]:
        """(can train, messages, input shape differs from the dataset's) for the current design and
        dataset; every message comes from the engine (design_check.py)."""
        check = self._check()
        return check.ok, check.messages, check.shape_differs

    def _check(self):
        settings = self.hyper_box.settings()
        return check_design(self.document.spec, self._dataset, settings.batch_size, settings.optimizer)

    def _edit(self, edit):
        """Run one document edit; a SpecError is shown in the run status instead. (ok, what edit returned)."""
        try:
            result = edit()
        except SpecError as exc:
            self.run_controls.set_status(str(exc), ERROR_STYLE)
            return False, None
        self._refresh()
        return True, result

    def use_dataset_shape(self) -> bool:
        """Set the design's input to the dataset's image shape: one undoable document edit."""
        if self._dataset is None:
            return False
        ok, changed = self._edit(lambda: self.document.set_input_shape(tuple(self._dataset.image_shape)))
        return ok and (bool(changed) if changed is not None else True)

    def use_dataset_classes(self) -> bool:
        """Set the softmax output layer's units to the dataset's class count: one undoable edit."""
        units = softmax_units_to_set(self.document.spec, self._dataset)
        if units is None:
            return False
        last, field = len(self.document.spec.layers) - 1, class_count_field(self.document.spec)
        return self._edit(lambda: self.document.set_field(last, field, units))[0]

    def make_softmax_output(self) -> bool:
        """Make the design end in a softmax layer with one unit per class of the dataset (the last FC
        layer itself when it can be, else an appended one): one undoable edit."""
        fix = self._check().output_fix
        if fix is None:
            return False
        return self._edit(lambda: apply_output_fix(self.document, fix))[0]

    def open_suggested_preset(self) -> bool:
        """Ask for the preset made for the dataset's images (when the design can't take them)."""
        check = self._check()
        if check.shape_breaks is None or check.preset_for_shape is None:
            return False
        self.preset_requested.emit(check.preset_for_shape[0])
        return True
