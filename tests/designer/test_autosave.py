"""Autosave: the open design is kept in the user's data folder a few seconds after each edit, a clean close
removes it, and after a crash (a child process killed with SIGKILL mid-edit) the next window offers to
restore it (pytest-qt)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from designer.autosave import AUTOSAVE_FORMAT
from designer.main_window import MainWindow
from engine.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def autosave_file(tmp_path) -> Path:
    return tmp_path / "data" / "CNN Designer" / "autosave.json"


@pytest.fixture
def answers(monkeypatch):
    """QMessageBox.question answers Yes (or what a test sets) and records what was asked."""
    record = {"answer": QMessageBox.StandardButton.Yes, "asked": []}

    def question(parent, title, text, *args, **kwargs):
        record["asked"].append(text)
        return record["answer"]

    monkeypatch.setattr(QMessageBox, "question", question)
    return record


def test_an_edit_is_autosaved_after_a_pause_with_its_file_path(window, qtbot, tmp_path):
    design = tmp_path / "mine.json"
    window.files.load_preset("lenet5")
    assert window.files.save_file(design)
    window.autosave.timer.setInterval(50)
    window.document.set_field(0, "filters", 4)
    assert window.autosave.timer.isActive()          # restarted by the edit, written when it fires
    path = autosave_file(tmp_path)
    qtbot.waitUntil(path.exists)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["format"] == AUTOSAVE_FORMAT and record["modified"] is True
    assert record["file_path"] == str(design)
    assert record["design"]["layers"][0]["filters"] == 4
    # Saving makes the document clean: nothing left to restore.
    assert window.files.save_file(design)
    assert not path.exists()


def test_undo_back_to_the_saved_state_removes_the_autosave(window, qtbot, tmp_path):
    window.autosave.timer.setInterval(50)
    window.design_tab.add_layer("conv")
    path = autosave_file(tmp_path)
    qtbot.waitUntil(path.exists)
    window.document.undo_stack.undo()
    assert not path.exists()


def test_a_clean_close_removes_the_autosave(qtbot, tmp_path, dialogs):
    w = MainWindow()
    qtbot.addWidget(w)
    w.design_tab.add_layer("conv")
    assert w.autosave.save_now()
    assert autosave_file(tmp_path).exists()
    assert w.close()                       # the unsaved-changes prompt answers Discard (conftest)
    assert dialogs.prompts == 1
    assert not autosave_file(tmp_path).exists()


def test_a_failed_autosave_says_so_and_editing_goes_on(window, tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    window.design_tab.add_layer("conv")
    assert not window.autosave.save_now()
    assert "Could not autosave" in window.statusBar().currentMessage()
    window.design_tab.add_layer("pool")
    assert window.document.layer_count == 2


def test_declining_the_restore_deletes_the_autosave(qtbot, tmp_path, answers):
    first = MainWindow()
    qtbot.addWidget(first)
    first.design_tab.add_layer("conv")
    assert first.autosave.save_now()
    answers["answer"] = QMessageBox.StandardButton.No
    second = MainWindow()
    qtbot.addWidget(second)
    assert not second.autosave.offer_restore()
    assert len(answers["asked"]) == 1
    assert second.document.layer_count == 0
    assert not autosave_file(tmp_path).exists()
    first.document.undo_stack.setClean()


def test_a_damaged_autosave_is_removed_without_asking(window, tmp_path, answers):
    path = autosave_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "cnn-designer-autosave/1", "design": {"type": []}}')
    assert not window.autosave.offer_restore()
    assert answers["asked"] == [] and not path.exists()


CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtWidgets import QApplication
    app = QApplication(["child"])
    from designer.main_window import MainWindow
    window = MainWindow()
    window.autosave.timer.setInterval(100)
    window.files.load_preset("lenet5")
    window.document.set_field(0, "filters", 4)       # the unsaved edit
    window.document.add_layer("dropout")   # at the end
    path = window.autosave.path
    while not path.exists():
        app.processEvents()
        time.sleep(0.02)
    print("READY", flush=True)
    while True:                                       # still editing when the kill comes
        app.processEvents()
        time.sleep(0.05)
""")


def test_a_design_is_restored_after_the_app_was_killed(qtbot, tmp_path, answers):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "settings"),
               QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout.readline().strip() == "READY"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert autosave_file(tmp_path).exists()     # a kill leaves it: nothing ran to remove it

    window = MainWindow()                        # the next start, same data folder
    qtbot.addWidget(window)
    assert window.autosave.offer_restore()
    assert len(answers["asked"]) == 1 and "Restore" in answers["asked"][0]
    lenet = load_spec(ROOT / "resources" / "presets" / "lenet5.json")
    kinds = [layer.type for layer in window.document.spec.layers]
    assert kinds == [layer.type for layer in lenet.layers] + ["dropout"]
    assert window.document.spec.layers[0].filters == 4
    # Restored as modified and unsaved: the title says so, Save asks where, Undo goes back.
    assert window.document.is_modified and window.isWindowModified()
    assert window.document.file_path is None
    window.document.undo_stack.setClean()
