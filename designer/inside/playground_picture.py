"""The filter playground's picture: input ∗ filter = output as three image views side by side, the
numbers written in the cells of small matrices, the output-size formula under them, a colour bar, and
the window behind one output cell outlined.

`ConvolutionPicture` only draws what it is given; the playground computes (engine.inspection) and decides
which cell is explained. Arrays: the input (n_H, n_W) grey or (n_H, n_W, 3) RGB in its own units, the
filter (f, f), the output (o_H, o_W); p is the zero padding on each side.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from engine.inspection import pad_image

from ..image_export import export_png
from .common import (BACKGROUND, DIVERGING, GREY, TEXT, ScaledText, colorize, format_cell, make_image_item,
                     make_image_view, outline, text_color_for)

NUMBERS_MAX_INPUT = 8   # numbers are written in the cells for inputs up to 8×8 (as in the course)


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


class ConvolutionPicture:
    """The graphics (objectName playgroundGraphics) and the two labels under them: explain_label
    (objectName explanation) and error_label (playgroundError)."""

    def __init__(self):
        self.text_items: dict[str, list[ScaledText]] = {"input": [], "filter": [], "output": []}
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


    # ----- drawing ----------------------------------------------------------------------------------
    def draw(self, x: np.ndarray, filt: np.ndarray, p: int, out: np.ndarray | None,
             formula: str) -> dict[str, list[list[str]]]:
        """Draw input `x` padded by `p`, filter `filt` and `out` (None: the settings can't work), with
        `formula` under them. Returns the numbers written in the cells of "input" (padding included),
        "filter" and "output" (rows of strings; [] where no numbers are written)."""
        cell_texts: dict[str, list[list[str]]] = {}
        f = filt.shape[0]
        rgb = x.ndim == 3
        n_H, n_W = x.shape[:2]
        small = max(n_H, n_W) <= NUMBERS_MAX_INPUT and not rgb

        # Input, with its zero padding drawn around it (outlined: the original image).
        xp = pad_image(x, p)
        padded_H, padded_W = xp.shape[:2]
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
        item.setRect(QRectF(-p, -p, padded_W, padded_H))
        self._fit(self.views["input"], QRectF(-p, -p, padded_W, padded_H))
        self._pad_outline.setRect(QRectF(0, 0, n_W, n_H))
        self._pad_outline.setVisible(p > 0)
        texts = []
        if small:
            norm = (xp - levels[0]) / (levels[1] - levels[0])
            colours = colorize(norm, "grey")
            texts = [[format_cell(v) for v in row] for row in xp]
            padded = pad_image(np.ones((n_H, n_W)), p) == 0    # the cells of the padding, drawn dimmed
            self._write_cells("input", texts, colours, origin=(-p, -p), dim=padded)
        else:
            self._write_cells("input", [], None)
        cell_texts["input"] = texts
        shape_txt = f"{n_H}×{n_W}" + ("×3" if rgb else "")
        pad_txt = f", p = {p} → {padded_H}×{padded_W}" if p else ""
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
        cell_texts["filter"] = texts
        self.titles["filter"].setText(f"Filter {f}×{f}" + ("×3" if rgb else ""), color=TEXT)

        # Output.
        item = self.items["output"]
        if out is None:
            item.clear()
            self._write_cells("output", [], None)
            cell_texts["output"] = []
            self.titles["output"].setText("Output: —", color=TEXT)
            self._set_formula_label(formula, rgb)
            return cell_texts
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
        cell_texts["output"] = texts
        self.titles["output"].setText(f"Output {o_H}×{o_W}", color=TEXT)
        self._set_formula_label(formula, rgb)
        self._set_column_widths(padded_W, f, o_W)
        return cell_texts

    def _set_formula_label(self, formula: str, rgb: bool) -> None:
        text = f"Output size: {formula}" if formula else ""
        if rgb:
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
        items = self.text_items[key]
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


    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # ----- the window behind an output cell ---------------------------------------------------------
    def outline_window(self, top: int, left: int, f: int, i: int, j: int) -> None:
        """Outline the f×f input window whose top-left corner is (top, left) (padding coordinates from
        −p) and output cell (i, j)."""
        self._hl_window.setRect(QRectF(left, top, f, f))
        self._hl_cell.setRect(QRectF(j, i, 1, 1))
        self._hl_window.setVisible(True)
        self._hl_cell.setVisible(True)

    def hide_window(self) -> None:
        self._hl_window.setVisible(False)
        self._hl_cell.setVisible(False)

    def output_cell_at(self, pos) -> tuple[int, int] | None:
        """The (row, column) under scene position `pos` in the output view (None outside it); the
        caller checks it against the output's shape."""
        view = self.views["output"]
        if not view.sceneBoundingRect().contains(pos):
            return None
        pt = view.mapSceneToView(pos)
        return int(np.floor(pt.y())), int(np.floor(pt.x()))

    def export_png(self, path) -> tuple[int, int]:
        """The picture with the formula as PNG (atomic write). Returns its size."""
        return export_png(self.graphics, path)
