"""LayerListModel without a view: rows, descriptions, flags and drag-and-drop moves."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon

from designer.document import DesignDocument
from designer.design.layer_model import MIME_TYPE, LayerIndexRole, LayerListModel, StateRole
from designer.presets import load_preset

DISPLAY = Qt.ItemDataRole.DisplayRole


def texts(model):
    return [model.data(model.index(r)) for r in range(model.rowCount())]


@pytest.fixture
def model(lenet_doc, model_tester):
    layers = LayerListModel(lenet_doc)
    model_tester(layers)
    return layers


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


def test_other_kinds_and_paddings(qapp):
    lenet_doc = DesignDocument()
    lenet_doc.add_layer("conv")
    lenet_doc.set_field(0, "padding", "same")
    lenet_doc.add_layer("conv")
    lenet_doc.set_field(1, "padding", 2)
    lenet_doc.add_layer("flatten")
    lenet_doc.add_layer("dropout")
    model = LayerListModel(lenet_doc)
    assert texts(model)[1:] == ["CONV1 — 8 × 3×3, s1, same, relu", "CONV2 — 16 × 3×3, s1, p2, relu",
                                "FLATTEN — volume → vector", "DROPOUT2 — rate 0.5"]


def test_error_state_and_blocked_rows(lenet_doc, model):
    lenet_doc.set_field(2, "size", 20)  # CONV2's 20×20 filter on a 14×14 input
    assert model.data(model.index(3), StateRole) == "error"
    assert "14×14" in model.data(model.index(3), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(4), StateRole) == "blocked"
    assert model.data(model.index(2), StateRole) == "ok"


def test_flags_keep_the_input_first(model):
    assert not (model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled)
    assert model.flags(model.index(1)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not (model.flags(model.index(1)) & Qt.ItemFlag.ItemIsDropEnabled)  # drop between rows
    assert model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled
    assert model.supportedDropActions() == Qt.DropAction.MoveAction


def test_move_rows_is_one_undo_step(lenet_doc, model):
    # Drag FC3 (row 5) to before CONV1 (row 1): what QListView's internal move calls.
    assert model.moveRows(QModelIndex(), 5, 1, QModelIndex(), 1)
    assert texts(model)[1] == "FC3 — 120 units, relu"   # the preset names its layers
    assert lenet_doc.undo_stack.count() == 1
    lenet_doc.undo_stack.undo()
    assert texts(model)[5] == "FC3 — 120 units, relu"
    # down: row 1 to the end
    assert model.moveRows(QModelIndex(), 1, 1, QModelIndex(), model.rowCount())
    assert lenet_doc.spec.layers[-1].type == "conv"


def test_moves_that_do_nothing_are_refused(lenet_doc, model):
    assert not model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)   # the input
    assert not model.moveRows(QModelIndex(), 2, 1, QModelIndex(), 2)   # onto itself
    assert not model.moveRows(QModelIndex(), 2, 1, QModelIndex(), 3)   # just below itself
    assert not model.moveRows(QModelIndex(), 2, 2, QModelIndex(), 5)   # several rows
    assert lenet_doc.undo_stack.count() == 0
    # dropping above the input lands right after it
    assert model.moveRows(QModelIndex(), 3, 1, QModelIndex(), 0)
    assert lenet_doc.layer_names()[0] == "CONV2"


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


def test_follows_every_kind_of_edit(lenet_doc, model):
    lenet_doc.add_layer("dropout", after=5)
    assert texts(model)[7] == "DROPOUT4 — rate 0.5"
    lenet_doc.remove_layer(0)
    lenet_doc.move_layer(0, 3)
    lenet_doc.set_input_shape((28, 28, 1))
    lenet_doc.load(load_preset("example_convnet"))
    assert model.rowCount() == 6
    lenet_doc.load(load_preset("blank"))
    assert texts(model) == ["Input — 32×32×3"]


def test_dropping_on_the_list_view_moves_one_layer(lenet_doc, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QDropEvent
    from designer.design.views import LayerListView

    model = LayerListModel(lenet_doc)
    view = LayerListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    mime = model.mimeData([model.index(6)])              # FC4
    target = view.visualRect(model.index(1))              # upper half of CONV1: drop above it
    point = QPointF(target.center().x(), target.top() + 2)
    event = QDropEvent(point, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    assert event.isAccepted()
    assert texts(model)[1] == "FC4 — 84 units, relu"
    assert model.rowCount() == 8 and lenet_doc.undo_stack.count() == 1
    # lower half of the last row: to the end
    mime = model.mimeData([model.index(1)])
    target = view.visualRect(model.index(7))
    event = QDropEvent(QPointF(target.center().x(), target.bottom() - 1), Qt.DropAction.MoveAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)
    assert texts(model)[-1] == "FC4 — 84 units, relu"
    assert lenet_doc.undo_stack.count() == 2
