"""Every dataset format round-trips exactly: files written from the built-in datasets load back pixel for pixel."""
from __future__ import annotations

import numpy as np
import pytest

from dataset_files import (cifar_files, to_uint8, write_cifar_archive, write_cifar_folder, write_csv,
                           write_idx_folder, write_png_folders)
from engine.data import Dataset, images_to_float, load_dataset, make_shapes, save_dataset_npz


@pytest.fixture(scope="module")
def digits_u8():
    """The built-in digits as uint8 (0..255), the labels and class names."""
    ds = load_dataset("digits")
    return to_uint8(ds.x_train), ds.y_train.copy(), to_uint8(ds.x_test), ds.y_test.copy(), ds.class_names


@pytest.fixture(scope="module")
def shapes_u8():
    """A small generated shapes set (32×32×3, the CIFAR-10 image size) as uint8."""
    ds = make_shapes(n_train=45, n_test=12, seed=3)
    return to_uint8(ds.x_train), ds.y_train, to_uint8(ds.x_test), ds.y_test, list(ds.class_names)


def _assert_same(ds: Dataset, x_train, y_train, x_test, y_test, class_names):
    assert ds.x_train.dtype == np.uint8 and ds.x_test.dtype == np.uint8      # uint8 in memory
    assert ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
    assert np.array_equal(ds.x_train, x_train) and np.array_equal(ds.x_test, x_test)
    assert np.array_equal(ds.y_train, y_train) and np.array_equal(ds.y_test, y_test)
    assert ds.class_names == list(class_names)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_round_trip(tmp_path, digits_u8, gz):
    folder = write_idx_folder(tmp_path / "digits-idx", *digits_u8[:4], gz=gz)
    ds = load_dataset(folder)
    _assert_same(ds, *digits_u8)
    assert ds.source == "MNIST-style IDX folder" and ds.name == "digits-idx"
    # Pointing at one of the four files reads its folder.
    stem = "t10k-labels-idx1-ubyte" + (".gz" if gz else "")
    assert np.array_equal(load_dataset(folder / stem).y_test, digits_u8[3])


def test_fashion_mnist_folder_gets_fashion_class_names(tmp_path, digits_u8):
    ds = load_dataset(write_idx_folder(tmp_path / "fashion-mnist", *digits_u8[:4], gz=True))
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"


@pytest.mark.parametrize("kind", ["binary", "python"])
@pytest.mark.parametrize("packed", ["folder", "archive", "parent folder"])
def test_cifar_round_trip(tmp_path, shapes_u8, kind, packed):
    files = cifar_files(*shapes_u8, kind=kind)
    if packed == "archive":
        path = write_cifar_archive(tmp_path / f"cifar-10-{kind}.tar.gz", files, kind)
    else:
        path = write_cifar_folder(tmp_path, files, kind)
        path = path.parent if packed == "parent folder" else path
    ds = load_dataset(path)
    _assert_same(ds, *shapes_u8)
    assert ds.image_shape == (32, 32, 3)
    assert ds.source == f"CIFAR-10 {kind} {'archive' if packed == 'archive' else 'folder'}"


def test_cifar_batches_are_read_in_numeric_order(tmp_path, shapes_u8):
    x_train, y_train, x_test, y_test, names = shapes_u8
    files = cifar_files(x_train, y_train, x_test, y_test, names, kind="binary", batches=11)
    ds = load_dataset(write_cifar_archive(tmp_path / "c.tar.gz", dict(reversed(files.items())), "binary"))
    assert np.array_equal(ds.x_train, x_train)      # data_batch_10 after data_batch_9, whatever the file order


def test_class_folders_with_train_and_test_round_trip(tmp_path, shapes_u8):
    x_train, y_train, x_test, y_test, names = shapes_u8
    write_png_folders(tmp_path / "pics" / "train", x_train, y_train, names)
    write_png_folders(tmp_path / "pics" / "test", x_test, y_test, names)
    ds = load_dataset(tmp_path / "pics")
    assert ds.class_names == sorted(names)
    # Files are read class by class (sorted names), each class in file order.
    for x, y, got_x, got_y in ((x_train, y_train, ds.x_train, ds.y_train), (x_test, y_test, ds.x_test, ds.y_test)):
        order = np.concatenate([np.flatnonzero(y == names.index(n)) for n in sorted(names)])
        assert np.array_equal(got_x, x[order])
        assert [ds.class_names[k] for k in got_y] == [names[k] for k in y[order]]
    assert ds.x_train.dtype == np.uint8 and ds.image_shape == (32, 32, 3)


def test_grey_class_folders_split_stratified_and_seeded(tmp_path, digits_u8):
    x, y = digits_u8[0][:200], digits_u8[1][:200]
    write_png_folders(tmp_path / "digits", x, y, digits_u8[4])
    ds = load_dataset(tmp_path / "digits", test_fraction=0.25)
    assert ds.image_shape == (8, 8, 1) and len(ds.y_train) + len(ds.y_test) == 200
    for k in range(10):     # each class gives a quarter of its images to the test part
        assert ds.class_counts("test")[k] == round(0.25 * np.count_nonzero(y == k))
    # Every image is there exactly once, with its label.
    pairs = {(bytes(img), int(lab)) for img, lab in zip(np.concatenate([ds.x_train, ds.x_test]),
                                                        np.concatenate([ds.y_train, ds.y_test]))}
    assert pairs == {(bytes(img), int(lab)) for img, lab in zip(x, y)}
    again = load_dataset(tmp_path / "digits", test_fraction=0.25)
    assert np.array_equal(again.y_test, ds.y_test) and np.array_equal(again.x_test, ds.x_test)
    other = load_dataset(tmp_path / "digits", test_fraction=0.25, seed=1)
    assert not np.array_equal(other.x_test, ds.x_test)
    assert "0.25 of each class held out" in ds.describe()


def test_class_folders_of_mixed_sizes_are_resized_and_say_so(tmp_path):
    from PIL import Image

    for name, sizes in (("a", [(10, 12), (10, 12)]), ("b", [(10, 12), (20, 6)])):
        (tmp_path / "mixed" / name).mkdir(parents=True)
        for i, (h, w) in enumerate(sizes):
            Image.fromarray(np.full((h, w, 3), 40 * i, np.uint8)).save(tmp_path / "mixed" / name / f"{i}.jpg")
    ds = load_dataset(tmp_path / "mixed", test_fraction=0.5)
    assert ds.image_shape == (10, 12, 3)
    assert "1 image(s) of other sizes resized to the most common size 10×12" in ds.describe()
    assert load_dataset(tmp_path / "mixed", image_size=(5, 7), test_fraction=0.5).image_shape == (5, 7, 3)


def test_csv_with_sibling_test_file_round_trip(tmp_path, digits_u8):
    x_train, y_train, x_test, y_test, names = digits_u8
    write_csv(tmp_path / "digits_train.csv", x_train, y_train)
    write_csv(tmp_path / "digits_test.csv", x_test, y_test)
    ds = load_dataset(tmp_path / "digits_train.csv")
    _assert_same(ds, *digits_u8)
    assert ds.image_shape == (8, 8, 1)          # 64 pixel columns → a square grey image


def test_csv_without_test_file_is_split_and_takes_an_image_shape(tmp_path, shapes_u8):
    x, y = shapes_u8[0], shapes_u8[1]
    path = write_csv(tmp_path / "colour.csv", x, y)
    ds = load_dataset(path, image_shape=(32, 32, 3), test_fraction=0.2)
    assert ds.image_shape == (32, 32, 3) and len(ds.y_train) + len(ds.y_test) == len(y)
    index = {bytes(img): i for i, img in enumerate(x)}
    for img, label in zip(np.concatenate([ds.x_train, ds.x_test]), np.concatenate([ds.y_train, ds.y_test])):
        assert y[index[bytes(img)]] == label       # every row reshaped back to its image, with its label


def test_npz_keeps_uint8_and_float_as_they_are(tmp_path, digits_u8):
    u8 = Dataset("u", digits_u8[0], digits_u8[1], digits_u8[2], digits_u8[3], digits_u8[4])
    save_dataset_npz(u8, tmp_path / "u.npz")
    _assert_same(load_dataset(tmp_path / "u.npz"), *digits_u8)
    save_dataset_npz(load_dataset("digits"), tmp_path / "f.npz")
    back = load_dataset(tmp_path / "f.npz")
    assert back.x_train.dtype == np.float32 and np.array_equal(back.x_train, load_dataset("digits").x_train)


def test_uint8_images_reach_the_network_as_value_over_255():
    x = np.array([0, 1, 51, 128, 255], np.uint8).reshape(1, 5, 1, 1)
    assert images_to_float(x).dtype == np.float32
    assert np.array_equal(images_to_float(x), x.astype(np.float32) / np.float32(255))
    assert np.array_equal(images_to_float(x, np.float64), (x.astype(np.float32) / np.float32(255)).astype(np.float64))
    floats = np.array([[[[0.5]]]], np.float32)
    assert images_to_float(floats) is floats       # float images are used as they are


def test_progress_is_reported_from_start_to_done(tmp_path, digits_u8):
    folder = write_idx_folder(tmp_path / "d", *digits_u8[:4])
    calls = []
    load_dataset(folder, progress=lambda fraction, message: calls.append((fraction, message)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)
