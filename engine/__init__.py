"""CNN Designer's engine: specs, the course table, NumPy kernels, training, data and exports.

NumPy, the standard library and Pillow only: never Qt, pyqtgraph or designer/.

The public API (a contract that outside scripts rely on; the README lists it and docs/architecture.md
describes the rooms behind it):

    from engine import (NetworkSpec, SpecError, load_spec, save_spec, summarize,
                        Network, SGD, Adam, Trainer, load_dataset)
"""
from .spec import FORMAT, NetworkSpec, InputSpec, SpecError, load_spec, save_spec
from .kinds import (ConvSpec, PoolSpec, DenseSpec, FlattenSpec, DropoutSpec, BatchNormSpec, DepthwiseSpec,
                    GlobalPoolSpec, ResidualSpec, ConcatSpec)
from .shapes import Summary, SummaryRow, summarize, conv_output_size, format_shape
from .data import Dataset, DatasetError, load_dataset
from .network import Network
from .optim import SGD, Adam
from .train import Trainer, History

__all__ = [
    "FORMAT", "NetworkSpec", "InputSpec", "ConvSpec", "PoolSpec", "DenseSpec", "FlattenSpec", "DropoutSpec",
    "BatchNormSpec", "DepthwiseSpec", "GlobalPoolSpec", "ResidualSpec", "ConcatSpec",
    "SpecError", "load_spec", "save_spec", "Summary", "SummaryRow", "summarize", "conv_output_size",
    "format_shape", "Dataset", "DatasetError", "load_dataset", "Network", "SGD", "Adam", "Trainer", "History",
]
