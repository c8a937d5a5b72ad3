"""The dataset files and folders opened before, kept in the window's settings file for the next start.

Most recent first, at most MAX_REMEMBERED; a path that no longer exists is dropped when the list is read.
"""
from __future__ import annotations

from pathlib import Path

from designer.settings import app_settings, read_list

KEY_DATASETS = "datasets/recent"
MAX_REMEMBERED = 8


def remembered_datasets() -> list[str]:
    """The remembered dataset paths that still exist, most recent first (the list is rewritten without
    the others)."""
    settings = app_settings()
    saved = read_list(settings, KEY_DATASETS)
    kept = [path for path in saved if Path(path).exists()]
    if kept != saved:
        settings.setValue(KEY_DATASETS, kept)
    return kept


def remember_dataset(path: str) -> None:
    """Put `path` (a dataset key: a resolved path) first in the list."""
    settings = app_settings()
    paths = [p for p in read_list(settings, KEY_DATASETS) if p != path]
    settings.setValue(KEY_DATASETS, [path, *paths][:MAX_REMEMBERED])
    settings.sync()
