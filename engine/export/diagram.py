"""The volume diagram: a network drawn the way the course draws it, as plain data and as SVG.

Every activation volume is a box n_H × n_W × n_C (height n_H, depth n_W, width n_C); a layer that keeps
its volume without learning a filter bank (pooling, batch norm, dropout) is a thinner box; a vector (FC
layer, flatten) is a bar with its unit count; the arrow into a box carries its window (f, s, p when they
apply). A layer that cannot work is a red box, the layers waiting for it grey.

Blocks are drawn the way the course draws them. A block whose kind adds its lists (a residual block,
`join_style` "add") has its main path on the line, a skip arrow over it from the block's input to a ⊕
(a shortcut with layers runs in a lane under the main path instead), then the joined volume. A block that
stacks its lists (a concat block) has its branches side by side, one lane each, joining in one volume.
Blocks nest.

`diagram_layout(spec)` gives the geometry (`DiagramLayout`, in pixels at scale 1); `render_svg(layout)`
turns it into an SVG document, and the designer paints the same layout with QPainter. Everything here
is decided from the summary's data (shapes, parameters, paths) and the kinds' plain attributes
(`join_style`, `child_lists`), never from a layer's type name. No Qt: the command line draws without a
display.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from ..kinds import kind_of
from ..shapes import Summary, summarize
from ..spec import NetworkSpec

# Box kinds
VOLUME, THIN, BAR, BROKEN, BLOCKED = "volume", "thin", "bar", "broken", "blocked"
# Join kinds
ADD, STACK = "add", "stack"

FONT_SIZE = 12          # px; label widths are estimated from it (no font metrics without Qt)
CHAR_WIDTH = 0.62 * FONT_SIZE
MARGIN = 16
ARROW_MIN = 44          # the shortest arrow between two boxes
LABEL_GAP = 6           # between a box and its labels
LANE_GAP = 18           # between two lanes of a block, and between a skip arrow and what it passes over
FORK = 16               # from a block's input to the start of its lanes
JOIN_RADIUS = 8

COLOURS = {  # fill, edge
    VOLUME: ("#cfe2fa", "#2f5f98"),
    THIN: ("#e3f1dc", "#3f7f3a"),
    BAR: ("#f9e3c7", "#a4641d"),
    BROKEN: ("#fde7e7", "#b3261e"),
    BLOCKED: ("#f1f1f1", "#9e9e9e"),
}
SELECTED_EDGE = "#f57c00"
LINE_COLOUR = "#555555"
SKIP_COLOUR = "#7b4ea3"


@dataclass
class Box:
    """One layer's activation. (x, y, w, h) is the front face (w stands for n_C, h for n_H); `depth` is the
    receding offset (n_W) drawn up and to the right. `label` is the volume ("28×28×8") or the unit count.
    `path` is the layer's path in the design (() for the input); name_y / label_y the baselines of its name
    (above) and its label (below)."""

    layer_index: int        # −1 for the input, else the index in spec.layers (of the block holding it)
    name: str
    kind: str
    label: str
    x: float
    y: float
    w: float
    h: float
    depth: float
    error: str | None = None
    path: tuple = ()
    name_y: float = 0.0
    label_y: float = 0.0

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) of everything drawn for the box, its receding faces included."""
        return self.x, self.y - self.depth, self.w + self.depth, self.h + self.depth

    def contains(self, px: float, py: float) -> bool:
        x, y, w, h = self.bounds
        return x <= px <= x + w and y <= py <= y + h

    def shift(self, dx: float, dy: float) -> None:
        self.x, self.y, self.name_y, self.label_y = self.x + dx, self.y + dy, self.name_y + dy, self.label_y + dy


@dataclass
class Arrow:
    """From (x1, y) to (x2, y), with the window of the layer it leads to ("f=5 s=1") above it."""

    x1: float
    x2: float
    y: float
    label: str

    def shift(self, dx: float, dy: float) -> None:
        self.x1, self.x2, self.y = self.x1 + dx, self.x2 + dx, self.y + dy


@dataclass
class Link:
    """A line through `points` inside a block: a skip arrow over a main path (`skip`), a fork to a lane, a
    lane's end to its join. `head`: an arrow head at the last point; `label` is written at `label_at`."""

    points: list
    label: str = ""
    label_at: tuple = (0.0, 0.0)
    skip: bool = False
    head: bool = True

    def shift(self, dx: float, dy: float) -> None:
        self.points = [(x + dx, y + dy) for x, y in self.points]
        self.label_at = (self.label_at[0] + dx, self.label_at[1] + dy)


@dataclass
class Join:
    """Where a block's lists meet: ⊕ at (x, y) for ADD; a bar at x from y to y2 for STACK."""

    kind: str
    x: float
    y: float
    y2: float
    name: str = ""

    def shift(self, dx: float, dy: float) -> None:
        self.x, self.y, self.y2 = self.x + dx, self.y + dy, self.y2 + dy


@dataclass
class DiagramLayout:
    title: str
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    name_y: float = 0.0      # baseline of the top-level layer names (above the boxes)
    label_y: float = 0.0     # baseline of the top-level volume labels (below the boxes)
    links: list[Link] = field(default_factory=list)
    joins: list[Join] = field(default_factory=list)

    def box_at(self, x: float, y: float) -> Box | None:
        """The box under the point (x, y) in layout pixels, or None (the innermost when boxes overlap)."""
        for box in reversed(self.boxes):
            if box.contains(x, y):
                return box
        return None

    def box_for(self, path) -> Box | None:
        """The box of the layer at `path` (an int: a top-level index; −1 or (): the input)."""
        path = (() if path < 0 else (path,)) if isinstance(path, int) else tuple(path)
        return next((box for box in self.boxes if box.path == path), None)


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
    if layer is None:
        return ""
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
        if row is not None and row.padding:
            parts.append(f"p={row.padding}")
    return " ".join(parts)


def _box(row, is_input: bool) -> Box:
    """The row's box with its front face centred on y = 0, its left edge at x = 0."""
    shape = row.output_shape
    if row.error:
        kind, w, h, d, label = BROKEN, 40.0, 60.0, 14.0, "cannot work"
    elif shape is None:
        kind, w, h, d, label = BLOCKED, 30.0, 50.0, 10.0, "—"
    elif len(shape) == 3:
        n_H, n_W, n_C = shape
        t = _thickness(n_C)
        # A layer that learns a filter bank or joins a block (or the input) is a full volume; one that only
        # pools, normalises or drops keeps a thin box.
        filters = len(row.param_shapes.get("W", ())) == 4
        kind = VOLUME if is_input or row.is_block or filters or (row.params and row.input_shape != shape) else THIN
        if kind == THIN:
            t = max(4.0, 0.45 * t)
        w, h, d, label = t, _side(n_H), 0.32 * _side(n_W), volume_text(shape)
    else:
        kind, w, h, d, label = BAR, 14.0, _bar_height(shape[0]), 0.0, volume_text(shape)
    return Box(row.index, row.name, kind, label, 0.0, -h / 2, w, h, d, row.error, () if is_input else row.path)


@dataclass
class _Group:
    """Laid-out pieces relative to their group's entry point (0, 0): the line comes in at (0, 0) and leaves
    at (width, 0); `top` and `bottom` are how far the pieces reach above and below it."""

    width: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    boxes: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    links: list = field(default_factory=list)
    joins: list = field(default_factory=list)

    def put(self, other: "_Group", dx: float, dy: float) -> None:
        """Add `other`'s pieces, moved by (dx, dy)."""
        for piece in other.boxes + other.arrows + other.links + other.joins:
            piece.shift(dx, dy)
        self.boxes += other.boxes
        self.arrows += other.arrows
        self.links += other.links
        self.joins += other.joins
        self.top = max(self.top, other.top - dy)
        self.bottom = max(self.bottom, other.bottom + dy)


class _Layout:
    def __init__(self, spec: NetworkSpec, summary: Summary):
        self.rows = {row.path: row for row in summary.rows[1:]}
        self.input_row = summary.rows[0]

    def box_group(self, row, is_input: bool = False) -> _Group:
        box = _box(row, is_input)
        column = max(box.w + box.depth, _text_width(row.name), _text_width(box.label))
        box.shift((column - (box.w + box.depth)) / 2, 0)
        box.name_y = -box.h / 2 - box.depth - LABEL_GAP
        box.label_y = box.h / 2 + LABEL_GAP + FONT_SIZE
        return _Group(column, -box.name_y + FONT_SIZE, box.label_y + 4, boxes=[box])

    def sequence(self, layers: list, list_path: tuple, lead_in: bool) -> _Group:
        """The layers of one list in a row; `lead_in`: an arrow (with the first layer's window) before the
        first. Names and labels of the row's boxes line up."""
        group = _Group()
        x = 0.0
        for i, layer in enumerate(layers):
            path = list_path + (i,)
            row = self.rows.get(path)
            if kind_of(layer).is_block:
                if i > 0 or lead_in:      # a plain line: the block's own lines fork from its end
                    group.links.append(Link([(x, 0.0), (x + ARROW_MIN / 2, 0.0)], head=False))
                    x += ARROW_MIN / 2
            elif i > 0 or lead_in:
                label = _window_label(layer, row)
                length = max(ARROW_MIN, _text_width(label) + 10)
                group.arrows.append(Arrow(x, x + length, 0.0, label))
                x += length + 4
            part = self.block(layer, path, row) if kind_of(layer).is_block else self.box_group(row)
            group.put(part, x, 0)
            x += part.width + 4
        group.width = max(x - 4, 0.0)
        own = [box for box in group.boxes if box.path[:-1] == list_path]
        if own:
            name_y = min(box.name_y for box in own)
            label_y = max(box.label_y for box in own)
            for box in own:
                box.name_y, box.label_y = name_y, label_y
        return group

    def block(self, layer, path: tuple, row) -> _Group:
        kind = kind_of(layer)
        lists = kind.child_lists(layer)
        lanes = [self.sequence(inner, path + (position,), bool(inner)) for position, (_, inner) in enumerate(lists)]
        out = self.box_group(row)
        group = _Group()
        if kind.join_style == ADD and lanes:
            main = lanes[0]
            group.put(main, FORK, 0)
            join_x = FORK + max([main.width + (ARROW_MIN if lists[0][1] else 2 * ARROW_MIN)]
                                + [lane.width + ARROW_MIN for lane, (_, inner) in zip(lanes[1:], lists[1:]) if inner])
            group.links.append(Link([(0.0, 0.0), (FORK, 0.0)], head=False))
            if lists[0][1]:
                group.arrows.append(Arrow(FORK + main.width, join_x - JOIN_RADIUS, 0.0, ""))
            else:                      # an empty main path: a plain line to the join
                group.links.append(Link([(FORK, 0.0), (join_x - JOIN_RADIUS, 0.0)]))
            below = main.bottom
            for position, lane in enumerate(lanes[1:], start=1):
                label, inner = lists[position]
                if not inner:          # the identity: a skip arrow over everything drawn so far
                    y = -(group.top + LANE_GAP)
                    group.links.append(Link([(FORK / 2, 0.0), (FORK / 2, y), (join_x, y), (join_x, -JOIN_RADIUS)],
                                            f"{label} ({kind.empty_path_label(layer, position)})",
                                            ((FORK / 2 + join_x) / 2, y - 5), skip=True))
                    group.top = -y + FONT_SIZE + 6
                    continue
                # A shortcut with layers: a lane under the main path, into the ⊕ from below.
                y = below + LANE_GAP + lane.top
                group.put(lane, FORK, y)
                lane_end = FORK + lane.width
                group.links.append(Link([(FORK / 2, 0.0), (FORK / 2, y), (FORK, y)], head=False, skip=True))
                group.links.append(Link([(lane_end, y), (join_x, y), (join_x, JOIN_RADIUS)], label, (lane_end + 6, y - 5),
                                        skip=True))
                below = y + lane.bottom
            group.joins.append(Join(ADD, join_x, 0.0, 0.0, row.name if row else ""))
            group.arrows.append(Arrow(join_x + JOIN_RADIUS, join_x + JOIN_RADIUS + ARROW_MIN / 2 + 10, 0.0, ""))
            x = join_x + JOIN_RADIUS + ARROW_MIN / 2 + 14
        else:
            # Lanes one under the other, centred on the line; each forks from the block's input.
            heights = [lane.top + lane.bottom for lane in lanes]
            total = sum(heights) + LANE_GAP * (len(lanes) - 1)
            y = -total / 2
            lane_x = FORK + ARROW_MIN / 2
            widest = max((lane.width for lane in lanes), default=0.0)
            join_x = lane_x + widest + ARROW_MIN
            ys = []
            for position, (lane, height) in enumerate(zip(lanes, heights)):
                centre = y + lane.top
                ys.append(centre)
                label, inner = lists[position]
                group.put(lane, lane_x, centre)
                group.links.append(Link([(0.0, 0.0), (FORK, 0.0), (FORK, centre), (lane_x, centre)], head=not inner,
                                        label=label if inner else f"{label} ({kind.empty_path_label(layer, position)})",
                                        label_at=(lane_x + 2, centre - (lane.top if inner else 0) - 5)))
                end = lane_x + lane.width if inner else lane_x
                group.links.append(Link([(end, centre), (join_x - 3, centre)]))
                y += height + LANE_GAP
            y_top, y_bottom = (min(ys), max(ys)) if ys else (0.0, 0.0)
            group.joins.append(Join(STACK, join_x, y_top, y_bottom, row.name if row else ""))
            group.arrows.append(Arrow(join_x + 3, join_x + ARROW_MIN, 0.0, ""))
            group.top = max(group.top, total / 2 + FONT_SIZE + 8)
            x = join_x + ARROW_MIN + 4
        group.put(out, x, 0)
        group.width = x + out.width
        return group


def diagram_layout(spec: NetworkSpec, summary: Summary | None = None) -> DiagramLayout:
    """The boxes and arrows of `spec`, left to right on one line; blocks drawn with their lists (see the
    module's note)."""
    summary = summary or summarize(spec)
    layout = _Layout(spec, summary)
    line = _Group()
    first = layout.box_group(summary.rows[0], is_input=True)
    line.put(first, 0, 0)
    rest = layout.sequence(list(spec.layers), (), True)
    line.put(rest, first.width + 4, 0)
    top_level = [box for box in line.boxes if len(box.path) <= 1]
    name_y = min(box.name_y for box in top_level)
    label_y = max(box.label_y for box in top_level)
    for box in top_level:
        box.name_y, box.label_y = name_y, label_y
    dx, dy = MARGIN, MARGIN + line.top
    everything = _Group()
    everything.put(line, dx, dy)
    width = first.width + 4 + rest.width + 2 * MARGIN
    height = MARGIN + line.top + line.bottom + MARGIN
    return DiagramLayout(spec.name or "design", width, height, everything.boxes, everything.arrows,
                         name_y + dy, label_y + dy, everything.links, everything.joins)


def faces(box: Box) -> tuple[list, list, list]:
    """The box's front, top and side faces as point lists (the painter and the SVG draw the same)."""
    x, y, w, h, d = box.x, box.y, box.w, box.h, box.depth
    front = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    top = [(x, y), (x + d, y - d), (x + w + d, y - d), (x + w, y)]
    side = [(x + w, y), (x + w + d, y - d), (x + w + d, y + h - d), (x + w, y + h)]
    return front, top, side


def _points(points) -> str:
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in points)


def _selected_path(selected) -> tuple | None:
    if selected is None:
        return None
    return (() if selected < 0 else (selected,)) if isinstance(selected, int) else tuple(selected)


def render_svg(layout: DiagramLayout, selected=None) -> str:
    """The layout as a standalone SVG document (UTF-8 text). Each layer is a <g> whose <title> and
    text labels name it and give its volume; `selected` (a layer's path, or a top-level index) gets an
    orange outline."""
    selected = _selected_path(selected)
    w, h = math.ceil(layout.width), math.ceil(layout.height)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{FONT_SIZE}">',
           f"<title>{escape(layout.title)}</title>",
           f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
           '<defs><marker id="head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
           f'<path d="M0,0 L8,4 L0,8 z" fill="{LINE_COLOUR}"/></marker>'
           '<marker id="skiphead" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
           f'<path d="M0,0 L8,4 L0,8 z" fill="{SKIP_COLOUR}"/></marker></defs>']
    for arrow in layout.arrows:
        out.append(f'<line class="arrow" x1="{arrow.x1:.1f}" y1="{arrow.y:.1f}" x2="{arrow.x2 - 2:.1f}" '
                   f'y2="{arrow.y:.1f}" stroke="{LINE_COLOUR}" stroke-width="1.5" marker-end="url(#head)"/>')
        if arrow.label:
            out.append(f'<text class="window" x="{(arrow.x1 + arrow.x2) / 2:.1f}" y="{arrow.y - 8:.1f}" '
                       f'text-anchor="middle" fill="#333333">{escape(arrow.label)}</text>')
    for link in layout.links:
        colour = SKIP_COLOUR if link.skip else LINE_COLOUR
        head = f' marker-end="url(#{"skiphead" if link.skip else "head"})"' if link.head else ""
        out.append(f'<polyline class="{"skip" if link.skip else "link"}" points="{_points(link.points)}" fill="none" '
                   f'stroke="{colour}" stroke-width="1.5"{head}/>')
        if link.label:
            out.append(f'<text class="branch" x="{link.label_at[0]:.1f}" y="{link.label_at[1]:.1f}" '
                       f'fill="{colour}" font-style="italic">{escape(link.label)}</text>')
    for join in layout.joins:
        if join.kind == ADD:
            r = JOIN_RADIUS
            out.append(f'<circle class="join" data-block={quoteattr(join.name)} cx="{join.x:.1f}" cy="{join.y:.1f}" '
                       f'r="{r}" fill="#ffffff" stroke="{LINE_COLOUR}" stroke-width="1.5"/>')
            out.append(f'<path class="plus" d="M{join.x - r + 3:.1f},{join.y:.1f} H{join.x + r - 3:.1f} M{join.x:.1f},'
                       f'{join.y - r + 3:.1f} V{join.y + r - 3:.1f}" stroke="{LINE_COLOUR}" stroke-width="1.5"/>')
        else:
            out.append(f'<rect class="join" data-block={quoteattr(join.name)} x="{join.x - 3:.1f}" '
                       f'y="{join.y - 6:.1f}" width="6" height="{join.y2 - join.y + 12:.1f}" fill="{LINE_COLOUR}"/>')
    for box in layout.boxes:
        fill, edge = COLOURS[box.kind]
        chosen = box.path == selected
        stroke = SELECTED_EDGE if chosen else edge
        width = 3 if chosen else 1.2
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
        out.append(f'<text class="name" x="{cx:.1f}" y="{box.name_y:.1f}" text-anchor="middle" '
                   f'font-weight="bold" fill="{colour}">{escape(box.name)}</text>')
        out.append(f'<text class="volume" x="{cx:.1f}" y="{box.label_y:.1f}" text-anchor="middle" '
                   f'fill="{colour}">{escape(box.label)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
