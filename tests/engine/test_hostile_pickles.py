"""Hostile CIFAR-10 python batches: the restricted unpickler never builds an array of Python objects or an
array over raw memory, never allocates what a pickle merely declares, and bounds what shared references
could grow into; fractional labels are refused; a batch Python 3.14 writes (protocol 5) loads.

Every pickle is assembled here opcode by opcode (a few hundred bytes) and read in a child process under a
memory limit (limited.py): the object-array case used to end the process with a segmentation fault, the
"billion laughs" in gigabytes.
"""
from __future__ import annotations

import pickle
import struct

import numpy as np
import pytest

from dataset_files import cifar_files, write_cifar_folder
from limited import assert_refused, load_dataset_limited, main_limited

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
Y = np.arange(6) % 2


# ----- a tiny pickle assembler (protocol 2 opcodes) ------------------------------------------------------

def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def text(value: str) -> bytes:
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def raw(value: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(value)) + value


def small(n: int) -> bytes:
    return b"K" + bytes([n])


def tup(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def call(function: bytes, *args: bytes) -> bytes:
    return function + tup(*args) + b"R"


def dtype(name: str) -> bytes:
    return call(glob("numpy", "dtype"), text(name), b"\x89", b"\x88")


def batch(data: bytes, labels: bytes) -> bytes:
    """A python batch {b"data": <data>, b"labels": <labels>} around two opcode sequences."""
    return b"\x80\x02}" + raw(b"data") + data + b"s" + raw(b"labels") + labels + b"s."


def int_list(values) -> bytes:
    return b"]" + b"(" + b"".join(small(v) for v in values) + b"e"


def folder_with(tmp_path, name: str, data: bytes):
    """A CIFAR-10 python folder whose file `name` is replaced by `data`."""
    files = cifar_files(X[:4], Y[:4], X[4:], Y[4:], ["cat", "dog"], "python", batches=1)
    files[name] = data
    return write_cifar_folder(tmp_path, files, "python")


GOOD_PIXELS = np.ascontiguousarray(X[:4].transpose(0, 3, 1, 2).reshape(4, -1))


def good_array() -> bytes:
    """The (4, 3072) uint8 pixels as numpy pickles them at protocol 2."""
    return pickle.dumps(GOOD_PIXELS, protocol=2)[2:-1]


# ----- arrays of Python objects and arrays over raw memory -----------------------------------------------

OBJECT_ARRAYS = {
    # numpy.ndarray((10,), dtype('O'), <80 raw bytes>): ten "object pointers" read from the file
    "ndarray called with an object dtype": call(glob("numpy", "ndarray"), small(10) + b"\x85", dtype("O"),
                                                 raw(b"\x41" * 80)),
    # numpy.ndarray((4, 3072), dtype('u1'), <bytes>): an array over a buffer, called directly
    "ndarray called directly": call(glob("numpy", "ndarray"), tup(small(4), b"M\x00\x0c"), dtype("u1"),
                                    raw(GOOD_PIXELS.tobytes())),
    # _reconstruct(ndarray, (0,), b'b') + BUILD (1, (10,), dtype('O'), False, <raw bytes>)
    "an object array's state from raw bytes": call(glob("numpy._core.multiarray", "_reconstruct"),
                                                   glob("numpy", "ndarray"), small(0) + b"\x85", raw(b"b"))
    + tup(small(1), small(10) + b"\x85", dtype("O"), b"\x89", raw(b"\x41" * 80)) + b"b",
    # protocol 5's _frombuffer with an object dtype
    "_frombuffer with an object dtype": call(glob("numpy._core.numeric", "_frombuffer"), raw(b"\x41" * 80),
                                             dtype("O"), small(10) + b"\x85", text("C")),
}


@pytest.mark.parametrize("case", sorted(OBJECT_ARRAYS))
def test_an_array_of_objects_or_over_raw_memory_is_refused_not_built(tmp_path, case):
    folder = folder_with(tmp_path, "data_batch_1", batch(OBJECT_ARRAYS[case], int_list(range(4))))
    message = assert_refused(load_dataset_limited(folder), "data_batch_1", "refused to load")
    assert "could run code" not in message         # nothing here names a code-running global


def test_the_command_line_says_one_line_for_the_object_array(tmp_path):
    folder = folder_with(tmp_path, "data_batch_1", batch(OBJECT_ARRAYS["ndarray called with an object dtype"],
                                                         int_list(range(4))))
    result = main_limited("data", folder)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "dtype 'O'" in result.stderr


def test_a_declared_shape_is_never_allocated_before_its_bytes_are_seen(tmp_path):
    # _reconstruct(ndarray, (10¹², ), b'b'): NumPy's own _reconstruct allocates that shape at once.
    shape = b"\x8a\x06" + (10 ** 12).to_bytes(6, "little") + b"\x85"          # (10**12,)
    huge = call(glob("numpy.core.multiarray", "_reconstruct"), glob("numpy", "ndarray"), shape, raw(b"b"))
    state = tup(small(1), shape, dtype("u1"), b"\x89", raw(b"\x00" * 16))
    folder = folder_with(tmp_path, "data_batch_1", batch(huge + state + b"b", int_list(range(4))))
    assert_refused(load_dataset_limited(folder), "need 1,000,000,000,000 bytes but whose data holds 16")


@pytest.mark.parametrize("dtype_code, words", [
    # a plain dtype whose BUILD state adds field names: a structured dtype (which could hold objects)
    (dtype("u1") + tup(small(3), text("|"), b"N", tup(text("a")), b"}", b"J\x08\x00\x00\x00", small(1), small(0))
     + b"b", "a structured dtype"),
    (dtype("V8"), "an array of dtype 'V8'"),
    (dtype("<U4"), "an array of dtype '<U4'"),
])
def test_a_dtype_other_than_plain_numbers_is_refused(tmp_path, dtype_code, words):
    folder = folder_with(tmp_path, "data_batch_1", batch(call(glob("numpy._core.numeric", "_frombuffer"),
                                                              raw(b"\x00" * 32), dtype_code, small(4) + b"\x85",
                                                              text("C")), int_list(range(4))))
    assert_refused(load_dataset_limited(folder), "refused to load", words)


# ----- what a pickle may grow into -----------------------------------------------------------------------

def laughs(levels: int, fan: int) -> bytes:
    """A list of `fan` references to a list of `fan` references to ... (levels deep) to [0, 1, ...]: a few
    hundred bytes on disk, fan ** levels elements as a reader expands them (numpy.asarray does)."""
    out = int_list(list(range(fan))) + b"q\x00" + b"0"     # memo 0: the innermost list (popped: only memo'd)
    for level in range(1, levels + 1):
        out += b"](" + (b"h" + bytes([level - 1])) * fan + b"e" + b"q" + bytes([level])
        if level < levels:
            out += b"0"
    return out


def test_the_billion_laughs_of_shared_lists_is_refused_small(tmp_path):
    plain = folder_with(tmp_path / "plain", "data_batch_1", batch(good_array(), int_list([0, 1, 0, 1])))
    assert load_dataset_limited(plain).loaded.startswith("cifar-10-batches-py: 32×32×3 images, 4 train / 2 test")
    labels = laughs(levels=9, fan=10)                      # 10¹⁰ labels, 5.6 GB and more as an array
    data = batch(good_array(), labels)
    assert len(data) < 20_000
    folder = folder_with(tmp_path, "data_batch_1", data)
    assert_refused(load_dataset_limited(folder), "shared references would expand it far beyond the file's size")


def test_shared_references_to_one_big_string_are_refused(tmp_path):
    # label_names: 2,000 references to one 1 MB string; decoding each name would make 2 GB of text
    names = b"\x80\x02}" + raw(b"label_names") + b"](" + raw(b"n" * (1 << 20)) + b"q\x00" + b"h\x00" * 1999 + b"es."
    folder = folder_with(tmp_path, "batches.meta", names)
    assert_refused(load_dataset_limited(folder), "batches.meta", "shared references")


def test_a_list_that_contains_itself_is_refused(tmp_path):
    selfish = b"](" + small(0) + b"eq\x00h\x00a"           # l = [0]; l.append(l)
    folder = folder_with(tmp_path, "data_batch_1", batch(good_array(), selfish))
    assert_refused(load_dataset_limited(folder), "refers to itself")


def test_nesting_deeper_than_a_batch_ever_is_refused(tmp_path):
    deep = b"]" * 100_000 + b"a" * 99_999                  # [[[[...]]]] 100,000 deep, as label names
    folder = folder_with(tmp_path, "batches.meta", b"\x80\x02}" + raw(b"label_names") + deep + b"s.")
    assert_refused(load_dataset_limited(folder), "nested more than 16 levels deep")


# ----- labels and batches written by other Pythons --------------------------------------------------------

def test_fractional_labels_are_refused_as_in_the_npz_and_csv_readers(tmp_path):
    labels = b"](" + b"G" + struct.pack(">d", 0.5) + small(1) + small(0) + small(1) + b"e"
    folder = folder_with(tmp_path, "data_batch_1", batch(good_array(), labels))
    assert_refused(load_dataset_limited(folder), "'labels' must be whole numbers (class indices), found 0.5")
    whole = b"](" + b"".join(b"G" + struct.pack(">d", v) for v in (0.0, 1.0, 0.0, 1.0)) + b"e"
    folder = folder_with(tmp_path / "whole", "data_batch_1", batch(good_array(), whole))
    assert load_dataset_limited(folder).loaded is not None          # whole numbers written as floats load


def test_a_batch_pickled_at_protocol_5_loads_like_the_original(tmp_path):
    """Python 3.14 pickles at protocol 5 by default, where NumPy writes arrays through _frombuffer."""
    batch5 = {b"batch_label": b"training batch 1", b"labels": [0, 1, 0, 1], b"data": GOOD_PIXELS,
              b"filenames": [b"a.png"] * 4}
    folder = folder_with(tmp_path, "data_batch_1", pickle.dumps(batch5, protocol=5))
    assert load_dataset_limited(folder).loaded.startswith("cifar-10-batches-py: 32×32×3 images, 4 train / 2 test")
    from engine.data import load_dataset

    dataset = load_dataset(folder)
    np.testing.assert_array_equal(dataset.x_train, X[:4])
    # an array in Fortran order (its state says so) is read in that order, at either protocol
    for protocol in (2, 5):
        fortran = {b"labels": [0, 1, 0, 1], b"data": np.asfortranarray(GOOD_PIXELS)}
        folder = folder_with(tmp_path / f"fortran{protocol}", "data_batch_1", pickle.dumps(fortran, protocol=protocol))
        np.testing.assert_array_equal(load_dataset(folder).x_train, X[:4])


def test_bytes_is_allowed_only_empty_as_python_3_writes_an_empty_batch(tmp_path):
    ten_gigabytes = call(glob("__builtin__", "bytes"), b"\x8a\x05" + (10 ** 10).to_bytes(5, "little"))
    folder = folder_with(tmp_path, "data_batch_1", batch(ten_gigabytes, int_list(range(4))))
    assert_refused(load_dataset_limited(folder), "refused to load: the pickle holds bytes() called with an argument")
