"""The run in the Train tab: one `RunState`, every change of it in `RunController._transition`.

The controller owns the training thread: it starts a `TrainingWorker` (worker.py) on a QThread,
forwards the user's pause / resume / stop requests to it, turns the worker's reports into state
changes, and joins the thread when the run ends. It knows nothing of widgets; the panel shows what
`stateChanged` and the forwarded progress signals tell it.

    idle ─start─▶ running ─pause─▶ pausing ─parked─▶ paused
                   ▲   ▲              │                 │
                   │   └────resume────┴─────────────────┘
                   │   running / pausing / paused ─stop─▶ stopping
                   │   running / pausing / paused / stopping ─finished─▶ finished
                   │                                     ─failed──▶ failed
                   └────────────── start (from idle, finished or failed)

An event the table has no entry for is a no-op that returns False: user requests that don't apply
(Pause while stopping) and worker reports that lost a race with a request (the worker parked just
as Resume was clicked) are both expected, and neither may corrupt the state.

There is one shutdown path: the window's closeEvent calls `shutdown()` (through the panel), which
asks the worker to stop and joins the thread. If the join times out, the state stays `stopping`
and the worker stays connected, so its report still moves the state to finished when it ends.
"""
from __future__ import annotations

import enum
from typing import Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, Signal, Slot

from .worker import TrainingJob, TrainingResult, TrainingWorker


class RunState(enum.Enum):
    IDLE = "idle"            # no run yet
    RUNNING = "running"
    PAUSING = "pausing"      # pause requested; the worker parks at the next batch boundary
    PAUSED = "paused"        # the worker is parked
    STOPPING = "stopping"    # stop requested; the worker ends after the current batch
    FINISHED = "finished"    # the last run ended with a result (completed, stopped, diverged, evaluated)
    FAILED = "failed"        # the last run ended with an error

    @property
    def active(self) -> bool:
        """A thread is (or may still be) running."""
        return self in ACTIVE_STATES


ACTIVE_STATES = frozenset({RunState.RUNNING, RunState.PAUSING, RunState.PAUSED, RunState.STOPPING})


class RunEvent(enum.Enum):
    START = "start"          # a job was started
    PAUSE = "pause"          # the user asked to pause
    PARKED = "parked"        # the worker parked at a batch boundary
    RESUME = "resume"        # the user asked to go on
    STOP = "stop"            # the user (or shutdown) asked to stop
    FINISHED = "finished"    # the worker reported its result
    FAILED = "failed"        # the worker reported an error, or its thread ended without a report


def _transition_table() -> dict[tuple[RunState, RunEvent], RunState]:
    S, E = RunState, RunEvent
    table = {(state, E.START): S.RUNNING for state in (S.IDLE, S.FINISHED, S.FAILED)}
    table[(S.RUNNING, E.PAUSE)] = S.PAUSING
    table[(S.PAUSING, E.PARKED)] = S.PAUSED
    table[(S.PAUSING, E.RESUME)] = S.RUNNING
    table[(S.PAUSED, E.RESUME)] = S.RUNNING
    for state in (S.RUNNING, S.PAUSING, S.PAUSED):
        table[(state, E.STOP)] = S.STOPPING
    for state in ACTIVE_STATES:
        table[(state, E.FINISHED)] = S.FINISHED
        table[(state, E.FAILED)] = S.FAILED
    return table


#: (state, event) → next state; anything missing is not allowed (a no-op).
TRANSITIONS = _transition_table()

THREAD_ENDED_WITHOUT_REPORT = "the training thread ended without reporting a result"


class RunController(QObject):
    """Owns the run: its state, its worker and QThread, and the one way to shut it down.

    Signals (GUI thread; progress only for the current run):
        stateChanged(RunState)
        batchProgress(BatchProgress), epochDone(EpochProgress)   forwarded from the worker
        parked(int iteration)        the worker parked (state paused)
        resumed()                    the worker continued after a pause
        runEnded(TrainingResult, str kind)   exactly once per run; kind "train" or "evaluate";
                                     result.status "failed" (with .message, .details) for an error
    """

    stateChanged = Signal(object)
    batchProgress = Signal(object)
    epochDone = Signal(object)
    parked = Signal(int)
    resumed = Signal()
    runEnded = Signal(object, str)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._state = RunState.IDLE
        self._kind = ""
        self._run_id = 0
        self._worker: Optional[TrainingWorker] = None
        self._thread: Optional[QThread] = None

    # ----- what the panel reads -------------------------------------------------------------------
    @property
    def state(self) -> RunState:
        return self._state

    @property
    def kind(self) -> str:
        """"train" or "evaluate" for the current (or last) run; "" before the first."""
        return self._kind

    @property
    def run_id(self) -> int:
        """The current (or last) run's id: 1, 2, ... in start order."""
        return self._run_id

    @property
    def is_active(self) -> bool:
        return self._state.active

    @property
    def thread(self) -> Optional[QThread]:
        """The QThread of the run in progress; None once it has been joined."""
        return self._thread

    def can(self, event: RunEvent) -> bool:
        return (self._state, event) in TRANSITIONS

    # ----- the one place the state changes --------------------------------------------------------
    def _transition(self, event: RunEvent) -> bool:
        """Apply `event`; False (and nothing changes) when the table has no such transition."""
        target = TRANSITIONS.get((self._state, event))
        if target is None:
            return False
        if target is not self._state:
            self._state = target
            self.stateChanged.emit(target)
        return True

    # ----- requests (GUI thread) -----------------------------------------------------------------
    def start(self, job: TrainingJob, kind: str = "train") -> bool:
        """Run `job` on a new thread; job.run_id is set to the next id. False while a run is active."""
        if kind not in ("train", "evaluate"):
            raise ValueError(f"kind must be 'train' or 'evaluate', not {kind!r}")
        if not self.can(RunEvent.START):
            return False
        self._run_id += 1
        job.run_id = self._run_id
        job.evaluate_only = kind == "evaluate"
        self._kind = kind
        worker = TrainingWorker(job)
        thread = QThread()
        thread.setObjectName(f"training-run-{job.run_id}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        queued = Qt.ConnectionType.QueuedConnection
        worker.batchProgress.connect(self._on_batch_progress, queued)
        worker.epochDone.connect(self._on_epoch_done, queued)
        worker.paused.connect(self._on_worker_parked, queued)
        worker.resumed.connect(self._on_worker_resumed, queued)
        worker.finished.connect(self._on_worker_finished, queued)
        worker.failed.connect(self._on_worker_failed, queued)
        thread.finished.connect(self._on_thread_finished, queued)
        self._worker, self._thread = worker, thread
        self._transition(RunEvent.START)
        thread.start()
        return True

    def pause(self) -> bool:
        """Ask a training run to park at the next batch boundary (`parked` confirms)."""
        if self._kind != "train" or not self._transition(RunEvent.PAUSE):
            return False
        self._worker.pause()
        return True

    def resume(self) -> bool:
        if not self._transition(RunEvent.RESUME):
            return False
        self._worker.resume()
        return True

    def toggle_pause(self) -> bool:
        if self._state in (RunState.PAUSING, RunState.PAUSED):
            return self.resume()
        return self.pause()

    def stop(self) -> bool:
        """End the run after the current batch; it still reports (runEnded, status "stopped")."""
        if not self._transition(RunEvent.STOP):
            return False
        self._worker.stop()
        return True

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Stop any run and join its thread: True when no thread is left running.

        Safe in every state and repeatedly. A joined run's last report is delivered before this
        returns (state finished / failed, runEnded emitted). On a timeout (timeout_ms ≥ 0) the state
        is `stopping` and stays honest: the worker's report ends the run when its thread ends.
        """
        thread = self._thread
        if thread is None:
            return True
        self.stop()
        if self._worker is not None:
            self._worker.stop()  # also when stop() was refused (already stopping, or an evaluation)
        joined = thread.wait() if timeout_ms < 0 else thread.wait(timeout_ms)
        if not joined:
            return False
        # The worker's last signals are queued for this object: deliver them now, not after the
        # window has gone.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        self._thread_ended(thread)
        return True

    # ----- worker reports (GUI thread, queued) ---------------------------------------------------
    @Slot(object)
    def _on_batch_progress(self, progress) -> None:
        if progress.run_id == self._run_id and self._state.active:
            self.batchProgress.emit(progress)

    @Slot(object)
    def _on_epoch_done(self, progress) -> None:
        if progress.run_id == self._run_id and self._state.active:
            self.epochDone.emit(progress)

    @Slot(int)
    def _on_worker_parked(self, iteration: int) -> None:
        if self._worker is not None and self._transition(RunEvent.PARKED):
            self.parked.emit(iteration)

    @Slot()
    def _on_worker_resumed(self) -> None:
        if self._worker is not None and self._state is RunState.RUNNING:
            self.resumed.emit()

    @Slot(object)
    def _on_worker_finished(self, result: TrainingResult) -> None:
        if result.run_id != self._run_id or not self._state.active:
            return
        self._end(RunEvent.FINISHED, result)

    @Slot(str, str)
    def _on_worker_failed(self, message: str, details: str) -> None:
        if not self._state.active:
            return
        self._end(RunEvent.FAILED, TrainingResult(self._run_id, "failed", message, details=details))

    @Slot()
    def _on_thread_finished(self) -> None:
        # A finished() queued by an earlier run's thread may arrive after that thread was released
        # and deleted (sender() is then None) while a quick next run has already ended with its report
        # still queued: only the current thread's own finished() counts.
        self._thread_ended(self.sender())

    def _thread_ended(self, thread) -> None:
        """`thread` has ended: if it is the current run's and no report came first (an exception
        that isn't an Exception), the run failed."""
        if self._thread is None or thread is not self._thread or self._thread.isRunning():
            return
        if self._state.active:
            self._end(RunEvent.FAILED, TrainingResult(self._run_id, "failed", THREAD_ENDED_WITHOUT_REPORT))
        else:
            self._release_thread()

    def _end(self, event: RunEvent, result: TrainingResult) -> None:
        # The worker quits its thread right after its last signal: this join is immediate.
        self._release_thread()
        self._transition(event)
        self.runEnded.emit(result, self._kind)

    def _release_thread(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        if thread is not None:
            thread.wait()
        if worker is not None:
            for signal in (worker.batchProgress, worker.epochDone, worker.paused, worker.resumed,
                           worker.finished, worker.failed):
                try:
                    signal.disconnect()
                except (RuntimeError, TypeError):  # nothing connected any more
                    pass
