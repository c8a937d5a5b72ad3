"""Messages that say the truth: an oversized .npy header is not called "pickled"; a uint64 label is not shown
negative; an empty python batch is not "could run code"; a Latin-1 CSV or a `1_000` cell says what is
wrong; a UTF-16 CSV is read (and its messages hold no NUL bytes); `--save ""` is refused; `--help` and
`--version` to a full standard output exit non-zero.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from bombs import npy_bytes, zip_file
from dataset_files import cifar_files, write_cifar_folder
from engine import Network, SpecError
from engine.cli import main
from engine.data import DatasetError, load_dataset
from limited import ROOT

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (12, 4, 4, 1), dtype=np.uint8)
Y = np.arange(12) % 3


def refusal(target) -> str:
    with pytest.raises(DatasetError) as info:
        load_dataset(target)
    message = str(info.value)
    assert "\n" not in message and "\0" not in message
    return message


def one_error(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


# ----- .npz and pickles ----------------------------------------------------------------------------------

def _oversized_header() -> bytes:
    body = b"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 4, 4), }" + b" " * 20_000 + b"\n"
    return b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body


def test_an_oversized_npy_header_is_not_called_pickled(tmp_path):
    members = {"x_train.npy": (_oversized_header(), 32), "y_train.npy": (npy_bytes(Y[:2]), 0),
               "x_test.npy": (npy_bytes(X[:1]), 0), "y_test.npy": (npy_bytes(Y[:1]), 0)}
    path = zip_file(tmp_path / "data.npz", members)
    message = refusal(path)
    assert message == (f"{path}: x_train: its .npy header is 20,063 bytes long, more than the 10,000 an array's header "
                       "ever needs: the member is damaged or was made to be")
    assert "pickle" not in message.lower()


def test_an_oversized_header_in_a_weights_file_is_not_called_python_objects(tmp_path):
    Network.from_spec(load_dataset_design(), seed=0).save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as data:
        members = {f"{key}.npy": (npy_bytes(data[key]), 0) for key in data.files}
    members["CONV1.W.npy"] = (_oversized_header(), 32)
    path = zip_file(tmp_path / "run.npz", members)
    with pytest.raises(SpecError) as info:
        Network.load(path)
    assert "header is 20,063 bytes long" in str(info.value) and "Python objects" not in str(info.value)


def load_dataset_design():
    from engine.spec import NetworkSpec

    return NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [4, 4, 1]}, "layers": [
        {"type": "conv", "filters": 2, "size": 3}, {"type": "dense", "units": 3, "activation": "softmax"}]})


def test_a_uint64_label_is_not_shown_negative(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x_train=X[:4], y_train=np.array([0, 1, 2, 2 ** 64 - 1], np.uint64), x_test=X[4:6],
             y_test=np.array([0, 1], np.uint64))
    assert refusal(path) == f"{path}: y_train: label 18,446,744,073,709,551,615 is far too large for a class index"


@pytest.mark.parametrize("protocol", [2, 5])
def test_an_empty_python_batch_is_no_records_not_could_run_code(tmp_path, protocol):
    files = cifar_files(RNG.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8), np.arange(4) % 2,
                        RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), np.arange(2), ["a", "b"], "python")
    files["data_batch_2"] = pickle.dumps({b"data": np.zeros((0, 3072), np.uint8), b"labels": []}, protocol=protocol)
    message = refusal(write_cifar_folder(tmp_path, files, "python"))
    assert message.endswith("data_batch_2: no records: 'data' holds 0 images (a CIFAR-10 batch holds images)")
    assert "could run code" not in message


def test_an_empty_python_batch_file_is_called_empty(tmp_path):
    files = cifar_files(RNG.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8), np.arange(4) % 2,
                        RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), np.arange(2), ["a", "b"], "python")
    files["data_batch_1"] = b""
    assert refusal(write_cifar_folder(tmp_path, files, "python")).endswith(
        "data_batch_1: the file is empty (a CIFAR-10 python batch is a pickled dict)")


# ----- CSV -------------------------------------------------------------------------------------------------

ROWS = "1,0,0,0,0\n0,1,1,1,1\n1,0,0,0,0\n0,1,1,1,1\n1,2,3,4,5\n0,5,4,3,2\n"


def test_a_latin_1_header_says_it_is_not_utf_8(tmp_path):
    path = tmp_path / "train.csv"
    path.write_bytes(("label,pïxel0,p1,p2,p3\n" + ROWS).encode("latin-1"))
    assert refusal(path) == (f"{path}: line 1: not UTF-8 text (byte 0xef); save the file as UTF-8 (it may be "
                             "Latin-1 or Windows-1252 text)")


def test_a_latin_1_byte_in_a_data_row_names_its_line(tmp_path):
    path = tmp_path / "train.csv"
    path.write_bytes(("label,p0,p1,p2,p3\n" + ROWS + "1,0,0,0,é\n").encode("latin-1"))
    assert refusal(path).startswith(f"{path}: line 8: not UTF-8 text (byte 0xe9)")


def test_a_digit_separator_says_what_is_wrong(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("label,p0,p1,p2,p3\n" + ROWS + "1,0,1_000,0,0\n")
    assert refusal(path) == (f"{path}: line 8, column 3: '1_000' is not a number as a CSV holds it: write it without "
                             "the '_' digit separators (1000)")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf_16_csv_is_read(tmp_path, encoding):
    path = tmp_path / "train.csv"
    path.write_bytes(("label,p0,p1,p2,p3\n" + ROWS).encode(encoding))
    dataset = load_dataset(path)
    assert dataset.image_shape == (2, 2, 1) and len(dataset.y_train) + len(dataset.y_test) == 6
    assert max(int(dataset.x_train.max()), int(dataset.x_test.max())) == 5


def test_a_utf_16_csv_without_a_label_column_says_so_without_nul_bytes(tmp_path):
    path = tmp_path / "train.csv"
    path.write_bytes(("pixels,p0,p1,p2,p3\n" + ROWS).encode("utf-16"))
    assert refusal(path) == f"{path}: no 'label' column in the header row (found pixels, p0, p1, p2, p3)"


# ----- the command line ----------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["train", "digits_net", "--dataset", "digits", "--epochs", "1", "--save", ""],
    ["data", "digits", "--save", ""],
    ["export", "digits_net", "--to", "pytorch", "-o", ""],
])
def test_an_empty_output_name_is_refused(capsys, monkeypatch, argv):
    monkeypatch.setattr("engine.cli.train.Trainer.fit", lambda *a, **k: pytest.fail("trained first"))
    assert "no file name given to save to" in one_error(capsys, *argv)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["summary", "--help"]])
def test_help_and_version_to_a_full_stdout_exit_non_zero(argv):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "error: could not write to standard output (no space left on device)\n"
