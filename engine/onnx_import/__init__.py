"""ONNX files coming in as designs with weights: `import_onnx(path)` → ImportedModel (spec, params, state).

    reading.py     the file without trusting it: parsing, external-data references, tensors' sizes
    graph.py       the graph: who makes and uses each tensor, the image's path, constants and shape arithmetic
    structure.py   the walk from input to output: layers, and forks that join into residual / concat blocks
    ops.py         each ONNX operator → a layer (or a refusal naming the node and the feature)
    names.py       layer names from node names (PyTorch's "/layer1/layer1.0/conv1/Conv" → "layer1.0.conv1")
    weights.py     weights in the engine's layouts, read once the design is known to work
    own_files.py   files this app exported: the design in their metadata, when their graph still matches it

Refusals are OnnxImportError (a SpecError): one line naming the file, the node and the reason. The `onnx`
package is an optional extra; without it every entry point says how to install it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..memory import check_memory
from ..shapes import summarize
from ..spec import NetworkSpec, SpecError
from .reading import OnnxImportError

ONNX_SUFFIX = ".onnx"
READ_SHARE, MAP_SHARE = 0.3, 0.4   # of the progress bar: parsing the file, then mapping the graph; weights after

__all__ = ["ImportedModel", "OnnxImportError", "import_onnx", "is_onnx_path", "load_onnx_network"]


@dataclass
class ImportedModel:
    """What an ONNX file gave: the design, and (when asked for) its weights in the engine's layouts.
    from_metadata: the file was exported by CNN Designer and its stored design came back exactly."""

    spec: NetworkSpec
    params: dict | None = None
    state: dict | None = None
    from_metadata: bool = False
    notes: list = field(default_factory=list)


def is_onnx_path(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(ONNX_SUFFIX)


def _no_progress(fraction: float, message: str) -> None:
    pass


def import_onnx(path: str | os.PathLike, *, weights: bool = True,
                progress: Callable[[float, str], None] | None = None) -> ImportedModel:
    """The design (and with `weights`, the params and state) of the ONNX model at `path`.

    progress(fraction 0..1, message) is called as the work goes (from the calling thread): reading the
    file, mapping its graph, then the weights by bytes read.

    OnnxImportError (a SpecError) for a file that is not ONNX, is damaged, points outside its folder for
    external data, or holds something the designer can't express; OnnxMissingError without the onnx package;
    MemoryGuardError when the weights can't fit."""
    from .reading import read_model

    report = progress or _no_progress
    path = Path(path)
    label = path.name
    report(0.0, f"Reading {label}")
    model = read_model(path)
    report(READ_SHARE, f"Mapping the graph of {label}")
    try:
        return _import(model, path, label, weights, report)
    except RecursionError:
        raise OnnxImportError(f"{label}: its graph nests constants too deeply to read") from None
    except (TypeError, IndexError, KeyError, AttributeError, OverflowError):
        # a value of the wrong kind where the format allows only one (nodes name theirs; this is the rest)
        raise OnnxImportError(f"{label}: the model is damaged: it holds values CNN Designer can't read") from None


def _import(model, path: Path, label: str, weights: bool, report) -> ImportedModel:
    from .graph import Graph
    from .own_files import design_in_metadata, weights_from_plan
    from .structure import Walker
    from .weights import check_fit, resolve

    graph = Graph(model, path.parent, label)
    own = design_in_metadata(model, graph)
    if own is not None:
        spec, plan = own
        imported = ImportedModel(spec, from_metadata=True)
    else:
        walker = Walker(graph, label, path.stem)
        built = walker.run()
        try:
            spec = NetworkSpec.from_dict(built.to_dict())    # every field within the app's limits
        except SpecError as exc:
            raise OnnxImportError(f"{label}: {exc}") from None
        imported = ImportedModel(spec)
    summary = summarize(spec)
    if not summary.ok:
        raise OnnxImportError(f"{label}: {summary.error}")
    if weights:
        check_memory(summary, purpose="weights", what=label)
        report(MAP_SHARE, f"Reading the weights of {label}")

        def weight_progress(fraction: float) -> None:
            report(MAP_SHARE + (1 - MAP_SHARE) * fraction, f"Reading the weights of {label}")

        if own is not None:
            params, state = weights_from_plan(plan, graph, weight_progress)
        else:
            params, state = resolve(built.walk(), walker.pending, graph, label, weight_progress)
        check_fit(summary, params, state, label)
        imported.params, imported.state = params, state
    report(1.0, f"Read {label}")
    return imported


def load_onnx_network(path: str | os.PathLike):
    """An engine Network (float32) with the design and weights of the ONNX model at `path`."""
    from ..network import Network
    imported = import_onnx(path)
    return Network(imported.spec, imported.params, np.float32, state=imported.state)
