"""What a design's last layer gives: class scores ("softmax" / "sigmoid") and how many classes."""
from __future__ import annotations

from typing import NamedTuple

from .checks import SpecError
from .registry import kind_for, kind_of

DEFAULT_CLASSES = 10   # the course's digits and LeNet-5 output


def output_kind(spec) -> str:
    """"softmax" or "sigmoid" for a trainable design; otherwise SpecError saying how to fix it."""
    if not spec.layers:
        raise SpecError("the design has no layers; add layers ending in a dense softmax layer")
    last = spec.layers[-1]
    name = spec.layer_names()[-1]
    kind = kind_of(last).output_kind(last, name)
    if kind is None:
        raise SpecError(f"{name}: the last layer must be a dense layer with softmax (k ≥ 2 classes) or a single "
                        "sigmoid unit, to give class scores")
    return kind


def num_classes_of(spec) -> int:
    """Classes the design predicts: the softmax units, or 2 for a single sigmoid unit."""
    output_kind(spec)
    last = spec.layers[-1]
    return kind_of(last).num_classes(last)


def class_count_field(spec) -> str | None:
    """The field of the last layer that sets the number of classes ("units" for a softmax FC layer),
    or None if the design has no such layer."""
    if not spec.layers:
        return None
    last = spec.layers[-1]
    return kind_of(last).class_count_field(last)


class OutputFix(NamedTuple):
    """How to make a design end in class scores: put `layer` at `index` of spec.layers, replacing the
    last layer (replace=True) or appended after it (replace=False). `text` says it for a button."""
    index: int
    layer: object
    replace: bool
    classes: int
    text: str


def softmax_output_fix(spec, classes: int = DEFAULT_CLASSES) -> OutputFix | None:
    """None when the design already gives class scores (`output_kind` accepts it) or has no layers.
    Otherwise the one edit that makes it end in a softmax layer with `classes` units (the dataset's
    class count, k ≥ 2): the last layer itself when its kind can be an output (an FC layer left at
    relu), else a softmax FC layer appended after it."""
    if not spec.layers:
        return None
    try:
        output_kind(spec)
        return None
    except SpecError:
        pass
    classes = max(2, int(classes))
    last = spec.layers[-1]
    fixed = kind_of(last).as_softmax_output(last, classes)
    if fixed is not None:
        name = spec.layer_names()[-1]
        return OutputFix(len(spec.layers) - 1, fixed, True, classes,
                         f"Make {name} the softmax output ({classes} classes)")
    dense = kind_for("dense")
    appended = dense.as_softmax_output(dense.new_layer(list(spec.layers)), classes)
    return OutputFix(len(spec.layers), appended, False, classes, f"Add a softmax output layer ({classes} classes)")
