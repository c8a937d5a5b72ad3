"""Reading an ONNX model in a thread, so that the window never waits on a 100 MB file.

`OnnxLoader` (lives in the GUI thread) starts one `_ImportWorker` at a time on a QThread. The worker calls
`engine.onnx_import.import_onnx` with a progress callback; the engine calls it from the worker thread, and
the worker forwards it as a queued signal, at most once per percent or per new message.

    loader = OnnxLoader(parent)
    loader.progress.connect(...)     # (fraction 0..1, message), GUI thread
    loader.finished.connect(...)     # (path, ImportedModel or None, error message ""), exactly once per load
    loader.load(path)                # False while another load is going on

There is no cancel: a load runs to its end. `wait()` joins the thread (the window's shutdown calls it), so
no thread is left running when the window goes.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

from engine.onnx_import import import_onnx
from engine.spec import SpecError

#: The smallest change of the fraction worth a progress signal.
PROGRESS_STEP = 0.01


class _ImportWorker(QObject):
    progress = Signal(float, str)
    imported = Signal(str, object, str)

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self._last = (-1.0, None)

    def _report(self, fraction: float, message: str) -> None:
        """The engine's progress callback (worker thread)."""
        last_fraction, last_message = self._last
        if message != last_message or fraction - last_fraction >= PROGRESS_STEP or fraction >= 1.0:
            self._last = (fraction, message)
            self.progress.emit(float(fraction), str(message))

    @Slot()
    def run(self) -> None:
        model, error = None, ""
        try:
            model = import_onnx(self.path, progress=self._report)
        except SpecError as exc:          # every refusal (and the missing onnx package) is one line
            error = str(exc)
        except MemoryError:
            error = f"{self.path}: not enough memory to read this model"
        except Exception as exc:  # noqa: BLE001 - a bug must reach the window, not kill the thread silently
            error = f"{self.path}: {type(exc).__name__}: {exc}"
        finally:
            # Hand the worker back to the GUI thread, report, and end this thread's event loop.
            app = QCoreApplication.instance()
            if app is not None and QThread.currentThread() is not app.thread():
                self.moveToThread(app.thread())
            self.imported.emit(self.path, model, error)
            QThread.currentThread().quit()


class OnnxLoader(QObject):
    """One ONNX read at a time, in a thread (see the module docstring)."""

    started = Signal(str)
    progress = Signal(float, str)
    finished = Signal(str, object, str)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._thread: Optional[QThread] = None
        self._worker: Optional[_ImportWorker] = None
        self._path: Optional[str] = None

    @property
    def is_busy(self) -> bool:
        return self._thread is not None

    def load(self, path) -> bool:
        """Start reading the model at `path`; False when a read is already going on."""
        if self._thread is not None:
            return False
        self._path = str(path)
        thread = QThread()
        thread.setObjectName("onnxLoader")
        worker = _ImportWorker(self._path)
        worker.moveToThread(thread)
        worker.progress.connect(self.progress)
        worker.imported.connect(self._on_imported)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()
        self.started.emit(self._path)
        return True

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
    def _on_imported(self, path: str, model, error: str) -> None:
        if self._worker is None or path != self._path:
            return
        self._release()
        self.finished.emit(path, model, error)

    def _release(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._path = None
        if thread is not None:
            thread.wait()      # the worker quit its thread right after its report
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()
