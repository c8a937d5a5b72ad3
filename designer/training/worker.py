"""The training thread: a QObject worker, moved to a QThread, that drives the engine's Trainer.

The worker owns everything it computes with: the spec copy taken at Start, the Network built from it
(or a copy of earlier weights to continue from), the optimizer and the Trainer. The GUI thread only
ever sees immutable payloads delivered by queued signals:

    batchProgress(BatchProgress)   at most ~25 a second (time-based), and always for the last batch of
                                   an epoch, carrying the losses of every batch since the previous emit;
    epochDone(EpochProgress)       once per epoch, with a snapshot copy of the network;
    paused(int), resumed()         when the loop actually parks at / leaves a batch boundary;
    finished(TrainingResult)       the run ended: completed, stopped, or diverged;
    failed(str, str)               an exception escaped (message, traceback): never a silent dead thread.

Exactly one of finished / failed is emitted per run, and the thread has quit right after it.

Pause and stop are thread-safe requests (threading.Event): the Trainer asks `should_stop()` before
every batch; while paused that call blocks on the gate, and a stop request opens the gate and returns
True, so Stop takes effect within one batch, paused or not.

`TrainingSession` pairs a worker with its QThread and makes shutting down safe from anywhere: it is
registered in a module-level set until joined, and an `aboutToQuit` / `atexit` hook stops and joins
every live session, so a QThread is never destroyed while its thread still runs.
"""
from __future__ import annotations

import atexit
import contextlib
import gc
import math
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from engine.data import Dataset, DatasetError
from engine.network import Network
from engine.optim import make_optimizer
from engine.runtime import single_threaded_blas
from engine.spec import NetworkSpec, SpecError
from engine.train import BatchInfo, EpochInfo, History, Trainer

#: The longest the worker waits between two batchProgress emits while batches keep coming (s).
DEFAULT_EMIT_INTERVAL = 1 / 25


@dataclass
class TrainingJob:
    """Everything one run needs, fixed at Start. `spec` must already be a copy (spec.copy())."""

    spec: NetworkSpec
    dataset: Dataset
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adam"            # "sgd" | "momentum" | "adam" (engine.optim.make_optimizer)
    validation_fraction: float = 0.1
    seed: int = 0
    initial_network: Optional[Network] = None   # continue from these weights (the worker owns it)
    evaluate_only: bool = False        # just measure initial_network on the test set
    emit_interval: float = DEFAULT_EMIT_INTERVAL
    run_id: int = 0
    blas_threads: Optional[int] = 1    # see _blas_limit; None leaves BLAS as it is


@dataclass(frozen=True)
class BatchProgress:
    run_id: int
    epoch: int                  # 1-based
    epochs: int
    batch: int                  # 1-based within the epoch (the last batch included in `losses`)
    batches_per_epoch: int
    iteration: int              # 1-based over the run: the iteration of losses[-1]
    total_iterations: int
    losses: np.ndarray          # (n,) float64: the losses of iterations iteration-n+1 .. iteration
    active_seconds: float       # time spent training so far, pauses excluded

    @property
    def first_iteration(self) -> int:
        return self.iteration - len(self.losses) + 1


@dataclass(frozen=True)
class EpochProgress:
    run_id: int
    info: EpochInfo
    iteration: int              # the iteration the epoch ended at (where validation loss is plotted)
    network: Network            # a snapshot (Network.copy()) taken at the end of the epoch


@dataclass
class TrainingResult:
    run_id: int
    status: str                 # "completed" | "stopped" | "diverged" | "evaluated" | "failed"
    message: str = ""
    history: History = field(default_factory=History)
    network: Optional[Network] = None       # the trained (or evaluated) network; None if it failed early
    test_loss: float = float("nan")
    test_accuracy: float = float("nan")
    test_correct: int = 0
    test_count: int = 0
    seconds: float = 0.0
    details: str = ""           # a traceback for "failed"

    @property
    def has_test_result(self) -> bool:
        return self.test_count > 0 and math.isfinite(self.test_accuracy)


class TrainingWorker(QObject):
    """Runs one TrainingJob in whatever thread it lives in; see the module docstring."""

    batchProgress = Signal(object)
    epochDone = Signal(object)
    paused = Signal(int)
    resumed = Signal()
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, job: TrainingJob):
        super().__init__()
        self.job = job
        self._stop = threading.Event()
        self._gate = threading.Event()      # set: may run; cleared: pause at the next batch boundary
        self._gate.set()
        self._pending: list[float] = []
        self._last_info: Optional[BatchInfo] = None
        self._last_emit = 0.0
        self._started = 0.0
        self._paused_seconds = 0.0
        self._net: Optional[Network] = None     # the network the Trainer updates in place

    # ----- requests (any thread) --------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._gate.set()                    # wake a paused loop so that it can see the stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._gate.clear()

    def resume(self) -> None:
        self._gate.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        return not self._gate.is_set()

    # ----- the run (worker thread) ------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        job = self.job
        self._started = time.perf_counter()
        try:
            with _blas_limit(job.blas_threads):
                result = self._evaluate_only() if job.evaluate_only else self._train()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the panel
            if isinstance(exc, (DatasetError, SpecError, ValueError, MemoryError)):
                message = str(exc) or type(exc).__name__
            else:
                message = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, MemoryError):
                message = "out of memory: " + (str(exc) or "try a smaller batch size or a smaller design")
            self._finish(failed=(message, traceback.format_exc()))
        else:
            self._finish(result=result)

    def _finish(self, result: Optional[TrainingResult] = None, failed=None) -> None:
        # Hand the worker back to the GUI thread before this thread ends, so that the GUI thread may
        # delete it; then quit this thread's event loop (QThread.quit is thread-safe).
        app = QCoreApplication.instance()
        thread = QThread.currentThread()
        own_thread = app is None or thread is not app.thread()
        if app is not None and own_thread:
            self.moveToThread(app.thread())
        if failed is not None:
            self.failed.emit(*failed)
        else:
            self.finished.emit(result)
        if own_thread:  # run() called directly on the GUI thread (tests) must not quit its loops
            thread.quit()

    def _active_seconds(self) -> float:
        return time.perf_counter() - self._started - self._paused_seconds

    def _train(self) -> TrainingResult:
        job = self.job
        net = job.initial_network if job.initial_network is not None else Network.from_spec(job.spec, seed=job.seed)
        self._net = net
        optimizer = make_optimizer(job.optimizer, job.learning_rate)
        trainer = Trainer(net, optimizer, batch_size=job.batch_size, seed=job.seed,
                          validation_fraction=job.validation_fraction)
        history = trainer.fit(job.dataset, epochs=job.epochs, on_batch=self._on_batch,
                              on_epoch=self._on_epoch, should_stop=self._should_stop)
        self._flush()
        if history.diverged:
            status = "diverged"
        elif history.stopped:
            status = "stopped"
        else:
            status = "completed"
        result = TrainingResult(job.run_id, status, history.message, history, net)
        if status != "diverged":
            # Stopped runs are measured too: their weights are as usable as a finished run's.
            self._measure(result)
        result.seconds = self._active_seconds()
        return result

    def _evaluate_only(self) -> TrainingResult:
        job = self.job
        if job.initial_network is None:
            raise ValueError("nothing to evaluate: no network")
        result = TrainingResult(job.run_id, "evaluated", "", History(), job.initial_network)
        self._measure(result)
        result.seconds = self._active_seconds()
        return result

    def _measure(self, result: TrainingResult) -> None:
        ds = self.job.dataset
        if len(ds.y_test) == 0:
            return
        loss, accuracy = result.network.evaluate(ds.x_test, ds.y_test)
        result.test_loss, result.test_accuracy = float(loss), float(accuracy)
        result.test_count = int(len(ds.y_test))
        result.test_correct = int(round(accuracy * len(ds.y_test))) if math.isfinite(accuracy) else 0

    # ----- Trainer callbacks (worker thread) --------------------------------------------------
    def _on_batch(self, info: BatchInfo) -> None:
        self._pending.append(info.loss)
        self._last_info = info
        now = time.perf_counter()
        # Time-based throttle: fast batches are batched into one signal; the last batch of an
        # epoch always goes out so the progress bar and the curve reach the epoch's end.
        if info.batch == info.batches_per_epoch or now - self._last_emit >= self.job.emit_interval:
            self._flush(now)

    def _flush(self, now: Optional[float] = None) -> None:
        if not self._pending or self._last_info is None:
            return
        info = self._last_info
        losses = np.asarray(self._pending, dtype=np.float64)
        self._pending = []
        self._last_emit = time.perf_counter() if now is None else now
        self.batchProgress.emit(BatchProgress(
            self.job.run_id, info.epoch, info.epochs, info.batch, info.batches_per_epoch, info.iteration,
            info.total_iterations, losses, self._active_seconds()))

    def _on_epoch(self, info: EpochInfo) -> None:
        self._flush()
        iteration = self._last_info.iteration if self._last_info is not None else 0
        # The Trainer goes on updating its network in place: the GUI gets an independent copy.
        self.epochDone.emit(EpochProgress(self.job.run_id, info, iteration, self._net.copy()))

    def _should_stop(self) -> bool:
        if self._stop.is_set():
            self._flush()
            return True
        if not self._gate.is_set():
            self._flush()
            parked = time.perf_counter()
            iteration = self._last_info.iteration if self._last_info is not None else 0
            self.paused.emit(iteration)
            self._gate.wait()
            self._paused_seconds += time.perf_counter() - parked
            if self._stop.is_set():
                return True
            self.resumed.emit()
        return self._stop.is_set()


def _blas_limit(threads: Optional[int]):
    """Single-threaded BLAS for the whole run (restored afterwards).

    OpenBLAS's helper threads spin after each call and take a core from the window; on 2 cores the
    engine's small matrices ran 3–5× slower with them and epochs varied from 0.1 s to 2.5 s while the
    plots repainted (LeNet-5 on shapes: 5.2 s → 1.7 s an epoch). The engine pins BLAS itself around its
    kernels; this covers the whole run (evaluation included). None: leave BLAS alone.
    """
    if threads is None:
        return contextlib.nullcontext()
    if threads != 1:
        raise ValueError(f"the training run pins BLAS to 1 thread or leaves it alone (None), not {threads}")
    return single_threaded_blas()


# ----------------------------------------------------------------------------------- garbage collection

class _MainThreadGarbageCollection(QObject):
    """While any training thread runs, Python's cyclic garbage collector runs only on the GUI thread.

    Otherwise a collection can start in the worker thread (any allocation may trigger one) and free
    garbage cycles that hold Qt objects: pyqtgraph's Python-owned menus, removed plot items, a closed
    panel. Qt objects must die on the GUI thread; measured here (PySide6 6.11, pytest-qt), such a
    collection either deadlocked (the worker's ~QObject waiting for the GIL, the GUI thread waiting
    for the worker's connection lock) or crashed a later paint in QPainter::restore. Same remedy as
    pyqtgraph.util.GarbageCollector: automatic collection off, a GUI-thread timer collecting by the
    usual thresholds; the previous state comes back when the last run ends.
    """

    INTERVAL_MS = 250

    def __init__(self):
        super().__init__()
        self._users = 0
        self._was_enabled = False
        self._timer: Optional[QTimer] = None

    def acquire(self) -> None:
        self._users += 1
        if self._users > 1:
            return
        self._was_enabled = gc.isenabled()
        gc.disable()
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setInterval(self.INTERVAL_MS)
            self._timer.timeout.connect(self.check)
        self._timer.start()

    def release(self) -> None:
        if self._users == 0:
            return
        self._users -= 1
        if self._users:
            return
        if self._timer is not None:
            self._timer.stop()
        if self._was_enabled:
            gc.enable()

    @Slot()
    def check(self) -> None:
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 > t0:
            gc.collect(2 if (c1 > t1 and c2 > t2) else 1 if c1 > t1 else 0)


_gc_guard: Optional[_MainThreadGarbageCollection] = None


def _garbage_collection() -> _MainThreadGarbageCollection:
    global _gc_guard
    if _gc_guard is None:
        _gc_guard = _MainThreadGarbageCollection()
    return _gc_guard


# ------------------------------------------------------------------------------------------- sessions

_strong_sessions: set = set()     # sessions whose thread may still run: never garbage-collected early
_hooks_installed = False


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(shutdown_all_sessions)
    atexit.register(shutdown_all_sessions)


def shutdown_all_sessions() -> None:
    """Stop and join every training thread still running (application exit)."""
    for session in list(_strong_sessions):
        try:
            session.shutdown()
        except RuntimeError:  # at interpreter exit the Qt objects may already be gone
            _strong_sessions.discard(session)


def live_session_count() -> int:
    return len(_strong_sessions)


class TrainingSession:
    """One worker and its QThread. A plain Python object, so it can outlive the widget that started it.

    start() runs the job; pause() / resume() / stop() forward to the worker; shutdown() stops and
    joins the thread, disconnecting the worker's signals first, and is safe to call at any time,
    any number of times, including from a destroyed widget's `destroyed` signal.
    """

    def __init__(self, job: TrainingJob):
        self.job = job
        self.worker = TrainingWorker(job)
        self.thread = QThread()
        self.thread.setObjectName(f"training-run-{job.run_id}")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self._joined = False
        self._disconnected = False
        self._gc_held = False

    @property
    def run_id(self) -> int:
        return self.job.run_id

    def start(self) -> None:
        _install_hooks()
        _strong_sessions.add(self)
        _garbage_collection().acquire()
        self._gc_held = True
        self.thread.start()

    def _joined_now(self) -> None:
        self._joined = True
        _strong_sessions.discard(self)
        if self._gc_held:
            self._gc_held = False
            _garbage_collection().release()

    def is_running(self) -> bool:
        return not self._joined and self.thread.isRunning()

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()

    def stop(self) -> None:
        self.worker.stop()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Join the thread (True when it has finished). Called when the worker has reported its end,
        this returns at once: the worker quits its thread right after its last signal."""
        if timeout_ms < 0:
            finished = self.thread.wait()
        else:
            finished = self.thread.wait(timeout_ms)
        if finished or self.thread.isFinished():
            self._joined_now()
        return self._joined

    def disconnect_worker(self) -> None:
        """Forget every receiver of the worker's signals (a closing widget wants no more of them)."""
        if self._disconnected:
            return
        self._disconnected = True
        for signal in (self.worker.batchProgress, self.worker.epochDone, self.worker.paused,
                       self.worker.resumed, self.worker.finished, self.worker.failed):
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass

    def shutdown(self) -> bool:
        """Stop, forget the receivers, join. Idempotent."""
        if self._joined:
            return True
        try:
            self.worker.stop()
            self.disconnect_worker()
        except RuntimeError:  # the C++ worker is already gone: only the thread is left to join
            pass
        if not self.thread.isRunning() and not self.thread.isFinished():
            # Never started (or not yet): nothing to join.
            self._joined_now()
            return True
        return self.wait()
