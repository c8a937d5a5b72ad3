"""Reading a dataset file or folder in a thread, so that the window never waits on a big dataset.

`DatasetLoader` (lives in the GUI thread) starts one `_LoadWorker` at a time on a QThread. The worker
calls `datasets.read_dataset` (engine.load_dataset) with a progress callback; the engine calls it from the
worker thread, and the worker forwards it as a queued signal, at most once per percent or per new message.

    loader = DatasetLoader(parent)
    loader.progress.connect(...)     # (fraction 0..1, message), GUI thread
    loader.finished.connect(...)     # (key, Dataset or None, error message ""), exactly once per load
    loader.load(key)                 # False while another load is going on

    loader.cancel()                  # the read stops at its next chunk: finished(key, None, "… cancelled")

`cancel()` makes the worker's progress callback raise engine.data.LoadCancelled, which the engine's
readers let through between chunks (every few megabytes, images or CSV lines), so a window closing during
a read of gigabytes waits a moment, not for the whole read. `wait()` joins the thread (the tab's shutdown
cancels, then waits), so no thread is left running when the window goes.
"""
from __future__ import annotations

import threading
from typing import Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

from engine.data import Dataset, DatasetError, LoadCancelled

from .datasets import read_dataset

#: The smallest change of the fraction worth a progress signal.
PROGRESS_STEP = 0.01


class _LoadWorker(QObject):
    progress = Signal(float, str)
    loaded = Signal(str, object, str)

    def __init__(self, key: str):
        super().__init__()
        self.key = key
        self._last = (-1.0, None)
        self.cancelled = threading.Event()     # set from the GUI thread: the next progress call ends the read

    def _report(self, fraction: float, message: str) -> None:
        """The engine's progress callback (worker thread); raises LoadCancelled once cancel() was asked."""
        if self.cancelled.is_set():
            raise LoadCancelled
        last_fraction, last_message = self._last
        if message != last_message or fraction - last_fraction >= PROGRESS_STEP or fraction >= 1.0:
            self._last = (fraction, message)
            self.progress.emit(float(fraction), str(message))

    @Slot()
    def run(self) -> None:
        dataset: Optional[Dataset] = None
        error = ""
        try:
            dataset = read_dataset(self.key, progress=self._report)
        except DatasetError as exc:
            error = str(exc)
        except LoadCancelled:
            error = f"{self.key}: reading cancelled"
        except MemoryError:
            error = f"{self.key}: not enough memory to read this dataset"
        except Exception as exc:  # noqa: BLE001 - a loader bug must reach the window, not kill the thread silently
            error = f"{self.key}: {type(exc).__name__}: {exc}"
        finally:
            # Hand the worker back to the GUI thread, report, and end this thread's event loop.
            app = QCoreApplication.instance()
            if app is not None and QThread.currentThread() is not app.thread():
                self.moveToThread(app.thread())
            self.loaded.emit(self.key, dataset, error)
            QThread.currentThread().quit()


class DatasetLoader(QObject):
    """One dataset load at a time, in a thread (see the module docstring)."""

    started = Signal(str)
    progress = Signal(float, str)
    finished = Signal(str, object, str)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._thread: Optional[QThread] = None
        self._worker: Optional[_LoadWorker] = None
        self._key: Optional[str] = None

    @property
    def is_busy(self) -> bool:
        return self._thread is not None

    @property
    def key(self) -> Optional[str]:
        """The key being read, or None."""
        return self._key

    def load(self, key: str) -> bool:
        """Start reading `key` (a dataset_key); False when a load is already going on."""
        if self._thread is not None:
            return False
        self._key = key
        thread = QThread()
        thread.setObjectName("datasetLoader")
        worker = _LoadWorker(key)
        worker.moveToThread(thread)
        worker.progress.connect(self.progress)
        worker.loaded.connect(self._on_loaded)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
        self.started.emit(key)
        return True

    def cancel(self) -> None:
        """Stop the read in progress at its next chunk (finished follows, with no dataset)."""
        if self._worker is not None:
            self._worker.cancelled.set()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Join the loading thread (and deliver its last report now); True when none is left."""
        thread = self._thread
        if thread is None:
            return True
        if not (thread.wait() if timeout_ms < 0 else thread.wait(timeout_ms)):
            return False
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        self._release()
        return True

    @Slot(str, object, str)
    def _on_loaded(self, key: str, dataset, error: str) -> None:
        if self._worker is None or key != self._key:
            return
        self._release()
        self.finished.emit(key, dataset, error)

    def _release(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._key = None
        if thread is not None:
            thread.wait()      # the worker quit its thread right after its report
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()
