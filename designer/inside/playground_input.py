"""The filter playground's "Type numbers…" dialog: an n×n input matrix typed number by number (n up to
MAX_TYPED), such as the course's 7×7 strided-convolution example."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFormLayout, QHeaderView, QLabel,
                               QSpinBox, QTableView, QVBoxLayout, QWidget)

from .number_grid import NumberGridModel
from .playground_sources import MAX_TYPED

CELL = 34


class TypedInputDialog(QDialog):
    """Size n and an editable n×n grid (objectName ``typedInputDialog``), starting from `values`; `values()`
    is what was typed. The playground opens it with `open()` and takes `values()` when it is accepted."""

    def __init__(self, values, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("typedInputDialog")
        self.setWindowTitle("Type the input — filter playground")
        values = np.asarray(values, dtype=np.float64)
        self.model = NumberGridModel(values, editable=True, parent=self)
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("typedInputSize")
        self.size_spin.setRange(1, MAX_TYPED)
        self.size_spin.setValue(values.shape[0])
        self.size_spin.setToolTip(f"The input is n×n, n up to {MAX_TYPED}: numbers that still fit are kept, new "
                                  "cells start at 0")
        self.size_spin.valueChanged.connect(self.set_size)
        self.grid = QTableView()
        self.grid.setObjectName("typedInputGrid")
        self.grid.setModel(self.model)
        self.grid.setTabKeyNavigation(False)        # arrows move between numbers; Tab goes on to OK
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.grid.setToolTip("Type over a number (or double-click it) to change it; the arrow keys move")
        for header in (self.grid.horizontalHeader(), self.grid.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(CELL)
        form = QFormLayout()
        form.addRow("Size n (n×n)", self.size_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("Use these numbers as the input")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Keep the input as it was")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Rows and columns are numbered from 0, as the output cells' windows are."))
        layout.addWidget(self.grid, 1)
        layout.addWidget(buttons)
        side = min(MAX_TYPED, 12) * CELL + 80
        self.resize(side + 40, side + 120)

    def set_size(self, n: int) -> None:
        old = self.model.values
        new = np.zeros((n, n))
        k = min(n, old.shape[0])
        new[:k, :k] = old[:k, :k]
        self.model.set_values(new)
        if self.size_spin.value() != n:
            self.size_spin.setValue(n)

    def values(self) -> np.ndarray:
        return self.model.values
