"""File › Export: the design as Table as Markdown / CSV / LaTeX, PyTorch code and an ONNX model.

The files come from the engine's exporters (engine.export.table, engine.export.pytorch and
engine.export.onnx_graph, the same functions as `main.py summary --format` and `main.py export`); this
module only asks where to write, writes atomically and reports. The ONNX model holds the Train tab's
current weights when they belong to this design (trained, loaded or imported), else fresh ones.
(Edit › Copy of the table is the Design tab's: design/tab.py.)
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from engine.export.pytorch import pytorch_source
from engine.export.table import to_csv, to_latex, to_markdown
from engine.fileio import atomic_write
from engine.network import Network
from engine.spec import SpecError, write_text_atomic

from ..settings import last_directory


class Export:
    """One File › Export entry: what it writes and how the save dialog offers it."""

    def __init__(self, key: str, text: str, what: str, suffix: str, file_filter: str, make: Callable):
        self.key, self.text, self.what, self.suffix, self.file_filter = key, text, what, suffix, file_filter
        self.make = make   # document → the file's text; SpecError when the design can't be exported


EXPORTS = (
    Export("exportMarkdown", "Table as &Markdown…", "Markdown table", ".md", "Markdown (*.md)",
           lambda doc: to_markdown(doc.summary, doc.spec.name)),
    Export("exportCsv", "Table as &CSV…", "CSV table", ".csv", "CSV (*.csv)",
           lambda doc: to_csv(doc.summary, doc.spec.name)),
    Export("exportLatex", "Table as &LaTeX…", "LaTeX table", ".tex", "LaTeX (*.tex)",
           lambda doc: to_latex(doc.summary, doc.spec.name)),
    Export("exportPytorch", "&PyTorch code…", "PyTorch code", ".py", "Python (*.py)",
           lambda doc: pytorch_source(doc.spec)),
)


class DesignExporter(QObject):
    """The File › Export menu (`menu`, objectName ``exportMenu``) and its actions (`actions`, by key) for
    `document`. `files` (a DesignFiles) suggests the name; `dialogs` (a WindowDialogs)
    shows what went wrong.

    Signal statusMessage(str, int): "Exported the … to …", for the window's status bar.
    `set_network(network)` gives it the Train tab's latest network (for the ONNX model's weights).
    """

    statusMessage = Signal(str, int)

    def __init__(self, document, files, dialogs, parent: QWidget):
        super().__init__(parent)
        self._document, self._files, self._dialogs = document, files, dialogs
        self._network: Network | None = None
        self.actions: dict[str, QAction] = {}
        self.menu = QMenu("&Export", parent)
        self.menu.setObjectName("exportMenu")
        for export in EXPORTS:
            action = QAction(export.text, parent)
            action.setObjectName(f"{export.key}Action")
            action.setStatusTip(f"Write the design as a {export.what} file")
            action.triggered.connect(lambda checked=False, e=export: self.export(e))
            self.menu.addAction(action)
            self.actions[export.key] = action
        action = QAction("&ONNX model…", parent)
        action.setObjectName("exportOnnxAction")
        action.setStatusTip("Write the design and its current weights as an ONNX model (onnxruntime, TensorRT, "
                            "OpenVINO, browsers, phones)")
        action.triggered.connect(self.export_onnx)
        self.menu.addAction(action)
        self.actions["exportOnnx"] = action

    def set_network(self, network: Network | None) -> None:
        """The Train tab's latest network (trained, loaded or imported); its weights go into the ONNX model
        while its design is the open one."""
        self._network = network

    def onnx_weights(self) -> tuple[Network, str]:
        """(the network whose weights the ONNX model holds, where they come from). Fresh weights (seed 0)
        unless the Train tab's network has this very design (its name aside)."""
        spec, network = self._document.spec, self._network
        if network is not None and _layers_of(network.spec) == _layers_of(spec):
            return network, "the current weights"
        return Network.from_spec(spec, seed=0), "freshly initialised weights (train first to export trained ones)"

    def export_onnx(self) -> bool:
        """Ask for a file, then write the design and its weights there as an ONNX model (atomically)."""
        from engine.export.onnx_graph import onnx_model
        what = "ONNX model"
        try:   # before the dialog: a design that can't be exported (or no onnx package) says so now
            network, weights = self.onnx_weights()
            data = onnx_model(self._document.spec, network.params, network.state).SerializeToString()
        except SpecError as exc:
            self._dialogs.show_error(f"Cannot export the {what}", str(exc))
            return False
        suggested = str(Path(last_directory()) / f"{self._files.suggested_name()}.onnx")
        path = self.ask_path(f"Export {what}", suggested, "ONNX model (*.onnx)")
        if not path:
            return False
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".onnx")
        try:
            atomic_write(path, lambda handle: handle.write(data), binary=True)
        except OSError as exc:
            self._dialogs.show_error(f"Cannot export the {what}", f"{path}: {exc.strerror or exc}")
            return False
        self.statusMessage.emit(f"Exported the {what} with {weights} to {path}", 6000)
        return True

    def ask_path(self, caption: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent(), caption, suggested, file_filter)
        return path or None

    def export(self, export: Export) -> bool:
        """Ask for a file, then write `export`'s text there atomically. False if cancelled or failed."""
        try:
            text = export.make(self._document)   # before the dialog: a design that can't be exported says so now
        except SpecError as exc:
            self._dialogs.show_error(f"Cannot export {export.what}", str(exc))
            return False
        suggested = str(Path(last_directory()) / f"{self._files.suggested_name()}{export.suffix}")
        path = self.ask_path(f"Export {export.what}", suggested, export.file_filter)
        if not path:
            return False
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(export.suffix)
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            self._dialogs.show_error(f"Cannot export {export.what}", f"{path}: {exc.strerror or exc}")
            return False
        self.statusMessage.emit(f"Exported the {export.what} to {path}", 6000)
        return True


def _layers_of(spec) -> dict:
    """A design as data without its display name (weights belong to the layers and the input)."""
    doc = spec.to_dict()
    doc.pop("name", None)
    return doc
