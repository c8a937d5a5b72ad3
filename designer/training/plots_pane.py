"""The right-hand side of the Train tab: the loss and accuracy plots, Clear runs, and the log."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from .log_view import TrainingLog
from .plots import TrainingPlots, make_plot_widget
from .text import MUTED_STYLE


class PlotsPane(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        self.runs_label = QLabel()
        self.runs_label.setObjectName("runsLabel")
        self.runs_label.setStyleSheet(MUTED_STYLE)
        bar.addWidget(self.runs_label, 1)
        self.clear_button = QPushButton("Clear runs")
        self.clear_button.setObjectName("clearRunsButton")
        self.clear_button.setToolTip("Remove the curves of earlier runs (and of the last run when none is "
                                     "in progress)")
        bar.addWidget(self.clear_button)
        layout.addLayout(bar)

        self.loss_plot = make_plot_widget("lossPlot", "Loss", "loss J", "iteration")
        self.accuracy_plot = make_plot_widget("accuracyPlot", "Accuracy", "accuracy", "epoch", units="%")
        self.plots = TrainingPlots(self.loss_plot, self.accuracy_plot, self)
        plots_split = QSplitter(Qt.Orientation.Horizontal)
        plots_split.setObjectName("trainingPlotSplitter")
        plots_split.addWidget(self.loss_plot)
        plots_split.addWidget(self.accuracy_plot)
        plots_split.setStretchFactor(0, 3)
        plots_split.setStretchFactor(1, 2)
        plots_split.setChildrenCollapsible(False)

        self.log_view = TrainingLog()
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("trainingSplitter")
        split.addWidget(plots_split)
        split.addWidget(self.log_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 160])
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self.update_runs_label()

    def clear_runs(self, keep_current: bool) -> None:
        self.plots.clear_runs(keep_current=keep_current)
        self.update_runs_label()

    def update_runs_label(self) -> None:
        earlier = len(self.plots.earlier_runs)
        if earlier:
            self.runs_label.setText(f"Faded curves: {earlier} earlier run{'s' if earlier > 1 else ''}, for comparison")
        else:
            self.runs_label.setText("Each run's curves stay, faded, when the next starts")
