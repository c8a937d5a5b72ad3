"""DesignDocument: every edit is one undo step, signals say what changed, bad values are refused."""
from __future__ import annotations

import pytest

from designer.document import DesignDocument, blank_spec
from designer.presets import load_preset
from engine import ConvSpec, DenseSpec, PoolSpec, SpecError, summarize
from engine.spec import check_input_shape


@pytest.fixture
def doc(qapp):
    return DesignDocument()


@pytest.fixture
def lenet(qapp):
    document = DesignDocument()
    document.load(load_preset("lenet5"))
    return document


def names(document):
    return document.layer_names()


def test_blank_document(doc):
    assert doc.spec.input.shape == (32, 32, 3)
    assert doc.layer_count == 0
    assert not doc.is_modified
    assert doc.display_name == "Untitled"
    assert [row.name for row in doc.summary.rows] == ["Input"]


def test_add_layer_inserts_after_index_with_defaults(doc):
    assert doc.add_layer("conv") == 0             # None: append
    assert doc.add_layer("dense") == 1
    assert doc.add_layer("pool", after=0) == 1    # right after CONV1
    assert doc.add_layer("conv", after=-1) == 0   # right after the input
    assert [layer.type for layer in doc.spec.layers] == ["conv", "conv", "pool", "dense"]
    assert all(layer.name is None for layer in doc.spec.layers)
    assert names(doc) == ["CONV1", "CONV2", "POOL2", "FC3"]


def test_conv_default_doubles_the_previous_filters(doc):
    doc.add_layer("conv")
    doc.add_layer("conv")
    doc.add_layer("conv")
    assert [layer.filters for layer in doc.spec.layers] == [8, 16, 32]


def test_summary_follows_every_edit(doc):
    doc.add_layer("conv")
    doc.set_field(0, "size", 5)
    assert doc.summary.rows[1].output_shape == (28, 28, 8)
    doc.set_input_shape((39, 39, 3))
    assert doc.summary.rows[1].output_shape == (35, 35, 8)
    assert doc.summary.rows[1].output_shape == summarize(doc.spec).rows[1].output_shape


def test_undo_redo_walk_through_distinct_edits(doc):
    stack = doc.undo_stack
    snapshots = [doc.spec.to_dict()]

    def step(action):
        action()
        snapshots.append(doc.spec.to_dict())

    step(lambda: doc.add_layer("conv"))
    step(lambda: doc.add_layer("pool"))
    step(lambda: doc.set_field(0, "filters", 12))
    step(lambda: doc.set_field(0, "size", 5))
    step(lambda: doc.move_layer(1, 0))
    step(lambda: doc.set_input_shape((28, 28, 1)))
    step(lambda: doc.remove_layer(0))
    step(lambda: doc.duplicate_layer(0))
    assert stack.count() == len(snapshots) - 1

    for expected in reversed(snapshots[:-1]):
        stack.undo()
        assert doc.spec.to_dict() == expected
    assert not stack.canUndo()
    for expected in snapshots[1:]:
        stack.redo()
        assert doc.spec.to_dict() == expected


def test_spin_box_bursts_merge_until_the_burst_ends(doc):
    doc.add_layer("dense")
    stack = doc.undo_stack
    for units in (1, 12, 120):                      # typing "120" digit by digit
        doc.set_field(0, "units", units, merge=True)
    assert stack.count() == 2
    doc.end_burst()
    doc.set_field(0, "units", 121, merge=True)      # a new burst: a new step
    assert stack.count() == 3
    doc.set_field(0, "activation", "tanh")           # another field: a new step
    assert stack.count() == 4
    stack.undo()
    assert doc.layer(0).activation == "relu"
    stack.undo()
    assert doc.layer(0).units == 120
    stack.undo()
    assert doc.layer(0).units == 64


def test_merge_needs_same_layer_and_field(doc):
    doc.add_layer("dense")
    doc.add_layer("dense")
    doc.set_field(0, "units", 10, merge=True)
    doc.set_field(1, "units", 10, merge=True)
    assert doc.undo_stack.count() == 4


def test_a_burst_back_to_the_start_leaves_no_step(doc):
    doc.add_layer("conv")
    doc.end_burst()
    doc.set_field(0, "filters", 9, merge=True)
    doc.set_field(0, "filters", 8, merge=True)
    assert doc.undo_stack.count() == 1
    assert doc.layer(0).filters == 8


def test_input_shape_bursts_merge_per_side(doc):
    doc.set_input_shape((3, 32, 3), merge=True)
    doc.set_input_shape((39, 32, 3), merge=True)
    doc.set_input_shape((39, 39, 3), merge=True)   # another side: another step
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.spec.input.shape == (39, 32, 3)
    doc.undo_stack.undo()
    assert doc.spec.input.shape == (32, 32, 3)


def test_unchanged_values_make_no_step(doc):
    doc.add_layer("conv")
    assert doc.set_field(0, "filters", 8) is False
    assert doc.set_input_shape((32, 32, 3)) is False
    assert doc.move_layer(0, 0) is False
    assert doc.undo_stack.count() == 1


@pytest.mark.parametrize("field_name, value", [
    ("filters", 0), ("size", -1), ("stride", 0), ("padding", "full"), ("activation", "softmax"),
    ("filters", 2.5), ("nonsense", 1),
])
def test_bad_conv_values_are_refused(doc, field_name, value):
    doc.add_layer("conv")
    with pytest.raises(SpecError):
        doc.set_field(0, field_name, value)
    assert doc.undo_stack.count() == 1


@pytest.mark.parametrize("shape", [(0, 32, 3), (32, 32), (32, 32, 99999), (32.0, 32, 3)])
def test_bad_input_shapes_are_refused(doc, shape):
    with pytest.raises(SpecError):
        doc.set_input_shape(shape)
    assert doc.spec.input.shape == (32, 32, 3)


def test_names_are_none_until_typed_and_must_be_unique(lenet):
    doc = DesignDocument()
    doc.add_layer("conv")
    doc.add_layer("conv")
    assert doc.check_name(1, "CONV1") is not None      # shown by the other layer
    assert doc.check_name(1, "input") is not None
    assert doc.check_name(1, "features") is None
    with pytest.raises(SpecError, match="already called"):
        doc.set_field(1, "name", "CONV1")
    doc.set_field(1, "name", "  features ")
    assert doc.layer(1).name == "features"
    doc.set_field(1, "name", "")
    assert doc.layer(1).name is None
    assert names(doc) == ["CONV1", "CONV2"]


def test_auto_names_renumber_when_layers_move(doc):
    doc.add_layer("conv")
    doc.add_layer("pool")
    doc.add_layer("dense")
    doc.set_field(2, "units", 10)
    doc.set_field(2, "activation", "softmax")
    assert names(doc) == ["CONV1", "POOL1", "Softmax"]
    doc.add_layer("conv", after=-1)
    assert names(doc) == ["CONV1", "CONV2", "POOL2", "Softmax"]


def test_signals_describe_each_change(doc, qtbot):
    with qtbot.waitSignals([doc.layerInserted, doc.changed]) as blocker:
        doc.add_layer("conv")
    with qtbot.waitSignal(doc.layerChanged) as blocker:
        doc.set_field(0, "filters", 4)
    assert blocker.args == [0]
    doc.add_layer("pool")
    with qtbot.waitSignal(doc.layerMoved) as blocker:
        doc.move_layer(1, 0)
    assert blocker.args == [1, 0]
    with qtbot.waitSignal(doc.layerRemoved) as blocker:
        doc.remove_layer(0)
    assert blocker.args == [0]
    with qtbot.waitSignal(doc.inputChanged):
        doc.set_input_shape((8, 8, 1))
    with qtbot.waitSignal(doc.specReset):
        doc.undo_stack.undo()  # input back
        doc.replace_spec(load_preset("lenet5"))


def test_replace_spec_is_one_undo_step(doc):
    doc.add_layer("conv")
    before = doc.spec.to_dict()
    doc.replace_spec(load_preset("lenet5"), "Load LeNet-5")
    assert doc.layer_count == 7
    doc.undo_stack.undo()
    assert doc.spec.to_dict() == before


def test_load_resets_history_and_modified(doc, qtbot, tmp_path):
    doc.add_layer("conv")
    assert doc.is_modified
    with qtbot.waitSignals([doc.specReset, doc.modifiedChanged, doc.filePathChanged]):
        doc.load(load_preset("lenet5"), tmp_path / "lenet.json")
    assert not doc.is_modified
    assert not doc.undo_stack.canUndo()
    assert doc.display_name == "lenet.json"
    doc.set_field(0, "filters", 6)
    assert doc.is_modified
    doc.undo_stack.undo()
    assert not doc.is_modified


def test_spec_snapshot_is_independent(lenet):
    snapshot = lenet.spec.copy()
    lenet.set_field(0, "filters", 6)
    assert snapshot.layers[0].filters == 8


def test_commands_keep_their_own_copies(doc):
    layer = ConvSpec(filters=4, size=3)
    doc.insert_layer(0, layer)
    layer.filters = 99                  # the caller's object is not the document's
    assert doc.layer(0).filters == 4
    doc.remove_layer(0)
    doc.undo_stack.undo()
    assert doc.layer(0).filters == 4


def test_insert_layer_validates(doc):
    with pytest.raises(SpecError):
        doc.insert_layer(0, DenseSpec(units=0))
    doc.insert_layer(0, PoolSpec(name="P"))
    with pytest.raises(SpecError):
        doc.insert_layer(1, PoolSpec(name="P"))
    assert doc.layer_count == 1


def test_blank_spec():
    spec = blank_spec()
    assert spec.input.shape == (32, 32, 3) and spec.layers == []


@pytest.mark.parametrize("shape", [(0, 32, 3), (32, 32), (32, 5000, 3), (32, 32, 99999), (32.0, 32, 3)])
def test_a_bad_input_shape_gives_the_engine_message(doc, shape):
    with pytest.raises(SpecError) as engine_says:
        check_input_shape(shape)
    with pytest.raises(SpecError) as document_says:
        doc.set_input_shape(shape)
    assert str(document_says.value) == str(engine_says.value)
