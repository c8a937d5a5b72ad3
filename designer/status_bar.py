"""The status bar's design totals: "Parameters: 62,958" and "Activations per example: 13,126 (51 kB)",
updated after each edit. The numbers are the course table's (engine.summarize) and the bytes the
engine's (engine.memory.activation_bytes); this only writes them."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from engine.memory import activation_bytes
from engine.sysmem import format_bytes

from .document import DesignDocument


class DesignTotals(QObject):
    """Two labels for a status bar: `params_label` (``totalParamsLabel``) and `memory_label`
    (``activationMemoryLabel``)."""

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self._document = document
        self.params_label = QLabel()
        self.params_label.setObjectName("totalParamsLabel")
        self.params_label.setToolTip("Weights and biases the network learns, all layers together.")
        self.memory_label = QLabel()
        self.memory_label.setObjectName("activationMemoryLabel")
        self.memory_label.setToolTip("Values held by all activations for one example, input included, "
                                     "and their size as float32 (4 bytes each). Training keeps them for "
                                     "every example of a batch.")
        document.changed.connect(self.update)
        self.update()

    @property
    def labels(self) -> tuple[QLabel, QLabel]:
        return self.params_label, self.memory_label

    def update(self) -> None:
        summary = self._document.summary
        broken = summary.error_row
        upto = f" (above {broken.name})" if broken is not None else ""
        self.params_label.setText(f"Parameters: <b>{summary.total_params:,}</b>{upto}")
        # Short, so the status bar still has room for the training estimate at 1024 px; the units are the
        # estimate's (engine.sysmem.format_bytes), so the two numbers side by side read alike.
        self.memory_label.setText(f"Activations per example: <b>{summary.total_activation_size:,}</b> "
                                  f"({format_bytes(activation_bytes(summary))})")

    def set_hidden(self, hidden: bool) -> None:
        """Out of sight while the learner checks their own answers (View › Check yourself)."""
        for label in self.labels:
            label.setVisible(not hidden)
