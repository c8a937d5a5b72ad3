"""The window's modal questions in one place: an error, "save the changes first?", which file to open,
where to save. The parts that ask (design_files.py, design/export.py) are handed this object; tests
replace its methods instead of clicking modal boxes."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

APP_TITLE = "CNN Designer"
FILE_FILTER = "CNN Designer architecture (*.json);;All files (*)"
OPEN_FILTER = ("Designs and models (*.json *.onnx);;CNN Designer architecture (*.json);;ONNX model (*.onnx);;"
               "All files (*)")
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"   # the answers of ask_save_changes()


class WindowDialogs:
    """Modal boxes over `parent` (the main window)."""

    def __init__(self, parent: QWidget):
        self._parent = parent

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self._parent, title, text)

    def ask_save_changes(self, design: str) -> str:
        """SAVE, DISCARD or CANCEL for the modified design called `design`."""
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, f"Save the changes to “{design}” first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self._parent)
        box.setInformativeText("If you don't, your changes are lost.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(QMessageBox.StandardButton(answer), CANCEL)

    def ask_open_path(self, folder: str) -> str | None:
        """An architecture file (or an ONNX model) to open, starting in `folder`; None if cancelled."""
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open architecture", folder, OPEN_FILTER)
        return path or None

    def ask_save_path(self, suggested: Path) -> str | None:
        """Where to save the design (".json" added when no suffix is typed); None if cancelled."""
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save architecture", str(suggested), FILE_FILTER)
        if path and not Path(path).suffix:
            path += ".json"
        return path or None
