"""The app's own icon (bundled SVG + PNG). The layer kinds' tiles are drawn in design/kind_visuals.py."""
from __future__ import annotations

from PySide6.QtGui import QIcon

from engine.resources import resource_path

APP_ICON_NAME = "cnn-designer"  # also the Icon= of resources/cnn-designer.desktop


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
