"""The red row's advice for a filter larger than its input gives the padding that really works
(issue 21, point 5): a 20×20 filter on 13×13 needs p ≥ 4, and after p = 1 it still says ≥ 4."""
from __future__ import annotations

import re

import numpy as np
import pytest

from engine.functional import conv2d
from engine.kinds.checks import MAX_FILTER_SIZE, MAX_PADDING
from engine.shapes import padding_needed, summarize
from engine.spec import NetworkSpec


def one_conv(n_H: int, n_W: int, f: int, padding) -> NetworkSpec:
    return NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [n_H, n_W, 1]},
                                  "layers": [{"type": "conv", "filters": 1, "size": f, "padding": padding}]})


def advised_padding(error: str) -> int:
    found = re.search(r"use padding ≥ (\d+) or a smaller filter", error)
    assert found, error
    return int(found.group(1))


def test_the_course_like_example_needs_four():
    assert padding_needed(13, 20) == 4
    for tried in ("valid", 1, 2, 3):
        error = summarize(one_conv(13, 13, 20, tried)).error
        assert advised_padding(error) == 4, error
    assert summarize(one_conv(13, 13, 20, 4)).ok


@pytest.mark.parametrize("n_H,n_W", [(1, 1), (4, 4), (5, 9), (13, 13), (14, 10), (20, 20)])
def test_the_advised_padding_is_the_smallest_that_works(n_H, n_W):
    for f in range(1, 2 * max(n_H, n_W) + 8):
        for tried in range(0, 4):
            summary = summarize(one_conv(n_H, n_W, f, tried))
            if summary.ok:
                assert f <= min(n_H, n_W) + 2 * tried
                continue
            p = advised_padding(summary.error)
            assert p > tried                                     # the advice is never what failed
            assert summarize(one_conv(n_H, n_W, f, p)).ok        # p works ...
            assert not summarize(one_conv(n_H, n_W, f, p - 1)).ok   # ... and p − 1 does not
            # The engine's own convolution runs at p and gives the table's shape.
            x = np.zeros((1, n_H, n_W, 1))
            out = conv2d(x, np.zeros((f, f, 1, 1)), np.zeros(1), stride=1, pad=p)
            assert out.shape[1:] == summarize(one_conv(n_H, n_W, f, p)).rows[1].output_shape


def test_the_kernel_and_the_table_give_the_same_advice():
    with pytest.raises(ValueError, match="use padding ≥ 4 or a smaller filter"):
        conv2d(np.zeros((1, 13, 13, 1)), np.zeros((20, 20, 1, 1)), np.zeros(1), pad=1)


def test_depthwise_gets_the_same_advice():
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [13, 13, 2]},
                                  "layers": [{"type": "depthwise", "size": 20, "padding": 1}]})
    assert advised_padding(summarize(spec).error) == 4


def test_the_largest_filter_on_the_smallest_input_gets_a_padding_within_the_limit():
    assert MAX_FILTER_SIZE <= 2 * MAX_PADDING + 1
    error = summarize(one_conv(1, 1, MAX_FILTER_SIZE, 0)).error
    assert advised_padding(error) == (MAX_FILTER_SIZE - 1) // 2 <= MAX_PADDING


def test_the_readme_quotes_the_app():
    from pathlib import Path

    from engine.resources import preset_path
    from engine.spec import load_spec
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    quoted = re.search(r"“(CONV2: filter 20 [^”]+)”", readme).group(1)
    spec = load_spec(preset_path("lenet5"))
    spec.layers[2].size = 20
    assert summarize(spec).error == quoted


def test_the_command_line_gives_the_same_advice(capsys, tmp_path):
    from engine.cli import main
    from engine.spec import save_spec
    path = tmp_path / "big_filter.json"
    spec = one_conv(13, 13, 20, 1)
    save_spec(spec, path)
    assert main(["summary", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert err.rstrip().endswith(summarize(spec).error) and advised_padding(err) == 4
