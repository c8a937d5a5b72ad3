"""Drag and drop onto the main window: a design (.json) or an ONNX model (.onnx) is dropped to be opened as
the design, anything else — a dataset file, archive or folder — to be opened as the Train tab's dataset.

`FileDrop` is an event filter on the window; it only says what was dropped (its signals), and the window
decides what to do. Widgets that take drops of their own (the layer list's row moves) keep them.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtWidgets import QWidget

DESIGN_SUFFIXES = (".json", ".onnx")


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders a drag carries (URLs that aren't local files are left out)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def is_design_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DESIGN_SUFFIXES


class FileDrop(QObject):
    """Accepts drags of local files and folders over `window`; of a drop, the first path counts.

    Signals: designDropped(Path) for a .json or .onnx file, datasetDropped(Path) for anything else.
    """

    designDropped = Signal(object)
    datasetDropped = Signal(object)

    def __init__(self, window: QWidget):
        super().__init__(window)
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if local_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop:
            paths = local_paths(event.mimeData())
            if not paths:
                return False
            event.acceptProposedAction()
            (self.designDropped if is_design_file(paths[0]) else self.datasetDropped).emit(paths[0])
            return True
        return False
