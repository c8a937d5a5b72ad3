"""Why this prediction as a picture: the image, its saliency map and its Grad-CAM map side by side under a
caption, drawn with Pillow (no Qt), for `main.py explain ... -o why.png`.

The heat maps are coloured and blended by engine.heatmaps, as in the window.
"""
from __future__ import annotations

import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..fileio import atomic_write
from ..heatmaps import display_image, heat_overlay, resize_nearest, to_uint8

PANEL = 192          # a panel's longer side is at least this many pixels (small images are enlarged in blocks)
MARGIN = 10
FONT_SIZE = 14
LINE = 20            # pixels per line of text
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)


def _font():
    try:
        return ImageFont.load_default(size=FONT_SIZE)      # Pillow ≥ 10.1 with FreeType
    except (TypeError, OSError):
        return ImageFont.load_default()


def _text(draw, xy, text: str, font) -> None:
    try:
        draw.text(xy, text, fill=INK, font=font)
    except UnicodeEncodeError:          # Pillow's bitmap font (no FreeType) knows Latin-1 only
        draw.text(xy, text.encode("latin-1", "replace").decode("latin-1"), fill=INK, font=font)


def explanation_picture(image, saliency_map, cam_map, title_lines, cam_label: str = "Grad-CAM",
                        blend: float = 0.5) -> np.ndarray:
    """The figure as uint8 RGB (height, width, 3).

    image (n_H, n_W, n_C); saliency_map (n_H, n_W); cam_map (h, w) or None (a design without a volume:
    two panels); title_lines: the caption above (the prediction, the class explained); blend as in
    engine.heatmaps.heat_overlay.
    """
    picture = display_image(image)
    n_H, n_W = picture.shape[:2]
    scale = max(1, math.ceil(PANEL / max(n_H, n_W)))
    panels = [(resize_nearest(picture, (n_H * scale, n_W * scale)), "input"),
              (heat_overlay(image, saliency_map, blend, scale, smooth=False), "saliency |dz/dx|")]
    if cam_map is not None:
        panels.append((heat_overlay(image, cam_map, blend, scale, smooth=True), cam_label))
    panel_h, panel_w = n_H * scale, n_W * scale
    font = _font()
    top = MARGIN + LINE * len(title_lines) + MARGIN // 2
    width = MARGIN + len(panels) * (panel_w + MARGIN)
    height = top + panel_h + LINE + MARGIN
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(title_lines):
        _text(draw, (MARGIN, MARGIN + i * LINE), line, font)
    for i, (array, label) in enumerate(panels):
        left = MARGIN + i * (panel_w + MARGIN)
        canvas.paste(Image.fromarray(to_uint8(array)), (left, top))
        _text(draw, (left, top + panel_h + 4), label, font)
    return np.asarray(canvas)


def write_png(path: str | os.PathLike, picture: np.ndarray) -> None:
    """A uint8 RGB picture (height, width, 3) as a PNG file, written atomically."""
    image = Image.fromarray(np.ascontiguousarray(picture, dtype=np.uint8))
    atomic_write(path, lambda handle: image.save(handle, format="PNG"), binary=True)
