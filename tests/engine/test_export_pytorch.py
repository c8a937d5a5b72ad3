"""`export --to pytorch`: the generated model equals the engine — parameter count, logits with the engine's
weights loaded, weights saved back — on LeNet-5 and 30 random designs; it trains under torchrun (gloo) to
the accuracy `main.py evaluate` then reports; the CLI's errors are one line."""
import ast
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from engine import Network, NetworkSpec, load_dataset, load_spec, summarize
from engine.cli import main
from engine.data import save_dataset_npz
from engine.export.pytorch import attribute_names, pytorch_source



def need_torch():
    """torch, or skip: it is an optional extra (pip install torch); the CLI checks below run without it."""
    return pytest.importorskip("torch", reason="PyTorch export checks need torch (pip install torch)")

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "resources" / "presets"
HIDDEN = ["relu", "leaky_relu", "tanh", "sigmoid", "linear"]


# ----- random designs ----------------------------------------------------------------------------------
def random_layer_dicts(rng):
    """Conv (every padding form and stride), max/avg pool, dropout, explicit or implicit flatten, hidden
    dense layers with every activation, and a softmax or single-sigmoid output."""
    layers = []
    for _ in range(rng.integers(0, 4)):
        choice = rng.integers(0, 4)
        if choice <= 1:
            size = int(rng.integers(1, 6))
            padding = [("valid"), ("same" if size % 2 else "valid"), int(rng.integers(0, 3))][rng.integers(0, 3)]
            layers.append({"type": "conv", "filters": int(rng.integers(1, 6)), "size": size,
                           "stride": int(rng.integers(1, 4)), "padding": padding,
                           "activation": HIDDEN[rng.integers(0, len(HIDDEN))]})
        elif choice == 2:
            layers.append({"type": "pool", "mode": ["max", "avg"][rng.integers(0, 2)],
                           "size": int(rng.integers(1, 4)), "stride": int(rng.integers(1, 4))})
        else:
            layers.append({"type": "dropout", "rate": float(rng.choice([0.0, 0.25, 0.5]))})
    if rng.random() < 0.5:
        layers.append({"type": "flatten"})
        if rng.random() < 0.5:
            layers.append({"type": "dropout", "rate": 0.3})
    for _ in range(rng.integers(0, 3)):
        layers.append({"type": "dense", "units": int(rng.integers(1, 12)),
                       "activation": HIDDEN[rng.integers(0, len(HIDDEN))]})
    if rng.random() < 0.5:
        layers.append({"type": "dense", "units": int(rng.integers(2, 6)), "activation": "softmax"})
    else:
        layers.append({"type": "dense", "units": 1, "activation": "sigmoid"})
    return layers


def random_designs(count, seed=2024):
    rng = np.random.default_rng(seed)
    designs = []
    while len(designs) < count:
        doc = {"format": "cnn-designer/1", "name": f"random {len(designs)}",
               "input": {"shape": [int(rng.integers(5, 16)), int(rng.integers(5, 16)), int(rng.integers(1, 4))]},
               "layers": random_layer_dicts(rng)}
        spec = NetworkSpec.from_dict(doc)
        if summarize(spec).ok:
            designs.append(spec)
    return designs


RANDOM = random_designs(30)
CASES = [load_spec(PRESETS / "lenet5.json")] + RANDOM


def features(spec):
    """Which of the required forms a design uses."""
    found = set()
    shape = tuple(spec.input.shape)
    for layer, row in zip(spec.layers, summarize(spec).rows[1:]):
        if layer.type == "conv":
            found.add(f"padding {layer.padding if isinstance(layer.padding, str) else 'number'}")
            found.add(f"stride {min(layer.stride, 2)}")
            found.add(f"activation {layer.activation}")
        elif layer.type == "pool":
            found.add(f"pool {layer.mode}")
        elif layer.type == "dense":
            found.add("implicit flatten" if len(shape) == 3 else "dense")
            found.add(f"activation {layer.activation}")
        else:
            found.add(layer.type)
        shape = row.output_shape
    return found


def test_the_random_designs_cover_every_form():
    seen = set().union(*(features(spec) for spec in RANDOM))
    wanted = {"padding valid", "padding same", "padding number", "stride 1", "stride 2", "pool max", "pool avg",
              "flatten", "implicit flatten", "dropout", "activation softmax", "activation sigmoid",
              *(f"activation {a}" for a in HIDDEN)}
    assert wanted <= seen, wanted - seen


def import_source(source, path: Path):
    need_torch()
    path.write_text(source, encoding="utf-8")
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("spec", CASES, ids=lambda s: s.name)
def test_exported_model_equals_the_engine(spec, tmp_path):
    torch = need_torch()
    model_file = import_source(pytorch_source(spec), tmp_path / "model.py")
    model = model_file.build_model()
    assert sum(p.numel() for p in model.parameters()) == summarize(spec).total_params == model_file.NUM_PARAMETERS

    net = Network.from_spec(spec, seed=3, dtype=np.float32)
    for key, value in net.params.items():   # nonzero biases too, so a swapped bias would show
        if key.endswith(".b"):
            value[...] = np.random.default_rng(len(key)).normal(size=value.shape)
    net.save(tmp_path / "engine.npz")
    model_file.load_weights(model, tmp_path / "engine.npz")
    model.eval()
    x = np.random.default_rng(0).normal(size=(5, *spec.input.shape)).astype(np.float32)
    expected = net.forward(x)
    with torch.no_grad():
        got = model(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))).numpy()
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-6) < 1e-4

    model_file.save_weights(model, tmp_path / "back.npz")
    back = Network.load(tmp_path / "back.npz")
    assert back.spec.to_dict() == spec.to_dict()
    assert set(back.params) == set(net.params)
    for key, value in net.params.items():
        np.testing.assert_array_equal(back.params[key], value, err_msg=key)


def test_wrong_weights_are_refused_with_the_key_named(tmp_path):
    model_file = import_source(pytorch_source(load_spec(PRESETS / "lenet5.json")), tmp_path / "model.py")
    Network.from_spec(load_spec(PRESETS / "digits_net.json")).save(tmp_path / "digits.npz")
    with pytest.raises(ValueError, match=r"CONV1\.W has shape \(3, 3, 1, 16\), the design needs \(5, 5, 3, 8\)"):
        model_file.build_model(tmp_path / "digits.npz")


def test_generated_file_imports_only_torch_numpy_and_stdlib_and_picks_the_device_at_run_time():
    source = pytorch_source(load_spec(PRESETS / "lenet5.json"))
    tree = ast.parse(source)
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add(node.module.split(".")[0])
    stdlib = sys.stdlib_module_names
    assert {r for r in roots if r not in stdlib} == {"numpy", "torch"}
    assert "torch.cuda.is_available()" in source and "nccl" in source and "gloo" in source
    # no device is fixed at module level: every torch.device(...) call sits inside a function
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            assert "torch.device" not in ast.unparse(node)


def test_layer_names_become_module_names():
    assert attribute_names(["CONV1", "conv 1", "2nd", "forward", "class", "conv_1"]) == \
        ["CONV1", "conv_1", "layer_2nd", "layer_forward", "layer_class", "conv_1_2"]
    doc = {"format": "cnn-designer/1", "input": {"shape": [6, 6, 1]},
           "layers": [{"type": "conv", "name": "edge finder", "filters": 2, "size": 3},
                      {"type": "dense", "name": "forward", "units": 2, "activation": "softmax"}]}
    source = pytorch_source(NetworkSpec.from_dict(doc))
    assert "self.edge_finder = nn.Conv2d(1, 2, kernel_size=3, stride=1, padding=0)" in source
    assert "('layer_forward', 'forward', 'matrix', (32, 2), (4, 4, 2), True)" in source


# ----- training under torchrun -------------------------------------------------------------------------
def test_torchrun_trains_the_digits_design_and_main_evaluate_agrees(tmp_path):
    need_torch()
    # `python -m torch.distributed.run` is the torchrun command itself, and comes with every torch install.
    torchrun = [sys.executable, "-m", "torch.distributed.run"]
    save_dataset_npz(load_dataset("digits"), tmp_path / "digits.npz")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    exported = subprocess.run([sys.executable, str(ROOT / "main.py"), "export", PRESETS / "digits_net.json",
                               "--to", "pytorch", "-o", tmp_path / "model.py"],
                              capture_output=True, text=True, env=env, timeout=120)
    assert exported.returncode == 0, exported.stderr
    result = subprocess.run([*torchrun, "--standalone", "--nproc_per_node", "2", str(tmp_path / "model.py"),
                             "train", str(tmp_path / "digits.npz"), "--epochs", "15", "--batch-size", "32",
                             "--lr", "0.003", "--seed", "0", "--save", str(tmp_path / "out.npz")],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, result.stdout          # rank 0 only
    doc = json.loads(lines[0])
    assert doc["processes"] == 2 and doc["device"] == "cpu"
    assert doc["test_accuracy"] >= 0.90
    evaluated = subprocess.run([sys.executable, str(ROOT / "main.py"), "evaluate", tmp_path / "out.npz",
                                "--dataset", "digits", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["test_accuracy"] == pytest.approx(doc["test_accuracy"], abs=1e-9)


# ----- the command line --------------------------------------------------------------------------------
def cli(capsys, *args):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def one_error(capsys, *args):
    status, out, err = cli(capsys, *args)
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, (status, err)
    return err


def test_export_writes_the_script_and_with_weights_build_model_loads_them(capsys, tmp_path):
    torch = need_torch()
    spec = load_spec(PRESETS / "digits_net.json")
    net = Network.from_spec(spec, seed=5)
    net.save(tmp_path / "run.npz")
    status, out, err = cli(capsys, "export", PRESETS / "digits_net.json", "--to", "pytorch",
                           "-o", tmp_path / "model.py", "--weights", tmp_path / "run.npz")
    assert status == 0, err
    assert "model.py" in out
    model_file = import_source((tmp_path / "model.py").read_text(encoding="utf-8"), tmp_path / "model.py")
    model = model_file.build_model().eval()          # DEFAULT_WEIGHTS is run.npz
    x = np.random.default_rng(1).random((3, 8, 8, 1), dtype=np.float32)
    with torch.no_grad():
        got = model(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))).numpy()
    np.testing.assert_allclose(got, net.forward(x), rtol=1e-4, atol=1e-5)


def test_export_errors_are_one_line(capsys, tmp_path):
    lenet = PRESETS / "lenet5.json"
    out = tmp_path / "model.py"
    assert "no such file" in one_error(capsys, "export", tmp_path / "missing.json", "--to", "pytorch", "-o", out)
    (tmp_path / "bad.json").write_text('{"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]}, '
                                       '"layers": [{"type": "conv", "filters": 2, "size": 9}, '
                                       '{"type": "dense", "units": 2, "activation": "softmax"}]}')
    assert "larger than" in one_error(capsys, "export", tmp_path / "bad.json", "--to", "pytorch", "-o", out)
    assert "keras" in one_error(capsys, "export", lenet, "--to", "keras", "-o", out)
    Network.from_spec(load_spec(PRESETS / "digits_net.json")).save(tmp_path / "digits.npz")
    assert "CONV1.W has shape (3, 3, 1, 16), the design needs (5, 5, 3, 8)" in one_error(
        capsys, "export", lenet, "--to", "pytorch", "-o", out, "--weights", tmp_path / "digits.npz")
    assert "no such weights file" in one_error(capsys, "export", lenet, "--to", "pytorch", "-o", out,
                                               "--weights", tmp_path / "none.npz")
    assert not out.exists()


def test_export_checks_the_output_folder_before_generating(capsys, tmp_path, monkeypatch):
    import engine.cli.export as export_cli

    def must_not_run(*args, **kwargs):
        raise AssertionError("generated code before checking the output folder")

    monkeypatch.setattr(export_cli, "pytorch_source", must_not_run)
    missing = tmp_path / "no" / "model.py"
    # the folder is checked first: even a missing design is reported after it
    assert "does not exist" in one_error(capsys, "export", tmp_path / "missing.json", "--to", "pytorch",
                                         "-o", missing)
    assert "is a folder" in one_error(capsys, "export", PRESETS / "lenet5.json", "--to", "pytorch", "-o", tmp_path)
    (tmp_path / "file").write_text("x")
    assert "is a file, not a folder" in one_error(capsys, "export", PRESETS / "lenet5.json", "--to", "pytorch",
                                                  "-o", tmp_path / "file" / "model.py")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_mkstemp = tempfile.mkstemp

    def refuse_locked(*args, dir=None, **kwargs):      # what a read-only folder does, for root as well
        if Path(dir) == locked:
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr("engine.fileio.tempfile.mkstemp", refuse_locked)
    assert "does not take new files (permission denied)" in one_error(
        capsys, "export", PRESETS / "lenet5.json", "--to", "pytorch", "-o", locked / "model.py")
