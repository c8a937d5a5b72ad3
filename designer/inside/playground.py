"""Filter playground: slide a filter over an image with the engine's own conv2d and see every number.

input ∗ filter = output, side by side, with the course's small matrices (numbers in the cells), dataset
images, or any PNG/JPEG; the course's edge filters or a hand-made f×f filter; stride and padding; the
output-size formula with the numbers filled in; and, for any output cell under the mouse, the window it
came from and the sum of products that made it.

This module is the playground's state; the arithmetic is the engine's (engine.inspection: convolve_image,
window_at, image_output_formula, with the network's own conv2d); the panel of settings is built in
playground_controls.py, the picture drawn by playground_picture.py, and the images and filters it
offers are in playground_sources.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QVBoxLayout, QWidget

from engine.course_examples import COURSE_6X6
from engine.data import images_to_float, load_dataset
from engine.inspection import convolve_image, image_output_formula, to_grey, window_at
from engine.shapes import resolve_padding

from .common import format_number, pixel_text
from .playground_controls import build_controls
from .playground_picture import ConvolutionPicture
from .playground_sources import (BUILTIN_DATASETS, CUSTOM, FILTER_PRESETS, IMAGE_PRESETS, MAX_FILTER,
                                 read_image_file)


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
        self._file_note = ""                          # what the image-info line says of the file image
        self._datasets: dict[str, object] = {}
        self._output: np.ndarray | None = None
        self._error = ""
        self._formula = ""
        self._p = 0
        self._custom_p = 0   # the user's own p, kept while valid or same shows theirs
        self._cell_texts: dict[str, list[list[str]]] = {"input": [], "filter": [], "output": []}
        self._highlight: tuple[int, int] | None = (0, 0)
        self._explanation = ""
        self._building = True
        side = build_controls(self)
        self._connect_controls()
        self.picture = ConvolutionPicture()
        self.picture.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(side)
        right = QVBoxLayout()
        right.addWidget(self.picture.graphics, 1)
        right.addWidget(self.picture.explain_label)
        right.addWidget(self.picture.error_label)
        layout.addLayout(right, 1)
        self._building = False
        self.set_image_preset("course_6x6")

    def _connect_controls(self) -> None:
        self.image_combo.currentIndexChanged.connect(self._image_choice_changed)
        self.index_spin.valueChanged.connect(self._image_choice_changed)
        self.open_button.clicked.connect(self._ask_image_file)
        self.color_check.toggled.connect(self._recompute)
        self.filter_combo.currentIndexChanged.connect(self._filter_choice_changed)
        self.size_spin.valueChanged.connect(self._filter_size_changed)
        self.filter_model.edited.connect(self._filter_edited)
        self.stride_spin.valueChanged.connect(self._recompute)
        self.padding_combo.currentIndexChanged.connect(self._padding_choice_changed)
        self.padding_spin.valueChanged.connect(self._recompute)

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
            info = self._file_note or key
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
        self._error = ""
        self._output = None
        try:
            p = resolve_padding(self._padding_setting(), f)
        except ValueError as exc:
            p = None
            self._error = str(exc)
        n_H, n_W = x.shape[:2]
        self._p = 0 if p is None else p
        self._formula = image_output_formula(n_H, n_W, f, p, s)
        if p is not None:
            try:
                self._output = convolve_image(x, filt, s, p)
            except ValueError as exc:
                self._error = str(exc)
        self._show_resolved_padding(p)
        self._redraw()
        self.outputChanged.emit()

    def _redraw(self) -> None:
        self._cell_texts = self.picture.draw(self.input_image(), self.filter_array(), self._p, self._output,
                                             self._formula)
        if self._output is None:
            self._show_error(self._error)
            self._explain(None)
            return
        self._show_error("")
        o_H, o_W = self._output.shape
        if self._highlight is not None and (self._highlight[0] >= o_H or self._highlight[1] >= o_W):
            self._highlight = (0, 0)
        self._explain(self._highlight)

    def _show_error(self, text: str) -> None:
        self.picture.show_error(text)
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
        if cell is None or self._output is None:
            self.picture.hide_window()
            self._explanation = ""
            self.picture.explain_label.setText("")
            return
        i, j = cell
        filt, x = self.filter_array(), self.input_image()
        f = filt.shape[0]
        window, top, left = window_at(x, i, j, f, self.stride_spin.value(), self._p)
        self.picture.outline_window(top, left, f, i, j)
        value = self._output[i, j]
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
        self.picture.explain_label.setText(text + "   (point at an output cell to see another)")

    @staticmethod
    def _paren(v: float) -> str:
        text = format_number(v)
        return f"({text})" if text.startswith("−") else text

    def _mouse_moved(self, pos) -> None:
        if self._output is None:
            return
        cell = self.picture.output_cell_at(pos)
        if cell is None:
            return
        i, j = cell
        if (i, j) != self._highlight and 0 <= i < self._output.shape[0] and 0 <= j < self._output.shape[1]:
            self.explain_output_cell(i, j)

    # ----- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The input ∗ filter = output picture with the formula, as PNG (atomic write). Returns its size."""
        return self.picture.export_png(path)
