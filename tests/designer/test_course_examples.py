"""Help › Course examples: each opens in the right place and shows the course's numbers (pytest-qt)."""
import numpy as np
import pytest

from designer.course_examples import EXAMPLES
from designer.inside.pooling import PoolingPlayground
from designer.design.table_model import COL_LAYER, COL_MACS, COL_PARAMS, COL_SHAPE, COL_SIZE, COL_WHY
from engine.course_examples import WEEK2_EXAMPLES
from engine.shapes import format_shape


def trigger(window, key):
    window.findChild(object, f"courseExample_{key}").trigger()


def current_inside(window):
    assert window.tabs.currentWidget().isAncestorOf(window.inside_tab)
    return window.inside_tab.currentWidget()


def test_menu_lists_every_example(window):
    menu = window.findChild(object, "courseExamplesMenu")
    assert [a.objectName() for a in menu.actions() if a.objectName()] == \
        [f"courseExample_{e.key}" for e in EXAMPLES]


def test_edge_examples_open_in_the_filter_playground(window):
    trigger(window, "edge_6x6")
    playground = window.inside_tab.playground
    assert current_inside(window) is playground
    assert playground.cell_texts("output") == [["−5", "−4", "0", "8"], ["−10", "−2", "2", "3"],
                                               ["0", "−2", "−4", "−7"], ["−3", "−2", "−3", "−16"]]
    trigger(window, "bright_edge")
    assert playground.cell_texts("output") == [["0", "30", "30", "0"]] * 4


@pytest.mark.parametrize("key, expected", [("max_pool", [["9", "2"], ["6", "2"]]),
                                           ("avg_pool", [["3.75", "1.25"], ["3.75", "1.5"]])])
def test_pooling_examples(window, key, expected):
    trigger(window, key)
    assert current_inside(window) is window.inside_tab.pooling
    assert window.inside_tab.pooling.cell_texts("output") == expected
    assert "⌊(4 − 2)/2⌋ + 1 = 2" in window.inside_tab.pooling.formula_text()


@pytest.mark.parametrize("key, cell, text", [("quiz_280", (1, COL_PARAMS), "280"),
                                             ("why_convolutions", (1, COL_PARAMS), "456"),
                                             ("why_convolutions", (1, COL_WHY), "31,700× fewer")])
def test_design_examples(window, key, cell, text):
    trigger(window, key)
    assert window.tabs.currentIndex() == 0
    model = window.design_tab.shape_model
    assert model.data(model.index(*cell)) == text


def test_network_examples(window):
    trigger(window, "example_convnet")
    model = window.design_tab.shape_model
    assert model.data(model.index(4, COL_SIZE)) == "1,960" and model.data(model.index(4, 1)) == "(1960,1)"
    trigger(window, "lenet5")
    assert window.totals.params_label.text() == "Parameters: <b>62,958</b>"


def test_pooling_playground_edits_and_errors(qtbot):
    pool = PoolingPlayground()
    qtbot.addWidget(pool)
    pool.set_input(np.arange(16).reshape(4, 4))
    pool.set_size(3)
    pool.set_stride(1)
    assert pool.cell_texts("output") == [["10", "11"], ["14", "15"]]
    pool.set_size(5)
    assert pool.output() is None and "larger than the 4×4" in pool.error_text()
    pool.set_size(2)
    model = pool.input_model
    model.setData(model.index(0, 0), "100")
    assert pool.output()[0, 0] == 100


@pytest.mark.parametrize("worked", WEEK2_EXAMPLES, ids=lambda worked: worked.key)
def test_week2_examples_open_their_design_with_the_numbers_in_the_table(window, worked):
    trigger(window, f"week2_{worked.key}")
    assert window.tabs.currentIndex() == 0
    model = window.design_tab.shape_model
    names = [model.data(model.index(r, COL_LAYER)).strip("\u2003") for r in range(model.rowCount())]
    columns = {"macs": COL_MACS, "params": COL_PARAMS, "output_shape": COL_SHAPE}
    for (name, column), value in worked.numbers.items():
        row = names.index(name)
        text = format_shape(value) if column == "output_shape" else f"{value:,}"
        assert model.data(model.index(row, columns[column])) == text, (name, column)
    # The row the lesson is about is selected, and the lesson is in the status bar.
    first = next(name for name, _ in worked.numbers if name != "Total")
    assert window.design_tab.editor.current_path() == next(e.path for e in window.document.spec.walk()
                                                           if e.name == first)
    assert window.statusBar().currentMessage() == worked.text


def test_the_course_costs_are_in_the_macs_column(window):
    trigger(window, "week2_bottleneck")
    model = window.design_tab.shape_model
    assert [model.data(model.index(r, COL_MACS)) for r in range(1, 4)] == ["2,408,448", "10,035,200", "12,443,648"]
    trigger(window, "week2_bottleneck_direct")
    assert model.data(model.index(1, COL_MACS)) == "120,422,400"
    trigger(window, "week2_depthwise_separable")
    assert [model.data(model.index(r, COL_MACS)) for r in range(1, 4)] == ["432", "240", "672"]
    trigger(window, "week2_normal_conv")
    assert model.data(model.index(1, COL_MACS)) == "2,160"
