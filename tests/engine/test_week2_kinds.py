"""Week-2 kinds in the course table: batch norm, depthwise, global pooling, residual and concat blocks, bias
off, pool padding and relu6 — shapes, parameters, MACs and formulas; the red rows and the advice they give;
table order, depth, branch labels and paths of inner rows; names unique across the whole design; and a new
block is valid wherever it is inserted."""
import pytest

from engine import NetworkSpec, summarize
from engine.kinds import kind_for, type_names
from engine.shapes import row_status, shape_before
from engine.spec import FORMAT

WEEK2 = ("batchnorm", "depthwise", "globalpool", "residual", "concat")


def design(layers, shape=(8, 8, 3)):
    return NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": list(shape)}, "layers": layers})


def conv(filters, size, **fields):
    return {"type": "conv", "filters": filters, "size": size, **fields}


def row_of(layer, shape):
    """The layer's row for an input of `shape` (a vector (n,) comes from a flatten of 1×1×n)."""
    if len(shape) == 1:
        summary = summarize(design([{"type": "flatten"}, layer], (1, 1, shape[0])))
    else:
        summary = summarize(design([layer], shape))
    return summary.top_level_rows[-1]


# (layer, input shape) → (output shape, parameters, MACs)
CASES = [
    ({"type": "batchnorm"}, (28, 28, 64), (28, 28, 64), 128, 28 * 28 * 64),
    ({"type": "batchnorm", "activation": "relu"}, (120,), (120,), 240, 120),
    ({"type": "depthwise", "size": 3}, (6, 6, 3), (4, 4, 3), 3 * 3 * 3 + 3, 432),
    ({"type": "depthwise", "size": 3, "bias": False}, (6, 6, 3), (4, 4, 3), 27, 432),
    ({"type": "depthwise", "size": 3, "multiplier": 2, "padding": "same", "stride": 2}, (7, 7, 4), (4, 4, 8),
     9 * 4 * 2 + 8, 4 * 4 * 8 * 9),
    ({"type": "depthwise", "size": 5, "padding": 1}, (10, 12, 2), (8, 10, 2), 25 * 2 + 2, 8 * 10 * 2 * 25),
    ({"type": "globalpool"}, (7, 7, 512), (1, 1, 512), 0, 0),
    ({"type": "globalpool", "mode": "max"}, (3, 5, 2), (1, 1, 2), 0, 0),
    (conv(8, 5, bias=False), (32, 32, 3), (28, 28, 8), 600, 470_400),
    ({"type": "dense", "units": 10, "bias": False, "activation": "softmax"}, (5, 5, 16), (10,), 4000, 4000),
    ({"type": "pool", "size": 3, "stride": 2, "padding": 1}, (112, 112, 64), (56, 56, 64), 0, 0),
    ({"type": "pool", "mode": "avg", "size": 3, "stride": 1, "padding": "same"}, (28, 28, 192), (28, 28, 192), 0, 0),
    (conv(4, 3, activation="relu6"), (5, 5, 1), (3, 3, 4), 40, 324),
]


@pytest.mark.parametrize("layer, shape, out, params, macs", CASES)
def test_shapes_parameters_and_macs(layer, shape, out, params, macs):
    row = row_of(layer, shape)
    assert row.error is None, row.error
    assert (row.output_shape, row.params, row.macs) == (out, params, macs)


def test_batchnorm_formula_names_the_running_statistics_and_its_arrays():
    row = row_of({"type": "batchnorm"}, (28, 28, 64))
    assert "2·64 = 128 (+128 running statistics)" in row.formula
    assert row.param_shapes == {"gamma": (64,), "beta": (64,)}
    assert row.state_shapes == {"running_mean": (64,), "running_var": (64,)}
    assert "per unit" in row_of({"type": "batchnorm"}, (10,)).formula


def test_bias_off_formulas_and_arrays():
    conv_row = row_of(conv(8, 5, bias=False), (32, 32, 3))
    assert conv_row.formula.endswith("5·5·3·8 = 600 (no biases)") and set(conv_row.param_shapes) == {"W"}
    dense_row = row_of({"type": "dense", "units": 3, "bias": False}, (4,))
    assert dense_row.formula == "4·3 = 12 (no biases)" and set(dense_row.param_shapes) == {"W"}
    dw = row_of({"type": "depthwise", "size": 3, "multiplier": 2}, (6, 6, 3))
    assert dw.param_shapes == {"W": (3, 3, 3, 2), "b": (6,)}


def test_the_depthwise_separable_numbers_of_the_course():
    # 6×6×3 → 4×4×5 with f = 3: normal conv 2,160; depthwise 432 + pointwise 240 = 672 multiplications.
    normal = summarize(design([conv(5, 3)], (6, 6, 3)))
    separable = summarize(design([{"type": "depthwise", "size": 3}, conv(5, 1)], (6, 6, 3)))
    assert normal.rows[1].macs == 2160
    assert [row.macs for row in separable.rows[1:]] == [432, 240]
    assert separable.total_macs == 672
    assert separable.output_shape == normal.output_shape == (4, 4, 5)


# ----- blocks ---------------------------------------------------------------------------------------

RESNET_BLOCK = {"type": "residual", "layers": [conv(16, 3, padding="same", bias=False, activation="linear"),
                                               {"type": "batchnorm", "activation": "relu"},
                                               conv(16, 3, padding="same", bias=False, activation="linear"),
                                               {"type": "batchnorm"}]}


def test_a_residual_block_row_then_its_inner_rows():
    summary = summarize(design([conv(16, 3, padding="same"), RESNET_BLOCK], (8, 8, 3)))
    names = [row.name for row in summary.rows]
    assert names == ["Input", "CONV1", "RES1", "CONV2", "BN2", "CONV3", "BN3"]
    block = summary.rows[2]
    assert block.is_block and block.output_shape == (8, 8, 16)
    assert block.params == 2 * (9 * 16 * 16) + 2 * 32 == sum(row.params for row in summary.rows[3:])
    assert block.macs == sum(row.macs for row in summary.rows[3:])
    assert "main + shortcut (identity) = 8×8×16, then relu" in block.formula
    assert summary.total_params == summary.rows[1].params + block.params      # counted once
    inner = summary.rows[3:]
    assert [(r.depth, r.parent, r.branch, r.index) for r in inner] == [(1, "RES1", "main", 1)] * 4
    assert [r.path for r in inner] == [(1, 0, 0), (1, 0, 1), (1, 0, 2), (1, 0, 3)]
    assert [p.label for p in block.paths] == ["main", "shortcut"] and block.paths[1].layers == 0
    assert [r.name for r in summary.top_level_rows] == ["Input", "CONV1", "RES1"]
    assert summary.row_at((1, 0, 2)).name == "CONV3"


def test_mismatched_residual_paths_say_what_to_add_to_the_shortcut():
    block = {"type": "residual", "layers": [conv(128, 3, stride=2, padding="same")]}
    summary = summarize(design([block, {"type": "dense", "units": 2, "activation": "softmax"}], (56, 56, 64)))
    row = summary.rows[1]
    assert row.error == ("the main path gives 28×28×128 but the shortcut gives 56×56×64: add a 1×1 conv with "
                         "stride 2 and 128 filters to the shortcut")
    assert not summary.ok and summary.error.startswith("RES1: the main path gives")
    assert summary.rows[-1].blocked_by == "RES1"
    same_size = summarize(design([{"type": "residual", "layers": [conv(32, 3, padding="same")]}], (8, 8, 16)))
    assert same_size.rows[1].error.endswith("add a 1×1 conv with 32 filters to the shortcut")
    vectors = summarize(design([{"type": "residual", "layers": [{"type": "dense", "units": 5}]}], (2, 2, 1)))
    assert vectors.rows[1].error == ("the main path gives 5 units but the shortcut gives 2×2×1: add a dense layer "
                                     "of 5 units to the shortcut")


def test_the_inception_module_of_the_course():
    module = {"type": "concat", "branches": [
        [conv(64, 1)], [conv(96, 1), conv(128, 3, padding="same")], [conv(16, 1), conv(32, 5, padding="same")],
        [{"type": "pool", "size": 3, "stride": 1, "padding": "same"}, conv(32, 1)]]}
    summary = summarize(design([module], (28, 28, 192)))
    block = summary.rows[1]
    assert block.output_shape == (28, 28, 256)
    assert block.formula.startswith("(28,28,64+128+32+32) = 28×28×256")
    assert [row.branch for row in summary.rows[2:]] == ["branch 1"] + ["branch 2"] * 2 + ["branch 3"] * 2 + \
        ["branch 4"] * 2
    assert block.params == summary.total_params


def test_concat_branches_that_change_the_size_are_named():
    module = {"type": "concat", "branches": [[conv(4, 1)], [], [conv(4, 3, stride=2)]]}
    row = summarize(design([module], (9, 9, 2))).rows[1]
    assert row.error.startswith("branch 3 gives 4×4×4 but branch 1 gives 9×9×4; the branches must keep the same "
                                "n_H×n_W to be stacked")
    assert "branch 3" in row.error.split(";")[1]
    passing = summarize(design([{"type": "concat", "branches": [[], [conv(3, 1)]]}], (5, 5, 2))).rows[1]
    assert passing.output_shape == (5, 5, 5) and passing.formula.startswith("(5,5,2+3) = 5×5×5")
    vectors = summarize(design([{"type": "concat", "branches": [[{"type": "dense", "units": 3}], [conv(2, 1)]]}],
                               (4, 4, 1))).rows[1]
    assert vectors.error.startswith("branch 2 gives a 4×4×2 volume but branch 1 gives a vector of 3 units")


def test_an_inner_error_blocks_the_block_and_the_rows_after_it():
    block = {"type": "residual", "layers": [conv(4, 3), conv(4, 9), conv(4, 1)]}
    summary = summarize(design([block, {"type": "flatten"}], (6, 6, 4)))
    rows = {row.name: row for row in summary.rows}
    assert rows["CONV2"].error.startswith("filter 9 is larger than the 4×4 input")
    assert rows["CONV3"].blocked_by == "CONV2"
    assert rows["RES1"].blocked_inside and rows["RES1"].error is None
    assert row_status(rows["RES1"]) == "(not computed: CONV2 inside has an error)"
    assert rows["FLATTEN"].blocked_by == "CONV2"
    assert summary.error.startswith("CONV2: filter 9")
    assert summary.error_row is rows["CONV2"]


def test_inner_layers_continue_the_course_numbering_and_blocks_count_on_their_own():
    spec = design([conv(4, 3, padding="same"), RESNET_BLOCK, RESNET_BLOCK,
                   {"type": "concat", "branches": [[conv(2, 1)], [{"type": "globalpool"}]]}], (8, 8, 16))
    entries = spec.walk()
    assert [e.name for e in entries] == ["CONV1", "RES1", "CONV2", "BN2", "CONV3", "BN3", "RES2", "CONV4", "BN4",
                                         "CONV5", "BN5", "CONCAT1", "CONV6", "GAP6"]
    assert spec.layer_names() == ["CONV1", "RES1", "RES2", "CONCAT1"]
    assert spec.layer_at((2, 0, 3)).type == "batchnorm"


def test_generated_names_skip_names_used_anywhere_in_the_design():
    inner_named = {"type": "residual", "layers": [conv(3, 1, name="CONV1")]}
    spec = design([conv(3, 1), inner_named])
    assert [e.name for e in spec.walk()] == ["CONV1_2", "RES1", "CONV1"]


def test_pool_padding_more_than_half_the_window_is_a_red_row():
    row = row_of({"type": "pool", "size": 2, "stride": 2, "padding": 2}, (8, 8, 3))
    assert row.error == ("padding 2 is more than half the 2×2 window, so a window could hold only padding; "
                         "use padding ≤ 1")
    even_same = row_of({"type": "pool", "size": 2, "padding": "same"}, (8, 8, 3))
    assert "odd" in even_same.error


def test_volume_kinds_on_a_vector_say_where_to_move_them():
    for layer in ({"type": "depthwise", "size": 3}, {"type": "globalpool"}):
        summary = summarize(design([{"type": "dense", "units": 8}, layer]))
        assert summary.rows[2].error.startswith(f"a {layer['type']} layer needs an n_H×n_W×n_C volume")


def test_the_why_convolutions_number_stays_right_inside_blocks():
    summary = summarize(design([{"type": "pool", "size": 2}, RESNET_BLOCK], (16, 16, 16)))
    inner_conv = summary.rows[3]
    assert inner_conv.name == "CONV2" and inner_conv.input_shape == (8, 8, 16)
    assert inner_conv.dense_equivalent_params == (8 * 8 * 16) * (8 * 8 * 16) + 8 * 8 * 16


# ----- new layers fit where they are inserted -------------------------------------------------------

LENET = [conv(8, 5), {"type": "pool"}, conv(16, 5), {"type": "pool"}, {"type": "dense", "units": 120},
         {"type": "dense", "units": 84}, {"type": "dense", "units": 10, "activation": "softmax"}]


@pytest.mark.parametrize("type_name", ["residual", "concat", "batchnorm"])
def test_a_new_block_is_valid_at_every_insert_point_of_lenet5(type_name):
    spec = design(LENET, (32, 32, 3))
    for index in range(len(spec.layers)):        # after the input and after every layer but the softmax
        changed = spec.copy()
        layer = kind_for(type_name).new_layer(list(changed.layers[:index]), shape_before(changed, index))
        changed.layers.insert(index, layer)
        summary = summarize(changed)
        assert summary.ok, (index, summary.error)
        assert summary.top_level_rows[index + 1].output_shape == shape_before(spec, index), index


def test_the_new_residual_block_is_the_courses_basic_block():
    block = kind_for("residual").new_layer([], (14, 14, 64))
    assert [layer.type for layer in block.layers] == ["conv", "batchnorm", "conv", "batchnorm"]
    assert [layer.filters for layer in block.layers[::2]] == [64, 64]
    assert [(l.size, l.padding, l.activation, l.bias) for l in block.layers[::2]] == [(3, "same", "linear", False)] * 2
    assert [l.activation for l in block.layers[1::2]] == ["relu", "linear"]
    assert block.shortcut == [] and block.activation == "relu"
    concat = kind_for("concat").new_layer([], (14, 14, 64))
    assert [[(l.size, l.filters) for l in branch] for branch in concat.branches] == [[(1, 32)], [(3, 32)]]


def test_every_week2_kind_is_registered_after_the_week1_kinds():
    assert type_names()[:5] == ("conv", "pool", "dense", "flatten", "dropout")
    assert set(WEEK2) <= set(type_names())
    for type_name in WEEK2:
        kind = kind_for(type_name)
        assert kind.title and kind.hint and kind.label
        for info in kind.editable_fields():      # plain data for the property editor; lists are not in the form
            assert info.widget in ("int", "float", "choice", "padding", "text", "bool")
            assert info.name not in ("layers", "shortcut", "branches")
