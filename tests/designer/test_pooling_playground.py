"""Issue 21, point 8: the pooling playground catches up with the filter playground — Export PNG, an editable
input size, the window behind an output cell highlighted, indices from 0."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from engine.course_examples import POOL_4X4

from designer.inside.pooling import PoolingPlayground


def make(qtbot):
    pool = PoolingPlayground()
    qtbot.addWidget(pool)
    pool.resize(900, 560)
    pool.show()
    return pool


def test_indices_start_at_zero(qtbot):
    pool = make(qtbot)
    model = pool.input_model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == ["0", "1", "2", "3"]
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in range(4)] == ["0", "1", "2", "3"]
    assert pool.output_model.headerData(1, Qt.Orientation.Horizontal) == "1"


def test_the_window_behind_an_output_cell_is_highlighted(qtbot):
    pool = make(qtbot)
    pool.load_course_example("max")
    assert pool.highlighted_window() == (0, 0, 2)                  # output[0,0] at the start, as in the filter one
    text = pool.explain_output_cell(0, 1)
    assert text == "output[0,1] = max(2, 1, 1, 1) = 2"
    assert pool.highlighted_window() == (0, 2, 2)
    background = pool.input_model.data(pool.input_model.index(1, 3), Qt.ItemDataRole.BackgroundRole)
    assert background is not None                                    # inside the window: tinted
    assert pool.input_model.data(pool.input_model.index(2, 3), Qt.ItemDataRole.BackgroundRole) is None
    pool.set_mode("avg")
    assert pool.explanation_text() == "output[0,1] = mean(2, 1, 1, 1) = 1.25"
    view = pool.output_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(pool.output_model.index(1, 0)).center())
    assert pool.highlighted_window() == (2, 0, 2) and pool.explanation_text().startswith("output[1,0] = mean(1, 3, 5, 6)")


def test_the_input_size_can_be_changed(qtbot):
    pool = make(qtbot)
    pool.load_course_example("max")
    pool.input_size_spin.setValue(6)
    x = pool.input_model.values
    assert x.shape == (6, 6) and np.array_equal(x[:4, :4], POOL_4X4) and not x[4:].any() and not x[:, 4:].any()
    pool.set_size(3)
    pool.set_stride(3)
    assert pool.output().shape == (2, 2) and "⌊(6 − 3)/3⌋ + 1 = 2" in pool.formula_text()
    rng = np.random.default_rng(0)
    values = rng.integers(-9, 10, (6, 6)).astype(np.float64)
    pool.set_input(values)
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.max_pool2d(torch.tensor(values)[None, None], 3, 3)[0, 0].numpy()
    np.testing.assert_array_equal(pool.output(), expected)
    pool.input_size_spin.setValue(2)                                 # a window larger than the input: said why
    assert pool.output() is None and "larger than the 2×2" in pool.error_text()
    assert pool.highlighted_window() is None


def test_export_png(qtbot, tmp_path):
    pool = make(qtbot)
    pool.load_course_example("max")
    path = tmp_path / "pool.png"
    width, height = pool.export_png(path)
    with Image.open(path) as image:
        assert image.size == (width, height) and width > 150 and height > 100
    assert pool.export_button.text() == "Export PNG…" and pool.export_button.isVisible()
