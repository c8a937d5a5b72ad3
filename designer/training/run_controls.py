"""The Run box: Train / Pause / Stop, the progress bar, the status line and the copy note.

It shows a `RunState` (controller.py); it never decides one.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from .controller import RunState
from .cores import CoresSetting
from .text import ERROR_STYLE, MUTED_STYLE, OK_STYLE, WARN_STYLE, count, format_seconds, percent, sentence
from .worker import BatchProgress, TrainingResult

# One line each, so the Run box leaves the settings above it room in a 640-px-high window.
COPY_NOTE_IDLE = "Trains a copy of the design: edits apply to the next run."
COPY_NOTE_RUNNING = "Training a copy of the design: edits apply to the next run."


class RunControls(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Run", parent)
        self.setObjectName("runBox")
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip("Pause after the current batch; Resume continues where it stopped")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("End the run after the current batch; the weights so far are kept "
                                    "(Save weights works)")
        for button in (self.train_button, self.pause_button, self.stop_button):
            button.setMinimumWidth(70)
            buttons.addWidget(button)
        self.cores = CoresSetting()
        buttons.addStretch(1)
        buttons.addWidget(self.cores)
        layout.addLayout(buttons)
        layout.addWidget(self.cores.note)
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        self.progress.setTextVisible(True)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.progress)
        self.status_label = QLabel()
        self.status_label.setObjectName("trainingStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)
        self.status_label.setVisible(False)
        self.copy_note = QLabel(COPY_NOTE_IDLE)
        self.copy_note.setObjectName("copyNoteLabel")
        self.copy_note.setWordWrap(True)
        font = self.copy_note.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.copy_note.setFont(font)
        self.copy_note.setStyleSheet(MUTED_STYLE)
        layout.addWidget(self.copy_note)
        self._last_batch: BatchProgress | None = None

    # ----- state ----------------------------------------------------------------------------------
    def show_state(self, state: RunState, kind: str, can_train: bool, design_edited: bool) -> None:
        training = state.active and kind == "train"
        requests_allowed = training and state is not RunState.STOPPING
        self.train_button.setEnabled(not state.active and can_train)
        self.pause_button.setEnabled(requests_allowed)
        self.stop_button.setEnabled(requests_allowed)
        self.pause_button.setText("Resume" if state in (RunState.PAUSING, RunState.PAUSED) else "Pause")
        if training:
            text = COPY_NOTE_RUNNING + (" The design has changed since Start." if design_edited else "")
            self.copy_note.setText(text)
            self.copy_note.setStyleSheet(WARN_STYLE if design_edited else "")
        else:
            self.copy_note.setText(COPY_NOTE_IDLE)
            self.copy_note.setStyleSheet(MUTED_STYLE)

    def set_status(self, text: str, style: str = "", details: str = "") -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))   # an empty line would only push the Result box down
        self.status_label.setStyleSheet(style)
        self.status_label.setToolTip(details)

    # ----- progress -------------------------------------------------------------------------------
    def show_starting(self, epochs: int) -> None:
        self._last_batch = None
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(f"Epoch 1 / {epochs} · starting…")

    def show_busy(self) -> None:
        self.progress.setRange(0, 0)

    def show_batch(self, progress: BatchProgress) -> None:
        self._last_batch = progress
        total = max(progress.total_iterations, 1)
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        self.progress.setValue(progress.iteration)
        remaining = progress.total_iterations - progress.iteration
        eta = progress.active_seconds / progress.iteration * remaining if progress.iteration else float("nan")
        # The first fraction of a second gives no usable rate.
        eta_text = format_seconds(eta) if progress.active_seconds > 0.3 or remaining == 0 else "…"
        self.progress.setFormat(f"Epoch {progress.epoch} / {progress.epochs} · %p% · ETA {eta_text}")

    def show_parked(self, iteration: int) -> None:
        """The status line and the progress bar say the same place: epoch e / E, iteration i / n."""
        where = self._place(iteration)
        self.set_status(f"Paused at {where}. Resume continues; Stop ends the run.", WARN_STYLE)
        if self._last_batch is not None:
            self.progress.setValue(iteration)
        self.progress.setFormat(f"{where[0].upper()}{where[1:]} · paused")

    def _place(self, iteration: int) -> str:
        """"epoch 2 / 5, iteration 30 / 115" for a run's iteration (after the last batch shown)."""
        last = self._last_batch
        if last is None or last.batches_per_epoch <= 0:
            return f"iteration {iteration}"
        epoch = min(max(1, -(-iteration // last.batches_per_epoch)), last.epochs)
        return f"epoch {epoch} / {last.epochs}, iteration {iteration} / {last.total_iterations}"

    def show_end(self, result: TrainingResult, kind: str, evaluated: str = "", warning: str = "") -> None:
        """The progress bar and status line for a finished run; `evaluated`: what was evaluated on what;
        `warning` (outcome.run_warning): the run ended but didn't learn, said instead of a green "finished"."""
        status = result.status
        if kind == "evaluate":
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if status == "evaluated" else 0)
            if status == "evaluated":
                self.progress.setFormat("Evaluated")
                self.set_status(f"Evaluated {evaluated}.", OK_STYLE)
            else:
                self.progress.setFormat("Evaluation failed")
                self.set_status(f"Evaluation failed: {result.message}", ERROR_STYLE, result.details)
            return
        if self.progress.maximum() == 0:  # ended before the first batch
            self.progress.setRange(0, 1)
        epochs = result.history.epochs_completed
        if status == "completed":
            self.progress.setValue(self.progress.maximum())
            self.progress.setFormat(f"Done: {count(epochs, 'epoch')} · %p% · {format_seconds(result.seconds)}"
                                    + (" · didn't learn" if warning else ""))
            ended = f"Run {result.run_id} finished: {count(epochs, 'epoch')} in {format_seconds(result.seconds)}."
            self.set_status(f"⚠ {ended} {warning}" if warning else ended, WARN_STYLE if warning else OK_STYLE)
        elif status == "stopped":
            self.progress.setFormat(f"Stopped after {count(epochs, 'full epoch')} · %p%")
            self.set_status(f"Run {result.run_id} stopped ({result.message}); the weights so far are kept."
                            + (f" {warning}" if warning else ""), WARN_STYLE)
        elif status == "diverged":
            # The engine's message already says "training diverged"; say it once.
            self.progress.setFormat("Diverged · %p%")
            self.set_status(sentence(result.message), ERROR_STYLE)
        else:
            self.progress.setFormat("Failed")
            self.set_status(f"Training failed: {result.message}", ERROR_STYLE, result.details)

    def show_epoch_status(self, run_id: int, epoch: int, epochs: int, val_accuracy: float) -> None:
        self.set_status(f"Run {run_id}: epoch {epoch} / {epochs} done, validation accuracy {percent(val_accuracy)}")
