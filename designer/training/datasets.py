"""The datasets the Train tab has opened: each read once (engine.load_dataset), then kept.

Keys: a built-in dataset's name ("digits", "shapes") or a file's or folder's resolved path as a string.
Built-in datasets are read on the spot (`get`); files and folders are read in a thread
(dataset_loading.py) and handed back with `put`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from engine.data import BUILTIN_DATASETS, Dataset, DatasetError, load_dataset

BUILTIN_TITLES = {"digits": "Digits (built-in)", "shapes": "Shapes (built-in)"}


def dataset_key(key_or_path: Union[str, os.PathLike]) -> str:
    """The cache key: a built-in name as it is, anything else as a resolved path."""
    if isinstance(key_or_path, str) and key_or_path in BUILTIN_DATASETS:
        return key_or_path
    return str(Path(key_or_path).resolve())


def is_builtin(key: str) -> bool:
    return key in BUILTIN_DATASETS


def dataset_title(key: str) -> str:
    """What the chooser lists: "Digits (built-in)", "mnist.npz (file)" or "flowers (folder)"."""
    if key in BUILTIN_DATASETS:
        return BUILTIN_TITLES.get(key, key)
    path = Path(key)
    return f"{path.name} ({'folder' if path.is_dir() else 'file'})"


def read_dataset(key: str, progress=None, options: dict | None = None) -> Dataset:
    """Read the dataset of a key (any thread): engine.load_dataset, with OSErrors as DatasetErrors.
    `progress(fraction, message)` is called from the calling thread while a file is read; `options` are
    load_dataset's image_shape / image_size / test_fraction (the answers to engine.data.questions)."""
    try:
        return load_dataset(key if key in BUILTIN_DATASETS else Path(key), progress=progress, **(options or {}))
    except OSError as exc:
        raise DatasetError(f"{key}: {exc}") from None


class DatasetCache:
    """Datasets by key; `get` reads a dataset the first time only."""

    def __init__(self):
        self._datasets: dict[str, Dataset] = {}

    @staticmethod
    def builtin_keys() -> tuple[str, ...]:
        return tuple(BUILTIN_DATASETS)

    def get(self, key: str) -> Dataset:
        """The dataset for a key from `dataset_key`. DatasetError (naming the file and the reason)
        when it can't be read."""
        dataset = self._datasets.get(key)
        if dataset is None:
            dataset = self._datasets[key] = read_dataset(key)
        return dataset

    def put(self, key: str, dataset: Dataset) -> None:
        """Keep a dataset read elsewhere (the loading thread)."""
        self._datasets[key] = dataset

    def __contains__(self, key: str) -> bool:
        return key in self._datasets
