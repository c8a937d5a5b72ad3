"""Command-line rough edges a newcomer hits: pipes into head, help with defaults, advice that can be followed."""
import subprocess
import sys
from pathlib import Path

import numpy as np

from engine.network import Network
from engine.resources import preset_path
from engine.spec import load_spec
from engine.train import dataset_fit_problem
from engine.data import load_dataset

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_summary_into_a_closed_pipe_exits_quietly():
    # The reader goes away before the table is written (what `| head -2` does to a longer output).
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "summary", "lenet5"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    error = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert error == ""


def test_train_help_shows_the_defaults():
    result = run("train", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for default in ("(default: 10)", "(default: 64)", "(default: adam)", "(default: 0.1)", "(default: 0)",
                    "0.001 for adam", "0.05 for sgd"):
        assert default in text


def one_class_npz(path, shape=(8, 8, 1)):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 255, (20, *shape), dtype=np.uint8), y_train=np.zeros(20, np.int64),
             x_test=rng.integers(0, 255, (5, *shape), dtype=np.uint8), y_test=np.zeros(5, np.int64))
    return path


def test_a_one_class_dataset_gets_advice_that_can_be_followed(tmp_path):
    data = one_class_npz(tmp_path / "one.npz")
    result = run("train", "digits_net", "--dataset", data, "--epochs", "1")
    assert result.returncode == 2
    assert "only 1 class" in result.stderr and "at least two classes" in result.stderr
    assert "sigmoid" in result.stderr and "units to 1" not in result.stderr


def test_evaluate_names_the_shape_the_saved_weights_need(tmp_path):
    weights = tmp_path / "lenet.npz"
    Network.from_spec(load_spec(preset_path("lenet5"))).save(weights)
    result = run("evaluate", weights, "--dataset", "digits")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("error:") and "\n" not in line
    assert "trained on 32×32×3 images" in line and "8×8×1" in line
    assert "set the input" not in line


def test_a_design_can_still_be_told_to_change_its_input():
    # For a design (not saved weights) changing the input is the right advice.
    problem = dataset_fit_problem(load_spec(preset_path("lenet5")), load_dataset("digits"))
    assert problem.endswith("set the input to 8×8×1")
