"""What the filter playground works on: the course's images and filters, the editable f×f filter
(a Qt table model), and picture files read into arrays.

Arrays are float64: images (n_H, n_W) grey or (n_H, n_W, 3) RGB, filters (f, f).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from engine.course_examples import COURSE_6X6, VERTICAL_EDGE_IMAGE, VERTICAL_FILTER
from engine.fileio import refuse_special_file

from .common import format_number, pixel_text
from .number_grid import NumberGridModel

# --------------------------------------------------------------------------------------------------
# The course's examples (engine/course_examples.py)
# --------------------------------------------------------------------------------------------------

_EDGE = VERTICAL_EDGE_IMAGE

IMAGE_PRESETS: dict[str, tuple[str, np.ndarray]] = {
    "course_6x6": ("Course 6×6 example", COURSE_6X6),
    "vertical_edge": ("Vertical edge (10 10 10 0 0 0)", _EDGE),
    "vertical_edge_mirrored": ("Vertical edge, mirrored (0 0 0 10 10 10)", _EDGE[:, ::-1].copy()),
    "horizontal_edge": ("Horizontal edge (10 above 0)", _EDGE.T.copy()),
}

FILTER_PRESETS: dict[str, tuple[str, np.ndarray]] = {
    "vertical": ("Vertical edge", VERTICAL_FILTER),
    "horizontal": ("Horizontal edge", np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=np.float64)),
    "sobel": ("Sobel (vertical)", np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)),
    "scharr": ("Scharr (vertical)", np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)),
}
CUSTOM = "custom"
BUILTIN_DATASETS = ("digits", "shapes")

MAX_SIDE = 128          # larger picture files are scaled down so the playground stays interactive
MAX_FILTER = 7


# --------------------------------------------------------------------------------------------------
# The editable filter
# --------------------------------------------------------------------------------------------------

class FilterModel(NumberGridModel):
    """An f×f grid of numbers, edited in place; ``edited`` fires after the user changes a cell."""

    def __init__(self, values: np.ndarray, parent=None):
        super().__init__(values, editable=True, parent=parent)

    def cell_text(self, v: float) -> str:
        return format_number(v)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            return f"W[{index.row()}, {index.column()}] = {pixel_text(self._values[index.row(), index.column()])}"
        return super().data(index, role)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None


# --------------------------------------------------------------------------------------------------
# Image files
# --------------------------------------------------------------------------------------------------

def read_image_file(path, max_side: int = MAX_SIDE) -> tuple[np.ndarray, str]:
    """A PNG/JPEG (anything QImage reads) → ``(n_H, n_W, 3)`` float64 RGB in [0, 1], scaled down so its
    longer side is at most ``max_side``; plus a one-line description. ValueError if Qt can't read it, or if
    it is a FIFO or a device (refused before Qt would open it and wait, or read forever)."""
    path = Path(path)
    refuse_special_file(path, "a picture", ValueError)
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{path.name}: not a picture Qt can read (PNG, JPEG, BMP, ...)")
    w0, h0 = image.width(), image.height()
    note = f"{path.name}: {w0}×{h0}"
    if max(w0, h0) > max_side:
        image = image.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        note += f", scaled down to {image.width()}×{image.height()}"
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    rgb = raw[:, :w * 3].reshape(h, w, 3).astype(np.float64) / 255.0
    return rgb, note
