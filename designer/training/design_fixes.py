"""The Train tab's one-click fixes of the design, under the Dataset box's fit message.

Each is one undoable edit through the document's own methods (set_input_shape, set_field,
apply_output_fix), offered only when design_check.check_design says it helps for the dataset in use:
    use_dataset_shape()      the input becomes the dataset's image shape
    use_dataset_classes()    the softmax layer gets one unit per class of the dataset
    make_softmax_output()    the last layer becomes (or is followed by) a softmax output with k units
    open_suggested_preset()  the design can't take the dataset's images: ask for a preset made for them
                             (presetRequested(key); the window loads it)
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Signal

from engine.kinds import class_count_field
from engine.spec import SpecError

from ..document import DesignDocument
from .dataset_box import DatasetBox
from .dataset_choice import DatasetChoice
from .design_check import check_design, softmax_units_to_set


class DesignFixes(QObject):
    """Edits `document` to fit the dataset `datasets` holds; the fix buttons of `box` act through it.

    Signals: presetRequested(str) a preset key to load; refused(str) an edit the document refused (SpecError).
    """

    presetRequested = Signal(str)
    refused = Signal(str)

    def __init__(self, document: DesignDocument, datasets: DatasetChoice, box: DatasetBox,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self._document, self._datasets = document, datasets
        box.use_shape_button.clicked.connect(self.use_dataset_shape)
        box.use_classes_button.clicked.connect(self.use_dataset_classes)
        box.use_output_button.clicked.connect(self.make_softmax_output)
        box.open_preset_button.clicked.connect(self.open_suggested_preset)

    def _edit(self, edit):
        """Run one document edit; a SpecError is reported instead. (ok, what edit returned)."""
        try:
            return True, edit()
        except SpecError as exc:
            self.refused.emit(str(exc))
            return False, None

    def use_dataset_shape(self) -> bool:
        """Set the design's input to the dataset's image shape: one undoable document edit."""
        dataset = self._datasets.dataset
        if dataset is None:
            return False
        ok, changed = self._edit(lambda: self._document.set_input_shape(tuple(dataset.image_shape)))
        return ok and bool(changed)

    def use_dataset_classes(self) -> bool:
        """Set the softmax output layer's units to the dataset's class count: one undoable edit."""
        spec = self._document.spec
        units = softmax_units_to_set(spec, self._datasets.dataset)
        if units is None:
            return False
        last, field = len(spec.layers) - 1, class_count_field(spec)
        return self._edit(lambda: self._document.set_field(last, field, units))[0]

    def make_softmax_output(self) -> bool:
        """Make the design end in a softmax layer with one unit per class of the dataset (the last FC
        layer itself when it can be, else an appended one): one undoable edit."""
        fix = check_design(self._document.spec, self._datasets.dataset).output_fix
        if fix is None:
            return False
        return self._edit(lambda: self._document.apply_output_fix(fix))[0]

    def open_suggested_preset(self) -> bool:
        """Ask for the preset made for the dataset's images (when the design can't take them)."""
        check = check_design(self._document.spec, self._datasets.dataset)
        if check.shape_breaks is None or check.preset_for_shape is None:
            return False
        self.presetRequested.emit(check.preset_for_shape[0])
        return True
