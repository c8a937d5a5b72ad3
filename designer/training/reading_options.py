"""The window's --image-shape, --image-size and --test-fraction: a small dialog asking how to read a colour or
non-square CSV (its image shape) or class folders of mixed sizes (the size to resize to), and the fraction
held out for test when the dataset has no test part — the engine's questions (engine.data.questions) with
their suggested answers filled in."""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QSpinBox, QVBoxLayout, QWidget)

from engine.data import DatasetError
from engine.data.questions import ReadingQuestions, check_answers

MAX_SIDE = 4096


def _spin(name: str, value: int, low: int, high: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class ReadingOptionsDialog(QDialog):
    """Asks `questions` (objectName ``readingOptionsDialog``); `options()` gives load_dataset's keyword
    arguments for the answers; OK stays disabled while they can't work (a shape without the row's pixel count)."""

    def __init__(self, questions: ReadingQuestions, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("readingOptionsDialog")
        self.setWindowTitle("How to read this dataset")
        self.questions = questions
        form = QFormLayout()
        self.shape_spins: list[QSpinBox] = []
        if questions.ask_shape:
            shape = questions.image_shape or (1, questions.pixel_columns, 1)
            row = QHBoxLayout()
            for name, value, tip in (("imageShapeHeight", shape[0], "n_H: the image's height in pixels"),
                                     ("imageShapeWidth", shape[1], "n_W: the image's width in pixels"),
                                     ("imageShapeChannels", shape[2], "n_C: 1 for grey, 3 for colour (RGB)")):
                spin = _spin(name, value, 1, max(questions.pixel_columns, 1), tip)
                spin.valueChanged.connect(self._check)
                self.shape_spins.append(spin)
                row.addWidget(spin)
            form.addRow("Image shape (n_H × n_W × n_C)", row)
        self.size_spins: list[QSpinBox] = []
        if questions.image_size is not None:
            row = QHBoxLayout()
            for name, value, tip in (("imageSizeHeight", questions.image_size[0], "The height every image gets"),
                                     ("imageSizeWidth", questions.image_size[1], "The width every image gets")):
                spin = _spin(name, value, 1, MAX_SIDE, tip)
                self.size_spins.append(spin)
                row.addWidget(spin)
            form.addRow("Resize every image to (n_H × n_W)", row)
        self.fraction_spin: Optional[QDoubleSpinBox] = None
        if questions.test_fraction is not None:
            spin = self.fraction_spin = QDoubleSpinBox()
            spin.setObjectName("testFraction")
            spin.setRange(0.01, 0.99)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
            spin.setValue(questions.test_fraction)
            spin.setToolTip("The dataset has no test part: this fraction of each class is held out as test "
                            "images, which training never sees")
            form.addRow("Test fraction", spin)
        self.reason_label = QLabel(questions.reason)
        self.reason_label.setObjectName("readingOptionsReason")
        self.reason_label.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("readingOptionsProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b3261e;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Read it")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("Read the dataset with these answers")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Don't open this dataset")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason_label)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self._check()

    def options(self) -> dict:
        """load_dataset's image_shape / image_size / test_fraction for the answers given."""
        shape = tuple(spin.value() for spin in self.shape_spins) or None
        size = tuple(spin.value() for spin in self.size_spins) or None
        fraction = self.fraction_spin.value() if self.fraction_spin is not None else None
        return self.questions.options(image_shape=shape, image_size=size, test_fraction=fraction)

    def problem(self) -> str:
        """Why the answers can't work ("" when they can)."""
        try:
            check_answers(self.questions, self.options())
        except DatasetError as exc:
            return str(exc)
        return ""

    def _check(self, *args) -> None:
        problem = self.problem()
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
