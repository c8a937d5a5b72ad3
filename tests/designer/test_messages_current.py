"""Issue 21, point 11: messages that stay current — a failed dataset open clears the old verdict and samples,
the Result box says whose result it is, "1 epoch", and the status bar follows Help › Course examples."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from designer.course_examples import open_course_example
from designer.training.run_controls import RunControls
from designer.training.text import count
from designer.training.worker import TrainingResult


def test_a_failed_open_clears_the_old_verdict_and_samples(window, qtbot, tmp_path):
    train = window.train_tab
    window.files.load_preset("lenet5")
    box = train.dataset_box
    assert box.fit_label.text().startswith("✓") and box.sample_strip.samples()
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip at all")
    with qtbot.waitSignal(train.dataset_load_finished, timeout=20_000) as finished:
        train.datasets.open_dataset(broken)
    assert finished.args[0] is False
    assert box.dataset_info.text().startswith("Could not open the dataset: ")
    assert not box.fit_label.text().startswith("✓")
    assert box.fit_label.text().startswith("Still using 'shapes'")
    assert box.sample_strip.isHidden() and box.sample_strip.samples() == []
    train.datasets.set_dataset("digits")                # a good one: its own samples and verdict again
    assert box.sample_strip.samples() and "digits" in box.dataset_info.text()


def test_the_result_box_names_the_run_and_the_dataset(window, qtbot):
    window.files.load_preset("digits_net")
    train = window.train_tab
    train.datasets.set_dataset("digits")
    train.hyper_box.epochs_spin.setValue(1)
    with qtbot.waitSignal(train.training_finished, timeout=60_000) as done:
        assert train.start_training()
    result = done.args[0]
    box = train.result_box
    assert box.test_label.text().startswith("Test accuracy: ")
    assert box.source_label.text() == f"Run {result.run_id} on digits" and box.source_label.isVisible()
    assert train.run_controls.progress.format().startswith("Done: 1 epoch ·")
    assert f"Run {result.run_id} finished: 1 epoch in " in train.run_controls.status_label.text()


def test_count_says_one_epoch():
    assert (count(1, "epoch"), count(2, "epoch"), count(1_000, "epoch")) == ("1 epoch", "2 epochs", "1,000 epochs")


def test_the_status_bar_follows_course_examples(window):
    window.files.load_preset("lenet5")
    assert open_course_example(window, "max_pool")
    QApplication.processEvents()
    assert window.statusBar().currentMessage().startswith("Course example: Max pooling, f = 2, s = 2")
    assert open_course_example(window, "example_convnet")
    assert window.statusBar().currentMessage().startswith("Course example: The 39×39×3 example ConvNet")
