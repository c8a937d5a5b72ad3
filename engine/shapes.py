"""Shape inference: the course's layer table as data.

`summarize(spec)` walks a NetworkSpec and returns one SummaryRow per layer (row 0 is the input)
with the activation shape, activation size, parameter count, multiply-accumulates and the formula
that gives them. It never raises for a design that cannot work: the first layer that cannot work
carries `.error`, and every row after it is marked not computable (`output_shape is None`).

Blocks (residual, concat) are rows too: the block's row (its output, the totals of its inner rows,
the formula of its join) comes first, then its inner rows in table order, each with its depth, the
block holding it (`parent`), the label of its list (`branch`: "main", "shortcut", "branch 2") and its
`path` in the nested lists. `rows` stays one flat list (a pre-order walk); `top_level_rows` has the
input and the top-level layers only, aligned with spec.layers.

Each layer kind (engine/kinds/) gives its own row (shape rule, params, formula) using the shape
arithmetic here (`conv_output_size`, `resolve_padding`, `output_size_formula`); the table model, the
command line and `Network.from_spec` all read the summary.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING

from .kinds.base import LayerShape, PathShape, Shape, ShapeError
from .kinds.checks import MAX_DEPTH
from .kinds.registry import kind_of
from .kinds.tree import walk_layers

if TYPE_CHECKING:
    from .spec import NetworkSpec


def conv_output_size(n: int, f: int, p: int, s: int) -> int:
    """Output side of a conv or pool window: ⌊(n + 2p − f)/s⌋ + 1."""
    return (n + 2 * p - f) // s + 1


def output_size_formula(n: int, f: int, p: int | None, s: int) -> str:
    """The output-size formula with the numbers filled in: "⌊(6 + 2·0 − 3)/1⌋ + 1 = 4".

    p = None (a padding that can't be resolved) gives the formula with p left as a letter.
    """
    if p is None:
        return f"⌊({n} + 2p − {f})/{s}⌋ + 1: p undefined"
    return f"⌊({n} + 2·{p} − {f})/{s}⌋ + 1 = {conv_output_size(n, f, p, s)}"


def resolve_padding(padding, f: int) -> int:
    """The number p of zero rows/columns added on each side.

    "valid" → 0; "same" → (f − 1)/2, which keeps the size at stride 1 and so needs an odd f;
    a whole number ≥ 0 is taken as it is. Anything else raises ValueError saying why.
    """
    if isinstance(padding, str):
        key = padding.strip().lower()
        if key == "valid":
            return 0
        if key == "same":
            if f % 2 == 0:
                raise ValueError(f'padding "same" needs an odd filter size (p = (f − 1)/2), but f = {f}')
            return (f - 1) // 2
    elif not isinstance(padding, bool):  # True as a padding is surely a mistake
        try:
            p = operator.index(padding)
        except TypeError:
            pass
        else:
            if p >= 0:
                return p
    raise ValueError(f'padding must be "valid", "same" or a whole number ≥ 0, got {padding!r}')


def format_shape(shape) -> str:
    """Shapes as the course writes them: (28,28,8) for a volume, (120,1) for a vector."""
    if shape is None:
        return "—"
    if len(shape) == 1:
        return f"({shape[0]},1)"
    return "(" + ",".join(str(d) for d in shape) + ")"


@dataclass
class SummaryRow:
    """One row of the table. `index` is the layer's position in spec.layers (−1 for the input); for a
    layer inside a block, the position of the top-level block holding it.

    depth (0 at the top level), parent (the enclosing block's name), branch (the label of its list in
    that block) and path (engine.spec.LayerEntry.path; () for the input) place a row in the tree.
    is_block: the row of a block, whose params and macs are the totals of its inner rows (counted once
    in Summary.total_params) and whose `paths` say what each inner list gives (kinds.PathShape).
    """

    index: int
    name: str
    kind: str
    output_shape: Shape | None
    activation_size: int | None
    params: int | None
    macs: int | None
    formula: str = ""
    error: str | None = None
    blocked_by: str | None = None  # the name of the broken layer above, for rows that can't be computed
    param_shapes: dict = field(default_factory=dict)  # e.g. {"W": (5, 5, 3, 8), "b": (8,)}
    padding: int | None = None  # conv: the resolved p
    # Rows with a filter bank (a 4-D "W"): the parameters a fully connected layer would need to map
    # the same input volume to the same output volume, in_size·out_size + out_size ("why convolutions").
    dense_equivalent_params: int | None = None
    depth: int = 0
    parent: str | None = None
    branch: str | None = None
    path: tuple = ()
    is_block: bool = False
    input_shape: Shape | None = None     # what one example of the layer's input is
    paths: list = field(default_factory=list)          # blocks: a PathShape per inner list
    state_shapes: dict = field(default_factory=dict)   # e.g. {"running_mean": (64,), "running_var": (64,)}
    blocked_inside: bool = False         # a block not computed because a layer inside it cannot work

    @property
    def computable(self) -> bool:
        return self.output_shape is not None


@dataclass
class Summary:
    rows: list[SummaryRow]

    @property
    def ok(self) -> bool:
        return all(row.computable for row in self.rows)

    @property
    def error(self) -> str | None:
        """The first error message, with the layer name in front, or None."""
        for row in self.rows:
            if row.error:
                return f"{row.name}: {row.error}"
        return None

    @property
    def error_row(self) -> SummaryRow | None:
        return next((row for row in self.rows if row.error), None)

    @property
    def total_params(self) -> int:
        """Every parameter once: the rows of layers (a block's row only repeats its inner rows' sum)."""
        return sum(row.params or 0 for row in self.rows if not row.is_block)

    @property
    def total_macs(self) -> int:
        return sum(row.macs or 0 for row in self.rows if not row.is_block)

    @property
    def total_activation_size(self) -> int:
        """Values held by all activations of one example, input included (a block's joined output too)."""
        return sum(row.activation_size or 0 for row in self.rows)

    @property
    def output_shape(self) -> Shape | None:
        return self.top_level_rows[-1].output_shape

    @property
    def top_level_rows(self) -> list[SummaryRow]:
        """The input row and the rows of the top-level layers: top_level_rows[i + 1] is spec.layers[i]'s."""
        return [row for row in self.rows if row.depth == 0]

    @property
    def nested(self) -> bool:
        """Whether the design has blocks (rows below the top level)."""
        return any(row.depth for row in self.rows)

    def row_at(self, path: tuple) -> SummaryRow | None:
        """The row of the layer at `path` (engine.spec.LayerEntry.path), or None."""
        return next((row for row in self.rows if row.path == tuple(path) and row.index >= 0), None)

    def to_dict(self) -> dict:
        """The table as JSON data; a block's row nests its inner rows under "paths" (one entry per inner
        list: its label and rows; an empty list is the identity or passes the input through)."""
        children: dict[tuple, list] = {}
        for row in self.rows[1:]:
            children.setdefault(row.path[:-1], []).append(row)

        def as_dict(r: SummaryRow) -> dict:
            d = {
                "name": r.name, "kind": r.kind,
                "output_shape": list(r.output_shape) if r.output_shape is not None else None,
                "activation_size": r.activation_size, "params": r.params, "macs": r.macs,
                "formula": r.formula, "error": r.error,
                "dense_equivalent_params": r.dense_equivalent_params,
            }
            if r.is_block:
                d["paths"] = [{"label": p.label,
                               "output_shape": list(p.output_shape) if p.output_shape is not None else None,
                               "rows": [as_dict(c) for c in children.get(r.path + (position,), [])]}
                              for position, p in enumerate(r.paths)]
            return d

        return {
            "ok": self.ok,
            "error": self.error,
            "total_params": self.total_params,
            "total_macs": self.total_macs,
            "total_activation_size": self.total_activation_size,
            "rows": [as_dict(r) for r in self.top_level_rows],
        }


def format_count(n: int) -> str:
    """A count as the table writes it: 48,120."""
    return f"{n:,}"


def _broken(index: int, name: str, kind: str, message: str) -> SummaryRow:
    return SummaryRow(index, name, kind, None, None, None, None, "", error=message)


def _layer_row(layer, name: str, shape: Shape, index: int, is_last: bool) -> SummaryRow:
    kind = kind_of(layer)
    if kind.needs_volume and len(shape) != 3:
        return _broken(index, name, layer.type,
                       f"a {layer.type} layer needs an n_H×n_W×n_C volume, but its input is a vector of "
                       f"{format_count(shape[0])} units; move it before the first FC or flatten layer")
    try:
        out: LayerShape = kind.output(layer, tuple(shape), is_last)
    except ShapeError as exc:
        return _broken(index, name, layer.type, str(exc))
    out_shape = tuple(out.output_shape)
    return SummaryRow(index, name, layer.type, out_shape, prod(out_shape), out.params, out.macs, out.formula,
                      param_shapes=dict(out.param_shapes), padding=out.padding,
                      state_shapes=dict(out.state_shapes))


def dense_equivalent(in_size: int, out_size: int) -> int:
    """Parameters of a fully connected layer from `in_size` values to `out_size` values:
    in_size·out_size weights + out_size biases."""
    return in_size * out_size + out_size


def _fill_dense_equivalent(row: SummaryRow, in_size: int) -> None:
    """Set `row.dense_equivalent_params` when the row learns a filter bank (W of shape (f, f, n_C_prev, n_C));
    decided from the data, not from the layer's type, so every kind with filters gets it."""
    W = row.param_shapes.get("W") if row.param_shapes else None
    if row.computable and W is not None and len(W) == 4:
        row.dense_equivalent_params = dense_equivalent(in_size, row.activation_size)


class _Table:
    """Builds the rows of one summary: layers in table order, blocks recursing into their lists."""

    def __init__(self, spec: NetworkSpec):
        self.entries = {entry.path: entry for entry in spec.walk()}
        self.rows: list[SummaryRow] = []
        self.last = len(spec.layers) - 1

    def _place(self, row: SummaryRow, path: tuple, shape: Shape | None) -> SummaryRow:
        entry = self.entries[path]
        row.index, row.name, row.path = entry.index, entry.name, path
        row.depth, row.parent, row.branch = entry.depth, entry.parent, entry.branch
        row.input_shape = shape
        return row

    def blocked(self, layer, path: tuple, broken: str) -> None:
        """Rows (not computed) for `layer` and every layer inside it."""
        for sub_path, sub_layer, *_ in walk_layers([layer]):
            full = path + sub_path[1:]
            self.rows.append(self._place(SummaryRow(0, "", sub_layer.type, None, None, None, None, "",
                                                    blocked_by=broken, is_block=kind_of(sub_layer).is_block),
                                         full, None))

    def layers(self, layers: list, shape: Shape, prefix: tuple) -> tuple:
        """Rows for `layers` fed `shape`: (output shape, name of the first broken layer or None,
        parameters, MACs)."""
        broken = None
        params = macs = 0
        for i, layer in enumerate(layers):
            path = prefix + (i,)
            if broken is not None:
                self.blocked(layer, path, broken)
                continue
            if kind_of(layer).is_block:
                row = self.block(layer, path, shape)
            else:
                row = self._place(_layer_row(layer, self.entries[path].name, shape, 0,
                                             len(path) == 1 and i == self.last), path, shape)
                _fill_dense_equivalent(row, prod(shape))
                self.rows.append(row)
            if not row.computable:
                broken = row.blocked_by if row.blocked_inside else row.name
            else:
                shape = row.output_shape
                params += row.params
                macs += row.macs
        return (None if broken else shape), broken, params, macs

    def block(self, layer, path: tuple, shape: Shape) -> SummaryRow:
        kind = kind_of(layer)
        position = len(self.rows)
        entry = self.entries[path]
        self.rows.append(None)            # the block's row goes before its inner rows
        if entry.depth >= MAX_DEPTH:     # a spec built in code (JSON is refused while parsing)
            row = _broken(0, entry.name, layer.type, f"blocks are nested more than {MAX_DEPTH} deep")
            row.is_block = True
            self.rows[position] = self._place(row, path, shape)
            for list_position, (_, inner) in enumerate(kind.child_lists(layer)):
                for i, child in enumerate(inner):
                    self.blocked(child, path + (list_position, i), entry.name)
            return row
        results, inner_broken = [], None
        for list_position, (label, inner) in enumerate(kind.child_lists(layer)):
            out, broken, params, macs = self.layers(inner, shape, path + (list_position,))
            inner_broken = inner_broken or broken
            results.append(PathShape(label, out, params, macs, len(inner)))
        if inner_broken is not None:
            row = SummaryRow(0, entry.name, layer.type, None, None, None, None, "", blocked_by=inner_broken,
                             blocked_inside=True)
        else:
            try:
                out = kind.join(layer, tuple(shape), results, len(path) == 1 and path[0] == self.last)
                out_shape = tuple(out.output_shape)
                row = SummaryRow(0, entry.name, layer.type, out_shape, prod(out_shape), out.params, out.macs,
                                 out.formula)
            except ShapeError as exc:
                row = _broken(0, entry.name, layer.type, str(exc))
        row.is_block, row.paths = True, results
        self.rows[position] = self._place(row, path, shape)
        return row


def summarize(spec: NetworkSpec) -> Summary:
    """The course table for `spec`: one SummaryRow for the input, then one per layer (blocks' inner
    layers included, in table order)."""
    shape: Shape = tuple(spec.input.shape)
    n_H, n_W, n_C = shape
    table = _Table(spec)
    table.rows.append(SummaryRow(-1, "Input", "input", shape, prod(shape), 0, 0,
                                 f"{n_H}·{n_W}·{n_C} = {format_count(prod(shape))}"))
    table.layers(spec.layers, shape, ())
    return Summary(table.rows)


def shape_before(spec: NetworkSpec, index: int) -> Shape | None:
    """The shape going into position `index` of spec.layers (the input, or the output of the top-level
    layer before it); None when that layer cannot work."""
    rows = summarize(spec).top_level_rows
    return rows[min(index, len(rows) - 1)].output_shape


def shape_at(summary: Summary, path: tuple) -> Shape | None:
    """The shape going into slot `path` of a design's nested lists (engine.spec_paths: a list path plus
    a position; (i,) at the top level): the output of the layer before it in its list, or, first in an
    inner list, the block's input. None when that is not computed (a layer above cannot work)."""
    path = tuple(path)
    holder, position = path[:-1], path[-1]
    if position > 0:
        row = summary.row_at(holder + (position - 1,))
        return row.output_shape if row is not None else None
    if not holder:
        return summary.rows[0].output_shape
    block = summary.row_at(holder[:-1])
    return block.input_shape if block is not None else None


def row_status(row: SummaryRow, *, long: bool = False) -> str:
    """What a table says instead of numbers for a row that cannot be computed; "" for a computed row.

    The one wording the command line, the designer's shape table and its layer list share:
    short (a table cell)      "ERROR: <reason>"             / "(not computed: CONV1 above has an error)"
    long  (a tooltip)         "CONV2 cannot work: <reason>" / "POOL2: not computed until CONV2 above it is fixed."
    """
    if row.error:
        return f"{row.name} cannot work: {row.error}" if long else f"ERROR: {row.error}"
    if row.computable:
        return ""
    if row.blocked_inside:
        if long:
            return f"{row.name}: not computed until {row.blocked_by} inside it is fixed."
        return f"(not computed: {row.blocked_by} inside has an error)"
    above = row.blocked_by or "a layer"
    if long:
        return f"{row.name}: not computed until {above} above it is fixed."
    return f"(not computed: {above} above has an error)"
