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
    "padding" ("valid" / "same" / a whole number p), "text" or "bool" (a check box). `low`/`high` bound the widget
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
    network's keys are "<layer name>.<parameter name>". `state_shapes` does the same for arrays that
    are not trained and not counted as parameters (batch norm's "running_mean", "running_var"); they
    live in `Network.state`. `padding` is the resolved p, for kinds that pad.
    """

    output_shape: Shape
    params: int = 0
    macs: int = 0
    formula: str = ""
    param_shapes: dict = field(default_factory=dict)
    padding: int | None = None
    state_shapes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PathShape:
    """What one inner list of a block (a residual's main path or shortcut, a concat's branch) gives,
    for the block's join: `output_shape` None when a layer in it cannot work. `layers` counts its
    direct layers (0: the identity). params and macs are the totals of its rows."""

    label: str
    output_shape: Shape | None
    params: int
    macs: int
    layers: int


@dataclass(frozen=True)
class MemoryTerms:
    """What a layer allocates beyond its output, per example, in values (engine.memory adds them up):
    `kept`: values kept from the forward pass for the backward pass (batch norm's x̂);
    `patch_values`: one example's im2col patches (0 for kinds that build none)."""

    kept: int = 0
    patch_values: int = 0


class ShapeError(ValueError):
    """The layer cannot work on this input shape; the message says why and how to fix it
    (without the layer name, which the table shows beside it)."""


@dataclass
class BuildContext:
    """What a kind needs to build its compute layer inside a Network.

    params: the network's shared dict of live arrays ("<name>.W", ...); the layer reads its
    weights from it on every call. state: the same for non-trainable arrays ("<name>.running_mean").
    rng_holder: `.rng`, the network's seeded generator for random masks. row: this layer's summary
    row (output shape, param shapes, padding). batch: the layer stack's engine.batch_reduce.BatchContext
    (which part of a split batch this stack runs, the reducer that sums statistics over the parts, and
    whether a pass that keeps caches behaves as inference). children: a block's built inner lists, in
    the order of `child_lists` (empty for other kinds).
    """

    name: str
    params: dict
    input_shape: Shape
    row: Any
    is_output: bool
    rng_holder: Any
    state: dict = field(default_factory=dict)
    batch: Any = None
    children: list = field(default_factory=list)


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
    learns_filters: bool = False             # its "W" is a stack of f×f filters: viewable as filters
    filter_layout: str = "filters"           # how W holds them: "filters" (f, f, n_C_prev, n_C), or
                                             # "per_channel" (f, f, n_C, multiplier): depthwise
    own_numbering: bool = False              # named with its own count (RES1, RES2) instead of the course number
    is_block: bool = False                   # its layers hold lists of layers (child_lists, parse_lists, join)
    join_style: str = "stack"                # a block's join as the diagram draws it: "add" (⊕, its first
                                             # list on the main line) or "stack" (lists side by side)

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

    def new_layer(self, before: list, in_shape: Shape | None = None, inside_block: bool = False):
        """A layer of this kind with sensible settings, to insert after the layers `before` where its
        input is `in_shape` (None when not known, e.g. after a layer that cannot work). `inside_block`:
        the list is a path of a residual or concat block, whose paths must keep their input's height
        and width (and a residual's channels), so a kind that would change them should not."""
        return self.spec_class()

    # ----- blocks: kinds whose layers hold lists of layers ----------------------------------------
    def child_lists(self, layer) -> list[tuple[str, list]]:
        """The inner layer lists of a block, in order, each with its label for the table
        ([("main", layer.layers), ("shortcut", layer.shortcut)]); [] for a kind that is not a block.
        A layer's path (engine.spec.LayerEntry.path) counts these lists by their position here."""
        return []

    def parse_lists(self, values: dict, where: str, parse_list) -> dict:
        """For a block: `values` (the JSON fields) with each raw inner list replaced by
        `parse_list(raw, label)` (which parses, checks and counts the layers, or raises SpecError).
        Not a block: `values` unchanged."""
        return values

    def join(self, layer, in_shape: Shape, paths: list, is_last: bool) -> LayerShape:
        """For a block: its row from what each inner list gives (`paths`, PathShape in the order of
        `child_lists`, all computable); ShapeError when they don't fit together (say which and how to
        fix it). Only asked for blocks."""
        raise NotImplementedError

    def empty_path_label(self, layer, position: int) -> str:
        """What an empty inner list does, for the table and the tree ("identity")."""
        return "identity"

    def with_list_added(self, layer, position: int):
        """For a block whose number of lists may change (a concat's branches): a copy of `layer` with an
        empty list inserted at `position`; None when the kind can't take another list there."""
        return None

    def with_list_removed(self, layer, position: int):
        """A copy of `layer` without its list at `position` (its layers go with it); None when the kind
        can't lose that list (a residual's main path and shortcut, a concat's last branch)."""
        return None

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

    def init_state(self, layer, state_shapes: dict, dtype) -> dict:
        """Fresh non-trainable arrays {"running_mean": ..., ...} with the shapes of `state_shapes`
        (zeros by default)."""
        return {key: np.zeros(shape, dtype=dtype) for key, shape in state_shapes.items()}

    def memory_terms(self, row) -> MemoryTerms:
        """What the layer of summary row `row` allocates beyond its output (engine.memory). The default:
        a 4-D "W" (f, f, n_C_prev, n_C) is a filter bank whose im2col patches are built per example."""
        W = row.param_shapes.get("W") if row.param_shapes else None
        if W is None or len(W) != 4 or row.output_shape is None or len(row.output_shape) != 3:
            return MemoryTerms()
        n_H, n_W, _ = row.output_shape
        return MemoryTerms(patch_values=n_H * n_W * W[0] * W[1] * W[2])

    def build(self, layer, context: BuildContext):
        """The compute layer (an engine.layers.Layer) for `layer`."""
        raise NotImplementedError

    # ----- export -------------------------------------------------------------------------------
    def pytorch_code(self, ctx):
        """What this layer adds to an exported PyTorch script (engine.export.pytorch_layers.LayerCode for
        the LayerContext `ctx`). A kind without it can't be exported: SpecError naming the layer."""
        raise SpecError(f"{ctx.row.name}: a {self.type_name} layer can't be exported to PyTorch yet")

    def onnx_export(self, ctx) -> str:
        """Add this layer's ONNX nodes and weights through `ctx` (engine.export.onnx_layers.OnnxContext) and
        return the name of its output tensor. A kind without it can't be exported: SpecError naming the layer."""
        raise SpecError(f"{ctx.name}: a {self.type_name} layer can't be exported to ONNX yet")
