"""Why convolutions: each conv row carries the parameter count a fully connected layer would need."""
import json
import subprocess
import sys
from math import prod
from pathlib import Path

from engine import NetworkSpec, load_spec, summarize
from engine.export.table import to_text

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "resources" / "presets"


def one_conv(shape, filters, size, **extra):
    return NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": list(shape)},
                                  "layers": [{"type": "conv", "filters": filters, "size": size, **extra}]})


def test_the_course_example_456_against_14455392():
    row = summarize(one_conv((32, 32, 3), 6, 5)).rows[1]
    assert row.output_shape == (28, 28, 6)
    assert row.params == 456
    assert row.dense_equivalent_params == 3072 * 4704 + 4704 == 14_455_392


def test_every_conv_row_equals_in_size_times_out_size_plus_out_size_and_others_carry_none():
    for preset in ("lenet5", "example_convnet", "digits_net"):
        rows = summarize(load_spec(PRESETS / f"{preset}.json")).rows
        for before, row in zip(rows, rows[1:]):
            if len(row.param_shapes.get("W", ())) == 4:
                out = row.activation_size
                assert row.dense_equivalent_params == before.activation_size * out + out, (preset, row.name)
                assert row.dense_equivalent_params > row.params
            else:
                assert row.dense_equivalent_params is None, (preset, row.name)
    assert rows[0].dense_equivalent_params is None


def test_strided_padded_conv():
    row = summarize(one_conv((39, 39, 3), 20, 5, stride=2, padding=1)).rows[1]
    in_size, out_size = 39 * 39 * 3, prod(row.output_shape)
    assert row.dense_equivalent_params == in_size * out_size + out_size


def test_broken_conv_has_none():
    row = summarize(one_conv((4, 4, 3), 6, 5)).rows[1]
    assert row.error and row.dense_equivalent_params is None


def test_summary_json_and_why_column():
    lenet = summarize(load_spec(PRESETS / "lenet5.json"))
    rows = lenet.to_dict()["rows"]
    assert rows[1]["dense_equivalent_params"] == 3072 * 6272 + 6272
    assert rows[2]["dense_equivalent_params"] is None
    text = to_text(lenet, why=True)
    assert "FC would need" in text.splitlines()[0]
    conv1 = next(line for line in text.splitlines() if line.startswith("CONV1"))
    assert f"{3072 * 6272 + 6272:,}" in conv1 and "608" in conv1
    assert "FC would need" not in to_text(lenet)


def test_cli_summary_why_and_json(tmp_path):
    path = tmp_path / "why.json"
    path.write_text(json.dumps(one_conv((32, 32, 3), 6, 5).to_dict()))
    run = [sys.executable, str(ROOT / "main.py"), "summary", str(path)]
    out = subprocess.run(run + ["--why"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "14,455,392" in out.stdout and "456" in out.stdout
    doc = json.loads(subprocess.run(run + ["--json"], capture_output=True, text=True, cwd=ROOT,
                                    timeout=60).stdout)
    assert doc["rows"][1]["dense_equivalent_params"] == 14_455_392
