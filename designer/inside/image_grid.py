"""ImageGrid: many small images (filters, feature maps, test images) laid out in one pyqtgraph view.

All tiles go into one RGBA mosaic drawn by a single ImageItem, so 500 filters cost one item, not 500;
captions are scaled text in data coordinates (they grow with the tiles when the learner zooms in).
Small tiles are enlarged by an integer factor (nearest neighbour: pixels stay square and sharp) so that
gaps, frames and captions can be a fraction of a tile even for 3×3 filters.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor

from engine.inspection import choose_columns

from .common import BACKGROUND, TEXT, ScaledText, colorize, make_image_item, rgb_to_rgba

TARGET_TILE_PX = 24       # small tiles are enlarged to about this many mosaic pixels


class ImageGrid(pg.GraphicsLayoutWidget):
    """A grid of same-sized tiles with optional captions under them and coloured frames around them.

    Signals:
        tileClicked(int): the index of the tile the user clicked.
    """

    tileClicked = Signal(int)

    def __init__(self, parent=None, area_aspect: float = 1.6):
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self.area_aspect = area_aspect
        self.plot = self.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for side in ("left", "bottom", "top", "right"):
            self.plot.hideAxis(side)
        self.view: pg.ViewBox = self.plot.getViewBox()
        self.view.invertY(True)
        self.view.setAspectLocked(True)
        self.view.setDefaultPadding(0.01)
        self.image = make_image_item()
        self.plot.addItem(self.image)
        self._texts: list[ScaledText] = []
        self._rects: list[QRectF] = []          # each tile's rectangle in mosaic coordinates
        self._captions: list[str] = []
        self._mosaic_shape: tuple[int, int] = (0, 0)
        self._columns = 0
        self._rows = 0
        self.scene().sigMouseClicked.connect(self._on_click)

    # ----- data -----------------------------------------------------------------------------------
    def set_tiles(self, tiles, cmap: str | None = "grey", captions=None, caption_colors=None,
                  frame_colors=None, columns: int | None = None, caption_size: float = 0.13) -> None:
        """Show ``tiles``: ``(N, h, w)`` values in [0, 1] coloured through ``cmap`` ("grey", "diverging",
        "sequential", "counts"), or ``(N, h, w, 3)`` RGB in [0, 1] (``cmap`` ignored).

        captions: N strings (may hold "\\n"); caption_colors / frame_colors: N colours or None each.
        columns: fixed number of columns; by default chosen to fill the view.
        caption_size: height of one caption line as a fraction of the tile height.
        """
        tiles = np.asarray(tiles)
        n = int(tiles.shape[0]) if tiles.ndim >= 3 else 0
        if n == 0:
            self.clear_tiles()
            return
        rgb = tiles.ndim == 4
        if rgb and tiles.shape[-1] != 3:
            raise ValueError(f"colour tiles must be (N, h, w, 3), got {tiles.shape}")
        h, w = int(tiles.shape[1]), int(tiles.shape[2])
        up = max(1, math.ceil(TARGET_TILE_PX / max(h, w)))
        H, W = h * up, w * up
        framed = frame_colors is not None and any(c is not None for c in frame_colors)
        gap = max(4, int(round(0.2 * max(H, W)))) if framed else max(2, int(round(0.14 * max(H, W))))
        lines = 0
        if captions is not None:
            captions = [str(c) for c in captions]
            if len(captions) != n:
                raise ValueError(f"{len(captions)} captions for {n} tiles")
            lines = max((c.count("\n") + 1 for c in captions if c), default=0)
        # A few big tiles fill the view at a large zoom: shrink their captions so the text stays about
        # the size it has in a full grid.
        line = caption_size * H * min(1.0, math.sqrt(n) / 3)
        cap_h = max(2, int(round(lines * line + 0.04 * H))) if lines else 0
        if columns is None:
            view_aspect = self.area_aspect
            if self.width() > 50 and self.height() > 50:
                view_aspect = self.width() / self.height()
            columns = choose_columns(n, (W + gap) / (H + cap_h + gap), view_aspect)
        cols = max(1, min(int(columns), n))
        rows = math.ceil(n / cols)
        fw = max(1, int(round(gap * 0.3))) if framed else 0     # frames stay apart: a gap between neighbours
        cell_w, cell_h = W + gap, H + fw + cap_h + gap
        mosaic = np.zeros((gap + rows * cell_h, gap + cols * cell_w, 4), np.uint8)   # transparent gaps

        if rgb:
            colours = rgb_to_rgba(tiles)
        else:
            colours = colorize(tiles, cmap or "grey")
        if up > 1:
            colours = colours.repeat(up, axis=1).repeat(up, axis=2)
        rects = []
        for i in range(n):
            r, c = divmod(i, cols)
            x0, y0 = gap + c * cell_w, gap + r * cell_h
            if frame_colors is not None and frame_colors[i] is not None:
                q = QColor(frame_colors[i])
                mosaic[y0 - fw:y0 + H + fw, x0 - fw:x0 + W + fw] = (q.red(), q.green(), q.blue(), 255)
            mosaic[y0:y0 + H, x0:x0 + W] = colours[i]
            rects.append(QRectF(x0, y0, W, H))

        resized = mosaic.shape[:2] != self._mosaic_shape
        self.image.setImage(mosaic, levels=(0, 255), autoLevels=False)
        self._mosaic_shape = mosaic.shape[:2]
        self._rects = rects
        self._columns, self._rows = cols, rows
        self._set_captions(captions or [], caption_colors, gap, cap_h, fw)
        if resized:
            self.view.setRange(QRectF(0, 0, mosaic.shape[1], mosaic.shape[0]), padding=0.01)

    def _set_captions(self, captions, colors, gap, cap_h, below=0) -> None:
        self._captions = list(captions)
        while len(self._texts) > len(captions):
            item = self._texts.pop()
            self.view.removeItem(item)
        for i, text in enumerate(captions):
            rect = self._rects[i]
            box = QRectF(rect.left() - gap / 2, rect.bottom() + below + 0.06 * cap_h, rect.width() + gap,
                         cap_h * 0.94)
            color = colors[i] if colors is not None and colors[i] is not None else TEXT
            if i < len(self._texts):
                item = self._texts[i]
                item.setText(text)
                item.set_color(color)
                item.place(box)
            else:
                item = ScaledText(text, box, color=color, fill=0.96, max_height_fraction=0.95)
                self.view.addItem(item, ignoreBounds=True)
                self._texts.append(item)

    def clear_tiles(self) -> None:
        self.image.clear()
        self._rects = []
        self._mosaic_shape = (0, 0)
        self._columns = self._rows = 0
        self._set_captions([], None, 0, 0)
        self.set_axis_labels()

    # ----- axes -----------------------------------------------------------------------------------
    def set_axis_labels(self, rows=None, columns=None, row_title: str = "", column_title: str = "") -> None:
        """Label the grid's rows (left axis) and columns (top axis) at the tile centres; None hides them.
        Long lists show every k-th label so they don't overlap."""
        for side, labels, title, centre in (("left", rows, row_title, lambda r: r.center().y()),
                                             ("top", columns, column_title, lambda r: r.center().x())):
            if not labels:
                self.plot.hideAxis(side)
                continue
            step = self._columns if side == "left" else 1
            positions = [centre(self._rects[i * step]) for i in range(len(labels)) if i * step < len(self._rects)]
            every = max(1, math.ceil(len(positions) / 16))
            ticks = [(p, str(label)) for k, (p, label) in enumerate(zip(positions, labels)) if k % every == 0]
            axis = self.plot.getAxis(side)
            axis.setTicks([ticks, []])
            axis.setLabel(title)
            axis.setTextPen(TEXT)
            axis.setPen(TEXT)
            self.plot.showAxis(side)

    # ----- queries (tests, export) ------------------------------------------------------------------
    def tile_count(self) -> int:
        return len(self._rects)

    def grid_shape(self) -> tuple[int, int]:
        """(rows, columns) of the current layout."""
        return self._rows, self._columns

    def captions(self) -> list[str]:
        return list(self._captions)

    def tile_at(self, x: float, y: float) -> int | None:
        """The tile under mosaic coordinates (x, y), or None."""
        for i, rect in enumerate(self._rects):
            if rect.contains(x, y):
                return i
        return None

    def _on_click(self, event) -> None:
        if not self._rects:
            return
        pos = event.scenePos()
        if not self.view.sceneBoundingRect().contains(pos):
            return
        p = self.view.mapSceneToView(pos)
        index = self.tile_at(p.x(), p.y())
        if index is not None:
            self.tileClicked.emit(index)
