"""Filter playground: slide a filter over an image with the engine's own conv2d and see every number.

input ∗ filter = output, side by side, with the course's small matrices (numbers in the cells), dataset
images, or any PNG/JPEG; the course's edge filters or a hand-made f×f filter; stride and padding; the
output-size formula with the numbers filled in; and, for any output cell under the mouse, the window it
came from and the sum of products that made it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFormLayout, QFrame,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QSpinBox, QTableView, QVBoxLayout, QWidget)

from engine.course_examples import COURSE_6X6, VERTICAL_EDGE_IMAGE
from engine.data import images_to_float, load_dataset
from engine.functional import conv2d
from engine.inspection import to_grey
from engine.shapes import output_size_formula, resolve_padding

from .common import (BACKGROUND, DIVERGING, GREY, TEXT, ScaledText, colorize, format_cell, format_number,
                     make_image_item, make_image_view, outline, pixel_text, text_color_for)
from .export import export_png, make_export_button

# --------------------------------------------------------------------------------------------------
# The course's examples (engine.course_examples)
# --------------------------------------------------------------------------------------------------

_EDGE = VERTICAL_EDGE_IMAGE

IMAGE_PRESETS: dict[str, tuple[str, np.ndarray]] = {
    "course_6x6": ("Course 6×6 example", COURSE_6X6),
    "vertical_edge": ("Vertical edge (10 10 10 0 0 0)", _EDGE),
    "vertical_edge_mirrored": ("Vertical edge, mirrored (0 0 0 10 10 10)", _EDGE[:, ::-1].copy()),
    "horizontal_edge": ("Horizontal edge (10 above 0)", _EDGE.T.copy()),
}

FILTER_PRESETS: dict[str, tuple[str, np.ndarray]] = {
    "vertical": ("Vertical edge", np.array([[1, 0, -1]] * 3, dtype=np.float64)),
    "horizontal": ("Horizontal edge", np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=np.float64)),
    "sobel": ("Sobel (vertical)", np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)),
    "scharr": ("Scharr (vertical)", np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)),
}
CUSTOM = "custom"
BUILTIN_DATASETS = ("digits", "shapes")

MAX_SIDE = 128          # larger picture files are scaled down so the playground stays interactive
NUMBERS_MAX_INPUT = 8   # numbers are written in the cells for inputs up to 8×8 (as in the course)
MAX_FILTER = 7
PADDING_CHOICES = ("valid", "same", "number")

CROSS_CORRELATION_NOTE = (
    "The app computes cross-correlation (no filter flip), as deep learning does: each output number is "
    "the sum of the window's pixels times the filter's numbers at the same places. The textbook "
    "convolution would flip the filter first.")


# --------------------------------------------------------------------------------------------------
# The editable filter
# --------------------------------------------------------------------------------------------------

class FilterModel(QAbstractTableModel):
    """An f×f grid of numbers, edited in place; ``edited`` fires after the user changes a cell."""

    edited = Signal()

    def __init__(self, values: np.ndarray, parent=None):
        super().__init__(parent)
        self._values = np.array(values, dtype=np.float64)

    @property
    def values(self) -> np.ndarray:
        return self._values.copy()

    def set_values(self, values: np.ndarray) -> None:
        self.beginResetModel()
        self._values = np.array(values, dtype=np.float64)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 0 if parent.isValid() else self._values.shape[0]

    def columnCount(self, parent=QModelIndex()):  # noqa: N802 - Qt API
        return 0 if parent.isValid() else self._values.shape[1]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        v = self._values[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_number(v)
        if role == Qt.ItemDataRole.EditRole:
            return format_number(v).replace("−", "-")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"W[{index.row()}, {index.column()}] = {pixel_text(v)}"
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802 - Qt API
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        try:
            v = float(str(value).strip().replace("−", "-").replace(",", "."))
        except ValueError:
            return False
        if not np.isfinite(v):
            return False
        self._values[index.row(), index.column()] = v
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None


# --------------------------------------------------------------------------------------------------
# Image files
# --------------------------------------------------------------------------------------------------

def read_image_file(path, max_side: int = MAX_SIDE) -> tuple[np.ndarray, str]:
    """A PNG/JPEG (anything QImage reads) → ``(n_H, n_W, 3)`` float64 RGB in [0, 1], scaled down so its
    longer side is at most ``max_side``; plus a one-line description. ValueError if Qt can't read it."""
    path = Path(path)
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{path.name}: not a picture Qt can read (PNG, JPEG, BMP, ...)")
    w0, h0 = image.width(), image.height()
    note = f"{path.name}: {w0}×{h0}"
    if max(w0, h0) > max_side:
        image = image.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        note += f", scaled down to {image.width()}×{image.height()}"
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    rgb = raw[:, :w * 3].reshape(h, w, 3).astype(np.float64) / 255.0
    return rgb, note


class _Title(pg.LabelItem):
    """A LabelItem that doesn't claim its text's width: the columns share the width by their stretch
    factors (sized like the images), not by how long their titles are."""

    def updateMin(self):  # noqa: N802 - pyqtgraph API
        bounds = self.itemRect()
        self.setMinimumWidth(0)
        self.setMinimumHeight(bounds.height())
        self._sizeHint = {
            Qt.SizeHint.MinimumSize: (0, bounds.height()),
            Qt.SizeHint.PreferredSize: (0, bounds.height()),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        self.updateGeometry()


# --------------------------------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------------------------------

class FilterPlayground(QWidget):
    """Try a filter on an image with the engine's conv2d (objectName ``filterPlayground``).

    Programmatic use (tests, the main window):
        set_image_preset(name)           name in IMAGE_PRESETS: "course_6x6", "vertical_edge",
                                         "vertical_edge_mirrored", "horizontal_edge"
        set_image(array, label)          any (n_H, n_W) or (n_H, n_W, 3) array
        set_dataset_image(name, index)   "digits" / "shapes" / a Dataset given to set_dataset; test image
        set_dataset(ds)                  offer the app's current dataset as an image source too
        load_image_file(path)            PNG/JPEG; ValueError if unreadable
        set_keep_color(bool)             RGB images: keep colour (filter repeated over 3 channels) or grey
        set_filter_preset(name)          name in FILTER_PRESETS: "vertical", "horizontal", "sobel", "scharr"
        set_custom_filter(array)         any f×f array, 1 ≤ f ≤ 7
        set_stride(s), set_padding("valid" | "same" | p)
        output()                         the last output as a 2-D array (None when the settings can't work)
        input_image(), filter_array(), formula_text(), error_text(), cell_texts(which)
        explain_output_cell(i, j)        highlight the window behind output[i, j] and return the sum
        export_png(path)
    Signals:
        outputChanged(): after every recomputation.
    """

    outputChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("filterPlayground")
        self._image_label = ""
        self._source: np.ndarray = COURSE_6X6        # as chosen: (h, w) or (h, w, 3)
        self._file_image: np.ndarray | None = None
        self._datasets: dict[str, object] = {}
        self._output: np.ndarray | None = None
        self._error = ""
        self._formula = ""
        self._p = 0
        self._cell_texts: dict[str, list[list[str]]] = {"input": [], "filter": [], "output": []}
        self._text_items: dict[str, list[ScaledText]] = {"input": [], "filter": [], "output": []}
        self._highlight: tuple[int, int] | None = (0, 0)
        self._explanation = ""
        self._building = True
        self._build_controls()
        self._build_views()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._side)
        right = QVBoxLayout()
        right.addWidget(self.graphics, 1)
        right.addWidget(self.explain_label)
        right.addWidget(self.error_label)
        layout.addLayout(right, 1)
        self._building = False
        self.set_image_preset("course_6x6")

    # ----- construction ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self._controls = QWidget()
        self._controls.setMaximumWidth(330)
        self._controls.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        col = QVBoxLayout(self._controls)
        col.setContentsMargins(0, 0, 0, 0)

        box = QGroupBox("Image")
        form = QFormLayout(box)
        self.image_combo = QComboBox()
        self.image_combo.setObjectName("imageCombo")
        self.image_combo.setToolTip("The picture the filter slides over: the course's examples, or a test "
                                    "image of a built-in dataset")
        for key, (title, _) in IMAGE_PRESETS.items():
            self.image_combo.addItem(title, f"preset:{key}")
        for name in BUILTIN_DATASETS:
            self.image_combo.addItem(f"{name} dataset (test image)", f"dataset:{name}")
        self.image_combo.currentIndexChanged.connect(self._image_choice_changed)
        form.addRow(self.image_combo)
        self.index_spin = QSpinBox()
        self.index_spin.setObjectName("imageIndex")
        self.index_spin.setToolTip("Which test image of the dataset")
        self.index_spin.valueChanged.connect(self._image_choice_changed)
        form.addRow("Test image #", self.index_spin)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open…")
        self.open_button.setObjectName("openImageButton")
        self.open_button.setToolTip(f"Use a PNG or JPEG; pictures larger than {MAX_SIDE} px are scaled down")
        self.open_button.clicked.connect(self._ask_image_file)
        row.addWidget(self.open_button)
        self.color_check = QCheckBox("Keep colour (RGB)")
        self.color_check.setObjectName("keepColor")
        self.color_check.setToolTip("Colour images: keep the 3 channels (the filter is repeated over them) "
                                    "or turn the picture grey first")
        self.color_check.toggled.connect(self._recompute)
        row.addWidget(self.color_check)
        row.addStretch(1)
        form.addRow(row)
        self.image_info = QLabel()
        self.image_info.setWordWrap(True)
        self.image_info.setStyleSheet("color: #555555;")
        form.addRow(self.image_info)
        col.addWidget(box)

        box = QGroupBox("Filter")
        form = QFormLayout(box)
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("filterCombo")
        self.filter_combo.setToolTip("The filter's numbers: an edge detector (vertical, horizontal, Sobel, "
                                     "Scharr) or your own (Custom: double-click a number to change it)")
        for key, (title, _) in FILTER_PRESETS.items():
            self.filter_combo.addItem(title, key)
        self.filter_combo.addItem("Custom (edit the numbers)", CUSTOM)
        self.filter_combo.currentIndexChanged.connect(self._filter_choice_changed)
        form.addRow(self.filter_combo)
        self.size_spin = QSpinBox()
        self.size_spin.setObjectName("filterSize")
        self.size_spin.setRange(1, MAX_FILTER)
        self.size_spin.setValue(3)
        self.size_spin.setToolTip("Filter size f (the filter is f×f)")
        self.size_spin.valueChanged.connect(self._filter_size_changed)
        form.addRow("Size f", self.size_spin)
        self.filter_model = FilterModel(FILTER_PRESETS["vertical"][1], self)
        self.filter_model.edited.connect(self._filter_edited)
        self.filter_table = QTableView()
        self.filter_table.setObjectName("filterTable")
        self.filter_table.setModel(self.filter_model)
        self.filter_table.setToolTip("Double-click a number to change it")
        self.filter_table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                          | QAbstractItemView.EditTrigger.EditKeyPressed
                                          | QAbstractItemView.EditTrigger.AnyKeyPressed)
        for header in (self.filter_table.horizontalHeader(), self.filter_table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(28)
        self.filter_table.setMinimumHeight(150)
        form.addRow(self.filter_table)
        col.addWidget(box)

        box = QGroupBox("Stride and padding")
        form = QFormLayout(box)
        self.stride_spin = QSpinBox()
        self.stride_spin.setObjectName("stride")
        self.stride_spin.setRange(1, 8)
        self.stride_spin.setToolTip("Stride s: how many pixels the filter moves each step")
        self.stride_spin.valueChanged.connect(self._recompute)
        form.addRow("Stride s", self.stride_spin)
        row = QHBoxLayout()
        self.padding_combo = QComboBox()
        self.padding_combo.setObjectName("padding")
        self.padding_combo.addItem("valid (p = 0)", "valid")
        self.padding_combo.addItem("same (p = (f − 1)/2)", "same")
        self.padding_combo.addItem("p =", "number")
        self.padding_combo.setToolTip("Zeros added around the input on each side")
        self.padding_combo.currentIndexChanged.connect(self._padding_choice_changed)
        row.addWidget(self.padding_combo, 1)
        self.padding_spin = QSpinBox()
        self.padding_spin.setObjectName("paddingAmount")
        self.padding_spin.setRange(0, 10)
        self.padding_spin.setEnabled(False)
        self.padding_spin.setToolTip("p: rows and columns of zeros added on each side. Choose \"p =\" to type "
                                     "your own; under valid and same it shows the p they give")
        self._custom_p = 0   # the user's own p, kept while valid or same shows theirs
        self.padding_spin.valueChanged.connect(self._recompute)
        row.addWidget(self.padding_spin)
        form.addRow("Padding", row)
        col.addWidget(box)

        self.note_label = QLabel("Cross-correlation: the filter slides without being flipped, "
                                 "as in deep learning.")
        self.note_label.setObjectName("crossCorrelationNote")
        self.note_label.setWordWrap(True)
        self.note_label.setToolTip(CROSS_CORRELATION_NOTE)
        self.note_label.setStyleSheet("color: #555555;")
        col.addWidget(self.note_label)
        col.addStretch(1)
        # The settings scroll on their own (a 640-px-high window can't show them all), so the tab never
        # needs an outer scrollbar and Export stays in sight below them.
        settings = QScrollArea()
        settings.setObjectName("playgroundSettings")
        settings.setWidget(self._controls)
        settings.setWidgetResizable(True)
        settings.setFrameShape(QFrame.Shape.NoFrame)
        settings.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        settings.setMinimumHeight(120)
        settings.setMinimumWidth(self._controls.minimumSizeHint().width()
                                 + settings.verticalScrollBar().sizeHint().width())
        self.export_button = make_export_button(self, "filter-playground.png")
        self._side = QWidget()
        self._side.setMaximumWidth(350)
        self._side.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        side = QVBoxLayout(self._side)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(settings, 1)
        side.addWidget(self.export_button)

    def _build_views(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("playgroundGraphics")
        self.graphics.setBackground(BACKGROUND)
        self.graphics.setMinimumSize(420, 260)
        g = self.graphics.ci
        self.titles = {}
        for col, key in ((0, "input"), (2, "filter"), (4, "output")):
            self.titles[key] = _Title("", color=TEXT, size="11pt")
            g.addItem(self.titles[key], row=0, col=col)
        self.views: dict[str, pg.ViewBox] = {}
        self.items: dict[str, pg.ImageItem] = {}
        for col, key in ((0, "input"), (2, "filter"), (4, "output")):
            view = make_image_view()
            image = make_image_item()
            view.addItem(image)
            g.addItem(view, row=1, col=col)
            self.views[key], self.items[key] = view, image
        g.addLabel("∗", row=1, col=1, color=TEXT, size="22pt")
        g.addLabel("=", row=1, col=3, color=TEXT, size="22pt")
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=DIVERGING, interactive=False, width=14,
                                        colorMapMenu=False)
        self.colorbar.axis.setTextPen(TEXT)
        self.colorbar.axis.setPen(TEXT)
        g.addItem(self.colorbar, row=1, col=5)
        self.colorbar.setMaximumHeight(360)          # a scale, not a wall: centred beside the output
        g.layout.setAlignment(self.colorbar, Qt.AlignmentFlag.AlignVCenter)
        self.formula_item = _Title("", color=TEXT, size="12pt")
        g.addItem(self.formula_item, row=2, col=0, colspan=6)
        layout = g.layout
        for col, stretch in ((0, 5), (1, 0), (2, 3), (3, 0), (4, 5), (5, 0)):
            layout.setColumnStretchFactor(col, stretch)
        layout.setRowStretchFactor(1, 1)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        # Drawn once, moved around: the original image inside its padding, and the window behind the
        # output cell under the mouse.
        self._pad_outline = outline(QRectF(0, 0, 1, 1), "#ff9800", 2, Qt.PenStyle.DashLine)
        self._hl_window = outline(QRectF(0, 0, 1, 1), "#ff9800", 3)
        self._hl_cell = outline(QRectF(0, 0, 1, 1), "#ff9800", 3)
        for key, item, z in (("input", self._pad_outline, 20), ("input", self._hl_window, 30),
                             ("output", self._hl_cell, 30)):
            self.views[key].addItem(item, ignoreBounds=True)
            item.setZValue(z)
            item.setVisible(False)

        self.explain_label = QLabel()
        self.explain_label.setObjectName("explanation")
        self.explain_label.setWordWrap(True)
        self.explain_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explain_label.setToolTip("Point at an output cell to see the window and the sum behind it")
        self.error_label = QLabel()
        self.error_label.setObjectName("playgroundError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error_label.hide()

    # ----- image choice -----------------------------------------------------------------------------
    def set_image_preset(self, name: str) -> None:
        """One of the course's small matrices (keys of IMAGE_PRESETS)."""
        if name not in IMAGE_PRESETS:
            raise ValueError(f"unknown image preset {name!r}; choose from {', '.join(IMAGE_PRESETS)}")
        self._select_combo(self.image_combo, f"preset:{name}")
        self._image_choice_changed()

    def set_image(self, image, label: str = "your image") -> None:
        """Any (n_H, n_W) or (n_H, n_W, 3) array as the input (kept as given: no scaling)."""
        image = np.asarray(image, dtype=np.float64)
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)) or 0 in image.shape:
            raise ValueError(f"an image must be (n_H, n_W) or (n_H, n_W, 3), got shape {image.shape}")
        self._file_image = image
        self._set_file_entry(label, f"{label}: {image.shape[1]}×{image.shape[0]}")

    def load_image_file(self, path) -> None:
        """A PNG/JPEG as the input (scaled down to at most MAX_SIDE px); ValueError if unreadable."""
        rgb, note = read_image_file(path)
        self._file_image = rgb
        self._set_file_entry(Path(path).name, note)

    def _set_file_entry(self, label: str, note: str) -> None:
        data = f"file:{label}"
        index = next((i for i in range(self.image_combo.count())
                      if str(self.image_combo.itemData(i)).startswith("file:")), -1)
        with QSignalBlocker(self.image_combo):
            if index < 0:
                self.image_combo.addItem(label, data)
                index = self.image_combo.count() - 1
            else:
                self.image_combo.setItemText(index, label)
                self.image_combo.setItemData(index, data)
            self.image_combo.setCurrentIndex(index)
        self._file_note = note
        self._image_choice_changed()

    def set_dataset(self, dataset) -> None:
        """Offer ``dataset``'s test images as an image source (the app's current dataset)."""
        if dataset is None:
            return
        name = str(dataset.name)
        self._datasets[name] = dataset
        if self.image_combo.findData(f"dataset:{name}") < 0:
            with QSignalBlocker(self.image_combo):
                self.image_combo.insertItem(len(IMAGE_PRESETS) + len(BUILTIN_DATASETS),
                                            f"{name} dataset (test image)", f"dataset:{name}")
        if self.image_combo.currentData() == f"dataset:{name}":
            self._image_choice_changed()

    def set_dataset_image(self, name, index: int = 0) -> None:
        """Test image ``index`` of a built-in dataset ("digits", "shapes") or of a Dataset object."""
        if not isinstance(name, str):
            self.set_dataset(name)
            name = str(name.name)
        if name not in BUILTIN_DATASETS and name not in self._datasets:
            raise ValueError(f"unknown dataset {name!r}; use 'digits', 'shapes' or set_dataset(ds) first")
        self._select_combo(self.image_combo, f"dataset:{name}")
        self._update_index_range(name)
        with QSignalBlocker(self.index_spin):
            self.index_spin.setValue(int(index))
        self._image_choice_changed()

    def set_keep_color(self, keep: bool) -> None:
        self.color_check.setChecked(bool(keep))

    def _dataset(self, name: str):
        if name not in self._datasets:
            self._datasets[name] = load_dataset(name)
        return self._datasets[name]

    def _update_index_range(self, name: str) -> None:
        ds = self._dataset(name)
        with QSignalBlocker(self.index_spin):
            self.index_spin.setRange(0, max(0, len(ds.x_test) - 1))

    def _ask_image_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if not path:
            return
        try:
            self.load_image_file(path)
        except ValueError as exc:
            self._show_error(str(exc))

    def _image_choice_changed(self, *_args) -> None:
        if self._building:
            return
        kind, key = str(self.image_combo.currentData()).split(":", 1)
        self.index_spin.setEnabled(kind == "dataset")
        if kind == "preset":
            title, image = IMAGE_PRESETS[key]
            self._source = image
            self._image_label = title
            info = f"{image.shape[0]}×{image.shape[1]} matrix from the course"
        elif kind == "dataset":
            try:
                self._update_index_range(key)
                ds = self._dataset(key)
            except Exception as exc:  # noqa: BLE001 - a missing/broken dataset file is a message
                self._show_error(f"{key}: {exc}")
                return
            i = self.index_spin.value()
            x = images_to_float(ds.x_test[i], np.float64)   # uint8 datasets: 0..255 → 0..1
            self._source = x[:, :, 0] if x.shape[2] == 1 else x
            label = ds.class_names[int(ds.y_test[i])] if i < len(ds.y_test) else "?"
            self._image_label = f"{key} #{i}"
            info = f"test image {i} of {len(ds.x_test):,}: “{label}”, {x.shape[0]}×{x.shape[1]}×{x.shape[2]}"
        else:
            self._source = self._file_image
            self._image_label = key
            info = getattr(self, "_file_note", key)
        colour = self._source.ndim == 3
        self.color_check.setEnabled(colour)
        self.image_info.setText(info)
        self._highlight = (0, 0)
        self._recompute()

    # ----- filter choice ----------------------------------------------------------------------------
    def set_filter_preset(self, name: str) -> None:
        """One of the course's filters (keys of FILTER_PRESETS)."""
        if name not in FILTER_PRESETS:
            raise ValueError(f"unknown filter preset {name!r}; choose from {', '.join(FILTER_PRESETS)}")
        self._select_combo(self.filter_combo, name)
        self._filter_choice_changed()

    def set_custom_filter(self, values) -> None:
        """Any f×f filter, 1 ≤ f ≤ 7."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[0] != values.shape[1] or not 1 <= values.shape[0] <= MAX_FILTER:
            raise ValueError(f"a filter must be f×f with 1 ≤ f ≤ {MAX_FILTER}, got shape {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("a filter's numbers must be finite")
        self._select_combo(self.filter_combo, CUSTOM)
        self._set_filter_values(values)
        self._recompute()

    def _set_filter_values(self, values: np.ndarray) -> None:
        self.filter_model.set_values(values)
        with QSignalBlocker(self.size_spin):
            self.size_spin.setValue(values.shape[0])

    def _filter_choice_changed(self, *_args) -> None:
        key = self.filter_combo.currentData()
        if key != CUSTOM:
            self._set_filter_values(FILTER_PRESETS[key][1])
        self._highlight = (0, 0)
        self._recompute()

    def _filter_size_changed(self, f: int) -> None:
        old = self.filter_model.values
        new = np.zeros((f, f))
        k = min(f, old.shape[0])
        new[:k, :k] = old[:k, :k]
        self._select_combo(self.filter_combo, CUSTOM)
        self.filter_model.set_values(new)
        self._recompute()

    def _filter_edited(self) -> None:
        self._select_combo(self.filter_combo, CUSTOM)
        self._recompute()

    # ----- stride / padding -------------------------------------------------------------------------
    def set_stride(self, stride: int) -> None:
        self.stride_spin.setValue(int(stride))

    def set_padding(self, padding) -> None:
        """"valid", "same" or a whole number p ≥ 0."""
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"padding must be 'valid', 'same' or a whole number, got {padding!r}")
            self._select_combo(self.padding_combo, padding)
        else:
            self._custom_p = int(padding)
            with QSignalBlocker(self.padding_spin):
                self.padding_spin.setValue(int(padding))
            self._select_combo(self.padding_combo, "number")
        self._padding_choice_changed()

    def _padding_choice_changed(self, *_args) -> None:
        custom = self.padding_combo.currentData() == "number"
        if custom and not self.padding_spin.isEnabled():   # back to "p =": the user's own number again
            with QSignalBlocker(self.padding_spin):
                self.padding_spin.setSpecialValueText("")
                self.padding_spin.setValue(self._custom_p)
        elif not custom and self.padding_spin.isEnabled():
            self._custom_p = self.padding_spin.value()
        self.padding_spin.setEnabled(custom)
        self._recompute()

    def _show_resolved_padding(self, p: int | None) -> None:
        """Under valid / same the greyed p box shows the p they give (0, (f − 1)/2), never a stale one."""
        if self.padding_combo.currentData() != "number":
            with QSignalBlocker(self.padding_spin):
                self.padding_spin.setValue(0 if p is None else p)
                self.padding_spin.setSpecialValueText("—" if p is None else "")

    def _padding_setting(self):
        choice = self.padding_combo.currentData()
        return self.padding_spin.value() if choice == "number" else choice

    @staticmethod
    def _select_combo(combo: QComboBox, data) -> None:
        index = combo.findData(data)
        if index >= 0 and index != combo.currentIndex():
            with QSignalBlocker(combo):
                combo.setCurrentIndex(index)

    # ----- compute ----------------------------------------------------------------------------------
    def input_image(self) -> np.ndarray:
        """The input as used: (n_H, n_W) grey, or (n_H, n_W, 3) when colour is kept."""
        src = self._source
        if src.ndim == 3 and not self.color_check.isChecked():
            return to_grey(src)
        return src

    def filter_array(self) -> np.ndarray:
        """The current f×f filter."""
        return self.filter_model.values

    def output(self) -> np.ndarray | None:
        """The last output as a 2-D array (n_H, n_W), or None when the settings can't work."""
        return None if self._output is None else self._output.copy()

    def formula_text(self) -> str:
        """The output-size formula with the numbers filled in, e.g. "⌊(6 + 2·0 − 3)/1⌋ + 1 = 4"."""
        return self._formula

    def error_text(self) -> str:
        return self._error

    def cell_texts(self, which: str = "input") -> list[list[str]]:
        """The numbers written in the cells of "input" (padding included), "filter" or "output";
        [] when that view shows no numbers (large or colour images)."""
        return [list(row) for row in self._cell_texts[which]]

    def _recompute(self, *_args) -> None:
        if self._building:
            return
        x = self.input_image()
        filt = self.filter_array()
        f = filt.shape[0]
        s = self.stride_spin.value()
        rgb = x.ndim == 3
        self._error = ""
        self._output = None
        try:
            p = resolve_padding(self._padding_setting(), f)
        except ValueError as exc:
            p = None
            self._error = str(exc)
        n_H, n_W = x.shape[:2]
        if p is not None:
            self._p = p
            if n_H == n_W:
                self._formula = output_size_formula(n_H, f, p, s)
            else:
                self._formula = (f"n_H: {output_size_formula(n_H, f, p, s)},  "
                                 f"n_W: {output_size_formula(n_W, f, p, s)}")
            # The same kernel the network trains with: a batch of one, one filter, no bias.
            A = x[np.newaxis, :, :, :] if rgb else x[np.newaxis, :, :, np.newaxis]
            n_C_prev = A.shape[3]
            W = np.repeat(filt[:, :, np.newaxis, np.newaxis], n_C_prev, axis=2)   # (f, f, n_C_prev, 1)
            try:
                Z = conv2d(A, W, np.zeros(1), stride=s, pad=p)
                self._output = np.asarray(Z[0, :, :, 0], dtype=np.float64)
            except ValueError as exc:
                self._error = str(exc)
        else:
            self._p = 0
            self._formula = output_size_formula(n_H, f, None, s)
        self._show_resolved_padding(p)
        self._redraw()
        self.outputChanged.emit()

    # ----- drawing ----------------------------------------------------------------------------------
    def _redraw(self) -> None:
        x = self.input_image()
        filt = self.filter_array()
        f = filt.shape[0]
        p = self._p
        rgb = x.ndim == 3
        n_H, n_W = x.shape[:2]
        small = max(n_H, n_W) <= NUMBERS_MAX_INPUT and not rgb

        # Input, with its zero padding drawn around it (outlined: the original image).
        pad_shape = (n_H + 2 * p, n_W + 2 * p) + ((3,) if rgb else ())
        xp = np.zeros(pad_shape)
        xp[p:p + n_H, p:p + n_W] = x
        item = self.items["input"]
        if rgb:
            item.setLookupTable(None)      # colour data: no colour map
            item.setImage(np.clip(xp, 0, 1), levels=(0, 1), autoLevels=False)
            levels = (0.0, 1.0)
        else:
            lo, hi = float(xp.min()), float(xp.max())
            if hi <= lo:
                hi = lo + 1.0
            levels = (lo, hi)
            item.setImage(xp, levels=levels, autoLevels=False)
            item.setColorMap(GREY)
        item.setRect(QRectF(-p, -p, n_W + 2 * p, n_H + 2 * p))
        self._fit(self.views["input"], QRectF(-p, -p, n_W + 2 * p, n_H + 2 * p))
        self._pad_outline.setRect(QRectF(0, 0, n_W, n_H))
        self._pad_outline.setVisible(p > 0)
        texts = []
        if small:
            norm = (xp - levels[0]) / (levels[1] - levels[0])
            colours = colorize(norm, "grey")
            texts = [[format_cell(v) for v in row] for row in xp]
            padded = np.ones(xp.shape, bool)
            padded[p:p + n_H, p:p + n_W] = False
            self._write_cells("input", texts, colours, origin=(-p, -p), dim=padded)
        else:
            self._write_cells("input", [], None)
        self._cell_texts["input"] = texts
        shape_txt = f"{n_H}×{n_W}" + ("×3" if rgb else "")
        pad_txt = f", p = {p} → {n_H + 2 * p}×{n_W + 2 * p}" if p else ""
        self.titles["input"].setText(f"Input {shape_txt}{pad_txt}", color=TEXT)

        # Filter: diverging, symmetric about zero; numbers always (f ≤ 7).
        m = float(np.abs(filt).max()) or 1.0
        item = self.items["filter"]
        item.setImage(filt, levels=(-m, m), autoLevels=False)
        item.setColorMap(DIVERGING)
        item.setRect(QRectF(0, 0, f, f))
        self._fit(self.views["filter"], QRectF(0, 0, f, f))
        texts = [[format_cell(v) for v in row] for row in filt]
        self._write_cells("filter", texts, colorize(0.5 + 0.5 * filt / m, "diverging"))
        self._cell_texts["filter"] = texts
        self.titles["filter"].setText(f"Filter {f}×{f}" + ("×3" if rgb else ""), color=TEXT)

        # Output.
        item = self.items["output"]
        out = self._output
        if out is None:
            item.clear()
            self._write_cells("output", [], None)
            self._cell_texts["output"] = []
            self.titles["output"].setText("Output: —", color=TEXT)
            self._show_error(self._error)
            self._set_formula_label()
            self._explain(None)
            return
        self._show_error("")
        o_H, o_W = out.shape
        m = float(np.abs(out).max()) or 1.0
        item.setImage(out, levels=(-m, m), autoLevels=False)
        item.setColorMap(DIVERGING)
        item.setRect(QRectF(0, 0, o_W, o_H))
        self.colorbar.setLevels((-m, m))
        self._fit(self.views["output"], QRectF(0, 0, o_W, o_H))
        texts = []
        if max(n_H, n_W) <= NUMBERS_MAX_INPUT and max(o_H, o_W) <= 2 * NUMBERS_MAX_INPUT:
            texts = [[format_cell(v) for v in row] for row in out]
            self._write_cells("output", texts, colorize(0.5 + 0.5 * out / m, "diverging"))
        else:
            self._write_cells("output", [], None)
        self._cell_texts["output"] = texts
        self.titles["output"].setText(f"Output {o_H}×{o_W}", color=TEXT)
        self._set_formula_label()
        self._set_column_widths(n_W + 2 * p, f, o_W)
        if self._highlight is not None and (self._highlight[0] >= o_H or self._highlight[1] >= o_W):
            self._highlight = (0, 0)
        self._explain(self._highlight)

    def _set_formula_label(self) -> None:
        text = f"Output size: {self._formula}" if self._formula else ""
        if self.input_image().ndim == 3:
            text += ("<br><span style='font-size:10pt'>Colour input: W is f×f×3, the filter on each channel, "
                     "results added → one output map</span>")
        self.formula_item.setText(text, color=TEXT)

    def _set_column_widths(self, input_w: int, f: int, output_w: int) -> None:
        """Share the width like the sizes: a small filter next to a small input at the same cell size (as
        the course draws it), but never so narrow that its numbers can't be read next to a big image."""
        big = max(input_w, output_w)
        layout = self.graphics.ci.layout
        for col, width in ((0, input_w), (2, max(f, 0.45 * big)), (4, output_w)):
            layout.setColumnStretchFactor(col, max(1, int(round(10 * width))))

    @staticmethod
    def _fit(view: pg.ViewBox, rect: QRectF) -> None:
        view.setRange(rect, padding=0.04)

    def _write_cells(self, key: str, texts, colours, origin=(0, 0), dim=None) -> None:
        """Put the numbers ``texts`` (rows of strings) into the cells of view ``key``; reuse the items."""
        items = self._text_items[key]
        view = self.views[key]
        flat = [(r, c, t) for r, row in enumerate(texts) for c, t in enumerate(row)]
        while len(items) > len(flat):
            view.removeItem(items.pop())
        longest = max((len(t) for _, _, t in flat), default=1)
        fill = 0.8 if longest <= 3 else 0.9
        placed = []
        for k, (r, c, text) in enumerate(flat):
            rect = QRectF(origin[0] + c, origin[1] + r, 1, 1)
            colour = text_color_for(colours[r, c]) if colours is not None else QColor(TEXT)
            if dim is not None and dim[r, c]:
                colour = QColor("#9e9e9e")
            if k < len(items):
                item = items[k]
                item.setText(text)
                item.set_color(colour)
                item.place(rect, fill)
            else:
                item = ScaledText(text, rect, color=colour, fill=fill, max_height_fraction=0.5)
                item.setZValue(10)
                view.addItem(item, ignoreBounds=True)
                items.append(item)
            placed.append((item, rect))
        # One font size for the whole matrix (the one the longest number needs), as in the course's tables.
        if placed:
            scale = min(item.fit_scale(rect) for item, rect in placed)
            for item, rect in placed:
                item.place_scaled(rect, scale)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if text:
            self._error = text

    # ----- the window behind an output cell ---------------------------------------------------------
    def explain_output_cell(self, i: int, j: int) -> str:
        """Highlight output[i, j] and the input window it came from; return the sum of products."""
        if self._output is None or not (0 <= i < self._output.shape[0] and 0 <= j < self._output.shape[1]):
            return ""
        self._highlight = (int(i), int(j))
        self._explain(self._highlight)
        return self._explanation

    def _explain(self, cell) -> None:
        show = cell is not None and self._output is not None
        self._hl_window.setVisible(show)
        self._hl_cell.setVisible(show)
        if not show:
            self._explanation = ""
            self.explain_label.setText("")
            return
        i, j = cell
        f = self.filter_array().shape[0]
        s, p = self.stride_spin.value(), self._p
        top, left = i * s - p, j * s - p
        self._hl_window.setRect(QRectF(left, top, f, f))
        self._hl_cell.setRect(QRectF(j, i, 1, 1))

        x = self.input_image()
        n_H, n_W = x.shape[:2]
        xp = np.zeros((n_H + 2 * p, n_W + 2 * p) + x.shape[2:])
        xp[p:p + n_H, p:p + n_W] = x
        window = xp[i * s:i * s + f, j * s:j * s + f]
        value = self._output[i, j]
        filt = self.filter_array()
        if x.ndim == 2 and f <= 3:
            terms = " + ".join(f"{format_number(a)}·{self._paren(w)}" for a, w in zip(window.ravel(), filt.ravel()))
            text = f"output[{i},{j}] = {terms} = {format_number(value)}"
        elif x.ndim == 2:
            text = (f"output[{i},{j}] = sum of the {f * f} products window × filter (rows {format_number(top)}…{top + f - 1}, "
                    f"columns {format_number(left)}…{left + f - 1} of the input) = {pixel_text(value)}")
        else:
            text = (f"output[{i},{j}] = sum over the 3 colour channels of the {f * f} products window × filter "
                    f"(rows {format_number(top)}…{top + f - 1}, columns {format_number(left)}…{left + f - 1}) = {pixel_text(value)}")
        self._explanation = text
        self.explain_label.setText(text + "   (point at an output cell to see another)")

    @staticmethod
    def _paren(v: float) -> str:
        text = format_number(v)
        return f"({text})" if text.startswith("−") else text

    def _mouse_moved(self, pos) -> None:
        if self._output is None:
            return
        view = self.views["output"]
        if not view.sceneBoundingRect().contains(pos):
            return
        pt = view.mapSceneToView(pos)
        i, j = int(np.floor(pt.y())), int(np.floor(pt.x()))
        if (i, j) != self._highlight and 0 <= i < self._output.shape[0] and 0 <= j < self._output.shape[1]:
            self.explain_output_cell(i, j)

    # ----- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The input ∗ filter = output picture with the formula, as PNG (atomic write). Returns its size."""
        return export_png(self.graphics, path)
