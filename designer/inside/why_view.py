"""Why this prediction: for one test image, the prediction with its probabilities, and where it came from —
the saliency map (which pixels move the class score) and the Grad-CAM map of a layer (where in that layer's
output the class score finds its evidence), laid over the image with a blend slider; for the predicted class
or any class picked; the images of a confusion-matrix cell one after another.

The maps and predictions come from engine.inspection.explain, their colours from engine.heatmaps (the same
as `main.py explain -o why.png`, whose picture Export PNG writes too).
"""
from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QSplitter,
                               QToolButton, QVBoxLayout, QWidget)

from engine.export.explanation_png import explanation_picture, write_png
from engine.heatmaps import display_image, heat_overlay, resize_nearest
from engine.inspection import default_grad_cam_layer, explain, grad_cam_layers, misclassified_first
from engine.train import dataset_fit_problem

from ..image_export import make_export_button
from .common import RIGHT, WRONG
from .network_view import InsideView, fit_problem_text, snapshot
from .why_panels import EXPLAINED, ProbabilityBars, WhyPictures

PREDICTED = -1          # the class combo's data for "the predicted class"
PANEL_PX = 160          # pictures are drawn at least this big (small images enlarged in blocks)


class WhyView(InsideView):
    """Why a test image got its prediction (objectName ``whyView``).

    API:
        set_network(net, untrained), set_dataset(ds)   inputs (None clears); set_network is throttled to 1/s
        set_image_index(i), image_index()            which test image
        set_cell((true, predicted) | None), cell()   step only through the images of a confusion-matrix cell
        shown_indices()                              the test images the arrows step through, in order
        step(+1 | −1)                                the next / previous of them
        set_class(k | None), explained_class()       the class explained (None: the predicted class)
        predicted_class(), probabilities()
        select_layer(name) → bool, current_layer(), layer_names()   the Grad-CAM layer (volume outputs)
        set_blend(fraction), blend()                 0: the image, 1: the heat map alone
        saliency_map(), grad_cam_map()               the raw maps (n_H, n_W), (h, w)
        pictures()                                   {"image" | "saliency" | "grad_cam": RGB (H, W, 3) in [0, 1]}
        placeholder_text(), refresh(), export_png(path)
    """

    INFERENCE_BATCH = 1   # one test image at a time (the memory guard checks it first)

    def __init__(self, parent=None):
        super().__init__("whyView", parent)
        self._dataset = None
        self._cell = None
        self._predictions = None       # (predicted classes, confidences) of the test set, for a cell
        self._result = None            # engine.inspection.Explanation of the shown image
        self._pictures: dict[str, np.ndarray] = {}
        self._wanted_layer: str | None = None

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Test image #"))
        self.index_spin = QSpinBox()
        self.index_spin.setObjectName("whyImageIndex")
        self.index_spin.setToolTip("Which test image to explain")
        self.index_spin.setMinimumWidth(80)
        self.index_spin.valueChanged.connect(lambda _v: self._request_refresh(urgent=True))
        bar.addWidget(self.index_spin)
        self.previous_button = QToolButton()
        self.previous_button.setObjectName("whyPrevious")
        self.previous_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.previous_button.setToolTip("The previous image (of the confusion-matrix cell, when one is chosen)")
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QToolButton()
        self.next_button.setObjectName("whyNext")
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.next_button.setToolTip("The next image (of the confusion-matrix cell, when one is chosen)")
        self.next_button.clicked.connect(lambda: self.step(+1))
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        bar.addSpacing(10)
        bar.addWidget(QLabel("Explain"))
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("whyClass")
        self.class_combo.setToolTip("The class whose score the maps explain: the predicted one, or any other "
                                    "(why not 9?)")
        self.class_combo.currentIndexChanged.connect(lambda _i: self._request_refresh(urgent=True))
        bar.addWidget(self.class_combo)
        bar.addSpacing(10)
        bar.addWidget(QLabel("Grad-CAM layer"))
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("whyLayer")
        self.layer_combo.setToolTip("The layer whose output Grad-CAM weighs (any layer with an n_H × n_W × n_C "
                                    "output; the last one is the usual choice)")
        self.layer_combo.setMinimumContentsLength(12)
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        bar.addWidget(self.layer_combo)
        bar.addSpacing(10)
        bar.addWidget(QLabel("Blend"))
        self.blend_slider = QSlider(Qt.Orientation.Horizontal)
        self.blend_slider.setObjectName("whyBlend")
        self.blend_slider.setToolTip("How much of the heat map is laid over the image: 0% the image, 100% the map")
        self.blend_slider.setRange(0, 100)
        self.blend_slider.setValue(50)
        self.blend_slider.setMaximumWidth(120)
        self.blend_slider.valueChanged.connect(lambda _v: self._draw())
        bar.addWidget(self.blend_slider)
        self.blend_label = QLabel("50%")
        self.blend_label.setMinimumWidth(36)
        bar.addWidget(self.blend_label)
        bar.addStretch(1)
        self.export_button = make_export_button(self, "why.png")
        bar.addWidget(self.export_button)

        self.prediction = QLabel()
        self.prediction.setObjectName("whyPrediction")
        self.prediction.setTextFormat(Qt.TextFormat.RichText)
        self.cell_label = QLabel()
        self.cell_label.setObjectName("whyCellLabel")
        self.all_button = QPushButton("All test images")
        self.all_button.setObjectName("whyAllImages")
        self.all_button.setToolTip("Leave the confusion-matrix cell: the arrows step through every test image")
        self.all_button.clicked.connect(lambda: self.set_cell(None))
        self.all_button.setVisible(False)
        head = QHBoxLayout()
        head.addWidget(self.prediction)
        head.addStretch(1)
        head.addWidget(self.cell_label)
        head.addWidget(self.all_button)

        self.pictures_widget = WhyPictures()
        self.pictures_widget.setObjectName("whyPictures")
        self.bars = ProbabilityBars(self.set_class)
        self.bars.setObjectName("whyProbabilities")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.pictures_widget)
        self.splitter.addWidget(self.bars)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([780, 300])
        self.info = QLabel()
        self.info.setObjectName("whyInfo")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #555555;")
        main = QWidget()
        column = QVBoxLayout(main)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(head)
        column.addWidget(self.splitter, 1)
        self._build_content(bar, main, self.info)
        self._refresh()

    # ----- inputs (set_network: InsideView) ----------------------------------------------------------
    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._cell = None
        self._request_refresh(urgent=True)

    def set_image_index(self, index: int) -> None:
        self._ensure_fresh()
        self.index_spin.setValue(int(index))
        self._ensure_fresh()

    def set_cell(self, cell) -> None:
        """Step only through the test images with true class ``cell[0]`` predicted as ``cell[1]`` (the
        confusion matrix's cell), and show the first; None: every test image again."""
        self._cell = None if cell is None else (int(cell[0]), int(cell[1]))
        self._request_refresh(urgent=True)
        self._ensure_fresh()
        shown = self.shown_indices()
        if self._cell is not None and len(shown) and self.index_spin.value() not in shown:
            self.set_image_index(int(shown[0]))

    def set_class(self, class_index) -> None:
        """Explain class ``class_index`` (None: the predicted class)."""
        self._ensure_fresh()
        data = PREDICTED if class_index is None else int(class_index)
        position = self.class_combo.findData(data)
        if position < 0:
            raise ValueError(f"class {class_index} is not one of this network's classes")
        self.class_combo.setCurrentIndex(position)
        self._ensure_fresh()

    def select_layer(self, name: str) -> bool:
        """Grad-CAM of layer ``name`` (a layer with a volume output); False, and no change, for others."""
        self._ensure_fresh()
        position = self.layer_combo.findData(name)
        if position < 0:
            return False
        self._wanted_layer = name
        self.layer_combo.setCurrentIndex(position)
        self._ensure_fresh()
        return True

    def set_blend(self, fraction: float) -> None:
        self.blend_slider.setValue(int(round(100 * float(fraction))))

    def step(self, direction: int) -> None:
        """Show the next (+1) or previous (−1) image of `shown_indices()`, wrapping round."""
        shown = self.shown_indices()
        if not len(shown):
            return
        current = self.index_spin.value()
        where = np.flatnonzero(shown == current)
        position = (int(where[0]) + direction) % len(shown) if len(where) else (0 if direction > 0 else -1)
        self.set_image_index(int(shown[position]))

    # ----- queries ----------------------------------------------------------------------------------
    def image_index(self) -> int:
        return self.index_spin.value()

    def cell(self):
        return self._cell

    def shown_indices(self) -> np.ndarray:
        self._ensure_fresh()
        ds = self._dataset
        if ds is None or self._result is None:
            return np.zeros(0, np.int64)
        if self._cell is None:
            return np.arange(len(ds.y_test), dtype=np.int64)
        predicted, confidence = self._cell_predictions()
        order = misclassified_first(ds.y_test, predicted, confidence)
        t, p = self._cell
        return order[(ds.y_test[order] == t) & (predicted[order] == p)].astype(np.int64)

    def explained_class(self) -> int | None:
        self._ensure_fresh()
        return None if self._result is None else int(self._result.classes[0])

    def predicted_class(self) -> int | None:
        self._ensure_fresh()
        return None if self._result is None else int(self._result.predicted[0])

    def probabilities(self) -> np.ndarray | None:
        self._ensure_fresh()
        return None if self._result is None else self._result.probabilities[0].copy()

    def layer_names(self) -> list[str]:
        self._ensure_fresh()
        return [self.layer_combo.itemData(i) for i in range(self.layer_combo.count())]

    def current_layer(self) -> str | None:
        self._ensure_fresh()
        return self.layer_combo.currentData()

    def blend(self) -> float:
        return self.blend_slider.value() / 100

    def saliency_map(self) -> np.ndarray | None:
        self._ensure_fresh()
        return None if self._result is None else self._result.saliency[0].copy()

    def grad_cam_map(self) -> np.ndarray | None:
        self._ensure_fresh()
        if self._result is None or self._result.grad_cam is None:
            return None
        return self._result.grad_cam[0].copy()

    def pictures(self) -> dict:
        self._ensure_fresh()
        return {key: value.copy() for key, value in self._pictures.items()}

    # ----- compute ----------------------------------------------------------------------------------
    def _problem(self) -> str:
        net, ds = self._net, self._dataset
        if net is None:
            return ("<b>No network yet.</b><br>Design or train a network: this view shows why it predicts what "
                    "it does for a test image (saliency and Grad-CAM).")
        if ds is None:
            return "<b>No dataset.</b><br>Choose a dataset: its test images are what the predictions are made on."
        mismatch = fit_problem_text(dataset_fit_problem(net, ds))
        if mismatch:
            return mismatch
        if len(ds.x_test) == 0:
            return f"<b>‘{html.escape(ds.name)}’ has no test images.</b>"
        return ""

    def _cell_predictions(self):
        if self._predictions is None:
            proba = snapshot(self._net).predict_proba(self._dataset.x_test)
            predicted = np.argmax(proba, axis=1)
            self._predictions = (predicted, proba[np.arange(len(predicted)), predicted])
        return self._predictions

    def _refresh(self) -> None:
        self._predictions = None
        message = self._problem()
        if message:
            self._result, self._pictures = None, {}
            self.stack.show_message(message)
            return
        net, ds = snapshot(self._net), self._dataset
        with QSignalBlocker(self.index_spin):
            self.index_spin.setRange(0, len(ds.x_test) - 1)
        self._fill_classes(net, ds)
        self._fill_layers(net)
        i = self.index_spin.value()
        wanted = self.class_combo.currentData()
        layer = self.layer_combo.currentData()
        self._result = explain(net, ds.x_test[i:i + 1], None if wanted in (None, PREDICTED) else wanted, layer)
        self.stack.show_content()
        self._draw()

    def _fill_classes(self, net, ds) -> None:
        names = [str(c) for c in ds.class_names]
        labels = ["the predicted class"] + [f"{k}: {names[k]}" if names[k] != str(k) else str(k)
                                            for k in range(net.num_classes)]
        if [self.class_combo.itemText(i) for i in range(self.class_combo.count())] != labels:
            current = self.class_combo.currentData()
            with QSignalBlocker(self.class_combo):
                self.class_combo.clear()
                self.class_combo.addItem(labels[0], PREDICTED)
                for k in range(net.num_classes):
                    self.class_combo.addItem(labels[k + 1], k)
                position = self.class_combo.findData(current)
                self.class_combo.setCurrentIndex(max(0, position))

    def _fill_layers(self, net) -> None:
        names = grad_cam_layers(net)
        default = default_grad_cam_layer(net)
        shapes = {row.name: row.output_shape for row in net.summary.rows[1:]}
        labels = [f"{name}  ({'×'.join(map(str, shapes[name]))})" + ("  · last" if name == default else "")
                  for name in names]
        if [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())] != labels:
            current = self._wanted_layer or self.layer_combo.currentData()
            with QSignalBlocker(self.layer_combo):
                self.layer_combo.clear()
                for name, label in zip(names, labels):
                    self.layer_combo.addItem(label, name)
                chosen = current if current in names else default
                if chosen is not None:
                    self.layer_combo.setCurrentIndex(names.index(chosen))
        self.layer_combo.setEnabled(bool(names))
        self._wanted_layer = None

    def _layer_chosen(self, _index: int) -> None:
        self._request_refresh(urgent=True)

    # ----- drawing ----------------------------------------------------------------------------------
    def _draw(self) -> None:
        self.blend_label.setText(f"{self.blend_slider.value()}%")
        result, ds = self._result, self._dataset
        if result is None or ds is None:
            return
        i = self.index_spin.value()
        image = ds.x_test[i]
        names = [str(c) for c in ds.class_names]
        name = lambda k: names[k] if k < len(names) else str(k)
        true, predicted, explained = int(ds.y_test[i]), int(result.predicted[0]), int(result.classes[0])
        p = result.probabilities[0]
        blend = self.blend()
        n_H, n_W = image.shape[:2]
        scale = max(1, math.ceil(PANEL_PX / max(n_H, n_W)))
        pictures = {"image": resize_nearest(display_image(image), (n_H * scale, n_W * scale)),
                    "saliency": heat_overlay(image, result.saliency[0], blend, scale, smooth=False)}
        self.pictures_widget.show_picture("image", pictures["image"], f"Test image {i} · true {name(true)}")
        self.pictures_widget.show_picture("saliency", pictures["saliency"], f"Saliency for {name(explained)}")
        if result.grad_cam is not None:
            pictures["grad_cam"] = heat_overlay(image, result.grad_cam[0], blend, scale, smooth=True)
            self.pictures_widget.show_picture("grad_cam", pictures["grad_cam"],
                                      f"Grad-CAM of {result.layer} for {name(explained)}")
        else:
            self.pictures_widget.clear("grad_cam", "Grad-CAM: no layer with an n_H × n_W × n_C output")
        self._pictures = pictures
        self.bars.set_values(p, names, explained, predicted)

        right = predicted == true
        colour = RIGHT if right else WRONG
        state = " (untrained weights)" if self.untrained else ""
        self.prediction.setText(
            f"Predicted <span style='color:{colour}'><b>{html.escape(name(predicted))}</b></span> "
            f"({p[predicted]:.1%}){state} — true {html.escape(name(true))}, "
            + ("right" if right else f"<span style='color:{WRONG}'>wrong</span>")
            + f"; explaining <span style='color:{EXPLAINED}'><b>{html.escape(name(explained))}</b></span> "
              f"({p[explained]:.1%})")
        if self._cell is None:
            self.cell_label.setText("")
            self.all_button.setVisible(False)
        else:
            t, q = self._cell
            count = len(self.shown_indices())
            self.cell_label.setText(f"Confusion-matrix cell: true {name(t)}, predicted {name(q)} — {count} image"
                                    + ("s" if count != 1 else ""))
            self.all_button.setVisible(True)
        cam_text = ""
        if result.grad_cam is not None:
            h, w = result.grad_cam.shape[1:]
            cam_text = (f" Grad-CAM of {result.layer} ({h}×{w}): where in that layer's output the evidence for "
                        f"{html.escape(name(explained))} is — its maps weighted by their mean gradient, negatives "
                        "cut — enlarged to the image.")
            if h * w <= 4 and len(self.layer_names()) > 1:
                cam_text += f" A {h}×{w} map is coarse: an earlier layer gives a finer one."
        self.info.setText(f"Saliency: how much each pixel moves the score of {html.escape(name(explained))} "
                          "(|∂z/∂x|, the largest over the channels)." + cam_text +
                          " Red = most, dark blue = none; each map is scaled to its own peak.")

    # ----- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The image, saliency and Grad-CAM side by side under the prediction, as `main.py explain -o` draws
        them, with this view's blend (atomic write). Returns the size in pixels."""
        self._ensure_fresh()
        result, ds = self._result, self._dataset
        if result is None:
            raise ValueError("nothing to export: " + (self.stack.message_text().replace("<br>", " ")
                                                    .replace("<b>", "").replace("</b>", "") or "no image"))
        i = self.index_spin.value()
        names = [str(c) for c in ds.class_names]
        name = lambda k: names[k] if k < len(names) else str(k)
        predicted, explained = int(result.predicted[0]), int(result.classes[0])
        p = result.probabilities[0]
        title = [f"{ds.name} test image {i}: label {name(int(ds.y_test[i]))}, predicted {name(predicted)} "
                 f"({100 * p[predicted]:.1f}%)" + (", untrained" if self.untrained else ""),
                 f"explaining class {name(explained)} ({100 * p[explained]:.1f}%)"]
        picture = explanation_picture(ds.x_test[i], result.saliency[0],
                                      None if result.grad_cam is None else result.grad_cam[0], title,
                                      cam_label=f"Grad-CAM of {result.layer}", blend=self.blend())
        write_png(path, picture)
        return picture.shape[1], picture.shape[0]
