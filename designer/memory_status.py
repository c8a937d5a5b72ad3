"""The status bar's training-memory estimate: what training the open design needs at the Train tab's batch
size and optimizer (engine.memory.estimate_memory), next to what the machine has (engine.sysmem), shown in
red when it would not fit. Updated with the layer table, and when the Train tab's settings change.
"""
from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel

from engine.memory import OPTIMIZER_NAMES, estimate_memory
from engine.sysmem import MemoryLimitError, available_memory, format_bytes
from engine.train import TrainSettings

from .document import DesignDocument

LABEL_NAME = "memoryEstimateLabel"


def estimate_text(estimate, available: int | None) -> tuple[str, bool]:
    """("Design needs about 1.2 MB to train with Adam at batch 64; 15 GB available", fits) for a
    MemoryEstimate; `available` None (unknown) always fits."""
    text = f"Design {estimate.describe()}"
    if available is None:
        return text, True
    return f"{text}; {format_bytes(available)} available", estimate.total <= available


def short_estimate_text(estimate, available: int | None) -> str:
    """"Training: 12 MB of 25 GB (Adam, batch 64)": the status bar's label. The whole sentence of
    estimate_text is its tooltip's first line; the short form leaves the status bar room for messages
    ("Loaded LeNet-5 (course)" was cut to "Loaded LeNe" at 1024 px wide)."""
    of = "" if available is None else f" of {format_bytes(available)}"
    return (f"Training: {format_bytes(estimate.total)}{of} "
            f"({OPTIMIZER_NAMES[estimate.optimizer]}, batch {estimate.batch_size:,})")


class MemoryStatus:
    """Owns the status bar label `memoryEstimateLabel` (`label`) and keeps it current for `document` and
    the training settings last given to `set_settings` (TrainSettings() until then)."""

    def __init__(self, document: DesignDocument):
        self._document = document
        self._settings = TrainSettings()
        self.label = QLabel()
        self.label.setObjectName(LABEL_NAME)
        document.changed.connect(self.update)
        self.fits = True
        self.update()

    def set_settings(self, settings: TrainSettings) -> None:
        """The Train tab's settings changed: its batch size, optimizer and early stopping (one more copy of
        the weights) are what the estimate counts."""
        self._settings = settings
        self.update()

    def update(self, *args) -> None:
        summary = self._document.summary
        if len(summary.rows) < 2:       # only the input: nothing to train yet, so no estimate to show
            self.fits = True
            self.label.setText("")
            self.label.setToolTip("")
            return
        batch, optimizer = self._settings.batch_size, self._settings.optimizer
        try:
            available, limit_problem = available_memory(), ""
        except MemoryLimitError as exc:
            available, limit_problem = None, str(exc)
        estimate = estimate_memory(summary, "train", batch, optimizer,
                                   early_stopping=bool(self._settings.early_stopping))
        sentence, self.fits = estimate_text(estimate, available)
        text = short_estimate_text(estimate, available)
        parts = "".join(f"<br>{html.escape(name)}: {format_bytes(size)}"
                        for name, size in estimate.parts().items() if size)
        tip = (f"{html.escape(sentence)}.<br>Memory a training run of this design needs (float32), by part:"
               + parts
               + ("" if self.fits else f"<br><b>Too much: {html.escape(estimate.advice)}.</b>")
               + (f"<br>{html.escape(limit_problem)}" if limit_problem else ""))
        shown = html.escape(text) if self.fits else f"⚠ {html.escape(text)}"
        if self.label.text() != shown:   # a new text lays the status bar out again
            self.label.setText(shown)
        self.label.setToolTip(tip)
        style = "" if self.fits else "QLabel { color: #b71c1c; font-weight: bold; }"
        if self.label.styleSheet() != style:
            self.label.setStyleSheet(style)

    def text(self) -> str:
        return self.label.text()

