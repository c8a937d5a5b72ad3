"""Autosave: the open design is written to the user's data folder a few seconds after each edit, so that a
crash or a kill loses at most those seconds; the next start offers to restore it.

The file (`autosave.json` in designer.crash_guard.data_folder()) is one JSON object, written atomically:

    {"format": "cnn-designer-autosave/1", "file_path": "/home/…/lenet.json" or null,
     "modified": true, "design": {… the "cnn-designer/1" document …}}

`file_path` is where the design was opened from or saved to, so that after a restore Save writes there.
Only a modified design is kept: when the document becomes clean again (saved, or undone to its saved
state) the autosave is removed, and a clean close removes it too. So an autosave found at start-up is
work that the last session did not save.
"""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.spec import NetworkSpec, SpecError, write_text_atomic

from .crash_guard import data_folder
from .document import DesignDocument

AUTOSAVE_NAME = "autosave.json"
AUTOSAVE_FORMAT = "cnn-designer-autosave/1"
DELAY_MS = 3000   # after the last edit: a burst of edits (typing a number) writes once


def autosave_path() -> Path:
    return data_folder() / AUTOSAVE_NAME


class Autosave(QObject):
    """Keeps `document`'s autosave up to date (a single-shot timer restarted by each change).

    `window` is where the restore question is asked; `path` defaults to autosave_path() and `delay_ms`
    to DELAY_MS.
    Signal statusMessage(str, int): a failed autosave, a restored design, for the window's status bar.
    """

    statusMessage = Signal(str, int)

    def __init__(self, document: DesignDocument, window: QWidget, path: Path | None = None,
                 delay_ms: int = DELAY_MS):
        super().__init__(window)
        self._window = window
        self._document = document
        self.path = Path(path) if path is not None else autosave_path()
        self.timer = QTimer(self)
        self.timer.setObjectName("autosaveTimer")
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.save_now)
        self._document.changed.connect(self.timer.start)
        self._document.modifiedChanged.connect(self._on_modified_changed)
        self.last_error: str | None = None

    # ----- writing ----------------------------------------------------------------------------------
    def save_now(self) -> bool:
        """Write the autosave now if the design is modified (else remove it). False if it can't be written
        (the reason is in `last_error` and the status bar; editing goes on)."""
        self.timer.stop()
        document = self._document
        if not document.is_modified:
            self.discard()
            return True
        record = {"format": AUTOSAVE_FORMAT,
                  "file_path": str(document.file_path) if document.file_path is not None else None,
                  "modified": True, "design": document.spec.to_dict()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(record, indent=1) + "\n")
        except (OSError, ValueError) as exc:
            self.last_error = f"Could not autosave to {self.path}: {getattr(exc, 'strerror', None) or exc}"
            self.statusMessage.emit(self.last_error, 8000)
            return False
        self.last_error = None
        return True

    def discard(self) -> None:
        """Remove the autosave (the design is saved, clean, or the window closed cleanly)."""
        self.timer.stop()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass   # a stale autosave only means one needless question at the next start

    def _on_modified_changed(self, modified: bool) -> None:
        if not modified:
            self.discard()

    # ----- restoring --------------------------------------------------------------------------------
    def read(self) -> tuple[NetworkSpec, Path | None] | None:
        """The autosaved design and its file path, or None when there is none or it is unreadable (then it
        is removed: a damaged autosave must not ask at every start)."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            spec = NetworkSpec.from_dict(record["design"])
            file_path = record.get("file_path")
            return spec, (Path(file_path) if isinstance(file_path, str) and file_path else None)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, SpecError):
            self.discard()
            return None

    def restore(self) -> bool:
        """Load the autosaved design into the window as a modified, unsaved document (Save writes to the
        file it came from, if any). False when there is nothing to restore."""
        found = self.read()
        if found is None:
            return False
        spec, file_path = found
        document = self._document
        # Keep the file path with the current design, then replace the design as one undoable edit: the
        # document is modified (the title shows *, closing asks to save) and Undo goes back to a blank one.
        document.load(document.spec, file_path)
        document.replace_spec(spec, "Restore autosaved design")
        self.statusMessage.emit("Restored the design that was not saved last time", 8000)
        return True

    def offer_restore(self) -> bool:
        """If the last session left unsaved work, ask whether to restore it; restore it or remove it.
        True if a design was restored."""
        found = self.read()
        if found is None:
            return False
        spec, file_path = found
        what = f"“{file_path.name}”" if file_path else f"“{spec.name}”" if spec.name else "a design"
        answer = QMessageBox.question(
            self._window, "Restore unsaved work?",
            f"CNN Designer was closed without saving {what} ({len(spec.layers)} layers). "
            "Restore it?\n\nIf you don't, the unsaved changes are deleted.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer == QMessageBox.StandardButton.Yes:
            return self.restore()
        self.discard()
        return False

