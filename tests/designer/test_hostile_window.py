"""Hostile inputs in the window (pytest-qt, offscreen): special files are refused at once by File › Open, the
dataset box, the playground's picture loader and a start with such a path; closing the window during a long
dataset read cancels it; a dataset with no classes is refused; a MemoryError is a clear dialog, not the
crash dialog; a weights file is read in a thread while the window goes on, and a zip bomb is refused.
"""
from __future__ import annotations

import faulthandler
import os
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from designer.crash_guard import MEMORY_MESSAGE, CrashGuard
from designer.main_window import MainWindow
from engine import Network
from training_panels import make_panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from bombs import gzip_file, npy_bytes, npy_header, zip_file  # noqa: E402
from dataset_files import write_idx_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT = 30_000
pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def watchdog():
    """Opening a FIFO would block forever: end the run with a traceback instead of hanging the suite."""
    faulthandler.dump_traceback_later(60, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def special_files(tmp_path, name: str) -> list[Path]:
    fifo = tmp_path / f"fifo-{name}"
    os.mkfifo(fifo)
    zero = tmp_path / f"zero-{name}"
    zero.symlink_to("/dev/zero")
    return [fifo, zero]


# ----- special files ---------------------------------------------------------------------------------------

def test_file_open_refuses_a_fifo_or_a_device_at_once(window, dialogs, tmp_path, watchdog):
    for path in special_files(tmp_path, "net.json"):
        assert not window.files.open_file(path)
        title, text = dialogs.errors[-1]
        assert title == "Could not open the file" and "not an architecture JSON file; refused" in text
    assert window.document.layer_count == 0


_START = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication
    from designer import app, dialogs
    dialogs.WindowDialogs.show_error = lambda self, title, text: print("ERROR", title, "|", text, flush=True)
    QApplication.exec = lambda *args: 0            # show the window, then end instead of running the loop
    sys.exit(app.run(["cnn-designer", sys.argv[1]]))
""")


def test_a_start_with_a_special_file_shows_the_error_at_once(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "settings"),
               QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    for path in special_files(tmp_path, "start.json"):
        result = subprocess.run([sys.executable, "-c", _START, str(path)], env=env, cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"ERROR Could not open the file | {path}: is " in result.stdout
        assert "not an architecture JSON file; refused" in result.stdout


def test_the_dataset_box_refuses_a_special_file_without_starting_a_read(qtbot, tmp_path, watchdog):
    _, panel = make_panel(qtbot)
    for path in special_files(tmp_path, "train.csv"):
        assert not panel.datasets.open_dataset(path)
        assert not panel.datasets.is_loading
        shown = panel.dataset_box.dataset_info.text()
        assert shown.startswith("Could not open the dataset: ") and "refused" in shown
    assert panel.datasets.dataset.name == "digits"          # still the dataset it had


def test_the_playground_refuses_a_special_picture(window, tmp_path, watchdog):
    playground = window.inside_tab.playground
    for path in special_files(tmp_path, "picture.png"):
        with pytest.raises(ValueError, match="not a picture; refused"):
            playground.load_image_file(path)


# ----- a long read, cancelled by closing the window ---------------------------------------------------------

def _archive_with_a_huge_readme(path: Path) -> Path:
    """A CIFAR-10 python .tar.gz (2 MB) whose first file is a 2 GB readme: reading it means decompressing
    2 GB, to skip it, before any batch."""
    folder = tarfile.TarInfo("cifar-10-batches-py")
    folder.type = tarfile.DIRTYPE
    readme = tarfile.TarInfo("cifar-10-batches-py/readme.html")
    readme.size = 2 << 30
    return gzip_file(path, folder.tobuf(tarfile.USTAR_FORMAT) + readme.tobuf(tarfile.USTAR_FORMAT),
                     (2 << 30) + 1024)


def test_closing_the_window_cancels_a_long_dataset_read(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    tab = window.train_tab
    archive = _archive_with_a_huge_readme(tmp_path / "cifar-10-python.tar.gz")
    fractions, ended = [], []
    tab.datasets.loader.progress.connect(lambda fraction, message: fractions.append(fraction))
    tab.datasets.readFinished.connect(lambda ok, message: ended.append((ok, message)))
    assert tab.datasets.open_dataset(archive)
    qtbot.waitUntil(lambda: len(fractions) >= 2, timeout=LOAD_TIMEOUT)   # well into the read
    assert window.close()                      # the one close path: cancels the read and joins its thread
    assert not tab.datasets.is_loading
    assert ended == [(False, f"{archive}: reading cancelled")]
    assert max(fractions) < 0.5                # stopped long before the 2 GB were decompressed


# ----- empty data, memory, weights --------------------------------------------------------------------------

def test_the_window_refuses_a_dataset_with_no_classes(qtbot, tmp_path):
    _, panel = make_panel(qtbot)
    empty = np.zeros((0, 4, 4, 1), np.uint8)
    folder = write_idx_folder(tmp_path / "mnist", empty, np.zeros(0), empty, np.zeros(0))
    with qtbot.waitSignal(panel.datasets.readFinished, timeout=LOAD_TIMEOUT) as ended:
        assert panel.datasets.open_dataset(folder)
    ok, message = ended.args
    assert not ok and "holds 0 images" in message
    assert panel.datasets.dataset.name == "digits" and panel.datasets.dataset.num_classes == 10


@pytest.mark.qt_no_exception_capture
def test_a_memory_error_is_a_clear_dialog_not_the_crash_dialog(window, monkeypatch):
    memory, crashes = [], []
    monkeypatch.setattr(CrashGuard, "show_memory_dialog", lambda self, message: memory.append(message))
    monkeypatch.setattr(CrashGuard, "show_dialog", lambda self, message, details: crashes.append(message))
    guard = CrashGuard().install()
    try:
        def exhausted():
            raise MemoryError
        window.document.changed.connect(exhausted)
        window.design_tab.actions["add_conv"].trigger()
        window.document.changed.disconnect(exhausted)
    finally:
        guard.uninstall()
    assert memory == [MEMORY_MESSAGE] and crashes == []
    assert window.document.layer_count == 1                 # the edit is kept, the window goes on


def test_weights_are_read_in_a_thread_while_the_window_goes_on(qtbot, tmp_path, monkeypatch):
    _, panel = make_panel(qtbot, "digits_net")
    path = tmp_path / "run.npz"
    Network.from_spec(panel._test_document.spec, seed=0).save(path)
    real_load = Network.load

    def slow_load(target):
        time.sleep(0.5)                                      # a big file on a slow disk
        return real_load(target)

    monkeypatch.setattr(Network, "load", staticmethod(slow_load))
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    assert panel.weights.load_weights(path)
    timer.stop()
    assert len(ticks) >= 10                                  # the GUI thread handled events all along
    assert panel.weights.network is not None and panel.weights.source == "loaded from run.npz"


def test_a_weights_zip_bomb_is_refused_with_the_engines_message(qtbot, tmp_path):
    _, panel = make_panel(qtbot, "digits_net")
    Network.from_spec(panel._test_document.spec, seed=0).save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as data:
        members = {f"{key}.npy": (npy_bytes(data[key]), 0) for key in data.files}
    members["__spec__.npy"] = (npy_header((), "<U400000000"), 1_600_000_000)   # 1.6 GB of "text", 2 MB here
    bomb = zip_file(tmp_path / "bomb.npz", members)
    assert not panel.weights.load_weights(bomb)
    status = panel.run_controls.status_label.text()
    assert status.startswith("Could not load the weights: bomb.npz: the stored design is damaged: it declares")
    assert panel.weights.network is None and panel.weights_box.isEnabled()
