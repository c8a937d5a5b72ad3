"""The over-fitting lesson (Help › Course examples › Over-fitting) run on a thread: engine.overfitting_lesson's
`run_lesson` trains and records its runs while the window stays responsive.

`LessonRunner` owns the thread: `start()` begins, `progressed(fraction, text)` reports after each epoch,
`finished(run_ids, problem)` comes exactly once per lesson (problem "" when it went well), and `shutdown()`
stops the lesson at the next batch and joins the thread (the window's close path calls it).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, Signal, Slot

from engine.data import DatasetError
from engine.overfitting_lesson import run_lesson
from engine.runs import RunError
from engine.runtime import single_threaded_blas
from engine.spec import SpecError


class _LessonWorker(QObject):
    """Runs the lesson in whatever thread it lives in; reports through queued signals."""

    progressed = Signal(float, str)
    finished = Signal(object, str)       # list of run ids, problem ("" when none)

    def __init__(self, folder: Path):
        super().__init__()
        self._folder = folder
        self._stop = threading.Event()
        self._run = (0, 1, "")           # (index, count, name) of the run being trained

    def stop(self) -> None:
        self._stop.set()

    @Slot()
    def run(self) -> None:
        ids, problem = [], ""
        try:
            with single_threaded_blas():     # as a training run: BLAS threads would take the window's core
                runs = run_lesson(self._folder, should_stop=self._stop.is_set, on_run=self._on_run,
                                  on_epoch=self._on_epoch)
            ids = [run.id for run in runs]
        except (RunError, DatasetError, SpecError, OSError, ValueError) as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - every end of the lesson must reach the window
            problem = f"{type(exc).__name__}: {exc}"
        finally:
            app = QCoreApplication.instance()
            if app is not None and QThread.currentThread() is not app.thread():
                self.moveToThread(app.thread())     # the GUI thread deletes it
            self.finished.emit(ids, problem)
            if app is None or QThread.currentThread() is not app.thread():
                QThread.currentThread().quit()

    def _on_run(self, index: int, count: int, name: str) -> None:
        self._run = (index, count, name)
        self.progressed.emit(index / count, f"run {index + 1} of {count}: {name.split(': ', 1)[-1]}")

    def _on_epoch(self, info) -> None:
        index, count, name = self._run
        self.progressed.emit((index + info.epoch / info.epochs) / count,
                             f"run {index + 1} of {count}: {name.split(': ', 1)[-1]}, epoch {info.epoch}")


class LessonRunner(QObject):
    """The lesson's thread. Signals (GUI thread): started(), progressed(float fraction, str text),
    finished(list run ids, str problem) — once per lesson."""

    started = Signal()
    progressed = Signal(float, str)
    finished = Signal(object, str)

    def __init__(self, folder: Path, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.folder = Path(folder)
        self._worker: Optional[_LessonWorker] = None
        self._thread: Optional[QThread] = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Begin the lesson on a new thread; False while one is running."""
        if self._thread is not None:
            return False
        worker = _LessonWorker(self.folder)
        thread = QThread()
        thread.setObjectName("overfitting-lesson")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        queued = Qt.ConnectionType.QueuedConnection
        worker.progressed.connect(self.progressed, queued)
        worker.finished.connect(self._on_finished, queued)
        self._worker, self._thread = worker, thread
        thread.start()
        self.started.emit()
        return True

    def stop(self) -> None:
        """End the lesson after the current batch (the run it stops is kept, marked stopped)."""
        if self._worker is not None:
            self._worker.stop()

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Stop the lesson and join its thread; True when no thread is left. Its `finished` is delivered
        before this returns."""
        thread = self._thread
        if thread is None:
            return True
        self.stop()
        if not (thread.wait() if timeout_ms < 0 else thread.wait(timeout_ms)):
            return False
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return self._thread is None

    @Slot(object, str)
    def _on_finished(self, ids: list, problem: str) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        if thread is not None:
            thread.wait()          # it quits right after this report
        if worker is not None:
            worker.progressed.disconnect()
        self.finished.emit(list(ids), problem)
