"""The volume diagram: a network drawn the way the course draws it, as plain data and as SVG.

Every activation volume is a box n_H × n_W × n_C (height n_H, depth n_W, width n_C); a layer without
learned parameters that keeps a volume (pooling) is a thinner box; a vector (FC layer, flatten) is a
bar with its unit count; the arrow into a box carries its window (f, s, p when they apply). A layer
that cannot work is a red box, the layers waiting for it grey.

`diagram_layout(spec)` gives the geometry (`DiagramLayout`, in pixels at scale 1); `render_svg(layout)`
turns it into an SVG document, and the designer paints the same layout with QPainter. Everything here
is decided from the summary's data (the output shape, the parameters) and the layer spec's optional
attributes (`size`, `stride`, `mode`), never from the layer's type name. No Qt: the command line
draws without a display.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from ..shapes import Summary, summarize
from ..spec import NetworkSpec

# Box kinds
VOLUME, THIN, BAR, BROKEN, BLOCKED = "volume", "thin", "bar", "broken", "blocked"

FONT_SIZE = 12          # px; label widths are estimated from it (no font metrics without Qt)
CHAR_WIDTH = 0.62 * FONT_SIZE
MARGIN = 16
ARROW_MIN = 44          # the shortest arrow between two boxes
LABEL_GAP = 6           # between a box and its labels

COLOURS = {  # fill, edge
    VOLUME: ("#cfe2fa", "#2f5f98"),
    THIN: ("#e3f1dc", "#3f7f3a"),
    BAR: ("#f9e3c7", "#a4641d"),
    BROKEN: ("#fde7e7", "#b3261e"),
    BLOCKED: ("#f1f1f1", "#9e9e9e"),
}
SELECTED_EDGE = "#f57c00"


@dataclass
class Box:
    """One layer's activation. (x, y, w, h) is the front face (w stands for n_C, h for n_H); `depth` is the
    receding offset (n_W) drawn up and to the right. `label` is the volume ("28×28×8") or the unit count."""

    layer_index: int        # −1 for the input, else the index in spec.layers
    name: str
    kind: str
    label: str
    x: float
    y: float
    w: float
    h: float
    depth: float
    error: str | None = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) of everything drawn for the box, its receding faces included."""
        return self.x, self.y - self.depth, self.w + self.depth, self.h + self.depth

    def contains(self, px: float, py: float) -> bool:
        x, y, w, h = self.bounds
        return x <= px <= x + w and y <= py <= y + h


@dataclass
class Arrow:
    """From (x1, y) to (x2, y), with the window of the layer it leads to ("f=5 s=1") above it."""

    x1: float
    x2: float
    y: float
    label: str


@dataclass
class DiagramLayout:
    title: str
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    name_y: float = 0.0      # baseline of the layer names (above the boxes)
    label_y: float = 0.0     # baseline of the volume labels (below the boxes)

    def box_at(self, x: float, y: float) -> Box | None:
        """The box under the point (x, y) in layout pixels, or None."""
        for box in self.boxes:
            if box.contains(x, y):
                return box
        return None


def volume_text(shape) -> str:
    """28×28×8 for a volume, 120 for a vector (as the course labels its drawings)."""
    return "×".join(str(d) for d in shape) if len(shape) > 1 else f"{shape[0]:,}"


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


# Sizes grow with the square root (volumes) or the logarithm (vectors) of the numbers, so that a
# 39×39 input and a 5×5×16 volume, or 1,960 and 10 units, all fit one row and still read as smaller.
def _side(n: int) -> float:
    return min(110.0, 10.0 + 11.0 * math.sqrt(n))


def _thickness(n_C: int) -> float:
    return min(70.0, 5.0 + 6.0 * math.sqrt(n_C))


def _bar_height(units: int) -> float:
    return min(120.0, 20.0 + 28.0 * math.log10(max(units, 1) + 1))


def _window_label(layer, row) -> str:
    """"f=5 s=1" (and p, and a pooling mode) from whatever window attributes the layer has."""
    parts = []
    mode = getattr(layer, "mode", None)
    if isinstance(mode, str):
        parts.append(mode)
    size = getattr(layer, "size", None)
    if isinstance(size, int):
        parts.append(f"f={size}")
        stride = getattr(layer, "stride", None)
        if isinstance(stride, int):
            parts.append(f"s={stride}")
        if row.padding:
            parts.append(f"p={row.padding}")
    return " ".join(parts)


def diagram_layout(spec: NetworkSpec, summary: Summary | None = None) -> DiagramLayout:
    """The boxes and arrows of `spec`, left to right, vertically centred on one line (a block is one box
    for now, with its joined output)."""
    summary = summary or summarize(spec)
    layers = [None] + list(spec.layers)
    top_rows = summary.top_level_rows
    shapes = []  # (kind, w, h, depth, label) per row
    for layer, row in zip(layers, top_rows):
        shape = row.output_shape
        if row.error:
            shapes.append((BROKEN, 40.0, 60.0, 14.0, "cannot work"))
        elif shape is None:
            shapes.append((BLOCKED, 30.0, 50.0, 10.0, "—"))
        elif len(shape) == 3:
            n_H, n_W, n_C = shape
            learns = bool(row.params) or layer is None
            t = _thickness(n_C)
            kind = VOLUME if learns else THIN
            if kind == THIN:
                t = max(4.0, 0.45 * t)
            shapes.append((kind, t, _side(n_H), 0.32 * _side(n_W), volume_text(shape)))
        else:
            shapes.append((BAR, 14.0, _bar_height(shape[0]), 0.0, volume_text(shape)))

    arrow_labels = [""] + [_window_label(layer, row) for layer, row in zip(layers[1:], top_rows[1:])]
    top = MARGIN + FONT_SIZE + LABEL_GAP          # room for the names above the tallest box
    mid = top + max(d for _, _, _, d, _ in shapes) + max(h for _, _, h, _, _ in shapes) / 2
    boxes, arrows = [], []
    x = MARGIN
    for i, ((kind, w, h, d, label), row) in enumerate(zip(shapes, top_rows)):
        column = max(w + d, _text_width(row.name), _text_width(label))
        if i > 0:
            arrow = max(ARROW_MIN, _text_width(arrow_labels[i]) + 10)
            arrows.append(Arrow(x, x + arrow, mid, arrow_labels[i]))
            x += arrow + 4
        # Centre the box (with its depth) in its column, so the labels line up under it.
        bx = x + (column - (w + d)) / 2
        boxes.append(Box(row.index, row.name, kind, label, bx, mid - h / 2, w, h, d, row.error))
        x += column + 4
    bottom = max(b.y + b.h for b in boxes)
    name_y = min(b.y - b.depth for b in boxes) - LABEL_GAP
    label_y = bottom + LABEL_GAP + FONT_SIZE
    height = label_y + MARGIN
    title = spec.name or "design"
    return DiagramLayout(title, x - 4 + MARGIN, height, boxes, arrows, name_y, label_y)


def faces(box: Box) -> tuple[list, list, list]:
    """The box's front, top and side faces as point lists (the painter and the SVG draw the same)."""
    x, y, w, h, d = box.x, box.y, box.w, box.h, box.depth
    front = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    top = [(x, y), (x + d, y - d), (x + w + d, y - d), (x + w, y)]
    side = [(x + w, y), (x + w + d, y - d), (x + w + d, y + h - d), (x + w, y + h)]
    return front, top, side


def _points(points) -> str:
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in points)


def render_svg(layout: DiagramLayout, selected: int | None = None) -> str:
    """The layout as a standalone SVG document (UTF-8 text). Each layer is a <g> whose <title> and
    text labels name it and give its volume; `selected` (a layer index) gets an orange outline."""
    w, h = math.ceil(layout.width), math.ceil(layout.height)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{FONT_SIZE}">',
           f"<title>{escape(layout.title)}</title>",
           f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
           '<defs><marker id="head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
           '<path d="M0,0 L8,4 L0,8 z" fill="#555555"/></marker></defs>']
    for arrow in layout.arrows:
        out.append(f'<line class="arrow" x1="{arrow.x1:.1f}" y1="{arrow.y:.1f}" x2="{arrow.x2 - 2:.1f}" '
                   f'y2="{arrow.y:.1f}" stroke="#555555" stroke-width="1.5" marker-end="url(#head)"/>')
        if arrow.label:
            out.append(f'<text class="window" x="{(arrow.x1 + arrow.x2) / 2:.1f}" y="{arrow.y - 8:.1f}" '
                       f'text-anchor="middle" fill="#333333">{escape(arrow.label)}</text>')
    for box in layout.boxes:
        fill, edge = COLOURS[box.kind]
        stroke = SELECTED_EDGE if box.layer_index == selected else edge
        width = 3 if box.layer_index == selected else 1.2
        dash = ' stroke-dasharray="4 3"' if box.kind == BLOCKED else ""
        tip = f"{box.name}: {box.error}" if box.error else f"{box.name}: {box.label}"
        out.append(f'<g class="layer" data-layer={quoteattr(box.name)} data-index="{box.layer_index}">'
                   f"<title>{escape(tip)}</title>")
        front, top, side = faces(box)
        for points, shade in ((top, "#ffffff"), (side, "#000000"), (front, None)):
            if box.depth == 0 and points is not front:
                continue
            out.append(f'<polygon points="{_points(points)}" fill="{fill}" stroke="{stroke}" '
                       f'stroke-width="{width}"{dash}/>')
            if shade:  # light top, darker side: reads as a solid without gradients
                out.append(f'<polygon points="{_points(points)}" fill="{shade}" fill-opacity="0.18" stroke="none"/>')
        cx = box.x + (box.w + box.depth) / 2
        colour = "#b3261e" if box.kind == BROKEN else "#111111"
        out.append(f'<text class="name" x="{cx:.1f}" y="{layout.name_y:.1f}" text-anchor="middle" '
                   f'font-weight="bold" fill="{colour}">{escape(box.name)}</text>')
        out.append(f'<text class="volume" x="{cx:.1f}" y="{layout.label_y:.1f}" text-anchor="middle" '
                   f'fill="{colour}">{escape(box.label)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
