"""The designs in the Presets menu: the bundled networks (resources/presets/*.json) and Blank."""
from __future__ import annotations

from dataclasses import dataclass

from engine.resources import preset_names, preset_path
from engine.spec import NetworkSpec, SpecError, load_spec

from .document import blank_spec


@dataclass(frozen=True)
class Preset:
    key: str  # the bundled file's name without .json (engine.resources.preset_path), as on the command line
    title: str
    file: str | None  # None: the blank design
    tip: str


# The bundled presets in menu order, with the words the menu shows. A preset file in resources/presets/
# that is not listed here still appears (before Blank), titled with its design's name.
KNOWN_PRESETS = (
    Preset("lenet5", "LeNet-5 (course)", "lenet5.json",
           "The course's LeNet-5-style network on a 32×32×3 input: the reference table, 62,958 parameters."),
    Preset("example_convnet", "Example ConvNet (39×39×3)", "example_convnet.json",
           "The course's other example: three convs (stride 1, 2, 2), flatten to 1,960, softmax."),
    Preset("digits_net", "Digits net (8×8×1)", "digits_net.json",
           "A small net for the bundled 8×8 digits dataset, with “same” padding."),
    Preset("alexnet", "AlexNet (course)", "alexnet.json",
           "Week 2's classic network as the course draws it: 227×227×3, 96 11×11 filters with stride 4, … "
           "62,378,344 parameters."),
    Preset("vgg16", "VGG-16", "vgg16.json",
           "Only 3×3 same convs and 2×2 max pools, then two FC 4,096 layers: 138,357,544 parameters."),
    Preset("resnet18", "ResNet-18", "resnet18.json",
           "Residual blocks with batch norm, convs without bias, a global average pool: 11,689,512 parameters."),
    Preset("resnet50", "ResNet-50", "resnet50.json",
           "Bottleneck residual blocks (1×1 → 3×3 → 1×1): 25,557,032 parameters."),
    Preset("mobilenet_v2", "MobileNetV2", "mobilenet_v2.json",
           "Inverted residual blocks: 1×1 expansion, depthwise 3×3, 1×1 projection, ReLU6: 3,504,872 parameters."),
    Preset("inception_module", "Inception module (course)", "inception_module.json",
           "The course's module: 28×28×192 → branches 1×1, 1×1→3×3, 1×1→5×5, pool→1×1 → 28×28×256."),
    Preset("resnet_small", "Small ResNet (32×32×3)", "resnet_small.json",
           "Three residual blocks for the shapes dataset (32×32×3, 4 classes): trains here in minutes."),
    Preset("mobilenet_small", "Small MobileNet (28×28×1)", "mobilenet_small.json",
           "Depthwise-separable convs and two inverted residual blocks for 28×28×1 digits (MNIST, 10 classes)."),
)
BLANK = Preset("blank", "Blank", None, "A blank design: a 32×32×3 input and no layers.")


def _bundled() -> tuple[Preset, ...]:
    """KNOWN_PRESETS that are bundled, then any other bundled preset, then Blank."""
    names = preset_names()
    known = tuple(p for p in KNOWN_PRESETS if p.key in names)
    others = []
    for key in names:
        if any(p.key == key for p in KNOWN_PRESETS):
            continue
        try:
            title = load_spec(preset_path(key)).name or key
        except SpecError:
            continue            # a broken file stays out of the menu
        others.append(Preset(key, title, key + ".json", f"The bundled design {key}."))
    return known + tuple(others) + (BLANK,)


PRESETS = _bundled()
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}


def load_preset(key: str) -> NetworkSpec:
    """The preset's spec; a missing or broken preset file raises SpecError."""
    preset = PRESETS_BY_KEY[key]
    if preset.file is None:
        return blank_spec()
    return load_spec(preset_path(preset.key))
