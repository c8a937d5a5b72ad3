"""Shape inference: the course's layer table as data.

`summarize(spec)` walks a NetworkSpec and returns one SummaryRow per layer (row 0 is the input)
with the activation shape, activation size, parameter count, multiply-accumulates and the formula
that gives them. It never raises for a design that cannot work: the first layer that cannot work
carries `.error`, and every row after it is marked not computable (`output_shape is None`).

Each layer kind (engine/kinds/) gives its own row (shape rule, params, formula) using the shape
arithmetic here (`conv_output_size`, `resolve_padding`, `output_size_formula`); the table model, the
command line and `Network.from_spec` all read the summary.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from math import prod
from typing import TYPE_CHECKING

from .kinds.base import LayerShape, Shape, ShapeError
from .kinds.registry import kind_of

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
    """One row of the table. `index` is the layer's position in spec.layers (−1 for the input)."""

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
        return sum(row.params or 0 for row in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(row.macs or 0 for row in self.rows)

    @property
    def total_activation_size(self) -> int:
        """Values held by all activations of one example, input included."""
        return sum(row.activation_size or 0 for row in self.rows)

    @property
    def output_shape(self) -> Shape | None:
        return self.rows[-1].output_shape

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "error": self.error,
            "total_params": self.total_params,
            "total_macs": self.total_macs,
            "total_activation_size": self.total_activation_size,
            "rows": [
                {
                    "name": r.name, "kind": r.kind,
                    "output_shape": list(r.output_shape) if r.output_shape is not None else None,
                    "activation_size": r.activation_size, "params": r.params, "macs": r.macs,
                    "formula": r.formula, "error": r.error,
                    "dense_equivalent_params": r.dense_equivalent_params,
                }
                for r in self.rows
            ],
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
                      param_shapes=dict(out.param_shapes), padding=out.padding)


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


def summarize(spec: NetworkSpec) -> Summary:
    """The course table for `spec`: one SummaryRow for the input, then one per layer."""
    shape: Shape = tuple(spec.input.shape)
    n_H, n_W, n_C = shape
    rows = [SummaryRow(-1, "Input", "input", shape, prod(shape), 0, 0,
                       f"{n_H}·{n_W}·{n_C} = {format_count(prod(shape))}")]
    names = spec.layer_names()
    broken: str | None = None
    last = len(spec.layers) - 1
    for index, (layer, name) in enumerate(zip(spec.layers, names)):
        if broken is not None:
            rows.append(SummaryRow(index, name, layer.type, None, None, None, None, "", blocked_by=broken))
            continue
        row = _layer_row(layer, name, shape, index, index == last)
        _fill_dense_equivalent(row, prod(shape))
        rows.append(row)
        if row.error:
            broken = name
        else:
            shape = row.output_shape
    return Summary(rows)


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
    above = row.blocked_by or "a layer"
    if long:
        return f"{row.name}: not computed until {above} above it is fixed."
    return f"(not computed: {above} above has an error)"
