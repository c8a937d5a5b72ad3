"""Save weights, Load weights, and which network the Train tab holds: a part of TrainingPanel.

A mixin so the panel file stays about composing the boxes and running; it uses the panel's
`document`, `controller`, boxes and `evaluate()`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from engine.data import DatasetError
from engine.network import Network
from engine.spec import SpecError
from engine.train import check_dataset_fits

from . import files
from .design_check import same_design
from .text import ERROR_STYLE, OK_STYLE, WARN_STYLE, sentence


class WeightsFiles:
    """TrainingPanel's weights: `network`, save_weights / load_weights and their dialogs."""

    def _set_network(self, network: Optional[Network], source: str) -> None:
        self._network = network
        self._network_source = source
        self.weights_box.show_network(network, source)

    def save_weights(self, path) -> bool:
        """Write the current network (weights + its design) to an .npz file (atomically)."""
        if self._network is None:
            self.run_controls.set_status("No weights to save yet: train or load first.", WARN_STYLE)
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        try:
            self._network.save(path)
        except OSError as exc:
            self.run_controls.set_status(f"Could not save the weights: {exc}", ERROR_STYLE)
            return False
        self.run_controls.set_status(f"Saved the weights ({self._network_source}) to {path.name}.", OK_STYLE)
        self.log_view.log(f"saved weights to {path}")
        return True

    def save_weights_dialog(self) -> bool:
        if self._network is None:
            return False
        path = files.ask_weights_save_path(self, self._network.spec.name)
        return self.save_weights(path) if path else False

    def load_weights(self, path, replace_design: Optional[bool] = None) -> bool:
        """Load weights saved by Save weights (or `main.py train --save`).

        When their design differs from the current one: replace_design True replaces the design in
        the document (one undoable step, via document.replace_spec); False keeps the design and only
        evaluates the loaded network; None asks. Then the network is evaluated on the dataset when it
        fits (evaluation_finished follows). Returns False if the file can't be used or the user cancels;
        a damaged file shows the engine's message.
        """
        if self.controller.is_active:
            return False
        try:
            network = Network.load(path)
        except (SpecError, OSError) as exc:
            self.run_controls.set_status(f"Could not load the weights: {exc}", ERROR_STYLE)
            self.log_view.log(f"weights not loaded: {exc}")
            return False
        path = Path(path)
        replaced = False
        if not same_design(network.spec, self.document.spec):
            can_replace = hasattr(self.document, "replace_spec")
            if replace_design is None:
                replace_design = self._ask_replace_design(network, can_replace)
                if replace_design is None:
                    return False
            if replace_design and can_replace:
                self.document.replace_spec(network.spec, f"Use design from {path.name}")
                replaced = True
        self._set_network(network, f"loaded from {path.name}")
        matches = same_design(network.spec, self.document.spec)
        self.continue_check.setChecked(matches)
        if replaced:
            self.log_view.log(f"loaded weights from {path} and replaced the design with theirs (undo restores it)")
        elif matches:
            self.log_view.log(f"loaded weights from {path}")
        else:
            self.log_view.log(f"loaded weights from {path} (their design differs from the current one: "
                              "evaluate only)")
        self._refresh()
        self.network_updated.emit(network)
        self.result_box.clear()
        if not self.evaluate() and self._dataset is not None:
            try:
                check_dataset_fits(network, self._dataset)
            except (DatasetError, SpecError) as exc:
                self.run_controls.set_status(f"Loaded {path.name}; it doesn't fit the chosen dataset: "
                                             f"{sentence(str(exc))}", WARN_STYLE)
        return True

    def _ask_replace_design(self, network: Network, can_replace: bool) -> Optional[bool]:
        """True: replace the design; False: keep it and only evaluate; None: cancel."""
        return files.ask_replace_design(self, network, can_replace)

    def load_weights_dialog(self) -> bool:
        path = files.ask_weights_open_path(self)
        return self.load_weights(path) if path else False
