"""`main.py train / evaluate` refuse what can't fit, and a bad --save path, before doing the work.

The too-big designs run in a child process under a real 2 GB address-space limit (RLIMIT_AS), so an
allocation the guard missed would fail there instead of exhausting this machine; a wrapper process
reports the child's peak resident memory (getrusage of its only child).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import Network, NetworkSpec
from engine.spec import FORMAT
from engine.sysmem import ENV_LIMIT

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "resources" / "presets"
SOFTMAX10 = {"type": "dense", "units": 10, "activation": "softmax"}
ADDRESS_SPACE = 2 * 2 ** 30

# Runs main.py as its only child under RLIMIT_AS and prints {"status", "stdout", "stderr", "peak_rss_kb"}.
WRAPPER = """
import json, resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
child = subprocess.run(sys.argv[2:], capture_output=True, text=True, preexec_fn=cap, timeout=120)
print(json.dumps({"status": child.returncode, "stdout": child.stdout, "stderr": child.stderr,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _design(tmp_path, shape, layers, name="big.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"format": FORMAT, "input": {"shape": shape}, "layers": layers}))
    return path


def run_capped(*args):
    env = {k: v for k, v in os.environ.items() if k != ENV_LIMIT}
    env["CNN_DESIGNER_THREADS"] = "1"   # the figures below are one process's (workers add their own parts)
    result = subprocess.run([sys.executable, "-c", WRAPPER, str(ADDRESS_SPACE), sys.executable, str(ROOT / "main.py"),
                             *map(str, args)], capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and ru_maxrss in kB are Linux's")
@pytest.mark.parametrize("shape, units, batch, words", [
    ([2000, 2000, 3], 20_000, "64", ["needs about 4.8 TB to train with Adam at batch 64",
                                     "reduce FC1's 240 billion parameters (12,000,000×20,000)"]),
    ([200, 200, 3], 12_500, "4", ["needs about 30 GB to train with Adam at batch 4",
                                  "reduce FC1's 1.5 billion parameters (120,000×12,500) or the input size"]),
])
def test_train_refuses_a_design_that_cannot_fit_in_one_line_without_growing(tmp_path, shape, units, batch, words):
    arch = _design(tmp_path, shape, [{"type": "dense", "units": units}, SOFTMAX10])
    child = run_capped("train", arch, "--dataset", "digits", "--batch-size", batch)
    assert child["status"] == 2, child
    assert "Traceback" not in child["stderr"] and child["stdout"] == ""
    lines = child["stderr"].splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {arch} needs about "), lines
    assert "GB is available" in lines[0]             # what the 2 GB address space leaves
    for word in words:
        assert word in lines[0]
    assert child["peak_rss_kb"] < 400 * 1024          # it never started allocating the design


def test_evaluate_refuses_weights_whose_inference_cannot_fit(tmp_path):
    spec = NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": [64, 64, 3]}, "layers": [
        {"type": "conv", "filters": 64, "size": 3, "padding": "same"}, {"type": "pool"}, SOFTMAX10]})
    weights = tmp_path / "run.npz"
    Network.from_spec(spec).save(weights)
    env = {**os.environ, ENV_LIMIT: "50M"}   # the weights (2.6 MB) fit; 256 images of activations don't
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "evaluate", str(weights), "--dataset", "digits"],
                            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {weights} needs about ")
    assert "to run at batch 256; 52 MB is available; reduce CONV1's 64×64×64 output" in result.stderr


def test_train_with_a_save_path_in_a_missing_folder_stops_before_training(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(PRESETS / "digits_net.json"),
                             "--dataset", "digits", "--epochs", "1", "--save", "/no/such/folder/run.npz"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2
    assert "epoch" not in result.stdout and "training" not in result.stdout    # nothing was trained
    assert result.stderr == ("error: cannot save to /no/such/folder/run.npz: the folder /no/such/folder "
                             "does not exist (/no is missing)\n")


def test_train_with_a_folder_as_save_path_stops_before_training(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(PRESETS / "digits_net.json"),
                             "--dataset", "digits", "--epochs", "1", "--save", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2 and "epoch" not in result.stdout
    assert result.stderr.strip() == (f"error: cannot save to {tmp_path}: it is a folder; give a file name inside "
                                     f"it, e.g. {tmp_path / 'run.npz'}")
