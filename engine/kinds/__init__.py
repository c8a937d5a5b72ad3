"""Layer kinds: one module per kind (conv, pool, dense, flatten, dropout, batchnorm, depthwise, globalpool,
and the blocks residual and concat) and the registry.

Each kind module holds its spec dataclass, validation, shape rule and formula, parameter count,
compute layer and the description of its editable fields (see base.LayerKind). The registry maps
the JSON `type` to the kind; nothing outside this package asks which kind a layer is.
Adding a kind: docs/adding-a-layer-kind.md.
"""
from .base import REQUIRED, BuildContext, FieldInfo, LayerKind, LayerShape, MemoryTerms, PathShape, ShapeError
from .checks import SpecError
from .registry import all_kinds, is_registered, kind_for, kind_of, register, type_names, unregister
from . import conv, pool, dense, flatten, dropout  # noqa: E402  (registered below, in button order)
from . import batchnorm, residual, concat, globalpool, depthwise  # noqa: E402
from .conv import ConvSpec
from .pool import PoolSpec
from .dense import DenseSpec
from .flatten import FlattenSpec
from .dropout import DropoutSpec
from .batchnorm import BatchNormSpec
from .depthwise import DepthwiseSpec
from .globalpool import GlobalPoolSpec
from .residual import ResidualSpec
from .concat import ConcatSpec
from .outputs import DEFAULT_CLASSES, OutputFix, class_count_field, num_classes_of, output_kind, softmax_output_fix

# Button order; the short labels of the week-2 kinds keep the designer's button grid as narrow as it was.
for _module in (conv, pool, dense, flatten, dropout, batchnorm, residual, concat, globalpool, depthwise):
    register(_module.KIND)
del _module


def learns_filters(layer) -> bool:
    """Whether the layer's "W" is a stack of f×f filters (the learned-filters view shows them)."""
    return kind_of(layer).learns_filters


def filter_layout(layer) -> str:
    """How the layer's "W" holds its filters: "filters" (f, f, n_C_prev, n_C) or "per_channel" (f, f, n_C,
    multiplier: one f×f filter per channel)."""
    return kind_of(layer).filter_layout


def feature_map_caption(layer) -> str | None:
    """What the layer's output maps show ("convolution + relu"), or None if not worth showing."""
    return kind_of(layer).feature_map_caption(layer)


__all__ = [
    "REQUIRED", "BuildContext", "FieldInfo", "LayerKind", "LayerShape", "MemoryTerms", "PathShape", "ShapeError",
    "SpecError",
    "all_kinds", "is_registered", "kind_for", "kind_of", "register", "type_names", "unregister",
    "ConvSpec", "PoolSpec", "DenseSpec", "FlattenSpec", "DropoutSpec", "BatchNormSpec", "DepthwiseSpec",
    "GlobalPoolSpec", "ResidualSpec", "ConcatSpec",
    "class_count_field", "num_classes_of", "output_kind", "DEFAULT_CLASSES", "OutputFix", "softmax_output_fix",
    "learns_filters", "filter_layout", "feature_map_caption",
]
