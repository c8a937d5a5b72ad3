"""The Run box's core count: how many cores the engine trains on, remembered between sessions, and the
engine's word when it had to train in one process.

The count is the engine's own (engine.runtime.set_num_threads, the window's CNN_DESIGNER_THREADS): a
training run splits a big enough batch into that many parts, run side by side in worker processes
(engine.parallel). It applies to the next run; results are the same whatever the count.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QWidget

from engine import runtime
from engine.parallel import fallback_reason

from ..settings import app_settings
from .text import WARN_STYLE, sentence

KEY_CORES = "engine/cores"


def restore_core_count() -> None:
    """The count the user chose last time, unless CNN_DESIGNER_THREADS sets one for this session."""
    if os.environ.get(runtime.THREADS_ENV, "").strip():
        return
    try:
        saved = int(app_settings().value(KEY_CORES) or 0)
    except (TypeError, ValueError):
        return
    if saved >= 1:
        runtime.set_num_threads(saved)


class CoresSetting(QWidget):
    """"Cores [n]": the spin box (``coresSpin``) and, when the engine could not use its worker processes,
    a note saying why (``coresNote``, in the Run box under the buttons: `note`)."""

    changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        restore_core_count()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        label = QLabel("Cores")
        self.spin = QSpinBox()
        self.spin.setObjectName("coresSpin")
        count = runtime.get_num_threads()
        self.spin.setRange(1, max(runtime.physical_cores(), count))
        self.spin.setValue(count)
        label.setBuddy(self.spin)
        tip = ("Cores the engine trains on: a big enough batch is split into parts that run side by side "
               "in worker processes. The results are the same whatever the count; it applies to the next "
               f"run. Default: all physical cores ({runtime.physical_cores()} here), or CNN_DESIGNER_THREADS.")
        for widget in (label, self.spin):
            widget.setToolTip(tip)
            row.addWidget(widget)
        self.note = QLabel()
        self.note.setObjectName("coresNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(WARN_STYLE)
        self.note.setVisible(False)
        self.spin.valueChanged.connect(self._apply)

    def _apply(self, count: int) -> None:
        runtime.set_num_threads(count)
        app_settings().setValue(KEY_CORES, count)
        self.changed.emit(count)

    def refresh(self) -> None:
        """Show why the engine trained in one process, if it had to (engine.parallel.fallback_reason)."""
        reason = fallback_reason()
        self.note.setText(sentence(reason) if reason else "")
        self.note.setToolTip(reason or "")
        self.note.setVisible(bool(reason))
