"""The course's worked examples as plain data: the small matrices of the edge-detection and pooling
lessons, the one-layer designs of the parameter-count questions, and week 2's worked numbers (the 1×1
bottleneck, the depthwise-separable convolution, the inception module, the residual block's identity) as
`WEEK2_EXAMPLES`. The designer's Help › Course examples opens each in the right place; tests check the
app's answers against the course's (docs/week2-course-numbers.md tells the week-2 story)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .kinds import ConcatSpec, ConvSpec, DepthwiseSpec, PoolSpec, ResidualSpec
from .spec import InputSpec, NetworkSpec

# Edge detection: the 6×6 image, and the bright vertical edge (left three columns 10, right three 0).
COURSE_6X6 = np.array([[3, 0, 1, 2, 7, 4],
                       [1, 5, 8, 9, 3, 1],
                       [2, 7, 2, 5, 1, 3],
                       [0, 1, 3, 1, 7, 8],
                       [4, 2, 1, 6, 2, 8],
                       [2, 4, 5, 2, 3, 9]], dtype=np.float64)
VERTICAL_EDGE_IMAGE = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=np.float64)
VERTICAL_FILTER = np.array([[1, 0, -1]] * 3, dtype=np.float64)

# Pooling, f = 2, s = 2: max gives [[9, 2], [6, 2]], average [[3.75, 1.25], [3.75, 1.5]].
POOL_4X4 = np.array([[1, 3, 2, 1],
                     [2, 9, 1, 1],
                     [1, 3, 2, 1],
                     [5, 6, 1, 2]], dtype=np.float64)


def _one_conv(name: str, shape, filters: int, size: int) -> NetworkSpec:
    return NetworkSpec(InputSpec(tuple(shape)), [ConvSpec(filters=filters, size=size, name="CONV1")], name)


def quiz_280_spec() -> NetworkSpec:
    """The quiz: 10 filters of 3×3×3 in one layer → (3·3·3 + 1)·10 = 280 parameters (on a 6×6×3 input,
    the lesson's convolution-over-volume example)."""
    return _one_conv("Quiz: 10 filters of 3×3×3", (6, 6, 3), 10, 3)


def why_convolutions_spec() -> NetworkSpec:
    """Why convolutions: 32×32×3 → 28×28×6 with six 5×5 filters, 456 parameters; fully connected it
    would need 3,072·4,704 + 4,704 = 14,455,392."""
    return _one_conv("Why convolutions: 32×32×3 → 28×28×6", (32, 32, 3), 6, 5)


# ----- week 2: the case studies' numbers -----------------------------------------------------------------
# Each example is a small design whose table shows the course's numbers in its MACs (multiplications) or
# # parameters column; `numbers` says which row shows what, `text` is the lesson in a few sentences.

@dataclass(frozen=True)
class WorkedExample:
    """A week-2 worked example: `spec()` builds the design; `numbers` maps (row name, column) → the course's
    value, column "macs" or "params" or "output_shape"; `text` says what the numbers teach."""

    key: str
    title: str
    spec: Callable[[], NetworkSpec]
    numbers: dict
    text: str


def bottleneck_direct_spec() -> NetworkSpec:
    """A 5×5 same conv from 28×28×192 to 32 channels: 28·28·32 · 5·5·192 = 120,422,400 multiplications."""
    return NetworkSpec(InputSpec((28, 28, 192)),
                       [ConvSpec(filters=32, size=5, padding="same", name="CONV 5x5")], "5×5 conv, 28×28×192 → 32")


def bottleneck_spec() -> NetworkSpec:
    """The same through a 1×1 "bottleneck" to 16 channels first: 2,408,448 + 10,035,200 = 12,443,648."""
    return NetworkSpec(InputSpec((28, 28, 192)),
                       [ConvSpec(filters=16, size=1, name="CONV 1x1"),
                        ConvSpec(filters=32, size=5, padding="same", name="CONV 5x5")],
                       "1×1 bottleneck, then the 5×5 conv")


def normal_conv_spec() -> NetworkSpec:
    """6×6×3 → 4×4×5 with five 3×3×3 filters: 3·3·3 · 4·4·5 = 2,160 multiplications."""
    return NetworkSpec(InputSpec((6, 6, 3)), [ConvSpec(filters=5, size=3, name="CONV")],
                       "Normal conv 6×6×3 → 4×4×5")


def depthwise_separable_spec() -> NetworkSpec:
    """The same as depthwise (3·3 · 4·4·3 = 432) + pointwise (3 · 4·4·5 = 240): 672 = (1/5 + 1/9)·2,160."""
    return NetworkSpec(InputSpec((6, 6, 3)),
                       [DepthwiseSpec(size=3, name="DEPTHWISE"), ConvSpec(filters=5, size=1, name="POINTWISE")],
                       "Depthwise-separable conv 6×6×3 → 4×4×5")


def inception_module_spec() -> NetworkSpec:
    """The course's inception module: from 28×28×192, branches 1×1 (64), 1×1 → 3×3 same (128), 1×1 → 5×5
    same (32) and 3×3 max pool same (stride 1) → 1×1 (32), stacked: 28×28×256."""
    module = ConcatSpec(branches=[
        [ConvSpec(filters=64, size=1)],
        [ConvSpec(filters=96, size=1), ConvSpec(filters=128, size=3, padding="same")],
        [ConvSpec(filters=16, size=1), ConvSpec(filters=32, size=5, padding="same")],
        [PoolSpec(mode="max", size=3, stride=1, padding="same"), ConvSpec(filters=32, size=1)]],
        name="INCEPTION")
    return NetworkSpec(InputSpec((28, 28, 192)), [module], "Inception module 28×28×192 → 28×28×256")


def residual_identity_spec() -> NetworkSpec:
    """A residual block a[l+2] = g(z[l+2] + a[l]) on 8×8×4: with its main path's weights at zero,
    z[l+2] = 0 and a[l+2] = relu(a[l]) = a[l] (a[l] ≥ 0 after a relu): the block is the identity, so adding
    it can't make the network worse, and learning a small correction to the identity is easy."""
    block = ResidualSpec(activation="relu", layers=[ConvSpec(filters=4, size=3, padding="same", activation="relu"),
                                                    ConvSpec(filters=4, size=3, padding="same", activation="linear")],
                         name="RES")
    return NetworkSpec(InputSpec((8, 8, 4)), [block], "A residual block can learn the identity")


WEEK2_EXAMPLES = (
    WorkedExample("bottleneck_direct", "A 5×5 conv costs 120 million multiplications", bottleneck_direct_spec,
                  {("CONV 5x5", "macs"): 120_422_400, ("CONV 5x5", "output_shape"): (28, 28, 32)},
                  "28×28×32 outputs, each 5·5·192 multiplications: 28·28·32 · 5·5·192 = 120,422,400."),
    WorkedExample("bottleneck", "Through a 1×1 bottleneck: 12.4 million", bottleneck_spec,
                  {("CONV 1x1", "macs"): 2_408_448, ("CONV 5x5", "macs"): 10_035_200, ("Total", "macs"): 12_443_648,
                   ("CONV 5x5", "output_shape"): (28, 28, 32)},
                  "Shrink 192 channels to 16 with a 1×1 conv first (28·28·16 · 192 = 2,408,448), then the 5×5 conv "
                  "(28·28·32 · 5·5·16 = 10,035,200): 12,443,648 in all, about a tenth, for the same output size."),
    WorkedExample("normal_conv", "A normal conv: 2,160 multiplications", normal_conv_spec,
                  {("CONV", "macs"): 2_160, ("CONV", "output_shape"): (4, 4, 5)},
                  "Five 3×3×3 filters over 4×4 positions: 3·3·3 · 4·4·5 = 2,160."),
    WorkedExample("depthwise_separable", "Depthwise-separable: 432 + 240 = 672", depthwise_separable_spec,
                  {("DEPTHWISE", "macs"): 432, ("POINTWISE", "macs"): 240, ("Total", "macs"): 672,
                   ("POINTWISE", "output_shape"): (4, 4, 5)},
                  "One 3×3 filter per channel (3·3 · 4·4·3 = 432), then a 1×1 conv that mixes the channels "
                  "(3 · 4·4·5 = 240): 672 = (1/n_C' + 1/f²)·2,160 = (1/5 + 1/9)·2,160."),
    WorkedExample("inception_module", "The inception module: 28×28×256", inception_module_spec,
                  {("INCEPTION", "output_shape"): (28, 28, 256)},
                  "Every branch keeps 28×28 (same padding, stride 1), so their outputs stack along the channels: "
                  "(28,28,64+128+32+32) = 28×28×256."),
    WorkedExample("residual_identity", "Why a residual block can learn the identity", residual_identity_spec,
                  {("RES", "output_shape"): (8, 8, 4)},
                  "a[l+2] = g(z[l+2] + a[l]). With the main path's weights at zero (weight decay pushes them "
                  "there), z[l+2] = 0 and a[l+2] = relu(a[l]) = a[l]: the block does no harm, so very deep "
                  "networks still train."),
)
