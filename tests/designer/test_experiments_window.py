"""Issue 25 in the window (pytest-qt): the Training aids box gives the run its TrainSettings; a window run is
kept (engine.runs) and shown in the Runs tab; Open design and Load weights bring a kept run back; the rate
of each epoch and the best epoch are on the plots; Help › Course examples › Over-fitting trains its lesson
on a thread and shows its runs compared."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QScrollArea

from engine import Network, load_dataset
from engine.cli import main
from engine.memory import estimate_memory
from engine.overfitting_lesson import RUNS
from engine.runs import list_runs
from engine.train import TrainSettings

from designer.dialogs import CANCEL, DISCARD
from designer.runs.runs_model import COLUMNS
from designer.training.weights_files import WeightsFiles
from training_panels import make_panel

FINISH_TIMEOUT = 120_000
COLUMN = {key: number for number, (key, _, _) in enumerate(COLUMNS)}


def digits_panel(qtbot):
    document, panel = make_panel(qtbot, "digits_net")
    assert panel.datasets.set_dataset("digits")
    return document, panel


def train(qtbot, tab):
    with qtbot.waitSignal(tab.training_finished, timeout=FINISH_TIMEOUT) as finished:
        assert tab.start_training()
    return finished.args[0]


# ----- the Training aids box --------------------------------------------------------------------------------
def test_the_aids_start_off_and_their_widgets_give_the_runs_train_settings(qtbot):
    _, panel = digits_panel(qtbot)
    aids, hyper = panel.aids_box, panel.hyper_box
    defaults = TrainSettings()
    shown = hyper.settings()
    assert [getattr(shown, name) for name in aids.values()] == [getattr(defaults, name) for name in aids.values()]
    assert not aids.expanded and not aids.body.isVisible()
    assert aids.summary_label.text() == "None: constant rate, nothing added"

    aids.set_expanded(True)
    assert aids.body.isVisible() and not aids.form.isRowVisible(aids._step_row)   # step/gamma: step only
    with qtbot.waitSignal(panel.settings_changed) as announced:
        aids.schedule_combo.setCurrentIndex(aids.schedule_combo.findData("step"))
    assert announced.args[0].lr_schedule == "step" and aids.form.isRowVisible(aids._step_row)
    aids.step_spin.setValue(3)
    aids.gamma_spin.setValue(0.5)
    aids.warmup_spin.setValue(1)
    aids.decay_spin.lineEdit().setText("5e-4")        # typed as people write it
    aids.decay_spin.interpretText()
    aids.early_stopping_spin.setValue(4)
    aids.flip_check.setChecked(True)
    aids.shift_spin.setValue(2)
    aids.crop_spin.setValue(1)
    hyper.epochs_spin.setValue(12)
    settings = hyper.settings()
    assert settings == TrainSettings(epochs=12, learning_rate=defaults.lr, lr_schedule="step", lr_step=3,
                                     lr_gamma=0.5, warmup_epochs=1, weight_decay=5e-4, early_stopping=4,
                                     augment="crop:1,shift:2,flip")
    assert aids.summary() == ("rate × 0.5 every 3 epochs · warm-up 1 · weight decay 0.0005 · early stopping 4 "
                              "· augment crop:1,shift:2,flip")
    assert panel.check_design().ok and panel.can_train
    # The arrows of the decay box walk 1-2-5 per decade down to "off".
    aids.decay_spin.setValue(1e-5)
    aids.decay_spin.stepBy(-1)
    assert aids.decay_spin.value() == 0 and aids.decay_spin.text() == "off"
    aids.decay_spin.stepBy(1)
    assert aids.decay_spin.value() == pytest.approx(1e-5)
    # Every aid says what it does.
    for widget, words in ((aids.schedule_combo, "Cosine lowers"), (aids.step_spin, "epochs"), (aids.gamma_spin, "factor"),
                          (aids.warmup_spin, "linearly"), (aids.decay_spin, "AdamW"),
                          (aids.early_stopping_spin, "best epoch"), (aids.flip_check, "mirrored digit"),
                          (aids.shift_spin, "pixels"), (aids.crop_spin, "random crop"), (aids.color_spin, "RGB")):
        assert words in widget.toolTip(), widget.objectName()
    # While a run goes on the aids can't change (they are the running run's).
    aids.set_values(TrainSettings())
    hyper.epochs_spin.setValue(1)
    assert panel.start_training()
    assert not aids.isEnabled()
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT):
        pass
    assert aids.isEnabled()


@pytest.mark.parametrize("change, words", [
    (lambda aids, hyper: (hyper.epochs_spin.setValue(3), aids.warmup_spin.setValue(3)),
     "A warm-up of 3 epochs leaves none of the 3 epochs"),
    (lambda aids, hyper: (hyper.validation_spin.setValue(0), aids.early_stopping_spin.setValue(2)),
     "Early stopping (patience 2) watches the validation loss"),
    (lambda aids, hyper: aids.color_spin.setValue(20), "these images have 1 channel"),
])
def test_aids_that_cannot_work_keep_train_off_and_say_why(qtbot, change, words):
    _, panel = digits_panel(qtbot)
    change(panel.aids_box, panel.hyper_box)
    button = panel.run_controls.train_button
    assert not panel.can_train and not button.isEnabled() and not panel.start_training()
    assert words in panel.run_controls.status_label.text() and words in button.toolTip()
    panel.aids_box.set_values(TrainSettings())        # all off again: the reason goes with the problem
    assert button.isEnabled() and panel.run_controls.status_label.text() == ""


def test_the_memory_estimate_counts_the_best_weights_that_early_stopping_keeps(window):
    window.files.load_preset("digits_net")
    label = window.memory_status.label
    before = estimate_memory(window.document.summary, "train", 64, "adam")
    after = estimate_memory(window.document.summary, "train", 64, "adam", early_stopping=True)
    assert after.total == before.total + before.weights
    assert "best weights" not in label.toolTip()
    window.train_tab.aids_box.early_stopping_spin.setValue(3)
    assert "best weights: " in label.toolTip() and after.describe() in label.toolTip()


def test_the_essentials_stay_on_screen_at_1024_by_640_with_the_aids_open(window, qtbot):
    window.files.load_preset("lenet5")
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 640))
    tab = window.train_tab
    window.show_tab(tab)
    tab.aids_box.set_expanded(True)
    qtbot.waitUntil(tab.aids_box.body.isVisible)
    QApplication.processEvents()
    page = window.tabs.currentWidget()
    assert isinstance(page, QScrollArea) and not page.verticalScrollBar().isVisible()   # no outer scrolling
    column = tab.findChild(QScrollArea, "trainingSideScroll")
    assert column.verticalScrollBar().isVisible()          # the settings column scrolls as a whole
    for widget in (tab.run_controls.train_button, tab.result_box.test_label):
        assert widget.visibleRegion().boundingRect() == widget.rect(), widget.objectName()
    column.ensureWidgetVisible(tab.aids_box.color_spin)
    QApplication.processEvents()
    assert not tab.aids_box.color_spin.visibleRegion().isEmpty()


# ----- a window run is kept, plotted and shown --------------------------------------------------------------
def test_a_window_run_is_kept_plotted_with_its_rates_and_best_epoch_and_shown_in_the_runs_tab(
        window, qtbot, isolated_runs_folder):
    window.files.load_preset("digits_net")
    tab = window.train_tab
    window.show_tab(tab)
    assert not tab.plots_pane.plots.accuracy_plot.getAxis("right").isVisible()    # no run yet, no rate
    tab.hyper_box.epochs_spin.setValue(4)
    tab.hyper_box.lr_spin.setValue(0.01)
    tab.aids_box.schedule_combo.setCurrentIndex(tab.aids_box.schedule_combo.findData("cosine"))
    tab.aids_box.early_stopping_spin.setValue(2)
    with qtbot.waitSignal(tab.run_recorded, timeout=FINISH_TIMEOUT) as recorded:
        result = train(qtbot, tab)
    history = result.history
    assert result.status == "completed" and history.restored_best
    assert history.lr == [0.01 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)]

    # Kept in the runs folder with its settings, history, test result and weights.
    runs, notes = list_runs(isolated_runs_folder)
    assert notes == [] and [run.id for run in runs] == [recorded.args[0].id] == [result.run.id]
    run = runs[0]
    assert run.data["source"] == "window" and run.data["dataset"]["argument"] == "digits"
    assert run.settings["lr_schedule"] == "cosine" and run.settings["early_stopping"] == 2
    assert run.history["lr"] == history.lr and run.history["best_epoch"] == history.best_epoch
    assert run.test_accuracy == pytest.approx(result.test_accuracy)
    kept = Network.load(run.weights_path())                   # the tested weights: the best epoch's
    digits = load_dataset("digits")
    assert kept.evaluate(digits.x_test, digits.y_test)[1] == pytest.approx(result.test_accuracy)
    assert "kept in the Runs tab as " + run.id in tab.plots_pane.log_view.toPlainText()

    # The plots: the rate of each epoch on the accuracy plot's right axis, the best epoch marked.
    curves = tab.plots_pane.plots.current
    x, rates = curves.rate.getData()
    assert list(rates) == pytest.approx(history.lr) and list(x) == [0.5, 1.5, 2.5, 3.5, 4.5]   # epoch e: e ± ½
    assert tab.plots_pane.plots.accuracy_plot.getAxis("right").isVisible()
    assert tab.plots_pane.plots.accuracy_plot.getAxis("right").labelText == "learning rate (dashed)"
    tab.plots_pane.plots.clear_runs()                           # no run, no rate axis
    assert not tab.plots_pane.plots.accuracy_plot.getAxis("right").isVisible()
    assert curves.best_line.isVisible() and curves.best_line.value() == history.best_epoch
    assert curves.best_line.label.toPlainText() == f"best epoch {history.best_epoch}"
    ring_x, ring_y = curves.best_ring.getData()
    assert curves.best_ring.isVisible() and ring_y[0] == pytest.approx(history.val_loss[history.best_epoch - 1])

    # The Runs tab shows it, read from the same folder.
    window.show_tab(window.runs_tab)
    view = window.runs_tab.view
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 1)
    assert view.folder == isolated_runs_folder and view.run_id_at(0) == run.id
    assert view.proxy.index(0, COLUMN["test_accuracy"]).data() == f"{100 * run.test_accuracy:.1f}%"
    # A restart: the next window's Runs tab shows it too.
    from designer.main_window import MainWindow
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    again.show_tab(again.runs_tab)
    qtbot.waitUntil(lambda: again.runs_tab.view.proxy.rowCount() == 1)
    assert again.runs_tab.view.run_id_at(0) == run.id


def test_a_run_without_early_stopping_has_no_best_epoch_marker(qtbot):
    _, panel = digits_panel(qtbot)
    panel.hyper_box.epochs_spin.setValue(2)
    result = train(qtbot, panel)
    curves = panel.plots_pane.plots.current
    assert not result.history.restored_best and not curves.best_line.isVisible() and not curves.best_ring.isVisible()
    assert list(curves.rate.getData()[1]) == result.history.lr == [result.history.lr[0]] * 2


def test_a_runs_folder_that_cannot_take_the_run_is_a_line_in_the_log_not_a_failed_run(qtbot, tmp_path):
    from designer.document import DesignDocument
    from designer.training import TrainTab
    from engine import load_spec
    from engine.resources import preset_path
    from training_panels import OPEN_PANELS
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    panel = TrainTab(DesignDocument(load_spec(preset_path("digits_net"))), runs_folder=blocked)
    OPEN_PANELS.append(panel)
    qtbot.addWidget(panel)
    panel.hyper_box.epochs_spin.setValue(1)
    result = train(qtbot, panel)
    assert result.status == "completed" and result.has_test_result and result.run is None
    assert "cannot keep runs in" in result.record_problem
    assert "not kept in the Runs tab: cannot keep runs in" in panel.plots_pane.log_view.toPlainText()


# ----- a kept run comes back -------------------------------------------------------------------------------
@pytest.fixture
def cli_run(isolated_runs_folder):
    """One run recorded by the command line in the window's runs folder."""
    assert main(["train", "digits_net", "--dataset", "digits", "--epochs", "2", "--batch-size", "128"]) == 0
    runs, _ = list_runs(isolated_runs_folder)
    return runs[0]


def test_open_design_asks_to_save_changes_then_opens_the_runs_design(window, qtbot, dialogs, cli_run):
    window.files.load_preset("lenet5")
    window.document.remove_layer(0)                        # a change to save or not
    assert window.document.is_modified
    window.show_tab(window.runs_tab)
    view = window.runs_tab.view
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 1)
    view.select_runs([cli_run.id])
    dialogs.answer = CANCEL
    view.open_button.click()
    assert dialogs.prompts == 1 and window.document.spec.name.startswith("LeNet")      # cancelled: as it was
    dialogs.answer = DISCARD
    view.open_button.click()
    assert dialogs.prompts == 2
    assert window.document.spec.to_dict() == cli_run.design().to_dict()
    assert window.tabs.currentWidget() is window.design_tab and not window.document.is_modified
    assert window.statusBar().currentMessage() == f"Opened the design of run {cli_run.name}"


def test_load_weights_brings_a_kept_runs_weights_to_the_train_tab(window, qtbot, monkeypatch, cli_run):
    asked = []
    monkeypatch.setattr(WeightsFiles, "ask_replace_design", lambda self, network: asked.append(network) or True)
    window.files.load_preset("lenet5")                       # another design: the tab offers to take theirs
    window.show_tab(window.runs_tab)
    view = window.runs_tab.view
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 1)
    view.select_runs([cli_run.id])
    tab = window.train_tab
    with qtbot.waitSignal(tab.evaluation_finished, timeout=FINISH_TIMEOUT) as evaluated:
        view.weights_button.click()
    assert window.tabs.currentWidget() is not window.runs_tab and window.tabs.currentWidget().isAncestorOf(tab)
    assert len(asked) == 1 and window.document.spec.to_dict() == cli_run.design().to_dict()
    assert tab.weights.source == "loaded from weights-final.npz"
    assert evaluated.args[0].test_accuracy == pytest.approx(cli_run.test_accuracy)


def test_load_weights_waits_for_a_run_in_progress(qtbot, cli_run):
    _, panel = digits_panel(qtbot)
    panel.hyper_box.epochs_spin.setValue(50)
    assert panel.start_training()
    assert not panel.load_weights_file(cli_run.weights_path())
    assert "load the weights when it has ended" in panel.run_controls.status_label.text()
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT):
        panel.stop()
    assert panel.load_weights_file(cli_run.weights_path()) and panel.weights.source == "loaded from weights-final.npz"


# ----- the over-fitting lesson ------------------------------------------------------------------------------
def test_the_over_fitting_lesson_trains_on_a_thread_and_shows_its_runs_compared(window, qtbot, isolated_runs_folder):
    for seed in range(3):      # earlier runs: the lesson's come after them in the table
        assert main(["train", "digits_net", "--dataset", "digits", "--epochs", "1", "--batch-size", "256",
                     "--seed", str(seed)]) == 0
    earlier = {run.id for run in list_runs(isolated_runs_folder)[0]}
    window.resize(1024, 640)
    runs_tab = window.runs_tab
    progress = []
    runs_tab.lesson.progressed.connect(lambda fraction, text: progress.append((fraction, text)))
    action = window.findChild(QAction, "courseExample_overfitting")
    with qtbot.waitSignal(runs_tab.lesson.finished, timeout=FINISH_TIMEOUT) as finished:
        action.trigger()
        # The action returns at once: the tab is shown with the lesson's bar while the thread trains.
        assert window.tabs.currentWidget() is runs_tab and runs_tab.lesson.is_running
        assert runs_tab.lesson_bar.isVisible() and runs_tab.lesson_button.text() == "Stop"
    ids, problem = finished.args
    assert problem == ""
    runs = [run for run in list_runs(isolated_runs_folder)[0] if run.id not in earlier]
    assert [run.id for run in runs] == ids and [run.name for run in runs] == [name for name, _ in RUNS]
    assert {run.data["source"] for run in runs} == {"lesson"}
    # Progress came in while it ran (the event loop kept going), epoch by epoch, in order, to the end.
    fractions = [fraction for fraction, _ in progress]
    assert len(progress) > len(RUNS) * 5 and fractions == sorted(fractions) and fractions[-1] > 3 / 4   # in run 4
    assert progress[0][1].startswith("run 1 of 4: no aids")
    # The view shows the lesson's runs selected, their curves overlaid, and what to look at.
    view = runs_tab.view
    assert [run.id for run in view.selected_runs()] == ids and set(view.curves.items) == set(ids)
    viewport = view.table.viewport().rect()
    for run_id in (ids[0], ids[-1]):                          # scrolled to them
        row = view.proxy.mapFromSource(view.model.index(view.model.row_of(run_id), 0)).row()
        assert viewport.contains(view.table.visualRect(view.proxy.index(row, 0)).center())
    # What to look at, in the runs' own numbers.
    plain, best = runs[0], max(runs, key=lambda run: run.test_accuracy)
    reading = runs_tab.lesson_label.text()
    assert f"gets {100 * plain.epoch_value('train_accuracy'):.1f}% of its 120 training digits" in reading
    assert f"but {100 * plain.test_accuracy:.1f}% of the test digits" in reading
    assert (f"the best on the test digits is {best.name.split(': ')[1]} ({100 * best.test_accuracy:.1f}%)"
            in reading) != (best is plain)
    assert not runs_tab.lesson_progress.isVisible()
    assert ids[-1] in view.curves.best_markers                # early stopping's kept epoch is ringed
    assert window.statusBar().currentMessage().startswith("The over-fitting lesson recorded 4 runs")
    runs_tab.lesson_button.click()
    assert not runs_tab.lesson_bar.isVisible()


def test_the_lesson_stops_when_asked_and_the_window_closes_while_it_runs(window, qtbot, isolated_runs_folder):
    runs_tab = window.runs_tab
    with qtbot.waitSignal(runs_tab.lesson.finished, timeout=FINISH_TIMEOUT) as finished:
        assert runs_tab.start_lesson() and not runs_tab.start_lesson()     # one lesson at a time
        qtbot.waitUntil(lambda: runs_tab.lesson_progress.value() > 0, timeout=FINISH_TIMEOUT)
        runs_tab.lesson_button.click()
        assert not runs_tab.lesson_button.isEnabled()
    ids, problem = finished.args
    assert problem == "" and 1 <= len(ids) < len(RUNS)
    assert list_runs(isolated_runs_folder)[0][-1].data["status"] == "stopped"
    # Closing the window in the middle of a lesson stops it and joins its thread.
    assert runs_tab.start_lesson()
    qtbot.waitUntil(lambda: runs_tab.lesson_progress.value() > 0, timeout=FINISH_TIMEOUT)
    window.close()
    assert not runs_tab.lesson.is_running


def test_legend_labels_say_what_differs_and_name_the_run_without_aids():
    from engine.runs import Run
    from designer.runs.runs_curves import legend_labels

    def run(number, name="", **aids):
        settings = dict(TrainSettings(learning_rate=0.01, **aids).__dict__, lr=0.01)
        data = {"name": name, "design": {"name": "Digits net"}, "dataset": {"name": "digits"},
                "settings": settings, "created": f"2025-03-14T10:15:0{number}.000+00:00"}
        return Run(f"run-{number}", None, data)

    runs = [run(1), run(2, augment="shift:1"), run(3, early_stopping=3)]
    assert legend_labels(runs) == ["no aids", "augment shift:1", "early stopping 3"]
    assert legend_labels([run(1, weight_decay=0.1), run(2, weight_decay=0.1, augment="flip")]) == [
        "without augment flip", "augment flip"]
    # Alike in every way: the time each was recorded tells them apart.
    assert legend_labels([run(1), run(2)]) == ["no aids (10:15:01)", "no aids (10:15:02)"]
    assert legend_labels([run(1, name="baseline"), run(2)]) == ["baseline", "Digits net"]
