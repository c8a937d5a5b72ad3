"""A short soak of one window (benchmarks/soak_window.py runs the long one and measures memory): many
open → edit → undo and train → stop cycles leave no thread running, no thread object and no active timer
behind (pytest-qt)."""
from PySide6.QtWidgets import QApplication

from benchmarks.soak_window import leftovers, process_events_for, run_edit_cycles, run_train_cycles, settle


def test_open_edit_undo_cycles_leave_no_timer_or_thread(window):
    app = QApplication.instance()
    window.autosave.timer.setInterval(20)      # let the autosave's single shot fire within the settling
    settle(app, window)
    before = leftovers(window)
    run_edit_cycles(app, window, 12)
    assert not window.document.is_modified
    settle(app, window)
    after = leftovers(window)
    assert after.running_threads == 0 and after.threads <= before.threads
    assert after.active_timers <= before.active_timers


def test_train_stop_cycles_leave_no_thread_or_timer(window):
    app = QApplication.instance()
    panel = window.train_tab
    settle(app, window)
    before = leftovers(window)
    # The counter sees a run's thread while it runs (so the zero below means something).
    window.files.load_preset("digits_net")
    assert panel.datasets.set_dataset("digits") and panel.start_training()
    assert leftovers(window).running_threads == 1
    panel.stop()
    assert process_events_for(app, 60.0, until=lambda: not panel.controller.is_active)
    run_train_cycles(app, window, 6)
    settle(app, window)
    after = leftovers(window)
    assert after.running_threads == 0 and after.threads <= before.threads
    assert after.active_timers <= before.active_timers
