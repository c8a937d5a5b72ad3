"""Can the current design train on the chosen dataset? Every rule is the engine's.

`check_design` collects the messages of `summarize(spec)`, `output_kind(spec)`,
`check_dataset_fits(spec, dataset)` and the memory guard (`engine.memory.check_memory`) as they are;
nothing here restates a shape, class or memory rule. It also works out the one-click fixes the Train
tab offers: the dataset's shape (unless the design can't take it: then a preset that can), the
dataset's classes, and a softmax output layer (`engine.kinds.softmax_output_fix`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import numpy as np

from engine.data import Dataset, DatasetError
from engine.kinds import DEFAULT_CLASSES, OutputFix, class_count_field, num_classes_of, output_kind, softmax_output_fix
from engine.memory import MemoryGuardError, check_memory
from engine.network import Network
from engine.shapes import summarize
from engine.spec import InputSpec, NetworkSpec, SpecError
from engine.train import check_dataset_fits

from designer.presets import PRESETS, load_preset

from .text import sentence


@dataclass
class DesignCheck:
    ok: bool                                    # Train may start
    messages: list[str] = field(default_factory=list)   # what to change, as sentences
    shape_differs: bool = False                 # the input shape isn't the dataset's image shape
    classes_to_set: Optional[int] = None        # the dataset's class count, when the softmax layer has another
    output_fix: Optional[OutputFix] = None      # the edit that makes the last layer a softmax output
    shape_breaks: Optional[str] = None          # why the design can't take the dataset's image shape
    preset_for_shape: Optional[tuple[str, str]] = None   # (key, title) of a preset made for that shape
    memory_problem: Optional[str] = None        # the memory guard's message: training would not fit


#: What the training run computes in (Network.from_spec's default dtype, the worker's network).
TRAINING_DTYPE = np.float32


def check_design(spec: NetworkSpec, dataset: Optional[Dataset], batch_size: Optional[int] = None,
                 optimizer: str = "adam", early_stopping: bool = False) -> DesignCheck:
    """The verdict for `spec` on `dataset` (None: no dataset chosen). With a `batch_size`, training
    memory at that batch size and `optimizer` is checked too (engine.memory.check_memory), with the best
    epoch's copy of the weights that `early_stopping` keeps."""
    messages: list[str] = []
    design_ok = True
    output_fix = memory_problem = None
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
            output_fix = softmax_output_fix(spec, dataset.num_classes if dataset is not None and
                                            dataset.num_classes >= 2 else DEFAULT_CLASSES)
        if batch_size is not None:
            try:
                check_memory(summary, "train", batch_size, optimizer, TRAINING_DTYPE,
                             early_stopping=early_stopping)
            except MemoryGuardError as exc:
                design_ok = False
                memory_problem = sentence(str(exc))
                messages.append(memory_problem)
    if dataset is None:
        return DesignCheck(False, messages + ["Choose a dataset."], output_fix=output_fix,
                           memory_problem=memory_problem)
    shape_differs = tuple(spec.input.shape) != tuple(dataset.image_shape)
    shape_breaks, preset = (shape_problem(spec, dataset) if shape_differs else (None, None))
    fits = True
    if shape_differs or design_ok:
        # check_dataset_fits compares the input shape first, so its shape message needs no
        # working output layer.
        try:
            check_dataset_fits(spec, dataset)
        except (DatasetError, SpecError) as exc:
            fits = False
            # A wrong input shape is the first thing to fix; list it first (unless the design can't
            # take the dataset's shape: shape_breaks says both).
            if shape_breaks is None:
                messages.insert(0 if shape_differs else len(messages), sentence(str(exc)))
    if shape_breaks is not None:
        messages.insert(0, shape_breaks)
    elif shape_differs:
        # Would the classes fit once the input is the dataset's? Ask the engine on a probe copy.
        try:
            check_dataset_fits(_with_input(spec, dataset.image_shape), dataset)
        except (DatasetError, SpecError) as exc:
            text = sentence(str(exc))
            if text not in messages:
                messages.append(text)
    return DesignCheck(design_ok and fits, messages, shape_differs, softmax_units_to_set(spec, dataset),
                       output_fix, shape_breaks, preset, memory_problem)


def _with_input(spec: NetworkSpec, shape) -> NetworkSpec:
    probe = spec.copy()
    probe.input = InputSpec(tuple(shape))
    return probe


def shape_problem(spec: NetworkSpec, dataset: Dataset) -> tuple[Optional[str], Optional[tuple[str, str]]]:
    """(why the design can't take the dataset's images, a preset made for them) — (None, None) when
    "Use dataset's shape" would give a working design (or the design doesn't work either way)."""
    if not summarize(spec).ok:
        return None, None
    probe = summarize(_with_input(spec, dataset.image_shape))
    if probe.ok:
        return None, None
    shape = "×".join(map(str, dataset.image_shape))
    want = "×".join(map(str, spec.input.shape))
    text = (f"Dataset '{dataset.name}' has {shape} images but the design's input is {want}, and this design "
            f"can't take {shape} images: with that input, {sentence(probe.error)}")
    preset = preset_for_shape(tuple(dataset.image_shape))
    if preset is not None:
        text += f" The {preset[1]} preset is made for {shape} images."
    return text, preset


@lru_cache(maxsize=None)
def preset_for_shape(shape: tuple[int, int, int]) -> Optional[tuple[str, str]]:
    """(key, title) of the first preset whose input is `shape`, e.g. ("digits_net", "Digits net (8×8×1)")."""
    for preset in PRESETS:
        if preset.file is None:
            continue
        try:
            if tuple(load_preset(preset.key).input.shape) == shape:
                return preset.key, preset.title
        except SpecError:
            continue
    return None


def softmax_units_to_set(spec: NetworkSpec, dataset: Optional[Dataset]) -> Optional[int]:
    """The dataset's class count when the design ends in a softmax classifier with another count."""
    if dataset is None or not spec.layers or dataset.num_classes < 2:
        return None
    try:
        kind = output_kind(spec)
    except SpecError:
        return None
    if kind != "softmax" or class_count_field(spec) is None:
        return None
    return dataset.num_classes if num_classes_of(spec) != dataset.num_classes else None


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
