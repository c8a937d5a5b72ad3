"""The application-level exception hook: an exception escaping a slot is logged and shown, and the window
with its design goes on working (pytest-qt)."""
import sys
import threading

import pytest
from PySide6.QtWidgets import QApplication

from designer import crash_guard
from designer.crash_guard import CrashGuard, append_to_log


@pytest.fixture
def shown(monkeypatch):
    """The dialogs the guard shows: (message, details) — instead of a modal box."""
    record = []
    monkeypatch.setattr(CrashGuard, "show_dialog", lambda self, message, details: record.append((message, details)))
    return record


@pytest.fixture
def guard(qapp):
    installed = CrashGuard().install()
    yield installed
    installed.uninstall()


@pytest.mark.qt_no_exception_capture
def test_window_survives_an_exception_in_a_slot(window, guard, shown, tmp_path):
    def broken_slot():
        raise ZeroDivisionError("a bug in a slot")

    window.document.changed.connect(broken_slot)
    window.design_tab.actions["add_conv"].trigger()            # the edit's slots run; one of them raises
    assert window.document.layer_count == 1         # the edit itself is kept
    assert len(shown) == 1
    message, details = shown[0]
    assert message == "ZeroDivisionError: a bug in a slot"
    assert "broken_slot" in details and "Traceback" in details
    # The log is in the user's data folder (isolated per test through XDG_DATA_HOME).
    log = tmp_path / "data" / "CNN Designer" / "crash.log"
    assert guard.log_path == log
    assert "ZeroDivisionError: a bug in a slot" in log.read_text(encoding="utf-8")
    # The window goes on working: more edits, undo.
    window.document.changed.disconnect(broken_slot)
    window.design_tab.actions["add_pool"].trigger()
    assert [layer.type for layer in window.document.spec.layers] == ["conv", "pool"]
    window.menus.actions["undo"].trigger()
    assert [layer.type for layer in window.document.spec.layers] == ["conv"]
    assert sys.excepthook == guard.excepthook


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_worker_thread_is_shown_on_the_gui_thread(guard, shown, qtbot):
    def work():
        raise RuntimeError("worker failed")

    thread = threading.Thread(target=work, name="worker")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(shown) == 1)
    assert shown[0][0] == "RuntimeError: worker failed"
    assert "in worker" in guard.log_path.read_text(encoding="utf-8")


def test_uninstall_puts_the_previous_hooks_back(qapp):
    hooks = (sys.excepthook, threading.excepthook)
    installed = CrashGuard().install()
    assert sys.excepthook != hooks[0]
    installed.uninstall()
    assert (sys.excepthook, threading.excepthook) == hooks


@pytest.mark.qt_no_exception_capture
def test_an_exception_while_the_dialog_is_open_is_logged_not_stacked(guard, monkeypatch):
    shown = []

    def dialog_that_triggers_another(self, message, details):
        shown.append(message)
        self.handle(ValueError("raised again while the dialog is open"))

    monkeypatch.setattr(CrashGuard, "show_dialog", dialog_that_triggers_another)
    guard.handle(KeyError("first"))
    assert shown == ["KeyError: 'first'"]
    assert guard.handled == 2
    assert "raised again" in guard.log_path.read_text(encoding="utf-8")


def test_copy_details_puts_the_traceback_on_the_clipboard(qapp):
    crash_guard.copy_details("Traceback (most recent call last): ...")
    assert QApplication.clipboard().text() == "Traceback (most recent call last): ..."


def test_the_log_is_capped_and_keeps_the_newest_entries(tmp_path):
    log = tmp_path / "crash.log"
    for number in range(200):
        append_to_log(log, f"===== entry {number}\n" + "x" * 200 + "\n", limit=10_000)
    text = log.read_text(encoding="utf-8")
    assert len(text.encode()) <= 10_000
    assert "entry 199" in text and "entry 0\n" not in text
    assert text.startswith("===== entry")      # trimmed at an entry's start
