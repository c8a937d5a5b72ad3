"""Week-2 designs as JSON: nested blocks round-trip exactly (through a file too); fields added to old kinds
are written only when they differ from the default, so week-1 files read and write as before; hostile
block JSON — 10,000-deep nesting, a branch that is not a list, a residual without `layers`, mismatched
paths, a design of more layers than allowed inside blocks — is one clear message (in a child process under
a memory limit and a timeout: one `error:` line, exit status 2, never a traceback or RecursionError)."""
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import NetworkSpec, SpecError, load_spec, save_spec, summarize
from engine.kinds.checks import MAX_DEPTH, MAX_LAYERS
from engine.spec import FORMAT, copy_layer

ROOT = Path(__file__).resolve().parents[2]


def doc(layers, shape=(8, 8, 3), name=None):
    d = {"format": FORMAT}
    if name:
        d["name"] = name
    d.update({"input": {"shape": list(shape)}, "layers": layers})
    return d


NESTED = doc([
    {"type": "conv", "filters": 4, "size": 3, "stride": 1, "padding": "same", "activation": "linear", "bias": False},
    {"type": "batchnorm", "momentum": 0.05, "epsilon": 0.001, "activation": "relu6"},
    {"type": "residual", "activation": "relu", "layers": [
        {"type": "concat", "name": "mix", "branches": [
            [{"type": "residual", "activation": "linear", "layers": [
                {"type": "depthwise", "size": 3, "stride": 1, "padding": 1, "multiplier": 1, "activation": "relu",
                 "bias": True}], "shortcut": []}],
            [],
            [{"type": "pool", "mode": "avg", "size": 3, "stride": 1, "padding": 1},
             {"type": "conv", "filters": 2, "size": 1, "stride": 1, "padding": "valid", "activation": "relu"}]]},
        {"type": "conv", "filters": 4, "size": 1, "stride": 1, "padding": "valid", "activation": "relu"}],
        "shortcut": []},
    {"type": "globalpool", "mode": "max"},
    {"type": "dense", "units": 3, "activation": "softmax", "bias": False}], name="nested")


def test_nested_design_round_trips_exactly(tmp_path):
    spec = NetworkSpec.from_dict(NESTED)
    assert spec.to_dict() == NESTED
    path = tmp_path / "nested.json"
    save_spec(spec, path)
    assert json.loads(path.read_text(encoding="utf-8")) == NESTED
    again = load_spec(path)
    assert again == spec and again.to_json() == spec.to_json()


def test_a_copy_shares_no_inner_list():
    spec = NetworkSpec.from_dict(NESTED)
    clone = spec.copy()
    clone.layers[2].layers[0].branches[0][0].layers[0].size = 5
    clone.layers[2].layers.pop()
    assert spec.to_dict() == NESTED
    assert copy_layer(spec.layers[2]) == spec.layers[2] and copy_layer(spec.layers[2]) is not spec.layers[2]


def test_week1_files_read_and_write_as_before():
    lenet = json.loads((ROOT / "resources" / "presets" / "lenet5.json").read_text(encoding="utf-8"))
    assert load_spec(ROOT / "resources" / "presets" / "lenet5.json").to_dict() == lenet
    with_defaults = doc([{"type": "conv", "filters": 2, "size": 3, "stride": 1, "padding": "valid",
                          "activation": "relu", "bias": True},
                         {"type": "pool", "mode": "max", "size": 2, "stride": 2, "padding": "valid"}])
    written = NetworkSpec.from_dict(with_defaults).to_dict()
    assert "bias" not in written["layers"][0] and "padding" not in written["layers"][1]


@pytest.mark.parametrize("layers, words", [
    ([{"type": "residual"}], ["layer 1", "a residual layer needs field 'layers'"]),
    ([{"type": "residual", "layers": {"type": "conv"}}], ["layer 1", "field 'layers' (the main path) must be a list"]),
    ([{"type": "residual", "layers": [], "shortcut": "identity"}], ["field 'shortcut' must be a list", "'identity'"]),
    ([{"type": "concat", "branches": [[], {"type": "conv", "filters": 2, "size": 1}]}],
     ["layer 1", "branch 2 of field 'branches' must be a list of layers"]),
    ([{"type": "concat", "branches": {"a": []}}], ["field 'branches' must be a list of branches"]),
    ([{"type": "concat", "branches": []}], ["needs at least one branch"]),
    ([{"type": "concat"}], ["a concat layer needs field 'branches'"]),
    ([{"type": "residual", "layers": [{"type": "conv", "filters": 0, "size": 3}]}],
     ["layer 1 › main, layer 1", "field 'filters' must be positive"]),
    ([{"type": "residual", "layers": [], "shortcut": [{"type": "dense", "units": 2, "gain": 1}]}],
     ["layer 1 › shortcut, layer 1", "unknown field 'gain'"]),
    ([{"type": "concat", "branches": [[{"type": "conv", "name": "A", "filters": 2, "size": 1}],
                                      [{"type": "conv", "name": "A", "filters": 2, "size": 1}]]}],
     ["name 'A' is already used by layer 1 › list 1, layer 1", "unique in the whole design"]),
    ([{"type": "conv", "filters": 2, "size": 1, "bias": 1}], ["field 'bias' must be true or false, got 1"]),
    ([{"type": "batchnorm", "momentum": 2}], ["field 'momentum' must be a number from 0 to 1, got 2"]),
    ([{"type": "batchnorm", "epsilon": 0}], ["field 'epsilon' must be a number greater than 0, got 0"]),
    ([{"type": "depthwise"}], ["a depthwise layer needs field 'size'"]),
    ([{"type": "depthwise", "size": 3, "multiplier": 0}], ["field 'multiplier' must be positive"]),
    ([{"type": "globalpool", "mode": "mean"}], ["field 'mode' must be one of max, avg"]),
    ([{"type": "pool", "padding": -1}], ["field 'padding' must be at least 0"]),
])
def test_malformed_block_fields_name_the_layer_and_the_field(layers, words):
    with pytest.raises(SpecError) as info:
        NetworkSpec.from_dict(doc(layers))
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def deep(levels: int) -> dict:
    layer = {"type": "dropout"}
    for _ in range(levels):
        layer = {"type": "residual", "layers": [layer]}
    return layer


def test_nesting_is_capped_with_a_message_not_a_recursion_error():
    assert summarize(NetworkSpec.from_dict(doc([deep(MAX_DEPTH)]))).ok
    with pytest.raises(SpecError, match=f"blocks are nested more than {MAX_DEPTH} deep"):
        NetworkSpec.from_dict(doc([deep(MAX_DEPTH + 1)]))
    with pytest.raises(SpecError, match="nested more than"):
        NetworkSpec.from_dict(doc([deep(10_000)]))


def test_layers_inside_blocks_count_towards_the_limit():
    wide = {"type": "concat", "branches": [[{"type": "dropout"}] * 600, [{"type": "dropout"}] * 600]}
    with pytest.raises(SpecError, match=f"more than {MAX_LAYERS:,} layers"):
        NetworkSpec.from_dict(doc([wide]))


def test_the_same_list_shared_many_times_is_refused_small():
    # A dict built in code may share one list everywhere (a "billion laughs" of layers): counted, not walked.
    shared = [{"type": "dropout"}] * 10
    for _ in range(30):
        shared = [{"type": "concat", "branches": [shared] * 10}]
    with pytest.raises(SpecError, match="too many|more than"):
        NetworkSpec.from_dict(doc(shared))


def test_a_spec_built_in_code_deeper_than_the_cap_is_a_red_row():
    from engine.kinds import DropoutSpec, ResidualSpec
    from engine.spec import InputSpec
    layer = DropoutSpec()
    for _ in range(MAX_DEPTH + 3):
        layer = ResidualSpec(layers=[layer])
    summary = summarize(NetworkSpec(InputSpec((2, 2, 1)), [layer]))
    assert not summary.ok and f"nested more than {MAX_DEPTH} deep" in summary.error
    assert len(summary.rows) == MAX_DEPTH + 5


# ----- hostile files: in a child process, under a memory limit and a timeout -----------------------------

CHILD = """
import resource, subprocess, sys
limit = 1024 * 2 ** 20
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
child = subprocess.run(sys.argv[1:], capture_output=True, text=True, preexec_fn=cap, timeout=60)
sys.stdout.write(child.stdout)
sys.stderr.write(child.stderr)
sys.exit(child.returncode)
"""


def summary_of_file(path: Path):
    return subprocess.run([sys.executable, "-c", CHILD, sys.executable, str(ROOT / "main.py"), "summary",
                           str(path)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def deep_text(levels: int) -> str:
    """A 10,000-deep residual nesting written as text (small on disk: about 40 bytes a level)."""
    return ('{"format": "cnn-designer/1", "input": {"shape": [4, 4, 1]}, "layers": ['
            + '{"type": "residual", "layers": [' * levels + '{"type": "dense", "units": 2}'
            + "]}" * levels + "]}")


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is Linux's")
@pytest.mark.parametrize("content, words", [
    (deep_text(10_000), ["nested too deeply"]),
    (deep_text(MAX_DEPTH + 1), [f"nested more than {MAX_DEPTH} deep"]),
    (json.dumps(doc([{"type": "concat", "branches": [[], 7]}])), ["branch 2 of field 'branches' must be a list"]),
    (json.dumps(doc([{"type": "residual", "shortcut": []}])), ["a residual layer needs field 'layers'"]),
    (json.dumps(doc([{"type": "residual", "layers": [{"type": "conv", "filters": 8, "size": 3, "stride": 2,
                                                       "padding": "same"}]}], shape=(8, 8, 4))),
     ["RES1: the main path gives 4×4×8 but the shortcut gives 8×8×4: add a 1×1 conv with stride 2 and 8 filters "
      "to the shortcut"]),
])
def test_hostile_block_files_are_one_error_line(tmp_path, content, words):
    path = tmp_path / "hostile.json"
    path.write_text(content, encoding="utf-8")
    result = summary_of_file(path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0], lines[0]


def test_nested_json_keeps_the_original_document_untouched():
    original = copy.deepcopy(NESTED)
    NetworkSpec.from_dict(NESTED)
    assert NESTED == original
