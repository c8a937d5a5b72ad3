"""The Train tab: dataset, hyperparameters, a training thread, live loss and accuracy plots.

    from designer.training import TrainingPanel
    panel = TrainingPanel(document)          # document: a DesignDocument
    window.add_tab(panel, "Train")           # and call panel.shutdown() from the window's closeEvent

The parts: controller.py (the run's state and thread), worker.py (drives engine.train.Trainer.fit),
one widget file per box (dataset_box, hyperparameters, run_controls, weights_box, result_box,
plots_pane, log_view), datasets.py and design_check.py (no widgets), panel.py composing them.
"""
from .controller import RunController, RunEvent, RunState
from .panel import TrainingPanel
from .plots import TrainingPlots
from .worker import BatchProgress, EpochProgress, TrainingJob, TrainingResult, TrainingWorker

__all__ = ["TrainingPanel", "TrainingPlots", "RunController", "RunState", "RunEvent", "TrainingJob",
           "TrainingResult", "TrainingWorker", "BatchProgress", "EpochProgress"]
