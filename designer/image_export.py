"""PNG export for the Inside views and the volume diagram: render → PNG bytes → atomic write (a temp file
beside the target, then os.replace), so a failed export never leaves a half-written file under the chosen name."""
from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QPushButton, QWidget

from engine.fileio import atomic_write


def render_image(source) -> QImage:
    """The picture of ``source``: a pyqtgraph GraphicsLayoutWidget / PlotWidget (through
    pyqtgraph.exporters.ImageExporter, which draws at the scene's resolution) or any other QWidget
    (QWidget.grab, for composite views). Falls back to grab() when the scene has no size yet."""
    if isinstance(source, pg.GraphicsView):
        item = source.centralWidget if getattr(source, "centralWidget", None) is not None else source.scene()
        try:
            import pyqtgraph.exporters as exporters
            exporter = exporters.ImageExporter(item)
            width = int(exporter.parameters()["width"])
            height = int(exporter.parameters()["height"])
            if width > 0 and height > 0:
                exporter.parameters()["width"] = width
                exporter.parameters()["height"] = height
                image = exporter.export(toBytes=True)
                if isinstance(image, QImage) and not image.isNull():
                    return image
        except Exception:  # noqa: BLE001 - any exporter trouble: the plain grab below still works
            pass
    if isinstance(source, QWidget):
        if source.size().isEmpty():
            source.resize(source.sizeHint().expandedTo(source.minimumSizeHint()))
        return source.grab().toImage()
    raise TypeError(f"cannot render {type(source).__name__} to PNG")


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("Qt could not encode the picture as PNG")
    buffer.close()
    return bytes(data.data())


def export_png(source, path) -> tuple[int, int]:
    """Write the picture of ``source`` to ``path`` as PNG, atomically. Returns (width, height) in pixels.

    Raises OSError (with the path in the message) if the file can't be written, ValueError if the view has
    nothing to draw (zero size).
    """
    image = render_image(source)
    if image.isNull() or image.width() <= 0 or image.height() <= 0:
        raise ValueError("the view has no size yet (is it shown?); nothing to export")
    data = png_bytes(image)
    path = Path(os.fspath(path))
    atomic_write(path, lambda handle: handle.write(data), binary=True)
    return image.width(), image.height()


def with_caption(image: QImage, caption: str, margin: int = 10) -> QImage:
    """`image` below a band holding `caption` (wrapped to the image's width), on white, with a margin all
    round so nothing at the picture's edge (a plot title) is cut off."""
    font = QFont()
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    metrics = QFontMetrics(font)
    width = image.width() + 2 * margin
    text_rect = metrics.boundingRect(QRect(0, 0, width - 2 * margin, 10_000),
                                     int(Qt.TextFlag.TextWordWrap), caption) if caption else QRect()
    band = text_rect.height() + margin if caption else 0
    out = QImage(width, image.height() + band + 2 * margin, QImage.Format.Format_ARGB32)
    out.fill(QColor("white"))
    painter = QPainter(out)
    if caption:
        painter.setFont(font)
        painter.setPen(QColor("#202020"))
        painter.drawText(QRect(margin, margin, width - 2 * margin, text_rect.height()),
                         int(Qt.TextFlag.TextWordWrap), caption)
    painter.drawImage(margin, margin + band, image)
    painter.end()
    return out


def export_image(image: QImage, path) -> tuple[int, int]:
    """Write `image` to `path` as PNG, atomically. Returns (width, height)."""
    if image.isNull() or image.width() <= 0 or image.height() <= 0:
        raise ValueError("the view has no size yet (is it shown?); nothing to export")
    data = png_bytes(image)
    atomic_write(Path(os.fspath(path)), lambda handle: handle.write(data), binary=True)
    return image.width(), image.height()


def say_exported(owner: QWidget, path, size=None) -> None:
    """Confirm an export in the main window's status bar, with the path (when there is a main window)."""
    window = owner.window()
    if isinstance(window, QMainWindow):
        pixels = f" ({size[0]}×{size[1]} px)" if isinstance(size, tuple) and len(size) == 2 else ""
        window.statusBar().showMessage(f"Exported {path}{pixels}", 8000)


def make_export_button(owner: QWidget, default_name: str) -> QPushButton:
    """An "Export PNG…" button that asks for a file name and calls ``owner.export_png(path)``; errors are
    shown in a message box, not raised into the event loop."""
    button = QPushButton("Export PNG…", owner)
    button.setObjectName("exportPngButton")
    button.setToolTip("Save this view as a PNG image")

    def ask() -> None:
        path, _ = QFileDialog.getSaveFileName(owner, "Export PNG", default_name, "PNG image (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        try:
            size = owner.export_png(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(owner, "Export PNG", f"Could not save {path}:\n{exc}")
            return
        say_exported(owner, path, size)

    button.clicked.connect(ask)
    return button
