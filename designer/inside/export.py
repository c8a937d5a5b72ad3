"""PNG export for the inside views: render → PNG bytes → atomic write (a temp file beside the target, then
os.replace), so a failed export never leaves a half-written file under the chosen name."""
from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

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
            owner.export_png(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(owner, "Export PNG", f"Could not save {path}:\n{exc}")

    button.clicked.connect(ask)
    return button
