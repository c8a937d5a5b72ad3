"""The Runs view (pytest-qt): runs recorded by the command line appear in `runsTable`, which sorts, filters
by design or dataset, renames and keeps notes; selected runs' curves are overlaid in distinct colours with
a legend; Open design, Load weights, export as Markdown / CSV and delete work; it all survives a restart."""
import csv
import io
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from designer.runs import RunsView
from designer.runs.runs_model import COLUMNS
from engine import Network, load_dataset
from engine.cli import main
from engine.data import save_dataset_npz
from engine.resources import preset_path
from engine.runs import list_runs, load_run
from engine.spec import load_spec, save_spec

COLUMN = {key: number for number, (key, _, _) in enumerate(COLUMNS)}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Three runs recorded by the command line: digits_net on digits, with early stopping, and a renamed
    design on a small dataset file ("tiny"). Module-scoped (training is the slow part); tests copy it."""
    folder = tmp_path_factory.mktemp("cli-runs")
    spec = load_spec(preset_path("digits_net"))
    spec.name = "Wide digits"
    design = folder.parent / "wide_digits.json"
    save_spec(spec, design)
    digits = load_dataset("digits")
    tiny = folder.parent / "tiny.npz"
    save_dataset_npz(type(digits)("tiny", digits.x_train[:300], digits.y_train[:300], digits.x_test[:100],
                                  digits.y_test[:100], digits.class_names), tiny)
    base = ["--epochs", "6", "--batch-size", "64", "--runs-dir", str(folder)]
    for argv in (["train", "digits_net", "--dataset", "digits", *base],
                 ["train", "digits_net", "--dataset", "digits", *base, "--epochs", "30", "--lr", "0.02",
                  "--validation", "0.5", "--early-stopping", "2"],
                 ["train", str(design), "--dataset", str(tiny), *base]):
        assert main(argv) == 0
    return folder


@pytest.fixture
def runs_dir(recorded, tmp_path):
    import shutil
    folder = tmp_path / "runs"
    shutil.copytree(recorded, folder)
    return folder


@pytest.fixture
def view(qtbot, runs_dir):
    widget = RunsView(runs_dir)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell(view, row, key):
    return view.proxy.index(row, COLUMN[key]).data()


def test_runs_recorded_by_the_command_line_are_in_the_table(view, model_tester):
    model_tester(view.model)
    table = view.findChild(QTableView, "runsTable")
    assert table is view.table and view.proxy.rowCount() == 3
    assert {cell(view, row, "design") for row in range(3)} == {"Digits net (8×8×1)", "Wide digits"}
    assert {cell(view, row, "dataset") for row in range(3)} == {"digits", "tiny"}
    runs, _ = list_runs(view.folder)
    by_id = {run.id: run for run in runs}
    for row in range(3):
        run = by_id[view.run_id_at(row)]
        assert cell(view, row, "test_accuracy") == f"{100 * run.test_accuracy:.1f}%"
    assert "3 runs in" in view.note_label.text()


def test_the_table_sorts_numbers_as_numbers_and_filters_by_design_or_dataset(view):
    view.table.sortByColumn(COLUMN["test_accuracy"], Qt.SortOrder.DescendingOrder)
    shown = [float(cell(view, row, "test_accuracy").rstrip("%")) for row in range(3)]
    assert shown == sorted(shown, reverse=True)
    view.table.sortByColumn(COLUMN["epochs"], Qt.SortOrder.AscendingOrder)
    assert [cell(view, row, "epochs").split("/")[0] for row in range(3)] == sorted(
        [cell(view, row, "epochs").split("/")[0] for row in range(3)], key=int)
    view.filter_edit.setText("TINY")
    assert view.proxy.rowCount() == 1 and cell(view, 0, "dataset") == "tiny"
    view.filter_edit.setText("wide")
    assert view.proxy.rowCount() == 1 and cell(view, 0, "design") == "Wide digits"
    view.filter_edit.setText("digits")       # both designs' names or datasets say "digits"
    assert view.proxy.rowCount() == 3
    view.filter_edit.setText("nothing like it")
    assert view.proxy.rowCount() == 0 and not view.export_button.isEnabled()


def test_rename_and_notes_are_kept_in_the_run_and_survive_a_restart(view, qtbot):
    run_id = view.run_id_at(0)
    assert view.proxy.setData(view.proxy.index(0, COLUMN["name"]), "baseline", Qt.ItemDataRole.EditRole)
    assert view.proxy.setData(view.proxy.index(0, COLUMN["notes"]), "first try", Qt.ItemDataRole.EditRole)
    assert not view.proxy.setData(view.proxy.index(0, COLUMN["test_accuracy"]), "100%", Qt.ItemDataRole.EditRole)
    assert load_run(view.folder, run_id).name == "baseline"
    again = RunsView(view.folder)
    qtbot.addWidget(again)
    row = next(r for r in range(again.proxy.rowCount()) if again.run_id_at(r) == run_id)
    assert cell(again, row, "name") == "baseline" and cell(again, row, "notes") == "first try"


def test_selected_runs_are_overlaid_in_distinct_colours_with_a_legend(view):
    view.select_runs([run.id for run in view.model.runs])
    curves = view.curves
    assert len(curves.items) == 3
    colours = {curves.items[run_id][0].opts["pen"].color().name() for run_id in curves.items}
    assert len(colours) == 3
    assert len(curves.loss_legend.items) == 3 + 1 and len(curves.accuracy_legend.items) == 3   # + the ring's
    labels = [label.text for _, label in curves.loss_legend.items]
    assert len(set(labels)) == 4 and any("Wide digits" in text for text in labels)
    assert labels[-1] == "best epoch: weights kept"
    for run in view.model.runs:
        x, y = curves.items[run.id][1].getData()      # validation loss, dashed
        assert list(x) == list(range(1, run.history["epochs_completed"] + 1))
        np.testing.assert_allclose(y, run.history["val_loss"])
    early = next(run for run in view.model.runs if run.history["restored_best"])
    assert list(curves.best_markers) == [early.id]
    assert curves.best_markers[early.id].data["x"][0] == early.history["best_epoch"]
    row = view.model.row_of(early.id)
    assert view.model.index(row, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    view.select_runs([early.id])
    assert list(curves.items) == [early.id] and len(curves.loss_legend.items) == 1 + 1


def test_open_design_and_load_weights_hand_the_run_to_the_window(view, qtbot):
    run = next(run for run in view.model.runs if run.design_name == "Wide digits")
    view.select_runs([run.id])
    with qtbot.waitSignal(view.openDesignRequested) as opened:
        view.open_button.click()
    spec, title = opened.args
    assert spec.name == "Wide digits" and title == run.name
    with qtbot.waitSignal(view.loadWeightsRequested) as loaded:
        view.weights_button.click()
    net = Network.load(loaded.args[0])
    tiny = load_dataset(run.data["dataset"]["argument"])
    assert net.evaluate(tiny.x_test, tiny.y_test)[1] == pytest.approx(run.test_accuracy)
    view.select_runs([r.id for r in view.model.runs])
    assert not view.open_button.isEnabled() and not view.weights_button.isEnabled()


def test_the_comparison_exports_as_csv_and_markdown_a_row_per_run(view, tmp_path):
    assert view.export_comparison("csv", str(tmp_path / "all.csv"))        # nothing selected: every run shown
    rows = list(csv.DictReader(io.StringIO((tmp_path / "all.csv").read_text(encoding="utf-8"))))
    assert sorted(row["run"] for row in rows) == sorted(run.id for run in view.model.runs)
    chosen = [view.model.runs[0].id, view.model.runs[2].id]
    view.select_runs(chosen)
    assert view.export_comparison("markdown", str(tmp_path / "two.md"))
    lines = (tmp_path / "two.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and all(run_id in "\n".join(lines) for run_id in chosen)


def test_delete_asks_and_removes_the_runs_folder(view, monkeypatch):
    asked = []
    monkeypatch.setattr(RunsView, "ask_delete", lambda self, runs: asked.append(len(runs)) or True)
    victim = view.model.runs[1]
    view.select_runs([victim.id])
    view.delete_button.click()
    assert asked == [1] and not victim.folder.exists() and view.proxy.rowCount() == 2


def test_a_damaged_run_is_a_note_and_a_new_command_line_run_appears(view, qtbot):
    (view.folder / "broken").mkdir()
    (view.folder / "broken" / "run.json").write_text(json.dumps({"format": "nope"}))
    view.refresh()
    assert view.proxy.rowCount() == 3 and "1 damaged run folder(s) skipped" in view.note_label.text()
    assert main(["train", "digits_net", "--dataset", "digits", "--epochs", "1", "--batch-size", "256",
                 "--runs-dir", str(view.folder)]) == 0
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 4, timeout=10_000)   # the folder watcher reloads
    view.hide()                  # hidden, it stops watching (and reads the folder again when shown)
    assert view._watcher.directories() == [] and not view._reload_timer.isActive()


def test_the_view_reads_the_runs_folder_the_command_line_writes_by_default(qtbot, isolated_runs_folder):
    assert main(["train", "digits_net", "--dataset", "digits", "--epochs", "1", "--batch-size", "256"]) == 0
    widget = RunsView()
    qtbot.addWidget(widget)
    assert widget.folder == isolated_runs_folder and widget.proxy.rowCount() == 1


def test_an_empty_runs_table_fits_a_1024_window_without_scrolling_sideways(qtbot, tmp_path):
    widget = RunsView(tmp_path / "no-runs-yet")
    qtbot.addWidget(widget)
    widget.resize(1000, 600)               # the Runs tab's width in a 1024-px window
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.model.rowCount() == 0
    assert widget.table.horizontalScrollBar().maximum() == 0
