"""The Train tab: dataset, hyperparameters, a training thread, live loss and accuracy plots.

    from designer.training import TrainingPanel
    panel = TrainingPanel(document)          # document: a DesignDocument
    window.add_tab(panel, "Train")           # and call panel.shutdown() from the window's closeEvent
"""
from .panel import TrainingPanel
from .plots import TrainingPlots
from .worker import (BatchProgress, EpochProgress, TrainingJob, TrainingResult, TrainingSession,
                     TrainingWorker, shutdown_all_sessions)

__all__ = ["TrainingPanel", "TrainingPlots", "TrainingJob", "TrainingResult", "TrainingSession", "TrainingWorker",
           "BatchProgress", "EpochProgress", "shutdown_all_sessions"]
