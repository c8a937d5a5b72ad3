"""engine.data: built-in datasets, the .npz loader and its error messages, validation splits."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.data import (
    BUILTIN_DATASETS,
    Dataset,
    DatasetError,
    images_to_float,
    load_dataset,
    make_shapes,
    save_dataset_npz,
)


# ------------------------------------------------------------------------------------------------ digits


def test_digits_sizes_types_and_range():
    ds = load_dataset("digits")
    assert ds.name == "digits"
    assert len(ds.y_train) + len(ds.y_test) == 1797
    assert (len(ds.y_train), len(ds.y_test)) == (1437, 360)
    assert ds.x_train.shape == (1437, 8, 8, 1) and ds.x_test.shape == (360, 8, 8, 1)
    assert ds.image_shape == (8, 8, 1)
    for x in (ds.x_train, ds.x_test):
        assert x.dtype == np.float32
        assert x.min() == 0.0 and x.max() == 1.0   # 0..16 scaled by 16, not by 255
    # Pixels are whole sixteenths: the file holds the original 0..16 counts.
    assert np.array_equal(ds.x_train * 16, np.round(ds.x_train * 16))
    for y in (ds.y_train, ds.y_test):
        assert y.dtype == np.int64
    assert ds.class_names == [str(d) for d in range(10)]
    assert ds.num_classes == 10


def test_digits_every_class_in_both_splits_in_proportion():
    ds = load_dataset("digits")
    train_counts = np.bincount(ds.y_train, minlength=10)
    test_counts = np.bincount(ds.y_test, minlength=10)
    assert train_counts.min() >= 130 and test_counts.min() >= 30
    # Stratified: each class's test share is within one image of 360/1797.
    totals = train_counts + test_counts
    assert np.all(np.abs(test_counts - totals * 360 / 1797) < 1)


def test_digits_split_is_fixed():
    a = load_dataset("digits")
    b = load_dataset("digits")
    assert np.array_equal(a.y_train, b.y_train) and np.array_equal(a.y_test, b.y_test)
    assert np.array_equal(a.x_test, b.x_test)
    # Pinned: the committed file's split (tools/make_digits_dataset.py, seed 20240611).
    assert np.bincount(a.y_test).tolist() == [36, 37, 35, 37, 36, 36, 36, 36, 35, 36]
    # Train and test hold different images (no image appears in both parts by index mix-up).
    assert not np.array_equal(a.x_train[:360], a.x_test)


def test_digits_describe():
    assert load_dataset("digits").describe() == "digits: 8×8×1 images, 1,437 train / 360 test, 10 classes"
    assert "digits" in repr(load_dataset("digits"))


def test_builtin_cache_cannot_be_corrupted_by_callers():
    ds = load_dataset("digits")
    with pytest.raises(ValueError):
        ds.x_train[0, 0, 0, 0] = 5.0
    with pytest.raises(ValueError):
        np.random.default_rng(0).shuffle(ds.y_train)
    ds.x_train = np.zeros((1, 8, 8, 1), np.float32)   # rebinding the caller's copy...
    ds.class_names.append("extra")
    fresh = load_dataset("digits")                     # ...leaves the cache alone
    assert fresh.x_train.shape == (1437, 8, 8, 1)
    assert fresh.class_names == [str(d) for d in range(10)]
    assert fresh.x_train.max() == 1.0


def test_builtin_names_and_unknown_name():
    assert BUILTIN_DATASETS == ("digits", "shapes")
    with pytest.raises(DatasetError, match="unknown dataset 'mnist'"):
        load_dataset("mnist")


# ------------------------------------------------------------------------------------------------ shapes


def test_shapes_default_dataset():
    ds = load_dataset("shapes")
    assert ds.name == "shapes"
    assert ds.x_train.shape == (4000, 32, 32, 3) and ds.x_test.shape == (1000, 32, 32, 3)
    assert ds.class_names == ["circle", "square", "triangle", "cross"]
    assert ds.describe() == "shapes: 32×32×3 images, 4,000 train / 1,000 test, 4 classes"
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0
    assert np.bincount(ds.y_train).tolist() == [1000] * 4
    assert np.bincount(ds.y_test).tolist() == [250] * 4
    # The default is fixed: seed None means seed 0, and a second call gives the same data.
    assert np.array_equal(ds.x_test, load_dataset("shapes", seed=0).x_test)
    assert np.array_equal(ds.x_test, make_shapes().x_test)


def test_shapes_deterministic_per_seed_and_different_across_seeds():
    a = make_shapes(n_train=120, n_test=40, seed=3)
    b = make_shapes(n_train=120, n_test=40, seed=3)
    c = make_shapes(n_train=120, n_test=40, seed=4)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_train, b.y_train)
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert not np.array_equal(load_dataset("shapes", seed=1).x_train[:10], load_dataset("shapes").x_train[:10])
    with pytest.raises(DatasetError, match="seed"):
        load_dataset("shapes", seed=-3)


def test_shapes_balanced_and_in_range_for_odd_sizes():
    ds = make_shapes(n_train=203, n_test=9, size=20, seed=7)
    assert ds.x_train.shape == (203, 20, 20, 3) and ds.x_test.shape == (9, 20, 20, 3)
    for y, m in ((ds.y_train, 203), (ds.y_test, 9)):
        counts = np.bincount(y, minlength=4)
        assert counts.sum() == m and counts.max() - counts.min() <= 1
    for x in (ds.x_train, ds.x_test):
        assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() <= 1.0 and np.isfinite(x).all()


@pytest.mark.parametrize(
    "kwargs", [dict(n_train=0), dict(n_test=-1), dict(size=4), dict(n_train=2.5), dict(seed=-1), dict(seed=1.5)]
)
def test_make_shapes_rejects_bad_arguments(kwargs):
    with pytest.raises(DatasetError, match="make_shapes: " + next(iter(kwargs))):
        make_shapes(**kwargs)


def _foreground_crops(x: np.ndarray, side: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """(m, H, W, 3) → ((m, side*side) 0/1 masks of the shape's bounding box resized, (m,) box extents)."""
    border = np.concatenate([x[:, 0], x[:, -1], x[:, :, 0], x[:, :, -1]], axis=1)   # (m, 4W, 3)
    background = np.median(border, axis=1)                                          # (m, 3)
    mask = np.abs(x - background[:, None, None, :]).max(axis=3) > 0.2               # (m, H, W)
    crops, extents = [], []
    for mk in mask:
        rows, cols = np.flatnonzero(mk.any(axis=1)), np.flatnonzero(mk.any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        ri = r0 + (np.arange(side) + 0.5) * (r1 - r0) / side
        ci = c0 + (np.arange(side) + 0.5) * (c1 - c0) / side
        crops.append(mk[np.ix_(ri.astype(int), ci.astype(int))].ravel())
        extents.append(min(r1 - r0, c1 - c0))
    return np.array(crops, dtype=np.float32), np.array(extents)


def test_shapes_are_visible_and_classes_separable():
    ds = make_shapes(n_train=600, n_test=400, seed=5)
    f_train, ext_train = _foreground_crops(ds.x_train)
    f_test, ext_test = _foreground_crops(ds.x_test)
    # Every shape stands out from its background and is at least 8 px across.
    assert ext_train.min() >= 8 and ext_test.min() >= 8
    # Nearest centroid on the shape's silhouette: chance is 25 %; wrong labels or invisible shapes fail.
    centroids = np.stack([f_train[ds.y_train == k].mean(axis=0) for k in range(4)])
    d2 = ((f_test[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    accuracy = (d2.argmin(axis=1) == ds.y_test).mean()
    assert accuracy > 0.6, accuracy


# ------------------------------------------------------------------------------------- npz round trip


def _write(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def _valid_arrays(m_train=6, m_test=4, shape=(5, 5, 2)):
    rng = np.random.default_rng(0)
    return dict(
        x_train=rng.random((m_train, *shape)).astype(np.float32),
        y_train=np.arange(m_train) % 3,
        x_test=rng.random((m_test, *shape)).astype(np.float32),
        y_test=np.arange(m_test) % 3,
    )


def test_save_and_load_round_trip(tmp_path):
    ds = make_shapes(n_train=40, n_test=12, size=16, seed=2)
    path = tmp_path / "my_shapes.npz"
    save_dataset_npz(ds, path)
    back = load_dataset(path)
    assert back.name == "my_shapes"
    for attr in ("x_train", "y_train", "x_test", "y_test"):
        original, loaded = getattr(ds, attr), getattr(back, attr)
        assert loaded.dtype == original.dtype and np.array_equal(loaded, original)
    assert back.class_names == ["circle", "square", "triangle", "cross"]
    assert back.x_train.flags.writeable          # file datasets are not cached: the caller owns them
    assert [p.name for p in tmp_path.iterdir()] == ["my_shapes.npz"]   # no temp file left behind
    # A string path and a path without the .npz suffix work too; the name is used exactly as given.
    save_dataset_npz(ds, str(tmp_path / "plain"))
    assert (tmp_path / "plain").exists()
    assert np.array_equal(load_dataset(str(tmp_path / "plain")).x_test, ds.x_test)


def test_round_trip_of_read_only_builtin_and_class_name_strings(tmp_path):
    ds = load_dataset("digits")
    ds.class_names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    save_dataset_npz(ds, tmp_path / "d.npz")
    back = load_dataset(tmp_path / "d.npz")
    assert np.array_equal(back.x_train, ds.x_train) and np.array_equal(back.y_test, ds.y_test)
    assert back.class_names == ds.class_names


def test_save_overwrites_atomically_and_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "d.npz"
    first = make_shapes(n_train=8, n_test=4, size=12, seed=0)
    save_dataset_npz(first, path)
    second = make_shapes(n_train=8, n_test=4, size=12, seed=1)
    save_dataset_npz(second, path)
    assert np.array_equal(load_dataset(path).x_train, second.x_train)

    def broken(handle, **arrays):
        handle.write(b"PK half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        save_dataset_npz(first, path)
    monkeypatch.undo()
    assert np.array_equal(load_dataset(path).x_train, second.x_train)
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]


def test_load_grayscale_uint8_without_class_names(tmp_path):
    x_train = np.array([[[0, 255], [51, 102]]] * 3, dtype=np.uint8)   # (3, 2, 2)
    path = _write(tmp_path / "gray.npz", x_train=x_train, y_train=np.array([0, 2, 1]),
                  x_test=x_train[:1], y_test=np.array([3], dtype=np.uint8))
    ds = load_dataset(path)
    # uint8 stays uint8 in memory; a network sees value/255 (engine.data.pixels).
    assert ds.x_train.shape == (3, 2, 2, 1) and ds.x_train.dtype == np.uint8
    assert np.allclose(images_to_float(ds.x_train)[0, :, :, 0], [[0, 1], [0.2, 0.4]])
    assert ds.y_test.dtype == np.int64 and ds.y_test.tolist() == [3]
    assert ds.class_names == ["0", "1", "2", "3"]
    assert ds.image_shape == (2, 2, 1) and ds.num_classes == 4


def test_load_keeps_float_pixels_and_accepts_whole_float_and_column_labels(tmp_path):
    arrays = _valid_arrays()
    arrays["x_train"] = arrays["x_train"].astype(np.float64) * 3.0       # floats are not rescaled
    arrays["y_train"] = arrays["y_train"].astype(np.float64)[:, None]    # (m, 1) whole-number floats
    ds = load_dataset(_write(tmp_path / "f.npz", **arrays, class_names=np.array(["a", "b", "c"])))
    assert ds.x_train.dtype == np.float32
    assert np.allclose(ds.x_train, arrays["x_train"])
    assert ds.y_train.dtype == np.int64 and ds.y_train.tolist() == [0, 1, 2, 0, 1, 2]
    assert ds.class_names == ["a", "b", "c"]


# ---------------------------------------------------------------------------------------- load errors


def _error(path) -> str:
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert isinstance(info.value, ValueError)
    return message


def test_missing_file_and_directory(tmp_path):
    assert "file not found" in _error(tmp_path / "nope.npz")
    assert "no dataset found in this folder" in _error(tmp_path)   # folders are datasets too now


def test_not_an_npz(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("hello, this is not numpy")
    assert "not an .npz file: it is a text file" in _error(text)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    assert "not an .npz file: it is an empty file" in _error(empty)
    npy = tmp_path / "single.npy"
    np.save(npy, np.zeros(3))
    assert "single .npy array" in _error(npy)


def test_corrupt_npz(tmp_path):
    good = _write(tmp_path / "good.npz", **_valid_arrays(m_train=200, m_test=50))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    message = _error(truncated)
    assert "readable" in message or "damaged" in message


@pytest.mark.parametrize("key", ["x_train", "class_names"])
def test_member_that_is_not_an_array(tmp_path, key):
    path = tmp_path / "bad_member.npz"
    arrays = {k: v for k, v in _valid_arrays().items() if k != key}
    np.savez(path, **arrays)
    with zipfile.ZipFile(path, "a") as archive:   # a member that isn't an .npy at all
        archive.writestr(f"{key}.npy", b"garbage bytes")
    message = _error(path)
    assert f": {key}: not a NumPy array" in message


def test_damaged_member(tmp_path):
    path = tmp_path / "crc.npz"
    np.savez(path, **_valid_arrays(m_train=300))   # stored uncompressed: flip a byte inside x_train's data
    raw = bytearray(path.read_bytes())
    at = raw.index(b"x_train.npy") + 400
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    message = _error(path)
    assert "x_train" in message and "damaged" in message


def test_missing_arrays_are_named(tmp_path):
    arrays = _valid_arrays()
    del arrays["y_test"], arrays["x_test"]
    message = _error(_write(tmp_path / "m.npz", **arrays))
    assert "missing array(s) x_test, y_test" in message
    assert "found: x_train, y_train" in message


@pytest.mark.parametrize("bad_shape", [(6, 25), (6, 5, 5, 2, 1), (6,)])
def test_wrong_image_ndim(tmp_path, bad_shape):
    arrays = _valid_arrays()
    arrays["x_train"] = np.zeros(bad_shape, np.float32)
    message = _error(_write(tmp_path / "nd.npz", **arrays))
    assert "x_train" in message and f"{len(bad_shape)}-D" in message


def test_train_and_test_image_shapes_differ(tmp_path):
    arrays = _valid_arrays()
    arrays["x_test"] = np.zeros((4, 5, 5, 3), np.float32)
    message = _error(_write(tmp_path / "s.npz", **arrays))
    assert "x_test" in message and "5×5×3" in message and "5×5×2" in message


def test_label_count_differs_from_image_count(tmp_path):
    arrays = _valid_arrays()
    arrays["y_train"] = np.zeros(5, np.int64)
    message = _error(_write(tmp_path / "c.npz", **arrays))
    assert "y_train" in message and "5 labels for 6 images" in message


@pytest.mark.parametrize(
    "labels, reason",
    [
        (np.array([0, 1, 0.5, 1]), "whole numbers"),
        (np.array([0, 1, np.nan, 1]), "whole numbers"),
        (np.array(["a", "b", "a", "b"]), "integer class indices"),
        (np.array([0, -1, 2, 1]), "≥ 0"),
        (np.eye(4, 3), "one-hot"),
    ],
)
def test_bad_labels(tmp_path, labels, reason):
    arrays = _valid_arrays()
    arrays["y_test"] = labels
    message = _error(_write(tmp_path / "l.npz", **arrays))
    assert "y_test" in message and reason in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixels(tmp_path, bad):
    arrays = _valid_arrays()
    arrays["x_test"][2, 1, 1, 0] = bad
    message = _error(_write(tmp_path / "nan.npz", **arrays))
    assert "x_test" in message and "NaN or infinite" in message


@pytest.mark.parametrize("key", ["x_train", "x_test"])
def test_empty_sets(tmp_path, key):
    arrays = _valid_arrays()
    arrays[key] = np.zeros((0, 5, 5, 2), np.float32)
    arrays["y" + key[1:]] = np.zeros(0, np.int64)
    message = _error(_write(tmp_path / "e.npz", **arrays))
    assert key in message and "empty" in message


def test_integer_pixels_out_of_range_and_non_numeric_pixels(tmp_path):
    arrays = _valid_arrays()
    arrays["x_train"] = np.full((6, 5, 5, 2), 300, np.int16)
    message = _error(_write(tmp_path / "i.npz", **arrays))
    assert "x_train" in message and "0..255" in message
    arrays["x_train"] = np.full((6, 5, 5, 2), "x")
    assert "pixels must be numbers" in _error(_write(tmp_path / "t.npz", **arrays))


def test_bad_class_names(tmp_path):
    arrays = _valid_arrays()
    message = _error(_write(tmp_path / "n.npz", **arrays, class_names=np.array(["a", "b"])))
    assert "class_names" in message and "need at least 3" in message
    message = _error(_write(tmp_path / "p.npz", **arrays, class_names=np.array(["a", 1, None], dtype=object)))
    assert "class_names" in message and "pickled" in message
    message = _error(_write(tmp_path / "q.npz", **arrays, class_names=np.array([1, 2, 3])))
    assert "class_names" in message and "strings" in message


def test_path_object_named_like_a_builtin_is_read_as_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_dataset_npz(Dataset("x", **_valid_arrays(), class_names=["a", "b", "c"]), "digits")
    assert load_dataset(Path("digits")).image_shape == (5, 5, 2)
    assert load_dataset("digits").image_shape == (8, 8, 1)   # the string still means the built-in


# ----------------------------------------------------------------------------------- split_validation


def _indexed_dataset(m: int = 50) -> Dataset:
    """x_train[i] is filled with i, so every returned image reveals where it came from."""
    x = np.broadcast_to(np.arange(m, dtype=np.float32)[:, None, None, None], (m, 2, 2, 1)).copy()
    return Dataset("idx", x, np.arange(m) % 5, x[:3].copy(), np.arange(3), [str(k) for k in range(5)])


def test_split_validation_sizes_partition_and_order():
    ds = _indexed_dataset(50)
    x_tr, y_tr, x_val, y_val = ds.split_validation(0.2, seed=1)
    assert x_tr.shape == (40, 2, 2, 1) and x_val.shape == (10, 2, 2, 1)
    assert y_tr.shape == (40,) and y_val.shape == (10,)
    tr_ids, val_ids = x_tr[:, 0, 0, 0].astype(int), x_val[:, 0, 0, 0].astype(int)
    assert sorted(np.concatenate([tr_ids, val_ids]).tolist()) == list(range(50))   # a partition
    assert np.all(np.diff(tr_ids) > 0) and np.all(np.diff(val_ids) > 0)           # order kept
    assert np.array_equal(y_tr, ds.y_train[tr_ids]) and np.array_equal(y_val, ds.y_train[val_ids])
    assert val_ids.tolist() != list(range(40, 50))                                 # actually shuffled


def test_split_validation_is_deterministic_per_seed():
    ds = load_dataset("digits")
    a = ds.split_validation(0.2, seed=3)
    b = ds.split_validation(0.2, seed=3)
    c = ds.split_validation(0.2, seed=4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[3], c[3]) or not np.array_equal(a[2], c[2])
    assert len(a[1]) + len(a[3]) == 1437 and len(a[3]) == 287
    # Fresh arrays: the caller may modify them even though the cached dataset is read-only.
    a[0][:] = 0
    assert load_dataset("digits").x_train.max() == 1.0


def test_split_validation_zero_and_nearly_one():
    ds = _indexed_dataset(5)
    x_tr, y_tr, x_val, y_val = ds.split_validation(0)
    assert np.array_equal(x_tr, ds.x_train) and np.array_equal(y_tr, ds.y_train)
    assert x_val.shape == (0, 2, 2, 1) and y_val.shape == (0,) and y_val.dtype == ds.y_train.dtype
    x_tr, _, x_val, _ = ds.split_validation(0.99)
    assert len(x_tr) == 1 and len(x_val) == 4           # at least one training image stays


@pytest.mark.parametrize("fraction", [1.0, 1.5, -0.1, float("nan"), "0.2", True, None])
def test_split_validation_rejects_bad_fraction(fraction):
    with pytest.raises(DatasetError, match="validation fraction"):
        _indexed_dataset().split_validation(fraction)
