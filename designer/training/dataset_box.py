"""The Dataset box: the chooser, what the dataset holds (with a strip of sample images), the progress
of a dataset being read, and whether the design fits it (with its one-click fixes)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from engine.data import Dataset

from .datasets import dataset_title, is_builtin
from .design_check import DesignCheck
from .sample_strip import SampleStrip
from ..dataset_advice import builtin_sentence, use_builtin_text
from .text import ERROR_STYLE, OK_STYLE, sentence


def _selectable_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DatasetBox(QGroupBox):
    """Shows the choice and the verdict; the panel decides what a click does (its signals:
    `dataset_combo.activated`, `open_dataset_button.clicked`, `open_folder_button.clicked`,
    `use_shape_button.clicked`, `use_classes_button.clicked`, `use_output_button.clicked`,
    `open_preset_button.clicked`, `use_builtin_button.clicked`)."""

    def __init__(self, parent=None):
        super().__init__("Dataset", parent)
        self.setObjectName("datasetBox")
        self._failed = False       # the last open failed: the box shows no samples or verdict of its own
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        row = QHBoxLayout()
        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("datasetCombo")
        self.dataset_combo.setToolTip("The images to train on. Digits: 1,797 real 8×8 grey handwritten digits. "
                                      "Shapes: generated 32×32 colour circles, squares, triangles and crosses. "
                                      "Datasets opened before are listed too.")
        self.dataset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(14)
        row.addWidget(self.dataset_combo, 1)
        self.open_dataset_button = QPushButton("Open…")
        self.open_dataset_button.setObjectName("openDatasetButton")
        self.open_dataset_button.setToolTip("Open a dataset file: an .npz (x_train, y_train, x_test, y_test), "
                                            "CIFAR-10's .tar.gz (binary or python), a Kaggle-style CSV, or one "
                                            "of MNIST's IDX files (.gz too). You can also drop it on the window.")
        row.addWidget(self.open_dataset_button)
        self.open_folder_button = QPushButton("Folder…")
        self.open_folder_button.setObjectName("openDatasetFolderButton")
        self.open_folder_button.setToolTip("Open a dataset folder: MNIST-style IDX files, CIFAR-10's "
                                           "cifar-10-batches-bin / -py, or one subfolder of images per class "
                                           "(DIR/<class>/*.png, or DIR/train/… and DIR/test/…). You can also "
                                           "drop it on the window.")
        row.addWidget(self.open_folder_button)
        layout.addLayout(row)
        self.load_progress = QProgressBar()
        self.load_progress.setObjectName("datasetLoadProgress")
        self.load_progress.setRange(0, 100)
        self.load_progress.setTextVisible(True)
        self.load_progress.setVisible(False)
        layout.addWidget(self.load_progress)
        self.dataset_info = _selectable_label("datasetInfoLabel")
        layout.addWidget(self.dataset_info)
        self.sample_strip = SampleStrip()
        self.sample_strip.setToolTip("Training images, one per class: what the network will see")
        layout.addWidget(self.sample_strip)
        self.fit_label = _selectable_label("fitMessageLabel")
        layout.addWidget(self.fit_label)
        self.use_output_button = _fix_button(
            layout, "Make it the softmax output", "useSoftmaxOutputButton",
            "Make the design end in a softmax layer with one unit per class (one undoable edit)")
        self.use_builtin_button = _fix_button(
            layout, "Use Shapes", "useBuiltinDatasetButton",
            "Train on the built-in dataset that fits the design as it is (the design is not changed)")
        self.open_preset_button = _fix_button(
            layout, "Open a preset made for these images", "openShapePresetButton",
            "Start from a preset made for the dataset's images")
        self.use_shape_button = _fix_button(
            layout, "Use dataset's shape", "useDatasetShapeButton",
            "Set the design's input layer to the dataset's image shape (one undoable edit)")
        self.use_classes_button = _fix_button(
            layout, "Use dataset's classes", "useDatasetClassesButton",
            "Set the softmax output layer's units to the dataset's number of classes (one undoable edit)")

    # ----- the chooser ----------------------------------------------------------------------------
    def add_choice(self, key: str) -> None:
        if self.dataset_combo.findData(key) < 0:
            self.dataset_combo.addItem(dataset_title(key), key)
            tip = key if is_builtin(key) else f"{key}\n(opened before; read again when chosen)"
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)

    def choices(self) -> list[str]:
        """The keys listed, top to bottom."""
        return [self.dataset_combo.itemData(i) for i in range(self.dataset_combo.count())]

    def select(self, key: Optional[str]) -> None:
        """Show `key` as the choice (adding it to the list if new)."""
        if key is None:
            return
        self.add_choice(key)
        self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(key))

    # ----- what it shows --------------------------------------------------------------------------
    def show_dataset(self, dataset: Optional[Dataset]) -> None:
        self._failed = False
        self.load_progress.setVisible(False)
        self.sample_strip.show_dataset(dataset)
        if dataset is None:
            self.dataset_info.setText("No dataset")
            return
        self.dataset_info.setText(dataset.describe())
        self.dataset_info.setStyleSheet("")
        info = dataset.info()
        counts = ", ".join(f"{name} {train:,}/{test:,}" for name, train, test in
                           zip(info["class_names"], info["train_counts"], info["test_counts"]))
        self.dataset_info.setToolTip(f"{info['format'] or 'built-in'}, {info['dtype']}, {info['megabytes']} MB\n"
                                     f"Images per class (train/test): {counts}")

    def show_loading(self, key: str) -> None:
        """A dataset is being read (in a thread): a busy bar until its first progress report."""
        self.load_progress.setRange(0, 0)
        self.load_progress.setFormat("")
        self.load_progress.setVisible(True)
        self.dataset_info.setText(f"Reading {Path(key).name}…")
        self.dataset_info.setStyleSheet("")

    def show_load_progress(self, fraction: float, message: str) -> None:
        if self.load_progress.maximum() == 0:
            self.load_progress.setRange(0, 100)
        self.load_progress.setValue(int(round(100 * min(max(fraction, 0.0), 1.0))))
        self.load_progress.setFormat(f"%p% · {message}" if message else "%p%")

    def show_open_error(self, message: str, current: Optional[Dataset]) -> None:
        """One line in red; the old samples and verdict go (they were not the file's), and the fit line says
        which dataset is still in use (the chooser shows it too)."""
        self._failed = True
        self.load_progress.setVisible(False)
        self.sample_strip.show_dataset(None)
        still = current.describe() if current is not None else "no dataset"
        self.dataset_info.setText(f"Could not open the dataset: {message}")
        self.dataset_info.setStyleSheet(ERROR_STYLE)
        self.dataset_info.setToolTip(f"Still using {still}")

    def show_check(self, check: DesignCheck, dataset: Optional[Dataset]) -> None:
        """The verdict of design_check.check_design, and the one-click fixes it allows."""
        if check.messages:
            self.fit_label.setText("\n".join(f"• {m}" for m in check.messages))
            self.fit_label.setStyleSheet(ERROR_STYLE)
        elif dataset is not None and self._failed:
            self.fit_label.setText(f"Still using '{dataset.name}' ({dataset.describe()}); the design fits it.")
            self.fit_label.setStyleSheet("")
        elif dataset is not None:
            note = f" ({check.brief_note})" if check.brief_note else ""
            self.fit_label.setText(f"✓ The design fits: {'×'.join(map(str, dataset.image_shape))} images, "
                                   f"{dataset.num_classes} classes{note}.")
            self.fit_label.setStyleSheet(OK_STYLE)
            self.fit_label.setToolTip(sentence(check.note) if check.note else "")
        else:
            self.fit_label.setText("")
        self.use_shape_button.setVisible(check.shape_differs and check.shape_breaks is None)
        if check.shape_differs and dataset is not None:
            self.use_shape_button.setText(f"Use dataset's shape ({'×'.join(map(str, dataset.image_shape))})")
        self.use_classes_button.setVisible(check.classes_to_set is not None)
        if check.classes_to_set is not None:
            self.use_classes_button.setText(f"Use dataset's classes ({check.classes_to_set})")
        fix = check.output_fix
        self.use_output_button.setVisible(fix is not None)
        if fix is not None:
            self.use_output_button.setText(fix.text)
            self.use_output_button.setToolTip(f"{fix.text}: one edit, Ctrl+Z takes it back. Training needs a "
                                              "softmax layer with one unit per class at the end.")
        self.use_builtin_button.setVisible(check.builtin is not None)
        if check.builtin is not None:
            self.use_builtin_button.setText(use_builtin_text(check.builtin))
            self.use_builtin_button.setToolTip(f"{builtin_sentence(check.builtin)} The design is not changed.")
        preset = check.preset_for_shape if check.shape_breaks else None
        self.open_preset_button.setVisible(preset is not None)
        if preset is not None:
            self.open_preset_button.setText(f"Open the {preset[1].split(' (')[0]} preset")
            self.open_preset_button.setToolTip(f"Start from the {preset[1]} preset, made for these images "
                                               "(asks to save your design first)")

    def set_choosable(self, choosable: bool, has_dataset: bool) -> None:
        """Idle: everything; while a run goes on or a dataset is being read: nothing."""
        for button in (self.dataset_combo, self.open_dataset_button, self.open_folder_button,
                       self.use_classes_button, self.use_output_button, self.open_preset_button,
                       self.use_builtin_button):
            button.setEnabled(choosable)
        self.use_shape_button.setEnabled(choosable and has_dataset)


def _fix_button(layout, text: str, name: str, tooltip: str) -> QPushButton:
    """A left-aligned one-click fix under the fit message (shown only when it applies)."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tooltip)
    layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
    return button
