"""One wording for a layer that cannot work and the rows it blocks: the command line's table, the
shape table and the layer list all show `engine.shapes.row_status`; both models answer the same roles."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from designer.design import roles
from designer.design.layer_model import LayerTreeModel
from designer.design.table_model import COL_FORMULA, COL_LAYER, ShapeTableModel
from engine.export.table import to_text
from engine.shapes import row_status

TOOLTIP = Qt.ItemDataRole.ToolTipRole


@pytest.fixture
def broken_doc(lenet_doc):
    lenet_doc.set_field(2, "size", 20)  # CONV2's 20×20 filter on POOL1's 14×14 output: POOL2 and below blocked
    return lenet_doc


def test_cli_table_and_both_models_say_the_same_for_a_broken_and_a_blocked_row(broken_doc):
    rows = broken_doc.summary.rows
    broken, blocked = rows[3], rows[4]
    assert (broken.name, blocked.name) == ("CONV2", "POOL2")
    short = {row.name: row_status(row) for row in (broken, blocked)}
    long = {row.name: row_status(row, long=True) for row in (broken, blocked)}
    assert short == {"CONV2": f"ERROR: {broken.error}", "POOL2": "(not computed: CONV2 above has an error)"}
    assert long["POOL2"] == "POOL2: not computed until CONV2 above it is fixed."

    cli_lines = to_text(broken_doc.summary).splitlines()
    for name, text in short.items():
        assert any(line.startswith(name) and line.endswith(text) for line in cli_lines), name

    table = ShapeTableModel(broken_doc)
    layers = LayerTreeModel(broken_doc)
    for r, row in ((3, broken), (4, blocked)):
        assert table.data(table.index(r, COL_LAYER)) == row.name
        assert table.data(table.index(r, COL_FORMULA)) == short[row.name]
        assert table.data(table.index(r, COL_LAYER), TOOLTIP) == long[row.name]
        assert layers.data(layers.index(r), TOOLTIP) == long[row.name]


def test_both_models_answer_the_shared_roles(broken_doc):
    table = ShapeTableModel(broken_doc)
    layers = LayerTreeModel(broken_doc)
    for r, state in ((0, "ok"), (3, "error"), (4, "blocked")):
        assert table.data(table.index(r, 0), roles.StateRole) == state
        assert layers.data(layers.index(r), roles.StateRole) == state
        assert table.data(table.index(r, 0), roles.LayerIndexRole) == r - 1
        assert layers.data(layers.index(r), roles.LayerIndexRole) == r - 1
        assert table.data(table.index(r, 0), roles.KindRole) == layers.data(layers.index(r), roles.KindRole)
    assert table.data(table.index(4, 0), roles.KindRole) == "pool"
    assert len({roles.LayerIndexRole, roles.KindRole, roles.StateRole, roles.RawValueRole}) == 4
