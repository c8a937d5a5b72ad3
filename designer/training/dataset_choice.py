"""Choosing the dataset: built-in ones at once, files and folders read in a thread: a part of TrainingPanel.

A mixin so the panel file stays about composing the boxes and running; it uses the panel's
`dataset_box`, `log_view`, `_datasets` (a DatasetCache), `_loader` (a DatasetLoader) and `_refresh()`.

    set_dataset("digits")          chosen at once (True), or False with the message shown
    open_dataset(path)             read in a thread: True when the read started (or the dataset was
                                   already read: then it is chosen at once); dataset_load_finished(ok,
                                   message) says how it ended, dataset_changed(ds) follows on success
While a dataset is read, the choosers and Train are disabled and the box shows the progress.
Datasets read from a file or folder are remembered (recent_datasets.py) and listed at the next start.
"""
from __future__ import annotations

from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from engine.data import DatasetError

from . import files
from .datasets import dataset_key, is_builtin
from .recent_datasets import remember_dataset, remembered_datasets
from .text import WARN_STYLE


class DatasetChoice:
    """TrainingPanel's dataset: `dataset`, set_dataset / open_dataset and their dialogs."""

    def _list_datasets(self) -> None:
        for key in self._datasets.builtin_keys():
            self.dataset_box.add_choice(key)
        for key in remembered_datasets():
            self.dataset_box.add_choice(key)

    def _connect_dataset_choice(self) -> None:
        self.dataset_combo.activated.connect(self._on_dataset_activated)
        self.open_dataset_button.clicked.connect(self.open_dataset_dialog)
        self.dataset_box.open_folder_button.clicked.connect(self.open_dataset_folder_dialog)
        self._loader.progress.connect(self.dataset_box.show_load_progress)
        self._loader.finished.connect(self._on_dataset_read)

    @property
    def is_loading_dataset(self) -> bool:
        return self._loader.is_busy

    def remembered_datasets(self) -> list[str]:
        """The dataset files and folders the chooser lists (opened before, still there)."""
        return [key for key in self.dataset_box.choices() if not is_builtin(key)]

    def set_dataset(self, key_or_path) -> bool:
        """Choose a built-in dataset ("digits", "shapes") or a dataset file or folder.

        A built-in or already read dataset is chosen at once: True, or False and a message. A file or
        folder not read yet is read in a thread (see the module docstring): True when the read started,
        False when another read is still going on."""
        key = dataset_key(key_or_path)
        if self._loader.is_busy:
            return False
        if key not in self._datasets and not is_builtin(key):
            self.dataset_box.show_loading(key)
            self._loader.load(key)
            self.log_view.log(f"reading dataset {key}…")
            self._update_controls()
            return True
        reading = key not in self._datasets
        if reading:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = self._datasets.get(key)
        except DatasetError as exc:
            self._show_dataset_error(str(exc))
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
        path = files.ask_dataset_path(self)
        return self.open_dataset(path) if path else False

    def open_dataset_folder_dialog(self) -> bool:
        path = files.ask_dataset_folder(self)
        return self.open_dataset(path) if path else False

    def wait_for_dataset(self, timeout_ms: int = -1) -> bool:
        """Block until a dataset read in progress has ended (and been shown); True when none is left."""
        return self._loader.wait(timeout_ms)

    # ----- internals ------------------------------------------------------------------------------
    def _choose(self, key: str, dataset) -> None:
        self.dataset_box.select(key)
        changed = dataset is not self._dataset
        self._dataset, self._dataset_key = dataset, key
        self.dataset_box.show_dataset(dataset)
        self._refresh()
        if changed:
            self.dataset_changed.emit(dataset)

    def _show_dataset_error(self, message: str) -> None:
        self.dataset_box.show_open_error(message, self._dataset)
        self.dataset_box.select(self._dataset_key)
        self.log_view.log(f"dataset not opened: {message}")

    def _on_dataset_read(self, key: str, dataset, error: str) -> None:
        if dataset is None:
            self._show_dataset_error(error)
            self._update_controls()
            self.dataset_load_finished.emit(False, error)
            return
        self._datasets.put(key, dataset)
        remember_dataset(key)
        self.log_view.log(f"dataset read: {dataset.describe()}")
        self._choose(key, dataset)
        self.dataset_load_finished.emit(True, "")

    def _on_dataset_activated(self, index: int) -> None:
        key = self.dataset_combo.itemData(index)
        if key is None:
            return
        if not is_builtin(key) and not Path(key).exists():
            self._show_dataset_error(f"{key}: no longer there")
            self.dataset_combo.removeItem(index)
            return
        if not self.set_dataset(key):
            self.dataset_box.select(self._dataset_key)

    def _dataset_shutdown(self) -> None:
        """Join a dataset read in progress (it can't be cancelled; the window waits for it)."""
        if self._loader.is_busy:
            self.run_controls.set_status("Waiting for the dataset being read…", WARN_STYLE)
            self._loader.wait()
