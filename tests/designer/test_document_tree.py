"""DesignDocument at any depth: every edit addressed by path is one undo step with its own copies, names stay
unique in the whole design, signals carry the path, and a block's branches come and go."""
from __future__ import annotations

import pytest

from designer.document import DesignDocument
from engine import ConcatSpec, ConvSpec, DenseSpec, ResidualSpec, SpecError
from engine.spec import InputSpec, NetworkSpec


@pytest.fixture
def doc(qapp):
    document = DesignDocument()
    document.load(NetworkSpec(InputSpec((8, 8, 4)), [
        ConvSpec(filters=4, size=3, padding="same"),
        ResidualSpec(layers=[ConvSpec(filters=4, size=3, padding="same", name="inner_a"),
                             ConvSpec(filters=4, size=3, padding="same", activation="linear", name="inner_b")]),
        ConcatSpec(branches=[[ConvSpec(filters=2, size=1)], [ConvSpec(filters=3, size=3, padding="same")]]),
    ]))
    return document


def test_add_layer_at_any_depth_fits_the_shape_there(doc):
    path = doc.add_layer_at("residual", (1, 1, 0))              # into RES1's empty shortcut
    assert path == (1, 1, 0) and doc.summary.ok
    inner = doc.layer_at(path)
    assert inner.type == "residual" and inner.layers[0].filters == 4    # the block's 4 incoming channels
    path = doc.add_layer_at("concat", (2, 1, 1))                # after branch 2's conv
    assert doc.layer_at(path).type == "concat" and doc.summary.ok
    assert doc.summary.row_at(path).output_shape == (8, 8, 3)   # keeps the 3 channels it gets
    assert doc.undo_stack.count() == 2


@pytest.mark.parametrize("kind", ["conv", "pool", "depthwise", "batchnorm", "dropout"])
def test_a_layer_added_anywhere_inside_a_block_keeps_the_design_valid(doc, kind):
    # Every slot of RES1's main path and shortcut and of both concat branches.
    slots = [(1, 0, i) for i in range(3)] + [(1, 1, 0)] + [(2, b, i) for b in (0, 1) for i in range(2)]
    for slot in slots:
        path = doc.add_layer_at(kind, slot)
        assert doc.summary.ok, (kind, slot, doc.summary.error)
        assert doc.summary.row_at(path).output_shape[:2] == (8, 8), (kind, slot)
        doc.undo_stack.undo()
    assert doc.summary.ok and doc.layer_at((1,)).layers[0].name == "inner_a"


def test_a_layer_added_at_the_top_level_keeps_the_course_defaults(doc):
    conv = doc.layer_at(doc.add_layer_at("conv", (3,)))
    assert (conv.size, conv.padding, conv.filters) == (3, "valid", 8)     # doubles the top-level conv's 4
    pool = doc.layer_at(doc.add_layer_at("pool", (4,)))
    assert (pool.size, pool.stride) == (2, 2)


def test_set_field_at_an_inner_layer_is_one_step_and_names_are_unique_in_the_whole_design(doc, qtbot):
    with qtbot.waitSignal(doc.itemChanged) as blocker:
        doc.set_field_at((1, 0, 0), "filters", 6)
    assert blocker.args == [(1, 0, 0)]
    assert doc.summary.row_at((1, 0, 0)).output_shape == (8, 8, 6)
    assert doc.summary.row_at((1,)).output_shape == (8, 8, 4)   # inner_b brings it back to 4
    with pytest.raises(SpecError, match="already called"):
        doc.set_field_at((2, 0, 0), "name", "inner_a")           # a name used inside another block
    assert doc.check_name((0,), "inner_b") is not None and doc.check_name((1, 0, 0), "inner_a") is None
    with pytest.raises(SpecError, match="no field 'layers'"):
        doc.set_field_at((1,), "layers", [])                     # lists are edited by path, not replaced
    doc.set_field_at((1,), "activation", "linear")
    assert doc.layer_at((1,)).activation == "linear"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.layer_at((1,)).activation == "relu" and doc.layer_at((1, 0, 0)).filters == 4


def test_duplicating_a_block_names_its_copies_afresh(doc):
    path = doc.duplicate_at((1,))
    assert path == (2,)
    copy = doc.layer_at(path)
    assert copy.name is None and [layer.name for layer in copy.layers] == [None, None]
    names = [entry.name for entry in doc.spec.walk()]
    assert len(names) == len(set(names)) and "inner_a" in names and doc.summary.ok
    doc.duplicate_at((2, 0, 1))
    assert len(doc.layer_at((2,)).layers) == 3


def test_moves_between_lists_and_their_undo(doc, qtbot):
    before = doc.spec.to_dict()
    with qtbot.waitSignal(doc.itemMoved) as blocker:
        assert doc.move_item((0,), (0, 1, 0))                   # CONV1 into the shortcut (RES1 is now 0)
    assert blocker.args == [(0,), (0, 1, 0)]
    assert [layer.type for layer in doc.spec.layers] == ["residual", "concat"]
    assert doc.undo_stack.text(doc.undo_stack.count() - 1).startswith("Move CONV1 into RES1 › shortcut")
    assert doc.move_before((1, 1, 0), (0, 0, 0))                # branch 2's conv to the front of the main path
    assert [layer.filters for layer in doc.layer_at((0,)).layers] == [3, 4, 4]
    assert not doc.move_before((0,), (0, 0, 0))                 # into itself
    assert not doc.move_before((0,), (0,)) and not doc.move_before((0,), (1,))   # where it already is
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.spec.to_dict() == before


def test_branches_come_and_go_as_undo_steps(doc, qtbot):
    assert doc.can_add_branch((2,)) and not doc.can_add_branch((1,)) and not doc.can_add_branch((0,))
    with qtbot.waitSignal(doc.itemChanged) as blocker:
        assert doc.add_branch((2,), 1) == (2, 1)
    assert blocker.args == [(2,)]
    assert [len(branch) for branch in doc.layer_at((2,)).branches] == [1, 0, 1]
    assert doc.summary.row_at((2,)).output_shape == (8, 8, 2 + 4 + 3)   # the empty branch passes 4 channels
    assert doc.remove_branch((2, 2)) and [len(b) for b in doc.layer_at((2,)).branches] == [1, 0]
    assert not doc.remove_branch((1, 1)) and not doc.can_remove_branch((1, 0))    # a residual keeps both
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert [len(branch) for branch in doc.layer_at((2,)).branches] == [1, 1]


def test_insert_and_remove_at_depth_keep_their_own_copies(doc, qtbot):
    layer = DenseSpec(units=3)
    with pytest.raises(SpecError):
        doc.insert_at((1, 0, 0), DenseSpec(units=0))
    with qtbot.waitSignal(doc.itemInserted) as blocker:
        doc.insert_at((2, 0, 1), ConvSpec(filters=2, size=1, name="late"))
    assert blocker.args == [(2, 0, 1)]
    with pytest.raises(SpecError, match="unique"):
        doc.insert_at((0,), ConvSpec(filters=2, size=1, name="late"))
    doc.insert_at((2, 1, 1), layer)
    layer.units = 99
    assert doc.layer_at((2, 1, 1)).units == 3
    with qtbot.waitSignal(doc.itemRemoved) as blocker:
        doc.remove_at((2, 0, 1))
    assert blocker.args == [(2, 0, 1)]
    doc.undo_stack.undo()
    assert doc.layer_at((2, 0, 1)).name == "late"
