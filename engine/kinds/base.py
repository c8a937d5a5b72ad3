"""The interface every layer kind implements, and the plain data it hands to the rest of the app.

A kind is one object (an instance of a LayerKind subclass) registered under its JSON `type`
(see engine.kinds.registry). The spec parser, `engine.shapes.summarize`, `Network.from_spec` and
the designer ask the kind; nothing else knows what a conv or a pool is. How to write one:
docs/adding-a-layer-kind.md.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

import numpy as np

from .checks import SpecError

Shape = tuple  # (n_H, n_W, n_C) for a volume, (units,) for a vector


class _Required:
    """The default of a field a layer can't do without (conv filters, dense units)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()


@dataclass(frozen=True)
class FieldInfo:
    """How the designer's form edits one field of a layer spec (plain data, no Qt).

    widget: "int" (spin box), "float" (decimal spin box), "choice" (combo of `choices`),
    "padding" ("valid" / "same" / a whole number p) or "text". `low`/`high` bound the widget
    (validation is the kind's `validate`); `step`/`decimals` tune a float spin box. `default` is
    the spec's default (REQUIRED for a field the layer can't do without), filled in by the kind.
    """

    name: str
    label: str
    widget: str
    tooltip: str = ""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    decimals: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = REQUIRED


@dataclass
class LayerShape:
    """What a kind says about one layer for one input shape: a row of the course table.

    `param_shapes` maps the layer's parameter names ("W", "b", ...) to their array shapes; the
    network's keys are "<layer name>.<parameter name>". `padding` is the resolved p, for kinds
    that pad.
    """

    output_shape: Shape
    params: int = 0
    macs: int = 0
    formula: str = ""
    param_shapes: dict = field(default_factory=dict)
    padding: int | None = None


class ShapeError(ValueError):
    """The layer cannot work on this input shape; the message says why and how to fix it
    (without the layer name, which the table shows beside it)."""


@dataclass
class BuildContext:
    """What a kind needs to build its compute layer inside a Network.

    params: the network's shared dict of live arrays ("<name>.W", ...); the layer reads its
    weights from it on every call. rng_holder: `.rng`, the network's seeded generator for random
    masks. row: this layer's summary row (output shape, param shapes, padding).
    """

    name: str
    params: dict
    input_shape: Shape
    row: Any
    is_output: bool
    rng_holder: Any


class LayerKind:
    """One kind of layer. Subclass it, set the class attributes, implement `output` and `build`,
    and register an instance with `engine.kinds.register`."""

    type_name: str = ""                      # the JSON "type", e.g. "conv"
    spec_class: type = object                # dataclass: the kind's fields, then name and type
    label: str = ""                          # short button label in the course's words ("FC")
    title: str = ""                          # "Fully connected layer"
    hint: str = ""                           # what the layer computes, a sentence or two
    required: tuple[str, ...] = ()           # fields without which the layer means nothing
    editable: tuple[FieldInfo, ...] = ()     # the form's fields, in order
    needs_volume: bool = False               # its input must be an n_H×n_W×n_C volume
    numbered: bool = False                   # takes the next course number (CONV1, FC3)
    learns_filters: bool = False             # its "W" is (f, f, n_C_prev, n_C): viewable as filters

    # ----- the spec -----------------------------------------------------------------------------
    def editable_fields(self) -> tuple[FieldInfo, ...]:
        """`editable` with each field's default taken from the spec dataclass."""
        defaults = {}
        for f in fields(self.spec_class):
            if f.default is not MISSING:
                defaults[f.name] = f.default
        return tuple(replace(info, default=defaults.get(info.name, REQUIRED)) for info in self.editable)

    def field_names(self) -> set[str]:
        """Every key a JSON layer of this kind may hold ("type" and "name" included)."""
        return {f.name for f in fields(self.spec_class)}

    def validate(self, layer, where: str) -> None:
        """Raise SpecError naming `where`, the field and the value if a field is wrong.
        Never changes `layer`."""

    def normalize(self, layer):
        """A copy of a valid `layer` with its values in canonical types (e.g. 1 → 1.0 for a float)."""
        return replace(layer)

    def new_layer(self, before: list):
        """A layer of this kind with sensible settings, to insert after the layers `before`."""
        return self.spec_class()

    # ----- names and words ---------------------------------------------------------------------
    def auto_name(self, layer, number: int, is_last: bool) -> str:
        """The course-style name for an unnamed layer; `number` is the current course number."""
        return f"{self.type_name.upper()}{number}"

    def describe(self, layer) -> str:
        """The layer's own settings in a few words, for the layer list."""
        return ", ".join(f"{info.name} {getattr(layer, info.name)}" for info in self.editable)

    def feature_map_caption(self, layer) -> str | None:
        """What its output maps show ("pooling"), or None if they are not worth showing."""
        return None

    # ----- shapes -------------------------------------------------------------------------------
    def output(self, layer, in_shape: Shape, is_last: bool) -> LayerShape:
        """The table row for input shape `in_shape`; ShapeError if the layer can't work on it."""
        raise NotImplementedError

    # ----- as the network's output --------------------------------------------------------------
    def output_kind(self, layer, name: str) -> str | None:
        """As the last layer: "softmax" or "sigmoid" if it gives class scores, else None.
        SpecError (naming `name`) if it almost does but a setting is wrong."""
        return None

    def num_classes(self, layer) -> int:
        """Classes it predicts as the output layer (only asked when `output_kind` is not None)."""
        raise NotImplementedError

    def class_count_field(self, layer) -> str | None:
        """The field that sets the number of classes when this layer is the output, or None."""
        return None

    def as_softmax_output(self, layer, classes: int):
        """This layer turned into a softmax output giving `classes` class scores (a new spec), or None
        if this kind can't be an output layer."""
        return None

    # ----- compute ------------------------------------------------------------------------------
    def init_params(self, layer, param_shapes: dict, rng: np.random.Generator, dtype) -> dict:
        """Fresh parameter arrays {"W": ..., ...} with the shapes of `param_shapes`.
        The default is zeros; kinds with weights draw them from `rng`."""
        return {key: np.zeros(shape, dtype=dtype) for key, shape in param_shapes.items()}

    def build(self, layer, context: BuildContext):
        """The compute layer (an engine.layers.Layer) for `layer`."""
        raise NotImplementedError

    # ----- export -------------------------------------------------------------------------------
    def pytorch_code(self, ctx):
        """What this layer adds to an exported PyTorch script (engine.export.pytorch_layers.LayerCode for
        the LayerContext `ctx`). A kind without it can't be exported: SpecError naming the layer."""
        raise SpecError(f"{ctx.row.name}: a {self.type_name} layer can't be exported to PyTorch yet")
