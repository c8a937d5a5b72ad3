"""LayerTreeModel without a view (and with one for drops): items, descriptions, a block's lists and their
placeholders, roles, flags and drag-and-drop moves within and between lists."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPointF, Qt
from PySide6.QtGui import QDropEvent, QIcon

from designer.design.layer_model import (EMPTY_ITEM, LAYER_ITEM, LIST_ITEM, MIME_TYPE, LayerIndexRole, LayerTreeModel,
                                         StateRole)
from designer.design.roles import ItemRole, PathRole
from designer.design.views import LayerTreeView
from designer.document import DesignDocument
from designer.presets import load_preset
from engine import ConcatSpec, ConvSpec, ResidualSpec
from engine.spec import InputSpec, NetworkSpec


def texts(model, parent=QModelIndex()):
    return [model.data(model.index(r, 0, parent)) for r in range(model.rowCount(parent))]


def tree(model, parent=QModelIndex(), depth=0):
    """Every item's text, indented by depth, in tree order."""
    out = []
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        out.append("  " * depth + model.data(index))
        out += tree(model, index, depth + 1)
    return out


@pytest.fixture
def model(lenet_doc, model_tester):
    layers = LayerTreeModel(lenet_doc)
    model_tester(layers)
    return layers


def blocks_doc() -> DesignDocument:
    """conv → residual (main: two convs, identity shortcut) → concat (branch 1: a conv; branch 2: empty)."""
    document = DesignDocument()
    document.load(NetworkSpec(InputSpec((8, 8, 4)), [
        ConvSpec(filters=4, size=3, padding="same"),
        ResidualSpec(layers=[ConvSpec(filters=4, size=3, padding="same"),
                             ConvSpec(filters=4, size=3, padding="same", activation="linear")]),
        ConcatSpec(branches=[[ConvSpec(filters=2, size=1)], []]),
    ]))
    return document


def test_rows_describe_each_layer(model):
    assert texts(model) == [
        "Input — 32×32×3",
        "CONV1 — 8 × 5×5, s1, valid, relu",
        "POOL1 — max 2×2, s2",
        "CONV2 — 16 × 5×5, s1, valid, relu",
        "POOL2 — max 2×2, s2",
        "FC3 — 120 units, relu",
        "FC4 — 84 units, relu",
        "Softmax — 10 units, softmax",
    ]
    assert isinstance(model.data(model.index(1), Qt.ItemDataRole.DecorationRole), QIcon)
    assert "(28,28,8)" in model.data(model.index(1), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0), LayerIndexRole) == -1
    assert model.data(model.index(3), LayerIndexRole) == 2
    assert model.data(model.index(3), PathRole) == (2,) and model.data(model.index(0), PathRole) == ()
    assert all(not model.hasChildren(model.index(r)) for r in range(model.rowCount()))


def test_a_block_holds_its_labelled_lists_and_an_empty_list_shows_a_placeholder(qapp, model_tester):
    document = blocks_doc()
    model = LayerTreeModel(document)
    model_tester(model)
    assert tree(model) == [
        "Input — 8×8×4",
        "CONV1 — 4 × 3×3, s1, same, relu",
        "RES1 — 2 layers + identity shortcut, then relu",
        "  main",
        "    CONV2 — 4 × 3×3, s1, same, relu",
        "    CONV3 — 4 × 3×3, s1, same, linear",
        "  shortcut",
        "    (identity)",
        "CONCAT1 — 2 branches (1, 0 layers), stacked along the channels",
        "  branch 1",
        "    CONV4 — 2 × 1×1, s1, valid, relu",
        "  branch 2",
        "    (input passed through)",
    ]
    res = model.index(2)
    shortcut = model.index(1, 0, res)
    placeholder = model.index(0, 0, shortcut)
    assert (model.data(shortcut, ItemRole), model.data(shortcut, PathRole)) == (LIST_ITEM, (1, 1))
    assert (model.data(placeholder, ItemRole), model.data(placeholder, PathRole)) == (EMPTY_ITEM, (1, 1))
    inner = model.index(1, 0, model.index(0, 0, res))
    assert (model.data(inner, ItemRole), model.data(inner, PathRole)) == (LAYER_ITEM, (1, 0, 1))
    assert model.data(inner, LayerIndexRole) == 1                     # the top-level block holding it
    assert model.parent(inner) == model.index(0, 0, res) and model.parent(res) == QModelIndex()
    assert model.find((1, 0, 1)) == inner and model.find((1, 1), EMPTY_ITEM) == placeholder
    # Placeholders and lists take drops (into that list); only layers can be dragged.
    assert model.flags(placeholder) & Qt.ItemFlag.ItemIsDropEnabled
    assert not model.flags(placeholder) & Qt.ItemFlag.ItemIsDragEnabled
    assert model.flags(inner) & Qt.ItemFlag.ItemIsDragEnabled


def test_error_state_and_blocked_rows(lenet_doc, model):
    lenet_doc.set_field(2, "size", 20)  # CONV2's 20×20 filter on a 14×14 input
    assert model.data(model.index(3), StateRole) == "error"
    assert "14×14" in model.data(model.index(3), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(4), StateRole) == "blocked"
    assert model.data(model.index(2), StateRole) == "ok"


def test_inner_errors_show_on_the_inner_item(qapp):
    document = blocks_doc()
    model = LayerTreeModel(document)
    document.set_field_at((1, 0, 1), "filters", 5)        # main gives 8×8×5, the identity 8×8×4
    res = model.index(2)
    assert model.data(res, StateRole) == "error"
    assert "shortcut" in model.data(res, Qt.ItemDataRole.ToolTipRole)
    document.set_field_at((1, 0, 0), "size", 9)           # larger than 8×8 (valid padding needed to fail)
    document.set_field_at((1, 0, 0), "padding", "valid")
    first = model.find((1, 0, 0))
    assert model.data(first, StateRole) == "error" and model.data(res, StateRole) == "blocked"


def test_flags_keep_the_input_first(model):
    assert not (model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled)
    assert model.flags(model.index(1)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not (model.flags(model.index(1)) & Qt.ItemFlag.ItemIsDropEnabled)  # drop between items
    assert model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled
    assert model.supportedDropActions() == Qt.DropAction.MoveAction


def test_drop_mime_data_moves_without_removing(lenet_doc, model):
    mime = model.mimeData([model.index(4)])
    assert mime.hasFormat(MIME_TYPE)
    assert model.mimeData([model.index(0)]) is None  # the input can't be dragged
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, 1, 0, QModelIndex())
    # False tells the view not to delete the source row: the move is already done.
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 1, 0, QModelIndex()) is False
    assert lenet_doc.layer_names()[0] == "POOL2"
    assert model.rowCount() == 8
    assert lenet_doc.undo_stack.count() == 1


def test_drops_into_and_out_of_a_block_are_one_undo_step_each(qapp, model_tester):
    document = blocks_doc()
    model = LayerTreeModel(document)
    model_tester(model)
    before = document.spec.to_dict()
    # CONV1 (top level) into RES1's empty shortcut, through its placeholder.
    mime = model.mimeData([model.find((0,))])
    placeholder = model.find((1, 1), EMPTY_ITEM)
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, placeholder) is False
    assert [layer.filters for layer in document.spec.layers[0].shortcut] == [4]
    assert document.undo_stack.count() == 1 and document.undo_stack.text(0) == "Move CONV1 into RES1 › shortcut"
    # A main-path conv out to the top level, after the concat.
    mime = model.mimeData([model.find((0, 0, 1))])
    assert model.dropMimeData(mime, Qt.DropAction.MoveAction, 2, 0, QModelIndex()) is False
    assert [layer.type for layer in document.spec.layers] == ["residual", "conv", "concat"]
    assert len(document.spec.layers[0].layers) == 1
    # A block can't go into itself.
    mime = model.mimeData([model.find((0,))])
    assert not document.move_before((0,), (0, 0, 0))
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.spec.to_dict() == before


def test_follows_every_kind_of_edit(lenet_doc, model):
    lenet_doc.add_layer("dropout", after=5)
    assert texts(model)[7] == "DROPOUT4 — rate 0.5"
    lenet_doc.remove_layer(0)
    lenet_doc.move_layer(0, 3)
    lenet_doc.set_input_shape((28, 28, 1))
    lenet_doc.add_layer_at("residual", (2,))
    assert model.rowCount(model.find((2,))) == 2                       # main and shortcut
    lenet_doc.load(load_preset("example_convnet"))
    assert model.rowCount() == 6
    lenet_doc.load(load_preset("blank"))
    assert texts(model) == ["Input — 32×32×3"]


def drop(view, model, source, target, below):
    mime = model.mimeData([model.find(source)])
    rect = view.visualRect(target)
    point = QPointF(rect.center().x(), rect.bottom() - 1 if below else rect.top() + 2)
    event = QDropEvent(point, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    return event


def test_dropping_on_the_tree_view_moves_one_layer(qapp, qtbot):
    document = blocks_doc()
    model = LayerTreeModel(document)
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(420, 500)
    view.show()
    qtbot.waitExposed(view)
    assert view.isExpanded(model.find((1,)))                          # blocks open, every inner item in view
    # The concat's conv onto the upper half of RES1's second main conv: above it, in the main path.
    event = drop(view, model, (2, 0, 0), model.find((1, 0, 1)), below=False)
    assert event.isAccepted()
    assert [layer.filters for layer in document.spec.layers[1].layers] == [4, 2, 4]
    assert document.spec.layers[2].branches[0] == [] and document.undo_stack.count() == 1
    # CONV1 onto the lower half of the last top-level item: to the end.
    drop(view, model, (0,), model.find((1,)), below=True)
    assert [layer.type for layer in document.spec.layers] == ["residual", "conv", "concat"]
    assert document.undo_stack.count() == 2
    # A collapsed block stays collapsed when the tree is rebuilt.
    view.collapse(model.find((0,)))
    document.add_layer_at("pool", (3,))
    assert not view.isExpanded(model.find((0,))) and view.isExpanded(model.find((2,)))
