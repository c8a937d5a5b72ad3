"""The course's worked examples as plain data: the small matrices of the edge-detection and pooling
lessons, and the one-layer designs of the parameter-count questions. The designer's Help › Course
examples opens each in the right place; tests check the app's answers against the course's."""
from __future__ import annotations

import numpy as np

from .kinds import ConvSpec
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
