"""Issue 21, point 9: the week-1 lessons a teacher shows — a typed playground input (the course's 7×7 strided
example, f = 3, s = 2 → 3×3) and convolution over volumes with an editable f×f×3 filter (a red-only edge
detector) — both in Help › Course examples; numbers checked against PyTorch in float64."""
from __future__ import annotations

import numpy as np
import pytest

from engine.course_examples import RED_EDGE_FILTER, STRIDED_7X7, STRIDED_FILTER, VOLUME_6X6X3
from engine.inspection import convolve_image

from designer.course_examples import open_course_example
from designer.inside.playground import FilterPlayground


def torch_conv(image, filt, stride=1, pad=0):
    torch = pytest.importorskip("torch")
    x = np.asarray(image, np.float64)
    x = x[None, None] if x.ndim == 2 else np.moveaxis(x, 2, 0)[None]
    w = np.asarray(filt, np.float64)
    w = w[None, None] if w.ndim == 2 else np.moveaxis(w, 2, 0)[None]
    return torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=stride, padding=pad)[0, 0].numpy()


def make(qtbot):
    playground = FilterPlayground()
    qtbot.addWidget(playground)
    playground.resize(1000, 560)
    playground.show()
    return playground


def test_a_typed_input_up_to_16_by_16(qtbot):
    playground = make(qtbot)
    playground.set_typed_input(STRIDED_7X7)
    playground.set_custom_filter(STRIDED_FILTER)
    playground.set_stride(2)
    playground.set_padding("valid")
    out = playground.output()
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out, torch_conv(STRIDED_7X7, STRIDED_FILTER, stride=2))
    assert playground.formula_text() == "⌊(7 + 2·0 − 3)/2⌋ + 1 = 3"
    assert playground.cell_texts("input")[0] == ["2", "3", "7", "4", "6", "2", "9"]   # numbers in the cells
    assert playground.cell_texts("output")[0] == ["91", "100", "88"]
    assert playground.image_combo.currentText() == "Your numbers (7×7)"
    big = np.arange(256, dtype=np.float64).reshape(16, 16)
    playground.set_typed_input(big)
    assert len(playground.cell_texts("input")) == 16
    with pytest.raises(ValueError, match="n×n with 1 ≤ n ≤ 16"):
        playground.set_typed_input(np.zeros((17, 17)))


def test_the_type_numbers_dialog(qtbot):
    playground = make(qtbot)
    qtbot.mouseClick(playground.type_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)
    dialog = playground.typed_dialog
    assert dialog.isVisible() and dialog.values().shape == (6, 6)    # starts from the course's 6×6
    dialog.set_size(7)
    model = dialog.model
    for (i, j), v in np.ndenumerate(STRIDED_7X7):
        assert model.setData(model.index(i, j), str(v))
    dialog.accept()
    np.testing.assert_array_equal(playground.input_image(), STRIDED_7X7)


def test_convolution_over_volumes_with_a_slice_per_channel(qtbot):
    playground = make(qtbot)
    playground.set_image(VOLUME_6X6X3, "volume")
    playground.set_keep_color(True)
    playground.set_filter_preset("vertical")
    assert playground.per_channel_check.isEnabled()
    before = playground.output()
    playground.set_per_channel(True)                      # three equal slices: the same map as before
    assert playground.filter_array().shape == (3, 3, 3)
    np.testing.assert_array_equal(playground.output(), before)
    playground.show_channel("G")                          # a red-only detector: G and B slices zero
    playground.set_filter_preset("zeros")
    playground.show_channel("B")
    playground.set_filter_preset("zeros")
    np.testing.assert_array_equal(playground.filter_array(), RED_EDGE_FILTER)
    out = playground.output()
    np.testing.assert_array_equal(out, torch_conv(VOLUME_6X6X3, RED_EDGE_FILTER))
    assert out[:, 1:3].min() == 30 and out[:, [0, 3]].max() == 0   # the red edge only
    playground.show_channel("R")                          # the grid edits the shown slice
    model = playground.filter_model
    assert model.setData(model.index(0, 0), "2")
    assert playground.filter_array()[0, 0, 0] == 2 and playground.filter_array()[0, 0, 1] == 0
    playground.set_keep_color(False)                      # grey: back to one f×f filter
    assert playground.filter_array().ndim == 2 and not playground.per_channel_check.isEnabled()


def test_both_lessons_are_course_examples(window):
    assert open_course_example(window, "strided_7x7")
    playground = window.inside_tab.playground
    assert window.inside_tab.currentWidget() is playground
    np.testing.assert_array_equal(playground.output(), convolve_image(STRIDED_7X7, STRIDED_FILTER, 2, 0))
    assert playground.stride_spin.value() == 2
    assert open_course_example(window, "volume_red_edge")
    np.testing.assert_array_equal(playground.filter_array(), RED_EDGE_FILTER)
    np.testing.assert_array_equal(playground.output(), torch_conv(VOLUME_6X6X3, RED_EDGE_FILTER))
    assert "Filter 3×3×3" in playground.picture.titles["filter"].text
