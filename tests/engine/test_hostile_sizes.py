"""Declared sizes are checked against the memory guard before anything is allocated: .npz members (stored or
zip-compressed), IDX headers (gzip streams), CIFAR-10 batches and archive members, class folders with an
image size, CSV files and weights files. CNN_DESIGNER_MEMORY_LIMIT applies to datasets and weights; a
MemoryError that still happens is one `error:` line.

Every bomb is a few kilobytes to a couple of megabytes on disk (bombs.py) and is read in a child process
under a 768 MB address-space limit (limited.py): the readers used to allocate what the files declared and
die with a MemoryError traceback, or load hundreds of megabytes past CNN_DESIGNER_MEMORY_LIMIT.
"""
from __future__ import annotations

import gzip
import tarfile

import numpy as np

from bombs import gzip_file, npy_bytes, npy_header, zip_file
from dataset_files import cifar_files, idx_bytes, write_cifar_folder, write_idx_folder, write_png_folders
from limited import assert_refused, load_dataset_limited, load_weights_limited

GB = 1 << 30
RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (12, 4, 4, 1), dtype=np.uint8)
Y = np.arange(12) % 3
SMALL = {"y_train": npy_bytes(Y[:9]), "x_test": npy_bytes(X[9:]), "y_test": npy_bytes(Y[9:])}


def npz_with_x_train(path, header: bytes, n_zeros: int):
    members = {"x_train.npy": (header, n_zeros)}
    members.update({f"{key}.npy": (data, 0) for key, data in SMALL.items()})
    return zip_file(path, members)


# ----- .npz ------------------------------------------------------------------------------------------------

def test_an_npz_member_declaring_a_terabyte_it_does_not_hold_is_refused(tmp_path):
    path = npz_with_x_train(tmp_path / "liar.npz", npy_header((10 ** 6, 1000, 1000)), 64)
    assert_refused(load_dataset_limited(path), "liar.npz: x_train: cut short: its header declares",
                   "1,000,000×1,000×1,000 uint8 (1.0 TB)", "holds 64 bytes")


def test_a_zip_compressed_member_that_expands_past_the_memory_is_refused_unread(tmp_path):
    path = npz_with_x_train(tmp_path / "bomb.npz", npy_header((1536, 1024, 1024)), int(1.5 * GB))
    assert path.stat().st_size < 4 << 20
    assert_refused(load_dataset_limited(path), "bomb.npz: its arrays (x_train 1,536×1,024×1,024 uint8 (1.6 GB)",
                   "would take 1.6 GB of memory, more than the", "refused before reading it")


def test_cnn_designer_memory_limit_applies_to_datasets_as_to_weights(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x_train=np.zeros((2048, 32, 32, 1), np.uint8), y_train=np.arange(2048) % 2,
             x_test=np.zeros((2, 32, 32, 1), np.uint8), y_test=np.arange(2))
    assert load_dataset_limited(path).loaded is not None
    limited = load_dataset_limited(path, env={"CNN_DESIGNER_MEMORY_LIMIT": "1M"})
    assert_refused(limited, "would take 2.1 MB of memory, more than the 1.0 MB available")
    # weights: the design's memory is checked before the arrays are read (Network.from_spec)
    from engine import Network
    from engine.spec import NetworkSpec

    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [32, 32, 3]}, "layers": [
        {"type": "dense", "units": 256}, {"type": "dense", "units": 3, "activation": "softmax"}]})
    Network.from_spec(spec).save(tmp_path / "run.npz")                          # 3 MB of weights
    assert load_weights_limited(tmp_path / "run.npz").loaded is not None
    assert_refused(load_weights_limited(tmp_path / "run.npz", env={"CNN_DESIGNER_MEMORY_LIMIT": "1M"}),
                   "is available")


# ----- IDX, CIFAR-10, class folders, CSV ---------------------------------------------------------------------

def test_a_gzip_idx_file_that_expands_to_gigabytes_is_refused_before_decompressing(tmp_path):
    folder = write_idx_folder(tmp_path / "mnist", X[:9], Y[:9], X[9:], Y[9:], gz=True)
    header = idx_bytes(np.zeros((0, 1024, 768), np.uint8))[:4] + (2048).to_bytes(4, "big") + \
        (1024).to_bytes(4, "big") + (768).to_bytes(4, "big")
    gzip_file(folder / "train-images-idx3-ubyte.gz", header, 2048 * 1024 * 768)
    labels = idx_bytes(np.zeros(2048, np.uint8))
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    assert (folder / "train-images-idx3-ubyte.gz").stat().st_size < 4 << 20
    assert_refused(load_dataset_limited(folder), "the IDX files' 2,048 + 3 images would take 1.6 GB of memory")


def _tar_bomb(path, member_size: int):
    """A CIFAR-10 python .tar.gz whose data_batch_1 declares `member_size` bytes (zeros, streamed)."""
    folder = tarfile.TarInfo("cifar-10-batches-py")
    folder.type = tarfile.DIRTYPE
    member = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
    member.size = member_size
    prefix = folder.tobuf(tarfile.USTAR_FORMAT) + member.tobuf(tarfile.USTAR_FORMAT)
    padding = -member_size % 512
    return gzip_file(path, prefix, member_size + padding + 1024)


def test_a_cifar_archive_member_that_expands_to_gigabytes_is_refused_before_it_is_read(tmp_path):
    path = _tar_bomb(tmp_path / "cifar-10-python.tar.gz", int(1.5 * GB))
    assert path.stat().st_size < 4 << 20
    assert_refused(load_dataset_limited(path), "data_batch_1: this member (declared 1,610,612,736 bytes)",
                   "more than the", "refused before reading it")


def test_a_cifar_binary_folder_of_sparse_gigabytes_is_refused_before_allocating(tmp_path):
    files = cifar_files(RNG.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8), np.array([0, 1, 0, 1]),
                        RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), np.array([0, 1]), ["a", "b"], "binary",
                        batches=1)
    folder = write_cifar_folder(tmp_path, files, "binary")
    with open(folder / "data_batch_1.bin", "r+b") as handle:          # sparse: nothing written on disk
        handle.truncate(700_000 * 3073)
    assert_refused(load_dataset_limited(folder), "the CIFAR-10 batches (", "would take 4.3 GB of memory")


def test_an_image_size_too_big_for_the_memory_is_refused_before_allocating(tmp_path):
    write_png_folders(tmp_path / "pictures", RNG.integers(0, 256, (20, 4, 4, 3), dtype=np.uint8), np.arange(20) % 2,
                      ["cat", "dog"])
    outcome = load_dataset_limited(tmp_path / "pictures", {"image_size": (4096, 4096)})
    assert_refused(outcome, "pictures: 20 images of 4096×4096×3 would take 1.0 GB of memory")
    assert_refused(load_dataset_limited(tmp_path / "pictures", {"image_size": (100_000, 100_000)}),
                   "image size 100000×100000: each side must be 1 to 4,096 pixels")


def test_cnn_designer_memory_limit_applies_to_a_csv(tmp_path):
    from dataset_files import write_csv

    path = write_csv(tmp_path / "train.csv", np.zeros((300, 16, 16, 1), np.uint8), np.arange(300) % 3)
    assert load_dataset_limited(path).loaded is not None
    assert_refused(load_dataset_limited(path, env={"CNN_DESIGNER_MEMORY_LIMIT": "100K"}),
                   "train.csv: its numbers would take", "more than the 102 kB available")


# ----- weights -------------------------------------------------------------------------------------------

def _weights_members(tmp_path):
    from engine import Network
    from engine.spec import NetworkSpec

    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [6, 6, 1]}, "layers": [
        {"type": "conv", "filters": 2, "size": 3}, {"type": "dense", "units": 3, "activation": "softmax"}]})
    Network.from_spec(spec).save(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as data:
        return {f"{key}.npy": (npy_bytes(data[key]), 0) for key in data.files}


def test_a_weights_file_whose_design_entry_expands_to_gigabytes_is_refused_unread(tmp_path):
    members = _weights_members(tmp_path)
    members["__spec__.npy"] = (npy_header((), "<U400000000"), 1_600_000_000)      # 1.6 GB of "text"
    path = zip_file(tmp_path / "bomb.npz", members)
    assert path.stat().st_size < 4 << 20
    outcome = load_weights_limited(path)
    assert_refused(outcome, "bomb.npz: the stored design is damaged: it declares", "far more than a design ever needs")


def test_a_weights_array_declaring_another_shape_is_refused_before_its_data_is_read(tmp_path):
    members = _weights_members(tmp_path)
    members["CONV1.W.npy"] = (npy_header((GB // 2,), "<f4"), 2 * GB)             # 2 GB of zeros, 2 MB on disk
    path = zip_file(tmp_path / "bomb.npz", members)
    assert_refused(load_weights_limited(path), "bomb.npz: CONV1.W has shape (536870912,), the design needs (3, 3, 1, 2)")


# ----- whatever is left: one line ----------------------------------------------------------------------------

def test_a_memory_error_in_a_command_is_one_error_line(capsys, monkeypatch):
    from engine.cli import main

    def exhausted(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr("engine.cli.summary.summarize", exhausted)
    assert main(["summary", "lenet5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and err.count("\n") == 1, err
