"""Predictions: what the network gets wrong on the test set — a grid of test images, misclassified first,
and the confusion matrix (click a cell to see exactly those images)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget

from engine.data import images_to_float
from engine.inspection import (accuracy_from_confusion, confusion_matrix, misclassified_first,
                            normalize_tiles)
from engine.train import dataset_fit_problem

from ..image_export import export_image, export_png, make_export_button, render_image, with_caption
from .common import BACKGROUND, RIGHT, TEXT, WRONG, ScaledText, colorize, make_image_item, text_color_for
from .image_grid import ImageGrid
from .network_view import InsideView, fit_problem_text, snapshot

DEFAULT_SHOWN = 48


class ConfusionMatrixPlot(pg.PlotWidget):
    """k×k counts: rows = true class, columns = predicted class; the diagonal (right) in blue, the
    mistakes in red — each on its own scale, so a handful of errors still stands out next to hundreds of
    right answers. Signals cellClicked(true, predicted)."""

    cellClicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.view = self.plot.getViewBox()
        self.view.invertY(True)
        self.view.setAspectLocked(True)
        self.view.setMouseEnabled(False, False)
        self.image = make_image_item()
        self.plot.addItem(self.image)
        self.plot.setTitle("Confusion matrix", color=TEXT, size="11pt")
        for side, title in (("left", "true class"), ("bottom", "predicted class")):
            axis = self.plot.getAxis(side)
            axis.setLabel(title, color=TEXT)
            axis.setTextPen(TEXT)
            axis.setPen(TEXT)
        self._texts: list[ScaledText] = []
        self._selection = None
        self._sel_item = None    # the outline of the selected cell
        self._cm = np.zeros((0, 0), np.int64)
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_matrix(self, cm: np.ndarray, class_names) -> None:
        cm = np.asarray(cm, dtype=np.int64)
        k = cm.shape[0]
        self._cm = cm
        diag = np.eye(k, dtype=bool)
        right_max = max(1, int(cm[diag].max())) if k else 1
        wrong_max = max(1, int(cm[~diag].max())) if k > 1 else 1
        blue = colorize(cm / right_max * 0.85 + 0.15, "counts")
        reds = np.stack(np.broadcast_arrays(255, 235 - 200 * cm / wrong_max, 235 - 200 * cm / wrong_max, 255),
                        axis=-1).astype(np.uint8)
        rgba = np.where(diag[..., None], blue, reds)
        rgba[(cm == 0) & ~diag] = (255, 255, 255, 255)
        self.image.setImage(rgba, levels=(0, 255), autoLevels=False)
        self.image.setRect(QRectF(0, 0, k, k))
        while len(self._texts) > k * k:
            self.view.removeItem(self._texts.pop())
        for n, (i, j) in enumerate((i, j) for i in range(k) for j in range(k)):
            colour = text_color_for(rgba[i, j])
            if cm[i, j] == 0:
                colour = "#b0b0b0"
            rect = QRectF(j, i, 1, 1)
            if n < len(self._texts):
                item = self._texts[n]
                item.setText(str(cm[i, j]))
                item.set_color(colour)
                item.place(rect)
            else:
                item = ScaledText(str(cm[i, j]), rect, color=colour, fill=0.7, max_height_fraction=0.34)
                item.setZValue(10)
                self.view.addItem(item, ignoreBounds=True)
                self._texts.append(item)
        names = [str(c) for c in class_names][:k] + [str(c) for c in range(len(class_names), k)]
        ticks = [[(c + 0.5, names[c]) for c in range(k)], []]
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.getAxis("bottom").setTicks(ticks)
        self.view.setRange(QRectF(0, 0, k, k), padding=0.0)
        self.set_selection(self._selection if self._selection and max(self._selection) < k else None)

    def set_selection(self, cell) -> None:
        if self._sel_item is not None:
            self.view.removeItem(self._sel_item)
            self._sel_item = None
        self._selection = cell
        if cell is not None:
            pen = pg.mkPen("#ff9800", width=3)
            pen.setCosmetic(True)
            self._sel_item = pg.QtWidgets.QGraphicsRectItem(QRectF(cell[1], cell[0], 1, 1))
            self._sel_item.setPen(pen)
            self._sel_item.setZValue(20)
            self.view.addItem(self._sel_item, ignoreBounds=True)

    def cell_texts(self) -> list[list[str]]:
        k = self._cm.shape[0]
        return [[self._texts[i * k + j].text() for j in range(k)] for i in range(k)]

    def _clicked(self, event) -> None:
        k = self._cm.shape[0]
        if not k or not self.view.sceneBoundingRect().contains(event.scenePos()):
            return
        p = self.view.mapSceneToView(event.scenePos())
        i, j = int(np.floor(p.y())), int(np.floor(p.x()))
        if 0 <= i < k and 0 <= j < k:
            self.cellClicked.emit(i, j)


class PredictionsView(InsideView):
    """Test-set predictions (objectName ``predictions``).

    API:
        set_network(net), set_dataset(ds)    inputs (None clears); set_network is throttled to 1/s
        confusion_matrix()                   (k, k) int64, rows = true class, columns = predicted
        accuracy()                           trace / total of that matrix (nan without data)
        shown_indices()                      test-set indices in the grid, in order
        select_cell(true, predicted)         show only those examples; select_cell(None) shows all again
        set_shown_count(n)                   how many images the grid shows (default 48)
        placeholder_text(), refresh(), export_png(path)
    Signals:
        testImageClicked(int): a test image was clicked (e.g. to open it in the feature maps view).
        explainRequested(object): "Why?" was clicked: the chosen cell (true, predicted), or None.
    """

    testImageClicked = Signal(int)
    explainRequested = Signal(object)

    INFERENCE_BATCH = 256   # predict_proba's batch (the memory guard checks it first)

    def __init__(self, parent=None):
        super().__init__("predictions", parent)
        self._dataset = None
        self._cm = np.zeros((0, 0), np.int64)
        self._proba = None
        self._pred = None
        self._cell = None
        self._shown: np.ndarray = np.zeros(0, np.int64)

        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("predictionSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.summary)
        bar.addStretch(1)
        bar.addWidget(QLabel("Show"))
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("predictionCount")
        self.count_spin.setToolTip("How many test images to show with their predicted and true classes")
        self.count_spin.setRange(1, 400)
        self.count_spin.setValue(DEFAULT_SHOWN)
        self.count_spin.setSuffix(" images")
        self.count_spin.valueChanged.connect(lambda _v: self._draw_grid())
        bar.addWidget(self.count_spin)
        self.all_button = QPushButton("Show all")
        self.all_button.setObjectName("showAllPredictions")
        self.all_button.setToolTip("Leave the confusion-matrix cell and show every test image again")
        self.all_button.clicked.connect(lambda: self.select_cell(None))
        self.all_button.setEnabled(False)
        bar.addWidget(self.all_button)
        self.why_button = QPushButton("Why? ›")
        self.why_button.setObjectName("whyButton")
        self.why_button.setToolTip("Open Inside › Why on these images: the saliency and Grad-CAM maps of each "
                                   "(on the chosen cell's images one after another, or the first image shown)")
        self.why_button.clicked.connect(lambda: self.explainRequested.emit(self._cell))
        bar.addWidget(self.why_button)
        self.export_button = make_export_button(self, "predictions.png")
        bar.addWidget(self.export_button)

        self.grid = ImageGrid(area_aspect=1.2)
        self.grid.setObjectName("predictionGrid")
        self.grid.tileClicked.connect(self._tile_clicked)
        self.grid_title = QLabel()
        self.grid_title.setObjectName("predictionGridTitle")
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(self.grid_title)
        lcol.addWidget(self.grid, 1)
        self.matrix = ConfusionMatrixPlot()
        self.matrix.setObjectName("confusionMatrix")
        self.matrix.cellClicked.connect(lambda i, j: self.select_cell((i, j)))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.matrix)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([620, 460])
        note = QLabel("Red frame = wrong. Wrong ones come first, the most confident mistakes at the top; then "
                      "the right ones, least confident first. Click a cell of the matrix to see its images.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555555;")
        self._build_content(bar, self.splitter, note)
        self._refresh()

    # ----- inputs (set_network: InsideView) ----------------------------------------------------------
    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._cell = None
        self._request_refresh(urgent=True)

    def select_cell(self, cell) -> None:
        """Show only the test images with true class ``cell[0]`` predicted as ``cell[1]``; None: all."""
        self._ensure_fresh()
        k = self._cm.shape[0]
        if cell is not None:
            cell = (int(cell[0]), int(cell[1]))
            if not (0 <= cell[0] < k and 0 <= cell[1] < k):
                raise ValueError(f"cell {cell} is outside the {k}×{k} confusion matrix")
        self._cell = cell
        self.matrix.set_selection(cell)
        self.all_button.setEnabled(cell is not None)
        self._draw_grid()

    def set_shown_count(self, n: int) -> None:
        self.count_spin.setValue(int(n))

    # ----- queries ----------------------------------------------------------------------------------
    def confusion_matrix(self) -> np.ndarray:
        """(k, k) int64 counts over the whole test set: rows = true class, columns = predicted class."""
        self._ensure_fresh()
        return self._cm.copy()

    def accuracy(self) -> float:
        """Right predictions / test-set size, from the confusion matrix (nan without data)."""
        self._ensure_fresh()
        return accuracy_from_confusion(self._cm)

    def shown_indices(self) -> np.ndarray:
        self._ensure_fresh()
        return self._shown.copy()

    # ----- compute ----------------------------------------------------------------------------------
    def _problem(self) -> str:
        net, ds = self._net, self._dataset
        if net is None:
            return ("<b>No network yet.</b><br>Train a network: this view shows its predictions on the test "
                    "images, the mistakes first, and the confusion matrix.")
        if ds is None:
            return "<b>No dataset.</b><br>Choose a dataset: the predictions are made on its test images."
        mismatch = fit_problem_text(dataset_fit_problem(net, ds))
        if mismatch:
            return mismatch
        if len(ds.x_test) == 0:
            return f"<b>‘{ds.name}’ has no test images.</b>"
        return ""

    def _refresh(self) -> None:
        message = self._problem()
        if message:
            self._cm = np.zeros((0, 0), np.int64)
            self._proba = self._pred = None
            self._shown = np.zeros(0, np.int64)
            self.grid.clear_tiles()
            self.stack.show_message(message)
            return
        net, ds = snapshot(self._net), self._dataset
        proba = net.predict_proba(ds.x_test)
        pred = np.argmax(proba, axis=1)
        k = ds.num_classes
        self._proba, self._pred = proba, pred
        self._cm = confusion_matrix(ds.y_test, pred, k)
        self._order = misclassified_first(ds.y_test, pred, proba[np.arange(len(pred)), pred])
        total = int(self._cm.sum())
        right = int(np.trace(self._cm))
        acc = accuracy_from_confusion(self._cm)
        self.summary.setText(
            f"Test accuracy <b>{acc:.1%}</b> — {right:,} of {total:,} right, "
            f"<span style='color:{WRONG}'><b>{total - right:,}</b> wrong</span>")
        if self._cell is not None and max(self._cell) >= k:
            self._cell = None
        self.matrix.set_matrix(self._cm, ds.class_names)
        self.stack.show_content()
        self._draw_grid()

    def _draw_grid(self) -> None:
        if self._pred is None:
            return
        ds = self._dataset
        order = self._order
        if self._cell is not None:
            t, p = self._cell
            keep = (ds.y_test[order] == t) & (self._pred[order] == p)
            order = order[keep]
        shown = order[:self.count_spin.value()]
        self._shown = np.asarray(shown, dtype=np.int64)
        names = [str(c) for c in ds.class_names]
        x = images_to_float(ds.x_test[shown], np.float64)   # uint8 datasets: 0..255 → 0..1
        if len(shown) == 0:
            self.grid.clear_tiles()
        else:
            if x.shape[3] == 3:
                tiles = np.clip(x, 0, 1)
                cmap = None
            else:
                tiles = normalize_tiles(x[..., 0], "minmax", per_tile=False)
                cmap = "grey"
            captions, colours, frames = [], [], []
            for i in shown:
                p, t = int(self._pred[i]), int(ds.y_test[i])
                conf = float(self._proba[i, p])
                captions.append(f"{names[p]} ({conf:.0%})\n" + ("✓ right" if p == t else f"true: {names[t]}"))
                colours.append(RIGHT if p == t else WRONG)
                frames.append(None if p == t else WRONG)
            self.grid.set_tiles(tiles, cmap, captions=captions, caption_colors=colours, frame_colors=frames,
                                caption_size=0.2)
        if self._cell is None:
            wrong = int(self._cm.sum() - np.trace(self._cm))
            self.grid_title.setText(f"{len(shown)} of {len(ds.y_test):,} test images — predicted class and "
                                    f"confidence ({min(wrong, len(shown))} wrong shown)")
        else:
            t, p = self._cell
            n = int(self._cm[t, p])
            what = "right" if t == p else "wrong"
            self.grid_title.setText(f"True {names[t]}, predicted {names[p]} ({what}): {n} image"
                                    f"{'s' if n != 1 else ''}" + (f", first {len(shown)} shown" if n > len(shown) else ""))

    def _tile_clicked(self, tile: int) -> None:
        if 0 <= tile < len(self._shown):
            self.testImageClicked.emit(int(self._shown[tile]))

    # ----- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The image grid and the confusion matrix as PNG (atomic write). Returns its size in pixels."""
        self._ensure_fresh()
        if self.stack.showing_message:
            return export_png(self.stack, path)
        # The accuracy line is part of the picture (it is what a slide is for), and the margin keeps the
        # confusion matrix's title whole.
        caption = self.summary.text() and QTextDocumentFragment.fromHtml(self.summary.text()).toPlainText()
        return export_image(with_caption(render_image(self.splitter), caption or ""), path)
