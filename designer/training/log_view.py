"""The training log: one line per epoch, a header per run, a line per result."""
from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit

from dataclasses import asdict

from engine.runs_compare import settings_text
from engine.train import EpochInfo, TrainSettings

from .text import number, percent
from .worker import TrainingResult


class TrainingLog(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("trainingLog")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setMaximumBlockCount(5000)
        self.setPlaceholderText("One line per epoch appears here.")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.font().pointSizeF() * 0.92)
        self.setFont(mono)
        self.setMinimumHeight(70)

    def log(self, line: str) -> None:
        self.appendPlainText(line)

    def log_run_start(self, run_id: int, design: str, total_params: int, dataset: str, optimizer: str,
                      settings: TrainSettings, continuing: bool) -> None:
        self.log(f"── Run {run_id}: {design} ({total_params:,} parameters) on {dataset}")
        self.log(f"   {optimizer}, lr {settings.lr:g}, batch {settings.batch_size}, "
                 f"{settings.epochs} epochs, validation {settings.validation_fraction:g}, "
                 f"seed {settings.seed}" + (", continuing from the current weights" if continuing else ""))
        aids = settings_text(asdict(settings)).split(", ")[2:]    # after the optimizer's rate and the batch
        if aids:
            self.log(f"   training aids: {', '.join(aids)}")

    def log_epoch(self, info: EpochInfo) -> None:
        width = len(str(info.epochs))
        seconds = f"{info.seconds:.2f} s" if info.seconds < 1 else f"{info.seconds:.1f} s"
        self.log(f"epoch {info.epoch:>{width}}/{info.epochs}  loss {number(info.train_loss)}  "
                 f"acc {percent(info.train_accuracy):>7}  val loss {number(info.val_loss)}  "
                 f"val acc {percent(info.val_accuracy):>7}  lr {info.lr:.3g}  ({seconds})")

    def log_result(self, result: TrainingResult, kind: str, dataset: str, design_edited: bool,
                   warning: str = "") -> None:
        status, run = result.status, result.run_id
        if kind == "evaluate":
            if status == "evaluated":
                self.log(f"evaluated on {dataset}: test accuracy {percent(result.test_accuracy)} "
                         f"({result.test_correct}/{result.test_count}), test loss {number(result.test_loss)}")
            else:
                self.log(f"evaluation failed: {result.message}")
            return
        tail = (f": test accuracy {percent(result.test_accuracy)} ({result.test_correct}/{result.test_count})"
                if result.has_test_result else "")
        if status == "completed":
            self.log(f"run {run} finished in {result.seconds:.1f} s{tail}")
        elif status == "stopped":
            self.log(f"run {run} {result.message}{tail}")
        elif status == "diverged":
            # The engine's message says "training diverged" itself.
            self.log(f"run {run}: {result.message}")
        else:
            self.log(f"run {run} failed: {result.message}")
        if result.history.restored_best and status == "completed":   # stopped: said in the message
            self.log(f"   {result.history.message}")
        if warning:
            self.log(f"   warning: {warning}")
        if result.run is not None:
            self.log(f"   kept in the Runs tab as {result.run.id}"
                     + (f" ({result.run.data['weights']['note']})" if result.run.data["weights"].get("note") else ""))
        elif result.record_problem:
            self.log(f"   not kept in the Runs tab: {result.record_problem}")
        if design_edited:
            self.log("   (the design was edited during the run; the next run uses the edited design)")
