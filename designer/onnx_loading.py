"""Reading an ONNX model in a thread, so that the window never waits on a 100 MB file.

`OnnxLoader` reads with `engine.onnx_import.import_onnx` on a thread (background_read.BackgroundRead):

    loader = OnnxLoader(parent)
    loader.progress.connect(...)     # (fraction 0..1, message), GUI thread
    loader.finished.connect(...)     # (path, ImportedModel or None, error message ""), exactly once per load
    loader.load(path)                # False while another load is going on

There is no cancel: a load runs to its end. `wait()` joins the thread (the window's shutdown calls it), so
no thread is left running when the window goes.
"""
from __future__ import annotations

from engine.onnx_import import import_onnx
from engine.spec import SpecError

from .background_read import BackgroundRead


class OnnxLoader(BackgroundRead):
    """One ONNX read at a time, in a thread (see the module docstring)."""

    WHAT = "model"
    ONE_LINE_ERRORS = (SpecError,)         # every refusal (and the missing onnx package) is one line
    THREAD_NAME = "onnxLoader"

    def load(self, path) -> bool:
        """Start reading the model at `path`; False when a read is already going on."""
        path = str(path)
        return self.start(path, lambda progress: import_onnx(path, progress=progress))
