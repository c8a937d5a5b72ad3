"""The window's design files: File › New, Open, Open Recent, Save, Save As and the Presets menu.

`DesignFiles` reads and writes `cnn-designer/1` JSON through engine.spec (`load_spec`, `save_spec`,
which writes atomically) and keeps the recent-files list in the settings. It asks the user through the
window's dialog methods (`show_error`, `ask_save_changes`, `ask_open_path`, `ask_save_path`), which
tests replace; MainWindow hands its public file API (`open_file`, `save_file`, `load_preset`, ...) on
to it.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject

from engine.spec import SpecError, load_spec, save_spec

from . import settings as cfg
from .presets import load_preset

UNTITLED = "Untitled"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"   # the answers of window.ask_save_changes()


class DesignFiles(QObject):
    """Opens, saves and starts designs for `window` (a MainWindow: document, statusBar, recent_menu)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def load_preset(self, key: str) -> bool:
        """Start over from a preset (after offering to save changes). False if cancelled or broken."""
        if not self.maybe_save():
            return False
        try:
            spec = load_preset(key)
        except SpecError as exc:
            self.window.show_error("Could not load the preset", str(exc))
            return False
        if not spec.name:   # File › New: a name, so the saved file and `summary` have a title
            spec.name = UNTITLED
        self.window.document.load(spec, None)
        self.window.statusBar().showMessage(f"Loaded {spec.name}" if spec.name != UNTITLED else "New design",
                                            4000)
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.window.ask_open_path()
        return bool(path) and self.open_file(path)

    def open_file(self, path) -> bool:
        """Read an architecture JSON file into the window. On any problem the current design stays
        as it was and the error is shown. No unsaved-changes prompt here (the menu asks first)."""
        try:
            spec = load_spec(path)
        except SpecError as exc:
            self.window.show_error("Could not open the file", str(exc))
            return False
        self.window.document.load(spec, Path(path))
        self.remember_recent(path)
        self.window.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
        return True

    def save(self) -> bool:
        if self.window.document.file_path is None:
            return self.save_as()
        return self.save_file(self.window.document.file_path)

    def save_as(self) -> bool:
        path = self.window.ask_save_path()
        return bool(path) and self.save_file(path)

    def save_file(self, path) -> bool:
        """Write the design as "cnn-designer/1" JSON (atomically: a failed save leaves any old file
        as it was). Shows the error and returns False on failure."""
        path = Path(path)
        try:
            save_spec(self.window.document.spec, path)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.window.show_error("Could not save the file", f"{path}: {reason}")
            return False
        self.window.document.mark_saved(path)
        self.remember_recent(path)
        self.window.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def maybe_save(self) -> bool:
        """Offer to save a modified design. True if it is fine to go on (saved or discarded)."""
        if not self.window.document.is_modified:
            return True
        answer = self.window.ask_save_changes()
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def recent_files(self) -> list[str]:
        return cfg.read_list(cfg.app_settings(), cfg.KEY_RECENT)

    def suggested_save_path(self) -> Path:
        """Where Save first proposes to write: the design's name in the folder last opened from or saved to."""
        current = self.window.document.file_path
        return current if current else Path(self.last_dir()) / f"{self.suggested_name()}.json"

    # ----- recent files ---------------------------------------------------------------------------
    def remember_recent(self, path) -> None:
        path = str(Path(path).resolve())
        settings = cfg.app_settings()
        recent = [p for p in cfg.read_list(settings, cfg.KEY_RECENT) if p != path]
        recent.insert(0, path)
        settings.setValue(cfg.KEY_RECENT, recent[:cfg.MAX_RECENT])
        settings.setValue(cfg.KEY_LAST_DIR, str(Path(path).parent))
        self.fill_recent_menu()

    def fill_recent_menu(self) -> None:
        menu = self.window.recent_menu
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

    def last_dir(self) -> str:
        value = cfg.app_settings().value(cfg.KEY_LAST_DIR)
        return str(value) if value and Path(str(value)).is_dir() else str(Path.home())

    def suggested_name(self) -> str:
        name = self.window.document.spec.name or "design"
        keep = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.split(" (")[0])
        return keep.strip("_") or "design"
