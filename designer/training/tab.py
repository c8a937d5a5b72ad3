"""The Train tab: composes the dataset, hyperparameter, run, weights and result boxes with the plots and
the log, and runs the training through the run's controller.

The tab reads the design from the document and never edits it, except through the document's own
undoable methods (the one-click fixes of design_fixes.py, and replace_spec when loaded weights bring
their own design). Whether the design can train — shapes, classes, and training memory at the chosen
batch size — is decided by the engine (design_check.py shows its messages as they are).

Its collaborators are handed what they need and report through signals: DatasetChoice (which dataset,
read in a thread), DesignFixes (the one-click fixes) and WeightsFiles (which network, Save / Load).

A run trains a copy of the spec taken at Start on a thread that `RunController` owns (controller.py);
the widgets change only in slots on the GUI thread. Every training run is kept in the runs folder
(engine.runs, the Runs tab's) by the worker, and announced with `run_recorded`. Whoever owns the tab calls `shutdown()` before it
goes: MainWindow.closeEvent does.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from engine.data import DatasetError
from engine.network import Network
from engine.optim import DEFAULT_LR
from engine.runs import runs_folder as default_runs_folder
from engine.shapes import summarize
from engine.spec import SpecError
from engine.train import builtin_dataset_for, check_dataset_fits, settings_fit_problem

from ..actions import make_action
from ..column_scroll import vertical_scroll
from ..document import DesignDocument
from .controller import RunController, RunState
from .dataset_box import DatasetBox
from .dataset_choice import DatasetChoice
from .design_check import DesignCheck, check_design, network_fits, same_design
from .design_fixes import DesignFixes
from .hyperparameters import HyperparameterBox
from .outcome import run_warning
from .plots_pane import PlotsPane
from .result_box import ResultBox
from .run_controls import RunControls
from .text import ERROR_STYLE, WARN_STYLE, sentence
from .training_aids import TrainingAidsBox
from .weights_box import WeightsBox
from .weights_files import WeightsFiles
from .worker import TrainingJob, TrainingResult

log = logging.getLogger(__name__)


class _FixedColumn(QWidget):
    """A column whose wrapped labels don't make its height depend on its width: otherwise the tab's
    scroll area grows the whole tab to its preferred height (~770 px) and scrolls it."""

    def hasHeightForWidth(self) -> bool:
        return False


class TrainTab(QWidget):
    """The Train tab for a DesignDocument (objectName ``trainingPanel``).

    Parts, made here:
        dataset_box, hyper_box, aids_box, run_controls, weights_box, result_box, plots_pane   the widgets
        actions        {key: QAction}: train (F5), pause (F6: pause or resume), stop (Shift+F5)
        controller     RunController: the run's state and its thread
        datasets       DatasetChoice: the dataset in use (`datasets.dataset`) and how it is chosen
        fixes          DesignFixes: the one-click fixes of the design
        weights        WeightsFiles: the network the tab holds (`weights.network`), Save / Load weights

    Signals (all emitted on the GUI thread):
        training_started(int run_id)
        training_paused(), training_resumed()   when the worker has actually parked / continued
        training_finished(object)   a TrainingResult; every training run ends with exactly one,
                                    whatever its status ("completed", "stopped", "diverged", "failed")
        evaluation_finished(object) a TrainingResult with status "evaluated" (or "failed")
        training_failed(str)        an exception in the worker, as a message (also in the tab)
        network_updated(object)     a Network: a snapshot after every epoch, the final network when a
                                    run ends, the loaded one after Load weights
        dataset_changed(object)     the Dataset now chosen
        dataset_load_finished(bool, str)   a dataset file or folder was read (True, "") or not
                                    (False, the one-line DatasetError message)
        preset_requested(str)       "Open the … preset": the window should load this preset key
        settings_changed(object)    the next run's TrainSettings, after any hyperparameter or aid changed
        run_recorded(object)        an engine.runs.Run: a training run was kept in `runs_folder`
    """

    training_started = Signal(int)
    training_paused = Signal()
    training_resumed = Signal()
    training_finished = Signal(object)
    evaluation_finished = Signal(object)
    training_failed = Signal(str)
    network_updated = Signal(object)
    dataset_changed = Signal(object)
    dataset_load_finished = Signal(bool, str)
    preset_requested = Signal(str)
    settings_changed = Signal(object)
    run_recorded = Signal(object)

    def __init__(self, document: DesignDocument, parent: Optional[QWidget] = None,
                 runs_folder: Optional[Path] = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.document = document
        #: Where training runs are kept (engine.runs.runs_folder() unless given).
        self.runs_folder = Path(runs_folder) if runs_folder is not None else default_runs_folder()
        self._blocking_problem_shown = ""
        self._build()
        self.controller = RunController(self)
        self.datasets = DatasetChoice(self.dataset_box, self)
        self.fixes = DesignFixes(document, self.datasets, self.dataset_box, self)
        self.weights = WeightsFiles(document, self.weights_box, self.controller, self)
        self._run_settings = None   # (TrainSettings, optimizer title, classes) of the last run started
        self._can_train = False
        self._design_edited_during_run = False
        self._create_actions()
        self._connect()
        # The built-in dataset the design trains on as it is (Shapes for the course's LeNet-5), else digits.
        self.datasets.set_dataset(builtin_dataset_for(document.spec) or "digits", automatic=True)
        self._refresh()

    # ================================================================================ construction
    def _build(self) -> None:
        self.dataset_box = DatasetBox()
        self.aids_box = TrainingAidsBox()
        self.hyper_box = HyperparameterBox(self.aids_box)
        self.run_controls = RunControls()
        self.weights_box = WeightsBox()
        self.result_box = ResultBox()
        self.plots_pane = PlotsPane()

        # The settings scroll; the Run and Result boxes stay below them, always on screen (a
        # 1024×640 window shows Train and the test accuracy without scrolling).
        side = QWidget()
        side.setObjectName("trainingSide")
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(8)
        for box in (self.dataset_box, self.hyper_box, self.aids_box, self.weights_box):
            column.addWidget(box)
        column.addStretch(1)
        scroll = vertical_scroll(side, "trainingSideScroll")
        scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        left = _FixedColumn()
        left.setObjectName("trainingLeftColumn")
        left.setMinimumWidth(330)
        left.setMaximumWidth(400)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.setSpacing(6)
        left_column.addWidget(scroll, 1)
        for box in (self.run_controls, self.result_box):
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            left_column.addWidget(box)

        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(8)
        outer.addWidget(left)
        outer.addWidget(self.plots_pane, 1)

    def _create_actions(self) -> None:
        """Train, Pause / Resume and Stop from the keyboard (the window's Run menu places them)."""
        self.actions = {
            "train": make_action(self, "train", "&Train", "Train a copy of the design on the dataset",
                                 self.start_training, "F5"),
            "pause": make_action(self, "pause", "&Pause", "Pause after the current batch, or resume",
                                 self.toggle_pause, "F6"),
            "stop": make_action(self, "stop", "&Stop", "End the run after the current batch; the weights so "
                                "far are kept", self.stop, "Shift+F5"),
        }
        controls = self.run_controls
        for key, button in (("pause", controls.pause_button), ("stop", controls.stop_button)):
            button.setToolTip(self.actions[key].toolTip())

    def _connect(self) -> None:
        self.document.changed.connect(self._on_document_changed)
        self.document.specReset.connect(self._follow_design)
        log_line = self.plots_pane.log_view.log
        self.datasets.changed.connect(self._refresh)
        self.datasets.datasetChanged.connect(self.dataset_changed)
        self.datasets.readFinished.connect(self.dataset_load_finished)
        self.datasets.logged.connect(log_line)
        self.fixes.presetRequested.connect(self.preset_requested)
        self.fixes.refused.connect(lambda message: self.run_controls.set_status(message, ERROR_STYLE))
        self.weights.loaded.connect(self._on_weights_loaded)
        self.weights.status.connect(self.run_controls.set_status)
        self.weights.logged.connect(log_line)
        # The memory guard depends on the batch size and the optimizer.
        self.hyper_box.settingsChanged.connect(self._refresh)
        self.hyper_box.settingsChanged.connect(self.settings_changed)
        self.run_controls.train_button.clicked.connect(self.start_training)
        self.run_controls.pause_button.clicked.connect(self.toggle_pause)
        self.run_controls.stop_button.clicked.connect(self.stop)
        self.weights_box.evaluate_button.clicked.connect(self.evaluate)
        self.plots_pane.clear_button.clicked.connect(self.clear_runs)
        run = self.controller
        run.stateChanged.connect(self._update_controls)
        run.batchProgress.connect(self._on_batch_progress)
        run.epochDone.connect(self._on_epoch_done)
        run.parked.connect(self._on_parked)
        run.resumed.connect(self._on_resumed)
        run.runEnded.connect(self._on_run_ended)
        run.runEnded.connect(lambda *_: self.run_controls.cores.refresh())

    @property
    def can_train(self) -> bool:
        """Train may start: the design, the dataset and the memory at the chosen batch size all fit."""
        return self._can_train

    # ================================================================================ the design
    def _on_document_changed(self) -> None:
        if self.controller.is_active and self.controller.kind == "train":
            self._design_edited_during_run = True
        self._refresh()

    def _follow_design(self) -> None:
        """Another design was opened: until the user chooses a dataset, the tab's own choice follows the
        design to the built-in dataset it trains on as it is (digits for the Digits net, shapes for LeNet-5)."""
        if self.datasets.chosen_by_user or self.controller.is_active or self.datasets.is_loading:
            return
        name = builtin_dataset_for(self.document.spec)
        current = self.datasets.dataset
        if name is not None and (current is None or current.name != name):
            self.datasets.set_dataset(name, automatic=True)

    def check_design(self) -> DesignCheck:
        """The engine's verdict for the current design on the dataset in use, at the chosen batch size,
        optimizer and early stopping (design_check.check_design)."""
        settings = self.hyper_box.settings()
        return check_design(self.document.spec, self.datasets.dataset, settings.batch_size, settings.optimizer,
                            early_stopping=bool(settings.early_stopping))

    def settings_problem(self) -> Optional[str]:
        """Why the chosen training aids can't work for this run on the dataset in use (the engine's
        settings_fit_problem, as a sentence), or None."""
        dataset = self.datasets.dataset
        problem = settings_fit_problem(self.hyper_box.settings(), dataset.image_shape) if dataset else None
        return sentence(problem) if problem else None

    # ================================================================================ running
    def start_training(self) -> bool:
        """Train a copy of the current design on the chosen dataset (in a thread). False if it can't
        start (a run in progress, or the design / dataset problems the tab shows)."""
        self._refresh()
        if self.controller.is_active or not self._can_train or self.datasets.is_loading:
            return False
        spec, dataset, network = self.document.spec.copy(), self.datasets.dataset, self.weights.network
        settings = self.hyper_box.settings()
        optimizer_title = self.hyper_box.optimizer_title()
        self._run_settings = (settings, optimizer_title, dataset.num_classes)
        initial = network.copy() if self.weights_box.continue_requested and network else None
        job = TrainingJob(spec=spec, dataset=dataset, settings=settings, initial_network=initial,
                          runs_folder=self.runs_folder, dataset_argument=self.datasets.key or dataset.name)
        self._design_edited_during_run = False
        if not self.controller.start(job, "train"):
            return False
        run_id = self.controller.run_id
        self.plots_pane.plots.start_run(f"run {run_id}")
        self.plots_pane.log_view.log_run_start(run_id, spec.name or "design", summarize(spec).total_params,
                                               dataset.describe(), optimizer_title, settings,
                                               continuing=initial is not None)
        self.run_controls.show_starting(settings.epochs)
        self.result_box.clear()
        self.run_controls.set_status(f"Training run {run_id}…")
        self._update_controls()
        self.training_started.emit(run_id)
        return True

    def evaluate(self) -> bool:
        """Measure the current network on the dataset's test images (in the thread)."""
        network, dataset = self.weights.network, self.datasets.dataset
        if self.controller.is_active or network is None or dataset is None:
            return False
        try:
            check_dataset_fits(network, dataset)
        except (DatasetError, SpecError) as exc:
            self.run_controls.set_status(f"Can't evaluate these weights on this dataset: {sentence(str(exc))}",
                                         ERROR_STYLE)
            return False
        job = TrainingJob(spec=network.spec.copy(), dataset=dataset, initial_network=network.copy())
        if not self.controller.start(job, "evaluate"):
            return False
        self.run_controls.show_busy()
        self.run_controls.set_status(f"Evaluating on {dataset.name}'s test images…")
        return True

    def toggle_pause(self) -> None:
        if self.controller.state in (RunState.PAUSING, RunState.PAUSED):
            self.resume()
        else:
            self.pause()

    def pause(self) -> bool:
        """Ask the run to pause at the next batch boundary (training_paused confirms)."""
        if not self.controller.pause():
            return False
        self.run_controls.set_status("Pausing after this batch…")
        return True

    def resume(self) -> bool:
        was_parked = self.controller.state is RunState.PAUSED
        if not self.controller.resume():
            return False
        self.run_controls.set_status("Resuming…" if was_parked else f"Training run {self.controller.run_id}…")
        return True

    def stop(self) -> bool:
        """End the run after the current batch; it finishes normally (training_finished, "stopped")."""
        if not self.controller.stop():
            return False
        self.run_controls.set_status("Stopping after this batch…")
        return True

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Cancel and join a dataset read in progress, stop any run and join its thread
        (MainWindow.closeEvent calls this). Safe any time and repeatedly; True when no thread is left
        running. After a timeout the tab shows the run as stopping, and the run ends normally when its
        thread does."""
        if self.datasets.is_loading:   # the read stops at its next chunk: a moment, not the whole file
            self.run_controls.set_status("Cancelling the dataset being read…", WARN_STYLE)
            self.datasets.cancel()
            self.datasets.wait()
        if self.controller.thread is None:
            return True
        joined = self.controller.shutdown(timeout_ms)
        if not joined:
            self.run_controls.set_status("Stopping: the run ends after its current batch…", WARN_STYLE)
        return joined

    # ----- controller slots -----------------------------------------------------------------------
    def _on_batch_progress(self, progress) -> None:
        plots = self.plots_pane.plots
        plots.set_extent(progress.total_iterations, progress.epochs)
        plots.add_losses(progress.first_iteration, progress.losses)
        self.run_controls.show_batch(progress)

    def _on_epoch_done(self, progress) -> None:
        info = progress.info
        self.plots_pane.plots.add_epoch(info.epoch, progress.iteration, info.val_loss, info.train_accuracy,
                                        info.val_accuracy, info.lr)
        self.plots_pane.log_view.log_epoch(info)
        run_id = self.controller.run_id
        self.weights.set_network(progress.network, f"after epoch {info.epoch} of run {run_id}")
        if self.controller.state is RunState.RUNNING:
            self.run_controls.show_epoch_status(run_id, info.epoch, info.epochs, info.val_accuracy)
        self.network_updated.emit(progress.network)

    def _on_parked(self, iteration: int) -> None:
        self.run_controls.show_parked(iteration)
        self.training_paused.emit()

    def _on_resumed(self) -> None:
        self.run_controls.set_status(f"Training run {self.controller.run_id}…")
        self.training_resumed.emit()

    def _on_run_ended(self, result: TrainingResult, kind: str) -> None:
        if result.status == "failed":
            log.error("training worker failed: %s\n%s", result.message, result.details)
            result.network = self.weights.network
        if kind == "train":
            self.plots_pane.plots.end_run()
            if result.history.restored_best and result.history.best_epoch:
                self.plots_pane.plots.mark_best_epoch(result.history.best_epoch)
            if result.network is not None and result.status != "failed":
                self.weights.set_network(result.network, f"end of run {result.run_id} ({result.status})")
        dataset = self.datasets.dataset.name if self.datasets.dataset is not None else "the dataset"
        whose = f"run {result.run_id}" if kind == "train" else (self.weights.source or "the weights")
        self.result_box.show_result(result, f"{whose} on {dataset}")
        warning = self._run_warning(result) if kind == "train" else None
        self.run_controls.show_end(result, kind, f"{self.weights.source or 'the weights'} on {dataset}",
                                   warning or "")
        self.plots_pane.log_view.log_result(result, kind, dataset, self._design_edited_during_run, warning or "")
        self._refresh()
        if kind == "train" and result.network is not None and result.status != "failed":
            self.network_updated.emit(result.network)
        if result.run is not None:
            self.run_recorded.emit(result.run)
        if kind == "evaluate":
            self.evaluation_finished.emit(result)
        else:
            self.training_finished.emit(result)
        if result.status == "failed":
            self.training_failed.emit(result.message)

    def _run_warning(self, result: TrainingResult) -> Optional[str]:
        """outcome.run_warning for a training run, with the run's learning rate and its usual one."""
        settings, optimizer_title, classes = self._run_settings
        return run_warning(result, classes, settings.lr, optimizer_title, DEFAULT_LR[settings.optimizer])

    def load_weights_file(self, path) -> bool:
        """Load weights from `path` (a recorded run's, or any saved), as Load weights does; while a run is
        going on the tab says to wait instead. True when they were loaded."""
        if self.controller.is_active:
            self.run_controls.set_status("A run is going on: load the weights when it has ended.", WARN_STYLE)
            return False
        return self.weights.load_weights(path)

    def _on_weights_loaded(self, network: Network, file_name: str) -> None:
        """Show the loaded network, then measure it on the dataset when it fits (or say why not)."""
        self._refresh()
        self.network_updated.emit(network)
        self.result_box.clear()
        dataset = self.datasets.dataset
        if not self.evaluate() and dataset is not None:
            try:
                check_dataset_fits(network, dataset)
            except (DatasetError, SpecError) as exc:
                self.run_controls.set_status(f"Loaded {file_name}; it doesn't fit the chosen dataset: "
                                             f"{sentence(str(exc))}", WARN_STYLE)

    # ================================================================================ plots
    def clear_runs(self) -> None:
        """Remove earlier runs' curves (and the last run's, when none is in progress)."""
        self.plots_pane.clear_runs(keep_current=self.controller.is_active and self.controller.kind == "train")

    # ================================================================================ state
    def _refresh(self, *args) -> None:
        check = self.check_design()
        settings_problem = self.settings_problem()
        self._can_train = check.ok and settings_problem is None
        self.dataset_box.show_check(check, self.datasets.dataset)
        reasons = check.messages + ([settings_problem] if settings_problem else [])
        self.run_controls.train_button.setToolTip("Train a copy of the design on the dataset (F5)" if not reasons
                                                  else "Can't train yet:\n" + "\n".join(reasons))
        self._show_blocking_problem(check.memory_problem or settings_problem)
        self._update_controls()

    def _show_blocking_problem(self, problem: Optional[str]) -> None:
        """The memory guard's message, or why the training aids can't work, goes where the user looks
        before Start: the status line (and the Train button's tooltip, with the other reasons). It
        leaves when the problem does."""
        if self.controller.is_active:
            return
        status = self.run_controls.status_label
        if problem:
            if status.text() != problem:
                self.run_controls.set_status(problem, ERROR_STYLE)
        elif self._blocking_problem_shown and status.text() == self._blocking_problem_shown:
            self.run_controls.set_status("")
        self._blocking_problem_shown = problem or ""

    def _update_controls(self, *args) -> None:
        running = self.controller.is_active
        loading = self.datasets.is_loading
        network, dataset = self.weights.network, self.datasets.dataset
        self.run_controls.show_state(self.controller.state, self.controller.kind, self._can_train and not loading,
                                     self._design_edited_during_run)
        controls = self.run_controls
        for key, button in (("train", controls.train_button), ("pause", controls.pause_button),
                            ("stop", controls.stop_button)):
            self.actions[key].setEnabled(button.isEnabled())
        self.actions["pause"].setText("&Resume" if controls.pause_button.text() == "Resume" else "&Pause")
        self.hyper_box.setEnabled(not running)
        self.aids_box.setEnabled(not running)
        self.dataset_box.set_choosable(not running and not loading, dataset is not None)
        matches = network is not None and same_design(network.spec, self.document.spec)
        self.weights_box.show_state(running, network is not None, network_fits(network, dataset), matches)
        self.plots_pane.update_runs_label()
