"""engine.inspection: the pure-NumPy helpers behind the inside views."""
import numpy as np
import pytest

from engine.course_examples import COURSE_6X6, POOL_4X4, VERTICAL_FILTER
from engine.inspection import (accuracy_from_confusion, choose_columns, confusion_matrix, convolve_image,
                               filter_matrix_tiles, filter_tiles, image_output_formula, misclassified_first,
                               normalize_tiles, pad_image, pool_image, pool_output_formula, rgb_filter_tiles,
                               to_grey, window_at)


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


# ----- the playgrounds: one filter or pooling window over one image ---------------------------------------

def _correlate(x, filt, s, p):
    """output[i, j] = Σ window · filter, by loops over a zero-padded copy made by hand (no engine code)."""
    x = np.asarray(x, dtype=np.float64)
    f = filt.shape[0]
    padded = np.zeros((x.shape[0] + 2 * p, x.shape[1] + 2 * p) + x.shape[2:])
    padded[p:p + x.shape[0], p:p + x.shape[1]] = x
    o_H, o_W = (padded.shape[0] - f) // s + 1, (padded.shape[1] - f) // s + 1
    out = np.zeros((o_H, o_W))
    for i in range(o_H):
        for j in range(o_W):
            window = padded[i * s:i * s + f, j * s:j * s + f]
            out[i, j] = np.sum(window * (filt if window.ndim == 2 else filt[:, :, np.newaxis]))
    return out


def test_pad_image_adds_p_zero_rows_and_columns_on_each_side():
    x = np.arange(6.0).reshape(2, 3)
    padded = pad_image(x, 1)
    assert padded.shape == (4, 5) and padded.dtype == np.float64
    np.testing.assert_array_equal(padded[1:3, 1:4], x)
    assert padded.sum() == x.sum() and not padded[0].any() and not padded[:, -1].any()
    assert pad_image(np.ones((2, 2, 3)), 2).shape == (6, 6, 3)
    np.testing.assert_array_equal(pad_image(x, 0), x)
    with pytest.raises(ValueError, match="p must be ≥ 0"):
        pad_image(x, -1)


def test_the_course_6x6_example_gives_the_course_4x4_map():
    out = convolve_image(COURSE_6X6, VERTICAL_FILTER)
    assert out.shape == (4, 4)
    np.testing.assert_array_equal(out[0], [-5, -4, 0, 8])
    np.testing.assert_allclose(out, _correlate(COURSE_6X6, VERTICAL_FILTER, 1, 0))


@pytest.mark.parametrize("shape, f, s, p", [((6, 6), 3, 1, 0), ((7, 5), 3, 2, 1), ((5, 5, 3), 2, 1, 2),
                                             ((8, 8), 5, 3, 2), ((4, 6, 3), 1, 1, 0)])
def test_convolve_image_is_the_sum_of_window_times_filter_and_window_at_finds_each_window(shape, f, s, p):
    rng = np.random.default_rng(sum(shape) + f)
    x, filt = rng.normal(size=shape), rng.normal(size=(f, f))
    out = convolve_image(x, filt, s, p)
    np.testing.assert_allclose(out, _correlate(x, filt, s, p), atol=1e-9)
    for i, j in ((0, 0), (out.shape[0] - 1, out.shape[1] - 1), (out.shape[0] // 2, out.shape[1] - 1)):
        window, top, left = window_at(x, i, j, f, s, p)
        assert (top, left) == (i * s - p, j * s - p) and window.shape == (f, f) + x.shape[2:]
        weights = filt if x.ndim == 2 else filt[:, :, np.newaxis]
        assert np.sum(window * weights) == pytest.approx(out[i, j])


def test_convolve_image_matches_pytorch_in_float64():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, filt = rng.normal(size=(9, 7, 3)), rng.normal(size=(3, 3))
    out = convolve_image(x, filt, stride=2, p=1)
    weight = torch.from_numpy(np.repeat(filt[np.newaxis, np.newaxis], 3, axis=1))           # (1, 3, f, f)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x.transpose(2, 0, 1)[np.newaxis]), weight,
                                          stride=2, padding=1)[0, 0].numpy()
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_window_at_covers_the_padding_with_zeros_and_refuses_cells_outside_the_output():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    window, top, left = window_at(x, 0, 0, 3, 1, 1)
    assert (top, left) == (-1, -1)
    np.testing.assert_array_equal(window, [[0, 0, 0], [0, 1, 2], [0, 4, 5]])
    with pytest.raises(ValueError, match="outside the output"):
        window_at(x, 3, 0, 3, 1, 1)


def test_pool_image_is_the_courses_example_and_refuses_a_window_larger_than_the_input():
    np.testing.assert_array_equal(pool_image(POOL_4X4, 2, 2, "max"), [[9, 2], [6, 2]])
    np.testing.assert_allclose(pool_image(POOL_4X4, 2, 2, "avg"), [[3.75, 1.25], [3.75, 1.5]])
    with pytest.raises(ValueError, match="pool window 5 is larger than the 4×4 input"):
        pool_image(POOL_4X4, 5, 1)


def test_the_playgrounds_output_size_formulas_fill_in_the_numbers():
    assert image_output_formula(6, 6, 3, 0, 1) == "⌊(6 + 2·0 − 3)/1⌋ + 1 = 4"
    assert image_output_formula(85, 60, 3, 1, 2) == ("n_H: ⌊(85 + 2·1 − 3)/2⌋ + 1 = 43,  "
                                                    "n_W: ⌊(60 + 2·1 − 3)/2⌋ + 1 = 30")
    assert image_output_formula(6, 6, 4, None, 1) == "⌊(6 + 2p − 4)/1⌋ + 1: p undefined"
    assert pool_output_formula(4, 4, 2, 2) == "⌊(4 − 2)/2⌋ + 1 = 2"
    assert pool_output_formula(6, 4, 3, 1) == "⌊(6 − 3)/1⌋ + 1 = 4,  ⌊(4 − 3)/1⌋ + 1 = 2"
