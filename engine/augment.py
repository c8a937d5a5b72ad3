"""Data augmentation: random changes to each training batch, made on the fly and seeded.

An augmentation is written as a comma-separated list (the command line's ``--augment`` and the window's
text): ``flip,shift:2,crop:4,color:20``. Each image of a batch gets, in this order:

    crop:P    pad P pixels on every side by mirroring the edge, then cut a random window of the original
              size (torchvision's RandomCrop(size, padding=P, padding_mode="reflect"))
    shift:K   move the picture by up to K pixels up/down and left/right, the uncovered border filled with 0
    flip      mirror left-right with probability ½ (only when asked: a mirrored digit is another digit)
    color:C   add a random amount within ±C (on the 0..255 scale) to each colour channel of an RGB image

Only training batches are augmented; validation and test images are used as they are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .data.pixels import PIXEL_MAX

KINDS_HELP = "flip, shift:K, crop:P, color:C"


class AugmentError(ValueError):
    """An augmentation text that can't be read, or one that doesn't fit the images; one sentence."""


@dataclass(frozen=True)
class Augmentation:
    """What to do to each training image; all off by default (`Augmentation()` changes nothing)."""

    flip: bool = False
    shift: int = 0        # pixels, 0 = off
    crop: int = 0         # padding in pixels, 0 = off
    color: float = 0.0    # ± levels on the 0..255 scale, 0 = off

    @classmethod
    def parse(cls, text: str | None) -> "Augmentation":
        """``"flip,shift:2,crop:4,color:20"`` → Augmentation; "" or None → none. AugmentError names the
        part that can't be read."""
        values: dict = {}
        for part in (text or "").split(","):
            part = part.strip()
            if not part:
                continue
            name, _, amount = part.partition(":")
            name = name.strip().lower()
            if name in ("colour",):
                name = "color"
            if name not in ("flip", "shift", "crop", "color"):
                raise AugmentError(f"augment: unknown kind {name!r} (known: {KINDS_HELP})")
            if name in values:
                raise AugmentError(f"augment: {name} is given twice")
            if name == "flip":
                if amount:
                    raise AugmentError(f"augment: flip takes no amount, got {part!r}")
                values[name] = True
            elif name == "color":
                values[name] = _amount(name, amount, float, "a number of levels (at most 255), like color:20")
                if not 0 < values[name] <= PIXEL_MAX:
                    raise AugmentError(f"augment: color must be above 0 and at most 255 levels, got {amount}")
            else:
                unit = "pixels" if name == "shift" else "pixels of padding"
                values[name] = _amount(name, amount, int, f"a whole number of {unit} ≥ 1, like {name}:2")
                if values[name] < 1:
                    raise AugmentError(f"augment: {name} must be at least 1 pixel, got {amount}")
        return cls(**values)

    def __str__(self) -> str:
        """The canonical text, ``parse(str(a)) == a``; "" for none."""
        parts = [f"crop:{self.crop}" if self.crop else "", f"shift:{self.shift}" if self.shift else "",
                 "flip" if self.flip else "", f"color:{self.color:g}" if self.color else ""]
        return ",".join(p for p in parts if p)

    @property
    def active(self) -> bool:
        return bool(self.flip or self.shift or self.crop or self.color)

    def problem(self, image_shape) -> str | None:
        """Why this augmentation can't be used on images of `image_shape` (n_H, n_W, n_C), or None."""
        n_H, n_W, n_C = image_shape
        for name, pixels in (("shift", self.shift), ("crop", self.crop)):
            if pixels and pixels >= min(n_H, n_W):
                return (f"augment: {name}:{pixels} is as large as the {n_H}×{n_W} images; use fewer than "
                        f"{min(n_H, n_W)} pixels")
        if self.color and n_C != 3:
            return f"augment: color shifts the red, green and blue channels; these images have {n_C} channel" + \
                ("" if n_C == 1 else "s")
        return None

    def apply(self, x: np.ndarray, rng: np.random.Generator, clip: bool = False) -> np.ndarray:
        """A new augmented batch from float images x (m, n_H, n_W, n_C); x itself is not changed.

        ``clip``: the images came from uint8 (values 0..1 here), so a colour shift is clipped to 0..1.
        The draws come from `rng` in a fixed order, so a seeded generator gives the same batch again.
        """
        if not self.active:
            return x
        original = x
        m, n_H, n_W, _ = x.shape
        if self.crop:
            x = _random_window(np.pad(x, _border(self.crop), mode="reflect"), rng, self.crop, n_H, n_W)
        if self.shift:
            x = _random_window(np.pad(x, _border(self.shift)), rng, self.shift, n_H, n_W)
        if self.flip:
            flipped = rng.random(m) < 0.5
            if x is original:
                x = x.copy()
            x[flipped] = x[flipped, :, ::-1]
        if self.color:
            offsets = rng.uniform(-self.color, self.color, size=(m, 1, 1, x.shape[3])) / PIXEL_MAX
            x = x + offsets.astype(x.dtype)
            if clip:
                np.clip(x, 0.0, 1.0, out=x)
        return x


def _amount(name: str, text: str, convert, wanted: str):
    try:
        value = convert(text.strip())
    except ValueError:
        raise AugmentError(f"augment: {name} needs {wanted}, got {text!r}" if text else
                           f"augment: {name} needs an amount: {wanted}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise AugmentError(f"augment: {name} needs {wanted}, got {text!r}")
    return value


def _border(pixels: int) -> tuple:
    return ((0, 0), (pixels, pixels), (pixels, pixels), (0, 0))


def _random_window(padded: np.ndarray, rng: np.random.Generator, pixels: int, n_H: int, n_W: int) -> np.ndarray:
    """For each image of `padded` (m, n_H + 2p, n_W + 2p, n_C), an n_H × n_W window at a random offset
    0..2p in each direction (a shift of −p..p): a new (m, n_H, n_W, n_C) array."""
    m = len(padded)
    top = rng.integers(0, 2 * pixels + 1, size=m)
    left = rng.integers(0, 2 * pixels + 1, size=m)
    rows = top[:, None] + np.arange(n_H)                # (m, n_H)
    cols = left[:, None] + np.arange(n_W)               # (m, n_W)
    return padded[np.arange(m)[:, None, None], rows[:, :, None], cols[:, None, :]]
