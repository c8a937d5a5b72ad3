"""engine.inspection: the pure-NumPy helpers behind the inside views."""
import numpy as np
import pytest

from engine.inspection import (accuracy_from_confusion, choose_columns, confusion_matrix, filter_matrix_tiles,
                            filter_tiles, misclassified_first, normalize_tiles, rgb_filter_tiles, to_grey)


# ----- confusion matrix -----------------------------------------------------------------------------

def test_confusion_matrix_counts_true_rows_predicted_columns():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    cm = confusion_matrix(y_true, y_pred, 3)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert cm.sum() == 6
    assert accuracy_from_confusion(cm) == pytest.approx(4 / 6)


def test_confusion_matrix_matches_a_loop_on_random_labels():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    expected = np.zeros((7, 7), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 7), expected)


def test_confusion_matrix_keeps_unused_classes_and_rejects_bad_labels():
    assert confusion_matrix([0], [0], 4).shape == (4, 4)
    assert confusion_matrix([], [], 2).sum() == 0
    with pytest.raises(ValueError, match="outside 0..2"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix([0, 1], [0, -1], 3)
    with pytest.raises(ValueError, match="labels"):
        confusion_matrix([0, 1], [0], 3)


def test_accuracy_of_an_empty_matrix_is_nan():
    assert np.isnan(accuracy_from_confusion(np.zeros((3, 3), int)))


# ----- ordering -------------------------------------------------------------------------------------

def test_misclassified_first_without_confidence_keeps_dataset_order():
    y_true = np.array([0, 1, 1, 0, 2])
    y_pred = np.array([0, 0, 1, 1, 2])
    np.testing.assert_array_equal(misclassified_first(y_true, y_pred), [1, 3, 0, 2, 4])


def test_misclassified_first_sorts_wrong_by_confidence_down_right_by_confidence_up():
    y_true = np.array([0, 1, 1, 0, 2, 2])
    y_pred = np.array([0, 0, 1, 1, 2, 0])
    conf = np.array([0.9, 0.6, 0.5, 0.95, 0.7, 0.6])
    # wrong: 1 (0.6), 3 (0.95), 5 (0.6) → 3, then 1 and 5 tied (dataset order); right: 2 (0.5), 4 (0.7), 0 (0.9)
    np.testing.assert_array_equal(misclassified_first(y_true, y_pred, conf), [3, 1, 5, 2, 4, 0])


# ----- filters --------------------------------------------------------------------------------------

def test_filter_tiles_and_matrix_tiles_index_like_W():
    W = np.arange(3 * 3 * 2 * 4, dtype=float).reshape(3, 3, 2, 4)
    tiles = filter_tiles(W, 1)
    assert tiles.shape == (4, 3, 3)
    for k in range(4):
        np.testing.assert_array_equal(tiles[k], W[:, :, 1, k])
    grid = filter_matrix_tiles(W)
    assert grid.shape == (8, 3, 3)
    for c in range(2):
        for k in range(4):
            np.testing.assert_array_equal(grid[c * 4 + k], W[:, :, c, k])
    with pytest.raises(ValueError, match="channel 2"):
        filter_tiles(W, 2)
    with pytest.raises(ValueError, match="W must be"):
        filter_tiles(np.zeros((3, 2, 1, 1)), 0)


def test_rgb_filter_tiles_scale_each_filter_to_0_1():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(5, 5, 3, 6))
    W[..., 5] = 0.25                                   # a constant filter
    tiles = rgb_filter_tiles(W)
    assert tiles.shape == (6, 5, 5, 3)
    for k in range(5):
        assert tiles[k].min() == pytest.approx(0) and tiles[k].max() == pytest.approx(1)
        np.testing.assert_allclose(tiles[k], (W[..., k] - W[..., k].min()) / np.ptp(W[..., k]))
    np.testing.assert_allclose(tiles[5], 0.5)
    with pytest.raises(ValueError, match="n_C_prev = 3"):
        rgb_filter_tiles(np.zeros((3, 3, 1, 2)))


# ----- display scaling ------------------------------------------------------------------------------

def test_normalize_symmetric_puts_zero_in_the_middle_per_tile():
    tiles = np.array([[[-2.0, 0.0, 1.0]], [[0.0, 0.5, 0.25]], [[0.0, 0.0, 0.0]]])
    out = normalize_tiles(tiles, "symmetric")
    np.testing.assert_allclose(out[0], [[0.0, 0.5, 0.75]])
    np.testing.assert_allclose(out[1], [[0.5, 1.0, 0.75]])
    np.testing.assert_allclose(out[2], [[0.5, 0.5, 0.5]])
    shared = normalize_tiles(tiles, "symmetric", per_tile=False)
    np.testing.assert_allclose(shared[1], [[0.5, 0.625, 0.5625]])
    fixed = normalize_tiles(tiles, "symmetric", levels=4.0)
    np.testing.assert_allclose(fixed[0], [[0.25, 0.5, 0.625]])


def test_normalize_minmax_and_zero_max():
    tiles = np.array([[[1.0, 3.0]], [[5.0, 5.0]], [[0.0, 2.0]]])
    np.testing.assert_allclose(normalize_tiles(tiles, "minmax"), [[[0, 1]], [[0.5, 0.5]], [[0, 1]]])
    np.testing.assert_allclose(normalize_tiles(tiles, "minmax", per_tile=False), [[[0.2, 0.6]], [[1, 1]], [[0, 0.4]]])
    np.testing.assert_allclose(normalize_tiles(tiles, "zero_max"), [[[1 / 3, 1]], [[1, 1]], [[0, 1]]])
    np.testing.assert_allclose(normalize_tiles(np.zeros((2, 2, 2)), "zero_max"), 0)
    np.testing.assert_allclose(normalize_tiles(tiles, "minmax", levels=(0, 10)), tiles / 10)
    with pytest.raises(ValueError, match="mode"):
        normalize_tiles(tiles, "log")


def test_normalize_keeps_shape_and_range():
    rng = np.random.default_rng(2)
    tiles = rng.normal(size=(7, 4, 5, 3)) * 100
    for mode in ("symmetric", "minmax", "zero_max"):
        out = normalize_tiles(tiles, mode)
        assert out.shape == tiles.shape
        assert out.min() >= 0 and out.max() <= 1


def test_to_grey_uses_luminance_weights():
    x = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]], dtype=np.float32)
    grey = to_grey(x)
    assert grey.dtype == np.float32
    np.testing.assert_allclose(grey, [[0.299, 0.587, 0.114, 1.0]], rtol=1e-6)
    with pytest.raises(ValueError):
        to_grey(np.zeros((2, 2)))


@pytest.mark.parametrize("n, aspect, expected", [(1, 1.6, 1), (8, 1.6, 4), (16, 1.0, 4), (48, 1.2, 8), (0, 1, 1)])
def test_choose_columns(n, aspect, expected):
    assert choose_columns(n, 1.0, aspect) == expected
