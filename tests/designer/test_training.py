"""The Train tab: a real training thread driven through the buttons (pytest-qt, offscreen).

QSettings isolation and never-blocking dialogs come from tests/designer/conftest.py.

Runs use the small digits net on the built-in digits (≈0.1 s an epoch), so the whole module stays
well under a minute on two cores; long runs are stopped or closed long before they would end.
"""
from __future__ import annotations

import gc
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from engine import load_spec
from engine.data import load_dataset
from engine.network import Network
from engine.optim import DEFAULT_LR
from engine.train import TrainSettings
from designer.document import DesignDocument
from designer.training import RunState, TrainTab, TrainingJob, TrainingWorker
from designer.training import worker as worker_module

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "resources" / "presets"
FINISH_TIMEOUT = 30_000
THREAD_WARNING = "Destroyed while thread"


PANELS: list = []


@pytest.fixture(autouse=True)
def no_thread_left_behind(qtbot):
    PANELS.clear()
    yield
    # Every test must end with its training thread joined (this runs before pytest-qt closes the
    # test's widgets).
    for panel in PANELS:
        assert panel.controller.thread is None and not panel.controller.is_active
    PANELS.clear()
    # Free the Python wrappers of closed widgets at once, on this (the GUI) thread.
    gc.collect()


def make_panel(qtbot, preset="digits_net.json", dataset="digits", epochs=None):
    document = DesignDocument(load_spec(PRESETS / preset))
    panel = TrainTab(document)
    PANELS.append(panel)
    qtbot.addWidget(panel)
    panel.resize(1200, 750)
    panel.show()
    assert panel.datasets.set_dataset(dataset)
    if epochs is not None:
        panel.hyper_box.epochs_spin.setValue(epochs)
    panel._test_document = document  # keep the document alive as long as the panel
    return document, panel


def click(qtbot, button):
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def finder(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def thread_warnings(qtlog):
    return [record.message for record in qtlog.records if THREAD_WARNING in record.message]


# ------------------------------------------------------------------------------------------ training

def test_object_names_are_findable(qtbot):
    import pyqtgraph as pg
    from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox

    _, panel = make_panel(qtbot)
    for cls, names in ((QComboBox, ("datasetCombo", "optimizerCombo")),
                       (QSpinBox, ("epochsSpin", "batchSizeSpin", "seedSpin")),
                       (QDoubleSpinBox, ("learningRateSpin", "validationSpin")),
                       (QPushButton, ("trainButton", "pauseButton", "stopButton", "useDatasetShapeButton",
                                      "clearRunsButton", "saveWeightsButton", "loadWeightsButton")),
                       (QProgressBar, ("trainingProgress",)),
                       (QPlainTextEdit, ("trainingLog",)),
                       (QLabel, ("testAccuracyLabel", "datasetInfoLabel", "trainingStatusLabel")),
                       (pg.PlotWidget, ("lossPlot", "accuracyPlot"))):
        for name in names:
            finder(panel, cls, name)
    assert panel.findChild(QPlainTextEdit, "trainingLog").isReadOnly()
    # Defaults, and tooltips on every hyperparameter.
    assert panel.hyper_box.epochs_spin.value() == 10 and panel.hyper_box.batch_spin.value() == 64
    hyper = panel.hyper_box
    assert hyper.optimizer_combo.currentData() == "adam" and hyper.lr_spin.value() == pytest.approx(0.001)
    for widget in (hyper.epochs_spin, hyper.batch_spin, hyper.lr_spin, hyper.optimizer_combo, hyper.validation_spin,
                   hyper.seed_spin):
        assert widget.toolTip()
    info = finder(panel, QLabel, "datasetInfoLabel").text()
    assert "8×8×1" in info and "1,437" in info and "10 classes" in info
    # Idle: only Train.
    assert panel.run_controls.train_button.isEnabled()
    assert not panel.run_controls.pause_button.isEnabled() and not panel.run_controls.stop_button.isEnabled()
    assert panel.weights.network is None and panel.datasets.dataset.name == "digits"


def test_the_tabs_settings_start_from_train_settings_and_are_announced_when_they_change(qtbot):
    _, panel = make_panel(qtbot)
    defaults = TrainSettings()
    shown = panel.hyper_box.settings()
    assert shown == TrainSettings(epochs=defaults.epochs, batch_size=defaults.batch_size,
                                  optimizer=defaults.optimizer, learning_rate=defaults.lr,
                                  validation_fraction=defaults.validation_fraction, seed=defaults.seed)
    assert TrainingJob(spec=panel.document.spec, dataset=panel.datasets.dataset).settings == defaults
    with qtbot.waitSignal(panel.settings_changed) as blocker:
        panel.hyper_box.batch_spin.setValue(16)
    assert blocker.args[0].batch_size == 16 and blocker.args[0].epochs == defaults.epochs
    with qtbot.waitSignal(panel.settings_changed) as blocker:
        panel.hyper_box.set_optimizer("sgd")
    assert (blocker.args[0].optimizer, blocker.args[0].lr) == ("sgd", DEFAULT_LR["sgd"])


def test_one_epoch_through_the_buttons_plots_every_iteration(qtbot):
    _, panel = make_panel(qtbot, epochs=1)
    updates = []
    panel.network_updated.connect(updates.append)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as blocker:
        click(qtbot, panel.run_controls.train_button)
        assert not panel.run_controls.train_button.isEnabled()
        assert panel.run_controls.pause_button.isEnabled() and panel.run_controls.stop_button.isEnabled()
        assert "edits apply to the next run" in panel.run_controls.copy_note.text()
    result = blocker.args[0]
    assert result.status == "completed"
    iterations = len(result.history.batch_loss)
    assert iterations >= 20
    x, y = panel.plots_pane.plots.current.raw.getData()
    assert len(x) >= iterations and len(y) >= iterations
    assert np.array_equal(x[:iterations], np.arange(1, iterations + 1))
    assert np.allclose(y[:iterations], result.history.batch_loss)
    sx, sy = panel.plots_pane.plots.current.smooth.getData()
    assert len(sy) == iterations and np.all(np.isfinite(sy))
    vx, _ = panel.plots_pane.plots.current.val_loss.getData()
    assert list(vx) == [iterations]  # validation loss sits where the epoch ends
    text = panel.findChild(type(panel.result_box.test_label), "testAccuracyLabel").text()
    assert re.fullmatch(r"Test accuracy: \d+\.\d % \(\d+ / 360\)", text), text
    assert panel.run_controls.progress.value() == panel.run_controls.progress.maximum() == iterations
    # Back to idle.
    assert panel.run_controls.train_button.isEnabled()
    assert not panel.run_controls.pause_button.isEnabled() and not panel.run_controls.stop_button.isEnabled()
    assert panel.controller.thread is None
    assert "epoch 1/1" in panel.plots_pane.log_view.toPlainText()
    # network_updated: a snapshot after the epoch, then the final network; panel.weights.network is the last.
    assert len(updates) == 2 and all(isinstance(n, Network) for n in updates)
    assert updates[-1] is panel.weights.network
    assert updates[0] is not updates[1]

    # A second run fades the first; Clear runs removes the curves.
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT):
        click(qtbot, panel.run_controls.train_button)
    assert len(panel.plots_pane.plots.earlier_runs) == 1 and len(panel.plots_pane.plots.runs) == 2
    click(qtbot, panel.plots_pane.clear_button)
    assert panel.plots_pane.plots.runs == [] and panel.plots_pane.plots.current is None
    items = panel.plots_pane.loss_plot.getPlotItem().listDataItems()
    assert not [item for item in items if len(item.getData()[0] or [])]


def test_a_few_epochs_reach_90_percent_then_save_and_load(qtbot, tmp_path):
    document, panel = make_panel(qtbot, epochs=8)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as blocker:
        click(qtbot, panel.run_controls.train_button)
    result = blocker.args[0]
    assert result.status == "completed" and result.history.epochs_completed == 8
    assert result.test_accuracy >= 0.90, result.test_accuracy
    assert f"{100 * result.test_accuracy:.1f} %" in panel.result_box.test_label.text()
    epochs, acc = panel.plots_pane.plots.current.train_acc.getData()
    assert list(epochs) == list(range(1, 9)) and np.all((acc >= 0) & (acc <= 100))
    assert len(panel.plots_pane.plots.current.val_acc.getData()[0]) == 8
    assert panel.plots_pane.log_view.toPlainText().count("val acc") == 8

    # Save weights: the .npz holds the spec; loading gives the same accuracy.
    path = tmp_path / "digits_run.npz"
    assert panel.weights.save_weights(path)
    loaded = Network.load(path)
    assert loaded.spec.to_dict() == document.spec.to_dict()

    # Loading weights of the same design evaluates them (in the thread) and offers to continue.
    with qtbot.waitSignal(panel.evaluation_finished, timeout=FINISH_TIMEOUT) as blocker:
        assert panel.weights.load_weights(path)
    assert blocker.args[0].test_accuracy == pytest.approx(result.test_accuracy)
    assert panel.weights_box.continue_check.isEnabled() and panel.weights_box.continue_check.isChecked()

    # Weights whose design differs: the panel asks (cancel changes nothing) ...
    document.load(load_spec(PRESETS / "lenet5.json"))
    assert not panel.weights_box.continue_check.isEnabled()
    asked = []
    panel.weights.ask_replace_design = lambda network: asked.append(network.spec.name)  # → None: cancel
    assert not panel.weights.load_weights(path)
    assert asked == [loaded.spec.name] and tuple(document.spec.input.shape) == (32, 32, 3)
    # ... replace the design (undoable) ...
    with qtbot.waitSignal(panel.evaluation_finished, timeout=FINISH_TIMEOUT):
        assert panel.weights.load_weights(path, replace_design=True)
    assert document.spec.to_dict() == loaded.spec.to_dict()
    assert document.undo_stack.canUndo()
    document.undo_stack.undo()
    assert tuple(document.spec.input.shape) == (32, 32, 3)
    # ... or keep it and only evaluate the loaded network.
    with qtbot.waitSignal(panel.evaluation_finished, timeout=FINISH_TIMEOUT) as blocker:
        assert panel.weights.load_weights(path, replace_design=False)
    assert tuple(document.spec.input.shape) == (32, 32, 3)
    assert blocker.args[0].test_accuracy == pytest.approx(result.test_accuracy)
    accuracy = panel.result_box.test_label.text()
    assert "Test accuracy:" in accuracy and "—" not in accuracy
    assert not panel.weights_box.continue_check.isEnabled()


def test_continue_training_starts_from_the_current_weights(qtbot):
    _, panel = make_panel(qtbot, epochs=2)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as first:
        click(qtbot, panel.run_controls.train_button)
    panel.weights_box.continue_check.setChecked(True)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as second:
        click(qtbot, panel.run_controls.train_button)
    # Continuing: the second run starts where the first ended, well below a fresh start's loss.
    assert second.args[0].history.batch_loss[0] < 0.8 * first.args[0].history.batch_loss[0]


# ------------------------------------------------------------------------------------ pause and stop

def test_stop_ends_the_run_within_a_second(qtbot):
    document, panel = make_panel(qtbot, epochs=500)
    click(qtbot, panel.run_controls.train_button)
    qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 30, timeout=FINISH_TIMEOUT)
    # Edits during training leave the running copy alone, and the panel says so.
    document.remove_layer(document.layer_count - 1)
    assert "edits apply to the next run" in panel.run_controls.copy_note.text()
    assert "changed" in panel.run_controls.copy_note.text()
    assert panel.controller.is_active
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as blocker:
        started = time.perf_counter()
        click(qtbot, panel.run_controls.stop_button)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed
    result = blocker.args[0]
    assert result.status == "stopped"
    assert len(result.network.spec.layers) == 6  # trained on the copy taken at Start
    assert panel.weights.network is result.network
    assert result.has_test_result  # stopped weights are measured too
    # The edited design (no output layer now) can't train: Train stays disabled, with a message.
    assert not panel.run_controls.train_button.isEnabled()
    assert "last layer" in panel.dataset_box.fit_label.text()
    assert not panel.run_controls.stop_button.isEnabled() and not panel.run_controls.pause_button.isEnabled()


def test_pause_holds_the_batch_count_and_resume_finishes(qtbot):
    _, panel = make_panel(qtbot, epochs=25)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as finished:
        click(qtbot, panel.run_controls.train_button)
        qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 20, timeout=FINISH_TIMEOUT)
        with qtbot.waitSignal(panel.training_paused, timeout=5000):
            click(qtbot, panel.run_controls.pause_button)
        assert panel.run_controls.pause_button.text() == "Resume" and (panel.controller.state is RunState.PAUSED)
        assert "Paused" in panel.run_controls.status_label.text()
        held = panel.run_controls.progress.value()
        assert 0 < held < panel.run_controls.progress.maximum()
        qtbot.wait(300)
        assert panel.run_controls.progress.value() == held
        assert panel.run_controls.stop_button.isEnabled() and not panel.run_controls.train_button.isEnabled()
        with qtbot.waitSignal(panel.training_resumed, timeout=5000):
            click(qtbot, panel.run_controls.pause_button)
        assert panel.run_controls.pause_button.text() == "Pause"
    result = finished.args[0]
    assert result.status == "completed" and result.history.epochs_completed == 25
    assert panel.run_controls.progress.value() == panel.run_controls.progress.maximum() > held


def test_stop_while_paused(qtbot):
    _, panel = make_panel(qtbot, epochs=500)
    click(qtbot, panel.run_controls.train_button)
    qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 5, timeout=FINISH_TIMEOUT)
    with qtbot.waitSignal(panel.training_paused, timeout=5000):
        click(qtbot, panel.run_controls.pause_button)
    with qtbot.waitSignal(panel.training_finished, timeout=5000) as blocker:
        click(qtbot, panel.run_controls.stop_button)
    assert blocker.args[0].status == "stopped"
    assert panel.run_controls.train_button.isEnabled()


# ------------------------------------------------------------------------------------- divergence

def test_a_huge_learning_rate_diverges_with_a_message(qtbot, tmp_path):
    _, panel = make_panel(qtbot, epochs=3)
    panel.hyper_box.set_optimizer("sgd")
    assert panel.hyper_box.lr_spin.value() == pytest.approx(0.05)  # the SGD default replaced Adam's
    panel.hyper_box.lr_spin.setValue(1e6)
    assert panel.hyper_box.lr_spin.value() == pytest.approx(1e6)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as blocker:
        click(qtbot, panel.run_controls.train_button)
    result = blocker.args[0]
    assert result.status == "diverged" and result.history.diverged
    status = panel.run_controls.status_label.text()
    assert "diverged" in status and "learning rate" in status
    assert "diverged" in panel.plots_pane.log_view.toPlainText()
    assert panel.run_controls.train_button.isEnabled()
    # The last good weights stay usable.
    assert panel.weights.network is not None
    assert all(np.all(np.isfinite(w)) for w in panel.weights.network.params.values())
    assert panel.weights_box.save_button.isEnabled()
    path = tmp_path / "last_good.npz"
    assert panel.weights.save_weights(path) and Network.load(path).num_params == panel.weights.network.num_params


def test_optimizer_switch_swaps_the_default_learning_rate(qtbot):
    _, panel = make_panel(qtbot)
    panel.hyper_box.set_optimizer("momentum")
    assert panel.hyper_box.lr_spin.value() == pytest.approx(0.05)
    panel.hyper_box.set_optimizer("adam")
    assert panel.hyper_box.lr_spin.value() == pytest.approx(0.001)
    panel.hyper_box.lr_spin.setValue(0.01)
    panel.hyper_box.set_optimizer("sgd")
    assert panel.hyper_box.lr_spin.value() == pytest.approx(0.01)  # a chosen rate is kept
    # The 1-2-5 steps and typed scientific notation.
    panel.hyper_box.lr_spin.setValue(0.001)
    panel.hyper_box.lr_spin.stepBy(1)
    assert panel.hyper_box.lr_spin.value() == pytest.approx(0.002)
    panel.hyper_box.lr_spin.stepBy(-2)
    assert panel.hyper_box.lr_spin.value() == pytest.approx(0.0005)
    assert panel.hyper_box.lr_spin.valueFromText("3e-4") == pytest.approx(3e-4)
    assert panel.hyper_box.lr_spin.textFromValue(1e-5) == "1e-05"


def test_an_exception_in_the_worker_becomes_a_message(qtbot, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("boom in the engine")

    monkeypatch.setattr(worker_module.Trainer, "fit", boom)
    _, panel = make_panel(qtbot, epochs=1)
    with qtbot.waitSignal(panel.training_failed, timeout=FINISH_TIMEOUT) as failed, \
            qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as finished:
        click(qtbot, panel.run_controls.train_button)
    assert "boom in the engine" in failed.args[0]
    assert finished.args[0].status == "failed"
    assert "boom in the engine" in panel.run_controls.status_label.text()
    assert "RuntimeError" in panel.run_controls.status_label.toolTip()  # the traceback
    assert panel.run_controls.train_button.isEnabled() and panel.controller.thread is None


# ------------------------------------------------------------------------------- design and dataset

def test_class_mismatch_disables_train_with_a_message(qtbot):
    _, panel = make_panel(qtbot, preset="lenet5.json", dataset="shapes")
    assert panel.datasets.dataset.num_classes == 4
    assert not panel.run_controls.train_button.isEnabled()
    assert not panel.can_train
    message = panel.dataset_box.fit_label.text()
    assert "4 classes" in message and "10" in message and "Softmax" in message
    assert not panel.dataset_box.use_shape_button.isVisible()  # 32×32×3 already
    assert not panel.start_training()
    assert panel.run_controls.train_button.toolTip().startswith("Can't train")


def test_use_dataset_classes_sets_the_softmax_units_and_is_undoable(qtbot):
    document, panel = make_panel(qtbot, preset="lenet5.json", dataset="shapes")
    button = panel.dataset_box.use_classes_button
    assert button.objectName() == "useDatasetClassesButton"
    assert button.isVisible() and button.text() == "Use dataset's classes (4)"
    click(qtbot, button)
    assert document.spec.layers[-1].units == 4
    assert panel.run_controls.train_button.isEnabled() and not button.isVisible()
    assert "The design fits" in panel.dataset_box.fit_label.text()
    document.undo_stack.undo()
    assert document.spec.layers[-1].units == 10
    assert button.isVisible() and not panel.run_controls.train_button.isEnabled()


def test_use_dataset_shape_sets_the_input_and_is_undoable(qtbot):
    document, panel = make_panel(qtbot, preset="digits_net.json", dataset="shapes")
    assert panel.dataset_box.use_shape_button.isVisible() and panel.dataset_box.use_shape_button.isEnabled()
    assert "32×32×3" in panel.dataset_box.fit_label.text()
    assert not panel.run_controls.train_button.isEnabled()
    click(qtbot, panel.dataset_box.use_shape_button)
    assert tuple(document.spec.input.shape) == (32, 32, 3)
    assert not panel.dataset_box.use_shape_button.isVisible()
    document.undo_stack.undo()
    assert tuple(document.spec.input.shape) == (8, 8, 1)
    assert panel.dataset_box.use_shape_button.isVisible()


def test_a_design_error_disables_train(qtbot):
    document, panel = make_panel(qtbot)
    assert panel.run_controls.train_button.isEnabled()
    document.set_field(0, "padding", "valid")
    document.set_field(0, "size", 9)  # a 9×9 filter on the 8×8 input, no padding
    assert not panel.run_controls.train_button.isEnabled()
    assert "error" in panel.dataset_box.fit_label.text()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert panel.run_controls.train_button.isEnabled()


def test_opening_a_bad_dataset_file_keeps_the_current_one(qtbot, tmp_path):
    _, panel = make_panel(qtbot)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    # Files are read in a thread: open_dataset starts the read, dataset_load_finished ends it.
    with qtbot.waitSignal(panel.dataset_load_finished, timeout=FINISH_TIMEOUT) as ended:
        assert panel.datasets.open_dataset(bad)
    assert ended.args[0] is False and "bad.npz" in ended.args[1]
    assert panel.datasets.dataset.name == "digits"
    assert "Could not open" in panel.dataset_box.dataset_info.text()
    assert "\n" not in panel.dataset_box.dataset_info.text()          # one line
    # A good file appears in the chooser.
    from engine.data import save_dataset_npz
    good = tmp_path / "mini.npz"
    save_dataset_npz(load_dataset("digits"), good)
    with qtbot.waitSignal(panel.dataset_load_finished, timeout=FINISH_TIMEOUT) as ended:
        assert panel.datasets.open_dataset(good)
    assert ended.args == [True, ""]
    assert panel.datasets.dataset.name == "mini" and "mini.npz" in panel.dataset_box.dataset_combo.currentText()
    assert panel.run_controls.train_button.isEnabled()


# ------------------------------------------------------------------------------------ clean closing

def test_shutdown_mid_run_joins_the_thread_and_reports_the_run(qtbot, qtlog):
    _, panel = make_panel(qtbot, epochs=500)
    click(qtbot, panel.run_controls.train_button)
    qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 10, timeout=FINISH_TIMEOUT)
    thread = panel.controller.thread
    assert thread is not None and thread.isRunning()
    finished = []
    panel.training_finished.connect(finished.append)
    started = time.perf_counter()
    assert panel.shutdown()
    assert time.perf_counter() - started < 2.0
    assert thread.isFinished() and not thread.isRunning()
    assert not panel.controller.is_active and panel.controller.thread is None
    # The stopped run ended as any run does, inside shutdown(): its weights are kept.
    assert [r.status for r in finished] == ["stopped"] and panel.weights.network is finished[0].network
    assert panel.controller.state is RunState.FINISHED and panel.run_controls.train_button.isEnabled()
    qtbot.wait(50)  # nothing for the finished run arrives later
    assert len(finished) == 1
    assert thread_warnings(qtlog) == []


def test_a_shutdown_that_times_out_shows_stopping_then_the_end(qtbot, monkeypatch):
    import threading
    from engine.train import History
    release = threading.Event()

    def long_batch(self, dataset, epochs=5, on_batch=None, on_epoch=None, should_stop=None):
        release.wait(30)  # one very long batch: the stop request is seen after it
        history = History()
        history.stopped, history.message = should_stop(), "stopped during epoch 1"
        return history

    monkeypatch.setattr(worker_module.Trainer, "fit", long_batch)
    _, panel = make_panel(qtbot, epochs=1)
    click(qtbot, panel.run_controls.train_button)
    assert not panel.shutdown(timeout_ms=50)
    # Honest: still stopping, no request buttons, no second run.
    assert panel.controller.state is RunState.STOPPING and panel.controller.is_active
    assert not panel.run_controls.pause_button.isEnabled() and not panel.run_controls.stop_button.isEnabled()
    assert not panel.run_controls.train_button.isEnabled() and "Stopping" in panel.run_controls.status_label.text()
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as finished:
        release.set()
    assert finished.args[0].status == "stopped"
    assert panel.controller.state is RunState.FINISHED and panel.controller.thread is None
    assert panel.run_controls.train_button.isEnabled() and panel.weights_box.load_button.isEnabled()


def test_closing_the_main_window_mid_run_is_clean(qtbot, qtlog, window):
    # `window`: the real MainWindow (tests/designer/conftest.py); its closeEvent is the one shutdown path.
    window.document.load(load_spec(PRESETS / "digits_net.json"))
    panel = window.train_tab
    panel.hyper_box.epochs_spin.setValue(500)
    click(qtbot, panel.run_controls.train_button)
    qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 10, timeout=FINISH_TIMEOUT)
    thread = panel.controller.thread
    window.document.undo_stack.setClean()
    assert window.close()
    assert thread.isFinished()  # joined inside closeEvent
    assert not panel.controller.is_active and panel.controller.thread is None
    assert thread_warnings(qtlog) == []


def test_a_main_window_that_calls_shutdown_in_close_event(qtbot, qtlog):
    document = DesignDocument(load_spec(PRESETS / "digits_net.json"))

    class Window(QMainWindow):
        def closeEvent(self, event):
            panel.shutdown()
            super().closeEvent(event)

    window = Window()
    qtbot.addWidget(window)
    panel = TrainTab(document)
    window.setCentralWidget(panel)
    window.show()
    panel.hyper_box.epochs_spin.setValue(500)
    click(qtbot, panel.run_controls.train_button)
    qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 10, timeout=FINISH_TIMEOUT)
    thread = panel.controller.thread
    window.close()
    assert thread.isFinished()
    assert panel.shutdown()  # again: harmless
    assert thread_warnings(qtlog) == []


# ------------------------------------------------------------------------------------ the worker

def test_worker_throttles_batch_progress_but_sends_every_epoch_end(qtbot):
    spec = load_spec(PRESETS / "digits_net.json")
    dataset = load_dataset("digits")
    job = TrainingJob(spec=spec.copy(), dataset=dataset, settings=TrainSettings(epochs=3, batch_size=8),
                      emit_interval=0.05)
    worker = TrainingWorker(job)
    batches, epochs, finished = [], [], []
    worker.batchProgress.connect(batches.append)
    worker.epochDone.connect(lambda e: epochs.append((len(batches), e)))
    worker.finished.connect(finished.append)
    started = time.perf_counter()
    worker.run()  # on this thread: the signals arrive directly
    seconds = time.perf_counter() - started
    result = finished[0]
    iterations = len(result.history.batch_loss)
    assert iterations == 3 * math.ceil(round(0.9 * len(dataset.y_train)) / 8)
    # Every loss arrives exactly once, in order.
    losses = np.concatenate([b.losses for b in batches])
    assert np.allclose(losses, result.history.batch_loss)
    assert [b.first_iteration for b in batches[1:]] == [b.iteration + 1 for b in batches[:-1]]
    # Far fewer signals than batches: ~20 a second plus one per epoch end.
    assert len(batches) <= seconds / 0.05 + 3 + 2
    assert len(batches) < iterations / 3
    # The batch signal just before each epoch signal is that epoch's last batch.
    for count, progress in epochs:
        last = batches[count - 1]
        assert last.batch == last.batches_per_epoch and last.epoch == progress.info.epoch
        assert progress.iteration == last.iteration
        assert isinstance(progress.network, Network)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_worker_lets_keyboard_interrupt_and_system_exit_through(qtbot, monkeypatch, interrupt):
    def interrupted(self, *args, **kwargs):
        raise interrupt()

    monkeypatch.setattr(worker_module.Trainer, "fit", interrupted)
    job = TrainingJob(spec=load_spec(PRESETS / "digits_net.json"), dataset=load_dataset("digits"),
                      settings=TrainSettings(epochs=1))
    worker = TrainingWorker(job)
    reports = []
    worker.failed.connect(lambda message, details: reports.append(message))
    worker.finished.connect(reports.append)
    with pytest.raises(interrupt):
        worker.run()
    assert reports == []  # not turned into a "failed" run


def test_continuing_uses_the_seed_box_for_the_dropout_masks(qtbot):
    spec_doc = load_spec(PRESETS / "digits_net.json").to_dict()
    spec_doc["layers"].insert(4, {"type": "dropout", "rate": 0.5})
    spec = type(load_spec(PRESETS / "digits_net.json")).from_dict(spec_doc)
    dataset = load_dataset("digits")
    start = Network.from_spec(spec, seed=1)

    def continued(dropout_state_seed, job_seed):
        net = start.copy()
        net.reseed_dropout(dropout_state_seed)  # whatever stream the copy happened to carry
        job = TrainingJob(spec=spec.copy(), dataset=dataset, settings=TrainSettings(epochs=1, seed=job_seed),
                          initial_network=net)
        results = []
        worker = TrainingWorker(job)
        worker.finished.connect(results.append)
        worker.run()
        return np.asarray(results[0].history.batch_loss)

    # The same Seed box gives the same run, whatever the copied network's dropout stream was ...
    assert np.array_equal(continued(11, job_seed=5), continued(999, job_seed=5))


def test_load_weights_shows_the_engines_message_for_a_damaged_file(qtbot, tmp_path):
    from engine.spec import SpecError
    _, panel = make_panel(qtbot)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SpecError) as engine_error:
        Network.load(damaged)
    assert not panel.weights.load_weights(damaged)
    assert str(engine_error.value) in panel.run_controls.status_label.text()
    assert panel.run_controls.status_label.text().startswith("Could not load the weights")
    assert panel.weights.network is None and panel.run_controls.train_button.isEnabled()


def test_load_weights_catches_only_spec_and_os_errors(qtbot, tmp_path, monkeypatch):
    _, panel = make_panel(qtbot)

    def broken(path):
        raise ValueError("a bug, not a damaged file")

    monkeypatch.setattr(Network, "load", staticmethod(broken))
    with pytest.raises(ValueError):
        panel.weights.load_weights(tmp_path / "any.npz")
