"""Pieces the "inside" views share: colour maps, number formatting, cell labels that scale with the view,
image views that show arrays upright, and the throttled, lazy refresh every network-driven view uses.

Colour conventions (the same in every view, so a learner reads them once):
    grey            input images (dark = low, bright = high)
    blue–white–red  signed values (filters, pre-activation outputs): white is 0, the map is symmetric
    viridis         non-negative activations (ReLU outputs, pooled maps): dark = 0
"""
from __future__ import annotations

import functools
import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (QGraphicsRectItem, QGraphicsSimpleTextItem, QLabel, QStackedWidget,
                               QVBoxLayout, QWidget)

from engine.kinds import feature_map_caption, learns_filters
from engine.memory import MemoryGuardError, check_memory
from engine.train import dataset_shape_problem

# --------------------------------------------------------------------------------------------------
# Colour
# --------------------------------------------------------------------------------------------------

GREY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")
DIVERGING = pg.colormap.get("CET-D1")          # blue – white – red, white exactly at the middle
SEQUENTIAL = pg.colormap.get("viridis")
COUNTS = pg.ColorMap([0.0, 1.0], [(247, 251, 255), (8, 69, 148)], name="counts")   # white → dark blue

BACKGROUND = "#f4f4f4"      # behind image grids: light, so white (zero) tiles still read as tiles
FRAME = "#9e9e9e"
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


# --------------------------------------------------------------------------------------------------
# Placeholder + content, and the throttled refresh
# --------------------------------------------------------------------------------------------------

class PlaceholderStack(QStackedWidget):
    """Either a centred explanatory text (no network yet, no conv layer, wrong dataset ...) or the content."""

    def __init__(self, content: QWidget, parent=None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setObjectName("placeholder")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setStyleSheet("QLabel { color: #555555; font-size: 14px; padding: 24px; }")
        holder = QWidget()
        lay = QVBoxLayout(holder)
        lay.addWidget(self.message)
        self.addWidget(holder)
        self.addWidget(content)
        self.content = content

    def show_message(self, html: str) -> None:
        self.message.setText(html)
        self.setCurrentIndex(0)

    def show_content(self) -> None:
        self.setCurrentIndex(1)

    @property
    def showing_message(self) -> bool:
        return self.currentIndex() == 0

    def message_text(self) -> str:
        return self.message.text() if self.showing_message else ""


class ThrottledRefresh:
    """Mixin for views fed by ``set_network`` after every epoch: redraw at most once a second, and not
    at all while hidden (a background tab); catch up when shown or when a query method needs the data.

    Subclasses call ``_init_refresh()`` in ``__init__``, implement ``_refresh()``, call
    ``_request_refresh(urgent)`` when their inputs change, and ``_ensure_fresh()`` before answering
    queries. ``urgent`` (the user changed something) skips the one-second wait.
    """

    MIN_INTERVAL_MS = 1000

    def _init_refresh(self) -> None:
        self._dirty = False
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_refresh_timer)

    def _request_refresh(self, urgent: bool = False) -> None:
        self._dirty = True
        if not self.isVisible():
            return          # showEvent / _ensure_fresh catch up
        if urgent:
            self._timer.stop()
            self._do_refresh()
            return
        if self._timer.isActive():
            return
        elapsed = self._clock.elapsed() if self._clock.isValid() else None
        if elapsed is None or elapsed >= self.MIN_INTERVAL_MS:
            self._do_refresh()
        else:
            self._timer.start(int(self.MIN_INTERVAL_MS - elapsed))

    def _on_refresh_timer(self) -> None:
        if self._dirty and self.isVisible():
            self._do_refresh()

    def _ensure_fresh(self) -> None:
        if self._dirty:
            self._timer.stop()
            self._do_refresh()

    def _do_refresh(self) -> None:
        self._dirty = False
        self._clock.restart()
        self._refresh()

    def refresh(self) -> None:
        """Redraw now from the current network and dataset, ignoring the throttle."""
        self._timer.stop()
        self._do_refresh()

    def _refresh(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _show_event_refresh(self) -> None:
        if self._dirty:
            self._timer.stop()
            # After the show has been processed, so the first paint isn't delayed by the computation.
            QTimer.singleShot(0, self._ensure_fresh)


def design_changed(old, new) -> bool:
    """True when ``new`` is another design than ``old`` (not just new weights): such a change is shown at
    once instead of waiting for the once-a-second throttle."""
    if old is None or new is None:
        return old is not new
    if old is new:
        return False
    try:
        return old.spec.to_dict() != new.spec.to_dict()
    except AttributeError:
        return True


UNTRAINED_TEXT = ("<b>untrained (initial weights)</b>: the design as built, before any training. Train it on "
                  "the Train tab and compare.")


def memory_problem_text(message: str) -> str:
    """The placeholder for the memory guard's one-line message (engine.memory.MemoryGuardError)."""
    return f"<b>Not enough memory for this view.</b><br>{html.escape(message)}."


class InsideView(ThrottledRefresh, QWidget):
    """Base of the views fed by ``set_network`` (feature maps, learned filters, predictions): the object
    name, the throttled refresh, the placeholder/content stack and the methods every one of them has.

    Subclasses call ``super().__init__(object_name, parent)``, build their widgets, then
    ``_build_content(bar, main, footer)``; they implement ``_refresh()`` like any ThrottledRefresh.

    Memory guard: a view that runs the network sets ``INFERENCE_BATCH`` (the most test images one forward
    pass takes); before each refresh the inference on a copy of the network is estimated
    (engine.memory.check_memory) and, if it would not fit, the view shows the guard's message instead of
    computing. ``set_network_problem`` shows why there is no network (e.g. it was too big to build).
    """

    INFERENCE_BATCH: int | None = None   # None: the view does not run the network

    def __init__(self, object_name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self._init_refresh()
        self._net = None
        self._untrained = False
        self._network_problem = ""

    def _build_content(self, bar, main: QWidget, footer: QWidget) -> PlaceholderStack:
        """The tool bar layout over ``main`` (stretching) over ``footer``, in a :class:`PlaceholderStack`
        (``self.stack``) filling the view with 6 px margins."""
        content = QWidget()
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.untrained_banner = QLabel(UNTRAINED_TEXT)
        self.untrained_banner.setObjectName("untrainedBanner")
        self.untrained_banner.setWordWrap(True)
        self.untrained_banner.setStyleSheet("QLabel { background: #fff8e1; border: 1px solid #f0d98c; "
                                            "border-radius: 4px; padding: 4px 8px; }")
        self.untrained_banner.setVisible(self._untrained)
        col.addWidget(self.untrained_banner)
        col.addLayout(bar)
        col.addWidget(main, 1)
        col.addWidget(footer)
        self.stack = PlaceholderStack(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack)
        return self.stack

    def set_network(self, net, untrained: bool = False) -> None:
        """Show ``net`` (None: the placeholder). A new design shows at once; weight updates of the same
        design (after every epoch) redraw at most once a second. ``untrained``: ``net`` has its initial
        weights (a design not trained yet); the view says so above its content."""
        urgent = design_changed(self._net, net) or untrained != self._untrained or bool(self._network_problem)
        self._net = net
        self._network_problem = ""
        self._untrained = bool(untrained) and net is not None
        self.untrained_banner.setVisible(self._untrained)
        self._request_refresh(urgent=urgent)

    def set_network_problem(self, message: str) -> None:
        """No network, because of ``message`` (the memory guard's one line): the view says it."""
        self._net, self._untrained = None, False
        self.untrained_banner.setVisible(False)
        self._network_problem = message
        self._request_refresh(urgent=True)

    def memory_problem(self) -> str:
        """The guard's one line when running the network for this view would not fit in memory, else ""."""
        if self._net is None or self.INFERENCE_BATCH is None:
            return ""
        batch = self.INFERENCE_BATCH
        dataset = getattr(self, "_dataset", None)
        if dataset is not None:
            batch = max(1, min(batch, len(dataset.x_test)))
        try:
            check_memory(self._net.summary, purpose="infer", batch_size=batch, dtype=self._net.dtype,
                         what="Looking inside this network")
        except MemoryGuardError as exc:
            return str(exc)
        return ""

    def _do_refresh(self) -> None:
        blocked = self._network_problem if self._net is None else self.memory_problem()
        if not blocked:
            super()._do_refresh()
            return
        # Each view's own "no network" path drops what it computed before (tiles, maps, matrix); then
        # its placeholder says why instead.
        net, self._net = self._net, None
        try:
            super()._do_refresh()
        finally:
            self._net = net
        self.stack.show_message(memory_problem_text(blocked))

    @property
    def untrained(self) -> bool:
        """True while the view shows a network with its initial weights."""
        return self._untrained

    def placeholder_text(self) -> str:
        self._ensure_fresh()
        return self.stack.message_text()

    def showEvent(self, event):  # noqa: N802 - Qt API
        super().showEvent(event)
        self._show_event_refresh()


def fit_problem_text(problem: str | None) -> str:
    """The placeholder for an engine fit problem (`engine.train.dataset_fit_problem` and friends):
    "" for None, else a bold headline over the engine's message, shown as it is."""
    if not problem:
        return ""
    return f"<b>The dataset doesn't fit this network.</b><br>{html.escape(problem)}."


def input_mismatch(net, dataset) -> str:
    """"" when ``dataset``'s images have ``net``'s input shape, else the placeholder saying what to change."""
    return fit_problem_text(dataset_shape_problem(net, dataset))


def snapshot(net):
    """An independent copy of ``net`` to compute with on the GUI thread.

    The training thread may be stepping the live network; its layers keep per-call state (caches,
    input shapes) that a forward pass from another thread would overwrite, so the views never run
    ``forward`` on the network they were given.
    """
    return net.copy()


def network_conv_layers(net) -> list[str]:
    """Names of the layers of ``net`` whose weights are f×f filters (conv layers), in order."""
    return [row.name for layer, row in zip(net.spec.layers, net.summary.rows[1:]) if learns_filters(layer)]


def network_volume_layers(net) -> list[tuple[str, str]]:
    """(name, caption) of every layer of ``net`` whose feature maps are worth showing (conv and pool),
    in order; the caption says what the maps show ("convolution + relu", "pooling")."""
    captions = [(row.name, feature_map_caption(layer)) for layer, row in zip(net.spec.layers, net.summary.rows[1:])]
    return [(name, caption) for name, caption in captions if caption is not None]
