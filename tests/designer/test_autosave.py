"""Autosave: the open design is kept in the user's data folder a few seconds after each edit, a clean close
removes it, and after a crash (a child process killed with SIGKILL mid-edit) the next window offers to
restore it (pytest-qt). Each window has its own autosave: a second window never deletes or overwrites the
first one's, and the restore offer lists every autosave left by a window that did not close cleanly."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from designer.autosave import AUTOSAVE_FORMAT, AUTOSAVE_NAME, DELETE, LATER, RESTORE, Autosave
from designer.main_window import MainWindow
from engine.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def data_folder(tmp_path) -> Path:
    return tmp_path / "data" / "CNN Designer"


def autosaves(tmp_path) -> list[str]:
    folder = data_folder(tmp_path)
    return sorted(p.name for p in folder.glob("autosave*.json")) if folder.exists() else []


@pytest.fixture
def answers(monkeypatch):
    """The restore offer answers (RESTORE, the last entry) — or what a test sets — and records what it listed."""
    record = {"answer": None, "asked": []}

    def ask(self, entries):
        record["asked"].append([entry.describe() for entry in entries])
        return record["answer"] or (RESTORE, len(entries) - 1)

    monkeypatch.setattr(Autosave, "ask_restore", ask)
    return record


def test_an_edit_is_autosaved_after_a_pause_with_its_file_path(window, qtbot, tmp_path):
    design = tmp_path / "mine.json"
    window.files.load_preset("lenet5")
    assert window.files.save_file(design)
    window.autosave.timer.setInterval(50)
    window.document.set_field(0, "filters", 4)
    assert window.autosave.timer.isActive()          # restarted by the edit, written when it fires
    path = window.autosave.path
    assert path.parent == data_folder(tmp_path) and path.name.startswith("autosave-")
    qtbot.waitUntil(path.exists)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["format"] == AUTOSAVE_FORMAT and record["modified"] is True
    assert record["file_path"] == str(design)
    assert record["design"]["layers"][0]["filters"] == 4
    # Saving makes the document clean: nothing left to restore.
    assert window.files.save_file(design)
    assert not path.exists()


def test_undo_back_to_the_saved_state_removes_the_autosave(window, qtbot):
    window.autosave.timer.setInterval(50)
    window.design_tab.add_layer("conv")
    path = window.autosave.path
    qtbot.waitUntil(path.exists)
    window.document.undo_stack.undo()
    assert not path.exists()


def test_a_clean_close_removes_the_autosave_and_its_lock(qtbot, tmp_path, dialogs):
    w = MainWindow()
    qtbot.addWidget(w)
    w.design_tab.add_layer("conv")
    assert w.autosave.save_now()
    lock = Path(str(w.autosave.path) + ".lock")
    assert w.autosave.path.exists() and lock.exists()
    assert w.close()                       # the unsaved-changes prompt answers Discard (conftest)
    assert dialogs.prompts == 1
    assert autosaves(tmp_path) == [] and not lock.exists()


def test_a_failed_autosave_says_so_and_editing_goes_on(window, tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    window.design_tab.add_layer("conv")
    assert not window.autosave.save_now()
    assert "Could not autosave" in window.statusBar().currentMessage()
    window.design_tab.add_layer("pool")
    assert window.document.layer_count == 2


def test_two_windows_keep_two_autosaves_and_never_touch_each_others(qtbot, tmp_path, answers):
    first, second = MainWindow(), MainWindow()
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    first.design_tab.add_layer("conv")
    second.design_tab.add_layer("pool")
    second.design_tab.add_layer("dense")
    assert first.autosave.save_now() and second.autosave.save_now()
    assert first.autosave.path != second.autosave.path and len(autosaves(tmp_path)) == 2
    first_record = first.autosave.path.read_text(encoding="utf-8")
    # A third window starting now offers nothing: both owners are running.
    third = MainWindow()
    qtbot.addWidget(third)
    assert not third.autosave.offer_restore() and answers["asked"] == []
    # The second window saves and closes cleanly: only its own autosave goes.
    second.document.undo_stack.setClean()
    assert second.close()
    assert first.autosave.path.read_text(encoding="utf-8") == first_record
    assert autosaves(tmp_path) == [first.autosave.path.name]
    first.document.undo_stack.setClean()


def test_declining_the_restore_deletes_what_was_left_and_later_keeps_it(qtbot, tmp_path, answers):
    folder = data_folder(tmp_path)
    folder.mkdir(parents=True)
    lenet = json.loads((ROOT / "resources" / "presets" / "lenet5.json").read_text())
    for name in ("autosave-left1.json", AUTOSAVE_NAME):     # a crashed window's, and an older version's
        (folder / name).write_text(json.dumps({"format": AUTOSAVE_FORMAT, "file_path": None, "design": lenet}))
    answers["answer"] = (LATER, -1)
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.autosave.offer_restore()
    assert len(answers["asked"][0]) == 2 and window.document.layer_count == 0
    assert autosaves(tmp_path) == ["autosave-left1.json", AUTOSAVE_NAME]       # kept for later
    answers["answer"] = (DELETE, -1)
    assert not window.autosave.offer_restore()
    assert autosaves(tmp_path) == []


def test_a_damaged_autosave_is_removed_without_asking(window, tmp_path, answers):
    path = data_folder(tmp_path) / "autosave-damaged.json"
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
    window.document.set_field(0, "filters", int(sys.argv[1]))   # the unsaved edit
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


def start_child(tmp_path, filters: int) -> subprocess.Popen:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "settings"),
               QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(filters)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    assert child.stdout.readline().strip() == "READY"
    return child


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL


def test_a_design_is_restored_after_the_app_was_killed(qtbot, tmp_path, answers):
    child = start_child(tmp_path, 4)
    try:
        # While its window runs, another window's start offers nothing.
        running = MainWindow()
        qtbot.addWidget(running)
        assert not running.autosave.offer_restore() and answers["asked"] == []
    finally:
        kill(child)
    assert len(autosaves(tmp_path)) == 1        # a kill leaves it: nothing ran to remove it

    window = MainWindow()                        # the next start, same data folder
    qtbot.addWidget(window)
    assert window.autosave.offer_restore()
    assert len(answers["asked"]) == 1 and "lenet" in answers["asked"][0][0].lower()
    lenet = load_spec(ROOT / "resources" / "presets" / "lenet5.json")
    kinds = [layer.type for layer in window.document.spec.layers]
    assert kinds == [layer.type for layer in lenet.layers] + ["dropout"]
    assert window.document.spec.layers[0].filters == 4
    # Restored as modified and unsaved: the title says so, Save asks where, Undo goes back.
    assert window.document.is_modified and window.isWindowModified()
    assert window.document.file_path is None
    # The restored design now lives in this window's own autosave; the one left behind is gone.
    assert autosaves(tmp_path) == [window.autosave.path.name]
    window.document.undo_stack.setClean()


def test_the_restore_offer_lists_every_window_killed_and_keeps_the_others(qtbot, tmp_path, answers):
    for filters in (3, 5):
        kill(start_child(tmp_path, filters))
    assert len(autosaves(tmp_path)) == 2
    answers["answer"] = (RESTORE, 0)                 # the older one here ...
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.autosave.offer_restore()
    assert len(answers["asked"][0]) == 2
    assert window.document.spec.layers[0].filters == 3
    answers["answer"] = None                          # ... the other at the next start
    later = MainWindow()
    qtbot.addWidget(later)
    assert later.autosave.offer_restore()
    assert len(answers["asked"][1]) == 1 and later.document.spec.layers[0].filters == 5
    for w in (window, later):
        w.document.undo_stack.setClean()
