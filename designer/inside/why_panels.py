"""The pieces of Inside › Why (why_view.py): the image and its two heat maps side by side, and the class
probabilities as bars that pick a class when clicked."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from engine.heatmaps import to_uint8

from .common import BACKGROUND, TEXT, make_image_item, make_image_view

PANELS = ("image", "saliency", "grad_cam")
EXPLAINED, PREDICTED_COLOUR, OTHER = "#ff9800", "#1976d2", "#b0b0b0"   # the bars: explained, predicted, others


class WhyPictures(QWidget):
    """The image, its saliency map and its Grad-CAM map side by side in equal columns, each with a title."""

    def __init__(self, parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.titles, self.items, self.views, self.panels = {}, {}, {}, {}
        for key in PANELS:
            panel = pg.GraphicsLayoutWidget()
            panel.setObjectName(f"why_{key}")
            panel.setBackground(BACKGROUND)
            panel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            self.titles[key] = panel.addLabel("", row=0, col=0, color=TEXT, size="10pt")
            view = make_image_view()
            item = make_image_item()
            view.addItem(item)
            panel.addItem(view, row=1, col=0)
            panel.ci.layout.setRowStretchFactor(1, 1)
            self.views[key], self.items[key], self.panels[key] = view, item, panel
            row.addWidget(panel, 1)

    def show_picture(self, key: str, rgb01, title: str) -> None:
        rgb = to_uint8(rgb01)
        self.items[key].setImage(rgb, levels=(0, 255), autoLevels=False)
        self.views[key].setRange(QRectF(0, 0, rgb.shape[1], rgb.shape[0]), padding=0.02)
        self.titles[key].setText(title, color=TEXT)

    def clear(self, key: str, title: str) -> None:
        self.items[key].clear()
        self.titles[key].setText(title, color=TEXT)


class ProbabilityBars(pg.PlotWidget):
    """The class probabilities as bars: the explained class orange, the predicted one blue. A click on a bar
    picks its class (`on_pick(k)`)."""

    def __init__(self, on_pick, parent=None):
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self._on_pick = on_pick
        self.plot = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(False, False)
        self.plot.setTitle("Probabilities", color=TEXT, size="10pt")
        self.setToolTip("The network's probability for each class: the explained class orange, the predicted one "
                        "blue. Click a bar to explain that class.")
        self.plot.disableAutoRange()
        self.plot.setYRange(0, 1, padding=0.02)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTextPen(TEXT)
            self.plot.getAxis(side).setPen(TEXT)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.plot.addItem(self.bars)
        self._k = 0
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_values(self, probabilities, names, explained: int, predicted: int) -> None:
        k = len(probabilities)
        self._k = k
        brushes = [EXPLAINED if c == explained else PREDICTED_COLOUR if c == predicted else OTHER for c in range(k)]
        self.bars.setOpts(x=np.arange(k), height=np.asarray(probabilities, dtype=float), width=0.7, brushes=brushes,
                          pens=[pg.mkPen(None)] * k)
        self.plot.getAxis("bottom").setTicks([[(c, str(names[c]) if c < len(names) else str(c)) for c in range(k)]])
        self.plot.setXRange(-0.6, k - 0.4, padding=0)

    def _clicked(self, event) -> None:
        view = self.plot.getViewBox()
        if not self._k or not view.sceneBoundingRect().contains(event.scenePos()):
            return
        c = int(round(view.mapSceneToView(event.scenePos()).x()))
        if 0 <= c < self._k:
            self._on_pick(c)
