"""Pooling playground: max or average pooling of a small matrix with the engine's own pool2d, numbers
in the cells — the course's 4×4 example and any numbers (and size) the learner types in; the window behind
the chosen output cell highlighted in the input, with the max or mean it gives; rows and columns numbered
from 0 as in the filter playground; Export PNG."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QAbstractScrollArea, QComboBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QSizePolicy, QSpinBox, QTableView,
                               QVBoxLayout, QWidget)

from engine.course_examples import POOL_4X4
from engine.inspection import pool_image, pool_output_formula, window_at

from ..image_export import export_png, make_export_button
from ..zoom import scaled
from .common import format_cell
from .number_grid import NumberGridModel

MAX_SIDE = 8
CELL = 46   # px per cell at the window's zoom 1


def _grid_view(model: NumberGridModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    for header in (view.horizontalHeader(), view.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setDefaultSectionSize(CELL)
    # As large as its cells and no larger, so input → output read as two small matrices side by side.
    view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    font = view.font()
    font.setPointSize(font.pointSize() + 3)
    view.setFont(font)
    if not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable:
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)     # the arrow keys move between the numbers; Tab leaves the grid
    return view


class PoolingPlayground(QWidget):
    """Max / average pooling of a small matrix (objectName ``poolingPlayground``).

    set_input(array)   an (n_H, n_W) matrix, sides up to 8; set_input_size(n) (keeps the numbers that fit,
    zeros elsewhere); set_mode("max" | "avg"); set_size(f); set_stride(s);
    load_course_example(mode)   the course's 4×4 with f = 2, s = 2
    explain_output_cell(i, j) → "output[0,1] = max(2, 1, 1, 1) = 2", and the window highlighted in the input
    output() → (n_H', n_W') array or None; cell_texts("input" | "output"); formula_text(); error_text();
    highlighted_window() → (top, left, f) or None; export_png(path)
    Signals: outputChanged()
    """

    outputChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("poolingPlayground")
        self._output: np.ndarray | None = None
        self._error = ""
        self._formula = ""
        self._cell = (0, 0)
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
        self.size_spin = self._spin("poolingPlaygroundSize", 2, "Window size f (f×f)")
        form.addRow("Size f", self.size_spin)
        self.stride_spin = self._spin("poolingPlaygroundStride", 2, "Stride s: how far the window moves each step")
        form.addRow("Stride s", self.stride_spin)
        self.input_size_spin = self._spin("poolingPlaygroundInputSize", 4,
                                          f"The input's size n (n×n, up to {MAX_SIDE}): the numbers that still "
                                          "fit are kept, new cells start at 0")
        self.input_size_spin.valueChanged.disconnect(self._recompute)
        self.input_size_spin.valueChanged.connect(self.set_input_size)
        form.addRow("Input n", self.input_size_spin)
        reset = QPushButton("Course 4×4 example")
        reset.setObjectName("poolingPlaygroundExample")
        reset.setToolTip("Put the course's example numbers back in the input (f = 2, s = 2)")
        reset.clicked.connect(lambda: self.load_course_example(self.mode_combo.currentData()))
        form.addRow(reset)
        note = QLabel("No parameters to learn: pooling only takes the max (or the mean) of each f×f window, "
                      "channel by channel. Double-click an input number (or type over it) to change it; click "
                      "an output number to see its window.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        form.addRow(note)
        self.export_button = make_export_button(self, "pooling-playground.png")

        self.input_view = _grid_view(self.input_model, "poolingPlaygroundInput")
        self._base_points = self.input_view.font().pointSizeF()
        self.output_view = _grid_view(self.output_model, "poolingPlaygroundOutput")
        self.output_view.setToolTip("Click a number to see the window it comes from")
        self.output_view.setMouseTracking(True)
        self.output_view.entered.connect(lambda index: self.explain_output_cell(index.row(), index.column()))
        self.output_view.clicked.connect(lambda index: self.explain_output_cell(index.row(), index.column()))
        self.formula_label = QLabel()
        self.formula_label.setObjectName("poolingPlaygroundFormula")
        self.explain_label = QLabel()
        self.explain_label.setObjectName("poolingPlaygroundExplanation")
        self.explain_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setObjectName("poolingPlaygroundError")
        self.error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error_label.setWordWrap(True)

        # What Export PNG saves: the two matrices, the formula and the explanation, on white.
        self.picture = QWidget()
        self.picture.setObjectName("poolingPicture")
        self.picture.setStyleSheet("#poolingPicture { background: white; }")   # as the PNG is seen
        grids = QHBoxLayout()
        for title, view in (("Input", self.input_view), ("Output", self.output_view)):
            col = QVBoxLayout()
            col.addWidget(QLabel(f"<b>{title}</b>"))
            col.addWidget(view)
            col.addStretch(1)
            grids.addLayout(col)
            if view is self.input_view:
                arrow = QLabel("→")
                font = arrow.font()
                font.setPointSize(font.pointSize() + 10)
                arrow.setFont(font)
                grids.addWidget(arrow)
        grids.addStretch(1)
        picture = QVBoxLayout(self.picture)
        picture.addLayout(grids)
        picture.addWidget(self.formula_label)
        picture.addWidget(self.explain_label)
        right = QVBoxLayout()
        right.addWidget(self.picture)
        right.addWidget(self.error_label)
        right.addStretch(1)
        left = QVBoxLayout()
        box.setMaximumWidth(300)
        left.addWidget(box)
        left.addWidget(self.export_button)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self._recompute()

    def _spin(self, name: str, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(1, MAX_SIDE)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.valueChanged.connect(self._recompute)
        return spin

    # ----- settings ------------------------------------------------------------------------------
    def set_zoom(self, factor: float) -> None:
        """View › Zoom: the matrices' cells and numbers `factor` times their usual size."""
        for view in (self.input_view, self.output_view):
            font = view.font()
            font.setPointSizeF(scaled(self._base_points, factor))
            view.setFont(font)
            for header in (view.horizontalHeader(), view.verticalHeader()):
                header.setDefaultSectionSize(round(CELL * factor))
            view.updateGeometry()

    def set_input(self, values) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or not (1 <= values.shape[0] <= MAX_SIDE and 1 <= values.shape[1] <= MAX_SIDE):
            raise ValueError(f"the pooling input must be a matrix with sides 1 to {MAX_SIDE}, got {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("the pooling input's numbers must be finite")
        self.input_model.set_values(values)
        if values.shape[0] == values.shape[1]:
            with QSignalBlocker(self.input_size_spin):
                self.input_size_spin.setValue(values.shape[0])
        self._recompute()

    def set_input_size(self, n: int) -> None:
        """An n×n input: the numbers that fit stay, new cells are 0."""
        n = int(n)
        if not 1 <= n <= MAX_SIDE:
            raise ValueError(f"the pooling input's size must be 1 to {MAX_SIDE}, got {n}")
        old = self.input_model.values
        new = np.zeros((n, n))
        k_H, k_W = min(n, old.shape[0]), min(n, old.shape[1])
        new[:k_H, :k_W] = old[:k_H, :k_W]
        self.set_input(new)

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
        self._cell = (0, 0)
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

    def highlighted_window(self) -> tuple[int, int, int] | None:
        """(top, left, f) of the input window behind the explained output cell; None without output."""
        return self.input_model.highlighted()

    def explanation_text(self) -> str:
        return self.explain_label.text()

    # ----- the window behind an output cell -------------------------------------------------------
    def explain_output_cell(self, i: int, j: int) -> str:
        """Highlight the window behind output[i, j] in the input and say what it gives."""
        if self._output is None or not (0 <= i < self._output.shape[0] and 0 <= j < self._output.shape[1]):
            return ""
        self._cell = (int(i), int(j))
        f, s = self.size_spin.value(), self.stride_spin.value()
        window, top, left = window_at(self.input_model.values, i, j, f, s, 0)
        self.input_model.set_highlight((top, left, f))
        numbers = ", ".join(format_cell(v) for v in window.ravel())
        what = "max" if self.mode_combo.currentData() == "max" else "mean"
        text = f"output[{i},{j}] = {what}({numbers}) = {format_cell(self._output[i, j])}"
        self.explain_label.setText(text)
        with QSignalBlocker(self.output_view.selectionModel()):
            self.output_view.setCurrentIndex(self.output_model.index(i, j))
        return text

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
        if self._output is None:
            self.input_model.set_highlight(None)
            self.explain_label.setText("")
        else:
            i, j = self._cell
            if i >= self._output.shape[0] or j >= self._output.shape[1]:
                i, j = 0, 0
            self.explain_output_cell(i, j)
        self.outputChanged.emit()

    # ----- export --------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The input → output matrices with the formula and the explanation, as PNG (atomic write)."""
        return export_png(self.picture, path)
