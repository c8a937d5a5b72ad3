"""Issue 10 in the window: the Train tab opens dataset files, archives and folders (in a thread, with
progress), shows a strip of sample images with their class names, remembers what was opened, and takes
drops of files and folders on the window (pytest-qt, offscreen).

The datasets are small real files written by tests/engine/dataset_files.py (class folders of PNGs, a
CIFAR-10 binary archive), so the whole module stays quick.
"""
from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QApplication, QLabel

from engine import load_spec, save_spec
from engine.resources import preset_path

from designer.training import dataset_loading
from designer.training.sample_strip import MAX_SAMPLES, image_to_qimage
from training_panels import make_panel
from window_drops import drop

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from dataset_files import cifar_files, write_cifar_archive, write_png_folders  # noqa: E402

LOAD_TIMEOUT = 30_000
CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
SHAPE_NAMES = ["circle", "cross", "square", "triangle"]



def open_and_wait(qtbot, panel, path) -> list:
    """Open `path` and wait for the read to end; the (ok, message) it ended with."""
    with qtbot.waitSignal(panel.dataset_load_finished, timeout=LOAD_TIMEOUT) as ended:
        assert panel.datasets.open_dataset(path)
    return ended.args


def images(n_per_class: int, classes: int, channels: int, size: int = 32, seed: int = 0):
    """(x uint8 (m, size, size, channels), y int64): class k's images are a flat grey level + noise, so
    that a network can tell the classes apart."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), n_per_class)
    base = (y * (200 // max(classes - 1, 1)) + 20)[:, None, None, None]
    x = np.clip(base + rng.integers(-10, 11, (len(y), size, size, channels)), 0, 255).astype(np.uint8)
    return x, y


@pytest.fixture
def class_folder(tmp_path) -> Path:
    """DIR/<class>/*.png, 4 colour classes of 10 images (the loader splits 2 of each for test)."""
    x, y = images(10, 4, 3)
    root = tmp_path / "my_shapes"
    write_png_folders(root, x, y, SHAPE_NAMES)
    return root


@pytest.fixture
def cifar_archive(tmp_path) -> Path:
    """cifar-10-binary.tar.gz as downloaded: 60 training images (6 per class), 20 test."""
    x, y = images(6, 10, 3, seed=1)
    x_test, y_test = images(2, 10, 3, seed=2)
    files = cifar_files(x, y, x_test, y_test, CIFAR_NAMES, "binary", batches=2)
    return write_cifar_archive(tmp_path / "cifar-10-binary.tar.gz", files, "binary")


def strip_names(panel) -> list[str]:
    return [name for _, name in panel.dataset_box.sample_strip.samples()]


def train_a_few_batches(qtbot, panel):
    panel.hyper_box.epochs_spin.setValue(1)
    panel.hyper_box.batch_spin.setValue(16)
    assert panel.run_controls.train_button.isEnabled(), panel.dataset_box.fit_label.text()
    with qtbot.waitSignal(panel.training_finished, timeout=LOAD_TIMEOUT) as finished:
        qtbot.mouseClick(panel.run_controls.train_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.status == "completed" and result.history.epochs_completed == 1
    assert len(result.history.batch_loss) == -(-int(len(panel.datasets.dataset.y_train) * 0.9) // 16)
    assert result.test_count == len(panel.datasets.dataset.y_test)
    return result


# ----- opening -------------------------------------------------------------------------------------------
def test_a_class_folder_shows_its_counts_and_one_sample_per_class_then_trains(qtbot, class_folder):
    document, panel = make_panel(qtbot)
    assert open_and_wait(qtbot, panel, class_folder) == [True, ""]
    ds = panel.datasets.dataset
    assert (ds.name, ds.image_shape, ds.class_names) == ("my_shapes", (32, 32, 3), SHAPE_NAMES)
    assert ds.class_counts("train") == [8] * 4 and ds.class_counts("test") == [2] * 4
    assert "32×32×3 images, 32 train / 8 test, 4 classes" in panel.dataset_box.dataset_info.text()
    assert panel.dataset_box.dataset_combo.currentText() == "my_shapes (folder)"
    # The strip: 8 images, each class once before any class twice, every caption its image's class.
    strip = panel.dataset_box.sample_strip
    pictures = strip.findChildren(QLabel, "sampleImage")
    captions = [c.text() for c in strip.findChildren(QLabel, "sampleName")]
    assert len(pictures) == MAX_SAMPLES == len(captions)
    assert strip_names(panel) == SHAPE_NAMES * 2
    assert captions == ["circle", "cross", "square", "triang…"] * 2     # long names cut, whole in the tooltip
    for index, name in strip.samples():
        assert ds.class_names[ds.y_train[index]] == name
    assert all(not p.pixmap().isNull() for p in pictures)
    qtbot.waitUntil(lambda: all(p.isVisible() for p in pictures))
    # LeNet-5 predicts 10 classes: the one-click fix, then training runs.
    qtbot.mouseClick(panel.dataset_box.use_classes_button, Qt.MouseButton.LeftButton)
    assert document.spec.layers[-1].units == 4
    train_a_few_batches(qtbot, panel)


def test_a_cifar_archive_shows_its_counts_and_first_eight_classes_then_trains(qtbot, cifar_archive):
    _, panel = make_panel(qtbot)
    assert open_and_wait(qtbot, panel, cifar_archive) == [True, ""]
    ds = panel.datasets.dataset
    assert ds.source == "CIFAR-10 binary archive" and ds.class_names == CIFAR_NAMES
    assert ds.class_counts("train") == [6] * 10 and ds.class_counts("test") == [2] * 10
    assert "60 train / 20 test, 10 classes" in panel.dataset_box.dataset_info.text()
    assert "airplane 6/2" in panel.dataset_box.dataset_info.toolTip()          # counts per class
    assert strip_names(panel) == CIFAR_NAMES[:MAX_SAMPLES]
    assert len(panel.dataset_box.sample_strip.findChildren(QLabel, "sampleImage")) == MAX_SAMPLES
    assert "The design fits" in panel.dataset_box.fit_label.text()             # LeNet-5 takes CIFAR-10 as it is
    train_a_few_batches(qtbot, panel)


def test_sample_images_are_the_datasets_pixels_in_grey_and_colour():
    x, _ = images(1, 3, 3)
    colour = image_to_qimage(x[2])
    assert (colour.width(), colour.height()) == (32, 32)
    for row, col in ((0, 0), (5, 17), (31, 31)):
        pixel = colour.pixelColor(col, row)
        assert (pixel.red(), pixel.green(), pixel.blue()) == tuple(int(v) for v in x[2, row, col])
    grey = image_to_qimage(x[1][..., :1])
    assert grey.isGrayscale()
    assert grey.pixelColor(3, 4).red() == int(x[1, 4, 3, 0])


def test_a_damaged_archive_is_one_line_in_the_dataset_box_and_the_choice_stays(qtbot, tmp_path, cifar_archive):
    _, panel = make_panel(qtbot)
    broken = tmp_path / "broken-cifar.tar.gz"
    broken.write_bytes(cifar_archive.read_bytes()[:2000])
    ok, message = open_and_wait(qtbot, panel, broken)
    assert not ok and "broken-cifar.tar.gz" in message
    text = panel.dataset_box.dataset_info.text()
    assert text == f"Could not open the dataset: {message}" and "\n" not in text
    # LeNet-5's panel starts on the built-in it trains on (shapes), and keeps it.
    assert panel.datasets.dataset.name == "shapes" and panel.dataset_box.dataset_combo.currentData() == "shapes"
    assert panel.run_controls.train_button.isEnabled() is panel.can_train


# ----- not blocking the window -------------------------------------------------------------------------
def test_loading_reports_progress_and_the_window_keeps_running(qtbot, monkeypatch, cifar_archive):
    """The read waits (in its thread) until the GUI thread's timer has ticked three times: the event
    loop runs during the read. Meanwhile the box shows the progress and Train is disabled."""
    _, panel = make_panel(qtbot)
    ticks_seen = threading.Event()
    real_read = dataset_loading.read_dataset

    def slow_read(key, progress=None, options=None):
        progress(0.0, "starting")
        assert ticks_seen.wait(LOAD_TIMEOUT / 1000), "the GUI thread's timer never ticked during the load"
        return real_read(key, progress=progress, options=options)

    monkeypatch.setattr(dataset_loading, "read_dataset", slow_read)
    ticks, during = [], []
    timer = QTimer()
    timer.setInterval(5)

    def tick():
        ticks.append(panel.datasets.is_loading)
        during.append((panel.run_controls.train_button.isEnabled(), panel.dataset_box.dataset_combo.isEnabled(),
                       panel.dataset_box.load_progress.isVisible()))
        if len(ticks) >= 3:
            ticks_seen.set()
            timer.stop()

    timer.timeout.connect(tick)
    progress = []
    panel.datasets.loader.progress.connect(lambda fraction, message: progress.append((fraction, message)))
    timer.start()
    assert open_and_wait(qtbot, panel, cifar_archive) == [True, ""]
    assert ticks[:3] == [True, True, True]                      # ticks happened while the read went on
    assert all(state == (False, False, True) for state in during[:3])
    fractions = [f for f, _ in progress]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert any("data_batch_1.bin" in m for _, m in progress)   # the engine's own messages
    assert not panel.dataset_box.load_progress.isVisible() and panel.run_controls.train_button.isEnabled()


# ----- remembered --------------------------------------------------------------------------------------
def test_opened_datasets_are_listed_by_a_new_panel_and_gone_ones_are_dropped(qtbot, tmp_path, class_folder,
                                                                             cifar_archive):
    _, panel = make_panel(qtbot)
    open_and_wait(qtbot, panel, class_folder)
    open_and_wait(qtbot, panel, cifar_archive)
    keys = [str(cifar_archive.resolve()), str(class_folder.resolve())]
    assert panel.datasets.remembered() == [str(class_folder.resolve()), str(cifar_archive.resolve())]

    _, again = make_panel(qtbot)                                # as at the next start
    assert again.datasets.remembered() == keys                  # most recent first
    assert again.datasets.dataset.name == "shapes"              # listed, not read: LeNet-5's built-in
    index = again.dataset_box.dataset_combo.findData(keys[1])
    assert again.dataset_box.dataset_combo.itemText(index) == "my_shapes (folder)"
    with qtbot.waitSignal(again.dataset_load_finished, timeout=LOAD_TIMEOUT):
        again.dataset_box.dataset_combo.activated.emit(index)   # choosing it reads it
    assert again.datasets.dataset.name == "my_shapes"

    shutil.rmtree(class_folder)
    _, third = make_panel(qtbot)
    assert third.datasets.remembered() == [keys[0]]


# ----- drag and drop -----------------------------------------------------------------------------------
def test_a_folder_dropped_on_the_window_opens_as_the_dataset(window, qtbot, class_folder):
    panel = window.train_tab
    assert window.acceptDrops()
    with qtbot.waitSignal(panel.dataset_load_finished, timeout=LOAD_TIMEOUT):
        assert drop(window, class_folder).isAccepted()
    assert panel.datasets.dataset.name == "my_shapes" and strip_names(panel) == SHAPE_NAMES * 2
    assert window.tabs.currentWidget().isAncestorOf(panel)     # the Train tab is shown


def test_a_design_dropped_on_the_window_still_opens_as_the_design(window, qtbot, tmp_path):
    design = load_spec(preset_path("digits_net"))
    path = tmp_path / "mine.json"
    save_spec(design, path)
    assert drop(window, path).isAccepted()
    assert window.document.file_path == path
    assert window.document.spec.to_dict() == design.to_dict()
    # Not taken for a dataset: the Train tab's own choice followed the design to the built-in it trains on.
    assert window.train_tab.datasets.dataset.name == "digits"
    assert str(path) not in window.train_tab.datasets.remembered()


def test_text_drags_are_left_alone(window):
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
