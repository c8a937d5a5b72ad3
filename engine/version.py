"""The app's version: the one place it is written down.

pyproject.toml reads ``__version__`` from this file (``[tool.setuptools.dynamic]``), so the installed
package metadata and this constant cannot disagree. ``version()`` asks the installed metadata first and
falls back to the constant when the code runs from a checkout that was never installed.
"""
from __future__ import annotations

from importlib import metadata

__version__ = "0.1.0"

DISTRIBUTION = "cnn-designer"


def version() -> str:
    """The installed distribution's version, or ``__version__`` when cnn-designer is not installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


def version_line() -> str:
    """What ``cnn-designer --version`` prints: ``cnn-designer X.Y.Z``."""
    return f"{DISTRIBUTION} {version()}"
