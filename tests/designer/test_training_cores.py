"""The Train tab on every core: the core-count setting, a run in the window on the engine's worker
processes, closing the window in the middle of it, and the note when the engine has to use one process.

LeNet-5 with 4 outputs on the built-in shapes (32×32×3) at batch 64: enough work per part that a run
on 2 cores uses a worker process (engine.parallel.pool.batch_parts)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

import pytest

from engine import load_spec, runtime
from engine import parallel
from engine.parallel import WorkerPool
from engine.parallel.shared import SharedBlock, SharedMemoryUnavailable
from designer.settings import app_settings
from designer.training.cores import KEY_CORES

ROOT = Path(__file__).resolve().parents[2]
FINISH_TIMEOUT = 60_000


@pytest.fixture(autouse=True)
def engine_core_count(monkeypatch):
    """The engine's core count is process-wide: whatever a test sets, the next test starts from the
    default again."""
    monkeypatch.setattr(runtime, "_num_threads", None)
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    yield
    runtime.set_num_threads(None)


def _lenet4(window):
    spec = load_spec(ROOT / "resources" / "presets" / "lenet5.json")
    window.document.load(spec)
    window.document.set_field(window.document.layer_count - 1, "units", 4)
    tab = window.train_tab
    assert tab.datasets.set_dataset("shapes")
    tab.hyper_box.batch_spin.setValue(64)
    return tab


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_cores_setting_is_the_engines_core_count_and_is_remembered(window):
    spin = window.train_tab.run_controls.cores.spin
    assert spin.value() == runtime.get_num_threads() == runtime.physical_cores()
    spin.setValue(1)
    assert runtime.get_num_threads() == 1
    assert int(app_settings().value(KEY_CORES)) == 1
    runtime.set_num_threads(None)
    from designer.training.cores import restore_core_count
    restore_core_count()                                   # the next session starts where this one was
    assert runtime.get_num_threads() == 1


def test_a_run_in_the_window_trains_on_worker_processes_and_closing_mid_run_stops_them(qtbot, window,
                                                                                       monkeypatch):
    started = []
    real_init = WorkerPool.__init__

    def spy(self, net, workers, niceness=0):
        real_init(self, net, workers, niceness)
        started.append(list(self.pids))
    monkeypatch.setattr(WorkerPool, "__init__", spy)
    tab = _lenet4(window)
    tab.run_controls.cores.spin.setValue(2)
    tab.hyper_box.epochs_spin.setValue(200)
    qtbot.mouseClick(tab.run_controls.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.run_controls.progress.value() >= 5, timeout=FINISH_TIMEOUT)
    assert len(started) == 1 and len(started[0]) == 1       # this process and one worker process
    worker = started[0][0]
    assert _alive(worker)
    thread = tab.controller.thread
    window.document.undo_stack.setClean()
    assert window.close()                                  # mid-run: the one shutdown path
    assert thread.isFinished()
    qtbot.waitUntil(lambda: not _alive(worker), timeout=10_000)
    assert not tab.controller.is_active


def test_one_core_trains_without_workers(qtbot, window, monkeypatch):
    started = []
    monkeypatch.setattr(WorkerPool, "__init__", lambda *args, **kwargs: started.append(args))
    tab = _lenet4(window)
    tab.run_controls.cores.spin.setValue(1)
    tab.hyper_box.epochs_spin.setValue(1)
    with qtbot.waitSignal(tab.controller.runEnded, timeout=FINISH_TIMEOUT):
        qtbot.mouseClick(tab.run_controls.train_button, Qt.MouseButton.LeftButton)
    assert started == []


def test_the_run_box_says_when_the_engine_had_to_use_one_process(qtbot, window, monkeypatch):
    def unavailable(nbytes):
        raise SharedMemoryUnavailable("shared memory is unavailable (test)")
    monkeypatch.setattr(SharedBlock, "create", staticmethod(unavailable))
    monkeypatch.setattr(parallel, "_fallback", None)
    tab = _lenet4(window)
    note = tab.run_controls.cores.note
    assert note.isHidden()
    tab.run_controls.cores.spin.setValue(2)
    tab.hyper_box.epochs_spin.setValue(1)
    with pytest.warns(parallel.EngineWorkersWarning), \
            qtbot.waitSignal(tab.controller.runEnded, timeout=FINISH_TIMEOUT):
        qtbot.mouseClick(tab.run_controls.train_button, Qt.MouseButton.LeftButton)
    assert not note.isHidden()
    assert note.text() == ("The engine runs in one process: its worker processes could not start (shared "
                           "memory is unavailable (test)).")
    assert "Run 1 finished" in tab.run_controls.status_label.text()
