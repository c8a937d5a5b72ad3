"""Every damaged dataset file is one DatasetError line naming the file and the problem; a malicious pickle
runs nothing."""
from __future__ import annotations

import gzip
import os
import pickle
import tracemalloc

import numpy as np
import pytest

from dataset_files import (cifar_files, idx_bytes, write_cifar_archive, write_cifar_folder, write_csv,
                           write_idx_folder, write_png_folders)
from engine.data import DatasetError, load_dataset

RNG = np.random.default_rng(0)
X8 = RNG.integers(0, 256, (12, 4, 4, 1), dtype=np.uint8)
Y8 = np.arange(12) % 3
X32 = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
Y32 = np.arange(6) % 2


def _error(path, **kwargs) -> str:
    with pytest.raises(DatasetError) as info:
        load_dataset(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# ------------------------------------------------------------------------------------------------- IDX


@pytest.fixture
def idx(tmp_path):
    return write_idx_folder(tmp_path / "mnist", X8[:9], Y8[:9], X8[9:], Y8[9:])


def test_idx_truncated_file(idx):
    f = idx / "train-images-idx3-ubyte"
    f.write_bytes(f.read_bytes()[:-5])
    message = _error(idx)
    assert str(f) in message and "header claims 9 × 4 × 4 images" in message and "holds" in message


def test_idx_header_cut_inside(idx):
    (idx / "train-labels-idx1-ubyte").write_bytes(b"\0\0\x08")
    assert "truncated" in _error(idx) and "train-labels-idx1-ubyte" in _error(idx)


def test_idx_wrong_magic_and_type_byte(idx):
    f = idx / "t10k-images-idx3-ubyte"
    data = bytearray(f.read_bytes())
    data[0] = 0x1F
    f.write_bytes(bytes(data))
    assert str(f) in _error(idx) and "wrong magic number" in _error(idx)
    data[0], data[2] = 0, 0x0D
    f.write_bytes(bytes(data))
    assert "IDX type byte 0x0d (float)" in _error(idx)


def test_idx_label_and_image_counts_differ(idx):
    (idx / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(2, np.uint8)))
    message = _error(idx)
    assert "t10k-labels-idx1-ubyte" in message and "2 labels but t10k-images-idx3-ubyte holds 3 images" in message


def test_idx_header_claiming_more_images_than_the_gzip_holds(idx):
    data = bytearray(idx_bytes(X8[:9, ..., 0]))
    data[4:8] = (1_000_000).to_bytes(4, "big")           # 1,000,000 images claimed, 9 present
    (idx / "train-images-idx3-ubyte").unlink()
    (idx / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(bytes(data)))
    message = _error(idx)
    assert "train-images-idx3-ubyte.gz" in message and "1,000,000" in message


def test_idx_corrupt_gzip(idx):
    good = gzip.compress(idx_bytes(Y8[:9].astype(np.uint8)))
    (idx / "train-labels-idx1-ubyte").unlink()
    bad = bytearray(good)
    bad[12:16] = b"\xff\xff\xff\xff"                      # damage the deflate stream, keep the trailer
    (idx / "train-labels-idx1-ubyte.gz").write_bytes(bytes(bad))
    message = _error(idx)
    assert "train-labels-idx1-ubyte.gz" in message and "gzip" in message


def test_idx_missing_file(idx):
    (idx / "t10k-images-idx3-ubyte").unlink()
    assert "missing t10k-images-idx3-ubyte" in _error(idx)


# ---------------------------------------------------------------------------------------------- CIFAR


def test_cifar_batch_not_whole_records(tmp_path):
    folder = write_cifar_folder(tmp_path, cifar_files(X32[:4], Y32[:4], X32[4:], Y32[4:], ["a", "b"], "binary"),
                                "binary")
    f = folder / "data_batch_2.bin"
    f.write_bytes(f.read_bytes()[:-10])
    message = _error(folder)
    assert str(f) in message and "not a whole number of 3,073-byte records" in message


@pytest.mark.parametrize("kind", ["binary", "python"])
def test_cifar_label_outside_the_class_names(tmp_path, kind):
    labels = Y32.copy()
    labels[5] = 7                                          # only two class names
    folder = write_cifar_folder(tmp_path, cifar_files(X32[:4], labels[:4], X32[4:], labels[4:], ["a", "b"], kind),
                                kind)
    message = _error(folder)
    assert "test_batch" in message and "label 7 is outside the 2 class names" in message


def test_cifar_truncated_archive(tmp_path):
    path = write_cifar_archive(tmp_path / "cifar-10-binary.tar.gz",
                               cifar_files(X32[:4], Y32[:4], X32[4:], Y32[4:], ["a", "b"], "binary"), "binary")
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    message = _error(path)
    assert str(path) in message and "corrupt or truncated archive" in message


def test_tar_that_is_not_cifar(tmp_path):
    import tarfile
    path = tmp_path / "other.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(__file__, arcname="something/else.py")
    assert "not a CIFAR-10 archive" in _error(path)


class _RunsAShellCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    files = cifar_files(X32[:4], Y32[:4], X32[4:], Y32[4:], ["a", "b"], "python")
    files["data_batch_1"] = pickle.dumps({b"data": _RunsAShellCommand(marker), b"labels": [0]}, protocol=2)
    folder = write_cifar_folder(tmp_path, files, "python")
    message = _error(folder)
    assert "data_batch_1" in message and "refused to load" in message and "system" in message
    assert not marker.exists()
    # The same pickle, as a plain file, shows the payload really does run when unpickled normally.
    pickle.loads(files["data_batch_1"])
    assert marker.exists()


def test_damaged_pickle(tmp_path):
    files = cifar_files(X32[:4], Y32[:4], X32[4:], Y32[4:], ["a", "b"], "python")
    files["test_batch"] = files["test_batch"][:100]
    message = _error(write_cifar_folder(tmp_path, files, "python"))
    assert "test_batch" in message and "not a readable pickle" in message


# --------------------------------------------------------------------------------------- class folders


def test_unreadable_image_is_named(tmp_path):
    write_png_folders(tmp_path / "pics", X32, Y32, ["cat", "dog"])
    bad = tmp_path / "pics" / "dog" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    message = _error(tmp_path / "pics")
    assert str(bad) in message and "not a readable image" in message


def test_folder_without_class_subfolders(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    assert "no class subfolders" in _error(tmp_path / "empty")
    (tmp_path / "split" / "train").mkdir(parents=True)
    (tmp_path / "split" / "test").mkdir()
    message = _error(tmp_path / "split")
    assert str(tmp_path / "split" / "train") in message and "no class subfolders" in message


# ------------------------------------------------------------------------------------------------- CSV


def _csv(tmp_path, lines):
    path = tmp_path / "data.csv"
    path.write_text("\n".join(["label,p0,p1,p2,p3", *lines]) + "\n")
    return path


def test_csv_ragged_row_names_the_line(tmp_path):
    message = _error(_csv(tmp_path, ["0,1,2,3,4", "1,1,2,3", "0,5,5,5,5"]))
    assert "data.csv: line 3: 4 values but the header has 5 columns" in message


def test_csv_non_numeric_row_names_the_line(tmp_path):
    message = _error(_csv(tmp_path, ["0,1,2,3,4", "1,1,2,3,4", "0,5,five,5,5"]))
    assert "data.csv: line 4, column 3: 'five' is not a number" in message


def test_csv_non_square_needs_an_image_shape(tmp_path):
    path = write_csv(tmp_path / "wide.csv", X32[:, :2, :3, :1], Y32)   # 6 pixels per row
    assert "6 pixel columns are not a square grey image" in _error(path)
    assert "needs 12 pixel columns but the file has 6" in _error(path, image_shape=(2, 3, 2))
    assert load_dataset(path, image_shape=(2, 3, 1), test_fraction=0.5).image_shape == (2, 3, 1)


def test_csv_without_label_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    assert "no 'label' column" in _error(path)


# ---------------------------------------------------------------------------------------------- labels


def _npz(tmp_path, y_train, **extra):
    path = tmp_path / "labels.npz"
    np.savez(path, x_train=np.zeros((len(y_train), 2, 2), np.uint8), y_train=np.asarray(y_train),
             x_test=np.zeros((2, 2, 2), np.uint8), y_test=np.array([0, 1]), **extra)
    return path


def test_a_stray_huge_label_is_refused_without_allocating_per_class(tmp_path):
    path = _npz(tmp_path, [0, 1, 1_000_000_000, 1])
    tracemalloc.start()
    try:
        message = _error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "y_train" in message and "label 1,000,000,000" in message and "at most 100,000" in message
    assert peak < 50_000_000          # a billion class names would take tens of gigabytes


def test_more_classes_than_images_and_negative_labels(tmp_path):
    message = _error(_npz(tmp_path, [0, 1, 500, 1]))
    assert "label 500 would mean 501 classes, more than the 6 images" in message
    assert "≥ 0" in _error(_npz(tmp_path, [0, -3, 1, 1]))


def test_text_file_and_pickle_are_not_npz_files(tmp_path):
    text = tmp_path / "readme.txt"
    text.write_text("just some notes\n")
    assert "not an .npz file" in _error(text) and "text file" in _error(text)
    pickled = tmp_path / "objects.npz"
    pickled.write_bytes(pickle.dumps({"x_train": [1, 2, 3]}))
    message = _error(pickled)
    assert "not an .npz file" in message and "pickle" in message.lower()
    assert "allow_pickle" not in message
