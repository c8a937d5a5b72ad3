"""Fuzzing weights and dataset files: whatever a file holds, reading it gives a network / a dataset or one
SpecError / DatasetError line — never another exception, a traceback or a library's wording.

Weights: a valid file of a small network is taken apart and damaged (arrays missing, extra, replaced by ones
of other dtypes and shapes, NaN; the __meta__ and __spec__ entries replaced by other JSON, other text or
other arrays), written as .npz and then sometimes damaged byte-wise (truncated, bytes flipped) or replaced by
random bytes, and read with `Network.load`.
Datasets: small valid files of every format engine.data reads (IDX, CIFAR-10 binary and python, CSV, .npz,
class folders) are written with the helpers of dataset_files.py, one of their files is truncated, has bytes
flipped or is replaced by random bytes, and the folder or file is read with `load_dataset`; class folders
also get random images (any size, any Pillow mode) and non-images.
Hostile pickles (CIFAR-10 python batches from the allowed globals and a few refused ones) and size bombs
(.npz, IDX and tar members declaring any size, holding less, as much or more) are read in this process and
must not grow it by hundreds of megabytes.
Hypothesis is derandomized (the same examples every run) and keeps no database.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import resource
import struct
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bombs import gzip_file, npy_header, zip_file
from dataset_files import (FOLDER_OF, cifar_files, idx_bytes, write_cifar_folder, write_csv, write_idx_folder,
                           write_png_folders)
from engine import Network, SpecError
from engine.data import DatasetError, load_dataset
from engine.spec import NetworkSpec

# CNN_FUZZ_EXAMPLES=2000 explores further when hunting a bug; the suite runs the default.
EXAMPLES = int(os.environ.get("CNN_FUZZ_EXAMPLES", "120"))
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=EXAMPLES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Library wording that must never reach a user's message.
LEAKS = ("allow_pickle", "Traceback", "numpy.", "zipfile", "Errno", "pickle data", "object arrays", "invalid load key")


def assert_one_line(message: str) -> None:
    assert message and "\n" not in message, message
    lowered = message.lower()
    assert not any(leak.lower() in lowered for leak in LEAKS), message


# ----- weights ------------------------------------------------------------------------------------------

SMALL = NetworkSpec.from_dict({
    "format": "cnn-designer/1", "input": {"shape": [6, 6, 1]},
    "layers": [{"type": "conv", "filters": 2, "size": 3, "stride": 1, "padding": "valid", "activation": "relu"},
               {"type": "pool", "mode": "max", "size": 2, "stride": 2},
               {"type": "dense", "units": 3, "activation": "softmax"}]})


def valid_weight_arrays() -> dict[str, np.ndarray]:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.npz"
        Network.from_spec(SMALL, seed=0).save(path)
        buffer.write(path.read_bytes())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


VALID = valid_weight_arrays()
KEYS = sorted(VALID)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(),
                         st.text(max_size=8), st.sampled_from(["float32", "float64", "float16", "cnn-designer-weights/1",
                                                                "cnn-designer/1", "int8", "object"]))
json_docs = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                         max_leaves=8)
shapes = st.one_of(st.just(()), st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple))
dtypes = st.sampled_from(["float32", "float64", "float16", "int8", "int64", "uint8", "bool", "complex64",
                          "<U3", "S2", "datetime64[s]"])


@st.composite
def random_arrays(draw):
    """An array of any shape (0-d and empty included) and dtype: text, bytes, dates, bool, ints, floats with
    NaN or infinities, complex numbers."""
    shape, dtype = draw(shapes), np.dtype(draw(dtypes))
    if dtype.kind in "US":
        return np.full(shape, "ab", dtype=dtype)
    if dtype.kind == "M":
        return np.zeros(shape, dtype=dtype)
    fill = draw(st.sampled_from(["zeros", "ones", "random"] + (["nan", "inf"] if dtype.kind in "fc" else [])))
    size = int(np.prod(shape))
    values = {"zeros": np.zeros(size), "ones": np.ones(size), "nan": np.full(size, np.nan),
              "inf": np.full(size, np.inf), "random": np.random.default_rng(size).normal(size=size) * 3}[fill]
    return values.astype(dtype).reshape(shape)


@st.composite
def json_entries(draw, valid: np.ndarray):
    """A replacement for __meta__ or __spec__: other JSON, JSON with a field changed, other text, an array."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return np.array(json.dumps(draw(json_docs)))
    if choice == 1:
        doc = json.loads(str(valid[()]))
        if isinstance(doc, dict) and doc:
            key = draw(st.sampled_from(sorted(doc)))
            doc[key] = draw(json_docs)
        return np.array(json.dumps(doc))
    if choice == 2:
        return np.array(draw(st.text(max_size=20)))
    return draw(random_arrays())


@st.composite
def damaged_weight_files(draw) -> bytes:
    arrays = dict(VALID)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["drop", "extra", "replace", "meta", "spec", "nan"]))
        key = draw(st.sampled_from(KEYS))
        if action == "drop":
            arrays.pop(key, None)
        elif action == "extra":
            arrays[draw(st.sampled_from(["X.W", "CONV1.W2", "", "a" * 40]))] = draw(random_arrays())
        elif action == "replace":
            arrays[key] = draw(random_arrays())
        elif action in ("meta", "spec"):
            entry = f"__{action}__"
            arrays[entry] = draw(json_entries(VALID[entry]))
        elif key in arrays and arrays[key].dtype.kind == "f" and arrays[key].size:
            damaged = arrays[key].copy()
            damaged.flat[draw(st.integers(0, damaged.size - 1))] = np.nan
            arrays[key] = damaged
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return draw(byte_damage(buffer.getvalue()))


@st.composite
def byte_damage(draw, data: bytes) -> bytes:
    """The bytes as they are, truncated, with some bytes flipped, or replaced by random bytes."""
    how = draw(st.sampled_from(["none", "none", "truncate", "flip", "random"]))
    if how == "truncate":
        return data[:draw(st.integers(0, max(0, len(data) - 1)))]
    if how == "flip":
        damaged = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            if damaged:
                position = draw(st.integers(0, len(damaged) - 1))
                damaged[position] ^= draw(st.integers(1, 255))
        return bytes(damaged)
    if how == "random":
        return draw(st.binary(max_size=300))
    return data


@FUZZ
@given(data=damaged_weight_files())
def test_damaged_weights_files_load_or_give_one_spec_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "weights.npz"
        path.write_bytes(data)
        try:
            net = Network.load(path)
        except SpecError as exc:
            assert_one_line(str(exc))
            return
    # What loads is a usable network: finite weights of the stored design's shapes.
    assert all(np.isfinite(value).all() for value in net.params.values())
    assert net.predict_proba(np.zeros((1, 6, 6, 1), np.float32)).shape == (1, 3)


def test_the_valid_weights_file_loads():
    """The base the fuzzer damages is itself a good file (so the fuzzer tests damage, not a broken base)."""
    buffer = io.BytesIO()
    np.savez(buffer, **VALID)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "weights.npz"
        path.write_bytes(buffer.getvalue())
        assert Network.load(path).spec.to_dict() == SMALL.to_dict()


# ----- datasets -----------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
X_GREY = RNG.integers(0, 256, (12, 4, 4, 1), dtype=np.uint8)
Y_GREY = np.arange(12) % 3
X_RGB = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
Y_RGB = np.arange(6) % 2


def write_valid(kind: str, root: Path) -> Path:
    """A small valid dataset of `kind`; returns what load_dataset is given."""
    if kind == "idx":
        return write_idx_folder(root / "mnist", X_GREY[:9], Y_GREY[:9], X_GREY[9:], Y_GREY[9:])
    if kind in ("binary", "python"):
        files = cifar_files(X_RGB[:4], Y_RGB[:4], X_RGB[4:], Y_RGB[4:], ["cat", "dog"], kind, batches=2)
        return write_cifar_folder(root, files, kind)
    if kind == "csv":
        return write_csv(root / "train.csv", X_GREY, Y_GREY)
    if kind == "npz":
        path = root / "data.npz"
        np.savez(path, x_train=X_GREY[:9], y_train=Y_GREY[:9], x_test=X_GREY[9:], y_test=Y_GREY[9:],
                 class_names=np.array(["a", "b", "c"]))
        return path
    write_png_folders(root / "pictures", X_GREY, Y_GREY, ["zero", "one", "two"])
    return root / "pictures"


KINDS = ["idx", "binary", "python", "csv", "npz", "folders"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_valid_dataset_files_load(kind, tmp_path):
    dataset = load_dataset(write_valid(kind, tmp_path))
    assert len(dataset.x_train) + len(dataset.x_test) in (12, 6)


def load_or_one_error(target: Path) -> None:
    try:
        dataset = load_dataset(target)
    except DatasetError as exc:
        assert_one_line(str(exc))
        return
    # What loads is a dataset the engine can use: labels within the class names, images 4-D.
    for x, y in ((dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test)):
        assert x.ndim == 4 and len(x) == len(y)
        assert y.size == 0 or 0 <= int(y.min()) <= int(y.max()) < len(dataset.class_names)


@settings(FUZZ, max_examples=EXAMPLES // 4)
@given(kind=st.sampled_from(KINDS), which=st.integers(0, 10 ** 6), damage=st.data())
def test_damaged_dataset_files_load_or_give_one_dataset_error(kind, which, damage):
    with tempfile.TemporaryDirectory() as folder:
        target = write_valid(kind, Path(folder))
        files = sorted(p for p in ([target] if target.is_file() else target.rglob("*")) if p.is_file())
        victim = files[which % len(files)]
        data = victim.read_bytes()
        damaged = damage.draw(byte_damage(data))
        if damaged == data:
            damaged = data[:len(data) // 2]
        victim.write_bytes(damaged)
        load_or_one_error(target)


image_modes = st.sampled_from(["1", "L", "P", "RGB", "RGBA", "I", "F", "I;16", "LA", "CMYK"])


@settings(FUZZ, max_examples=EXAMPLES // 4)
@given(images=st.lists(st.tuples(st.sampled_from(["cat", "dog", "ünïcode", " "]), image_modes,
                                 st.integers(1, 40), st.integers(1, 40), st.sampled_from(["png", "bmp", "junk"])),
                       min_size=1, max_size=8),
       junk=st.binary(max_size=64))
def test_random_images_in_class_folders_load_or_give_one_dataset_error(images, junk):
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "pictures"
        for number, (label, mode, height, width, form) in enumerate(images):
            (root / label).mkdir(parents=True, exist_ok=True)
            path = root / label / f"{number}.{'png' if form == 'junk' else form}"
            if form == "junk":
                path.write_bytes(junk)
                continue
            image = Image.new(mode, (width, height))
            try:
                image.save(path)
            except (OSError, ValueError, KeyError):   # a mode this format can't store: write it as PNG bytes
                path.write_bytes(junk)
        load_or_one_error(root)


# ----- what the fuzzing found (plain regression tests) ---------------------------------------------------

def test_a_cut_cifar_pickle_is_called_damaged_not_in_the_unpicklers_words(tmp_path):
    folder = write_valid("python", tmp_path)
    meta = folder / "batches.meta"
    meta.write_bytes(meta.read_bytes()[:-5])
    with pytest.raises(DatasetError) as info:
        load_dataset(folder)
    assert str(info.value) == f"{meta}: not a readable pickle: the file is damaged or cut short"


def test_a_csv_with_only_its_header_says_so_without_a_numpy_warning(tmp_path, recwarn):
    path = tmp_path / "train.csv"
    path.write_text("label,pixel0,pixel1,pixel2,pixel3\n")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert str(info.value) == f"{path}: no data rows after the header"
    assert [str(w.message) for w in recwarn] == []


# ----- hostile pickles -----------------------------------------------------------------------------------
# CIFAR-10 python batches assembled from the opcodes of the globals the restricted unpickler allows (and a
# few it refuses), with arrays of any dtype name, declared shape and byte count, labels of any kind, and
# shared references: whatever comes out, it is a dataset or one DatasetError line, and nothing grows
# beyond the file (the reader runs in this process, so a crash or a blow-up would end the suite).


def _op_int(n: int) -> bytes:
    return b"\x8a" + bytes([8]) + int(n).to_bytes(8, "little", signed=True)


def _op_text(value: str) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    return b"X" + struct.pack("<I", len(data)) + data


def _op_bytes(value: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(value)) + value


def _op_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


GLOBALS = [("numpy", "dtype"), ("numpy", "ndarray"), ("numpy._core.multiarray", "_reconstruct"),
           ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.numeric", "_frombuffer"), ("_codecs", "encode"),
           ("builtins", "bytes"), ("__builtin__", "bytes"), ("os", "system"), ("builtins", "eval")]
DTYPE_NAMES = ["u1", "|u1", "<i8", ">i4", "<f8", "f4", "b1", "O", "V8", "<U3", "S2", "M8", "u16", "", "u1u1"]
shape_values = st.lists(st.one_of(st.integers(0, 6), st.sampled_from([3072, 10 ** 12, 2 ** 62, -1])), max_size=3)


@st.composite
def pickled_dtypes(draw) -> bytes:
    code = _op_global("numpy", "dtype") + b"(" + _op_text(draw(st.sampled_from(DTYPE_NAMES))) + b"\x89\x88tR"
    if draw(st.booleans()):      # the BUILD of the dtype's state: byte order, maybe fields
        fields = draw(st.sampled_from([b"N", b"(" + _op_text("a") + b"t"]))
        code += b"(" + _op_int(3) + _op_text(draw(st.sampled_from(["|", "<", ">", "?"]))) + b"N" + fields + b"N" + \
            _op_int(-1) + _op_int(-1) + _op_int(0) + b"tb"
    return code


@st.composite
def pickled_arrays(draw) -> bytes:
    shape = b"(" + b"".join(_op_int(v) for v in draw(shape_values)) + b"t"
    data = _op_bytes(bytes(draw(st.sampled_from([0, 1, 8, 24, 3072, 4 * 3072]))))
    how = draw(st.sampled_from(["reconstruct", "frombuffer", "ndarray"]))
    if how == "reconstruct":
        module = draw(st.sampled_from(["numpy._core.multiarray", "numpy.core.multiarray"]))
        head = _op_global(module, "_reconstruct") + b"(" + _op_global("numpy", "ndarray") + b"(" + _op_int(0) + \
            b"t" + _op_bytes(b"b") + b"tR"
        version = _op_int(1) if draw(st.booleans()) else b""
        return head + b"(" + version + shape + draw(pickled_dtypes()) + draw(st.sampled_from([b"\x89", b"\x88"])) + \
            data + b"tb"
    if how == "frombuffer":
        return _op_global("numpy._core.numeric", "_frombuffer") + b"(" + data + draw(pickled_dtypes()) + shape + \
            _op_text(draw(st.sampled_from(["C", "F", "K"]))) + b"tR"
    return _op_global("numpy", "ndarray") + b"(" + shape + draw(pickled_dtypes()) + data + b"tR"


@st.composite
def pickled_values(draw, depth: int = 0) -> bytes:
    """Opcodes that push one value: a number, text, bytes, an array, a call of an allowed (or refused)
    global, a list or dict of values, or a reference to memo slot 0 (shared or circular)."""
    choice = draw(st.integers(0, 9 if depth < 3 else 4))
    if choice == 0:
        return _op_int(draw(st.integers(-2 ** 63, 2 ** 63 - 1)))
    if choice == 1:
        return b"G" + struct.pack(">d", draw(st.floats(allow_nan=True, allow_infinity=True)))
    if choice == 2:
        return _op_bytes(draw(st.binary(max_size=16)))
    if choice == 3:
        return _op_text(draw(st.text(max_size=8)))
    if choice == 4:
        return b"h\x00"                                   # memo 0: shared, or the list that holds it
    if choice == 5:
        return draw(pickled_arrays())
    if choice == 6:
        module, name = draw(st.sampled_from(GLOBALS))
        args = b"".join(draw(st.lists(pickled_values(depth=depth + 1), max_size=2)))
        return _op_global(module, name) + b"(" + args + b"tR"
    if choice == 7:
        items = draw(st.lists(pickled_values(depth=depth + 1), max_size=4))
        return b"](" + b"".join(items) + b"e"
    if choice == 8:
        count = draw(st.integers(1, 50))
        return b"](" + b"h\x00" * count + b"e"            # many references to one object
    keys = draw(st.lists(st.sampled_from([b"data", b"labels", b"label_names", b"x"]), max_size=3))
    return b"}(" + b"".join(_op_bytes(k) + draw(pickled_values(depth=depth + 1)) for k in keys) + b"u"


@st.composite
def hostile_batches(draw) -> bytes:
    slot0 = draw(pickled_values(depth=1))                 # whatever memo 0 holds (maybe circular below)
    data = draw(st.one_of(pickled_arrays(), pickled_values(depth=1)))
    labels = draw(st.one_of(pickled_values(depth=1),
                            st.just(b"](" + _op_int(0) + _op_int(1) + _op_int(0) + _op_int(1) + b"e")))
    body = b"](" + slot0 + b"eq\x000"                     # memo 0 = [slot0], popped
    if draw(st.booleans()):
        body += b"h\x00h\x00a0"                           # memo 0 now contains itself
    return b"\x80\x02" + body + b"}(" + _op_bytes(b"data") + data + _op_bytes(b"labels") + labels + b"u."


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(batch=hostile_batches(), where=st.sampled_from(["data_batch_1", "batches.meta"]))
def test_hostile_pickles_load_or_give_one_dataset_error(batch, where):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as folder:
        files = cifar_files(X_RGB[:4], Y_RGB[:4], X_RGB[4:], Y_RGB[4:], ["cat", "dog"], "python", batches=1)
        files[where] = batch
        load_or_one_error(write_cifar_folder(Path(folder), files, "python"))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024   # ru_maxrss is in kB on Linux
    assert grown_mb < 200, f"reading a {len(batch):,}-byte pickle took {grown_mb:.0f} MB more"


# ----- size bombs -------------------------------------------------------------------------------------------
# Files whose headers declare any size (zero to terabytes), holding less, as much or more, stored or
# compressed: read under CNN_DESIGNER_MEMORY_LIMIT=64M, they load or give one DatasetError line, and the
# process never takes hundreds of megabytes more (the declared sizes are checked before anything is
# allocated, and compressed data is read up to the declared size only).

declared = st.sampled_from([0, 1, 3, 9, 1 << 16, 1 << 27, 1 << 31, 10 ** 12])
held = st.sampled_from(["none", "less", "exact", "more", "huge"])
HUGE = 256 << 20        # what a "huge" member expands to: 256 MB of zeros, 256 kB compressed


def _held_bytes(how: str, declared_bytes: int) -> int:
    return {"none": 0, "less": max(declared_bytes // 2 - 1, 0), "exact": declared_bytes,
            "more": declared_bytes + 100, "huge": HUGE}[how] if declared_bytes < 1 << 30 or how in ("none", "huge") \
        else {"less": 1000, "exact": 4096, "more": 8192}[how]


@st.composite
def npz_bombs(draw, root: Path) -> Path:
    members = {}
    for key in ("x_train", "y_train", "x_test", "y_test"):
        if draw(st.integers(0, 3)) == 0:
            count = draw(declared)
            dtype = draw(st.sampled_from(["|u1", "<i8", "<f4"]))
            shape = (count,) if key.startswith("y") else (count, 2, 2)
            nbytes = count * np.dtype(dtype).itemsize * (1 if key.startswith("y") else 4)
            members[f"{key}.npy"] = (npy_header(shape, dtype), _held_bytes(draw(held), nbytes))
        else:
            x = X_GREY[:9] if key == "x_train" else X_GREY[9:] if key == "x_test" else None
            array = x[..., 0][:, :2, :2] if x is not None else (Y_GREY[:9] if key == "y_train" else Y_GREY[9:])
            buffer = io.BytesIO()
            np.save(buffer, np.ascontiguousarray(array))
            members[f"{key}.npy"] = (buffer.getvalue(), 0)
    return zip_file(root / "bomb.npz", members)


@st.composite
def idx_bombs(draw, root: Path) -> Path:
    folder = write_idx_folder(root / "mnist", X_GREY[:9], Y_GREY[:9], X_GREY[9:], Y_GREY[9:], gz=True)
    count = draw(declared) % 2 ** 32              # an IDX size field has four bytes
    header = bytes([0, 0, 8, 3]) + count.to_bytes(4, "big") + (4).to_bytes(4, "big") + (4).to_bytes(4, "big")
    nbytes = count * 16
    target = folder / draw(st.sampled_from(["train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"]))
    gzip_file(target, header, _held_bytes(draw(held), nbytes))
    if draw(st.booleans()):
        labels = target.name.replace("images-idx3", "labels-idx1")
        (folder / labels).write_bytes(gzip.compress(idx_bytes(np.zeros(min(count, 1 << 16), np.uint8))))
    return folder


@st.composite
def tar_bombs(draw, root: Path) -> Path:
    kind = draw(st.sampled_from(["binary", "python"]))
    name = draw(st.sampled_from({"binary": ["data_batch_1.bin", "test_batch.bin", "readme.html"],
                                 "python": ["data_batch_1", "test_batch", "batches.meta", "readme.html"]}[kind]))
    size = draw(st.sampled_from([0, 3073, 1 << 20, HUGE, 1 << 31]))
    folder = tarfile.TarInfo(FOLDER_OF[kind])
    folder.type = tarfile.DIRTYPE
    member = tarfile.TarInfo(f"{FOLDER_OF[kind]}/{name}")
    member.size = size
    held_bytes = min(size, HUGE) if draw(st.booleans()) else min(size, 4096)
    prefix = folder.tobuf(tarfile.USTAR_FORMAT) + member.tobuf(tarfile.USTAR_FORMAT)
    return gzip_file(root / f"cifar-10-{kind}.tar.gz", prefix, held_bytes + (-held_bytes % 512) + 1024)


@settings(FUZZ, max_examples=EXAMPLES // 4)
@given(data=st.data(), kind=st.sampled_from(["npz", "idx", "tar"]))
def test_size_bombs_load_or_give_one_dataset_error_without_growing(data, kind, monkeypatch):
    monkeypatch.setenv("CNN_DESIGNER_MEMORY_LIMIT", "64M")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        target = data.draw({"npz": npz_bombs, "idx": idx_bombs, "tar": tar_bombs}[kind](root))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        load_or_one_error(target)
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mb < 160, f"a {kind} bomb took {grown_mb:.0f} MB more"
