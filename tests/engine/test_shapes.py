"""summarize(): the course table as data, shapes and parameter counts for every layer kind."""
from pathlib import Path

import pytest

from engine import NetworkSpec, load_spec, summarize
from engine.shapes import conv_output_size, format_shape, row_status
from engine import ConvSpec, DenseSpec, DropoutSpec, FlattenSpec, InputSpec, PoolSpec

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"


def test_lenet5_preset_reproduces_the_course_table_exactly():
    summary = summarize(load_spec(PRESETS / "lenet5.json"))
    table = [(r.name, format_shape(r.output_shape), r.activation_size, r.params) for r in summary.rows]
    assert table == [
        ("Input", "(32,32,3)", 3072, 0),
        ("CONV1", "(28,28,8)", 6272, 608),
        ("POOL1", "(14,14,8)", 1568, 0),
        ("CONV2", "(10,10,16)", 1600, 3216),
        ("POOL2", "(5,5,16)", 400, 0),
        ("FC3", "(120,1)", 120, 48120),
        ("FC4", "(84,1)", 84, 10164),
        ("Softmax", "(10,1)", 10, 850),
    ]
    assert summary.total_params == 62958
    assert summary.ok and summary.error is None


def test_course_example_convnet_39x39x3():
    summary = summarize(load_spec(PRESETS / "example_convnet.json"))
    shapes = [r.output_shape for r in summary.rows]
    assert shapes == [(39, 39, 3), (37, 37, 10), (17, 17, 20), (7, 7, 40), (1960,), (10,)]
    assert summary.rows[4].activation_size == 1960


def test_formulas_show_the_course_arithmetic():
    rows = summarize(load_spec(PRESETS / "lenet5.json")).rows
    assert rows[1].formula == "⌊(32 + 2·0 − 5)/1⌋ + 1 = 28; (5·5·3 + 1)·8 = 608"
    assert "400·120 + 120 = 48,120" in rows[5].formula
    assert rows[1].macs == 28 * 28 * 8 * 5 * 5 * 3


def _one(layer, shape):
    return summarize(NetworkSpec(InputSpec(shape), [layer])).rows[1]


@pytest.mark.parametrize("layer, in_shape, out_shape, params", [
    (ConvSpec(10, 3), (6, 6, 3), (4, 4, 10), 280),                     # course quiz: 10 filters 3×3×3 → 280
    (ConvSpec(6, 5), (32, 32, 3), (28, 28, 6), 456),                   # "why convolutions": 456
    (ConvSpec(4, 3, padding="same"), (7, 7, 2), (7, 7, 4), (9 * 2 + 1) * 4),
    (ConvSpec(4, 5, padding="same"), (9, 9, 1), (9, 9, 4), 26 * 4),
    (ConvSpec(2, 3, stride=2), (7, 7, 1), (3, 3, 2), 20),
    (ConvSpec(2, 3, stride=2, padding=1), (7, 7, 1), (4, 4, 2), 20),   # ⌊(7+2−3)/2⌋+1 = 4
    (ConvSpec(2, 3, stride=3, padding=2), (10, 7, 1), (4, 3, 2), 20),  # non-square input
    (ConvSpec(5, 5, stride=2), (37, 37, 10), (17, 17, 5), 1255),
    (PoolSpec("max", 2, 2), (28, 28, 8), (14, 14, 8), 0),
    (PoolSpec("avg", 3, 2), (7, 7, 4), (3, 3, 4), 0),                  # f=3, s=2
    (PoolSpec("max", 2, 2), (5, 5, 1), (2, 2, 1), 0),                  # floor drops the last row
    (FlattenSpec(), (7, 7, 40), (1960,), 0),
    (DropoutSpec(0.3), (5, 5, 16), (5, 5, 16), 0),
    (DenseSpec(120), (5, 5, 16), (120,), 48120),                        # implicit flatten
])
def test_layer_output_shapes_and_params(layer, in_shape, out_shape, params):
    row = _one(layer, in_shape)
    assert row.error is None
    assert row.output_shape == out_shape
    assert row.params == params


def test_conv_output_size_formula():
    assert conv_output_size(6, 3, 0, 1) == 4
    assert conv_output_size(7, 3, 0, 2) == 3
    assert conv_output_size(32, 5, 2, 1) == 32


@pytest.mark.parametrize("layers, in_shape, bad_index, words", [
    ([ConvSpec(8, 5)], (4, 4, 3), 1, ["filter 5", "4×4", "padding"]),
    ([ConvSpec(8, 4, padding="same")], (8, 8, 3), 1, ["same", "odd", "f = 4"]),
    ([PoolSpec("max", 3, 2)], (2, 2, 3), 1, ["pool window 3", "2×2"]),
    ([DenseSpec(10), ConvSpec(3, 3)], (8, 8, 1), 2, ["volume", "vector of 10"]),
    ([DenseSpec(10, "softmax"), DenseSpec(5, "softmax")], (8, 8, 1), 1, ["last layer"]),
])
def test_impossible_layers_carry_an_error_and_later_rows_are_not_computed(layers, in_shape, bad_index, words):
    spec = NetworkSpec(InputSpec(in_shape), layers + [DenseSpec(7, "relu"), DenseSpec(2, "softmax")])
    summary = summarize(spec)
    assert not summary.ok
    bad = summary.rows[bad_index]
    for word in words:
        assert word in bad.error
    assert summary.error.startswith(bad.name + ": ")
    for row in summary.rows[bad_index + 1:]:
        assert row.output_shape is None and row.params is None
        assert row.blocked_by == bad.name
    for row in summary.rows[:bad_index]:
        assert row.computable


def test_softmax_output_needs_two_classes():
    summary = summarize(NetworkSpec(InputSpec((8, 8, 1)), [DenseSpec(1, "softmax")]))
    assert "at least 2" in summary.rows[1].error and "sigmoid" in summary.rows[1].error


def test_fixing_the_layer_clears_the_error():
    spec = NetworkSpec(InputSpec((4, 4, 3)), [ConvSpec(8, 5), DenseSpec(2, "softmax")])
    assert not summarize(spec).ok
    spec.layers[0].padding = 1
    summary = summarize(spec)
    assert summary.ok and summary.rows[1].output_shape == (2, 2, 8)


def test_generated_names_follow_the_course_numbering():
    spec = NetworkSpec(InputSpec((32, 32, 3)), [ConvSpec(8, 5), PoolSpec(), ConvSpec(16, 5), PoolSpec(),
                                                 DenseSpec(120), DenseSpec(84), DenseSpec(10, "softmax")])
    assert spec.layer_names() == ["CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax"]
    spec.layers.insert(0, ConvSpec(4, 3, name="CONV2"))  # a user's name is kept; generated ones avoid it
    names = spec.layer_names()
    assert names[0] == "CONV2" and len(set(names)) == len(names)


def test_empty_design_has_only_the_input_row():
    summary = summarize(NetworkSpec())
    assert [r.name for r in summary.rows] == ["Input"] and summary.ok and summary.total_params == 0


def test_row_status_short_and_long_wording():
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [14, 14, 6]}, "layers": [
        {"type": "conv", "name": "CONV2", "filters": 16, "size": 20},
        {"type": "pool", "name": "POOL2", "size": 2, "stride": 2}]})
    input_row, broken, blocked = summarize(spec).rows
    assert row_status(input_row) == "" and row_status(input_row, long=True) == ""
    assert row_status(broken) == f"ERROR: {broken.error}"
    assert row_status(broken, long=True) == f"CONV2 cannot work: {broken.error}"
    assert row_status(blocked) == "(not computed: CONV2 above has an error)"
    assert row_status(blocked, long=True) == "POOL2: not computed until CONV2 above it is fixed."
