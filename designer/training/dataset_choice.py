"""Which dataset the Train tab uses: built-in ones are chosen at once; files and folders are read in a thread
(dataset_loading.py) with their progress shown in the Dataset box, and remembered for the next start
(recent_datasets.py). While a dataset is read, the tab disables the choosers and Train.

    choice = DatasetChoice(box)     # box: the tab's DatasetBox; its chooser and Open buttons act through this
    choice.set_dataset("digits")    chosen at once (True), or False with the message shown
    choice.open_dataset(path)       read in a thread: True when the read started (or the dataset was read
                                    before: then it is chosen at once); readFinished(ok, message) says how
                                    it ended, datasetChanged(ds) follows on success
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication

from engine.data import Dataset, DatasetError
from engine.fileio import refuse_special_file

from . import files
from .dataset_box import DatasetBox
from .dataset_loading import DatasetLoader
from .datasets import DatasetCache, dataset_key, is_builtin
from .recent_datasets import remember_dataset, remembered_datasets


class DatasetChoice(QObject):
    """The dataset in use (`dataset`) and the ways to choose one, shown in `box`.

    Signals:
        changed()                 the choice or the reading state changed: what depends on it is out of date
        datasetChanged(object)    another Dataset is now in use
        readFinished(bool, str)   a dataset file or folder was read (True, "") or not (False, the one-line
                                  DatasetError message)
        logged(str)               a line for the training log
    `loader` (a DatasetLoader) reads files and folders; its `progress` goes to the box.
    """

    changed = Signal()
    datasetChanged = Signal(object)
    readFinished = Signal(bool, str)
    logged = Signal(str)

    def __init__(self, box: DatasetBox, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._box = box
        self._cache = DatasetCache()
        self.loader = DatasetLoader(self)
        self._dataset: Optional[Dataset] = None
        self._key: Optional[str] = None
        for key in (*self._cache.builtin_keys(), *remembered_datasets()):
            box.add_choice(key)
        box.dataset_combo.activated.connect(self._on_activated)
        box.open_dataset_button.clicked.connect(self.open_dataset_dialog)
        box.open_folder_button.clicked.connect(self.open_dataset_folder_dialog)
        self.loader.progress.connect(box.show_load_progress)
        self.loader.finished.connect(self._on_read)

    @property
    def dataset(self) -> Optional[Dataset]:
        return self._dataset

    @property
    def key(self) -> Optional[str]:
        """The dataset in use as the chooser names it: a built-in's name or a file's or folder's path."""
        return self._key

    @property
    def is_loading(self) -> bool:
        return self.loader.is_busy

    def remembered(self) -> list[str]:
        """The dataset files and folders the chooser lists (opened before, still there)."""
        return [key for key in self._box.choices() if not is_builtin(key)]

    def set_dataset(self, key_or_path) -> bool:
        """Choose a built-in dataset ("digits", "shapes") or a dataset file or folder.

        A built-in or already read dataset is chosen at once: True, or False and a message. A file or
        folder not read yet is read in a thread (see the module docstring): True when the read started,
        False when another read is still going on."""
        key = dataset_key(key_or_path)
        if self.loader.is_busy:
            return False
        if not is_builtin(key):
            try:   # a FIFO or device: refused at once, before a thread would wait on it
                refuse_special_file(key_or_path, "a dataset file or folder", DatasetError)
            except DatasetError as exc:
                self._show_error(str(exc))
                return False
        if key not in self._cache and not is_builtin(key):
            self._box.show_loading(key)
            self.loader.load(key)
            self.logged.emit(f"reading dataset {key}…")
            self.changed.emit()
            return True
        reading = key not in self._cache
        if reading:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = self._cache.get(key)
        except DatasetError as exc:
            self._show_error(str(exc))
            return False
        finally:
            if reading:
                QGuiApplication.restoreOverrideCursor()
        self._choose(key, dataset)
        return True

    def open_dataset(self, path) -> bool:
        """Open a dataset file, archive or folder (read in a thread: see set_dataset)."""
        return self.set_dataset(Path(path))

    def open_dataset_dialog(self) -> bool:
        path = files.ask_dataset_path(self._box)
        return self.open_dataset(path) if path else False

    def open_dataset_folder_dialog(self) -> bool:
        path = files.ask_dataset_folder(self._box)
        return self.open_dataset(path) if path else False

    def cancel(self) -> None:
        """Stop a dataset read in progress at its next chunk (readFinished(False, "… cancelled") follows)."""
        self.loader.cancel()

    def wait(self) -> bool:
        """Join a dataset read in progress and show its end; True when none is left."""
        return self.loader.wait()

    # ----- internals ------------------------------------------------------------------------------
    def _choose(self, key: str, dataset: Dataset) -> None:
        self._box.select(key)
        is_new = dataset is not self._dataset
        self._dataset, self._key = dataset, key
        self._box.show_dataset(dataset)
        self.changed.emit()
        if is_new:
            self.datasetChanged.emit(dataset)

    def _show_error(self, message: str) -> None:
        self._box.show_open_error(message, self._dataset)
        self._box.select(self._key)
        self.logged.emit(f"dataset not opened: {message}")

    def _on_read(self, key: str, dataset, error: str) -> None:
        if dataset is None:
            self._show_error(error)
            self.changed.emit()
            self.readFinished.emit(False, error)
            return
        self._cache.put(key, dataset)
        remember_dataset(key)
        self.logged.emit(f"dataset read: {dataset.describe()}")
        self._choose(key, dataset)
        self.readFinished.emit(True, "")

    def _on_activated(self, index: int) -> None:
        combo = self._box.dataset_combo
        key = combo.itemData(index)
        if key is None:
            return
        if not is_builtin(key) and not Path(key).exists():
            self._show_error(f"{key}: no longer there")
            combo.removeItem(index)
            return
        if not self.set_dataset(key):
            self._box.select(self._key)
