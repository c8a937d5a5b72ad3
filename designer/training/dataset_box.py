"""The Dataset box: the chooser, what the dataset holds, and whether the design fits it."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from engine.data import Dataset

from .datasets import dataset_title
from .design_check import DesignCheck
from .text import ERROR_STYLE, OK_STYLE


def _selectable_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DatasetBox(QGroupBox):
    """Shows the choice and the verdict; the panel decides what a click does (its signals:
    `dataset_combo.activated`, `open_dataset_button.clicked`, `use_shape_button.clicked`,
    `use_classes_button.clicked`)."""

    def __init__(self, parent=None):
        super().__init__("Dataset", parent)
        self.setObjectName("datasetBox")
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        row = QHBoxLayout()
        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("datasetCombo")
        self.dataset_combo.setToolTip("The images to train on. Digits: 1,797 real 8×8 grey handwritten digits. "
                                      "Shapes: generated 32×32 colour circles, squares, triangles and crosses. "
                                      "Open… reads an .npz with x_train, y_train, x_test, y_test.")
        self.dataset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(14)
        row.addWidget(self.dataset_combo, 1)
        self.open_dataset_button = QPushButton("Open…")
        self.open_dataset_button.setObjectName("openDatasetButton")
        self.open_dataset_button.setToolTip("Open a dataset file (.npz with x_train, y_train, x_test, y_test "
                                            "and optionally class_names)")
        row.addWidget(self.open_dataset_button)
        layout.addLayout(row)
        self.dataset_info = _selectable_label("datasetInfoLabel")
        layout.addWidget(self.dataset_info)
        self.fit_label = _selectable_label("fitMessageLabel")
        layout.addWidget(self.fit_label)
        self.use_shape_button = QPushButton("Use dataset's shape")
        self.use_shape_button.setObjectName("useDatasetShapeButton")
        self.use_shape_button.setToolTip("Set the design's input layer to the dataset's image shape "
                                         "(one undoable edit)")
        layout.addWidget(self.use_shape_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.use_classes_button = QPushButton("Use dataset's classes")
        self.use_classes_button.setObjectName("useDatasetClassesButton")
        self.use_classes_button.setToolTip("Set the softmax output layer's units to the dataset's number of "
                                           "classes (one undoable edit)")
        layout.addWidget(self.use_classes_button, 0, Qt.AlignmentFlag.AlignLeft)

    # ----- the chooser ----------------------------------------------------------------------------
    def add_choice(self, key: str) -> None:
        if self.dataset_combo.findData(key) < 0:
            self.dataset_combo.addItem(dataset_title(key), key)
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, key, Qt.ItemDataRole.ToolTipRole)

    def select(self, key: Optional[str]) -> None:
        """Show `key` as the choice (adding it to the list if new)."""
        if key is None:
            return
        self.add_choice(key)
        self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(key))

    # ----- what it shows --------------------------------------------------------------------------
    def show_dataset(self, dataset: Optional[Dataset]) -> None:
        if dataset is None:
            self.dataset_info.setText("No dataset")
            return
        names = list(dataset.class_names)
        shown = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
        self.dataset_info.setText(f"{dataset.describe()}\nClasses: {shown}")
        self.dataset_info.setStyleSheet("")
        self.dataset_info.setToolTip(repr(dataset))

    def show_open_error(self, message: str, current: Optional[Dataset]) -> None:
        still = current.describe() if current is not None else "no dataset"
        self.dataset_info.setText(f"Could not open the dataset: {message}\n(still using {still})")
        self.dataset_info.setStyleSheet(ERROR_STYLE)

    def show_check(self, check: DesignCheck, dataset: Optional[Dataset]) -> None:
        """The verdict of design_check.check_design, and the one-click fixes it allows."""
        if check.messages:
            self.fit_label.setText("\n".join(f"• {m}" for m in check.messages))
            self.fit_label.setStyleSheet(ERROR_STYLE)
        elif dataset is not None:
            self.fit_label.setText(f"✓ The design fits: {'×'.join(map(str, dataset.image_shape))} images, "
                                   f"{dataset.num_classes} classes.")
            self.fit_label.setStyleSheet(OK_STYLE)
        self.use_shape_button.setVisible(check.shape_differs)
        if check.shape_differs and dataset is not None:
            self.use_shape_button.setText(f"Use dataset's shape ({'×'.join(map(str, dataset.image_shape))})")
        self.use_classes_button.setVisible(check.classes_to_set is not None)
        if check.classes_to_set is not None:
            self.use_classes_button.setText(f"Use dataset's classes ({check.classes_to_set})")

    def set_choosable(self, choosable: bool, has_dataset: bool) -> None:
        """Idle: everything; while a run goes on: nothing (it trains on the dataset chosen at Start)."""
        self.dataset_combo.setEnabled(choosable)
        self.open_dataset_button.setEnabled(choosable)
        self.use_shape_button.setEnabled(choosable and has_dataset)
        self.use_classes_button.setEnabled(choosable)
