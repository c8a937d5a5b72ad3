"""The filter playground's settings panel: the image (course matrices, dataset test images, a picture
file), the filter (the course's edge filters or an editable f×f grid), stride and padding, the
                   cross-correlation note, and the Export button.

`build_controls(playground)` makes the widgets as attributes of `playground` (a FilterPlayground:
                                                                              image_combo, index_spin, open_button, color_check, image_info, filter_combo, size_spin, filter_model,
filter_table, stride_spin, padding_combo, padding_spin, note_label, export_button) and returns the
panel; the playground connects their signals to what they do.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QSizePolicy, QSpinBox, QTableView, QVBoxLayout,
                               QWidget)

from ..column_scroll import vertical_scroll
from ..image_export import make_export_button
from .playground_sources import (BUILTIN_DATASETS, CUSTOM, FILTER_PRESETS, IMAGE_PRESETS, MAX_FILTER, MAX_SIDE,
                                 FilterModel)

CROSS_CORRELATION_NOTE = (
                          "The app computes cross-correlation (no filter flip), as deep learning does: each output number is "
    "the sum of the window's pixels times the filter's numbers at the same places. The textbook "
    "convolution would flip the filter first.")


def build_controls(playground) -> QWidget:
    """The settings panel (scrolling on its own) with the Export button under it."""
    controls = QWidget()
    controls.setMaximumWidth(330)
    controls.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
    col = QVBoxLayout(controls)
    col.setContentsMargins(0, 0, 0, 0)

    box = QGroupBox("Image")
    form = QFormLayout(box)
    playground.image_combo = QComboBox()
    playground.image_combo.setObjectName("imageCombo")
    playground.image_combo.setToolTip("The picture the filter slides over: the course's examples, or a test "
                                      "image of a built-in dataset")
    for key, (title, _) in IMAGE_PRESETS.items():
        playground.image_combo.addItem(title, f"preset:{key}")
    for name in BUILTIN_DATASETS:
        playground.image_combo.addItem(f"{name} dataset (test image)", f"dataset:{name}")
    form.addRow(playground.image_combo)
    playground.index_spin = QSpinBox()
    playground.index_spin.setObjectName("imageIndex")
    playground.index_spin.setToolTip("Which test image of the dataset")
    form.addRow("Test image #", playground.index_spin)
    row = QHBoxLayout()
    playground.open_button = QPushButton("Open…")
    playground.open_button.setObjectName("openImageButton")
    playground.open_button.setToolTip(f"Use a PNG or JPEG; pictures larger than {MAX_SIDE} px are scaled down")
    row.addWidget(playground.open_button)
    playground.color_check = QCheckBox("Keep colour (RGB)")
    playground.color_check.setObjectName("keepColor")
    playground.color_check.setToolTip("Colour images: keep the 3 channels (the filter is repeated over them) "
                                      "or turn the picture grey first")
    row.addWidget(playground.color_check)
    row.addStretch(1)
    form.addRow(row)
    playground.image_info = QLabel()
    playground.image_info.setWordWrap(True)
    playground.image_info.setStyleSheet("color: #555555;")
    form.addRow(playground.image_info)
    col.addWidget(box)

    box = QGroupBox("Filter")
    form = QFormLayout(box)
    playground.filter_combo = QComboBox()
    playground.filter_combo.setObjectName("filterCombo")
    playground.filter_combo.setToolTip("The filter's numbers: an edge detector (vertical, horizontal, Sobel, "
                                       "Scharr) or your own (Custom: double-click a number to change it)")
    for key, (title, _) in FILTER_PRESETS.items():
        playground.filter_combo.addItem(title, key)
    playground.filter_combo.addItem("Custom (edit the numbers)", CUSTOM)
    form.addRow(playground.filter_combo)
    playground.size_spin = QSpinBox()
    playground.size_spin.setObjectName("filterSize")
    playground.size_spin.setRange(1, MAX_FILTER)
    playground.size_spin.setValue(3)
    playground.size_spin.setToolTip("Filter size f (the filter is f×f)")
    form.addRow("Size f", playground.size_spin)
    playground.filter_model = FilterModel(FILTER_PRESETS["vertical"][1], playground)
    playground.filter_table = QTableView()
    playground.filter_table.setObjectName("filterTable")
    playground.filter_table.setModel(playground.filter_model)
    playground.filter_table.setToolTip("Double-click a number to change it")
    playground.filter_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                            | QAbstractItemView.EditTrigger.EditKeyPressed
                                      | QAbstractItemView.EditTrigger.AnyKeyPressed)
    for header in (playground.filter_table.horizontalHeader(), playground.filter_table.verticalHeader()):
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(28)
    playground.filter_table.setMinimumHeight(150)
    form.addRow(playground.filter_table)
    col.addWidget(box)

    box = QGroupBox("Stride and padding")
    form = QFormLayout(box)
    playground.stride_spin = QSpinBox()
    playground.stride_spin.setObjectName("stride")
    playground.stride_spin.setRange(1, 8)
    playground.stride_spin.setToolTip("Stride s: how many pixels the filter moves each step")
    form.addRow("Stride s", playground.stride_spin)
    row = QHBoxLayout()
    playground.padding_combo = QComboBox()
    playground.padding_combo.setObjectName("padding")
    playground.padding_combo.addItem("valid (p = 0)", "valid")
    playground.padding_combo.addItem("same (p = (f − 1)/2)", "same")
    playground.padding_combo.addItem("p =", "number")
    playground.padding_combo.setToolTip("Zeros added around the input on each side")
    row.addWidget(playground.padding_combo, 1)
    playground.padding_spin = QSpinBox()
    playground.padding_spin.setObjectName("paddingAmount")
    playground.padding_spin.setRange(0, 10)
    playground.padding_spin.setEnabled(False)
    playground.padding_spin.setToolTip("p: rows and columns of zeros added on each side. Choose \"p =\" to type "
                                       "your own; under valid and same it shows the p they give")
    row.addWidget(playground.padding_spin)
    form.addRow("Padding", row)
    col.addWidget(box)

    playground.note_label = QLabel("Cross-correlation: the filter slides without being flipped, "
                                   "as in deep learning.")
    playground.note_label.setObjectName("crossCorrelationNote")
    playground.note_label.setWordWrap(True)
    playground.note_label.setToolTip(CROSS_CORRELATION_NOTE)
    playground.note_label.setStyleSheet("color: #555555;")
    col.addWidget(playground.note_label)
    col.addStretch(1)
    # The settings scroll on their own (a 640-px-high window can't show them all), so the tab never
    # needs an outer scrollbar and Export stays in sight below them.
    settings = vertical_scroll(controls, "playgroundSettings")
    settings.setMinimumWidth(controls.minimumSizeHint().width()
                             + settings.verticalScrollBar().sizeHint().width())
    playground.export_button = make_export_button(playground, "filter-playground.png")
    side_panel = QWidget()
    side_panel.setMaximumWidth(350)
    side_panel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
    side = QVBoxLayout(side_panel)
    side.setContentsMargins(0, 0, 0, 0)
    side.addWidget(settings, 1)
    side.addWidget(playground.export_button)
    return side_panel
