"""Issues 12 and 15 on the Train tab: the memory guard at Start, the one-click softmax output, a design
that can't take the dataset's images, wild learning rates, the optimizer's usual rate, the diverged
message, paused status vs progress bar, and Train + test accuracy on screen at 1024×640 (pytest-qt)."""
from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from engine.memory import estimate_memory
from engine.optim import DEFAULT_LR
from engine.sysmem import ENV_LIMIT
from engine.train import History

from designer.training import TrainingResult
from designer.training.outcome import run_warning
from training_panels import make_panel as open_panel

FINISH_TIMEOUT = 30_000


def make_panel(qtbot, preset="digits_net", dataset="digits"):
    document, panel = open_panel(qtbot, preset)
    assert panel.datasets.set_dataset(dataset)
    return document, panel


def click(qtbot, button):
    assert button.isEnabled() and button.isVisible(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def train(qtbot, panel):
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as finished:
        click(qtbot, panel.run_controls.train_button)
    return finished.args[0]


# ----- issue 12: the memory guard at Start ---------------------------------------------------------------
def test_a_design_that_cannot_fit_in_memory_disables_train_with_the_guards_message(qtbot, monkeypatch):
    monkeypatch.setenv(ENV_LIMIT, "10M")
    document, panel = make_panel(qtbot, "lenet5", "shapes")
    click(qtbot, panel.dataset_box.use_classes_button)
    need = estimate_memory(document.summary, "train", 64, "adam")
    assert need.total > 10e6
    assert not panel.run_controls.train_button.isEnabled() and not panel.start_training()
    status = panel.run_controls.status_label.text()
    assert status.startswith(f"The design {need.describe()}; 10 MB is available") and status.count("\n") == 0
    assert status in panel.run_controls.train_button.toolTip() and status in panel.dataset_box.fit_label.text()
    # A batch size that fits lifts it at once, and the message goes.
    panel.hyper_box.batch_spin.setValue(1)
    assert panel.run_controls.train_button.isEnabled() and panel.run_controls.status_label.text() == ""
    # So does the optimizer: SGD keeps no moments, Adam two per weight. A limit between the two:
    sgd = estimate_memory(document.summary, "train", 8, "sgd").total
    adam = estimate_memory(document.summary, "train", 8, "adam").total
    monkeypatch.setenv(ENV_LIMIT, str((sgd + adam) // 2))
    panel.hyper_box.batch_spin.setValue(8)
    assert not panel.run_controls.train_button.isEnabled()
    assert "to train with Adam at batch 8" in panel.run_controls.status_label.text()
    panel.hyper_box.set_optimizer("sgd")
    assert panel.run_controls.train_button.isEnabled() and panel.run_controls.status_label.text() == ""


# ----- issue 15: rough edges -----------------------------------------------------------------------------
def test_a_relu_last_fc_layer_gets_a_one_click_softmax_output_fix(qtbot):
    document, panel = make_panel(qtbot, "digits_net", "shapes")
    panel.datasets.set_dataset("digits")
    document.remove_layer(len(document.spec.layers) - 1)         # ends in FC3: 64 units, relu
    assert document.spec.layers[-1].activation == "relu"
    assert not panel.run_controls.train_button.isEnabled()
    assert "FC3: the last layer must be" in panel.dataset_box.fit_label.text()
    button = panel.dataset_box.use_output_button
    assert button.text() == "Make FC3 the softmax output (10 classes)"
    click(qtbot, button)
    last = document.spec.layers[-1]
    assert (last.name, last.activation, last.units) == ("FC3", "softmax", 10)
    assert panel.run_controls.train_button.isEnabled() and not button.isVisible()
    document.undo_stack.undo()                                     # one edit, one undo
    assert document.spec.layers[-1].activation == "relu" and button.isVisible()
    # k is the dataset's class count.
    panel.datasets.set_dataset("shapes")
    panel.fixes.use_dataset_shape()
    assert button.text() == "Make FC3 the softmax output (4 classes)"


def test_lenet5_on_digits_says_it_cannot_take_8x8_and_opens_the_digits_net(window, qtbot):
    window.files.load_preset("lenet5")
    panel = window.train_tab
    panel.datasets.set_dataset("digits")
    assert not panel.dataset_box.use_shape_button.isVisible()                 # it would only break CONV2
    text = panel.dataset_box.fit_label.text()
    assert "can't take 8×8×1 images" in text and "CONV2" in text and "Digits net (8×8×1) preset" in text
    button = panel.dataset_box.open_preset_button
    assert button.text() == "Open the Digits net preset"
    window.show_tab(panel)
    qtbot.waitUntil(button.isVisible)
    with qtbot.waitSignal(panel.preset_requested) as asked:
        click(qtbot, button)
    assert asked.args == ["digits_net"]
    spec = window.document.spec
    assert tuple(spec.input.shape) == (8, 8, 1) and spec.name == "Digits net (8×8×1)"
    assert panel.run_controls.train_button.isEnabled() and not button.isVisible()


def test_a_wild_learning_rate_is_a_warning_not_a_green_finish(qtbot):
    _, panel = make_panel(qtbot)
    panel.hyper_box.epochs_spin.setValue(2)
    panel.hyper_box.lr_spin.setValue(1e5)                                  # Adam at 100,000
    result = train(qtbot, panel)
    assert result.status == "completed"
    status = panel.run_controls.status_label.text()
    assert status.startswith("⚠ Run 1 finished") and "didn't learn" in status
    assert re.search(r"the loss grew from 2\.61 to \d", status)
    assert "is chance for 10 classes" in status
    assert "learning rate 100000 is probably too large; Adam usually uses 0.001" in status
    assert "1b6e20" not in panel.run_controls.status_label.styleSheet()        # not the green of a good run
    assert "didn't learn" in panel.run_controls.progress.format()
    assert "warning: The network didn't learn" in panel.plots_pane.log_view.toPlainText()
    # A sensible rate: the usual green finish, no warning.
    panel.hyper_box.reset_learning_rate()
    assert panel.hyper_box.lr_spin.value() == DEFAULT_LR["adam"]
    train(qtbot, panel)
    status = panel.run_controls.status_label
    assert status.text().startswith("Run 2 finished") and "1b6e20" in status.styleSheet()


def result_with(batch_loss, train_loss, train_accuracy, test_accuracy, status="completed"):
    history = History(batch_loss=list(batch_loss), train_loss=list(train_loss),
                      train_accuracy=list(train_accuracy), val_accuracy=[], epochs_completed=len(train_loss))
    return TrainingResult(1, status, history=history, test_accuracy=test_accuracy, test_count=100,
                          test_correct=int(test_accuracy * 100))


def test_run_warning_rules():
    healthy = result_with([2.3, 1.0, 0.5], [1.2, 0.5], [0.5, 0.9], 0.88)
    assert run_warning(healthy, 10) is None
    exploded = result_with([2.3, 1e9, 3e24], [1e9, 3e24], [0.5, 0.6], 0.5)
    assert run_warning(exploded, 10) == "The network didn't learn: the loss grew from 2.3 to 3e+24."
    non_finite = result_with([2.3, 2.0], [math.inf], [0.5], 0.5)
    assert "the loss became non-finite" in run_warning(non_finite, 10)
    stuck = result_with([2.3, 2.3, 2.3], [2.3, 2.3], [0.1, 0.11], 0.115)
    assert run_warning(stuck, 10, 5.0, "SGD", 0.05) == (
        "The network didn't learn: the test accuracy 11.5 % is chance for 10 classes. "
        "The learning rate 5 is probably too large; SGD usually uses 0.05.")
    # A short run that learns the training images isn't "at chance" for a small test set.
    learning = result_with([1.4, 1.3], [1.35], [0.47], 0.23)
    assert run_warning(learning, 4) is None
    assert run_warning(result_with([2.3, 3e24], [3e24], [0.1], 0.1, status="diverged"), 10) is None


def test_the_optimizer_resets_the_rate_to_its_usual_unless_the_user_chose_one(qtbot):
    from engine.cli import train as cli_train
    assert cli_train.DEFAULT_LR is DEFAULT_LR                     # one home for both
    _, panel = make_panel(qtbot)
    box = panel.hyper_box
    assert panel.hyper_box.lr_spin.value() == DEFAULT_LR["adam"] and not box.learning_rate_on_purpose
    panel.hyper_box.set_optimizer("sgd")
    assert panel.hyper_box.lr_spin.value() == DEFAULT_LR["sgd"]
    panel.hyper_box.lr_spin.setValue(100_000)                               # chosen on purpose
    assert box.learning_rate_on_purpose
    panel.hyper_box.set_optimizer("adam")
    assert panel.hyper_box.lr_spin.value() == 100_000
    box.reset_learning_rate()
    assert panel.hyper_box.lr_spin.value() == DEFAULT_LR["adam"] and not box.learning_rate_on_purpose
    panel.hyper_box.set_optimizer("momentum")
    assert panel.hyper_box.lr_spin.value() == DEFAULT_LR["momentum"]


def test_the_nan_stop_says_training_diverged_once(qtbot):
    _, panel = make_panel(qtbot)
    panel.hyper_box.epochs_spin.setValue(3)
    panel.hyper_box.set_optimizer("sgd")
    panel.hyper_box.lr_spin.setValue(1e6)
    result = train(qtbot, panel)
    assert result.status == "diverged"
    status = panel.run_controls.status_label.text()
    assert status.lower().count("diverged") == 1 and "learning rate" in status
    result_line, kept_line = panel.plots_pane.log_view.toPlainText().strip().splitlines()[-2:]
    assert result_line.startswith("run 1: ") and result_line.lower().count("diverged") == 1
    assert kept_line.startswith("   kept in the Runs tab as ")      # a diverged run is kept too


def test_paused_status_and_progress_bar_say_the_same_place(qtbot):
    _, panel = make_panel(qtbot)
    panel.hyper_box.epochs_spin.setValue(500)
    click(qtbot, panel.run_controls.train_button)
    qtbot.waitUntil(lambda: panel.run_controls.progress.value() >= 30, timeout=FINISH_TIMEOUT)
    with qtbot.waitSignal(panel.training_paused, timeout=FINISH_TIMEOUT):
        click(qtbot, panel.run_controls.pause_button)
    place = re.compile(r"epoch (\d+) / 500, iteration (\d+) / (\d+)")
    status = place.search(panel.run_controls.status_label.text())
    bar = place.search(panel.run_controls.progress.format().lower())
    assert status and bar and status.groups() == bar.groups(), (panel.run_controls.status_label.text(),
                                                                panel.run_controls.progress.format())
    epoch, iteration, total = map(int, status.groups())
    per_epoch = total // 500
    assert panel.run_controls.progress.value() == iteration and epoch == -(-iteration // per_epoch)
    assert panel.run_controls.progress.format().endswith("· paused")
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT):
        click(qtbot, panel.run_controls.stop_button)


def test_train_and_test_accuracy_are_on_screen_at_1024_by_640(window, qtbot):
    window.files.load_preset("lenet5")
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 640))
    panel = window.train_tab
    window.show_tab(panel)
    page = window.tabs.currentWidget()
    qtbot.waitUntil(panel.run_controls.train_button.isVisible)
    QApplication.processEvents()
    assert isinstance(page, QScrollArea) and not page.verticalScrollBar().isVisible()   # no outer scrolling
    window_rect = window.rect()
    for widget in (panel.run_controls.train_button, panel.result_box.test_label, panel.run_controls.progress):
        assert widget.visibleRegion().boundingRect() == widget.rect(), widget.objectName()   # wholly shown
        top_left = widget.mapTo(window, widget.rect().topLeft())
        bottom_right = widget.mapTo(window, widget.rect().bottomRight())
        assert window_rect.contains(top_left) and window_rect.contains(bottom_right)
        assert bottom_right.y() < window.statusBar().mapTo(window, window.statusBar().rect().topLeft()).y()
