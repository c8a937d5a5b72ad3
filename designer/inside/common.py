"""Drawing pieces the "inside" views share: colour maps, number formatting, cell labels that scale with
the view, and image views that show arrays upright. (The base of the network-driven views, with their
throttled, lazy refresh, is network_view.py.)

Colour conventions (the same in every view, so a learner reads them once):
    grey            input images (dark = low, bright = high)
    blue–white–red  signed values (filters, pre-activation outputs): white is 0, the map is symmetric
    viridis         non-negative activations (ReLU outputs, pooled maps): dark = 0
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsSimpleTextItem

# --------------------------------------------------------------------------------------------------
# Colour
# --------------------------------------------------------------------------------------------------

GREY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")
DIVERGING = pg.colormap.get("CET-D1")          # blue – white – red, white exactly at the middle
SEQUENTIAL = pg.colormap.get("viridis")
COUNTS = pg.ColorMap([0.0, 1.0], [(247, 251, 255), (8, 69, 148)], name="counts")   # white → dark blue

BACKGROUND = "#f4f4f4"      # behind image grids: light, so white (zero) tiles still read as tiles
WRONG = "#d32f2f"
RIGHT = "#2e7d32"
TEXT = "#202020"


@functools.lru_cache(maxsize=16)
def _lut(cmap_name: str) -> np.ndarray:
    cmap = {"grey": GREY, "diverging": DIVERGING, "sequential": SEQUENTIAL, "counts": COUNTS}[cmap_name]
    return np.ascontiguousarray(cmap.getLookupTable(0.0, 1.0, 256, alpha=True).astype(np.uint8))


def colorize(values01: np.ndarray, cmap: str) -> np.ndarray:
    """Values in [0, 1] ``(...)`` → RGBA uint8 ``(..., 4)`` through one of the named maps
    ("grey", "diverging", "sequential", "counts")."""
    idx = np.clip(np.rint(np.asarray(values01, dtype=np.float64) * 255.0), 0, 255).astype(np.intp)
    return _lut(cmap)[idx]


def rgb_to_rgba(rgb01: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] ``(..., 3)`` → RGBA uint8 ``(..., 4)``, opaque."""
    rgb = np.clip(np.rint(np.asarray(rgb01, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)
    alpha = np.full(rgb.shape[:-1] + (1,), 255, np.uint8)
    return np.concatenate([rgb, alpha], axis=-1)


def text_color_for(rgba) -> QColor:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = (float(c) for c in rgba[:3])
    return QColor("#000000") if 0.299 * r + 0.587 * g + 0.114 * b > 140 else QColor("#ffffff")


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------

def parse_cell(value) -> float | None:
    """A number typed into a grid cell ("−3", "2,5", " 7 "), or None if it isn't a finite number."""
    try:
        v = float(str(value).strip().replace("−", "-").replace(",", "."))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def format_number(v: float) -> str:
    """Cell numbers the way the course writes them: whole numbers without a point (−5, 30), others with
    three significant digits (0.812, −1.25); never "−0". Uses the real minus sign."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        text = f"{int(round(v))}"
    else:
        text = f"{v:.3g}"
        if "e" in text:
            text = f"{v:.2e}"
    if text in ("-0", "-0.0"):
        text = "0"
    return text.replace("-", "−")


def format_cell(v: float) -> str:
    """A number short enough for a matrix cell: whole numbers as they are (−5, 30), others with at most
    two decimals and no trailing zeros (0.31, −1.5, 12.3)."""
    v = float(v)
    if not math.isfinite(v) or abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        return format_number(v)
    digits = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2
    text = f"{v:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "−")


def pixel_text(v: float) -> str:
    """A value for the hover read-outs: like :func:`format_number` but with more digits for floats."""
    v = float(v)
    if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        return format_number(v)
    return f"{v:.4g}".replace("-", "−")


# --------------------------------------------------------------------------------------------------
# Text that lives in data coordinates
# --------------------------------------------------------------------------------------------------

class ScaledText(QGraphicsSimpleTextItem):
    """A label fitted into a box given in data coordinates, so it grows and shrinks with the view.

    pg.TextItem keeps a fixed pixel size, which overflows small cells and is tiny in big ones; this one is
    scaled to fill ``fill`` of the box (centred). It needs a view with ``invertY(True)`` and a locked aspect
    ratio, which every image view here has: then data y grows downwards like Qt's, so the text is upright.
    """

    def __init__(self, text: str, rect: QRectF, color=TEXT, fill: float = 0.75, bold: bool = False,
                 parent=None, max_height_fraction: float = 0.6):
        super().__init__(text, parent)
        font = QFont()
        font.setPixelSize(40)      # drawn big, scaled down: smooth glyphs at every zoom
        font.setBold(bold)
        self.setFont(font)
        self.setBrush(QBrush(QColor(color)))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self._fill = fill
        self._max_h = max_height_fraction
        self.place(rect)

    def place(self, rect: QRectF, fill: float | None = None) -> None:
        """Fit into ``rect`` (data coordinates), using ``fill`` of its width (default: as constructed)."""
        if fill is not None:
            self._fill = fill
        br = self.boundingRect()
        if br.width() <= 0 or br.height() <= 0:
            return
        scale = min(rect.width() * self._fill / br.width(), rect.height() * self._max_h / br.height())
        self.setScale(scale)
        self.setPos(rect.center().x() - br.width() * scale / 2, rect.center().y() - br.height() * scale / 2)

    def fit_scale(self, rect: QRectF) -> float:
        """The scale :meth:`place` would use for ``rect``."""
        br = self.boundingRect()
        if br.width() <= 0 or br.height() <= 0:
            return 1.0
        return min(rect.width() * self._fill / br.width(), rect.height() * self._max_h / br.height())

    def place_scaled(self, rect: QRectF, scale: float) -> None:
        """Centre in ``rect`` at a given scale (to give every cell of a matrix the same font size)."""
        br = self.boundingRect()
        self.setScale(scale)
        self.setPos(rect.center().x() - br.width() * scale / 2, rect.center().y() - br.height() * scale / 2)

    def set_color(self, color) -> None:
        self.setBrush(QBrush(QColor(color)))


# --------------------------------------------------------------------------------------------------
# Image views
# --------------------------------------------------------------------------------------------------

def make_image_view(interactive: bool = False) -> pg.ViewBox:
    """A ViewBox for images: row 0 at the top (invertY), square pixels, optional pan/zoom."""
    view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    view.setMouseEnabled(interactive, interactive)
    view.setDefaultPadding(0.02)
    return view


def make_image_item(**kwargs) -> pg.ImageItem:
    """An ImageItem whose arrays are (row, column[, channel]) like NumPy's, without touching the global
    ``imageAxisOrder`` option that other widgets rely on."""
    return pg.ImageItem(axisOrder="row-major", **kwargs)


def outline(rect: QRectF, color, width: float = 2.0, style=Qt.PenStyle.SolidLine, parent=None) -> QGraphicsRectItem:
    """A rectangle whose line stays ``width`` screen pixels wide at any zoom."""
    item = QGraphicsRectItem(rect, parent)
    pen = QPen(QColor(color))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setStyle(style)
    item.setPen(pen)
    item.setBrush(QBrush(Qt.BrushStyle.NoBrush))
    return item
