"""Pooling playground: max or average pooling of a small matrix with the engine's own pool2d, numbers
in the cells — the course's 4×4 example and any numbers the learner types in."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QAbstractScrollArea, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QSizePolicy, QSpinBox, QTableView, QVBoxLayout,
                               QWidget)

from engine.course_examples import POOL_4X4
from engine.inspection import pool_image, pool_output_formula

from .number_grid import NumberGridModel

MAX_SIDE = 8


def _grid_view(model: NumberGridModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    for header in (view.horizontalHeader(), view.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setDefaultSectionSize(46)
    # As large as its cells and no larger, so input → output read as two small matrices side by side.
    view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    font = view.font()
    font.setPointSize(font.pointSize() + 3)
    view.setFont(font)
    if not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable:
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


class PoolingPlayground(QWidget):
    """Max / average pooling of a small matrix (objectName ``poolingPlayground``).

    set_input(array)   an (n_H, n_W) matrix, sides up to 8; set_mode("max" | "avg"); set_size(f); set_stride(s);
    load_course_example(mode)   the course's 4×4 with f = 2, s = 2
    output() → (n_H', n_W') array or None; cell_texts("input" | "output"); formula_text(); error_text()
    Signals: outputChanged()
    """

    outputChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("poolingPlayground")
        self._output: np.ndarray | None = None
        self._error = ""
        self._formula = ""
        self.input_model = NumberGridModel(POOL_4X4, editable=True, parent=self)
        self.output_model = NumberGridModel(np.zeros((0, 0)), editable=False, parent=self)
        self.input_model.edited.connect(self._recompute)

        box = QGroupBox("Pooling")
        form = QFormLayout(box)
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("poolingPlaygroundMode")
        self.mode_combo.addItem("max", "max")
        self.mode_combo.addItem("average", "avg")
        self.mode_combo.setToolTip("Max: the largest number of each window; average: their mean")
        self.mode_combo.currentIndexChanged.connect(self._recompute)
        form.addRow("Mode", self.mode_combo)
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("poolingPlaygroundSize")
        self.size_spin.setRange(1, MAX_SIDE)
        self.size_spin.setValue(2)
        self.size_spin.setToolTip("Window size f (f×f)")
        self.size_spin.valueChanged.connect(self._recompute)
        form.addRow("Size f", self.size_spin)
        self.stride_spin = QSpinBox()
        self.stride_spin.setObjectName("poolingPlaygroundStride")
        self.stride_spin.setRange(1, MAX_SIDE)
        self.stride_spin.setValue(2)
        self.stride_spin.setToolTip("Stride s: how far the window moves each step")
        self.stride_spin.valueChanged.connect(self._recompute)
        form.addRow("Stride s", self.stride_spin)
        reset = QPushButton("Course 4×4 example")
        reset.setObjectName("poolingPlaygroundExample")
        reset.setToolTip("Put the course's example numbers back in the input")
        reset.clicked.connect(lambda: self.load_course_example(self.mode_combo.currentData()))
        form.addRow(reset)
        note = QLabel("No parameters to learn: pooling only takes the max (or the mean) of each f×f window, "
                      "channel by channel. Double-click an input number to change it.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        form.addRow(note)

        self.input_view = _grid_view(self.input_model, "poolingPlaygroundInput")
        self.output_view = _grid_view(self.output_model, "poolingPlaygroundOutput")
        self.formula_label = QLabel()
        self.formula_label.setObjectName("poolingPlaygroundFormula")
        self.error_label = QLabel()
        self.error_label.setObjectName("poolingPlaygroundError")
        self.error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error_label.setWordWrap(True)

        grids = QHBoxLayout()
        for title, view in (("Input", self.input_view), ("Output", self.output_view)):
            col = QVBoxLayout()
            col.addWidget(QLabel(f"<b>{title}</b>"))
            col.addWidget(view)
            grids.addLayout(col)
            if view is self.input_view:
                arrow = QLabel("→")
                font = arrow.font()
                font.setPointSize(font.pointSize() + 10)
                arrow.setFont(font)
                grids.addWidget(arrow)
        grids.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(grids)
        right.addWidget(self.formula_label)
        right.addWidget(self.error_label)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        box.setMaximumWidth(300)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(right, 1)
        self._recompute()

    # ----- settings ------------------------------------------------------------------------------
    def set_input(self, values) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or not (1 <= values.shape[0] <= MAX_SIDE and 1 <= values.shape[1] <= MAX_SIDE):
            raise ValueError(f"the pooling input must be a matrix with sides 1 to {MAX_SIDE}, got {values.shape}")
        self.input_model.set_values(values)
        self._recompute()

    def set_mode(self, mode: str) -> None:
        index = self.mode_combo.findData(mode)
        if index < 0:
            raise ValueError(f"pooling mode must be 'max' or 'avg', got {mode!r}")
        self.mode_combo.setCurrentIndex(index)

    def set_size(self, f: int) -> None:
        self.size_spin.setValue(int(f))

    def set_stride(self, s: int) -> None:
        self.stride_spin.setValue(int(s))

    def load_course_example(self, mode: str = "max") -> None:
        """The course's 4×4 matrix, f = 2, s = 2, in `mode`."""
        for spin, value in ((self.size_spin, 2), (self.stride_spin, 2)):
            with QSignalBlocker(spin):
                spin.setValue(value)
        with QSignalBlocker(self.mode_combo):
            self.set_mode(mode)
        self.set_input(POOL_4X4)

    # ----- queries -------------------------------------------------------------------------------
    def output(self) -> np.ndarray | None:
        return None if self._output is None else self._output.copy()

    def cell_texts(self, which: str = "output") -> list[list[str]]:
        return (self.input_model if which == "input" else self.output_model).texts()

    def formula_text(self) -> str:
        return self._formula

    def error_text(self) -> str:
        return self._error

    # ----- compute -------------------------------------------------------------------------------
    def _recompute(self, *_args) -> None:
        x = self.input_model.values
        f, s, mode = self.size_spin.value(), self.stride_spin.value(), self.mode_combo.currentData()
        self._error = ""
        try:
            self._output = pool_image(x, f, s, mode)     # the network's own pool2d
            self._formula = f"Output size: {pool_output_formula(*x.shape, f, s)}"
        except ValueError as exc:
            self._output = None
            self._formula = ""
            self._error = str(exc)
        self.output_model.set_values(self._output if self._output is not None else np.zeros((0, 0)))
        self.formula_label.setText(self._formula)
        self.error_label.setText(self._error)
        self.error_label.setVisible(bool(self._error))
        self.outputChanged.emit()
