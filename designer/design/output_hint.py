"""The hint under the Design tab's table when the design doesn't end in class scores yet.

A learner building a net by clicking ends with "FC5 — 64 units, relu"; training needs a softmax layer
with one unit per class. The engine decides whether the design needs it and what the one-click fix is
(`engine.kinds.softmax_output_fix`, which asks `output_kind`); this bar only shows its words and has the
document apply the fix as one undoable edit.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from engine.kinds import DEFAULT_CLASSES, output_kind, softmax_output_fix
from engine.spec import SpecError

from ..document import DesignDocument


class OutputHint(QFrame):
    """objectName ``outputHint``; its label ``outputHintText`` and button ``outputFixButton``.

    set_class_count(k): the class count of the dataset the Train tab has picked (None: none picked); without
    one the fix uses DEFAULT_CLASSES.
    """

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("outputHint")
        self.setStyleSheet("QFrame#outputHint { background: #fff4d6; border: 1px solid #e8c66a; border-radius: 4px; }")
        self._document = document
        self._classes: Optional[int] = None
        self.label = QLabel()
        self.label.setObjectName("outputHintText")
        self.label.setWordWrap(True)
        self.button = QPushButton()
        self.button.setObjectName("outputFixButton")
        self.button.setToolTip("Make the design end in a softmax layer with one unit per class")
        self.button.clicked.connect(self.apply_fix)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        document.changed.connect(self.refresh)
        self.refresh()

    def set_class_count(self, classes: Optional[int]) -> None:
        self._classes = classes
        self.refresh()

    def class_count(self) -> int:
        k = self._classes
        return k if isinstance(k, int) and k >= 2 else DEFAULT_CLASSES

    def fix(self):
        """The engine's OutputFix for the design now, or None when nothing needs fixing (or the design
        has a layer that cannot work: the red row comes first)."""
        doc = self._document
        if doc.summary.error is not None:
            return None
        return softmax_output_fix(doc.spec, self.class_count())

    def refresh(self) -> None:
        fix = self.fix()
        self.setVisible(fix is not None)
        if fix is None:
            return
        try:
            output_kind(self._document.spec)
            why = ""
        except SpecError as exc:
            why = str(exc)
        self.label.setText(f"To train, the last layer should be softmax with k = {fix.classes} classes "
                           f"(one unit per class). {why}")
        self.label.setToolTip(why)
        self.button.setText(fix.text)
        self.button.setToolTip(f"{fix.text}: one edit, Ctrl+Z takes it back. k is the class count of the "
                               "dataset picked on the Train tab (10 when none is).")

    def apply_fix(self) -> bool:
        fix = self.fix()
        if fix is None:
            return False
        self._document.apply_output_fix(fix)
        return True

