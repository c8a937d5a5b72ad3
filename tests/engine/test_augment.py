"""Augmentation (engine.augment): the text, the checks against the images, and each change against a
plain per-image reference drawn from the same seeded generator."""
import re

import numpy as np
import pytest

from engine.augment import Augmentation, AugmentError


def _batch(m=6, n_H=5, n_W=7, n_C=3, seed=0):
    return np.random.default_rng(seed).random((m, n_H, n_W, n_C)).astype(np.float32)


@pytest.mark.parametrize("text, expected", [
    ("", Augmentation()), ("flip", Augmentation(flip=True)),
    ("flip,shift:2,crop:4,color:20", Augmentation(flip=True, shift=2, crop=4, color=20.0)),
    (" colour:7.5 , shift:1 ", Augmentation(shift=1, color=7.5)),
])
def test_text_is_read_and_written_back(text, expected):
    parsed = Augmentation.parse(text)
    assert parsed == expected and Augmentation.parse(str(parsed)) == parsed


@pytest.mark.parametrize("text, words", [
    ("blur", "unknown kind 'blur' (known: flip, shift:K, crop:P, color:C)"), ("flip:2", "flip takes no amount"),
    ("shift", "shift needs an amount"), ("shift:1.5", "shift needs a whole number of pixels"),
    ("crop:0", "crop must be at least 1 pixel"), ("color:300", "color must be above 0 and at most 255 levels"),
    ("color:nan", "color needs a number"), ("flip,flip", "flip is given twice"),
])
def test_unreadable_text_names_the_part(text, words):
    with pytest.raises(AugmentError, match=re.escape(words)):
        Augmentation.parse(text)


def test_problems_with_the_images_are_named():
    assert "as large as the 8×8 images" in Augmentation(shift=8).problem((8, 8, 1))
    assert "as large as the 8×8 images" in Augmentation(crop=9).problem((8, 8, 3))
    assert "1 channel" in Augmentation(color=10).problem((8, 8, 1))
    assert Augmentation(flip=True, shift=7, crop=7, color=10).problem((8, 8, 3)) is None


def _offsets(seed, m, pixels):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2 * pixels + 1, size=m), rng.integers(0, 2 * pixels + 1, size=m)


def test_shift_moves_each_image_and_fills_with_zeros():
    x = _batch()
    out = Augmentation(shift=2).apply(x, np.random.default_rng(5))
    tops, lefts = _offsets(5, len(x), 2)
    for i, (top, left) in enumerate(zip(tops, lefts)):
        dy, dx = 2 - top, 2 - left                  # where the image's corner lands
        expected = np.zeros_like(x[i])
        src = x[i][max(0, -dy): 5 - max(0, dy), max(0, -dx): 7 - max(0, dx)]
        expected[max(0, dy): max(0, dy) + src.shape[0], max(0, dx): max(0, dx) + src.shape[1]] = src
        np.testing.assert_array_equal(out[i], expected)
    assert out.shape == x.shape and out.dtype == x.dtype


def test_crop_pads_by_mirroring_and_cuts_a_window_of_the_original_size():
    x = _batch()
    out = Augmentation(crop=3).apply(x, np.random.default_rng(9))
    tops, lefts = _offsets(9, len(x), 3)
    for i, (top, left) in enumerate(zip(tops, lefts)):
        padded = np.pad(x[i], ((3, 3), (3, 3), (0, 0)), mode="reflect")
        np.testing.assert_array_equal(out[i], padded[top: top + 5, left: left + 7])


def test_flip_mirrors_about_half_the_images_left_right_and_nothing_else():
    x = _batch(m=200)
    out = Augmentation(flip=True).apply(x, np.random.default_rng(1))
    flipped = [np.array_equal(out[i], x[i, :, ::-1]) for i in range(len(x))]
    kept = [np.array_equal(out[i], x[i]) for i in range(len(x))]
    assert all(a or b for a, b in zip(flipped, kept)) and 70 < sum(flipped) < 130


def test_color_adds_one_amount_per_image_and_channel_within_the_range_and_clips():
    x = _batch(m=50)
    out = Augmentation(color=20).apply(x, np.random.default_rng(2))
    shift = out - x
    assert np.allclose(shift, shift[:, :1, :1, :], atol=1e-6)          # the same over the whole image
    assert np.abs(shift).max() <= 20 / 255 + 1e-6 and np.abs(shift).max() > 10 / 255
    clipped = Augmentation(color=255).apply(x, np.random.default_rng(2), clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1


def test_the_input_batch_is_never_changed_and_the_same_seed_gives_the_same_batch():
    x = _batch()
    before = x.copy()
    augment = Augmentation(flip=True, shift=1, crop=1, color=5)
    first = augment.apply(x, np.random.default_rng(0))
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(first, augment.apply(x, np.random.default_rng(0)))
    assert not np.array_equal(first, augment.apply(x, np.random.default_rng(1)))
    assert Augmentation().apply(x, np.random.default_rng(0)) is x
    # Flip alone must copy too (no geometric step made a new array first).
    Augmentation(flip=True).apply(x, np.random.default_rng(0))
    np.testing.assert_array_equal(x, before)
