"""Where the designer keeps its settings (window geometry, splitters, recent files).

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
