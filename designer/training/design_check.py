"""Can the current design train on the chosen dataset? Every rule is the engine's.

`check_design` collects the messages of `summarize(spec)`, `output_kind(spec)` and
`check_dataset_fits(spec, dataset)` as they are; nothing here restates a shape or class rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from engine.data import Dataset, DatasetError
from engine.network import Network, output_kind
from engine.shapes import summarize
from engine.spec import InputSpec, NetworkSpec, SpecError
from engine.train import check_dataset_fits

from .text import sentence


@dataclass
class DesignCheck:
    ok: bool                                    # Train may start
    messages: list[str] = field(default_factory=list)   # what to change, as sentences
    shape_differs: bool = False                 # the input shape isn't the dataset's image shape
    classes_to_set: Optional[int] = None        # the dataset's class count, when the softmax layer has another


def check_design(spec: NetworkSpec, dataset: Optional[Dataset]) -> DesignCheck:
    """The verdict for `spec` on `dataset` (None: no dataset chosen)."""
    messages: list[str] = []
    design_ok = True
    summary = summarize(spec)
    if not summary.ok:
        design_ok = False
        messages.append(f"The design has an error: {sentence(summary.error)}")
    else:
        try:
            output_kind(spec)
        except SpecError as exc:
            design_ok = False
            messages.append(sentence(str(exc)))
    if dataset is None:
        return DesignCheck(False, messages + ["Choose a dataset."])
    shape_differs = tuple(spec.input.shape) != tuple(dataset.image_shape)
    fits = True
    if shape_differs or design_ok:
        # check_dataset_fits compares the input shape first, so its shape message needs no
        # working output layer.
        try:
            check_dataset_fits(spec, dataset)
        except (DatasetError, SpecError) as exc:
            fits = False
            # A wrong input shape is the first thing to fix; list it first.
            messages.insert(0 if shape_differs else len(messages), sentence(str(exc)))
    if shape_differs:
        # Would the classes fit once the input is the dataset's? Ask the engine on a probe copy.
        probe = spec.copy()
        probe.input = InputSpec(tuple(dataset.image_shape))
        try:
            check_dataset_fits(probe, dataset)
        except (DatasetError, SpecError) as exc:
            text = sentence(str(exc))
            if text not in messages:
                messages.append(text)
    return DesignCheck(design_ok and fits, messages, shape_differs, softmax_units_to_set(spec, dataset))


def softmax_units_to_set(spec: NetworkSpec, dataset: Optional[Dataset]) -> Optional[int]:
    """The dataset's class count when the design ends in a softmax classifier with another count."""
    if dataset is None or not spec.layers or dataset.num_classes < 2:
        return None
    try:
        kind = output_kind(spec)
    except SpecError:
        return None
    units = spec.layers[-1].units
    return dataset.num_classes if kind == "softmax" and units != dataset.num_classes else None


def network_fits(network: Optional[Network], dataset: Optional[Dataset]) -> bool:
    """Can `network` be evaluated on `dataset` (engine.train.check_dataset_fits)?"""
    if network is None or dataset is None:
        return False
    try:
        check_dataset_fits(network, dataset)
    except (DatasetError, SpecError):
        return False
    return True


def same_design(a: NetworkSpec, b: NetworkSpec) -> bool:
    """The same layers and input (the design's display name doesn't matter for weights)."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("name", None)
    db.pop("name", None)
    return da == db
