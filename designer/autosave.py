"""Autosave: the open design is written to the user's data folder a few seconds after each edit, so that a
crash or a kill loses at most those seconds; the next start offers to restore it.

Each window has its own file, `autosave-<id>.json` in designer.crash_guard.data_folder(), one JSON object
written atomically:

    {"format": "cnn-designer-autosave/1", "file_path": "/home/…/lenet.json" or null,
     "modified": true, "design": {… the "cnn-designer/1" document …}}

`file_path` is where the design was opened from or saved to, so that after a restore Save writes there.
Only a modified design is kept: when the document becomes clean again (saved, or undone to its saved
state) the autosave is removed, and a clean close removes it too. So an autosave found at start-up is
work that a window did not save.

A window holds a lock (QLockFile `<autosave>.lock`, with its process id) on its file while it runs, so two
windows — in one process or two — never write or delete each other's autosave. At start-up the restore
offer lists every autosave whose lock can be taken: its window is gone without closing cleanly (a crash,
a kill), or it is the single `autosave.json` of an older version. A lock left by a process that died is
taken over (Qt checks that its process is gone).
"""
from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout,
                               QWidget)

from engine.fileio import refuse_special_file
from engine.spec import NetworkSpec, SpecError, write_text_atomic

from .crash_guard import data_folder
from .document import DesignDocument

AUTOSAVE_NAME = "autosave.json"        # what versions with one autosave for all windows wrote
AUTOSAVE_PATTERN = "autosave*.json"
AUTOSAVE_FORMAT = "cnn-designer-autosave/1"
DELAY_MS = 3000   # after the last edit: a burst of edits (typing a number) writes once
MAX_AUTOSAVE_BYTES = 16 << 20
RESTORE, DELETE, LATER = "restore", "delete", "later"   # the answers of ask_restore()


def new_autosave_path(folder: Path | None = None) -> Path:
    """A file name no other window uses: autosave-<12 hex digits>.json in the data folder."""
    return (folder if folder is not None else data_folder()) / f"autosave-{uuid.uuid4().hex[:12]}.json"


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)     # stale only when its process is gone, never because it is old
    return lock


@dataclass
class LeftBehind:
    """An autosave whose window is gone: its design, where that design was saved (if anywhere), when it was
    autosaved, and the lock this window holds on it while it decides."""

    path: Path
    spec: NetworkSpec
    file_path: Path | None
    saved_at: datetime.datetime
    lock: QLockFile

    def describe(self) -> str:
        """"lenet.json — 8 layers, autosaved 2026-12-06 08:45"."""
        what = self.file_path.name if self.file_path else (self.spec.name or "Untitled design")
        return f"{what} — {len(self.spec.layers)} layers, autosaved {self.saved_at:%Y-%m-%d %H:%M}"

    def delete(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass   # a stale autosave only means one needless question at the next start
        self.lock.unlock()

    def keep(self) -> None:
        """Leave it for the next start (or another window's offer)."""
        self.lock.unlock()


def read_autosave(path: Path) -> tuple[NetworkSpec, Path | None]:
    """The design and file path an autosave holds; ValueError / OSError / SpecError when it is damaged."""
    refuse_special_file(path, "an autosave file")
    if path.stat().st_size > MAX_AUTOSAVE_BYTES:
        raise ValueError(f"{path}: far larger than an autosaved design")
    record = json.loads(path.read_text(encoding="utf-8"))
    spec = NetworkSpec.from_dict(record["design"])
    file_path = record.get("file_path")
    return spec, (Path(file_path) if isinstance(file_path, str) and file_path else None)


def left_behind(folder: Path, own: Path | None = None) -> list[LeftBehind]:
    """Every autosave in `folder` (but `own`) whose window is gone, oldest first, each locked by the caller
    until it calls delete() or keep(). Damaged ones are removed."""
    found = []
    try:
        candidates = sorted(folder.glob(AUTOSAVE_PATTERN), key=lambda p: p.stat().st_mtime)
    except OSError:
        return []
    for path in candidates:
        if own is not None and path == own:
            continue
        lock = _lock_for(path)
        if not lock.tryLock(0):          # its window is running (in this process or another)
            continue
        try:
            spec, file_path = read_autosave(path)
            saved_at = datetime.datetime.fromtimestamp(path.stat().st_mtime)
        except FileNotFoundError:
            lock.unlock()
            continue
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, SpecError):
            LeftBehind(path, NetworkSpec(), None, datetime.datetime.now(), lock).delete()
            continue
        found.append(LeftBehind(path, spec, file_path, saved_at, lock))
    return found


class Autosave(QObject):
    """Keeps `document`'s autosave up to date (a single-shot timer restarted by each change).

    `window` is where the restore question is asked; `path` defaults to a file of this window's own
    (new_autosave_path) and `delay_ms` to DELAY_MS. The file is locked from the first write until
    `close_cleanly()` (the window's clean close).
    Signal statusMessage(str, int): a failed autosave, a restored design, for the window's status bar.
    """

    statusMessage = Signal(str, int)

    def __init__(self, document: DesignDocument, window: QWidget, path: Path | None = None,
                 delay_ms: int = DELAY_MS):
        super().__init__(window)
        self._window = window
        self._document = document
        self.path = Path(path) if path is not None else new_autosave_path()
        self._lock = _lock_for(self.path)
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
            if not self._lock.isLocked() and not self._lock.tryLock(0):
                raise OSError(f"its lock {self.path.name}.lock is held by another window")
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

    def close_cleanly(self) -> None:
        """The window closes cleanly: no autosave left, and the lock released."""
        self.discard()
        if self._lock.isLocked():
            self._lock.unlock()

    def _on_modified_changed(self, modified: bool) -> None:
        if not modified:
            self.discard()

    # ----- restoring --------------------------------------------------------------------------------
    def left_behind(self) -> list[LeftBehind]:
        """The autosaves of windows that did not close cleanly (see the module docstring), locked."""
        return left_behind(self.path.parent, own=self.path)

    def restore(self, entry: LeftBehind) -> None:
        """Load `entry`'s design into the window as a modified, unsaved document (Save writes to the file it
        came from, if any), keep it in this window's own autosave, and delete the one left behind."""
        document = self._document
        # Keep the file path with the current design, then replace the design as one undoable edit: the
        # document is modified (the title shows *, closing asks to save) and Undo goes back to a blank one.
        document.load(document.spec, entry.file_path)
        document.replace_spec(entry.spec, "Restore autosaved design")
        self.save_now()
        entry.delete()
        self.statusMessage.emit("Restored the design that was not saved last time", 8000)

    def offer_restore(self) -> bool:
        """If windows left unsaved work, list it all and ask: restore the chosen one here, delete them all,
        or keep them for later. True if a design was restored."""
        entries = self.left_behind()
        if not entries:
            return False
        action, index = self.ask_restore(entries)
        restored = False
        for i, entry in enumerate(entries):
            if action == RESTORE and i == index:
                self.restore(entry)
                restored = True
            elif action == DELETE:
                entry.delete()
            else:
                entry.keep()
        return restored

    def ask_restore(self, entries: list[LeftBehind]) -> tuple[str, int]:
        """(RESTORE, the chosen entry), (DELETE, -1) or (LATER, -1); tests replace this."""
        return RestoreDialog(entries, self._window).ask()


class RestoreDialog(QDialog):
    """"Restore unsaved work?": the autosaves left behind, newest selected; Restore, Delete all, Later."""

    def __init__(self, entries: list[LeftBehind], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Restore unsaved work?")
        layout = QVBoxLayout(self)
        count = len(entries)
        layout.addWidget(QLabel(
            "CNN Designer was closed without saving this design:" if count == 1 else
            f"CNN Designer windows were closed without saving these {count} designs; restore one here "
            "(the others stay for later unless you delete them):"))
        self.list = QListWidget()
        self.list.setObjectName("restoreList")
        for entry in entries:
            item = QListWidgetItem(entry.describe())
            item.setToolTip(str(entry.path))
            self.list.addItem(item)
        self.list.setCurrentRow(count - 1)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self._restore = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self._delete = buttons.addButton("Delete all" if count > 1 else "Delete",
                                         QDialogButtonBox.ButtonRole.DestructiveRole)
        self._later = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        self._clicked = self._later
        buttons.clicked.connect(self._on_clicked)
        layout.addWidget(buttons)

    def _on_clicked(self, button) -> None:
        self._clicked = button
        self.accept() if button is not self._later else self.reject()

    def ask(self) -> tuple[str, int]:
        self.exec()
        if self._clicked is self._restore and self.list.currentRow() >= 0:
            return RESTORE, self.list.currentRow()
        if self._clicked is self._delete:
            return DELETE, -1
        return LATER, -1
