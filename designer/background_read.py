"""Reading a file in a thread, so that the window never waits on a big one: the thread plumbing that
DatasetLoader (training/dataset_loading.py) and OnnxLoader (onnx_loading.py) share.

A `BackgroundRead` (lives in the GUI thread) runs one read at a time: `_ReadWorker` on a QThread calls
`read(progress)`; the engine calls `progress(fraction, message)` from the worker thread, and the worker
forwards it as a queued signal, at most once per percent or per new message. A subclass says what it
reads (`WHAT`, for the out-of-memory line), which exceptions are already one clear line (`ONE_LINE_ERRORS`)
and, if its reads can stop early, the exception its progress callback raises once `cancel()` was asked
(`CANCELLED`, which the engine's readers let through between chunks).

    loader.progress.connect(...)     # (fraction 0..1, message), GUI thread
    loader.finished.connect(...)     # (key, result or None, error message ""), exactly once per read
    loader.cancel()                  # with CANCELLED: the read stops at its next progress call
    loader.wait()                    # join the thread (a window's shutdown): no thread is left running
"""
from __future__ import annotations

import threading
from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

#: The smallest change of the fraction worth a progress signal.
PROGRESS_STEP = 0.01

Progress = Callable[[float, str], None]


class _ReadWorker(QObject):
    progress = Signal(float, str)
    done = Signal(str, object, str)

    def __init__(self, key: str, read: Callable[[Progress], object], describe: Callable[[BaseException], str],
                 cancelled_exception: Optional[type]):
        super().__init__()
        self.key = key
        self._read, self._describe, self._cancelled_exception = read, describe, cancelled_exception
        self._last = (-1.0, None)
        self.cancelled = threading.Event()     # set from the GUI thread: the next progress call ends the read

    def _report(self, fraction: float, message: str) -> None:
        """The engine's progress callback (worker thread)."""
        if self._cancelled_exception is not None and self.cancelled.is_set():
            raise self._cancelled_exception
        last_fraction, last_message = self._last
        if message != last_message or fraction - last_fraction >= PROGRESS_STEP or fraction >= 1.0:
            self._last = (fraction, message)
            self.progress.emit(float(fraction), str(message))

    @Slot()
    def run(self) -> None:
        result, error = None, ""
        try:
            result = self._read(self._report)
        except Exception as exc:  # noqa: BLE001 - every failure, a bug too, must reach the window as a line
            error = self._describe(exc)
        finally:
            # Hand the worker back to the GUI thread, report, and end this thread's event loop.
            app = QCoreApplication.instance()
            if app is not None and QThread.currentThread() is not app.thread():
                self.moveToThread(app.thread())
            self.done.emit(self.key, result, error)
            QThread.currentThread().quit()


class BackgroundRead(QObject):
    """One read at a time, in a thread (see the module docstring). Subclasses set the class attributes
    and call `start(key, read)`."""

    WHAT = "file"                          # "not enough memory to read this <WHAT>"
    ONE_LINE_ERRORS: tuple = ()            # exceptions whose text is already the message
    CANCELLED: Optional[type] = None       # raised by the progress callback after cancel()
    THREAD_NAME = "backgroundRead"

    started = Signal(str)
    progress = Signal(float, str)
    finished = Signal(str, object, str)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._thread: Optional[QThread] = None
        self._worker: Optional[_ReadWorker] = None
        self._key: Optional[str] = None

    @property
    def is_busy(self) -> bool:
        return self._thread is not None

    @property
    def key(self) -> Optional[str]:
        """The key (path) being read, or None."""
        return self._key

    def describe_error(self, key: str, exc: BaseException) -> str:
        """The one line the window shows for a read of `key` that raised `exc`."""
        if isinstance(exc, self.ONE_LINE_ERRORS):
            return str(exc)
        if self.CANCELLED is not None and isinstance(exc, self.CANCELLED):
            return f"{key}: reading cancelled"
        if isinstance(exc, MemoryError):
            return f"{key}: not enough memory to read this {self.WHAT}"
        return f"{key}: {type(exc).__name__}: {exc}"

    def start(self, key: str, read: Callable[[Progress], object]) -> bool:
        """Run `read(progress)` in a thread for `key`; False when a read is already going on."""
        if self._thread is not None:
            return False
        self._key = key
        thread = QThread()
        thread.setObjectName(self.THREAD_NAME)
        worker = _ReadWorker(key, read, lambda exc: self.describe_error(key, exc), self.CANCELLED)
        worker.moveToThread(thread)
        worker.progress.connect(self.progress)
        worker.done.connect(self._on_done)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
        self.started.emit(key)
        return True

    def cancel(self) -> None:
        """Stop the read in progress at its next progress call (finished follows, with no result); only
        for a reader with CANCELLED."""
        if self._worker is not None:
            self._worker.cancelled.set()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Join the reading thread (and deliver its last report now); True when none is left."""
        thread = self._thread
        if thread is None:
            return True
        if not (thread.wait() if timeout_ms < 0 else thread.wait(timeout_ms)):
            return False
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        self._release()
        return True

    @Slot(str, object, str)
    def _on_done(self, key: str, result, error: str) -> None:
        if self._worker is None or key != self._key:
            return
        self._release()
        self.finished.emit(key, result, error)

    def _release(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._key = None
        if thread is not None:
            thread.wait()      # the worker quit its thread right after its report
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()
