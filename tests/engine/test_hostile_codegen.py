"""Generated PyTorch code with layer names a user may well type: names Python folds together (NFKC: "ﬁ" and
"fi"), characters that are not identifiers ("x²"), names of nn.Module methods ("compile", "named_modules",
"register_forward_hook") and leading double underscores. The model builds, has the design's parameter
count, loads the engine's weights and computes the engine's logits; module names are sanitised and unique,
the design's names stay in the comments and the weights mapping. `model.py train` on a folder or a bad file
is one line; `model.py evaluate` without --weights says it evaluates untrained weights.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from engine import Network, NetworkSpec
from engine.data import load_dataset, save_dataset_npz
from engine.export.pytorch import MODULE_ATTRIBUTES, attribute_names, pytorch_source

HOSTILE_NAMES = ["ﬁ", "fi", "x²", "x2", "compile", "named_modules", "register_forward_hook", "__init__",
                 "__hidden", "training", "2nd", "class", "größe", "a b"]
HOSTILE = NetworkSpec.from_dict({"format": "cnn-designer/1", "name": "hostile", "input": {"shape": [8, 8, 1]},
    "layers": [
        {"type": "conv", "name": "ﬁ", "filters": 2, "size": 3},
        {"type": "conv", "name": "fi", "filters": 2, "size": 3},
        {"type": "conv", "name": "x²", "filters": 3, "size": 1},
        {"type": "conv", "name": "x2", "filters": 2, "size": 1},
        {"type": "conv", "name": "compile", "filters": 2, "size": 1, "activation": "tanh"},
        {"type": "conv", "name": "named_modules", "filters": 2, "size": 1},
        {"type": "pool", "name": "register_forward_hook"},
        {"type": "flatten", "name": "training"},
        {"type": "dense", "name": "__init__", "units": 5},
        {"type": "dense", "name": "__hidden", "units": 4},
        {"type": "dense", "name": "2nd", "units": 4},
        {"type": "dense", "name": "class", "units": 4},
        {"type": "dense", "name": "größe", "units": 4},
        {"type": "dense", "name": "a b", "units": 3, "activation": "softmax"}]})


# The same kinds of names inside blocks (a residual path, a concat branch) and on layers with running statistics.
BLOCKS = NetworkSpec.from_dict({"format": "cnn-designer/1", "name": "blocks", "input": {"shape": [8, 8, 2]},
    "layers": [
        {"type": "conv", "name": "ﬁ", "filters": 2, "size": 3, "padding": "same"},
        {"type": "residual", "name": "compile", "layers": [
            {"type": "conv", "name": "fi", "filters": 2, "size": 3, "padding": "same"},
            {"type": "batchnorm", "name": "__bn"}], "shortcut": []},
        {"type": "concat", "name": "x²", "branches": [
            [{"type": "conv", "name": "named_modules", "filters": 1, "size": 1}], []]},
        {"type": "globalpool", "name": "training"},
        {"type": "dense", "name": "register_forward_hook", "units": 3, "activation": "softmax"}]})


def test_module_names_are_distinct_identifiers_that_nn_module_does_not_use():
    names = attribute_names(HOSTILE_NAMES)
    assert names == ["fi", "fi_2", "x2", "x2_2", "layer_compile", "layer_named_modules", "layer_register_forward_hook",
                     "layer___init__", "layer___hidden", "layer_training", "layer_2nd", "layer_class", "größe", "a_b"]
    import unicodedata

    folded = [unicodedata.normalize("NFKC", name) for name in names]   # what Python makes of each identifier
    assert len(set(folded)) == len(names) and all(name.isidentifier() for name in names)


def test_the_list_of_module_attributes_covers_the_installed_torch():
    torch = pytest.importorskip("torch")
    public = {name for name in dir(torch.nn.Module) if not name.startswith("_")}
    assert public - MODULE_ATTRIBUTES == set(), "a new nn.Module method: add it to MODULE_ATTRIBUTES"


def _write_model(tmp_path, weights=None, spec=HOSTILE):
    path = tmp_path / "model.py"
    path.write_text(pytorch_source(spec, weights), encoding="utf-8")
    return path


def _import(path):
    spec = importlib.util.spec_from_file_location(f"hostile_model_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_model_builds_counts_the_parameters_and_loads_the_engine_weights(tmp_path):
    torch = pytest.importorskip("torch")
    net = Network.from_spec(HOSTILE, seed=3, dtype=np.float64)
    net.save(tmp_path / "run.npz")
    source = _write_model(tmp_path).read_text(encoding="utf-8")
    for name in HOSTILE_NAMES:                       # the design's names in the comments and the mapping
        assert f"# {name}:" in source
    module = _import(tmp_path / "model.py")
    assert [entry[1] for entry in module.WEIGHTED_LAYERS] == [
        "ﬁ", "fi", "x²", "x2", "compile", "named_modules", "__init__", "__hidden", "2nd", "class", "größe", "a b"]
    model = module.build_model(str(tmp_path / "run.npz"))       # checks the parameter count itself
    assert sum(p.numel() for p in model.parameters()) == net.num_params == module.NUM_PARAMETERS
    x = np.random.default_rng(0).random((5, 8, 8, 1))
    with torch.no_grad():
        logits = model.double()(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(logits, net.forward(x), rtol=1e-5, atol=1e-6)
    module.save_weights(model.float(), str(tmp_path / "back.npz"))   # and back, the design's names as keys
    assert Network.load(tmp_path / "back.npz").params.keys() == net.params.keys()


def test_names_inside_blocks_build_and_compute_the_engine_logits(tmp_path):
    torch = pytest.importorskip("torch")
    net = Network.from_spec(BLOCKS, seed=1, dtype=np.float64)
    net.save(tmp_path / "run.npz")
    module = _import(_write_model(tmp_path, str(tmp_path / "run.npz"), BLOCKS))
    model = module.build_model().double().eval()
    x = np.random.default_rng(0).random((3, 8, 8, 2))
    with torch.no_grad():
        logits = model(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(logits, net.forward(x), rtol=1e-6, atol=1e-7)


def _run(model, *args, cwd):
    return subprocess.run([sys.executable, str(model), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_the_script_says_one_line_for_a_folder_or_a_bad_file_and_warns_about_untrained_weights(tmp_path):
    pytest.importorskip("torch")
    model = _write_model(tmp_path)
    (tmp_path / "notes.npz").write_text("not an archive")
    for bad in (tmp_path, tmp_path / "notes.npz"):
        result = _run(model, "train", bad, "--epochs", "1", cwd=tmp_path)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith(f"error: {bad}: ") and result.stderr.count("\n") == 1, result.stderr
    result = _run(model, "evaluate", tmp_path / "data.npz", "--weights", tmp_path / "notes.npz", cwd=tmp_path)
    assert result.returncode != 0 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr

    digits = load_dataset("digits")
    x_train = np.zeros((20, 8, 8, 1), np.uint8)
    save_dataset_npz(type(digits)("d", x_train, np.arange(20) % 3, x_train[:6], np.arange(6) % 3, ["a", "b", "c"]),
                     tmp_path / "data.npz")
    result = _run(model, "evaluate", tmp_path / "data.npz", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "evaluating untrained weights" in result.stderr
    assert json.loads(result.stdout)["untrained"] is True
