"""The user's data folder for CNN Designer, found without Qt (the engine never imports it).

It is the folder the window uses for its crash log and autosave — Qt's GenericDataLocation followed by
"CNN Designer" — worked out the same way from the platform's conventions:

    Linux and other Unix   $XDG_DATA_HOME (when it is an absolute path), else ~/.local/share
    macOS                  ~/Library/Application Support
    Windows                %LOCALAPPDATA%, else ~/AppData/Local
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_FOLDER = "CNN Designer"


def user_data_folder() -> Path:
    """``<platform data folder>/CNN Designer``; not created here (whoever writes first makes it)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = xdg if os.path.isabs(xdg) else str(Path.home() / ".local" / "share")
    return Path(base) / APP_FOLDER
