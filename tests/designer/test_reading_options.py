"""Issue 21, point 4: no dead ends in the window — a colour or non-square CSV and class folders of mixed sizes
are asked about in a small dialog (the command line's --image-shape, --image-size, --test-fraction), and a
picture opened with Open… is said to be a picture."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import designer.training.files as files
from designer.training.reading_options import ReadingOptionsDialog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from dataset_files import write_csv, write_png_folders  # noqa: E402

from training_panels import make_panel  # noqa: E402

LOAD_TIMEOUT = 30_000


class Asked:
    """Stands in for the dialog's exec(): builds the real dialog, answers it, records what it showed."""

    def __init__(self, fill=None, cancel=False):
        self.fill, self.cancel, self.dialogs = fill, cancel, []

    def __call__(self, parent, questions):
        dialog = ReadingOptionsDialog(questions, parent)
        self.dialogs.append(dialog)
        if self.fill is not None:
            self.fill(dialog)
        return None if self.cancel else dialog.options()


def open_and_wait(qtbot, panel, path):
    with qtbot.waitSignal(panel.dataset_load_finished, timeout=LOAD_TIMEOUT) as finished:
        assert panel.datasets.open_dataset(path)
    return finished.args


def all_messages(panel) -> str:
    box = panel.dataset_box
    return " ".join((box.dataset_info.text(), box.fit_label.text(), panel.run_controls.status_label.text(),
                     panel.plots_pane.log_view.toPlainText()))


@pytest.fixture
def colour_csv(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (20, 4, 4, 3), dtype=np.uint8)
    return write_csv(tmp_path / "colour.csv", x, np.arange(20) % 2)


def test_a_colour_csv_is_asked_about_and_read(qtbot, monkeypatch, colour_csv):
    asked = Asked(lambda dialog: dialog.fraction_spin.setValue(0.5))
    monkeypatch.setattr(files, "ask_reading_options", asked)
    _, panel = make_panel(qtbot)
    ok, message = open_and_wait(qtbot, panel, colour_csv)
    assert ok, message
    dialog = asked.dialogs[0]
    assert [spin.value() for spin in dialog.shape_spins] == [4, 4, 3] and dialog.fraction_spin is not None
    assert "48 pixel columns" in dialog.reason_label.text()
    ds = panel.datasets.dataset
    assert ds.image_shape == (4, 4, 3) and len(ds.y_test) == 10
    assert "--" not in all_messages(panel)          # never a command-line flag


def test_cancelling_keeps_the_dataset_in_use(qtbot, monkeypatch, colour_csv):
    monkeypatch.setattr(files, "ask_reading_options", Asked(cancel=True))
    _, panel = make_panel(qtbot)
    ok, message = open_and_wait(qtbot, panel, colour_csv)
    assert not ok and message == "colour.csv: not opened (how to read it was not chosen)"
    assert panel.datasets.dataset.name == "shapes" and "--" not in all_messages(panel)


def test_the_dialog_refuses_a_shape_that_does_not_fit(qtbot, colour_csv):
    from engine.data.questions import reading_questions
    dialog = ReadingOptionsDialog(reading_questions(colour_csv))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.shape_spins[2].setValue(1)                # 4×4×1 = 16 pixels, the rows have 48
    assert not ok.isEnabled() and "has 16 pixels but each row has 48" in dialog.problem_label.text()


def test_mixed_size_folders_ask_the_size(qtbot, monkeypatch, tmp_path):
    root = tmp_path / "pets"
    write_png_folders(root, np.random.default_rng(2).integers(0, 256, (12, 8, 8, 1), dtype=np.uint8),
                      np.arange(12) % 2, ["cat", "dog"])
    Image.fromarray(np.zeros((12, 10), np.uint8)).save(root / "dog" / "big.png")
    asked = Asked(lambda dialog: [spin.setValue(6) for spin in dialog.size_spins])
    monkeypatch.setattr(files, "ask_reading_options", asked)
    _, panel = make_panel(qtbot)
    ok, message = open_and_wait(qtbot, panel, root)
    assert ok, message
    assert [spin.value() for spin in asked.dialogs[0].size_spins] == [6, 6]
    assert panel.datasets.dataset.image_shape == (6, 6, 1)


def test_a_picture_opened_as_a_dataset_points_to_folder(qtbot, tmp_path):
    picture = tmp_path / "cat.png"
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(picture)
    _, panel = make_panel(qtbot)
    assert not panel.datasets.open_dataset(picture)
    text = panel.dataset_box.dataset_info.text()
    assert "cat.png is a picture, not a dataset" in text and "Folder…" in text
    assert panel.datasets.dataset.name == "shapes"
