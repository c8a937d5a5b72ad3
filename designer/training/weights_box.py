"""The Weights box: which weights the tab holds, Save / Load / Evaluate, and Continue from them."""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from engine.network import Network

from .text import MUTED_STYLE


class WeightsBox(QGroupBox):
    """Buttons and labels only; the panel does the file work (`save_button`, `load_button`,
    `evaluate_button` clicked)."""

    def __init__(self, parent=None):
        super().__init__("Weights", parent)
        self.setObjectName("weightsBox")
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        self.network_label = QLabel("No trained weights yet")
        self.network_label.setObjectName("networkLabel")
        self.network_label.setWordWrap(True)
        self.network_label.setStyleSheet(MUTED_STYLE)
        layout.addWidget(self.network_label)
        files = QHBoxLayout()
        self.save_button = QPushButton("Save weights…")
        self.save_button.setObjectName("saveWeightsButton")
        self.save_button.setToolTip("Save the trained weights with their design in one .npz file")
        self.load_button = QPushButton("Load weights…")
        self.load_button.setObjectName("loadWeightsButton")
        self.load_button.setToolTip("Load weights saved here or by `main.py train --save`, to evaluate "
                                    "them on the dataset or to continue training")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setToolTip("Measure the current weights on the dataset's test images")
        for button in (self.save_button, self.load_button, self.evaluate_button):
            files.addWidget(button)
        layout.addLayout(files)
        self.continue_check = QCheckBox("Continue from current weights")
        self.continue_check.setObjectName("continueCheck")
        self.continue_check.setToolTip("Start from the last trained or loaded weights instead of fresh random "
                                       "ones (only when they belong to the current design)")
        layout.addWidget(self.continue_check)

    def show_network(self, network: Optional[Network], source: str) -> None:
        if network is None:
            self.network_label.setText("No trained weights yet")
            return
        name = network.spec.name or "design"
        self.network_label.setText(f"Weights: {name}, {network.num_params:,} parameters — {source}")

    def show_state(self, running: bool, has_network: bool, can_evaluate: bool, matches_design: bool) -> None:
        self.save_button.setEnabled(has_network)
        self.load_button.setEnabled(not running)
        self.evaluate_button.setEnabled(not running and can_evaluate)
        self.continue_check.setEnabled(matches_design)
        if not matches_design:
            self.continue_check.setChecked(False)

    @property
    def continue_requested(self) -> bool:
        return self.continue_check.isChecked() and self.continue_check.isEnabled()
