"""Icons: the app's own (bundled SVG + PNG) and small ones drawn at run time, a coloured tile with a
letter per layer kind.

The same tile marks a kind on the add buttons and in the layer list, so a learner can match them.
"""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from engine.resources import resource_path

from .layers import color as kind_color, letter as kind_letter

APP_ICON_NAME = "cnn-designer"  # also the Icon= of resources/cnn-designer.desktop


def _tile(kind: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(kind_color(kind))
    painter.setPen(QPen(color.darker(125), max(1.0, size / 16)))
    painter.setBrush(color)
    inset = max(1.0, size / 16)
    rect = QRectF(inset, inset, size - 2 * inset, size - 2 * inset)
    painter.drawRoundedRect(rect, size / 5, size / 5)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(7, int(size * 0.62)))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, kind_letter(kind))
    painter.end()
    return pixmap


@lru_cache(maxsize=None)
def kind_icon(kind: str) -> QIcon:
    """The tile icon for a layer kind ("input", "conv", ...). Needs a QGuiApplication."""
    icon = QIcon()
    for size in (16, 20, 24, 32, 48):
        icon.addPixmap(_tile(kind, size))
    return icon


def app_icon() -> QIcon:
    """The window icon: the bundled SVG (sharp at any size) and its 256 px PNG. Needs a QGuiApplication.

    Null (QIcon().isNull()) only if both files are missing from the installation.
    """
    icon = QIcon()
    for suffix in (".svg", ".png"):
        path = resource_path("icons", APP_ICON_NAME + suffix)
        if path.is_file():
            icon.addFile(str(path))
    return icon
