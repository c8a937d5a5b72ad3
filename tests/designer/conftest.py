"""Designer test setup: settings in a temporary folder, dialogs that never block, a window.

QSettings isolation: the designer reads and writes QSettings(IniFormat, UserScope, "CNN Designer",
"CNN Designer"); every test points IniFormat (and NativeFormat, for anything else) at its own
tmp_path via QSettings.setPath, so no test touches the real user settings or sees another's.
"""
from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.app import garbage_collected_on_gui_thread
from designer.dialogs import DISCARD, WindowDialogs
from designer.main_window import MainWindow
from designer.settings import app_settings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    folder = tmp_path / "settings"
    folder.mkdir()
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    # The crash log and the autosave go to the user's data folder (designer.crash_guard.data_folder).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert app_settings().fileName().startswith(str(folder))
    yield folder


class Dialogs:
    """Stands in for every dialog the window shows (WindowDialogs), and records what was asked."""

    def __init__(self):
        self.errors: list[tuple[str, str]] = []
        self.prompts = 0
        self.answer = DISCARD
        self.open_path = None
        self.save_path = None


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    record = Dialogs()

    def show_error(self, title, text):
        record.errors.append((title, text))

    def ask_save_changes(self, design):
        record.prompts += 1
        return record.answer

    monkeypatch.setattr(WindowDialogs, "show_error", show_error)
    monkeypatch.setattr(WindowDialogs, "ask_save_changes", ask_save_changes)
    monkeypatch.setattr(WindowDialogs, "ask_open_path", lambda self, folder: record.open_path)
    monkeypatch.setattr(WindowDialogs, "ask_save_path", lambda self, suggested: record.save_path)

    # A modal box or file dialog in a headless test would wait forever: fail instead.
    def blocked(*args, **kwargs):
        raise AssertionError("a modal dialog was opened in a test")

    for name in ("warning", "critical", "information", "question", "about", "exec"):
        monkeypatch.setattr(QMessageBox, name, blocked)
    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, blocked)
    return record


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    # Leave without the unsaved-changes prompt counting against a test.
    w.document.undo_stack.setClean()


@pytest.fixture
def model_tester(qtlog):
    """Attach QAbstractItemModelTester to models; fail the test on any report it makes."""
    testers = []

    def attach(model):
        testers.append(QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning))
        return testers[-1]

    yield attach
    failures = [record.message for record in qtlog.records if "FAIL" in record.message]
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module", autouse=True)
def gui_thread_garbage_collection(qapp):
    """As in the application (designer.app.run): cycles are collected on the GUI thread only, so a
    training thread never frees Qt objects. Per module, so the engine tests keep Python's default."""
    with garbage_collected_on_gui_thread() as collector:
        yield collector


@pytest.fixture(autouse=True)
def collect_qt_garbage():
    """Free each test's leftover pyqtgraph objects right after it, on this (the GUI) thread.

    Left to the garbage collector they may be freed in the middle of a later widget's paint, which
    crashed about 40 % of full runs in QPainter::restore.
    """
    yield
    gc.collect()


@pytest.fixture
def lenet_doc(qapp):
    """A DesignDocument holding the course's LeNet-5."""
    from designer.document import DesignDocument
    from designer.presets import load_preset
    document = DesignDocument()
    document.load(load_preset("lenet5"))
    return document


@pytest.fixture(autouse=True)
def shut_down_training_panels():
    """Panels made by training_panels.make_panel stop cleanly: no training thread, no dataset read left."""
    from training_panels import OPEN_PANELS
    OPEN_PANELS.clear()
    yield
    for panel in OPEN_PANELS:
        assert panel.shutdown() and not panel.datasets.is_loading and panel.controller.thread is None
    OPEN_PANELS.clear()
    gc.collect()
