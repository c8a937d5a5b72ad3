"""RunController without any widget: every transition of the run state, and stop / shutdown in
every state, with a real worker thread whose training loop the tests control."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from engine import load_spec
from engine.data import load_dataset
from engine.train import History, Trainer, TrainSettings
from designer.training.controller import TRANSITIONS, RunController, RunEvent, RunState
from designer.training.worker import TrainingJob, TrainingWorker

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"
S, E = RunState, RunEvent
WAIT = 10_000


def fit_until_stopped(self, dataset, epochs=5, on_batch=None, on_epoch=None, should_stop=None):
    """A training loop that does no work: it asks should_stop() (which parks while paused) until told."""
    while not should_stop():
        time.sleep(0.001)
    history = History()
    history.stopped, history.message = True, "stopped during epoch 1"
    return history


@pytest.fixture
def job():
    return TrainingJob(spec=load_spec(PRESETS / "digits_net.json"), dataset=load_dataset("digits"),
                       settings=TrainSettings(epochs=1))


@pytest.fixture
def controller(qtbot, monkeypatch):
    monkeypatch.setattr(Trainer, "fit", fit_until_stopped)
    run = RunController()
    ended = []
    run.runEnded.connect(lambda result, kind: ended.append((result, kind)))
    run.ended = ended
    yield run
    run.shutdown()


def put_in(state: RunState, run: RunController, job: TrainingJob, qtbot, monkeypatch) -> None:
    """Drive a fresh controller into `state` through its public requests and the worker's reports.
    PAUSING and STOPPING hold because the worker's reply is a queued signal not yet delivered."""
    if state is S.IDLE:
        return
    if state is S.FAILED:
        def boom(*args, **kwargs):
            raise RuntimeError("boom")
        monkeypatch.setattr(Trainer, "fit", boom)
        with qtbot.waitSignal(run.runEnded, timeout=WAIT):
            assert run.start(job)
        monkeypatch.setattr(Trainer, "fit", fit_until_stopped)
        assert run.state is S.FAILED
        return
    assert run.start(job)
    if state is S.PAUSING:
        assert run.pause()
    elif state is S.PAUSED:
        with qtbot.waitSignal(run.parked, timeout=WAIT):
            assert run.pause()
    elif state is S.STOPPING:
        assert run.stop()
    elif state is S.FINISHED:
        with qtbot.waitSignal(run.runEnded, timeout=WAIT):
            assert run.stop()
    assert run.state is state


# ------------------------------------------------------------------------------------ the table

def test_the_transition_table_is_the_documented_one():
    active = (S.RUNNING, S.PAUSING, S.PAUSED, S.STOPPING)
    expected = {(S.IDLE, E.START): S.RUNNING, (S.FINISHED, E.START): S.RUNNING, (S.FAILED, E.START): S.RUNNING,
                (S.RUNNING, E.PAUSE): S.PAUSING, (S.PAUSING, E.PARKED): S.PAUSED,
                (S.PAUSING, E.RESUME): S.RUNNING, (S.PAUSED, E.RESUME): S.RUNNING,
                (S.RUNNING, E.STOP): S.STOPPING, (S.PAUSING, E.STOP): S.STOPPING, (S.PAUSED, E.STOP): S.STOPPING}
    expected.update({(state, E.FINISHED): S.FINISHED for state in active})
    expected.update({(state, E.FAILED): S.FAILED for state in active})
    assert TRANSITIONS == expected
    assert {state for state in S if state.active} == set(active)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", list(E))
def test_every_event_in_every_state_follows_the_table_or_changes_nothing(qtbot, state, event):
    run = RunController()
    run._state = state  # the table alone, no thread: _transition is the only writer of the state
    changes = []
    run.stateChanged.connect(changes.append)
    allowed = run._transition(event)
    target = TRANSITIONS.get((state, event))
    assert allowed == (target is not None)
    assert run.state is (target if allowed else state)
    assert changes == ([target] if allowed and target is not state else [])


# ---------------------------------------------------------------------------- requests with a thread

def test_a_run_through_every_live_state(controller, job, qtbot):
    states = []
    controller.stateChanged.connect(states.append)
    assert controller.state is S.IDLE and controller.thread is None
    assert controller.start(job)
    assert job.run_id == 1 and controller.run_id == 1 and controller.kind == "train"
    assert controller.thread is not None and controller.is_active
    assert not controller.start(job)  # one run at a time
    with qtbot.waitSignal(controller.parked, timeout=WAIT):
        assert controller.pause()
    assert not controller.pause()
    with qtbot.waitSignal(controller.resumed, timeout=WAIT):
        assert controller.resume()
    with qtbot.waitSignal(controller.runEnded, timeout=WAIT):
        assert controller.stop()
    assert states == [S.RUNNING, S.PAUSING, S.PAUSED, S.RUNNING, S.STOPPING, S.FINISHED]
    result, kind = controller.ended[0]
    assert (result.status, result.run_id, kind) == ("stopped", 1, "train")
    assert controller.thread is None and not controller.is_active
    # The next run starts from finished, with the next id.
    assert controller.start(job) and controller.run_id == 2


def test_resume_before_the_worker_parks_cancels_the_pause(controller, job, qtbot):
    assert controller.start(job)
    assert controller.pause() and controller.state is S.PAUSING
    assert controller.resume() and controller.state is S.RUNNING
    # The worker may still have parked for a moment: that late report changes nothing.
    qtbot.wait(100)
    assert controller.state is S.RUNNING
    with qtbot.waitSignal(controller.runEnded, timeout=WAIT):
        controller.stop()


def test_an_evaluation_cannot_be_paused(controller, job, qtbot):
    from engine.network import Network
    job.initial_network = Network.from_spec(job.spec, seed=0)
    with qtbot.waitSignal(controller.runEnded, timeout=WAIT) as ended:
        assert controller.start(job, "evaluate")
        assert not controller.pause()
    result, kind = ended.args
    assert kind == "evaluate" and result.status == "evaluated" and result.test_count == 360


def test_a_worker_error_fails_the_run_with_its_message(controller, job, qtbot, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom in the engine")

    monkeypatch.setattr(Trainer, "fit", boom)
    with qtbot.waitSignal(controller.runEnded, timeout=WAIT) as ended:
        controller.start(job)
    result, kind = ended.args
    assert controller.state is S.FAILED and result.status == "failed"
    assert result.message == "RuntimeError: boom in the engine" and "Traceback" in result.details
    assert controller.thread is None


@pytest.mark.parametrize("state", list(S))
def test_stop_in_every_state(controller, job, qtbot, monkeypatch, state):
    put_in(state, controller, job, qtbot, monkeypatch)
    before = len(controller.ended)
    allowed = controller.stop()
    assert allowed == (state in (S.RUNNING, S.PAUSING, S.PAUSED))
    if state.active:
        assert controller.state is S.STOPPING
        with qtbot.waitSignal(controller.runEnded, timeout=WAIT):
            pass
        assert controller.state is S.FINISHED and controller.ended[-1][0].status == "stopped"
    else:
        assert controller.state is state and len(controller.ended) == before


@pytest.mark.parametrize("state", list(S))
def test_shutdown_in_every_state_joins_and_reports_once(controller, job, qtbot, monkeypatch, state):
    put_in(state, controller, job, qtbot, monkeypatch)
    thread = controller.thread
    before = len(controller.ended)
    assert controller.shutdown()
    assert controller.thread is None and not controller.is_active
    if state.active:
        assert thread.isFinished()
        assert controller.state is S.FINISHED
        # The run's report arrived inside shutdown(), exactly once.
        assert len(controller.ended) == before + 1 and controller.ended[-1][0].status == "stopped"
    else:
        assert controller.state is state and len(controller.ended) == before
    assert controller.shutdown()  # again: harmless
    qtbot.wait(20)
    assert len(controller.ended) == before + (1 if state.active else 0)


def test_a_shutdown_that_times_out_leaves_an_honest_state(controller, job, qtbot, monkeypatch):
    release = threading.Event()

    def stuck_fit(self, dataset, epochs=5, on_batch=None, on_epoch=None, should_stop=None):
        release.wait(30)  # a long batch: the stop request is seen only after it
        history = History()
        history.stopped, history.message = should_stop(), "stopped during epoch 1"
        return history

    monkeypatch.setattr(Trainer, "fit", stuck_fit)
    assert controller.start(job)
    assert not controller.shutdown(timeout_ms=50)
    assert controller.state is S.STOPPING and controller.thread is not None
    assert not controller.pause() and not controller.start(job)
    with qtbot.waitSignal(controller.runEnded, timeout=WAIT) as ended:
        release.set()
    assert ended.args[0].status == "stopped"
    assert controller.state is S.FINISHED and controller.thread is None
    monkeypatch.setattr(Trainer, "fit", fit_until_stopped)
    assert controller.start(job)  # usable again


def test_a_thread_that_ends_without_a_report_fails_the_run(controller, job, qtbot, monkeypatch):
    # What an escaping KeyboardInterrupt / SystemExit leaves: the thread ends, no result was sent.
    monkeypatch.setattr(TrainingWorker, "_finish", lambda self, result=None, failed=None: self._quit_own_thread())
    monkeypatch.setattr(Trainer, "fit", lambda self, *args, **kwargs: History())
    with qtbot.waitSignal(controller.runEnded, timeout=WAIT) as ended:
        controller.start(job)
    assert ended.args[0].status == "failed" and "without reporting" in ended.args[0].message
    assert controller.state is S.FAILED and controller.thread is None
