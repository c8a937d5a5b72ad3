"""The weights the Train tab holds — the last trained network, an epoch's snapshot, or loaded ones — shown
in the Weights box, with Save weights and Load weights.

Loaded weights of another design either replace the design in the document (one undoable step) or are
only evaluated; the tab evaluates them on the dataset when they fit (`loaded`).

A weights file is read in a thread (`read_off_the_gui_thread`) while the window keeps handling events, and
engine.weights_file checks what it declares before reading it: a big or hostile file (a zip bomb) never
freezes the window.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from engine.network import Network
from engine.spec import SpecError

from ..document import DesignDocument
from . import files
from .controller import RunController
from .design_check import same_design
from .text import ERROR_STYLE, OK_STYLE, WARN_STYLE
from .weights_box import WeightsBox


class WeightsFiles(QObject):
    """The Network in `network` (None before any), shown in `box`, whose Save and Load buttons act
    through this; nothing is loaded while `controller` has a run going.

    Signals:
        loaded(object, str)   a Network was loaded from the file named (the tab shows and evaluates it)
        status(str, str)      a line for the Run box's status, and its style
        logged(str)           a line for the training log
    """

    loaded = Signal(object, str)
    status = Signal(str, str)
    logged = Signal(str)

    def __init__(self, document: DesignDocument, box: WeightsBox, controller: RunController,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self._document, self._box, self._controller = document, box, controller
        self._network: Optional[Network] = None
        self._source = ""
        self._reading = False
        box.save_button.clicked.connect(self.save_weights_dialog)
        box.load_button.clicked.connect(self.load_weights_dialog)

    @property
    def network(self) -> Optional[Network]:
        """The last trained (or epoch snapshot, or loaded) Network, or None. Don't change its weights."""
        return self._network

    @property
    def source(self) -> str:
        """Where the network came from: "after epoch 3 of run 1", "loaded from run.npz", ..."""
        return self._source

    def set_network(self, network: Optional[Network], source: str) -> None:
        self._network = network
        self._source = source
        self._box.show_network(network, source)

    def save_weights(self, path) -> bool:
        """Write the current network (weights + its design) to an .npz file (atomically)."""
        if self._network is None:
            self.status.emit("No weights to save yet: train or load first.", WARN_STYLE)
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        try:
            self._network.save(path)
        except OSError as exc:
            self.status.emit(f"Could not save the weights: {exc}", ERROR_STYLE)
            return False
        self.status.emit(f"Saved the weights ({self._source}) to {path.name}.", OK_STYLE)
        self.logged.emit(f"saved weights to {path}")
        return True

    def save_weights_dialog(self) -> bool:
        if self._network is None:
            return False
        path = files.ask_weights_save_path(self._box, self._network.spec.name)
        return self.save_weights(path) if path else False

    def load_weights(self, path, replace_design: Optional[bool] = None) -> bool:
        """Load weights saved by Save weights (or `main.py train --save`).

        When their design differs from the current one: replace_design True replaces the design in
        the document (one undoable step, via document.replace_spec); False keeps the design and only
        evaluates the loaded network; None asks. Returns False if the file can't be used, a run is going
        on, or the user cancels; a damaged file shows the engine's message. `loaded` follows on success.
        """
        if self._controller.is_active or self._reading:
            return False
        self._reading = True
        self._box.setEnabled(False)
        self.status.emit(f"Reading the weights in {Path(path).name}…", OK_STYLE)
        try:
            network = read_off_the_gui_thread(path)
        except (SpecError, OSError) as exc:
            self.status.emit(f"Could not load the weights: {exc}", ERROR_STYLE)
            self.logged.emit(f"weights not loaded: {exc}")
            return False
        finally:
            self._reading = False
            self._box.setEnabled(True)
        if self._controller.is_active:       # a run was started while the file was read
            self.status.emit("The weights were not loaded: a run started meanwhile.", WARN_STYLE)
            return False
        path = Path(path)
        replaced = False
        if not same_design(network.spec, self._document.spec):
            if replace_design is None:
                replace_design = self.ask_replace_design(network)
                if replace_design is None:
                    return False
            if replace_design:
                self._document.replace_spec(network.spec, f"Use design from {path.name}")
                replaced = True
        self.set_network(network, f"loaded from {path.name}")
        matches = same_design(network.spec, self._document.spec)
        self._box.continue_check.setChecked(matches)
        if replaced:
            self.logged.emit(f"loaded weights from {path} and replaced the design with theirs (undo restores it)")
        elif matches:
            self.logged.emit(f"loaded weights from {path}")
        else:
            self.logged.emit(f"loaded weights from {path} (their design differs from the current one: "
                             "evaluate only)")
        self.loaded.emit(network, path.name)
        return True

    def use_imported(self, network: Network, file_name: str) -> bool:
        """Hold the weights of a model just opened as the design (File › Open of an .onnx file): shown,
        continued from by the next run, and evaluated like loaded weights (`loaded` follows). False while a
        run is going on (the run's network stays)."""
        if self._controller.is_active:
            return False
        self.set_network(network, f"imported from {file_name}")
        self._box.continue_check.setChecked(same_design(network.spec, self._document.spec))
        self.logged.emit(f"imported weights from {file_name}")
        self.loaded.emit(network, file_name)
        return True

    def ask_replace_design(self, network: Network) -> Optional[bool]:
        """True: replace the design; False: keep it and only evaluate; None: cancel (tests replace this)."""
        return files.ask_replace_design(self._box, network)

    def load_weights_dialog(self) -> bool:
        path = files.ask_weights_open_path(self._box)
        return self.load_weights(path) if path else False


#: How often the GUI thread looks whether the weights thread is done (milliseconds).
POLL_MS = 20


def read_off_the_gui_thread(path) -> Network:
    """Network.load(path) in a thread while the GUI thread goes on handling events (a local event loop),
    so the window stays responsive whatever the file; raises what Network.load raised."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["network"] = Network.load(path)
        except BaseException as exc:  # noqa: BLE001 - raised again on the GUI thread, where the caller is
            outcome["error"] = exc

    thread = threading.Thread(target=work, name="weightsReader", daemon=True)
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(lambda: None if thread.is_alive() else loop.quit())
    thread.start()
    timer.start()
    if thread.is_alive():
        loop.exec()
    timer.stop()
    thread.join()          # also when the loop ended early (the application quitting): the read is bounded
    if "error" in outcome:
        raise outcome["error"]
    return outcome["network"]
