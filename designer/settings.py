"""Where the designer keeps its settings (window geometry, splitters, recent files), and how the main
window's size and splitters are restored at the start and kept at the close.

An INI file under the organisation "CNN Designer", application "CNN Designer". The format is
given explicitly so that `QSettings.setPath(IniFormat, UserScope, folder)` — what the tests do —
redirects it on every platform.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "CNN Designer"
APPLICATION = "CNN Designer"

KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_SPLITTERS = "window/splitters/"   # + splitter objectName
KEY_RECENT = "files/recent"
KEY_LAST_DIR = "files/lastDirectory"
MAX_RECENT = 8


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def read_list(settings: QSettings, key: str) -> list[str]:
    """A list of strings; QSettings returns a lone string or None for 1 or 0 items in INI files."""
    value = settings.value(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(item) for item in value]


def last_directory() -> str:
    """The folder a file was last opened from or saved to (the home folder at first): where the file
    dialogs start."""
    value = app_settings().value(KEY_LAST_DIR)
    return str(value) if value and Path(str(value)).is_dir() else str(Path.home())


def remember_directory(folder) -> None:
    """Make `folder` the one the next file dialog starts in."""
    app_settings().setValue(KEY_LAST_DIR, str(folder))


# ----- the main window's arrangement ---------------------------------------------------------------
DEFAULT_SIZE = (1280, 800)


def restore_window_state(window, splitters) -> bool:
    """Give `window` the size and docks it had when last closed, and `splitters` their positions; True
    when a splitter position was restored (the Design tab then stops fitting its splitters itself)."""
    settings = app_settings()
    geometry = settings.value(KEY_GEOMETRY)
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*DEFAULT_SIZE)
    state = settings.value(KEY_STATE)
    if state is not None:
        window.restoreState(state)
    restored = False
    for splitter in splitters:
        saved = settings.value(KEY_SPLITTERS + splitter.objectName())
        if saved is not None and splitter.restoreState(saved):
            restored = True
    return restored


def save_window_state(window, splitters) -> None:
    """Keep `window`'s size and docks and the positions of `splitters` for the next start."""
    settings = app_settings()
    settings.setValue(KEY_GEOMETRY, window.saveGeometry())
    settings.setValue(KEY_STATE, window.saveState())
    for splitter in splitters:
        settings.setValue(KEY_SPLITTERS + splitter.objectName(), splitter.saveState())
    settings.sync()
