"""`main.py data` describes and converts datasets; `train`/`evaluate` take any dataset path; errors exit 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dataset_files import to_uint8, write_csv, write_idx_folder
from engine import Adam, Network, Trainer, load_spec
from engine.cli import main
from engine.data import Dataset, load_dataset

ROOT = Path(__file__).resolve().parents[2]
DIGITS_NET = ROOT / "resources" / "presets" / "digits_net.json"


@pytest.fixture(scope="module")
def digits_idx(tmp_path_factory):
    ds = load_dataset("digits")
    u8 = (to_uint8(ds.x_train), ds.y_train.copy(), to_uint8(ds.x_test), ds.y_test.copy())
    return write_idx_folder(tmp_path_factory.mktemp("idx") / "digits-idx", *u8, gz=True), u8


def test_data_describes_format_shapes_and_counts(digits_idx, capsys):
    folder, (x_train, y_train, x_test, y_test) = digits_idx
    assert main(["data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "MNIST-style IDX folder" in out and "8×8×1 uint8, 1,437 train / 360 test" in out
    row0 = next(line for line in out.splitlines() if line.strip().startswith("0  0"))
    assert row0.split()[-2:] == [f"{np.count_nonzero(y_train == 0):,}", f"{np.count_nonzero(y_test == 0):,}"]


def test_data_json_and_save_converts_to_npz(digits_idx, tmp_path, capsys):
    folder, (x_train, y_train, x_test, y_test) = digits_idx
    out_file = tmp_path / "converted.npz"
    assert main(["data", str(folder), "--json", "--save", str(out_file)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "MNIST-style IDX folder" and doc["image_shape"] == [8, 8, 1]
    assert doc["train_counts"] == np.bincount(y_train).tolist() and doc["class_names"][3] == "3"
    back = load_dataset(out_file)
    assert back.x_train.dtype == np.uint8 and np.array_equal(back.x_train, x_train)
    assert np.array_equal(back.y_test, y_test)


def test_data_passes_image_shape_and_test_fraction(tmp_path, capsys):
    x = np.random.default_rng(0).integers(0, 256, (20, 2, 3, 1), dtype=np.uint8)
    path = write_csv(tmp_path / "wide.csv", x, np.arange(20) % 2)
    assert main(["data", str(path), "--image-shape", "2,3,1", "--test-fraction", "0.5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["image_shape"] == [2, 3, 1] and doc["test_examples"] == 10


def test_train_on_idx_digits_gives_the_same_numbers_as_the_float_dataset(digits_idx, capsys):
    folder, (x_train, y_train, x_test, y_test) = digits_idx
    args = ["train", str(DIGITS_NET), "--dataset", str(folder), "--epochs", "3", "--batch-size", "32",
            "--seed", "4", "--json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    # The same images held as float32 value/255 up front (how every dataset was held before): same run.
    floats = Dataset("f", x_train.astype(np.float32) / np.float32(255), y_train,
                     x_test.astype(np.float32) / np.float32(255), y_test, [str(k) for k in range(10)])
    net = Network.from_spec(load_spec(DIGITS_NET), seed=4)
    history = Trainer(net, Adam(lr=1e-3), batch_size=32, seed=4).fit(floats, epochs=3)
    assert doc["history"]["batch_loss"] == history.batch_loss
    assert doc["test_accuracy"] == net.evaluate(floats.x_test, floats.y_test)[1]
    assert doc["test_accuracy"] > 0.85


def test_damaged_dataset_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    x = np.zeros((4, 8, 8, 1), np.uint8)
    folder = write_idx_folder(tmp_path / "broken", x, np.arange(4), x, np.arange(4))
    (folder / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05")
    messages = []
    for command in (["data", str(folder)],
                    ["train", str(DIGITS_NET), "--dataset", str(folder)],
                    ["data", "digits", "--image-size", "0,3"]):
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), *command], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        assert "Traceback" not in result.stderr
        messages.append(result.stderr)
    for message in messages[:2]:
        assert "train-images-idx3-ubyte" in message and "truncated" in message
    assert "image size must be 2 whole numbers ≥ 1" in messages[2]
