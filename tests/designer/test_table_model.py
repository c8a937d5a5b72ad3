"""ShapeTableModel without a view: the course table, error rows, totals, model invariants."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush

from designer.presets import load_preset
from designer.design.table_model import (COL_FORMULA, COL_LAYER, COL_MACS, COL_PARAMS, COL_SHAPE, COL_SIZE, HEADERS,
                                  ERROR_FOREGROUND, LayerIndexRole, RawValueRole, ShapeTableModel, StateRole)
from engine import summarize
from engine import ConvSpec

DISPLAY = Qt.ItemDataRole.DisplayRole

from course_table import COURSE_TABLE  # noqa: E402  (tests/designer is on sys.path under pytest)


def cell(model, row, column, role=DISPLAY):
    return model.data(model.index(row, column), role)


def course_columns(model):
    return [tuple(cell(model, r, c) for c in (COL_LAYER, COL_SHAPE, COL_SIZE, COL_PARAMS))
            for r in range(model.rowCount() - 1)]


@pytest.fixture
def model(lenet_doc, model_tester):
    table = ShapeTableModel(lenet_doc)
    model_tester(table)
    return table


def test_headers(model):
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == list(HEADERS)
    assert all(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
               for c in range(model.columnCount()))
    assert HEADERS[:4] == ("Layer", "Activation shape", "Activation size", "# parameters")


def test_lenet5_is_the_course_table(model):
    assert course_columns(model) == COURSE_TABLE
    total = model.rowCount() - 1
    assert cell(model, total, COL_LAYER) == "Total"
    assert cell(model, total, COL_PARAMS) == "62,958"
    assert model.is_total_row(total)


def test_formula_and_macs_come_from_summarize(lenet_doc, model):
    summary = summarize(lenet_doc.spec)
    for r, row in enumerate(summary.rows):
        assert cell(model, r, COL_FORMULA) == row.formula
        assert cell(model, r, COL_MACS) == f"{row.macs:,}"
        assert cell(model, r, COL_PARAMS, RawValueRole) == row.params
        assert cell(model, r, COL_SHAPE, RawValueRole) == row.output_shape
    assert cell(model, 1, COL_FORMULA) == "⌊(32 + 2·0 − 5)/1⌋ + 1 = 28; (5·5·3 + 1)·8 = 608"
    assert cell(model, model.rowCount() - 1, COL_MACS) == f"{summary.total_macs:,}"


def test_numbers_align_right_text_left(model):
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    for column in (COL_SIZE, COL_PARAMS, COL_MACS):
        assert cell(model, 1, column, Qt.ItemDataRole.TextAlignmentRole) == right
    assert cell(model, 1, COL_FORMULA, Qt.ItemDataRole.TextAlignmentRole) != right


def test_impossible_layer_turns_red_and_blocks_the_rest(lenet_doc, model):
    lenet_doc.set_field(0, "size", 40)  # a 40×40 filter on a 32×32 input
    message = summarize(lenet_doc.spec).rows[1].error
    assert "40" in message and "32×32" in message
    assert cell(model, 1, COL_LAYER) == "CONV1"
    assert message in cell(model, 1, COL_FORMULA)
    assert message in cell(model, 1, COL_SHAPE, Qt.ItemDataRole.ToolTipRole)
    for column in range(model.columnCount()):
        foreground = cell(model, 1, column, Qt.ItemDataRole.ForegroundRole)
        assert isinstance(foreground, QBrush) and foreground.color() == ERROR_FOREGROUND
        assert isinstance(cell(model, 1, column, Qt.ItemDataRole.BackgroundRole), QBrush)
    assert cell(model, 1, COL_LAYER, StateRole) == "error"
    for r in range(2, model.rowCount() - 1):
        assert [cell(model, r, c) for c in (COL_SHAPE, COL_SIZE, COL_PARAMS, COL_MACS)] == ["—"] * 4
        assert "CONV1" in cell(model, r, COL_FORMULA)
        assert cell(model, r, COL_LAYER, StateRole) == "blocked"
    # the rows above keep working
    assert cell(model, 0, COL_SHAPE) == "(32,32,3)"
    assert cell(model, 0, COL_LAYER, Qt.ItemDataRole.ForegroundRole) is None

    lenet_doc.set_field(0, "size", 5)
    assert course_columns(model) == COURSE_TABLE
    assert all(cell(model, r, 0, StateRole) in ("ok", "total") for r in range(model.rowCount()))
    assert cell(model, 1, COL_LAYER, Qt.ItemDataRole.ForegroundRole) is None


def test_softmax_in_the_middle_is_reported(lenet_doc, model):
    lenet_doc.set_field(4, "activation", "softmax")
    assert cell(model, 5, COL_LAYER, StateRole) == "error"
    assert "softmax" in cell(model, 5, COL_FORMULA)
    assert cell(model, 6, COL_SHAPE) == "—"


def test_rows_follow_inserts_removals_moves_and_resets(lenet_doc, model, qtbot):
    assert model.rowCount() == 9
    with qtbot.waitSignal(model.rowsInserted):
        lenet_doc.add_layer("dropout", after=5)
    assert model.rowCount() == 10
    assert cell(model, 7, COL_LAYER) == "DROPOUT4"   # after FC4
    lenet_doc.move_layer(6, 0)
    assert cell(model, 1, COL_LAYER) == "DROPOUT1"
    with qtbot.waitSignal(model.rowsRemoved):
        lenet_doc.remove_layer(0)
    assert course_columns(model) == COURSE_TABLE
    lenet_doc.replace_spec(load_preset("example_convnet"))
    assert model.rowCount() == 7
    assert [cell(model, r, COL_SHAPE) for r in range(6)] == [
        "(39,39,3)", "(37,37,10)", "(17,17,20)", "(7,7,40)", "(1960,1)", "(10,1)"]
    assert cell(model, 4, COL_SIZE) == "1,960"
    lenet_doc.undo_stack.undo()
    assert course_columns(model) == COURSE_TABLE


def test_every_edit_updates_the_cells(lenet_doc, model, qtbot):
    with qtbot.waitSignal(model.dataChanged):
        lenet_doc.set_input_shape((36, 32, 3))
    assert cell(model, 1, COL_SHAPE) == "(32,28,8)"
    assert "⌊(36 + 2·0 − 5)/1⌋ + 1 = 32" in cell(model, 1, COL_FORMULA)


def test_model_tester_over_many_edits(lenet_doc, model):
    lenet_doc.add_layer("conv", after=-1)
    lenet_doc.insert_layer(0, ConvSpec(filters=3, size=99))
    lenet_doc.remove_layer(1)
    lenet_doc.move_layer(0, 3)
    lenet_doc.set_field(0, "stride", 2)
    lenet_doc.load(load_preset("digits_net"))
    lenet_doc.load(load_preset("blank"))
    assert model.rowCount() == 2
    while lenet_doc.undo_stack.canUndo():
        lenet_doc.undo_stack.undo()


def test_layer_index_role_maps_rows_to_layers(model):
    assert cell(model, 0, 0, LayerIndexRole) == -1
    assert cell(model, 3, 0, LayerIndexRole) == 2
    assert model.layer_for_row(model.rowCount() - 1) is None
    assert model.row_for_layer(2) == 3


def test_out_of_range_and_parents(model):
    assert model.data(QModelIndex()) is None
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.columnCount(model.index(0, 0)) == 0
    assert not model.flags(QModelIndex())
    assert not (model.flags(model.index(1, 1)) & Qt.ItemFlag.ItemIsEditable)
