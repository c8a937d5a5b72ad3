"""The Train tab: dataset, hyperparameters, a training thread, live loss and accuracy plots.

    from designer.training import TrainTab
    tab = TrainTab(document)           # document: a DesignDocument; call tab.shutdown() before it goes

tab.py composes the rest: controller.py (the run's state and thread), worker.py (drives
engine.train.Trainer.fit), the collaborators dataset_choice.py, design_fixes.py and weights_files.py,
one widget file per box (dataset_box, hyperparameters, run_controls, weights_box, result_box, plots_pane,
log_view, plots, sample_strip), and the parts without widgets (datasets, dataset_loading, design_check,
outcome, recent_datasets, files, text).
"""
from .controller import RunController, RunEvent, RunState
from .plots import TrainingPlots
from .tab import TrainTab
from .worker import BatchProgress, EpochProgress, TrainingJob, TrainingResult, TrainingWorker

__all__ = ["TrainTab", "TrainingPlots", "RunController", "RunState", "RunEvent", "TrainingJob",
           "TrainingResult", "TrainingWorker", "BatchProgress", "EpochProgress"]
