"""What to do when the dataset in use doesn't fit the design, said the same way on the Train tab and in the
Inside views: the built-in dataset the design trains on as it is (engine.train.builtin_dataset_for: "Use
Shapes"), and a preset made for the dataset's images."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from engine.data import Dataset
from engine.spec import NetworkSpec, SpecError

from .presets import PRESETS, load_preset

BUILTIN_NAMES = {"digits": "Digits", "shapes": "Shapes"}


def builtin_instead(spec: NetworkSpec, dataset: Optional[Dataset], fits: bool) -> Optional[str]:
    """The built-in dataset ("shapes", "digits") to offer when the dataset in use doesn't fit (`fits`
    False) and a built-in does, without reading it; None otherwise."""
    from engine.train import builtin_dataset_for
    if fits:
        return None
    name = builtin_dataset_for(spec)
    if name is None or (dataset is not None and dataset.name == name and dataset.source == "built-in"):
        return None
    return name


def use_builtin_text(name: str) -> str:
    """The button's text: "Use Shapes"."""
    return f"Use {BUILTIN_NAMES.get(name, name)}"


def builtin_sentence(name: str) -> str:
    title = BUILTIN_NAMES.get(name, name)
    return f"The built-in {title} dataset fits this design as it is (Use {title} on the Train tab)."


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


def preset_sentence(shape: tuple[int, int, int]) -> str:
    """"The Digits net (8×8×1) preset is made for 8×8×1 images." ("" without such a preset)."""
    preset = preset_for_shape(tuple(shape))
    if preset is None:
        return ""
    return f"The {preset[1]} preset is made for {'×'.join(map(str, shape))} images."


def advice(spec: NetworkSpec, dataset: Optional[Dataset]) -> list[str]:
    """The other ways out when `dataset` doesn't fit `spec`: a built-in that fits, a preset made for the
    dataset's images — as sentences ([] when there is nothing to suggest)."""
    out = []
    name = builtin_instead(spec, dataset, fits=False)
    if name is not None:
        out.append(builtin_sentence(name))
    if dataset is not None and tuple(dataset.image_shape) != tuple(spec.input.shape):
        text = preset_sentence(tuple(dataset.image_shape))
        if text:
            out.append(text)
    return out
