"""Help › Course examples: each opens in the right place and shows the course's numbers (pytest-qt)."""
import numpy as np
import pytest

from designer.course_examples import EXAMPLES
from designer.inside.pooling import PoolingPlayground
from designer.design.table_model import COL_PARAMS, COL_SIZE, COL_WHY


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
