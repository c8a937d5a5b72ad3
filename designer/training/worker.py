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
Only `Exception`s become `failed`: KeyboardInterrupt and SystemExit propagate as usual (the thread
still quits, and the controller notices a thread that ended without a report).

Pause and stop are thread-safe requests (threading.Event): the Trainer asks `should_stop()` before
every batch; while paused that call blocks on the gate, and a stop request opens the gate and returns
True, so Stop takes effect within one batch, paused or not.

The worker has one training loop, the engine's `Trainer.fit` (built by `Trainer.from_settings`, so the
training aids are the command line's), and measures with `Network.evaluate`. A training run whose job
names a runs folder is kept there (`engine.runs.record_run`, source "window") before `finished`.
The QThread, the run state and shutting down belong to `controller.RunController`.
"""
from __future__ import annotations

import contextlib
import math
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine.data import Dataset, DatasetError
from engine.network import Network
from engine.runs import Run, RunError, record_run
from engine.runtime import single_threaded_blas
from engine.spec import NetworkSpec, SpecError
from engine.train import BatchInfo, EpochInfo, History, Trainer, TrainSettings

#: The longest the worker waits between two batchProgress emits while batches keep coming (s).
DEFAULT_EMIT_INTERVAL = 1 / 25


@dataclass
class TrainingJob:
    """Everything one run needs, fixed at Start. `spec` must already be a copy (spec.copy())."""

    spec: NetworkSpec
    dataset: Dataset
    settings: TrainSettings = field(default_factory=TrainSettings)   # epochs, batch size, optimizer, rate, ...
    initial_network: Optional[Network] = None   # continue from these weights (the worker owns it)
    evaluate_only: bool = False        # just measure initial_network on the test set
    emit_interval: float = DEFAULT_EMIT_INTERVAL
    run_id: int = 0
    blas_threads: Optional[int] = 1    # see _blas_limit; None leaves BLAS as it is
    runs_folder: Optional[Path] = None  # keep the training run there (engine.runs); None: not kept
    dataset_argument: str = ""         # how the run history names the dataset: a built-in's name or a path


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
    run: Optional[Run] = None   # the run as kept in the runs folder (engine.runs.Run), None if not kept
    record_problem: str = ""    # why a run that should have been kept was not

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

    # ----- the run (worker thread) ------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        job = self.job
        self._started = time.perf_counter()
        reported = False
        try:
            with _blas_limit(job.blas_threads):
                result = self._evaluate_only() if job.evaluate_only else self._train()
        except Exception as exc:  # noqa: BLE001 - every error of the run must reach the window
            self._finish(failed=(_failure_message(exc), traceback.format_exc()))
            reported = True
        else:
            self._finish(result=result)
            reported = True
        finally:
            # KeyboardInterrupt / SystemExit go on up; this thread still ends, so it can be joined.
            if not reported:
                self._quit_own_thread()

    def _finish(self, result: Optional[TrainingResult] = None, failed=None) -> None:
        # Hand the worker back to the GUI thread before this thread ends, so that the GUI thread may
        # delete it; then quit this thread's event loop (QThread.quit is thread-safe).
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            self.moveToThread(app.thread())
        if failed is not None:
            self.failed.emit(*failed)
        else:
            self.finished.emit(result)
        self._quit_own_thread()

    @staticmethod
    def _quit_own_thread() -> None:
        app = QCoreApplication.instance()
        thread = QThread.currentThread()
        if app is None or thread is not app.thread():  # run() called on the GUI thread (tests) must not quit it
            thread.quit()

    def _active_seconds(self) -> float:
        return time.perf_counter() - self._started - self._paused_seconds

    def _train(self) -> TrainingResult:
        job, settings = self.job, self.job.settings
        if job.initial_network is not None:
            net = job.initial_network
            # Continuing: the Seed box decides the dropout masks, as it does for a fresh network.
            net.reseed_dropout(settings.seed)
        else:
            net = Network.from_spec(job.spec, seed=settings.seed)
        self._net = net
        trainer = Trainer.from_settings(net, settings)
        history = trainer.fit(job.dataset, epochs=settings.epochs, on_batch=self._on_batch,
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
        if job.runs_folder is not None:
            self._record(result, trainer)
        return result

    def _record(self, result: TrainingResult, trainer: Trainer) -> None:
        """Keep the run in the job's runs folder: settings, history, test result and weights (the best
        epoch's and the last one's when early stopping restored the best). A folder that can't take it
        leaves `record_problem`; the run itself stands."""
        job = self.job
        try:
            result.run = record_run(job.runs_folder, net=result.network, dataset=job.dataset,
                                    settings=job.settings, history=result.history, test_loss=result.test_loss,
                                    test_accuracy=result.test_accuracy, seconds=result.seconds,
                                    dataset_argument=job.dataset_argument, last_weights=trainer.last_weights,
                                    source="window")
        except (RunError, OSError) as exc:
            result.record_problem = str(exc)

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
    """Single-threaded BLAS for the whole run, evaluation included (restored afterwards); None leaves BLAS
    alone. OpenBLAS's helper threads spin after each call and take a core from the window's repaints
    (measured in benchmarks/RESULTS.md, "Window responsiveness while training")."""
    if threads is None:
        return contextlib.nullcontext()
    if threads != 1:
        raise ValueError(f"the training run pins BLAS to 1 thread or leaves it alone (None), not {threads}")
    return single_threaded_blas()


def _failure_message(exc: Exception) -> str:
    """One line for the window: user-caused errors as they are, anything else with its type."""
    if isinstance(exc, MemoryError):
        return "out of memory: " + (str(exc) or "try a smaller batch size or a smaller design")
    if isinstance(exc, (DatasetError, SpecError, ValueError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"
