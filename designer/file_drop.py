"""Drag and drop onto the main window: a design (.json) opens as the design, anything else — a dataset
file, archive or folder — opens as the Train tab's dataset (read in a thread; the Train tab is shown).

    install_file_drop(window)      # window: a MainWindow with training_panel (one line in main_window.py)

The window gets an event filter; widgets that take drops of their own (the layer list's row moves)
keep them. `drop_paths(window, paths)` is what a drop does, for tests and other callers.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject

DESIGN_SUFFIXES = (".json",)


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders a drag carries (URLs that aren't local files are left out)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


def _show_tab_of(window, widget) -> None:
    """Bring up the main tab that holds `widget` (the Train tab wraps the panel in a scroll area)."""
    while widget is not None:
        index = window.tabs.indexOf(widget)
        if index >= 0:
            window.tabs.setCurrentIndex(index)
            return
        widget = widget.parentWidget()


def drop_paths(window, paths: list[Path]) -> bool:
    """Open the first dropped path: a .json as the design (after offering to save changes), anything
    else as a dataset. True when it was opened (or, for a dataset, its read started)."""
    if not paths:
        return False
    path = paths[0]
    if path.is_file() and path.suffix.lower() in DESIGN_SUFFIXES:
        return window.maybe_save() and window.open_file(path)
    panel = getattr(window, "training_panel", None)
    if panel is None:
        return False
    _show_tab_of(window, panel)
    started = panel.open_dataset(path)
    window.statusBar().showMessage(f"Opening the dataset {path.name}…" if started
                                   else "A dataset is still being read; drop this one again when it is done",
                                   4000)
    return started


class FileDropFilter(QObject):
    """Accepts drags of local files and folders over the window and opens them on drop."""

    def __init__(self, window):
        super().__init__(window)
        self._window = window

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
            drop_paths(self._window, paths)
            return True
        return False


def install_file_drop(window) -> FileDropFilter:
    """Let `window` take dropped designs and datasets (window.file_drop)."""
    window.setAcceptDrops(True)
    window.file_drop = FileDropFilter(window)
    window.installEventFilter(window.file_drop)
    return window.file_drop
