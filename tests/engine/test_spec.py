"""The architecture JSON: round trips, defaults, and every malformed input a user can write."""
import json
from pathlib import Path

import pytest

from engine import NetworkSpec, SpecError, load_spec, save_spec
from engine import ConvSpec
from engine.kinds.checks import MAX_CHANNELS, MAX_IMAGE_SIDE
from engine.spec import FORMAT, check_input_shape, parse_input

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"


def _doc(layers, shape=(32, 32, 3), **top):
    return {"format": FORMAT, "input": {"shape": list(shape)}, "layers": layers, **top}


@pytest.mark.parametrize("preset", sorted(PRESETS.glob("*.json")), ids=lambda p: p.name)
def test_presets_round_trip_losslessly(preset, tmp_path):
    spec = load_spec(preset)
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    out = tmp_path / "copy.json"
    save_spec(spec, out)
    assert load_spec(out) == spec
    assert json.loads(out.read_text()) == json.loads(preset.read_text())  # presets are written normalised


def test_defaults_are_filled_and_names_generated():
    spec = NetworkSpec.from_dict(_doc([{"type": "conv", "filters": 4, "size": 3}, {"type": "pool"},
                                       {"type": "dense", "units": 3, "activation": "softmax"}]))
    conv, pool, dense = spec.layers
    assert (conv.stride, conv.padding, conv.activation) == (1, "valid", "relu")
    assert (pool.mode, pool.size, pool.stride) == ("max", 2, 2)
    assert spec.layer_names() == ["CONV1", "POOL1", "Softmax"]
    assert "name" not in spec.to_dict()["layers"][0]  # generated names are not written back


def test_save_writes_atomically_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    path.write_text("old contents")
    spec = load_spec(PRESETS / "lenet5.json")

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr("engine.fileio.os.replace", boom)
    with pytest.raises(OSError):
        save_spec(spec, path)
    assert path.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]  # no temporary file left behind


CONV = {"type": "conv", "filters": 8, "size": 5}


@pytest.mark.parametrize("doc, words", [
    ([], ["JSON object"]),
    ({"input": {"shape": [8, 8, 1]}, "layers": []}, ["'format' is missing"]),
    (_doc([], format="cnn-designer/9"), ["unknown format", "cnn-designer/9", FORMAT]),
    (_doc([], extra=1), ["unknown top-level field 'extra'"]),
    ({"format": FORMAT, "layers": []}, ["'input' is missing"]),
    (_doc([], shape=(32, 32)), ["input", "three whole numbers"]),
    (_doc([], shape=(32, 0, 3)), ["input", "n_W", "positive"]),
    (_doc([], shape=(32, 32.5, 3)), ["input", "n_W", "whole number"]),
    (_doc([], shape=(100000, 32, 3)), ["input", "n_H", "too large"]),
    (_doc([{"type": "lstm"}]), ["layer 1", "unknown layer type 'lstm'"]),
    (_doc([{"filters": 3}]), ["layer 1", "'type' is missing"]),
    (_doc([CONV, {"type": "conv", "size": 3}]), ["layer 2", "needs field 'filters'"]),
    (_doc([{**CONV, "name": "C1", "kernel": 3}]), ["layer 1 (C1)", "unknown field 'kernel'"]),
    (_doc([{**CONV, "filters": "8"}]), ["layer 1", "'filters'", "whole number", "'8'"]),
    (_doc([{**CONV, "filters": True}]), ["layer 1", "'filters'", "whole number"]),
    (_doc([{**CONV, "size": 0}]), ["layer 1", "'size'", "positive", "0"]),
    (_doc([{**CONV, "stride": -2}]), ["layer 1", "'stride'", "positive", "-2"]),
    (_doc([{**CONV, "filters": 10 ** 9}]), ["layer 1", "'filters'", "too large"]),
    (_doc([{**CONV, "padding": "full"}]), ["layer 1", "'padding'", "'full'"]),
    (_doc([{**CONV, "padding": -1}]), ["layer 1", "'padding'", "at least 0"]),
    (_doc([{**CONV, "activation": "swish"}]), ["layer 1", "'activation'", "'swish'", "relu"]),
    (_doc([{**CONV, "activation": "softmax"}]), ["layer 1", "'activation'"]),
    (_doc([{"type": "pool", "mode": "min"}]), ["layer 1", "'mode'", "max, avg"]),
    (_doc([{"type": "dense"}]), ["layer 1", "needs field 'units'"]),
    (_doc([{"type": "dense", "units": 2.0}]), ["layer 1", "'units'", "whole number"]),
    (_doc([{"type": "dropout", "rate": 1.5}]), ["layer 1", "'rate'", "1.5"]),
    (_doc([{**CONV, "name": "A"}, {**CONV, "name": "A"}]), ["layer 2", "'A'", "already used by layer 1"]),
    (_doc("conv"), ["'layers' must be a list"]),
    (_doc(["conv"]), ["layer 1", "expected an object"]),
])
def test_malformed_documents_raise_spec_error_naming_layer_and_field(doc, words):
    with pytest.raises(SpecError) as info:
        NetworkSpec.from_dict(doc)
    for word in words:
        assert word in str(info.value)


def test_load_spec_file_errors_name_the_file(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "cnn-designer/1", "input": ')
    with pytest.raises(SpecError, match=r"bad.json: not valid JSON at line 1"):
        load_spec(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(_doc([{"type": "conv", "filters": 0, "size": 3}])))
    with pytest.raises(SpecError, match=r"wrong.json: layer 1: field 'filters' must be positive"):
        load_spec(wrong)


def test_copy_is_independent():
    spec = NetworkSpec.from_dict(_doc([CONV]))
    other = spec.copy()
    other.layers[0].filters = 99
    other.input.shape = (8, 8, 1)
    assert spec.layers[0] == ConvSpec(8, 5) and spec.input.shape == (32, 32, 3)


# ----- the input's rules: one function for JSON and the designer ------------------------------------

@pytest.mark.parametrize("shape, words", [
    ((32, 32), ["three whole numbers"]),
    ((0, 32, 3), ["shape n_H", "must be positive", "0"]),
    ((32, 5000, 3), ["shape n_W", "5,000", f"at most {MAX_IMAGE_SIDE:,}"]),
    ((32, 32, MAX_CHANNELS + 1), ["shape n_C", f"at most {MAX_CHANNELS:,}"]),
    ((32.0, 32, 3), ["shape n_H", "whole number"]),
    ((True, 32, 3), ["shape n_H", "whole number"]),
])
def test_check_input_shape_gives_the_same_message_as_reading_json(shape, words):
    with pytest.raises(SpecError) as direct:
        check_input_shape(shape)
    with pytest.raises(SpecError) as from_json:
        parse_input({"shape": shape})
    assert str(direct.value) == str(from_json.value)
    assert str(direct.value).startswith("input: ")
    for word in words:
        assert word in str(direct.value)


def test_check_input_shape_accepts_the_limits_and_returns_a_tuple():
    assert check_input_shape([MAX_IMAGE_SIDE, 1, MAX_CHANNELS]) == (MAX_IMAGE_SIDE, 1, MAX_CHANNELS)
    assert check_input_shape((39, 39, 3)) == (39, 39, 3)
