"""File › Export: the design as Table as Markdown / CSV / LaTeX, PyTorch code (also with the current
weights, as `main.py export --weights`), an ONNX model, and the volume diagram as SVG or PNG (at the scale
chosen beside the diagram's Export PNG button; the diagram pane's buttons come here too).

The files come from the engine's exporters (engine.export.table, engine.export.pytorch,
engine.export.onnx_graph and engine.export.diagram, the same functions as `main.py summary --format`,
`main.py export` and `main.py diagram`); this module only asks where to write (the design's name in the
last folder), writes atomically and reports. The ONNX model holds the Train tab's current weights when they
belong to this design (trained, loaded or imported), else fresh ones. (Edit › Copy of the table is the
Design tab's: design/tab.py.)
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from engine.export.pytorch import check_weights_fit, pytorch_source
from engine.export.table import to_csv, to_latex, to_markdown
from engine.fileio import atomic_write
from engine.network import Network
from engine.spec import SpecError, write_text_atomic

from ..settings import last_directory, remember_directory


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
    `document`. `files` (a DesignFiles) suggests the name; `dialogs` (a WindowDialogs) shows what went
    wrong; `diagram_pane` (the Design tab's DiagramPane) is drawn for the diagram exports, and its Export
    buttons come here. `set_network(network)` gives it the Train tab's latest network: the weights "PyTorch
    code with the current weights" embeds and the ONNX model holds.

    Signal statusMessage(str, int): "Exported the … to …", for the window's status bar.
    """

    statusMessage = Signal(str, int)

    def __init__(self, document, files, dialogs, parent: QWidget, diagram_pane=None):
        super().__init__(parent)
        self._document, self._files, self._dialogs = document, files, dialogs
        self._pane = diagram_pane
        self._network: Network | None = None
        self.actions: dict[str, QAction] = {}
        self.menu = QMenu("&Export", parent)
        self.menu.setObjectName("exportMenu")
        for export in EXPORTS:
            self._add_action(export.key, export.text, f"Write the design as a {export.what} file",
                             lambda checked=False, e=export: self.export(e))
        self._add_action("exportPytorchWeights", "PyTorch code with the current &weights…",
                         "Write the PyTorch code and, beside it, the weights the Train tab holds now; the script's "
                         "build_model() starts from them (as main.py export --weights)", self.export_pytorch_weights)
        self.actions["exportPytorchWeights"].setEnabled(False)
        self._add_action("exportOnnx", "&ONNX model…", "Write the design and its current weights as an ONNX model "
                         "(onnxruntime, TensorRT, OpenVINO, browsers, phones)", self.export_onnx)
        self.menu.addSeparator()
        self._add_action("exportDiagramSvg", "Volume diagram as S&VG…", "Write the volume diagram as an SVG drawing",
                         lambda: self.export_diagram("svg"))
        self._add_action("exportDiagramPng", "Volume diagram as PN&G…", "Write the volume diagram as a PNG picture "
                         "at the scale chosen beside the diagram (2× for projectors)", lambda: self.export_diagram("png"))
        if diagram_pane is not None:
            diagram_pane.svg_button.clicked.connect(lambda: self.export_diagram("svg"))
            diagram_pane.png_button.clicked.connect(lambda: self.export_diagram("png"))

    def _add_action(self, key: str, text: str, tip: str, slot) -> None:
        action = QAction(text, self.parent())
        action.setObjectName(f"{key}Action")
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        self.actions[key] = action

    def set_network(self, network: Network | None) -> None:
        """The Train tab's latest network (trained, loaded or imported): its weights are what the script
        embeds, and they go into the ONNX model while its design is the open one."""
        self._network = network
        self.actions["exportPytorchWeights"].setEnabled(network is not None)

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
        path = self._chosen_path(what, ".onnx", "ONNX model (*.onnx)")
        if path is None:
            return False
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

    def _chosen_path(self, what: str, suffix: str, file_filter: str) -> Path | None:
        """Where to write: asked, starting from the design's name in the last folder; the folder is kept."""
        suggested = str(Path(last_directory()) / f"{self._files.suggested_name()}{suffix}")
        path = self.ask_path(f"Export {what}", suggested, file_filter)
        if not path:
            return None
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(suffix)
        remember_directory(path.parent)
        return path

    def export(self, export: Export) -> bool:
        """Ask for a file, then write `export`'s text there atomically. False if cancelled or failed."""
        try:
            text = export.make(self._document)   # before the dialog: a design that can't be exported says so now
        except SpecError as exc:
            self._dialogs.show_error(f"Cannot export {export.what}", str(exc))
            return False
        path = self._chosen_path(export.what, export.suffix, export.file_filter)
        if path is None:
            return False
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            self._dialogs.show_error(f"Cannot export {export.what}", f"{path}: {exc.strerror or exc}")
            return False
        self.statusMessage.emit(f"Exported the {export.what} to {path}", 6000)
        return True

    def export_pytorch_weights(self) -> bool:
        """model.py and its weights beside it (<name>_weights.npz): build_model() starts from them."""
        what = "PyTorch code with the current weights"
        network, spec = self._network, self._document.spec
        try:
            if network is None:
                raise SpecError("there are no weights yet: train the design (or load weights) on the Train tab")
            check_weights_fit(spec, {**network.params, **network.state}, "the current weights")
            pytorch_source(spec)                 # a design that can't be exported says so before the dialog
        except SpecError as exc:
            self._dialogs.show_error(f"Cannot export the {what}", f"{exc}. Export PyTorch code works without "
                                     "weights.")
            return False
        path = self._chosen_path(what, ".py", "Python (*.py)")
        if path is None:
            return False
        weights = path.with_name(f"{path.stem}_weights.npz")
        try:
            network.save(weights)
            write_text_atomic(path, pytorch_source(spec, weights_path=str(weights.resolve())))
        except OSError as exc:
            self._dialogs.show_error(f"Cannot export the {what}", f"{path}: {exc.strerror or exc}")
            return False
        self.statusMessage.emit(f"Exported the PyTorch code to {path}, its weights to {weights.name}", 8000)
        return True

    def export_diagram(self, suffix: str) -> bool:
        """The volume diagram as "svg" or "png" (at the pane's scale), without the on-screen selection."""
        diagram = self._pane.diagram
        what = f"volume diagram ({suffix.upper()})"
        file_filter = "SVG image (*.svg)" if suffix == "svg" else "PNG image (*.png)"
        path = self._chosen_path(what, f".{suffix}", file_filter)
        if path is None:
            return False
        try:
            if suffix == "svg":
                diagram.export_svg(path)
            else:
                diagram.export_png(path, self._pane.png_scale())
        except (OSError, ValueError) as exc:
            self._dialogs.show_error(f"Cannot export the {what}", f"{path}: {getattr(exc, 'strerror', None) or exc}")
            return False
        scale = f" at {self._pane.png_scale()}×" if suffix == "png" else ""
        self.statusMessage.emit(f"Exported the volume diagram{scale} to {path}", 6000)
        return True


def _layers_of(spec) -> dict:
    """A design as data without its display name (weights belong to the layers and the input)."""
    doc = spec.to_dict()
    doc.pop("name", None)
    return doc
