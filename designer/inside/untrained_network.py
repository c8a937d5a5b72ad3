"""Inside before training: until a network has been trained (or loaded), the inside views show the open
design built with its initial weights, marked "untrained (initial weights)", so a learner can compare
the same views before and after training."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer

from engine.memory import MemoryGuardError
from engine.network import Network
from engine.spec import SpecError

MAX_PARAMS = 20_000_000   # beyond this, building a throw-away network on every edit costs too much memory
DELAY_MS = 250            # a burst of edits (typing a number) builds one network, not one per keystroke


class UntrainedNetworkFeed(QObject):
    """Feeds `inside.set_network(Network.from_spec(design, seed=0), untrained=True)` after each edit of
    `document` until `stop()`: the window stops it when the Train tab has a network of its own."""

    def __init__(self, document, inside, parent=None):
        super().__init__(parent)
        self._document, self._inside = document, inside
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.update_now)
        document.changed.connect(self._timer.start)
        self.network = None

    def stop(self, *args) -> None:
        """A trained (or loaded) network is shown from now on: no more untrained ones."""
        self._stopped = True
        self._timer.stop()
        self.network = None

    def update_now(self) -> None:
        self._timer.stop()
        if self._stopped:
            return
        summary = self._document.summary
        self.network = None
        too_big = ""
        if summary.ok and summary.total_params <= MAX_PARAMS:
            try:
                # from_spec checks the weights' memory first (engine.memory) and refuses before allocating.
                self.network = Network.from_spec(self._document.spec.copy(), seed=0, dtype=np.float32)
            except MemoryGuardError as exc:
                too_big = str(exc)
            except SpecError:  # e.g. no softmax/sigmoid output yet: nothing a network can be built from
                self.network = None
        self._inside.set_network(self.network, untrained=self.network is not None)
        if too_big:
            self._inside.set_network_problem(too_big)
