"""What a window asks before reading a dataset (engine.data.questions): a colour or non-square CSV's image
shape, mixed-size class folders' size, and the test fraction when there is no test part."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dataset_files import write_csv, write_png_folders
from engine.data import DatasetError, load_dataset
from engine.data.questions import check_answers, reading_questions, suggested_shape


def test_suggested_shapes():
    assert suggested_shape(784) == (28, 28, 1) and suggested_shape(3072) == (32, 32, 3)
    assert suggested_shape(6) is None


def test_a_colour_csv_asks_its_shape_and_the_test_fraction(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (20, 4, 4, 3), dtype=np.uint8)
    path = write_csv(tmp_path / "colour.csv", x, np.arange(20) % 2)
    questions = reading_questions(path)
    assert questions.ask_shape and questions.image_shape == (4, 4, 3) and questions.pixel_columns == 48
    assert questions.test_fraction == 0.2 and "48 pixel columns, a square colour image" in questions.reason
    options = questions.options(test_fraction=0.5)
    assert options == {"image_shape": (4, 4, 3), "test_fraction": 0.5}
    ds = load_dataset(path, **options)
    assert ds.image_shape == (4, 4, 3) and len(ds.y_test) == 10
    np.testing.assert_array_equal(np.concatenate([ds.x_train, ds.x_test]).sum(), x.sum())


def test_a_non_square_csv_has_no_suggestion_and_a_wrong_answer_is_refused(tmp_path):
    x = np.zeros((10, 2, 3, 1), dtype=np.uint8)
    path = write_csv(tmp_path / "train.csv", x, np.arange(10) % 2)
    questions = reading_questions(path)
    assert questions.ask_shape and questions.image_shape is None
    with pytest.raises(DatasetError, match="an image of 2×2×1 has 4 pixels but each row has 6"):
        check_answers(questions, {"image_shape": (2, 2, 1)})
    check_answers(questions, {"image_shape": (2, 3, 1), "test_fraction": 0.5})
    with pytest.raises(DatasetError, match="between 0 and 1"):
        check_answers(questions, {"image_shape": (2, 3, 1), "test_fraction": 1.0})


def test_a_square_grey_csv_asks_nothing(tmp_path):
    path = write_csv(tmp_path / "grey.csv", np.zeros((4, 3, 3, 1), np.uint8), np.arange(4) % 2)
    assert reading_questions(path) is None


def test_mixed_size_class_folders_ask_the_size(tmp_path):
    rng = np.random.default_rng(1)
    write_png_folders(tmp_path / "pics", rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8), np.arange(12) % 2,
                      ["cat", "dog"])
    assert reading_questions(tmp_path / "pics") is None           # all 8×8
    Image.fromarray(np.zeros((10, 6), np.uint8)).save(tmp_path / "pics" / "cat" / "odd.png")
    questions = reading_questions(tmp_path / "pics")
    assert questions.image_size == (8, 8) and questions.sizes == {(8, 8): 12, (10, 6): 1}
    assert questions.test_fraction == 0.2 and "images of 2 sizes (8×8 (12), 10×6 (1))" in questions.reason
    ds = load_dataset(tmp_path / "pics", **questions.options(image_size=(5, 5)))
    assert ds.image_shape == (5, 5, 1)


def test_other_datasets_ask_nothing(tmp_path):
    assert reading_questions(tmp_path) is None
    (tmp_path / "x.npz").write_bytes(b"")
    assert reading_questions(tmp_path / "x.npz") is None
