"""Week 2's worked numbers (engine.course_examples.WEEK2_EXAMPLES) appear in the table of their designs, and
a residual block whose main path is zero is the identity, as the course explains."""
import numpy as np
import pytest

from engine import Network, summarize
from engine.course_examples import WEEK2_EXAMPLES, residual_identity_spec
from engine.kinds import DenseSpec


@pytest.mark.parametrize("example", WEEK2_EXAMPLES, ids=lambda e: e.key)
def test_each_worked_number_is_in_its_designs_table(example):
    summary = summarize(example.spec())
    assert summary.ok, summary.error
    rows = {row.name: row for row in summary.rows}
    for (name, column), value in example.numbers.items():
        if name == "Total":
            assert getattr(summary, f"total_{column}") == value, (name, column)
        else:
            assert getattr(rows[name], column) == value, (name, column)
    assert example.title and example.text


def test_the_depthwise_separable_ratio_is_one_over_n_c_plus_one_over_f_squared():
    normal = summarize(next(e for e in WEEK2_EXAMPLES if e.key == "normal_conv").spec()).total_macs
    separable = summarize(next(e for e in WEEK2_EXAMPLES if e.key == "depthwise_separable").spec()).total_macs
    assert separable / normal == pytest.approx(1 / 5 + 1 / 9)


def test_a_residual_block_with_a_zero_main_path_is_the_identity():
    spec = residual_identity_spec()
    spec.layers.append(DenseSpec(2, "softmax"))        # a network needs class scores to be built
    net = Network.from_spec(spec, seed=0, dtype=np.float64)
    for key in net.params:
        if not key.startswith("Softmax"):
            net.params[key][...] = 0.0
    x = np.random.default_rng(0).random((3, 8, 8, 4))  # a[l] ≥ 0, as after a relu
    out = dict(net.activations(x))["RES"]
    np.testing.assert_array_equal(out, x)
