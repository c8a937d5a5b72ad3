"""The Runs tab: the Runs view (every recorded run) with the over-fitting lesson's bar above it.

The lesson (Help › Course examples › Over-fitting) trains on a thread (lesson.py) while its bar shows the
progress and a Stop button; when it ends, its runs are selected in the view (their curves overlaid) and the
bar says what to look at. The view's requests (open a design, load weights) go to the window through the
view's own signals; `message` carries one line for the status bar.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from engine.overfitting_lesson import TRAIN_IMAGES
from engine.runs import Run
from engine.runs_compare import percent

from .lesson import LessonRunner
from .runs_view import RunsView

PROGRESS_STEPS = 1000
LESSON_TITLE = "Over-fitting lesson"


def lesson_reading(runs: list[Run]) -> str:
    """What the lesson's recorded runs show, in their own numbers: the plain run's gap between training
    and test accuracy (the over-fitting), and which run did best on the test images. `runs`: the lesson's
    runs in order, the plain one first."""
    if not runs:
        return "no run was recorded."
    plain = runs[0]
    text = (f"without aids the network gets {percent(plain.epoch_value('train_accuracy'))} of its "
            f"{TRAIN_IMAGES} training digits right but {percent(plain.test_accuracy)} of the test digits: the "
            "gap is over-fitting, the network memorised its training images. ")
    tested = [run for run in runs if isinstance(run.test_accuracy, (int, float))]
    if len(tested) > 1:
        best = max(tested, key=lambda run: run.test_accuracy)
        if best is plain:
            text += "Here no aid beat the run without them on the test digits. "
        else:
            text += (f"Here the best on the test digits is {best.name.split(': ', 1)[-1]} "
                     f"({percent(best.test_accuracy)}). ")
    return text + ("Compare the dashed validation curves and the Val acc and Test acc columns (a ring marks "
                   "the epoch early stopping kept).")


class RunsTab(QWidget):
    """The Runs tab (objectName ``runsTab``): `view` (RunsView over the runs folder), `lesson` (LessonRunner)
    and the lesson's bar. Signal message(str): a line for the status bar (the view's and the lesson's)."""

    message = Signal(str)

    def __init__(self, folder: Optional[Path] = None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("runsTab")
        self.view = RunsView(folder)
        self.lesson = LessonRunner(self.view.folder, self)
        self.lesson_run_ids: list[str] = []    # the runs the last lesson recorded

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.lesson_bar = QFrame()
        self.lesson_bar.setObjectName("lessonBar")
        self.lesson_bar.setFrameShape(QFrame.Shape.StyledPanel)
        bar = QHBoxLayout(self.lesson_bar)
        bar.setContentsMargins(10, 6, 10, 6)
        self.lesson_label = QLabel()
        self.lesson_label.setObjectName("lessonLabel")
        self.lesson_label.setWordWrap(True)
        bar.addWidget(self.lesson_label, 1)
        self.lesson_progress = QProgressBar()
        self.lesson_progress.setObjectName("lessonProgress")
        self.lesson_progress.setRange(0, PROGRESS_STEPS)
        self.lesson_progress.setMaximumWidth(260)
        bar.addWidget(self.lesson_progress)
        self.lesson_button = QPushButton()
        self.lesson_button.setObjectName("lessonButton")
        self.lesson_button.setToolTip("Stop the lesson, or hide this note when it has ended")
        self.lesson_button.clicked.connect(self._lesson_button_clicked)
        bar.addWidget(self.lesson_button)
        layout.addWidget(self.lesson_bar)
        self.lesson_bar.hide()
        layout.addWidget(self.view, 1)

        self.view.message.connect(self.message)
        self.lesson.progressed.connect(self._show_progress)
        self.lesson.finished.connect(self._lesson_finished)

    # ----- the lesson ------------------------------------------------------------------------------
    def start_lesson(self) -> bool:
        """Train and record the over-fitting lesson's runs on a thread; False if it is already running."""
        if not self.lesson.start():
            self.message.emit("The over-fitting lesson is already running")
            return False
        self.lesson_run_ids = []
        self.lesson_label.setText(f"<b>{LESSON_TITLE}</b>: training {TRAIN_IMAGES} digits without aids, "
                                  "then with each aid…")
        self.lesson_progress.setValue(0)
        self.lesson_progress.show()
        self.lesson_button.setEnabled(True)
        self.lesson_button.setText("Stop")
        self.lesson_button.setToolTip("Stop the lesson after the current batch (the run it stops is kept)")
        self.lesson_bar.show()
        return True

    def add_recorded(self, run) -> None:
        """A run was just kept (an engine.runs.Run): shown at once when the tab is in view (otherwise
        showing it reads the folder)."""
        if self.view.isVisible():
            self.view.refresh()
        self.message.emit(f"Run kept in the Runs tab: {run.name} ({run.id})")

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Stop the lesson and join its thread (the window's close path); True when none is left."""
        return self.lesson.shutdown(timeout_ms)

    def _show_progress(self, fraction: float, text: str) -> None:
        self.lesson_progress.setValue(round(fraction * PROGRESS_STEPS))
        self.lesson_label.setText(f"<b>{LESSON_TITLE}</b>: {text}")

    def _lesson_finished(self, run_ids: list, problem: str) -> None:
        self.lesson_run_ids = list(run_ids)
        self.lesson_progress.hide()
        self.lesson_button.setEnabled(True)
        self.lesson_button.setText("Close")
        self.lesson_button.setToolTip("Hide this note (the lesson's runs stay in the table)")
        self.view.filter_edit.clear()
        self.view.refresh()
        if problem:
            self.lesson_label.setText(f"<b>{LESSON_TITLE}</b> ended early: {problem}")
            self.message.emit(f"The over-fitting lesson ended early: {problem}")
        else:
            by_id = {run.id: run for run in self.view.model.runs}
            runs = [by_id[run_id] for run_id in self.lesson_run_ids if run_id in by_id]
            self.lesson_label.setText(f"<b>{LESSON_TITLE}</b>: {lesson_reading(runs)}")
        for layout in (self.lesson_bar.layout(), self.layout(), self.view.layout()):
            layout.activate()        # the table's height with the longer note, before scrolling to the runs
        self.view.select_runs(self.lesson_run_ids)
        if problem:
            return
        count = len(self.lesson_run_ids)
        self.message.emit(f"The over-fitting lesson recorded {count} run{'s' if count != 1 else ''}; "
                          "they are selected and compared below")

    def _lesson_button_clicked(self) -> None:
        if self.lesson.is_running:
            self.lesson.stop()
            self.lesson_button.setEnabled(False)
            self.lesson_label.setText(f"<b>{LESSON_TITLE}</b>: stopping after this batch…")
        else:
            self.lesson_bar.hide()

    @property
    def folder(self) -> Path:
        return self.view.folder
