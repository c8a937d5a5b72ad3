"""Where the designer keeps its settings (window geometry, splitters, recent files), and how the main
window's size and splitters are restored at the start and kept at the close.

An INI file under the organisation "CNN Designer", application "CNN Designer". The format is
given explicitly so that `QSettings.setPath(IniFormat, UserScope, folder)` — what the tests do —
redirects it on every platform.
"""
from __future__ import annotations

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


# ----- the main window's arrangement ---------------------------------------------------------------
DEFAULT_SIZE = (1280, 800)


def _splitters(window) -> tuple:
    return window.design_splitter, window.right_splitter, window.table_splitter


def restore_window_state(window) -> None:
    """Give `window` (a MainWindow) the size, docks and splitter positions it had when last closed; a
    restored splitter stops the Design tab's automatic fitting (window.design_layout)."""
    settings = app_settings()
    geometry = settings.value(KEY_GEOMETRY)
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*DEFAULT_SIZE)
    state = settings.value(KEY_STATE)
    if state is not None:
        window.restoreState(state)
    for splitter in _splitters(window):
        saved = settings.value(KEY_SPLITTERS + splitter.objectName())
        if saved is not None and splitter.restoreState(saved):
            window.design_layout.keep_user_sizes()


def save_window_state(window) -> None:
    """Keep `window`'s size, docks and splitter positions for the next start."""
    settings = app_settings()
    settings.setValue(KEY_GEOMETRY, window.saveGeometry())
    settings.setValue(KEY_STATE, window.saveState())
    for splitter in _splitters(window):
        settings.setValue(KEY_SPLITTERS + splitter.objectName(), splitter.saveState())
    settings.sync()
