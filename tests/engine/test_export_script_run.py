"""The exported model.py as a user meets it (issue 21, point 12): a run prints its progress and its result,
not a torch warning."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import load_dataset, load_spec
from engine.data import Dataset, save_dataset_npz
from engine.export.pytorch import pytorch_source

ROOT = Path(__file__).resolve().parents[2]


def test_training_prints_no_torch_warning(tmp_path):
    pytest.importorskip("torch", reason="running the exported script needs torch")
    full = load_dataset("digits")
    small = Dataset("digits", full.x_train[:200], full.y_train[:200], full.x_test[:100], full.y_test[:100],
                    full.class_names)
    save_dataset_npz(small, tmp_path / "digits.npz")
    (tmp_path / "model.py").write_text(pytorch_source(load_spec(ROOT / "resources" / "presets" / "digits_net.json")))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "default"}
    result = subprocess.run([sys.executable, "model.py", "train", "digits.npz", "--epochs", "1"], cwd=tmp_path,
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Warning" not in result.stderr, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1])["epochs"] == 1
