"""The volume diagram on the Design tab: the design drawn as the course draws it, live.

The geometry comes from `engine.export.diagram.diagram_layout` (the same data the SVG export and the
command line use, blocks with their skip arrows and branches included); this widget only paints it with
QPainter, scaled to fit, highlights the selected layer and turns a click on a box into
`layerClicked(path)` (the layer's path, () for the input).
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (QFileDialog, QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea,
                               QSizePolicy, QToolTip, QVBoxLayout, QWidget)

from engine.export.diagram import (ADD, BLOCKED, COLOURS, FONT_SIZE, JOIN_RADIUS, LINE_COLOUR, SELECTED_EDGE,
                                   SKIP_COLOUR, DiagramLayout, diagram_layout, faces, render_svg)
from engine.fileio import atomic_write

from ..document import DesignDocument
from ..image_export import png_bytes, say_exported

MAX_SCALE = 1.6     # a two-layer design shouldn't turn into a poster
MIN_SCALE = 0.75    # a long design (a ResNet) scrolls sideways rather than shrink below readable
PNG_SCALE = 2       # exported PNGs at twice the layout's pixels: sharp on slides


class VolumeDiagram(QWidget):
    """Paints a DiagramLayout (objectName ``volumeDiagram``).

    set_document(doc)        follow a DesignDocument (redraws on every edit)
    set_selected(path)       outline the layer at `path` (() = input, an int = a top-level index, None = nothing)
    layout_data()            the DiagramLayout drawn now; box_count()
    export_svg(path), export_png(path)   atomic writes; return the file size in bytes
    Signals: layerClicked(tuple): the path of the layer whose box was clicked (() for the input);
             selectedMoved(QPointF): where the outlined box now is on the widget (to scroll it into view)
    """

    layerClicked = Signal(object)
    selectedMoved = Signal(QPointF)

    def __init__(self, document: DesignDocument | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("volumeDiagram")
        self.setMouseTracking(True)
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._document: DesignDocument | None = None
        self._layout: DiagramLayout | None = None
        self._selected: int | None = None
        if document is not None:
            self.set_document(document)

    # ----- data ------------------------------------------------------------------------------
    def set_document(self, document: DesignDocument) -> None:
        if self._document is not None:
            self._document.changed.disconnect(self.refresh)
        self._document = document
        document.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        doc = self._document
        self._layout = diagram_layout(doc.spec, doc.summary) if doc is not None else None
        # Never narrower than readable: a scroll area around the diagram scrolls it sideways.
        self.setMinimumWidth(int(self._layout.width * MIN_SCALE) if self._layout is not None else 0)
        self.update()

    def set_selected(self, layer) -> None:
        if isinstance(layer, int):
            layer = () if layer < 0 else (layer,)
        path = None if layer is None else tuple(layer)
        if path != self._selected:
            self._selected = path
            self.update()
            if path is not None and self._layout is not None and self._layout.box_for(path) is not None:
                self.selectedMoved.emit(self.box_center(path))

    def selected(self) -> tuple | None:
        """The outlined layer's path (() for the input), or None."""
        return self._selected

    def layout_data(self) -> DiagramLayout | None:
        return self._layout

    def box_count(self) -> int:
        return len(self._layout.boxes) if self._layout else 0

    # ----- geometry ----------------------------------------------------------------------------
    def _transform(self) -> tuple[float, float, float]:
        """(scale, dx, dy) from layout pixels to widget pixels: fit, centred."""
        lay = self._layout
        scale = min(self.width() / lay.width, self.height() / lay.height, MAX_SCALE)
        dx = (self.width() - lay.width * scale) / 2
        dy = (self.height() - lay.height * scale) / 2
        return scale, dx, dy

    def box_center(self, layer) -> QPointF:
        """Where the box of a layer (its path, or a top-level index) is on the widget (for clicks in tests)."""
        scale, dx, dy = self._transform()
        box = self._layout.box_for(layer)
        return QPointF(dx + (box.x + box.w / 2) * scale, dy + (box.y + box.h / 2) * scale)

    def _box_at(self, pos):
        if self._layout is None:
            return None
        scale, dx, dy = self._transform()
        return self._layout.box_at((pos.x() - dx) / scale, (pos.y() - dy) / scale)

    # ----- painting ----------------------------------------------------------------------------
    def paint_layout(self, painter: QPainter) -> None:
        """Draw the layout in layout pixels (the caller sets the transform)."""
        lay = self._layout
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(FONT_SIZE)
        painter.setFont(font)
        arrow_pen = QPen(QColor(LINE_COLOUR), 1.5)
        self._paint_links(painter, font)
        for arrow in lay.arrows:
            painter.setPen(arrow_pen)
            painter.drawLine(QPointF(arrow.x1, arrow.y), QPointF(arrow.x2 - 2, arrow.y))
            painter.setBrush(QColor("#555555"))
            painter.drawPolygon(QPolygonF([QPointF(arrow.x2, arrow.y), QPointF(arrow.x2 - 8, arrow.y - 4),
                                           QPointF(arrow.x2 - 8, arrow.y + 4)]))
            if arrow.label:
                painter.setPen(QColor("#333333"))
                painter.drawText(QRectF(arrow.x1 - 20, arrow.y - 8 - FONT_SIZE - 4, arrow.x2 - arrow.x1 + 40,
                                        FONT_SIZE + 4), Qt.AlignmentFlag.AlignCenter, arrow.label)
        bold = QFont(font)
        bold.setBold(True)
        for box in lay.boxes:
            fill, edge = COLOURS[box.kind]
            chosen = box.path == self._selected
            pen = QPen(QColor(SELECTED_EDGE if chosen else edge), 3 if chosen else 1.2)
            if box.kind == BLOCKED:
                pen.setStyle(Qt.PenStyle.DashLine)
            front, top, side = faces(box)
            for points, shade in ((top, QColor(255, 255, 255, 46)), (side, QColor(0, 0, 0, 46)), (front, None)):
                if box.depth == 0 and points is not front:
                    continue
                polygon = QPolygonF([QPointF(x, y) for x, y in points])
                painter.setPen(pen)
                painter.setBrush(QColor(fill))
                painter.drawPolygon(polygon)
                if shade is not None:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(shade)
                    painter.drawPolygon(polygon)
            colour = QColor("#b3261e") if box.error else QColor("#111111")
            centre = box.x + (box.w + box.depth) / 2
            wide = max(box.w + box.depth, len(box.name) * FONT_SIZE, len(box.label) * FONT_SIZE) + 8
            painter.setPen(QColor(SELECTED_EDGE) if chosen and not box.error else colour)
            painter.setFont(bold)
            painter.drawText(QRectF(centre - wide / 2, box.name_y - FONT_SIZE - 2, wide, FONT_SIZE + 6),
                             Qt.AlignmentFlag.AlignCenter, box.name)
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(QRectF(centre - wide / 2, box.label_y - FONT_SIZE - 2, wide, FONT_SIZE + 6),
                             Qt.AlignmentFlag.AlignCenter, box.label)

    def _paint_links(self, painter: QPainter, font: QFont) -> None:
        """A block's lines (skip arrows, forks, lanes into their join) and its joins: ⊕ or a bar."""
        lay = self._layout
        italic = QFont(font)
        italic.setItalic(True)
        for link in lay.links:
            colour = QColor(SKIP_COLOUR if link.skip else LINE_COLOUR)
            painter.setPen(QPen(colour, 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF([QPointF(x, y) for x, y in link.points]))
            if link.head and len(link.points) > 1:
                (x1, y1), (x2, y2) = link.points[-2], link.points[-1]
                length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1e-9)
                ux, uy = (x2 - x1) / length, (y2 - y1) / length
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawPolygon(QPolygonF([QPointF(x2, y2), QPointF(x2 - 8 * ux - 4 * uy, y2 - 8 * uy + 4 * ux),
                                               QPointF(x2 - 8 * ux + 4 * uy, y2 - 8 * uy - 4 * ux)]))
            if link.label:
                painter.setPen(colour)
                painter.setFont(italic)
                painter.drawText(QPointF(*link.label_at), link.label)
        painter.setFont(font)
        for join in lay.joins:
            painter.setPen(QPen(QColor(LINE_COLOUR), 1.5))
            if join.kind == ADD:
                r = JOIN_RADIUS
                painter.setBrush(QColor("#ffffff"))
                painter.drawEllipse(QPointF(join.x, join.y), r, r)
                painter.drawLine(QPointF(join.x - r + 3, join.y), QPointF(join.x + r - 3, join.y))
                painter.drawLine(QPointF(join.x, join.y - r + 3), QPointF(join.x, join.y + r - 3))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(LINE_COLOUR))
                painter.drawRect(QRectF(join.x - 3, join.y - 6, 6, join.y2 - join.y + 12))

    def paintEvent(self, event):  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if self._layout is not None and self.width() > 0 and self.height() > 0:
            scale, dx, dy = self._transform()
            painter.translate(dx, dy)
            painter.scale(scale, scale)
            self.paint_layout(painter)
        painter.end()

    def mousePressEvent(self, event):  # noqa: N802 - Qt API
        box = self._box_at(event.position())
        if box is not None and event.button() == Qt.MouseButton.LeftButton:
            self.layerClicked.emit(box.path)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):  # noqa: N802 - Qt API
        box = self._box_at(event.position())
        if box is None:
            QToolTip.hideText()
        else:
            tip = f"{box.name}: {box.error}" if box.error else f"{box.name}: {box.label} — click to edit"
            QToolTip.showText(event.globalPosition().toPoint(), tip, self)
        super().mouseMoveEvent(event)

    # ----- export ------------------------------------------------------------------------------
    def render_image(self, scale: int = PNG_SCALE) -> QImage:
        lay = self._layout
        image = QImage(int(lay.width * scale), int(lay.height * scale), QImage.Format.Format_ARGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        painter.scale(scale, scale)
        self.paint_layout(painter)
        painter.end()
        return image

    def export_png(self, path) -> int:
        data = png_bytes(self.render_image())
        atomic_write(Path(os.fspath(path)), lambda handle: handle.write(data), binary=True)
        return len(data)

    def export_svg(self, path) -> int:
        text = render_svg(self._layout, self._selected)
        atomic_write(Path(os.fspath(path)), lambda handle: handle.write(text))
        return len(text.encode("utf-8"))


class DiagramPane(QWidget):
    """The diagram with its heading and the SVG / PNG export buttons (objectName ``diagramPane``)."""

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("diagramPane")
        self.diagram = VolumeDiagram(document)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Volume diagram</b>: n_H × n_W × n_C boxes, f and s on the arrows; "
                       "click a box to edit it")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        self.svg_button = QPushButton("Export SVG…")
        self.svg_button.setObjectName("exportDiagramSvgButton")
        self.png_button = QPushButton("Export PNG…")
        self.png_button.setObjectName("exportDiagramPngButton")
        self.svg_button.setToolTip("Save the diagram as an SVG drawing (sharp at any size, for documents)")
        self.png_button.setToolTip("Save the diagram as a PNG picture (for slides)")
        self.svg_button.clicked.connect(lambda: self._ask("svg"))
        self.png_button.clicked.connect(lambda: self._ask("png"))
        head.addWidget(self.svg_button)
        head.addWidget(self.png_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 4, 0, 0)
        col.setSpacing(4)
        col.addLayout(head)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("diagramScroll")
        self.scroll.setWidget(self.diagram)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.diagram.selectedMoved.connect(lambda point: self.scroll.ensureVisible(int(point.x()), int(point.y()), 80, 0))
        col.addWidget(self.scroll, 1)

    def ask_export_path(self, suffix: str) -> str | None:
        """A file name from a dialog (tests replace this)."""
        what = "SVG image (*.svg)" if suffix == "svg" else "PNG image (*.png)"
        path, _ = QFileDialog.getSaveFileName(self, f"Export the diagram as {suffix.upper()}",
                                              f"diagram.{suffix}", what)
        if path and not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        return path or None

    def _ask(self, suffix: str) -> None:
        path = self.ask_export_path(suffix)
        if not path:
            return
        try:
            (self.diagram.export_svg if suffix == "svg" else self.diagram.export_png)(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export the diagram", f"Could not save {path}:\n{exc}")
            return
        say_exported(self, path)
