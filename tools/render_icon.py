"""Developer tool: render the app icon's SVG to the PNG beside it (256×256), headless.

    QT_QPA_PLATFORM=offscreen python tools/render_icon.py

Run it after editing resources/icons/cnn-designer.svg and commit both files: the PNG is for desktops
and file managers that do not read SVG icons.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "cnn-designer.svg"
SIZE = 256


def render(svg: Path = SVG, size: int = SIZE) -> Path:
    """Write svg's PNG rendering (size × size, transparent background) next to it; returns its path."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (Qt needs one)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out = svg.with_suffix(".png")
    if not image.save(str(out)):
        raise SystemExit(f"error: {out}: could not write the PNG")
    return out


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(render())
