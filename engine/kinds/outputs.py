"""What a design's last layer gives: class scores ("softmax" / "sigmoid") and how many classes."""
from __future__ import annotations

from .checks import SpecError
from .registry import kind_of


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
