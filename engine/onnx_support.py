"""The optional `onnx` package: one place that imports it and says how to install it when it is missing, and
the metadata keys this app writes into the ONNX files it exports (and reads back on import)."""
from __future__ import annotations

from .kinds.checks import SpecError

INSTALL_HINT = 'pip install "cnn-designer[onnx]"'
DESIGN_KEY = "cnn_designer.design"       # the design's "cnn-designer/1" JSON
VERSION_KEY = "cnn_designer.version"     # the app version that wrote the file
PRODUCER = "CNN Designer"


class OnnxMissingError(SpecError):
    """The onnx package is not installed; the message says what needed it and how to install it."""


def require_onnx(purpose: str):
    """The `onnx` module, or OnnxMissingError: "<purpose> needs the onnx package: pip install ..."."""
    try:
        import onnx
        import onnx.helper  # noqa: F401  (submodules used by the exporter and the importer)
        import onnx.numpy_helper  # noqa: F401
    except ImportError:
        raise OnnxMissingError(f"{purpose} needs the onnx package, which is not installed: {INSTALL_HINT}") from None
    return onnx
