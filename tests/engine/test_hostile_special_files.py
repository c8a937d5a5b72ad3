"""Only regular files are read: a design, dataset, weights file or picture that is a FIFO, a socket or a device
— or a link to one — is refused at once with one line (engine.fileio.refuse_special_file, the one check
every reader and the command line make). And a long read can be stopped from outside: a progress callback
that raises LoadCancelled ends the load at that call.

The readers run in a child process with a timeout (limited.py): reading a FIFO used to wait forever, and
/dev/zero to grow until the memory ran out.
"""
from __future__ import annotations

import os
import socket
import tarfile

import numpy as np
import pytest

from bombs import gzip_file, npy_header, zip_file
from dataset_files import cifar_files, idx_bytes, write_cifar_folder, write_csv, write_idx_folder, write_png_folders
from engine.data import LoadCancelled, load_dataset
from engine.fileio import SpecialFileError, refuse_special_file, special_file_reason
from limited import assert_refused, load_dataset_limited, load_weights_limited, main_limited

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and /dev/zero are POSIX")
TIMEOUT = 20      # a FIFO blocks forever: a reader that opens it fails by this timeout
RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (12, 4, 4, 1), dtype=np.uint8)
Y = np.arange(12) % 3


def fifo(path):
    os.mkfifo(path)
    return path


def link_to_zero(path):
    os.symlink("/dev/zero", path)
    return path


# ----- the one check ---------------------------------------------------------------------------------------

def test_the_check_names_what_the_path_is(tmp_path):
    assert special_file_reason(fifo(tmp_path / "pipe")) == "a FIFO (named pipe)"
    assert special_file_reason("/dev/zero") == "a character device"
    assert special_file_reason(link_to_zero(tmp_path / "zero.json")) == "a link to /dev/zero, a character device"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        assert special_file_reason(tmp_path / "sock") == "a socket"
    (tmp_path / "plain.json").write_text("{}")
    for fine in (tmp_path / "plain.json", tmp_path, tmp_path / "missing.json"):
        assert special_file_reason(fine) is None
        refuse_special_file(fine)
    with pytest.raises(SpecialFileError) as info:
        refuse_special_file(tmp_path / "pipe", "a picture")
    assert str(info.value) == (f"{tmp_path / 'pipe'}: is a FIFO (named pipe), not a picture; refused: reading it "
                               "could wait forever or never end")


# ----- designs, datasets, weights: in a child, with a timeout ---------------------------------------------

@pytest.mark.parametrize("make", [fifo, link_to_zero], ids=["fifo", "link to /dev/zero"])
def test_a_special_design_file_is_one_error_line(tmp_path, make):
    design = make(tmp_path / "net.json")
    for command in (["summary", design], ["train", design, "--dataset", "digits"]):
        result = main_limited(*command, timeout=TIMEOUT)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "not an architecture JSON file; refused" in result.stderr


@pytest.mark.parametrize("name", ["train.csv", "data", "data.npz", "cifar-10-python.tar.gz"])
@pytest.mark.parametrize("make", [fifo, link_to_zero], ids=["fifo", "link to /dev/zero"])
def test_a_special_dataset_file_is_refused_at_once(tmp_path, name, make):
    path = make(tmp_path / name)
    assert_refused(load_dataset_limited(path, timeout=TIMEOUT), f"{path}: is ", "not a dataset file; refused")


def test_special_files_inside_dataset_folders_are_refused(tmp_path):
    folder = write_idx_folder(tmp_path / "mnist", X[:9], Y[:9], X[9:], Y[9:])
    (folder / "t10k-images-idx3-ubyte").unlink()
    fifo(folder / "t10k-images-idx3-ubyte")
    assert_refused(load_dataset_limited(folder, timeout=TIMEOUT), "t10k-images-idx3-ubyte: is a FIFO")

    files = cifar_files(RNG.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8), np.arange(4) % 2,
                        RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), np.arange(2), ["a", "b"], "binary")
    cifar = write_cifar_folder(tmp_path, files, "binary")
    (cifar / "test_batch.bin").unlink()
    link_to_zero(cifar / "test_batch.bin")
    assert_refused(load_dataset_limited(cifar, timeout=TIMEOUT), "test_batch.bin: is a link to /dev/zero")

    write_png_folders(tmp_path / "pictures", X, Y, ["a", "b", "c"])
    fifo(tmp_path / "pictures" / "b" / "zzz.png")
    assert_refused(load_dataset_limited(tmp_path / "pictures", timeout=TIMEOUT), "zzz.png: is a FIFO")


@pytest.mark.parametrize("make", [fifo, link_to_zero], ids=["fifo", "link to /dev/zero"])
def test_a_special_weights_file_is_refused_by_the_engine_and_the_command_line(tmp_path, make):
    path = make(tmp_path / "run.npz")
    assert_refused(load_weights_limited(path, timeout=TIMEOUT), "not a weights file (.npz); refused")
    result = main_limited("evaluate", path, "--dataset", "digits", timeout=TIMEOUT)
    assert result.returncode == 2 and "not a weights file (.npz); refused" in result.stderr, result.stderr


# ----- cancelling a long read -------------------------------------------------------------------------------

def _sparse_idx(folder, images: int):
    """An MNIST folder whose training images are `images` zero images of 64×64 (sparse on disk)."""
    test = np.zeros((3, 64, 64, 1), np.uint8)
    write_idx_folder(folder, test, Y[:3], test, Y[:3])
    header = bytes([0, 0, 8, 3]) + images.to_bytes(4, "big") + (64).to_bytes(4, "big") + (64).to_bytes(4, "big")
    with open(folder / "train-images-idx3-ubyte", "wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + images * 64 * 64)
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.arange(images) % 3))
    return folder


def _big_npz(path):
    return zip_file(path, {"x_train.npy": (npy_header((16384, 64, 64)), 16384 * 64 * 64),
                           "y_train.npy": (npy_header((16384,), "<i8"), 16384 * 8),
                           "x_test.npy": (npy_header((2, 64, 64)), 2 * 64 * 64),
                           "y_test.npy": (npy_header((2,), "<i8"), 16)})


def _archive_with_a_big_readme(path):
    """A CIFAR-10 python .tar.gz whose first file is a 256 MB readme (256 kB compressed) that the reader
    decompresses only to skip it."""
    folder = tarfile.TarInfo("cifar-10-batches-py")
    folder.type = tarfile.DIRTYPE
    readme = tarfile.TarInfo("cifar-10-batches-py/readme.html")
    readme.size = 256 << 20
    return gzip_file(path, folder.tobuf(tarfile.USTAR_FORMAT) + readme.tobuf(tarfile.USTAR_FORMAT),
                     (256 << 20) + 1024)


def _long_csv(path):
    return write_csv(path, np.zeros((40_000, 2, 2, 1), np.uint8), np.arange(40_000) % 2)


LONG_READS = {"IDX": lambda tmp: _sparse_idx(tmp / "mnist", 16384), "npz": lambda tmp: _big_npz(tmp / "big.npz"),
              "archive": lambda tmp: _archive_with_a_big_readme(tmp / "cifar-10-python.tar.gz"),
              "CSV": lambda tmp: _long_csv(tmp / "train.csv")}


@pytest.mark.parametrize("kind", sorted(LONG_READS))
def test_a_progress_callback_that_raises_load_cancelled_ends_the_load_there(tmp_path, kind):
    target = LONG_READS[kind](tmp_path)
    calls = []

    def cancel_on_the_third_call(fraction, message):
        calls.append(fraction)
        if len(calls) == 3:
            raise LoadCancelled

    with pytest.raises(LoadCancelled):
        load_dataset(target, progress=cancel_on_the_third_call)
    assert len(calls) == 3 and calls[-1] < 0.9, calls


def test_a_long_read_reports_at_least_every_few_megabytes(tmp_path):
    """What makes cancelling prompt: 64 MB of images give a chance to cancel at least every 8 MB."""
    folder = _sparse_idx(tmp_path / "mnist", 16384)
    calls = []
    load_dataset(folder, progress=lambda fraction, message: calls.append(fraction))
    assert len([f for f in calls if 0 < f < 0.5]) >= 64 // 8
