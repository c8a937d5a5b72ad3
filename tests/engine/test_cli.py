"""The command line as a newcomer uses it: tables, training, evaluation, and one-line errors."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "resources" / "presets"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_summary_prints_the_course_table():
    result = run("summary", PRESETS / "lenet5.json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    conv1 = next(line for line in lines if line.startswith("CONV1"))
    assert "(28,28,8)" in conv1 and "6,272" in conv1 and "608" in conv1 and "(5·5·3 + 1)·8 = 608" in conv1
    fc3 = next(line for line in lines if line.startswith("FC3"))
    assert "(120,1)" in fc3 and "48,120" in fc3
    total = next(line for line in lines if line.startswith("Total"))
    assert "62,958" in total


def test_summary_json_is_one_document():
    result = run("summary", PRESETS / "example_convnet.json", "--json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert [r["output_shape"] for r in doc["rows"]][1:4] == [[37, 37, 10], [17, 17, 20], [7, 7, 40]]
    assert doc["rows"][4]["activation_size"] == 1960 and doc["ok"] is True


def test_train_digits_preset_reaches_95_percent_and_saves_weights(tmp_path):
    weights = tmp_path / "run.npz"
    result = run("train", PRESETS / "digits_net.json", "--dataset", "digits", "--epochs", "15",
                 "--batch-size", "32", "--lr", "0.002", "--optimizer", "adam", "--seed", "0",
                 "--save", weights, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["test_accuracy"] >= 0.95
    assert len(doc["history"]["val_accuracy"]) == 15
    assert "epoch 15/15" in result.stderr  # live progress goes to stderr with --json
    evaluated = run("evaluate", weights, "--dataset", "digits", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["test_accuracy"] == pytest.approx(doc["test_accuracy"])


def test_train_prints_a_progress_line_per_epoch():
    result = run("train", PRESETS / "digits_net.json", "--dataset", "digits", "--epochs", "2",
                 "--optimizer", "momentum")
    assert result.returncode == 0, result.stderr
    assert "epoch 1/2" in result.stdout and "epoch 2/2" in result.stdout and "test accuracy" in result.stdout


def test_train_on_a_dataset_without_test_images_says_so(tmp_path):
    # Two images a class: nothing can be held out for test. train and evaluate say there is no test
    # accuracy (instead of "nan% (0/0)") and their JSON stays valid (null, not NaN).
    rows = ["label," + ",".join(f"pixel{j}" for j in range(64))]
    rng = np.random.default_rng(0)
    for label in (0, 1, 0, 1):
        rows.append(f"{label}," + ",".join(str(v) for v in rng.integers(0, 256, 64)))
    data = _write(tmp_path, "tiny.csv", "\n".join(rows) + "\n")
    arch = _arch(tmp_path, [{"type": "conv", "filters": 2, "size": 3},
                            {"type": "dense", "units": 2, "activation": "softmax"}])
    described = run("data", data)
    assert described.returncode == 0, described.stderr
    assert "0 test" in described.stdout and "no test images" in described.stdout
    weights = tmp_path / "tiny.npz"
    result = run("train", arch, "--dataset", data, "--epochs", "1", "--json", "--save", weights)
    assert result.returncode == 0, result.stderr
    assert "no test images, so no test accuracy" in result.stderr
    assert json.loads(result.stdout)["test_accuracy"] is None
    # evaluate says the same, in words and in JSON
    evaluated = run("evaluate", weights, "--dataset", data)
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout.startswith("no test images, so no test accuracy") and "nan" not in evaluated.stdout
    doc = json.loads(run("evaluate", weights, "--dataset", data, "--json").stdout)
    assert doc["test_accuracy"] is None and doc["test_loss"] is None and doc["test_examples"] == 0


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _arch(tmp_path, layers, shape=(8, 8, 1), fmt="cnn-designer/1"):
    return _write(tmp_path, "arch.json", json.dumps({"format": fmt, "input": {"shape": list(shape)},
                                                     "layers": layers}))


SOFTMAX10 = {"type": "dense", "units": 10, "activation": "softmax"}


@pytest.mark.parametrize("make_args, words", [
    (lambda t: ["summary", t / "missing.json"], ["missing.json", "no such file"]),
    (lambda t: ["summary", _write(t, "bad.json", "{oops")], ["bad.json", "not valid JSON", "line 1"]),
    (lambda t: ["summary", _arch(t, [{"type": "capsule"}])], ["layer 1", "unknown layer type 'capsule'"]),
    (lambda t: ["summary", _arch(t, [{"type": "conv", "filters": 4, "size": 3, "kernel": 2}])],
     ["layer 1", "unknown field 'kernel'"]),
    (lambda t: ["summary", _arch(t, [{"type": "conv", "filters": "four", "size": 3}])],
     ["layer 1", "'filters'", "whole number"]),
    (lambda t: ["summary", _arch(t, [{"type": "conv", "filters": -4, "size": 3}])],
     ["layer 1", "'filters'", "positive"]),
    (lambda t: ["summary", _arch(t, [{"type": "dense", "units": 10 ** 12}])], ["'units'", "too large"]),
    (lambda t: ["summary", _arch(t, [], fmt="cnn-designer/2")], ["unknown format", "cnn-designer/2"]),
    (lambda t: ["summary", _arch(t, [{"type": "conv", "filters": 4, "size": 9}, SOFTMAX10])],
     ["CONV1", "filter 9 is larger than the 8×8 input"]),
    (lambda t: ["train", _arch(t, [{"type": "conv", "filters": 4, "size": 9}, SOFTMAX10]), "--dataset", "digits"],
     ["CONV1", "filter 9"]),
    (lambda t: ["train", PRESETS / "lenet5.json", "--dataset", "digits"],
     ["8×8×1 images", "input is 32×32×3"]),
    (lambda t: ["train", _arch(t, [{"type": "dense", "units": 4, "activation": "softmax"}]), "--dataset", "digits"],
     ["10 classes", "gives 4", "units to 10"]),
    (lambda t: ["train", PRESETS / "digits_net.json", "--dataset", "mnist"], ["unknown dataset 'mnist'"]),
    (lambda t: ["train", PRESETS / "digits_net.json", "--dataset", t / "nope.npz"], ["nope.npz"]),
    (lambda t: ["train", PRESETS / "digits_net.json", "--dataset", "digits", "--epochs", "0"],
     ["epochs must be at least 1"]),
    (lambda t: ["train", PRESETS / "digits_net.json", "--dataset", "digits", "--lr", "fast"],
     ["learning rate must be a number"]),
    (lambda t: ["train", PRESETS / "digits_net.json", "--dataset", "digits", "--optimizer", "rmsprop"],
     ["invalid choice: 'rmsprop'"]),
    (lambda t: ["train", PRESETS / "digits_net.json", "--dataset", "digits", "--epochs", "1",
                "--save", t / "no" / "dir" / "run.npz"], ["cannot save", "dir does not exist"]),
    (lambda t: ["evaluate", _write(t, "fake.npz", "not a zip"), "--dataset", "digits"],
     ["fake.npz", "not a CNN Designer weights file"]),
    (lambda t: ["frobnicate"], ["invalid choice: 'frobnicate'"]),
])
def test_bad_input_gives_one_line_on_stderr_and_exit_2(tmp_path, make_args, words):
    result = run(*make_args(tmp_path))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    error_lines = [line for line in lines if line.startswith("error:")]
    assert len(error_lines) == 1, result.stderr
    for word in words:
        assert word in error_lines[0]


def test_dataset_file_whose_images_do_not_fit(tmp_path):
    path = tmp_path / "tiny.npz"
    np.savez(path, x_train=np.zeros((10, 5, 5)), y_train=np.arange(10) % 2,
             x_test=np.zeros((4, 5, 5)), y_test=np.arange(4) % 2)
    result = run("train", PRESETS / "digits_net.json", "--dataset", path)
    assert result.returncode == 2 and "5×5×1 images but the design's input is 8×8×1" in result.stderr


def test_ctrl_c_during_train_stops_gracefully_keeps_the_epochs_and_saves(tmp_path):
    import signal

    from engine import Network
    weights = tmp_path / "run.npz"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "train", str(PRESETS / "digits_net.json"), "--dataset", "digits",
         "--epochs", "500", "--save", str(weights)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in process.stdout:               # wait for the first finished epoch, then press Ctrl-C
            seen.append(line)
            if line.startswith("epoch 1/"):
                process.send_signal(signal.SIGINT)
                break
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    stdout = "".join(seen) + out
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    interrupted = [line for line in err.splitlines() if "interrupted" in line]
    assert len(interrupted) == 1 and "of 500 epochs" in interrupted[0]
    assert "epoch 500/500" not in stdout
    assert "test accuracy" in stdout and f"saved weights and design to {weights}" in stdout
    net = Network.load(weights)
    assert net.spec.name.startswith("Digits net")
