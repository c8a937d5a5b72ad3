"""The window's design files: File › New, Open, Open Recent, Save, Save As and the Presets menu.

`DesignFiles` reads and writes `cnn-designer/1` JSON through engine.spec (`load_spec`, `save_spec`,
which writes atomically) into the DesignDocument it is given, keeps the recent-files list in the
settings (and the Open Recent menu it fills), and asks the user through the WindowDialogs it is given.
An ONNX model (.onnx) opens as a design with its weights: it is read in a thread (onnx_loading.py) with
its progress in the status bar, and a refusal leaves the open design as it was.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QWidget

import numpy as np

from engine.network import Network
from engine.onnx_import import is_onnx_path
from engine.spec import SpecError, load_spec, save_spec

from . import settings as cfg
from .dialogs import DISCARD, SAVE, WindowDialogs
from .document import DesignDocument
from .onnx_loading import OnnxLoader
from .presets import load_preset

UNTITLED = "Untitled"
STATUS_MS = 4000   # how long "Opened …", "Saved …" stay in the status bar


class DesignFiles(QObject):
    """Opens, saves and starts designs in `document`.

    recent_menu      File › Open Recent (objectName ``recentMenu``), refilled when it opens
    onnx_loader      OnnxLoader: the thread that reads .onnx models
    Signal statusMessage(str, int): "Opened lenet.json", "Saved …", "Reading resnet50.onnx: 40%", for the
    window's status bar.
    Signal networkOpened(Network, str): an .onnx model opened as the design, with its weights (file name).
    """

    statusMessage = Signal(str, int)
    networkOpened = Signal(object, str)

    def __init__(self, document: DesignDocument, dialogs: WindowDialogs, parent: QWidget):
        super().__init__(parent)
        self._document = document
        self._dialogs = dialogs
        self.onnx_loader = OnnxLoader(self)
        self.onnx_loader.progress.connect(self._onnx_progress)
        self.onnx_loader.finished.connect(self._onnx_read)
        self.recent_menu = QMenu("Open &Recent", parent)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.fill_recent_menu()

    def new_design(self) -> bool:
        """File › New: the blank design (after offering to save changes)."""
        return self.load_preset("blank")

    def load_preset(self, key: str) -> bool:
        """Start over from a preset (after offering to save changes). False if cancelled or broken."""
        if not self.maybe_save():
            return False
        try:
            spec = load_preset(key)
        except SpecError as exc:
            self._dialogs.show_error("Could not load the preset", str(exc))
            return False
        if not spec.name:   # File › New: a name, so the saved file and `summary` have a title
            spec.name = UNTITLED
        self._document.load(spec, None)
        self.statusMessage.emit(f"Loaded {spec.name}" if spec.name != UNTITLED else "New design", STATUS_MS)
        return True

    def open_design(self, spec, origin: str) -> bool:
        """Make `spec` (a NetworkSpec from elsewhere: a recorded run) the document, after offering to save
        the changes as Open does; it has no file until saved. `origin` names it in the status bar."""
        if not self.maybe_save():
            return False
        self._document.load(spec, None)
        self.statusMessage.emit(f"Opened the design of {origin}", STATUS_MS)
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self._dialogs.ask_open_path(cfg.last_directory())
        return bool(path) and self.open_file(path)

    def open_file(self, path) -> bool:
        """Read an architecture JSON file into the document. On any problem the current design stays
        as it was and the error is shown. No unsaved-changes prompt here (the menu asks first).
        An .onnx model is read in a thread: True means the read started (the design follows when it is
        done, or the refusal in a dialog)."""
        if is_onnx_path(path):
            return self._start_onnx(Path(path))
        try:
            spec = load_spec(path)
        except SpecError as exc:
            self._dialogs.show_error("Could not open the file", str(exc))
            return False
        self._document.load(spec, Path(path))
        self.remember_recent(path)
        self.statusMessage.emit(f"Opened {Path(path).name}", STATUS_MS)
        return True

    # ----- ONNX models, read in a thread -------------------------------------------------------------
    def _start_onnx(self, path: Path) -> bool:
        if not self.onnx_loader.load(path):
            self.statusMessage.emit("A model is still being read; open this one when it is done", STATUS_MS)
            return False
        self.statusMessage.emit(f"Reading {path.name}…", 0)
        return True

    def _onnx_progress(self, fraction: float, message: str) -> None:
        self.statusMessage.emit(f"{message}: {round(100 * fraction)}%", 0)

    def _onnx_read(self, path: str, imported, error: str) -> None:
        """The thread's result: the design and its weights, or the refusal (the open design untouched)."""
        name = Path(path).name
        if imported is None:
            self.statusMessage.emit(f"Could not open {name}", STATUS_MS)
            self._dialogs.show_error("Could not open the model", error)
            return
        if not self.maybe_save():      # edits made while the model was read
            return
        spec = imported.spec
        if not spec.name:
            spec.name = Path(path).stem
        network = Network(spec, imported.params, np.float32, state=imported.state)
        self._document.load(spec, None)        # Save asks where to write the design's JSON
        self.remember_recent(path)
        how = "exported by CNN Designer" if imported.from_metadata else "imported"
        self.statusMessage.emit(f"Opened {name} ({how}: {len(network.layer_names())} layers, "
                                f"{network.num_params:,} parameters)", STATUS_MS)
        self.networkOpened.emit(network, name)

    def shutdown(self) -> None:
        """Join the model-reading thread (the window's close path)."""
        self.onnx_loader.wait()

    def save(self) -> bool:
        if self._document.file_path is None:
            return self.save_as()
        return self.save_file(self._document.file_path)

    def save_as(self) -> bool:
        path = self._dialogs.ask_save_path(self.suggested_save_path())
        return bool(path) and self.save_file(path)

    def save_file(self, path) -> bool:
        """Write the design as "cnn-designer/1" JSON (atomically: a failed save leaves any old file
        as it was). Shows the error and returns False on failure."""
        path = Path(path)
        try:
            save_spec(self._document.spec, path)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self._dialogs.show_error("Could not save the file", f"{path}: {reason}")
            return False
        self._document.mark_saved(path)
        self.remember_recent(path)
        self.statusMessage.emit(f"Saved {path.name}", STATUS_MS)
        return True

    def maybe_save(self) -> bool:
        """Offer to save a modified design. True if it is fine to go on (saved or discarded)."""
        if not self._document.is_modified:
            return True
        answer = self._dialogs.ask_save_changes(self._document.display_name)
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def recent_files(self) -> list[str]:
        return cfg.read_list(cfg.app_settings(), cfg.KEY_RECENT)

    def suggested_save_path(self) -> Path:
        """Where Save first proposes to write: the design's name in the folder last opened from or saved to."""
        current = self._document.file_path
        return current if current else Path(cfg.last_directory()) / f"{self.suggested_name()}.json"

    # ----- recent files ---------------------------------------------------------------------------
    def remember_recent(self, path) -> None:
        path = str(Path(path).resolve())
        settings = cfg.app_settings()
        recent = [p for p in cfg.read_list(settings, cfg.KEY_RECENT) if p != path]
        recent.insert(0, path)
        settings.setValue(cfg.KEY_RECENT, recent[:cfg.MAX_RECENT])
        cfg.remember_directory(Path(path).parent)
        self.fill_recent_menu()

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.recent_files()
        for number, path in enumerate(recent, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self._open_recent(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear the list", self._clear_recent)
        else:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)
        menu.setToolTipsVisible(True)

    def _open_recent(self, path: str) -> bool:
        if not self.maybe_save():
            return False
        if self.open_file(path):
            return True
        settings = cfg.app_settings()
        settings.setValue(cfg.KEY_RECENT, [p for p in cfg.read_list(settings, cfg.KEY_RECENT) if p != path])
        self.fill_recent_menu()
        return False

    def _clear_recent(self) -> None:
        cfg.app_settings().remove(cfg.KEY_RECENT)
        self.fill_recent_menu()

    def suggested_name(self) -> str:
        name = self._document.spec.name or "design"
        keep = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.split(" (")[0])
        return keep.strip("_") or "design"
