"""The designs in the Presets menu: the course's networks (resources/presets/*.json) and Blank."""
from __future__ import annotations

from dataclasses import dataclass

from engine.resources import preset_path
from engine.spec import NetworkSpec, load_spec

from .document import blank_spec


@dataclass(frozen=True)
class Preset:
    key: str  # the bundled file's name without .json (engine.resources.preset_path), as on the command line
    title: str
    file: str | None  # None: the blank design
    tip: str


PRESETS = (
    Preset("lenet5", "LeNet-5 (course)", "lenet5.json",
           "The course's LeNet-5-style network on a 32×32×3 input: the reference table, 62,958 parameters."),
    Preset("example_convnet", "Example ConvNet (39×39×3)", "example_convnet.json",
           "The course's other example: three convs (stride 1, 2, 2), flatten to 1,960, softmax."),
    Preset("digits_net", "Digits net (8×8×1)", "digits_net.json",
           "A small net for the bundled 8×8 digits dataset, with “same” padding."),
    Preset("blank", "Blank", None, "A blank design: a 32×32×3 input and no layers."),
)
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}


def load_preset(key: str) -> NetworkSpec:
    """The preset's spec; a missing or broken preset file raises SpecError."""
    preset = PRESETS_BY_KEY[key]
    if preset.file is None:
        return blank_spec()
    return load_spec(preset_path(preset.key))
