"""Empty and odd data: IDX files with 0 images and CIFAR-10 batches with no records are one clear line, the
engine refuses a dataset with no classes or no training images however it was made, and 16-bit PNGs are
scaled to 8 bits (not clipped to 0 and 255)."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from dataset_files import cifar_files, write_cifar_folder, write_idx_folder
from engine.data import Dataset, DatasetError, load_dataset

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (12, 4, 4, 1), dtype=np.uint8)
Y = np.arange(12) % 3
X32 = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)


def refusal(target) -> str:
    with pytest.raises(DatasetError) as info:
        load_dataset(target)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_an_idx_folder_with_0_training_images_is_one_line(tmp_path):
    empty = np.zeros((0, 4, 4, 1), np.uint8)
    folder = write_idx_folder(tmp_path / "mnist", empty, np.zeros(0), empty, np.zeros(0))
    assert refusal(folder) == (f"{folder / 'train-images-idx3-ubyte'}: holds 0 images (its header says so); the "
                               "training part needs at least one")


def test_an_idx_folder_with_0_test_images_loads_and_says_so(tmp_path):
    folder = write_idx_folder(tmp_path / "mnist", X, Y, np.zeros((0, 4, 4, 1), np.uint8), np.zeros(0))
    dataset = load_dataset(folder)
    assert len(dataset.y_test) == 0 and dataset.num_classes == 3 and "no test images" in dataset.describe()


@pytest.mark.parametrize("kind", ["binary", "python"])
def test_a_cifar_batch_with_no_records_is_one_line(tmp_path, kind):
    files = cifar_files(X32[:4], np.arange(4) % 2, X32[4:], np.arange(2), ["a", "b"], kind, batches=2)
    if kind == "binary":
        files["data_batch_2.bin"] = b""
        expected = "data_batch_2.bin: the file is empty: no records (a CIFAR-10 batch holds images)"
    else:
        files["data_batch_2"] = pickle.dumps({b"data": np.zeros((0, 3072), np.uint8), b"labels": []}, protocol=2)
        expected = "data_batch_2: no records: 'data' holds 0 images (a CIFAR-10 batch holds images)"
    folder = write_cifar_folder(tmp_path, files, kind)
    assert refusal(folder).endswith(expected)


@pytest.mark.parametrize("classes, train, words", [
    ([], 3, "the dataset has no classes"),
    (["a"], 0, "the dataset has no training images"),
])
def test_the_engine_refuses_a_dataset_with_no_classes_or_no_training_images(classes, train, words):
    x = np.zeros((train, 2, 2, 1), np.uint8)
    with pytest.raises(DatasetError, match=words):
        Dataset("made", x, np.zeros(train, np.int64), x[:0], np.zeros(0, np.int64), classes)


def test_16_bit_pngs_are_scaled_to_8_bits(tmp_path):
    from PIL import Image

    values = np.array([[0, 257, 32896, 65535], [128, 300, 1000, 65280]], np.uint16)
    for label in ("dark", "light"):
        (tmp_path / "pictures" / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(values).save(tmp_path / "pictures" / label / f"{i}.png")
    with Image.open(tmp_path / "pictures" / "dark" / "0.png") as image:
        assert image.mode.startswith("I;16")
    dataset = load_dataset(tmp_path / "pictures")
    expected = np.round(values.astype(np.float64) * 255 / 65535).astype(np.uint8)
    np.testing.assert_array_equal(dataset.x_train[0, ..., 0], expected)
    # beside a colour picture every image becomes RGB: the 16-bit greys are scaled first there too
    Image.new("RGB", (4, 2), (10, 200, 30)).save(tmp_path / "pictures" / "light" / "colour.png")
    coloured = load_dataset(tmp_path / "pictures")
    greys = coloured.x_train[coloured.x_train[..., 1] != 200].reshape(-1, 3)
    assert set(np.unique(greys)) <= set(np.unique(expected)) and greys.max() == 255 and 128 in greys
