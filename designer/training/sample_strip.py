"""A strip of sample images from the dataset, each with its class name: what the network will see.

Up to `MAX_SAMPLES` training images, one per class where the dataset has that many classes (the first
image of each class), then more of the classes again. Images are drawn from the dataset's
(m, n_H, n_W, n_C) uint8 arrays (or float32 in [0, 1]) through QImage, grey or RGB, scaled up
without smoothing so that small images (8×8 digits) stay sharp pixels.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from engine.data import Dataset

MAX_SAMPLES = 8
COLUMNS = 8
IMAGE_SIZE = 34        # pixels on screen, per image
NAME_CHARS = 7         # a class name longer than this is cut with "…" (the tooltip has it whole)


def sample_indices(labels: np.ndarray, num_classes: int, count: int = MAX_SAMPLES) -> list[int]:
    """Indices into `labels` (m,): the first image of each class in class order, then the second of each
    class, … until `count` images or the labels run out."""
    labels = np.asarray(labels)
    per_class = [np.flatnonzero(labels == k) for k in range(num_classes)]
    chosen: list[int] = []
    rank = 0
    while len(chosen) < count and any(rank < len(p) for p in per_class):
        for indices in per_class:
            if rank < len(indices) and len(chosen) < count:
                chosen.append(int(indices[rank]))
        rank += 1
    return chosen


def image_to_qimage(image: np.ndarray) -> QImage:
    """(n_H, n_W, n_C) uint8 (or float in [0, 1]) with n_C 1 or 3 → a QImage that owns its pixels."""
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        pixels = np.clip(np.round(pixels.astype(np.float64) * 255), 0, 255).astype(np.uint8)
    n_H, n_W, n_C = pixels.shape
    if n_C == 1:
        data = np.ascontiguousarray(pixels[..., 0])
        qimage = QImage(data.data, n_W, n_H, n_W, QImage.Format.Format_Grayscale8)
    else:
        data = np.ascontiguousarray(pixels[..., :3])
        qimage = QImage(data.data, n_W, n_H, 3 * n_W, QImage.Format.Format_RGB888)
    return qimage.copy()   # the QImage above borrows `data`; the copy keeps its own pixels


def _fitted(pixmap: QPixmap) -> QPixmap:
    """Small images grow by a whole factor (8×8 → 32×32: every pixel the same size, sharp); big ones
    shrink smoothly to fit IMAGE_SIZE."""
    side = max(pixmap.width(), pixmap.height(), 1)
    if side <= IMAGE_SIZE:
        factor = IMAGE_SIZE // side
        return pixmap.scaled(pixmap.width() * factor, pixmap.height() * factor,
                             Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
    return pixmap.scaled(IMAGE_SIZE, IMAGE_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


class SampleStrip(QWidget):
    """objectName ``sampleStrip``; each image a QLabel ``sampleImage`` above a QLabel ``sampleName``."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("sampleStrip")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(4)
        self._grid.setVerticalSpacing(0)
        self._samples: list[tuple[int, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def samples(self) -> list[tuple[int, str]]:
        """(training image index, class name) of each image shown, left to right."""
        return list(self._samples)

    def show_dataset(self, dataset: Optional[Dataset]) -> None:
        self._clear()
        if dataset is None or len(dataset.y_train) == 0:
            self.setVisible(False)
            return
        names = list(dataset.class_names)
        for position, index in enumerate(sample_indices(dataset.y_train, dataset.num_classes)):
            name = str(names[int(dataset.y_train[index])])
            self._samples.append((index, name))
            picture = QLabel()
            picture.setObjectName("sampleImage")
            picture.setFixedSize(IMAGE_SIZE, IMAGE_SIZE)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setStyleSheet("background: #eee;")
            picture.setPixmap(_fitted(QPixmap.fromImage(image_to_qimage(dataset.x_train[index]))))
            picture.setToolTip(f"{name} (training image {index:,})")
            caption = QLabel(_short(name))
            caption.setObjectName("sampleName")
            caption.setToolTip(name)
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            font = caption.font()
            font.setPointSizeF(font.pointSizeF() * 0.8)
            caption.setFont(font)
            row, column = divmod(position, COLUMNS)
            self._grid.addWidget(picture, 2 * row, column, Qt.AlignmentFlag.AlignHCenter)
            self._grid.addWidget(caption, 2 * row + 1, column, Qt.AlignmentFlag.AlignHCenter)
        self.setVisible(True)

    def _clear(self) -> None:
        self._samples = []
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
